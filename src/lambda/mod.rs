//! AWS Lambda: functions (zip packages), versions, aliases with weighted routing, invocation
//! and resource-based permissions.
//!
//! The [`Lambda`] trait is implemented by [`SdkLambda`](sdk::SdkLambda) (feature `lambda`), by
//! the simulator ([`SimCloud`](crate::sim::SimCloud)), by any
//! [`Layered`](crate::layer::Layered) wrapper, and by `MockLambda` (feature `mock`).
//!
//! Environment variable values never appear in `Debug` output or serde output ([`Environment`]
//! holds them as [`SecretString`](crate::SecretString)s); zip packages and invocation payloads show their length and
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
//!     .zip(b"PK\x03\x04 a zip".to_vec())
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

mod aliases;
mod ext;
mod functions;
mod invoke;
mod layers;
mod permissions;
#[cfg(feature = "lambda")]
pub mod sdk;
mod urls;

pub use aliases::*;
pub use ext::LambdaExt;
pub use functions::*;
pub use invoke::*;
pub use layers::*;
pub use permissions::*;
pub use urls::*;

use bytes::Bytes;

use crate::Tags;
use crate::error::{Error, Result, Service};
use crate::id::{AliasName, Arn, FunctionName, LayerName};
use crate::macros::service_trait;
use crate::page::{Page, PageRequest};
use crate::validate;

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
        /// Adds tags to a function (a key it has is given the new value), by its unqualified
        /// ARN as [`list_tags`](Lambda::list_tags); tags are checked against [`TAG_RULES`]
        /// before any request is sent.
        fn tag_resource(arn: Arn, tags: Tags) -> () = "TagResource" => "lambda:TagResource";
        /// Removes tags from a function by key (a key it does not have is ignored); `keys` must
        /// not be empty.
        fn untag_resource(arn: Arn, keys: Vec<String>) -> () = "UntagResource" => "lambda:UntagResource";
        /// Reserves `reserved` concurrent executions for the function (0 throttles every
        /// invocation: `TooManyRequestsException`). AWS refuses a reservation that leaves the
        /// account fewer than 100 unreserved executions (`InvalidParameterValueException`).
        fn put_function_concurrency(name: FunctionName, reserved: u32) -> () = "PutFunctionConcurrency" => "lambda:PutFunctionConcurrency";
        /// The function's reserved concurrency, `None` if it has none.
        fn get_function_concurrency(name: FunctionName) -> Option<u32> = "GetFunctionConcurrency" => "lambda:GetFunctionConcurrency";
        /// Removes the function's reserved concurrency (it then uses the unreserved pool).
        fn delete_function_concurrency(name: FunctionName) -> () = "DeleteFunctionConcurrency" => "lambda:DeleteFunctionConcurrency";
        /// Creates a function URL (an HTTPS endpoint) for the function or one of its aliases.
        /// IAM-authenticated unless the request says [`FunctionUrlAuthType::None`], which makes
        /// **a public endpoint**. A second URL for the same qualifier is a conflict.
        fn create_function_url_config(req: FunctionUrlRequest) -> FunctionUrlConfig = "CreateFunctionUrlConfig" => "lambda:CreateFunctionUrlConfig";
        /// The function URL of the function (or of its alias `qualifier`).
        fn get_function_url_config(function: FunctionName, qualifier: Option<String>) -> FunctionUrlConfig = "GetFunctionUrlConfig" => "lambda:GetFunctionUrlConfig";
        /// Replaces a function URL's settings (auth type, CORS, invoke mode); the URL stays.
        fn update_function_url_config(req: FunctionUrlRequest) -> FunctionUrlConfig = "UpdateFunctionUrlConfig" => "lambda:UpdateFunctionUrlConfig";
        /// Deletes a function URL (it cannot be got back: a new one has another address).
        fn delete_function_url_config(function: FunctionName, qualifier: Option<String>) -> () = "DeleteFunctionUrlConfig" => "lambda:DeleteFunctionUrlConfig";
        /// Publishes a new version of a layer from a zip archive (the first version creates the
        /// layer); versions are numbered 1, 2, ... and never reused.
        fn publish_layer_version(req: PublishLayerVersionRequest) -> LayerVersion = "PublishLayerVersion" => "lambda:PublishLayerVersion";
        /// One version of a layer; a deleted or unknown one is `ResourceNotFoundException`.
        fn get_layer_version(layer: LayerName, version: u64) -> LayerVersion = "GetLayerVersion" => "lambda:GetLayerVersion";
        /// Every version of a layer, newest first (none for a layer that does not exist).
        fn list_layer_versions(layer: LayerName) -> Vec<LayerVersion> = "ListLayerVersions" => "lambda:ListLayerVersions";
        /// Deletes a layer version: it can no longer be added to functions, but the functions
        /// that use it keep it. Deleting a version that does not exist succeeds (AWS answers
        /// 204 either way).
        fn delete_layer_version(layer: LayerName, version: u64) -> () = "DeleteLayerVersion" => "lambda:DeleteLayerVersion";
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

/// Checks the tags of TagResource: the rules of [`TAG_RULES`] (model shapes `Tags`, `TagKey`,
/// `TagValue`), and at least one tag (a TagResource without tags changes nothing).
#[cfg(any(feature = "lambda", feature = "sim"))]
pub(crate) fn check_tags(tags: &Tags) -> Result<()> {
    if tags.is_empty() {
        return Err(Error::validation("tags", "at least one tag"));
    }
    validate::tags_with("tags", tags, TAG_RULES)
}

/// Checks the keys of UntagResource (`TagKeyList` of `TagKey`: 1-128 characters of
/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`), and at least one key.
#[cfg(any(feature = "lambda", feature = "sim"))]
pub(crate) fn check_tag_keys(keys: &[String]) -> Result<()> {
    if keys.is_empty() {
        return Err(Error::validation("keys", "at least one tag key"));
    }
    for k in keys {
        if k.is_empty() || k.chars().count() > TAG_RULES.max_key_chars {
            return Err(Error::validation(
                "keys",
                format!("tag key {k:?} must be 1 to {} characters", TAG_RULES.max_key_chars),
            ));
        }
        if !k.chars().all(validate::is_tag_char) {
            return Err(Error::validation(
                "keys",
                format!("tag key {k:?} may hold only letters, numbers, spaces and _ . : / = + - @"),
            ));
        }
    }
    Ok(())
}

/// The largest reserved concurrency the API carries: `ReservedConcurrentExecutions` is an
/// integer (min 0) that the SDKs hold as an `i32`.
pub const MAX_RESERVED_CONCURRENCY: u32 = i32::MAX as u32;

/// Checks PutFunctionConcurrency `ReservedConcurrentExecutions` (min 0, an `i32`).
#[cfg(any(feature = "lambda", feature = "sim"))]
pub(crate) fn check_reserved(reserved: u32) -> Result<()> {
    if reserved > MAX_RESERVED_CONCURRENCY {
        return Err(Error::validation(
            "reserved",
            format!("at most {MAX_RESERVED_CONCURRENCY} (got {reserved})"),
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Validate;

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
        functions::create_function_request_builder::SetZip<
            functions::create_function_request_builder::SetRole<
                functions::create_function_request_builder::SetRuntime<
                    functions::create_function_request_builder::SetName,
                >,
            >,
        >,
    > {
        CreateFunctionRequest::builder()
            .name("fn-1".parse().unwrap())
            .runtime("python3.13")
            .role(role())
            .zip(b"PK\x03\x04rest".to_vec())
    }

    #[test]
    fn vpc_storage_and_dead_letter_rules() {
        let base = || {
            CreateFunctionRequest::builder()
                .name("f".parse().unwrap())
                .runtime("provided.al2023")
                .role("arn:aws:iam::123456789012:role/r".parse().unwrap())
                .zip(b"PK\x03\x04zip".to_vec())
        };
        let field = |e: Error| match e {
            Error::Validation { field, .. } => field,
            other => panic!("{other:?}"),
        };
        assert!(base().ephemeral_storage_mb(512).build().is_ok());
        assert!(
            base().ephemeral_storage_mb(32_768).build().is_ok(),
            "the model's maximum"
        );
        for bad in [511, 32_769] {
            assert_eq!(
                field(base().ephemeral_storage_mb(bad).build().unwrap_err()),
                "ephemeral_storage_mb"
            );
        }
        let sns: Arn = "arn:aws:sns:us-east-1:123456789012:t".parse().unwrap();
        assert!(base().dead_letter_target_arn(sns).build().is_ok());
        let s3: Arn = "arn:aws:s3:::bucket".parse().unwrap();
        assert_eq!(
            field(base().dead_letter_target_arn(s3).build().unwrap_err()),
            "dead_letter_target_arn"
        );
        let subnets = (0..17).map(|i| format!("subnet-{i:017x}").parse().unwrap()).collect();
        let vpc = VpcConfig {
            subnet_ids: subnets,
            ..Default::default()
        };
        assert_eq!(
            field(base().vpc_config(vpc).build().unwrap_err()),
            "vpc_config.subnet_ids"
        );
        let groups = (0..6).map(|i| format!("sg-{i:017x}").parse().unwrap()).collect();
        let vpc = VpcConfig {
            security_group_ids: groups,
            ..Default::default()
        };
        let upd = UpdateFunctionConfigurationRequest::builder()
            .name("f".parse().unwrap())
            .vpc_config(vpc)
            .build();
        assert_eq!(field(upd.unwrap_err()), "vpc_config.security_group_ids");
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
            field_of(check(|r| r.zip = Bytes::from_static(b"not a zip")).unwrap_err()),
            "zip"
        );
        let mut big = b"PK\x03\x04".to_vec();
        big.resize(MAX_ZIP_BYTES + 1, 0);
        assert_eq!(field_of(check(|r| r.zip = Bytes::from(big)).unwrap_err()), "zip");
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
        req.zip = zip.clone();
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
            vpc_config: None,
            vpc_id: None,
            ephemeral_storage_mb: 512,
            dead_letter_target_arn: None,
            layers: vec![],
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
