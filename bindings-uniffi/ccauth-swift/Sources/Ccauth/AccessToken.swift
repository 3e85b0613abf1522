import CcauthFFI
import Foundation

/// An access token and what the core knows of it. `accessToken`,
/// `authorization`, `refreshToken` and `idToken` are secrets: `description`,
/// `debugDescription` and `dump()` (via `customMirror`) never show them.
public struct AccessToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The token itself (a secret).
    public let accessToken: String
    /// The type as sent (`Bearer`, `bearer`, `DPoP`…).
    public let tokenType: String
    /// The `Authorization` header value, e.g. `Bearer eyJ…` (a secret).
    public let authorization: String
    public let issuedAt: Date
    public let expiresAt: Date
    /// When the client starts refreshing it.
    public let refreshAt: Date
    /// Where the expiry came from: `expires_in`, `jwt_exp`, `default`, ….
    public let expirySource: String
    public let scope: String?
    public let refreshToken: String?
    public let idToken: String?
    /// Response fields the core does not model, as a JSON object.
    public let extrasJson: String
    /// `extrasJson` parsed (JSONSerialization types; a number no `Double` holds, as its text).
    public var extras: [String: Any] { jsonObject(extrasJson) }
    /// Codes of provider quirks that were tolerated.
    public let deviations: [String]

    /// The core's token object (API headers are built from it).
    let ffi: CcauthFFI.AccessToken
    let issuedAtMs: UInt64
    let refreshAtMs: UInt64
    let expiresAtMs: UInt64

    init(_ token: CcauthFFI.AccessToken, info: TokenInfo? = nil) {
        let info = info ?? token.info()
        ffi = token
        let value = token.accessToken()
        accessToken = value
        tokenType = info.tokenType
        authorization = "\(info.authorizationScheme) \(value)"
        issuedAtMs = info.issuedAtMs
        expiresAtMs = info.expiresAtMs
        refreshAtMs = info.refreshAtMs
        issuedAt = Date(timeIntervalSince1970: Double(info.issuedAtMs) / 1000)
        expiresAt = Date(timeIntervalSince1970: Double(info.expiresAtMs) / 1000)
        refreshAt = Date(timeIntervalSince1970: Double(info.refreshAtMs) / 1000)
        expirySource = info.expirySource
        scope = info.scope
        refreshToken = info.hasRefreshToken ? token.refreshToken() : nil
        idToken = info.hasIdToken ? token.idToken() : nil
        extrasJson = info.extrasJson
        deviations = info.deviations
    }

    /// Whether the token is expired at `now`.
    public func isExpired(at now: Date = Date()) -> Bool { now >= expiresAt }

    public var description: String {
        "AccessToken(accessToken: [REDACTED], tokenType: \(tokenType), expiresAt: \(expiresAt), scope: \(scope ?? "nil"))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["tokenType": tokenType, "expiresAt": expiresAt, "scope": scope as Any], displayStyle: .struct)
    }
}
