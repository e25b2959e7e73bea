//! Fields that configure only ToolHive's proxy are accepted and change nothing.

use std::path::PathBuf;

use mcp_render::model::ApiVersion;
use mcp_render::parse::crd::{RENDERED_FIELDS, spec_fields};
use mcp_render::{Format, Options};

fn render(path: PathBuf) -> String {
    let options = Options {
        inputs: vec![path],
        ..Options::default()
    };
    let rendering = mcp_render::render(&options, &mut std::io::empty(), Format::Yaml);
    rendering.expect("renders").stream.into_string()
}

#[test]
fn proxy_only_fields_do_not_change_the_output() {
    let fixture = PathBuf::from("fixtures/servers/proxy-only-fields.yaml");
    let text = std::fs::read_to_string(&fixture).expect("fixture");
    let mut server: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
    let spec = server["spec"].as_object_mut().expect("spec");
    let before = spec.len();
    spec.retain(|key, _| RENDERED_FIELDS.contains(&key.as_str()));
    assert!(
        before - spec.len() >= 15,
        "the fixture sets most proxy-only fields"
    );

    let dir = std::env::temp_dir().join(format!("mcp-render-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let stripped = dir.join("stripped.json");
    std::fs::write(&stripped, serde_json::to_string(&server).expect("JSON")).expect("write");
    assert_eq!(render(stripped), render(fixture));
}

#[test]
fn the_readme_lists_every_proxy_only_field() {
    let readme = std::fs::read_to_string("README.md").expect("README");
    let start = readme
        .find("Fields that configure only ToolHive's proxy")
        .expect("section");
    let section = &readme[start..start + readme[start..].find("\n\n").expect("paragraph end")];
    for field in spec_fields(ApiVersion::V1beta1) {
        let rendered = RENDERED_FIELDS.contains(&field.name);
        let listed = section.contains(&format!("`{}`", field.name));
        assert!(
            rendered || listed,
            "README does not list proxy-only field `{}`",
            field.name
        );
        if field.name != "proxyPort" {
            assert!(
                !(rendered && listed),
                "README lists rendered field `{}` as proxy-only",
                field.name
            );
        }
    }
}
