package dev.ccauth.okhttp

import dev.ccauth.AccessToken
import dev.ccauth.ApiAnswer
import dev.ccauth.CcauthError
import dev.ccauth.ClientCredentials
import okhttp3.Request
import okhttp3.Response

/**
 * What a request carries (as an OkHttp tag) between [CcauthInterceptor] and
 * [CcauthAuthenticator]: the token it was sent with, which of the two
 * retries were spent (so a 401 is retried at most once per cause), and
 * whether its response was read by the core already ([answered]).
 */
internal class Attempt(
    val token: AccessToken,
    val nonceRetried: Boolean = false,
    val tokenRetried: Boolean = false,
) {
    @Volatile var answered = false

    override fun toString(): String = "Attempt(nonceRetried=$nonceRetried, tokenRetried=$tokenRetried)"
}

/** [request] with [attempt]'s token: the core's headers for it (`Authorization`, and a fresh `DPoP` proof for a DPoP-bound token). */
internal fun ClientCredentials.sign(
    request: Request,
    attempt: Attempt,
): Request {
    val builder = request.newBuilder().removeHeader("DPoP").tag(Attempt::class.java, attempt)
    val headers =
        try {
            authorizationHeadersFor(attempt.token, request.method, request.url.toString())
        } catch (e: CcauthError) {
            throw CcauthIOException(e)
        }
    headers.forEach { (name, value) -> builder.header(name, value) }
    return builder.build()
}

/** What the core reads of an API's response (every `WWW-Authenticate` joined with ", "). */
internal fun answer(response: Response): ApiAnswer = ApiAnswer.of(response.code, response::headers)

/** A token for an OkHttp call: ccauth's typed error, wrapped in the IOException OkHttp expects. */
internal fun ClientCredentials.tokenForCall(): AccessToken =
    try {
        tokenBlocking()
    } catch (e: CcauthError) {
        throw CcauthIOException(e)
    }
