//! The rules across objects: two objects that would be the same object in the cluster, and
//! two Services asking for one node port. They run on the whole input after the documents
//! are gone, so they place their messages with the locations parse recorded ([`Marks`]).

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Reporter, location_text};
use crate::model::{Marks, McpServer, NODE_PORT_RANGE, Origin, Parsed};
use crate::names;

/// (API group, kind, namespace, name): what makes an object unique in a cluster.
type ObjectKey<'a> = (&'a str, &'a str, Option<&'a str>, Cow<'a, str>);

/// Two objects with the same kind, namespace and name in one render: the second would
/// silently replace the first in the cluster. The same MCPServer twice is one error, not one
/// per object it renders. (Hash maps: they are only looked up, never iterated, so their
/// order cannot reach the output; this runs on every object of every render.)
pub(super) fn check_collisions<'a>(parsed: &'a Parsed, report: &mut Reporter<'_>) {
    let mut seen: HashMap<ObjectKey<'a>, (&'a Marks, String)> =
        HashMap::with_capacity(parsed.servers.len() * 3 + parsed.pass_through.len());
    let mut claim = |key: ObjectKey<'a>,
                     origin: &'a Origin,
                     marks: &'a Marks,
                     what: &String,
                     report: &mut Reporter<'_>| {
        if let Some((first, first_what)) = seen.get(&key) {
            let at = location_text(first, "metadata.name");
            let (_, kind, namespace, name) = &key;
            let ns = namespace.map_or(String::new(), |ns| format!("{ns}/"));
            report.error_at(
                origin,
                marks,
                "metadata.name",
                format!(
                    "{kind} {ns}{name} would be created twice: by {what} here and by {first_what} at {at}"
                ),
            );
        } else {
            seen.insert(key, (marks, what.clone()));
        }
    };
    let mut servers: Vec<&'a McpServer> = parsed.servers.iter().collect();
    servers.sort_by(|a, b| a.origin.cmp(&b.origin));
    let mut defined: HashMap<(Option<&str>, &str), &Marks> =
        HashMap::with_capacity(parsed.servers.len());
    for server in servers {
        let namespace = server.namespace.as_deref();
        if let Some(first) = defined.get(&(namespace, server.name.as_str())) {
            let at = location_text(first, "metadata.name");
            let ns = namespace.map_or(String::new(), |ns| format!("{ns}/"));
            report.error_at(
                &server.origin,
                &server.marks,
                "metadata.name",
                format!(
                    "MCPServer {ns}{} is defined twice (also at {at}); its StatefulSet and Services would replace each other",
                    server.name
                ),
            );
            continue;
        }
        defined.insert((namespace, &server.name), &server.marks);
        let what = format!("MCPServer `{}`", server.name);
        let statefulset = ("apps", "StatefulSet", namespace, Cow::from(&server.name));
        claim(statefulset, &server.origin, &server.marks, &what, report);
        if server.spec.transport.has_services() {
            for service in [
                names::headless_service_name(&server.name),
                names::service_name(&server.name),
            ] {
                let key = ("", "Service", namespace, Cow::from(service));
                claim(key, &server.origin, &server.marks, &what, report);
            }
        }
        if server.spec.created_service_account.is_some() {
            let account = names::default_service_account(&server.name);
            let key = ("", "ServiceAccount", namespace, Cow::from(account));
            let what = format!(
                "MCPServer `{}` (which creates it when spec.serviceAccount is unset; to use your own, set spec.serviceAccount to its name or render with --service-accounts omit)",
                server.name
            );
            claim(key, &server.origin, &server.marks, &what, report);
        }
    }
    for object in &parsed.pass_through {
        let group = object.api_version.rsplit_once('/').map_or("", |(g, _)| g);
        let what = format!("a {}", object.kind);
        let key = (
            group,
            object.kind.as_str(),
            object.namespace.as_deref(),
            Cow::from(&object.name),
        );
        claim(key, &object.origin, &object.marks, &what, report);
    }
}

/// Node ports are unique in a whole cluster: two Services asking for the same one cannot
/// both be created. The rendered `mcp-<name>` Service asks for its mcpPort when it is in
/// the NodePort range; pass-through Services ask for their `spec.ports[].nodePort`.
pub(super) fn check_node_ports(parsed: &Parsed, report: &mut Reporter<'_>) {
    let mut claims: Vec<(i64, &Origin, &Marks, String, String)> = Vec::new();
    for server in &parsed.servers {
        let port = server.spec.mcp_port;
        if server.spec.transport.has_services() && NODE_PORT_RANGE.contains(&port) {
            claims.push((
                i64::from(port),
                &server.origin,
                &server.marks,
                format!(
                    "MCPServer `{}` (Service `{}`)",
                    server.name,
                    names::service_name(&server.name)
                ),
                "spec.mcpPort".to_string(),
            ));
        }
    }
    for object in &parsed.pass_through {
        let is_service = object.kind == "Service" && !object.api_version.contains('/');
        let ports = object
            .value
            .pointer("/spec/ports")
            .and_then(|p| p.as_array());
        for (i, port) in ports
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|_| is_service)
        {
            if let Some(node_port) = port.get("nodePort").and_then(serde_json::Value::as_i64) {
                claims.push((
                    node_port,
                    &object.origin,
                    &object.marks,
                    format!("Service `{}`", object.name),
                    format!("spec.ports[{i}].nodePort"),
                ));
            }
        }
    }
    claims.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for pair in claims.windows(2) {
        let [
            (port, _, first, first_what, first_field),
            (same, origin, marks, what, field),
        ] = pair
        else {
            continue;
        };
        if port == same {
            let at = location_text(first, first_field);
            report.error_at(
                origin,
                marks,
                field,
                format!("{what} asks for node port {port}, which {first_what} at {at} also uses; a node port can be used once in a cluster"),
            );
        }
    }
}
