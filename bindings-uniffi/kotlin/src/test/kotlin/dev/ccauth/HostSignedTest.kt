package dev.ccauth

import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.PrivateKey
import dev.ccauth.ffi.RetryPolicy
import dev.ccauth.ffi.SigningPurpose
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.math.BigInteger
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.KeyFactory
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.PublicKey
import java.security.spec.ECGenParameterSpec
import java.security.spec.PKCS8EncodedKeySpec
import java.security.spec.X509EncodedKeySpec
import java.util.Base64
import java.util.concurrent.atomic.AtomicInteger

/**
 * Host-signed keys: JCA keys ([PrivateKey.jca]) and signer callbacks
 * ([PrivateKey.signedBy]). Every asymmetric signing vector rebuilt with the
 * key held by JCA gives the pinned signing input and request, and a signature
 * the JDK verifies; against the local server, private_key_jwt and DPoP (token
 * and API proof), revocation and introspection with both; failing signers and
 * bad signatures are typed errors.
 */
class HostSignedTest {
    private val vectors = File(System.getProperty("ccauth.vectors") ?: error("ccauth.vectors not set"))
    private val keys = File(vectors, "keys")
    private val b64 = Base64.getUrlDecoder()

    private fun der(pem: String): ByteArray = Base64.getMimeDecoder().decode(pem.replace(Regex("-----[^-]+-----"), ""))

    private fun type(file: String) =
        when {
            file.startsWith("rsa") -> "RSA"
            file.startsWith("ed25519") -> "Ed25519"
            else -> "EC"
        }

    /** A test key pair from tests/vectors/keys (`p256`, `p384`, `rsa`, `ed25519`), as JCA keys. */
    private fun keyPair(file: String): KeyPair {
        val factory = KeyFactory.getInstance(type(file))
        val private = factory.generatePrivate(PKCS8EncodedKeySpec(der(File(keys, "$file.pem").readText())))
        val public = factory.generatePublic(X509EncodedKeySpec(der(File(keys, "$file.pub.pem").readText())))
        return KeyPair(public, private)
    }

    /** The key file whose public half is [pem]. */
    private fun fileOf(pem: String): String =
        listOf("p256", "p384", "rsa", "ed25519").first {
            File(keys, "$it.pub.pem").readText().trim() == pem.trim()
        }

    /** r‖s (JWS) to DER, for the JDK's verifier. */
    private fun derSignature(raw: ByteArray): ByteArray {
        fun int(b: ByteArray): ByteArray = BigInteger(1, b).toByteArray()
        val r = int(raw.copyOfRange(0, raw.size / 2))
        val s = int(raw.copyOfRange(raw.size / 2, raw.size))
        val body = byteArrayOf(2, r.size.toByte()) + r + byteArrayOf(2, s.size.toByte()) + s
        val len = if (body.size < 128) byteArrayOf(body.size.toByte()) else byteArrayOf(0x81.toByte(), body.size.toByte())
        return byteArrayOf(0x30) + len + body
    }

    private fun verifies(
        jwt: String,
        alg: String,
        key: PublicKey,
    ): Boolean {
        val (h, p, s) = jwt.split(".")
        val verifier = HostSigner.signature(alg)
        verifier.initVerify(key)
        verifier.update("$h.$p".toByteArray())
        val signature = b64.decode(s)
        return verifier.verify(if (alg.startsWith("ES")) derSignature(signature) else signature)
    }

    private fun assertionIn(body: String): String? =
        if (body.startsWith("{")) {
            Json
                .parseToJsonElement(body)
                .jsonObject["client_assertion"]
                ?.jsonPrimitive
                ?.content
        } else {
            body.split("&").firstOrNull { it.startsWith("client_assertion=") }?.substringAfter("=")
        }

    private fun head(jwt: String) = jwt.substringBeforeLast('.')

    @Test
    fun `every asymmetric signing vector rebuilt with a JCA key gives the pinned bytes and verifies`() {
        val cases = Json.parseToJsonElement(File(vectors, "signing.json").readText()).jsonObject["cases"]!!.jsonArray
        var checked = 0
        for (c in cases.map { it.jsonObject }) {
            val name = c["name"]!!.jsonPrimitive.content
            val config = c["config"]!!.jsonObject
            val expect = c["expect"]!!.jsonObject
            val signers = mutableMapOf<SigningPurpose, Triple<String, KeyPair, String>>()

            /** The host_signed_* member for a key text: its algorithm and the public JWK made from the JCA public key (with the JWK's kid). */
            fun hostSigned(
                keyText: JsonElement,
                publicPem: String,
                alg: String?,
                purpose: SigningPurpose,
            ): JsonObject {
                val file = fileOf(publicPem)
                val pair = keyPair(file)
                val algName = alg ?: HostKeys.algorithmOf(pair.private, pair.public)
                signers[purpose] = Triple(algName, pair, file)
                var jwk = Json.parseToJsonElement(HostKeys.publicJwk(pair.public)).jsonObject
                (keyText as? JsonObject)?.get("kid")?.let { kid -> jwk = JsonObject(jwk + ("kid" to kid)) }
                return buildJsonObject {
                    put("alg", JsonPrimitive(algName))
                    put("public_jwk", jwk)
                }
            }
            val doc = config.toMutableMap()
            doc.remove("private_key")?.let {
                doc["host_signed_key"] =
                    hostSigned(it, c["public_key"]!!.jsonPrimitive.content, config["client_assertion_alg"]?.jsonPrimitive?.content, SigningPurpose.CLIENT_ASSERTION)
            }
            doc.remove("dpop_key")?.let {
                doc["host_signed_dpop_key"] = hostSigned(it, c["dpop_public_key"]!!.jsonPrimitive.content, null, SigningPurpose.DPOP_PROOF)
            }
            if (signers.isEmpty()) continue
            val context = c["context"]!!.jsonObject
            val entropy =
                context["entropy"]!!
                    .jsonPrimitive.content
                    .chunked(2)
                    .map { it.toInt(16).toByte() }
                    .toByteArray()
            val unsigned =
                ClientConfig.fromDocument(JsonObject(doc).toString()).prepareTokenRequest(
                    context["now_ms"]!!.jsonPrimitive.long.toULong(),
                    entropy,
                    context["dpop_nonce"]?.jsonPrimitive?.contentOrNull,
                )
            val inputs = unsigned.signingInputs()
            assertEquals(signers.keys.sortedBy { it.ordinal }, inputs.map { it.purpose }, name)
            val pinnedAssertion = assertionIn(expect["body"]!!.jsonPrimitive.content)
            val pinnedDpop = expect["dpop"]?.jsonPrimitive?.contentOrNull
            for (input in inputs) {
                val pinned = if (input.purpose == SigningPurpose.DPOP_PROOF) pinnedDpop else pinnedAssertion
                assertEquals(head(pinned!!), String(input.bytes, Charsets.US_ASCII), "$name: the signing input is the pinned JWT's first two parts")
                assertEquals(signers[input.purpose]!!.first, input.alg, name)
            }
            val signatures = inputs.map { HostSigner.Jca(signers[it.purpose]!!.second.private, it.alg).signNow(it.bytes) }
            val request = unsigned.finish(signatures)
            val body = String(request.body)
            val dpop = request.headers.firstOrNull { it.name == "DPoP" }?.value
            val assertion = assertionIn(body)
            // The same request as pinned but for the signatures (ECDSA and PSS are randomized; RS256 and EdDSA are not).
            var expected = expect["body"]!!.jsonPrimitive.content
            if (assertion != null) expected = expected.replace(pinnedAssertion!!, assertion)
            assertEquals(expected, body, name)
            assertEquals(pinnedDpop?.let(::head), dpop?.let(::head), name)
            for ((jwt, purpose) in listOf(assertion to SigningPurpose.CLIENT_ASSERTION, dpop to SigningPurpose.DPOP_PROOF)) {
                val (alg, pair) = signers[purpose] ?: continue
                assertTrue(verifies(jwt!!, alg, pair.public), "$name: the JDK verifies the $purpose")
                val pinned = if (purpose == SigningPurpose.DPOP_PROOF) pinnedDpop else pinnedAssertion
                if (alg == "RS256" || alg == "EdDSA") assertEquals(pinned, jwt, "$name: a deterministic signature is the pinned one")
            }
            checked++
        }
        assertTrue(checked >= 9, "$checked cases")
    }

    @Test
    fun `public JWKs from JCA keys match the core's`() {
        for (file in listOf("p256", "p384", "rsa", "ed25519")) {
            val pair = keyPair(file)
            val ours = Json.parseToJsonElement(HostKeys.publicJwk(pair.public)).jsonObject
            val core = Json.parseToJsonElement(File(keys, "$file.jwk.json").readText()).jsonObject
            for ((member, value) in ours) assertEquals(core[member], value, "$file: $member")
            assertEquals(setOf("kty", "crv", "x", "y", "n", "e").intersect(core.keys), ours.keys, file)
        }
        assertEquals("ES384", HostKeys.algorithmOf(keyPair("p384").private, null))
        assertEquals("RS256", HostKeys.algorithmOf(keyPair("rsa").private, null))
        assertEquals("EdDSA", HostKeys.algorithmOf(keyPair("ed25519").private, null))
        val key = PrivateKey.jca(keyPair("p256"))
        assertTrue(key.isHostSigned())
        assertEquals("ES256", key.algorithm())
        assertFalse(key.toString().contains("\"x\""), key.toString())
        // No public key for DPoP: refused when the options are made.
        val error =
            assertThrows<CcauthError.Config> {
                ClientCredentials(ClientOptions("https://as.example.com/token", "c", ClientAuth.clientSecret("s"), dpopKey = PrivateKey.jca(keyPair("p256").private)))
            }
        assertEquals("dpopKey", error.field, error.message)
    }

    // --- against the local authorization server (scripts/with-auth-server.sh) ---

    private val env = System.getenv()
    private val tokenEndpoint by lazy { env["CCAUTH_TOKEN_ENDPOINT"] ?: error("run through scripts/with-auth-server.sh") }
    private val api by lazy { env["CCAUTH_API_URL"]!! }
    private val issuer by lazy { env["CCAUTH_ISSUER"]!! }
    private val http = HttpClient.newHttpClient()

    private fun get(headers: Map<String, String>): HttpResponse<String> {
        val builder = HttpRequest.newBuilder(URI.create(api))
        headers.forEach { (k, v) -> builder.header(k, v) }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString())
    }

    private fun answerOf(response: HttpResponse<String>) = ApiAnswer.of(response.statusCode(), response.headers()::allValues)

    /** A signer callback over a JCA key (as a KMS client would be called), counting its calls. */
    private fun callback(
        pair: KeyPair,
        calls: AtomicInteger = AtomicInteger(),
    ): suspend (String, String?, ByteArray) -> ByteArray =
        { alg, _, input ->
            calls.incrementAndGet()
            delay(1) // a remote call suspends
            HostSigner.Jca(pair.private, alg).signNow(input)
        }

    private fun p256(): KeyPair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()

    @Test
    fun `private_key_jwt with JCA keys (ES256, RS256, EdDSA) and with a signer callback`() {
        val calls = AtomicInteger()
        val cases =
            listOf(
                "ccauth-es256" to PrivateKey.jca(keyPair("p256")),
                "ccauth-rs256" to PrivateKey.jca(keyPair("rsa"), keyId = "rs256-1"),
                "ccauth-eddsa" to PrivateKey.jca(keyPair("ed25519").private),
                "ccauth-es256" to PrivateKey.signedBy("ES256", keyId = "es256-1", sign = callback(keyPair("p256"), calls)),
            )
        for ((clientId, key) in cases) {
            ClientCredentials(ClientOptions(tokenEndpoint, clientId, ClientAuth.PrivateKeyJwt(key), scopes = listOf("api.read"))).use { client ->
                val response = get(mapOf("Authorization" to client.authorizationHeaderBlocking()))
                assertEquals(200, response.statusCode(), "$clientId: ${response.body()}")
            }
        }
        assertEquals(1, calls.get(), "the callback signed the one assertion")
    }

    @Test
    fun `DPoP with a JCA key pair and with a signer callback - the token and API proofs`() =
        runBlocking {
            val pair = p256()
            val calls = AtomicInteger()
            val keys =
                listOf(
                    PrivateKey.jca(pair),
                    PrivateKey.signedBy("ES256", HostKeys.publicJwk(pair.public), sign = callback(pair, calls)),
                )
            for (dpopKey in keys) {
                val options = ClientOptions(tokenEndpoint, "ccauth-dpop", ClientAuth.clientSecret("dpop-secret-0123456789"), scopes = listOf("api.read"), dpopKey = dpopKey)
                ClientCredentials(options).use { client ->
                    assertEquals("DPoP", client.token().tokenType)
                    val sent = mutableListOf<Int>()
                    val first = client.authorized("GET", api, answer = ::answerOf) { headers -> get(headers).also { sent += it.statusCode() } }
                    assertEquals(200, first.statusCode(), first.body())
                    assertTrue(first.body().contains("\"dpop\":true"))
                    assertEquals(listOf(401, 200), sent, "the first proof has no nonce: one resend with the API's")
                    // The blocking path signs too (a callback in runBlocking).
                    val again = get(client.authorizationHeadersBlocking("GET", api))
                    assertEquals(200, again.statusCode(), again.body())
                    val proofs = (1..2).map { client.authorizationHeaders("GET", api)["DPoP"] }
                    assertNotNull(proofs[0])
                    assertTrue(proofs[0] != proofs[1], "a fresh proof per call")
                }
            }
            // Token request (two: the first answered use_dpop_nonce), then 2 + 1 + 2 API proofs.
            assertEquals(7, calls.get())
        }

    @Test
    fun `revoke and introspect with a JCA key and with a signer callback - the client assertions signed by the host`() =
        runBlocking {
            val metadata = ClientCredentials.discover(issuer)
            val calls = AtomicInteger()
            val keys = listOf(PrivateKey.jca(keyPair("p256")), PrivateKey.signedBy("ES256", sign = callback(keyPair("p256"), calls)))
            for (key in keys) {
                val options =
                    ClientOptions(
                        "",
                        "ccauth-es256",
                        ClientAuth.PrivateKeyJwt(key),
                        scopes = listOf("api.read"),
                        issuer = metadata.issuer,
                        serverMetadataJson = metadata.json,
                    )
                ClientCredentials(options).use { client ->
                    val first = client.token()
                    val seen = client.introspect(first.accessToken)
                    assertTrue(seen.active, seen.toString())
                    assertEquals("ccauth-es256", seen.clientId)
                    client.revoke() // the cached one: dropped
                    assertFalse(client.introspect(first.accessToken).active)
                    val second = client.token()
                    assertTrue(second.accessToken != first.accessToken, "a new token after revoke")
                    assertTrue(client.introspect(second.accessToken).active)
                }
            }
            assertEquals(6, calls.get(), "the callback signed two token requests' and four admin requests' assertions")
        }

    @Test
    fun `a throwing signer fails revoke and introspect with the token path's typed error`() =
        runBlocking {
            val failing = PrivateKey.signedBy("ES256") { _, _, _ -> throw IllegalStateException("KMS throttled") }
            val options =
                ClientOptions(
                    tokenEndpoint,
                    "ccauth-es256",
                    ClientAuth.PrivateKeyJwt(failing),
                    revocationEndpoint = "https://as.example.com/revoke",
                    introspectionEndpoint = "https://as.example.com/introspect",
                )
            ClientCredentials(options).use { client ->
                for (act in listOf<suspend () -> Unit>({ client.revoke("some-token") }, { client.introspect("some-token") })) {
                    val error = assertThrows<CcauthError.Transport> { runBlocking { act() } }
                    assertEquals("TRANSPORT_ERROR", error.code, error.message)
                    assertTrue(error.message!!.contains("signer failed"), error.message)
                    assertEquals("signer" to false, error.causeCode to error.requestSent)
                    assertFalse(error.message!!.contains("some-token"), error.message)
                }
            }
        }

    @Test
    fun `a throwing signer is retried, then a typed error, a garbage signature is INVALID_SIGNATURE`() =
        runBlocking {
            val calls = AtomicInteger()
            val failing =
                PrivateKey.signedBy("ES256") { _, _, _ ->
                    calls.incrementAndGet()
                    throw IllegalStateException("KMS throttled")
                }
            val retry = RetryPolicy(maxAttempts = 2u, maxWaitMs = 2_000u)
            ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-es256", ClientAuth.PrivateKeyJwt(failing), retry = retry)).use { client ->
                val error = assertThrows<CcauthError> { client.token() }
                assertEquals("TRANSPORT_ERROR", error.code, error.message)
                assertTrue(error.message!!.contains("signer failed"), error.message)
                assertEquals(2, calls.get(), "retried once")
            }
            val garbage = PrivateKey.signedBy("ES256") { _, _, _ -> byteArrayOf(1, 2, 3) }
            ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-es256", ClientAuth.PrivateKeyJwt(garbage))).use { client ->
                assertEquals("INVALID_SIGNATURE", assertThrows<CcauthError> { client.token() }.code)
            }
            // A DPoP key whose API proof is garbage: the headers are refused, typed.
            val pair = p256()
            var broken = false
            val dpopKey =
                PrivateKey.signedBy("ES256", HostKeys.publicJwk(pair.public)) { alg, _, input ->
                    if (broken) ByteArray(64) else HostSigner.Jca(pair.private, alg).signNow(input)
                }
            ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-dpop", ClientAuth.clientSecret("dpop-secret-0123456789"), dpopKey = dpopKey)).use { client ->
                client.token()
                broken = true
                assertEquals("INVALID_SIGNATURE", assertThrows<CcauthError> { client.authorizationHeaders("GET", api) }.code)
                assertEquals("INVALID_SIGNATURE", assertThrows<CcauthError> { client.authorizationHeadersBlocking("GET", api) }.code)
            }
            // A host-signed key in a config built elsewhere has no signer: a typed error, not a hang.
            val config = ClientConfig(ClientOptions(tokenEndpoint, "ccauth-es256", ClientAuth.PrivateKeyJwt(PrivateKey.hostSigned("ES256")), retry = RetryPolicy(maxAttempts = 1u)))
            ClientCredentials(config).use { client -> assertEquals("TRANSPORT_ERROR", assertThrows<CcauthError> { client.token() }.code) }
        }
}
