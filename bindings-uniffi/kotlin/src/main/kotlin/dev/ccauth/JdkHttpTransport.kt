package dev.ccauth

import java.net.SocketTimeoutException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.net.http.HttpTimeoutException
import java.time.Duration

/**
 * An [HttpTransport] on `java.net.http.HttpClient` (JVM 11+ only: Android has
 * no java.net.http, and never loads this class unless an app names it). Pass
 * your own [http] for proxies, mutual TLS or an executor; the default never
 * follows redirects, and one given here must not either.
 */
@JvmOnly
class JdkHttpTransport @JvmOverloads constructor(
    private val http: HttpClient = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(10))
        .build(),
) : HttpTransport {
    override fun send(request: HttpTransport.Request): HttpTransport.Response {
        val body = request.body
        val builder = HttpRequest.newBuilder(URI.create(request.url)).timeout(request.timeout)
            .method(request.method, if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofByteArray(body))
        request.headers.forEach { (name, value) -> builder.header(name, value) }
        val response = try {
            http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray())
        } catch (e: HttpTimeoutException) {
            // The contract's timeout type, so the core classifies it (the JDK's is its own).
            throw SocketTimeoutException(e.javaClass.simpleName)
        }
        val headers = response.headers().map().flatMap { (name, values) -> values.map { name to it } }
        return HttpTransport.Response(response.statusCode(), headers, response.body())
    }
}
