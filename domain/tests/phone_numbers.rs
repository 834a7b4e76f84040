//! Runs every row of `data/phone_numbers.tsv` through `PhoneNumber::parse`.
//!
//! Columns: the typed input, the expected E.164 number or `reject`, and a
//! note. For accepted rows the note starts with the region; for rejected
//! rows it is the reason, which must match the `PhoneError` variant.

mod common;

use kodo_domain::phone::PhoneNumber;

const TABLE: &str = include_str!("data/phone_numbers.tsv");

#[test]
fn phone_table_rows_match() {
    let rows = common::rows(TABLE, 3);
    let mut failures = Vec::new();
    for row in &rows {
        let [input, expected, note] = row.columns[..] else {
            unreachable!("common::rows checks the column count");
        };
        let label = format!("line {} ({input:?}, {note})", row.line);
        let result = PhoneNumber::parse(input);

        if expected == "reject" {
            match (common::phone::expected_error(note), result) {
                (None, _) => failures.push(format!("{label}: unknown rejection reason")),
                (Some(error), Err(actual)) if actual == error => {}
                (Some(error), other) => {
                    failures.push(format!("{label}: expected Err({error:?}), got {other:?}"))
                }
            }
            continue;
        }

        let number = match result {
            Ok(number) => number,
            Err(error) => {
                failures.push(format!("{label}: expected {expected}, got Err({error:?})"));
                continue;
            }
        };
        if number.as_str() != expected {
            failures.push(format!(
                "{label}: expected {expected}, got {}",
                number.as_str()
            ));
        }
        let region = note.split(',').next().unwrap_or_default().trim();
        if number.region().as_deref() != Some(region) {
            failures.push(format!(
                "{label}: expected region {region}, got {:?}",
                number.region()
            ));
        }
    }

    common::assert_no_failures(&failures, rows.len());
}
