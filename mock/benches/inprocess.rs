//! CPU per request without the network: the mock's router and a bare axum handler answering
//! the same bodies, called in-process (`tower::ServiceExt::oneshot`), one thread.

use axum::body::{Body, Bytes};
use axum::http::Request;
use axum::routing::{get, post};
use csbs_mock::{MockConfig, Quotas, TokenGrant};
use std::time::Instant;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use tower::ServiceExt;

const PROJECT: &str = "bench-project";
const TOKEN: &str = "bench-token";
const PROVIDER: &str = "fc4d5750-22e7-4798-8a46-f48f62c4c1da";

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
        let config = MockConfig {
            tokens: vec![TokenGrant { token: TOKEN.into(), project_id: PROJECT.into(), admin: false }],
            quotas: Quotas { backups: -1, backup_capacity_gb: -1 },
            ..MockConfig::default()
        };
        let mock = csbs_mock::router(config);
        let create_path = format!("/v1/{PROJECT}/providers/{PROVIDER}/resources/bench-server/action");
        let create_body = r#"{"protect": {"backup_name": "bench", "description": "throughput"}}"#;
        for _ in 0..20 {
            call(&mock, req("POST", &create_path, create_body)).await;
        }
        let list = format!("/v1/{PROJECT}/checkpoint_items?limit=1");
        let list_body = call(&mock, req("GET", &list, "")).await;
        let create_answer = call(&mock, req("POST", &create_path, create_body)).await;
        let json = |body: Bytes| ([(axum::http::header::CONTENT_TYPE, "application/json")], body);
        let lb = list_body.clone();
        let bare = axum::Router::new()
            .route("/create", post(move |_: Bytes| std::future::ready(json(create_answer.clone()))))
            .route("/list", get(move || std::future::ready(json(lb.clone()))));
        // `cargo bench --bench inprocess -- create` runs the lines whose label has "create".
        let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
        let time = |label: &'static str, router: axum::Router, method: &'static str, path: String, body: &'static str| {
            let skip = filter.as_ref().is_some_and(|f| !label.contains(f.as_str()));
            async move {
                if skip {
                    return;
                }
                let start = Instant::now();
                for _ in 0..n {
                    call(&router, req(method, &path, body)).await;
                }
                let us = start.elapsed().as_secs_f64() * 1e6 / n as f64;
                println!("{label:<14} {us:>7.2} µs/request");
            }
        };
        time("list mock", mock.clone(), "GET", list.clone(), "").await;
        time("list bare", bare.clone(), "GET", "/list".into(), "").await;
        time("create mock", mock.clone(), "POST", create_path.clone(), create_body).await;
        time("create bare", bare.clone(), "POST", "/create".into(), create_body).await;
    });
}
