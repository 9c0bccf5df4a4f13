//! A shell script of curl commands that repeats a history on the endpoint: each object the
//! history makes is captured into a variable (`policy_0`) from the answer that made it, and
//! later requests use the variable, so that the script works on a fresh project.

use super::gen::History;
use super::history::Ran;
use crate::report::curl;

/// The script; `captures` say which request (by its place in `ran.sent`) made which object
/// and where its answer shows the ID (a jq filter).
pub fn script(history: &History, ran: &Ran) -> String {
    let mut lines = vec![
        "#!/bin/sh".to_owned(),
        "# The history, as the endpoint got it (needs curl and jq; set CSBS_TOKEN).".to_owned(),
    ];
    let mut last_step = usize::MAX;
    for (n, (step, sent)) in ran.sent.iter().enumerate() {
        if *step != last_step {
            let text = history.steps.get(*step).map(ToString::to_string).unwrap_or_default();
            lines.push(format!("# step {step}: {text}"));
            last_step = *step;
        }
        let mut line = curl(sent);
        for (var, id) in &ran.variables {
            line = line.replace(id.as_str(), &format!("'\"${var}\"'"));
        }
        match ran.captures.iter().filter(|(at, _, _)| *at == n).collect::<Vec<_>>().as_slice() {
            [] => lines.push(line),
            captures => {
                let quiet = line.replacen("curl -sS -i", "curl -sS", 1);
                lines.push(format!("answer=$({quiet})"));
                // printf, not echo: sh's echo turns the `\n` inside JSON strings (a
                // schedule's pattern) into new lines, and jq then reads no JSON.
                lines.push("printf '%s\\n' \"$answer\"".to_owned());
                for (_, var, filter) in captures {
                    lines.push(format!("{var}=$(printf '%s' \"$answer\" | jq -r '{filter}')"));
                }
            }
        }
    }
    lines.join("\n")
}
