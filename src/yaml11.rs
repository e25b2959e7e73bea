//! TEMPORARY stub; replaced by the full YAML 1.1 resolver.

/// What a plain scalar means to gopkg.in/yaml.v2 when decoded into interface{} (so to kubectl).
#[derive(Debug, Clone, PartialEq)]
pub enum Plain {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str,
}

/// Resolve a plain scalar.
pub fn resolve_plain(text: &str) -> Plain {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Plain::Null,
        "true" | "True" | "TRUE" | "yes" | "on" | "y" => Plain::Bool(true),
        "false" | "False" | "FALSE" | "no" | "off" | "n" => Plain::Bool(false),
        _ => match text.parse::<i64>() {
            Ok(i) => Plain::Int(i),
            Err(_) => match text.parse::<f64>() {
                Ok(f)
                    if text
                        .chars()
                        .all(|c| c.is_ascii_digit() || ".eE+-".contains(c)) =>
                {
                    Plain::Float(f)
                }
                _ => Plain::Str,
            },
        },
    }
}

/// Conservative ambiguity check.
pub fn is_ambiguous_plain(text: &str) -> bool {
    resolve_plain(text) != Plain::Str
}
