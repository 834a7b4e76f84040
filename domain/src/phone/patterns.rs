//! Compiled regular expressions for libphonenumber metadata patterns.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use regex::{Regex, RegexBuilder};

/// Compiled patterns by anchored source. The metadata contains a fixed set of
/// a few thousand patterns, so the cache stays bounded without eviction.
static CACHE: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();

/// Returns whether `pattern` matches the whole of `text`, as
/// libphonenumber's `matches_entirely` does.
pub(super) fn matches_entirely(pattern: &str, text: &str) -> bool {
    compile(&format!("^(?:{pattern})$")).is_some_and(|regex| regex.is_match(text))
}

/// Returns the pattern anchored at the start of the text, for the
/// `re.match` calls of libphonenumber's Python port.
pub(super) fn anchored_at_start(pattern: &str) -> Option<Regex> {
    compile(&format!("^(?:{pattern})"))
}

/// Returns the pattern as written, for substitutions.
pub(super) fn unanchored(pattern: &str) -> Option<Regex> {
    compile(pattern)
}

/// Converts a libphonenumber replacement rule such as `$1 $2` or `9$1` to
/// the `regex` crate's syntax, where `$15` would name group 15 and so group
/// numbers need braces.
pub(super) fn replacement(rule: &str) -> String {
    let mut converted = String::with_capacity(rule.len() + 4);
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('$', Some(&digit)) if digit.is_ascii_digit() => {
                chars.next();
                converted.push_str("${");
                converted.push(digit);
                converted.push('}');
            }
            ('$', _) => converted.push_str("$$"),
            _ => converted.push(c),
        }
    }
    converted
}

/// Compiles `source` the way the `phonenumber` crate compiles metadata
/// patterns (white space ignored, because the metadata wraps long patterns
/// over several lines), or returns the cached copy.
///
/// Returns `None` if the pattern does not compile. The crate checked every
/// pattern's syntax when it loaded the metadata, so this happens only if the
/// `regex` crate's size limits are exceeded.
fn compile(source: &str) -> Option<Regex> {
    let cache = CACHE.get_or_init(Mutex::default);
    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(regex) = cache.get(source) {
        return Some(regex.clone());
    }
    let regex = RegexBuilder::new(source)
        .ignore_whitespace(true)
        .build()
        .ok()?;
    cache.insert(source.to_owned(), regex.clone());
    Some(regex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entire_match_needs_whole_text() {
        assert!(matches_entirely(r"7\d{3}|7\d{5}", "712345"));
        assert!(!matches_entirely(r"7\d{3}", "712345"));
    }

    #[test]
    fn whitespace_in_pattern_ignored() {
        assert!(matches_entirely("(?:\n  7\\d{3}\n)", "7123"));
    }

    #[test]
    fn replacement_braces_group_numbers() {
        assert_eq!(replacement("$1 $2"), "${1} ${2}");
        assert_eq!(replacement("9$1"), "9${1}");
        assert_eq!(replacement("$15"), "${1}5");
    }
}
