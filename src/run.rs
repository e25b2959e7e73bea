//! The whole pipeline in one call: what `mcp-render render` does, minus the terminal.

use std::io::Read;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use crate::diagnostic::Diagnostics;
use crate::emit::{self, EmitError, Format, Stream};
use crate::load::{self, Limits};
use crate::model::{McpServer, Parsed};
use crate::parse::owners::{Owners, parse_owners};
use crate::parse::{self, ParseOptions};
use crate::render::{self, Rendered};
use crate::validate::{self, OwnerRefs, Validated};

/// Everything that shapes a render.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Input files and directories; empty or `-` means stdin.
    pub inputs: Vec<PathBuf>,
    /// Owners files (`--owners`).
    pub owners: Vec<PathBuf>,
    /// Namespace for MCPServers without one.
    pub namespace: Option<String>,
    /// Owner-reference policy.
    pub owner_refs: OwnerRefs,
    /// Resource limits for reading.
    pub limits: Limits,
    /// The MCPServer CRD to check against (`--crd`); `None` is the built-in one.
    pub crd: Option<&'static crate::parse::crd::Crd>,
    /// `--strict`: security settings without effect here are errors, not warnings.
    pub strict: bool,
    /// The platform the output is for (`--platform`).
    pub platform: crate::model::Platform,
}

/// A successful render and the warnings met on the way.
#[derive(Debug, Clone)]
pub struct Output {
    /// The objects.
    pub rendered: Rendered,
    /// Warnings (never errors).
    pub warnings: Diagnostics,
}

/// Input that passed every check, with what rendering it needs: the result of [`validate`].
#[derive(Debug, Clone)]
pub struct Valid {
    /// The checked, sorted servers and pass-through objects.
    pub valid: Validated,
    /// The owners files' UIDs.
    pub owners: Owners,
    /// The owner-reference policy.
    pub owner_refs: OwnerRefs,
    /// Warnings (never errors).
    pub warnings: Diagnostics,
}

/// Loads, parses, validates and renders. On any error returns every diagnostic (errors and
/// warnings) and no output at all.
pub fn render(options: &Options, stdin: &mut dyn Read) -> Result<Output, Diagnostics> {
    let valid = validate(options, stdin)?;
    Ok(Output {
        rendered: render::render(&valid.valid, &valid.owners, valid.owner_refs),
        warnings: valid.warnings,
    })
}

/// Loads, parses and validates: every check the input gets. On any error returns every
/// diagnostic (errors and warnings).
///
/// Memory stays near the size of the model: each piece of input (a file, or a part of a big
/// stream) is parsed into documents, turned into servers and checked on its own
/// ([`validate::check_each`]) on one of up to [`crate::par::threads`] threads, and its
/// documents (the located YAML trees, several times the size of the text) are dropped right
/// after. Only the rules that span objects run on the whole. When those find a collision, or
/// a piece has a syntax error, the input is loaded again the plain way, all documents at
/// once, so every message is exactly what the stage-by-stage pipeline gives.
pub fn validate(options: &Options, stdin: &mut dyn Read) -> Result<Valid, Diagnostics> {
    validate_on(options, stdin, crate::par::threads())
}

/// [`validate`] on up to `threads` threads.
pub fn validate_on(
    options: &Options,
    stdin: &mut dyn Read,
    threads: usize,
) -> Result<Valid, Diagnostics> {
    let (sources, owners, mut diagnostics) = read_inputs(options, stdin, threads);
    let parse_options = ParseOptions {
        default_namespace: options.namespace.clone(),
        crd: options.crd,
        strict: options.strict,
        platform: options.platform,
    };
    let outputs = load::map_pieces(&sources, &options.limits, threads, |documents| {
        let (parsed, found) = parse::parse_on(&documents, &parse_options, 1);
        let checked = validate::check_each(&parsed, &documents, &owners, options.owner_refs);
        (parsed, found, checked, documents.len())
    });
    let mut parts = Vec::with_capacity(outputs.len());
    for output in outputs {
        match output.result {
            Ok(part) => parts.push(part),
            Err(_) => return validate_whole(options, sources, diagnostics, owners, threads),
        }
    }
    let mut parsed = Parsed::default();
    parsed
        .servers
        .reserve_exact(parts.iter().map(|p| p.0.servers.len()).sum());
    let mut found = Diagnostics::new();
    let mut checked = Diagnostics::new();
    let mut offset = 0;
    for (part, part_found, part_checked, count) in parts {
        // Origins point into the piece's documents; make them point into all of them.
        for mut server in part.servers {
            server.origin.document += offset;
            parsed.servers.push(server);
        }
        for mut object in part.pass_through {
            object.origin.document += offset;
            parsed.pass_through.push(object);
        }
        for (mut origin, paths) in part.problems {
            origin.document += offset;
            parsed.problems.insert(origin, paths);
        }
        found.extend(part_found);
        checked.extend(part_checked);
        offset += count;
    }
    match validate::validate_checked(parsed, checked) {
        Ok((valid, validate_diagnostics)) => {
            diagnostics.extend(found);
            diagnostics.extend(validate_diagnostics);
            accept(valid, owners, options, diagnostics)
        }
        Err(_) => validate_whole(options, sources, diagnostics, owners, threads),
    }
}

/// The validated input, unless any stage found an error.
fn accept(
    valid: Option<Validated>,
    owners: Owners,
    options: &Options,
    diagnostics: Diagnostics,
) -> Result<Valid, Diagnostics> {
    match valid {
        Some(valid) if !diagnostics.has_errors() => Ok(Valid {
            valid,
            owners,
            owner_refs: options.owner_refs,
            warnings: diagnostics,
        }),
        _ => Err(diagnostics),
    }
}

/// The stages one after the other, every document in memory at once: the reference
/// behaviour, used when a message needs documents that [`validate`] already dropped.
fn validate_whole(
    options: &Options,
    sources: Vec<load::Source>,
    mut diagnostics: Diagnostics,
    owners: Owners,
    threads: usize,
) -> Result<Valid, Diagnostics> {
    let (documents, load_diagnostics) = load::parse_sources(&sources, &options.limits, threads);
    drop(sources);
    diagnostics.extend(load_diagnostics);
    let parse_options = ParseOptions {
        default_namespace: options.namespace.clone(),
        crd: options.crd,
        strict: options.strict,
        platform: options.platform,
    };
    let (parsed, parse_diagnostics) = parse::parse_on(&documents, &parse_options, threads);
    diagnostics.extend(parse_diagnostics);
    let (valid, validate_diagnostics) =
        validate::validate(parsed, &documents, &owners, options.owner_refs);
    diagnostics.extend(validate_diagnostics);
    accept(valid, owners, options, diagnostics)
}

/// Fewer servers than this are not worth handing to another thread.
const MIN_SERVERS_PER_CHUNK: usize = 16;

/// The size of the buffers the output text is written into.
const TEXT_BUFFER_BYTES: usize = 256 * 1024;

/// Renders and serialises everything: the finished stdout stream, in `format`.
///
/// Fail closed: this is the last step that can fail, and it completes before anything is
/// written. Every input error was found by [`validate`] (which must see all input first:
/// servers are sorted by namespace and name, and collisions span files), rendering cannot
/// fail, and serialising returns a `Result`; so the whole stream is serialised into memory
/// (only its text: a few kilobytes per server) and only then handed to the writer. What can
/// still fail is writing itself (a closed pipe, a full disk): an output error, exit 1, with
/// no partial render ever presented as a complete one.
///
/// For YAML, servers are rendered and serialised in chunks on up to [`crate::par::threads`]
/// threads, and each server, with its typed objects, is dropped as soon as its text exists:
/// memory holds the model shrinking and the text growing, never every typed object at once.
/// The bytes are the same with any number of threads.
pub fn stream(valid: Valid, format: Format) -> Result<Stream, EmitError> {
    stream_on(valid, format, crate::par::threads())
}

/// [`stream`] on up to `threads` threads.
pub fn stream_on(valid: Valid, format: Format, threads: usize) -> Result<Stream, EmitError> {
    if format != Format::Yaml {
        let rendered = render::render(&valid.valid, &valid.owners, valid.owner_refs);
        return emit::to_format(&rendered, format).map(Stream::from);
    }
    let (servers, pass_through) = valid.valid.into_parts();
    let (owners, policy) = (&valid.owners, valid.owner_refs);
    let parts = in_batches(servers, threads, |servers| {
        // Text in buffers of about TEXT_BUFFER_BYTES: no buffer is grown (copied) to the size
        // of the whole output, and freed model memory is reused for them.
        let mut texts = Vec::new();
        let mut out = String::with_capacity(TEXT_BUFFER_BYTES + TEXT_BUFFER_BYTES / 4);
        for server in servers {
            let rendered = render::render_server(&server, owners, policy);
            emit::push_server_yaml(&mut out, &rendered)?;
            if out.len() >= TEXT_BUFFER_BYTES {
                let capacity = TEXT_BUFFER_BYTES + TEXT_BUFFER_BYTES / 4;
                texts.push(std::mem::replace(&mut out, String::with_capacity(capacity)));
            }
        }
        texts.push(out);
        Ok(texts)
    });
    let mut texts = Vec::new();
    for part in parts {
        texts.extend(part?);
    }
    let mut rest = String::new();
    for object in &pass_through {
        emit::push_yaml_document(&mut rest, &object.value)?;
    }
    texts.push(rest);
    Ok(Stream::from_chunks(texts))
}

/// Owners files smaller than this are read on the calling thread: a thread costs more.
const MIN_OWNERS_BYTES_FOR_A_THREAD: u64 = 64 * 1024;

/// Reads the inputs and the owners files; on two threads when the owners files are big
/// (an owners lock for 10,000 servers takes ~25 ms to parse) and do not come from stdin
/// (which the inputs must read first).
fn read_inputs(
    options: &Options,
    stdin: &mut dyn Read,
    threads: usize,
) -> (Vec<load::Source>, Owners, Diagnostics) {
    let owners_from_stdin = options.owners.iter().any(|path| path.as_os_str() == "-");
    let owners_bytes: u64 = options
        .owners
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|metadata| metadata.len())
        .sum();
    if threads < 2 || owners_bytes < MIN_OWNERS_BYTES_FOR_A_THREAD || owners_from_stdin {
        let (sources, mut diagnostics) =
            load::read_sources(&options.inputs, stdin, &options.limits);
        let owners = read_owners(options, stdin, &mut diagnostics);
        return (sources, owners, diagnostics);
    }
    std::thread::scope(|scope| {
        let owners = scope.spawn(|| {
            let mut diagnostics = Diagnostics::new();
            let owners = read_owners(options, &mut std::io::empty(), &mut diagnostics);
            (owners, diagnostics)
        });
        let (sources, mut diagnostics) =
            load::read_sources(&options.inputs, stdin, &options.limits);
        let (owners, owner_diagnostics) = owners
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        diagnostics.extend(owner_diagnostics);
        (sources, owners, diagnostics)
    })
}

/// The files of a directory render (`render -o`), exactly as [`emit::dir::plan`] computes
/// them from a whole render, but with servers rendered and serialised in parallel batches
/// and each server, with its typed objects, dropped as soon as its file exists.
pub fn plan_dir(valid: Valid) -> Result<emit::dir::Files, EmitError> {
    plan_dir_on(valid, crate::par::threads())
}

/// [`plan_dir`] on up to `threads` threads.
pub fn plan_dir_on(valid: Valid, threads: usize) -> Result<emit::dir::Files, EmitError> {
    let (servers, pass_through) = valid.valid.into_parts();
    let (owners, policy) = (&valid.owners, valid.owner_refs);
    let files = in_batches(servers, threads, |servers| {
        servers
            .into_iter()
            .map(|server| {
                emit::dir::server_file_of(&render::render_server(&server, owners, policy))
            })
            .collect::<Vec<_>>()
    });
    let pass_through: Vec<_> = pass_through.iter().map(render::pass_through).collect();
    emit::dir::plan_files(files.into_iter().flatten(), &pass_through)
}

/// Hands `servers`, in order, to `work` in batches on up to `threads` threads, and returns
/// the results in order. Each batch is taken whole by one worker, which can drop its servers
/// as it goes.
fn in_batches<R: Send>(
    servers: Vec<McpServer>,
    threads: usize,
    work: impl Fn(Vec<McpServer>) -> R + Sync,
) -> Vec<R> {
    let chunks = crate::par::chunks(servers.len(), threads, MIN_SERVERS_PER_CHUNK);
    let mut rest = servers;
    let mut batches: Vec<Mutex<Vec<McpServer>>> = chunks
        .iter()
        .rev()
        .map(|chunk| Mutex::new(rest.split_off(chunk.start)))
        .collect();
    drop(rest);
    batches.reverse();
    crate::par::map(&batches, threads, |batch| {
        work(std::mem::take(
            &mut *batch.lock().unwrap_or_else(PoisonError::into_inner),
        ))
    })
}

fn read_owners(options: &Options, stdin: &mut dyn Read, diagnostics: &mut Diagnostics) -> Owners {
    if options.owners.is_empty() {
        return Owners::default();
    }
    let (documents, load_diagnostics) = load::load(&options.owners, stdin, &options.limits);
    diagnostics.extend(load_diagnostics);
    let (owners, owner_diagnostics) = parse_owners(&documents);
    diagnostics.extend(owner_diagnostics);
    owners
}
