//! One finding per difference: the same difference found at several places (a table repeated
//! in several sections, a recursive schema such as CBR's `children[]`) is one finding that
//! lists its places. The same difference is the same kind and values on the same spec node,
//! for a field of the same name on the same side (parameter, body, response); a finding
//! without a spec node keeps its own place.

use crate::doc_drift::finding::Finding;

fn key(f: &Finding) -> String {
    let first = f.location.split(['.', ' ']).next().unwrap_or("");
    let last = f.location.rsplit(['.', ' ']).next().unwrap_or("");
    let at = match &f.spec_pointer {
        Some(pointer) => format!("{pointer} {first} {last}"),
        None => format!("{:?} {:?} {}", f.operation, f.section, f.location),
    };
    serde_json::json!([
        f.document,
        f.kind,
        at,
        f.document_value,
        f.spec_value,
        f.explained_by,
        f.other_document,
        f.other_value,
        f.aspect
    ])
    .to_string()
}

/// The findings grouped, in the order of their first places; every finding lists its places.
pub fn group(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for f in findings {
        let place = f.place();
        match index.get(&key(&f)) {
            Some(&i) => {
                let g = &mut out[i];
                if !g.places.contains(&place) {
                    g.places.push(place);
                }
                for s in f.stale {
                    if !g.stale.contains(&s) {
                        g.stale.push(s);
                    }
                }
            }
            None => {
                index.insert(key(&f), out.len());
                out.push(Finding { places: vec![place], ..f });
            }
        }
    }
    out
}
