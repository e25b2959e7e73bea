//! Owners files: the live StatefulSets' UIDs, for the Services' ownerReferences.
//!
//! Accepted: `kubectl get statefulsets -o yaml|json` output (a `List` or one object per
//! document), and the lock file `mcp-render owners` writes (`namespace/name: uid` lines).
//! A UID is only ever taken from here; the tool never invents one.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::node::{FieldPath, Mark, Node, Value};

/// Where a UID came from, so a conflict can name both places.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    uid: String,
    at: String,
}

/// The UIDs of live StatefulSets, by namespace and name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owners {
    uids: BTreeMap<(String, String), String>,
    /// True when owners files were read (`--owners`), even if they name no StatefulSet.
    given: bool,
}

impl Owners {
    /// True when these UIDs come from owners files (`--owners`), false when none was given:
    /// then a missing UID is expected, not a stale file (one summary, no warning a server).
    pub fn given(&self) -> bool {
        self.given
    }

    /// The UID of StatefulSet `namespace/name`, if an owners file named it.
    pub fn uid(&self, namespace: &str, name: &str) -> Option<&str> {
        self.uids
            .get(&(namespace.to_string(), name.to_string()))
            .map(String::as_str)
    }

    /// Every entry, sorted by namespace and name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.uids
            .iter()
            .map(|((ns, name), uid)| (ns.as_str(), name.as_str(), uid.as_str()))
    }

    /// How many StatefulSets are known.
    pub fn len(&self) -> usize {
        self.uids.len()
    }

    /// True when no StatefulSet is known.
    pub fn is_empty(&self) -> bool {
        self.uids.is_empty()
    }
}

/// True for a UID in RFC 4122 text form (lower-case hex, 8-4-4-4-12) that is not the nil UUID.
pub fn is_valid_uid(uid: &str) -> bool {
    let groups: Vec<&str> = uid.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    groups.len() == 5
        && groups.iter().zip(lengths).all(|(g, len)| {
            g.len() == len
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
        && uid.bytes().any(|b| b != b'0' && b != b'-')
}

/// Reads owners files (already loaded as documents). Every problem is reported.
pub fn parse_owners(documents: &[Document]) -> (Owners, Diagnostics) {
    let mut seen: BTreeMap<(String, String), Seen> = BTreeMap::new();
    let mut diagnostics = Diagnostics::new();
    for document in documents {
        let mut add = |ns: &str,
                       name: &str,
                       uid: &str,
                       path: &FieldPath,
                       mark: Mark,
                       diagnostics: &mut Diagnostics| {
            let location = document.location(mark);
            if !is_valid_uid(uid) {
                let why = if uid.bytes().all(|b| b == b'0' || b == b'-') && !uid.is_empty() {
                    "is the nil UUID, which no live object has"
                } else {
                    "is not a UUID in RFC 4122 form (like 3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10)"
                };
                diagnostics.push(Diagnostic::error(
                    Some(location),
                    path.to_string(),
                    format!("`{uid}` {why}"),
                ));
                return;
            }
            let key = (ns.to_string(), name.to_string());
            match seen.get(&key) {
                Some(previous) if previous.uid != uid => diagnostics.push(Diagnostic::error(
                    Some(location),
                    path.to_string(),
                    format!(
                        "StatefulSet {ns}/{name} has two different UIDs: `{uid}` here and `{}` at {}",
                        previous.uid, previous.at
                    ),
                )),
                Some(_) => {}
                None => {
                    let at = document.location(mark).to_string();
                    seen.insert(key, Seen { uid: uid.to_string(), at });
                }
            }
        };
        let root = &document.root;
        let is_object = root.get("apiVersion").is_some() || root.get("kind").is_some();
        if !is_object {
            lock_file(document, &mut add, &mut diagnostics);
            continue;
        }
        let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
        let items: Vec<(FieldPath, &Node)> = match (kind.ends_with("List"), root.get("items")) {
            (
                true,
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }),
            ) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (FieldPath::root().key("items").index(i), item))
                .collect(),
            (true, _) => Vec::new(),
            (false, _) => vec![(FieldPath::root(), root)],
        };
        for (path, item) in items {
            statefulset(document, item, &path, &mut add, &mut diagnostics);
        }
    }
    let uids = seen.into_iter().map(|(key, s)| (key, s.uid)).collect();
    (Owners { uids, given: true }, diagnostics)
}

/// Records one UID: namespace, name, UID, the UID's field and where it is written.
type Add<'a> = dyn FnMut(&str, &str, &str, &FieldPath, Mark, &mut Diagnostics) + 'a;

fn statefulset(
    document: &Document,
    item: &Node,
    path: &FieldPath,
    add: &mut Add<'_>,
    diagnostics: &mut Diagnostics,
) {
    let error = |field: FieldPath, message: String, diagnostics: &mut Diagnostics| {
        let location = document.location(document.root.locate(&field));
        diagnostics.push(Diagnostic::error(
            Some(location),
            field.to_string(),
            message,
        ));
    };
    let api_version = item.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let kind = item.get("kind").and_then(Node::as_str).unwrap_or("");
    if (api_version, kind) != ("apps/v1", "StatefulSet") {
        error(
            path.key("kind"),
            format!("an owners file lists StatefulSets (apps/v1), found {api_version} {kind}"),
            diagnostics,
        );
        return;
    }
    let metadata = item.get("metadata");
    let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Node::as_str);
    let meta = path.key("metadata");
    match (text("namespace"), text("name"), text("uid")) {
        (Some(ns), Some(name), Some(uid)) => {
            let path = meta.key("uid");
            let mark = document.root.locate(&path);
            add(ns, name, uid, &path, mark, diagnostics)
        }
        (ns, name, _) => {
            let missing = if ns.is_none() {
                "namespace"
            } else if name.is_none() {
                "name"
            } else {
                "uid"
            };
            error(
                meta.key(missing),
                format!("is required: a live StatefulSet from kubectl has metadata.{missing}"),
                diagnostics,
            );
        }
    }
}

fn lock_file(document: &Document, add: &mut Add<'_>, diagnostics: &mut Diagnostics) {
    let Some(entries) = document.root.as_map() else {
        let location = document.location(document.root.mark);
        diagnostics.push(Diagnostic::error(
            Some(location),
            "",
            "an owners file is kubectl output (StatefulSets) or `namespace/name: uid` lines",
        ));
        return;
    };
    for entry in entries {
        let path = FieldPath::root().key(&entry.key);
        let location = document.location(entry.key_mark);
        let Some((ns, name)) = entry.key.split_once('/') else {
            diagnostics.push(Diagnostic::error(
                Some(location),
                entry.key.clone(),
                "expected `namespace/name: uid`",
            ));
            continue;
        };
        match entry.value.as_str() {
            // The key's own mark: locating it by path would search the whole mapping again.
            Some(uid) => add(ns, name, uid, &path, entry.key_mark, diagnostics),
            None => diagnostics.push(Diagnostic::error(
                Some(document.location(entry.value.mark)),
                entry.key.clone(),
                format!("expected a UID string, found {}", entry.value.value.kind()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_must_be_canonical_and_not_nil() {
        assert!(is_valid_uid("3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e10"));
        assert!(!is_valid_uid("00000000-0000-0000-0000-000000000000"));
        assert!(!is_valid_uid("3F9C1E2A-6B0D-4C39-9B9E-2D1F6C8A7E10"));
        assert!(!is_valid_uid("3f9c1e2a6b0d4c399b9e2d1f6c8a7e10"));
        assert!(!is_valid_uid(""));
        assert!(!is_valid_uid("test-uid-123"));
        assert!(!is_valid_uid("3f9c1e2a-6b0d-4c39-9b9e-2d1f6c8a7e1g"));
    }
}
