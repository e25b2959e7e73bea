//! Reads a CustomResourceDefinition into a [`Crd`], and writes a [`Crd`] as the Rust source
//! of [`super::table`].
//!
//! The generator (`cargo run --example generate-crd-table -- CRD_FILE TOOLHIVE_VERSION`) and
//! `render --crd FILE` both go through [`load`]. Only what the checker uses is kept: types,
//! enums, bounds, lengths, patterns, `required` (minus fields with a default), list types and
//! keys, and the messages of the CEL rules; description texts are dropped.

use serde_json::Value;

use super::{Crd, Field, List, Object, Type, Version};
use crate::model::TOOLHIVE_GROUP;

/// Where ToolHive keeps the CRD file the built-in table is generated from.
pub const UPSTREAM_PATH: &str =
    "deploy/charts/operator-crds/files/crds/toolhive.stacklok.dev_mcpservers.yaml";

/// Reads the MCPServer CRD from its YAML or JSON text (as ToolHive ships it, or as
/// `kubectl get crd mcpservers.toolhive.stacklok.dev -o yaml` prints it).
///
/// The schema is kept for the rest of the process (leaked): a run reads at most one CRD.
pub fn load(text: &str) -> Result<Crd, String> {
    let crd: Value = serde_saphyr::from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    if crd.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
        return Err(
            "not a CustomResourceDefinition (kind is not `CustomResourceDefinition`)".into(),
        );
    }
    let spec = crd.get("spec").ok_or("has no `spec`")?;
    let group = spec.get("group").and_then(Value::as_str);
    let kind = spec.pointer("/names/kind").and_then(Value::as_str);
    if group != Some(TOOLHIVE_GROUP) || kind != Some("MCPServer") {
        return Err(format!(
            "is not the MCPServer CRD (group `{}`, kind `{}`; expected `{TOOLHIVE_GROUP}`, `MCPServer`)",
            group.unwrap_or(""),
            kind.unwrap_or("")
        ));
    }
    let mut versions = Vec::new();
    for (i, version) in array(spec.get("versions")).iter().enumerate() {
        let name = version
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("spec.versions[{i}].name is missing"))?;
        if version.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let path = format!("spec.versions[{i}].schema.openAPIV3Schema.properties.spec");
        let schema = version
            .pointer("/schema/openAPIV3Schema/properties/spec")
            .ok_or_else(|| format!("{path} is missing"))?;
        let Type::Object(object) = ty(schema, &path)? else {
            return Err(format!("{path} is not an object with properties"));
        };
        let deprecation_warning = if version.get("deprecated").and_then(Value::as_bool)
            == Some(true)
        {
            Some(leak_str(
                version
                    .get("deprecationWarning")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    // The API server's own text when the CRD gives none.
                    .unwrap_or_else(|| format!("{TOOLHIVE_GROUP}/{name} MCPServer is deprecated")),
            ))
        } else {
            None
        };
        versions.push(Version {
            name: leak_str(name.to_string()),
            deprecation_warning,
            spec: object,
        });
    }
    if versions.is_empty() {
        return Err("serves no version".into());
    }
    Ok(Crd {
        versions: Box::leak(versions.into_boxed_slice()),
    })
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn leak_str(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn uint(schema: &Value, key: &str, path: &str) -> Result<Option<u64>, String> {
    match schema.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{path}.{key} is not a non-negative integer")),
    }
}

fn int(schema: &Value, key: &str, path: &str) -> Result<Option<i64>, String> {
    match schema.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| format!("{path}.{key} is not an integer")),
    }
}

/// The type of one OpenAPI schema node.
fn ty(schema: &Value, path: &str) -> Result<Type, String> {
    let preserve = schema
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true);
    if schema
        .get("x-kubernetes-int-or-string")
        .and_then(Value::as_bool)
        == Some(true)
    {
        return Ok(Type::Any);
    }
    let Some(name) = schema.get("type").and_then(Value::as_str) else {
        return Ok(Type::Any);
    };
    Ok(match name {
        "string" => match schema.get("enum").and_then(Value::as_array) {
            Some(values) => {
                let values: Vec<&'static str> = values
                    .iter()
                    .map(|v| v.as_str().map(|s| leak_str(s.to_string())))
                    .collect::<Option<_>>()
                    .ok_or_else(|| format!("{path}.enum has a value that is not a string"))?;
                Type::Enum(Box::leak(values.into_boxed_slice()))
            }
            None => {
                let pattern = match schema.get("pattern") {
                    None => None,
                    Some(p) => {
                        let p = p
                            .as_str()
                            .ok_or_else(|| format!("{path}.pattern is not a string"))?;
                        regex::Regex::new(p)
                            .map_err(|e| format!("{path}.pattern `{p}` does not compile: {e}"))?;
                        Some(leak_str(p.to_string()))
                    }
                };
                Type::String {
                    min_length: uint(schema, "minLength", path)?,
                    max_length: uint(schema, "maxLength", path)?,
                    pattern,
                }
            }
        },
        "integer" => {
            let (low, high) = match schema.get("format").and_then(Value::as_str) {
                Some("int32") => (Some(i64::from(i32::MIN)), Some(i64::from(i32::MAX))),
                _ => (None, None),
            };
            let min = int(schema, "minimum", path)?;
            let max = int(schema, "maximum", path)?;
            Type::Integer {
                min: min.max(low).or(low),
                max: match (max, high) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                },
            }
        }
        "number" => Type::Number,
        "boolean" => Type::Boolean,
        "array" => {
            let item_path = format!("{path}.items");
            let item = match schema.get("items") {
                Some(items) => ty(items, &item_path)?,
                None => Type::Any,
            };
            let list_type = schema.get("x-kubernetes-list-type").and_then(Value::as_str);
            let map_keys: Vec<&'static str> = if list_type == Some("map") {
                array(schema.get("x-kubernetes-list-map-keys"))
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|k| leak_str(k.to_string()))
                    .collect()
            } else {
                Vec::new()
            };
            Type::List(leak(List {
                item,
                min_items: uint(schema, "minItems", path)?,
                max_items: uint(schema, "maxItems", path)?,
                map_keys: Box::leak(map_keys.into_boxed_slice()),
                set: list_type == Some("set"),
            }))
        }
        "object" => match (
            schema.get("properties").and_then(Value::as_object),
            preserve,
        ) {
            (Some(properties), false) => {
                let required: Vec<&str> = array(schema.get("required"))
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                let mut fields = Vec::new();
                for (name, property) in properties {
                    fields.push(Field {
                        name: leak_str(name.clone()),
                        ty: ty(property, &format!("{path}.properties.{name}"))?,
                        required: required.contains(&name.as_str())
                            && property.get("default").is_none(),
                    });
                }
                let rules: Vec<&'static str> = array(schema.get("x-kubernetes-validations"))
                    .iter()
                    .filter_map(|rule| rule.get("message").and_then(Value::as_str))
                    .map(|m| leak_str(m.to_string()))
                    .collect();
                Type::Object(leak(Object {
                    fields: Box::leak(fields.into_boxed_slice()),
                    rules: Box::leak(rules.into_boxed_slice()),
                }))
            }
            _ if preserve => Type::AnyObject,
            _ => match schema.get("additionalProperties") {
                Some(Value::Object(_)) => {
                    let value = ty(
                        &schema["additionalProperties"],
                        &format!("{path}.additionalProperties"),
                    )?;
                    Type::Map(leak(value))
                }
                _ => Type::AnyObject,
            },
        },
        other => return Err(format!("{path}.type `{other}` is not an OpenAPI type")),
    })
}

/// The messages of every CEL rule in `crd` that mcp-render has no implementation of
/// ([`super::RULES`]), each once, in the order of the CRD.
pub fn unimplemented_rules(crd: &Crd) -> Vec<&'static str> {
    let mut out = rule_messages(crd);
    out.retain(|message| super::rule(message).is_none());
    out
}

/// Every rule message in `crd`, each once, in the order of the CRD.
pub fn rule_messages(crd: &Crd) -> Vec<&'static str> {
    fn walk(ty: &Type, out: &mut Vec<&'static str>) {
        match ty {
            Type::Object(object) => object_rules(object, out),
            Type::List(list) => walk(&list.item, out),
            Type::Map(value) => walk(value, out),
            _ => {}
        }
    }
    fn object_rules(object: &Object, out: &mut Vec<&'static str>) {
        for message in object.rules {
            if !out.contains(message) {
                out.push(message);
            }
        }
        for field in object.fields {
            walk(&field.ty, out);
        }
    }
    let mut out = Vec::new();
    for version in crd.versions {
        object_rules(version.spec, &mut out);
    }
    out
}

/// The Rust source of [`super::table`] for `crd`, read from ToolHive `toolhive_version`'s CRD.
pub fn rust_source(crd: &Crd, toolhive_version: &str) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "//! The MCPServer CRD of ToolHive {toolhive_version}, generated from `{UPSTREAM_PATH}`\n\
         //! (<https://github.com/stacklok/toolhive/blob/{toolhive_version}/{UPSTREAM_PATH}>) by\n\
         //! `cargo run --example generate-crd-table -- FILE {toolhive_version} > src/parse/crd/table.rs`.\n\
         //! Do not edit: a test regenerates it and compares.\n\n\
         use super::{{Crd, Field, List, Object, STRING, Type, Version}};\n\n\
         /// The ToolHive release the table (and the rendering) follow.\n\
         pub const TOOLHIVE_VERSION: &str = {toolhive_version:?};\n\n\
         /// The ToolHive file the table is generated from.\n\
         pub const SOURCE_FILE: &str = {UPSTREAM_PATH:?};\n\n"
    ));
    // Versions with the same schema share one constant.
    let mut consts: Vec<(String, &Object)> = Vec::new();
    for version in crd.versions {
        if !consts.iter().any(|(_, o)| *o == version.spec) {
            let name = format!("{}_SPEC", version.name.to_ascii_uppercase());
            out.push_str(&format!(
                "/// The `spec` schema of `{}`.\npub const {name}: Object = ",
                version.name
            ));
            object(version.spec, 0, &mut out);
            out.push_str(";\n\n");
            consts.push((name, version.spec));
        }
    }
    out.push_str(&format!(
        "/// The built-in CRD (ToolHive {toolhive_version}).\npub const CRD: Crd = Crd {{\n    versions: &[\n"
    ));
    for version in crd.versions {
        let name = consts
            .iter()
            .find(|(_, o)| *o == version.spec)
            .map_or("", |(n, _)| n.as_str());
        out.push_str(&format!(
            "        Version {{\n            name: {:?},\n            deprecation_warning: {:?},\n            spec: &{name},\n        }},\n",
            version.name, version.deprecation_warning
        ));
    }
    out.push_str("    ],\n};\n");
    out
}

fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn object(object: &Object, level: usize, out: &mut String) {
    out.push_str("Object {\n");
    indent(level + 1, out);
    out.push_str("fields: &[\n");
    for field in object.fields {
        indent(level + 2, out);
        out.push_str(&format!(
            "Field {{ name: {:?}, required: {}, ty: ",
            field.name, field.required
        ));
        ty_source(&field.ty, level + 2, out);
        out.push_str(" },\n");
    }
    indent(level + 1, out);
    out.push_str("],\n");
    indent(level + 1, out);
    out.push_str(&format!("rules: &{:?},\n", object.rules));
    indent(level, out);
    out.push('}');
}

fn ty_source(ty: &Type, level: usize, out: &mut String) {
    match ty {
        &super::STRING => out.push_str("STRING"),
        Type::String {
            min_length,
            max_length,
            pattern,
        } => out.push_str(&format!(
            "Type::String {{ min_length: {min_length:?}, max_length: {max_length:?}, pattern: {pattern:?} }}"
        )),
        Type::Integer { min, max } => {
            out.push_str(&format!("Type::Integer {{ min: {min:?}, max: {max:?} }}"))
        }
        Type::Number => out.push_str("Type::Number"),
        Type::Boolean => out.push_str("Type::Boolean"),
        Type::Enum(values) => out.push_str(&format!("Type::Enum(&{values:?})")),
        Type::Object(o) => {
            out.push_str("Type::Object(&");
            object(o, level, out);
            out.push(')');
        }
        Type::List(list) => {
            out.push_str("Type::List(&List { item: ");
            ty_source(&list.item, level, out);
            out.push_str(&format!(
                ", min_items: {:?}, max_items: {:?}, map_keys: &{:?}, set: {} }})",
                list.min_items, list.max_items, list.map_keys, list.set
            ));
        }
        Type::Map(value) => {
            out.push_str("Type::Map(&");
            ty_source(value, level, out);
            out.push(')');
        }
        Type::AnyObject => out.push_str("Type::AnyObject"),
        Type::Any => out.push_str("Type::Any"),
    }
}
