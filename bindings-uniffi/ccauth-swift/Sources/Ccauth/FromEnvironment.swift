import CcauthFFI
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension ClientCredentials {
    /// A client from `CCAUTH_*` environment variables, the names every ccauth
    /// package reads (`ccauth doctor --help` of the Python and npm packages
    /// lists them):
    /// `CCAUTH_TOKEN_ENDPOINT` (or `CCAUTH_ISSUER`, then discovery),
    /// `CCAUTH_CLIENT_ID`, `CCAUTH_CLIENT_SECRET`, `CCAUTH_AUTH_METHOD`,
    /// `CCAUTH_SCOPE` (space-separated), `CCAUTH_AUDIENCE`,
    /// `CCAUTH_RESOURCE`, `CCAUTH_PRIVATE_KEY` (a PEM or JWK) or
    /// `CCAUTH_PRIVATE_KEY_FILE`, `CCAUTH_KEY_ID`,
    /// `CCAUTH_CLIENT_ASSERTION_ALG`, `CCAUTH_BODY_FORMAT`, and
    /// `CCAUTH_CONFIG_FILE`: a JSON config document (snake_case members,
    /// docs/OPTIONS.md) that the variables override.
    ///
    /// ```swift
    /// // CCAUTH_TOKEN_ENDPOINT=https://as.example.com/token CCAUTH_CLIENT_ID=svc CCAUTH_CLIENT_SECRET=…
    /// let client = try await ClientCredentials.fromEnvironment()
    /// ```
    ///
    /// The core reads the variables, so every language reads them alike: a
    /// misspelt `CCAUTH_` name (`CCAUTH_CLIENT_SECRTE`) is a `CcauthError` of
    /// kind `.config` (field `environment`) naming the right one; other
    /// errors name the config document's member (`client_id`,
    /// `token_endpoint`), never a value. An `issuer` without
    /// `server_metadata` in the document is discovered first (honouring its
    /// `danger_accept_insecure_http`). A document naming what needs code
    /// (`external_client_assertion`, `host_signed_key`,
    /// `host_signed_dpop_key`) is refused: build the client with
    /// `ClientCredentialsOptions` for those.
    ///
    /// - Parameters:
    ///   - session: as in `init(_:session:)`; the default never follows redirects.
    ///   - timeoutMs: per HTTP request (discovery's too).
    ///   - listener: gets every lifecycle event (`ClientCredentialsOptions.listener`).
    ///   - store, storeKey: a fleet store and its extra key, as in `ClientCredentialsOptions`.
    ///   - environment: where the variables come from (only `CCAUTH_*` names are read).
    public static func fromEnvironment(
        session: URLSession? = nil, timeoutMs: UInt64 = 10_000, listener: LifecycleListener? = nil,
        store: (any TokenStore)? = nil, storeKey: StoreKey? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> ClientCredentials {
        let document = try optionsDocument(environment)
        // The driver's parts only: the core's options come from the document.
        let driver = ClientCredentialsOptions(
            tokenEndpoint: "", clientId: "", auth: .none, timeoutMs: timeoutMs, listener: listener, store: store,
            storeKey: storeKey)
        return try await fromDocument(document, driver, session: session)
    }

    /// The client options (a config document, JSON object text) the core
    /// makes of `environment`'s `CCAUTH_*` variables and the files they name.
    static func optionsDocument(_ environment: [String: String]) throws -> String {
        // Sorted: the core reports the first misspelt name it meets, the same one each run.
        let env = environment.filter { $0.key.hasPrefix("CCAUTH_") }.sorted { $0.key < $1.key }
            .map { Header(name: $0.key, value: $0.value) }
        return try translatedDocument {
            let plan = jsonObject(try doctorPlan(args: [], env: env))
            let config = try (plan["config_file"] as? String).map { try readText($0, field: "config_file") }
            let key = try (plan["private_key_file"] as? String).map { try readText($0, field: "private_key_file") }
            return try clientOptions(args: [], env: env, configFileText: config, privateKeyText: key)
        }
    }

    /// A client from a config document: discovery first for an `issuer`
    /// without `server_metadata`; `driver` gives the driver's parts.
    static func fromDocument(_ document: String, _ driver: ClientCredentialsOptions, session: URLSession?) async throws
        -> ClientCredentials
    {
        let members = jsonObject(document)
        for name in ["external_client_assertion", "host_signed_key", "host_signed_dpop_key"] where isSet(members[name]) {
            throw CcauthError.badOption(
                name, reason: "needs a callable or a signer: build ClientCredentials with ClientCredentialsOptions for it")
        }
        var document = document
        if let issuer = members["issuer"] as? String, members["server_metadata"] == nil {
            let insecure = (members["danger_accept_insecure_http"] as? Bool) == true
            let metadata = try await discovered(issuer: issuer, dangerAcceptInsecureHttp: insecure, timeoutMs: driver.timeoutMs)
            document = withMember("server_metadata", json: metadata, in: document)
        }
        let config = try translatedDocument { try ClientConfig.fromDocument(configJson: document) }
        return try ClientCredentials(config: config, driver, session: session)
    }
}

/// Whether a document member says yes: present and not null, `false`, 0 or empty.
private func isSet(_ value: Any?) -> Bool {
    switch value {
    case nil, is NSNull: return false
    case let flag as Bool: return flag
    case let text as String: return !text.isEmpty
    case let list as [Any]: return !list.isEmpty
    case let object as [String: Any]: return !object.isEmpty
    default: return true
    }
}

/// `document` (a JSON object's text) with the member `name` set to `json`
/// (JSON text), its other members left as written. Only called for a member
/// the document lacks.
private func withMember(_ name: String, json: String, in document: String) -> String {
    let trimmed = document.trimmingCharacters(in: .whitespacesAndNewlines)
    let rest = trimmed.dropFirst()  // after "{"
    let empty = rest.trimmingCharacters(in: .whitespacesAndNewlines) == "}"
    return "{\"\(name)\":\(json)" + (empty ? "}" : "," + rest)
}

/// A file a `CCAUTH_*` variable names, as UTF-8 text; a `.config` error
/// naming `field` and the path (never the content) when it cannot be read.
private func readText(_ path: String, field: String) throws -> String {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw CcauthError.badOption(field, reason: "cannot read \(path): \(systemReason(error))")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw CcauthError.badOption(field, reason: "cannot read \(path): not UTF-8 text")
    }
    return text
}

/// The operating system's words for a file error (`No such file or directory`).
private func systemReason(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    switch CocoaError.Code(rawValue: ns.code) {
    case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
    case .fileReadNoPermission: return "permission denied"
    default: return "error \(ns.domain) \(ns.code)"
    }
}
