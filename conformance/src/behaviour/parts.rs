//! `domain_error_conformance`, the `not-found` row of the parts a request chooses (`x-subset`'s
//! `chosen`, e.g. deleteCheckpoint's `checkpoint_items`) with a real part of another object of
//! the project: not a part of the path's object, so not found, and that other object's part is
//! left as it was (a made-up ID cannot show an endpoint that acts on any part of the project).

use super::records::{describe, id, kept, record_of};
use super::support::fail;
use super::writes::Fixture;
use crate::checks::Check;
use crate::request::ApiRequest;
use crate::session::Session;
use csbs_spec::behaviour::{subset, DomainError, Expr};
use csbs_spec::Operation;
use serde_json::Value;

/// Sends `row`'s request with a backup of another record than the path's, then judges that
/// backup untouched.
pub async fn run(
    session: &mut Session,
    fixture: &Fixture,
    op: &'static Operation,
    row: &DomainError,
    case: &str,
) {
    let Some(rule) = subset(op).filter(|s| s.chosen == row.value) else { return };
    let (Expr::RequestPath(of), Expr::RequestQuery(chosen)) = (&rule.of, &rule.chosen) else {
        return;
    };
    let case = format!("{case}, a backup of another record");
    let backups: Vec<&Value> = fixture.backups().collect();
    let pair = backups.iter().find_map(|a| {
        let other = backups.iter().find(|b| record_of(b).is_some() && record_of(b) != record_of(a));
        Some((record_of(a)?, *other?))
    });
    let Some((record, other)) = pair else {
        let why =
            "too little to judge: needs backups of two records this run made (--allow-mutations)";
        return session.recorder.skip(Check::DomainErrorConformance, &op.id, &case, why);
    };
    let request =
        ApiRequest::new(op, session.project_id()).path(of, record).query(chosen, id(other));
    super::errors::send(session, &request, row, &case).await;
    untouched(session, other, &case).await;
}

/// The backup is still listed in its record and not being deleted.
async fn untouched(session: &mut Session, item: &Value, case: &str) {
    let record = record_of(item).unwrap_or_default();
    let list = session.request("listBackups").query("checkpoint_id", record);
    let answer = session.call(&list, case).await;
    let items = answer.json.as_ref().and_then(|b| b.get("checkpoint_items"));
    let listed = items.and_then(Value::as_array).cloned().unwrap_or_default();
    let verdict = match listed.iter().find(|i| id(i) == id(item)) {
        Some(now) if kept(now) => Ok(()),
        Some(now) => fail(
            "x-subset",
            format!("the request deletes {}, a backup of another record", describe(&[now])),
        ),
        None => fail(
            "x-subset",
            format!("the request deleted {}, a backup of another record", id(item)),
        ),
    };
    session.judge(Check::DomainErrorConformance, &answer, case, verdict);
}
