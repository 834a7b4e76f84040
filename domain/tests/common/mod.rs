//! Helpers shared by the phone number table tests.

use kodo_domain::phone::{NonMobileType, PhoneError};

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

/// Maps a rejection reason, as the tables write it, to the error it stands
/// for, or `None` for a reason no error matches.
pub fn expected_error(reason: &str) -> Option<PhoneError> {
    if let Some(kind) = reason.strip_prefix("not an SMS-capable type: ") {
        let kind = match kind {
            "fixed_line" => NonMobileType::FixedLine,
            "toll_free" => NonMobileType::TollFree,
            "premium_rate" => NonMobileType::PremiumRate,
            "shared_cost" => NonMobileType::SharedCost,
            "uan" => NonMobileType::Uan,
            "voicemail" => NonMobileType::Voicemail,
            _ => return None,
        };
        return Some(PhoneError::NotMobile { kind });
    }
    match reason {
        "missing country code" => Some(PhoneError::MissingCountryCode),
        "extension" => Some(PhoneError::Extension),
        "invalid number" | "unparseable" => Some(PhoneError::Invalid),
        _ => None,
    }
}
