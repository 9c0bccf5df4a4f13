//! The vendor documents, found the way every crate's tests find them: in `$CSBS_SEEDS_DIR`
//! if set, else in `<workspace root>/../shared/seeds`. Where the folder is absent a test
//! prints one line and returns, unless `CSBS_REQUIRE_SEEDS=1` (CI), which makes it fail.

use std::path::PathBuf;

pub const ALL: [&str; 5] = [
    "000_4809adb80e0ea2cd.txt",
    "001_463ed4b7a451d002.txt",
    "002_c583bb78bba21bc5.txt",
    "003_1ba18333ba32425a.txt",
    "004_2d09f3b3e42cc2b5.txt",
];

/// The folder of the vendor documents, or `None` (after printing why) when a test should
/// skip.
pub fn dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("CSBS_SEEDS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CSBS_REQUIRE_SEEDS").as_deref() == Ok("1") {
        panic!("vendor documents not found at {} (CSBS_REQUIRE_SEEDS=1)", dir.display());
    }
    println!("skipped: vendor documents not found at {} (set CSBS_SEEDS_DIR)", dir.display());
    None
}

/// The text of one document of `dir`.
pub fn read(dir: &std::path::Path, name: &str) -> String {
    let path = dir.join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the vendor document {}: {e}", path.display()))
}
