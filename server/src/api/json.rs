use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ApiError;

/// A JSON body whose errors respond 400 with the field at fault, in place of
/// axum's plain-text rejection.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The request body is too large; JSON bodies may be at most 2 MB.",
                )
            } else {
                ApiError::bad_request(None, format!("Reading the request body failed: {}.", rejection.body_text()))
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            None,
            "The request body is empty; send a JSON object.",
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|error| {
        ApiError::bad_request(
            None,
            format!("The body is not valid JSON ({error}); send a JSON object."),
        )
    })?;
    if let Some(path) = find_nul(&value, String::new()) {
        let field = (!path.is_empty()).then_some(path);
        let name = field.as_deref().unwrap_or("the body");
        return Err(ApiError::bad_request(
            field.clone(),
            format!("Invalid field {name}: text must not contain the NUL character (\\u0000); remove it."),
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = inner.to_string();
        let field = missing_field(&message)
            .map(|name| join_path(&path, name))
            .or_else(|| (path != ".").then_some(path.clone()));
        let text = strip_position(&message);
        let fix = match &field {
            Some(field) => format!("Invalid field {field}: {text}."),
            None => format!("Invalid request body: {text}."),
        };
        ApiError::bad_request(field, fix)
    })
}

/// Returns the path of the first string or key that contains a NUL character,
/// which PostgreSQL cannot store in text. An empty path is the body itself.
fn find_nul(value: &Value, path: String) -> Option<String> {
    let child = |name: &dyn std::fmt::Display| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    match value {
        Value::String(text) => text.contains('\0').then_some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| find_nul(item, format!("{path}[{index}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(child(&key.escape_default()))
            } else {
                find_nul(item, child(key))
            }
        }),
        _ => None,
    }
}

/// Finds the name in serde's "missing field `name`" message.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

fn join_path(path: &str, name: &str) -> String {
    if path == "." {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Drops serde_json's " at line 1 column 17" suffix, which means little to
/// an API client once the field is named.
fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn missing_field_is_named() {
        let error = parse::<Body>(b"{}").unwrap_err();
        assert_eq!(error.field.as_deref(), Some("title"));
    }

    #[test]
    fn mistyped_nested_field_is_named() {
        let error = parse::<Body>(br#"{"title": "x", "inner": {"count": "many"}}"#).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("inner.count"));
    }

    #[test]
    fn malformed_json_is_reported() {
        let error = parse::<Body>(b"{\"title\": ").unwrap_err();
        assert!(error.message.contains("not valid JSON"));
        assert_eq!(error.field, None);
    }

    #[test]
    fn nul_character_is_named() {
        let error = parse::<Body>(br#"{"title": "a\u0000b"}"#).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("title"));
        assert!(error.message.contains("NUL"));
        let error = parse::<Body>(br#"{"title": "x", "tags": ["ok", "\u0000"]}"#).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("tags[1]"));
    }

    #[test]
    fn empty_body_is_reported() {
        let error = parse::<Body>(b"").unwrap_err();
        assert!(error.message.contains("empty"));
    }
}
