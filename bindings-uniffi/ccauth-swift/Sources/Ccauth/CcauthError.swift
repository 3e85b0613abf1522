import CcauthFFI

/// Every ccauth failure. `code` is the core's stable code (`TOKEN_ENDPOINT_ERROR`,
/// `INVALID_TOKEN_ENDPOINT`, …), the same in every language; `message` is the
/// core's sanitized text: never a secret or token.
public struct CcauthError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// Where the failure comes from.
    public enum Kind: String, Sendable {
        /// An option was rejected (`field` names it).
        case config
        /// The token endpoint sent an RFC 6749 error (`error`, `errorDescription`).
        case oauth
        /// The response was not a token (status, HTML page, bad JSON, …).
        case response
        /// No response: timeout, connection or TLS failure.
        case transport
        /// An exported token document could not be imported.
        case tokenDocument
    }

    public let kind: Kind
    public let code: String
    public let message: String
    /// Whether the same request may succeed later.
    public let retryable: Bool
    /// HTTP status of the token endpoint's response, when there was one.
    public let status: Int?
    /// RFC 6749 `error` (`invalid_client`, …).
    public let error: String?
    public let errorDescription: String?
    public let errorUri: String?
    /// The server's `Retry-After`, in milliseconds.
    public let retryAfterMs: UInt64?
    /// The option at fault (config errors).
    public let field: String?

    init(_ info: ErrorInfo) {
        code = info.code
        message = info.message
        retryable = info.retryable
        status = info.status.map(Int.init)
        error = info.error
        errorDescription = info.errorDescription
        errorUri = info.errorUri
        retryAfterMs = info.retryAfterMs
        field = info.field
        // The core classifies the failure; this only renames the case.
        switch info.kind {
        case .config: kind = .config
        case .oAuth: kind = .oauth
        case .response, .other: kind = .response
        case .transport: kind = .transport
        case .tokenDocument: kind = .tokenDocument
        }
    }

    /// An error of the Swift driver itself, shaped like the core's.
    private init(kind: Kind, code: String, message: String, retryable: Bool, field: String?) {
        self.kind = kind
        self.code = code
        self.message = "\(code): \(message)"
        self.retryable = retryable
        status = nil
        error = nil
        errorDescription = nil
        errorUri = nil
        retryAfterMs = nil
        self.field = field
    }

    static func missingEndpoint(_ what: String) -> CcauthError {
        CcauthError(kind: .config, code: "INVALID_PARAMETER",
                    message: "no \(what) endpoint (set \(what)Endpoint or use discover)", retryable: false, field: "\(what)_endpoint")
    }

    static func transport(_ message: String) -> CcauthError {
        CcauthError(kind: .transport, code: "TRANSPORT_ERROR", message: message, retryable: true, field: nil)
    }

    init(_ error: CcauthFFI.CcauthError) {
        switch error {
        case let .Config(info), let .Response(info), let .Transport(info), let .TokenDocument(info):
            self.init(info)
        }
    }

    public var description: String {
        var s = "CcauthError(\(kind.rawValue), code: \(code)"
        if let status { s += ", status: \(status)" }
        if let error { s += ", error: \(error)" }
        if let field { s += ", field: \(field)" }
        return s + "): \(message)"
    }

    public var debugDescription: String { description }
}

/// Runs `body`, turning the generated errors into `CcauthError`.
func translated<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CcauthFFI.CcauthError {
        throw CcauthError(error)
    }
}
