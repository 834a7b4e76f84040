//! Admin sign-in with email and password.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};
use leptos_meta::Title;

use super::action_error;
use crate::AppError;

#[server]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    let kodo = crate::error::kodo()?;
    let Some(admin) = kodo_core::admins::authenticate(&kodo.pool, &email, &password).await? else {
        tracing::info!("admin sign-in failed");
        return Err(AppError::for_field("password", "Email or password is wrong; try again."));
    };
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| AppError::new("Sessions are not available on this server."))?;
    // A new session id on sign-in stops session fixation.
    let stored = async {
        session.cycle_id().await?;
        session.insert(super::ADMIN_SESSION_KEY, admin.id).await
    };
    if let Err(error) = stored.await {
        tracing::error!(%error, "storing the session failed");
        return Err(AppError::new("Signing in failed on our side. Try again in a moment."));
    }
    tracing::info!(admin.id = admin.id, "admin signed in");
    leptos_axum::redirect("/admin");
    Ok(())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let error = action_error(action);
    let hydrated = crate::use_hydrated();
    view! {
        <Title text="Sign in" />
        <main class="page narrow" data-hydrated=hydrated>
            <h1>"Sign in"</h1>
            <ActionForm action attr:class="form card">
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" name="email" autocomplete="username" required data-test="login-email" />
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                    data-test="login-password"
                    aria-describedby="login-error"
                />
                <p id="login-error" class="error" role="alert" data-test="login-error" hidden=move || error.get().is_none()>
                    {move || error.get()}
                </p>
                <button type="submit" class="button primary" data-test="login-submit">"Sign in"</button>
            </ActionForm>
        </main>
    }
}

/// The sign-in page as a lazy route, so visitors never load its code.
pub struct LoginRoute;

#[lazy_route]
impl LazyRoute for LoginRoute {
    fn data() -> Self {
        LoginRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <LoginPage /> }.into_any()
    }
}
