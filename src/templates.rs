//! The minijinja templates of the text artifacts (the kustomize index of a directory render,
//! the `init` scaffolds), embedded in the binary from `templates/`.
//!
//! Manifests themselves are never templated: they are typed objects. Values interpolated into
//! `*.yaml.j2` templates are JSON-escaped (a JSON string is a valid YAML double-quoted
//! string, so no value can change the document's structure); other templates must pass every
//! value through a filter that fits their format (`shell` for scripts and commands).

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

/// Every template, by name (its path below `templates/`).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "kustomization.yaml.j2",
        include_str!("../templates/kustomization.yaml.j2"),
    ),
    (
        "argocd/plugin.yaml.j2",
        include_str!("../templates/argocd/plugin.yaml.j2"),
    ),
    (
        "argocd/repo-server-patch.yaml.j2",
        include_str!("../templates/argocd/repo-server-patch.yaml.j2"),
    ),
    (
        "argocd/kustomization.yaml.j2",
        include_str!("../templates/argocd/kustomization.yaml.j2"),
    ),
    (
        "argocd/application.yaml.j2",
        include_str!("../templates/argocd/application.yaml.j2"),
    ),
    (
        "argocd/README.md.j2",
        include_str!("../templates/argocd/README.md.j2"),
    ),
    (
        "flux/kustomization.yaml.j2",
        include_str!("../templates/flux/kustomization.yaml.j2"),
    ),
    (
        "flux/push-artifact.sh.j2",
        include_str!("../templates/flux/push-artifact.sh.j2"),
    ),
    (
        "flux/README.md.j2",
        include_str!("../templates/flux/README.md.j2"),
    ),
    (
        "report/pull-request.md.j2",
        include_str!("../templates/report/pull-request.md.j2"),
    ),
];

/// The environment: strict about undefined values, trailing newlines kept, JSON escaping for
/// YAML templates, and the `shell` filter.
pub fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()?,
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".yaml.j2") {
            AutoEscape::Json
        } else {
            AutoEscape::None
        }
    });
    env.add_filter("shell", shell_quote);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

/// Renders template `name` with `context`.
pub fn render(name: &str, context: Value) -> Result<String, minijinja::Error> {
    environment()?.get_template(name)?.render(context)
}

/// The body of a directory render's `kustomization.yaml`: `resources` in the order given.
pub fn kustomization(resources: &[String]) -> Result<String, minijinja::Error> {
    render(
        "kustomization.yaml.j2",
        minijinja::context! { resources => resources.to_vec() },
    )
}

/// Quotes `value` for a POSIX shell: unchanged when it only holds characters no shell treats
/// specially, else in single quotes (with `'` written as `'\''`).
pub fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'@' | b'%' | b'+' | b'=' | b':' | b',' | b'.' | b'/' | b'_' | b'-'
                )
        });
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let env = environment();
        assert!(env.is_ok(), "{:?}", env.err());
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("rendered/tools"), "rendered/tools");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's $x"), r"'it'\''s $x'");
    }

    #[test]
    fn kustomization_quotes_every_path() {
        let body = kustomization(&["a/b.yaml".to_string(), "c.yaml".to_string()]);
        assert_eq!(
            body.ok().as_deref(),
            Some(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - \"a/b.yaml\"\n  - \"c.yaml\"\n"
            )
        );
        let empty = kustomization(&[]);
        assert_eq!(
            empty.ok().as_deref(),
            Some(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n"
            )
        );
    }
}
