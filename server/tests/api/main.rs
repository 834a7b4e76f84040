#![recursion_limit = "256"]
//! Integration tests: each test runs the whole server against its own
//! PostgreSQL database and a local fake of Twilio's Messages API.

mod admin_pages;
mod api_errors;
mod bench;
mod combining;
mod consent;
mod contract;
mod disclosure;
mod dispatch;
mod fake_twilio;
mod fanout;
mod helpers;
mod inbound;
mod incidents;
mod limits;
mod maintenance;
mod manage;
mod quiet_hours;
mod rate_limit;
mod recovery;
mod subscribe_flow;
mod sweeper;
mod templates;
mod webhooks;
