//! What each path answers. No business logic: it asks the endpoints and shapes the response.

use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    ACCEPT, ALLOW, AUTHORIZATION, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, HeaderValue, VARY, WWW_AUTHENTICATE, X_CONTENT_TYPE_OPTIONS,
};
use hyper::{Method, Request, Response, StatusCode};

use std::sync::Arc;

use super::coalesce::Coalesced;
use super::page;
use super::{Endpoints, Room};
use crate::health::{Scope, ServiceInfo, ShowDetails};
use crate::recorder::Exposition;
use crate::stats::Snapshot;

/// The IETF health-check draft's media type.
const HEALTH_JSON: &str = "application/health+json";
const JSON: &str = "application/json";
const HTML: &str = "text/html; charset=utf-8";
/// The status page and its data.
const STATUS_PAGE: &str = "/status";
const STATUS_HISTORY: &str = "/stats/history";
const PLAIN: &str = "text/plain; charset=utf-8";

type Reply = Response<Full<Bytes>>;

/// The renders in flight: one per endpoint that walks every series, shared by the requests
/// that arrive while it runs.
pub(super) struct Renders {
    /// `/metrics`, one flight per exposition and compression (index: [`Renders::flight`]), so
    /// that a plain scrape never waits for compression nor one format for another.
    metrics: [Arc<Coalesced<Bytes>>; 2 * Exposition::ALL.len()],
    stats: Arc<Coalesced<Snapshot>>,
    /// `/stats/history`, as JSON, plain and gzip-compressed.
    history: [Arc<Coalesced<Bytes>>; 2],
    /// `/status`: without and with health details, each plain and gzip-compressed (index:
    /// `2 * details + gzip`).
    page: [Arc<Coalesced<Bytes>>; 4],
}

impl Renders {
    pub(super) fn new() -> Self {
        Self {
            metrics: std::array::from_fn(|_| Coalesced::new()),
            stats: Coalesced::new(),
            history: std::array::from_fn(|_| Coalesced::new()),
            page: std::array::from_fn(|_| Coalesced::new()),
        }
    }

    fn flight(&self, exposition: Exposition, gzip: bool) -> &Arc<Coalesced<Bytes>> {
        &self.metrics[2 * exposition.index() + usize::from(gzip)]
    }
}

pub(super) async fn handle(
    endpoints: Arc<dyn Endpoints>,
    renders: Arc<Renders>,
    room: Room,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Reply, Infallible> {
    let head = req.method() == Method::HEAD;
    let readable = req.method() == Method::GET || head;
    let scope = match req.uri().path() {
        "/health" => Some(Scope::All),
        "/health/live" => Some(Scope::Liveness),
        "/health/ready" => Some(Scope::Readiness),
        "/health/startup" => Some(Scope::Startup),
        _ => None,
    };
    let authorized = authorized(&*endpoints, &req);
    let path = match (room, scope) {
        // The health listener knows no other path.
        (Room::Health, None) => "",
        _ => req.uri().path(),
    };
    let page_served = endpoints.options().status_page;
    let response = match (path, scope) {
        (STATUS_PAGE | STATUS_HISTORY | page::STYLE_PATH | page::SCRIPT_PATH, _)
            if !page_served =>
        {
            text(StatusCode::NOT_FOUND, PLAIN, "not found\n".into())
        }
        ("/metrics" | "/stats" | STATUS_PAGE | STATUS_HISTORY, _)
            if readable && authorized == Some(false) =>
        {
            unauthorized()
        }
        ("/metrics", _) if !endpoints.options().serve_metrics => {
            text(StatusCode::NOT_FOUND, PLAIN, "not found\n".into())
        }
        ("/metrics", _) if readable => {
            let exposition = super::negotiation::preferred(req.headers());
            let gzip = super::negotiation::accepts_gzip(req.headers());
            let only = super::negotiation::names(req.uri().query());
            metrics(endpoints, &renders, exposition, gzip, only).await
        }
        ("/stats", _) if readable => stats(endpoints, &renders).await,
        (STATUS_HISTORY, _) if readable => {
            let gzip = super::negotiation::accepts_gzip(req.headers());
            history(endpoints, &renders, gzip).await
        }
        (STATUS_PAGE, _) if readable => {
            let details = sees_details(&*endpoints, peer, &req);
            let gzip = super::negotiation::accepts_gzip(req.headers());
            status_page(endpoints, &renders, details, gzip).await
        }
        (page::STYLE_PATH, _) if readable => asset("text/css; charset=utf-8", page::STYLE),
        (page::SCRIPT_PATH, _) if readable => asset("text/javascript; charset=utf-8", page::SCRIPT),
        (_, Some(scope)) if readable => health(&*endpoints, scope, peer, &req),
        (
            "/metrics"
            | "/stats"
            | STATUS_PAGE
            | STATUS_HISTORY
            | page::STYLE_PATH
            | page::SCRIPT_PATH,
            _,
        )
        | (_, Some(_)) => {
            let mut r = text(
                StatusCode::METHOD_NOT_ALLOWED,
                PLAIN,
                "method not allowed\n".into(),
            );
            r.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            r
        }
        // The path is never echoed back: nothing a client sends is reflected.
        _ => text(StatusCode::NOT_FOUND, PLAIN, "not found\n".into()),
    };
    Ok(if head { strip_body(response) } else { response })
}

async fn metrics(
    endpoints: Arc<dyn Endpoints>,
    renders: &Renders,
    exposition: Exposition,
    gzip: bool,
    only: Option<Vec<String>>,
) -> Reply {
    // Rendering walks every series: off the reactor's worker threads, one at a time. A render
    // of chosen families is this request's own; only whole renders are shared.
    let own;
    let flight = match &only {
        Some(_) => {
            own = Coalesced::new();
            &own
        }
        None => renders.flight(exposition, gzip),
    };
    let body = flight
        .get(move || encoded(endpoints.render(exposition, only.as_deref()), gzip))
        .await;
    let Some(body) = body else {
        return failed("render");
    };
    // `Bytes` clones share the buffer: every waiter of one render sends the same bytes.
    let mut r = Response::new(Full::new(Bytes::clone(&body)));
    let headers = r.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(exposition.content_type()),
    );
    // Caches between the scraper and the server must key on what was asked for.
    headers.insert(VARY, HeaderValue::from_static("accept, accept-encoding"));
    if gzip {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    r
}

/// The JSON snapshot; like a render, it walks every series, so off the reactor.
async fn stats(endpoints: Arc<dyn Endpoints>, renders: &Renders) -> Reply {
    match renders.stats.get(move || endpoints.snapshot()).await {
        Some(snapshot) => {
            let body = serde_json::to_string(&*snapshot)
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            let mut r = text(StatusCode::OK, JSON, body + "\n");
            r.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        None => failed("snapshot"),
    }
}

/// `body` as the body to send: gzip-compressed when the client takes it. The exposition, the
/// page and the history are mostly repeated names, markup and digits: several times smaller.
fn encoded(body: impl Into<Vec<u8>>, gzip: bool) -> Bytes {
    let body = body.into();
    if gzip {
        Bytes::from(super::negotiation::gzip(&body))
    } else {
        Bytes::from(body)
    }
}

/// A rendered body: its type, and the encoding it was rendered with.
fn rendered(body: &Bytes, content_type: &'static str, gzip: bool) -> Reply {
    let mut r = Response::new(Full::new(Bytes::clone(body)));
    let headers = r.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    if gzip {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    r
}

/// The history of the `/stats` figures, as JSON.
async fn history(endpoints: Arc<dyn Endpoints>, renders: &Renders, gzip: bool) -> Reply {
    let body = renders.history[usize::from(gzip)]
        .get(move || {
            let json = serde_json::to_string(&endpoints.history())
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            encoded(json + "\n", gzip)
        })
        .await;
    match body {
        Some(body) => rendered(&body, JSON, gzip),
        None => failed("history"),
    }
}

/// The status page; drawn off the reactor, since it walks every series as `/stats` does.
async fn status_page(
    endpoints: Arc<dyn Endpoints>,
    renders: &Renders,
    details: bool,
    gzip: bool,
) -> Reply {
    let body = renders.page[2 * usize::from(details) + usize::from(gzip)]
        .get(move || {
            let http = endpoints.options();
            let page = page::Page {
                snapshot: endpoints.snapshot(),
                history: endpoints.history(),
                declared: http.serve_metrics.then(|| endpoints.declared()),
                health: endpoints.health().report(Scope::All),
                details,
                service: http.service.clone(),
                version: http.version.clone(),
                refresh_ms: endpoints.sample_every().as_millis(),
            }
            .render();
            encoded(page, gzip)
        })
        .await;
    let Some(body) = body else {
        return failed("page");
    };
    let mut r = rendered(&body, HTML, gzip);
    secure(r.headers_mut());
    r
}

/// The page's stylesheet or script: fixed text, compiled in.
fn asset(content_type: &'static str, body: &'static str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    let headers = r.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Revalidated on each load: a new build's page must not run an old script.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    secure(headers);
    r
}

/// What the page may do: load its own stylesheet and script and fetch itself, nothing else;
/// no inline script, no other origin, not framed.
fn secure(headers: &mut hyper::HeaderMap) {
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
             img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}

/// Whether this request sees health details: with a token configured, the token opens them
/// (unless they are public); else `health.show_details` decides by the client's address.
fn sees_details(endpoints: &dyn Endpoints, peer: SocketAddr, req: &Request<Incoming>) -> bool {
    match (endpoints.options().show_details, authorized(endpoints, req)) {
        (ShowDetails::Loopback, Some(ok)) => ok,
        (show, _) => show.allows(Some(peer.ip())),
    }
}

/// A health report from the cache: never runs a check, so probes cost the checked systems
/// nothing.
fn health(
    endpoints: &dyn Endpoints,
    scope: Scope,
    peer: SocketAddr,
    req: &Request<Incoming>,
) -> Reply {
    let http = endpoints.options();
    let report = endpoints.health().report(scope);
    let details = sees_details(endpoints, peer, req);
    let info = ServiceInfo {
        service: http.service.clone(),
        version: http.version.clone(),
        uptime_seconds: http.started.elapsed().as_secs_f64(),
    };
    let ietf = req
        .headers()
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim().starts_with(HEALTH_JSON)));
    let (body, content_type) = if ietf {
        (report.to_health_json(&info, details), HEALTH_JSON)
    } else {
        (report.to_json(&info, details), JSON)
    };
    let status = StatusCode::from_u16(http.codes.of(report.status))
        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut r = text(status, content_type, format!("{body}\n"));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `None` without a configured token; else whether the request carries it.
fn authorized(endpoints: &dyn Endpoints, req: &Request<Incoming>) -> Option<bool> {
    let token = endpoints.options().auth_token.as_deref()?;
    let given = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    Some(tokens_match(given.as_bytes(), token.as_bytes()))
}

/// Whether `given` is `token`, in time that depends on neither how much of a guess was right
/// nor whether its length was: `subtle`'s slice comparison returns at once on a length
/// mismatch, which would tell a client the token's length, so the guess is first cut or
/// padded to the token's length and the lengths compared apart, both in constant time.
fn tokens_match(given: &[u8], token: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    let padded: Vec<u8> = (0..token.len())
        .map(|i| given.get(i).copied().unwrap_or(0))
        .collect();
    bool::from(padded.ct_eq(token) & given.len().ct_eq(&token.len()))
}

/// A render that panicked: `500`, saying which.
fn failed(what: &str) -> Reply {
    text(
        StatusCode::INTERNAL_SERVER_ERROR,
        PLAIN,
        format!("{what} failed\n"),
    )
}

fn unauthorized() -> Reply {
    let mut r = text(StatusCode::UNAUTHORIZED, PLAIN, "unauthorized\n".into());
    r.headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn strip_body(response: Reply) -> Reply {
    let (parts, _) = response.into_parts();
    Response::from_parts(parts, Full::new(Bytes::new()))
}

#[cfg(test)]
mod tests {
    use super::tokens_match;

    #[test]
    fn only_the_exact_token_matches() {
        let token = b"s3cret-token-for-tests";
        assert!(tokens_match(token, token));
        for wrong in [
            &b""[..],
            b"s3cret",
            b"s3cret-token-for-test",
            b"s3cret-token-for-testsX",
            b"s3cret-token-for-tests\0",
            b"S3cret-token-for-tests",
        ] {
            assert!(!tokens_match(wrong, token), "{wrong:?}");
        }
    }
}
