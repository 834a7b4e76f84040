//! Kodo's domain rules for status-page SMS subscriptions.
//!
//! Visitors subscribe with a phone number, receive one SMS per incident and
//! reply STOP to leave. This crate holds the rules both the server and the
//! browser need: phone number validation, SMS segment counting, inbound
//! keyword matching, Twilio webhook signatures, message templates and
//! subscriber preferences. It does no I/O and compiles to
//! `wasm32-unknown-unknown`.

pub mod incident;
pub mod keywords;
pub mod phone;
pub mod preferences;
pub mod segments;
pub mod signature;
pub mod template;
mod text;
