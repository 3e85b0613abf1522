package dev.ccauth

import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.RefreshPolicy
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Instant
import java.util.Collections
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/**
 * Many threads, one client: 200 platform threads released together (a
 * CyclicBarrier) ask for a token when there is none, when it was just
 * dropped, or when it just expired. The server counts token requests
 * (CCAUTH_STATS_URL): exactly one per repetition.
 */
class ConcurrencyTest {
    private val env = System.getenv()
    private val tokenEndpoint = env["CCAUTH_TOKEN_ENDPOINT"] ?: error("run through scripts/with-auth-server.sh")
    private val stats = env["CCAUTH_STATS_URL"]!!
    private val http = HttpClient.newHttpClient()

    private fun resetStats() {
        val response = http.send(HttpRequest.newBuilder(URI.create("$stats/reset")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())
        assertEquals(200, response.statusCode())
    }

    private fun tokenRequests(): Int {
        val body = http.send(HttpRequest.newBuilder(URI.create(stats)).build(), HttpResponse.BodyHandlers.ofString()).body()
        return Json
            .parseToJsonElement(body)
            .jsonObject["token_requests"]!!
            .jsonPrimitive.int
    }

    /** [threads] threads call tokenBlocking() at once; returns the distinct tokens they got. */
    private fun stampede(
        client: ClientCredentials,
        threads: Int = 200,
    ): Set<String> {
        val barrier = CyclicBarrier(threads)
        val tokens = Collections.synchronizedList(ArrayList<String>())
        val failures = Collections.synchronizedList(ArrayList<Throwable>())
        val started =
            (1..threads).map {
                thread(name = "stampede-$it") {
                    try {
                        barrier.await(30, TimeUnit.SECONDS)
                        tokens.add(client.tokenBlocking().accessToken)
                    } catch (e: Throwable) {
                        failures.add(e)
                    }
                }
            }
        started.forEach { it.join(60_000) }
        assertEquals(emptyList<Throwable>(), failures.toList())
        assertEquals(threads, tokens.size)
        return tokens.toSet()
    }

    @Test
    fun `200 threads, one client - exactly one token request per repetition`() {
        val options = ClientConfig(ClientOptions(tokenEndpoint, "ccauth-basic", ClientAuth.clientSecret("s3cr3t+/:%&= \"~*"), scopes = listOf("api.read")))
        val counts = mutableListOf<Int>()
        var client = ClientCredentials(options)
        try {
            for (rep in 1..20) {
                val previous = if (rep % 2 == 0) client.tokenBlocking() else null
                if (previous == null) {
                    client.close()
                    client = ClientCredentials(options, if (rep % 4 == 1) UrlConnectionTransport() else JdkHttpTransport())
                } else {
                    assertTrue(client.invalidate(previous), "the token is dropped")
                }
                resetStats()
                val tokens = stampede(client)
                val requests = tokenRequests()
                counts += requests
                assertEquals(1, tokens.size, "rep $rep: one token for all")
                if (previous != null) assertTrue(previous.accessToken !in tokens, "rep $rep: a new token after the drop")
                assertEquals(1, requests, "rep $rep (${if (previous == null) "no token" else "token dropped"}): token requests")
            }
        } finally {
            client.close()
        }
        println("[threads/kotlin] 200 threads x 20 repetitions (no token / token just dropped): token requests per repetition $counts")
    }

    @Test
    fun `200 threads when the token just expired - one token request`() {
        // ccauth-short's tokens live a few seconds; no refresh ahead of expiry, so the token really expires.
        val options =
            ClientConfig(
                ClientOptions(
                    tokenEndpoint,
                    "ccauth-short",
                    ClientAuth.clientSecret("short-secret-0123456789"),
                    scopes = listOf("api.read"),
                    refresh = RefreshPolicy(minLeewayMs = 0u, maxLeewayMs = 0u, leewayPercent = 0u),
                ),
            )
        val counts = mutableListOf<Int>()
        ClientCredentials(options).use { client ->
            repeat(2) { rep ->
                val token = client.tokenBlocking()
                val wait = token.expiresAt.toEpochMilli() - Instant.now().toEpochMilli()
                assertTrue(wait in 1..30_000, "a short token: $wait ms")
                Thread.sleep(wait + 20)
                assertTrue(token.isExpired())
                resetStats()
                val tokens = stampede(client)
                val requests = tokenRequests()
                counts += requests
                assertEquals(1, tokens.size, "rep $rep: one token for all")
                assertTrue(token.accessToken !in tokens, "rep $rep: a new token")
                assertEquals(1, requests, "rep $rep (token just expired): token requests")
            }
        }
        println("[threads/kotlin] 200 threads x 2 repetitions (token just expired): token requests per repetition $counts")
    }
}
