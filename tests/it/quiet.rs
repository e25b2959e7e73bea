//! Quiet when all is well: a warning that repeats (same field, same message) is printed for
//! its first 3 objects, then one line says how many more there are; `--all-warnings` prints
//! each; errors are always printed, each one.

use crate::util::mcp_render;

const STDIO: &str = "transport stdio: the pod speaks MCP only on its standard input and output";
/// What the summary quotes of [`STDIO`]: its first words.
const STDIO_QUOTED: &str = "transport stdio: the pod speaks MCP only on its standard…";

/// `n` MCPServers `s01`, `s02`, ... with `transport`, in one multi-document stream, each
/// with the lines of `extra` appended to its spec.
fn servers(n: usize, api_version: &str, transport: &str, extra: &str) -> String {
    (1..=n)
        .map(|i| {
            format!(
                "---\napiVersion: toolhive.stacklok.dev/{api_version}\nkind: MCPServer\nmetadata:\n  name: s{i:02}\nspec:\n  image: example.com/s:1\n  transport: {transport}\n{extra}"
            )
        })
        .collect()
}

fn stderr_lines(args: &[&str], input: String, github: bool) -> (i32, Vec<String>) {
    let mut command = mcp_render().args(args).stdin(input);
    if github {
        command = command.env("GITHUB_ACTIONS", "true");
    }
    let run = command.run();
    let lines = run.stderr.lines().map(str::to_string).collect();
    (run.code, lines)
}

/// The summary line for `more` warnings about `field` whose message starts with `quoted`.
fn summary(field: &str, quoted: &str, more: usize) -> String {
    format!(
        "warning: {field}the same warning (\"{quoted}\") at {more} more places; the first 3 are shown above, --all-warnings lists each"
    )
}

#[test]
fn ten_stdio_servers_print_three_warnings_and_one_summary() {
    let (code, lines) = stderr_lines(&["render"], servers(10, "v1beta1", "stdio", ""), false);
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(lines.len(), 4, "{lines:#?}");
    // The first three in sorted order, in full (each server is 8 lines, `transport:` the last).
    for (line, at) in lines.iter().zip([8, 16, 24]) {
        assert!(
            line.starts_with(&format!("<stdin>:{at}:3: warning: spec.transport: {STDIO}")),
            "{line}"
        );
    }
    assert_eq!(lines[3], summary("spec.transport: ", STDIO_QUOTED, 7));
}

#[test]
fn all_warnings_prints_each() {
    let input = servers(10, "v1beta1", "stdio", "");
    let (code, lines) = stderr_lines(&["render", "--all-warnings"], input, false);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 10, "{lines:#?}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains(": warning: spec.transport: transport stdio:")),
        "{lines:#?}"
    );
}

#[test]
fn four_repeats_are_printed_in_full() {
    // A summary in place of one line would save nothing.
    let (code, lines) = stderr_lines(&["render"], servers(4, "v1beta1", "stdio", ""), false);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(
        lines.iter().all(|l| l.starts_with("<stdin>:")),
        "{lines:#?}"
    );
}

#[test]
fn identical_errors_are_each_listed_and_their_warnings_summed_up() {
    // v1alpha1: a deprecation warning per object; `bogus`: the same error in each.
    let input = servers(10, "v1alpha1", "stdio", "  bogus: 1\n");
    let (code, lines) = stderr_lines(&["render"], input, false);
    assert_eq!(code, 2);
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(": spec.bogus: unknown field `bogus`"))
        .collect();
    assert_eq!(errors.len(), 10, "{lines:#?}");
    let deprecated = "toolhive.stacklok.dev/v1alpha1 is deprecated; use v1beta1";
    let warnings = lines
        .iter()
        .filter(|l| l.ends_with(&format!(": warning: {deprecated}")))
        .count();
    assert_eq!(warnings, 3, "{lines:#?}");
    assert_eq!(lines.len(), 10 + 3 + 2, "{lines:#?}");
    assert_eq!(lines[13], summary("", deprecated, 7));
    assert_eq!(lines[14], "error: 10 problems found; nothing was written");
}

#[test]
fn different_messages_are_not_merged() {
    // Five stdio servers (a transport warning each) and five v1alpha1 HTTP servers (a
    // deprecation warning each): two summaries, each with its own count.
    let input = || {
        let http = servers(5, "v1alpha1", "streamable-http", "");
        servers(5, "v1beta1", "stdio", "") + &http.replace("name: s0", "name: h0")
    };
    let (code, lines) = stderr_lines(&["render", "--owner-refs", "omit"], input(), false);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 3 + 3 + 2, "{lines:#?}");
    assert_eq!(lines[6], summary("spec.transport: ", STDIO_QUOTED, 2));
    let deprecated = "toolhive.stacklok.dev/v1alpha1 is deprecated; use v1beta1";
    assert_eq!(lines[7], summary("", deprecated, 2));
    let all = ["render", "--owner-refs", "omit", "--all-warnings"];
    let (_, all) = stderr_lines(&all, input(), false);
    assert_eq!(all.len(), 10, "{all:#?}");
}

#[test]
fn github_annotations_follow_the_same_lines() {
    let (code, lines) = stderr_lines(&["render"], servers(10, "v1beta1", "stdio", ""), true);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 8, "{lines:#?}");
    for (pair, at) in lines.chunks(2).zip([8, 16, 24]) {
        assert!(pair[0].starts_with(&format!("<stdin>:{at}:3: warning: ")));
        assert!(
            pair[1].starts_with(&format!(
                "::warning file=<stdin>,line={at},col=3::spec.transport: {STDIO}"
            )),
            "{}",
            pair[1]
        );
    }
    let summary = summary("spec.transport: ", STDIO_QUOTED, 7);
    assert_eq!(lines[6], summary);
    // The summary's annotation: the same text, on no file.
    assert_eq!(
        lines[7],
        format!("::warning::{}", summary.trim_start_matches("warning: "))
    );
    let (_, all) = stderr_lines(
        &["render", "--all-warnings"],
        servers(10, "v1beta1", "stdio", ""),
        true,
    );
    assert_eq!(all.len(), 20, "{all:#?}");
}

#[test]
fn every_command_that_warns_has_the_flag() {
    for command in ["render", "owners", "diff"] {
        let run = mcp_render().args([command, "--help"]).run();
        assert_eq!(run.code, 0);
        assert!(run.stdout().contains("--all-warnings"), "{command}");
        // The help says the numbers the tests above check.
        let help = run
            .stdout()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            help.contains(
                "when more than 4 warnings have the same field and message, the first 3 are printed"
            ),
            "{command}: {help}"
        );
    }
    // diff: a side that holds MCPServers (not a render) gets one warning per server.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let old = dir.path().join("old.yaml");
    std::fs::write(&old, servers(10, "v1beta1", "stdio", "")).expect("old side written");
    let old = old.to_string_lossy();
    let (_, lines) = stderr_lines(&["diff", &old, "-"], String::new(), false);
    let warnings = lines
        .iter()
        .filter(|l| l.contains("warning: kind:"))
        .count();
    assert_eq!(warnings, 4, "3 shown and a summary: {lines:#?}");
    let (_, lines) = stderr_lines(&["diff", "--all-warnings", &old, "-"], String::new(), false);
    let warnings = lines
        .iter()
        .filter(|l| l.contains("warning: kind:"))
        .count();
    assert_eq!(warnings, 10, "{lines:#?}");
}
