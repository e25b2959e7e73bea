//! `render -o DIR --check`: compare DIR with what a render would write, write nothing.
//!
//! Every difference becomes a unified diff from DIR as it is (`a/`) to what mcp-render would
//! write (`b/`), so the diff reads like a PR review and applies with `git apply`: a changed
//! file, a missing file (`--- /dev/null`), a stale file of ours (`+++ /dev/null`). The user's
//! own files never count.

use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::{DirError, Files, Keep, Listing, conflicts, list, scan_listed, source_of, stale};

/// How one file differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// DIR has the file with other content.
    Changed,
    /// The render would write a file DIR does not have.
    Missing,
    /// DIR has a file of ours the render no longer produces.
    Stale,
}

/// One file that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDrift {
    /// The path relative to DIR.
    pub path: PathBuf,
    /// How it differs.
    pub change: Change,
    /// The unified diff (DIR as is → as rendered).
    pub diff: String,
    /// The first line of the file in DIR that differs (1-based; 1 for missing files).
    pub line: usize,
    /// The input file the rendered file comes from, when it names one.
    pub source: Option<String>,
    /// The file as DIR has it (changed and stale files), read once here for the diff and for
    /// what the change will do ([`crate::impact::changes_of_drift`]).
    pub old: Option<String>,
}

/// Everything that differs; empty when DIR is up to date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// The differing files, by path.
    pub files: Vec<FileDrift>,
    /// How many files the render produces.
    pub planned: usize,
}

impl Drift {
    /// True when DIR is exactly what a render would write.
    pub fn is_clean(&self) -> bool {
        self.files.is_empty()
    }

    /// Files of each kind: (changed, missing, stale).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |c: Change| self.files.iter().filter(|f| f.change == c).count();
        (
            count(Change::Changed),
            count(Change::Missing),
            count(Change::Stale),
        )
    }

    /// Every diff, one after the other.
    pub fn diff(&self) -> String {
        self.files.iter().map(|f| f.diff.as_str()).collect()
    }
}

/// Compares DIR with `files`. `label` is DIR as the user wrote it, used in the diff headers.
/// Fails (like a write would) when DIR is a symbolic link or a path we need is taken by
/// something that is not ours.
pub fn check(dir: &Path, label: &str, files: &Files) -> Result<Drift, DirError> {
    check_listed(dir, label, files, list(dir)?)
}

/// [`check()`] from DIR's entries as [`list`] found them (taken while the plan was finished).
pub fn check_listed(
    dir: &Path,
    label: &str,
    files: &Files,
    listing: Listing,
) -> Result<Drift, DirError> {
    let mut existing = scan_listed(dir, listing, files, Keep::Old)?;
    let reasons = conflicts(dir, &existing, files);
    if !reasons.is_empty() {
        return Err(DirError::Refused(reasons));
    }
    let shown = |path: &Path| super::shown(label, path);
    let mut drift = Drift {
        files: Vec::new(),
        planned: files.len(),
    };
    for (path, content) in files {
        if existing.is_same(path) {
            continue;
        }
        // The scan kept the bytes of every file of ours that is not as planned.
        let old = existing
            .old
            .remove(path)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        let name = shown(path);
        let (change, a, line) = match &old {
            Some(old) => (
                Change::Changed,
                format!("a/{name}"),
                first_difference(old, content),
            ),
            None => (Change::Missing, "/dev/null".to_string(), 1),
        };
        let diff = unified(
            old.as_deref().unwrap_or(""),
            content,
            &a,
            &format!("b/{name}"),
        );
        drift.files.push(FileDrift {
            path: path.clone(),
            change,
            diff,
            line,
            source: source_of(content).map(str::to_string),
            old,
        });
    }
    for path in stale(&existing, files) {
        let bytes = existing.old.get(path).map_or(&[][..], Vec::as_slice);
        let old = String::from_utf8_lossy(bytes).into_owned();
        let name = shown(path);
        drift.files.push(FileDrift {
            path: path.clone(),
            change: Change::Stale,
            diff: unified(&old, "", &format!("a/{name}"), "/dev/null"),
            line: 1,
            source: source_of(&old).map(str::to_string),
            old: Some(old),
        });
    }
    drift.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(drift)
}

fn unified(old: &str, new: &str, a: &str, b: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(a, b)
        .to_string()
}

/// The first line (1-based) of `old` that the diff to `new` touches.
fn first_difference(old: &str, new: &str) -> usize {
    TextDiff::from_lines(old, new)
        .ops()
        .iter()
        .find(|op| op.tag() != similar::DiffTag::Equal)
        .map_or(1, |op| op.old_range().start + 1)
}
