//! Fuzz target: any bytes through load → parse → validate → render → emit, as
//! `mcp-render render` does with stdin. It must never panic, hang or blow up memory; when
//! the input renders, the YAML output must read back (under our YAML 1.1 loader) equal to
//! the JSON output, and be valid input itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_render::emit;
use mcp_render::load::{self, Limits};
use mcp_render::run::{self, Options};

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run fast; the limits themselves are tested in tests/it/hardening.rs.
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_depth: 100,
        max_nodes: 100_000,
        ..Limits::default()
    };
    let options = Options {
        limits,
        ..Options::default()
    };
    let Ok(output) = run::render(&options, &mut &data[..]) else {
        return;
    };
    let yaml = emit::to_yaml(&output.rendered).expect("rendered objects always emit as YAML");
    let json = emit::to_json(&output.rendered).expect("rendered objects always emit as JSON");
    let list: serde_json::Value = serde_json::from_str(&json).expect("the JSON output is JSON");
    let source = load::decode("<output>", yaml.clone().into_bytes()).expect("UTF-8 output");
    let documents =
        load::parse_documents(&source, &Limits::default()).expect("the YAML output is valid YAML");
    let read_back: Vec<serde_json::Value> = documents.iter().map(|d| d.root.to_json()).collect();
    assert_eq!(
        serde_json::Value::Array(read_back),
        list["items"],
        "YAML output reads back differently from the JSON output:\n{yaml}"
    );
    // Our output is valid input: fed back in, it renders (all pass-through).
    let again = run::render(&Options::default(), &mut yaml.as_bytes());
    assert!(
        again.is_ok(),
        "our own output is not valid input:\n{yaml}\n{again:?}"
    );
});
