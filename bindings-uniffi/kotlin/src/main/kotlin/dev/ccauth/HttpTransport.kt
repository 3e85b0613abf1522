package dev.ccauth

import java.io.IOException
import java.time.Duration

/**
 * How ccauth reaches the token, discovery, revocation and introspection
 * endpoints: one blocking exchange. [UrlConnectionTransport] (the default)
 * works on the JVM and Android; [JdkHttpTransport] (JVM only) takes a
 * `java.net.http.HttpClient`; the `ccauth-okhttp` artifact's `OkHttpTransport`
 * takes an `OkHttpClient`.
 *
 * ccauth calls [send] on `Dispatchers.IO` and interrupts it when the caller is
 * cancelled. An implementation must not follow redirects (they would resend
 * the credentials elsewhere). No response is an [IOException]; the core tells
 * [java.net.SocketTimeoutException] (timeout), [java.net.ConnectException]
 * and [javax.net.ssl.SSLException] (TLS) apart from the rest.
 */
interface HttpTransport {
    @Throws(IOException::class)
    fun send(request: Request): Response

    /** A request the core built. [headers] and [body] may hold credentials: [toString] leaves them out. */
    class Request(
        val method: String,
        val url: String,
        val headers: List<Pair<String, String>>,
        /** `null` for a request without a body (GET). */
        val body: ByteArray?,
        /** The whole exchange should take no longer. */
        val timeout: Duration,
    ) {
        override fun toString(): String = "HttpTransport.Request($method $url)"
    }

    /** The response, whatever its status; [headers] keep repeated names. */
    class Response(val status: Int, val headers: List<Pair<String, String>>, val body: ByteArray) {
        override fun toString(): String = "HttpTransport.Response($status, ${body.size} bytes)"
    }
}
