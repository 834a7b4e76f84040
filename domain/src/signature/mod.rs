//! Twilio webhook request signatures (the `X-Twilio-Signature` header).
//!
//! Twilio signs each webhook request: the base64 HMAC of the full URL
//! followed by every form parameter name and value, sorted by name. The key
//! is the account's auth token, or a shared key's secret when the request
//! carries the [`SIGNATURE_SETTINGS_HEADER`]. This module follows Twilio's
//! own request validator (`twilio` 9.13.0 on PyPI, `RequestValidator`).

mod algorithm;
mod url;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub use algorithm::{SignatureAlgorithm, UnsupportedAlgorithm};

/// Header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";

/// Header Twilio adds to webhooks signed with a shared key, such as
/// `key=webhooks_sharedkey_...,algorithm=HMAC_SHA256`. Without it the
/// signature is HMAC-SHA1 keyed with the auth token.
pub const SIGNATURE_SETTINGS_HEADER: &str = "X-Twilio-Webhooks-Signature-Settings";

/// Computes the HMAC-SHA1 signature Twilio sends for a request to `url`
/// with the form parameters `params`.
///
/// `url` is the full URL Twilio requested, including the query string.
/// Parameters are sorted by name, then by value for a repeated name, and a
/// repeated identical name and value pair counts once, as in Twilio's
/// validator.
pub fn compute(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    compute_with(SignatureAlgorithm::HmacSha1, auth_token, url, params)
}

/// Computes the signature with the given algorithm and secret; see
/// [`compute`].
pub fn compute_with(
    algorithm: SignatureAlgorithm,
    secret: &str,
    url: &str,
    params: &[(String, String)],
) -> String {
    let signed = signed_text(url, params);
    let digest = match algorithm {
        SignatureAlgorithm::HmacSha1 => hmac_digest::<Hmac<Sha1>>(secret, &signed),
        SignatureAlgorithm::HmacSha256 => hmac_digest::<Hmac<Sha256>>(secret, &signed),
    };
    STANDARD.encode(digest)
}

/// Returns whether `signature` is Twilio's HMAC-SHA1 signature for the
/// request.
///
/// Twilio signs whichever form of the URL its configuration contains, so,
/// like Twilio's validator, this accepts a signature over either form. A
/// URL without a port is also tried with the scheme's default port (`:443`
/// for https, `:80` otherwise). A URL with a port is also tried without it.
/// Compares in constant time.
pub fn is_valid(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    is_valid_with(
        SignatureAlgorithm::HmacSha1,
        auth_token,
        url,
        params,
        signature,
    )
}

/// Returns whether `signature` is Twilio's signature for the request with
/// the given algorithm and secret; see [`is_valid`].
pub fn is_valid_with(
    algorithm: SignatureAlgorithm,
    secret: &str,
    url: &str,
    params: &[(String, String)],
    signature: &str,
) -> bool {
    let (with_port, without_port) = url::url_port_variants(url);
    let matches_with_port = compute_with(algorithm, secret, &with_port, params)
        .as_bytes()
        .ct_eq(signature.as_bytes());
    let matches_without_port = compute_with(algorithm, secret, &without_port, params)
        .as_bytes()
        .ct_eq(signature.as_bytes());
    (matches_with_port | matches_without_port).into()
}

/// Returns the URL followed by the sorted, deduplicated name and value
/// pairs, the text Twilio signs.
fn signed_text(url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    sorted.sort_unstable();
    sorted.dedup();

    let mut signed = url.to_owned();
    for (name, value) in sorted {
        signed.push_str(name);
        signed.push_str(value);
    }
    signed
}

fn hmac_digest<M: Mac + hmac::digest::KeyInit>(secret: &str, text: &str) -> Vec<u8> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let forward = params(&[("A", "1"), ("B", "2")]);
        let backward = params(&[("B", "2"), ("A", "1")]);
        assert_eq!(
            compute("token", "https://example.com/x", &forward),
            compute("token", "https://example.com/x", &backward)
        );
    }

    #[test]
    fn repeated_names_sorted_by_value() {
        let first = params(&[("To", "b"), ("To", "a")]);
        let second = params(&[("To", "a"), ("To", "b")]);
        assert_eq!(
            compute("token", "https://example.com/x", &first),
            compute("token", "https://example.com/x", &second)
        );
    }

    #[test]
    fn repeated_identical_pair_counts_once() {
        let once = params(&[("To", "a")]);
        let twice = params(&[("To", "a"), ("To", "a")]);
        assert_eq!(
            compute("token", "https://example.com/x", &once),
            compute("token", "https://example.com/x", &twice)
        );
    }

    #[test]
    fn signed_text_concatenates_sorted_pairs() {
        let body = params(&[("To", "+1"), ("Body", "hi"), ("From", "+2")]);
        assert_eq!(
            signed_text("https://example.com/sms", &body),
            "https://example.com/smsBodyhiFrom+2To+1"
        );
    }

    #[test]
    fn signature_over_either_url_form_accepted() {
        let body = params(&[("Body", "STOP")]);
        let plain = "https://example.com/sms";
        let with_port = "https://example.com:443/sms";
        let signed_plain = compute("token", plain, &body);
        let signed_with_port = compute("token", with_port, &body);
        assert!(is_valid("token", plain, &body, &signed_with_port));
        assert!(is_valid("token", with_port, &body, &signed_plain));
    }

    #[test]
    fn wrong_token_or_signature_rejected() {
        let body = params(&[("Body", "STOP")]);
        let url = "https://example.com/sms";
        let signature = compute("token", url, &body);
        assert!(!is_valid("other", url, &body, &signature));
        assert!(!is_valid("token", url, &body, ""));
        assert!(!is_valid("token", url, &body, &signature[1..]));
        assert!(!is_valid(
            "token",
            "https://example.com/other",
            &body,
            &signature
        ));
    }

    #[test]
    fn sha256_matches_twilio_validator() {
        // Computed with `RequestValidator("secret").compute_signature(url,
        // params, "HMAC_SHA256")` from `twilio` 9.13.0 on PyPI.
        let body = params(&[("Body", "STOP"), ("To", "+15005550006")]);
        assert_eq!(
            compute_with(
                SignatureAlgorithm::HmacSha256,
                "secret",
                "https://example.com/sms",
                &body
            ),
            "E07Xco1Qpskj9sLkjfVvJEY5w374+Hw7c2SbxkaLork="
        );
    }

    #[test]
    fn sha256_signature_differs_from_sha1() {
        let body = params(&[("Body", "STOP")]);
        let url = "https://example.com/sms";
        let sha256 = compute_with(SignatureAlgorithm::HmacSha256, "secret", url, &body);
        assert!(is_valid_with(
            SignatureAlgorithm::HmacSha256,
            "secret",
            url,
            &body,
            &sha256
        ));
        assert!(!is_valid("secret", url, &body, &sha256));
    }
}
