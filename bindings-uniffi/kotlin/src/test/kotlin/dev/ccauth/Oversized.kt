package dev.ccauth

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.boolean
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * The local server's hostile endpoint (tests/server/oversized.mjs, via
 * scripts/with-auth-server.sh) and the process's memory around a request to
 * it: resident set (sampled every few milliseconds, so the peak counts) and
 * the heap in use after a full GC. Shared by this module's tests and the OkHttp module's.
 */
object Oversized {
    val url: String = System.getenv("CCAUTH_OVERSIZED_URL") ?: error("run through scripts/with-auth-server.sh")
    const val MIB = 1024L * 1024

    /** The token endpoint that streams [mib] MiB, chunked or with its `Content-Length` declared first. */
    fun endpoint(
        mib: Int,
        declared: Boolean,
    ): String = "$url/token?mib=$mib" + if (declared) "&length=declared" else ""

    /** What the newest stream did: `{mib, declared, bytes_sent, closed_early}`. */
    fun lastStream(): JsonObject {
        val http = HttpClient.newHttpClient()
        val body = http.send(HttpRequest.newBuilder(URI.create("$url/stats")).build(), HttpResponse.BodyHandlers.ofString()).body()
        return Json
            .parseToJsonElement(body)
            .jsonArray
            .last()
            .jsonObject
    }

    fun bytesSent(stream: JsonObject): Long = stream["bytes_sent"]!!.jsonPrimitive.long

    fun closedEarly(stream: JsonObject): Boolean = stream["closed_early"]!!.jsonPrimitive.boolean

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
        val r = Runtime.getRuntime()
        return r.totalMemory() - r.freeMemory()
    }

    /** Memory growth over [block]: the resident set's peak, and the heap in use after a GC. */
    class Growth(
        val rssPeak: Long,
        val heapAfter: Long,
    ) {
        override fun toString(): String = "%+.1f MiB RSS (peak), %+.1f MiB heap after GC".format(rssPeak / MIB.toDouble(), heapAfter / MIB.toDouble())
    }

    fun <T> measure(block: () -> T): Pair<T, Growth> {
        val heapBefore = heapAfterGc()
        val rssBefore = rss()
        val peak = AtomicLong(rssBefore)
        val running = AtomicBoolean(true)
        val sampler =
            Thread {
                while (running.get()) {
                    peak.accumulateAndGet(rss(), ::maxOf)
                    Thread.sleep(2)
                }
            }.apply {
                isDaemon = true
                start()
            }
        val result =
            try {
                block()
            } finally {
                running.set(false)
                sampler.join()
            }
        peak.accumulateAndGet(rss(), ::maxOf)
        return result to Growth(peak.get() - rssBefore, heapAfterGc() - heapBefore)
    }
}
