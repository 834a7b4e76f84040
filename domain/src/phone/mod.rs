//! Phone numbers that can receive SMS, stored in E.164 form.
//!
//! Validation follows libphonenumber's rules, ported in this module, with
//! the metadata that the `phonenumber` crate ships. The crate's own parser
//! is not used because version 0.3.10 strips national prefixes from valid
//! numbers and misclassifies numbers with leading zeros, such as Italian
//! fixed lines.

mod allowed;
mod check;
mod countries;
mod error;
mod input;
mod patterns;
mod rules;

use std::fmt;
use std::str::FromStr;

use phonenumber::Type;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use allowed::CountryNotAllowed;
pub use check::{check, PhoneCheck, PhoneCheckRequest, COUNTRY_NOT_ALLOWED};
pub use countries::country_calling_codes;
pub use error::{NonMobileType, PhoneError};

use rules::{SplitNumber, NON_GEOGRAPHIC_REGION};

/// Maximum length of typed input, as in libphonenumber. Longer text is
/// rejected before any normalisation work.
const MAX_INPUT_LENGTH: usize = 250;

/// A valid E.164 phone number of a type that can receive SMS.
///
/// [`PhoneNumber::parse`] is the only checked way to build one. The value is
/// the E.164 string, such as `+14155552671`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber {
    e164: String,
}

impl PhoneNumber {
    /// Parses a phone number as a person types it.
    ///
    /// Accepts a leading `+` or `00` before the country code, and spaces,
    /// dashes, dots, slashes and parentheses between digits. Accepts a
    /// national trunk prefix after the country code, as in
    /// `+44 (0)7911 123456`. Accepts any Unicode form that compatibility
    /// normalisation (NFKC) turns into these, such as full-width digits.
    /// Rejects numbers that libphonenumber finds invalid and types that
    /// cannot receive SMS (see [`NonMobileType`]).
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        if input.len() > MAX_INPUT_LENGTH {
            return Err(PhoneError::Invalid);
        }
        let digits = input::international_digits(input)?;
        let number = rules::split_international(&digits).ok_or(PhoneError::Invalid)?;
        let metadata = rules::region_metadata(&number).ok_or(PhoneError::Invalid)?;
        match rules::number_type(metadata, &number.national) {
            Type::Unknown => return Err(PhoneError::Invalid),
            number_type => {
                if let Some(kind) = non_mobile_type(number_type) {
                    return Err(PhoneError::NotMobile { kind });
                }
            }
        }

        let e164 = format!("+{}{}", number.country_code, number.national);
        Ok(PhoneNumber { e164 })
    }

    /// Wraps an E.164 string that was validated before, such as a value read
    /// back from Kodo's own database, without checking it again.
    ///
    /// Use [`PhoneNumber::parse`] for anything a person or another system
    /// supplied. If `e164` is not a valid number, [`Self::region`] returns
    /// `None` and [`Self::international`] returns the string unchanged.
    pub fn from_e164_trusted(e164: String) -> PhoneNumber {
        PhoneNumber { e164 }
    }

    /// Returns the number in E.164 form, such as `+14155552671`.
    pub fn as_str(&self) -> &str {
        &self.e164
    }

    /// Returns the country calling code, such as 1 for `+14155552671`, or 0
    /// for a trusted value that starts with no known code.
    pub fn country_calling_code(&self) -> u16 {
        self.split().map_or(0, |number| number.country_code)
    }

    /// Returns the ISO 3166-1 alpha-2 region the number belongs to, such as
    /// `US`, or `None` for numbers of no single region (such as +800
    /// international freephone) and trusted values that are not valid.
    pub fn region(&self) -> Option<String> {
        let number = self.split()?;
        let region = rules::region_metadata(&number)?.id();
        (region != NON_GEOGRAPHIC_REGION).then(|| region.to_owned())
    }

    /// Formats the number the way libphonenumber's INTERNATIONAL format does,
    /// such as `+1 415-555-2671`.
    pub fn international(&self) -> String {
        match self.split() {
            Some(number) => rules::format_international(&number),
            None => self.e164.clone(),
        }
    }

    /// Returns the number for logs: the `+` and country code and the last two
    /// digits stay, and every other digit becomes `*`, such as
    /// `+44********56`.
    pub fn masked(&self) -> String {
        let (code, national) = match self.split() {
            Some(number) => (number.country_code.to_string(), number.national),
            None => (String::new(), self.e164.trim_start_matches('+').to_owned()),
        };
        let shown_from = national.len().saturating_sub(2);
        let mut masked = format!("+{code}");
        for (index, digit) in national.char_indices() {
            masked.push(if index < shown_from { '*' } else { digit });
        }
        masked
    }

    /// Splits the E.164 digits into country code and national number.
    fn split(&self) -> Option<SplitNumber> {
        let digits = self.e164.strip_prefix('+')?;
        let (country_code, national) = rules::split_country_code(digits)?;
        Some(SplitNumber {
            country_code,
            national: national.to_owned(),
        })
    }
}

/// Maps a libphonenumber type to the reason it cannot receive SMS, or `None`
/// when it can.
fn non_mobile_type(number_type: Type) -> Option<NonMobileType> {
    match number_type {
        Type::FixedLine => Some(NonMobileType::FixedLine),
        Type::TollFree => Some(NonMobileType::TollFree),
        Type::PremiumRate => Some(NonMobileType::PremiumRate),
        Type::SharedCost => Some(NonMobileType::SharedCost),
        Type::Uan => Some(NonMobileType::Uan),
        Type::Voicemail => Some(NonMobileType::Voicemail),
        _ => None,
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse(s)
    }
}

impl fmt::Display for PhoneNumber {
    /// Writes the E.164 form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.e164
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.e164)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    /// Parses the string with [`PhoneNumber::parse`], so a number that is
    /// invalid or cannot receive SMS fails to deserialize.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PhoneNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
