//! `max_limit_conformance`, per list whose `x-pagination` has a `max-limit`: a `limit` above
//! it is valid and answered with a page of at most `max-limit` items, the first of the default
//! order (CSBS: the `x-decision` on the `Limit` parameter; OpenStack's `osapi_max_limit`). On
//! a list of fewer items the page holds all of them; only a list holding more shows the cut.

use super::support::{fail, items_of};
use crate::checks::{Check, Verdict};
use crate::session::{status_text, Session};
use csbs_spec::behaviour::Pagination;

/// Asks `op_id` for one item more than its `max-limit` and judges the page against
/// `everything` (the list's IDs in the default order; `complete` when it is the whole list).
pub async fn check(
    session: &mut Session,
    op_id: &str,
    paging: &Pagination,
    everything: &[String],
    complete: bool,
) {
    let Some(max) = paging.max_limit.and_then(|m| usize::try_from(m).ok()) else { return };
    let case = "max_limit_conformance: limit above max-limit";
    if !complete && everything.len() < max {
        let why = format!("the list could not be read to its first {max} items");
        return session.recorder.skip(Check::MaxLimitConformance, op_id, case, why);
    }
    let asked = max.saturating_add(1);
    let request = session.request(op_id).query(&paging.limit, asked.to_string());
    let answer = session.call(&request, case).await;
    let verdict = match (answer.status, items_of(&answer, paging)) {
        (Some(200), Some(items)) => {
            let page = super::paging::ids(&items);
            judge_page(&page, asked, max, &everything[..max.min(everything.len())])
        }
        (status, _) => fail(
            "max-limit",
            format!(
                "{}={asked} answered {} without a list; a limit above max-limit ({max}) is valid and answered with at most {max} items",
                paging.limit,
                status_text(status)
            ),
        ),
    };
    session.judge(Check::MaxLimitConformance, &answer, case, verdict);
}

/// At most `max` items, and those the first of the default order (`wanted`).
fn judge_page(page: &[String], asked: usize, max: usize, wanted: &[String]) -> Verdict {
    if page.len() > max {
        return fail(
            "max-limit",
            format!("limit={asked} answered {} items; x-pagination max-limit is {max}", page.len()),
        );
    }
    match page.iter().zip(wanted).position(|(got, want)| got != want) {
        None if page.len() == wanted.len() => Ok(()),
        None => fail(
            "max-limit",
            format!(
                "limit={asked} answered {} items, expected {} (the first of the default order, at most max-limit {max})",
                page.len(),
                wanted.len()
            ),
        ),
        Some(at) => fail(
            "max-limit",
            format!(
                "limit={asked}: item {at} is {}, expected {} (the first items of the default order)",
                page[at], wanted[at]
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::judge_page;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("id-{i}")).collect()
    }

    #[test]
    fn a_page_is_cut_at_max_limit_and_holds_the_first_items() {
        let all = ids(5);
        assert!(judge_page(&all[..3], 4, 3, &all[..3]).is_ok());
        assert!(judge_page(&all[..4], 4, 3, &all[..3]).is_err(), "one beyond the cap");
        assert!(judge_page(&all[..2], 4, 3, &all[..3]).is_err(), "cut short");
        assert!(judge_page(&all[1..4], 4, 3, &all[..3]).is_err(), "not the first items");
        // A list shorter than the cap answers all of it.
        assert!(judge_page(&all[..2], 4, 3, &all[..2]).is_ok());
    }
}
