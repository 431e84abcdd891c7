//! AWS Lambda in its REST-JSON protocol (Lambda API reference; botocore model
//! `lambda/2015-03-31`): paths under an API version date (`/2015-03-31/functions/...`,
//! `/2017-03-31/tags/...`, `/2017-10-31/` and `/2019-09-30/` concurrency, `/2018-10-31/layers/...`,
//! `/2021-10-31/functions/.../url`), JSON bodies with the model's member names, zip packages as
//! base64 `ZipFile`s, `LastModified` as `2024-01-01T00:00:00.000+0000`, errors as
//! `x-amzn-ErrorType` plus a JSON `Message` with the model's HTTP status.
//!
//! Served: every operation of the crate's [`Lambda`] trait (CreateFunction,
//! GetFunctionConfiguration, UpdateFunctionCode, UpdateFunctionConfiguration, PublishVersion,
//! ListVersionsByFunction, Create/Update/Get/List/DeleteAlias, Invoke, AddPermission,
//! RemovePermission, GetPolicy, DeleteFunction, ListFunctions, ListTags, TagResource,
//! UntagResource, Put/Get/DeleteFunctionConcurrency, Create/Get/Update/DeleteFunctionUrlConfig,
//! PublishLayerVersion, GetLayerVersion, ListLayerVersions, DeleteLayerVersion), plus
//! GetFunction (configuration, code location, tags and reserved concurrency), which raw SDK
//! users and the SDK's waiters (`wait_until_function_active_v2`, `function_updated_v2`) call.
//! A function is named by its name, `NAME:QUALIFIER`, a partial ARN
//! (`ACCOUNT:function:NAME`) or its ARN, as Lambda accepts.
//!
//! **Invoking a function with no Rust handler** ([`SimCloud::register_handler`]) runs a
//! built-in echo handler (once a simulator is on the wire, also through the traits): the response payload is the request's JSON event (re-encoded
//! compactly, keys in order), and the log tail (`X-Amz-Log-Type: Tail`) says that the echo
//! handler ran. A registered handler runs as it does through the trait; its error is a function
//! error (`X-Amz-Function-Error: Unhandled`, status 200).
//!
//! Known differences from AWS:
//! - Code only as `ZipFile` (no S3 object, no container image); `Code.Location` and a layer's
//!   `Content.Location` are `https://sim.invalid/...` addresses that serve nothing.
//! - Request members the crate does not model are ignored (KMSKeyArn, TracingConfig,
//!   LoggingConfig, FileSystemConfigs, SnapStart, ...; AddPermission's EventSourceToken,
//!   PrincipalOrgID and FunctionUrlAuthType, which are then not conditions of the statement;
//!   UpdateFunctionCode's Architectures), and answers leave out the members the crate does not
//!   keep (StateReasonCode, TracingConfig, LoggingConfig, GetPolicy's RevisionId, a function
//!   URL's LastModifiedTime, ...).
//! - RevisionId preconditions are checked for UpdateFunctionCode, UpdateFunctionConfiguration,
//!   PublishVersion and UpdateAlias, not for the policy operations.
//! - A `DeadLetterConfig` with an empty `TargetArn` in UpdateFunctionConfiguration (AWS: remove
//!   it) leaves the target as it is.
//! - Request bodies over the front end's limit (1 MiB) are refused with `413`; Lambda takes
//!   6 MB payloads and 50 MB zip packages.
//! - DeleteFunction answers `204` (as Lambda does; the current model says `200`).

use std::collections::BTreeMap;
use std::time::SystemTime;

use base64::Engine;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::{Front, WireRequest, WireResponse, error_from, error_response};
use crate::Tags;
use crate::error::{Error, Result};
use crate::id::{AliasName, Arn, FunctionName, LayerName, LayerVersionArn};
use crate::lambda::*;
use crate::page::{Page, PageRequest};

/// The HTTP status of each Lambda error type (the model's `httpStatusCode`).
fn status_of(code: &str) -> u16 {
    match code {
        "InvalidParameterValueException"
        | "InvalidRequestContentException"
        | "AliasLimitExceededException"
        | "CodeStorageExceededException"
        | "CodeVerificationFailedException"
        | "InvalidCodeSignatureException"
        | "PolicyLengthExceededException"
        | "PublicPolicyException"
        | "RecursiveInvocationException"
        | "ModeNotSupportedException"
        | "NoPublishedVersionException"
        | "SnapStartException" => 400,
        "ServiceQuotaExceededException" => 402,
        "AccessDeniedException" | "EFSMountFailureException" => 403,
        "ResourceNotFoundException" | "CodeSigningConfigNotFoundException" | "UnknownOperationException" => 404,
        "EFSMountConnectivityException" | "EFSMountTimeoutException" | "SnapStartTimeoutException" => 408,
        "ResourceConflictException"
        | "ResourceInUseException"
        | "SnapStartNotReadyException"
        | "CodeArtifactUserPendingException" => 409,
        "EFSIOException" => 410,
        "PreconditionFailedException" => 412,
        "RequestTooLargeException" => 413,
        "UnsupportedMediaTypeException" => 415,
        "TooManyRequestsException" => 429,
        "ResourceNotReadyException"
        | "EC2AccessDeniedException"
        | "EC2ThrottledException"
        | "EC2UnexpectedException"
        | "ENILimitReachedException"
        | "InvalidRuntimeException"
        | "InvalidSecurityGroupIDException"
        | "InvalidSubnetIDException"
        | "InvalidZipFileException"
        | "KMSAccessDeniedException"
        | "KMSDisabledException"
        | "KMSInvalidStateException"
        | "KMSNotFoundException"
        | "SubnetIPAddressLimitReachedException" => 502,
        // ServiceException, and codes Lambda does not have.
        _ => 500,
    }
}

pub(super) async fn serve(sim: &Front, req: &WireRequest) -> WireResponse {
    match dispatch(sim, req).await {
        Ok(r) => r,
        Err(e) => lambda_error(&e),
    }
}

/// The crate's error as Lambda answers it: Lambda has no `ValidationException`; a request the
/// crate's checks refuse is its `InvalidParameterValueException`.
fn lambda_error(e: &Error) -> WireResponse {
    match e {
        Error::Validation { field, rule } => error_response(400, INVALID, &format!("{field}: {rule}")),
        other => error_from(other, status_of),
    }
}

const INVALID: &str = "InvalidParameterValueException";

/// A malformed request: Lambda's `InvalidParameterValueException`.
fn bad(what: impl Into<String>) -> Error {
    Error::api(crate::Service::Lambda, INVALID, what.into())
}

fn api(code: &str, what: impl Into<String>) -> Error {
    Error::api(crate::Service::Lambda, code, what.into())
}

async fn dispatch(sim: &Front, req: &WireRequest) -> Result<WireResponse> {
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    match (req.method.as_str(), segments.as_slice()) {
        // Functions.
        ("POST", ["2015-03-31", "functions"]) => create_function(sim, req).await,
        ("GET", ["2015-03-31", "functions"]) => list_functions(sim, req).await,
        ("GET", ["2015-03-31", "functions", f]) => get_function(sim, req, f).await,
        ("DELETE", ["2015-03-31", "functions", f]) => delete_function(sim, req, f).await,
        ("GET", ["2015-03-31", "functions", f, "configuration"]) => get_configuration(sim, req, f).await,
        ("PUT", ["2015-03-31", "functions", f, "configuration"]) => update_configuration(sim, req, f).await,
        ("PUT", ["2015-03-31", "functions", f, "code"]) => update_code(sim, req, f).await,
        ("POST", ["2015-03-31", "functions", f, "versions"]) => publish_version(sim, req, f).await,
        ("GET", ["2015-03-31", "functions", f, "versions"]) => list_versions(sim, req, f).await,
        ("POST", ["2015-03-31", "functions", f, "invocations"]) => invoke(sim, req, f).await,
        // Aliases.
        ("POST", ["2015-03-31", "functions", f, "aliases"]) => create_alias(sim, req, f).await,
        ("GET", ["2015-03-31", "functions", f, "aliases"]) => list_aliases(sim, req, f).await,
        ("GET", ["2015-03-31", "functions", f, "aliases", a]) => get_alias(sim, f, a).await,
        ("PUT", ["2015-03-31", "functions", f, "aliases", a]) => update_alias(sim, req, f, a).await,
        ("DELETE", ["2015-03-31", "functions", f, "aliases", a]) => delete_alias(sim, f, a).await,
        // Resource-based policy.
        ("POST", ["2015-03-31", "functions", f, "policy"]) => add_permission(sim, req, f).await,
        ("GET", ["2015-03-31", "functions", f, "policy"]) => get_policy(sim, req, f).await,
        ("DELETE", ["2015-03-31", "functions", f, "policy", sid]) => remove_permission(sim, req, f, sid).await,
        // Tags.
        ("GET", ["2017-03-31", "tags", arn]) => list_tags(sim, arn).await,
        ("POST", ["2017-03-31", "tags", arn]) => tag_resource(sim, req, arn).await,
        ("DELETE", ["2017-03-31", "tags", arn]) => untag_resource(sim, req, arn).await,
        // Reserved concurrency.
        ("PUT", ["2017-10-31", "functions", f, "concurrency"]) => put_concurrency(sim, req, f).await,
        ("GET", ["2019-09-30", "functions", f, "concurrency"]) => get_concurrency(sim, f).await,
        ("DELETE", ["2017-10-31", "functions", f, "concurrency"]) => delete_concurrency(sim, f).await,
        // Function URLs.
        ("POST", ["2021-10-31", "functions", f, "url"]) => create_url(sim, req, f).await,
        ("GET", ["2021-10-31", "functions", f, "url"]) => get_url(sim, req, f).await,
        ("PUT", ["2021-10-31", "functions", f, "url"]) => update_url(sim, req, f).await,
        ("DELETE", ["2021-10-31", "functions", f, "url"]) => delete_url(sim, req, f).await,
        // Layers.
        ("POST", ["2018-10-31", "layers", l, "versions"]) => publish_layer(sim, req, l).await,
        ("GET", ["2018-10-31", "layers", l, "versions"]) => list_layer_versions(sim, req, l).await,
        ("GET", ["2018-10-31", "layers", l, "versions", v]) => get_layer(sim, l, v).await,
        ("DELETE", ["2018-10-31", "layers", l, "versions", v]) => delete_layer(sim, l, v).await,
        _ => Ok(super::unknown_operation(req)),
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// A JSON request body (an empty body is `{}`): its members, type-checked as they are read.
struct Body(Map<String, Value>);

fn body(req: &WireRequest) -> Result<Body> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Body(Map::new()));
    }
    match serde_json::from_slice(&req.body) {
        Ok(Value::Object(m)) => Ok(Body(m)),
        Ok(_) => Err(bad("the request body must be a JSON object")),
        Err(e) => Err(bad(format!("the request body is not JSON: {e}"))),
    }
}

impl Body {
    /// A member; `null` reads as absent.
    fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }

    fn has(&self, k: &str) -> bool {
        self.get(k).is_some()
    }

    fn str(&self, k: &str) -> Result<Option<String>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(format!("{k} must be a string"))),
        }
    }

    fn required_str(&self, k: &str) -> Result<String> {
        self.str(k)?.ok_or_else(|| bad(format!("{k} is required")))
    }

    fn bool(&self, k: &str) -> Result<Option<bool>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(bad(format!("{k} must be a boolean"))),
        }
    }

    fn u32(&self, k: &str) -> Result<Option<u32>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| bad(format!("{k} must be a whole number from 0 to {} (got {v})", u32::MAX))),
        }
    }

    fn strings(&self, k: &str) -> Result<Option<Vec<String>>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| bad(format!("{k} must be a list of strings")))
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(_) => Err(bad(format!("{k} must be a list of strings"))),
        }
    }

    fn string_map(&self, k: &str) -> Result<Option<BTreeMap<String, String>>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(key, v)| {
                    v.as_str()
                        .map(|s| (key.clone(), s.to_string()))
                        .ok_or_else(|| bad(format!("{k} must map strings to strings")))
                })
                .collect::<Result<BTreeMap<_, _>>>()
                .map(Some),
            Some(_) => Err(bad(format!("{k} must map strings to strings"))),
        }
    }

    fn object(&self, k: &str) -> Result<Option<Body>> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Body(m.clone()))),
            Some(_) => Err(bad(format!("{k} must be an object"))),
        }
    }

    /// A base64 member (a zip package).
    fn base64(&self, k: &str) -> Result<Option<Bytes>> {
        self.str(k)?
            .map(|s| {
                base64::engine::general_purpose::STANDARD
                    .decode(s.as_bytes())
                    .map(Bytes::from)
                    .map_err(|e| bad(format!("{k} is not base64: {e}")))
            })
            .transpose()
    }
}

fn parse<T: std::str::FromStr<Err = Error>>(s: &str) -> Result<T> {
    s.parse()
}

/// A `FunctionName` as Lambda takes it: `NAME`, `NAME:QUALIFIER`, `ACCOUNT:function:NAME[:Q]`
/// or `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q]`: the name and the qualifier it carries.
fn function_ref(sim: &Front, s: &str) -> Result<(FunctionName, Option<String>)> {
    let parts: Vec<&str> = s.split(':').collect();
    let (region, account, name, qualifier) = match parts.as_slice() {
        [name] => (None, None, *name, None),
        [name, q] => (None, None, *name, Some(*q)),
        [account, "function", name] => (None, Some(*account), *name, None),
        [account, "function", name, q] => (None, Some(*account), *name, Some(*q)),
        ["arn", _, "lambda", region, account, "function", name] => (Some(*region), Some(*account), *name, None),
        ["arn", _, "lambda", region, account, "function", name, q] => (Some(*region), Some(*account), *name, Some(*q)),
        _ => return Err(bad(format!("{s:?} is not a function name or function ARN"))),
    };
    let name: FunctionName = parse(name)?;
    let cfg = sim.config();
    if region.is_some_and(|r| r != cfg.region) || account.is_some_and(|a| a != cfg.account_id) {
        return Err(api(
            "ResourceNotFoundException",
            format!(
                "Function not found: {s} (the simulator is account {} in {})",
                cfg.account_id, cfg.region
            ),
        ));
    }
    Ok((name, qualifier.map(str::to_string)))
}

/// The function and its qualifier: the `Qualifier` query parameter or the one in the name
/// (they must agree when both are given).
fn qualified(sim: &Front, req: &WireRequest, f: &str) -> Result<(FunctionName, Option<String>)> {
    let (name, in_name) = function_ref(sim, f)?;
    let q = req.query("Qualifier").map(str::to_string);
    match (q, in_name) {
        (Some(a), Some(b)) if a != b => Err(bad(
            "The derived qualifier from the function name does not match the specified qualifier.",
        )),
        (a, b) => Ok((name, a.or(b))),
    }
}

/// A function named without a qualifier (the operations of `$LATEST` or the whole function).
fn unqualified(sim: &Front, f: &str) -> Result<FunctionName> {
    match function_ref(sim, f)? {
        (name, None) => Ok(name),
        (_, Some(q)) => Err(bad(format!(
            "this operation takes an unqualified function name (got qualifier {q:?})"
        ))),
    }
}

/// `Marker` and `MaxItems` (the model's bounds: 1 to `max`).
fn page_request(req: &WireRequest, max: u32) -> Result<PageRequest> {
    let mut page = PageRequest::first().token(req.query("Marker").map(str::to_string));
    if let Some(n) = req.query("MaxItems") {
        let n: u32 = n
            .parse()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| bad(format!("MaxItems must be a number from 1 to {max} (got {n:?})")))?;
        page = page.size(n);
    }
    Ok(page)
}

/// Pages a whole listing the trait returns at once (Lambda answers at most 50 a page).
fn page_of<T: Clone>(items: &[T], page: &PageRequest) -> Result<Page<T>> {
    crate::sim::page_of(items, page, 50, 50)
}

fn architectures(v: Option<Vec<String>>) -> Vec<Architecture> {
    v.unwrap_or_default()
        .iter()
        .map(|a| Architecture::from(a.as_str()))
        .collect()
}

fn environment(b: &Body) -> Result<Option<Environment>> {
    let Some(env) = b.object("Environment")? else {
        return Ok(None);
    };
    Ok(Some(env.string_map("Variables")?.unwrap_or_default().into()))
}

fn vpc_config(b: &Body) -> Result<Option<VpcConfig>> {
    let Some(v) = b.object("VpcConfig")? else {
        return Ok(None);
    };
    Ok(Some(VpcConfig {
        subnet_ids: v
            .strings("SubnetIds")?
            .unwrap_or_default()
            .iter()
            .map(|s| parse(s))
            .collect::<Result<_>>()?,
        security_group_ids: v
            .strings("SecurityGroupIds")?
            .unwrap_or_default()
            .iter()
            .map(|s| parse(s))
            .collect::<Result<_>>()?,
        ipv6_allowed_for_dual_stack: v.bool("Ipv6AllowedForDualStack")?.unwrap_or(false),
    }))
}

fn ephemeral_storage(b: &Body) -> Result<Option<u32>> {
    match b.object("EphemeralStorage")? {
        Some(e) => Ok(Some(
            e.u32("Size")?.ok_or_else(|| bad("EphemeralStorage.Size is required"))?,
        )),
        None => Ok(None),
    }
}

/// `DeadLetterConfig.TargetArn`; an empty one reads as none.
fn dead_letter(b: &Body) -> Result<Option<Arn>> {
    match b.object("DeadLetterConfig")? {
        Some(d) => d
            .str("TargetArn")?
            .filter(|a| !a.is_empty())
            .map(|a| parse(&a))
            .transpose(),
        None => Ok(None),
    }
}

fn layers(b: &Body) -> Result<Option<Vec<LayerVersionArn>>> {
    b.strings("Layers")?
        .map(|l| l.iter().map(|a| parse(a)).collect::<Result<Vec<_>>>())
        .transpose()
}

/// The code of CreateFunction (`Code`) or UpdateFunctionCode (the body itself): a `ZipFile`.
fn zip_file(code: &Body, what: &str) -> Result<Bytes> {
    for other in ["S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri"] {
        if code.has(other) {
            return Err(bad(format!(
                "{other}: the simulator takes code as a ZipFile only (no S3 object or image)"
            )));
        }
    }
    code.base64("ZipFile")?
        .ok_or_else(|| bad(format!("{what}ZipFile is required")))
}

fn routing(b: &Body) -> Result<Option<Option<AliasRouting>>> {
    let Some(r) = b.object("RoutingConfig")? else {
        return Ok(None);
    };
    let Some(weights) = r.get("AdditionalVersionWeights") else {
        return Ok(Some(None));
    };
    let Some(weights) = weights.as_object() else {
        return Err(bad(
            "RoutingConfig.AdditionalVersionWeights must map versions to weights",
        ));
    };
    let mut it = weights.iter();
    let first = it.next();
    if it.next().is_some() {
        return Err(bad("RoutingConfig routes to at most one additional version"));
    }
    first
        .map(|(v, w)| {
            w.as_f64()
                .map(|w| AliasRouting::new(v.clone(), w))
                .ok_or_else(|| bad("RoutingConfig.AdditionalVersionWeights must map versions to weights"))
        })
        .transpose()
        .map(Some)
}

fn auth_type(s: &str) -> Result<FunctionUrlAuthType> {
    match s {
        "AWS_IAM" => Ok(FunctionUrlAuthType::AwsIam),
        "NONE" => Ok(FunctionUrlAuthType::None),
        other => Err(bad(format!("AuthType must be AWS_IAM or NONE (got {other:?})"))),
    }
}

fn invoke_mode(s: &str) -> Result<InvokeMode> {
    match s {
        "BUFFERED" => Ok(InvokeMode::Buffered),
        "RESPONSE_STREAM" => Ok(InvokeMode::ResponseStream),
        other => Err(bad(format!(
            "InvokeMode must be BUFFERED or RESPONSE_STREAM (got {other:?})"
        ))),
    }
}

/// `Cors`: absent (`None`), empty (`Some(None)`: no CORS) or given.
fn cors(b: &Body) -> Result<Option<Option<Cors>>> {
    let Some(c) = b.object("Cors")? else {
        return Ok(None);
    };
    let cors = Cors {
        allow_credentials: c.bool("AllowCredentials")?.unwrap_or(false),
        allow_headers: c.strings("AllowHeaders")?.unwrap_or_default(),
        allow_methods: c.strings("AllowMethods")?.unwrap_or_default(),
        allow_origins: c.strings("AllowOrigins")?.unwrap_or_default(),
        expose_headers: c.strings("ExposeHeaders")?.unwrap_or_default(),
        max_age_secs: c.u32("MaxAge")?,
    };
    Ok(Some((cors != Cors::default()).then_some(cors)))
}

/// The function's unqualified ARN (what ListTags takes).
fn function_arn(sim: &Front, name: &FunctionName) -> Result<Arn> {
    let cfg = sim.config();
    format!("arn:aws:lambda:{}:{}:function:{name}", cfg.region, cfg.account_id).parse()
}

/// A RevisionId precondition: `current` must be `expected`, if one is given.
fn check_revision(expected: Option<&str>, current: Option<&str>) -> Result<()> {
    match expected {
        Some(e) if Some(e) != current => Err(api(
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// Lambda's timestamp format: `2024-01-01T00:00:00.000+0000`.
fn timestamp(t: SystemTime) -> String {
    crate::sim::millis_timestamp(t)
}

/// A `FunctionConfiguration` as Lambda writes it.
fn config_json(c: &FunctionConfiguration) -> Value {
    // Every field by name: a new one cannot be left out unnoticed.
    let FunctionConfiguration {
        name,
        arn,
        runtime,
        role,
        handler,
        code_sha256,
        code_size,
        description,
        timeout_secs,
        memory_mb,
        environment,
        architectures,
        version,
        state,
        state_reason,
        last_update_status,
        revision_id,
        last_modified,
        vpc_config,
        vpc_id,
        ephemeral_storage_mb,
        dead_letter_target_arn,
        layers,
    } = c;
    let mut out = json!({
        "FunctionName": name.as_str(),
        "FunctionArn": arn.as_str(),
        "Role": role.as_str(),
        "CodeSha256": code_sha256,
        "CodeSize": code_size,
        "Description": description,
        "Timeout": timeout_secs,
        "MemorySize": memory_mb,
        "Version": version,
        "State": state.as_str(),
        "LastUpdateStatus": last_update_status.as_str(),
        "Architectures": architectures.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "EphemeralStorage": {"Size": ephemeral_storage_mb},
        "PackageType": "Zip",
    });
    if !runtime.is_empty() {
        out["Runtime"] = json!(runtime);
    }
    if let Some(h) = handler {
        out["Handler"] = json!(h);
    }
    if let Some(r) = state_reason {
        out["StateReason"] = json!(r);
    }
    if let Some(r) = revision_id {
        out["RevisionId"] = json!(r);
    }
    if let Some(t) = last_modified {
        out["LastModified"] = json!(timestamp(*t));
    }
    if !environment.is_empty() {
        let vars: Map<String, Value> = environment
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v.expose_secret())))
            .collect();
        out["Environment"] = json!({"Variables": vars});
    }
    if let Some(v) = vpc_config {
        out["VpcConfig"] = json!({
            "SubnetIds": v.subnet_ids.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "SecurityGroupIds": v.security_group_ids.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "VpcId": vpc_id.clone().unwrap_or_default(),
            "Ipv6AllowedForDualStack": v.ipv6_allowed_for_dual_stack,
        });
    }
    if let Some(d) = dead_letter_target_arn {
        out["DeadLetterConfig"] = json!({"TargetArn": d.as_str()});
    }
    if !layers.is_empty() {
        out["Layers"] = layers
            .iter()
            .map(|l| json!({"Arn": l.arn.as_str(), "CodeSize": l.code_size}))
            .collect();
    }
    out
}

fn alias_json(a: &Alias) -> Value {
    let mut out = json!({
        "AliasArn": a.arn.as_str(),
        "Name": a.name.as_str(),
        "FunctionVersion": a.function_version,
        "Description": a.description,
    });
    if let Some(r) = &a.revision_id {
        out["RevisionId"] = json!(r);
    }
    if let Some(r) = &a.routing {
        let mut weights = Map::new();
        weights.insert(r.version.clone(), json!(r.weight));
        out["RoutingConfig"] = json!({"AdditionalVersionWeights": weights});
    }
    out
}

/// A function URL's configuration (no `LastModifiedTime`: the crate does not keep it).
fn url_json(u: &FunctionUrlConfig) -> Value {
    let mut out = json!({
        "FunctionUrl": u.url,
        "FunctionArn": u.function_arn.as_str(),
        "AuthType": u.auth_type.as_str(),
        "InvokeMode": u.invoke_mode.as_str(),
    });
    if let Some(t) = u.created {
        out["CreationTime"] = json!(timestamp(t));
    }
    if let Some(c) = &u.cors {
        let mut cors = json!({
            "AllowCredentials": c.allow_credentials,
            "AllowHeaders": c.allow_headers,
            "AllowMethods": c.allow_methods,
            "AllowOrigins": c.allow_origins,
            "ExposeHeaders": c.expose_headers,
        });
        if let Some(a) = c.max_age_secs {
            cors["MaxAge"] = json!(a);
        }
        out["Cors"] = cors;
    }
    out
}

/// A layer version: with `Content` (PublishLayerVersion, GetLayerVersion) or as a
/// ListLayerVersions item (no content, no layer ARN).
fn layer_json(sim: &Front, l: &LayerVersion, content: bool) -> Value {
    let mut out = json!({
        "LayerVersionArn": l.layer_version_arn.as_str(),
        "Version": l.version,
        "Description": l.description,
        "CompatibleRuntimes": l.compatible_runtimes,
        "CompatibleArchitectures": l.compatible_architectures.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
    });
    if let Some(t) = l.created {
        out["CreatedDate"] = json!(timestamp(t));
    }
    if let Some(li) = &l.license_info {
        out["LicenseInfo"] = json!(li);
    }
    if content {
        out["LayerArn"] = json!(l.layer_arn);
        let name = l.layer_arn.rsplit(':').next().unwrap_or_default();
        out["Content"] = json!({
            "Location": format!(
                "https://sim.invalid/lambda/{}/layers/{name}/{}.zip",
                sim.config().account_id,
                l.version
            ),
            "CodeSha256": l.code_sha256,
            "CodeSize": l.code_size,
        });
    }
    out
}

fn empty(status: u16) -> WireResponse {
    WireResponse {
        status,
        headers: Vec::new(),
        body: Bytes::new(),
    }
}

fn with_next(mut out: Value, next: Option<String>) -> Value {
    if let Some(m) = next.filter(|m| !m.is_empty()) {
        out["NextMarker"] = json!(m);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Functions

async fn create_function(sim: &Front, req: &WireRequest) -> Result<WireResponse> {
    let b = body(req)?;
    if b.str("PackageType")?.is_some_and(|p| p != "Zip") {
        return Err(bad("PackageType: the simulator runs zip packages only"));
    }
    let code = b.object("Code")?.ok_or_else(|| bad("Code is required"))?;
    let request = CreateFunctionRequest {
        name: unqualified(sim, &b.required_str("FunctionName")?)?,
        runtime: b.str("Runtime")?.unwrap_or_default(),
        role: parse(&b.required_str("Role")?)?,
        handler: b.str("Handler")?,
        zip: zip_file(&code, "Code.")?,
        description: b.str("Description")?,
        timeout_secs: b.u32("Timeout")?.unwrap_or(3),
        memory_mb: b.u32("MemorySize")?.unwrap_or(128),
        environment: environment(&b)?.unwrap_or_default(),
        architectures: architectures(b.strings("Architectures")?),
        publish: b.bool("Publish")?.unwrap_or(false),
        tags: b.string_map("Tags")?.unwrap_or_default(),
        vpc_config: vpc_config(&b)?,
        ephemeral_storage_mb: ephemeral_storage(&b)?,
        dead_letter_target_arn: dead_letter(&b)?,
        layers: layers(&b)?.unwrap_or_default(),
    };
    let c = sim.create_function(request).await?;
    Ok(WireResponse::json(201, &config_json(&c)))
}

async fn get_configuration(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let (name, qualifier) = qualified(sim, req, f)?;
    let c = sim.get_function_configuration(name, qualifier).await?;
    Ok(WireResponse::json(200, &config_json(&c)))
}

/// GetFunction: the configuration, where the code is, the function's tags and its reserved
/// concurrency.
async fn get_function(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let (name, qualifier) = qualified(sim, req, f)?;
    let c = sim.get_function_configuration(name.clone(), qualifier).await?;
    let tags = sim.list_tags(function_arn(sim, &name)?).await?;
    let reserved = sim.get_function_concurrency(name.clone()).await?;
    let mut out = json!({
        "Configuration": config_json(&c),
        "Code": {
            "RepositoryType": "S3",
            // Where AWS answers a presigned S3 URL; the simulator serves no code.
            "Location": format!(
                "https://sim.invalid/lambda/{}/functions/{name}/{}.zip",
                sim.config().account_id,
                c.version
            ),
        },
        "Tags": tags,
    });
    if let Some(n) = reserved {
        out["Concurrency"] = json!({"ReservedConcurrentExecutions": n});
    }
    Ok(WireResponse::json(200, &out))
}

async fn update_code(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let name = unqualified(sim, f)?;
    let b = body(req)?;
    let request = UpdateFunctionCodeRequest {
        name: name.clone(),
        zip: zip_file(&b, "")?,
        publish: b.bool("Publish")?.unwrap_or(false),
    };
    let revision = b.str("RevisionId")?;
    let dry_run = b.bool("DryRun")?.unwrap_or(false);
    if revision.is_some() || dry_run {
        let current = sim.get_function_configuration(name, None).await?;
        check_revision(revision.as_deref(), current.revision_id.as_deref())?;
        if dry_run {
            crate::validate::Validate::validate(&request)?;
            return Ok(WireResponse::json(200, &config_json(&current)));
        }
    }
    let c = sim.update_function_code(request).await?;
    Ok(WireResponse::json(200, &config_json(&c)))
}

async fn update_configuration(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let name = unqualified(sim, f)?;
    let b = body(req)?;
    let request = UpdateFunctionConfigurationRequest {
        name: name.clone(),
        memory_mb: b.u32("MemorySize")?,
        timeout_secs: b.u32("Timeout")?,
        environment: environment(&b)?,
        handler: b.str("Handler")?,
        runtime: b.str("Runtime")?,
        description: b.str("Description")?,
        role: b.str("Role")?.map(|r| parse(&r)).transpose()?,
        vpc_config: vpc_config(&b)?,
        ephemeral_storage_mb: ephemeral_storage(&b)?,
        dead_letter_target_arn: dead_letter(&b)?,
        layers: layers(&b)?,
    };
    if let Some(r) = b.str("RevisionId")? {
        let current = sim.get_function_configuration(name, None).await?;
        check_revision(Some(&r), current.revision_id.as_deref())?;
    }
    let c = sim.update_function_configuration(request).await?;
    Ok(WireResponse::json(200, &config_json(&c)))
}

async fn publish_version(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let b = body(req)?;
    let request = PublishVersionRequest {
        name: unqualified(sim, f)?,
        description: b.str("Description")?,
        code_sha256: b.str("CodeSha256")?,
        revision_id: b.str("RevisionId")?,
    };
    let c = sim.publish_version(request).await?;
    Ok(WireResponse::json(201, &config_json(&c)))
}

async fn list_versions(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let page = sim
        .list_versions_page(unqualified(sim, f)?, page_request(req, 10_000)?)
        .await?;
    let out = json!({"Versions": page.items.iter().map(config_json).collect::<Vec<_>>()});
    Ok(WireResponse::json(200, &with_next(out, page.next_token)))
}

async fn list_functions(sim: &Front, req: &WireRequest) -> Result<WireResponse> {
    let page_req = page_request(req, 10_000)?;
    // (`MasterRegion`, for Lambda@Edge replicas, is not modelled: there are none.)
    let page = match req.query("FunctionVersion") {
        None => sim.list_functions_page(page_req).await?,
        Some("ALL") => {
            let mut all = Vec::new();
            for f in sim.list_functions().await? {
                all.extend(sim.list_versions(f.name).await?);
            }
            page_of(&all, &page_req)?
        }
        Some(other) => return Err(bad(format!("FunctionVersion must be ALL (got {other:?})"))),
    };
    let out = json!({"Functions": page.items.iter().map(config_json).collect::<Vec<_>>()});
    Ok(WireResponse::json(200, &with_next(out, page.next_token)))
}

async fn delete_function(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let (name, qualifier) = qualified(sim, req, f)?;
    sim.delete_function(name, qualifier).await?;
    Ok(empty(204))
}

// ---------------------------------------------------------------------------------------------
// Invoke

async fn invoke(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let (name, qualifier) = qualified(sim, req, f)?;
    let invocation_type = match req.header("x-amz-invocation-type") {
        None | Some("RequestResponse") => InvocationType::RequestResponse,
        Some("Event") => InvocationType::Event,
        Some("DryRun") => InvocationType::DryRun,
        Some(other) => {
            return Err(bad(format!(
                "InvocationType must be RequestResponse, Event or DryRun (got {other:?})"
            )));
        }
    };
    let tail = match req.header("x-amz-log-type") {
        None | Some("None") => false,
        Some("Tail") => true,
        Some(other) => return Err(bad(format!("LogType must be None or Tail (got {other:?})"))),
    };
    let request = InvokeRequest {
        function: name.clone(),
        qualifier,
        payload: req.body.clone(),
        invocation_type,
        // Lambda returns a log only for synchronous invocations (and ignores Tail otherwise).
        log_tail: tail && invocation_type == InvocationType::RequestResponse,
    };
    // A function with no registered handler runs the echo fallback (`Front::new` turned it
    // on): through the trait, so the wire's layers see the call.
    let out = sim.invoke(request).await?;
    let mut headers = Vec::new();
    if !out.payload.is_empty() {
        headers.push(("content-type", "application/json".to_string()));
    }
    if let Some(v) = out.executed_version {
        headers.push(("x-amz-executed-version", v));
    }
    if let Some(e) = out.function_error {
        headers.push(("x-amz-function-error", e));
    }
    if let Some(log) = out.log_tail {
        headers.push((
            "x-amz-log-result",
            base64::engine::general_purpose::STANDARD.encode(log.as_bytes()),
        ));
    }
    Ok(WireResponse {
        status: out.status_code,
        headers,
        body: out.payload,
    })
}

// ---------------------------------------------------------------------------------------------
// Aliases

async fn create_alias(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let b = body(req)?;
    let request = AliasRequest {
        function: unqualified(sim, f)?,
        name: parse(&b.required_str("Name")?)?,
        version: b.required_str("FunctionVersion")?,
        description: b.str("Description")?,
        routing: routing(&b)?.flatten(),
    };
    let a = sim.create_alias(request).await?;
    Ok(WireResponse::json(201, &alias_json(&a)))
}

/// UpdateAlias: a member left out keeps the alias's value (FunctionVersion, RoutingConfig,
/// Description), as on AWS; an empty `AdditionalVersionWeights` removes the routing.
async fn update_alias(sim: &Front, req: &WireRequest, f: &str, a: &str) -> Result<WireResponse> {
    let function = unqualified(sim, f)?;
    let name: AliasName = parse(a)?;
    let b = body(req)?;
    let version = b.str("FunctionVersion")?;
    let new_routing = routing(&b)?;
    let revision = b.str("RevisionId")?;
    let (version, routing) = match (version, new_routing) {
        (Some(v), Some(r)) if revision.is_none() => (v, r),
        (v, r) => {
            let current = sim.get_alias(function.clone(), name.clone()).await?;
            check_revision(revision.as_deref(), current.revision_id.as_deref())?;
            (v.unwrap_or(current.function_version), r.unwrap_or(current.routing))
        }
    };
    let request = AliasRequest {
        function,
        name,
        version,
        description: b.str("Description")?,
        routing,
    };
    let a = sim.update_alias(request).await?;
    Ok(WireResponse::json(200, &alias_json(&a)))
}

async fn get_alias(sim: &Front, f: &str, a: &str) -> Result<WireResponse> {
    let alias = sim.get_alias(unqualified(sim, f)?, parse(a)?).await?;
    Ok(WireResponse::json(200, &alias_json(&alias)))
}

async fn list_aliases(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let page_req = page_request(req, 10_000)?;
    let mut all = sim.list_aliases(unqualified(sim, f)?).await?;
    if let Some(v) = req.query("FunctionVersion") {
        all.retain(|a| a.function_version == v);
    }
    let page = page_of(&all, &page_req)?;
    let out = json!({"Aliases": page.items.iter().map(alias_json).collect::<Vec<_>>()});
    Ok(WireResponse::json(200, &with_next(out, page.next_token)))
}

async fn delete_alias(sim: &Front, f: &str, a: &str) -> Result<WireResponse> {
    sim.delete_alias(unqualified(sim, f)?, parse(a)?).await?;
    Ok(empty(204))
}

// ---------------------------------------------------------------------------------------------
// Permissions

async fn add_permission(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let (function, qualifier) = qualified(sim, req, f)?;
    let b = body(req)?;
    let sid = b.required_str("StatementId")?;
    let request = AddPermissionRequest {
        function: function.clone(),
        qualifier: qualifier.clone(),
        statement_id: sid.clone(),
        action: b.required_str("Action")?,
        principal: b.required_str("Principal")?,
        source_arn: b.str("SourceArn")?.map(|a| parse(&a)).transpose()?,
        source_account: b.str("SourceAccount")?,
    };
    sim.add_permission(request).await?;
    // AWS answers the statement it added, as a JSON string: read back from the policy.
    let policy = sim.get_policy(function, qualifier).await?;
    let statement = serde_json::from_str::<Value>(&policy)
        .ok()
        .and_then(|p| {
            p.get("Statement")?
                .as_array()?
                .iter()
                .find(|s| s.get("Sid").and_then(Value::as_str) == Some(sid.as_str()))
                .cloned()
        })
        .unwrap_or_else(|| json!({"Sid": sid}));
    Ok(WireResponse::json(201, &json!({"Statement": statement.to_string()})))
}

async fn remove_permission(sim: &Front, req: &WireRequest, f: &str, sid: &str) -> Result<WireResponse> {
    let (function, qualifier) = qualified(sim, req, f)?;
    sim.remove_permission(RemovePermissionRequest {
        function,
        statement_id: sid.to_string(),
        qualifier,
    })
    .await?;
    Ok(empty(204))
}

async fn get_policy(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let (function, qualifier) = qualified(sim, req, f)?;
    let policy = sim.get_policy(function, qualifier).await?;
    Ok(WireResponse::json(200, &json!({"Policy": policy})))
}

// ---------------------------------------------------------------------------------------------
// Tags

async fn list_tags(sim: &Front, arn: &str) -> Result<WireResponse> {
    let tags = sim.list_tags(parse(arn)?).await?;
    Ok(WireResponse::json(200, &json!({"Tags": tags})))
}

async fn tag_resource(sim: &Front, req: &WireRequest, arn: &str) -> Result<WireResponse> {
    let b = body(req)?;
    let tags: Tags = b.string_map("Tags")?.ok_or_else(|| bad("Tags is required"))?;
    sim.tag_resource(parse(arn)?, tags).await?;
    Ok(empty(204))
}

async fn untag_resource(sim: &Front, req: &WireRequest, arn: &str) -> Result<WireResponse> {
    let keys: Vec<String> = req
        .query
        .iter()
        .filter(|(k, _)| k == "tagKeys")
        .map(|(_, v)| v.clone())
        .collect();
    sim.untag_resource(parse(arn)?, keys).await?;
    Ok(empty(204))
}

// ---------------------------------------------------------------------------------------------
// Reserved concurrency

async fn put_concurrency(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let b = body(req)?;
    let n = b
        .u32("ReservedConcurrentExecutions")?
        .ok_or_else(|| bad("ReservedConcurrentExecutions is required"))?;
    sim.put_function_concurrency(unqualified(sim, f)?, n).await?;
    Ok(WireResponse::json(200, &json!({"ReservedConcurrentExecutions": n})))
}

async fn get_concurrency(sim: &Front, f: &str) -> Result<WireResponse> {
    let out = match sim.get_function_concurrency(unqualified(sim, f)?).await? {
        Some(n) => json!({"ReservedConcurrentExecutions": n}),
        None => json!({}),
    };
    Ok(WireResponse::json(200, &out))
}

async fn delete_concurrency(sim: &Front, f: &str) -> Result<WireResponse> {
    sim.delete_function_concurrency(unqualified(sim, f)?).await?;
    Ok(empty(204))
}

// ---------------------------------------------------------------------------------------------
// Function URLs

async fn create_url(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let (function, qualifier) = qualified(sim, req, f)?;
    let b = body(req)?;
    let request = FunctionUrlRequest {
        function,
        qualifier,
        auth_type: auth_type(&b.required_str("AuthType")?)?,
        cors: cors(&b)?.flatten(),
        invoke_mode: b
            .str("InvokeMode")?
            .map(|m| invoke_mode(&m))
            .transpose()?
            .unwrap_or_default(),
    };
    let u = sim.create_function_url_config(request).await?;
    Ok(WireResponse::json(201, &url_json(&u)))
}

async fn get_url(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let (function, qualifier) = qualified(sim, req, f)?;
    let u = sim.get_function_url_config(function, qualifier).await?;
    Ok(WireResponse::json(200, &url_json(&u)))
}

/// UpdateFunctionUrlConfig: a member left out keeps the URL's value (AuthType, Cors,
/// InvokeMode), as on AWS.
async fn update_url(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let (function, qualifier) = qualified(sim, req, f)?;
    let b = body(req)?;
    let auth = b.str("AuthType")?.map(|a| auth_type(&a)).transpose()?;
    let mode = b.str("InvokeMode")?.map(|m| invoke_mode(&m)).transpose()?;
    let new_cors = cors(&b)?;
    let (auth_type, cors, invoke_mode) = match (auth, new_cors, mode) {
        (Some(a), Some(c), Some(m)) => (a, c, m),
        (a, c, m) => {
            let current = sim.get_function_url_config(function.clone(), qualifier.clone()).await?;
            (
                a.unwrap_or(current.auth_type),
                c.unwrap_or(current.cors),
                m.unwrap_or(current.invoke_mode),
            )
        }
    };
    let request = FunctionUrlRequest {
        function,
        qualifier,
        auth_type,
        cors,
        invoke_mode,
    };
    let u = sim.update_function_url_config(request).await?;
    Ok(WireResponse::json(200, &url_json(&u)))
}

async fn delete_url(sim: &Front, req: &WireRequest, f: &str) -> Result<WireResponse> {
    let (function, qualifier) = qualified(sim, req, f)?;
    sim.delete_function_url_config(function, qualifier).await?;
    Ok(empty(204))
}

// ---------------------------------------------------------------------------------------------
// Layers

fn layer_version(v: &str) -> Result<u64> {
    v.parse()
        .map_err(|_| bad(format!("VersionNumber must be a positive whole number (got {v:?})")))
}

async fn publish_layer(sim: &Front, req: &WireRequest, l: &str) -> Result<WireResponse> {
    let b = body(req)?;
    let content = b.object("Content")?.ok_or_else(|| bad("Content is required"))?;
    let request = PublishLayerVersionRequest {
        layer_name: parse::<LayerName>(l)?,
        zip: zip_file(&content, "Content.")?,
        description: b.str("Description")?,
        compatible_runtimes: b.strings("CompatibleRuntimes")?.unwrap_or_default(),
        compatible_architectures: architectures(b.strings("CompatibleArchitectures")?),
        license_info: b.str("LicenseInfo")?,
    };
    let v = sim.publish_layer_version(request).await?;
    Ok(WireResponse::json(201, &layer_json(sim, &v, true)))
}

async fn get_layer(sim: &Front, l: &str, v: &str) -> Result<WireResponse> {
    let version = sim.get_layer_version(parse(l)?, layer_version(v)?).await?;
    Ok(WireResponse::json(200, &layer_json(sim, &version, true)))
}

async fn list_layer_versions(sim: &Front, req: &WireRequest, l: &str) -> Result<WireResponse> {
    let page_req = page_request(req, 50)?;
    let mut all = sim.list_layer_versions(parse(l)?).await?;
    if let Some(r) = req.query("CompatibleRuntime") {
        all.retain(|v| v.compatible_runtimes.iter().any(|c| c == r));
    }
    if let Some(a) = req.query("CompatibleArchitecture") {
        all.retain(|v| v.compatible_architectures.iter().any(|c| c.as_str() == a));
    }
    let page = page_of(&all, &page_req)?;
    let items: Vec<Value> = page.items.iter().map(|v| layer_json(sim, v, false)).collect();
    Ok(WireResponse::json(
        200,
        &with_next(json!({"LayerVersions": items}), page.next_token),
    ))
}

async fn delete_layer(sim: &Front, l: &str, v: &str) -> Result<WireResponse> {
    sim.delete_layer_version(parse(l)?, layer_version(v)?).await?;
    Ok(empty(204))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, path: &str, query: &[(&str, &str)], body: &[u8]) -> WireRequest {
        WireRequest {
            method: method.into(),
            path: path.into(),
            query: query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            headers: Vec::new(),
            body: Bytes::copy_from_slice(body),
        }
    }

    fn code_of(r: &WireResponse) -> String {
        r.headers
            .iter()
            .find(|(k, _)| *k == "x-amzn-errortype")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    async fn function(sim: &Front) {
        let zip = base64::engine::general_purpose::STANDARD.encode(b"PK\x03\x04 a zip");
        let body = json!({
            "FunctionName": "fn-1",
            "Runtime": "provided.al2023",
            "Role": "arn:aws:iam::123456789012:role/exec",
            "Code": {"ZipFile": zip},
        });
        let r = serve(
            sim,
            &request("POST", "/2015-03-31/functions", &[], body.to_string().as_bytes()),
        )
        .await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    }

    #[test]
    fn timestamps_are_lambdas_format() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_704_164_645_123);
        assert_eq!(timestamp(t), "2024-01-02T03:04:05.123+0000");
        assert_eq!(timestamp(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00.000+0000");
    }

    #[tokio::test(start_paused = true)]
    async fn garbage_is_a_4xx_never_a_panic() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        function(&sim).await;
        let huge = "9".repeat(400);
        let zip_ok = base64::engine::general_purpose::STANDARD.encode(b"PK\x03\x04 a zip");
        let bodies: Vec<Vec<u8>> = vec![
            b"{".to_vec(),
            b"[]".to_vec(),
            b"null".to_vec(),
            b"\"str\"".to_vec(),
            b"\xff\xfe\x00".to_vec(),
            format!("{{\"MemorySize\": {huge}}}").into_bytes(),
            br#"{"MemorySize": -1, "Timeout": 1.5}"#.to_vec(),
            br#"{"MemorySize": 18446744073709551616}"#.to_vec(),
            br#"{"Timeout": "3"}"#.to_vec(),
            br#"{"FunctionName": 7, "Code": []}"#.to_vec(),
            br#"{"FunctionName": "fn-2", "Role": "arn:aws:iam::123456789012:role/x", "Code": {"ZipFile": "!!not base64!!"}}"#.to_vec(),
            format!(r#"{{"FunctionName": "fn-2", "Role": "r", "Code": {{"ZipFile": "{zip_ok}"}}}}"#).into_bytes(),
            br#"{"Environment": {"Variables": {"A": 1}}}"#.to_vec(),
            br#"{"Environment": "x", "VpcConfig": {"SubnetIds": ["nope"]}}"#.to_vec(),
            br#"{"Tags": {"a": null}, "Layers": [1]}"#.to_vec(),
            br#"{"ReservedConcurrentExecutions": 99999999999}"#.to_vec(),
            br#"{"ReservedConcurrentExecutions": -5}"#.to_vec(),
            br#"{"Name": "123", "FunctionVersion": "x"}"#.to_vec(),
            br#"{"RoutingConfig": {"AdditionalVersionWeights": {"1": "half", "2": 0.1}}}"#.to_vec(),
            br#"{"AuthType": "MAYBE", "Cors": {"MaxAge": 1e300}}"#.to_vec(),
            br#"{"Content": {"ZipFile": "%%%"}, "CompatibleRuntimes": "python"}"#.to_vec(),
            br#"{"StatementId": "a b", "Action": "s3:*", "Principal": ""}"#.to_vec(),
            br#"{"ZipFile": "UEsDBA==", "S3Bucket": "b"}"#.to_vec(),
            br#"{"EphemeralStorage": {"Size": 1}, "DeadLetterConfig": {"TargetArn": 5}}"#.to_vec(),
        ];
        let routes: &[(&str, &str)] = &[
            ("POST", "/2015-03-31/functions"),
            ("PUT", "/2015-03-31/functions/fn-1/configuration"),
            ("PUT", "/2015-03-31/functions/fn-1/code"),
            ("POST", "/2015-03-31/functions/fn-1/versions"),
            ("POST", "/2015-03-31/functions/fn-1/aliases"),
            ("PUT", "/2015-03-31/functions/fn-1/aliases/live"),
            ("POST", "/2015-03-31/functions/fn-1/policy"),
            (
                "POST",
                "/2017-03-31/tags/arn:aws:lambda:us-east-1:123456789012:function:fn-1",
            ),
            ("PUT", "/2017-10-31/functions/fn-1/concurrency"),
            ("POST", "/2021-10-31/functions/fn-1/url"),
            ("PUT", "/2021-10-31/functions/fn-1/url"),
            ("POST", "/2018-10-31/layers/lib/versions"),
        ];
        for (method, path) in routes {
            for (i, b) in bodies.iter().enumerate() {
                let r = serve(&sim, &request(method, path, &[], b)).await;
                // The first five are not JSON objects: refused everywhere. The others are
                // refused where a member they get wrong is read (an operation ignores members
                // it does not take, as Lambda does), and never a server error.
                let refused = (400..500).contains(&r.status);
                assert!(
                    if i < 5 { refused } else { r.status < 500 },
                    "{method} {path} {:?}: {} {}",
                    String::from_utf8_lossy(b),
                    r.status,
                    String::from_utf8_lossy(&r.body)
                );
                if refused {
                    assert!(!code_of(&r).is_empty(), "{method} {path}: an error type");
                }
            }
        }
        // Each malformed member where it is read.
        let pairs: &[(&str, &str, &[u8])] = &[
            ("PUT", "/2015-03-31/functions/fn-1/configuration", br#"{"MemorySize": 1e999}"#),
            ("PUT", "/2015-03-31/functions/fn-1/configuration", br#"{"MemorySize": 4294967296}"#),
            ("PUT", "/2015-03-31/functions/fn-1/configuration", br#"{"Timeout": -3}"#),
            ("PUT", "/2015-03-31/functions/fn-1/configuration", br#"{"Environment": {"Variables": {"A": 1}}}"#),
            ("PUT", "/2015-03-31/functions/fn-1/configuration", br#"{"VpcConfig": {"SubnetIds": ["nope"]}}"#),
            ("PUT", "/2015-03-31/functions/fn-1/configuration", br#"{"Layers": [1]}"#),
            ("PUT", "/2015-03-31/functions/fn-1/code", br#"{"ZipFile": "!!not base64!!"}"#),
            ("PUT", "/2015-03-31/functions/fn-1/code", br#"{"ZipFile": "UEsDBA==", "S3Bucket": "b"}"#),
            ("POST", "/2015-03-31/functions/fn-1/aliases", br#"{"Name": "123", "FunctionVersion": "1"}"#),
            ("POST", "/2015-03-31/functions/fn-1/aliases", br#"{"Name": "a", "FunctionVersion": "$LATEST", "RoutingConfig": {"AdditionalVersionWeights": {"1": "half"}}}"#),
            ("POST", "/2015-03-31/functions/fn-1/policy", br#"{"StatementId": "a b", "Action": "s3:*", "Principal": "x"}"#),
            ("PUT", "/2017-10-31/functions/fn-1/concurrency", br#"{"ReservedConcurrentExecutions": 99999999999}"#),
            ("PUT", "/2017-10-31/functions/fn-1/concurrency", br#"{"ReservedConcurrentExecutions": -5}"#),
            ("POST", "/2021-10-31/functions/fn-1/url", br#"{"AuthType": "MAYBE"}"#),
            ("POST", "/2021-10-31/functions/fn-1/url", br#"{"AuthType": "NONE", "Cors": {"MaxAge": 1e300}}"#),
            ("POST", "/2018-10-31/layers/lib/versions", br#"{"Content": {"ZipFile": "%%%"}}"#),
            ("POST", "/2018-10-31/layers/lib/versions", br#"{"Content": {"ZipFile": "UEsDBA=="}, "CompatibleRuntimes": "python"}"#),
        ];
        for (method, path, b) in pairs {
            let r = serve(&sim, &request(method, path, &[], b)).await;
            assert_eq!(
                (r.status, code_of(&r).as_str()),
                (400, INVALID),
                "{method} {path} {}: {}",
                String::from_utf8_lossy(b),
                String::from_utf8_lossy(&r.body)
            );
        }
        // Wrong methods, unknown and odd paths, bad labels and query values.
        type Route<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
        let odd: &[Route] = &[
            ("PATCH", "/2015-03-31/functions", &[]),
            ("GET", "/2015-03-31/functions/fn-1/nothing", &[]),
            ("GET", "/2015-03-31/functions/", &[]),
            ("GET", "/2015-03-31/functions/a:b:c:d:e:f:g:h:i", &[]),
            ("GET", "/2015-03-31/functions/fn 1", &[]),
            ("GET", "/2015-03-31/functions/fn-1:1", &[("Qualifier", "2")]),
            (
                "GET",
                "/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn-1",
                &[],
            ),
            ("GET", "/2015-03-31/functions", &[("MaxItems", huge.as_str())]),
            ("GET", "/2015-03-31/functions", &[("MaxItems", "0")]),
            ("GET", "/2015-03-31/functions", &[("Marker", "garbage")]),
            ("GET", "/2015-03-31/functions", &[("FunctionVersion", "SOME")]),
            ("GET", "/2015-03-31/functions/fn-1/versions", &[("MaxItems", "-1")]),
            ("GET", "/2015-03-31/functions/fn-1/configuration", &[("Qualifier", "")]),
            ("GET", "/2015-03-31/functions/fn-1/aliases/123", &[]),
            ("GET", "/2018-10-31/layers/lib/versions/-1", &[]),
            ("GET", "/2018-10-31/layers/lib/versions/99999999999999999999999", &[]),
            ("DELETE", "/2018-10-31/layers/l%20b/versions/1", &[]),
            ("GET", "/2018-10-31/layers/lib/versions", &[("MaxItems", "51")]),
            ("GET", "/2017-03-31/tags/not-an-arn", &[]),
            (
                "DELETE",
                "/2017-03-31/tags/arn:aws:lambda:us-east-1:123456789012:function:fn-1",
                &[],
            ),
            ("GET", "/2019-09-30/functions/nope/concurrency", &[]),
            ("GET", "/1999-01-01/anything", &[]),
        ];
        for (method, path, query) in odd {
            let r = serve(&sim, &request(method, path, query, b"")).await;
            assert!(
                (400..500).contains(&r.status),
                "{method} {path} {query:?}: {} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            );
        }
        // Invoke with bad headers and a payload that is not JSON.
        for (h, v) in [("X-Amz-Invocation-Type", "Sometimes"), ("X-Amz-Log-Type", "Everything")] {
            let mut r = request("POST", "/2015-03-31/functions/fn-1/invocations", &[], b"{}");
            r.headers.push((h.into(), v.into()));
            let r = serve(&sim, &r).await;
            assert_eq!((r.status, code_of(&r).as_str()), (400, INVALID));
        }
        let r = serve(
            &sim,
            &request("POST", "/2015-03-31/functions/fn-1/invocations", &[], b"\xff{"),
        )
        .await;
        assert_eq!(
            (r.status, code_of(&r).as_str()),
            (400, "InvalidRequestContentException")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn errors_carry_the_models_status() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let r = serve(
            &sim,
            &request("GET", "/2015-03-31/functions/nope/configuration", &[], b""),
        )
        .await;
        assert_eq!((r.status, code_of(&r).as_str()), (404, "ResourceNotFoundException"));
        function(&sim).await;
        let zip = base64::engine::general_purpose::STANDARD.encode(b"PK\x03\x04 a zip");
        let body = json!({
            "FunctionName": "fn-1",
            "Runtime": "provided.al2023",
            "Role": "arn:aws:iam::123456789012:role/exec",
            "Code": {"ZipFile": zip},
        });
        let r = serve(
            &sim,
            &request("POST", "/2015-03-31/functions", &[], body.to_string().as_bytes()),
        )
        .await;
        assert_eq!((r.status, code_of(&r).as_str()), (409, "ResourceConflictException"));
        let r = serve(
            &sim,
            &request(
                "POST",
                "/2015-03-31/functions/fn-1/versions",
                &[],
                br#"{"RevisionId": "old"}"#,
            ),
        )
        .await;
        assert_eq!((r.status, code_of(&r).as_str()), (412, "PreconditionFailedException"));
        let r = serve(
            &sim,
            &request(
                "PUT",
                "/2017-10-31/functions/fn-1/concurrency",
                &[],
                br#"{"ReservedConcurrentExecutions": 0}"#,
            ),
        )
        .await;
        assert_eq!(r.status, 200);
        let r = serve(
            &sim,
            &request("POST", "/2015-03-31/functions/fn-1/invocations", &[], b"{}"),
        )
        .await;
        assert_eq!((r.status, code_of(&r).as_str()), (429, "TooManyRequestsException"));
        for (code, status) in [
            ("ResourceNotReadyException", 502),
            ("AccessDeniedException", 403),
            ("ServiceException", 500),
            ("InvalidRequestContentException", 400),
        ] {
            assert_eq!(status_of(code), status, "{code}");
        }
    }
}
