package dev.ccauth

import java.security.SecureRandom
import java.time.Duration
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.runInterruptible
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import uniffi.ccauth_ffi.CcauthException
import uniffi.ccauth_ffi.FetchOutcome
import uniffi.ccauth_ffi.FetchTicket
import uniffi.ccauth_ffi.Header
import uniffi.ccauth_ffi.TokenDecision
import uniffi.ccauth_ffi.MetadataCache
import uniffi.ccauth_ffi.MetadataKind
import uniffi.ccauth_ffi.TokenLifecycle
import uniffi.ccauth_ffi.TokenRequest
import uniffi.ccauth_ffi.TokenTypeHint
import uniffi.ccauth_ffi.TransportKind
import uniffi.ccauth_ffi.buildIntrospectionRequest
import uniffi.ccauth_ffi.buildMetadataRequest
import uniffi.ccauth_ffi.buildRevocationRequest
import uniffi.ccauth_ffi.generateDpopKey
import uniffi.ccauth_ffi.parseIntrospectionResponse
import uniffi.ccauth_ffi.parseMetadataResponse
import uniffi.ccauth_ffi.parseRevocationResponse

/** What the server says of a token (RFC 7662). [fields] holds every member it sent. */
class Introspection(
    val active: Boolean,
    val scope: String?,
    val clientId: String?,
    /** Expiry, Unix seconds. */
    val exp: Long?,
    val tokenType: String?,
    val fields: JsonObject,
) {
    override fun toString(): String = "Introspection(active=$active, clientId=$clientId, scope=$scope)"
}

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
 * this class sends requests through an [HttpTransport] (default:
 * [UrlConnectionTransport], which Android has too), reads the clock and wakes
 * waiters. Options are validated at once ([CcauthError.Config]).
 */
class ClientCredentials private constructor(
    options: ClientCredentialsOptions,
    private val transport: HttpTransport,
    private val timeout: Duration,
    discovered: Pair<String, String>?,
) : AutoCloseable {
    @JvmOverloads constructor(
        options: ClientCredentialsOptions,
        transport: HttpTransport = UrlConnectionTransport(),
        /** A token request that takes longer counts as timed out. */
        timeout: Duration = Duration.ofSeconds(10),
    ) : this(options, transport, timeout, null)

    /** The config document (it holds the credentials): for revocation and introspection requests. */
    private val document: String = options.toConfigJson(
        dpopKeyJson = if (options.dpop && options.dpopKey == null) configured { generateDpopKey(randomBytes(32)) } else null,
        issuer = discovered?.first,
        metadataJson = discovered?.second,
    )
    private val clientAssertion = options.clientAssertion
    private val metadata = discovered?.second?.let { Json.parseToJsonElement(it).jsonObject }
    private val revocationEndpoint = options.revocationEndpoint ?: metadata?.get("revocation_endpoint")?.jsonPrimitive?.contentOrNull
    private val introspectionEndpoint = options.introspectionEndpoint ?: metadata?.get("introspection_endpoint")?.jsonPrimitive?.contentOrNull

    private val lifecycle: TokenLifecycle =
        configured {
            TokenLifecycle(document, SecureRandom().nextLong().toULong()).also {
                // Randomness for signatures (jti, salts): the platform's CSPRNG.
                it.seedEntropy(randomBytes(32))
            }
        }

    /** The largest reply body the core accepts (token, revocation, introspection): transports read one byte more at most. */
    private val maxResponseBytes: Long = lifecycle.maxResponseBytes().coerceAtMost(Long.MAX_VALUE.toULong()).toLong()

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
        // The core first, then the memo: a caller that polled the core before
        // the drop holds the old signal, so it cannot memoize the dropped token.
        val dropped = lifecycle.invalidate(token.accessToken, wwwAuthenticate)
        rotate(null)
        return dropped
    }

    /**
     * The headers for an API call with a given [token] (one this client
     * returned): to resend a request with the same token and a fresh DPoP proof.
     */
    fun authorizationHeadersFor(token: AccessToken, method: String, url: String): Map<String, String> {
        if (!token.tokenType.equals("dpop", ignoreCase = true)) return mapOf("Authorization" to token.authorization)
        val proof = lifecycle.dpopProof(token.accessToken, method.uppercase(), url, nowMs())
            ?: return mapOf("Authorization" to token.authorization)
        return mapOf("Authorization" to token.authorization, "DPoP" to proof)
    }

    /**
     * The headers for an API call: `Authorization`, plus `DPoP` (a fresh proof
     * for [method] and [url]) when the token is DPoP-bound. Pass a `DPoP-Nonce`
     * the API answers to [rememberDpopNonce].
     */
    suspend fun authorizationHeaders(method: String, url: String): Map<String, String> = authorizationHeadersFor(token(), method, url)

    /** [authorizationHeaders] for blocking callers. */
    fun authorizationHeadersBlocking(method: String, url: String): Map<String, String> = authorizationHeadersFor(tokenBlocking(), method, url)

    /** Remembers a resource server's `DPoP-Nonce` for the next proofs to it. */
    fun rememberDpopNonce(url: String, nonce: String): Boolean = lifecycle.rememberDpopNonce(url, nonce)

    /** Revokes [accessToken] (RFC 7009; default: the cached one, which is then dropped so the next call fetches anew). */
    suspend fun revoke(accessToken: String? = null, hint: TokenTypeHint = TokenTypeHint.ACCESS_TOKEN) {
        val value = accessToken ?: token().accessToken
        val endpoint = revocationEndpoint ?: throw missingEndpoint("revocation")
        val request = translated { buildRevocationRequest(document, endpoint, value, hint, nowMs(), randomBytes(32)) }
        val (status, headers, body) = send(request)
        translated { parseRevocationResponse(document, status, headers, body, nowMs()) }
        rotate(null)
        lifecycle.invalidate(value, null)
    }

    /** Asks the server about [token] (RFC 7662). */
    suspend fun introspect(token: String, hint: TokenTypeHint? = null): Introspection {
        val endpoint = introspectionEndpoint ?: throw missingEndpoint("introspection")
        val request = translated { buildIntrospectionRequest(document, endpoint, token, hint, nowMs(), randomBytes(32)) }
        val (status, headers, body) = send(request)
        val fields = Json.parseToJsonElement(translated { parseIntrospectionResponse(document, status, headers, body, nowMs()) }).jsonObject
        fun text(name: String) = (fields[name] as? JsonPrimitive)?.contentOrNull
        return Introspection(
            active = (fields["active"] as? JsonPrimitive)?.booleanOrNull == true,
            scope = text("scope"),
            clientId = text("client_id"),
            exp = (fields["exp"] as? JsonPrimitive)?.longOrNull,
            tokenType = text("token_type"),
            fields = fields,
        )
    }

    private suspend fun send(request: TokenRequest): Triple<UShort, List<Header>, ByteArray> =
        exchange(transport, request.method(), request.url(), request.headers(), request.body(), timeout, maxResponseBytes)

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
            val request: TokenRequest = if (ticket.needsClientAssertion) {
                try {
                    lifecycle.requestWithAssertion(ticket.id, clientAssertion!!.invoke(), nowMs())
                } catch (e: CcauthException) {
                    return // the core failed the fetch already; every waiter gets its error
                } catch (e: CancellationException) {
                    lifecycle.handleTransportError(ticket.id, TransportKind.OTHER, "cancelled", null, null, nowMs())
                    throw e
                } catch (e: Exception) {
                    lifecycle.handleTransportError(ticket.id, TransportKind.OTHER, "the client assertion source failed", null, false, nowMs())
                    return
                }
            } else {
                ticket.request
            }
            val outcome = try {
                val response = call(transport, ticket.method, ticket.url, request.headers(), request.body(), timeout, maxResponseBytes)
                val headers = response.headers.map { (name, value) -> Header(name, value) }
                lifecycle.handleResponse(ticket.id, response.status.toUShort(), headers, response.body, nowMs())
            } catch (e: CancellationException) {
                lifecycle.handleTransportError(ticket.id, TransportKind.OTHER, "cancelled", null, null, nowMs())
                throw e
            } catch (e: Exception) {
                // The class name only: a message could quote a header.
                val failure = TransportException.classify(e, null)
                lifecycle.handleTransportError(ticket.id, failure.kind.ffi(), failure.kind.description, failure.causeName, failure.requestSent, nowMs())
            }
            if (outcome is FetchOutcome.Token) token = AccessToken.of(outcome.token, outcome.info)
        } finally {
            rotate(token)
        }
    }

    companion object {
        /** The core trusts a token from 5 s before its issue time (clock steps back). */
        private const val CLOCK_STEP_MS = 5_000L

        /** Discovered metadata by issuer, for every client in the process (kept an hour by the core). */
        private val metadataCache = MetadataCache(3_600_000uL)

        private fun nowMs(): ULong = System.currentTimeMillis().toULong()

        private fun randomBytes(n: Int): ByteArray = ByteArray(n).also { SecureRandom().nextBytes(it) }

        /** One exchange on the IO dispatcher; cancelling the caller interrupts it. */
        private suspend fun call(
            transport: HttpTransport, method: String, url: String, headers: List<Header>, body: ByteArray, timeout: Duration, limit: Long,
        ): HttpTransport.Response {
            val request = HttpTransport.Request(
                method, url, headers.map { it.name to it.value }, if (method == "GET") null else body, timeout, limit,
            )
            return runInterruptible(Dispatchers.IO) { transport.send(request) }
        }

        private fun TransportException.Kind.ffi(): TransportKind = when (this) {
            TransportException.Kind.TIMEOUT -> TransportKind.TIMEOUT
            TransportException.Kind.CONNECT -> TransportKind.CONNECT
            TransportException.Kind.TLS -> TransportKind.TLS
            TransportException.Kind.RESET -> TransportKind.RESET
            TransportException.Kind.OTHER -> TransportKind.OTHER
        }

        private fun missingEndpoint(kind: String) = CcauthError.Config(
            CcauthError.Details(
                kind = uniffi.ccauth_ffi.ErrorKind.CONFIG, code = "INVALID_PARAMETER",
                message = "INVALID_PARAMETER: invalid `${kind}Endpoint`: no $kind endpoint (set it, or use discover)",
                field = "${kind}Endpoint", reason = "no $kind endpoint (set it, or use discover)",
            ),
        )

        /** A request outside the token lifecycle (discovery, revocation, introspection): a failure is thrown here, as the core words it. */
        private suspend fun exchange(
            transport: HttpTransport, method: String, url: String, headers: List<Header>, body: ByteArray, timeout: Duration, limit: Long,
        ): Triple<UShort, List<Header>, ByteArray> {
            val response = try {
                call(transport, method, url, headers, body, timeout, limit)
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                val failure = TransportException.classify(e, null)
                throw CcauthError.Transport(
                    CcauthError.Details(
                        kind = uniffi.ccauth_ffi.ErrorKind.TRANSPORT, code = "TRANSPORT_ERROR",
                        message = failure.coreMessage(), retryable = true,
                        transportKind = failure.kind.code, causeCode = failure.causeName, requestSent = failure.requestSent,
                    ),
                )
            }
            return Triple(response.status.toUShort(), response.headers.map { (name, value) -> Header(name, value) }, response.body)
        }

        /**
         * A client from the issuer alone: fetches its metadata (RFC 8414, then
         * OpenID Connect Discovery), checks the issuer, and takes the token
         * endpoint (when [options] leaves it empty), the auth method and the
         * signing algorithm the server supports. Metadata is cached an hour.
         */
        @JvmStatic
        @JvmOverloads
        suspend fun discover(
            issuer: String,
            options: ClientCredentialsOptions,
            transport: HttpTransport = UrlConnectionTransport(),
            timeout: Duration = Duration.ofSeconds(10),
        ): ClientCredentials {
            var text = metadataCache.get(issuer, nowMs())
            var last: CcauthError? = null
            for (kind in listOf(MetadataKind.O_AUTH, MetadataKind.OPEN_ID)) {
                if (text != null) break
                val request = configured { buildMetadataRequest(issuer, kind, options.dangerAcceptInsecureHttp) }
                try {
                    val (status, headers, body) = exchange(
                        transport, "GET", request.url(), request.headers(), ByteArray(0), timeout, HttpTransport.DEFAULT_MAX_RESPONSE_BYTES,
                    )
                    text = translated { parseMetadataResponse(issuer, status, headers, body, nowMs()) }
                    metadataCache.insert(issuer, text, nowMs())
                } catch (e: CcauthError) {
                    last = e
                }
            }
            return ClientCredentials(options, transport, timeout, issuer to (text ?: throw last!!))
        }
    }
}
