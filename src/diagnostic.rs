//! User-facing problems: one type for every stage, printed as `path:line:col: field: message`.

use std::fmt;
use std::sync::Arc;

/// Where a problem is: a source (file path as given, or `<stdin>`) and a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The source as the user named it.
    pub source: Arc<str>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl Location {
    /// A location at the start of a source, for problems with the whole file.
    pub fn start_of(source: &Arc<str>) -> Location {
        Location {
            source: Arc::clone(source),
            line: 1,
            col: 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.source, self.line, self.col)
    }
}

/// How bad a problem is. Errors make the run fail (exit 2); warnings are printed and the run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Invalid input: nothing is written.
    Error,
    /// Worth a look, but the output is still correct.
    Warning,
}

/// One problem found in the input, with where it is and which field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// Where in the input; `None` for problems that belong to no file (such as flags).
    pub location: Option<Location>,
    /// The field path, like `spec.env[0].name`; empty when the problem is the whole document.
    pub field: String,
    /// What is wrong, in words a person understands.
    pub message: String,
    /// Error or warning.
    pub severity: Severity,
}

impl Diagnostic {
    /// An error at `location` about `field`.
    pub fn error(
        location: Option<Location>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            location,
            field: field.into(),
            message: message.into(),
            severity: Severity::Error,
        }
    }

    /// A warning at `location` about `field`.
    pub fn warning(
        location: Option<Location>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(location, field, message)
        }
    }

    /// True for errors, false for warnings.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// One line, whatever the input held: control characters, line and paragraph separators
    /// and bidirectional overrides from the input are written as `\u{…}` escapes, so a hostile
    /// value can neither split a diagnostic nor drive the terminal or hide text in a CI log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{}: ", Escaped(&location.to_string()))?;
        }
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", Escaped(&self.field))?;
        }
        write!(f, "{}", Escaped(&self.message))
    }
}

/// Text with the characters that could change how a terminal shows it escaped.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            let unsafe_char = c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
                )
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c);
            if unsafe_char {
                write!(f, "\\u{{{:x}}}", u32::from(c))?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

/// Every problem of a run, in a stable order (by source, line, column, then text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// No problems yet.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Records one problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Records every problem of `other`.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    /// True when at least one problem is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems, sorted by location so output does not depend on the order checks ran in.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort();
        self.0.dedup();
        self.0
    }

    /// The problems in the order they were recorded.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.into_sorted().into_iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in self.clone().into_sorted() {
            writeln!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_on_one_line() {
        let d = Diagnostic::error(
            Some(Location::start_of(&Arc::from("a\nb.yaml"))),
            "spec.env[0]",
            "`x\n\u{1b}[31my\u{2028}\u{202e}z` is bad",
        );
        assert_eq!(
            d.to_string(),
            "a\\u{a}b.yaml:1:1: spec.env[0]: `x\\u{a}\\u{1b}[31my\\u{2028}\\u{202e}z` is bad"
        );
    }
}
