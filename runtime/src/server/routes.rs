//! What each path answers. No business logic: it asks `Vitals` and shapes the response.

use std::convert::Infallible;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::Vitals;

/// The content type of the Prometheus text format.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub(super) async fn handle(
    vitals: Vitals,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let head = req.method() == Method::HEAD;
    let response = match req.uri().path() {
        "/metrics" if req.method() == Method::GET || head => {
            // Rendering walks every series: keep it off the reactor's worker threads.
            let body = tokio::task::spawn_blocking(move || vitals.render()).await;
            match body {
                Ok(text) => text_response(StatusCode::OK, PROMETHEUS_CONTENT_TYPE, text),
                Err(_) => text_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    PLAIN,
                    "render failed\n".into(),
                ),
            }
        }
        "/metrics" => {
            let mut r = text_response(
                StatusCode::METHOD_NOT_ALLOWED,
                PLAIN,
                "method not allowed\n".into(),
            );
            r.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            r
        }
        // The path is never echoed back: nothing a client sends is reflected.
        _ => text_response(StatusCode::NOT_FOUND, PLAIN, "not found\n".into()),
    };
    Ok(if head { strip_body(response) } else { response })
}

const PLAIN: &str = "text/plain; charset=utf-8";

fn text_response(
    status: StatusCode,
    content_type: &'static str,
    body: String,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn strip_body(response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    let (parts, _) = response.into_parts();
    Response::from_parts(parts, Full::new(Bytes::new()))
}
