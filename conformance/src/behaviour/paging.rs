//! `pagination_conformance` and the unfiltered half of `count_conformance`, per list of the
//! spec (`x-pagination`): `limit` bounds a page and takes the first items of the default
//! order, at a small limit and at one less than everything; pages by `marker` visit every item
//! once, in order; `offset` skips; an offset past the end is an empty page (200); a `next` link
//! followed as given leads to the next page (on the endpoint, at the list's path); without
//! `limit` a page holds the documented default (`default_limit`); a list's `total` (on a full
//! page and on a small one) and each count (`x-count-of`) equal the items listed across every
//! page.

use super::filters::{count_value, counted};
use super::support::{fail, id_of, items_of, list_all};
use crate::checks::{Check, Verdict};
use crate::request::ApiRequest;
use crate::session::{status_text, Answer, Session};
use csbs_spec::behaviour::{count_of, pagination, sort_default, Pagination};
use csbs_spec::operations::{all_operations, find_operation};
use csbs_spec::rules::Direction;
use serde_json::Value;

/// Items per page in the marker walk (one where the list has only two).
const SMALL: usize = 2;
/// Pages walked at most.
const MAX_PAGES: usize = 60;

pub async fn run(session: &mut Session) {
    for op in all_operations() {
        if let Some(paging) = pagination(op) {
            check_list(session, &op.id, &paging).await;
            super::default_limit::check(session, op, &paging).await;
        }
        if let Some(count) = count_of(op) {
            check_count(session, &op.id, &count.operation).await;
        }
    }
}

pub(super) fn ids(items: &[Value]) -> Vec<String> {
    items.iter().filter_map(id_of).map(str::to_owned).collect()
}

fn same(what: &str, got: &[String], wanted: &[String]) -> Verdict {
    if got == wanted {
        Ok(())
    } else {
        fail(
            what,
            format!("{what}: listed {got:?}, expected {wanted:?} (the default order's items)"),
        )
    }
}

/// The page `limit` answered is the first `limit` items of the default order (no more).
fn first_items(page: &[String], limit: usize, everything: &[String]) -> Verdict {
    if page.len() > limit {
        return fail("limit", format!("limit={limit} answered {} items", page.len()));
    }
    same("limit", page, &everything[..limit.min(everything.len())])
}

async fn check_list(session: &mut Session, op_id: &str, paging: &Pagination) {
    let all = match list_all(session, &session.request(op_id), "pagination_conformance: everything")
        .await
    {
        Ok(all) if all.complete => all,
        Ok(partial) => {
            super::max_limit::check(session, op_id, paging, &ids(&partial.items), false).await;
            return session.recorder.skip(
                Check::PaginationConformance,
                op_id,
                "pagination",
                "the list is too long to page through",
            );
        }
        Err(why) => {
            let why = format!("the list failed: {why}");
            if paging.max_limit.is_some() {
                session.recorder.skip(Check::MaxLimitConformance, op_id, "pagination", &why);
            }
            return session.recorder.skip(Check::PaginationConformance, op_id, "pagination", why);
        }
    };
    let everything = ids(&all.items);
    super::max_limit::check(session, op_id, paging, &everything, true).await;
    if let Some(total) = &paging.total {
        let count = all.first.json.as_ref().and_then(|b| b.pointer(total)).and_then(Value::as_u64);
        let verdict =
            counted(count, everything.len(), &format!("{op_id} across its pages ({total})"));
        session.judge(
            Check::CountConformance,
            &all.first,
            "count_conformance: unfiltered",
            verdict,
        );
    }
    if everything.len() < 2 {
        let why = format!("too little to judge: {} items, paging needs two", everything.len());
        return session.recorder.skip(Check::PaginationConformance, op_id, "pagination", why);
    }
    let small = SMALL.min(everything.len() - 1);
    walk(session, &session.request(op_id), paging, &everything, small, "").await;
    let op = find_operation(op_id).expect("a documented list");
    super::combined::paged(session, op, paging, &all.items).await;
    sorted_marker_walk(session, op_id, paging).await;
}

/// The paging of the list `base` selects (its filters, its sort), whose items are `everything`
/// in the order `base` lists them: `limit`, the `next` link (it keeps the request's filters
/// and sort), the marker walk, `offset` (it skips items of the selected list), the list's
/// `total` on a page and after an offset, and no `next` link on the last page. `label` names
/// the selection in the cases ("" for the whole list); pages hold `small` items (fewer than
/// all).
pub(super) async fn walk(
    session: &mut Session,
    base: &ApiRequest,
    paging: &Pagination,
    everything: &[String],
    small: usize,
    label: &str,
) {
    let op_id = base.operation.id.as_str();
    // limit: the first page of the list's order.
    let case = format!("pagination_conformance: limit{label}");
    let sent = base.clone().query(&paging.limit, small.to_string());
    let first = session.call(&sent, &case).await;
    let page = ids(&items_of(&first, paging).unwrap_or_default());
    let verdict = first_items(&page, small, everything);
    session.judge(Check::PaginationConformance, &first, &case, verdict);
    if let Some(total) = &paging.total {
        // The count of every page is the whole list's, not the page's.
        let count = first.json.as_ref().and_then(|b| b.pointer(total)).and_then(Value::as_u64);
        let verdict = counted(
            count,
            everything.len(),
            &format!("{op_id}{label} across its pages ({total} read on a page of {small})"),
        );
        let case = format!("count_conformance: on a page{label}");
        session.judge(Check::CountConformance, &first, &case, verdict);
    }
    let most = everything.len() - 1;
    if most > small {
        let case = format!("pagination_conformance: limit of all but one{label}");
        let request = base.clone().query(&paging.limit, most.to_string());
        let answer = session.call(&request, &case).await;
        let page = ids(&items_of(&answer, paging).unwrap_or_default());
        let verdict = first_items(&page, most, everything);
        session.judge(Check::PaginationConformance, &answer, &case, verdict);
    }
    marker_walk(session, base, paging, small, everything, label).await;
    if let Some(links) = &paging.links {
        next_link(session, base, paging, links, (&sent, &first), small, everything, label).await;
        last_page(session, base, paging, links, everything, label).await;
    }
    if let Some(offset) = &paging.offset {
        let case = format!("pagination_conformance: offset{label}");
        let request = base.clone().query(offset, "1").query(&paging.limit, small.to_string());
        let answer = session.call(&request, &case).await;
        let page = ids(&items_of(&answer, paging).unwrap_or_default());
        let verdict = same("offset", &page, &everything[1..(1 + small).min(everything.len())]);
        session.judge(Check::PaginationConformance, &answer, &case, verdict);
        if let Some(total) = &paging.total {
            // An offset skips items of the page, not of the count.
            let count = answer.json.as_ref().and_then(|b| b.pointer(total)).and_then(Value::as_u64);
            let what = format!("{op_id}{label} across its pages ({total} read with {offset}=1)");
            let case = format!("count_conformance: after an offset{label}");
            session.judge(
                Check::CountConformance,
                &answer,
                &case,
                counted(count, everything.len(), &what),
            );
        }
        // The last item alone: an offset counts items of the selected list only.
        let case = format!("pagination_conformance: offset to the last item{label}");
        let skip = everything.len() - 1;
        let answer = session.call(&base.clone().query(offset, skip.to_string()), &case).await;
        let page = ids(&items_of(&answer, paging).unwrap_or_default());
        let verdict = same("offset", &page, &everything[skip..]);
        session.judge(Check::PaginationConformance, &answer, &case, verdict);
        let case = format!("pagination_conformance: offset past the end{label}");
        let past = (everything.len() + 5).to_string();
        let answer = session.call(&base.clone().query(offset, past.clone()), &case).await;
        let verdict = match (answer.status, items_of(&answer, paging)) {
            (Some(200), Some(items)) if items.is_empty() => Ok(()),
            (Some(200), Some(items)) => fail("offset", format!("{offset}={past} (past the end) listed {} items", items.len())),
            (status, _) => fail(
                "offset",
                format!("{offset}={past} (past the end) answered {}; clients page until an empty 200 page", status_text(status)),
            ),
        };
        session.judge(Check::PaginationConformance, &answer, &case, verdict);
    }
}

/// The marker walk under a `sort` other than the default (the reverse of the default's first
/// key): a marker names the last item of the previous page in the requested order.
async fn sorted_marker_walk(session: &mut Session, op_id: &str, paging: &Pagination) {
    let Some((_, keys)) = sort_default(find_operation(op_id).expect("a documented list")) else {
        return;
    };
    let Some((key, direction)) = keys.first() else { return };
    let reverse = if *direction == Direction::Desc { "asc" } else { "desc" };
    let base = session.request(op_id).query("sort", format!("{key}:{reverse}"));
    let case = format!("pagination_conformance: marker with sort={key}:{reverse}");
    let Ok(all) = list_all(session, &base, &case).await else { return };
    let everything = ids(&all.items);
    if all.complete && everything.len() >= 2 {
        let small = SMALL.min(everything.len() - 1);
        let label = format!(" with sort={key}:{reverse}");
        marker_walk(session, &base, paging, small, &everything, &label).await;
    }
}

/// A page that reaches the end of the list has no `next` link ("Link to the next page, when
/// there is one"): a client following it would ask for an empty page.
async fn last_page(
    session: &mut Session,
    base: &ApiRequest,
    paging: &Pagination,
    links: &str,
    everything: &[String],
    label: &str,
) {
    let case = format!("pagination_conformance: no next link on the last page{label}");
    if paging.max_limit.is_some_and(|max| everything.len() as u64 > max) {
        return;
    }
    let request = base.clone().query(&paging.limit, everything.len().to_string());
    let answer = session.call(&request, &case).await;
    let verdict = match next_href(&answer, links) {
        Some(href) => fail(
            "links",
            format!(
                "{}={} lists all {} items, yet {links} has a next link {href}",
                paging.limit,
                everything.len(),
                everything.len()
            ),
        ),
        None => Ok(()),
    };
    session.judge(Check::PaginationConformance, &answer, &case, verdict);
}

/// Pages of `small` items by marker: every item once, in the default order.
async fn marker_walk(
    session: &mut Session,
    base: &ApiRequest,
    paging: &Pagination,
    small: usize,
    everything: &[String],
    label: &str,
) {
    let case = format!("pagination_conformance: marker{label}");
    let mut seen: Vec<String> = Vec::new();
    let mut last_answer = None;
    let mut marker: Option<String> = None;
    let mut ended = false;
    for _ in 0..MAX_PAGES {
        let mut request = base.clone().query(&paging.limit, small.to_string());
        if let Some(m) = &marker {
            request = request.query(&paging.marker, m.clone());
        }
        let answer = session.call(&request, &case).await;
        let page = ids(&items_of(&answer, paging).unwrap_or_default());
        let repeated = page.first().is_some_and(|id| seen.contains(id));
        seen.extend(page.iter().cloned());
        let next = page.last().cloned();
        last_answer = Some(answer);
        if page.len() < small || repeated || seen.len() > everything.len() {
            ended = true;
            break;
        }
        marker = next;
    }
    let Some(answer) = last_answer else { return };
    // A list longer than the pages walked is judged on the part walked.
    let wanted = if ended { everything } else { &everything[..seen.len().min(everything.len())] };
    let verdict = same("marker", &seen, wanted);
    session.judge(Check::PaginationConformance, &answer, &case, verdict);
}

/// The `href` of an answer's `next` link at `links`.
pub(super) fn next_href(answer: &Answer, links: &str) -> Option<String> {
    let links = answer.json.as_ref()?.pointer(links)?.as_array()?;
    let next = links.iter().find(|l| l.get("rel").and_then(Value::as_str) == Some("next"))?;
    next.get("href")?.as_str().map(str::to_owned)
}

/// The `next` link of the first page (`sent`, answered `first`), followed as given, leads to
/// the second page of the same selection.
#[allow(clippy::too_many_arguments)]
async fn next_link(
    session: &mut Session,
    base: &ApiRequest,
    paging: &Pagination,
    links: &str,
    (sent, first): (&ApiRequest, &Answer),
    small: usize,
    everything: &[String],
    label: &str,
) {
    let case = format!("pagination_conformance: next link{label}");
    let Some(href) = next_href(first, links) else {
        return session.recorder.skip(
            Check::PaginationConformance,
            &base.operation.id,
            &case,
            format!("the first page has no next link at {links} (links are optional)"),
        );
    };
    let asked = format!("{}{}", session.sender.target.base(base.operation.service), sent.target());
    let query = match followed(&asked, &href) {
        Ok(query) => query,
        Err(why) => {
            let verdict = fail("links", why);
            return session.judge(Check::PaginationConformance, first, &case, verdict);
        }
    };
    let mut request = base.clone();
    request.query = form_pairs(&query);
    let answer = session.call(&request, &case).await;
    let page = ids(&items_of(&answer, paging).unwrap_or_default());
    let wanted = &everything[small..(2 * small).min(everything.len())];
    let verdict = same("next link", &page, wanted).map_err(|mut f| {
        f.message.push_str(&format!(" (the next link {href})"));
        f
    });
    session.judge(Check::PaginationConformance, &answer, &case, verdict);
}

/// The query of the page a client reaches by following `href` as given (a URL reference,
/// resolved against `asked`, the URL of the page that carried it): it must stay on the
/// endpoint's origin and the list's path. A link to another host (an internal one the client
/// cannot reach) or another path is not the next page of this list, and a client following it
/// would send its credential there.
fn followed(asked: &str, href: &str) -> Result<String, String> {
    let asked = reqwest::Url::parse(asked).map_err(|e| format!("the page's URL {asked}: {e}"))?;
    let to = asked
        .join(href)
        .map_err(|e| format!("the next link {href} is not a URL reference ({e})"))?;
    if to.origin() != asked.origin() {
        return Err(format!(
            "the next link {href} leads to {}, not to the endpoint {} that answered the page \
             (a client following it as given leaves the endpoint)",
            to.origin().ascii_serialization(),
            asked.origin().ascii_serialization()
        ));
    }
    if to.path() != asked.path() {
        return Err(format!(
            "the next link {href} names the path {}, not the list's {}",
            to.path(),
            asked.path()
        ));
    }
    to.query().map(str::to_owned).ok_or_else(|| format!("the next link {href} has no query"))
}

/// The decoded pairs of a query string.
fn form_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A count without filters equals everything its list lists.
async fn check_count(session: &mut Session, op_id: &str, list_id: &str) {
    let case = "count_conformance: unfiltered";
    let list = find_operation(list_id).expect("the counted list is documented");
    let answer = session.call(&session.request(op_id), case).await;
    let count = count_value(answer.operation, &answer);
    match list_all(session, &session.request(&list.id), case).await {
        Ok(all) if all.complete => {
            let verdict = counted(count, all.items.len(), &format!("{list_id} across its pages"));
            session.judge(Check::CountConformance, &answer, case, verdict);
        }
        _ => session.recorder.skip(
            Check::CountConformance,
            op_id,
            case,
            "the list to compare with could not be read in full",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::followed;

    #[test]
    fn a_next_link_is_followed_as_given_and_stays_on_the_endpoint_and_the_list() {
        let asked = "http://127.0.0.1:8080/v1/p/policies?limit=2";
        let same = Ok("limit=2&marker=b".to_owned());
        assert_eq!(followed(asked, "/v1/p/policies?limit=2&marker=b"), same);
        assert_eq!(followed(asked, "http://127.0.0.1:8080/v1/p/policies?limit=2&marker=b"), same);
        assert_eq!(followed(asked, "policies?limit=2&marker=b"), same);
        let other_host = followed(asked, "http://10.0.0.7:8080/v1/p/policies?marker=b");
        assert!(other_host.unwrap_err().contains("leads to http://10.0.0.7:8080"));
        let other_path = followed(asked, "/v1/q/policies?marker=b").unwrap_err();
        assert!(other_path.contains("names the path /v1/q/policies"), "{other_path}");
        assert!(followed(asked, "/v1/p/policies").unwrap_err().contains("has no query"));
    }
}
