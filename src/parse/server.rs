//! Building an MCPServer: the strict CRD check, the notices about what the rendered output
//! cannot give it, and the model (`Spec`) read from its fields.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::model::{
    ApiVersion, DEFAULT_PORT, EnvVar, McpServer, NODE_PORT_RANGE, Origin, PodTemplate, Resources,
    SecretRef, SessionAffinity, Spec, TOOLHIVE_GROUP, Transport,
};
use crate::node::{FieldPath, Node, Value};
use crate::render::service_account::created_account;

use super::crd::{self, Problem};
use super::{Context, ParseOptions};

impl Context<'_> {
    /// An MCPServer: checked against the CRD's fields, its pod template and notices, then read
    /// into the model (a server with problems is still read, see below).
    pub(super) fn server(
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
            Some(Some(typed)) => Some(PodTemplate::new(typed)),
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
        let marks = self.marks(base, node_port.then_some(Cow::Borrowed("spec.mcpPort")));
        Some(McpServer {
            origin,
            marks,
            api_version: version,
            name,
            namespace,
            spec: Box::new(spec),
        })
    }

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

/// The string values of a mapping, sorted by key (a YAML mapping has no key twice).
fn string_map(node: Option<&Node>) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = node
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.value.as_str().map(|v| (e.key.clone(), v.to_string())))
        .collect();
    entries.sort();
    // Held until the render: exactly its one or two entries, not the four a growing list
    // starts with.
    entries.shrink_to_fit();
    entries
}
