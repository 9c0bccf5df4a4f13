//! The baseline of CI's breaking-change check and the acknowledgement of breaking changes,
//! both read from `spec/CHANGELOG.md`.
//!
//! CI runs on a fresh clone of the branch that landed, possibly without a remote or tags, so
//! the merge base of a change cannot be known there. The baseline is therefore the commit
//! the CHANGELOG records for the last release (`Release commit: <sha>`), resolved from the
//! clone's own history (`CSBS_SPEC_BASE` overrides it, for a CI that knows its merge base).
//! When that commit is not in the history (a shallow clone), the check fails and says so.
//!
//! A breaking change is acknowledged when the `## Unreleased` section names its subject
//! (the `operationId`, or `x-error-codes` and the like for document-level changes) in
//! backquotes.

use crate::diff::change::Change;
use std::path::Path;
use std::process::Command;

/// What the CHANGELOG says.
#[derive(Debug, PartialEq)]
pub struct Changelog {
    /// The commit of the last release.
    pub baseline: Option<String>,
    /// The text of the `## Unreleased` section.
    pub unreleased: String,
}

/// Reads the CHANGELOG: the first `Release commit:` line after `## Unreleased` and the
/// text of that section.
pub fn parse(text: &str) -> Changelog {
    let mut unreleased = String::new();
    let mut in_unreleased = false;
    let mut baseline = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            in_unreleased = heading.trim().eq_ignore_ascii_case("unreleased");
            continue;
        }
        if in_unreleased {
            unreleased.push_str(line);
            unreleased.push('\n');
        } else if baseline.is_none() {
            if let Some(rest) = line.trim().strip_prefix("Release commit:") {
                let sha: String = rest
                    .trim()
                    .trim_matches('`')
                    .chars()
                    .take_while(char::is_ascii_hexdigit)
                    .collect();
                if sha.len() >= 7 {
                    baseline = Some(sha);
                }
            }
        }
    }
    Changelog { baseline, unreleased }
}

/// Breaking changes whose subject the unreleased section does not name.
pub fn unacknowledged<'a>(changes: &'a [Change], unreleased: &str) -> Vec<&'a Change> {
    changes
        .iter()
        .filter(|c| c.breaks.any())
        .filter(|c| !unreleased.contains(&format!("`{}`", c.subject())))
        .collect()
}

/// Why the baseline document could not be had.
#[derive(Debug)]
pub struct BaselineError(pub String);

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BaselineError {}

fn git(root: &Path, args: &[&str]) -> Result<std::process::Output, BaselineError> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| BaselineError(format!("cannot run git: {e}")))
}

/// The text of `file` (relative to the repository) at `commit`, or `None` when the file
/// did not exist then. Fails when the commit is not in this clone's history.
pub fn file_at(root: &Path, commit: &str, file: &str) -> Result<Option<String>, BaselineError> {
    let found = git(root, &["rev-parse", "--verify", "--quiet", &format!("{commit}^{{commit}}")])?;
    if !found.status.success() {
        return Err(BaselineError(format!(
            "the baseline commit {commit} is not in this clone's history (a shallow clone? run \
             `git fetch --unshallow`, or set CSBS_SPEC_BASE to a commit this clone has)"
        )));
    }
    let shown = git(root, &["show", &format!("{commit}:{file}")])?;
    if !shown.status.success() {
        return Ok(None);
    }
    String::from_utf8(shown.stdout)
        .map(Some)
        .map_err(|_| BaselineError(format!("{file} at {commit} is not UTF-8")))
}

/// The spec documents under `spec/`, compared by `--since-release`.
pub const SPEC_FILES: [&str; 2] = ["spec/csbs-v1.yaml", "spec/cbr-v3.yaml"];

/// Parses a YAML or JSON spec text.
pub fn load(text: &str, name: &str) -> Result<serde_json::Value, BaselineError> {
    csbs_spec::document::parse_yaml(text)
        .map_err(|e| BaselineError(format!("{name} is not a YAML or JSON document: {e}")))
}

/// The baseline commit: `CSBS_SPEC_BASE` when set, else the CHANGELOG's release commit.
pub fn baseline(changelog: &Changelog, changelog_path: &Path) -> Result<String, BaselineError> {
    if let Ok(base) = std::env::var("CSBS_SPEC_BASE") {
        if !base.trim().is_empty() {
            return Ok(base.trim().to_owned());
        }
    }
    changelog.baseline.clone().ok_or_else(|| {
        BaselineError(format!(
            "{} records no `Release commit: <sha>` line after `## Unreleased`, so there is no \
             baseline to compare the spec with",
            changelog_path.display()
        ))
    })
}

/// Every spec document compared with its version at `commit` (an absent file is an empty
/// document): `(file, changes)`.
pub fn since(root: &Path, commit: &str) -> Result<Vec<(String, Vec<Change>)>, BaselineError> {
    let mut out = Vec::new();
    for file in SPEC_FILES {
        let old = match file_at(root, commit, file)? {
            Some(text) => load(&text, &format!("{file} at {commit}"))?,
            None => serde_json::json!({}),
        };
        let path = root.join(file);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| BaselineError(format!("cannot read {}: {e}", path.display())))?;
        let new = load(&text, file)?;
        out.push((file.to_owned(), crate::diff::diff(&old, &new)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "# Changelog\n\n## Unreleased\n\n### Breaking\n\n- `createPolicy`: name \
                       limited to 100 characters.\n\n## 0.1.0\n\nRelease commit: \
                       `edc13f0bb1234567890abcdef1234567890abcde`\n";

    #[test]
    fn baseline_and_unreleased_section() {
        let log = parse(LOG);
        assert_eq!(log.baseline.as_deref(), Some("edc13f0bb1234567890abcdef1234567890abcde"));
        assert!(log.unreleased.contains("`createPolicy`"));
        assert!(!log.unreleased.contains("0.1.0"));
    }

    #[test]
    fn no_release_commit_means_no_baseline() {
        assert_eq!(parse("# Changelog\n\n## Unreleased\n- nothing\n").baseline, None);
    }
}
