//! What the CRD cannot say, kept by hand beside the generated [`super::table`]: one-line
//! descriptions for `mcp-render schema`, which spec fields change the rendered objects, which
//! only configure the security of ToolHive's proxy, and which fields were removed from the
//! CRD (with their replacement). Tests (`tests/crd_table.rs`) fail when an entry here names a
//! field the table lacks, or a spec field has no description.

use crate::node::{FieldPath, Node, Segment, Value};

/// One-line descriptions by field path below `spec` (list items share their list's path:
/// `env.name`). Every top-level spec field has one.
pub const DESCRIPTIONS: &[(&str, &str)] = &[
    ("image", "Container image of the MCP server."),
    ("transport", "Transport; default stdio."),
    ("proxyMode", "Proxy mode for stdio (proxy only)."),
    (
        "proxyPort",
        "Proxy port; default 8080 (only the toolhive-port label).",
    ),
    ("mcpPort", "Port the MCP server listens on; default 8080."),
    ("args", "Arguments appended to the container's args."),
    ("env", "Environment variables, unique by name."),
    ("env.name", "Environment variable name."),
    ("env.value", "Environment variable value."),
    ("volumes", "Host-path volumes of the proxy (proxy only)."),
    (
        "resources",
        "Resources; applied to container mcp by mcp-render.",
    ),
    (
        "secrets",
        "Secrets exposed as environment variables, unique by name.",
    ),
    ("secrets.name", "Name of the Secret."),
    ("secrets.key", "Key in the Secret."),
    (
        "secrets.targetEnvName",
        "Environment variable name; defaults to the key.",
    ),
    (
        "serviceAccount",
        "Service account of the pods; default <name>-sa.",
    ),
    ("permissionProfile", "Permission profile (proxy only)."),
    (
        "podTemplateSpec",
        "Pod template merged into the StatefulSet.",
    ),
    (
        "resourceOverrides",
        "Metadata overrides of proxy objects (proxy only).",
    ),
    ("oidcConfigRef", "OIDC configuration (proxy only)."),
    ("authzConfig", "Authorization policy (proxy only)."),
    ("authzConfigRef", "Shared MCPAuthzConfig (proxy only)."),
    ("audit", "Audit logging (proxy only)."),
    ("toolConfigRef", "MCPToolConfig (proxy only)."),
    (
        "externalAuthConfigRef",
        "MCPExternalAuthConfig (proxy only).",
    ),
    ("webhookConfigRef", "MCPWebhookConfig (proxy only)."),
    ("authServerRef", "Embedded auth server (proxy only)."),
    ("telemetryConfigRef", "MCPTelemetryConfig (proxy only)."),
    (
        "trustProxyHeaders",
        "Trust X-Forwarded-* headers (proxy only).",
    ),
    (
        "endpointPrefix",
        "Path prefix of the endpoint (proxy only).",
    ),
    ("groupRef", "MCPGroup membership (status only)."),
    (
        "sessionAffinity",
        "Affinity of the mcp-<name> Service; default ClientIP.",
    ),
    ("replicas", "Proxy replicas (proxy only)."),
    (
        "backendReplicas",
        "StatefulSet replicas; omitted when unset.",
    ),
    ("sessionStorage", "Session storage (proxy only)."),
    ("rateLimiting", "Rate limits (proxy only)."),
    ("volumes.name", "Volume name."),
    ("volumes.hostPath", "Path on the host."),
    ("volumes.mountPath", "Path in the proxy container."),
    ("volumes.readOnly", "Mount read-only."),
    ("resources.limits", "Resource limits."),
    ("resources.limits.cpu", "CPU quantity, such as \"500m\"."),
    (
        "resources.limits.memory",
        "Memory quantity, such as \"128Mi\".",
    ),
    ("resources.requests", "Resource requests."),
    ("resources.requests.cpu", "CPU quantity, such as \"500m\"."),
    (
        "resources.requests.memory",
        "Memory quantity, such as \"128Mi\".",
    ),
    ("permissionProfile.type", "Profile source."),
    (
        "permissionProfile.name",
        "Profile name (\"none\" or \"network\" for builtin).",
    ),
    ("permissionProfile.key", "Key in the ConfigMap."),
    ("oidcConfigRef.name", "Name of the MCPOIDCConfig."),
    ("oidcConfigRef.audience", "Expected token audience."),
    ("oidcConfigRef.scopes", "Scopes to request."),
    ("oidcConfigRef.resourceUrl", "Protected resource URL."),
    ("authzConfig.type", "Where the policy comes from."),
    ("authzConfig.configMap", "Policy from a ConfigMap."),
    ("authzConfig.configMap.name", "ConfigMap name."),
    ("authzConfig.configMap.key", "Key in the ConfigMap."),
    ("authzConfig.inline", "Inline policy."),
    ("authzConfig.inline.policies", "Cedar policies."),
    ("authzConfig.inline.entitiesJson", "Cedar entities as JSON."),
    ("authzConfig.inline.primaryUpstreamProvider", "Deprecated."),
    ("authzConfig.groupClaimName", "Token claim with groups."),
    ("authzConfig.roleClaimName", "Token claim with roles."),
    (
        "authzConfig.groupEntityType",
        "Cedar entity type for groups.",
    ),
    ("authzConfigRef.name", "Name of the MCPAuthzConfig."),
    ("audit.enabled", "Enable audit logs."),
    ("toolConfigRef.name", "Name of the MCPToolConfig."),
    (
        "externalAuthConfigRef.name",
        "Name of the MCPExternalAuthConfig.",
    ),
    ("webhookConfigRef.name", "Name of the MCPWebhookConfig."),
    ("authServerRef.kind", "Kind of the referenced object."),
    ("authServerRef.name", "Name of the referenced object."),
    ("telemetryConfigRef.name", "Name of the MCPTelemetryConfig."),
    (
        "telemetryConfigRef.serviceName",
        "Service name reported to telemetry.",
    ),
    ("groupRef.name", "Name of the MCPGroup."),
    ("sessionStorage.provider", "Session store."),
    ("sessionStorage.address", "Redis address."),
    ("sessionStorage.db", "Redis database."),
    ("sessionStorage.keyPrefix", "Key prefix."),
    ("sessionStorage.passwordRef", "Redis password Secret."),
    ("sessionStorage.passwordRef.name", "Secret name."),
    ("sessionStorage.passwordRef.key", "Key in the Secret."),
    ("rateLimiting.shared", "Limit shared by all users."),
    ("rateLimiting.perUser", "Limit per user."),
    ("rateLimiting.tools", "Per-tool limits, unique by name."),
    ("rateLimiting.tools.name", "Tool name."),
    ("rateLimiting.shared.maxTokens", "Bucket size."),
    (
        "rateLimiting.shared.refillPeriod",
        "Refill period, as a duration.",
    ),
    ("rateLimiting.perUser.maxTokens", "Bucket size."),
    (
        "rateLimiting.perUser.refillPeriod",
        "Refill period, as a duration.",
    ),
    ("rateLimiting.tools.shared.maxTokens", "Bucket size."),
    (
        "rateLimiting.tools.shared.refillPeriod",
        "Refill period, as a duration.",
    ),
    ("rateLimiting.tools.perUser.maxTokens", "Bucket size."),
    (
        "rateLimiting.tools.perUser.refillPeriod",
        "Refill period, as a duration.",
    ),
    ("rateLimiting.tools.shared", "Limit shared by all users."),
    ("rateLimiting.tools.perUser", "Limit per user."),
    (
        "resourceOverrides.proxyDeployment",
        "Metadata of the proxy Deployment.",
    ),
    (
        "resourceOverrides.proxyService",
        "Metadata of the proxy Service.",
    ),
];

/// The description of the field at `path` (below `spec`, dot-separated), if it has one.
pub fn description(path: &str) -> Option<&'static str> {
    DESCRIPTIONS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, d)| *d)
}

/// Spec fields that change the rendered objects; every other field is accepted and ignored.
pub const RENDERED_FIELDS: &[&str] = &[
    "image",
    "transport",
    "proxyPort",
    "mcpPort",
    "args",
    "env",
    "secrets",
    "serviceAccount",
    "podTemplateSpec",
    "resources",
    "sessionAffinity",
    "backendReplicas",
];

/// Spec fields that protect a server only through ToolHive's proxy (authentication,
/// authorization, tool filtering, rate limits, audit, telemetry). The rendered output has no
/// proxy, so a server that sets any of them gets a warning (an error under `--strict`).
pub const PROXY_SECURITY_FIELDS: &[&str] = &[
    "oidcConfigRef",
    "authzConfig",
    "authzConfigRef",
    "externalAuthConfigRef",
    "authServerRef",
    "toolConfigRef",
    "rateLimiting",
    "audit",
    "telemetryConfigRef",
];

/// Spec fields of the old v1alpha1 schema (ToolHive before the v1beta1 graduation, PR #4849)
/// that the CRD no longer has, with what to use instead.
pub const REMOVED_FIELDS: &[(&str, &str)] = &[
    (
        "port",
        "use `proxyPort` (the proxy's port, here only the `toolhive-port` label) or `mcpPort` (the port the MCP server listens on)",
    ),
    (
        "targetPort",
        "use `mcpPort` (the port the MCP server listens on)",
    ),
    ("tools", "use `toolConfigRef` with an MCPToolConfig"),
    ("oidcConfig", "use `oidcConfigRef` with an MCPOIDCConfig"),
    (
        "telemetry",
        "use `telemetryConfigRef` with an MCPTelemetryConfig",
    ),
];

/// The message for a field the CRD removed, when `path` (from the object's root) is one and
/// `node` its value: `spec.port`, or a string `spec.groupRef`.
pub fn removed(path: &FieldPath, node: &Node) -> Option<String> {
    let [Segment::Key(spec), Segment::Key(name)] = path.0.as_slice() else {
        return None;
    };
    if spec != "spec" {
        return None;
    }
    if name == "groupRef" {
        return match &node.value {
            Value::Str(group) => Some(format!(
                "a string groupRef was removed from the MCPServer CRD (at ToolHive v0.44.0 v1alpha1 has the v1beta1 schema); write `groupRef: {{name: {group}}}`"
            )),
            _ => None,
        };
    }
    REMOVED_FIELDS
        .iter()
        .find(|(removed, _)| removed == name)
        .map(|(_, instead)| {
            format!(
                "`{name}` was removed from the MCPServer CRD (at ToolHive v0.44.0 v1alpha1 has the v1beta1 schema); {instead}"
            )
        })
}
