//! The owners lock file `mcp-render owners` writes: one `namespace/name: uid` line per live
//! StatefulSet, sorted, under a comment saying what it is and when it goes stale. `--owners`
//! reads it back (see [`crate::parse::owners`]).

use std::collections::BTreeMap;

use crate::parse::owners::Owners;

use super::{EmitError, yaml_options};

/// The comment at the top of a lock file. It deliberately does not start like a rendered
/// file's header, so `render -o` never treats a lock file as its own output.
pub const LOCK_HEADER: &str = "\
# mcp-render owners lock: the UIDs of live StatefulSets, for `mcp-render render --owners`.
# Written by `mcp-render owners`; refresh it whenever a StatefulSet is re-created (a new UID):
# Services that point at an old UID are deleted by Kubernetes' garbage collector.
";

/// The lock file for `owners`: the header, then the entries sorted by namespace and name
/// (`{}` when there are none).
pub fn lock_file(owners: &Owners) -> Result<String, EmitError> {
    let entries: BTreeMap<String, &str> = owners
        .iter()
        .map(|(namespace, name, uid)| (format!("{namespace}/{name}"), uid))
        .collect();
    let mut out = String::from(LOCK_HEADER);
    serde_saphyr::to_fmt_writer_with_options(&mut out, &entries, yaml_options())?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}
