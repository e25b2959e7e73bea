//! The reports of [`compare`](super::compare): a summary table for the terminal, JSON for bots,
//! Markdown for a pull-request comment, GitHub annotations, and the `--fail-on` decision.

use serde::Serialize;

use super::{Change, Class};

/// Which changes fail a drift gate (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Only changes the API server would reject.
    Rejected,
    /// Rejected changes, deletions and rollouts (pod restarts): creations and in-place
    /// updates pass.
    Rollout,
    /// Any change (the default: the committed folder must be up to date).
    #[default]
    Any,
}

impl FailOn {
    /// Whether `changes` fail the gate.
    pub fn fails(self, changes: &[Change]) -> bool {
        changes.iter().any(|c| match self {
            FailOn::Rejected => c.class == Class::Rejected,
            FailOn::Rollout => matches!(c.class, Class::Rejected | Class::Delete | Class::Rollout),
            FailOn::Any => true,
        })
    }
}

/// How many changes of each class, in [`Class::ALL`] order.
pub fn counts(changes: &[Change]) -> Vec<(Class, usize)> {
    Class::ALL
        .iter()
        .map(|&class| (class, changes.iter().filter(|c| c.class == class).count()))
        .collect()
}

/// `tools/fetch`, or `fetch` without a namespace.
fn qualified(change: &Change) -> String {
    match &change.key.namespace {
        Some(ns) => format!("{ns}/{}", change.key.name),
        None => change.key.name.clone(),
    }
}

/// At most three fields, then how many more.
fn fields(change: &Change) -> String {
    const SHOWN: usize = 3;
    let mut text = change
        .fields
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if change.fields.len() > SHOWN {
        text.push_str(&format!(" (+{} more)", change.fields.len() - SHOWN));
    }
    text
}

/// The summary printed before a diff: counts per class, then one line per object, most
/// serious first.
pub fn summary(changes: &[Change]) -> String {
    let counts: Vec<String> = counts(changes)
        .into_iter()
        .map(|(class, n)| format!("{n} {class}"))
        .collect();
    let mut text = format!("what the change will do: {}\n", counts.join(", "));
    let mut rows: Vec<[String; 4]> = Vec::new();
    for class in Class::ALL {
        for change in changes.iter().filter(|c| c.class == class) {
            rows.push([
                class.to_string(),
                change.key.kind.clone(),
                qualified(change),
                fields(change),
            ]);
        }
    }
    let width = |i: usize| rows.iter().map(|r| r[i].len()).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for [class, kind, name, fields] in rows {
        let line = format!("  {class:<w0$}  {kind:<w1$}  {name:<w2$}  {fields}");
        text.push_str(line.trim_end());
        text.push('\n');
    }
    for change in changes.iter().filter(|c| c.class == Class::Rejected) {
        if let Some(note) = &change.note {
            text.push_str(&format!(
                "  {} {}: {note}\n",
                change.key.kind,
                qualified(change)
            ));
        }
    }
    text
}

#[derive(Serialize)]
struct JsonReport<'a> {
    changes: Vec<JsonChange<'a>>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
    class: &'static str,
    fields: &'a [String],
    file: Option<&'a str>,
    note: Option<&'a str>,
}

/// `{"changes": [{"kind", "namespace", "name", "class", "fields", "file", "note"}]}`, in the
/// stable order of [`compare`](super::compare), pretty-printed, with a final newline.
pub fn json(changes: &[Change]) -> String {
    let report = JsonReport {
        changes: changes
            .iter()
            .map(|c| JsonChange {
                kind: &c.key.kind,
                namespace: c.key.namespace.as_deref(),
                name: &c.key.name,
                class: c.class.as_str(),
                fields: &c.fields,
                file: c.file.as_deref(),
                note: c.note.as_deref(),
            })
            .collect(),
    };
    // Serialising plain strings and lists cannot fail.
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// A short pull-request comment: counts per class, the objects that will be rejected,
/// deleted or restart, and the diff folded away.
pub fn markdown(changes: &[Change], diff: &str) -> Result<String, minijinja::Error> {
    let env = crate::templates::environment()?;
    let template = env.get_template("report/pull-request.md.j2")?;
    let row = |c: &Change| {
        minijinja::context! {
            class => c.class.as_str(),
            kind => &c.key.kind,
            name => qualified(c),
            fields => fields(c),
            file => c.file.as_deref(),
            note => c.note.as_deref(),
        }
    };
    let serious: Vec<_> = Class::ALL
        .iter()
        .filter(|class| matches!(class, Class::Rejected | Class::Delete | Class::Rollout))
        .flat_map(|&class| changes.iter().filter(move |c| c.class == class))
        .map(row)
        .collect();
    let counts: Vec<_> = counts(changes)
        .into_iter()
        .map(|(class, n)| minijinja::context! { class => class.as_str(), n => n })
        .collect();
    // A fence longer than any run of backticks in the diff, so no line of it can close the
    // block.
    let longest = diff.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    template.render(minijinja::context! {
        counts => counts,
        serious => serious,
        total => changes.len(),
        diff => diff,
        fence => fence,
    })
}

/// GitHub annotations: `rejected` as errors, `rollout` and `delete` as warnings; other
/// classes need none.
pub fn github(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .filter_map(|c| {
            let level = match c.class {
                Class::Rejected => "error",
                Class::Rollout | Class::Delete => "warning",
                Class::Create | Class::InPlace => return None,
            };
            let mut message = format!("{}: {} {}", c.class, c.key.kind, qualified(c));
            if !c.fields.is_empty() {
                message.push_str(&format!(" ({})", fields(c)));
            }
            if let Some(note) = &c.note {
                message.push_str(&format!(": {note}"));
            }
            Some(crate::github::command(
                level,
                c.file.as_deref(),
                Some(1),
                None,
                &message,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impact::Key;

    fn change(class: Class, name: &str, fields: &[&str]) -> Change {
        Change {
            key: Key {
                group: "apps".into(),
                kind: "StatefulSet".into(),
                namespace: Some("tools".into()),
                name: name.into(),
            },
            class,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            file: Some(format!("tools/{name}.yaml")),
            note: (class == Class::Rejected).then(|| "recreate it".to_string()),
        }
    }

    #[test]
    fn fail_on_levels() {
        let rollout = [change(Class::Rollout, "a", &["spec.template"])];
        let created = [change(Class::Create, "a", &[])];
        let rejected = [change(Class::Rejected, "a", &["spec.serviceName"])];
        assert!(!FailOn::Rejected.fails(&rollout));
        assert!(FailOn::Rejected.fails(&rejected));
        assert!(FailOn::Rollout.fails(&rollout));
        assert!(!FailOn::Rollout.fails(&created));
        assert!(FailOn::Any.fails(&created));
        assert!(!FailOn::Any.fails(&[]));
    }

    #[test]
    fn summary_lists_the_serious_first() {
        let changes = [
            change(Class::InPlace, "a", &["spec.replicas"]),
            change(
                Class::Rejected,
                "b",
                &["spec.serviceName", "spec.selector", "spec.x", "spec.y"],
            ),
        ];
        let text = summary(&changes);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "what the change will do: 1 rejected, 0 delete, 0 rollout, 0 create, 1 in-place"
        );
        assert_eq!(
            lines[1],
            "  rejected  StatefulSet  tools/b  spec.serviceName, spec.selector, spec.x (+1 more)"
        );
        assert_eq!(lines[2], "  in-place  StatefulSet  tools/a  spec.replicas");
        assert_eq!(lines[3], "  StatefulSet tools/b: recreate it");
    }

    #[test]
    fn json_and_annotations() {
        let changes = [change(
            Class::Rollout,
            "a",
            &["spec.template.spec.containers[0].image"],
        )];
        let value: serde_json::Value = serde_json::from_str(&json(&changes)).expect("JSON");
        assert_eq!(value["changes"][0]["class"], "rollout");
        assert_eq!(value["changes"][0]["file"], "tools/a.yaml");
        assert_eq!(
            github(&changes),
            [
                "::warning file=tools/a.yaml,line=1::rollout: StatefulSet tools/a (spec.template.spec.containers[0].image)"
            ]
        );
        assert!(github(&[change(Class::InPlace, "a", &["x"])]).is_empty());
    }

    #[test]
    fn markdown_folds_the_diff() {
        let changes = [change(Class::Rejected, "b", &["spec.serviceName"])];
        let text = markdown(&changes, "--- a/x\n+++ b/x\n").expect("renders");
        assert!(text.contains("| rejected | 1 |"), "{text}");
        assert!(text.contains("<details>"), "{text}");
        assert!(text.contains("```diff\n--- a/x\n+++ b/x\n```"), "{text}");
        assert!(text.contains("recreate it"), "{text}");
    }
}
