//! libphonenumber's rules for a number written with its country code:
//! splitting off the country code, stripping a national prefix, finding the
//! region, the number type and the INTERNATIONAL format.
//!
//! The steps follow libphonenumber's Python port `phonenumbers` (version
//! 9.0.43, module `phonenumberutil`) and read the metadata that the
//! `phonenumber` crate ships. The crate's own parser and validator are not
//! used because version 0.3.10 gets two things wrong. It strips a national
//! prefix without checking that the rest is still a valid number, so
//! +7 800 123-45-67 loses its 8. It also classifies a national number with
//! leading zeros (Italy's 02, Benin's 01) by its digits without the zeros, so
//! Italian fixed lines pass as valid numbers of unknown type.

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use phonenumber::Type;

use super::patterns;

/// Minimum length of a national significant number in libphonenumber.
const MIN_NATIONAL_LENGTH: usize = 2;

/// Maximum length of a national significant number in libphonenumber.
const MAX_NATIONAL_LENGTH: usize = 17;

/// Maximum length of a country calling code.
const MAX_COUNTRY_CODE_LENGTH: usize = 3;

/// Region id libphonenumber gives country calling codes of no region, such as
/// +800 international freephone.
pub(super) const NON_GEOGRAPHIC_REGION: &str = "001";

/// A number split into its country calling code and its national
/// significant number (the digits after the country code, without any
/// national prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SplitNumber {
    pub(super) country_code: u16,
    pub(super) national: String,
}

/// Splits the digits that followed a `+` into country code and national
/// significant number, stripping a national prefix typed after the country
/// code, such as the 0 in +44 07911 123456.
///
/// Returns `None` for an unknown country code or a national number of fewer
/// than 2 or more than 17 digits, where libphonenumber raises a parse error.
pub(super) fn split_international(digits: &str) -> Option<SplitNumber> {
    if digits.len() <= MIN_NATIONAL_LENGTH {
        return None;
    }
    let (country_code, typed_national) = split_country_code(digits)?;

    let mut national = typed_national.to_owned();
    if let Some(metadata) = main_metadata(country_code) {
        if let Some(stripped) = strip_national_prefix(typed_national, metadata) {
            if stripped_length_is_possible(&stripped, metadata) {
                national = stripped;
            }
        }
    }

    if !(MIN_NATIONAL_LENGTH..=MAX_NATIONAL_LENGTH).contains(&national.len()) {
        return None;
    }
    Some(SplitNumber {
        country_code,
        national,
    })
}

/// Splits a country calling code off `digits`. Codes are 1 to 3 digits and
/// none is a prefix of another, so the first prefix found in the metadata
/// is the code.
pub(super) fn split_country_code(digits: &str) -> Option<(u16, &str)> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=MAX_COUNTRY_CODE_LENGTH).find_map(|length| {
        let code: u16 = digits.get(..length)?.parse().ok()?;
        DATABASE.by_code(&code)?;
        Some((code, &digits[length..]))
    })
}

/// Returns the metadata of the region the number belongs to, or `None` when
/// no region sharing the country code claims it (then the number is
/// invalid).
///
/// Where several regions share a code, the main region is tried first and a
/// region claims the number when its leading digits match or, for regions
/// without leading digits, when the number has a known type there.
pub(super) fn region_metadata(number: &SplitNumber) -> Option<&'static Metadata> {
    let mut regions = DATABASE.by_code(&number.country_code)?;
    if regions.len() == 1 {
        return regions.pop();
    }
    regions.sort_by_key(|metadata| (!metadata.is_main_country_for_code(), metadata.id()));
    regions
        .into_iter()
        .find(|metadata| match metadata.leading_digits() {
            Some(leading) => patterns::anchored_at_start(leading.as_str())
                .is_some_and(|regex| regex.is_match(&number.national)),
            None => number_type(metadata, &number.national) != Type::Unknown,
        })
}

/// Returns libphonenumber's type for a national significant number under a
/// region's metadata, or [`Type::Unknown`] when the number is not valid
/// there. The order of the checks decides between overlapping ranges.
pub(super) fn number_type(metadata: &Metadata, national: &str) -> Type {
    let descriptors = metadata.descriptors();
    let (general_lengths, _) = general_possible_lengths(metadata);
    let length_is_possible =
        general_lengths.is_empty() || general_lengths.contains(&length_of(national));
    if !length_is_possible
        || !patterns::matches_entirely(descriptors.general().national_number().as_str(), national)
    {
        return Type::Unknown;
    }

    let special_types = [
        (descriptors.premium_rate(), Type::PremiumRate),
        (descriptors.toll_free(), Type::TollFree),
        (descriptors.shared_cost(), Type::SharedCost),
        (descriptors.voip(), Type::Voip),
        (descriptors.personal_number(), Type::PersonalNumber),
        (descriptors.pager(), Type::Pager),
        (descriptors.uan(), Type::Uan),
        (descriptors.voicemail(), Type::Voicemail),
    ];
    for (descriptor, kind) in special_types {
        if matches_descriptor(national, descriptor) {
            return kind;
        }
    }

    let same_pattern = same_mobile_and_fixed_line_pattern(metadata);
    if matches_descriptor(national, descriptors.fixed_line()) {
        if same_pattern || matches_descriptor(national, descriptors.mobile()) {
            return Type::FixedLineOrMobile;
        }
        return Type::FixedLine;
    }
    if !same_pattern && matches_descriptor(national, descriptors.mobile()) {
        return Type::Mobile;
    }
    Type::Unknown
}

/// Formats a number in libphonenumber's INTERNATIONAL format, such as
/// `+1 415-555-2671`, using the formats of the main region for the code.
/// A number that no format fits is written as `+code national`.
pub(super) fn format_international(number: &SplitNumber) -> String {
    let national = &number.national;
    let formatted = main_metadata(number.country_code)
        .and_then(|metadata| format_national_digits(metadata, national))
        .unwrap_or_else(|| national.clone());
    format!("+{} {formatted}", number.country_code)
}

/// Applies the first international format whose last leading-digits pattern
/// matches the start of the number and whose pattern matches all of it.
fn format_national_digits(metadata: &Metadata, national: &str) -> Option<String> {
    let formats = if metadata.international_formats().is_empty() {
        metadata.formats()
    } else {
        metadata.international_formats()
    };
    let format = formats.iter().find(|format| {
        let leading_matches = match format.leading_digits().last() {
            Some(leading) => patterns::anchored_at_start(leading.as_str())
                .is_some_and(|regex| regex.is_match(national)),
            None => true,
        };
        leading_matches && patterns::matches_entirely(format.pattern().as_str(), national)
    })?;
    let regex = patterns::unanchored(format.pattern().as_str())?;
    let rule = patterns::replacement(format.format());
    Some(regex.replace_all(national, rule.as_str()).into_owned())
}

/// Returns the metadata whose national prefix and formats apply to a
/// country code: the main region's where several regions share the code.
fn main_metadata(country_code: u16) -> Option<&'static Metadata> {
    let regions = DATABASE.by_code(&country_code)?;
    regions
        .iter()
        .find(|metadata| metadata.is_main_country_for_code())
        .or_else(|| regions.first())
        .copied()
}

/// Strips a national prefix (and applies the region's transform rule) when
/// one starts `national`, unless the number was a valid-looking national
/// number before and the result is not. Returns `None` when nothing is
/// stripped.
///
/// Regions without a pattern for parsing national prefixes use their
/// national prefix itself, as libphonenumber's metadata build does.
fn strip_national_prefix(national: &str, metadata: &Metadata) -> Option<String> {
    let prefix_pattern = match metadata.national_prefix_for_parsing() {
        Some(pattern) => pattern.as_str(),
        None => metadata.national_prefix()?,
    };
    let prefix = patterns::anchored_at_start(prefix_pattern)?;
    let captures = prefix.captures(national)?;
    let general_pattern = metadata.descriptors().general().national_number().as_str();
    let original_is_viable = patterns::matches_entirely(general_pattern, national);

    let group_count = captures.len() - 1;
    let last_group_matched = group_count > 0 && captures.get(group_count).is_some();
    let transform = metadata
        .national_prefix_transform_rule()
        .filter(|rule| !rule.is_empty() && last_group_matched);
    let stripped = match transform {
        Some(rule) => prefix
            .replacen(national, 1, patterns::replacement(rule).as_str())
            .into_owned(),
        None => national[captures.get(0)?.end()..].to_owned(),
    };

    if original_is_viable && !patterns::matches_entirely(general_pattern, &stripped) {
        return None;
    }
    Some(stripped)
}

/// Returns whether a number stripped of its national prefix is long enough
/// to be a whole national number, which libphonenumber's parser requires
/// before it keeps the stripped form. The length must not be below the
/// minimum, a local-only length or a length between the possible ones.
fn stripped_length_is_possible(national: &str, metadata: &Metadata) -> bool {
    let (lengths, local_only) = general_possible_lengths(metadata);
    let length = length_of(national);
    let Some(&minimum) = lengths.first() else {
        return false;
    };
    if local_only.contains(&length) || length < minimum {
        return false;
    }
    lengths.contains(&length) || lengths.last().is_some_and(|&maximum| length > maximum)
}

/// Returns the possible lengths of any number of the region, and the
/// lengths that only local numbers without an area code have.
///
/// libphonenumber's metadata build computes these as the union over the
/// type descriptors, and the `phonenumber` crate leaves them empty, so they
/// are computed here the same way.
fn general_possible_lengths(metadata: &Metadata) -> (Vec<u16>, Vec<u16>) {
    let descriptors = metadata.descriptors();
    let typed = [
        descriptors.fixed_line(),
        descriptors.mobile(),
        descriptors.toll_free(),
        descriptors.premium_rate(),
        descriptors.shared_cost(),
        descriptors.personal_number(),
        descriptors.voip(),
        descriptors.pager(),
        descriptors.uan(),
        descriptors.voicemail(),
    ];
    let mut lengths = Vec::new();
    let mut local_only = Vec::new();
    for descriptor in typed.into_iter().flatten() {
        lengths.extend_from_slice(descriptor.possible_length());
        local_only.extend_from_slice(descriptor.possible_local_length());
    }
    lengths.sort_unstable();
    lengths.dedup();
    local_only.retain(|length| !lengths.contains(length));
    local_only.sort_unstable();
    local_only.dedup();
    (lengths, local_only)
}

/// Returns whether `national` has one of the descriptor's possible lengths
/// (when it lists any) and matches its whole pattern.
fn matches_descriptor(national: &str, descriptor: Option<&Descriptor>) -> bool {
    let Some(descriptor) = descriptor else {
        return false;
    };
    let lengths = descriptor.possible_length();
    if !lengths.is_empty() && !lengths.contains(&length_of(national)) {
        return false;
    }
    patterns::matches_entirely(descriptor.national_number().as_str(), national)
}

/// Returns whether the region's mobile and fixed-line patterns are the same,
/// as in the US, where libphonenumber cannot tell the two apart.
fn same_mobile_and_fixed_line_pattern(metadata: &Metadata) -> bool {
    let descriptors = metadata.descriptors();
    match (descriptors.mobile(), descriptors.fixed_line()) {
        (Some(mobile), Some(fixed_line)) => {
            without_whitespace(mobile.national_number().as_str())
                == without_whitespace(fixed_line.national_number().as_str())
        }
        _ => false,
    }
}

fn without_whitespace(pattern: &str) -> String {
    pattern.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Returns the length of an ASCII digit string in the type the metadata
/// stores lengths in, saturating for absurdly long text.
fn length_of(national: &str) -> u16 {
    u16::try_from(national.len()).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(digits: &str) -> SplitNumber {
        split_international(digits).expect("digits should split")
    }

    #[test]
    fn uk_trunk_zero_stripped() {
        assert_eq!(split("4407911123456").national, "7911123456");
    }

    #[test]
    fn italian_leading_zero_kept() {
        assert_eq!(split("390212345678").national, "0212345678");
    }

    #[test]
    fn russian_800_keeps_its_eight() {
        assert_eq!(split("78001234567").national, "8001234567");
    }

    #[test]
    fn nanp_trunk_one_stripped() {
        assert_eq!(split("114155552671").national, "4155552671");
    }

    #[test]
    fn unknown_country_code_rejected() {
        assert_eq!(split_international("999123456"), None);
    }

    #[test]
    fn italian_fixed_line_typed() {
        let number = split("390212345678");
        let metadata = region_metadata(&number).expect("Italy claims the number");
        assert_eq!(number_type(metadata, &number.national), Type::FixedLine);
    }

    #[test]
    fn shared_code_region_found() {
        let number = split("447911123456");
        let metadata = region_metadata(&number).expect("a region claims the number");
        assert_eq!(metadata.id(), "GG");
    }

    #[test]
    fn international_format_uses_main_region() {
        assert_eq!(
            format_international(&split("12684641234")),
            "+1 268-464-1234"
        );
    }
}
