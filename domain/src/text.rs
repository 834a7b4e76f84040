//! Unicode clean-up shared by the modules that read what people type.

use unicode_normalization::UnicodeNormalization;

/// Normalises typed or pasted text before it is interpreted.
///
/// Applies Unicode compatibility normalisation (NFKC), so full-width digits,
/// letters and the full-width plus sign become their ASCII forms. Then every
/// dash becomes `-`, every Unicode white space becomes a plain space, and
/// invisible formatting characters (soft hyphen, zero-width spaces and joiners,
/// direction marks and the byte order mark) are removed. Phones and contact
/// apps often insert those when a number is copied.
pub(crate) fn normalize_compatibility(input: &str) -> String {
    input
        .nfkc()
        .filter(|&c| !is_invisible_format(c))
        .map(|c| {
            if is_dash(c) {
                '-'
            } else if c.is_whitespace() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Dashes outside the range U+2010 to U+2015: the rest of Unicode category
/// Pd (dash punctuation), the hyphen bullet U+2043 and the minus sign U+2212.
const OTHER_DASHES: [char; 22] = [
    '-',
    '\u{058A}',
    '\u{05BE}',
    '\u{1400}',
    '\u{1806}',
    '\u{2043}',
    '\u{2212}',
    '\u{2E17}',
    '\u{2E1A}',
    '\u{2E3A}',
    '\u{2E3B}',
    '\u{2E40}',
    '\u{2E5D}',
    '\u{301C}',
    '\u{3030}',
    '\u{30A0}',
    '\u{FE31}',
    '\u{FE32}',
    '\u{FE58}',
    '\u{FE63}',
    '\u{FF0D}',
    '\u{10EAD}',
];

/// Returns whether `c` is a dash: Unicode category Pd (dash punctuation),
/// the minus sign or the hyphen bullet.
pub(crate) fn is_dash(c: char) -> bool {
    ('\u{2010}'..='\u{2015}').contains(&c) || OTHER_DASHES.contains(&c)
}

/// Returns whether `c` is an invisible formatting character that carries no
/// text: soft hyphen, zero-width space, zero-width (non-)joiner, direction
/// marks, bidirectional embeddings and isolates, word joiner, invisible
/// operators and the byte order mark.
pub(crate) fn is_invisible_format(c: char) -> bool {
    c == '\u{00AD}'
        || c == '\u{FEFF}'
        || ('\u{200B}'..='\u{200F}').contains(&c)
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2060}'..='\u{2064}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_becomes_ascii() {
        assert_eq!(normalize_compatibility("＋３３ ６"), "+33 6");
    }

    #[test]
    fn dashes_become_hyphen_minus() {
        assert_eq!(
            normalize_compatibility("1\u{2011}2\u{2013}3\u{2212}4"),
            "1-2-3-4"
        );
    }

    #[test]
    fn unicode_spaces_become_plain() {
        assert_eq!(
            normalize_compatibility("1\u{00A0}2\u{202F}3\u{3000}4"),
            "1 2 3 4"
        );
    }

    #[test]
    fn invisible_marks_are_removed() {
        assert_eq!(
            normalize_compatibility("\u{202A}+1\u{200B}2\u{202C}"),
            "+12"
        );
    }
}
