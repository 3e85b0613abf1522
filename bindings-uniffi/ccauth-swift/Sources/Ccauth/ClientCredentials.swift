import CcauthFFI
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An OAuth 2.0 client credentials client: tokens cached, refreshed ahead of
/// expiry, fetched once for any number of concurrent tasks.
///
/// ```swift
/// let client = try ClientCredentials(.init(tokenEndpoint: url, clientId: id, clientSecret: secret, scopes: ["api.read"]))
/// try await client.authorize(&request)   // sets Authorization: Bearer …
/// ```
///
/// The core decides who fetches, who waits, when to refresh and when to retry;
/// this actor sends requests with `URLSession`, reads the clock and wakes waiters.
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

/// Discovered metadata by issuer, shared by every client (the core keeps each an hour).
private let metadataCache = MetadataCache(ttlMs: 3_600_000)

private func randomBytes(_ n: Int) -> Data {
    var generator = SystemRandomNumberGenerator()
    return Data((0 ..< n).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
}

public actor ClientCredentials {
    private let lifecycle: TokenLifecycle
    /// The config document (it holds the credentials), for revocation and introspection.
    private let document: String
    private let clientAssertion: (@Sendable () async throws -> String)?
    private let revocationEndpoint: String?
    private let introspectionEndpoint: String?
    private let session: URLSession
    /// The delegate of the session made here (nil for a session given by the caller).
    private let reader: ReplyReader?
    private let timeout: TimeInterval
    /// The most a reply body may hold (the core refuses more): at most one byte more is read.
    private let responseLimit: Int
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0
    /// Bumped by every report, invalidation and import: a poll's "ready" is memoized only if nothing happened since.
    private var generation: UInt64 = 0
    /// The core's last "ready" answer: it stays "ready" with the same token until its refresh time.
    private var memo: (token: AccessToken, from: UInt64, until: UInt64)?

    /// Validates `options` at once (a `CcauthError` of kind `.config` names the bad one).
    /// The default session never follows redirects (they would resend the credentials).
    public init(_ options: ClientCredentialsOptions, session: URLSession? = nil, timeout: TimeInterval = 10) throws {
        try self.init(options, session: session, timeout: timeout, discovered: nil)
    }

    private init(_ options: ClientCredentialsOptions, session: URLSession?, timeout: TimeInterval,
                 discovered: (issuer: String, metadata: String)?) throws {
        let dpopKey = options.dpop && options.dpopKey == nil
            ? try translated { try generateDpopKey(entropy: randomBytes(32)) } : nil
        let document = options.configJSON(dpopKeyJSON: dpopKey, issuer: discovered?.issuer, metadataJSON: discovered?.metadata)
        let lifecycle = try translated { try TokenLifecycle(configJson: document, seed: UInt64.random(in: 0 ... UInt64.max)) }
        // Randomness for signatures (jti, salts): the system's CSPRNG.
        try translated { try lifecycle.seedEntropy(entropy: randomBytes(32)) }
        self.lifecycle = lifecycle
        self.document = document
        clientAssertion = options.clientAssertion
        let metadata = discovered.flatMap {
            try? JSONSerialization.jsonObject(with: Data($0.metadata.utf8)) as? [String: Any]
        }
        revocationEndpoint = options.revocationEndpoint ?? metadata?["revocation_endpoint"] as? String
        introspectionEndpoint = options.introspectionEndpoint ?? metadata?["introspection_endpoint"] as? String
        if let session {
            self.session = session
            reader = nil
        } else {
            let reader = ReplyReader()
            self.session = URLSession(configuration: .ephemeral, delegate: reader, delegateQueue: nil)
            self.reader = reader
        }
        self.timeout = timeout
        responseLimit = Int(clamping: lifecycle.maxResponseBytes())
    }

    /// A valid token: cached, or fetched once for every concurrent caller.
    public func token() async throws -> AccessToken {
        while true {
            let now = nowMs()
            if let m = memo, now >= m.from, now < m.until { return m.token }
            let polled = generation
            switch lifecycle.poll(nowMs: now) {
            case let .ready(token, info):
                let t = AccessToken(token, info: info)
                if generation == polled { remember(t) }
                return t
            case let .fetch(ticket):
                await fetch(ticket)
            case let .refreshAhead(token, info, ticket):
                Task { await self.fetch(ticket) }
                return AccessToken(token, info: info)
            case let .wait(untilMs):
                let ms = min(max(Int64(bitPattern: untilMs) - Int64(bitPattern: nowMs()), 1), 1_000)
                await wait(ms: UInt64(ms))
            case let .failed(error):
                throw CcauthError(error)
            }
        }
    }

    /// The `Authorization` header value, e.g. `Bearer eyJ…`.
    public func authorizationHeader() async throws -> String { try await token().authorization }

    /// Sets `Authorization` on `request` with a valid token.
    public nonisolated func authorize(_ request: inout URLRequest) async throws {
        let header = try await authorizationHeader()
        request.setValue(header, forHTTPHeaderField: "Authorization")
    }

    /// The API rejected `token` (with this `WWW-Authenticate`). Returns whether
    /// the core dropped it; an `insufficient_scope` challenge keeps it.
    @discardableResult
    public func invalidate(_ token: AccessToken, wwwAuthenticate: String? = nil) -> Bool {
        changed(nil)
        return lifecycle.invalidate(accessToken: token.accessToken, wwwAuthenticate: wwwAuthenticate)
    }

    /// The headers for `token` on one API call (internal: `data(for:session:)` uses it too).
    func headers(for token: AccessToken, method: String, url: String) -> [String: String] {
        guard token.tokenType.lowercased() == "dpop",
              let proof = lifecycle.dpopProof(accessToken: token.accessToken, method: method.uppercased(), url: url, nowMs: nowMs())
        else { return ["Authorization": token.authorization] }
        return ["Authorization": token.authorization, "DPoP": proof]
    }

    /// The headers for an API call: `Authorization`, plus `DPoP` (a fresh proof
    /// for `method` and `url`) when the token is DPoP-bound. Pass a `DPoP-Nonce`
    /// the API answers to `rememberDpopNonce`.
    public func authorizationHeaders(method: String, url: String) async throws -> [String: String] {
        headers(for: try await token(), method: method, url: url)
    }

    /// Remembers a resource server's `DPoP-Nonce` for the next proofs to it.
    @discardableResult
    public func rememberDpopNonce(url: String, nonce: String) -> Bool {
        lifecycle.rememberDpopNonce(url: url, nonce: nonce)
    }

    /// Revokes `accessToken` (RFC 7009; default: the cached one, which is then
    /// dropped so the next call fetches a new token).
    public func revoke(_ accessToken: String? = nil, hint: TokenHint = .accessToken) async throws {
        let value: String
        if let accessToken { value = accessToken } else { value = try await token().accessToken }
        guard let endpoint = revocationEndpoint else { throw CcauthError.missingEndpoint("revocation") }
        let request = try translated {
            try buildRevocationRequest(configJson: document, endpoint: endpoint, token: value, hint: hint.ffi, nowMs: nowMs(), entropy: randomBytes(32))
        }
        let (status, headers, body) = try await exchange(request)
        try translated { try parseRevocationResponse(configJson: document, status: status, headers: headers, body: body, nowMs: nowMs()) }
        changed(nil)
        _ = lifecycle.invalidate(accessToken: value, wwwAuthenticate: nil)
    }

    /// Asks the server about `accessToken` (RFC 7662).
    public func introspect(_ accessToken: String, hint: TokenHint? = nil) async throws -> Introspection {
        guard let endpoint = introspectionEndpoint else { throw CcauthError.missingEndpoint("introspection") }
        let request = try translated {
            try buildIntrospectionRequest(configJson: document, endpoint: endpoint, token: accessToken, hint: hint?.ffi, nowMs: nowMs(), entropy: randomBytes(32))
        }
        let (status, headers, body) = try await exchange(request)
        let text = try translated { try parseIntrospectionResponse(configJson: document, status: status, headers: headers, body: body, nowMs: nowMs()) }
        let fields = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
        return Introspection(
            active: fields["active"] as? Bool ?? false, scope: fields["scope"] as? String,
            clientId: fields["client_id"] as? String, exp: (fields["exp"] as? NSNumber)?.int64Value,
            tokenType: fields["token_type"] as? String, fieldsJSON: text)
    }

    private func exchange(_ request: TokenRequest) async throws -> (UInt16, [Header], Data) {
        try await Self.exchange(request, send: { try await self.send($0) }, timeout: timeout)
    }

    /// One request of the driver's own (discovery, revocation, introspection);
    /// `send` reads the reply up to the limit that applies to it.
    private static func exchange(_ request: TokenRequest, send: (URLRequest) async throws -> (Data, HTTPURLResponse),
                                 timeout: TimeInterval) async throws -> (UInt16, [Header], Data) {
        guard let url = URL(string: request.url()) else { throw CcauthError.transport(TransportFailure(URLError(.badURL))) }
        var urlRequest = URLRequest(url: url, timeoutInterval: timeout)
        urlRequest.httpMethod = request.method()
        for h in request.headers() { urlRequest.addValue(h.value, forHTTPHeaderField: h.name) }
        if request.method() != "GET" { urlRequest.httpBody = request.body() }
        let data: Data, response: HTTPURLResponse
        do {
            (data, response) = try await send(urlRequest)
        } catch {
            throw CcauthError.transport(TransportFailure(error))
        }
        let headers = response.allHeaderFields.map { Header(name: "\($0.key)", value: "\($0.value)") }
        return (UInt16(clamping: response.statusCode), headers, data)
    }

    /// A client from the issuer alone: fetches its metadata (RFC 8414, then
    /// OpenID Connect Discovery), checks the issuer, and takes the token endpoint
    /// (when `options.tokenEndpoint` is empty), the auth method and the signing
    /// algorithm the server supports. Metadata is cached per issuer for an hour.
    public static func discover(issuer: String, _ options: ClientCredentialsOptions, timeout: TimeInterval = 10) async throws -> ClientCredentials {
        var text = metadataCache.get(issuer: issuer, nowMs: nowMs())
        var last: Error?
        let reader = ReplyReader()
        let session = URLSession(configuration: .ephemeral, delegate: reader, delegateQueue: nil)
        // No config yet: the core's default limit.
        let limit = Int(clamping: defaultMaxResponseBytes())
        defer { session.finishTasksAndInvalidate() }
        for kind in [MetadataKind.oAuth, .openId] where text == nil {
            do {
                let request = try translated {
                    try buildMetadataRequest(issuer: issuer, kind: kind, dangerAcceptInsecureHttp: options.dangerAcceptInsecureHttp)
                }
                let (status, headers, body) = try await exchange(request, send: { try await reader.send($0, on: session, limit: limit) }, timeout: timeout)
                let found = try translated { try parseMetadataResponse(issuer: issuer, status: status, headers: headers, body: body, nowMs: nowMs()) }
                try translated { try metadataCache.insert(issuer: issuer, metadataJson: found, nowMs: nowMs()) }
                text = found
            } catch {
                last = error
            }
        }
        guard let metadata = text else { throw last ?? CcauthError.transport(TransportFailure(URLError(.resourceUnavailable))) }
        return try ClientCredentials(options, session: nil, timeout: timeout, discovered: (issuer, metadata))
    }

    /// The cached token as a versioned JSON document (it holds the token: store it like a secret).
    public func exportToken() -> String? { lifecycle.exportToken() }

    /// Loads a document from `exportToken()`; throws `.tokenDocument` if expired, foreign or malformed.
    public func importToken(_ document: String) throws -> AccessToken {
        changed(nil)
        return try translated { AccessToken(try lifecycle.importToken(document: document, nowMs: nowMs())) }
    }

    private func remember(_ token: AccessToken) {
        // The core trusts a token from 5 s before its issue time (clock steps back).
        memo = (token, token.issuedAtMs &- 5_000, token.refreshAtMs)
    }

    /// Wakes every waiter; a new token is what the core will answer "ready" with.
    private func changed(_ token: AccessToken?) {
        generation &+= 1
        memo = nil
        if let token { remember(token) }
        let woken = waiters
        waiters = [:]
        for continuation in woken.values { continuation.resume() }
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

    /// Sends one ticket's request and reports the outcome to the core.
    private func fetch(_ ticket: FetchTicket) async {
        var tokenRequest = ticket.request
        if ticket.needsClientAssertion {
            do {
                let assertion = try await clientAssertion!()
                tokenRequest = try lifecycle.requestWithAssertion(ticketId: ticket.id, assertion: assertion, nowMs: nowMs())
            } catch is CcauthFFI.CcauthError {
                changed(nil) // the core failed the fetch already: every waiter gets its error
                return
            } catch {
                _ = lifecycle.handleTransportError(
                    ticketId: ticket.id, kind: .other, message: "the client assertion source failed",
                    cause: "\(type(of: error))", requestSent: false, nowMs: nowMs())
                changed(nil)
                return
            }
        }
        let outcome: FetchOutcome
        do {
            guard let url = URL(string: ticket.url) else { throw URLError(.badURL) }
            var request = URLRequest(url: url, timeoutInterval: timeout)
            request.httpMethod = ticket.method
            for h in tokenRequest.headers() { request.addValue(h.value, forHTTPHeaderField: h.name) }
            request.httpBody = tokenRequest.body()
            let (data, response) = try await send(request)
            let headers = response.allHeaderFields.map { Header(name: "\($0.key)", value: "\($0.value)") }
            outcome = lifecycle.handleResponse(
                ticketId: ticket.id, status: UInt16(clamping: response.statusCode), headers: headers, body: data, nowMs: nowMs())
        } catch {
            let failure = TransportFailure(error)
            outcome = lifecycle.handleTransportError(ticketId: ticket.id, kind: failure.ffiKind, message: failure.message,
                                                     cause: failure.cause, requestSent: failure.requestSent, nowMs: nowMs())
        }
        if case let .token(token, info) = outcome {
            changed(AccessToken(token, info: info))
        } else {
            changed(nil)
        }
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
