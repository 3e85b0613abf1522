package dev.ccauth

import dev.ccauth.ffi.CcauthException
import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.ClientSecret
import dev.ccauth.ffi.Header
import dev.ccauth.ffi.PrivateKey
import dev.ccauth.ffi.RefreshPolicy
import dev.ccauth.ffi.RetryPolicy
import dev.ccauth.ffi.parseTokenResponse
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * What a Kotlin user sees of an error: config errors in this library's
 * option names (field, index and message), and every field of a response
 * error (parsed challenges, extras as a map, excerpt, …). No server needed.
 */
class ErrorsTest {
    private val endpoint = "https://as.example.com/token"
    private val secret = "errors-secret-0123456789"

    private val auth = ClientAuth.clientSecret(secret)

    private fun config(build: () -> ClientConfig): CcauthError.Config = assertThrows<CcauthError.Config> { ClientCredentials(config = build).close() }

    private fun assertKotlinNames(e: CcauthError) {
        val text = "$e ${e.message} ${e.field} ${e.reason}"
        for (snake in listOf("token_endpoint", "client_secret\\b", "max_attempts", "danger_accept_insecure_http", "extra_headers", "max_response_bytes", "leeway_percent")) {
            assertFalse(Regex(snake).containsMatchIn(text), "a core field name ($snake) in: $text")
        }
        assertFalse(text.contains(secret), text)
    }

    @Test
    fun `config errors name the Kotlin option, in the field and the message`() {
        val endpoint = config { ClientConfig(ClientOptions("ftp://as.example.com/t", "c", auth)) }
        assertEquals("INVALID_TOKEN_ENDPOINT" to "tokenEndpoint", endpoint.code to endpoint.field)
        assertTrue(endpoint.message!!.startsWith("INVALID_TOKEN_ENDPOINT: invalid `tokenEndpoint`: "), endpoint.message)
        assertKotlinNames(endpoint)

        val insecure = config { ClientConfig(ClientOptions("http://as.example.com/t", "c", auth)) }
        assertEquals("INSECURE_ENDPOINT" to "tokenEndpoint", insecure.code to insecure.field)
        assertTrue(insecure.message!!.contains("dangerAcceptInsecureHttp"), insecure.message)
        assertKotlinNames(insecure)

        val empty = config { ClientConfig(ClientOptions(this.endpoint, "c", ClientAuth.clientSecret(""))) }
        assertEquals("clientSecret", empty.field, empty.message)
        assertTrue(empty.message!!.contains("`clientSecret`"), empty.message)
        assertKotlinNames(empty)

        val short = config { ClientConfig(ClientOptions(this.endpoint, "c", ClientAuth.ClientSecretJwt(ClientSecret("short"), alg = "HS512"))) }
        assertEquals("clientSecret", short.field, short.message)
        assertKotlinNames(short)

        val scope = config { ClientConfig(ClientOptions(this.endpoint, "c", auth, scopes = listOf("api.read", "bad scope"))) }
        assertEquals(Triple("INVALID_SCOPE", "scopes", 1), Triple(scope.code, scope.field, scope.index))
        assertTrue(scope.message!!.contains("`scopes` (item 1)"), scope.message)

        val header = config { ClientConfig(ClientOptions(this.endpoint, "c", auth, extraHeaders = listOf(Header("X-Ok", "1"), Header("Authorization", "x")))) }
        assertEquals(Triple("RESERVED_HEADER", "extraHeaders", 1), Triple(header.code, header.field, header.index))
        assertKotlinNames(header)

        val retry = config { ClientConfig(ClientOptions(this.endpoint, "c", auth, retry = RetryPolicy(maxAttempts = 0u))) }
        assertEquals("INVALID_POLICY", retry.code)
        assertTrue(retry.field!!.startsWith("retry"), retry.field)
        assertTrue(retry.message!!.contains("maxAttempts"), retry.message)
        assertKotlinNames(retry)

        val alg = config { ClientConfig(ClientOptions(this.endpoint, "c", ClientAuth.ExternalAssertion(alg = "none"))) }
        assertEquals("INVALID_PARAMETER" to "clientAssertionAlg", alg.code to alg.field)
        assertTrue(alg.message!!.contains("RS256") && alg.message!!.contains("ES256"), "lists the algorithms: ${alg.message}")

        val policy = config { ClientConfig(ClientOptions(this.endpoint, "c", auth, refresh = RefreshPolicy(leewayPercent = 200u))) }
        assertTrue(policy.field!!.startsWith("refresh"), policy.field)
        assertKotlinNames(policy)

        val emptyId = config { ClientConfig(ClientOptions(this.endpoint, "", auth)) }
        assertEquals("clientId", emptyId.field, emptyId.message)

        val key = config { ClientConfig(ClientOptions(this.endpoint, "c", ClientAuth.PrivateKeyJwt(PrivateKey.parse("not a key")))) }
        assertEquals("privateKey", key.field, key.message)

        val orphan = config { ClientConfig(ClientOptions(this.endpoint, "c", auth, serverMetadataJson = "{}")) }
        assertEquals("issuer", orphan.field, orphan.message)
        assertTrue(orphan.message!!.contains("serverMetadata"), orphan.message)
    }

    @Test
    fun `a config built outside the block - the generated exception, the secret never shown`() {
        val e = assertThrows<CcauthException.Config> { ClientConfig(ClientOptions("ftp://as.example.com/t", "c", auth)) }
        assertEquals("token_endpoint", e.info.field)
        assertFalse("$e ${e.message}".contains(secret))
        ClientConfig(ClientOptions(endpoint, "c", auth, proactiveRefresh = true)).use { config ->
            assertFalse(config.toString().contains(secret), config.toString())
            assertFalse(auth.toString().contains(secret), auth.toString())
        }
    }

    @Test
    fun `revoke and introspect without an endpoint - the core's config error, in this library's option names`() {
        ClientCredentials(ClientOptions(endpoint, "c", auth)).use { client ->
            val revoke = assertThrows<CcauthError.Config> { kotlinx.coroutines.runBlocking { client.revoke("some-token") } }
            assertEquals("INVALID_PARAMETER" to "revocationEndpoint", revoke.code to revoke.field)
            assertTrue(revoke.message!!.contains("`revocationEndpoint`"), revoke.message)
            assertFalse(revoke.message!!.contains("revocation_endpoint"), revoke.message)
            val introspect = assertThrows<CcauthError.Config> { kotlinx.coroutines.runBlocking { client.introspect("some-token") } }
            assertEquals("INVALID_PARAMETER" to "introspectionEndpoint", introspect.code to introspect.field)
            assertKotlinNames(introspect)
        }
        val bad = config { ClientConfig(ClientOptions(endpoint, "c", auth, revocationEndpoint = "ftp://as.example.com/revoke")) }
        assertEquals("revocationEndpoint", bad.field, bad.message)
        assertKotlinNames(bad)
    }

    @Test
    fun `a client assertion source that throws - one report to the core, its error for every caller`() {
        val source = { throw java.io.FileNotFoundException("/var/run/secrets/tokens/assertion") }
        ClientCredentials(clientAssertion = source) {
            ClientConfig(ClientOptions(endpoint, "c", ClientAuth.ExternalAssertion(), retry = RetryPolicy(maxAttempts = 1u)))
        }.use { client ->
            val e = assertThrows<CcauthError.Transport> { client.tokenBlocking() }
            assertEquals("client_assertion_source" to false, e.causeCode to e.requestSent)
            assertTrue(e.message!!.contains("the client assertion source failed: /var/run/secrets/tokens/assertion"), e.message)
            assertEquals(e.message, assertThrows<CcauthError.Transport> { client.tokenBlocking() }.message, "the same error until the cool-down ends")
        }
    }

    private val defaultConfig = """{"token_endpoint":"$endpoint","client_id":"client","client_secret":"$secret"}"""

    private fun responseError(
        status: Int,
        headers: List<Pair<String, String>>,
        body: String,
    ): CcauthError =
        assertThrows<CcauthError> {
            translated { parseTokenResponse(defaultConfig, status.toUShort(), headers.map { Header(it.first, it.second) }, body.encodeToByteArray(), 1_700_000_000_000uL) }
        }

    @Test
    fun `a response error exposes every field - parsed challenges, excerpt, body kind, retry-after`() {
        val e =
            responseError(
                401,
                listOf("Content-Type" to "application/json", "WWW-Authenticate" to "Basic realm=\"as\", Bearer error=\"invalid_client\", error_description=\"no\""),
                """{"error":"invalid_client","error_description":"bad\ncredentials"}""",
            )
        assertTrue(e is CcauthError.OAuth)
        assertEquals(401, e.status)
        assertEquals("invalid_client", e.error)
        assertEquals(listOf("Basic", "Bearer"), e.wwwAuthenticate.map { it.scheme })
        assertEquals("as", e.wwwAuthenticate[0].param("realm"))
        assertEquals("invalid_client", e.wwwAuthenticate[1].param("ERROR"))
        assertFalse(e.toString().contains(secret))

        val html = responseError(503, listOf("Content-Type" to "text/html", "Retry-After" to "7"), "<html><body>down for maintenance</body></html>")
        assertEquals(503, html.status)
        assertEquals(7_000L, html.retryAfterMs)
        assertEquals("html", html.bodyKind)
        assertTrue(html.excerpt?.contains("maintenance") == true, "excerpt: ${html.excerpt}")
        assertTrue(html.retryable)
        assertNull(html.field)
    }

    @Test
    fun `an Entra-like error body - extras parsed, description verbatim`() {
        val e =
            responseError(
                400,
                listOf("Content-Type" to "application/json; charset=utf-8"),
                """{"error":"invalid_scope","error_description":"AADSTS70011: The provided value is not valid.\r\nTrace ID: 1f0e\r\nTimestamp: 2026-12-01 10:00:00Z","error_codes":[70011],"timestamp":"2026-12-01 10:00:00Z","trace_id":"1f0e","correlation_id":"c0ff-ee","error_uri":"https://login.example.com/error?code=70011"}""",
            )
        assertTrue(e is CcauthError.OAuth)
        assertEquals("invalid_scope", e.error)
        assertTrue(e.errorDescription!!.contains("\r\nTrace ID: 1f0e") || e.errorDescription!!.contains("\nTrace ID: 1f0e"), e.errorDescription)
        assertFalse(e.message!!.contains("\n"), "the message is one line")
        assertEquals(listOf(70011L), e.extras["error_codes"])
        assertEquals("1f0e", e.extras["trace_id"])
        assertEquals("c0ff-ee", e.extras["correlation_id"])
        assertEquals("2026-12-01 10:00:00Z", e.extras["timestamp"])
        assertFalse("error" in e.extras || "error_description" in e.extras)
        assertEquals("application/json; charset=utf-8", e.contentType)
        assertTrue(e.bodyLen!! > 100)
        assertNull(e.dpopNonce)
    }

    @Test
    fun `a use_dpop_nonce error carries the nonce and is retryable`() {
        val e =
            responseError(
                400,
                listOf("Content-Type" to "application/json", "DPoP-Nonce" to "n-0123"),
                """{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}""",
            )
        assertEquals("use_dpop_nonce", e.error)
        assertEquals("n-0123", e.dpopNonce)
        assertTrue(e.retryable)
    }

    @Test
    fun `a body over the limit - RESPONSE_TOO_LARGE, from its length or its declared Content-Length`() {
        val tooLong = responseError(200, listOf("Content-Type" to "application/json"), "x".repeat(1_048_577))
        assertEquals("RESPONSE_TOO_LARGE" to 1_048_577L, tooLong.code to tooLong.bodyLen)
        val declared = responseError(200, listOf("Content-Type" to "application/json", "Content-Length" to "268435456"), "")
        assertEquals("RESPONSE_TOO_LARGE" to 268_435_456L, declared.code to declared.bodyLen)
        assertEquals(1_048_576L, HttpTransport.DEFAULT_MAX_RESPONSE_BYTES)
    }

    @Test
    fun `extras text parses to plain Kotlin values`() {
        val extras = CcauthError.extras("""{"error_codes":[7000215,1.5],"trace_id":"t-1","nested":{"a":true,"b":null},"big":123456789012345678901234567890}""")
        assertEquals(listOf(7000215L, 1.5), extras["error_codes"])
        assertEquals("t-1", extras["trace_id"])
        assertEquals(mapOf("a" to true, "b" to null), extras["nested"])
        assertEquals(java.math.BigInteger("123456789012345678901234567890"), extras["big"])
        assertEquals(java.math.BigDecimal("1e400"), CcauthError.extras("""{"n":1e400}""")["n"])
        assertEquals(emptyMap<String, Any?>(), CcauthError.extras("{}"))
        assertEquals(emptyMap<String, Any?>(), CcauthError.extras("not json"))
        assertEquals(emptyMap<String, Any?>(), CcauthError.extras("[1]"))
    }
}
