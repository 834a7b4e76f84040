//! Runs every row of `data/twilio_signatures.jsonl` through the signature
//! functions.
//!
//! Each row has an auth token, the URL, the form parameters and the
//! `X-Twilio-Signature` that Twilio's request validator (`twilio` 9.13.0 on
//! PyPI) computes for them. A row with `"expect_valid": false` carries a
//! signature that must be rejected.

mod common;

use std::collections::BTreeMap;

use kodo_domain::signature::{compute, is_valid};
use serde::Deserialize;

const TABLE: &str = include_str!("data/twilio_signatures.jsonl");

#[derive(Deserialize)]
struct Row {
    auth_token: String,
    url: String,
    params: BTreeMap<String, String>,
    signature: String,
    #[serde(default = "valid_by_default")]
    expect_valid: bool,
}

fn valid_by_default() -> bool {
    true
}

#[test]
fn signature_table_rows_match() {
    let rows: Vec<(usize, Row)> = common::json_rows(TABLE);
    let row_count = rows.len();
    let mut failures = Vec::new();
    for (line, row) in rows {
        let label = format!("line {} ({})", line, row.url);
        let params: Vec<(String, String)> = row.params.into_iter().collect();

        let valid = is_valid(&row.auth_token, &row.url, &params, &row.signature);
        if valid != row.expect_valid {
            failures.push(format!(
                "{label}: is_valid returned {valid}, expected {}",
                row.expect_valid
            ));
        }
        let computed = compute(&row.auth_token, &row.url, &params);
        if row.expect_valid && computed != row.signature {
            failures.push(format!(
                "{label}: computed {computed}, expected {}",
                row.signature
            ));
        }
    }

    common::assert_no_failures(&failures, row_count);
}
