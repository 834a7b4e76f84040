//! Helpers shared by the phone number table tests.

use kodo_domain::phone::{NonMobileType, PhoneError};

/// Maps a rejection reason, as the tables write it, to the
/// matching error, or `None` for a reason no error matches.
pub fn expected_error(reason: &str) -> Option<PhoneError> {
    if let Some(kind) = reason.strip_prefix("not an SMS-capable type: ") {
        let kind = match kind {
            "fixed_line" => NonMobileType::FixedLine,
            "toll_free" => NonMobileType::TollFree,
            "premium_rate" => NonMobileType::PremiumRate,
            "shared_cost" => NonMobileType::SharedCost,
            "uan" => NonMobileType::Uan,
            "voicemail" => NonMobileType::Voicemail,
            _ => return None,
        };
        return Some(PhoneError::NotMobile { kind });
    }
    match reason {
        "missing country code" => Some(PhoneError::MissingCountryCode),
        "extension" => Some(PhoneError::Extension),
        "invalid number" | "unparseable" => Some(PhoneError::Invalid),
        _ => None,
    }
}
