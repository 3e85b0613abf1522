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
public actor ClientCredentials {
    private let lifecycle: TokenLifecycle
    private let session: URLSession
    private let transfers: TokenTransfers?
    private let timeout: TimeInterval
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0
    /// Bumped by every report, invalidation and import: a poll's "ready" is memoized only if nothing happened since.
    private var generation: UInt64 = 0
    /// The core's last "ready" answer: it stays "ready" with the same token until its refresh time.
    private var memo: (token: AccessToken, from: UInt64, until: UInt64)?

    /// Validates `options` at once (a `CcauthError` of kind `.config` names the bad one).
    /// The default session never follows redirects (they would resend the credentials).
    public init(_ options: ClientCredentialsOptions, session: URLSession? = nil, timeout: TimeInterval = 10) throws {
        let document = options.configJSON()
        lifecycle = try translated { try TokenLifecycle(configJson: document, seed: UInt64.random(in: 0 ... UInt64.max)) }
        if let session {
            self.session = session
            transfers = nil
        } else {
            let transfers = TokenTransfers()
            self.session = URLSession(configuration: .ephemeral, delegate: transfers, delegateQueue: nil)
            self.transfers = transfers
        }
        self.timeout = timeout
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
        let outcome: FetchOutcome
        do {
            guard let url = URL(string: ticket.url) else { throw URLError(.badURL) }
            var request = URLRequest(url: url, timeoutInterval: timeout)
            request.httpMethod = ticket.method
            for h in ticket.request.headers() { request.addValue(h.value, forHTTPHeaderField: h.name) }
            request.httpBody = ticket.request.body()
            let (data, response) = try await send(request)
            let headers = response.allHeaderFields.map { Header(name: "\($0.key)", value: "\($0.value)") }
            outcome = lifecycle.handleResponse(
                ticketId: ticket.id, status: UInt16(clamping: response.statusCode), headers: headers, body: data, nowMs: nowMs())
        } catch {
            let (kind, message) = Self.transportKind(error)
            outcome = lifecycle.handleTransportError(ticketId: ticket.id, kind: kind, message: message, nowMs: nowMs())
        }
        if case let .token(token, info) = outcome {
            changed(AccessToken(token, info: info))
        } else {
            changed(nil)
        }
    }

    /// Sends through the session; with the default session, through the
    /// delegate below (see `TokenTransfers` for why).
    private func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        if let transfers {
            return try await transfers.send(request, on: session)
        }
        return try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else if let http = response as? HTTPURLResponse {
                    continuation.resume(returning: (data ?? Data(), http))
                } else {
                    continuation.resume(throwing: URLError(.badServerResponse))
                }
            }.resume()
        }
    }

    private static func transportKind(_ error: Error) -> (TransportKind, String) {
        guard let e = error as? URLError else { return (.other, "\(type(of: error))") }
        switch e.code {
        case .timedOut: return (.timeout, "timed out")
        case .cannotConnectToHost, .cannotFindHost, .networkConnectionLost, .notConnectedToInternet, .dnsLookupFailed:
            return (.connect, "URLError \(e.code.rawValue)")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return (.tls, "URLError \(e.code.rawValue)")
        default: return (.other, "URLError \(e.code.rawValue)")
        }
    }
}

private func nowMs() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

/// The default session's delegate: refuses redirects (a token endpoint that
/// redirects is misconfigured; following would resend the credentials) and
/// treats a 401 as the answer it is. On Linux, FoundationNetworking turns a
/// 401 with `WWW-Authenticate: Basic` into an authentication challenge and,
/// with no stored credential, never completes the task (a bug in
/// swift-corelibs-foundation): the response and body have arrived by then, so
/// the transfer is finished here and the task cancelled.
private final class TokenTransfers: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct Transfer {
        var continuation: CheckedContinuation<(Data, HTTPURLResponse), Error>
        var response: HTTPURLResponse?
        var data = Data()
    }

    private let lock = NSLock()
    private var transfers: [Int: Transfer] = [:]

    func send(_ request: URLRequest, on session: URLSession) async throws -> (Data, HTTPURLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request)
            lock.withLock { transfers[task.taskIdentifier] = Transfer(continuation: continuation) }
            task.resume()
        }
    }

    private func finish(_ task: URLSessionTask, _ result: Result<(Data, HTTPURLResponse), Error>) {
        guard let transfer = lock.withLock({ transfers.removeValue(forKey: task.taskIdentifier) }) else { return }
        transfer.continuation.resume(with: result)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        lock.withLock { transfers[dataTask.taskIdentifier]?.response = response as? HTTPURLResponse }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.withLock { transfers[dataTask.taskIdentifier]?.data.append(data) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let transfer = lock.withLock { transfers[task.taskIdentifier] }
        if let error {
            finish(task, .failure(error))
        } else if let response = transfer?.response ?? task.response as? HTTPURLResponse {
            finish(task, .success((transfer?.data ?? Data(), response)))
        } else {
            finish(task, .failure(URLError(.badServerResponse)))
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        #if canImport(FoundationNetworking)
        // The 401 is complete (status, headers, body): hand it to the core as it is.
        let transfer = lock.withLock { transfers[task.taskIdentifier] }
        if let response = transfer?.response ?? challenge.failureResponse as? HTTPURLResponse {
            finish(task, .success((transfer?.data ?? Data(), response)))
        }
        completionHandler(.cancelAuthenticationChallenge, nil)
        #else
        completionHandler(.performDefaultHandling, nil)
        #endif
    }
}
