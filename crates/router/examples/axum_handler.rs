//! Ferret inside a web app: an axum service with a comment endpoint and moderation endpoints.
//!
//! ```text
//! cargo run -p ferret-router --example axum_handler            # listens on 127.0.0.1:3000
//! curl -s 127.0.0.1:3000/comments -H 'content-type: application/json' \
//!      -d '{"comment_content":"Buy cheap pills now","user_ip":"203.0.113.9","comment_author":"x"}'
//! curl -s -X POST 127.0.0.1:3000/comments/<check_id>/spam
//! ```
//!
//! The store is `ferret.db` (or `FERRET_DB`); a new store starts from `models/default.ferret`
//! (or `FERRET_MODEL`); `FERRET_AKISMET_KEY` and `FERRET_AKISMET_BLOG` turn on escalation of
//! unsure comments. Without a key, unsure comments are held for moderation.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use ferret_features::Comment;
use ferret_router::{CheckId, Config, Ferret, Secret, Verdict};
use serde_json::{json, Value};

/// `Ferret` is a cheap handle (`Clone + Send + Sync`): share one per process.
#[derive(Clone)]
struct App {
    ferret: Ferret,
}

/// POST /comments: decide on a new comment. Confident comments are answered without I/O on this
/// task; unsure ones go to Akismet within the budget, or are held for moderation.
async fn new_comment(
    State(app): State<App>,
    Json(comment): Json<Comment>,
) -> Result<Json<Value>, (StatusCode, String)> {
    let d = app
        .ferret
        .check(&comment)
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    // What a comment system does with each verdict: publish, queue for a moderator, keep in the
    // spam folder, or drop without a trace (honeypot hits and Akismet's "discard").
    let status = match d.verdict {
        Verdict::Ham => "approved",
        Verdict::Held => "pending",
        Verdict::Spam => "spam",
        Verdict::Discard => "discarded",
    };
    Ok(Json(json!({
        "status": status,
        "check_id": d.check_id.to_string(), // keep it with the comment: feedback uses it
        "p_spam": d.p_spam,
        "source": d.source.as_str(),
        "reason": d.reason.to_string(),
    })))
}

/// POST /comments/{check_id}/{spam|ham}: a moderator's correction. Stored durably, learned at
/// once, then reported to Akismet (queued while it is unreachable).
async fn moderate(
    State(app): State<App>,
    Path((check_id, label)): Path<(String, String)>,
) -> Result<Json<Value>, (StatusCode, String)> {
    let id: CheckId = check_id
        .parse()
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("check id: {e}")))?;
    let fb = match label.as_str() {
        "spam" => app.ferret.submit_spam(id).await,
        "ham" => app.ferret.submit_ham(id).await,
        _ => return Err((StatusCode::NOT_FOUND, "use /spam or /ham".into())),
    }
    .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(Json(
        json!({ "learned": fb.learned, "report": fb.report.as_str() }),
    ))
}

/// The service, separate from `main` so it can be mounted in a bigger app.
fn router(ferret: Ferret) -> Router {
    Router::new()
        .route("/comments", post(new_comment))
        .route("/comments/{check_id}/{label}", post(moderate))
        .with_state(App { ferret })
}

fn config_from_env() -> Config {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut config = Config {
        db: env("FERRET_DB").map_or_else(|| PathBuf::from("ferret.db"), PathBuf::from),
        model: Some(
            env("FERRET_MODEL")
                .map_or_else(|| PathBuf::from("models/default.ferret"), PathBuf::from),
        ),
        ..Config::default()
    };
    config.akismet.key = env("FERRET_AKISMET_KEY").map(Secret::new);
    config.akismet.blog = env("FERRET_AKISMET_BLOG");
    config
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Opening reads the store and replays the learn log: blocking work, so off the async threads.
    let ferret = tokio::task::spawn_blocking(|| Ferret::open(config_from_env())).await??;
    // Held comments are rechecked (`recheck_reason=retry`) and queued reports sent in the
    // background, every minute; Ferret itself decides which are due.
    let bg = ferret.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = bg.recheck().await {
                eprintln!("recheck: {e}");
            }
        }
    });
    let addr: SocketAddr = std::env::var("FERRET_LISTEN")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("listening on http://{addr}");
    axum::serve(listener, router(ferret)).await?;
    Ok(())
}
