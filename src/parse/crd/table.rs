//! The MCPServer CRD of ToolHive v0.44.0, generated from `deploy/charts/operator-crds/files/crds/toolhive.stacklok.dev_mcpservers.yaml`
//! (<https://github.com/stacklok/toolhive/blob/v0.44.0/deploy/charts/operator-crds/files/crds/toolhive.stacklok.dev_mcpservers.yaml>) by
//! `cargo run --example generate-crd-table -- FILE v0.44.0 > src/parse/crd/table.rs`.
//! Do not edit: a test regenerates it and compares.

use super::{Crd, Field, List, Object, STRING, Type, Version};

/// The ToolHive release the table (and the rendering) follow.
pub const TOOLHIVE_VERSION: &str = "v0.44.0";

/// The ToolHive file the table is generated from.
pub const SOURCE_FILE: &str = "deploy/charts/operator-crds/files/crds/toolhive.stacklok.dev_mcpservers.yaml";

/// The `spec` schema of `v1alpha1`.
pub const V1ALPHA1_SPEC: Object = Object {
    fields: &[
        Field { name: "args", required: false, ty: Type::List(&List { item: STRING, min_items: None, max_items: None, map_keys: &[], set: false }) },
        Field { name: "audit", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "enabled", required: false, ty: Type::Boolean },
            ],
            rules: &[],
        }) },
        Field { name: "authServerRef", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "kind", required: false, ty: Type::Enum(&["MCPExternalAuthConfig"]) },
                Field { name: "name", required: true, ty: Type::String { min_length: Some(1), max_length: None, pattern: None } },
            ],
            rules: &[],
        }) },
        Field { name: "authzConfig", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "configMap", required: false, ty: Type::Object(&Object {
                    fields: &[
                        Field { name: "key", required: false, ty: STRING },
                        Field { name: "name", required: true, ty: STRING },
                    ],
                    rules: &[],
                }) },
                Field { name: "groupClaimName", required: false, ty: Type::String { min_length: None, max_length: Some(253), pattern: None } },
                Field { name: "groupEntityType", required: false, ty: Type::String { min_length: None, max_length: Some(63), pattern: Some("^[A-Za-z_][A-Za-z0-9_]*$") } },
                Field { name: "inline", required: false, ty: Type::Object(&Object {
                    fields: &[
                        Field { name: "entitiesJson", required: false, ty: STRING },
                        Field { name: "policies", required: true, ty: Type::List(&List { item: STRING, min_items: Some(1), max_items: None, map_keys: &[], set: false }) },
                        Field { name: "primaryUpstreamProvider", required: false, ty: Type::String { min_length: Some(1), max_length: Some(63), pattern: Some("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$") } },
                    ],
                    rules: &[],
                }) },
                Field { name: "roleClaimName", required: false, ty: Type::String { min_length: None, max_length: Some(253), pattern: None } },
                Field { name: "type", required: false, ty: Type::Enum(&["configMap", "inline"]) },
            ],
            rules: &["configMap must be set when type is 'configMap', and must not be set otherwise", "inline must be set when type is 'inline', and must not be set otherwise"],
        }) },
        Field { name: "authzConfigRef", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "name", required: true, ty: Type::String { min_length: Some(1), max_length: None, pattern: None } },
            ],
            rules: &[],
        }) },
        Field { name: "backendReplicas", required: false, ty: Type::Integer { min: Some(0), max: Some(2147483647) } },
        Field { name: "endpointPrefix", required: false, ty: STRING },
        Field { name: "env", required: false, ty: Type::List(&List { item: Type::Object(&Object {
            fields: &[
                Field { name: "name", required: true, ty: STRING },
                Field { name: "value", required: true, ty: STRING },
            ],
            rules: &[],
        }), min_items: None, max_items: None, map_keys: &["name"], set: false }) },
        Field { name: "externalAuthConfigRef", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "name", required: true, ty: STRING },
            ],
            rules: &[],
        }) },
        Field { name: "groupRef", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "name", required: true, ty: Type::String { min_length: Some(1), max_length: None, pattern: None } },
            ],
            rules: &[],
        }) },
        Field { name: "image", required: true, ty: STRING },
        Field { name: "mcpPort", required: false, ty: Type::Integer { min: Some(1), max: Some(65535) } },
        Field { name: "oidcConfigRef", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "audience", required: true, ty: Type::String { min_length: Some(1), max_length: None, pattern: None } },
                Field { name: "name", required: true, ty: Type::String { min_length: Some(1), max_length: None, pattern: None } },
                Field { name: "resourceUrl", required: false, ty: STRING },
                Field { name: "scopes", required: false, ty: Type::List(&List { item: STRING, min_items: None, max_items: None, map_keys: &[], set: false }) },
            ],
            rules: &[],
        }) },
        Field { name: "permissionProfile", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "key", required: false, ty: STRING },
                Field { name: "name", required: true, ty: STRING },
                Field { name: "type", required: false, ty: Type::Enum(&["builtin", "configmap"]) },
            ],
            rules: &[],
        }) },
        Field { name: "podTemplateSpec", required: false, ty: Type::AnyObject },
        Field { name: "proxyMode", required: false, ty: Type::Enum(&["sse", "streamable-http"]) },
        Field { name: "proxyPort", required: false, ty: Type::Integer { min: Some(1), max: Some(65535) } },
        Field { name: "rateLimiting", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "perUser", required: false, ty: Type::Object(&Object {
                    fields: &[
                        Field { name: "maxTokens", required: true, ty: Type::Integer { min: Some(1), max: Some(2147483647) } },
                        Field { name: "refillPeriod", required: true, ty: STRING },
                    ],
                    rules: &[],
                }) },
                Field { name: "shared", required: false, ty: Type::Object(&Object {
                    fields: &[
                        Field { name: "maxTokens", required: true, ty: Type::Integer { min: Some(1), max: Some(2147483647) } },
                        Field { name: "refillPeriod", required: true, ty: STRING },
                    ],
                    rules: &[],
                }) },
                Field { name: "tools", required: false, ty: Type::List(&List { item: Type::Object(&Object {
                    fields: &[
                        Field { name: "name", required: true, ty: Type::String { min_length: Some(1), max_length: None, pattern: None } },
                        Field { name: "perUser", required: false, ty: Type::Object(&Object {
                            fields: &[
                                Field { name: "maxTokens", required: true, ty: Type::Integer { min: Some(1), max: Some(2147483647) } },
                                Field { name: "refillPeriod", required: true, ty: STRING },
                            ],
                            rules: &[],
                        }) },
                        Field { name: "shared", required: false, ty: Type::Object(&Object {
                            fields: &[
                                Field { name: "maxTokens", required: true, ty: Type::Integer { min: Some(1), max: Some(2147483647) } },
                                Field { name: "refillPeriod", required: true, ty: STRING },
                            ],
                            rules: &[],
                        }) },
                    ],
                    rules: &["at least one of shared or perUser must be configured"],
                }), min_items: None, max_items: None, map_keys: &["name"], set: false }) },
            ],
            rules: &["at least one of shared, perUser, or tools must be configured"],
        }) },
        Field { name: "replicas", required: false, ty: Type::Integer { min: Some(0), max: Some(2147483647) } },
        Field { name: "resourceOverrides", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "proxyDeployment", required: false, ty: Type::Object(&Object {
                    fields: &[
                        Field { name: "annotations", required: false, ty: Type::Map(&STRING) },
                        Field { name: "env", required: false, ty: Type::List(&List { item: Type::Object(&Object {
                            fields: &[
                                Field { name: "name", required: true, ty: STRING },
                                Field { name: "value", required: true, ty: STRING },
                            ],
                            rules: &[],
                        }), min_items: None, max_items: None, map_keys: &["name"], set: false }) },
                        Field { name: "imagePullSecrets", required: false, ty: Type::List(&List { item: Type::Object(&Object {
                            fields: &[
                                Field { name: "name", required: false, ty: STRING },
                            ],
                            rules: &[],
                        }), min_items: None, max_items: None, map_keys: &[], set: false }) },
                        Field { name: "labels", required: false, ty: Type::Map(&STRING) },
                        Field { name: "podTemplateMetadataOverrides", required: false, ty: Type::Object(&Object {
                            fields: &[
                                Field { name: "annotations", required: false, ty: Type::Map(&STRING) },
                                Field { name: "labels", required: false, ty: Type::Map(&STRING) },
                            ],
                            rules: &[],
                        }) },
                    ],
                    rules: &[],
                }) },
                Field { name: "proxyService", required: false, ty: Type::Object(&Object {
                    fields: &[
                        Field { name: "annotations", required: false, ty: Type::Map(&STRING) },
                        Field { name: "labels", required: false, ty: Type::Map(&STRING) },
                    ],
                    rules: &[],
                }) },
            ],
            rules: &[],
        }) },
        Field { name: "resources", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "limits", required: false, ty: Type::Object(&Object {
                    fields: &[
                        Field { name: "cpu", required: false, ty: STRING },
                        Field { name: "memory", required: false, ty: STRING },
                    ],
                    rules: &[],
                }) },
                Field { name: "requests", required: false, ty: Type::Object(&Object {
                    fields: &[
                        Field { name: "cpu", required: false, ty: STRING },
                        Field { name: "memory", required: false, ty: STRING },
                    ],
                    rules: &[],
                }) },
            ],
            rules: &[],
        }) },
        Field { name: "secrets", required: false, ty: Type::List(&List { item: Type::Object(&Object {
            fields: &[
                Field { name: "key", required: true, ty: STRING },
                Field { name: "name", required: true, ty: STRING },
                Field { name: "targetEnvName", required: false, ty: STRING },
            ],
            rules: &[],
        }), min_items: None, max_items: None, map_keys: &["name"], set: false }) },
        Field { name: "serviceAccount", required: false, ty: STRING },
        Field { name: "sessionAffinity", required: false, ty: Type::Enum(&["ClientIP", "None"]) },
        Field { name: "sessionStorage", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "address", required: false, ty: Type::String { min_length: Some(1), max_length: None, pattern: None } },
                Field { name: "db", required: false, ty: Type::Integer { min: Some(0), max: Some(2147483647) } },
                Field { name: "keyPrefix", required: false, ty: STRING },
                Field { name: "passwordRef", required: false, ty: Type::Object(&Object {
                    fields: &[
                        Field { name: "key", required: true, ty: STRING },
                        Field { name: "name", required: true, ty: STRING },
                    ],
                    rules: &[],
                }) },
                Field { name: "provider", required: true, ty: Type::Enum(&["memory", "redis"]) },
            ],
            rules: &["address is required"],
        }) },
        Field { name: "telemetryConfigRef", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "name", required: true, ty: Type::String { min_length: Some(1), max_length: None, pattern: None } },
                Field { name: "serviceName", required: false, ty: STRING },
            ],
            rules: &[],
        }) },
        Field { name: "toolConfigRef", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "name", required: true, ty: STRING },
            ],
            rules: &[],
        }) },
        Field { name: "transport", required: false, ty: Type::Enum(&["stdio", "streamable-http", "sse"]) },
        Field { name: "trustProxyHeaders", required: false, ty: Type::Boolean },
        Field { name: "volumes", required: false, ty: Type::List(&List { item: Type::Object(&Object {
            fields: &[
                Field { name: "hostPath", required: true, ty: STRING },
                Field { name: "mountPath", required: true, ty: STRING },
                Field { name: "name", required: true, ty: STRING },
                Field { name: "readOnly", required: false, ty: Type::Boolean },
            ],
            rules: &[],
        }), min_items: None, max_items: None, map_keys: &["name"], set: false }) },
        Field { name: "webhookConfigRef", required: false, ty: Type::Object(&Object {
            fields: &[
                Field { name: "name", required: true, ty: STRING },
            ],
            rules: &[],
        }) },
    ],
    rules: &["authzConfig and authzConfigRef are mutually exclusive; use authzConfigRef to reference a shared MCPAuthzConfig", "rateLimiting requires sessionStorage with provider 'redis'", "rateLimiting.perUser requires authentication (oidcConfigRef or externalAuthConfigRef)", "per-tool perUser rate limiting requires authentication (oidcConfigRef or externalAuthConfigRef)"],
};

/// The built-in CRD (ToolHive v0.44.0).
pub const CRD: Crd = Crd {
    versions: &[
        Version {
            name: "v1alpha1",
            deprecation_warning: Some("toolhive.stacklok.dev/v1alpha1 is deprecated; use v1beta1"),
            spec: &V1ALPHA1_SPEC,
        },
        Version {
            name: "v1beta1",
            deprecation_warning: None,
            spec: &V1ALPHA1_SPEC,
        },
    ],
};
