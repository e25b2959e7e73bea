//! The pod template check: `spec.podTemplateSpec` read into the typed PodTemplateSpec, and
//! every key the typed round trip drops reported as unknown, as Kubernetes' strict field
//! validation would.

use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde::Deserialize;

use crate::node::{FieldPath, Node, Segment, Value};

use super::{Context, crd, pod_fields};

impl Context<'_> {
    /// Reads `spec.podTemplateSpec` into the typed PodTemplateSpec. Kubernetes rejects fields it
    /// does not know (strict field validation), and so do we: a key that does not survive the
    /// typed round trip is reported as unknown.
    pub(super) fn pod_template_spec(
        &mut self,
        node: &Node,
        base: &FieldPath,
        path: &FieldPath,
    ) -> Option<PodTemplateSpec> {
        // Read straight from the located tree, as from its JSON (`node::de`). Read plainly
        // first; only a template that fails is read again with serde_path_to_error, for the
        // path of the error (tracking it for every field of every valid template cost more
        // than the reading itself). Same value, same error.
        let typed = match PodTemplateSpec::deserialize(node) {
            Ok(typed) => Ok(typed),
            Err(_) => serde_path_to_error::deserialize::<_, PodTemplateSpec>(node),
        };
        let typed: PodTemplateSpec = match typed {
            Ok(typed) => typed,
            Err(e) => {
                let inner = json_path(e.path());
                let mut full = path.clone();
                full.0.extend(inner.0);
                self.report(
                    base,
                    &full,
                    format!("invalid PodTemplateSpec: {}", e.inner()),
                );
                return None;
            }
        };
        let back = serde_json::to_value(&typed).unwrap_or(serde_json::Value::Null);
        let mut unknown = Vec::new();
        unknown_keys(node, &back, path, &mut unknown);
        if !unknown.is_empty() {
            for field in unknown {
                let message = unknown_pod_field_message(&field);
                self.report(base, &field, message);
            }
            return None;
        }
        Some(typed)
    }
}

/// An unknown `podTemplateSpec` key: an error (ToolHive's operator would drop it silently),
/// with the closest field of its Kubernetes type when one is close.
fn unknown_pod_field_message(field: &FieldPath) -> String {
    let key = match field.0.last() {
        Some(Segment::Key(key)) => key.as_str(),
        _ => "",
    };
    let close = pod_fields::siblings(field).and_then(|f| crd::closest(key, f.iter().copied()));
    match close {
        Some(close) => format!(
            "unknown field in PodTemplateSpec (Kubernetes 1.35 has no such field here); did you mean `{close}`?"
        ),
        None => {
            "unknown field in PodTemplateSpec (Kubernetes 1.35 has no such field here)".to_string()
        }
    }
}

/// Converts serde_path_to_error's path into ours.
fn json_path(path: &serde_path_to_error::Path) -> FieldPath {
    let mut out = FieldPath::root();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.0.push(Segment::Index(*index)),
            serde_path_to_error::Segment::Map { key } => out.0.push(Segment::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => {
                out.0.push(Segment::Key(variant.clone()))
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    out
}

/// Keys of `input` (non-null) that the typed round trip `back` dropped: fields the type does
/// not know.
fn unknown_keys(
    input: &Node,
    back: &serde_json::Value,
    path: &FieldPath,
    out: &mut Vec<FieldPath>,
) {
    // The path is kept as borrowed steps and only turned into a FieldPath for a finding:
    // this runs over every key of every pod template.
    enum Step<'a> {
        Key(&'a str),
        Index(usize),
    }
    fn walk<'a>(
        input: &'a Node,
        back: &serde_json::Value,
        steps: &mut Vec<Step<'a>>,
        path: &FieldPath,
        out: &mut Vec<FieldPath>,
    ) {
        match (&input.value, back) {
            (Value::Map(a), serde_json::Value::Object(b)) => {
                for entry in a {
                    match b.get(&entry.key) {
                        Some(inner) => {
                            steps.push(Step::Key(&entry.key));
                            walk(&entry.value, inner, steps, path, out);
                            steps.pop();
                        }
                        None if entry.value.is_null() => {}
                        None => {
                            let mut found = path.clone();
                            found.0.extend(steps.iter().map(|step| match step {
                                Step::Key(key) => Segment::Key((*key).to_string()),
                                Step::Index(index) => Segment::Index(*index),
                            }));
                            found.0.push(Segment::Key(entry.key.clone()));
                            out.push(found);
                        }
                    }
                }
            }
            (Value::Seq(a), serde_json::Value::Array(b)) => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    steps.push(Step::Index(i));
                    walk(x, y, steps, path, out);
                    steps.pop();
                }
            }
            _ => {}
        }
    }
    walk(input, back, &mut Vec::new(), path, out);
}
