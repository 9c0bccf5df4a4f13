//! The live progress line on stderr (only when asked for: the CLI asks when stderr is a
//! terminal, so logs and pipes stay clean).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// A spinner with the number of exchanges and what is being sent; a no-op when hidden.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn new(visible: bool) -> Progress {
        if !visible {
            return Progress { bar: ProgressBar::hidden() };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {elapsed:>4} {pos:>4} requests  {wide_msg}")
        {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar }
    }

    /// One more request, about `what`.
    pub fn step(&self, what: &str) {
        self.bar.inc(1);
        self.bar.set_message(what.to_owned());
    }

    /// A phase or a wait, without a request.
    pub fn say(&self, what: &str) {
        self.bar.set_message(what.to_owned());
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
