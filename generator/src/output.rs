//! The set of derived files, writing them, and comparing them with what is committed.

use anyhow::{Context, Result};
use csbs_spec::Service;
use std::path::{Path, PathBuf};

/// A derived file: its path relative to the repository root and its content.
pub struct Output {
    pub path: PathBuf,
    pub content: String,
}

/// A derived file that differs from the committed one, with a unified diff.
pub struct Drift {
    pub path: PathBuf,
    pub diff: String,
}

/// The repository root (the generator lives one level below it).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("generator/ has a parent").to_path_buf()
}

/// Every derived file, in a fixed order.
pub fn outputs() -> Result<Vec<Output>> {
    let mut out = Vec::new();
    for service in Service::ALL {
        out.push(Output {
            path: PathBuf::from(format!("generated/src/{}.rs", service.name())),
            content: crate::client::generate(service)?,
        });
    }
    for service in Service::ALL {
        out.push(Output {
            path: PathBuf::from(format!("types/src/{}.rs", service.name())),
            content: crate::bodies::render(service)?,
        });
    }
    out.push(Output { path: PathBuf::from("types/src/codes.rs"), content: crate::codes::render() });
    out.push(Output {
        path: PathBuf::from("types/src/operations.rs"),
        content: crate::operations::render()?,
    });
    out.push(Output { path: PathBuf::from("spec/ERRATA.md"), content: crate::errata::render() });
    Ok(out)
}

/// Writes every derived file under `root`; returns the paths that changed.
pub fn write(root: &Path) -> Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for output in outputs()? {
        let path = root.join(&output.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != output.content {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(&path, &output.content)
                .with_context(|| format!("cannot write {}", path.display()))?;
            changed.push(output.path);
        }
    }
    Ok(changed)
}

/// Compares every derived file with the one under `root`.
pub fn check(root: &Path) -> Result<Vec<Drift>> {
    let mut drift = Vec::new();
    for output in outputs()? {
        let path = root.join(&output.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != output.content {
            let diff = similar::TextDiff::from_lines(&current, &output.content)
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("{} (committed)", output.path.display()),
                    &format!("{} (from spec)", output.path.display()),
                )
                .to_string();
            drift.push(Drift { path: output.path, diff });
        }
    }
    Ok(drift)
}
