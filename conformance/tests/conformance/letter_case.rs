//! Request enums and sort keys are closed and exact (CONVENTIONS "Request enums are closed";
//! `x-sort`): an endpoint that reads them in any letter case (breaker g02 `status=AVAILABLE`,
//! g03 `sort=NAME:ASC`) fails negative_data_rejection, which draws documented values in
//! another letter case among its invalid inputs.

use crate::support::{bounded, mock, proxied_options, proxy_rewriting};
use csbs_conformance::properties::PropertyOptions;
use csbs_conformance::{run_suite, Check, Phase, RunOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_reading_enums_and_sorts_in_any_case_fails_negative_data_rejection() {
    let mock = mock().await;
    let upstream = mock.base_url().trim_end_matches('/').to_owned();
    // The endpoint folds the case of `status` and `sort` before it reads them.
    let proxy = proxy_rewriting(
        upstream,
        |s| {
            for key in ["status", "sort"] {
                if let Some(value) = s.query(key).first().map(|v| v.to_lowercase()) {
                    s.set_query(key, &value);
                }
            }
        },
        |_| {},
    )
    .await;
    let options = RunOptions {
        only: vec![Phase::Properties],
        properties: PropertyOptions {
            cases: 60,
            seed: Some(3),
            operations: vec!["countBackups".into(), "listPolicies".into()],
            ..PropertyOptions::default()
        },
        ..proxied_options(&proxy.url)
    };
    let report = bounded(run_suite(options)).await.expect("the proxy is reachable");
    drop(proxy);
    mock.shutdown().await;
    for (operation, rule) in
        [("countBackups", "query.status enum"), ("listPolicies", "query.sort pattern")]
    {
        let found = report.failures().find(|r| {
            r.check == Check::NegativeDataRejection
                && r.operation == operation
                && r.failure.as_ref().is_some_and(|f| f.rule == rule)
        });
        assert!(found.is_some(), "expected {rule} of {operation} to fail:\n{}", report.summary());
    }
}
