import CcauthFFI
import Foundation
import XCTest

@testable import Ccauth

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Host-signed keys through a signer closure (`PrivateKey.signedBy`): every
/// asymmetric signing vector rebuilt host-signed gives the pinned signing
/// inputs and request; against the local server, private_key_jwt and DPoP
/// (token and API proofs), revocation and introspection; a throwing signer
/// and a garbage signature are typed errors. Swift on Linux has no crypto of its own (no CryptoKit, no
/// Security; swift-crypto is not on this machine), so the closures here sign
/// with the system's libcrypto loaded at run time (`TestSigner`): test code
/// only. The CryptoKit, Secure Enclave and SecKey conveniences compile on
/// Apple platforms only and are not run here.
final class HostSignedTests: XCTestCase {
    let env = ProcessInfo.processInfo.environment
    var tokenEndpoint: String { env["CCAUTH_TOKEN_ENDPOINT"] ?? "" }
    var api: String { env["CCAUTH_API_URL"] ?? "" }
    let keys = VectorsTests.dir.appendingPathComponent("keys")

    func text(_ name: String) throws -> String { try String(contentsOf: keys.appendingPathComponent(name), encoding: .utf8) }

    /// The public JWK of a test key (`p256`, `p384`, `rsa`, `ed25519`): its JWK file's public members.
    func publicJWK(_ file: String, kid: Any? = nil) throws -> [String: Any] {
        let jwk = try JSONSerialization.jsonObject(with: Data(try text("\(file).jwk.json").utf8)) as! [String: Any]
        var out = jwk.filter { ["kty", "crv", "x", "y", "n", "e"].contains($0.key) }
        if let kid { out["kid"] = kid }
        return out
    }

    func json(_ object: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func base64URLDecode(_ text: String) -> Data {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)!
    }

    /// ECDSA `r || s` as DER (what JCA, Security and KMSs return).
    static func der(_ raw: Data) -> Data {
        func int(_ bytes: Data) -> [UInt8] {
            var b = Array(bytes.drop { $0 == 0 })
            if b.isEmpty { b = [0] }
            if b[0] & 0x80 != 0 { b.insert(0, at: 0) }
            return [2, UInt8(b.count)] + b
        }
        let body = int(raw.prefix(raw.count / 2)) + int(raw.suffix(raw.count / 2))
        return Data([0x30] + (body.count < 128 ? [UInt8(body.count)] : [0x81, UInt8(body.count)]) + body)
    }

    func assertion(in body: String) -> String? {
        if body.hasPrefix("{") {
            return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["client_assertion"] as? String
        }
        return body.split(separator: "&").first { $0.hasPrefix("client_assertion=") }.map {
            String($0.dropFirst("client_assertion=".count))
        }
    }

    func head(_ jwt: String) -> String { String(jwt[..<jwt.lastIndex(of: ".")!]) }

    func testEveryAsymmetricSigningVectorRebuiltWithASignerClosureGivesThePinnedBytes() async throws {
        let data = try Data(contentsOf: VectorsTests.dir.appendingPathComponent("signing.json"))
        let cases = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["cases"] as! [[String: Any]]
        let files = ["p256": "ES256", "p384": "ES384", "rsa": "RS256", "ed25519": "EdDSA"]
        var checked = 0
        for c in cases {
            let name = c["name"] as! String
            var config = c["config"] as! [String: Any]
            let expect = c["expect"] as! [String: Any]
            let pinnedBody = expect["body"] as! String
            let pinnedDpop = expect["dpop"] as? String
            let pinnedAssertion = assertion(in: pinnedBody)
            // The pinned JWTs' signatures, handed back by the closure (ECDSA as DER: the core converts it back).
            var pinned: [SigningPurpose: String] = [:]
            func hostSigned(_ key: Any, publicPEM: String, alg: String?) throws -> [String: Any] {
                let file = try files.keys.first { try text("\($0).pub.pem").trimmingCharacters(in: .whitespacesAndNewlines) == publicPEM }!
                return ["alg": alg ?? files[file]!, "public_jwk": try publicJWK(file, kid: (key as? [String: Any])?["kid"])]
            }
            if let key = config.removeValue(forKey: "private_key") {
                config["host_signed_key"] = try hostSigned(
                    key, publicPEM: (c["public_key"] as! String).trimmingCharacters(in: .whitespacesAndNewlines),
                    alg: config["client_assertion_alg"] as? String)
                pinned[.clientAssertion] = pinnedAssertion
            }
            if let key = config.removeValue(forKey: "dpop_key") {
                config["host_signed_dpop_key"] = try hostSigned(
                    key, publicPEM: (c["dpop_public_key"] as! String).trimmingCharacters(in: .whitespacesAndNewlines), alg: nil)
                pinned[.dpopProof] = pinnedDpop
            }
            if pinned.isEmpty { continue }
            let context = c["context"] as! [String: Any]
            let hex = Array((context["entropy"] as! String).utf8)
            let entropy = Data(
                stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! })
            let unsigned = try ClientConfig.fromDocument(configJson: json(config)).prepareTokenRequest(
                nowMs: (context["now_ms"] as! NSNumber).uint64Value, entropy: entropy, dpopNonce: context["dpop_nonce"] as? String)
            let inputs = unsigned.signingInputs()
            XCTAssertEqual(inputs.count, pinned.count, name)
            let jwts = pinned
            let sign: HostSigner = { alg, _, input in
                let jwt = jwts.values.first { $0.hasPrefix(String(decoding: input, as: UTF8.self) + ".") }!
                let signature = Self.base64URLDecode(String(jwt[jwt.index(after: jwt.lastIndex(of: ".")!)...]))
                return alg.hasPrefix("ES") ? Self.der(signature) : signature
            }
            var signatures: [Data] = []
            for input in inputs {
                XCTAssertEqual(
                    String(decoding: input.bytes, as: UTF8.self), head(pinned[input.purpose]!), "\(name): the pinned JWT's first two parts")
                signatures.append(try await sign(input.alg, input.keyId, input.bytes))
            }
            let request = try unsigned.finish(signatures: signatures)
            XCTAssertEqual(String(decoding: request.body, as: UTF8.self), pinnedBody, name)
            XCTAssertEqual(request.headers.first { $0.name == "DPoP" }?.value, pinnedDpop, name)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 9)
    }

    func options(_ clientId: String, auth: ClientAuth, dpopKey: PrivateKey? = nil, retry: RetryPolicy? = nil) -> ClientCredentialsOptions {
        ClientCredentialsOptions(
            tokenEndpoint: tokenEndpoint, clientId: clientId, auth: auth, scopes: ["api.read"], retry: retry, dpopKey: dpopKey)
    }

    func get(_ headers: [String: String]) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: api)!)
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.httpData(for: request)
        return (response.statusCode, String(decoding: data, as: UTF8.self))
    }

    func testPrivateKeyJwtWithASignerClosure() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        for (clientId, file, alg) in [("ccauth-es256", "p256", "ES256"), ("ccauth-eddsa", "ed25519", "EdDSA")] {
            let signer = try TestSigner(pem: try text("\(file).pem"))
            let calls = SignCount()
            let key = try PrivateKey.signedBy(alg: alg, keyId: "\(clientId.dropFirst(7))-1") { alg, kid, input in
                XCTAssertEqual(kid, "\(clientId.dropFirst(7))-1")
                calls.add()
                return try signer.sign(input)
            }
            XCTAssertEqual(key.algorithm(), alg)
            XCTAssertTrue(key.isHostSigned())
            let client = try ClientCredentials(options(clientId, auth: .privateKeyJwt(key: key, keyId: nil)))
            let (status, body) = try await get(try await client.authorizationHeaders(method: "GET", url: api))
            XCTAssertEqual(status, 200, "\(clientId): \(body)")
            XCTAssertEqual(calls.value, 1)
        }
    }

    func testDpopWithASignerClosureSignsTheTokenRequestAndTheApiProofs() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let signer = try TestSigner(pem: try text("p256.pem"))
        let calls = SignCount()
        let dpopKey = try PrivateKey.signedBy(alg: "ES256", publicJWK: json(try publicJWK("p256"))) { _, _, input in
            calls.add()
            return try signer.sign(input)
        }
        let client = try ClientCredentials(
            options(
                "ccauth-dpop", auth: .clientSecretBasic(secret: ClientSecret(value: "dpop-secret-0123456789"), encoding: nil),
                dpopKey: dpopKey))
        let token = try await client.token()
        XCTAssertEqual(token.tokenType, "DPoP")
        let tokenProofs = calls.value
        XCTAssertEqual(tokenProofs, 2, "one use_dpop_nonce answer, then the token")
        let (data, response) = try await client.data(for: URLRequest(url: URL(string: api)!))
        XCTAssertEqual(response.statusCode, 200, String(decoding: data, as: UTF8.self))
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"dpop\":true"))
        XCTAssertEqual(calls.value - tokenProofs, 2, "a proof without the API's nonce, then one with it")
        let first = try await client.authorizationHeaders(method: "GET", url: api)
        let second = try await client.authorizationHeaders(method: "GET", url: api)
        XCTAssertNotEqual(first["DPoP"], second["DPoP"], "a fresh proof per call")
        let (status, body) = try await get(second)
        XCTAssertEqual(status, 200, body)
    }

    func testRevokeAndIntrospectWithASignerClosure() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        let signer = try TestSigner(pem: try text("p256.pem"))
        let calls = SignCount()
        let key = try PrivateKey.signedBy(alg: "ES256") { _, _, input in
            calls.add()
            return try signer.sign(input)
        }
        var discovered = options("ccauth-es256", auth: .privateKeyJwt(key: key, keyId: nil))
        discovered.tokenEndpoint = ""
        let client = try await ClientCredentials.discover(issuer: env["CCAUTH_ISSUER"]!, discovered)
        let first = try await client.token()
        let seen = try await client.introspect(first.accessToken)
        XCTAssertTrue(seen.active)
        XCTAssertEqual(seen.clientId, "ccauth-es256")
        try await client.revoke()  // the cached one: dropped
        let after = try await client.introspect(first.accessToken)
        XCTAssertFalse(after.active)
        let second = try await client.token()
        XCTAssertNotEqual(second.accessToken, first.accessToken)
        let fresh = try await client.introspect(second.accessToken)
        XCTAssertTrue(fresh.active)
        XCTAssertEqual(calls.value, 6, "two token requests' and four admin requests' assertions")
    }

    func testAThrowingSignerFailsRevokeAndIntrospectWithTheTokenPathsTypedError() async throws {
        struct Throttled: Error {}
        let failing = try PrivateKey.signedBy(alg: "ES256") { _, _, _ in throw Throttled() }
        let client = try ClientCredentials(
            ClientCredentialsOptions(
                tokenEndpoint: "https://as.example.com/token", clientId: "ccauth-es256",
                auth: .privateKeyJwt(key: failing, keyId: nil),
                revocationEndpoint: "https://as.example.com/revoke", introspectionEndpoint: "https://as.example.com/introspect"))
        for introspect in [false, true] {
            do {
                if introspect { _ = try await client.introspect("some-token") } else { try await client.revoke("some-token") }
                XCTFail("no request without a signature")
            } catch let error as Ccauth.CcauthError {
                XCTAssertEqual(error.kind, .transport, "\(error)")
                XCTAssertEqual(error.code, "TRANSPORT_ERROR", "\(error)")
                XCTAssertEqual(error.cause, "signer")
                XCTAssertEqual(error.requestSent, false)
                XCTAssertTrue(error.message.contains("signer failed"), error.message)
                XCTAssertFalse("\(error)".contains("some-token"))
            }
        }
    }

    func testAThrowingSignerIsRetriedThenATypedErrorAndAGarbageSignatureIsInvalidSignature() async throws {
        try XCTSkipIf(tokenEndpoint.isEmpty, "run through scripts/with-auth-server.sh")
        struct Throttled: Error {}
        let calls = SignCount()
        let failing = try PrivateKey.signedBy(alg: "ES256") { _, _, _ in
            calls.add()
            throw Throttled()
        }
        let client = try ClientCredentials(
            options("ccauth-es256", auth: .privateKeyJwt(key: failing, keyId: nil), retry: RetryPolicy(maxAttempts: 2, maxWaitMs: 2_000)))
        do {
            _ = try await client.token()
            XCTFail("no token without a signature")
        } catch let error as Ccauth.CcauthError {
            XCTAssertEqual(error.code, "TRANSPORT_ERROR", "\(error)")
            XCTAssertTrue(error.message.contains("signer failed"), error.message)
        }
        XCTAssertEqual(calls.value, 2, "retried once")

        let garbage = try PrivateKey.signedBy(alg: "ES256") { _, _, _ in Data([1, 2, 3]) }
        do {
            _ = try await ClientCredentials(options("ccauth-es256", auth: .privateKeyJwt(key: garbage, keyId: nil))).token()
            XCTFail("garbage is not a signature")
        } catch let error as Ccauth.CcauthError {
            XCTAssertEqual(error.code, "INVALID_SIGNATURE", "\(error)")
        }

        // A DPoP-bound API call whose proof's signature is garbage: a typed error, no headers.
        let signer = try TestSigner(pem: try text("p256.pem"))
        let broken = SignCount()
        let dpopKey = try PrivateKey.signedBy(alg: "ES256", publicJWK: json(try publicJWK("p256"))) { _, _, input in
            if broken.value > 0 { return Data(count: 64) }
            return try signer.sign(input)
        }
        let dpop = try ClientCredentials(
            options(
                "ccauth-dpop", auth: .clientSecretBasic(secret: ClientSecret(value: "dpop-secret-0123456789"), encoding: nil),
                dpopKey: dpopKey))
        _ = try await dpop.token()
        broken.add()
        do {
            _ = try await dpop.authorizationHeaders(method: "GET", url: api)
            XCTFail("r = s = 0 is not a signature")
        } catch let error as Ccauth.CcauthError {
            XCTAssertEqual(error.code, "INVALID_SIGNATURE", "\(error)")
        }
    }
}

/// A thread-safe count, for closures that run on the client's executor.
final class SignCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
    func add() {
        lock.lock()
        count += 1
        lock.unlock()
    }
}

/// A test signer over the system's libcrypto (OpenSSL 3), loaded at run time:
/// Foundation on Linux has no signing, and this package takes no crypto
/// dependency. ECDSA signatures come out DER (as from JCA, Security or a KMS).
final class TestSigner: @unchecked Sendable {
    private typealias NewMemBuf = @convention(c) (UnsafeRawPointer?, Int32) -> OpaquePointer?
    private typealias ReadKey = @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?, OpaquePointer?) -> OpaquePointer?
    private typealias Free = @convention(c) (OpaquePointer?) -> Void
    private typealias New = @convention(c) () -> OpaquePointer?
    private typealias Digest = @convention(c) () -> OpaquePointer?
    private typealias SignInit = @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    private typealias Sign = @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?, UnsafePointer<UInt8>?, Int
    ) -> Int32

    struct Unavailable: Error {}

    private let key: OpaquePointer
    private let lock = NSLock()
    private let library: UnsafeMutableRawPointer
    private let isEd25519: Bool

    init(pem: String) throws {
        guard let library = dlopen("libcrypto.so.3", RTLD_NOW) else { throw Unavailable() }
        self.library = library
        let newMemBuf = unsafeBitCast(dlsym(library, "BIO_new_mem_buf"), to: NewMemBuf.self)
        let readKey = unsafeBitCast(dlsym(library, "PEM_read_bio_PrivateKey"), to: ReadKey.self)
        let free = unsafeBitCast(dlsym(library, "BIO_free"), to: Free.self)
        let bytes = Array(pem.utf8)
        let bio = bytes.withUnsafeBytes { newMemBuf($0.baseAddress, Int32($0.count)) }
        defer { free(bio) }
        guard let key = readKey(bio, nil, nil, nil) else { throw Unavailable() }
        self.key = key
        isEd25519 = pem.contains("MC4CAQAwBQYDK2Vw")  // the Ed25519 PKCS#8 prefix
    }

    private func symbol<T>(_ name: String, _ type: T.Type) -> T { unsafeBitCast(dlsym(library, name), to: type) }

    func sign(_ input: Data) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        let ctx = symbol("EVP_MD_CTX_new", New.self)()
        defer { symbol("EVP_MD_CTX_free", Free.self)(ctx) }
        let md = isEd25519 ? nil : symbol("EVP_sha256", Digest.self)()
        guard symbol("EVP_DigestSignInit", SignInit.self)(ctx, nil, md, nil, key) == 1 else { throw Unavailable() }
        let sign = symbol("EVP_DigestSign", Sign.self)
        let bytes = Array(input)
        var length = 0
        guard sign(ctx, nil, &length, bytes, bytes.count) == 1 else { throw Unavailable() }
        var out = [UInt8](repeating: 0, count: length)
        guard sign(ctx, &out, &length, bytes, bytes.count) == 1 else { throw Unavailable() }
        return Data(out.prefix(length))
    }
}
