//! What the cells of a parameter table mean: parameter names (PDF line wraps removed), the
//! Mandatory column, the vendor's type words, and the cutting of one-cell-per-line text
//! into rows.

/// A type as the documents write it (`String`, `Integer`, `List<resource>`, `Array of
/// BackupResp objects`, `Dict`, `policy_param`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocType {
    /// A JSON Schema scalar type: `string`, `integer`, `number` or `boolean`.
    Scalar(&'static str),
    /// An object, with the name of its type when the document gives one.
    Object(Option<String>),
    Array(Box<DocType>),
    /// A cell that names no type the parser knows.
    Unknown(String),
}

impl DocType {
    /// The JSON Schema type word (`string`, `object`, `array`, ...).
    pub fn json_type(&self) -> Option<&'static str> {
        match self {
            DocType::Scalar(t) => Some(t),
            DocType::Object(_) => Some("object"),
            DocType::Array(_) => Some("array"),
            DocType::Unknown(_) => None,
        }
    }

    /// The innermost element type of nested arrays.
    pub fn element(&self) -> &DocType {
        match self {
            DocType::Array(inner) => inner.element(),
            other => other,
        }
    }
}

/// A parameter or field name: letters, digits, `_`, `-`, `.`, not starting with a digit.
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    text.len() <= 80
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A name cell with the spaces a PDF line wrap left inside it removed
/// (`retention_duration_d ays` is `retention_duration_days`).
pub fn clean_name(cell: &str) -> String {
    cell.split_whitespace().collect()
}

/// `Yes`/`No` of the Mandatory column (a remark may follow the word).
pub fn mandatory(cell: &str) -> Option<bool> {
    let word = cell.split_whitespace().next()?;
    match word {
        "Yes" | "yes" => Some(true),
        "No" | "no" => Some(false),
        _ => None,
    }
}

fn scalar(word: &str) -> Option<DocType> {
    let t = match word.to_ascii_lowercase().as_str() {
        "string" | "strings" | "str" => "string",
        "integer" | "integers" | "int" | "long" | "int32" | "int64" | "short" => "integer",
        "number" | "numbers" | "float" | "double" | "decimal" | "bigdecimal" => "number",
        "boolean" | "booleans" | "bool" => "boolean",
        _ => return None,
    };
    Some(DocType::Scalar(t))
}

/// Reads a Type cell.
pub fn parse_type(cell: &str) -> DocType {
    let text = cell.trim();
    if let Some(inner) = text.strip_prefix("List<").and_then(|t| t.strip_suffix('>')) {
        return DocType::Array(Box::new(parse_type(inner)));
    }
    if let Some(inner) = text.strip_prefix("Array of ") {
        let inner = inner.trim();
        let inner = inner
            .strip_suffix(" objects")
            .or_else(|| inner.strip_suffix(" object"))
            .map(|name| DocType::Object(Some(clean_name(name))));
        let element = inner.unwrap_or_else(|| parse_type(text.trim_start_matches("Array of ")));
        return DocType::Array(Box::new(element));
    }
    if let Some(name) = text.strip_suffix(" object") {
        return DocType::Object(Some(clean_name(name)));
    }
    // A PDF line wrap leaves a space inside a type name (`policy_res p`); prose keeps its
    // spaces, so only names with an underscore are joined.
    let compact = if text.contains('_') { clean_name(text) } else { text.to_owned() };
    if let Some(t) = scalar(&compact) {
        return t;
    }
    match compact.to_ascii_lowercase().as_str() {
        "dict" | "object" | "map" | "json" => DocType::Object(None),
        _ if is_name(&compact) => DocType::Object(Some(compact)),
        _ => DocType::Unknown(text.to_owned()),
    }
}

/// True if a paragraph can be a Type cell.
pub fn is_type(text: &str) -> bool {
    !matches!(parse_type(text), DocType::Unknown(_)) && !matches!(text, "Yes" | "No" | "-")
}

fn is_status(text: &str) -> bool {
    text.len() >= 3 && text[..3].chars().all(|c| c.is_ascii_digit())
}

/// Cuts the paragraphs of a one-cell-per-line table into rows. A row starts where the
/// paragraphs have the shape of a row's leading cells (a name, then `Yes`/`No` and a type,
/// or a type); the description runs until the next row starts.
pub fn rows_from_paragraphs(paragraphs: &[String], columns: &[String]) -> Vec<Vec<String>> {
    let has = |c: &str| columns.iter().any(|x| x == c);
    let p = |i: usize| paragraphs.get(i).map(String::as_str).unwrap_or("");
    // How many leading cells identify a row, and whether index `i` starts one.
    let (lead, starts): (usize, Box<dyn Fn(usize) -> bool>) = if has("Mandatory") {
        (3, Box::new(|i| is_name(p(i)) && mandatory(p(i + 1)).is_some() && is_type(p(i + 2))))
    } else if has("Type") {
        (2, Box::new(|i| is_name(p(i)) && is_type(p(i + 1)) && i + 2 < paragraphs.len()))
    } else if columns.first().is_some_and(|c| c == "Status Code") {
        (1, Box::new(|i| is_status(p(i))))
    } else {
        // Unknown shape: fixed-size rows.
        let n = columns.len();
        return paragraphs.chunks(n).map(|c| c.to_vec()).collect();
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut i = 0;
    while i < paragraphs.len() {
        if !starts(i) {
            // Text before the first row (or a shape the rules do not know) joins the last
            // description, if there is one.
            if let Some(last) = rows.last_mut().and_then(|r| r.last_mut()) {
                last.push('\n');
                last.push_str(p(i));
            }
            i += 1;
            continue;
        }
        let mut row: Vec<String> = paragraphs[i..i + lead].to_vec();
        let mut j = i + lead;
        let mut description: Vec<&str> = Vec::new();
        // A description has at least one paragraph, so the next row starts at j + 1 at the
        // earliest (a one-word description is not mistaken for the next name).
        while j < paragraphs.len() && (description.is_empty() || !starts(j)) {
            description.push(p(j));
            j += 1;
        }
        row.push(description.join("\n"));
        rows.push(row);
        i = j;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_words() {
        assert_eq!(parse_type("String"), DocType::Scalar("string"));
        assert_eq!(parse_type("string"), DocType::Scalar("string"));
        assert_eq!(parse_type("Long"), DocType::Scalar("integer"));
        assert_eq!(parse_type("Dict"), DocType::Object(None));
        assert_eq!(parse_type("policy_res p"), DocType::Object(Some("policy_resp".into())));
        assert_eq!(
            parse_type("List<resource>"),
            DocType::Array(Box::new(DocType::Object(Some("resource".into()))))
        );
        assert_eq!(parse_type("List<String>"), DocType::Array(Box::new(DocType::Scalar("string"))));
        assert_eq!(
            parse_type("Array of BackupResp objects"),
            DocType::Array(Box::new(DocType::Object(Some("BackupResp".into()))))
        );
        assert_eq!(
            parse_type("Array of strings"),
            DocType::Array(Box::new(DocType::Scalar("string")))
        );
        assert_eq!(
            parse_type("CheckpointCreate object"),
            DocType::Object(Some("CheckpointCreate".into()))
        );
        assert!(matches!(parse_type("a b c"), DocType::Unknown(_)));
    }

    #[test]
    fn names_and_mandatory() {
        assert_eq!(clean_name("retention_duration_d ays"), "retention_duration_days");
        assert!(is_name("__openstack_region_name"));
        assert!(is_name("X-Auth-Token"));
        assert!(!is_name("Backup status"));
        assert_eq!(mandatory("No This field is mandatory for AK/SK authentication."), Some(false));
        assert_eq!(mandatory("Yes"), Some(true));
        assert_eq!(mandatory("Maybe"), None);
    }

    fn paragraphs(text: &str) -> Vec<String> {
        text.split('|').map(str::to_owned).collect()
    }

    #[test]
    fn rows_with_mandatory_column_and_multi_paragraph_descriptions() {
        let columns: Vec<String> =
            ["Parameter", "Mandatory", "Type", "Description"].map(String::from).to_vec();
        let rows = rows_from_paragraphs(
            &paragraphs(
                "status|No|String|Status filter.|Value range: a, b|limit|No|Integer|Page size",
            ),
            &columns,
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], vec!["status", "No", "String", "Status filter.\nValue range: a, b"]);
        assert_eq!(rows[1][0], "limit");
    }

    #[test]
    fn rows_without_mandatory_column() {
        let columns: Vec<String> = ["Parameter", "Type", "Description"].map(String::from).to_vec();
        let rows = rows_from_paragraphs(
            &paragraphs("checkpoint_items|List<checkpoint_item>|-|fail_code|fail_code|Error code|id|String|ID"),
            &columns,
        );
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], vec!["checkpoint_items", "List<checkpoint_item>", "-"]);
        assert_eq!(rows[1], vec!["fail_code", "fail_code", "Error code"]);
    }

    #[test]
    fn status_code_rows() {
        let columns: Vec<String> = ["Status Code", "Description"].map(String::from).to_vec();
        let rows = rows_from_paragraphs(&paragraphs("200|OK|400|Invalid request."), &columns);
        assert_eq!(rows, vec![vec!["200", "OK"], vec!["400", "Invalid request."]]);
    }
}
