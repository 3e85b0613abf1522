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
        let method = request.httpMethod ?? "GET"
        let url = request.url?.absoluteString ?? ""
        let replayable = request.httpBodyStream == nil
        var (token, api) = try await prepared(method: method, url: url)
        var (data, response) = try await send(request, with: api, session: session)
        var verdict = await read(response, to: token, api, url: url, nonceRetried: false)
        if verdict == .retryWithNonce, replayable {
            api = try await headers(for: token, method: method, url: url)  // a fresh proof, with the nonce
            (data, response) = try await send(request, with: api, session: session)
            verdict = await read(response, to: token, api, url: url, nonceRetried: true)
        }
        if verdict == .retryWithNewToken, replayable {
            (token, api) = try await prepared(method: method, url: url)
            (data, response) = try await send(request, with: api, session: session)
            // Only to keep the API's nonce: there is no further retry.
            _ = await read(response, to: token, api, url: url, nonceRetried: false)
        }
        return (data, response)
    }

    /// The core's verdict on `response` to a call made with `token`. Only an
    /// answer the core asked to see (`api`'s report statuses and headers)
    /// goes to it: any other would change nothing, and is `.done`.
    private nonisolated func read(
        _ response: HTTPURLResponse, to token: AccessToken, _ api: ApiHeaders, url: String,
        nonceRetried: Bool
    ) async -> ApiVerdict {
        let status = response.statusCode
        guard
            api.reportStatuses.contains(where: { Int($0) == status })
                || api.reportHeaders.contains(where: { response.value(forHTTPHeaderField: $0) != nil })
        else { return .done }
        return await verdict(
            token, url: url, status: status,
            wwwAuthenticate: response.value(forHTTPHeaderField: "WWW-Authenticate"),
            dpopNonce: response.value(forHTTPHeaderField: "DPoP-Nonce"), nonceRetried: nonceRetried)
    }

    private nonisolated func send(_ request: URLRequest, with api: ApiHeaders, session: URLSession) async throws -> (Data, HTTPURLResponse)
    {
        var request = request
        for header in api.headers { request.setValue(header.value, forHTTPHeaderField: header.name) }
        return try await session.httpData(for: request)
    }
}
