package dev.ccauth

import java.io.IOException
import java.net.ConnectException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.net.http.HttpTimeoutException
import java.security.SecureRandom
import java.time.Duration
import javax.net.ssl.SSLException
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import uniffi.ccauth_ffi.FetchOutcome
import uniffi.ccauth_ffi.FetchTicket
import uniffi.ccauth_ffi.Header
import uniffi.ccauth_ffi.TokenDecision
import uniffi.ccauth_ffi.TokenLifecycle
import uniffi.ccauth_ffi.TransportKind

/**
 * An OAuth 2.0 client credentials client: tokens cached, refreshed ahead of
 * expiry, fetched once for any number of concurrent coroutines or threads.
 *
 * ```
 * val client = ClientCredentials(ClientCredentialsOptions(tokenEndpoint, clientId, clientSecret, scopes = listOf("api.read")))
 * val header = client.authorizationHeader()   // "Bearer eyJ…"
 * ```
 *
 * The core decides who fetches, who waits, when to refresh and when to retry;
 * this class sends requests with `java.net.http.HttpClient`, reads the clock
 * and wakes waiters. Options are validated at once ([CcauthError.Config]).
 */
class ClientCredentials @JvmOverloads constructor(
    options: ClientCredentialsOptions,
    private val http: HttpClient = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER) // a redirect would resend the credentials elsewhere
        .connectTimeout(Duration.ofSeconds(10))
        .build(),
    /** A token request that takes longer counts as timed out. */
    private val timeout: Duration = Duration.ofSeconds(10),
) : AutoCloseable {
    private val lifecycle: TokenLifecycle =
        translated { TokenLifecycle(options.toConfigJson(), SecureRandom().nextLong().toULong()) }

    /** Background refreshes run here; [close] cancels them. */
    private val background = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    private val lock = Any()

    /** Completed (and replaced) whenever a fetch reports: waiters re-poll. */
    @Volatile private var changed = CompletableDeferred<Unit>()

    /**
     * The core's last "ready" answer, memoized: the core answers "ready" with
     * the same token until its refresh time, so asking again inside that
     * window would only cost a call into Rust.
     */
    @Volatile private var memo: Memo? = null

    private class Memo(val token: AccessToken, val from: Long, val until: Long)

    /** A valid token: cached, or fetched once for every concurrent caller. */
    suspend fun token(): AccessToken {
        while (true) {
            val signal = changed
            val now = System.currentTimeMillis()
            memo?.let { if (now >= it.from && now < it.until) return it.token }
            when (val d = lifecycle.poll(now.toULong())) {
                is TokenDecision.Ready -> return remember(AccessToken.of(d.token, d.info), signal)
                is TokenDecision.Fetch -> fetch(d.ticket)
                is TokenDecision.RefreshAhead -> {
                    background.launch { fetch(d.ticket) }
                    return AccessToken.of(d.token, d.info)
                }
                is TokenDecision.Wait -> {
                    val waitMs = (d.untilMs.toLong() - System.currentTimeMillis()).coerceIn(1, 1_000)
                    withTimeoutOrNull(waitMs) { signal.await() }
                }
                is TokenDecision.Failed -> throw CcauthError.of(d.error)
            }
        }
    }

    /** [token] for blocking callers (a thread waits; still one fetch for all). */
    fun tokenBlocking(): AccessToken {
        memo?.let { val now = System.currentTimeMillis(); if (now >= it.from && now < it.until) return it.token }
        return runBlocking { token() }
    }

    /** The `Authorization` header value, e.g. `Bearer eyJ…`. */
    suspend fun authorizationHeader(): String = token().authorization

    /** [authorizationHeader] for blocking callers. */
    fun authorizationHeaderBlocking(): String = tokenBlocking().authorization

    /**
     * The API rejected [token] (with this `WWW-Authenticate`). Returns whether
     * the core dropped it (then the next call fetches a new one); an
     * `insufficient_scope` challenge keeps it.
     */
    fun invalidate(token: AccessToken, wwwAuthenticate: String? = null): Boolean {
        rotate(null)
        return lifecycle.invalidate(token.accessToken, wwwAuthenticate)
    }

    /** The cached token as a versioned JSON document (it holds the token: store it like a secret). */
    fun exportToken(): String? = lifecycle.exportToken()

    /** Loads a document from [exportToken]; throws [CcauthError.TokenDocument] if expired, foreign or malformed. */
    fun importToken(document: String): AccessToken {
        rotate(null)
        return translated { AccessToken.of(lifecycle.importToken(document, System.currentTimeMillis().toULong())) }
    }

    /** The cache key (endpoint, client id, method, scopes; no secret). */
    override fun toString(): String = "ClientCredentials(cacheKey=${lifecycle.cacheKey()})"

    /** Cancels background refreshes and frees the native lifecycle. */
    override fun close() {
        background.cancel()
        lifecycle.close()
    }

    private fun remember(token: AccessToken, signal: CompletableDeferred<Unit>): AccessToken {
        synchronized(lock) {
            // Only if no fetch or invalidation reported since this poll.
            if (changed === signal) memo = Memo(token, token.issuedAt.toEpochMilli() - CLOCK_STEP_MS, token.refreshAt.toEpochMilli())
        }
        return token
    }

    /** Wakes every waiter; a new token is what the core will answer "ready" with. */
    private fun rotate(token: AccessToken?) {
        val old: CompletableDeferred<Unit>
        synchronized(lock) {
            old = changed
            changed = CompletableDeferred()
            memo = token?.let { Memo(it, it.issuedAt.toEpochMilli() - CLOCK_STEP_MS, it.refreshAt.toEpochMilli()) }
        }
        old.complete(Unit)
    }

    /** Sends one ticket's request and reports the outcome to the core. */
    private suspend fun fetch(ticket: FetchTicket) {
        var token: AccessToken? = null
        try {
            val outcome = try {
                val request = ticket.request
                val builder = HttpRequest.newBuilder(URI.create(ticket.url))
                    .timeout(timeout)
                    .method(ticket.method, HttpRequest.BodyPublishers.ofByteArray(request.body()))
                request.headers().forEach { builder.header(it.name, it.value) }
                val response = http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofByteArray()).await()
                val headers = response.headers().map().flatMap { (name, values) -> values.map { Header(name, it) } }
                lifecycle.handleResponse(ticket.id, response.statusCode().toUShort(), headers, response.body(), nowMs())
            } catch (e: CancellationException) {
                lifecycle.handleTransportError(ticket.id, TransportKind.OTHER, "cancelled", nowMs())
                throw e
            } catch (e: Exception) {
                val kind = when (e) {
                    is HttpTimeoutException -> TransportKind.TIMEOUT
                    is ConnectException -> TransportKind.CONNECT
                    is SSLException -> TransportKind.TLS
                    is IOException -> if (e.cause is ConnectException) TransportKind.CONNECT else TransportKind.OTHER
                    else -> TransportKind.OTHER
                }
                // The class name only: a message could quote a header.
                lifecycle.handleTransportError(ticket.id, kind, e.javaClass.simpleName, nowMs())
            }
            if (outcome is FetchOutcome.Token) token = AccessToken.of(outcome.token, outcome.info)
        } finally {
            rotate(token)
        }
    }

    private companion object {
        /** The core trusts a token from 5 s before its issue time (clock steps back). */
        const val CLOCK_STEP_MS = 5_000L

        fun nowMs(): ULong = System.currentTimeMillis().toULong()
    }
}
