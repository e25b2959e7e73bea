//! The whole pipeline in one call: what `mcp-render render` does, minus the terminal.

use std::io::Read;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::emit::{self, EmitError, Format, Stream};
use crate::load::{self, Limits};
use crate::model::OwnerRefs;
use crate::model::{McpServer, Parsed};
use crate::parse::owners::{Owners, parse_owners};
use crate::parse::{self, ParseOptions};
use crate::render::service_account::AccountOptions;
use crate::render::{self as stage};
use crate::validate::{self, Validated};

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
    /// ServiceAccounts `<name>-sa`: whether to render them, and their default pull secrets.
    pub accounts: AccountOptions,
    /// Resource limits for reading.
    pub limits: Limits,
    /// Running as an Argo CD plugin: [`render`] refuses an empty stream (unless
    /// `allow_empty`), because Argo CD prunes every object of an Application whose plugin
    /// prints nothing (see [`crate::plugin`]).
    pub argocd: bool,
    /// Return an empty stream even when `argocd` is set, and an empty folder from
    /// [`plan_dir`] (`--allow-empty`).
    pub allow_empty: bool,
    /// The MCPServer CRD to check against (`--crd`); `None` is the built-in one.
    pub crd: Option<&'static parse::crd::Crd>,
    /// `--strict`: security settings without effect here are errors, not warnings.
    pub strict: bool,
    /// The platform the output is for (`--platform`).
    pub platform: crate::model::Platform,
}

/// Why a render produced nothing: invalid input (exit 2), or output that could not be made
/// (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input failed a check: every diagnostic (errors and warnings).
    #[error("{0}")]
    Invalid(Diagnostics),
    /// The input was valid but held no object, and an empty render is refused (inside Argo
    /// CD, [`Options::argocd`], and for a folder, [`plan_dir`]). `warnings` are the warnings met on the way (printed before the refusal).
    #[error("{refusal}")]
    Empty {
        /// Warnings of the (valid) input.
        warnings: Diagnostics,
        /// The refusal, an error diagnostic.
        refusal: Diagnostic,
    },
    /// Serialising failed (a bug, never a property of the input).
    #[error(transparent)]
    Emit(#[from] EmitError),
}

/// The result of [`render`]: the exact bytes `mcp-render render` writes to stdout, and the
/// warnings it prints to stderr.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// The output stream, fully serialised.
    pub stream: Stream,
    /// Warnings (never errors).
    pub warnings: Diagnostics,
}

/// The result of [`plan_dir`]: the files of a directory render, and the warnings.
#[derive(Debug, Clone)]
pub struct DirPlan {
    /// Every file, by path relative to the directory, with its content.
    pub files: emit::dir::Files,
    /// Warnings (never errors).
    pub warnings: Diagnostics,
}

/// `mcp-render render` without `-o`: loads, parses, validates, renders and serialises, and
/// returns the bytes for stdout. Nothing is returned (and nothing should be written) unless
/// every stage succeeded.
///
/// ```
/// let server = "\
/// apiVersion: toolhive.stacklok.dev/v1beta1
/// kind: MCPServer
/// metadata: {name: fetch, namespace: tools}
/// spec: {image: ghcr.io/stackloklabs/gofetch/server:1.0.1, transport: streamable-http}
/// ";
/// let yaml = mcp_render::render_str(server, &mcp_render::Options::default())?;
/// assert!(yaml.starts_with("---\napiVersion: v1\nkind: ServiceAccount\n"));
/// assert!(yaml.contains("kind: StatefulSet"));
/// assert!(yaml.contains("name: mcp-fetch-headless"));
/// # Ok::<(), mcp_render::Error>(())
/// ```
pub fn render(options: &Options, stdin: &mut dyn Read, format: Format) -> Result<Rendering, Error> {
    let mut valid = prepare(options, stdin)?;
    // The stream never reads them: taken, not copied.
    let warnings = std::mem::take(&mut valid.warnings);
    Ok(Rendering {
        stream: stream(valid, format)?,
        warnings,
    })
}

/// Everything of [`render`] before the first byte of output: every check of the input
/// (`run::validate`), and the refusal of an empty stream inside Argo CD. What it returns can
/// only be written out ([`write_stream`]); its `warnings` are to be shown first.
pub fn prepare(options: &Options, stdin: &mut dyn Read) -> Result<Valid, Error> {
    let valid = validate(options, stdin).map_err(Error::Invalid)?;
    let objects = valid.valid.servers().len() + valid.valid.pass_through().len();
    if let Some(refusal) =
        crate::plugin::refuse_no_objects(objects, options.argocd, options.allow_empty)
    {
        return Err(Error::Empty {
            warnings: valid.warnings,
            refusal,
        });
    }
    Ok(valid)
}

/// [`render`] of a string to a YAML stream: the input as if read from stdin
/// (`options.inputs` is ignored).
pub fn render_str(input: &str, options: &Options) -> Result<String, Error> {
    let options = Options {
        inputs: Vec::new(),
        ..options.clone()
    };
    let rendering = render(&options, &mut input.as_bytes(), Format::Yaml)?;
    Ok(rendering.stream.into_string())
}

/// `mcp-render render -o DIR` up to the writing: every file of the directory, as
/// [`emit::dir::write`] and [`emit::dir::check`] take them. A render with no object is
/// [`Error::Empty`] unless [`Options::allow_empty`] (see [`crate::plugin::refuse_empty_dir`]).
pub fn plan_dir(options: &Options, stdin: &mut dyn Read) -> Result<DirPlan, Error> {
    plan_dir_alongside(options, stdin, || ()).map(|(plan, ())| plan)
}

/// [`plan_dir`], running `alongside` on another of rayon's threads while the plan is
/// finished (its files put in path order, its index written: serial work, with the other
/// core otherwise idle). `render -o DIR` lists DIR there ([`emit::dir::list`]), so the
/// listing costs no time of its own. `alongside` runs only when the input is valid and
/// rendered, so only then is DIR looked at, as before; an error of the plan wins over
/// whatever it returns.
pub fn plan_dir_alongside<T: Send>(
    options: &Options,
    stdin: &mut dyn Read,
    alongside: impl FnOnce() -> T + Send,
) -> Result<(DirPlan, T), Error> {
    let mut valid = validate(options, stdin).map_err(Error::Invalid)?;
    let objects = valid.valid.servers().len() + valid.valid.pass_through().len();
    if let Some(refusal) = crate::plugin::refuse_empty_dir(objects, options.allow_empty) {
        return Err(Error::Empty {
            warnings: valid.warnings,
            refusal,
        });
    }
    // The plan never reads them: taken, not copied.
    let warnings = std::mem::take(&mut valid.warnings);
    let (files, beside) = plan_dir_files_alongside(valid, alongside)?;
    Ok((DirPlan { files, warnings }, beside))
}

/// Input that passed every check, with what rendering it needs: the result of `validate`.
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

/// Loads, parses and validates: every check the input gets. On any error returns every
/// diagnostic (errors and warnings).
///
/// Memory stays near the size of the model: each piece of input (a file, or a part of a big
/// stream) is parsed into documents, turned into servers and checked on its own
/// ([`validate::check_each`]) on one of rayon's threads, and its
/// documents (the located YAML trees, several times the size of the text) are dropped right
/// after. Only the rules that span objects run on the whole, placing their messages with the
/// locations parse recorded ([`crate::model::Marks`]), so no document is needed again. A
/// source with a syntax error in any of its pieces is parsed again whole (only that source),
/// for exactly the error a sequential parse gives.
pub fn validate(options: &Options, stdin: &mut dyn Read) -> Result<Valid, Diagnostics> {
    let (sources, owners, mut diagnostics) = read_inputs(options, stdin);
    let parse_options = ParseOptions {
        default_namespace: options.namespace.clone(),
        accounts: options.accounts.clone(),
        crd: options.crd,
        strict: options.strict,
        platform: options.platform,
    };
    let work = |documents: Vec<load::Document>| {
        let (parsed, found) = parse::parse_sequential(&documents, &parse_options);
        let mut parsed = parsed;
        let checked = validate::check_each(&parsed, &documents, &owners, options.owner_refs);
        // Every check that reads a pod template has run: hold them compactly until the render.
        for server in &mut parsed.servers {
            if let Some(template) = &mut server.spec.pod_template_spec {
                template.pack();
            }
        }
        (parsed, found, checked, documents.len())
    };
    let (outputs, mut wholes) = load::map_pieces(sources, &options.limits, work);
    let mut parts = Vec::with_capacity(outputs.len());
    for of_source in load::per_source(outputs) {
        let source = of_source[0].source;
        if of_source.iter().all(|piece| piece.result.is_ok()) {
            parts.extend(of_source.into_iter().filter_map(|piece| piece.result.ok()));
            continue;
        }
        // A piece's syntax error may not be the first error of its source: a source cut
        // into pieces is parsed again whole, for exactly the error the sequential parser
        // gives (a source's only piece is the sequential parse).
        match wholes.parse(source, &options.limits) {
            None => diagnostics.extend(of_source.into_iter().filter_map(|p| p.result.err())),
            Some(Ok(documents)) => parts.push(work(documents)),
            Some(Err(d)) => diagnostics.push(d),
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
    let (valid, validate_diagnostics) = validate::validate_checked(parsed, checked);
    diagnostics.extend(found);
    diagnostics.extend(validate_diagnostics);
    accept(valid, owners, options, diagnostics)
}

/// The validated input, unless any stage found an error.
fn accept(
    valid: Option<Validated>,
    owners: Owners,
    options: &Options,
    diagnostics: Diagnostics,
) -> Result<Valid, Diagnostics> {
    match valid {
        Some(valid) if !diagnostics.has_errors() => {
            let mut warnings = diagnostics;
            warnings.extend(owner_summary(&valid, &owners, options.owner_refs));
            Ok(Valid {
                valid,
                owners,
                owner_refs: options.owner_refs,
                warnings,
            })
        }
        _ => Err(diagnostics),
    }
}

/// `--owner-refs auto` without any `--owners` file: one line for all the servers whose
/// Services go without ownerReferences, instead of one warning each (10,000 servers would
/// print 6,667 lines). With owners files, each server they lack is warned about on its own:
/// a stale lock file is a real mistake.
fn owner_summary(valid: &Validated, owners: &Owners, policy: OwnerRefs) -> Option<Diagnostic> {
    if policy != OwnerRefs::Auto || owners.given() {
        return None;
    }
    let servers = valid.servers().iter();
    let count = servers.filter(|s| s.spec.transport.has_services()).count();
    let (s, their) = if count == 1 {
        ("", "its")
    } else {
        ("s", "their")
    };
    (count > 0).then(|| {
        Diagnostic::warning(
            None,
            "",
            format!(
                "{count} MCPServer{s} with an HTTP transport: {their} Services are rendered without ownerReferences, as no --owners file gives the live StatefulSets' UIDs (see `mcp-render owners --help`; --owner-refs omit if that is intended)"
            ),
        )
    })
}

/// Fewer servers than this are not worth handing to another thread.
const MIN_SERVERS_PER_CHUNK: usize = 16;

/// The size of the buffers the output text is written into.
const TEXT_BUFFER_BYTES: usize = 256 * 1024;

/// Renders and serialises everything into memory: the finished stdout stream, in `format`
/// ([`write_stream`] into a [`Stream`]).
pub fn stream(valid: Valid, format: Format) -> Result<Stream, EmitError> {
    let mut chunks = Vec::new();
    write_stream(valid, format, &mut chunks)?;
    Ok(Stream::from_chunks(chunks))
}

/// Servers rendered, serialised and put out together: the most text (a few kilobytes a
/// server) and typed objects held at once by [`write_stream`].
const WINDOW_SERVERS: usize = 1024;

/// Renders and serialises everything, in stream order, into `sink`: what `mcp-render render`
/// writes to stdout.
///
/// The input is fully checked before this runs (a [`Valid`] exists only once `run::validate`
/// found no error; servers are sorted and collisions across files ruled out), and rendering
/// cannot fail, so no input can stop the stream half-way: nothing is written for invalid
/// input, and valid input is written whole. The output is never held whole either: servers
/// go through in windows of 1,024 (`WINDOW_SERVERS`), each rendered and serialised in batches on
/// rayon's threads (each server, with its typed objects, dropped as soon as its text exists),
/// then put into `sink` in order and dropped. Memory is the model, shrinking, plus one
/// window's text. For JSON each batch writes its objects as items of the `List`, and
/// [`emit::StreamWriter`] puts the `List` around them. The bytes are the same with any number
/// of threads and any window size.
///
/// What can still fail: the sink (a closed pipe, a full disk: [`emit::WriteError::Output`]),
/// and serialising ([`emit::WriteError::Emit`]), which only a bug can make fail. Either way
/// the caller must say that what was written is incomplete (`mcp-render render` exits 1).
pub fn write_stream(
    valid: Valid,
    format: Format,
    sink: &mut dyn emit::Sink,
) -> Result<(), emit::WriteError> {
    write_stream_in(valid, format, sink, WINDOW_SERVERS)
}

/// [`write_stream`] in windows of `window` servers (at least one): the bytes do not depend
/// on it, which the tests check with small windows.
pub fn write_stream_in(
    valid: Valid,
    format: Format,
    sink: &mut dyn emit::Sink,
    window: usize,
) -> Result<(), emit::WriteError> {
    let window = window.max(1);
    let (servers, pass_through) = valid.valid.into_parts();
    let (owners, policy) = (&valid.owners, valid.owner_refs);
    let mut writer = emit::StreamWriter::start(format, sink)?;
    let mut servers = servers.into_iter();
    loop {
        let these: Vec<McpServer> = servers.by_ref().take(window).collect();
        if these.is_empty() {
            break;
        }
        let batches = in_batches(these, |servers| {
            let mut batch = emit::Batch::new(format, TEXT_BUFFER_BYTES);
            for server in servers {
                batch.push_server(&stage::render_server(&server, owners, policy)?)?;
            }
            Ok::<_, EmitError>(batch)
        });
        for batch in batches {
            writer.batch(batch?)?;
        }
    }
    let mut rest = emit::Batch::new(format, TEXT_BUFFER_BYTES);
    for object in &pass_through {
        rest.push(&object.value)?;
    }
    writer.batch(rest)?;
    writer.finish()
}

/// Owners files smaller than this are read on the calling thread: a thread costs more.
const MIN_OWNERS_BYTES_FOR_A_THREAD: u64 = 64 * 1024;

/// Reads the inputs and the owners files; on two threads when the owners files are big
/// (an owners lock for 10,000 servers takes ~25 ms to parse) and do not come from stdin
/// (which the inputs must read first).
fn read_inputs(
    options: &Options,
    stdin: &mut dyn Read,
) -> (Vec<load::Source>, Owners, Diagnostics) {
    let threads = rayon::current_num_threads();
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
pub fn plan_dir_files(valid: Valid) -> Result<emit::dir::Files, EmitError> {
    plan_dir_files_alongside(valid, || ()).map(|(files, ())| files)
}

/// [`plan_dir_files`], with `alongside` run beside its serial end (see [`plan_dir_alongside`]).
fn plan_dir_files_alongside<T: Send>(
    valid: Valid,
    alongside: impl FnOnce() -> T + Send,
) -> Result<(emit::dir::Files, T), EmitError> {
    let (servers, pass_through) = valid.valid.into_parts();
    let (owners, policy) = (&valid.owners, valid.owner_refs);
    let files = in_batches(servers, |servers| {
        servers
            .into_iter()
            .map(|server| {
                let rendered = stage::render_server(&server, owners, policy)?;
                Ok(emit::dir::server_file_of(&rendered))
            })
            .collect::<Result<Vec<_>, EmitError>>()
    });
    let pass_through: Vec<_> = pass_through.iter().map(stage::pass_through).collect();
    let files = files.into_iter().collect::<Result<Vec<_>, _>>()?;
    let (files, beside) = rayon::join(
        || emit::dir::plan_files(files.into_iter().flatten(), &pass_through),
        alongside,
    );
    Ok((files?, beside))
}

/// Hands `servers`, in order, to `work` in batches on rayon's threads, and returns the
/// results in order. Each batch is owned by the worker that takes it, which can drop its
/// servers as it goes; a few batches per thread, so that threads finishing early take over.
fn in_batches<R: Send>(
    servers: Vec<McpServer>,
    work: impl Fn(Vec<McpServer>) -> R + Sync,
) -> Vec<R> {
    let size = servers
        .len()
        .div_ceil(rayon::current_num_threads() * BATCHES_PER_THREAD)
        .max(MIN_SERVERS_PER_CHUNK);
    servers.into_par_iter().chunks(size).map(&work).collect()
}

/// Batches per thread (see [`in_batches`]).
const BATCHES_PER_THREAD: usize = 4;

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

/// The MCPServers in `options.inputs`, checked as `render` checks them, as `namespace/name`
/// (or `name` without a namespace), in render order: the Argo CD plugin's dynamic
/// parameter announcement.
pub fn server_names(options: &Options) -> Result<Vec<String>, Error> {
    let valid = validate(options, &mut std::io::empty()).map_err(Error::Invalid)?;
    Ok(valid
        .valid
        .servers()
        .iter()
        .map(|s| match &s.namespace {
            Some(ns) => format!("{ns}/{}", s.name),
            None => s.name.clone(),
        })
        .collect())
}

/// Reads a YAML (or JSON) stream as Kubernetes clients do (YAML 1.1, as Go's
/// `sigs.k8s.io/yaml` reads it), with the loader `mcp-render` reads its input with: one JSON
/// value per document. `name` names the text in the error.
pub fn read_yaml_stream(name: &str, text: &str) -> Result<Vec<serde_json::Value>, Diagnostic> {
    let source = load::decode(name, text.as_bytes().to_vec())?;
    let documents = load::parse_documents(&source, &Limits::default())?;
    Ok(documents.iter().map(|d| d.root.to_json()).collect())
}

/// The result of [`owners_lock`]: the lock file `mcp-render owners` writes.
#[derive(Debug, Clone)]
pub struct OwnersLock {
    /// The lock file's text.
    pub text: String,
    /// How many StatefulSets it lists.
    pub statefulsets: usize,
    /// Warnings (never errors).
    pub warnings: Diagnostics,
}

/// `mcp-render owners`: reads `kubectl get statefulsets` output (or lock files) from `paths`
/// (stdin for none or `-`) and returns the lock file.
pub fn owners_lock(
    paths: &[PathBuf],
    stdin: &mut dyn Read,
    limits: &Limits,
) -> Result<OwnersLock, Error> {
    let (documents, mut diagnostics) = load::load(paths, stdin, limits);
    let (owners, owner_diagnostics) = parse_owners(&documents);
    diagnostics.extend(owner_diagnostics);
    if diagnostics.has_errors() {
        return Err(Error::Invalid(diagnostics));
    }
    Ok(OwnersLock {
        text: emit::owners::lock_file(&owners)?,
        statefulsets: owners.len(),
        warnings: diagnostics,
    })
}
