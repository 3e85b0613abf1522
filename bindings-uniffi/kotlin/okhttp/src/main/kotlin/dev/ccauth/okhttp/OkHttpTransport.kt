package dev.ccauth.okhttp

import dev.ccauth.HttpTransport
import java.io.InterruptedIOException
import java.net.SocketTimeoutException
import java.util.concurrent.TimeUnit
import okhttp3.MediaType.Companion.toMediaTypeOrNull
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody

/**
 * Token, discovery, revocation and introspection requests through the app's
 * [OkHttpClient] (its connection pool, proxy, TLS and certificate pinning):
 * `ClientCredentials(options, OkHttpTransport(okHttp))`. Redirects are turned
 * off (they would resend the credentials elsewhere). Give it a client
 * *without* [CcauthInterceptor]: a token request must not ask for a token.
 */
class OkHttpTransport(client: OkHttpClient) : HttpTransport {
    private val client = client.newBuilder().followRedirects(false).followSslRedirects(false).build()

    override fun send(request: HttpTransport.Request): HttpTransport.Response {
        val contentType = request.headers.firstOrNull { it.first.equals("content-type", ignoreCase = true) }?.second
        val builder = Request.Builder().url(request.url)
            .method(request.method, request.body?.toRequestBody(contentType?.toMediaTypeOrNull()))
        request.headers.forEach { (name, value) -> builder.addHeader(name, value) }
        val call = client.newCall(builder.build())
        call.timeout().timeout(request.timeout.toMillis(), TimeUnit.MILLISECONDS)
        try {
            call.execute().use { response ->
                return HttpTransport.Response(response.code, response.headers.toList(), response.body?.bytes() ?: ByteArray(0))
            }
        } catch (e: SocketTimeoutException) {
            throw e
        } catch (e: InterruptedIOException) {
            // OkHttp's call timeout: the transport contract's timeout type, so the core classifies it.
            throw SocketTimeoutException("call timeout").apply { initCause(e) }
        }
    }
}
