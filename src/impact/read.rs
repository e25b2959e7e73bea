//! The two sides of a comparison: objects read from renders (`mcp-render diff OLD NEW`), or
//! from a rendered folder and the files a fresh render would write (`render --check`).

use std::io::Read;
use std::path::PathBuf;

use serde_json::Value;

use super::{Change, Object};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::emit::dir::{Change as FileChange, Drift, Files};
use crate::load::{self, Limits};

/// The objects of the renders in `paths` (files, folders read recursively, `-` or nothing
/// for stdin), as mcp-render reads its input (YAML 1.1, as kubectl does). `List`s are
/// unpacked; a folder's `kustomization.yaml` and empty documents are skipped. Warns about
/// MCPServers: `diff` compares renders, not their inputs.
pub fn read(
    paths: &[PathBuf],
    stdin: &mut dyn Read,
    limits: &Limits,
) -> Result<(Vec<Object>, Diagnostics), Diagnostics> {
    let (documents, mut diagnostics) = load::load(paths, stdin, limits);
    let mut objects = Vec::new();
    for document in &documents {
        let value = document.root.to_json();
        let file = Some(document.source.to_string());
        for object in unpack(value) {
            if object["kind"] == "MCPServer" {
                diagnostics.push(Diagnostic::warning(
                    Some(document.location(document.root.mark)),
                    "kind",
                    "an MCPServer: `mcp-render diff` compares renders; render both sides first (`mcp-render render DIR > side.yaml`)".to_string(),
                ));
            }
            objects.push(Object {
                value: object,
                file: file.clone(),
            });
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok((objects, diagnostics))
}

/// The objects of a document: a `*List`'s items, nothing for an empty document or a
/// kustomization, else the document itself.
fn unpack(value: Value) -> Vec<Value> {
    if value.is_null() || value["kind"] == "Kustomization" {
        return Vec::new();
    }
    let is_list = value["kind"].as_str().is_some_and(|k| k.ends_with("List"));
    match value {
        Value::Object(mut map) if is_list && map.get("items").is_some_and(Value::is_array) => {
            match map.remove("items") {
                Some(Value::Array(items)) => items.into_iter().flat_map(unpack).collect(),
                _ => Vec::new(),
            }
        }
        other => vec![other],
    }
}

/// What `render -o DIR --check` compares: the objects of the files that differ, as DIR has
/// them (old, as [`crate::dir::check`] read them) and as the render would write them (new).
/// Files that are equal hold equal objects and are not parsed. `label` is DIR as the user
/// wrote it, for the files named.
pub fn changes_of_drift(
    label: &str,
    drift: &Drift,
    files: &Files,
) -> Result<Vec<Change>, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let (mut old, mut new) = (Vec::new(), Vec::new());
    for file in &drift.files {
        let name = crate::emit::dir::shown(label, &file.path);
        if let Some(text) = &file.old {
            objects_of(&name, text, &mut old, &mut diagnostics);
        }
        if matches!(file.change, FileChange::Changed | FileChange::Missing)
            && let Some(text) = files.get(&file.path)
        {
            objects_of(&name, text, &mut new, &mut diagnostics);
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(super::compare(&old, &new))
}

fn objects_of(name: &str, text: &str, out: &mut Vec<Object>, diagnostics: &mut Diagnostics) {
    match crate::run::read_yaml_stream(name, text) {
        Ok(values) => out.extend(values.into_iter().flat_map(unpack).map(|value| Object {
            value,
            file: Some(name.to_string()),
        })),
        Err(d) => diagnostics.push(d),
    }
}
