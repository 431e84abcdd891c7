//! Deploying a Lambda function: create or update (waiting out every in-progress update, so a
//! deploy never hits `ResourceConflictException`), publish a version, point an alias at it —
//! optionally through a canary guarded by CloudWatch alarms — and prune old versions.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::workflows::lambda_deploy::{deploy, zip_files, Deployment, Outcome};
//! let sim = aws_facade::sim::SimCloud::new();
//! sim.register_handler("greeter", std::sync::Arc::new(|inv: &aws_facade::sim::Invocation| Ok(inv.payload.clone())));
//! let cloud = sim.cloud();
//! let spec = Deployment::builder()
//!     .function("greeter".parse()?)
//!     .runtime("provided.al2023")
//!     .role("arn:aws:iam::123456789012:role/lambda-basic".parse()?)
//!     .build()?;
//! let zip = zip_files(&[("bootstrap", b"#!/bin/sh\necho hi\n".as_slice())])?;
//! let first = deploy(&cloud, &spec, zip, None, None).await?;
//! assert_eq!(first.version, "1");
//! assert_eq!(first.outcome, Outcome::Created);
//! # Ok(()) }
//! ```

#[cfg(feature = "lambda")]
use std::io::Write;
#[cfg(feature = "lambda")]
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bon::Builder;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::cloud::Cloud;
use crate::cloudwatch::{AlarmState, DescribeAlarmsRequest};
use crate::error::{Error, Result};
use crate::id::{AlarmName, AliasName, Arn, FunctionName};
use crate::lambda::{
    Alias, AliasRequest, AliasRouting, CreateFunctionRequest, Environment, FunctionConfiguration, InvokeRequest,
    Lambda, PublishVersionRequest, UpdateFunctionCodeRequest, UpdateFunctionConfigurationRequest,
};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};
use crate::wait::conditions;
use crate::workflows::plan::{Owned, Progress, Run, Teardown, undo};
use crate::workflows::remove::{self, NotFoundExt};

/// What to deploy (everything but the code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// The function.
    pub function: FunctionName,
    /// The runtime, e.g. `provided.al2023` or `python3.12`.
    pub runtime: String,
    /// The execution role.
    pub role: Arn,
    /// The handler (not needed for `provided.*` runtimes).
    pub handler: Option<String>,
    /// Memory, 128-10,240 MB (default 128).
    #[builder(default = 128)]
    #[serde(default = "default_memory")]
    pub memory_mb: u32,
    /// Timeout, 1-900 s (default 3).
    #[builder(default = 3)]
    #[serde(default = "default_timeout")]
    pub timeout_secs: u32,
    /// Environment variables (values redacted in `Debug` and serde output; a spec file gives
    /// them as plain strings).
    #[builder(default)]
    #[serde(default)]
    pub environment: Environment,
    /// A description.
    pub description: Option<String>,
    /// The alias that serves traffic (default `live`).
    #[builder(default = "live".parse().expect("valid"))]
    #[serde(default = "default_alias")]
    pub alias: AliasName,
    /// Published versions to keep besides the aliased ones (default 3).
    #[builder(default = 3)]
    #[serde(default = "default_keep")]
    pub keep_versions: usize,
    /// Tags for a new function.
    #[builder(default)]
    #[serde(default)]
    pub tags: Tags,
}
validated_builder!(Deployment, DeploymentBuilder, deployment_builder);

fn default_memory() -> u32 {
    128
}
fn default_timeout() -> u32 {
    3
}
fn default_alias() -> AliasName {
    "live".parse().expect("valid")
}
fn default_keep() -> usize {
    3
}

pub use crate::workflows::plan::{TAG_NAME, TAG_RUN, TAG_WORKFLOW};
const WORKFLOW: &str = "lambda-deploy";

/// Whether `tags` carry the ownership tags of a deploy of `function`.
fn is_owned(tags: &Tags, function: &FunctionName) -> bool {
    tags.get(TAG_WORKFLOW).map(String::as_str) == Some(WORKFLOW)
        && tags.get(TAG_NAME).map(String::as_str) == Some(function.as_str())
}

fn owner_tags(function: &FunctionName) -> Tags {
    crate::workflows::plan::owner_tags(WORKFLOW, function.as_str(), None)
}

impl Deployment {
    fn create_request(&self, zip: Bytes) -> Result<CreateFunctionRequest> {
        self.create_request_for_run(zip, "00000000")
    }

    fn create_request_for_run(&self, zip: Bytes, run_id: &str) -> Result<CreateFunctionRequest> {
        let mut tags = self.tags.clone();
        tags.extend(owner_tags(&self.function));
        tags.insert(TAG_RUN.into(), run_id.into());
        CreateFunctionRequest::builder()
            .name(self.function.clone())
            .runtime(self.runtime.clone())
            .role(self.role.clone())
            .maybe_handler(self.handler.clone())
            .zip(zip)
            .maybe_description(self.description.clone())
            .timeout_secs(self.timeout_secs)
            .memory_mb(self.memory_mb)
            .environment(self.environment.clone())
            .tags(tags)
            .build()
    }
}

impl Validate for Deployment {
    fn validate(&self) -> Result<()> {
        validate::in_range("keep_versions", self.keep_versions, 1, 100)?;
        // Runtime, handler, memory, timeout, environment: CreateFunction's own rules.
        self.create_request(Bytes::from_static(b"PK\x03\x04")).map(|_| ())
    }
}

/// A canary: route `weight` of the alias's traffic to the new version for `bake`, watching
/// `alarms`; any alarm in `ALARM` rolls back, otherwise the new version gets 100 %.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Canary {
    /// Share of traffic for the new version (0 < weight < 1).
    pub weight: f64,
    /// How long to watch.
    pub bake: Duration,
    /// The alarms that guard it.
    pub alarms: Vec<AlarmName>,
    /// How often to look at the alarms (default 30 s).
    pub poll: Duration,
}

impl Canary {
    /// A canary with a 30 s poll.
    pub fn new(weight: f64, bake: Duration, alarms: Vec<AlarmName>) -> Self {
        Canary {
            weight,
            bake,
            alarms,
            poll: Duration::from_secs(30),
        }
    }
}

impl Validate for Canary {
    fn validate(&self) -> Result<()> {
        if !(self.weight > 0.0 && self.weight < 1.0) {
            return Err(Error::validation(
                "canary.weight",
                format!("must be strictly between 0 and 1 (got {})", self.weight),
            ));
        }
        validate::non_empty("canary.alarms", &self.alarms)?;
        validate::at_most("canary.alarms", &self.alarms, crate::cloudwatch::MAX_ALARM_NAMES)?;
        if self.bake.is_zero() {
            return Err(Error::validation("canary.bake", "must be longer than zero"));
        }
        if self.poll < Duration::from_secs(1) {
            return Err(Error::validation(
                "canary.poll",
                format!("must be at least 1 s (got {:?})", self.poll),
            ));
        }
        Ok(())
    }
}

/// How a deploy ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// First deploy: the function and alias were created.
    Created,
    /// The alias already pointed at this code: nothing changed.
    Unchanged,
    /// The new version serves all traffic.
    Promoted,
    /// An alarm fired during the canary; the alias points at the previous version again.
    RolledBack {
        /// The alarm that fired.
        alarm: AlarmName,
    },
}

/// What a deploy did (serde).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployOutputs {
    /// The function's ARN.
    pub function_arn: Arn,
    /// The version published (or found) for this code.
    pub version: String,
    /// The version the alias pointed at before.
    pub previous_version: Option<String>,
    /// The alias's ARN.
    pub alias_arn: Arn,
    /// The code's SHA-256 (base64, as Lambda reports it).
    pub code_sha256: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Old versions deleted.
    pub deleted_versions: Vec<String>,
}

/// Zips files in memory, deterministically: sorted by name, fixed timestamps and
/// permissions, so the same files always give the same bytes (and code SHA-256).
///
/// With the `lambda` feature (the zip crate is built only then); a deploy itself takes any
/// zip's bytes.
#[cfg(feature = "lambda")]
#[cfg_attr(docsrs, doc(cfg(feature = "lambda")))]
pub fn zip_files(files: &[(&str, &[u8])]) -> Result<Bytes> {
    let mut sorted: Vec<&(&str, &[u8])> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let zerr = |e: zip::result::ZipError| Error::validation("zip", format!("could not zip: {e}"));
    for (name, data) in sorted {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            // Executable for everyone: `bootstrap` of provided.* runtimes must be executable.
            .unix_permissions(0o755);
        w.start_file(*name, opts).map_err(zerr)?;
        w.write_all(data)
            .map_err(|e| Error::validation("zip", format!("could not zip: {e}")))?;
    }
    Ok(Bytes::from(w.finish().map_err(zerr)?.into_inner()))
}

/// Zips a directory (recursively, paths relative to it) with [`zip_files`].
#[cfg(feature = "lambda")]
#[cfg_attr(docsrs, doc(cfg(feature = "lambda")))]
pub fn zip_dir(dir: &Path) -> Result<Bytes> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)
        .map_err(|e| Error::validation("zip", format!("cannot read {}: {e}", dir.display())))?;
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    zip_files(&refs)
}

#[cfg(feature = "lambda")]
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else {
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read(&path)?));
        }
    }
    Ok(())
}

/// Base64 SHA-256 of the code, as Lambda reports `CodeSha256`.
pub fn code_sha256(zip: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(zip))
}

/// Deploys `zip` as described by `spec`, with an optional canary.
///
/// On failure, a function this deploy created is deleted and an alias it moved is put back.
pub async fn deploy(
    cloud: &Cloud,
    spec: &Deployment,
    zip: Bytes,
    canary: Option<Canary>,
    progress: Option<Progress>,
) -> Result<DeployOutputs> {
    spec.validate()?;
    spec.create_request(zip.clone())?;
    if let Some(c) = &canary {
        c.validate()?;
    }
    let run = Run::new(cloud, format!("lambda deploy {}", spec.function), progress);
    run.set_sweep(sweep(cloud, &spec.function, run.id()));
    run.execute(deploy_in(cloud, spec, zip, canary, &run)).await
}

/// The function, if this run created it (its `aws-facade:run` tag is the run's id), even when
/// the CreateFunction answer was lost.
fn sweep(cloud: &Cloud, function: &FunctionName, run_id: &str) -> crate::workflows::plan::SweepFn {
    let (cloud, function, run_id) = (cloud.clone(), function.clone(), run_id.to_string());
    Arc::new(move || {
        let (cloud, function, run_id) = (cloud.clone(), function.clone(), run_id.clone());
        Box::pin(async move {
            Ok(match owned_function(&cloud, &function).await? {
                Some(tags) if tags.get(TAG_RUN) == Some(&run_id) => vec![function_removal(&cloud, &function)],
                _ => Vec::new(),
            })
        })
    })
}

/// The function's tags if it exists and carries this workflow's ownership tags; `None` if it
/// does not exist; a conflict if it exists without them.
async fn owned_function(cloud: &Cloud, function: &FunctionName) -> Result<Option<Tags>> {
    let Some(c) = cloud
        .lambda
        .get_function_configuration(function.clone(), None)
        .await
        .ok_if_not_found()?
    else {
        return Ok(None);
    };
    let tags = cloud.lambda.list_tags(c.arn.clone()).await?;
    if !is_owned(&tags, function) {
        return Err(remove::not_ours(
            "function",
            function.as_str(),
            crate::Service::Lambda,
            &owner_tags(function),
        ));
    }
    Ok(Some(tags))
}

fn function_removal(cloud: &Cloud, function: &FunctionName) -> Owned {
    let (l, n) = (cloud.lambda.clone(), function.clone());
    Owned {
        kind: "function".into(),
        id: function.to_string(),
        remove: undo(move || {
            let (l, n) = (l.clone(), n.clone());
            async move { remove::function(l.as_ref(), &n).await }
        }),
    }
}

/// What a deploy of `function` owns: the function itself, if it exists with this workflow's
/// ownership tags (`"function NAME"`). A same-named function without them is reported by
/// [`destroy_by_name`] as skipped.
pub async fn find_owned(cloud: &Cloud, function: &FunctionName) -> Result<Vec<String>> {
    match owned_function(cloud, function).await {
        Ok(Some(_)) => Ok(vec![format!("function {function}")]),
        Ok(None) => Ok(Vec::new()),
        Err(e) if e.code() == Some("ResourceNotOwned") => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Deletes the function (all versions and aliases) if it carries this workflow's ownership
/// tags; a same-named function without them is left alone and reported as skipped.
pub async fn destroy_by_name(cloud: &Cloud, function: &FunctionName, progress: Option<Progress>) -> Result<Teardown> {
    let run = Run::new(cloud, format!("lambda deploy {function} destroy"), progress);
    let out = run
        .scope(async {
            let mut report = Teardown::default();
            match owned_function(cloud, function).await {
                Ok(Some(_)) => {
                    remove::function(cloud.lambda.as_ref(), function).await?;
                    run.emit(crate::workflows::Event::Removed {
                        kind: "function".into(),
                        id: function.to_string(),
                    });
                    report.removed.push(format!("function {function}"));
                }
                Ok(None) => {}
                Err(e) if e.code() == Some("ResourceNotOwned") => {
                    run.emit(crate::workflows::Event::Skipped {
                        kind: "function".into(),
                        id: function.to_string(),
                        reason: "no ownership tags".into(),
                    });
                    report.skipped.push(format!("function {function}"));
                }
                Err(e) => return Err(e),
            }
            Ok(report)
        })
        .await;
    run.commit();
    out
}

async fn deploy_in(
    cloud: &Cloud,
    spec: &Deployment,
    zip: Bytes,
    canary: Option<Canary>,
    run: &Run,
) -> Result<DeployOutputs> {
    let lambda = cloud.lambda.as_ref();
    let sha = code_sha256(&zip);
    let name = spec.function.clone();

    // 0. A canary's alarms must exist: DescribeAlarms skips unknown names, so a misspelt
    //    alarm would otherwise guard nothing.
    if let Some(c) = &canary {
        run.step("check alarms", &[], async {
            let req = DescribeAlarmsRequest::builder().names(c.alarms.clone()).build()?;
            let found = cloud.cloudwatch.describe_alarms(req.clone()).await?;
            match c.alarms.iter().find(|n| !found.iter().any(|a| a.name == **n)) {
                Some(missing) => Err(Error::api(
                    crate::Service::CloudWatch,
                    "ResourceNotFound",
                    format!("canary alarm '{missing}' does not exist"),
                )),
                None => Ok(()),
            }
        })
        .await?;
    }

    // 1. The function: create, or update code and configuration (one change at a time). An
    //    existing function must carry this workflow's ownership tags.
    let existing = match owned_function(cloud, &name).await? {
        Some(_) => Some(lambda.get_function_configuration(name.clone(), None).await?),
        None => None,
    };
    let function_arn = match existing {
        None => {
            run.step("create function", &[], async {
                let req = spec.create_request_for_run(zip.clone(), run.id())?;
                let c = match lambda.create_function(req).await {
                    Ok(c) => c,
                    // A retried create whose first attempt took effect: adopt it if this run
                    // made it (its run tag), never anything else.
                    Err(e) if e.code() == Some("ResourceConflictException") => {
                        match owned_function(cloud, &name).await? {
                            Some(tags) if tags.get(TAG_RUN).map(String::as_str) == Some(run.id()) => {
                                lambda.get_function_configuration(name.clone(), None).await?
                            }
                            _ => return Err(e),
                        }
                    }
                    Err(e) => return Err(e),
                };
                let o = function_removal(cloud, &name);
                run.created(&o.kind, c.arn.to_string(), o.remove);
                conditions::function_ready(lambda, &name).await?;
                Ok(c.arn)
            })
            .await?
        }
        Some(current) => {
            run.step("update function", &[], async {
                let _ = current;
                let current = conditions::function_ready(lambda, &name).await?;
                if current.code_sha256 != sha {
                    let req = UpdateFunctionCodeRequest::builder()
                        .name(name.clone())
                        .zip(zip.clone())
                        .build()?;
                    let updated = lambda.update_function_code(req.clone()).await;
                    // (PublishVersion checks the code's SHA-256: someone else's code is not published.)
                    adopt_update(lambda, &name, updated, |c| c.code_sha256 == sha).await?;
                }
                if config_differs(&current, spec) {
                    let req = UpdateFunctionConfigurationRequest::builder()
                        .name(name.clone())
                        .memory_mb(spec.memory_mb)
                        .timeout_secs(spec.timeout_secs)
                        .environment(spec.environment.clone())
                        .maybe_handler(spec.handler.clone())
                        .runtime(spec.runtime.clone())
                        .maybe_description(spec.description.clone())
                        .role(spec.role.clone())
                        .build()?;
                    let updated = lambda.update_function_configuration(req.clone()).await;
                    adopt_update(lambda, &name, updated, |c| !config_differs(c, spec)).await?;
                }
                Ok(current.arn)
            })
            .await?
        }
    };

    // 2. A version for this code (Lambda returns the latest version when nothing changed).
    let version = run
        .step("publish version", &["create function", "update function"], async {
            let req = PublishVersionRequest::builder()
                .name(name.clone())
                .code_sha256(sha.clone())
                .build()?;
            Ok(lambda.publish_version(req.clone()).await?.version)
        })
        .await?;

    // 3. The alias.
    let alias = match lambda.get_alias(name.clone(), spec.alias.clone()).await {
        Ok(a) => Some(a),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e),
    };
    let (alias_arn, previous, outcome) = match alias {
        None => {
            let a = run
                .step("create alias", &["publish version"], async {
                    let req = alias_request(spec, &version, None)?;
                    let a = match lambda.create_alias(req).await {
                        Ok(a) => a,
                        // A retried create whose first attempt took effect (the alias did not
                        // exist a moment ago): adopt it if it points where this deploy put it.
                        Err(e) if e.code() == Some("ResourceConflictException") => {
                            let a = lambda.get_alias(name.clone(), spec.alias.clone()).await?;
                            if a.function_version != version {
                                return Err(e);
                            }
                            a
                        }
                        Err(e) => return Err(e),
                    };
                    let l = cloud.lambda.clone();
                    let (n, an) = (name.clone(), spec.alias.clone());
                    run.created(
                        "alias",
                        a.arn.to_string(),
                        undo(move || {
                            let (l, n, an) = (l.clone(), n.clone(), an.clone());
                            async move { remove::alias(l.as_ref(), &n, &an).await }
                        }),
                    );
                    Ok(a)
                })
                .await?;
            (a.arn, None, Outcome::Created)
        }
        Some(a) if a.function_version == version => {
            if a.routing.is_some() {
                // An interrupted canary towards another version: this version takes it all.
                run.step("promote", &["publish version"], set_alias(lambda, spec, &version, None))
                    .await?;
            }
            (a.arn, Some(version.clone()), Outcome::Unchanged)
        }
        Some(a) => {
            let previous = a.function_version.clone();
            // Should anything fail from here on, the alias goes back to the previous version.
            let l = cloud.lambda.clone();
            let restore = alias_request(spec, &previous, None)?;
            run.created(
                "alias routing",
                format!("{}:{}", name, spec.alias),
                undo(move || {
                    let (l, r) = (l.clone(), restore.clone());
                    async move { l.update_alias(r).await.map(|_| ()) }
                }),
            );
            let outcome = match &canary {
                Some(c) => bake(cloud, spec, &previous, &version, c, run).await?,
                None => Outcome::Promoted,
            };
            if outcome == Outcome::Promoted {
                run.step("promote", &["bake"], set_alias(lambda, spec, &version, None))
                    .await?;
            }
            (a.arn, Some(previous), outcome)
        }
    };

    // 4. Prune old versions (never the aliased ones).
    let deleted_versions = run
        .step("prune versions", &["promote"], prune(lambda, &name, spec.keep_versions))
        .await?;

    Ok(DeployOutputs {
        function_arn,
        version,
        previous_version: previous,
        alias_arn,
        code_sha256: sha,
        outcome,
        deleted_versions,
    })
}

/// Waits until the update `updated` (the answer of an UpdateFunctionCode or
/// UpdateFunctionConfiguration) is done and returns the function's configuration.
///
/// A retried update whose first attempt took effect but whose answer was lost meets the update
/// that attempt started: `ResourceConflictException` ("An update is in progress"), as on AWS.
/// Once that update is done, the function shows what this deploy asked for (`took_effect`)
/// and the update is adopted; otherwise (someone else's update) the conflict is the error.
async fn adopt_update(
    lambda: &dyn Lambda,
    name: &FunctionName,
    updated: Result<FunctionConfiguration>,
    took_effect: impl Fn(&FunctionConfiguration) -> bool,
) -> Result<FunctionConfiguration> {
    match updated {
        Ok(_) => conditions::function_ready(lambda, name).await,
        Err(e) if e.code() == Some("ResourceConflictException") => {
            let now = conditions::function_ready(lambda, name).await?;
            if took_effect(&now) { Ok(now) } else { Err(e) }
        }
        Err(e) => Err(e),
    }
}

/// The request that points the deployment's alias at `version` (with an optional canary route).
fn alias_request(spec: &Deployment, version: &str, routing: Option<AliasRouting>) -> Result<AliasRequest> {
    AliasRequest::builder()
        .function(spec.function.clone())
        .name(spec.alias.clone())
        .version(version.to_string())
        .maybe_routing(routing)
        .build()
}

/// Points the alias at `version` (with an optional canary route).
async fn set_alias(
    lambda: &dyn Lambda,
    spec: &Deployment,
    version: &str,
    routing: Option<AliasRouting>,
) -> Result<Alias> {
    let req = alias_request(spec, version, routing)?;
    lambda.update_alias(req.clone()).await
}

fn config_differs(c: &FunctionConfiguration, spec: &Deployment) -> bool {
    c.memory_mb != spec.memory_mb
        || c.timeout_secs != spec.timeout_secs
        || c.environment != spec.environment
        || c.handler != spec.handler
        || c.runtime != spec.runtime
        || c.role != spec.role
        || spec.description.as_ref().is_some_and(|d| *d != c.description)
}

/// Routes the canary weight to `new`, watches the alarms for the bake time, and rolls back
/// (alias to `previous` only) on the first alarm in `ALARM`.
async fn bake(cloud: &Cloud, spec: &Deployment, previous: &str, new: &str, c: &Canary, run: &Run) -> Result<Outcome> {
    let lambda = cloud.lambda.as_ref();
    let route = AliasRouting {
        version: new.to_string(),
        weight: c.weight,
    };
    run.step(
        "canary",
        &["publish version"],
        set_alias(lambda, spec, previous, Some(route)),
    )
    .await?;
    let fired = run
        .step("bake", &["canary"], async {
            let deadline = tokio::time::Instant::now() + c.bake;
            loop {
                let req = DescribeAlarmsRequest::builder().names(c.alarms.clone()).build()?;
                let alarms = cloud.cloudwatch.describe_alarms(req.clone()).await?;
                if let Some(a) = alarms.iter().find(|a| a.state == AlarmState::Alarm) {
                    return Ok(Some(a.name.clone()));
                }
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                run.note(format!(
                    "canary {} % on version {new}: alarms OK, {}s to go",
                    c.weight * 100.0,
                    left.as_secs()
                ));
                if left.is_zero() {
                    return Ok(None);
                }
                tokio::time::sleep(c.poll.min(left)).await;
            }
        })
        .await?;
    match fired {
        Some(alarm) => {
            run.step("roll back", &["bake"], set_alias(lambda, spec, previous, None))
                .await?;
            run.note(format!(
                "alarm {alarm} fired: alias {} back on version {previous}",
                spec.alias
            ));
            Ok(Outcome::RolledBack { alarm })
        }
        None => Ok(Outcome::Promoted),
    }
}

/// Deletes published versions beyond the newest `keep`, sparing any version an alias uses.
pub async fn prune(lambda: &dyn Lambda, name: &FunctionName, keep: usize) -> Result<Vec<String>> {
    let versions = lambda.list_versions(name.clone()).await?;
    let aliases = lambda.list_aliases(name.clone()).await?;
    let used: Vec<String> = aliases
        .iter()
        .flat_map(|a| std::iter::once(a.function_version.clone()).chain(a.routing.iter().map(|r| r.version.clone())))
        .collect();
    let mut numbered: Vec<u64> = versions.iter().filter_map(|v| v.version.parse().ok()).collect();
    numbered.sort_unstable_by(|a, b| b.cmp(a));
    let mut deleted = Vec::new();
    for v in numbered.into_iter().skip(keep) {
        let v = v.to_string();
        if used.contains(&v) {
            continue;
        }
        remove::function_version(lambda, name, &v).await?;
        deleted.push(v);
    }
    Ok(deleted)
}

/// Typed invoke: serializes `event`, invokes, and deserializes the response. A function error
/// becomes [`Error::FunctionError`] with the payload and the decoded log tail.
pub async fn invoke_json<Req: Serialize, Resp: DeserializeOwned>(
    lambda: &dyn Lambda,
    function: &FunctionName,
    qualifier: Option<&str>,
    event: &Req,
) -> Result<Resp> {
    let payload =
        serde_json::to_vec(event).map_err(|e| Error::validation("event", format!("cannot serialize: {e}")))?;
    let req = InvokeRequest::builder()
        .function(function.clone())
        .maybe_qualifier(qualifier.map(str::to_string))
        .payload(Bytes::from(payload))
        .log_tail(true)
        .build()?;
    let out = lambda.invoke(req).await?;
    if let Some(kind) = out.function_error {
        return Err(Error::FunctionError {
            function: match qualifier {
                Some(q) => format!("{function}:{q}"),
                None => function.to_string(),
            },
            error_type: kind,
            payload: String::from_utf8_lossy(&out.payload).into_owned(),
            log_tail: out.log_tail,
        });
    }
    serde_json::from_slice(&out.payload).map_err(|e| {
        Error::api(
            crate::Service::Lambda,
            "InvalidResponse",
            format!("function '{function}' answered something that is not the expected JSON: {e}"),
        )
    })
}

impl Deployment {
    /// The least-privilege IAM policy for [`deploy`] (first deploy, later deploys, canaries)
    /// and [`destroy_by_name`] of this function: the function must be created with the
    /// workflow's ownership tags, every other call is on this function's ARN (and its versions
    /// and aliases) and needs the tags on it; `iam:PassRole` only for this deployment's role
    /// and only to Lambda. `cloudwatch:DescribeAlarms` (the canary's alarms) is on every alarm
    /// (a listing may answer any).
    pub fn iam_policy(&self) -> crate::iam::Policy {
        use crate::iam::{PolicyBuilder, Statement, alarm_arn, function_arns};
        let function = function_arns(self.function.as_str());
        PolicyBuilder::new(WORKFLOW, self.function.as_str())
            .on("ListAlarms", &["cloudwatch:DescribeAlarms"], &[alarm_arn("*")])
            .create("CreateTagged", &["lambda:CreateFunction"], &function)
            .statement(
                Statement::allow(["iam:PassRole"], [self.role.as_str()])
                    .sid("PassTheRole")
                    .condition("StringEquals", "iam:PassedToService", ["lambda.amazonaws.com"]),
            )
            .manage(
                "ManageOwned",
                &[
                    "lambda:GetFunctionConfiguration",
                    "lambda:ListTags",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "lambda:PublishVersion",
                    "lambda:ListVersionsByFunction",
                    "lambda:GetAlias",
                    "lambda:ListAliases",
                    "lambda:CreateAlias",
                    "lambda:UpdateAlias",
                    "lambda:DeleteFunction",
                ],
                &function,
            )
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "lambda")]
    fn zips_are_deterministic() {
        let a = zip_files(&[("b.txt", b"two".as_slice()), ("a.txt", b"one".as_slice())]).unwrap();
        let b = zip_files(&[("a.txt", b"one".as_slice()), ("b.txt", b"two".as_slice())]).unwrap();
        assert_eq!(a, b);
        assert_eq!(code_sha256(&a), code_sha256(&b));
        assert!(a.starts_with(b"PK\x03\x04"));
        let c = zip_files(&[("a.txt", b"one!".as_slice()), ("b.txt", b"two".as_slice())]).unwrap();
        assert_ne!(code_sha256(&a), code_sha256(&c));
    }

    #[test]
    fn deployment_rules_name_the_field() {
        let b = || {
            Deployment::builder()
                .function("f".parse().unwrap())
                .runtime("python3.12")
                .handler("app.handler")
                .role("arn:aws:iam::123456789012:role/r".parse().unwrap())
        };
        assert!(b().build().is_ok());
        let field = |e: Error| match e {
            Error::Validation { field, .. } => field,
            o => panic!("{o:?}"),
        };
        assert_eq!(field(b().memory_mb(64).build().unwrap_err()), "memory_mb");
        assert_eq!(field(b().timeout_secs(901).build().unwrap_err()), "timeout_secs");
        assert_eq!(field(b().keep_versions(0).build().unwrap_err()), "keep_versions");
    }
}
