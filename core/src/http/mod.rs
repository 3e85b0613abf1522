//! HTTP as plain data: the requests the core builds, the responses the host
//! hands back, URLs and `WWW-Authenticate` challenges. The bottom layer:
//! it depends on nothing else in the crate.

pub(crate) mod challenge;
mod request;
mod response;
pub(crate) mod trace;
pub(crate) mod url;

pub use request::HttpRequest;
pub(crate) use response::is_visible_ascii;
pub use response::{BodyKind, HttpResponse};
