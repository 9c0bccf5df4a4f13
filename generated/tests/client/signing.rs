//! The generated client signs with AK/SK in its hook (`csbs_auth::Credentials`), reqwest and
//! hyper send the request, and a loopback server checks it with `csbs_auth::signer::verify`
//! (the signer itself is checked against the vendor's vectors in `auth/tests/`).

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::Router;
use csbs_auth::signer::{self, Received, VerifyError, MAX_SKEW};
use csbs_client::{cbr, Credentials};
use std::sync::{Arc, Mutex};

/// The whole way: the generated client signs with AK/SK in its hook, reqwest and hyper send
/// the request, and a loopback server checks it with `signer::verify`.
#[tokio::test]
async fn the_generated_client_signs_what_the_verifier_accepts() {
    const AK: &str = "AKLOOPBACKTEST000000";
    const SK: &str = "sk-loopback-NOT-A-REAL-SECRET";
    let verdicts: Arc<Mutex<Vec<Result<String, String>>>> = Arc::default();
    let queries: Arc<Mutex<Vec<String>>> = Arc::default();
    let (record, record_query) = (verdicts.clone(), queries.clone());
    let app =
        Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (record, record_query) = (record.clone(), record_query.clone());
            async move {
                record_query.lock().unwrap().push(uri.query().unwrap_or("").to_owned());
                let lookup =
                    |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                let received = Received {
                    method: method.as_str(),
                    path: uri.path(),
                    query: uri.query().unwrap_or(""),
                    header: lookup,
                    body: &body,
                };
                let verdict = signer::verify(
                    &received,
                    |ak: &str| (ak == AK).then_some(SK),
                    chrono::Utc::now(),
                    MAX_SKEW,
                );
                let status =
                    if verdict.is_ok() { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
                record.lock().unwrap().push(verdict.map_err(|e| e.to_string()));
                (status, axum::Json(serde_json::json!({"backups": [], "count": 0})))
            }
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let base = format!("http://{addr}");

    let credentials = Credentials::AkSk {
        access_key: AK.into(),
        secret_key: SK.into(),
        project_id: Some("0605767b5780d5762fc5c0118072a564".into()),
    };
    let client = cbr::Client::new(&base, credentials);
    let list = client
        .list_cbr_backups()
        .project_id("0605767b5780d5762fc5c0118072a564")
        .status(vec![
            cbr::types::ListCbrBackupsStatusItem::Error,
            cbr::types::ListCbrBackupsStatusItem::Available,
        ])
        .resource_name("vm a+b:c é/1")
        .send()
        .await;
    assert!(list.is_ok(), "{:?} {:?}", list.err(), verdicts.lock().unwrap());
    // Sent in the canonical form, as the SDK sends it: sorted, a space as %20 and a '+' as %2B,
    // so a server reading '+' either way computes the same canonical query.
    assert_eq!(
        queries.lock().unwrap()[0],
        "resource_name=vm%20a%2Bb%3Ac%20%C3%A9%2F1&status=available&status=error"
    );

    let wrong = cbr::Client::new(
        &base,
        Credentials::AkSk { access_key: AK.into(), secret_key: "nope".into(), project_id: None },
    );
    assert!(wrong
        .list_cbr_backups()
        .project_id("0605767b5780d5762fc5c0118072a564")
        .send()
        .await
        .is_err());
    let verdicts = verdicts.lock().unwrap().clone();
    assert_eq!(verdicts, vec![Ok(AK.to_owned()), Err(VerifyError::SignatureMismatch.to_string())]);
}
