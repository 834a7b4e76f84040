//! Runs every row of `data/phone_examples.tsv` through `PhoneNumber`.
//!
//! The rows are libphonenumber's example numbers of every type for every
//! region, written in INTERNATIONAL format and, where the region has a
//! national prefix, as `+code (prefix)number`. Columns: the input, the
//! expected E.164 number or `reject`, the region (`001` for non-geographic
//! codes) or the reason for rejecting, and the INTERNATIONAL format (`-`
//! for rejected rows).

mod common;

use kodo_domain::phone::PhoneNumber;

const TABLE: &str = include_str!("data/phone_examples.tsv");

#[test]
fn example_table_rows_match() {
    let rows = common::rows(TABLE, 4);
    let mut failures = Vec::new();
    for row in &rows {
        let [input, expected, region_or_reason, international] = row.columns[..] else {
            unreachable!("common::rows checks the column count");
        };
        let label = format!("line {} ({input:?})", row.line);
        let result = PhoneNumber::parse(input);

        if expected == "reject" {
            match (common::phone::expected_error(region_or_reason), result) {
                (None, _) => failures.push(format!(
                    "{label}: unknown rejection reason {region_or_reason:?}"
                )),
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
                "{label}: E.164 {}, expected {expected}",
                number.as_str()
            ));
        }
        let expected_region = (region_or_reason != "001").then_some(region_or_reason);
        if number.region().as_deref() != expected_region {
            failures.push(format!(
                "{label}: region {:?}, expected {expected_region:?}",
                number.region()
            ));
        }
        if number.international() != international {
            failures.push(format!(
                "{label}: international {:?}, expected {international:?}",
                number.international()
            ));
        }
    }

    common::assert_no_failures(&failures, rows.len());
}
