package dev.ccauth.okhttp

import dev.ccauth.ClientCredentials
import okhttp3.Interceptor
import okhttp3.Response

/**
 * Adds the token to every call (`Authorization`, plus a `DPoP` proof for a
 * DPoP-bound token) and hands the final response to the core (which keeps the
 * API's `DPoP-Nonce`, and drops a token a 401 condemns). An application
 * interceptor: pair it with [CcauthAuthenticator] for the 401 retries (see [ccauth]).
 */
class CcauthInterceptor(private val credentials: ClientCredentials) : Interceptor {
    override fun intercept(chain: Interceptor.Chain): Response {
        val response = chain.proceed(credentials.sign(chain.request(), Attempt(credentials.tokenForCall())))
        // Unless the authenticator read it already; its verdict is the authenticator's to act on.
        val attempt = response.request.tag(Attempt::class.java)
        if (attempt != null && !attempt.answered) {
            credentials.apiResponse(attempt.token, response.request.url.toString(), answer(response), attempt.nonceRetried)
        }
        return response
    }
}
