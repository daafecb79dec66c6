//! A stand-in for HeyGen's API on 127.0.0.1, for tests, the demo mode and screenshots.
//!
//! It serves `GET /v3/users/me` like HeyGen, checking the auth header: each built-in
//! key (see [`accounts::builtin`]) selects a billing type or a failure; unknown keys
//! get 401 (`sim-noscope-key` gets 403 `insufficient_api_key_scope`; `sim-reload-key` and
//! `sim-reload-fails-key` drain wallets whose auto-reload works or fails). A control API
//! under `/_sim/` lets tests top up, set balances, queue failures and add accounts:
//!
//! - `GET  /_sim/state` — every account with its balance and request count
//! - `POST /_sim/{name}/topup?amount=50`, `POST /_sim/{name}/balance?value=5`
//! - `POST /_sim/{name}/drain?per_second=0.5`
//! - `POST /_sim/{name}/fail?status=500&count=2[&retry_after=7]` — the next answers fail
//! - `POST /_sim/{name}/profile` with a JSON `data` body — answer with it from now on
//! - `POST /_sim/{name}/key?value=NEW` — rotate the key (the old one gets 401)
//! - `POST /_sim/{name}/key_self` with a JSON body — what `GET /v3/api_keys/self` answers
//!   for the account's key (`null`: 404, like older deployments, the default for added accounts)
//! - `POST /_sim/accounts` with `{"name","key","auth":"api_key|oauth","data"}` — add one
//! - `POST /_sim/slow?ms=2000` — delay of the `slow` account

pub mod accounts;

/// The most failures one account may have queued (a control call asking for more is refused).
pub const MAX_QUEUED_FAILURES: usize = 10_000;
mod http;

use accounts::{Auth, Behaviour, RetryAfter, SimAccount};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

pub use http::{Request, Response};

#[derive(Debug, Clone)]
pub struct SimOptions {
    /// 0 picks a free port.
    pub port: u16,
    /// Seconds the `drain` wallet takes to go from $12 to zero.
    pub drain_seconds: f64,
    /// A connection silent for this long is closed.
    pub idle_timeout: std::time::Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions { port: 0, drain_seconds: 60.0, idle_timeout: http::IDLE_TIMEOUT }
    }
}

struct State {
    accounts: Vec<SimAccount>,
    slow_delay: Duration,
    requests: u64,
    token: TokenEndpoint,
}

/// How the OAuth token endpoint answers (tests set this to try odd answers).
#[derive(Debug, Clone)]
pub struct TokenEndpoint {
    /// `expires_in` of issued tokens (any JSON number, however large).
    pub expires_in: f64,
    /// The next answers fail with these statuses (and `Retry-After` seconds).
    pub failures: Vec<(u16, Option<u64>)>,
    /// Answer with a body larger than any client should read.
    pub oversized: bool,
    /// Issue a new refresh token with each access token (the old one stops working).
    pub rotate: bool,
}

impl Default for TokenEndpoint {
    fn default() -> Self {
        TokenEndpoint { expires_in: 864_000.0, failures: Vec::new(), oversized: false, rotate: false }
    }
}

/// A running simulator. Dropping it stops the server.
pub struct Simulator {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Simulator {
    /// Binds 127.0.0.1 and serves on the current tokio runtime.
    pub async fn start(options: SimOptions) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            accounts: accounts::builtin(options.drain_seconds),
            slow_delay: accounts::SLOW_DELAY,
            requests: 0,
            token: TokenEndpoint::default(),
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            let mut backoff = std::time::Duration::from_millis(10);
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => {
                        backoff = std::time::Duration::from_millis(10);
                        stream
                    }
                    // Out of file descriptors (or another passing failure): wait before
                    // trying again instead of spinning.
                    Err(_) => {
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(std::time::Duration::from_secs(1));
                        continue;
                    }
                };
                let state = shared.clone();
                tokio::spawn(http::serve_connection(stream, options.idle_timeout, move |req| handle(state.clone(), req)));
            }
        });
        Ok(Simulator { addr, state, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for `HEYGEN_API_BASE`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests `/v3/users/me` received for `name` (with its key).
    pub fn hits(&self, name: &str) -> u64 {
        self.with(name, |a| a.hits)
    }

    pub fn set_balance(&self, name: &str, value: f64) {
        self.with(name, |a| {
            a.settle();
            a.balance = value;
        })
    }

    pub fn top_up(&self, name: &str, amount: f64) {
        self.with(name, |a| {
            a.settle();
            a.balance += amount;
        })
    }

    pub fn set_drain(&self, name: &str, per_second: f64) {
        self.with(name, |a| {
            a.settle();
            a.drain_per_sec = per_second;
        })
    }

    /// The next `count` answers for `name` fail with `status`.
    pub fn fail_next(&self, name: &str, status: u16, count: usize, retry_after: Option<u64>) {
        self.with(name, |a| a.queue_failures(status, count, retry_after))
    }

    pub fn set_profile(&self, name: &str, data: Value) {
        self.with(name, |a| a.behaviour = Behaviour::Profile(data))
    }

    /// Adds (or replaces) an account answering with `data` for `key`.
    pub fn add_account(&self, name: &str, key: &str, auth: Auth, data: Value) {
        let mut s = self.state.lock().unwrap();
        s.accounts.retain(|a| a.name != name);
        s.accounts.push(SimAccount::new(name, key, auth, Behaviour::Profile(data)));
    }

    /// Gives an OAuth account a refresh token the token endpoint accepts.
    pub fn set_refresh_token(&self, name: &str, token: &str) {
        self.with(name, |a| a.refresh_token = Some(token.into()))
    }

    /// Changes how the token endpoint answers from now on.
    pub fn set_token_endpoint(&self, f: impl FnOnce(&mut TokenEndpoint)) {
        f(&mut self.state.lock().unwrap().token)
    }

    /// The refresh token an account's tokens are renewed with now.
    pub fn refresh_token(&self, name: &str) -> Option<String> {
        self.with(name, |a| a.refresh_token.clone())
    }

    /// Replaces an account's key or token; the old one gets 401 from now on.
    pub fn set_key(&self, name: &str, key: &str) {
        self.with(name, |a| a.key = key.into())
    }

    /// The current key or access token of an account.
    pub fn key(&self, name: &str) -> String {
        self.with(name, |a| a.key.clone())
    }

    /// Answers of `/v3/api_keys/self` for an account (`None`: 404).
    pub fn set_key_self(&self, name: &str, data: Option<Value>) {
        self.with(name, |a| a.key_self = data);
    }

    /// `/v3/api_keys/self` requests served for an account.
    pub fn key_checks(&self, name: &str) -> u64 {
        self.with(name, |a| a.key_checks)
    }

    /// The shortest time between two requests for an account (either endpoint)
    /// since the account was added or [`Simulator::reset_min_gap`].
    pub fn min_gap(&self, name: &str) -> Option<Duration> {
        self.with(name, |a| a.min_gap)
    }

    /// Starts measuring [`Simulator::min_gap`] afresh.
    pub fn reset_min_gap(&self, name: &str) {
        self.with(name, |a| (a.min_gap, a.last_request) = (None, None));
    }

    /// Token refreshes served for an account.
    pub fn refreshes(&self, name: &str) -> u64 {
        self.with(name, |a| a.refreshes)
    }

    pub fn set_slow_delay(&self, delay: Duration) {
        self.state.lock().unwrap().slow_delay = delay;
    }

    fn with<T>(&self, name: &str, f: impl FnOnce(&mut SimAccount) -> T) -> T {
        let mut state = self.state.lock().unwrap();
        let account = state.accounts.iter_mut().find(|a| a.name == name).unwrap_or_else(|| panic!("no simulated account {name:?}"));
        f(account)
    }
}

async fn handle(state: Arc<Mutex<State>>, req: Request) -> Response {
    let request_id = {
        let mut s = state.lock().unwrap();
        s.requests += 1;
        format!("sim-{:06}", s.requests)
    };
    let response = if req.path == "/v3/users/me" || req.path == "/v3/user/me" {
        if req.method != "GET" {
            error(405, "method_not_allowed", "Use GET")
        } else {
            users_me(&state, &req).await
        }
    } else if req.path == "/v3/api_keys/self" {
        key_self(&state, &req)
    } else if req.path == "/v1/oauth/token" && req.method == "POST" {
        token(&state, &req)
    } else if let Some(rest) = req.path.strip_prefix("/_sim/") {
        control(&state, &req, rest)
    } else {
        error(404, "not_found", "No such endpoint")
    };
    response.header("X-Request-Id", &request_id)
}

/// `GET /v3/api_keys/self`: the key's description, or 404 like older deployments.
fn key_self(state: &Arc<Mutex<State>>, req: &Request) -> Response {
    let mut s = state.lock().unwrap();
    let Some(key) = req.header("x-api-key") else {
        return error(401, "unauthorized", "Missing authentication: send X-Api-Key");
    };
    let Some(a) = s.accounts.iter_mut().find(|a| a.auth == Auth::ApiKey && a.key == key) else {
        return error(401, "unauthorized", "Invalid API key or access token");
    };
    a.key_checks += 1;
    a.requested();
    match &a.key_self {
        Some(data) => Response::json(200, &json!({ "data": data })),
        None => error(404, "not_found", "No such endpoint"),
    }
}

fn error(status: u16, code: &str, message: &str) -> Response {
    Response::json(status, &json!({"error": {"code": code, "message": message}}))
}

async fn users_me(state: &Arc<Mutex<State>>, req: &Request) -> Response {
    let api_key = req.header("x-api-key");
    let bearer = req.header("authorization").and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    let (behaviour, failure, balance, slow) = {
        let mut s = state.lock().unwrap();
        let slow = s.slow_delay;
        let found = s.accounts.iter_mut().find(|a| match a.auth {
            Auth::ApiKey => api_key == Some(a.key.as_str()),
            Auth::Oauth => bearer == Some(a.key.as_str()),
        });
        let Some(account) = found else {
            let message = if api_key.is_none() && bearer.is_none() {
                "Missing authentication: send X-Api-Key or Authorization: Bearer"
            } else {
                "Invalid API key or access token"
            };
            return error(401, "unauthorized", message);
        };
        account.hits += 1;
        account.requested();
        let failure = (!account.queued_failures.is_empty()).then(|| account.queued_failures.remove(0));
        (account.behaviour.clone(), failure, (account.settle(), account.auto_reload), slow)
    };
    if let Some((status, retry_after)) = failure {
        let mut r = status_answer(status, false);
        if let Some(s) = retry_after {
            r = r.header("Retry-After", &s.to_string());
        }
        return r;
    }
    match behaviour {
        Behaviour::Profile(data) => Response::json(200, &json!({ "data": data })),
        Behaviour::Draining => {
            let (balance, reload) = balance;
            let auto_reload = match reload {
                Some(r) => json!({"enabled": true, "threshold_usd": r.threshold_usd, "amount_usd": r.amount_usd}),
                None => json!({"enabled": false, "threshold_usd": null, "amount_usd": null}),
            };
            Response::json(
                200,
                &json!({"data": {
                "username": "sam_creator", "email": "sam@example.com", "first_name": "Demo", "last_name": "Wallet",
                "billing_type": "wallet",
                "wallet": {"currency": "usd", "remaining_balance": (balance * 100.0).round() / 100.0, "auto_reload": auto_reload},
                "subscription": null, "usage_based": null}}),
            )
        }
        Behaviour::Status { status, retry_after, html } => {
            let r = status_answer(status, html);
            match retry_after {
                Some(RetryAfter::Seconds(s)) => r.header("Retry-After", &s.to_string()),
                Some(RetryAfter::DateIn(s)) => {
                    r.header("Retry-After", &httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(s)))
                }
                None => r,
            }
        }
        Behaviour::Slow => {
            tokio::time::sleep(slow).await;
            Response::json(
                200,
                &json!({"data": {"username": "slow_sam", "billing_type": "wallet",
                "wallet": {"currency": "usd", "remaining_balance": 7.25}}}),
            )
        }
        Behaviour::Malformed => {
            Response::raw(200, "application/json", b"{\"data\": {\"username\": \"x\", \"billing_type\": wallet}}".to_vec())
        }
        Behaviour::Html => Response::raw(200, "text/html", b"<!doctype html><html><body><h1>Sign in</h1></body></html>".to_vec()),
        Behaviour::Truncated => Response::truncated(
            br#"{"data":{"username":"jane_doe","billing_type":"wallet","wallet":{"currency":"usd","remaining_bal"#.to_vec(),
            400,
        ),
        Behaviour::Oversized => {
            let padding = "x".repeat(2 * 1024 * 1024);
            Response::json(
                200,
                &json!({"data": {"username": "big", "billing_type": "wallet",
                "wallet": {"currency": "usd", "remaining_balance": 1.0}, "padding": padding}}),
            )
        }
        Behaviour::WrongShape => Response::json(200, &json!({"data": [1, 2, 3]})),
        Behaviour::NoScope => error(403, "insufficient_api_key_scope", "The API key does not have the required scope: account:read"),
    }
}

/// `POST /v1/oauth/token` with `grant_type=refresh_token`: issues a new access token
/// (the old one stops working) and, like HeyGen sometimes, no new refresh token.
fn token(state: &Arc<Mutex<State>>, req: &Request) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&req.body).into_owned().collect();
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if field("grant_type") != "refresh_token" {
        return Response::json(400, &json!({"error": "unsupported_grant_type"}));
    }
    if field("client_id").is_empty() {
        return Response::json(400, &json!({"error": "invalid_client"}));
    }
    let mut s = state.lock().unwrap();
    if !s.token.failures.is_empty() {
        let (status, retry_after) = s.token.failures.remove(0);
        let mut r = Response::json(status, &json!({"error": "temporarily_unavailable"}));
        if let Some(secs) = retry_after {
            r = r.header("Retry-After", &secs.to_string());
        }
        return r;
    }
    if s.token.oversized {
        return Response::raw(200, "application/json", format!("{{\"access_token\":\"{}\"}}", "x".repeat(1 << 20)).into_bytes());
    }
    let TokenEndpoint { expires_in, rotate, .. } = s.token.clone();
    let Some(a) = s.accounts.iter_mut().find(|a| a.refresh_token.as_deref() == Some(field("refresh_token"))) else {
        return Response::json(400, &json!({"error": "invalid_grant"}));
    };
    a.refreshes += 1;
    a.key = format!("sim-oauth-token-r{}", a.refreshes);
    let mut answer = json!({"access_token": a.key, "token_type": "Bearer", "expires_in": expires_in});
    if rotate {
        let next = format!("sim-refresh-token-r{}", a.refreshes);
        a.refresh_token = Some(next.clone());
        answer["refresh_token"] = json!(next);
    }
    Response::json(200, &answer)
}

fn status_answer(status: u16, html: bool) -> Response {
    if html {
        return Response::raw(status, "text/html", format!("<html><body><h1>{status} Bad Gateway</h1></body></html>").into_bytes());
    }
    match status {
        401 => error(401, "unauthorized", "Invalid API key or access token"),
        403 => error(403, "forbidden", "This key is not allowed to read the account"),
        429 => error(429, "rate_limit_exceeded", "Too many requests, slow down"),
        500..=599 => error(status, "internal_error", "Something went wrong on our side"),
        _ => error(status, "error", "Simulated failure"),
    }
}

fn control(state: &Arc<Mutex<State>>, req: &Request, rest: &str) -> Response {
    let mut s = state.lock().unwrap();
    let q = &req.query;
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<f64>().ok());
    if rest == "state" {
        let accounts: Vec<Value> = s
            .accounts
            .iter_mut()
            .map(|a| {
                let balance = a.settle();
                json!({"name": a.name, "auth": a.auth, "hits": a.hits, "balance": balance,
                   "drain_per_second": a.drain_per_sec, "key": a.key, "key_checks": a.key_checks,
                   "min_gap_seconds": a.min_gap.map(|g| g.as_secs_f64())})
            })
            .collect();
        return Response::json(200, &json!({"requests": s.requests, "accounts": accounts}));
    }
    if req.method != "POST" {
        return error(405, "method_not_allowed", "Control calls use POST");
    }
    if rest == "slow" {
        s.slow_delay = Duration::from_millis(num("ms").unwrap_or(5000.0) as u64);
        return Response::json(200, &json!({"ok": true}));
    }
    if rest == "accounts" {
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return error(400, "invalid_body", "Expected a JSON body");
        };
        let (Some(name), Some(key)) = (body["name"].as_str(), body["key"].as_str()) else {
            return error(400, "invalid_body", "name and key are required");
        };
        let auth = if body["auth"] == "oauth" { Auth::Oauth } else { Auth::ApiKey };
        s.accounts.retain(|a| a.name != name);
        s.accounts.push(SimAccount::new(name, key, auth, Behaviour::Profile(body["data"].clone())));
        return Response::json(200, &json!({"ok": true}));
    }
    let (name, action) = rest.split_once('/').unwrap_or((rest, ""));
    let Some(a) = s.accounts.iter_mut().find(|a| a.name == name) else {
        return error(404, "not_found", "No such simulated account");
    };
    match action {
        "topup" => {
            a.settle();
            a.balance += num("amount").unwrap_or(50.0);
        }
        "balance" => {
            a.settle();
            a.balance = num("value").unwrap_or(0.0);
        }
        "drain" => {
            a.settle();
            a.drain_per_sec = num("per_second").unwrap_or(0.0);
        }
        "fail" => {
            let status = num("status").unwrap_or(500.0) as u16;
            let count = num("count").unwrap_or(1.0);
            if !(0.0..=MAX_QUEUED_FAILURES as f64).contains(&count) {
                return error(400, "invalid_query", &format!("count must be between 0 and {MAX_QUEUED_FAILURES}"));
            }
            let ra = num("retry_after").map(|v| v as u64);
            a.queue_failures(status, count as usize, ra);
        }
        "profile" => match serde_json::from_slice::<Value>(&req.body) {
            Ok(data) => a.behaviour = Behaviour::Profile(data),
            Err(_) => return error(400, "invalid_body", "Expected a JSON body"),
        },
        "key_self" => match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Null) => a.key_self = None,
            Ok(data) => a.key_self = Some(data),
            Err(_) => return error(400, "invalid_body", "Expected a JSON body (null: answer 404)"),
        },
        "key" => match q.get("value") {
            Some(v) => a.key = v.clone(),
            None => return error(400, "invalid_query", "value is required"),
        },
        _ => return error(404, "not_found", "Unknown control action"),
    }
    let balance = a.settle();
    Response::json(200, &json!({"ok": true, "balance": balance}))
}

/// Keys of the built-in accounts, for the CLI's banner.
pub fn builtin_keys() -> HashMap<String, (String, Auth)> {
    accounts::builtin(60.0).into_iter().map(|a| (a.name, (a.key, a.auth))).collect()
}
