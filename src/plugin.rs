//! Argo CD plugin mode: the environment variables mcp-render reads inside a Config Management
//! Plugin, and the rule that keeps a broken render from pruning an Application.
//!
//! Argo CD passes an Application's `spec.source.plugin.env` entries to the plugin prefixed
//! with `ARGOCD_ENV_`. `render` reads the variables below whenever the matching flag is not
//! given (a flag always wins). They are read everywhere, not only under Argo CD, so the
//! behaviour can be tried locally.

use crate::diagnostic::Diagnostic;
use crate::render::Rendered;

/// The prefix Argo CD puts before each `plugin.env` name.
pub const ENV_PREFIX: &str = "ARGOCD_ENV_";

/// `plugin.env` name for `--namespace`.
pub const NAMESPACE: &str = "MCP_RENDER_NAMESPACE";
/// Variable for `--namespace`.
pub const ENV_NAMESPACE: &str = "ARGOCD_ENV_MCP_RENDER_NAMESPACE";
/// `plugin.env` name for `--owner-refs`.
pub const OWNER_REFS: &str = "MCP_RENDER_OWNER_REFS";
/// Variable for `--owner-refs` (`auto`, `require`, `omit`).
pub const ENV_OWNER_REFS: &str = "ARGOCD_ENV_MCP_RENDER_OWNER_REFS";
/// `plugin.env` name for `--owners`.
pub const OWNERS: &str = "MCP_RENDER_OWNERS";
/// Variable for `--owners` (one file).
pub const ENV_OWNERS: &str = "ARGOCD_ENV_MCP_RENDER_OWNERS";
/// `plugin.env` name for `--service-accounts`.
pub const SERVICE_ACCOUNTS: &str = "MCP_RENDER_SERVICE_ACCOUNTS";
/// Variable for `--service-accounts` (`render`, `omit`).
pub const ENV_SERVICE_ACCOUNTS: &str = "ARGOCD_ENV_MCP_RENDER_SERVICE_ACCOUNTS";
/// `plugin.env` name for `--image-pull-secret`.
pub const IMAGE_PULL_SECRETS: &str = "MCP_RENDER_IMAGE_PULL_SECRETS";
/// Variable for `--image-pull-secret` (Secret names, comma-separated).
pub const ENV_IMAGE_PULL_SECRETS: &str = "ARGOCD_ENV_MCP_RENDER_IMAGE_PULL_SECRETS";
/// `plugin.env` name for `--allow-empty`.
pub const ALLOW_EMPTY: &str = "MCP_RENDER_ALLOW_EMPTY";
/// Variable for `--allow-empty` (`true` or `false`).
pub const ENV_ALLOW_EMPTY: &str = "ARGOCD_ENV_MCP_RENDER_ALLOW_EMPTY";

/// `plugin.env` name for `--platform`.
pub const PLATFORM: &str = "MCP_RENDER_PLATFORM";
/// Variable for `--platform` (`kubernetes` or `openshift`).
pub const ENV_PLATFORM: &str = "ARGOCD_ENV_MCP_RENDER_PLATFORM";
/// `plugin.env` name for `--strict`.
pub const STRICT: &str = "MCP_RENDER_STRICT";
/// Variable for `--strict` (`true` or `false`).
pub const ENV_STRICT: &str = "ARGOCD_ENV_MCP_RENDER_STRICT";
/// `plugin.env` name for `--crd`.
pub const CRD: &str = "MCP_RENDER_CRD";
/// Variable for `--crd` (a file in the repository).
pub const ENV_CRD: &str = "ARGOCD_ENV_MCP_RENDER_CRD";

/// Set by Argo CD for every plugin command: its presence means "running as a plugin".
pub const APP_NAME: &str = "ARGOCD_APP_NAME";

/// Set by Argo CD: the Application's destination namespace. The namespace of MCPServers that
/// set none when neither `--namespace`, its plugin env nor the `namespace` parameter does.
pub const APP_NAMESPACE: &str = "ARGOCD_APP_NAMESPACE";
/// Set by Argo CD: the Application's `spec.source.plugin.parameters`, as a JSON list of
/// `{name, string|array|map}`.
pub const APP_PARAMETERS: &str = "ARGOCD_APP_PARAMETERS";
/// Parameter for `--namespace` (`plugin.yaml` `parameters.static`).
pub const PARAM_NAMESPACE: &str = "namespace";
/// Parameter for `--owner-refs`.
pub const PARAM_OWNER_REFS: &str = "owner-refs";
/// Parameter for `--allow-empty` (`true` or `false`).
pub const PARAM_ALLOW_EMPTY: &str = "allow-empty";

/// The string parameters an Application gives the plugin. Read from [`APP_PARAMETERS`], and,
/// inside Argo CD only (the names are generic), from `PARAM_<NAME>` (upper case, other
/// characters as `_`), which Argo CD sets too. Flags and `ARGOCD_ENV_*` variables win over
/// parameters: a parameter fills in only what neither gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameters {
    /// `namespace`.
    pub namespace: Option<String>,
    /// `owner-refs`, as written.
    pub owner_refs: Option<String>,
    /// `allow-empty`.
    pub allow_empty: bool,
}

impl Parameters {
    /// Reads the parameters through `env` (a variable's value by name).
    pub fn read(env: &dyn Fn(&str) -> Option<String>) -> Result<Parameters, Diagnostic> {
        let problem = |message: String| Diagnostic::error(None, "", message);
        let mut given: Vec<(String, String)> = Vec::new();
        if let Some(json) = env(APP_PARAMETERS).filter(|j| !j.trim().is_empty()) {
            let list: Vec<serde_json::Value> = serde_json::from_str(&json).map_err(|e| {
                problem(format!(
                    "{APP_PARAMETERS}: not a JSON list of parameters: {e}"
                ))
            })?;
            for entry in list {
                let Some(name) = entry.get("name").and_then(|n| n.as_str()) else {
                    return Err(problem(format!(
                        "{APP_PARAMETERS}: a parameter without a name"
                    )));
                };
                if !KNOWN.contains(&name) {
                    continue;
                }
                match entry.get("string").and_then(|v| v.as_str()) {
                    Some(value) => given.push((name.to_string(), value.to_string())),
                    None => {
                        return Err(problem(format!(
                            "{APP_PARAMETERS}: parameter `{name}` must be a string"
                        )));
                    }
                }
            }
        }
        if in_argocd(env(APP_NAME).as_deref()) {
            for name in KNOWN {
                if given.iter().any(|(n, _)| n == name) {
                    continue;
                }
                if let Some(value) = env(&param_variable(name)) {
                    given.push((name.to_string(), value));
                }
            }
        }
        let mut parameters = Parameters::default();
        for (name, value) in given {
            match name.as_str() {
                PARAM_NAMESPACE => parameters.namespace = Some(value).filter(|v| !v.is_empty()),
                PARAM_OWNER_REFS => parameters.owner_refs = Some(value).filter(|v| !v.is_empty()),
                _ => {
                    parameters.allow_empty = match value.as_str() {
                        "true" => true,
                        "false" | "" => false,
                        other => {
                            return Err(problem(format!(
                                "parameter `{PARAM_ALLOW_EMPTY}`: `{other}` is neither `true` nor `false`"
                            )));
                        }
                    }
                }
            }
        }
        Ok(parameters)
    }
}

const KNOWN: [&str; 3] = [PARAM_NAMESPACE, PARAM_OWNER_REFS, PARAM_ALLOW_EMPTY];

/// The variable Argo CD sets for a string parameter: `PARAM_` and the name in upper case,
/// every character other than a letter or digit as `_`.
pub fn param_variable(name: &str) -> String {
    let mut variable = String::from("PARAM_");
    variable.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    variable
}

/// The `parameters.dynamic` announcement: the MCPServers found in the Application's path,
/// as `namespace/name` (or `name`), shown read-only in the Argo CD UI.
pub fn dynamic_parameters(servers: &[String]) -> String {
    let announcement = serde_json::json!([{
        "name": "servers",
        "title": "MCPServers found in the path (informational)",
        "tooltip": "Every MCPServer mcp-render renders for this Application: a StatefulSet each, and two Services for the HTTP transports.",
        "collectionType": "array",
        "array": servers,
    }]);
    let mut text = announcement.to_string();
    text.push('\n');
    text
}

/// True when `value` (of [`APP_NAME`]) says we run inside an Argo CD plugin.
pub fn in_argocd(app_name: Option<&str>) -> bool {
    app_name.is_some_and(|name| !name.is_empty())
}

/// Inside Argo CD, an empty render is refused unless allowed: Argo CD prunes every object of
/// an Application whose plugin prints nothing, so a wrong path or a lost folder must fail
/// loudly instead. (A render with MCPServers is never empty: each one is a StatefulSet.)
pub fn refuse_empty(rendered: &Rendered, in_argocd: bool, allow_empty: bool) -> Option<Diagnostic> {
    refuse_no_objects(rendered.object_count(), in_argocd, allow_empty)
}

/// [`refuse_empty`] for a render of `objects` objects (or input objects: each gives at least
/// one), known before anything is rendered.
pub fn refuse_no_objects(objects: usize, in_argocd: bool, allow_empty: bool) -> Option<Diagnostic> {
    if !in_argocd || allow_empty || objects > 0 {
        return None;
    }
    Some(Diagnostic::error(
        None,
        "",
        format!(
            "no objects found: refusing to print an empty render inside Argo CD ({APP_NAME} is set), which would prune the whole Application; check the Application's path, or set the plugin env {ALLOW_EMPTY}=true (--allow-empty) if empty is intended"
        ),
    ))
}

/// With `render -o DIR` (and `--check`), an empty render is refused unless allowed: it
/// would remove every file an earlier render wrote into DIR, and a GitOps tool that prunes
/// (Flux `prune: true`, Argo CD) would then delete every MCP server from the cluster. A
/// mistyped or moved input path is the usual cause.
pub fn refuse_empty_dir(objects: usize, allow_empty: bool) -> Option<Diagnostic> {
    if allow_empty || objects > 0 {
        return None;
    }
    Some(Diagnostic::error(
        None,
        "",
        "no objects found: refusing to write an empty folder, which would remove every file mcp-render wrote there before (and a GitOps tool that prunes would delete those objects from the cluster); check the input paths, or pass --allow-empty if empty is intended",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_the_prefixed_names() {
        for (short, full) in [
            (NAMESPACE, ENV_NAMESPACE),
            (OWNER_REFS, ENV_OWNER_REFS),
            (OWNERS, ENV_OWNERS),
            (ALLOW_EMPTY, ENV_ALLOW_EMPTY),
            (SERVICE_ACCOUNTS, ENV_SERVICE_ACCOUNTS),
            (IMAGE_PULL_SECRETS, ENV_IMAGE_PULL_SECRETS),
        ] {
            assert_eq!(format!("{ENV_PREFIX}{short}"), full);
        }
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn parameters_come_from_the_json_list_then_param_variables_inside_argocd() {
        let env = env_of(&[
            (
                APP_PARAMETERS,
                r#"[{"name":"namespace","string":"tools"},{"name":"other","array":["x"]}]"#,
            ),
            ("PARAM_NAMESPACE", "ignored"),
            ("PARAM_OWNER_REFS", "omit"),
            ("PARAM_ALLOW_EMPTY", "true"),
            (APP_NAME, "demo"),
        ]);
        let p = Parameters::read(&env).expect("valid");
        assert_eq!(p.namespace.as_deref(), Some("tools"));
        assert_eq!(p.owner_refs.as_deref(), Some("omit"));
        assert!(p.allow_empty);
        // Outside Argo CD the generic PARAM_* names mean nothing.
        let outside = env_of(&[("PARAM_NAMESPACE", "tools")]);
        assert_eq!(
            Parameters::read(&outside).expect("valid"),
            Parameters::default()
        );
        let bad = env_of(&[(APP_PARAMETERS, r#"[{"name":"allow-empty","string":"yes"}]"#)]);
        assert!(Parameters::read(&bad).is_err());
        let not_json = env_of(&[(APP_PARAMETERS, "[")]);
        assert!(Parameters::read(&not_json).is_err());
        assert_eq!(param_variable("owner-refs"), "PARAM_OWNER_REFS");
    }

    #[test]
    fn empty_renders_are_refused_only_inside_argocd() {
        let empty = Rendered::default();
        assert!(refuse_empty(&empty, true, false).is_some());
        assert!(refuse_empty(&empty, true, true).is_none());
        assert!(refuse_empty(&empty, false, false).is_none());
        assert!(!in_argocd(Some("")));
        assert!(in_argocd(Some("tools")));
        assert!(!in_argocd(None));
    }
}
