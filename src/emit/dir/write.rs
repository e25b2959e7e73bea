//! Writing a directory render atomically.
//!
//! The new tree is built in a temporary sibling of DIR (`.<DIR name>.mcp-render-XXXXXX`, same
//! parent, so the same file system): its folders are created (each once), the user's own
//! files are hard-linked into it (copied where links are not possible), symbolic links are
//! re-created as they are, files of ours whose bytes are already the planned ones are
//! hard-linked from DIR, and the others are written; ours that the render no longer produces
//! are simply left out. Then the two directories are swapped in one step with
//! `renameat2(RENAME_EXCHANGE)` and the old tree is deleted. Where the file system cannot
//! exchange, DIR is renamed away and the new tree renamed in (two steps: a crash in between
//! leaves the old tree in the hidden sibling, never a half-written DIR).
//!
//! Why linking our unchanged files is safe: a hard link is the same inode under a second
//! name, so while the new tree is built the two trees share those files. mcp-render never
//! opens an existing file for writing: a changed file is written as a new file in the new
//! tree (a new inode) and the old tree keeps its own, untouched. So until the swap DIR reads
//! exactly as before (a kill at any point, linking included, leaves it so: the links only add
//! names in the hidden sibling); after it, DIR is exactly the new tree; deleting the old tree
//! only drops each shared file's link count back to one. The comparison that decides "same"
//! is on the bytes (the scan reads each file once; see `scan.rs`), never on sizes or times.
//! It is about DIR as the scan read it, just before the new tree is built (or the one file
//! renamed): a file that someone else changes in between is kept as it then is (its link
//! is taken as found) and reported unchanged, as if the change had come just after the run.
//! mcp-render is not a lock on DIR; it was never meant to share it with another writer. (DIR
//! is listed during the last few milliseconds of the plan, beside its serial end, see
//! [`crate::run::plan_dir_alongside`], and its files are read after it; it is not read ahead
//! while the render runs: that was measured slower on two cores, see BENCHMARKS.md, and
//! would have widened that window to the whole render.)
//! What a user sees: an unchanged file keeps its inode, permissions, owner and mtime (a
//! rewrite used to reset them), and any other hard link to it (a `cp -al` backup) is still the
//! same file, with the same bytes. Where linking fails (a file system without hard links, a
//! folder of DIR that is another mount, an inode at its link limit), that file is written
//! instead: the same bytes, a new inode.
//!
//! When the whole change is one file (one server's file new or changed, nothing removed, its
//! folder already in DIR: the usual re-render after one edit), no tree is built: the file is
//! written in a hidden sibling as above and renamed to its path in DIR, which replaces the
//! old file in one step, so DIR is still the old tree or the new one at every instant (a
//! kill before the rename leaves only the hidden sibling). Every other file, folder and
//! symbolic link of DIR stays as it is, inode included. Two or more changed files need the
//! tree: no single rename makes two changes at once.
//!
//! Where the time goes for one changed server among 10,000 (ext4, `discard`; timed inside the
//! binary, BENCHMARKS.md "Issue 12: one change, again"): listing and reading DIR's 10,000
//! files 60–150 ms; then with a tree, linking them 50–115 ms, unlinking them from the old
//! tree 25–70 ms and removing its 50 emptied folders 15–360 ms (10 ms in a loop of their
//! own: here they wait, most likely for the journal, busy with the links and unlinks just
//! made); with the one rename, under a millisecond. The linking and deleting run on rayon's
//! threads, in path order, so the threads mostly work in different folders. Writing fresh
//! files instead (before issue 12) cost seconds of kernel time: ext4 allocates 10,000 new
//! inodes next to 10,000 just freed (see BENCHMARKS.md).
//!
//! A run that fails before the swap removes its temporary tree and leaves DIR as it was. A
//! run that is killed leaves DIR as it was (or, after the swap, the new tree) and the hidden
//! sibling behind, which is safe to delete. When nothing would change, nothing is written at
//! all (no new inodes, no mtimes). Files are not fsync'ed: the guarantee is against failed and
//! killed runs, not power loss (a re-render reproduces the same bytes anyway).

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{
    DirError, Entry, Existing, Files, Keep, Listing, conflicts, folders, list, scan_listed, stale,
};

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files written (new or changed), relative to DIR.
    pub written: Vec<PathBuf>,
    /// Files already as planned.
    pub unchanged: usize,
    /// Stale files of ours removed, relative to DIR.
    pub removed: Vec<PathBuf>,
}

impl WriteReport {
    /// True when DIR was left exactly as it was.
    pub fn is_noop(&self) -> bool {
        self.written.is_empty() && self.removed.is_empty()
    }
}

/// How [`write_with`] puts each file of ours into the new tree; both are called from several
/// threads at once, for different files.
#[derive(Clone, Copy)]
pub struct Steps<'a> {
    /// Writes a new or changed file: (path in the new tree, bytes). [`write()`] uses
    /// [`std::fs::write`].
    pub write: &'a (dyn Fn(&Path, &[u8]) -> io::Result<()> + Sync),
    /// Hard-links a file that is already as planned: (path in DIR, path in the new tree).
    /// [`write()`] uses [`std::fs::hard_link`]; when it fails, the file is written instead.
    pub link: &'a (dyn Fn(&Path, &Path) -> io::Result<()> + Sync),
}

impl Default for Steps<'_> {
    fn default() -> Self {
        Steps {
            write: &|path, bytes| std::fs::write(path, bytes),
            link: &|from, to| std::fs::hard_link(from, to),
        }
    }
}

/// Writes `files` into `dir` (created with its parents if missing), removes stale files of
/// ours, and leaves every other file alone. All or nothing.
pub fn write(dir: &Path, files: &Files) -> Result<WriteReport, DirError> {
    write_with(dir, files, Steps::default())
}

/// [`write()`] with the functions that write and link each file (in the temporary tree)
/// passed in, so tests can make a step fail, or the process die, half-way.
pub fn write_with(dir: &Path, files: &Files, steps: Steps) -> Result<WriteReport, DirError> {
    write_from(dir, files, steps, || list(dir))
}

/// [`write()`] from DIR's entries as [`list`] found them (taken while the plan was finished).
pub fn write_listed(dir: &Path, files: &Files, listing: Listing) -> Result<WriteReport, DirError> {
    write_from(dir, files, Steps::default(), || Ok(listing))
}

/// [`write_with`] from a listing of DIR, taken by `listing` once DIR is known not to hold
/// the current directory (that refusal comes first).
fn write_from(
    dir: &Path,
    files: &Files,
    steps: Steps,
    listing: impl FnOnce() -> Result<Listing, DirError>,
) -> Result<WriteReport, DirError> {
    if let Some(why) = contains_current_dir(dir) {
        return Err(DirError::Refused(vec![why]));
    }
    let existing = scan_listed(dir, listing()?, files, Keep::Nothing)?;
    let reasons = conflicts(dir, &existing, files);
    if !reasons.is_empty() {
        return Err(DirError::Refused(reasons));
    }
    let report = WriteReport {
        written: files
            .keys()
            .filter(|path| !existing.is_same(path))
            .cloned()
            .collect(),
        unchanged: existing.same.len(),
        removed: stale(&existing, files).cloned().collect(),
    };
    if report.is_noop() && existing.exists {
        return Ok(report);
    }
    if let Some((path, _)) = existing.entries.iter().find(|(_, e)| **e == Entry::Special) {
        return Err(special(&dir.join(path)));
    }
    let parent = parent_of(dir);
    std::fs::create_dir_all(&parent).map_err(|e| DirError::io(&parent, e))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    if existing.exists
        && let Some(path) = one_file_to_put(&report, &existing)
        && let Some(content) = files.get(path)
        && put_one_file(dir, &parent, &name, path, content, steps)?
    {
        return Ok(report);
    }
    let temp = hidden_sibling(&parent, &name)?;
    let new_root = temp.path().to_path_buf();
    if existing.exists {
        copy_permissions(dir, &new_root)?;
    }
    create_folders(dir, &new_root, files, &existing)?;
    keep_user_entries(dir, &new_root, &existing)?;
    put_our_files(dir, &new_root, files, &existing, steps)?;
    if existing.exists {
        let aside = swap(dir, &new_root, &parent, &name)?;
        // The previous tree is now at `new_root` (or in `aside`); deleting it cannot touch
        // DIR: the files they share are hard links, and an unlink only drops a link count.
        let old_root = aside
            .as_ref()
            .map_or_else(|| new_root.clone(), |aside| aside.path().join("old"));
        delete_old_tree(&old_root, &existing);
        // Dropping them deletes what is left: the root, and anything that came meanwhile.
        drop(aside);
        drop(temp);
    } else {
        // Nothing to swap with: one rename puts the new tree in place.
        let kept = temp.keep();
        if let Err(e) = std::fs::rename(&kept, dir) {
            let _ = std::fs::remove_dir_all(&kept);
            return Err(DirError::io(dir, e));
        }
    }
    Ok(report)
}

/// A new hidden sibling of DIR (`.<name>.mcp-render-XXXXXX` in `parent`), deleted when it is
/// dropped.
fn hidden_sibling(parent: &Path, name: &str) -> Result<tempfile::TempDir, DirError> {
    tempfile::Builder::new()
        .prefix(&format!(".{name}.mcp-render-"))
        .tempdir_in(parent)
        .map_err(|e| DirError::io(parent, e))
}

/// The one file to put in place when that is the whole change: exactly one planned file is
/// new or changed, no file of ours goes, and its folder is already a real folder of DIR. Then
/// one `rename` makes the change, and a rename is all or nothing on its own.
fn one_file_to_put<'a>(report: &'a WriteReport, existing: &Existing) -> Option<&'a Path> {
    let [path] = report.written.as_slice() else {
        return None;
    };
    if !report.removed.is_empty() {
        return None;
    }
    let folder_is_there = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => {
            existing.entries.get(folder) == Some(&Entry::Dir)
        }
        _ => true,
    };
    let free_or_ours = matches!(existing.entries.get(path), None | Some(Entry::Generated));
    (folder_is_there && free_or_ours).then_some(path.as_path())
}

/// Puts the one changed file in place without rebuilding the tree: written (with
/// [`Steps::write`]) in a new hidden sibling of DIR, as every new file is, then renamed to its
/// path in DIR, which replaces the old file in one step. Until the rename DIR is exactly as
/// before (a kill leaves only the hidden sibling, as it does while a tree is built); after
/// it, DIR is exactly the new tree. Nothing else in DIR is touched: every other file, folder
/// and link keeps its inode. Returns false, having changed nothing, where the rename is not
/// possible (a folder of DIR on another file system than DIR's parent): the caller then
/// rebuilds the tree.
fn put_one_file(
    dir: &Path,
    parent: &Path,
    name: &str,
    path: &Path,
    content: &str,
    steps: Steps,
) -> Result<bool, DirError> {
    let temp = hidden_sibling(parent, name)?;
    let staged = temp.path().join("file");
    let target = dir.join(path);
    (steps.write)(&staged, content.as_bytes()).map_err(|e| DirError::io(&target, e))?;
    // Dropping `temp` deletes it, with the staged file when the rename did not take it.
    Ok(std::fs::rename(&staged, &target).is_ok())
}

/// Every folder of the new tree, each created once, parents first: those our files go in,
/// and those of the user's that are kept (with their permissions; see [`kept_folders`]).
fn create_folders(
    dir: &Path,
    new_root: &Path,
    files: &Files,
    existing: &Existing,
) -> Result<(), DirError> {
    let kept = kept_folders(existing);
    let mut folders = folders(files);
    folders.extend(&kept);
    // Level by level, each level in parallel (creating a folder takes the file system a
    // while: it allocates an inode), so every folder's parent exists before it.
    for level in by_depth(folders) {
        let create = |folder: &&Path| -> Option<DirError> {
            let to = new_root.join(folder);
            let created = std::fs::create_dir(&to).map_err(|e| DirError::io(&to, e));
            match created {
                Ok(()) if kept.contains(folder) => copy_permissions(&dir.join(folder), &to).err(),
                Ok(()) => None,
                Err(e) => Some(e),
            }
        };
        if let Some(error) = level.par_iter().find_map_first(create) {
            return Err(error);
        }
    }
    Ok(())
}

/// `folders` grouped by depth (one component first), each group in path order.
fn by_depth<'a>(folders: impl IntoIterator<Item = &'a Path>) -> Vec<Vec<&'a Path>> {
    let mut levels: Vec<Vec<&Path>> = Vec::new();
    for folder in folders {
        let depth = folder.components().count();
        if levels.len() < depth {
            levels.resize_with(depth, Vec::new);
        }
        if let Some(level) = depth.checked_sub(1).and_then(|d| levels.get_mut(d)) {
            level.push(folder);
        }
    }
    levels
}

/// Puts every planned file into the new tree, in parallel: a file already as planned is
/// hard-linked from DIR (the same inode, never written to), any other one is written. Where
/// the link fails (a file system without hard links, a folder of DIR on another device, a
/// file at its link limit), the file is written instead: the same bytes, a new inode. On
/// failure, the error of the first failing file in path order.
fn put_our_files(
    dir: &Path,
    new_root: &Path,
    files: &Files,
    existing: &Existing,
    steps: Steps,
) -> Result<(), DirError> {
    let put = |(path, content): (&PathBuf, &String)| -> Option<DirError> {
        let target = new_root.join(path);
        if existing.is_same(path) && (steps.link)(&dir.join(path), &target).is_ok() {
            return None;
        }
        (steps.write)(&target, content.as_bytes())
            .err()
            .map(|e| DirError::io(&dir.join(path), e))
    };
    match files.par_iter().find_map_first(put) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Deletes what the scan found of the previous tree (now at `old_root`), in parallel: every
/// file, link and symbolic link (in path order, so the threads mostly work in different
/// folders and do not wait for each other's folder lock), then the folders, deepest first.
/// Failures are ignored: the caller removes whatever is left, with the root.
fn delete_old_tree(old_root: &Path, existing: &Existing) {
    existing
        .entries
        .par_iter()
        .filter(|(_, entry)| **entry != Entry::Dir)
        .for_each(|(path, _)| {
            let _ = std::fs::remove_file(old_root.join(path));
        });
    let folders = existing
        .entries
        .iter()
        .filter(|(_, entry)| **entry == Entry::Dir)
        .map(|(path, _)| path.as_path());
    for level in by_depth(folders).iter().rev() {
        level.par_iter().for_each(|folder| {
            let _ = std::fs::remove_dir(old_root.join(folder));
        });
    }
}

/// DIR is swapped for a new directory, which must not pull the working directory away from
/// under the user (their shell would sit in a deleted folder).
fn contains_current_dir(dir: &Path) -> Option<String> {
    let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
    let out = dir.canonicalize().ok()?;
    cwd.starts_with(&out).then(|| {
        format!(
            "{}: is the current directory or contains it; render into a dedicated folder (like -o rendered)",
            dir.display()
        )
    })
}

/// The directory DIR lives in (`.` for a bare name).
fn parent_of(dir: &Path) -> PathBuf {
    match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn copy_permissions(from: &Path, to: &Path) -> Result<(), DirError> {
    let permissions = std::fs::metadata(from)
        .map_err(|e| DirError::io(from, e))?
        .permissions();
    std::fs::set_permissions(to, permissions).map_err(|e| DirError::io(to, e))
}

/// The user's folders that the new tree keeps: those holding anything of the user's, and
/// empty ones. Folders that only held files of ours are dropped with them.
fn kept_folders(existing: &Existing) -> BTreeSet<&Path> {
    let mut keep: BTreeSet<&Path> = BTreeSet::new();
    let mut has_children: BTreeSet<&Path> = BTreeSet::new();
    let mut last = None;
    for (path, entry) in &existing.entries {
        // Siblings are neighbours: one insert a folder, not one an entry.
        if path.parent() != last {
            last = path.parent();
            has_children.extend(last);
        }
        if *entry != Entry::Generated && *entry != Entry::Dir {
            keep.extend(path.ancestors().skip(1));
        }
    }
    for (path, entry) in &existing.entries {
        if *entry == Entry::Dir && !has_children.contains(path.as_path()) {
            keep.extend(path.ancestors());
        }
    }
    keep.remove(Path::new(""));
    keep
}

/// Re-creates the user's files in the new tree (whose folders exist): files as hard links,
/// so they stay the very same files (copied where links are not possible), symbolic links
/// with the same target.
fn keep_user_entries(dir: &Path, new_root: &Path, existing: &Existing) -> Result<(), DirError> {
    for (path, entry) in &existing.entries {
        let from = dir.join(path);
        let to = new_root.join(path);
        match entry {
            Entry::Generated | Entry::Dir => {}
            Entry::UserFile => {
                if std::fs::hard_link(&from, &to).is_err() {
                    std::fs::copy(&from, &to).map_err(|e| DirError::io(&from, e))?;
                }
            }
            Entry::Symlink => {
                let target = std::fs::read_link(&from).map_err(|e| DirError::io(&from, e))?;
                symlink(&target, &to).map_err(|e| DirError::io(&from, e))?;
            }
            Entry::Special => {
                return Err(special(&from));
            }
        }
    }
    Ok(())
}

fn special(path: &Path) -> DirError {
    DirError::Refused(vec![format!(
        "{}: is a socket, FIFO or device; mcp-render cannot keep it across an atomic rewrite of the directory",
        path.display()
    )])
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        format!(
            "cannot re-create the symbolic link {} on this platform",
            link.display()
        ),
    ))
}

/// Puts `new_root` at `dir` and the old tree at `new_root`, atomically where the file system
/// allows it. Where it does not, the old tree ends up in the returned hidden sibling, as
/// `old` (deleted when it is dropped).
fn swap(
    dir: &Path,
    new_root: &Path,
    parent: &Path,
    name: &str,
) -> Result<Option<tempfile::TempDir>, DirError> {
    match exchange(new_root, dir) {
        Exchange::Done => Ok(None),
        Exchange::Failed(e) => Err(DirError::io(dir, e)),
        Exchange::Unsupported => swap_by_renames(dir, new_root, parent, name).map(Some),
    }
}

/// The fallback where exchange is not available: rename the old tree away (into a hidden
/// sibling, returned: dropping it deletes the old tree), then the new one in. A crash between
/// the two renames leaves DIR missing and the old tree in the sibling, never a mix of both.
fn swap_by_renames(
    dir: &Path,
    new_root: &Path,
    parent: &Path,
    name: &str,
) -> Result<tempfile::TempDir, DirError> {
    let aside = tempfile::Builder::new()
        .prefix(&format!(".{name}.mcp-render-old-"))
        .tempdir_in(parent)
        .map_err(|e| DirError::io(parent, e))?;
    let aside_path = aside.path().join("old");
    std::fs::rename(dir, &aside_path).map_err(|e| DirError::io(dir, e))?;
    if let Err(e) = std::fs::rename(new_root, dir) {
        // Put the old tree back; DIR is as before.
        let _ = std::fs::rename(&aside_path, dir);
        return Err(DirError::io(dir, e));
    }
    // The caller deletes `new_root` (now gone, which is fine) and `aside`, the old tree.
    Ok(aside)
}

/// The outcome of an exchange attempt.
enum Exchange {
    Done,
    /// This kernel or file system cannot exchange directories: use the fallback.
    Unsupported,
    Failed(io::Error),
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn exchange(a: &Path, b: &Path) -> Exchange {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Exchange::Done,
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Exchange::Unsupported,
        Err(e) => Exchange::Failed(io::Error::from(e)),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn exchange(_a: &Path, _b: &Path) -> Exchange {
    Exchange::Unsupported
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rename_fallback_puts_the_new_tree_in_place_and_drops_the_old() {
        let temp = tempfile::tempdir().expect("temp");
        let dir = temp.path().join("rendered");
        let new_root = temp.path().join(".rendered.new");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::write(dir.join("old.yaml"), "old").expect("write");
        std::fs::create_dir(&new_root).expect("mkdir");
        std::fs::write(new_root.join("new.yaml"), "new").expect("write");
        let result = swap_by_renames(&dir, &new_root, temp.path(), "rendered");
        assert!(result.is_ok(), "{result:?}");
        drop(result);
        let names = |p: &Path| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(p)
                .expect("read_dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(names(&dir), ["new.yaml"]);
        assert_eq!(names(temp.path()), ["rendered"], "no sibling left behind");
    }
}
