//! `uniffi-bindgen`, pinned to the UniFFI version of `ccauth-ffi`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
