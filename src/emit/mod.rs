//! Stage 5, emit: rendered objects out as a YAML stream, a JSON `List`, or files.
//!
//! YAML is written by serde-saphyr, which quotes every string a YAML 1.1 reader (kubectl,
//! Argo CD, Flux: Go's `sigs.k8s.io/yaml`) would read as something else (`"on"`, `"1_000"`,
//! `"12:30"`...). Multi-line strings are written double-quoted with `\n` escapes, never as
//! block scalars, so no line of a value can look like a `---` document separator to kubectl's
//! line-based splitter.

pub mod dir;
pub mod owners;
pub mod stream;

use serde::Serialize;

use crate::render::Rendered;

pub use stream::{Batch, Sink, Stream, StreamWriter, WriteError, WriteSink, push_server_yaml};

/// Output formats for the stream (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// A multi-document YAML stream, each document starting with `---`.
    #[default]
    Yaml,
    /// One `v1` `List` holding every object, as JSON.
    Json,
}

/// An emitting failure. Serialising our own typed objects cannot fail on valid data; this
/// exists so that a bug surfaces as an error, never as half an output.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The YAML serializer failed.
    #[error("cannot write the output: {0}")]
    Yaml(#[from] serde_saphyr::SerializeError),
    /// The JSON serializer failed.
    #[error("cannot write the output: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing into memory failed.
    #[error("cannot write the output: {0}")]
    Io(#[from] std::io::Error),
    /// The JSON serializer wrote something other than UTF-8.
    #[error("cannot write the output: {0}")]
    Utf8(#[from] std::string::FromUtf8Error),
    /// A server's packed pod template did not read back.
    #[error("cannot write the output: {0}")]
    Unpack(#[from] crate::model::UnpackError),
    /// A template (the kustomization index) failed.
    #[error("cannot write the output: {0}")]
    Template(#[from] minijinja::Error),
    /// A directory render would need a file name longer than file systems allow.
    #[error(
        "cannot write the output: the file name for {} would be {bytes} bytes, over the {max} file systems allow",
        path.display()
    )]
    NameTooLong {
        /// The file, relative to the directory.
        path: std::path::PathBuf,
        /// The length of its longest component.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// Two objects of a directory render map to one file.
    #[error("cannot write the output: two objects would be written to {}", .0.display())]
    SamePath(std::path::PathBuf),
}

/// The serializer settings for every YAML document we write.
pub fn yaml_options() -> serde_saphyr::SerializerOptions {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.prefer_block_scalars = false;
    options
}

/// Appends one object as a YAML document (`---\n` and the body, ending in a newline).
pub fn push_yaml_document<T: Serialize>(out: &mut String, object: &T) -> Result<(), EmitError> {
    out.push_str("---\n");
    serde_saphyr::to_fmt_writer_with_options(out, object, yaml_options())?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(())
}

/// Calls `each` with every object in stream order: per server its ServiceAccount (when
/// rendered), StatefulSet, headless Service and Service; then the pass-through objects.
pub fn for_each_object<E>(
    rendered: &Rendered,
    mut each: impl FnMut(&dyn erased::Object) -> Result<(), E>,
) -> Result<(), E> {
    for server in &rendered.servers {
        for object in server.objects() {
            each(&object)?;
        }
    }
    for object in &rendered.pass_through {
        each(&object.value)?;
    }
    Ok(())
}

/// The whole stream as YAML.
pub fn to_yaml(rendered: &Rendered) -> Result<String, EmitError> {
    let mut out = String::with_capacity(rendered.object_count() * 1200);
    for_each_object(rendered, |object| object.push_yaml(&mut out))?;
    Ok(out)
}

/// The whole stream as one JSON `v1` `List`, pretty-printed, ending in a newline.
///
/// This builds the whole `List` as one `serde_json::Value`: the plain definition of the
/// output. `mcp-render render` writes the same bytes without ever holding it, in parallel
/// batches ([`crate::run::write_stream`], [`Batch`], [`StreamWriter`]).
pub fn to_json(rendered: &Rendered) -> Result<String, EmitError> {
    let mut items = Vec::with_capacity(rendered.object_count());
    for_each_object(rendered, |object| {
        items.push(object.to_json()?);
        Ok::<(), EmitError>(())
    })?;
    let list = serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items });
    let mut out = serde_json::to_string_pretty(&list)?;
    out.push('\n');
    Ok(out)
}

/// Writes the stream in `format`.
pub fn to_format(rendered: &Rendered, format: Format) -> Result<String, EmitError> {
    match format {
        Format::Yaml => to_yaml(rendered),
        Format::Json => to_json(rendered),
    }
}

/// Object-safe serialisation of the different object types.
pub mod erased {
    use super::EmitError;

    /// Something we can write as YAML or JSON.
    pub trait Object {
        /// Appends it as a YAML document.
        fn push_yaml(&self, out: &mut String) -> Result<(), EmitError>;
        /// Converts it to a JSON value.
        fn to_json(&self) -> Result<serde_json::Value, EmitError>;
    }

    impl<T: serde::Serialize> Object for T {
        fn push_yaml(&self, out: &mut String) -> Result<(), EmitError> {
            super::push_yaml_document(out, self)
        }

        fn to_json(&self) -> Result<serde_json::Value, EmitError> {
            Ok(serde_json::to_value(self)?)
        }
    }
}
