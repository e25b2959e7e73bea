//! Issue 10, "the first hour of a new user": ordinary repositories and ordinary mistakes,
//! through the binary. Every test counts the warnings, not only their text.

use std::path::Path;

use crate::util::{self, Run};

const SERVER: &str = "\
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: demo
  namespace: tools
spec:
  image: example.com/demo:1
  transport: stdio
";

/// The warning lines of a run, without the one every stdio server gets (SERVER is one; that
/// warning is counted by `service_accounts::each_stdio_server_gets_one_warning_and_http_servers_none`).
fn warnings(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|line| line.contains("warning: ") && !is_stdio_warning(line))
        .collect()
}

fn is_stdio_warning(line: &str) -> bool {
    line.ends_with(&format!(
        "warning: spec.transport: {}",
        mcp_render::validate::STDIO_WARNING
    ))
}

/// The binary run in `dir` with `args`.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    util::mcp_render().current_dir(dir).args(args).run()
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

#[cfg(unix)]
#[test]
fn links_back_to_a_parent_are_reported_once_and_never_walked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let servers = tmp.path().join("servers");
    write(&servers.join("demo.yaml"), SERVER);
    // Two links back to the folder that holds them: followed, this never ends.
    std::os::unix::fs::symlink("..", servers.join("up")).expect("link");
    std::os::unix::fs::symlink(".", servers.join("here")).expect("link");
    let run = run_in(tmp.path(), &["render", "servers"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout().matches("kind: StatefulSet").count(), 1);
    let warned = warnings(&run);
    assert_eq!(warned.len(), 2, "{}", run.stderr);
    assert!(
        warned.iter().all(|w| w.contains("a loop; not followed")),
        "{warned:?}"
    );
    assert!(
        warned[0].starts_with("warning: servers/here: "),
        "{warned:?}"
    );
    assert!(warned[1].starts_with("warning: servers/up: "), "{warned:?}");
    // The same folder named twice: still one warning a link, one StatefulSet.
    let twice = run_in(tmp.path(), &["render", "servers", "servers/"]);
    assert_eq!(twice.code, 0, "{}", twice.stderr);
    assert_eq!(twice.stdout().matches("kind: StatefulSet").count(), 1);
    assert_eq!(warnings(&twice).len(), 2, "{}", twice.stderr);
}

#[cfg(unix)]
#[test]
fn a_deep_link_loop_reads_each_file_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let servers = tmp.path().join("servers");
    write(&servers.join("a/demo.yaml"), SERVER);
    std::os::unix::fs::symlink("..", servers.join("a/loop")).expect("link");
    let run = run_in(tmp.path(), &["render", "servers"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Read once: no "defined twice" collision, one StatefulSet.
    assert_eq!(run.stdout().matches("kind: StatefulSet").count(), 1);
    assert_eq!(warnings(&run).len(), 1, "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn links_named_on_the_command_line_and_links_to_files_are_followed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(&tmp.path().join("real/demo.yaml"), SERVER);
    write(
        &tmp.path().join("shared/other.yaml"),
        &SERVER.replace("demo", "other"),
    );
    std::os::unix::fs::symlink("real", tmp.path().join("linked")).expect("link");
    std::os::unix::fs::symlink("../shared/other.yaml", tmp.path().join("real/other.yaml"))
        .expect("link");
    std::os::unix::fs::symlink("../shared", tmp.path().join("real/shared")).expect("link");
    let run = run_in(tmp.path(), &["render", "linked"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout().matches("kind: StatefulSet").count(), 2);
    let warned = warnings(&run);
    assert_eq!(warned.len(), 1, "{}", run.stderr);
    assert!(warned[0].contains("linked/shared: a symbolic link to a folder; links inside an input folder are not followed"), "{warned:?}");
}

#[cfg(unix)]
#[test]
fn the_output_folder_is_scanned_without_following_links() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(&tmp.path().join("servers/demo.yaml"), SERVER);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::os::unix::fs::symlink("..", out.join("up")).expect("link");
    let run = run_in(tmp.path(), &["render", "-o", "out", "servers"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(warnings(&run).is_empty(), "{}", run.stderr);
    assert!(out.join("tools/mcpserver-demo.yaml").is_file());
    // The user's link is left alone, and nothing was written through it.
    assert!(
        std::fs::symlink_metadata(out.join("up"))
            .expect("link")
            .file_type()
            .is_symlink()
    );
    let check = run_in(tmp.path(), &["render", "-o", "out", "--check", "servers"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
}

#[test]
fn an_empty_render_with_output_dir_is_refused_and_the_folder_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(&tmp.path().join("servers/demo.yaml"), SERVER);
    std::fs::create_dir(tmp.path().join("empty")).expect("mkdir");
    let render = |args: &[&str]| util::mcp_render().current_dir(tmp.path()).args(args).run();
    let first = render(&["render", "-o", "out", "servers"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let written = tmp.path().join("out/tools/mcpserver-demo.yaml");
    assert!(written.is_file());
    // A moved input folder: nothing to render. Refused, the folder is untouched.
    for args in [
        &["render", "-o", "out", "empty"][..],
        &["render", "-o", "out", "--check", "empty"][..],
    ] {
        let run = render(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        // The refusal and the count, nothing else.
        assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("no objects found: refusing to write an empty folder"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("--allow-empty"), "{}", run.stderr);
        assert!(warnings(&run).is_empty());
        assert!(written.is_file(), "{args:?} kept the rendered file");
    }
    // Asked for, an empty render empties the folder.
    let allowed = render(&["render", "-o", "out", "--allow-empty", "empty"]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(!written.exists());
    let check = render(&["render", "-o", "out", "--check", "--allow-empty", "empty"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
}

const KUSTOMIZATION: &str = "\
resources:
  - demo.yaml
namespace: team-a
images:
  - name: example.com/demo
    newTag: \"2\"
";

#[test]
fn a_kustomization_without_api_version_is_skipped_with_one_warning() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(&tmp.path().join("app/demo.yaml"), SERVER);
    write(&tmp.path().join("app/kustomization.yaml"), KUSTOMIZATION);
    let run = run_in(tmp.path(), &["render", "app"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout().matches("kind: StatefulSet").count(), 1);
    assert!(!run.stdout().contains("team-a"), "nothing of it is applied");
    let warned = warnings(&run);
    assert_eq!(warned.len(), 1, "{}", run.stderr);
    assert!(
        warned[0].starts_with("app/kustomization.yaml:1:1: warning: skipped: kustomize input"),
        "{warned:?}"
    );
    for words in [
        "patches, images and namespace are not applied",
        "`kubectl kustomize app | mcp-render render -`",
        "mcp-render fn",
    ] {
        assert!(warned[0].contains(words), "{words}: {warned:?}");
    }
    // Recognised by its fields on stdin, and by its name whatever it holds; a declared
    // one gets the same single warning.
    let stdin = util::mcp_render()
        .args(["render", "-"])
        .stdin(KUSTOMIZATION)
        .run();
    assert_eq!(stdin.code, 0, "{}", stdin.stderr);
    assert_eq!(warnings(&stdin).len(), 1, "{}", stdin.stderr);
    assert!(
        stdin
            .stderr
            .contains("`kubectl kustomize DIR | mcp-render render -`"),
        "{}",
        stdin.stderr
    );
    let declared = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n{KUSTOMIZATION}"
    );
    let run = util::mcp_render().args(["render"]).stdin(declared).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(warnings(&run).len(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("are not applied"), "{}", run.stderr);
    // A Flux Kustomization is a Kubernetes object: it passes through.
    let flux = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec: {path: ./apps, interval: 10m}\n";
    let run = util::mcp_render().args(["render"]).stdin(flux).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(warnings(&run).is_empty(), "{}", run.stderr);
    assert!(run.stdout().contains("kind: Kustomization"));
}

const HTTP_SERVERS: &str = "\
apiVersion: v1
kind: List
items:
  - apiVersion: toolhive.stacklok.dev/v1beta1
    kind: MCPServer
    metadata: {name: one, namespace: tools}
    spec: {image: example.com/one:1, transport: streamable-http}
  - apiVersion: toolhive.stacklok.dev/v1beta1
    kind: MCPServer
    metadata: {name: two, namespace: tools}
    spec: {image: example.com/two:1, transport: sse}
  - apiVersion: toolhive.stacklok.dev/v1beta1
    kind: MCPServer
    metadata: {name: three}
    spec: {image: example.com/three:1, transport: sse}
  - apiVersion: toolhive.stacklok.dev/v1beta1
    kind: MCPServer
    metadata: {name: local, namespace: tools}
    spec: {image: example.com/local:1, transport: stdio}
";

#[test]
fn without_owners_one_summary_line_with_owners_one_warning_per_missing_server() {
    let run = util::mcp_render()
        .args(["render"])
        .stdin(HTTP_SERVERS)
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warned = warnings(&run);
    assert_eq!(warned.len(), 1, "{}", run.stderr);
    assert!(warned[0].starts_with("warning: 3 MCPServers with an HTTP transport: their Services are rendered without ownerReferences"), "{warned:?}");
    let omit = util::mcp_render()
        .args(["render", "--owner-refs", "omit"])
        .stdin(HTTP_SERVERS)
        .run();
    assert_eq!(omit.code, 0);
    assert!(omit.stderr.lines().all(is_stdio_warning), "{}", omit.stderr);
    // An owners file that knows `one` only: `two` and `three` are each a real mistake.
    let tmp = tempfile::tempdir().expect("tempdir");
    let owners = tmp.path().join("owners.yaml");
    write(
        &owners,
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: one, namespace: tools, uid: 3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10}\n",
    );
    let run = util::mcp_render()
        .args(["render", "--owners"])
        .args([&owners])
        .stdin(HTTP_SERVERS)
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warned = warnings(&run);
    assert_eq!(warned.len(), 2, "{}", run.stderr);
    assert!(
        warned.iter().any(|w| w.contains("StatefulSet tools/two")),
        "{warned:?}"
    );
    assert!(
        warned
            .iter()
            .any(|w| w.contains("StatefulSet `three` cannot be matched without a namespace")),
        "{warned:?}"
    );
}

#[test]
fn reading_stdin_from_a_terminal_says_so() {
    for (args, says) in [
        (
            &["render"][..],
            "mcp-render: reading MCPServer YAML or JSON from stdin (no path given); paste it and end with Ctrl-D",
        ),
        (
            &["render", "-"][..],
            "end with Ctrl-D, or give a path: mcp-render render servers/",
        ),
        (
            &["owners"][..],
            "mcp-render: reading `kubectl get statefulsets -o yaml` output from stdin",
        ),
    ] {
        let Some(command) = util::mcp_render().args(args).on_a_terminal() else {
            return;
        };
        let run = command.run();
        assert_eq!(run.code, 0, "{args:?}: {}", run.stdout());
        // `script` gives the terminal's output (stdout and stderr) as its stdout.
        assert_eq!(
            run.stdout().matches("reading ").count(),
            1,
            "{}",
            run.stdout()
        );
        assert!(run.stdout().contains(says), "{args:?}: {}", run.stdout());
    }
    // Not on a terminal (a pipe): not a word.
    let piped = util::mcp_render().args(["render"]).stdin(SERVER).run();
    assert_eq!(piped.code, 0);
    assert!(
        piped.stderr.lines().all(is_stdio_warning),
        "{}",
        piped.stderr
    );
}

#[test]
fn a_helm_template_is_recognised() {
    let template = "\
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: {{ .Values.name }}
spec:
  image: \"{{ .Values.image }}\"
";
    let run = util::mcp_render().args(["render"]).stdin(template).run();
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", run.stderr);
    assert!(errors[0].starts_with("<stdin>:4:10: "), "{errors:?}");
    assert!(errors[0].ends_with("this looks like a Helm template (`{{ ... }}`), which is not YAML until Helm renders it: run `helm template RELEASE CHART | mcp-render render -`"), "{errors:?}");
    // A comment that mentions braces is no template.
    let broken = "# {{ not a template }}\nkey: [unclosed\n";
    let run = util::mcp_render().args(["render"]).stdin(broken).run();
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains("Helm"), "{}", run.stderr);
}

const NAMESPACED_AND_NOT: &str = "\
apiVersion: v1
kind: ServiceAccount
metadata: {name: demo-sa}
---
apiVersion: v1
kind: Secret
metadata: {name: token, namespace: kept}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
---
apiVersion: v1
kind: Namespace
metadata: {name: tools}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: gadget}
";

#[test]
fn namespace_reaches_every_namespaced_object_that_sets_none() {
    let run = util::mcp_render()
        .args(["render", "-n", "tools", "-"])
        .stdin(NAMESPACED_AND_NOT)
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let objects = util::read_back(run.stdout());
    let namespace_of = |kind: &str| {
        let object = objects.iter().find(|o| o["kind"] == kind).expect(kind);
        object["metadata"].get("namespace").cloned()
    };
    assert_eq!(namespace_of("ServiceAccount"), Some("tools".into()));
    assert_eq!(namespace_of("Secret"), Some("kept".into()));
    assert_eq!(
        namespace_of("Widget"),
        Some("tools".into()),
        "unknown kinds are namespaced"
    );
    assert_eq!(namespace_of("ClusterRole"), None);
    assert_eq!(namespace_of("Namespace"), None);
    // The folder: in the namespace's folder.
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let run = util::mcp_render()
        .args(["render", "-n", "tools", "-o"])
        .args([&out])
        .stdin(NAMESPACED_AND_NOT)
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(out.join("tools/serviceaccount-demo-sa.yaml").is_file());
    assert!(out.join("tools/widget-gadget.yaml").is_file());
    assert!(out.join("_no-namespace/clusterrole-reader.yaml").is_file());
    // Collisions: the same ServiceAccount once with and once without the namespace.
    let twice = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: demo-sa}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: demo-sa, namespace: tools}\n";
    let run = util::mcp_render()
        .args(["render", "-n", "tools"])
        .stdin(twice)
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("ServiceAccount tools/demo-sa would be created twice"),
        "{}",
        run.stderr
    );
}

#[test]
fn silent_overrides_get_one_warning_each() {
    let server = "\
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata: {name: demo, namespace: tools}
spec:
  image: example.com/demo:1
  transport: streamable-http
  mcpPort: 8080
  resources:
    limits: {cpu: \"1\"}
  env:
    - {name: MCP_PORT, value: \"9999\"}
    - {name: MCP_TRANSPORT, value: stdio}
    - {name: FASTMCP_PORT, value: \"8080\"}
    - {name: LOG_LEVEL, value: debug}
  podTemplateSpec:
    spec:
      containers:
        - name: mcp
          image: example.com/other:2
          resources:
            limits: {cpu: 500m}
";
    let run = util::mcp_render()
        .args(["render", "--owner-refs", "omit"])
        .stdin(server)
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warned = warnings(&run);
    assert_eq!(warned.len(), 4, "{}", run.stderr);
    assert_eq!(
        warned[0],
        "<stdin>:8:3: warning: spec.resources: is not applied: spec.podTemplateSpec sets resources on container `mcp`, and those are kept (in ToolHive spec.resources goes to its proxy)"
    );
    assert_eq!(
        warned[1],
        "<stdin>:11:8: warning: spec.env[0].name: `MCP_PORT` is set by ToolHive's runtime for transport streamable-http (to `8080`): this value (`9999`) is replaced, as in ToolHive"
    );
    assert_eq!(
        warned[2],
        "<stdin>:12:8: warning: spec.env[1].name: `MCP_TRANSPORT` is set by ToolHive's runtime for transport streamable-http (to `streamable-http`): this value (`stdio`) is replaced, as in ToolHive"
    );
    // FASTMCP_PORT has the runtime's value already: nothing is lost, no word.
    assert_eq!(
        warned[3],
        "<stdin>:19:11: warning: spec.podTemplateSpec.spec.containers[0].image: `example.com/other:2` is replaced by spec.image `example.com/demo:1`, as in ToolHive"
    );
    assert!(run.stdout().contains("image: example.com/demo:1"));
}

#[test]
fn messages_say_what_to_do() {
    let server = "\
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata: {name: demo, namespace: tools}
spec:
  image: example.com/demo:1
  transport: \"\"
  port: 8080
  mcpPort: \"8080\"
  serviceAccount: \"\"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: no}
";
    let run = util::mcp_render().args(["render"]).stdin(server).run();
    assert_eq!(run.code, 2);
    let lines: Vec<&str> = run.stderr.lines().collect();
    // `serviceAccount: ""` is no error: ToolHive ignores the empty value, and so do we.
    assert_eq!(lines.len(), 5, "{}", run.stderr);
    assert!(!run.stderr.contains("``"), "{}", run.stderr);
    assert!(
        lines[0].starts_with("<stdin>:6:3: spec.transport: must not be empty: use one of `stdio`"),
        "{lines:?}"
    );
    let lines = &lines[1..];
    assert!(
        lines[0].starts_with("<stdin>:7:3: spec.port: `port` was removed from the MCPServer CRD"),
        "{lines:?}"
    );
    assert!(lines[0].contains("use `proxyPort`"), "{lines:?}");
    assert!(lines[0].contains("or `mcpPort`"), "{lines:?}");
    assert_eq!(
        lines[1],
        "<stdin>:8:3: spec.mcpPort: expected an integer, found a string (a quoted number is a string; remove the quotes)"
    );
    assert!(
        lines[2].starts_with(
            "<stdin>:13:28: metadata.namespace: expected a string, found a boolean (YAML 1.1"
        ),
        "{lines:?}"
    );
    assert!(lines[2].ends_with("quote it)"), "{lines:?}");
    let help = util::mcp_render().args(["init", "--help"]).run();
    assert_eq!(help.code, 0);
    assert!(
        help.stdout()
            .contains("Examples:\n  mcp-render init argocd --repo-url"),
        "{}",
        help.stdout()
    );
    assert!(
        help.stdout().contains("mcp-render init flux --path"),
        "{}",
        help.stdout()
    );
}

/// The README's first command, as written there (its output folder moved to a temporary
/// one): the bundled examples render into a folder with one line on stderr and no warning,
/// and the examples folder holds only inputs.
#[test]
fn the_readme_quick_start_is_quiet() {
    let readme = std::fs::read_to_string("README.md").expect("README");
    let line = readme
        .lines()
        .find(|line| line.starts_with("cargo run --release -q -- render "))
        .expect("the quick start command");
    let command = line.split('#').next().unwrap_or_default();
    let words: Vec<&str> = command.split_whitespace().skip(5).collect();
    assert_eq!(words.last(), Some(&"examples/servers"), "{line}");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("rendered");
    let args: Vec<std::ffi::OsString> = words
        .iter()
        .map(|word| match *word {
            "rendered" => out.clone().into_os_string(),
            other => other.into(),
        })
        .collect();
    let run = util::mcp_render().args(&args).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    // One line, no warning of any kind.
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert!(run.stderr.contains(": wrote "), "{}", run.stderr);
    for listed in [
        "kustomization.yaml",
        "mcp-tools/mcpserver-fetch.yaml",
        "mcp-tools/mcpserver-notion.yaml",
        "mcp-tools/mcpserver-scaled-three.yaml",
        "mcp-tools/mcpserver-scaled-zero.yaml",
        "toolhive-system/mcpserver-st-sse.yaml",
    ] {
        assert!(out.join(listed).is_file(), "{listed}");
        assert!(
            readme.contains(&format!("rendered/{listed}")),
            "{listed} in the README listing"
        );
    }
    assert!(out.join("kustomization.yaml").is_file());
    for entry in std::fs::read_dir("examples/servers")
        .expect("examples")
        .chain(std::fs::read_dir("fixtures/servers").expect("fixtures"))
    {
        let path = entry.expect("entry").path();
        let input = path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "json");
        assert!(input, "{} is not an input", path.display());
    }
}
