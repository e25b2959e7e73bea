#![cfg(unix)]
//! GitOps delivery (issue 3): directory output, the `--check` drift gate, Argo CD plugin mode,
//! `init` scaffolds, the owners lock file, `schema`, completions and help. Most tests run the
//! built binary in a temporary directory, with relative paths so output bytes are stable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use mcp_render::dir;

use crate::util::{self, McpRender, have_tool};

const TOOLS: &str = "\
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: fetch
  namespace: tools
spec:
  image: ghcr.io/stackloklabs/gofetch/server:1.0.1
  transport: streamable-http
  mcpPort: 8080
---
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: time
  namespace: tools
spec:
  image: mcp/time:latest
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: fetch-config
  namespace: tools
data:
  enabled: \"yes\"
  ratio: \"1_000\"
";

const OTHER: &str = "\
apiVersion: toolhive.stacklok.dev/v1alpha1
kind: MCPServer
metadata:
  name: github
  namespace: dev
spec:
  image: ghcr.io/github/github-mcp-server:v0.1
  transport: sse
  proxyPort: 9090
  mcpPort: 9091
---
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: notes
spec:
  image: example.com/notes:1
---
apiVersion: v1
kind: Namespace
metadata:
  name: tools
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:mcp:reader
rules: []
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web
  namespace: dev
spec:
  secretName: web
---
apiVersion: example.com/v1
kind: Certificate
metadata:
  name: web
  namespace: dev
spec: {}
";

const LIVE_STATEFULSETS: &str = r#"{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"apiVersion": "apps/v1", "kind": "StatefulSet",
     "metadata": {"name": "github", "namespace": "dev", "uid": "5b7c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e11",
                  "labels": {"toolhive": "true"}},
     "spec": {"serviceName": "github"}},
    {"apiVersion": "apps/v1", "kind": "StatefulSet",
     "metadata": {"name": "fetch", "namespace": "tools", "uid": "3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10"},
     "spec": {"serviceName": "fetch"}}
  ]
}
"#;

/// A temporary work directory with `servers/tools.yaml` and `servers/other.yaml`.
fn workspace() -> tempfile::TempDir {
    let temp = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(temp.path().join("servers")).expect("mkdir");
    std::fs::write(temp.path().join("servers/tools.yaml"), TOOLS).expect("write");
    std::fs::write(temp.path().join("servers/other.yaml"), OTHER).expect("write");
    temp
}

/// The binary, in `cwd` ([`util::mcp_render`]: no inherited variable changes what it does).
fn mcp_render(cwd: &Path) -> McpRender {
    util::mcp_render().current_dir(cwd)
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    mcp_render(cwd).args(args).output().expect("run mcp-render")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

/// Every entry below `root`: files with their bytes, symlinks as `-> target`, directories as
/// `/`. Hidden siblings are not below `root`, so they do not show.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, rel: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut names: Vec<_> = std::fs::read_dir(root.join(rel))
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        names.sort();
        for name in names {
            let rel = rel.join(name);
            let path = root.join(&rel);
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let key = rel.to_string_lossy().into_owned();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).expect("read_link");
                out.insert(key, format!("-> {}", target.display()).into_bytes());
            } else if meta.is_dir() {
                out.insert(format!("{key}/"), Vec::new());
                walk(root, &rel, out);
            } else {
                out.insert(key, std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, Path::new(""), &mut out);
    out
}

/// The tree as text: `==> path <==` then the content, for snapshots.
fn tree_text(root: &Path) -> String {
    tree(root)
        .into_iter()
        .filter(|(path, _)| !path.ends_with('/'))
        .map(|(path, bytes)| format!("==> {path} <==\n{}", String::from_utf8_lossy(&bytes)))
        .collect()
}

/// The objects of a YAML stream as kubectl reads them (YAML 1.1), sorted.
fn objects(yaml: &str) -> Vec<serde_json::Value> {
    let mut objects = util::read_back(yaml);
    objects.sort_by_key(|o| o.to_string());
    objects
}

/// The objects of every manifest file in a rendered folder (not the index).
fn folder_objects(root: &Path) -> Vec<serde_json::Value> {
    let text: String = tree(root)
        .into_iter()
        .filter(|(path, _)| path.ends_with(".yaml") && path != dir::INDEX_FILE)
        .map(|(_, bytes)| String::from_utf8(bytes).expect("utf-8"))
        .collect();
    objects(&text)
}

fn snapshot(name: &str, value: &str) {
    let name = format!("gitops__{name}");
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, value);
    });
}

// ---------------------------------------------------------------------------------------------
// Directory output

#[test]
fn directory_render_writes_one_file_per_server_and_object() {
    let ws = workspace();
    let out = run(ws.path(), &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "",
        "a directory render prints nothing on stdout"
    );
    let rendered = ws.path().join("rendered");
    let paths: Vec<String> = tree(&rendered).into_keys().collect();
    assert_eq!(
        paths,
        [
            "_no-namespace/",
            "_no-namespace/clusterrole-system%3Amcp%3Areader.yaml",
            "_no-namespace/mcpserver-notes.yaml",
            "_no-namespace/namespace-tools.yaml",
            "dev/",
            "dev/certificate.cert-manager.io-web.yaml",
            "dev/certificate.example.com-web.yaml",
            "dev/mcpserver-github.yaml",
            "kustomization.yaml",
            "tools/",
            "tools/configmap-fetch-config.yaml",
            "tools/mcpserver-fetch.yaml",
            "tools/mcpserver-time.yaml",
        ]
    );
    snapshot("directory_render", &tree_text(&rendered));
}

#[test]
fn every_file_names_its_source_and_the_index_lists_every_file() {
    let ws = workspace();
    let out = run(ws.path(), &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let files = tree(&ws.path().join("rendered"));
    let index = String::from_utf8_lossy(&files["kustomization.yaml"]).into_owned();
    let mut listed = Vec::new();
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".yaml")) {
        let text = String::from_utf8_lossy(bytes);
        let first = text.lines().next().unwrap_or_default();
        assert!(dir::is_generated(first.as_bytes()), "{path}: {first}");
        if path != "kustomization.yaml" {
            assert!(
                first.ends_with("from servers/tools.yaml. Do not edit; re-render instead.")
                    || first.ends_with("from servers/other.yaml. Do not edit; re-render instead."),
                "{path}: {first}"
            );
            listed.push(format!("  - \"{path}\""));
        }
    }
    let resources: Vec<&str> = index
        .lines()
        .skip_while(|l| *l != "resources:")
        .skip(1)
        .collect();
    assert_eq!(resources, listed, "sorted, complete resources list");
}

#[test]
fn the_folder_holds_exactly_the_objects_of_the_stream() {
    let ws = workspace();
    let stream = run(ws.path(), &["render", "servers/"]);
    assert_eq!(code(&stream), Some(0), "{}", stderr(&stream));
    let out = run(ws.path(), &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let from_stream = objects(&stdout(&stream));
    assert_eq!(
        from_stream.len(),
        17,
        "4 ServiceAccounts, 4 StatefulSets, 4 Services, 5 others"
    );
    assert_eq!(folder_objects(&ws.path().join("rendered")), from_stream);
}

#[test]
fn kubectl_kustomize_builds_the_same_objects_as_the_stream() {
    if !have_tool("kubectl", &["version", "--client"]) {
        return;
    }
    let ws = workspace();
    let stream = run(ws.path(), &["render", "servers/"]);
    let out = run(ws.path(), &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let built = Command::new("kubectl")
        .args(["kustomize", "rendered"])
        .current_dir(ws.path())
        .output()
        .expect("kubectl kustomize");
    assert!(built.status.success(), "{}", stderr(&built));
    assert_eq!(objects(&stdout(&built)), objects(&stdout(&stream)));
}

#[test]
fn rerendering_removes_stale_files_and_leaves_user_files_alone() {
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        code(&run(root, &["render", "-o", "rendered", "servers/"])),
        Some(0)
    );
    let rendered = root.join("rendered");
    // The user's own things: a README, a manifest without our header, a nested folder, an
    // empty folder, and a symbolic link pointing out of the folder.
    std::fs::write(rendered.join("README.md"), "# rendered by CI\n").expect("write");
    std::fs::write(
        rendered.join("tools/extra.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
    )
    .expect("write");
    std::fs::create_dir_all(rendered.join("dev/notes")).expect("mkdir");
    std::fs::write(rendered.join("dev/notes/todo.txt"), "x\n").expect("write");
    std::fs::create_dir(rendered.join("empty")).expect("mkdir");
    let outside = tempfile::tempdir().expect("temp");
    std::os::unix::fs::symlink(outside.path(), rendered.join("link")).expect("symlink");
    let inode =
        |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).expect("meta"));
    let readme_inode = inode(&rendered.join("README.md"));

    // The dev namespace disappears from the input, and so does server `time`.
    std::fs::write(
        root.join("servers/other.yaml"),
        OTHER
            .split("---\n")
            .filter(|doc| !doc.contains("namespace: dev"))
            .collect::<Vec<_>>()
            .join("---\n"),
    )
    .expect("write");
    std::fs::write(
        root.join("servers/tools.yaml"),
        TOOLS.replace(
            "---\napiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata:\n  name: time\n  namespace: tools\nspec:\n  image: mcp/time:latest\n",
            "",
        ),
    )
    .expect("write");
    let out = run(root, &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("removed 4"), "{}", stderr(&out));
    let paths: Vec<String> = tree(&rendered).into_keys().collect();
    assert_eq!(
        paths,
        [
            "README.md",
            "_no-namespace/",
            "_no-namespace/clusterrole-system%3Amcp%3Areader.yaml",
            "_no-namespace/mcpserver-notes.yaml",
            "_no-namespace/namespace-tools.yaml",
            "dev/",
            "dev/notes/",
            "dev/notes/todo.txt",
            "empty/",
            "kustomization.yaml",
            "link",
            "tools/",
            "tools/configmap-fetch-config.yaml",
            "tools/extra.yaml",
            "tools/mcpserver-fetch.yaml",
        ],
        "stale files of ours are gone; every file of the user's is still there"
    );
    assert_eq!(
        inode(&rendered.join("README.md")),
        readme_inode,
        "the very same file"
    );
    assert_eq!(
        std::fs::read_link(rendered.join("link")).expect("link"),
        outside.path()
    );
    let index = std::fs::read_to_string(rendered.join("kustomization.yaml")).expect("index");
    assert!(!index.contains("extra.yaml"), "user files are not listed");
}

#[test]
fn a_folder_of_only_our_files_goes_when_its_namespace_goes() {
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        code(&run(root, &["render", "-o", "rendered", "servers/"])),
        Some(0)
    );
    std::fs::remove_file(root.join("servers/other.yaml")).expect("rm");
    let out = run(root, &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let paths: Vec<String> = tree(&root.join("rendered")).into_keys().collect();
    assert_eq!(
        paths,
        [
            "kustomization.yaml",
            "tools/",
            "tools/configmap-fetch-config.yaml",
            "tools/mcpserver-fetch.yaml",
            "tools/mcpserver-time.yaml",
        ]
    );
}

#[test]
fn an_unchanged_render_rewrites_nothing() {
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        code(&run(root, &["render", "-o", "rendered", "servers/"])),
        Some(0)
    );
    let inode =
        |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).expect("meta"));
    let before = inode(&root.join("rendered/tools/mcpserver-fetch.yaml"));
    let dir_before = inode(&root.join("rendered"));
    let out = run(root, &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(0));
    assert!(
        stderr(&out).contains("up to date (10 files)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        inode(&root.join("rendered/tools/mcpserver-fetch.yaml")),
        before
    );
    assert_eq!(inode(&root.join("rendered")), dir_before);
}

#[test]
fn a_user_file_where_a_file_of_ours_goes_is_an_error_and_nothing_is_written() {
    let ws = workspace();
    let root = ws.path();
    std::fs::create_dir_all(root.join("rendered/tools")).expect("mkdir");
    std::fs::write(root.join("rendered/tools/mcpserver-fetch.yaml"), "# mine\n").expect("write");
    std::fs::write(root.join("rendered/kustomization.yaml"), "resources: []\n").expect("write");
    let before = tree(&root.join("rendered"));
    for args in [
        &["render", "-o", "rendered", "servers/"][..],
        &["render", "-o", "rendered", "--check", "servers/"][..],
    ] {
        let out = run(root, args);
        assert_eq!(code(&out), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert!(
            err.contains("rendered/tools/mcpserver-fetch.yaml: was not written by mcp-render"),
            "{err}"
        );
        assert!(
            err.contains("rendered/kustomization.yaml: was not written by mcp-render"),
            "{err}"
        );
        assert_eq!(tree(&root.join("rendered")), before);
    }
    std::fs::remove_file(root.join("rendered/kustomization.yaml")).expect("rm");
    std::fs::remove_file(root.join("rendered/tools/mcpserver-fetch.yaml")).expect("rm");
    std::fs::write(root.join("rendered/kustomization.yml"), "resources: []\n").expect("write");
    let out = run(root, &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("rendered/kustomization.yml: kustomize would find two kustomization files"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn symbolic_links_are_never_written_through() {
    let ws = workspace();
    let root = ws.path();
    let outside = tempfile::tempdir().expect("temp");
    // DIR itself is a link.
    std::os::unix::fs::symlink(outside.path(), root.join("rendered")).expect("symlink");
    let out = run(root, &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("rendered: is a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert!(tree(outside.path()).is_empty());
    // A namespace folder inside DIR is a link out of it.
    std::fs::remove_file(root.join("rendered")).expect("rm");
    std::fs::create_dir(root.join("rendered")).expect("mkdir");
    std::os::unix::fs::symlink(outside.path(), root.join("rendered/tools")).expect("symlink");
    let out = run(root, &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("rendered/tools: is a symbolic link; refusing to write through it"),
        "{}",
        stderr(&out)
    );
    assert!(tree(outside.path()).is_empty());
    // A link where a file of ours goes.
    std::fs::remove_file(root.join("rendered/tools")).expect("rm");
    std::fs::create_dir(root.join("rendered/tools")).expect("mkdir");
    let target = outside.path().join("victim.yaml");
    std::fs::write(&target, "precious\n").expect("write");
    std::os::unix::fs::symlink(&target, root.join("rendered/tools/mcpserver-fetch.yaml"))
        .expect("symlink");
    let out = run(root, &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&target).expect("read"),
        "precious\n"
    );
}

#[test]
fn an_output_folder_inside_the_inputs_is_refused() {
    let ws = workspace();
    let out = run(ws.path(), &["render", "-o", "servers/rendered", "servers/"]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("overlaps the input servers/"),
        "{}",
        stderr(&out)
    );
    assert!(!ws.path().join("servers/rendered").exists());
    let out = run(ws.path(), &["render", "-o", ".", "servers/"]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    // Nor may the folder be the working directory (or hold it).
    let elsewhere = workspace();
    let input = elsewhere.path().join("servers/tools.yaml");
    let input = input.to_str().expect("utf-8 path");
    let out = run(&ws.path().join("servers"), &["render", "-o", "..", input]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("..: is the current directory or contains it"),
        "{}",
        stderr(&out)
    );
}

/// The input's errors come first: a bad input and a bad output folder (here a symbolic
/// link) report the input, written or checked, and nothing is written through the link.
#[test]
fn an_invalid_input_is_reported_before_the_output_folder() {
    let ws = workspace();
    let root = ws.path();
    let outside = tempfile::tempdir().expect("temp");
    std::os::unix::fs::symlink(outside.path(), root.join("rendered")).expect("symlink");
    std::fs::write(
        root.join("servers/bad.yaml"),
        TOOLS.replace("fetch\n", "Fetch\n"),
    )
    .expect("write");
    for check in [false, true] {
        let mut args = vec!["render", "-o", "rendered", "servers/"];
        if check {
            args.push("--check");
        }
        let out = run(root, &args);
        assert_eq!(code(&out), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("servers/bad.yaml:"),
            "{}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("symbolic link"), "{}", stderr(&out));
        assert_eq!(stdout(&out), "");
    }
    assert!(tree(outside.path()).is_empty());
}

#[test]
fn invalid_input_writes_nothing() {
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        code(&run(root, &["render", "-o", "rendered", "servers/"])),
        Some(0)
    );
    let before = tree(&root.join("rendered"));
    std::fs::write(
        root.join("servers/bad.yaml"),
        TOOLS.replace("fetch\n", "Fetch\n"),
    )
    .expect("write");
    let out = run(root, &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(tree(&root.join("rendered")), before);
}

// ---------------------------------------------------------------------------------------------
// Atomicity

/// Hidden siblings the writer leaves next to DIR (only a killed run leaves one).
fn leftovers(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".rendered.mcp-render-"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_write_that_fails_half_way_leaves_the_folder_as_it_was() {
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        code(&run(root, &["render", "-o", "rendered", "servers/"])),
        Some(0)
    );
    std::fs::write(root.join("rendered/README.md"), "mine\n").expect("write");
    let before = tree(&root.join("rendered"));
    // A render with changed content: every file would be rewritten.
    let options = mcp_render::Options {
        inputs: vec![root.join("servers")],
        namespace: Some("other".to_string()),
        ..Default::default()
    };
    let mut files = mcp_render::plan_dir(&options, &mut std::io::empty())
        .expect("valid input")
        .files;
    files.insert(
        PathBuf::from("tools/zz-new.yaml"),
        "# Generated by mcp-render from x. Do not edit; re-render instead.\n".to_string(),
    );
    // Files are written on several threads: the first three writes succeed, every later
    // one fails.
    let calls = AtomicUsize::new(0);
    let write = |path: &Path, bytes: &[u8]| {
        if calls.fetch_add(1, Ordering::SeqCst) >= 3 {
            return Err(std::io::Error::other("disk full (injected)"));
        }
        std::fs::write(path, bytes)
    };
    let steps = dir::Steps {
        write: &write,
        ..dir::Steps::default()
    };
    let result = dir::write_with(&root.join("rendered"), &files, steps);
    match result {
        Err(dir::DirError::Io { error, .. }) => {
            assert_eq!(error.to_string(), "disk full (injected)")
        }
        other => panic!("expected the injected failure, got {other:?}"),
    }
    assert!(
        calls.load(Ordering::SeqCst) > 3,
        "the failure came half-way"
    );
    assert_eq!(
        tree(&root.join("rendered")),
        before,
        "DIR is exactly as before"
    );
    assert!(leftovers(root).is_empty(), "the temporary tree was removed");
}

/// Set in the child process of [`a_killed_write_leaves_the_folder_as_it_was`]: the work
/// directory whose `servers/` it renders to `rendered/`, dying after two files.
const KILL_CHILD_VAR: &str = "MCP_RENDER_IT_KILLED_WRITE_IN";

/// A directory render that dies (abort: no unwinding, no clean-up) half-way, as a killed
/// process does. It runs in a child process (this test binary, running only this test with
/// [`KILL_CHILD_VAR`] set), through the same library calls as `mcp-render render -o`.
#[test]
fn a_killed_write_leaves_the_folder_as_it_was() {
    if let Some(cwd) = std::env::var_os(KILL_CHILD_VAR) {
        let options = mcp_render::Options {
            inputs: vec![PathBuf::from(&cwd).join("servers/")],
            ..Default::default()
        };
        let plan = mcp_render::plan_dir(&options, &mut std::io::empty()).expect("valid");
        let count = AtomicUsize::new(0);
        let write = |path: &Path, bytes: &[u8]| {
            if count.fetch_add(1, Ordering::SeqCst) == 2 {
                eprintln!("killed before writing {}", path.display());
                std::process::abort();
            }
            std::fs::write(path, bytes)
        };
        let steps = dir::Steps {
            write: &write,
            ..dir::Steps::default()
        };
        let _ = dir::write_with(&PathBuf::from(&cwd).join("rendered"), &plan.files, steps);
        unreachable!("the write was killed");
    }
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        code(&run(root, &["render", "-o", "rendered", "servers/"])),
        Some(0)
    );
    let before = tree(&root.join("rendered"));
    std::fs::remove_file(root.join("servers/other.yaml")).expect("rm");
    std::fs::write(
        root.join("servers/tools.yaml"),
        TOOLS.replace("1.0.1", "1.0.2"),
    )
    .expect("write");
    let out = crate::incremental::in_child(
        "gitops::a_killed_write_leaves_the_folder_as_it_was",
        KILL_CHILD_VAR,
        root,
    );
    assert_eq!(code(&out), None, "killed by a signal: {}", stderr(&out));
    assert!(
        stderr(&out).contains("killed before writing"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        tree(&root.join("rendered")),
        before,
        "DIR is exactly as before"
    );
    assert_eq!(
        leftovers(root).len(),
        1,
        "the half-built tree stays in a hidden sibling"
    );
    // The next run succeeds and is complete.
    let out = run(root, &["render", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let check = run(root, &["render", "-o", "rendered", "--check", "servers/"]);
    assert_eq!(code(&check), Some(0), "{}", stdout(&check));
}

// ---------------------------------------------------------------------------------------------
// The drift gate

#[test]
fn check_passes_on_a_fresh_render_and_writes_nothing() {
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        code(&run(root, &["render", "-o", "rendered", "servers/"])),
        Some(0)
    );
    std::fs::write(root.join("rendered/README.md"), "mine\n").expect("write");
    let before = tree(&root.join("rendered"));
    let out = run(root, &["render", "--check", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).ends_with("rendered: up to date (10 files)\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(tree(&root.join("rendered")), before);
}

#[test]
fn check_reports_every_difference_as_a_unified_diff() {
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        code(&run(root, &["render", "-o", "rendered", "servers/"])),
        Some(0)
    );
    // Changed: a new image. Missing: a new ConfigMap. Stale: ClusterRole removed from input.
    let tools = TOOLS.replace("1.0.1", "1.0.2")
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: added\n  namespace: tools\n";
    std::fs::write(root.join("servers/tools.yaml"), tools).expect("write");
    let other = OTHER.replace(
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: system:mcp:reader\nrules: []\n",
        "",
    );
    std::fs::write(root.join("servers/other.yaml"), other).expect("write");
    let before = tree(&root.join("rendered"));
    let out = run(root, &["render", "--check", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    assert_eq!(
        tree(&root.join("rendered")),
        before,
        "--check writes nothing"
    );
    let err = stderr(&out);
    let summary: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        summary,
        [
            "error: rendered is out of date: 2 changed, 1 missing, 1 stale; run `mcp-render render -o rendered servers/`"
        ]
    );
    snapshot("check_diff", &stdout(&out));
}

#[test]
fn the_check_diff_applies_with_git_apply() {
    if !have_tool("git", &["--version"]) {
        return;
    }
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        code(&run(root, &["render", "-o", "rendered", "servers/"])),
        Some(0)
    );
    std::fs::write(
        root.join("servers/tools.yaml"),
        TOOLS.replace("1.0.1", "1.0.2"),
    )
    .expect("write");
    std::fs::remove_file(root.join("servers/other.yaml")).expect("rm");
    std::fs::write(
        root.join("servers/more.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: more\n  namespace: new\n",
    )
    .expect("write");
    let out = run(root, &["render", "--check", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(1));
    std::fs::write(root.join("drift.patch"), &out.stdout).expect("write");
    let apply = Command::new("git")
        .args(["apply", "--unsafe-paths", "drift.patch"])
        .current_dir(root)
        .output()
        .expect("git apply");
    assert!(apply.status.success(), "{}", stderr(&apply));
    let again = run(root, &["render", "--check", "-o", "rendered", "servers/"]);
    assert_eq!(code(&again), Some(0), "{}", stdout(&again));
}

#[test]
fn check_of_a_missing_folder_is_drift_and_invalid_input_is_exit_2() {
    let ws = workspace();
    let root = ws.path();
    let out = run(root, &["render", "--check", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("0 changed, 10 missing, 0 stale"),
        "{}",
        stderr(&out)
    );
    assert!(!root.join("rendered").exists());
    std::fs::write(
        root.join("servers/bad.yaml"),
        "apiVersion: v1\nkind: ConfigMap\n",
    )
    .expect("write");
    let out = run(root, &["render", "--check", "-o", "rendered", "servers/"]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "no diff for invalid input");
}

#[test]
fn check_needs_an_output_folder() {
    let ws = workspace();
    let out = run(ws.path(), &["render", "--check", "servers/"]);
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("--output-dir"), "{}", stderr(&out));
}

#[test]
fn github_actions_get_annotations_for_errors_and_drift() {
    let ws = workspace();
    let root = ws.path();
    assert_eq!(
        code(&run(root, &["render", "-o", "rendered", "servers/"])),
        Some(0)
    );
    std::fs::write(
        root.join("servers/tools.yaml"),
        TOOLS.replace("1.0.1", "1.0.2"),
    )
    .expect("write");
    let out = mcp_render(root)
        .args(["render", "--check", "-o", "rendered", "servers/"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(1));
    let annotations: Vec<String> = stderr(&out)
        .lines()
        .filter(|l| l.starts_with("::error"))
        .map(str::to_string)
        .collect();
    assert_eq!(
        annotations,
        [
            "::error file=rendered/tools/mcpserver-fetch.yaml,line=53::out of date (rendered from servers/tools.yaml): this is not what mcp-render renders; run `mcp-render render -o rendered servers/`"
        ]
    );
    assert!(!stdout(&out).contains("::error"), "stdout stays a diff");

    std::fs::write(
        root.join("servers/tools.yaml"),
        TOOLS.replace("mcpPort: 8080", "mcpPort: 0"),
    )
    .expect("write");
    let out = mcp_render(root)
        .args(["render", "servers/"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("::error file=servers/tools.yaml,line=9,col=3::spec.mcpPort: 0 is out of range (must be 1 to 65535)"),
        "{}",
        stderr(&out)
    );
    // Without the variable: no annotations.
    let out = run(root, &["render", "servers/"]);
    assert!(!stderr(&out).contains("::error"));
}

// ---------------------------------------------------------------------------------------------
// Argo CD plugin mode

#[test]
fn plugin_env_variables_stand_in_for_flags() {
    let ws = workspace();
    let root = ws.path();
    // Namespace: only `notes` has none.
    let out = mcp_render(root)
        .args(["render", "servers/other.yaml"])
        .env("ARGOCD_ENV_MCP_RENDER_NAMESPACE", "team-a")
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("  name: notes\n  namespace: team-a\n"),
        "{}",
        stdout(&out)
    );
    // A flag wins over the variable.
    let out = mcp_render(root)
        .args(["render", "-n", "team-b", "servers/other.yaml"])
        .env("ARGOCD_ENV_MCP_RENDER_NAMESPACE", "team-a")
        .output()
        .expect("run");
    assert!(stdout(&out).contains("  name: notes\n  namespace: team-b\n"));
    assert!(!stdout(&out).contains("team-a"));
    // Owner references: require fails closed, with nothing on stdout.
    let out = mcp_render(root)
        .args(["render", "servers/"])
        .env("ARGOCD_ENV_MCP_RENDER_OWNER_REFS", "require")
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("(--owner-refs require)"),
        "{}",
        stderr(&out)
    );
    // ... and succeeds with the owners file from the environment; omit drops them.
    std::fs::write(root.join("sts.json"), LIVE_STATEFULSETS).expect("write");
    let out = mcp_render(root)
        .args(["render", "servers/tools.yaml"])
        .env("ARGOCD_ENV_MCP_RENDER_OWNER_REFS", "require")
        .env("ARGOCD_ENV_MCP_RENDER_OWNERS", "sts.json")
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out)
            .matches("uid: 3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10")
            .count(),
        2
    );
    let out = mcp_render(root)
        .args(["render", "servers/tools.yaml", "--owners", "sts.json"])
        .env("ARGOCD_ENV_MCP_RENDER_OWNER_REFS", "omit")
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(0));
    assert!(!stdout(&out).contains("ownerReferences"));
}

#[test]
fn inside_argocd_an_empty_render_fails_instead_of_pruning_everything() {
    let ws = workspace();
    let root = ws.path();
    std::fs::create_dir(root.join("empty")).expect("mkdir");
    let argocd = |extra: &[(&str, &str)]| {
        let mut command = mcp_render(&root.join("empty"))
            .args(["render", "."])
            .env("ARGOCD_APP_NAME", "mcp-servers");
        for (k, v) in extra {
            command = command.env(k, v);
        }
        command.output().expect("run")
    };
    let out = argocd(&[]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("refusing to print an empty render inside Argo CD"));
    let out = argocd(&[("ARGOCD_ENV_MCP_RENDER_ALLOW_EMPTY", "true")]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    // Outside Argo CD an empty input is an empty stream.
    let out = run(&root.join("empty"), &["render", "."]);
    assert_eq!(code(&out), Some(0));
    // Inside Argo CD, a broken input is exit 2 with nothing on stdout (never a partial stream).
    std::fs::write(root.join("servers/zz-bad.yaml"), "kind: MCPServer\n").expect("write");
    let out = mcp_render(&root.join("servers"))
        .args(["render", "."])
        .env("ARGOCD_APP_NAME", "mcp-servers")
        .output()
        .expect("run");
    assert_eq!(code(&out), Some(2));
    assert_eq!(stdout(&out), "");
}

// ---------------------------------------------------------------------------------------------
// init

fn init(args: &[&str]) -> (tempfile::TempDir, Output) {
    let temp = tempfile::tempdir().expect("temp");
    let out = run(temp.path(), args);
    (temp, out)
}

const ARGOCD_ARGS: &[&str] = &[
    "init",
    "argocd",
    "--repo-url",
    "https://github.com/example/platform.git",
    "--path",
    "mcp/servers",
    "--namespace",
    "tools",
    "--image",
    "registry.example.com/mcp-render:0.1.0",
];

#[test]
fn init_argocd_writes_the_plugin_sidecar_and_application() {
    let (temp, out) = init(ARGOCD_ARGS);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    snapshot("init_argocd", &tree_text(&temp.path().join("argocd")));
    let mut with_discover = ARGOCD_ARGS.to_vec();
    with_discover.extend([
        "--discover",
        "--owner-refs",
        "auto",
        "--owners",
        "owners.lock.yaml",
        "-o",
        "other",
    ]);
    let out = run(temp.path(), &with_discover);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let plugin = std::fs::read_to_string(temp.path().join("other/plugin.yaml")).expect("read");
    snapshot("init_argocd_discover_plugin", &plugin);
    let app = std::fs::read_to_string(temp.path().join("other/application.yaml")).expect("read");
    assert!(
        app.contains("        - name: MCP_RENDER_OWNERS\n          value: \"owners.lock.yaml\"\n"),
        "{app}"
    );
    assert!(app.contains("          value: \"auto\"\n"), "{app}");
}

#[test]
fn init_output_is_valid_yaml_with_the_right_kinds() {
    let (temp, out) = init(ARGOCD_ARGS);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let kinds = |file: &str| -> Vec<String> {
        let text = std::fs::read_to_string(temp.path().join(file)).expect("read");
        objects(&text)
            .iter()
            .map(|o| o["kind"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    assert_eq!(kinds("argocd/plugin.yaml"), ["ConfigManagementPlugin"]);
    assert_eq!(kinds("argocd/repo-server-patch.yaml"), ["Deployment"]);
    assert_eq!(kinds("argocd/kustomization.yaml"), ["Component"]);
    assert_eq!(kinds("argocd/application.yaml"), ["Application"]);
    let out = run(
        temp.path(),
        &[
            "init",
            "flux",
            "--path",
            "r",
            "--inputs",
            "s",
            "--oci-url",
            "oci://ghcr.io/example/mcp",
        ],
    );
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let mut flux = kinds("flux/mcp-servers.yaml");
    flux.sort();
    assert_eq!(flux, ["Kustomization", "OCIRepository"]);
    let plugin = std::fs::read_to_string(temp.path().join("argocd/plugin.yaml")).expect("read");
    let plugin = &objects(&plugin)[0];
    assert_eq!(
        plugin["spec"]["generate"]["command"],
        serde_json::json!(["mcp-render", "render", "."])
    );
    assert!(
        plugin["spec"].get("discover").is_none(),
        "no discover rule unless asked"
    );
}

#[test]
fn the_argocd_component_patches_the_repo_server() {
    if !have_tool("kubectl", &["version", "--client"]) {
        return;
    }
    let (temp, out) = init(ARGOCD_ARGS);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let base = temp.path().join("install");
    std::fs::create_dir(&base).expect("mkdir");
    std::fs::write(
        base.join("repo-server.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-repo-server\n  namespace: argocd\nspec:\n  selector:\n    matchLabels: {app: repo}\n  template:\n    metadata:\n      labels: {app: repo}\n    spec:\n      containers:\n        - name: argocd-repo-server\n          image: quay.io/argoproj/argocd:v3.2.0\n      volumes:\n        - name: var-files\n          emptyDir: {}\n        - name: plugins\n          emptyDir: {}\n",
    )
    .expect("write");
    std::fs::write(
        base.join("kustomization.yaml"),
        "resources:\n  - repo-server.yaml\ncomponents:\n  - ../argocd\n",
    )
    .expect("write");
    let built = Command::new("kubectl")
        .args(["kustomize", "install"])
        .current_dir(temp.path())
        .output()
        .expect("kubectl");
    assert!(built.status.success(), "{}", stderr(&built));
    let objects = objects(&stdout(&built));
    let config_map = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap")
        .expect("ConfigMap");
    assert_eq!(config_map["metadata"]["name"], "mcp-render-plugin");
    assert_eq!(config_map["metadata"]["namespace"], "argocd");
    let plugin = std::fs::read_to_string(temp.path().join("argocd/plugin.yaml")).expect("read");
    assert_eq!(config_map["data"]["plugin.yaml"], plugin.as_str());
    let deployment = objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("Deployment");
    let containers = deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    let sidecar = containers
        .iter()
        .find(|c| c["name"] == "mcp-render")
        .expect("sidecar");
    assert_eq!(
        sidecar["command"],
        serde_json::json!(["/var/run/argocd/argocd-cmp-server"])
    );
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(containers.len(), 2, "the repo-server container is kept");
    let volumes = deployment["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .expect("volumes");
    assert_eq!(volumes.len(), 4);
}

#[test]
fn init_flux_writes_the_kustomization_and_the_push_recipe() {
    let (temp, out) = init(&[
        "init",
        "flux",
        "--path",
        "mcp/rendered",
        "--inputs",
        "mcp/servers",
        "-n",
        "tools",
    ]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    snapshot("init_flux_git", &tree_text(&temp.path().join("flux")));
    let out = run(
        temp.path(),
        &[
            "init",
            "flux",
            "--path",
            "mcp/rendered",
            "--inputs",
            "mcp/servers",
            "--oci-url",
            "oci://ghcr.io/example/mcp-servers",
            "-o",
            "oci",
        ],
    );
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    snapshot("init_flux_oci", &tree_text(&temp.path().join("oci")));
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(temp.path().join("oci/push-artifact.sh"))
            .expect("meta")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o755);
    if have_tool("sh", &["-c", "true"]) {
        let syntax = Command::new("sh")
            .args(["-n", "oci/push-artifact.sh"])
            .current_dir(temp.path())
            .output()
            .expect("sh runs");
        assert!(syntax.status.success(), "{}", stderr(&syntax));
    }
}

#[test]
fn init_never_overwrites_without_force_and_checks_its_parameters() {
    let (temp, out) = init(ARGOCD_ARGS);
    assert_eq!(code(&out), Some(0));
    std::fs::write(temp.path().join("argocd/application.yaml"), "edited\n").expect("write");
    let out = run(temp.path(), ARGOCD_ARGS);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("argocd/application.yaml: exists; pass --force to overwrite"));
    assert_eq!(
        std::fs::read_to_string(temp.path().join("argocd/application.yaml")).expect("read"),
        "edited\n"
    );
    let mut forced = ARGOCD_ARGS.to_vec();
    forced.push("--force");
    let out = run(temp.path(), &forced);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_ne!(
        std::fs::read_to_string(temp.path().join("argocd/application.yaml")).expect("read"),
        "edited\n"
    );

    let out = run(
        temp.path(),
        &[
            "init",
            "argocd",
            "--repo-url",
            "",
            "--path",
            "../x",
            "--namespace",
            "Tools",
            "--image",
            "i",
            "-o",
            "bad",
        ],
    );
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(err.contains("--repo-url: must not be empty\n"), "{err}");
    assert!(!err.contains("``"), "{err}");
    assert!(
        err.contains("--path: `../x` must be a path inside the repository"),
        "{err}"
    );
    assert!(
        err.contains("--namespace: `Tools` must consist of lower-case letters"),
        "{err}"
    );
    assert!(!temp.path().join("bad").exists(), "nothing written");
    let out = run(
        temp.path(),
        &[
            "init",
            "flux",
            "--path",
            "r",
            "--inputs",
            "s",
            "--interval",
            "1d",
            "--oci-url",
            "https://x",
            "-o",
            "bad",
        ],
    );
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("--interval: `1d` is not a duration"));
    assert!(stderr(&out).contains("--oci-url: `https://x` must look like oci://"));
    assert!(!temp.path().join("bad").exists());
}

#[test]
fn init_is_deterministic() {
    let (a, _) = init(ARGOCD_ARGS);
    let (b, _) = init(ARGOCD_ARGS);
    assert_eq!(
        tree(&a.path().join("argocd")),
        tree(&b.path().join("argocd"))
    );
}

// ---------------------------------------------------------------------------------------------
// Owners lock file

#[test]
fn owners_lock_round_trip() {
    let ws = workspace();
    let root = ws.path();
    std::fs::write(root.join("sts.json"), LIVE_STATEFULSETS).expect("write");
    let out = run(root, &["owners", "sts.json"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let lock = stdout(&out);
    snapshot("owners_lock", &lock);
    // The same from stdin, and from YAML.
    let piped = mcp_render(root)
        .args(["owners", "-"])
        .stdin(std::fs::read(root.join("sts.json")).expect("read"))
        .output()
        .expect("run");
    assert_eq!(stdout(&piped), lock);
    // The lock file reads back to itself.
    let out = run(root, &["owners", "-o", "owners.lock.yaml", "sts.json"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "-o writes the file, not stdout");
    assert_eq!(
        std::fs::read_to_string(root.join("owners.lock.yaml")).expect("read"),
        lock
    );
    let again = run(root, &["owners", "owners.lock.yaml"]);
    assert_eq!(stdout(&again), lock);
    // --owners takes the lock file exactly as it takes the kubectl output.
    let with_lock = run(
        root,
        &["render", "--owners", "owners.lock.yaml", "servers/"],
    );
    let with_dump = run(root, &["render", "--owners", "sts.json", "servers/"]);
    assert_eq!(code(&with_lock), Some(0), "{}", stderr(&with_lock));
    assert_eq!(stdout(&with_lock), stdout(&with_dump));
    assert_eq!(
        stdout(&with_lock)
            .matches("uid: 3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10")
            .count(),
        2
    );
    assert_eq!(
        stdout(&with_lock)
            .matches("uid: 5b7c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e11")
            .count(),
        2
    );
}

#[test]
fn owners_rejects_bad_input_and_keeps_the_old_lock_file() {
    let ws = workspace();
    let root = ws.path();
    std::fs::write(
        root.join("owners.lock.yaml"),
        "tools/fetch: 3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10\n",
    )
    .expect("write");
    std::fs::write(
        root.join("bad.json"),
        LIVE_STATEFULSETS.replace("5b7c1e2a", "not-a-uid"),
    )
    .expect("write");
    let out = run(root, &["owners", "-o", "owners.lock.yaml", "bad.json"]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("bad.json:6:"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(root.join("owners.lock.yaml")).expect("read"),
        "tools/fetch: 3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10\n"
    );
    let empty = mcp_render(root)
        .args(["owners"])
        .stdin("")
        .output()
        .expect("run");
    assert_eq!(code(&empty), Some(0));
    assert!(stdout(&empty).ends_with("\n{}\n"), "{}", stdout(&empty));
}

// ---------------------------------------------------------------------------------------------
// schema, completions, help, version

#[test]
fn schema_snapshot() {
    let out = run(Path::new("."), &["schema"]);
    assert_eq!(code(&out), Some(0));
    let text = stdout(&out);
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(parsed["properties"]["kind"]["const"], "MCPServer");
    snapshot("schema", &text);
}

#[test]
fn completions_help_and_version() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(Path::new("."), &["completions", shell]);
        assert_eq!(code(&out), Some(0), "{shell}");
        assert!(stdout(&out).contains("mcp-render"), "{shell}");
        assert!(
            stdout(&out).contains("owner-refs"),
            "{shell}: flags are completed"
        );
    }
    for args in [
        &["--help"][..],
        &["render", "--help"],
        &["init", "argocd", "--help"],
        &["init", "flux", "--help"],
        &["owners", "--help"],
        &["schema", "--help"],
        &["completions", "--help"],
    ] {
        let out = run(Path::new("."), args);
        assert_eq!(code(&out), Some(0), "{args:?}");
        assert!(
            stdout(&out).contains("Examples:\n  "),
            "{args:?} has examples"
        );
    }
    let help = stdout(&run(Path::new("."), &["render", "--help"]));
    for var in [
        "ARGOCD_ENV_MCP_RENDER_NAMESPACE",
        "ARGOCD_ENV_MCP_RENDER_OWNER_REFS",
        "ARGOCD_ENV_MCP_RENDER_OWNERS",
        "ARGOCD_ENV_MCP_RENDER_ALLOW_EMPTY",
        "ARGOCD_ENV_MCP_RENDER_SERVICE_ACCOUNTS",
        "ARGOCD_ENV_MCP_RENDER_IMAGE_PULL_SECRETS",
        "ARGOCD_ENV_MCP_RENDER_PLATFORM",
        "ARGOCD_ENV_MCP_RENDER_STRICT",
        "ARGOCD_ENV_MCP_RENDER_CRD",
    ] {
        assert!(
            help.contains(&format!("[env: {var}")),
            "{var} in render --help"
        );
    }
    let version = run(Path::new("."), &["--version"]);
    assert_eq!(
        stdout(&version),
        format!(
            "mcp-render {} (ToolHive v0.44.0)\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}
