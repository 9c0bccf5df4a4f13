//! The real-service profile (`profiles/real-service.yaml`): it loads as a config file and
//! keeps the live service's proportions (see the file for the sources).

use csbs_mock::{ConfigFile, MockConfig};
use std::time::Duration;

#[test]
fn the_real_service_profile_loads_with_the_live_services_proportions() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/real-service.yaml");
    let mut config = MockConfig::default();
    ConfigFile::load(&path).expect("the profile is a valid config").apply(&mut config);
    // Backups and restores take minutes, deletions tens of seconds, a request tens of
    // milliseconds; the gateway has a budget.
    assert!(config.protect_delay >= Duration::from_secs(60), "{:?}", config.protect_delay);
    assert!(config.restore_delay >= Duration::from_secs(60), "{:?}", config.restore_delay);
    assert!((10..60).contains(&config.delete_delay.as_secs()), "{:?}", config.delete_delay);
    assert!((10..100).contains(&config.latency.as_millis()), "{:?}", config.latency);
    assert!(config.rate_limit.is_some());
    assert!(config.seed_examples);
}

#[test]
fn latency_is_a_config_key_and_a_flag_overrides_the_file() {
    let file: ConfigFile = serde_norway::from_str("latency_ms: 40").expect("a config");
    let mut config = MockConfig::default();
    file.apply(&mut config);
    assert_eq!(config.latency, Duration::from_millis(40));
    let flags = ConfigFile { latency_ms: Some(5), ..ConfigFile::default() };
    flags.apply(&mut config);
    assert_eq!(config.latency, Duration::from_millis(5));
}
