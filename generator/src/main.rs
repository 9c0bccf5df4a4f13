//! `cargo run -p csbs-generator` regenerates `generated/` and `spec/ERRATA.md` from `spec/`;
//! `--check` changes nothing and fails with a diff when they are stale.

use clap::Parser;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Regenerate the client crate and the errata list from spec/")]
struct Args {
    /// Do not write; exit 1 with a unified diff if any derived file is stale.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let root = csbs_generator::output::repo_root();
    let result = if args.check {
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
