//! A JSON codec for resource data that the server renders into the page.
//!
//! Leptos's default resource codec parses with `serde_json::from_str`, while
//! server function responses parse with `serde_json::from_slice`. Each
//! compiles its own copy of the JSON parser for every type into the WASM, so
//! public pages read resources with `from_slice` too and share one copy.

use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Serializes with `serde_json::to_string` and parses with `serde_json::from_slice`.
pub struct JsonSliceCodec;

impl<T: Serialize> Encoder<T> for JsonSliceCodec {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonSliceCodec {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}
