package dev.ccauth

import com.sun.net.httpserver.HttpServer
import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.LifecycleEvent
import dev.ccauth.ffi.PrivateKey
import dev.ccauth.ffi.RetryPolicy
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.URI
import java.net.URLDecoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Instant
import java.util.Base64
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger

/**
 * Issue 16 against the real local server: lifecycle events to the listener
 * and SLF4J, stats(), resetFailure() and the cool-down's error; then the
 * mechanical hygiene check: no event (toString and fields), no SLF4J line of
 * the run, no stats value and no error message shows a client secret, an
 * access token or a client assertion that went over the wire.
 */
class ObservabilityTest {
    private val env = System.getenv()
    private val tokenEndpoint = env["CCAUTH_TOKEN_ENDPOINT"] ?: error("run through scripts/with-auth-server.sh")
    private val api = env["CCAUTH_API_URL"]!!
    private val issuer = env["CCAUTH_ISSUER"]!!
    private val keys = File(System.getProperty("ccauth.vectors"), "keys")
    private val http = HttpClient.newHttpClient()

    /**
     * The default transport, recording every credential that went out
     * (`Authorization`, `client_secret`, `client_assertion`) and every access
     * token that came back. While [refuse] is set, the `Authorization` header
     * carries a wrong secret: the server refuses the client (`invalid_client`)
     * as it would after a secret rotated on its side.
     */
    private class Recording : HttpTransport {
        private val inner = UrlConnectionTransport()
        val secrets = ConcurrentLinkedQueue<String>()

        @Volatile var refuse: String? = null

        override fun send(request: HttpTransport.Request): HttpTransport.Response {
            val headers =
                request.headers.map { (name, value) ->
                    val id = refuse
                    if (id != null && name.equals("Authorization", ignoreCase = true)) {
                        name to "Basic " + Base64.getEncoder().encodeToString("$id:$WRONG_SECRET".toByteArray())
                    } else {
                        name to value
                    }
                }
            for ((name, value) in headers) {
                if (name.equals("Authorization", ignoreCase = true)) {
                    secrets += value
                    secrets += value.substringAfter(' ')
                }
            }
            request.body?.decodeToString()?.split('&')?.forEach { pair ->
                val (name, value) = pair.split('=', limit = 2).let { it[0] to it.getOrElse(1) { "" } }
                if (name == "client_secret" || name == "client_assertion") secrets += URLDecoder.decode(value, "UTF-8")
            }
            val response = inner.send(HttpTransport.Request(request.method, request.url, headers, request.body, request.timeoutMs, request.maxResponseBytes))
            runCatching {
                Json
                    .parseToJsonElement(response.body.decodeToString())
                    .jsonObject["access_token"]
                    ?.jsonPrimitive
                    ?.content
            }.getOrNull()
                ?.let { secrets += it }
            return response
        }
    }

    /** Collects the listener's events. */
    private class Events : LifecycleListener {
        val all = ConcurrentLinkedQueue<LifecycleEvent>()

        override fun onEvent(event: LifecycleEvent) {
            all += event
        }

        fun names() = all.map { it.event }

        fun take(): List<LifecycleEvent> = generateSequence { all.poll() }.toList()
    }

    /** Every SLF4J line of this test run so far (slf4j-simple writes them to the file the pom names). */
    private fun logLines(): List<String> =
        System
            .getProperty("org.slf4j.simpleLogger.logFile")
            ?.let { File(it) }
            ?.takeIf { it.exists() }
            ?.readLines() ?: emptyList()

    /** No text shows any secret (each at least 8 characters: a short header part is not one). */
    private fun assertClean(
        secrets: Collection<String>,
        texts: Collection<String>,
    ) {
        val checked = secrets.filter { it.length >= 8 }.toSet()
        assertTrue(checked.isNotEmpty())
        for (text in texts) for (secret in checked) assertFalse(text.contains(secret), "a secret or token in: $text")
    }

    private fun texts(
        events: Collection<LifecycleEvent>,
        vararg more: Any?,
    ): List<String> =
        events.flatMap { e -> listOf(e.toString(), EventSink.line(e)) + listOfNotNull(e.message, e.key, e.tokenId) + e.traceIds } +
            logLines() + more.map { "$it" }

    @Test
    fun `a fetch - fetch_started cold and fetch_succeeded, logged at INFO, none for cached tokens, stats count memo hits`() {
        val transport = Recording()
        val events = Events()
        val secret = "post-secret-0123456789"
        ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-post", ClientAuth.ClientSecretPost(dev.ccauth.ffi.ClientSecret(secret)), scopes = listOf("api.read")), transport, listener = events).use { client ->
            val token = client.tokenBlocking()
            assertEquals(listOf("fetch_started", "fetch_succeeded"), events.names())
            val (started, succeeded) = events.all.toList()
            assertEquals("cold" to 1u, started.reason to started.attempt)
            assertEquals(token.expiresAt.toEpochMilli(), succeeded.expiresAtMs!!.toLong())
            assertEquals(started.ticket, succeeded.ticket)
            assertNotNull(succeeded.tokenId)
            repeat(1000) { client.tokenBlocking() }
            runBlocking { repeat(1000) { client.token() } }
            assertEquals(2, events.all.size, "the cached path drains nothing")
            val stats = client.stats()
            assertEquals(2001uL, stats.tokensServed)
            assertEquals(Triple(1uL, 1uL, 0uL), Triple(stats.fetches, stats.fetchSuccesses, stats.fetchFailures))
            assertEquals(succeeded.tokenId, stats.tokenId)
            assertEquals(started.key, stats.key)
            assertNull(stats.cooldownUntilMs)
            val lines = logLines().filter { started.key in it }
            assertTrue(lines.any { " INFO dev.ccauth.ClientCredentials - ccauth fetch_started" in it && "reason=cold" in it }, "$lines")
            assertTrue(lines.any { " INFO dev.ccauth.ClientCredentials - ccauth fetch_succeeded" in it && "token_id=${succeeded.tokenId}" in it }, "$lines")
            assertClean(transport.secrets + secret + token.accessToken, texts(events.all, stats, client))
        }
    }

    @Test
    fun `invalid_client - fetch_failed at ERROR, the cool-down's error says so, resetFailure fetches at once`() {
        val transport = Recording()
        val events = Events()
        val secret = "s3cr3t+/:%&= \"~*"
        val errors = mutableListOf<CcauthError>()
        ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.clientSecret(secret), scopes = listOf("api.read")), transport, listener = events).use { client ->
            transport.refuse = "ccauth-basic"
            val first = assertThrows<CcauthError.OAuth> { client.tokenBlocking() }
            errors += first
            assertEquals("invalid_client" to 401, first.error to first.status)
            val failed = events.all.single { it.event == "fetch_failed" }
            assertEquals(listOf("fetch_started", "fetch_failed"), events.names())
            assertEquals(Triple("TOKEN_ENDPOINT_ERROR", "invalid_client", 401.toUShort()), Triple(failed.code, failed.error, failed.status))
            val until = first.cooldownUntilMs ?: error("no cool-down on ${first.message}")
            assertEquals(failed.untilMs!!.toLong(), until)
            // Served from the cool-down: no new request, the same error, saying until when and how to end it.
            val sent = transport.secrets.size
            val again = assertThrows<CcauthError.OAuth> { runBlocking { client.token() } }
            errors += again
            assertEquals(sent, transport.secrets.size, "no request during the cool-down")
            assertTrue(again.message!!.contains("served from the cool-down until ${Instant.ofEpochMilli(until)}; resetFailure() retries at once"), again.message)
            assertEquals(until, again.cooldownUntilMs)
            assertEquals(until.toULong(), client.stats().cooldownUntilMs)
            assertEquals(2, events.all.size, "a failure served from the cool-down is no event")
            val line = logLines().last { failed.key in it && "fetch_failed" in it }
            assertTrue(" ERROR dev.ccauth.ClientCredentials - ccauth fetch_failed" in line && "error=invalid_client" in line, line)

            transport.refuse = null // the server takes the client again
            assertTrue(client.resetFailure())
            assertEquals("failure_reset", events.all.last().event)
            assertFalse(client.resetFailure(), "nothing left to reset")
            val token = client.tokenBlocking()
            assertEquals(listOf("fetch_started", "fetch_failed", "failure_reset", "fetch_started", "fetch_succeeded"), events.names())
            val stats = client.stats()
            assertEquals(listOf(2uL, 1uL, 1uL), listOf(stats.fetches, stats.fetchSuccesses, stats.fetchFailures))
            assertNull(stats.cooldownUntilMs)
            assertEquals("TOKEN_ENDPOINT_ERROR", stats.lastErrorCode)
            assertClean(transport.secrets + secret + WRONG_SECRET + token.accessToken, texts(events.all, stats, client, *errors.map { "$it ${it.message} ${it.stackTraceToString()}" }.toTypedArray()))
        }
    }

    @Test
    fun `transport failures - retry_scheduled at WARN, then fetch_failed`() {
        val closed = ServerSocket(0).use { it.localPort }
        val events = Events()
        val options = ClientOptions("http://127.0.0.1:$closed/token", "ccauth-basic", ClientAuth.clientSecret("closed-port-secret-9"), retry = RetryPolicy(maxAttempts = 2u))
        ClientCredentials(options, listener = events).use { client ->
            val e = assertThrows<CcauthError.Transport> { client.tokenBlocking() }
            assertEquals(listOf("fetch_started", "retry_scheduled", "fetch_started", "fetch_failed"), events.names())
            assertEquals("retry", events.all.toList()[2].reason)
            assertNotNull(e.cooldownUntilMs)
            val key = events.all.first().key
            assertTrue(logLines().any { key in it && " WARN dev.ccauth.ClientCredentials - ccauth retry_scheduled" in it && "code=TRANSPORT_ERROR" in it })
            assertClean(listOf("closed-port-secret-9"), texts(events.all, client.stats(), e.message))
        }
    }

    @Test
    fun `API 401 and revocation - token_invalidated api_401 and revoked, with private_key_jwt assertions kept out`() =
        runBlocking {
            val transport = Recording()
            val events = Events()
            val metadata = ClientCredentials.discover(issuer)
            val dpop = { listener: LifecycleListener? ->
                ClientCredentials(
                    transport = transport,
                    listener = listener,
                ) {
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
            dpop(events).use { client ->
                fun get(headers: Map<String, String>): HttpResponse<String> = http.send(HttpRequest.newBuilder(URI.create(api)).apply { headers.forEach { (n, v) -> header(n, v) } }.build(), HttpResponse.BodyHandlers.ofString())
                val call = suspend { client.authorized("GET", api, answer = { r: HttpResponse<String> -> ApiAnswer.of(r.statusCode(), r.headers()::allValues) }) { get(it) } }
                assertEquals(200, call().statusCode())
                val old = client.token()
                dpop(null).use { other -> other.revoke(old.accessToken) } // behind the client's back
                events.take()
                assertEquals(200, call().statusCode())
                val after = events.take()
                assertEquals(listOf("token_invalidated", "fetch_started", "fetch_succeeded"), after.map { it.event })
                assertEquals("api_401", after[0].reason)
                assertEquals("invalidated", after[1].reason)
                client.revoke()
                val revoked = events.take().single()
                assertEquals("token_invalidated" to "revoked", revoked.event to revoked.reason)
                val current = client.token()
                assertTrue(client.invalidate(current))
                assertEquals(
                    "user",
                    events.all
                        .toList()
                        .takeLast(1)
                        .single { it.event == "token_invalidated" }
                        .reason,
                )
                assertEquals(3uL, client.stats().invalidations)
                assertClean(transport.secrets + "dpop-secret-0123456789" + old.accessToken + current.accessToken, texts(after + revoked + events.all, client.stats()))
            }
            // private_key_jwt: the client assertion (a bearer credential for its lifetime) shows nowhere.
            val es256 = Recording()
            val seen = Events()
            ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-es256", ClientAuth.PrivateKeyJwt(PrivateKey.parse(keys.resolve("p256.jwk.json").readText())), scopes = listOf("api.read")), es256, listener = seen).use { client ->
                val token = client.token()
                assertTrue(es256.secrets.any { it.count { c -> c == '.' } == 2 && it != token.accessToken }, "the assertion was recorded")
                assertEquals(listOf("fetch_started", "fetch_succeeded"), seen.names())
                assertClean(es256.secrets + token.accessToken, texts(seen.all, client.stats()))
            }
        }

    @Test
    fun `each transport hands the server's request ids to the core - trace_ids of fetch_failed`() {
        // A stub token endpoint (the local authorization server sends no request id): the headers' path only.
        val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
        server.createContext("/token") { exchange ->
            exchange.requestBody.readAllBytes()
            val body = """{"error":"invalid_client","trace_id":"trace-9"}""".toByteArray()
            exchange.responseHeaders.add("Content-Type", "application/json")
            exchange.responseHeaders.add("X-Request-Id", "req-7")
            exchange.responseHeaders.add("CF-Ray", "ray-1")
            exchange.sendResponseHeaders(400, body.size.toLong())
            exchange.responseBody.use { it.write(body) }
        }
        server.start()
        try {
            for (transport in listOf(UrlConnectionTransport(), JdkHttpTransport())) {
                val events = Events()
                val endpoint = "http://127.0.0.1:${server.address.port}/token"
                ClientCredentials(ClientOptions(endpoint, "client", ClientAuth.clientSecret("trace-secret-1")), transport, listener = events).use { client ->
                    assertThrows<CcauthError.OAuth> { client.tokenBlocking() }
                    val failed = events.all.single { it.event == "fetch_failed" }
                    assertEquals(setOf("x-request-id=req-7", "cf-ray=ray-1", "trace_id=trace-9"), failed.traceIds.toSet(), transport.javaClass.simpleName)
                }
            }
        } finally {
            server.stop(0)
        }
    }

    @Test
    fun `resetFailure wakes a caller waiting out a retry's backoff, and it fetches at once`() =
        runBlocking {
            // A stub token endpoint: a 429 with Retry-After 5 s, then a token.
            val calls = AtomicInteger()
            val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
            server.createContext("/token") { exchange ->
                exchange.requestBody.readAllBytes()
                val first = calls.incrementAndGet() == 1
                val body =
                    if (first) """{"error":"slow_down"}""" else """{"access_token":"stub-token-0123456789","token_type":"Bearer","expires_in":3600}"""
                exchange.responseHeaders.add("Content-Type", "application/json")
                if (first) exchange.responseHeaders.add("Retry-After", "5")
                exchange.sendResponseHeaders(if (first) 429 else 200, body.length.toLong())
                exchange.responseBody.use { it.write(body.toByteArray()) }
            }
            server.start()
            try {
                val events = Events()
                val endpoint = "http://127.0.0.1:${server.address.port}/token"
                ClientCredentials(ClientOptions(endpoint, "client", ClientAuth.clientSecret("stub-secret-1")), listener = events).use { client ->
                    val t0 = System.nanoTime()
                    val waiter = async(Dispatchers.IO) { client.token() }
                    withTimeout(5_000) { while ("retry_scheduled" !in events.names()) delay(10) }
                    delay(300) // the waiter is waiting out the backoff now
                    assertTrue(client.resetFailure())
                    val token = withTimeout(4_000) { waiter.await() }
                    val ms = (System.nanoTime() - t0) / 1_000_000
                    assertTrue(ms < 4_000, "woken at once, not after the 5 s backoff: $ms ms")
                    assertEquals("stub-token-0123456789", token.accessToken)
                    assertEquals(listOf("fetch_started", "retry_scheduled", "failure_reset", "fetch_started", "fetch_succeeded"), events.names())
                    assertEquals(2, calls.get())
                    assertClean(listOf("stub-secret-1", token.accessToken), texts(events.all, client.stats()))
                }
            } finally {
                server.stop(0)
            }
        }

    @Test
    fun `a listener that throws never breaks the token path`() {
        val seen = ConcurrentLinkedQueue<String>()
        val listener =
            LifecycleListener { e ->
                seen += e.event
                if (e.event == "fetch_started") throw IllegalStateException("listener bug")
                if (e.event == "fetch_succeeded") throw StackOverflowError()
            }
        ClientCredentials(ClientOptions(tokenEndpoint, "ccauth-post", ClientAuth.ClientSecretPost(dev.ccauth.ffi.ClientSecret("post-secret-0123456789"))), listener = listener).use { client ->
            assertTrue(client.tokenBlocking().accessToken.isNotEmpty())
            assertEquals(listOf("fetch_started", "fetch_succeeded"), seen.toList())
            assertTrue(logLines().any { "the lifecycle listener threw IllegalStateException" in it })
        }
    }

    private companion object {
        const val WRONG_SECRET = "wrong-secret-rotated-0000"
    }
}
