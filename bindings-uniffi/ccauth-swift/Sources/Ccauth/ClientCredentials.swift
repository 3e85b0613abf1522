import CcauthFFI
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What the server says of a token (RFC 7662); `fields` holds every member as JSON text.
public struct Introspection: Sendable {
    public let active: Bool
    public let scope: String?
    public let clientId: String?
    /// Expiry, Unix seconds.
    public let exp: Int64?
    public let tokenType: String?
    public let fieldsJSON: String
}

/// Which token `revoke` and `introspect` concern (`token_type_hint`).
public enum TokenHint: Sendable {
    case accessToken, refreshToken

    var ffi: TokenTypeHint { self == .accessToken ? .accessToken : .refreshToken }
}

/// `clientAssertion` was not given (the core asks for it only when it was).
private struct AssertionSourceMissing: Error, CustomStringConvertible {
    var description: String { "no clientAssertion source" }
}

/// A reply to one of the driver's requests, or what kept it from coming.
enum Reply {
    case response(status: UInt16, headers: [Header], body: Data)
    case failed(TransportFailure)
}

/// The core's last "ready" answer (a poll's, or a fetch's outcome), the span
/// it holds for, and the API headers for its token once the core says they
/// serve every call (no per-call proof). A class: the hot path retains one
/// reference. Cleared by every report, drop, import and revocation.
final class Memo {
    let token: AccessToken
    let from: UInt64
    let until: UInt64
    var headers: ApiHeaders?

    init(_ token: AccessToken, from: UInt64, until: UInt64) {
        self.token = token
        self.from = from
        self.until = until
    }
}

/// An OAuth 2.0 client credentials client: tokens cached, refreshed ahead of
/// expiry, fetched once for any number of concurrent tasks.
///
/// ```swift
/// let client = try ClientCredentials(.init(tokenEndpoint: url, clientId: id, clientSecret: secret, scopes: ["api.read"]))
/// let (data, response) = try await client.data(for: URLRequest(url: api))   // Authorization: Bearer …
/// ```
///
/// The core decides who fetches, who waits, how long, when to refresh and
/// when to retry; this actor sends requests with `URLSession`, reads the
/// clock and wakes waiters. With `proactiveRefresh`, a background task
/// refreshes at the core's time until `close()` (or the client's release).
public actor ClientCredentials {
    private let lifecycle: TokenLifecycle
    private let clientAssertion: (@Sendable () async throws -> String)?
    /// The signers of host-signed keys (`PrivateKey.signedBy` and the platform
    /// conveniences): the client assertion's and the DPoP proofs'.
    private let signers: (assertion: HostSigner?, dpop: HostSigner?)
    private let session: URLSession
    /// The delegate of the session made here (nil for a session given by the caller).
    private let reader: ReplyReader?
    /// Per request, in seconds (`timeoutMs`).
    private let timeout: TimeInterval
    /// The most a reply body may hold (the core refuses more): at most one byte more is read.
    private let responseLimit: Int
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0
    private var memo: Memo?
    /// The proactive refresh: one sleeping task, and the time it wakes at.
    private var refresher: (task: Task<Void, Never>, at: UInt64)?
    private var closed = false
    /// Gets the lifecycle events, with `eventLog` (os.Logger on Apple platforms).
    private let listener: LifecycleListener?
    private let eventLog: EventLog?
    /// Tokens served from `memo` without asking the core (added to its `tokensServed` by `stats()`).
    private var memoHits: UInt64 = 0
    /// The fleet store (`store` option), nil without one.
    private let store: (any TokenStore)?
    /// The store's keys of this client (`ccauth:{<id>}:token` and `…:lease`;
    /// the braces a Redis Cluster hash tag), nil without a store.
    public nonisolated let storeKeys: StoreKeys?
    /// The commands run after a drop (deleting the shared entry while it
    /// still holds the dropped token): the next shared fetch waits for them,
    /// so it never reads the entry they delete.
    private var dropping: Task<Void, Never>?

    /// Validates `options` at once (a `CcauthError` of kind `.config` names the bad one).
    /// The default session never follows redirects (they would resend the credentials).
    public init(_ options: ClientCredentialsOptions, session: URLSession? = nil) throws {
        try self.init(options, session: session, discovered: nil)
    }

    private init(_ options: ClientCredentialsOptions, session: URLSession?, discovered: (issuer: String, metadata: String)?) throws {
        try self.init(config: try options.config(issuer: discovered?.issuer, metadataJSON: discovered?.metadata), options, session: session)
    }

    /// A client for `config`, validated already; `options` give the driver's
    /// parts only (session timeout, assertion source, listener, store, signers).
    init(config: ClientConfig, _ options: ClientCredentialsOptions, session: URLSession?) throws {
        let lifecycle = TokenLifecycle.withConfig(config: config, seed: UInt64.random(in: 0...UInt64.max))
        // Randomness for signatures (jti, salts), the lease owner id and the
        // seals' nonces: the system's CSPRNG.
        try translated { try lifecycle.seedEntropy(entropy: randomBytes(32)) }
        self.lifecycle = lifecycle
        if let store = options.store {
            // Refused here (`.config`, field `store` or `storeKey`): a DPoP
            // client, no secret and no store key, a store key under 16 bytes.
            storeKeys = try translated { try lifecycle.attachStore(storeKey: options.storeKey?.bytes) }
            self.store = store
        } else {
            storeKeys = nil
            self.store = nil
        }
        clientAssertion = options.clientAssertion
        listener = options.listener
        eventLog = EventLog.make()
        // Neither a listener nor a platform log: the core builds no event at all.
        if listener == nil && eventLog == nil { lifecycle.recordEvents(on: false) }
        signers = HostSigners.shared.signers(of: options)
        if let session {
            self.session = session
            reader = nil
        } else {
            let reader = ReplyReader()
            self.session = URLSession(configuration: .ephemeral, delegate: reader, delegateQueue: nil)
            self.reader = reader
        }
        timeout = TimeInterval(options.timeoutMs) / 1000
        responseLimit = Int(clamping: config.maxResponseBytes())
    }

    deinit {
        refresher?.task.cancel()
        // A session made here holds its delegate until invalidated.
        if reader != nil { session.finishTasksAndInvalidate() }
    }

    /// Stops the proactive refresh (the client still answers calls, fetching
    /// on demand). Releasing the client stops it too.
    public func close() {
        closed = true
        refresher?.task.cancel()
        refresher = nil
    }

    /// A valid token: cached, or fetched once for every concurrent caller.
    public func token() async throws -> AccessToken {
        while true {
            let now = nowMs()
            if let m = memo, now >= m.from, now < m.until {
                memoHits &+= 1
                return m.token
            }
            switch lifecycle.poll(nowMs: now) {
            case .ready(let token, let info, let from, let until):
                let m = Memo(AccessToken(token, info: info), from: from, until: until)
                memo = m
                return m.token
            case .fetch(let ticket):
                drain()  // fetch_started
                await shared(ticket)
            case .refreshAhead(let token, let info, let ticket):
                drain()
                Task { await self.shared(ticket) }
                return AccessToken(token, info: info)
            case .wait(_, let waitMs):
                await wait(ms: waitMs)
            case .failed(let error, let cooldownUntilMs):
                throw CcauthError(error, cooldownUntilMs: cooldownUntilMs)
            }
        }
    }

    /// A fetch ticket, through the fleet store when one is attached: the core's
    /// store steps (read, lease, back off, fetch, publish, release) until it
    /// says done. A store hit answers the ticket without a request.
    private func shared(_ ticket: FetchTicket) async {
        guard let store else { return await fetch(ticket) }
        await dropping?.value
        var fetched = false
        var step = lifecycle.storeBegin(ticketId: ticket.id, nowMs: nowMs())
        loop: while true {
            switch step {
            case .command(let command):
                let reply = await StoreRunner.run(command, on: store)
                step = lifecycle.storeReply(ticketId: ticket.id, reply: reply, nowMs: nowMs())
            case .sleep(let untilMs):
                drain()  // lease_busy: another process fetches
                let now = nowMs()
                if untilMs > now { try? await Task.sleep(nanoseconds: (untilMs - now) * 1_000_000) }
                if Task.isCancelled && !fetched {
                    // The caller gave up: reported as a fetch that failed
                    // unsent (as a cancelled request would be), the lease left alone.
                    fetched = true
                    changed(
                        lifecycle.handleTransportError(
                            ticketId: ticket.id, kind: .other, message: "cancelled while waiting for another process's fetch",
                            cause: "cancelled", requestSent: false, nowMs: nowMs()))
                    step = lifecycle.storeFetched(ticketId: ticket.id, nowMs: nowMs())
                } else {
                    step = lifecycle.storeResume(ticketId: ticket.id, nowMs: nowMs())
                }
            case .fetch:
                fetched = true
                drain()  // lease_acquired, store_unavailable: before a request that may take a while
                await fetch(ticket)  // reported (waiters woken with the token) before publishing
                step = lifecycle.storeFetched(ticketId: ticket.id, nowMs: nowMs())
            case .done:
                break loop
            }
        }
        // A store hit answered the ticket: the waiters find the token in the core.
        if fetched { drain() } else { changed() }
    }

    /// After the core dropped a token: its store commands (delete the shared
    /// entry while it still holds that token), replies ignored, in a task the
    /// next shared fetch waits for.
    private func dropShared() {
        guard let store else { return }
        let commands = lifecycle.storeCommands()
        guard !commands.isEmpty else { return }
        let before = dropping
        dropping = Task {
            await before?.value
            for command in commands { _ = await StoreRunner.run(command, on: store) }
        }
    }

    /// Sends one ticket's request and reports the outcome to the core.
    private func fetch(_ ticket: FetchTicket) async {
        var tokenRequest = ticket.request
        if !ticket.signingInputs.isEmpty {
            guard let signed = await signed(ticket) else { return }
            tokenRequest = signed
        } else if ticket.needsClientAssertion {
            do {
                let assertion = try await (clientAssertion ?? { throw AssertionSourceMissing() })()
                // A bad assertion fails the fetch in the core, which has its error for every caller.
                guard let signed = try? lifecycle.requestWithAssertion(ticketId: ticket.id, assertion: assertion, nowMs: nowMs())
                else { return changed() }
                tokenRequest = signed
            } catch {
                return changed(lifecycle.assertionSourceFailed(ticketId: ticket.id, message: "\(error)", nowMs: nowMs()))
            }
        }
        switch await Self.exchange(tokenRequest, timeout: timeout, send: { try await self.send($0) }) {
        case .response(let status, let headers, let body):
            changed(lifecycle.handleResponse(ticketId: ticket.id, status: status, headers: headers, body: body, nowMs: nowMs()))
        case .failed(let f):
            changed(
                lifecycle.handleTransportError(
                    ticketId: ticket.id, kind: f.ffiKind, message: f.message,
                    cause: f.cause, requestSent: f.requestSent, nowMs: nowMs()))
        }
    }

    /// The ticket's request with its JWTs signed by the host-signed keys'
    /// signers (and the external assertion when it needs one too); nil when a
    /// signer failed (reported: retried like a network error) or the core
    /// refused a signature (`INVALID_SIGNATURE`: the fetch failed for every waiter).
    private func signed(_ ticket: FetchTicket) async -> TokenRequestParts? {
        var signatures: [Data] = []
        do {
            for input in ticket.signingInputs {
                guard let sign = input.purpose == .dpopProof ? signers.dpop : signers.assertion else { throw NoSigner() }
                signatures.append(try await sign(input.alg, input.keyId, input.bytes))
            }
        } catch {
            // The signer's own words, short: a signing failure names no secret (the input is none either).
            changed(lifecycle.signerFailed(ticketId: ticket.id, message: String("\(error)".prefix(200)), nowMs: nowMs()))
            return nil
        }
        var assertion: String?
        if ticket.needsClientAssertion {
            do {
                assertion = try await (clientAssertion ?? { throw AssertionSourceMissing() })()
            } catch {
                changed(lifecycle.assertionSourceFailed(ticketId: ticket.id, message: "\(error)", nowMs: nowMs()))
                return nil
            }
        }
        guard
            let request = try? lifecycle.completeRequest(
                ticketId: ticket.id, signatures: signatures, clientAssertion: assertion, nowMs: nowMs())
        else {
            changed()
            return nil
        }
        return request
    }

    /// After a report, drop, import or revocation: the memo is stale (a new
    /// token comes with its ready span: the memo then), every waiter looks
    /// again, the proactive timer follows the core.
    private func changed(_ outcome: FetchOutcome? = nil) {
        if case .token(let token, let info, let from, let until) = outcome {
            memo = Memo(AccessToken(token, info: info), from: from, until: until)
        } else {
            memo = nil
        }
        let woken = waiters
        waiters = [:]
        for continuation in woken.values { continuation.resume() }
        armRefresher()
        drain()  // the report's or drop's events
    }

    /// Hands the core's pending events to the platform log and the listener,
    /// in order. Called after lifecycle changes only, never on the cached path.
    private func drain() {
        guard listener != nil || eventLog != nil else { return }
        for event in lifecycle.drainEvents() {
            eventLog?.log(event)
            guard let listener else { continue }
            do {
                try listener(event)
            } catch {
                eventLog?.listenerFailed(error)
            }
        }
    }

    /// Ends the cool-down a failed fetch is served from (or a retry's
    /// backoff): the next call fetches at once, and waiting callers wake to
    /// do so. For when the cause was fixed (a secret registered again, the
    /// server back). Returns whether there was one.
    @discardableResult
    public func resetFailure() -> Bool {
        let reset = lifecycle.resetFailure(nowMs: nowMs())
        if reset { changed() }  // wakes the waiters; failure_reset
        return reset
    }

    /// The cache entry's counters and state: the core's, with the tokens this
    /// client served from its own cache added to `tokensServed`. No secret or
    /// token (`tokenId` is a SHA-256 prefix).
    public func stats() -> TokenStats {
        var stats = lifecycle.stats()
        stats.tokensServed &+= memoHits
        return stats
    }

    private func wait(ms: UInt64) async {
        let id = nextWaiter
        nextWaiter &+= 1
        let timer = Task { [weak self] in
            try? await Task.sleep(nanoseconds: ms * 1_000_000)
            await self?.resume(id)
        }
        await withCheckedContinuation { waiters[id] = $0 }
        timer.cancel()
    }

    private func resume(_ id: UInt64) { waiters.removeValue(forKey: id)?.resume() }

    /// One timer at the core's proactive refresh time (none without `proactiveRefresh`):
    /// it runs the get-token path in the background; errors wait for the next caller.
    private func armRefresher() {
        let at = closed ? nil : lifecycle.proactiveRefreshAt()
        guard at != refresher?.at else { return }
        refresher?.task.cancel()
        refresher = at.map { at in
            (
                Task { [weak self] in
                    let now = nowMs()
                    try? await Task.sleep(nanoseconds: (at > now ? at - now : 0) * 1_000_000)
                    guard !Task.isCancelled else { return }
                    await self?.refreshNow()
                }, at
            )
        }
    }

    private func refreshNow() async {
        guard !Task.isCancelled else { return }  // re-armed or closed meanwhile
        refresher = nil
        _ = try? await token()
        armRefresher()
    }

    /// The `Authorization` header value, e.g. `Bearer eyJ…`.
    public func authorizationHeader() async throws -> String { try await token().authorization }

    /// Sets `Authorization` on `request` with a valid token (and `DPoP`, a
    /// fresh proof for its method and URL, when the token is DPoP-bound).
    public nonisolated func authorize(_ request: inout URLRequest) async throws {
        let (_, api) = try await prepared(method: request.httpMethod ?? "GET", url: request.url?.absoluteString ?? "")
        for header in api.headers { request.setValue(header.value, forHTTPHeaderField: header.name) }
    }

    /// The headers for an API call: `Authorization`, plus `DPoP` (a fresh proof
    /// for `method` and `url`) when the token is DPoP-bound. Pass a `DPoP-Nonce`
    /// the API answers to `rememberDpopNonce`.
    public func authorizationHeaders(method: String, url: String) async throws -> [String: String] {
        let (_, api) = try await prepared(method: method, url: url)
        return Dictionary(api.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// The API rejected `token` (with this `WWW-Authenticate`). Returns whether
    /// the core dropped it; an `insufficient_scope` challenge keeps it.
    @discardableResult
    public func invalidate(_ token: AccessToken, wwwAuthenticate: String? = nil) -> Bool {
        defer {
            dropShared()
            changed()
        }
        return lifecycle.invalidate(accessToken: token.accessToken, wwwAuthenticate: wwwAuthenticate)
    }

    /// A valid token and the core's headers for one API call with it.
    func prepared(method: String, url: String) async throws -> (AccessToken, ApiHeaders) {
        let token = try await token()
        return (token, try await headers(for: token, method: method, url: url))
    }

    /// The core's headers for `token` on one API call: the memo's when they
    /// serve every call with it, else asked for (a DPoP proof is per call;
    /// a host-signed DPoP key's proof is signed here).
    func headers(for token: AccessToken, method: String, url: String) async throws -> ApiHeaders {
        let m = memo.flatMap { $0.token.ffi === token.ffi ? $0 : nil }
        if let kept = m?.headers { return kept }
        var api = try translated { try lifecycle.apiHeaders(token: token.ffi, method: method.uppercased(), url: url, nowMs: nowMs()) }
        if let unsigned = api.dpopToSign {
            guard let sign = signers.dpop else { throw NoSigner() }
            let input = unsigned.signingInput()
            let signature = try await sign(input.alg, input.keyId, input.bytes)
            api.headers.append(Header(name: "DPoP", value: try translated { try unsigned.proof(signature: signature) }))
            api.dpopToSign = nil
        }
        if api.reusable { m?.headers = api }
        return api
    }

    /// What to do after the API answered a call made with `token`: the core
    /// keeps its `DPoP-Nonce` and drops a token its challenge condemns.
    func verdict(
        _ token: AccessToken, url: String, status: Int, wwwAuthenticate: String?, dpopNonce: String?,
        nonceRetried: Bool
    ) -> ApiVerdict {
        let verdict = lifecycle.apiResponse(
            accessToken: token.accessToken, url: url, status: UInt16(clamping: status),
            wwwAuthenticate: wwwAuthenticate, dpopNonce: dpopNonce, nonceRetried: nonceRetried)
        if verdict == .retryWithNewToken {
            dropShared()
            changed()
        }
        return verdict
    }

    /// Remembers a resource server's `DPoP-Nonce` for the next proofs to it.
    @discardableResult
    public func rememberDpopNonce(url: String, nonce: String) -> Bool {
        lifecycle.rememberDpopNonce(url: url, nonce: nonce)
    }

    /// Revokes `accessToken` (RFC 7009; default: the cached one, which is then
    /// dropped so the next call fetches a new token) at `revocationEndpoint`
    /// or the discovered one.
    public func revoke(_ accessToken: String? = nil, hint: TokenHint = .accessToken) async throws {
        let value: String
        if let accessToken { value = accessToken } else { value = try await token().accessToken }
        let unsigned = try translated { try lifecycle.prepareRevocationRequest(token: value, hint: hint.ffi, nowMs: nowMs()) }
        dropShared()
        changed()  // the core dropped the token if it was the cached one
        let (status, headers, body) = try await adminExchange(try await finished(unsigned))
        try translated { try lifecycle.handleRevocationResponse(status: status, headers: headers, body: body, nowMs: nowMs()) }
    }

    /// Asks the server about `accessToken` (RFC 7662) at `introspectionEndpoint` or the discovered one.
    public func introspect(_ accessToken: String, hint: TokenHint? = nil) async throws -> Introspection {
        let unsigned = try translated {
            try lifecycle.prepareIntrospectionRequest(token: accessToken, hint: hint?.ffi, nowMs: nowMs())
        }
        let (status, headers, body) = try await adminExchange(try await finished(unsigned))
        let text = try translated {
            try lifecycle.handleIntrospectionResponse(status: status, headers: headers, body: body, nowMs: nowMs())
        }
        let fields = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
        return Introspection(
            active: fields["active"] as? Bool ?? false, scope: fields["scope"] as? String,
            clientId: fields["client_id"] as? String, exp: (fields["exp"] as? NSNumber)?.int64Value,
            tokenType: fields["token_type"] as? String, fieldsJSON: text)
    }

    /// A revocation or introspection request, its client assertion signed by
    /// the host-signed key's signer (the token requests' one): a failing
    /// signer is the `.transport` error (cause `signer`) a token request's
    /// ends in, a bad signature `INVALID_SIGNATURE`.
    private func finished(_ unsigned: UnsignedTokenRequest) async throws -> TokenRequestParts {
        var signatures: [Data] = []
        do {
            for input in unsigned.signingInputs() {
                guard let sign = input.purpose == .dpopProof ? signers.dpop : signers.assertion else { throw NoSigner() }
                signatures.append(try await sign(input.alg, input.keyId, input.bytes))
            }
        } catch {
            // As for a token request: the signer's own words, short.
            throw CcauthError(
                lifecycle.adminTransportError(
                    kind: .other, message: "the signer failed: " + String("\(error)".prefix(200)), cause: "signer",
                    requestSent: false))
        }
        return try translated { try unsigned.finish(signatures: signatures) }
    }

    /// A revocation or introspection exchange; no reply is the core's transport error.
    private func adminExchange(_ request: TokenRequestParts) async throws -> (UInt16, [Header], Data) {
        switch await Self.exchange(request, timeout: timeout, send: { try await self.send($0) }) {
        case .response(let status, let headers, let body): return (status, headers, body)
        case .failed(let f):
            throw CcauthError(
                lifecycle.adminTransportError(kind: f.ffiKind, message: f.message, cause: f.cause, requestSent: f.requestSent))
        }
    }

    /// Sends one of the core's requests; `send` reads the reply up to the limit that applies to it.
    private static func exchange(
        _ request: TokenRequestParts, timeout: TimeInterval,
        send: (URLRequest) async throws -> (Data, HTTPURLResponse)
    ) async -> Reply {
        do {
            guard let url = URL(string: request.url) else { throw URLError(.badURL) }
            var urlRequest = URLRequest(url: url, timeoutInterval: timeout)
            urlRequest.httpMethod = request.method
            for h in request.headers { urlRequest.addValue(h.value, forHTTPHeaderField: h.name) }
            if request.method != "GET" { urlRequest.httpBody = request.body }
            let (data, response) = try await send(urlRequest)
            let headers = response.allHeaderFields.map { Header(name: "\($0.key)", value: "\($0.value)") }
            return .response(status: UInt16(clamping: response.statusCode), headers: headers, body: data)
        } catch {
            return .failed(TransportFailure(error))
        }
    }

    /// A client from the issuer alone: its metadata (RFC 8414, then OpenID
    /// Connect Discovery; cached per process by the core) gives the token
    /// endpoint (when `options.tokenEndpoint` is empty), the revocation and
    /// introspection endpoints, the auth method and the signing algorithm.
    public static func discover(issuer: String, _ options: ClientCredentialsOptions) async throws -> ClientCredentials {
        let metadata = try await discovered(
            issuer: issuer, dangerAcceptInsecureHttp: options.dangerAcceptInsecureHttp, timeoutMs: options.timeoutMs)
        return try ClientCredentials(options, session: nil, discovered: (issuer, metadata))
    }

    /// The metadata JSON of `issuer` (the core's discovery, its requests sent
    /// here on a session of their own), or the core's error.
    static func discovered(issuer: String, dangerAcceptInsecureHttp: Bool, timeoutMs: UInt64) async throws -> String {
        let timeout = TimeInterval(timeoutMs) / 1000
        let discovery = Discovery(issuer: issuer, dangerAcceptInsecureHttp: dangerAcceptInsecureHttp)
        let reader = ReplyReader()
        let session = URLSession(configuration: .ephemeral, delegate: reader, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        // No config yet: the core's default limit.
        let limit = Int(clamping: defaultMaxResponseBytes())
        var step = discovery.start(nowMs: nowMs())
        while true {
            switch step {
            case .send(let request):
                switch await exchange(request.parts(), timeout: timeout, send: { try await reader.send($0, on: session, limit: limit) }) {
                case .response(let status, let headers, let body):
                    step = discovery.handleResponse(status: status, headers: headers, body: body, nowMs: nowMs())
                case .failed(let f):
                    step = discovery.handleTransportError(kind: f.ffiKind, message: f.message, cause: f.cause, requestSent: f.requestSent)
                }
            case .done(let metadata):
                return metadata
            case .failed(let error):
                throw CcauthError(error)
            }
        }
    }

    /// The cached token as a versioned JSON document (it holds the token: store it like a secret).
    public func exportToken() -> String? { lifecycle.exportToken() }

    /// Loads a document from `exportToken()`; throws `.tokenDocument` if expired, foreign or malformed.
    public func importToken(_ document: String) throws -> AccessToken {
        defer { changed() }
        return try translated { AccessToken(try lifecycle.importToken(document: document, nowMs: nowMs())) }
    }

    /// Sends through the session, reading the reply up to the limit; with
    /// the default session, through its delegate (`ReplyReader`).
    private func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        if let reader {
            return try await reader.send(request, on: session, limit: responseLimit)
        }
        return try await session.httpData(for: request, limit: responseLimit)
    }
}

extension TransportFailure {
    /// The core's kind.
    var ffiKind: TransportKind {
        switch kind {
        case "timeout": return .timeout
        case "connect": return .connect
        case "reset": return .reset
        case "tls": return .tls
        default: return .other
        }
    }
}

private func nowMs() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
