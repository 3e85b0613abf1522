package dev.ccauth.okhttp

import dev.ccauth.ClientCredentials
import okhttp3.Interceptor
import okhttp3.Response

/**
 * Adds the token to every call (`Authorization`, plus a `DPoP` proof for a
 * DPoP-bound token) and remembers the resource server's `DPoP-Nonce`. An
 * application interceptor: pair it with [CcauthAuthenticator] for the 401
 * retry (see [ccauth]).
 */
class CcauthInterceptor(private val credentials: ClientCredentials) : Interceptor {
    override fun intercept(chain: Interceptor.Chain): Response {
        val request = chain.request()
        val response = chain.proceed(credentials.sign(request, Attempt(credentials.tokenForCall())))
        response.header("DPoP-Nonce")?.let { credentials.rememberDpopNonce(request.url.toString(), it) }
        return response
    }
}
