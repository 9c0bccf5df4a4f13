//! `csbs-conformance`: runs the suite, prints the summary, writes the reports, exits 0 (all
//! passed), 1 (checks failed), 2 (could not run) or 130 (Ctrl-C).

use clap::Parser;
use csbs_conformance::cli::Cli;
use csbs_conformance::{run_suite, EXIT_NOT_RUN};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let (options, reports) = match Cli::parse().into_options() {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_NOT_RUN);
        }
    };
    let report = match run_suite(options).await {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_NOT_RUN);
        }
    };
    print!("{}", report.summary());
    for file in &reports {
        if let Err(e) = file.write(&report) {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_NOT_RUN);
        }
    }
    ExitCode::from(report.exit_code())
}
