import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// API calls with the token attached, and the one retry a rejected token
/// deserves — the flow of the npm `fetch` and the Python httpx/requests hooks.
extension ClientCredentials {
    /// Sends `request` through `session` with `Authorization` (and `DPoP`, a
    /// fresh proof, for a DPoP-bound token). A `DPoP-Nonce` in the answer is
    /// remembered; a 401 asking for it (`use_dpop_nonce`) is resent once with
    /// it. A 401 whose `WWW-Authenticate` the core says condemns the token
    /// (`invalid_token`, or no error code) drops the token and sends the request
    /// once more with a fresh one; any other answer is returned as it is. A
    /// request with an `httpBodyStream` cannot be replayed: its 401 is returned.
    ///
    /// ```swift
    /// let (data, response) = try await client.data(for: URLRequest(url: api))
    /// ```
    public nonisolated func data(for request: URLRequest, session: URLSession = .shared) async throws -> (Data, HTTPURLResponse) {
        let method = (request.httpMethod ?? "GET").uppercased()
        let url = request.url?.absoluteString ?? ""
        let token = try await token()
        var (data, response) = try await send(request, with: token, method: method, url: url, session: session)
        guard response.statusCode == 401, request.httpBodyStream == nil else { return (data, response) }
        var challenge = response.value(forHTTPHeaderField: "WWW-Authenticate")
        if challenge?.contains("use_dpop_nonce") == true, response.value(forHTTPHeaderField: "DPoP-Nonce") != nil {
            // RFC 9449 §9: the resource server wants its nonce in the proof (remembered by `send`).
            (data, response) = try await send(request, with: token, method: method, url: url, session: session)
            guard response.statusCode == 401 else { return (data, response) }
            challenge = response.value(forHTTPHeaderField: "WWW-Authenticate")
        }
        // The core keeps a token the challenge does not condemn (insufficient_scope, …).
        guard await invalidate(token, wwwAuthenticate: challenge) else { return (data, response) }
        let fresh = try await self.token()
        guard fresh.accessToken != token.accessToken else { return (data, response) }
        return try await send(request, with: fresh, method: method, url: url, session: session)
    }

    private nonisolated func send(_ request: URLRequest, with token: AccessToken, method: String, url: String,
                                  session: URLSession) async throws -> (Data, HTTPURLResponse) {
        var request = request
        for (name, value) in await headers(for: token, method: method, url: url) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        let (data, response): (Data, HTTPURLResponse) = try await session.httpData(for: request)
        if let nonce = response.value(forHTTPHeaderField: "DPoP-Nonce") {
            await rememberDpopNonce(url: url, nonce: nonce)
        }
        return (data, response)
    }
}
