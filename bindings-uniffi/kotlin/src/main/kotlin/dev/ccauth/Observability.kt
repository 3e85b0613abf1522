package dev.ccauth

import dev.ccauth.ffi.LifecycleEvent

/**
 * Receives the client's lifecycle events (`dev.ccauth.ffi.LifecycleEvent`, the
 * core's record): `fetch_started` (reason `cold`, `refresh_ahead`,
 * `proactive`, `expired`, `invalidated`, `retry`, `dpop_nonce`),
 * `fetch_succeeded`, `retry_scheduled`, `fetch_failed`, `token_invalidated`
 * (reason `api_401`, `revoked`, `user`) and `failure_reset`; with a fleet
 * store ([TokenStore]), `store_hit`, `lease_acquired`, `lease_busy`,
 * `store_published`, `store_entry_rejected`, `store_unavailable` and
 * `store_recovered`. No event holds
 * a secret or a token: tokens appear as `tokenId`, a SHA-256 prefix.
 *
 * Called on the thread that made the change (a fetch's, or the caller of
 * [ClientCredentials.invalidate], [ClientCredentials.resetFailure], …), in
 * order, one event at a time; never for a token served from the cache. Keep
 * it quick (count, record, hand off). A listener that throws is logged and
 * ignored: the token path goes on.
 *
 * ```
 * ClientCredentials(options, listener = { e -> if (e.event == "fetch_failed") alert(e.code) })
 * ```
 */
fun interface LifecycleListener {
    fun onEvent(event: LifecycleEvent)
}

/**
 * Where a client's events go: the platform logger (SLF4J when it is on the
 * classpath, logger `dev.ccauth.ClientCredentials`: fetches INFO, retries
 * WARN (a DPoP nonce handshake INFO), failures ERROR; a store that failed
 * or an entry that did not open WARN, lease traffic DEBUG, other store
 * events INFO) and the listener. Inactive (nothing drained) when
 * there is neither.
 */
internal class EventSink(
    private val listener: LifecycleListener?,
) {
    private val log: Slf4jLog? =
        if (!Slf4jPresence.present) {
            null
        } else {
            try {
                Slf4jLog()
            } catch (e: LinkageError) {
                null // an SLF4J too old or broken: no logging rather than no client
            }
        }

    /** Whether events are worth draining from the core. */
    val active: Boolean = listener != null || log != null

    fun deliver(events: List<LifecycleEvent>) {
        for (event in events) {
            log?.log(event)
            if (listener != null) {
                try {
                    listener.onEvent(event)
                } catch (e: OutOfMemoryError) {
                    throw e
                } catch (e: Throwable) {
                    if (e is InterruptedException) Thread.currentThread().interrupt()
                    // The class only: a message of the host's own could quote anything.
                    log?.listenerFailed(TransportException.nameOf(e))
                }
            }
        }
    }

    companion object {
        /** One line for a log: the event's name, then its fields as `name=value` (absent ones left out). */
        fun line(e: LifecycleEvent): String =
            buildString {
                append("ccauth ").append(e.event)

                fun field(
                    name: String,
                    value: Any?,
                ) {
                    if (value != null) append(' ').append(name).append('=').append(value)
                }
                field("key", e.key)
                field("ticket", e.ticket)
                field("attempt", e.attempt)
                field("reason", e.reason)
                field("duration_ms", e.durationMs)
                field("lifetime_ms", e.lifetimeMs)
                field("expires_at_ms", e.expiresAtMs)
                field("expiry_source", e.expirySource)
                if (e.deviations.isNotEmpty()) field("deviations", e.deviations.joinToString(","))
                field("token_id", e.tokenId)
                field("delay_ms", e.delayMs)
                field("until_ms", e.untilMs)
                field("retry_after_ms", e.retryAfterMs)
                field("code", e.code)
                field("error", e.error)
                field("status", e.status)
                field("retryable", e.retryable)
                if (e.traceIds.isNotEmpty()) field("trace_ids", e.traceIds.joinToString(","))
                field("message", e.message?.let { "\"" + it.replace("\"", "\\\"") + "\"" })
            }
    }
}

/**
 * SLF4J, when the application has it: looked up once at run time, so the jar
 * does not depend on it (the pom declares it optional). This class alone
 * names SLF4J types; it is loaded only when they are there.
 */
internal class Slf4jLog {
    private val logger: org.slf4j.Logger = org.slf4j.LoggerFactory.getLogger(ClientCredentials::class.java)

    fun log(e: LifecycleEvent) {
        when (e.event) {
            // A DPoP nonce handshake is part of the protocol, not a failure.
            "retry_scheduled" -> {
                if (e.reason == "dpop_nonce") {
                    info(e)
                } else if (logger.isWarnEnabled) {
                    logger.warn(EventSink.line(e))
                }
            }

            "fetch_failed" -> {
                if (logger.isErrorEnabled) logger.error(EventSink.line(e))
            }

            // The fleet store failed (each process fetches alone for a while),
            // or an entry did not open (tampered, foreign, truncated): worth a look.
            "store_unavailable", "store_entry_rejected" -> {
                if (logger.isWarnEnabled) logger.warn(EventSink.line(e))
            }

            // Every waiting process, at every refresh: noise at INFO.
            "lease_acquired", "lease_busy" -> {
                if (logger.isDebugEnabled) logger.debug(EventSink.line(e))
            }

            else -> {
                info(e)
            }
        }
    }

    private fun info(e: LifecycleEvent) {
        if (logger.isInfoEnabled) logger.info(EventSink.line(e))
    }

    fun listenerFailed(name: String) {
        logger.warn("ccauth: the lifecycle listener threw {} (ignored)", name)
    }
}

/** Whether SLF4J is on the classpath (looked up once; names no SLF4J type, so it loads without it). */
internal object Slf4jPresence {
    val present: Boolean =
        try {
            Class.forName("org.slf4j.LoggerFactory", false, Slf4jPresence::class.java.classLoader)
            true
        } catch (e: ClassNotFoundException) {
            false
        } catch (e: LinkageError) {
            false
        }
}
