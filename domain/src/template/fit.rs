//! Shortening a rendered template to one SMS segment, or two when the
//! title would otherwise lose its readable start.

use unicode_segmentation::UnicodeSegmentation;

use super::parse::Part;
use super::render::render_parts;
use super::variable::{Values, Variable};
use crate::segments::count;

/// Variables shortened to fit, in the order they are given up. All others,
/// such as the URL and the code, are never cut.
const SHORTENED_VARIABLES: [Variable; 2] = [Variable::Message, Variable::Title];

/// Marks text cut short. Three full stops are GSM-7, unlike `…`.
const ELLIPSIS: &str = "...";

/// User-perceived characters (grapheme clusters) of the title that a cut
/// keeps while one or two segments can hold them. That is enough for the
/// first words of a Latin title or a short phrase in Chinese or Japanese.
pub(super) const TITLE_FLOOR_GRAPHEMES: usize = 16;

/// Graphemes after which a word without spaces, such as a long link or a
/// code, may be cut anywhere instead of only dropped whole.
const LONG_WORD_GRAPHEMES: usize = 24;

/// Segments a message may take so that the title keeps its readable start.
/// Past that the title is cut further, down to nothing.
const SEGMENTS_TO_KEEP_TITLE: usize = 2;

/// Renders the parts and keeps the text to one segment where it can; see
/// [`Template::render_fitted`](super::Template::render_fitted).
///
/// The steps, each tried only when the one before cannot fit:
/// 1. one segment, with the message cut or dropped and the title cut down to
///    its first [`TITLE_FLOOR_GRAPHEMES`] characters;
/// 2. the same within two segments;
/// 3. two segments, with the title cut further, down to nothing;
/// 4. the text with neither message nor title, however many segments the
///    rest takes.
pub(super) fn render_fitted_parts(parts: &[Part], values: &Values) -> String {
    for max_segments in 1..=SEGMENTS_TO_KEEP_TITLE {
        if let Some(text) = fit_within(parts, values, max_segments, TITLE_FLOOR_GRAPHEMES) {
            return text;
        }
    }
    if let Some(text) = fit_within(parts, values, SEGMENTS_TO_KEEP_TITLE, 0) {
        return text;
    }
    let mut emptied = values.clone();
    for variable in SHORTENED_VARIABLES {
        emptied.set(variable, "");
    }
    render_parts(parts, &emptied)
}

/// Renders the parts within `max_segments`, cutting the message and then
/// the title, but the title to no fewer than `title_floor` graphemes.
/// Returns `None` when even the shortest allowed text is too long.
fn fit_within(
    parts: &[Part],
    values: &Values,
    max_segments: usize,
    title_floor: usize,
) -> Option<String> {
    let fits = |text: &str| count(text).segments <= max_segments;
    let mut values = values.clone();
    let rendered = render_parts(parts, &values);
    if fits(&rendered) {
        return Some(rendered);
    }

    for variable in SHORTENED_VARIABLES {
        let Some(original) = values.get(variable).map(str::to_owned) else {
            continue;
        };
        if original.is_empty() || !parts.contains(&Part::Placeholder(variable)) {
            continue;
        }

        let floor = if variable == Variable::Title {
            title_floor
        } else {
            0
        };
        let candidates = shortened_versions(&original, floor);
        let render_with = |candidate: &str| {
            let mut shortened = values.clone();
            shortened.set(variable, candidate);
            render_parts(parts, &shortened)
        };
        // Candidates run from longest to shortest, each a prefix of the
        // longer ones with the same ellipsis, and each has fewer characters
        // than the one before. Dropping characters never adds units, and a
        // UCS-2 text within N segments has at most 70N characters, which
        // as GSM-7 take at most 140N septets, within N segments too. So once
        // a candidate fits, every shorter one fits, and a binary search
        // finds the longest.
        let first_fitting = candidates.partition_point(|candidate| !fits(&render_with(candidate)));
        if let Some(candidate) = candidates.get(first_fitting) {
            return Some(render_with(candidate));
        }
        let shortest = candidates.last().cloned().unwrap_or_default();
        values.set(variable, shortest);
    }
    None
}

/// Returns `text` and its shortened versions, longest first: cut at the
/// end of each word, or between two Chinese or Japanese characters, with an
/// ellipsis, and down to the first `floor` graphemes. With a floor of 0 the
/// last version is the empty text. Punctuation and spaces before a cut are
/// dropped, so "down, we" becomes "down...". A word is cut inside only past
/// its first [`LONG_WORD_GRAPHEMES`] graphemes or at the floor, so with a
/// floor of 0 a shorter word can only be dropped whole.
fn shortened_versions(text: &str, floor: usize) -> Vec<String> {
    let mut versions = vec![text.to_owned()];
    let graphemes = text.graphemes(true).count();
    if floor > 0 && graphemes <= floor + ELLIPSIS.len() {
        // Cutting would save no more than the ellipsis adds.
        return versions;
    }

    let floor_end = text
        .grapheme_indices(true)
        .nth(floor)
        .map_or(text.len(), |(index, _)| index);
    let mut cuts: Vec<usize> = cut_points(text)
        .into_iter()
        .filter(|&index| index > floor_end)
        .collect();
    cuts.reverse();
    if floor > 0 {
        cuts.push(floor_end);
    }

    for cut in cuts {
        let kept = trim_cut(&text[..cut]);
        // Trimming may take a cut below the floor; the floor cut follows.
        if kept.is_empty() || (cut != floor_end && kept.graphemes(true).count() < floor) {
            continue;
        }
        let version = format!("{kept}{ELLIPSIS}");
        let previous = versions.last().map_or(usize::MAX, |last| last.chars().count());
        if version.chars().count() < previous {
            versions.push(version);
        }
    }
    if floor == 0 {
        versions.push(String::new());
    }
    versions
}

/// Returns the byte offsets where `text` may be cut, in order. A cut may
/// fall where white space follows a word, anywhere in a word past its first
/// [`LONG_WORD_GRAPHEMES`] graphemes, and between two graphemes when either is
/// a Chinese or Japanese character, because those scripts put no spaces
/// between words.
///
/// A full word-boundary algorithm (Unicode UAX #29) would also do, but its
/// tables would add to every page's WASM, as static data stays in the main
/// module when routes are split off.
fn cut_points(text: &str) -> Vec<usize> {
    let mut points = Vec::new();
    let mut previous: Option<&str> = None;
    let mut word_graphemes = 0;
    for (index, grapheme) in text.grapheme_indices(true) {
        if let Some(before) = previous {
            let word_end = grapheme.starts_with(char::is_whitespace)
                && !before.ends_with(char::is_whitespace);
            let wide = before.chars().any(is_cjk) || grapheme.chars().any(is_cjk);
            let inside_long_word = word_graphemes >= LONG_WORD_GRAPHEMES;
            if word_end || wide || inside_long_word {
                points.push(index);
            }
        }
        if grapheme.starts_with(char::is_whitespace) {
            word_graphemes = 0;
        } else {
            word_graphemes += 1;
        }
        previous = Some(grapheme);
    }
    points
}

/// Returns whether `c` is a Chinese character (CJK unified ideograph), a
/// Japanese kana, or CJK punctuation or a full-width form.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}'
        | '\u{20000}'..='\u{3134F}')
}

/// Drops the spaces and punctuation that would sit before an ellipsis.
fn trim_cut(kept: &str) -> &str {
    kept.trim_start().trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '.' | '(' | '[' | '、' | '。')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "on..." would be as long as "on it", so it is left out.
    #[test]
    fn versions_cut_at_word_boundaries() {
        assert_eq!(
            shortened_versions("API is down, we are on it", 0),
            vec![
                "API is down, we are on it",
                "API is down, we are...",
                "API is down, we...",
                "API is down...",
                "API is...",
                "API...",
                "",
            ]
        );
    }

    #[test]
    fn single_word_can_only_be_dropped() {
        assert_eq!(
            shortened_versions("Supercalifragilistic", 0),
            vec!["Supercalifragilistic", ""]
        );
    }

    #[test]
    fn surrounding_spaces_give_no_empty_cut() {
        assert_eq!(
            shortened_versions("  a  b c", 0),
            vec!["  a  b c", "a  b...", "a...", ""]
        );
    }

    #[test]
    fn floor_keeps_start_of_long_word() {
        let versions = shortened_versions("Supercalifragilisticexpialidocious", 5);
        assert_eq!(versions.first().map(String::as_str), Some("Supercalifragilisticexpialidocious"));
        assert_eq!(versions.last().map(String::as_str), Some("Super..."));
        // Past 24 letters a word may be cut anywhere.
        assert!(versions.contains(&"Supercalifragilisticexpi...".to_owned()), "{versions:?}");
        assert!(!versions.contains(&"Supercalifragilisticexp...".to_owned()), "{versions:?}");
    }

    #[test]
    fn floor_stops_word_cuts() {
        assert_eq!(
            shortened_versions("API is down, we are on it", 8),
            vec![
                "API is down, we are on it",
                "API is down, we are...",
                "API is down, we...",
                "API is down...",
                "API is d...",
            ]
        );
    }

    #[test]
    fn short_text_is_not_cut_at_floor() {
        assert_eq!(shortened_versions("Database", 5), vec!["Database"]);
    }

    #[test]
    fn chinese_cut_between_characters() {
        let versions = shortened_versions("数据库维护导致服务中断", 4);
        assert_eq!(versions.first().map(String::as_str), Some("数据库维护导致服务中断"));
        assert_eq!(versions.last().map(String::as_str), Some("数据库维..."));
        assert!(versions.contains(&"数据库维护导致...".to_owned()), "{versions:?}");
    }

    #[test]
    fn emoji_is_never_split() {
        let versions = shortened_versions("🔥🔥🔥👨‍👩‍👧🔥🔥🔥🔥", 3);
        assert_eq!(versions.last().map(String::as_str), Some("🔥🔥🔥..."));
        for version in &versions {
            assert!(!version.contains("\u{200D}..."), "{version}");
            if version.contains('👨') {
                assert!(version.contains("👨‍👩‍👧"), "{version}");
            }
        }
    }

    #[test]
    fn japanese_cut_between_kana() {
        let versions = shortened_versions("メンテナンス中です", 0);
        assert!(versions.contains(&"メンテ...".to_owned()), "{versions:?}");
    }

    #[test]
    fn combining_mark_stays_with_its_letter() {
        // U+3099 is a combining voiced sound mark, one grapheme with か.
        let versions = shortened_versions("か\u{3099}か\u{3099}か\u{3099}か\u{3099}か\u{3099}", 0);
        assert!(versions.contains(&"か\u{3099}か\u{3099}...".to_owned()), "{versions:?}");
        for version in &versions {
            assert!(!version.contains("か..."), "{version:?}");
        }
    }

    #[test]
    fn versions_get_shorter() {
        let versions = shortened_versions("abcdefghijk l m", 0);
        for pair in versions.windows(2) {
            assert!(pair[1].chars().count() < pair[0].chars().count(), "{pair:?}");
        }
    }
}
