//! The `mcp-render` command line: flags in ([`cli`]), one library call per command
//! ([`run`]), and one place ([`Failure::report`]) that turns every failure into stderr and
//! an exit code.
//!
//! Exit codes: 0 success; 1 `--check` found drift, or the output could not be written;
//! 2 invalid input or usage. On any error nothing is written to stdout.

mod cli;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use mcp_render::dir::{self, DirError};
use mcp_render::{Diagnostics, Error, InitError, Options, github, impact, init, plugin};
use mcp_render::{WriteError, WriteSink};
use mcp_render::{schema, shell_quote};

use cli::{
    Cli, Command, DiffArgs, Gate, InitCommand, InitOutput, OwnersArgs, RenderArgs, ReportArg,
};

// mimalloc: the pipeline allocates millions of small strings and vectors; it is about a
// quarter faster than the system allocator here (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `MCP_RENDER_THREADS=N`: how many worker threads the pipeline uses (`1`: a sequential run;
/// benchmarks compare with it). Default: what the machine offers, CPU quotas respected.
const THREADS_VAR: &str = "MCP_RENDER_THREADS";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let threads = std::env::var(THREADS_VAR).ok();
    if let Some(n) = threads.and_then(|v| v.trim().parse::<usize>().ok()) {
        // 0 is rayon's "the default". Only fails when a pool exists already, which it cannot.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    } else if is_small_render(&cli.command) {
        // This thread is the pool's only one: no thread is started, nothing waits for one.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build_global();
    }
    let env = Env {
        github: github::enabled(std::env::var(github::ENV).ok().as_deref()),
        argocd: plugin::in_argocd(std::env::var(plugin::APP_NAME).ok().as_deref()),
        args: std::env::args_os().collect(),
        all_warnings: cli.command.all_warnings(),
    };
    match run(cli, &env) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(&env),
    }
}

/// What the binary reads from its environment, read once in [`main`].
struct Env {
    /// `GITHUB_ACTIONS=true`: also print errors and drift as workflow annotations.
    github: bool,
    /// `ARGOCD_APP_NAME` is set: we run as an Argo CD plugin.
    argocd: bool,
    /// The command line (for the command that fixes drift).
    args: Vec<OsString>,
    /// `--all-warnings`: print each warning, also the ones that repeat.
    all_warnings: bool,
}

/// Every way a command fails; [`Failure::report`] prints it and gives the exit code.
enum Failure {
    /// Invalid input: the diagnostics, each group sorted, then a count. Exit 2.
    Invalid(Vec<Diagnostics>),
    /// Refused before reading anything (a bad combination of paths). Exit 2.
    Usage(String),
    /// Refused, nothing written: every reason. Exit 2.
    Refused(Vec<String>),
    /// A directory could not be read or written; it is unchanged. Exit `code`.
    Dir(DirError, u8),
    /// `--check` found drift: the annotations (with `GITHUB_ACTIONS`) and the summary. Exit 1.
    Drift {
        /// Workflow annotations, one per file.
        annotations: Vec<String>,
        /// The one-line summary.
        summary: String,
        /// Writing the diff to stdout failed (after the summary).
        stdout: Option<Box<Failure>>,
    },
    /// The output could not be made or written. Exit 1.
    Output(String),
    /// `diff` found changes that `--fail-on` counts (the report is out). Exit 1.
    Changes(usize),
    /// Everything was said already (`fn` writes its results itself). Exit with the code.
    Exit(u8),
}

impl Failure {
    /// The one place failures reach stderr and the exit code.
    fn report(self, env: &Env) -> ExitCode {
        let mut stderr = std::io::stderr().lock();
        let code = match self {
            Failure::Invalid(groups) => {
                let mut errors = 0;
                for diagnostics in groups {
                    errors += diagnostics.iter().filter(|d| d.is_error()).count();
                    print_diagnostics(&mut stderr, &diagnostics, env);
                }
                let s = if errors == 1 { "" } else { "s" };
                let _ = writeln!(
                    stderr,
                    "error: {errors} problem{s} found; nothing was written"
                );
                2
            }
            Failure::Usage(why) => {
                let _ = writeln!(stderr, "error: {why}");
                2
            }
            Failure::Refused(reasons) | Failure::Dir(DirError::Refused(reasons), _) => {
                for reason in reasons {
                    let _ = writeln!(stderr, "error: {reason}");
                }
                let _ = writeln!(stderr, "error: nothing was written");
                2
            }
            Failure::Dir(e, code) => {
                let _ = writeln!(stderr, "error: {e}; the directory is unchanged");
                code
            }
            Failure::Drift {
                annotations,
                summary,
                stdout,
            } => {
                for annotation in annotations {
                    let _ = writeln!(stderr, "{annotation}");
                }
                let _ = writeln!(stderr, "error: {summary}");
                drop(stderr);
                if let Some(failure) = stdout {
                    failure.report(env);
                }
                return ExitCode::from(1);
            }
            Failure::Output(message) => {
                let _ = writeln!(stderr, "error: {message}");
                1
            }
            Failure::Exit(code) => code,
            Failure::Changes(n) => {
                let s = if n == 1 { "" } else { "s" };
                let _ = writeln!(
                    stderr,
                    "{n} object{s} change{}",
                    if n == 1 { "s" } else { "" }
                );
                1
            }
        };
        ExitCode::from(code)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        match e {
            Error::Invalid(diagnostics) => Failure::Invalid(vec![diagnostics]),
            Error::Empty { warnings, refusal } => {
                let mut refused = Diagnostics::new();
                refused.push(refusal);
                Failure::Invalid(vec![warnings, refused])
            }
            Error::Emit(e) => Failure::Output(e.to_string()),
        }
    }
}

impl From<InitError> for Failure {
    fn from(e: InitError) -> Failure {
        match e {
            InitError::Invalid(reasons) => Failure::Refused(reasons),
            e => Failure::Output(e.to_string()),
        }
    }
}

/// Runs one command.
fn run(cli: Cli, env: &Env) -> Result<(), Failure> {
    match cli.command {
        Command::Render(args) => render(&args, env),
        Command::Init(InitCommand::Argocd(args)) => {
            write_scaffold(init::argocd(&(&args).into()), &args.output, "argocd")
        }
        Command::Init(InitCommand::Flux(args)) => {
            write_scaffold(init::flux(&(&args).into()), &args.output, "flux")
        }
        Command::Owners(args) => owners(&args, env),
        Command::Diff(args) => diff(&args, env),
        Command::Fn => krm_fn(),
        Command::ArgocdParameters { paths } => argocd_parameters(paths),
        Command::Schema => write_stdout(schema::to_string().as_bytes()),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mcp-render", &mut out);
            write_stdout(&out)
        }
    }
}

fn render(args: &RenderArgs, env: &Env) -> Result<(), Failure> {
    let mut options = Options::from(args);
    options.argocd = env.argocd;
    if let Some(path) = &args.crd {
        options.crd = Some(load_crd(path)?);
    }
    // Argo CD plugin parameters fill in what neither a flag nor its ARGOCD_ENV_* variable
    // gives; then the Application's destination namespace.
    let parameters = plugin::Parameters::read(&|name| std::env::var(name).ok()).map_err(|d| {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(d);
        Failure::Invalid(vec![diagnostics])
    })?;
    if args.owner_refs.is_none()
        && let Some(text) = &parameters.owner_refs
    {
        options.owner_refs = mcp_render::OwnerRefs::from_name(text).ok_or_else(|| {
            Failure::Usage(format!(
                "parameter `{}`: `{text}` is not auto, require or omit",
                plugin::PARAM_OWNER_REFS
            ))
        })?;
    }
    if options.namespace.is_none() {
        options.namespace = parameters.namespace.filter(|ns| !ns.is_empty());
    }
    if options.namespace.is_none() && env.argocd {
        options.namespace = std::env::var(plugin::APP_NAMESPACE)
            .ok()
            .filter(|ns| !ns.is_empty());
    }
    options.allow_empty |= parameters.allow_empty;
    if args.gate.is_set() && !args.check {
        return Err(Failure::Usage(
            "--report and --fail-on need --check".to_string(),
        ));
    }
    say_when_reading_a_terminal(&args.paths, "MCPServer YAML or JSON", "render servers/");
    let stdin = &mut std::io::stdin().lock();
    let Some(dir) = &args.output_dir else {
        let valid = mcp_render::prepare(&options, stdin)?;
        print_warnings(&valid.warnings, env);
        return write_stream(valid, args.format.into());
    };
    if let Some(why) = dir::overlaps_inputs(dir, &options.inputs) {
        return Err(Failure::Usage(why));
    }
    // DIR is listed while the plan is finished, on the other core (`plan_dir_alongside`).
    let (plan, listing) = mcp_render::plan_dir_alongside(&options, stdin, || dir::list(dir))?;
    print_warnings(&plan.warnings, env);
    let done = if args.check {
        check_dir(dir, &plan.files, listing, &args.gate, env)
    } else {
        write_dir(dir, &plan.files, listing)
    };
    // The process ends next: freeing every planned file one by one (10,000 strings for
    // 10,000 servers, about 2 ms) would only delay the exit; the system takes the memory back
    // whole.
    std::mem::forget(plan);
    done
}

fn write_dir(
    dir: &Path,
    files: &dir::Files,
    listing: Result<dir::Listing, DirError>,
) -> Result<(), Failure> {
    let report = listing
        .and_then(|listing| dir::write_listed(dir, files, listing))
        .map_err(|e| Failure::Dir(e, 1))?;
    if report.is_noop() {
        eprintln!("{}: up to date ({} files)", dir.display(), files.len());
    } else {
        eprintln!(
            "{}: wrote {} file{}, removed {}, {} unchanged",
            dir.display(),
            report.written.len(),
            if report.written.len() == 1 { "" } else { "s" },
            report.removed.len(),
            report.unchanged
        );
    }
    Ok(())
}

fn check_dir(
    dir: &Path,
    files: &dir::Files,
    listing: Result<dir::Listing, DirError>,
    gate: &Gate,
    env: &Env,
) -> Result<(), Failure> {
    let label = dir.to_string_lossy();
    let drift = listing
        .and_then(|listing| dir::check_listed(dir, &label, files, listing))
        .map_err(|e| Failure::Dir(e, 2))?;
    if drift.is_clean() {
        if gate.report() == ReportArg::Json {
            write_stdout(impact::json(&[]).as_bytes())?;
        }
        eprintln!("{label}: up to date ({} files)", drift.planned);
        return Ok(());
    }
    let changes = impact::changes_of_drift(&label, &drift, files)
        .map_err(|diagnostics| Failure::Invalid(vec![diagnostics]))?;
    let rerender = rerender_command(&env.args);
    let fails = match gate.fail_on() {
        // Any drift, also one that changes no object (a file's header, the index).
        impact::FailOn::Any => true,
        level => level.fails(&changes),
    };
    let mut annotations = Vec::new();
    if env.github {
        if fails {
            annotations.extend(
                drift
                    .files
                    .iter()
                    .map(|file| github::drift(&label, file, &rerender)),
            );
        }
        annotations.extend(impact::github(&changes));
    }
    let written = report_changes(&changes, &drift.diff(), gate.report());
    let (changed, missing, stale) = drift.counts();
    let summary = format!(
        "{label} is out of date: {changed} changed, {missing} missing, {stale} stale; run `{rerender}`"
    );
    if !fails {
        print_annotations(&annotations);
        written?;
        eprintln!("{summary} (no change fails --fail-on)");
        return Ok(());
    }
    Err(Failure::Drift {
        annotations,
        summary,
        stdout: written.err().map(Box::new),
    })
}

/// Prints the report of `changes` as `--report` asks: the summary on stderr and `diff` on
/// stdout, or a JSON or Markdown report on stdout.
fn report_changes(
    changes: &[impact::Change],
    diff: &str,
    report: ReportArg,
) -> Result<(), Failure> {
    match report {
        ReportArg::Text => {
            eprint!("{}", impact::summary(changes));
            write_stdout(diff.as_bytes())
        }
        ReportArg::Json => write_stdout(impact::json(changes).as_bytes()),
        ReportArg::Markdown => {
            let text =
                impact::markdown(changes, diff).map_err(|e| Failure::Output(e.to_string()))?;
            write_stdout(text.as_bytes())
        }
    }
}

fn print_annotations(annotations: &[String]) {
    let mut stderr = std::io::stderr().lock();
    for annotation in annotations {
        let _ = writeln!(stderr, "{annotation}");
    }
}

/// `--crd FILE`: the CRD to check against instead of the built-in one, kept for the whole run.
/// A CEL rule mcp-render has no implementation of is said once and not checked.
fn load_crd(path: &Path) -> Result<&'static mcp_render::Crd, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("{}: --crd: {e}", path.display())))?;
    let crd = mcp_render::parse::crd::generate::load(&text)
        .map_err(|e| Failure::Usage(format!("{}: --crd: {e}", path.display())))?;
    for message in mcp_render::parse::crd::generate::unimplemented_rules(&crd) {
        eprintln!(
            "{}: warning: the CEL rule \"{message}\" is not checked (mcp-render has no implementation of it)",
            path.display()
        );
    }
    // One CRD per process, read once: leaking it gives the `'static` the parse options hold.
    Ok(Box::leak(Box::new(crd)))
}

/// `mcp-render argocd-parameters`: what `plugin.yaml`'s `parameters.dynamic` prints.
fn argocd_parameters(paths: Vec<PathBuf>) -> Result<(), Failure> {
    let options = Options {
        inputs: if paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            paths
        },
        owner_refs: mcp_render::OwnerRefs::Omit,
        ..Options::default()
    };
    let servers = mcp_render::server_names(&options)?;
    write_stdout(plugin::dynamic_parameters(&servers).as_bytes())
}

/// `mcp-render fn`: stdin to [`mcp_render::krm::run`], its output to stdout and stderr.
fn krm_fn() -> Result<(), Failure> {
    let limits = mcp_render::Limits::default();
    let mut input = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::io::stdin().lock(), limits.max_file_bytes + 1),
        &mut input,
    )
    .map_err(|e| Failure::Output(format!("cannot read stdin: {e}")))?;
    let outcome = mcp_render::krm::run(input, &limits);
    for line in &outcome.stderr {
        eprintln!("{line}");
    }
    write_stdout(outcome.stdout.as_bytes())?;
    match outcome.code {
        0 => Ok(()),
        code => Err(Failure::Exit(code)),
    }
}

/// `mcp-render diff OLD NEW`.
fn diff(args: &DiffArgs, env: &Env) -> Result<(), Failure> {
    if args.old.as_os_str() == "-" && args.new.as_os_str() == "-" {
        return Err(Failure::Usage(
            "only one of OLD and NEW can be `-` (stdin)".to_string(),
        ));
    }
    let limits = mcp_render::Limits::default();
    let stdin = &mut std::io::stdin().lock();
    let mut read = |path: &PathBuf| {
        impact::read(std::slice::from_ref(path), stdin, &limits)
            .map_err(|diagnostics| Failure::Invalid(vec![diagnostics]))
    };
    let (old, old_warnings) = read(&args.old)?;
    let (new, new_warnings) = read(&args.new)?;
    print_warnings(&old_warnings, env);
    print_warnings(&new_warnings, env);
    let changes = impact::compare(&old, &new);
    if env.github {
        print_annotations(&impact::github(&changes));
    }
    let text =
        impact::object_diff(&old, &new, &changes).map_err(|e| Failure::Output(e.to_string()))?;
    report_changes(&changes, &text, args.gate.report())?;
    if args.gate.fail_on().fails(&changes) {
        return Err(Failure::Changes(changes.len()));
    }
    Ok(())
}

/// This very command line without `--check` and the gate's flags: what fixes the drift.
fn rerender_command(args: &[OsString]) -> String {
    let mut words = vec!["mcp-render".to_string()];
    let mut args = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        match &*arg {
            "--check" => {}
            // The value follows as the next word.
            "--report" | "--fail-on" => {
                args.next();
            }
            a if a.starts_with("--report=") || a.starts_with("--fail-on=") => {}
            a => words.push(shell_quote(a)),
        }
    }
    words.join(" ")
}

fn write_scaffold(
    files: Result<init::Files, InitError>,
    output: &InitOutput,
    default_dir: &str,
) -> Result<(), Failure> {
    let dir = output
        .output_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(default_dir));
    for path in init::write_new(&dir, &files?, output.force)? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn owners(args: &OwnersArgs, env: &Env) -> Result<(), Failure> {
    let limits = mcp_render::Limits::default();
    say_when_reading_a_terminal(
        &args.paths,
        "`kubectl get statefulsets -o yaml` output",
        "owners sts.yaml",
    );
    let lock = mcp_render::owners_lock(&args.paths, &mut std::io::stdin().lock(), &limits)?;
    print_warnings(&lock.warnings, env);
    let s = if lock.statefulsets == 1 { "" } else { "s" };
    eprintln!("{} StatefulSet{s}", lock.statefulsets);
    let Some(path) = &args.output else {
        return write_stdout(lock.text.as_bytes());
    };
    mcp_render::write_file_atomically(path, lock.text.as_bytes(), 0o644)
        .map_err(|e| Failure::Output(format!("{}: {e}", path.display())))
}

/// A command that reads stdin (no path, or `-`) from a terminal would wait in silence for
/// input the user may not know it wants: say what it reads and how to end it.
fn say_when_reading_a_terminal(paths: &[PathBuf], what: &str, example: &str) {
    use std::io::IsTerminal;
    let reads_stdin = paths.is_empty() || paths.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin && std::io::stdin().is_terminal() {
        let end = if cfg!(windows) {
            "Ctrl-Z, Enter"
        } else {
            "Ctrl-D"
        };
        eprintln!(
            "mcp-render: reading {what} from stdin (no path given); paste it and end with {end}, or give a path: mcp-render {example}"
        );
    }
}

fn print_warnings(warnings: &Diagnostics, env: &Env) {
    print_diagnostics(&mut std::io::stderr().lock(), warnings, env);
}

/// Prints `diagnostics` sorted, a warning that repeats summed up after its first few unless
/// `--all-warnings` ([`Diagnostics::to_print`]), each line followed by its annotation with
/// `GITHUB_ACTIONS`.
fn print_diagnostics(stderr: &mut dyn Write, diagnostics: &Diagnostics, env: &Env) {
    // Buffered: stderr is not, and a message is written in many small pieces (one write(2)
    // per piece: 1.2 million for the 3,453 stdio warnings of the 10,000-server corpus).
    let mut out = std::io::BufWriter::new(stderr);
    for diagnostic in diagnostics.clone().to_print(env.all_warnings) {
        let _ = writeln!(out, "{diagnostic}");
        if env.github {
            let _ = writeln!(out, "{}", github::diagnostic(&diagnostic));
        }
    }
    let _ = out.flush();
}

/// Inputs smaller than this render on the main thread alone: starting the pool's threads
/// (and their waking and spinning) costs more than they save. 256 KiB is about 200 servers,
/// 25 ms of work; one server takes well under a millisecond of it (BENCHMARKS.md).
const SMALL_INPUT_BYTES: u64 = 256 * 1024;

/// `render` of regular files (not stdin, not folders: their size is not known before
/// reading) that are [`SMALL_INPUT_BYTES`] in all.
fn is_small_render(command: &Command) -> bool {
    let Command::Render(args) = command else {
        return false;
    };
    let mut total = 0;
    for path in &args.paths {
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_file() && path.as_os_str() != "-" => {
                total += metadata.len()
            }
            _ => return false,
        }
    }
    !args.paths.is_empty() && total < SMALL_INPUT_BYTES
}

/// Renders `valid` onto stdout as it goes (the stream is never held whole; see
/// [`mcp_render::write_stream`]). Only writing can fail here, or a bug in serialising: either
/// way after part of the stream may be out, so the message says it is incomplete.
fn write_stream(valid: mcp_render::Valid, format: mcp_render::Format) -> Result<(), Failure> {
    let mut sink = WriteSink::new(std::io::stdout().lock());
    let result = mcp_render::write_stream(valid, format, &mut sink);
    let result = match result {
        Ok(()) => sink.flush(),
        Err(WriteError::Output(e)) => Err(e),
        Err(WriteError::Emit(e)) => {
            let _ = sink.flush();
            return Err(Failure::Output(incomplete(&e.to_string(), sink.written())));
        }
    };
    stdout_written(result).map_err(|failure| match failure {
        Failure::Output(why) => Failure::Output(incomplete(&why, sink.written())),
        other => other,
    })
}

/// A failure after `written` bytes of the stream went out.
fn incomplete(why: &str, written: u64) -> String {
    if written == 0 {
        why.to_string()
    } else {
        format!(
            "{why}; the {written} bytes already on stdout are an incomplete render: do not apply them"
        )
    }
}

/// Writes all of stdout at once.
fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout_written(stdout.write_all(bytes).and_then(|()| stdout.flush()))
}

/// The result of a write to stdout. A closed pipe is not our error.
fn stdout_written(result: std::io::Result<()>) -> Result<(), Failure> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Output(format!("cannot write to stdout: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(args: &[&str]) -> Command {
        let mut words = vec!["mcp-render"];
        words.extend_from_slice(args);
        Cli::try_parse_from(words)
            .unwrap_or_else(|e| panic!("{e}"))
            .command
    }

    #[test]
    fn only_small_regular_files_render_on_the_main_thread_alone() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let small = dir.path().join("small.yaml");
        let big = dir.path().join("big.yaml");
        std::fs::write(&small, "a: b\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&big, vec![b'#'; SMALL_INPUT_BYTES as usize])
            .unwrap_or_else(|e| panic!("{e}"));
        let (small, big) = (small.to_string_lossy(), big.to_string_lossy());
        let folder = dir.path().to_string_lossy();
        assert!(is_small_render(&command(&["render", &small])));
        assert!(is_small_render(&command(&["render", &small, "-o", "out"])));
        // Together at the limit: not small.
        assert!(!is_small_render(&command(&["render", &big])));
        assert!(!is_small_render(&command(&["render", &small, &big])));
        // Sizes not known before reading: stdin, folders, missing paths.
        assert!(!is_small_render(&command(&["render"])));
        assert!(!is_small_render(&command(&["render", "-"])));
        assert!(!is_small_render(&command(&["render", &folder])));
        assert!(!is_small_render(&command(&[
            "render",
            "/no/such/file.yaml"
        ])));
        // Other commands keep the pool.
        assert!(!is_small_render(&command(&["owners", &small])));
    }

    #[test]
    fn a_failure_after_output_says_the_output_is_incomplete() {
        assert_eq!(
            incomplete("cannot write to stdout: full", 0),
            "cannot write to stdout: full"
        );
        assert_eq!(
            incomplete("cannot write to stdout: full", 262_144),
            "cannot write to stdout: full; the 262144 bytes already on stdout are an incomplete render: do not apply them"
        );
    }
}
