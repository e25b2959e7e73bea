//! mcp-render: render ToolHive `MCPServer` specs into plain Kubernetes manifests for GitOps.
//!
//! One pipeline, one module per stage, data flowing one way (see ARCHITECTURE.md):
//! [`load`] (files → located documents) → [`parse`] (MCPServer model) → [`validate`]
//! → [`render`](mod@render) (pure: spec in, typed objects out) → [`emit`] (YAML/JSON stream
//! or directory). [`run`] chains them; its entry points, re-exported here, are what the
//! `mcp-render` binary calls and what the tests call:
//!
//! - [`render()`] / [`render_str`]: the bytes `mcp-render render` writes to stdout;
//! - [`plan_dir`], then [`emit::dir::write`] or [`emit::dir::check`]: `render -o DIR`;
//! - [`owners_lock`]: `mcp-render owners`;
//! - [`init::argocd`], [`init::flux`], [`init::write_new`]: `mcp-render init`.
//!
//! Around the pipeline: [`plugin`] (Argo CD plugin mode), [`templates`] (the text
//! artifacts), [`schema`] (JSON Schema of the input), [`github`] (workflow annotations).

mod atomic;
pub mod diagnostic;
pub mod emit;
pub mod github;
pub mod init;
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

pub use atomic::write_file_atomically;
pub use diagnostic::{Diagnostic, Diagnostics, Location, Severity};
pub use emit::dir::{DirError, Drift, WriteReport};
pub use emit::{EmitError, Format, Stream};
pub use init::InitError;
pub use load::Limits;
pub use model::OwnerRefs;
pub use run::{
    DirPlan, Error, Options, OwnersLock, Rendering, owners_lock, plan_dir, read_yaml_stream,
    render, render_str,
};
