//! Runs every row of `data/sms_keywords.tsv` through `keywords::classify`.
//!
//! Columns: the inbound message body as a JSON string, and the expected
//! action: `opt_out`, `opt_in`, `help` or `none`.

mod common;

use kodo_domain::keywords::classify;

const TABLE: &str = include_str!("data/sms_keywords.tsv");

#[test]
fn keyword_table_rows_match() {
    let rows = common::rows(TABLE, 2);
    let mut failures = Vec::new();
    for row in &rows {
        let [body_json, expected] = row.columns[..] else {
            unreachable!("common::rows checks the column count");
        };
        let body: String = match serde_json::from_str(body_json) {
            Ok(body) => body,
            Err(error) => {
                failures.push(format!("line {}: invalid JSON string: {error}", row.line));
                continue;
            }
        };

        let actual = classify(&body).as_str();
        if actual != expected.trim() {
            failures.push(format!("line {} ({body:?}): {actual}, expected {expected}", row.line));
        }
    }

    common::assert_no_failures(&failures, rows.len());
}
