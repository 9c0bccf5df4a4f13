//! What an operation creates and where it shows: OpenAPI `links` on the success response
//! (to the operations that show, list, change and delete the new object), and `x-echo` (on
//! the response and on each link): which property of the objects reached carries which
//! value of the request.

use super::expr::Expr;
use super::{success_response, typed};
use crate::operations::find_operation;
use crate::Operation;
use serde::Deserialize;
use serde_json::Value;

/// One property that must carry a value of the request that made or changed the object.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct EchoField {
    /// Where the value was sent (`$request.body#/policy/name`).
    pub request: Expr,
    /// A pointer into one object (`/name`; `*` for every item of an array, compared as a
    /// multiset with the request's values).
    pub property: String,
}

/// The objects an answer holds (`/policy`, `/policies/*`) and what they echo.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Echo {
    pub objects: String,
    pub fields: Vec<EchoField>,
}

/// What a change leaves alone (`x-keeps` on its success response): every member of the
/// object at `objects` that the request's `unsent` object does not name keeps the value it had
/// before the request, as the links with `x-echo` on the same objects show it; except the
/// members of `follows` (pointer in the object to pointer in the request object), which follow
/// that part of the request when it is sent (a policy's `status` follows its schedule's
/// `enabled`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Keeps {
    pub objects: String,
    pub unsent: Expr,
    #[serde(default)]
    pub follows: std::collections::BTreeMap<String, String>,
}

/// What `op`'s success answer keeps of the object it changes.
pub fn response_keeps(op: &Operation) -> Option<Keeps> {
    success_response(op).and_then(|r| r.get("x-keeps")).map(|v| typed(op, "x-keeps", v))
}

/// What a list link promises (`x-same`): every object the list holds at `objects`
/// (`/policies/*`) reads the same as the object its show answers at `shown` (`/policy`), in
/// every member both have, apart from the members at the `except` pointers, which change on
/// their own (a backup's `status` while it is made).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Same {
    pub objects: String,
    pub shown: String,
    #[serde(default)]
    pub except: Vec<String>,
}

/// A link from an operation's success to another operation, with the values that fill the
/// other's parameters.
#[derive(Clone, Debug)]
pub struct Link {
    pub name: String,
    pub operation: &'static Operation,
    /// Parameter name and where its value comes from.
    pub parameters: Vec<(String, Expr)>,
    pub description: String,
    /// What every object the linked operation answers echoes of the first request.
    pub echo: Option<Echo>,
    /// For a link from a list to the show of its items, what both read alike.
    pub same: Option<Same>,
}

impl Link {
    /// The linked operation's parameters for one listed object of [`Same::objects`]: the
    /// link's `$response.body#/<array>/0/...` expressions read from `item` instead of the
    /// first. `None` when a parameter is not of that form or the item lacks it.
    pub fn parameters_of_item(&self, item: &Value) -> Option<Vec<(String, String)>> {
        let same = self.same.as_ref()?;
        let first = same.objects.strip_suffix('*')?.to_owned() + "0";
        self.parameters
            .iter()
            .map(|(name, expr)| {
                let Expr::ResponseBody(pointer) = expr else { return None };
                let value = item.pointer(pointer.strip_prefix(&first)?)?;
                let text = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
                Some((name.clone(), text))
            })
            .collect()
    }
}

#[derive(Deserialize)]
struct RawLink {
    #[serde(rename = "operationId")]
    operation_id: String,
    #[serde(default)]
    parameters: std::collections::BTreeMap<String, Expr>,
    #[serde(default)]
    description: String,
    #[serde(rename = "x-echo")]
    echo: Option<Echo>,
    #[serde(rename = "x-same")]
    same: Option<Same>,
}

/// The links of `op`'s success response, in document order.
pub fn links(op: &Operation) -> Vec<Link> {
    let Some(map) = success_response(op).and_then(|r| r.get("links")).and_then(Value::as_object)
    else {
        return Vec::new();
    };
    map.iter()
        .map(|(name, value)| {
            let raw: RawLink = typed(op, "links", value);
            let operation = find_operation(&raw.operation_id).unwrap_or_else(|| {
                panic!("link {name} of {} names no operation {}", op.id, raw.operation_id)
            });
            Link {
                name: name.clone(),
                operation,
                parameters: raw.parameters.into_iter().collect(),
                description: raw.description,
                echo: raw.echo,
                same: raw.same,
            }
        })
        .collect()
}

/// The link that deletes what `op` created (to a DELETE operation), if `op` creates.
pub fn deletion(op: &Operation) -> Option<Link> {
    links(op).into_iter().find(|l| l.operation.method == "DELETE")
}

/// What `op`'s own success answer echoes of its request.
pub fn response_echo(op: &Operation) -> Option<Echo> {
    success_response(op).and_then(|r| r.get("x-echo")).map(|v| typed(op, "x-echo", v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creations_link_to_their_deletion() {
        for (op, delete, parameter) in [
            ("createPolicy", "deletePolicy", "policy_id"),
            ("protectResource", "deleteCheckpoint", "checkpoint_id"),
            ("executePolicy", "deleteCheckpoint", "checkpoint_id"),
        ] {
            let op = find_operation(op).unwrap();
            let link = deletion(op).unwrap_or_else(|| panic!("{} has no deletion", op.id));
            assert_eq!(link.operation.id, delete);
            assert!(link.parameters.iter().any(|(name, _)| name == parameter), "{}", op.id);
        }
        assert!(deletion(find_operation("showPolicy").unwrap()).is_none());
    }

    #[test]
    fn an_update_keeps_what_it_does_not_send() {
        let keeps = response_keeps(find_operation("updatePolicy").unwrap()).expect("x-keeps");
        assert_eq!(keeps.objects, "/policy");
        assert_eq!(keeps.unsent, Expr::parse("$request.body#/policy").unwrap());
        assert!(response_keeps(find_operation("createPolicy").unwrap()).is_none());
    }

    #[test]
    fn lists_link_each_item_to_its_show() {
        let list = find_operation("listBackups").unwrap();
        let link = links(list).into_iter().find(|l| l.same.is_some()).expect("x-same");
        assert_eq!(link.operation.id, "showBackup");
        let item = serde_json::json!({"id": "b-1", "name": "x"});
        let parameters = link.parameters_of_item(&item).unwrap();
        assert_eq!(parameters, vec![("checkpoint_item_id".to_owned(), "b-1".to_owned())]);
        assert_eq!(link.parameters_of_item(&serde_json::json!({"name": "x"})), None);
    }

    #[test]
    fn echoes_name_request_values() {
        let create = find_operation("createPolicy").unwrap();
        let echo = response_echo(create).unwrap();
        assert_eq!(echo.objects, "/policy");
        let listed = links(create).into_iter().find(|l| l.operation.id == "listPolicies").unwrap();
        assert_eq!(listed.echo.unwrap().objects, "/policies/*");
    }
}
