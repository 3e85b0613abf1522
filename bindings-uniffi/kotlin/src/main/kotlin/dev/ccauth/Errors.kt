package dev.ccauth

import dev.ccauth.ffi.CcauthException
import dev.ccauth.ffi.ErrorInfo
import dev.ccauth.ffi.ErrorKind
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import java.math.BigDecimal
import java.math.BigInteger
import java.time.Instant

/** One `WWW-Authenticate` challenge: the scheme as sent, its parameters in order (names lower-cased). */
data class Challenge(
    val scheme: String,
    val params: List<Pair<String, String>>,
) {
    /** The first parameter called [name] (any case). */
    fun param(name: String): String? = params.firstOrNull { it.first.equals(name, ignoreCase = true) }?.second
}

/**
 * Every ccauth failure. [code] is the core's stable code (`TOKEN_ENDPOINT_ERROR`,
 * `INVALID_TOKEN_ENDPOINT`, `RESPONSE_TOO_LARGE`, …), the same in every
 * language; the message is the core's sanitized text (for config errors,
 * rebuilt with this library's option names), never a secret or token.
 */
sealed class CcauthError(
    details: Details,
) : Exception(details.message) {
    /** Stable code. */
    val code: String = details.code

    /** Whether the same request may succeed later. */
    val retryable: Boolean = details.retryable

    /** HTTP status of the response, when there was one. */
    val status: Int? = details.status

    /** RFC 6749 `error` (`invalid_client`, …). */
    val error: String? = details.error

    /** RFC 6749 `error_description`, verbatim (line breaks kept; a secret redacted; at most 2000 characters). */
    val errorDescription: String? = details.errorDescription

    /** RFC 6749 `error_uri`. */
    val errorUri: String? = details.errorUri

    /** The server's `Retry-After`, in milliseconds. */
    val retryAfterMs: Long? = details.retryAfterMs

    /** What the body looked like: `json`, `form`, `html`, `text`, `empty`, … (responses only). */
    val bodyKind: String? = details.bodyKind

    /** The response's `Content-Type`. */
    val contentType: String? = details.contentType

    /** The response body's length in bytes, as received (the bytes read, for a body cut at the size limit). */
    val bodyLen: Long? = details.bodyLen

    /** A short sanitized excerpt of a non-2xx body. */
    val excerpt: String? = details.excerpt

    /** The response's `WWW-Authenticate`, parsed. */
    val wwwAuthenticate: List<Challenge> = details.wwwAuthenticate

    /**
     * The error body's other members (Entra's `error_codes`, `trace_id`,
     * `correlation_id`, `timestamp`, …), parsed: values are `String`, `Long`
     * (`BigInteger` beyond), `Double` (`BigDecimal` beyond), `Boolean`,
     * `null`, `List<Any?>` or `Map<String, Any?>`.
     */
    val extras: Map<String, Any?> = details.extras

    /** The `DPoP-Nonce` of a `use_dpop_nonce` error (then [retryable]). */
    val dpopNonce: String? = details.dpopNonce

    /** The option at fault (config errors), by this library's name: `tokenEndpoint`, `retry.maxAttempts`, …. */
    val field: String? = details.field

    /** Why the option was refused (config errors), without its name. */
    val reason: String? = details.reason

    /** The position in a list option (`scopes`, `extraHeaders`, …) (config errors). */
    val index: Int? = details.index

    /** What failed (transport errors): `timeout`, `connect`, `tls`, `reset` or `other`. */
    val transportKind: String? = details.transportKind

    /**
     * The platform's short name for a transport failure: a Java exception's
     * simple class name (`ConnectException`, `UnknownHostException`,
     * `SocketTimeoutException`, `SSLHandshakeException`, …). Named so because
     * [Throwable.cause] is taken.
     */
    val causeCode: String? = details.causeCode

    /** Whether the request had been written when the transport failed (`null`: unknown). */
    val requestSent: Boolean? = details.requestSent

    /**
     * When this error is served from the cool-down after a failed fetch: its
     * end (Unix ms). Until then every call gets this error without asking the
     * server; [ClientCredentials.resetFailure] ends it at once.
     */
    val cooldownUntilMs: Long? = details.cooldownUntilMs

    override fun toString(): String =
        "${javaClass.simpleName}(code=$code" + (status?.let { ", status=$it" } ?: "") +
            (error?.let { ", error=$it" } ?: "") + (field?.let { ", field=$it" } ?: "") + "): $message"

    /** An option was rejected; [field] names it. */
    class Config internal constructor(
        details: Details,
    ) : CcauthError(details) {
        constructor(info: ErrorInfo) : this(Details.of(info))
    }

    /** The token endpoint's response was not a token. */
    open class Response internal constructor(
        details: Details,
    ) : CcauthError(details) {
        constructor(info: ErrorInfo) : this(Details.of(info))
    }

    /** The token endpoint sent an RFC 6749 error ([error], [errorDescription]). */
    class OAuth internal constructor(
        details: Details,
    ) : Response(details) {
        constructor(info: ErrorInfo) : this(Details.of(info))
    }

    /** No response from the server: timeout, connection, TLS failure or reset ([transportKind], [causeCode], [requestSent]). */
    class Transport internal constructor(
        details: Details,
    ) : CcauthError(details) {
        constructor(info: ErrorInfo) : this(Details.of(info))
    }

    /** An exported token document could not be imported. */
    class TokenDocument internal constructor(
        details: Details,
    ) : CcauthError(details) {
        constructor(info: ErrorInfo) : this(Details.of(info))
    }

    /** Everything an error carries, whoever made it (the core, or this library). */
    internal data class Details(
        val kind: ErrorKind,
        val code: String,
        val message: String,
        val retryable: Boolean = false,
        val status: Int? = null,
        val error: String? = null,
        val errorDescription: String? = null,
        val errorUri: String? = null,
        val retryAfterMs: Long? = null,
        val bodyKind: String? = null,
        val contentType: String? = null,
        val bodyLen: Long? = null,
        val excerpt: String? = null,
        val wwwAuthenticate: List<Challenge> = emptyList(),
        val extras: Map<String, Any?> = emptyMap(),
        val dpopNonce: String? = null,
        val field: String? = null,
        val reason: String? = null,
        val index: Int? = null,
        val transportKind: String? = null,
        val causeCode: String? = null,
        val requestSent: Boolean? = null,
        val cooldownUntilMs: Long? = null,
    ) {
        companion object {
            fun of(info: ErrorInfo): Details =
                Details(
                    kind = info.kind,
                    code = info.code,
                    message = info.message,
                    retryable = info.retryable,
                    status = info.status?.toInt(),
                    error = info.error,
                    errorDescription = info.errorDescription,
                    errorUri = info.errorUri,
                    retryAfterMs = info.retryAfterMs?.toLong(),
                    bodyKind = info.bodyKind,
                    contentType = info.contentType,
                    bodyLen = info.bodyLen?.toLong(),
                    excerpt = info.excerpt,
                    wwwAuthenticate = info.wwwAuthenticate.map { c -> Challenge(c.scheme, c.params.map { it.name to it.value }) },
                    extras = extras(info.extrasJson),
                    dpopNonce = info.dpopNonce,
                    field = info.field,
                    reason = info.reason,
                    index = info.index?.toInt(),
                    transportKind = info.transportKind,
                    causeCode = info.cause,
                    requestSent = info.requestSent,
                )
        }
    }

    internal companion object {
        /** The core classifies the failure; this only picks the class. */
        fun of(details: Details): CcauthError =
            when (details.kind) {
                ErrorKind.CONFIG -> Config(details)
                ErrorKind.O_AUTH -> OAuth(details)
                ErrorKind.TRANSPORT -> Transport(details)
                ErrorKind.TOKEN_DOCUMENT -> TokenDocument(details)
                ErrorKind.RESPONSE, ErrorKind.OTHER -> Response(details)
            }

        fun of(info: ErrorInfo): CcauthError = of(Details.of(info))

        /** An error served from the cool-down until [cooldownUntilMs] (if any): the message says until when, and how to end it. */
        fun of(
            info: ErrorInfo,
            cooldownUntilMs: Long?,
        ): CcauthError {
            val details = Details.of(info)
            if (cooldownUntilMs == null) return of(details)
            val until = Instant.ofEpochMilli(cooldownUntilMs)
            return of(
                details.copy(
                    message = "${details.message}; served from the cool-down until $until; resetFailure() retries at once",
                    cooldownUntilMs = cooldownUntilMs,
                ),
            )
        }

        fun of(e: CcauthException): CcauthError =
            when (e) {
                is CcauthException.Config -> of(e.info)
                is CcauthException.Response -> of(e.info)
                is CcauthException.Transport -> of(e.info)
                is CcauthException.TokenDocument -> of(e.info)
            }

        /** The core's `extras_json` (a JSON object text) as a map; `{}` or anything unreadable is empty. */
        fun extras(json: String): Map<String, Any?> =
            try {
                (Json.parseToJsonElement(json) as? JsonObject)?.mapValues { plain(it.value) } ?: emptyMap()
            } catch (e: IllegalArgumentException) {
                emptyMap()
            }

        /**
         * A JSON value as plain Kotlin values: integers as Long (BigInteger
         * beyond it), other numbers as Double (BigDecimal when no Double holds
         * them, e.g. `1e400`), objects as maps in the server's order.
         */
        fun plain(value: JsonElement): Any? =
            when (value) {
                is JsonNull -> {
                    null
                }

                is JsonObject -> {
                    value.mapValues { plain(it.value) }
                }

                is JsonArray -> {
                    value.map { plain(it) }
                }

                is JsonPrimitive -> {
                    when {
                        value.isString -> value.content
                        else -> value.booleanOrNull ?: number(value.content)
                    }
                }
            }

        private fun number(text: String): Any =
            text.toLongOrNull()
                ?: runCatching { BigInteger(text) }.getOrNull()
                ?: text.toDoubleOrNull()?.takeIf { it.isFinite() }
                ?: runCatching { BigDecimal(text) }.getOrElse { text }
    }
}

/** Runs [block], turning the generated exceptions into [CcauthError]s (without the cause, which repeats the record). */
internal inline fun <T> translated(block: () -> T): T =
    try {
        block()
    } catch (e: CcauthException) {
        throw CcauthError.of(e)
    }
