//! `project_isolation`: the run's credential on another project's path (a made-up project ID,
//! never a real one) is refused 403 (`x-credential-scope`), and an admin-only parameter
//! (`x-admin-only`, `all_tenants=true`) is refused 403 unless the credential is an
//! administrator's (`--admin`). Only reads are sent here: nothing can change whatever the
//! answer. With a second project, also what only it holds stays unseen (`foreign.rs`), and its
//! credential on this project's path is refused whatever it names, changing nothing
//! (`crossed.rs`; changes only with `--allow-mutations`).

use super::support::{fail, made_up_id, made_up_project};
use crate::checks::Check;
use crate::session::{status_text, Session};
use csbs_spec::behaviour::{admin_only, credential_scope};
use csbs_spec::operations::all_operations;
use csbs_spec::Location;

pub async fn run(session: &mut Session) {
    let stranger = made_up_project();
    for op in all_operations().filter(|op| !op.is_mutation()) {
        if let Some(scope) = credential_scope(op) {
            let case = "project_isolation: another project's path";
            let mut request = session.request(&op.id);
            for p in op.parameters.iter().filter(|p| p.location == Location::Path) {
                if !request.path.contains_key(&p.name) {
                    request = request.path(&p.name, made_up_id());
                }
            }
            request.body = op.request_body.as_ref().map(|_| serde_json::json!({}));
            let request = request.path(&scope.name, stranger.clone());
            let answer = session.call(&request, case).await;
            let verdict = match answer.status {
                Some(403) => Ok(()),
                other => fail(
                    "403",
                    format!("a credential of project {} on the path of project {stranger} was answered {}; expected 403", session.project_id(), status_text(other)),
                ),
            };
            session.judge(Check::ProjectIsolation, &answer, case, verdict);
        }
        for parameter in admin_only(op) {
            let case = format!("project_isolation: {}=true", parameter.name);
            let request = session.request(&op.id).query(&parameter.name, "true");
            let answer = session.call(&request, &case).await;
            let verdict = match (session.admin, answer.status) {
                (false, Some(403)) => Ok(()),
                (true, Some(status)) if (200..300).contains(&status) => Ok(()),
                (false, other) => fail(
                    "403",
                    format!("{}=true is for administrators; a non-admin credential was answered {} (pass --admin if it is an administrator's)", parameter.name, status_text(other)),
                ),
                (true, other) => fail("2xx", format!("{}=true with an administrator's credential (--admin) was answered {}", parameter.name, status_text(other))),
            };
            session.judge(Check::ProjectIsolation, &answer, &case, verdict);
        }
    }
    super::foreign::run(session).await;
}
