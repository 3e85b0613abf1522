import CcauthFFI
import Foundation

/// The core's refresh and retry policies (generated: one source for every
/// language); `nil` members keep the core's defaults.
public typealias RefreshPolicy = CcauthFFI.RefreshPolicy
public typealias RetryPolicy = CcauthFFI.RetryPolicy

/// Every option of the core. `description` and `dump()` never show `clientSecret`.
public struct ClientCredentialsOptions: Sendable, CustomStringConvertible, CustomReflectable {
    public var tokenEndpoint: String
    public var clientId: String
    public var clientSecret: String?
    /// `client_secret_basic` (default), `client_secret_post`, `tls_client_auth`, `none`.
    public var authMethod: String?
    /// `form_urlencoded` (RFC 6749 §2.3.1, default) or `raw`.
    public var basicAuthEncoding: String?
    public var scopes: [String]
    /// `false` leaves `scope` out of the request.
    public var includeScope: Bool?
    /// The `audience` parameter (Auth0 and others).
    public var audience: String?
    /// RFC 8707 resource indicators.
    public var resources: [String]
    public var extraBodyParams: [(String, String)]
    public var extraQueryParams: [(String, String)]
    public var extraHeaders: [(String, String)]
    /// `form` (default) or `json`.
    public var bodyFormat: String?
    /// Allow plain http to a non-loopback host.
    public var dangerAcceptInsecureHttp: Bool
    public var maxResponseBytes: Int?
    public var refresh: RefreshPolicy?
    public var retry: RetryPolicy?
    /// The key for `private_key_jwt` (RFC 7523): PKCS#8 PEM, or a JWK as JSON text.
    public var privateKey: String?
    /// `HS256` (default), `HS384`, `HS512` for `client_secret_jwt`; otherwise the key's own.
    public var clientAssertionAlg: String?
    /// The `kid` header of client assertions.
    public var keyId: String?
    /// The assertions' `aud` (default: the token endpoint; the issuer after discovery).
    public var assertionAudience: String?
    /// Lifetime of each client assertion, 1 s to 5 min (default 60 s).
    public var assertionLifetimeMs: UInt64?
    /// `private_key_jwt` with an assertion minted elsewhere (workload identity):
    /// called for every token request, e.g. to read a service-account token file.
    public var clientAssertion: (@Sendable () async throws -> String)?
    /// DPoP (RFC 9449) with a new ES256 key; `dpopKey` gives the key instead.
    public var dpop: Bool
    public var dpopKey: String?
    /// RFC 7009 endpoint for `revoke` (when unset, the core takes the discovered one).
    public var revocationEndpoint: String?
    /// RFC 7662 endpoint for `introspect` (when unset, the core takes the discovered one).
    public var introspectionEndpoint: String?
    /// Refresh in the background at the core's refresh time, so an idle
    /// client's next call never waits for a fetch (until `close()`).
    public var proactiveRefresh: Bool

    public init(
        tokenEndpoint: String, clientId: String, clientSecret: String? = nil,
        authMethod: String? = nil, basicAuthEncoding: String? = nil, scopes: [String] = [],
        includeScope: Bool? = nil, audience: String? = nil, resources: [String] = [],
        extraBodyParams: [(String, String)] = [], extraQueryParams: [(String, String)] = [],
        extraHeaders: [(String, String)] = [], bodyFormat: String? = nil,
        dangerAcceptInsecureHttp: Bool = false, maxResponseBytes: Int? = nil,
        refresh: RefreshPolicy? = nil, retry: RetryPolicy? = nil,
        privateKey: String? = nil, clientAssertionAlg: String? = nil, keyId: String? = nil,
        assertionAudience: String? = nil, assertionLifetimeMs: UInt64? = nil,
        clientAssertion: (@Sendable () async throws -> String)? = nil,
        dpop: Bool = false, dpopKey: String? = nil,
        revocationEndpoint: String? = nil, introspectionEndpoint: String? = nil,
        proactiveRefresh: Bool = false
    ) {
        self.proactiveRefresh = proactiveRefresh
        self.privateKey = privateKey
        self.clientAssertionAlg = clientAssertionAlg
        self.keyId = keyId
        self.assertionAudience = assertionAudience
        self.assertionLifetimeMs = assertionLifetimeMs
        self.clientAssertion = clientAssertion
        self.dpop = dpop
        self.dpopKey = dpopKey
        self.revocationEndpoint = revocationEndpoint
        self.introspectionEndpoint = introspectionEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.authMethod = authMethod
        self.basicAuthEncoding = basicAuthEncoding
        self.scopes = scopes
        self.includeScope = includeScope
        self.audience = audience
        self.resources = resources
        self.extraBodyParams = extraBodyParams
        self.extraQueryParams = extraQueryParams
        self.extraHeaders = extraHeaders
        self.bodyFormat = bodyFormat
        self.dangerAcceptInsecureHttp = dangerAcceptInsecureHttp
        self.maxResponseBytes = maxResponseBytes
        self.refresh = refresh
        self.retry = retry
    }

    public var description: String {
        "ClientCredentialsOptions(tokenEndpoint: \(tokenEndpoint), clientId: \(clientId), clientSecret: [REDACTED])"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["tokenEndpoint": tokenEndpoint, "clientId": clientId, "scopes": scopes], displayStyle: .struct)
    }

    /// The option behind a field of the core's config document:
    /// `token_endpoint` → `tokenEndpoint`, `refresh.min_leeway_ms` →
    /// `refresh.minLeewayMs`, `external_client_assertion` → `clientAssertion`.
    /// With `ifKnown`, a name that is no document field comes back as it is.
    static func optionName(_ documentField: String, ifKnown: Bool = false) -> String {
        if let special = renamed[documentField] { return special }
        let segments = documentField.split(separator: ".", omittingEmptySubsequences: false)
        if ifKnown, !(documentFields.contains(documentField) || segments.count == 2 && documentFields.contains(String(segments[0]))) {
            return documentField
        }
        return segments.map { segment -> String in
            let words = segment.split(separator: "_", omittingEmptySubsequences: true)
            guard let first = words.first else { return String(segment) }
            return ([String(first)] + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }).joined()
        }.joined(separator: ".")
    }

    /// Document fields whose option is not their camelCase spelling.
    private static let renamed = [
        "external_client_assertion": "clientAssertion",
        "server_metadata": "discover(issuer:_:)",
        "config": "ClientCredentialsOptions",
    ]

    /// The values of the string options that take one of a set, by document field.
    static let allowedValues: [String: [String]] = [
        "auth_method": ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth", "none"],
        "basic_auth_encoding": ["form_urlencoded", "raw"],
        "body_format": ["form", "json"],
        "client_assertion_alg": ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA"],
    ]

    /// The config document's fields (`configJSON`).
    private static let documentFields: Set<String> = [
        "token_endpoint", "client_id", "client_secret", "auth_method", "basic_auth_encoding", "scopes", "include_scope",
        "audience", "resources", "extra_body_params", "extra_query_params", "extra_headers", "body_format",
        "danger_accept_insecure_http", "max_response_bytes", "refresh", "retry", "private_key", "client_assertion_alg",
        "external_client_assertion", "key_id", "assertion_audience", "assertion_lifetime_ms", "dpop_key", "issuer",
        "server_metadata", "revocation_endpoint", "introspection_endpoint", "proactive_refresh",
    ]

    /// The core's config document (the shared vectors' `config`), as JSON text.
    func configJSON(dpopKeyJSON: String? = nil, issuer: String? = nil, metadataJSON: String? = nil) -> String {
        var doc: [String: Any] = [
            "token_endpoint": tokenEndpoint, "client_id": clientId, "scopes": scopes, "resources": resources,
            "extra_body_params": extraBodyParams.map { [$0.0, $0.1] },
            "extra_query_params": extraQueryParams.map { [$0.0, $0.1] },
            "extra_headers": extraHeaders.map { [$0.0, $0.1] },
            "danger_accept_insecure_http": dangerAcceptInsecureHttp, "proactive_refresh": proactiveRefresh,
        ]
        doc["client_secret"] = clientSecret
        doc["auth_method"] = authMethod
        doc["basic_auth_encoding"] = basicAuthEncoding
        doc["include_scope"] = includeScope
        doc["audience"] = audience
        doc["body_format"] = bodyFormat
        doc["max_response_bytes"] = maxResponseBytes
        doc["private_key"] = privateKey
        doc["client_assertion_alg"] = clientAssertionAlg
        doc["key_id"] = keyId
        doc["assertion_audience"] = assertionAudience
        doc["assertion_lifetime_ms"] = assertionLifetimeMs
        if clientAssertion != nil { doc["external_client_assertion"] = true }
        doc["dpop_key"] = dpopKeyJSON ?? dpopKey
        doc["revocation_endpoint"] = revocationEndpoint
        doc["introspection_endpoint"] = introspectionEndpoint
        doc["issuer"] = issuer
        if let metadataJSON {
            doc["server_metadata"] = try? JSONSerialization.jsonObject(with: Data(metadataJSON.utf8))
        }
        if let r = refresh {
            var o: [String: Any] = [:]
            o["min_leeway_ms"] = r.minLeewayMs
            o["max_leeway_ms"] = r.maxLeewayMs
            o["leeway_percent"] = r.leewayPercent
            o["default_lifetime_ms"] = r.defaultLifetimeMs
            doc["refresh"] = o
        }
        if let r = retry {
            var o: [String: Any] = [:]
            o["max_attempts"] = r.maxAttempts
            o["max_wait_ms"] = r.maxWaitMs
            o["failure_cooldown_ms"] = r.failureCooldownMs
            o["attempt_timeout_ms"] = r.attemptTimeoutMs
            doc["retry"] = o
        }
        // Every value is a string, number, bool, array or parsed JSON: serialization cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: doc)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
