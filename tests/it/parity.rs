//! Where mcp-render follows ToolHive v0.44.0 and where it says it does not: the binary's exit
//! code, stdout and stderr for each divergence of issue 9, as snapshots.

use crate::util;

/// Runs the binary ([`util::mcp_render`]: hermetic) with `env` set, and returns its exit
/// code, stderr and stdout as one text.
fn run_with(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = util::mcp_render().args(args);
    for (name, value) in env {
        command = command.env(name, value);
    }
    let output = command.output().expect("run mcp-render");
    format!(
        "exit: {:?}\n--- stderr\n{}--- stdout\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    )
}

fn run(args: &[&str]) -> String {
    run_with(args, &[])
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $text);
        })
    };
}

#[test]
fn openshift_leaves_out_user_and_group_ids() {
    let kubernetes = run(&[
        "render",
        "--owner-refs=omit",
        "fixtures/parity/openshift.yaml",
    ]);
    let openshift = run(&[
        "render",
        "--owner-refs=omit",
        "--platform",
        "openshift",
        "fixtures/parity/openshift.yaml",
    ]);
    assert!(kubernetes.contains("runAsUser: 2000"));
    assert!(!openshift.contains("runAsUser: 2000") && !openshift.contains("fsGroup"));
    // Only container mcp loses its IDs; the sidecar keeps what the user set.
    assert!(openshift.contains("runAsUser: 4000"));
    snapshot!("parity@openshift-kubernetes", kubernetes);
    snapshot!("parity@openshift-openshift", openshift);
}

#[test]
fn the_platform_comes_from_the_argocd_plugin_environment_too() {
    let from_env = run_with(
        &[
            "render",
            "--owner-refs=omit",
            "fixtures/parity/openshift.yaml",
        ],
        &[("ARGOCD_ENV_MCP_RENDER_PLATFORM", "openshift")],
    );
    let from_flag = run(&[
        "render",
        "--owner-refs=omit",
        "--platform=openshift",
        "fixtures/parity/openshift.yaml",
    ]);
    assert!(from_env.starts_with("exit: Some(0)"), "{from_env}");
    assert_eq!(from_env, from_flag);
}

#[test]
fn security_settings_without_the_proxy_warn_once_and_fail_with_strict() {
    let warned = run(&[
        "render",
        "--owner-refs=omit",
        "fixtures/servers/proxy-only-fields.yaml",
    ]);
    assert!(warned.starts_with("exit: Some(0)"));
    assert_eq!(
        warned
            .matches("effect only through ToolHive's proxy")
            .count(),
        1
    );
    let strict = run(&[
        "render",
        "--owner-refs=omit",
        "--strict",
        "fixtures/servers/proxy-only-fields.yaml",
    ]);
    assert!(strict.starts_with("exit: Some(2)") && strict.ends_with("--- stdout\n"));
    snapshot!(
        "parity@security-warning",
        warned.split("--- stdout").next().unwrap_or("")
    );
    snapshot!("parity@security-strict", strict);
}

#[test]
fn a_nodeport_server_is_warned_about() {
    let out = run(&[
        "render",
        "--owner-refs=omit",
        "fixtures/servers/nodeport.yaml",
    ]);
    assert!(out.starts_with("exit: Some(0)"));
    snapshot!(
        "parity@nodeport",
        out.split("--- stdout").next().unwrap_or("")
    );
}

#[test]
fn v1alpha1_gets_the_deprecation_warning() {
    let out = run(&[
        "render",
        "--owner-refs=omit",
        "fixtures/servers/v1alpha1.yaml",
    ]);
    assert!(out.starts_with("exit: Some(0)"));
    snapshot!(
        "parity@v1alpha1",
        out.split("--- stdout").next().unwrap_or("")
    );
}

#[test]
fn a_newer_crd_accepts_its_fields_with_a_warning() {
    let builtin = run(&[
        "render",
        "--owner-refs=omit",
        "fixtures/parity/newer-crd-server.yaml",
    ]);
    assert!(builtin.starts_with("exit: Some(2)"), "{builtin}");
    let newer = run(&[
        "render",
        "--owner-refs=omit",
        "--crd",
        "fixtures/parity/newer-crd.yaml",
        "fixtures/parity/newer-crd-server.yaml",
    ]);
    assert!(newer.starts_with("exit: Some(0)"), "{newer}");
    snapshot!("parity@newer-crd-builtin", builtin);
    snapshot!("parity@newer-crd", newer);
    // Its schema is the one checked: a field the built-in CRD has, it lacks.
    let stricter = run(&[
        "render",
        "--crd",
        "fixtures/parity/newer-crd.yaml",
        "fixtures/servers/proxy-only-fields.yaml",
    ]);
    assert!(stricter.starts_with("exit: Some(2)"));
    assert!(stricter.contains("spec.proxyMode: unknown field `proxyMode`"));
}

#[test]
fn a_bad_crd_file_is_exit_2() {
    let out = run(&[
        "render",
        "--crd",
        "fixtures/servers/sse.yaml",
        "fixtures/servers/sse.yaml",
    ]);
    assert!(out.starts_with("exit: Some(2)"), "{out}");
    assert!(out.contains("fixtures/servers/sse.yaml: --crd: not a CustomResourceDefinition"));
    assert!(out.ends_with("--- stdout\n"));
}

#[test]
fn version_names_the_toolhive_release() {
    let out = run(&["--version"]);
    assert!(out.contains("(ToolHive v0.44.0)"), "{out}");
}
