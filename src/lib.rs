//! mcp-render: render ToolHive `MCPServer` specs into plain Kubernetes manifests for GitOps.
//!
//! One pipeline, one module per stage, data flowing one way (ARCHITECTURE.md draws it):
//! load (files → located documents) → parse (the MCPServer model) → validate → render (pure:
//! spec in, typed objects out) → emit (a YAML/JSON stream, or the files of a directory).
//! The entry points below run all of it; they are what the `mcp-render` binary calls, and
//! what the tests and the fuzz target call:
//!
//! - [`render()`] and [`render_str`]: the bytes `mcp-render render` writes to stdout, in
//!   memory; [`prepare`] then [`write_stream`]: the same bytes written out as they are made
//!   (what the binary runs: the stream is never held whole);
//! - [`plan_dir`], then [`dir::write`] or [`dir::check`]: `mcp-render render -o DIR [--check]`;
//! - [`owners_lock`]: `mcp-render owners`;
//! - [`init::argocd`], [`init::flux`] and [`init::write_new`]: `mcp-render init`;
//! - [`schema::to_string`]: `mcp-render schema`;
//! - [`impact::compare`]: what a change will do (`render --check`, `mcp-render diff`);
//! - [`krm::run`]: `mcp-render fn`, the KRM function (kustomize, kpt).
//!
//! Every failure of the input comes back as [`Diagnostics`] (`path:line:col: field: message`,
//! all of them, never only the first), and nothing is returned for output then.
//!
//! Around the pipeline: [`plugin`] (the Argo CD plugin's environment), [`github`] (workflow
//! annotations). The stage modules are hidden: they are reachable for this crate's own tests
//! and benchmarks only, unstable, and no part of the API.
//!
//! ```
//! let yaml = mcp_render::render_str(
//!     "apiVersion: toolhive.stacklok.dev/v1beta1
//! kind: MCPServer
//! metadata: {name: fetch}
//! spec: {image: ghcr.io/stackloklabs/gofetch/server:1.0.1}
//! ",
//!     &mcp_render::Options::default(),
//! )?;
//! assert!(yaml.contains("kind: StatefulSet"));
//! # Ok::<(), mcp_render::Error>(())
//! ```

mod atomic;
mod diagnostic;
mod node;
mod templates;
mod walk;

// The stages, hidden: reachable only for this crate's own tests (the stage-by-stage
// reference pipeline, the YAML 1.1 and name-rule oracles) and benchmarks (each stage timed
// on its own). Not part of the API; use the re-exports below.
#[doc(hidden)]
pub mod emit;
#[doc(hidden)]
pub mod load;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod names;
#[doc(hidden)]
pub mod parse;
#[doc(hidden)]
pub mod render;
#[doc(hidden)]
pub mod run;
#[doc(hidden)]
pub mod validate;
#[doc(hidden)]
pub mod yaml11;

pub mod github;
pub mod impact;
pub mod init;
pub mod krm;
pub mod plugin;
pub mod schema;

pub use atomic::write_file_atomically;
pub use diagnostic::{Diagnostic, Diagnostics, Location, Severity};
pub use emit::dir;
pub use emit::{EmitError, Format, Sink, Stream, WriteError, WriteSink};
pub use init::InitError;
pub use load::{Limits, PieceSize};
pub use model::{OwnerRefs, Platform};
pub use parse::crd::{Crd, TOOLHIVE_VERSION};
pub use render::service_account::{AccountOptions, ServiceAccounts, pull_secret_name};
pub use run::{
    DirPlan, Error, Options, OwnersLock, Rendering, Valid, owners_lock, plan_dir,
    plan_dir_alongside, prepare, read_yaml_stream, render, render_str, server_names, write_stream,
};
pub use templates::shell_quote;
