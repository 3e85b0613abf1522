import CcauthFFI
import Foundation

#if canImport(CryptoKit)
    import CryptoKit
#endif
#if canImport(Security)
    import Security
#endif

/// Signs one JWS signing input for a key ccauth does not hold (a key store,
/// the Secure Enclave, a KMS, an HSM): called with the algorithm (`ES256`, …),
/// the key id (the assertion's `kid`, if any) and the bytes to sign (ASCII
/// `base64url(header).base64url(claims)`); returns the signature over them.
/// ECDSA signatures may be DER or raw `r || s`: the core converts and checks
/// them (`INVALID_SIGNATURE`). A signer that throws is a failed attempt,
/// retried like a network error.
public typealias HostSigner = @Sendable (_ alg: String, _ keyId: String?, _ signingInput: Data) async throws -> Data

extension PrivateKey {
    /// A key signed by `sign` (a KMS, an HSM, a remote signer), for
    /// `auth: .privateKeyJwt(key:)` or `dpopKey`. `publicJWK` (JSON text,
    /// public members) is required for DPoP: each proof carries it.
    ///
    /// ```swift
    /// auth: .privateKeyJwt(key: try .signedBy(alg: "ES256") { _, _, input in try await kms.sign(input) })
    /// ```
    public static func signedBy(alg: String, publicJWK: String? = nil, keyId: String? = nil, _ sign: @escaping HostSigner) throws
        -> PrivateKey
    {
        let key = try translated { try hostSigned(alg: alg, publicJwk: publicJWK, keyId: keyId) }
        HostSigners.shared.register(key, sign)
        return key
    }

    #if canImport(CryptoKit)
        /// A CryptoKit P-256 key (ES256); its public half makes the JWK.
        public static func cryptoKit(_ key: P256.Signing.PrivateKey, keyId: String? = nil) throws -> PrivateKey {
            let box = UncheckedBox(key)
            return try signedBy(alg: "ES256", publicJWK: p256JWK(key.publicKey.rawRepresentation), keyId: keyId) { _, _, input in
                try box.value.signature(for: input).rawRepresentation
            }
        }

        #if !os(Linux)
            /// A Secure Enclave P-256 key (ES256): it signs inside the enclave;
            /// its public half makes the JWK.
            public static func secureEnclave(_ key: SecureEnclave.P256.Signing.PrivateKey, keyId: String? = nil) throws -> PrivateKey {
                let box = UncheckedBox(key)
                return try signedBy(alg: "ES256", publicJWK: p256JWK(key.publicKey.rawRepresentation), keyId: keyId) { _, _, input in
                    try box.value.signature(for: input).rawRepresentation
                }
            }
        #endif
    #endif

    #if canImport(Security)
        /// A Security framework EC key (P-256: ES256, P-384: ES384; a keychain
        /// or Secure Enclave `SecKey`), signed with `SecKeyCreateSignature`
        /// (X9.62 DER). Its public key (`SecKeyCopyPublicKey`) makes the JWK.
        public static func secKey(_ key: SecKey, keyId: String? = nil) throws -> PrivateKey {
            guard let publicKey = SecKeyCopyPublicKey(key),
                let point = SecKeyCopyExternalRepresentation(publicKey, nil) as Data?,
                point.first == 4, point.count == 65 || point.count == 97
            else { throw HostKeyError.unsupported("an EC P-256 or P-384 key with a public key") }
            let size = (point.count - 1) / 2
            let alg = size == 32 ? "ES256" : "ES384"
            let algorithm: SecKeyAlgorithm = size == 32 ? .ecdsaSignatureMessageX962SHA256 : .ecdsaSignatureMessageX962SHA384
            let xy = point.dropFirst()
            let jwk =
                #"{"kty":"EC","crv":"\#(size == 32 ? "P-256" : "P-384")","x":"\#(base64URL(xy.prefix(size)))","y":"\#(base64URL(xy.suffix(size)))"}"#
            let box = UncheckedBox(key)
            return try signedBy(alg: alg, publicJWK: jwk, keyId: keyId) { _, _, input in
                var error: Unmanaged<CFError>?
                guard let signature = SecKeyCreateSignature(box.value, algorithm, input as CFData, &error) as Data? else {
                    throw error?.takeRetainedValue() ?? HostKeyError.unsupported("SecKeyCreateSignature failed")
                }
                return signature
            }
        }
    #endif

    /// The EC P-256 public JWK of a raw `x || y` point.
    static func p256JWK(_ xy: Data) -> String {
        #"{"kty":"EC","crv":"P-256","x":"\#(base64URL(xy.prefix(32)))","y":"\#(base64URL(xy.suffix(32)))"}"#
    }
}

/// A platform key ccauth cannot use.
public enum HostKeyError: Error, CustomStringConvertible {
    case unsupported(String)

    public var description: String {
        switch self {
        case .unsupported(let what): return "unsupported key: expected \(what)"
        }
    }
}

/// The signers of the keys made by `PrivateKey.signedBy` (and the platform
/// conveniences), by key identity: the options carry the generated key, the
/// client finds its signer here. Entries go with their keys.
final class HostSigners: @unchecked Sendable {
    static let shared = HostSigners()

    private final class Entry {
        weak var key: PrivateKey?
        let sign: HostSigner

        init(_ key: PrivateKey, _ sign: @escaping HostSigner) {
            self.key = key
            self.sign = sign
        }
    }

    private let lock = NSLock()
    private var entries: [ObjectIdentifier: Entry] = [:]

    func register(_ key: PrivateKey, _ sign: @escaping HostSigner) {
        lock.lock()
        defer { lock.unlock() }
        entries = entries.filter { $0.value.key != nil }
        entries[ObjectIdentifier(key)] = Entry(key, sign)
    }

    func signer(for key: PrivateKey?) -> HostSigner? {
        guard let key else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[ObjectIdentifier(key)], entry.key === key else { return nil }
        return entry.sign
    }

    /// The signers of `options`' host-signed keys: the client assertion's and the DPoP proofs'.
    func signers(of options: ClientCredentialsOptions) -> (assertion: HostSigner?, dpop: HostSigner?) {
        var assertionKey: PrivateKey?
        if case .privateKeyJwt(let key, _) = options.auth { assertionKey = key }
        return (signer(for: assertionKey), signer(for: options.dpopKey))
    }
}

/// A platform key (not `Sendable` by declaration) captured by a signer: used
/// only to sign, which the platform allows from any thread.
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The host-signed key has no signer: its `PrivateKey` was not made by
/// `signedBy` (or a platform convenience).
struct NoSigner: Error, CustomStringConvertible {
    var description: String { "no signer for this host-signed key: make it with PrivateKey.signedBy" }
}

func base64URL<D: DataProtocol>(_ bytes: D) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
