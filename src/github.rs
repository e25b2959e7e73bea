//! GitHub Actions workflow commands (`::error file=…,line=…::message`), so input errors and
//! drift show on the pull request, next to the line. Printed on stderr, which the runner reads
//! for commands too, so stdout stays manifests or a diff.

use crate::diagnostic::{Diagnostic, Severity};
use crate::emit::dir::{Change, FileDrift};

/// The variable GitHub Actions sets to `true` in every step.
pub const ENV: &str = "GITHUB_ACTIONS";

/// True when the value of [`ENV`] turns annotations on.
pub fn enabled(value: Option<&str>) -> bool {
    value == Some("true")
}

/// Escapes a message (`%`, CR, LF), as the runner expects.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (a message's escapes plus `:` and `,`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command: `level` is `error` or `warning`; `file` and `line` are optional.
pub fn command(
    level: &str,
    file: Option<&str>,
    line: Option<usize>,
    col: Option<usize>,
    message: &str,
) -> String {
    let mut properties = Vec::new();
    if let Some(file) = file {
        properties.push(format!("file={}", property(file)));
        if let Some(line) = line {
            properties.push(format!("line={line}"));
        }
        if let Some(col) = col {
            properties.push(format!("col={col}"));
        }
    }
    let properties = if properties.is_empty() {
        String::new()
    } else {
        format!(" {}", properties.join(","))
    };
    format!("::{level}{properties}::{}", data(message))
}

/// The annotation for an input problem.
pub fn diagnostic(d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let message = if d.field.is_empty() {
        d.message.to_string()
    } else {
        format!("{}: {}", d.field, d.message)
    };
    let location = d.location.as_ref();
    command(
        level,
        location.map(|l| &*l.source),
        location.map(|l| l.line),
        location.map(|l| l.col),
        &message,
    )
}

/// The annotation for one drifted file of DIR (`label` is DIR as the user wrote it).
pub fn drift(label: &str, file: &FileDrift, rerender: &str) -> String {
    let label = label.trim_end_matches('/');
    let path = format!("{label}/{}", file.path.to_string_lossy());
    let from = file
        .source
        .as_deref()
        .map_or(String::new(), |s| format!(" (rendered from {s})"));
    match file.change {
        Change::Changed => command(
            "error",
            Some(&path),
            Some(file.line),
            None,
            &format!("out of date{from}: this is not what mcp-render renders; run `{rerender}`"),
        ),
        Change::Missing => command(
            "error",
            file.source.as_deref().or(Some(&path)),
            Some(1),
            None,
            &format!("{path} is missing{from}; run `{rerender}`"),
        ),
        Change::Stale => command(
            "error",
            Some(&path),
            Some(1),
            None,
            &format!("no longer rendered{from}; run `{rerender}` to remove it"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_escape_their_parts() {
        assert_eq!(
            command(
                "error",
                Some("a,b:c.yaml"),
                Some(3),
                Some(5),
                "50% bad\nline"
            ),
            "::error file=a%2Cb%3Ac.yaml,line=3,col=5::50%25 bad%0Aline"
        );
        assert_eq!(command("warning", None, Some(3), None, "x"), "::warning::x");
        assert!(enabled(Some("true")));
        assert!(!enabled(Some("1")));
        assert!(!enabled(None));
    }
}
