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
fn push_json_item<T: Serialize>(
    out: &mut Vec<u8>,
    object: &T,
    first: bool,
) -> Result<(), EmitError> {
    let value = serde_json::to_value(object)?;
    let mut formatter = items_formatter()?;
    formatter.begin_array_value(out, first)?;
    value.serialize(&mut Serializer::with_formatter(&mut *out, formatter))?;
    Ok(())
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
