//! AK/SK signatures (SDK-HMAC-SHA256): requests signed by the generated client and by hand are
//! accepted and scoped like a token of the key's project; a wrong secret key, an unknown access
//! key, a stale `X-Sdk-Date`, a tampered body or query are answered 401 with the documented
//! error body, saying why and never echoing a secret.

use crate::support::*;
use chrono::{Duration, Utc};
use csbs_auth::signer::{self, SigningInput, DATE_FORMAT};
use csbs_client::{cbr, csbs, Credentials};
use csbs_mock::KeyGrant;
use serde_json::Value;

const AK: &str = "AKMOCKTESTNOTAREAL01";
const SK: &str = "sk-mock-test-NOT-A-SECRET-7c1e09";
const OTHER_AK: &str = "AKMOCKTESTNOTAREAL02";
const OTHER_SK: &str = "sk-mock-test-NOT-A-SECRET-other-3b";
const UNAUTHORIZED: &str = "APIGW.0301";
const FORBIDDEN: &str = "APIGW.0302";

fn keys() -> Vec<KeyGrant> {
    vec![
        KeyGrant {
            access_key: AK.into(),
            secret_key: SK.into(),
            project_id: PROJECT.into(),
            admin: false,
        },
        KeyGrant {
            access_key: OTHER_AK.into(),
            secret_key: OTHER_SK.into(),
            project_id: OTHER_PROJECT.into(),
            admin: false,
        },
    ]
}

async fn mock() -> Mock {
    Mock::with(|c| c.aksk = keys()).await
}

fn aksk(access_key: &str, secret_key: &str) -> Credentials {
    Credentials::AkSk {
        access_key: access_key.into(),
        secret_key: secret_key.into(),
        project_id: Some(PROJECT.into()),
    }
}

/// A request signed by the client crate's credentials as if at `at`.
fn signed_at(
    mock: &Mock,
    method: &str,
    path: &str,
    body: Option<&Value>,
    credentials: &Credentials,
    at: chrono::DateTime<Utc>,
) -> reqwest::Request {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut builder =
        mock.http.request(method, mock.url(path)).header("Accept", "application/json");
    if let Some(body) = body {
        builder = builder.header("Content-Type", "application/json").body(body.to_string());
    }
    let mut request = builder.build().unwrap();
    credentials.apply_at(&mut request, at).expect("the request can be signed");
    request
}

fn signed(
    mock: &Mock,
    method: &str,
    path: &str,
    body: Option<&Value>,
    credentials: &Credentials,
) -> reqwest::Request {
    signed_at(mock, method, path, body, credentials, Utc::now())
}

/// A 401 with the documented body whose message names `reason` and shows no secret key.
fn expect_refused(answer: &Answer, reason: &str) {
    answer.expect_error(401, UNAUTHORIZED);
    assert!(answer.message().contains(reason), "{}", answer.message());
    assert!(!answer.text.contains(SK) && !answer.text.contains(OTHER_SK), "{}", answer.text);
}

#[tokio::test]
async fn requests_signed_by_the_generated_client_are_accepted() {
    let mock = mock().await;
    mock.protect("srv-signed").await;
    let base = mock.running.base_url();
    let client = csbs::Client::new(&base, aksk(AK, SK));
    let body = policy_body("signed", &["srv-a"]);
    let created = client
        .create_policy()
        .project_id(PROJECT)
        .body(serde_json::from_value::<csbs::types::PolicyCreateRequest>(body).unwrap())
        .send()
        .await;
    assert_eq!(created.expect("a signed POST with a JSON body").status().as_u16(), 200);
    let listed = client
        .list_policies()
        .project_id(PROJECT)
        .sort("name:asc")
        .send()
        .await
        .expect("a signed GET with a query");
    assert_eq!(listed.into_inner().policies.len(), 1);

    let cbr_client = cbr::Client::new(&base, aksk(AK, SK));
    let statuses = vec![
        cbr::types::ListCbrBackupsStatusItem::Available,
        cbr::types::ListCbrBackupsStatusItem::Error,
    ];
    let page = cbr_client
        .list_cbr_backups()
        .project_id(PROJECT)
        .status(statuses)
        .limit(10)
        .send()
        .await
        .expect("repeated status");
    assert_eq!(serde_json::to_value(page.into_inner()).unwrap()["count"], 1);

    let wrong = csbs::Client::new(&base, aksk(AK, "not-the-secret-key"));
    match wrong.list_policies().project_id(PROJECT).send().await {
        Err(csbs::Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status().as_u16(), 401);
            assert_eq!(answer.into_inner().error_code, UNAUTHORIZED);
        }
        other => panic!("a wrong secret key must be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn hand_built_signed_requests_are_accepted() {
    let mock = mock().await;
    let body = policy_body("by-hand", &["srv-b"]).to_string();
    let date = Utc::now().format(DATE_FORMAT).to_string();
    let host = mock.running.addr.to_string();
    let path = v1("/policies");
    let headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("host".to_owned(), host),
        ("x-sdk-date".to_owned(), date.clone()),
    ];
    let input =
        SigningInput { method: "POST", path: &path, query: vec![], headers, body: body.as_bytes() };
    let authorization = signer::authorization(AK, SK, &input, &date);
    let request = mock
        .http
        .post(mock.url(&path))
        .header("Content-Type", "application/json")
        .header("X-Sdk-Date", &date)
        .header("Authorization", &authorization)
        .body(body.clone());
    let answer = mock.send(request).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["policy"]["name"], "by-hand");

    // The same, with a query signed in its canonical form but sent as written.
    let date = Utc::now().format(DATE_FORMAT).to_string();
    let headers = vec![
        ("host".to_owned(), mock.running.addr.to_string()),
        ("x-sdk-date".to_owned(), date.clone()),
    ];
    let query =
        vec![("sort".to_owned(), "name:asc".to_owned()), ("limit".to_owned(), "5".to_owned())];
    let input = SigningInput { method: "GET", path: &path, query, headers, body: b"" };
    let authorization = signer::authorization(AK, SK, &input, &date);
    let request = mock
        .http
        .get(mock.url(&format!("{path}?sort=name:asc&limit=5")))
        .header("X-Sdk-Date", &date)
        .header("Authorization", authorization);
    let answer = mock.send(request).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["policies"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_wrong_secret_key_is_refused() {
    let mock = mock().await;
    let answer =
        mock.send_built(signed(&mock, "GET", &v1("/policies"), None, &aksk(AK, "sk-wrong"))).await;
    expect_refused(&answer, "signature_mismatch");
    // Another known key's secret is just as wrong.
    let answer =
        mock.send_built(signed(&mock, "GET", &v1("/policies"), None, &aksk(AK, OTHER_SK))).await;
    expect_refused(&answer, "signature_mismatch");
}

#[tokio::test]
async fn an_unknown_access_key_is_refused() {
    let mock = mock().await;
    let answer = mock
        .send_built(signed(&mock, "GET", &v1("/policies"), None, &aksk("AKNOBODYKNOWS", SK)))
        .await;
    expect_refused(&answer, "unknown_access_key");
    assert!(
        answer.message().contains("AKNOBODYKNOWS"),
        "the access key is named: {}",
        answer.message()
    );
}

#[tokio::test]
async fn a_stale_sdk_date_is_refused() {
    let mock = mock().await;
    let path = v3("/backups");
    for minutes in [-16, 16, -60 * 24] {
        let at = Utc::now() + Duration::minutes(minutes);
        let answer = mock.send_built(signed_at(&mock, "GET", &path, None, &aksk(AK, SK), at)).await;
        expect_refused(&answer, "stale_date");
    }
    // Within 15 minutes either way is fine.
    for minutes in [-14, 14] {
        let at = Utc::now() + Duration::minutes(minutes);
        let answer = mock.send_built(signed_at(&mock, "GET", &path, None, &aksk(AK, SK), at)).await;
        assert_eq!(answer.status, 200, "{minutes} min: {}", answer.text);
    }
}

#[tokio::test]
async fn a_tampered_body_is_refused() {
    let mock = mock().await;
    let body = policy_body("original", &["srv-c"]);
    let mut request = signed(&mock, "POST", &v1("/policies"), Some(&body), &aksk(AK, SK));
    let tampered = body.to_string().replace("original", "tampered");
    *request.body_mut() = Some(tampered.into());
    expect_refused(&mock.send_built(request).await, "signature_mismatch");
    // Nothing was created; the untouched request goes through.
    assert_eq!(mock.get(&v1("/policies")).await.body["policies"].as_array().unwrap().len(), 0);
    let answer =
        mock.send_built(signed(&mock, "POST", &v1("/policies"), Some(&body), &aksk(AK, SK))).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

#[tokio::test]
async fn a_tampered_query_is_refused() {
    let mock = mock().await;
    let path = v3("/backups?limit=1&status=available");
    for tampered in [
        "limit=2&status=available",
        "limit=1&status=available&status=error",
        "limit=1",
        "limit=1&status=available&x=1",
    ] {
        let mut request = signed(&mock, "GET", &path, None, &aksk(AK, SK));
        request.url_mut().set_query(Some(tampered));
        expect_refused(&mock.send_built(request).await, "signature_mismatch");
    }
    // A path or method other than the signed one is as wrong.
    let mut request = signed(&mock, "GET", &v3("/backups"), None, &aksk(AK, SK));
    request.url_mut().set_path(&v1("/policies"));
    expect_refused(&mock.send_built(request).await, "signature_mismatch");
    let mut request = signed(&mock, "GET", &path, None, &aksk(AK, SK));
    assert_eq!(mock.send_built(request.try_clone().unwrap()).await.status, 200);
    *request.method_mut() = reqwest::Method::DELETE;
    request.url_mut().set_path(&v1("/policies/00000000-0000-0000-0000-000000000000"));
    expect_refused(&mock.send_built(request).await, "signature_mismatch");
}

#[tokio::test]
async fn a_key_is_bound_to_its_project() {
    let mock = mock().await;
    // A correct signature for the path of another project: 403, as for a token.
    let other = format!("/v1/{OTHER_PROJECT}/policies");
    let keys = Credentials::AkSk { access_key: AK.into(), secret_key: SK.into(), project_id: None };
    let answer = mock.send_built(signed(&mock, "GET", &other, None, &keys)).await;
    answer.expect_error(403, FORBIDDEN);
    assert!(answer.message().contains("access key"), "{}", answer.message());
    // The other key reads its own project, not this one.
    let other_keys = Credentials::AkSk {
        access_key: OTHER_AK.into(),
        secret_key: OTHER_SK.into(),
        project_id: Some(OTHER_PROJECT.into()),
    };
    assert_eq!(mock.send_built(signed(&mock, "GET", &other, None, &other_keys)).await.status, 200);
    mock.send_built(signed(&mock, "GET", &v1("/policies"), None, &other_keys))
        .await
        .expect_error(403, FORBIDDEN);
    // A signed X-Project-Id that is not the key's project.
    let claims_other = Credentials::AkSk {
        access_key: AK.into(),
        secret_key: SK.into(),
        project_id: Some(OTHER_PROJECT.into()),
    };
    mock.send_built(signed(&mock, "GET", &v1("/policies"), None, &claims_other))
        .await
        .expect_error(403, FORBIDDEN);
    // all_tenants=true needs an admin key.
    mock.send_built(signed(&mock, "GET", &v1("/policies?all_tenants=true"), None, &aksk(AK, SK)))
        .await
        .expect_error(403, FORBIDDEN);
}

#[tokio::test]
async fn unsigned_or_garbled_authorization_is_refused() {
    let mock = mock().await;
    let path = v1("/policies");
    mock.call("GET", &path, None, None).await.expect_error(401, UNAUTHORIZED);
    let garbled =
        mock.http.get(mock.url(&path)).header("Authorization", "SDK-HMAC-SHA256 Access=AK");
    expect_refused(&mock.send(garbled).await, "malformed_authorization");
    let mut no_date = signed(&mock, "GET", &path, None, &aksk(AK, SK));
    no_date.headers_mut().remove("x-sdk-date");
    expect_refused(&mock.send_built(no_date).await, "missing_date");
    // A token still works beside the keys.
    assert_eq!(mock.get(&path).await.status, 200);
}

#[tokio::test]
async fn only_keys_configured_makes_no_token_up_and_seeds_their_projects() {
    let config = csbs_mock::MockConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        aksk: keys(),
        seed_examples: true,
        ..Default::default()
    };
    let running = csbs_mock::spawn(config).await.unwrap();
    assert!(running.tokens.is_empty());
    let client = cbr::Client::new(&running.base_url(), aksk(AK, SK));
    let page = client
        .list_cbr_backups()
        .project_id(PROJECT)
        .send()
        .await
        .expect("the seeded project answers");
    assert!(serde_json::to_value(page.into_inner()).unwrap()["count"].as_u64().unwrap() > 0);
    running.shutdown().await;
}
