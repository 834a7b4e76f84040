use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Reason a typed phone number cannot be used for SMS subscriptions.
///
/// The messages never repeat the number itself, so an error can be logged
/// without leaking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PhoneError {
    #[error("The phone number is empty. Enter a mobile number starting with + and the country code, for example +44 7911 123456.")]
    Empty,

    /// The number starts with neither `+` nor `00`, so its country is unknown.
    #[error("The phone number has no country code. Add the country code, starting with + (for example +1 for the US or +44 for the UK).")]
    MissingCountryCode,

    #[error("The phone number has an extension, and extensions cannot receive text messages. Remove the extension and enter a mobile number.")]
    Extension,

    /// Letters or symbols other than the separators a number may contain.
    #[error("The phone number contains letters or symbols. Use only digits, spaces, dashes, dots, parentheses and a leading +.")]
    InvalidCharacters,

    /// Not a valid number under libphonenumber's metadata: an unknown country
    /// code, a wrong length or a range that is not assigned.
    #[error("The phone number is not valid. Check the country code and the digits.")]
    Invalid,

    /// A valid number of a type that cannot receive text messages.
    #[error("The phone number is a {} number, which cannot receive text messages. Enter a mobile number.", kind.label())]
    NotMobile { kind: NonMobileType },
}

impl PhoneError {
    /// Returns a stable snake-case name for the problem, such as
    /// `missing_country_code`, for clients that react to the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::MissingCountryCode => "missing_country_code",
            Self::Extension => "extension",
            Self::InvalidCharacters => "invalid_characters",
            Self::Invalid => "invalid",
            Self::NotMobile { .. } => "not_mobile",
        }
    }
}

/// The libphonenumber number types that cannot receive text messages.
///
/// Mobile, fixed-line-or-mobile (used where the two share ranges, as in the
/// US), pager, personal and VoIP numbers are accepted, so they have no
/// variant here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonMobileType {
    FixedLine,
    TollFree,
    PremiumRate,
    SharedCost,
    /// Universal access number, a single company number routed to offices.
    Uan,
    /// Number that dials into a voicemail box.
    Voicemail,
}

impl NonMobileType {
    /// Returns libphonenumber's name for the type in snake case, such as
    /// `fixed_line`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FixedLine => "fixed_line",
            Self::TollFree => "toll_free",
            Self::PremiumRate => "premium_rate",
            Self::SharedCost => "shared_cost",
            Self::Uan => "uan",
            Self::Voicemail => "voicemail",
        }
    }

    /// Returns the type as words for a sentence, such as `fixed-line`.
    pub fn label(self) -> &'static str {
        match self {
            Self::FixedLine => "fixed-line",
            Self::TollFree => "toll-free",
            Self::PremiumRate => "premium-rate",
            Self::SharedCost => "shared-cost",
            Self::Uan => "universal access",
            Self::Voicemail => "voicemail access",
        }
    }
}

impl fmt::Display for NonMobileType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
