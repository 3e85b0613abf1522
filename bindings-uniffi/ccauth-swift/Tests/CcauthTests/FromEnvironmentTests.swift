import Ccauth
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `ClientCredentials.fromEnvironment`: clients from `CCAUTH_*` variables
/// (read by the core, as Python's `from_env` and Node's `fromEnv` read them)
/// against the real authorization server on 127.0.0.1
/// (scripts/with-auth-server.sh); every environment is a dictionary made
/// here, never this process's (which holds the harness's CCAUTH_* exports).
final class FromEnvironmentTests: XCTestCase {
    typealias Events = ObservabilityTests.Events

    let env = ProcessInfo.processInfo.environment
    var tokenEndpoint: String { env["CCAUTH_TOKEN_ENDPOINT"] ?? "" }
    var issuer: String { env["CCAUTH_ISSUER"] ?? "" }
    static let postSecret = "post-secret-0123456789"
    static let shortSecret = "short-secret-0123456789"

    override func setUp() {
        continueAfterFailure = false
        XCTAssertNotNil(env["CCAUTH_TOKEN_ENDPOINT"], "run through scripts/with-auth-server.sh")
        XCTAssertNotNil(env["CCAUTH_ISSUER"], "run through scripts/with-auth-server.sh")
    }

    func tokenRequests(_ clientId: String) async throws -> Int {
        let (data, _) = try await URLSession.shared.dataCompat(URLRequest(url: URL(string: env["CCAUTH_STATS_URL"]!)!))
        let stats = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return ((stats["token_requests_by_client"] as! [String: Any])[clientId] as? NSNumber)?.intValue ?? 0
    }

    /// The `ccauth-post` client's variables, with a variable that is no ccauth one.
    var postEnvironment: [String: String] {
        [
            "CCAUTH_TOKEN_ENDPOINT": tokenEndpoint, "CCAUTH_CLIENT_ID": "ccauth-post",
            "CCAUTH_CLIENT_SECRET": Self.postSecret, "CCAUTH_AUTH_METHOD": "client_secret_post",
            "CCAUTH_SCOPE": "api.read", "HOME": "/root",
        ]
    }

    /// Every way `error` prints: none may hold one of `secrets`.
    func assertClean(_ error: Error, _ secrets: [String], file: StaticString = #filePath, line: UInt = #line) {
        var dumped = ""
        dump(error, to: &dumped)
        let printed = "\(error) \(String(reflecting: error)) \(error.localizedDescription) \(dumped)"
        for secret in secrets { XCTAssertFalse(printed.contains(secret), "a secret is shown: \(printed)", file: file, line: line) }
    }

    func configError(
        _ environment: [String: String], file: StaticString = #filePath, line: UInt = #line
    ) async throws -> CcauthError {
        do {
            _ = try await ClientCredentials.fromEnvironment(environment: environment)
        } catch let e as CcauthError {
            XCTAssertEqual(e.kind, .config, "\(e)", file: file, line: line)
            return e
        }
        XCTFail("want a config error", file: file, line: line)
        throw CancellationError()
    }

    func testATokenFromTheTokenEndpointIdAndSecretVariables() async throws {
        let events = Events()
        let client = try await ClientCredentials.fromEnvironment(listener: events.listener, environment: postEnvironment)
        let before = try await tokenRequests("ccauth-post")
        let token = try await client.token()
        XCTAssertEqual(token.scope, "api.read")
        let again = try await client.token()
        XCTAssertEqual(again.accessToken, token.accessToken, "cached")
        let asked = try await tokenRequests("ccauth-post") - before
        XCTAssertEqual(asked, 1, "one token request")
        XCTAssertEqual(events.names, ["fetch_started", "fetch_succeeded"])
        XCTAssertFalse("\(client) \(token)".contains(Self.postSecret))
    }

    /// `CCAUTH_ISSUER` and no endpoint: the metadata gives the token endpoint.
    func testTheIssuerVariableDiscoversTheTokenEndpoint() async throws {
        var environment = postEnvironment
        environment["CCAUTH_TOKEN_ENDPOINT"] = nil
        environment["CCAUTH_ISSUER"] = issuer
        let before = try await tokenRequests("ccauth-post")
        let client = try await ClientCredentials.fromEnvironment(environment: environment)
        let token = try await client.token()
        XCTAssertFalse(token.isExpired())
        let asked = try await tokenRequests("ccauth-post") - before
        XCTAssertEqual(asked, 1)
        // The discovered introspection endpoint, which no variable names,
        // answers (this client's JWTs are not introspectable there; without
        // the metadata it would be a config error, no request made).
        do {
            _ = try await client.introspect(token.accessToken)
            XCTFail("the server introspects no JWT")
        } catch let e as CcauthError {
            XCTAssertEqual(e.status, 400, "\(e)")
            XCTAssertEqual(e.error, "unsupported_token_type")
        }

        // An issuer nothing answers at: discovery's transport error, before any token request.
        environment["CCAUTH_ISSUER"] = "http://127.0.0.1:9"
        do {
            _ = try await ClientCredentials.fromEnvironment(timeoutMs: 2_000, environment: environment)
            XCTFail("want an error")
        } catch let e as CcauthError {
            XCTAssertEqual(e.kind, .transport, "\(e)")
            assertClean(e, [Self.postSecret])
        }
    }

    /// A config document's `issuer`; its `server_metadata`, when given, is used without discovery.
    func testAConfigFileWithAnIssuerOrWithMetadata() async throws {
        let dir = try temporaryDirectory()
        let withIssuer = try write(
            ["issuer": issuer, "client_id": "ccauth-post", "auth_method": "client_secret_post", "scopes": ["api.read"]],
            to: dir.appendingPathComponent("issuer.json"))
        let before = try await tokenRequests("ccauth-post")
        let client = try await ClientCredentials.fromEnvironment(environment: [
            "CCAUTH_CONFIG_FILE": withIssuer, "CCAUTH_CLIENT_SECRET": Self.postSecret,
        ])
        _ = try await client.token()
        // Metadata naming an endpoint nothing answers at: no discovery ran, the request went there.
        let withMetadata = try write(
            [
                "issuer": issuer, "client_id": "ccauth-post", "auth_method": "client_secret_post",
                "server_metadata": ["issuer": issuer, "token_endpoint": "http://127.0.0.1:9/token"],
                "retry": ["max_attempts": 1],
            ], to: dir.appendingPathComponent("metadata.json"))
        let offline = try await ClientCredentials.fromEnvironment(environment: [
            "CCAUTH_CONFIG_FILE": withMetadata, "CCAUTH_CLIENT_SECRET": Self.postSecret,
        ])
        do {
            _ = try await offline.token()
            XCTFail("want an error")
        } catch let e as CcauthError {
            XCTAssertEqual(e.kind, .transport, "\(e)")
            assertClean(e, [Self.postSecret])
        }
        let asked = try await tokenRequests("ccauth-post") - before
        XCTAssertEqual(asked, 1)
    }

    /// `CCAUTH_CONFIG_FILE`'s document, a variable winning over its member.
    func testAVariableOverridesTheConfigFile() async throws {
        let file = try write(
            [
                "token_endpoint": tokenEndpoint, "client_id": "ccauth-post", "auth_method": "client_secret_post",
                "client_secret": "file-secret-0123456789", "scopes": ["api.read"],
            ], to: try temporaryDirectory().appendingPathComponent("ccauth.json"))
        let before = try await tokenRequests("ccauth-post")
        // The file alone: its (wrong) secret is sent.
        let fromFile = try await ClientCredentials.fromEnvironment(environment: ["CCAUTH_CONFIG_FILE": file])
        do {
            _ = try await fromFile.token()
            XCTFail("want an error")
        } catch let e as CcauthError {
            XCTAssertEqual(e.kind, .oauth, "\(e)")
            XCTAssertEqual(e.error, "invalid_client")
            assertClean(e, ["file-secret-0123456789"])
        }
        // CCAUTH_CLIENT_SECRET wins: a token.
        let overridden = try await ClientCredentials.fromEnvironment(environment: [
            "CCAUTH_CONFIG_FILE": file, "CCAUTH_CLIENT_SECRET": Self.postSecret,
        ])
        let token = try await overridden.token()
        XCTAssertEqual(token.scope, "api.read")
        let asked = try await tokenRequests("ccauth-post") - before
        XCTAssertEqual(asked, 2, "one token request each")
    }

    func testAMisspeltVariableIsAConfigErrorNamingTheRightOne() async throws {
        var environment = postEnvironment
        environment["CCAUTH_CLIENT_SECRTE"] = "misspelt-secret-0123456789"
        let e = try await configError(environment)
        XCTAssertEqual(e.field, "environment")
        XCTAssertTrue(e.message.contains("did you mean CCAUTH_CLIENT_SECRET?"), e.message)
        XCTAssertTrue(e.message.contains("CCAUTH_CLIENT_SECRTE"), e.message)
        assertClean(e, ["misspelt-secret-0123456789", Self.postSecret])
        // A CCAUTH_ name unlike any of ccauth's is someone else's: ignored.
        environment["CCAUTH_CLIENT_SECRTE"] = nil
        environment["CCAUTH_REDIS_PORT"] = "6379"
        _ = try await ClientCredentials.fromEnvironment(environment: environment)
    }

    func testAMissingClientIdIsAConfigErrorNamingIt() async throws {
        var environment = postEnvironment
        environment["CCAUTH_CLIENT_ID"] = nil
        let e = try await configError(environment)
        XCTAssertEqual(e.field, "client_id", "\(e)")  // the document's (and the variable's) name
        XCTAssertEqual(e.reason, "required option missing")
        assertClean(e, [Self.postSecret])
        // An empty variable counts as unset.
        environment["CCAUTH_CLIENT_ID"] = " "
        let blank = try await configError(environment)
        XCTAssertEqual(blank.field, "client_id")
    }

    func testOtherBadOptionsAreTypedErrorsWithoutTheSecret() async throws {
        var environment = postEnvironment
        environment["CCAUTH_TOKEN_ENDPOINT"] = "http://as.example.com/token"
        let insecure = try await configError(environment)
        XCTAssertEqual(insecure.field, "token_endpoint", "\(insecure)")
        assertClean(insecure, [Self.postSecret])

        environment = postEnvironment
        environment["CCAUTH_CONFIG_FILE"] = "/nonexistent/ccauth.json"
        let unreadable = try await configError(environment)
        XCTAssertEqual(unreadable.field, "config_file")
        XCTAssertTrue(unreadable.message.contains("cannot read /nonexistent/ccauth.json"), unreadable.message)
        assertClean(unreadable, [Self.postSecret])

        // What needs code (a callable, a signer) is refused, named.
        let file = try write(
            [
                "token_endpoint": tokenEndpoint, "client_id": "ccauth-post", "auth_method": "private_key_jwt",
                "external_client_assertion": true,
            ], to: try temporaryDirectory().appendingPathComponent("external.json"))
        let external = try await configError(["CCAUTH_CONFIG_FILE": file])
        XCTAssertEqual(external.field, "external_client_assertion")
        XCTAssertTrue(external.message.contains("needs a callable or a signer"), external.message)
    }

    /// `proactive_refresh` in the document: an idle client's token is
    /// replaced in the background (the server's short tokens live 5 s).
    func testProactiveRefreshFromTheConfigFile() async throws {
        let file = try write(
            [
                "token_endpoint": tokenEndpoint, "client_id": "ccauth-short", "scopes": ["api.read"],
                "proactive_refresh": true,
            ], to: try temporaryDirectory().appendingPathComponent("proactive.json"))
        let client = try await ClientCredentials.fromEnvironment(environment: [
            "CCAUTH_CONFIG_FILE": file, "CCAUTH_CLIENT_SECRET": Self.shortSecret,
        ])
        let before = try await tokenRequests("ccauth-short")
        let first = try await client.token()
        try await Task.sleep(nanoseconds: UInt64((first.expiresAt.timeIntervalSinceNow + 0.5) * 1e9))
        let background = try await tokenRequests("ccauth-short") - before - 1
        XCTAssertGreaterThanOrEqual(background, 1, "refreshed in the background")
        let next = try await client.token()
        XCTAssertNotEqual(next.accessToken, first.accessToken)
        await client.close()
    }

    /// `store` and `storeKey` as in the options: two clients from one
    /// environment, sharing a real Redis, make one token request between them.
    func testClientsFromOneEnvironmentShareAStore() async throws {
        guard let port = UInt16(env["CCAUTH_REDIS_PORT"] ?? "") else {
            throw XCTSkip("no Redis (scripts/test-swift.sh runs one)")
        }
        _ = try await RESPStore(port: port).command(["FLUSHDB"])
        let before = try await tokenRequests("ccauth-post")
        var tokens: [String] = []
        for _ in 0..<2 {
            let client = try await ClientCredentials.fromEnvironment(
                store: RESPStore(port: port), storeKey: StoreKey("from-environment-store-key"), environment: postEnvironment)
            tokens.append(try await client.token().accessToken)
        }
        XCTAssertEqual(Set(tokens).count, 1, "the second client read the first one's token")
        let asked = try await tokenRequests("ccauth-post") - before
        XCTAssertEqual(asked, 1)
        // A store key under 16 bytes: refused when made, named as the parameter.
        do {
            _ = try await ClientCredentials.fromEnvironment(
                store: RESPStore(port: port), storeKey: StoreKey("short"), environment: postEnvironment)
            XCTFail("want an error")
        } catch let e as CcauthError {
            XCTAssertEqual(e.kind, .config)
            XCTAssertEqual(e.field, "storeKey", "\(e)")
        }
    }

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ccauth-env-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// `document` as JSON at `url`: its path.
    func write(_ document: [String: Any], to url: URL) throws -> String {
        try JSONSerialization.data(withJSONObject: document).write(to: url)
        return url.path
    }
}
