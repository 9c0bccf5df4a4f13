//! Marker pagination visits every item exactly once, whatever the sort and page size.

use crate::support::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn pages(
    mock: &Mock,
    runtime: &tokio::runtime::Handle,
    base: &str,
    key: &str,
    limit: usize,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..200 {
        let marker_query = marker.as_ref().map(|m| format!("&marker={m}")).unwrap_or_default();
        let answer = runtime.block_on(mock.get(&format!("{base}limit={limit}{marker_query}")));
        assert_eq!(answer.status, 200, "{}", answer.text);
        let items = answer.body[key].as_array().unwrap().clone();
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        match items.last() {
            Some(last) if items.len() == limit => {
                marker = Some(last["id"].as_str().unwrap().to_owned())
            }
            _ => break,
        }
    }
    seen
}

fn sort_strategy(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    let item = (prop::sample::select(keys), prop::sample::select(&["", ":asc", ":desc"][..]))
        .prop_map(|(k, d)| format!("{k}{d}"));
    prop::collection::vec(item, 0..3).prop_map(|items| items.join(","))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn marker_pages_cover_each_backup_once(count in 0usize..25, limit in 1usize..8, sort in sort_strategy(&["created_at", "updated_at", "name", "status", "protected_at", "id"])) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mock = runtime.block_on(Mock::start());
        for i in 0..count {
            runtime.block_on(mock.protect(&format!("srv-{}", i % 4)));
        }
        let sort_query = if sort.is_empty() { String::new() } else { format!("sort={sort}&") };
        for (base, key) in [(v1(&format!("/checkpoint_items?{sort_query}")), "checkpoint_items"), (v3(&format!("/backups?{sort_query}")), "backups")] {
            let seen = pages(&mock, runtime.handle(), &base, key, limit);
            let unique: BTreeSet<&String> = seen.iter().collect();
            prop_assert_eq!(seen.len(), count, "{} visits {} items", base, seen.len());
            prop_assert_eq!(unique.len(), count);
        }
    }

    #[test]
    fn marker_pages_cover_each_policy_once(count in 0usize..15, limit in 1usize..6, sort in sort_strategy(&["created_at", "name", "status", "id"])) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mock = runtime.block_on(Mock::start());
        for i in 0..count {
            runtime.block_on(mock.create_policy(&format!("p{}", i % 5 * 7 + i), &[]));
        }
        let sort_query = if sort.is_empty() { String::new() } else { format!("sort={sort}&") };
        let seen = pages(&mock, runtime.handle(), &v1(&format!("/policies?{sort_query}")), "policies", limit);
        prop_assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), count);
        prop_assert_eq!(seen.len(), count);
    }
}

/// The default order comes from an index; it must equal the general sort it stands for,
/// ties (backups of one policy run share their creation time) included.
#[tokio::test]
async fn the_indexed_default_order_is_the_sorted_one() {
    let mock = Mock::start().await;
    let policy = mock.create_policy("p", &["s1", "s2", "s3", "s4", "s5"]).await;
    let run = serde_json::json!({"checkpoint": {"plan_id": policy["id"], "parameters": {}}});
    for _ in 0..4 {
        mock.post(&v1(&format!("/providers/{PROVIDER}/checkpoints")), run.clone()).await;
    }
    let ids = |answer: Answer| -> Vec<String> {
        answer.body["checkpoint_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let indexed = ids(mock.get(&v1("/checkpoint_items")).await);
    let sorted = ids(mock.get(&v1("/checkpoint_items?sort=created_at:desc,id:asc")).await);
    assert_eq!(indexed.len(), 20);
    assert_eq!(indexed, sorted);
    let page = ids(mock
        .get(&v1(&format!("/checkpoint_items?limit=7&offset=2&marker={}", indexed[3])))
        .await);
    assert_eq!(page, indexed[6..13].to_vec());
}
