//! The sign-in guard of the admin dashboard's pages.

use axum::http::StatusCode;
use reqwest::redirect::Policy;

use crate::helpers::TestApp;

/// Returns a client that keeps cookies and reports redirects instead of
/// following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn signed_out_admin_page_redirects() {
    let app = TestApp::spawn().await;
    let client = client();
    for path in ["/admin", "/admin/settings", "/admin/subscribers/1"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()["location"], "/admin/login", "{path}");
    }
    let sign_in = client.get(app.url("/admin/login")).send().await.unwrap();
    assert_eq!(sign_in.status(), StatusCode::OK);
    let status_page = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(status_page.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn signed_in_admin_page_renders() {
    let app = TestApp::spawn().await;
    let client = client();
    let signed_in = crate::helpers::sign_in_admin(&app, &client, "admin@pages.test", "pages-password-123").await;
    assert!(signed_in.status().is_success() || signed_in.status().is_redirection(), "{}", signed_in.status());

    let response = client.get(app.url("/admin/settings")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("/pkg/admin/kodo.js"), "the page loads the admin bundle");
    app.stop().await;
}
