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
        ] {
            assert_eq!(format!("{ENV_PREFIX}{short}"), full);
        }
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
