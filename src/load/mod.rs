//! Stage 1, load: files, directories and stdin in, located document trees out.
//!
//! This is the only stage that knows about files. It reads every input in sorted path order,
//! decodes UTF-8 (a leading BOM is dropped, CRLF is fine), splits YAML streams into documents,
//! and resolves every scalar the way kubectl reads it (YAML 1.1, [`crate::yaml11`]). It keeps
//! a line and column for every node so later stages can point at the exact field.
//!
//! Hostile input is bounded: files over [`Limits::max_file_bytes`] are refused, nesting deeper
//! than [`Limits::max_depth`] is refused, and alias expansion ("billion laughs") stops at
//! [`Limits::max_nodes`] nodes per document. Duplicate mapping keys are an error, as YAML says.
//!
//! Here: reading files, directories and stdin, with the size limit, and decoding. `pieces`:
//! cutting a big stream into pieces parsed in parallel. `tree`: turning the parser's events
//! into located trees (`Node`), with the depth, node and key checks.

mod pieces;
mod tree;

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::node::{Mark, Node};

pub use pieces::{PieceOutput, Wholes, map_pieces, parse_sources, per_source};

/// Resource bounds for reading untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file (or stdin) accepted, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of mappings and lists accepted.
    pub max_depth: usize,
    /// Most nodes one document may expand to, aliases included.
    pub max_nodes: usize,
    /// How a big stream is cut into pieces parsed on their own (a tuning knob, not a bound
    /// on the input: the result never depends on it).
    pub pieces: PieceSize,
}

/// The size of the pieces one big stream is cut into, to be parsed in parallel (see
/// [`parse_sources`]); the default suits real input, tests use small ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PieceSize {
    /// Sources are cut into pieces of at least this size (so small sources are parsed
    /// whole), to keep every thread busy on one big stream...
    pub min_bytes: usize,
    /// ...and of at most about this size, so the located trees of the pieces in flight
    /// (several times the size of their text) stay a small part of memory.
    pub max_bytes: usize,
}

impl Default for PieceSize {
    /// 128 KiB to 256 KiB: big enough that a piece's set-up is nothing, small enough that
    /// the located trees of the pieces being parsed (several times their text) stay a few
    /// megabytes (1 MiB pieces added 10-20 MB to the peak at 100,000 servers).
    fn default() -> PieceSize {
        PieceSize {
            min_bytes: 128 * 1024,
            max_bytes: 256 * 1024,
        }
    }
}

impl Default for Limits {
    /// 64 MiB per file, 100 levels, 1,000,000 nodes a document: far above any real manifest.
    fn default() -> Limits {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_depth: 100,
            max_nodes: 1_000_000,
            pieces: PieceSize::default(),
        }
    }
}

/// The text of one input, decoded, with the name the user knows it by.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as given (or joined below a given directory), or `<stdin>`.
    pub name: Arc<str>,
    /// The UTF-8 text, without a leading BOM.
    pub text: String,
    /// The file it was read from (`None`: standard input, or text given in memory). A big
    /// file's text is let go while its pieces are parsed, and read again for the exact
    /// message if one of them has a syntax error (see [`map_pieces`]).
    pub path: Option<PathBuf>,
}

/// One document of a source.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The source's name.
    pub source: Arc<str>,
    /// The document's position in its source, from 0.
    pub index: usize,
    /// The document's root node.
    pub root: Node,
}

impl Document {
    /// The location of `mark` in this document's source.
    pub fn location(&self, mark: Mark) -> Location {
        Location {
            source: Arc::clone(&self.source),
            line: mark.line as usize,
            col: mark.col as usize,
        }
    }
}

impl crate::model::Locate for Vec<Document> {
    fn locate(
        &self,
        origin: &crate::model::Origin,
        field: &crate::node::FieldPath,
    ) -> Option<Location> {
        let document = self.get(origin.document)?;
        let mut full = origin.base.clone();
        full.0.extend(field.0.iter().cloned());
        Some(document.location(document.root.locate(&full)))
    }
}

/// The name used for standard input in messages and output comments.
pub const STDIN_NAME: &str = "<stdin>";

/// File endings read from directories. Files named explicitly are read whatever their ending.
const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Reads every input: each path is a file, a directory (walked recursively for `*.yaml`,
/// `*.yml` and `*.json`, skipping hidden entries, in sorted order) or `-` for stdin; no path
/// at all means stdin. Returns the sources in input order and every problem found.
pub fn read_sources(
    paths: &[PathBuf],
    stdin: &mut dyn Read,
    limits: &Limits,
) -> (Vec<Source>, Diagnostics) {
    /// One input to read, in order.
    enum Input {
        Stdin,
        File(PathBuf),
        Failed(Diagnostic),
    }
    let stdin_only = [PathBuf::from("-")];
    let paths = if paths.is_empty() {
        &stdin_only[..]
    } else {
        paths
    };
    // First every file in order (walking directories is cheap), then the reading, which
    // for a monorepo of thousands of files is worth spreading over threads.
    let mut inputs = Vec::new();
    let mut stdin_read = false;
    let mut seen = HashSet::new();
    let mut walk_warnings = Diagnostics::new();
    for path in paths {
        if path.as_os_str() == "-" {
            if !stdin_read {
                inputs.push(Input::Stdin);
            }
            stdin_read = true;
            continue;
        }
        let mut files = Vec::new();
        if let Err(d) = collect_files(path, &mut files, &mut walk_warnings) {
            inputs.push(Input::Failed(d));
            continue;
        }
        for file in files {
            // A file named twice (`dir/ dir/a.yaml`) is one input, not two colliding copies.
            if seen.insert(std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone())) {
                inputs.push(Input::File(file));
            }
        }
    }
    let read: Vec<_> = inputs
        .par_iter()
        .with_min_len(MIN_FILES_PER_CHUNK)
        .map(|input| match input {
            // Standard input is read in order below, on this thread.
            Input::Stdin => None,
            Input::File(file) => {
                let name = file.to_string_lossy();
                Some(read_source(file, &name, limits))
            }
            Input::Failed(d) => Some(Err(d.clone())),
        })
        .collect();
    let mut sources = Vec::new();
    let mut diagnostics = walk_warnings;
    for read in read {
        let result = read.unwrap_or_else(|| {
            read_limited(stdin, 0, STDIN_NAME, limits).and_then(|bytes| decode(STDIN_NAME, bytes))
        });
        match result {
            Ok(source) => sources.push(source),
            Err(d) => diagnostics.push(d),
        }
    }
    (sources, diagnostics)
}

/// Fewer files than this are not worth handing to another thread.
const MIN_FILES_PER_CHUNK: usize = 64;

/// The files to read for `path`: itself when it is a file, else the `*.yaml`, `*.yml` and
/// `*.json` files below it in sorted order, hidden entries skipped. A symbolic link inside the
/// folder is followed only to a file: a link to a folder is skipped with one warning (one
/// that points back up the tree says it is a loop), so no walk can hang or read a file twice
/// through a link. `path` itself may be a link (it was named on the command line).
fn collect_files(
    path: &Path,
    files: &mut Vec<PathBuf>,
    warnings: &mut Diagnostics,
) -> Result<(), Diagnostic> {
    let name = |path: &Path| -> Arc<str> { Arc::from(path.to_string_lossy()) };
    let io_error = |at: &Path, e: &dyn std::fmt::Display| {
        Diagnostic::error(
            Some(Location::start_of(&name(at))),
            "",
            format!("cannot read: {e}"),
        )
    };
    let metadata = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
    if !metadata.is_dir() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let hidden = |entry: &walkdir::DirEntry| entry.file_name().to_string_lossy().starts_with('.');
    let walk = crate::walk::below(path).into_iter();
    for entry in walk.filter_entry(|entry| !hidden(entry)) {
        let entry = entry.map_err(|e| {
            let at = e.path().unwrap_or(path).to_path_buf();
            io_error(&at, &e)
        })?;
        let entry_path = entry.path();
        if entry.file_type().is_dir() {
            continue;
        }
        if entry.path_is_symlink() && std::fs::metadata(entry_path).is_ok_and(|m| m.is_dir()) {
            let warning = directory_link_warning(entry_path);
            // A folder named twice (`servers servers/a`) still says it once.
            if !warnings.iter().any(|w| *w == warning) {
                warnings.push(warning);
            }
            continue;
        }
        if entry_path
            .extension()
            .is_some_and(|ext| EXTENSIONS.iter().any(|known| ext == *known))
        {
            files.push(entry_path.to_path_buf());
        }
    }
    Ok(())
}

/// The one warning for a symbolic link to a folder found inside an input folder.
fn directory_link_warning(link: &Path) -> Diagnostic {
    let shown = link.display();
    let target = std::fs::canonicalize(link).ok();
    let parent = link.parent().and_then(|p| std::fs::canonicalize(p).ok());
    let is_loop = matches!((&target, &parent), (Some(t), Some(p)) if p.starts_with(t));
    let message = if is_loop {
        format!(
            "{shown}: a symbolic link back to the folder {}, which holds it: a loop; not followed",
            target.as_deref().unwrap_or(link).display()
        )
    } else {
        format!(
            "{shown}: a symbolic link to a folder; links inside an input folder are not followed (name the folder on the command line to read it)"
        )
    };
    Diagnostic::warning(None, "", message)
}

fn read_file(path: &Path, name: &str, limits: &Limits) -> Result<Vec<u8>, Diagnostic> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| whole_file_error(name, format!("cannot read: {e}")))?;
    // The size is only a hint (the file may change): it saves growing the buffer.
    let size = file.metadata().map_or(0, |m| m.len());
    let hint = usize::try_from(size.min(limits.max_file_bytes)).unwrap_or(0);
    read_limited(&mut file, hint, name, limits)
}

fn read_limited(
    reader: &mut dyn Read,
    size_hint: usize,
    name: &str,
    limits: &Limits,
) -> Result<Vec<u8>, Diagnostic> {
    let mut bytes = Vec::with_capacity(size_hint.saturating_add(1));
    reader
        .take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| whole_file_error(name, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(whole_file_error(
            name,
            format!(
                "input is larger than the limit of {} bytes (raise it with --max-file-size)",
                limits.max_file_bytes
            ),
        ));
    }
    Ok(bytes)
}

fn whole_file_error(name: &str, message: String) -> Diagnostic {
    Diagnostic::error(Some(Location::start_of(&Arc::from(name))), "", message)
}

/// Decodes UTF-8, dropping a leading BOM. Invalid UTF-8 is reported at its line and column.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<Source, Diagnostic> {
    let name: Arc<str> = Arc::from(name);
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // Everything before the bad byte is valid UTF-8, so this cannot fail.
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Diagnostic::error(
            Some(Location {
                source: Arc::clone(&name),
                line,
                col,
            }),
            "",
            "the file is not valid UTF-8",
        )
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(Source {
        name,
        text,
        path: None,
    })
}

/// Reads and decodes file `path` (named `name`) as [`read_sources`] does.
fn read_source(path: &Path, name: &str, limits: &Limits) -> Result<Source, Diagnostic> {
    let source = decode(name, read_file(path, name, limits)?)?;
    Ok(Source {
        path: Some(path.to_path_buf()),
        ..source
    })
}

/// Splits a source into its documents. Empty documents (nothing, `null`, only comments) are
/// dropped here: they are not objects. A syntax error fails the whole source, since the
/// parser cannot say where the next document would start.
/// A source that is not YAML because it is a Helm template says so.
pub fn parse_documents(source: &Source, limits: &Limits) -> Result<Vec<Document>, Diagnostic> {
    tree::parse_piece(&source.name, &source.text, 0, limits)
        .map(|(documents, _)| documents)
        .map_err(|d| with_helm_hint(d, &source.text))
}

/// A whole source's syntax error, with the Helm hint when the source is a Helm template.
fn with_helm_hint(mut d: Diagnostic, text: &str) -> Diagnostic {
    if looks_like_helm_template(text) {
        d.message.to_mut().push_str(HELM_HINT);
    }
    d
}

/// What a syntax error in a Helm template adds.
const HELM_HINT: &str = "; this looks like a Helm template (`{{ ... }}`), which is not YAML until Helm renders it: run `helm template RELEASE CHART | mcp-render render -`";

/// True when `text` holds a Go template action (`{{ ... }}`) outside comments.
fn looks_like_helm_template(text: &str) -> bool {
    text.lines().any(|line| {
        let code = line.trim_start();
        !code.starts_with('#')
            && code
                .find("{{")
                .is_some_and(|start| code[start..].contains("}}"))
    })
}

/// Reads and parses everything: the usual entry point of the stage.
pub fn load(
    paths: &[PathBuf],
    stdin: &mut dyn Read,
    limits: &Limits,
) -> (Vec<Document>, Diagnostics) {
    let (sources, mut diagnostics) = read_sources(paths, stdin, limits);
    let (documents, parse_diagnostics) = parse_sources(sources, limits);
    diagnostics.extend(parse_diagnostics);
    (documents, diagnostics)
}
