//! What a server's first backup is, whatever the request asked (`x-first-backup` on
//! `protectResource`: "the first backup of a server is always full").

use super::expr::Expr;
use super::{operation_extension, typed};
use crate::Operation;
use serde::Deserialize;

/// `x-first-backup`: a backup of the server `of` names, made when the project holds no backup
/// of that server, takes the value `is` for the request member `asked`, whatever was sent;
/// later backups take the value sent. Each view in `shown` shows it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct FirstBackup {
    /// The server backed up.
    pub of: Expr,
    /// The request member the first backup does not follow (`incremental`).
    pub asked: Expr,
    /// The backup record the request made.
    pub made: Expr,
    /// The value the first backup takes (`false`: full).
    pub is: serde_json::Value,
    /// Where the backup shows the member.
    pub shown: Vec<Shown>,
}

/// A list that shows the member: its items selected by the query parameter `filter` set to
/// the record made, and the member at `property` of one item.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Shown {
    pub operation: String,
    pub filter: String,
    pub property: String,
}

/// What `op` makes of a server's first backup, if the documents say.
pub fn first_backup(op: &Operation) -> Option<FirstBackup> {
    operation_extension(op, "x-first-backup").map(|v| typed(op, "x-first-backup", v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::find_operation;

    #[test]
    fn a_first_protect_is_full_in_both_views() {
        let rule = first_backup(find_operation("protectResource").unwrap()).unwrap();
        assert_eq!(rule.is, serde_json::json!(false));
        let views: Vec<&str> = rule.shown.iter().map(|s| s.operation.as_str()).collect();
        assert_eq!(views, ["listBackups", "listCbrBackups"]);
        assert!(first_backup(find_operation("executePolicy").unwrap()).is_none());
    }
}
