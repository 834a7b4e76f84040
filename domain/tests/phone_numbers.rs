//! Runs every row of `data/phone_numbers.tsv` through `PhoneNumber::parse`.
//!
//! Columns: the typed input, the expected E.164 number or `reject`, and a
//! note. For accepted rows the note starts with the region; for rejected
//! rows it is the reason, which must match the `PhoneError` variant.

use kodo_domain::phone::{NonMobileType, PhoneError, PhoneNumber};

const TABLE: &str = include_str!("data/phone_numbers.tsv");

struct Row<'a> {
    line: usize,
    input: &'a str,
    expected: &'a str,
    note: &'a str,
}

fn rows() -> Vec<Row<'static>> {
    TABLE
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty())
        .map(|(index, line)| {
            let columns: Vec<&str> = line.split('\t').collect();
            assert_eq!(columns.len(), 3, "line {}: expected 3 columns", index + 1);
            Row {
                line: index + 1,
                input: columns[0],
                expected: columns[1],
                note: columns[2],
            }
        })
        .collect()
}

/// Maps a rejection note to the error it stands for.
fn expected_error(note: &str) -> Option<PhoneError> {
    let kind = match note.strip_prefix("not an SMS-capable type: ") {
        Some("fixed_line") => Some(NonMobileType::FixedLine),
        Some("toll_free") => Some(NonMobileType::TollFree),
        Some("premium_rate") => Some(NonMobileType::PremiumRate),
        Some("shared_cost") => Some(NonMobileType::SharedCost),
        Some("uan") => Some(NonMobileType::Uan),
        Some("voicemail") => Some(NonMobileType::Voicemail),
        Some(_) => return None,
        None => None,
    };
    if let Some(kind) = kind {
        return Some(PhoneError::NotMobile { kind });
    }
    match note {
        "missing country code" => Some(PhoneError::MissingCountryCode),
        "extension" => Some(PhoneError::Extension),
        "invalid number" | "unparseable" => Some(PhoneError::Invalid),
        _ => None,
    }
}

#[test]
fn phone_table_rows_match() {
    let rows = rows();
    assert!(!rows.is_empty(), "the table has no rows");

    let mut failures = Vec::new();
    for row in &rows {
        let label = format!("line {} ({:?}, {})", row.line, row.input, row.note);
        let result = PhoneNumber::parse(row.input);

        if row.expected == "reject" {
            let Some(expected) = expected_error(row.note) else {
                failures.push(format!("{label}: unknown rejection note"));
                continue;
            };
            match result {
                Err(error) if error == expected => {}
                other => failures.push(format!("{label}: expected Err({expected:?}), got {other:?}")),
            }
            continue;
        }

        let number = match result {
            Ok(number) => number,
            Err(error) => {
                failures.push(format!("{label}: expected {}, got Err({error:?})", row.expected));
                continue;
            }
        };
        if number.as_str() != row.expected {
            failures.push(format!("{label}: expected {}, got {}", row.expected, number.as_str()));
        }
        let region = row.note.split(',').next().unwrap_or_default().trim();
        if number.region().as_deref() != Some(region) {
            failures.push(format!("{label}: expected region {region}, got {:?}", number.region()));
        }
    }

    assert!(failures.is_empty(), "{} of {} rows failed:\n{}", failures.len(), rows.len(), failures.join("\n"));
}
