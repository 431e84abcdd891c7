//! Aliases and their weighted routing.

use bon::Builder;
use serde::{Deserialize, Serialize};

use super::*;
use crate::error::{Error, Result};
use crate::id::{AliasName, Arn, FunctionName};
use crate::macros::validated_builder;
use crate::validate::Validate;

/// Weighted routing of an alias: a share of invocations goes to one additional version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct AliasRouting {
    /// The additional published version.
    pub version: String,
    /// The share of invocations it receives, 0.0 to 1.0.
    pub weight: f64,
}

impl AliasRouting {
    /// Routes `weight` (0.0 to 1.0, checked by [`AliasRequest`]'s `build`) of invocations to
    /// `version`.
    pub fn new(version: impl Into<String>, weight: f64) -> Self {
        AliasRouting {
            version: version.into(),
            weight,
        }
    }
}

/// A request to create or update an alias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct AliasRequest {
    /// The function.
    pub function: FunctionName,
    /// The alias name.
    pub name: AliasName,
    /// The version it points to: `$LATEST` or a number (a published number when routing is set).
    pub version: String,
    /// A description (at most 256 characters).
    pub description: Option<String>,
    /// Weighted routing to one additional version.
    pub routing: Option<AliasRouting>,
}
validated_builder!(AliasRequest, AliasRequestBuilder, alias_request_builder);

impl Validate for AliasRequest {
    fn validate(&self) -> Result<()> {
        // CreateAlias `FunctionVersion`: `(\$LATEST|[0-9]+)`.
        if self.version != "$LATEST" && !is_version_number(&self.version) {
            return Err(Error::validation(
                "version",
                format!("must be $LATEST or a version number (got {:?})", self.version),
            ));
        }
        if let Some(d) = &self.description {
            validate_description("description", d)?;
        }
        if let Some(r) = &self.routing {
            // Lambda Developer Guide, "Implement Lambda canary deployments using a weighted
            // alias": both versions must be published, and the alias can point to at most two.
            if self.version == "$LATEST" {
                return Err(Error::validation(
                    "version",
                    "must be a published version number, not $LATEST, when routing is set",
                ));
            }
            if !is_version_number(&r.version) {
                return Err(Error::validation(
                    "routing.version",
                    format!("must be a published version number (got {:?})", r.version),
                ));
            }
            if r.version == self.version {
                return Err(Error::validation(
                    "routing.version",
                    format!("must differ from the alias's version {}", self.version),
                ));
            }
            // AliasRoutingConfiguration `AdditionalVersionWeights`: values 0.0-1.0.
            if !(0.0..=1.0).contains(&r.weight) {
                return Err(Error::validation(
                    "routing.weight",
                    format!("must be between 0.0 and 1.0 (got {})", r.weight),
                ));
            }
        }
        Ok(())
    }
}

/// An alias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Alias {
    /// The alias ARN (`...:function:NAME:ALIAS`).
    pub arn: Arn,
    /// The alias name.
    pub name: AliasName,
    /// The version it points to.
    #[builder(default = "$LATEST".to_string())]
    pub function_version: String,
    /// Weighted routing to an additional version.
    pub routing: Option<AliasRouting>,
    /// The description.
    #[builder(default)]
    pub description: String,
    /// The revision id.
    pub revision_id: Option<String>,
}
