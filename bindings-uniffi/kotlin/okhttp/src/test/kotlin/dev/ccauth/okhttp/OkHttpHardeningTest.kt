package dev.ccauth.okhttp

import dev.ccauth.CcauthError
import dev.ccauth.ClientCredentials
import dev.ccauth.HttpTransport
import dev.ccauth.TransportException
import dev.ccauth.clientSecret
import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.RetryPolicy
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.boolean
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import okhttp3.OkHttpClient
import okhttp3.Request
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.net.InetAddress
import java.net.ServerSocket
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong
import kotlin.concurrent.thread

/**
 * OkHttpTransport against the local server's hostile endpoint (256 MiB token
 * responses, chunked or with a declared length) and against failing sockets:
 * the size limit holds, the call is cancelled rather than drained, memory
 * stays bounded; failures carry kind, cause and whether the request went out.
 */
class OkHttpHardeningTest {
    private val oversized = System.getenv("CCAUTH_OVERSIZED_URL") ?: error("run through scripts/with-auth-server.sh")
    private val plain = OkHttpClient()
    private val transport = OkHttpTransport(plain)
    private val secret = "okhttp-oversized-secret-42"
    private val mib = 1024L * 1024

    private fun endpoint(
        size: Int,
        declared: Boolean,
    ) = "$oversized/token?mib=$size" + if (declared) "&length=declared" else ""

    private fun lastStream(): JsonObject =
        plain.newCall(Request.Builder().url("$oversized/stats").build()).execute().use { r ->
            Json
                .parseToJsonElement(r.body!!.string())
                .jsonArray
                .last()
                .jsonObject
        }

    private fun rss(): Long =
        File("/proc/self/statm")
            .readText()
            .trim()
            .split(" ")[1]
            .toLong() * 4096

    private fun heapAfterGc(): Long {
        repeat(3) {
            System.gc()
            Thread.sleep(30)
        }
        return Runtime.getRuntime().let { it.totalMemory() - it.freeMemory() }
    }

    /** [block]'s peak RSS growth (sampled every 2 ms) and heap growth after GC. */
    private fun <T> measure(block: () -> T): Triple<T, Long, Long> {
        val heap = heapAfterGc()
        val before = rss()
        val peak = AtomicLong(before)
        val running = AtomicBoolean(true)
        val sampler =
            thread(isDaemon = true) {
                while (running.get()) {
                    peak.accumulateAndGet(rss(), ::maxOf)
                    Thread.sleep(2)
                }
            }
        val result =
            try {
                block()
            } finally {
                running.set(false)
                sampler.join()
            }
        peak.accumulateAndGet(rss(), ::maxOf)
        return Triple(result, peak.get() - before, heapAfterGc() - heap)
    }

    private fun client(
        size: Int,
        declared: Boolean,
    ) = ClientCredentials(
        ClientConfig(ClientOptions(endpoint(size, declared), "ccauth-basic", ClientAuth.clientSecret(secret), retry = RetryPolicy(maxAttempts = 1u))),
        transport,
    )

    @TestFactory
    fun `a 256 MiB token response through OkHttp is refused after the limit, the call cancelled, memory bounded`(): List<DynamicTest> =
        listOf(false, true).map { declared ->
            val case = "OkHttpTransport ${if (declared) "declared" else "chunked"}"
            DynamicTest.dynamicTest(case) {
                // Warm-up at 2 and 16 MiB: classes loaded, JIT, buffers and heap in place before measuring.
                for (size in listOf(2, 16)) client(size, declared).use { assertThrows<CcauthError>(case) { it.tokenBlocking() } }
                val (error, rssGrowth, heapGrowth) =
                    measure {
                        client(256, declared).use { assertThrows<CcauthError.Response>(case) { it.tokenBlocking() } }
                    }
                val stream = lastStream()
                val sent = stream["bytes_sent"]!!.jsonPrimitive.long
                val closedEarly = stream["closed_early"]!!.jsonPrimitive.boolean
                println(
                    "[oversized/kotlin] $case: %+.1f MiB RSS (peak), %+.1f MiB heap after GC; server sent %d KiB of 256 MiB, closed early: %s"
                        .format(rssGrowth / mib.toDouble(), heapGrowth / mib.toDouble(), sent / 1024, closedEarly),
                )
                assertEquals("RESPONSE_TOO_LARGE", error.code, "$case: $error")
                assertFalse("$error".contains(secret))
                assertTrue(closedEarly, "$case: $stream")
                assertTrue(sent < 64 * mib, "$case: $stream")
                assertTrue(rssGrowth < 32 * mib, "$case: RSS +$rssGrowth")
                assertTrue(heapGrowth < 32 * mib, "$case: heap +$heapGrowth")
            }
        }

    @Test
    fun `OkHttpTransport reads at most limit plus one byte, none for a declared length above it`() {
        for (declared in listOf(false, true)) {
            val response =
                transport.send(
                    HttpTransport.Request(
                        "POST",
                        endpoint(8, declared),
                        listOf("Content-Type" to "application/x-www-form-urlencoded"),
                        "grant_type=client_credentials".encodeToByteArray(),
                        10_000,
                        1000,
                    ),
                )
            assertEquals(200, response.status)
            assertTrue(response.headers.any { it.first.equals("content-type", true) }, "${response.headers}")
            assertEquals(if (declared) 0 else 1001, response.body.size)
            assertTrue(lastStream()["closed_early"]!!.jsonPrimitive.boolean)
        }
    }

    private fun send(
        url: String,
        timeoutMs: Long = 5_000,
    ): TransportException =
        assertThrows<TransportException> {
            transport.send(HttpTransport.Request("POST", url, listOf("Content-Type" to "application/x-www-form-urlencoded"), "a=b".encodeToByteArray(), timeoutMs))
        }

    @Test
    fun `OkHttpTransport failures - refused, reset after sending, silence - with cause and requestSent`() {
        val closed = ServerSocket(0).use { it.localPort }
        val refused = send("http://127.0.0.1:$closed/token")
        assertEquals(Triple(TransportException.Kind.CONNECT, "ConnectException", false), Triple(refused.kind, refused.causeName, refused.requestSent))
        ServerSocket(0, 50, InetAddress.getLoopbackAddress()).use { server ->
            // Reads each request's head, then resets the connection (SO_LINGER 0: RST).
            val acceptor =
                thread(isDaemon = true) {
                    try {
                        while (true) {
                            server.accept().use { socket ->
                                val input = socket.getInputStream()
                                val head = StringBuilder()
                                while (!head.endsWith("\r\n\r\n")) {
                                    val b = input.read()
                                    if (b < 0) break
                                    head.append(b.toChar())
                                }
                                socket.setSoLinger(true, 0)
                            }
                        }
                    } catch (e: Exception) {
                        // closed: done
                    }
                }
            val reset = send("http://127.0.0.1:${server.localPort}/token")
            println("[transport/kotlin] OkHttpTransport reset: ${reset.kind} ${reset.causeName} requestSent=${reset.requestSent}")
            assertEquals(TransportException.Kind.RESET, reset.kind, "$reset ${reset.cause}")
            assertEquals(true, reset.requestSent)
            server.close()
            acceptor.join(2_000)
        }
        ServerSocket(0).use { silent ->
            val timeout = send("http://127.0.0.1:${silent.localPort}/token", 300)
            println("[transport/kotlin] OkHttpTransport silent: ${timeout.kind} ${timeout.causeName} requestSent=${timeout.requestSent}")
            assertEquals(TransportException.Kind.TIMEOUT, timeout.kind)
            assertEquals(true, timeout.requestSent)
        }
    }
}
