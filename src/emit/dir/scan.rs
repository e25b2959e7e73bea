//! Scanning the output folder: what DIR holds now, without following any symbolic link, and
//! how each file of ours compares with the one the render plans (each file opened and read
//! once, in parallel).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{DirError, Files, GENERATED_MARK, is_generated};

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
    /// Files of ours whose bytes are exactly the planned ones.
    pub same: BTreeSet<PathBuf>,
    /// Every other file of ours (changed or stale), as DIR has it; filled only when the scan
    /// was asked to keep them ([`Keep::Old`]).
    pub old: BTreeMap<PathBuf, Vec<u8>>,
}

/// What a scan keeps of the files of ours that are not as planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Nothing (a write needs only to know they differ).
    Nothing,
    /// Their bytes, in [`Existing::old`] (`--check` shows the diff).
    Old,
}

/// Reads what DIR holds now, without following any symbolic link, and compares every file
/// of ours with its planned bytes in `files`. DIR itself must be a real directory (or not
/// exist): writing through a link could land anywhere.
pub fn scan(dir: &Path, files: &Files, keep: Keep) -> Result<Existing, DirError> {
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
        exists: true,
        ..Existing::default()
    };
    let yaml = scan_into(dir, &mut existing.entries)?;
    let read: Vec<(PathBuf, Found)> = yaml
        .into_par_iter()
        .map(|rel| {
            let read = read_one(&dir.join(&rel), files.get(&rel), keep)?;
            Ok((rel, read))
        })
        .collect::<Result<_, DirError>>()?;
    for (rel, read) in read {
        let entry = match read {
            Found::User => Entry::UserFile,
            Found::Same => {
                existing.same.insert(rel.clone());
                Entry::Generated
            }
            Found::Differs(old) => {
                if let Some(old) = old {
                    existing.old.insert(rel.clone(), old);
                }
                Entry::Generated
            }
        };
        existing.entries.insert(rel, entry);
    }
    Ok(existing)
}

/// Every entry below `root` with [`crate::walk::below`], as the inputs are walked: a symbolic
/// link is an entry of its own and never followed. Regular `.yaml` files are left out of
/// `entries` and returned, to be read (theirs or ours is in their first line).
fn scan_into(
    root: &Path,
    entries: &mut BTreeMap<PathBuf, Entry>,
) -> Result<Vec<PathBuf>, DirError> {
    let mut yaml = Vec::new();
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
        } else if rel.extension().is_some_and(|ext| ext == "yaml") {
            yaml.push(rel);
            continue;
        } else {
            Entry::UserFile
        };
        entries.insert(rel, entry);
    }
    Ok(yaml)
}

/// One `.yaml` file of DIR, read once.
enum Found {
    /// Not ours (no header).
    User,
    /// Ours, with exactly the planned bytes.
    Same,
    /// Ours, not as planned (or not planned at all); its bytes when asked to keep them.
    Differs(Option<Vec<u8>>),
}

/// Opens `path` once and reads as much as it takes to tell: the header, and for a file the
/// render plans, the planned length and one byte more (a longer file differs). A file of ours
/// that differs is read to its end only when `keep` asks for its bytes.
fn read_one(path: &Path, planned: Option<&String>, keep: Keep) -> Result<Found, DirError> {
    let io = |e| DirError::io(path, e);
    let mut file = std::fs::File::open(path).map_err(io)?;
    let limit = planned.map_or(0, |p| p.len() + 1).max(GENERATED_MARK.len());
    let mut bytes = Vec::with_capacity(limit);
    (&mut file)
        .take(limit as u64)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if !is_generated(&bytes) {
        return Ok(Found::User);
    }
    if planned.is_some_and(|p| p.as_bytes() == bytes) {
        return Ok(Found::Same);
    }
    if keep == Keep::Nothing {
        return Ok(Found::Differs(None));
    }
    file.read_to_end(&mut bytes).map_err(io)?;
    Ok(Found::Differs(Some(bytes)))
}
