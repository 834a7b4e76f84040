//! The server-side guard of the admin dashboard's pages.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

/// The sign-in page, the one admin page open to everyone.
const SIGN_IN_PATH: &str = "/admin/login";

/// Redirects a request for an admin page without a signed-in admin to the
/// sign-in page, so the server never renders the dashboard's frame for it.
/// The pages' server functions check the session themselves.
pub async fn require_sign_in(session: Session, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let admin_page = kodo_app::bundle::is_admin_path(path) && path != SIGN_IN_PATH;
    if !admin_page {
        return next.run(request).await;
    }
    match session.get::<i64>(kodo_app::admin::ADMIN_SESSION_KEY).await {
        Ok(Some(_)) => next.run(request).await,
        Ok(None) => Redirect::to(SIGN_IN_PATH).into_response(),
        Err(error) => {
            tracing::error!(%error, path, "reading the session failed; sending the request to the sign-in page");
            Redirect::to(SIGN_IN_PATH).into_response()
        }
    }
}
