//! The report: model, recording, the text summary, JUnit and JSON output.

mod curl;
mod junit;
mod model;
mod output;
mod recorder;
mod summary;

pub use curl::curl;
pub use model::{
    CheckResult, CleanupReport, ExchangeView, LeftBehind, PropertyRow, Report, Skip, TargetSummary,
    Throttling, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_NOT_RUN, EXIT_PASSED,
};
pub use output::{Format, ReportFile};
pub(crate) use recorder::cut;
pub(crate) use recorder::Recorder;
