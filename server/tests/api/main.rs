//! Integration tests: each test runs the whole server against its own
//! PostgreSQL database and a local fake of Twilio's Messages API.

mod api_errors;
mod bench;
mod contract;
mod dispatch;
mod fake_twilio;
mod helpers;
mod incidents;
mod rate_limit;
mod recovery;
mod subscribe_flow;
mod webhooks;
