//! The located document tree: every YAML/JSON node with the line and column it came from.
//!
//! This is the hand-off from `load` to `parse`. Values are already resolved the way kubectl
//! reads them (YAML 1.1, see [`crate::yaml11`]), so `on` is a boolean here, as it is for kubectl.

use std::fmt;

mod de;

/// A 1-based line and column in a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mark {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub col: u32,
}

/// One node of a document and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The resolved value.
    pub value: Value,
    /// Where the node starts.
    pub mark: Mark,
}

/// A resolved value. Kubernetes objects are JSON, so this is JSON's data model.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false` (and, as YAML 1.1 reads them, `yes`, `on`, ...).
    Bool(bool),
    /// An integer or a finite float.
    Number(serde_json::Number),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with string keys, in source order, without duplicates.
    Map(Vec<Entry>),
}

/// One key of a mapping, with where the key itself is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key, as a string (kubectl turns non-string keys into strings).
    pub key: String,
    /// Where the key is written.
    pub key_mark: Mark,
    /// The value.
    pub value: Node,
}

impl Value {
    /// The name of the value's type, for messages such as "expected a string, found a mapping".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entry for `key`, if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|entry| entry.key == key)
    }

    /// The value of `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Where `path` points, or where its deepest existing ancestor is when the path goes
    /// further than the document (a missing field is reported at its parent).
    /// A path to a mapping key points at the key, so "unknown field" errors land on it.
    pub fn locate(&self, path: &FieldPath) -> Mark {
        let mut node = self;
        let mut mark = self.mark;
        for segment in &path.0 {
            let next = match (segment, &node.value) {
                (Segment::Key(key), Value::Map(entries)) => entries
                    .iter()
                    .find(|entry| &entry.key == key)
                    .map(|entry| (entry.key_mark, &entry.value)),
                (Segment::Index(index), Value::Seq(items)) => {
                    items.get(*index).map(|item| (item.mark, item))
                }
                _ => None,
            };
            match next {
                Some((at, child)) => {
                    mark = at;
                    node = child;
                }
                None => break,
            }
        }
        mark
    }

    /// The node as JSON, which is what the Kubernetes API receives.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|entry| (entry.key.clone(), entry.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// A step in a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// A path to a field, printed as `spec.env[0].name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// The empty path (the document itself).
    pub fn root() -> FieldPath {
        FieldPath::default()
    }

    /// Parses a dotted path such as `spec.env[0].name`. Keys cannot contain `.` or `[` here,
    /// which holds for every path the program builds from literals.
    pub fn parse(text: &str) -> FieldPath {
        let mut segments = Vec::new();
        for part in text.split('.').filter(|part| !part.is_empty()) {
            let mut rest = part;
            if let Some(open) = rest.find('[') {
                if open > 0 {
                    segments.push(Segment::Key(rest[..open].to_string()));
                }
                rest = &rest[open..];
                while let Some(stripped) = rest.strip_prefix('[') {
                    let close = stripped.find(']').unwrap_or(stripped.len());
                    match stripped[..close].parse() {
                        Ok(index) => segments.push(Segment::Index(index)),
                        Err(_) => segments.push(Segment::Key(stripped[..close].to_string())),
                    }
                    rest = stripped.get(close + 1..).unwrap_or("");
                }
            } else {
                segments.push(Segment::Key(rest.to_string()));
            }
        }
        FieldPath(segments)
    }

    /// True when one path is a prefix of the other: a problem on either concerns both.
    pub fn overlaps(&self, other: &FieldPath) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a == b)
    }

    /// This path with a key appended.
    pub fn key(&self, key: &str) -> FieldPath {
        let mut path = self.clone();
        path.0.push(Segment::Key(key.to_string()));
        path
    }

    /// This path with an index appended.
    pub fn index(&self, index: usize) -> FieldPath {
        let mut path = self.clone();
        path.0.push(Segment::Index(index));
        path
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_print_and_parse_alike() {
        for text in [
            "spec.env[0].name",
            "metadata",
            "a[1][2].b",
            "spec.podTemplateSpec.spec",
        ] {
            assert_eq!(FieldPath::parse(text).to_string(), text);
        }
        assert_eq!(
            FieldPath::root()
                .key("spec")
                .key("env")
                .index(3)
                .to_string(),
            "spec.env[3]"
        );
    }
}
