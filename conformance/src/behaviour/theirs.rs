//! What the second project (`--other-token` / `--other-aksk`) makes for `project_isolation`,
//! with its own credential on its own path: a policy holding a server of its own, and a run
//! of it (a backup record made by that policy, its backups, their CBR views). Removed at the
//! end of the check, so that nothing of it meets the later parts.

use crate::created::Created;
use crate::fixtures;
use crate::http::Auth;
use crate::poll::{Poll, Poller};
use crate::request::ApiRequest;
use crate::session::{status_text, Session};
use csbs_spec::behaviour::backup_lifecycle;
use serde_json::Value;

/// What the second project made: the requests that made it (a `made-by` filter reads its
/// value from them) and the objects, oldest first.
#[derive(Default)]
pub struct Made {
    pub requests: Vec<ApiRequest>,
    pub objects: Vec<Created>,
}

/// Makes a policy of `server` in `project` (named after the run, with `suffix`) and runs it,
/// waiting (within `--wait`) until the project lists the run's backups settled. What could
/// not be made is noted, not failed: the check then judges what the project already holds.
pub async fn make(
    session: &mut Session,
    project: &str,
    auth: &Auth,
    server: &str,
    suffix: &str,
) -> Made {
    let case = "project_isolation: each project makes objects of its own";
    let mut made = Made::default();
    let name = format!("{}-{suffix}", session.record.facts.run_name);
    let create = ApiRequest::of("createPolicy", project).body(fixtures::policy(
        &name,
        "",
        &[server.to_owned()],
    ));
    let Some(policy) = send(session, &create, auth, case, &mut made).await else {
        return made;
    };
    let run = ApiRequest::of("executePolicy", project).body(fixtures::policy_run(&policy.id));
    let Some(record) = send(session, &run, auth, case, &mut made).await else { return made };
    let settled = backup_lifecycle().settled;
    let list = ApiRequest::of("listBackups", project).query("checkpoint_id", &record.id);
    let waited = session
        .sender
        .poll_as(Poller::new(&session.limits), &list, auth.clone(), "(waiting)", |exchange| {
            let body: Value = exchange.response().and_then(|r| r.json().ok()).unwrap_or_default();
            let items = body.get("checkpoint_items").and_then(Value::as_array);
            let statuses: Vec<&str> = items
                .into_iter()
                .flatten()
                .filter_map(|i| i.get("status").and_then(Value::as_str))
                .collect();
            match !statuses.is_empty() && statuses.iter().all(|s| settled.iter().any(|w| w == s)) {
                true => Poll::Ready(()),
                false => Poll::Pending(format!("statuses {statuses:?}")),
            }
        })
        .await;
    if let Err(seen) = waited {
        let what = format!("project {project}'s backups of record {} did not settle within --wait ({seen}); judged as they are", record.id);
        session.recorder.note(what);
    }
    made
}

/// Sends a request that makes something in the second project; the object made, in the
/// ledger (the cleanup deletes it with that project's credential).
async fn send(
    session: &mut Session,
    request: &ApiRequest,
    auth: &Auth,
    case: &str,
    made: &mut Made,
) -> Option<Created> {
    let answer = session.call_as(request, auth.clone(), case).await;
    let Some(object) = session.made(request, &answer) else {
        session.recorder.note(format!(
            "project_isolation: {}'s {} answered {}; judged on what that project already holds",
            request.path.get("project_id").map(String::as_str).unwrap_or_default(),
            request.operation.id,
            status_text(answer.status)
        ));
        return None;
    };
    made.requests.push(request.clone());
    made.objects.push(object.clone());
    Some(object)
}

/// Deletes what the second project made, newest first; what stays is noted (the cleanup tries
/// again at the run's end).
pub async fn remove(session: &mut Session, made: Made) {
    for object in made.objects.iter().rev() {
        if let Err(why) = crate::cleanup::remove(session, object).await {
            session.recorder.note(format!(
                "project_isolation: {} stays for the cleanup: {why}",
                object.describe()
            ));
        }
    }
}
