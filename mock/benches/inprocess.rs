//! CPU per request without the network: the mock's router and a bare axum handler answering
//! the same bodies, called in-process (`tower::ServiceExt::oneshot`), one thread.

mod fixture;

use axum::body::{Body, Bytes};
use axum::http::Request;
use fixture::{bare_router, config, create_path, list_path, CREATE_BODY, TOKEN};
use std::time::Instant;
use tower::ServiceExt;

fn req(method: &str, path: &str, body: &'static str) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path).header("X-Auth-Token", TOKEN).header("Host", "127.0.0.1:1");
    if !body.is_empty() {
        b = b.header("Content-Type", "application/json").header("Content-Length", body.len());
    }
    b.body(Body::from(body)).unwrap()
}

async fn call(router: &axum::Router, r: Request<Body>) -> Bytes {
    let resp = router.clone().oneshot(r).await.unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap()
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let n: u32 = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    rt.block_on(async {
        let mock = csbs_mock::router(config());
        let create_path = create_path();
        let create_body = CREATE_BODY;
        for _ in 0..20 {
            call(&mock, req("POST", &create_path, create_body)).await;
        }
        let list = list_path(1);
        let list_body = call(&mock, req("GET", &list, "")).await;
        let create_answer = call(&mock, req("POST", &create_path, create_body)).await;
        let bare = bare_router(vec![(1, list_body)], create_answer);
        // `cargo bench --bench inprocess -- create` runs the lines whose label has "create".
        let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
        let time = |label: &'static str, router: axum::Router, method: &'static str, path: String, body: &'static str| {
            let skip = filter.as_ref().is_some_and(|f| !label.contains(f.as_str()));
            async move {
                if skip {
                    return;
                }
                let (start, allocations) = (Instant::now(), fixture::allocations());
                for _ in 0..n {
                    call(&router, req(method, &path, body)).await;
                }
                let us = start.elapsed().as_secs_f64() * 1e6 / n as f64;
                let per_request = (fixture::allocations() - allocations) as f64 / n as f64;
                // Allocations include the bench's own (building the request, reading the answer).
                println!("{label:<14} {us:>7.2} µs/request {per_request:>7.1} allocations/request");
            }
        };
        time("list mock", mock.clone(), "GET", list.clone(), "").await;
        time("list bare", bare.clone(), "GET", "/list/1".into(), "").await;
        time("create mock", mock.clone(), "POST", create_path.clone(), create_body).await;
        time("create bare", bare.clone(), "POST", "/create".into(), create_body).await;
    });
}
