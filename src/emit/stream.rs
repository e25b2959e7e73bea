//! A finished output stream: every byte serialised, held as chunks in output order.

use std::io::Write;

use super::{EmitError, push_yaml_document};
use crate::render::RenderedServer;

/// The whole output, already serialised: chunks of text to be written in order.
///
/// Holding the result (rather than writing while serialising) is what keeps the run fail
/// closed: serialising returns a `Result`, so the last fallible step must be over before the
/// first byte goes out. Once a `Stream` exists, writing it is plain I/O. The text is kept in
/// chunks (one per batch of servers, as the threads produced them), so no single buffer is
/// grown and copied to the size of the whole output.
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

/// Appends one rendered server's documents in stream order: its ServiceAccount (when
/// rendered), its StatefulSet, then its Services (the order [`super::for_each_object`] gives).
pub fn push_server_yaml(out: &mut String, server: &RenderedServer) -> Result<(), EmitError> {
    if let Some(account) = &server.service_account {
        push_yaml_document(out, account)?;
    }
    push_yaml_document(out, &server.statefulset)?;
    for service in &server.services {
        push_yaml_document(out, service)?;
    }
    Ok(())
}
