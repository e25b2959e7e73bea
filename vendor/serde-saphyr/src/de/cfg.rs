use super::options::{DuplicateKeyPolicy, MergeKeyPolicy, NonFiniteFloatPolicy, Options};
use super::{Error, Location};
use crate::budget::BudgetBreach;

/// Small immutable runtime configuration that `YamlDeserializer` needs.
#[derive(Copy, Clone)]
pub(crate) struct Cfg {
    /// Policy to apply for duplicate mapping keys.
    pub(crate) dup_policy: DuplicateKeyPolicy,
    /// Policy for YAML merge keys (`<<`).
    pub(crate) merge_keys: MergeKeyPolicy,
    /// If true, accept legacy octal numbers that start with `0`.
    pub(crate) legacy_octal_numbers: bool,
    /// Preserve redundant-zero decimal integer spellings during implicit inference.
    pub(crate) leading_zero_numbers_as_strings: bool,
    /// Preserve scalars containing underscores during implicit inference.
    pub(crate) underscored_numbers_as_strings: bool,
    /// If true, accept only the six YAML 1.2 Core boolean spellings.
    pub(crate) strict_booleans: bool,
    /// Preserve plain null-like text when a string target is requested.
    pub(crate) null_as_string: bool,
    /// If true, ROS-compliant angle resolver is enabled
    pub(crate) angle_conversions: bool,
    /// Ignore !!binary for string
    pub(crate) ignore_binary_tag_for_string: bool,
    /// Do not take into String type that looks like number or boolean (require quoting)
    pub(crate) no_schema: bool,
    /// Reject tags other than standard string tags on Rust struct field names.
    pub(crate) reject_tagged_field_names: bool,
    /// Effective handling of non-finite floats in `deserialize_any`, with the legacy
    /// boolean already resolved.
    pub(crate) non_finite_float_policy: NonFiniteFloatPolicy,
    /// Maximum container depth from the configured budget. `None` means budget enforcement
    /// is disabled for deserializer recursion.
    pub(crate) max_depth: Option<usize>,
    /// Current container depth for the recursive Serde deserializer.
    pub(crate) depth: usize,
}

impl Cfg {
    #[inline]
    #[allow(deprecated)] // Resolve the compatibility default using the legacy flag.
    pub(crate) fn from_options(options: &Options) -> Self {
        Self {
            dup_policy: options.duplicate_keys,
            merge_keys: options.merge_keys,
            legacy_octal_numbers: options.legacy_octal_numbers,
            leading_zero_numbers_as_strings: options.leading_zero_numbers_as_strings,
            underscored_numbers_as_strings: options.underscored_numbers_as_strings,
            strict_booleans: options.strict_booleans,
            null_as_string: options.null_as_string,
            angle_conversions: options.angle_conversions,
            ignore_binary_tag_for_string: options.ignore_binary_tag_for_string,
            no_schema: options.no_schema,
            reject_tagged_field_names: options.reject_tagged_field_names,
            non_finite_float_policy: match options.non_finite_float_policy {
                NonFiniteFloatPolicy::Default if options.reject_non_finite_typeless_float => {
                    NonFiniteFloatPolicy::Reject
                }
                NonFiniteFloatPolicy::Default => NonFiniteFloatPolicy::AsString,
                policy => policy,
            },
            max_depth: options.budget.as_ref().map(|budget| budget.max_depth),
            depth: 0,
        }
    }

    pub(crate) fn enter_container(self, location: Location) -> Result<Self, Error> {
        let depth = self.depth.saturating_add(1);
        if let Some(max_depth) = self.max_depth
            && depth > max_depth
        {
            return Err(crate::de_error::budget_error(BudgetBreach::Depth { depth })
                .with_location(location));
        }
        Ok(Self { depth, ..self })
    }
}
