//! The `mcp` container as the render builds it: no two entries of one key in its `env` or
//! `ports` (server-side apply rejects them).

use std::collections::BTreeMap;

use super::Reporter;
use super::server::secret_env_field;
use k8s_openapi::api::core::v1::PodTemplateSpec;

use crate::model::{McpServer, mcp_container};

/// Duplicate keys in container `mcp`'s `env` and `ports` as the render builds them
/// (`render::statefulset`, ToolHive's `configureMCPContainer`). Its env is the template's
/// `mcp` env, then the secrets, then `spec.env` merged with the runtime's variables
/// (`MCP_TRANSPORT`; `MCP_PORT`, `FASTMCP_PORT`, `MCP_HOST` for the HTTP transports); only
/// that last merge replaces entries (the runtime's value wins over a `spec.env` entry of the
/// same name, as in ToolHive: a warning, since the user's value is lost); everything else is
/// appended. Its ports are the template's, then `mcpPort`/TCP for `sse`. Server-side apply
/// keys env by `name` and ports by `containerPort` + `protocol`, and rejects a list with two
/// entries of one key (`duplicate entries for key [...]`; Flux always applies server-side),
/// so each such pair is an error at the later source that names the earlier one and where
/// it is. (Duplicates within `spec.env` are reported by [`super::server::check_server`].)
pub(super) fn check_mcp_container_duplicates(
    server: &McpServer,
    user_template: Option<&PodTemplateSpec>,
    report: &mut Reporter<'_>,
) {
    use crate::model::Transport;

    let origin = &server.origin;
    let spec = &server.spec;
    let template = "spec.podTemplateSpec.spec.containers";
    let mcp = user_template.and_then(mcp_container);
    let runtime = server.runtime_variables();
    let runtime_value = |name: &str| {
        runtime
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value.clone())
    };
    let runtime_text = |name: &str, value: &str| {
        let value = if value.is_empty() {
            "the empty string".to_string()
        } else {
            format!("`{value}`")
        };
        format!(
            "`{name}` is set by ToolHive's runtime for transport {} (to {value})",
            spec.transport
        )
    };
    let twice = |name: &str| {
        format!("server-side apply rejects duplicate entries for key [name=\"{name}\"]")
    };
    // `name` from `source` (at `field`) after the same name from `first`.
    let env_twice = |report: &mut Reporter<'_>,
                     field: &str,
                     source: &str,
                     name: &str,
                     first: &str| {
        let at = report.location_text(origin, first);
        report.error(
            origin,
            field,
            format!(
                "`{name}` would be in container `mcp`'s env twice: from {source} and from {first} at {at}; {}",
                twice(name)
            ),
        );
    };

    // Env names in rendered order, each with the field that set it first.
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    let mut template_env = Vec::new();
    if let Some((c, container)) = mcp {
        for (j, env) in container.env.iter().flatten().enumerate() {
            template_env.push((env.name.as_str(), format!("{template}[{c}].env[{j}].name")));
        }
    }
    for (name, field) in &template_env {
        if let Some(value) = runtime_value(name) {
            report.error(
                origin,
                field,
                format!(
                    "{}, which container `mcp` gets after its own env: it would list `{name}` twice, and {}; remove it from the podTemplateSpec",
                    runtime_text(name, &value),
                    twice(name)
                ),
            );
        }
        match seen.get(name) {
            Some(first) => {
                let at = report.location_text(origin, first);
                report.error(
                    origin,
                    field,
                    format!(
                        "`{name}` is listed twice in container `mcp`'s env (also {first} at {at}); {}",
                        twice(name)
                    ),
                );
            }
            None => {
                seen.insert(name, field.clone());
            }
        }
    }
    for (i, secret) in spec.secrets.iter().enumerate() {
        let name = secret.env_name();
        let field = secret_env_field(i, secret);
        if let Some(value) = runtime_value(name) {
            report.error(
                origin,
                &field,
                format!(
                    "{} and cannot come from a secret: container `mcp` would list it twice, and {}; choose another targetEnvName",
                    runtime_text(name, &value),
                    twice(name)
                ),
            );
        } else if let Some(first) = seen.get(name) {
            env_twice(report, &field, &format!("spec.secrets[{i}]"), name, first);
        }
        seen.entry(name).or_insert(field);
    }
    for (i, env) in spec.env.iter().enumerate() {
        let field = format!("spec.env[{i}].name");
        let name = env.name.as_str();
        match runtime_value(name) {
            // The same value: nothing is lost, nothing to say.
            Some(value) if value == env.value => {}
            Some(value) => report.warning(
                origin,
                &field,
                format!(
                    "{}: this value (`{}`) is replaced, as in ToolHive",
                    runtime_text(name, &value),
                    env.value
                ),
            ),
            None => {
                if let Some(first) = seen.get(name) {
                    env_twice(report, &field, &format!("spec.env[{i}]"), name, first);
                }
            }
        }
    }

    // Ports: the template's, then mcpPort/TCP for sse.
    let Some((c, container)) = mcp else {
        return;
    };
    let mut ports: BTreeMap<(i32, &str), String> = BTreeMap::new();
    for (j, port) in container.ports.iter().flatten().enumerate() {
        let protocol = port.protocol.as_deref().unwrap_or("TCP");
        let key = (port.container_port, protocol);
        let field = format!("{template}[{c}].ports[{j}].containerPort");
        let apply = format!(
            "server-side apply rejects duplicate entries for key [containerPort={},protocol=\"{protocol}\"]",
            port.container_port
        );
        if let Some(first) = ports.get(&key) {
            let at = report.location_text(origin, first);
            report.error(
                origin,
                &field,
                format!(
                    "port {}/{protocol} is listed twice in container `mcp`'s ports (also {first} at {at}); {apply}",
                    port.container_port
                ),
            );
        } else if spec.transport == Transport::Sse && key == (spec.mcp_port, "TCP") {
            report.error(
                origin,
                &field,
                format!(
                    "port {}/TCP is the mcpPort, which the render adds to container `mcp` for transport sse, as ToolHive does: it would be listed twice, and {apply}; remove it from the podTemplateSpec",
                    port.container_port
                ),
            );
        }
        ports.entry(key).or_insert(field);
    }
}
