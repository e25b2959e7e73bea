//! Classifying a document: a kustomization (skipped with a warning), a `List` (unpacked), an
//! MCPServer (v1alpha1 or v1beta1), a misspelt ToolHive kind (refused), or any other object
//! (passed through).

use crate::model::{ApiVersion, Origin, Parsed, TOOLHIVE_GROUP};
use crate::node::{FieldPath, Node, Value};

use super::{Context, ParseOptions};

impl Context<'_> {
    /// Classifies one document (or one item of a top-level `List`) and adds what it holds to
    /// `parsed`: a kustomization is skipped with a warning, a `List` is unpacked, an MCPServer is
    /// built, a misspelt ToolHive kind is refused, any other object passes through.
    pub(super) fn object(
        &mut self,
        node: &Node,
        base: &FieldPath,
        options: &ParseOptions,
        parsed: &mut Parsed,
        top: bool,
    ) {
        let root = FieldPath::root();
        if node.as_map().is_none() {
            let message = format!(
                "expected a Kubernetes object (a mapping with apiVersion, kind and metadata), found {}",
                node.value.kind()
            );
            self.report(base, &root, message);
            return;
        }
        let api_version = node.get("apiVersion").and_then(Node::as_str);
        let kind = node.get("kind").and_then(Node::as_str);
        let declared = api_version.is_some_and(|v| v.starts_with("kustomize.config.k8s.io/"));
        if top && (declared || is_undeclared_kustomization(&self.document.source, node)) {
            let message = kustomization_warning(&self.document.source);
            self.warn(base, message);
            return;
        }
        let (Some(api_version), Some(kind)) = (api_version, kind) else {
            for field in ["apiVersion", "kind"] {
                match node.get(field) {
                    None => self.report(
                        base,
                        &root.key(field),
                        "is required: every document must be a Kubernetes object",
                    ),
                    Some(value) if value.as_str().is_none() => self.report(
                        base,
                        &root.key(field),
                        format!("expected a string, found {}", value.value.kind()),
                    ),
                    Some(_) => {}
                }
            }
            return;
        };
        let items = node.get("items").filter(|_| kind.ends_with("List"));
        if let Some(items) = items {
            if !top {
                self.report(
                    base,
                    &root.key("kind"),
                    "a List inside a List is not supported",
                );
                return;
            }
            match &items.value {
                Value::Seq(elements) => {
                    for (i, element) in elements.iter().enumerate() {
                        self.object(element, &base.key("items").index(i), options, parsed, false);
                    }
                }
                Value::Null => {}
                other => self.report(
                    base,
                    &root.key("items"),
                    format!("expected a list, found {}", other.kind()),
                ),
            }
            return;
        }
        if api_version.starts_with("kustomize.config.k8s.io/") {
            // A Kustomization inside a List: not how kustomize reads it either.
            self.warn(base, kustomization_warning(&self.document.source));
            return;
        }
        let origin = Origin {
            source: std::sync::Arc::clone(&self.document.source),
            document: self.index,
            base: base.clone(),
        };
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        if kind == "MCPServer" {
            let version = match (group, version) {
                (TOOLHIVE_GROUP, "v1alpha1") => ApiVersion::V1alpha1,
                (TOOLHIVE_GROUP, "v1beta1") => ApiVersion::V1beta1,
                _ => {
                    self.report(
                        base,
                        &root.key("apiVersion"),
                        format!("`{api_version}` is not an MCPServer API version; use `{TOOLHIVE_GROUP}/v1beta1` (or the deprecated `{TOOLHIVE_GROUP}/v1alpha1`)"),
                    );
                    return;
                }
            };
            if let Some(server) =
                self.server(node, base, version, origin, options, &mut parsed.problems)
            {
                parsed.servers.push(server);
            }
            return;
        }
        if group == TOOLHIVE_GROUP && looks_like_mcp_server(kind) {
            self.report(
                base,
                &root.key("kind"),
                format!("`{kind}` is not a ToolHive kind; did you mean `MCPServer`?"),
            );
            return;
        }
        let object = self.pass_through(node, base, api_version, kind, origin, options);
        if let Some(object) = object {
            parsed.pass_through.push(object);
        }
    }
}

/// Top-level fields of a kustomize `Kustomization` (kustomize's `types.Kustomization`).
const KUSTOMIZE_FIELDS: [&str; 33] = [
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// The file names kustomize looks for in a folder.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A kustomization without `apiVersion` and `kind` (the usual form): no `kind`, and either
/// a file name kustomize reads or only kustomize's fields with at least one of those that
/// build objects.
fn is_undeclared_kustomization(source: &str, node: &Node) -> bool {
    let Some(entries) = node.as_map() else {
        return false;
    };
    if node.get("kind").is_some() {
        return false;
    }
    let file_name = std::path::Path::new(source)
        .file_name()
        .map(|n| n.to_string_lossy());
    if file_name.is_some_and(|name| KUSTOMIZATION_FILES.contains(&name.as_ref())) {
        return true;
    }
    let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
    !keys.is_empty()
        && keys.iter().all(|key| KUSTOMIZE_FIELDS.contains(key))
        && keys.iter().any(|key| {
            matches!(
                *key,
                "resources"
                    | "bases"
                    | "components"
                    | "patches"
                    | "patchesStrategicMerge"
                    | "images"
                    | "configMapGenerator"
                    | "secretGenerator"
                    | "helmCharts"
            )
        })
}

/// The one warning for a kustomization met in the input.
fn kustomization_warning(source: &str) -> String {
    let folder = std::path::Path::new(source)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|_| source != crate::load::STDIN_NAME)
        .map(|p| if p.is_empty() { ".".to_string() } else { p });
    let (read_as_is, folder) = match &folder {
        Some(folder) => (
            " (the files it lists are read as they are)",
            folder.as_str(),
        ),
        None => ("", "DIR"),
    };
    format!(
        "skipped: kustomize input, not a Kubernetes object; its resources, patches, images and namespace are not applied{read_as_is}; to render what kustomize builds, run `kubectl kustomize {folder} | mcp-render render -` (or use the KRM function `mcp-render fn`)"
    )
}

/// A misspelt `MCPServer` (`McpServer`, `MCPServers`, `MCPSever`): in ToolHive's group it
/// would otherwise pass through as an object no API server serves.
fn looks_like_mcp_server(kind: &str) -> bool {
    let lower = kind.to_ascii_lowercase();
    kind != "MCPServer"
        && lower.len() <= 20
        && strsim::damerau_levenshtein(&lower.replace(['-', '_'], ""), "mcpserver") <= 2
}
