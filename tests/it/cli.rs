//! The built binary, as users and Argo CD run it: exit codes, stdout, stderr.

use std::process::Output;

use crate::util;

fn mcp_render(args: &[&str], stdin: &str) -> Output {
    util::mcp_render()
        .args(args)
        .stdin(stdin)
        .output()
        .expect("run mcp-render")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

const SERVER: &str = "\
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: demo
spec:
  image: example.com/demo:1
  transport: streamable-http
";

const OWNERS: &str = "fixtures/owners/with-owners.yaml";

#[test]
fn renders_a_fixture_with_exit_0() {
    let out = mcp_render(&["render", "fixtures/servers/sse.yaml"], "");
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("---\napiVersion: apps/v1\nkind: StatefulSet\n"));
    assert_eq!(stdout.matches("---\n").count(), 3);
    assert!(stdout.ends_with('\n') && !stdout.contains("\r"));
}

#[test]
fn invalid_input_exits_2_with_located_errors_and_empty_stdout() {
    let out = mcp_render(
        &[
            "render",
            "fixtures/servers/sse.yaml",
            "fixtures/invalid/unknown-fields.yaml",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on stdout on error");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(
        "fixtures/invalid/unknown-fields.yaml:9:3: spec.transprot: unknown field `transprot`; did you mean `transport`?\n"
    ));
    assert!(stderr.contains("fixtures/invalid/unknown-fields.yaml:10:3: spec.MCPPort:"));
    assert!(
        stderr.ends_with("error: 5 problems found; nothing was written\n"),
        "{stderr}"
    );
}

#[test]
fn every_invalid_fixture_fails_closed() {
    for entry in
        std::fs::read_dir(format!("{}/fixtures/invalid", env!("CARGO_MANIFEST_DIR"))).expect("dir")
    {
        let path = entry.expect("entry").path();
        let out = mcp_render(&["render", &path.to_string_lossy()], "");
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        assert!(out.stdout.is_empty(), "{}", path.display());
        let first = text(&out.stderr);
        let first = first.lines().next().unwrap_or_default().to_string();
        let (location, _) = first.split_once(": ").expect("located message");
        let parts: Vec<&str> = location.rsplitn(3, ':').collect();
        assert!(
            parts.len() == 3 && parts[0].parse::<u32>().is_ok() && parts[1].parse::<u32>().is_ok(),
            "{first}"
        );
    }
}

#[test]
fn reads_stdin_with_dash_or_no_path() {
    for args in [&["render"][..], &["render", "-"][..]] {
        let out = mcp_render(args, SERVER);
        assert_eq!(out.status.code(), Some(0));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("name: mcp-demo-headless\n"));
        assert!(text(&out.stderr).starts_with(
            "warning: 1 MCPServer with an HTTP transport: its Services are rendered without ownerReferences"
        ));
        assert_eq!(text(&out.stderr).lines().count(), 1);
    }
}

#[test]
fn namespace_flag_fills_in_only_missing_namespaces() {
    let out = mcp_render(
        &["render", "-n", "tools", "-", "fixtures/servers/sse.yaml"],
        SERVER,
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    // ServiceAccount `demo-sa`, the StatefulSet, two Services (sse.yaml names its account).
    assert_eq!(stdout.matches("  namespace: tools\n").count(), 4);
    assert_eq!(stdout.matches("  namespace: toolhive-system\n").count(), 3);
}

#[test]
fn owner_refs_auto_emits_known_uids_and_warns_for_the_rest() {
    let out = mcp_render(
        &[
            "render",
            "--owners",
            OWNERS,
            "fixtures/servers/with-owners.yaml",
            "fixtures/servers/nodeport.yaml",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout
            .matches("uid: 3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10\n")
            .count(),
        2
    );
    assert_eq!(stdout.matches("ownerReferences").count(), 2);
    let stderr = text(&out.stderr);
    // The owners warning, and the NodePort one (tests/parity.rs).
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(stderr.contains("no owners file gives the UID of StatefulSet mcp-tools/time"));
}

#[test]
fn owner_refs_require_fails_without_a_uid() {
    let out = mcp_render(
        &[
            "render",
            "--owner-refs",
            "require",
            "fixtures/servers/nodeport.yaml",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains(
        "fixtures/servers/nodeport.yaml:6:3: metadata.name: no owners file gives the UID of StatefulSet mcp-tools/time (--owner-refs require)"
    ));
    let ok = mcp_render(
        &[
            "render",
            "--owner-refs",
            "require",
            "--owners",
            OWNERS,
            "fixtures/servers/with-owners.yaml",
        ],
        "",
    );
    assert_eq!(ok.status.code(), Some(0));
    assert!(ok.stderr.is_empty());
}

#[test]
fn owner_refs_omit_never_emits_them() {
    let out = mcp_render(
        &[
            "render",
            "--owner-refs",
            "omit",
            "--owners",
            OWNERS,
            "fixtures/servers/with-owners.yaml",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(!text(&out.stdout).contains("ownerReferences"));
    assert!(out.stderr.is_empty());
}

#[test]
fn bad_owners_files_are_errors() {
    let out = mcp_render(
        &[
            "render",
            "--owners",
            "-",
            "fixtures/servers/with-owners.yaml",
        ],
        "mcp-tools/owned: 00000000-0000-0000-0000-000000000000\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains(
        "<stdin>:1:1: mcp-tools/owned: `00000000-0000-0000-0000-000000000000` is the nil UUID"
    ));

    let conflicting = "\
mcp-tools/owned: 3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10
";
    let out = mcp_render(
        &[
            "render",
            "--owners",
            OWNERS,
            "--owners",
            "-",
            "fixtures/servers/with-owners.yaml",
        ],
        conflicting,
    );
    assert_eq!(out.status.code(), Some(0), "the same UID twice is fine");
    let out = mcp_render(
        &[
            "render",
            "--owners",
            OWNERS,
            "--owners",
            "-",
            "fixtures/servers/with-owners.yaml",
        ],
        "mcp-tools/owned: 11111111-6b0d-4c39-9b9e-2d1f6c8a7e10\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("StatefulSet mcp-tools/owned has two different UIDs"));
}

#[test]
fn json_format_is_one_v1_list() {
    let out = mcp_render(
        &["render", "--format", "json", "fixtures/servers/sse.yaml"],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["kind"], "List");
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["StatefulSet", "Service", "Service"]);
}

#[test]
fn missing_files_and_bad_flags_exit_2() {
    let out = mcp_render(&["render", "does/not/exist.yaml"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).starts_with("does/not/exist.yaml:1:1: cannot read:"));
    let out = mcp_render(&["render", "--no-such-flag"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn empty_input_renders_nothing() {
    let out = mcp_render(&["render"], "# only a comment\n---\n");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.is_empty());
}
