//! `--report FORMAT=FILE`: which report goes to which file.

use super::model::Report;
use std::path::PathBuf;
use std::str::FromStr;

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Junit,
    Json,
}

/// A report to write after the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFile {
    pub format: Format,
    pub path: PathBuf,
}

impl FromStr for ReportFile {
    type Err = String;
    fn from_str(s: &str) -> Result<ReportFile, String> {
        let (format, path) = s.split_once('=').ok_or_else(|| {
            format!("`{s}` is not FORMAT=FILE; write junit=report.xml or json=report.json")
        })?;
        let format = match format {
            "junit" => Format::Junit,
            "json" => Format::Json,
            other => {
                return Err(format!(
                    "unknown report format `{other}`; the formats are junit and json"
                ))
            }
        };
        if path.is_empty() {
            return Err(format!("`{s}` names no file; write {format:?}=FILE").to_lowercase());
        }
        Ok(ReportFile { format, path: PathBuf::from(path) })
    }
}

impl ReportFile {
    /// Fails early when the file cannot be created, before a long run.
    pub fn check_writable(&self) -> Result<(), String> {
        let parent = self.path.parent().filter(|p| !p.as_os_str().is_empty());
        match parent {
            Some(dir) if !dir.is_dir() => Err(format!(
                "the report {} cannot be written: the folder {} does not exist; create it or choose another path",
                self.path.display(),
                dir.display()
            )),
            _ => Ok(()),
        }
    }

    pub fn write(&self, report: &Report) -> Result<(), String> {
        let text = match self.format {
            Format::Junit => report.to_junit()?,
            Format::Json => report.to_json(),
        };
        std::fs::write(&self.path, text)
            .map_err(|e| format!("the report {} could not be written: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_arguments_name_a_format_and_a_file() {
        assert_eq!(
            "junit=out/r.xml".parse(),
            Ok(ReportFile { format: Format::Junit, path: "out/r.xml".into() })
        );
        assert!("xml=r.xml".parse::<ReportFile>().unwrap_err().contains("junit and json"));
        assert!("r.xml".parse::<ReportFile>().unwrap_err().contains("FORMAT=FILE"));
        assert!("json=".parse::<ReportFile>().is_err());
    }
}
