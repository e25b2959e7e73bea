//! The `mcp-render` command line: flags in, library call, exit code out.
//!
//! Exit codes: 0 success; 1 `--check` found drift, or the output could not be written;
//! 2 invalid input or usage. On any error nothing is written to stdout.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use mcp_render::Diagnostics;
use mcp_render::emit::{self, Format};
use mcp_render::load::Limits;
use mcp_render::run::{self, Options};
use mcp_render::validate::OwnerRefs;

// mimalloc: the pipeline allocates millions of small strings and vectors; it is about a
// quarter faster than the system allocator here (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Render ToolHive MCPServer specs into plain Kubernetes manifests for GitOps.
#[derive(Debug, Parser)]
#[command(name = "mcp-render", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render MCPServers (and pass other objects through) as Kubernetes manifests.
    #[command(after_help = RENDER_EXAMPLES)]
    Render(RenderArgs),
}

const RENDER_EXAMPLES: &str = "\
Examples:
  mcp-render render servers/                     # a YAML stream on stdout
  mcp-render render -n tools server.yaml         # namespace for servers without one
  kubectl get sts -A -o yaml > owners.yaml
  mcp-render render --owners owners.yaml servers/ # Services owned by the live StatefulSets
  cat server.yaml | mcp-render render --format json";

#[derive(Debug, Args)]
struct RenderArgs {
    /// Files or directories (recursively *.yaml, *.yml, *.json); `-` or nothing reads stdin.
    paths: Vec<PathBuf>,

    /// Namespace for MCPServers that set none; without it they get no namespace.
    #[arg(short, long, value_name = "NS")]
    namespace: Option<String>,

    /// `kubectl get statefulsets -o yaml|json` output (or an owners lock file) giving the
    /// live StatefulSets' UIDs for the Services' ownerReferences. Repeatable.
    #[arg(long, value_name = "FILE")]
    owners: Vec<PathBuf>,

    /// auto: ownerReferences where the UID is known, else none and a warning;
    /// require: a missing UID is an error; omit: never.
    #[arg(long, value_enum, default_value_t = OwnerRefs::Auto, value_name = "POLICY")]
    owner_refs: OwnerRefs,

    /// Stream format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    format: Format,

    /// Largest input file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_bytes)]
    max_file_size: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Render(args) => render(args),
    }
}

fn render(args: RenderArgs) -> ExitCode {
    let options = Options {
        inputs: args.paths,
        owners: args.owners,
        namespace: args.namespace,
        owner_refs: args.owner_refs,
        limits: Limits {
            max_file_bytes: args.max_file_size,
            ..Limits::default()
        },
    };
    let valid = match run::validate(&options, &mut std::io::stdin().lock()) {
        Ok(valid) => valid,
        Err(diagnostics) => return invalid(&diagnostics),
    };
    print_diagnostics(&valid.warnings);
    let stream = match run::stream(valid, args.format) {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let code = write_stdout(&stream);
    // The process ends here: freeing the text piece by piece would only cost time.
    std::mem::forget(stream);
    code
}

/// Prints every diagnostic and returns exit code 2.
fn invalid(diagnostics: &Diagnostics) -> ExitCode {
    print_diagnostics(diagnostics);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    eprintln!(
        "error: {errors} problem{} found; nothing was written",
        if errors == 1 { "" } else { "s" }
    );
    ExitCode::from(2)
}

fn print_diagnostics(diagnostics: &Diagnostics) {
    let mut stderr = std::io::stderr().lock();
    for diagnostic in diagnostics.clone().into_sorted() {
        let _ = writeln!(stderr, "{diagnostic}");
    }
}

/// Writes the finished stream to stdout. A closed pipe is not our error.
fn write_stdout(stream: &emit::Stream) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stream.write_to(&mut stdout).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            ExitCode::from(1)
        }
    }
}
