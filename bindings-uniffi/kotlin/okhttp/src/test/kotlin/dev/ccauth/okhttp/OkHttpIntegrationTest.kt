package dev.ccauth.okhttp

import dev.ccauth.CcauthError
import dev.ccauth.ClientCredentials
import dev.ccauth.clientSecret
import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.ClientSecret
import dev.ccauth.ffi.PrivateKey
import dev.ccauth.ffi.RetryPolicy
import dev.ccauth.generateP256
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.Response
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The interceptor, authenticator and transport against the real local
 * authorization server and its protected API (scripts/with-auth-server.sh):
 * the API checks tokens for real (signature, revocation, DPoP proofs and nonce).
 */
class OkHttpIntegrationTest {
    private val env = System.getenv()
    private val tokenEndpoint = env["CCAUTH_TOKEN_ENDPOINT"] ?: error("run through scripts/with-auth-server.sh")
    private val api = env["CCAUTH_API_URL"]!!
    private val stats = env["CCAUTH_STATS_URL"]!!
    private val issuer = env["CCAUTH_ISSUER"]!!
    private val plain = OkHttpClient()
    private val transport = OkHttpTransport(plain)

    private fun tokenRequests(clientId: String): Int =
        plain.newCall(Request.Builder().url(stats).build()).execute().use { r ->
            Json
                .parseToJsonElement(r.body!!.string())
                .jsonObject["token_requests_by_client"]!!
                .jsonObject[clientId]
                ?.jsonPrimitive
                ?.int ?: 0
        }

    /** [clientId]'s config from the issuer's metadata (endpoints, revocation included). */
    private suspend fun discovered(
        clientId: String,
        auth: ClientAuth,
        dpopKey: PrivateKey? = null,
    ): ClientConfig {
        val metadata = ClientCredentials.discover(issuer, transport = transport)
        return ClientConfig(ClientOptions("", clientId, auth, scopes = listOf("api.read"), dpopKey = dpopKey, issuer = metadata.issuer, serverMetadataJson = metadata.json))
    }

    private val secretJwt = ClientAuth.ClientSecretJwt(ClientSecret("jwt-secret-0123456789-0123456789-abcdef"))

    private fun get(http: OkHttpClient): Pair<Response, String> = http.newCall(Request.Builder().url(api).build()).execute().use { it to it.body!!.string() }

    @Test
    fun `the interceptor adds the token, and tokens come through OkHttpTransport`() {
        val options = ClientConfig(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.clientSecret("s3cr3t+/:%&= \"~*"), scopes = listOf("api.read")))
        ClientCredentials(options, transport).use { credentials ->
            val before = tokenRequests("ccauth-basic")
            val http = OkHttpClient.Builder().ccauth(credentials).build()
            repeat(3) {
                val (response, body) = get(http)
                assertEquals(200, response.code, body)
                assertNull(response.priorResponse, "no 401 on the way")
            }
            assertEquals(1, tokenRequests("ccauth-basic") - before, "one token for three calls")
        }
    }

    @Test
    fun `a token revoked behind the client's back - 401, dropped, one retry with a fresh token`() =
        runBlocking {
            // ccauth-secret-jwt has opaque tokens, which the API checks with the provider: revocation shows.
            val options = ClientConfig(ClientOptions(tokenEndpoint, "ccauth-secret-jwt", secretJwt, scopes = listOf("api.read")))
            ClientCredentials(options, transport).use { credentials ->
                val old = credentials.token()
                ClientCredentials(discovered("ccauth-secret-jwt", secretJwt)).use { other -> other.revoke(old.accessToken) }
                val before = tokenRequests("ccauth-secret-jwt")
                val (response, body) = get(OkHttpClient.Builder().ccauth(credentials).build())
                assertEquals(200, response.code, body)
                val first = response.priorResponse!!
                assertEquals(401, first.code)
                assertTrue(first.header("WWW-Authenticate")!!.contains("invalid_token"))
                assertNull(first.priorResponse, "exactly one retry")
                assertEquals(1, tokenRequests("ccauth-secret-jwt") - before, "one new token")
                assertNotEquals(old.accessToken, credentials.token().accessToken)
                assertEquals(credentials.token().authorization, response.request.header("Authorization"))
            }
        }

    @Test
    fun `the interceptor alone - a 401 is the answer, and the core drops the token it condemns`() =
        runBlocking {
            val options = ClientConfig(ClientOptions(tokenEndpoint, "ccauth-secret-jwt", secretJwt, scopes = listOf("api.read")))
            ClientCredentials(options, transport).use { credentials ->
                val old = credentials.token()
                ClientCredentials(discovered("ccauth-secret-jwt", secretJwt)).use { other -> other.revoke(old.accessToken) }
                val http = OkHttpClient.Builder().addInterceptor(CcauthInterceptor(credentials)).build()
                val (refused, _) = get(http)
                assertEquals(401, refused.code)
                assertNull(refused.priorResponse, "no authenticator: no retry")
                val before = tokenRequests("ccauth-secret-jwt")
                val (ok, body) = get(http)
                assertEquals(200, ok.code, body)
                assertEquals(1, tokenRequests("ccauth-secret-jwt") - before, "the next call fetched a new token")
                assertNotEquals(old.accessToken, credentials.token().accessToken)
            }
        }

    @Test
    fun `DPoP - the API's nonce is learnt on the first call's 401 and sent from then on`() =
        runBlocking {
            val config = discovered("ccauth-dpop", ClientAuth.clientSecret("dpop-secret-0123456789"), dpopKey = PrivateKey.generateP256())
            ClientCredentials(config, transport).use { credentials ->
                val http = OkHttpClient.Builder().ccauth(credentials).build()
                val (first, firstBody) = get(http)
                assertEquals(200, first.code, firstBody)
                assertTrue(firstBody.contains("\"dpop\":true"))
                assertTrue(first.request.header("Authorization")!!.startsWith("DPoP "))
                val refused = first.priorResponse!!
                assertEquals(401, refused.code)
                assertTrue(refused.header("WWW-Authenticate")!!.contains("use_dpop_nonce"))
                val (second, secondBody) = get(http)
                assertEquals(200, second.code, secondBody)
                assertNull(second.priorResponse, "the nonce was remembered")
                assertNotEquals(first.request.header("DPoP"), second.request.header("DPoP"), "a fresh proof per request")
            }
        }

    @Test
    fun `the authenticator alone answers the API's 401 with the token`() {
        val options = ClientConfig(ClientOptions(tokenEndpoint, "ccauth-post", ClientAuth.ClientSecretPost(ClientSecret("post-secret-0123456789")), scopes = listOf("api.read")))
        ClientCredentials(options, transport).use { credentials ->
            val (response, body) = get(OkHttpClient.Builder().authenticator(CcauthAuthenticator(credentials)).build())
            assertEquals(200, response.code, body)
            assertEquals(401, response.priorResponse!!.code)
            assertNull(response.priorResponse!!.request.header("Authorization"))
        }
    }

    @Test
    fun `no token is an IOException carrying the typed error, without the secret`() {
        val options = ClientConfig(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.clientSecret("wrong-okhttp-secret-7")))
        ClientCredentials(options, transport).use { credentials ->
            val e = assertThrows<CcauthIOException> { get(OkHttpClient.Builder().ccauth(credentials).build()) }
            val error = e.error
            assertTrue(error is CcauthError.OAuth)
            assertEquals("invalid_client" to 401, error.error to error.status)
            assertFalse(e.stackTraceToString().contains("wrong-okhttp-secret-7"))
        }
    }

    @Test
    fun `OkHttpTransport - a server that never answers is a Transport error classified as a timeout`() {
        java.net.ServerSocket(0).use { silent ->
            val options = ClientConfig(ClientOptions("http://127.0.0.1:${silent.localPort}/token", "ccauth-basic", ClientAuth.clientSecret("silent-secret-5"), retry = RetryPolicy(maxAttempts = 1u)))
            ClientCredentials(options, transport, 300).use { credentials ->
                val e = assertThrows<CcauthError.Transport> { credentials.tokenBlocking() }
                assertEquals("timeout" to true, e.transportKind to e.requestSent, e.message)
            }
        }
    }
}
