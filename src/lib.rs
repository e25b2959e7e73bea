//! mcp-render: render ToolHive `MCPServer` specs into plain Kubernetes manifests for GitOps.
//!
//! The pipeline runs one way, one module per stage:
//! [`load`] (files → located documents) → [`parse`] (MCPServer model) → [`validate`]
//! → [`render`] (pure: spec in, typed objects out) → [`emit`] (YAML/JSON stream or directory).
//! [`run`] chains them for the command line and for tests.
//!
//! Around the pipeline: [`emit::dir`] (rendered-manifest directories and the `--check` drift
//! gate), [`plugin`] (Argo CD plugin mode), [`init`] and [`templates`] (GitOps scaffolds), [`krm`] (the KRM function),
//! [`schema`] (JSON Schema of the input), [`github`] (workflow annotations).

pub mod diagnostic;
pub mod emit;
pub mod github;
pub mod init;
pub mod krm;
pub mod load;
pub mod model;
pub mod names;
pub mod node;
pub mod par;
pub mod parse;
pub mod plugin;
pub mod render;
pub mod run;
pub mod schema;
pub mod templates;
pub mod validate;
pub mod yaml11;

pub use diagnostic::{Diagnostic, Diagnostics};
