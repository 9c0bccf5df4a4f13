//! Which documented response answers a documented request: the example response printed on
//! the same page (same `x-source`), else the one with the same name, else the operation's only
//! success example. The conformance runner compares a replayed answer with it.

use crate::examples::{examples, Example, ExampleKind};

fn is_success_response(example: &Example) -> Option<u16> {
    match example.kind {
        ExampleKind::Response(status) if (200..300).contains(&status) => Some(status),
        _ => None,
    }
}

/// The success response example paired with a request or URL example, if the operation
/// documents one.
pub fn paired_response(request: &Example) -> Option<Example> {
    let candidates: Vec<Example> = examples(request.service)
        .into_iter()
        .filter(|e| e.operation_id == request.operation_id && is_success_response(e).is_some())
        .collect();
    let same_source = |e: &&Example| request.source.is_some() && e.source == request.source;
    let by_source: Vec<&Example> = candidates.iter().filter(same_source).collect();
    if let [only] = by_source.as_slice() {
        return Some((*only).clone());
    }
    if let Some(same_name) = candidates.iter().find(|e| e.name == request.name) {
        return Some(same_name.clone());
    }
    match candidates.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::all_examples;

    fn request(operation: &str, name: &str) -> Example {
        all_examples()
            .into_iter()
            .find(|e| {
                e.operation_id == operation
                    && e.name == name
                    && !matches!(e.kind, ExampleKind::Response(_))
            })
            .unwrap_or_else(|| panic!("no request example {operation}/{name}"))
    }

    #[test]
    fn requests_pair_with_the_response_of_their_page() {
        let paired = |op, name| paired_response(&request(op, name)).map(|e| e.name);
        assert_eq!(
            paired("checkResourceCapabilities", "check_restorable").as_deref(),
            Some("check_restorable")
        );
        assert_eq!(
            paired("listBackups", "list_all_newer_page").as_deref(),
            Some("one_available_server_backup_newer_page")
        );
        assert_eq!(paired("countBackups", "count_by_status").as_deref(), Some("count"));
        // The Getting Started page prints no response: the operation's only one stands in.
        assert_eq!(
            paired("protectResource", "getting_started").as_deref(),
            Some("protecting_checkpoint")
        );
        assert_eq!(paired("deletePolicy", "delete_policy"), None);
    }
}
