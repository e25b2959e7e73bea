//! Planning a directory render (pure): every file, as relative path → bytes, computed from
//! [`Rendered`] alone; the kustomize index lists them all.

use std::collections::BTreeMap;
use std::path::PathBuf;

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
    let mut files = Files::new();
    for file in server_files {
        let (path, content) = file?;
        insert(&mut files, path, content)?;
    }
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

fn insert(files: &mut Files, path: PathBuf, content: String) -> Result<(), EmitError> {
    if let Some(long) = path
        .components()
        .map(|c| c.as_os_str().len())
        .find(|len| *len > MAX_NAME_BYTES)
    {
        return Err(EmitError::NameTooLong {
            path,
            bytes: long,
            max: MAX_NAME_BYTES,
        });
    }
    if files.contains_key(&path) {
        return Err(EmitError::SamePath(path));
    }
    files.insert(path, content);
    Ok(())
}
