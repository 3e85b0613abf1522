package dev.ccauth

import dev.ccauth.ffi.ApiVerdict
import dev.ccauth.ffi.CcauthException
import dev.ccauth.ffi.FetchOutcome
import dev.ccauth.ffi.Header
import dev.ccauth.ffi.LifecycleEvent
import dev.ccauth.ffi.TokenDecision
import dev.ccauth.ffi.TokenLifecycle
import dev.ccauth.ffi.TokenStats
import dev.ccauth.ffi.TransportKind
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import kotlinx.serialization.json.longOrNull
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.io.File
import java.util.Base64

/**
 * The lifecycle vectors (lifecycle_manager.json, lifecycle_api.json,
 * lifecycle_events.json) through the UniFFI TokenLifecycle the Kotlin driver
 * uses: the same decisions, windows, waits, verdicts, timer times, events and
 * stats as the Rust manager; no event shows the case's secret or a token.
 */
class LifecycleVectorsTest {
    private val dir = File(System.getProperty("ccauth.vectors") ?: error("ccauth.vectors not set"))
    private val defaultConfig = """{"token_endpoint":"https://as.example.com/token","client_id":"client","client_secret":"vector-secret-1"}"""

    private fun decision(
        d: TokenDecision,
        tickets: MutableList<ULong>,
    ): Map<String, JsonElement> =
        when (d) {
            is TokenDecision.Ready -> {
                mapOf(
                    "decision" to JsonPrimitive("ready"),
                    "access_token" to JsonPrimitive(d.token.accessToken()),
                    "ready_from_ms" to JsonPrimitive(d.validFromMs.toLong()),
                    "ready_until_ms" to JsonPrimitive(d.validUntilMs.toLong()),
                )
            }

            is TokenDecision.Fetch -> {
                tickets.add(d.ticket.id)
                mapOf("decision" to JsonPrimitive("fetch"), "attempt" to JsonPrimitive(d.ticket.attempt.toLong()))
            }

            is TokenDecision.RefreshAhead -> {
                tickets.add(d.ticket.id)
                mapOf(
                    "decision" to JsonPrimitive("refresh_ahead"),
                    "access_token" to JsonPrimitive(d.token.accessToken()),
                    "attempt" to JsonPrimitive(d.ticket.attempt.toLong()),
                )
            }

            is TokenDecision.Wait -> {
                mapOf(
                    "decision" to JsonPrimitive("wait"),
                    "until_ms" to JsonPrimitive(d.untilMs.toLong()),
                    "wait_ms" to JsonPrimitive(d.waitMs.toLong()),
                )
            }

            is TokenDecision.Failed -> {
                mapOf("decision" to JsonPrimitive("failed"), "code" to JsonPrimitive(d.error.code))
            }
        }

    private fun outcome(o: FetchOutcome): Map<String, JsonElement> =
        when (o) {
            is FetchOutcome.Token -> {
                mapOf(
                    "outcome" to JsonPrimitive("token"),
                    "access_token" to JsonPrimitive(o.token.accessToken()),
                    "expires_at_ms" to JsonPrimitive(o.info.expiresAtMs.toLong()),
                )
            }

            is FetchOutcome.RetryScheduled -> {
                mapOf(
                    "outcome" to JsonPrimitive("retry_scheduled"),
                    "at_ms" to JsonPrimitive(o.atMs.toLong()),
                    "code" to JsonPrimitive(o.error.code),
                )
            }

            is FetchOutcome.Failed -> {
                mapOf(
                    "outcome" to JsonPrimitive("failed"),
                    "until_ms" to JsonPrimitive(o.untilMs.toLong()),
                    "code" to JsonPrimitive(o.error.code),
                )
            }

            FetchOutcome.Stale -> {
                mapOf("outcome" to JsonPrimitive("stale"))
            }
        }

    private fun check(
        want: JsonObject?,
        got: Map<String, JsonElement>,
        where: String,
    ) {
        want?.forEach { (key, value) -> assertEquals(value, got[key] ?: JsonNull, "$where: $key in $got") }
    }

    private fun verdict(v: ApiVerdict): String =
        when (v) {
            ApiVerdict.DONE -> "done"
            ApiVerdict.RETRY_WITH_NONCE -> "retry_with_nonce"
            ApiVerdict.RETRY_WITH_NEW_TOKEN -> "retry_with_new_token"
        }

    @TestFactory
    fun lifecycleVectors(): List<DynamicTest> = cases("lifecycle_manager.json", 15)

    @TestFactory
    fun lifecycleApiVectors(): List<DynamicTest> = cases("lifecycle_api.json", 7)

    @TestFactory
    fun lifecycleEventVectors(): List<DynamicTest> = cases("lifecycle_events.json", 7)

    /** An event as the vectors spell it: snake_case, absent fields (and empty lists) left out. */
    private fun eventJson(e: LifecycleEvent): Map<String, JsonElement> =
        listOfNotNull(
            "event" to JsonPrimitive(e.event),
            "at_ms" to JsonPrimitive(e.atMs.toLong()),
            "key" to JsonPrimitive(e.key),
            e.ticket?.let { "ticket" to JsonPrimitive(it.toLong()) },
            e.attempt?.let { "attempt" to JsonPrimitive(it.toLong()) },
            e.reason?.let { "reason" to JsonPrimitive(it) },
            e.durationMs?.let { "duration_ms" to JsonPrimitive(it.toLong()) },
            e.lifetimeMs?.let { "lifetime_ms" to JsonPrimitive(it.toLong()) },
            e.expiresAtMs?.let { "expires_at_ms" to JsonPrimitive(it.toLong()) },
            e.expirySource?.let { "expiry_source" to JsonPrimitive(it) },
            e.deviations.takeIf { it.isNotEmpty() }?.let { "deviations" to JsonArray(it.map(::JsonPrimitive)) },
            e.tokenId?.let { "token_id" to JsonPrimitive(it) },
            e.delayMs?.let { "delay_ms" to JsonPrimitive(it.toLong()) },
            e.untilMs?.let { "until_ms" to JsonPrimitive(it.toLong()) },
            e.retryAfterMs?.let { "retry_after_ms" to JsonPrimitive(it.toLong()) },
            e.code?.let { "code" to JsonPrimitive(it) },
            e.error?.let { "error" to JsonPrimitive(it) },
            e.status?.let { "status" to JsonPrimitive(it.toLong()) },
            e.retryable?.let { "retryable" to JsonPrimitive(it) },
            e.message?.let { "message" to JsonPrimitive(it) },
            e.traceIds.takeIf { it.isNotEmpty() }?.let { "trace_ids" to JsonArray(it.map(::JsonPrimitive)) },
        ).toMap()

    private fun statsJson(s: TokenStats): Map<String, JsonElement> {
        fun n(v: ULong?) = v?.let { JsonPrimitive(it.toLong()) } ?: JsonNull
        return mapOf(
            "key" to JsonPrimitive(s.key),
            "tokens_served" to n(s.tokensServed),
            "fetches" to n(s.fetches),
            "fetch_successes" to n(s.fetchSuccesses),
            "attempt_failures" to n(s.attemptFailures),
            "fetch_failures" to n(s.fetchFailures),
            "invalidations" to n(s.invalidations),
            "last_fetch_at_ms" to n(s.lastFetchAtMs),
            "token_expires_at_ms" to n(s.tokenExpiresAtMs),
            "token_id" to (s.tokenId?.let(::JsonPrimitive) ?: JsonNull),
            "cooldown_until_ms" to n(s.cooldownUntilMs),
            "last_error_code" to (s.lastErrorCode?.let(::JsonPrimitive) ?: JsonNull),
        )
    }

    /** The case's secrets: the client secret and every access token its responses carry. */
    private fun secretsOf(
        c: JsonObject,
        config: String,
    ): List<String> {
        val secret =
            Json
                .parseToJsonElement(config)
                .jsonObject["client_secret"]
                ?.jsonPrimitive
                ?.content
        val tokens =
            c["steps"]!!.jsonArray.mapNotNull { step ->
                val body =
                    step.jsonObject["respond"]
                        ?.jsonObject
                        ?.get("body")
                        ?.jsonPrimitive
                        ?.content ?: return@mapNotNull null
                runCatching {
                    Json
                        .parseToJsonElement(body)
                        .jsonObject["access_token"]
                        ?.jsonPrimitive
                        ?.content
                }.getOrNull()
            }
        return listOfNotNull(secret) + tokens
    }

    /** The events the step produced: in order, each a subset match (null: absent), none extra; none shows a secret. */
    private fun checkEvents(
        step: JsonObject,
        events: List<LifecycleEvent>,
        secrets: List<String>,
        where: String,
    ) {
        for (e in events) {
            val text = "$e ${EventSink.line(e)}"
            for (secret in secrets) assertFalse(text.contains(secret), "$where: a secret in $text")
        }
        val want = step["events"]?.jsonArray ?: return
        val got = events.map(::eventJson)
        assertEquals(want.size, got.size, "$where: events $got")
        want.zip(got).forEachIndexed { i, (w, g) -> check(w.jsonObject, g, "$where event $i") }
    }

    private fun cases(
        file: String,
        atLeast: Int,
    ): List<DynamicTest> {
        val cases = Json.parseToJsonElement(File(dir, file).readText()).jsonObject["cases"]!!.jsonArray
        assertTrue(cases.size >= atLeast, file)
        return cases.map { it.jsonObject }.map { c ->
            DynamicTest.dynamicTest(c["name"]!!.jsonPrimitive.content) {
                val config = c["config"]?.toString() ?: defaultConfig
                val seed = (c["seed"]?.jsonPrimitive?.longOrNull ?: 1L).toULong()
                val lifecycle = TokenLifecycle(config, seed)
                val secrets = secretsOf(c, config)
                val tickets = mutableListOf<ULong>()
                c["steps"]!!.jsonArray.map { it.jsonObject }.forEachIndexed { i, step ->
                    val where = "step $i"
                    val want = step["expect"]?.jsonObject
                    val now = (step["now_ms"]?.jsonPrimitive?.long ?: 0L).toULong()
                    when {
                        "poll" in step -> {
                            check(want, decision(lifecycle.poll(now), tickets), where)
                        }

                        "respond" in step || "transport_error" in step -> {
                            val ticket = tickets[step["ticket"]!!.jsonPrimitive.int - 1]
                            val o =
                                step["respond"]?.jsonObject?.let { r ->
                                    val body =
                                        r["body_base64"]?.let { Base64.getDecoder().decode(it.jsonPrimitive.content) }
                                            ?: (r["body"]?.jsonPrimitive?.content ?: "").encodeToByteArray()
                                    val headers = r["headers"]?.jsonArray?.map { h -> Header(h.jsonArray[0].jsonPrimitive.content, h.jsonArray[1].jsonPrimitive.content) } ?: emptyList()
                                    lifecycle.handleResponse(ticket, r["status"]!!.jsonPrimitive.int.toUShort(), headers, body, now)
                                } ?: lifecycle.handleTransportError(ticket, TransportKind.CONNECT, "refused", "ConnectException", false, now)
                            check(want, outcome(o), where)
                        }

                        "assertion_source_failed" in step -> {
                            val ticket = tickets[step["ticket"]!!.jsonPrimitive.int - 1]
                            val message = step["assertion_source_failed"]!!.jsonObject["message"]!!.jsonPrimitive.content
                            check(want, outcome(lifecycle.assertionSourceFailed(ticket, message, now)), where)
                        }

                        "api_response" in step -> {
                            val call = step["api_response"]!!.jsonObject
                            val v =
                                lifecycle.apiResponse(
                                    call["token"]!!.jsonPrimitive.content,
                                    call["url"]!!.jsonPrimitive.content,
                                    call["status"]!!.jsonPrimitive.int.toUShort(),
                                    call["www_authenticate"]?.jsonPrimitive?.content,
                                    call["dpop_nonce"]?.jsonPrimitive?.content,
                                    call["nonce_retried"]?.jsonPrimitive?.booleanOrNull ?: false,
                                )
                            check(want, mapOf("verdict" to JsonPrimitive(verdict(v))), where)
                        }

                        "proactive_refresh_at" in step -> {
                            check(want, mapOf("at_ms" to (lifecycle.proactiveRefreshAt()?.let { JsonPrimitive(it.toLong()) } ?: JsonNull)), where)
                        }

                        "revocation_request" in step -> {
                            val token = step["revocation_request"]!!.jsonObject["token"]!!.jsonPrimitive.content
                            val got =
                                try {
                                    mapOf("url" to JsonPrimitive(lifecycle.revocationRequest(token, null, now).url()))
                                } catch (e: CcauthException.Config) {
                                    mapOf("code" to JsonPrimitive(e.info.code), "field" to JsonPrimitive(e.info.field))
                                }
                            check(want, got, where)
                        }

                        "invalidate" in step -> {
                            val inv = step["invalidate"]!!.jsonObject
                            val dropped = lifecycle.invalidate(inv["token"]!!.jsonPrimitive.content, inv["www_authenticate"]?.jsonPrimitive?.content)
                            check(want, mapOf("dropped" to JsonPrimitive(dropped)), where)
                        }

                        "reset_failure" in step -> {
                            check(want, mapOf("reset" to JsonPrimitive(lifecycle.resetFailure(now))), where)
                        }

                        "stats" in step -> {
                            val stats = lifecycle.stats()
                            for (secret in secrets) assertFalse("$stats".contains(secret), "$where: a secret in $stats")
                            check(want, statsJson(stats), where)
                        }

                        "export_import" in step -> {
                            val fresh = TokenLifecycle(config, seed)
                            val got =
                                try {
                                    mapOf("access_token" to JsonPrimitive(fresh.importToken(lifecycle.exportToken() ?: "", now).accessToken()))
                                } catch (e: CcauthException.TokenDocument) {
                                    mapOf("code" to JsonPrimitive(e.info.code))
                                }
                            check(want, got, where)
                        }

                        else -> {
                            error("$where: unknown step ${step.keys}")
                        }
                    }
                    checkEvents(step, lifecycle.drainEvents(), secrets, where)
                }
            }
        }
    }
}
