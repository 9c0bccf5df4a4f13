//! The simpler variants of one step, for shrinking once no step can be dropped: body members
//! the spec's schema does not require left out (halves, then one at a time), lists of
//! servers with fewer elements (down to the schema's `minItems`), reads without their
//! optional query parameters (filters, sort keys, directions, paging), steps sent at once or
//! with the other credential simplified inside. Whether a member or a parameter may be left
//! out is read from the spec (`required`, `minItems`), never listed here. A variant names
//! objects by places as every step does (a place past the objects made wraps around), so it
//! is valid for the history's ID mapping whatever was dropped before it. A step is also tried
//! at the first place (`policy#3` as `policy#0`, the same object when fewer were made), so
//! that the printed history reads as it ran; like every variant, it is kept only when the
//! difference survives.

use super::step::{Query, ScheduleChange, Step};
use csbs_spec::behaviour::{pagination, Pagination};
use csbs_spec::document::deref;
use csbs_spec::operations::find_operation;
use csbs_spec::Location;
use serde_json::Value;

/// The schema of the member at `pointer` in the request body of `operation_id`, and the
/// object schema that holds it (following `$ref`, array `items` at numeric segments, and the
/// branches of `allOf`, `oneOf`, `anyOf`); `None` when the spec has no such member.
fn body_member(operation_id: &str, pointer: &str) -> Option<(&'static Value, &'static Value)> {
    let op = find_operation(operation_id)?;
    let (_, body) = op.request_body.as_ref()?;
    let segments: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    walk(op.service.document(), body, &segments)
}

fn walk(
    doc: &'static Value,
    schema: &'static Value,
    segments: &[&str],
) -> Option<(&'static Value, &'static Value)> {
    let schema = deref(doc, schema);
    let (first, rest) = segments.split_first()?;
    for key in ["allOf", "oneOf", "anyOf"] {
        for branch in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some(found) = walk(doc, branch, segments) {
                return Some(found);
            }
        }
    }
    let child = match first.parse::<usize>() {
        Ok(_) => schema.get("items")?,
        Err(_) => schema.get("properties")?.get(*first)?,
    };
    match rest.is_empty() {
        true => Some((schema, deref(doc, child))),
        false => walk(doc, child, rest),
    }
}

/// True when the spec lets the request body of `operation_id` leave out the member at
/// `pointer` (its holder's `required` does not name it); false for a member it does not know.
pub fn member_optional(operation_id: &str, pointer: &str) -> bool {
    let name = pointer.rsplit('/').next().unwrap_or_default();
    body_member(operation_id, pointer).is_some_and(|(holder, _)| {
        let required = holder.get("required").and_then(Value::as_array);
        !required.into_iter().flatten().any(|r| r.as_str() == Some(name))
    })
}

/// The fewest elements the array at `pointer` may hold (its `minItems`, else 0); `None` when
/// the spec does not know the member.
pub fn min_items(operation_id: &str, pointer: &str) -> Option<usize> {
    let (_, array) = body_member(operation_id, pointer)?;
    Some(array.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize)
}

/// True when the query parameter `name` of `operation_id` is optional (or not documented,
/// which the step would not send).
fn parameter_optional(operation_id: &str, name: &str) -> bool {
    let parameter = find_operation(operation_id).and_then(|op| op.parameter(Location::Query, name));
    parameter.is_none_or(|p| !p.required)
}

/// A body member of a step: where the request carries it, and how the step leaves it out.
type Member = (&'static str, fn(&mut Step));

/// The members of a partial update, each left out by clearing it.
const UPDATE: [Member; 8] = [
    ("/policy/name", |s| {
        if let Step::UpdatePolicy { name, .. } = s {
            *name = None
        }
    }),
    ("/policy/description", |s| {
        if let Step::UpdatePolicy { description, .. } = s {
            *description = None
        }
    }),
    ("/policy/resources", |s| {
        if let Step::UpdatePolicy { servers, .. } = s {
            *servers = None
        }
    }),
    ("/policy/scheduled_operations/0/operation_definition/max_backups", |s| {
        schedule(s, |c| c.max_backups = None)
    }),
    ("/policy/scheduled_operations/0/operation_definition/retention_duration_days", |s| {
        schedule(s, |c| c.retention_days = None)
    }),
    ("/policy/scheduled_operations/0/operation_definition/permanent", |s| {
        schedule(s, |c| c.permanent = None)
    }),
    ("/policy/scheduled_operations/0/trigger", |s| schedule(s, |c| c.pattern = None)),
    ("/policy/scheduled_operations/0/enabled", |s| schedule(s, |c| c.enabled = None)),
];

/// Changes what an update sends of the scheduled operation.
fn schedule(step: &mut Step, change: impl FnOnce(&mut ScheduleChange)) {
    if let Step::UpdatePolicy { schedule, .. } = step {
        change(schedule);
    }
}

const CREATE: [Member; 1] =
    [("/policy/scheduled_operations/0/operation_definition/retention_duration_days", |s| {
        if let Step::CreatePolicy { retention_days, .. } = s {
            *retention_days = None
        }
    })];

const RUN: [Member; 1] = [("/checkpoint/parameters/resources", |s| {
    if let Step::RunPolicy { servers, .. } = s {
        *servers = None
    }
})];

/// The step with some of the members it sends left out, where the spec allows: all of them,
/// each half, then each one alone.
fn without_members(step: &Step, operation_id: &str, members: &[Member]) -> Vec<Step> {
    let droppable: Vec<&Member> = members
        .iter()
        .filter(|(pointer, drop)| {
            let mut s = step.clone();
            drop(&mut s);
            s != *step && member_optional(operation_id, pointer)
        })
        .collect();
    let apply = |set: &[&Member]| {
        let mut s = step.clone();
        set.iter().for_each(|(_, drop)| drop(&mut s));
        s
    };
    let mut out = Vec::new();
    if droppable.len() > 1 {
        out.push(apply(&droppable));
        let (a, b) = droppable.split_at(droppable.len() / 2);
        out.extend([apply(a), apply(b)]);
    }
    out.extend(droppable.iter().map(|m| apply(std::slice::from_ref(m))));
    out
}

/// `list` with fewer elements, never fewer than `min`: each half left out, then each element.
fn fewer(list: &[usize], min: Option<usize>) -> Vec<Vec<usize>> {
    let Some(min) = min else { return Vec::new() };
    let half = list.len() / 2;
    let mut out = vec![list[half..].to_vec(), list[..half].to_vec()];
    out.extend((0..list.len()).map(|i| {
        let mut l = list.to_vec();
        l.remove(i);
        l
    }));
    out.retain(|l| l.len() >= min && l.len() < list.len());
    out.dedup();
    out
}

/// The simpler variants of `step`, the boldest first; empty when it has none.
pub fn simpler(step: &Step) -> Vec<Step> {
    let mut out = Vec::new();
    match step {
        Step::CreatePolicy { servers, .. } => {
            for l in fewer(servers, min_items("createPolicy", "/policy/resources")) {
                out.push(with_servers(step, l));
            }
            out.extend(without_members(step, "createPolicy", &CREATE));
        }
        Step::UpdatePolicy { servers, .. } => {
            out.extend(without_members(step, "updatePolicy", &UPDATE));
            if let Some(list) = servers {
                for l in fewer(list, min_items("updatePolicy", "/policy/resources")) {
                    out.push(with_servers(step, l));
                }
            }
        }
        Step::RunPolicy { servers, .. } => {
            out.extend(without_members(step, "executePolicy", &RUN));
            let min = min_items("executePolicy", "/checkpoint/parameters/resources");
            for l in servers.as_deref().map(|l| fewer(l, min)).unwrap_or_default() {
                out.push(with_servers(step, l));
            }
        }
        Step::Capabilities { servers } => {
            let min = min_items("checkResourceCapabilities", "/check_protectable");
            for l in fewer(servers, min) {
                out.push(with_servers(step, l));
            }
        }
        Step::ListPolicies { query }
        | Step::ListBackups { query }
        | Step::ListCbrBackups { query } => {
            let operation_id = match step {
                Step::ListPolicies { .. } => "listPolicies",
                Step::ListBackups { .. } => "listBackups",
                _ => "listCbrBackups",
            };
            for q in simpler_queries(operation_id, query) {
                out.push(with_query(step, q));
            }
        }
        Step::CountBackups { filters } => {
            let query = Query { filters: filters.clone(), ..Query::default() };
            for q in simpler_queries("countBackups", &query) {
                out.push(with_query(step, q));
            }
        }
        Step::Together(parts) => {
            for (i, part) in parts.iter().enumerate() {
                for p in simpler(part) {
                    let mut parts = parts.clone();
                    parts[i] = p;
                    out.push(Step::Together(parts));
                }
            }
        }
        Step::Foreign { step: inner, first_path } => {
            for s in simpler(inner) {
                out.push(Step::Foreign { step: Box::new(s), first_path: *first_path });
            }
        }
        _ => {}
    }
    if let Some(first) = at_first_place(step) {
        out.push(first);
    }
    out.retain(|s| s != step);
    out
}

/// `step` naming the first object of its kind (`policy#0`, `record#0`, `item#0`) where it
/// names a later one: with fewer objects made than the place, both name the same object
/// (places wrap around), and the printed history reads as it runs.
fn at_first_place(step: &Step) -> Option<Step> {
    let mut first = step.clone();
    match &mut first {
        Step::UpdatePolicy { policy: p, .. }
        | Step::DeletePolicy { policy: p }
        | Step::ShowPolicy { policy: p }
        | Step::RunPolicy { policy: p, .. }
        | Step::DeleteRecord { record: p }
        | Step::ShowCbrCheckpoint { record: p }
        | Step::DeleteItem { item: p }
        | Step::ShowBackup { item: p }
        | Step::Restore { item: p }
        | Step::Restorable { item: p } => *p = 0,
        _ => return None,
    }
    (first != *step).then_some(first)
}

/// `step` with the servers `list`.
fn with_servers(step: &Step, list: Vec<usize>) -> Step {
    let mut step = step.clone();
    match &mut step {
        Step::CreatePolicy { servers, .. } | Step::Capabilities { servers } => {
            *servers = list;
        }
        Step::UpdatePolicy { servers, .. } | Step::RunPolicy { servers, .. } => {
            *servers = Some(list);
        }
        _ => {}
    }
    step
}

/// `step` asked `q`.
fn with_query(step: &Step, q: Query) -> Step {
    let mut step = step.clone();
    match &mut step {
        Step::ListPolicies { query }
        | Step::ListBackups { query }
        | Step::ListCbrBackups { query } => {
            *query = q;
        }
        Step::CountBackups { filters } => *filters = q.filters,
        _ => {}
    }
    step
}

/// Leaves one paging member out of a query.
type ClearQuery = fn(&mut Query);

/// `query` with optional parameters left out: all at once, each filter, the sort, each of
/// several sort keys, each key's direction, and each paging parameter.
fn simpler_queries(operation_id: &str, query: &Query) -> Vec<Query> {
    let optional = |name: &str| parameter_optional(operation_id, name);
    let paging = find_operation(operation_id).and_then(pagination);
    let paging_optional =
        |pick: fn(&Pagination) -> Option<&str>| paging.as_ref().and_then(pick).is_none_or(optional);
    // Each paging member, left out where its parameter is optional.
    let unpaged: [(bool, ClearQuery); 3] = [
        (paging_optional(|p| Some(&p.limit)), |q| q.limit = None),
        (paging_optional(|p| p.offset.as_deref()), |q| q.offset = None),
        (paging_optional(|p| Some(&p.marker)), |q| q.marker = None),
    ];
    let mut bare = query.clone();
    bare.filters.retain(|(k, _)| !optional(k));
    if optional("sort") {
        bare.sort = None;
    }
    unpaged.iter().filter(|(ok, _)| *ok).for_each(|(_, clear)| clear(&mut bare));
    let mut out = vec![bare];
    for (i, (k, _)) in query.filters.iter().enumerate() {
        if optional(k) {
            let mut q = query.clone();
            q.filters.remove(i);
            out.push(q);
        }
    }
    if let (Some(sort), true) = (&query.sort, optional("sort")) {
        out.push(Query { sort: None, ..query.clone() });
        let keys: Vec<&str> = sort.split(',').collect();
        for i in 0..keys.len() {
            let mut fewer = keys.clone();
            fewer.remove(i);
            if !fewer.is_empty() {
                out.push(Query { sort: Some(fewer.join(",")), ..query.clone() });
            }
            let mut plain = keys.clone();
            plain[i] = keys[i].split(':').next().unwrap_or_default();
            out.push(Query { sort: Some(plain.join(",")), ..query.clone() });
        }
    }
    for (ok, clear) in unpaged {
        if ok {
            let mut q = query.clone();
            clear(&mut q);
            out.push(q);
        }
    }
    out.retain(|q| q != query);
    out.dedup();
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::step::Arg;

    #[test]
    fn what_may_be_left_out_is_read_from_the_spec() {
        let definition = "/policy/scheduled_operations/0/operation_definition";
        assert!(member_optional("createPolicy", "/policy/description"));
        assert!(!member_optional("createPolicy", "/policy/name"));
        assert!(member_optional("createPolicy", &format!("{definition}/retention_duration_days")));
        // `enabled` is required in a created schedule, not in a changed one.
        assert!(!member_optional("createPolicy", "/policy/scheduled_operations/0/enabled"));
        assert!(member_optional("updatePolicy", "/policy/scheduled_operations/0/enabled"));
        assert!(member_optional("executePolicy", "/checkpoint/parameters/resources"));
        assert!(!member_optional("createPolicy", "/policy/no_such_member"));
        // Through `oneOf`: a capability question asks about one server at least.
        assert_eq!(min_items("checkResourceCapabilities", "/check_protectable"), Some(1));
        assert_eq!(min_items("createPolicy", "/policy/resources"), Some(0));
    }

    /// An update of policy#0 sending every member (name#1, description#2).
    pub(crate) fn full_update() -> Step {
        let schedule = ScheduleChange {
            max_backups: Some(3),
            retention_days: Some(2),
            permanent: Some(false),
            pattern: Some(crate::fixtures::schedule()),
            enabled: Some(false),
        };
        Step::UpdatePolicy {
            policy: 0,
            name: Some(1),
            description: Some(2),
            servers: Some(vec![0, 1]),
            schedule,
        }
    }

    #[test]
    fn a_full_update_has_each_member_left_out_halves_first() {
        let full = full_update();
        let variants = simpler(&full);
        let bare = Step::UpdatePolicy {
            policy: 0,
            name: None,
            description: None,
            servers: None,
            schedule: ScheduleChange::default(),
        };
        assert_eq!(variants.first(), Some(&bare));
        let only_name = variants.iter().filter(|v| {
            matches!(v, Step::UpdatePolicy { name: None, description: Some(2), schedule, .. } if schedule.enabled.is_some())
        });
        assert_eq!(only_name.count(), 1, "{variants:?}");
        // Fewer servers, never a place changed.
        let fewer = with_servers(&full, vec![1]);
        assert!(
            matches!(&fewer, Step::UpdatePolicy { servers: Some(s), name: Some(1), .. } if *s == [1])
        );
        assert!(variants.contains(&fewer), "{variants:?}");
        assert!(!variants.contains(&full));
        // The policy a step names stays the same in every variant; a later place is tried
        // as the first.
        assert!(variants.iter().all(|v| matches!(v, Step::UpdatePolicy { policy: 0, .. })));
        let show = |policy| Step::ShowPolicy { policy };
        assert_eq!(simpler(&show(3)), vec![show(0)]);
    }

    #[test]
    fn a_read_loses_each_filter_sort_key_direction_and_paging() {
        let query = Query {
            filters: vec![
                ("status".into(), Arg::Text("error".into())),
                ("name".into(), Arg::Name(0)),
            ],
            sort: Some("created_at:desc,name".into()),
            limit: Some(2),
            offset: None,
            marker: Some(1),
        };
        let variants = simpler(&Step::ListBackups { query: query.clone() });
        let queries: Vec<&Query> = variants
            .iter()
            .map(|v| match v {
                Step::ListBackups { query } => query,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(queries[0], &Query::default());
        let has = |q: Query| queries.contains(&&q);
        assert!(has(Query { filters: query.filters[1..].to_vec(), ..query.clone() }));
        assert!(has(Query { sort: Some("name".into()), ..query.clone() }));
        assert!(has(Query { sort: Some("created_at,name".into()), ..query.clone() }));
        assert!(has(Query { limit: None, ..query.clone() }));
        assert!(has(Query { marker: None, ..query.clone() }));
        // A count's filters too; a capability question keeps one server.
        let count = Step::CountBackups { filters: query.filters.clone() };
        assert_eq!(simpler(&count).len(), 3);
        assert_eq!(simpler(&Step::Capabilities { servers: vec![2] }), Vec::<Step>::new());
        // Inside a step of the other credential, and inside steps sent at once.
        let sorted =
            Step::ListPolicies { query: Query { sort: Some("name".into()), ..Query::default() } };
        let plain = Step::ListPolicies { query: Query::default() };
        let foreign =
            |step: &Step| Step::Foreign { step: Box::new(step.clone()), first_path: true };
        assert_eq!(simpler(&foreign(&sorted)), vec![foreign(&plain)]);
        let together = Step::Together(vec![sorted.clone(), Step::ShowQuotas]);
        assert_eq!(simpler(&together), vec![Step::Together(vec![plain, Step::ShowQuotas])]);
    }
}
