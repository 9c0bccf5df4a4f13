//! `--report FORMAT=FILE`: which report goes to which file. `har` is written during the run,
//! exchange by exchange (see [`crate::RunOptions::har`]); the others from the finished report.

use super::model::Report;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Junit,
    Json,
    /// One self-contained page to read in a browser.
    Html,
    /// Every exchange, HAR 1.2.
    Har,
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
            format!("`{s}` is not FORMAT=FILE; write junit=report.xml, json=report.json, html=report.html or har=run.har")
        })?;
        let format = match format {
            "junit" => Format::Junit,
            "json" => Format::Json,
            "html" => Format::Html,
            "har" => Format::Har,
            other => {
                return Err(format!(
                    "unknown report format `{other}`; the formats are junit, json, html and har"
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

    /// Writes the report in this file's format (a `har` file was written during the run).
    pub fn write(&self, report: &Report) -> Result<(), String> {
        self.write_beside(report, None)
    }

    /// Writes every report of `files`; the HTML page's replay commands name the JSON report
    /// among them, if any.
    pub fn write_all(files: &[ReportFile], report: &Report) -> Result<(), String> {
        let json = files.iter().find(|f| f.format == Format::Json).map(|f| f.path.as_path());
        files.iter().try_for_each(|f| f.write_beside(report, json))
    }

    fn write_beside(&self, report: &Report, json: Option<&Path>) -> Result<(), String> {
        let text = match self.format {
            Format::Junit => report.to_junit()?,
            Format::Json => report.to_json(Some(&self.path)),
            Format::Html => report.to_html(json),
            Format::Har => return Ok(()),
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
        assert!("xml=r.xml"
            .parse::<ReportFile>()
            .unwrap_err()
            .contains("junit, json, html and har"));
        assert_eq!("har=a.har".parse::<ReportFile>().map(|f| f.format), Ok(Format::Har));
        assert!("r.xml".parse::<ReportFile>().unwrap_err().contains("FORMAT=FILE"));
        assert!("json=".parse::<ReportFile>().is_err());
    }
}
