//! Keys derived from `KODO_SECRET_KEY`, one per purpose, so that no key is
//! used for two jobs and only one secret has to be kept.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Clone)]
pub struct Keys {
    verification_code: [u8; 32],
    api_token: [u8; 32],
    manage_token: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
#[error("KODO_SECRET_KEY is {0} bytes long; it must be at least 32 bytes (generate one with `openssl rand -hex 32`)")]
pub struct SecretTooShort(pub usize);

impl Keys {
    pub fn derive(secret: &str) -> Result<Keys, SecretTooShort> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretTooShort(secret.len()));
        }
        Ok(Keys {
            verification_code: derive_key(secret, "kodo verification code"),
            api_token: derive_key(secret, "kodo api token"),
            manage_token: derive_key(secret, "kodo manage token"),
        })
    }

    /// Hashes a verification code for storage, bound to the random id of
    /// its sign-up or manage request so a stored hash cannot be moved to
    /// another row.
    pub fn hash_verification_code(&self, request_id: &str, code: &str) -> Vec<u8> {
        let mut mac = new_mac(&self.verification_code);
        mac.update(&(request_id.len() as u64).to_be_bytes());
        mac.update(request_id.as_bytes());
        mac.update(code.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    pub fn hash_api_token(&self, token: &str) -> Vec<u8> {
        let mut mac = new_mac(&self.api_token);
        mac.update(token.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    pub fn hash_manage_token(&self, token: &str) -> Vec<u8> {
        let mut mac = new_mac(&self.manage_token);
        mac.update(token.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

fn derive_key(secret: &str, purpose: &str) -> [u8; 32] {
    let mut mac = new_mac(secret.as_bytes());
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(key).expect("HMAC accepts any key length")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secret_is_rejected() {
        assert!(Keys::derive("too short").is_err());
    }

    #[test]
    fn code_hash_depends_on_request() {
        let keys = Keys::derive(&"k".repeat(32)).unwrap();
        let first = keys.hash_verification_code("a1", "123456");
        let second = keys.hash_verification_code("a2", "123456");
        assert_ne!(first, second);
    }
}
