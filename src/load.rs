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

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_saphyr::granit_parser::{Event, Marker, Options, Parser, ScalarStyle, Span, Tag};

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::node::{Entry, Mark, Node, Value};
use crate::yaml11::{self, Plain};

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
    /// 128 KiB to 1 MiB.
    fn default() -> PieceSize {
        PieceSize {
            min_bytes: 128 * 1024,
            max_bytes: 1024 * 1024,
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
}

/// One document of a source.
#[derive(Debug, Clone)]
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
    for path in paths {
        if path.as_os_str() == "-" {
            if !stdin_read {
                inputs.push(Input::Stdin);
            }
            stdin_read = true;
            continue;
        }
        let mut files = Vec::new();
        if let Err(d) = collect_files(path, true, &mut files) {
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
    let threads = crate::par::threads();
    let chunks = crate::par::chunks(inputs.len(), threads, MIN_FILES_PER_CHUNK);
    let read = crate::par::map(&chunks, threads, |chunk| {
        inputs[chunk.clone()]
            .iter()
            .map(|input| match input {
                // Standard input is read in order below, on this thread.
                Input::Stdin => None,
                Input::File(file) => {
                    let name = file.to_string_lossy();
                    Some(read_file(file, &name, limits).and_then(|bytes| decode(&name, bytes)))
                }
                Input::Failed(d) => Some(Err(d.clone())),
            })
            .collect::<Vec<_>>()
    });
    let mut sources = Vec::new();
    let mut diagnostics = Diagnostics::new();
    for read in read.into_iter().flatten() {
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

fn collect_files(path: &Path, explicit: bool, files: &mut Vec<PathBuf>) -> Result<(), Diagnostic> {
    let io_error = |e: std::io::Error| {
        Diagnostic::error(
            Some(Location::start_of(&Arc::from(path.to_string_lossy()))),
            "",
            format!("cannot read: {e}"),
        )
    };
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if !metadata.is_dir() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io_error)? {
        entries.push(entry.map_err(io_error)?.path());
    }
    entries.sort();
    for entry in entries {
        let hidden = entry
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if entry.is_dir() {
            collect_files(&entry, false, files)?;
        } else if entry
            .extension()
            .is_some_and(|ext| EXTENSIONS.iter().any(|known| ext == *known))
        {
            files.push(entry);
        }
    }
    let _ = explicit;
    Ok(())
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
    Ok(Source { name, text })
}

/// Splits a source into its documents. Empty documents (nothing, `null`, only comments) are
/// dropped here: they are not objects. A syntax error fails the whole source, since the
/// parser cannot say where the next document would start.
pub fn parse_documents(source: &Source, limits: &Limits) -> Result<Vec<Document>, Diagnostic> {
    let piece = Piece {
        source: 0,
        range: 0..source.text.len(),
        line_offset: 0,
    };
    parse_piece(source, &piece, limits).map(|(documents, _)| documents)
}

/// Reads and parses everything: the usual entry point of the stage.
pub fn load(
    paths: &[PathBuf],
    stdin: &mut dyn Read,
    limits: &Limits,
) -> (Vec<Document>, Diagnostics) {
    let (sources, mut diagnostics) = read_sources(paths, stdin, limits);
    let (documents, parse_diagnostics) = parse_sources(&sources, limits, crate::par::threads());
    diagnostics.extend(parse_diagnostics);
    (documents, diagnostics)
}

/// Pieces per thread when a big source is cut: more than one, so a thread that finishes
/// early takes over.
const PIECES_PER_THREAD: usize = 4;

/// Parses every source's documents on up to `threads` threads. The result, documents and
/// diagnostics, is exactly what [`parse_documents`] on each source in turn gives.
///
/// Why cutting a stream is exact: a line starting with `---` followed by a blank (or the end
/// of the line) is always a document start token in YAML, whatever comes before it; inside a
/// quoted scalar or a flow collection it is a syntax error instead, and a block scalar or
/// plain scalar ends there. So a stream cut just before such lines parses into the same
/// documents, with the same anchors (they never cross documents), provided no `%` directive
/// carries from one piece into the next: a source with any line starting with `%` is never
/// cut. Lines are offset so every mark is where it is in the whole source. Any error in any
/// piece sends the whole source through the sequential parser again, so error messages are
/// exactly the sequential ones.
pub fn parse_sources(
    sources: &[Source],
    limits: &Limits,
    threads: usize,
) -> (Vec<Document>, Diagnostics) {
    let outputs = map_pieces(sources, limits, threads, |documents| documents);
    let mut documents = Vec::new();
    let mut diagnostics = Diagnostics::new();
    let mut outputs = outputs.into_iter().peekable();
    while let Some(first) = outputs.next() {
        let source = first.source;
        let mut of_source = vec![first];
        while let Some(next) = outputs.next_if(|next| next.source == source) {
            of_source.push(next);
        }
        if of_source.len() > 1 && of_source.iter().any(|piece| piece.result.is_err()) {
            // The sequential parser's error, exactly (see above).
            match parse_documents(&sources[source], limits) {
                Ok(docs) => documents.extend(docs),
                Err(d) => diagnostics.push(d),
            }
            continue;
        }
        let mut index_offset = 0;
        for piece in of_source {
            match piece.result {
                Ok(docs) => documents.extend(docs.into_iter().map(|mut document| {
                    document.index += index_offset;
                    document
                })),
                Err(d) => diagnostics.push(d),
            }
            index_offset += piece.documents;
        }
    }
    (documents, diagnostics)
}

/// What one piece of a source gave (see [`map_pieces`]).
#[derive(Debug)]
pub struct PieceOutput<R> {
    /// Index of the source in the slice given.
    pub source: usize,
    /// How many documents the piece held, empty ones included (a [`Document::index`] in the
    /// piece is relative to the piece: add the counts of the source's earlier pieces).
    pub documents: usize,
    /// What the caller made of the piece's documents, or the piece's syntax error. Any
    /// error means the source needs [`parse_documents`] for the exact first error.
    pub result: Result<R, Diagnostic>,
}

/// Cuts the sources into pieces (whole small sources; big ones at document starts), parses
/// the pieces on up to `threads` threads, and calls `each` with every piece's documents on
/// the thread that parsed them, so the caller can turn them into something smaller while
/// they are in cache and drop them. Outputs come back in input order: by source, then by
/// position in the source. [`parse_sources`] explains why cutting is exact.
pub fn map_pieces<R: Send>(
    sources: &[Source],
    limits: &Limits,
    threads: usize,
    each: impl Fn(Vec<Document>) -> R + Sync,
) -> Vec<PieceOutput<R>> {
    let mut pieces = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        cut(index, &source.text, threads, limits.pieces, &mut pieces);
    }
    crate::par::map(&pieces, threads, |piece| {
        match parse_piece(&sources[piece.source], piece, limits) {
            Ok((documents, count)) => PieceOutput {
                source: piece.source,
                documents: count,
                result: Ok(each(documents)),
            },
            Err(d) => PieceOutput {
                source: piece.source,
                documents: 0,
                result: Err(d),
            },
        }
    })
}

/// Part of a source to parse on its own: whole documents, starting at a line start.
#[derive(Debug, Clone)]
struct Piece {
    /// Index of the source.
    source: usize,
    /// Byte range in the source's text.
    range: std::ops::Range<usize>,
    /// Lines before the piece.
    line_offset: u32,
}

/// A piece's documents and how many documents (empty ones included) it held.
type PieceResult = Result<(Vec<Document>, usize), Diagnostic>;

/// Cuts one source into pieces (see [`parse_sources`] for why this is exact).
fn cut(source: usize, text: &str, threads: usize, size: PieceSize, pieces: &mut Vec<Piece>) {
    let whole = |pieces: &mut Vec<Piece>| {
        pieces.push(Piece {
            source,
            range: 0..text.len(),
            line_offset: 0,
        })
    };
    let has_directive = text.starts_with('%') || text.contains("\n%");
    if has_directive {
        return whole(pieces);
    }
    // A few pieces per thread, for balance; none over `size.max_bytes`, so the trees of a
    // piece stay small whatever the thread count.
    let size = text
        .len()
        .div_ceil(threads.max(1) * PIECES_PER_THREAD)
        .clamp(size.min_bytes, size.max_bytes.max(size.min_bytes));
    let mut starts = vec![0];
    let mut from = size;
    while from < text.len() {
        let Some(at) = document_start_at_or_after(text, from) else {
            break;
        };
        starts.push(at);
        from = at + size;
    }
    if starts.len() == 1 {
        return whole(pieces);
    }
    let mut lines = 0u32;
    let mut previous = 0;
    for (i, &start) in starts.iter().enumerate() {
        lines = lines.saturating_add(line_breaks(&text.as_bytes()[previous..start]));
        previous = start;
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        pieces.push(Piece {
            source,
            range: start..end,
            line_offset: lines,
        });
    }
}

/// Line breaks as the YAML parser counts them: `\n`, `\r\n` and a lone `\r`.
fn line_breaks(bytes: &[u8]) -> u32 {
    let mut count = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        let lone_cr = b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
        if b == b'\n' || lone_cr {
            count = count.saturating_add(1);
        }
    }
    count
}

/// The byte offset of the first line at or after `from` that starts with `---` followed by a
/// blank or the end of the line (a document start token).
fn document_start_at_or_after(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(found) = text.get(at..)?.find("\n---") {
        let start = at + found + 1;
        match bytes.get(start + 3) {
            None | Some(b' ' | b'\t' | b'\r' | b'\n') => return Some(start),
            Some(_) => at = start,
        }
    }
    None
}

/// Parses one piece of a source into documents, with marks for the whole source; also
/// returns how many documents the piece held, empty ones included.
fn parse_piece(source: &Source, piece: &Piece, limits: &Limits) -> PieceResult {
    let mut options = Options::default();
    options.emit_comments = false;
    let text = source.text.get(piece.range.clone()).unwrap_or_default();
    let parser = Parser::new_from_str_with_options(text, options);
    let mut builder = Builder {
        source,
        limits,
        line_offset: piece.line_offset,
        documents: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        bytes: 0,
        document_index: 0,
        root: None,
    };
    for event in parser {
        let (event, span) = event.map_err(|e| {
            let mark = builder.mark(e.marker());
            builder.error_at(mark, syntax_message(&e.info()))
        })?;
        builder.event(event, span)?;
    }
    Ok((builder.documents, builder.document_index))
}

/// The parser's message, with a hint for the mistakes people make most.
fn syntax_message(info: &str) -> String {
    let hint = if info.contains("mapping values are not allowed")
        || info.contains("did not find expected key")
        || info.contains("invalid indentation")
    {
        "; check the indentation of this line against the lines above"
    } else if info.contains("tab") {
        "; YAML indents with spaces, never tabs"
    } else if info.contains("unclosed quote") {
        "; the quoted string starting here is never closed"
    } else if info.contains("recursion limit") {
        "; the document nests too deeply"
    } else {
        ""
    };
    format!("invalid YAML: {info}{hint}")
}

fn marker_to_mark(marker: &Marker) -> Mark {
    Mark {
        line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
        col: u32::try_from(marker.col() + 1).unwrap_or(u32::MAX),
    }
}

/// How big a finished node is: what an alias to it costs, and how deep it nests.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    /// Nodes, keys included.
    nodes: usize,
    /// Bytes of scalar text, keys included.
    bytes: usize,
    /// Levels of collections (a scalar is 0, `[1]` is 1).
    height: usize,
}

impl Size {
    fn add_child(&mut self, child: Size) {
        self.nodes = self.nodes.saturating_add(child.nodes);
        self.bytes = self.bytes.saturating_add(child.bytes);
        self.height = self.height.max(child.height.saturating_add(1));
    }
}

/// Mappings with fewer keys than this are checked for duplicates by a linear search.
const LINEAR_KEY_CHECK_MAX: usize = 16;

/// A collection being built.
enum Frame {
    Seq {
        items: Vec<Node>,
        mark: Mark,
        anchor: usize,
        size: Size,
    },
    Map {
        entries: Vec<Entry>,
        /// Each key's line, to report duplicates without a quadratic search; filled once
        /// the mapping has [`LINEAR_KEY_CHECK_MAX`] keys (below that, a search is cheaper).
        keys: HashMap<String, u32>,
        merges: Vec<Node>,
        pending_key: Option<(String, Mark, bool)>,
        mark: Mark,
        anchor: usize,
        size: Size,
    },
}

struct Builder<'a> {
    source: &'a Source,
    limits: &'a Limits,
    /// Lines of the source before the text being parsed.
    line_offset: u32,
    documents: Vec<Document>,
    stack: Vec<Frame>,
    /// Anchored nodes of the current document, with their size.
    anchors: HashMap<usize, (Node, Size)>,
    /// Nodes held for the current document, aliases counted at their expanded size.
    nodes: usize,
    /// Bytes of scalar text held for the current document, aliases expanded.
    bytes: usize,
    document_index: usize,
    root: Option<Node>,
}

impl Builder<'_> {
    /// A parser position as a mark in the whole source.
    fn mark(&self, marker: &Marker) -> Mark {
        let mark = marker_to_mark(marker);
        Mark {
            line: mark.line.saturating_add(self.line_offset),
            ..mark
        }
    }

    fn error_at(&self, mark: Mark, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(
            Some(Location {
                source: Arc::clone(&self.source.name),
                line: mark.line as usize,
                col: mark.col as usize,
            }),
            "",
            message,
        )
    }

    /// Charges `size` to the document's budget: every node and byte held in memory, aliases
    /// and anchor copies included, so neither an alias bomb of many small nodes nor one of a
    /// few huge strings can take more than the limits allow.
    fn count(&mut self, size: Size, mark: Mark) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(size.nodes);
        self.bytes = self.bytes.saturating_add(size.bytes);
        if self.nodes > self.limits.max_nodes {
            return Err(self.error_at(
                mark,
                format!(
                    "the document expands to more than {} nodes (an alias bomb?)",
                    self.limits.max_nodes
                ),
            ));
        }
        let max_bytes = usize::try_from(self.limits.max_file_bytes).unwrap_or(usize::MAX);
        if self.bytes > max_bytes {
            return Err(self.error_at(
                mark,
                format!(
                    "the document's text expands to more than {max_bytes} bytes through aliases (an alias bomb?); --max-file-size raises this limit"
                ),
            ));
        }
        Ok(())
    }

    /// True when the next scalar or collection is a mapping key.
    fn expecting_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Map {
                pending_key: None,
                ..
            })
        )
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Diagnostic> {
        let mark = self.mark(&span.start);
        match event {
            Event::DocumentStart(..) => {
                self.anchors.clear();
                self.nodes = 0;
                self.bytes = 0;
                self.root = None;
            }
            Event::DocumentEnd => {
                if let Some(root) = self.root.take().filter(|root| !root.is_null()) {
                    self.documents.push(Document {
                        source: Arc::clone(&self.source.name),
                        index: self.document_index,
                        root,
                    });
                }
                self.document_index += 1;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let size = Size {
                    nodes: 1,
                    bytes: text.len(),
                    height: 0,
                };
                self.count(size, mark)?;
                let is_key = self.expecting_key();
                let value = self.scalar(&text, style, tag.as_deref(), mark)?;
                let merge_key =
                    is_key && style == ScalarStyle::Plain && text == "<<" && tag.is_none();
                let node = Node { value, mark };
                if anchor != 0 {
                    self.count(size, mark)?;
                    self.anchors.insert(anchor, (node.clone(), size));
                }
                if is_key {
                    self.push_key(node, merge_key)?;
                } else {
                    self.push_node(node, size)?;
                }
            }
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                self.count(
                    Size {
                        nodes: 1,
                        ..Size::default()
                    },
                    mark,
                )?;
                if self.expecting_key() {
                    return Err(self.error_at(
                        mark,
                        "a mapping key must be a string, not a list or mapping",
                    ));
                }
                if self.stack.len() >= self.limits.max_depth {
                    return Err(self.error_at(
                        mark,
                        format!("nesting is deeper than {} levels", self.limits.max_depth),
                    ));
                }
                let size = Size {
                    nodes: 1,
                    bytes: 0,
                    height: 1,
                };
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq {
                            items: Vec::new(),
                            mark,
                            anchor,
                            size,
                        }
                    } else {
                        Frame::Map {
                            entries: Vec::new(),
                            keys: HashMap::new(),
                            merges: Vec::new(),
                            pending_key: None,
                            mark,
                            anchor,
                            size,
                        }
                    });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (node, anchor, size) = match frame {
                    Frame::Seq {
                        items,
                        mark,
                        anchor,
                        size,
                    } => (
                        Node {
                            value: Value::Seq(items),
                            mark,
                        },
                        anchor,
                        size,
                    ),
                    Frame::Map {
                        entries,
                        merges,
                        mark,
                        anchor,
                        size,
                        ..
                    } => (
                        Node {
                            value: Value::Map(merge(entries, merges)),
                            mark,
                        },
                        anchor,
                        size,
                    ),
                };
                if anchor != 0 {
                    // The anchor keeps a copy: charge it like the original.
                    self.count(size, mark)?;
                    self.anchors.insert(anchor, (node.clone(), size));
                }
                self.push_node(node, size)?;
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id).cloned() else {
                    return Err(self.error_at(mark, "alias to an unknown anchor"));
                };
                self.count(size, mark)?;
                if self.stack.len().saturating_add(size.height) > self.limits.max_depth {
                    return Err(self.error_at(
                        mark,
                        format!(
                            "this alias nests the document deeper than {} levels",
                            self.limits.max_depth
                        ),
                    ));
                }
                let node = Node { mark, ..node };
                if self.expecting_key() {
                    let Value::Str(_) = node.value else {
                        return Err(self.error_at(mark, "a mapping key must be a string"));
                    };
                    self.push_key(node, false)?;
                } else {
                    self.push_node(node, size)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        mark: Mark,
    ) -> Result<Value, Diagnostic> {
        if let Some(tag) = tag {
            let core = tag.handle() == "tag:yaml.org,2002:";
            return match (core, tag.suffix()) {
                (true, "str") => Ok(Value::Str(text.to_string())),
                (true, suffix @ ("int" | "float" | "bool" | "null")) => {
                    let value = self.plain(text, mark)?;
                    let fits = matches!(
                        (suffix, &value),
                        ("null", Value::Null) | ("bool", Value::Bool(_)) | ("int" | "float", Value::Number(_))
                    );
                    if fits {
                        Ok(value)
                    } else {
                        Err(self.error_at(mark, format!("`{text}` is not a valid !!{suffix}")))
                    }
                }
                _ => Err(self.error_at(
                    mark,
                    format!("the tag `{}{}` is not supported (Kubernetes objects are plain JSON values)", tag.original_handle(), tag.suffix()),
                )),
            };
        }
        match style {
            ScalarStyle::Plain => self.plain(text, mark),
            _ => Ok(Value::Str(text.to_string())),
        }
    }

    /// A plain scalar, resolved as kubectl resolves it.
    fn plain(&self, text: &str, mark: Mark) -> Result<Value, Diagnostic> {
        Ok(match yaml11::resolve_plain(text) {
            Plain::Null => Value::Null,
            Plain::Bool(b) => Value::Bool(b),
            Plain::Int(i) => Value::Number(i.into()),
            Plain::Uint(u) => Value::Number(u.into()),
            Plain::Float(f) => match serde_json::Number::from_f64(f) {
                Some(n) => Value::Number(n),
                None => {
                    return Err(self.error_at(
                        mark,
                        format!("`{text}` is not a finite number, which JSON (and so Kubernetes) cannot hold; quote it if it is a string"),
                    ));
                }
            },
            Plain::Str => Value::Str(text.to_string()),
        })
    }

    /// Records a mapping key. Keys become strings as kubectl makes them (`1` → `"1"`,
    /// `true` → `"true"`); keys kubectl cannot turn into a string are an error.
    fn push_key(&mut self, key: Node, merge_key: bool) -> Result<(), Diagnostic> {
        let name = match &key.value {
            Value::Str(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) if n.is_i64() => n.to_string(),
            Value::Null | Value::Number(_) => {
                let what = match &key.value {
                    Value::Number(n) if n.is_u64() => "an integer beyond 64-bit signed range",
                    Value::Number(_) => "a floating-point number",
                    _ => "null",
                };
                return Err(self.error_at(
                    key.mark,
                    format!(
                        "a mapping key must be a string: kubectl reads this key as {what} and rejects it; quote it"
                    ),
                ));
            }
            Value::Seq(_) | Value::Map(_) => {
                return Err(self.error_at(key.mark, "a mapping key must be a string"));
            }
        };
        if let Some(Frame::Map { pending_key, .. }) = self.stack.last_mut() {
            *pending_key = Some((name, key.mark, merge_key));
        }
        Ok(())
    }

    fn push_node(&mut self, node: Node, size: Size) -> Result<(), Diagnostic> {
        let merge_error = |builder: &Self, mark: Mark| {
            builder.error_at(
                mark,
                "a merge key (`<<`) takes a mapping or a list of mappings, as kubectl requires",
            )
        };
        let is_merge_value = matches!(
            self.stack.last(),
            Some(Frame::Map {
                pending_key: Some((_, _, true)),
                ..
            })
        );
        if is_merge_value {
            let valid = match &node.value {
                Value::Map(_) => true,
                Value::Seq(items) => items.iter().all(|item| item.as_map().is_some()),
                _ => false,
            };
            if !valid {
                return Err(merge_error(self, node.mark));
            }
        }
        let source = Arc::clone(&self.source.name);
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, size: s, .. }) => {
                s.add_child(size);
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                keys,
                merges,
                pending_key,
                size: s,
                ..
            }) => {
                let Some((key, key_mark, merge_key)) = pending_key.take() else {
                    return Ok(());
                };
                s.add_child(size);
                s.nodes = s.nodes.saturating_add(1);
                s.bytes = s.bytes.saturating_add(key.len());
                if merge_key {
                    merges.push(node);
                    return Ok(());
                }
                // Small mappings (nearly all) are searched; big ones (an owners lock file has
                // one key per server) get a hash map of their keys, built when they grow.
                let first_line = if entries.len() < LINEAR_KEY_CHECK_MAX {
                    entries
                        .iter()
                        .find(|entry| entry.key == key)
                        .map(|entry| entry.key_mark.line)
                } else {
                    if keys.is_empty() {
                        keys.extend(
                            entries
                                .iter()
                                .map(|entry| (entry.key.clone(), entry.key_mark.line)),
                        );
                    }
                    keys.get(&key).copied()
                };
                if let Some(first_line) = first_line {
                    return Err(Diagnostic::error(
                        Some(Location {
                            source,
                            line: key_mark.line as usize,
                            col: key_mark.col as usize,
                        }),
                        "",
                        format!(
                            "duplicate key `{key}` (first defined on line {first_line}); YAML does not allow duplicate keys"
                        ),
                    ));
                }
                if entries.len() >= LINEAR_KEY_CHECK_MAX {
                    keys.insert(key.clone(), key_mark.line);
                }
                entries.push(Entry {
                    key,
                    key_mark,
                    value: node,
                });
                Ok(())
            }
        }
    }
}

/// Applies YAML merge keys (`<<: *base`): keys written in the mapping win over merged ones,
/// and earlier merged mappings win over later ones, as go-yaml does.
fn merge(mut entries: Vec<Entry>, merges: Vec<Node>) -> Vec<Entry> {
    if merges.is_empty() {
        return entries;
    }
    let mut present: HashSet<String> = entries.iter().map(|entry| entry.key.clone()).collect();
    for merged in merges {
        let maps: Vec<Node> = match merged.value {
            Value::Seq(items) => items,
            other => vec![Node {
                value: other,
                mark: merged.mark,
            }],
        };
        for map in maps {
            if let Value::Map(extra) = map.value {
                for entry in extra {
                    if present.insert(entry.key.clone()) {
                        entries.push(entry);
                    }
                }
            }
        }
    }
    entries
}
