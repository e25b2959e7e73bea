//! Warnings for what the render replaces as ToolHive does, silently in ToolHive: the output is
//! right, but the user's input is not what reaches the cluster.

use super::Reporter;
use k8s_openapi::api::core::v1::PodTemplateSpec;

use crate::model::{McpServer, mcp_container};

/// What the render replaces as ToolHive does, but a user would not expect: one warning each
/// (the output is ToolHive's, so these are warnings, not errors):
/// - `spec.resources` when the pod template already sets resources on container `mcp`;
/// - an `image` on the pod template's container `mcp`, when it is not `spec.image`.
///
/// A `spec.env` entry that a runtime variable replaces is said by [`super::container`], with
/// the other env rules.
pub(super) fn check_overrides(
    server: &McpServer,
    template: Option<&PodTemplateSpec>,
    report: &mut Reporter<'_>,
) {
    let (origin, spec) = (&server.origin, &server.spec);
    let mcp = template.and_then(mcp_container);
    if spec.resources.is_some() && mcp.is_some_and(|(_, c)| c.resources.is_some()) {
        report.warning(
            origin,
            "spec.resources",
            "is not applied: spec.podTemplateSpec sets resources on container `mcp`, and those are kept (in ToolHive spec.resources goes to its proxy)",
        );
    }
    if let Some((i, image)) = mcp.and_then(|(i, c)| Some(i).zip(c.image.as_deref()))
        && image != spec.image
    {
        report.warning(
            origin,
            &format!("spec.podTemplateSpec.spec.containers[{i}].image"),
            format!(
                "`{image}` is replaced by spec.image `{}`, as in ToolHive",
                spec.image
            ),
        );
    }
}
