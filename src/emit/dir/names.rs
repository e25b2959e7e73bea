//! File and folder names of the layout: namespaces, names and kinds written as one path
//! segment each, bytes outside the allowed set as `%XX`.

use std::path::Path;

use super::NO_NAMESPACE_DIR;

/// `text` with every byte that `keep` rejects written as `%XX` (upper-case hex); `%` itself
/// is always encoded, so different texts always give different results.
fn encode(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte != b'%' && keep(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// The folder an object with this namespace goes to.
pub fn namespace_dir(namespace: Option<&str>) -> String {
    match namespace {
        None => NO_NAMESPACE_DIR.to_string(),
        Some(ns) => encode(ns, |b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
        }),
    }
}

/// The file of MCPServer `name` (inside its namespace folder).
pub fn server_file(name: &str) -> String {
    format!("mcpserver-{}.yaml", encode(name, name_byte))
}

pub(super) fn pass_through_file(kind: &str, group: Option<&str>, name: &str) -> String {
    let kind = encode(&kind.to_ascii_lowercase(), name_byte);
    let name = encode(name, name_byte);
    match group {
        None => format!("{kind}-{name}.yaml"),
        Some(group) => {
            let group = if group.is_empty() { "core" } else { group };
            format!("{kind}.{}-{name}.yaml", encode(group, name_byte))
        }
    }
}

/// A file of DIR as the user names it: `label` (DIR as written on the command line, without a
/// leading `./` or a trailing `/`) and the file's path inside DIR, with `/` separators. For
/// diff headers, annotations and reports.
pub fn shown(label: &str, path: &Path) -> String {
    let label = label.trim_start_matches("./").trim_end_matches('/');
    let path = path.to_string_lossy().replace('\\', "/");
    if label.is_empty() || label == "." {
        path
    } else {
        format!("{label}/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_names_and_escapes_everything_else() {
        assert_eq!(namespace_dir(Some("tools")), "tools");
        assert_eq!(namespace_dir(None), "_no-namespace");
        assert_eq!(namespace_dir(Some("../..")), "%2E%2E%2F%2E%2E");
        assert_eq!(namespace_dir(Some("_no-namespace")), "%5Fno-namespace");
        assert_eq!(
            pass_through_file("ClusterRole", None, "system:auth"),
            "clusterrole-system%3Aauth.yaml"
        );
        assert_eq!(
            pass_through_file("Certificate", Some("cert-manager.io"), "web"),
            "certificate.cert-manager.io-web.yaml"
        );
        assert_eq!(
            pass_through_file("ConfigMap", Some(""), "a%b"),
            "configmap.core-a%25b.yaml"
        );
        assert_eq!(server_file("fetch"), "mcpserver-fetch.yaml");
    }
}
