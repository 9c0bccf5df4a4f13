//! Progress on stderr while a run goes on. On a terminal, a live line (indicatif); elsewhere
//! (a CI log, a pipe), plain lines: one when a part begins and one every few seconds, with the
//! requests sent, the verdicts and failures so far and what is at work, so that a log shows a
//! slow run alive. Hidden when asked (`--no-progress`, and for library callers by default).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgressMode {
    /// Nothing (the default of [`crate::RunOptions`]).
    #[default]
    Hidden,
    /// A live line redrawn in place: for a terminal.
    Live,
    /// A line when a part begins and one every `every`: for logs.
    Lines { every: Duration },
}

impl ProgressMode {
    /// The interval of [`ProgressMode::Lines`] the CLI uses without a terminal.
    pub const LOG_EVERY: Duration = Duration::from_secs(5);
}

/// What the lines report, shared with the ticker.
struct Tally {
    started: Instant,
    /// Requests sent, as the client counts them (every attempt).
    requests: Box<dyn Fn() -> u64 + Send + Sync>,
    verdicts: AtomicU64,
    failed: AtomicU64,
    part: Mutex<String>,
    at_work: Mutex<String>,
}

impl Tally {
    fn line(&self) -> String {
        let text = |m: &Mutex<String>| m.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let (part, at_work) = (text(&self.part), text(&self.at_work));
        let mut line = format!(
            "[{:>4}s] {part}: {} requests, {} verdicts, {} failed",
            self.started.elapsed().as_secs(),
            (self.requests)(),
            self.verdicts.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed)
        );
        if !at_work.is_empty() {
            line.push_str("; at work: ");
            line.push_str(&at_work);
        }
        line
    }
}

/// The run's progress; clones share it. A no-op when hidden.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    tally: Arc<Tally>,
    lines: bool,
    ticker: Option<Arc<tokio::task::AbortHandle>>,
}

impl Progress {
    /// Progress shown as `mode`; `requests` reads how many requests were sent so far.
    pub fn new(mode: ProgressMode, requests: impl Fn() -> u64 + Send + Sync + 'static) -> Progress {
        let tally = Arc::new(Tally {
            started: Instant::now(),
            requests: Box::new(requests),
            verdicts: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            part: Mutex::new("starting".to_owned()),
            at_work: Mutex::new(String::new()),
        });
        let mut progress =
            Progress { bar: ProgressBar::hidden(), tally, lines: false, ticker: None };
        match mode {
            ProgressMode::Hidden => {}
            ProgressMode::Live => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                if let Ok(style) = ProgressStyle::with_template(
                    "{spinner} {elapsed:>4} {pos:>4} requests  {wide_msg}",
                ) {
                    bar.set_style(style);
                }
                bar.enable_steady_tick(Duration::from_millis(120));
                progress.bar = bar;
            }
            ProgressMode::Lines { every } => {
                progress.lines = true;
                let tally = progress.tally.clone();
                let ticker = tokio::spawn(async move {
                    let mut tick = tokio::time::interval(every.max(Duration::from_millis(100)));
                    tick.tick().await;
                    loop {
                        tick.tick().await;
                        eprintln!("{}", tally.line());
                    }
                });
                progress.ticker = Some(Arc::new(ticker.abort_handle()));
            }
        }
        progress
    }

    /// A part of the run begins (a line of its own in a log).
    pub fn part(&self, name: &str) {
        *self.tally.part.lock().unwrap_or_else(|p| p.into_inner()) = name.to_owned();
        self.tally.at_work.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.bar.set_message(format!("part {name}"));
        if self.lines {
            eprintln!("{}", self.tally.line());
        }
    }

    /// One more request, about `what`.
    pub fn step(&self, what: &str) {
        self.bar.inc(1);
        self.say(what);
    }

    /// A phase or a wait, without a request.
    pub fn say(&self, what: &str) {
        if self.lines {
            *self.tally.at_work.lock().unwrap_or_else(|p| p.into_inner()) = what.to_owned();
        }
        self.bar.set_message(what.to_owned());
    }

    /// One more verdict (counted for the lines).
    pub fn verdict(&self, passed: bool) {
        self.tally.verdicts.fetch_add(1, Ordering::Relaxed);
        if !passed {
            self.tally.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Ends the live line, or writes the last line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
        if let Some(ticker) = &self.ticker {
            ticker.abort();
            *self.tally.part.lock().unwrap_or_else(|p| p.into_inner()) = "done".to_owned();
            *self.tally.at_work.lock().unwrap_or_else(|p| p.into_inner()) = String::new();
            eprintln!("{}", self.tally.line());
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

impl Default for Progress {
    fn default() -> Progress {
        Progress::new(ProgressMode::Hidden, || 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_the_part_the_counts_and_what_is_at_work() {
        let progress = Progress::new(ProgressMode::Hidden, || 42);
        progress.part("behaviour");
        progress.verdict(true);
        progress.verdict(false);
        progress.say("listBackups filter_conformance");
        // Hidden: nothing is kept of what is at work, the counts are.
        let line = progress.tally.line();
        assert!(line.contains("behaviour: 42 requests, 2 verdicts, 1 failed"), "{line}");
    }
}
