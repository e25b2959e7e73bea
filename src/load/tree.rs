//! The located tree builder: the YAML parser's events in, [`Document`]s of [`Node`]s out,
//! every scalar resolved as YAML 1.1 and every node with its line and column; the depth, node
//! budget, duplicate-key and merge-key rules are enforced here.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_saphyr::granit_parser::{Event, Marker, Options, Parser, ScalarStyle, Span, Tag};

use super::{Document, Limits};
use crate::diagnostic::{Diagnostic, Location};
use crate::node::{Entry, Mark, Node, Value};
use crate::yaml11::{self, Plain};

mod fast;

/// A piece's documents and how many documents (empty ones included) it held.
pub(super) type PieceResult = Result<(Vec<Document>, usize), Diagnostic>;

/// Parses one piece of source `name` (`text`, which starts `line_offset` lines into the
/// source) into documents, with marks for the whole source; also returns how many documents
/// the piece held, empty ones included.
pub(super) fn parse_piece(
    name: &Arc<str>,
    text: &str,
    line_offset: u32,
    limits: &Limits,
) -> PieceResult {
    if let Some(documents) = parse_fast(name, text, line_offset, limits) {
        debug_assert_eq!(
            Ok(&documents),
            parse_with_parser(name, text, line_offset, limits).as_ref(),
            "the fast path read {name} (line offset {line_offset}) unlike the parser:\n{text}"
        );
        return Ok(documents);
    }
    parse_with_parser(name, text, line_offset, limits)
}

/// [`parse_piece`] with the fast path ([`fast`]), or `None` where it gives up.
fn parse_fast(
    name: &Arc<str>,
    text: &str,
    line_offset: u32,
    limits: &Limits,
) -> Option<(Vec<Document>, usize)> {
    let mut builder = Builder::new(name, limits, line_offset);
    fast::parse(&mut builder, text).ok()?;
    Some((builder.documents, builder.document_index))
}

/// [`parse_piece`] with the full YAML parser, for any text.
fn parse_with_parser(
    name: &Arc<str>,
    text: &str,
    line_offset: u32,
    limits: &Limits,
) -> PieceResult {
    let mut options = Options::default();
    options.emit_comments = false;
    let parser = Parser::new_from_str_with_options(text, options);
    let mut builder = Builder::new(name, limits, line_offset);
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
    /// The source's name.
    name: &'a Arc<str>,
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

impl<'a> Builder<'a> {
    fn new(name: &'a Arc<str>, limits: &'a Limits, line_offset: u32) -> Self {
        Builder {
            name,
            limits,
            line_offset,
            documents: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            bytes: 0,
            document_index: 0,
            root: None,
        }
    }

    /// The mark of 1-based line `number` and 0-based column `col` of the text, in the whole
    /// source.
    fn mark_at(&self, number: usize, col: usize) -> Mark {
        Mark {
            line: u32::try_from(number)
                .unwrap_or(u32::MAX)
                .saturating_add(self.line_offset),
            col: u32::try_from(col + 1).unwrap_or(u32::MAX),
        }
    }

    /// A parser position as a mark in the whole source.
    fn mark(&self, marker: &Marker) -> Mark {
        self.mark_at(marker.line(), marker.col())
    }

    fn error_at(
        &self,
        mark: Mark,
        message: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Diagnostic {
        Diagnostic::error(
            Some(Location {
                source: Arc::clone(self.name),
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

    /// Handles one parser event: documents start and end, scalars, collections open and
    /// close, and aliases; other events (stream start and end) need nothing.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Diagnostic> {
        let mark = self.mark(&span.start);
        match event {
            Event::DocumentStart(..) => self.document_start(),
            Event::DocumentEnd => self.document_end(),
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar_event(&text, style, anchor, tag.as_deref(), mark)?;
            }
            Event::SequenceStart(_, anchor, _) => self.collection_start(true, anchor, mark)?,
            Event::MappingStart(_, anchor, _) => self.collection_start(false, anchor, mark)?,
            Event::SequenceEnd | Event::MappingEnd => self.collection_end(mark)?,
            Event::Alias(id) => self.alias(id, mark)?,
            _ => {}
        }
        Ok(())
    }

    /// A document starts: its anchors and budget start afresh.
    fn document_start(&mut self) {
        self.anchors.clear();
        self.nodes = 0;
        self.bytes = 0;
        self.root = None;
    }

    /// A document ends: it is kept unless it is empty (or `null`), and counted either way.
    fn document_end(&mut self) {
        if let Some(root) = self.root.take().filter(|root| !root.is_null()) {
            self.documents.push(Document {
                source: Arc::clone(self.name),
                index: self.document_index,
                root,
            });
        }
        self.document_index += 1;
    }

    /// A scalar: charged to the budget (twice when anchored, for the anchor's copy), resolved
    /// as YAML 1.1, then recorded as a mapping key (a plain untagged `<<` is a merge key) or as
    /// a value.
    fn scalar_event(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        mark: Mark,
    ) -> Result<(), Diagnostic> {
        let size = Size {
            nodes: 1,
            bytes: text.len(),
            height: 0,
        };
        self.count(size, mark)?;
        let is_key = self.expecting_key();
        let value = self.scalar(text, style, tag, mark)?;
        let merge_key = is_key && style == ScalarStyle::Plain && text == "<<" && tag.is_none();
        let node = Node { value, mark };
        if anchor != 0 {
            self.count(size, mark)?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        if is_key {
            self.push_key(node, merge_key)
        } else {
            self.push_node(node, size)
        }
    }

    /// A sequence (`seq`) or mapping starts: charged to the budget, refused as a mapping key
    /// or beyond the depth limit, then opened as a frame.
    fn collection_start(&mut self, seq: bool, anchor: usize, mark: Mark) -> Result<(), Diagnostic> {
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
        self.stack.push(if seq {
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
        Ok(())
    }

    /// A sequence or mapping ends: its frame becomes a node (a mapping with its merge keys
    /// applied), kept for its anchor if it has one, and recorded in its parent. `mark` is where
    /// the collection ends, which is where a budget error points.
    fn collection_end(&mut self, mark: Mark) -> Result<(), Diagnostic> {
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
        self.push_node(node, size)
    }

    /// An alias: a copy of its anchored node, placed at the alias, charged at its expanded
    /// size and refused if it nests the document beyond the depth limit; as a key it must be a
    /// string.
    fn alias(&mut self, id: usize, mark: Mark) -> Result<(), Diagnostic> {
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
            self.push_key(node, false)
        } else {
            self.push_node(node, size)
        }
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
        let name = match key.value {
            Value::Str(s) => s,
            Value::Bool(b) => b.to_string(),
            Value::Number(n) if n.is_i64() => n.to_string(),
            ref value @ (Value::Null | Value::Number(_)) => {
                let what = match value {
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
                            source: Arc::clone(self.name),
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fast path's reading of `text` (`None` when it gives up) and the parser's.
    fn both(text: &str) -> (Option<PieceResult>, PieceResult) {
        let name: Arc<str> = Arc::from("t.yaml");
        let limits = Limits::default();
        let fast = parse_fast(&name, text, 3, &limits).map(Ok);
        (fast, parse_with_parser(&name, text, 3, &limits))
    }

    /// What people write, as kubectl and editors write it: the fast path reads every one,
    /// node for node and mark for mark as the parser does.
    const READ_FAST: &[&str] = &[
        "a: 1\nb:\n  c: x\n  d: [] # none\n  e: {}\n",
        "spec:\n  args:\n  - --port=8080\n  - -v\n  env:\n  - name: A\n    value: \"on\"\n  -   name: B\n      value: 'it''s'\n",
        "items:\n  - a\n  - b: 1\n    c: 2\n  -\n    d: 3\n",
        "# head\n\n---\n# c\nkind: A   # trailing\n  # indented comment\nx: y\n---\n---\nkind: B\n",
        "a: |\n  one\n    two\n\n  # three\n\nb: |-\n    x\n    y\nc: 1\n",
        "- |\n  text\n- x\n",
        "v: on\nw: yes\nx: 0777\ny: 1e3\nz: ~\nn: null\nt: 12:30\nf: .5\nh: 0x1F\n",
        "prometheus.io/port: \"9090\"\n1: one\ntrue: t\napp.kubernetes.io/name: x\n",
        "image: ghcr.io/x:1.0\nurl: http://a/b?c=d#e\nlist: a,b[0]{x}\nq: a'b\"c\nhash: a#b\n",
        "e1: \"tab\\there\\n\\\"q\\\" \\\\ \\/ \\x41 \\u00e9 \\0\"\ne2: ''\ne3: \"\"\ne4: 'a''''b'\n",
        "a:\nb:   # nothing\nc:\n- x\nd:\n",
        "  indented: root\n  second: 2\n",
        "- a\n- b\n",
        "a:\n-\n  b: x\n-   # c\n  - y\nc:\n- # c\n  d: 1\ne:\n-  \n  f: 2\n",
        "a:\n    deep:\n          deeper: 1\n    back: 2\n",
        "a: x  \nb: 'y'  \n",
        "",
        "# only a comment\n",
        "a: [\"sh\", \"-c\", 'x y']\nb: [3000]  # c\nc: [ a , b ]\nd: [\"\"]\n",
        "# \u{a7} \u{2014} caf\u{e9} \u{1f600}\na: 1\n",
    ];

    #[test]
    fn the_fast_path_reads_common_manifests_as_the_parser_does() {
        for text in READ_FAST {
            let (fast, parser) = both(text);
            let fast = fast.unwrap_or_else(|| panic!("the fast path gave up on:\n{text}"));
            assert_eq!(fast, parser, "{text}");
        }
    }

    /// Every YAML file of the repository (examples, fixtures, the hardening cases) reads the
    /// same both ways, and the fast path reads nearly all of them.
    #[test]
    fn the_fast_path_reads_the_repository_files_as_the_parser_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut read, mut all) = (0, 0);
        for dir in ["examples", "fixtures", "tests/data"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let entry = entry.expect("the repository is readable");
                if entry.path().extension().is_none_or(|e| e != "yaml") {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                all += 1;
                let (fast, parser) = both(&text);
                if let Some(fast) = fast {
                    read += 1;
                    assert_eq!(fast, parser, "{}", entry.path().display());
                }
            }
        }
        assert!(all >= 40 && read * 5 >= all * 4, "read {read} of {all}");
    }

    /// Everything else: other YAML, and every kind of mistake, is read by the parser.
    const LEFT_TO_THE_PARSER: &[&str] = &[
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: [1, 2\n",
        "a: [a: b]\n",
        "a: [,]\n",
        "a: [a, ]\n",
        "a: [[1]]\n",
        "a: [x] y\n",
        "a: [x, -y]\n",
        "a: 1 # caf\u{e9}\n",
        "a: |\n  caf\u{e9}\n",
        "# \u{85}\na: 1\n",
        "a: {b: 1}\n",
        "a: >\n  folded\n",
        "a: |+\n  keep\n",
        "a: |2\n   x\n",
        "a: | # comment\n  x\n",
        "a: |\n\n  leading blank\n",
        "a: |\n  no final line feed",
        "a: plain\n  continued\n",
        "a: \"quoted\n  continued\"\n",
        "\"quoted key\": 1\n",
        "<<: {a: 1}\n",
        "a:\tb\n",
        "a: b\r\n",
        "a: caf\u{e9}\n",
        "? a\n: b\n",
        "%YAML 1.2\n---\na: 1\n",
        "--- a\n",
        "a: 1\n...\n",
        "a: 1\na: 2\n",
        "a: 1\n b: 2\n",
        "a:\n  b: 1\n c: 2\n",
        "a: b: c\n",
        "a: - b\n",
        "- a\nb: 1\n",
        "a: 1\n- b\n",
        "just a scalar\n",
        "a: \"x\" y\n",
        "a: \"\\N\"\n",
        "key with space: 1\n",
        "a: @x\n",
        "null: 1\n",
        "- - a\n",
        "- \n- a\n",
    ];

    #[test]
    fn the_fast_path_leaves_the_rest_to_the_parser() {
        for text in LEFT_TO_THE_PARSER {
            let (fast, _) = both(text);
            assert!(fast.is_none(), "the fast path read:\n{text}");
        }
    }

    #[derive(Debug, Clone)]
    enum Tree {
        Scalar(&'static str),
        Map(Vec<(&'static str, Tree)>),
        Seq(Vec<Tree>),
    }

    impl Tree {
        /// Writes the tree as block YAML at `indent`, nesting by `step` spaces, lists under a
        /// key at the key's indent when `indentless`.
        fn write(&self, out: &mut String, indent: usize, step: usize, indentless: bool) {
            let pad = " ".repeat(indent);
            let block = |s: &str| s.replace("\n ", &format!("\n{pad}{}", " ".repeat(step)));
            match self {
                Tree::Scalar(s) => out.push_str(&format!("{pad}{}\n", block(s))),
                Tree::Map(entries) => {
                    for (key, value) in entries {
                        match value {
                            Tree::Scalar(s) => out.push_str(&format!("{pad}{key}: {}\n", block(s))),
                            Tree::Seq(_) if indentless => {
                                out.push_str(&format!("{pad}{key}:\n"));
                                value.write(out, indent, step, indentless);
                            }
                            _ => {
                                out.push_str(&format!("{pad}{key}:\n"));
                                value.write(out, indent + step, step, indentless);
                            }
                        }
                    }
                }
                Tree::Seq(items) => {
                    for item in items {
                        match item {
                            Tree::Scalar(s) => out.push_str(&format!("{pad}- {}\n", block(s))),
                            _ => {
                                out.push_str(&format!("{pad}-\n"));
                                item.write(out, indent + step, step, indentless);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Block YAML documents: scalars of every style, mappings and lists, nested.
    fn document() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec!["a", "b", "name", "app.k8s.io/x", "1", "on", "x-y"]);
        let scalar = prop::sample::select(vec![
            "x",
            "1",
            "on",
            "~",
            "null",
            "12:30",
            "0o7",
            "-1",
            "a b",
            "a:b",
            "\"q\"",
            "\"e\\n\"",
            "'s'",
            "'a''b'",
            "[]",
            "{}",
            "http://x#y",
            "x # c",
            "|\n l",
            "|-\n l\n\n m",
            "|\n l\n  # m",
            "[\"a\", b]",
            "[1]",
            "[ 'x' ]",
        ]);
        let leaf = scalar.prop_map(Tree::Scalar);
        let tree = leaf.prop_recursive(4, 24, 4, move |inner| {
            prop_oneof![
                prop::collection::vec((key.clone(), inner.clone()), 1..4).prop_map(|entries| {
                    let mut seen = HashSet::new();
                    Tree::Map(
                        entries
                            .into_iter()
                            .filter(|(k, _)| seen.insert(*k))
                            .collect(),
                    )
                }),
                prop::collection::vec(inner, 1..4).prop_map(Tree::Seq),
            ]
        });
        (tree, 1usize..4, any::<bool>(), any::<bool>()).prop_map(
            |(tree, step, indentless, dash)| {
                let tree = match tree {
                    Tree::Scalar(s) => Tree::Map(vec![("k", Tree::Scalar(s))]),
                    other => other,
                };
                let mut text = String::from(if dash { "---\n" } else { "" });
                tree.write(&mut text, 0, step, indentless);
                text
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Whatever the fast path reads, it reads as the parser does: on generated block
        /// YAML, which it reads, and on the same with one byte more or less (mistakes, and
        /// YAML it may leave to the parser).
        #[test]
        fn the_fast_path_agrees_with_the_parser(
            text in document(),
            at in any::<prop::sample::Index>(),
            byte in prop::sample::select(b" -:#'\"|>{}[],&*!?%\n\ta0~.".to_vec()),
            change in 0u8..4,
        ) {
            let mut text = text.into_bytes();
            let at = at.index(text.len() + 1);
            match change {
                0 => {}
                1 => text.insert(at, byte),
                2 => text.splice(at..at, "# \u{e9}".bytes()).for_each(drop),
                _ => {
                    if at < text.len() {
                        text.remove(at);
                    }
                }
            }
            let text = String::from_utf8(text).expect("UTF-8");
            let (fast, parser) = both(&text);
            match fast {
                Some(fast) => prop_assert_eq!(fast, parser, "{}", text),
                None => prop_assert!(change != 0, "the fast path gave up on:\n{}", text),
            }
        }
    }
}
