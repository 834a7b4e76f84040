//! The GSM 03.38 (3GPP TS 23.038) default alphabet without national
//! language shift tables, which Twilio does not use.

/// Characters of the basic table outside ASCII.
const BASIC_NON_ASCII: &str = "£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà";

/// Characters of the extension table, each sent as an escape and a septet.
const EXTENSION: &str = "\u{0C}^{}\\[~]|€";

/// Returns how many septets `c` takes in GSM-7, or `None` when GSM-7 cannot
/// encode it.
///
/// Characters of the extension table (form feed, `^ { } \ [ ~ ] |` and `€`)
/// take two septets, an escape and the character, and the two are never
/// split across segments.
pub(super) fn septets(c: char) -> Option<usize> {
    let basic_ascii = matches!(
        c,
        '\n' | '\r' | ' '..='#' | '%'..='?' | 'A'..='Z' | 'a'..='z' | '@' | '$' | '_'
    );
    if basic_ascii || BASIC_NON_ASCII.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_table_has_127_characters() {
        // All GSM-7 characters are in the Basic Multilingual Plane.
        let basic = (0..=0xFFFF)
            .filter_map(char::from_u32)
            .filter(|&c| septets(c) == Some(1))
            .count();
        // 128 positions, one of which is the escape to the extension table.
        assert_eq!(basic, 127);
    }

    #[test]
    fn extension_characters_take_two_septets() {
        for c in ['\u{0C}', '^', '{', '}', '\\', '[', '~', ']', '|', '€'] {
            assert_eq!(septets(c), Some(2), "{c:?}");
        }
    }

    #[test]
    fn lookalikes_are_not_gsm() {
        for c in ['`', 'ç', '\t', '\u{1B}', '’', '…', '\u{2126}'] {
            assert_eq!(septets(c), None, "{c:?}");
        }
    }
}
