//! `mcp-render init argocd|flux`: integration scaffolds from the templates in `templates/`.
//!
//! [`argocd`] and [`flux`] are pure (parameters in, files out, same bytes every time);
//! [`write_new`] puts them on disk and never overwrites a file unless asked to. Scaffolds
//! start with `# Scaffolded by mcp-render init ...`, not with the mark of rendered files, so
//! `render -o` never mistakes one for its own output.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use minijinja::{Value, context};

use crate::model::OwnerRefs;
use crate::names;
use crate::plugin;
use crate::templates;

/// Scaffold files: path relative to the output folder → content.
pub type Files = BTreeMap<PathBuf, String>;

/// Parameters of `init argocd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgoCd {
    /// Git repository URL of the Application.
    pub repo_url: String,
    /// Folder with the MCPServer files, relative to the repository root.
    pub path: String,
    /// Git revision (branch, tag, commit).
    pub revision: String,
    /// Destination namespace, and the namespace of MCPServers that set none.
    pub namespace: String,
    /// Sidecar image that holds `mcp-render`.
    pub image: String,
    /// Application name.
    pub app_name: String,
    /// Argo CD project.
    pub project: String,
    /// Namespace Argo CD runs in.
    pub argocd_namespace: String,
    /// Destination cluster API server.
    pub dest_server: String,
    /// Owner-reference policy passed to the plugin.
    pub owner_refs: OwnerRefs,
    /// Owners lock file, relative to `path`, if any.
    pub owners: Option<String>,
    /// Add a `discover` rule to `plugin.yaml`.
    pub discover: bool,
}

/// Parameters of `init flux`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flux {
    /// The rendered folder (`render -o`), relative to the repository root.
    pub path: String,
    /// The MCPServer files or folder, relative to the repository root.
    pub inputs: String,
    /// `--namespace` of the render, if any.
    pub namespace: Option<String>,
    /// Name of the Flux objects (and of the file).
    pub name: String,
    /// Namespace of the Flux objects.
    pub flux_namespace: String,
    /// The `GitRepository` Flux reads (when not OCI).
    pub source: String,
    /// Reconcile interval.
    pub interval: String,
    /// OCI repository URL (`oci://...`): the Kustomization reads the pushed artifact.
    pub oci_url: Option<String>,
}

/// Why `init` did nothing: every reason, one a line.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Invalid parameters, or files in the way (without `--force`). Exit code 2.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    /// A template failed (a bug). Exit code 1.
    #[error("template error: {0:#}")]
    Template(#[from] minijinja::Error),
    /// Writing failed. Exit code 1.
    #[error("{}: {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
}

/// The name of an owner-reference policy as the CLI spells it.
pub fn owner_refs_name(policy: OwnerRefs) -> &'static str {
    match policy {
        OwnerRefs::Auto => "auto",
        OwnerRefs::Require => "require",
        OwnerRefs::Omit => "omit",
    }
}

/// Collects parameter problems.
#[derive(Default)]
struct Checks(Vec<String>);

impl Checks {
    fn label(&mut self, flag: &str, value: &str) {
        if let Err(why) = names::dns1123_label(value) {
            self.0.push(format!("{flag}: {}", quoted(value, &why)));
        }
    }

    fn subdomain(&mut self, flag: &str, value: &str) {
        if let Err(why) = names::dns1123_subdomain(value) {
            self.0.push(format!("{flag}: {}", quoted(value, &why)));
        }
    }

    fn word(&mut self, flag: &str, value: &str) {
        if value.is_empty() {
            self.0.push(format!("{flag}: must not be empty"));
        } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.0.push(format!(
                "{flag}: `{value}` must not contain spaces or control characters"
            ));
        }
    }

    fn relative(&mut self, flag: &str, value: &str) {
        self.word(flag, value);
        let path = Path::new(value);
        if path.is_absolute()
            || path
                .components()
                .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
        {
            self.0.push(format!(
                "{flag}: `{value}` must be a path inside the repository (relative, without `..`)"
            ));
        }
    }

    fn done(self) -> Result<(), InitError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(InitError::Invalid(self.0))
        }
    }
}

/// A Go duration as Flux reads it: `10m`, `1h30m`, `30s`.
/// "`value` why", or only "why" for an empty value (no "`` must not be empty").
fn quoted(value: &str, why: &str) -> String {
    if value.is_empty() {
        why.to_string()
    } else {
        format!("`{value}` {why}")
    }
}

fn is_duration(value: &str) -> bool {
    let mut rest = value;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "s", "m", "h"]
            .into_iter()
            .find(|unit| rest.starts_with(unit));
        match unit {
            Some(unit) => rest = &rest[unit.len()..],
            None => return false,
        }
    }
    true
}

fn env_context() -> Value {
    context! {
        env_namespace => plugin::ENV_NAMESPACE,
        env_owner_refs => plugin::ENV_OWNER_REFS,
        env_owners => plugin::ENV_OWNERS,
        env_allow_empty => plugin::ENV_ALLOW_EMPTY,
        env_namespace_short => plugin::NAMESPACE,
        env_owner_refs_short => plugin::OWNER_REFS,
        env_owners_short => plugin::OWNERS,
        env_allow_empty_short => plugin::ALLOW_EMPTY,
        env_platform => plugin::ENV_PLATFORM,
        env_platform_short => plugin::PLATFORM,
        env_strict => plugin::ENV_STRICT,
        env_strict_short => plugin::STRICT,
        env_crd => plugin::ENV_CRD,
        env_crd_short => plugin::CRD,
    }
}

/// Where the release workflow (`.github/workflows/release.yml`) publishes the plugin image:
/// `ghcr.io/<repository owner>/mcp-render:<version>`.
pub const IMAGE_REPOSITORY: &str = "ghcr.io/mcp-render/mcp-render";

/// `init argocd`'s default `--image`: [`IMAGE_REPOSITORY`] at this build's version, the tag the
/// release workflow gives it (`v` and the Cargo version). Forks publish under their own
/// owner and pass `--image`.
pub fn default_image() -> String {
    format!("{IMAGE_REPOSITORY}:v{}", env!("CARGO_PKG_VERSION"))
}

/// The Argo CD scaffold: `plugin.yaml`, `repo-server-patch.yaml`, `kustomization.yaml` (a
/// kustomize Component installing both), `application.yaml` and `README.md`.
pub fn argocd(params: &ArgoCd) -> Result<Files, InitError> {
    let mut checks = Checks::default();
    checks.word("--repo-url", &params.repo_url);
    checks.relative("--path", &params.path);
    checks.word("--revision", &params.revision);
    checks.label("--namespace", &params.namespace);
    checks.word("--image", &params.image);
    checks.subdomain("--name", &params.app_name);
    checks.subdomain("--project", &params.project);
    checks.label("--argocd-namespace", &params.argocd_namespace);
    checks.word("--dest-server", &params.dest_server);
    if let Some(owners) = &params.owners {
        checks.relative("--owners", owners);
    }
    checks.done()?;
    let ctx = context! {
        repo_url => params.repo_url.clone(),
        path => params.path.clone(),
        revision => params.revision.clone(),
        namespace => params.namespace.clone(),
        image => params.image.clone(),
        app_name => params.app_name.clone(),
        project => params.project.clone(),
        argocd_namespace => params.argocd_namespace.clone(),
        dest_server => params.dest_server.clone(),
        owner_refs => owner_refs_name(params.owner_refs),
        owners => params.owners.clone(),
        discover => params.discover,
        ..env_context()
    };
    let mut files = Files::new();
    for (file, template) in [
        ("plugin.yaml", "argocd/plugin.yaml.j2"),
        ("repo-server-patch.yaml", "argocd/repo-server-patch.yaml.j2"),
        ("kustomization.yaml", "argocd/kustomization.yaml.j2"),
        ("application.yaml", "argocd/application.yaml.j2"),
        ("README.md", "argocd/README.md.j2"),
    ] {
        files.insert(
            PathBuf::from(file),
            templates::render(template, ctx.clone())?,
        );
    }
    Ok(files)
}

/// The Flux scaffold: `<name>.yaml` (a `Kustomization`, plus its `OCIRepository` with
/// `--oci-url`), `push-artifact.sh` and `README.md`.
pub fn flux(params: &Flux) -> Result<Files, InitError> {
    let mut checks = Checks::default();
    checks.relative("--path", &params.path);
    checks.relative("--inputs", &params.inputs);
    if let Some(namespace) = &params.namespace {
        checks.label("--namespace", namespace);
    }
    checks.label("--name", &params.name);
    checks.label("--flux-namespace", &params.flux_namespace);
    checks.subdomain("--source", &params.source);
    if !is_duration(&params.interval) {
        checks.0.push(format!(
            "--interval: `{}` is not a duration like 10m, 1h or 1h30m",
            params.interval
        ));
    }
    if let Some(url) = &params.oci_url {
        let ok = url.strip_prefix("oci://").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-:/@".contains(&b))
        });
        if !ok {
            checks.0.push(format!(
                "--oci-url: `{url}` must look like oci://REGISTRY/REPOSITORY (no tag)"
            ));
        }
    }
    checks.done()?;
    let path = flux_path(&params.path);
    let ctx = context! {
        path,
        inputs => params.inputs.clone(),
        namespace => params.namespace.clone(),
        name => params.name.clone(),
        flux_namespace => params.flux_namespace.clone(),
        source => params.source.clone(),
        interval => params.interval.clone(),
        oci_url => params.oci_url.clone(),
    };
    let mut files = Files::new();
    files.insert(
        PathBuf::from(format!("{}.yaml", params.name)),
        templates::render("flux/kustomization.yaml.j2", ctx.clone())?,
    );
    files.insert(
        PathBuf::from("push-artifact.sh"),
        templates::render("flux/push-artifact.sh.j2", ctx.clone())?,
    );
    files.insert(
        PathBuf::from("README.md"),
        templates::render("flux/README.md.j2", ctx)?,
    );
    Ok(files)
}

/// Flux writes paths relative to the repository root as `./path`.
fn flux_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.starts_with("./") || trimmed == "." {
        trimmed.to_string()
    } else {
        format!("./{trimmed}")
    }
}

/// Writes `files` below `dir` (created if missing). Without `force`, refuses, before writing
/// anything, if any of the files exists. Each file is replaced atomically (a temporary file
/// renamed over it), so a symbolic link in its place is replaced, never written through.
/// Scripts (`*.sh`) are made executable. Returns the paths written.
pub fn write_new(dir: &Path, files: &Files, force: bool) -> Result<Vec<PathBuf>, InitError> {
    if !force {
        let taken: Vec<String> = files
            .keys()
            .map(|path| dir.join(path))
            .filter(|path| std::fs::symlink_metadata(path).is_ok())
            .map(|path| format!("{}: exists; pass --force to overwrite", path.display()))
            .collect();
        if !taken.is_empty() {
            return Err(InitError::Invalid(taken));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| InitError::Io(dir.to_path_buf(), e))?;
    let mut written = Vec::new();
    for (path, content) in files {
        let target = dir.join(path);
        // Scripts are made executable.
        let mode = if path.extension().is_some_and(|ext| ext == "sh") {
            0o755
        } else {
            0o644
        };
        crate::atomic::write_file_atomically(&target, content.as_bytes(), mode)
            .map_err(|e| InitError::Io(target.clone(), e))?;
        written.push(target);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for ok in ["10m", "1h30m", "30s", "500ms"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["", "10", "m", "1d", "1.5h", "10m "] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn flux_paths_start_with_dot_slash() {
        assert_eq!(flux_path("rendered"), "./rendered");
        assert_eq!(flux_path("./rendered/"), "./rendered");
        assert_eq!(flux_path("."), ".");
    }
}
