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
pub fn server_file_of(server: &RenderedServer) -> Result<(PathBuf, String), EmitError> {
    let path =
        PathBuf::from(namespace_dir(server.namespace.as_deref())).join(server_file(&server.name));
    let mut content = header(&server.source);
    crate::emit::push_server_yaml(&mut content, server)?;
    Ok((path, content))
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
