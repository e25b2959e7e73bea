//! What a change will do: `render --check` with its summary, `--report` and `--fail-on`, and
//! `mcp-render diff OLD NEW`, through the binary. The rules themselves are unit-tested in
//! `src/impact` and observed on a real API server in `tests/cluster/impact.rs`.

use std::path::Path;

use serde_json::Value;

use crate::util::{Run, mcp_render};

const FETCH: &str = "apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: fetch
  namespace: tools
spec:
  image: ghcr.io/stackloklabs/gofetch/server:1.0.1
  transport: streamable-http
";

/// A folder rendered from FETCH, and the input changed by `edit`.
fn rendered_then_edited(dir: &Path, edit: impl Fn(&str) -> String) {
    std::fs::write(dir.join("fetch.yaml"), FETCH).expect("write");
    let run = mcp_render()
        .current_dir(dir)
        .args(["render", "--owner-refs", "omit", "-o", "out", "fetch.yaml"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::write(dir.join("fetch.yaml"), edit(FETCH)).expect("write");
}

fn check(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["render", "--owner-refs", "omit", "-o", "out", "--check"];
    args.extend_from_slice(extra);
    args.push("fetch.yaml");
    mcp_render().current_dir(dir).args(args).run()
}

fn new_image(input: &str) -> String {
    input.replace("server:1.0.1", "server:1.0.2")
}

#[test]
fn check_prints_the_classes_before_the_diff() {
    let dir = tempfile::tempdir().expect("tempdir");
    rendered_then_edited(dir.path(), new_image);
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines[0],
        "what the change will do: 0 rejected, 0 delete, 1 rollout, 0 create, 0 in-place"
    );
    assert_eq!(
        lines[1],
        "  rollout  StatefulSet  tools/fetch  spec.template.spec.containers[0].image"
    );
    assert!(
        lines[2].starts_with("error: out is out of date: 1 changed"),
        "{}",
        run.stderr
    );
    // The fix it names has no gate flags.
    assert!(
        lines[2].ends_with("run `mcp-render render --owner-refs omit -o out fetch.yaml`"),
        "{}",
        lines[2]
    );
    assert!(
        run.stdout()
            .starts_with("--- a/out/tools/mcpserver-fetch.yaml")
    );
}

#[test]
fn fail_on_decides_the_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    rendered_then_edited(dir.path(), new_image);
    let allowed = check(dir.path(), &["--fail-on", "rejected"]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(
        allowed.stderr.contains("(no change fails --fail-on)"),
        "{}",
        allowed.stderr
    );
    assert_eq!(check(dir.path(), &["--fail-on", "rollout"]).code, 1);
    assert_eq!(check(dir.path(), &["--fail-on", "any"]).code, 1);
}

#[test]
fn a_moved_namespace_is_delete_and_create() {
    // A new namespace moves every object: a delete plus a create each.
    let dir = tempfile::tempdir().expect("tempdir");
    rendered_then_edited(dir.path(), |i| {
        i.replace("namespace: tools", "namespace: other")
    });
    let run = check(dir.path(), &["--report", "json", "--fail-on", "rejected"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_slice(&run.stdout).expect("JSON on stdout");
    let classes: Vec<(&str, &str, &str)> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or_default(),
                c["namespace"].as_str().unwrap_or_default(),
                c["class"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        classes,
        [
            ("Service", "other", "create"),
            ("Service", "other", "create"),
            ("Service", "tools", "delete"),
            ("Service", "tools", "delete"),
            ("ServiceAccount", "other", "create"),
            ("ServiceAccount", "tools", "delete"),
            ("StatefulSet", "other", "create"),
            ("StatefulSet", "tools", "delete"),
        ]
    );
    assert_eq!(
        report["changes"][7]["file"],
        "out/tools/mcpserver-fetch.yaml"
    );
    assert_eq!(
        check(dir.path(), &["--fail-on", "rollout"]).code,
        1,
        "a delete fails `rollout`"
    );
}

#[test]
fn github_annotations_carry_the_class() {
    let dir = tempfile::tempdir().expect("tempdir");
    rendered_then_edited(dir.path(), new_image);
    let run = mcp_render()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .args([
            "render",
            "--owner-refs",
            "omit",
            "-o",
            "out",
            "--check",
            "fetch.yaml",
        ])
        .run();
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("::warning"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(warnings[0].starts_with(
        "::warning file=out/tools/mcpserver-fetch.yaml,line=1::rollout: StatefulSet tools/fetch"
    ));
}

#[test]
fn markdown_report_is_a_pull_request_comment() {
    let dir = tempfile::tempdir().expect("tempdir");
    rendered_then_edited(dir.path(), new_image);
    let run = check(dir.path(), &["--report", "markdown"]);
    assert_eq!(run.code, 1);
    let text = run.stdout();
    assert!(
        text.starts_with("### mcp-render: what this change will do\n"),
        "{text}"
    );
    assert!(text.contains("| rollout | 1 |"), "{text}");
    assert!(
        text.contains(
            "| **rollout** | StatefulSet `tools/fetch` | `spec.template.spec.containers[0].image` |"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "<details><summary>Diff</summary>\n\n```diff\n--- a/out/tools/mcpserver-fetch.yaml"
        ),
        "{text}"
    );
}

#[test]
fn report_needs_check() {
    let run = mcp_render()
        .args(["render", "--report", "json", "-"])
        .stdin(FETCH)
        .run();
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("--report and --fail-on need --check"),
        "{}",
        run.stderr
    );
}

fn render_to(dir: &Path, name: &str, input: &str) -> std::path::PathBuf {
    let run = mcp_render()
        .args(["render", "--owner-refs", "omit", "-"])
        .stdin(input)
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = dir.join(name);
    std::fs::write(&path, &run.stdout).expect("write");
    path
}

#[test]
fn diff_compares_two_renders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = render_to(dir.path(), "old.yaml", FETCH);
    let new = render_to(
        dir.path(),
        "new.yaml",
        &new_image(FETCH).replace("streamable-http", "sse"),
    );
    let run = mcp_render()
        .args(["diff", "--report", "json"])
        .args([&old, &new])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_slice(&run.stdout).expect("JSON");
    let summary: Vec<String> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c["kind"].as_str().unwrap_or_default(),
                c["name"].as_str().unwrap_or_default(),
                c["class"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "Service mcp-fetch in-place",
            "Service mcp-fetch-headless in-place",
            // Its labels name the transport.
            "ServiceAccount fetch-sa in-place",
            "StatefulSet fetch rollout",
        ]
    );
    // The same from stdin, and the text report: summary on stderr, a diff per object.
    let text = mcp_render()
        .args(["diff".as_ref(), old.as_os_str(), "-".as_ref()])
        .stdin(std::fs::read(&new).expect("read"))
        .run();
    assert_eq!(text.code, 1);
    assert!(
        text.stderr.starts_with(
            "what the change will do: 0 rejected, 0 delete, 1 rollout, 0 create, 3 in-place\n"
        ),
        "{}",
        text.stderr
    );
    assert!(
        text.stdout()
            .contains("--- a/StatefulSet/tools/fetch\n+++ b/StatefulSet/tools/fetch\n"),
        "{}",
        text.stdout()
    );
    // Equal renders: exit 0, nothing to report.
    let same = mcp_render().args(["diff"]).args([&old, &old]).run();
    assert_eq!(same.code, 0, "{}", same.stderr);
    assert!(same.stdout.is_empty());
}

#[test]
fn diff_refuses_bad_input() {
    let run = mcp_render().args(["diff", "-", "-"]).run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("only one of OLD and NEW can be `-`"),
        "{}",
        run.stderr
    );
    let broken = mcp_render()
        .args(["diff", "-", "Cargo.toml"])
        .stdin("a: [")
        .run();
    assert_eq!(broken.code, 2, "{}", broken.stderr);
    assert!(broken.stdout.is_empty());
    // MCPServer files are inputs, not renders: said once per object, still compared.
    let inputs = mcp_render()
        .args(["diff", "-", "fixtures/servers/sse.yaml"])
        .stdin(FETCH)
        .run();
    assert_eq!(
        inputs
            .stderr
            .matches("`mcp-render diff` compares renders")
            .count(),
        2,
        "{}",
        inputs.stderr
    );
}
