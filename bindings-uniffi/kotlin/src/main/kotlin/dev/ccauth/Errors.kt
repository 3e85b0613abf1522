package dev.ccauth

import uniffi.ccauth_ffi.CcauthException
import uniffi.ccauth_ffi.ErrorInfo
import uniffi.ccauth_ffi.ErrorKind

/**
 * Every ccauth failure. [code] is the core's stable code (`TOKEN_ENDPOINT_ERROR`,
 * `INVALID_TOKEN_ENDPOINT`, …), the same in every language; the message is the
 * core's sanitized text, never a secret or token.
 */
sealed class CcauthError(info: ErrorInfo) : Exception(info.message) {
    /** Stable code. */
    val code: String = info.code
    /** Whether the same request may succeed later. */
    val retryable: Boolean = info.retryable
    /** HTTP status of the token endpoint's response, when there was one. */
    val status: Int? = info.status?.toInt()
    /** RFC 6749 `error` (`invalid_client`, …). */
    val error: String? = info.error
    /** RFC 6749 `error_description`. */
    val errorDescription: String? = info.errorDescription
    /** RFC 6749 `error_uri`. */
    val errorUri: String? = info.errorUri
    /** The server's `Retry-After`, in milliseconds. */
    val retryAfterMs: Long? = info.retryAfterMs?.toLong()
    /** The option at fault (config errors). */
    val field: String? = info.field

    override fun toString(): String =
        "${javaClass.simpleName}(code=$code" + (status?.let { ", status=$it" } ?: "") +
            (error?.let { ", error=$it" } ?: "") + (field?.let { ", field=$it" } ?: "") + "): $message"

    /** An option was rejected; [field] names it. */
    class Config(info: ErrorInfo) : CcauthError(info)

    /** The token endpoint's response was not a token. */
    open class Response(info: ErrorInfo) : CcauthError(info)

    /** The token endpoint sent an RFC 6749 error ([error], [errorDescription]). */
    class OAuth(info: ErrorInfo) : Response(info)

    /** No response from the token endpoint: timeout, connection or TLS failure. */
    class Transport(info: ErrorInfo) : CcauthError(info)

    /** An exported token document could not be imported. */
    class TokenDocument(info: ErrorInfo) : CcauthError(info)

    internal companion object {
        /** The core classifies the failure; this only picks the class. */
        fun of(info: ErrorInfo): CcauthError = when (info.kind) {
            ErrorKind.CONFIG -> Config(info)
            ErrorKind.O_AUTH -> OAuth(info)
            ErrorKind.TRANSPORT -> Transport(info)
            ErrorKind.TOKEN_DOCUMENT -> TokenDocument(info)
            ErrorKind.RESPONSE, ErrorKind.OTHER -> Response(info)
        }

        fun of(e: CcauthException): CcauthError = when (e) {
            is CcauthException.Config -> of(e.info)
            is CcauthException.Response -> of(e.info)
            is CcauthException.Transport -> of(e.info)
            is CcauthException.TokenDocument -> of(e.info)
        }
    }
}

/** Runs [block], turning the generated exceptions into [CcauthError]s (without the cause, which repeats the record). */
internal inline fun <T> translated(block: () -> T): T =
    try {
        block()
    } catch (e: CcauthException) {
        throw CcauthError.of(e)
    }
