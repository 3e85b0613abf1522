package dev.ccauth.okhttp

import dev.ccauth.ClientCredentials
import okhttp3.Interceptor
import okhttp3.Response

/**
 * Adds the token to every call (`Authorization`, plus a `DPoP` proof for a
 * DPoP-bound token; a Bearer token's headers are kept with the token, so a
 * call asks the core nothing) and hands the final response to the core when
 * its status or headers are among those the core reads (it keeps the API's
 * `DPoP-Nonce`, and drops a token a 401 condemns; any other response costs no
 * native call). An application interceptor: pair it with
 * [CcauthAuthenticator] for the 401 retries (see [ccauth]).
 */
class CcauthInterceptor(
    private val credentials: ClientCredentials,
) : Interceptor {
    override fun intercept(chain: Interceptor.Chain): Response {
        val response = chain.proceed(credentials.sign(chain.request(), Attempt(credentials.tokenForCall())))
        // Unless the authenticator read it already; its verdict is the authenticator's to act on.
        // apiResponse asks the core only about an answer with a status or header it listed.
        val attempt = response.request.tag(Attempt::class.java)
        if (attempt != null && !attempt.answered) {
            credentials.apiResponse(attempt.token, response.request.url.toString(), answer(response), attempt.nonceRetried)
        }
        return response
    }
}
