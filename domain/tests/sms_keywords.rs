//! Runs every row of `data/sms_keywords.tsv` through `keywords::classify`.
//!
//! Columns: the inbound message body as a JSON string, and the expected
//! action: `opt_out`, `opt_in`, `help` or `none`.

use kodo_domain::keywords::classify;

const TABLE: &str = include_str!("data/sms_keywords.tsv");

#[test]
fn keyword_table_rows_match() {
    let mut failures = Vec::new();
    let mut row_count = 0;
    for (index, line) in TABLE.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        row_count += 1;
        let Some((body_json, expected)) = line.rsplit_once('\t') else {
            failures.push(format!(
                "line {}: expected 2 tab-separated columns",
                index + 1
            ));
            continue;
        };
        let body: String = match serde_json::from_str(body_json) {
            Ok(body) => body,
            Err(error) => {
                failures.push(format!("line {}: invalid JSON string: {error}", index + 1));
                continue;
            }
        };

        let actual = classify(&body).as_str();
        if actual != expected.trim() {
            failures.push(format!(
                "line {} ({body:?}): {actual}, expected {expected}",
                index + 1
            ));
        }
    }

    assert!(row_count > 0, "the table has no rows");
    assert!(
        failures.is_empty(),
        "{} failures in {row_count} rows:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
