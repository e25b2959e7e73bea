//! Stage 3, validate: the Kubernetes rules the API server (or, worse, pod creation) would
//! enforce later, checked up front, plus the rules that span objects.
//!
//! The result, [`Validated`], is the only input [`crate::render`] accepts, so rendering can
//! never see an unchecked server. Every problem is reported, not only the first.
//!
//! Here: the entry points, the reporter and the output order. `server.rs`: the rules on one
//! MCPServer (a new per-server rule goes there). `across.rs`: the rules across objects
//! (collisions, node ports), which place their messages with the locations parse recorded.

mod across;
mod container;
mod overrides;
mod server;

pub use server::STDIO_WARNING;

use std::collections::BTreeMap;

use rayon::slice::ParallelSliceMut;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::model::{Locate, Marks, McpServer, Origin, OwnerRefs, Parsed, PassThrough, PodTemplate};
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
        // The template is read once for the checks that need it (a packed one is read back).
        let template = match server.spec.pod_template_spec.as_ref().map(PodTemplate::get) {
            None => None,
            Some(Ok(template)) => Some(template),
            Some(Err(e)) => {
                report.error(&server.origin, "spec.podTemplateSpec", e.to_string());
                continue;
            }
        };
        let template = template.as_deref();
        server::check_server(server, template, &mut report);
        server::check_pull_secrets(server, &mut report);
        container::check_mcp_container_duplicates(server, template, &mut report);
        server::warn_stdio(server, &mut report);
        overrides::check_overrides(server, template, &mut report);
        // A server that failed the CRD check is never rendered: no word on its Services.
        if !parsed.problems.contains_key(&server.origin) {
            server::check_owner(server, owners, owner_refs, &mut report);
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
    across::check_collisions(&parsed, &mut report);
    across::check_node_ports(&parsed, &mut report);
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

/// Sorts `items` by `compare`, which must be a total order (no two items equal: both callers
/// end with the origin, which no two objects share), so that the result is the one order,
/// whoever sorts. Each item moves about once, with no second copy of the items: it sorts
/// indices, on rayon's threads (an unstable sort, which a total order leaves nothing to
/// choose in; rayon's stable merge sort was slower than one thread, and one thread took 52 ms
/// of the serial end of validation for 100,000 servers, against 31–34 ms now), then applies
/// that order by following its cycles.
fn sort_in_place<T: Sync>(items: &mut [T], compare: impl Fn(&T, &T) -> std::cmp::Ordering + Sync) {
    // order[i] is where the item for position i is now.
    let mut order: Vec<usize> = (0..items.len()).collect();
    let sorted: &[T] = items;
    order.par_sort_unstable_by(|&a, &b| compare(&sorted[a], &sorted[b]));
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
    fn error(
        &mut self,
        origin: &Origin,
        field: &str,
        message: impl Into<std::borrow::Cow<'static, str>>,
    ) {
        let location = self.locate.locate(origin, &FieldPath::parse(field));
        self.error_located(origin, location, field, message.into());
    }

    /// An error placed with the object's [`Marks`] (for the rules that span objects).
    fn error_at(&mut self, origin: &Origin, marks: &Marks, field: &str, message: String) {
        self.error_located(origin, marks.get(field).cloned(), field, message.into());
    }

    fn error_located(
        &mut self,
        origin: &Origin,
        location: Option<Location>,
        field: &str,
        message: std::borrow::Cow<'static, str>,
    ) {
        if self.already_reported(origin, field) {
            return;
        }
        // "`{value}` {why}" of an empty value would read "`` must not be empty".
        let message = match message.strip_prefix("`` ") {
            Some(why) => why.to_string().into(),
            None => message,
        };
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

    fn warning(
        &mut self,
        origin: &Origin,
        field: &str,
        message: impl Into<std::borrow::Cow<'static, str>>,
    ) {
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
