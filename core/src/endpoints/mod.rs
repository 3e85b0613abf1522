//! One module an endpoint: the token request and its response, discovery
//! (RFC 8414), revocation (RFC 7009) and introspection (RFC 7662). Each
//! builds an [`HttpRequest`](crate::HttpRequest) and parses the reply.

pub(crate) mod discovery;
pub(crate) mod introspection;
pub(crate) mod json_fields;
pub(crate) mod revocation;
pub(crate) mod token_request;
pub(crate) mod token_response;
