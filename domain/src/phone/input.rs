//! Lexical checks on a typed phone number, before the libphonenumber rules
//! run.

use super::PhoneError;
use crate::text::normalize_compatibility;

/// Separators a phone number may contain between its digits.
const SEPARATORS: [char; 6] = [' ', '-', '.', '(', ')', '/'];

/// Words and symbols that introduce an extension, lowercase and longest
/// first. The list follows libphonenumber's extension patterns, where `,` and
/// `;` are the pauses a phone dials before an extension.
const EXTENSION_MARKERS: [&str; 13] = [
    ";ext=",
    "extension",
    "anexo",
    "extn",
    "ext",
    "доб",
    "int",
    "ex",
    "x",
    "#",
    "~",
    ",",
    ";",
];

/// Maximum number of digits libphonenumber accepts in an extension.
const MAX_EXTENSION_DIGITS: usize = 20;

/// Extracts the digits after the international prefix from typed text.
///
/// The text is normalised first (see [`normalize_compatibility`]). It must
/// start with `+` or `00`, optionally inside an opening parenthesis, and may
/// contain only digits and [`SEPARATORS`] after that. The returned digits
/// are the country code followed by the national number as typed, so a
/// national trunk prefix such as the `0` in `+44 (0)7911 123456` is still
/// there for libphonenumber to strip.
pub(super) fn international_digits(input: &str) -> Result<String, PhoneError> {
    let normalized = normalize_compatibility(input);
    let text = normalized.trim();
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }

    let head = text.trim_start_matches(['(', ' ']);
    let rest = if let Some(rest) = head.strip_prefix('+') {
        rest
    } else if let Some(rest) = head.strip_prefix("00") {
        rest
    } else {
        return Err(PhoneError::MissingCountryCode);
    };

    if let Some(index) = rest.find(|c: char| !c.is_ascii_digit() && !SEPARATORS.contains(&c)) {
        let (number, tail) = rest.split_at(index);
        let has_digits = number.chars().any(|c| c.is_ascii_digit());
        if has_digits && is_extension(tail) {
            return Err(PhoneError::Extension);
        }
        return Err(PhoneError::InvalidCharacters);
    }

    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(PhoneError::Invalid);
    }
    Ok(digits)
}

/// Returns whether `tail` is an extension marker followed by the extension
/// digits, such as `ext. 5`, `x123` or `#12`.
fn is_extension(tail: &str) -> bool {
    let lower = tail.to_lowercase();
    let Some(after_marker) = EXTENSION_MARKERS
        .iter()
        .find_map(|marker| lower.strip_prefix(marker))
    else {
        return false;
    };

    let digits_and_end = after_marker.trim_start_matches([' ', '.', ':', '=', '-', ',']);
    let end = digits_and_end.trim_end_matches([' ', '#']);
    let digit_count = end.chars().count();
    (1..=MAX_EXTENSION_DIGITS).contains(&digit_count) && end.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_and_separators_accepted() {
        assert_eq!(
            international_digits("+1 (415) 555-2671").as_deref(),
            Ok("14155552671")
        );
    }

    #[test]
    fn double_zero_prefix_accepted() {
        assert_eq!(
            international_digits("0044 7911 123456").as_deref(),
            Ok("447911123456")
        );
    }

    #[test]
    fn prefix_inside_parenthesis_accepted() {
        assert_eq!(
            international_digits("(+44) 7911 123456").as_deref(),
            Ok("447911123456")
        );
    }

    #[test]
    fn trunk_zero_is_kept() {
        assert_eq!(
            international_digits("+44 (0)7911 123456").as_deref(),
            Ok("4407911123456")
        );
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert_eq!(international_digits(" \u{3000} "), Err(PhoneError::Empty));
    }

    #[test]
    fn national_format_lacks_country_code() {
        assert_eq!(
            international_digits("07911 123456"),
            Err(PhoneError::MissingCountryCode)
        );
    }

    #[test]
    fn extension_markers_detected() {
        for input in [
            "+1 415 555 2671 ext. 5",
            "+1 415 555 2671 extension 5",
            "+1 415 555 2671 x5",
            "+1 415 555 2671 X 55",
            "+1 415 555 2671 #5",
            "+1 415 555 2671;ext=5",
            "+1 415 555 2671,,5",
            "+7 495 123 45 67 доб. 12",
        ] {
            assert_eq!(
                international_digits(input),
                Err(PhoneError::Extension),
                "{input}"
            );
        }
    }

    #[test]
    fn letters_are_invalid_characters() {
        for input in [
            "+1 800 FLOWERS",
            "+1 415 555 2671 x",
            "+44 7911 12345a6",
            "+1 415 +555",
        ] {
            assert_eq!(
                international_digits(input),
                Err(PhoneError::InvalidCharacters),
                "{input}"
            );
        }
    }

    #[test]
    fn plus_alone_is_invalid() {
        assert_eq!(international_digits("+ -"), Err(PhoneError::Invalid));
    }
}
