//! Tokens, projects and `all_tenants`.

use crate::support::*;
use csbs_spec::operations::all_operations;
use serde_json::{json, Map, Value};

fn sample_path(template: &str, project: &str) -> String {
    let mut values = Map::new();
    for name in [
        "project_id",
        "provider_id",
        "resource_id",
        "policy_id",
        "checkpoint_id",
        "checkpoint_item_id",
    ] {
        let value = match name {
            "project_id" => project,
            "provider_id" => PROVIDER,
            _ => "00000000-0000-0000-0000-000000000000",
        };
        values.insert(name.to_owned(), Value::from(value));
    }
    all_operations().find(|op| op.path == template).unwrap().render_path(&values)
}

#[tokio::test]
async fn every_operation_needs_a_token_and_its_own_project() {
    let mock = Mock::start().await;
    for op in all_operations() {
        let body = op.request_body.as_ref().map(|_| json!({}));
        let path = sample_path(&op.path, PROJECT);
        mock.call(&op.method, &path, None, body.clone()).await.expect_error(401, "APIGW.0301");
        mock.call(&op.method, &path, Some("not-a-token"), body.clone())
            .await
            .expect_error(401, "APIGW.0301");
        let foreign = sample_path(&op.path, OTHER_PROJECT);
        let answer = mock.call(&op.method, &foreign, Some(TOKEN), body).await;
        answer.expect_error(403, "APIGW.0302");
        assert!(!answer.text.contains(TOKEN), "answers never echo tokens");
    }
}

#[tokio::test]
async fn all_tenants_is_for_admins() {
    let mock = Mock::start().await;
    mock.protect("srv-user").await;
    mock.get(&v1("/checkpoint_items?all_tenants=true")).await.expect_error(403, "APIGW.0302");
    mock.get(&v1("/policies?all_tenants=true")).await.expect_error(403, "APIGW.0302");
    let own = mock.get(&v1("/checkpoint_items?all_tenants=false")).await;
    assert_eq!(own.body["checkpoint_items"].as_array().unwrap().len(), 1);
    let admin_path = format!("/v1/{ADMIN_PROJECT}/checkpoint_items");
    let just_own = mock.call("GET", &admin_path, Some(ADMIN_TOKEN), None).await;
    assert_eq!(just_own.body["checkpoint_items"].as_array().unwrap().len(), 0);
    let all =
        mock.call("GET", &format!("{admin_path}?all_tenants=true"), Some(ADMIN_TOKEN), None).await;
    assert_eq!(all.body["checkpoint_items"].as_array().unwrap().len(), 1);
    let count = mock
        .call("GET", &format!("{admin_path}/count?all_tenants=true"), Some(ADMIN_TOKEN), None)
        .await;
    assert_eq!(count.body["count"], 1);
}

#[tokio::test]
async fn without_configured_tokens_one_is_made_up_for_the_default_project() {
    let running = csbs_mock::spawn(csbs_mock::MockConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(running.tokens.len(), 1);
    let grant = &running.tokens[0];
    assert_eq!(grant.project_id, csbs_mock::DEFAULT_PROJECT_ID);
    let url = format!("{}/v3/{}/backups", running.base_url(), grant.project_id);
    let answer = csbs_auth::tls::client_builder()
        .build()
        .unwrap()
        .get(url)
        .header("X-Auth-Token", &grant.token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    running.shutdown().await;
}

#[tokio::test]
async fn beyond_the_request_budget_the_gateway_answers_429_with_retry_after() {
    let mock = Mock::with(|c| c.rate_limit = Some(2)).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(mock.get(&v1("/quotas")).await);
    }
    // Six requests in well under two seconds: at most two windows of two pass.
    let refused: Vec<&Answer> = statuses.iter().filter(|a| a.status == 429).collect();
    assert!(refused.len() >= 2, "{:?}", statuses.iter().map(|a| a.status).collect::<Vec<_>>());
    let answer = refused[0];
    answer.expect_error(429, "APIGW.0308");
    assert_eq!(answer.headers["retry-after"], "1");
}
