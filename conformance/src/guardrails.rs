//! Options that cannot work together, or name nothing, are refused before any request, with
//! the reason and the fix (exit 2), rather than giving a run that reports the runner's own
//! mistake as the endpoint's.

use crate::error::RunError;
use crate::options::{Phase, RunOptions};
use csbs_spec::operations::all_operations;

/// The checks of the options beyond their own syntax.
pub(crate) fn check(options: &RunOptions) -> Result<(), RunError> {
    mutations_need_servers(options)?;
    operations_exist(options)
}

/// `--allow-mutations` against an endpoint without `--server-id`: refused. Backups, policy
/// runs, restores and every check built on them need a server the run may back up; without
/// one the run would create policies without servers and run them, which the documents
/// answer 500 `CSBS.6032`, and report that as the endpoint's failure. (The embedded mock has
/// servers of its own.)
fn mutations_need_servers(options: &RunOptions) -> Result<(), RunError> {
    if options.allow_mutations && options.endpoint.is_some() && options.server_ids.is_empty() {
        return Err(RunError::invalid(
            "--allow-mutations without --server-id",
            "the checks that change state back up, protect and restore servers, and a policy \
             without servers cannot run (the documents answer 500 CSBS.6032)",
            "Pass --server-id with a server the run may back up (twice, for the checks that \
             need two), or leave out --allow-mutations for a read-only run",
        ));
    }
    Ok(())
}

/// Every `--operation` names a documented operation, and the properties part, which they
/// select for, runs.
fn operations_exist(options: &RunOptions) -> Result<(), RunError> {
    let asked = &options.properties.operations;
    if asked.is_empty() {
        return Ok(());
    }
    let known: Vec<&str> = all_operations().map(|op| op.id.as_str()).collect();
    for name in asked {
        if !known.contains(&name.as_str()) {
            let near = crate::names::did_you_mean(name, &known);
            return Err(RunError::invalid(
                format!("--operation `{name}`"),
                "names no documented operation",
                format!(
                    "{}The operations are: {}",
                    crate::names::sentence(&near),
                    known.join(", ")
                ),
            ));
        }
    }
    if !options.runs(Phase::Properties) {
        return Err(RunError::invalid(
            "--operation without the properties part",
            "--operation selects the operations of generated requests (part `properties`), which --only leaves out",
            "Add properties to --only, or leave out --operation",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    #[test]
    fn a_typo_in_an_operation_lists_the_names_and_the_nearest() {
        let mut options = RunOptions::default();
        options.properties.operations = vec!["createPolcy".into()];
        let text = check(&options).unwrap_err().to_string();
        assert!(
            text.contains("`createPolcy`") && text.contains("Did you mean createPolicy?"),
            "{text}"
        );
        assert!(text.contains("listBackups") && text.contains("listCbrBackups"), "{text}");
        options.properties.operations = vec!["createPolicy".into()];
        assert!(check(&options).is_ok());
        options.only = vec![Phase::Examples];
        assert!(check(&options).unwrap_err().to_string().contains("--only"));
    }

    #[test]
    fn mutations_against_an_endpoint_need_a_server() {
        let mut options = RunOptions::against("http://127.0.0.1:9", "p", Secret::new("t"));
        options.allow_mutations = true;
        let text = check(&options).unwrap_err().to_string();
        assert!(
            text.starts_with("--allow-mutations without --server-id") && text.contains("CSBS.6032")
        );
        options.server_ids = vec!["s1".into()];
        assert!(check(&options).is_ok());
        let embedded = RunOptions { allow_mutations: true, ..RunOptions::default() };
        assert!(check(&embedded).is_ok(), "the embedded mock has servers of its own");
    }
}
