//! `cargo run -p csbs-generator` regenerates `generated/` and `spec/ERRATA.md` from `spec/`;
//! `--check` changes nothing and fails with a diff when they are stale. `doc-drift` compares
//! vendor documents with the spec; `diff` classifies the changes between two versions of a
//! spec for clients and servers.

use clap::{Parser, Subcommand, ValueEnum};
use csbs_generator::{diff, doc_drift};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    about = "Regenerate the client crate and the errata list from spec/; compare vendor documents \
             with the spec (doc-drift); classify spec changes (diff)",
    args_conflicts_with_subcommands = true
)]
struct Args {
    /// Do not write; exit 1 with a unified diff if any derived file is stale.
    #[arg(long)]
    check: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Compare vendor documents (plain text as published) with the spec. Exit 0 when every
    /// finding is explained by an x-decision or x-errata premise of its kind and document
    /// value (stale premises are listed), 1 otherwise, 2 when a document
    /// cannot be read or recognised.
    DocDrift {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// The documents, for example ../shared/seeds/*.txt.
        #[arg(required = true)]
        documents: Vec<PathBuf>,
    },
    /// Classify every difference between two versions of a spec as breaking for clients,
    /// breaking for servers, or compatible. Exit 0 when nothing breaks (or every breaking
    /// change is named in the CHANGELOG's Unreleased section, with --changelog or
    /// --since-release), 1 otherwise, 2 when a version cannot be read.
    Diff {
        /// The old version of the spec (YAML or JSON).
        #[arg(required_unless_present = "since_release")]
        old: Option<PathBuf>,
        /// The new version.
        #[arg(required_unless_present = "since_release")]
        new: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Check that every breaking change's operationId (or document part) is named, in
        /// backquotes, in the `## Unreleased` section of this CHANGELOG.
        #[arg(long)]
        changelog: Option<PathBuf>,
        /// Compare each spec/*.yaml with its version at the last release commit recorded in
        /// spec/CHANGELOG.md (or at $CSBS_SPEC_BASE), and check spec/CHANGELOG.md (CI).
        #[arg(long, conflicts_with_all = ["old", "new"])]
        since_release: bool,
    },
}

fn regenerate(check: bool) -> ExitCode {
    let root = csbs_generator::output::repo_root();
    let result = if check {
        csbs_generator::check(&root).map(|drift| {
            for d in &drift {
                print!("{}", d.diff);
            }
            if drift.is_empty() {
                println!("generated files are up to date");
                ExitCode::SUCCESS
            } else {
                let names: Vec<String> =
                    drift.iter().map(|d| d.path.display().to_string()).collect();
                eprintln!(
                    "stale: {} (run `cargo run -p csbs-generator` and commit)",
                    names.join(", ")
                );
                ExitCode::FAILURE
            }
        })
    } else {
        csbs_generator::write(&root).map(|changed| {
            for path in &changed {
                println!("wrote {}", path.display());
            }
            if changed.is_empty() {
                println!("generated files are up to date");
            }
            ExitCode::SUCCESS
        })
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(2)
    })
}

fn doc_drift(format: Format, documents: &[PathBuf]) -> ExitCode {
    let mut docs = Vec::new();
    let mut failed = false;
    for path in documents {
        match doc_drift::read(path) {
            Ok(doc) => docs.push(doc),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    if failed {
        return ExitCode::from(2);
    }
    let specs = doc_drift::spec_view::SpecDoc::embedded();
    let report = doc_drift::compare_documents(&docs, &specs);
    match format {
        Format::Text => print!("{}", doc_drift::report::text(&report)),
        Format::Json => print!("{}", doc_drift::report::json(&report)),
    }
    ExitCode::from(doc_drift::report::exit_code(&report))
}

fn print_changes(format: Format, title: &str, changes: &[diff::Change]) {
    match format {
        Format::Text => print!("{}", diff::report::text(title, changes)),
        Format::Json => print!("{}", diff::report::json(changes)),
    }
}

/// Exit status of a diff: 1 when a breaking change is not acknowledged (or, without a
/// CHANGELOG, when anything breaks).
fn verdict(changes: &[diff::Change], unreleased: Option<&str>) -> ExitCode {
    let open: Vec<&diff::Change> = match unreleased {
        Some(text) => diff::release::unacknowledged(changes, text),
        None => changes.iter().filter(|c| c.breaks.any()).collect(),
    };
    if open.is_empty() {
        return ExitCode::SUCCESS;
    }
    let subjects: std::collections::BTreeSet<&str> = open.iter().map(|c| c.subject()).collect();
    if unreleased.is_some() {
        eprintln!(
            "error: {} breaking changes are not in the `## Unreleased` section of spec/CHANGELOG.md; \
             name each of these there in backquotes, with what changed: {}",
            open.len(),
            subjects.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        );
    }
    ExitCode::FAILURE
}

fn read_text(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn diff_files(
    format: Format,
    old: &std::path::Path,
    new: &std::path::Path,
    changelog: Option<&std::path::Path>,
) -> Result<ExitCode, String> {
    let load = |p: &std::path::Path| -> Result<serde_json::Value, String> {
        diff::release::load(&read_text(p)?, &p.display().to_string()).map_err(|e| e.to_string())
    };
    let (a, b) = (load(old)?, load(new)?);
    let changes = diff::diff(&a, &b);
    print_changes(format, &format!("{} -> {}", old.display(), new.display()), &changes);
    let unreleased = match changelog {
        Some(path) => Some(diff::release::parse(&read_text(path)?).unreleased),
        None => None,
    };
    Ok(verdict(&changes, unreleased.as_deref()))
}

fn diff_since_release(format: Format) -> Result<ExitCode, String> {
    let root = csbs_generator::output::repo_root();
    let path = root.join("spec/CHANGELOG.md");
    let log = diff::release::parse(&read_text(&path)?);
    let base = diff::release::baseline(&log, &path).map_err(|e| e.to_string())?;
    let results = diff::release::since(&root, &base).map_err(|e| e.to_string())?;
    let mut all = Vec::new();
    for (file, changes) in results {
        print_changes(format, &format!("{file}: release {base} -> working tree"), &changes);
        all.extend(changes);
    }
    Ok(verdict(&all, Some(&log.unreleased)))
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        None => regenerate(args.check),
        Some(Command::DocDrift { format, documents }) => doc_drift(format, &documents),
        Some(Command::Diff { old, new, format, changelog, since_release }) => {
            let result = if since_release {
                diff_since_release(format)
            } else {
                match (old, new) {
                    (Some(old), Some(new)) => diff_files(format, &old, &new, changelog.as_deref()),
                    _ => Err("diff needs OLD and NEW, or --since-release".to_owned()),
                }
            };
            result.unwrap_or_else(|e| {
                eprintln!("error: {e}");
                ExitCode::from(2)
            })
        }
    }
}
