//! The rules across objects: two objects that would be the same object in the cluster, and
//! two Services asking for one node port. They run on the whole input after the documents
//! are gone, so they place their messages with the locations parse recorded ([`Marks`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use super::{Reporter, location_text};
use crate::model::{Marks, McpServer, NODE_PORT_RANGE, Origin, Parsed, PassThrough};
use crate::names;

/// (API group, kind, namespace, name): what makes an object unique in a cluster.
type ObjectKey<'a> = (&'a str, &'a str, Option<&'a str>, Cow<'a, str>);

/// Two objects with the same kind, namespace and name in one render: the second would
/// silently replace the first in the cluster. The same MCPServer twice is one error, not one
/// per object it renders.
///
/// This runs on every object of every render, with three or four names a server, so it
/// keeps no name: each claim is a 64-bit hash of its key and its place in claim order,
/// sorted, and only claims with equal hashes have their keys built again and compared (a
/// hash map of the keys, with the owned names of the Services and ServiceAccount, took
/// 54 MiB at 100,000 servers). The first claim of a key (servers in origin order, then the
/// pass-through objects) is the original; each later one is an error, in claim order.
///
/// The sorts and the hashing run on rayon's threads: each has one result whoever does it
/// (no two servers share an origin, no two claims a place), and for 100,000 servers they
/// were 40 ms on one core with the other idle.
pub(super) fn check_collisions<'a>(parsed: &'a Parsed, report: &mut Reporter<'_>) {
    let mut servers: Vec<&'a McpServer> = parsed.servers.iter().collect();
    servers.par_sort_unstable_by(|a, b| a.origin.cmp(&b.origin));
    let mut defined: HashMap<(Option<&str>, &str), &Marks> =
        HashMap::with_capacity(parsed.servers.len());
    let mut claims: Vec<Claim<'a>> = Vec::with_capacity(parsed.servers.len() * 4);
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
        claims.push(Claim::StatefulSet(server));
        if server.spec.transport.has_services() {
            claims.push(Claim::HeadlessService(server));
            claims.push(Claim::Service(server));
        }
        if server.spec.created_service_account.is_some() {
            claims.push(Claim::ServiceAccount(server));
        }
    }
    drop(defined);
    claims.extend(parsed.pass_through.iter().map(Claim::Object));
    let mut order: Vec<(u64, usize)> = claims
        .par_iter()
        .enumerate()
        .map(|(i, claim)| {
            let mut hasher = std::hash::DefaultHasher::new();
            claim.key().hash(&mut hasher);
            (hasher.finish(), i)
        })
        .collect();
    order.par_sort_unstable();
    // (later claim, first claim of the same key), reported in claim order.
    let mut twice: Vec<(usize, usize)> = Vec::new();
    for group in order.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        let keys: Vec<ObjectKey<'a>> = group.iter().map(|&(_, i)| claims[i].key()).collect();
        for (j, &(_, later)) in group.iter().enumerate().skip(1) {
            if let Some(k) = (0..j).find(|&k| keys[k] == keys[j]) {
                twice.push((later, group[k].1));
            }
        }
    }
    twice.sort_unstable();
    for (later, first) in twice {
        let (claim, first) = (&claims[later], &claims[first]);
        let at = location_text(first.at().1, "metadata.name");
        let (_, kind, namespace, name) = claim.key();
        let ns = namespace.map_or(String::new(), |ns| format!("{ns}/"));
        let (origin, marks) = claim.at();
        report.error_at(
            origin,
            marks,
            "metadata.name",
            format!(
                "{kind} {ns}{name} would be created twice: by {claim} here and by {first} at {at}"
            ),
        );
    }
}

/// One object a render would create, by what makes it ([`check_collisions`]).
#[derive(Debug, Clone, Copy)]
enum Claim<'a> {
    /// A server's StatefulSet `<name>`.
    StatefulSet(&'a McpServer),
    /// A server's Service `mcp-<name>-headless`.
    HeadlessService(&'a McpServer),
    /// A server's Service `mcp-<name>`.
    Service(&'a McpServer),
    /// A server's ServiceAccount `<name>-sa`.
    ServiceAccount(&'a McpServer),
    /// A pass-through object.
    Object(&'a PassThrough),
}

impl<'a> Claim<'a> {
    /// What makes the object unique in a cluster.
    fn key(&self) -> ObjectKey<'a> {
        match *self {
            Claim::StatefulSet(s) => (
                "apps",
                "StatefulSet",
                s.namespace.as_deref(),
                Cow::from(&s.name),
            ),
            Claim::HeadlessService(s) => {
                let name = names::headless_service_name(&s.name);
                ("", "Service", s.namespace.as_deref(), Cow::from(name))
            }
            Claim::Service(s) => {
                let name = names::service_name(&s.name);
                ("", "Service", s.namespace.as_deref(), Cow::from(name))
            }
            Claim::ServiceAccount(s) => {
                let name = names::default_service_account(&s.name);
                (
                    "",
                    "ServiceAccount",
                    s.namespace.as_deref(),
                    Cow::from(name),
                )
            }
            Claim::Object(o) => {
                let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
                (
                    group,
                    o.kind.as_str(),
                    o.namespace.as_deref(),
                    Cow::from(&o.name),
                )
            }
        }
    }

    /// Where the claiming object came from, and its marks.
    fn at(&self) -> (&'a Origin, &'a Marks) {
        match *self {
            Claim::StatefulSet(s)
            | Claim::HeadlessService(s)
            | Claim::Service(s)
            | Claim::ServiceAccount(s) => (&s.origin, &s.marks),
            Claim::Object(o) => (&o.origin, &o.marks),
        }
    }
}

/// What claims a name, as the message says it.
impl std::fmt::Display for Claim<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Claim::StatefulSet(s) | Claim::HeadlessService(s) | Claim::Service(s) => {
                write!(f, "MCPServer `{}`", s.name)
            }
            Claim::ServiceAccount(s) => write!(
                f,
                "MCPServer `{}` (which creates it when spec.serviceAccount is unset; to use your own, set spec.serviceAccount to its name or render with --service-accounts omit)",
                s.name
            ),
            Claim::Object(o) => write!(f, "a {}", o.kind),
        }
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
