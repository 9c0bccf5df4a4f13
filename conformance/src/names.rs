//! Names a user types (`--checks`, `--exclude-checks`, `--operation`, `--only`) against the
//! names the runner knows: an unknown one is answered with the nearest known name when it is
//! likely a typo, besides the list of names.

/// The known name nearest to `name` when it is likely a typo: at most two edits away
/// (Levenshtein distance, case aside).
pub(crate) fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = name.trim().to_lowercase();
    known
        .iter()
        .map(|k| (strsim::levenshtein(&lower, &k.to_lowercase()), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

/// `text` as the start of a sentence (its first letter capitalised).
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `did you mean X? ` for [`closest`], or nothing.
pub(crate) fn did_you_mean(name: &str, known: &[&str]) -> String {
    closest(name, known).map(|n| format!("did you mean {n}? ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_is_answered_with_the_nearest_name_and_anything_else_with_none() {
        let known = ["createPolicy", "createRestore", "sort_conformance"];
        assert_eq!(closest("createPolcy", &known), Some("createPolicy"));
        assert_eq!(closest("CREATEPOLICY", &known), Some("createPolicy"));
        assert_eq!(closest("sort_conformanse", &known), Some("sort_conformance"));
        assert_eq!(closest("listBackups", &known), None);
        assert_eq!(did_you_mean("sortconformance", &known), "did you mean sort_conformance? ");
        assert_eq!(did_you_mean("nothing like it", &known), "");
        assert_eq!(sentence("did you mean x? "), "Did you mean x? ");
        assert_eq!(sentence(""), "");
    }
}
