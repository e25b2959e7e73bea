//! Planning a directory render (pure): every file, as relative path → bytes, computed from
//! [`Rendered`] alone; the kustomize index lists them all.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::emit::{EmitError, push_yaml_document};
use crate::render::{Rendered, RenderedPassThrough, RenderedServer};

use super::names::pass_through_file;
use super::{Files, INDEX_FILE, header, index_header, namespace_dir, server_file};

/// Longest file name component most file systems accept, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// Computes every file of the directory render, index included. Pure: the same objects give
/// the same bytes. This is what `render -o` writes and what `--check` compares against. The
/// servers' files are serialised on rayon's threads.
pub fn plan(rendered: &Rendered) -> Result<Files, EmitError> {
    let servers = rendered.servers.par_iter().with_min_len(16);
    let server_files: Vec<_> = servers.map(server_file_of).collect();
    plan_files(server_files, &rendered.pass_through)
}

/// One rendered server's file: its path in DIR and its content (header, then the server's
/// objects in stream order: ServiceAccount, StatefulSet, Services).
///
/// The text is written into a buffer the thread keeps, then copied out at its exact size:
/// the plan holds every file until the folder is written or checked, and a string grown
/// document by document was copied four or five times on the way to its 3 or 4 KB and held
/// with up to twice that room.
pub fn server_file_of(server: &RenderedServer) -> Result<(PathBuf, String), EmitError> {
    let path =
        PathBuf::from(namespace_dir(server.namespace.as_deref())).join(server_file(&server.name));
    let content = SCRATCH.with_borrow_mut(|text| {
        text.clear();
        text.push_str(&header(&server.source));
        crate::emit::push_server_yaml(text, server).map(|()| text.as_str().to_owned())
    })?;
    Ok((path, content))
}

thread_local! {
    /// What [`server_file_of`] writes a file's text into, on each thread.
    static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// [`plan`] from the servers' files (from [`server_file_of`], in server order) and the
/// pass-through objects.
pub fn plan_files(
    server_files: impl IntoIterator<Item = Result<(PathBuf, String), EmitError>>,
    pass_through: &[RenderedPassThrough],
) -> Result<Files, EmitError> {
    let mut files = server_files_in_order(server_files)?;
    // Pass-through file names, qualified by API group where two kinds would collide.
    let mut wanted: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let simple: Vec<PathBuf> = pass_through
        .iter()
        .map(|object| {
            PathBuf::from(namespace_dir(object.namespace.as_deref())).join(pass_through_file(
                &object.kind,
                None,
                &object.name,
            ))
        })
        .collect();
    for path in &simple {
        *wanted.entry(path.clone()).or_default() += 1;
    }
    for (object, path) in pass_through.iter().zip(simple) {
        let path = if wanted.get(&path).copied().unwrap_or(0) > 1 || files.contains_key(&path) {
            let group = object
                .value
                .get("apiVersion")
                .and_then(serde_json::Value::as_str)
                .and_then(|v| v.rsplit_once('/'))
                .map_or("", |(group, _)| group);
            PathBuf::from(namespace_dir(object.namespace.as_deref())).join(pass_through_file(
                &object.kind,
                Some(group),
                &object.name,
            ))
        } else {
            path
        };
        let mut content = header(&object.source);
        push_yaml_document(&mut content, &object.value)?;
        insert(&mut files, path, content)?;
    }
    let resources: Vec<String> = files
        .keys()
        .map(|path| path.to_string_lossy().replace('\\', "/"))
        .collect();
    let mut index = index_header();
    index.push_str(&crate::templates::kustomization(&resources)?);
    insert(&mut files, PathBuf::from(INDEX_FILE), index)?;
    Ok(files)
}

/// The servers' files as [`Files`], failing as inserting them one by one would: on the first
/// error in server order (a failed file, a name too long, a path taken twice). Built from a
/// sorted list rather than by inserting each (a search of the tree each, and paths are slow
/// to compare: 14 comparisons a file for 10,000 servers), with a hash set for the duplicates.
fn server_files_in_order(
    server_files: impl IntoIterator<Item = Result<(PathBuf, String), EmitError>>,
) -> Result<Files, EmitError> {
    let mut list = Vec::new();
    let mut failed = None;
    for file in server_files {
        match file.and_then(|(path, content)| name_fits(&path).map(|()| (path, content))) {
            Ok(file) => list.push(file),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    // A path taken twice before the failure is the first error.
    let mut seen = HashSet::with_capacity(list.len());
    if let Some((path, _)) = list.iter().find(|(path, _)| !seen.insert(path.as_path())) {
        return Err(EmitError::SamePath(path.clone()));
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(list.into_iter().collect()),
    }
}

fn name_fits(path: &Path) -> Result<(), EmitError> {
    match path
        .components()
        .map(|c| c.as_os_str().len())
        .find(|len| *len > MAX_NAME_BYTES)
    {
        Some(long) => Err(EmitError::NameTooLong {
            path: path.to_path_buf(),
            bytes: long,
            max: MAX_NAME_BYTES,
        }),
        None => Ok(()),
    }
}

fn insert(files: &mut Files, path: PathBuf, content: String) -> Result<(), EmitError> {
    name_fits(&path)?;
    // One search of the tree, not two (paths are slow to compare).
    match files.entry(path) {
        Entry::Occupied(taken) => Err(EmitError::SamePath(taken.key().clone())),
        Entry::Vacant(free) => {
            free.insert(content);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The buffer a thread keeps for the files' text never carries one file into the next:
    /// a short file after a long one is its header and its objects, as written afresh.
    #[test]
    fn each_file_is_its_own_text_whatever_the_buffer_held() {
        let input = "apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata: {name: big, namespace: a}\nspec: {image: 'example/big:1', transport: sse, args: [LONG]}\n---\napiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata: {name: small, namespace: a}\nspec: {image: 'example/small:1'}\n"
            .replace("LONG", &"x".repeat(20_000));
        let options = crate::run::Options::default();
        let valid =
            crate::run::validate(&options, &mut input.as_bytes()).unwrap_or_else(|d| panic!("{d}"));
        let rendered = crate::render::render(&valid.valid, &valid.owners, valid.owner_refs)
            .unwrap_or_else(|e| panic!("{e}"));
        let [big, small] = &rendered.servers[..] else {
            panic!("two servers expected, got {}", rendered.servers.len());
        };
        let afresh = |server: &RenderedServer| {
            let mut text = header(&server.source);
            crate::emit::push_server_yaml(&mut text, server).unwrap_or_else(|e| panic!("{e}"));
            text
        };
        // On this thread, one after the other: the long one first.
        let (_, big_text) = server_file_of(big).unwrap_or_else(|e| panic!("{e}"));
        let (path, small_text) = server_file_of(small).unwrap_or_else(|e| panic!("{e}"));
        assert!(big_text.len() > 20_000 && small_text.len() < 5_000);
        assert_eq!(big_text, afresh(big));
        assert_eq!(small_text, afresh(small));
        assert_eq!(path, Path::new("a/mcpserver-small.yaml"));
    }

    /// The servers' files come out in path order whatever their order in, and the first
    /// error is the one inserting them one by one in server order would meet: a path taken
    /// twice (the first place that repeats an earlier one), else a name too long.
    #[test]
    fn server_files_are_put_in_path_order_and_fail_on_the_first_error() {
        let file = |path: &str| Ok((PathBuf::from(path), format!("{path}\n")));
        let paths = |files: &Files| files.keys().cloned().collect::<Vec<_>>();
        let planned = server_files_in_order(
            [
                "b/x.yaml",
                "a-b/x.yaml",
                "a/y.yaml",
                "a/x.yaml",
                "a/x-1.yaml",
            ]
            .map(file),
        );
        let planned = planned.unwrap_or_else(|e| panic!("{e}"));
        let mut sorted = paths(&planned);
        sorted.sort();
        assert_eq!(paths(&planned), sorted);
        assert_eq!(planned.len(), 5);
        assert!(
            planned
                .iter()
                .all(|(path, content)| *content == format!("{}\n", path.display()))
        );
        let twice = |files: &[&str]| match server_files_in_order(files.iter().copied().map(file)) {
            Err(EmitError::SamePath(path)) => Some(path),
            other => panic!("{:?}", other.map(|files| paths(&files))),
        };
        // `a` repeats at the fourth place, `b` only at the fifth.
        assert_eq!(twice(&["b", "a", "c", "a", "b"]), Some(PathBuf::from("a")));
        assert_eq!(twice(&["c", "b", "b", "c", "c"]), Some(PathBuf::from("b")));
        let long = format!("a/{}.yaml", "x".repeat(MAX_NAME_BYTES));
        // A name too long before the path comes again: that is the first error.
        let failed = server_files_in_order(["a", long.as_str(), "a"].map(file));
        assert!(
            matches!(failed, Err(EmitError::NameTooLong { .. })),
            "{failed:?}"
        );
        // And after it: the path taken twice is.
        let failed = server_files_in_order(["a", "a", long.as_str()].map(file));
        assert!(matches!(failed, Err(EmitError::SamePath(_))), "{failed:?}");
        // A file that failed to serialise (any error) likewise, in its place.
        let failing = || Err(EmitError::SamePath(PathBuf::from("failed")));
        let failed = server_files_in_order([file("a"), failing(), file("a")]);
        assert!(matches!(failed, Err(EmitError::SamePath(p)) if p == Path::new("failed")));
    }
}
