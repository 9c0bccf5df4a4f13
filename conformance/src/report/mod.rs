//! The report: model, recording, the text summary, and its files: JUnit, JSON, one HTML page,
//! HAR of every exchange; and the replay of a reported failure.

mod curl;
mod har;
mod html;
mod json;
mod junit;
mod model;
mod output;
mod recorder;
mod replay;
mod summary;
mod timeline;

pub use curl::curl;
pub use har::HarWriter;
pub use json::SCHEMA_VERSION;
pub use model::{
    CheckResult, CleanupReport, ExchangeView, LeftBehind, PropertyRow, Report, RunSettings, Skip,
    TargetSummary, Throttling, Tick, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_NOT_RUN,
    EXIT_PASSED,
};
pub use output::{Format, ReportFile};
pub(crate) use recorder::cut;
pub(crate) use recorder::Recorder;
pub use replay::{replay, Outcome, ReplayOptions, Replayed};
