package dev.ccauth

import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.RetryPolicy
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.net.ServerSocket

/**
 * Both built-in transports against the real local server: the default
 * (HttpURLConnection, what Android uses) and java.net.http; no response is a
 * Transport error with the core's code, never a message quoting the request.
 */
class TransportTest {
    private val tokenEndpoint = System.getenv("CCAUTH_TOKEN_ENDPOINT") ?: error("run through scripts/with-auth-server.sh")
    private val api = System.getenv("CCAUTH_API_URL")!!
    private val secret = "s3cr3t+/:%&= \"~*"

    private fun apiStatus(
        transport: HttpTransport,
        headers: Map<String, String>,
    ): Int = transport.send(HttpTransport.Request("GET", api, headers.toList(), null, 5000)).status

    @Test
    fun `each transport fetches a token the API accepts, and reports a 401 as an OAuth error`() {
        for (transport in listOf(UrlConnectionTransport(), JdkHttpTransport())) {
            val name = transport.javaClass.simpleName
            ClientCredentials(ClientConfig(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.clientSecret(secret), scopes = listOf("api.read"))), transport).use { client ->
                assertEquals(200, apiStatus(transport, client.authorizationHeadersBlocking("GET", api)), name)
            }
            assertEquals(401, apiStatus(transport, mapOf("Authorization" to "Bearer not-a-token")), name)
            ClientCredentials(ClientConfig(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.clientSecret("wrong-secret-3"))), transport).use { client ->
                val e = assertThrows<CcauthError.OAuth>(name) { client.tokenBlocking() }
                assertEquals("invalid_client" to 401, e.error to e.status, name)
            }
        }
    }

    @Test
    fun `a closed port is a Transport error for each transport`() {
        val closed = ServerSocket(0).use { it.localPort }
        for (transport in listOf(UrlConnectionTransport(), JdkHttpTransport())) {
            val options =
                ClientConfig(
                    ClientOptions("http://127.0.0.1:$closed/token", "ccauth-basic", ClientAuth.clientSecret("closed-port-secret-9"), retry = RetryPolicy(maxAttempts = 1u)),
                )
            ClientCredentials(options, transport).use { client ->
                val e = assertThrows<CcauthError.Transport>(transport.javaClass.simpleName) { runBlocking { client.token() } }
                assertEquals("TRANSPORT_ERROR", e.code)
                // Classified as a connection failure, with the platform's cause, before anything was sent.
                assertEquals(Triple("connect", "ConnectException", false), Triple(e.transportKind, e.causeCode, e.requestSent), e.message)
                assertTrue(e.message!!.startsWith("TRANSPORT_ERROR: connect before the request was sent (ConnectException)"), e.message)
                assertTrue(e.retryable)
                assertFalse("$e".contains("closed-port-secret-9"))
            }
        }
    }

    @Test
    fun `a server that never answers is a Transport error classified as a timeout`() {
        // A listening socket nobody reads: the kernel accepts, no response ever comes.
        ServerSocket(0).use { silent ->
            for (transport in listOf(UrlConnectionTransport(), JdkHttpTransport())) {
                val options =
                    ClientConfig(
                        ClientOptions("http://127.0.0.1:${silent.localPort}/token", "ccauth-basic", ClientAuth.clientSecret("silent-secret-4"), retry = RetryPolicy(maxAttempts = 1u)),
                    )
                ClientCredentials(options, transport, 300).use { client ->
                    val e = assertThrows<CcauthError.Transport>(transport.javaClass.simpleName) { client.tokenBlocking() }
                    assertEquals("timeout" to true, e.transportKind to e.requestSent, e.message)
                }
            }
        }
    }
}
