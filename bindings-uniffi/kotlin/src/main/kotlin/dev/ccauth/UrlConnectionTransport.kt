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
 * [HttpTransport.Request.timeout] bounds the connect and each read.
 */
class UrlConnectionTransport @JvmOverloads constructor(
    private val proxy: Proxy? = null,
    private val configure: ((HttpURLConnection) -> Unit)? = null,
) : HttpTransport {
    override fun send(request: HttpTransport.Request): HttpTransport.Response {
        val url = URL(request.url)
        val connection = (if (proxy == null) url.openConnection() else url.openConnection(proxy)) as HttpURLConnection
        val ms = request.timeout.toMillis().coerceIn(1, Int.MAX_VALUE.toLong()).toInt()
        connection.connectTimeout = ms
        connection.readTimeout = ms
        connection.instanceFollowRedirects = false // a redirect would resend the credentials elsewhere
        connection.useCaches = false
        connection.requestMethod = request.method
        request.headers.forEach { (name, value) -> connection.addRequestProperty(name, value) }
        configure?.invoke(connection)
        // Not setFixedLengthStreamingMode: the JDK then throws on a 401 (an
        // invalid_client answer) instead of returning it. Bodies are small.
        request.body?.let { body ->
            connection.doOutput = true
            connection.outputStream.use { it.write(body) }
        }
        val status = try {
            connection.responseCode
        } catch (e: IOException) {
            connection.disconnect()
            throw e
        }
        val headers = connection.headerFields.flatMap { (name, values) ->
            if (name == null) emptyList() else values.map { name to it } // null: the status line
        }
        // Read to the end and close: the connection goes back to the keep-alive pool.
        val stream = if (status >= 400) connection.errorStream else connection.inputStream
        val body = stream?.use { it.readBytes() } ?: ByteArray(0)
        return HttpTransport.Response(status, headers, body)
    }
}
