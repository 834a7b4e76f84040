//! Integration tests: each test runs the whole server against its own
//! PostgreSQL database and a local fake of Twilio's Messages API.

mod api_errors;
mod consent;
mod dispatch;
mod disclosure;
mod fake_twilio;
mod helpers;
mod inbound;
mod incidents;
mod limits;
mod manage;
mod subscribe_flow;
mod sweeper;
mod webhooks;
