package dev.ccauth

import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ErrorKind
import dev.ccauth.ffi.Header
import dev.ccauth.ffi.clientOptions
import dev.ccauth.ffi.doctorPlan
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.jsonObject
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.StandardCharsets
import java.nio.file.AccessDeniedException
import java.nio.file.Files
import java.nio.file.InvalidPathException
import java.nio.file.NoSuchFileException
import java.nio.file.Paths

/**
 * [ClientCredentials.fromEnv]'s reading: the core plans which files to read
 * and turns the `CCAUTH_*` variables (over the config file) into a config
 * document; this reads the files, discovers the issuer's metadata when the
 * document has none, and builds the [ClientConfig]. No value of the
 * environment or the files reaches an error: the core names the option
 * (a misspelt variable by its right name), this names the file.
 */
internal object FromEnv {
    /** Document members this constructor cannot honour: they need code (an assertion source, a signer), not text. */
    private val needsCode = listOf("external_client_assertion", "host_signed_key", "host_signed_dpop_key")

    /** The core's client options (a config document, JSON text, snake_case) from [env]'s `CCAUTH_*` variables and the files they name. */
    fun options(env: Map<String, String>): String {
        val variables = env.filterKeys { it.startsWith("CCAUTH_") }.map { (name, value) -> Header(name, value) }
        val plan = Json.parseToJsonElement(configured { doctorPlan(emptyList(), variables) }).jsonObject
        val configText = text(plan, "config_file")?.let { read(it, "configFile") }
        val keyText = text(plan, "private_key_file")?.let { read(it, "privateKeyFile") }
        return configured { clientOptions(emptyList(), variables, configText, keyText) }
    }

    /**
     * The config for [options] (see [options]): with an `issuer` and no
     * `server_metadata`, the issuer's metadata first ([ClientCredentials.discover],
     * over http only with `danger_accept_insecure_http`).
     */
    suspend fun config(
        options: String,
        transport: HttpTransport,
        timeoutMs: Long,
    ): ClientConfig {
        var document = Json.parseToJsonElement(options).jsonObject
        for (name in needsCode) {
            val value = document[name]
            if (value != null && value !is JsonNull && value != JsonPrimitive(false)) {
                throw badOption(
                    OptionNames.of(name),
                    "needs a callable or a signer: build ClientCredentials(ClientOptions(…)) with clientAssertion, PrivateKey.jca or PrivateKey.signedBy",
                )
            }
        }
        val issuer = (document["issuer"] as? JsonPrimitive)?.takeIf { it.isString }?.content
        if (issuer != null && "server_metadata" !in document) {
            val insecure = (document["danger_accept_insecure_http"] as? JsonPrimitive)?.booleanOrNull == true
            val metadata = ClientCredentials.discover(issuer, insecure, transport, timeoutMs)
            document = JsonObject(document + ("server_metadata" to Json.parseToJsonElement(metadata.json)))
        }
        return configured { ClientConfig.fromDocument(document.toString()) }
    }

    private fun text(
        plan: JsonObject,
        name: String,
    ): String? = (plan[name] as? JsonPrimitive)?.takeIf { it.isString }?.content

    /** A file the plan names, as UTF-8 text; one that cannot be read is a [CcauthError.Config] naming [field] and the path. */
    private fun read(
        path: String,
        field: String,
    ): String {
        val why =
            try {
                val bytes = Files.readAllBytes(Paths.get(path))
                return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes))
                    .toString()
            } catch (e: NoSuchFileException) {
                "no such file"
            } catch (e: AccessDeniedException) {
                "permission denied"
            } catch (e: CharacterCodingException) {
                "not UTF-8 text"
            } catch (e: IOException) {
                TransportException.nameOf(e) // the class only: the message may quote the file
            } catch (e: InvalidPathException) {
                "not a path"
            }
        throw badOption(field, "cannot read $path: $why")
    }

    /** A [CcauthError.Config] for an option this library refuses itself (`INVALID_PARAMETER`). */
    private fun badOption(
        field: String,
        reason: String,
    ): CcauthError {
        val code = "INVALID_PARAMETER"
        return CcauthError.Config(
            CcauthError.Details(kind = ErrorKind.CONFIG, code = code, message = "$code: invalid `$field`: $reason", field = field, reason = reason),
        )
    }
}
