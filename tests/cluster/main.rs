//! The cluster suite: what mcp-render says Kubernetes does with its output, shown on a real
//! API server with its controllers (etcd, kube-apiserver, kube-controller-manager; no
//! scheduler and no kubelet, so pods stay Pending unless a test plays the kubelet).
//!
//! Run it against the control plane of `scripts/cluster`:
//!
//! ```sh
//! eval "$(scripts/cluster up)"
//! cargo test --release --test cluster
//! scripts/cluster down
//! ```
//!
//! Without a configured cluster every test says so loudly and passes; with `CI` set it fails.
//! Each test works in namespaces of its own, so they run in parallel.

mod impact;
mod util;

use serde_json::Value;

use util::{Cluster, cluster, locate, mcp_render, not_in, objects, temp_file, wait_until};

/// An HTTP server: a StatefulSet, two Services and a ServiceAccount.
fn http_server(name: &str, extra_spec: &str) -> String {
    format!(
        "apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata:\n  name: {name}\nspec:\n  image: ghcr.io/stackloklabs/yardstick/yardstick-server:1.1.1\n  transport: streamable-http\n{extra_spec}"
    )
}

/// Renders `input` (a YAML text) into `namespace` with `flags`; returns the YAML stream.
fn render(input: &str, namespace: &str, flags: &[&str]) -> String {
    let mut args = vec!["render", "-n", namespace];
    args.extend_from_slice(flags);
    args.push("-");
    mcp_render(&args, Some(input.as_bytes()))
        .ok("mcp-render render")
        .stdout
}

/// Applies a render and checks that the live objects hold every rendered field.
#[track_caller]
fn apply_and_compare(cluster: &Cluster, stream: &str) -> Vec<Value> {
    cluster.apply(stream.as_bytes()).ok("kubectl apply");
    let rendered = objects(stream);
    for object in &rendered {
        let args = locate(object);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let live = cluster.get(&args);
        let differences = not_in(&as_stored(object.clone()), &live);
        assert!(
            differences.is_empty(),
            "{args:?}: the live object lacks rendered fields:\n{}",
            differences.join("\n")
        );
    }
    rendered
}

/// `object` as the API server stores it where it rewrites what was sent: a Secret's
/// write-only `stringData` becomes base64 `data`.
fn as_stored(mut object: Value) -> Value {
    if object["kind"] == "Secret"
        && let Some(Value::Object(strings)) =
            object.as_object_mut().and_then(|o| o.remove("stringData"))
    {
        for (key, value) in strings {
            let bytes = value.as_str().unwrap_or_default().as_bytes().to_vec();
            object["data"][key] =
                serde_json::to_value(k8s_openapi::ByteString(bytes)).expect("base64");
        }
    }
    object
}

/// Claim 1: Every valid fixture applies cleanly (server-side, strict field validation), and every
/// rendered field is in the live object with the same value.
#[test]
fn every_fixture_applies_and_reads_back() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("fixtures");
    let run = mcp_render(&["render", "-n", &namespace.name, "fixtures/servers"], None)
        .ok("render the fixtures");
    let rendered = objects(&run.stdout);
    assert!(
        rendered.len() > 30,
        "the fixtures render to {} objects",
        rendered.len()
    );
    let mut namespaces: Vec<&str> = rendered
        .iter()
        .filter_map(|o| o["metadata"]["namespace"].as_str())
        .collect();
    namespaces.sort();
    namespaces.dedup();
    for ns in namespaces {
        cluster.create_namespace(ns);
    }
    apply_and_compare(&cluster, &run.stdout);
}

/// Claim 2: The StatefulSet controller creates pods `<name>-0 … <name>-(n-1)` with the rendered
/// pod template, in a namespace where no ToolHive operator ever ran; the ServiceAccount
/// admission plugin finds the rendered `<name>-sa` and copies its image pull secrets into
/// the pods.
#[test]
fn the_statefulset_controller_creates_the_pods() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("pods");
    let ns = namespace.name.as_str();
    let input = [
        http_server("three", "  backendReplicas: 3\n"),
        http_server("unset", ""),
    ]
    .join("---\n");
    let stream = render(&input, ns, &["--image-pull-secret", "registry-creds"]);
    let rendered = apply_and_compare(&cluster, &stream);

    // OrderedReady: pod n+1 is created once pod n is Running and Ready, which needs a kubelet;
    // the test marks each pod ready as it appears.
    wait_until("pods three-0, three-1, three-2 and unset-0", || {
        cluster.mark_pods_ready(ns);
        cluster.names(&["pods", "-n", ns]) == ["three-0", "three-1", "three-2", "unset-0"]
    });
    let template = rendered
        .iter()
        .find(|o| o["kind"] == "StatefulSet" && o["metadata"]["name"] == "three")
        .map(|o| o["spec"]["template"].clone())
        .expect("StatefulSet three is rendered");
    for pod in ["three-0", "three-1", "three-2"] {
        let live = cluster.get(&["pod", "-n", ns, pod]);
        let differences = not_in(&template["metadata"]["labels"], &live["metadata"]["labels"]);
        assert!(differences.is_empty(), "{pod} labels: {differences:?}");
        let differences = not_in(&template["spec"]["containers"], &live["spec"]["containers"]);
        assert!(differences.is_empty(), "{pod} containers: {differences:?}");
        assert_eq!(live["spec"]["serviceAccountName"], "three-sa", "{pod}");
        assert_eq!(
            live["spec"]["imagePullSecrets"],
            serde_json::json!([{"name": "registry-creds"}]),
            "{pod}: the admission plugin copies the ServiceAccount's pull secrets"
        );
    }
    // Without the ServiceAccount the same StatefulSet gets no pod: the controller records why.
    let without = render(
        &http_server("no-account", ""),
        ns,
        &["--service-accounts", "omit"],
    );
    cluster
        .apply(without.as_bytes())
        .ok("apply without ServiceAccount");
    wait_until("a FailedCreate event for no-account", || {
        let events = cluster.get(&[
            "events",
            "-n",
            ns,
            "--field-selector",
            "involvedObject.name=no-account",
        ]);
        events["items"].as_array().is_some_and(|items| {
            items.iter().any(|e| {
                e["reason"] == "FailedCreate"
                    && e["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("no-account-sa"))
            })
        })
    });
    assert!(!cluster.exists(&["pod", "-n", ns, "no-account-0"]));
}

/// The ownerReferences of the Services of StatefulSet `name`: `(name, uid)` each.
fn owner_uids(cluster: &Cluster, ns: &str, service: &str) -> Vec<(String, String)> {
    let live = cluster.get(&["service", "-n", ns, service]);
    live["metadata"]["ownerReferences"]
        .as_array()
        .map(|refs| {
            refs.iter()
                .map(|r| {
                    (
                        r["name"].as_str().unwrap_or_default().to_string(),
                        r["uid"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until the garbage collector has processed the namespace: a canary Service owned by
/// a StatefulSet UID that never existed is collected. The collector handles the dependents
/// of a namespace as events arrive, so once the canary is gone, objects applied before it
/// have been looked at too.
fn garbage_collector_pass(cluster: &Cluster, ns: &str, round: usize) {
    let canary = format!("canary-{round}");
    let manifest = format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {canary}\n  namespace: {ns}\n  ownerReferences:\n  - apiVersion: apps/v1\n    kind: StatefulSet\n    name: gone\n    uid: 00000000-0000-4000-8000-00000000000{round}\nspec:\n  ports:\n  - port: 80\n"
    );
    cluster.apply(manifest.as_bytes()).ok("apply the canary");
    wait_until("the garbage collector to collect the canary", || {
        !cluster.exists(&["service", "-n", ns, &canary])
    });
}

/// Claim 3: Owner references end to end, with the real UIDs from `mcp-render owners`.
#[test]
fn owner_references_follow_the_live_statefulset() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("owners");
    let ns = namespace.name.as_str();
    let input = http_server("owned", "");
    let services = ["mcp-owned", "mcp-owned-headless"];

    // Without an owners file: no ownerReferences.
    cluster
        .apply(render(&input, ns, &[]).as_bytes())
        .ok("first apply");
    for service in services {
        assert!(owner_uids(&cluster, ns, service).is_empty());
    }

    // The lock file from the live StatefulSets; re-render with it.
    let statefulsets = cluster.kubectl(&["get", "statefulsets", "-A", "-o", "json"], None);
    let lock = mcp_render(
        &["owners"],
        Some(statefulsets.ok("get sts").stdout.as_bytes()),
    )
    .ok("mcp-render owners")
    .stdout;
    let (_dir, lock_path) = temp_file("owners.lock.yaml", &lock);
    let lock_path = lock_path.to_str().expect("a UTF-8 path");
    let uid = cluster.get(&["statefulset", "-n", ns, "owned"])["metadata"]["uid"]
        .as_str()
        .expect("a UID")
        .to_string();
    let owned = render(
        &input,
        ns,
        &["--owners", lock_path, "--owner-refs", "require"],
    );
    cluster.apply(owned.as_bytes()).ok("apply with owners");
    for service in services {
        assert_eq!(
            owner_uids(&cluster, ns, service),
            [("owned".to_string(), uid.clone())]
        );
    }
    garbage_collector_pass(&cluster, ns, 1);
    for service in services {
        assert!(
            cluster.exists(&["service", "-n", ns, service]),
            "{service} survives the collector"
        );
    }

    // Deleting the StatefulSet collects both Services.
    cluster
        .kubectl(&["delete", "statefulset", "-n", ns, "owned"], None)
        .ok("delete the StatefulSet");
    wait_until(
        "the Services to be collected with their StatefulSet",
        || {
            services
                .iter()
                .all(|s| !cluster.exists(&["service", "-n", ns, s]))
        },
    );

    // A stale lock file: the StatefulSet is re-created (a new UID) and the Services point at
    // the old one. The collector deletes them: the documented risk, observed.
    cluster
        .apply(owned.as_bytes())
        .ok("apply with the stale lock file");
    let new_uid = cluster.get(&["statefulset", "-n", ns, "owned"])["metadata"]["uid"]
        .as_str()
        .expect("a UID")
        .to_string();
    assert_ne!(new_uid, uid, "a re-created StatefulSet has a new UID");
    wait_until(
        "the collector to delete Services owned by a gone UID",
        || {
            services
                .iter()
                .all(|s| !cluster.exists(&["service", "-n", ns, s]))
        },
    );

    // --owner-refs omit: the Services outlive their StatefulSet.
    cluster
        .apply(render(&input, ns, &["--owner-refs", "omit"]).as_bytes())
        .ok("apply with --owner-refs omit");
    cluster
        .kubectl(&["delete", "statefulset", "-n", ns, "owned"], None)
        .ok("delete the StatefulSet again");
    garbage_collector_pass(&cluster, ns, 2);
    for service in services {
        assert!(
            cluster.exists(&["service", "-n", ns, service]),
            "{service} survives with omit"
        );
    }
}

/// The ControllerRevisions of StatefulSet `name`, by name.
fn revisions(cluster: &Cluster, ns: &str, name: &str) -> Vec<String> {
    let list = cluster.get(&["controllerrevisions", "-n", ns]);
    let mut names: Vec<String> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|refs| refs.iter().any(|o| o["name"] == name))
        })
        .filter_map(|r| r["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// `status.updateRevision` once the controller has seen the StatefulSet's generation.
fn settled_revision(cluster: &Cluster, ns: &str, name: &str) -> String {
    let mut revision = String::new();
    wait_until(&format!("StatefulSet {name} to be observed"), || {
        let live = cluster.get(&["statefulset", "-n", ns, name]);
        let observed = live["status"]["observedGeneration"] == live["metadata"]["generation"];
        revision = live["status"]["updateRevision"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        observed && !revision.is_empty()
    });
    revision
}

/// Claim 4: Zero restarts: re-applying an unchanged render creates no ControllerRevision; changing
/// one server's image creates exactly one, for that StatefulSet only.
#[test]
fn an_unchanged_render_restarts_nothing() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("restarts");
    let ns = namespace.name.as_str();
    let input = [http_server("alpha", ""), http_server("beta", "")].join("---\n");
    let stream = render(&input, ns, &[]);
    cluster.apply(stream.as_bytes()).ok("first apply");
    let before: Vec<(String, Vec<String>)> = ["alpha", "beta"]
        .iter()
        .map(|name| {
            (
                settled_revision(&cluster, ns, name),
                revisions(&cluster, ns, name),
            )
        })
        .collect();
    for (_, revs) in &before {
        assert_eq!(revs.len(), 1);
    }

    let again = render(&input, ns, &[]);
    assert_eq!(again, stream, "the same input renders the same bytes");
    cluster.apply(again.as_bytes()).ok("second apply");
    for (name, (revision, revs)) in ["alpha", "beta"].iter().zip(&before) {
        assert_eq!(&settled_revision(&cluster, ns, name), revision, "{name}");
        assert_eq!(&revisions(&cluster, ns, name), revs, "{name}");
    }

    let changed = input.replacen(
        "yardstick-server:1.1.1",
        "yardstick-server:1.1.2",
        1, // alpha only
    );
    cluster
        .apply(render(&changed, ns, &[]).as_bytes())
        .ok("apply the new image");
    let alpha = settled_revision(&cluster, ns, "alpha");
    assert_ne!(alpha, before[0].0, "alpha has a new revision");
    assert_eq!(
        revisions(&cluster, ns, "alpha").len(),
        2,
        "exactly one new revision"
    );
    assert_eq!(settled_revision(&cluster, ns, "beta"), before[1].0);
    assert_eq!(
        revisions(&cluster, ns, "beta"),
        before[1].1,
        "beta is untouched"
    );
}

/// Claim 5: The name limits are the real ones.
#[test]
fn name_limits_are_the_real_ones() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("names");
    let ns = namespace.name.as_str();

    // 52 characters, the longest StatefulSet name mcp-render accepts: its pods are created.
    let longest = format!("s{}", "x".repeat(51));
    let stdio = format!(
        "apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata:\n  name: {longest}\nspec:\n  image: ghcr.io/stackloklabs/yardstick/yardstick-server:1.1.1\n  transport: stdio\n"
    );
    cluster
        .apply(render(&stdio, ns, &[]).as_bytes())
        .ok("apply 52");
    wait_until("the pod of the 52-character StatefulSet", || {
        cluster.exists(&["pod", "-n", ns, &format!("{longest}-0")])
    });

    // 53 is refused by mcp-render.
    let too_long = stdio.replace(&longest, &format!("{longest}y"));
    let refused = mcp_render(&["render", "-"], Some(too_long.as_bytes()));
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);

    // Applied directly, bypassing mcp-render: a 61-character StatefulSet. Its pod name
    // (`<name>-0`, 63) is valid, but the `controller-revision-hash` label is `<name>-<hash>`
    // with a hash of at least one character, so at least 63 + 1 > 63: the pod is refused, at
    // any hash. The test checks that length from the revision name, then the event.
    let name = format!("l{}", "x".repeat(60));
    let statefulset = format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  serviceName: {name}\n  selector:\n    matchLabels:\n      app: long\n  template:\n    metadata:\n      labels:\n        app: long\n    spec:\n      containers:\n      - name: mcp\n        image: ghcr.io/stackloklabs/yardstick/yardstick-server:1.1.1\n"
    );
    cluster
        .apply(statefulset.as_bytes())
        .ok("apply the 61-character StatefulSet");
    let revision = settled_revision(&cluster, ns, &name);
    assert!(
        revision.len() > 63,
        "label value {revision} is over 63 characters"
    );
    wait_until("a FailedCreate event about the label", || {
        let events = cluster.get(&[
            "events",
            "-n",
            ns,
            "--field-selector",
            &format!("involvedObject.name={name}"),
        ]);
        events["items"].as_array().is_some_and(|items| {
            items.iter().any(|e| {
                e["reason"] == "FailedCreate"
                    && e["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("must be no more than 63"))
            })
        })
    });
    assert!(!cluster.exists(&["pod", "-n", ns, &format!("{name}-0")]));

    // Services: `mcp-<50>-headless` is 63 characters and accepted; with 51 the API server
    // refuses it, which is why an HTTP server's name stops at 50.
    let service = |base: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: mcp-{base}-headless\n  namespace: {ns}\nspec:\n  clusterIP: None\n  ports:\n  - port: 80\n"
        )
    };
    cluster
        .apply(service(&"a".repeat(50)).as_bytes())
        .ok("apply mcp-<50>-headless");
    let rejected = cluster.apply(service(&"a".repeat(51)).as_bytes());
    assert!(!rejected.success, "mcp-<51>-headless must be rejected");
    assert!(
        rejected.stderr.contains("must be no more than 63"),
        "{}",
        rejected.stderr
    );
    let refused = mcp_render(
        &["render", "-"],
        Some(http_server(&"a".repeat(51), "").as_bytes()),
    );
    assert_eq!(
        refused.code,
        Some(2),
        "mcp-render refuses a 51-character HTTP server"
    );
}

/// Claim 6: NodePort: an `mcpPort` in 30000–32767 gives a NodePort Service on that port; two servers
/// on one port are refused by mcp-render, before the API server would refuse the second.
#[test]
fn node_ports_are_allocated_as_rendered() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("nodeport");
    let ns = namespace.name.as_str();
    let first = http_server("np-one", "  mcpPort: 31234\n");
    cluster
        .apply(render(&first, ns, &[]).as_bytes())
        .ok("apply");
    let live = cluster.get(&["service", "-n", ns, "mcp-np-one"]);
    assert_eq!(live["spec"]["type"], "NodePort");
    assert_eq!(live["spec"]["ports"][0]["nodePort"], 31234);
    let headless = cluster.get(&["service", "-n", ns, "mcp-np-one-headless"]);
    assert_eq!(headless["spec"]["clusterIP"], "None");

    let both = [first.clone(), http_server("np-two", "  mcpPort: 31234\n")].join("---\n");
    let refused = mcp_render(&["render", "-n", ns, "-"], Some(both.as_bytes()));
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(refused.stdout.is_empty());
    assert!(refused.stderr.contains("31234"), "{}", refused.stderr);

    // What the API server would have said: the second Service, rendered alone and applied.
    let second = render(&http_server("np-two", "  mcpPort: 31234\n"), ns, &[]);
    let rejected = cluster.apply(second.as_bytes());
    assert!(!rejected.success);
    assert!(
        rejected
            .stderr
            .contains("provided port is already allocated"),
        "{}",
        rejected.stderr
    );
}

/// Live objects without what the server sets (UIDs, versions, timestamps, allocated IPs) and
/// without their namespace: comparable across namespaces.
fn comparable(mut object: Value) -> Value {
    if let Some(meta) = object["metadata"].as_object_mut() {
        for key in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "namespace",
            "generation",
        ] {
            meta.remove(key);
        }
    }
    if let Some(spec) = object["spec"].as_object_mut() {
        for key in ["clusterIP", "clusterIPs"] {
            spec.remove(key);
        }
    }
    if let Some(o) = object.as_object_mut() {
        o.remove("status");
    }
    object
}

/// Claim 7: A rendered folder applied with `kubectl apply -k` gives the same live objects as the
/// stream.
#[test]
fn a_rendered_folder_applies_like_the_stream() {
    let Some(cluster) = cluster() else { return };
    let streamed = cluster.namespace("stream");
    let folder = cluster.namespace("folder");
    let input = [
        http_server("web", "  backendReplicas: 2\n"),
        "apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata:\n  name: cli\nspec:\n  image: ghcr.io/stackloklabs/yardstick/yardstick-server:1.1.1\n  transport: stdio\n".to_string(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: strict\n".to_string(),
    ]
    .join("---\n");
    cluster
        .apply(render(&input, &streamed.name, &[]).as_bytes())
        .ok("apply the stream");

    let (dir, input_path) = temp_file("servers.yaml", &input);
    let out = dir.path().join("rendered");
    let out_str = out.to_str().expect("UTF-8");
    mcp_render(
        &[
            "render",
            "-n",
            &folder.name,
            "-o",
            out_str,
            input_path.to_str().expect("UTF-8"),
        ],
        None,
    )
    .ok("render the folder");
    cluster
        .kubectl(
            &[
                "apply",
                "-k",
                out_str,
                "--server-side",
                "--field-manager=mcp-render-test",
                "--validate=strict",
            ],
            None,
        )
        .ok("kubectl apply -k");

    let kinds = "statefulsets,services,serviceaccounts,configmaps";
    let live = |ns: &str| -> Vec<Value> {
        let list = cluster.get(&["-n", ns, kinds]);
        let mut items: Vec<Value> = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            // What every namespace has anyway.
            .filter(|o| {
                !matches!(
                    o["metadata"]["name"].as_str(),
                    Some("default" | "kube-root-ca.crt")
                )
            })
            .cloned()
            .map(comparable)
            .collect();
        items.sort_by_key(|o| (o["kind"].to_string(), o["metadata"]["name"].to_string()));
        items
    };
    let (from_stream, from_folder) = (live(&streamed.name), live(&folder.name));
    assert_eq!(
        from_stream.len(),
        7,
        "StatefulSets 2, Services 2, ServiceAccounts 2, ConfigMap 1: {from_stream:#?}"
    );
    assert_eq!(from_stream, from_folder);
}

/// Duplicate env names and container ports in the `mcp` container: server-side apply (what
/// Flux always uses) refuses a list with two entries for one key, so mcp-render refuses the
/// input that would render one.
#[test]
fn duplicate_env_and_ports_are_refused_like_server_side_apply() {
    let Some(cluster) = cluster() else { return };
    let namespace = cluster.namespace("duplicates");
    let ns = namespace.name.as_str();
    let template = "  podTemplateSpec:\n    spec:\n      containers:\n      - name: mcp\n        env:\n        - name: LOG_LEVEL\n          value: debug\n";
    let valid = http_server("dup", template);
    let doubled = format!("{valid}  env:\n  - name: LOG_LEVEL\n    value: info\n");
    let refused = mcp_render(&["render", "-n", ns, "-"], Some(doubled.as_bytes()));
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(refused.stdout.is_empty());
    assert!(
        refused
            .stderr
            .contains("`LOG_LEVEL` would be in container `mcp`'s env twice"),
        "{}",
        refused.stderr
    );

    // The StatefulSet that input would give without the check: the valid render with the
    // second entry added. Server-side apply refuses it, with the message the check cites.
    let rendered = render(&valid, ns, &["--format", "json"]);
    let mut list: Value = serde_json::from_str(&rendered).expect("a JSON List");
    let statefulset = list["items"]
        .as_array_mut()
        .and_then(|items| items.iter_mut().find(|o| o["kind"] == "StatefulSet"))
        .expect("a StatefulSet");
    let mcp = &mut statefulset["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(mcp["name"], "mcp");
    let env = mcp["env"].as_array_mut().expect("env");
    env.push(serde_json::json!({"name": "LOG_LEVEL", "value": "info"}));
    let ports = serde_json::json!([{"containerPort": 8080}, {"containerPort": 8080}]);
    mcp["ports"] = ports;
    let rejected = cluster.apply(statefulset.to_string().as_bytes());
    assert!(
        !rejected.success,
        "server-side apply accepted duplicate entries"
    );
    assert!(
        rejected
            .stderr
            .contains("duplicate entries for key [name=\"LOG_LEVEL\"]"),
        "{}",
        rejected.stderr
    );
    // The same for a port the template already declares (sse adds mcpPort 8080).
    let sse = "apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata:\n  name: dup-port\nspec:\n  image: ghcr.io/stackloklabs/yardstick/yardstick-server:1.1.1\n  transport: sse\n  mcpPort: 8080\n  podTemplateSpec:\n    spec:\n      containers:\n      - name: mcp\n        ports:\n        - containerPort: 8080\n";
    let refused = mcp_render(&["render", "-n", ns, "-"], Some(sse.as_bytes()));
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("port 8080/TCP is the mcpPort"),
        "{}",
        refused.stderr
    );
    let mut only_ports = statefulset.clone();
    let mcp = &mut only_ports["spec"]["template"]["spec"]["containers"][0];
    mcp["env"].as_array_mut().expect("env").pop();
    let rejected = cluster.apply(only_ports.to_string().as_bytes());
    assert!(
        !rejected.success,
        "server-side apply accepted duplicate ports"
    );
    assert!(
        rejected
            .stderr
            .contains("duplicate entries for key [containerPort=8080,protocol=\"TCP\"]"),
        "{}",
        rejected.stderr
    );
}
