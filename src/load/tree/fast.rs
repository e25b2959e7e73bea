//! The fast path: plain block YAML, read line by line into the same [`Builder`].
//!
//! Nearly every manifest in a GitOps repository is the same small part of YAML: block
//! mappings and lists, one-line plain or quoted scalars, `|` blocks, `{}` and `[]`, comments.
//! The full parser (granit-parser, under serde-saphyr) reads that part at some 600
//! instructions a token, about half of a whole render (BENCHMARKS.md, issue 12); this path
//! reads it line by line in a fraction of that, and feeds the builder the very calls the
//! parser's events make (`document_start`, `scalar_event`, `collection_start`, ...), with the
//! same text, style and mark for every node, so every rule of the builder (budget, depth,
//! duplicate keys, YAML 1.1 resolution of plain scalars) applies unchanged.
//!
//! It **gives up** ([`GiveUp`]) on anything outside that part, and the caller then reads the
//! whole piece again with the full parser, from a fresh builder: so what it accepts must
//! read exactly as the parser reads it, and what it does not know it never guesses. It gives
//! up on
//! - any byte that is not printable ASCII or a line feed (tabs, CR, BOM, UTF-8: the parser
//!   counts columns in characters and has rules for each);
//! - anchors, aliases, tags, directives, `...`, `? ` keys, flow collections other than `{}`
//!   and `[]`, `>` blocks, `|` blocks with an indentation indicator or `+`, blocks that start
//!   with an empty line or end the text without a line feed;
//! - keys other than plain words of `A-Za-z0-9_./-` (quoted keys, `<<` merge keys, keys with
//!   spaces) and plain scalars that go on to the next line;
//! - anything the builder refuses (an error is always reported by the full parser, with its
//!   exact message and position), and nesting deeper than [`MAX_DEPTH`].
//!
//! Debug builds (every test, and the fuzz target) read each accepted piece with the parser
//! too and compare the documents, marks included (`parse_piece`).

use std::borrow::Cow;

use serde_saphyr::granit_parser::ScalarStyle;

use super::Builder;
use crate::diagnostic::Diagnostic;
use crate::node::Mark;

/// The text is outside what this path reads (or the builder refused it): read it with the
/// full parser.
#[derive(Debug)]
pub(super) struct GiveUp;

/// A builder error: the parser, reading the text again, reports it with its own message.
impl From<Diagnostic> for GiveUp {
    fn from(_: Diagnostic) -> GiveUp {
        GiveUp
    }
}

type Step = Result<(), GiveUp>;

/// Collections nested deeper than this are left to the full parser (whose own limit,
/// `block_nesting_limit`, is 255), so this path never accepts what the parser refuses.
const MAX_DEPTH: usize = 64;

/// The longest plain key this path reads (YAML limits an implicit key to 1024 characters).
const MAX_KEY: usize = 1024;

/// Feeds `builder` the documents of `text`, or gives up.
pub(super) fn parse(builder: &mut Builder<'_>, text: &str) -> Step {
    let ascii = text.is_ascii();
    let printable = |c: char| {
        c == '\n'
            || (' '..='~').contains(&c)
            || ('\u{a0}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fefe}').contains(&c)
            || ('\u{ff00}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}'
    };
    let fits = if ascii {
        // Chunk by chunk without an early exit inside one, which the compiler vectorizes.
        text.as_bytes().chunks(64).all(|chunk| {
            chunk.iter().fold(true, |fits, &b| {
                fits & ((b' '..=b'~').contains(&b) | (b == b'\n'))
            })
        })
    } else {
        text.chars().all(printable)
    };
    if !fits {
        return Err(GiveUp);
    }
    let mut reader = Reader {
        text,
        ascii,
        bytes: text.as_bytes(),
        next: 0,
        number: 0,
        cur: None,
        builder,
    };
    reader.advance()?;
    reader.stream()
}

/// A line with content (not blank, not a comment).
#[derive(Debug, Clone, Copy)]
struct Line {
    /// Byte offset of the line's first byte.
    start: usize,
    /// Byte offset of its end (its line feed, or the end of the text).
    end: usize,
    /// Column (0-based) where its content starts: its leading spaces, and for the content
    /// after a list entry's `- `, the dash and spaces before it too.
    indent: usize,
    /// 1-based line number in the text.
    number: usize,
    /// The line is `---`, a document start.
    document_start: bool,
}

struct Reader<'t, 'b, 'a> {
    text: &'t str,
    /// The text is ASCII. Otherwise only comment lines may hold other characters (they
    /// count as one column each for the parser, but take several bytes).
    ascii: bool,
    bytes: &'t [u8],
    /// Byte offset of the next line not read yet.
    next: usize,
    /// Number of the last line read.
    number: usize,
    /// The current content line; `None` at the end of the text.
    cur: Option<Line>,
    builder: &'b mut Builder<'a>,
}

/// `content` starts a list entry: `-` followed by a space or the end of the line.
fn is_entry(content: &[u8]) -> bool {
    content.first() == Some(&b'-') && content.get(1).is_none_or(|&b| b == b' ')
}

/// The bytes of a plain key this path reads: ASCII letters and digits, `-`, `_`, `.`, `/`.
static KEY_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/');
        b += 1;
    }
    table
};

/// If `content` starts with a plain key this path reads (`word:` followed by a space or the
/// end of the line), the key's length.
fn key_len(content: &[u8]) -> Option<usize> {
    let first = *content.first()?;
    if !(first.is_ascii_alphanumeric() || matches!(first, b'_' | b'.' | b'/')) {
        return None;
    }
    let len = content
        .iter()
        .take(MAX_KEY + 1)
        .position(|&b| !KEY_BYTES[usize::from(b)])?;
    let colon = content[len] == b':' && content.get(len + 1).is_none_or(|&b| b == b' ');
    colon.then_some(len)
}

/// What may follow a scalar on its line: spaces, then nothing or a comment.
fn is_trailer(rest: &[u8]) -> bool {
    let spaces = rest.iter().take_while(|&&b| b == b' ').count();
    spaces == rest.len() || (spaces > 0 && rest[spaces] == b'#')
}

/// A one-line double-quoted scalar at the start of `rest` (which starts with `"`): its value
/// and the length it takes, or `None` for escapes this path leaves to the parser and strings
/// that do not close on the line.
fn double_quoted(rest: &[u8]) -> Option<(Cow<'_, str>, usize)> {
    let body = rest.get(1..)?;
    let close = body.iter().position(|&b| b == b'"' || b == b'\\')?;
    if body[close] == b'"' {
        let text = std::str::from_utf8(&body[..close]).ok()?;
        return Some((Cow::Borrowed(text), close + 2));
    }
    let mut value = String::from(std::str::from_utf8(&body[..close]).ok()?);
    let mut i = close;
    loop {
        match *body.get(i)? {
            b'"' => return Some((Cow::Owned(value), i + 2)),
            b'\\' => {
                let escape = *body.get(i + 1)?;
                i += 2;
                let c = match escape {
                    b'0' => '\0',
                    b'a' => '\x07',
                    b'b' => '\x08',
                    b't' => '\t',
                    b'n' => '\n',
                    b'v' => '\x0b',
                    b'f' => '\x0c',
                    b'r' => '\r',
                    b'e' => '\x1b',
                    b' ' => ' ',
                    b'"' => '"',
                    b'/' => '/',
                    b'\\' => '\\',
                    b'x' | b'u' => {
                        let digits = if escape == b'x' { 2 } else { 4 };
                        let hex = std::str::from_utf8(body.get(i..i + digits)?).ok()?;
                        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return None;
                        }
                        i += digits;
                        char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                    }
                    _ => return None,
                };
                value.push(c);
            }
            b => {
                value.push(char::from(b));
                i += 1;
            }
        }
    }
}

/// A one-line single-quoted scalar at the start of `rest` (which starts with `'`): its value
/// and the length it takes, or `None` when it does not close on the line.
fn single_quoted(rest: &[u8]) -> Option<(Cow<'_, str>, usize)> {
    let body = rest.get(1..)?;
    let mut value: Option<String> = None;
    let mut i = 0;
    loop {
        let quote = i + body.get(i..)?.iter().position(|&b| b == b'\'')?;
        let piece = std::str::from_utf8(&body[i..quote]).ok()?;
        if body.get(quote + 1) == Some(&b'\'') {
            value.get_or_insert_with(String::new).push_str(piece);
            value.get_or_insert_with(String::new).push('\'');
            i = quote + 2;
            continue;
        }
        let value = match value {
            None => Cow::Borrowed(piece),
            Some(mut value) => {
                value.push_str(piece);
                Cow::Owned(value)
            }
        };
        return Some((value, quote + 2));
    }
}

/// The end of a plain scalar at the start of `rest`, its trailing spaces and comment left
/// out; `None` when it holds `: ` or ends in `:` (a mapping where a value must be).
fn plain_end(rest: &[u8]) -> Option<usize> {
    let mut end = rest.len();
    let mut from = 0;
    while let Some(i) = memchr::memchr2(b'#', b':', &rest[from..]).map(|i| from + i) {
        match rest[i] {
            b'#' if i > 0 && rest[i - 1] == b' ' => {
                end = i;
                break;
            }
            b':' if rest.get(i + 1).is_none_or(|&b| b == b' ') => return None,
            _ => from = i + 1,
        }
    }
    while end > 0 && rest[end - 1] == b' ' {
        end -= 1;
    }
    Some(end)
}

impl Reader<'_, '_, '_> {
    /// The mark of 0-based column `col` on line `number`, in the whole source.
    fn mark(&self, number: usize, col: usize) -> Mark {
        self.builder.mark_at(number, col)
    }

    /// Nothing but a comment, if anything, from byte `at` to the end of `line`.
    fn line_ends_at(&self, at: usize, line: Line) -> bool {
        at == line.end || self.bytes[at] == b'#'
    }

    /// The first byte at or after `from` (and before `end`) that is not a space.
    fn after_spaces(&self, from: usize, end: usize) -> usize {
        from + self.bytes[from..end]
            .iter()
            .take_while(|&&b| b == b' ')
            .count()
    }

    fn content(&self, line: Line) -> &[u8] {
        &self.bytes[line.start + line.indent..line.end]
    }

    /// The current line, unless the text or document ends here.
    fn in_document(&self) -> Option<Line> {
        self.cur.filter(|line| !line.document_start)
    }

    /// Moves to the next content line, past blank and comment lines.
    fn advance(&mut self) -> Step {
        loop {
            if self.next >= self.bytes.len() {
                self.cur = None;
                return Ok(());
            }
            let start = self.next;
            let end =
                memchr::memchr(b'\n', &self.bytes[start..]).map_or(self.bytes.len(), |i| start + i);
            self.next = (end + 1).min(self.bytes.len());
            self.number += 1;
            let line = &self.bytes[start..end];
            let indent = line.iter().take_while(|&&b| b == b' ').count();
            match line.get(indent) {
                None | Some(b'#') => continue,
                Some(_) => {}
            }
            if !self.ascii && !line.is_ascii() {
                return Err(GiveUp);
            }
            let document_start = line == b"---";
            if indent == 0
                && !document_start
                && (line.starts_with(b"---") || line.starts_with(b"...") || line[0] == b'%')
            {
                return Err(GiveUp);
            }
            self.cur = Some(Line {
                start,
                end,
                indent,
                number: self.number,
                document_start,
            });
            return Ok(());
        }
    }

    /// The documents of the text: each starts at `---` or, for the first, at its content.
    fn stream(&mut self) -> Step {
        let mut open = false;
        while let Some(line) = self.cur {
            if line.document_start {
                if open {
                    self.builder.document_end();
                }
                self.builder.document_start();
                open = true;
                self.advance()?;
                continue;
            }
            if !open {
                self.builder.document_start();
                open = true;
            }
            self.node(line)?;
            if self.in_document().is_some() {
                // More content after the document's root: not a document this path reads.
                return Err(GiveUp);
            }
        }
        if open {
            self.builder.document_end();
        }
        Ok(())
    }

    /// A block collection starting on `line` (the current line), at its indent.
    fn node(&mut self, line: Line) -> Step {
        if self.builder.stack.len() >= MAX_DEPTH {
            return Err(GiveUp);
        }
        let content = self.content(line);
        if is_entry(content) {
            self.list(line, false)
        } else if key_len(content).is_some() {
            self.map(line)
        } else {
            Err(GiveUp)
        }
    }

    /// A block list whose entries start at `line.indent`. The parser marks a list at its
    /// first dash, but a list written at its key's indent (`indentless`) where its scanner
    /// stands after the first dash: at the first entry's value, or at the end of the line
    /// when the value is below.
    fn list(&mut self, line: Line, indentless: bool) -> Step {
        let n = line.indent;
        let mark = if indentless {
            let c = self.after_spaces(line.start + n + 1, line.end);
            let at = if self.line_ends_at(c, line) {
                line.end
            } else {
                c
            };
            self.mark(line.number, at - line.start)
        } else {
            self.mark(line.number, n)
        };
        self.builder.collection_start(true, 0, mark)?;
        let mut line = line;
        loop {
            // `line` is the current line, an entry at `n`.
            let c = self.after_spaces(line.start + n + 1, line.end);
            if self.line_ends_at(c, line) {
                // The entry's value is on the next lines.
                self.advance()?;
                match self.in_document() {
                    Some(next) if next.indent > n => self.node(next)?,
                    _ => return Err(GiveUp),
                }
            } else {
                let rest = &self.bytes[c..line.end];
                if is_entry(rest) {
                    return Err(GiveUp);
                }
                if key_len(rest).is_some() {
                    let compact = Line {
                        indent: c - line.start,
                        ..line
                    };
                    self.cur = Some(compact);
                    self.map(compact)?;
                } else {
                    self.inline(line, c, n)?;
                }
            }
            match self.in_document() {
                Some(next) if next.indent == n && is_entry(self.content(next)) => line = next,
                Some(next) if next.indent > n => return Err(GiveUp),
                _ => break,
            }
        }
        self.end()
    }

    /// A block mapping whose keys start at `line.indent`.
    fn map(&mut self, line: Line) -> Step {
        let n = line.indent;
        let mark = self.mark(line.number, n);
        self.builder.collection_start(false, 0, mark)?;
        let mut line = line;
        loop {
            // `line` is the current line, at `n`.
            let Some(len) = key_len(self.content(line)) else {
                return Err(GiveUp);
            };
            let key_start = line.start + n;
            let key = &self.text[key_start..key_start + len];
            let key_mark = self.mark(line.number, n);
            self.builder
                .scalar_event(key, ScalarStyle::Plain, 0, None, key_mark)?;
            let colon = key_start + len;
            let c = self.after_spaces(colon + 1, line.end);
            if self.line_ends_at(c, line) {
                // The value is on the next lines, or null.
                let null_mark = self.mark(line.number, n + len);
                self.advance()?;
                match self.in_document() {
                    Some(next) if next.indent > n => self.node(next)?,
                    Some(next) if next.indent == n && is_entry(self.content(next)) => {
                        self.list(next, true)?;
                    }
                    _ => self
                        .builder
                        .scalar_event("~", ScalarStyle::Plain, 0, None, null_mark)?,
                }
            } else {
                self.inline(line, c, n)?;
            }
            match self.in_document() {
                Some(next) if next.indent == n => line = next,
                Some(next) if next.indent > n => return Err(GiveUp),
                _ => break,
            }
        }
        self.end()
    }

    /// Closes the collection being built.
    fn end(&mut self) -> Step {
        // Where a collection ends only matters for an anchored one, which this path never
        // builds.
        let mark = Mark::default();
        Ok(self.builder.collection_end(mark)?)
    }

    /// A value that starts at byte `c` of `line`, in a collection at indent `n`: a scalar,
    /// `{}` or `[]` on the line, or a `|` block below it. Moves to the next content line,
    /// which must not be indented deeper than `n` (that would continue a plain scalar).
    fn inline(&mut self, line: Line, c: usize, n: usize) -> Step {
        let mark = self.mark(line.number, c - line.start);
        let rest = &self.bytes[c..line.end];
        let (value, style): (Cow<'_, str>, ScalarStyle) = match rest[0] {
            b'"' => {
                let (value, len) = double_quoted(rest).ok_or(GiveUp)?;
                if !is_trailer(&rest[len..]) {
                    return Err(GiveUp);
                }
                (value, ScalarStyle::DoubleQuoted)
            }
            b'\'' => {
                let (value, len) = single_quoted(rest).ok_or(GiveUp)?;
                if !is_trailer(&rest[len..]) {
                    return Err(GiveUp);
                }
                (value, ScalarStyle::SingleQuoted)
            }
            b'[' if rest.get(1) != Some(&b']') => return self.flow_list(line, c, n),
            b'{' | b'[' => {
                let empty = rest.get(1) == Some(if rest[0] == b'{' { &b'}' } else { &b']' });
                if !empty || !is_trailer(&rest[2..]) {
                    return Err(GiveUp);
                }
                self.builder.collection_start(rest[0] == b'[', 0, mark)?;
                self.end()?;
                return self.after_value(n);
            }
            b'|' => return self.literal(line, &rest[1..], n),
            b'>' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b',' | b']' | b'}' | b'#' | b'?'
            | b':' => return Err(GiveUp),
            b'-' if rest.get(1).is_none_or(|&b| b == b' ') => return Err(GiveUp),
            _ => {
                let end = plain_end(rest).ok_or(GiveUp)?;
                (Cow::Borrowed(&self.text[c..c + end]), ScalarStyle::Plain)
            }
        };
        self.builder.scalar_event(&value, style, 0, None, mark)?;
        self.after_value(n)
    }

    /// A one-line flow list of scalars (`["sh", "-c", 'x'] `, `[3000]`) at byte `c` of
    /// `line`, in a collection at indent `n`.
    fn flow_list(&mut self, line: Line, c: usize, n: usize) -> Step {
        let mark = self.mark(line.number, c - line.start);
        self.builder.collection_start(true, 0, mark)?;
        let mut i = c + 1;
        loop {
            i = self.after_spaces(i, line.end);
            let rest = &self.bytes[i..line.end];
            let item_mark = self.mark(line.number, i - line.start);
            let (value, style, len): (Cow<'_, str>, ScalarStyle, usize) = match rest.first() {
                Some(b'"') => {
                    let (value, len) = double_quoted(rest).ok_or(GiveUp)?;
                    (value, ScalarStyle::DoubleQuoted, len)
                }
                Some(b'\'') => {
                    let (value, len) = single_quoted(rest).ok_or(GiveUp)?;
                    (value, ScalarStyle::SingleQuoted, len)
                }
                Some(&b) if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b'_') => {
                    let len = rest
                        .iter()
                        .position(|&b| matches!(b, b',' | b']'))
                        .ok_or(GiveUp)?;
                    let item = &rest[..len];
                    if item
                        .iter()
                        .any(|&b| matches!(b, b'[' | b'{' | b'}' | b':' | b'#' | b'"' | b'\''))
                    {
                        return Err(GiveUp);
                    }
                    let trimmed =
                        item.len() - item.iter().rev().take_while(|&&b| b == b' ').count();
                    (
                        Cow::Borrowed(&self.text[i..i + trimmed]),
                        ScalarStyle::Plain,
                        len,
                    )
                }
                _ => return Err(GiveUp),
            };
            self.builder
                .scalar_event(&value, style, 0, None, item_mark)?;
            i += len;
            i = self.after_spaces(i, line.end);
            match self.bytes.get(i) {
                Some(b',') if i < line.end => i += 1,
                Some(b']') if i < line.end => break,
                _ => return Err(GiveUp),
            }
        }
        if !is_trailer(&self.bytes[i + 1..line.end]) {
            return Err(GiveUp);
        }
        self.end()?;
        self.after_value(n)
    }

    /// Moves past the line of a value ended there; the next content line must not be
    /// indented deeper than the collection (`n`).
    fn after_value(&mut self, n: usize) -> Step {
        self.advance()?;
        match self.in_document() {
            Some(next) if next.indent > n => Err(GiveUp),
            _ => Ok(()),
        }
    }

    /// A `|` or `|-` block whose header is on `line` (`header` is what follows the `|`), in a
    /// collection at indent `n`.
    fn literal(&mut self, line: Line, header: &[u8], n: usize) -> Step {
        let (strip, rest) = match header.first() {
            Some(b'-') => (true, &header[1..]),
            _ => (false, header),
        };
        if !rest.iter().all(|&b| b == b' ') {
            return Err(GiveUp);
        }
        let mut value = String::new();
        let mut indent = None;
        let mut first = 0;
        let mut blank = 0;
        let mut pos = self.next;
        let mut number = line.number;
        while pos < self.bytes.len() {
            let Some(len) = memchr::memchr(b'\n', &self.bytes[pos..]) else {
                // A last line without a line feed: left to the parser.
                return Err(GiveUp);
            };
            let text = &self.bytes[pos..pos + len];
            if !self.ascii && !text.is_ascii() {
                return Err(GiveUp);
            }
            let spaces = text.iter().take_while(|&&b| b == b' ').count();
            let m = *indent.get_or_insert(spaces);
            if spaces == text.len() {
                if indent.is_none() || spaces > m || value.is_empty() {
                    return Err(GiveUp);
                }
                blank += 1;
            } else if spaces < m {
                break;
            } else {
                if value.is_empty() {
                    if m <= n {
                        return Err(GiveUp);
                    }
                    first = number + 1;
                }
                for _ in 0..blank {
                    value.push('\n');
                }
                blank = 0;
                value.push_str(&self.text[pos + m..pos + len]);
                value.push('\n');
            }
            pos += len + 1;
            number += 1;
        }
        if value.is_empty() {
            return Err(GiveUp);
        }
        if strip {
            value.pop();
        }
        let mark = self.mark(first, indent.unwrap_or(0));
        self.builder
            .scalar_event(&value, ScalarStyle::Literal, 0, None, mark)?;
        self.next = pos;
        self.number = number;
        self.after_value(n)
    }
}
