//! The generated CRD table (`src/parse/crd/table.rs`) is what the generator makes of
//! ToolHive's CRD, the hand-written overlay names only fields the table has, and every CEL
//! rule of the CRD has an implementation.

use std::path::Path;

use mcp_render::model::ApiVersion;
use mcp_render::parse::crd::{
    self, CRD, Type, generate,
    overlay::{DESCRIPTIONS, PROXY_SECURITY_FIELDS, REMOVED_FIELDS, RENDERED_FIELDS},
};

const UPSTREAM: &str = "../shared/upstream/toolhive-v0.44.0/toolhive.stacklok.dev_mcpservers.yaml";

/// The upstream CRD's text, or `None` (saying why) when this clone has no `../shared`. In CI
/// (`CI=true`), which has `shared/` beside the clone, a missing file fails.
fn upstream() -> Option<String> {
    match std::fs::read_to_string(UPSTREAM) {
        Ok(text) => Some(text),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{UPSTREAM}: {e} (CI must have shared/ beside the clone)"
            );
            eprintln!(
                "skipped: {UPSTREAM} is absent ({e}); this clone has no ../shared with ToolHive's CRD"
            );
            None
        }
    }
}

#[test]
fn the_table_is_what_the_generator_makes_of_the_upstream_crd() {
    let Some(text) = upstream() else { return };
    let crd = generate::load(&text).expect("the upstream CRD loads");
    let source = generate::rust_source(&crd, crd::TOOLHIVE_VERSION);
    let committed = std::fs::read_to_string("src/parse/crd/table.rs").expect("table");
    assert!(
        source == committed,
        "src/parse/crd/table.rs is stale: run `cargo run --example generate-crd-table -- {UPSTREAM} {} > src/parse/crd/table.rs`",
        crd::TOOLHIVE_VERSION
    );
    assert_eq!(crd, CRD, "the loaded CRD equals the built-in table");
}

#[test]
fn the_table_names_its_source_and_release() {
    let committed = std::fs::read_to_string("src/parse/crd/table.rs").expect("table");
    assert!(committed.starts_with("//! The MCPServer CRD of ToolHive v0.44.0, generated from"));
    assert!(committed.contains(generate::UPSTREAM_PATH));
    assert_eq!(crd::TOOLHIVE_VERSION, "v0.44.0");
}

/// Every field path below `spec` in `ty` (list items share their list's path).
fn paths(ty: &Type, prefix: &str, out: &mut Vec<String>) {
    match ty {
        Type::Object(object) => {
            for field in object.fields {
                let path = if prefix.is_empty() {
                    field.name.to_string()
                } else {
                    format!("{prefix}.{}", field.name)
                };
                out.push(path.clone());
                paths(&field.ty, &path, out);
            }
        }
        Type::List(list) => paths(&list.item, prefix, out),
        Type::Map(value) => paths(value, prefix, out),
        _ => {}
    }
}

fn spec_paths(crd: &crd::Crd) -> Vec<String> {
    let mut out = Vec::new();
    for version in crd.versions {
        paths(&Type::Object(version.spec), "", &mut out);
    }
    out
}

/// The overlay check, on any CRD: the problems, one a line.
fn overlay_problems(crd: &crd::Crd) -> Vec<String> {
    let all = spec_paths(crd);
    let mut problems = Vec::new();
    for (path, _) in DESCRIPTIONS {
        if !all.iter().any(|p| p == path) {
            problems.push(format!("description for `{path}`, which the schema lacks"));
        }
    }
    for name in RENDERED_FIELDS.iter().chain(PROXY_SECURITY_FIELDS) {
        if !all.iter().any(|p| p == name) {
            problems.push(format!("overlay names `{name}`, which the schema lacks"));
        }
    }
    for (name, _) in REMOVED_FIELDS {
        if all.iter().any(|p| p == name) {
            problems.push(format!(
                "`{name}` is listed as removed but the schema has it"
            ));
        }
    }
    for version in crd.versions {
        for field in version.spec.fields {
            if crd::description(field.name).is_none() {
                problems.push(format!("spec field `{}` has no description", field.name));
            }
        }
    }
    problems
}

#[test]
fn the_overlay_is_in_step_with_the_table() {
    assert_eq!(overlay_problems(&CRD), Vec::<String>::new());
}

#[test]
fn an_overlay_entry_for_a_field_the_schema_lacks_fails() {
    // The same CRD without `audit`: the overlay's description and security entry for it fail.
    let Some(text) = upstream() else { return };
    let mut crd: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
    for version in crd["spec"]["versions"].as_array_mut().expect("versions") {
        let spec = &mut version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"];
        spec.as_object_mut().expect("properties").remove("audit");
    }
    let crd = generate::load(&serde_json::to_string(&crd).expect("JSON")).expect("loads");
    let problems = overlay_problems(&crd);
    assert!(problems.contains(&"description for `audit`, which the schema lacks".to_string()));
    assert!(problems.contains(&"overlay names `audit`, which the schema lacks".to_string()));
}

#[test]
fn every_cel_rule_has_an_implementation() {
    assert_eq!(generate::unimplemented_rules(&CRD), Vec::<&str>::new());
    let messages = generate::rule_messages(&CRD);
    assert_eq!(messages.len(), 9, "ToolHive v0.44.0 has 9 CEL rules");
    // No implementation is left over for a rule the CRD no longer has.
    for rule in crd::RULES {
        assert!(
            messages.contains(&rule.message),
            "stale rule: {}",
            rule.message
        );
    }
    if let Some(text) = upstream() {
        let upstream = generate::load(&text).expect("loads");
        assert_eq!(generate::unimplemented_rules(&upstream), Vec::<&str>::new());
    }
}

#[test]
fn a_rule_message_nothing_implements_is_found() {
    let Some(text) = upstream() else { return };
    let text = text.replacen(
        "message: address is required",
        "message: address is required when the provider is redis",
        2,
    );
    let crd = generate::load(&text).expect("loads");
    assert_eq!(
        generate::unimplemented_rules(&crd),
        vec!["address is required when the provider is redis"]
    );
}

#[test]
fn both_versions_are_served_and_v1alpha1_is_deprecated() {
    let v1alpha1 = CRD.spec(ApiVersion::V1alpha1).expect("v1alpha1");
    let v1beta1 = CRD.spec(ApiVersion::V1beta1).expect("v1beta1");
    assert_eq!(
        v1alpha1.deprecation_warning,
        Some("toolhive.stacklok.dev/v1alpha1 is deprecated; use v1beta1")
    );
    assert_eq!(v1beta1.deprecation_warning, None);
    assert!(std::ptr::eq(v1alpha1.spec, v1beta1.spec) || v1alpha1.spec == v1beta1.spec);
}

#[test]
fn generator_refuses_what_is_not_the_mcpserver_crd() {
    for (text, expected) in [
        ("kind: Service\n", "not a CustomResourceDefinition"),
        (
            "kind: CustomResourceDefinition\nspec:\n  group: example.com\n  names: {kind: Foo}\n",
            "is not the MCPServer CRD",
        ),
        ("[", "not YAML"),
    ] {
        let error = generate::load(text).expect_err(text);
        assert!(error.contains(expected), "{error}");
    }
    assert!(Path::new("examples/generate-crd-table.rs").exists());
}
