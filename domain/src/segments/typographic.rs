use crate::text::is_dash;

/// Replaces typographic punctuation with plain GSM-7 equivalents, so that
/// one curly apostrophe does not turn a message into UCS-2, which cuts the
/// characters per segment from 160 to 70.
///
/// - Curly, low and angle quotes and primes become `'` or `"`.
/// - Every dash and the minus sign become `-`, and so do the bullets.
/// - The ellipsis becomes `...`.
/// - Unicode spaces and the tab become a plain space. Line breaks stay, and
///   the Unicode line and paragraph separators become `\n`.
/// - The soft hyphen, zero-width space, word joiner and byte order mark,
///   which are invisible, are removed.
///
/// Letters, digits, emoji, the zero-width joiner inside emoji sequences and
/// direction marks are never changed.
pub fn replace_typographic(text: &str) -> String {
    let mut replaced = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}'
            | '\u{2039}' | '\u{203A}' | '\u{02BC}' | '\u{00B4}' | '`' | '\u{FF07}' => {
                replaced.push('\'')
            }
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}'
            | '\u{00AB}' | '\u{00BB}' | '\u{301D}' | '\u{301E}' | '\u{FF02}' => replaced.push('"'),
            '\u{2026}' => replaced.push_str("..."),
            '\u{2022}' | '\u{2023}' | '\u{2043}' => replaced.push('-'),
            '\u{2028}' | '\u{2029}' | '\u{0085}' => replaced.push('\n'),
            '\n' | '\r' | '\u{0C}' => replaced.push(c),
            c if is_dash(c) => replaced.push('-'),
            c if c.is_whitespace() => replaced.push(' '),
            '\u{00AD}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}' => {}
            c => replaced.push(c),
        }
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segments::{count, Encoding};

    #[test]
    fn curly_apostrophe_becomes_straight() {
        assert_eq!(replace_typographic("it’s down"), "it's down");
    }

    #[test]
    fn curly_and_angle_quotes_become_straight() {
        assert_eq!(
            replace_typographic("“API” ‘web’ „x‟ «y» ‹z›"),
            "\"API\" 'web' \"x\" \"y\" 'z'"
        );
    }

    #[test]
    fn dashes_become_hyphen_minus() {
        assert_eq!(replace_typographic("a–b—c‒d―e−f‑g"), "a-b-c-d-e-f-g");
    }

    #[test]
    fn ellipsis_becomes_three_dots() {
        assert_eq!(replace_typographic("Investigating…"), "Investigating...");
    }

    #[test]
    fn unicode_spaces_become_plain() {
        assert_eq!(
            replace_typographic("a\u{00A0}b\u{202F}c\u{2009}d\te"),
            "a b c d e"
        );
    }

    #[test]
    fn line_breaks_kept() {
        assert_eq!(replace_typographic("a\r\nb\u{2028}c"), "a\r\nb\nc");
    }

    #[test]
    fn bullet_becomes_hyphen() {
        assert_eq!(replace_typographic("• API"), "- API");
    }

    #[test]
    fn invisible_characters_removed() {
        assert_eq!(replace_typographic("a\u{200B}b\u{00AD}c\u{FEFF}"), "abc");
    }

    #[test]
    fn letters_and_emoji_unchanged() {
        let text = "ça marche 🔥 👨\u{200D}👩\u{200D}👧";
        assert_eq!(replace_typographic(text), text);
    }

    #[test]
    fn replaced_text_is_gsm7() {
        let text = "We’re “investigating” – more soon…\u{00A0}•";
        assert_eq!(count(text).encoding, Encoding::Ucs2);
        assert_eq!(count(&replace_typographic(text)).encoding, Encoding::Gsm7);
    }
}
