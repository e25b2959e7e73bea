//! The MCPServer CRD's shape (reference §1.3–1.4), as data: one table drives the strict
//! field check here and the JSON Schema that `mcp-render schema` prints.

use std::sync::OnceLock;

use crate::model::ApiVersion;
use crate::node::{FieldPath, Node, Segment, Value};

/// The type of a field, as the CRD's OpenAPI schema declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A string.
    String,
    /// An integer within optional bounds (inclusive).
    Integer {
        /// Smallest allowed value.
        min: Option<i64>,
        /// Largest allowed value.
        max: Option<i64>,
    },
    /// `true` or `false`.
    Boolean,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// A mapping with exactly these fields.
    Object(&'static [Field]),
    /// A list of one type.
    List(&'static Type),
    /// A mapping of strings to strings (labels, annotations).
    StringMap,
    /// Any mapping (`x-kubernetes-preserve-unknown-fields`, checked elsewhere if at all).
    AnyObject,
    /// Any value at all (server-set fields we ignore).
    Any,
    /// A string or a mapping with these fields (v1alpha1's `groupRef` changed shape).
    StringOrObject(&'static [Field]),
}

/// One field of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The JSON name.
    pub name: &'static str,
    /// Its type.
    pub ty: Type,
    /// True when the CRD marks it required.
    pub required: bool,
    /// One line for the JSON Schema and `--help`.
    pub description: &'static str,
}

const fn field(name: &'static str, ty: Type, description: &'static str) -> Field {
    Field {
        name,
        ty,
        required: false,
        description,
    }
}

const fn required(name: &'static str, ty: Type, description: &'static str) -> Field {
    Field {
        name,
        ty,
        required: true,
        description,
    }
}

const PORT: Type = Type::Integer {
    min: Some(1),
    max: Some(65535),
};
/// A non-negative `int32` (replicas, Redis db): larger values would wrap when rendered.
const NON_NEGATIVE: Type = Type::Integer {
    min: Some(0),
    max: Some(i32::MAX as i64),
};
const STRINGS: Type = Type::List(&Type::String);
const NAME_REF: Type = Type::Object(&[required(
    "name",
    Type::String,
    "Name of the referenced object.",
)]);

const ENV_VAR: &[Field] = &[
    required("name", Type::String, "Environment variable name."),
    required("value", Type::String, "Environment variable value."),
];

const SECRET_REF: &[Field] = &[
    required("name", Type::String, "Name of the Secret."),
    required("key", Type::String, "Key in the Secret."),
    field(
        "targetEnvName",
        Type::String,
        "Environment variable name; defaults to the key.",
    ),
];

const VOLUME: &[Field] = &[
    required("name", Type::String, "Volume name."),
    required("hostPath", Type::String, "Path on the host."),
    required("mountPath", Type::String, "Path in the proxy container."),
    field("readOnly", Type::Boolean, "Mount read-only."),
];

const QUANTITIES: Type = Type::Object(&[
    field("cpu", Type::String, "CPU quantity, such as \"500m\"."),
    field(
        "memory",
        Type::String,
        "Memory quantity, such as \"128Mi\".",
    ),
]);

const RESOURCES: &[Field] = &[
    field("limits", QUANTITIES, "Resource limits."),
    field("requests", QUANTITIES, "Resource requests."),
];

const PERMISSION_PROFILE: &[Field] = &[
    field(
        "type",
        Type::Enum(&["builtin", "configmap"]),
        "Profile source.",
    ),
    required(
        "name",
        Type::String,
        "Profile name (\"none\" or \"network\" for builtin).",
    ),
    field("key", Type::String, "Key in the ConfigMap."),
];

const OIDC_CONFIG_REF: &[Field] = &[
    required("name", Type::String, "Name of the MCPOIDCConfig."),
    required("audience", Type::String, "Expected token audience."),
    field("scopes", STRINGS, "Scopes to request."),
    field("resourceUrl", Type::String, "Protected resource URL."),
];

const AUTHZ_CONFIG: &[Field] = &[
    field(
        "type",
        Type::Enum(&["configMap", "inline"]),
        "Where the policy comes from.",
    ),
    field(
        "configMap",
        Type::Object(&[
            required("name", Type::String, "ConfigMap name."),
            field("key", Type::String, "Key in the ConfigMap."),
        ]),
        "Policy from a ConfigMap.",
    ),
    field(
        "inline",
        Type::Object(&[
            required("policies", STRINGS, "Cedar policies."),
            field("entitiesJson", Type::String, "Cedar entities as JSON."),
            field("primaryUpstreamProvider", Type::String, "Deprecated."),
        ]),
        "Inline policy.",
    ),
    field("groupClaimName", Type::String, "Token claim with groups."),
    field("roleClaimName", Type::String, "Token claim with roles."),
    field(
        "groupEntityType",
        Type::String,
        "Cedar entity type for groups.",
    ),
];

const AUTH_SERVER_REF: &[Field] = &[
    field(
        "kind",
        Type::Enum(&["MCPExternalAuthConfig"]),
        "Kind of the referenced object.",
    ),
    required("name", Type::String, "Name of the referenced object."),
];

const TELEMETRY_CONFIG_REF: &[Field] = &[
    required("name", Type::String, "Name of the MCPTelemetryConfig."),
    field(
        "serviceName",
        Type::String,
        "Service name reported to telemetry.",
    ),
];

const SESSION_STORAGE: &[Field] = &[
    required(
        "provider",
        Type::Enum(&["memory", "redis"]),
        "Session store.",
    ),
    field("address", Type::String, "Redis address."),
    field("db", NON_NEGATIVE, "Redis database."),
    field("keyPrefix", Type::String, "Key prefix."),
    field(
        "passwordRef",
        Type::Object(&[
            field("name", Type::String, "Secret name."),
            field("key", Type::String, "Key in the Secret."),
        ]),
        "Redis password Secret.",
    ),
];

const BUCKET: Type = Type::Object(&[
    field(
        "maxTokens",
        Type::Integer {
            min: Some(1),
            max: None,
        },
        "Bucket size.",
    ),
    field(
        "refillPeriod",
        Type::String,
        "Refill period, as a duration.",
    ),
]);

const RATE_LIMITING: &[Field] = &[
    field("shared", BUCKET, "Limit shared by all users."),
    field("perUser", BUCKET, "Limit per user."),
    field(
        "tools",
        Type::List(&Type::Object(&[
            required("name", Type::String, "Tool name."),
            field("shared", BUCKET, "Limit shared by all users."),
            field("perUser", BUCKET, "Limit per user."),
        ])),
        "Per-tool limits.",
    ),
];

/// Spec fields of v1beta1 (and of v1alpha1 at ToolHive HEAD, which reuses the same struct).
pub const SPEC_FIELDS: &[Field] = &[
    required("image", Type::String, "Container image of the MCP server."),
    field(
        "transport",
        Type::Enum(&["stdio", "streamable-http", "sse"]),
        "Transport; default stdio.",
    ),
    field(
        "proxyMode",
        Type::Enum(&["sse", "streamable-http"]),
        "Proxy mode for stdio (proxy only).",
    ),
    field(
        "proxyPort",
        PORT,
        "Proxy port; default 8080 (only the toolhive-port label).",
    ),
    field(
        "mcpPort",
        PORT,
        "Port the MCP server listens on; default 8080.",
    ),
    field(
        "args",
        STRINGS,
        "Arguments appended to the container's args.",
    ),
    field(
        "env",
        Type::List(&Type::Object(ENV_VAR)),
        "Environment variables.",
    ),
    field(
        "volumes",
        Type::List(&Type::Object(VOLUME)),
        "Host-path volumes of the proxy (proxy only).",
    ),
    field(
        "resources",
        Type::Object(RESOURCES),
        "Resources; applied to container mcp by mcp-render.",
    ),
    field(
        "secrets",
        Type::List(&Type::Object(SECRET_REF)),
        "Secrets exposed as environment variables.",
    ),
    field(
        "serviceAccount",
        Type::String,
        "Service account of the pods; default <name>-sa.",
    ),
    field(
        "permissionProfile",
        Type::Object(PERMISSION_PROFILE),
        "Permission profile (proxy only).",
    ),
    field(
        "podTemplateSpec",
        Type::AnyObject,
        "Pod template merged into the StatefulSet.",
    ),
    field(
        "resourceOverrides",
        Type::AnyObject,
        "Overrides of proxy objects; only proxyDeployment.imagePullSecrets is used (ServiceAccount <name>-sa).",
    ),
    field(
        "oidcConfigRef",
        Type::Object(OIDC_CONFIG_REF),
        "OIDC configuration (proxy only).",
    ),
    field(
        "authzConfig",
        Type::Object(AUTHZ_CONFIG),
        "Authorization policy (proxy only).",
    ),
    field(
        "authzConfigRef",
        NAME_REF,
        "Shared MCPAuthzConfig (proxy only).",
    ),
    field(
        "audit",
        Type::Object(&[field("enabled", Type::Boolean, "Enable audit logs.")]),
        "Audit logging (proxy only).",
    ),
    field("toolConfigRef", NAME_REF, "MCPToolConfig (proxy only)."),
    field(
        "externalAuthConfigRef",
        NAME_REF,
        "MCPExternalAuthConfig (proxy only).",
    ),
    field(
        "webhookConfigRef",
        NAME_REF,
        "MCPWebhookConfig (proxy only).",
    ),
    field(
        "authServerRef",
        Type::Object(AUTH_SERVER_REF),
        "Embedded auth server (proxy only).",
    ),
    field(
        "telemetryConfigRef",
        Type::Object(TELEMETRY_CONFIG_REF),
        "MCPTelemetryConfig (proxy only).",
    ),
    field(
        "trustProxyHeaders",
        Type::Boolean,
        "Trust X-Forwarded-* headers (proxy only).",
    ),
    field(
        "endpointPrefix",
        Type::String,
        "Path prefix of the endpoint (proxy only).",
    ),
    field("groupRef", NAME_REF, "MCPGroup membership (status only)."),
    field(
        "sessionAffinity",
        Type::Enum(&["ClientIP", "None"]),
        "Affinity of the mcp-<name> Service; default ClientIP.",
    ),
    field("replicas", NON_NEGATIVE, "Proxy replicas (proxy only)."),
    field(
        "backendReplicas",
        NON_NEGATIVE,
        "StatefulSet replicas; omitted when unset.",
    ),
    field(
        "sessionStorage",
        Type::Object(SESSION_STORAGE),
        "Session storage (proxy only).",
    ),
    field(
        "rateLimiting",
        Type::Object(RATE_LIMITING),
        "Rate limits (proxy only).",
    ),
];

/// Fields only v1alpha1 had before v1beta1 (reference §1.4). `port` and `targetPort` map to
/// `proxyPort` and `mcpPort`; the others are proxy-only.
pub const V1ALPHA1_EXTRA_FIELDS: &[Field] = &[
    field("port", PORT, "Deprecated: use proxyPort."),
    field("targetPort", PORT, "Deprecated: use mcpPort."),
    field(
        "oidcConfig",
        Type::AnyObject,
        "Deprecated inline OIDC configuration (proxy only).",
    ),
    field("tools", STRINGS, "Deprecated tools filter (proxy only)."),
    field(
        "telemetry",
        Type::AnyObject,
        "Deprecated inline telemetry (proxy only).",
    ),
];

/// v1alpha1's `groupRef`, which was a plain string before it became `{name}`.
pub const V1ALPHA1_GROUP_REF: Field = field(
    "groupRef",
    Type::StringOrObject(&[required("name", Type::String, "Name of the MCPGroup.")]),
    "MCPGroup membership (status only).",
);

/// The spec fields of an API version: v1beta1's table, or for v1alpha1 the same with its
/// old fields added and `groupRef` also accepted as a string (built once).
pub fn spec_fields(version: ApiVersion) -> &'static [Field] {
    static V1ALPHA1: OnceLock<Vec<Field>> = OnceLock::new();
    match version {
        ApiVersion::V1beta1 => SPEC_FIELDS,
        ApiVersion::V1alpha1 => V1ALPHA1.get_or_init(|| {
            SPEC_FIELDS
                .iter()
                .map(|f| {
                    if f.name == V1ALPHA1_GROUP_REF.name {
                        V1ALPHA1_GROUP_REF
                    } else {
                        *f
                    }
                })
                .chain(V1ALPHA1_EXTRA_FIELDS.iter().copied())
                .collect()
        }),
    }
}

/// Spec fields that change the rendered objects; every other field is accepted and ignored.
pub const RENDERED_FIELDS: &[&str] = &[
    "image",
    "transport",
    "proxyPort",
    "port",
    "mcpPort",
    "targetPort",
    "args",
    "env",
    "secrets",
    "serviceAccount",
    "podTemplateSpec",
    "resources",
    "sessionAffinity",
    "backendReplicas",
];

/// `metadata` fields of any object (ObjectMeta).
pub const METADATA_FIELDS: &[Field] = &[
    required("name", Type::String, "Object name."),
    field(
        "namespace",
        Type::String,
        "Namespace; else --namespace, else none.",
    ),
    field(
        "labels",
        Type::StringMap,
        "Labels (not copied to rendered objects).",
    ),
    field(
        "annotations",
        Type::StringMap,
        "Annotations (not copied to rendered objects).",
    ),
    field(
        "generateName",
        Type::String,
        "Not supported: a rendered object needs a name.",
    ),
    field("uid", Type::String, "Ignored."),
    field("resourceVersion", Type::String, "Ignored."),
    field(
        "generation",
        Type::Integer {
            min: None,
            max: None,
        },
        "Ignored.",
    ),
    field("creationTimestamp", Type::String, "Ignored."),
    field("deletionTimestamp", Type::String, "Ignored."),
    field(
        "deletionGracePeriodSeconds",
        Type::Integer {
            min: None,
            max: None,
        },
        "Ignored.",
    ),
    field("finalizers", STRINGS, "Ignored."),
    field("ownerReferences", Type::List(&Type::AnyObject), "Ignored."),
    field("managedFields", Type::List(&Type::AnyObject), "Ignored."),
    field("selfLink", Type::String, "Ignored."),
];

/// A field check failure: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field.
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
}

/// Checks `node` against `fields` (an object), appending every problem found.
pub fn check_object(node: &Node, fields: &[Field], path: &FieldPath, problems: &mut Vec<Problem>) {
    object_at(node, fields, &mut At::new(path), problems);
}

/// Checks one value against a type.
pub fn check_value(
    node: &Node,
    ty: &Type,
    required: bool,
    path: &FieldPath,
    problems: &mut Vec<Problem>,
) {
    value_at(node, ty, required, &mut At::new(path), problems);
}

/// Where the check is: a base path and borrowed steps below it. The check visits every
/// field of every server, so the path is only built into a [`FieldPath`] for a problem.
struct At<'p, 'n> {
    base: &'p FieldPath,
    steps: Vec<Step<'n>>,
}

enum Step<'n> {
    Key(&'n str),
    Index(usize),
}

impl<'n> At<'_, 'n> {
    fn new(base: &FieldPath) -> At<'_, 'n> {
        At {
            base,
            steps: Vec::new(),
        }
    }

    fn path(&self) -> FieldPath {
        let mut path = self.base.clone();
        path.0.extend(self.steps.iter().map(|step| match step {
            Step::Key(key) => Segment::Key((*key).to_string()),
            Step::Index(index) => Segment::Index(*index),
        }));
        path
    }

    fn problem(&self, message: String, problems: &mut Vec<Problem>) {
        problems.push(Problem {
            path: self.path(),
            message,
        });
    }

    /// Runs `check` one step further down.
    fn below(&mut self, step: Step<'n>, check: impl FnOnce(&mut Self)) {
        self.steps.push(step);
        check(self);
        self.steps.pop();
    }
}

fn object_at<'n>(
    node: &'n Node,
    fields: &[Field],
    at: &mut At<'_, 'n>,
    problems: &mut Vec<Problem>,
) {
    let Value::Map(entries) = &node.value else {
        at.problem(
            format!("expected a mapping, found {}", node.value.kind()),
            problems,
        );
        return;
    };
    for entry in entries {
        at.below(Step::Key(&entry.key), |at| {
            match fields.iter().find(|f| f.name == entry.key) {
                Some(f) => value_at(&entry.value, &f.ty, f.required, at, problems),
                None => at.problem(unknown_field_message(&entry.key, fields), problems),
            }
        });
    }
    for f in fields.iter().filter(|f| f.required) {
        if node.get(f.name).is_none() {
            at.below(Step::Key(f.name), |at| {
                at.problem("is required".to_string(), problems)
            });
        }
    }
}

fn value_at<'n>(
    node: &'n Node,
    ty: &Type,
    required: bool,
    at: &mut At<'_, 'n>,
    problems: &mut Vec<Problem>,
) {
    if node.is_null() {
        if required {
            at.problem("is required and must not be null".to_string(), problems);
        }
        return;
    }
    match (ty, &node.value) {
        (Type::String, Value::Str(_))
        | (Type::Boolean, Value::Bool(_))
        | (Type::AnyObject, Value::Map(_))
        | (Type::Any, _) => {}
        (Type::Integer { min, max }, Value::Number(n)) => match n.as_i64() {
            None => at.problem(format!("expected an integer, found {n}"), problems),
            Some(i) => {
                if min.is_some_and(|min| i < min) || max.is_some_and(|max| i > max) {
                    at.problem(
                        format!("{i} is out of range ({})", range_text(*min, *max)),
                        problems,
                    );
                }
            }
        },
        (Type::Enum(allowed), Value::Str(s)) => {
            if s.is_empty() {
                let message = format!("must not be empty: use one of {}", quoted_list(allowed));
                at.problem(message, problems);
            } else if !allowed.contains(&s.as_str()) {
                let mut message = format!("`{s}` is not one of {}", quoted_list(allowed));
                if let Some(close) = closest(s, allowed.iter().copied()) {
                    message.push_str(&format!("; did you mean `{close}`?"));
                }
                at.problem(message, problems);
            }
        }
        (Type::Object(fields), Value::Map(_)) => object_at(node, fields, at, problems),
        (Type::StringOrObject(_), Value::Str(_)) => {}
        (Type::StringOrObject(fields), Value::Map(_)) => object_at(node, fields, at, problems),
        (Type::List(item), Value::Seq(items)) => {
            for (i, element) in items.iter().enumerate() {
                at.below(Step::Index(i), |at| {
                    value_at(element, item, true, at, problems)
                });
            }
        }
        (Type::StringMap, Value::Map(entries)) => {
            for entry in entries {
                if !matches!(entry.value.value, Value::Str(_)) {
                    at.below(Step::Key(&entry.key), |at| {
                        at.problem(
                            format!(
                                "expected a string, found {}{}",
                                entry.value.value.kind(),
                                quote_hint(&entry.value)
                            ),
                            problems,
                        )
                    });
                }
            }
        }
        (_, found) => at.problem(
            format!(
                "expected {}, found {}{}",
                type_name(ty),
                found.kind(),
                match (ty, found) {
                    (Type::String | Type::Enum(_), _) => quote_hint(node),
                    (Type::Integer { .. }, Value::Str(s)) if s.trim().parse::<i64>().is_ok() => {
                        " (a quoted number is a string; remove the quotes)".to_string()
                    }
                    _ => String::new(),
                }
            ),
            problems,
        ),
    }
}

/// A hint for scalars YAML read as something else than the string the user likely meant.
pub fn quote_hint(node: &Node) -> String {
    match &node.value {
        Value::Bool(_) | Value::Number(_) => {
            " (YAML 1.1, as kubectl reads it, takes this unquoted value as a boolean or number; quote it)".to_string()
        }
        _ => String::new(),
    }
}

fn type_name(ty: &Type) -> &'static str {
    match ty {
        Type::String | Type::Enum(_) => "a string",
        Type::Integer { .. } => "an integer",
        Type::Boolean => "a boolean",
        Type::Object(_) | Type::AnyObject | Type::StringMap => "a mapping",
        Type::Any => "any value",
        Type::List(_) => "a list",
        Type::StringOrObject(_) => "a string or a mapping",
    }
}

fn range_text(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("must be {min} to {max}"),
        (Some(min), None) => format!("must be at least {min}"),
        (None, Some(max)) => format!("must be at most {max}"),
        (None, None) => String::new(),
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "unknown field `x`", with the closest valid field when one is close enough.
pub fn unknown_field_message(name: &str, fields: &[Field]) -> String {
    let has = |wanted: &str| fields.iter().any(|f| f.name == wanted);
    if matches!(name, "port" | "targetPort") && has("proxyPort") && has("mcpPort") {
        return format!(
            "unknown field `{name}`: v1beta1 renamed v1alpha1's `port` and `targetPort`; use `proxyPort` (the proxy's port, here only the `toolhive-port` label) or `mcpPort` (the port the MCP server listens on)"
        );
    }
    match closest(name, fields.iter().map(|f| f.name)) {
        Some(close) => format!("unknown field `{name}`; did you mean `{close}`?"),
        None => format!(
            "unknown field `{name}`; valid fields here are {}",
            quoted_list(&fields.iter().map(|f| f.name).collect::<Vec<_>>())
        ),
    }
}

/// Longest name `closest` compares; longer ones get no suggestion.
const MAX_SUGGESTION_INPUT: usize = 64;

/// The candidate closest to `name`, if it is close: same letters in another case, or a
/// small edit distance for its length.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    // Field names are short; a long name is no misspelling of one, and comparing it would
    // cost time and memory quadratic in its length.
    if name.len() > MAX_SUGGESTION_INPUT {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let (short, long) = (
            name.len().min(candidate.len()),
            name.len().max(candidate.len()),
        );
        let score = if candidate.to_ascii_lowercase() == lower {
            2.0
        } else if short * 2 < long {
            // `imagePullPolicy` is no misspelling of `image`, however alike they start.
            0.0
        } else {
            strsim::normalized_damerau_levenshtein(&lower, &candidate.to_ascii_lowercase())
                .max(strsim::jaro_winkler(&lower, &candidate.to_ascii_lowercase()) - 0.15)
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.filter(|(score, _)| *score >= 0.7).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_misspellings_get_a_suggestion() {
        let names = SPEC_FIELDS.iter().map(|f| f.name);
        assert_eq!(closest("transprot", names.clone()), Some("transport"));
        assert_eq!(closest("MCPPort", names.clone()), Some("mcpPort"));
        assert_eq!(
            closest("podTemplate", names.clone()),
            Some("podTemplateSpec")
        );
        assert_eq!(closest("secret", names.clone()), Some("secrets"));
        assert_eq!(closest("imagePullPolicy", names.clone()), None);
        assert_eq!(closest("zzzzzz", names), None);
    }
}
