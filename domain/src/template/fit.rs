//! Shortening a rendered template to one SMS segment.

use super::parse::Part;
use super::render::render_parts;
use super::variable::{Values, Variable};
use crate::segments::fits_one_segment;

/// Variables shortened to fit one segment, in the order they are given up.
/// All others, such as the URL and the code, are never cut.
const SHORTENED_VARIABLES: [Variable; 2] = [Variable::Message, Variable::Title];

/// Marks text cut short. Three full stops are GSM-7, unlike `…`.
const ELLIPSIS: &str = "...";

/// Renders the parts, shortening the message and then the title until the
/// text fits one segment; see [`Template::render_fitted`](super::Template::render_fitted).
pub(super) fn render_fitted_parts(parts: &[Part], values: &Values) -> String {
    let mut values = values.clone();
    let rendered = render_parts(parts, &values);
    if fits_one_segment(&rendered) {
        return rendered;
    }

    for variable in SHORTENED_VARIABLES {
        let Some(original) = values.get(variable).map(str::to_owned) else {
            continue;
        };
        if original.is_empty() || !parts.contains(&Part::Placeholder(variable)) {
            continue;
        }

        let candidates = shortened_versions(&original);
        let render_with = |candidate: &str| {
            let mut shortened = values.clone();
            shortened.set(variable, candidate);
            render_parts(parts, &shortened)
        };
        // Candidates run from longest to shortest, and a shorter one's
        // characters are a subset of a longer one's. Dropping characters
        // never adds units, and a UCS-2 text of at most 70 units has at most
        // 140 septets if it becomes GSM-7. So once a candidate fits, every
        // shorter one fits too, and a binary search finds the longest.
        let first_fitting =
            candidates.partition_point(|candidate| !fits_one_segment(&render_with(candidate)));
        if let Some(candidate) = candidates.get(first_fitting) {
            return render_with(candidate);
        }
        values.set(variable, "");
    }

    render_parts(parts, &values)
}

/// Returns `text` cut at each word boundary with an ellipsis, longest first,
/// ending with the empty text. Punctuation and spaces before a cut are
/// dropped, so "down, we" becomes "down...". A single long word has no
/// boundary, so it can only be dropped whole.
fn shortened_versions(text: &str) -> Vec<String> {
    let mut versions: Vec<String> = Vec::new();
    let mut previous_is_space = true;
    for (index, c) in text.char_indices() {
        let is_space = c.is_whitespace();
        if is_space && !previous_is_space {
            let kept = text[..index].trim_start().trim_end_matches(|c: char| {
                c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '.' | '(' | '[')
            });
            if !kept.is_empty() {
                versions.push(format!("{kept}{ELLIPSIS}"));
            }
        }
        previous_is_space = is_space;
    }
    versions.dedup();
    versions.reverse();
    versions.push(String::new());
    versions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_cut_at_word_boundaries() {
        assert_eq!(
            shortened_versions("API is down, we are on it"),
            vec![
                "API is down, we are on...",
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
        assert_eq!(shortened_versions("Supercalifragilistic"), vec![""]);
    }

    #[test]
    fn surrounding_spaces_give_no_empty_cut() {
        assert_eq!(shortened_versions("  a  b "), vec!["a  b...", "a...", ""]);
    }
}
