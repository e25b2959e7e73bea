//! A deterministic corpus of MCPServers for benchmarks and tests.
//!
//! Server `i` is a pure function of `i` (a SplitMix64 hash of it picks every choice), so any
//! prefix of a corpus is the smaller corpus, and the same size always gives the same bytes.
//! The mix follows what the issue describes as a GitOps monorepo: about 35% stdio servers
//! (one StatefulSet) and 65% HTTP servers (a StatefulSet and two Services), so about 2.3 output
//! objects per server; env (with values YAML 1.1 would misread unquoted), secrets, args,
//! resources, and pod templates with sidecars, an existing `mcp` container, volumes and
//! security contexts. Documents are built as `serde_json::Value` and written by serde-saphyr:
//! no YAML is assembled from strings.
//!
//! Shared by `examples/gen_servers` (the command), `benches/pipeline.rs` and the tests, through
//! `#[path]`; not part of the library.

#![allow(dead_code)]

use serde_json::{Map, Value, json};

/// SplitMix64: a tiny, well-known mixing function; a pure function of its input.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The choices for one server: a stream of pseudo-random numbers seeded by its index.
struct Dice {
    state: u64,
}

impl Dice {
    fn new(index: usize) -> Dice {
        Dice {
            state: mix(index as u64 ^ 0x6d63_702d_7265_6e64),
        }
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.state = mix(self.state);
        self.state % n
    }

    /// True with probability `percent`%.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "fetch", "github", "gitlab", "postgres", "sqlite", "slack", "jira", "search", "browser",
    "files", "memory", "time", "weather", "k8s", "grafana", "sentry", "notion", "drive",
];

/// Env values chosen to stress quoting: YAML 1.1 readers take `on`, `yes`, `1_000`, `12:30`,
/// `0x1F` and `~` for booleans, numbers or null unless they are quoted.
const ENV_VALUES: &[&str] = &[
    "info",
    "on",
    "yes",
    "1_000",
    "12:30",
    "0x1F",
    "~",
    "true",
    "https://api.example.com/v1",
    "multi\nline",
    "# not a comment",
    "value with spaces",
    "3.14",
    "",
    "null",
];

/// The transport of server `index` (also used to write the owners file).
pub fn transport(index: usize) -> &'static str {
    match Dice::new(index).below(20) {
        0..=6 => "stdio",
        7..=13 => "streamable-http",
        _ => "sse",
    }
}

/// Namespace of server `index`: 50 teams.
pub fn namespace(index: usize) -> String {
    format!("team-{:02}", mix(index as u64) % 50)
}

/// Name of server `index`: unique across the corpus, well under the 50-character limit.
pub fn name(index: usize) -> String {
    let word = WORDS[(mix(index as u64 ^ 0xabcd) % WORDS.len() as u64) as usize];
    format!("{word}-{index:06}")
}

/// A UID for the owners file, in RFC 4122 text form, derived from the index.
pub fn uid(index: usize) -> String {
    let a = mix(index as u64 ^ 0x55);
    let b = mix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 52) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// MCPServer number `index`.
pub fn server(index: usize) -> Value {
    let mut dice = Dice::new(index);
    let transport = transport(index);
    let http = transport != "stdio";
    let name = name(index);
    let word = name.split('-').next().unwrap_or("mcp").to_string();
    let v1alpha1 = dice.chance(10);

    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    metadata.insert("namespace".into(), json!(namespace(index)));
    if dice.chance(50) {
        metadata.insert(
            "labels".into(),
            json!({ "app.kubernetes.io/part-of": "mcp-platform", "team": namespace(index) }),
        );
    }
    if dice.chance(30) {
        metadata.insert(
            "annotations".into(),
            json!({ "argocd.argoproj.io/sync-wave": "1", "owner": format!("{word}@example.com") }),
        );
    }

    let mut spec = Map::new();
    spec.insert(
        "image".into(),
        json!(format!(
            "ghcr.io/example/{word}-mcp:1.{}.{}",
            dice.below(20),
            dice.below(10)
        )),
    );
    // Half the stdio servers rely on the default transport.
    if http || dice.chance(50) {
        spec.insert("transport".into(), json!(transport));
    }
    if http {
        // One server in 40 asks for a node port (mcpPort in 30000-32767), each a different
        // one, as a cluster requires: there are only 2,768 of them.
        let port = match (index % 40, index / 40) {
            (7, slot) if slot < 2768 => 30000 + slot as u64,
            _ => 8000 + dice.below(100),
        };
        // v1alpha1 has the v1beta1 schema at ToolHive v0.44.0.
        spec.insert("mcpPort".into(), json!(port));
        if dice.chance(30) {
            spec.insert("proxyPort".into(), json!(9000 + dice.below(100)));
        }
        if dice.chance(10) {
            spec.insert("sessionAffinity".into(), json!("None"));
        }
    }
    let args: Vec<Value> = (0..dice.below(5))
        .map(|a| match a {
            0 => json!("--log-level=info"),
            1 => json!(format!("--allowed-dir=/data/{word}")),
            2 => json!("--read-only"),
            _ => json!(format!("--port={}", 8000 + a)),
        })
        .collect();
    if !args.is_empty() {
        spec.insert("args".into(), Value::Array(args));
    }
    let env: Vec<Value> = (0..dice.below(9))
        .map(|e| {
            json!({
                "name": format!("{}_{e}", word.to_uppercase().replace('-', "_")),
                "value": dice.pick(ENV_VALUES),
            })
        })
        .collect();
    if !env.is_empty() {
        spec.insert("env".into(), Value::Array(env));
    }
    let secrets: Vec<Value> = (0..dice.below(4))
        .map(|s| {
            let mut secret = json!({ "name": format!("{word}-credentials-{s}"), "key": "token" });
            if dice.chance(50) {
                secret["targetEnvName"] = json!(format!("{}_TOKEN_{s}", word.to_uppercase()));
            } else {
                secret["key"] = json!(format!("TOKEN_{s}"));
            }
            secret
        })
        .collect();
    if !secrets.is_empty() {
        spec.insert("secrets".into(), Value::Array(secrets));
    }
    if dice.chance(20) {
        spec.insert("serviceAccount".into(), json!(format!("{word}-runner")));
    }
    if dice.chance(15) {
        spec.insert("backendReplicas".into(), json!(1 + dice.below(3)));
    }
    if dice.chance(50) {
        spec.insert(
            "resources".into(),
            json!({
                "limits": { "cpu": "500m", "memory": format!("{}Mi", 128 << dice.below(3)) },
                "requests": { "cpu": "100m", "memory": "64Mi" },
            }),
        );
    }
    if dice.chance(60) {
        spec.insert("podTemplateSpec".into(), pod_template(&mut dice, &word));
    }

    json!({
        "apiVersion": if v1alpha1 { "toolhive.stacklok.dev/v1alpha1" } else { "toolhive.stacklok.dev/v1beta1" },
        "kind": "MCPServer",
        "metadata": metadata,
        "spec": spec,
    })
}

/// A pod template: labels and annotations, a pod security context, a sidecar, sometimes the
/// `mcp` container itself (volume mounts, its own security context), volumes, scheduling.
fn pod_template(dice: &mut Dice, word: &str) -> Value {
    let mut containers = Vec::new();
    if dice.chance(60) {
        containers.push(json!({
            "name": "log-shipper",
            "image": "fluent/fluent-bit:3.1",
            "args": ["--config=/fluent-bit/etc/fluent-bit.conf"],
            "resources": { "limits": { "cpu": "50m", "memory": "32Mi" } },
            "volumeMounts": [{ "name": "logs", "mountPath": "/var/log/mcp" }],
            "securityContext": { "readOnlyRootFilesystem": true, "runAsUser": 2000 },
        }));
    }
    if dice.chance(50) {
        containers.push(json!({
            "name": "mcp",
            "args": ["--config=/etc/mcp/config.yaml"],
            "env": [{ "name": "TZ", "value": "UTC" }],
            "volumeMounts": [
                { "name": "config", "mountPath": "/etc/mcp", "readOnly": true },
                { "name": "logs", "mountPath": "/var/log/mcp" },
            ],
            "securityContext": {
                "allowPrivilegeEscalation": false,
                "capabilities": { "drop": ["ALL"], "add": ["NET_BIND_SERVICE"] },
            },
        }));
    }
    let mut pod = Map::new();
    pod.insert("containers".into(), Value::Array(containers));
    pod.insert(
        "volumes".into(),
        json!([
            { "name": "config", "configMap": { "name": format!("{word}-config") } },
            { "name": "logs", "emptyDir": {} },
        ]),
    );
    if dice.chance(50) {
        pod.insert(
            "securityContext".into(),
            json!({ "runAsUser": 1001, "fsGroup": 2001, "seccompProfile": { "type": "RuntimeDefault" } }),
        );
    }
    if dice.chance(30) {
        pod.insert(
            "nodeSelector".into(),
            json!({ "kubernetes.io/os": "linux" }),
        );
        pod.insert(
            "tolerations".into(),
            json!([{ "key": "dedicated", "operator": "Equal", "value": "mcp", "effect": "NoSchedule" }]),
        );
    }
    json!({
        "metadata": {
            "labels": { "sidecar.istio.io/inject": "false", "tier": "tools" },
            "annotations": { "prometheus.io/scrape": "true", "prometheus.io/port": "9090" },
        },
        "spec": pod,
    })
}

/// Servers `range`, as one YAML stream (`---` between documents).
pub fn yaml_stream(range: std::ops::Range<usize>) -> String {
    let documents: Vec<Value> = range.map(server).collect();
    serde_saphyr::to_string_multiple(&documents).unwrap_or_else(|e| panic!("generator: {e}"))
}

/// An owners lock file (`namespace/name: uid`) for the HTTP servers among `0..count`.
pub fn owners_lock(count: usize) -> String {
    let mut map = Map::new();
    for index in (0..count).filter(|&i| transport(i) != "stdio") {
        map.insert(
            format!("{}/{}", namespace(index), name(index)),
            json!(uid(index)),
        );
    }
    serde_saphyr::to_string(&Value::Object(map)).unwrap_or_else(|e| panic!("generator: {e}"))
}
