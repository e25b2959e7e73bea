//! User-facing problems: one type for every stage, printed as `path:line:col: field: message`.

use std::borrow::Cow;
use std::collections::HashMap;
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
    /// What is wrong, in words a person understands. A fixed text is borrowed, not copied:
    /// one warning can be given for each of 100,000 servers.
    pub message: Cow<'static, str>,
    /// Error or warning.
    pub severity: Severity,
}

impl Diagnostic {
    /// An error at `location` about `field`.
    pub fn error(
        location: Option<Location>,
        field: impl Into<String>,
        message: impl Into<Cow<'static, str>>,
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
        message: impl Into<Cow<'static, str>>,
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

    /// What to print, quiet when the same warning repeats: the problems sorted as
    /// [`Diagnostics::into_sorted`] sorts them, except that of warnings with the same field and
    /// message only the first `REPEATS_SHOWN` (3) are kept when there are more than
    /// `REPEATS_SHOWN + 1` (a summary in place of a single line would save nothing). For each
    /// warning cut short, one summary warning (no location, the same field) follows at the
    /// end, in the order the warnings first appear, saying how many more there are and that
    /// `--all-warnings` lists each. Errors are never cut: every one is listed. With `all`,
    /// every problem is kept, as [`Diagnostics::into_sorted`] gives them.
    pub fn to_print(self, all: bool) -> Vec<Diagnostic> {
        let sorted = self.into_sorted();
        if all {
            return sorted;
        }
        let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
        for key in sorted.iter().filter_map(repeats) {
            *counts.entry(key).or_default() += 1;
        }
        if counts.values().all(|&n| n <= REPEATS_SHOWN + 1) {
            return sorted;
        }
        let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
        let mut summaries = Vec::new();
        let keep: Vec<bool> = sorted
            .iter()
            .map(|d| {
                let Some(key) = repeats(d) else {
                    return true;
                };
                let total = counts.get(&key).copied().unwrap_or(0);
                if total <= REPEATS_SHOWN + 1 {
                    return true;
                }
                let n = seen.entry(key).or_default();
                *n += 1;
                if *n == REPEATS_SHOWN + 1 {
                    summaries.push(repeated(d, total - REPEATS_SHOWN));
                }
                *n <= REPEATS_SHOWN
            })
            .collect();
        let mut lines: Vec<Diagnostic> = sorted
            .into_iter()
            .zip(keep)
            .filter_map(|(d, keep)| keep.then_some(d))
            .collect();
        lines.extend(summaries);
        lines
    }
}

/// A warning's field and message, which [`Diagnostics::to_print`] groups by; `None` for errors.
fn repeats(d: &Diagnostic) -> Option<(&str, &str)> {
    (!d.is_error()).then_some((d.field.as_str(), &*d.message))
}

/// How many warnings with the same field and message [`Diagnostics::to_print`] prints in
/// full before one summary line stands for the rest.
pub const REPEATS_SHOWN: usize = 3;

/// At most this many characters of a repeated warning's message are quoted in its summary.
const QUOTED_CHARS: usize = 60;

/// The summary warning for `more` warnings like `like` (the first one not printed).
fn repeated(like: &Diagnostic, more: usize) -> Diagnostic {
    let mut quoted: String = like.message.chars().take(QUOTED_CHARS).collect();
    if quoted.len() < like.message.len() {
        // Cut at the last word boundary, so no word is shown broken.
        if let Some(space) = quoted.rfind(' ') {
            quoted.truncate(space);
        }
        quoted.push('…');
    }
    Diagnostic::warning(
        None,
        like.field.clone(),
        format!(
            "the same warning (\"{quoted}\") at {} more places; the first {REPEATS_SHOWN} are shown above, --all-warnings lists each",
            thousands(more)
        ),
    )
}

/// `n` with a comma between each group of three digits: `3,450`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

    fn at(line: usize) -> Option<Location> {
        Some(Location {
            source: Arc::from("s.yaml"),
            line,
            col: 1,
        })
    }

    /// `n` warnings about `field` with `message`, on lines `first..first + n`.
    fn warnings(n: usize, first: usize, field: &str, message: &str) -> Vec<Diagnostic> {
        (first..first + n)
            .map(|line| Diagnostic::warning(at(line), field, message.to_string()))
            .collect()
    }

    fn printed(diagnostics: Vec<Diagnostic>, all: bool) -> Vec<String> {
        let mut d = Diagnostics::new();
        // Recorded in reverse: the output is sorted all the same.
        d.extend(diagnostics.into_iter().rev());
        d.to_print(all).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn repeated_warnings_are_summed_up_after_the_first_few() {
        let lines = printed(warnings(10, 1, "spec.transport", "stdio"), false);
        assert_eq!(
            lines,
            [
                "s.yaml:1:1: warning: spec.transport: stdio",
                "s.yaml:2:1: warning: spec.transport: stdio",
                "s.yaml:3:1: warning: spec.transport: stdio",
                "warning: spec.transport: the same warning (\"stdio\") at 7 more places; the first 3 are shown above, --all-warnings lists each",
            ]
        );
        let all = printed(warnings(10, 1, "spec.transport", "stdio"), true);
        assert_eq!(all.len(), 10);
        assert_eq!(all[9], "s.yaml:10:1: warning: spec.transport: stdio");
    }

    #[test]
    fn a_summary_that_would_stand_for_one_line_is_not_made() {
        let lines = printed(warnings(4, 1, "spec.transport", "stdio"), false);
        assert_eq!(lines.len(), 4);
        assert!(lines.iter().all(|l| l.ends_with("spec.transport: stdio")));
        assert_eq!(printed(warnings(5, 1, "f", "m"), false).len(), 4);
    }

    #[test]
    fn errors_are_never_summed_up() {
        let errors: Vec<Diagnostic> = (1..=10)
            .map(|line| Diagnostic::error(at(line), "spec.image", "required"))
            .collect();
        let lines = printed(errors, false);
        assert_eq!(lines.len(), 10);
        assert!(lines.iter().all(|l| l.ends_with(": spec.image: required")));
    }

    #[test]
    fn only_the_same_field_and_message_are_grouped() {
        let mut all = warnings(5, 1, "spec.a", "m");
        all.extend(warnings(5, 11, "spec.b", "m"));
        all.extend(warnings(5, 21, "spec.a", "other"));
        all.extend(warnings(2, 31, "spec.a", "few"));
        // An error with the same field and message as a repeated warning stays, uncounted.
        all.push(Diagnostic::error(at(40), "spec.a", "m"));
        let lines = printed(all, false);
        let summaries: Vec<&String> = lines
            .iter()
            .filter(|l| l.starts_with("warning: "))
            .collect();
        assert_eq!(
            summaries,
            [
                "warning: spec.a: the same warning (\"m\") at 2 more places; the first 3 are shown above, --all-warnings lists each",
                "warning: spec.b: the same warning (\"m\") at 2 more places; the first 3 are shown above, --all-warnings lists each",
                "warning: spec.a: the same warning (\"other\") at 2 more places; the first 3 are shown above, --all-warnings lists each",
            ]
        );
        // 3 + 3 + 3 shown, both `few`, the error, then the three summaries.
        assert_eq!(lines.len(), 9 + 2 + 1 + 3);
        assert_eq!(lines[11], "s.yaml:40:1: spec.a: m");
        assert_eq!(lines[8], "s.yaml:23:1: warning: spec.a: other");
    }

    #[test]
    fn a_summary_quotes_a_long_message_cut_at_a_word_and_counts_with_commas() {
        let message = "transport stdio: the pod speaks MCP only on its standard input and output";
        let mut d = Diagnostics::new();
        d.extend(warnings(3_453, 1, "", message));
        let lines = d.to_print(false);
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[3].to_string(),
            "warning: the same warning (\"transport stdio: the pod speaks MCP only on its standard…\") at 3,450 more places; the first 3 are shown above, --all-warnings lists each"
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

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
