//! Stage 3, validate: the Kubernetes rules the API server (or, worse, pod creation) would
//! enforce later, checked up front, plus the rules that span objects.
//!
//! The result, [`Validated`], is the only input [`crate::render`] accepts, so rendering can
//! never see an unchecked server. Every problem is reported, not only the first.

use std::collections::BTreeMap;

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
}

/// Checks everything; returns the validated input, or every error found. Warnings are
/// returned in both cases.
pub fn validate(
    parsed: Parsed,
    documents: &[Document],
    owners: &Owners,
    owner_refs: OwnerRefs,
) -> (Option<Validated>, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let mut report = Reporter {
        documents,
        problems: &parsed.problems,
        diagnostics: &mut diagnostics,
    };
    for server in &parsed.servers {
        check_server(server, &mut report);
        check_owner(server, owners, owner_refs, &mut report);
    }
    check_collisions(&parsed, &mut report);
    let mut servers = parsed.servers;
    servers.sort_by(|a, b| {
        (&a.namespace, &a.name, &a.origin).cmp(&(&b.namespace, &b.name, &b.origin))
    });
    let mut pass_through = parsed.pass_through;
    pass_through.sort_by(|a, b| {
        (&a.kind, &a.namespace, &a.name, &a.api_version, &a.origin).cmp(&(
            &b.kind,
            &b.namespace,
            &b.name,
            &b.api_version,
            &b.origin,
        ))
    });
    if diagnostics.has_errors() || !parsed.problems.is_empty() {
        return (None, diagnostics);
    }
    (
        Some(Validated {
            servers,
            pass_through,
        }),
        diagnostics,
    )
}

struct Reporter<'a> {
    documents: &'a [Document],
    /// Fields `parse` already reported: no second error on them.
    problems: &'a BTreeMap<Origin, Vec<FieldPath>>,
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
        if self.already_reported(origin, field) {
            return;
        }
        let d = self.diagnostic(origin, field, message.into(), true);
        self.diagnostics.push(d);
    }

    fn already_reported(&self, origin: &Origin, field: &str) -> bool {
        let path = FieldPath::parse(field);
        self.problems
            .get(origin)
            .is_some_and(|paths| paths.iter().any(|p| p.overlaps(&path)))
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
type ObjectKey = (String, String, Option<String>, String);

/// Two objects with the same kind, namespace and name in one render: the second would
/// silently replace the first in the cluster.
fn check_collisions(parsed: &Parsed, report: &mut Reporter<'_>) {
    let mut seen: BTreeMap<ObjectKey, (Origin, String)> = BTreeMap::new();
    let mut claim = |group: &str,
                     kind: &str,
                     namespace: &Option<String>,
                     name: String,
                     origin: &Origin,
                     what: String,
                     report: &mut Reporter<'_>| {
        let key = (
            group.to_string(),
            kind.to_string(),
            namespace.clone(),
            name.clone(),
        );
        if let Some((first, first_what)) = seen.get(&key) {
            let at = report.location_text(first);
            let ns = namespace
                .as_deref()
                .map_or(String::new(), |ns| format!("{ns}/"));
            report.error(
                origin,
                "metadata.name",
                format!(
                    "{what} would create {kind} {ns}{name}, which {first_what} at {at} also creates"
                ),
            );
        } else {
            seen.insert(key, (origin.clone(), what));
        }
    };
    let mut servers: Vec<&McpServer> = parsed.servers.iter().collect();
    servers.sort_by(|a, b| a.origin.cmp(&b.origin));
    for server in servers {
        let what = format!("MCPServer `{}`", server.name);
        claim(
            "apps",
            "StatefulSet",
            &server.namespace,
            server.name.clone(),
            &server.origin,
            what.clone(),
            report,
        );
        if server.spec.transport.has_services() {
            for service in [
                names::headless_service_name(&server.name),
                names::service_name(&server.name),
            ] {
                claim(
                    "",
                    "Service",
                    &server.namespace,
                    service,
                    &server.origin,
                    what.clone(),
                    report,
                );
            }
        }
    }
    for object in &parsed.pass_through {
        let group = object.api_version.rsplit_once('/').map_or("", |(g, _)| g);
        let what = format!("{} `{}`", object.kind, object.name);
        claim(
            group,
            &object.kind,
            &object.namespace,
            object.name.clone(),
            &object.origin,
            what,
            report,
        );
    }
}
