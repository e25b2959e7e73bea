//! Reading an object mcp-render passes through unchanged (any kind but MCPServer): its
//! name, its namespace (`--namespace` for namespaced kinds), and where its node ports are.

use std::borrow::Cow;

use crate::model::{Origin, PassThrough};
use crate::node::{FieldPath, Node};

use super::{Context, ParseOptions, crd};

impl Context<'_> {
    /// A pass-through object: `metadata.name` required, `--namespace` applied where the kind is
    /// namespaced, its node ports marked.
    pub(super) fn pass_through(
        &mut self,
        node: &Node,
        base: &FieldPath,
        api_version: &str,
        kind: &str,
        origin: Origin,
        options: &ParseOptions,
    ) -> Option<PassThrough> {
        let root = FieldPath::root();
        let metadata = node.get("metadata");
        let Some(metadata) = metadata.filter(|m| m.as_map().is_some()) else {
            self.report(
                base,
                &root.key("metadata"),
                "is required: a Kubernetes object needs metadata.name",
            );
            return None;
        };
        let name = metadata
            .get("name")
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty());
        let Some(name) = name else {
            self.report(
                base,
                &root.key("metadata").key("name"),
                "is required and must be a non-empty string",
            );
            return None;
        };
        let namespace = match metadata.get("namespace") {
            None => None,
            Some(ns) if ns.is_null() => None,
            Some(ns) => match ns.as_str() {
                Some(ns) => Some(ns.to_string()),
                None => {
                    self.report(
                        base,
                        &root.key("metadata").key("namespace"),
                        format!(
                            "expected a string, found {}{}",
                            ns.value.kind(),
                            crd::quote_hint(ns)
                        ),
                    );
                    return None;
                }
            },
        };
        let mut value = node.to_json();
        // `--namespace` reaches every namespaced object that sets none, as kubectl's
        // `--namespace` and kustomize's `namespace:` do (see `cluster_scoped`).
        let namespace = match (namespace, &options.default_namespace) {
            (None, Some(default)) if !cluster_scoped(api_version, kind) => {
                if let Some(metadata) = value
                    .get_mut("metadata")
                    .and_then(serde_json::Value::as_object_mut)
                {
                    metadata.insert("namespace".to_string(), default.clone().into());
                }
                Some(default.clone())
            }
            (namespace, _) => namespace,
        };
        let is_service = kind == "Service" && !api_version.contains('/');
        let ports = value.pointer("/spec/ports").and_then(|p| p.as_array());
        let node_ports = ports
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, port)| is_service && port.get("nodePort").is_some())
            .map(|(i, _)| Cow::Owned(format!("spec.ports[{i}].nodePort")));
        let marks = self.marks(base, node_ports);
        Some(PassThrough {
            origin,
            marks,
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace,
            name: name.to_string(),
            value,
        })
    }
}

/// The built-in cluster-scoped kinds of Kubernetes 1.33 (`kubectl api-resources
/// --namespaced=false`): they never get `--namespace`. Any other kind, a CRD's included, is
/// taken as namespaced, as kustomize's `namespace:` transformer does; a cluster-scoped
/// custom kind that must stay without a namespace should be rendered without `--namespace`
/// or given its own file (README, Input).
const CLUSTER_SCOPED: [(&str, &str); 22] = [
    ("", "ComponentStatus"),
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("authentication.k8s.io", "SelfSubjectReview"),
    ("authentication.k8s.io", "TokenReview"),
    ("authorization.k8s.io", "SelfSubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectRulesReview"),
    ("authorization.k8s.io", "SubjectAccessReview"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("storage.k8s.io", "StorageClass"),
];

/// More cluster-scoped built-in kinds, kept apart so the table above stays one group a line.
const CLUSTER_SCOPED_MORE: [(&str, &str); 7] = [
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("resource.k8s.io", "DeviceClass"),
    ("networking.k8s.io", "IPAddress"),
];

/// True for the built-in cluster-scoped kinds (the `CLUSTER_SCOPED` table beside it).
pub fn cluster_scoped(api_version: &str, kind: &str) -> bool {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    CLUSTER_SCOPED
        .iter()
        .chain(CLUSTER_SCOPED_MORE.iter())
        .any(|&(g, k)| g == group && k == kind)
}
