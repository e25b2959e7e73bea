//! A finished output stream: every byte serialised, held as chunks in output order; and
//! [`Batch`], which serialises a run of objects into such chunks, in either format.

use std::io::Write;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

use super::{EmitError, Format, push_yaml_document};
use crate::render::RenderedServer;

/// The whole output, already serialised: chunks of text to be written in order. What the
/// library's [`crate::render()`] returns; the binary writes the same chunks out as they are
/// made instead ([`WriteSink`]), so it never holds them all. The text is kept in chunks (one
/// per batch of servers, as the threads produced them), so no single buffer is grown and
/// copied to the size of the whole output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stream {
    chunks: Vec<String>,
}

impl Stream {
    /// A stream of these chunks, in this order.
    pub fn from_chunks(chunks: Vec<String>) -> Stream {
        Stream { chunks }
    }

    /// Total length in bytes.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(String::len).sum()
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(String::is_empty)
    }

    /// Writes every chunk in order (no flush).
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for chunk in &self.chunks {
            out.write_all(chunk.as_bytes())?;
        }
        Ok(())
    }

    /// The whole stream as one string.
    pub fn into_string(self) -> String {
        self.chunks.concat()
    }
}

impl From<String> for Stream {
    fn from(text: String) -> Stream {
        Stream { chunks: vec![text] }
    }
}

/// Where a [`StreamWriter`] puts the text, one chunk at a time, in order.
pub trait Sink {
    /// Takes the next chunk of the output.
    fn put(&mut self, chunk: String) -> std::io::Result<()>;
}

/// Keeps every chunk: a [`Stream`] in the making.
impl Sink for Vec<String> {
    fn put(&mut self, chunk: String) -> std::io::Result<()> {
        self.push(chunk);
        Ok(())
    }
}

/// Writes each chunk to `W` as it comes (and then drops it): how `mcp-render render` puts the
/// stream on stdout without ever holding all of it.
#[derive(Debug)]
pub struct WriteSink<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> WriteSink<W> {
    /// A sink writing to `out` (no buffering of its own: chunks are large).
    pub fn new(out: W) -> WriteSink<W> {
        WriteSink { out, written: 0 }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes `W`.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Sink for WriteSink<W> {
    fn put(&mut self, chunk: String) -> std::io::Result<()> {
        self.out.write_all(chunk.as_bytes())?;
        self.written += chunk.len() as u64;
        Ok(())
    }
}

/// Why a [`StreamWriter`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Serialising failed (a bug: our typed objects always serialise). What was put before
    /// it is an incomplete output.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// The sink refused a chunk (a closed pipe, a full disk).
    #[error("{0}")]
    Output(std::io::Error),
}

/// For an in-memory sink, which cannot refuse a chunk: every failure is an emit error.
impl From<WriteError> for EmitError {
    fn from(e: WriteError) -> EmitError {
        match e {
            WriteError::Emit(e) => e,
            WriteError::Output(e) => EmitError::Io(e),
        }
    }
}

/// Puts a stream into a [`Sink`] batch by batch, in order: for JSON the `List`'s head first,
/// a `,` between batches and its tail at the end, so that the bytes are those of the whole
/// `List` at once; for YAML the documents as they are.
pub struct StreamWriter<'a> {
    format: Format,
    sink: &'a mut dyn Sink,
    items: bool,
}

impl<'a> StreamWriter<'a> {
    /// Starts the stream (for JSON, writes the `List` up to its first item).
    pub fn start(format: Format, sink: &'a mut dyn Sink) -> Result<StreamWriter<'a>, WriteError> {
        if format == Format::Json {
            sink.put(json_list_head()?).map_err(WriteError::Output)?;
        }
        Ok(StreamWriter {
            format,
            sink,
            items: false,
        })
    }

    /// Puts the next batch's text.
    pub fn batch(&mut self, batch: Batch) -> Result<(), WriteError> {
        let Batch {
            chunks,
            buffer,
            objects,
            ..
        } = batch;
        if objects == 0 {
            return Ok(());
        }
        if self.format == Format::Json && self.items {
            // Each batch writes its first item as a first one (a newline and the indent);
            // the pretty printer puts a `,` before every later one.
            self.sink.put(",".to_string()).map_err(WriteError::Output)?;
        }
        self.items = true;
        for chunk in chunks {
            self.sink.put(chunk).map_err(WriteError::Output)?;
        }
        if buffer.len() > 0 {
            self.sink
                .put(buffer.into_text()?)
                .map_err(WriteError::Output)?;
        }
        Ok(())
    }

    /// Ends the stream (for JSON, writes the `List`'s tail).
    pub fn finish(self) -> Result<(), WriteError> {
        if self.format == Format::Json {
            self.sink
                .put(json_list_tail(self.items)?)
                .map_err(WriteError::Output)?;
        }
        Ok(())
    }
}

/// Appends one rendered server's documents in stream order ([`RenderedServer::objects`]).
pub fn push_server_yaml(out: &mut String, server: &RenderedServer) -> Result<(), EmitError> {
    for object in server.objects() {
        push_yaml_document(out, &object)?;
    }
    Ok(())
}

/// A run of consecutive objects of the stream, serialised on one thread: YAML documents, or
/// the JSON `List`'s items (without the `List` around them: [`StreamWriter`] adds it). The text goes into buffers of about `buffer_bytes`, so that no buffer is grown
/// (copied) to the size of the whole output.
#[derive(Debug)]
pub struct Batch {
    format: Format,
    buffer: Buffer,
    chunks: Vec<String>,
    buffer_bytes: usize,
    objects: usize,
}

/// The buffer being filled: text for YAML; bytes for JSON, as serde_json writes to an
/// `io::Write`.
#[derive(Debug)]
enum Buffer {
    Yaml(String),
    Json(Vec<u8>),
}

impl Buffer {
    fn new(format: Format, bytes: usize) -> Buffer {
        match format {
            Format::Yaml => Buffer::Yaml(String::with_capacity(bytes)),
            Format::Json => Buffer::Json(Vec::with_capacity(bytes)),
        }
    }

    fn len(&self) -> usize {
        match self {
            Buffer::Yaml(text) => text.len(),
            Buffer::Json(bytes) => bytes.len(),
        }
    }

    fn into_text(self) -> Result<String, EmitError> {
        match self {
            Buffer::Yaml(text) => Ok(text),
            Buffer::Json(bytes) => Ok(String::from_utf8(bytes)?),
        }
    }
}

impl Batch {
    /// An empty batch in `format`, filling buffers of about `buffer_bytes`.
    pub fn new(format: Format, buffer_bytes: usize) -> Batch {
        Batch {
            format,
            buffer: Buffer::new(format, Self::capacity(buffer_bytes)),
            chunks: Vec::new(),
            buffer_bytes,
            objects: 0,
        }
    }

    /// A buffer is handed on once it holds `buffer_bytes`; room for the object that crosses
    /// the line, so that it is not grown (copied) for it.
    fn capacity(buffer_bytes: usize) -> usize {
        buffer_bytes + buffer_bytes / 4
    }

    /// Appends one object: a YAML document, or the next item of the JSON `List`.
    pub fn push<T: Serialize>(&mut self, object: &T) -> Result<(), EmitError> {
        match &mut self.buffer {
            Buffer::Yaml(text) => push_yaml_document(text, object)?,
            Buffer::Json(bytes) => push_json_item(bytes, object, self.objects == 0)?,
        }
        self.objects += 1;
        if self.buffer.len() >= self.buffer_bytes {
            let full = std::mem::replace(
                &mut self.buffer,
                Buffer::new(self.format, Self::capacity(self.buffer_bytes)),
            );
            self.chunks.push(full.into_text()?);
        }
        Ok(())
    }

    /// Appends one rendered server's objects in stream order ([`RenderedServer::objects`]).
    pub fn push_server(&mut self, server: &RenderedServer) -> Result<(), EmitError> {
        for object in server.objects() {
            self.push(&object)?;
        }
        Ok(())
    }
}

// The JSON `List` is written as `serde_json::to_string_pretty` writes the `serde_json::Value`
// of the whole `List` (what `super::to_json` builds): with serde_json's own pretty printer,
// driven by hand for the `List` around the items, and keys in the order of a `Value` map
// (`apiVersion`, `items`, `kind`; every item goes through `serde_json::to_value` for the same
// reason).

/// The pretty printer as it stands inside the `List`'s `items`: two levels in.
fn items_formatter() -> Result<PrettyFormatter<'static>, EmitError> {
    let mut formatter = PrettyFormatter::new();
    formatter.begin_object(&mut std::io::sink())?;
    formatter.begin_array(&mut std::io::sink())?;
    Ok(formatter)
}

/// Appends one item of the `List` (`first`: the first of its batch).
///
/// The item is written straight from its type when every object in it has its keys in
/// order (k8s-openapi writes nearly all fields sorted), which [`Sorted`] checks as it writes;
/// otherwise it is written again through `serde_json::to_value`, whose maps sort. Either way
/// the bytes are those of the `Value`: the same entries, in the same order.
fn push_json_item<T: Serialize>(
    out: &mut Vec<u8>,
    object: &T,
    first: bool,
) -> Result<(), EmitError> {
    let start = out.len();
    let unsorted = std::cell::Cell::new(false);
    let mut formatter = Sorted {
        inner: items_formatter()?,
        unsorted: &unsorted,
        keys: Vec::new(),
        key: None,
    };
    formatter.begin_array_value(out, first)?;
    let direct = object.serialize(&mut Serializer::with_formatter(&mut *out, formatter));
    if direct.is_ok() && !unsorted.get() {
        return Ok(());
    }
    out.truncate(start);
    let value = serde_json::to_value(object)?;
    let mut formatter = items_formatter()?;
    formatter.begin_array_value(out, first)?;
    value.serialize(&mut Serializer::with_formatter(&mut *out, formatter))?;
    Ok(())
}

/// serde_json's pretty printer, checking that the keys of every object come in strictly
/// increasing order (as a `serde_json::Value`'s map holds them); `unsorted` is set when one
/// does not, or when a key is anything but a string.
struct Sorted<'c> {
    inner: PrettyFormatter<'static>,
    unsorted: &'c std::cell::Cell<bool>,
    /// The last key of each object being written, outermost first.
    keys: Vec<Option<String>>,
    /// The key being written.
    key: Option<String>,
}

impl Sorted<'_> {
    /// A value written where a key is: not a string key.
    fn not_in_key(&self) {
        if self.key.is_some() {
            self.unsorted.set(true);
        }
    }
}

/// Methods that write a value: the pretty printer's, refused inside a key.
macro_rules! values {
    ($($name:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $name<W: ?Sized + Write>(&mut self, writer: &mut W $(, $arg: $ty)*) -> std::io::Result<()> {
            self.not_in_key();
            self.inner.$name(writer $(, $arg)*)
        }
    )*};
}

impl Formatter for Sorted<'_> {
    values!(
        write_null(),
        write_bool(value: bool),
        write_i8(value: i8),
        write_i16(value: i16),
        write_i32(value: i32),
        write_i64(value: i64),
        write_i128(value: i128),
        write_u8(value: u8),
        write_u16(value: u16),
        write_u32(value: u32),
        write_u64(value: u64),
        write_u128(value: u128),
        write_f32(value: f32),
        write_f64(value: f64),
        write_number_str(value: &str),
        write_byte_array(value: &[u8]),
        write_raw_fragment(fragment: &str),
        begin_array(),
        end_array(),
        begin_array_value(first: bool),
        end_array_value(),
        end_object_value(),
        begin_object_value(),
    );

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.not_in_key();
        self.keys.push(None);
        self.inner.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.keys.pop();
        self.inner.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.key = Some(String::new());
        self.inner.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        let key = self.key.take();
        match (self.keys.last_mut(), key) {
            (Some(last), Some(key)) => {
                if last.as_ref().is_some_and(|last| *last >= key) {
                    self.unsorted.set(true);
                }
                *last = Some(key);
            }
            _ => self.unsorted.set(true),
        }
        self.inner.end_object_key(writer)
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        if let Some(key) = &mut self.key {
            key.push_str(fragment);
        }
        self.inner.write_string_fragment(writer, fragment)
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        char_escape: serde_json::ser::CharEscape,
    ) -> std::io::Result<()> {
        use serde_json::ser::CharEscape;
        if let Some(key) = &mut self.key {
            key.push(match char_escape {
                CharEscape::Quote => '"',
                CharEscape::ReverseSolidus => '\\',
                CharEscape::Solidus => '/',
                CharEscape::Backspace => '\u{8}',
                CharEscape::FormFeed => '\u{c}',
                CharEscape::LineFeed => '\n',
                CharEscape::CarriageReturn => '\r',
                CharEscape::Tab => '\t',
                CharEscape::AsciiControl(byte) => char::from(byte),
            });
        }
        self.inner.write_char_escape(writer, char_escape)
    }
}

/// A key of the `List` and the `: ` after it.
fn json_key(
    formatter: &mut PrettyFormatter<'_>,
    out: &mut Vec<u8>,
    first: bool,
    key: &str,
) -> Result<(), EmitError> {
    formatter.begin_object_key(out, first)?;
    serde_json::to_writer(&mut *out, key)?;
    formatter.end_object_key(out)?;
    formatter.begin_object_value(out)?;
    Ok(())
}

/// The `List` up to its first item: `{`, `apiVersion: v1` and `"items": [`.
fn json_list_head() -> Result<String, EmitError> {
    let mut out = Vec::new();
    let mut formatter = PrettyFormatter::new();
    formatter.begin_object(&mut out)?;
    json_key(&mut formatter, &mut out, true, "apiVersion")?;
    serde_json::to_writer(&mut out, "v1")?;
    formatter.end_object_value(&mut out)?;
    json_key(&mut formatter, &mut out, false, "items")?;
    formatter.begin_array(&mut out)?;
    Ok(String::from_utf8(out)?)
}

/// The `List` after its last item (`items`: whether there was any): `]`, `"kind": "List"`,
/// `}` and a newline.
fn json_list_tail(items: bool) -> Result<String, EmitError> {
    let mut out = Vec::new();
    let mut formatter = items_formatter()?;
    if items {
        formatter.end_array_value(&mut out)?;
    }
    formatter.end_array(&mut out)?;
    formatter.end_object_value(&mut out)?;
    json_key(&mut formatter, &mut out, false, "kind")?;
    serde_json::to_writer(&mut out, "List")?;
    formatter.end_object_value(&mut out)?;
    formatter.end_object(&mut out)?;
    out.push(b'\n');
    Ok(String::from_utf8(out)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An item written straight from its type has the bytes of its `serde_json::Value`,
    /// whether its keys come sorted (written directly) or not (written again through the
    /// `Value`): typed Kubernetes objects, and types with keys out of order, integer map keys
    /// and escapes in keys.
    #[test]
    fn json_items_have_the_bytes_of_their_value() {
        use k8s_openapi::api::core::v1::{Container, ServiceAccount};
        use std::collections::BTreeMap;

        #[derive(Serialize)]
        struct Unsorted {
            b: u8,
            a: Vec<u8>,
        }
        #[derive(Serialize)]
        struct Keys {
            numbers: BTreeMap<u16, bool>,
            text: BTreeMap<String, ()>,
        }
        fn both<T: Serialize>(object: &T) -> (Vec<u8>, Vec<u8>) {
            let mut direct = b"x".to_vec();
            push_json_item(&mut direct, object, false).unwrap_or_else(|e| panic!("{e}"));
            let value = serde_json::to_value(object).unwrap_or_else(|e| panic!("{e}"));
            let mut through_value = b"x".to_vec();
            let mut formatter = items_formatter().unwrap_or_else(|e| panic!("{e}"));
            formatter
                .begin_array_value(&mut through_value, false)
                .unwrap_or_else(|e| panic!("{e}"));
            value
                .serialize(&mut Serializer::with_formatter(
                    &mut through_value,
                    formatter,
                ))
                .unwrap_or_else(|e| panic!("{e}"));
            (direct, through_value)
        }
        let account = ServiceAccount {
            automount_service_account_token: Some(false),
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("a".into()),
                labels: Some(BTreeMap::from([
                    ("b".into(), "1".into()),
                    ("a".into(), "2".into()),
                ])),
                ..Default::default()
            },
            ..Default::default()
        };
        let container = Container {
            name: "mcp".into(),
            args: Some(vec!["--x=\"y\"".into()]),
            stdin: Some(false),
            ..Default::default()
        };
        let keys = Keys {
            numbers: BTreeMap::from([(2, true), (10, false)]),
            text: BTreeMap::from([("a\"b".into(), ()), ("a\nb".into(), ()), ("a".into(), ())]),
        };
        for (direct, value) in [
            both(&account),
            both(&container),
            both(&Unsorted { b: 1, a: vec![] }),
            both(&keys),
        ] {
            assert_eq!(
                String::from_utf8_lossy(&direct),
                String::from_utf8_lossy(&value)
            );
        }
    }

    /// Objects with nested maps and lists, keys out of order, and strings that need escapes.
    fn objects(count: usize) -> Vec<serde_json::Value> {
        (0..count)
            .map(|i| {
                serde_json::json!({
                    "kind": "ConfigMap",
                    "apiVersion": "v1",
                    "metadata": {"name": format!("c-{i}"), "labels": {}},
                    "data": {"z": "line\n\"two\"", "a": [i, [], {}, null, true, 1.5]},
                })
            })
            .collect()
    }

    /// `objects` cut into batches of these sizes (0: an empty batch), through `Batch` and
    /// `StreamWriter` (as `run::write_stream` drives them), with buffers of `buffer_bytes`.
    fn streamed(
        format: Format,
        objects: &[serde_json::Value],
        sizes: &[usize],
        buffer_bytes: usize,
    ) -> String {
        let mut rest = objects;
        let mut batches = Vec::new();
        for &size in sizes {
            let (these, others) = rest.split_at(size);
            let mut batch = Batch::new(format, buffer_bytes);
            for object in these {
                batch.push(object).unwrap_or_else(|e| panic!("{e}"));
            }
            batches.push(batch);
            rest = others;
        }
        assert!(rest.is_empty(), "sizes cover every object");
        let mut chunks = Vec::new();
        let mut writer = StreamWriter::start(format, &mut chunks).unwrap_or_else(|e| panic!("{e}"));
        for batch in batches {
            writer.batch(batch).unwrap_or_else(|e| panic!("{e}"));
        }
        writer.finish().unwrap_or_else(|e| panic!("{e}"));
        chunks.concat()
    }

    /// What `super::to_json` and `super::to_yaml` write: the whole output at once.
    fn whole(format: Format, objects: &[serde_json::Value]) -> String {
        match format {
            Format::Json => {
                let list =
                    serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objects});
                let mut out = serde_json::to_string_pretty(&list).unwrap_or_else(|e| panic!("{e}"));
                out.push('\n');
                out
            }
            Format::Yaml => {
                let mut out = String::new();
                for object in objects {
                    push_yaml_document(&mut out, object).unwrap_or_else(|e| panic!("{e}"));
                }
                out
            }
        }
    }

    #[test]
    fn batches_give_the_bytes_of_the_whole_output() {
        let cases: &[(usize, &[usize])] = &[
            (0, &[]),
            (0, &[0, 0]),
            (1, &[1]),
            (1, &[0, 1, 0]),
            (5, &[5]),
            (5, &[2, 0, 3]),
            (5, &[1, 1, 1, 1, 1]),
            (5, &[0, 4, 1]),
        ];
        for format in [Format::Json, Format::Yaml] {
            for &(count, sizes) in cases {
                let objects = objects(count);
                let expected = whole(format, &objects);
                // 1 byte: every object in its own buffer; 1 MiB: one buffer per batch.
                for buffer_bytes in [1, 200, 1 << 20] {
                    assert_eq!(
                        streamed(format, &objects, sizes, buffer_bytes),
                        expected,
                        "{format:?}, batches {sizes:?}, buffers of {buffer_bytes} bytes"
                    );
                }
            }
        }
    }

    #[test]
    fn an_empty_list_is_what_serde_json_writes() {
        assert_eq!(
            streamed(Format::Json, &[], &[0], 1),
            "{\n  \"apiVersion\": \"v1\",\n  \"items\": [],\n  \"kind\": \"List\"\n}\n"
        );
    }
}
