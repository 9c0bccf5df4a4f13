//! Field trees: the root table of a request or response body, with each object-typed field
//! led to the table of its type. The documents name those tables in several ways: `For
//! details, see Table 5-26`, a title `Parameter description of field policy_param` that
//! matches the Type cell more or less (`protect_response` vs `protect_resp`, and PDF line
//! wraps inside names), a title naming the type (`Table 5 BackupResp`), or no title at all,
//! in which case the tables follow the order in which a depth-first reading meets the types.

use crate::doc_drift::cells::{clean_name, mandatory, parse_type, DocType};
use crate::doc_drift::layout::Table;
use crate::doc_drift::model::Field;

/// The type a titled table describes, or `None` for a generic title (`Parameter
/// description`, `Path Parameters`).
pub fn type_title(table: &Table) -> Option<String> {
    let title = table.title.as_deref()?;
    if let Some(name) = title.strip_prefix("Parameter description of field") {
        return Some(clean_name(name));
    }
    let compact = clean_name(title);
    let generic = title.to_ascii_lowercase().contains("parameter");
    (!generic && crate::doc_drift::cells::is_name(&compact)).then_some(compact)
}

/// A name for matching: lower case, without spaces and underscores.
fn squash(name: &str) -> String {
    name.chars().filter(|c| *c != '_' && !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// `squash` without a role suffix or a plural `s` (`scheduled_operations` and
/// `scheduled_operation_resp` meet at `scheduledoperation`).
fn stem(name: &str) -> String {
    let mut s = squash(name);
    for suffix in ["response", "resp"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            if !rest.is_empty() {
                s = rest.to_owned();
                break;
            }
        }
    }
    if s.len() > 3 && s.ends_with('s') {
        s.pop();
    }
    s
}

/// `Table 5-26` referred to in a description.
fn table_reference(description: &str) -> Option<String> {
    let at = description.find("see Table ")?;
    let rest = &description[at + "see Table ".len()..];
    let number: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
    (!number.is_empty()).then_some(number)
}

fn field_of(table: &Table, row: &[String]) -> Field {
    let name = clean_name(table.cell(row, "Parameter").unwrap_or(""));
    let type_text = table.cell(row, "Type").unwrap_or("").trim().to_owned();
    Field {
        name,
        mandatory: table.cell(row, "Mandatory").and_then(mandatory),
        ty: parse_type(&type_text),
        type_text,
        description: table.cell(row, "Description").unwrap_or("").trim().to_owned(),
        children: None,
    }
}

struct Resolver<'a> {
    tables: &'a [&'a Table],
    untitled_used: Vec<bool>,
    reached: Vec<bool>,
}

impl Resolver<'_> {
    fn find(&mut self, field: &Field) -> Option<usize> {
        let by = |pred: &dyn Fn(&Table) -> bool| self.tables.iter().position(|t| pred(t));
        if let Some(number) = table_reference(&field.description) {
            if let Some(i) = by(&|t| t.number.as_deref() == Some(number.as_str())) {
                return Some(i);
            }
        }
        let type_name = match field.ty.element() {
            DocType::Object(name) => name.clone(),
            _ => return None,
        };
        let mut names: Vec<String> = type_name.into_iter().collect();
        names.push(field.name.clone());
        for matches in [&squash as &dyn Fn(&str) -> String, &stem] {
            for name in &names {
                let wanted = matches(name);
                if let Some(i) =
                    by(&|t| type_title(t).is_some_and(|title| matches(&title) == wanted))
                {
                    return Some(i);
                }
            }
        }
        // Untitled type tables follow the order in which the types are first met.
        let next = (0..self.tables.len())
            .find(|&i| self.tables[i].title.is_none() && !self.untitled_used[i])?;
        self.untitled_used[next] = true;
        Some(next)
    }

    fn fields(&mut self, table: usize, stack: &mut Vec<usize>) -> Vec<Field> {
        self.reached[table] = true;
        stack.push(table);
        let t = self.tables[table];
        let mut out = Vec::new();
        for row in &t.rows {
            let mut field = field_of(t, row);
            if let Some(child) = self.find(&field) {
                if !stack.contains(&child) {
                    field.children = Some(self.fields(child, stack));
                } else {
                    // A recursive type (`children: Array of BackupResp objects`): one level.
                    field.children = Some(
                        self.tables[child]
                            .rows
                            .iter()
                            .map(|r| field_of(self.tables[child], r))
                            .collect(),
                    );
                }
            }
            out.push(field);
        }
        stack.pop();
        out
    }
}

/// The fields of a body: the first table with a generic title is the root, the others
/// describe types. Returns the root fields and the titles of tables no field led to.
pub fn body_fields(tables: &[&Table]) -> (Vec<Field>, Vec<String>) {
    let root = tables.iter().position(|t| type_title(t).is_none()).unwrap_or(0);
    let mut resolver = Resolver {
        tables,
        untitled_used: vec![false; tables.len()],
        reached: vec![false; tables.len()],
    };
    resolver.untitled_used[root] = true;
    let fields = resolver.fields(root, &mut Vec::new());
    let unreached = (0..tables.len())
        .filter(|&i| !resolver.reached[i])
        .map(|i| {
            tables[i]
                .title
                .clone()
                .unwrap_or_else(|| format!("untitled table at line {}", tables[i].line + 1))
        })
        .collect();
    (fields, unreached)
}

/// The rows of a parameter table as fields (no nesting).
pub fn parameter_fields(table: &Table) -> Vec<Field> {
    table.rows.iter().map(|row| field_of(table, row)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(title: Option<&str>, number: Option<&str>, rows: &[[&str; 3]]) -> Table {
        Table {
            title: title.map(str::to_owned),
            number: number.map(str::to_owned),
            columns: ["Parameter", "Type", "Description"].map(String::from).to_vec(),
            rows: rows.iter().map(|r| r.map(String::from).to_vec()).collect(),
            line: 0,
        }
    }

    #[test]
    fn a_table_reference_in_the_description_wins() {
        let root = table(
            Some("Parameter description"),
            None,
            &[["policy", "policy_res p", "For details, see Table 5-30 ."]],
        );
        let decoy = table(
            Some("Parameter description of field policy_resp"),
            Some("5-99"),
            &[["x", "String", "X"]],
        );
        let target = table(
            Some("Parameter description of field other"),
            Some("5-30"),
            &[["id", "String", "ID"]],
        );
        let (fields, unreached) = body_fields(&[&root, &decoy, &target]);
        assert_eq!(fields[0].children.as_ref().unwrap()[0].name, "id");
        assert_eq!(unreached, vec!["Parameter description of field policy_resp"]);
    }

    #[test]
    fn titles_match_type_cells_despite_suffixes_and_wraps() {
        let root = table(
            Some("Parameter description"),
            None,
            &[
                ["checkpoint", "protect_response", "Backup response"],
                ["scheduled_operations", "List<scheduled_operations>", "List"],
            ],
        );
        let protect = table(
            Some("Parameter description of field protect_resp"),
            None,
            &[["status", "String", "S"]],
        );
        let ops = table(
            Some("Parameter description of field scheduled_operation_resp"),
            None,
            &[["trigger", "trigger_res_p", "T"]],
        );
        let trigger = table(
            Some("Parameter description of field trigger_resp"),
            None,
            &[["id", "String", "ID"]],
        );
        let (fields, unreached) = body_fields(&[&root, &protect, &ops, &trigger]);
        assert!(unreached.is_empty(), "{unreached:?}");
        assert_eq!(fields[0].children.as_ref().unwrap()[0].name, "status");
        let op = &fields[1].children.as_ref().unwrap()[0];
        assert_eq!(op.children.as_ref().unwrap()[0].name, "id");
    }

    #[test]
    fn untitled_tables_follow_depth_first_order() {
        let root = table(None, None, &[["checkpoint", "CheckpointCreate object", "C"]]);
        let create = table(
            None,
            None,
            &[["vault", "Vault object", "V"], ["extra_info", "Extra object", "E"]],
        );
        let vault = table(None, None, &[["resources", "Array of Resource objects", "R"]]);
        let resource = table(None, None, &[["id", "String", "ID"]]);
        let (fields, unreached) = body_fields(&[&root, &create, &vault, &resource]);
        assert!(unreached.is_empty());
        let create = fields[0].children.as_ref().unwrap();
        let vault = create[0].children.as_ref().unwrap();
        assert_eq!(vault[0].children.as_ref().unwrap()[0].name, "id");
        assert_eq!(create[1].children, None, "no table left for extra_info");
    }

    #[test]
    fn a_dict_field_takes_the_table_named_after_it() {
        let root = table(
            Some("Parameter description"),
            None,
            &[["extend_info", "Dict", "Extension"], ["name", "String", "N"]],
        );
        let info = table(
            Some("Parameter description of field extend_info"),
            None,
            &[["size", "Integer", "S"]],
        );
        let (fields, _) = body_fields(&[&root, &info]);
        assert_eq!(fields[0].children.as_ref().unwrap()[0].name, "size");
        assert_eq!(fields[1].children, None);
    }
}
