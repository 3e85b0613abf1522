package dev.ccauth

import java.io.IOException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpConnectTimeoutException
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.net.http.HttpTimeoutException
import java.nio.ByteBuffer
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.ExecutionException
import java.util.concurrent.Flow
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicReference

/**
 * An [HttpTransport] on `java.net.http.HttpClient` (JVM 11+ only: Android has
 * no java.net.http, and never loads this class unless an app names it). Pass
 * your own [http] for proxies, mutual TLS or an executor; the default never
 * follows redirects, and one given here must not either.
 *
 * The body is collected up to [HttpTransport.Request.maxResponseBytes]` + 1`
 * bytes, then the subscription is cancelled (the client closes the
 * connection); a `Content-Length` above the limit cancels it before the first
 * byte. [HttpTransport.Request.timeoutMs] bounds the whole exchange, body included.
 */
@JvmOnly
class JdkHttpTransport
    @JvmOverloads
    constructor(
        private val http: HttpClient =
            HttpClient
                .newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build(),
    ) : HttpTransport {
        override fun send(request: HttpTransport.Request): HttpTransport.Response {
            val limit = request.maxResponseBytes
            // Whether the request went out: the body publisher is subscribed once the
            // headers are written, the body handler called once the response's arrived.
            val sent = AtomicBoolean(false)
            val body = request.body
            val publisher = Published(if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofByteArray(body), sent)
            val builder = HttpRequest.newBuilder(URI.create(request.url)).timeout(Duration.ofMillis(request.timeoutMs.coerceAtLeast(1))).method(request.method, publisher)
            request.headers.forEach { (name, value) -> builder.header(name, value) }
            val subscriber = AtomicReference<Limited?>()
            val future =
                http.sendAsync(builder.build()) { info ->
                    sent.set(true)
                    val declared = info.headers().firstValueAsLong("content-length").orElse(-1)
                    Limited(if (declared > limit) -1 else limit).also { subscriber.set(it) }
                }
            val response =
                try {
                    future.get(request.timeoutMs.coerceAtLeast(1), TimeUnit.MILLISECONDS)
                } catch (e: TimeoutException) {
                    future.cancel(true)
                    subscriber.get()?.abort()
                    // The request's timeout, stretched over the body: named as the client's own.
                    throw TransportException(TransportException.Kind.TIMEOUT, "HttpTimeoutException", hint(sent), e)
                } catch (e: InterruptedException) {
                    future.cancel(true)
                    subscriber.get()?.abort()
                    throw e
                } catch (e: ExecutionException) {
                    throw when (val cause = e.cause ?: e) {
                        is HttpConnectTimeoutException -> TransportException(TransportException.Kind.TIMEOUT, "HttpConnectTimeoutException", false, cause)
                        is HttpTimeoutException -> TransportException(TransportException.Kind.TIMEOUT, "HttpTimeoutException", hint(sent), cause)
                        is IOException -> TransportException.classify(cause, hint(sent))
                        else -> cause
                    }
                }
            val headers = response.headers().map().flatMap { (name, values) -> values.map { name to it } }
            return HttpTransport.Response(response.statusCode(), headers, response.body())
        }

        /** True once known sent; unknown otherwise (a GET has no body to subscribe to). */
        private fun hint(sent: AtomicBoolean): Boolean? = if (sent.get()) true else null

        /** A request body publisher that records its subscription (the headers are out by then). */
        @JvmOnly
        private class Published(
            private val delegate: HttpRequest.BodyPublisher,
            private val sent: AtomicBoolean,
        ) : HttpRequest.BodyPublisher {
            override fun contentLength(): Long = delegate.contentLength()

            override fun subscribe(subscriber: Flow.Subscriber<in ByteBuffer>) {
                sent.set(true)
                delegate.subscribe(subscriber)
            }
        }

        /**
         * Collects at most `limit + 1` bytes, then cancels the subscription (the
         * connection is closed, never drained). A negative limit cancels at once
         * (a declared length above the limit): the body is empty.
         */
        @JvmOnly
        private class Limited(
            private val limit: Long,
        ) : HttpResponse.BodySubscriber<ByteArray> {
            private val result = CompletableFuture<ByteArray>()
            private val cap = if (limit < 0) 0 else (limit.coerceAtMost(Int.MAX_VALUE - 16L) + 1).toInt()
            private var buffer = ByteArray(minOf(cap, 16 * 1024))
            private var size = 0

            @Volatile private var subscription: Flow.Subscription? = null

            override fun getBody(): CompletionStage<ByteArray> = result

            override fun onSubscribe(subscription: Flow.Subscription) {
                this.subscription = subscription
                if (limit < 0) {
                    subscription.cancel()
                    result.complete(ByteArray(0))
                } else {
                    subscription.request(1)
                }
            }

            override fun onNext(items: List<ByteBuffer>) {
                if (result.isDone) return
                for (item in items) {
                    val n = minOf(item.remaining(), cap - size)
                    if (size + n > buffer.size) buffer = buffer.copyOf(minOf(cap.toLong(), maxOf(buffer.size * 2L, (size + n).toLong())).toInt())
                    item.get(buffer, size, n)
                    size += n
                    if (size >= cap) {
                        subscription?.cancel()
                        result.complete(buffer.copyOf(size))
                        return
                    }
                }
                subscription?.request(1)
            }

            override fun onError(throwable: Throwable) {
                result.completeExceptionally(throwable)
            }

            override fun onComplete() {
                result.complete(buffer.copyOf(size))
            }

            fun abort() {
                subscription?.cancel()
            }
        }
    }
