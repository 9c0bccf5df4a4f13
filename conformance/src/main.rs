//! `csbs-conformance`: runs the suite, prints the summary, writes the reports, exits 0 (all
//! passed), 1 (checks failed), 2 (could not run) or 130 (Ctrl-C). `csbs-conformance replay`
//! re-sends a reported failure.

use clap::Parser;
use csbs_conformance::cli::{Cli, Command};
use csbs_conformance::report::ReportFile;
use csbs_conformance::{run_suite, EXIT_NOT_RUN};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut cli = Cli::parse();
    if let Some(Command::Replay(args)) = cli.command.take() {
        return ExitCode::from(args.run().await);
    }
    let (options, reports) = match cli.into_options() {
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
    if let Err(e) = ReportFile::write_all(&reports, &report) {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_NOT_RUN);
    }
    ExitCode::from(report.exit_code())
}
