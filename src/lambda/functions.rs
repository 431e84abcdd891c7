//! Function models and requests: configuration, environment, create, update, publish.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use bon::Builder;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::*;
use crate::Tags;
use crate::error::{Error, Result};
use crate::id::{Arn, FunctionName, LayerVersionArn};
use crate::macros::validated_builder;
use crate::secret::{Payload, SecretString};
use crate::validate::{self, Validate};

/// A function's environment variables. The values are [`SecretString`]s, as they often hold
/// secrets: `Debug` shows the keys only, and serde writes each value as
/// `{"redacted": true, "len": N}` (in outputs such as [`FunctionConfiguration`] and in specs)
/// unless serialised inside [`secret::exposing`](crate::secret::exposing). Deserialising reads
/// plain strings (`{"DB_HOST": "db.internal"}`); a value is read with
/// [`SecretString::expose_secret`].
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Environment(BTreeMap<String, SecretString>);

impl Environment {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets a variable; returns the previous value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<SecretString>) -> Option<SecretString> {
        self.0.insert(key.into(), value.into())
    }
    /// A variable's value.
    pub fn get(&self, key: &str) -> Option<&SecretString> {
        self.0.get(key)
    }
    /// The variables in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretString)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
    /// How many variables there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The total size of keys and values in bytes (the 4 KB quota counts this).
    pub fn size_bytes(&self) -> usize {
        self.0.iter().map(|(k, v)| k.len() + v.len()).sum()
    }

    /// Checks keys (`[a-zA-Z][a-zA-Z0-9_]+`, not reserved) and the total size
    /// (Lambda API reference, `Environment.Variables`; "Lambda quotas": 4 KB).
    pub fn validate(&self, field: &str) -> Result<()> {
        for key in self.0.keys() {
            let b = key.as_bytes();
            let ok = b.len() >= 2
                && b[0].is_ascii_alphabetic()
                && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
            if !ok {
                return Err(Error::validation(
                    field,
                    format!("key {key:?} must match [a-zA-Z][a-zA-Z0-9_]+"),
                ));
            }
            if RESERVED_ENVIRONMENT_KEYS.contains(&key.as_str()) {
                return Err(Error::validation(field, format!("key {key:?} is reserved by Lambda")));
            }
        }
        let size = self.size_bytes();
        if size > MAX_ENVIRONMENT_BYTES {
            return Err(Error::validation(
                field,
                format!("keys and values must total at most {MAX_ENVIRONMENT_BYTES} bytes (4 KB) (got {size})"),
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.keys().map(|k| (k, "<redacted>"))).finish()
    }
}

impl<V: Into<SecretString>> From<BTreeMap<String, V>> for Environment {
    fn from(m: BTreeMap<String, V>) -> Self {
        Environment(m.into_iter().map(|(k, v)| (k, v.into())).collect())
    }
}

impl<K: Into<String>, V: Into<SecretString>> FromIterator<(K, V)> for Environment {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Environment(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

crate::macros::open_enum! {
    /// The instruction set a function runs on.
    #[derive(Default)]
    pub enum Architecture {
        /// `x86_64` (the default).
        #[default]
        X86_64 = "x86_64",
        /// `arm64` (Graviton).
        Arm64 = "arm64",
    }
}

crate::macros::open_enum! {
    /// A function's state (`State`).
    pub enum FunctionState {
        /// Being created; it cannot be invoked or changed yet.
        Pending = "Pending",
        /// Ready.
        Active = "Active",
        /// Idle long enough that Lambda reclaimed its resources.
        Inactive = "Inactive",
        /// Creation failed (see the state reason).
        Failed = "Failed",
        /// Being deactivated.
        Deactivating = "Deactivating",
        /// Deactivated (not invocable).
        Deactivated = "Deactivated",
        /// Active, but not invocable (AWS reports it while it restores the function).
        ActiveNonInvocable = "ActiveNonInvocable",
        /// Being deleted.
        Deleting = "Deleting",
    }
}

crate::macros::open_enum! {
    /// The status of the last update (`LastUpdateStatus`).
    pub enum LastUpdateStatus {
        /// An update is being applied; another change is a `ResourceConflictException`.
        InProgress = "InProgress",
        /// The last update succeeded.
        Successful = "Successful",
        /// The last update failed.
        Failed = "Failed",
    }
}

/// At most 16 subnets in a function's VPC configuration (model shape `SubnetIds`, max 16).
pub const MAX_VPC_SUBNETS: usize = 16;
/// At most 5 security groups in a function's VPC configuration (model shape
/// `SecurityGroupIds`, max 5).
pub const MAX_VPC_SECURITY_GROUPS: usize = 5;
/// Ephemeral storage (`/tmp`) in MB: 512 (the default) to 32,768 (model shape
/// `EphemeralStorageSize`, min 512, max 32768; older Lambda documentation says 10,240).
pub const EPHEMERAL_STORAGE_MB_RANGE: (u32, u32) = (512, 32_768);

/// The VPC a function's network interfaces are in (model shape `VpcConfig`). Empty lists
/// (in an update) detach the function from its VPC.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Builder)]
pub struct VpcConfig {
    /// The subnets (at most 16).
    #[builder(default)]
    pub subnet_ids: Vec<crate::id::SubnetId>,
    /// The security groups (at most 5).
    #[builder(default)]
    pub security_group_ids: Vec<crate::id::SecurityGroupId>,
    /// Whether IPv6 traffic is allowed on dual-stack subnets (`Ipv6AllowedForDualStack`).
    #[builder(default)]
    pub ipv6_allowed_for_dual_stack: bool,
}

impl VpcConfig {
    fn validate(&self, field: &str) -> Result<()> {
        validate::at_most(&format!("{field}.subnet_ids"), &self.subnet_ids, MAX_VPC_SUBNETS)?;
        validate::at_most(
            &format!("{field}.security_group_ids"),
            &self.security_group_ids,
            MAX_VPC_SECURITY_GROUPS,
        )
    }
}

fn validate_ephemeral_storage(field: &str, mb: u32) -> Result<()> {
    validate::in_range(field, mb, EPHEMERAL_STORAGE_MB_RANGE.0, EPHEMERAL_STORAGE_MB_RANGE.1)
}

/// A dead-letter target: an SQS queue or SNS topic ARN (model shape `ResourceArn`, pattern
/// `arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*`; DeadLetterConfig: "the ARN of an Amazon SQS queue or
/// Amazon SNS topic").
fn validate_dead_letter_target(field: &str, arn: &Arn) -> Result<()> {
    let parts: Vec<&str> = arn.as_str().splitn(6, ':').collect();
    let ok = parts.len() == 6 && parts[1].starts_with("aws") && (parts[2] == "sqs" || parts[2] == "sns");
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("must be the ARN of an SQS queue or SNS topic (got {arn})"),
        ))
    }
}

/// The configuration of a function version (`$LATEST` or a published number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct FunctionConfiguration {
    /// The function name.
    pub name: FunctionName,
    /// The function ARN (qualified with the version for published versions).
    pub arn: Arn,
    /// The runtime identifier, such as `provided.al2023`.
    #[builder(default)]
    pub runtime: String,
    /// The execution role.
    pub role: Arn,
    /// The handler (absent for OS-only runtimes).
    pub handler: Option<String>,
    /// The base64 SHA-256 digest of the zip package, as AWS reports it.
    #[builder(default)]
    pub code_sha256: String,
    /// The zip package size in bytes.
    #[builder(default)]
    pub code_size: u64,
    /// The description.
    #[builder(default)]
    pub description: String,
    /// The timeout in seconds.
    #[builder(default = 3)]
    pub timeout_secs: u32,
    /// The memory in MB.
    #[builder(default = 128)]
    pub memory_mb: u32,
    /// The environment variables (values redacted in `Debug` and serde output).
    #[builder(default)]
    pub environment: Environment,
    /// The instruction set.
    #[builder(default = vec![Architecture::X86_64])]
    pub architectures: Vec<Architecture>,
    /// `$LATEST` or a version number.
    #[builder(default = "$LATEST".to_string())]
    pub version: String,
    /// The state (`Pending` after creation, then `Active`).
    #[builder(default = FunctionState::Active)]
    pub state: FunctionState,
    /// Why the function is in its state, where AWS says.
    pub state_reason: Option<String>,
    /// The status of the last update.
    #[builder(default = LastUpdateStatus::Successful)]
    pub last_update_status: LastUpdateStatus,
    /// The revision id (changes with every update; used as a precondition).
    pub revision_id: Option<String>,
    /// When the function was last modified.
    pub last_modified: Option<SystemTime>,
    /// The VPC configuration (`None`: not in a VPC).
    pub vpc_config: Option<VpcConfig>,
    /// The VPC of the subnets, as Lambda reports it.
    pub vpc_id: Option<String>,
    /// The ephemeral storage (`/tmp`) in MB.
    #[builder(default = 512)]
    pub ephemeral_storage_mb: u32,
    /// Where failed asynchronous invocations go (`DeadLetterConfig.TargetArn`).
    pub dead_letter_target_arn: Option<Arn>,
    /// The layers the function uses, in the order they are applied.
    #[builder(default)]
    #[serde(default)]
    pub layers: Vec<FunctionLayer>,
}

impl FunctionConfiguration {
    /// Whether the function can be invoked and changed: `Active` with no update in progress.
    pub fn is_ready(&self) -> bool {
        self.state == FunctionState::Active && self.last_update_status != LastUpdateStatus::InProgress
    }
}

/// A request to create a function from a zip package.
#[derive(Clone, PartialEq, Serialize, Deserialize, Builder)]
// The state module is visible to `lambda` so the unit tests there can name a builder's type.
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into), state_mod(vis = "pub(super)"))]
pub struct CreateFunctionRequest {
    /// The function name.
    pub name: FunctionName,
    /// The runtime, such as one of [`SUPPORTED_RUNTIMES`] (any identifier of
    /// [`is_runtime_syntax`] is accepted).
    pub runtime: String,
    /// The execution role (`arn:aws:iam::ACCOUNT:role/NAME`).
    pub role: Arn,
    /// The handler (at most 128 characters); required except for `provided.*` runtimes.
    pub handler: Option<String>,
    /// The zip package (at most 50 MB). `Debug` shows its length and SHA-256 prefix only.
    /// (`zip` in every Lambda request that carries one: [`UpdateFunctionCodeRequest::zip`],
    /// [`PublishLayerVersionRequest::zip`].)
    #[builder(into)]
    pub zip: Bytes,
    /// A description (at most 256 characters).
    pub description: Option<String>,
    /// The timeout, 1-900 seconds (default 3).
    #[builder(default = 3)]
    pub timeout_secs: u32,
    /// The memory, 128-10,240 MB (default 128).
    #[builder(default = 128)]
    pub memory_mb: u32,
    /// Environment variables (at most 4 KB in all).
    #[builder(default, into)]
    pub environment: Environment,
    /// The instruction set: at most one (default `x86_64`).
    #[builder(default)]
    pub architectures: Vec<Architecture>,
    /// Publish version 1 at once.
    #[builder(default)]
    pub publish: bool,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
    /// The VPC to run in (the execution role then needs the EC2 network-interface
    /// permissions of `AWSLambdaVPCAccessExecutionRole`).
    pub vpc_config: Option<VpcConfig>,
    /// Ephemeral storage (`/tmp`) in MB, 512-32,768 (default 512).
    pub ephemeral_storage_mb: Option<u32>,
    /// An SQS queue or SNS topic for failed asynchronous invocations.
    pub dead_letter_target_arn: Option<Arn>,
    /// Layers to add to the execution environment (at most [`MAX_FUNCTION_LAYERS`]), each by
    /// its version ARN; each must exist and be readable (`lambda:GetLayerVersion`).
    #[builder(default)]
    #[serde(default)]
    pub layers: Vec<LayerVersionArn>,
}
validated_builder!(
    CreateFunctionRequest,
    CreateFunctionRequestBuilder,
    create_function_request_builder
);

impl fmt::Debug for CreateFunctionRequest {
    /// Shows the zip package's length and SHA-256 prefix, not its bytes (the environment shows
    /// its keys only).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every field by name, so a new field cannot be left out unnoticed.
        let CreateFunctionRequest {
            name,
            runtime,
            role,
            handler,
            zip,
            description,
            timeout_secs,
            memory_mb,
            environment,
            architectures,
            publish,
            tags,
            vpc_config,
            ephemeral_storage_mb,
            dead_letter_target_arn,
            layers,
        } = self;
        f.debug_struct("CreateFunctionRequest")
            .field("name", name)
            .field("runtime", runtime)
            .field("role", role)
            .field("handler", handler)
            .field("zip", &Payload(zip))
            .field("description", description)
            .field("timeout_secs", timeout_secs)
            .field("memory_mb", memory_mb)
            .field("environment", environment)
            .field("architectures", architectures)
            .field("publish", publish)
            .field("tags", tags)
            .field("vpc_config", vpc_config)
            .field("ephemeral_storage_mb", ephemeral_storage_mb)
            .field("dead_letter_target_arn", dead_letter_target_arn)
            .field("layers", layers)
            .finish()
    }
}

impl Validate for CreateFunctionRequest {
    fn validate(&self) -> Result<()> {
        validate_runtime("runtime", &self.runtime)?;
        validate_role("role", &self.role)?;
        match &self.handler {
            Some(h) => validate_handler("handler", h)?,
            None if !self.runtime.starts_with("provided") => {
                return Err(Error::validation(
                    "handler",
                    format!(
                        "is required for runtime {} (only provided.* runtimes omit it)",
                        self.runtime
                    ),
                ));
            }
            None => {}
        }
        validate_zip("zip", &self.zip)?;
        if let Some(d) = &self.description {
            validate_description("description", d)?;
        }
        validate_timeout("timeout_secs", self.timeout_secs)?;
        validate_memory("memory_mb", self.memory_mb)?;
        self.environment.validate("environment")?;
        // CreateFunction `Architectures`: exactly one item when given.
        validate::at_most("architectures", &self.architectures, 1)?;
        if let Some(v) = &self.vpc_config {
            v.validate("vpc_config")?;
        }
        if let Some(mb) = self.ephemeral_storage_mb {
            validate_ephemeral_storage("ephemeral_storage_mb", mb)?;
        }
        if let Some(arn) = &self.dead_letter_target_arn {
            validate_dead_letter_target("dead_letter_target_arn", arn)?;
        }
        validate_layers("layers", &self.layers)?;
        validate::tags_with("tags", &self.tags, TAG_RULES)
    }
}

/// A request to replace the code of `$LATEST`.
#[derive(Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct UpdateFunctionCodeRequest {
    /// The function.
    pub name: FunctionName,
    /// The new zip package (at most 50 MB). `Debug` shows its length and SHA-256 prefix only.
    #[builder(into)]
    pub zip: Bytes,
    /// Publish a version once the code is updated.
    #[builder(default)]
    pub publish: bool,
}
validated_builder!(
    UpdateFunctionCodeRequest,
    UpdateFunctionCodeRequestBuilder,
    update_function_code_request_builder
);

impl fmt::Debug for UpdateFunctionCodeRequest {
    /// Shows the zip package's length and SHA-256 prefix, not its bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let UpdateFunctionCodeRequest { name, zip, publish } = self;
        f.debug_struct("UpdateFunctionCodeRequest")
            .field("name", name)
            .field("zip", &Payload(zip))
            .field("publish", publish)
            .finish()
    }
}

impl Validate for UpdateFunctionCodeRequest {
    fn validate(&self) -> Result<()> {
        validate_zip("zip", &self.zip)
    }
}

/// A request to change settings of `$LATEST`; unset fields are left as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct UpdateFunctionConfigurationRequest {
    /// The function.
    pub name: FunctionName,
    /// The memory, 128-10,240 MB.
    pub memory_mb: Option<u32>,
    /// The timeout, 1-900 seconds.
    pub timeout_secs: Option<u32>,
    /// The environment variables (replaces all of them).
    #[builder(into)]
    pub environment: Option<Environment>,
    /// The handler.
    pub handler: Option<String>,
    /// The runtime.
    pub runtime: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The execution role.
    pub role: Option<Arn>,
    /// The VPC configuration (empty lists detach the function from its VPC).
    pub vpc_config: Option<VpcConfig>,
    /// Ephemeral storage (`/tmp`) in MB, 512-32,768.
    pub ephemeral_storage_mb: Option<u32>,
    /// An SQS queue or SNS topic for failed asynchronous invocations.
    pub dead_letter_target_arn: Option<Arn>,
    /// The layers (replaces all of them; an empty list removes every layer).
    pub layers: Option<Vec<LayerVersionArn>>,
}
validated_builder!(
    UpdateFunctionConfigurationRequest,
    UpdateFunctionConfigurationRequestBuilder,
    update_function_configuration_request_builder
);

impl Validate for UpdateFunctionConfigurationRequest {
    fn validate(&self) -> Result<()> {
        if let Some(m) = self.memory_mb {
            validate_memory("memory_mb", m)?;
        }
        if let Some(t) = self.timeout_secs {
            validate_timeout("timeout_secs", t)?;
        }
        if let Some(e) = &self.environment {
            e.validate("environment")?;
        }
        if let Some(h) = &self.handler {
            validate_handler("handler", h)?;
        }
        if let Some(r) = &self.runtime {
            validate_runtime("runtime", r)?;
        }
        if let Some(d) = &self.description {
            validate_description("description", d)?;
        }
        if let Some(r) = &self.role {
            validate_role("role", r)?;
        }
        if let Some(v) = &self.vpc_config {
            v.validate("vpc_config")?;
        }
        if let Some(mb) = self.ephemeral_storage_mb {
            validate_ephemeral_storage("ephemeral_storage_mb", mb)?;
        }
        if let Some(arn) = &self.dead_letter_target_arn {
            validate_dead_letter_target("dead_letter_target_arn", arn)?;
        }
        if let Some(l) = &self.layers {
            validate_layers("layers", l)?;
        }
        Ok(())
    }
}

/// A request to publish `$LATEST` as a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct PublishVersionRequest {
    /// The function.
    pub name: FunctionName,
    /// The version's description (at most 256 characters).
    pub description: Option<String>,
    /// Publish only if `$LATEST`'s code has this base64 SHA-256 (else
    /// `PreconditionFailedException`).
    pub code_sha256: Option<String>,
    /// Publish only if `$LATEST` has this revision id (else `PreconditionFailedException`).
    pub revision_id: Option<String>,
}
validated_builder!(
    PublishVersionRequest,
    PublishVersionRequestBuilder,
    publish_version_request_builder
);

impl Validate for PublishVersionRequest {
    fn validate(&self) -> Result<()> {
        if let Some(d) = &self.description {
            validate_description("description", d)?;
        }
        Ok(())
    }
}

// `FromStr` for the enums above that parse their AWS names.
crate::macros::from_str_by_parse!(Architecture => "architecture");
