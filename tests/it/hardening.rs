//! Hostile and broken input (issue 4): every class of bad input gets exit 2, a
//! `path:line:col` message a person understands, and nothing on stdout; the inputs that must
//! render (BOM, CRLF, empty files, injection attempts) render, and read back as written.
//!
//! Every test runs the built binary, as CI and Argo CD do.

use mcp_render::validate::STDIO_WARNING;

use crate::util::{self, Run, read_back};

/// Runs `mcp-render ARGS` with `stdin` on standard input, from the package root (so paths
/// in messages are the relative ones given here).
fn mcp(args: &[&str], stdin: &[u8]) -> Run {
    util::mcp_render().args(args).stdin(stdin).run()
}

/// `mcp-render render` of `input` on stdin.
fn render_stdin(input: &str) -> Run {
    mcp(&["render"], input.as_bytes())
}

/// Exit 2 and nothing on stdout (each test then snapshots the diagnostics on stderr).
#[track_caller]
fn assert_invalid(run: &Run) {
    assert_eq!(run.code, 2, "exit code; stderr:\n{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "stdout must be empty on error, got {:?}",
        run.stdout()
    );
}

/// Exit 0 (each test then snapshots stderr).
#[track_caller]
fn assert_ok(run: &Run) {
    assert_eq!(run.code, 0, "exit code; stderr:\n{}", run.stderr);
}

/// An MCPServer `name` in namespace `tools` with HTTP transport, plus `extra` spec lines
/// (each indented by two spaces).
fn server(name: &str, extra: &str) -> String {
    format!(
        "apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: {name}
  namespace: tools
spec:
  image: ghcr.io/example/fetch:1.0
  transport: streamable-http
{extra}"
    )
}

// ---------------------------------------------------------------------------------------
// Malformed YAML and encodings
// ---------------------------------------------------------------------------------------

#[test]
fn bad_indentation_is_located() {
    let run =
        render_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   namespace: y\n");
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:5:13: invalid YAML: mapping values are not allowed in this context; check the indentation of this line against the lines above
error: 1 problem found; nothing was written
");
}

#[test]
fn unclosed_quote_points_at_its_start() {
    let run =
        render_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"x\n  namespace: y\n");
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:4:9: invalid YAML: unclosed quote; the quoted string starting here is never closed
error: 1 problem found; nothing was written
");
}

#[test]
fn tab_indentation_is_refused() {
    let run = render_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n");
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:4:2: invalid YAML: tabs disallowed within this context (block indentation); YAML indents with spaces, never tabs
error: 1 problem found; nothing was written
");
}

#[test]
fn invalid_utf8_is_located_at_the_bad_byte() {
    let run = mcp(
        &["render"],
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"caf\xe9\"\n",
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:6:10: the file is not valid UTF-8
error: 1 problem found; nothing was written
");
}

#[test]
fn bom_and_crlf_render_byte_identically_to_plain_lf() {
    let plain = server("fetch", "  args: [\"--port\", \"8080\"]\n");
    let expected = mcp(&["render", "--owner-refs", "omit"], plain.as_bytes());
    assert_ok(&expected);
    assert_eq!(expected.stderr, "", "stderr");
    assert!(expected.stdout().contains("kind: StatefulSet"));
    let crlf = plain.replace('\n', "\r\n");
    let variants = [
        format!("\u{feff}{plain}"),
        crlf.clone(),
        format!("\u{feff}{crlf}"),
    ];
    for input in variants {
        let got = mcp(&["render", "--owner-refs", "omit"], input.as_bytes());
        assert_ok(&got);
        assert_eq!(got.stderr, "", "stderr");
        assert_eq!(got.stdout(), expected.stdout(), "input {input:?}");
    }
}

#[test]
fn empty_and_comment_only_inputs_render_nothing() {
    for input in [
        "",
        "\n\n",
        "# only a comment\n# and another\n",
        "---\n---\n# x\n...\n",
    ] {
        let run = render_stdin(input);
        assert_ok(&run);
        assert_eq!(run.stderr, "", "stderr");
        assert_eq!(run.stdout(), "", "input {input:?}");
    }
}

#[test]
fn duplicate_keys_are_an_error() {
    let run = render_stdin(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"1\"\n  a: \"2\"\n",
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:7:3: duplicate key `a` (first defined on line 6); YAML does not allow duplicate keys
error: 1 problem found; nothing was written
");
}

#[test]
fn keys_kubectl_cannot_stringify_are_an_error() {
    // sigs.k8s.io/yaml fails on null keys and formats float keys its own way; we refuse both.
    for (key, what) in [("~", "null"), ("1.5", "a floating-point number")] {
        let run = render_stdin(&format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  {key}: v\n"
        ));
        assert_invalid(&run);
        assert_eq!(run.stderr, format!("<stdin>:6:3: a mapping key must be a string: kubectl reads this key as {what} and rejects it; quote it
error: 1 problem found; nothing was written
"), "stderr");
    }
}

#[test]
fn merge_key_needs_a_mapping() {
    let run = render_stdin(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  <<: just text\n",
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:6:7: a merge key (`<<`) takes a mapping or a list of mappings, as kubectl requires
error: 1 problem found; nothing was written
");
}

#[test]
fn a_wide_mapping_loads_in_linear_time() {
    // Regression: duplicate-key detection was a linear search per key, so a mapping with a
    // few hundred thousand keys took hours. It now loads at once.
    let mut input =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n");
    for i in 0..100_000 {
        input.push_str(&format!("  k{i}: v\n"));
    }
    let run = render_stdin(&input);
    assert_ok(&run);
    assert_eq!(run.stderr, "", "stderr");
    assert!(run.stdout().contains("  k99999: v\n"));
}

// ---------------------------------------------------------------------------------------
// Resource bounds: alias bombs, nesting, size
// ---------------------------------------------------------------------------------------

#[test]
fn billion_laughs_stops_at_the_node_budget() {
    let mut input = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        input.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    let run = render_stdin(&input);
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:11:55: the document expands to more than 1000000 nodes (an alias bomb?)
error: 1 problem found; nothing was written
");
}

#[test]
fn alias_bomb_of_long_strings_stops_at_the_byte_budget() {
    // Regression: aliases were counted in nodes only, so a thousand aliases to a 1 MB
    // string would have held a gigabyte.
    let input = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: &a \"{}\"\n  b: [{}]\n",
        "x".repeat(1_000_000),
        vec!["*a"; 1000].join(",")
    );
    let run = mcp(&["render", "--max-file-size", "3000000"], input.as_bytes());
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:7:7: the document's text expands to more than 3000000 bytes through aliases (an alias bomb?); --max-file-size raises this limit
error: 1 problem found; nothing was written
");
}

#[test]
fn aliases_cannot_nest_past_the_depth_limit() {
    // Regression: the depth limit counted only written nesting, so a chain of anchors, each
    // holding the previous one 90 levels deep, overflowed the stack (abort, no message).
    let mut input = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nx:\n");
    for k in 0..300 {
        let inner = if k == 0 {
            "1".to_string()
        } else {
            format!("*p{}", k - 1)
        };
        input.push_str(&format!(
            "  - &p{k} {}{inner}{}\n",
            "[".repeat(90),
            "]".repeat(90)
        ));
    }
    let run = render_stdin(&input);
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:7:99: this alias nests the document deeper than 100 levels
error: 1 problem found; nothing was written
");
}

#[test]
fn deep_block_nesting_is_refused() {
    let mut input = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n");
    for i in 0..150 {
        input.push_str(&format!("{}k{i}:\n", "  ".repeat(i + 1)));
    }
    input.push_str(&format!("{}v\n", "  ".repeat(151)));
    let run = render_stdin(&input);
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:105:201: nesting is deeper than 100 levels
error: 1 problem found; nothing was written
");
}

#[test]
fn deep_flow_nesting_is_refused() {
    let input = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let run = render_stdin(&input);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.starts_with("<stdin>:5:"),
        "located: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("nest"),
        "says it is about nesting: {}",
        run.stderr
    );
}

#[test]
fn file_size_limit_and_the_flag_that_raises_it() {
    let input = server("fetch", "");
    let size = input.len();
    let small = (size - 1).to_string();
    let refused = mcp(
        &["render", "--owner-refs", "omit", "--max-file-size", &small],
        input.as_bytes(),
    );
    assert_invalid(&refused);
    assert_eq!(refused.stderr, format!("<stdin>:1:1: input is larger than the limit of {small} bytes (raise it with --max-file-size)
error: 1 problem found; nothing was written
"), "stderr");
    let exact = size.to_string();
    let accepted = mcp(
        &["render", "--owner-refs", "omit", "--max-file-size", &exact],
        input.as_bytes(),
    );
    assert_ok(&accepted);
    assert_eq!(accepted.stderr, "", "stderr");
    assert!(accepted.stdout().contains("name: mcp-fetch\n"));
}

#[test]
fn file_size_limit_applies_to_files_too() {
    let run = mcp(
        &[
            "render",
            "--max-file-size",
            "10",
            "tests/data/hardening/foo.yaml",
        ],
        b"",
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
tests/data/hardening/foo.yaml:1:1: input is larger than the limit of 10 bytes (raise it with --max-file-size)
error: 1 problem found; nothing was written
");
}

// ---------------------------------------------------------------------------------------
// Wrong types, unknown fields, wrong kinds
// ---------------------------------------------------------------------------------------

#[test]
fn port_as_string() {
    let run = render_stdin(&server("fetch", "  mcpPort: \"8080\"\n"));
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:9:3: spec.mcpPort: expected an integer, found a string (a quoted number is a string; remove the quotes)
error: 1 problem found; nothing was written
");
}

#[test]
fn env_as_map() {
    let run = render_stdin(&server("fetch", "  env:\n    A: b\n"));
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:9:3: spec.env: expected a list, found a mapping
error: 1 problem found; nothing was written
");
}

#[test]
fn unquoted_yaml11_boolean_where_a_string_belongs() {
    let run = render_stdin(&server(
        "fetch",
        "  env:\n    - name: DEBUG\n      value: on\n",
    ));
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:11:7: spec.env[0].value: expected a string, found a boolean (YAML 1.1, as kubectl reads it, takes this unquoted value as a boolean or number; quote it)
error: 1 problem found; nothing was written
");
}

#[test]
fn unknown_fields_get_a_suggestion_when_one_is_close() {
    let run = render_stdin(&server(
        "fetch",
        "  transprot: sse\n  imagePullPolicy: Always\n",
    ));
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:9:3: spec.transprot: unknown field `transprot`; did you mean `transport`?
<stdin>:10:3: spec.imagePullPolicy: unknown field `imagePullPolicy`; valid fields here are `args`, `audit`, `authServerRef`, `authzConfig`, `authzConfigRef`, `backendReplicas`, `endpointPrefix`, `env`, `externalAuthConfigRef`, `groupRef`, `image`, `mcpPort`, `oidcConfigRef`, `permissionProfile`, `podTemplateSpec`, `proxyMode`, `proxyPort`, `rateLimiting`, `replicas`, `resourceOverrides`, `resources`, `secrets`, `serviceAccount`, `sessionAffinity`, `sessionStorage`, `telemetryConfigRef`, `toolConfigRef`, `transport`, `trustProxyHeaders`, `volumes`, `webhookConfigRef`
error: 2 problems found; nothing was written
");
}

#[test]
fn a_huge_unknown_field_name_is_reported_without_a_suggestion() {
    // Regression: the did-you-mean search compared every candidate with the whole name,
    // quadratic in time and memory (a 1 MB key needed gigabytes).
    // (An explicit `? key` entry: YAML caps implicit keys at 1024 characters.)
    let key = "k".repeat(1_000_000);
    let run = render_stdin(&server("fetch", &format!("  ? {key}\n  : 1\n")));
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.starts_with(&format!(
        "<stdin>:9:5: spec.{key}: unknown field `{key}`; valid fields here are `args`"
    )));
}

#[test]
fn wrong_api_version() {
    let input = server("fetch", "").replace("/v1beta1", "/v2");
    let run = render_stdin(&input);
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:1:1: apiVersion: `toolhive.stacklok.dev/v2` is not an MCPServer API version; use `toolhive.stacklok.dev/v1beta1` (or the deprecated `toolhive.stacklok.dev/v1alpha1`)
error: 1 problem found; nothing was written
");
}

#[test]
fn misspelt_kind_is_not_passed_through() {
    // Regression: `kind: McpServer` went out unchanged as a pass-through object, which no
    // API server serves.
    for kind in ["McpServer", "MCPServers", "MCPSever", "mcp-server"] {
        let input = server("fetch", "").replace("kind: MCPServer", &format!("kind: {kind}"));
        let run = render_stdin(&input);
        assert_invalid(&run);
        assert_eq!(
            run.stderr,
            format!(
                "<stdin>:2:1: kind: `{kind}` is not a ToolHive kind; did you mean `MCPServer`?
error: 1 problem found; nothing was written
"
            ),
            "stderr"
        );
    }
}

#[test]
fn other_toolhive_kinds_pass_through() {
    let run = render_stdin(
        "apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPGroup\nmetadata:\n  name: g\n  namespace: tools\nspec: {}\n",
    );
    assert_ok(&run);
    assert_eq!(run.stderr, "", "stderr");
    assert!(run.stdout().contains("kind: MCPGroup\n"));
}

#[test]
fn missing_metadata_name() {
    let run = render_stdin(
        "apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata:\n  namespace: tools\nspec:\n  image: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: tools\n",
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:3:1: metadata.name: is required
<stdin>:10:1: metadata.name: is required and must be a non-empty string
error: 2 problems found; nothing was written
");
}

// ---------------------------------------------------------------------------------------
// Names, env var names, ports, replicas, quantities
// ---------------------------------------------------------------------------------------

#[test]
fn server_names_with_dots_or_upper_case() {
    let run = mcp(
        &["render", "--owner-refs", "omit"],
        format!("{}---\n{}", server("fetch.v2", ""), server("Fetch", "")).as_bytes(),
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:4:3: metadata.name: `fetch.v2` must not contain dots (it must be a DNS-1123 label); it names the StatefulSet and the Services
<stdin>:13:3: metadata.name: `Fetch` must consist of lower-case letters, digits and '-' (a DNS-1123 label); it names the StatefulSet and the Services
error: 2 problems found; nothing was written
");
}

#[test]
fn server_names_over_50_characters_with_services() {
    let name = "a".repeat(51);
    let run = mcp(
        &["render", "--owner-refs", "omit"],
        server(&name, "").as_bytes(),
    );
    assert_invalid(&run);
    assert_eq!(run.stderr, format!("<stdin>:4:3: metadata.name: `{name}` is 51 characters: Service `mcp-{name}-headless` would be 64, over the 63 Kubernetes allows (an MCPServer with transport streamable-http may have at most 50 characters)
error: 1 problem found; nothing was written
"), "stderr");
    // Exactly 50 fits: `mcp-<50>-headless` is 63 characters.
    let fits = mcp(
        &["render", "--owner-refs", "omit"],
        server(&"a".repeat(50), "").as_bytes(),
    );
    assert_ok(&fits);
    assert_eq!(fits.stderr, "", "stderr");
}

#[test]
fn stdio_server_names_over_52_characters() {
    // No Services, but the StatefulSet's pods need `<name>-<hash>` in a 63-character label.
    let ok = server(&"s".repeat(52), "").replace("streamable-http", "stdio");
    let run = render_stdin(&ok);
    assert_ok(&run);
    assert_eq!(
        run.stderr,
        format!("<stdin>:8:3: warning: spec.transport: {STDIO_WARNING}\n"),
        "stderr"
    );
    let name = "s".repeat(53);
    let run = render_stdin(&server(&name, "").replace("streamable-http", "stdio"));
    assert_invalid(&run);
    assert_eq!(run.stderr, format!("<stdin>:4:3: metadata.name: `{name}` is 53 characters: a StatefulSet name over 52 breaks pod creation (the controller-revision-hash label would exceed 63 characters)
<stdin>:8:3: warning: spec.transport: {STDIO_WARNING}
error: 1 problem found; nothing was written
"), "stderr");
}

#[test]
fn leading_digit_is_fine_for_a_server_but_not_for_a_service() {
    // Services are DNS-1035 labels (must start with a letter; https://kubernetes.io/docs/concepts/overview/working-with-objects/names/).
    // A server's Services are `mcp-<name>…`, so a server name may start with a digit (its
    // StatefulSet is a DNS-1123 label); a pass-through Service may not.
    let ok = mcp(
        &["render", "--owner-refs", "omit"],
        server("0fetch", "").as_bytes(),
    );
    assert_ok(&ok);
    assert_eq!(ok.stderr, "", "stderr");
    assert!(ok.stdout().contains("  name: mcp-0fetch\n"));
    assert!(ok.stdout().contains("  name: mcp-0fetch-headless\n"));
    let run = render_stdin(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: 1svc\n  namespace: Tools\nspec: {}\n",
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:4:3: metadata.name: `1svc` must start with a lower-case letter (a Service name is a DNS-1035 label)
<stdin>:5:3: metadata.namespace: `Tools` must consist of lower-case letters, digits and '-' (a DNS-1123 label)
error: 2 problems found; nothing was written
");
}

#[test]
fn env_var_names_kubernetes_rejects() {
    let run = render_stdin(&server(
        "fetch",
        "  env:\n    - name: 1BAD\n      value: x\n    - name: \"A=B\"\n      value: \"y\"\n",
    ));
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:10:7: spec.env[0].name: `1BAD` must consist of letters, digits, '_', '-' and '.', and must not start with a digit
<stdin>:12:7: spec.env[1].name: `A=B` must consist of letters, digits, '_', '-' and '.', and must not start with a digit
error: 2 problems found; nothing was written
");
}

#[test]
fn ports_0_and_65536() {
    let run = render_stdin(&server("fetch", "  mcpPort: 0\n  proxyPort: 65536\n"));
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:9:3: spec.mcpPort: 0 is out of range (must be 1 to 65535)
<stdin>:10:3: spec.proxyPort: 65536 is out of range (must be 1 to 65535)
error: 2 problems found; nothing was written
");
}

#[test]
fn negative_and_oversized_replicas() {
    // Regression: 4294967297 passed the check and wrapped to 1 replica in the StatefulSet.
    let run = render_stdin(&format!(
        "{}---\n{}",
        server("a", "  backendReplicas: -1\n"),
        server("b", "  backendReplicas: 4294967297\n")
    ));
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:9:3: spec.backendReplicas: -1 is out of range (must be 0 to 2147483647)
<stdin>:19:3: spec.backendReplicas: 4294967297 is out of range (must be 0 to 2147483647)
error: 2 problems found; nothing was written
");
}

#[test]
fn resource_quantities_kubernetes_rejects() {
    let run = mcp(
        &["render", "--owner-refs", "omit"],
        server(
            "fetch",
            "  resources:\n    limits: {cpu: \"abc\", memory: \"-1Gi\"}\n    requests: {cpu: \"1.5e\"}\n---\n",
        )
        .as_bytes(),
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:10:14: spec.resources.limits.cpu: `abc` is not a Kubernetes quantity (such as `500m`, `1`, `128Mi` or `1e3`)
<stdin>:10:26: spec.resources.limits.memory: `-1Gi` must not be negative
<stdin>:11:16: spec.resources.requests.cpu: `1.5e` is not a Kubernetes quantity (such as `500m`, `1`, `128Mi` or `1e3`)
error: 3 problems found; nothing was written
");
    let over = mcp(
        &["render", "--owner-refs", "omit"],
        server(
            "fetch",
            "  resources:\n    limits: {cpu: 500m, memory: 1Gi}\n    requests: {cpu: \"1\", memory: 1024Mi}\n",
        )
        .as_bytes(),
    );
    assert_invalid(&over);
    insta::assert_snapshot!(over.stderr, @"
<stdin>:11:16: spec.resources.requests.cpu: `1` is more than the limit `500m`; a request must not exceed its limit
error: 1 problem found; nothing was written
");
}

// ---------------------------------------------------------------------------------------
// Values that try to inject structure
// ---------------------------------------------------------------------------------------

/// Strings that would change structure or type if written bare, and strings YAML 1.1
/// (kubectl) reads as something other than a string.
const HOSTILE: &[&str] = &[
    "line one\nline two",
    "---",
    "a\n---\nkind: Secret",
    "...",
    "key: value",
    "# not a comment",
    "value # trailing",
    "{{ .Values.secret }}",
    "${HOME}",
    "$(HOME)",
    "line\u{2028}separator",
    "para\u{2029}separator",
    "next\u{85}line",
    "tab\there",
    "carriage\rreturn",
    " leading space",
    "trailing space ",
    "",
    "on",
    "off",
    "no",
    "y",
    "Y",
    "yes",
    "NO",
    "0755",
    "0o17",
    "0x1F",
    "1_000",
    "12:30",
    "12:30:45",
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "~",
    "null",
    "Null",
    ".inf",
    "-.inf",
    ".nan",
    "1e3",
    "+1",
    "=",
    "<<",
    "- item",
    "? key",
    "[a, b]",
    "{a: b}",
    "&anchor",
    "*alias",
    "!tag",
    "%directive",
    "@at",
    "`tick",
    "|",
    ">",
    "'single'",
    "\"double\"",
    "\\backslash",
    "\u{feff}bom",
    "\u{7}bell",
    "é ü 日本",
];

#[test]
fn injection_attempts_render_and_read_back_as_the_same_strings() {
    let env: Vec<serde_json::Value> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, value)| serde_json::json!({ "name": format!("V{i:02}"), "value": value }))
        .collect();
    let input = serde_json::json!({
        "apiVersion": "toolhive.stacklok.dev/v1beta1",
        "kind": "MCPServer",
        "metadata": { "name": "inject", "namespace": "tools" },
        "spec": {
            "image": "ghcr.io/example/inject:1.0",
            "transport": "stdio",
            "args": HOSTILE,
            "env": env,
        },
    });
    // JSON is YAML: the input is written by serde_json, so it says exactly these strings.
    // No ServiceAccount: the document under test is the StatefulSet.
    let run = mcp(
        &["render", "--service-accounts", "omit"],
        input.to_string().as_bytes(),
    );
    assert_ok(&run);
    let text = input.to_string();
    let byte = text.find("\"transport\"").expect("transport");
    let at = text[..byte].chars().count() + 1;
    assert_eq!(
        run.stderr,
        format!("<stdin>:1:{at}: warning: spec.transport: {STDIO_WARNING}\n"),
        "stderr"
    );
    let documents = read_back(run.stdout());
    assert_eq!(documents.len(), 1);
    let container = &documents[0]["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("every arg reads back as a string"))
        .collect();
    assert_eq!(args, HOSTILE);
    for (i, value) in HOSTILE.iter().enumerate() {
        let name = format!("V{i:02}");
        let found = container["env"]
            .as_array()
            .expect("env")
            .iter()
            .find(|e| e["name"] == name.as_str())
            .expect("every variable is rendered");
        assert_eq!(found["value"].as_str(), Some(*value), "{name}");
    }
    // The same through JSON output.
    let json = mcp(
        &["render", "--format", "json", "--service-accounts", "omit"],
        input.to_string().as_bytes(),
    );
    let list: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON output");
    assert_eq!(list["items"][0], documents[0]);
    // The exact bytes: every look-alike quoted, every break escaped, no block scalars.
    insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("hardening__hardening_injection", run.stdout());
    });
}

#[test]
fn hostile_text_in_diagnostics_is_escaped() {
    // A value echoed in a message must not split it or drive the terminal.
    let run = render_stdin(&server(
        "fetch",
        "  env:\n    - name: \"X\\e[31mRED\\nY\"\n      value: v\n",
    ));
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:10:7: spec.env[0].name: `X\\u{1b}[31mRED\\u{a}Y` must consist of letters, digits, '_', '-' and '.', and must not start with a digit
error: 1 problem found; nothing was written
");
}

// ---------------------------------------------------------------------------------------
// Cross-object conflicts
// ---------------------------------------------------------------------------------------

#[test]
fn the_same_server_twice_is_one_error() {
    let run = mcp(
        &[
            "render",
            "--owner-refs",
            "omit",
            "tests/data/hardening/foo.yaml",
            "tests/data/hardening/foo-again.yaml",
        ],
        b"",
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
tests/data/hardening/foo.yaml:4:3: metadata.name: MCPServer tools/foo is defined twice (also at tests/data/hardening/foo-again.yaml:4:3); its StatefulSet and Services would replace each other
error: 1 problem found; nothing was written
");
}

#[test]
fn a_file_named_twice_is_read_once() {
    let run = mcp(
        &[
            "render",
            "--owner-refs",
            "omit",
            "tests/data/hardening/foo.yaml",
            "tests/data/hardening/./foo.yaml",
        ],
        b"",
    );
    assert_ok(&run);
    assert_eq!(run.stderr, "", "stderr");
    assert_eq!(run.stdout().matches("kind: StatefulSet").count(), 1);
}

#[test]
fn foo_and_foo_headless_collide() {
    let run = mcp(
        &[
            "render",
            "--owner-refs",
            "omit",
            "tests/data/hardening/foo.yaml",
            "tests/data/hardening/foo-headless.yaml",
        ],
        b"",
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
tests/data/hardening/foo.yaml:4:3: metadata.name: Service tools/mcp-foo-headless would be created twice: by MCPServer `foo` here and by MCPServer `foo-headless` at tests/data/hardening/foo-headless.yaml:4:3
error: 1 problem found; nothing was written
");
}

#[test]
fn pass_through_object_colliding_with_a_rendered_one() {
    let run = mcp(
        &[
            "render",
            "--owner-refs",
            "omit",
            "tests/data/hardening/foo.yaml",
            "tests/data/hardening/service-mcp-foo.yaml",
        ],
        b"",
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
tests/data/hardening/service-mcp-foo.yaml:4:3: metadata.name: Service tools/mcp-foo would be created twice: by a Service here and by MCPServer `foo` at tests/data/hardening/foo.yaml:4:3
error: 1 problem found; nothing was written
");
}

#[test]
fn two_node_port_services_on_one_port() {
    let a = server("a", "  mcpPort: 30080\n");
    let b = server("b", "  mcpPort: 30080\n").replace("namespace: tools", "namespace: other");
    let run = mcp(
        &["render", "--owner-refs", "omit"],
        format!("{a}---\n{b}").as_bytes(),
    );
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:9:3: warning: an mcpPort in 30000-32767 makes Service `mcp-a` type NodePort (nodePort 30080), as in ToolHive: the MCP server is reachable on every node, without the proxy's authentication
<stdin>:19:3: warning: an mcpPort in 30000-32767 makes Service `mcp-b` type NodePort (nodePort 30080), as in ToolHive: the MCP server is reachable on every node, without the proxy's authentication
<stdin>:19:3: spec.mcpPort: MCPServer `b` (Service `mcp-b`) asks for node port 30080, which MCPServer `a` (Service `mcp-a`) at <stdin>:9:3 also uses; a node port can be used once in a cluster
error: 1 problem found; nothing was written
");
}

#[test]
fn a_server_named_mcpserver_renders_with_a_warning() {
    let run = mcp(
        &["render", "--owner-refs", "omit"],
        server("mcpserver", "").as_bytes(),
    );
    assert_ok(&run);
    insta::assert_snapshot!(run.stderr, @"
<stdin>:4:3: warning: metadata.name: an MCPServer named `mcpserver` gets the selector `app: mcpserver`, which also matches ToolHive's proxy pods; choose another name if ToolHive runs in this namespace
");
    assert!(run.stdout().contains("kind: StatefulSet"));
}

// ---------------------------------------------------------------------------------------
// Owners files
// ---------------------------------------------------------------------------------------

fn render_with_owners(owners: &str) -> Run {
    mcp(
        &[
            "render",
            "--owner-refs",
            "require",
            "--owners",
            owners,
            "tests/data/hardening/foo.yaml",
        ],
        b"",
    )
}

#[test]
fn malformed_owners_file() {
    let run = render_with_owners("tests/data/hardening/owners-malformed.yaml");
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
tests/data/hardening/foo.yaml:4:3: metadata.name: no owners file gives the UID of StatefulSet tools/foo (--owner-refs require)
tests/data/hardening/owners-malformed.yaml:1:12: invalid YAML: unclosed bracket '['
error: 2 problems found; nothing was written
");
}

#[test]
fn owners_file_listing_something_else_than_statefulsets() {
    let run = render_with_owners("tests/data/hardening/owners-deployment.yaml");
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
tests/data/hardening/foo.yaml:4:3: metadata.name: no owners file gives the UID of StatefulSet tools/foo (--owner-refs require)
tests/data/hardening/owners-deployment.yaml:5:3: items[0].kind: an owners file lists StatefulSets (apps/v1), found apps/v1 Deployment
error: 2 problems found; nothing was written
");
}

#[test]
fn owners_file_with_uids_that_are_not_uuids_or_nil() {
    let run = render_with_owners("tests/data/hardening/owners-bad-uids.yaml");
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
tests/data/hardening/foo.yaml:4:3: metadata.name: no owners file gives the UID of StatefulSet tools/foo (--owner-refs require)
tests/data/hardening/owners-bad-uids.yaml:1:1: tools/foo: `not-a-uid` is not a UUID in RFC 4122 form (like 3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10)
tests/data/hardening/owners-bad-uids.yaml:2:1: tools/bar: `00000000-0000-0000-0000-000000000000` is the nil UUID, which no live object has
error: 3 problems found; nothing was written
");
}

#[test]
fn owners_files_giving_two_uids_for_one_statefulset() {
    let run = render_with_owners("tests/data/hardening/owners-two-uids.yaml");
    assert_invalid(&run);
    insta::assert_snapshot!(run.stderr, @"
tests/data/hardening/owners-two-uids.yaml:5:41: metadata.uid: StatefulSet tools/foo has two different UIDs: `4f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10` here and `3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10` at tests/data/hardening/owners-two-uids.yaml:1:1
error: 1 problem found; nothing was written
");
}

// ---------------------------------------------------------------------------------------
// The valid fixtures scripts/validate-fixtures.sh checks against Go and Kubernetes' schemas
// ---------------------------------------------------------------------------------------

#[test]
fn valid_fixtures_render_and_read_back_as_their_json() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hardening/valid");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/data/hardening/valid") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        count += 1;
        let args_file = path.with_extension("args");
        let extra = std::fs::read_to_string(&args_file).unwrap_or_default();
        let mut args: Vec<&str> = vec!["render"];
        args.extend(extra.split_whitespace());
        let file = path.to_string_lossy().into_owned();
        args.push(&file);
        let yaml = mcp(&args, b"");
        assert_eq!(yaml.code, 0, "{file}: {}", yaml.stderr);
        args.insert(1, "--format=json");
        let json = mcp(&args, b"");
        assert_eq!(json.code, 0, "{file}: {}", json.stderr);
        let list: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
        assert_eq!(
            serde_json::Value::Array(read_back(yaml.stdout())),
            list["items"],
            "{file}"
        );
    }
    assert!(count >= 4, "the fixtures are there");
}
