//! Stage 3, validate: the Kubernetes rules the API server (or, worse, pod creation) would
//! enforce later, checked up front, plus the rules that span objects.
//!
//! The result, [`Validated`], is the only input [`crate::render`] accepts, so rendering can
//! never see an unchecked server. Every problem is reported, not only the first.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::model::{McpServer, Origin, Parsed, PassThrough};
use crate::names;
use crate::node::FieldPath;
use crate::parse::owners::Owners;

/// Whether the Services get ownerReferences to their StatefulSet (`--owner-refs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OwnerRefs {
    /// Emit them where the owners file knows the UID; otherwise leave them out and warn.
    #[default]
    Auto,
    /// A missing UID is an error.
    Require,
    /// Never emit them.
    Omit,
}

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
/// returned in both cases.
pub fn validate(
    parsed: Parsed,
    documents: &[Document],
    owners: &Owners,
    owner_refs: OwnerRefs,
) -> (Option<Validated>, Diagnostics) {
    let mut diagnostics = check_each(&parsed.servers, documents, owners, owner_refs);
    let mut report = Reporter {
        documents,
        diagnostics: &mut diagnostics,
    };
    check_collisions(&parsed, |collision| collision.report(&mut report));
    finish(parsed, diagnostics)
}

/// The checks of each server on its own: names, image, env, secrets, pod template, owner
/// UIDs. Everything [`validate`] does but the rules that span objects; `documents` are the
/// documents the servers' origins point into (for locations).
pub fn check_each(
    servers: &[McpServer],
    documents: &[Document],
    owners: &Owners,
    owner_refs: OwnerRefs,
) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let mut report = Reporter {
        documents,
        diagnostics: &mut diagnostics,
    };
    for server in servers {
        check_server(server, &mut report);
        check_owner(server, owners, owner_refs, &mut report);
    }
    diagnostics
}

/// [`validate`] for servers whose [`check_each`] already ran while their documents were at
/// hand (`checked` holds its diagnostics), so the documents can be gone: what streaming
/// input needs. The rules that span objects report two places, which needs the documents;
/// so when one of them fails, this gives `parsed` back and the caller runs [`validate`].
pub fn validate_checked(
    parsed: Parsed,
    checked: Diagnostics,
) -> Result<(Option<Validated>, Diagnostics), Parsed> {
    let mut collides = false;
    check_collisions(&parsed, |_| collides = true);
    if collides {
        return Err(parsed);
    }
    Ok(finish(parsed, checked))
}

/// Sorts into output order; the validated input when no check found an error.
fn finish(parsed: Parsed, diagnostics: Diagnostics) -> (Option<Validated>, Diagnostics) {
    if diagnostics.has_errors() {
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
/// sorts indices, then applies that order by following its cycles. A parsed server is a
/// couple of kilobytes; sorting them directly moved each one about log2(n) times.
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
    documents: &'a [Document],
    diagnostics: &'a mut Diagnostics,
}

impl Reporter<'_> {
    fn diagnostic(&self, origin: &Origin, field: &str, message: String, error: bool) -> Diagnostic {
        let path = FieldPath::parse(field);
        let location = self.documents.get(origin.document).map(|document| {
            let mut full = origin.base.clone();
            full.0.extend(path.0.iter().cloned());
            document.location(document.root.locate(&full))
        });
        if error {
            Diagnostic::error(location, field, message)
        } else {
            Diagnostic::warning(location, field, message)
        }
    }

    fn error(&mut self, origin: &Origin, field: &str, message: impl Into<String>) {
        let d = self.diagnostic(origin, field, message.into(), true);
        self.diagnostics.push(d);
    }

    fn warning(&mut self, origin: &Origin, field: &str, message: impl Into<String>) {
        let d = self.diagnostic(origin, field, message.into(), false);
        self.diagnostics.push(d);
    }

    fn location_text(&self, origin: &Origin) -> String {
        self.documents
            .get(origin.document)
            .map(|d| d.location(d.root.locate(&origin.base)).to_string())
            .unwrap_or_default()
    }
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
        let field = if secret
            .target_env_name
            .as_deref()
            .is_some_and(|n| !n.is_empty())
        {
            format!("spec.secrets[{i}].targetEnvName")
        } else {
            format!("spec.secrets[{i}].key")
        };
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
    if let Some((account, Err(why))) = spec
        .service_account
        .as_ref()
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

/// Who claimed an object: where, and the kind and name of the input object.
struct Claim<'a> {
    origin: &'a Origin,
    kind: &'a str,
    name: &'a str,
}

impl Claim<'_> {
    /// "MCPServer `fetch`", "ConfigMap `settings`".
    fn what(&self) -> String {
        format!("{} `{}`", self.kind, self.name)
    }
}

/// A second claim on an object already claimed.
struct Collision<'k, 'a> {
    key: &'k ObjectKey<'a>,
    first: &'k Claim<'a>,
    second: Claim<'a>,
}

impl Collision<'_, '_> {
    fn report(&self, report: &mut Reporter<'_>) {
        let at = report.location_text(self.first.origin);
        let (_, kind, namespace, name) = self.key;
        let ns = namespace.map_or(String::new(), |ns| format!("{ns}/"));
        report.error(
            self.second.origin,
            "metadata.name",
            format!(
                "{} would create {kind} {ns}{name}, which {} at {at} also creates",
                self.second.what(),
                self.first.what()
            ),
        );
    }
}

/// Two objects with the same kind, namespace and name in one render: the second would
/// silently replace the first in the cluster. Calls `found` for each. (A hash map: it is
/// only looked up, never iterated, so its order cannot reach the output.)
fn check_collisions<'a>(parsed: &'a Parsed, mut found: impl FnMut(Collision<'_, 'a>)) {
    let mut seen: HashMap<ObjectKey<'a>, Claim<'a>> =
        HashMap::with_capacity(parsed.servers.len() * 3 + parsed.pass_through.len());
    let mut claim = |key: ObjectKey<'a>, by: Claim<'a>| match seen.get_key_value(&key) {
        Some((key, first)) => found(Collision {
            key,
            first,
            second: by,
        }),
        None => {
            seen.insert(key, by);
        }
    };
    let mut servers: Vec<&'a McpServer> = parsed.servers.iter().collect();
    servers.sort_by(|a, b| a.origin.cmp(&b.origin));
    for server in servers {
        let namespace = server.namespace.as_deref();
        let by = || Claim {
            origin: &server.origin,
            kind: "MCPServer",
            name: &server.name,
        };
        let statefulset = ("apps", "StatefulSet", namespace, Cow::from(&server.name));
        claim(statefulset, by());
        if server.spec.transport.has_services() {
            for service in [
                names::headless_service_name(&server.name),
                names::service_name(&server.name),
            ] {
                claim(("", "Service", namespace, Cow::from(service)), by());
            }
        }
    }
    for object in &parsed.pass_through {
        let group = object.api_version.rsplit_once('/').map_or("", |(g, _)| g);
        let key = (
            group,
            object.kind.as_str(),
            object.namespace.as_deref(),
            Cow::from(&object.name),
        );
        let by = Claim {
            origin: &object.origin,
            kind: &object.kind,
            name: &object.name,
        };
        claim(key, by);
    }
}
