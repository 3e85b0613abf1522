//! `ErrorCode`: the catalogue of every stable code the core gives, in one
//! place. The bindings are checked against it (`tests/vectors/error_codes.json`
//! is written from [`ErrorCode::ALL`] and every binding's list must match).

macro_rules! catalogue {
    ($($variant:ident => $code:literal,)*) => {
        /// A stable error code: the same word in every language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = $code]
                $variant,
            )*
        }

        impl ErrorCode {
            /// Every code, in catalogue order.
            pub const ALL: &'static [ErrorCode] = &[$(Self::$variant),*];

            /// The code as text, e.g. `TOKEN_ENDPOINT_ERROR`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }
        }
    };
}

catalogue! {
    InvalidTokenEndpoint => "INVALID_TOKEN_ENDPOINT",
    InsecureEndpoint => "INSECURE_ENDPOINT",
    InvalidClientId => "INVALID_CLIENT_ID",
    MissingClientSecret => "MISSING_CLIENT_SECRET",
    UnexpectedClientSecret => "UNEXPECTED_CLIENT_SECRET",
    InvalidClientSecret => "INVALID_CLIENT_SECRET",
    InvalidScope => "INVALID_SCOPE",
    InvalidParameter => "INVALID_PARAMETER",
    ReservedParameter => "RESERVED_PARAMETER",
    InvalidHeader => "INVALID_HEADER",
    ReservedHeader => "RESERVED_HEADER",
    InvalidPolicy => "INVALID_POLICY",
    InvalidConfigDocument => "INVALID_CONFIG_DOCUMENT",
    InvalidKey => "INVALID_KEY",
    InvalidClientAssertion => "INVALID_CLIENT_ASSERTION",
    InvalidSignature => "INVALID_SIGNATURE",
    ResponseTooLarge => "RESPONSE_TOO_LARGE",
    RateLimited => "RATE_LIMITED",
    TokenEndpointError => "TOKEN_ENDPOINT_ERROR",
    ServerError => "SERVER_ERROR",
    UnexpectedStatus => "UNEXPECTED_STATUS",
    ResponseNotJson => "RESPONSE_NOT_JSON",
    InvalidTokenResponse => "INVALID_TOKEN_RESPONSE",
    MissingAccessToken => "MISSING_ACCESS_TOKEN",
    InvalidAccessToken => "INVALID_ACCESS_TOKEN",
    UnsupportedTokenType => "UNSUPPORTED_TOKEN_TYPE",
    InvalidIntrospectionResponse => "INVALID_INTROSPECTION_RESPONSE",
    InvalidServerMetadata => "INVALID_SERVER_METADATA",
    IssuerMismatch => "ISSUER_MISMATCH",
    InvalidTokenDocument => "INVALID_TOKEN_DOCUMENT",
    UnsupportedTokenDocumentVersion => "UNSUPPORTED_TOKEN_DOCUMENT_VERSION",
    TokenDocumentKeyMismatch => "TOKEN_DOCUMENT_KEY_MISMATCH",
    TokenDocumentExpired => "TOKEN_DOCUMENT_EXPIRED",
    TransportError => "TRANSPORT_ERROR",
    UnknownTokenKey => "UNKNOWN_TOKEN_KEY",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
