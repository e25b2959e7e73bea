//! Fuzz target: any bytes through load → parse → validate → render → emit, as
//! `mcp-render render` does with stdin. It must never panic, hang or blow up memory; when
//! the input renders, the YAML output must read back (under our YAML 1.1 loader) equal to
//! the JSON output, and be valid input itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_render::{Format, Limits, Options};

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
    // The bytes `mcp-render render` (and `--format json`) would write for this stdin.
    let render = |format| mcp_render::render(&options, &mut &data[..], format);
    let Ok(yaml) = render(Format::Yaml) else {
        return;
    };
    let yaml = yaml.stream.into_string();
    let json = render(Format::Json).expect("what renders as YAML renders as JSON");
    let list: serde_json::Value =
        serde_json::from_str(&json.stream.into_string()).expect("the JSON output is JSON");
    let read_back =
        mcp_render::read_yaml_stream("<output>", &yaml).expect("the YAML output is valid YAML");
    assert_eq!(
        serde_json::Value::Array(read_back),
        list["items"],
        "YAML output reads back differently from the JSON output:\n{yaml}"
    );
    // Our output is valid input: fed back in, it renders (all pass-through).
    let again = mcp_render::render(&Options::default(), &mut yaml.as_bytes(), Format::Yaml);
    assert!(
        again.is_ok(),
        "our own output is not valid input:\n{yaml}\n{again:?}"
    );
});
