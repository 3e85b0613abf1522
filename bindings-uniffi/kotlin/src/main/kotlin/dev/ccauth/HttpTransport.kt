package dev.ccauth

import java.io.EOFException
import java.io.IOException
import java.io.InputStream
import java.net.ConnectException
import java.net.NoRouteToHostException
import java.net.PortUnreachableException
import java.net.SocketTimeoutException
import java.net.UnknownHostException
import javax.net.ssl.SSLException
import javax.net.ssl.SSLHandshakeException
import javax.net.ssl.SSLPeerUnverifiedException

/**
 * How ccauth reaches the token, discovery, revocation and introspection
 * endpoints: one blocking exchange. [UrlConnectionTransport] (the default)
 * works on the JVM and Android; [JdkHttpTransport] (JVM only) takes a
 * `java.net.http.HttpClient`; the `ccauth-okhttp` artifact's `OkHttpTransport`
 * takes an `OkHttpClient`.
 *
 * ccauth calls [send] on `Dispatchers.IO` and interrupts it when the caller is
 * cancelled. An implementation must not follow redirects (they would resend
 * the credentials elsewhere), and should read at most
 * [Request.maxResponseBytes]` + 1` body bytes ([readAtMost]), closing the
 * connection instead of draining the rest; a `Content-Length` above the limit
 * means no body read at all (hand back an empty one: the core refuses the
 * response from its headers).
 *
 * No response is an [IOException]: ideally a [TransportException] saying
 * what failed and whether the request had been written; any other
 * IOException is classified from its type ([TransportException.classify]).
 */
interface HttpTransport {
    @Throws(IOException::class)
    fun send(request: Request): Response

    /** A request the core built. [headers] and [body] may hold credentials: [toString] leaves them out. */
    class Request
        @JvmOverloads
        constructor(
            val method: String,
            val url: String,
            val headers: List<Pair<String, String>>,
            /** `null` for a request without a body (GET). */
            val body: ByteArray?,
            /** The whole exchange should take no longer, in milliseconds. */
            val timeoutMs: Long,
            /**
             * The largest response body the core accepts. Read at most one byte
             * more (so the core sees it is too large), then close the connection.
             */
            val maxResponseBytes: Long = DEFAULT_MAX_RESPONSE_BYTES,
        ) {
            override fun toString(): String = "HttpTransport.Request($method $url)"
        }

    /** The response, whatever its status; [headers] keep repeated names. */
    class Response(
        val status: Int,
        val headers: List<Pair<String, String>>,
        val body: ByteArray,
    ) {
        override fun toString(): String = "HttpTransport.Response($status, ${body.size} bytes)"
    }

    companion object {
        /** The core's default size limit (1 MiB), for replies read before a config exists (discovery). */
        @JvmField
        val DEFAULT_MAX_RESPONSE_BYTES: Long =
            dev.ccauth.ffi
                .defaultMaxResponseBytes()
                .coerceAtMost(Long.MAX_VALUE.toULong())
                .toLong()

        /**
         * Reads [input] to its end or until it gave more than [limit] bytes,
         * whichever comes first: at most `limit + 1` bytes are read and
         * returned. A result longer than [limit] means the body is too large:
         * close the connection without reading (draining) the rest.
         */
        @JvmStatic
        @JvmOverloads
        @Throws(IOException::class)
        fun readAtMost(
            input: InputStream,
            limit: Long,
            sizeHint: Long = -1,
        ): ByteArray {
            val cap = (limit.coerceIn(0, Int.MAX_VALUE - 16L) + 1).toInt()
            var buffer = ByteArray(if (sizeHint in 0 until cap) sizeHint.toInt() + 1 else minOf(cap, 16 * 1024))
            var size = 0
            while (size < cap) {
                if (size == buffer.size) buffer = buffer.copyOf(minOf(cap.toLong(), buffer.size * 2L).toInt())
                val n = input.read(buffer, size, buffer.size - size)
                if (n < 0) break
                size += n
            }
            return if (size == buffer.size) buffer else buffer.copyOf(size)
        }

        /** Whether [headers] declare a `Content-Length` above [limit] (then read no body at all). */
        @JvmStatic
        fun declaresMoreThan(
            headers: List<Pair<String, String>>,
            limit: Long,
        ): Boolean = headers.any { (name, value) -> name.equals("content-length", ignoreCase = true) && (value.trim().toLongOrNull() ?: -1) > limit }
    }
}

/**
 * An exchange that got no (complete) response, as a transport reports it:
 * what failed, the platform's short name for it ([causeName]: an exception's
 * simple class name such as `ConnectException`, `UnknownHostException`,
 * `SocketTimeoutException`, `SSLHandshakeException`) and whether the request
 * had been written ([requestSent]; `false` for DNS, connect and TLS failures,
 * `true` once it was on the wire, `null` when unknown). The message holds the
 * kind and [causeName] only: an exception's own message can quote a host or a header.
 */
class TransportException(
    val kind: Kind,
    val causeName: String,
    val requestSent: Boolean?,
    cause: Throwable? = null,
) : IOException("${kind.code}: $causeName", cause) {
    /** What failed: [code] as the core spells it, [description] for messages. */
    enum class Kind(
        val code: String,
        val description: String,
    ) {
        /** No response in time. */
        TIMEOUT("timeout", "no response in time"),

        /** No connection: DNS, refused, unreachable. */
        CONNECT("connect", "could not connect"),

        /** TLS handshake or certificate failure. */
        TLS("tls", "TLS handshake failed"),

        /** The connection was reset or closed after the request was sent (or while reading the response). */
        RESET("reset", "connection reset or closed"),

        /** Anything else. */
        OTHER("other", "the request failed"),
    }

    companion object {
        /**
         * Classifies [error] from its type (and its causes'): [requestSent] is
         * what the transport knows of its progress (`null`: unknown). A
         * DNS, connect or TLS handshake failure never sent the request,
         * whatever [requestSent] says; a reset or close after sending is
         * [Kind.RESET], before it [Kind.CONNECT].
         */
        @JvmStatic
        fun classify(
            error: Throwable,
            requestSent: Boolean?,
        ): TransportException {
            if (error is TransportException) return error
            val chain = generateSequence(error) { it.cause }.take(8).toList()
            chain
                .firstOrNull { it is UnknownHostException || it is ConnectException || it is NoRouteToHostException || it is PortUnreachableException }
                ?.let { return TransportException(Kind.CONNECT, nameOf(it), false, error) }
            chain
                .firstOrNull { it is SSLHandshakeException || it is SSLPeerUnverifiedException || it is java.security.cert.CertificateException }
                ?.let { return TransportException(Kind.TLS, nameOf(it), false, error) }
            chain.firstOrNull { it is SocketTimeoutException }?.let {
                // HttpURLConnection and OkHttp: "connect timed out" / "Connect timed out".
                val connecting = requestSent == false || it.message?.contains("connect timed out", ignoreCase = true) == true
                return TransportException(Kind.TIMEOUT, nameOf(it), if (connecting) false else requestSent, error)
            }
            // The most specific of the chain (the JDK client wraps a SocketException in a plain IOException).
            chain.filter { isReset(it) }.let { resets -> resets.firstOrNull { it.javaClass != IOException::class.java } ?: resets.firstOrNull() }?.let {
                return if (requestSent == false) {
                    TransportException(Kind.CONNECT, nameOf(it), false, error)
                } else {
                    TransportException(Kind.RESET, nameOf(it), requestSent, error)
                }
            }
            chain.firstOrNull { it is SSLException }?.let { return TransportException(Kind.TLS, nameOf(it), requestSent, error) }
            return TransportException(Kind.OTHER, nameOf(error), requestSent, error)
        }

        private val resetWords = listOf("reset", "broken pipe", "closed", "end of stream", "end of file", "eof", "received no bytes", "abort")

        /** A connection the peer reset or closed: java.net's, the JDK client's and OkHttp's spellings. */
        private fun isReset(e: Throwable): Boolean {
            if (e is EOFException) return true
            val message = e.message?.lowercase() ?: return false
            return e is IOException && resetWords.any { message.contains(it) }
        }

        /** The simple class name (an anonymous class's named superclass). */
        internal fun nameOf(e: Throwable): String {
            var c: Class<*>? = e.javaClass
            while (c != null && c.simpleName.isEmpty()) c = c.superclass
            return c?.simpleName ?: "Throwable"
        }
    }
}
