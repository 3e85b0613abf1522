package dev.ccauth.okhttp

import dev.ccauth.HttpTransport
import dev.ccauth.TransportException
import okhttp3.Interceptor
import okhttp3.MediaType.Companion.toMediaTypeOrNull
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import java.io.IOException
import java.io.InterruptedIOException
import java.net.SocketTimeoutException
import java.util.concurrent.TimeUnit

/**
 * Token, discovery, revocation and introspection requests through the app's
 * [OkHttpClient] (its connection pool, proxy, TLS and certificate pinning):
 * `ClientCredentials(config, OkHttpTransport(okHttp))`. Redirects are turned
 * off (they would resend the credentials elsewhere). Give it a client
 * *without* [CcauthInterceptor]: a token request must not ask for a token.
 *
 * A body is read up to [HttpTransport.Request.maxResponseBytes]` + 1` bytes;
 * a longer one, or a `Content-Length` above the limit, cancels the call (the
 * connection is closed, never drained).
 */
class OkHttpTransport(
    client: OkHttpClient,
) : HttpTransport {
    private val client =
        client
            .newBuilder()
            .followRedirects(false)
            .followSslRedirects(false)
            // Runs once a connection is up (DNS, TCP, TLS done): from here on the request is being sent.
            .addNetworkInterceptor(
                Interceptor { chain ->
                    chain.request().tag(Progress::class.java)?.sent = true
                    chain.proceed(chain.request())
                },
            ).build()

    /** Whether the request got past connecting, per call. */
    private class Progress {
        @Volatile var sent = false
    }

    override fun send(request: HttpTransport.Request): HttpTransport.Response {
        val contentType = request.headers.firstOrNull { it.first.equals("content-type", ignoreCase = true) }?.second
        val progress = Progress()
        val builder =
            Request
                .Builder()
                .url(request.url)
                .tag(Progress::class.java, progress)
                .method(request.method, request.body?.toRequestBody(contentType?.toMediaTypeOrNull()))
        request.headers.forEach { (name, value) -> builder.addHeader(name, value) }
        val call = client.newCall(builder.build())
        call.timeout().timeout(request.timeoutMs, TimeUnit.MILLISECONDS)
        val limit = request.maxResponseBytes
        try {
            call.execute().use { response ->
                val headers = response.headers.toList()
                val body = response.body
                if (body == null || HttpTransport.declaresMoreThan(headers, limit)) {
                    call.cancel() // before close(): closing an unread body would read on (up to 100 ms) to reuse the connection
                    return HttpTransport.Response(response.code, headers, ByteArray(0))
                }
                val source = body.source()
                val whole = !source.request(limit.coerceAtMost(Long.MAX_VALUE - 1) + 1) // false: ended within the limit
                val bytes = source.buffer.readByteArray(minOf(source.buffer.size, limit + 1))
                if (!whole) call.cancel() // too large: the rest is never read
                return HttpTransport.Response(response.code, headers, bytes)
            }
        } catch (e: SocketTimeoutException) {
            throw TransportException.classify(e, if (progress.sent) true else false)
        } catch (e: InterruptedIOException) {
            // OkHttp's call timeout ("timeout"), or an interrupted thread.
            throw TransportException(TransportException.Kind.TIMEOUT, "InterruptedIOException", progress.sent, e)
        } catch (e: IOException) {
            throw TransportException.classify(e, progress.sent)
        }
    }
}
