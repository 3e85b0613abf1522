package dev.ccauth

import dev.ccauth.ffi.ApiHeaders
import dev.ccauth.ffi.ApiVerdict
import dev.ccauth.ffi.CcauthException
import dev.ccauth.ffi.ClientAuth
import dev.ccauth.ffi.ClientConfig
import dev.ccauth.ffi.ClientOptions
import dev.ccauth.ffi.ClientSecret
import dev.ccauth.ffi.Discovery
import dev.ccauth.ffi.DiscoveryStep
import dev.ccauth.ffi.FetchOutcome
import dev.ccauth.ffi.FetchTicket
import dev.ccauth.ffi.Header
import dev.ccauth.ffi.LifecycleEvent
import dev.ccauth.ffi.PrivateKey
import dev.ccauth.ffi.RefreshPolicy
import dev.ccauth.ffi.RetryPolicy
import dev.ccauth.ffi.SigningPurpose
import dev.ccauth.ffi.StoreKeys
import dev.ccauth.ffi.StoreStep
import dev.ccauth.ffi.TokenDecision
import dev.ccauth.ffi.TokenLifecycle
import dev.ccauth.ffi.TokenRequestParts
import dev.ccauth.ffi.TokenStats
import dev.ccauth.ffi.TokenTypeHint
import dev.ccauth.ffi.TransportKind
import dev.ccauth.ffi.UnsignedTokenRequest
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
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
import kotlinx.serialization.json.longOrNull
import java.security.SecureRandom
import kotlin.coroutines.cancellation.CancellationException

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
 * Server metadata from [ClientCredentials.discover] (RFC 8414 or OpenID
 * Connect Discovery), checked against [issuer]: pass both into the config,
 * `ClientConfig(ClientOptions("", clientId, auth, issuer = it.issuer, serverMetadataJson = it.json))`.
 */
class ServerMetadata internal constructor(
    val issuer: String,
    val json: String,
) {
    override fun toString(): String = "ServerMetadata(issuer=$issuer)"
}

/**
 * An OAuth 2.0 client credentials client: tokens cached, refreshed ahead of
 * expiry, fetched once for any number of concurrent coroutines or threads.
 *
 * ```
 * val client = ClientCredentials(ClientOptions(tokenEndpoint, clientId, ClientAuth.clientSecret(secret), scopes = listOf("api.read")))
 * val header = client.authorizationHeader()   // "Bearer eyJ…"
 * ```
 *
 * The options are the core's [ClientOptions], validated into a [ClientConfig] (package `dev.ccauth.ffi`, with
 * [ClientAuth], [ClientSecret], [PrivateKey], [RefreshPolicy],
 * [RetryPolicy]); a config built in the block fails as a [CcauthError.Config]
 * naming the option as Kotlin spells it (`tokenEndpoint`,
 * `retry.maxAttempts`). This class adds the driver's own options: the
 * [HttpTransport] (default: [UrlConnectionTransport], which Android has too),
 * the per-request timeout in milliseconds, and the client assertion source
 * for [ClientAuth.ExternalAssertion].
 *
 * The core decides who fetches, who waits and how long, when to refresh and
 * retry, which headers an API call gets and what an API's answer means; this
 * class sends requests, reads the clock and wakes waiters. [close] it (it is
 * [AutoCloseable]) to stop background refreshes and free the core.
 */
class ClientCredentials
    private constructor(
        config: ClientConfig,
        private val transport: HttpTransport,
        private val timeoutMs: Long,
        private val clientAssertion: (() -> String)?,
        /** The signers of host-signed keys ([PrivateKey.jca], [PrivateKey.signedBy]): the client assertion's and the DPoP proofs'. */
        signers: Pair<HostSigner?, HostSigner?>,
        listener: LifecycleListener?,
        /** The fleet store (null: none); attached with the store key in the init block. */
        private val store: TokenStore?,
        storeKey: ByteArray?,
    ) : AutoCloseable {
        /**
         * A client for a config built already (a refused one was the generated
         * `CcauthException`; see the other constructors). Host-signed keys
         * ([PrivateKey.jca], [PrivateKey.signedBy]) need the [ClientOptions]
         * constructor: a config does not say which keys it was built from.
         */
        @JvmOverloads
        constructor(
            /** The options, validated. */
            config: ClientConfig,
            transport: HttpTransport = UrlConnectionTransport(),
            /** A request (token, revocation, introspection) that takes longer counts as timed out. */
            timeoutMs: Long = DEFAULT_TIMEOUT_MS,
            /** Called for every token request with [ClientAuth.ExternalAssertion] (e.g. reads a Kubernetes service-account token file). */
            clientAssertion: (() -> String)? = null,
            /** Gets every lifecycle event ([LifecycleListener]); SLF4J gets them too when it is on the classpath. */
            listener: LifecycleListener? = null,
            /**
             * A fleet store ([LettuceStore], or any [TokenStore]): the processes
             * sharing it make one token request per refresh between them. Read
             * only when the local cache needs a token; entries sealed by the
             * core; a failing store means fetching alone, never an error.
             */
            store: TokenStore? = null,
            /**
             * An extra key (at least 16 bytes) mixed into the store's sealing key;
             * required when the core holds no secret (a host-signed key, an
             * external assertion, `tls_client_auth`, `none`).
             */
            storeKey: ByteArray? = null,
        ) : this(config, transport, timeoutMs, clientAssertion, null to null, listener, store, storeKey)

        /**
         * A client for [options]: an option the core refuses is a
         * [CcauthError.Config] with this library's option names. A host-signed
         * key in them ([PrivateKey.jca], [PrivateKey.signedBy]) signs with its signer.
         */
        @JvmOverloads
        constructor(
            options: ClientOptions,
            transport: HttpTransport = UrlConnectionTransport(),
            timeoutMs: Long = DEFAULT_TIMEOUT_MS,
            clientAssertion: (() -> String)? = null,
            listener: LifecycleListener? = null,
            store: TokenStore? = null,
            storeKey: ByteArray? = null,
        ) : this(configured { ClientConfig(options) }, transport, timeoutMs, clientAssertion, HostSigner.of(options), listener, store, storeKey)

        /**
         * A client for the config [config] builds: an option the core refuses
         * (there, or in a [PrivateKey.parse] inside) is a [CcauthError.Config]
         * with this library's option names.
         */
        @JvmOverloads
        constructor(
            transport: HttpTransport = UrlConnectionTransport(),
            timeoutMs: Long = DEFAULT_TIMEOUT_MS,
            clientAssertion: (() -> String)? = null,
            listener: LifecycleListener? = null,
            store: TokenStore? = null,
            storeKey: ByteArray? = null,
            config: () -> ClientConfig,
        ) : this(configured(config), transport, timeoutMs, clientAssertion, null to null, listener, store, storeKey)

        private val assertionSigner: HostSigner? = signers.first
        private val dpopSigner: HostSigner? = signers.second

        /** The listener and SLF4J; events are drained from the core after lifecycle changes only, never on the cached path. */
        private val events = EventSink(listener)

        /**
         * Tokens served from [memo] without asking the core (added to the core's
         * `tokensServed` in [stats]). A plain field, not an atomic: a CAS per
         * hit cost ~50 ns on the held-Bearer API call (Bench.kt), more than the
         * rest of it; concurrent callers may lose a few counts, the core's own are exact.
         */
        private var memoHits = 0L

        /** The core's lifecycle; the config (it holds the credentials) goes into it and is not kept here. */
        private val lifecycle: TokenLifecycle =
            TokenLifecycle.withConfig(config, SecureRandom().nextLong().toULong()).also {
                // Randomness for signatures (jti, salts): the platform's CSPRNG.
                it.seedEntropy(randomBytes(32))
                // Neither a listener nor SLF4J: the core builds no event at all.
                if (!events.active) it.recordEvents(false)
            }

        /**
         * The fleet store's keys of this client ([StoreKeys.token]: the sealed
         * entry, [StoreKeys.lease]: the fetch lease; `ccauth:{<id>}:…`, the
         * braces a Redis Cluster hash tag), or null without a store. A store
         * the core refuses (a DPoP client: its tokens are bound to this
         * process's key; no secret and no [storeKey]; a store key under 16
         * bytes) is a [CcauthError.Config] naming `store` or `storeKey`.
         */
        val storeKeys: StoreKeys? =
            store?.let {
                try {
                    configured { lifecycle.attachStore(storeKey) }
                } catch (e: Throwable) {
                    lifecycle.close()
                    throw e
                }
            }

        /** The largest reply body the core accepts (token, revocation, introspection): transports read one byte more at most. */
        private val maxResponseBytes: Long = lifecycle.maxResponseBytes().coerceAtMost(Long.MAX_VALUE.toULong()).toLong()

        /** Background refreshes and the proactive refresh timer run here; [close] cancels them. Their errors reach the next caller through the core. */
        private val background = CoroutineScope(SupervisorJob() + Dispatchers.IO + CoroutineExceptionHandler { _, _ -> })
        private val lock = Any()

        @Volatile private var closed = false

        /** Completed (and replaced) whenever a fetch reports or the token is dropped or imported: waiters re-poll. */
        @Volatile private var changed = CompletableDeferred<Unit>()

        /** The core's last "ready" answer, for the span of clock readings it holds for. */
        @Volatile private var memo: Memo? = null

        /** A ready token, the span it holds for, and its API headers once the core called them reusable (cleared with it). */
        private class Memo(
            val token: AccessToken,
            val from: Long,
            val until: Long,
        ) {
            @Volatile var headers: Map<String, String>? = null
        }

        /** Which API answers the core reads (the lists of its first `ApiHeaders`); null: not known yet, every answer goes to the core. */
        @Volatile private var report: Report? = null

        private class Report(
            val statuses: Set<Int>,
            val headers: List<String>,
        )

        /** The proactive refresh timer (one at most, not yet fired) and the time it is armed for (-1: none). */
        private var timer: Job? = null
        private var timerAt = -1L

        /** A valid token: cached, or fetched once for every concurrent caller. */
        suspend fun token(): AccessToken {
            while (true) {
                val signal = changed
                val now = System.currentTimeMillis()
                memo?.let {
                    if (now >= it.from && now < it.until) {
                        memoHits++
                        return it.token
                    }
                }
                when (val d = lifecycle.poll(now.toULong())) {
                    is TokenDecision.Ready -> {
                        return remember(d, signal)
                    }

                    is TokenDecision.Fetch -> {
                        drain() // fetch_started
                        fetch(d.ticket)
                    }

                    is TokenDecision.RefreshAhead -> {
                        drain()
                        background.launch { fetch(d.ticket) }
                        return AccessToken.of(d.token, d.info)
                    }

                    is TokenDecision.Wait -> {
                        withTimeoutOrNull(d.waitMs.toLong()) { signal.await() }
                    }

                    is TokenDecision.Failed -> {
                        throw CcauthError.of(d.error, d.cooldownUntilMs?.toLong())
                    }
                }
            }
        }

        /** [token] for blocking callers (a thread waits; still one fetch for all). */
        fun tokenBlocking(): AccessToken {
            memo?.let {
                val now = System.currentTimeMillis()
                if (now >= it.from && now < it.until) {
                    memoHits++
                    return it.token
                }
            }
            return runBlocking { token() }
        }

        /** The `Authorization` header value, e.g. `Bearer eyJ…`. */
        suspend fun authorizationHeader(): String = token().authorization

        /** [authorizationHeader] for blocking callers. */
        fun authorizationHeaderBlocking(): String = tokenBlocking().authorization

        /**
         * The API rejected [token] (with this `WWW-Authenticate`). Returns whether
         * the core dropped it (then the next call fetches a new one); an
         * `insufficient_scope` challenge keeps it. [apiResponse] does this and more.
         */
        fun invalidate(
            token: AccessToken,
            wwwAuthenticate: String? = null,
        ): Boolean {
            // The core first, then the memo: a caller that polled the core before
            // the drop holds the old signal, so it cannot memoize the dropped token.
            val dropped = lifecycle.invalidate(token.accessToken, wwwAuthenticate)
            forget()
            if (dropped) {
                dropShared()
                drain() // token_invalidated (user)
            }
            return dropped
        }

        /**
         * Ends the cool-down a failed fetch is served from (or a retry's
         * backoff): the next call fetches at once, and every caller waiting
         * wakes to do so. For when the cause was fixed (a rotated secret
         * registered, the server back). Returns whether there was one.
         */
        fun resetFailure(): Boolean {
            val reset = lifecycle.resetFailure(nowMs())
            if (reset) {
                forget()
                drain() // failure_reset
            }
            return reset
        }

        /**
         * The cache entry's counters and state: the core's, with the tokens
         * this client served from its own cache added to `tokensServed`.
         * Holds no secret or token (`tokenId` is a SHA-256 prefix).
         */
        fun stats(): TokenStats {
            val core = lifecycle.stats()
            return core.copy(tokensServed = core.tokensServed + memoHits.toULong())
        }

        /**
         * The headers for an API call with a given [token] (one this client
         * returned): `Authorization`, plus `DPoP` (a fresh proof for [method] and
         * [url], with the API's last nonce) when the token is DPoP-bound. Headers
         * the core calls reusable (no per-call proof) are kept with the ready
         * token and cleared with it: the next call gets them without asking.
         */
        fun authorizationHeadersFor(
            token: AccessToken,
            method: String,
            url: String,
        ): Map<String, String> {
            val memo = memo?.takeIf { it.token === token }
            memo?.headers?.let { return it }
            val answer = apiHeaders(token, method, url)
            val unsigned = answer.dpopToSign ?: return headers(answer, memo)
            return unsigned.use { proof ->
                val input = proof.signingInput()
                val signature = signerFor(dpopSigner).signBlocking(input.alg, input.keyId, input.bytes)
                headers(answer, null) + (DPOP to translated { proof.proof(signature) })
            }
        }

        /** [authorizationHeadersFor] for suspending callers: a [PrivateKey.signedBy] signer is called without blocking. */
        private suspend fun authorizationHeadersSuspending(
            token: AccessToken,
            method: String,
            url: String,
        ): Map<String, String> {
            val memo = memo?.takeIf { it.token === token }
            memo?.headers?.let { return it }
            val answer = apiHeaders(token, method, url)
            val unsigned = answer.dpopToSign ?: return headers(answer, memo)
            return unsigned.use { proof ->
                val input = proof.signingInput()
                val signature = signerFor(dpopSigner).sign(input.alg, input.keyId, input.bytes)
                headers(answer, null) + (DPOP to translated { proof.proof(signature) })
            }
        }

        private fun apiHeaders(
            token: AccessToken,
            method: String,
            url: String,
        ): ApiHeaders {
            val answer = translated { lifecycle.apiHeaders(token.handle, method.uppercase(), url, nowMs()) }
            if (report == null) report = Report(answer.reportStatuses.map { it.toInt() }.toSet(), answer.reportHeaders)
            return answer
        }

        /** The core's headers as a map, kept with [memo]'s token when the core calls them reusable. */
        private fun headers(
            answer: ApiHeaders,
            memo: Memo?,
        ): Map<String, String> {
            val headers = answer.headers.associate { it.name to it.value }
            if (answer.reusable && memo != null) memo.headers = headers
            return headers
        }

        /** The headers for an API call with the current token (see [authorizationHeadersFor]); hand the API's answer to [apiResponse]. */
        suspend fun authorizationHeaders(
            method: String,
            url: String,
        ): Map<String, String> = authorizationHeadersSuspending(token(), method, url)

        /** [authorizationHeaders] for blocking callers. */
        fun authorizationHeadersBlocking(
            method: String,
            url: String,
        ): Map<String, String> = authorizationHeadersFor(tokenBlocking(), method, url)

        /**
         * Reads an API's [answer] to a call to [url] made with [token]: keeps its
         * `DPoP-Nonce`, and says whether to send the call again:
         * [ApiVerdict.RETRY_WITH_NONCE] (same token, fresh headers; then pass
         * [nonceRetried]), [ApiVerdict.RETRY_WITH_NEW_TOKEN] (the core dropped the
         * token: send it once more with [token]'s successor) or [ApiVerdict.DONE].
         * An answer with no status or header the core reads (its lists come with
         * the headers) is [ApiVerdict.DONE] without asking it.
         */
        @JvmOverloads
        fun apiResponse(
            token: AccessToken,
            url: String,
            answer: ApiAnswer,
            nonceRetried: Boolean = false,
        ): ApiVerdict {
            val report = report
            if (report != null && answer.status !in report.statuses && report.headers.none { answer.has(it) }) return ApiVerdict.DONE
            val verdict = lifecycle.apiResponse(token.accessToken, url, answer.status.toUShort(), answer.wwwAuthenticate, answer.dpopNonce, nonceRetried)
            if (verdict == ApiVerdict.RETRY_WITH_NEW_TOKEN) {
                forget()
                dropShared()
                drain() // token_invalidated (api_401)
            }
            return verdict
        }

        /**
         * One API call with the token: [send] sends it with the headers given
         * (`Authorization`, and `DPoP` for a DPoP-bound token) added, [answer]
         * reads the response. Sent again once when the API asks for its DPoP
         * nonce, and once with a new token when it rejected the token (the core
         * reads its challenge), if the request is [replayable] (its body is not a
         * one-shot stream). A response that is replaced is dropped: [send] should
         * read it whole (or [answer] close it).
         */
        suspend fun <R> authorized(
            method: String,
            url: String,
            replayable: Boolean = true,
            answer: (R) -> ApiAnswer,
            send: suspend (headers: Map<String, String>) -> R,
        ): R {
            val token = token()
            var response = send(authorizationHeadersSuspending(token, method, url))
            var verdict = apiResponse(token, url, answer(response))
            if (verdict == ApiVerdict.RETRY_WITH_NONCE && replayable) {
                response = send(authorizationHeadersSuspending(token, method, url))
                verdict = apiResponse(token, url, answer(response), nonceRetried = true)
            }
            if (verdict == ApiVerdict.RETRY_WITH_NEW_TOKEN && replayable) {
                val fresh = token()
                response = send(authorizationHeadersSuspending(fresh, method, url))
                apiResponse(fresh, url, answer(response)) // for its nonce: no third send
            }
            return response
        }

        /** Remembers a resource server's `DPoP-Nonce` for the next proofs to it (for responses not given to [apiResponse]). */
        fun rememberDpopNonce(
            url: String,
            nonce: String,
        ): Boolean = lifecycle.rememberDpopNonce(url, nonce)

        /**
         * Revokes [accessToken] (RFC 7009; default: the cached one, which is then
         * dropped so the next call fetches anew) at the `revocationEndpoint`
         * option or the discovered one.
         */
        suspend fun revoke(
            accessToken: String? = null,
            hint: TokenTypeHint = TokenTypeHint.ACCESS_TOKEN,
        ) {
            val value = accessToken ?: token().accessToken
            val unsigned = configured { lifecycle.prepareRevocationRequest(value, hint, nowMs()) }
            forget() // the core dropped the cached token if it is that one
            dropShared()
            drain() // token_invalidated (revoked)
            val (status, headers, body) = exchange(finished(unsigned))
            translated { lifecycle.handleRevocationResponse(status, headers, body, nowMs()) }
        }

        /** Asks the server about [token] (RFC 7662) at the `introspectionEndpoint` option or the discovered one. */
        suspend fun introspect(
            token: String,
            hint: TokenTypeHint? = null,
        ): Introspection {
            val unsigned = configured { lifecycle.prepareIntrospectionRequest(token, hint, nowMs()) }
            val (status, headers, body) = exchange(finished(unsigned))
            val fields = Json.parseToJsonElement(translated { lifecycle.handleIntrospectionResponse(status, headers, body, nowMs()) }).jsonObject

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

        /**
         * A revocation or introspection request, its client assertion signed by
         * the host-signed key's signer when it has one (the token requests'
         * signer); a failing signer is the same [CcauthError.Transport] (cause
         * `signer`) a token request's ends in, a bad signature `INVALID_SIGNATURE`.
         */
        private suspend fun finished(unsigned: UnsignedTokenRequest): TokenRequestParts =
            unsigned.use {
                val inputs = it.signingInputs()
                val signatures =
                    try {
                        inputs.map { input ->
                            val signer = if (input.purpose == SigningPurpose.DPOP_PROOF) dpopSigner else assertionSigner
                            signerFor(signer).sign(input.alg, input.keyId, input.bytes)
                        }
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Exception) {
                        // As for a token request: the class and message, short.
                        val message = TransportException.nameOf(e) + (e.message?.let { m -> ": " + m.take(200) } ?: "")
                        throw CcauthError.of(lifecycle.adminTransportError(TransportKind.OTHER, "the signer failed: $message", "signer", false))
                    }
                translated { it.finish(signatures) }
            }

        /** A revocation or introspection exchange; no response is thrown as the core words it. */
        private suspend fun exchange(request: TokenRequestParts): Triple<UShort, List<Header>, ByteArray> {
            val response =
                try {
                    call(transport, request.method, request.url, request.headers, request.body, timeoutMs, maxResponseBytes)
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    val failure = TransportException.classify(e, null)
                    throw CcauthError.of(lifecycle.adminTransportError(failure.kind.ffi(), failure.kind.description, failure.causeName, failure.requestSent))
                }
            return Triple(response.status.toUShort(), response.headers.map { (name, value) -> Header(name, value) }, response.body)
        }

        /** The cached token as a versioned JSON document (it holds the token: store it like a secret). */
        fun exportToken(): String? = lifecycle.exportToken()

        /** Loads a document from [exportToken]; throws [CcauthError.TokenDocument] if expired, foreign or malformed. */
        fun importToken(document: String): AccessToken {
            val token = translated { AccessToken.of(lifecycle.importToken(document, nowMs())) }
            forget()
            return token
        }

        /** The cache key (endpoint, client id, method, scopes; no secret). */
        override fun toString(): String = "ClientCredentials(cacheKey=${lifecycle.cacheKey()})"

        /** Cancels background refreshes and the proactive refresh timer, and frees the native lifecycle. */
        override fun close() {
            closed = true
            background.cancel()
            lifecycle.close()
        }

        /** Memoizes a "ready" answer for its span, unless something changed since the poll; re-arms the timer. */
        private fun remember(
            d: TokenDecision.Ready,
            signal: CompletableDeferred<Unit>,
        ): AccessToken {
            val token = AccessToken.of(d.token, d.info)
            synchronized(lock) {
                if (changed === signal) memo = Memo(token, d.validFromMs.toLong(), d.validUntilMs.toLong())
            }
            arm()
            return token
        }

        /** Forgets the memo and wakes every waiter (the core's answer changed); re-arms the timer. */
        private fun forget() = reported(null, null)

        /**
         * A fetch reported [outcome] (null: the core's answer changed otherwise):
         * the memo is the new token for the span the core gives, unless something
         * changed since [signal] (taken just before the report); every waiter
         * wakes (and finds the memo); the timer is re-armed.
         */
        private fun reported(
            outcome: FetchOutcome?,
            signal: CompletableDeferred<Unit>?,
        ) {
            val fresh = (outcome as? FetchOutcome.Token)?.let { Memo(AccessToken.of(it.token, it.info), it.validFromMs.toLong(), it.validUntilMs.toLong()) }
            val old: CompletableDeferred<Unit>
            synchronized(lock) {
                old = changed
                changed = CompletableDeferred()
                memo = if (old === signal) fresh else null
            }
            old.complete(Unit)
            arm()
        }

        /**
         * A fetch ticket: through the fleet store when one is attached (the
         * core's steps: read, lease, back off, fetch, publish, release), else
         * sent at once. A store hit answers the ticket without a request.
         */
        private suspend fun fetch(ticket: FetchTicket) {
            val store = store ?: return send(ticket)
            var fetched = false
            try {
                var step = lifecycle.storeBegin(ticket.id, nowMs())
                while (true) {
                    step =
                        when (step) {
                            is StoreStep.Command -> {
                                val command = step.command
                                val reply = runInterruptible(Dispatchers.IO) { TokenStore.run(store, command) }
                                lifecycle.storeReply(ticket.id, reply, nowMs())
                            }

                            is StoreStep.Sleep -> {
                                drain() // lease_busy: another process is fetching
                                val wait = step.untilMs.toLong() - System.currentTimeMillis()
                                if (wait > 0) delay(wait)
                                lifecycle.storeResume(ticket.id, nowMs())
                            }

                            is StoreStep.Fetch -> {
                                fetched = true
                                drain() // lease_acquired or store_unavailable, before a request that may hang
                                send(ticket) // reported (waiters woken with the token) before publishing
                                lifecycle.storeFetched(ticket.id, nowMs())
                            }

                            is StoreStep.Done -> {
                                break
                            }
                        }
                }
            } catch (e: Throwable) {
                // Cancelled (or worse) before the ticket was sent: report it, or
                // every waiter would wait out the core's attempt timeout.
                if (!fetched) {
                    lifecycle.handleTransportError(ticket.id, TransportKind.OTHER, "cancelled", null, null, nowMs())
                    reported(null, null)
                    drain()
                }
                throw e
            }
            if (!fetched) reported(null, null) // a store hit: the waiters find the token in the core
            drain() // store_hit, store_published, store_unavailable, …
        }

        /**
         * After the core dropped a token: its store commands (delete the shared
         * entry while it still holds that token), replies ignored; run here, on
         * the caller's thread (one round trip, bounded by the store).
         */
        private fun dropShared() {
            val store = store ?: return
            for (command in lifecycle.storeCommands()) TokenStore.run(store, command)
        }

        /** Sends one ticket's request and reports the outcome to the core; wakes the waiters. */
        private suspend fun send(ticket: FetchTicket) {
            var outcome: FetchOutcome? = null
            var signal: CompletableDeferred<Unit>? = null
            try {
                val request =
                    when {
                        ticket.signingInputs.isNotEmpty() -> signed(ticket) ?: return
                        ticket.needsClientAssertion -> withAssertion(ticket) ?: return
                        else -> ticket.request
                    }
                try {
                    val response = call(transport, request.method, request.url, request.headers, request.body, timeoutMs, maxResponseBytes)
                    val headers = response.headers.map { (name, value) -> Header(name, value) }
                    signal = changed
                    outcome = lifecycle.handleResponse(ticket.id, response.status.toUShort(), headers, response.body, nowMs())
                } catch (e: CancellationException) {
                    lifecycle.handleTransportError(ticket.id, TransportKind.OTHER, "cancelled", null, null, nowMs())
                    throw e
                } catch (e: Exception) {
                    // The class name only: a message could quote a header.
                    val failure = TransportException.classify(e, null)
                    lifecycle.handleTransportError(ticket.id, failure.kind.ffi(), failure.kind.description, failure.causeName, failure.requestSent, nowMs())
                }
            } finally {
                reported(outcome, signal)
                drain() // fetch_succeeded, retry_scheduled or fetch_failed
            }
        }

        /**
         * Hands the core's pending events to SLF4J and the listener, in order
         * (one drain at a time). Called after lifecycle changes only.
         */
        private fun drain() {
            if (!events.active) return
            synchronized(events) {
                val drained: List<LifecycleEvent> =
                    try {
                        lifecycle.drainEvents()
                    } catch (e: IllegalStateException) {
                        return // closed meanwhile
                    }
                if (drained.isNotEmpty()) events.deliver(drained)
            }
        }

        /**
         * The ticket's request with its JWTs signed by the host-signed keys'
         * signers (and the external assertion, when it needs one too); null when
         * a signer failed (reported: retried like a network error) or the core
         * refused a signature (`INVALID_SIGNATURE`: the fetch failed for every waiter).
         */
        private suspend fun signed(ticket: FetchTicket): TokenRequestParts? {
            val signatures =
                try {
                    ticket.signingInputs.map { input ->
                        val signer = if (input.purpose == SigningPurpose.DPOP_PROOF) dpopSigner else assertionSigner
                        signerFor(signer).sign(input.alg, input.keyId, input.bytes)
                    }
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    // The class and message: a signer's failure names no secret (the input is none either).
                    val message = TransportException.nameOf(e) + (e.message?.let { ": " + it.take(200) } ?: "")
                    lifecycle.signerFailed(ticket.id, message, nowMs())
                    return null
                }
            val assertion = if (ticket.needsClientAssertion) assertion(ticket) ?: return null else null
            return try {
                lifecycle.completeRequest(ticket.id, signatures, assertion, nowMs())
            } catch (e: CcauthException) {
                null // the core failed the fetch already; every waiter gets its error
            }
        }

        private fun signerFor(signer: HostSigner?): HostSigner = signer ?: throw IllegalStateException("no signer for this host-signed key: give PrivateKey.jca or PrivateKey.signedBy in ClientOptions")

        /** The client assertion source's assertion; null when that failed (reported). */
        private fun assertion(ticket: FetchTicket): String? =
            try {
                (clientAssertion ?: throw IllegalStateException("no clientAssertion source was given to the client")).invoke()
            } catch (e: Exception) {
                lifecycle.assertionSourceFailed(ticket.id, e.message ?: TransportException.nameOf(e), nowMs())
                null
            }

        /** The ticket's request with the assertion from the client assertion source; null when that failed (reported). */
        private fun withAssertion(ticket: FetchTicket): TokenRequestParts? {
            val assertion = assertion(ticket) ?: return null
            return try {
                lifecycle.requestWithAssertion(ticket.id, assertion, nowMs())
            } catch (e: CcauthException) {
                null // the core failed the fetch already; every waiter gets its error
            }
        }

        /**
         * One timer at the core's next proactive refresh time (the config's
         * `proactiveRefresh`; none without it), which asks for a token then (so a
         * refresh starts before any caller asks). A timer for another time is
         * replaced; none while the core says none (a fetch in flight re-arms it
         * when it reports).
         */
        private fun arm() {
            if (closed) return
            val at = lifecycle.proactiveRefreshAt()?.toLong() ?: -1L
            synchronized(lock) {
                if (at == timerAt) return
                timer?.cancel()
                timerAt = at
                timer =
                    if (at < 0) {
                        null
                    } else {
                        background.launch {
                            while (System.currentTimeMillis() < at) delay(at - System.currentTimeMillis()) // the core's time is the wall clock's
                            synchronized(lock) {
                                if (timerAt != at) return@launch
                                timerAt = -1 // fired: the next arm() sets a new one
                                timer = null
                            }
                            token()
                        }
                    }
            }
        }

        companion object {
            /** The default per-request timeout, in milliseconds. */
            const val DEFAULT_TIMEOUT_MS: Long = 10_000

            private const val DPOP = "DPoP"

            private fun nowMs(): ULong = System.currentTimeMillis().toULong()

            private fun randomBytes(n: Int): ByteArray = ByteArray(n).also { SecureRandom().nextBytes(it) }

            /** One exchange on the IO dispatcher; cancelling the caller interrupts it. */
            private suspend fun call(
                transport: HttpTransport,
                method: String,
                url: String,
                headers: List<Header>,
                body: ByteArray,
                timeoutMs: Long,
                limit: Long,
            ): HttpTransport.Response {
                val request =
                    HttpTransport.Request(
                        method,
                        url,
                        headers.map { it.name to it.value },
                        if (method == "GET") null else body,
                        timeoutMs,
                        limit,
                    )
                return runInterruptible(Dispatchers.IO) { transport.send(request) }
            }

            private fun TransportException.Kind.ffi(): TransportKind =
                when (this) {
                    TransportException.Kind.TIMEOUT -> TransportKind.TIMEOUT
                    TransportException.Kind.CONNECT -> TransportKind.CONNECT
                    TransportException.Kind.TLS -> TransportKind.TLS
                    TransportException.Kind.RESET -> TransportKind.RESET
                    TransportException.Kind.OTHER -> TransportKind.OTHER
                }

            /**
             * The metadata of [issuer] (the core's discovery: RFC 8414, then
             * OpenID Connect Discovery; cached per process), its issuer checked.
             * Give it to the config (`issuer = it.issuer, serverMetadataJson =
             * it.json`, `tokenEndpoint` empty): the core takes the token,
             * revocation and introspection endpoints, the auth method and the
             * signing algorithm the server supports from it.
             */
            @JvmStatic
            @JvmOverloads
            suspend fun discover(
                issuer: String,
                dangerAcceptInsecureHttp: Boolean = false,
                transport: HttpTransport = UrlConnectionTransport(),
                timeoutMs: Long = DEFAULT_TIMEOUT_MS,
            ): ServerMetadata =
                Discovery(issuer, dangerAcceptInsecureHttp).use { discovery ->
                    var step = discovery.start(nowMs())
                    while (step is DiscoveryStep.Send) {
                        val request = step.request
                        step =
                            try {
                                val response =
                                    call(
                                        transport,
                                        request.method(),
                                        request.url(),
                                        request.headers(),
                                        ByteArray(0),
                                        timeoutMs,
                                        HttpTransport.DEFAULT_MAX_RESPONSE_BYTES,
                                    )
                                val headers = response.headers.map { (name, value) -> Header(name, value) }
                                discovery.handleResponse(response.status.toUShort(), headers, response.body, nowMs())
                            } catch (e: CancellationException) {
                                throw e
                            } catch (e: Exception) {
                                val failure = TransportException.classify(e, null)
                                discovery.handleTransportError(failure.kind.ffi(), failure.kind.description, failure.causeName, failure.requestSent)
                            }
                    }
                    when (step) {
                        is DiscoveryStep.Done -> ServerMetadata(issuer, step.metadataJson)
                        is DiscoveryStep.Failed -> throw OptionNames.rename(CcauthError.of(step.error))
                        is DiscoveryStep.Send -> error("unreachable")
                    }
                }

            /**
             * A client from `CCAUTH_*` environment variables, the names every
             * ccauth package reads (`python -m ccauth doctor --help` lists them):
             * `CCAUTH_TOKEN_ENDPOINT` (or `CCAUTH_ISSUER`, then discovery),
             * `CCAUTH_CLIENT_ID`, `CCAUTH_CLIENT_SECRET`, `CCAUTH_AUTH_METHOD`,
             * `CCAUTH_SCOPE` (space-separated), `CCAUTH_AUDIENCE`,
             * `CCAUTH_RESOURCE`, `CCAUTH_PRIVATE_KEY` (a PEM or JWK; or
             * `CCAUTH_PRIVATE_KEY_FILE`), `CCAUTH_KEY_ID`,
             * `CCAUTH_CLIENT_ASSERTION_ALG`, `CCAUTH_BODY_FORMAT`, and
             * `CCAUTH_CONFIG_FILE`: a JSON config document (the sans-IO
             * functions' document, snake_case, docs/OPTIONS.md) that the
             * variables override. The core reads them; a misspelt `CCAUTH_`
             * name is a [CcauthError.Config] (`field` `environment`) naming
             * the right one, an unreadable file one naming `configFile` or
             * `privateKeyFile` (and its path); no secret is ever in a message.
             *
             * With an `issuer` and no `server_metadata` the issuer's metadata
             * is fetched first ([discover]; plain http beyond loopback only with
             * `danger_accept_insecure_http` in the file). `proactive_refresh`
             * in the file arms the refresh timer as [ClientOptions.proactiveRefresh]
             * does. A document naming `external_client_assertion`,
             * `host_signed_key` or `host_signed_dpop_key` is a
             * [CcauthError.Config]: those need code (an assertion source, a
             * signer), so build the client from [ClientOptions] instead.
             *
             * The other parameters are the constructor's; [env] replaces the
             * process environment (e.g. in tests).
             */
            @JvmStatic
            @JvmOverloads
            suspend fun fromEnv(
                transport: HttpTransport = UrlConnectionTransport(),
                timeoutMs: Long = DEFAULT_TIMEOUT_MS,
                listener: LifecycleListener? = null,
                store: TokenStore? = null,
                storeKey: ByteArray? = null,
                env: Map<String, String> = System.getenv(),
            ): ClientCredentials {
                val config = FromEnv.config(FromEnv.options(env), transport, timeoutMs)
                return ClientCredentials(config, transport, timeoutMs, null, listener, store, storeKey)
            }

            /** [fromEnv] for blocking callers (Java, or code outside coroutines): the thread waits for discovery, if any. */
            @JvmStatic
            @JvmOverloads
            fun fromEnvBlocking(
                transport: HttpTransport = UrlConnectionTransport(),
                timeoutMs: Long = DEFAULT_TIMEOUT_MS,
                listener: LifecycleListener? = null,
                store: TokenStore? = null,
                storeKey: ByteArray? = null,
                env: Map<String, String> = System.getenv(),
            ): ClientCredentials = runBlocking { fromEnv(transport, timeoutMs, listener, store, storeKey, env) }
        }
    }
