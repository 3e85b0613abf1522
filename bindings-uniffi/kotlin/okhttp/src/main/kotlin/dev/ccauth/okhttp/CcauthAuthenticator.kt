package dev.ccauth.okhttp

import dev.ccauth.ClientCredentials
import okhttp3.Authenticator
import okhttp3.Request
import okhttp3.Response
import okhttp3.Route

/**
 * OkHttp's answer to a 401, the flow the npm and Python packages have:
 * - `use_dpop_nonce` with a `DPoP-Nonce` (RFC 9449 §9): the nonce is
 *   remembered and the request resent once with a new proof, same token;
 * - otherwise the challenge goes to the core, which drops the token unless it
 *   says otherwise (`insufficient_scope`); with a new token the request is
 *   resent once. The same token again means no retry: the 401 stands.
 * A request sent without [CcauthInterceptor] and without `Authorization` gets
 * the token on its 401. OkHttp itself never resends a one-shot body.
 */
class CcauthAuthenticator(private val credentials: ClientCredentials) : Authenticator {
    override fun authenticate(route: Route?, response: Response): Request? {
        if (response.code != 401) return null // 407 is the proxy's
        val request = response.request
        val url = request.url.toString()
        val attempt = request.tag(Attempt::class.java)
            ?: return if (request.header("Authorization") == null) credentials.sign(request, Attempt(credentials.tokenForCall())) else null
        val challenge = response.header("WWW-Authenticate")
        val nonce = response.header("DPoP-Nonce")
        if (nonce != null) {
            credentials.rememberDpopNonce(url, nonce)
            if (!attempt.nonceRetried && challenge?.contains("use_dpop_nonce") == true) {
                return credentials.sign(request, Attempt(attempt.token, nonceRetried = true, tokenRetried = attempt.tokenRetried))
            }
        }
        if (attempt.tokenRetried) return null
        credentials.invalidate(attempt.token, challenge)
        val fresh = credentials.tokenForCall()
        if (fresh.accessToken == attempt.token.accessToken) return null
        return credentials.sign(request, Attempt(fresh, nonceRetried = attempt.nonceRetried, tokenRetried = true))
    }
}
