//! Kubernetes name rules (<https://kubernetes.io/docs/concepts/overview/working-with-objects/names/>) and the names ToolHive derives.
//!
//! Each check returns `Err(reason)` with a reason that reads after the offending value:
//! "`Foo` must consist of lower-case letters, digits and '-'".

/// Longest MCPServer name with Services: `mcp-<name>-headless` must fit in 63 characters.
pub const MAX_HTTP_SERVER_NAME: usize = 63 - "mcp-".len() - "-headless".len();

/// Longest StatefulSet name that can create pods: the `controller-revision-hash` label
/// (`<name>-<hash of up to 10>`) must fit in 63 characters.
pub const MAX_STATEFULSET_NAME: usize = 63 - 1 - 10;

/// Service `mcp-<name>-headless` (ToolHive `createHeadlessService`).
pub fn headless_service_name(server: &str) -> String {
    format!("mcp-{server}-headless")
}

/// Service `mcp-<name>` (ToolHive `createMCPService`, added by PR #3992).
pub fn service_name(server: &str) -> String {
    format!("mcp-{server}")
}

/// The pods' service account when `spec.serviceAccount` is unset; ToolHive's operator creates it.
pub fn default_service_account(server: &str) -> String {
    format!("{server}-sa")
}

fn is_alnum_lower(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// A DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending
/// with a letter or digit (names of StatefulSets, namespaces, containers).
pub fn dns1123_label(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".to_string());
    }
    if name.len() > 63 {
        return Err(format!(
            "is {} characters, over the 63 a DNS-1123 label allows",
            name.len()
        ));
    }
    if name.contains('.') {
        return Err("must not contain dots (it must be a DNS-1123 label)".to_string());
    }
    if !name.chars().all(|c| is_alnum_lower(c) || c == '-') {
        return Err(
            "must consist of lower-case letters, digits and '-' (a DNS-1123 label)".to_string(),
        );
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(
            "must start and end with a lower-case letter or digit (a DNS-1123 label)".to_string(),
        );
    }
    Ok(())
}

/// A DNS-1035 label: a DNS-1123 label that starts with a letter (Service names,
/// <https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names>; the rendered Services are `mcp-…`, so they always start with one).
pub fn dns1035_label(name: &str) -> Result<(), String> {
    dns1123_label(name)?;
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(
            "must start with a lower-case letter (a Service name is a DNS-1035 label)".to_string(),
        );
    }
    Ok(())
}

/// The rule every object name obeys, whatever its kind: it is a path segment of the API, so
/// it is not `.` or `..` and holds no `/` or `%`.
pub fn path_segment_name(name: &str) -> Result<(), String> {
    if name == "." || name == ".." {
        return Err("may not be `.` or `..`".to_string());
    }
    if name.contains(['/', '%']) {
        return Err("may not contain '/' or '%'".to_string());
    }
    Ok(())
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters (Secret and
/// ServiceAccount names).
pub fn dns1123_subdomain(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".to_string());
    }
    if name.len() > 253 {
        return Err(format!(
            "is {} characters, over the 253 a DNS-1123 subdomain allows",
            name.len()
        ));
    }
    let ok = name.split('.').all(|part| {
        !part.is_empty()
            && part.chars().all(|c| is_alnum_lower(c) || c == '-')
            && !part.starts_with('-')
            && !part.ends_with('-')
    });
    if !ok {
        return Err("must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit".to_string());
    }
    Ok(())
}

/// An environment variable name under Kubernetes' classic rule `[-._a-zA-Z][-._a-zA-Z0-9]*`
/// (the relaxed rule of 1.34 is not assumed, so output stays portable).
pub fn env_var_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid_first = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '-' | '.' | '_'));
    let valid_rest = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if valid_first && valid_rest {
        Ok(())
    } else {
        Err(
            "must consist of letters, digits, '_', '-' and '.', and must not start with a digit"
                .to_string(),
        )
    }
}

/// A key in a Secret or ConfigMap: `[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or
/// `..` and not starting with `..` (`IsConfigMapKey`).
pub fn config_map_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > 253 {
        return Err("must be 1 to 253 characters".to_string());
    }
    if key == "." || key == ".." || key.starts_with("..") {
        return Err("must not be `.` or `..` or start with `..`".to_string());
    }
    if key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        Ok(())
    } else {
        Err("must consist of letters, digits, '-', '_' and '.'".to_string())
    }
}

/// A label value: empty, or at most 63 characters of `[A-Za-z0-9_.-]` starting and ending
/// with a letter or digit.
pub fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 {
        return Err(format!(
            "is {} characters, over the 63 a label value allows",
            value.len()
        ));
    }
    let edges = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let inner = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if inner && edges(value.chars().next()) && edges(value.chars().last()) {
        Ok(())
    } else {
        Err(
            "must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
                .to_string(),
        )
    }
}

/// A label key: an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63
/// characters shaped like a label value.
pub fn label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        dns1123_subdomain(prefix).map_err(|why| format!("has a prefix that {why}"))?;
    }
    if name.is_empty() {
        return Err("must have a name part".to_string());
    }
    label_value(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_rules() {
        assert!(dns1123_label("st-sse").is_ok());
        assert!(dns1123_label("0abc").is_ok());
        for bad in ["", "Foo", "a.b", "-a", "a-", "a_b", &"a".repeat(64)] {
            assert!(dns1123_label(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn service_names_start_with_a_letter() {
        assert!(dns1035_label("mcp-0abc").is_ok());
        assert!(dns1035_label("0abc").is_err());
        assert!(dns1035_label("a.b").is_err());
        assert!(path_segment_name("system:aggregate").is_ok());
        for bad in [".", "..", "a/b", "a%b"] {
            assert!(path_segment_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn subdomain_rules() {
        assert!(dns1123_subdomain("my.secret-1").is_ok());
        for bad in ["", "a..b", ".a", "A", "a_b"] {
            assert!(dns1123_subdomain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_var_rules() {
        for good in ["MCP_PORT", "_x", "a.b-c", "-x"] {
            assert!(env_var_name(good).is_ok(), "{good}");
        }
        for bad in ["", "1ABC", "A=B", "A B", "É"] {
            assert!(env_var_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_map_key_rules() {
        for good in ["a", ".a", "a..b", "tls.crt", "_x-1"] {
            assert!(config_map_key(good).is_ok(), "{good}");
        }
        for bad in ["", ".", "..", "..a", "a/b", "a b"] {
            assert!(config_map_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn label_key_and_value_rules() {
        assert!(label_key("app.kubernetes.io/name").is_ok());
        assert!(label_key("toolhive").is_ok());
        assert!(label_key("Bad/x").is_err());
        assert!(label_key("a/").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("8080").is_ok());
        assert!(label_value("-x").is_err());
        assert!(label_value(&"x".repeat(64)).is_err());
    }

    #[test]
    fn derived_name_limits() {
        assert_eq!(MAX_HTTP_SERVER_NAME, 50);
        assert_eq!(MAX_STATEFULSET_NAME, 52);
        assert_eq!(headless_service_name(&"a".repeat(50)).len(), 63);
    }
}
