//! Tag map. We only care about tags as much as we support them

use granit_parser::Tag;
use std::borrow::Cow;

use crate::tag::YAML_TAG_NAMESPACE;

const INCLUDE_TAG_PLAIN: [&str; 3] = [
    "!include",
    "tag:yaml.org,2002:include",
    "tag:yaml.org,2002:!include",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IncludeTag {
    NotInclude,
    Plain,
    WithFragment(String),
    InvalidFragment,
}

pub(crate) fn parse_include_tag(tag: &Option<Cow<Tag>>) -> IncludeTag {
    let Some(tag) = tag else {
        return IncludeTag::NotInclude;
    };

    for prefix in INCLUDE_TAG_PLAIN {
        let Some(rest) = tag.suffix_in_namespace(prefix) else {
            continue;
        };
        if rest.is_empty() {
            return IncludeTag::Plain;
        }
        if let Some(fragment) = rest.strip_prefix('#') {
            if fragment.is_empty() {
                return IncludeTag::InvalidFragment;
            }
            return IncludeTag::WithFragment(fragment.to_string());
        }
    }

    IncludeTag::NotInclude
}

#[cfg(feature = "include")]
pub(crate) fn include_spec_from_tag_and_value(
    tag: &Option<Cow<Tag>>,
    value: &str,
) -> Result<Option<String>, &'static str> {
    match parse_include_tag(tag) {
        IncludeTag::NotInclude => Ok(None),
        IncludeTag::Plain => Ok(Some(value.to_string())),
        IncludeTag::WithFragment(fragment) => {
            if value.contains('#') {
                return Err(
                    "include spec must not contain '#' when using !include#fragment tag form",
                );
            }
            Ok(Some(format!("{value}#{fragment}")))
        }
        IncludeTag::InvalidFragment => {
            Err("!include tag fragment must not be empty (expected !include#anchor_name)")
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum SfTag {
    None,
    Int,
    Float,
    Bool,
    Null,
    Seq,
    Map,
    /// Standard YAML date or timestamp, distinct from the robotics time extension.
    TimeStamp,
    /// Robotics time duration, represented as seconds.
    Time,
    Binary,
    String,
    /// YAML 1.1 merge key (`tag:yaml.org,2002:merge`).
    Merge,
    /// YAML 1.1 value key (`tag:yaml.org,2002:value`), accepted without special handling.
    Value,
    /// Non-specific tag "!" (no resolution) — we force scalar to be treated as string
    NonSpecific,
    /// !include tag - include external resource
    Include,
    // Custom angle tags supported by the robotics feature.
    Degrees,
    Radians,
    Other,
}

/// Syntactic YAML node kind required by a recognized tag.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum TagNodeKind {
    /// A scalar node.
    Scalar,
    /// A sequence node.
    Sequence,
    /// A mapping node.
    Mapping,
}

fn tag_to_sf_tag(tag: &Tag) -> SfTag {
    // Core-like spellings kept for compatibility. Resolved YAML 1.2.2 Core Schema tags are
    // handled first via `Tag::core_suffix()`, which is independent of source handle spelling.
    // Borrow common spellings; the parser joins only names split across a %TAG directive.
    if let Some(suffix) = tag.suffix_in_namespace(YAML_TAG_NAMESPACE) {
        return tag_name_to_sf_tag(suffix.strip_prefix('!').unwrap_or(&suffix));
    }

    let Some(suffix) = tag.suffix_in_namespace("!") else {
        return SfTag::Other;
    };
    match suffix.as_ref() {
        // Non-specific tags force string handling.
        "" | "!" => SfTag::NonSpecific,
        "!timestamp" => SfTag::TimeStamp,
        "!binary" => SfTag::Binary,
        name => match name.strip_prefix('!') {
            // Double-bang compatibility spellings exclude custom time/include/angle tags.
            Some(name) => core_suffix_to_sf_tag(name).unwrap_or(SfTag::Other),
            None => tag_name_to_sf_tag(name),
        },
    }
}

fn tag_name_to_sf_tag(name: &str) -> SfTag {
    match name {
        "int" => SfTag::Int,
        "float" => SfTag::Float,
        "bool" => SfTag::Bool,
        "null" => SfTag::Null,
        "seq" => SfTag::Seq,
        "map" => SfTag::Map,
        // A null key or value with this tag can be serialized into an empty string.
        "str" => SfTag::String,
        "timestamp" => SfTag::TimeStamp,
        // Custom time duration aliases, distinct from standard timestamps.
        "time" => SfTag::Time,
        "binary" => SfTag::Binary,
        "include" => SfTag::Include,
        "degrees" => SfTag::Degrees,
        "radians" => SfTag::Radians,
        _ => SfTag::Other,
    }
}

fn core_suffix_to_sf_tag(suffix: &str) -> Option<SfTag> {
    match suffix {
        "null" => Some(SfTag::Null),
        "bool" => Some(SfTag::Bool),
        "int" => Some(SfTag::Int),
        "float" => Some(SfTag::Float),
        "map" => Some(SfTag::Map),
        "seq" => Some(SfTag::Seq),
        "str" => Some(SfTag::String),
        _ => None,
    }
}

impl SfTag {
    /// Return the node kind required by this tag, if it has one.
    ///
    /// Unknown and non-specific tags have no intrinsic kind requirement. Their
    /// acceptance is controlled separately by strict unsupported-tag validation.
    pub(crate) const fn requires(self) -> Option<TagNodeKind> {
        match self {
            SfTag::Int
            | SfTag::Float
            | SfTag::Bool
            | SfTag::Null
            | SfTag::TimeStamp
            | SfTag::Time
            | SfTag::Binary
            | SfTag::String
            | SfTag::Merge
            | SfTag::Value
            | SfTag::Include
            | SfTag::Degrees
            | SfTag::Radians => Some(TagNodeKind::Scalar),
            SfTag::Seq => Some(TagNodeKind::Sequence),
            SfTag::Map => Some(TagNodeKind::Mapping),
            SfTag::None | SfTag::NonSpecific | SfTag::Other => None,
        }
    }

    pub(crate) fn from_optional_cow(tag: &Option<Cow<Tag>>) -> SfTag {
        match parse_include_tag(tag) {
            IncludeTag::Plain | IncludeTag::WithFragment(_) | IncludeTag::InvalidFragment => {
                return SfTag::Include;
            }
            IncludeTag::NotInclude => {}
        }

        match tag {
            Some(cow) => {
                if let Some(core_tag) = cow.core_suffix().and_then(core_suffix_to_sf_tag) {
                    return core_tag;
                }

                if is_yaml_merge_tag(cow) {
                    return SfTag::Merge;
                }

                if is_yaml_value_tag(cow) {
                    return SfTag::Value;
                }

                tag_to_sf_tag(cow)
            }
            None => SfTag::None,
        }
    }

    /// Tags that preserve scalar text instead of allowing implicit type resolution.
    pub(crate) fn forces_string(&self) -> bool {
        matches!(self, SfTag::String | SfTag::NonSpecific)
    }

    /// Whether this tag selects a numeric conversion supplied by the robotics feature.
    pub(crate) fn is_robotics(&self) -> bool {
        matches!(self, SfTag::Time | SfTag::Degrees | SfTag::Radians)
    }

    pub(crate) fn can_parse_into_string(&self) -> bool {
        match self {
            SfTag::None
            | SfTag::String
            | SfTag::Merge
            | SfTag::Value
            | SfTag::Other
            | SfTag::Include
            | SfTag::NonSpecific => true,
            SfTag::Binary
            | SfTag::Int
            | SfTag::Float
            | SfTag::Bool
            | SfTag::Null
            | SfTag::Seq
            | SfTag::Map
            | SfTag::TimeStamp
            | SfTag::Time
            | SfTag::Degrees
            | SfTag::Radians => false,
        }
    }

    /// Whether this is one of the explicit tags defined by the YAML core schema.
    pub(crate) fn is_core(&self) -> bool {
        matches!(
            self,
            SfTag::Int
                | SfTag::Float
                | SfTag::Bool
                | SfTag::Null
                | SfTag::Seq
                | SfTag::Map
                | SfTag::String
        )
    }
}

/// Whether a parser tag resolves to the YAML 1.1 merge-key tag.
///
/// This uses the resolved URI rather than the source spelling, so it accepts
/// `!!merge`, the verbatim URI form, and directive-defined handles while leaving
/// the distinct local tag `!merge` alone.
pub(crate) fn is_yaml_merge_tag(tag: &Tag) -> bool {
    tag.suffix_in_namespace(YAML_TAG_NAMESPACE)
        .is_some_and(|suffix| suffix == "merge")
}

/// Whether a parser tag resolves to the YAML 1.1 value-key tag.
///
/// The tag is recognized so it is not treated as an application-specific tag,
/// but its default-value semantics are intentionally ignored.
fn is_yaml_value_tag(tag: &Tag) -> bool {
    tag.suffix_in_namespace(YAML_TAG_NAMESPACE)
        .is_some_and(|suffix| suffix == "value")
}

#[cfg(test)]
mod tests {
    use super::{
        IncludeTag, SfTag, TagNodeKind, core_suffix_to_sf_tag, is_yaml_merge_tag,
        is_yaml_value_tag, parse_include_tag,
    };
    use granit_parser::Tag;
    use rstest::rstest;
    use std::borrow::Cow;

    fn sf_tag(tag: Tag) -> SfTag {
        SfTag::from_optional_cow(&Some(Cow::Owned(tag)))
    }

    #[rstest]
    #[case::local_time(("!", "time", "!"), SfTag::Time)]
    #[case::global_time(("tag:yaml.org,2002:", "time", "!!"), SfTag::Time)]
    #[case::global_local_time(("tag:yaml.org,2002:", "!time", "!!"), SfTag::Time)]
    #[case::local_timestamp(("!", "timestamp", "!"), SfTag::TimeStamp)]
    #[case::global_timestamp(("tag:yaml.org,2002:", "timestamp", "!!"), SfTag::TimeStamp)]
    #[case::global_local_timestamp(("tag:yaml.org,2002:", "!timestamp", "!!"), SfTag::TimeStamp)]
    fn distinguishes_time_durations_from_timestamps(
        #[case] parts: (&str, &str, &str),
        #[case] expected: SfTag,
    ) {
        let (prefix, suffix, handle) = parts;
        let tag = sf_tag(Tag::with_original_handle(prefix, suffix, handle));
        assert_eq!(tag, expected);
        assert_eq!(tag.is_robotics(), expected == SfTag::Time);
        assert!(!tag.can_parse_into_string());
    }

    #[test]
    fn maps_resolved_yaml_core_schema_suffixes() {
        for (suffix, expected) in [
            ("null", SfTag::Null),
            ("bool", SfTag::Bool),
            ("int", SfTag::Int),
            ("float", SfTag::Float),
            ("map", SfTag::Map),
            ("seq", SfTag::Seq),
            ("str", SfTag::String),
        ] {
            assert_eq!(core_suffix_to_sf_tag(suffix), Some(expected));
            assert_eq!(
                sf_tag(Tag::with_original_handle(
                    "tag:yaml.org,2002:",
                    suffix,
                    "!!"
                )),
                expected
            );
        }
    }

    #[test]
    fn maps_resolved_core_tag_split_by_tag_directive() {
        let tag = Tag::with_original_handle("tag:yaml.org,2002:i", "nt", "!core!");

        assert_eq!(sf_tag(tag), SfTag::Int);
    }

    #[test]
    fn keeps_non_core_yaml_tags_on_fallback_path() {
        let timestamp = Tag::with_original_handle("tag:yaml.org,2002:", "timestamp", "!!");
        let binary = Tag::with_original_handle("tag:yaml.org,2002:", "binary", "!!");
        let unknown = Tag::with_original_handle("tag:yaml.org,2002:", "application", "!!");

        assert_eq!(sf_tag(timestamp), SfTag::TimeStamp);
        assert_eq!(sf_tag(binary), SfTag::Binary);
        assert_eq!(sf_tag(unknown), SfTag::Other);
    }

    #[test]
    fn preserves_tag_classification_across_directive_splits() {
        for (raw, expected) in [
            ("!timestamp", SfTag::TimeStamp),
            ("!!timestamp", SfTag::TimeStamp),
            ("tag:yaml.org,2002:!binary", SfTag::Binary),
            ("tag:yaml.org,2002:!time", SfTag::Time),
            ("tag:yaml.org,2002:degrees", SfTag::Degrees),
            ("!radians", SfTag::Radians),
            ("!", SfTag::NonSpecific),
            ("!!", SfTag::NonSpecific),
            ("!!time", SfTag::Other),
            ("!!include", SfTag::Other),
            ("!!degrees", SfTag::Other),
            ("!!radians", SfTag::Other),
            ("tag:yaml.org,2002:!", SfTag::Other),
            ("tag:yaml.org,2002:!!binary", SfTag::Other),
            ("tag:example.org:timestamp", SfTag::Other),
            ("!timestämp", SfTag::Other),
            ("timestamp", SfTag::Other),
            ("", SfTag::Other),
        ] {
            for split in (0..=raw.len()).filter(|&split| raw.is_char_boundary(split)) {
                let tag = Tag::with_original_handle(&raw[..split], &raw[split..], "!custom!");
                assert_eq!(sf_tag(tag), expected, "tag {raw:?}, split {split}");
            }
        }
    }

    #[test]
    fn preserves_include_fragments_across_directive_splits() {
        for prefix in [
            "!include",
            "tag:yaml.org,2002:include",
            "tag:yaml.org,2002:!include",
        ] {
            for (tail, expected) in [
                ("", IncludeTag::Plain),
                ("#", IncludeTag::InvalidFragment),
                ("#séction", IncludeTag::WithFragment("séction".to_owned())),
                ("_other", IncludeTag::NotInclude),
            ] {
                let raw = format!("{prefix}{tail}");
                for split in (0..=raw.len()).filter(|&split| raw.is_char_boundary(split)) {
                    let tag = Some(Cow::Owned(Tag::with_original_handle(
                        &raw[..split],
                        &raw[split..],
                        "!custom!",
                    )));
                    assert_eq!(
                        parse_include_tag(&tag),
                        expected,
                        "tag {raw:?}, split {split}"
                    );
                }
            }
        }
    }

    #[test]
    fn maps_resolved_yaml_merge_tag_forms() {
        let shorthand = Tag::with_original_handle("tag:yaml.org,2002:", "merge", "!!");
        let verbatim = Tag::with_original_handle("", "tag:yaml.org,2002:merge", "");
        let split = Tag::with_original_handle("tag:yaml.org,2002:m", "erge", "!m!");
        let local = Tag::new("!", "merge");

        for tag in [shorthand, verbatim, split] {
            assert!(is_yaml_merge_tag(&tag));
            assert_eq!(sf_tag(tag), SfTag::Merge);
        }
        assert!(!is_yaml_merge_tag(&local));
        assert_eq!(sf_tag(local), SfTag::Other);
    }

    #[test]
    fn maps_resolved_yaml_value_tag_forms() {
        let shorthand = Tag::with_original_handle("tag:yaml.org,2002:", "value", "!!");
        let verbatim = Tag::with_original_handle("", "tag:yaml.org,2002:value", "");
        let split = Tag::with_original_handle("tag:yaml.org,2002:v", "alue", "!v!");
        let local = Tag::new("!", "value");

        for tag in [shorthand, verbatim, split] {
            assert!(is_yaml_value_tag(&tag));
            assert_eq!(sf_tag(tag), SfTag::Value);
        }
        assert!(!is_yaml_value_tag(&local));
        assert_eq!(sf_tag(local), SfTag::Other);
    }

    #[test]
    fn non_specific_tag_is_string_compatible() {
        assert!(SfTag::NonSpecific.can_parse_into_string());
    }

    #[test]
    fn recognized_tags_expose_their_required_node_kind() {
        for tag in [
            SfTag::Int,
            SfTag::Float,
            SfTag::Bool,
            SfTag::Null,
            SfTag::TimeStamp,
            SfTag::Time,
            SfTag::Binary,
            SfTag::String,
            SfTag::Merge,
            SfTag::Value,
            SfTag::Include,
            SfTag::Degrees,
            SfTag::Radians,
        ] {
            assert_eq!(tag.requires(), Some(TagNodeKind::Scalar));
        }
        assert_eq!(SfTag::Seq.requires(), Some(TagNodeKind::Sequence));
        assert_eq!(SfTag::Map.requires(), Some(TagNodeKind::Mapping));
        for tag in [SfTag::None, SfTag::NonSpecific, SfTag::Other] {
            assert_eq!(tag.requires(), None);
        }
    }
}
