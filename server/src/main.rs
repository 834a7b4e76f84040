#![recursion_limit = "256"]
//! The `kodo` command: with no arguments it serves the status page, the
//! admin dashboard, the API and the webhooks, and runs a dispatcher.

use std::io::IsTerminal;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use kodo_server::config::Config;
use kodo_server::dispatch::Dispatcher;
use kodo_server::{connect, leptos_options, Dispatch, Server};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "kodo", version, about = "Status-page SMS subscriptions")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site, the API and the webhooks, with a dispatcher (the default).
    Serve,
    /// Run only the background jobs (the dispatcher and the sweeper), to
    /// send messages from more machines.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin, or reset the password of an existing one. The
    /// password comes from KODO_ADMIN_PASSWORD or a prompt.
    Create {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token and print it once, as the last line of output.
    Create {
        #[arg(long)]
        name: String,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&config).await,
        Command::Worker => worker(&config).await,
        Command::Migrate => {
            connect(&config).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { email },
        } => {
            let kodo = connect(&config).await?;
            let password = admin_password()?;
            let admin = kodo_core::admins::create(&kodo.pool, &email, &password).await?;
            println!("admin {} saved", admin.email);
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { name },
        } => {
            let kodo = connect(&config).await?;
            let (token, secret) = kodo_core::api_tokens::create(&kodo, &name).await?;
            println!("API token {} ({}) created; it is shown only once:", token.id, token.name);
            println!("{secret}");
            Ok(())
        }
    }
}

async fn serve(config: &Config) -> Result<()> {
    let options = leptos_options()?;
    let listener = TcpListener::bind(options.site_addr)
        .await
        .with_context(|| format!("binding {}", options.site_addr))?;
    let server = Server::start(config, options, listener, Dispatch::Background).await?;
    server.run_until(shutdown_signal()).await;
    Ok(())
}

async fn worker(config: &Config) -> Result<()> {
    let kodo = connect(config).await?;
    let dispatcher = Dispatcher::with_options(kodo.clone(), config.twilio_client(), config.dispatch_options());
    let (stop, stopped) = watch::channel(false);
    let dispatch = tokio::spawn(dispatcher.run(stopped.clone()));
    let sweep = tokio::spawn(kodo_server::sweeper::run(kodo, stopped));
    shutdown_signal().await;
    let _ = stop.send(true);
    dispatch.await?;
    sweep.await?;
    Ok(())
}

fn admin_password() -> Result<String> {
    if let Ok(password) = std::env::var("KODO_ADMIN_PASSWORD") {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        bail!("KODO_ADMIN_PASSWORD is not set and there is no terminal to ask; set it");
    }
    let password = rpassword::prompt_password("Password: ")?;
    let again = rpassword::prompt_password("Password again: ")?;
    if password != again {
        bail!("the passwords differ; run the command again");
    }
    Ok(password)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
