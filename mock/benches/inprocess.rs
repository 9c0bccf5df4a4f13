//! CPU per request without the network: the mock's service and a bare axum handler answering
//! the same bodies, called in-process (`tower::ServiceExt::oneshot`), one thread.

mod fixture;

use axum::body::{Body, Bytes};
use axum::http::Request;
use axum::response::Response;
use fixture::{bare_router, config, create_path, list_path, CREATE_BODY, TOKEN};
use std::convert::Infallible;
use std::time::Instant;
use tower::{Service, ServiceExt};

fn req(method: &str, path: &str, body: &'static str) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("X-Auth-Token", TOKEN)
        .header("Host", "127.0.0.1:1");
    if !body.is_empty() {
        b = b.header("Content-Type", "application/json").header("Content-Length", body.len());
    }
    b.body(Body::from(body)).unwrap()
}

/// What both sides are: the mock's service and the bare axum router.
trait Answers: Service<Request<Body>, Response = Response, Error = Infallible> + Clone {}
impl<T: Service<Request<Body>, Response = Response, Error = Infallible> + Clone> Answers for T {}

async fn call(service: &impl Answers, r: Request<Body>) -> Bytes {
    let resp = service.clone().oneshot(r).await.unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap()
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let n: u32 = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    rt.block_on(async {
        let mock = csbs_mock::service(config()).expect("an in-memory mock starts");
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
        let time = Timing { n, filter };
        time.run("list mock", &mock, "GET", &list, "").await;
        time.run("list bare", &bare, "GET", "/list/1", "").await;
        time.run("create mock", &mock, "POST", &create_path, create_body).await;
        time.run("create bare", &bare, "POST", "/create", create_body).await;
    });
}

struct Timing {
    n: u32,
    filter: Option<String>,
}

impl Timing {
    /// Times `n` calls and prints the time and allocations per call, unless filtered out.
    async fn run(
        &self,
        label: &str,
        service: &impl Answers,
        method: &str,
        path: &str,
        body: &'static str,
    ) {
        if self.filter.as_ref().is_some_and(|f| !label.contains(f.as_str())) {
            return;
        }
        let (start, allocations) = (Instant::now(), fixture::allocations());
        for _ in 0..self.n {
            call(service, req(method, path, body)).await;
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(self.n);
        let per_request = (fixture::allocations() - allocations) as f64 / f64::from(self.n);
        // Allocations include the bench's own (building the request, reading the answer).
        println!("{label:<14} {us:>7.2} µs/request {per_request:>7.1} allocations/request");
    }
}
