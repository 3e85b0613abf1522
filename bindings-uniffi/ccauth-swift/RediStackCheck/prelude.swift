// The README's placeholders, as the check's values (prelude.swift, inserted by check.sh).
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

let environment = ProcessInfo.processInfo.environment
let redisPort = Int(environment["CCAUTH_REDIS_PORT"] ?? "") ?? 0
let redisUser: String? = nil  // the test Redis has no ACL user or password
let redisPassword: String? = nil
let url = environment["CCAUTH_TOKEN_ENDPOINT"] ?? ""
let id = "ccauth-basic"
let auth = ClientAuth.clientSecretBasic(secret: ClientSecret(value: "s3cr3t+/:%&= \"~*"), encoding: nil)
