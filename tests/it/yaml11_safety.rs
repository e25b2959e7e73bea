//! What kubectl reads is what we meant: every emitted YAML document, read back with YAML 1.1
//! rules (as Go's sigs.k8s.io/yaml reads it), equals the JSON output, on adversarial values.

use mcp_render::yaml11;
use mcp_render::{Format, Options};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

/// Strings that YAML 1.1 or 1.2 readers take for something else when written bare, plus
/// strings that try to break out of their scalar.
const TRICKY: &[&str] = &[
    "y",
    "Y",
    "n",
    "N",
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "NO",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "true",
    "True",
    "FALSE",
    "~",
    "null",
    "Null",
    "NULL",
    "",
    " ",
    "1_000",
    "0755",
    "0o17",
    "0x1F",
    "0b101",
    "+1",
    "-0",
    "1e3",
    "1.",
    ".5",
    ".inf",
    "-.Inf",
    ".nan",
    "12:30",
    "1:20:30",
    "190:20:30",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "=",
    "<<",
    "-",
    "- a",
    "? x",
    ": x",
    "a: b",
    "#x",
    "a #b",
    "{{ .Values.x }}",
    "${VAR}",
    "$${VAR}",
    "---",
    "...",
    "--- x",
    "line1\nline2",
    "\n---\nkind: Secret",
    "trailing space ",
    " leading",
    "tab\tinside",
    "quote\"s",
    "it's",
    "back\\slash",
    "\u{2028}",
    "a\u{2029}b",
    "\u{85}",
    "é",
    "日本",
    "🙂",
    "\u{feff}bom",
    "*alias",
    "&anchor",
    "!tag",
    "%directive",
    "@at",
    "`tick",
    "|",
    ">",
    "[a]",
    "{a: b}",
    "a,b",
    "1,000",
    "9223372036854775808",
    "18446744073709551616",
    "0.1e-10",
    "0755\n",
    "\r",
    "a\r\nb",
];

fn server_yaml() -> String {
    let env: Vec<serde_json::Value> = TRICKY
        .iter()
        .enumerate()
        .map(|(i, value)| serde_json::json!({"name": format!("V{i}"), "value": value}))
        .collect();
    let server = serde_json::json!({
        "apiVersion": "toolhive.stacklok.dev/v1beta1",
        "kind": "MCPServer",
        "metadata": {"name": "tricky", "namespace": "yaml"},
        "spec": {
            "image": "example.com/tricky:1",
            "transport": "sse",
            "args": TRICKY,
            "env": env,
            "podTemplateSpec": {"metadata": {"annotations": {"a/on": "on", "b/num": "1_000", "c/time": "12:30"}}},
        },
    });
    // JSON is YAML: the input is built as data, never as text.
    serde_json::to_string_pretty(&server).expect("JSON")
}

fn render(format: Format) -> String {
    // A folder of its own per call: tests run in parallel in one process, and two renders
    // sharing one file could read it half written.
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("tricky.json");
    std::fs::write(&input, server_yaml()).expect("write");
    let options = Options {
        inputs: vec![input],
        ..Options::default()
    };
    let rendering = mcp_render::render(&options, &mut std::io::empty(), format).expect("render");
    rendering.stream.into_string()
}

#[test]
fn yaml_output_reads_back_as_the_json_output() {
    let yaml = render(Format::Yaml);
    let json: serde_json::Value = serde_json::from_str(&render(Format::Json)).expect("JSON");
    let read_back = crate::util::read_back(&yaml);
    let items = json["items"].as_array().expect("items");
    assert_eq!(read_back.len(), items.len());
    for (yaml_doc, json_doc) in read_back.iter().zip(items) {
        assert_eq!(yaml_doc, json_doc);
    }
    let statefulset = items
        .iter()
        .find(|item| item["kind"] == "StatefulSet")
        .expect("a StatefulSet");
    let args = &statefulset["spec"]["template"]["spec"]["containers"][0]["args"];
    assert_eq!(
        args.as_array().map(Vec::len),
        Some(TRICKY.len()),
        "every tricky value made it through"
    );
}

#[test]
fn no_bare_scalar_in_the_output_is_ambiguous_under_yaml_1_1() {
    let yaml = render(Format::Yaml);
    let mut plain = 0;
    for event in Parser::new_from_str(&yaml) {
        let (event, span) = event.expect("valid YAML");
        if let Event::Scalar(text, ScalarStyle::Plain, ..) = event {
            plain += 1;
            let is_number = text.parse::<i64>().is_ok();
            let is_bool = text == "true" || text == "false";
            // Numbers and booleans we meant are fine bare; any other bare scalar must read
            // back as a string under every YAML 1.1 reader.
            assert!(
                is_number || is_bool || !yaml11::is_ambiguous_plain(&text),
                "line {}: `{text}` is written bare but a YAML 1.1 reader may not read it as a string",
                span.start.line()
            );
        }
    }
    assert!(plain > 100);
}

#[test]
fn no_line_of_a_value_looks_like_a_document_separator() {
    // kubectl splits streams on lines starting with `---`, before any YAML parsing.
    let yaml = render(Format::Yaml);
    for line in yaml.lines() {
        assert!(
            !line.starts_with("---") || line == "---",
            "`{line}` would split the document"
        );
        assert!(!line.starts_with("..."), "`{line}` would end the document");
    }
}
