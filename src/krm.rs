//! `mcp-render fn`: the renderer as a KRM function (kustomize exec functions, kpt).
//!
//! A `ResourceList` (`config.kubernetes.io/v1`, or the older `v1beta1`) comes in on stdin and a
//! `ResourceList` goes out on stdout. Every MCPServer among `items` is replaced, where it
//! stood, by the objects `mcp-render render` makes of it (StatefulSet, then the Services);
//! every other item is passed through unchanged, with all its annotations. The render is the
//! library's own pipeline ([`run::validate`], [`render::render_server`]) run over the very
//! same text, so the checks, the defaults and the objects are those of `render`.
//!
//! Options come from `functionConfig`, either an [`API_VERSION`] [`KIND`] object or a
//! `ConfigMap` whose `data` holds the same keys (as kpt's `--` arguments give):
//!
//! | key | `render` flag | value |
//! |---|---|---|
//! | `namespace` | `--namespace` | namespace for MCPServers that set none |
//! | `ownerRefs` | `--owner-refs` | `auto` (default), `require`, `omit` |
//! | `owners` | `--owners` | owners files (a list; in a ConfigMap, comma-separated) |
//! | `paths` | the inputs | MCPServer files or folders to render in addition to `items` (a generator) |
//!
//! Relative paths are resolved against the working directory, which kustomize sets to the
//! kustomization's folder for exec functions.
//!
//! Annotations: objects made from an item that has a `config.kubernetes.io/path` (kpt sets
//! it; kustomize does not) get a path of their own next to it, `<file stem>.rendered.yaml`,
//! and an index in order, in both the `config.kubernetes.io/` and the
//! `internal.config.kubernetes.io/` spelling. Objects made from a file named in `paths` get
//! the same from that file's path. Identity annotations (`config.k8s.io/id`,
//! `internal.config.kubernetes.io/id`, `kustomize.config.k8s.io/id`) are never copied onto
//! new objects: they would claim to be the MCPServer they replace. Without a path nothing is
//! invented: kustomize needs none, kpt assigns one.
//!
//! Problems go into `results` (severity, message, `resourceRef`, `field.path`, `file.path`
//! and `file.index` from the item's path annotations), and each also as one line on stderr.
//! On any error the output holds the results and no items, and the exit code is non-zero,
//! so a partial set of objects is never applied.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Service, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};

use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::load::{self, Limits, STDIN_NAME};
use crate::model::{OwnerRefs, Platform};
use crate::node::{FieldPath, Node, Segment, Value};
use crate::render;
use crate::render::service_account::{AccountOptions, ServiceAccounts, pull_secret_name};
use crate::run::{self, Options};

/// The `apiVersion` of mcp-render's own function config.
pub const API_VERSION: &str = "mcp-render.dev/v1alpha1";
/// The `kind` of mcp-render's own function config.
pub const KIND: &str = "MCPRender";
/// The ResourceList versions accepted; the output uses the input's.
pub const RESOURCE_LIST_VERSIONS: [&str; 2] =
    ["config.kubernetes.io/v1", "config.kubernetes.io/v1beta1"];

const PATH: &str = "config.kubernetes.io/path";
const INDEX: &str = "config.kubernetes.io/index";
const INTERNAL_PATH: &str = "internal.config.kubernetes.io/path";
const INTERNAL_INDEX: &str = "internal.config.kubernetes.io/index";
/// The keys a function config may hold.
const CONFIG_KEYS: [&str; 7] = [
    "platform",
    "namespace",
    "ownerRefs",
    "owners",
    "paths",
    "imagePullSecrets",
    "serviceAccounts",
];

/// What a run of the function gives: the bytes for stdout, the lines for stderr, the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The output `ResourceList`, as YAML.
    pub stdout: String,
    /// One line per problem (without newline).
    pub stderr: Vec<String>,
    /// 0; 2 when any result is an error; 1 when the output could not be serialised.
    pub code: u8,
}

/// The options a `functionConfig` gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionConfig {
    /// `namespace`.
    pub namespace: Option<String>,
    /// `ownerRefs`.
    pub owner_refs: OwnerRefs,
    /// `owners`.
    pub owners: Vec<PathBuf>,
    /// `paths`.
    pub paths: Vec<PathBuf>,
    /// `imagePullSecrets` (`--image-pull-secret`) and `serviceAccounts` (`render` or `omit`,
    /// `--service-accounts`).
    pub accounts: AccountOptions,
    /// `platform` (`kubernetes` or `openshift`, `--platform`).
    pub platform: Platform,
}

/// One entry of `results`, as the KRM functions specification spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KrmResult {
    /// What is wrong.
    pub message: String,
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    /// The object concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_ref: Option<ResourceRef>,
    /// The field concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<FieldRef>,
    /// The file concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
}

/// `results[].resourceRef`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// `apiVersion`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `kind`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `metadata.name`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `metadata.namespace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `results[].field`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRef {
    /// Like `spec.env[0].name`.
    pub path: String,
}

/// `results[].file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRef {
    /// The file, as the orchestrator or the user named it.
    pub path: String,
    /// The object's index in the file, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

/// Runs the function over `input` (the bytes read from stdin).
pub fn run(input: Vec<u8>, limits: &Limits) -> Outcome {
    let mut results = Vec::new();
    let source = match load::decode(STDIN_NAME, input) {
        Ok(source) => source,
        Err(d) => return failed("config.kubernetes.io/v1", vec![plain_result(&d)]),
    };
    let documents = match load::parse_documents(&source, limits) {
        Ok(documents) => documents,
        Err(d) => return failed("config.kubernetes.io/v1", vec![plain_result(&d)]),
    };
    let list = match resource_list(&documents) {
        Ok(list) => list,
        Err(message) => {
            let result = KrmResult {
                message,
                severity: "error",
                resource_ref: None,
                field: None,
                file: None,
            };
            return failed("config.kubernetes.io/v1", vec![result]);
        }
    };
    let config = match function_config(list.function_config) {
        Ok(config) => config,
        Err(problems) => return failed(list.api_version, problems),
    };
    let mut inputs = vec![PathBuf::from("-")];
    inputs.extend(config.paths.iter().cloned());
    let options = Options {
        inputs,
        owners: config.owners.clone(),
        namespace: config.namespace.clone(),
        owner_refs: config.owner_refs,
        accounts: config.accounts.clone(),
        // The built-in CRD; the security warnings stay warnings (a function reports them).
        crd: None,
        strict: false,
        platform: config.platform,
        limits: *limits,
        // An empty list of items is a valid function call; kustomize applies what it gets.
        argocd: false,
        allow_empty: true,
    };
    let valid = match run::validate(&options, &mut source.text.as_bytes()) {
        Ok(valid) => valid,
        Err(diagnostics) => {
            return failed(
                list.api_version,
                diagnostic_results(&diagnostics, &list.items),
            );
        }
    };
    results.extend(diagnostic_results(&valid.warnings, &list.items));

    // Every server rendered, keyed by the item it came from, or listed as generated.
    let mut by_item: BTreeMap<usize, Vec<Object>> = BTreeMap::new();
    let mut generated: Vec<(Arc<str>, Object)> = Vec::new();
    for server in valid.valid.servers() {
        let rendered = match render::render_server(server, &valid.owners, valid.owner_refs) {
            Ok(rendered) => rendered,
            Err(e) => {
                let result = KrmResult {
                    message: format!("internal error: {e}"),
                    severity: "error",
                    resource_ref: None,
                    field: None,
                    file: None,
                };
                return failed(list.api_version, vec![result]);
            }
        };
        let objects: Vec<Object> = rendered.objects().map(Object::from).collect();
        match item_index(&server.origin.source, &server.origin.base) {
            Some(index) => by_item.entry(index).or_default().extend(objects),
            None => generated.extend(
                objects
                    .into_iter()
                    .map(|o| (Arc::clone(&server.origin.source), o)),
            ),
        }
    }
    for object in valid.valid.pass_through() {
        if item_index(&object.origin.source, &object.origin.base).is_none() {
            generated.push((
                Arc::clone(&object.origin.source),
                Object::Json(object.value.clone()),
            ));
        }
    }

    let mut next_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut items = Vec::new();
    for (index, item) in list.items.iter().enumerate() {
        match by_item.remove(&index) {
            Some(objects) => {
                let path = annotation(item, PATH).or_else(|| annotation(item, INTERNAL_PATH));
                for mut object in objects {
                    if let Some(path) = path {
                        object.set_location(&rendered_path(path), &mut next_index);
                    }
                    items.push(Item::Object(object));
                }
            }
            None if is_mcp_server(item) => {
                // Validation accepted every MCPServer item, so each was rendered; anything
                // else is a bug, and must not drop a server silently.
                let result = KrmResult {
                    message: "internal error: this MCPServer was not rendered".to_string(),
                    severity: "error",
                    resource_ref: Some(resource_ref(item)),
                    field: None,
                    file: file_ref(item),
                };
                return failed(list.api_version, vec![result]);
            }
            None => items.push(Item::Node(item)),
        }
    }
    for (source, mut object) in generated {
        object.set_location(&rendered_path(&source), &mut next_index);
        items.push(Item::Object(object));
    }
    output(list.api_version, items, results)
}

/// The parts of the input `ResourceList`.
struct ResourceList<'a> {
    api_version: &'a str,
    items: Vec<&'a Node>,
    function_config: Option<&'a Node>,
}

fn resource_list(documents: &[load::Document]) -> Result<ResourceList<'_>, String> {
    let mut documents = documents.iter().filter(|d| !d.root.is_null());
    let (Some(document), None) = (documents.next(), documents.next()) else {
        return Err("expected exactly one ResourceList document on stdin".to_string());
    };
    let root = &document.root;
    let api_version = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    let Some(api_version) = RESOURCE_LIST_VERSIONS
        .iter()
        .find(|v| **v == api_version)
        .copied()
    else {
        return Err(format!(
            "expected a ResourceList of apiVersion {}, found apiVersion `{api_version}` kind `{kind}`",
            RESOURCE_LIST_VERSIONS.join(" or ")
        ));
    };
    if kind != "ResourceList" {
        return Err(format!("expected kind ResourceList, found `{kind}`"));
    }
    let items = match root.get("items").map(|n| &n.value) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Seq(items)) => items.iter().collect(),
        Some(other) => return Err(format!("items: expected a list, found {}", other.kind())),
    };
    Ok(ResourceList {
        api_version,
        items,
        function_config: root.get("functionConfig").filter(|n| !n.is_null()),
    })
}

/// Reads the options from `functionConfig`: an [`API_VERSION`] [`KIND`], a `ConfigMap`, or
/// nothing (the defaults of `render`).
pub fn function_config(node: Option<&Node>) -> Result<FunctionConfig, Vec<KrmResult>> {
    let mut config = FunctionConfig::default();
    let Some(node) = node else {
        return Ok(config);
    };
    let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let kind = node.get("kind").and_then(Node::as_str).unwrap_or("");
    let reference = resource_ref(node);
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push(KrmResult {
            message,
            severity: "error",
            resource_ref: Some(reference.clone()),
            field: (!field.is_empty()).then(|| FieldRef {
                path: field.to_string(),
            }),
            file: file_ref(node),
        });
    };
    let (entries, prefix, in_config_map) = match (api_version, kind) {
        (API_VERSION, KIND) => (node.as_map().unwrap_or_default(), "", false),
        ("v1", "ConfigMap") => match node.get("data").map(|d| &d.value) {
            None | Some(Value::Null) => (&[][..], "data.", true),
            Some(Value::Map(entries)) => (&entries[..], "data.", true),
            Some(other) => {
                problem(
                    "data",
                    format!("expected a mapping, found {}", other.kind()),
                );
                return Err(problems);
            }
        },
        _ => {
            problem(
                "",
                format!(
                    "functionConfig: expected apiVersion {API_VERSION} kind {KIND}, or a v1 ConfigMap; found apiVersion `{api_version}` kind `{kind}`"
                ),
            );
            return Err(problems);
        }
    };
    for entry in entries {
        let field = format!("{prefix}{}", entry.key);
        let value = &entry.value;
        match entry.key.as_str() {
            "apiVersion" | "kind" | "metadata" if !in_config_map => {}
            "namespace" => match value.as_str() {
                Some(ns) => config.namespace = Some(ns.to_string()).filter(|ns| !ns.is_empty()),
                None if value.is_null() => {}
                None => problem(&field, expected_string(value)),
            },
            "ownerRefs" => match value.as_str() {
                Some(text) => match OwnerRefs::from_name(text) {
                    Some(policy) => config.owner_refs = policy,
                    None => problem(
                        &field,
                        format!(
                            "`{text}` is not an owner-reference policy; use auto, require or omit"
                        ),
                    ),
                },
                None => problem(&field, expected_string(value)),
            },
            "platform" => match value.as_str() {
                Some("kubernetes") => config.platform = Platform::Kubernetes,
                Some("openshift") => config.platform = Platform::Openshift,
                Some(text) => problem(&field, format!("`{text}` is not kubernetes or openshift")),
                None => problem(&field, expected_string(value)),
            },
            "serviceAccounts" => match value.as_str() {
                Some("render") => config.accounts.mode = ServiceAccounts::Render,
                Some("omit") => config.accounts.mode = ServiceAccounts::Omit,
                Some(text) => problem(&field, format!("`{text}` is not render or omit")),
                None => problem(&field, expected_string(value)),
            },
            "owners" | "paths" | "imagePullSecrets" => {
                let list = match (in_config_map, &value.value) {
                    (true, Value::Str(text)) => Ok(text
                        .split([',', '\n'])
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(PathBuf::from)
                        .collect()),
                    (false, Value::Seq(items)) => items
                        .iter()
                        .map(|item| item.as_str().map(PathBuf::from).ok_or(item))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(expected_string),
                    (_, Value::Null) => Ok(Vec::new()),
                    (true, _) => Err(expected_string(value)),
                    (false, _) => Err(format!(
                        "expected a list of strings, found {}",
                        value.value.kind()
                    )),
                };
                match list {
                    Ok(list) if entry.key == "imagePullSecrets" => {
                        for name in list {
                            let name = name.to_string_lossy();
                            match pull_secret_name(&name) {
                                Ok(name) if !name.is_empty() => {
                                    config.accounts.default_pull_secrets.push(name)
                                }
                                Ok(_) => {}
                                Err(why) => problem(&field, why),
                            }
                        }
                    }
                    Ok(list) if entry.key == "owners" => config.owners = list,
                    Ok(list) => config.paths = list,
                    Err(message) => problem(&field, message),
                }
            }
            key => {
                let hint = CONFIG_KEYS
                    .iter()
                    .find(|known| strsim::jaro_winkler(key, known) > 0.8)
                    .map(|known| format!("; did you mean `{known}`?"))
                    .unwrap_or_default();
                problem(
                    &field,
                    format!("unknown option (known: {}){hint}", CONFIG_KEYS.join(", ")),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}

fn expected_string(node: &Node) -> String {
    format!("expected a string, found {}", node.value.kind())
}

/// The `items` index an object of the input came from, when it came from stdin.
fn item_index(source: &str, base: &FieldPath) -> Option<usize> {
    if source != STDIN_NAME {
        return None;
    }
    match base.0.as_slice() {
        [Segment::Key(items), Segment::Index(index), ..] if items == "items" => Some(*index),
        _ => None,
    }
}

/// The file objects rendered from `path` are given: `<dir>/<stem>.rendered.yaml`.
pub fn rendered_path(path: &str) -> String {
    let stem = [".yaml", ".yml", ".json"]
        .iter()
        .find_map(|ext| path.strip_suffix(ext))
        .unwrap_or(path);
    format!("{stem}.rendered.yaml")
}

fn annotation<'a>(item: &'a Node, key: &str) -> Option<&'a str> {
    item.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

fn is_mcp_server(item: &Node) -> bool {
    item.get("kind").and_then(Node::as_str) == Some("MCPServer")
}

fn resource_ref(item: &Node) -> ResourceRef {
    let text = |node: Option<&Node>| node.and_then(Node::as_str).unwrap_or("").to_string();
    let metadata = item.get("metadata");
    ResourceRef {
        api_version: text(item.get("apiVersion")),
        kind: text(item.get("kind")),
        name: text(metadata.and_then(|m| m.get("name"))),
        namespace: metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .map(str::to_string),
    }
}

fn file_ref(item: &Node) -> Option<FileRef> {
    let path = annotation(item, PATH).or_else(|| annotation(item, INTERNAL_PATH))?;
    let index = annotation(item, INDEX)
        .or_else(|| annotation(item, INTERNAL_INDEX))
        .and_then(|i| i.parse().ok());
    Some(FileRef {
        path: path.to_string(),
        index,
    })
}

/// A result for a problem with no item: the stdin text itself, or a file of `paths`.
fn plain_result(d: &Diagnostic) -> KrmResult {
    KrmResult {
        message: match &d.location {
            Some(location) if &*location.source == STDIN_NAME => {
                format!(
                    "{} (ResourceList line {}, column {})",
                    d.message, location.line, location.col
                )
            }
            Some(location) => format!(
                "{} (line {}, column {})",
                d.message, location.line, location.col
            ),
            None => d.message.to_string(),
        },
        severity: severity(d.severity),
        resource_ref: None,
        field: (!d.field.is_empty()).then(|| FieldRef {
            path: d.field.clone(),
        }),
        file: d
            .location
            .as_ref()
            .filter(|l| &*l.source != STDIN_NAME)
            .map(|l| FileRef {
                path: l.source.to_string(),
                index: None,
            }),
    }
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The results for the pipeline's diagnostics: a problem of an item names that item (its
/// file from the path annotations, the field inside it); others name their file.
fn diagnostic_results(diagnostics: &Diagnostics, items: &[&Node]) -> Vec<KrmResult> {
    let mut results = Vec::new();
    for d in diagnostics.clone().into_sorted() {
        // The pipeline reads the ResourceList as a List: a problem of an item is located
        // in the stdin text, inside that item's span (items start in order).
        let item = d
            .location
            .as_ref()
            .filter(|l| &*l.source == STDIN_NAME)
            .and_then(|l| item_at(items, l.line, l.col));
        let Some(item) = item else {
            results.push(plain_result(&d));
            continue;
        };
        // Field paths are relative to the item; strip an `items[N]` prefix if one is there.
        let path = FieldPath::parse(&d.field);
        let skip = match path.0.as_slice() {
            [Segment::Key(key), Segment::Index(_), ..] if key == "items" => 2,
            _ => 0,
        };
        let inner = FieldPath(path.0[skip..].to_vec()).to_string();
        results.push(KrmResult {
            message: d.message.to_string(),
            severity: severity(d.severity),
            resource_ref: Some(resource_ref(item)),
            field: (!inner.is_empty()).then_some(FieldRef { path: inner }),
            file: file_ref(item),
        });
    }
    results
}

/// The item whose text holds line `line`, column `col` of the ResourceList.
fn item_at<'a>(items: &[&'a Node], line: usize, col: usize) -> Option<&'a Node> {
    let at = (line, col);
    items
        .iter()
        .rev()
        .find(|item| (item.mark.line as usize, item.mark.col as usize) <= at)
        .copied()
}

/// One line of stderr for a result: `file[index]: Kind namespace/name: field: message`.
fn stderr_line(result: &KrmResult) -> String {
    let mut where_ = Vec::new();
    if let Some(file) = &result.file {
        where_.push(match file.index {
            Some(index) => format!("{}[{index}]", file.path),
            None => file.path.clone(),
        });
    }
    if let Some(r) = &result.resource_ref {
        let name = match &r.namespace {
            Some(ns) => format!("{ns}/{}", r.name),
            None => r.name.clone(),
        };
        where_.push(format!("{} {name}", r.kind));
    }
    if let Some(field) = &result.field {
        where_.push(field.path.clone());
    }
    // Through Diagnostic's Display, which escapes whatever the input held.
    let mut d = Diagnostic::error(None, where_.join(": "), result.message.clone());
    if result.severity != "error" {
        d.severity = Severity::Warning;
    }
    format!("mcp-render fn: {d}")
}

/// An output item: an input item unchanged, or an object made here.
enum Item<'a> {
    Node(&'a Node),
    Object(Object),
}

/// An object made here, typed where it was rendered.
enum Object {
    ServiceAccount(Box<ServiceAccount>),
    StatefulSet(Box<StatefulSet>),
    Service(Box<Service>),
    Json(serde_json::Value),
}

impl From<render::ServerObject<'_>> for Object {
    fn from(object: render::ServerObject<'_>) -> Object {
        match object {
            render::ServerObject::ServiceAccount(a) => Object::ServiceAccount(Box::new(a.clone())),
            render::ServerObject::StatefulSet(s) => Object::StatefulSet(Box::new(s.clone())),
            render::ServerObject::Service(s) => Object::Service(Box::new(s.clone())),
        }
    }
}

impl Object {
    /// Gives the object `path` and the next free index in it.
    fn set_location(&mut self, path: &str, next_index: &mut BTreeMap<String, usize>) {
        let counter = next_index.entry(path.to_string()).or_default();
        let index = counter.to_string();
        *counter += 1;
        let annotations = [
            (PATH, path.to_string()),
            (INDEX, index.clone()),
            (INTERNAL_PATH, path.to_string()),
            (INTERNAL_INDEX, index),
        ];
        let set = |metadata: &mut ObjectMeta| {
            metadata
                .annotations
                .get_or_insert_default()
                .extend(annotations.iter().map(|(k, v)| (k.to_string(), v.clone())));
        };
        match self {
            Object::ServiceAccount(account) => set(&mut account.metadata),
            Object::StatefulSet(sts) => set(&mut sts.metadata),
            Object::Service(svc) => set(&mut svc.metadata),
            Object::Json(value) => {
                if let Some(metadata) = value.get_mut("metadata").and_then(|m| m.as_object_mut()) {
                    let entry = metadata
                        .entry("annotations")
                        .or_insert_with(|| serde_json::Value::Object(Default::default()));
                    if let Some(map) = entry.as_object_mut() {
                        for (k, v) in annotations {
                            map.insert(k.to_string(), serde_json::Value::String(v));
                        }
                    }
                }
            }
        }
    }
}

impl Serialize for Item<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Item::Node(node) => InOrder(node).serialize(serializer),
            Item::Object(Object::ServiceAccount(account)) => account.serialize(serializer),
            Item::Object(Object::StatefulSet(sts)) => sts.serialize(serializer),
            Item::Object(Object::Service(svc)) => svc.serialize(serializer),
            Item::Object(Object::Json(value)) => value.serialize(serializer),
        }
    }
}

/// A node serialised with its mapping keys in source order (a pass-through item keeps the
/// shape it came in; JSON values would sort the keys).
struct InOrder<'a>(&'a Node);

impl Serialize for InOrder<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0.value {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::Str(s) => serializer.serialize_str(s),
            Value::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&InOrder(item))?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for entry in entries {
                    map.serialize_entry(&entry.key, &InOrder(&entry.value))?;
                }
                map.end()
            }
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Output<'a> {
    api_version: &'a str,
    kind: &'static str,
    items: Vec<Item<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    results: Vec<KrmResult>,
}

fn output(api_version: &str, items: Vec<Item<'_>>, results: Vec<KrmResult>) -> Outcome {
    let code = if results.iter().any(|r| r.severity == "error") {
        2
    } else {
        0
    };
    let stderr = results.iter().map(stderr_line).collect();
    let list = Output {
        api_version,
        kind: "ResourceList",
        items,
        results,
    };
    match serde_saphyr::to_string_with_options(&list, crate::emit::yaml_options()) {
        Ok(stdout) => Outcome {
            stdout,
            stderr,
            code,
        },
        Err(e) => Outcome {
            stdout: String::new(),
            stderr: vec![format!(
                "mcp-render fn: error: cannot write the output: {e}"
            )],
            code: 1,
        },
    }
}

/// The output of a failed run: the results, no items.
fn failed(api_version: &str, results: Vec<KrmResult>) -> Outcome {
    let mut outcome = output(api_version, Vec::new(), results);
    if outcome.code == 0 {
        outcome.code = 2;
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_paths_sit_next_to_their_source() {
        assert_eq!(
            rendered_path("servers/fetch.yaml"),
            "servers/fetch.rendered.yaml"
        );
        assert_eq!(rendered_path("a.yml"), "a.rendered.yaml");
        assert_eq!(rendered_path("noext"), "noext.rendered.yaml");
    }

    #[test]
    fn item_indexes_come_only_from_stdin() {
        let base = FieldPath::root().key("items").index(3);
        assert_eq!(item_index(STDIN_NAME, &base), Some(3));
        assert_eq!(item_index("servers/a.yaml", &base), None);
        assert_eq!(item_index(STDIN_NAME, &FieldPath::root()), None);
    }
}
