import CcauthFFI
import Foundation

// The option types are the generated ones (one source for every language),
// named here so `import Ccauth` is enough. Typealiases rather than
// `@_exported import CcauthFFI`: the public surface stays these types (not
// the sans-IO functions, `TokenLifecycle` or the generated `AccessToken` and
// `CcauthError`, whose names this module's own types carry), and a file that
// imports both modules still sees one type per name.

/// Client authentication: the method with its credential
/// (`.clientSecretBasic(secret:encoding:)`, `.clientSecretPost(secret:)`,
/// `.clientSecretJwt(secret:alg:)`, `.privateKeyJwt(key:keyId:)`,
/// `.externalAssertion(alg:)` with `clientAssertion`, `.tlsClientAuth`, `.none`).
public typealias ClientAuth = CcauthFFI.ClientAuth
/// A client secret, held by the core; prints redacted: `ClientSecret(value: s)`.
public typealias ClientSecret = CcauthFFI.ClientSecret
/// A private key, parsed and checked when made; prints its algorithm only.
public typealias PrivateKey = CcauthFFI.PrivateKey
/// `.formUrlEncoded` (RFC 6749 §2.3.1, the default) or `.raw`.
public typealias BasicEncoding = CcauthFFI.BasicEncoding
/// `.form` (the default) or `.json`.
public typealias BodyFormat = CcauthFFI.BodyFormat
/// When to refresh; `nil` members keep the core's defaults.
public typealias RefreshPolicy = CcauthFFI.RefreshPolicy
/// How failed fetches are retried; `nil` members keep the core's defaults.
public typealias RetryPolicy = CcauthFFI.RetryPolicy

extension PrivateKey {
    /// A PEM (PKCS#8, SEC1, PKCS#1) or JWK private key; `alg` picks the
    /// algorithm when the key allows several (RSA: `RS256` or `PS256`).
    /// Throws `CcauthError` (`.config`, field `privateKey`).
    public static func parse(_ text: String, alg: String? = nil) throws -> PrivateKey {
        try translated { try parse(text: text, alg: alg) }
    }

    /// A new P-256 key (ES256) from the system's random generator, e.g.
    /// `dpopKey: try .generateP256()`.
    public static func generateP256() throws -> PrivateKey {
        try translated { try generateP256(entropy: randomBytes(32)) }
    }
}

/// The client's options: the core's, named as in docs/OPTIONS.md (durations
/// in milliseconds; `nil` takes the core's default), and the driver's
/// (`timeoutMs`, `clientAssertion`). Secrets and keys are objects that print
/// redacted, so printing or dumping the options shows none.
///
/// ```swift
/// .init(tokenEndpoint: url, clientId: id, clientSecret: secret, scopes: ["api.read"])
/// .init(tokenEndpoint: url, clientId: id, auth: .privateKeyJwt(key: try .parse(pem)), proactiveRefresh: true)
/// ```
public struct ClientCredentialsOptions: Sendable {
    /// Where tokens come from (empty with `discover(issuer:_:)`).
    public var tokenEndpoint: String
    public var clientId: String
    public var auth: ClientAuth
    /// Sent space-joined as `scope`.
    public var scopes: [String]
    /// `false` leaves `scope` out (the scopes still key the cache).
    public var includeScope: Bool?
    /// The `audience` parameter (Auth0 and others).
    public var audience: String?
    /// RFC 8707 resource indicators.
    public var resources: [String]
    public var extraBodyParams: [(String, String)]
    public var extraQueryParams: [(String, String)]
    /// More request headers (`Accept` overrides the default).
    public var extraHeaders: [(String, String)]
    public var bodyFormat: BodyFormat?
    /// Token endpoint replies over this are refused unread (`RESPONSE_TOO_LARGE`).
    public var maxResponseBytes: UInt64?
    public var refresh: RefreshPolicy?
    public var retry: RetryPolicy?
    /// The client assertions' `aud` (default: the token endpoint; the issuer after discovery).
    public var assertionAudience: String?
    /// Lifetime of each client assertion, 1 s to 5 min.
    public var assertionLifetimeMs: UInt64?
    /// DPoP (RFC 9449): tokens bound to this key, e.g. `try .generateP256()`.
    public var dpopKey: PrivateKey?
    /// RFC 7009 endpoint for `revoke` (when unset, the discovered one).
    public var revocationEndpoint: String?
    /// RFC 7662 endpoint for `introspect` (when unset, the discovered one).
    public var introspectionEndpoint: String?
    /// Refresh in the background at the core's refresh time, so an idle
    /// client's next call never waits for a fetch (until `close()`).
    public var proactiveRefresh: Bool
    /// Allow plain http to a non-loopback host (test networks only).
    public var dangerAcceptInsecureHttp: Bool
    /// Per HTTP request (token, discovery, revocation, introspection).
    public var timeoutMs: UInt64
    /// With `auth: .externalAssertion()`: called for every token request for
    /// an assertion minted elsewhere (workload identity), e.g. to read a
    /// service-account token file.
    public var clientAssertion: (@Sendable () async throws -> String)?
    /// Gets every lifecycle event (fetches, retries, failures, drops, resets);
    /// see `LifecycleListener`. On Apple platforms they go to `os.Logger` too.
    public var listener: LifecycleListener?
    /// A fleet store (`TokenStore`: Redis, Valkey): the processes sharing it
    /// make one token request per refresh between them. Read only when this
    /// client's cache needs a token; entries sealed by the core; a failing
    /// or slow store means fetching alone, never an error (docs/FLEET.md).
    public var store: (any TokenStore)?
    /// An extra key (at least 16 bytes) mixed into the store's sealing key;
    /// required when the core holds no secret (a host-signed key, an
    /// external assertion, mTLS, a public client). Held like a secret:
    /// printing the options never shows it.
    public var storeKey: StoreKey?

    public init(
        tokenEndpoint: String, clientId: String, auth: ClientAuth, scopes: [String] = [],
        includeScope: Bool? = nil, audience: String? = nil, resources: [String] = [],
        extraBodyParams: [(String, String)] = [], extraQueryParams: [(String, String)] = [],
        extraHeaders: [(String, String)] = [], bodyFormat: BodyFormat? = nil, maxResponseBytes: UInt64? = nil,
        refresh: RefreshPolicy? = nil, retry: RetryPolicy? = nil,
        assertionAudience: String? = nil, assertionLifetimeMs: UInt64? = nil, dpopKey: PrivateKey? = nil,
        revocationEndpoint: String? = nil, introspectionEndpoint: String? = nil,
        proactiveRefresh: Bool = false, dangerAcceptInsecureHttp: Bool = false,
        timeoutMs: UInt64 = 10_000, clientAssertion: (@Sendable () async throws -> String)? = nil,
        listener: LifecycleListener? = nil, store: (any TokenStore)? = nil, storeKey: StoreKey? = nil
    ) {
        self.tokenEndpoint = tokenEndpoint
        self.clientId = clientId
        self.auth = auth
        self.scopes = scopes
        self.includeScope = includeScope
        self.audience = audience
        self.resources = resources
        self.extraBodyParams = extraBodyParams
        self.extraQueryParams = extraQueryParams
        self.extraHeaders = extraHeaders
        self.bodyFormat = bodyFormat
        self.maxResponseBytes = maxResponseBytes
        self.refresh = refresh
        self.retry = retry
        self.assertionAudience = assertionAudience
        self.assertionLifetimeMs = assertionLifetimeMs
        self.dpopKey = dpopKey
        self.revocationEndpoint = revocationEndpoint
        self.introspectionEndpoint = introspectionEndpoint
        self.proactiveRefresh = proactiveRefresh
        self.dangerAcceptInsecureHttp = dangerAcceptInsecureHttp
        self.timeoutMs = timeoutMs
        self.clientAssertion = clientAssertion
        self.listener = listener
        self.store = store
        self.storeKey = storeKey
    }

    /// The common case: a secret sent as `client_secret_basic`
    /// (`auth: .clientSecretBasic(secret: ClientSecret(value: clientSecret))`).
    public init(tokenEndpoint: String, clientId: String, clientSecret: String, scopes: [String] = []) {
        self.init(
            tokenEndpoint: tokenEndpoint, clientId: clientId,
            auth: .clientSecretBasic(secret: ClientSecret(value: clientSecret)), scopes: scopes)
    }

    /// The core's config, validated (a `CcauthError` of kind `.config` names the bad option).
    func config(issuer: String? = nil, metadataJSON: String? = nil) throws -> ClientConfig {
        let pairs = { (list: [(String, String)]) in list.map { Header(name: $0.0, value: $0.1) } }
        return try translated {
            try ClientConfig(
                options: ClientOptions(
                    tokenEndpoint: tokenEndpoint, clientId: clientId, auth: auth, scopes: scopes, includeScope: includeScope,
                    audience: audience, resources: resources, extraBodyParams: pairs(extraBodyParams),
                    extraQueryParams: pairs(extraQueryParams), extraHeaders: pairs(extraHeaders), bodyFormat: bodyFormat,
                    refresh: refresh, retry: retry, maxResponseBytes: maxResponseBytes, dpopKey: dpopKey,
                    assertionAudience: assertionAudience, assertionLifetimeMs: assertionLifetimeMs,
                    revocationEndpoint: revocationEndpoint, introspectionEndpoint: introspectionEndpoint,
                    proactiveRefresh: proactiveRefresh, dangerAcceptInsecureHttp: dangerAcceptInsecureHttp,
                    issuer: issuer, serverMetadataJson: metadataJSON))
        }
    }

    /// The option behind a field the core names, each part in camelCase:
    /// `token_endpoint` → `tokenEndpoint`, `refresh.min_leeway_ms` → `refresh.minLeewayMs`.
    static func optionName(_ coreField: String) -> String {
        coreField.split(separator: ".", omittingEmptySubsequences: false).map { part -> String in
            let words = part.split(separator: "_")
            guard let first = words.first else { return String(part) }
            return words.dropFirst().reduce(String(first)) { $0 + $1.prefix(1).uppercased() + $1.dropFirst() }
        }.joined(separator: ".")
    }
}

/// The `storeKey` option: bytes that print redacted (a secret: whoever has
/// it and the client's credential can open the fleet's entries).
public struct StoreKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: Data

    public init(_ bytes: Data) { self.bytes = bytes }
    /// The UTF-8 bytes of `text`.
    public init(_ text: String) { bytes = Data(text.utf8) }

    public var description: String { "StoreKey([REDACTED])" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// `n` bytes from the system's CSPRNG.
func randomBytes(_ n: Int) -> Data {
    var generator = SystemRandomNumberGenerator()
    return Data((0..<n).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
}
