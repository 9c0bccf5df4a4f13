//! The auth phase (`ignored_auth`): each read-only operation, sent without a token and with an
//! invalid one (and, when the run signs with AK/SK, signed with a wrong secret key), must be
//! answered 401. Mutations are left out: an endpoint that ignored auth would carry them out.

use crate::checks::{refused, Check};
use crate::http::Auth;
use crate::replay::{fill, Missing};
use crate::secret::Secret;
use crate::session::Session;
use csbs_spec::examples::all_examples;
use csbs_spec::operations::all_operations;
use csbs_spec::ExampleKind;

/// A token no service issued; printed as is.
pub const INVALID_TOKEN: &str = "csbs-conformance-invalid-token";
/// The wrong secret key of the `invalid_signature` probe (the run's access key, this key).
pub const INVALID_SECRET_KEY: &str = "csbs-conformance-invalid-secret-key";

pub(crate) async fn run(session: &mut Session) {
    let examples = all_examples();
    for op in all_operations().filter(|op| !op.is_mutation()) {
        let example = examples.iter().find(|e| {
            e.operation_id == op.id
                && (e.kind == ExampleKind::Request || e.kind == ExampleKind::Url)
        });
        let Some(example) = example else {
            session.recorder.skip(
                Check::IgnoredAuth,
                &op.id,
                "missing_token",
                "no documented request example to send",
            );
            continue;
        };
        let filled = match fill(op, example, &session.record.facts, false, Missing::Dummy) {
            Ok(filled) => filled,
            Err(why) => {
                session.recorder.skip(Check::IgnoredAuth, &op.id, "missing_token", why);
                continue;
            }
        };
        let mut probes = vec![
            ("missing_token", Auth::Missing, "no token"),
            ("invalid_token", Auth::Invalid(INVALID_TOKEN.to_owned()), "an invalid token"),
        ];
        if let Auth::AkSk { access_key, project_id, .. } = session.credential() {
            let secret_key = Secret::secret_key(INVALID_SECRET_KEY);
            let wrong = Auth::AkSk { access_key, secret_key, project_id };
            probes.push(("invalid_signature", wrong, "a signature made with a wrong secret key"));
        }
        for (case, auth, what) in probes {
            let exchange = session.sender.send_with(&filled, auth, case).await;
            let verdict = refused(&exchange, what);
            session.record(op, case, &exchange, [(Check::IgnoredAuth, verdict)]);
        }
    }
}
