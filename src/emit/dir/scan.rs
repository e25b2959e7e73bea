//! Scanning the output folder: what DIR holds now, without following any symbolic link.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{DirError, GENERATED_MARK, is_generated};

/// What is at one path inside DIR now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A directory (not a symbolic link to one).
    Dir,
    /// A regular `.yaml` file whose first line is our header.
    Generated,
    /// Any other regular file: the user's, never touched.
    UserFile,
    /// A symbolic link (never followed).
    Symlink,
    /// A socket, FIFO or device.
    Special,
}

/// The current content of DIR, by path relative to DIR. Empty when DIR does not exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    /// Every entry below DIR, parents before children.
    pub entries: BTreeMap<PathBuf, Entry>,
    /// True when DIR exists.
    pub exists: bool,
}

/// Reads what DIR holds now, without following any symbolic link. DIR itself must be a real
/// directory (or not exist): writing through a link could land anywhere.
pub fn scan(dir: &Path) -> Result<Existing, DirError> {
    let metadata = match std::fs::symlink_metadata(dir) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::default()),
        Err(e) => return Err(DirError::io(dir, e)),
    };
    if metadata.file_type().is_symlink() {
        return Err(DirError::Refused(vec![format!(
            "{}: is a symbolic link; mcp-render writes only into a real directory (give the link's target instead)",
            dir.display()
        )]));
    }
    if !metadata.is_dir() {
        return Err(DirError::Refused(vec![format!(
            "{}: exists and is not a directory",
            dir.display()
        )]));
    }
    let mut existing = Existing {
        entries: BTreeMap::new(),
        exists: true,
    };
    scan_into(dir, &mut existing.entries)?;
    Ok(existing)
}

/// Every entry below `root` with [`crate::walk::below`], as the inputs are walked: a symbolic
/// link is an entry of its own and never followed.
fn scan_into(root: &Path, entries: &mut BTreeMap<PathBuf, Entry>) -> Result<(), DirError> {
    for found in crate::walk::below(root) {
        let found = found.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            DirError::io(&path, e.into())
        })?;
        let path = found.path();
        let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
        let file_type = found.file_type();
        let entry = if file_type.is_symlink() {
            Entry::Symlink
        } else if file_type.is_dir() {
            Entry::Dir
        } else if !file_type.is_file() {
            Entry::Special
        } else if rel.extension().is_some_and(|ext| ext == "yaml") && starts_with_mark(path)? {
            Entry::Generated
        } else {
            Entry::UserFile
        };
        entries.insert(rel, entry);
    }
    Ok(())
}

fn starts_with_mark(path: &Path) -> Result<bool, DirError> {
    let file = std::fs::File::open(path).map_err(|e| DirError::io(path, e))?;
    let mut start = Vec::with_capacity(GENERATED_MARK.len());
    file.take(GENERATED_MARK.len() as u64)
        .read_to_end(&mut start)
        .map_err(|e| DirError::io(path, e))?;
    Ok(is_generated(&start))
}
