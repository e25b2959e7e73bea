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

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::load::Document;
use crate::model::{
    ApiVersion, DEFAULT_PORT, EnvVar, Marks, McpServer, NODE_PORT_RANGE, Origin, Parsed,
    PassThrough, Platform, Resources, SecretRef, SessionAffinity, Spec, TOOLHIVE_GROUP, Transport,
};
use crate::node::{FieldPath, Node, Segment, Value};
use crate::render::service_account::{AccountOptions, created_account};

use self::crd::Problem;

/// Choices that affect how input is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Namespace for MCPServers that set none (`--namespace`).
    pub default_namespace: Option<String>,
    /// Whether servers get a ServiceAccount `<name>-sa`, and its default pull secrets
    /// (`--service-accounts`, `--image-pull-secret`); decided here, like the namespace, so
    /// that validation (collisions) and rendering read it from the model.
    pub accounts: AccountOptions,
    /// The CRD to check MCPServers against (`--crd`); `None` is the built-in one.
    pub crd: Option<&'static crd::Crd>,
    /// `--strict`: security settings that have no effect without ToolHive's proxy are errors.
    pub strict: bool,
    /// The platform the output is for (`--platform`).
    pub platform: Platform,
}

/// Fewer documents than this are not worth handing to another thread.
const MIN_DOCUMENTS_PER_CHUNK: usize = 32;

/// Parses every document, in runs of documents on rayon's threads joined in order: objects
/// come out in input order whatever the threads; problems are all collected.
pub fn parse(documents: &[Document], options: &ParseOptions) -> (Parsed, Diagnostics) {
    let run = documents
        .len()
        .div_ceil(rayon::current_num_threads() * 4)
        .max(MIN_DOCUMENTS_PER_CHUNK);
    let parts: Vec<_> = documents
        .par_chunks(run)
        .enumerate()
        .map(|(i, chunk)| parse_run(chunk, i * run, options))
        .collect();
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

/// [`parse`] on the calling thread (for a piece already on a worker thread).
pub fn parse_sequential(documents: &[Document], options: &ParseOptions) -> (Parsed, Diagnostics) {
    parse_run(documents, 0, options)
}

/// Parses a run of documents; `first` is the index of the first one.
fn parse_run(
    documents: &[Document],
    first: usize,
    options: &ParseOptions,
) -> (Parsed, Diagnostics) {
    let mut parsed = Parsed::default();
    let mut diagnostics = Diagnostics::new();
    for (offset, document) in documents.iter().enumerate() {
        let mut ctx = Context {
            document,
            index: first + offset,
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

    /// The location of `field` (of its nearest ancestor present) of the object at `base`.
    fn location_of(&self, base: &FieldPath, field: &str) -> Location {
        let mut full = base.clone();
        full.0.extend(FieldPath::parse(field).0);
        self.document.location(self.document.root.locate(&full))
    }

    /// The [`Marks`] of an object at `base`: `metadata.name` and `fields`.
    fn marks(&self, base: &FieldPath, fields: impl IntoIterator<Item = String>) -> Marks {
        let mut marks = Marks::default();
        for field in std::iter::once("metadata.name".to_string()).chain(fields) {
            let location = self.location_of(base, &field);
            marks.insert(field, location);
        }
        marks
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
        let declared = api_version.is_some_and(|v| v.starts_with("kustomize.config.k8s.io/"));
        if top && (declared || is_undeclared_kustomization(&self.document.source, node)) {
            let message = kustomization_warning(&self.document.source);
            self.warn(base, message);
            return;
        }
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
            // A Kustomization inside a List: not how kustomize reads it either.
            self.warn(base, kustomization_warning(&self.document.source));
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
        let object = self.pass_through(node, base, api_version, kind, origin, options);
        if let Some(object) = object {
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
        options: &ParseOptions,
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
                        format!(
                            "expected a string, found {}{}",
                            ns.value.kind(),
                            crd::quote_hint(ns)
                        ),
                    );
                    return None;
                }
            },
        };
        let mut value = node.to_json();
        // `--namespace` reaches every namespaced object that sets none, as kubectl's
        // `--namespace` and kustomize's `namespace:` do (see `cluster_scoped`).
        let namespace = match (namespace, &options.default_namespace) {
            (None, Some(default)) if !cluster_scoped(api_version, kind) => {
                if let Some(metadata) = value
                    .get_mut("metadata")
                    .and_then(serde_json::Value::as_object_mut)
                {
                    metadata.insert("namespace".to_string(), default.clone().into());
                }
                Some(default.clone())
            }
            (namespace, _) => namespace,
        };
        let is_service = kind == "Service" && !api_version.contains('/');
        let ports = value.pointer("/spec/ports").and_then(|p| p.as_array());
        let node_ports = ports
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, port)| is_service && port.get("nodePort").is_some())
            .map(|(i, _)| format!("spec.ports[{i}].nodePort"));
        let marks = self.marks(base, node_ports);
        Some(PassThrough {
            origin,
            marks,
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace,
            name: name.to_string(),
            value,
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
        let image_pull_secrets = spec
            .filter(|s| s.as_map().is_some())
            .map(pull_secret_names)
            .unwrap_or_default();
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
        let service_account = string(spec, "serviceAccount");
        let created_service_account = created_account(
            service_account.as_deref(),
            &image_pull_secrets,
            &options.accounts,
        );
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
            service_account,
            image_pull_secrets,
            created_service_account,
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
        let node_port = spec.transport.has_services() && NODE_PORT_RANGE.contains(&spec.mcp_port);
        let marks = self.marks(base, node_port.then(|| "spec.mcpPort".to_string()));
        Some(McpServer {
            origin,
            marks,
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
/// The built-in cluster-scoped kinds of Kubernetes 1.33 (`kubectl api-resources
/// --namespaced=false`): they never get `--namespace`. Any other kind, a CRD's included, is
/// taken as namespaced, as kustomize's `namespace:` transformer does; a cluster-scoped
/// custom kind that must stay without a namespace should be rendered without `--namespace`
/// or given its own file (README, Input).
const CLUSTER_SCOPED: [(&str, &str); 22] = [
    ("", "ComponentStatus"),
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("authentication.k8s.io", "SelfSubjectReview"),
    ("authentication.k8s.io", "TokenReview"),
    ("authorization.k8s.io", "SelfSubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectRulesReview"),
    ("authorization.k8s.io", "SubjectAccessReview"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("storage.k8s.io", "StorageClass"),
];

/// More cluster-scoped built-in kinds, kept apart so the table above stays one group a line.
const CLUSTER_SCOPED_MORE: [(&str, &str); 7] = [
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("resource.k8s.io", "DeviceClass"),
    ("networking.k8s.io", "IPAddress"),
];

/// True for the built-in cluster-scoped kinds (see [`CLUSTER_SCOPED`]).
pub fn cluster_scoped(api_version: &str, kind: &str) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    CLUSTER_SCOPED
        .iter()
        .chain(CLUSTER_SCOPED_MORE.iter())
        .any(|&(g, k)| g == group && k == kind)
}

/// Top-level fields of a kustomize `Kustomization` (kustomize's `types.Kustomization`).
const KUSTOMIZE_FIELDS: [&str; 33] = [
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// The file names kustomize looks for in a folder.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A kustomization without `apiVersion` and `kind` (the usual form): no `kind`, and either
/// a file name kustomize reads or only kustomize's fields with at least one of those that
/// build objects.
fn is_undeclared_kustomization(source: &str, node: &Node) -> bool {
    let Some(entries) = node.as_map() else {
        return false;
    };
    if node.get("kind").is_some() {
        return false;
    }
    let file_name = std::path::Path::new(source)
        .file_name()
        .map(|n| n.to_string_lossy());
    if file_name.is_some_and(|name| KUSTOMIZATION_FILES.contains(&name.as_ref())) {
        return true;
    }
    let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
    !keys.is_empty()
        && keys.iter().all(|key| KUSTOMIZE_FIELDS.contains(key))
        && keys.iter().any(|key| {
            matches!(
                *key,
                "resources"
                    | "bases"
                    | "components"
                    | "patches"
                    | "patchesStrategicMerge"
                    | "images"
                    | "configMapGenerator"
                    | "secretGenerator"
                    | "helmCharts"
            )
        })
}

/// The one warning for a kustomization met in the input.
fn kustomization_warning(source: &str) -> String {
    let folder = std::path::Path::new(source)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|_| source != crate::load::STDIN_NAME)
        .map(|p| if p.is_empty() { ".".to_string() } else { p });
    let (read_as_is, folder) = match &folder {
        Some(folder) => (
            " (the files it lists are read as they are)",
            folder.as_str(),
        ),
        None => ("", "DIR"),
    };
    format!(
        "skipped: kustomize input, not a Kubernetes object; its resources, patches, images and namespace are not applied{read_as_is}; to render what kustomize builds, run `kubectl kustomize {folder} | mcp-render render -` (or use the KRM function `mcp-render fn`)"
    )
}

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

/// The names of `spec.resourceOverrides.proxyDeployment.imagePullSecrets`, in order (a
/// missing name is `""`, the CRD's default, which validation rejects). The CRD check has
/// checked their shape.
fn pull_secret_names(spec: &Node) -> Vec<String> {
    let list = spec
        .get("resourceOverrides")
        .and_then(|o| o.get("proxyDeployment"))
        .and_then(|d| d.get("imagePullSecrets"));
    match list.map(|l| &l.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .map(|item| string(item, "name").unwrap_or_default())
            .collect(),
        _ => Vec::new(),
    }
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
