//! The `mcp-render` command line: flags in, library call, exit code out.
//!
//! Exit codes: 0 success; 1 `--check` found drift, or the output could not be written;
//! 2 invalid input or usage. On any error nothing is written to stdout.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use mcp_render::emit::dir::{self, DirError, Drift};
use mcp_render::emit::{self, Format};
use mcp_render::init::{self, InitError};
use mcp_render::load::{self, Limits};
use mcp_render::model::Platform;
use mcp_render::parse::owners::parse_owners;
use mcp_render::run::{self, Options};
use mcp_render::validate::OwnerRefs;
use mcp_render::{Diagnostics, github, plugin, schema, templates};

// mimalloc: the pipeline allocates millions of small strings and vectors; it is about a
// quarter faster than the system allocator here (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Render ToolHive MCPServer specs into plain Kubernetes manifests for GitOps.
#[derive(Debug, Parser)]
#[command(name = "mcp-render", version = version(), about, long_about = None, after_help = TOP_EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const TOP_EXAMPLES: &str = "\
Examples:
  mcp-render render servers/ | kubectl apply -f -
  mcp-render render -o rendered servers/          # a rendered-manifests folder
  mcp-render render -o rendered --check servers/  # CI drift gate
  mcp-render init argocd --help";

#[derive(Debug, Subcommand)]
enum Command {
    /// Render MCPServers (and pass other objects through) as Kubernetes manifests.
    #[command(after_help = RENDER_EXAMPLES)]
    Render(RenderArgs),
    /// Write Argo CD or Flux integration files.
    #[command(subcommand)]
    Init(InitCommand),
    /// Turn `kubectl get statefulsets -o json|yaml` output into a small owners lock file.
    #[command(after_help = OWNERS_EXAMPLES)]
    Owners(OwnersArgs),
    /// Print a JSON Schema of the MCPServer input this version accepts (for editors).
    #[command(after_help = SCHEMA_EXAMPLES)]
    Schema,
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

const RENDER_EXAMPLES: &str = "\
Examples:
  mcp-render render servers/                     # a YAML stream on stdout
  mcp-render render -n tools server.yaml         # namespace for servers without one
  kubectl get sts -A -o yaml > owners.yaml
  mcp-render render --owners owners.yaml servers/ # Services owned by the live StatefulSets
  cat server.yaml | mcp-render render --format json
  mcp-render render -o rendered servers/         # one file per object, plus kustomization.yaml
  mcp-render render -o rendered --check servers/ # exit 1 and a diff when rendered/ is stale

In an Argo CD plugin, flags not given fall back to the ARGOCD_ENV_MCP_RENDER_* variables
shown with each flag, and an empty render is refused (ARGOCD_APP_NAME is set).
With GITHUB_ACTIONS=true, errors and drift are also printed as workflow annotations.";

const OWNERS_EXAMPLES: &str = "\
Examples:
  kubectl get statefulsets -A -l toolhive=true -o json | mcp-render owners -o owners.lock.yaml
  mcp-render render --owners owners.lock.yaml -o rendered servers/

A re-created StatefulSet gets a new UID: refresh the lock file, or Kubernetes' garbage
collector deletes the Services that point at the old one.";

const SCHEMA_EXAMPLES: &str = "\
Examples:
  mcp-render schema > mcpserver.schema.json
  # then, first line of an MCPServer file (yaml-language-server):
  # yaml-language-server: $schema=./mcpserver.schema.json";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  mcp-render completions bash > ~/.local/share/bash-completion/completions/mcp-render
  mcp-render completions zsh > \"${fpath[1]}/_mcp-render\"
  mcp-render completions fish > ~/.config/fish/completions/mcp-render.fish";

#[derive(Debug, Args)]
struct RenderArgs {
    /// Files or directories (recursively *.yaml, *.yml, *.json); `-` or nothing reads stdin.
    paths: Vec<PathBuf>,

    /// Namespace for MCPServers that set none; without it they get no namespace.
    #[arg(short, long, value_name = "NS", env = plugin::ENV_NAMESPACE)]
    namespace: Option<String>,

    /// `kubectl get statefulsets -o yaml|json` output (or an owners lock file) giving the
    /// live StatefulSets' UIDs for the Services' ownerReferences. Repeatable.
    #[arg(long, value_name = "FILE", env = plugin::ENV_OWNERS)]
    owners: Vec<PathBuf>,

    /// auto: ownerReferences where the UID is known, else none and a warning;
    /// require: a missing UID is an error; omit: never.
    #[arg(long, value_enum, default_value_t = OwnerRefs::Auto, value_name = "POLICY",
          env = plugin::ENV_OWNER_REFS)]
    owner_refs: OwnerRefs,

    /// Stream format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Yaml, conflicts_with = "output_dir")]
    format: Format,

    /// Write a rendered-manifests folder instead of stdout: one file per MCPServer and per
    /// other object, in a folder per namespace, plus kustomization.yaml. Replaces the files
    /// it wrote before (atomically), never touches others.
    #[arg(short = 'o', long, value_name = "DIR")]
    output_dir: Option<PathBuf>,

    /// With -o: write nothing; exit 0 when DIR is up to date, else 1 with a unified diff.
    #[arg(long, requires = "output_dir")]
    check: bool,

    /// Print an empty stream with exit code 0 even inside Argo CD (see below).
    #[arg(long, env = plugin::ENV_ALLOW_EMPTY)]
    allow_empty: bool,

    /// The platform ToolHive would detect: on openshift the pods get no runAsUser, runAsGroup
    /// or fsGroup (the namespace's SCC assigns them), even where the podTemplateSpec sets them.
    #[arg(long, value_enum, default_value_t = Platform::Kubernetes, value_name = "PLATFORM",
          env = plugin::ENV_PLATFORM)]
    platform: Platform,

    /// Make security settings that have no effect without ToolHive's proxy (oidcConfigRef,
    /// authzConfig, rateLimiting, ...) an error instead of a warning.
    #[arg(long, env = plugin::ENV_STRICT)]
    strict: bool,

    /// Check MCPServers against this CRD (`kubectl get crd mcpservers.toolhive.stacklok.dev
    /// -o yaml`) instead of the built-in one (ToolHive v0.44.0).
    #[arg(long, value_name = "FILE", env = plugin::ENV_CRD)]
    crd: Option<PathBuf>,

    /// Largest input file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_bytes)]
    max_file_size: u64,
}

#[derive(Debug, Subcommand)]
enum InitCommand {
    /// Argo CD: the config management plugin, its repo-server sidecar, an Application.
    #[command(after_help = ARGOCD_EXAMPLES)]
    Argocd(ArgoCdArgs),
    /// Flux: a Kustomization over the rendered folder, and the `flux push artifact` recipe.
    #[command(after_help = FLUX_EXAMPLES)]
    Flux(FluxArgs),
}

const ARGOCD_EXAMPLES: &str = "\
Examples:
  mcp-render init argocd --repo-url https://github.com/example/platform.git \\
      --path mcp/servers --namespace tools --image registry.example.com/mcp-render:0.1.0
  # then see argocd/README.md";

const FLUX_EXAMPLES: &str = "\
Examples:
  mcp-render init flux --path mcp/rendered --inputs mcp/servers
  mcp-render init flux --path mcp/rendered --inputs mcp/servers \\
      --oci-url oci://ghcr.io/example/mcp-servers
  # then see flux/README.md";

/// Flags every `init` target shares.
#[derive(Debug, Args)]
struct InitOutput {
    /// Folder to write the files to (created if missing); default `./argocd` or `./flux`.
    #[arg(short = 'o', long, value_name = "DIR")]
    output_dir: Option<PathBuf>,

    /// Overwrite files that already exist.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct ArgoCdArgs {
    /// Git repository of the Application.
    #[arg(long, value_name = "URL")]
    repo_url: String,
    /// Folder with the MCPServer files, relative to the repository root.
    #[arg(long)]
    path: String,
    /// Destination namespace, and the namespace of MCPServers that set none.
    #[arg(short, long, value_name = "NS")]
    namespace: String,
    /// Sidecar image that holds `mcp-render` on its PATH.
    #[arg(long)]
    image: String,
    /// Git revision to deploy.
    #[arg(long, default_value = "HEAD")]
    revision: String,
    /// Application name.
    #[arg(long, default_value = "mcp-servers")]
    name: String,
    /// Argo CD project.
    #[arg(long, default_value = "default")]
    project: String,
    /// Namespace Argo CD runs in.
    #[arg(long, value_name = "NS", default_value = "argocd")]
    argocd_namespace: String,
    /// Destination cluster.
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://kubernetes.default.svc"
    )]
    dest_server: String,
    /// Owner-reference policy of the plugin. `omit` by default: Argo CD never prunes objects
    /// that carry ownerReferences.
    #[arg(long, value_enum, default_value_t = OwnerRefs::Omit, value_name = "POLICY")]
    owner_refs: OwnerRefs,
    /// Owners lock file, relative to --path.
    #[arg(long, value_name = "FILE")]
    owners: Option<String>,
    /// Let Applications that name no plugin use this one when their path holds MCPServer
    /// files. Off by default: it would also take over Applications that apply MCPServer
    /// resources to the ToolHive operator.
    #[arg(long)]
    discover: bool,
    #[command(flatten)]
    output: InitOutput,
}

#[derive(Debug, Args)]
struct FluxArgs {
    /// The rendered folder (`render -o`), relative to the repository root.
    #[arg(long)]
    path: String,
    /// The MCPServer files or folder, relative to the repository root.
    #[arg(long)]
    inputs: String,
    /// `--namespace` for the render commands in the recipe.
    #[arg(short, long, value_name = "NS")]
    namespace: Option<String>,
    /// Name of the Flux objects.
    #[arg(long, default_value = "mcp-servers")]
    name: String,
    /// Namespace of the Flux objects.
    #[arg(long, value_name = "NS", default_value = "flux-system")]
    flux_namespace: String,
    /// GitRepository that holds the rendered folder.
    #[arg(long, value_name = "NAME", default_value = "flux-system")]
    source: String,
    /// Reconcile interval.
    #[arg(long, default_value = "10m")]
    interval: String,
    /// Deliver through this OCI repository (oci://REGISTRY/REPOSITORY) instead of Git.
    #[arg(long, value_name = "URL")]
    oci_url: Option<String>,
    #[command(flatten)]
    output: InitOutput,
}

#[derive(Debug, Args)]
struct OwnersArgs {
    /// kubectl output (JSON or YAML, a List or single objects) or lock files; `-` or nothing
    /// reads stdin.
    paths: Vec<PathBuf>,
    /// Write the lock file here (atomically, only on success) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Reads `--crd FILE`: the CRD to check MCPServers against. Its CEL rules that mcp-render
/// has no implementation of are not checked, with one warning each.
fn load_crd(path: &std::path::Path) -> Result<&'static mcp_render::parse::crd::Crd, ExitCode> {
    use mcp_render::parse::crd::generate;
    let loaded = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| generate::load(&text));
    match loaded {
        Ok(crd) => {
            for message in generate::unimplemented_rules(&crd) {
                eprintln!(
                    "{}: warning: the CEL rule \"{message}\" is not checked (mcp-render has no implementation of it)",
                    path.display()
                );
            }
            Ok(Box::leak(Box::new(crd)))
        }
        Err(e) => {
            eprintln!("{}: --crd: {e}", path.display());
            Err(ExitCode::from(2))
        }
    }
}

/// `--version`: the release and the ToolHive release its schema and rendering follow.
fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        format!(
            "{} (ToolHive {})",
            env!("CARGO_PKG_VERSION"),
            mcp_render::parse::crd::TOOLHIVE_VERSION
        )
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let github = github::enabled(std::env::var(github::ENV).ok().as_deref());
    match cli.command {
        Command::Render(args) => render(args, github),
        Command::Init(InitCommand::Argocd(args)) => init_argocd(args),
        Command::Init(InitCommand::Flux(args)) => init_flux(args),
        Command::Owners(args) => owners(args, github),
        Command::Schema => write_stdout(schema::to_string().as_bytes()),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mcp-render", &mut out);
            write_stdout(&out)
        }
    }
}

fn render(args: RenderArgs, github: bool) -> ExitCode {
    let crd = match args.crd.as_deref().map(load_crd).transpose() {
        Ok(crd) => crd,
        Err(code) => return code,
    };
    let options = Options {
        inputs: args.paths,
        owners: args.owners,
        namespace: args.namespace.filter(|ns| !ns.is_empty()),
        owner_refs: args.owner_refs,
        crd,
        strict: args.strict,
        platform: args.platform,
        limits: Limits {
            max_file_bytes: args.max_file_size,
            ..Limits::default()
        },
    };
    if let Some(dir) = &args.output_dir
        && let Some(why) = dir::overlaps_inputs(dir, &options.inputs)
    {
        eprintln!("error: {why}");
        return ExitCode::from(2);
    }
    let valid = match run::validate(&options, &mut std::io::stdin().lock()) {
        Ok(valid) => valid,
        Err(diagnostics) => return invalid(&diagnostics, github),
    };
    print_diagnostics(&valid.warnings, github);
    let Some(dir) = args.output_dir else {
        let in_argocd = plugin::in_argocd(std::env::var(plugin::APP_NAME).ok().as_deref());
        let objects = valid.valid.servers().len() + valid.valid.pass_through().len();
        if let Some(d) = plugin::refuse_no_objects(objects, in_argocd, args.allow_empty) {
            let mut diagnostics = Diagnostics::new();
            diagnostics.push(d);
            return invalid(&diagnostics, github);
        }
        let stream = match run::stream(valid, args.format) {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
        let code = write_stream(&stream);
        // The process ends here: freeing the text piece by piece would only cost time.
        std::mem::forget(stream);
        return code;
    };
    let files = match run::plan_dir(valid) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if args.check {
        check_dir(&dir, &files, github)
    } else {
        write_dir(&dir, &files)
    }
}

fn write_dir(dir: &Path, files: &dir::Files) -> ExitCode {
    let result = match fault_after_files() {
        Some(limit) => {
            let mut count = 0;
            dir::write_with(dir, files, &mut |path, bytes| {
                if count == limit {
                    eprintln!("test hook: aborting before writing {}", path.display());
                    std::process::abort();
                }
                count += 1;
                std::fs::write(path, bytes)
            })
        }
        None => dir::write(dir, files),
    };
    match result {
        Ok(report) if report.is_noop() => {
            eprintln!("{}: up to date ({} files)", dir.display(), files.len());
            ExitCode::SUCCESS
        }
        Ok(report) => {
            eprintln!(
                "{}: wrote {} file{}, removed {}, {} unchanged",
                dir.display(),
                report.written.len(),
                if report.written.len() == 1 { "" } else { "s" },
                report.removed.len(),
                report.unchanged
            );
            ExitCode::SUCCESS
        }
        Err(e) => dir_error(&e, 1),
    }
}

/// Debug builds only: `MCP_RENDER_TEST_ABORT_AFTER_FILES=N` kills the process (abort, no
/// clean-up) after N files of a directory render, so tests can show a killed run leaves DIR
/// intact. Release builds ignore it.
fn fault_after_files() -> Option<usize> {
    if cfg!(debug_assertions) {
        std::env::var("MCP_RENDER_TEST_ABORT_AFTER_FILES")
            .ok()?
            .parse()
            .ok()
    } else {
        None
    }
}

fn check_dir(dir: &Path, files: &dir::Files, github: bool) -> ExitCode {
    let label = dir.to_string_lossy();
    let drift: Drift = match dir::check(dir, &label, files) {
        Ok(drift) => drift,
        Err(e) => return dir_error(&e, 2),
    };
    if drift.is_clean() {
        eprintln!("{label}: up to date ({} files)", drift.planned);
        return ExitCode::SUCCESS;
    }
    let rerender = rerender_command();
    if github {
        let mut stderr = std::io::stderr().lock();
        for file in &drift.files {
            let _ = writeln!(stderr, "{}", github::drift(&label, file, &rerender));
        }
    }
    let (changed, missing, stale) = drift.counts();
    eprintln!(
        "error: {label} is out of date: {changed} changed, {missing} missing, {stale} stale; run `{rerender}`"
    );
    match write_stdout(drift.diff().as_bytes()) {
        code if code == ExitCode::SUCCESS => ExitCode::from(1),
        code => code,
    }
}

/// This very command line without `--check`: what fixes the drift.
fn rerender_command() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--check")
        .collect();
    let mut words = vec!["mcp-render".to_string()];
    words.extend(args.iter().map(|a| templates::shell_quote(a)));
    words.join(" ")
}

/// Prints a directory error; refusals exit 2, I/O failures `io_code`.
fn dir_error(e: &DirError, io_code: u8) -> ExitCode {
    match e {
        DirError::Refused(reasons) => {
            for reason in reasons {
                eprintln!("error: {reason}");
            }
            eprintln!("error: nothing was written");
            ExitCode::from(2)
        }
        DirError::Io { .. } => {
            eprintln!("error: {e}; the directory is unchanged");
            ExitCode::from(io_code)
        }
    }
}

fn init_argocd(args: ArgoCdArgs) -> ExitCode {
    let params = init::ArgoCd {
        repo_url: args.repo_url,
        path: args.path,
        revision: args.revision,
        namespace: args.namespace,
        image: args.image,
        app_name: args.name,
        project: args.project,
        argocd_namespace: args.argocd_namespace,
        dest_server: args.dest_server,
        owner_refs: args.owner_refs,
        owners: args.owners,
        discover: args.discover,
    };
    write_scaffold(init::argocd(&params), args.output, "argocd")
}

fn init_flux(args: FluxArgs) -> ExitCode {
    let params = init::Flux {
        path: args.path,
        inputs: args.inputs,
        namespace: args.namespace,
        name: args.name,
        flux_namespace: args.flux_namespace,
        source: args.source,
        interval: args.interval,
        oci_url: args.oci_url,
    };
    write_scaffold(init::flux(&params), args.output, "flux")
}

fn write_scaffold(
    files: Result<init::Files, InitError>,
    output: InitOutput,
    default_dir: &str,
) -> ExitCode {
    let dir = output
        .output_dir
        .unwrap_or_else(|| PathBuf::from(default_dir));
    match files.and_then(|files| init::write_new(&dir, &files, output.force)) {
        Ok(written) => {
            for path in written {
                eprintln!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(InitError::Invalid(reasons)) => {
            for reason in reasons {
                eprintln!("error: {reason}");
            }
            eprintln!("error: nothing was written");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn owners(args: OwnersArgs, github: bool) -> ExitCode {
    let limits = Limits::default();
    let (documents, mut diagnostics) =
        load::load(&args.paths, &mut std::io::stdin().lock(), &limits);
    let (owners, owner_diagnostics) = parse_owners(&documents);
    diagnostics.extend(owner_diagnostics);
    if diagnostics.has_errors() {
        return invalid(&diagnostics, github);
    }
    print_diagnostics(&diagnostics, github);
    let text = match emit::owners::lock_file(&owners) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    eprintln!(
        "{} StatefulSet{}",
        owners.len(),
        if owners.len() == 1 { "" } else { "s" }
    );
    let Some(path) = args.output else {
        return write_stdout(text.as_bytes());
    };
    match write_file_atomically(&path, text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            ExitCode::from(1)
        }
    }
}

/// Replaces `path` with `bytes` in one rename, so a failed run never leaves half a file.
fn write_file_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".mcp-render-")
        .tempfile_in(parent)?;
    temp.write_all(bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Prints every diagnostic and returns exit code 2.
fn invalid(diagnostics: &Diagnostics, github: bool) -> ExitCode {
    print_diagnostics(diagnostics, github);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    eprintln!(
        "error: {errors} problem{} found; nothing was written",
        if errors == 1 { "" } else { "s" }
    );
    ExitCode::from(2)
}

fn print_diagnostics(diagnostics: &Diagnostics, github: bool) {
    let mut stderr = std::io::stderr().lock();
    for diagnostic in diagnostics.clone().into_sorted() {
        let _ = writeln!(stderr, "{diagnostic}");
        if github {
            let _ = writeln!(stderr, "{}", github::diagnostic(&diagnostic));
        }
    }
}

/// Writes all of stdout at once.
fn write_stdout(bytes: &[u8]) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    stdout_written(stdout.write_all(bytes).and_then(|()| stdout.flush()))
}

/// Writes a finished stream to stdout.
fn write_stream(stream: &emit::Stream) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    stdout_written(stream.write_to(&mut stdout).and_then(|()| stdout.flush()))
}

/// The exit code for a write to stdout. A closed pipe is not our error.
fn stdout_written(result: std::io::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            ExitCode::from(1)
        }
    }
}
