package dev.ccauth.okhttp

import dev.ccauth.AccessToken
import dev.ccauth.ClientCredentials
import okhttp3.Request

/**
 * What a request carries (as an OkHttp tag) between [CcauthInterceptor] and
 * [CcauthAuthenticator]: the token it was sent with, and which of the two
 * retries were spent, so a 401 is retried at most once per cause.
 */
internal class Attempt(val token: AccessToken, val nonceRetried: Boolean = false, val tokenRetried: Boolean = false) {
    override fun toString(): String = "Attempt(nonceRetried=$nonceRetried, tokenRetried=$tokenRetried)"
}

/** [request] with [attempt]'s token: `Authorization`, and a fresh `DPoP` proof for a DPoP-bound token. */
internal fun ClientCredentials.sign(request: Request, attempt: Attempt): Request {
    val builder = request.newBuilder().removeHeader("DPoP").tag(Attempt::class.java, attempt)
    authorizationHeadersFor(attempt.token, request.method, request.url.toString()).forEach { (name, value) -> builder.header(name, value) }
    return builder.build()
}

/** A token for an OkHttp call: ccauth's typed error, wrapped in the IOException OkHttp expects. */
internal fun ClientCredentials.tokenForCall(): AccessToken =
    try {
        tokenBlocking()
    } catch (e: dev.ccauth.CcauthError) {
        throw CcauthIOException(e)
    }
