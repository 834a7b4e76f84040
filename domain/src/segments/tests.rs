use super::*;

fn repeat(text: &str, times: usize) -> String {
    text.repeat(times)
}

#[test]
fn empty_text_is_one_segment() {
    let counted = count("");
    assert_eq!(counted.encoding, Encoding::Gsm7);
    assert_eq!(counted.units, 0);
    assert_eq!(counted.segments, 1);
}

#[test]
fn gsm7_limits() {
    assert_eq!(count(&repeat("a", 160)).segments, 1);
    assert_eq!(count(&repeat("a", 161)).segments, 2);
    assert_eq!(count(&repeat("a", 306)).segments, 2);
    assert_eq!(count(&repeat("a", 307)).segments, 3);
}

#[test]
fn ucs2_limits() {
    assert_eq!(count(&repeat("ж", 70)).segments, 1);
    assert_eq!(count(&repeat("ж", 71)).segments, 2);
    assert_eq!(count(&repeat("ж", 134)).segments, 2);
    assert_eq!(count(&repeat("ж", 135)).segments, 3);
}

#[test]
fn extension_character_counts_two_septets() {
    let counted = count("10€ [x]");
    assert_eq!(counted.encoding, Encoding::Gsm7);
    assert_eq!(counted.units, 10);
}

#[test]
fn extension_character_not_split() {
    // 152 septets, then a 2-septet euro sign that would straddle the end of
    // the first 153-septet segment.
    let text = format!("{}€{}", repeat("x", 152), repeat("x", 10));
    let counted = count(&text);
    assert_eq!(counted.units, 164);
    assert_eq!(counted.segments, 2);

    // 153 + 153 septets fill two segments, unless a pair straddles a
    // boundary and pushes the last septets into a third.
    let fits = format!("{}€{}", repeat("x", 151), repeat("x", 153));
    assert_eq!(count(&fits).units, 306);
    assert_eq!(count(&fits).segments, 2);
    let straddles = format!("{}€{}", repeat("x", 152), repeat("x", 152));
    assert_eq!(count(&straddles).units, 306);
    assert_eq!(count(&straddles).segments, 3);
}

#[test]
fn emoji_counts_two_code_units() {
    let counted = count("Server down 🔥");
    assert_eq!(counted.encoding, Encoding::Ucs2);
    assert_eq!(counted.units, 14);
}

#[test]
fn surrogate_pair_not_split() {
    // 66 units, then a 2-unit emoji that would straddle the 67-unit boundary.
    let text = format!("{}🔥{}", repeat("ж", 66), repeat("ж", 66));
    let counted = count(&text);
    assert_eq!(counted.units, 134);
    assert_eq!(counted.segments, 3);
}

#[test]
fn grapheme_cluster_not_split() {
    // The family emoji is one grapheme of 11 UTF-16 code units.
    let family = "👨\u{200D}👩\u{200D}👧\u{200D}👦";
    let text = format!("{}{family}{}", repeat("ж", 60), repeat("ж", 63));
    let counted = count(&text);
    assert_eq!(counted.units, 134);
    assert_eq!(counted.segments, 3);
}

#[test]
fn one_non_gsm_character_forces_ucs2() {
    assert_eq!(count(&repeat("a", 100)).segments, 1);
    let counted = count(&format!("{}’", repeat("a", 100)));
    assert_eq!(counted.encoding, Encoding::Ucs2);
    assert_eq!(counted.segments, 2);
}

#[test]
fn crlf_is_gsm7() {
    let counted = count("a\r\nb");
    assert_eq!(counted.encoding, Encoding::Gsm7);
    assert_eq!(counted.units, 4);
}

#[test]
fn fits_one_segment_at_limits() {
    assert!(fits_one_segment(&repeat("a", 160)));
    assert!(!fits_one_segment(&repeat("a", 161)));
    assert!(fits_one_segment(&repeat("ж", 70)));
    assert!(!fits_one_segment(&repeat("ж", 71)));
}

#[test]
fn encoding_serializes_as_name() {
    assert_eq!(Encoding::Gsm7.as_str(), "GSM-7");
    assert_eq!(Encoding::Ucs2.to_string(), "UCS-2");
}
