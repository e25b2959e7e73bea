//! What the output needs to run without ToolHive's operator: ServiceAccount `<name>-sa` (its
//! flags, its plugin variables, its place in the stream and in `-o` files, its collisions),
//! the empty `spec.serviceAccount`, and the stdio warning. Everything through the binary.

use std::path::Path;

use mcp_render::validate::STDIO_WARNING;

use crate::util::{self, read_back};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// The binary ([`util::mcp_render`]: hermetic) with `args` and `stdin`, plus `env`.
fn mcp_render(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut command = util::mcp_render().args(args).stdin(stdin);
    for (name, value) in env {
        command = command.env(name, value);
    }
    let run = command.run();
    Run {
        code: Some(run.code),
        stderr: run.stderr.clone(),
        stdout: String::from_utf8(run.stdout).expect("UTF-8 stdout"),
    }
}

/// An HTTP MCPServer `name` in namespace `tools`, plus `extra` spec lines.
fn server(name: &str, extra: &str) -> String {
    format!(
        "---
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: {name}
  namespace: tools
spec:
  image: ghcr.io/example/{name}:1.0
  transport: streamable-http
{extra}"
    )
}

/// The objects of HTTP server `fetch`, in stream order: the account first.
const FETCH_OBJECTS: [&str; 4] = [
    "ServiceAccount/fetch-sa",
    "StatefulSet/fetch",
    "Service/mcp-fetch-headless",
    "Service/mcp-fetch",
];

const PULL_SECRETS: &str = "  resourceOverrides:
    proxyDeployment:
      imagePullSecrets:
        - name: own
        - name: shared
";

/// The stream's documents, as JSON values.
fn documents(stdout: &str) -> Vec<serde_json::Value> {
    read_back(stdout)
}

fn kinds(docs: &[serde_json::Value]) -> Vec<String> {
    docs.iter()
        .map(|d| {
            format!(
                "{}/{}",
                d["kind"].as_str().unwrap_or_default(),
                d["metadata"]["name"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// Exit 2, nothing on stdout, and `expected` in the diagnostics.
#[track_caller]
fn assert_refused(run: &Run, expected: &str) {
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains(expected), "{}", run.stderr);
}

fn pull_secrets(account: &serde_json::Value) -> Vec<&str> {
    account["imagePullSecrets"]
        .as_array()
        .map(|list| list.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn the_account_comes_first_with_the_crs_pull_secrets_then_the_defaults() {
    let run = mcp_render(
        &[
            "render",
            "--owner-refs",
            "omit",
            "--image-pull-secret",
            "cluster",
            "--image-pull-secret",
            "shared,extra",
        ],
        &server("fetch", PULL_SECRETS),
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let docs = documents(&run.stdout);
    assert_eq!(kinds(&docs), FETCH_OBJECTS);
    let account = &docs[0];
    assert_eq!(account["apiVersion"], "v1");
    assert_eq!(account["metadata"]["namespace"], "tools");
    assert_eq!(account["metadata"]["labels"]["toolhive-name"], "fetch");
    assert!(account["metadata"].get("ownerReferences").is_none());
    // The CR's entries first, then each default not already there, in the order given.
    assert_eq!(pull_secrets(account), ["own", "shared", "cluster", "extra"]);
    assert_eq!(
        docs[1]["spec"]["template"]["spec"]["serviceAccountName"],
        "fetch-sa"
    );
}

#[test]
fn argocd_plugin_variables_set_both_flags_and_a_flag_wins() {
    let env = [
        (
            "ARGOCD_ENV_MCP_RENDER_IMAGE_PULL_SECRETS",
            " regcred , ,mirror",
        ),
        ("ARGOCD_ENV_MCP_RENDER_OWNER_REFS", "omit"),
    ];
    let run = mcp_render(&["render"], &server("fetch", ""), &env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let docs = documents(&run.stdout);
    assert_eq!(pull_secrets(&docs[0]), ["regcred", "mirror"]);

    let omit = [
        ("ARGOCD_ENV_MCP_RENDER_SERVICE_ACCOUNTS", "omit"),
        ("ARGOCD_ENV_MCP_RENDER_OWNER_REFS", "omit"),
    ];
    let run = mcp_render(&["render"], &server("fetch", ""), &omit);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        kinds(&documents(&run.stdout))[0],
        "StatefulSet/fetch",
        "no ServiceAccount"
    );
    let run = mcp_render(
        &["render", "--service-accounts", "render"],
        &server("fetch", ""),
        &omit,
    );
    assert_eq!(kinds(&documents(&run.stdout))[0], "ServiceAccount/fetch-sa");
}

#[test]
fn omit_renders_no_account_but_the_pods_still_name_it() {
    let input = format!(
        "{}---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: fetch-sa\n  namespace: tools\n",
        server("fetch", PULL_SECRETS)
    );
    let run = mcp_render(
        &[
            "render",
            "--owner-refs",
            "omit",
            "--service-accounts",
            "omit",
        ],
        &input,
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let docs = documents(&run.stdout);
    // The account managed elsewhere (here: passed through) is not a collision.
    assert_eq!(
        kinds(&docs),
        [
            "StatefulSet/fetch",
            "Service/mcp-fetch-headless",
            "Service/mcp-fetch",
            "ServiceAccount/fetch-sa"
        ]
    );
    assert!(
        docs[3].get("imagePullSecrets").is_none(),
        "passed through as is"
    );
    assert_eq!(
        docs[0]["spec"]["template"]["spec"]["serviceAccountName"],
        "fetch-sa"
    );

    // Rendering it too would create it twice.
    let run = mcp_render(&["render", "--owner-refs", "omit"], &input, &[]);
    assert_refused(
        &run,
        "<stdin>:19:3: metadata.name: ServiceAccount tools/fetch-sa would be created twice: by a ServiceAccount here and by MCPServer `fetch`",
    );
}

#[test]
fn a_pull_secret_flag_that_cannot_name_a_secret_is_a_usage_error() {
    for args in [
        &["render", "--image-pull-secret", "Reg_Cred"][..],
        &["render", "--service-accounts", "none"][..],
    ] {
        let run = mcp_render(args, &server("fetch", ""), &[]);
        assert_refused(&run, "error: invalid value");
    }
    let run = mcp_render(
        &["render"],
        &server("fetch", ""),
        &[("ARGOCD_ENV_MCP_RENDER_IMAGE_PULL_SECRETS", "ok,NOT OK")],
    );
    assert_refused(&run, "`NOT OK` must be a DNS-1123 subdomain");
}

#[test]
fn an_empty_service_account_keeps_the_templates_and_creates_none() {
    let input = server(
        "fetch",
        "  serviceAccount: \"\"\n  podTemplateSpec:\n    spec:\n      serviceAccountName: shared\n",
    ) + &server("time", "  serviceAccount: \"\"\n");
    let run = mcp_render(&["render", "--owner-refs", "omit"], &input, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stderr, "",
        "no warning: the template's account is not replaced"
    );
    let docs = documents(&run.stdout);
    assert!(
        kinds(&docs)
            .iter()
            .all(|k| !k.starts_with("ServiceAccount/")),
        "{:?}",
        kinds(&docs)
    );
    assert_eq!(
        docs[0]["spec"]["template"]["spec"]["serviceAccountName"],
        "shared"
    );
    let time = docs
        .iter()
        .find(|d| d["kind"] == "StatefulSet" && d["metadata"]["name"] == "time")
        .expect("time");
    assert!(
        time["spec"]["template"]["spec"]
            .get("serviceAccountName")
            .is_none()
    );
}

#[test]
fn a_directory_render_puts_the_account_first_in_the_servers_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("servers.yaml");
    std::fs::write(&input, server("fetch", PULL_SECRETS)).expect("write");
    let out = dir.path().join("rendered");
    let (input, out) = (input.to_string_lossy(), out.to_string_lossy());
    let run = mcp_render(
        &["render", "--owner-refs", "omit", "-o", &out, &input],
        "",
        &[],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let file = std::fs::read_to_string(Path::new(&*out).join("tools/mcpserver-fetch.yaml"))
        .expect("the server's file");
    let docs = documents(&file);
    assert_eq!(kinds(&docs), FETCH_OBJECTS);
    let stream = mcp_render(&["render", "--owner-refs", "omit", &input], "", &[]);
    assert_eq!(
        documents(&stream.stdout),
        docs,
        "the same objects as the stream"
    );
}

#[test]
fn each_stdio_server_gets_one_warning_and_http_servers_none() {
    let stdio = |name: &str| server(name, "").replace("streamable-http", "stdio");
    let input = stdio("a") + &stdio("b") + &server("c", "") + &stdio("d");
    let run = mcp_render(&["render", "--owner-refs", "omit"], &input, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warnings.len(), 3, "{}", run.stderr);
    for (warning, line) in warnings.iter().zip([9, 18, 36]) {
        assert_eq!(
            *warning,
            format!("<stdin>:{line}:3: warning: spec.transport: {STDIO_WARNING}")
        );
    }
    assert!(STDIO_WARNING.contains("streamable-http"), "says what to do");
}

#[test]
fn a_secret_aimed_at_a_runtime_variable_gets_its_own_message() {
    let input = server(
        "fetch",
        "  secrets:\n    - name: port\n      key: port\n      targetEnvName: MCP_PORT\n",
    );
    let run = mcp_render(&["render", "--owner-refs", "omit"], &input, &[]);
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "<stdin>:13:7: spec.secrets[0].targetEnvName: `MCP_PORT` is set by ToolHive's runtime for transport streamable-http (to `8080`) and cannot come from a secret: container `mcp` would list it twice, and server-side apply rejects duplicate entries for key [name=\"MCP_PORT\"]; choose another targetEnvName\nerror: 1 problem found; nothing was written\n"
    );
    // The same name from spec.env is replaced by the runtime's value, as in ToolHive, and said.
    let input = server(
        "fetch",
        "  env:\n    - name: MCP_PORT\n      value: \"9000\"\n",
    );
    let run = mcp_render(&["render", "--owner-refs", "omit"], &input, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "<stdin>:11:7: warning: spec.env[0].name: `MCP_PORT` is set by ToolHive's runtime for transport streamable-http (to `8080`): this value (`9000`) is replaced, as in ToolHive\n"
    );
    assert_eq!(run.stdout.matches("name: MCP_PORT\n").count(), 1);
}
