//! Reading typed values (the pod template) straight from a located tree, as serde_json reads
//! them from a `serde_json::Value`: the same visits, the same errors (`serde_json::Error`), one
//! difference: a mapping's keys come in source order (a `Value`'s come sorted), so of two
//! wrong fields the first in the file is the one reported.
//!
//! It replaces building a `serde_json::Value` of every pod template only to read it once
//! (`Node::to_json`, 6% of a render's instructions).

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use super::{Entry, Node, Value};

impl<'de> de::Deserializer<'de> for &'de Node {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match &self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => de::Deserializer::deserialize_any(n, visitor),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => {
                let mut seq = Items(items.iter());
                let value = visitor.visit_seq(&mut seq)?;
                match seq.0.len() {
                    0 => Ok(value),
                    _ => Err(de::Error::invalid_length(
                        items.len(),
                        &"fewer elements in array",
                    )),
                }
            }
            Value::Map(entries) => {
                let mut map = Entries {
                    entries: entries.iter(),
                    value: None,
                };
                let value = visitor.visit_map(&mut map)?;
                match map.entries.len() {
                    0 => Ok(value),
                    _ => Err(de::Error::invalid_length(
                        entries.len(),
                        &"fewer elements in map",
                    )),
                }
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        // No type of a pod template reads an enum this way; serde_json's own rules, exactly.
        match &self.value {
            Value::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            _ => self.to_json().deserialize_enum(name, variants, visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// A sequence's items, for [`Visitor::visit_seq`].
struct Items<'de>(std::slice::Iter<'de, Node>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0.next().map(|item| seed.deserialize(item)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// A mapping's entries, for [`Visitor::visit_map`].
struct Entries<'de> {
    entries: std::slice::Iter<'de, Entry>,
    value: Option<&'de Node>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(&entry.value);
        seed.deserialize(BorrowedStrDeserializer::new(&entry.key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::PodTemplateSpec;
    use serde::Deserialize;

    use crate::load::{Limits, decode, parse_documents};

    /// The root of the one document in `yaml`.
    fn node(yaml: &str) -> crate::node::Node {
        let source = decode("t.yaml", yaml.as_bytes().to_vec()).unwrap_or_else(|d| panic!("{d}"));
        let mut documents =
            parse_documents(&source, &Limits::default()).unwrap_or_else(|d| panic!("{d}"));
        documents.remove(0).root
    }

    /// Reading from the tree gives what reading from its JSON gives: the same value, or the
    /// same error message.
    fn same(yaml: &str) {
        let node = node(yaml);
        let from_node = PodTemplateSpec::deserialize(&node).map_err(|e| e.to_string());
        let from_json = PodTemplateSpec::deserialize(node.to_json()).map_err(|e| e.to_string());
        assert_eq!(from_node, from_json, "{yaml}");
        let tracked = serde_path_to_error::deserialize::<_, PodTemplateSpec>(&node)
            .map_err(|e| (e.path().to_string(), e.inner().to_string()));
        let tracked_json = serde_path_to_error::deserialize::<_, PodTemplateSpec>(node.to_json())
            .map_err(|e| (e.path().to_string(), e.inner().to_string()));
        assert_eq!(tracked, tracked_json, "{yaml}");
    }

    #[test]
    fn reads_as_serde_json_reads_the_same_tree() {
        // Valid templates: every kind of value.
        same(concat!(
            "metadata: {labels: {a: b}, annotations: {n: '1'}}\n",
            "spec:\n  containers:\n  - name: mcp\n    image: x\n    args: [a, 'on', '1_000']\n",
            "    ports: [{containerPort: 8080, protocol: TCP}]\n",
            "    readinessProbe: {httpGet: {port: http, path: /}, periodSeconds: 5}\n",
            "    livenessProbe: {tcpSocket: {port: 9000}}\n",
            "    resources: {limits: {cpu: 500m, memory: 1Gi}, requests: {cpu: '1'}}\n",
            "    securityContext: {privileged: false, runAsUser: 1000, capabilities: {drop: [ALL]}}\n",
            "  volumes:\n  - name: v\n    configMap: {name: c, defaultMode: 0644, items: [{key: k, path: p}]}\n",
            "  - name: e\n    emptyDir: {}\n  nodeSelector: {x: y}\n  terminationGracePeriodSeconds: 30\n",
            "  tolerations: [{key: k, operator: Exists, tolerationSeconds: 10}]\n",
        ));
        same("spec: {containers: [{name: a, env: [{name: X, value: ~}], stdin: true}]}\n");
        same("metadata: ~\nspec: ~\n");
        // One wrong value each: the same message.
        same("spec: {containers: [{name: a, ports: [{containerPort: http}]}]}\n");
        same("spec: {containers: [{name: a, ports: [{containerPort: 1.5}]}]}\n");
        same("spec: {containers: [{name: a, ports: [{containerPort: 99999999999}]}]}\n");
        same("spec: {containers: [{name: 7}]}\n");
        same("spec: {containers: {name: a}}\n");
        same("spec: {containers: [a, b]}\n");
        same("spec: {containers: [{name: a, stdin: 'yes please'}]}\n");
        same("spec: {containers: [{name: a, args: {x: 1}}]}\n");
        same("spec: {containers: [{name: a, readinessProbe: {httpGet: {port: [1]}}}]}\n");
        same("spec: {containers: [{name: a, resources: {limits: {cpu: [1]}}}]}\n");
        same("spec: {containers: [{name: a}], nodeSelector: [x]}\n");
        same("spec: {containers: [{name: a}], volumes: [{name: v, emptyDir: 3}]}\n");
        same("spec: true\n");
        same("metadata: {labels: {a: 1}}\n");
        same("metadata: {creationTimestamp: yesterday}\n");
        same("metadata: {creationTimestamp: '2024-01-02T03:04:05Z'}\n");
    }
}
