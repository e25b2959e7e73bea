//! The rules on one MCPServer: what the API server, or pod creation, would reject later
//! (names, image, ports, env, secrets, resources, replicas, the pod template), and the
//! owner-reference policy. A new per-server rule goes here.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;

use super::Reporter;
use crate::model::{McpServer, Origin, OwnerRefs, Resources};
use crate::names;
use crate::parse::owners::Owners;

pub(super) fn check_server(
    server: &McpServer,
    template: Option<&PodTemplateSpec>,
    report: &mut Reporter<'_>,
) {
    let origin = &server.origin;
    let name = &server.name;
    let spec = &server.spec;
    if let Err(why) = names::dns1123_label(name) {
        report.error(
            origin,
            "metadata.name",
            format!("`{name}` {why}; it names the StatefulSet and the Services"),
        );
    } else if spec.transport.has_services() && name.len() > names::MAX_HTTP_SERVER_NAME {
        report.error(
            origin,
            "metadata.name",
            format!(
                "`{name}` is {} characters: Service `{}` would be {}, over the 63 Kubernetes allows (an MCPServer with transport {} may have at most {} characters)",
                name.len(),
                names::headless_service_name(name),
                names::headless_service_name(name).len(),
                spec.transport,
                names::MAX_HTTP_SERVER_NAME
            ),
        );
    } else if name.len() > names::MAX_STATEFULSET_NAME {
        report.error(
            origin,
            "metadata.name",
            format!(
                "`{name}` is {} characters: a StatefulSet name over {} breaks pod creation (the controller-revision-hash label would exceed 63 characters)",
                name.len(),
                names::MAX_STATEFULSET_NAME
            ),
        );
    }
    if name == "mcpserver" {
        report.warning(
            origin,
            "metadata.name",
            "an MCPServer named `mcpserver` gets the selector `app: mcpserver`, which also matches ToolHive's proxy pods; choose another name if ToolHive runs in this namespace",
        );
    }
    if let Some((namespace, Err(why))) = server
        .namespace
        .as_ref()
        .map(|ns| (ns, names::dns1123_label(ns)))
    {
        report.error(origin, "metadata.namespace", format!("`{namespace}` {why}"));
    }
    if spec.image.trim().is_empty() {
        report.error(origin, "spec.image", "must not be empty");
    } else if spec.image.trim() != spec.image {
        report.error(
            origin,
            "spec.image",
            "must not have leading or trailing white space",
        );
    }
    let mut env_names: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, env) in spec.env.iter().enumerate() {
        if let Err(why) = names::env_var_name(&env.name) {
            report.error(
                origin,
                &format!("spec.env[{i}].name"),
                format!("`{}` {why}", env.name),
            );
        }
        if let Some(first) = env_names.insert(&env.name, i) {
            report.error(
                origin,
                &format!("spec.env[{i}].name"),
                format!(
                    "`{}` is listed twice (also spec.env[{first}]); env is a map keyed by name",
                    env.name
                ),
            );
        }
    }
    for (i, secret) in spec.secrets.iter().enumerate() {
        if let Err(why) = names::dns1123_subdomain(&secret.name) {
            report.error(
                origin,
                &format!("spec.secrets[{i}].name"),
                format!("`{}` {why}", secret.name),
            );
        }
        if let Err(why) = names::config_map_key(&secret.key) {
            report.error(
                origin,
                &format!("spec.secrets[{i}].key"),
                format!("`{}` {why}", secret.key),
            );
        }
        let field = secret_env_field(i, secret);
        if let Err(why) = names::env_var_name(secret.env_name()) {
            report.error(
                origin,
                &field,
                format!(
                    "`{}` as an environment variable name {why}",
                    secret.env_name()
                ),
            );
        }
    }
    if let Some(resources) = &spec.resources {
        check_resources(resources, origin, report);
    }
    if let Some((account, Err(why))) = spec
        .service_account
        .as_ref()
        .filter(|a| !a.is_empty())
        .map(|a| (a, names::dns1123_subdomain(a)))
    {
        report.error(origin, "spec.serviceAccount", format!("`{account}` {why}"));
    }
    if let Some(pts) = template {
        let base = "spec.podTemplateSpec";
        if let Some(pod) = &pts.spec {
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for (i, container) in pod.containers.iter().enumerate() {
                let field = format!("{base}.spec.containers[{i}].name");
                if let Err(why) = names::dns1123_label(&container.name) {
                    report.error(origin, &field, format!("`{}` {why}", container.name));
                } else if let Some(first) = seen.insert(&container.name, i) {
                    report.error(
                        origin,
                        &field,
                        format!(
                            "`{}` is used twice (also containers[{first}])",
                            container.name
                        ),
                    );
                }
            }
            if let Some(policy) = pod.restart_policy.as_deref().filter(|p| *p != "Always") {
                report.error(
                    origin,
                    &format!("{base}.spec.restartPolicy"),
                    format!("`{policy}` is not allowed: a StatefulSet's pods must use `Always`"),
                );
            }
            if let Some(account) = pod
                .service_account_name
                .as_deref()
                .filter(|_| spec.service_account.is_none())
            {
                let default = names::default_service_account(&server.name);
                report.warning(
                    origin,
                    &format!("{base}.spec.serviceAccountName"),
                    format!("`{account}` is replaced by `{default}` as ToolHive does; set spec.serviceAccount instead"),
                );
            }
        }
        if let Some(labels) = pts.metadata.as_ref().and_then(|m| m.labels.as_ref()) {
            for (key, value) in labels {
                if let Err(why) = names::label_key(key) {
                    report.error(
                        origin,
                        &format!("{base}.metadata.labels"),
                        format!("label key `{key}` {why}"),
                    );
                }
                if let Err(why) = names::label_value(value) {
                    report.error(
                        origin,
                        &format!("{base}.metadata.labels"),
                        format!("label `{key}` value `{value}` {why}"),
                    );
                }
            }
        }
    }
}

/// `spec.resources`: every quantity parses as Kubernetes parses it, is not negative, and no
/// request is above its limit (the API server rejects all three).
fn check_resources(resources: &Resources, origin: &Origin, report: &mut Reporter<'_>) {
    let mut values: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for (group, map) in [
        ("limits", &resources.limits),
        ("requests", &resources.requests),
    ] {
        for (resource, text) in map {
            let field = format!("spec.resources.{group}.{resource}");
            match quantity(text) {
                Err(why) => report.error(origin, &field, format!("`{text}` {why}")),
                Ok(value) if value < 0.0 => {
                    report.error(origin, &field, format!("`{text}` must not be negative"))
                }
                Ok(value) => {
                    values.insert((group, resource), value);
                }
            }
        }
    }
    for (resource, text) in &resources.requests {
        let request = values.get(&("requests", resource.as_str()));
        let limit = values.get(&("limits", resource.as_str()));
        if let (Some(request), Some(limit)) = (request, limit)
            && request > limit
        {
            let limit_text = resources
                .limits
                .iter()
                .find(|(limit, _)| limit == resource)
                .map_or("", |(_, text)| text.as_str());
            report.error(
                origin,
                &format!("spec.resources.requests.{resource}"),
                format!("`{text}` is more than the limit `{limit_text}`; a request must not exceed its limit"),
            );
        }
    }
}

/// Parses a Kubernetes quantity (`resource.ParseQuantity`): an optionally signed decimal
/// number and a suffix (`Ki`..`Ei`, `m`, `k`, `M`..`E`, or an exponent `e3`). Returns its
/// approximate value, for comparisons.
pub fn quantity(text: &str) -> Result<f64, String> {
    let invalid =
        || "is not a Kubernetes quantity (such as `500m`, `1`, `128Mi` or `1e3`)".to_string();
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    let number_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_len);
    let digits = number.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 || number.matches('.').count() > 1 {
        return Err(invalid());
    }
    let mantissa: f64 = number.parse().map_err(|_| invalid())?;
    let binary = |power: i32| Ok(2f64.powi(10 * power));
    let multiplier: Result<f64, String> = match suffix {
        "" => Ok(1.0),
        "Ki" => binary(1),
        "Mi" => binary(2),
        "Gi" => binary(3),
        "Ti" => binary(4),
        "Pi" => binary(5),
        "Ei" => binary(6),
        "m" => Ok(1e-3),
        "k" => Ok(1e3),
        "M" => Ok(1e6),
        "G" => Ok(1e9),
        "T" => Ok(1e12),
        "P" => Ok(1e15),
        "E" => Ok(1e18),
        exponent if exponent.starts_with(['e', 'E']) => {
            let digits = exponent[1..].trim_start_matches(['+', '-']);
            let well_formed = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && exponent.len() - digits.len() <= 2;
            match exponent[1..].parse::<i32>() {
                Ok(power) if well_formed => Ok(10f64.powi(power)),
                _ => Err(invalid()),
            }
        }
        _ => Err(invalid()),
    };
    Ok(sign * mantissa * multiplier?)
}

pub(super) fn check_owner(
    server: &McpServer,
    owners: &Owners,
    policy: OwnerRefs,
    report: &mut Reporter<'_>,
) {
    if policy == OwnerRefs::Omit || !server.spec.transport.has_services() {
        return;
    }
    // Without owners files, `auto` warns once for all servers (`run::owner_summary`).
    if policy == OwnerRefs::Auto && !owners.given() {
        return;
    }
    let known = server
        .namespace
        .as_deref()
        .and_then(|ns| owners.uid(ns, &server.name))
        .is_some();
    if known {
        return;
    }
    let why = match &server.namespace {
        None => format!(
            "the UID of StatefulSet `{}` cannot be matched without a namespace (set metadata.namespace or --namespace)",
            server.name
        ),
        Some(ns) => format!(
            "no owners file gives the UID of StatefulSet {ns}/{}",
            server.name
        ),
    };
    match policy {
        OwnerRefs::Require => report.error(
            &server.origin,
            "metadata.name",
            format!("{why} (--owner-refs require)"),
        ),
        _ => report.warning(
            &server.origin,
            "metadata.name",
            format!("{why}; its Services are rendered without ownerReferences"),
        ),
    }
}

/// The field a secret's environment variable name comes from: `targetEnvName`, or `key`
/// when that is unset or empty.
pub(super) fn secret_env_field(i: usize, secret: &crate::model::SecretRef) -> String {
    if secret
        .target_env_name
        .as_deref()
        .is_some_and(|n| !n.is_empty())
    {
        format!("spec.secrets[{i}].targetEnvName")
    } else {
        format!("spec.secrets[{i}].key")
    }
}

/// `spec.resourceOverrides.proxyDeployment.imagePullSecrets` names Secrets: each must be a
/// DNS-1123 subdomain (an empty name, the CRD's default, can never match one).
pub(super) fn check_pull_secrets(server: &McpServer, report: &mut Reporter<'_>) {
    for (i, name) in server.spec.image_pull_secrets.iter().enumerate() {
        let item = format!("spec.resourceOverrides.proxyDeployment.imagePullSecrets[{i}]");
        if report.already_reported(&server.origin, &item) {
            continue;
        }
        let message = match names::dns1123_subdomain(name) {
            Ok(()) => continue,
            Err(_) if name.is_empty() => {
                "must name a Secret (an entry without a name gets the CRD's default, the empty name)"
                    .to_string()
            }
            Err(why) => format!("`{name}` {why} (it must name a Secret)"),
        };
        report.error(&server.origin, &format!("{item}.name"), message);
    }
}

/// A stdio server's pod has no network endpoint: ToolHive's proxy reaches it by attaching to
/// the container's stdin (`pods/attach`), and this render has no proxy. One warning per such
/// server (not for one whose transport field already failed its check).
pub(super) fn warn_stdio(server: &McpServer, report: &mut Reporter<'_>) {
    if server.spec.transport != crate::model::Transport::Stdio
        || report.problems.contains_key(&server.origin)
    {
        return;
    }
    report.warning(&server.origin, "spec.transport", STDIO_WARNING);
}

/// The warning every stdio server gets (from `warn_stdio`, once per server).
pub const STDIO_WARNING: &str = "transport stdio: the pod speaks MCP only on its standard input and output, which only ToolHive's proxy can reach (it attaches to the container), and this render has no proxy, so no client can connect to it; use transport streamable-http (or sse) if the server supports it, or let ToolHive's operator run this MCPServer";
