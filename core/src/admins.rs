//! Admin accounts, with argon2 password hashes.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::{Error, Result};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Admin {
    pub id: i64,
    pub email: String,
}

/// Creates an admin, or sets the password of an existing one with this email.
pub async fn create(pool: &PgPool, email: &str, password: &str) -> Result<Admin> {
    let email = normalize_email(email)?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(
            "password",
            format!("Password is too short; use at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    let hash = hash_password(password.to_owned()).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO admins (email, password_hash) VALUES ($1, $2) \
         ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash RETURNING id",
    )
    .bind(&email)
    .bind(hash)
    .fetch_one(pool)
    .await?;
    tracing::info!(admin.id = id, "admin saved");
    Ok(Admin { id, email })
}

/// Returns the admin whose email and password match, or `None`.
pub async fn authenticate(pool: &PgPool, email: &str, password: &str) -> Result<Option<Admin>> {
    let email = email.trim().to_lowercase();
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM admins WHERE email = $1")
            .bind(&email)
            .fetch_optional(pool)
            .await?;
    let Some((id, hash)) = row else {
        // Hash anyway, so the response takes as long for an unknown email.
        let _ = hash_password(password.to_owned()).await;
        return Ok(None);
    };
    let matches = verify_password(password.to_owned(), hash).await?;
    Ok(matches.then_some(Admin { id, email }))
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Option<Admin>> {
    let row: Option<(i64, String)> = sqlx::query_as("SELECT id, email FROM admins WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|(id, email)| Admin { id, email }))
}

fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    // A domain without a dot is allowed, so admin@localhost works on a
    // development machine.
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !domain.contains(' ')
    });
    if !valid || email.len() > 254 {
        return Err(Error::invalid("email", "Email is invalid; enter an address like admin@example.com."));
    }
    Ok(email)
}

/// Argon2 is slow by design, so it runs off the async threads.
async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| Error::Internal(format!("hashing password: {error}")))
    })
    .await
    .map_err(|error| Error::Internal(format!("hashing task: {error}")))?
}

async fn verify_password(password: String, hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|error| Error::Internal(format!("stored password hash: {error}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|error| Error::Internal(format!("verifying task: {error}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_accepts_localhost_domain() {
        assert_eq!(normalize_email(" Admin@Localhost ").unwrap(), "admin@localhost");
    }

    #[test]
    fn email_needs_local_part_and_domain() {
        assert!(normalize_email("admin").is_err());
        assert!(normalize_email("@example.com").is_err());
        assert!(normalize_email("admin@").is_err());
        assert!(normalize_email("a@b@c").is_err());
    }
}
