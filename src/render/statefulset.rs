//! The StatefulSet (ToolHive `DeployWorkload`,
//! <https://github.com/stacklok/toolhive/blob/v0.44.0/pkg/container/kubernetes/client.go>):
//! the user's pod template, merged the way ToolHive merges it, around a container named `mcp`.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EnvVar, EnvVarSource, PodSecurityContext, PodSpec,
    PodTemplateSpec, ResourceRequirements, SeccompProfile, SecretKeySelector, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::{selector, workload_labels};
use crate::model::{MCP_CONTAINER, McpServer, Platform, Resources, Transport, UnpackError};
use crate::names;

/// User and group ToolHive runs the pods as on plain Kubernetes.
const DEFAULT_ID: i64 = 1000;

/// Renders StatefulSet `<name>`. Fails only if the server's packed pod template does not
/// read back (a bug: see [`PodTemplate`](crate::model::PodTemplate)).
pub fn statefulset(server: &McpServer) -> Result<StatefulSet, UnpackError> {
    Ok(StatefulSet {
        metadata: ObjectMeta {
            name: Some(server.name.clone()),
            namespace: server.namespace.clone(),
            labels: Some(workload_labels(server)),
            ..ObjectMeta::default()
        },
        spec: Some(StatefulSetSpec {
            replicas: server.spec.backend_replicas,
            selector: LabelSelector {
                match_labels: Some(selector(server)),
                ..LabelSelector::default()
            },
            // ToolHive uses the bare name, not the headless Service (its issue #4668).
            service_name: Some(server.name.clone()),
            template: pod_template(server)?,
            ..StatefulSetSpec::default()
        }),
        status: None,
    })
}

/// The pod template: the user's labels, annotations and whole pod spec, then ToolHive's
/// labels, defaults and the `mcp` container on top.
fn pod_template(server: &McpServer) -> Result<PodTemplateSpec, UnpackError> {
    let user = match &server.spec.pod_template_spec {
        Some(template) => template.get()?.into_owned(),
        None => PodTemplateSpec::default(),
    };
    let user_meta = user.metadata.unwrap_or_default();
    let mut labels = user_meta.labels.unwrap_or_default();
    labels.extend(workload_labels(server));
    let annotations = user_meta.annotations.filter(|a| !a.is_empty());

    let mut pod = user.spec.unwrap_or_default();
    match server.spec.service_account.as_deref() {
        // ToolHive ignores an empty value: the template's account (or the namespace's
        // default) stays, and no `<name>-sa` is created.
        Some("") => {}
        Some(account) => pod.service_account_name = Some(account.to_string()),
        None => pod.service_account_name = Some(names::default_service_account(&server.name)),
    }
    if pod.restart_policy.is_none() {
        pod.restart_policy = Some("Always".to_string());
    }
    pod.security_context = Some(pod_security_context(pod.security_context.take()));
    configure_mcp_container(&mut pod, server);
    if server.spec.platform == Platform::Openshift {
        openshift(&mut pod);
    }

    Ok(PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels),
            annotations,
            ..ObjectMeta::default()
        }),
        spec: Some(pod),
    })
}

/// Fills the pod security context fields the user left unset (ToolHive's Kubernetes defaults).
fn pod_security_context(user: Option<PodSecurityContext>) -> PodSecurityContext {
    let mut sc = user.unwrap_or_default();
    sc.run_as_non_root.get_or_insert(true);
    sc.run_as_user.get_or_insert(DEFAULT_ID);
    sc.run_as_group.get_or_insert(DEFAULT_ID);
    sc.fs_group.get_or_insert(DEFAULT_ID);
    sc.seccomp_profile.get_or_insert_with(runtime_default);
    sc
}

/// Fills the container security context fields the user left unset.
fn container_security_context(user: Option<SecurityContext>) -> SecurityContext {
    let mut sc = user.unwrap_or_default();
    sc.privileged.get_or_insert(false);
    sc.run_as_non_root.get_or_insert(true);
    sc.run_as_user.get_or_insert(DEFAULT_ID);
    sc.run_as_group.get_or_insert(DEFAULT_ID);
    sc.allow_privilege_escalation.get_or_insert(false);
    sc.read_only_root_filesystem.get_or_insert(true);
    sc.seccomp_profile.get_or_insert_with(runtime_default);
    sc.capabilities.get_or_insert_with(|| Capabilities {
        drop: Some(vec!["ALL".to_string()]),
        ..Capabilities::default()
    });
    sc
}

/// On OpenShift ToolHive leaves the user and group IDs to the namespace's security context
/// constraint: it removes `runAsUser`, `runAsGroup` and `fsGroup` from the pod and
/// `runAsUser`, `runAsGroup` from container `mcp`, user-set values too
/// (<https://github.com/stacklok/toolhive/blob/v0.44.0/pkg/container/kubernetes/client.go>).
fn openshift(pod: &mut PodSpec) {
    if let Some(sc) = &mut pod.security_context {
        (sc.run_as_user, sc.run_as_group, sc.fs_group) = (None, None, None);
    }
    let mcp = pod.containers.iter_mut().find(|c| c.name == MCP_CONTAINER);
    if let Some(sc) = mcp.and_then(|c| c.security_context.as_mut()) {
        (sc.run_as_user, sc.run_as_group) = (None, None);
    }
}

fn runtime_default() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".to_string(),
        ..SeccompProfile::default()
    }
}

/// Finds container `mcp` (or appends it after the user's containers) and configures it:
/// image, args appended, stdin for stdio, env (secrets, then the sorted env list),
/// security defaults, the container port for `sse`, and `spec.resources`.
fn configure_mcp_container(pod: &mut PodSpec, server: &McpServer) {
    let index = match pod.containers.iter().position(|c| c.name == MCP_CONTAINER) {
        Some(index) => index,
        None => {
            pod.containers.push(Container {
                name: MCP_CONTAINER.to_string(),
                ..Container::default()
            });
            pod.containers.len() - 1
        }
    };
    let Some(container) = pod.containers.get_mut(index) else {
        return;
    };
    let spec = &server.spec;
    container.image = Some(spec.image.clone());
    if !spec.args.is_empty() {
        container
            .args
            .get_or_insert_with(Vec::new)
            .extend(spec.args.iter().cloned());
    }
    container.stdin = Some(spec.transport == Transport::Stdio);
    container.tty = Some(false);

    let env = container.env.get_or_insert_with(Vec::new);
    env.extend(spec.secrets.iter().map(|secret| EnvVar {
        name: secret.env_name().to_string(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.name.clone(),
                key: secret.key.clone(),
                ..SecretKeySelector::default()
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }));
    env.extend(runtime_env(server).into_iter().map(|(name, value)| EnvVar {
        name,
        value: Some(value),
        ..EnvVar::default()
    }));
    if env.is_empty() {
        container.env = None;
    }

    container.security_context = Some(container_security_context(
        container.security_context.take(),
    ));
    if spec.transport == Transport::Sse {
        container
            .ports
            .get_or_insert_with(Vec::new)
            .push(ContainerPort {
                container_port: spec.mcp_port,
                protocol: Some("TCP".to_string()),
                ..ContainerPort::default()
            });
    }
    if container.resources.is_none() {
        container.resources = spec.resources.as_ref().and_then(resource_requirements);
    }
}

/// `spec.env` plus the variables ToolHive's runtime sets, sorted by name (ToolHive #5063).
/// The runtime's values win over a user variable of the same name, as in ToolHive.
pub fn runtime_env(server: &McpServer) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = server
        .spec
        .env
        .iter()
        .map(|e| (e.name.clone(), e.value.clone()))
        .collect();
    env.extend(
        server
            .runtime_variables()
            .into_iter()
            .map(|(name, value)| (name.to_string(), value)),
    );
    env
}

fn resource_requirements(resources: &Resources) -> Option<ResourceRequirements> {
    let quantities = |map: &Vec<(String, String)>| {
        (!map.is_empty()).then(|| {
            map.iter()
                .map(|(k, v)| (k.clone(), Quantity(v.clone())))
                .collect::<BTreeMap<_, _>>()
        })
    };
    let requirements = ResourceRequirements {
        limits: quantities(&resources.limits),
        requests: quantities(&resources.requests),
        ..ResourceRequirements::default()
    };
    (requirements.limits.is_some() || requirements.requests.is_some()).then_some(requirements)
}
