package dev.ccauth

import io.lettuce.core.RedisClient
import io.lettuce.core.ScanArgs
import io.lettuce.core.api.StatefulRedisConnection
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import kotlinx.serialization.json.longOrNull
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.MethodOrderer
import org.junit.jupiter.api.Order
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestMethodOrder
import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/**
 * A fleet of JVM processes sharing one token through a real Redis
 * (scripts/with-redis.sh) and the local authorization server: each process
 * is the fleet worker (src/test/kotlin/dev/ccauth/fleet/FleetWorker.kt) run
 * from the packaged jar and its runtime classpath by
 * target/kotlin/fleet-worker.sh, its own ClientCredentials on a
 * LettuceStore with 50 callers. Three processes at most (two cores: a JVM's
 * start costs about a second).
 *
 * The figures are printed (`[fleet/kotlin …]`) and appended to
 * target/kotlin/fleet-figures.txt.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation::class)
class FleetIT {
    private val env = System.getenv()
    private val worker = System.getProperty("ccauth.fleetWorker") ?: ""
    private val redisUrl = env["CCAUTH_REDIS_URL"] ?: ""
    private val stats = env["CCAUTH_STATS_URL"] ?: ""
    private val fleet = Fleet()
    private lateinit var redisClient: RedisClient
    private lateinit var redis: StatefulRedisConnection<String, ByteArray>

    @BeforeEach
    fun setUp() {
        assumeTrue(redisUrl.isNotEmpty() && stats.isNotEmpty(), "needs scripts/with-redis.sh and scripts/with-auth-server.sh (scripts/test-kotlin.sh)")
        assumeTrue(File(worker).isFile, "needs the launcher $worker (scripts/test-kotlin.sh writes it)")
        redisClient = RedisClient.create(redisUrl)
        redis = redisClient.connect(LettuceStore.CODEC)
        redis.sync().flushdb()
    }

    @AfterEach
    fun tearDown() {
        fleet.killAll()
        if (::redis.isInitialized) {
            redis.close()
            redisClient.shutdown()
        }
    }

    // -- the server's counters ------------------------------------------------

    private val serverStats = ServerStats(stats)

    private fun tokenRequests(clientId: String): Int = serverStats.tokenRequests(clientId)

    private fun resetStats() = serverStats.reset()

    // -- a fleet of processes -------------------------------------------------

    class Proc(
        val process: Process,
        val index: Int,
    ) {
        /** Token id → first seen (Unix ms), in order. */
        val tokens = LinkedHashMap<String, Long>()
        val events = ArrayList<JsonObject>()
        val errors = ArrayList<JsonObject>()
        val lines = ArrayList<JsonObject>()
        var done: JsonObject? = null
    }

    inner class Fleet {
        val procs = ArrayList<Proc>()
        private val lock = Object()

        fun start(
            n: Int,
            options: Map<String, Any>,
        ): List<Proc> =
            (1..n).map {
                val json =
                    JsonObject(
                        options.mapValues { (_, v) ->
                            if (v is Number) {
                                JsonPrimitive(v)
                            } else if (v is Boolean) {
                                JsonPrimitive(v)
                            } else {
                                JsonPrimitive(v.toString())
                            }
                        },
                    )
                val process =
                    ProcessBuilder("bash", worker, json.toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start()
                val proc = Proc(process, procs.size)
                synchronized(lock) { procs.add(proc) }
                Thread({ read(proc) }, "fleet-reader-${proc.index}").apply { isDaemon = true }.start()
                proc
            }

        private fun read(proc: Proc) {
            proc.process.inputStream.bufferedReader().forEachLine { line ->
                val msg =
                    try {
                        Json.parseToJsonElement(line).jsonObject
                    } catch (e: Exception) {
                        System.err.println("fleet worker ${proc.index}: $line")
                        return@forEachLine
                    }
                synchronized(lock) {
                    proc.lines.add(msg)
                    when (msg["kind"]!!.jsonPrimitive.content) {
                        "token" -> proc.tokens.putIfAbsent(msg["id"]!!.jsonPrimitive.content, msg["t"]!!.jsonPrimitive.long)
                        "event" -> proc.events.add(msg["event"]!!.jsonObject)
                        "error" -> proc.errors.add(msg)
                        "done" -> proc.done = msg
                    }
                    lock.notifyAll()
                }
            }
        }

        fun waitFor(
            what: String,
            timeoutMs: Long,
            predicate: () -> Boolean,
        ) {
            val deadline = System.currentTimeMillis() + timeoutMs
            synchronized(lock) {
                while (!predicate()) {
                    val left = deadline - System.currentTimeMillis()
                    if (left <= 0) throw AssertionError("timed out waiting for $what: ${summary()}")
                    lock.wait(minOf(left, 100))
                }
            }
        }

        fun <T> locked(block: () -> T): T = synchronized(lock) { block() }

        fun summary(): String =
            procs.joinToString("; ") { p ->
                "proc ${p.index}: tokens ${p.tokens.keys} errors ${p.errors.size} events ${p.events.map { it.name() }.takeLast(8)}"
            }

        /** Closes the workers' stdin (they print "done" and exit). */
        fun stop(which: List<Proc> = procs) {
            for (p in which) runCatching { p.process.outputStream.close() }
            for (p in which) {
                if (!p.process.waitFor(20, TimeUnit.SECONDS)) p.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
            }
            // The reader threads have the last lines ("done") once the pipe is drained.
            waitFor("every worker's done", 5_000) { which.all { it.done != null || !it.process.isAlive } }
        }

        fun killAll() {
            for (p in procs) if (p.process.isAlive) p.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
        }
    }

    private fun JsonObject.name(): String = this["event"]!!.jsonPrimitive.content

    private fun JsonObject.atMs(): Long = this["at_ms"]!!.jsonPrimitive.long

    private fun allHave(
        procs: List<Proc>,
        count: Int,
    ): () -> Boolean = { procs.all { it.tokens.size >= count } }

    private fun assertNoErrors(procs: List<Proc>) {
        for (p in procs) {
            assertTrue(p.errors.isEmpty(), "proc ${p.index}: caller errors ${p.errors.take(3)}")
            val done = p.done
            assertTrue(done != null && done["errors"]!!.jsonPrimitive.long == 0L, "proc ${p.index}: $done")
            assertTrue(done!!["calls"]!!.jsonPrimitive.long > 0, "proc ${p.index}: no calls")
        }
    }

    private fun figure(line: String) {
        println(line)
        File(worker).parentFile.resolve("fleet-figures.txt").appendText(line + "\n")
    }

    /**
     * Waits for the cold start and three refreshes of ccauth-short in every
     * process, then stops the fleet: the token requests at each of the four
     * steps, and in all.
     */
    private fun requestsPerRefresh(procs: List<Proc>): Pair<List<Int>, Int> {
        val counts = ArrayList<Int>()
        for (tokens in 1..4) {
            fleet.waitFor("$tokens token(s) in every process", 25_000, allHave(procs, tokens))
            counts.add(tokenRequests("ccauth-short"))
        }
        fleet.stop()
        Thread.sleep(300)
        val total = tokenRequests("ccauth-short")
        return (listOf(counts[0]) + counts.zipWithNext { a, b -> b - a }) to total
    }

    private fun short(
        callers: Int,
        startAt: Long,
        extra: Map<String, Any> = emptyMap(),
    ) = mapOf("client_id" to "ccauth-short", "secret" to SHORT_SECRET, "callers" to callers, "start_at_ms" to startAt) + extra

    // -- one token request per refresh ----------------------------------------

    @Test
    @Order(1)
    fun `a fleet makes one token request at cold start and one per refresh`() {
        resetStats()
        val startAt = System.currentTimeMillis() + START_MS
        // Two processes with 50 threads each, one with 50 coroutines: both paths of the driver.
        val procs = fleet.start(PROCESSES - 1, short(CALLERS, startAt)) + fleet.start(1, short(CALLERS, startAt, mapOf("coroutines" to true)))
        val (perStep, total) = requestsPerRefresh(procs)
        figure("[fleet/kotlin] $PROCESSES processes x $CALLERS callers (2 threads, 1 coroutines), LettuceStore: token requests at cold start ${perStep[0]}, per refresh ${perStep.drop(1)}, total $total")
        assertNoErrors(procs)
        assertEquals(listOf(1, 1, 1, 1), perStep, fleet.summary())
        assertEquals(4, total)
        // Every process served the same four tokens, in the same order.
        val order = procs[0].tokens.keys.toList()
        assertTrue(procs.all { it.tokens.keys.toList() == order }, fleet.summary())
        val hits = procs.sumOf { p -> p.events.count { it.name() == "store_hit" } }
        val published = procs.sumOf { p -> p.events.count { it.name() == "store_published" } }
        assertEquals(4, published)
        assertEquals(4 * (PROCESSES - 1), hits)
    }

    @Test
    @Order(2)
    fun `without a store each process makes its own requests`() {
        resetStats()
        val startAt = System.currentTimeMillis() + START_MS
        val procs = fleet.start(PROCESSES, short(CALLERS, startAt, mapOf("no_store" to true)))
        val (perStep, total) = requestsPerRefresh(procs)
        figure("[fleet/kotlin no store] $PROCESSES processes x $CALLERS threads: token requests at cold start ${perStep[0]}, per refresh ${perStep.drop(1)}, total $total")
        assertNoErrors(procs)
        assertEquals(4 * PROCESSES, total)
        assertTrue(keys("*").isEmpty())
    }

    // -- kill -9 of the lease holder ------------------------------------------

    @Test
    @Order(3)
    fun `a lease holder killed mid-fetch is taken over within the lease TTL and a second`() {
        resetStats()
        val t0 = System.currentTimeMillis() + START_MS
        val common = mapOf("client_id" to "ccauth-basic", "secret" to BASIC_SECRET, "attempt_timeout_ms" to ATTEMPT_TIMEOUT_MS)
        val holder = fleet.start(1, common + mapOf("callers" to 1, "start_at_ms" to t0, "hang" to true)).single()
        val others = fleet.start(2, common + mapOf("callers" to CALLERS, "start_at_ms" to t0 + 300))
        fleet.waitFor("the holder's hanging request", 15_000) { holder.lines.any { it["kind"]!!.jsonPrimitive.content == "hanging" } }
        val leasedAt = fleet.locked { holder.events.first { it.name() == "lease_acquired" }.atMs() }
        fleet.waitFor("the others waiting on the lease", 15_000) { others.all { p -> p.events.any { it.name() == "lease_busy" } } }
        val lease = keys("ccauth:*:lease").single()
        assertTrue(redis.sync().pttl(lease) > 0, "the lease must still be live at the kill")
        val killedAt = System.currentTimeMillis()
        ProcessBuilder("kill", "-9", holder.process.pid().toString()).start().waitFor()
        // The launcher execs java: the pid is the JVM's.
        assertTrue(holder.process.waitFor(5, TimeUnit.SECONDS))
        fleet.waitFor("a token in every surviving process", LEASE_TTL_MS + 5_000, allHave(others, 1))
        val (first, last) = fleet.locked { others.minOf { it.tokens.values.min() } to others.maxOf { it.tokens.values.min() } }
        fleet.stop(others)
        val requests = tokenRequests("ccauth-basic")
        figure(
            "[fleet/kotlin kill -9] lease TTL $LEASE_TTL_MS ms: lease taken -> first token elsewhere ${first - leasedAt} ms, " +
                "in every process ${last - leasedAt} ms; kill -> first token ${first - killedAt} ms; token requests $requests",
        )
        assertNoErrors(others)
        assertTrue(first - leasedAt <= LEASE_TTL_MS + 1_000, "taken over within the lease TTL plus a second: ${first - leasedAt} ms")
        // The last waiter reads the published token at its next backoff (at most 500 ms + 250 ms of jitter).
        assertTrue(last - first <= 800, "${last - first} ms")
        assertEquals(1, requests)
        assertEquals(others[0].tokens.keys.toList(), others[1].tokens.keys.toList())
    }

    // -- Redis stopped mid-run -------------------------------------------------

    @Test
    @Order(4)
    fun `Redis stopped mid-run costs no caller an error and sharing resumes`() {
        resetStats()
        val procs = fleet.start(PROCESSES, short(20, System.currentTimeMillis() + START_MS))
        fleet.waitFor("a first refresh in every process", 25_000, allHave(procs, 2))
        val shared = tokenRequests("ccauth-short")
        redis.close()
        redisClient.shutdown()
        stopRedis()
        val downAt = System.currentTimeMillis()
        val downTokens = fleet.locked { procs.associate { it.index to it.tokens.size } }
        fleet.waitFor("two refreshes in every process with Redis down", 25_000) {
            procs.all { it.tokens.size >= downTokens[it.index]!! + 2 } && procs.all { p -> p.events.any { it.name() == "store_unavailable" } }
        }
        val duringDown = tokenRequests("ccauth-short") - shared
        val downRefreshes = fleet.locked { procs.minOf { it.tokens.size - downTokens[it.index]!! } }
        startRedis()
        val upAt = System.currentTimeMillis()
        fleet.waitFor("store_recovered in every process", 25_000) { procs.all { p -> p.events.any { it.name() == "store_recovered" } } }
        val afterRestart = tokenRequests("ccauth-short")

        // A token every process has, first seen (by any) after `since`: the newest.
        fun commonNew(since: Long): List<String> {
            val ids = procs.map { it.tokens.keys.toSet() }.reduce { a, b -> a intersect b }
            return ids.filter { id -> procs.minOf { it.tokens[id]!! } > since }.sortedBy { id -> procs.minOf { it.tokens[id]!! } }
        }
        val recoveredAt = System.currentTimeMillis()
        fleet.waitFor("a token shared by every process after the restart", 25_000) { commonNew(recoveredAt).isNotEmpty() }
        Thread.sleep(200)
        val windowStart = tokenRequests("ccauth-short")
        val mark = fleet.locked { commonNew(recoveredAt).last().let { id -> procs.maxOf { it.tokens[id]!! } } }
        fleet.waitFor("two more refreshes shared by every process", 25_000) { commonNew(mark).size >= 2 }
        Thread.sleep(200)
        val windowEnd = tokenRequests("ccauth-short")
        fleet.stop()
        val total = tokenRequests("ccauth-short")
        figure(
            "[fleet/kotlin redis down] $PROCESSES processes: shared (cold start + 1 refresh) $shared requests; " +
                "Redis down ${(upAt - downAt) / 1000.0} s: $duringDown requests for >= $downRefreshes refreshes each (each process alone); " +
                "restart -> all recovered: ${afterRestart - shared - duringDown} requests; then 2 refreshes: ${windowEnd - windowStart} requests; total $total",
        )
        assertNoErrors(procs)
        assertEquals(2, shared)
        assertTrue(duringDown >= PROCESSES, "with Redis down each process fetches alone")
        assertEquals(2, windowEnd - windowStart, "sharing resumed: one request per refresh")
    }

    private fun keys(pattern: String): List<String> = redis.sync().scan(ScanArgs.Builder.matches(pattern).limit(1000)).keys

    private val redisPort get() = env["CCAUTH_REDIS_PORT"]!!

    private fun ping(): Boolean =
        ProcessBuilder("redis-cli", "-p", redisPort, "ping").redirectErrorStream(true).start().let { p ->
            p.inputStream
                .readAllBytes()
                .decodeToString()
                .trim() == "PONG" && p.waitFor() == 0
        }

    /** SHUTDOWN NOSAVE of the test Redis. */
    private fun stopRedis() {
        ProcessBuilder("redis-cli", "-p", redisPort, "shutdown", "nosave").redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS)
        val deadline = System.currentTimeMillis() + 10_000
        while (System.currentTimeMillis() < deadline && ping()) Thread.sleep(50)
        assertTrue(!ping(), "redis did not stop")
    }

    /** Starts Redis again on the same port (stopped when the class is done). */
    private fun startRedis() {
        val dir = Files.createTempDirectory("ccauth-redis-").toString()
        val binary = env["CCAUTH_REDIS_SERVER"] ?: "redis-server"
        restarted +=
            ProcessBuilder(binary, "--bind", "127.0.0.1", "--port", redisPort, "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "warning")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start()
        val deadline = System.currentTimeMillis() + 10_000
        while (System.currentTimeMillis() < deadline && !ping()) Thread.sleep(50)
        assertTrue(ping(), "redis did not start again")
        redisClient = RedisClient.create(redisUrl)
        redis = redisClient.connect(LettuceStore.CODEC)
    }

    companion object {
        const val PROCESSES = 3
        const val CALLERS = 50
        const val ATTEMPT_TIMEOUT_MS = 2_000L
        const val LEASE_TTL_MS = ATTEMPT_TIMEOUT_MS + 500L // the core's lease: the attempt timeout plus half a second

        /** Every JVM started (the jar's native loaded, Redis connected) by then. */
        const val START_MS = 4_000L
        const val SHORT_SECRET = "short-secret-0123456789"
        const val BASIC_SECRET = "s3cr3t+/:%&= \"~*"

        private val restarted = ArrayList<Process>()

        @JvmStatic
        @AfterAll
        fun stopRestartedRedis() {
            for (p in restarted) {
                p.destroy()
                p.waitFor(10, TimeUnit.SECONDS)
            }
        }
    }
}
