//! Stage 2, parse: located documents in, MCPServers and pass-through objects out.
//!
//! Each document is classified (MCPServer v1alpha1 or v1beta1, a `List` to unpack, or any
//! other Kubernetes object to pass through), checked strictly against the CRD's fields
//! ([`crd`]), and normalised into [`crate::model`]. Every problem is collected; a document
//! with problems produces no object, so later stages only see well-formed input.
//!
//! One job a file: this file holds the entry points, [`ParseOptions`] and [`Context`] (where a
//! problem is reported); `classify.rs` tells the kinds of document apart (kustomizations,
//! `List`s, MCPServers, misspelt ToolHive kinds); `pass_through.rs` reads any other object
//! (and knows the cluster-scoped kinds); `server.rs` builds an MCPServer's model and its
//! notices; `pod_template.rs` checks `spec.podTemplateSpec` against the typed
//! PodTemplateSpec (`pod_fields.rs`: its field names, for hints).

mod classify;
pub mod crd;
pub mod owners;
mod pass_through;
mod pod_fields;
mod pod_template;
mod server;

use std::borrow::Cow;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::load::Document;
use crate::model::{Marks, Parsed, Platform};
use crate::node::FieldPath;
use crate::render::service_account::AccountOptions;

use self::crd::Problem;

pub use pass_through::cluster_scoped;

/// Choices that affect how input is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Namespace for MCPServers that set none (`--namespace`).
    pub default_namespace: Option<String>,
    /// Whether servers get a ServiceAccount `<name>-sa`, and its default pull secrets
    /// (`--service-accounts`, `--image-pull-secret`); decided here, like the namespace, so
    /// that validation (collisions) and rendering read it from the model.
    pub accounts: AccountOptions,
    /// The CRD to check MCPServers against (`--crd`); `None` is the built-in one.
    pub crd: Option<&'static crd::Crd>,
    /// `--strict`: security settings that have no effect without ToolHive's proxy are errors.
    pub strict: bool,
    /// The platform the output is for (`--platform`).
    pub platform: Platform,
}

/// Fewer documents than this are not worth handing to another thread.
const MIN_DOCUMENTS_PER_CHUNK: usize = 32;

/// Parses every document, in runs of documents on rayon's threads joined in order: objects
/// come out in input order whatever the threads; problems are all collected.
pub fn parse(documents: &[Document], options: &ParseOptions) -> (Parsed, Diagnostics) {
    let run = documents
        .len()
        .div_ceil(rayon::current_num_threads() * 4)
        .max(MIN_DOCUMENTS_PER_CHUNK);
    let parts: Vec<_> = documents
        .par_chunks(run)
        .enumerate()
        .map(|(i, chunk)| parse_run(chunk, i * run, options))
        .collect();
    let mut parsed = Parsed::default();
    let mut diagnostics = Diagnostics::new();
    for (part, part_diagnostics) in parts {
        parsed.servers.extend(part.servers);
        parsed.pass_through.extend(part.pass_through);
        parsed.problems.extend(part.problems);
        diagnostics.extend(part_diagnostics);
    }
    (parsed, diagnostics)
}

/// [`parse`] on the calling thread (for a piece already on a worker thread).
pub fn parse_sequential(documents: &[Document], options: &ParseOptions) -> (Parsed, Diagnostics) {
    parse_run(documents, 0, options)
}

/// Parses a run of documents; `first` is the index of the first one.
fn parse_run(
    documents: &[Document],
    first: usize,
    options: &ParseOptions,
) -> (Parsed, Diagnostics) {
    let mut parsed = Parsed::default();
    let mut diagnostics = Diagnostics::new();
    for (offset, document) in documents.iter().enumerate() {
        let mut ctx = Context {
            document,
            index: first + offset,
            diagnostics: &mut diagnostics,
        };
        ctx.object(
            &document.root,
            &FieldPath::root(),
            options,
            &mut parsed,
            true,
        );
    }
    (parsed, diagnostics)
}

/// Reports problems against one document.
pub struct Context<'a> {
    document: &'a Document,
    index: usize,
    diagnostics: &'a mut Diagnostics,
}

impl Context<'_> {
    fn report(
        &mut self,
        base: &FieldPath,
        path: &FieldPath,
        message: impl Into<Cow<'static, str>>,
    ) {
        let mut full = base.clone();
        full.0.extend(path.0.iter().cloned());
        let mark = self.document.root.locate(&full);
        self.diagnostics.push(Diagnostic::error(
            Some(self.document.location(mark)),
            path.to_string(),
            message,
        ));
    }

    /// The location of `field` (of its nearest ancestor present) of the object at `base`.
    fn location_of(&self, base: &FieldPath, field: &str) -> Location {
        let mut full = base.clone();
        full.0.extend(FieldPath::parse(field).0);
        self.document.location(self.document.root.locate(&full))
    }

    /// The [`Marks`] of an object at `base`: `metadata.name` and `fields`.
    fn marks(
        &self,
        base: &FieldPath,
        fields: impl IntoIterator<Item = Cow<'static, str>>,
    ) -> Marks {
        Marks::new(
            std::iter::once(Cow::Borrowed("metadata.name"))
                .chain(fields)
                .map(|field| {
                    let location = self.location_of(base, &field);
                    (field, location)
                }),
        )
    }

    fn warn(&mut self, base: &FieldPath, message: impl Into<Cow<'static, str>>) {
        let mark = self.document.root.locate(base);
        self.diagnostics.push(Diagnostic::warning(
            Some(self.document.location(mark)),
            "",
            message,
        ));
    }

    fn report_all(&mut self, base: &FieldPath, problems: Vec<Problem>) -> bool {
        let any = !problems.is_empty();
        for problem in problems {
            self.report(base, &problem.path, problem.message);
        }
        any
    }
}
