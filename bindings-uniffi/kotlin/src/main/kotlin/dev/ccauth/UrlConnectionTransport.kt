package dev.ccauth

import java.io.IOException
import java.net.HttpURLConnection
import java.net.Proxy
import java.net.URL

/**
 * The default [HttpTransport], on `java.net.HttpURLConnection`: in every JVM
 * and in Android (where OkHttp implements it), with nothing to add.
 * [configure] sees each connection before it is sent (e.g. an
 * `HttpsURLConnection`'s `sslSocketFactory` for mutual TLS); [proxy] routes it.
 * [HttpTransport.Request.timeoutMs] bounds the connect and each read.
 *
 * A body is read up to [HttpTransport.Request.maxResponseBytes]` + 1` bytes;
 * a longer one, or a `Content-Length` above the limit, closes the connection
 * (`disconnect()`) without reading the rest.
 */
class UrlConnectionTransport
    @JvmOverloads
    constructor(
        private val proxy: Proxy? = null,
        private val configure: ((HttpURLConnection) -> Unit)? = null,
    ) : HttpTransport {
        override fun send(request: HttpTransport.Request): HttpTransport.Response {
            val url = URL(request.url)
            val connection = (if (proxy == null) url.openConnection() else url.openConnection(proxy)) as HttpURLConnection
            val ms = request.timeoutMs.coerceIn(1, Int.MAX_VALUE.toLong()).toInt()
            connection.connectTimeout = ms
            connection.readTimeout = ms
            connection.instanceFollowRedirects = false // a redirect would resend the credentials elsewhere
            connection.useCaches = false
            connection.requestMethod = request.method
            request.headers.forEach { (name, value) -> connection.addRequestProperty(name, value) }
            configure?.invoke(connection)
            if (request.body != null) connection.doOutput = true
            var sent = false
            try {
                connection.connect() // DNS, TCP and TLS: a failure here never sent the request
                sent = true
                // Not setFixedLengthStreamingMode: the JDK then throws on a 401 (an
                // invalid_client answer) instead of returning it. Bodies are small.
                request.body?.let { body -> connection.outputStream.use { it.write(body) } }
                val status = connection.responseCode
                val headers =
                    connection.headerFields.flatMap { (name, values) ->
                        if (name == null) emptyList() else values.map { name to it } // null: the status line
                    }
                val limit = request.maxResponseBytes
                if (HttpTransport.declaresMoreThan(headers, limit)) {
                    connection.disconnect() // a declared length above the limit: not one byte read
                    return HttpTransport.Response(status, headers, ByteArray(0))
                }
                val stream =
                    (if (status >= 400) connection.errorStream else connection.inputStream)
                        ?: return HttpTransport.Response(status, headers, ByteArray(0))
                val body = HttpTransport.readAtMost(stream, limit, connection.contentLengthLong)
                if (body.size > limit) {
                    // Too large: drop the connection (closing the stream would read on to reuse it).
                    connection.disconnect()
                } else {
                    stream.close() // read to the end: the connection goes back to the keep-alive pool
                }
                return HttpTransport.Response(status, headers, body)
            } catch (e: IOException) {
                connection.disconnect()
                throw TransportException.classify(e, sent)
            }
        }
    }
