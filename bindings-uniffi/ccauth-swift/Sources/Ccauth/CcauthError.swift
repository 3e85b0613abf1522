import CcauthFFI
import Foundation

/// One `WWW-Authenticate` challenge of a response (RFC 9110 §11.6.1), parsed by the core.
public struct AuthenticationChallenge: Sendable, Equatable {
    /// `Bearer`, `DPoP`, `Basic`, …
    public let scheme: String
    /// Its auth-params in order (`error`, `error_description`, `realm`, …).
    public let params: [Param]

    public struct Param: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    /// The first parameter of that name (case-insensitive).
    public func param(_ name: String) -> String? {
        params.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Every ccauth failure. `code` is the core's stable code (`TOKEN_ENDPOINT_ERROR`,
/// `INVALID_TOKEN_ENDPOINT`, `RESPONSE_TOO_LARGE`, …), the same in every
/// language; `message` is one line built from non-secret values: never a
/// secret or token.
public struct CcauthError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// Where the failure comes from.
    public enum Kind: String, Sendable {
        /// An option was rejected (`field` names it).
        case config
        /// The token endpoint sent an RFC 6749 error (`error`, `errorDescription`).
        case oauth
        /// The response was not a token (status, HTML page, bad JSON, too large, …).
        case response
        /// No response: timeout, connection or TLS failure (`transportKind`, `cause`).
        case transport
        /// An exported token document could not be imported.
        case tokenDocument
    }

    public let kind: Kind
    public let code: String
    public let message: String
    /// Whether the same request may succeed later.
    public let retryable: Bool
    /// HTTP status of the response, when there was one.
    public let status: Int?
    /// RFC 6749 `error` (`invalid_client`, …).
    public let error: String?
    /// RFC 6749 `error_description`, verbatim (line breaks kept; a secret in it redacted).
    public let errorDescription: String?
    public let errorUri: String?
    /// The server's `Retry-After`, in milliseconds.
    public let retryAfterMs: UInt64?
    /// What the body was: `json`, `form`, `html`, `text`, `empty`, … (responses only).
    public let bodyKind: String?
    /// The response's `Content-Type`.
    public let contentType: String?
    /// The body's length in bytes as read (the client reads at most the limit
    /// + 1), or the declared `Content-Length` when that is larger.
    public let bodyLen: UInt64?
    /// A short sanitized excerpt of a non-2xx body.
    public let excerpt: String?
    /// The response's `WWW-Authenticate`, parsed.
    public let wwwAuthenticate: [AuthenticationChallenge]
    /// The error body's other members as JSON object text (`{}` when none):
    /// Entra's `error_codes`, `trace_id`, `correlation_id`, …; `extras` parses it.
    public let extrasJson: String
    /// The `DPoP-Nonce` the server sent with a `use_dpop_nonce` error (such an error is retryable).
    public let dpopNonce: String?
    /// The option at fault (config errors), by its name in `ClientCredentialsOptions`
    /// (`tokenEndpoint`, `refresh.minLeewayMs`, …).
    public let field: String?
    /// Why the option was refused, without its name (config errors).
    public let reason: String?
    /// The position in a list option (`scopes`, `extraHeaders`, …) at fault.
    public let index: Int?
    /// `timeout`, `connect`, `tls`, `reset` or `other` (transport errors).
    public let transportKind: String?
    /// The platform's code for a transport failure: the `URLError.Code` name
    /// (`cannotConnectToHost`, `timedOut`, `networkConnectionLost`, …).
    public let cause: String?
    /// Whether the request had been sent when the transfer failed (nil: not known).
    public let requestSent: Bool?
    /// When the error is served from the cool-down after a failed fetch: its
    /// end (Unix ms). Until then every call gets this error without asking the
    /// server; `ClientCredentials.resetFailure()` ends it at once.
    public let cooldownUntilMs: UInt64?

    /// `extrasJson` parsed (JSONSerialization: strings, `NSNumber`s, arrays,
    /// dictionaries, `NSNull`; a number no `Double` holds, as its text).
    public var extras: [String: Any] { jsonObject(extrasJson) }

    /// - Parameter optionNames: name the field in camelCase, as
    ///   `ClientCredentialsOptions` does (the client's errors), rather than as
    ///   the config document does (the sans-IO functions, which take the document).
    init(_ info: ErrorInfo, optionNames: Bool = true, cooldownUntilMs: UInt64? = nil) {
        self.cooldownUntilMs = cooldownUntilMs
        code = info.code
        retryable = info.retryable
        status = info.status.map(Int.init)
        error = info.error
        errorDescription = info.errorDescription
        errorUri = info.errorUri
        retryAfterMs = info.retryAfterMs
        bodyKind = info.bodyKind
        excerpt = info.excerpt
        wwwAuthenticate = info.wwwAuthenticate.map { challenge in
            AuthenticationChallenge(
                scheme: challenge.scheme,
                params: challenge.params.map { .init(name: $0.name, value: $0.value) })
        }
        contentType = info.contentType
        bodyLen = info.bodyLen
        extrasJson = info.extrasJson
        dpopNonce = info.dpopNonce
        transportKind = info.transportKind
        cause = info.cause
        requestSent = info.requestSent
        // The core classifies the failure; this only renames the case.
        switch info.kind {
        case .config: kind = .config
        case .oAuth: kind = .oauth
        case .response, .other: kind = .response
        case .transport: kind = .transport
        case .tokenDocument: kind = .tokenDocument
        }
        if kind == .config, let coreField = info.field {
            index = info.index.map(Int.init)
            reason = optionNames ? info.reason.map(Self.ownAdvice) : info.reason
            let name = optionNames ? ClientCredentialsOptions.optionName(coreField) : coreField
            field = name
            message = optionNames ? Self.configMessage(code: info.code, field: name, index: index, reason: reason) : info.message
        } else {
            field = info.field
            index = nil
            reason = nil
            message =
                cooldownUntilMs.map {
                    "\(info.message); served from the cool-down until \(isoTime(ms: $0)); resetFailure() retries at once"
                } ?? info.message
        }
    }

    init(_ error: CcauthFFI.CcauthError, optionNames: Bool = true) {
        switch error {
        case .Config(let info), .Response(let info), .Transport(let info), .TokenDocument(let info):
            self.init(info, optionNames: optionNames)
        }
    }

    /// A `.config` error (`INVALID_PARAMETER`) for an option the driver
    /// itself refuses, named as in the config document; `reason` holds no value of it.
    static func badOption(_ name: String, reason: String) -> CcauthError {
        let code = "INVALID_PARAMETER"
        let info = ErrorInfo(
            kind: .config, code: code, message: configMessage(code: code, field: name, index: nil, reason: reason),
            retryable: false, status: nil, error: nil, errorDescription: nil, errorUri: nil, retryAfterMs: nil,
            bodyKind: nil, excerpt: nil, wwwAuthenticate: [], field: name, reason: reason, index: nil, contentType: nil,
            bodyLen: nil, extrasJson: "{}", dpopNonce: nil, transportKind: nil, cause: nil, requestSent: nil)
        return CcauthError(info, optionNames: false)
    }

    /// `CODE: invalid `field` (item N): reason`, the core's template, with the option's own name.
    static func configMessage(code: String, field: String, index: Int?, reason: String?) -> String {
        var s = "\(code): invalid `\(field)`"
        if let index { s += " (item \(index))" }
        if let reason { s += ": \(reason)" }
        return s
    }

    /// The core's reason, without Cargo-feature advice: this package's
    /// library is built with every algorithm.
    static func ownAdvice(_ reason: String) -> String {
        reason.contains("cargo feature")
            ? "this library was built without the algorithm (the released ccauth Swift package includes every one: report it)"
            : reason
    }

    public var description: String {
        var s = "CcauthError(\(kind.rawValue), code: \(code)"
        if let status { s += ", status: \(status)" }
        if let error { s += ", error: \(error)" }
        if let field { s += ", field: \(field)" }
        if let transportKind { s += ", transportKind: \(transportKind)" }
        if let cause { s += ", cause: \(cause)" }
        return s + "): \(message)"
    }

    public var debugDescription: String { description }
}

/// Runs `body`, turning the generated errors into `CcauthError` with
/// `ClientCredentialsOptions`' option names.
func translated<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CcauthFFI.CcauthError {
        throw CcauthError(error)
    }
}

/// The same for the sans-IO functions: field names as in the config document.
func translatedDocument<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CcauthFFI.CcauthError {
        throw CcauthError(error, optionNames: false)
    }
}
