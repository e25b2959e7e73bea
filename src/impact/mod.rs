//! What a change to the rendered objects will do to a cluster.
//!
//! [`compare`] takes the objects of two renders (the committed folder and a fresh render, or
//! two streams) and classifies each object that differs, by the rules of the Kubernetes API
//! server and controllers for the built-in kinds:
//!
//! - [`Class::Create`] and [`Class::Delete`]: the object is new, or pruned. An object's identity
//!   is its API group, kind, namespace and name, so a renamed or moved object is a delete plus
//!   a create.
//! - [`Class::Rollout`]: the pod template of a StatefulSet, Deployment or DaemonSet changed:
//!   its controller replaces every pod, one by one.
//! - [`Class::Rejected`]: an immutable field changed, and the API server refuses the update (or,
//!   for a headless Service becoming a ClusterIP one, silently keeps `clusterIP: None`).
//! - [`Class::InPlace`]: anything else (labels, Service ports, replicas, ConfigMap data…).
//!
//! The rules follow the API server's validation of updates (`pkg/apis/*/validation` in
//! kubernetes/kubernetes, e.g. `ValidateStatefulSetUpdate`, `ValidateServiceUpdate`,
//! `ValidatePersistentVolumeClaimUpdate`, `ValidateConfigMapUpdate`); the cluster suite applies
//! an old and a new object for each rule and observes what the class predicts.

use std::collections::BTreeMap;

use serde_json::Value;

mod report;

pub use report::{FailOn, counts, github, json, markdown, summary};

/// What applying the new version of an object will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// The object is new.
    Create,
    /// The object is gone from the new render: pruned from the cluster.
    Delete,
    /// Updated in place; no pod restarts.
    InPlace,
    /// The pod template changed: every pod of the workload is replaced, one by one.
    Rollout,
    /// An immutable field changed: the API server refuses the update.
    Rejected,
}

impl Class {
    /// All classes, in report order.
    pub const ALL: [Class; 5] = [
        Class::Rejected,
        Class::Delete,
        Class::Rollout,
        Class::Create,
        Class::InPlace,
    ];

    /// The class's name in reports: `create`, `delete`, `in-place`, `rollout`, `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Create => "create",
            Class::Delete => "delete",
            Class::InPlace => "in-place",
            Class::Rollout => "rollout",
            Class::Rejected => "rejected",
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An object of a render, with the file it was read from or would be written to.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// The object.
    pub value: Value,
    /// Its file, when it has one.
    pub file: Option<String>,
}

/// The identity of an object: API group (without version), kind, namespace, name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// The API group: `apps`, `batch`, … (`""` for the core group).
    pub group: String,
    /// The kind.
    pub kind: String,
    /// The namespace (`None` for cluster-scoped objects and objects that set none).
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl Key {
    /// The identity of `object`, or `None` when it has no kind or name.
    pub fn of(object: &Value) -> Option<Key> {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let group = match api_version.split_once('/') {
            Some((group, _)) => group,
            None => "",
        };
        Some(Key {
            group: group.to_string(),
            kind: object["kind"].as_str()?.to_string(),
            namespace: object["metadata"]["namespace"].as_str().map(str::to_string),
            name: object["metadata"]["name"].as_str()?.to_string(),
        })
    }

    fn is(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }
}

/// One object that differs between two renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Which object.
    pub key: Key,
    /// What applying it will do.
    pub class: Class,
    /// The fields that decide the class (dotted paths, `[i]` for list items): the immutable
    /// fields for `rejected`, the pod template fields for `rollout`, every changed field for
    /// `in-place`; empty for `create` and `delete`.
    pub fields: Vec<String>,
    /// The file of the new version (the old one for `delete`).
    pub file: Option<String>,
    /// For `rejected`, `delete` and `rollout`: what it means and what to do.
    pub note: Option<String>,
}

/// Classifies every object that differs between `old` and `new`, in a stable order (by
/// API group, kind, namespace and name). Objects that are equal give nothing; objects
/// without a kind or a name are ignored.
pub fn compare(old: &[Object], new: &[Object]) -> Vec<Change> {
    let index = |objects: &[Object]| -> BTreeMap<Key, Object> {
        objects
            .iter()
            .filter_map(|o| Key::of(&o.value).map(|key| (key, o.clone())))
            .collect()
    };
    let (old, new) = (index(old), index(new));
    let mut changes = Vec::new();
    for (key, before) in &old {
        match new.get(key) {
            None => changes.push(Change {
                note: deletion_note(key),
                key: key.clone(),
                class: Class::Delete,
                fields: Vec::new(),
                file: before.file.clone(),
            }),
            Some(after) => {
                if let Some(change) = classify(key, &before.value, &after.value) {
                    changes.push(Change {
                        file: after.file.clone(),
                        ..change
                    });
                }
            }
        }
    }
    for (key, after) in &new {
        if !old.contains_key(key) {
            changes.push(Change {
                key: key.clone(),
                class: Class::Create,
                fields: Vec::new(),
                file: after.file.clone(),
                note: None,
            });
        }
    }
    changes.sort_by(|a, b| a.key.cmp(&b.key));
    changes
}

/// Classifies the update of `key` from `old` to `new`; `None` when they are equal.
fn classify(key: &Key, old: &Value, new: &Value) -> Option<Change> {
    let mut paths = Vec::new();
    differences(old, new, String::new(), &mut paths);
    paths.retain(|p| !p.starts_with("status"));
    if paths.is_empty() {
        return None;
    }
    let (class, fields, note) = rule(key, old, new, &paths);
    Some(Change {
        key: key.clone(),
        class,
        fields,
        file: None,
        note,
    })
}

/// The rule of `key`'s kind: its class, the fields that decide it and a note.
fn rule(
    key: &Key,
    old: &Value,
    new: &Value,
    paths: &[String],
) -> (Class, Vec<String>, Option<String>) {
    let under = |prefixes: &[&str]| -> Vec<String> {
        paths
            .iter()
            .filter(|p| prefixes.iter().any(|prefix| is_under(p, prefix)))
            .cloned()
            .collect()
    };
    let immutable = |fields: Vec<String>, note: String| (Class::Rejected, fields, Some(note));
    let in_place = || (Class::InPlace, paths.to_vec(), None);
    let name = &key.name;
    let ns = key
        .namespace
        .as_deref()
        .map(|n| format!(" -n {n}"))
        .unwrap_or_default();

    if key.is("apps", "StatefulSet") {
        // The spec fields an update may change (ValidateStatefulSetUpdate).
        const MUTABLE: [&str; 7] = [
            "spec.replicas",
            "spec.ordinals",
            "spec.template",
            "spec.updateStrategy",
            "spec.revisionHistoryLimit",
            "spec.persistentVolumeClaimRetentionPolicy",
            "spec.minReadySeconds",
        ];
        let fixed: Vec<String> = under(&["spec"])
            .into_iter()
            .filter(|p| !MUTABLE.iter().any(|m| is_under(p, m)))
            .collect();
        if !fixed.is_empty() {
            return immutable(
                fixed,
                format!(
                    "the API server forbids updates to StatefulSet spec fields other than replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds. Argo CD `Replace=true` or Flux `kustomize.toolkit.fluxcd.io/force: enabled` delete and re-create the StatefulSet and its pods; to keep the pods running, `kubectl delete statefulset {name}{ns} --cascade=orphan`, then sync (the new StatefulSet adopts them and rolls them)"
                ),
            );
        }
        return rollout_or_in_place(paths, &under(&["spec.template"]), "StatefulSet");
    }
    if key.is("apps", "Deployment") || key.is("apps", "DaemonSet") || key.is("apps", "ReplicaSet") {
        let selector = under(&["spec.selector"]);
        if !selector.is_empty() {
            let kind = key.kind.to_lowercase();
            return immutable(
                selector,
                format!(
                    "spec.selector is immutable. `Replace=true` or Flux force delete and re-create the {} and its pods; `kubectl delete {kind} {name}{ns} --cascade=orphan`, then sync, keeps them",
                    key.kind
                ),
            );
        }
        if key.kind == "ReplicaSet" {
            // A ReplicaSet's template applies to the pods it creates from now on only.
            return in_place();
        }
        return rollout_or_in_place(paths, &under(&["spec.template"]), &key.kind);
    }
    if key.is("batch", "Job") {
        let fixed = under(&["spec.selector", "spec.template", "spec.completionMode"]);
        if !fixed.is_empty() {
            return immutable(
                fixed,
                format!(
                    "a Job's selector and pod template are immutable: delete the Job (`kubectl delete job {name}{ns}`, its pods go with it) and sync; `Replace=true` or Flux force do the same"
                ),
            );
        }
        return in_place();
    }
    if key.is("", "Service") {
        let ip = |v: &Value| v["spec"]["clusterIP"].as_str().map(str::to_string);
        let (before, after) = (ip(old), ip(new));
        let headless = |ip: &Option<String>| ip.as_deref() == Some("None");
        let note = format!(
            "delete and re-create the Service (`kubectl delete service {name}{ns}`, then sync; it gets a new cluster IP); `Replace=true` or Flux force do the same"
        );
        if headless(&before) && !headless(&after) {
            return immutable(
                vec!["spec.clusterIP".to_string()],
                format!(
                    "a headless Service cannot become a ClusterIP one: the API server keeps `clusterIP: None` without an error, so the Service stays headless. {note}"
                ),
            );
        }
        if !headless(&before) && headless(&after) {
            return immutable(
                vec!["spec.clusterIP".to_string()],
                format!(
                    "a Service cannot become headless: the API server refuses `clusterIP: None` once an IP is allocated. {note}"
                ),
            );
        }
        let ips = under(&["spec.clusterIP", "spec.clusterIPs"]);
        if before.is_some() && after.is_some() && !ips.is_empty() {
            return immutable(
                ips,
                format!("spec.clusterIP may not change once set. {note}"),
            );
        }
        return in_place();
    }
    if key.is("", "PersistentVolumeClaim") {
        let fixed: Vec<String> = under(&["spec"])
            .into_iter()
            .filter(|p| {
                !is_under(p, "spec.resources.requests")
                    && !is_under(p, "spec.volumeAttributesClassName")
            })
            .collect();
        if !fixed.is_empty() {
            return immutable(
                fixed,
                "a PersistentVolumeClaim's spec is immutable except resources.requests (growth only, with an expandable StorageClass) and volumeAttributesClassName: create a claim under a new name and move the data; `Replace=true` or Flux force delete the claim, and with the reclaim policy Delete its data".to_string(),
            );
        }
        return in_place();
    }
    if (key.is("", "ConfigMap") || key.is("", "Secret")) && old["immutable"] == Value::Bool(true) {
        let fixed = under(&["data", "binaryData", "stringData", "immutable", "type"]);
        if !fixed.is_empty() {
            return immutable(
                fixed,
                format!(
                    "the {} is marked `immutable: true`: its data cannot change. Delete and re-create it (`kubectl delete {} {name}{ns}`, then sync), or give the new data a new name and roll the workloads that use it",
                    key.kind,
                    key.kind.to_lowercase()
                ),
            );
        }
        return in_place();
    }
    if key.is("", "Pod") {
        let fixed: Vec<String> = under(&["spec"])
            .into_iter()
            .filter(|p| {
                !is_image(p)
                    && !is_under(p, "spec.activeDeadlineSeconds")
                    && !is_under(p, "spec.tolerations")
            })
            .collect();
        if !fixed.is_empty() {
            return immutable(
                fixed,
                format!(
                    "a Pod's spec is immutable except container images, activeDeadlineSeconds and added tolerations: delete and re-create the Pod (`kubectl delete pod {name}{ns}`, then sync)"
                ),
            );
        }
        let images = under(&["spec"]);
        if !images.is_empty() {
            return (
                Class::Rollout,
                images,
                Some("the changed containers of the Pod restart".to_string()),
            );
        }
        return in_place();
    }
    in_place()
}

/// A workload whose template changed rolls; otherwise it is updated in place.
fn rollout_or_in_place(
    paths: &[String],
    template: &[String],
    kind: &str,
) -> (Class, Vec<String>, Option<String>) {
    if template.is_empty() {
        (Class::InPlace, paths.to_vec(), None)
    } else {
        (
            Class::Rollout,
            template.to_vec(),
            Some(format!(
                "the pod template changed: the {kind} controller replaces every pod, one at a time"
            )),
        )
    }
}

fn deletion_note(key: &Key) -> Option<String> {
    let pods = [
        "StatefulSet",
        "Deployment",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "Pod",
    ];
    if key.kind == "PersistentVolumeClaim" {
        return Some(
            "pruning the claim deletes its volume when the reclaim policy is Delete".to_string(),
        );
    }
    (pods.contains(&key.kind.as_str()) && matches!(key.group.as_str(), "" | "apps" | "batch"))
        .then(|| format!("pruning the {} deletes its pods", key.kind))
}

/// `spec.containers[i].image` or `spec.initContainers[i].image`.
fn is_image(path: &str) -> bool {
    ["spec.containers[", "spec.initContainers["]
        .iter()
        .any(|prefix| path.starts_with(prefix) && path.ends_with("].image"))
}

/// Whether `path` is `prefix` or a field or item below it.
fn is_under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// The paths of the leaves that differ between `old` and `new`. Maps are compared key by
/// key; lists of the same length item by item; a list whose length changed is one path.
fn differences(old: &Value, new: &Value, path: String, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let null = Value::Null;
                differences(
                    a.get(key).unwrap_or(&null),
                    b.get(key).unwrap_or(&null),
                    here,
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, format!("{path}[{i}]"), out);
            }
        }
        (a, b) if a == b => {}
        _ => out.push(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Object {
        Object { value, file: None }
    }

    fn sts(image: &str, service_name: &str, replicas: i64) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "fetch", "namespace": "tools"},
            "spec": {"replicas": replicas, "serviceName": service_name,
                     "selector": {"matchLabels": {"app": "fetch"}},
                     "template": {"spec": {"containers": [{"name": "mcp", "image": image}]}}}
        })
    }

    fn one(old: Value, new: Value) -> Change {
        let changes = compare(&[object(old)], &[object(new)]);
        assert_eq!(changes.len(), 1, "{changes:?}");
        changes.into_iter().next().expect("one change")
    }

    #[test]
    fn equal_objects_are_no_change() {
        assert!(
            compare(
                &[object(sts("a", "fetch", 1))],
                &[object(sts("a", "fetch", 1))]
            )
            .is_empty()
        );
    }

    #[test]
    fn statefulset_rules() {
        let c = one(sts("a", "fetch", 1), sts("b", "fetch", 1));
        assert_eq!(
            (c.class, c.fields),
            (
                Class::Rollout,
                vec!["spec.template.spec.containers[0].image".to_string()]
            )
        );
        let c = one(sts("a", "fetch", 1), sts("a", "fetch", 3));
        assert_eq!(
            (c.class, c.fields),
            (Class::InPlace, vec!["spec.replicas".to_string()])
        );
        let c = one(sts("a", "fetch", 1), sts("b", "mcp-fetch-headless", 1));
        assert_eq!(
            (c.class, c.fields.clone()),
            (Class::Rejected, vec!["spec.serviceName".to_string()])
        );
        assert!(
            c.note
                .is_some_and(|n| n.contains("--cascade=orphan") && n.contains("-n tools"))
        );
    }

    #[test]
    fn renamed_or_moved_is_delete_and_create() {
        let mut moved = sts("a", "fetch", 1);
        moved["metadata"]["namespace"] = json!("other");
        let changes = compare(&[object(sts("a", "fetch", 1))], &[object(moved)]);
        let classes: Vec<Class> = changes.iter().map(|c| c.class).collect();
        assert_eq!(classes, [Class::Create, Class::Delete]);
        assert!(
            changes[1]
                .note
                .as_deref()
                .is_some_and(|n| n.contains("deletes its pods"))
        );
    }

    fn service(cluster_ip: Option<&str>, port: i64) -> Value {
        let mut spec = json!({"ports": [{"port": port}]});
        if let Some(ip) = cluster_ip {
            spec["clusterIP"] = json!(ip);
        }
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "mcp-fetch"}, "spec": spec})
    }

    #[test]
    fn service_rules() {
        assert_eq!(
            one(service(None, 80), service(None, 81)).class,
            Class::InPlace
        );
        let c = one(service(Some("None"), 80), service(None, 80));
        assert_eq!(c.class, Class::Rejected);
        assert!(
            c.note
                .is_some_and(|n| n.contains("keeps `clusterIP: None`"))
        );
        let c = one(service(None, 80), service(Some("None"), 80));
        assert_eq!(
            (c.class, c.fields),
            (Class::Rejected, vec!["spec.clusterIP".to_string()])
        );
        assert_eq!(
            one(service(Some("10.0.0.5"), 80), service(Some("10.0.0.6"), 80)).class,
            Class::Rejected
        );
    }

    #[test]
    fn workloads_and_storage() {
        let deploy = |app: &str, image: &str| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                   "spec": {"selector": {"matchLabels": {"app": app}},
                            "template": {"spec": {"containers": [{"name": "c", "image": image}]}}}})
        };
        assert_eq!(
            one(deploy("a", "x"), deploy("b", "x")).class,
            Class::Rejected
        );
        assert_eq!(
            one(deploy("a", "x"), deploy("a", "y")).class,
            Class::Rollout
        );
        let job = |image: &str| {
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                   "spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}}})
        };
        assert_eq!(one(job("x"), job("y")).class, Class::Rejected);
        let pvc = |size: &str, mode: &str| {
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "p"},
                   "spec": {"accessModes": [mode], "resources": {"requests": {"storage": size}}}})
        };
        assert_eq!(
            one(pvc("1Gi", "ReadWriteOnce"), pvc("2Gi", "ReadWriteOnce")).class,
            Class::InPlace
        );
        let c = one(pvc("1Gi", "ReadWriteOnce"), pvc("1Gi", "ReadWriteMany"));
        assert_eq!(
            (c.class, c.fields),
            (Class::Rejected, vec!["spec.accessModes[0]".to_string()])
        );
    }

    #[test]
    fn immutable_config() {
        let cm = |immutable: bool, value: &str| {
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                   "immutable": immutable, "data": {"k": value}})
        };
        assert_eq!(one(cm(false, "a"), cm(false, "b")).class, Class::InPlace);
        let c = one(cm(true, "a"), cm(true, "b"));
        assert_eq!(
            (c.class, c.fields),
            (Class::Rejected, vec!["data.k".to_string()])
        );
        // Becoming immutable is allowed; leaving it is not.
        assert_eq!(one(cm(false, "a"), cm(true, "a")).class, Class::InPlace);
        assert_eq!(one(cm(true, "a"), cm(false, "a")).class, Class::Rejected);
    }

    #[test]
    fn order_is_stable() {
        let a = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
        let b = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}});
        let forward = compare(&[], &[object(a.clone()), object(b.clone())]);
        let backward = compare(&[], &[object(b), object(a)]);
        assert_eq!(forward, backward);
        assert_eq!(forward[0].key.name, "a");
    }
}
