package dev.ccauth

import dev.ccauth.ffi.buildTokenRequestAt
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File
import java.math.BigInteger
import java.security.KeyFactory
import java.security.PublicKey
import java.security.Signature
import java.security.spec.MGF1ParameterSpec
import java.security.spec.PSSParameterSpec
import java.security.spec.X509EncodedKeySpec
import java.util.Base64
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

/**
 * The signing vectors (tests/vectors/signing.json) through the generated
 * bindings: the exact bytes the core pins, and every signature verified with
 * the JDK's own crypto (JCA), independent of the core's RustCrypto.
 */
class SigningVectorsTest {
    private val dir = File(System.getProperty("ccauth.vectors") ?: error("ccauth.vectors not set"))
    private val b64 = Base64.getUrlDecoder()

    private fun part(
        jwt: String,
        i: Int,
    ): JsonObject = Json.parseToJsonElement(String(b64.decode(jwt.split(".")[i]))).jsonObject

    private fun publicKey(
        pem: String,
        alg: String,
    ): PublicKey {
        val der = Base64.getMimeDecoder().decode(pem.replace(Regex("-----[^-]+-----"), ""))
        val type =
            when (alg) {
                "RS256", "PS256" -> "RSA"
                "EdDSA" -> "Ed25519"
                else -> "EC"
            }
        return KeyFactory.getInstance(type).generatePublic(X509EncodedKeySpec(der))
    }

    /** r‖s (JWS) to the DER form the JDK verifies. */
    private fun der(raw: ByteArray): ByteArray {
        fun int(b: ByteArray): ByteArray = BigInteger(1, b).toByteArray()
        val r = int(raw.copyOfRange(0, raw.size / 2))
        val s = int(raw.copyOfRange(raw.size / 2, raw.size))
        val body = byteArrayOf(2, r.size.toByte()) + r + byteArrayOf(2, s.size.toByte()) + s
        return byteArrayOf(0x30, body.size.toByte()) + body
    }

    private fun verifies(
        jwt: String,
        keyText: String,
    ): Boolean {
        val alg = part(jwt, 0)["alg"]!!.jsonPrimitive.content
        val (h, p, s) = jwt.split(".")
        val signed = "$h.$p".toByteArray()
        val signature = b64.decode(s)
        if (alg.startsWith("HS")) {
            val name = "HmacSHA" + alg.removePrefix("HS")
            val mac = Mac.getInstance(name).apply { init(SecretKeySpec(keyText.toByteArray(), name)) }
            return mac.doFinal(signed).contentEquals(signature)
        }
        val verifier =
            when (alg) {
                "RS256" -> {
                    Signature.getInstance("SHA256withRSA")
                }

                "PS256" -> {
                    Signature.getInstance("RSASSA-PSS").apply {
                        setParameter(PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1))
                    }
                }

                "ES256" -> {
                    Signature.getInstance("SHA256withECDSA")
                }

                "ES384" -> {
                    Signature.getInstance("SHA384withECDSA")
                }

                else -> {
                    Signature.getInstance("Ed25519")
                }
            }
        verifier.initVerify(publicKey(keyText, alg))
        verifier.update(signed)
        return verifier.verify(if (alg.startsWith("ES")) der(signature) else signature)
    }

    @Test
    fun `every signing vector gives the pinned bytes and verifies with the JDK`() {
        val cases = Json.parseToJsonElement(File(dir, "signing.json").readText()).jsonObject["cases"]!!.jsonArray
        assertTrue(cases.size >= 10)
        for (c in cases.map { it.jsonObject }) {
            val name = c["name"]!!.jsonPrimitive.content
            val config = c["config"]!!.jsonObject
            val context = c["context"]!!.jsonObject
            val entropy =
                context["entropy"]!!
                    .jsonPrimitive.content
                    .chunked(2)
                    .map { it.toInt(16).toByte() }
                    .toByteArray()
            val request =
                buildTokenRequestAt(
                    config.toString(),
                    context["now_ms"]!!.jsonPrimitive.long.toULong(),
                    entropy,
                    context["dpop_nonce"]?.jsonPrimitive?.contentOrNull,
                )
            val body = String(request.body())
            val expect = c["expect"]!!.jsonObject
            assertEquals(expect["body"]!!.jsonPrimitive.content, body, name)
            val dpop = request.headers().firstOrNull { it.name == "DPoP" }?.value
            assertEquals(expect["dpop"]?.jsonPrimitive?.contentOrNull, dpop, name)

            val alg = (c["assertion_alg"] as? JsonPrimitive)?.contentOrNull
            val assertion =
                if (config["body_format"]?.jsonPrimitive?.content == "json") {
                    Json
                        .parseToJsonElement(body)
                        .jsonObject["client_assertion"]
                        ?.jsonPrimitive
                        ?.content
                } else {
                    body.split("&").firstOrNull { it.startsWith("client_assertion=") }?.substringAfter("=")
                }
            if (alg != null) {
                val key = if (alg.startsWith("HS")) config["client_secret"]!!.jsonPrimitive.content else c["public_key"]!!.jsonPrimitive.content
                assertTrue(verifies(assertion!!, key), "$name: the JDK verifies the assertion")
                val claims = part(assertion, 1)
                assertEquals(config["client_id"], claims["iss"], name)
                assertEquals(config["client_id"], claims["sub"], name)
                // A flipped signature does not verify.
                val (h, p, s) = assertion.split(".")
                assertFalse(runCatching { verifies("$h.$p.${if (s[0] == 'A') 'B' else 'A'}${s.drop(1)}", key) }.getOrDefault(false), name)
            }
            if (dpop != null) {
                assertTrue(verifies(dpop, c["dpop_public_key"]!!.jsonPrimitive.content), "$name: the JDK verifies the DPoP proof")
                assertEquals("dpop+jwt", part(dpop, 0)["typ"]!!.jsonPrimitive.content)
                assertEquals(config["token_endpoint"], part(dpop, 1)["htu"], name)
            }
        }
    }
}
