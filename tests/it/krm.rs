//! `mcp-render fn`, the KRM function: through the built binary, and under the real kustomize.
//!
//! The kustomize tests need the binary `scripts/kustomize` builds, named by
//! `MCP_RENDER_TEST_KUSTOMIZE`. Without it they fail when `CI` is set, and say loudly that
//! they did not run otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mcp-render");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const KUSTOMIZE_ENV: &str = "MCP_RENDER_TEST_KUSTOMIZE";

/// `program` (kustomize, which runs mcp-render as its child) with the variables that change
/// mcp-render's behaviour cleared (GitHub
/// annotations, Argo CD plugin mode and its `ARGOCD_ENV_*` fallbacks, test hooks), so the
/// run is the same on a laptop, in CI and inside an Argo CD job.
fn hermetic(program: &Path) -> Command {
    let mut command = Command::new(program);
    command.env_remove("GITHUB_ACTIONS");
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("ARGOCD_") || name.starts_with("MCP_RENDER_") {
            command.env_remove(&*name);
        }
    }
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run(mut command: Command, stdin: &str) -> Output {
    let mut child = command.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn mcp_render(args: &[&str], stdin: &str) -> Output {
    crate::util::mcp_render()
        .args(args)
        .stdin(stdin)
        .output()
        .expect("mcp-render runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("the output is YAML")
}

/// Indents one YAML document (no `---`, no comments needed) as a list entry.
fn list_entry(doc: &str) -> String {
    let mut out = String::new();
    for (i, line) in doc
        .lines()
        .filter(|l| !l.starts_with('#') && *l != "---")
        .enumerate()
    {
        out.push_str(if i == 0 { "- " } else { "  " });
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn resource_list(items: &[String], function_config: Option<&str>) -> String {
    let mut out = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for item in items {
        out.push_str(&list_entry(item));
    }
    if let Some(config) = function_config {
        out.push_str("functionConfig:\n");
        for line in config.lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join("fixtures/servers").join(name)).expect("fixture")
}

const FIXTURES: [&str; 4] = [
    "sse.yaml",
    "stdio.yaml",
    "no-namespace.yaml",
    "secrets-env-args.yaml",
];

const CONFIG_MAP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: tools
  annotations:
    config.kubernetes.io/path: apps/settings.yaml
    config.kubernetes.io/index: '0'
    internal.config.kubernetes.io/id: '7'
data:
  b: \"yes\"
  a: \"1\"
";

fn sorted(mut objects: Vec<Value>) -> Vec<Value> {
    objects.sort_by_key(|o| o.to_string());
    objects
}

fn items(list: &Value) -> Vec<Value> {
    list["items"].as_array().cloned().unwrap_or_default()
}

#[test]
fn fn_renders_the_servers_among_the_items_like_render() {
    let docs: Vec<String> = FIXTURES.iter().map(|f| fixture(f)).collect();
    let config = "apiVersion: mcp-render.dev/v1alpha1\nkind: MCPRender\nmetadata:\n  name: render\nnamespace: tools\nownerRefs: omit\n";
    let out = mcp_render(&["fn"], &resource_list(&docs, Some(config)));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Only the warning these fixtures ask for: a stdio server (no proxy can reach it).
    let stderr = text(&out.stderr);
    let warnings: Vec<&str> = stderr.lines().collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].starts_with(
        "mcp-render fn: warning: MCPServer mcp-tools/github: spec.transport: transport stdio"
    ));
    let list = yaml(&text(&out.stdout));
    assert_eq!(list["apiVersion"], "config.kubernetes.io/v1");
    assert_eq!(list["kind"], "ResourceList");
    let results = list["results"].as_array().expect("results: the warning");
    assert_eq!(results.len(), 1);
    assert!(results.iter().all(|r| r["severity"] == "warning"));

    let paths: Vec<String> = FIXTURES
        .iter()
        .map(|f| format!("fixtures/servers/{f}"))
        .collect();
    let mut args = vec![
        "render",
        "--format",
        "json",
        "-n",
        "tools",
        "--owner-refs",
        "omit",
    ];
    args.extend(paths.iter().map(String::as_str));
    let rendered = mcp_render(&args, "");
    assert_eq!(rendered.status.code(), Some(0));
    let expected = items(&serde_json::from_slice(&rendered.stdout).expect("JSON"));
    assert!(expected.len() >= 8, "the fixtures render several objects");
    assert_eq!(sorted(items(&list)), sorted(expected));
}

#[test]
fn fn_keeps_other_items_in_place_and_unchanged_and_names_files_for_new_objects() {
    let server = "\
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: demo
  namespace: tools
  annotations:
    config.kubernetes.io/path: servers/demo.yaml
    config.kubernetes.io/index: '0'
    internal.config.kubernetes.io/path: servers/demo.yaml
    internal.config.kubernetes.io/index: '0'
    internal.config.kubernetes.io/id: '1'
spec:
  image: example.com/demo:1
  transport: streamable-http
";
    let input = resource_list(&[server.to_string(), CONFIG_MAP.to_string()], None);
    let out = mcp_render(&["fn"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let list = yaml(&stdout);
    let items = items(&list);
    let kinds: Vec<&str> = items
        .iter()
        .map(|i| i["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        [
            "ServiceAccount",
            "StatefulSet",
            "Service",
            "Service",
            "ConfigMap"
        ]
    );
    for (index, object) in items[..4].iter().enumerate() {
        let annotations = &object["metadata"]["annotations"];
        for key in [
            "config.kubernetes.io/path",
            "internal.config.kubernetes.io/path",
        ] {
            assert_eq!(annotations[key], "servers/demo.rendered.yaml");
        }
        for key in [
            "config.kubernetes.io/index",
            "internal.config.kubernetes.io/index",
        ] {
            assert_eq!(annotations[key], index.to_string());
        }
        assert!(
            annotations
                .get("internal.config.kubernetes.io/id")
                .is_none()
        );
    }
    let input_list = yaml(&input);
    assert_eq!(
        items[4], input_list["items"][1],
        "passed through as it came"
    );
    // ... in its own key order, not sorted.
    let config_map = &stdout[stdout.find("kind: ConfigMap").expect("ConfigMap")..];
    assert!(config_map.find("b: \"yes\"") < config_map.find("a: \"1\""));
    assert!(
        stdout
            .find("apiVersion: v1\n  kind: ConfigMap\n  metadata:")
            .is_some()
    );
}

#[test]
fn fn_errors_give_results_with_file_and_field_and_no_items() {
    let bad = "\
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: bad
  namespace: tools
  annotations:
    config.kubernetes.io/path: servers/bad.yaml
    config.kubernetes.io/index: '2'
spec:
  image: example.com/demo:1
  transport: carrier-pigeon
";
    let good = fixture("sse.yaml");
    let out = mcp_render(&["fn"], &resource_list(&[good, bad.to_string()], None));
    assert_eq!(out.status.code(), Some(2));
    let list = yaml(&text(&out.stdout));
    assert_eq!(
        list["items"],
        Value::Array(Vec::new()),
        "no partial set of objects"
    );
    let results = list["results"].as_array().expect("results");
    let error = results
        .iter()
        .find(|r| r["severity"] == "error")
        .expect("an error result");
    assert_eq!(error["file"]["path"], "servers/bad.yaml");
    assert_eq!(error["file"]["index"], 2);
    assert_eq!(error["field"]["path"], "spec.transport");
    assert_eq!(error["resourceRef"]["kind"], "MCPServer");
    assert_eq!(error["resourceRef"]["name"], "bad");
    assert_eq!(error["resourceRef"]["namespace"], "tools");
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .contains("mcp-render fn: servers/bad.yaml[2]: MCPServer tools/bad: spec.transport: "),
        "{stderr}"
    );
}

#[test]
fn fn_reads_its_options_from_a_config_map_too() {
    let docs = vec![fixture("no-namespace.yaml")];
    let config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: render\ndata:\n  namespace: team-a\n  ownerRefs: omit\n";
    let out = mcp_render(&["fn"], &resource_list(&docs, Some(config)));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list = yaml(&text(&out.stdout));
    for object in items(&list) {
        assert_eq!(object["metadata"]["namespace"], "team-a");
    }

    let typo =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: render\ndata:\n  namespaces: team-a\n";
    let out = mcp_render(&["fn"], &resource_list(&docs, Some(typo)));
    assert_eq!(out.status.code(), Some(2));
    let list = yaml(&text(&out.stdout));
    assert_eq!(list["items"], Value::Array(Vec::new()));
    assert_eq!(list["results"][0]["field"]["path"], "data.namespaces");
    assert!(text(&out.stderr).contains("did you mean `namespace`?"));
}

#[test]
fn fn_owners_files_give_the_services_owner_references_as_in_render() {
    let docs = vec![fixture("with-owners.yaml")];
    let config = "apiVersion: mcp-render.dev/v1alpha1\nkind: MCPRender\nmetadata:\n  name: render\nownerRefs: require\nowners:\n- fixtures/owners/with-owners.yaml\n";
    let out = mcp_render(&["fn"], &resource_list(&docs, Some(config)));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = items(&yaml(&text(&out.stdout)));
    let rendered = mcp_render(
        &[
            "render",
            "--format",
            "json",
            "--owner-refs",
            "require",
            "--owners",
            "fixtures/owners/with-owners.yaml",
            "fixtures/servers/with-owners.yaml",
        ],
        "",
    );
    let expected = items(&serde_json::from_slice(&rendered.stdout).expect("JSON"));
    assert_eq!(got, expected);
    let services: Vec<&Value> = got.iter().filter(|o| o["kind"] == "Service").collect();
    assert_eq!(services.len(), 2);
    for service in services {
        assert_eq!(
            service["metadata"]["ownerReferences"][0]["uid"],
            "3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10"
        );
    }
    // Without the owners file, `require` is an error: results, no items.
    let config = "apiVersion: mcp-render.dev/v1alpha1\nkind: MCPRender\nmetadata:\n  name: render\nownerRefs: require\n";
    let out = mcp_render(&["fn"], &resource_list(&docs, Some(config)));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(yaml(&text(&out.stdout))["items"], Value::Array(Vec::new()));
}

#[test]
fn fn_refuses_what_is_not_a_resource_list() {
    for input in [
        "apiVersion: v1\nkind: List\nitems: []\n",
        "apiVersion: config.kubernetes.io/v2\nkind: ResourceList\nitems: []\n",
        "a: [",
    ] {
        let out = mcp_render(&["fn"], input);
        assert_eq!(out.status.code(), Some(2), "{input}");
        let list = yaml(&text(&out.stdout));
        assert_eq!(list["items"], Value::Array(Vec::new()));
        assert_eq!(list["results"][0]["severity"], "error");
    }
    // The older version is accepted, and answered in kind.
    let out = mcp_render(
        &["fn"],
        "apiVersion: config.kubernetes.io/v1beta1\nkind: ResourceList\nitems: []\n",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        yaml(&text(&out.stdout))["apiVersion"],
        "config.kubernetes.io/v1beta1"
    );
}

// ---- the real kustomize ----

/// The kustomize binary, or `None` (after saying so) when it is not there outside CI.
fn kustomize() -> Option<PathBuf> {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    match std::env::var_os(KUSTOMIZE_ENV).map(PathBuf::from) {
        Some(path) if path.is_file() => Some(path),
        found => {
            let why = match found {
                Some(path) => format!("{KUSTOMIZE_ENV}={} is not a file", path.display()),
                None => format!("{KUSTOMIZE_ENV} is not set"),
            };
            assert!(
                !ci,
                "{why}: CI must run the kustomize tests (MCP_RENDER_TEST_KUSTOMIZE=\"$(scripts/kustomize)\")"
            );
            // Straight to the process's stderr: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: kustomize end-to-end test did not run: {why}; run with {KUSTOMIZE_ENV}=\"$(scripts/kustomize)\""
            );
            None
        }
    }
}

fn kustomize_build(kustomize: &Path, dir: &Path, functions: bool) -> String {
    let mut command = hermetic(kustomize);
    command.arg("build");
    if functions {
        command.args(["--enable-alpha-plugins", "--enable-exec"]);
    }
    command.arg(dir);
    let out = run(command, "");
    assert!(
        out.status.success(),
        "kustomize build {}: {}",
        dir.display(),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// An app folder with the fixtures under `servers/`.
fn app_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("servers")).expect("mkdir");
    for name in FIXTURES {
        std::fs::write(dir.path().join("servers").join(name), fixture(name)).expect("write");
    }
    std::fs::write(dir.path().join("servers/settings.yaml"), CONFIG_MAP).expect("write");
    dir
}

/// kustomize over `mcp-render render`'s output of the same inputs: what the function's
/// kustomize build must equal byte for byte.
fn kustomize_of_render(kustomize: &Path, app: &Path, args: &[&str]) -> String {
    let mut all = vec!["render"];
    all.extend(args);
    let mut command = hermetic(Path::new(BIN));
    command.args(&all).current_dir(app);
    let out = run(command, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let dir = app.join("expected");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("rendered.yaml"), &out.stdout).expect("write");
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources:\n- rendered.yaml\n",
    )
    .expect("write");
    kustomize_build(kustomize, &dir, false)
}

/// Writes `kustomization.yaml` and `render.yaml`, the function's config: `kind_and_options`
/// plus the metadata that makes it an exec function running this build's mcp-render.
fn write_kustomization(app: &Path, kustomization: &str, kind_and_options: &str) {
    let config = format!(
        "{kind_and_options}metadata:\n  name: render\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: {BIN}\n        args: [fn]\n"
    );
    std::fs::write(app.join("kustomization.yaml"), kustomization).expect("write");
    std::fs::write(app.join("render.yaml"), config).expect("write");
}

#[test]
fn kustomize_transformer_output_equals_render() {
    let Some(kustomize) = kustomize() else { return };
    let app = app_folder();
    let fn_dir = app.path();
    let mut kustomization = String::from("resources:\n");
    for name in FIXTURES.iter().chain(&["settings.yaml"]) {
        kustomization.push_str(&format!("- servers/{name}\n"));
    }
    kustomization.push_str("transformers:\n- render.yaml\n");
    write_kustomization(
        fn_dir,
        &kustomization,
        "apiVersion: mcp-render.dev/v1alpha1\nkind: MCPRender\nnamespace: tools\nownerRefs: omit\n",
    );

    let built = kustomize_build(&kustomize, fn_dir, true);
    let expected = kustomize_of_render(
        &kustomize,
        app.path(),
        &["-n", "tools", "--owner-refs", "omit", "servers"],
    );
    assert!(built.contains("kind: StatefulSet"));
    assert!(
        !built.contains("config.kubernetes.io/"),
        "kustomize drops the location annotations"
    );
    assert_eq!(built, expected);
}

#[test]
fn kustomize_generator_output_equals_render() {
    let Some(kustomize) = kustomize() else { return };
    let app = app_folder();
    // As a ConfigMap, the way kpt passes options; the paths relative to the kustomization.
    write_kustomization(
        app.path(),
        "generators:\n- render.yaml\n",
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  paths: servers\n  ownerRefs: omit\n",
    );

    let built = kustomize_build(&kustomize, app.path(), true);
    let expected =
        kustomize_of_render(&kustomize, app.path(), &["--owner-refs", "omit", "servers"]);
    assert!(built.contains("kind: StatefulSet"));
    assert_eq!(built, expected);
}

#[test]
fn kustomize_fails_the_build_when_the_function_finds_an_error() {
    let Some(kustomize) = kustomize() else { return };
    let app = app_folder();
    std::fs::write(
        app.path().join("servers/bad.yaml"),
        "apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata:\n  name: bad\nspec:\n  image: example.com/x:1\n  transport: carrier-pigeon\n",
    )
    .expect("write");
    write_kustomization(
        app.path(),
        "resources:\n- servers/bad.yaml\ntransformers:\n- render.yaml\n",
        "apiVersion: mcp-render.dev/v1alpha1\nkind: MCPRender\n",
    );
    let mut command = hermetic(&kustomize);
    command
        .args(["build", "--enable-alpha-plugins", "--enable-exec"])
        .arg(app.path());
    let out = run(command, "");
    assert!(!out.status.success());
    assert_eq!(text(&out.stdout), "", "no manifests from a failed build");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("MCPServer bad: spec.transport: "),
        "{stderr}"
    );
}

// ---- the Argo CD plugin's parameters ----

fn plugin_render(env: &[(&str, &str)]) -> Output {
    let mut command = hermetic(Path::new(BIN));
    command
        .args(["render", "fixtures/servers/no-namespace.yaml"])
        .current_dir(ROOT);
    command.env("ARGOCD_APP_NAME", "demo");
    for (name, value) in env {
        command.env(name, value);
    }
    run(command, "")
}

fn namespaces(out: &Output) -> Vec<String> {
    let stdout = text(&out.stdout);
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("  namespace: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn plugin_namespace_comes_from_env_then_parameters_then_the_app_namespace() {
    let app_ns = ("ARGOCD_APP_NAMESPACE", "dest");
    let out = plugin_render(&[app_ns]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let found = namespaces(&out);
    assert!(
        !found.is_empty() && found.iter().all(|ns| ns == "dest"),
        "{found:?}"
    );

    let json = (
        "ARGOCD_APP_PARAMETERS",
        r#"[{"name":"namespace","string":"from-json"}]"#,
    );
    let out = plugin_render(&[app_ns, json, ("PARAM_NAMESPACE", "from-param")]);
    assert!(namespaces(&out).iter().all(|ns| ns == "from-json"));
    let out = plugin_render(&[app_ns, ("PARAM_NAMESPACE", "from-param")]);
    assert!(namespaces(&out).iter().all(|ns| ns == "from-param"));
    let env = ("ARGOCD_ENV_MCP_RENDER_NAMESPACE", "from-env");
    let out = plugin_render(&[app_ns, json, env]);
    assert!(namespaces(&out).iter().all(|ns| ns == "from-env"));
}

#[test]
fn plugin_parameters_are_checked() {
    let out = plugin_render(&[("PARAM_OWNER_REFS", "sometimes")]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    assert!(text(&out.stderr).contains("owner-refs"));
    let out = plugin_render(&[("ARGOCD_APP_PARAMETERS", "{not json")]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    // allow-empty as a parameter lets an empty render through inside Argo CD.
    let mut command = hermetic(Path::new(BIN));
    command
        .args(["render", "-"])
        .env("ARGOCD_APP_NAME", "demo")
        .env("PARAM_ALLOW_EMPTY", "true");
    assert_eq!(run(command, "").status.code(), Some(0));
    let mut command = hermetic(Path::new(BIN));
    command.args(["render", "-"]).env("ARGOCD_APP_NAME", "demo");
    assert_eq!(run(command, "").status.code(), Some(2));
}

#[test]
fn plugin_dynamic_parameters_list_the_servers_of_the_path() {
    let out = mcp_render(
        &[
            "argocd-parameters",
            "fixtures/servers/sse.yaml",
            "fixtures/servers/stdio.yaml",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let announcement: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(announcement[0]["name"], "servers");
    assert_eq!(announcement[0]["collectionType"], "array");
    let servers = announcement[0]["array"].as_array().expect("array");
    assert_eq!(servers.len(), 2);
    assert!(
        servers
            .iter()
            .all(|s| s.as_str().is_some_and(|s| s.contains('/')))
    );
}

#[test]
fn init_argocd_defaults_the_image_to_the_published_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("argocd");
    let out = mcp_render(
        &[
            "init",
            "argocd",
            "--repo-url",
            "https://example.com/r.git",
            "--path",
            "mcp",
            "--namespace",
            "tools",
            "--discover",
            "-o",
            out_dir.to_str().expect("UTF-8"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let patch = std::fs::read_to_string(out_dir.join("repo-server-patch.yaml")).expect("patch");
    let image = format!(
        "image: \"ghcr.io/mcp-render/mcp-render:v{}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(patch.contains(&image), "{patch}");
    let plugin = std::fs::read_to_string(out_dir.join("plugin.yaml")).expect("plugin");
    assert!(plugin.contains("fileName: .mcp-render.yaml"));
    assert!(!plugin.contains("sh\n"), "the image has no shell");
}
