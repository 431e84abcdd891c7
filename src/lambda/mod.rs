//! AWS Lambda: functions (zip packages), versions, aliases with weighted routing, invocation
//! and resource-based permissions.
//!
//! The [`Lambda`] trait is implemented by [`SdkLambda`](sdk::SdkLambda) (feature `lambda`), by
//! the simulator ([`SimCloud`](crate::sim::SimCloud)), by any
//! [`Layered`](crate::layer::Layered) wrapper, and by `MockLambda` (feature `mock`).
//!
//! Environment variable values never appear in `Debug` output or serde output ([`Environment`]
//! holds them as [`SecretString`]s); zip packages and invocation payloads show their length and
//! a SHA-256 prefix in `Debug`, not their bytes.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::lambda::{CreateFunctionRequest, InvokeRequest, Lambda};
//! use aws_facade::sim::SimCloud;
//! use std::sync::Arc;
//! let sim = SimCloud::new();
//! sim.register_handler("hello", Arc::new(|inv| Ok(serde_json::json!({"echo": inv.payload.clone()}))));
//! let req = CreateFunctionRequest::builder()
//!     .name("hello".parse()?)
//!     .runtime("provided.al2023")
//!     .role("arn:aws:iam::123456789012:role/lambda-exec".parse()?)
//!     .code(b"PK\x03\x04 a zip".to_vec())
//!     .environment([("GREETING", "secret-value")].into_iter().collect::<aws_facade::lambda::Environment>())
//!     .build()?;
//! let created = sim.create_function(req).await?;
//! assert!(!format!("{created:?}").contains("secret-value"));
//! tokio::time::sleep(std::time::Duration::from_secs(5)).await; // Pending → Active
//! let out = sim
//!     .invoke(InvokeRequest::builder().function("hello".parse()?).payload(&b"{\"n\":1}"[..]).build()?)
//!     .await?;
//! assert_eq!(out.status_code, 200);
//! assert_eq!(out.payload_json()?, serde_json::json!({"echo": {"n": 1}}));
//! # Ok(()) }
//! ```

mod ext;
#[cfg(feature = "lambda")]
pub mod sdk;
pub use ext::LambdaExt;

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use bon::Builder;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::error::{Error, Result, Service};
use crate::id::{AliasName, Arn, FunctionName};
use crate::macros::{service_trait, validated_builder};
use crate::page::{Page, PageRequest};
use crate::secret::{Payload, SecretString};
use crate::validate::{self, Validate};

service_trait! {
    /// AWS Lambda operations used by the workflows. Every list returns all pages.
    ///
    /// Outputs have builders (defaults for what a fake rarely cares about), so a mock
    /// (`MockLambda`, feature `mock`) answers in a line:
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use aws_facade::lambda::{FunctionConfiguration, InvokeOutput, InvokeRequest, Lambda, MockLambda};
    ///
    /// let mut lambda = MockLambda::new();
    /// lambda.expect_get_function_configuration().returning(|name, _| {
    ///     let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{name}").parse()?;
    ///     let role = "arn:aws:iam::123456789012:role/fn".parse()?;
    ///     Ok(FunctionConfiguration::builder().name(name).arn(arn).role(role).build())
    /// });
    /// lambda.expect_invoke().returning(|_| Ok(InvokeOutput::builder().payload(&b"{}"[..]).build()));
    ///
    /// let c = futures::executor::block_on(lambda.get_function_configuration("api".parse().unwrap(), None)).unwrap();
    /// assert!(c.is_ready(), "Active and Successful by default");
    /// let req = InvokeRequest::builder().function("api".parse().unwrap()).build().unwrap();
    /// let out = futures::executor::block_on(lambda.invoke(req)).unwrap();
    /// assert_eq!((out.status_code, &out.payload[..]), (200, &b"{}"[..]));
    /// # }
    /// ```
    pub trait Lambda (Service::Lambda, LAMBDA_OPERATIONS, LAMBDA_IAM_ACTIONS) {
        /// Creates a function from a zip package; it is `Pending` until it becomes `Active`.
        fn create_function(req: CreateFunctionRequest) -> FunctionConfiguration = "CreateFunction" => "lambda:CreateFunction";
        /// The configuration of `$LATEST`, a version or an alias's version.
        fn get_function_configuration(name: FunctionName, qualifier: Option<String>) -> FunctionConfiguration = "GetFunctionConfiguration" => "lambda:GetFunctionConfiguration";
        /// Replaces the code of `$LATEST` (optionally publishing a version).
        fn update_function_code(req: UpdateFunctionCodeRequest) -> FunctionConfiguration = "UpdateFunctionCode" => "lambda:UpdateFunctionCode";
        /// Changes settings of `$LATEST`.
        fn update_function_configuration(req: UpdateFunctionConfigurationRequest) -> FunctionConfiguration = "UpdateFunctionConfiguration" => "lambda:UpdateFunctionConfiguration";
        /// Publishes `$LATEST` as a new numbered version (or returns the latest version unchanged).
        fn publish_version(req: PublishVersionRequest) -> FunctionConfiguration = "PublishVersion" => "lambda:PublishVersion";
        /// `$LATEST` and every published version.
        fn list_versions(name: FunctionName) -> Vec<FunctionConfiguration> = "ListVersionsByFunction" => "lambda:ListVersionsByFunction";
        /// One page of [`list_versions`](Lambda::list_versions); `page.size` is `MaxItems`
        /// (AWS answers at most 50 a page whatever is asked). [`LambdaExt::versions`] streams
        /// the pages.
        fn list_versions_page(name: FunctionName, page: PageRequest) -> Page<FunctionConfiguration> = "ListVersionsByFunction" => "lambda:ListVersionsByFunction";
        /// Creates an alias.
        fn create_alias(req: AliasRequest) -> Alias = "CreateAlias" => "lambda:CreateAlias";
        /// Changes an alias (its version, description and routing).
        fn update_alias(req: AliasRequest) -> Alias = "UpdateAlias" => "lambda:UpdateAlias";
        /// One alias.
        fn get_alias(function: FunctionName, name: AliasName) -> Alias = "GetAlias" => "lambda:GetAlias";
        /// Every alias of a function.
        fn list_aliases(function: FunctionName) -> Vec<Alias> = "ListAliases" => "lambda:ListAliases";
        /// Deletes an alias.
        fn delete_alias(function: FunctionName, name: AliasName) -> () = "DeleteAlias" => "lambda:DeleteAlias";
        /// Invokes a function. A function error is reported in the output
        /// ([`InvokeOutput::function_error`]), not as `Err`.
        fn invoke(req: InvokeRequest) -> InvokeOutput = "Invoke" => "lambda:InvokeFunction";
        /// Adds a statement to the function's resource-based policy.
        fn add_permission(req: AddPermissionRequest) -> () = "AddPermission" => "lambda:AddPermission";
        /// Removes a statement from the function's resource-based policy.
        fn remove_permission(req: RemovePermissionRequest) -> () = "RemovePermission" => "lambda:RemovePermission";
        /// The function's (or qualifier's) resource-based policy, as a JSON document.
        fn get_policy(function: FunctionName, qualifier: Option<String>) -> String = "GetPolicy" => "lambda:GetPolicy";
        /// Deletes a function (no qualifier) or one published version (`qualifier` = a number).
        fn delete_function(name: FunctionName, qualifier: Option<String>) -> () = "DeleteFunction" => "lambda:DeleteFunction";
        /// The `$LATEST` configuration of every function.
        fn list_functions() -> Vec<FunctionConfiguration> = "ListFunctions" => "lambda:ListFunctions";
        /// One page of [`list_functions`](Lambda::list_functions); `page.size` is `MaxItems`
        /// (at most 50 a page). [`LambdaExt::functions`] streams the pages.
        fn list_functions_page(page: PageRequest) -> Page<FunctionConfiguration> = "ListFunctions" => "lambda:ListFunctions";
        /// The tags of a function, by its unqualified ARN
        /// ([`FunctionConfiguration::arn`] of `$LATEST`); a function that does not exist is
        /// `ResourceNotFoundException`.
        fn list_tags(arn: Arn) -> Tags = "ListTags" => "lambda:ListTags";
    }
}

// ---------------------------------------------------------------------------------------------
// Limits

/// The runtimes the Lambda Developer Guide lists as supported (not deprecated) in "Lambda
/// runtimes" (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>), plus
/// `nodejs18.x` and `python3.9`, which are deprecated but can still be used to create and update
/// functions. For documentation and defaults only: validation accepts any runtime of the runtime
/// syntax ([`is_runtime_syntax`]), so runtimes newer than this list (the model's `Runtime` enum
/// already has `nodejs26.x`, `python3.15`, `ruby4.0`, ...) are not refused by the crate; the
/// service says which it supports.
pub const SUPPORTED_RUNTIMES: &[&str] = &[
    "nodejs24.x",
    "nodejs22.x",
    "nodejs20.x",
    "nodejs18.x",
    "python3.14",
    "python3.13",
    "python3.12",
    "python3.11",
    "python3.10",
    "python3.9",
    "java25",
    "java21",
    "java17",
    "java11",
    "java8.al2",
    "dotnet10",
    "dotnet8",
    "ruby3.4",
    "ruby3.3",
    "ruby3.2",
    "provided.al2023",
    "provided.al2",
];

/// Largest zip package uploaded in the request: 50 MB (Lambda Developer Guide, "Lambda quotas":
/// deployment package, 50 MB zipped, for direct upload;
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
pub const MAX_ZIP_BYTES: usize = 50 * 1024 * 1024;
/// Largest synchronous invocation payload: 6 MB ("Lambda quotas", invocation payload).
pub const MAX_SYNC_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;
/// Largest asynchronous (`Event`) invocation payload: 256 KB ("Lambda quotas", invocation
/// payload).
pub const MAX_ASYNC_PAYLOAD_BYTES: usize = 256 * 1024;
/// Total size of all environment variable keys and values: 4 KB ("Lambda quotas").
pub const MAX_ENVIRONMENT_BYTES: usize = 4 * 1024;

/// Environment variable keys Lambda reserves (Lambda Developer Guide, "Defined runtime
/// environment variables": reserved keys cannot be set in the function configuration).
pub const RESERVED_ENVIRONMENT_KEYS: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// The principal CloudWatch uses to invoke a function from an alarm action (CloudWatch User
/// Guide, "Lambda alarm actions").
pub const CLOUDWATCH_ALARMS_PRINCIPAL: &str = "lambda.alarms.cloudwatch.amazonaws.com";

/// Lambda tags: keys 1-128 and values 0-256 characters of letters, numbers, spaces and
/// `_ . : / = + - @` (model shapes `TagKey`/`TagValue`, pattern `([\p{L}\p{Z}\p{N}_.:/=+\-@]*)`,
/// matched against the whole key or value).
pub const TAG_RULES: validate::TagRules = validate::TagRules::TAG_CHARS;
/// The longest function description, in characters (model shape `Description`: 0-256).
pub const MAX_DESCRIPTION_CHARS: usize = 256;
/// The longest handler, in characters (model shape `Handler`: at most 128, `[^\s]+`).
pub const MAX_HANDLER_CHARS: usize = 128;
/// The longest qualifier, in characters (model shape `NumericLatestPublishedOrAliasQualifier`:
/// 1-128).
pub const MAX_QUALIFIER_CHARS: usize = 128;
/// The longest permission statement id, in characters (model shape `StatementId`: 1-100,
/// `([a-zA-Z0-9-_]+)`).
pub const MAX_STATEMENT_ID_CHARS: usize = 100;
/// The shortest and longest function timeout in seconds: 1-900 ("Lambda quotas", function
/// timeout, 900 seconds (15 minutes),
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>). The model's
/// `Timeout` allows 1-5,400, a bound wider than the quota of functions this crate creates.
pub const TIMEOUT_SECS_RANGE: (u32, u32) = (1, 900);
/// The smallest and largest memory size in MB: 128-10,240 ("Lambda quotas", function memory
/// allocation, "128 MB to 10,240 MB"). The model's `MemorySize` allows 128-32,768, a bound wider
/// than the quota.
pub const MEMORY_MB_RANGE: (u32, u32) = (128, 10_240);

/// Whether `runtime` has the shape of a Lambda runtime identifier: a lowercase letter, then
/// lowercase letters, digits, `.`, `-` and `_` (`nodejs22.x`, `python3.13`, `java8.al2`,
/// `provided.al2023`, `nodejs4.3-edge`). The model's `Runtime` is an enum, which the SDKs treat
/// as open (an unknown value is sent as it is), and new runtimes appear every few months: the
/// crate accepts every identifier of this shape instead of a closed list. Every value of the
/// model's enum has it (checked in `tests/models.rs`).
pub fn is_runtime_syntax(runtime: &str) -> bool {
    let mut b = runtime.bytes();
    b.next().is_some_and(|c| c.is_ascii_lowercase())
        && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'_'))
}

fn validate_runtime(field: &str, runtime: &str) -> Result<()> {
    if is_runtime_syntax(runtime) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!(
                "must be a Lambda runtime identifier (a lowercase letter, then lowercase letters, digits, `.`, `-`, `_`) such as provided.al2023, python3.13 or nodejs22.x (got {runtime:?})"
            ),
        ))
    }
}

/// Checks an IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/NAME` (CreateFunction `Role`:
/// `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`).
fn validate_role(field: &str, role: &Arn) -> Result<()> {
    let parts: Vec<&str> = role.as_str().splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_/".contains(&b)));
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("must be an IAM role ARN like arn:aws:iam::123456789012:role/NAME (got {role})"),
        ))
    }
}

/// CreateFunction `Handler`: at most 128 characters, no whitespace (`[^\s]+`).
fn validate_handler(field: &str, handler: &str) -> Result<()> {
    validate::len_in(field, handler, 1, MAX_HANDLER_CHARS)?;
    if handler.chars().any(char::is_whitespace) {
        return Err(Error::validation(field, "must not contain whitespace"));
    }
    Ok(())
}

/// CreateFunction `Description`: 0-256 characters.
fn validate_description(field: &str, d: &str) -> Result<()> {
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Error::validation(
            field,
            format!(
                "must be at most {MAX_DESCRIPTION_CHARS} characters (got {})",
                d.chars().count()
            ),
        ));
    }
    Ok(())
}

/// CreateFunction `Timeout`: 1-900 seconds ([`TIMEOUT_SECS_RANGE`]).
fn validate_timeout(field: &str, t: u32) -> Result<()> {
    validate::in_range(field, t, TIMEOUT_SECS_RANGE.0, TIMEOUT_SECS_RANGE.1)
}

/// CreateFunction `MemorySize`: 128-10,240 MB ([`MEMORY_MB_RANGE`]).
fn validate_memory(field: &str, m: u32) -> Result<()> {
    validate::in_range(field, m, MEMORY_MB_RANGE.0, MEMORY_MB_RANGE.1)
}

/// A zip package: at most [`MAX_ZIP_BYTES`], starting with a local file header `PK\x03\x04`.
fn validate_zip(field: &str, zip: &Bytes) -> Result<()> {
    if zip.len() > MAX_ZIP_BYTES {
        return Err(Error::validation(
            field,
            format!(
                "must be at most {MAX_ZIP_BYTES} bytes (50 MB) for a direct upload; use S3 for larger packages (got {})",
                zip.len()
            ),
        ));
    }
    if !zip.starts_with(b"PK\x03\x04") {
        return Err(Error::validation(
            field,
            "must be a zip archive (starting with the bytes PK\\x03\\x04)",
        ));
    }
    Ok(())
}

/// Whether `q` matches the qualifier pattern of the model (shape
/// `NumericLatestPublishedOrAliasQualifier`, used by Invoke, GetFunction, AddPermission,
/// RemovePermission, DeleteFunction, GetPolicy, ...: `\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+`,
/// matched against the whole string): `$LATEST`, `$LATEST.PUBLISHED`, or letters, digits, `-`,
/// `_` and `$` (a version number or an alias name).
pub fn is_qualifier(q: &str) -> bool {
    q == "$LATEST.PUBLISHED"
        || (!q.is_empty()
            && q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'$')))
}

/// A qualifier: 1-128 characters of [`is_qualifier`].
fn validate_qualifier(field: &str, q: &str) -> Result<()> {
    validate::len_in(field, q, 1, MAX_QUALIFIER_CHARS)?;
    if is_qualifier(q) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("must be $LATEST, $LATEST.PUBLISHED, a version number or an alias name (got {q:?})"),
        ))
    }
}

/// A published version number (`1`, `2`, ...).
fn is_version_number(v: &str) -> bool {
    !v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// Models

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
}

impl FunctionConfiguration {
    /// Whether the function can be invoked and changed: `Active` with no update in progress.
    pub fn is_ready(&self) -> bool {
        self.state == FunctionState::Active && self.last_update_status != LastUpdateStatus::InProgress
    }
}

/// A request to create a function from a zip package.
#[derive(Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
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
    #[builder(into)]
    pub code: Bytes,
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
            code,
            description,
            timeout_secs,
            memory_mb,
            environment,
            architectures,
            publish,
            tags,
        } = self;
        f.debug_struct("CreateFunctionRequest")
            .field("name", name)
            .field("runtime", runtime)
            .field("role", role)
            .field("handler", handler)
            .field("code", &Payload(code))
            .field("description", description)
            .field("timeout_secs", timeout_secs)
            .field("memory_mb", memory_mb)
            .field("environment", environment)
            .field("architectures", architectures)
            .field("publish", publish)
            .field("tags", tags)
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
        validate_zip("code", &self.code)?;
        if let Some(d) = &self.description {
            validate_description("description", d)?;
        }
        validate_timeout("timeout_secs", self.timeout_secs)?;
        validate_memory("memory_mb", self.memory_mb)?;
        self.environment.validate("environment")?;
        // CreateFunction `Architectures`: exactly one item when given.
        validate::at_most("architectures", &self.architectures, 1)?;
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

/// How to invoke a function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvocationType {
    /// Synchronously: wait for the result (status 200).
    #[default]
    RequestResponse,
    /// Asynchronously: queue the event (status 202).
    Event,
    /// Only check parameters and permissions (status 204).
    DryRun,
}

impl InvocationType {
    /// The AWS name.
    pub fn as_str(&self) -> &'static str {
        match self {
            InvocationType::RequestResponse => "RequestResponse",
            InvocationType::Event => "Event",
            InvocationType::DryRun => "DryRun",
        }
    }
}

/// A request to invoke a function.
#[derive(Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct InvokeRequest {
    /// The function.
    pub function: FunctionName,
    /// `$LATEST`, a version number or an alias (default `$LATEST`).
    pub qualifier: Option<String>,
    /// The JSON event (at most 6 MB, or 256 KB for `Event`).
    #[builder(default, into)]
    pub payload: Bytes,
    /// Synchronous (default), asynchronous or dry run.
    #[builder(default)]
    pub invocation_type: InvocationType,
    /// Return the last 4 KB of the execution log (synchronous invocations only).
    #[builder(default)]
    pub log_tail: bool,
}
validated_builder!(InvokeRequest, InvokeRequestBuilder, invoke_request_builder);

impl fmt::Debug for InvokeRequest {
    /// Shows the payload's length and SHA-256 prefix, not its bytes (events may carry tokens).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let InvokeRequest {
            function,
            qualifier,
            payload,
            invocation_type,
            log_tail,
        } = self;
        f.debug_struct("InvokeRequest")
            .field("function", function)
            .field("qualifier", qualifier)
            .field("payload", &Payload(payload))
            .field("invocation_type", invocation_type)
            .field("log_tail", log_tail)
            .finish()
    }
}

impl Validate for InvokeRequest {
    fn validate(&self) -> Result<()> {
        if let Some(q) = &self.qualifier {
            validate_qualifier("qualifier", q)?;
        }
        let max = match self.invocation_type {
            InvocationType::Event => MAX_ASYNC_PAYLOAD_BYTES,
            _ => MAX_SYNC_PAYLOAD_BYTES,
        };
        if self.payload.len() > max {
            return Err(Error::validation(
                "payload",
                format!(
                    "must be at most {max} bytes for {} invocations (got {})",
                    self.invocation_type.as_str(),
                    self.payload.len()
                ),
            ));
        }
        if self.log_tail && self.invocation_type != InvocationType::RequestResponse {
            return Err(Error::validation(
                "log_tail",
                "applies only to RequestResponse (synchronous) invocations",
            ));
        }
        Ok(())
    }
}

/// The result of an invocation.
#[derive(Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct InvokeOutput {
    /// 200 (RequestResponse), 202 (Event) or 204 (DryRun).
    #[builder(default = 200)]
    pub status_code: u16,
    /// The function's response (or error document).
    #[builder(default, into)]
    pub payload: Bytes,
    /// `Unhandled` or `Handled` when the function failed.
    pub function_error: Option<String>,
    /// The decoded tail of the execution log, when requested.
    pub log_tail: Option<String>,
    /// The version that ran (after alias routing).
    pub executed_version: Option<String>,
}

impl fmt::Debug for InvokeOutput {
    /// Shows the payload's length and SHA-256 prefix, not its bytes ([`InvokeOutput::payload_json`]
    /// reads it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let InvokeOutput {
            status_code,
            payload,
            function_error,
            log_tail,
            executed_version,
        } = self;
        f.debug_struct("InvokeOutput")
            .field("status_code", status_code)
            .field("payload", &Payload(payload))
            .field("function_error", function_error)
            .field("log_tail", log_tail)
            .field("executed_version", executed_version)
            .finish()
    }
}

impl InvokeOutput {
    /// The payload parsed as JSON.
    pub fn payload_json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.payload).map_err(|e| {
            Error::api(
                Service::Lambda,
                "MalformedResponse",
                format!("the function's payload is not JSON: {e}"),
            )
        })
    }
}

/// A request to add a statement to a function's resource-based policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct AddPermissionRequest {
    /// The function.
    pub function: FunctionName,
    /// A version or alias the statement applies to (default: the unqualified function).
    pub qualifier: Option<String>,
    /// The statement id: 1-100 letters, digits, hyphens and underscores.
    pub statement_id: String,
    /// The action (default `lambda:InvokeFunction`).
    #[builder(default = "lambda:InvokeFunction".to_string())]
    pub action: String,
    /// The principal: a service (`lambda.alarms.cloudwatch.amazonaws.com`), an account id or `*`.
    pub principal: String,
    /// Only calls on behalf of this resource (e.g. the alarm's ARN).
    pub source_arn: Option<Arn>,
    /// Only calls on behalf of this account.
    pub source_account: Option<String>,
}
validated_builder!(
    AddPermissionRequest,
    AddPermissionRequestBuilder,
    add_permission_request_builder
);

/// AddPermission `StatementId`: `([a-zA-Z0-9-_]+)`, 1-100 characters.
fn validate_statement_id(field: &str, sid: &str) -> Result<()> {
    validate::len_in(field, sid, 1, MAX_STATEMENT_ID_CHARS)?;
    if !sid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(Error::validation(
            field,
            format!("may contain only letters, digits, hyphens and underscores (got {sid:?})"),
        ));
    }
    Ok(())
}

impl Validate for AddPermissionRequest {
    fn validate(&self) -> Result<()> {
        if let Some(q) = &self.qualifier {
            validate_qualifier("qualifier", q)?;
        }
        validate_statement_id("statement_id", &self.statement_id)?;
        // AddPermission `Action`: `(lambda:[*]|lambda:[a-zA-Z]+|[*])`.
        let a = &self.action;
        let action_ok = a == "*"
            || a == "lambda:*"
            || a.strip_prefix("lambda:")
                .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphabetic()));
        if !action_ok {
            return Err(Error::validation(
                "action",
                format!("must be lambda:ACTION, lambda:* or * (got {a:?})"),
            ));
        }
        // AddPermission `Principal`: `[^\s]+`.
        if self.principal.is_empty() || self.principal.chars().any(char::is_whitespace) {
            return Err(Error::validation(
                "principal",
                "must be a service principal, an account id or *, without whitespace",
            ));
        }
        if let Some(acct) = &self.source_account
            && !(acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::validation(
                "source_account",
                format!("must be a 12-digit account id (got {acct:?})"),
            ));
        }
        Ok(())
    }
}

/// A request to remove a statement from a function's resource-based policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct RemovePermissionRequest {
    /// The function.
    pub function: FunctionName,
    /// The statement id.
    pub statement_id: String,
    /// The version or alias whose policy holds the statement.
    pub qualifier: Option<String>,
}
validated_builder!(
    RemovePermissionRequest,
    RemovePermissionRequestBuilder,
    remove_permission_request_builder
);

impl Validate for RemovePermissionRequest {
    fn validate(&self) -> Result<()> {
        if let Some(q) = &self.qualifier {
            validate_qualifier("qualifier", q)?;
        }
        validate_statement_id("statement_id", &self.statement_id)
    }
}

/// Checks the ARN of ListTags: an unqualified function ARN
/// `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`. ListTags `Resource` (`TaggableResource`)
/// also admits a qualifier and event source mapping, code signing config and capacity provider
/// ARNs, but "Lambda does not support adding tags to function aliases or versions" and this
/// operation is about functions; the rest of the pattern (a 12-digit account, a function name)
/// is the model's. Implementations call it first.
#[cfg(any(feature = "lambda", feature = "sim"))]
pub(crate) fn check_function_arn(arn: &Arn) -> Result<()> {
    let parts: Vec<&str> = arn.as_str().split(':').collect();
    let shape_ok = parts.len() == 7
        && parts[1].starts_with("aws")
        && parts[2] == "lambda"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5] == "function";
    if !shape_ok {
        return Err(Error::validation(
            "arn",
            format!(
                "must be an unqualified function ARN like arn:aws:lambda:us-east-1:123456789012:function:NAME (got {arn})"
            ),
        ));
    }
    parts[6]
        .parse::<FunctionName>()
        .map(|_| ())
        .map_err(|e| Error::validation("arn", format!("names no valid function: {e}")))
}

/// Checks a qualifier passed as a plain argument (GetFunctionConfiguration, GetPolicy,
/// DeleteFunction); implementations call it first, as they call `validate()` on requests.
#[cfg(any(feature = "lambda", feature = "sim"))]
pub(crate) fn check_qualifier(q: &Option<String>) -> Result<()> {
    match q {
        Some(q) => validate_qualifier("qualifier", q),
        None => Ok(()),
    }
}

// `FromStr` for the enums above that parse their AWS names.
crate::macros::from_str_by_parse!(Architecture => "architecture");

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn role() -> Arn {
        "arn:aws:iam::123456789012:role/exec".parse().unwrap()
    }

    fn create() -> CreateFunctionRequestBuilder<
        create_function_request_builder::SetCode<
            create_function_request_builder::SetRole<
                create_function_request_builder::SetRuntime<create_function_request_builder::SetName>,
            >,
        >,
    > {
        CreateFunctionRequest::builder()
            .name("fn-1".parse().unwrap())
            .runtime("python3.13")
            .role(role())
            .code(b"PK\x03\x04rest".to_vec())
    }

    #[test]
    fn tags_follow_the_lambda_pattern() {
        let tagged = |k: &str, v: &str| {
            create()
                .handler("app.handler")
                .tags(Tags::from([(k.to_string(), v.to_string())]))
                .build()
        };
        assert!(tagged("team:owner", "Zoë 42 a/b=c+d@e_f.g-h").is_ok());
        for (k, v) in [("a&b", "v"), ("k", "it's"), ("k", "x,y"), ("k", "a\tb")] {
            assert_eq!(field_of(tagged(k, v).unwrap_err()), "tags", "{k:?}={v:?}");
        }
    }

    #[test]
    fn create_defaults() {
        let r = create().handler("app.handler").build().unwrap();
        assert_eq!(r.timeout_secs, 3);
        assert_eq!(r.memory_mb, 128);
        assert!(!r.publish);
    }

    /// A valid request changed by `f`, then validated (as implementations do).
    fn check(f: impl FnOnce(&mut CreateFunctionRequest)) -> Result<()> {
        let mut r = create().handler("app.handler").build().unwrap();
        f(&mut r);
        r.validate()
    }

    #[test]
    fn create_rules_name_their_field() {
        assert_eq!(field_of(create().build().unwrap_err()), "handler");
        // Runtimes: any identifier of the runtime syntax, including ones newer than
        // SUPPORTED_RUNTIMES (the model's `Runtime` enum is open); the service decides which
        // runtimes it still accepts.
        for ok in ["nodejs26.x", "python3.15", "ruby4.0", "java17.al2023", "nodejs4.3-edge"] {
            assert!(check(|r| r.runtime = ok.into()).is_ok(), "{ok}");
        }
        for bad in ["", "Python3.13", "python 3.13", "3.13", "node\u{f6}js"] {
            assert_eq!(
                field_of(check(|r| r.runtime = bad.into()).unwrap_err()),
                "runtime",
                "{bad:?}"
            );
        }
        assert!(
            check(|r| {
                r.runtime = "provided.al2023".into();
                r.handler = None;
            })
            .is_ok(),
            "provided runtimes need no handler"
        );
        assert_eq!(
            field_of(check(|r| r.role = "arn:aws:iam::123456789012:user/bob".parse().unwrap()).unwrap_err()),
            "role"
        );
        assert_eq!(
            field_of(check(|r| r.role = "arn:aws:s3:::bucket".parse().unwrap()).unwrap_err()),
            "role"
        );
        assert_eq!(
            field_of(create().handler("x".repeat(129)).build().unwrap_err()),
            "handler"
        );
        assert_eq!(field_of(create().handler("a b").build().unwrap_err()), "handler");
        assert_eq!(
            field_of(check(|r| r.code = Bytes::from_static(b"not a zip")).unwrap_err()),
            "code"
        );
        let mut big = b"PK\x03\x04".to_vec();
        big.resize(MAX_ZIP_BYTES + 1, 0);
        assert_eq!(field_of(check(|r| r.code = Bytes::from(big)).unwrap_err()), "code");
        let h = || create().handler("app.handler");
        assert_eq!(
            field_of(h().description("d".repeat(257)).build().unwrap_err()),
            "description"
        );
        assert_eq!(field_of(h().timeout_secs(0).build().unwrap_err()), "timeout_secs");
        assert_eq!(field_of(h().timeout_secs(901).build().unwrap_err()), "timeout_secs");
        assert!(h().timeout_secs(900).build().is_ok());
        assert_eq!(field_of(h().memory_mb(127).build().unwrap_err()), "memory_mb");
        assert_eq!(field_of(h().memory_mb(10_241).build().unwrap_err()), "memory_mb");
        assert!(h().memory_mb(10_240).build().is_ok());
        assert_eq!(
            field_of(
                h().architectures(vec![Architecture::X86_64, Architecture::Arm64])
                    .build()
                    .unwrap_err()
            ),
            "architectures"
        );
        let mut tags = Tags::new();
        tags.insert("aws:x".into(), "y".into());
        assert_eq!(field_of(h().tags(tags).build().unwrap_err()), "tags");
    }

    #[test]
    fn environment_rules() {
        let env = |k: &str, v: &str| -> Environment { [(k, v)].into_iter().collect() };
        assert!(check(|r| r.environment = env("DB_HOST", "x")).is_ok());
        for bad in ["1ABC", "A", "A-B", "AWS_REGION", "_HANDLER"] {
            assert_eq!(
                field_of(check(|r| r.environment = env(bad, "x")).unwrap_err()),
                "environment",
                "{bad}"
            );
        }
        let big = env("BIG", &"v".repeat(MAX_ENVIRONMENT_BYTES - 3));
        assert!(check(|r| r.environment = big).is_ok());
        let too_big = env("BIG", &"v".repeat(MAX_ENVIRONMENT_BYTES - 2));
        assert_eq!(field_of(check(|r| r.environment = too_big).unwrap_err()), "environment");
    }

    #[test]
    fn secrets_and_payloads_never_shown() {
        const MARKER: &str = "MARKER-s3cr3t-4f2a";
        let shown = |what: &str, texts: &[String]| {
            for t in texts {
                assert!(!t.contains(MARKER), "{what}: {t}");
            }
        };
        let env: Environment = [("DB_PASSWORD", MARKER)].into_iter().collect();
        let zip = Bytes::from(format!("PK\x03\x04{MARKER}").into_bytes());
        let mut req = create().handler("a.b").environment(env.clone()).build().unwrap();
        req.code = zip.clone();
        let dbg = format!("{req:?}");
        assert!(
            dbg.contains("DB_PASSWORD") && dbg.contains("<22 bytes, sha256 "),
            "{dbg}"
        );
        // (The zip package is data, not a secret: serde keeps it; Debug does not dump it.)
        shown(
            "create",
            &[
                dbg,
                format!("{req:#?}"),
                serde_json::to_string(&req.environment).unwrap(),
            ],
        );
        let json = serde_json::to_string(&req).unwrap();
        assert!(json.contains(r#""DB_PASSWORD":{"redacted":true,"len":18}"#), "{json}");
        let code = UpdateFunctionCodeRequest::builder()
            .name("f".parse().unwrap())
            .zip(zip)
            .build()
            .unwrap();
        shown("update code", &[format!("{code:?}"), format!("{code:#?}")]);
        let upd = UpdateFunctionConfigurationRequest::builder()
            .name("f".parse().unwrap())
            .environment(env.clone())
            .build()
            .unwrap();
        shown(
            "update configuration",
            &[
                format!("{upd:?}"),
                format!("{upd:#?}"),
                serde_json::to_string(&upd).unwrap(),
            ],
        );
        let cfg = FunctionConfiguration {
            name: "f".parse().unwrap(),
            arn: "arn:aws:lambda:us-east-1:123456789012:function:f".parse().unwrap(),
            runtime: "python3.13".into(),
            role: role(),
            handler: Some("a.b".into()),
            code_sha256: "x".into(),
            code_size: 1,
            description: String::new(),
            timeout_secs: 3,
            memory_mb: 128,
            environment: env.clone(),
            architectures: vec![Architecture::X86_64],
            version: "$LATEST".into(),
            state: FunctionState::Active,
            state_reason: None,
            last_update_status: LastUpdateStatus::Successful,
            revision_id: None,
            last_modified: None,
        };
        shown(
            "configuration",
            &[
                format!("{cfg:?}"),
                format!("{cfg:#?}"),
                serde_json::to_string(&cfg).unwrap(),
            ],
        );
        // Plain strings are read; the values are written only when asked for.
        let read: Environment = serde_json::from_str(&format!(r#"{{"DB_PASSWORD": "{MARKER}"}}"#)).unwrap();
        assert_eq!(read, env);
        assert_eq!(
            read.get("DB_PASSWORD").map(|v| v.expose_secret().as_str()),
            Some(MARKER)
        );
        let exposed = crate::secret::exposing(|| serde_json::to_string(&env).unwrap());
        assert_eq!(serde_json::from_str::<Environment>(&exposed).unwrap(), env);
        // Invocation payloads show their length and digest only.
        let payload = format!(r#"{{"token": "{MARKER}"}}"#);
        let inv = InvokeRequest::builder()
            .function("f".parse().unwrap())
            .payload(payload.clone().into_bytes())
            .build()
            .unwrap();
        let out = InvokeOutput {
            status_code: 200,
            payload: Bytes::from(payload),
            function_error: None,
            log_tail: None,
            executed_version: None,
        };
        shown(
            "invoke",
            &[
                format!("{inv:?}"),
                format!("{inv:#?}"),
                format!("{out:?}"),
                format!("{out:#?}"),
            ],
        );
    }

    #[test]
    fn update_rules() {
        let b = || UpdateFunctionConfigurationRequest::builder().name("f".parse().unwrap());
        assert!(b().build().is_ok());
        assert_eq!(field_of(b().memory_mb(64).build().unwrap_err()), "memory_mb");
        assert_eq!(field_of(b().timeout_secs(1000).build().unwrap_err()), "timeout_secs");
        assert!(b().runtime("nodejs26.x").build().is_ok());
        assert_eq!(field_of(b().runtime("NodeJS").build().unwrap_err()), "runtime");
        assert_eq!(field_of(b().handler("").build().unwrap_err()), "handler");
        assert_eq!(
            field_of(b().description("x".repeat(300)).build().unwrap_err()),
            "description"
        );
        assert_eq!(
            field_of(
                b().role("arn:aws:iam::123:role/x".parse().unwrap())
                    .build()
                    .unwrap_err()
            ),
            "role"
        );
        assert_eq!(
            field_of(
                b().environment(Environment::from_iter([("AWS_SESSION_TOKEN", "x")]))
                    .build()
                    .unwrap_err()
            ),
            "environment"
        );
        let code = UpdateFunctionCodeRequest::builder()
            .name("f".parse().unwrap())
            .zip(b"nope".to_vec())
            .build();
        assert_eq!(field_of(code.unwrap_err()), "zip");
        let publish = PublishVersionRequest::builder()
            .name("f".parse().unwrap())
            .description("x".repeat(257))
            .build();
        assert_eq!(field_of(publish.unwrap_err()), "description");
    }

    #[test]
    fn alias_rules() {
        let b = || {
            AliasRequest::builder()
                .function("f".parse().unwrap())
                .name("live".parse().unwrap())
        };
        assert!(b().version("$LATEST").build().is_ok());
        assert!(b().version("3").build().is_ok());
        assert_eq!(field_of(b().version("latest").build().unwrap_err()), "version");
        let route = |v: &str, w: f64| AliasRouting {
            version: v.into(),
            weight: w,
        };
        assert!(b().version("1").routing(route("2", 0.1)).build().is_ok());
        assert_eq!(
            field_of(b().version("$LATEST").routing(route("2", 0.1)).build().unwrap_err()),
            "version"
        );
        assert_eq!(
            field_of(b().version("1").routing(route("$LATEST", 0.1)).build().unwrap_err()),
            "routing.version"
        );
        assert_eq!(
            field_of(b().version("1").routing(route("1", 0.1)).build().unwrap_err()),
            "routing.version"
        );
        assert_eq!(
            field_of(b().version("1").routing(route("2", 1.5)).build().unwrap_err()),
            "routing.weight"
        );
        assert_eq!(
            field_of(b().version("1").routing(route("2", -0.1)).build().unwrap_err()),
            "routing.weight"
        );
        assert_eq!(
            field_of(b().version("1").routing(route("2", f64::NAN)).build().unwrap_err()),
            "routing.weight"
        );
        assert_eq!(
            field_of(b().version("1").description("x".repeat(257)).build().unwrap_err()),
            "description"
        );
    }

    #[test]
    fn invoke_rules() {
        let b = || InvokeRequest::builder().function("f".parse().unwrap());
        let r = b().build().unwrap();
        assert_eq!(r.invocation_type, InvocationType::RequestResponse);
        assert_eq!(field_of(b().qualifier("a b").build().unwrap_err()), "qualifier");
        assert_eq!(field_of(b().qualifier("").build().unwrap_err()), "qualifier");
        assert!(b().qualifier("$LATEST").build().is_ok());
        // Model `NumericLatestPublishedOrAliasQualifier`:
        // `\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+`.
        for ok in ["$LATEST.PUBLISHED", "7", "live", "blue_green-2"] {
            assert!(b().qualifier(ok).build().is_ok(), "{ok}");
        }
        for bad in ["$LATEST.", "$LATEST.DRAFT", "1.0", "é", "a:b"] {
            assert_eq!(field_of(b().qualifier(bad).build().unwrap_err()), "qualifier", "{bad}");
        }
        assert_eq!(
            field_of(b().qualifier("q".repeat(129)).build().unwrap_err()),
            "qualifier"
        );
        assert!(b().payload(vec![b' '; MAX_SYNC_PAYLOAD_BYTES]).build().is_ok());
        assert_eq!(
            field_of(b().payload(vec![b' '; MAX_SYNC_PAYLOAD_BYTES + 1]).build().unwrap_err()),
            "payload"
        );
        assert_eq!(
            field_of(
                b().payload(vec![b' '; MAX_ASYNC_PAYLOAD_BYTES + 1])
                    .invocation_type(InvocationType::Event)
                    .build()
                    .unwrap_err()
            ),
            "payload"
        );
        assert_eq!(
            field_of(
                b().invocation_type(InvocationType::Event)
                    .log_tail(true)
                    .build()
                    .unwrap_err()
            ),
            "log_tail"
        );
    }

    #[test]
    fn list_tags_takes_an_unqualified_function_arn() {
        let arn = |s: &str| -> Arn { s.parse().unwrap() };
        assert!(check_function_arn(&arn("arn:aws:lambda:us-east-1:123456789012:function:fn-1")).is_ok());
        for bad in [
            "arn:aws:lambda:us-east-1:123456789012:function:fn-1:live",
            "arn:aws:lambda:us-east-1:123456789012:function:fn-1:3",
            "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:x",
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:fn-1",
            "arn:aws:lambda:us-east-1:1234:function:fn-1",
            "arn:aws:lambda::123456789012:function:fn-1",
            "arn:aws:lambda:us-east-1:123456789012:function:fn 1",
        ] {
            assert_eq!(field_of(check_function_arn(&arn(bad)).unwrap_err()), "arn", "{bad}");
        }
    }

    #[test]
    fn permission_rules() {
        let b = || {
            AddPermissionRequest::builder()
                .function("f".parse().unwrap())
                .principal(CLOUDWATCH_ALARMS_PRINCIPAL)
        };
        let ok = b().statement_id("alarms-1").build().unwrap();
        assert_eq!(ok.action, "lambda:InvokeFunction");
        assert_eq!(field_of(b().statement_id("").build().unwrap_err()), "statement_id");
        assert_eq!(field_of(b().statement_id("a.b").build().unwrap_err()), "statement_id");
        assert_eq!(
            field_of(b().statement_id("x".repeat(101)).build().unwrap_err()),
            "statement_id"
        );
        assert_eq!(
            field_of(b().statement_id("s").action("s3:GetObject").build().unwrap_err()),
            "action"
        );
        assert_eq!(
            field_of(b().statement_id("s").source_account("12").build().unwrap_err()),
            "source_account"
        );
        assert_eq!(
            field_of(
                AddPermissionRequest::builder()
                    .function("f".parse().unwrap())
                    .principal("has space")
                    .statement_id("s")
                    .build()
                    .unwrap_err()
            ),
            "principal"
        );
        let rm = RemovePermissionRequest::builder()
            .function("f".parse().unwrap())
            .statement_id("bad id")
            .build();
        assert_eq!(field_of(rm.unwrap_err()), "statement_id");
    }
}
