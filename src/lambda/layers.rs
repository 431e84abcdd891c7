//! Layers: zip archives of libraries, a custom runtime or data that functions add to their
//! execution environment (under `/opt`), published as numbered, immutable versions.
//!
//! A function names each layer by its version ARN ([`LayerVersionArn`]) in
//! [`CreateFunctionRequest::layers`] or [`UpdateFunctionConfigurationRequest::layers`]; at most
//! [`MAX_FUNCTION_LAYERS`]. A deleted layer version can no longer be added to functions, but
//! the functions that use it keep it (Lambda keeps a copy until no function refers to it).

use std::fmt;
use std::time::SystemTime;

use bon::Builder;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::*;
use crate::error::Result;
use crate::id::{LayerName, LayerVersionArn};
use crate::macros::validated_builder;
use crate::secret::Payload;
use crate::validate::{self, Validate};

/// The most layers a function may use: 5 ("Lambda quotas", function layers, "five layers";
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>; the model's
/// `LayerList` has no bound).
pub const MAX_FUNCTION_LAYERS: usize = 5;
/// The most compatible runtimes a layer version lists (model shape `CompatibleRuntimes`: 0-15).
pub const MAX_COMPATIBLE_RUNTIMES: usize = 15;
/// The most compatible architectures a layer version lists (model shape
/// `CompatibleArchitectures`: 0-2).
pub const MAX_COMPATIBLE_ARCHITECTURES: usize = 2;
/// The longest license text of a layer version, in characters (model shape `LicenseInfo`:
/// 0-512).
pub const MAX_LICENSE_INFO_CHARS: usize = 512;

/// A layer a function uses, as the function's configuration reports it (model shape `Layer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FunctionLayer {
    /// The layer version.
    pub arn: LayerVersionArn,
    /// The layer archive's size in bytes.
    pub code_size: u64,
}

impl FunctionLayer {
    /// A layer of `code_size` bytes (for fakes and mocks).
    pub fn new(arn: LayerVersionArn, code_size: u64) -> Self {
        FunctionLayer { arn, code_size }
    }
}

/// One version of a layer (PublishLayerVersion, GetLayerVersion and ListLayerVersions
/// answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct LayerVersion {
    /// The layer's ARN (without the version).
    pub layer_arn: String,
    /// This version's ARN, the one a function names.
    pub layer_version_arn: LayerVersionArn,
    /// The version number (1, 2, ...; numbers are not reused after a delete).
    pub version: u64,
    /// The description.
    #[builder(default)]
    pub description: String,
    /// When the version was published.
    pub created: Option<SystemTime>,
    /// The runtimes it says it works with (used for filtering; Lambda does not enforce them).
    #[builder(default)]
    pub compatible_runtimes: Vec<String>,
    /// The instruction sets it says it works with.
    #[builder(default)]
    pub compatible_architectures: Vec<Architecture>,
    /// Its license (an SPDX identifier, a URL or the text).
    pub license_info: Option<String>,
    /// The base64 SHA-256 digest of the archive (ListLayerVersions does not report it: empty
    /// there).
    #[builder(default)]
    pub code_sha256: String,
    /// The archive's size in bytes (0 where the answer does not say, as in ListLayerVersions).
    #[builder(default)]
    pub code_size: u64,
}

/// A request to publish a new version of a layer from a zip archive (PublishLayerVersion); the
/// layer is created by its first version.
#[derive(Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct PublishLayerVersionRequest {
    /// The layer, by name or layer ARN.
    pub layer_name: LayerName,
    /// The zip archive (at most 50 MB). `Debug` shows its length and SHA-256 prefix only.
    #[builder(into)]
    pub zip: Bytes,
    /// A description (at most 256 characters).
    pub description: Option<String>,
    /// Runtimes it works with (at most 15), each of the runtime syntax
    /// ([`is_runtime_syntax`]).
    #[builder(default)]
    #[serde(default)]
    pub compatible_runtimes: Vec<String>,
    /// Instruction sets it works with (at most 2).
    #[builder(default)]
    #[serde(default)]
    pub compatible_architectures: Vec<Architecture>,
    /// Its license (at most 512 characters).
    pub license_info: Option<String>,
}
validated_builder!(
    PublishLayerVersionRequest,
    PublishLayerVersionRequestBuilder,
    publish_layer_version_request_builder
);

impl fmt::Debug for PublishLayerVersionRequest {
    /// Shows the archive's length and SHA-256 prefix, not its bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let PublishLayerVersionRequest {
            layer_name,
            zip,
            description,
            compatible_runtimes,
            compatible_architectures,
            license_info,
        } = self;
        f.debug_struct("PublishLayerVersionRequest")
            .field("layer_name", layer_name)
            .field("zip", &Payload(zip))
            .field("description", description)
            .field("compatible_runtimes", compatible_runtimes)
            .field("compatible_architectures", compatible_architectures)
            .field("license_info", license_info)
            .finish()
    }
}

impl Validate for PublishLayerVersionRequest {
    fn validate(&self) -> Result<()> {
        validate_zip("zip", &self.zip)?;
        if let Some(d) = &self.description {
            validate_description("description", d)?;
        }
        validate::at_most(
            "compatible_runtimes",
            &self.compatible_runtimes,
            MAX_COMPATIBLE_RUNTIMES,
        )?;
        for r in &self.compatible_runtimes {
            validate_runtime("compatible_runtimes", r)?;
        }
        validate::at_most(
            "compatible_architectures",
            &self.compatible_architectures,
            MAX_COMPATIBLE_ARCHITECTURES,
        )?;
        if let Some(l) = &self.license_info {
            validate::len_in("license_info", l, 0, MAX_LICENSE_INFO_CHARS)?;
        }
        Ok(())
    }
}

/// A function's layers: at most [`MAX_FUNCTION_LAYERS`].
pub(super) fn validate_layers(field: &str, layers: &[LayerVersionArn]) -> Result<()> {
    validate::at_most(field, layers, MAX_FUNCTION_LAYERS)
}
