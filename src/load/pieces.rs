//! Cutting big streams into pieces at document starts, to parse them in parallel (see
//! [`parse_sources`] for why the cut is exact).

use rayon::prelude::*;

use std::sync::Arc;

use super::tree::parse_piece;
use super::{Document, Limits, PieceSize, Source, parse_documents};
use crate::diagnostic::{Diagnostic, Diagnostics, Location};

/// Pieces per thread when a big source is cut: more than one, so a thread that finishes
/// early takes over.
const PIECES_PER_THREAD: usize = 4;

/// Parses every source's documents on rayon's threads. The result, documents and
/// diagnostics, is exactly what [`parse_documents`] on each source in turn gives.
///
/// Why cutting a stream is exact: a line starting with `---` followed by a blank (or the end
/// of the line) is always a document start token in YAML, whatever comes before it; inside a
/// quoted scalar or a flow collection it is a syntax error instead, and a block scalar or
/// plain scalar ends there. So a stream cut just before such lines parses into the same
/// documents, with the same anchors (they never cross documents), provided no `%` directive
/// carries from one piece into the next: a source with any line starting with `%` is never
/// cut. Lines are offset so every mark is where it is in the whole source. Any error in any
/// piece sends the whole source through the sequential parser again (a file is read again:
/// [`Wholes`]), so error messages are exactly the sequential ones.
pub fn parse_sources(sources: Vec<Source>, limits: &Limits) -> (Vec<Document>, Diagnostics) {
    let (outputs, mut wholes) = map_pieces(sources, limits, |documents| documents);
    let mut documents = Vec::new();
    let mut diagnostics = Diagnostics::new();
    for of_source in per_source(outputs) {
        let source = of_source[0].source;
        if of_source.iter().any(|piece| piece.result.is_err())
            && let Some(sequential) = wholes.parse(source, limits)
        {
            // The sequential parser's error, exactly (see above).
            match sequential {
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

/// The outputs of [`map_pieces`] source by source (each group non-empty, in order).
pub fn per_source<R>(outputs: Vec<PieceOutput<R>>) -> Vec<Vec<PieceOutput<R>>> {
    let mut groups: Vec<Vec<PieceOutput<R>>> = Vec::new();
    for output in outputs {
        match groups.last_mut() {
            Some(group) if group[0].source == output.source => group.push(output),
            _ => groups.push(vec![output]),
        }
    }
    groups
}

/// What one piece of a source gave (see [`map_pieces`]).
#[derive(Debug)]
pub struct PieceOutput<R> {
    /// Index of the source in the list given.
    pub source: usize,
    /// How many documents the piece held, empty ones included (a [`Document::index`] in the
    /// piece is relative to the piece: add the counts of the source's earlier pieces).
    pub documents: usize,
    /// What the caller made of the piece's documents, or the piece's syntax error. The error
    /// of a source's only piece is the sequential parser's ([`parse_documents`], Helm hint
    /// included); any error in a source cut into several pieces needs [`Wholes::parse`].
    pub result: Result<R, Diagnostic>,
}

/// What [`map_pieces`] keeps of each source it cut into several pieces: what the sequential
/// parse needs when one of them has a syntax error (see [`parse_sources`]).
#[derive(Debug, Default)]
pub struct Wholes(Vec<Option<Whole>>);

#[derive(Debug)]
enum Whole {
    /// Text that cannot be read again (standard input): kept whole.
    Kept(Source),
    /// A file: read again.
    File {
        path: std::path::PathBuf,
        name: Arc<str>,
    },
}

impl Wholes {
    /// The sequential parse of source `index`, if [`map_pieces`] cut it into several pieces
    /// (`None`: one piece, whose own result is the sequential one). A file is read again: if
    /// it now parses, it changed while it was read, and that is the error.
    pub fn parse(
        &mut self,
        index: usize,
        limits: &Limits,
    ) -> Option<Result<Vec<Document>, Diagnostic>> {
        let whole = self.0.get_mut(index)?.take()?;
        Some(match whole {
            Whole::Kept(source) => parse_documents(&source, limits),
            Whole::File { path, name } => super::read_source(&path, &name, limits)
                .and_then(|source| parse_documents(&source, limits))
                .and_then(|_| {
                    Err(Diagnostic::error(
                        Some(Location::start_of(&name)),
                        "",
                        "the file changed while it was read (a part of it was not valid YAML, and it now is); run again",
                    ))
                }),
        })
    }
}

/// Cuts the sources into pieces (whole small sources; big ones at document starts), parses
/// the pieces on rayon's threads, and calls `each` with every piece's documents on
/// the thread that parsed them, so the caller can turn them into something smaller while
/// they are in cache and drop them. Outputs come back in input order: by source, then by
/// position in the source. [`parse_sources`] explains why cutting is exact.
///
/// Memory: the sources are taken, and each piece's text is dropped as soon as it is parsed.
/// A source cut into pieces is copied into them first (its text whole is let go then), so
/// a big input is not held whole while the model made of it grows; for the exact error of
/// a syntax error in a piece, a file is read again and standard input is kept whole
/// ([`Wholes`]).
pub fn map_pieces<R: Send>(
    sources: Vec<Source>,
    limits: &Limits,
    each: impl Fn(Vec<Document>) -> R + Sync,
) -> (Vec<PieceOutput<R>>, Wholes) {
    let threads = rayon::current_num_threads();
    let mut pieces = Vec::new();
    let mut wholes = Vec::with_capacity(sources.len());
    for (index, source) in sources.into_iter().enumerate() {
        let cuts = cut(&source.text, threads, limits.pieces);
        if let [_] = cuts[..] {
            pieces.push(Piece {
                source: index,
                name: Arc::clone(&source.name),
                text: source.text,
                line_offset: 0,
                whole: true,
            });
            wholes.push(None);
            continue;
        }
        let texts: Vec<String> = cuts
            .par_iter()
            .map(|(range, _)| {
                source
                    .text
                    .get(range.clone())
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        for ((_, line_offset), text) in cuts.iter().zip(texts) {
            pieces.push(Piece {
                source: index,
                name: Arc::clone(&source.name),
                text,
                line_offset: *line_offset,
                whole: false,
            });
        }
        wholes.push(Some(match &source.path {
            Some(path) => Whole::File {
                path: path.clone(),
                name: Arc::clone(&source.name),
            },
            None => Whole::Kept(source),
        }));
    }
    let each = &each;
    let outputs = pieces
        .into_par_iter()
        .map(move |piece| {
            let parsed = parse_piece(&piece.name, &piece.text, piece.line_offset, limits);
            match parsed {
                Ok((documents, count)) => {
                    drop(piece.text);
                    PieceOutput {
                        source: piece.source,
                        documents: count,
                        result: Ok(each(documents)),
                    }
                }
                Err(d) => PieceOutput {
                    source: piece.source,
                    documents: 0,
                    result: Err(if piece.whole {
                        super::with_helm_hint(d, &piece.text)
                    } else {
                        d
                    }),
                },
            }
        })
        .collect();
    (outputs, Wholes(wholes))
}

/// Part of a source to parse on its own: whole documents, starting at a line start.
#[derive(Debug)]
struct Piece {
    /// Index of the source.
    source: usize,
    /// The source's name.
    name: Arc<str>,
    /// The piece's text.
    text: String,
    /// Lines of the source before the piece.
    line_offset: u32,
    /// Whether the piece is the whole source.
    whole: bool,
}

/// Cuts one source's text into pieces: byte ranges, with the lines before each (see
/// [`parse_sources`] for why this is exact). One range is the whole text.
fn cut(text: &str, threads: usize, size: PieceSize) -> Vec<(std::ops::Range<usize>, u32)> {
    let whole = || vec![(0..text.len(), 0)];
    let has_directive = text.starts_with('%') || text.contains("\n%");
    if has_directive {
        return whole();
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
        return whole();
    }
    let mut pieces = Vec::with_capacity(starts.len());
    let mut lines = 0u32;
    let mut previous = 0;
    for (i, &start) in starts.iter().enumerate() {
        lines = lines.saturating_add(line_breaks(&text.as_bytes()[previous..start]));
        previous = start;
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        pieces.push((start..end, lines));
    }
    pieces
}

/// Line breaks as the YAML parser counts them: `\n`, `\r\n` and a lone `\r`.
///
/// Counted with `memchr` (this runs on one thread over the whole input, before the pieces go
/// to the others): every `\n`, plus every `\r` not followed by one.
fn line_breaks(bytes: &[u8]) -> u32 {
    let newlines = memchr::memchr_iter(b'\n', bytes).count();
    let lone_crs = memchr::memchr_iter(b'\r', bytes)
        .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
        .count();
    u32::try_from(newlines.saturating_add(lone_crs)).unwrap_or(u32::MAX)
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
