//! The backend Services (ToolHive `applyService`,
//! <https://github.com/stacklok/toolhive/blob/v0.44.0/pkg/container/kubernetes/client.go>).

use k8s_openapi::api::core::v1::{
    ClientIPConfig, Service, ServicePort, ServiceSpec, SessionAffinityConfig,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{selector, workload_labels};
use crate::model::{McpServer, NODE_PORT_RANGE, SessionAffinity};
use crate::names;

/// ToolHive's `mcpServiceSessionAffinityTimeout`: 30 minutes, not Kubernetes' 10800 s default.
pub const SESSION_AFFINITY_TIMEOUT_SECONDS: i32 = 1800;

/// The ownerReference both Services carry: the StatefulSet, with its live UID.
fn owner_reference(server: &McpServer, uid: &str) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".to_string(),
        kind: "StatefulSet".to_string(),
        name: server.name.clone(),
        uid: uid.to_string(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

fn metadata(server: &McpServer, name: String, uid: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: server.namespace.clone(),
        labels: Some(workload_labels(server)),
        owner_references: uid.map(|uid| vec![owner_reference(server, uid)]),
        ..ObjectMeta::default()
    }
}

/// `port-<N>`, TCP, targetPort N; with `nodePort` only where asked.
fn port(server: &McpServer, node_port: bool) -> ServicePort {
    let port = server.spec.mcp_port;
    ServicePort {
        name: Some(format!("port-{port}")),
        port,
        target_port: Some(IntOrString::Int(port)),
        protocol: Some("TCP".to_string()),
        node_port: node_port.then_some(port),
        ..ServicePort::default()
    }
}

/// Service `mcp-<name>-headless`: `clusterIP: None`, never NodePort, no affinity.
pub fn headless_service(server: &McpServer, uid: Option<&str>) -> Service {
    Service {
        metadata: metadata(server, names::headless_service_name(&server.name), uid),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_string()),
            cluster_ip: Some("None".to_string()),
            selector: Some(selector(server)),
            ports: Some(vec![port(server, false)]),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

/// Service `mcp-<name>`: ClusterIP (NodePort for an mcpPort in 30000–32767) with
/// `sessionAffinity: ClientIP` for 1800 s, unless the spec asks for `None`.
pub fn service(server: &McpServer, uid: Option<&str>) -> Service {
    let node_port = NODE_PORT_RANGE.contains(&server.spec.mcp_port);
    let (affinity, affinity_config) = match server.spec.session_affinity {
        SessionAffinity::ClientIp => (
            "ClientIP",
            Some(SessionAffinityConfig {
                client_ip: Some(ClientIPConfig {
                    timeout_seconds: Some(SESSION_AFFINITY_TIMEOUT_SECONDS),
                }),
            }),
        ),
        SessionAffinity::None => ("None", None),
    };
    Service {
        metadata: metadata(server, names::service_name(&server.name), uid),
        spec: Some(ServiceSpec {
            type_: Some(if node_port { "NodePort" } else { "ClusterIP" }.to_string()),
            selector: Some(selector(server)),
            ports: Some(vec![port(server, node_port)]),
            session_affinity: Some(affinity.to_string()),
            session_affinity_config: affinity_config,
            ..ServiceSpec::default()
        }),
        status: None,
    }
}
