//! First contact: before the suite, one authenticated read per service (a one-item list of
//! backups) tells the usual mistakes apart, so that a run against the wrong thing stops at
//! once with one line naming the cause and the fix, instead of hundreds of failures:
//!
//! | the read | cause |
//! | --- | --- |
//! | no answer | the endpoint cannot be reached |
//! | 401 | the credential is refused |
//! | 403 | the project is refused for this credential |
//! | 404, 405, or a 2xx that is not JSON, with a base URL that has a path | the base URL carries a path the runner adds itself |
//! | the same without a path | the endpoint does not serve this API |
//!
//! Any other answer (2xx JSON, 400, 429 after the client's retries, 5xx) lets the run go on:
//! the checks judge it.

use crate::error::RunError;
use crate::http::{Auth, TransportError};
use crate::request::ApiRequest;
use crate::secret::Redactor;
use crate::sender::Sender;
use csbs_spec::Service;

/// The read sent to each service: listing at most one backup needs nothing to exist.
const PROBES: [(Service, &str); 2] =
    [(Service::Csbs, "listBackups"), (Service::Cbr, "listCbrBackups")];

/// The longest excerpt of the endpoint's answer a message quotes.
const EXCERPT_CHARS: usize = 120;

/// Sends one read per service through the run's sender (one in all when both share a base
/// URL and the first is refused); the first mistake found is the error.
pub(crate) async fn preflight(sender: &Sender, redactor: &Redactor) -> Result<(), RunError> {
    let target = &sender.target;
    for (service, operation) in PROBES {
        let request = ApiRequest::of(operation, &target.project_id).query("limit", "1");
        let base = target.base(service);
        let exchange = sender.send(&request, "preflight").await;
        let response = match exchange.outcome {
            Ok(response) => response,
            Err(e @ (TransportError::Timeout { .. } | TransportError::Connection { .. })) => {
                return Err(RunError::Unreachable {
                    url: base.to_owned(),
                    cause: redactor.redact(&e.to_string()),
                });
            }
        };
        let said = || redactor.redact(&excerpt(&response.body));
        let flag = match service {
            Service::Csbs => "--endpoint",
            Service::Cbr if target.cbr != target.csbs => "--cbr-endpoint",
            Service::Cbr => "--endpoint (or --cbr-endpoint for CBR)",
        };
        let sent = format!("GET {}", request.target());
        let cause = match response.status {
            401 => Some((
                format!("the credential was refused: {sent} answered 401 ({})", said()),
                credential_fix(&target.auth, &target.project_id),
            )),
            403 => Some((
                format!(
                    "project {} was refused for this credential: {sent} answered 403 ({})",
                    target.project_id,
                    said()
                ),
                "Pass the project the token or access key is scoped to with --project-id (CSBS_PROJECT_ID)"
                    .to_owned(),
            )),
            404 | 405 => Some(unknown_route(base, flag, service, &sent, response.status, &said())),
            // A gateway's login page or a moved service: the API itself never redirects.
            s @ 300..=399 => Some((
                format!(
                    "{sent} was redirected: it answered {s} to {}",
                    redactor.redact(response.header("location").unwrap_or("no Location"))
                ),
                format!(
                    "Pass the base URL the API answers on directly with {flag} (a login page or \
                     single sign-on in front of it cannot be used: the runner sends the credential \
                     in each request)"
                ),
            )),
            s if (200..300).contains(&s) && response.json().is_err() => {
                Some(unknown_route(base, flag, service, &sent, s, "not JSON"))
            }
            _ => None,
        };
        if let Some((what, fix)) = cause {
            return Err(RunError::FirstContact { url: base.to_owned(), what, fix });
        }
    }
    Ok(())
}

/// A route the endpoint does not know: the base URL's path when it has one, else not this API.
fn unknown_route(
    base: &str,
    flag: &str,
    service: Service,
    sent: &str,
    status: u16,
    said: &str,
) -> (String, String) {
    let path = reqwest::Url::parse(base).map(|u| u.path().trim_matches('/').to_owned());
    match path {
        Ok(path) if !path.is_empty() => {
            let root = base.strip_suffix(&format!("/{path}")).unwrap_or(base);
            (
                format!(
                    "the base URL has a path (/{path}): the runner adds /v1/{{project_id}}/... \
                     itself, and {sent} under it answered {status} ({said})"
                ),
                format!("Pass the base URL alone: {flag} {root}"),
            )
        }
        _ => {
            let name = match service {
                Service::Csbs => "CSBS v1",
                Service::Cbr => "CBR v3",
            };
            (
                format!(
                    "this is not the {name} API: {sent}, a documented read, answered {status} ({said})"
                ),
                format!(
                    "Check {flag}: it is the service's base URL (https://{}.<region>.myhuaweicloud.com), \
                     or leave it out to run against the embedded mock",
                    match service {
                        Service::Csbs => "csbs",
                        Service::Cbr => "cbr",
                    }
                ),
            )
        }
    }
}

fn credential_fix(auth: &Auth, project_id: &str) -> String {
    match auth {
        Auth::AkSk { .. } => format!(
            "Check --ak and --sk (CSBS_AK, CSBS_SK): an access key, its secret key, allowed on project {project_id}"
        ),
        _ => format!(
            "Check --token (CSBS_TOKEN): a current IAM token (they expire after 24 hours) scoped to project {project_id}"
        ),
    }
}

/// The start of a body on one line: what the endpoint said, for the message.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "an empty body".to_owned();
    }
    match line.char_indices().nth(EXCERPT_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(
            excerpt(b"<html>\n <body>404</body>\n</html>"),
            "<html> <body>404</body> </html>"
        );
        assert_eq!(excerpt(b""), "an empty body");
        assert_eq!(excerpt(&[b'a'; 500]).chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn a_base_url_with_a_path_is_named_with_the_fix() {
        let (what, fix) = unknown_route(
            "http://127.0.0.1:8080/v1/my-project",
            "--endpoint",
            Service::Csbs,
            "GET /v1/p/checkpoint_items?limit=1",
            404,
            "x",
        );
        assert!(what.contains("(/v1/my-project)"), "{what}");
        assert_eq!(fix, "Pass the base URL alone: --endpoint http://127.0.0.1:8080");
        let (what, _) =
            unknown_route("http://127.0.0.1:8000", "--endpoint", Service::Csbs, "GET /", 404, "x");
        assert!(what.contains("not the CSBS v1 API"), "{what}");
    }
}
