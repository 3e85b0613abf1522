import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A failed transfer in the core's terms: the kind (`timeout`, `connect`,
/// `tls`, `reset`, `other`), the cause (the `URLError.Code` name, e.g.
/// `cannotConnectToHost`) and whether the request had been sent (false for
/// DNS, connect and TLS failures; true for a connection lost after it; nil
/// when not known).
struct TransportFailure: Sendable, Equatable {
    let kind: String
    let cause: String
    let requestSent: Bool?
    /// A short description, never a URL, header or body.
    let message: String

    init(kind: String, cause: String, requestSent: Bool?, message: String) {
        self.kind = kind
        self.cause = cause
        self.requestSent = requestSent
        self.message = message
    }

    init(_ error: Error) {
        var sent: Bool?
        var error = error
        if let transfer = error as? TransferError {
            sent = transfer.requestSent
            error = transfer.underlying
        }
        guard let urlError = error as? URLError else {
            self.init(kind: "other", cause: "\(type(of: error))", requestSent: sent, message: "the transfer failed")
            return
        }
        let code = urlError.code.rawValue
        let name = Self.names[code] ?? "URLError.\(code)"
        switch code {
        case -1001:  // timedOut
            // Connect or read timeout: URLError does not say which.
            self.init(kind: "timeout", cause: name, requestSent: sent, message: "no response in time")
        case -1003, -1006:  // cannotFindHost, dnsLookupFailed
            self.init(kind: "connect", cause: name, requestSent: false, message: "the host name did not resolve")
        case -1004, -1009, -1020 ... -1018:  // cannotConnectToHost, notConnectedToInternet, internationalRoamingOff…dataNotAllowed
            self.init(kind: "connect", cause: name, requestSent: false, message: "could not connect")
        case -1206 ... -1200, -1022:  // secureConnectionFailed…clientCertificateRequired, appTransportSecurity…
            self.init(kind: "tls", cause: name, requestSent: false, message: "TLS handshake or certificate failure")
        case -1005:  // networkConnectionLost
            self.init(kind: "reset", cause: name, requestSent: true, message: "the connection was closed or reset")
        #if canImport(FoundationNetworking)
            case -1011:  // badServerResponse
                // libcurl's "empty reply from server" (CURLE_GOT_NOTHING): closed after the request.
                self.init(kind: "reset", cause: name, requestSent: true, message: "the connection was closed without a response")
            case -1 where Self.looksLikeTLS(urlError):  // unknown
                // FoundationNetworking maps libcurl's TLS failures to `unknown`; its text names them.
                self.init(kind: "tls", cause: name, requestSent: false, message: "TLS handshake or certificate failure")
        #endif
        default:
            self.init(kind: "other", cause: name, requestSent: sent, message: "the transfer failed")
        }
    }

    #if canImport(FoundationNetworking)
        private static func looksLikeTLS(_ error: URLError) -> Bool {
            let text = error.localizedDescription.lowercased()
            return ["ssl", "tls", "certificate"].contains { text.contains($0) }
        }
    #endif

    /// `URLError.Code` names by raw value (Swift gives no name for a code).
    static let names: [Int: String] = [
        -1: "unknown", -999: "cancelled", -1000: "badURL", -1001: "timedOut", -1002: "unsupportedURL",
        -1003: "cannotFindHost", -1004: "cannotConnectToHost", -1005: "networkConnectionLost",
        -1006: "dnsLookupFailed", -1007: "httpTooManyRedirects", -1008: "resourceUnavailable",
        -1009: "notConnectedToInternet", -1010: "redirectToNonExistentLocation", -1011: "badServerResponse",
        -1012: "userCancelledAuthentication", -1013: "userAuthenticationRequired", -1014: "zeroByteResource",
        -1015: "cannotDecodeRawData", -1016: "cannotDecodeContentData", -1017: "cannotParseResponse",
        -1018: "internationalRoamingOff", -1019: "callIsActive", -1020: "dataNotAllowed",
        -1021: "requestBodyStreamExhausted", -1022: "appTransportSecurityRequiresSecureConnection",
        -1100: "fileDoesNotExist", -1101: "fileIsDirectory", -1102: "noPermissionsToReadFile",
        -1103: "dataLengthExceedsMaximum", -1200: "secureConnectionFailed", -1201: "serverCertificateHasBadDate",
        -1202: "serverCertificateUntrusted", -1203: "serverCertificateHasUnknownRoot",
        -1204: "serverCertificateNotYetValid", -1205: "clientCertificateRejected", -1206: "clientCertificateRequired",
        -2000: "cannotLoadFromNetwork",
    ]
}
