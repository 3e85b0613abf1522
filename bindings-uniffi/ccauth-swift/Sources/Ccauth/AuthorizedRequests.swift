import CcauthFFI
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// API calls with the token attached, and the one retry the core's verdict
/// allows — the flow of the npm `fetch` and the Python httpx/requests hooks.
extension ClientCredentials {
    /// Sends `request` through `session` with the core's headers for the token
    /// (`Authorization`, and `DPoP` with a fresh proof for a DPoP-bound token).
    /// The core reads each answer: it keeps the API's `DPoP-Nonce`, asks for
    /// one resend with it (a 401 `use_dpop_nonce`), or drops a token the 401's
    /// challenge condemns (`invalid_token`, or no error code), and the request
    /// is sent once more with a fresh token; any other answer is returned as
    /// it is. A request with an `httpBodyStream` cannot be replayed: its 401
    /// is returned.
    ///
    /// ```swift
    /// let (data, response) = try await client.data(for: URLRequest(url: api))
    /// ```
    public nonisolated func data(for request: URLRequest, session: URLSession = .shared) async throws -> (Data, HTTPURLResponse) {
        let method = (request.httpMethod ?? "GET").uppercased()
        let url = request.url?.absoluteString ?? ""
        let replayable = request.httpBodyStream == nil
        let token = try await token()
        var (data, response) = try await send(request, with: token, method: method, url: url, session: session)
        var verdict = await read(token, url: url, response: response, nonceRetried: false)
        if verdict == .retryWithNonce, replayable {
            (data, response) = try await send(request, with: token, method: method, url: url, session: session)
            verdict = await read(token, url: url, response: response, nonceRetried: true)
        }
        if verdict == .retryWithNewToken, replayable {
            let fresh = try await self.token()
            (data, response) = try await send(request, with: fresh, method: method, url: url, session: session)
            // Only to keep the API's nonce: there is no further retry.
            _ = await read(fresh, url: url, response: response, nonceRetried: false)
        }
        return (data, response)
    }

    /// The core's verdict on `response` to a call made with `token`.
    private nonisolated func read(_ token: AccessToken, url: String, response: HTTPURLResponse, nonceRetried: Bool) async -> ApiVerdict {
        await verdict(token, url: url, status: response.statusCode,
                wwwAuthenticate: response.value(forHTTPHeaderField: "WWW-Authenticate"),
                dpopNonce: response.value(forHTTPHeaderField: "DPoP-Nonce"), nonceRetried: nonceRetried)
    }

    private nonisolated func send(_ request: URLRequest, with token: AccessToken, method: String, url: String,
                                  session: URLSession) async throws -> (Data, HTTPURLResponse) {
        var request = request
        for (name, value) in try await headers(for: token, method: method, url: url) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        return try await session.httpData(for: request)
    }
}
