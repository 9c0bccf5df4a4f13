//! The HTML report's picture: requests and failures over the run's time, as inline SVG.
//! Bars count the requests sent in each slice of the run (answered, 429, no answer or 5xx);
//! red marks below them count the failed verdicts given in that slice.

use super::html::esc;
use super::model::Report;
use std::fmt::Write;

/// Slices of the run's time.
const SLICES: usize = 60;
const WIDTH: f64 = 960.0;
const BARS_TOP: f64 = 10.0;
const BARS_HEIGHT: f64 = 120.0;
const LEFT: f64 = 48.0;
const FAILS_TOP: f64 = 150.0;
const FAILS_HEIGHT: f64 = 24.0;
const HEIGHT: f64 = 200.0;

#[derive(Clone, Copy, Default)]
struct Slice {
    ok: u32,
    throttled: u32,
    broken: u32,
    failed: u32,
}

impl Report {
    /// The SVG, or `None` when the run sent nothing.
    pub(crate) fn timeline_svg(&self) -> Option<String> {
        if self.timeline.is_empty() {
            return None;
        }
        let end = self
            .timeline
            .iter()
            .map(|t| t.at_ms)
            .chain(self.results.iter().map(|r| r.at_ms))
            .max()
            .unwrap_or(0)
            .max(1);
        let slice_ms = end.div_ceil(SLICES as u64).max(1);
        let index = |at: u64| ((at / slice_ms) as usize).min(SLICES - 1);
        let mut slices = [Slice::default(); SLICES];
        for t in &self.timeline {
            let s = &mut slices[index(t.at_ms)];
            match t.status {
                Some(429) => s.throttled += 1,
                None => s.broken += 1,
                Some(status) if status >= 500 => s.broken += 1,
                Some(_) => s.ok += 1,
            }
        }
        for r in self.failures() {
            slices[index(r.at_ms)].failed += 1;
        }
        let most = slices.iter().map(|s| s.ok + s.throttled + s.broken).max().unwrap_or(1).max(1);
        let most_failed = slices.iter().map(|s| s.failed).max().unwrap_or(0);
        let step = (WIDTH - LEFT) / SLICES as f64;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-labelledby="tl-title" xmlns="http://www.w3.org/2000/svg"><title id="tl-title">{} requests and {} failed verdicts over {:.1} s</title>"#,
            self.timeline.len(),
            self.failed_count(),
            end as f64 / 1000.0
        );
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y}" x2="{WIDTH}" y2="{y}" stroke="#8c959f"/><text x="{x}" y="{t}" class="axis" text-anchor="end">{most}</text><text x="{x}" y="{y}" class="axis" text-anchor="end">0</text>"##,
            y = BARS_TOP + BARS_HEIGHT,
            x = LEFT - 6.0,
            t = BARS_TOP + 10.0,
        );
        for (i, s) in slices.iter().enumerate() {
            let x = LEFT + i as f64 * step;
            let from = i as u64 * slice_ms;
            let mut y = BARS_TOP + BARS_HEIGHT;
            for (count, class, what) in [
                (s.ok, "bar-ok", "answered"),
                (s.throttled, "bar-429", "answered 429"),
                (s.broken, "bar-bad", "5xx or no answer"),
            ] {
                if count == 0 {
                    continue;
                }
                let h = BARS_HEIGHT * f64::from(count) / f64::from(most);
                y -= h;
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" class="{class}"><title>{} to {} s: {count} {what}</title></rect>"#,
                    seconds(from),
                    seconds(from + slice_ms),
                    w = step - 1.0,
                );
            }
            if s.failed > 0 {
                let h = FAILS_HEIGHT * f64::from(s.failed) / f64::from(most_failed.max(1));
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" class="bar-fail"><title>{} to {} s: {} failed verdicts</title></rect>"#,
                    seconds(from),
                    seconds(from + slice_ms),
                    s.failed,
                    y = FAILS_TOP,
                    w = step - 1.0,
                );
            }
        }
        let _ = write!(
            svg,
            r#"<text x="{x}" y="{y}" class="axis" text-anchor="end">failed</text><text x="{LEFT}" y="{b}" class="axis">0 s</text><text x="{WIDTH}" y="{b}" class="axis" text-anchor="end">{} s</text></svg>"#,
            esc(&seconds(end)),
            x = LEFT - 6.0,
            y = FAILS_TOP + 14.0,
            b = HEIGHT - 4.0,
        );
        Some(svg)
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.1}", ms as f64 / 1000.0)
}
