import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A reply body read for the core, up to a limit: at most `limit + 1` bytes
/// are kept (enough for the core to see the reply is too large), and a
/// `Content-Length` above the limit keeps none. The core then answers
/// `RESPONSE_TOO_LARGE` from what it is given.
struct BoundedBody {
    let limit: Int?
    private(set) var response: HTTPURLResponse?
    private(set) var data = Data()

    init(limit: Int?) { self.limit = limit }

    /// Takes the response head; false when its declared length is above the
    /// limit: nothing more is to be read.
    mutating func accept(_ response: HTTPURLResponse) -> Bool {
        self.response = response
        guard let limit else { return true }
        return response.expectedContentLength <= Int64(limit)
    }

    /// Appends a chunk; false once `limit + 1` bytes are in: stop reading.
    mutating func append(_ chunk: Data) -> Bool {
        guard let limit else {
            data.append(chunk)
            return true
        }
        let room = limit + 1 - data.count
        if room > 0 { data.append(chunk.prefix(room)) }
        return data.count <= limit
    }

    #if !canImport(FoundationNetworking)
        mutating func append(_ byte: UInt8) -> Bool {
            data.append(byte)
            return limit.map { data.count <= $0 } ?? true
        }
    #endif
}

/// A transfer that failed, with what the driver knows of how far it got.
struct TransferError: Error {
    let underlying: Error
    /// The request body was handed to the connection (nil: not known).
    let requestSent: Bool?
}

extension URLSession {
    /// One HTTP exchange, answered as an `HTTPURLResponse` with its body.
    /// `limit` bounds the body read (replies for the core); nil reads it all
    /// (API calls: the body is the caller's).
    /// - Apple platforms: `bytes(for:)`, read as it streams; the task is
    ///   cancelled (the connection closed, not drained) at `limit + 1` bytes
    ///   or on a `Content-Length` above `limit`.
    /// - Linux: FoundationNetworking streams a body only to a session's own
    ///   delegate (`data(for:delegate:)` buffers the whole body besides), so
    ///   the exchange goes through a session made from this one's
    ///   configuration with a `ReplyReader` as its delegate.
    func httpData(for request: URLRequest, limit: Int? = nil) async throws -> (Data, HTTPURLResponse) {
        guard let limit else { return try await unboundedData(for: request) }
        #if canImport(FoundationNetworking)
            let reader = ReplyReader()
            let session = URLSession(configuration: configuration, delegate: reader, delegateQueue: nil)
            defer { session.finishTasksAndInvalidate() }
            return try await reader.send(request, on: session, limit: limit)
        #else
            let (bytes, response) = try await bytes(for: request)
            guard let http = response as? HTTPURLResponse else {
                bytes.task.cancel()
                throw URLError(.cannotParseResponse)
            }
            var body = BoundedBody(limit: limit)
            guard body.accept(http) else {
                bytes.task.cancel()
                return (Data(), http)
            }
            do {
                for try await byte in bytes {
                    if !body.append(byte) {
                        bytes.task.cancel()
                        break
                    }
                }
            } catch {
                throw TransferError(underlying: error, requestSent: true)
            }
            return (body.data, http)
        #endif
    }

    /// A whole body through a completion-handler task (every Foundation has it).
    private func unboundedData(for request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else if let http = response as? HTTPURLResponse {
                    continuation.resume(returning: (data ?? Data(), http))
                } else {
                    continuation.resume(throwing: URLError(.cannotParseResponse))
                }
            }.resume()
        }
    }
}

/// The delegate of the sessions the client makes itself: reads each reply
/// for the core up to its limit (the task is cancelled, and the connection
/// closed, at `limit + 1` bytes or on a `Content-Length` above the limit),
/// refuses redirects (a token endpoint that redirects is misconfigured;
/// following would resend the credentials) and treats a 401 as the answer it
/// is. On Linux, FoundationNetworking turns a 401 with `WWW-Authenticate:
/// Basic` into an authentication challenge and, with no stored credential,
/// never completes the task (a bug in swift-corelibs-foundation): the
/// response and body have arrived by then, so the transfer is finished here
/// and the task cancelled.
final class ReplyReader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct Transfer {
        var continuation: CheckedContinuation<(Data, HTTPURLResponse), Error>
        var body: BoundedBody
        var requestSent: Bool?
    }

    private let lock = NSLock()
    private var transfers: [Int: Transfer] = [:]

    func send(_ request: URLRequest, on session: URLSession, limit: Int?) async throws -> (Data, HTTPURLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request)
            lock.withLock { transfers[task.taskIdentifier] = Transfer(continuation: continuation, body: BoundedBody(limit: limit)) }
            task.resume()
        }
    }

    private func finish(_ task: URLSessionTask, _ result: (Transfer) -> Result<(Data, HTTPURLResponse), Error>) {
        guard let transfer = lock.withLock({ transfers.removeValue(forKey: task.taskIdentifier) }) else { return }
        transfer.continuation.resume(with: result(transfer))
    }

    /// Hands the core what was read and closes the connection without
    /// draining it. FoundationNetworking runs the cancel on the queue libcurl
    /// reads on, so it can land late while data keeps coming (a fast server
    /// on loopback: up to the whole stream); what arrives meanwhile is
    /// dropped here as it comes. Asked from a high-priority queue, not this
    /// delegate's: the chunks queued for it are released sooner.
    private func stop(_ task: URLSessionTask, response: HTTPURLResponse) {
        finish(task) { .success(($0.body.data, $0.body.response ?? response)) }
        DispatchQueue.global(qos: .userInitiated).async { task.cancel() }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let http = response as? HTTPURLResponse else {
            completionHandler(.allow)
            return
        }
        let more = lock.withLock { () -> Bool in
            transfers[dataTask.taskIdentifier]?.requestSent = true
            return transfers[dataTask.taskIdentifier]?.body.accept(http) ?? true
        }
        if !more { stop(dataTask, response: http) }
        completionHandler(more ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let stopAt = lock.withLock { () -> HTTPURLResponse? in
            guard var transfer = transfers[dataTask.taskIdentifier] else { return nil }
            let more = transfer.body.append(data)
            transfers[dataTask.taskIdentifier] = transfer
            return more ? nil : transfer.body.response
        }
        if let stopAt { stop(dataTask, response: stopAt) }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64,
        totalBytesSent: Int64, totalBytesExpectedToSend: Int64
    ) {
        guard totalBytesSent >= totalBytesExpectedToSend else { return }
        lock.withLock { transfers[task.taskIdentifier]?.requestSent = true }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        finish(task) { transfer in
            if let error {
                return .failure(TransferError(underlying: error, requestSent: transfer.requestSent))
            } else if let response = transfer.body.response ?? task.response as? HTTPURLResponse {
                return .success((transfer.body.data, response))
            }
            return .failure(URLError(.cannotParseResponse))
        }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        #if canImport(FoundationNetworking)
            // The 401 is complete (status, headers, body): hand it to the core as it is.
            if let response = lock.withLock({ transfers[task.taskIdentifier]?.body.response }) ?? challenge.failureResponse
                as? HTTPURLResponse
            {
                finish(task) { .success(($0.body.data, response)) }
            }
            completionHandler(.cancelAuthenticationChallenge, nil)
        #else
            completionHandler(.performDefaultHandling, nil)
        #endif
    }
}
