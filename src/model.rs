//! The MCPServer model: what `parse` produces and `validate` and `render` consume.
//!
//! One normalised type for both API versions (at ToolHive v0.44.0 they share one schema).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::{Container, PodTemplateSpec};

use crate::diagnostic::Location;
use crate::node::FieldPath;

/// Where an object came from: which document, and where in it (a `List` item has a path).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The source's name, as the user gave it (for output comments).
    pub source: std::sync::Arc<str>,
    /// Index into the loaded documents.
    pub document: usize,
    /// The path of the object inside its document (empty unless it is a `List` item).
    pub base: FieldPath,
}

/// Where the fields that the rules spanning objects point at are (`metadata.name`, node
/// ports), recorded by [`crate::parse`] while the document is at hand, so that
/// [`crate::validate`] can place a message about two objects without the documents.
///
/// Every server's marks are held from its parse to its render, so they are a boxed slice of
/// exactly their one or two entries, with the field names the parse knows as literals
/// borrowed, not copied (a growable list took 224 bytes a server: BENCHMARKS.md).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Marks(Box<[(Cow<'static, str>, Location)]>);

impl Marks {
    /// The marks of these fields (paths like `spec.ports[0].nodePort`) and their locations.
    pub fn new(marks: impl IntoIterator<Item = (Cow<'static, str>, Location)>) -> Marks {
        Marks(marks.into_iter().collect())
    }

    /// Where `field` is, if it was recorded.
    pub fn get(&self, field: &str) -> Option<&Location> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, l)| l)
    }
}

/// Where a field of an object is: what the per-object checks of [`crate::validate`] need to
/// place a message. The pipeline hands it the documents the objects were parsed from
/// (`Vec<load::Document>` implements it), while they are at hand.
pub trait Locate {
    /// The location of `field` (of its nearest ancestor present) of the object at `origin`.
    fn locate(&self, origin: &Origin, field: &FieldPath) -> Option<Location>;
}

/// The container ToolHive looks for, or appends, in the pod template.
pub const MCP_CONTAINER: &str = "mcp";

/// Container `mcp` of a user's `podTemplateSpec`, with its index in `containers`: the
/// container the render configures in place (the rules about what it keeps or loses read it
/// here).
pub fn mcp_container(template: &PodTemplateSpec) -> Option<(usize, &Container)> {
    let pod = template.spec.as_ref()?;
    pod.containers
        .iter()
        .enumerate()
        .find(|(_, c)| c.name == MCP_CONTAINER)
}

/// `spec.podTemplateSpec`: the user's pod template, as [`crate::parse`] read and checked it.
///
/// A render holds every server from its parse to its turn in the output, and the typed
/// template was most of a server's memory: `k8s-openapi`'s `Volume` is 3,208 bytes and its
/// `Container` 2,144, nearly all of it empty `Option`s (100,000 servers peaked at 1,269 MiB
/// with typed templates, and at 441 MiB packed: BENCHMARKS.md). So once the per-server checks
/// have read it, `run::validate` [packs](PodTemplate::pack) it into its JSON text, a few
/// hundred bytes, and the render [reads it back](PodTemplate::get). JSON is what
/// `k8s-openapi`'s types are written for, and the value read back is the value packed: the
/// parse's check for unknown fields already relies on that round trip, and the tests check
/// it for every fixture.
#[derive(Debug, Clone)]
pub struct PodTemplate(Held);

#[derive(Debug, Clone)]
enum Held {
    Typed(Box<PodTemplateSpec>),
    Packed(Box<str>),
}

/// A packed [`PodTemplate`] that did not read back: a bug in mcp-render, never a property of
/// the input (the text is what serde_json wrote for a value of the same type).
#[derive(Debug, thiserror::Error)]
#[error(
    "the pod template of a server could not be read back after its checks (a bug in mcp-render): {0}"
)]
pub struct UnpackError(#[from] serde_json::Error);

impl PodTemplate {
    /// A template, typed.
    pub fn new(template: PodTemplateSpec) -> PodTemplate {
        PodTemplate(Held::Typed(Box::new(template)))
    }

    /// The template: borrowed while typed, read back from its text once packed.
    pub fn get(&self) -> Result<Cow<'_, PodTemplateSpec>, UnpackError> {
        match &self.0 {
            Held::Typed(template) => Ok(Cow::Borrowed(template)),
            Held::Packed(text) => Ok(Cow::Owned(serde_json::from_str(text)?)),
        }
    }

    /// Replaces the typed template by its JSON text (kept typed in the impossible case that
    /// serde_json cannot write it).
    pub fn pack(&mut self) {
        if let Held::Typed(template) = &self.0
            && let Ok(text) = serde_json::to_string(template)
        {
            self.0 = Held::Packed(text.into_boxed_str());
        }
    }

    /// Whether [`PodTemplate::pack`] ran.
    pub fn is_packed(&self) -> bool {
        matches!(self.0, Held::Packed(_))
    }
}

/// Templates are equal when their values are, packed or not.
impl PartialEq for PodTemplate {
    fn eq(&self, other: &PodTemplate) -> bool {
        match (&self.0, &other.0) {
            (Held::Typed(a), Held::Typed(b)) => a == b,
            (Held::Packed(a), Held::Packed(b)) => a == b,
            _ => matches!((self.get(), other.get()), (Ok(a), Ok(b)) if a == b),
        }
    }
}

impl McpServer {
    /// The variables ToolHive's runtime sets on container `mcp` (`runtime.Setup`):
    /// `MCP_TRANSPORT`, and for the HTTP transports `MCP_PORT`, `FASTMCP_PORT` (the mcpPort)
    /// and `MCP_HOST` (empty: the operator never sets a target host). Rendered by
    /// [`crate::render`], checked against the user's env by [`crate::validate`].
    pub fn runtime_variables(&self) -> Vec<(&'static str, String)> {
        let spec = &self.spec;
        let mut variables = vec![("MCP_TRANSPORT", spec.transport.as_str().to_string())];
        if spec.transport.has_services() {
            let port = spec.mcp_port.to_string();
            variables.push(("MCP_PORT", port.clone()));
            variables.push(("FASTMCP_PORT", port));
            variables.push(("MCP_HOST", String::new()));
        }
        variables
    }
}

/// The `MCPServer` API versions this tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiVersion {
    /// `toolhive.stacklok.dev/v1alpha1`: deprecated, still served by ToolHive.
    V1alpha1,
    /// `toolhive.stacklok.dev/v1beta1`: the storage version.
    V1beta1,
}

/// Whether the Services get ownerReferences to their StatefulSet (`--owner-refs`): a policy
/// both [`crate::validate`] (a missing UID) and [`crate::render`] (the references) follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OwnerRefs {
    /// Emit them where the owners file knows the UID; otherwise leave them out and warn.
    #[default]
    Auto,
    /// A missing UID is an error.
    Require,
    /// Never emit them.
    Omit,
}

impl OwnerRefs {
    /// The policy called `name`: `auto`, `require` or `omit`, as the flag, the plugin
    /// parameters and the KRM function config spell it.
    pub fn from_name(name: &str) -> Option<OwnerRefs> {
        match name {
            "auto" => Some(OwnerRefs::Auto),
            "require" => Some(OwnerRefs::Require),
            "omit" => Some(OwnerRefs::Omit),
            _ => None,
        }
    }
}

/// Ports in this range make `mcp-<name>` a NodePort Service with `nodePort` = the port,
/// because ToolHive binds the host port to the MCP port (`createServicePorts`); so two
/// servers cannot share one (a rule of [`crate::validate`]).
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<i32> = 30000..=32767;

/// The API group of ToolHive's resources.
pub const TOOLHIVE_GROUP: &str = "toolhive.stacklok.dev";

/// How the MCP server talks to its proxy (`spec.transport`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Transport {
    /// Standard input/output, attached by the proxy: no Services.
    #[default]
    Stdio,
    /// Server-sent events over HTTP.
    Sse,
    /// Streamable HTTP.
    StreamableHttp,
}

impl Transport {
    /// Every transport, in the CRD's enum spelling.
    pub const ALL: [&'static str; 3] = ["stdio", "streamable-http", "sse"];

    /// Reads the CRD spelling.
    pub fn from_name(name: &str) -> Option<Transport> {
        match name {
            "stdio" => Some(Transport::Stdio),
            "sse" => Some(Transport::Sse),
            "streamable-http" => Some(Transport::StreamableHttp),
            _ => None,
        }
    }

    /// The CRD spelling, as used in labels and `MCP_TRANSPORT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Stdio => "stdio",
            Transport::Sse => "sse",
            Transport::StreamableHttp => "streamable-http",
        }
    }

    /// True for the HTTP transports, which get the two backend Services.
    pub fn has_services(self) -> bool {
        matches!(self, Transport::Sse | Transport::StreamableHttp)
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `spec.sessionAffinity`. ToolHive applies it only to its proxy Service; we have no proxy, so
/// `None` removes the affinity from `mcp-<name>` (a documented difference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum SessionAffinity {
    /// Sticky by client IP for 1800 s (the default).
    #[default]
    ClientIp,
    /// No stickiness.
    None,
}

/// One `spec.env` entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Literal value.
    pub value: String,
}

/// One `spec.secrets` entry: a Secret key exposed as an environment variable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretRef {
    /// The Secret's name.
    pub name: String,
    /// The key in the Secret.
    pub key: String,
    /// The variable name; `key` when unset or empty.
    pub target_env_name: Option<String>,
}

impl SecretRef {
    /// The environment variable this secret becomes (`targetEnvName`, else `key`).
    pub fn env_name(&self) -> &str {
        match self.target_env_name.as_deref() {
            Some(name) if !name.is_empty() => name,
            _ => &self.key,
        }
    }
}

/// `spec.resources`: CPU and memory quantities, as strings, each list sorted by resource
/// name. Lists, not maps: a `BTreeMap` takes a 500-byte node for its one or two entries, and
/// every server of a render is held until its turn (BENCHMARKS.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Resources {
    /// `limits.cpu` / `limits.memory`.
    pub limits: Vec<(String, String)>,
    /// `requests.cpu` / `requests.memory`.
    pub requests: Vec<(String, String)>,
}

/// The part of an MCPServer spec that shapes the backend objects. Proxy-only fields are
/// checked by `parse` and then dropped: they have no effect on the output.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spec {
    /// Container image of the MCP server.
    pub image: String,
    /// The transport.
    pub transport: Transport,
    /// The proxy's port (`proxyPort`, else 8080). Only shows in a label.
    pub proxy_port: i32,
    /// The MCP server's port (`mcpPort`, else 8080).
    pub mcp_port: i32,
    /// Arguments appended to the `mcp` container's args.
    pub args: Vec<String>,
    /// Environment variables, in input order.
    pub env: Vec<EnvVar>,
    /// Secret-backed environment variables, in input order.
    pub secrets: Vec<SecretRef>,
    /// `serviceAccountName` of the pods; `<name>-sa` when unset. `Some("")` is kept as
    /// given: ToolHive ignores the empty value (the pod keeps the template's account, or the
    /// namespace's default) and creates no `<name>-sa`.
    pub service_account: Option<String>,
    /// `resourceOverrides.proxyDeployment.imagePullSecrets` names, in input order.
    pub image_pull_secrets: Vec<String>,
    /// The `imagePullSecrets` of ServiceAccount `<name>-sa` when this render creates it
    /// (`spec.serviceAccount` unset and `--service-accounts render`): the CR's names, then
    /// the `--image-pull-secret` defaults (see `render::service_account`). `None`: no account.
    pub created_service_account: Option<Vec<String>>,
    /// The user's pod template, merged as ToolHive merges it (typed, or packed for the time
    /// between the checks and the render: see [`PodTemplate`]).
    pub pod_template_spec: Option<PodTemplate>,
    /// Resources for the `mcp` container (a documented difference from ToolHive).
    pub resources: Option<Resources>,
    /// Affinity of the `mcp-<name>` Service.
    pub session_affinity: SessionAffinity,
    /// StatefulSet replicas; omitted when unset so an HPA or kubectl keeps control.
    pub backend_replicas: Option<i32>,
    /// The cluster platform the output is for (`--platform`).
    pub platform: Platform,
}

/// The platform ToolHive would detect at run time; offline it is chosen with `--platform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Platform {
    /// Plain Kubernetes: user and group IDs default to 1000.
    #[default]
    Kubernetes,
    /// OpenShift: no `runAsUser`, `runAsGroup` or `fsGroup` (the namespace's security
    /// context constraint assigns them), even where the user set them, as ToolHive does.
    Openshift,
}

/// Default for `proxyPort` and `mcpPort` (ToolHive's `GetProxyPort` / `GetMCPPort`).
pub const DEFAULT_PORT: i32 = 8080;

/// One MCPServer, parsed and normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct McpServer {
    /// Where it was read from.
    pub origin: Origin,
    /// Where its `metadata.name` (and `spec.mcpPort`, when a node port) are.
    pub marks: Marks,
    /// Its API version.
    pub api_version: ApiVersion,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, else `--namespace`, else none.
    pub namespace: Option<String>,
    /// The spec. Boxed: most of a server's inline size, and every server of a render is
    /// moved when the pieces' results are joined and again when they are sorted.
    pub spec: Box<Spec>,
}

/// Any other Kubernetes object in the input: it goes to the output unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct PassThrough {
    /// Where it was read from.
    pub origin: Origin,
    /// Where its `metadata.name` (and a Service's `spec.ports[].nodePort`) are.
    pub marks: Marks,
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// The whole object, as kubectl would read it.
    pub value: serde_json::Value,
}

/// Everything `parse` found in the input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// The MCPServers.
    pub servers: Vec<McpServer>,
    /// Everything else.
    pub pass_through: Vec<PassThrough>,
    /// Fields of servers that failed the CRD check (already reported). Such servers are
    /// validated for their other fields but never rendered.
    pub problems: BTreeMap<Origin, Vec<FieldPath>>,
}
