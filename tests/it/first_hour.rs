//! Issue 10, "the first hour of a new user": ordinary repositories and ordinary mistakes,
//! through the binary. Every test counts the warnings, not only their text.

use std::path::Path;

use crate::util::{self, Run};

const SERVER: &str = "\
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata:
  name: demo
  namespace: tools
spec:
  image: example.com/demo:1
  transport: stdio
";

/// The warning lines of a run.
fn warnings(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|line| line.contains("warning: "))
        .collect()
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

#[cfg(unix)]
#[test]
fn links_back_to_a_parent_are_reported_once_and_never_walked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let servers = tmp.path().join("servers");
    write(&servers.join("demo.yaml"), SERVER);
    // Two links back to the folder that holds them: followed, this never ends.
    std::os::unix::fs::symlink("..", servers.join("up")).expect("link");
    std::os::unix::fs::symlink(".", servers.join("here")).expect("link");
    let run = util::mcp_render()
        .current_dir(tmp.path())
        .args(["render", "servers"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout().matches("kind: StatefulSet").count(), 1);
    let warned = warnings(&run);
    assert_eq!(warned.len(), 2, "{}", run.stderr);
    assert!(
        warned.iter().all(|w| w.contains("a loop; not followed")),
        "{warned:?}"
    );
    assert!(
        warned[0].starts_with("warning: servers/here: "),
        "{warned:?}"
    );
    assert!(warned[1].starts_with("warning: servers/up: "), "{warned:?}");
}

#[cfg(unix)]
#[test]
fn a_deep_link_loop_reads_each_file_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let servers = tmp.path().join("servers");
    write(&servers.join("a/demo.yaml"), SERVER);
    std::os::unix::fs::symlink("..", servers.join("a/loop")).expect("link");
    let run = util::mcp_render()
        .current_dir(tmp.path())
        .args(["render", "servers"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Read once: no "defined twice" collision, one StatefulSet.
    assert_eq!(run.stdout().matches("kind: StatefulSet").count(), 1);
    assert_eq!(warnings(&run).len(), 1, "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn links_named_on_the_command_line_and_links_to_files_are_followed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(&tmp.path().join("real/demo.yaml"), SERVER);
    write(
        &tmp.path().join("shared/other.yaml"),
        &SERVER.replace("demo", "other"),
    );
    std::os::unix::fs::symlink("real", tmp.path().join("linked")).expect("link");
    std::os::unix::fs::symlink("../shared/other.yaml", tmp.path().join("real/other.yaml"))
        .expect("link");
    std::os::unix::fs::symlink("../shared", tmp.path().join("real/shared")).expect("link");
    let run = util::mcp_render()
        .current_dir(tmp.path())
        .args(["render", "linked"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout().matches("kind: StatefulSet").count(), 2);
    let warned = warnings(&run);
    assert_eq!(warned.len(), 1, "{}", run.stderr);
    assert!(warned[0].contains("linked/shared: a symbolic link to a folder; links inside an input folder are not followed"), "{warned:?}");
}

#[cfg(unix)]
#[test]
fn the_output_folder_is_scanned_without_following_links() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(&tmp.path().join("servers/demo.yaml"), SERVER);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    std::os::unix::fs::symlink("..", out.join("up")).expect("link");
    let run = util::mcp_render()
        .current_dir(tmp.path())
        .args(["render", "-o", "out", "servers"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(warnings(&run).is_empty(), "{}", run.stderr);
    assert!(out.join("tools/mcpserver-demo.yaml").is_file());
    // The user's link is left alone, and nothing was written through it.
    assert!(
        std::fs::symlink_metadata(out.join("up"))
            .expect("link")
            .file_type()
            .is_symlink()
    );
    let check = util::mcp_render()
        .current_dir(tmp.path())
        .args(["render", "-o", "out", "--check", "servers"])
        .run();
    assert_eq!(check.code, 0, "{}", check.stderr);
}
