//! Response bodies rendered from the stored records, one module per document.

pub mod cbr;
pub mod csbs;

use crate::clock::Micros;
use crate::state::{Backup, Project, View};
use serde::Serialize;
use std::sync::Arc;

/// A backup's view in one document, rendered, from its project's cache when settled.
pub fn rendered(projects: &[&Project], b: &Backup, view: View, now: Micros) -> Arc<[u8]> {
    let render = || {
        let out = match view {
            View::Csbs => serde_json::to_vec(&csbs::backup(b, now)),
            View::Cbr => serde_json::to_vec(&cbr::backup(b, now)),
        };
        // Serializing the views cannot fail: their maps have string keys.
        out.unwrap_or_else(|_| b"{}".to_vec())
    };
    match projects.iter().find(|p| p.id == b.checkpoint.project_id) {
        Some(project) => project.rendered.get_or_render(b, view, now, render),
        None => render().into(),
    }
}

/// `{"<key>": [items...], <tail members>}` from items already rendered; `tail` is a struct
/// (or map) whose members follow the list.
pub fn list_body(key: &str, items: &[Arc<[u8]>], tail: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + items.iter().map(|i| i.len() + 1).sum::<usize>());
    // Writing JSON into a Vec cannot fail, and the views' maps have string keys.
    out.push(b'{');
    let _ = serde_json::to_writer(&mut out, key);
    out.extend_from_slice(b":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.push(b']');
    // The tail's object without its braces: `{}` adds nothing, `{"a":1}` adds `,"a":1`.
    let members = out.len();
    let _ = serde_json::to_writer(&mut out, tail);
    if out.len() - members > 2 && out[members] == b'{' {
        out[members] = b',';
    } else {
        out.truncate(members);
        out.push(b'}');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_bodies_are_json() {
        use serde_json::{json, Value};
        let items: Vec<Arc<[u8]>> = vec![Arc::from(&b"{\"a\":1}"[..]), Arc::from(&b"[2]"[..])];
        let body: Value = serde_json::from_slice(&list_body(
            "items",
            &items,
            &json!({"count": 2, "more": {"x": []}}),
        ))
        .unwrap();
        assert_eq!(body, json!({"items": [{"a": 1}, [2]], "count": 2, "more": {"x": []}}));
        let empty: Value = serde_json::from_slice(&list_body("items", &[], &json!({}))).unwrap();
        assert_eq!(empty, json!({"items": []}));
    }
}
