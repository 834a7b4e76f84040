use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// HMAC algorithm of a webhook signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignatureAlgorithm {
    /// HMAC-SHA1 keyed with the auth token, Twilio's default.
    #[default]
    HmacSha1,
    /// HMAC-SHA256, for webhooks signed with a shared key.
    HmacSha256,
}

/// Signature algorithm that this validator does not know, named in the
/// signature settings header.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unsupported webhook signature algorithm {0:?}; supported: HMAC_SHA1, HMAC_SHA256")]
pub struct UnsupportedAlgorithm(pub String);

impl SignatureAlgorithm {
    /// Returns Twilio's name: `HMAC_SHA1` or `HMAC_SHA256`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::HmacSha1 => "HMAC_SHA1",
            SignatureAlgorithm::HmacSha256 => "HMAC_SHA256",
        }
    }

    /// Reads the algorithm from the `X-Twilio-Webhooks-Signature-Settings`
    /// header, such as `key=webhooks_sharedkey_...,algorithm=HMAC_SHA256`.
    ///
    /// A missing or empty header, or one without `algorithm=`, means
    /// HMAC-SHA1. A request naming an unknown algorithm must be rejected.
    pub fn from_settings_header(header: Option<&str>) -> Result<Self, UnsupportedAlgorithm> {
        let named = header.unwrap_or_default().split(',').find_map(|part| {
            let (name, value) = part.split_once('=')?;
            let value = value.trim();
            (name.trim() == "algorithm" && !value.is_empty()).then_some(value)
        });
        match named {
            Some(name) => name.parse(),
            None => Ok(SignatureAlgorithm::HmacSha1),
        }
    }
}

impl FromStr for SignatureAlgorithm {
    type Err = UnsupportedAlgorithm;

    /// Parses `HMAC_SHA1` or `HMAC_SHA256` in any case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name.eq_ignore_ascii_case("HMAC_SHA1") {
            Ok(SignatureAlgorithm::HmacSha1)
        } else if name.eq_ignore_ascii_case("HMAC_SHA256") {
            Ok(SignatureAlgorithm::HmacSha256)
        } else {
            Err(UnsupportedAlgorithm(name.to_owned()))
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_header_means_sha1() {
        assert_eq!(
            SignatureAlgorithm::from_settings_header(None),
            Ok(SignatureAlgorithm::HmacSha1)
        );
        assert_eq!(
            SignatureAlgorithm::from_settings_header(Some("")),
            Ok(SignatureAlgorithm::HmacSha1)
        );
        assert_eq!(
            SignatureAlgorithm::from_settings_header(Some("key=webhooks_sharedkey_1")),
            Ok(SignatureAlgorithm::HmacSha1)
        );
    }

    #[test]
    fn header_names_sha256() {
        assert_eq!(
            SignatureAlgorithm::from_settings_header(Some(
                "key=webhooks_sharedkey_1, algorithm = hmac_sha256"
            )),
            Ok(SignatureAlgorithm::HmacSha256)
        );
    }

    #[test]
    fn unknown_algorithm_rejected() {
        assert_eq!(
            SignatureAlgorithm::from_settings_header(Some("algorithm=HMAC_SHA512")),
            Err(UnsupportedAlgorithm("HMAC_SHA512".to_owned()))
        );
    }
}
