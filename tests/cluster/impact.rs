//! Each rule of `mcp-render diff` / `render --check`'s change classes, on the real API server:
//! apply the old object, predict with the binary, apply the new one, observe what the class
//! says (the API server's rejection; a new ControllerRevision or ReplicaSet; nothing).

use serde_json::Value;

use crate::util::{Cluster, cluster, mcp_render, temp_file, wait_until};

/// What `mcp-render diff --report json OLD NEW` predicts: `(class, fields)` per object.
fn predict(old: &str, new: &str) -> Vec<(String, Vec<String>)> {
    let (_a, old_path) = temp_file("old.yaml", old);
    let (_b, new_path) = temp_file("new.yaml", new);
    let run = mcp_render(
        &[
            "diff",
            "--report",
            "json",
            old_path.to_str().expect("UTF-8"),
            new_path.to_str().expect("UTF-8"),
        ],
        None,
    );
    assert!(
        matches!(run.code, Some(0 | 1)),
        "diff failed: {}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let fields = c["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .map(|f| f.as_str().expect("a field").to_string())
                .collect();
            (c["class"].as_str().expect("class").to_string(), fields)
        })
        .collect()
}

/// Applies `old`, checks the prediction for `new`, applies `new`; returns that last apply.
#[track_caller]
fn case(cluster: &Cluster, old: &str, new: &str, class: &str, fields: &[&str]) -> crate::util::Run {
    cluster.apply(old.as_bytes()).ok("apply the old version");
    let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    assert_eq!(predict(old, new), [(class.to_string(), fields)]);
    cluster.apply(new.as_bytes())
}

#[track_caller]
fn refused(run: crate::util::Run, message: &str) {
    assert!(!run.success, "the API server accepted the update");
    assert!(
        run.stderr.contains(message),
        "expected {message:?} in:\n{}",
        run.stderr
    );
}

fn statefulset(ns: &str, service_name: &str, image: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\n  namespace: {ns}\nspec:\n  replicas: {replicas}\n  serviceName: {service_name}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: mcp\n        image: {image}\n"
    )
}

fn revision_count(cluster: &Cluster, ns: &str) -> usize {
    cluster.names(&["controllerrevisions", "-n", ns]).len()
}

fn observed(cluster: &Cluster, ns: &str, kind: &str, name: &str) -> Value {
    let mut live = Value::Null;
    wait_until(&format!("{kind} {name} to be observed"), || {
        live = cluster.get(&[kind, "-n", ns, name]);
        live["status"]["observedGeneration"] == live["metadata"]["generation"]
    });
    live
}

#[test]
fn statefulset_service_name_is_rejected() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-sts-rejected");
    let ns = &namespace.name;
    let run = case(
        &cluster,
        &statefulset(ns, "web", "nginx:1", 1),
        &statefulset(ns, "mcp-web-headless", "nginx:1", 1),
        "rejected",
        &["spec.serviceName"],
    );
    refused(run, "updates to statefulset spec for fields other than");
}

#[test]
fn statefulset_template_rolls_out() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-sts-rollout");
    let ns = &namespace.name;
    let old = statefulset(ns, "web", "nginx:1", 1);
    cluster.apply(old.as_bytes()).ok("apply");
    observed(&cluster, ns, "statefulset", "web");
    assert_eq!(revision_count(&cluster, ns), 1);
    case(
        &cluster,
        &old,
        &statefulset(ns, "web", "nginx:2", 1),
        "rollout",
        &["spec.template.spec.containers[0].image"],
    )
    .ok("apply the new image");
    let live = observed(&cluster, ns, "statefulset", "web");
    assert_eq!(
        revision_count(&cluster, ns),
        2,
        "one new ControllerRevision"
    );
    assert_ne!(
        live["status"]["updateRevision"], live["status"]["currentRevision"],
        "pods are to be replaced"
    );
}

#[test]
fn statefulset_replicas_change_in_place() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-sts-in-place");
    let ns = &namespace.name;
    let old = statefulset(ns, "web", "nginx:1", 1);
    cluster.apply(old.as_bytes()).ok("apply");
    let before = observed(&cluster, ns, "statefulset", "web");
    case(
        &cluster,
        &old,
        &statefulset(ns, "web", "nginx:1", 2),
        "in-place",
        &["spec.replicas"],
    )
    .ok("apply the new replicas");
    let after = observed(&cluster, ns, "statefulset", "web");
    assert_eq!(revision_count(&cluster, ns), 1, "no new ControllerRevision");
    assert_eq!(
        after["status"]["updateRevision"],
        before["status"]["updateRevision"]
    );
}

fn service(ns: &str, cluster_ip: Option<&str>, port: u16) -> String {
    let ip = cluster_ip.map_or(String::new(), |ip| format!("  clusterIP: {ip}\n"));
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: mcp-web\n  namespace: {ns}\nspec:\n{ip}  selector:\n    app: web\n  ports:\n  - port: {port}\n"
    )
}

#[test]
fn headless_service_stays_headless() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-headless-to-ip");
    let ns = &namespace.name;
    // Accepted without an error, and without effect: the API server keeps `None`.
    case(
        &cluster,
        &service(ns, Some("None"), 80),
        &service(ns, None, 80),
        "rejected",
        &["spec.clusterIP"],
    )
    .ok("the API server accepts the update");
    let live = cluster.get(&["service", "-n", ns, "mcp-web"]);
    assert_eq!(live["spec"]["clusterIP"], "None", "still headless");
}

#[test]
fn cluster_ip_service_cannot_become_headless() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-ip-to-headless");
    let ns = &namespace.name;
    let run = case(
        &cluster,
        &service(ns, None, 80),
        &service(ns, Some("None"), 80),
        "rejected",
        &["spec.clusterIP"],
    );
    refused(run, "may not change once set");
}

#[test]
fn service_port_changes_in_place() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-service-port");
    let ns = &namespace.name;
    cluster.apply(service(ns, None, 80).as_bytes()).ok("apply");
    let ip = cluster.get(&["service", "-n", ns, "mcp-web"])["spec"]["clusterIP"].clone();
    case(
        &cluster,
        &service(ns, None, 80),
        &service(ns, None, 81),
        "in-place",
        &["spec.ports[0].port"],
    )
    .ok("apply the new port");
    let live = cluster.get(&["service", "-n", ns, "mcp-web"]);
    assert_eq!(
        live["spec"]["clusterIP"], ip,
        "the same Service, the same IP"
    );
    assert_eq!(live["spec"]["ports"][0]["port"], 81);
}

fn deployment(ns: &str, app: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: {ns}\nspec:\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n    spec:\n      containers:\n      - name: api\n        image: {image}\n"
    )
}

#[test]
fn deployment_selector_is_rejected() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-deploy-selector");
    let ns = &namespace.name;
    let run = case(
        &cluster,
        &deployment(ns, "api", "nginx:1"),
        &deployment(ns, "api2", "nginx:1"),
        "rejected",
        &["spec.selector.matchLabels.app"],
    );
    refused(run, "field is immutable");
}

#[test]
fn deployment_template_rolls_out() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-deploy-rollout");
    let ns = &namespace.name;
    let old = deployment(ns, "api", "nginx:1");
    cluster.apply(old.as_bytes()).ok("apply");
    wait_until("the first ReplicaSet", || {
        cluster.names(&["replicasets", "-n", ns]).len() == 1
    });
    case(
        &cluster,
        &old,
        &deployment(ns, "api", "nginx:2"),
        "rollout",
        &["spec.template.spec.containers[0].image"],
    )
    .ok("apply the new image");
    wait_until("a second ReplicaSet for the new template", || {
        cluster.names(&["replicasets", "-n", ns]).len() == 2
    });
}

#[test]
fn job_template_is_rejected() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-job");
    let ns = &namespace.name;
    let job = |image: &str| {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  namespace: {ns}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: migrate\n        image: {image}\n"
        )
    };
    let run = case(
        &cluster,
        &job("tool:1"),
        &job("tool:2"),
        "rejected",
        &["spec.template.spec.containers[0].image"],
    );
    refused(run, "field is immutable");
}

#[test]
fn claim_access_modes_are_rejected() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-pvc");
    let ns = &namespace.name;
    let claim = |mode: &str| {
        format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  namespace: {ns}\nspec:\n  accessModes:\n  - {mode}\n  resources:\n    requests:\n      storage: 1Gi\n"
        )
    };
    let run = case(
        &cluster,
        &claim("ReadWriteOnce"),
        &claim("ReadWriteMany"),
        "rejected",
        &["spec.accessModes[0]"],
    );
    refused(run, "spec is immutable after creation");
}

#[test]
fn immutable_config_map_data_is_rejected() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-configmap");
    let ns = &namespace.name;
    let config = |immutable: bool, value: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: {ns}\nimmutable: {immutable}\ndata:\n  mode: {value}\n"
        )
    };
    // Mutable: in place.
    case(
        &cluster,
        &config(false, "a"),
        &config(false, "b"),
        "in-place",
        &["data.mode"],
    )
    .ok("update");
    // Immutable: rejected.
    let run = case(
        &cluster,
        &config(true, "b"),
        &config(true, "c"),
        "rejected",
        &["data.mode"],
    );
    refused(run, "field is immutable when `immutable` is set");
}

#[test]
fn pruned_statefulset_takes_its_pods() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("impact-delete");
    let ns = &namespace.name;
    let old = statefulset(ns, "web", "nginx:1", 1);
    cluster.apply(old.as_bytes()).ok("apply");
    wait_until("pod web-0", || cluster.exists(&["pod", "-n", ns, "web-0"]));
    // The new render no longer has it (a ConfigMap stands in for the rest of the folder).
    let rest =
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: {ns}\n");
    let predicted = predict(&format!("{old}---\n{rest}"), &rest);
    assert_eq!(predicted, [("delete".to_string(), Vec::<String>::new())]);
    // What a GitOps prune does: delete it (background propagation).
    cluster
        .kubectl(&["delete", "statefulset", "web", "-n", ns], None)
        .ok("prune");
    wait_until("the garbage collector to delete pod web-0", || {
        !cluster.exists(&["pod", "-n", ns, "web-0"])
    });
}

#[test]
fn moved_object_is_delete_and_create() {
    let Some(cluster) = cluster() else { return };
    let first = cluster.namespace("impact-move-a");
    let second = cluster.namespace("impact-move-b");
    let old = service(&first.name, None, 80);
    let new = service(&second.name, None, 80);
    let mut predicted = predict(&old, &new);
    predicted.sort();
    assert_eq!(
        predicted,
        [
            ("create".to_string(), Vec::<String>::new()),
            ("delete".to_string(), Vec::new())
        ]
    );
    cluster.apply(old.as_bytes()).ok("apply the old");
    cluster.apply(new.as_bytes()).ok("apply the new");
    // Applying the new one leaves the old in place: only a prune removes it.
    assert!(cluster.exists(&["service", "-n", &first.name, "mcp-web"]));
    assert!(cluster.exists(&["service", "-n", &second.name, "mcp-web"]));
}
