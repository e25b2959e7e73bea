//! ServiceAccount `<name>-sa`: the account ToolHive's operator creates for a server's pods
//! when `spec.serviceAccount` is unset (`ensureRBACResources`; reference §3, and the
//! ServiceAccount admission plugin in kubernetes-behaviours §1). Without it, the StatefulSet
//! controller cannot create a single pod: admission rejects a pod whose account is missing.
//!
//! As in ToolHive, its `imagePullSecrets` are the MCPServer's
//! `spec.resourceOverrides.proxyDeployment.imagePullSecrets`, then the cluster-wide defaults
//! (ToolHive's chart value, `THV_DEFAULT_IMAGE_PULL_SECRETS`; here `--image-pull-secret`),
//! deduplicated by name. The admission plugin copies them into every pod that lists no pull
//! secrets of its own. Two deliberate differences: no ownerReference (there is no MCPServer
//! object in the cluster to own it), and the six workload labels, so that
//! `kubectl get sa -l toolhive-name=<name>` finds it with the server's other objects (ToolHive
//! puts no labels on it).

use k8s_openapi::api::core::v1::{LocalObjectReference, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::workload_labels;
use crate::model::McpServer;
use crate::names;

/// Whether the render creates `<name>-sa` for the servers that set no `spec.serviceAccount`
/// (`--service-accounts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServiceAccounts {
    /// Render ServiceAccount `<name>-sa`, as ToolHive's operator creates it.
    #[default]
    Render,
    /// Render none: the accounts are managed elsewhere (the pods still name `<name>-sa`).
    Omit,
}

/// Everything the render's ServiceAccounts depend on beyond the MCPServers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountOptions {
    /// `--service-accounts`.
    pub mode: ServiceAccounts,
    /// `--image-pull-secret`, in the order given (cluster-wide defaults, as in ToolHive's chart).
    pub default_pull_secrets: Vec<String>,
}

/// The pull secrets of `<name>-sa`, ToolHive's `Defaults.Merge`: the CR's names first, in
/// their order, then each default in the order given, every name once (the first occurrence
/// wins, so a CR entry wins over a default of the same name); empty defaults are skipped.
/// Deterministic: the same input and flags give the same list.
pub fn merge_pull_secrets(cr: &[String], defaults: &[String]) -> Vec<String> {
    let mut merged: Vec<String> = Vec::with_capacity(cr.len() + defaults.len());
    let defaults = defaults.iter().filter(|name| !name.is_empty());
    for name in cr.iter().chain(defaults) {
        if !merged.contains(name) {
            merged.push(name.clone());
        }
    }
    merged
}

/// The account `server` gets from this render, if any: `Some(pull secrets)` when
/// `spec.serviceAccount` is unset (not even empty) and `options.mode` renders accounts.
pub fn created_account(
    service_account: Option<&str>,
    cr_pull_secrets: &[String],
    options: &AccountOptions,
) -> Option<Vec<String>> {
    (service_account.is_none() && options.mode == ServiceAccounts::Render)
        .then(|| merge_pull_secrets(cr_pull_secrets, &options.default_pull_secrets))
}

/// One `--image-pull-secret` value (or one comma-separated entry of its variable): the name
/// of a Secret, trimmed of surrounding white space as ToolHive trims its defaults. An empty
/// entry is kept as `""` and dropped later (ToolHive skips empty entries too).
pub fn pull_secret_name(value: &str) -> Result<String, String> {
    let name = value.trim();
    if name.is_empty() {
        return Ok(String::new());
    }
    names::dns1123_subdomain(name)
        .map(|()| name.to_string())
        .map_err(|why| format!("`{name}` {why} (it must name a Secret)"))
}

/// Renders ServiceAccount `<name>-sa`, when this render creates it.
pub fn service_account(server: &McpServer) -> Option<ServiceAccount> {
    let pull_secrets = server.spec.created_service_account.as_ref()?;
    Some(ServiceAccount {
        metadata: ObjectMeta {
            name: Some(names::default_service_account(&server.name)),
            namespace: server.namespace.clone(),
            labels: Some(workload_labels(server)),
            ..ObjectMeta::default()
        },
        image_pull_secrets: (!pull_secrets.is_empty()).then(|| {
            pull_secrets
                .iter()
                .map(|name| LocalObjectReference { name: name.clone() })
                .collect()
        }),
        ..ServiceAccount::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn cr_entries_come_first_and_win_by_name() {
        assert_eq!(
            merge_pull_secrets(&names(&["b", "a", "b"]), &names(&["c", "", "a", "d", "c"])),
            names(&["b", "a", "c", "d"])
        );
        assert!(merge_pull_secrets(&[], &[]).is_empty());
    }

    #[test]
    fn only_an_unset_account_is_created() {
        let options = AccountOptions {
            mode: ServiceAccounts::Render,
            default_pull_secrets: names(&["regcred"]),
        };
        assert_eq!(
            created_account(None, &names(&["own"]), &options),
            Some(names(&["own", "regcred"]))
        );
        assert_eq!(created_account(Some(""), &[], &options), None);
        assert_eq!(created_account(Some("mine"), &[], &options), None);
        let omit = AccountOptions {
            mode: ServiceAccounts::Omit,
            ..options
        };
        assert_eq!(created_account(None, &[], &omit), None);
    }

    #[test]
    fn pull_secret_names_are_trimmed_and_checked() {
        assert_eq!(pull_secret_name(" regcred "), Ok("regcred".to_string()));
        assert_eq!(pull_secret_name("  "), Ok(String::new()));
        assert!(pull_secret_name("Reg_Cred").is_err());
    }
}
