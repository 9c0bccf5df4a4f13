//! The faults an adversary's endpoints slipped past the dedicated checks (issue 20's breaker
//! report), each broken on its own in front of the mock: the dedicated check that the spec's
//! rule belongs to fails by name, whatever the model part's seed. The unbroken mock passes
//! them in `behaviour.rs`.

use crate::behaviour::{assert_each_fails, on, untouched, Rewrite, Tamper};
use csbs_conformance::Check;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_missed_fault_fails_its_check() {
    let cases: Vec<(Rewrite, Tamper, &str, Check, &str)> = vec![
        // listBackups `status=error` ignored; every other status filters (breaker f30).
        (
            on("listBackups", |s| {
                if s.query("status") == ["error"] {
                    s.drop_query("status");
                }
            }),
            untouched(),
            "listBackups",
            Check::FilterConformance,
            "status=error",
        ),
        // countBackups `status=deleted` ignored.
        (
            on("countBackups", |s| {
                if s.query("status") == ["deleted"] {
                    s.drop_query("status");
                }
            }),
            untouched(),
            "countBackups",
            Check::FilterConformance,
            "status=deleted",
        ),
    ];
    assert_each_fails(cases).await;
}
