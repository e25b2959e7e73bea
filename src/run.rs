//! The whole pipeline in one call: what `mcp-render render` does, minus the terminal.

use std::io::Read;
use std::path::PathBuf;

use crate::diagnostic::Diagnostics;
use crate::load::{self, Limits};
use crate::parse::owners::{Owners, parse_owners};
use crate::parse::{self, ParseOptions};
use crate::render::{self, Rendered};
use crate::validate::{self, OwnerRefs};

/// Everything that shapes a render.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Input files and directories; empty or `-` means stdin.
    pub inputs: Vec<PathBuf>,
    /// Owners files (`--owners`).
    pub owners: Vec<PathBuf>,
    /// Namespace for MCPServers without one.
    pub namespace: Option<String>,
    /// Owner-reference policy.
    pub owner_refs: OwnerRefs,
    /// Resource limits for reading.
    pub limits: Limits,
}

/// A successful render and the warnings met on the way.
#[derive(Debug, Clone)]
pub struct Output {
    /// The objects.
    pub rendered: Rendered,
    /// Warnings (never errors).
    pub warnings: Diagnostics,
}

/// Loads, parses, validates and renders. On any error returns every diagnostic (errors and
/// warnings) and no output at all.
pub fn render(options: &Options, stdin: &mut dyn Read) -> Result<Output, Diagnostics> {
    let (documents, mut diagnostics) = load::load(&options.inputs, stdin, &options.limits);
    let owners = read_owners(options, stdin, &mut diagnostics);
    let parse_options = ParseOptions {
        default_namespace: options.namespace.clone(),
    };
    let (parsed, parse_diagnostics) = parse::parse(&documents, &parse_options);
    diagnostics.extend(parse_diagnostics);
    let (valid, validate_diagnostics) =
        validate::validate(parsed, &documents, &owners, options.owner_refs);
    diagnostics.extend(validate_diagnostics);
    match valid {
        Some(valid) if !diagnostics.has_errors() => Ok(Output {
            rendered: render::render(&valid, &owners, options.owner_refs),
            warnings: diagnostics,
        }),
        _ => Err(diagnostics),
    }
}

fn read_owners(options: &Options, stdin: &mut dyn Read, diagnostics: &mut Diagnostics) -> Owners {
    if options.owners.is_empty() {
        return Owners::default();
    }
    let (documents, load_diagnostics) = load::load(&options.owners, stdin, &options.limits);
    diagnostics.extend(load_diagnostics);
    let (owners, owner_diagnostics) = parse_owners(&documents);
    diagnostics.extend(owner_diagnostics);
    owners
}
