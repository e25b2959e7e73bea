//! Warnings for what the render replaces as ToolHive does, silently in ToolHive: the output is
//! right, but the user's input is not what reaches the cluster.

use super::Reporter;
use crate::model::McpServer;

/// What the render replaces as ToolHive does, but a user would not expect: one warning each
/// (the output is ToolHive's, so these are warnings, not errors).
/// - `spec.resources` when the pod template already sets resources on container `mcp`;
/// - a `spec.env` entry named like a variable the runtime sets (`MCP_TRANSPORT`, and for
///   the HTTP transports `MCP_PORT`, `FASTMCP_PORT`, `MCP_HOST`), with another value;
/// - an `image` on the pod template's container `mcp`, when it is not `spec.image`.
pub(super) fn check_overrides(server: &McpServer, report: &mut Reporter<'_>) {
    let (origin, spec) = (&server.origin, &server.spec);
    let pod = spec
        .pod_template_spec
        .as_ref()
        .and_then(|p| p.spec.as_ref());
    let mcp = pod.and_then(|pod| {
        let mut containers = pod.containers.iter().enumerate();
        containers.find(|(_, c)| c.name == crate::render::MCP_CONTAINER)
    });
    if spec.resources.is_some() && mcp.is_some_and(|(_, c)| c.resources.is_some()) {
        report.warning(
            origin,
            "spec.resources",
            "is not applied: spec.podTemplateSpec sets resources on container `mcp`, and those are kept (in ToolHive spec.resources goes to its proxy)",
        );
    }
    let port = spec.mcp_port.to_string();
    let mut runtime = vec![("MCP_TRANSPORT", spec.transport.as_str())];
    if spec.transport.has_services() {
        runtime.extend([
            ("MCP_PORT", port.as_str()),
            ("FASTMCP_PORT", &port),
            ("MCP_HOST", ""),
        ]);
    }
    for (i, env) in spec.env.iter().enumerate() {
        let set = runtime.iter().find(|(name, _)| *name == env.name);
        if let Some((name, value)) = set.filter(|(_, value)| *value != env.value) {
            // The wording of the `sa` branch's warning for the same case, so one can stay.
            let value = if value.is_empty() {
                "the empty string".to_string()
            } else {
                format!("`{value}`")
            };
            report.warning(
                origin,
                &format!("spec.env[{i}].name"),
                format!(
                    "`{name}` is set by ToolHive's runtime for transport {} (to {value}): this value (`{}`) is replaced, as in ToolHive",
                    spec.transport, env.value
                ),
            );
        }
    }
    if let Some((i, image)) = mcp.and_then(|(i, c)| Some(i).zip(c.image.as_deref()))
        && image != spec.image
    {
        report.warning(
            origin,
            &format!("spec.podTemplateSpec.spec.containers[{i}].image"),
            format!(
                "`{image}` is replaced by spec.image `{}`, as in ToolHive",
                spec.image
            ),
        );
    }
}
