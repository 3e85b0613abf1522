/*
 * One process of a simulated fleet, for the fleet tests (FleetIT) and the
 * mixed-language fleet test: its own ClientCredentials sharing tokens
 * through Redis (LettuceStore), CALLERS threads (or coroutines) asking for
 * a token over and over until stdin closes. It speaks exactly the protocol
 * of bindings-uniffi/python/tests/fleet_worker.py.
 *
 * Run it from the packaged jar and its runtime classpath, as a user has it
 * (scripts/test-kotlin.sh writes the launcher; build first with it):
 *
 *     CCAUTH_REDIS_URL=redis://127.0.0.1:6379/0 CCAUTH_TOKEN_ENDPOINT=http://127.0.0.1:PORT/token \
 *       target/kotlin/fleet-worker.sh '{"client_id": "ccauth-short", "secret": "short-secret-0123456789", "callers": 50}'
 *
 * (the launcher runs `java -cp target/kotlin/maven/ccauth-0.1.0.jar:target/kotlin/maven/ccauth-0.1.0-fleet-worker.jar:
 * <target/kotlin/maven/fleet-worker.classpath> dev.ccauth.fleet.FleetWorkerKt OPTIONS`).
 *
 * args[0], JSON: client_id, secret (client_secret_basic), callers (default
 * 50), attempt_timeout_ms (2000), start_at_ms (Unix ms: callers start then;
 * default at once), pause_ms (20, between a caller's calls), no_store (the
 * baseline: no store), hang (the token request blocks forever once sent,
 * after "hanging" is printed: the kill -9 test), coroutines (Kotlin only:
 * the callers are coroutines calling the suspending token(); default:
 * threads calling tokenBlocking(); "asyncio" is taken as a synonym).
 *
 * Prints one JSON line per thing, each with "kind", "t" (Unix ms) and "pid":
 * "started" (callers released); "token" with "id" (the first 16 hex digits
 * of the SHA-256 of the access token; never the token), once per new token;
 * "event" with "event" (the lifecycle event as the core's JSON: "event",
 * "at_ms", "key", and its other fields) for store_*, lease_* and
 * fetch_started/fetch_succeeded/fetch_failed; "error" with "error" (the
 * exception's class name) and "code" (CcauthError's, else null); "hanging";
 * "done" with "calls", "errors", "tokens" once stdin closed and every caller
 * stopped. Exits 0 after "done".
 */
package dev.ccauth.fleet

import dev.ccauth.AccessToken
import dev.ccauth.CcauthError
import dev.ccauth.ClientCredentials
import dev.ccauth.HttpTransport
import dev.ccauth.LettuceStore
import dev.ccauth.clientSecret
import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.LifecycleEvent
import dev.ccauth.ffi.RetryPolicy
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.longOrNull
import kotlinx.serialization.json.put
import java.security.MessageDigest
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicLong
import kotlin.system.exitProcess

private val out = Any()
private val pid = ProcessHandle.current().pid()

private fun say(
    kind: String,
    fields: Map<String, Any?> = emptyMap(),
) {
    val line =
        buildJsonObject {
            put("kind", kind)
            put("t", System.currentTimeMillis())
            put("pid", pid)
            for ((name, value) in fields) put(name, json(value))
        }.toString()
    synchronized(out) {
        System.out.println(line)
        System.out.flush()
    }
}

private fun json(value: Any?): kotlinx.serialization.json.JsonElement =
    when (value) {
        null -> JsonNull
        is kotlinx.serialization.json.JsonElement -> value
        is Number -> JsonPrimitive(value)
        is Boolean -> JsonPrimitive(value)
        else -> JsonPrimitive(value.toString())
    }

/** The event as the core's JSON (Python's `to_dict`): absent fields left out. */
private fun eventJson(e: LifecycleEvent): JsonObject =
    buildJsonObject {
        put("event", e.event)
        put("at_ms", e.atMs.toLong())
        put("key", e.key)
        e.ticket?.let { put("ticket", it.toLong()) }
        e.attempt?.let { put("attempt", it.toLong()) }
        e.reason?.let { put("reason", it) }
        e.durationMs?.let { put("duration_ms", it.toLong()) }
        e.lifetimeMs?.let { put("lifetime_ms", it.toLong()) }
        e.expiresAtMs?.let { put("expires_at_ms", it.toLong()) }
        e.expirySource?.let { put("expiry_source", it) }
        if (e.deviations.isNotEmpty()) put("deviations", buildJsonArray { e.deviations.forEach { add(JsonPrimitive(it)) } })
        e.tokenId?.let { put("token_id", it) }
        e.delayMs?.let { put("delay_ms", it.toLong()) }
        e.untilMs?.let { put("until_ms", it.toLong()) }
        e.retryAfterMs?.let { put("retry_after_ms", it.toLong()) }
        e.code?.let { put("code", it) }
        e.error?.let { put("error", it) }
        e.status?.let { put("status", it.toInt()) }
        e.retryable?.let { put("retryable", it) }
        e.message?.let { put("message", it) }
        if (e.traceIds.isNotEmpty()) put("trace_ids", buildJsonArray { e.traceIds.forEach { add(JsonPrimitive(it)) } })
    }

/** Sends nothing: says so, then blocks until the process is killed. */
private object Hanging : HttpTransport {
    override fun send(request: HttpTransport.Request): HttpTransport.Response {
        say("hanging")
        while (true) Thread.sleep(3_600_000)
    }
}

private fun fingerprint(token: String): String =
    MessageDigest
        .getInstance("SHA-256")
        .digest(token.toByteArray())
        .joinToString("") { "%02x".format(it) }
        .take(16)

fun main(args: Array<String>) {
    val options = Json.parseToJsonElement(args.getOrElse(0) { "{}" }).jsonObject

    fun long(
        name: String,
        default: Long,
    ) = (options[name] as? JsonPrimitive)?.longOrNull ?: default

    fun flag(name: String) = (options[name] as? JsonPrimitive)?.booleanOrNull == true

    fun text(name: String) = (options[name] as? JsonPrimitive)?.contentOrNull ?: error("option $name is required")
    val url = System.getenv("CCAUTH_REDIS_URL") ?: error("CCAUTH_REDIS_URL is not set")
    val endpoint = System.getenv("CCAUTH_TOKEN_ENDPOINT") ?: error("CCAUTH_TOKEN_ENDPOINT is not set")
    val store: LettuceStore? = if (flag("no_store")) null else LettuceStore.fromUrl(url)
    // Connected (and the JVM's Netty classes loaded) before the start: a
    // service's store is long up when its token needs a refresh.
    runCatching { store?.get("ccauth:fleet-worker:warm-up") }
    val client =
        ClientCredentials(
            ClientOptions(
                endpoint,
                text("client_id"),
                ClientAuth.clientSecret(text("secret")),
                retry = RetryPolicy(attemptTimeoutMs = long("attempt_timeout_ms", 2_000).toULong()),
            ),
            transport = if (flag("hang")) Hanging else dev.ccauth.UrlConnectionTransport(),
            timeoutMs = 5_000,
            listener = { e ->
                if (e.event.startsWith("store_") || e.event.startsWith("lease_") || e.event in setOf("fetch_started", "fetch_succeeded", "fetch_failed")) {
                    say("event", mapOf("event" to eventJson(e)))
                }
            },
            store = store,
        )
    val callers = long("callers", 50).toInt()
    val pause = long("pause_ms", 20)
    val seen = ConcurrentHashMap<String, Long>()
    val calls = AtomicLong()
    val errors = AtomicLong()
    val stop = CountDownLatch(1)

    fun got(token: AccessToken) {
        val now = System.currentTimeMillis()
        calls.incrementAndGet()
        if (token.expiresAt.toEpochMilli() <= now) {
            errors.incrementAndGet()
            say("error", mapOf("error" to "an expired token", "code" to null))
        }
        val id = fingerprint(token.accessToken)
        if (seen.putIfAbsent(id, now) == null) say("token", mapOf("id" to id))
    }

    fun failed(e: Throwable) {
        errors.incrementAndGet()
        say("error", mapOf("error" to e.javaClass.simpleName, "code" to (e as? CcauthError)?.code))
    }

    // Stop when the test closes our stdin.
    Thread({
        try {
            while (System.`in`.read() >= 0) Unit
        } finally {
            stop.countDown()
        }
    }, "stdin").apply { isDaemon = true }.start()
    val wait = long("start_at_ms", 0) - System.currentTimeMillis()
    if (wait > 0) Thread.sleep(wait)
    say("started")
    if (flag("coroutines") || flag("asyncio")) {
        runBlocking(Dispatchers.Default) {
            val jobs =
                (1..callers).map {
                    launch {
                        while (isActive && stop.count > 0) {
                            try {
                                got(client.token())
                            } catch (e: Exception) {
                                failed(e)
                            }
                            delay(pause)
                        }
                    }
                }
            jobs.joinAll()
        }
    } else {
        val threads =
            (1..callers).map {
                Thread {
                    while (stop.count > 0) {
                        try {
                            got(client.tokenBlocking())
                        } catch (e: Exception) {
                            failed(e)
                        }
                        stop.await(pause, java.util.concurrent.TimeUnit.MILLISECONDS)
                    }
                }.apply { isDaemon = true }
            }
        threads.forEach { it.start() }
        threads.forEach { it.join() }
    }
    say("done", mapOf("calls" to calls.get(), "errors" to errors.get(), "tokens" to seen.size))
    client.close()
    store?.close()
    exitProcess(0)
}
