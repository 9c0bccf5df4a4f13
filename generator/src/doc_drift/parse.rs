//! Reading a vendor page: its operation sections (a title line above `Function`), in each
//! the URI line, the parameter and body tables by part (URI, Request, Response), the status
//! codes and the example text; and the error-code table wherever it is.

use crate::doc_drift::layout::{self, strip_bullet, Block, Table};
use crate::doc_drift::model::{DocErrorCode, DocOperation, DocParameter, VendorDocument};
use crate::doc_drift::tree;

/// The part of an operation section a line or table belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Head,
    Uri,
    Request,
    Response,
    Statuses,
    ExampleRequest,
    ExampleResponse,
}

fn part_of(marker: &str) -> Option<Part> {
    Some(match marker {
        "URI" | "URI format" => Part::Uri,
        "Request" | "Request Parameters" => Part::Request,
        "Response" | "Response Parameters" => Part::Response,
        "Status Codes" => Part::Statuses,
        "Example request" | "Example Requests" => Part::ExampleRequest,
        "Example response" | "Example Responses" => Part::ExampleResponse,
        _ => return None,
    })
}

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

/// `(METHOD, path template)` of a line such as ``POST `https://{endpoint}/v1/{project_id}/x` ``
/// or `GET /v3/{project_id}/backups`: host and query removed.
pub fn request_line(text: &str) -> Option<(String, String)> {
    let text = strip_bullet(text);
    let (method, rest) = text.split_once(char::is_whitespace)?;
    if !METHODS.contains(&method) {
        return None;
    }
    let url = rest.trim().trim_matches('`').split_whitespace().next()?;
    let path = match url.find("://") {
        Some(at) => &url[at + 3..][url[at + 3..].find('/')?..],
        None if url.starts_with('/') => url,
        None => return None,
    };
    let path = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    Some((method.to_owned(), path.to_owned()))
}

/// True for a status-code table (`Status Code | Description`), false for the error table.
fn is_status_table(table: &Table) -> bool {
    table.columns.first().is_some_and(|c| c == "Status Code")
        && !table.columns.iter().any(|c| c == "Error Code")
}

fn is_error_table(table: &Table) -> bool {
    table.columns.iter().any(|c| c == "Error Code")
        && table.columns.iter().any(|c| c == "Status Code")
}

fn header_like(name: &str) -> bool {
    name.starts_with("X-") || name.contains('-')
}

/// Sections: (title, first block, end block). A section starts at the title line above a
/// `Function` line and ends at the next section.
fn sections(blocks: &[Block]) -> Vec<(String, usize, usize)> {
    let starts: Vec<(String, usize)> = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, Block::Line { text, .. } if text == "Function"))
        .filter_map(|(i, _)| match i.checked_sub(1).map(|p| &blocks[p]) {
            Some(Block::Line { text, .. }) => Some((text.clone(), i - 1)),
            _ => None,
        })
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, (title, start))| {
            let end = starts.get(k + 1).map(|(_, s)| *s).unwrap_or(blocks.len());
            (title.clone(), *start, end)
        })
        .collect()
}

fn line_of(block: &Block) -> usize {
    match block {
        Block::Line { line, .. } => *line,
        Block::Table(t) => t.line,
    }
}

fn operation(lines: &[&str], title: String, blocks: &[Block]) -> Option<DocOperation> {
    let mut part = Part::Head;
    let mut request_line_found: Option<(String, String)> = None;
    let mut tables: Vec<(Part, &Table)> = Vec::new();
    let mut example_spans: Vec<(Part, usize, usize)> = Vec::new();
    let end_line = blocks.last().map(line_of).unwrap_or(0) + 1;
    for (k, block) in blocks.iter().enumerate() {
        match block {
            Block::Line { text, line } => {
                let marker = strip_bullet(text).replace("**", "");
                if marker == "Error Codes" && part != Part::Head {
                    break;
                }
                if let Some(next) = part_of(&marker) {
                    if matches!(next, Part::ExampleRequest | Part::ExampleResponse) {
                        let until = blocks[k + 1..]
                            .iter()
                            .find(|b| match b {
                                Block::Line { text, .. } => {
                                    let m = strip_bullet(text).replace("**", "");
                                    part_of(&m).is_some() || m == "Error Codes"
                                }
                                Block::Table(_) => true,
                            })
                            .map(line_of)
                            .unwrap_or(end_line);
                        example_spans.push((next, line + 1, until));
                    }
                    // "Request" inside the example of a request ("Querying ... request") is
                    // text, not a marker; only the exact words switch parts.
                    part = next;
                    continue;
                }
                if request_line_found.is_none() && matches!(part, Part::Head | Part::Uri) {
                    request_line_found = request_line(text);
                }
            }
            Block::Table(t) => tables.push((part, t)),
        }
    }
    let (method, path) = request_line_found?;
    let mut op = DocOperation {
        title,
        method: method.clone(),
        path,
        parameters: Vec::new(),
        request_body: None,
        response_body: None,
        statuses: Vec::new(),
        request_examples: String::new(),
        response_examples: String::new(),
        unreached_tables: Vec::new(),
    };
    let body_less = matches!(method.as_str(), "GET" | "DELETE" | "HEAD");
    let mut request_tables: Vec<&Table> = Vec::new();
    let mut response_tables: Vec<&Table> = Vec::new();
    for (part, table) in tables {
        if is_error_table(table) {
            continue;
        }
        if is_status_table(table) {
            op.statuses.extend(table.rows.iter().filter_map(|r| {
                let digits: String = r[0].chars().take_while(char::is_ascii_digit).collect();
                digits.parse::<u16>().ok()
            }));
            continue;
        }
        let title = table.title.as_deref().unwrap_or("").to_ascii_lowercase();
        let fields = tree::parameter_fields(table);
        let location = if title.contains("path parameters") {
            Some("path")
        } else if title.contains("query parameters") {
            Some("query")
        } else if title.contains("header") {
            Some("header")
        } else {
            match part {
                Part::Uri => Some("path"),
                Part::Request if fields.iter().all(|f| header_like(&f.name)) => Some("header"),
                Part::Request if body_less => Some("query"),
                _ => None,
            }
        };
        if let Some(location) = location {
            op.parameters.extend(fields.into_iter().map(|field| DocParameter { location, field }));
        } else if title.contains("response body") || part == Part::Response {
            response_tables.push(table);
        } else if title.contains("request body") || part == Part::Request {
            request_tables.push(table);
        }
    }
    for (tables, slot) in
        [(request_tables, &mut op.request_body), (response_tables, &mut op.response_body)]
    {
        if !tables.is_empty() {
            let (fields, unreached) = tree::body_fields(&tables);
            *slot = Some(fields);
            op.unreached_tables.extend(unreached);
        }
    }
    for (part, from, until) in example_spans {
        let text = lines[from.min(lines.len())..until.min(lines.len())].join("\n");
        let slot = match part {
            Part::ExampleRequest => &mut op.request_examples,
            _ => &mut op.response_examples,
        };
        if !slot.is_empty() {
            slot.push('\n');
        }
        slot.push_str(&text);
    }
    Some(op)
}

/// Error-code rows: `Status Code | Error Code | Error Message | ...`.
fn error_codes(blocks: &[Block]) -> Vec<DocErrorCode> {
    let mut out = Vec::new();
    for block in blocks {
        let Block::Table(table) = block else { continue };
        if !is_error_table(table) {
            continue;
        }
        for row in &table.rows {
            let status = table.cell(row, "Status Code").and_then(|s| s.trim().parse().ok());
            let code = table.cell(row, "Error Code").unwrap_or("").trim();
            if let (Some(status), false) = (status, code.is_empty()) {
                out.push(DocErrorCode {
                    status,
                    code: code.to_owned(),
                    message: table.cell(row, "Error Message").unwrap_or("").trim().to_owned(),
                });
            }
        }
    }
    out
}

/// Reads a vendor document.
pub fn parse(name: &str, text: &str) -> VendorDocument {
    let blocks = layout::blocks(text);
    let lines: Vec<&str> = text.lines().collect();
    let operations = sections(&blocks)
        .into_iter()
        .filter_map(|(title, start, end)| operation(&lines, title, &blocks[start..end]))
        .collect();
    VendorDocument {
        name: name.to_owned(),
        text: text.to_owned(),
        operations,
        error_codes: error_codes(&blocks),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_of_every_layout() {
        let expect = |line: &str, method: &str, path: &str| {
            assert_eq!(request_line(line), Some((method.into(), path.into())), "{line}");
        };
        expect(
            "POST `https://{endpoint}/v1/{project_id}/policies`",
            "POST",
            "/v1/{project_id}/policies",
        );
        expect(
            "GET https://{endpoint}/v1/{project_id}/checkpoint_items?name=a&limit=2",
            "GET",
            "/v1/{project_id}/checkpoint_items",
        );
        expect("GET /v3/{project_id}/backups", "GET", "/v3/{project_id}/backups");
        expect(
            "- DELETE https://{endpoint}/v1/{project_id}/policies/{policy_id}",
            "DELETE",
            "/v1/{project_id}/policies/{policy_id}",
        );
        assert_eq!(request_line("GET the list"), None);
        assert_eq!(request_line("Querying all backups:"), None);
    }

    const PAGE: &str = "Querying the Number of Backups\n\nFunction\n\nCounts backups.\n\nURI\n\n\
        • URI format\n\n    GET https://{endpoint}/v1/{project_id}/checkpoint_items/count\n\n\
        • Parameter description\n\n    Table 1 Parameter description\n\n    Parameter\n\n    Mandatory\n\n\
        Type\n\n    Description\n\n    project_id\n\n    Yes\n\n    String\n\n    Project ID\n\n\
        Request\n\n  • Parameter description\n\n    Table 2 Parameter description\n\n    Parameter\n\n\
        Mandatory\n\n    Type\n\n    Description\n\n    status\n\n    No\n\n    String\n\n    Status\n\n\
        • Example request\n\n    GET https://{endpoint}/v1/{project_id}/checkpoint_items/count\n\n\
        Response\n\n  • Parameter description\n\n    Table 3 Parameter description\n\n    Parameter\n\n\
        Type\n\n    Description\n\n    count\n\n    Integer\n\n    Number of backups\n\n\
        • Example response\n\n    {\n      \"count\" : 10\n    }\n\nStatus Codes\n\n  • Normal\n\n\
        Status Code\n\n    Description\n\n    200\n\n    OK\n\nError Codes\n\nSee Error Codes.";

    #[test]
    fn an_operation_section_by_parts() {
        let doc = parse("page.txt", PAGE);
        assert_eq!(doc.operations.len(), 1);
        let op = &doc.operations[0];
        assert_eq!(op.title, "Querying the Number of Backups");
        assert_eq!(
            (op.method.as_str(), op.path.as_str()),
            ("GET", "/v1/{project_id}/checkpoint_items/count")
        );
        let params: Vec<(&str, &str)> =
            op.parameters.iter().map(|p| (p.location, p.field.name.as_str())).collect();
        assert_eq!(params, vec![("path", "project_id"), ("query", "status")]);
        assert_eq!(op.request_body, None);
        assert_eq!(op.response_body.as_ref().unwrap()[0].name, "count");
        assert_eq!(op.statuses, vec![200]);
        assert!(op
            .request_examples
            .contains("GET https://{endpoint}/v1/{project_id}/checkpoint_items/count"));
        assert!(op.response_examples.contains("\"count\" : 10"));
    }

    #[test]
    fn the_error_code_table() {
        let text = "Status Code\tError Code\tError Message\tDescription\tSolution\n\
                    400\tCSBS.0001\tService over limit\tToo many.\tDelete one.\n\
                    403\tCSBS.9009\tUser is unverified.\tUnverified.\tVerify.\n";
        let codes = parse("x.txt", text).error_codes;
        assert_eq!(codes.len(), 2);
        assert_eq!(
            codes[1],
            DocErrorCode {
                status: 403,
                code: "CSBS.9009".into(),
                message: "User is unverified.".into()
            }
        );
    }

    #[test]
    fn a_header_table_under_request_holds_header_parameters() {
        let text = "Show\nFunction\nShows.\nURI\nGET /v3/{project_id}/x/{id}\n\
            | Parameter | Mandatory | Type | Description |\n|---|---|---|---|\n| id | Yes | String | ID |\n\
            Request Parameters\n| Parameter | Mandatory | Type | Description |\n|---|---|---|---|\n\
            | X-Auth-Token | No | String | Token |\nResponse Parameters\nStatus code: 200\n\
            | Parameter | Type | Description |\n|---|---|---|\n| x | X object | The x |\n\
            | Parameter | Type | Description |\n|---|---|---|\n| id | String | ID |\nError Codes\n";
        let op = &parse("p.txt", text).operations[0];
        let params: Vec<(&str, &str)> =
            op.parameters.iter().map(|p| (p.location, p.field.name.as_str())).collect();
        assert_eq!(params, vec![("path", "id"), ("header", "X-Auth-Token")]);
        let x = &op.response_body.as_ref().unwrap()[0];
        assert_eq!(x.children.as_ref().unwrap()[0].name, "id");
    }
}
