//! The field names of the Kubernetes types in a pod template, for "did you mean" on unknown
//! `podTemplateSpec` keys. k8s-openapi's types list their fields when they deserialize (serde's
//! `deserialize_struct`); [`fields_of`] asks for that list without any input.

use k8s_openapi::api::core::v1::{
    Affinity, Container, ContainerPort, EnvVar, EphemeralContainer, PodSecurityContext, PodSpec,
    PodTemplateSpec, Probe, ResourceRequirements, SecurityContext, Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::node::{FieldPath, Segment};

/// The field names of `T`, a k8s-openapi struct.
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields = None;
    let _ = T::deserialize(FieldProbe(&mut fields));
    fields.unwrap_or(&[])
}

/// A deserializer that only records the field list of the struct asked of it.
struct FieldProbe<'a>(&'a mut Option<&'static [&'static str]>);

#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stop")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for FieldProbe<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        *self.0 = Some(fields);
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The valid fields beside an unknown key at `path` (below `spec.podTemplateSpec`, the key
/// last), for the types a pod template most often holds; `None` elsewhere.
pub fn siblings(path: &FieldPath) -> Option<&'static [&'static str]> {
    // The keys from the pod template down to the unknown key's parent, without list indices.
    let keys: Vec<&str> = path
        .0
        .iter()
        .skip(2)
        .filter_map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Index(_) => None,
        })
        .collect();
    let parent = keys.split_last().map_or(&[][..], |(_, parent)| parent);
    let container = |c: &str| matches!(c, "containers" | "initContainers");
    Some(match parent {
        [] => fields_of::<PodTemplateSpec>(),
        ["metadata"] => fields_of::<ObjectMeta>(),
        ["spec"] => fields_of::<PodSpec>(),
        ["spec", "securityContext"] => fields_of::<PodSecurityContext>(),
        ["spec", "affinity"] => fields_of::<Affinity>(),
        ["spec", "tolerations"] => fields_of::<Toleration>(),
        ["spec", "volumes"] => fields_of::<Volume>(),
        ["spec", "ephemeralContainers"] => fields_of::<EphemeralContainer>(),
        ["spec", c] if container(c) => fields_of::<Container>(),
        ["spec", c, "securityContext"] if container(c) => fields_of::<SecurityContext>(),
        ["spec", c, "resources"] if container(c) => fields_of::<ResourceRequirements>(),
        ["spec", c, "env"] if container(c) => fields_of::<EnvVar>(),
        ["spec", c, "ports"] if container(c) => fields_of::<ContainerPort>(),
        ["spec", c, "volumeMounts"] if container(c) => fields_of::<VolumeMount>(),
        [
            "spec",
            c,
            "livenessProbe" | "readinessProbe" | "startupProbe",
        ] if container(c) => fields_of::<Probe>(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_lists_come_from_the_types() {
        assert!(fields_of::<Container>().contains(&"imagePullPolicy"));
        assert!(fields_of::<PodSpec>().contains(&"nodeSelector"));
        let path = FieldPath::parse("spec.podTemplateSpec.spec.containers[0].imagePullPolicyy");
        assert!(siblings(&path).is_some_and(|f| f.contains(&"imagePullPolicy")));
        let path = FieldPath::parse("spec.podTemplateSpec.spec.nodeSelectorr");
        assert!(siblings(&path).is_some_and(|f| f.contains(&"nodeSelector")));
        let path = FieldPath::parse("spec.podTemplateSpec.spec.overhead.x.y");
        assert_eq!(siblings(&path), None);
    }
}
