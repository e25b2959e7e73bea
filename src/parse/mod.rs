//! Stage 2, parse: located documents in, MCPServers and pass-through objects out.
//!
//! Each document is classified (MCPServer v1alpha1 or v1beta1, a `List` to unpack, or any
//! other Kubernetes object to pass through), checked strictly against the CRD's fields
//! ([`crd`]), and normalised into [`crate::model`]. Every problem is collected; a document
//! with problems produces no object, so later stages only see well-formed input.

pub mod crd;
pub mod owners;
mod pod_fields;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::model::{
    ApiVersion, DEFAULT_PORT, EnvVar, McpServer, Origin, Parsed, PassThrough, Platform, Resources,
    SecretRef, SessionAffinity, Spec, TOOLHIVE_GROUP, Transport,
};
use crate::node::{FieldPath, Node, Segment, Value};

use self::crd::Problem;

/// Choices that affect how input is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Namespace for MCPServers that set none (`--namespace`).
    pub default_namespace: Option<String>,
    /// The CRD to check MCPServers against (`--crd`); `None` is the built-in one.
    pub crd: Option<&'static crd::Crd>,
    /// `--strict`: security settings that have no effect without ToolHive's proxy are errors.
    pub strict: bool,
    /// The platform the output is for (`--platform`).
    pub platform: Platform,
}

/// Parses every document. Objects come out in input order; problems are all collected.
pub fn parse(documents: &[Document], options: &ParseOptions) -> (Parsed, Diagnostics) {
    parse_on(documents, options, crate::par::threads())
}

/// Fewer documents than this are not worth handing to another thread.
const MIN_DOCUMENTS_PER_CHUNK: usize = 32;

/// [`parse`] on up to `threads` threads: each parses contiguous runs of documents, and the
/// runs are joined in order, so the result is the same whatever `threads` is.
pub fn parse_on(
    documents: &[Document],
    options: &ParseOptions,
    threads: usize,
) -> (Parsed, Diagnostics) {
    let chunks = crate::par::chunks(documents.len(), threads, MIN_DOCUMENTS_PER_CHUNK);
    let parts = crate::par::map(&chunks, threads, |chunk| {
        let mut parsed = Parsed::default();
        let mut diagnostics = Diagnostics::new();
        for index in chunk.clone() {
            let document = &documents[index];
            let mut ctx = Context {
                document,
                index,
                diagnostics: &mut diagnostics,
            };
            ctx.object(
                &document.root,
                &FieldPath::root(),
                options,
                &mut parsed,
                true,
            );
        }
        (parsed, diagnostics)
    });
    let mut parsed = Parsed::default();
    let mut diagnostics = Diagnostics::new();
    for (part, part_diagnostics) in parts {
        parsed.servers.extend(part.servers);
        parsed.pass_through.extend(part.pass_through);
        parsed.problems.extend(part.problems);
        diagnostics.extend(part_diagnostics);
    }
    (parsed, diagnostics)
}

/// Reports problems against one document.
pub struct Context<'a> {
    document: &'a Document,
    index: usize,
    diagnostics: &'a mut Diagnostics,
}

impl Context<'_> {
    fn report(&mut self, base: &FieldPath, path: &FieldPath, message: impl Into<String>) {
        let mut full = base.clone();
        full.0.extend(path.0.iter().cloned());
        let mark = self.document.root.locate(&full);
        self.diagnostics.push(Diagnostic::error(
            Some(self.document.location(mark)),
            path.to_string(),
            message,
        ));
    }

    fn warn(&mut self, base: &FieldPath, message: impl Into<String>) {
        let mark = self.document.root.locate(base);
        self.diagnostics.push(Diagnostic::warning(
            Some(self.document.location(mark)),
            "",
            message,
        ));
    }

    fn report_all(&mut self, base: &FieldPath, problems: Vec<Problem>) -> bool {
        let any = !problems.is_empty();
        for problem in problems {
            self.report(base, &problem.path, problem.message);
        }
        any
    }

    fn object(
        &mut self,
        node: &Node,
        base: &FieldPath,
        options: &ParseOptions,
        parsed: &mut Parsed,
        top: bool,
    ) {
        let root = FieldPath::root();
        if node.as_map().is_none() {
            let message = format!(
                "expected a Kubernetes object (a mapping with apiVersion, kind and metadata), found {}",
                node.value.kind()
            );
            self.report(base, &root, message);
            return;
        }
        let api_version = node.get("apiVersion").and_then(Node::as_str);
        let kind = node.get("kind").and_then(Node::as_str);
        let (Some(api_version), Some(kind)) = (api_version, kind) else {
            for field in ["apiVersion", "kind"] {
                match node.get(field) {
                    None => self.report(
                        base,
                        &root.key(field),
                        "is required: every document must be a Kubernetes object",
                    ),
                    Some(value) if value.as_str().is_none() => self.report(
                        base,
                        &root.key(field),
                        format!("expected a string, found {}", value.value.kind()),
                    ),
                    Some(_) => {}
                }
            }
            return;
        };
        let items = node.get("items").filter(|_| kind.ends_with("List"));
        if let Some(items) = items {
            if !top {
                self.report(
                    base,
                    &root.key("kind"),
                    "a List inside a List is not supported",
                );
                return;
            }
            match &items.value {
                Value::Seq(elements) => {
                    for (i, element) in elements.iter().enumerate() {
                        self.object(element, &base.key("items").index(i), options, parsed, false);
                    }
                }
                Value::Null => {}
                other => self.report(
                    base,
                    &root.key("items"),
                    format!("expected a list, found {}", other.kind()),
                ),
            }
            return;
        }
        if api_version.starts_with("kustomize.config.k8s.io/") {
            self.warn(
                base,
                format!("skipped: a {kind} is kustomize input, not a Kubernetes object"),
            );
            return;
        }
        let origin = Origin {
            source: std::sync::Arc::clone(&self.document.source),
            document: self.index,
            base: base.clone(),
        };
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        if kind == "MCPServer" {
            let version = match (group, version) {
                (TOOLHIVE_GROUP, "v1alpha1") => ApiVersion::V1alpha1,
                (TOOLHIVE_GROUP, "v1beta1") => ApiVersion::V1beta1,
                _ => {
                    self.report(
                        base,
                        &root.key("apiVersion"),
                        format!("`{api_version}` is not an MCPServer API version; use `{TOOLHIVE_GROUP}/v1beta1` (or the deprecated `{TOOLHIVE_GROUP}/v1alpha1`)"),
                    );
                    return;
                }
            };
            if let Some(server) =
                self.server(node, base, version, origin, options, &mut parsed.problems)
            {
                parsed.servers.push(server);
            }
            return;
        }
        if group == TOOLHIVE_GROUP && looks_like_mcp_server(kind) {
            self.report(
                base,
                &root.key("kind"),
                format!("`{kind}` is not a ToolHive kind; did you mean `MCPServer`?"),
            );
            return;
        }
        if let Some(object) = self.pass_through(node, base, api_version, kind, origin) {
            parsed.pass_through.push(object);
        }
    }

    fn pass_through(
        &mut self,
        node: &Node,
        base: &FieldPath,
        api_version: &str,
        kind: &str,
        origin: Origin,
    ) -> Option<PassThrough> {
        let root = FieldPath::root();
        let metadata = node.get("metadata");
        let Some(metadata) = metadata.filter(|m| m.as_map().is_some()) else {
            self.report(
                base,
                &root.key("metadata"),
                "is required: a Kubernetes object needs metadata.name",
            );
            return None;
        };
        let name = metadata
            .get("name")
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty());
        let Some(name) = name else {
            self.report(
                base,
                &root.key("metadata").key("name"),
                "is required and must be a non-empty string",
            );
            return None;
        };
        let namespace = match metadata.get("namespace") {
            None => None,
            Some(ns) if ns.is_null() => None,
            Some(ns) => match ns.as_str() {
                Some(ns) => Some(ns.to_string()),
                None => {
                    self.report(
                        base,
                        &root.key("metadata").key("namespace"),
                        format!("expected a string, found {}", ns.value.kind()),
                    );
                    return None;
                }
            },
        };
        Some(PassThrough {
            origin,
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace,
            name: name.to_string(),
            value: node.to_json(),
        })
    }

    fn server(
        &mut self,
        node: &Node,
        base: &FieldPath,
        version: ApiVersion,
        origin: Origin,
        options: &ParseOptions,
        parsed_problems: &mut BTreeMap<Origin, Vec<FieldPath>>,
    ) -> Option<McpServer> {
        let root = FieldPath::root();
        let mut problems = Vec::new();
        let spec_schema = options.crd.unwrap_or(&crd::CRD).spec(version);
        let Some(spec_schema) = spec_schema else {
            self.report(
                base,
                &root.key("apiVersion"),
                format!(
                    "the CRD given with --crd does not serve `{TOOLHIVE_GROUP}/{}`",
                    crd::version_name(version)
                ),
            );
            return None;
        };
        if let Some(warning) = spec_schema.deprecation_warning {
            self.warn(&base.key("apiVersion"), warning);
        }
        let top_fields = crd::top_fields(spec_schema.spec);
        crd::check_object(node, &top_fields, &root, &mut problems);
        let metadata = node.get("metadata");
        let generate_name = metadata.and_then(|m| m.get("generateName"));
        let name = metadata.and_then(|m| m.get("name"));
        if generate_name.is_some_and(|g| !g.is_null()) && name.is_none() {
            problems.push(Problem {
                path: root.key("metadata").key("generateName"),
                message: "is not supported: a rendered MCPServer needs metadata.name".to_string(),
            });
        }
        let spec = node.get("spec");
        // The pod template is checked even when other fields have problems, so one run
        // reports them all.
        let pts_path = root.key("spec").key("podTemplateSpec");
        let pod_template_spec = match spec.and_then(|s| s.get("podTemplateSpec")) {
            Some(pts) if pts.as_map().is_some() => {
                Some(self.pod_template_spec(pts, base, &pts_path))
            }
            _ => None,
        };
        // Only for an otherwise valid server: its errors come first.
        if let Some(spec) = spec.filter(|s| s.as_map().is_some() && problems.is_empty()) {
            let name = node
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Node::as_str);
            self.notices(
                spec,
                base,
                name.unwrap_or_default(),
                version,
                options,
                &mut problems,
            );
        }
        // A server with problems is still extracted (wrong values read as unset) so that
        // validation can report its other problems in the same run; `Parsed::problems`
        // keeps it from being rendered and silences follow-on errors on the same fields.
        let problem_paths: Vec<FieldPath> = problems.iter().map(|p| p.path.clone()).collect();
        self.report_all(base, problems);
        let metadata = node.get("metadata")?;
        let spec = spec?;
        let name = metadata.get("name").and_then(Node::as_str)?.to_string();
        let namespace = metadata
            .get("namespace")
            .and_then(Node::as_str)
            .map(str::to_string)
            .or_else(|| options.default_namespace.clone());
        let mut problem_paths = problem_paths;
        let pod_template_spec = match pod_template_spec {
            None => None,
            Some(Some(typed)) => Some(Box::new(typed)),
            Some(None) => {
                problem_paths.push(pts_path);
                None
            }
        };
        if !problem_paths.is_empty() {
            parsed_problems.insert(origin.clone(), problem_paths);
        }
        let port = |key: &str| int(spec, key).map_or(DEFAULT_PORT, |p| p as i32);
        let spec = Spec {
            image: string(spec, "image").unwrap_or_default(),
            transport: string(spec, "transport")
                .and_then(|t| Transport::from_name(&t))
                .unwrap_or_default(),
            proxy_port: port("proxyPort"),
            mcp_port: port("mcpPort"),
            args: list(spec, "args")
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect(),
            env: list(spec, "env")
                .iter()
                .map(|e| EnvVar {
                    name: string(e, "name").unwrap_or_default(),
                    value: string(e, "value").unwrap_or_default(),
                })
                .collect(),
            secrets: list(spec, "secrets")
                .iter()
                .map(|s| SecretRef {
                    name: string(s, "name").unwrap_or_default(),
                    key: string(s, "key").unwrap_or_default(),
                    target_env_name: string(s, "targetEnvName"),
                })
                .collect(),
            service_account: string(spec, "serviceAccount"),
            pod_template_spec,
            resources: spec
                .get("resources")
                .filter(|r| !r.is_null())
                .map(|r| Resources {
                    limits: string_map(r.get("limits")),
                    requests: string_map(r.get("requests")),
                }),
            session_affinity: match string(spec, "sessionAffinity").as_deref() {
                Some("None") => SessionAffinity::None,
                _ => SessionAffinity::ClientIp,
            },
            backend_replicas: int(spec, "backendReplicas").map(|r| r as i32),
            platform: options.platform,
        };
        Some(McpServer {
            origin,
            api_version: version,
            name,
            namespace,
            spec,
        })
    }

    /// Reads `spec.podTemplateSpec` into the typed PodTemplateSpec. Kubernetes rejects fields it
    /// does not know (strict field validation), and so do we: a key that does not survive the
    /// typed round trip is reported as unknown.
    /// Warnings (or, for the security settings under `--strict`, errors) about what a server
    /// asks for that the rendered output cannot give it.
    fn notices(
        &mut self,
        spec: &Node,
        base: &FieldPath,
        name: &str,
        version: ApiVersion,
        options: &ParseOptions,
        problems: &mut Vec<Problem>,
    ) {
        let spec_path = FieldPath::root().key("spec");
        // Security settings that work only through ToolHive's proxy: one notice per server.
        let set: Vec<&str> = crd::overlay::PROXY_SECURITY_FIELDS
            .iter()
            .copied()
            .filter(|f| spec.get(f).is_some_and(|n| !n.is_null()))
            .collect();
        if let Some(first) = set.first() {
            let message = format!(
                "{} take{} effect only through ToolHive's proxy, which the rendered output does not contain: the MCP server's Services accept requests without {}{}",
                set.iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if set.len() == 1 { "s" } else { "" },
                if set.len() == 1 { "it" } else { "any of them" },
                if options.strict {
                    ""
                } else {
                    " (--strict makes this an error)"
                },
            );
            if options.strict {
                problems.push(Problem {
                    path: spec_path.key(first),
                    message,
                });
            } else {
                self.warn(&base.key("spec").key(first), message);
            }
        }
        // mcpPort in 30000-32767 makes `mcp-<name>` a NodePort Service, as in ToolHive.
        let transport = spec.get("transport").and_then(Node::as_str);
        let port = int(spec, "mcpPort");
        if matches!(transport, Some("sse" | "streamable-http"))
            && port.is_some_and(|p| (30000..=32767).contains(&p))
        {
            self.warn(
                &base.key("spec").key("mcpPort"),
                format!(
                    "an mcpPort in 30000-32767 makes Service `mcp-{name}` type NodePort (nodePort {}), as in ToolHive: the MCP server is reachable on every node, without the proxy's authentication",
                    port.unwrap_or_default()
                ),
            );
        }
        // `--crd`: fields the supplied CRD has that this release does not know.
        if options.crd.is_some()
            && let Some(builtin) = crd::CRD.spec(version)
        {
            let unknown = crd::unknown_paths(spec, builtin.spec, &spec_path);
            if !unknown.is_empty() {
                let list: Vec<String> = unknown.iter().map(|p| format!("`{p}`")).collect();
                let one = unknown.len() == 1;
                self.warn(
                    &base.key("spec"),
                    format!(
                        "{}: not in ToolHive {}'s schema, which this release follows; accepted because the --crd schema has {}, but {} no effect on the output",
                        list.join(", "),
                        crd::TOOLHIVE_VERSION,
                        if one { "it" } else { "them" },
                        if one { "it has" } else { "they have" },
                    ),
                );
            }
        }
    }

    fn pod_template_spec(
        &mut self,
        node: &Node,
        base: &FieldPath,
        path: &FieldPath,
    ) -> Option<PodTemplateSpec> {
        let json = node.to_json();
        let typed: PodTemplateSpec = match serde_path_to_error::deserialize(&json) {
            Ok(typed) => typed,
            Err(e) => {
                let inner = json_path(e.path());
                let mut full = path.clone();
                full.0.extend(inner.0);
                self.report(
                    base,
                    &full,
                    format!("invalid PodTemplateSpec: {}", e.inner()),
                );
                return None;
            }
        };
        let back = serde_json::to_value(&typed).unwrap_or(serde_json::Value::Null);
        let mut unknown = Vec::new();
        unknown_keys(&json, &back, path, &mut unknown);
        if !unknown.is_empty() {
            for field in unknown {
                let message = unknown_pod_field_message(&field);
                self.report(base, &field, message);
            }
            return None;
        }
        Some(typed)
    }
}

/// An unknown `podTemplateSpec` key: an error (ToolHive's operator would drop it silently),
/// with the closest field of its Kubernetes type when one is close.
fn unknown_pod_field_message(field: &FieldPath) -> String {
    let key = match field.0.last() {
        Some(Segment::Key(key)) => key.as_str(),
        _ => "",
    };
    let close = pod_fields::siblings(field).and_then(|f| crd::closest(key, f.iter().copied()));
    match close {
        Some(close) => format!(
            "unknown field in PodTemplateSpec (Kubernetes 1.35 has no such field here); did you mean `{close}`?"
        ),
        None => {
            "unknown field in PodTemplateSpec (Kubernetes 1.35 has no such field here)".to_string()
        }
    }
}

/// A misspelt `MCPServer` (`McpServer`, `MCPServers`, `MCPSever`): in ToolHive's group it
/// would otherwise pass through as an object no API server serves.
fn looks_like_mcp_server(kind: &str) -> bool {
    let lower = kind.to_ascii_lowercase();
    kind != "MCPServer"
        && lower.len() <= 20
        && strsim::damerau_levenshtein(&lower.replace(['-', '_'], ""), "mcpserver") <= 2
}

/// Converts serde_path_to_error's path into ours.
fn json_path(path: &serde_path_to_error::Path) -> FieldPath {
    let mut out = FieldPath::root();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.0.push(Segment::Index(*index)),
            serde_path_to_error::Segment::Map { key } => out.0.push(Segment::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => {
                out.0.push(Segment::Key(variant.clone()))
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    out
}

/// Keys of `input` (non-null) that the typed round trip `back` dropped: fields the type does
/// not know.
fn unknown_keys(
    input: &serde_json::Value,
    back: &serde_json::Value,
    path: &FieldPath,
    out: &mut Vec<FieldPath>,
) {
    // The path is kept as borrowed steps and only turned into a FieldPath for a finding:
    // this runs over every key of every pod template.
    enum Step<'a> {
        Key(&'a str),
        Index(usize),
    }
    fn walk<'a>(
        input: &'a serde_json::Value,
        back: &serde_json::Value,
        steps: &mut Vec<Step<'a>>,
        path: &FieldPath,
        out: &mut Vec<FieldPath>,
    ) {
        match (input, back) {
            (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
                for (key, value) in a {
                    match b.get(key) {
                        Some(inner) => {
                            steps.push(Step::Key(key));
                            walk(value, inner, steps, path, out);
                            steps.pop();
                        }
                        None if value.is_null() => {}
                        None => {
                            let mut found = path.clone();
                            found.0.extend(steps.iter().map(|step| match step {
                                Step::Key(key) => Segment::Key((*key).to_string()),
                                Step::Index(index) => Segment::Index(*index),
                            }));
                            found.0.push(Segment::Key(key.clone()));
                            out.push(found);
                        }
                    }
                }
            }
            (serde_json::Value::Array(a), serde_json::Value::Array(b)) => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    steps.push(Step::Index(i));
                    walk(x, y, steps, path, out);
                    steps.pop();
                }
            }
            _ => {}
        }
    }
    walk(input, back, &mut Vec::new(), path, out);
}

fn string(node: &Node, key: &str) -> Option<String> {
    node.get(key).and_then(Node::as_str).map(str::to_string)
}

fn int(node: &Node, key: &str) -> Option<i64> {
    match node.get(key).map(|n| &n.value) {
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    }
}

fn list<'a>(node: &'a Node, key: &str) -> &'a [Node] {
    match node.get(key).map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    node.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.value.as_str().map(|v| (e.key.clone(), v.to_string())))
        .collect()
}
