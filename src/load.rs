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
}

impl Default for Limits {
    /// 64 MiB per file, 100 levels, 1,000,000 nodes a document: far above any real manifest.
    fn default() -> Limits {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_depth: 100,
            max_nodes: 1_000_000,
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
    let mut sources = Vec::new();
    let mut diagnostics = Diagnostics::new();
    let stdin_only = [PathBuf::from("-")];
    let paths = if paths.is_empty() {
        &stdin_only[..]
    } else {
        paths
    };
    let mut stdin_read = false;
    let mut seen = HashSet::new();
    for path in paths {
        if path.as_os_str() == "-" {
            if stdin_read {
                continue;
            }
            stdin_read = true;
            match read_limited(stdin, STDIN_NAME, limits) {
                Ok(bytes) => push_decoded(STDIN_NAME, bytes, &mut sources, &mut diagnostics),
                Err(d) => diagnostics.push(d),
            }
            continue;
        }
        let mut files = Vec::new();
        if let Err(d) = collect_files(path, true, &mut files) {
            diagnostics.push(d);
            continue;
        }
        for file in files {
            // A file named twice (`dir/ dir/a.yaml`) is one input, not two colliding copies.
            if !seen.insert(std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone())) {
                continue;
            }
            let name = file.to_string_lossy().into_owned();
            match read_file(&file, &name, limits) {
                Ok(bytes) => push_decoded(&name, bytes, &mut sources, &mut diagnostics),
                Err(d) => diagnostics.push(d),
            }
        }
    }
    (sources, diagnostics)
}

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
    let file = std::fs::File::open(path)
        .map_err(|e| whole_file_error(name, format!("cannot read: {e}")))?;
    read_limited(&mut std::io::BufReader::new(file), name, limits)
}

fn read_limited(reader: &mut dyn Read, name: &str, limits: &Limits) -> Result<Vec<u8>, Diagnostic> {
    let mut bytes = Vec::new();
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

fn push_decoded(
    name: &str,
    bytes: Vec<u8>,
    sources: &mut Vec<Source>,
    diagnostics: &mut Diagnostics,
) {
    match decode(name, bytes) {
        Ok(source) => sources.push(source),
        Err(d) => diagnostics.push(d),
    }
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
    let mut options = Options::default();
    options.emit_comments = false;
    let parser = Parser::new_from_str_with_options(&source.text, options);
    let mut builder = Builder {
        source,
        limits,
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
            let mark = marker_to_mark(e.marker());
            builder.error_at(mark, syntax_message(&e.info()))
        })?;
        builder.event(event, span)?;
    }
    Ok(builder.documents)
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

/// Reads and parses everything: the usual entry point of the stage.
pub fn load(
    paths: &[PathBuf],
    stdin: &mut dyn Read,
    limits: &Limits,
) -> (Vec<Document>, Diagnostics) {
    let (sources, mut diagnostics) = read_sources(paths, stdin, limits);
    let mut documents = Vec::new();
    for source in &sources {
        match parse_documents(source, limits) {
            Ok(docs) => documents.extend(docs),
            Err(d) => diagnostics.push(d),
        }
    }
    (documents, diagnostics)
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
        /// Each key's line, to report duplicates without a quadratic search.
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
        let mark = marker_to_mark(&span.start);
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
                        keys,
                        merges,
                        mark,
                        anchor,
                        size,
                        ..
                    } => (
                        Node {
                            value: Value::Map(merge(entries, keys, merges)),
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
                if let Some(first_line) = keys.get(&key) {
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
                keys.insert(key.clone(), key_mark.line);
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
fn merge(mut entries: Vec<Entry>, keys: HashMap<String, u32>, merges: Vec<Node>) -> Vec<Entry> {
    if merges.is_empty() {
        return entries;
    }
    let mut present: HashSet<String> = keys.into_keys().collect();
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
