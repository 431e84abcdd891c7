//! Simulated Lambda: functions with the `Pending` → `Active` and `InProgress` → `Successful`
//! lifecycles, versions, aliases with seeded weighted routing, resource-based policies, and
//! invocation of Rust handlers registered with [`SimCloud::register_handler`].
//!
//! Differences from AWS, on purpose:
//! - Code is never run: the handler registered for the function name runs for every version
//!   and alias (it sees the version in [`Invocation::version`]). Invoking a function without a
//!   handler is an error with code `ResourceNotReadyException` whose message says to call
//!   `SimCloud::register_handler` (a RequestResponse or Event invocation; DryRun needs none).
//!   Once the simulator is served on the wire (`sim::wire`, feature `wire`: `http_client`,
//!   `sdk_config`, the HTTP server), such a function runs a built-in echo handler instead,
//!   whichever way it is invoked, so that any client can invoke it.
//! - `Event` invocations run the handler at once (before Invoke returns 202); function errors
//!   of asynchronous invocations are dropped, as there is no destination or retry.
//! - The payload must be JSON (an empty payload is `{}`), as Lambda requires.
//! - Layers exist only in the simulated account and region: a function naming another
//!   account's layer (shared or public on AWS) or an `awslayer` ARN is refused as a version
//!   that does not exist, and layer permissions (AddLayerVersionPermission) are not modelled.
use super::{Inventory, SimCloud, SimState};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::Tags;
use crate::error::{Error, Service};
use crate::id::{AliasName, Arn, FunctionName, LayerName, LayerVersionArn};
use crate::lambda::*;
use crate::page::{Page, PageRequest};
use crate::validate::Validate;

/// One invocation as a simulated handler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The function name.
    pub function: String,
    /// The version that runs (`$LATEST`, `1`, `2`, ...), after alias routing.
    pub version: String,
    /// The event.
    pub payload: serde_json::Value,
}

/// A Rust handler for a simulated Lambda function: the invocation in, a JSON result or an
/// error message out (an error becomes a function error, `Unhandled`).
pub type Handler = Arc<dyn Fn(&Invocation) -> Result<serde_json::Value, String> + Send + Sync>;

/// A published version: its configuration and code, frozen.
struct Published {
    config: FunctionConfiguration,
    #[allow(dead_code)]
    code: Bytes,
}

/// One statement of a resource-based policy.
#[derive(Clone)]
struct Statement {
    sid: String,
    action: String,
    principal: String,
    source_arn: Option<String>,
    source_account: Option<String>,
}

struct FunctionRec {
    latest: FunctionConfiguration,
    code: Bytes,
    /// `Pending` until this instant.
    pending_until: Option<Instant>,
    /// `LastUpdateStatus` is `InProgress` until this instant.
    updating_until: Option<Instant>,
    versions: BTreeMap<u64, Published>,
    /// The highest version number ever published (numbers are never reused).
    last_version: u64,
    aliases: BTreeMap<String, Alias>,
    /// Policies by qualifier (`""` for the unqualified function).
    policies: BTreeMap<String, Vec<Statement>>,
    /// The function's tags (from CreateFunction and TagResource; versions and aliases have
    /// none).
    tags: Tags,
    /// Reserved concurrency (PutFunctionConcurrency); `Some(0)` throttles every invocation.
    reserved: Option<u32>,
    /// Function URLs by qualifier (`""` for the unqualified function).
    urls: BTreeMap<String, FunctionUrlConfig>,
}

impl FunctionRec {
    fn settle(&mut self, now: Instant) {
        if self.pending_until.is_some_and(|t| now >= t) {
            self.pending_until = None;
            for c in std::iter::once(&mut self.latest).chain(self.versions.values_mut().map(|p| &mut p.config)) {
                c.state = FunctionState::Active;
                c.state_reason = None;
            }
        }
        if self.updating_until.is_some_and(|t| now >= t) {
            self.updating_until = None;
            self.latest.last_update_status = LastUpdateStatus::Successful;
        }
    }

    /// `ResourceConflictException` while the function is `Pending` or an update is in progress.
    fn ensure_changeable(&self) -> crate::Result<()> {
        let arn = &self.latest.arn;
        if self.latest.state == FunctionState::Pending {
            return Err(SimCloud::err(
                Service::Lambda,
                "ResourceConflictException",
                format!(
                    "The operation cannot be performed at this time. The function is currently in the following state: Pending (resource: {arn})"
                ),
            ));
        }
        if self.latest.last_update_status == LastUpdateStatus::InProgress {
            return Err(SimCloud::err(
                Service::Lambda,
                "ResourceConflictException",
                format!("The operation cannot be performed at this time. An update is in progress for resource: {arn}"),
            ));
        }
        Ok(())
    }

    /// The configuration a qualifier names, if it exists.
    fn resolve(&self, qualifier: Option<&str>) -> Option<&FunctionConfiguration> {
        match qualifier {
            None | Some("$LATEST") => Some(&self.latest),
            Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
                self.versions.get(&q.parse::<u64>().ok()?).map(|p| &p.config)
            }
            Some(alias) => {
                let a = self.aliases.get(alias)?;
                self.resolve(Some(a.function_version.as_str()))
            }
        }
    }

    fn has_version(&self, v: &str) -> bool {
        v == "$LATEST" || v.parse::<u64>().is_ok_and(|n| self.versions.contains_key(&n))
    }
}

/// What happened when CloudWatch tried to invoke a function from an alarm action.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AlarmInvocation {
    /// The function ARN the alarm named.
    pub function_arn: String,
    /// Whether a handler ran.
    pub ran: bool,
    /// Why it did not run, or how it ended.
    pub detail: String,
}

/// A layer's versions, and the last number given (numbers are not reused after a delete).
#[derive(Default)]
struct LayerRec {
    last_version: u64,
    versions: BTreeMap<u64, LayerVersion>,
}

#[derive(Default)]
pub(crate) struct LambdaState {
    pub(crate) handlers: HashMap<String, Handler>,
    /// Set once the simulator is served on the wire (`sim::wire`): a function with no
    /// registered handler runs the built-in echo handler, whichever way it is invoked.
    pub(crate) echo_fallback: bool,
    functions: BTreeMap<String, FunctionRec>,
    layers: BTreeMap<String, LayerRec>,
    /// Every alarm-action invocation attempt, in order (denied ones included).
    pub(crate) alarm_invocations: Vec<AlarmInvocation>,
}

pub(crate) fn inventory(st: &mut SimState, now: Instant, inv: &mut Inventory) {
    for (name, rec) in st.lambda.functions.iter_mut() {
        rec.settle(now);
        inv.add("function", name.clone());
        for alias in rec.aliases.keys() {
            inv.add("alias", format!("{name}:{alias}"));
        }
    }
    for (name, layer) in &st.lambda.layers {
        for v in layer.versions.keys() {
            inv.add("layer version", format!("{name}:{v}"));
        }
    }
}

fn code_sha256(zip: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(zip))
}

/// A request-id-like UUID, deterministic per simulator.
fn new_uuid(st: &mut SimState) -> String {
    let n = st.next();
    let a = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5851_F42D_4C95_7F2D;
    let b = a.rotate_left(29).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48 & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// The settings a version is compared on (description excluded: it is the version's own).
fn same_publishable(a: &FunctionConfiguration, b: &FunctionConfiguration) -> bool {
    a.code_sha256 == b.code_sha256
        && a.runtime == b.runtime
        && a.role == b.role
        && a.handler == b.handler
        && a.timeout_secs == b.timeout_secs
        && a.memory_mb == b.memory_mb
        && a.environment == b.environment
        && a.architectures == b.architectures
        && a.layers == b.layers
}

/// What Lambda answers for a function (or alias) without a URL.
fn url_not_found(arn: &str) -> Error {
    SimCloud::err(
        Service::Lambda,
        "ResourceNotFoundException",
        format!("The resource you requested does not exist. (FunctionUrlConfig for {arn})"),
    )
}

fn not_found(arn: &str) -> Error {
    SimCloud::err(
        Service::Lambda,
        "ResourceNotFoundException",
        format!("Function not found: {arn}"),
    )
}

/// A simple glob (`*` matches any run of characters), as IAM's `ArnLike` does.
fn glob(pattern: &str, s: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == s,
        Some((head, rest)) => {
            let Some(tail) = s.strip_prefix(head) else { return false };
            (0..=tail.len()).any(|i| tail.is_char_boundary(i) && glob(rest, &tail[i..]))
        }
    }
}

/// What an invocation resolved to, collected under the lock and used after it is released.
struct Prepared {
    version: String,
    alias: Option<String>,
    handler: Option<Handler>,
    memory_mb: u32,
}

impl SimCloud {
    fn function_arn(&self, name: &str, qualifier: Option<&str>) -> String {
        let c = &self.inner.config;
        match qualifier {
            Some(q) => format!("arn:aws:lambda:{}:{}:function:{name}:{q}", c.region, c.account_id),
            None => format!("arn:aws:lambda:{}:{}:function:{name}", c.region, c.account_id),
        }
    }

    fn arn(&self, name: &str, qualifier: Option<&str>) -> crate::Result<Arn> {
        self.function_arn(name, qualifier).parse()
    }

    /// The function `name`, settled to `now`, or `ResourceNotFoundException`.
    fn rec<'a>(&self, st: &'a mut SimState, name: &FunctionName, now: Instant) -> crate::Result<&'a mut FunctionRec> {
        match st.lambda.functions.get_mut(name.as_str()) {
            Some(rec) => {
                rec.settle(now);
                Ok(rec)
            }
            None => Err(not_found(&self.function_arn(name.as_str(), None))),
        }
    }

    /// Snapshots `$LATEST` as a new version, or returns the latest version if nothing changed.
    fn publish_locked(
        &self,
        rec: &mut FunctionRec,
        description: Option<String>,
        revision: String,
        now: Instant,
    ) -> crate::Result<FunctionConfiguration> {
        if let Some((_, last)) = rec.versions.iter().next_back()
            && same_publishable(&last.config, &rec.latest)
        {
            return Ok(last.config.clone());
        }
        rec.last_version += 1;
        let n = rec.last_version.to_string();
        let mut c = rec.latest.clone();
        c.arn = self.arn(c.name.as_str(), Some(&n))?;
        c.version = n;
        if let Some(d) = description {
            c.description = d;
        }
        c.last_update_status = LastUpdateStatus::Successful;
        c.revision_id = Some(revision);
        c.last_modified = Some(self.wall(now));
        rec.versions.insert(
            rec.last_version,
            Published {
                config: c.clone(),
                code: rec.code.clone(),
            },
        );
        Ok(c)
    }

    /// Resolves the qualifier (with weighted alias routing) and finds the handler.
    fn prepare_invoke(
        &self,
        st: &mut SimState,
        name: &FunctionName,
        qualifier: Option<&str>,
        now: Instant,
    ) -> crate::Result<Prepared> {
        let arn = self.function_arn(name.as_str(), qualifier);
        let rec = self.rec(st, name, now)?;
        if rec.latest.state == FunctionState::Pending {
            return Err(SimCloud::err(
                Service::Lambda,
                "ResourceConflictException",
                format!(
                    "The operation cannot be performed at this time. The function is currently in the following state: Pending (resource: {arn})"
                ),
            ));
        }
        if rec.reserved == Some(0) {
            // What Lambda answers a function whose reserved concurrency is 0 (its `Reason` is
            // `ReservedFunctionConcurrentInvocationLimitExceeded`).
            return Err(SimCloud::err(
                Service::Lambda,
                "TooManyRequestsException",
                "Rate Exceeded.",
            ));
        }
        let (version, alias) = match qualifier {
            None | Some("$LATEST") => ("$LATEST".to_string(), None),
            Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
                if !rec.has_version(q) {
                    return Err(not_found(&arn));
                }
                (q.to_string(), None)
            }
            Some(alias) => {
                let a = rec.aliases.get(alias).ok_or_else(|| not_found(&arn))?;
                let v = match &a.routing {
                    Some(r) if self.random() < r.weight => r.version.clone(),
                    _ => a.function_version.clone(),
                };
                (v, Some(alias.to_string()))
            }
        };
        let memory_mb = rec
            .resolve(Some(&version))
            .map_or(rec.latest.memory_mb, |c| c.memory_mb);
        let handler = st.lambda.handlers.get(name.as_str()).cloned();
        Ok(Prepared {
            version,
            alias,
            handler,
            memory_mb,
        })
    }

    /// Records AWS/Lambda `Invocations` and `Errors` for one invocation.
    fn record_invocation_metrics(
        &self,
        st: &mut SimState,
        name: &str,
        prepared: &Prepared,
        qualifier: Option<&str>,
        failed: bool,
    ) {
        let at = self.wall(self.now());
        let resource = qualifier.filter(|q| *q != "$LATEST").map(|q| format!("{name}:{q}"));
        let mut sets: Vec<Vec<(&str, &str)>> = vec![vec![("FunctionName", name)]];
        if let Some(r) = &resource {
            sets.push(vec![("FunctionName", name), ("Resource", r.as_str())]);
            if prepared.alias.is_some() {
                sets.push(vec![
                    ("FunctionName", name),
                    ("Resource", r.as_str()),
                    ("ExecutedVersion", prepared.version.as_str()),
                ]);
            }
        }
        for dims in &sets {
            super::cloudwatch::record_builtin(st, "AWS/Lambda", "Invocations", dims, 1.0, at);
            super::cloudwatch::record_builtin(st, "AWS/Lambda", "Errors", dims, if failed { 1.0 } else { 0.0 }, at);
        }
    }

    /// Runs the handler (no lock held) and returns the response payload and whether it failed.
    fn run_handler(
        handler: &Handler,
        name: &str,
        version: &str,
        payload: serde_json::Value,
    ) -> (Bytes, Option<String>) {
        let inv = Invocation {
            function: name.to_string(),
            version: version.to_string(),
            payload,
        };
        match handler(&inv) {
            Ok(v) => (Bytes::from(serde_json::to_vec(&v).unwrap_or_default()), None),
            Err(msg) => {
                let doc = serde_json::json!({"errorMessage": msg, "errorType": "Error"});
                (Bytes::from(serde_json::to_vec(&doc).unwrap_or_default()), Some(msg))
            }
        }
    }
}

fn parse_payload(payload: &[u8]) -> crate::Result<serde_json::Value> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::json!({}));
    }
    serde_json::from_slice(payload).map_err(|e| {
        SimCloud::err(
            Service::Lambda,
            "InvalidRequestContentException",
            format!("Could not parse request body into json: {e}"),
        )
    })
}

fn no_handler(name: &str) -> Error {
    SimCloud::err(
        Service::Lambda,
        "ResourceNotReadyException",
        format!(
            "no handler registered for function '{name}' in the simulator; call SimCloud::register_handler(\"{name}\", handler) before invoking it"
        ),
    )
}

/// The VPC of a function's VPC configuration: every subnet and security group must exist
/// (Lambda answers InvalidParameterValueException, naming EC2's error), in one VPC. `None` for
/// empty lists (no VPC).
fn check_vpc(st: &SimState, v: &crate::lambda::VpcConfig) -> crate::Result<Option<String>> {
    let mut vpc: Option<String> = None;
    for s in &v.subnet_ids {
        let Some((_, id)) = super::ec2::subnet_info(st, s) else {
            return Err(SimCloud::err(
                Service::Lambda,
                "InvalidParameterValueException",
                format!(
                    "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. EC2 Error Message: The subnet ID '{s}' does not exist"
                ),
            ));
        };
        match &vpc {
            Some(other) if *other != id.to_string() => {
                return Err(SimCloud::err(
                    Service::Lambda,
                    "InvalidParameterValueException",
                    "The subnets of a function's VPC configuration must be in one VPC.",
                ));
            }
            _ => vpc = Some(id.to_string()),
        }
    }
    for g in &v.security_group_ids {
        if !super::ec2::group_exists(st, g) {
            return Err(SimCloud::err(
                Service::Lambda,
                "InvalidParameterValueException",
                format!(
                    "Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. EC2 Error Message: The security group '{g}' does not exist"
                ),
            ));
        }
    }
    Ok(vpc)
}

/// A handler the wire front end runs for a function with no registered handler
/// ([`SimCloud::invoke_with_fallback`]), and the line it adds to the log tail.
pub(crate) struct Fallback<'a> {
    /// The handler.
    pub handler: &'a Handler,
    /// Said in the log tail (after `START`), so a caller sees which handler ran.
    pub log_line: &'a str,
}

impl SimCloud {
    /// [`Lambda::invoke`], with `fallback` run for a function that has no registered handler
    /// (the trait's `invoke` passes `None`, or the echo handler once the simulator is on the
    /// wire: without one such a function is `ResourceNotReadyException`, as documented); the
    /// log tail then carries the fallback's line.
    pub(crate) async fn invoke_with_fallback(
        &self,
        req: InvokeRequest,
        fallback: Option<Fallback<'_>>,
    ) -> crate::Result<InvokeOutput> {
        req.validate()?;
        let payload = parse_payload(&req.payload)?;
        let name = req.function.as_str();
        let qualifier = req.qualifier.as_deref();
        let prepared = {
            let mut st = self.lock();
            self.prepare_invoke(&mut st, &req.function, qualifier, self.now())?
        };
        if req.invocation_type == InvocationType::DryRun {
            return Ok(InvokeOutput {
                status_code: 204,
                payload: Bytes::new(),
                function_error: None,
                log_tail: None,
                executed_version: None,
            });
        }
        let (handler, fallback_line) = match (prepared.handler.clone(), &fallback) {
            (Some(h), _) => (h, None),
            (None, Some(f)) => (f.handler.clone(), Some(f.log_line)),
            (None, None) => return Err(no_handler(name)),
        };
        // The handler runs with no lock held: it may call the simulator itself.
        let (out_payload, error) = Self::run_handler(&handler, name, &prepared.version, payload);
        let mut st = self.lock();
        self.record_invocation_metrics(&mut st, name, &prepared, qualifier, error.is_some());
        if req.invocation_type == InvocationType::Event {
            return Ok(InvokeOutput {
                status_code: 202,
                payload: Bytes::new(),
                function_error: None,
                log_tail: None,
                executed_version: None,
            });
        }
        let log_tail = req.log_tail.then(|| {
            let rid = new_uuid(&mut st);
            let mut log = format!("START RequestId: {rid} Version: {}\n", prepared.version);
            if let Some(line) = fallback_line {
                log.push_str(line);
                log.push('\n');
            }
            if let Some(msg) = &error {
                log.push_str(&format!(
                    "{}\n",
                    serde_json::json!({"errorMessage": msg, "errorType": "Error"})
                ));
            }
            log.push_str(&format!(
                "END RequestId: {rid}\nREPORT RequestId: {rid}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t\n",
                prepared.memory_mb,
                prepared.memory_mb.min(64)
            ));
            // Lambda returns the last 4 KB of the log.
            let mut start = log.len().saturating_sub(4096);
            while !log.is_char_boundary(start) {
                start += 1;
            }
            log[start..].to_string()
        });
        Ok(InvokeOutput {
            status_code: 200,
            payload: out_payload,
            function_error: error.map(|_| "Unhandled".to_string()),
            log_tail,
            executed_version: Some(prepared.version),
        })
    }
}

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl crate::lambda::Lambda for SimCloud {
    async fn create_function(&self, req: CreateFunctionRequest) -> crate::Result<FunctionConfiguration> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        let name = req.name.as_str().to_string();
        if st.lambda.functions.contains_key(&name) {
            return Err(SimCloud::err(
                Service::Lambda,
                "ResourceConflictException",
                format!("Function already exist: {name}"),
            ));
        }
        let vpc_id = match &req.vpc_config {
            Some(v) => check_vpc(&st, v)?,
            None => None,
        };
        let layers = self.function_layers(&st, &req.layers)?;
        let revision = new_uuid(&mut st);
        let version_revision = new_uuid(&mut st);
        let pending = self.inner.config.lambda_create;
        let latest = FunctionConfiguration {
            name: req.name.clone(),
            arn: self.arn(&name, None)?,
            runtime: req.runtime.clone(),
            role: req.role.clone(),
            handler: req.handler.clone(),
            code_sha256: code_sha256(&req.zip),
            code_size: req.zip.len() as u64,
            description: req.description.clone().unwrap_or_default(),
            timeout_secs: req.timeout_secs,
            memory_mb: req.memory_mb,
            environment: req.environment.clone(),
            architectures: if req.architectures.is_empty() {
                vec![Architecture::X86_64]
            } else {
                req.architectures.clone()
            },
            version: "$LATEST".into(),
            state: FunctionState::Pending,
            state_reason: Some("The function is being created.".into()),
            last_update_status: LastUpdateStatus::Successful,
            revision_id: Some(revision),
            last_modified: Some(self.wall(now)),
            vpc_id: vpc_id.clone(),
            vpc_config: req
                .vpc_config
                .clone()
                .filter(|v| !v.subnet_ids.is_empty() || !v.security_group_ids.is_empty()),
            ephemeral_storage_mb: req.ephemeral_storage_mb.unwrap_or(512),
            dead_letter_target_arn: req.dead_letter_target_arn.clone(),
            layers,
        };
        let mut rec = FunctionRec {
            latest,
            code: req.zip.clone(),
            pending_until: Some(now + pending),
            updating_until: None,
            versions: BTreeMap::new(),
            last_version: 0,
            aliases: BTreeMap::new(),
            policies: BTreeMap::new(),
            tags: req.tags.clone(),
            reserved: None,
            urls: BTreeMap::new(),
        };
        rec.settle(now);
        let out = if req.publish {
            self.publish_locked(&mut rec, None, version_revision, now)?
        } else {
            rec.latest.clone()
        };
        st.lambda.functions.insert(name, rec);
        Ok(out)
    }

    async fn get_function_configuration(
        &self,
        name: FunctionName,
        qualifier: Option<String>,
    ) -> crate::Result<FunctionConfiguration> {
        check_qualifier(&qualifier)?;
        let now = self.now();
        let mut st = self.lock();
        let arn = self.function_arn(name.as_str(), qualifier.as_deref());
        let rec = self.rec(&mut st, &name, now)?;
        rec.resolve(qualifier.as_deref())
            .cloned()
            .ok_or_else(|| not_found(&arn))
    }

    async fn update_function_code(&self, req: UpdateFunctionCodeRequest) -> crate::Result<FunctionConfiguration> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        let revision = new_uuid(&mut st);
        let version_revision = new_uuid(&mut st);
        let wall = self.wall(now);
        let until = now + self.inner.config.lambda_update;
        let rec = self.rec(&mut st, &req.name, now)?;
        rec.ensure_changeable()?;
        rec.code = req.zip.clone();
        rec.latest.code_sha256 = code_sha256(&req.zip);
        rec.latest.code_size = req.zip.len() as u64;
        rec.latest.revision_id = Some(revision);
        rec.latest.last_modified = Some(wall);
        rec.latest.last_update_status = LastUpdateStatus::InProgress;
        rec.updating_until = Some(until);
        rec.settle(now);
        if req.publish {
            self.publish_locked(rec, None, version_revision, now)
        } else {
            Ok(rec.latest.clone())
        }
    }

    async fn update_function_configuration(
        &self,
        req: UpdateFunctionConfigurationRequest,
    ) -> crate::Result<FunctionConfiguration> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        let vpc_id = match &req.vpc_config {
            Some(v) => Some(check_vpc(&st, v)?),
            None => None,
        };
        let layers = match &req.layers {
            Some(l) => Some(self.function_layers(&st, l)?),
            None => None,
        };
        let revision = new_uuid(&mut st);
        let wall = self.wall(now);
        let until = now + self.inner.config.lambda_update;
        let rec = self.rec(&mut st, &req.name, now)?;
        rec.ensure_changeable()?;
        let runtime = req.runtime.clone().unwrap_or_else(|| rec.latest.runtime.clone());
        let handler = req.handler.clone().or_else(|| rec.latest.handler.clone());
        if handler.is_none() && !runtime.starts_with("provided") {
            return Err(SimCloud::err(
                Service::Lambda,
                "InvalidParameterValueException",
                format!("The runtime parameter of {runtime} requires a handler"),
            ));
        }
        let c = &mut rec.latest;
        c.runtime = runtime;
        c.handler = handler;
        if let Some(m) = req.memory_mb {
            c.memory_mb = m;
        }
        if let Some(t) = req.timeout_secs {
            c.timeout_secs = t;
        }
        if let Some(e) = &req.environment {
            c.environment = e.clone();
        }
        if let Some(d) = &req.description {
            c.description = d.clone();
        }
        if let Some(r) = &req.role {
            c.role = r.clone();
        }
        if let (Some(v), Some(id)) = (&req.vpc_config, vpc_id) {
            let attached = !v.subnet_ids.is_empty() || !v.security_group_ids.is_empty();
            c.vpc_config = attached.then(|| v.clone());
            c.vpc_id = id;
        }
        if let Some(mb) = req.ephemeral_storage_mb {
            c.ephemeral_storage_mb = mb;
        }
        if let Some(arn) = &req.dead_letter_target_arn {
            c.dead_letter_target_arn = Some(arn.clone());
        }
        if let Some(l) = layers {
            c.layers = l;
        }
        c.revision_id = Some(revision);
        c.last_modified = Some(wall);
        c.last_update_status = LastUpdateStatus::InProgress;
        rec.updating_until = Some(until);
        rec.settle(now);
        Ok(rec.latest.clone())
    }

    async fn publish_version(&self, req: PublishVersionRequest) -> crate::Result<FunctionConfiguration> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        let revision = new_uuid(&mut st);
        let rec = self.rec(&mut st, &req.name, now)?;
        rec.ensure_changeable()?;
        if let Some(sha) = &req.code_sha256
            && *sha != rec.latest.code_sha256
        {
            return Err(SimCloud::err(
                Service::Lambda,
                "PreconditionFailedException",
                format!(
                    "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the current CodeSHA256.",
                    rec.latest.code_sha256
                ),
            ));
        }
        if let Some(r) = &req.revision_id
            && Some(r) != rec.latest.revision_id.as_ref()
        {
            return Err(SimCloud::err(
                Service::Lambda,
                "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
            ));
        }
        self.publish_locked(rec, req.description.clone(), revision, now)
    }

    async fn list_versions(&self, name: FunctionName) -> crate::Result<Vec<FunctionConfiguration>> {
        let now = self.now();
        let mut st = self.lock();
        let rec = self.rec(&mut st, &name, now)?;
        Ok(std::iter::once(rec.latest.clone())
            .chain(rec.versions.values().map(|p| p.config.clone()))
            .collect())
    }

    async fn list_versions_page(
        &self,
        name: FunctionName,
        page: PageRequest,
    ) -> crate::Result<Page<FunctionConfiguration>> {
        // MaxItems: "returns a maximum of 50 items in each response, even if you set the number higher".
        let all = self.list_versions(name).await?;
        super::page_of(&all, &page, 50, 50)
    }

    async fn create_alias(&self, req: AliasRequest) -> crate::Result<Alias> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        let revision = new_uuid(&mut st);
        let alias_arn = self.arn(req.function.as_str(), Some(req.name.as_str()))?;
        let rec = self.rec(&mut st, &req.function, now)?;
        rec.ensure_changeable()?;
        self.check_alias_targets(rec, &req)?;
        if rec.aliases.contains_key(req.name.as_str()) {
            return Err(SimCloud::err(
                Service::Lambda,
                "ResourceConflictException",
                format!("Alias already exists: {alias_arn}"),
            ));
        }
        let alias = Alias {
            arn: alias_arn,
            name: req.name.clone(),
            function_version: req.version.clone(),
            routing: req.routing.clone(),
            description: req.description.clone().unwrap_or_default(),
            revision_id: Some(revision),
        };
        rec.aliases.insert(req.name.as_str().to_string(), alias.clone());
        Ok(alias)
    }

    async fn update_alias(&self, req: AliasRequest) -> crate::Result<Alias> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        let revision = new_uuid(&mut st);
        let alias_arn = self.function_arn(req.function.as_str(), Some(req.name.as_str()));
        let rec = self.rec(&mut st, &req.function, now)?;
        rec.ensure_changeable()?;
        if !rec.aliases.contains_key(req.name.as_str()) {
            return Err(SimCloud::err(
                Service::Lambda,
                "ResourceNotFoundException",
                format!("Alias not found: {alias_arn}"),
            ));
        }
        self.check_alias_targets(rec, &req)?;
        let Some(alias) = rec.aliases.get_mut(req.name.as_str()) else {
            return Err(not_found(&alias_arn));
        };
        alias.function_version = req.version.clone();
        alias.routing = req.routing.clone();
        if let Some(d) = &req.description {
            alias.description = d.clone();
        }
        alias.revision_id = Some(revision);
        Ok(alias.clone())
    }

    async fn get_alias(&self, function: FunctionName, name: AliasName) -> crate::Result<Alias> {
        let now = self.now();
        let mut st = self.lock();
        let alias_arn = self.function_arn(function.as_str(), Some(name.as_str()));
        let rec = self.rec(&mut st, &function, now)?;
        rec.aliases.get(name.as_str()).cloned().ok_or_else(|| {
            SimCloud::err(
                Service::Lambda,
                "ResourceNotFoundException",
                format!("Alias not found: {alias_arn}"),
            )
        })
    }

    async fn list_aliases(&self, function: FunctionName) -> crate::Result<Vec<Alias>> {
        let now = self.now();
        let mut st = self.lock();
        let rec = self.rec(&mut st, &function, now)?;
        Ok(rec.aliases.values().cloned().collect())
    }

    async fn delete_alias(&self, function: FunctionName, name: AliasName) -> crate::Result<()> {
        let now = self.now();
        let mut st = self.lock();
        let alias_arn = self.function_arn(function.as_str(), Some(name.as_str()));
        let rec = self.rec(&mut st, &function, now)?;
        if rec.aliases.remove(name.as_str()).is_none() {
            return Err(SimCloud::err(
                Service::Lambda,
                "ResourceNotFoundException",
                format!("Alias not found: {alias_arn}"),
            ));
        }
        rec.policies.remove(name.as_str());
        // An alias's URL goes with it.
        rec.urls.remove(name.as_str());
        Ok(())
    }

    async fn invoke(&self, req: InvokeRequest) -> crate::Result<InvokeOutput> {
        if self.lock().lambda.echo_fallback {
            let echo: Handler = Arc::new(|inv: &Invocation| Ok(inv.payload.clone()));
            let line = format!(
                "SIMULATOR: no handler is registered for function '{}' (SimCloud::register_handler): the built-in echo handler of sim::wire ran and returned the event",
                req.function.as_str()
            );
            let fallback = Fallback {
                handler: &echo,
                log_line: &line,
            };
            return self.invoke_with_fallback(req, Some(fallback)).await;
        }
        self.invoke_with_fallback(req, None).await
    }

    async fn add_permission(&self, req: AddPermissionRequest) -> crate::Result<()> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        let arn = self.function_arn(req.function.as_str(), req.qualifier.as_deref());
        let rec = self.rec(&mut st, &req.function, now)?;
        if let Some(q) = &req.qualifier
            && rec.resolve(Some(q)).is_none()
        {
            return Err(not_found(&arn));
        }
        let policy = rec
            .policies
            .entry(req.qualifier.clone().unwrap_or_default())
            .or_default();
        if policy.iter().any(|s| s.sid == req.statement_id) {
            return Err(SimCloud::err(
                Service::Lambda,
                "ResourceConflictException",
                format!(
                    "The statement id ({}) provided already exists. Please provide a new statement id, or remove the existing statement.",
                    req.statement_id
                ),
            ));
        }
        policy.push(Statement {
            sid: req.statement_id.clone(),
            action: req.action.clone(),
            principal: req.principal.clone(),
            source_arn: req.source_arn.as_ref().map(|a| a.to_string()),
            source_account: req.source_account.clone(),
        });
        Ok(())
    }

    async fn remove_permission(&self, req: RemovePermissionRequest) -> crate::Result<()> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        let rec = self.rec(&mut st, &req.function, now)?;
        let key = req.qualifier.clone().unwrap_or_default();
        let policy = rec.policies.get_mut(&key);
        let Some(policy) = policy.filter(|p| p.iter().any(|s| s.sid == req.statement_id)) else {
            return Err(SimCloud::err(
                Service::Lambda,
                "ResourceNotFoundException",
                format!("Statement {} is not found in resource policy.", req.statement_id),
            ));
        };
        policy.retain(|s| s.sid != req.statement_id);
        if policy.is_empty() {
            rec.policies.remove(&key);
        }
        Ok(())
    }

    async fn get_policy(&self, function: FunctionName, qualifier: Option<String>) -> crate::Result<String> {
        check_qualifier(&qualifier)?;
        let now = self.now();
        let resource = self.function_arn(function.as_str(), qualifier.as_deref());
        let account = self.inner.config.account_id.clone();
        let mut st = self.lock();
        let rec = self.rec(&mut st, &function, now)?;
        let statements = rec
            .policies
            .get(qualifier.as_deref().unwrap_or(""))
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                SimCloud::err(
                    Service::Lambda,
                    "ResourceNotFoundException",
                    "The resource you requested does not exist.",
                )
            })?;
        let docs: Vec<serde_json::Value> = statements
            .iter()
            .map(|s| statement_json(s, &resource, &account))
            .collect();
        let policy = serde_json::json!({"Version": "2012-10-17", "Id": "default", "Statement": docs});
        Ok(policy.to_string())
    }

    async fn delete_function(&self, name: FunctionName, qualifier: Option<String>) -> crate::Result<()> {
        check_qualifier(&qualifier)?;
        let now = self.now();
        let mut st = self.lock();
        let arn = self.function_arn(name.as_str(), qualifier.as_deref());
        let rec = self.rec(&mut st, &name, now)?;
        match qualifier.as_deref() {
            None => {
                st.lambda.functions.remove(name.as_str());
                Ok(())
            }
            Some("$LATEST") => Err(SimCloud::err(
                Service::Lambda,
                "InvalidParameterValueException",
                "$LATEST version cannot be deleted without deleting the function.",
            )),
            Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
                let n: u64 = q.parse().map_err(|_| not_found(&arn))?;
                if !rec.versions.contains_key(&n) {
                    return Err(not_found(&arn));
                }
                let users: Vec<String> = rec
                    .aliases
                    .values()
                    .filter(|a| a.function_version == q || a.routing.as_ref().is_some_and(|r| r.version == q))
                    .map(|a| a.name.to_string())
                    .collect();
                if !users.is_empty() {
                    return Err(SimCloud::err(
                        Service::Lambda,
                        "ResourceConflictException",
                        format!(
                            "Unable to delete version because the following aliases reference it: [{}]",
                            users.join(", ")
                        ),
                    ));
                }
                rec.versions.remove(&n);
                rec.policies.remove(q);
                Ok(())
            }
            Some(_) => Err(SimCloud::err(
                Service::Lambda,
                "InvalidParameterValueException",
                "Deletion of aliases is not supported by DeleteFunction; use DeleteAlias.",
            )),
        }
    }

    async fn list_functions(&self) -> crate::Result<Vec<FunctionConfiguration>> {
        let now = self.now();
        let mut st = self.lock();
        Ok(st
            .lambda
            .functions
            .values_mut()
            .map(|rec| {
                rec.settle(now);
                rec.latest.clone()
            })
            .collect())
    }

    async fn list_functions_page(&self, page: PageRequest) -> crate::Result<Page<FunctionConfiguration>> {
        let all = self.list_functions().await?;
        super::page_of(&all, &page, 50, 50)
    }

    async fn list_tags(&self, arn: Arn) -> crate::Result<Tags> {
        check_function_arn(&arn)?;
        let name = self.tagged_function(&arn)?;
        let now = self.now();
        let mut st = self.lock();
        Ok(self.rec(&mut st, &name, now)?.tags.clone())
    }

    async fn tag_resource(&self, arn: Arn, tags: Tags) -> crate::Result<()> {
        check_function_arn(&arn)?;
        check_tags(&tags)?;
        let name = self.tagged_function(&arn)?;
        let now = self.now();
        let mut st = self.lock();
        let rec = self.rec(&mut st, &name, now)?;
        // "You can apply up to 50 tags to a resource": the limit counts the tags it keeps.
        let mut merged = rec.tags.clone();
        merged.extend(tags);
        if merged.len() > crate::validate::MAX_TAGS {
            return Err(SimCloud::err(
                Service::Lambda,
                "InvalidParameterValueException",
                format!(
                    "Number of tags exceeds resource tag limit of {} (resource: {arn})",
                    crate::validate::MAX_TAGS
                ),
            ));
        }
        rec.tags = merged;
        Ok(())
    }

    async fn untag_resource(&self, arn: Arn, keys: Vec<String>) -> crate::Result<()> {
        check_function_arn(&arn)?;
        check_tag_keys(&keys)?;
        let name = self.tagged_function(&arn)?;
        let now = self.now();
        let mut st = self.lock();
        let rec = self.rec(&mut st, &name, now)?;
        for k in &keys {
            rec.tags.remove(k);
        }
        Ok(())
    }

    async fn put_function_concurrency(&self, name: FunctionName, reserved: u32) -> crate::Result<()> {
        check_reserved(reserved)?;
        let now = self.now();
        let mut st = self.lock();
        self.rec(&mut st, &name, now)?;
        // The account's concurrency quota (1,000 by default, "Lambda quotas") keeps at least 100
        // unreserved executions.
        let others: u64 = st
            .lambda
            .functions
            .iter()
            .filter(|(n, _)| n.as_str() != name.as_str())
            .filter_map(|(_, r)| r.reserved)
            .map(u64::from)
            .sum();
        if others + u64::from(reserved) > ACCOUNT_CONCURRENCY - MIN_UNRESERVED_CONCURRENCY {
            return Err(SimCloud::err(
                Service::Lambda,
                "InvalidParameterValueException",
                format!(
                    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED_CONCURRENCY}]."
                ),
            ));
        }
        self.rec(&mut st, &name, now)?.reserved = Some(reserved);
        Ok(())
    }

    async fn get_function_concurrency(&self, name: FunctionName) -> crate::Result<Option<u32>> {
        let now = self.now();
        let mut st = self.lock();
        Ok(self.rec(&mut st, &name, now)?.reserved)
    }

    async fn delete_function_concurrency(&self, name: FunctionName) -> crate::Result<()> {
        let now = self.now();
        let mut st = self.lock();
        self.rec(&mut st, &name, now)?.reserved = None;
        Ok(())
    }

    async fn create_function_url_config(&self, req: FunctionUrlRequest) -> crate::Result<FunctionUrlConfig> {
        req.validate()?;
        let now = self.now();
        let wall = self.wall(now);
        let mut st = self.lock();
        let q = req.qualifier.clone().unwrap_or_default();
        let arn = self.function_arn(req.function.as_str(), req.qualifier.as_deref());
        let rec = self.rec(&mut st, &req.function, now)?;
        if !q.is_empty() && !rec.aliases.contains_key(&q) {
            return Err(not_found(&arn));
        }
        if rec.urls.contains_key(&q) {
            return Err(SimCloud::err(
                Service::Lambda,
                "ResourceConflictException",
                format!(
                    "Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function"
                ),
            ));
        }
        let id = SimCloud::new_id(&mut st, "url");
        let host: String = format!("{:0>32}", id.trim_start_matches("url-"));
        let config = FunctionUrlConfig {
            url: format!("https://{host}.lambda-url.{}.on.aws/", self.inner.config.region),
            function_arn: arn.parse()?,
            auth_type: req.auth_type.clone(),
            cors: req.cors.clone().filter(|c| c != &Cors::default()),
            invoke_mode: req.invoke_mode.clone(),
            created: Some(wall),
        };
        let rec = self.rec(&mut st, &req.function, now)?;
        rec.urls.insert(q, config.clone());
        Ok(config)
    }

    async fn get_function_url_config(
        &self,
        function: FunctionName,
        qualifier: Option<String>,
    ) -> crate::Result<FunctionUrlConfig> {
        validate_url_qualifier(qualifier.as_deref())?;
        let now = self.now();
        let mut st = self.lock();
        let arn = self.function_arn(function.as_str(), qualifier.as_deref());
        let rec = self.rec(&mut st, &function, now)?;
        rec.urls
            .get(qualifier.as_deref().unwrap_or(""))
            .cloned()
            .ok_or_else(|| url_not_found(&arn))
    }

    async fn update_function_url_config(&self, req: FunctionUrlRequest) -> crate::Result<FunctionUrlConfig> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        let arn = self.function_arn(req.function.as_str(), req.qualifier.as_deref());
        let rec = self.rec(&mut st, &req.function, now)?;
        let url = rec
            .urls
            .get_mut(req.qualifier.as_deref().unwrap_or(""))
            .ok_or_else(|| url_not_found(&arn))?;
        url.auth_type = req.auth_type.clone();
        url.cors = req.cors.clone().filter(|c| c != &Cors::default());
        url.invoke_mode = req.invoke_mode.clone();
        Ok(url.clone())
    }

    async fn delete_function_url_config(&self, function: FunctionName, qualifier: Option<String>) -> crate::Result<()> {
        validate_url_qualifier(qualifier.as_deref())?;
        let now = self.now();
        let mut st = self.lock();
        let arn = self.function_arn(function.as_str(), qualifier.as_deref());
        let rec = self.rec(&mut st, &function, now)?;
        rec.urls
            .remove(qualifier.as_deref().unwrap_or(""))
            .map(|_| ())
            .ok_or_else(|| url_not_found(&arn))
    }

    async fn publish_layer_version(&self, req: PublishLayerVersionRequest) -> crate::Result<LayerVersion> {
        req.validate()?;
        let now = self.now();
        let Some(name) = self.own_layer(req.layer_name.as_str()) else {
            return Err(SimCloud::err(
                Service::Lambda,
                "AccessDeniedException",
                format!(
                    "User is not authorized to perform: lambda:PublishLayerVersion on resource: {} (a layer of another region or account)",
                    req.layer_name
                ),
            ));
        };
        let layer_arn = self.layer_arn(&name);
        let mut st = self.lock();
        let rec = st.lambda.layers.entry(name).or_default();
        rec.last_version += 1;
        let version = LayerVersion {
            layer_version_arn: format!("{layer_arn}:{}", rec.last_version).parse()?,
            layer_arn,
            version: rec.last_version,
            description: req.description.clone().unwrap_or_default(),
            created: Some(self.wall(now)),
            compatible_runtimes: req.compatible_runtimes.clone(),
            compatible_architectures: req.compatible_architectures.clone(),
            license_info: req.license_info.clone(),
            code_sha256: code_sha256(&req.zip),
            code_size: req.zip.len() as u64,
        };
        rec.versions.insert(version.version, version.clone());
        Ok(version)
    }

    async fn get_layer_version(&self, layer: LayerName, version: u64) -> crate::Result<LayerVersion> {
        let st = self.lock();
        self.own_layer(layer.as_str())
            .and_then(|name| st.lambda.layers.get(&name)?.versions.get(&version).cloned())
            .ok_or_else(|| layer_not_found(&format!("{}:{version}", self.layer_arn_of(&layer))))
    }

    async fn list_layer_versions(&self, layer: LayerName) -> crate::Result<Vec<LayerVersion>> {
        let st = self.lock();
        Ok(self
            .own_layer(layer.as_str())
            .and_then(|name| st.lambda.layers.get(&name))
            .map(|rec| {
                rec.versions
                    .values()
                    .rev()
                    .map(|v| LayerVersion {
                        // ListLayerVersions items carry neither the hash nor the size.
                        code_sha256: String::new(),
                        code_size: 0,
                        ..v.clone()
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn delete_layer_version(&self, layer: LayerName, version: u64) -> crate::Result<()> {
        let mut st = self.lock();
        if let Some(name) = self.own_layer(layer.as_str())
            && let Some(rec) = st.lambda.layers.get_mut(&name)
        {
            rec.versions.remove(&version);
        }
        Ok(())
    }
}

/// What Lambda answers for a layer version that does not exist (GetLayerVersion).
fn layer_not_found(arn: &str) -> Error {
    SimCloud::err(
        Service::Lambda,
        "ResourceNotFoundException",
        format!("The resource you requested does not exist. (LayerVersion {arn})"),
    )
}

impl SimCloud {
    /// The ARN of this region's and account's layer `name`.
    fn layer_arn(&self, name: &str) -> String {
        let c = &self.inner.config;
        format!("arn:aws:lambda:{}:{}:layer:{name}", c.region, c.account_id)
    }

    /// A layer name or ARN as an ARN.
    fn layer_arn_of(&self, layer: &LayerName) -> String {
        match layer.as_str() {
            arn if arn.starts_with("arn:") => arn.to_string(),
            name => self.layer_arn(name),
        }
    }

    /// The name of a layer of this region and account, from its name or ARN; `None` for a
    /// layer of another region or account (the simulator has none).
    fn own_layer(&self, layer: &str) -> Option<String> {
        match layer {
            arn if arn.starts_with("arn:") => arn.strip_prefix(&self.layer_arn("")).map(str::to_string),
            name => Some(name.to_string()),
        }
    }

    /// The layers a function names, each an existing version of this region and account
    /// (Lambda answers `InvalidParameterValueException` otherwise; a layer of another account
    /// is unknown to the simulator). A deleted version cannot be added.
    fn function_layers(&self, st: &SimState, arns: &[LayerVersionArn]) -> crate::Result<Vec<FunctionLayer>> {
        arns.iter()
            .map(|arn| {
                let found = arn
                    .layer_arn()
                    .zip(arn.version())
                    .and_then(|(layer, n)| st.lambda.layers.get(&self.own_layer(layer)?)?.versions.get(&n));
                match found {
                    Some(v) => Ok(FunctionLayer::new(arn.clone(), v.code_size)),
                    None => Err(SimCloud::err(
                        Service::Lambda,
                        "InvalidParameterValueException",
                        format!("Layer version {arn} does not exist."),
                    )),
                }
            })
            .collect()
    }
}

/// The simulated account's concurrency quota ("Lambda quotas": concurrent executions, 1,000 by
/// default).
const ACCOUNT_CONCURRENCY: u64 = 1000;
/// The unreserved executions Lambda keeps in the account (PutFunctionConcurrency refuses a
/// reservation that leaves fewer).
const MIN_UNRESERVED_CONCURRENCY: u64 = 100;

impl SimCloud {
    /// The function a (checked) function ARN names in this simulated region and account, or
    /// `ResourceNotFoundException`: a function of another region or account is not here.
    fn tagged_function(&self, arn: &Arn) -> crate::Result<FunctionName> {
        let cfg = &self.inner.config;
        split_function_arn(arn.as_str())
            .filter(|(region, account, _, _)| *region == cfg.region && *account == cfg.account_id)
            .and_then(|(_, _, name, _)| name.parse::<FunctionName>().ok())
            .ok_or_else(|| not_found(arn.as_str()))
    }
}

impl SimCloud {
    /// The alias's versions must exist; routing targets published versions.
    fn check_alias_targets(&self, rec: &FunctionRec, req: &AliasRequest) -> crate::Result<()> {
        for v in std::iter::once(&req.version).chain(req.routing.as_ref().map(|r| &r.version)) {
            if !rec.has_version(v) {
                return Err(not_found(&self.function_arn(req.function.as_str(), Some(v))));
            }
        }
        Ok(())
    }
}

fn statement_json(s: &Statement, resource: &str, account: &str) -> serde_json::Value {
    let principal = if s.principal == "*" {
        serde_json::json!("*")
    } else if s.principal.len() == 12 && s.principal.bytes().all(|b| b.is_ascii_digit()) {
        serde_json::json!({"AWS": format!("arn:aws:iam::{}:root", s.principal)})
    } else if s.principal.starts_with("arn:") {
        serde_json::json!({"AWS": s.principal})
    } else {
        serde_json::json!({"Service": s.principal})
    };
    let _ = account;
    let mut doc = serde_json::json!({
        "Sid": s.sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": s.action,
        "Resource": resource,
    });
    let mut cond = serde_json::Map::new();
    if let Some(a) = &s.source_arn {
        cond.insert("ArnLike".into(), serde_json::json!({"AWS:SourceArn": a}));
    }
    if let Some(a) = &s.source_account {
        cond.insert("StringEquals".into(), serde_json::json!({"AWS:SourceAccount": a}));
    }
    if !cond.is_empty() {
        doc["Condition"] = serde_json::Value::Object(cond);
    }
    doc
}

/// Whether a statement lets CloudWatch alarms invoke the function on behalf of `alarm_arn`.
fn allows_alarm(s: &Statement, account: &str, alarm_arn: Option<&str>) -> bool {
    let principal = s.principal == CLOUDWATCH_ALARMS_PRINCIPAL || s.principal == "*";
    let action = matches!(s.action.as_str(), "lambda:InvokeFunction" | "lambda:*" | "*");
    let source_arn = match (&s.source_arn, alarm_arn) {
        (None, _) => true,
        (Some(p), Some(a)) => glob(p, a),
        (Some(_), None) => false,
    };
    let source_account = s.source_account.as_deref().is_none_or(|a| a == account);
    principal && action && source_arn && source_account
}

/// Splits `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
fn split_function_arn(arn: &str) -> Option<(String, String, String, Option<String>)> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7 || parts.len() > 8 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" {
        return None;
    }
    Some((
        parts[3].to_string(),
        parts[4].to_string(),
        parts[6].to_string(),
        parts.get(7).map(|q| q.to_string()),
    ))
}

// ---------------------------------------------------------------------------------------------
// Contract with the simulated CloudWatch: alarm actions that name a Lambda function.

/// Invokes the function named by `function_arn` (an ARN, possibly qualified) asynchronously
/// with `event`, as CloudWatch does for an alarm action. Returns whether a handler ran.
///
/// As in AWS, the function's resource-based policy (for the qualifier the ARN names) must
/// allow `lambda.alarms.cloudwatch.amazonaws.com` to call `lambda:InvokeFunction` (a
/// `source_arn` condition is matched against the event's `alarmArn`). Every attempt, denied or
/// not, is recorded in `LambdaState::alarm_invocations`.
#[allow(dead_code)]
pub(crate) async fn invoke_from_alarm(sim: &SimCloud, function_arn: &str, event: serde_json::Value) -> bool {
    let record = |sim: &SimCloud, ran: bool, detail: String| {
        if !ran {
            tracing::warn!(function_arn, %detail, "alarm action did not invoke the function");
        }
        sim.lock().lambda.alarm_invocations.push(AlarmInvocation {
            function_arn: function_arn.to_string(),
            ran,
            detail,
        });
    };
    let cfg = &sim.inner.config;
    let parsed = split_function_arn(function_arn)
        .filter(|(region, account, _, _)| *region == cfg.region && *account == cfg.account_id)
        .and_then(|(_, _, name, q)| Some((name.parse::<FunctionName>().ok()?, q)));
    let Some((name, qualifier)) = parsed else {
        record(sim, false, format!("Function not found: {function_arn}"));
        return false;
    };
    let alarm_arn = event.get("alarmArn").and_then(|v| v.as_str()).map(str::to_string);
    let now = sim.now();
    let prepared = {
        let mut st = sim.lock();
        let rec = match sim.rec(&mut st, &name, now) {
            Ok(rec) => rec,
            Err(e) => {
                drop(st);
                record(sim, false, e.to_string());
                return false;
            }
        };
        let allowed = rec
            .policies
            .get(qualifier.as_deref().unwrap_or(""))
            .is_some_and(|p| p.iter().any(|s| allows_alarm(s, &cfg.account_id, alarm_arn.as_deref())));
        if !allowed {
            drop(st);
            record(
                sim,
                false,
                format!(
                    "AccessDeniedException: the resource-based policy of {function_arn} does not allow {CLOUDWATCH_ALARMS_PRINCIPAL} to call lambda:InvokeFunction"
                ),
            );
            return false;
        }
        match sim.prepare_invoke(&mut st, &name, qualifier.as_deref(), now) {
            Ok(p) => p,
            Err(e) => {
                drop(st);
                record(sim, false, e.to_string());
                return false;
            }
        }
    };
    let Some(handler) = prepared.handler.clone() else {
        record(sim, false, no_handler(name.as_str()).to_string());
        return false;
    };
    let (_, error) = SimCloud::run_handler(&handler, name.as_str(), &prepared.version, event);
    {
        let mut st = sim.lock();
        sim.record_invocation_metrics(&mut st, name.as_str(), &prepared, qualifier.as_deref(), error.is_some());
    }
    let detail = match error {
        Some(msg) => format!("ran version {}; function error: {msg}", prepared.version),
        None => format!("ran version {}", prepared.version),
    };
    record(sim, true, detail);
    true
}

/// The tags of function `name` (versions and aliases answer their function's), `None` if
/// there is none.
pub(crate) fn function_tags(st: &SimState, name: &str) -> Option<Tags> {
    st.lambda.functions.get(name).map(|r| r.tags.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lambda::Lambda;
    use crate::sim::SimConfig;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    const ROLE: &str = "arn:aws:iam::123456789012:role/exec";

    fn fname(s: &str) -> FunctionName {
        s.parse().unwrap()
    }

    fn zip(tag: &str) -> Bytes {
        Bytes::from(format!("PK\x03\x04{tag}").into_bytes())
    }

    fn create_req(name: &str) -> CreateFunctionRequest {
        CreateFunctionRequest::builder()
            .name(fname(name))
            .runtime("provided.al2023")
            .role(ROLE.parse().unwrap())
            .zip(zip("v1"))
            .environment([("MODE", "secret")].into_iter().collect::<Environment>())
            .build()
            .unwrap()
    }

    /// A simulator with one active function `f` whose handler echoes the version it ran.
    async fn active(name: &str) -> SimCloud {
        let sim = SimCloud::new();
        sim.register_handler(
            name,
            Arc::new(|inv: &Invocation| {
                if inv.payload.get("fail").is_some() {
                    Err("boom".to_string())
                } else {
                    Ok(serde_json::json!({"version": inv.version, "event": inv.payload}))
                }
            }),
        );
        sim.create_function(create_req(name)).await.unwrap();
        tokio::time::sleep(sim.config().lambda_create).await;
        sim
    }

    async fn wait_update(sim: &SimCloud) {
        tokio::time::sleep(sim.config().lambda_update).await;
    }

    macro_rules! invoke {
        ($name:expr) => {
            InvokeRequest::builder().function(fname($name))
        };
    }

    fn code(e: &Error) -> &str {
        e.code().unwrap_or("(none)")
    }

    #[tokio::test(start_paused = true)]
    async fn pending_until_active() {
        let sim = SimCloud::new();
        sim.register_handler("f", Arc::new(|_| Ok(serde_json::json!(1))));
        let c = sim.create_function(create_req("f")).await.unwrap();
        assert_eq!(c.state, FunctionState::Pending);
        assert_eq!(c.version, "$LATEST");
        assert_eq!(c.arn.as_str(), "arn:aws:lambda:us-east-1:123456789012:function:f");
        tokio::time::sleep(Duration::from_secs(2)).await;
        let c = sim.get_function_configuration(fname("f"), None).await.unwrap();
        assert_eq!(c.state, FunctionState::Pending);
        let e = sim.invoke(invoke!("f").build().unwrap()).await.unwrap_err();
        assert_eq!(code(&e), "ResourceConflictException");
        assert!(e.to_string().contains("Pending"), "{e}");
        let upd = UpdateFunctionCodeRequest::builder()
            .name(fname("f"))
            .zip(zip("v2"))
            .build()
            .unwrap();
        let e = sim.update_function_code(upd).await.unwrap_err();
        assert!(e.is_conflict());
        tokio::time::sleep(Duration::from_secs(1)).await;
        let c = sim.get_function_configuration(fname("f"), None).await.unwrap();
        assert_eq!(c.state, FunctionState::Active);
        assert!(c.is_ready());
        assert_eq!(
            sim.invoke(invoke!("f").build().unwrap()).await.unwrap().status_code,
            200
        );
    }

    #[tokio::test(start_paused = true)]
    async fn vpc_config_names_existing_subnets_and_groups() {
        use crate::lambda::VpcConfig;
        let sim = SimCloud::new();
        let unknown_subnet = VpcConfig {
            subnet_ids: vec!["subnet-0123456789abcdef0".parse().unwrap()],
            ..Default::default()
        };
        let mut req = create_req("f");
        req.vpc_config = Some(unknown_subnet);
        let e = sim.create_function(req).await.unwrap_err();
        assert_eq!(code(&e), "InvalidParameterValueException");
        assert!(e.to_string().contains("InvalidSubnetID.NotFound"), "{e}");
        let vpc = crate::ec2::Ec2::default_vpc(&sim).await.unwrap();
        let subnets = crate::ec2::Ec2::describe_subnets(&sim, vpc.id.clone()).await.unwrap();
        let unknown_group = VpcConfig {
            subnet_ids: vec![subnets[0].id.clone()],
            security_group_ids: vec!["sg-0123456789abcdef0".parse().unwrap()],
            ..Default::default()
        };
        let mut req = create_req("f");
        req.vpc_config = Some(unknown_group);
        let e = sim.create_function(req).await.unwrap_err();
        assert!(e.to_string().contains("InvalidGroup.NotFound"), "{e}");
        let mut req = create_req("f");
        req.vpc_config = Some(VpcConfig {
            subnet_ids: vec![subnets[0].id.clone()],
            ..Default::default()
        });
        let c = sim.create_function(req).await.unwrap();
        assert_eq!(c.vpc_id.as_deref(), Some(vpc.id.as_str()));
        assert_eq!(c.ephemeral_storage_mb, 512, "the default");
    }

    #[tokio::test(start_paused = true)]
    async fn create_errors() {
        let sim = active("f").await;
        let e = sim.create_function(create_req("f")).await.unwrap_err();
        assert_eq!(code(&e), "ResourceConflictException");
        assert!(e.to_string().contains("Function already exist"), "{e}");
        let e = sim.get_function_configuration(fname("nope"), None).await.unwrap_err();
        assert!(e.is_not_found());
        assert!(
            e.to_string()
                .contains("Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"),
            "{e}"
        );
        let e = sim
            .get_function_configuration(fname("f"), Some("7".into()))
            .await
            .unwrap_err();
        assert!(e.is_not_found());
    }

    #[tokio::test(start_paused = true)]
    async fn update_in_progress_conflicts_then_succeeds() {
        let sim = active("f").await;
        let c = sim
            .update_function_code(
                UpdateFunctionCodeRequest::builder()
                    .name(fname("f"))
                    .zip(zip("v2"))
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(c.last_update_status, LastUpdateStatus::InProgress);
        assert_eq!(c.code_sha256, code_sha256(b"PK\x03\x04v2"));
        let cfg = || {
            UpdateFunctionConfigurationRequest::builder()
                .name(fname("f"))
                .memory_mb(512)
                .build()
                .unwrap()
        };
        let e = sim.update_function_configuration(cfg()).await.unwrap_err();
        assert_eq!(code(&e), "ResourceConflictException");
        assert!(
            e.to_string()
                .contains("An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:f"),
            "{e}"
        );
        let e = sim
            .publish_version(PublishVersionRequest::builder().name(fname("f")).build().unwrap())
            .await
            .unwrap_err();
        assert!(e.is_conflict());
        // Invoking during an update still works (the previous code runs in AWS).
        assert_eq!(
            sim.invoke(invoke!("f").build().unwrap()).await.unwrap().status_code,
            200
        );
        wait_update(&sim).await;
        let c = sim.update_function_configuration(cfg()).await.unwrap();
        assert_eq!(c.memory_mb, 512);
        assert_eq!(
            c.environment.get("MODE").map(|v| v.expose_secret().as_str()),
            Some("secret"),
            "unchanged fields are kept"
        );
        wait_update(&sim).await;
        let c = sim.get_function_configuration(fname("f"), None).await.unwrap();
        assert_eq!(c.last_update_status, LastUpdateStatus::Successful);
    }

    #[tokio::test(start_paused = true)]
    async fn publish_and_version_semantics() {
        let sim = active("f").await;
        let publish = || PublishVersionRequest::builder().name(fname("f")).build().unwrap();
        let v1 = sim.publish_version(publish()).await.unwrap();
        assert_eq!(v1.version, "1");
        assert_eq!(v1.arn.as_str(), "arn:aws:lambda:us-east-1:123456789012:function:f:1");
        let again = sim.publish_version(publish()).await.unwrap();
        assert_eq!(
            again.version, "1",
            "unchanged code and config return the latest version"
        );
        sim.update_function_code(
            UpdateFunctionCodeRequest::builder()
                .name(fname("f"))
                .zip(zip("v2"))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
        wait_update(&sim).await;
        let latest = sim.get_function_configuration(fname("f"), None).await.unwrap();
        let bad_sha = PublishVersionRequest::builder()
            .name(fname("f"))
            .code_sha256(v1.code_sha256.clone())
            .build()
            .unwrap();
        let e = sim.publish_version(bad_sha).await.unwrap_err();
        assert_eq!(code(&e), "PreconditionFailedException");
        let bad_rev = PublishVersionRequest::builder()
            .name(fname("f"))
            .revision_id("stale")
            .build()
            .unwrap();
        assert_eq!(
            code(&sim.publish_version(bad_rev).await.unwrap_err()),
            "PreconditionFailedException"
        );
        let good = PublishVersionRequest::builder()
            .name(fname("f"))
            .code_sha256(latest.code_sha256.clone())
            .revision_id(latest.revision_id.clone().unwrap())
            .description("second")
            .build()
            .unwrap();
        let v2 = sim.publish_version(good).await.unwrap();
        assert_eq!((v2.version.as_str(), v2.description.as_str()), ("2", "second"));
        assert_eq!(v2.code_sha256, code_sha256(b"PK\x03\x04v2"));
        // Deleting version 2 does not free its number.
        sim.delete_function(fname("f"), Some("2".into())).await.unwrap();
        sim.update_function_code(
            UpdateFunctionCodeRequest::builder()
                .name(fname("f"))
                .zip(zip("v3"))
                .publish(true)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
        wait_update(&sim).await;
        let versions: Vec<String> = sim
            .list_versions(fname("f"))
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.version)
            .collect();
        assert_eq!(versions, ["$LATEST", "1", "3"]);
        // Version 1 kept its code.
        let v1_now = sim
            .get_function_configuration(fname("f"), Some("1".into()))
            .await
            .unwrap();
        assert_eq!(v1_now.code_sha256, code_sha256(b"PK\x03\x04v1"));
    }

    #[tokio::test(start_paused = true)]
    async fn create_with_publish_makes_version_one() {
        let sim = SimCloud::with_config(SimConfig::instant());
        let mut req = create_req("f");
        req.publish = true;
        let c = sim.create_function(req).await.unwrap();
        assert_eq!(c.version, "1");
        assert_eq!(sim.list_versions(fname("f")).await.unwrap().len(), 2);
    }

    async fn two_versions(sim: &SimCloud) {
        sim.publish_version(PublishVersionRequest::builder().name(fname("f")).build().unwrap())
            .await
            .unwrap();
        sim.update_function_code(
            UpdateFunctionCodeRequest::builder()
                .name(fname("f"))
                .zip(zip("v2"))
                .publish(true)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
        wait_update(sim).await;
    }

    fn alias(version: &str, routing: Option<(&str, f64)>) -> AliasRequest {
        let mut r = AliasRequest::builder()
            .function(fname("f"))
            .name("live".parse().unwrap())
            .version(version)
            .build()
            .unwrap();
        r.routing = routing.map(|(v, w)| AliasRouting {
            version: v.into(),
            weight: w,
        });
        r
    }

    #[tokio::test(start_paused = true)]
    async fn alias_rules() {
        let sim = active("f").await;
        let e = sim.create_alias(alias("1", None)).await.unwrap_err();
        assert!(e.is_not_found(), "version 1 does not exist yet: {e:?}");
        two_versions(&sim).await;
        let e = sim.create_alias(alias("1", Some(("9", 0.5)))).await.unwrap_err();
        assert!(e.is_not_found());
        let a = sim.create_alias(alias("1", Some(("2", 0.5)))).await.unwrap();
        assert_eq!(a.arn.as_str(), "arn:aws:lambda:us-east-1:123456789012:function:f:live");
        let e = sim.create_alias(alias("2", None)).await.unwrap_err();
        assert_eq!(code(&e), "ResourceConflictException");
        let a = sim.update_alias(alias("2", None)).await.unwrap();
        assert_eq!((a.function_version.as_str(), a.routing.clone()), ("2", None));
        assert_eq!(sim.get_alias(fname("f"), "live".parse().unwrap()).await.unwrap(), a);
        assert_eq!(sim.list_aliases(fname("f")).await.unwrap(), vec![a]);
        let c = sim
            .get_function_configuration(fname("f"), Some("live".into()))
            .await
            .unwrap();
        assert_eq!(c.version, "2");
        // Hand-made invalid request: rejected before any state changes.
        let bad = alias("$LATEST", Some(("2", 0.5)));
        assert!(sim.update_alias(bad).await.unwrap_err().is_validation());
        assert_eq!(
            sim.get_alias(fname("f"), "live".parse().unwrap())
                .await
                .unwrap()
                .function_version,
            "2"
        );
        sim.delete_alias(fname("f"), "live".parse().unwrap()).await.unwrap();
        assert!(
            sim.delete_alias(fname("f"), "live".parse().unwrap())
                .await
                .unwrap_err()
                .is_not_found()
        );
        assert_eq!(sim.inventory().count("alias"), 0);
    }

    async fn routed_share(seed: u64) -> usize {
        let sim = SimCloud::with_config(SimConfig {
            seed,
            ..SimConfig::instant()
        });
        sim.register_handler("f", Arc::new(|_| Ok(serde_json::json!(null))));
        sim.create_function(create_req("f")).await.unwrap();
        two_versions(&sim).await;
        sim.create_alias(alias("1", Some(("2", 0.1)))).await.unwrap();
        let mut to_new = 0;
        for _ in 0..10_000 {
            let out = sim
                .invoke(invoke!("f").qualifier("live").build().unwrap())
                .await
                .unwrap();
            match out.executed_version.as_deref() {
                Some("2") => to_new += 1,
                Some("1") => {}
                other => panic!("unexpected version {other:?}"),
            }
        }
        to_new
    }

    #[tokio::test(start_paused = true)]
    async fn weighted_routing_follows_the_weight_deterministically() {
        let a = routed_share(42).await;
        assert!((800..=1200).contains(&a), "{a} of 10000 went to version 2");
        assert_eq!(routed_share(42).await, a, "same seed, same split");
    }

    #[tokio::test(start_paused = true)]
    async fn invoke_results_errors_and_log_tail() {
        let sim = active("f").await;
        let out = sim
            .invoke(invoke!("f").payload(&b"{\"x\":1}"[..]).log_tail(true).build().unwrap())
            .await
            .unwrap();
        assert_eq!(out.status_code, 200);
        assert_eq!(out.function_error, None);
        assert_eq!(
            out.payload_json().unwrap(),
            serde_json::json!({"version": "$LATEST", "event": {"x": 1}})
        );
        assert_eq!(out.executed_version.as_deref(), Some("$LATEST"));
        let tail = out.log_tail.unwrap();
        assert!(tail.starts_with("START RequestId: "), "{tail}");
        assert!(tail.contains("Version: $LATEST"), "{tail}");
        assert!(
            tail.contains("\nEND RequestId: ") && tail.contains("REPORT RequestId: "),
            "{tail}"
        );
        assert!(tail.contains("Duration: ") && tail.contains(" ms"), "{tail}");

        let out = sim
            .invoke(invoke!("f").payload(&b"{\"fail\":true}"[..]).build().unwrap())
            .await
            .unwrap();
        assert_eq!(out.status_code, 200);
        assert_eq!(out.function_error.as_deref(), Some("Unhandled"));
        assert_eq!(
            out.payload_json().unwrap(),
            serde_json::json!({"errorMessage": "boom", "errorType": "Error"})
        );
        assert_eq!(out.log_tail, None);

        let out = sim
            .invoke(invoke!("f").invocation_type(InvocationType::Event).build().unwrap())
            .await
            .unwrap();
        assert_eq!((out.status_code, out.payload.len()), (202, 0));

        let e = sim
            .invoke(invoke!("f").payload(&b"not json"[..]).build().unwrap())
            .await
            .unwrap_err();
        assert_eq!(code(&e), "InvalidRequestContentException");
        assert!(e.is_validation());
        let e = sim
            .invoke(invoke!("f").qualifier("3").build().unwrap())
            .await
            .unwrap_err();
        assert!(e.is_not_found());
        let e = sim
            .invoke(invoke!("f").qualifier("nope").build().unwrap())
            .await
            .unwrap_err();
        assert!(e.is_not_found());
    }

    #[tokio::test(start_paused = true)]
    async fn dry_run_runs_nothing_and_missing_handler_is_explained() {
        let sim = SimCloud::with_config(SimConfig::instant());
        sim.create_function(create_req("g")).await.unwrap();
        let out = sim
            .invoke(invoke!("g").invocation_type(InvocationType::DryRun).build().unwrap())
            .await
            .unwrap();
        assert_eq!((out.status_code, out.payload.len()), (204, 0));
        let e = sim.invoke(invoke!("g").build().unwrap()).await.unwrap_err();
        assert_eq!(code(&e), "ResourceNotReadyException");
        assert!(e.to_string().contains("SimCloud::register_handler"), "{e}");
        let calls = Arc::new(AtomicUsize::new(0));
        let c2 = calls.clone();
        sim.register_handler(
            "g",
            Arc::new(move |_| {
                c2.fetch_add(1, Ordering::SeqCst);
                Ok(serde_json::json!("ok"))
            }),
        );
        sim.invoke(invoke!("g").invocation_type(InvocationType::DryRun).build().unwrap())
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        sim.invoke(invoke!("g").invocation_type(InvocationType::Event).build().unwrap())
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn handler_may_call_the_simulator() {
        let sim = SimCloud::with_config(SimConfig::instant());
        let inner = sim.clone();
        sim.register_handler(
            "f",
            Arc::new(move |_| Ok(serde_json::json!(inner.inventory().count("function")))),
        );
        sim.create_function(create_req("f")).await.unwrap();
        let out = sim.invoke(invoke!("f").build().unwrap()).await.unwrap();
        assert_eq!(out.payload_json().unwrap(), serde_json::json!(1));
    }

    macro_rules! permission {
        ($sid:expr) => {
            AddPermissionRequest::builder()
                .function(fname("f"))
                .statement_id($sid)
                .principal(CLOUDWATCH_ALARMS_PRINCIPAL)
        };
    }

    #[tokio::test(start_paused = true)]
    async fn permissions_and_policy_document() {
        let sim = active("f").await;
        let e = sim.get_policy(fname("f"), None).await.unwrap_err();
        assert!(e.is_not_found());
        let alarm: Arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:high-cpu"
            .parse()
            .unwrap();
        sim.add_permission(
            permission!("alarms")
                .source_arn(alarm.clone())
                .source_account("123456789012")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
        let e = sim
            .add_permission(permission!("alarms").build().unwrap())
            .await
            .unwrap_err();
        assert_eq!(code(&e), "ResourceConflictException");
        let e = sim
            .add_permission(permission!("v9").qualifier("9").build().unwrap())
            .await
            .unwrap_err();
        assert!(e.is_not_found());
        let policy: serde_json::Value = serde_json::from_str(&sim.get_policy(fname("f"), None).await.unwrap()).unwrap();
        assert_eq!(policy["Version"], "2012-10-17");
        let s = &policy["Statement"][0];
        assert_eq!(s["Sid"], "alarms");
        assert_eq!(s["Effect"], "Allow");
        assert_eq!(s["Action"], "lambda:InvokeFunction");
        assert_eq!(s["Principal"]["Service"], CLOUDWATCH_ALARMS_PRINCIPAL);
        assert_eq!(s["Resource"], "arn:aws:lambda:us-east-1:123456789012:function:f");
        assert_eq!(s["Condition"]["ArnLike"]["AWS:SourceArn"], alarm.as_str());
        assert_eq!(s["Condition"]["StringEquals"]["AWS:SourceAccount"], "123456789012");
        // The qualified policy is separate.
        assert!(sim.get_policy(fname("f"), Some("$LATEST".into())).await.is_err());
        let rm = |sid: &str| {
            RemovePermissionRequest::builder()
                .function(fname("f"))
                .statement_id(sid)
                .build()
                .unwrap()
        };
        assert!(sim.remove_permission(rm("other")).await.unwrap_err().is_not_found());
        sim.remove_permission(rm("alarms")).await.unwrap();
        assert!(sim.get_policy(fname("f"), None).await.unwrap_err().is_not_found());
    }

    #[tokio::test(start_paused = true)]
    async fn alarm_invocations_need_a_policy() {
        let sim = active("f").await;
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        sim.register_handler(
            "f",
            Arc::new(move |inv: &Invocation| {
                s2.lock().unwrap().push((inv.version.clone(), inv.payload.clone()));
                Ok(serde_json::json!(null))
            }),
        );
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
        let alarm = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:high-cpu";
        let event = serde_json::json!({"alarmArn": alarm, "alarmData": {"state": {"value": "ALARM"}}});
        assert!(!invoke_from_alarm(&sim, arn, event.clone()).await);
        {
            let st = sim.lock();
            let last = st.lambda.alarm_invocations.last().unwrap();
            assert!(!last.ran);
            assert!(last.detail.contains(CLOUDWATCH_ALARMS_PRINCIPAL), "{}", last.detail);
        }
        assert!(seen.lock().unwrap().is_empty());
        // A statement for another alarm does not help.
        sim.add_permission(
            permission!("other")
                .source_arn("arn:aws:cloudwatch:us-east-1:123456789012:alarm:other".parse().unwrap())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
        assert!(!invoke_from_alarm(&sim, arn, event.clone()).await);
        sim.add_permission(
            permission!("alarms")
                .source_arn("arn:aws:cloudwatch:us-east-1:123456789012:alarm:*".parse().unwrap())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
        assert!(invoke_from_alarm(&sim, arn, event.clone()).await);
        assert_eq!(
            seen.lock().unwrap().as_slice(),
            &[("$LATEST".to_string(), event.clone())]
        );
        // A qualified ARN needs a statement on that qualifier.
        assert!(!invoke_from_alarm(&sim, &format!("{arn}:$LATEST"), event.clone()).await);
        assert!(!invoke_from_alarm(&sim, "arn:aws:lambda:us-east-1:123456789012:function:nope", event).await);
        let st = sim.lock();
        let ran: Vec<bool> = st.lambda.alarm_invocations.iter().map(|a| a.ran).collect();
        assert_eq!(ran, [false, false, true, false, false]);
    }

    #[tokio::test(start_paused = true)]
    async fn delete_rules() {
        let sim = active("f").await;
        two_versions(&sim).await;
        sim.create_alias(alias("1", Some(("2", 0.2)))).await.unwrap();
        for v in ["1", "2"] {
            let e = sim.delete_function(fname("f"), Some(v.into())).await.unwrap_err();
            assert_eq!(code(&e), "ResourceConflictException");
            assert!(e.to_string().contains("live"), "{e}");
        }
        let e = sim
            .delete_function(fname("f"), Some("$LATEST".into()))
            .await
            .unwrap_err();
        assert_eq!(code(&e), "InvalidParameterValueException");
        let e = sim.delete_function(fname("f"), Some("live".into())).await.unwrap_err();
        assert_eq!(code(&e), "InvalidParameterValueException");
        assert!(
            sim.delete_function(fname("f"), Some("5".into()))
                .await
                .unwrap_err()
                .is_not_found()
        );
        sim.update_alias(alias("2", None)).await.unwrap();
        sim.delete_function(fname("f"), Some("1".into())).await.unwrap();
        let inv = sim.inventory();
        assert_eq!((inv.count("function"), inv.count("alias")), (1, 1));
        assert_eq!(sim.list_functions().await.unwrap().len(), 1);
        sim.delete_function(fname("f"), None).await.unwrap();
        assert!(sim.inventory().is_empty(), "{}", sim.inventory());
        assert!(sim.list_functions().await.unwrap().is_empty());
        assert!(sim.delete_function(fname("f"), None).await.unwrap_err().is_not_found());
    }

    #[tokio::test(start_paused = true)]
    async fn list_tags_by_function_arn() {
        let sim = SimCloud::new();
        let mut req = create_req("tagged");
        req.tags = Tags::from([("workflow".to_string(), "deploy".to_string())]);
        let created = sim.create_function(req).await.unwrap();
        // Readable while Pending, as AWS's ListTags is.
        assert_eq!(created.state, FunctionState::Pending);
        let tags = sim.list_tags(created.arn.clone()).await.unwrap();
        assert_eq!(tags, Tags::from([("workflow".to_string(), "deploy".to_string())]));
        let untagged = sim.create_function(create_req("plain")).await.unwrap();
        assert!(sim.list_tags(untagged.arn).await.unwrap().is_empty());
        for other in [
            "arn:aws:lambda:us-east-1:123456789012:function:nope",
            "arn:aws:lambda:eu-west-1:123456789012:function:tagged",
            "arn:aws:lambda:us-east-1:210987654321:function:tagged",
        ] {
            let e = sim.list_tags(other.parse().unwrap()).await.unwrap_err();
            assert!(e.is_not_found(), "{other}: {e:?}");
            assert_eq!(code(&e), "ResourceNotFoundException");
        }
        let alias: Arn = format!("{}:live", created.arn).parse().unwrap();
        assert!(sim.list_tags(alias).await.unwrap_err().is_validation());
        sim.delete_function(fname("tagged"), None).await.unwrap();
        assert!(sim.list_tags(created.arn).await.unwrap_err().is_not_found());
    }

    #[tokio::test(start_paused = true)]
    async fn tag_and_untag_resource() {
        let sim = SimCloud::new();
        let mut req = create_req("tagged");
        req.tags = Tags::from([("workflow".to_string(), "deploy".to_string())]);
        let arn = sim.create_function(req).await.unwrap().arn;
        let t = |k: &str, v: &str| (k.to_string(), v.to_string());
        sim.tag_resource(arn.clone(), Tags::from([t("workflow", "release"), t("team", "infra")]))
            .await
            .unwrap();
        assert_eq!(
            sim.list_tags(arn.clone()).await.unwrap(),
            Tags::from([t("team", "infra"), t("workflow", "release")])
        );
        sim.untag_resource(arn.clone(), vec!["workflow".into(), "absent".into()])
            .await
            .unwrap();
        assert_eq!(
            sim.list_tags(arn.clone()).await.unwrap(),
            Tags::from([t("team", "infra")])
        );
        // Bad input changes nothing.
        let bad = Tags::from([t("aws:owner", "x")]);
        assert!(sim.tag_resource(arn.clone(), bad).await.unwrap_err().is_validation());
        assert!(
            sim.untag_resource(arn.clone(), vec![])
                .await
                .unwrap_err()
                .is_validation()
        );
        assert_eq!(
            sim.list_tags(arn.clone()).await.unwrap(),
            Tags::from([t("team", "infra")])
        );
        // 50 tags at most, counting those the function keeps.
        let many: Tags = (0..50).map(|i| t(&format!("k{i}"), "v")).collect();
        let e = sim.tag_resource(arn.clone(), many).await.unwrap_err();
        assert_eq!(code(&e), "InvalidParameterValueException", "{e:?}");
        let e = sim
            .tag_resource(
                "arn:aws:lambda:us-east-1:123456789012:function:nope".parse().unwrap(),
                Tags::from([t("a", "b")]),
            )
            .await
            .unwrap_err();
        assert_eq!(code(&e), "ResourceNotFoundException");
        let alias: Arn = format!("{arn}:live").parse().unwrap();
        assert!(
            sim.untag_resource(alias, vec!["team".into()])
                .await
                .unwrap_err()
                .is_validation()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn function_urls_per_alias_go_with_the_alias_and_the_function() {
        let sim = active("f").await;
        sim.publish_version(PublishVersionRequest::builder().name(fname("f")).build().unwrap())
            .await
            .unwrap();
        sim.create_alias(alias("1", None)).await.unwrap();
        let url = |q: Option<&str>| {
            FunctionUrlRequest::builder()
                .function(fname("f"))
                .maybe_qualifier(q.map(str::to_string))
                .build()
                .unwrap()
        };
        let live = sim.create_function_url_config(url(Some("live"))).await.unwrap();
        assert!(live.function_arn.as_str().ends_with(":function:f:live"), "{live:?}");
        assert!(live.url.ends_with(".lambda-url.us-east-1.on.aws/"), "{live:?}");
        let bare = sim.create_function_url_config(url(None)).await.unwrap();
        assert_ne!(bare.url, live.url, "one address per qualifier");
        let e = sim.create_function_url_config(url(Some("nope"))).await.unwrap_err();
        assert_eq!(e.code(), Some("ResourceNotFoundException"), "an unknown alias");
        // A version number cannot have a URL: refused before any call.
        let e = FunctionUrlRequest::builder()
            .function(fname("f"))
            .qualifier("1")
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "qualifier"),
            "{e:?}"
        );
        sim.delete_alias(fname("f"), "live".parse().unwrap()).await.unwrap();
        let e = sim
            .get_function_url_config(fname("f"), Some("live".into()))
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            Some("ResourceNotFoundException"),
            "the alias's URL went with it"
        );
        sim.delete_function(fname("f"), None).await.unwrap();
        let e = sim.get_function_url_config(fname("f"), None).await.unwrap_err();
        assert_eq!(e.code(), Some("ResourceNotFoundException"));
    }

    #[tokio::test(start_paused = true)]
    async fn layer_versions_are_numbered_named_by_functions_and_kept_after_delete() {
        let sim = active("f").await;
        let layer: LayerName = "deps".parse().unwrap();
        let publish = |tag: &str| {
            PublishLayerVersionRequest::builder()
                .layer_name(layer.clone())
                .zip(zip(tag))
                .description(tag)
                .build()
                .unwrap()
        };
        let v1 = sim.publish_layer_version(publish("one")).await.unwrap();
        let v2 = sim.publish_layer_version(publish("two")).await.unwrap();
        assert_eq!((v1.version, v2.version), (1, 2));
        assert_eq!(
            v2.layer_version_arn.as_str(),
            "arn:aws:lambda:us-east-1:123456789012:layer:deps:2"
        );
        assert_eq!(v2.layer_arn, "arn:aws:lambda:us-east-1:123456789012:layer:deps");
        assert_eq!(v2.code_size, zip("two").len() as u64);
        // By ARN too; newest first; the listing carries no hash or size, as AWS's.
        let by_arn: LayerName = v2.layer_arn.parse().unwrap();
        assert_eq!(
            sim.get_layer_version(by_arn.clone(), 1).await.unwrap().description,
            "one"
        );
        let listed = sim.list_layer_versions(by_arn).await.unwrap();
        assert_eq!(listed.iter().map(|v| v.version).collect::<Vec<_>>(), [2, 1]);
        assert_eq!((listed[0].code_size, listed[0].code_sha256.as_str()), (0, ""));
        assert!(
            sim.list_layer_versions("other".parse().unwrap())
                .await
                .unwrap()
                .is_empty()
        );

        // A function names a version; an unknown one (or another account's) is refused.
        let updated = sim
            .update_function_configuration(
                UpdateFunctionConfigurationRequest::builder()
                    .name(fname("f"))
                    .layers(vec![v1.layer_version_arn.clone()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            updated.layers,
            [FunctionLayer::new(v1.layer_version_arn.clone(), v1.code_size)]
        );
        wait_update(&sim).await;
        for unknown in [
            "arn:aws:lambda:us-east-1:123456789012:layer:deps:3",
            "arn:aws:lambda:us-east-1:999999999999:layer:deps:1",
            "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1",
        ] {
            let mut req = create_req("g");
            req.layers = vec![unknown.parse().unwrap()];
            let e = sim.create_function(req).await.unwrap_err();
            assert_eq!(code(&e), "InvalidParameterValueException", "{unknown}");
            assert!(e.to_string().contains(unknown), "{e}");
        }
        assert!(
            sim.get_function_configuration(fname("g"), None).await.is_err(),
            "nothing created"
        );

        // Deleting a version: no longer readable or addable, numbers not reused, and the
        // function that uses it keeps it. Deleting it again succeeds.
        sim.delete_layer_version(layer.clone(), 1).await.unwrap();
        sim.delete_layer_version(layer.clone(), 1).await.unwrap();
        let e = sim.get_layer_version(layer.clone(), 1).await.unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::NotFound);
        assert!(
            e.to_string()
                .starts_with("layer version not found: arn:aws:lambda:us-east-1:123456789012:layer:deps:1"),
            "{e}"
        );
        let mut req = create_req("g");
        req.layers = vec![v1.layer_version_arn.clone()];
        assert_eq!(
            code(&sim.create_function(req).await.unwrap_err()),
            "InvalidParameterValueException"
        );
        let f = sim.get_function_configuration(fname("f"), None).await.unwrap();
        assert_eq!(f.layers.len(), 1, "kept by the function");
        assert_eq!(sim.publish_layer_version(publish("three")).await.unwrap().version, 3);
        let inv = sim.inventory();
        assert_eq!(inv.count("layer version"), 2, "{inv:?}");

        // An empty list removes every layer; a new layer set publishes a new version.
        let cleared = sim
            .update_function_configuration(
                UpdateFunctionConfigurationRequest::builder()
                    .name(fname("f"))
                    .layers(vec![])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(cleared.layers.is_empty());
        // Another account's layer cannot be published to here.
        let foreign = PublishLayerVersionRequest::builder()
            .layer_name("arn:aws:lambda:us-east-1:999999999999:layer:deps".parse().unwrap())
            .zip(zip("x"))
            .build()
            .unwrap();
        assert_eq!(
            code(&sim.publish_layer_version(foreign).await.unwrap_err()),
            "AccessDeniedException"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn reserved_concurrency_and_throttling() {
        let sim = active("limited").await;
        let name = fname("limited");
        assert_eq!(sim.get_function_concurrency(name.clone()).await.unwrap(), None);
        let invoke = || {
            sim.invoke(
                InvokeRequest::builder()
                    .function(fname("limited"))
                    .payload(&b"{}"[..])
                    .build()
                    .unwrap(),
            )
        };
        assert_eq!(invoke().await.unwrap().status_code, 200);
        sim.put_function_concurrency(name.clone(), 0).await.unwrap();
        assert_eq!(sim.get_function_concurrency(name.clone()).await.unwrap(), Some(0));
        let e = invoke().await.unwrap_err();
        assert_eq!(code(&e), "TooManyRequestsException", "{e:?}");
        assert!(e.is_throttled(), "{e:?}");
        sim.put_function_concurrency(name.clone(), 5).await.unwrap();
        assert_eq!(sim.get_function_concurrency(name.clone()).await.unwrap(), Some(5));
        assert_eq!(invoke().await.unwrap().status_code, 200);
        // The account keeps 100 of its 1,000 executions unreserved.
        sim.create_function(create_req("other")).await.unwrap();
        let e = sim.put_function_concurrency(fname("other"), 896).await.unwrap_err();
        assert_eq!(code(&e), "InvalidParameterValueException", "{e:?}");
        sim.put_function_concurrency(fname("other"), 895).await.unwrap();
        // Replacing a reservation does not count the old one.
        sim.put_function_concurrency(name.clone(), 4).await.unwrap();
        sim.delete_function_concurrency(name.clone()).await.unwrap();
        assert_eq!(sim.get_function_concurrency(name.clone()).await.unwrap(), None);
        for e in [
            sim.put_function_concurrency(fname("nope"), 1).await.unwrap_err(),
            sim.get_function_concurrency(fname("nope")).await.unwrap_err(),
            sim.delete_function_concurrency(fname("nope")).await.unwrap_err(),
        ] {
            assert_eq!(code(&e), "ResourceNotFoundException", "{e:?}");
        }
        assert!(
            sim.put_function_concurrency(name, u32::MAX)
                .await
                .unwrap_err()
                .is_validation()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn validation_happens_before_any_state_change() {
        let sim = SimCloud::new();
        let mut req = create_req("f");
        req.memory_mb = 64;
        let e = sim.create_function(req).await.unwrap_err();
        assert!(e.is_validation());
        assert!(sim.inventory().is_empty());
        let mut req = create_req("f");
        req.zip = Bytes::from_static(b"not a zip");
        assert!(sim.create_function(req).await.unwrap_err().is_validation());
        assert!(sim.list_functions().await.unwrap().is_empty());
        sim.create_function(create_req("f")).await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        let mut upd = UpdateFunctionConfigurationRequest::builder()
            .name(fname("f"))
            .build()
            .unwrap();
        upd.timeout_secs = Some(0);
        assert!(
            sim.update_function_configuration(upd)
                .await
                .unwrap_err()
                .is_validation()
        );
        let c = sim.get_function_configuration(fname("f"), None).await.unwrap();
        assert_eq!(
            (c.timeout_secs, c.last_update_status),
            (3, LastUpdateStatus::Successful)
        );
        let mut perm = permission!("ok").build().unwrap();
        perm.statement_id = "bad id".into();
        assert!(sim.add_permission(perm).await.unwrap_err().is_validation());
        assert!(sim.get_policy(fname("f"), None).await.is_err());
    }

    #[test]
    fn globs_and_arns() {
        assert!(glob(
            "arn:aws:cloudwatch:*:alarm:*",
            "arn:aws:cloudwatch:us-east-1:1:alarm:x"
        ));
        assert!(!glob("arn:a", "arn:ab"));
        assert_eq!(
            split_function_arn("arn:aws:lambda:us-east-1:123456789012:function:f:live"),
            Some((
                "us-east-1".into(),
                "123456789012".into(),
                "f".into(),
                Some("live".into())
            ))
        );
        assert_eq!(split_function_arn("arn:aws:s3:::b"), None);
    }
}
