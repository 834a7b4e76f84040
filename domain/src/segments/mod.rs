//! SMS encoding and segment counts, as carriers and Twilio count them.
//!
//! A text that GSM-7 can encode takes 160 septets in one segment, or 153 per
//! segment once it needs several, because each part then carries a
//! concatenation header. Any other text goes as UCS-2: 70 UTF-16 code units
//! in one segment, or 67 per segment. Nothing is split across segments that
//! Twilio's segment calculator (`sms-segments-calculator` 1.3.0) keeps
//! whole: a GSM-7 extension character with its escape, or a user-perceived
//! character (grapheme cluster) such as an emoji, its surrogate pair or a
//! ZWJ sequence.

mod gsm7;
mod typographic;

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

pub use typographic::replace_typographic;

/// Maximum septets in a GSM-7 message of one segment.
pub const GSM7_SINGLE_SEGMENT: usize = 160;

/// Maximum septets in each segment of a concatenated GSM-7 message.
pub const GSM7_PER_SEGMENT: usize = 153;

/// Maximum UTF-16 code units in a UCS-2 message of one segment.
pub const UCS2_SINGLE_SEGMENT: usize = 70;

/// Maximum UTF-16 code units in each segment of a concatenated UCS-2
/// message.
pub const UCS2_PER_SEGMENT: usize = 67;

/// Character encoding of an SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoding {
    /// The GSM 03.38 default alphabet, 7 bits per character.
    #[serde(rename = "GSM-7")]
    Gsm7,
    /// UTF-16, which carriers call UCS-2, 16 bits per code unit.
    #[serde(rename = "UCS-2")]
    Ucs2,
}

impl Encoding {
    /// Returns the name carriers and Twilio use: `GSM-7` or `UCS-2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Encoding, size and segment count of an SMS text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentCount {
    pub encoding: Encoding,
    /// Number of SMS segments the text is sent as, at least 1.
    pub segments: usize,
    /// Size of the text: septets for GSM-7 (extension characters count 2),
    /// UTF-16 code units for UCS-2 (an emoji outside the Basic Multilingual
    /// Plane counts 2).
    pub units: usize,
}

/// Counts the encoding, size and segments of `text`.
///
/// An empty text has 0 units and counts as 1 segment, as in Twilio's
/// calculator.
pub fn count(text: &str) -> SegmentCount {
    match gsm7_septets(text) {
        Some(sizes) => {
            let units = sizes.iter().sum();
            SegmentCount {
                encoding: Encoding::Gsm7,
                segments: segments_needed(&sizes, units, GSM7_SINGLE_SEGMENT, GSM7_PER_SEGMENT),
                units,
            }
        }
        None => {
            let sizes = ucs2_code_units(text);
            let units = sizes.iter().sum();
            SegmentCount {
                encoding: Encoding::Ucs2,
                segments: segments_needed(&sizes, units, UCS2_SINGLE_SEGMENT, UCS2_PER_SEGMENT),
                units,
            }
        }
    }
}

/// Returns whether `text` goes as a single SMS segment.
pub fn fits_one_segment(text: &str) -> bool {
    count(text).segments == 1
}

/// Returns the septets of each character, or `None` when a character has no
/// GSM-7 encoding.
fn gsm7_septets(text: &str) -> Option<Vec<usize>> {
    text.chars().map(gsm7::septets).collect()
}

/// Returns the UTF-16 code units of each unit that must stay in one
/// segment: a grapheme cluster, except that a CR LF pair counts as two
/// characters, as in Twilio's calculator.
fn ucs2_code_units(text: &str) -> Vec<usize> {
    let mut sizes = Vec::new();
    for grapheme in text.graphemes(true) {
        if grapheme == "\r\n" {
            sizes.extend([1, 1]);
        } else {
            sizes.push(grapheme.encode_utf16().count());
        }
    }
    sizes
}

/// Packs indivisible units of the given sizes into segments in order and
/// returns how many segments it takes.
fn segments_needed(sizes: &[usize], total: usize, single: usize, per_segment: usize) -> usize {
    if total <= single {
        return 1;
    }
    let mut segments = 1;
    let mut used = 0;
    for &size in sizes {
        if used > 0 && used + size > per_segment {
            segments += 1;
            used = 0;
        }
        used += size;
    }
    segments
}

#[cfg(test)]
mod tests;
