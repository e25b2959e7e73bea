//! What every test module shares: the one way to run the binary, reading output back as
//! kubectl would, and the rule for tests that need an external tool.

use std::ffi::OsStr;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The built binary, run from the package root (so paths in messages are the relative ones
/// a test gives), with every variable that changes its behaviour removed from the inherited
/// environment: `GITHUB_ACTIONS` (set on every GitHub Actions runner: annotations), any
/// `ARGOCD_*` (plugin mode, flag defaults) and any `MCP_RENDER_*`. A test that wants one sets
/// it with [`McpRender::env`].
pub fn mcp_render() -> McpRender {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-render"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (name, _) in std::env::vars_os() {
        if behaviour_changing(&name) {
            command.env_remove(&name);
        }
    }
    McpRender {
        command,
        stdin: None,
    }
}

fn behaviour_changing(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name == "GITHUB_ACTIONS" || name.starts_with("ARGOCD_") || name.starts_with("MCP_RENDER_")
}

/// A run of the binary being set up; see [`mcp_render`].
pub struct McpRender {
    command: Command,
    stdin: Option<Vec<u8>>,
}

impl McpRender {
    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> McpRender
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Runs in `dir` instead of the package root.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> McpRender {
        self.command.current_dir(dir);
        self
    }

    /// Sets one variable for this run.
    pub fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> McpRender {
        self.command.env(name, value);
        self
    }

    /// Feeds `bytes` on standard input (otherwise stdin is `/dev/null`).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> McpRender {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs the same command with a terminal as its standard input (and output), through
    /// util-linux's `script`; standard input is then what [`McpRender::stdin`] gave, or
    /// nothing (the terminal sees end of input at once). `None` when `script` is missing
    /// (see [`have_tool`]).
    pub fn on_a_terminal(self) -> Option<McpRender> {
        if !have_tool("script", &["-qec", "true", "/dev/null"]) {
            return None;
        }
        let mut words = vec![mcp_render::shell_quote(
            &self.command.get_program().to_string_lossy(),
        )];
        let args = self.command.get_args();
        words.extend(args.map(|a| mcp_render::shell_quote(&a.to_string_lossy())));
        let mut command = Command::new("script");
        command.args(["-qec", &words.join(" "), "/dev/null"]);
        for (name, value) in self.command.get_envs() {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        if let Some(dir) = self.command.get_current_dir() {
            command.current_dir(dir);
        }
        Some(McpRender {
            command,
            stdin: Some(self.stdin.unwrap_or_default()),
        })
    }

    /// Runs to the end. Standard input is written from another thread, so a binary that
    /// stops reading early cannot deadlock the test.
    pub fn output(mut self) -> std::io::Result<Output> {
        let Some(input) = self.stdin else {
            return self.command.stdin(Stdio::null()).output();
        };
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let writer = std::thread::spawn(move || {
            // A binary that exits before reading everything closes the pipe: not an error.
            let _ = pipe.write_all(&input);
        });
        let output = child.wait_with_output();
        writer.join().expect("the stdin writer thread finishes");
        output
    }

    /// Runs to the end; the process must exit (not die of a signal).
    pub fn run(self) -> Run {
        let output = self.output().expect("mcp-render runs");
        Run {
            code: output
                .status
                .code()
                .expect("exited, not killed by a signal"),
            stdout: output.stdout,
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output, as bytes.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output as text.
    pub fn stdout(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("stdout is UTF-8")
    }
}

/// The objects of a YAML stream as kubectl reads them (our YAML 1.1 loader), in order.
pub fn read_back(yaml: &str) -> Vec<serde_json::Value> {
    mcp_render::read_yaml_stream("<output>", yaml).expect("the output is valid YAML")
}

/// True when `tool` runs (`tool ARGS` exits); for tests that need it. Without it, the test
/// is skipped with a note, except in CI (`CI` set), where a missing tool is a failure: a
/// check CI cannot run must not pass there.
pub fn have_tool(tool: &str, args: &[&str]) -> bool {
    let runs = Command::new(tool)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !runs {
        assert!(
            std::env::var_os("CI").is_none(),
            "`{tool}` is not on PATH, and CI is set: install it, this check must run in CI"
        );
        eprintln!("skipped: `{tool}` is not on PATH (CI would fail here)");
    }
    runs
}
