//! Admin: every message with its delivery status. While no Twilio account
//! is connected this is the development outbox: messages are stored here
//! instead of sent, and the admin can reply as the phone would.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};
use serde::{Deserialize, Serialize};

use super::{action_error, ActionError};
use crate::model::MessageView;
use crate::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxData {
    /// True while no Twilio account is connected.
    pub outbox_mode: bool,
    pub messages: Vec<MessageView>,
}

#[server]
pub async fn list_messages() -> Result<OutboxData, AppError> {
    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    let outbox_mode = kodo_core::settings::twilio_credentials(&kodo.pool).await?.is_none();
    let filter = kodo_core::messages::Filter {
        limit: Some(200),
        ..Default::default()
    };
    let messages = kodo_core::messages::list(&kodo.pool, &filter).await?;
    Ok(OutboxData {
        outbox_mode,
        messages: messages.into_iter().map(Into::into).collect(),
    })
}

/// Handles a reply typed by the admin as if `from` had texted it, through
/// the same path as Twilio's inbound webhook. Only while in outbox mode, so
/// an admin cannot fake a real subscriber's reply.
#[server]
pub async fn reply_as_phone(from: String, body: String) -> Result<String, AppError> {
    use rand::Rng;

    super::require_admin().await?;
    let kodo = crate::error::kodo()?;
    if kodo_core::settings::twilio_credentials(&kodo.pool).await?.is_some() {
        return Err(AppError::conflict(
            "Replies can be simulated only in the development outbox; Twilio is connected.",
        ));
    }
    let sid = format!("OUTBOX{:032x}", rand::thread_rng().gen::<u128>());
    let outcome = kodo_core::inbound::handle(&kodo, &from, &body, &sid).await?;
    Ok(format!("{outcome:?}"))
}

#[component]
pub fn OutboxPage() -> impl IntoView {
    let reply = ServerAction::<ReplyAsPhone>::new();
    let messages = Resource::new(move || reply.version().get(), |_| list_messages());
    view! {
        <h1>"Messages"</h1>
        <ActionError error=action_error(reply) test="reply-error" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match messages.await {
                    Ok(data) => view! { <MessageList data reply /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MessageList(data: OutboxData, reply: ServerAction<ReplyAsPhone>) -> impl IntoView {
    let outbox_mode = data.outbox_mode;
    let is_empty = data.messages.is_empty();
    let hydrated = crate::use_hydrated();
    view! {
        <Show when=move || outbox_mode>
            <p class="notice">
                "Development outbox: no Twilio account is connected, so messages are stored here instead of sent. "
                <a href="/admin/settings">"Connect Twilio"</a>
            </p>
        </Show>
        <Show when=move || is_empty>
            <p class="muted">"No messages yet."</p>
        </Show>
        <ul class="messages" data-hydrated=hydrated>
            {data
                .messages
                .into_iter()
                .map(|message| view! { <MessageRow message reply outbox_mode /> })
                .collect_view()}
        </ul>
    }
}

#[component]
fn MessageRow(message: MessageView, reply: ServerAction<ReplyAsPhone>, outbox_mode: bool) -> impl IntoView {
    let body = RwSignal::new(String::new());
    let to = message.to.clone();
    let input_id = format!("reply-{}", message.id);
    view! {
        <li class="message card" data-test="outbox-message" data-to=message.to.clone() data-id=message.id.to_string()>
            <p class="message-meta">
                <strong>{message.to.clone()}</strong>
                <span class="badge">{message.kind.clone()}</span>
                <span class=format!("badge status-{}", message.status) data-test="outbox-status">{message.status.clone()}</span>
                <span class="muted">{message.created_at.clone()}</span>
                {message.twilio_sid.clone().map(|sid| view! { <code class="muted">{sid}</code> })}
            </p>
            <p class="message-body" data-test="outbox-body">{message.body.clone()}</p>
            {message
                .error_code
                .map(|code| {
                    view! {
                        <p class="error">
                            "Twilio error " {code} ": " {message.error_message.clone().unwrap_or_default()}
                        </p>
                    }
                })}
            <Show when=move || outbox_mode>
                <form
                    class="inline"
                    on:submit={
                        let to = to.clone();
                        move |event: leptos::ev::SubmitEvent| {
                            event.prevent_default();
                            reply.dispatch(ReplyAsPhone { from: to.clone(), body: body.get_untracked() });
                            body.set(String::new());
                        }
                    }
                >
                    <label class="visually-hidden" for=input_id.clone()>"Reply as this phone"</label>
                    <input
                        id=input_id.clone()
                        placeholder="Reply as this phone, e.g. STOP"
                        data-test="outbox-reply-body"
                        prop:value=body
                        on:input=move |event| body.set(event_target_value(&event))
                    />
                    <button type="submit" class="button" data-test="outbox-reply-send">"Reply"</button>
                </form>
            </Show>
        </li>
    }
}

/// The messages page as a lazy route: its code is a separate WASM chunk that the
/// browser fetches on the first visit, so the public page loads less.
pub struct OutboxRoute;

#[lazy_route]
impl LazyRoute for OutboxRoute {
    fn data() -> Self {
        OutboxRoute
    }

    fn view(this: Self) -> AnyView {
        let _ = this;
        view! { <OutboxPage /> }.into_any()
    }
}
