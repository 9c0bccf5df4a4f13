//! `duplicate_name_rejection`: a name another policy has is refused with the `duplicate`
//! domain error of the name (`x-domain-errors`, CSBS.9007), on create and on rename, whether
//! the other policy got the name when it was created or by a rename. (An endpoint that
//! remembers only the names policies were created with, or checks only renames, passes one
//! of these and fails the other.)

use super::writes::{Fixture, Policy};
use crate::checks::{Check, Failure};
use crate::fixtures;
use crate::request::ApiRequest;
use crate::session::Session;
use csbs_spec::behaviour::{domain_errors, Condition, DomainError, Expr};
use csbs_spec::operations::find_operation;

/// True for a `duplicate` row about a name: judged here rather than by
/// `domain_error_conformance`.
pub fn is_name_row(row: &DomainError) -> bool {
    row.when == Condition::Duplicate
        && matches!(&row.value, Expr::RequestBody(p) if p.ends_with("/name"))
}

/// Provokes each duplicate-name row with each name the run's policies have.
pub async fn run(session: &mut Session, fixture: &Fixture) {
    // a was renamed by read_after_write, b has the name it was created with.
    let (renamed, as_created) = (fixture.policies.first(), fixture.policies.get(1));
    for id in ["createPolicy", "updatePolicy"] {
        let Some(op) = find_operation(id) else { continue };
        for row in domain_errors(op).into_iter().filter(is_name_row) {
            let takers: [(&str, Option<&Policy>); 2] =
                [("created with it", as_created), ("renamed to it", renamed)];
            for (how, holder) in takers {
                let case =
                    format!("duplicate_name_rejection: {id} with the name of a policy {how}");
                let Some(holder) = holder else {
                    let why = "needs the two policies read_after_write makes";
                    session.recorder.skip(Check::DuplicateNameRejection, id, &case, why);
                    continue;
                };
                let request = match id {
                    "createPolicy" => session.request(id).body(fixtures::policy(
                        &holder.name,
                        "behaviour: duplicate name",
                        &[],
                    )),
                    _ => {
                        let Some(other) = fixture.policies.iter().find(|p| p.id != holder.id)
                        else {
                            session.recorder.skip(
                                Check::DuplicateNameRejection,
                                id,
                                &case,
                                "needs two policies of this run",
                            );
                            continue;
                        };
                        let change = fixtures::PolicyChange {
                            name: Some(&holder.name),
                            ..Default::default()
                        };
                        let body = fixtures::policy_update(&change);
                        session.request(id).path("policy_id", &other.id).body(body)
                    }
                };
                send(session, &request, &row, &case).await;
            }
        }
    }
    // Last: an endpoint that renames on its own must not change what the cases above send.
    let update = find_operation("updatePolicy");
    if update.is_some_and(|op| domain_errors(op).iter().any(is_name_row)) {
        own_name(session, as_created).await;
    }
}

/// The duplicate rule is about another policy's name: a rename of a policy to the name it
/// already has is a change like any other, accepted.
async fn own_name(session: &mut Session, policy: Option<&Policy>) {
    let id = "updatePolicy";
    let case = "duplicate_name_rejection: updatePolicy with the policy's own name";
    let Some(policy) = policy else {
        let why = "needs the two policies read_after_write makes";
        return session.recorder.skip(Check::DuplicateNameRejection, id, case, why);
    };
    let change = fixtures::PolicyChange { name: Some(&policy.name), ..Default::default() };
    let body = fixtures::policy_update(&change);
    let request = session.request(id).path("policy_id", &policy.id).body(body);
    let answer = session.call(&request, case).await;
    let verdict = match answer.ok() {
        true => Ok(()),
        false => Err(Failure::new(
            "duplicate",
            format!(
                "a rename of policy {} to its own name {:?} was refused ({} {}): the name is \
                 taken by no other policy",
                policy.id,
                policy.name,
                crate::session::status_text(answer.status),
                answer.text("/error_code").unwrap_or_default()
            ),
        )),
    };
    session.judge(Check::DuplicateNameRejection, &answer, case, verdict);
}

async fn send(session: &mut Session, request: &ApiRequest, row: &DomainError, case: &str) {
    let answer = session.call(request, case).await;
    session.made(request, &answer);
    let code = answer.text("/error_code");
    let verdict = match (answer.status, row.code.as_deref(), code.as_deref()) {
        (Some(status), Some(wanted), Some(code)) if status == row.status && code == wanted => {
            Ok(())
        }
        (status, wanted, code) => Err(Failure::new(
            wanted.unwrap_or("duplicate"),
            format!(
                "a name another policy has: expected {} {}, got {} {}",
                row.status,
                wanted.unwrap_or("a documented code"),
                crate::session::status_text(status),
                code.unwrap_or("without an error code")
            ),
        )),
    };
    session.judge(Check::DuplicateNameRejection, &answer, case, verdict);
}
