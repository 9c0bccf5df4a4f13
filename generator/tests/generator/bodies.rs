//! The body types the generator writes for the mock (`types/src/`): a member renamed in the
//! spec breaks the code that reads it.

/// Whether `reader` compiles against the shapes of a generated body module (its serde
/// attributes and wire types left out: only the structs and their fields matter here).
fn compiles(module: &str, reader: &str) -> Result<(), String> {
    // Outer attributes (`#[serde(...)]`, `#[derive(...)]`, maybe over several lines) dropped.
    let mut shapes = String::new();
    let mut open = 0i32;
    // The shapes end where `reread` (with its doc comment) begins.
    let shapes_end = module.find("/// Reads `body` as the request body").unwrap_or(module.len());
    for line in module[..shapes_end].lines() {
        let trimmed = line.trim_start();
        if open > 0 || trimmed.starts_with("#[serde(") || trimmed.starts_with("#[derive(") {
            open += line.matches('[').count() as i32 - line.matches(']').count() as i32;
            continue;
        }
        let line = line
            .replace("#[serde(borrow)] ", "")
            .replace("::csbs_wire::LenientInteger", "i64")
            .replace("::csbs_wire::LenientBoolean", "bool")
            .replace("::csbs_wire::Timestamp", "String")
            .replace("::serde_json::Value", "String");
        shapes.push_str(&line);
        shapes.push('\n');
    }
    let dir = std::env::temp_dir().join(format!("csbs-generator-rename-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("reader{}.rs", reader.len() + module.len()));
    std::fs::write(&file, format!("#![allow(dead_code)]\n{shapes}\n{reader}\n")).unwrap();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = std::process::Command::new(rustc)
        .args(["--edition", "2021", "--crate-type", "lib", "--emit", "metadata", "--out-dir"])
        .arg(&dir)
        .arg(&file)
        .output()
        .expect("rustc runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn a_member_renamed_in_the_spec_breaks_the_code_that_reads_it() {
    use csbs_spec::Service;
    // A test copy of the spec in which ProtectParam's `backup_name` is called `backup_title`.
    let mut doc = Service::Csbs.document().clone();
    let members = doc
        .pointer_mut("/components/schemas/ProtectParam/properties")
        .and_then(serde_json::Value::as_object_mut)
        .expect("ProtectParam has members");
    let schema = members.remove("backup_name").expect("ProtectParam has backup_name");
    members.insert("backup_title".to_owned(), schema);
    let committed = csbs_generator::bodies::render(Service::Csbs).unwrap();
    let renamed = csbs_generator::bodies::render_document(Service::Csbs, &doc).unwrap();
    // The committed module is stale against the copy: `--check` (CI) fails...
    assert_ne!(committed, renamed);
    // ...and once regenerated, the mock's read of the member (handlers/resources.rs) no
    // longer compiles, where a JSON lookup by name would have read "" from then on.
    let reader = "pub fn name<'a>(p: &ProtectParam<'a>) -> Option<&'a str> { p.backup_name }";
    assert_eq!(compiles(&committed, reader), Ok(()));
    let error = compiles(&renamed, reader).unwrap_err();
    assert!(error.contains("no field `backup_name`"), "{error}");
}
