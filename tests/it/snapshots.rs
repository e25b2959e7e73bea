//! One snapshot of the exact output bytes per fixture: `fixtures/servers/*` render to
//! `snapshots/snapshots__servers@<file>.snap`, `fixtures/invalid/*` to their error text.
//! A fixture `fixtures/servers/X.yaml` is rendered with `--owners fixtures/owners/X.yaml`
//! when that file exists.

use std::path::{Path, PathBuf};

use mcp_render::{Error, Format, Options};

/// The path relative to the crate root, as a user would type it (and as messages show it).
fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .to_path_buf()
}

fn options_for(path: &Path) -> Options {
    let input = relative(path);
    let stem = input
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let owners = Path::new("fixtures/owners").join(format!("{stem}.yaml"));
    Options {
        inputs: vec![input],
        owners: if owners.exists() {
            vec![owners]
        } else {
            vec![]
        },
        ..Options::default()
    }
}

fn render(options: &Options, format: Format) -> String {
    match mcp_render::render(options, &mut std::io::empty(), format) {
        Ok(rendering) => rendering.stream.into_string(),
        Err(e) => panic!("{options:?} should render, got:\n{e}"),
    }
}

#[test]
fn servers() {
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::glob!("../../fixtures/servers", "*.{yaml,json}", |path| {
            insta::assert_snapshot!(render(&options_for(path), Format::Yaml));
        });
    });
}

#[test]
fn invalid() {
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::glob!("../../fixtures/invalid", "*.{yaml,json}", |path| {
            let options = options_for(path);
            match mcp_render::render(&options, &mut std::io::empty(), Format::Yaml) {
                Err(Error::Invalid(diagnostics)) => insta::assert_snapshot!(diagnostics.to_string()),
                other => panic!("{} should be invalid, got {other:?}", path.display()),
            }
        });
    });
}

#[test]
fn json_list() {
    let options = options_for(Path::new("fixtures/servers/sse.yaml"));
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("json_list@sse.yaml", render(&options, Format::Json));
    });
}

/// The bundled fixtures rendered as one directory give the same bytes whatever the order
/// of the inputs: output order comes from namespaces and names, never from files.
#[test]
fn input_order_does_not_change_the_output() {
    let mut files: Vec<PathBuf> = std::fs::read_dir("fixtures/servers")
        .expect("fixtures")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "json")
        })
        .collect();
    files.sort();
    let owners = vec![PathBuf::from("fixtures/owners/with-owners.yaml")];
    let forward = Options {
        inputs: files.clone(),
        owners: owners.clone(),
        ..Options::default()
    };
    files.reverse();
    let backward = Options {
        inputs: files,
        owners: owners.clone(),
        ..Options::default()
    };
    let directory = Options {
        inputs: vec![PathBuf::from("fixtures/servers")],
        owners,
        ..Options::default()
    };
    let expected = render(&forward, Format::Yaml);
    assert!(
        expected.matches("\n---\n").count() > 40,
        "all fixtures rendered together"
    );
    assert_eq!(render(&backward, Format::Yaml), expected);
    assert_eq!(render(&directory, Format::Yaml), expected);
    assert_eq!(
        render(&directory, Format::Json),
        render(&forward, Format::Json)
    );
}
