package dev.ccauth.okhttp

import dev.ccauth.ClientCredentials
import dev.ccauth.ffi.ApiVerdict
import okhttp3.Authenticator
import okhttp3.Request
import okhttp3.Response
import okhttp3.Route

/**
 * OkHttp's answer to a 401: the core reads the response
 * ([ClientCredentials.apiResponse]: it keeps a `DPoP-Nonce`, parses the
 * challenge, drops a token the challenge condemns) and says whether to resend:
 * - once with the API's nonce and the same token (`use_dpop_nonce`, RFC 9449 §9);
 * - once with a new token, when it dropped the token (not for
 *   `insufficient_scope`); the answer to that resend stands.
 * A request sent without [CcauthInterceptor] and without `Authorization` gets
 * the token on its 401. OkHttp itself never resends a one-shot body.
 */
class CcauthAuthenticator(
    private val credentials: ClientCredentials,
) : Authenticator {
    override fun authenticate(
        route: Route?,
        response: Response,
    ): Request? {
        val request = response.request
        val attempt =
            request.tag(Attempt::class.java)
                ?: return if (response.code == 401 && request.header("Authorization") == null) credentials.sign(request, Attempt(credentials.tokenForCall())) else null
        attempt.answered = true
        val verdict = credentials.apiResponse(attempt.token, request.url.toString(), answer(response), attempt.nonceRetried)
        if (attempt.tokenRetried) return null // read for its nonce only: no third send
        return when (verdict) {
            ApiVerdict.RETRY_WITH_NONCE -> credentials.sign(request, Attempt(attempt.token, nonceRetried = true))
            ApiVerdict.RETRY_WITH_NEW_TOKEN -> credentials.sign(request, Attempt(credentials.tokenForCall(), attempt.nonceRetried, tokenRetried = true))
            ApiVerdict.DONE -> null
        }
    }
}
