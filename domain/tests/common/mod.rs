//! Helpers shared by the table tests: reading the rows of a table and
//! reporting every failed row at once.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

pub mod phone;

use serde::de::DeserializeOwned;

/// A row of a tab-separated table, with its 1-based line number.
pub struct Row<'a> {
    pub line: usize,
    pub columns: Vec<&'a str>,
}

/// Splits a table into rows of `column_count` columns, skipping `#` comment
/// lines and blank lines. Panics naming the line if a row has another
/// column count.
pub fn rows(table: &str, column_count: usize) -> Vec<Row<'_>> {
    let rows: Vec<Row<'_>> = table
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty())
        .map(|(index, line)| {
            let columns: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                columns.len(),
                column_count,
                "line {}: expected {column_count} tab-separated columns",
                index + 1
            );
            Row {
                line: index + 1,
                columns,
            }
        })
        .collect();
    assert!(!rows.is_empty(), "the table has no rows");
    rows
}

/// Parses each non-blank line of a JSON Lines table into a `T`, with its
/// 1-based line number. Panics naming the line if one is not valid JSON.
pub fn json_rows<T: DeserializeOwned>(table: &str) -> Vec<(usize, T)> {
    let rows: Vec<(usize, T)> = table
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let row = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("line {}: invalid JSON: {error}", index + 1));
            (index + 1, row)
        })
        .collect();
    assert!(!rows.is_empty(), "the table has no rows");
    rows
}

/// Fails the test with every failed row listed, if there is one.
pub fn assert_no_failures(failures: &[String], row_count: usize) {
    assert!(
        failures.is_empty(),
        "{} of {row_count} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
