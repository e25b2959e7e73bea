//! Proof of acceptance (issue 4): generated valid MCPServer specs, across every field that
//! shapes the output, always render, and the output is what Kubernetes accepts:
//!
//! - the render succeeds, and the output, fed back in, passes every one of our validators;
//! - every name, label key and label value obeys the Kubernetes rules ([`names`]);
//! - the YAML stream reads back under YAML 1.1 (our kubectl-exact loader) equal to the JSON
//!   output, document by document, and no plain scalar that holds a string is ambiguous;
//! - the same input gives the same bytes, twice and in any input order.
//!
//! Cases: `PROPTEST_CASES` (default 64, so CI stays fast). When `MCP_RENDER_YAML2JSON` names
//! the Go oracle (scripts/yaml2json, built by scripts/validate-fixtures.sh), the YAML is also
//! read back by Go's sigs.k8s.io/yaml, exactly as kubectl reads it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::{Map, Value, json};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

use mcp_render::names;
use mcp_render::{Format, Limits, Options, OwnerRefs};

use crate::util::read_back;
use mcp_render::yaml11;

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

/// Characters that break naive emitters: indicators, quotes, every kind of line break,
/// YAML 1.1-only breaks (NEL, LS, PS), a BOM, controls, non-ASCII.
const TRICKY: &[char] = &[
    'a', 'Z', '0', '9', ' ', '-', ':', '#', '\n', '\r', '\t', '"', '\'', '\\', '{', '}', '[', ']',
    ',', '&', '*', '!', '|', '>', '%', '@', '`', '~', '.', '_', '=', '<', '?', '$', '+', '\u{85}',
    '\u{2028}', '\u{2029}', '\u{feff}', '\u{a0}', 'é', '日', '\u{7}', '\u{1b}', '\u{0}', '\u{7f}',
    '\u{fffd}', '😀',
];

/// Whole values YAML 1.1 reads as something else than a string when bare.
const LOOK_ALIKES: &[&str] = &[
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "Y",
    "N",
    "true",
    "False",
    "ON",
    "~",
    "null",
    "Null",
    "",
    "0755",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "12:30",
    "1:20:30",
    "2024-01-01",
    "2024-01-01 10:00:00",
    ".inf",
    "-.Inf",
    ".nan",
    "1e3",
    "1.5",
    "+1",
    "-0",
    "=",
    "<<",
    "---",
    "...",
    "- x",
    "? x",
    "x: y",
    "# c",
    "{{ x }}",
    "${VAR}",
    "a\n---\nb",
];

/// Any string a user might put in a value: a look-alike, or a mix of tricky characters.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(LOOK_ALIKES).prop_map(str::to_string),
        proptest::collection::vec(proptest::sample::select(TRICKY), 0..12)
            .prop_map(|chars| chars.into_iter().collect()),
        "[a-zA-Z0-9 ._/-]{0,20}",
    ]
}

/// Text made of `first` then `rest` characters, `len` long in total.
fn word(
    first: &'static str,
    rest: &'static str,
    len: std::ops::Range<usize>,
) -> BoxedStrategy<String> {
    let first: Vec<char> = first.chars().collect();
    let rest: Vec<char> = rest.chars().collect();
    (
        proptest::sample::select(first),
        proptest::collection::vec(proptest::sample::select(rest), len),
    )
        .prop_map(|(f, r)| std::iter::once(f).chain(r).collect())
        .boxed()
}

const LOWER_DIGITS: &str = "abcdefghijklmnopqrstuvwxyz0123456789";

/// A DNS-1123 label of 1 to `max` characters.
fn dns_label(max: usize) -> BoxedStrategy<String> {
    (
        word(
            LOWER_DIGITS,
            "abcdefghijklmnopqrstuvwxyz0123456789-",
            0..max - 1,
        ),
        proptest::sample::select(LOWER_DIGITS.chars().collect::<Vec<_>>()),
    )
        .prop_map(move |(mut s, last)| {
            s.truncate(max - 1);
            s.push(last);
            s
        })
        .boxed()
}

/// A DNS-1123 subdomain: labels joined by dots.
fn dns_subdomain() -> BoxedStrategy<String> {
    proptest::collection::vec(dns_label(12), 1..4)
        .prop_map(|labels| labels.join("."))
        .boxed()
}

/// An environment variable name (the classic Kubernetes rule).
fn env_name() -> BoxedStrategy<String> {
    word("ABCXYZabcxyz_.-", "ABCXYZabcxyz0123456789_.-", 0..16)
}

/// A label key, with or without a prefix.
fn label_key() -> BoxedStrategy<String> {
    (
        proptest::option::of(dns_subdomain()),
        word("abcXYZ019", "abcXYZ019-_.", 0..10).prop_map(|mut s| {
            if !s.ends_with(|c: char| c.is_ascii_alphanumeric()) {
                s.push('x');
            }
            s
        }),
    )
        .prop_map(|(prefix, name)| match prefix {
            Some(prefix) => format!("{prefix}/{name}"),
            None => name,
        })
        .boxed()
}

/// A label value, possibly a YAML 1.1 look-alike (`on`, `0755`, `1e3`, empty).
fn label_value() -> BoxedStrategy<String> {
    prop_oneof![
        proptest::sample::select(
            &[
                "on", "no", "y", "0755", "1e3", "0x1F", "true", "null", "", "12"
            ][..]
        )
        .prop_map(str::to_string),
        word("abcXYZ019", "abcXYZ019-_.", 0..10).prop_map(|mut s| {
            if !s.ends_with(|c: char| c.is_ascii_alphanumeric()) {
                s.push('9');
            }
            s
        }),
    ]
    .boxed()
}

/// A quantity pair: `(limit, request)` with request ≤ limit, in one of the usual units.
fn quantities() -> BoxedStrategy<(String, String)> {
    (
        1u32..5000,
        proptest::sample::select(&["m", "", "Mi", "Gi", "k", "M", "e3"][..]),
        0u32..=100,
    )
        .prop_map(|(limit, unit, percent)| {
            let request = limit * percent / 100;
            (format!("{limit}{unit}"), format!("{request}{unit}"))
        })
        .boxed()
}

fn resources() -> BoxedStrategy<Value> {
    (quantities(), quantities(), any::<(bool, bool)>())
        .prop_map(|((cpu_l, cpu_r), (mem_l, mem_r), (limits, requests))| {
            let mut out = Map::new();
            if limits {
                out.insert("limits".into(), json!({ "cpu": cpu_l, "memory": mem_l }));
            }
            if requests {
                out.insert("requests".into(), json!({ "cpu": cpu_r, "memory": mem_r }));
            }
            Value::Object(out)
        })
        .boxed()
}

fn env_list() -> BoxedStrategy<Vec<Value>> {
    proptest::collection::btree_map(env_name(), any_text(), 0..5)
        .prop_map(|env| {
            env.into_iter()
                .map(|(name, value)| json!({ "name": name, "value": value }))
                .collect()
        })
        .boxed()
}

/// A container's (`container: true`) or a pod's security context.
fn security_context(container: bool) -> BoxedStrategy<Value> {
    (
        proptest::option::of(0i64..70000),
        proptest::option::of(any::<bool>()),
        proptest::option::of(proptest::sample::select(
            &["RuntimeDefault", "Unconfined"][..],
        )),
    )
        .prop_map(move |(user, read_only, seccomp)| {
            let mut sc = Map::new();
            if let Some(user) = user {
                sc.insert("runAsUser".into(), json!(user));
            }
            match (read_only, container) {
                (Some(flag), true) => sc.insert("readOnlyRootFilesystem".into(), json!(flag)),
                (Some(_), false) => sc.insert("fsGroup".into(), json!(2000)),
                (None, _) => None,
            };
            if let Some(seccomp) = seccomp {
                sc.insert("seccompProfile".into(), json!({ "type": seccomp }));
            }
            Value::Object(sc)
        })
        .boxed()
}

/// A pod template: labels and annotations, sidecars, maybe an `mcp` container of its own,
/// security contexts and resources.
fn pod_template_spec() -> BoxedStrategy<Value> {
    let sidecar = (
        dns_label(20),
        proptest::collection::vec(any_text(), 0..3),
        env_list(),
    )
        .prop_map(|(name, args, env)| {
            json!({ "name": format!("side-{name}"), "image": "busybox:1.36", "args": args, "env": env })
        });
    let mcp = (
        proptest::collection::vec(any_text(), 0..3),
        env_list(),
        proptest::option::of(resources()),
        proptest::option::of(security_context(true)),
    )
        .prop_map(|(args, mut env, resources, security)| {
            // `T…`: never a spec.env name (a name in both is a duplicate env entry, an error).
            for e in &mut env {
                e["name"] = json!(format!("T{}", e["name"].as_str().unwrap_or_default()));
            }
            let mut c = json!({ "name": "mcp", "args": args, "env": env });
            if let Some(resources) = resources {
                c["resources"] = resources;
            }
            if let Some(security) = security {
                c["securityContext"] = security;
            }
            c
        });
    (
        proptest::collection::btree_map(label_key(), label_value(), 0..3),
        proptest::collection::btree_map(label_key(), any_text(), 0..3),
        proptest::collection::vec(sidecar, 0..2),
        proptest::option::of(mcp),
        proptest::option::of(security_context(false)),
        proptest::collection::btree_map(label_key(), label_value(), 0..2),
    )
        .prop_map(
            |(labels, annotations, sidecars, mcp, pod_security, node_selector)| {
                let mut containers: Vec<Value> = sidecars;
                // Distinct names: two sidecars may draw the same one.
                containers.dedup_by(|a, b| a["name"] == b["name"]);
                containers.extend(mcp);
                let mut spec = json!({ "containers": containers });
                if let Some(sc) = pod_security {
                    spec["securityContext"] = sc;
                }
                if !node_selector.is_empty() {
                    spec["nodeSelector"] = json!(node_selector);
                }
                json!({
                    "metadata": { "labels": labels, "annotations": annotations },
                    "spec": spec,
                })
            },
        )
        .boxed()
}

/// One generated server: its document and whether it has Services.
#[derive(Debug, Clone)]
struct Server {
    doc: Value,
}

fn server(index: usize) -> BoxedStrategy<Server> {
    let fields = (
        dns_label(40),
        proptest::option::of(dns_label(20)),
        proptest::option::of(proptest::sample::select(
            &["stdio", "sse", "streamable-http"][..],
        )),
        proptest::option::of(prop_oneof![1i64..=65535, 30000i64..=32767]),
        proptest::option::of(1i64..=65535),
        any::<bool>(),
        proptest::collection::vec(any_text(), 0..4),
        env_list(),
    );
    let more = (
        proptest::collection::vec(
            (
                dns_subdomain(),
                word("abcXYZ_.-", "abcXYZ019_.-", 0..10),
                proptest::option::of(env_name()),
            ),
            0..3,
        ),
        proptest::option::of(dns_subdomain()),
        proptest::option::of(resources()),
        proptest::option::of(proptest::sample::select(&["ClientIP", "None"][..])),
        proptest::option::of(prop_oneof![Just(0i64), 1i64..10, Just(i64::from(i32::MAX))]),
        proptest::option::of(pod_template_spec()),
        prop_oneof![
            Just("ghcr.io/example/server:1.0".to_string()),
            word("abcxyz019", "abcxyz019./:@-_", 1..30),
        ],
    );
    (fields, more)
        .prop_map(move |(fields, more)| {
            let (name, namespace, transport, mcp_port, proxy_port, v1alpha1, args, env) = fields;
            let (secrets, service_account, resources, affinity, replicas, pts, image) = more;
            // Unique per index, and never `<other>-headless`: names end in a digit.
            let name = format!("{name}-{index}");
            let mut spec = Map::new();
            spec.insert("image".into(), json!(image));
            if let Some(t) = transport {
                spec.insert("transport".into(), json!(t));
            }
            // v1alpha1 has the v1beta1 schema at ToolHive v0.44.0.
            let (proxy_key, mcp_key) = ("proxyPort", "mcpPort");
            if let Some(p) = proxy_port {
                spec.insert(proxy_key.into(), json!(p));
            }
            // Node ports are cluster-wide: each server gets its own.
            if let Some(p) = mcp_port {
                let p = if (30000..=32767).contains(&p) {
                    30000 + (p - 30000) / 8 * 8 + index as i64
                } else {
                    p
                };
                spec.insert(mcp_key.into(), json!(p.min(65535)));
            }
            spec.insert("args".into(), json!(args));
            spec.insert("env".into(), json!(env));
            let secrets: Vec<Value> = secrets
                .into_iter()
                .enumerate()
                .map(|(i, (secret, key, target))| {
                    let mut s = json!({ "name": secret, "key": format!("k{key}{i}") });
                    if let Some(target) = target {
                        s["targetEnvName"] = json!(format!("S{i}{target}"));
                    }
                    s
                })
                .collect();
            spec.insert("secrets".into(), json!(secrets));
            if let Some(sa) = service_account {
                spec.insert("serviceAccount".into(), json!(sa));
            }
            if let Some(r) = resources {
                spec.insert("resources".into(), r);
            }
            if let Some(a) = affinity {
                spec.insert("sessionAffinity".into(), json!(a));
            }
            if let Some(r) = replicas {
                spec.insert("backendReplicas".into(), json!(r));
            }
            if let Some(pts) = pts {
                spec.insert("podTemplateSpec".into(), pts);
            }
            let mut metadata = json!({ "name": name });
            if let Some(ns) = namespace {
                metadata["namespace"] = json!(ns);
            }
            let version = if v1alpha1 { "v1alpha1" } else { "v1beta1" };
            Server {
                doc: json!({
                    "apiVersion": format!("toolhive.stacklok.dev/{version}"),
                    "kind": "MCPServer",
                    "metadata": metadata,
                    "spec": spec,
                }),
            }
        })
        .boxed()
}

/// A pass-through ConfigMap whose keys and values are hostile, and numbers of every shape.
fn config_map() -> BoxedStrategy<Value> {
    (
        proptest::collection::btree_map(any_text(), any_text(), 0..6),
        proptest::collection::vec(
            prop_oneof![
                any::<i64>().prop_map(|n| json!(n)),
                any::<u64>().prop_map(|n| json!(n)),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(|f| json!(f)),
                any::<bool>().prop_map(|b| json!(b)),
                Just(Value::Null),
            ],
            0..6,
        ),
    )
        .prop_map(|(data, numbers)| {
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": { "name": "hostile", "namespace": "tools" },
                "data": data,
                "x-numbers": numbers,
            })
        })
        .boxed()
}

/// A whole input: 1–3 servers, maybe a ConfigMap, and a permutation for the shuffle check.
fn input() -> BoxedStrategy<(Vec<Value>, Vec<usize>)> {
    (
        proptest::collection::vec(any::<u8>(), 1..4),
        proptest::option::of(config_map()),
        any::<u64>(),
    )
        .prop_flat_map(|(servers, cm, seed)| {
            let strategies: Vec<BoxedStrategy<Server>> = (0..servers.len()).map(server).collect();
            (strategies, Just(cm), Just(seed))
        })
        .prop_map(|(servers, cm, seed)| {
            let mut docs: Vec<Value> = servers.into_iter().map(|s| s.doc).collect();
            docs.extend(cm);
            // A deterministic shuffle of the documents from the seed.
            let mut order: Vec<usize> = (0..docs.len()).collect();
            let mut state = seed | 1;
            for i in (1..order.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                order.swap(i, (state % (i as u64 + 1)) as usize);
            }
            (docs, order)
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

/// The documents as one YAML stream, written by serde-saphyr (not by hand).
fn to_yaml_stream(docs: &[Value]) -> String {
    serde_saphyr::to_string_multiple(docs).expect("serde-saphyr writes any JSON value")
}

/// Renders `yaml` through the library, as the binary does. Returns (YAML, JSON) output.
fn render(yaml: &str) -> Result<(String, String), String> {
    let options = Options {
        owner_refs: OwnerRefs::Omit,
        limits: Limits::default(),
        ..Options::default()
    };
    let render = |format| {
        mcp_render::render(&options, &mut yaml.as_bytes(), format)
            .map(|rendering| rendering.stream.into_string())
            .map_err(|e| e.to_string())
    };
    Ok((render(Format::Yaml)?, render(Format::Json)?))
}

/// Walks the YAML events beside the JSON value they must mean, and fails on any plain
/// scalar that holds a string but that YAML 1.1 would read as something else.
fn check_plain_scalars(yaml: &str, documents: &[Value]) -> Result<(), String> {
    let mut events = Parser::new_from_str(yaml).map(|e| e.map(|(event, _)| event));
    let mut next = move || -> Result<Event<'_>, String> {
        match events.next() {
            Some(Ok(event)) => Ok(event),
            Some(Err(e)) => Err(format!("parse error: {e:?}")),
            None => Err("unexpected end of events".to_string()),
        }
    };
    fn walk<'a>(
        next: &mut dyn FnMut() -> Result<Event<'a>, String>,
        first: Event<'a>,
        value: &Value,
    ) -> Result<(), String> {
        match first {
            Event::Scalar(text, style, _, _) => {
                if value.is_string()
                    && style == ScalarStyle::Plain
                    && yaml11::is_ambiguous_plain(&text)
                {
                    return Err(format!(
                        "the string {text:?} is written bare but is ambiguous"
                    ));
                }
                Ok(())
            }
            Event::SequenceStart(..) => {
                let items = value.as_array().ok_or("a sequence where JSON has none")?;
                for item in items {
                    let event = next()?;
                    walk(next, event, item)?;
                }
                match next()? {
                    Event::SequenceEnd => Ok(()),
                    other => Err(format!("expected the end of a sequence, got {other:?}")),
                }
            }
            Event::MappingStart(..) => {
                let map = value.as_object().ok_or("a mapping where JSON has none")?;
                loop {
                    match next()? {
                        Event::MappingEnd => return Ok(()),
                        Event::Scalar(key, style, _, _) => {
                            if style == ScalarStyle::Plain && yaml11::is_ambiguous_plain(&key) {
                                return Err(format!(
                                    "the key {key:?} is written bare but is ambiguous"
                                ));
                            }
                            let child = map
                                .get(key.as_ref())
                                .ok_or(format!("no JSON key {key:?}"))?;
                            let event = next()?;
                            walk(next, event, child)?;
                        }
                        other => return Err(format!("expected a key, got {other:?}")),
                    }
                }
            }
            other => Err(format!("unexpected event {other:?}")),
        }
    }
    let mut index = 0;
    loop {
        match next() {
            Err(_) => break,
            Ok(Event::StreamEnd) => break,
            Ok(Event::DocumentStart(..)) => {
                let event = next()?;
                let document = documents
                    .get(index)
                    .ok_or("more YAML documents than JSON items")?;
                walk(&mut next, event, document)?;
                index += 1;
            }
            Ok(_) => {}
        }
    }
    if index != documents.len() {
        return Err(format!(
            "{index} YAML documents, {} JSON items",
            documents.len()
        ));
    }
    Ok(())
}

/// Every name, namespace and label obeys the Kubernetes rules.
fn check_names(items: &[Value]) -> Result<(), String> {
    let labels_ok = |labels: Option<&Value>, what: &str| -> Result<(), String> {
        for (key, value) in labels.and_then(Value::as_object).into_iter().flatten() {
            names::label_key(key).map_err(|e| format!("{what} label key {key:?} {e}"))?;
            let value = value
                .as_str()
                .ok_or(format!("{what} label {key} is not a string"))?;
            names::label_value(value).map_err(|e| format!("{what} label {key}={value:?} {e}"))?;
        }
        Ok(())
    };
    for item in items {
        let kind = item["kind"].as_str().unwrap_or_default();
        let name = item["metadata"]["name"]
            .as_str()
            .ok_or("an object without a name")?;
        if let Some(ns) = item["metadata"]["namespace"].as_str() {
            names::dns1123_label(ns).map_err(|e| format!("namespace {ns:?} {e}"))?;
        }
        labels_ok(item["metadata"].get("labels"), kind)?;
        match kind {
            "StatefulSet" => {
                names::dns1123_label(name).map_err(|e| format!("StatefulSet {name:?} {e}"))?;
                if name.len() > names::MAX_STATEFULSET_NAME {
                    return Err(format!("StatefulSet {name:?} is too long for its pods"));
                }
                let template = &item["spec"]["template"];
                labels_ok(template["metadata"].get("labels"), "pod")?;
                labels_ok(item["spec"]["selector"].get("matchLabels"), "selector")?;
                for c in template["spec"]["containers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let c_name = c["name"].as_str().unwrap_or_default();
                    names::dns1123_label(c_name)
                        .map_err(|e| format!("container {c_name:?} {e}"))?;
                    let mut seen = std::collections::BTreeSet::new();
                    for env in c["env"].as_array().into_iter().flatten() {
                        let e_name = env["name"].as_str().unwrap_or_default();
                        names::env_var_name(e_name).map_err(|e| format!("env {e_name:?} {e}"))?;
                        if !seen.insert(e_name) {
                            return Err(format!("env {e_name:?} twice in {c_name:?}"));
                        }
                    }
                }
                if let Some(sa) = template["spec"]["serviceAccountName"].as_str() {
                    names::dns1123_subdomain(sa)
                        .map_err(|e| format!("service account {sa:?} {e}"))?;
                }
            }
            "Service" => {
                names::dns1035_label(name).map_err(|e| format!("Service {name:?} {e}"))?;
                labels_ok(item["spec"].get("selector"), "selector")?;
                for port in item["spec"]["ports"].as_array().into_iter().flatten() {
                    let p_name = port["name"].as_str().unwrap_or_default();
                    names::dns1123_label(p_name).map_err(|e| format!("port {p_name:?} {e}"))?;
                }
            }
            _ => names::path_segment_name(name).map_err(|e| format!("{kind} {name:?} {e}"))?,
        }
    }
    Ok(())
}

/// Reads `yaml` with Go's sigs.k8s.io/yaml, when the oracle is built.
fn go_read_back(yaml: &str) -> Option<Vec<Value>> {
    let oracle = PathBuf::from(std::env::var_os("MCP_RENDER_YAML2JSON")?);
    let mut child = Command::new(oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the Go oracle runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(yaml.as_bytes())
        .expect("the oracle reads its input");
    let output = child.wait_with_output().expect("the oracle finishes");
    let text = String::from_utf8(output.stdout).expect("UTF-8 JSON lines");
    assert!(
        output.status.success(),
        "Go could not read our YAML: {text}"
    );
    Some(
        text.lines()
            .map(|line| serde_json::from_str(line).expect("one JSON value per line"))
            .collect(),
    )
}

/// The value with every number as an f64, for comparing with Go's JSON.
fn numbers_as_f64(value: &Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.iter().map(numbers_as_f64).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), numbers_as_f64(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// All the properties for one input.
fn check(docs: &[Value], order: &[usize]) -> Result<(), TestCaseError> {
    let input = to_yaml_stream(docs);
    let (yaml, json) = render(&input).map_err(|e| {
        TestCaseError::fail(format!(
            "a valid input did not render:\n{e}\ninput:\n{input}"
        ))
    })?;
    let list: Value = serde_json::from_str(&json).expect("the JSON output is JSON");
    let items = list["items"].as_array().expect("a List").clone();

    // YAML read back under YAML 1.1 equals the JSON output, document by document.
    let documents = read_back(&yaml);
    prop_assert_eq!(
        &documents,
        &items,
        "YAML and JSON outputs differ; YAML:\n{}",
        yaml
    );
    check_plain_scalars(&yaml, &items).map_err(TestCaseError::fail)?;
    if let Some(go) = go_read_back(&yaml) {
        // Go writes an integral float as an integer (`1.0` → `1`): compare numbers by value.
        prop_assert_eq!(
            numbers_as_f64(&Value::Array(go)),
            numbers_as_f64(&Value::Array(items.clone())),
            "Go reads the YAML differently; YAML:\n{}",
            yaml
        );
    }

    // Pass-through objects come out as they went in: our loader read the input as written.
    for doc in docs.iter().filter(|d| d["kind"] != "MCPServer") {
        let out = items.iter().find(|i| i["kind"] == doc["kind"]);
        prop_assert_eq!(out, Some(doc), "a pass-through object changed");
    }

    // Names and labels obey the Kubernetes rules.
    check_names(&items).map_err(TestCaseError::fail)?;

    // The output passes our own validators: fed back in, it all passes through.
    let (again, _) = render(&yaml)
        .map_err(|e| TestCaseError::fail(format!("our output is not valid input:\n{e}")))?;
    let mut before = documents.clone();
    let mut after = read_back(&again);
    let key = |v: &Value| v.to_string();
    before.sort_by_key(key);
    after.sort_by_key(key);
    prop_assert_eq!(before, after, "re-rendering the output changed it");

    // Same bytes twice, and in any input order.
    let (yaml2, json2) = render(&input).map_err(TestCaseError::fail)?;
    prop_assert_eq!(&yaml, &yaml2);
    prop_assert_eq!(&json, &json2);
    let shuffled: Vec<Value> = order.iter().map(|&i| docs[i].clone()).collect();
    let (yaml3, json3) = render(&to_yaml_stream(&shuffled)).map_err(TestCaseError::fail)?;
    prop_assert_eq!(&yaml, &yaml3, "input order changed the output");
    prop_assert_eq!(&json, &json3);
    Ok(())
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let defaults = Config::default();
    Config {
        cases,
        // Failures are kept as regression tests below, by hand, not in a side file.
        failure_persistence: None,
        // CI runs the same cases every time (a red build must mean a change broke something);
        // set PROPTEST_RNG_SEED to explore other cases.
        rng_seed: match std::env::var("PROPTEST_RNG_SEED") {
            Ok(_) => defaults.rng_seed,
            Err(_) => RngSeed::Fixed(0x6d63_702d_7265_6e64),
        },
        ..defaults
    }
}

#[test]
fn generated_servers_render_to_what_kubernetes_accepts() {
    let mut runner = TestRunner::new(config());
    let result = runner.run(&input(), |(docs, order)| check(&docs, &order));
    if let Err(e) = result {
        panic!("{e}");
    }
}
