//! Runs every row of `data/sms_segments.jsonl` through `segments::count`.
//!
//! Each row has the text and the encoding, segment count and `units` that
//! Twilio's segment calculator (`sms-segments-calculator` 1.3.0) reports.
//! The calculator's `units` are septets for GSM-7, which `count` reports
//! too, but user-perceived characters (grapheme clusters) for UCS-2, where
//! `count` reports UTF-16 code units because those are what fill a segment.
//! So UCS-2 rows check `units` against the text's UTF-16 length instead.

mod common;

use kodo_domain::segments::{count, fits_one_segment};
use serde::Deserialize;

const TABLE: &str = include_str!("data/sms_segments.jsonl");

#[derive(Deserialize)]
struct Row {
    text: String,
    encoding: String,
    segments: usize,
    units: usize,
}

#[test]
fn segment_table_rows_match() {
    let rows: Vec<(usize, Row)> = common::json_rows(TABLE);
    let row_count = rows.len();
    let mut failures = Vec::new();
    for (line, row) in rows {
        let label = format!("line {} ({:?})", line, shorten(&row.text));
        let counted = count(&row.text);

        if counted.encoding.as_str() != row.encoding {
            failures.push(format!(
                "{label}: encoding {} != expected {}",
                counted.encoding, row.encoding
            ));
        }
        if counted.segments != row.segments {
            failures.push(format!(
                "{label}: segments {} != expected {}",
                counted.segments, row.segments
            ));
        }
        let expected_units = if row.encoding == "GSM-7" {
            row.units
        } else {
            row.text.encode_utf16().count()
        };
        if counted.units != expected_units {
            failures.push(format!(
                "{label}: units {} != expected {expected_units}",
                counted.units
            ));
        }
        if fits_one_segment(&row.text) != (row.segments == 1) {
            failures.push(format!(
                "{label}: fits_one_segment disagrees with {} segments",
                row.segments
            ));
        }
    }

    common::assert_no_failures(&failures, row_count);
}

/// Returns the first 40 characters of `text`, for failure messages.
fn shorten(text: &str) -> String {
    text.chars().take(40).collect()
}
