//! Stage 4, render: pure functions from validated MCPServers to typed Kubernetes objects.
//!
//! No I/O, no clock, no randomness: the same input gives the same objects. The objects are
//! the ones ToolHive v0.44.0's runtime creates (`DeployWorkload` and `applyService` in
//! <https://github.com/stacklok/toolhive/blob/v0.44.0/pkg/container/kubernetes/client.go>), with the documented
//! differences that follow from having no proxy (see the README).

pub mod service_account;
mod services;
mod statefulset;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Service, ServiceAccount};

use crate::model::{McpServer, OwnerRefs, PassThrough, UnpackError};
use crate::parse::owners::Owners;
use crate::validate::Validated;

pub use service_account::service_account;
pub use services::{headless_service, service};
pub use statefulset::statefulset;

/// The objects rendered for one MCPServer, in stream order.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedServer {
    /// The source file it came from (for directory output comments).
    pub source: Arc<str>,
    /// Its namespace, if any.
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// ServiceAccount `<name>-sa`, when this render creates it (first in the stream, so
    /// `kubectl apply -f -` creates it before the pods that need it).
    pub service_account: Option<ServiceAccount>,
    /// StatefulSet `<name>`.
    pub statefulset: StatefulSet,
    /// Services `mcp-<name>-headless` and `mcp-<name>`, for the HTTP transports.
    pub services: Vec<Service>,
}

impl RenderedServer {
    /// Its objects in stream order: the ServiceAccount (when rendered), the StatefulSet, then
    /// the headless Service and the Service. The one place this order is written: the stream,
    /// the server's file of a directory render and the KRM function's items all take it
    /// from here.
    pub fn objects(&self) -> impl Iterator<Item = ServerObject<'_>> {
        let account = self
            .service_account
            .iter()
            .map(ServerObject::ServiceAccount);
        let workload = std::iter::once(ServerObject::StatefulSet(&self.statefulset));
        account
            .chain(workload)
            .chain(self.services.iter().map(ServerObject::Service))
    }
}

/// One object of a [`RenderedServer`], borrowed; serialises as the object itself.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[serde(untagged)]
pub enum ServerObject<'a> {
    /// ServiceAccount `<name>-sa`.
    ServiceAccount(&'a ServiceAccount),
    /// StatefulSet `<name>`.
    StatefulSet(&'a StatefulSet),
    /// Service `mcp-<name>-headless` or `mcp-<name>`.
    Service(&'a Service),
}

/// A pass-through object, unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPassThrough {
    /// The source file it came from.
    pub source: Arc<str>,
    /// Its `kind`.
    pub kind: String,
    /// Its namespace, if any.
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// The object.
    pub value: serde_json::Value,
}

/// Everything a run produces, in output order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    /// Per MCPServer, by namespace then name.
    pub servers: Vec<RenderedServer>,
    /// Other objects, by kind, namespace, name.
    pub pass_through: Vec<RenderedPassThrough>,
}

impl Rendered {
    /// How many objects this is.
    pub fn object_count(&self) -> usize {
        self.servers
            .iter()
            .map(|s| 1 + usize::from(s.service_account.is_some()) + s.services.len())
            .sum::<usize>()
            + self.pass_through.len()
    }
}

/// The six labels ToolHive puts on the StatefulSet, its pods and both Services
/// (`WithStandardLabels` plus `app`). `toolhive-port` is the *proxy* port, as in ToolHive.
pub fn workload_labels(server: &McpServer) -> BTreeMap<String, String> {
    [
        ("app", server.name.clone()),
        ("toolhive", "true".to_string()),
        ("toolhive-basename", server.name.clone()),
        ("toolhive-name", server.name.clone()),
        ("toolhive-port", server.spec.proxy_port.to_string()),
        (
            "toolhive-transport",
            server.spec.transport.as_str().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The selector of the StatefulSet and the Services: `app: <name>`.
pub fn selector(server: &McpServer) -> BTreeMap<String, String> {
    BTreeMap::from([("app".to_string(), server.name.clone())])
}

/// The live StatefulSet's UID for this server's Services, when the policy allows and the
/// owners file knows it. Never invented.
pub fn owner_uid<'a>(server: &McpServer, owners: &'a Owners, policy: OwnerRefs) -> Option<&'a str> {
    if policy == OwnerRefs::Omit {
        return None;
    }
    owners.uid(server.namespace.as_deref()?, &server.name)
}

/// Renders one server. Fails only if its packed pod template does not read back (a bug: see
/// [`PodTemplate`](crate::model::PodTemplate)).
pub fn render_server(
    server: &McpServer,
    owners: &Owners,
    policy: OwnerRefs,
) -> Result<RenderedServer, UnpackError> {
    let uid = owner_uid(server, owners, policy);
    let services = if server.spec.transport.has_services() {
        vec![headless_service(server, uid), service(server, uid)]
    } else {
        Vec::new()
    };
    Ok(RenderedServer {
        source: Arc::clone(&server.origin.source),
        namespace: server.namespace.clone(),
        name: server.name.clone(),
        service_account: service_account(server),
        statefulset: statefulset(server)?,
        services,
    })
}

/// Renders everything, in output order (failing as [`render_server`] can).
pub fn render(
    valid: &Validated,
    owners: &Owners,
    policy: OwnerRefs,
) -> Result<Rendered, UnpackError> {
    // Servers on rayon's threads, in order.
    let servers = valid.servers().par_iter().with_min_len(16);
    Ok(Rendered {
        servers: servers
            .map(|server| render_server(server, owners, policy))
            .collect::<Result<_, _>>()?,
        pass_through: valid.pass_through().iter().map(pass_through).collect(),
    })
}

/// A pass-through object, as it goes out.
pub fn pass_through(object: &PassThrough) -> RenderedPassThrough {
    RenderedPassThrough {
        source: Arc::clone(&object.origin.source),
        kind: object.kind.clone(),
        namespace: object.namespace.clone(),
        name: object.name.clone(),
        value: object.value.clone(),
    }
}
