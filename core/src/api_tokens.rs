//! API tokens. Only a keyed hash is stored; the token is shown once.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::{Error, Kodo, Result};

/// The prefix of every token, so a leaked one is easy to recognise.
const PREFIX: &str = "kodo_";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
}

/// Creates a token and returns it with its secret value.
pub async fn create(kodo: &Kodo, name: &str) -> Result<(ApiToken, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid("name", "Token name must be 1 to 100 characters; say who uses it."));
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (name, token_hash) VALUES ($1, $2) RETURNING id",
    )
    .bind(name)
    .bind(kodo.keys.hash_api_token(&token))
    .fetch_one(&kodo.pool)
    .await?;
    tracing::info!(token.id = id, "API token created");
    Ok((
        ApiToken {
            id,
            name: name.to_owned(),
        },
        token,
    ))
}

/// Returns the token's record when `token` is valid.
pub async fn authenticate(kodo: &Kodo, token: &str) -> Result<Option<ApiToken>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let row: Option<(i64, String)> = sqlx::query_as(
        "UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 RETURNING id, name",
    )
    .bind(kodo.keys.hash_api_token(token))
    .fetch_optional(&kodo.pool)
    .await?;
    Ok(row.map(|(id, name)| ApiToken { id, name }))
}
