use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

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
        let bytes = Bytes::from_request(request, state).await.map_err(|error| {
            ApiError::bad_request(None, format!("Reading the request body failed: {error}."))
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
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::bad_request(
                None,
                format!("The body is not valid JSON ({inner}); send a JSON object."),
            );
        }
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
    fn empty_body_is_reported() {
        let error = parse::<Body>(b"").unwrap_err();
        assert!(error.message.contains("empty"));
    }
}
