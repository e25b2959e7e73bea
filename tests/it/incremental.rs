//! Re-rendering a folder after a small change (issue 12): one changed file is written and
//! renamed into place, nothing else touched; with more changes, files of ours that are already
//! as planned are hard-linked into the new tree (the same inode), only changed files are
//! written (a new inode), and the folder is swapped all or nothing. Either way a kill at any
//! point leaves the old tree or the new one.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use mcp_render::dir;

use crate::util;

/// `count` MCPServers in five namespaces; the first `tagged` servers' images have tag `tag`.
fn servers(count: usize, tagged: usize, tag: &str) -> String {
    (0..count)
        .map(|i| {
            let tag = if i < tagged { tag } else { "1.0.0" };
            format!(
                "apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata:\n  name: server-{i:04}\n  namespace: team-{}\nspec:\n  image: ghcr.io/example/mcp-{i}:{tag}\n  transport: streamable-http\n  mcpPort: 8080\n",
                i % 5
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

/// A work directory with `servers/all.yaml` holding `count` servers (server 0 at `1.0.0`).
fn workspace(count: usize) -> tempfile::TempDir {
    let temp = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(temp.path().join("servers")).expect("mkdir");
    set_tag(temp.path(), count, "1.0.0");
    temp
}

/// Server 0 gets `tag`: one changed file.
fn set_tag(root: &Path, count: usize, tag: &str) {
    set_tags(root, count, 1, tag);
}

/// Servers 0 and 1 (in two namespaces) get `tag`: two changed files.
fn set_two_tags(root: &Path, count: usize, tag: &str) {
    set_tags(root, count, 2, tag);
}

fn set_tags(root: &Path, count: usize, tagged: usize, tag: &str) {
    std::fs::write(root.join("servers/all.yaml"), servers(count, tagged, tag)).expect("write");
}

fn render(root: &Path) -> Output {
    util::mcp_render()
        .current_dir(root)
        .args(["render", "-o", "rendered", "servers/"])
        .output()
        .expect("run mcp-render")
}

fn rendered_ok(root: &Path) -> String {
    let out = render(root);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

/// Every regular file below `root` (relative path → (inode, bytes)); directories and links
/// are left out (the gitops tests cover them).
fn files(root: &Path) -> Tree {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let meta = entry.metadata().expect("metadata");
            let rel = entry
                .path()
                .strip_prefix(root)
                .expect("below")
                .to_path_buf();
            out.insert(
                rel,
                (meta.ino(), std::fs::read(entry.path()).expect("read")),
            );
        }
    }
    out
}

/// Hidden siblings the writer leaves next to `rendered` (only a killed run leaves one).
fn leftovers(root: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(root)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".rendered.mcp-render-"))
        })
        .collect()
}

/// The files `render -o` plans for `root/servers/`, through the library (the source paths in
/// the headers are absolute, unlike the binary's: a folder is written with one or the other).
fn plan(root: &Path) -> dir::Files {
    let options = mcp_render::Options {
        inputs: vec![root.join("servers/")],
        ..Default::default()
    };
    mcp_render::plan_dir(&options, &mut std::io::empty())
        .expect("valid")
        .files
}

const CHANGED: &str = "team-0/mcpserver-server-0000.yaml";
/// The second file [`set_two_tags`] changes.
const CHANGED_TOO: &str = "team-1/mcpserver-server-0001.yaml";

/// The inodes of DIR and of each of its folders.
fn folder_inodes(root: &Path) -> BTreeMap<PathBuf, u64> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|entry| entry.expect("walk"))
        .filter(|entry| entry.file_type().is_dir())
        .map(|entry| {
            let rel = entry
                .path()
                .strip_prefix(root)
                .expect("below")
                .to_path_buf();
            (rel, entry.metadata().expect("metadata").ino())
        })
        .collect()
}

/// Regular files of a tree (see [`files`]).
type Tree = BTreeMap<PathBuf, (u64, Vec<u8>)>;

/// A re-render through the binary, and DIR before and after it.
struct Rerender {
    ws: tempfile::TempDir,
    before: Tree,
    folders_before: BTreeMap<PathBuf, u64>,
    after: Tree,
}

/// Renders 20 servers to `rendered/`, adds a README of the user's, then gives the first
/// `tagged` servers a new tag and renders again, which must say `report`.
fn rerender(tagged: usize, report: &str) -> Rerender {
    let ws = workspace(20);
    let root = ws.path();
    rendered_ok(root);
    let rendered = root.join("rendered");
    std::fs::write(rendered.join("README.md"), "# mine\n").expect("write");
    let before = files(&rendered);
    let folders_before = folder_inodes(&rendered);
    set_tags(root, 20, tagged, "1.0.1");
    let stderr = rendered_ok(root);
    assert!(stderr.contains(report), "{stderr}");
    let after = files(&rendered);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    Rerender {
        ws,
        before,
        folders_before,
        after,
    }
}

#[test]
fn a_one_change_rerender_keeps_every_unchanged_file_and_writes_a_new_one() {
    let Rerender {
        ws,
        before,
        folders_before,
        after,
    } = rerender(1, "wrote 1 file, removed 0, 20 unchanged");
    let root = ws.path();
    let rendered = root.join("rendered");
    for (path, (inode, bytes)) in &after {
        let (old_inode, old_bytes) = &before[path];
        if path == Path::new(CHANGED) {
            assert_ne!(
                inode,
                old_inode,
                "{}: a changed file is a new inode",
                path.display()
            );
            assert!(
                String::from_utf8_lossy(bytes).contains("ghcr.io/example/mcp-0:1.0.1"),
                "the new bytes"
            );
            assert_ne!(bytes, old_bytes);
        } else {
            assert_eq!(
                inode,
                old_inode,
                "{}: an unchanged file is the very same file",
                path.display()
            );
            assert_eq!(bytes, old_bytes);
        }
    }
    assert_eq!(
        folder_inodes(&rendered),
        folders_before,
        "one changed file is renamed into place: DIR and its folders stay the same folders"
    );
    assert!(leftovers(root).is_empty());
    // No other name is left for any file.
    let meta = std::fs::metadata(rendered.join("team-1/mcpserver-server-0001.yaml")).expect("meta");
    assert_eq!(meta.nlink(), 1, "no second link anywhere");
    // The bytes are those of a render into a new folder.
    let fresh = root.join("fresh");
    let out = util::mcp_render()
        .current_dir(root)
        .args(["render", "-o", "fresh", "servers/"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let bytes = |tree: Tree| -> BTreeMap<PathBuf, Vec<u8>> {
        tree.into_iter()
            .filter(|(p, _)| p != Path::new("README.md"))
            .map(|(p, (_, b))| (p, b))
            .collect()
    };
    assert_eq!(bytes(files(&fresh)), bytes(after));
}

#[test]
fn one_deleted_file_of_ours_is_put_back_alone() {
    let ws = workspace(20);
    let root = ws.path();
    rendered_ok(root);
    let rendered = root.join("rendered");
    let before = files(&rendered);
    let folders_before = folder_inodes(&rendered);
    let gone = Path::new("team-3/mcpserver-server-0003.yaml");
    std::fs::remove_file(rendered.join(gone)).expect("rm");
    let stderr = rendered_ok(root);
    assert!(
        stderr.contains("wrote 1 file, removed 0, 20 unchanged"),
        "{stderr}"
    );
    let after = files(&rendered);
    assert_eq!(after[gone].1, before[gone].1, "the same bytes again");
    for (path, (inode, _)) in after.iter().filter(|(path, _)| *path != gone) {
        assert_eq!(*inode, before[path].0, "{}", path.display());
    }
    assert_eq!(
        folder_inodes(&rendered),
        folders_before,
        "no tree was swapped"
    );
    assert!(leftovers(root).is_empty());
}

#[test]
fn two_changed_files_swap_a_new_tree_that_links_every_other_file() {
    let Rerender {
        ws,
        before,
        folders_before,
        after,
    } = rerender(2, "wrote 2 files, removed 0, 19 unchanged");
    let root = ws.path();
    let rendered = root.join("rendered");
    for (path, (inode, _)) in &after {
        let changed = path == Path::new(CHANGED) || path == Path::new(CHANGED_TOO);
        assert_eq!(
            inode != &before[path].0,
            changed,
            "{}: a new inode exactly when changed",
            path.display()
        );
    }
    assert_ne!(
        folder_inodes(&rendered)[Path::new("")],
        folders_before[Path::new("")],
        "DIR is a new folder, swapped in"
    );
    assert!(leftovers(root).is_empty(), "the old tree is gone");
    let meta = std::fs::metadata(rendered.join("team-2/mcpserver-server-0002.yaml")).expect("meta");
    assert_eq!(meta.nlink(), 1, "the previous tree's link was deleted");
}

#[test]
fn a_failed_write_of_the_one_changed_file_leaves_the_folder_as_it_was() {
    let ws = workspace(6);
    let root = ws.path();
    let rendered = root.join("rendered");
    dir::write(&rendered, &plan(root)).expect("written");
    let before = files(&rendered);
    set_tag(root, 6, "1.0.1");
    let write = |_: &Path, _: &[u8]| Err(std::io::Error::other("disk full (injected)"));
    let steps = dir::Steps {
        write: &write,
        ..dir::Steps::default()
    };
    match dir::write_with(&rendered, &plan(root), steps) {
        Err(dir::DirError::Io { path, error }) => {
            assert_eq!(path, rendered.join(CHANGED));
            assert_eq!(error.to_string(), "disk full (injected)");
        }
        other => panic!("expected the injected failure, got {other:?}"),
    }
    assert_eq!(files(&rendered), before, "DIR is exactly as before");
    assert!(
        leftovers(root).is_empty(),
        "the staged file's folder was removed"
    );
}

#[test]
fn where_a_link_fails_the_file_is_written_with_the_same_bytes() {
    let ws = workspace(6);
    let root = ws.path();
    let rendered = root.join("rendered");
    dir::write(&rendered, &plan(root)).expect("written");
    let before = files(&rendered);
    // Two changed files: the tree is rebuilt, and linking is tried for every other file.
    set_two_tags(root, 6, "1.0.1");
    let links = AtomicUsize::new(0);
    let link = |_: &Path, _: &Path| {
        links.fetch_add(1, Ordering::SeqCst);
        Err(std::io::Error::from_raw_os_error(18)) // EXDEV: another device
    };
    let steps = dir::Steps {
        link: &link,
        ..dir::Steps::default()
    };
    let report = dir::write_with(&rendered, &plan(root), steps).expect("written");
    assert_eq!(
        report.written,
        [PathBuf::from(CHANGED), PathBuf::from(CHANGED_TOO)]
    );
    assert_eq!(report.unchanged, 5, "six servers less two, and the index");
    assert_eq!(
        links.load(Ordering::SeqCst),
        5,
        "every unchanged file was linked first"
    );
    let after = files(&rendered);
    for (path, (inode, bytes)) in &after {
        let (old_inode, old_bytes) = &before[path];
        assert_ne!(
            inode,
            old_inode,
            "{}: written, so a new inode",
            path.display()
        );
        if path != Path::new(CHANGED) && path != Path::new(CHANGED_TOO) {
            assert_eq!(bytes, old_bytes, "{}", path.display());
        }
    }
}

/// Runs `test` alone in a child process (this test binary) with `var` set to `root`: how a
/// test kills a write half-way (the child aborts) and looks at what it left.
pub(crate) fn in_child(test: &str, var: &str, root: &Path) -> Output {
    Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(var, root)
        .output()
        .expect("run the child")
}

/// Writes 10 servers to `rendered/` (with a README of the user's), gives the first `tagged`
/// servers a new tag and runs `test` in a child with `var` set, which must die saying `says`:
/// DIR is then exactly as before, inodes too, and one hidden sibling is left. Returns the
/// work directory and DIR's files.
fn killed_write(test: &str, var: &str, tagged: usize, says: &str) -> (tempfile::TempDir, Tree) {
    let ws = workspace(10);
    let root = ws.path();
    let rendered = root.join("rendered");
    dir::write(&rendered, &plan(root)).expect("written");
    std::fs::write(rendered.join("README.md"), "# mine\n").expect("write");
    let before = files(&rendered);
    set_tags(root, 10, tagged, "1.0.1");
    let out = in_child(test, var, root);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), None, "killed by a signal: {stderr}");
    assert!(stderr.contains(says), "{stderr}");
    assert_eq!(
        files(&rendered),
        before,
        "DIR is exactly as before, inodes too"
    );
    assert_eq!(
        leftovers(root).len(),
        1,
        "what was written stays in a hidden sibling"
    );
    (ws, before)
}

/// Set in the child process of [`a_write_killed_while_linking_leaves_the_folder_as_it_was`]:
/// the work directory whose `servers/` it renders to `rendered/`, dying after two links.
const KILL_CHILD_VAR: &str = "MCP_RENDER_IT_KILLED_LINK_IN";

/// A directory render that dies (abort: no unwinding, no clean-up) while it links unchanged
/// files into the new tree. It runs in a child process (this test binary, running only this
/// test with [`KILL_CHILD_VAR`] set), through the same library calls as `mcp-render render -o`.
#[test]
fn a_write_killed_while_linking_leaves_the_folder_as_it_was() {
    if let Some(cwd) = std::env::var_os(KILL_CHILD_VAR) {
        let cwd = PathBuf::from(cwd);
        let count = AtomicUsize::new(0);
        let link = |from: &Path, to: &Path| {
            if count.fetch_add(1, Ordering::SeqCst) == 2 {
                eprintln!("killed while linking {}", to.display());
                std::process::abort();
            }
            std::fs::hard_link(from, to)
        };
        let steps = dir::Steps {
            link: &link,
            ..dir::Steps::default()
        };
        let _ = dir::write_with(&cwd.join("rendered"), &plan(&cwd), steps);
        unreachable!("the write was killed");
    }
    let (ws, before) = killed_write(
        "incremental::a_write_killed_while_linking_leaves_the_folder_as_it_was",
        KILL_CHILD_VAR,
        2,
        "killed while linking",
    );
    let root = ws.path();
    let rendered = root.join("rendered");
    // The next run succeeds, and still links what it can.
    let report = dir::write(&rendered, &plan(root)).expect("written");
    assert_eq!(
        report.written,
        [PathBuf::from(CHANGED), PathBuf::from(CHANGED_TOO)]
    );
    let after = files(&rendered);
    assert_eq!(
        after[Path::new("README.md")],
        before[Path::new("README.md")]
    );
    assert_eq!(
        after[Path::new("team-2/mcpserver-server-0002.yaml")].0,
        before[Path::new("team-2/mcpserver-server-0002.yaml")].0
    );
}

/// Set in the child process of [`a_write_killed_before_the_one_rename_leaves_the_folder_as_it_was`].
const KILL_RENAME_CHILD_VAR: &str = "MCP_RENDER_IT_KILLED_RENAME_IN";

/// A one-change re-render that dies (abort) once the changed file is written, before it is
/// renamed into DIR: DIR is exactly as before and the staged file is in the hidden sibling.
#[test]
fn a_write_killed_before_the_one_rename_leaves_the_folder_as_it_was() {
    if let Some(cwd) = std::env::var_os(KILL_RENAME_CHILD_VAR) {
        let cwd = PathBuf::from(cwd);
        let write = |path: &Path, bytes: &[u8]| {
            std::fs::write(path, bytes)?;
            eprintln!("killed after writing {}", path.display());
            std::process::abort();
        };
        let steps = dir::Steps {
            write: &write,
            ..dir::Steps::default()
        };
        let _ = dir::write_with(&cwd.join("rendered"), &plan(&cwd), steps);
        unreachable!("the write was killed");
    }
    let (ws, _) = killed_write(
        "incremental::a_write_killed_before_the_one_rename_leaves_the_folder_as_it_was",
        KILL_RENAME_CHILD_VAR,
        1,
        "killed after writing",
    );
    let root = ws.path();
    let rendered = root.join("rendered");
    let left = leftovers(root);
    let staged: Vec<_> = std::fs::read_dir(&left[0])
        .expect("read_dir")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("read"))
        .collect();
    assert_eq!(staged, [plan(root)[Path::new(CHANGED)].as_bytes()]);
    let report = dir::write(&rendered, &plan(root)).expect("written");
    assert_eq!(report.written, [PathBuf::from(CHANGED)]);
    assert_eq!(files(&rendered)[Path::new(CHANGED)].1, staged[0]);
}

/// The binary, hermetic (no inherited variable), in `root`: `render -o rendered servers/`.
fn render_command(root: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mcp-render"));
    command
        .current_dir(root)
        .env_clear()
        .args(["render", "-o", "rendered", "servers/"])
        .stderr(std::process::Stdio::null());
    command
}

/// Kill -9 at points spread over the end of a one-change re-render (reading DIR, linking,
/// writing, the swap, deleting the old tree): every time, the folder is the old tree or the
/// new one, never a mix, and the next run completes it.
#[test]
fn a_render_killed_at_any_point_leaves_the_old_tree_or_the_new_one() {
    const COUNT: usize = 200;
    let ws = workspace(COUNT);
    let root = ws.path();
    let rendered = root.join("rendered");
    let contents = |tree: Tree| -> BTreeMap<PathBuf, Vec<u8>> {
        tree.into_iter().map(|(p, (_, b))| (p, b)).collect()
    };
    set_tag(root, COUNT, "2.0.0");
    rendered_ok(root);
    let new = contents(files(&rendered));
    std::fs::remove_dir_all(&rendered).expect("rm");
    set_tag(root, COUNT, "1.0.0");
    rendered_ok(root);
    let old = contents(files(&rendered));
    assert_ne!(old, new);
    // How long one re-render takes, to spread the kills over it.
    set_tag(root, COUNT, "2.0.0");
    let start = Instant::now();
    assert!(render_command(root).status().expect("run").success());
    let whole = start.elapsed();
    let mut saw_old = 0;
    // The first kill at once; then seven spread over the last 30% of the run, where rendering
    // is done and DIR is read, the new tree built and swapped in, and the old one deleted.
    for step in 0..8u32 {
        for leftover in leftovers(root) {
            std::fs::remove_dir_all(leftover).expect("rm leftover");
        }
        set_tag(root, COUNT, "1.0.0");
        rendered_ok(root);
        set_tag(root, COUNT, "2.0.0");
        let mut child = render_command(root).spawn().expect("spawn");
        if step > 0 {
            std::thread::sleep(whole.mul_f64(0.65 + 0.05 * f64::from(step)));
        }
        let _ = child.kill(); // SIGKILL; fails only when the child has already exited
        let _ = child.wait().expect("wait");
        let now = contents(files(&rendered));
        if now == old {
            saw_old += 1;
        } else if now != new {
            panic!("kill {step}: DIR is neither the old tree nor the new one");
        }
        let stderr = rendered_ok(root);
        assert!(
            stderr.contains("up to date") || stderr.contains("wrote 1 file"),
            "{stderr}"
        );
        assert_eq!(contents(files(&rendered)), new, "the next run completes it");
    }
    assert!(saw_old > 0, "the first kill, at once, came before the swap");
}

/// `render -o` lists DIR beside the end of the plan (`plan_dir_alongside`): only once the
/// input is valid and rendered, and the listing serves the write and the check as a fresh
/// one would.
#[test]
fn the_folder_is_listed_beside_the_plan_and_only_for_valid_input() {
    let ws = workspace(20);
    let root = ws.path();
    let rendered = root.join("rendered");
    let options = mcp_render::Options {
        inputs: vec![root.join("servers/")],
        ..Default::default()
    };
    let listed = AtomicUsize::new(0);
    let list = || {
        listed.fetch_add(1, Ordering::SeqCst);
        dir::list(&rendered)
    };
    let (plan, listing) =
        mcp_render::plan_dir_alongside(&options, &mut std::io::empty(), list).expect("valid");
    assert_eq!(listed.load(Ordering::SeqCst), 1);
    // DIR did not exist when it was listed: the write creates it, every file new.
    let listing = listing.expect("listed");
    let report = dir::write_listed(&rendered, &plan.files, listing).expect("written");
    assert_eq!(report.written.len(), plan.files.len());
    assert_eq!(files(&rendered).len(), plan.files.len());
    // Listed again beside a plan of the same input: up to date.
    let (plan, listing) =
        mcp_render::plan_dir_alongside(&options, &mut std::io::empty(), list).expect("valid");
    let listing = listing.expect("listed");
    let drift = dir::check_listed(&rendered, "rendered", &plan.files, listing).expect("checked");
    assert!(drift.is_clean(), "{}", drift.diff());
    assert_eq!(drift.planned, plan.files.len());
    // One server changed: the listing finds the one file to write.
    set_tag(root, 20, "2.0.0");
    let (plan, listing) =
        mcp_render::plan_dir_alongside(&options, &mut std::io::empty(), list).expect("valid");
    let report =
        dir::write_listed(&rendered, &plan.files, listing.expect("listed")).expect("written");
    assert_eq!(report.written, [PathBuf::from(CHANGED)]);
    assert_eq!(report.unchanged, plan.files.len() - 1);
    assert_eq!(listed.load(Ordering::SeqCst), 3);
    // Invalid input: the plan fails first and DIR is never looked at.
    std::fs::write(
        root.join("servers/all.yaml"),
        "apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServer\nmetadata: {name: no-image}\nspec: {transport: stdio}\n",
    )
    .expect("write");
    let result = mcp_render::plan_dir_alongside(&options, &mut std::io::empty(), list);
    assert!(
        matches!(result, Err(mcp_render::Error::Invalid(_))),
        "{result:?}"
    );
    assert_eq!(listed.load(Ordering::SeqCst), 3);
}
