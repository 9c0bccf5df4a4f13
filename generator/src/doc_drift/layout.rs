//! The physical layout of a vendor page: the text cut into lines and tables. Three table
//! layouts occur in the published documents, and each is recognised here:
//!
//! - tab-separated rows, one row per line, the header repeated after a page break (the PDF
//!   export of the full reference);
//! - one cell per line, cells separated by blank lines (the HTML pages copied as text);
//! - Markdown pipe rows, `| a | b |`, a row sometimes broken over two lines.

/// The words a table header is made of.
const HEADER_WORDS: [&str; 13] = [
    "Parameter",
    "Mandatory",
    "Type",
    "Description",
    "Status Code",
    "Error Code",
    "Error Message",
    "Solution",
    "Example Value",
    "Category",
    "Method",
    "Release Date",
    "What's New",
];

/// Words that open a table header; the other header words only follow them.
const FIRST_HEADER_WORDS: [&str; 3] = ["Parameter", "Status Code", "Category"];

/// A table as printed: its title (the `Table N ...` or `Parameter description of field X`
/// line above it, if any), the table number of that title, its columns and its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub title: Option<String>,
    /// `5-26` from `Table 5-26 ...`, `5` from `Table 5 BackupResp`.
    pub number: Option<String>,
    pub columns: Vec<String>,
    /// Cells in column order; short rows are padded with empty cells.
    pub rows: Vec<Vec<String>>,
    /// 0-based line of the header.
    pub line: usize,
}

impl Table {
    /// The cell of `row` under `column`, if the table has that column.
    pub fn cell<'a>(&self, row: &'a [String], column: &str) -> Option<&'a str> {
        let index = self.columns.iter().position(|c| c == column)?;
        row.get(index).map(String::as_str)
    }
}

/// A piece of the page: a non-blank line outside tables (trimmed), or a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Line { text: String, line: usize },
    Table(Table),
}

fn is_header_word(cell: &str) -> bool {
    HEADER_WORDS.contains(&cell)
}

/// Cells of a tab-separated header line, if the line is one.
fn tab_header(line: &str) -> Option<Vec<String>> {
    if !line.contains('\t') {
        return None;
    }
    let cells: Vec<String> = line.split('\t').map(|c| c.trim().to_owned()).collect();
    (cells.len() >= 2
        && FIRST_HEADER_WORDS.contains(&cells[0].as_str())
        && cells.iter().all(|c| is_header_word(c)))
    .then_some(cells)
}

/// Cells of a pipe row `| a | b |` (the outer pipes removed).
fn pipe_cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner.split('|').map(|c| c.trim().to_owned()).collect()
}

fn pipe_header(line: &str) -> Option<Vec<String>> {
    let trimmed = line.trim();
    if !(trimmed.starts_with('|') && trimmed.ends_with('|')) {
        return None;
    }
    let cells = pipe_cells(trimmed);
    (cells.len() >= 2
        && FIRST_HEADER_WORDS.contains(&cells[0].as_str())
        && cells.iter().all(|c| is_header_word(c)))
    .then_some(cells)
}

fn is_pipe_rule(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// The next non-blank line at or after `from`.
fn next_non_blank(lines: &[&str], from: usize) -> Option<usize> {
    (from..lines.len()).find(|&i| !lines[i].trim().is_empty())
}

/// Header of a one-cell-per-line table starting at `start`: the header words and the index
/// of the line after the last one.
fn line_header(lines: &[&str], start: usize) -> Option<(Vec<String>, usize)> {
    let first = lines[start].trim();
    if !FIRST_HEADER_WORDS.contains(&first) || lines[start].contains('\t') {
        return None;
    }
    let mut columns = vec![first.to_owned()];
    let mut end = start + 1;
    while let Some(i) = next_non_blank(lines, end) {
        let word = lines[i].trim();
        if is_header_word(word) && !columns.iter().any(|c| c == word) && !lines[i].contains('\t') {
            columns.push(word.to_owned());
            end = i + 1;
        } else {
            break;
        }
    }
    (columns.len() >= 2).then_some((columns, end))
}

/// A line that ends a one-cell-per-line table: a section marker, a bullet naming one, a
/// table title.
pub fn is_marker(text: &str) -> bool {
    let t = strip_bullet(text);
    const MARKERS: [&str; 16] = [
        "URI",
        "URI format",
        "Request",
        "Request Parameters",
        "Response",
        "Response Parameters",
        "Status Codes",
        "Error Codes",
        "Example request",
        "Example Requests",
        "Example response",
        "Example Responses",
        "Normal",
        "Abnormal",
        "Function",
        "Parameter description",
    ];
    MARKERS.contains(&t)
        || t.starts_with("Parameter description of field")
        || t.starts_with("Status code:")
        || is_table_title(t)
}

/// `Table 5-26 Parameter description ...`, `Table 5 BackupResp`.
fn is_table_title(text: &str) -> bool {
    let mut words = text.split_whitespace();
    words.next() == Some("Table")
        && words.next().is_some_and(|n| n.chars().all(|c| c.is_ascii_digit() || c == '-'))
}

/// The text of a line without a list bullet (`-`, `•`) and without `**` emphasis.
pub fn strip_bullet(text: &str) -> &str {
    let t = text.trim();
    let t = t.strip_prefix("• ").or_else(|| t.strip_prefix("- ")).unwrap_or(t);
    t.trim()
}

/// Title and table number from a title line, if the line is one.
fn title_of(text: &str) -> Option<(String, Option<String>)> {
    let t = strip_bullet(text).replace("**", "");
    if is_table_title(&t) {
        let mut parts = t.splitn(3, ' ');
        parts.next();
        let number = parts.next().map(str::to_owned);
        let rest = parts.next().unwrap_or("").trim().to_owned();
        return Some((rest, number));
    }
    t.starts_with("Parameter description of field").then(|| (t.trim().to_owned(), None))
}

/// The title above a table header at `line`: the nearest title line, skipping blank lines
/// and one bullet line (`- Parameter description of field X` above `Table N ...`).
fn title_above(lines: &[&str], line: usize) -> (Option<String>, Option<String>) {
    let mut i = line;
    while i > 0 {
        i -= 1;
        let text = lines[i].trim();
        if text.is_empty() {
            continue;
        }
        return match title_of(text) {
            Some((title, number)) => (Some(title), number),
            None => (None, None),
        };
    }
    (None, None)
}

/// Rows of a one-cell-per-line table: the paragraphs after the header up to the next marker,
/// cut into rows by the shape of their first cells.
fn line_rows(lines: &[&str], from: usize, columns: &[String]) -> (Vec<Vec<String>>, usize) {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut end = from;
    let mut i = from;
    while i < lines.len() {
        let text = lines[i].trim();
        if text.is_empty() {
            i += 1;
            continue;
        }
        if is_marker(text) || line_header(lines, i).is_some() || tab_header(lines[i]).is_some() {
            break;
        }
        paragraphs.push(text.to_owned());
        i += 1;
        end = i;
    }
    (crate::doc_drift::cells::rows_from_paragraphs(&paragraphs, columns), end)
}

/// Cuts a page into blocks. Tables continued after a page break (the same header again,
/// with nothing but blank lines between) are joined into one.
pub fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<Block> = Vec::new();
    let mut i = 0;
    // Index in `out` of the last table and the line where it ended, for continuations.
    let mut last_table: Option<(usize, usize)> = None;
    while i < lines.len() {
        let raw = lines[i];
        // Only the PDF layout repeats a header after a page break; elsewhere a repeated
        // header starts another table.
        let mut continuable = false;
        let (table, next) = if let Some(columns) = tab_header(raw) {
            continuable = true;
            let mut rows = Vec::new();
            let mut j = i + 1;
            while j < lines.len() && lines[j].contains('\t') && tab_header(lines[j]).is_none() {
                rows.push(lines[j].split('\t').map(|c| c.trim().to_owned()).collect());
                j += 1;
            }
            (Some((columns, rows)), j)
        } else if let Some(columns) = pipe_header(raw) {
            let mut rows = Vec::new();
            let mut j = i + 1;
            while j < lines.len() && is_pipe_rule(lines[j]) {
                j += 1;
            }
            while j < lines.len()
                && lines[j].trim().starts_with('|')
                && pipe_header(lines[j]).is_none()
            {
                // A row broken over lines continues until a line ends with a pipe.
                let mut row = lines[j].trim().to_owned();
                j += 1;
                while !row.ends_with('|') && j < lines.len() {
                    row.push('\n');
                    row.push_str(lines[j].trim());
                    j += 1;
                }
                rows.push(pipe_cells(&row));
            }
            (Some((columns, rows)), j)
        } else if let Some((columns, after)) = line_header(&lines, i) {
            let (rows, end) = line_rows(&lines, after, &columns);
            (Some((columns, rows)), end.max(after))
        } else {
            (None, i + 1)
        };
        match table {
            Some((columns, mut rows)) => {
                for row in &mut rows {
                    row.resize(columns.len(), String::new());
                }
                let continues = last_table.and_then(|(index, end)| {
                    let gap_blank = lines[end..i].iter().all(|l| l.trim().is_empty());
                    match &out[index] {
                        Block::Table(t) if continuable && gap_blank && t.columns == columns => {
                            Some(index)
                        }
                        _ => None,
                    }
                });
                if let Some(index) = continues {
                    if let Block::Table(t) = &mut out[index] {
                        t.rows.extend(rows);
                    }
                } else {
                    let (title, number) = title_above(&lines, i);
                    out.push(Block::Table(Table { title, number, columns, rows, line: i }));
                }
                last_table = Some((out.len() - 1, next));
                i = next;
            }
            None => {
                let text = raw.trim();
                if !text.is_empty() {
                    out.push(Block::Line { text: text.to_owned(), line: i });
                    last_table = None;
                }
                i = next;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(text: &str) -> Vec<Table> {
        blocks(text)
            .into_iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                Block::Line { .. } => None,
            })
            .collect()
    }

    #[test]
    fn tab_rows_continue_after_a_repeated_header() {
        let text = "Table 5-1 Parameter description\n\nParameter\tMandatory\tType\tDescription\n\
                    project_id\tYes\tString\tProject ID\n\n\
                    Parameter\tMandatory\tType\tDescription\nresource_id\tYes\tString\tServer ID\n";
        let t = tables(text);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].title.as_deref(), Some("Parameter description"));
        assert_eq!(t[0].number.as_deref(), Some("5-1"));
        assert_eq!(t[0].rows.len(), 2);
        assert_eq!(t[0].rows[1][0], "resource_id");
    }

    #[test]
    fn a_title_between_two_headers_starts_a_new_table() {
        let text = "Parameter\tType\tDescription\na\tString\tA\n\n\
                    Table 5-6 Parameter description of field **plan_resp**\n\n\
                    Parameter\tType\tDescription\nb\tString\tB\n";
        let t = tables(text);
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].title.as_deref(), Some("Parameter description of field plan_resp"));
    }

    #[test]
    fn pipe_rows_broken_over_lines_are_joined() {
        let text = "| Parameter | Type | Description |\n|---|---|---|\n\
                    | status | String | Status Enumeration values:\n|\n| id | String | ID |\n";
        let t = tables(text);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].rows.len(), 2);
        assert_eq!(t[0].rows[0][2], "Status Enumeration values:");
        assert_eq!(t[0].rows[1], vec!["id", "String", "ID"]);
    }

    #[test]
    fn a_second_pipe_header_starts_an_untitled_table() {
        let text = "| Parameter | Type | Description |\n|---|---|---|\n| a | X object | A |\n\
                    | Parameter | Type | Description |\n|---|---|---|\n| b | String | B |\n";
        let t = tables(text);
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].title, None);
        assert_eq!(t[0].rows[0], vec!["a", "X object", "A"]);
    }

    #[test]
    fn one_cell_per_line_tables_end_at_a_marker() {
        let text = "    Table 2 Parameter description\n\n    Parameter\n\n    Mandatory\n\n    Type\n\n\
                    Description\n\n    limit\n\n    No\n\n    Integer\n\n    Page size.\n\n\
                    The value defaults to 1000.\n\n    marker\n\n    No\n\n    String\n\n    Last ID\n\n\
                    • Example request\n\n    GET https://{endpoint}/v1/x\n";
        let t = tables(text);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].columns, vec!["Parameter", "Mandatory", "Type", "Description"]);
        assert_eq!(t[0].rows.len(), 2);
        assert_eq!(t[0].rows[0][3], "Page size.\nThe value defaults to 1000.");
        let lines: Vec<Block> =
            blocks(text).into_iter().filter(|b| matches!(b, Block::Line { .. })).collect();
        assert!(lines
            .iter()
            .any(|b| matches!(b, Block::Line { text, .. } if text == "• Example request")));
    }
}
