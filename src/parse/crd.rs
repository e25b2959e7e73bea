//! The MCPServer CRD's shape, as data: one table drives the strict field check here and the
//! JSON Schema that `mcp-render schema` prints.
//!
//! The table ([`table`]) is generated from ToolHive's CRD file by
//! `cargo run --example generate-crd-table` ([`generate`]); what the CRD cannot say (one-line
//! descriptions, which fields change the output, which were removed) is in [`overlay`], which
//! tests keep in step with the table. `render --crd FILE` checks against a CRD read at run
//! time instead ([`generate::load`]).

pub mod generate;
pub mod overlay;
#[rustfmt::skip]
pub mod table;

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, OnceLock};

use crate::model::ApiVersion;
use crate::node::{FieldPath, Node, Segment, Value};

pub use self::overlay::{RENDERED_FIELDS, description};
pub use self::table::{CRD, SOURCE_FILE, TOOLHIVE_VERSION};

/// A CRD's MCPServer versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crd {
    /// Every version the CRD serves.
    pub versions: &'static [Version],
}

/// One served version of the CRD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// `v1beta1`, `v1alpha1`, ...
    pub name: &'static str,
    /// The warning the API server gives for objects of this version, when it is deprecated.
    pub deprecation_warning: Option<&'static str>,
    /// The schema of `spec`.
    pub spec: &'static Object,
}

/// The type of a field, as the CRD's OpenAPI schema declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A string, with optional length bounds (in characters) and a pattern (RE2 syntax).
    String {
        /// `minLength`.
        min_length: Option<u64>,
        /// `maxLength`.
        max_length: Option<u64>,
        /// `pattern`.
        pattern: Option<&'static str>,
    },
    /// An integer within optional bounds (inclusive); `format: int32` gives int32's bounds.
    Integer {
        /// Smallest allowed value.
        min: Option<i64>,
        /// Largest allowed value.
        max: Option<i64>,
    },
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// A mapping with exactly these fields.
    Object(&'static Object),
    /// A list.
    List(&'static List),
    /// A mapping of any keys to values of one type (labels, annotations).
    Map(&'static Type),
    /// Any mapping (`x-kubernetes-preserve-unknown-fields`, checked elsewhere if at all).
    AnyObject,
    /// Any value at all (server-set fields we ignore).
    Any,
}

/// A plain string.
pub const STRING: Type = Type::String {
    min_length: None,
    max_length: None,
    pattern: None,
};

/// An object type: its fields and the CEL rules (`x-kubernetes-validations`) on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object {
    /// The fields.
    pub fields: &'static [Field],
    /// The messages of its CEL rules; each has an implementation in [`RULES`].
    pub rules: &'static [&'static str],
}

/// A list type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct List {
    /// The type of each item.
    pub item: Type,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `x-kubernetes-list-type: map`: items are unique by these keys.
    pub map_keys: &'static [&'static str],
    /// `x-kubernetes-list-type: set`: items are unique.
    pub set: bool,
}

/// One field of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The JSON name.
    pub name: &'static str,
    /// Its type.
    pub ty: Type,
    /// True when the CRD marks it required and gives it no default (a default fills it in
    /// before the API server validates).
    pub required: bool,
}

const fn field(name: &'static str, ty: Type) -> Field {
    Field {
        name,
        ty,
        required: false,
    }
}

const ANY_INTEGER: Type = Type::Integer {
    min: None,
    max: None,
};

/// `metadata` fields of any object (ObjectMeta; the CRD says only `type: object`).
pub const METADATA_FIELDS: &[Field] = &[
    Field {
        name: "name",
        ty: STRING,
        required: true,
    },
    field("namespace", STRING),
    field("labels", Type::Map(&STRING)),
    field("annotations", Type::Map(&STRING)),
    field("generateName", STRING),
    field("uid", STRING),
    field("resourceVersion", STRING),
    field("generation", ANY_INTEGER),
    field("creationTimestamp", STRING),
    field("deletionTimestamp", STRING),
    field("deletionGracePeriodSeconds", ANY_INTEGER),
    field("finalizers", Type::List(&List::of(STRING))),
    field("ownerReferences", Type::List(&List::of(Type::AnyObject))),
    field("managedFields", Type::List(&List::of(Type::AnyObject))),
    field("selfLink", STRING),
];

impl List {
    /// A plain list of `item`.
    pub const fn of(item: Type) -> List {
        List {
            item,
            min_items: None,
            max_items: None,
            map_keys: &[],
            set: false,
        }
    }
}

impl Crd {
    /// The version named `name`.
    pub fn version(&self, name: &str) -> Option<&'static Version> {
        self.versions.iter().find(|v| v.name == name)
    }

    /// The spec schema of an API version mcp-render reads, or `None` when this CRD does not
    /// serve it.
    pub fn spec(&self, version: ApiVersion) -> Option<&'static Version> {
        self.version(version_name(version))
    }
}

/// The version's name as the CRD spells it.
pub fn version_name(version: ApiVersion) -> &'static str {
    match version {
        ApiVersion::V1alpha1 => "v1alpha1",
        ApiVersion::V1beta1 => "v1beta1",
    }
}

/// The top-level fields of an MCPServer whose spec has the schema `spec`.
pub fn top_fields(spec: &'static Object) -> [Field; 5] {
    let required = |name, ty| Field {
        name,
        ty,
        required: true,
    };
    [
        required("apiVersion", STRING),
        required("kind", STRING),
        required("metadata", Type::Object(&METADATA)),
        required("spec", Type::Object(spec)),
        field("status", Type::Any),
    ]
}

const METADATA: Object = Object {
    fields: METADATA_FIELDS,
    rules: &[],
};

/// The spec fields of an API version in the built-in CRD (ToolHive [`TOOLHIVE_VERSION`]).
pub fn spec_fields(version: ApiVersion) -> &'static [Field] {
    CRD.spec(version).map_or(&[], |v| v.spec.fields)
}

/// The paths of the fields set in `node` (a spec) that `object` does not have: what a
/// `--crd` schema accepted and the built-in one does not know.
pub fn unknown_paths(node: &Node, object: &'static Object, path: &FieldPath) -> Vec<FieldPath> {
    fn walk(node: &Node, ty: &Type, path: &FieldPath, out: &mut Vec<FieldPath>) {
        match (ty, &node.value) {
            (Type::Object(object), Value::Map(entries)) => {
                for entry in entries.iter().filter(|e| !e.value.is_null()) {
                    let here = path.key(&entry.key);
                    match object.fields.iter().find(|f| f.name == entry.key) {
                        Some(field) => walk(&entry.value, &field.ty, &here, out),
                        None => out.push(here),
                    }
                }
            }
            (Type::List(list), Value::Seq(items)) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &list.item, &path.index(i), out);
                }
            }
            (Type::Map(value), Value::Map(entries)) => {
                for entry in entries {
                    walk(&entry.value, value, &path.key(&entry.key), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(node, &Type::Object(object), path, &mut out);
    out
}

/// A field check failure: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field.
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
}

/// Checks `node` against `fields` (an object without CEL rules), appending every problem found.
pub fn check_object(node: &Node, fields: &[Field], path: &FieldPath, problems: &mut Vec<Problem>) {
    object_at(node, fields, &[], &mut At::new(path), problems);
}

/// Checks one value against a type.
pub fn check_value(
    node: &Node,
    ty: &Type,
    required: bool,
    path: &FieldPath,
    problems: &mut Vec<Problem>,
) {
    value_at(node, ty, required, &mut At::new(path), problems);
}

/// Where the check is: a base path and borrowed steps below it. The check visits every
/// field of every server, so the path is only built into a [`FieldPath`] for a problem.
struct At<'p, 'n> {
    base: &'p FieldPath,
    steps: Vec<Step<'n>>,
}

enum Step<'n> {
    Key(&'n str),
    Index(usize),
}

impl<'n> At<'_, 'n> {
    fn new(base: &FieldPath) -> At<'_, 'n> {
        At {
            base,
            steps: Vec::new(),
        }
    }

    fn path(&self) -> FieldPath {
        let mut path = self.base.clone();
        path.0.extend(self.steps.iter().map(|step| match step {
            Step::Key(key) => Segment::Key((*key).to_string()),
            Step::Index(index) => Segment::Index(*index),
        }));
        path
    }

    fn problem(&self, message: String, problems: &mut Vec<Problem>) {
        problems.push(Problem {
            path: self.path(),
            message,
        });
    }

    /// Runs `check` one step further down.
    fn below(&mut self, step: Step<'n>, check: impl FnOnce(&mut Self)) {
        self.steps.push(step);
        check(self);
        self.steps.pop();
    }
}

fn object_at<'n>(
    node: &'n Node,
    fields: &[Field],
    rules: &[&str],
    at: &mut At<'_, 'n>,
    problems: &mut Vec<Problem>,
) {
    let Value::Map(entries) = &node.value else {
        at.problem(
            format!("expected a mapping, found {}", node.value.kind()),
            problems,
        );
        return;
    };
    for entry in entries {
        at.below(Step::Key(&entry.key), |at| {
            match fields.iter().find(|f| f.name == entry.key) {
                Some(f) => value_at(&entry.value, &f.ty, f.required, at, problems),
                None => {
                    let path = at.path();
                    let message = overlay::removed(&path, &entry.value)
                        .unwrap_or_else(|| unknown_field_message(&entry.key, fields));
                    at.problem(message, problems)
                }
            }
        });
    }
    for f in fields.iter().filter(|f| f.required) {
        if node.get(f.name).is_none() {
            at.below(Step::Key(f.name), |at| {
                at.problem("is required".to_string(), problems)
            });
        }
    }
    for message in rules {
        // A rule without an implementation is reported once, when its CRD is loaded
        // (`generate::load`); the built-in table has none (a test checks).
        if let Some(rule) = rule(message)
            && !(rule.holds)(node)
        {
            let message = (*message).to_string();
            if rule.blame.is_empty() {
                at.problem(message, problems);
            } else {
                at.below(Step::Key(rule.blame), |at| at.problem(message, problems));
            }
        }
    }
}

fn value_at<'n>(
    node: &'n Node,
    ty: &Type,
    required: bool,
    at: &mut At<'_, 'n>,
    problems: &mut Vec<Problem>,
) {
    if node.is_null() {
        if required {
            at.problem("is required and must not be null".to_string(), problems);
        }
        return;
    }
    match (ty, &node.value) {
        (
            Type::String {
                min_length,
                max_length,
                pattern,
            },
            Value::Str(s),
        ) => string_at(s, *min_length, *max_length, *pattern, at, problems),
        (Type::Boolean, Value::Bool(_))
        | (Type::Number, Value::Number(_))
        | (Type::AnyObject, Value::Map(_))
        | (Type::Any, _) => {}
        (Type::Integer { min, max }, Value::Number(n)) => match n.as_i64() {
            None => at.problem(format!("expected an integer, found {n}"), problems),
            Some(i) => {
                if min.is_some_and(|min| i < min) || max.is_some_and(|max| i > max) {
                    at.problem(
                        format!("{i} is out of range ({})", range_text(*min, *max)),
                        problems,
                    );
                }
            }
        },
        (Type::Enum(allowed), Value::Str(s)) => {
            if s.is_empty() {
                let message = format!("must not be empty: use one of {}", quoted_list(allowed));
                at.problem(message, problems);
            } else if !allowed.contains(&s.as_str()) {
                let mut message = format!("`{s}` is not one of {}", quoted_list(allowed));
                if let Some(close) = closest(s, allowed.iter().copied()) {
                    message.push_str(&format!("; did you mean `{close}`?"));
                }
                at.problem(message, problems);
            }
        }
        (Type::Object(object), Value::Map(_)) => {
            object_at(node, object.fields, object.rules, at, problems)
        }
        (Type::List(list), Value::Seq(items)) => list_at(list, items, at, problems),
        (Type::Map(value), Value::Map(entries)) => {
            for entry in entries {
                at.below(Step::Key(&entry.key), |at| {
                    value_at(&entry.value, value, true, at, problems)
                });
            }
        }
        (_, found) => {
            let mut message = format!(
                "expected {}, found {}{}",
                type_name(ty),
                found.kind(),
                match (ty, found) {
                    (Type::String { .. } | Type::Enum(_), _) => quote_hint(node),
                    (Type::Integer { .. }, Value::Str(s)) if s.trim().parse::<i64>().is_ok() => {
                        " (a quoted number is a string; remove the quotes)"
                    }
                    _ => "",
                }
            );
            if let Some(removed) = overlay::removed(&at.path(), node) {
                message = removed;
            }
            at.problem(message, problems)
        }
    }
}

fn string_at(
    s: &str,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<&'static str>,
    at: &At<'_, '_>,
    problems: &mut Vec<Problem>,
) {
    if min_length.is_some() || max_length.is_some() {
        let length = s.chars().count() as u64;
        if min_length.is_some_and(|min| length < min) {
            let message = match min_length {
                Some(1) => "must not be empty".to_string(),
                _ => format!(
                    "is {length} character{} long; must be at least {}",
                    if length == 1 { "" } else { "s" },
                    min_length.unwrap_or_default()
                ),
            };
            at.problem(message, problems);
        }
        if let Some(max) = max_length.filter(|max| length > *max) {
            at.problem(
                format!("is {length} characters long; must be at most {max}"),
                problems,
            );
        }
    }
    if let Some(pattern) = pattern
        && !matches_pattern(pattern, s)
    {
        at.problem(
            format!("`{s}` does not match the pattern `{pattern}`"),
            problems,
        );
    }
}

fn list_at<'n>(list: &List, items: &'n [Node], at: &mut At<'_, 'n>, problems: &mut Vec<Problem>) {
    if let Some(min) = list.min_items.filter(|min| (items.len() as u64) < *min) {
        at.problem(
            format!(
                "has {} item{}; must have at least {min}",
                items.len(),
                if items.len() == 1 { "" } else { "s" }
            ),
            problems,
        );
    }
    if let Some(max) = list.max_items.filter(|max| (items.len() as u64) > *max) {
        at.problem(
            format!("has {} items; must have at most {max}", items.len()),
            problems,
        );
    }
    for (i, element) in items.iter().enumerate() {
        at.below(Step::Index(i), |at| {
            value_at(element, &list.item, true, at, problems)
        });
    }
    if items.len() < 2 {
        return;
    }
    if !list.map_keys.is_empty() {
        // Items are unique by their key values (`x-kubernetes-list-map-keys`); an item
        // without a key is reported as missing it by the item check.
        let keys = items.iter().map(|element| {
            let key: Vec<Option<Cow<'_, str>>> = list
                .map_keys
                .iter()
                .map(|k| element.get(k).filter(|v| !v.is_null()).map(scalar_text))
                .collect();
            Some(key).filter(|key| key.iter().any(Option::is_some))
        });
        for (i, first) in repeats(keys) {
            let list_path = at.path();
            let what = list
                .map_keys
                .iter()
                .map(|k| {
                    let v = items[i].get(k).map_or(Cow::Borrowed("null"), scalar_text);
                    // With one key the path already names it (`env[2].name`).
                    if list.map_keys.len() == 1 {
                        format!("`{v}`")
                    } else {
                        format!("{k} `{v}`")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            let name = match list_path.0.last() {
                Some(Segment::Key(k)) => k.as_str(),
                _ => "the list",
            };
            let message = format!(
                "{what} is listed twice (also {list_path}[{first}]); {name} is a map keyed by {}",
                list.map_keys.join(", ")
            );
            at.below(Step::Index(i), |at| {
                // Reported at the key, as the API server does.
                match list.map_keys {
                    [key] => at.below(Step::Key(key), |at| at.problem(message, problems)),
                    _ => at.problem(message, problems),
                }
            });
        }
    } else if list.set {
        let keys = items.iter().map(|e| Some(e.to_json().to_string()));
        for (i, first) in repeats(keys) {
            at.below(Step::Index(i), |at| {
                at.problem(
                    format!(
                        "is listed twice (also item {first}); the items of this list must be unique"
                    ),
                    problems,
                )
            });
        }
    }
}

/// A scalar as text, borrowed when it is a string (list-map keys are scalars).
fn scalar_text(node: &Node) -> Cow<'_, str> {
    match &node.value {
        Value::Str(s) => Cow::Borrowed(s),
        _ => Cow::Owned(node.to_json().to_string()),
    }
}

/// For each item whose key (`None`: no key) an earlier item has: its index and the first
/// such earlier index.
fn repeats<K: Eq + Hash>(keys: impl Iterator<Item = Option<K>>) -> Vec<(usize, usize)> {
    let mut seen: HashMap<K, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, key) in keys.enumerate() {
        let Some(key) = key else { continue };
        match seen.get(&key) {
            Some(first) => out.push((i, *first)),
            None => {
                seen.insert(key, i);
            }
        }
    }
    out
}

/// Whether `s` matches `pattern`. Patterns are compiled once per process; a pattern that does
/// not compile was refused when its CRD was loaded, and matches nothing here.
fn matches_pattern(pattern: &'static str, s: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<regex::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let compiled = {
        let mut cache = cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .entry(pattern)
            .or_insert_with(|| regex::Regex::new(pattern).ok())
            .clone()
    };
    compiled.is_some_and(|re| re.is_match(s))
}

/// One CEL rule (`x-kubernetes-validations`) of the CRD, written in Rust: mcp-render has no
/// CEL interpreter, so each rule the CRD has is implemented here, found by its message.
pub struct Rule {
    /// The rule's message, exactly as the CRD gives it.
    pub message: &'static str,
    /// The field of the object the problem is reported at (for its line and column).
    pub blame: &'static str,
    /// Whether the object (a mapping) satisfies the rule.
    pub holds: fn(&Node) -> bool,
}

/// Whether `key` is set (present and not null: the API server drops nulls before it
/// evaluates rules).
fn has(node: &Node, key: &str) -> bool {
    node.get(key).is_some_and(|n| !n.is_null())
}

fn str_at<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_str)
}

fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

fn authenticated(spec: &Node) -> bool {
    has(spec, "oidcConfigRef") || has(spec, "externalAuthConfigRef")
}

/// Every CEL rule of ToolHive v0.44.0's MCPServer CRD (the same on both versions). The rules
/// are in the Go types of
/// <https://github.com/stacklok/toolhive/blob/v0.44.0/cmd/thv-operator/api/v1beta1/mcpserver_types.go>.
pub const RULES: &[Rule] = &[
    Rule {
        message: "authzConfig and authzConfigRef are mutually exclusive; use authzConfigRef to reference a shared MCPAuthzConfig",
        blame: "authzConfigRef",
        holds: |spec| !(has(spec, "authzConfig") && has(spec, "authzConfigRef")),
    },
    Rule {
        message: "rateLimiting requires sessionStorage with provider 'redis'",
        blame: "rateLimiting",
        holds: |spec| {
            !has(spec, "rateLimiting")
                || spec
                    .get("sessionStorage")
                    .and_then(|s| str_at(s, "provider"))
                    == Some("redis")
        },
    },
    Rule {
        message: "rateLimiting.perUser requires authentication (oidcConfigRef or externalAuthConfigRef)",
        blame: "rateLimiting",
        holds: |spec| {
            !spec.get("rateLimiting").is_some_and(|r| has(r, "perUser")) || authenticated(spec)
        },
    },
    Rule {
        message: "per-tool perUser rate limiting requires authentication (oidcConfigRef or externalAuthConfigRef)",
        blame: "rateLimiting",
        holds: |spec| {
            !items(spec.get("rateLimiting").and_then(|r| r.get("tools")))
                .iter()
                .any(|t| has(t, "perUser"))
                || authenticated(spec)
        },
    },
    Rule {
        message: "at least one of shared, perUser, or tools must be configured",
        blame: "",
        holds: |rate| {
            has(rate, "shared") || has(rate, "perUser") || !items(rate.get("tools")).is_empty()
        },
    },
    Rule {
        message: "at least one of shared or perUser must be configured",
        blame: "",
        holds: |tool| has(tool, "shared") || has(tool, "perUser"),
    },
    Rule {
        message: "address is required",
        blame: "",
        holds: |storage| str_at(storage, "provider") != Some("redis") || has(storage, "address"),
    },
    // `type` defaults to `configMap` before the rules run.
    Rule {
        message: "configMap must be set when type is 'configMap', and must not be set otherwise",
        blame: "configMap",
        holds: |authz| {
            (str_at(authz, "type").unwrap_or("configMap") == "configMap") == has(authz, "configMap")
        },
    },
    Rule {
        message: "inline must be set when type is 'inline', and must not be set otherwise",
        blame: "inline",
        holds: |authz| {
            (str_at(authz, "type").unwrap_or("configMap") == "inline") == has(authz, "inline")
        },
    },
];

/// The implementation of the rule with this message.
pub fn rule(message: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.message == message)
}

/// A hint for scalars YAML read as something else than the string the user likely meant.
pub fn quote_hint(node: &Node) -> &'static str {
    match &node.value {
        Value::Bool(_) | Value::Number(_) => {
            " (YAML 1.1, as kubectl reads it, takes this unquoted value as a boolean or number; quote it)"
        }
        _ => "",
    }
}

fn type_name(ty: &Type) -> &'static str {
    match ty {
        Type::String { .. } | Type::Enum(_) => "a string",
        Type::Integer { .. } => "an integer",
        Type::Number => "a number",
        Type::Boolean => "a boolean",
        Type::Object(_) | Type::AnyObject | Type::Map(_) => "a mapping",
        Type::Any => "any value",
        Type::List(_) => "a list",
    }
}

fn range_text(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("must be {min} to {max}"),
        (Some(min), None) => format!("must be at least {min}"),
        (None, Some(max)) => format!("must be at most {max}"),
        (None, None) => String::new(),
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "unknown field `x`", with the closest valid field when one is close enough.
pub fn unknown_field_message(name: &str, fields: &[Field]) -> String {
    let has = |wanted: &str| fields.iter().any(|f| f.name == wanted);
    if matches!(name, "port" | "targetPort") && has("proxyPort") && has("mcpPort") {
        return format!(
            "unknown field `{name}`: v1beta1 renamed v1alpha1's `port` and `targetPort`; use `proxyPort` (the proxy's port, here only the `toolhive-port` label) or `mcpPort` (the port the MCP server listens on)"
        );
    }
    match closest(name, fields.iter().map(|f| f.name)) {
        Some(close) => format!("unknown field `{name}`; did you mean `{close}`?"),
        None => format!(
            "unknown field `{name}`; valid fields here are {}",
            quoted_list(&fields.iter().map(|f| f.name).collect::<Vec<_>>())
        ),
    }
}

/// Longest name `closest` compares; longer ones get no suggestion.
const MAX_SUGGESTION_INPUT: usize = 64;

/// The candidate closest to `name`, if it is close: same letters in another case, or a
/// small edit distance for its length.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    // Field names are short; a long name is no misspelling of one, and comparing it would
    // cost time and memory quadratic in its length.
    if name.len() > MAX_SUGGESTION_INPUT {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let (short, long) = (
            name.len().min(candidate.len()),
            name.len().max(candidate.len()),
        );
        let score = if candidate.to_ascii_lowercase() == lower {
            2.0
        } else if short * 2 < long {
            // `imagePullPolicy` is no misspelling of `image`, however alike they start.
            0.0
        } else {
            strsim::normalized_damerau_levenshtein(&lower, &candidate.to_ascii_lowercase())
                .max(strsim::jaro_winkler(&lower, &candidate.to_ascii_lowercase()) - 0.15)
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.filter(|(score, _)| *score >= 0.7).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{Entry, Mark};

    fn node(value: serde_json::Value) -> Node {
        let value = match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(items) => Value::Seq(items.into_iter().map(node).collect()),
            serde_json::Value::Object(map) => Value::Map(
                map.into_iter()
                    .map(|(key, value)| Entry {
                        key,
                        key_mark: Mark::default(),
                        value: node(value),
                    })
                    .collect(),
            ),
        };
        Node {
            value,
            mark: Mark::default(),
        }
    }

    fn problems(ty: &Type, value: serde_json::Value) -> Vec<String> {
        let mut problems = Vec::new();
        check_value(
            &node(value),
            ty,
            true,
            &FieldPath::root().key("x"),
            &mut problems,
        );
        problems
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect()
    }

    #[test]
    fn set_lists_and_multi_key_list_maps_reject_repeats() {
        const SET: List = List {
            set: true,
            ..List::of(STRING)
        };
        assert_eq!(
            problems(&Type::List(&SET), serde_json::json!(["a", "b", "a"])),
            ["x[2]: is listed twice (also item 0); the items of this list must be unique"]
        );
        const PORT: Object = Object {
            fields: &[
                field(
                    "port",
                    Type::Integer {
                        min: None,
                        max: None,
                    },
                ),
                field("protocol", STRING),
            ],
            rules: &[],
        };
        const PORTS: List = List {
            map_keys: &["port", "protocol"],
            ..List::of(Type::Object(&PORT))
        };
        let ports = serde_json::json!([
            {"port": 80, "protocol": "TCP"},
            {"port": 80, "protocol": "UDP"},
            {"port": 80, "protocol": "TCP"},
        ]);
        assert_eq!(
            problems(&Type::List(&PORTS), ports),
            [
                "x[2]: port `80`, protocol `TCP` is listed twice (also x[0]); x is a map keyed by port, protocol"
            ]
        );
    }

    #[test]
    fn string_bounds_count_characters() {
        let ty = Type::String {
            min_length: Some(2),
            max_length: Some(3),
            pattern: Some("^[a-zä]*$"),
        };
        assert_eq!(
            problems(&ty, serde_json::json!("äää")),
            Vec::<String>::new()
        );
        assert_eq!(
            problems(&ty, serde_json::json!("a")),
            ["x: is 1 character long; must be at least 2"]
        );
        assert_eq!(
            problems(&ty, serde_json::json!("abcD")),
            [
                "x: is 4 characters long; must be at most 3",
                "x: `abcD` does not match the pattern `^[a-zä]*$`"
            ]
        );
    }

    #[test]
    fn close_misspellings_get_a_suggestion() {
        let names = spec_fields(ApiVersion::V1beta1).iter().map(|f| f.name);
        assert_eq!(closest("transprot", names.clone()), Some("transport"));
        assert_eq!(closest("MCPPort", names.clone()), Some("mcpPort"));
        assert_eq!(
            closest("podTemplate", names.clone()),
            Some("podTemplateSpec")
        );
        assert_eq!(closest("secret", names.clone()), Some("secrets"));
        assert_eq!(closest("imagePullPolicy", names.clone()), None);
        assert_eq!(closest("zzzzzz", names), None);
    }
}
