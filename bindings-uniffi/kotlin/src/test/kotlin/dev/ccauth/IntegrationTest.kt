package dev.ccauth

import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.ClientSecret
import dev.ccauth.ffi.PrivateKey
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Instant

/** The library against the real authorization server on 127.0.0.1 (scripts/with-auth-server.sh). */
class IntegrationTest {
    private val env = System.getenv()
    private val tokenEndpoint = env["CCAUTH_TOKEN_ENDPOINT"] ?: error("run through scripts/with-auth-server.sh")
    private val api = env["CCAUTH_API_URL"]!!
    private val stats = env["CCAUTH_STATS_URL"]!!
    private val issuer = env["CCAUTH_ISSUER"]!!
    private val keys = java.io.File(System.getProperty("ccauth.vectors"), "keys")
    private val http = HttpClient.newHttpClient()

    private val serverStats = ServerStats(stats)

    private fun tokenRequests(clientId: String): Int = serverStats.tokenRequests(clientId)

    private fun post(secret: String) = ClientAuth.ClientSecretPost(ClientSecret(secret))

    /** A DPoP client configured from the issuer's metadata (a new key each). */
    private suspend fun dpopClient(): ClientCredentials {
        val metadata = ClientCredentials.discover(issuer)
        return ClientCredentials {
            ClientConfig(
                ClientOptions(
                    "",
                    "ccauth-dpop",
                    ClientAuth.clientSecret("dpop-secret-0123456789"),
                    scopes = listOf("api.read"),
                    dpopKey = PrivateKey.generateP256(),
                    issuer = metadata.issuer,
                    serverMetadataJson = metadata.json,
                ),
            )
        }
    }

    private fun callApi(header: String): Int = http.send(HttpRequest.newBuilder(URI.create(api)).header("Authorization", header).build(), HttpResponse.BodyHandlers.ofString()).statusCode()

    @Test
    fun `basic secret - token then the protected API answers 200`() {
        ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.clientSecret("s3cr3t+/:%&= \"~*"), scopes = listOf("api.read"))).use { client ->
            val token = client.tokenBlocking()
            assertTrue(token.expiresAt.isAfter(Instant.now()))
            assertEquals(200, callApi(client.authorizationHeaderBlocking()))
            assertFalse("$token $client".contains(token.accessToken))
        }
    }

    @Test
    fun `wrong secret is an OAuth error carrying invalid_client and the ccauth code`() {
        val options = ClientOptions(tokenEndpoint, "ccauth-post", post("wrong-secret-value"))
        val config = ClientConfig(options)
        for (shown in listOf(options.toString(), config.toString())) assertFalse(shown.contains("wrong-secret-value"), shown)
        assertTrue(options.toString().contains("ccauth-post"), options.toString())
        ClientCredentials(config).use { client ->
            val e = assertThrows<CcauthError.OAuth> { runBlocking { client.token() } }
            assertEquals("TOKEN_ENDPOINT_ERROR", e.code)
            assertEquals("invalid_client", e.error)
            assertEquals(401, e.status)
            assertFalse("$e ${e.stackTraceToString()}".contains("wrong-secret-value"))
        }
    }

    @Test
    fun `a bad option is a config error naming it`() {
        val e = assertThrows<CcauthError.Config> { ClientCredentials(ClientOptions("ftp://as.example.com/t", "c", ClientAuth.clientSecret("config-secret-1"))) }
        assertEquals("INVALID_TOKEN_ENDPOINT" to "tokenEndpoint", e.code to e.field) // this library's option name
        assertFalse("$e ${e.stackTraceToString()}".contains("config-secret-1"))
    }

    @Test
    fun `export and import move the token without a request`() {
        val config = ClientConfig(ClientOptions(tokenEndpoint, "ccauth-post", post("post-secret-0123456789"), scopes = listOf("api.read")))
        ClientCredentials(config).use { first ->
            val token = first.tokenBlocking()
            ClientCredentials(config).use { second ->
                val before = tokenRequests("ccauth-post")
                assertEquals(token.accessToken, second.importToken(first.exportToken()!!).accessToken)
                assertEquals(200, callApi(second.authorizationHeaderBlocking()))
                assertEquals(before, tokenRequests("ccauth-post"))
                assertThrows<CcauthError.TokenDocument> { second.importToken("{}") }
            }
        }
    }

    @Test
    fun `200 coroutines share one token request per refresh`() =
        runBlocking {
            ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-short", ClientAuth.clientSecret("short-secret-0123456789"), scopes = listOf("api.read"))).use { client ->
                val before = tokenRequests("ccauth-short")
                val first = (1..200).map { async { client.token() } }.awaitAll()
                assertEquals(1, first.map { it.accessToken }.toSet().size)
                assertEquals(1, tokenRequests("ccauth-short") - before, "the first 200 callers share one fetch")
                var served = 200
                val end = System.currentTimeMillis() + 8_000
                while (System.currentTimeMillis() < end) {
                    val wave = (1..200).map { async { client.token() } }.awaitAll()
                    assertTrue(wave.all { !it.isExpired() })
                    served += wave.size
                    delay(50)
                }
                delay(300)
                val fetches = tokenRequests("ccauth-short") - before
                println("[single-flight/kotlin] $served tokens to 200-coroutine waves in ~8 s with short tokens: $fetches token requests")
                assertTrue(fetches in 2..8, "token requests: $fetches")
            }
        }

    private fun get(headers: Map<String, String>): HttpResponse<String> {
        val builder = HttpRequest.newBuilder(URI.create(api))
        headers.forEach { (k, v) -> builder.header(k, v) }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString())
    }

    @Test
    fun `private_key_jwt with ES256 (JWK) and EdDSA (PEM with kid), client_secret_jwt`() {
        val cases =
            listOf(
                "ccauth-es256" to ClientAuth.PrivateKeyJwt(PrivateKey.parse(keys.resolve("p256.jwk.json").readText())),
                "ccauth-eddsa" to ClientAuth.PrivateKeyJwt(PrivateKey.parse(keys.resolve("ed25519.pem").readText()), keyId = "eddsa-1"),
                "ccauth-secret-jwt" to ClientAuth.ClientSecretJwt(ClientSecret("jwt-secret-0123456789-0123456789-abcdef")),
            )
        for ((clientId, auth) in cases) {
            val config = ClientConfig(ClientOptions(tokenEndpoint, clientId, auth, scopes = listOf("api.read")))
            ClientCredentials(config).use { client ->
                assertEquals(200, callApi(client.authorizationHeaderBlocking()), clientId)
                for (shown in listOf(config.toString(), auth.toString())) {
                    assertFalse(shown.contains("PRIVATE KEY") || shown.contains("\"d\"") || shown.contains("jwt-secret"), shown)
                }
            }
        }
    }

    private fun answerOf(response: HttpResponse<String>) = ApiAnswer.of(response.statusCode(), response.headers()::allValues)

    @Test
    fun `authorized - a 401 use_dpop_nonce is resent once with the nonce, a revoked token once with a new one`() =
        runBlocking {
            dpopClient().use { client ->
                val sent = mutableListOf<Int>()

                suspend fun call() = client.authorized("GET", api, answer = ::answerOf) { headers -> get(headers).also { sent += it.statusCode() } }
                val first = call()
                assertEquals(200, first.statusCode(), first.body())
                assertTrue(first.body().contains("\"dpop\":true"))
                assertEquals(listOf(401, 200), sent, "the first proof has no nonce: one resend with the API's")
                sent.clear()
                assertEquals(200, call().statusCode())
                assertEquals(listOf(200), sent, "the nonce was remembered")
                val old = client.token()
                dpopClient().use { other -> other.revoke(old.accessToken) }
                val before = tokenRequests("ccauth-dpop")
                sent.clear()
                assertEquals(200, call().statusCode())
                assertEquals(listOf(401, 200), sent, "the revoked token: dropped, one resend with a new one")
                assertEquals(1, tokenRequests("ccauth-dpop") - before)
                assertNotEquals(old.accessToken, client.token().accessToken)
                // A request that cannot be sent again: the 401 is the answer, and the token is dropped all the same.
                val current = client.token()
                dpopClient().use { other -> other.revoke(current.accessToken) }
                sent.clear()
                val refused = client.authorized("GET", api, replayable = false, answer = ::answerOf) { headers -> get(headers).also { sent += it.statusCode() } }
                assertEquals(401 to listOf(401), refused.statusCode() to sent)
                assertNotEquals(current.accessToken, client.token().accessToken)
            }
        }

    @Test
    fun `a Bearer token's headers are kept with it, and a 200 is settled without the core`() =
        runBlocking {
            ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-post", post("post-secret-0123456789"), scopes = listOf("api.read"))).use { client ->
                val token = client.token()
                val headers = client.authorizationHeadersFor(token, "GET", api)
                assertTrue(headers === client.authorizationHeadersFor(token, "POST", "$api/other"), "the same headers object: the core was not asked again")
                assertEquals(200, get(headers).statusCode())
                val read = mutableListOf<String>()
                assertEquals(
                    dev.ccauth.ffi.ApiVerdict.DONE,
                    client.apiResponse(
                        token,
                        api,
                        ApiAnswer.of(200) { name ->
                            read += name
                            emptyList()
                        },
                    ),
                )
                assertFalse(read.any { it.equals("WWW-Authenticate", ignoreCase = true) }, "the core read the 200 (it asks for the challenge): $read")
                read.clear()
                client.apiResponse(
                    token,
                    api,
                    ApiAnswer.of(401) { name ->
                        read += name
                        emptyList()
                    },
                )
                assertTrue(read.any { it.equals("WWW-Authenticate", ignoreCase = true) }, "a 401 goes to the core: $read")
                val next = client.token()
                assertNotEquals(token.accessToken, next.accessToken, "the bare 401 dropped the token")
                assertFalse(headers === client.authorizationHeadersFor(next, "GET", api), "the kept headers went with the token")
            }
        }

    @Test
    fun `authorized - insufficient_scope is the answer, no resend, no new token`() =
        runBlocking {
            ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-post", post("post-secret-0123456789"), scopes = listOf("api.write"))).use { client ->
                val token = client.token()
                val before = tokenRequests("ccauth-post")
                val sent = mutableListOf<Int>()
                val response = client.authorized("GET", api, answer = ::answerOf) { headers -> get(headers).also { sent += it.statusCode() } }
                assertEquals(listOf(403), sent)
                assertEquals(403, response.statusCode())
                assertEquals(before, tokenRequests("ccauth-post"))
                assertEquals(token.accessToken, client.token().accessToken)
            }
        }

    @Test
    fun `proactive refresh - an idle client's token is replaced before expiry without a caller, and close stops it`() {
        // ccauth-short's tokens live a few seconds.
        val before = tokenRequests("ccauth-short")
        val client =
            ClientCredentials {
                ClientConfig(ClientOptions(tokenEndpoint, "ccauth-short", ClientAuth.clientSecret("short-secret-0123456789"), scopes = listOf("api.read"), proactiveRefresh = true))
            }
        val fetched: Int
        client.use {
            val first = client.tokenBlocking()
            assertEquals(1, tokenRequests("ccauth-short") - before)
            // Idle past the first token's expiry: nobody asks.
            Thread.sleep(first.expiresAt.toEpochMilli() - System.currentTimeMillis() + 300)
            fetched = tokenRequests("ccauth-short") - before
            assertTrue(fetched >= 2, "the timer refreshed ahead of expiry: $fetched token requests")
            val started = System.nanoTime()
            val next = client.tokenBlocking()
            val tookMs = (System.nanoTime() - started) / 1_000_000
            assertNotEquals(first.accessToken, next.accessToken)
            assertFalse(next.isExpired())
            assertTrue(tookMs < 500, "the caller found a fresh token: $tookMs ms")
            println("[proactive/kotlin] idle ${first.expiresAt.toEpochMilli() - first.issuedAt.toEpochMilli()} ms-token client: $fetched token requests by the timer's time, next call $tookMs ms")
        }
        Thread.sleep(200) // a request cut short by close() may still reach the server
        val atClose = tokenRequests("ccauth-short")
        Thread.sleep(3_000)
        assertEquals(atClose, tokenRequests("ccauth-short"), "close() cancels the timer")
    }

    @Test
    fun `discovery, DPoP with the nonce dance, revocation and introspection`() =
        runBlocking {
            val before = tokenRequests("ccauth-dpop")
            dpopClient().use { client ->
                val token = client.token()
                assertEquals("DPoP", token.tokenType)
                assertEquals(2, tokenRequests("ccauth-dpop") - before, "one use_dpop_nonce answer, then the token")
                assertEquals(401, callApi("Bearer ${token.accessToken}"))
                val first = get(client.authorizationHeaders("GET", api))
                assertEquals(401, first.statusCode())
                client.rememberDpopNonce(api, first.headers().firstValue("dpop-nonce").get())
                val second = get(client.authorizationHeaders("GET", api))
                assertEquals(200, second.statusCode(), second.body())
                assertTrue(second.body().contains("\"dpop\":true"))
                assertTrue(client.introspect(token.accessToken).active)
                client.revoke()
                assertFalse(client.introspect(token.accessToken).active)
                assertTrue(client.token().accessToken != token.accessToken, "a new token after revoke")
            }
        }
}
