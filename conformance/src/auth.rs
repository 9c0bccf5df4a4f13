//! The auth phase (`ignored_auth`): each read-only operation, sent without a token and with an
//! invalid one, must be answered 401. Mutations are left out: an endpoint that ignored auth
//! would carry them out.

use crate::checks::{refused, Check};
use crate::http::Auth;
use crate::replay::{fill, Missing};
use crate::session::Session;
use csbs_spec::examples::all_examples;
use csbs_spec::operations::all_operations;
use csbs_spec::ExampleKind;

/// A token no service issued; printed as is.
pub const INVALID_TOKEN: &str = "csbs-conformance-invalid-token";

pub(crate) async fn run(session: &mut Session) {
    let examples = all_examples();
    for op in all_operations().filter(|op| !op.is_mutation()) {
        let example = examples
            .iter()
            .find(|e| e.operation_id == op.id && (e.kind == ExampleKind::Request || e.kind == ExampleKind::Url));
        let Some(example) = example else {
            session.recorder.skip(&op.id, "missing_token", "no documented request example to send");
            continue;
        };
        let filled = match fill(op, example, &session.facts, false, Missing::Dummy) {
            Ok(filled) => filled,
            Err(why) => {
                session.recorder.skip(&op.id, "missing_token", why);
                continue;
            }
        };
        let probes = [
            ("missing_token", Auth::Missing, "no token"),
            ("invalid_token", Auth::Invalid(INVALID_TOKEN.to_owned()), "an invalid token"),
        ];
        for (case, auth, what) in probes {
            let exchange = session.send(op, &filled, auth, case).await;
            let verdict = refused(&exchange, what);
            session.record(op, case, &exchange, [(Check::IgnoredAuth, verdict)]);
        }
    }
}
