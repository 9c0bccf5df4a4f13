//! Scale: one project holding `SCALE_BACKUPS` backups (default 1,000,000), loaded through
//! the hidden bulk path; latency of pages of 100 by marker and of filtered counts over HTTP
//! on loopback, and resident memory per stored backup (VmRSS before and after loading).

use csbs_mock::{MockConfig, TokenGrant};
use std::time::{Duration, Instant};

// The allocator of the csbs-mock binary, so that memory per backup is what it uses.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROJECT: &str = "scale-project";
const TOKEN: &str = "scale-token";

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn timed(client: &reqwest::Client, url: &str) -> (Duration, serde_json::Value) {
    let start = Instant::now();
    let answer =
        client.get(url).header("X-Auth-Token", TOKEN).send().await.expect("the mock answers");
    assert_eq!(answer.status().as_u16(), 200, "{url}");
    let body = answer.json().await.expect("a JSON body");
    (start.elapsed(), body)
}

/// Median of five runs, in milliseconds.
async fn median_ms(client: &reqwest::Client, url: &str) -> (f64, serde_json::Value) {
    let mut times = Vec::new();
    let mut body = serde_json::Value::Null;
    for _ in 0..5 {
        let (t, b) = timed(client, url).await;
        times.push(t.as_secs_f64() * 1000.0);
        body = b;
    }
    times.sort_by(f64::total_cmp);
    (times[2], body)
}

#[tokio::main]
async fn main() {
    let count: usize =
        std::env::var("SCALE_BACKUPS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let config = MockConfig {
        listen: "127.0.0.1:0".parse().expect("an address"),
        tokens: vec![TokenGrant { token: TOKEN.into(), project_id: PROJECT.into(), admin: false }],
        ..MockConfig::default()
    };
    // The compiled contract (tens of MiB, made when a mock starts) is not per backup.
    csbs_spec::Contract::global();
    let before = rss_kib();
    let start = Instant::now();
    let mock = csbs_mock::bulk::spawn_with_backups(config, PROJECT, count, 1000)
        .await
        .expect("the mock starts");
    let loaded = start.elapsed();
    let after = rss_kib();
    println!("{count} backups of 1000 servers loaded in {:.1} s", loaded.as_secs_f64());
    println!(
        "VmRSS {} MiB -> {} MiB: {:.0} bytes per stored backup",
        before / 1024,
        after / 1024,
        (after - before) as f64 * 1024.0 / count as f64
    );

    let client = csbs_auth::tls::client_builder().build().expect("a client");
    let base = format!("{}/v1/{PROJECT}", mock.base_url());
    let (first_ms, first) = median_ms(&client, &format!("{base}/checkpoint_items?limit=100")).await;
    let items = first["checkpoint_items"].as_array().expect("a page");
    let marker = items.last().and_then(|b| b["id"].as_str()).unwrap_or_default().to_owned();
    println!("first page of 100 (newest first):        {first_ms:>8.1} ms");
    let (next_ms, _) =
        median_ms(&client, &format!("{base}/checkpoint_items?limit=100&marker={marker}")).await;
    println!("next page of 100 by marker:              {next_ms:>8.1} ms");
    let (sorted_ms, _) = median_ms(
        &client,
        &format!("{base}/checkpoint_items?limit=100&sort=name:asc&marker={marker}"),
    )
    .await;
    println!("page of 100 by marker, sort=name:asc:    {sorted_ms:>8.1} ms");
    let cbr = format!("{}/v3/{PROJECT}/backups?limit=100&marker={marker}", mock.base_url());
    let (cbr_ms, _) = median_ms(&client, &cbr).await;
    println!("CBR page of 100 by marker:               {cbr_ms:>8.1} ms");
    for query in
        ["status=available", "resource_id=bulk-server-000042", "name=bulk_09&status=available"]
    {
        let (ms, body) =
            median_ms(&client, &format!("{base}/checkpoint_items/count?{query}")).await;
        println!("count?{query:<32} {ms:>8.1} ms  (count {})", body["count"]);
    }
    mock.shutdown().await;
}
