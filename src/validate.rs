//! Stage 3, validate: the Kubernetes rules the API server (or, worse, pod creation) would
//! enforce later, checked up front, plus the rules that span objects.
//!
//! The result, [`Validated`], is the only input [`crate::render`] accepts, so rendering can
//! never see an unchecked server. Every problem is reported, not only the first.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::model::{
    Locate, Marks, McpServer, NODE_PORT_RANGE, Origin, OwnerRefs, Parsed, PassThrough, Resources,
};
use crate::names;
use crate::node::FieldPath;
use crate::parse::owners::Owners;

/// Input that passed every check, in output order: servers by namespace and name,
/// pass-through objects by kind, namespace and name.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    servers: Vec<McpServer>,
    pass_through: Vec<PassThrough>,
}

impl Validated {
    /// The MCPServers, sorted by namespace, then name.
    pub fn servers(&self) -> &[McpServer] {
        &self.servers
    }

    /// The pass-through objects, sorted by kind, namespace, name.
    pub fn pass_through(&self) -> &[PassThrough] {
        &self.pass_through
    }

    /// The servers and the pass-through objects, in the same order, by value: to render
    /// each one and drop it right after.
    pub fn into_parts(self) -> (Vec<McpServer>, Vec<PassThrough>) {
        (self.servers, self.pass_through)
    }
}

/// Checks everything; returns the validated input, or every error found. Warnings are
/// returned in both cases. `locate` places the per-object messages (the documents the
/// objects were parsed from); the rules that span objects use the objects' [`Marks`].
pub fn validate(
    parsed: Parsed,
    locate: &dyn Locate,
    owners: &Owners,
    owner_refs: OwnerRefs,
) -> (Option<Validated>, Diagnostics) {
    let checked = check_each(&parsed, locate, owners, owner_refs);
    validate_checked(parsed, checked)
}

/// The checks of each object on its own: a server's names, image, env, secrets, resources,
/// pod template and owner UID; a pass-through object's name. Everything [`validate`] does
/// but the rules that span objects; what the pipeline runs on each piece of input while its
/// documents are at hand (`locate`).
pub fn check_each(
    parsed: &Parsed,
    locate: &dyn Locate,
    owners: &Owners,
    owner_refs: OwnerRefs,
) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let mut report = Reporter {
        locate,
        problems: &parsed.problems,
        diagnostics: &mut diagnostics,
    };
    for server in &parsed.servers {
        check_server(server, &mut report);
        check_pull_secrets(server, &mut report);
        check_mcp_container_duplicates(server, &mut report);
        warn_stdio(server, &mut report);
        // A server that failed the CRD check is never rendered: no word on its Services.
        if !parsed.problems.contains_key(&server.origin) {
            check_owner(server, owners, owner_refs, &mut report);
        }
    }
    for object in &parsed.pass_through {
        check_pass_through(object, &mut report);
    }
    diagnostics
}

/// [`validate`] for objects whose [`check_each`] already ran (`checked` holds its
/// diagnostics): the rules that span objects (collisions of names, and of node ports), which
/// need no document, then the sort into output order.
pub fn validate_checked(parsed: Parsed, checked: Diagnostics) -> (Option<Validated>, Diagnostics) {
    let mut diagnostics = checked;
    let mut report = Reporter {
        locate: &NoDocuments,
        problems: &parsed.problems,
        diagnostics: &mut diagnostics,
    };
    check_collisions(&parsed, &mut report);
    check_node_ports(&parsed, &mut report);
    finish(parsed, diagnostics)
}

/// The rules that span objects place their messages with [`Marks`], never with documents.
struct NoDocuments;

impl Locate for NoDocuments {
    fn locate(&self, _origin: &Origin, _field: &FieldPath) -> Option<Location> {
        None
    }
}

/// Sorts into output order; the validated input when no check found a problem.
fn finish(parsed: Parsed, diagnostics: Diagnostics) -> (Option<Validated>, Diagnostics) {
    if diagnostics.has_errors() || !parsed.problems.is_empty() {
        return (None, diagnostics);
    }
    let mut servers = parsed.servers;
    sort_in_place(&mut servers, |a, b| {
        (&a.namespace, &a.name, &a.origin).cmp(&(&b.namespace, &b.name, &b.origin))
    });
    let mut pass_through = parsed.pass_through;
    sort_in_place(&mut pass_through, |a, b| {
        (&a.kind, &a.namespace, &a.name, &a.api_version, &a.origin).cmp(&(
            &b.kind,
            &b.namespace,
            &b.name,
            &b.api_version,
            &b.origin,
        ))
    });
    (
        Some(Validated {
            servers,
            pass_through,
        }),
        diagnostics,
    )
}

/// A stable sort that moves each item about once, with no second copy of the items: it
/// sorts indices, then applies that order by following its cycles.
fn sort_in_place<T>(items: &mut [T], compare: impl Fn(&T, &T) -> std::cmp::Ordering) {
    // order[i] is where the item for position i is now.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| compare(&items[a], &items[b]));
    for start in 0..order.len() {
        // Position `current` holds the item that started at `start`; hand it along the cycle.
        let mut current = start;
        while order[current] != start {
            let next = order[current];
            items.swap(current, next);
            order[current] = current;
            current = next;
        }
        order[current] = current;
    }
}

struct Reporter<'a> {
    locate: &'a dyn Locate,
    /// Fields `parse` already reported: no second error on them.
    problems: &'a BTreeMap<Origin, Vec<FieldPath>>,
    diagnostics: &'a mut Diagnostics,
}

impl Reporter<'_> {
    fn error(&mut self, origin: &Origin, field: &str, message: impl Into<String>) {
        let location = self.locate.locate(origin, &FieldPath::parse(field));
        self.error_located(origin, location, field, message.into());
    }

    /// An error placed with the object's [`Marks`] (for the rules that span objects).
    fn error_at(&mut self, origin: &Origin, marks: &Marks, field: &str, message: String) {
        self.error_located(origin, marks.get(field).cloned(), field, message);
    }

    fn error_located(
        &mut self,
        origin: &Origin,
        location: Option<Location>,
        field: &str,
        message: String,
    ) {
        if self.already_reported(origin, field) {
            return;
        }
        self.diagnostics
            .push(Diagnostic::error(location, field, message));
    }

    /// `path:line:col` of `field` of the object at `origin` (of its nearest ancestor
    /// present), for a message that names a second place.
    fn location_text(&self, origin: &Origin, field: &str) -> String {
        self.locate
            .locate(origin, &FieldPath::parse(field))
            .map(|l| l.to_string())
            .unwrap_or_default()
    }

    fn already_reported(&self, origin: &Origin, field: &str) -> bool {
        let path = FieldPath::parse(field);
        self.problems
            .get(origin)
            .is_some_and(|paths| paths.iter().any(|p| p.overlaps(&path)))
    }

    fn warning(&mut self, origin: &Origin, field: &str, message: impl Into<String>) {
        let location = self.locate.locate(origin, &FieldPath::parse(field));
        self.diagnostics
            .push(Diagnostic::warning(location, field, message.into()));
    }
}

/// `path:line:col` of a recorded field of an object (empty when not recorded).
fn location_text(marks: &Marks, field: &str) -> String {
    marks
        .get(field)
        .map(ToString::to_string)
        .unwrap_or_default()
}

fn check_server(server: &McpServer, report: &mut Reporter<'_>) {
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
    if let Some(pts) = &spec.pod_template_spec {
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
            let limit_text = resources.limits.get(resource).map_or("", String::as_str);
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

/// Pass-through objects go to the cluster unchanged, so their names must be ones the API
/// server accepts: any object's name is a path segment, a Service's a DNS-1035 label, and a
/// namespace a DNS-1123 label.
fn check_pass_through(object: &PassThrough, report: &mut Reporter<'_>) {
    let name = &object.name;
    let group = object.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let rule = if group.is_empty() && object.kind == "Service" {
        names::dns1035_label(name)
    } else {
        names::path_segment_name(name)
    };
    if let Err(why) = rule {
        report.error(&object.origin, "metadata.name", format!("`{name}` {why}"));
    }
    if let Some((namespace, Err(why))) = object
        .namespace
        .as_ref()
        .map(|ns| (ns, names::dns1123_label(ns)))
    {
        report.error(
            &object.origin,
            "metadata.namespace",
            format!("`{namespace}` {why}"),
        );
    }
}

/// Node ports are unique in a whole cluster: two Services asking for the same one cannot
/// both be created. The rendered `mcp-<name>` Service asks for its mcpPort when it is in
/// the NodePort range; pass-through Services ask for their `spec.ports[].nodePort`.
fn check_node_ports(parsed: &Parsed, report: &mut Reporter<'_>) {
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

fn check_owner(server: &McpServer, owners: &Owners, policy: OwnerRefs, report: &mut Reporter<'_>) {
    if policy == OwnerRefs::Omit || !server.spec.transport.has_services() {
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

/// (API group, kind, namespace, name): what makes an object unique in a cluster.
type ObjectKey<'a> = (&'a str, &'a str, Option<&'a str>, Cow<'a, str>);

/// Two objects with the same kind, namespace and name in one render: the second would
/// silently replace the first in the cluster. The same MCPServer twice is one error, not one
/// per object it renders. (Hash maps: they are only looked up, never iterated, so their
/// order cannot reach the output; this runs on every object of every render.)
fn check_collisions<'a>(parsed: &'a Parsed, report: &mut Reporter<'_>) {
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
/// it is. (Duplicates within `spec.env` are reported by [`check_server`].)
fn check_mcp_container_duplicates(server: &McpServer, report: &mut Reporter<'_>) {
    use crate::model::MCP_CONTAINER;
    use crate::model::Transport;

    let origin = &server.origin;
    let spec = &server.spec;
    let template = "spec.podTemplateSpec.spec.containers";
    let mcp = spec
        .pod_template_spec
        .as_deref()
        .and_then(|t| t.spec.as_ref())
        .and_then(|pod| {
            pod.containers
                .iter()
                .enumerate()
                .find(|(_, c)| c.name == MCP_CONTAINER)
        });
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
        if let Some(value) = runtime_value(name) {
            report.warning(
                origin,
                &field,
                format!(
                    "{}: this value (`{}`) is replaced, as in ToolHive",
                    runtime_text(name, &value),
                    env.value
                ),
            );
        } else if let Some(first) = seen.get(name) {
            env_twice(report, &field, &format!("spec.env[{i}]"), name, first);
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

/// The field a secret's environment variable name comes from: `targetEnvName`, or `key`
/// when that is unset or empty.
fn secret_env_field(i: usize, secret: &crate::model::SecretRef) -> String {
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
fn check_pull_secrets(server: &McpServer, report: &mut Reporter<'_>) {
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
fn warn_stdio(server: &McpServer, report: &mut Reporter<'_>) {
    if server.spec.transport != crate::model::Transport::Stdio
        || report.problems.contains_key(&server.origin)
    {
        return;
    }
    report.warning(&server.origin, "spec.transport", STDIO_WARNING);
}

/// The warning every stdio server gets (see [`warn_stdio`]).
pub const STDIO_WARNING: &str = "transport stdio: the pod speaks MCP only on its standard input and output, which only ToolHive's proxy can reach (it attaches to the container), and this render has no proxy, so no client can connect to it; use transport streamable-http (or sse) if the server supports it, or let ToolHive's operator run this MCPServer";
