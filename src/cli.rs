//! The command line's flags: every clap type of the binary, and `From` impls that turn them
//! into the library's options. No clap type crosses into the library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use mcp_render::{
    AccountOptions, Format, Limits, OwnerRefs, Platform, ServiceAccounts, impact, init, plugin,
};

/// Render ToolHive MCPServer specs into plain Kubernetes manifests for GitOps.
#[derive(Debug, Parser)]
#[command(name = "mcp-render", version = version(), about, long_about = None, after_help = TOP_EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// `--version`: this version and the ToolHive release the built-in schema and the rendering
/// follow.
fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        format!(
            "{} (ToolHive {})",
            env!("CARGO_PKG_VERSION"),
            mcp_render::TOOLHIVE_VERSION
        )
    })
}

const TOP_EXAMPLES: &str = "\
Examples:
  mcp-render render servers/ | kubectl apply -f -
  mcp-render render -o rendered servers/          # a rendered-manifests folder
  mcp-render render -o rendered --check servers/  # CI drift gate
  mcp-render init argocd --help";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render MCPServers (and pass other objects through) as Kubernetes manifests.
    #[command(after_help = RENDER_EXAMPLES)]
    Render(RenderArgs),
    /// Write Argo CD or Flux integration files.
    #[command(subcommand, after_help = INIT_EXAMPLES)]
    Init(InitCommand),
    /// Turn `kubectl get statefulsets -o json|yaml` output into a small owners lock file.
    #[command(after_help = OWNERS_EXAMPLES)]
    Owners(OwnersArgs),
    /// Say what applying NEW over OLD will do to a cluster: each object that differs
    /// between two renders, classified as create, delete, in-place, rollout or rejected.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Print a JSON Schema of the MCPServer input this version accepts (for editors).
    #[command(after_help = SCHEMA_EXAMPLES)]
    Schema,
    /// Run as a KRM function (kustomize exec functions, kpt): a ResourceList on stdin, every
    /// MCPServer among its items replaced by its rendered objects, on stdout.
    #[command(after_help = FN_EXAMPLES)]
    Fn,
    /// Argo CD `parameters.dynamic`: the MCPServers in PATHS (default `.`) as a JSON
    /// parameter announcement.
    #[command(hide = true)]
    ArgocdParameters {
        /// Files or directories.
        paths: Vec<PathBuf>,
    },
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

const RENDER_EXAMPLES: &str = "\
Examples:
  mcp-render render servers/                     # a YAML stream on stdout
  mcp-render render -n tools server.yaml         # namespace for servers without one
  kubectl get sts -A -o yaml > owners.yaml
  mcp-render render --owners owners.yaml servers/ # Services owned by the live StatefulSets
  cat server.yaml | mcp-render render --format json
  mcp-render render -o rendered servers/         # one file per object, plus kustomization.yaml
  mcp-render render -o rendered --check servers/ # exit 1 and a diff when rendered/ is stale

In an Argo CD plugin, flags not given fall back to the ARGOCD_ENV_MCP_RENDER_* variables
shown with each flag, and an empty render is refused (ARGOCD_APP_NAME is set).
With GITHUB_ACTIONS=true, errors and drift are also printed as workflow annotations.";

const INIT_EXAMPLES: &str = "\
Examples:
  mcp-render init argocd --repo-url https://github.com/example/platform.git \\
      --path mcp/servers --namespace tools --image registry.example.com/mcp-render:0.1.0
  mcp-render init flux --path mcp/rendered --inputs mcp/servers
  mcp-render init argocd --help                   # every flag of one target";

const OWNERS_EXAMPLES: &str = "\
Examples:
  kubectl get statefulsets -A -l toolhive=true -o json | mcp-render owners -o owners.lock.yaml
  mcp-render render --owners owners.lock.yaml -o rendered servers/

A re-created StatefulSet gets a new UID: refresh the lock file, or Kubernetes' garbage
collector deletes the Services that point at the old one.";

const DIFF_EXAMPLES: &str = "\
Examples:
  git show main:mcp/servers.yaml | mcp-render render - > old.yaml
  mcp-render render mcp/servers.yaml > new.yaml
  mcp-render diff old.yaml new.yaml                   # summary (stderr), diffs (stdout)
  mcp-render diff --report markdown old.yaml new.yaml > comment.md
  mcp-render diff --fail-on rejected old/ new/        # allow restarts, block rejections

Exit codes: 0 no change that --fail-on counts; 1 such changes; 2 invalid input.";

const SCHEMA_EXAMPLES: &str = "\
Examples:
  mcp-render schema > mcpserver.schema.json
  # then, first line of an MCPServer file (yaml-language-server):
  # yaml-language-server: $schema=./mcpserver.schema.json";

const FN_EXAMPLES: &str = "\
Options come from the ResourceList's functionConfig, an `mcp-render.dev/v1alpha1` `MCPRender`
(or a ConfigMap's data): namespace, ownerRefs, owners, paths, imagePullSecrets,
serviceAccounts. See the README, \"Use with kustomize\".

Examples:
  kustomize build --enable-alpha-plugins --enable-exec overlays/prod";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  mcp-render completions bash > ~/.local/share/bash-completion/completions/mcp-render
  mcp-render completions zsh > \"${fpath[1]}/_mcp-render\"
  mcp-render completions fish > ~/.config/fish/completions/mcp-render.fish";

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Files or directories (recursively *.yaml, *.yml, *.json); `-` or nothing reads stdin.
    pub paths: Vec<PathBuf>,

    /// Namespace for MCPServers and other namespaced objects that set none; without it they
    /// get no namespace.
    #[arg(short, long, value_name = "NS", env = plugin::ENV_NAMESPACE)]
    pub namespace: Option<String>,

    /// `kubectl get statefulsets -o yaml|json` output (or an owners lock file) giving the
    /// live StatefulSets' UIDs for the Services' ownerReferences. Repeatable.
    #[arg(long, value_name = "FILE", env = plugin::ENV_OWNERS)]
    pub owners: Vec<PathBuf>,

    /// auto (default): ownerReferences where the UID is known, else none and a warning;
    /// require: a missing UID is an error; omit: never.
    #[arg(long, value_enum, value_name = "POLICY", env = plugin::ENV_OWNER_REFS)]
    pub owner_refs: Option<OwnerRefsArg>,

    /// render: a ServiceAccount `<name>-sa` for each MCPServer that sets no
    /// spec.serviceAccount, as ToolHive's operator creates it; omit: none (the accounts are
    /// managed elsewhere; the pods still name them).
    #[arg(long, value_enum, default_value_t = ServiceAccountsArg::Render, value_name = "MODE",
          env = plugin::ENV_SERVICE_ACCOUNTS)]
    pub service_accounts: ServiceAccountsArg,

    /// A Secret that every rendered ServiceAccount lists in imagePullSecrets after the
    /// MCPServer's own (resourceOverrides.proxyDeployment.imagePullSecrets), like ToolHive's
    /// chart defaults. Repeatable; comma-separated in the variable.
    #[arg(long, value_name = "NAME", value_delimiter = ',',
          value_parser = mcp_render::pull_secret_name, env = plugin::ENV_IMAGE_PULL_SECRETS)]
    pub image_pull_secret: Vec<String>,

    /// Stream format on stdout.
    #[arg(long, value_enum, default_value_t = FormatArg::Yaml, conflicts_with = "output_dir")]
    pub format: FormatArg,

    /// Write a rendered-manifests folder instead of stdout: one file per MCPServer and per
    /// other object, in a folder per namespace, plus kustomization.yaml. Replaces the files
    /// it wrote before (atomically), never touches others.
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// With -o: write nothing; exit 0 when DIR is up to date, else 1 with a unified diff,
    /// after a summary of what the change will do to the cluster.
    #[arg(long, requires = "output_dir")]
    pub check: bool,

    #[command(flatten)]
    pub gate: Gate,

    /// Accept a render with no objects: an empty stream inside Argo CD (see below), an empty
    /// folder with -o (which removes every file it wrote there before).
    #[arg(long, env = plugin::ENV_ALLOW_EMPTY)]
    pub allow_empty: bool,

    /// The platform ToolHive would detect: on openshift the pods get no runAsUser, runAsGroup
    /// or fsGroup (the namespace's SCC assigns them), even where the podTemplateSpec sets them.
    #[arg(long, value_enum, default_value_t = PlatformArg::Kubernetes, value_name = "PLATFORM",
          env = plugin::ENV_PLATFORM)]
    pub platform: PlatformArg,

    /// Make security settings that have no effect without ToolHive's proxy (oidcConfigRef,
    /// authzConfig, rateLimiting, ...) an error instead of a warning.
    #[arg(long, env = plugin::ENV_STRICT)]
    pub strict: bool,

    /// Check MCPServers against this CRD (`kubectl get crd mcpservers.toolhive.stacklok.dev
    /// -o yaml`) instead of the built-in one (ToolHive v0.44.0).
    #[arg(long, value_name = "FILE", env = plugin::ENV_CRD)]
    pub crd: Option<PathBuf>,

    /// Largest input file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_bytes)]
    pub max_file_size: u64,

    #[command(flatten)]
    pub warnings: Warnings,
}

/// How repeated warnings are printed (every command that reads input and warns).
#[derive(Debug, Args)]
pub struct Warnings {
    /// Print every warning. Without it, when more than 4 warnings have the same field and
    /// message, the first 3 are printed and one line says how many more there are (errors
    /// are always printed, each one).
    #[arg(long)]
    pub all_warnings: bool,
}

impl Command {
    /// `--all-warnings` of the commands that have it; false for the others.
    pub fn all_warnings(&self) -> bool {
        match self {
            Command::Render(args) => args.warnings.all_warnings,
            Command::Owners(args) => args.warnings.all_warnings,
            Command::Diff(args) => args.warnings.all_warnings,
            _ => false,
        }
    }
}

/// What a drift gate prints and when it fails (`render --check`, `diff`).
#[derive(Debug, Args)]
pub struct Gate {
    /// text: a summary of the changes on stderr, the unified diff on stdout; json: a report
    /// on stdout instead of the diff; markdown: a pull-request comment on stdout.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub report: Option<ReportArg>,

    /// Which changes fail (exit 1): rejected: only changes the API server refuses;
    /// rollout: also deletions and pod restarts; any (default): any difference.
    #[arg(long, value_enum, value_name = "CLASS")]
    pub fail_on: Option<FailOnArg>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old render: a file, a folder (read recursively) or `-` for stdin.
    pub old: PathBuf,
    /// The new render: a file, a folder or `-` (only one side may be `-`).
    pub new: PathBuf,
    #[command(flatten)]
    pub gate: Gate,
    #[command(flatten)]
    pub warnings: Warnings,
}

/// `--report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportArg {
    /// Summary on stderr, unified diff on stdout.
    Text,
    /// `{"changes": [...]}` on stdout.
    Json,
    /// A pull-request comment on stdout.
    Markdown,
}

/// `--fail-on`: [`impact::FailOn`] as a flag value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Only rejected changes fail.
    Rejected,
    /// Rejected changes, deletions and rollouts fail.
    Rollout,
    /// Any difference fails.
    Any,
}

impl Gate {
    /// Whether a flag of the gate was given.
    pub fn is_set(&self) -> bool {
        self.report.is_some() || self.fail_on.is_some()
    }

    /// The report format (text by default).
    pub fn report(&self) -> ReportArg {
        self.report.unwrap_or(ReportArg::Text)
    }

    /// The failing classes (any by default).
    pub fn fail_on(&self) -> impact::FailOn {
        self.fail_on.map_or(impact::FailOn::Any, Into::into)
    }
}

impl From<FailOnArg> for impact::FailOn {
    fn from(arg: FailOnArg) -> impact::FailOn {
        match arg {
            FailOnArg::Rejected => impact::FailOn::Rejected,
            FailOnArg::Rollout => impact::FailOn::Rollout,
            FailOnArg::Any => impact::FailOn::Any,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum InitCommand {
    /// Argo CD: the config management plugin, its repo-server sidecar, an Application.
    #[command(after_help = ARGOCD_EXAMPLES)]
    Argocd(ArgoCdArgs),
    /// Flux: a Kustomization over the rendered folder, and the `flux push artifact` recipe.
    #[command(after_help = FLUX_EXAMPLES)]
    Flux(FluxArgs),
}

const ARGOCD_EXAMPLES: &str = "\
Examples:
  mcp-render init argocd --repo-url https://github.com/example/platform.git \\
      --path mcp/servers --namespace tools
  # then see argocd/README.md";

const FLUX_EXAMPLES: &str = "\
Examples:
  mcp-render init flux --path mcp/rendered --inputs mcp/servers
  mcp-render init flux --path mcp/rendered --inputs mcp/servers \\
      --oci-url oci://ghcr.io/example/mcp-servers
  # then see flux/README.md";

/// Flags every `init` target shares.
#[derive(Debug, Args)]
pub struct InitOutput {
    /// Folder to write the files to (created if missing); default `./argocd` or `./flux`.
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ArgoCdArgs {
    /// Git repository of the Application.
    #[arg(long, value_name = "URL")]
    pub repo_url: String,
    /// Folder with the MCPServer files, relative to the repository root.
    #[arg(long)]
    pub path: String,
    /// Destination namespace, and the namespace of MCPServers that set none.
    #[arg(short, long, value_name = "NS")]
    pub namespace: String,
    /// Sidecar image that holds `mcp-render` on its PATH (the Dockerfile's image); default
    /// the release workflow's image for this version.
    #[arg(long, default_value_t = init::default_image())]
    pub image: String,
    /// Git revision to deploy.
    #[arg(long, default_value = "HEAD")]
    pub revision: String,
    /// Application name.
    #[arg(long, default_value = "mcp-servers")]
    pub name: String,
    /// Argo CD project.
    #[arg(long, default_value = "default")]
    pub project: String,
    /// Namespace Argo CD runs in.
    #[arg(long, value_name = "NS", default_value = "argocd")]
    pub argocd_namespace: String,
    /// Destination cluster.
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://kubernetes.default.svc"
    )]
    pub dest_server: String,
    /// Owner-reference policy of the plugin. `omit` by default: Argo CD never prunes objects
    /// that carry ownerReferences.
    #[arg(long, value_enum, default_value_t = OwnerRefsArg::Omit, value_name = "POLICY")]
    pub owner_refs: OwnerRefsArg,
    /// Owners lock file, relative to --path.
    #[arg(long, value_name = "FILE")]
    pub owners: Option<String>,
    /// Let Applications that name no plugin use this one when their path holds a
    /// `.mcp-render.yaml` marker file (never keyed on MCPServer files, which would also take
    /// over Applications that apply MCPServer resources to the ToolHive operator).
    #[arg(long)]
    pub discover: bool,
    #[command(flatten)]
    pub output: InitOutput,
}

#[derive(Debug, Args)]
pub struct FluxArgs {
    /// The rendered folder (`render -o`), relative to the repository root.
    #[arg(long)]
    pub path: String,
    /// The MCPServer files or folder, relative to the repository root.
    #[arg(long)]
    pub inputs: String,
    /// `--namespace` for the render commands in the recipe.
    #[arg(short, long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Name of the Flux objects.
    #[arg(long, default_value = "mcp-servers")]
    pub name: String,
    /// Namespace of the Flux objects.
    #[arg(long, value_name = "NS", default_value = "flux-system")]
    pub flux_namespace: String,
    /// GitRepository that holds the rendered folder.
    #[arg(long, value_name = "NAME", default_value = "flux-system")]
    pub source: String,
    /// Reconcile interval.
    #[arg(long, default_value = "10m")]
    pub interval: String,
    /// Deliver through this OCI repository (oci://REGISTRY/REPOSITORY) instead of Git.
    #[arg(long, value_name = "URL")]
    pub oci_url: Option<String>,
    #[command(flatten)]
    pub output: InitOutput,
}

#[derive(Debug, Args)]
pub struct OwnersArgs {
    /// kubectl output (JSON or YAML, a List or single objects) or lock files; `-` or nothing
    /// reads stdin.
    pub paths: Vec<PathBuf>,
    /// Write the lock file here (atomically, only on success) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub warnings: Warnings,
}

/// `--format`: [`Format`] as a flag value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// A multi-document YAML stream, each document starting with `---`.
    Yaml,
    /// One `v1` `List` holding every object, as JSON.
    Json,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Yaml => Format::Yaml,
            FormatArg::Json => Format::Json,
        }
    }
}

/// `--owner-refs`: [`OwnerRefs`] as a flag value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OwnerRefsArg {
    /// Emit them where the owners file knows the UID; otherwise leave them out and warn.
    Auto,
    /// A missing UID is an error.
    Require,
    /// Never emit them.
    Omit,
}

impl From<OwnerRefsArg> for OwnerRefs {
    fn from(arg: OwnerRefsArg) -> OwnerRefs {
        match arg {
            OwnerRefsArg::Auto => OwnerRefs::Auto,
            OwnerRefsArg::Require => OwnerRefs::Require,
            OwnerRefsArg::Omit => OwnerRefs::Omit,
        }
    }
}

/// `--platform`: [`Platform`] as a flag value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// Plain Kubernetes: user and group IDs default to 1000.
    Kubernetes,
    /// OpenShift: no runAsUser, runAsGroup or fsGroup (the SCC assigns them).
    Openshift,
}

impl From<PlatformArg> for Platform {
    fn from(arg: PlatformArg) -> Platform {
        match arg {
            PlatformArg::Kubernetes => Platform::Kubernetes,
            PlatformArg::Openshift => Platform::Openshift,
        }
    }
}

/// `--service-accounts`: [`ServiceAccounts`] as a flag value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceAccountsArg {
    /// Render ServiceAccount `<name>-sa`, as ToolHive's operator creates it.
    Render,
    /// Render none: the accounts are managed elsewhere.
    Omit,
}

impl From<ServiceAccountsArg> for ServiceAccounts {
    fn from(arg: ServiceAccountsArg) -> ServiceAccounts {
        match arg {
            ServiceAccountsArg::Render => ServiceAccounts::Render,
            ServiceAccountsArg::Omit => ServiceAccounts::Omit,
        }
    }
}

impl From<&RenderArgs> for mcp_render::Options {
    fn from(args: &RenderArgs) -> mcp_render::Options {
        mcp_render::Options {
            inputs: args.paths.clone(),
            owners: args.owners.clone(),
            namespace: args.namespace.clone().filter(|ns| !ns.is_empty()),
            owner_refs: args.owner_refs.map_or(OwnerRefs::Auto, Into::into),
            accounts: AccountOptions {
                mode: args.service_accounts.into(),
                default_pull_secrets: args.image_pull_secret.clone(),
            },
            // Loaded from `args.crd` by main (reading a file is no flag conversion).
            crd: None,
            strict: args.strict,
            platform: args.platform.into(),
            limits: Limits {
                max_file_bytes: args.max_file_size,
                ..Limits::default()
            },
            // Set from the environment (ARGOCD_APP_NAME) by main.
            argocd: false,
            allow_empty: args.allow_empty,
        }
    }
}

impl From<&ArgoCdArgs> for init::ArgoCd {
    fn from(args: &ArgoCdArgs) -> init::ArgoCd {
        init::ArgoCd {
            repo_url: args.repo_url.clone(),
            path: args.path.clone(),
            revision: args.revision.clone(),
            namespace: args.namespace.clone(),
            image: args.image.clone(),
            app_name: args.name.clone(),
            project: args.project.clone(),
            argocd_namespace: args.argocd_namespace.clone(),
            dest_server: args.dest_server.clone(),
            owner_refs: args.owner_refs.into(),
            owners: args.owners.clone(),
            discover: args.discover,
        }
    }
}

impl From<&FluxArgs> for init::Flux {
    fn from(args: &FluxArgs) -> init::Flux {
        init::Flux {
            path: args.path.clone(),
            inputs: args.inputs.clone(),
            namespace: args.namespace.clone(),
            name: args.name.clone(),
            flux_namespace: args.flux_namespace.clone(),
            source: args.source.clone(),
            interval: args.interval.clone(),
            oci_url: args.oci_url.clone(),
        }
    }
}
