//! Where the vendor documents are (`../shared/seeds`): the tests of every crate that compares
//! the spec with them find them here, and a clone without them still passes.
//!
//! The folder is `$CSBS_SEEDS_DIR` if set, else `<workspace root>/../shared/seeds`. When it is
//! absent, a test that needs it prints `skipped <test>: vendor documents not found at <path>
//! (set CSBS_SEEDS_DIR)` and returns, unless `CSBS_REQUIRE_SEEDS=1` (CI sets it), which makes the
//! test fail instead, so the comparisons never stop running silently.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The folder of the vendor documents, from the value of `CSBS_SEEDS_DIR` (if any) and the
/// workspace root.
pub fn locate(seeds_dir: Option<OsString>, workspace_root: &Path) -> PathBuf {
    match seeds_dir {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        // `<root>/../shared/seeds`, written without the `..` so that messages are plain.
        _ => match workspace_root.parent() {
            Some(beside) => beside.join("shared/seeds"),
            None => workspace_root.join("../shared/seeds"),
        },
    }
}

/// What a test does about the documents: read them, skip (printing why), or fail.
#[derive(Debug, PartialEq)]
pub enum Availability {
    Present,
    Skip(String),
    Missing(String),
}

/// Decides from whether the folder exists and the value of `CSBS_REQUIRE_SEEDS`; a skip names
/// `test`, so that a run's skip lines say which tests did not compare.
pub fn decide(dir: &Path, exists: bool, require: Option<OsString>, test: &str) -> Availability {
    if exists {
        return Availability::Present;
    }
    let shown = dir.display();
    if require.as_deref().is_some_and(|v| v == "1") {
        Availability::Missing(format!(
            "vendor documents not found at {shown}, and CSBS_REQUIRE_SEEDS=1 requires them \
             (set CSBS_SEEDS_DIR to their folder)"
        ))
    } else {
        Availability::Skip(format!(
            "skipped {test}: vendor documents not found at {shown} (set CSBS_SEEDS_DIR)"
        ))
    }
}

/// The folder of the vendor documents for this checkout (whether or not it exists).
pub fn dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().unwrap_or(manifest);
    locate(std::env::var_os("CSBS_SEEDS_DIR"), root)
}

/// True when the documents are there. Otherwise prints the skip line (naming the calling
/// test) and answers false, or panics when `CSBS_REQUIRE_SEEDS=1`.
#[track_caller]
pub fn available() -> bool {
    let dir = dir();
    let test = caller();
    match decide(&dir, dir.is_dir(), std::env::var_os("CSBS_REQUIRE_SEEDS"), &test) {
        Availability::Present => true,
        Availability::Skip(line) => {
            println!("{line}");
            false
        }
        Availability::Missing(message) => panic!("{message}"),
    }
}

/// The test that called: its name, as the test harness names the thread it runs each test
/// on, else (a test on the main thread) the file and line it called from.
#[track_caller]
fn caller() -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_owned(),
        _ => std::panic::Location::caller().to_string(),
    }
}

/// The text of one document; call [`available`] first. A document missing from a folder that
/// exists is an error, whatever the variables say.
pub fn read(document: &str) -> String {
    let path = dir().join(document);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read the vendor document {}: {e} (set CSBS_SEEDS_DIR)", path.display())
    })
}

pub const ALL: [&str; 5] = [
    "000_4809adb80e0ea2cd.txt",
    "001_463ed4b7a451d002.txt",
    "002_c583bb78bba21bc5.txt",
    "003_1ba18333ba32425a.txt",
    "004_2d09f3b3e42cc2b5.txt",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_is_the_variable_or_shared_beside_the_workspace() {
        let root = Path::new("/work/repo");
        assert_eq!(locate(Some("/docs".into()), root), PathBuf::from("/docs"));
        assert_eq!(locate(None, root), PathBuf::from("/work/shared/seeds"));
        assert_eq!(locate(Some("".into()), root), PathBuf::from("/work/shared/seeds"));
    }

    #[test]
    fn an_absent_folder_skips_unless_the_documents_are_required() {
        let dir = Path::new("/nowhere/seeds");
        let test = "doc_drift::every_document_parses";
        assert_eq!(decide(dir, true, Some("1".into()), test), Availability::Present);
        assert_eq!(
            decide(dir, false, None, test),
            Availability::Skip(
                "skipped doc_drift::every_document_parses: vendor documents not found at \
                 /nowhere/seeds (set CSBS_SEEDS_DIR)"
                    .into()
            )
        );
        assert!(matches!(decide(dir, false, Some("0".into()), test), Availability::Skip(_)));
        let Availability::Missing(message) = decide(dir, false, Some("1".into()), test) else {
            panic!("CSBS_REQUIRE_SEEDS=1 must fail when the folder is absent");
        };
        assert!(message.contains("/nowhere/seeds") && message.contains("CSBS_REQUIRE_SEEDS=1"));
    }

    #[test]
    fn the_skip_line_names_the_test_that_called() {
        // The harness runs each test on a thread named after it; 23 identical skip lines once
        // did not say which tests had not compared.
        assert_eq!(caller(), "seeds::tests::the_skip_line_names_the_test_that_called");
        // (Through a closure: a `#[track_caller]` function passed as a value reports the shim.)
        let elsewhere = std::thread::spawn(|| caller()).join().unwrap();
        assert!(elsewhere.starts_with(file!()), "{elsewhere}");
    }
}
