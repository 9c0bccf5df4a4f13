//! Access to the vendor documents in `../shared/seeds/` (beside the repository), which the
//! tests compare the spec with. Nothing outside the tests reads them.

use std::path::PathBuf;

pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds")
}

pub fn read(document: &str) -> String {
    let path = dir().join(document);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the vendor document {}: {e} (../shared must sit beside the repository)",
            path.display()
        )
    })
}

pub const ALL: [&str; 5] = [
    "000_4809adb80e0ea2cd.txt",
    "001_463ed4b7a451d002.txt",
    "002_c583bb78bba21bc5.txt",
    "003_1ba18333ba32425a.txt",
    "004_2d09f3b3e42cc2b5.txt",
];
