package dev.ccauth.okhttp

import com.sun.net.httpserver.HttpServer
import dev.ccauth.CcauthError
import dev.ccauth.ClientCredentials
import dev.ccauth.LifecycleListener
import dev.ccauth.clientSecret
import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.LifecycleEvent
import okhttp3.OkHttpClient
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.net.InetAddress
import java.net.InetSocketAddress
import java.util.concurrent.ConcurrentLinkedQueue

/**
 * OkHttpTransport hands every response header to the core: the server's
 * request ids reach the lifecycle events' `traceIds` (a stub token endpoint:
 * the local authorization server sends none). Runs without SLF4J on the
 * classpath (ccauth's dependency on it is optional).
 */
class OkHttpTraceIdsTest {
    @Test
    fun `the server's request ids reach fetch_failed through OkHttp`() {
        val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
        server.createContext("/token") { exchange ->
            exchange.requestBody.readAllBytes()
            val body = """{"error":"invalid_client","correlation_id":"corr-3"}""".toByteArray()
            exchange.responseHeaders.add("Content-Type", "application/json")
            exchange.responseHeaders.add("x-ms-request-id", "ms-5")
            exchange.sendResponseHeaders(401, body.size.toLong())
            exchange.responseBody.use { it.write(body) }
        }
        server.start()
        try {
            val events = ConcurrentLinkedQueue<LifecycleEvent>()
            val endpoint = "http://127.0.0.1:${server.address.port}/token"
            val options = ClientOptions(endpoint, "client", ClientAuth.clientSecret("trace-secret-2"))
            ClientCredentials(options, OkHttpTransport(OkHttpClient()), listener = LifecycleListener { events += it }).use { client ->
                assertThrows<CcauthError.OAuth> { client.tokenBlocking() }
                val failed = events.single { it.event == "fetch_failed" }
                assertEquals(setOf("x-ms-request-id=ms-5", "correlation_id=corr-3"), failed.traceIds.toSet())
            }
        } finally {
            server.stop(0)
        }
    }
}
