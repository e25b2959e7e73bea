//! The harness of the cluster suite: the control plane `scripts/cluster up` started, the
//! binary under test run hermetically, and the built kubectl.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The kubeconfig context `scripts/cluster up` writes. The suite refuses any other cluster, so
/// a `KUBECONFIG` left pointing at a real cluster is never touched.
const CONTEXT: &str = "mcp-render-test";

/// Where the repository's fixtures are.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The control plane of `scripts/cluster up`.
pub struct Cluster {
    kubeconfig: PathBuf,
    kubectl: PathBuf,
}

/// The cluster `eval "$(scripts/cluster up)"` configured, or `None` (after a loud message)
/// when there is none. In CI (`CI` set) a missing cluster fails the test instead.
pub fn cluster() -> Option<Cluster> {
    match find_cluster() {
        Ok(cluster) => Some(cluster),
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!(
                "CI is set but no test cluster is configured: {why}; run `eval \"$(scripts/cluster up)\"` first"
            )
        }
        Err(why) => {
            eprintln!(
                "\n*** SKIPPED: no test cluster ({why}).\n*** Run `eval \"$(scripts/cluster up)\"` first; see README, \"Testing against a real API server\".\n"
            );
            None
        }
    }
}

fn find_cluster() -> Result<Cluster, String> {
    let kubeconfig = std::env::var_os("KUBECONFIG").ok_or("KUBECONFIG is not set")?;
    let kubeconfig = PathBuf::from(kubeconfig);
    let text = std::fs::read_to_string(&kubeconfig)
        .map_err(|e| format!("cannot read {}: {e}", kubeconfig.display()))?;
    if !text
        .lines()
        .any(|line| line.trim() == format!("current-context: {CONTEXT}"))
    {
        return Err(format!(
            "{} is not the kubeconfig of scripts/cluster (context {CONTEXT})",
            kubeconfig.display()
        ));
    }
    // scripts/cluster records the folder of the binaries it started beside the kubeconfig: the
    // kubectl of the same release, whatever else is on PATH.
    let state = kubeconfig.parent().ok_or("KUBECONFIG has no folder")?;
    let bin = std::fs::read_to_string(state.join("bin"))
        .map_err(|e| format!("no `bin` file beside the kubeconfig: {e}"))?;
    let kubectl = Path::new(bin.trim()).join("kubectl");
    if !kubectl.is_file() {
        return Err(format!("{} is missing", kubectl.display()));
    }
    Ok(Cluster {
        kubeconfig,
        kubectl,
    })
}

/// A finished process: its status and outputs as text.
#[derive(Debug)]
pub struct Run {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics, showing both outputs, unless the process succeeded.
    #[track_caller]
    pub fn ok(self, what: &str) -> Run {
        assert!(
            self.success,
            "{what} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

fn run(mut command: Command, stdin: Option<&[u8]>) -> Run {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    // Written on a thread: a child that writes a lot before reading everything would
    // otherwise deadlock against us.
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("piped stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let output = child.wait_with_output().expect("wait for the child");
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    Run::from(output)
}

/// `mcp-render ARGS` (the binary Cargo built for this test run: `cargo test --release` gives
/// the release binary), with every variable that changes its behaviour removed.
pub fn mcp_render(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-render"));
    command.args(args).current_dir(repo());
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key == "GITHUB_ACTIONS" || key.starts_with("ARGOCD_") || key.starts_with("MCP_RENDER_") {
            command.env_remove(&*key);
        }
    }
    run(command, stdin)
}

/// A fresh namespace per test, so tests run in parallel and never see each other's objects.
pub struct Namespace<'c> {
    cluster: &'c Cluster,
    pub name: String,
}

impl Drop for Namespace<'_> {
    fn drop(&mut self) {
        // Best effort and not waited for: the next run uses new names.
        let _ = self
            .cluster
            .kubectl(&["delete", "namespace", &self.name, "--wait=false"], None);
    }
}

static NAMESPACES: AtomicUsize = AtomicUsize::new(0);

impl Cluster {
    /// `kubectl ARGS` against the test cluster.
    pub fn kubectl(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut command = Command::new(&self.kubectl);
        command
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env_remove("KUBECTL_EXTERNAL_DIFF");
        run(command, stdin)
    }

    /// A new namespace named after the test.
    pub fn namespace(&self, test: &str) -> Namespace<'_> {
        let n = NAMESPACES.fetch_add(1, Ordering::Relaxed);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() % 1_000_000);
        let name = format!("{test}-{}-{stamp}-{n}", std::process::id() % 10_000);
        self.create_namespace(&name);
        Namespace {
            cluster: self,
            name,
        }
    }

    /// Creates `name` if it does not exist, and waits for its `default` ServiceAccount (the
    /// controller-manager creates it) so pods can be admitted at once.
    pub fn create_namespace(&self, name: &str) {
        let manifest = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n");
        self.apply(manifest.as_bytes()).ok("create namespace");
        wait_until(&format!("ServiceAccount default in {name}"), || {
            self.kubectl(&["get", "serviceaccount", "default", "-n", name], None)
                .success
        });
    }

    /// `kubectl apply --server-side` as the suite's field manager, with strict field
    /// validation: what Flux does, and stricter than most.
    pub fn apply(&self, manifests: &[u8]) -> Run {
        self.kubectl(
            &[
                "apply",
                "--server-side",
                "--field-manager=mcp-render-test",
                "--validate=strict",
                "-f",
                "-",
            ],
            Some(manifests),
        )
    }

    /// `kubectl get ARGS -o json`, parsed.
    #[track_caller]
    pub fn get(&self, args: &[&str]) -> Value {
        let mut all = vec!["get"];
        all.extend_from_slice(args);
        all.extend(["-o", "json"]);
        let run = self.kubectl(&all, None).ok("kubectl get");
        serde_json::from_str(&run.stdout).expect("kubectl prints JSON")
    }

    /// Whether `kubectl get ARGS` finds the object.
    pub fn exists(&self, args: &[&str]) -> bool {
        let mut all = vec!["get"];
        all.extend_from_slice(args);
        all.extend(["-o", "name"]);
        self.kubectl(&all, None).success
    }

    /// The names of the objects `kubectl get ARGS` lists.
    pub fn names(&self, args: &[&str]) -> Vec<String> {
        let list = self.get(args);
        let mut names: Vec<String> = list["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item["metadata"]["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Plays the kubelet for the StatefulSet controller: marks every Pending pod of `namespace`
    /// Running and Ready through the status subresource, so that `OrderedReady` goes on to the
    /// next ordinal. There is no kubelet in this control plane.
    pub fn mark_pods_ready(&self, namespace: &str) {
        let patch = r#"{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"},{"type":"ContainersReady","status":"True"},{"type":"PodScheduled","status":"True"}]}}"#;
        for pod in self.names(&["pods", "-n", namespace]) {
            let live = self.get(&["pod", "-n", namespace, &pod]);
            if live["status"]["phase"] == "Running" {
                continue;
            }
            self.kubectl(
                &[
                    "patch",
                    "pod",
                    &pod,
                    "-n",
                    namespace,
                    "--subresource=status",
                    "--type=merge",
                    "-p",
                    patch,
                ],
                None,
            )
            .ok("mark the pod ready");
        }
    }
}

/// How long a condition on the cluster may take: controllers react within a second or two
/// here; the margin is for a loaded CI machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// Polls `condition` until it holds; panics naming `what` after [`PATIENCE`].
#[track_caller]
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < PATIENCE,
            "timed out after {PATIENCE:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The objects of a YAML stream (or a JSON `List`) as JSON values, in order.
pub fn objects(stream: &str) -> Vec<Value> {
    if stream.trim_start().starts_with('{') {
        let list: Value = serde_json::from_str(stream).expect("a JSON List");
        return list["items"].as_array().cloned().unwrap_or_default();
    }
    serde_saphyr::from_multiple::<Value>(stream)
        .expect("the stream parses")
        .into_iter()
        .filter(|value| !value.is_null())
        .collect()
}

/// The `kubectl get` arguments that find `object` again.
pub fn locate(object: &Value) -> Vec<String> {
    let kind = object["kind"].as_str().expect("kind").to_lowercase();
    let name = object["metadata"]["name"].as_str().expect("name");
    let mut args = vec![kind, name.to_string()];
    if let Some(namespace) = object["metadata"]["namespace"].as_str() {
        args.extend(["-n".to_string(), namespace.to_string()]);
    }
    args
}

/// Every field of `rendered` is in `live` with the same value (`rendered ⊆ live`): the API
/// server may add defaults, never drop or change what we wrote. Lists are compared item by
/// item. Returns the paths that differ.
pub fn not_in(rendered: &Value, live: &Value) -> Vec<String> {
    let mut missing = Vec::new();
    subset(rendered, live, String::new(), &mut missing);
    missing
}

fn subset(rendered: &Value, live: &Value, path: String, missing: &mut Vec<String>) {
    match (rendered, live) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, value) in want {
                let here = format!("{path}.{key}");
                match have.get(key) {
                    Some(found) => subset(value, found, here, missing),
                    // A zero value we wrote (`""`, `false`, `0`, an empty map or list) is
                    // dropped by the API server's serialisation of non-pointer fields
                    // (Go's `omitempty`): nothing was lost.
                    None if is_zero(value) => {}
                    None => missing.push(format!("{here}: missing (rendered {value})")),
                }
            }
        }
        (Value::Array(want), Value::Array(have)) => {
            if want.len() != have.len() {
                missing.push(format!(
                    "{path}: {} items rendered, {} live",
                    want.len(),
                    have.len()
                ));
                return;
            }
            for (i, (w, h)) in want.iter().zip(have).enumerate() {
                subset(w, h, format!("{path}[{i}]"), missing);
            }
        }
        (want, have) if want == have => {}
        (want, have) => missing.push(format!("{path}: rendered {want}, live {have}")),
    }
}

fn is_zero(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.is_empty(),
        Value::Array(list) => list.is_empty(),
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Null => true,
    }
}

/// Writes `text` to a new file `name` in a fresh temporary folder (kept until dropped).
pub fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write the input");
    (dir, path)
}
