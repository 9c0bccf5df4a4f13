//! Marker pagination visits every item exactly once, whatever the sort and page size.

use crate::support::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn pages(mock: &Mock, runtime: &tokio::runtime::Handle, base: &str, key: &str, limit: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..200 {
        let marker_query = marker.as_ref().map(|m| format!("&marker={m}")).unwrap_or_default();
        let answer = runtime.block_on(mock.get(&format!("{base}limit={limit}{marker_query}")));
        assert_eq!(answer.status, 200, "{}", answer.text);
        let items = answer.body[key].as_array().unwrap().clone();
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        match items.last() {
            Some(last) if items.len() == limit => marker = Some(last["id"].as_str().unwrap().to_owned()),
            _ => break,
        }
    }
    seen
}

fn sort_strategy(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    let item = (prop::sample::select(keys), prop::sample::select(&["", ":asc", ":desc"][..])).prop_map(|(k, d)| format!("{k}{d}"));
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
