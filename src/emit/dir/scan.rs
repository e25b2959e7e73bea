//! Scanning the output folder: what DIR holds now, without following any symbolic link, and
//! how each file of ours compares with the one the render plans (each file opened and read
//! once, in parallel).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
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
    /// Files of ours whose bytes are exactly the planned ones, as their paths' bytes (hashed:
    /// looked up once or twice for every planned file, where a tree would compare paths a
    /// dozen times; and by the bytes, which hash several times faster than a [`Path`], which
    /// hashes component by component). Ask [`Existing::is_same`].
    pub same: HashSet<OsString>,
    /// Every other file of ours (changed or stale), as DIR has it; filled only when the scan
    /// was asked to keep them ([`Keep::Old`]).
    pub old: BTreeMap<PathBuf, Vec<u8>>,
}

impl Existing {
    /// True when DIR's file at `path` holds exactly the planned bytes.
    pub fn is_same(&self, path: &Path) -> bool {
        self.same.contains(path.as_os_str())
    }
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
/// of ours with its planned bytes in `files`: [`list`], then [`scan_listed`]. DIR itself must
/// be a real directory (or not exist): writing through a link could land anywhere.
pub fn scan(dir: &Path, files: &Files, keep: Keep) -> Result<Existing, DirError> {
    scan_listed(dir, list(dir)?, files, keep)
}

/// The entries of DIR, listed (no file read yet): the first half of [`scan`], which needs
/// no plan, so it can be taken while the plan is finished (what `render -o` does, see
/// [`crate::run::plan_dir_alongside`]).
#[derive(Debug)]
pub struct Listing {
    /// Every entry below DIR in path order, `None` for the `.yaml` files still to read;
    /// `None` when DIR does not exist.
    found: Option<Vec<(PathBuf, Option<Entry>)>>,
}

/// Lists DIR, without following any symbolic link: the entries [`scan_listed`] then reads
/// and compares. Fails as [`scan`] does when DIR is a symbolic link or not a directory.
pub fn list(dir: &Path) -> Result<Listing, DirError> {
    let metadata = match std::fs::symlink_metadata(dir) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Listing { found: None }),
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
    let mut found = walk(dir)?;
    // Path order, as `files` has it (the walk's order already: this only checks it, with one
    // comparison an entry).
    found.sort_by(|a, b| path_order(&a.0, &b.0));
    Ok(Listing { found: Some(found) })
}

/// The second half of [`scan`]: reads each `.yaml` file of `listing` (DIR's, as [`list`]
/// found it) and compares those of ours with their planned bytes in `files`.
pub fn scan_listed(
    dir: &Path,
    listing: Listing,
    files: &Files,
    keep: Keep,
) -> Result<Existing, DirError> {
    let Some(found) = listing.found else {
        return Ok(Existing::default());
    };
    let planned = planned_contents(&found, files);
    let opener = Opener::new(dir, &found)?;
    let read: Vec<Result<Option<Found>, DirError>> = found
        .par_iter()
        .zip(planned)
        .enumerate()
        .map(|(at, ((rel, entry), planned))| match entry {
            Some(_) => Ok(None),
            None => read_one(dir, rel, opener.open(at, rel), planned, keep).map(Some),
        })
        .collect();
    let mut existing = Existing {
        exists: true,
        same: HashSet::with_capacity(found.len()),
        ..Existing::default()
    };
    let mut entries = Vec::with_capacity(found.len());
    let mut old = Vec::new();
    for ((rel, entry), read) in found.into_iter().zip(read) {
        let entry = match (entry, read?) {
            (Some(entry), _) => entry,
            (None, Some(Found::Same)) => {
                existing.same.insert(rel.clone().into_os_string());
                Entry::Generated
            }
            (None, Some(Found::Differs(bytes))) => {
                old.extend(bytes.map(|bytes| (rel.clone(), bytes)));
                Entry::Generated
            }
            (None, Some(Found::User) | None) => Entry::UserFile,
        };
        entries.push((rel, entry));
    }
    // Both in path order already: building the maps takes one comparison an entry.
    existing.entries = entries.into_iter().collect();
    existing.old = old.into_iter().collect();
    Ok(existing)
}

/// Every entry below `root` with [`crate::walk::below`], as the inputs are walked: a symbolic
/// link is an entry of its own and never followed. Regular `.yaml` files come without an
/// entry: they are read to tell (theirs or ours is in their first line). One walker, on this
/// thread: walking each folder at the top on its own, in parallel, took longer (a median of
/// 15 ms against 9.5 ms for 10,000 files in 50 folders, eight runs each, BENCHMARKS.md).
fn walk(root: &Path) -> Result<Vec<(PathBuf, Option<Entry>)>, DirError> {
    entries_of(root, below(root))
}

/// [`crate::walk::below`] with its order (siblings by name) taken more cheaply: siblings share
/// their parent's path, so comparing their whole paths compares their names, without
/// parsing each name out of its path at every comparison (which was 40% of the instructions
/// of a write's scan of 10,000 files).
fn below(root: &Path) -> walkdir::WalkDir {
    crate::walk::below(root).sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
}

/// The entries `walker` finds, relative to `root`, in its order.
fn entries_of(
    root: &Path,
    walker: walkdir::WalkDir,
) -> Result<Vec<(PathBuf, Option<Entry>)>, DirError> {
    let mut found = Vec::new();
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            DirError::io(&path, e.into())
        })?;
        let rel = relative(entry.path(), root);
        let file_type = entry.file_type();
        let kind = if file_type.is_symlink() {
            Some(Entry::Symlink)
        } else if file_type.is_dir() {
            Some(Entry::Dir)
        } else if !file_type.is_file() {
            Some(Entry::Special)
        } else if is_yaml(&rel) {
            None
        } else {
            Some(Entry::UserFile)
        };
        found.push((rel, kind));
    }
    Ok(found)
}

/// `path` (a path the walker found, so `root` joined with more) relative to `root`: what
/// [`Path::strip_prefix`] gives, taken from the bytes, since the walker's paths start with
/// `root`'s bytes (stripping component by component was a third of the listing's time).
#[cfg(unix)]
fn relative(path: &Path, root: &Path) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    match bytes.strip_prefix(root.as_os_str().as_bytes()) {
        Some(rest) => {
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            PathBuf::from(std::ffi::OsStr::from_bytes(rest))
        }
        None => path.strip_prefix(root).unwrap_or(path).to_path_buf(),
    }
}

#[cfg(not(unix))]
fn relative(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// `path.extension() == Some("yaml")`, from the bytes: the name ends in `.yaml` after at least
/// one more byte (`.yaml` alone is a hidden file without an extension).
#[cfg(unix)]
fn is_yaml(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let name = split_name(path).1.as_os_str().as_bytes();
    name.len() > ".yaml".len() && name.ends_with(b".yaml")
}

#[cfg(not(unix))]
fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "yaml")
}

/// For each of `found` (in path order), the planned content at its path, found by walking
/// both in step: one path comparison a file, where looking each up would take a dozen.
fn planned_contents<'a>(
    found: &[(PathBuf, Option<Entry>)],
    files: &'a Files,
) -> Vec<Option<&'a String>> {
    let mut planned = files.iter().peekable();
    found
        .iter()
        .map(|(rel, _)| {
            while let Some((path, content)) = planned.peek() {
                match path_order(path, rel) {
                    Ordering::Less => {
                        planned.next();
                    }
                    Ordering::Equal => return Some(*content),
                    Ordering::Greater => return None,
                }
            }
            None
        })
        .collect()
}

/// `a.cmp(b)` for the paths of DIR and of the plan, which are relative and have no `.`, `..`
/// or repeated separators: there, ordering component by component (as [`Path`] does, parsing
/// each component, ~2,000 instructions a comparison) is ordering the bytes with the separator
/// below every other byte, since no component holds one.
#[cfg(unix)]
fn path_order(a: &Path, b: &Path) -> Ordering {
    use std::os::unix::ffi::OsStrExt;
    let (a, b) = (a.as_os_str().as_bytes(), b.as_os_str().as_bytes());
    // Only the first byte that differs needs the separator's place: the common prefix is
    // skipped eight bytes at a time, rather than every byte going through the key.
    let shorter = a.len().min(b.len());
    let mut common = 0;
    while common + 8 <= shorter && a[common..common + 8] == b[common..common + 8] {
        common += 8;
    }
    while common < shorter && a[common] == b[common] {
        common += 1;
    }
    let key = |byte: u8| {
        if byte == b'/' { 0 } else { u16::from(byte) + 1 }
    };
    match (a.get(common), b.get(common)) {
        (Some(x), Some(y)) => key(*x).cmp(&key(*y)),
        _ => a.len().cmp(&b.len()),
    }
}

#[cfg(not(unix))]
fn path_order(a: &Path, b: &Path) -> Ordering {
    a.cmp(b)
}

/// One `.yaml` file of DIR, read once.
#[derive(Debug)]
enum Found {
    /// Not ours (no header).
    User,
    /// Ours, with exactly the planned bytes.
    Same,
    /// Ours, not as planned (or not planned at all); its bytes when asked to keep them.
    Differs(Option<Vec<u8>>),
}

/// How the scan opens DIR's files: relative to their folder, opened once for its files
/// (`openat`), so the kernel looks up one name a file rather than DIR's whole path again,
/// and never through a symbolic link put in a file's place since the listing (`O_NOFOLLOW`).
/// At most [`Opener::MAX_FOLDERS`] folders are held open; the files of any further folder
/// are opened relative to DIR.
#[cfg(unix)]
struct Opener {
    /// DIR.
    dir: rustix::fd::OwnedFd,
    /// The folders opened, in path order.
    folders: Vec<rustix::fd::OwnedFd>,
    /// For each entry of the listing, the folder its file is opened from (`None`: DIR).
    from: Vec<Option<usize>>,
}

#[cfg(unix)]
impl Opener {
    /// Folders held open at once, far below the usual limit of 1,024 open files.
    const MAX_FOLDERS: usize = 256;

    /// Opens DIR and the folders of the files to read in `found`. In path order a folder's
    /// files are neighbours, so a folder is opened once for them (once more after each of
    /// its subfolders, whose entries come between its files).
    fn new(dir: &Path, found: &[(PathBuf, Option<Entry>)]) -> Result<Opener, DirError> {
        use rustix::fs::{Mode, OFlags};
        let open = |path: &Path| {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
            rustix::fs::open(path, flags, Mode::empty())
                .map_err(|e| DirError::io(path, std::io::Error::from(e)))
        };
        let mut opener = Opener {
            dir: open(dir)?,
            folders: Vec::new(),
            from: Vec::with_capacity(found.len()),
        };
        let mut current: Option<&Path> = None;
        for (rel, entry) in found {
            let folder = split_name(rel).0;
            if entry.is_none()
                && folder != current
                && opener.folders.len() < Self::MAX_FOLDERS
                && let Some(folder) = folder
            {
                opener.folders.push(open(&dir.join(folder))?);
                current = Some(folder);
            }
            let from = (folder.is_some() && folder == current).then(|| opener.folders.len() - 1);
            opener.from.push(from);
        }
        Ok(opener)
    }

    /// Opens the file of entry `at`, at `rel` in DIR, for reading.
    fn open(&self, at: usize, rel: &Path) -> std::io::Result<std::fs::File> {
        use rustix::fs::{Mode, OFlags};
        let folder = self.from.get(at).copied().flatten();
        let (folder, name) = match folder.and_then(|folder| self.folders.get(folder)) {
            Some(folder) => (folder, split_name(rel).1),
            None => (&self.dir, rel),
        };
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
        Ok(rustix::fs::openat(folder, name, flags, Mode::empty())?.into())
    }
}

/// `rel` (a path relative to DIR, without `.` or `..`) as its folder (`None` at the top) and
/// its name: [`Path::parent`] and [`Path::file_name`], from the bytes (parsing components
/// for each of 10,000 files would add a millisecond or two of serial work).
#[cfg(unix)]
fn split_name(rel: &Path) -> (Option<&Path>, &Path) {
    use std::os::unix::ffi::OsStrExt;
    let bytes = rel.as_os_str().as_bytes();
    let path = |bytes| Path::new(std::ffi::OsStr::from_bytes(bytes));
    match bytes.iter().rposition(|b| *b == b'/') {
        Some(0) | None => (None, rel),
        Some(slash) => (Some(path(&bytes[..slash])), path(&bytes[slash + 1..])),
    }
}

/// Opens each file by its path in DIR.
#[cfg(not(unix))]
struct Opener(PathBuf);

#[cfg(not(unix))]
impl Opener {
    fn new(dir: &Path, _: &[(PathBuf, Option<Entry>)]) -> Result<Opener, DirError> {
        Ok(Opener(dir.to_path_buf()))
    }

    fn open(&self, _: usize, rel: &Path) -> std::io::Result<std::fs::File> {
        std::fs::File::open(self.0.join(rel))
    }
}

/// Reads `file` (DIR's file at `rel`, opened once) as much as it takes to tell: the header,
/// and for a file the render plans, the planned length and one byte more (a longer file
/// differs). A file of ours that differs is read to its end only when `keep` asks for its
/// bytes. DIR and `rel` come apart, joined only to name a file that failed.
fn read_one(
    dir: &Path,
    rel: &Path,
    file: std::io::Result<std::fs::File>,
    planned: Option<&String>,
    keep: Keep,
) -> Result<Found, DirError> {
    let io = |e| DirError::io(&dir.join(rel), e);
    let file = file.map_err(io)?;
    READ_BUFFER.with_borrow_mut(|bytes| read_into(bytes, file, planned, keep).map_err(io))
}

thread_local! {
    /// What each thread reads DIR's files into: one buffer, kept, so its memory is faulted in
    /// once (a fresh buffer for each file took a page fault for nearly every file read).
    static READ_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// [`read_one`] into `bytes` (cleared first).
fn read_into(
    bytes: &mut Vec<u8>,
    mut file: std::fs::File,
    planned: Option<&String>,
    keep: Keep,
) -> std::io::Result<Found> {
    let limit = planned.map_or(0, |p| p.len() + 1).max(GENERATED_MARK.len());
    bytes.clear();
    bytes.reserve(limit);
    (&mut file).take(limit as u64).read_to_end(bytes)?;
    if !is_generated(bytes) {
        return Ok(Found::User);
    }
    if planned.is_some_and(|p| p.as_bytes() == bytes.as_slice()) {
        return Ok(Found::Same);
    }
    if keep == Keep::Nothing {
        return Ok(Found::Differs(None));
    }
    let mut all = bytes.clone();
    file.read_to_end(&mut all)?;
    Ok(Found::Differs(Some(all)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::dir::header;

    /// One buffer serves every read of a thread: what an earlier, longer file left in it
    /// never counts for the next one, and a kept file is read whole.
    #[test]
    fn each_file_is_read_on_its_own_through_the_one_buffer() {
        let temp = tempfile::tempdir().expect("temp dir");
        let ours = |body: &str| format!("{}{body}", header("servers.yaml"));
        let long = ours(&"a long body\n".repeat(1_000));
        let put = |name: &str, content: &str| {
            std::fs::write(temp.path().join(name), content).expect("write");
            PathBuf::from(name)
        };
        let (long_path, short_path) = (put("long.yaml", &long), put("short.yaml", &ours("x\n")));
        let user_path = put("user.yaml", "the user's\n");
        let open = |rel: &Path| std::fs::File::open(temp.path().join(rel));
        let read = |rel: &Path, planned: &str, keep| {
            read_one(
                temp.path(),
                rel,
                open(rel),
                Some(&planned.to_string()),
                keep,
            )
        };
        assert!(matches!(
            read(&long_path, &long, Keep::Old),
            Ok(Found::Same)
        ));
        // Planned as the start of the file: the one byte more shows it is longer.
        let start = long[..long.len() - 1].to_string();
        match read(&long_path, &start, Keep::Old) {
            Ok(Found::Differs(Some(bytes))) => assert_eq!(bytes, long.as_bytes()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read(&long_path, &start, Keep::Nothing),
            Ok(Found::Differs(None))
        ));
        // After the long file, the short one is compared as itself.
        assert!(matches!(
            read(&short_path, &ours("x\n"), Keep::Old),
            Ok(Found::Same)
        ));
        let prefix = ours("");
        match read(&short_path, &prefix, Keep::Old) {
            Ok(Found::Differs(Some(bytes))) => assert_eq!(bytes, ours("x\n").as_bytes()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read(&user_path, "the user's\n", Keep::Old),
            Ok(Found::User)
        ));
        assert!(matches!(
            read_one(temp.path(), &short_path, open(&short_path), None, Keep::Old),
            Ok(Found::Differs(Some(_)))
        ));
    }

    /// The byte-level shortcuts give what [`Path`]'s own methods give.
    #[test]
    fn relative_and_is_yaml_are_what_path_says() {
        for root in [
            "rendered",
            "rendered/",
            "rendered//",
            "./rendered",
            "/abs/rendered",
            "a/./b",
        ] {
            for rel in ["x.yaml", "team-0", "team-0/mcpserver-a.yaml", "a/b/c"] {
                let path = Path::new(root).join(rel);
                let expected = path.strip_prefix(root).expect("below");
                assert_eq!(relative(&path, Path::new(root)), expected, "{root} {rel}");
            }
        }
        let names = [
            "a.yaml",
            ".yaml",
            "..yaml",
            "a..yaml",
            "a.yml",
            "yaml",
            "a.yaml.bak",
            "d/.yaml",
            "d/x.yaml",
            "d.yaml/x",
            "a.YAML",
            "d/..yaml",
        ];
        for name in names {
            let path = Path::new(name);
            let expected = path.extension().is_some_and(|ext| ext == "yaml");
            assert_eq!(is_yaml(path), expected, "{name}");
        }
    }

    /// Files in more folders than are held open are read too, relative to DIR, and a
    /// folder's files after its subfolder's; every file of ours found as planned.
    #[test]
    fn files_in_any_number_of_folders_are_read() {
        let temp = tempfile::tempdir().expect("temp dir");
        let mut files = Files::new();
        for i in 0..Opener::MAX_FOLDERS + 20 {
            let rel = PathBuf::from(format!("ns-{i:04}/deep/f.yaml"));
            std::fs::create_dir_all(temp.path().join(&rel).with_file_name("")).expect("mkdir");
            files.insert(rel, format!("{}{i}\n", header("s.yaml")));
        }
        // A folder's files on either side of its subfolder's.
        for rel in ["ns-0000/a.yaml", "ns-0000/z.yaml"] {
            files.insert(PathBuf::from(rel), format!("{}{rel}\n", header("s.yaml")));
        }
        files.insert(PathBuf::from("top.yaml"), header("s.yaml"));
        for (rel, content) in &files {
            std::fs::write(temp.path().join(rel), content).expect("write");
        }
        let existing = scan(temp.path(), &files, Keep::Old).expect("scanned");
        assert_eq!(existing.same.len(), files.len());
        assert!(existing.old.is_empty());
    }

    /// A symbolic link put in a file's place after the listing is not read through.
    #[test]
    fn a_link_put_in_a_files_place_after_the_listing_is_not_followed() {
        let temp = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        let content = header("s.yaml");
        let files = Files::from([(PathBuf::from("ns/f.yaml"), content.clone())]);
        std::fs::create_dir(temp.path().join("ns")).expect("mkdir");
        std::fs::write(temp.path().join("ns/f.yaml"), &content).expect("write");
        std::fs::write(outside.path().join("f.yaml"), &content).expect("write");
        let listing = list(temp.path()).expect("listed");
        std::fs::remove_file(temp.path().join("ns/f.yaml")).expect("rm");
        std::os::unix::fs::symlink(outside.path().join("f.yaml"), temp.path().join("ns/f.yaml"))
            .expect("symlink");
        match scan_listed(temp.path(), listing, &files, Keep::Old) {
            Err(DirError::Io { path, .. }) => assert_eq!(path, temp.path().join("ns/f.yaml")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn split_name_is_parent_and_file_name() {
        for rel in [
            "a.yaml",
            "ns/a.yaml",
            "ns/deep/a.yaml",
            "_no-namespace/x.yaml",
        ] {
            let path = Path::new(rel);
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            assert_eq!(
                split_name(path),
                (parent, Path::new(path.file_name().expect("name")))
            );
        }
    }

    #[test]
    fn path_order_is_the_order_of_paths() {
        let names = [
            "a",
            "a-b",
            "a.b",
            "a/b",
            "a/b/c",
            "a/b-c",
            "a/b.yaml",
            "a/bc",
            "ab",
            "a0",
            "A",
            "_no-namespace",
            "_no-namespace/x.yaml",
            "team-0",
            "team-0/x.yaml",
            "team-00",
            "team-0-x/y",
            "kustomization.yaml",
            "%2F",
            "\u{e9}",
            "\u{e9}/a",
            "z\u{e9}",
        ];
        for a in names {
            for b in names {
                let (a, b) = (Path::new(a), Path::new(b));
                assert_eq!(path_order(a, b), a.cmp(b), "{a:?} against {b:?}");
            }
        }
    }
}
