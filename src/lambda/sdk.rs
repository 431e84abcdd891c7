//! [`Lambda`] over `aws_sdk_lambda`.
//!
//! Zip packages and payloads travel as [`Blob`]s; `log_tail` asks for `LogType::Tail` and the
//! base64 `LogResult` is decoded. A function error is reported in
//! [`InvokeOutput::function_error`], not as `Err`.

use std::time::SystemTime;

use aws_sdk_lambda::types as sdk;
use aws_smithy_types::Blob;
use base64::Engine;
use bytes::Bytes;

use super::*;
use crate::error::{ApiError, Error, Service};
use crate::id::{AliasName, FunctionName, LayerName, LayerVersionArn};
use crate::macros::sdk_adapter;
use crate::sdk_util::{Answer, RequireAnswer, parse_id, sdk_err};
use crate::validate::Validate;

sdk_adapter!(
    /// [`Lambda`] over `aws_sdk_lambda`.
    SdkLambda, aws_sdk_lambda, interceptor = RequireAnswer(ANSWERS));

/// The operations whose success response is a JSON document (Lambda API reference, each
/// operation's "Response Syntax"): an empty `2xx` body is a wrong endpoint's, not Lambda's
/// (`DeleteFunction`, `DeleteAlias`, `RemovePermission` answer `204` with no body; `Invoke`'s
/// body is the function's payload).
const ANSWERS: &[(&str, Answer)] = &[
    ("CreateFunction", Answer::Body),
    ("GetFunctionConfiguration", Answer::Body),
    ("UpdateFunctionCode", Answer::Body),
    ("UpdateFunctionConfiguration", Answer::Body),
    ("PublishVersion", Answer::Body),
    ("ListVersionsByFunction", Answer::Body),
    ("CreateAlias", Answer::Body),
    ("UpdateAlias", Answer::Body),
    ("GetAlias", Answer::Body),
    ("ListAliases", Answer::Body),
    ("AddPermission", Answer::Body),
    ("GetPolicy", Answer::Body),
    ("ListFunctions", Answer::Body),
    ("ListTags", Answer::Body),
    ("PutFunctionConcurrency", Answer::Body),
    ("GetFunctionConcurrency", Answer::Body),
    ("PublishLayerVersion", Answer::Body),
    ("GetLayerVersion", Answer::Body),
    ("ListLayerVersions", Answer::Body),
];

fn malformed(what: impl Into<String>) -> Error {
    Error::from_api(ApiError::new(Service::Lambda, "MalformedResponse", what))
}

/// Parses Lambda's `LastModified` (`2019-10-24T17:36:34.165+0000`).
fn parse_last_modified(s: &str) -> Option<SystemTime> {
    let norm = if let Some(base) = s.strip_suffix("+0000") {
        format!("{base}Z")
    } else if s.len() > 5 && (s.as_bytes()[s.len() - 5] == b'+' || s.as_bytes()[s.len() - 5] == b'-') {
        format!("{}:{}", &s[..s.len() - 2], &s[s.len() - 2..])
    } else {
        s.to_string()
    };
    let t = aws_smithy_types::DateTime::from_str(&norm, aws_smithy_types::date_time::Format::DateTime).ok()?;
    crate::sdk_util::to_system_time(&t)
}

// The open enums convert through the AWS names: a value the crate does not know stays as it
// is (`Unknown`), never becomes a wrong known one.
fn state_from(s: Option<&sdk::State>) -> FunctionState {
    // Older responses carry no state; such functions are usable.
    s.map_or(FunctionState::Active, |s| FunctionState::from(s.as_str()))
}

fn update_status_from(s: Option<&sdk::LastUpdateStatus>) -> LastUpdateStatus {
    s.map_or(LastUpdateStatus::Successful, |s| LastUpdateStatus::from(s.as_str()))
}

fn environment_from(e: Option<&sdk::EnvironmentResponse>) -> Environment {
    e.and_then(|e| e.variables())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn environment_to(e: &Environment) -> sdk::Environment {
    sdk::Environment::builder()
        .set_variables(Some(
            e.iter()
                .map(|(k, v)| (k.to_string(), v.expose_secret().clone()))
                .collect(),
        ))
        .build()
}

fn architecture_from(a: &sdk::Architecture) -> Architecture {
    Architecture::from(a.as_str())
}

/// A VpcConfigResponse: `None` when there is none or it names no subnet and no group (Lambda
/// answers empty lists for a function outside a VPC).
fn vpc_from(v: Option<&sdk::VpcConfigResponse>) -> crate::Result<Option<VpcConfig>> {
    let Some(v) = v else { return Ok(None) };
    if v.subnet_ids().is_empty() && v.security_group_ids().is_empty() {
        return Ok(None);
    }
    let subnet_ids = v
        .subnet_ids()
        .iter()
        .map(|s| parse_id(Service::Lambda, "VpcConfig.SubnetIds", Some(s.as_str())))
        .collect::<crate::Result<_>>()?;
    let security_group_ids = v
        .security_group_ids()
        .iter()
        .map(|s| parse_id(Service::Lambda, "VpcConfig.SecurityGroupIds", Some(s.as_str())))
        .collect::<crate::Result<_>>()?;
    Ok(Some(VpcConfig {
        subnet_ids,
        security_group_ids,
        ipv6_allowed_for_dual_stack: v.ipv6_allowed_for_dual_stack().unwrap_or(false),
    }))
}

fn vpc_to(v: &VpcConfig) -> sdk::VpcConfig {
    sdk::VpcConfig::builder()
        .set_subnet_ids(Some(v.subnet_ids.iter().map(|s| s.to_string()).collect()))
        .set_security_group_ids(Some(v.security_group_ids.iter().map(|s| s.to_string()).collect()))
        .ipv6_allowed_for_dual_stack(v.ipv6_allowed_for_dual_stack)
        .build()
}

fn ephemeral_to(mb: u32) -> crate::Result<sdk::EphemeralStorage> {
    sdk::EphemeralStorage::builder()
        .size(mb as i32)
        .build()
        .map_err(|e| Error::validation("ephemeral_storage_mb", e.to_string()))
}

fn dead_letter_to(arn: &Arn) -> sdk::DeadLetterConfig {
    sdk::DeadLetterConfig::builder().target_arn(arn.as_str()).build()
}

/// Maps any of the SDK's function-configuration shapes (CreateFunction, GetFunctionConfiguration,
/// UpdateFunction*, PublishVersion outputs and `types::FunctionConfiguration` share accessors).
macro_rules! config_from {
    ($o:expr) => {{
        let o = $o;
        FunctionConfiguration {
            name: parse_id(Service::Lambda, "FunctionName", o.function_name())?,
            arn: parse_id(Service::Lambda, "FunctionArn", o.function_arn())?,
            runtime: o.runtime().map(|r| r.as_str().to_string()).unwrap_or_default(),
            role: parse_id(Service::Lambda, "Role", o.role())?,
            handler: o.handler().map(str::to_string),
            code_sha256: o.code_sha256().unwrap_or_default().to_string(),
            code_size: u64::try_from(o.code_size()).unwrap_or_default(),
            description: o.description().unwrap_or_default().to_string(),
            timeout_secs: o.timeout().and_then(|t| u32::try_from(t).ok()).unwrap_or(3),
            memory_mb: o.memory_size().and_then(|t| u32::try_from(t).ok()).unwrap_or(128),
            environment: environment_from(o.environment()),
            architectures: o.architectures().iter().map(architecture_from).collect(),
            version: o.version().unwrap_or("$LATEST").to_string(),
            state: state_from(o.state()),
            state_reason: o.state_reason().map(str::to_string),
            last_update_status: update_status_from(o.last_update_status()),
            revision_id: o.revision_id().map(str::to_string),
            last_modified: o.last_modified().and_then(parse_last_modified),
            vpc_config: vpc_from(o.vpc_config())?,
            vpc_id: o
                .vpc_config()
                .and_then(|v| v.vpc_id())
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            ephemeral_storage_mb: o
                .ephemeral_storage()
                .and_then(|e| u32::try_from(e.size()).ok())
                .unwrap_or(512),
            dead_letter_target_arn: match o.dead_letter_config().and_then(|d| d.target_arn()) {
                Some(a) if !a.is_empty() => Some(parse_id(Service::Lambda, "DeadLetterConfig.TargetArn", Some(a))?),
                _ => None,
            },
            layers: o
                .layers()
                .iter()
                .map(|l| {
                    Ok(FunctionLayer::new(
                        parse_id(Service::Lambda, "Layers.Arn", l.arn())?,
                        u64::try_from(l.code_size()).unwrap_or_default(),
                    ))
                })
                .collect::<crate::Result<Vec<_>>>()?,
        }
    }};
}

/// Maps a layer version answer: PublishLayerVersion and GetLayerVersion outputs (with
/// `content`), or a ListLayerVersions item (`list`: no content and no layer ARN, which is read
/// from the version ARN).
macro_rules! layer_from {
    ($o:expr, content) => {{
        let o = $o;
        let mut v = layer_from!(o, common);
        if let Some(a) = o.layer_arn() {
            v.layer_arn = a.to_string();
        }
        if let Some(c) = o.content() {
            v.code_sha256 = c.code_sha256().unwrap_or_default().to_string();
            v.code_size = u64::try_from(c.code_size()).unwrap_or_default();
        }
        v
    }};
    ($o:expr, common) => {{
        let o = $o;
        let arn: LayerVersionArn = parse_id(Service::Lambda, "LayerVersionArn", o.layer_version_arn())?;
        LayerVersion {
            layer_arn: arn.layer_arn().unwrap_or_default().to_string(),
            version: u64::try_from(o.version()).map_err(|_| malformed("a negative layer Version"))?,
            layer_version_arn: arn,
            description: o.description().unwrap_or_default().to_string(),
            created: o.created_date().and_then(parse_last_modified),
            compatible_runtimes: o.compatible_runtimes().iter().map(|r| r.as_str().to_string()).collect(),
            compatible_architectures: o.compatible_architectures().iter().map(architecture_from).collect(),
            license_info: o.license_info().filter(|l| !l.is_empty()).map(str::to_string),
            code_sha256: String::new(),
            code_size: 0,
        }
    }};
}

fn layers_to(layers: &[LayerVersionArn]) -> Vec<String> {
    layers.iter().map(|l| l.as_str().to_string()).collect()
}

/// Maps the SDK's alias shapes (CreateAlias, UpdateAlias, GetAlias outputs and
/// `types::AliasConfiguration`).
macro_rules! alias_from {
    ($o:expr) => {{
        let o = $o;
        let routing = o
            .routing_config()
            .and_then(|r| r.additional_version_weights())
            .and_then(|w| w.iter().next())
            .map(|(v, w)| AliasRouting {
                version: v.clone(),
                weight: *w,
            });
        Alias {
            arn: parse_id(Service::Lambda, "AliasArn", o.alias_arn())?,
            name: parse_id::<AliasName>(Service::Lambda, "Name", o.name())?,
            function_version: o
                .function_version()
                .ok_or_else(|| malformed("response is missing FunctionVersion"))?
                .to_string(),
            routing,
            description: o.description().unwrap_or_default().to_string(),
            revision_id: o.revision_id().map(str::to_string),
        }
    }};
}

fn routing_to(r: &Option<AliasRouting>) -> Option<sdk::AliasRoutingConfiguration> {
    r.as_ref().map(|r| {
        sdk::AliasRoutingConfiguration::builder()
            .additional_version_weights(r.version.clone(), r.weight)
            .build()
    })
}

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl super::Lambda for SdkLambda {
    async fn create_function(&self, req: CreateFunctionRequest) -> crate::Result<FunctionConfiguration> {
        req.validate()?;
        let mut b = self
            .client
            .create_function()
            .function_name(req.name.as_str())
            .runtime(sdk::Runtime::from(req.runtime.as_str()))
            .role(req.role.as_str())
            .set_handler(req.handler.clone())
            .code(
                sdk::FunctionCode::builder()
                    .zip_file(Blob::new(req.zip.to_vec()))
                    .build(),
            )
            .set_description(req.description.clone())
            .timeout(req.timeout_secs as i32)
            .memory_size(req.memory_mb as i32)
            .publish(req.publish)
            .set_tags((!req.tags.is_empty()).then(|| req.tags.clone().into_iter().collect()))
            .set_vpc_config(req.vpc_config.as_ref().map(vpc_to))
            .set_ephemeral_storage(req.ephemeral_storage_mb.map(ephemeral_to).transpose()?)
            .set_dead_letter_config(req.dead_letter_target_arn.as_ref().map(dead_letter_to))
            .set_layers((!req.layers.is_empty()).then(|| layers_to(&req.layers)));
        if !req.environment.is_empty() {
            b = b.environment(environment_to(&req.environment));
        }
        for a in &req.architectures {
            b = b.architectures(sdk::Architecture::from(a.as_str()));
        }
        let out = b.send().await.map_err(sdk_err(Service::Lambda))?;
        Ok(config_from!(&out))
    }

    async fn get_function_configuration(
        &self,
        name: FunctionName,
        qualifier: Option<String>,
    ) -> crate::Result<FunctionConfiguration> {
        check_qualifier(&qualifier)?;
        let out = self
            .client
            .get_function_configuration()
            .function_name(name.as_str())
            .set_qualifier(qualifier)
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(config_from!(&out))
    }

    async fn update_function_code(&self, req: UpdateFunctionCodeRequest) -> crate::Result<FunctionConfiguration> {
        req.validate()?;
        let out = self
            .client
            .update_function_code()
            .function_name(req.name.as_str())
            .zip_file(Blob::new(req.zip.to_vec()))
            .publish(req.publish)
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(config_from!(&out))
    }

    async fn update_function_configuration(
        &self,
        req: UpdateFunctionConfigurationRequest,
    ) -> crate::Result<FunctionConfiguration> {
        req.validate()?;
        let out = self
            .client
            .update_function_configuration()
            .function_name(req.name.as_str())
            .set_memory_size(req.memory_mb.map(|m| m as i32))
            .set_timeout(req.timeout_secs.map(|t| t as i32))
            .set_environment(req.environment.as_ref().map(environment_to))
            .set_handler(req.handler.clone())
            .set_runtime(req.runtime.as_deref().map(sdk::Runtime::from))
            .set_description(req.description.clone())
            .set_role(req.role.as_ref().map(|r| r.to_string()))
            .set_vpc_config(req.vpc_config.as_ref().map(vpc_to))
            .set_ephemeral_storage(req.ephemeral_storage_mb.map(ephemeral_to).transpose()?)
            .set_dead_letter_config(req.dead_letter_target_arn.as_ref().map(dead_letter_to))
            .set_layers(req.layers.as_deref().map(layers_to))
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(config_from!(&out))
    }

    async fn publish_version(&self, req: PublishVersionRequest) -> crate::Result<FunctionConfiguration> {
        req.validate()?;
        let out = self
            .client
            .publish_version()
            .function_name(req.name.as_str())
            .set_description(req.description.clone())
            .set_code_sha256(req.code_sha256.clone())
            .set_revision_id(req.revision_id.clone())
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(config_from!(&out))
    }

    async fn list_versions(&self, name: FunctionName) -> crate::Result<Vec<FunctionConfiguration>> {
        let mut pages = self
            .client
            .list_versions_by_function()
            .function_name(name.as_str())
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let c = item.map_err(sdk_err(Service::Lambda))?;
            out.push(config_from!(&c));
        }
        Ok(out)
    }

    async fn list_versions_page(
        &self,
        name: FunctionName,
        page: PageRequest,
    ) -> crate::Result<Page<FunctionConfiguration>> {
        let out = self
            .client
            .list_versions_by_function()
            .function_name(name.as_str())
            .set_marker(page.token)
            .set_max_items(page.size.map(|n| n as i32))
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        let items = out
            .versions()
            .iter()
            .map(|c| Ok(config_from!(c)))
            .collect::<crate::Result<_>>()?;
        Ok(Page::new(items, out.next_marker().map(str::to_string)))
    }

    async fn create_alias(&self, req: AliasRequest) -> crate::Result<Alias> {
        req.validate()?;
        let out = self
            .client
            .create_alias()
            .function_name(req.function.as_str())
            .name(req.name.as_str())
            .function_version(req.version.as_str())
            .set_description(req.description.clone())
            .set_routing_config(routing_to(&req.routing))
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(alias_from!(&out))
    }

    async fn update_alias(&self, req: AliasRequest) -> crate::Result<Alias> {
        req.validate()?;
        // No routing in the request means "route everything to `version`": send an empty
        // weight map so a previous split is removed.
        let routing = routing_to(&req.routing).or_else(|| {
            Some(
                sdk::AliasRoutingConfiguration::builder()
                    .set_additional_version_weights(Some(Default::default()))
                    .build(),
            )
        });
        let out = self
            .client
            .update_alias()
            .function_name(req.function.as_str())
            .name(req.name.as_str())
            .function_version(req.version.as_str())
            .set_description(req.description.clone())
            .set_routing_config(routing)
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(alias_from!(&out))
    }

    async fn get_alias(&self, function: FunctionName, name: AliasName) -> crate::Result<Alias> {
        let out = self
            .client
            .get_alias()
            .function_name(function.as_str())
            .name(name.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(alias_from!(&out))
    }

    async fn list_aliases(&self, function: FunctionName) -> crate::Result<Vec<Alias>> {
        let mut pages = self
            .client
            .list_aliases()
            .function_name(function.as_str())
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let a = item.map_err(sdk_err(Service::Lambda))?;
            out.push(alias_from!(&a));
        }
        Ok(out)
    }

    async fn delete_alias(&self, function: FunctionName, name: AliasName) -> crate::Result<()> {
        self.client
            .delete_alias()
            .function_name(function.as_str())
            .name(name.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(())
    }

    async fn invoke(&self, req: InvokeRequest) -> crate::Result<InvokeOutput> {
        req.validate()?;
        let invocation_type = match req.invocation_type {
            InvocationType::RequestResponse => sdk::InvocationType::RequestResponse,
            InvocationType::Event => sdk::InvocationType::Event,
            InvocationType::DryRun => sdk::InvocationType::DryRun,
        };
        let mut b = self
            .client
            .invoke()
            .function_name(req.function.as_str())
            .set_qualifier(req.qualifier.clone())
            .invocation_type(invocation_type);
        if !req.payload.is_empty() {
            b = b.payload(Blob::new(req.payload.to_vec()));
        }
        if req.log_tail {
            b = b.log_type(sdk::LogType::Tail);
        }
        let out = b.send().await.map_err(sdk_err(Service::Lambda))?;
        let log_tail = match out.log_result() {
            Some(encoded) => {
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .map_err(|e| malformed(format!("LogResult is not base64: {e}")))?;
                Some(String::from_utf8_lossy(&raw).into_owned())
            }
            None => None,
        };
        Ok(InvokeOutput {
            status_code: u16::try_from(out.status_code)
                .map_err(|_| malformed(format!("StatusCode {} out of range", out.status_code)))?,
            function_error: out.function_error.clone(),
            log_tail,
            executed_version: out.executed_version.clone(),
            payload: out.payload.map(|b| Bytes::from(b.into_inner())).unwrap_or_default(),
        })
    }

    async fn add_permission(&self, req: AddPermissionRequest) -> crate::Result<()> {
        req.validate()?;
        self.client
            .add_permission()
            .function_name(req.function.as_str())
            .set_qualifier(req.qualifier.clone())
            .statement_id(req.statement_id.as_str())
            .action(req.action.as_str())
            .principal(req.principal.as_str())
            .set_source_arn(req.source_arn.as_ref().map(|a| a.to_string()))
            .set_source_account(req.source_account.clone())
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(())
    }

    async fn remove_permission(&self, req: RemovePermissionRequest) -> crate::Result<()> {
        req.validate()?;
        self.client
            .remove_permission()
            .function_name(req.function.as_str())
            .statement_id(req.statement_id.as_str())
            .set_qualifier(req.qualifier.clone())
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(())
    }

    async fn get_policy(&self, function: FunctionName, qualifier: Option<String>) -> crate::Result<String> {
        check_qualifier(&qualifier)?;
        let out = self
            .client
            .get_policy()
            .function_name(function.as_str())
            .set_qualifier(qualifier)
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        out.policy.ok_or_else(|| malformed("response is missing Policy"))
    }

    async fn delete_function(&self, name: FunctionName, qualifier: Option<String>) -> crate::Result<()> {
        check_qualifier(&qualifier)?;
        self.client
            .delete_function()
            .function_name(name.as_str())
            .set_qualifier(qualifier)
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(())
    }

    async fn list_functions(&self) -> crate::Result<Vec<FunctionConfiguration>> {
        let mut pages = self.client.list_functions().into_paginator().items().send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let c = item.map_err(sdk_err(Service::Lambda))?;
            out.push(config_from!(&c));
        }
        Ok(out)
    }

    async fn list_functions_page(&self, page: PageRequest) -> crate::Result<Page<FunctionConfiguration>> {
        let out = self
            .client
            .list_functions()
            .set_marker(page.token)
            .set_max_items(page.size.map(|n| n as i32))
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        let items = out
            .functions()
            .iter()
            .map(|c| Ok(config_from!(c)))
            .collect::<crate::Result<_>>()?;
        Ok(Page::new(items, out.next_marker().map(str::to_string)))
    }

    async fn list_tags(&self, arn: Arn) -> crate::Result<Tags> {
        check_function_arn(&arn)?;
        let out = self
            .client
            .list_tags()
            .resource(arn.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(out.tags.unwrap_or_default().into_iter().collect())
    }

    async fn tag_resource(&self, arn: Arn, tags: Tags) -> crate::Result<()> {
        check_function_arn(&arn)?;
        check_tags(&tags)?;
        self.client
            .tag_resource()
            .resource(arn.as_str())
            .set_tags(Some(tags.into_iter().collect()))
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(())
    }

    async fn untag_resource(&self, arn: Arn, keys: Vec<String>) -> crate::Result<()> {
        check_function_arn(&arn)?;
        check_tag_keys(&keys)?;
        self.client
            .untag_resource()
            .resource(arn.as_str())
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(())
    }

    async fn put_function_concurrency(&self, name: FunctionName, reserved: u32) -> crate::Result<()> {
        check_reserved(reserved)?;
        let sent = i32::try_from(reserved).map_err(|_| Error::validation("reserved", "at most 2147483647"))?;
        self.client
            .put_function_concurrency()
            .function_name(name.as_str())
            .reserved_concurrent_executions(sent)
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(())
    }

    async fn get_function_concurrency(&self, name: FunctionName) -> crate::Result<Option<u32>> {
        let out = self
            .client
            .get_function_concurrency()
            .function_name(name.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        // Absent (`{}`) when the function has no reservation; a negative count is no answer
        // Lambda gives (the shape's minimum is 0).
        out.reserved_concurrent_executions
            .map(|n| u32::try_from(n).map_err(|_| malformed(format!("ReservedConcurrentExecutions {n} is negative"))))
            .transpose()
    }

    async fn delete_function_concurrency(&self, name: FunctionName) -> crate::Result<()> {
        self.client
            .delete_function_concurrency()
            .function_name(name.as_str())
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(())
    }

    async fn create_function_url_config(&self, req: FunctionUrlRequest) -> crate::Result<FunctionUrlConfig> {
        req.validate()?;
        let out = self
            .client
            .create_function_url_config()
            .function_name(req.function.as_str())
            .set_qualifier(req.qualifier.clone())
            .auth_type(sdk::FunctionUrlAuthType::from(req.auth_type.as_str()))
            .set_cors(req.cors.as_ref().map(sdk_cors))
            .invoke_mode(sdk::InvokeMode::from(req.invoke_mode.as_str()))
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        url_config(
            &out.function_url,
            &out.function_arn,
            &out.auth_type,
            out.cors.as_ref(),
            out.invoke_mode.as_ref(),
            &out.creation_time,
        )
    }

    async fn get_function_url_config(
        &self,
        function: FunctionName,
        qualifier: Option<String>,
    ) -> crate::Result<FunctionUrlConfig> {
        validate_url_qualifier(qualifier.as_deref())?;
        let out = self
            .client
            .get_function_url_config()
            .function_name(function.as_str())
            .set_qualifier(qualifier)
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        url_config(
            &out.function_url,
            &out.function_arn,
            &out.auth_type,
            out.cors.as_ref(),
            out.invoke_mode.as_ref(),
            &out.creation_time,
        )
    }

    async fn update_function_url_config(&self, req: FunctionUrlRequest) -> crate::Result<FunctionUrlConfig> {
        req.validate()?;
        let out = self
            .client
            .update_function_url_config()
            .function_name(req.function.as_str())
            .set_qualifier(req.qualifier.clone())
            .auth_type(sdk::FunctionUrlAuthType::from(req.auth_type.as_str()))
            // Without CORS in the request the URL's CORS would stay: send an empty one to
            // replace the whole configuration, as the request promises.
            .cors(
                req.cors
                    .as_ref()
                    .map(sdk_cors)
                    .unwrap_or_else(|| sdk::Cors::builder().build()),
            )
            .invoke_mode(sdk::InvokeMode::from(req.invoke_mode.as_str()))
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        url_config(
            &out.function_url,
            &out.function_arn,
            &out.auth_type,
            out.cors.as_ref(),
            out.invoke_mode.as_ref(),
            &out.creation_time,
        )
    }

    async fn delete_function_url_config(&self, function: FunctionName, qualifier: Option<String>) -> crate::Result<()> {
        validate_url_qualifier(qualifier.as_deref())?;
        self.client
            .delete_function_url_config()
            .function_name(function.as_str())
            .set_qualifier(qualifier)
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(())
    }

    async fn publish_layer_version(&self, req: PublishLayerVersionRequest) -> crate::Result<LayerVersion> {
        req.validate()?;
        let out = self
            .client
            .publish_layer_version()
            .layer_name(req.layer_name.as_str())
            .content(
                sdk::LayerVersionContentInput::builder()
                    .zip_file(Blob::new(req.zip.to_vec()))
                    .build(),
            )
            .set_description(req.description.clone())
            .set_compatible_runtimes((!req.compatible_runtimes.is_empty()).then(|| {
                req.compatible_runtimes
                    .iter()
                    .map(|r| sdk::Runtime::from(r.as_str()))
                    .collect()
            }))
            .set_compatible_architectures((!req.compatible_architectures.is_empty()).then(|| {
                req.compatible_architectures
                    .iter()
                    .map(|a| sdk::Architecture::from(a.as_str()))
                    .collect()
            }))
            .set_license_info(req.license_info.clone())
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(layer_from!(&out, content))
    }

    async fn get_layer_version(&self, layer: LayerName, version: u64) -> crate::Result<LayerVersion> {
        let out = self
            .client
            .get_layer_version()
            .layer_name(layer.as_str())
            .version_number(layer_version_number(version)?)
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(layer_from!(&out, content))
    }

    async fn list_layer_versions(&self, layer: LayerName) -> crate::Result<Vec<LayerVersion>> {
        let mut pages = self
            .client
            .list_layer_versions()
            .layer_name(layer.as_str())
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let v = item.map_err(sdk_err(Service::Lambda))?;
            out.push(layer_from!(&v, common));
        }
        Ok(out)
    }

    async fn delete_layer_version(&self, layer: LayerName, version: u64) -> crate::Result<()> {
        self.client
            .delete_layer_version()
            .layer_name(layer.as_str())
            .version_number(layer_version_number(version)?)
            .send()
            .await
            .map_err(sdk_err(Service::Lambda))?;
        Ok(())
    }
}

/// A layer version number as the SDK sends it (`LayerVersionNumber`, a long).
fn layer_version_number(version: u64) -> crate::Result<i64> {
    i64::try_from(version)
        .map_err(|_| Error::validation("version", format!("must be at most {} (got {version})", i64::MAX)))
}

fn sdk_cors(c: &Cors) -> sdk::Cors {
    let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    sdk::Cors::builder()
        .allow_credentials(c.allow_credentials)
        .set_allow_headers(list(&c.allow_headers))
        .set_allow_methods(list(&c.allow_methods))
        .set_allow_origins(list(&c.allow_origins))
        .set_expose_headers(list(&c.expose_headers))
        .set_max_age(c.max_age_secs.map(|a| i32::try_from(a).unwrap_or(i32::MAX)))
        .build()
}

/// A function URL answer (the four operations' outputs share these fields). An empty CORS
/// configuration reads as none.
fn url_config(
    url: &str,
    arn: &str,
    auth: &sdk::FunctionUrlAuthType,
    cors: Option<&sdk::Cors>,
    mode: Option<&sdk::InvokeMode>,
    created: &str,
) -> crate::Result<FunctionUrlConfig> {
    if url.is_empty() {
        return Err(malformed("a function URL answer without FunctionUrl"));
    }
    let cors = cors
        .map(|c| Cors {
            allow_credentials: c.allow_credentials().unwrap_or(false),
            allow_headers: c.allow_headers().to_vec(),
            allow_methods: c.allow_methods().to_vec(),
            allow_origins: c.allow_origins().to_vec(),
            expose_headers: c.expose_headers().to_vec(),
            max_age_secs: c.max_age().and_then(|a| u32::try_from(a).ok()),
        })
        .filter(|c| c != &Cors::default());
    Ok(FunctionUrlConfig {
        url: url.to_string(),
        function_arn: parse_id(Service::Lambda, "FunctionArn", Some(arn))?,
        auth_type: FunctionUrlAuthType::from(auth.as_str()),
        cors,
        invoke_mode: mode.map(|m| InvokeMode::from(m.as_str())).unwrap_or_default(),
        created: parse_last_modified(created),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lambda::Lambda;
    use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
    use aws_sdk_lambda::operation::create_alias::CreateAliasOutput;
    use aws_sdk_lambda::operation::create_function::{CreateFunctionError, CreateFunctionOutput};
    use aws_sdk_lambda::operation::delete_function_concurrency::DeleteFunctionConcurrencyOutput;
    use aws_sdk_lambda::operation::get_function_concurrency::GetFunctionConcurrencyOutput;
    use aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationError;
    use aws_sdk_lambda::operation::invoke::{InvokeError, InvokeOutput as SdkInvokeOutput};
    use aws_sdk_lambda::operation::list_tags::{ListTagsError, ListTagsOutput};
    use aws_sdk_lambda::operation::list_versions_by_function::ListVersionsByFunctionOutput;
    use aws_sdk_lambda::operation::put_function_concurrency::{
        PutFunctionConcurrencyError, PutFunctionConcurrencyOutput,
    };
    use aws_sdk_lambda::operation::tag_resource::{TagResourceError, TagResourceOutput};
    use aws_sdk_lambda::operation::untag_resource::UntagResourceOutput;
    use aws_sdk_lambda::types::error::{
        InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException, TooManyRequestsException,
    };
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, mock};
    use aws_smithy_types::error::ErrorMetadata;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:fn-1";
    const ROLE: &str = "arn:aws:iam::123456789012:role/exec";

    fn meta(code: &str, msg: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(msg).build()
    }

    /// A client answered by `rules` in order (what `mock_client!` builds, without needing the
    /// SDK's `test-util` feature), with retries off so a throttling error is seen once.
    fn mock_lambda(rules: &[&Rule]) -> SdkLambda {
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
        for rule in rules {
            interceptor = interceptor.with_rule(rule);
        }
        let conf = aws_sdk_lambda::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor)
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build();
        SdkLambda::from_client(aws_sdk_lambda::Client::from_conf(conf))
    }

    const DLQ: &str = "arn:aws:sqs:us-east-1:123456789012:fn-dlq";

    fn sdk_config(version: &str) -> sdk::FunctionConfiguration {
        sdk::FunctionConfiguration::builder()
            .function_name("fn-1")
            .function_arn(if version == "$LATEST" {
                ARN.to_string()
            } else {
                format!("{ARN}:{version}")
            })
            .runtime(sdk::Runtime::Providedal2023)
            .role(ROLE)
            .code_sha256("abc=")
            .code_size(10)
            .version(version)
            .state(sdk::State::Active)
            .last_update_status(sdk::LastUpdateStatus::Successful)
            .build()
    }

    #[tokio::test]
    async fn create_function_sends_every_field_and_maps_the_output() {
        let rule = mock!(aws_sdk_lambda::Client::create_function)
            .match_requests(|r| {
                r.function_name() == Some("fn-1")
                    && r.runtime() == Some(&sdk::Runtime::Providedal2023)
                    && r.role() == Some(ROLE)
                    && r.code().and_then(|c| c.zip_file()).map(|b| b.as_ref()) == Some(&b"PK\x03\x04zip"[..])
                    && r.memory_size() == Some(512)
                    && r.timeout() == Some(30)
                    && r.publish() == Some(true)
                    && r.architectures() == [sdk::Architecture::Arm64]
                    && r.environment()
                        .and_then(|e| e.variables())
                        .and_then(|v| v.get("DB_HOST"))
                        .map(String::as_str)
                        == Some("db.internal")
                    && r.vpc_config().map(|v| v.subnet_ids()) == Some(&["subnet-0123456789abcdef0".to_string()][..])
                    && r.vpc_config().map(|v| v.security_group_ids()) == Some(&["sg-0123456789abcdef0".to_string()][..])
                    && r.vpc_config().and_then(|v| v.ipv6_allowed_for_dual_stack()) == Some(true)
                    && r.ephemeral_storage().map(|e| e.size()) == Some(2048)
                    && r.dead_letter_config().and_then(|d| d.target_arn()) == Some(DLQ)
            })
            .then_output(|| {
                CreateFunctionOutput::builder()
                    .vpc_config(
                        sdk::VpcConfigResponse::builder()
                            .subnet_ids("subnet-0123456789abcdef0")
                            .security_group_ids("sg-0123456789abcdef0")
                            .vpc_id("vpc-0123456789abcdef0")
                            .ipv6_allowed_for_dual_stack(true)
                            .build(),
                    )
                    .ephemeral_storage(sdk::EphemeralStorage::builder().size(2048).build().unwrap())
                    .dead_letter_config(sdk::DeadLetterConfig::builder().target_arn(DLQ).build())
                    .function_name("fn-1")
                    .function_arn(ARN)
                    .runtime(sdk::Runtime::Providedal2023)
                    .role(ROLE)
                    .code_sha256("c2hhMjU2")
                    .code_size(7)
                    .timeout(30)
                    .memory_size(512)
                    .version("1")
                    .state(sdk::State::Pending)
                    .last_update_status(sdk::LastUpdateStatus::InProgress)
                    .revision_id("rev-1")
                    .last_modified("2024-01-02T03:04:05.000+0000")
                    .environment(
                        sdk::EnvironmentResponse::builder()
                            .variables("DB_HOST", "db.internal")
                            .build(),
                    )
                    .architectures(sdk::Architecture::Arm64)
                    .build()
            });
        let lambda = mock_lambda(&[&rule]);
        let req = CreateFunctionRequest::builder()
            .name("fn-1".parse().unwrap())
            .runtime("provided.al2023")
            .role(ROLE.parse().unwrap())
            .zip(b"PK\x03\x04zip".to_vec())
            .memory_mb(512)
            .timeout_secs(30)
            .publish(true)
            .architectures(vec![Architecture::Arm64])
            .environment([("DB_HOST", "db.internal")].into_iter().collect::<Environment>())
            .vpc_config(VpcConfig {
                subnet_ids: vec!["subnet-0123456789abcdef0".parse().unwrap()],
                security_group_ids: vec!["sg-0123456789abcdef0".parse().unwrap()],
                ipv6_allowed_for_dual_stack: true,
            })
            .ephemeral_storage_mb(2048)
            .dead_letter_target_arn(DLQ.parse().unwrap())
            .build()
            .unwrap();
        let c = lambda.create_function(req).await.unwrap();
        assert_eq!(c.vpc_id.as_deref(), Some("vpc-0123456789abcdef0"));
        assert_eq!(c.vpc_config.as_ref().map(|v| v.subnet_ids.len()), Some(1));
        assert!(c.vpc_config.as_ref().is_some_and(|v| v.ipv6_allowed_for_dual_stack));
        assert_eq!(c.ephemeral_storage_mb, 2048);
        assert_eq!(c.dead_letter_target_arn.as_ref().map(|a| a.as_str()), Some(DLQ));
        // A function outside a VPC: Lambda answers empty lists, read as no VPC.
        let none = vpc_from(Some(&sdk::VpcConfigResponse::builder().vpc_id("").build())).unwrap();
        assert_eq!(none, None);
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(c.name, "fn-1");
        assert_eq!(c.arn.as_str(), ARN);
        assert_eq!(c.runtime, "provided.al2023");
        assert_eq!(c.code_sha256, "c2hhMjU2");
        assert_eq!(c.code_size, 7);
        assert_eq!((c.memory_mb, c.timeout_secs), (512, 30));
        assert_eq!(c.version, "1");
        assert_eq!(c.state, FunctionState::Pending);
        assert_eq!(c.last_update_status, LastUpdateStatus::InProgress);
        assert_eq!(
            c.environment.get("DB_HOST").map(|v| v.expose_secret().as_str()),
            Some("db.internal")
        );
        assert_eq!(c.architectures, vec![Architecture::Arm64]);
        assert_eq!(
            c.last_modified,
            Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_704_164_645))
        );
    }

    #[tokio::test]
    async fn alias_routing_weights_are_sent_and_read() {
        let rule = mock!(aws_sdk_lambda::Client::create_alias)
            .match_requests(|r| {
                r.function_name() == Some("fn-1")
                    && r.name() == Some("live")
                    && r.function_version() == Some("1")
                    && r.routing_config()
                        .and_then(|c| c.additional_version_weights())
                        .and_then(|w| w.get("2"))
                        == Some(&0.25)
            })
            .then_output(|| {
                CreateAliasOutput::builder()
                    .alias_arn(format!("{ARN}:live"))
                    .name("live")
                    .function_version("1")
                    .routing_config(
                        sdk::AliasRoutingConfiguration::builder()
                            .additional_version_weights("2", 0.25)
                            .build(),
                    )
                    .revision_id("r1")
                    .build()
            });
        let lambda = mock_lambda(&[&rule]);
        let req = AliasRequest::builder()
            .function("fn-1".parse().unwrap())
            .name("live".parse().unwrap())
            .version("1")
            .routing(AliasRouting {
                version: "2".into(),
                weight: 0.25,
            })
            .build()
            .unwrap();
        let a = lambda.create_alias(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(a.function_version, "1");
        assert_eq!(
            a.routing,
            Some(AliasRouting {
                version: "2".into(),
                weight: 0.25
            })
        );
        assert_eq!(a.arn.as_str(), format!("{ARN}:live"));
    }

    #[tokio::test]
    async fn invoke_decodes_the_log_tail_and_surfaces_function_errors() {
        let log = "START RequestId: 1 Version: $LATEST\nEND RequestId: 1\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(log);
        let rule = mock!(aws_sdk_lambda::Client::invoke)
            .match_requests(|r| {
                r.function_name() == Some("fn-1")
                    && r.qualifier() == Some("live")
                    && r.log_type() == Some(&sdk::LogType::Tail)
                    && r.invocation_type() == Some(&sdk::InvocationType::RequestResponse)
                    && r.payload().map(|p| p.as_ref()) == Some(&b"{\"a\":1}"[..])
            })
            .then_output(move || {
                SdkInvokeOutput::builder()
                    .status_code(200)
                    .function_error("Unhandled")
                    .log_result(encoded.clone())
                    .executed_version("2")
                    .payload(Blob::new(&b"{\"errorMessage\":\"boom\"}"[..]))
                    .build()
            });
        let lambda = mock_lambda(&[&rule]);
        let req = InvokeRequest::builder()
            .function("fn-1".parse().unwrap())
            .qualifier("live")
            .payload(&b"{\"a\":1}"[..])
            .log_tail(true)
            .build()
            .unwrap();
        let out = lambda.invoke(req).await.unwrap();
        assert_eq!(out.status_code, 200);
        assert_eq!(out.function_error.as_deref(), Some("Unhandled"));
        assert_eq!(out.log_tail.as_deref(), Some(log));
        assert_eq!(out.executed_version.as_deref(), Some("2"));
        assert_eq!(out.payload_json().unwrap()["errorMessage"], "boom");
    }

    #[tokio::test]
    async fn function_and_version_streams_send_the_marker_and_max_items() {
        use crate::lambda::LambdaExt;
        use crate::page::ListOptions;
        use aws_sdk_lambda::operation::list_functions::ListFunctionsOutput;
        use futures::TryStreamExt;
        let page1 = mock!(aws_sdk_lambda::Client::list_functions)
            .match_requests(|r| r.marker().is_none() && r.max_items() == Some(1))
            .then_output(|| {
                ListFunctionsOutput::builder()
                    .functions(sdk_config("$LATEST"))
                    .next_marker("m2")
                    .build()
            });
        let page2 = mock!(aws_sdk_lambda::Client::list_functions)
            .match_requests(|r| r.marker() == Some("m2") && r.max_items() == Some(1))
            .then_output(|| ListFunctionsOutput::builder().functions(sdk_config("$LATEST")).build());
        let versions = mock!(aws_sdk_lambda::Client::list_versions_by_function)
            .match_requests(|r| r.function_name() == Some("fn-1") && r.marker().is_none() && r.max_items() == Some(3))
            .then_output(|| {
                ListVersionsByFunctionOutput::builder()
                    .versions(sdk_config("$LATEST"))
                    .versions(sdk_config("1"))
                    .build()
            });
        let lambda = mock_lambda(&[&page1, &page2, &versions]);
        let all: Vec<FunctionConfiguration> = lambda
            .functions(ListOptions::new().page_size(1))
            .try_collect()
            .await
            .unwrap();
        assert_eq!((all.len(), page1.num_calls(), page2.num_calls()), (2, 1, 1));
        let v: Vec<FunctionConfiguration> = lambda
            .versions("fn-1".parse().unwrap(), ListOptions::new().limit(3))
            .try_collect()
            .await
            .unwrap();
        let v: Vec<&str> = v.iter().map(|c| c.version.as_str()).collect();
        assert_eq!(v, ["$LATEST", "1"]);
    }

    #[tokio::test]
    async fn list_versions_follows_the_marker() {
        let page1 = mock!(aws_sdk_lambda::Client::list_versions_by_function)
            .match_requests(|r| r.function_name() == Some("fn-1") && r.marker().is_none())
            .then_output(|| {
                ListVersionsByFunctionOutput::builder()
                    .versions(sdk_config("$LATEST"))
                    .versions(sdk_config("1"))
                    .next_marker("m2")
                    .build()
            });
        let page2 = mock!(aws_sdk_lambda::Client::list_versions_by_function)
            .match_requests(|r| r.marker() == Some("m2"))
            .then_output(|| {
                // States newer than the crate (and ones it knows besides the four it acts
                // on) are kept by name: never refused, never turned into another state.
                let mut v2 = sdk_config("2");
                v2.state = Some(sdk::State::Deactivated);
                v2.last_update_status = Some(sdk::LastUpdateStatus::from("RolledBack"));
                v2.architectures = Some(vec![sdk::Architecture::from("riscv64")]);
                ListVersionsByFunctionOutput::builder().versions(v2).build()
            });
        let lambda = mock_lambda(&[&page1, &page2]);
        let versions = lambda.list_versions("fn-1".parse().unwrap()).await.unwrap();
        let v: Vec<&str> = versions.iter().map(|c| c.version.as_str()).collect();
        assert_eq!(v, ["$LATEST", "1", "2"]);
        assert_eq!(versions[2].arn.as_str(), format!("{ARN}:2"));
        assert_eq!(versions[2].state, FunctionState::Deactivated);
        assert_eq!(
            versions[2].last_update_status,
            LastUpdateStatus::Unknown("RolledBack".into())
        );
        assert_eq!(versions[2].architectures, [Architecture::Unknown("riscv64".into())]);
        assert!(!versions[2].is_ready());
        assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn errors_map_by_code() {
        let conflict = mock!(aws_sdk_lambda::Client::create_function).then_error(|| {
            CreateFunctionError::ResourceConflictException(
                ResourceConflictException::builder()
                    .message("Function already exist: fn-1")
                    .meta(meta("ResourceConflictException", "Function already exist: fn-1"))
                    .build(),
            )
        });
        let missing = mock!(aws_sdk_lambda::Client::get_function_configuration).then_error(|| {
            GetFunctionConfigurationError::ResourceNotFoundException(
                ResourceNotFoundException::builder()
                    .message(format!("Function not found: {ARN}"))
                    .meta(meta("ResourceNotFoundException", &format!("Function not found: {ARN}")))
                    .build(),
            )
        });
        let throttled = mock!(aws_sdk_lambda::Client::invoke).then_error(|| {
            InvokeError::TooManyRequestsException(
                TooManyRequestsException::builder()
                    .message("Rate exceeded")
                    .meta(meta("TooManyRequestsException", "Rate exceeded"))
                    .build(),
            )
        });
        let lambda = mock_lambda(&[&conflict, &missing, &throttled]);
        let req = CreateFunctionRequest::builder()
            .name("fn-1".parse().unwrap())
            .runtime("provided.al2")
            .role(ROLE.parse().unwrap())
            .zip(b"PK\x03\x04".to_vec())
            .build()
            .unwrap();
        let e = lambda.create_function(req).await.unwrap_err();
        assert!(e.is_conflict(), "{e:?}");
        assert_eq!(e.code(), Some("ResourceConflictException"));
        let e = lambda
            .get_function_configuration("fn-1".parse().unwrap(), None)
            .await
            .unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        let e = lambda
            .invoke(
                InvokeRequest::builder()
                    .function("fn-1".parse().unwrap())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Throttled, "{e:?}");
    }

    #[tokio::test]
    async fn list_tags_sends_the_function_arn_and_maps_tags_and_not_found() {
        let tagged = mock!(aws_sdk_lambda::Client::list_tags)
            .match_requests(|r| r.resource() == Some(ARN))
            .then_output(|| {
                ListTagsOutput::builder()
                    .tags("workflow", "deploy")
                    .tags("run", "r-1")
                    .build()
            });
        let untagged = mock!(aws_sdk_lambda::Client::list_tags)
            .match_requests(|r| r.resource() == Some(ARN))
            .then_output(|| ListTagsOutput::builder().build());
        let missing = mock!(aws_sdk_lambda::Client::list_tags).then_error(|| {
            ListTagsError::ResourceNotFoundException(
                ResourceNotFoundException::builder()
                    .message(format!("Function not found: {ARN}"))
                    .meta(meta("ResourceNotFoundException", &format!("Function not found: {ARN}")))
                    .build(),
            )
        });
        let lambda = mock_lambda(&[&tagged, &untagged, &missing]);
        let arn: Arn = ARN.parse().unwrap();
        let tags = lambda.list_tags(arn.clone()).await.unwrap();
        assert_eq!(
            tags,
            Tags::from([("run".into(), "r-1".into()), ("workflow".into(), "deploy".into())])
        );
        assert!(lambda.list_tags(arn.clone()).await.unwrap().is_empty());
        let e = lambda.list_tags(arn).await.unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        assert_eq!(e.code(), Some("ResourceNotFoundException"));
        assert_eq!(
            (tagged.num_calls(), untagged.num_calls(), missing.num_calls()),
            (1, 1, 1)
        );
        let alias: Arn = format!("{ARN}:live").parse().unwrap();
        assert!(mock_lambda(&[]).list_tags(alias).await.unwrap_err().is_validation());
    }

    #[tokio::test]
    async fn tag_and_untag_send_the_arn_tags_and_keys() {
        let tag = mock!(aws_sdk_lambda::Client::tag_resource)
            .match_requests(|r| {
                r.resource() == Some(ARN)
                    && r.tags()
                        .is_some_and(|t| t.len() == 1 && t.get("team").map(String::as_str) == Some("infra"))
            })
            .then_output(|| TagResourceOutput::builder().build());
        let untag = mock!(aws_sdk_lambda::Client::untag_resource)
            .match_requests(|r| r.resource() == Some(ARN) && r.tag_keys() == ["team".to_string(), "run".to_string()])
            .then_output(|| UntagResourceOutput::builder().build());
        let missing = mock!(aws_sdk_lambda::Client::tag_resource).then_error(|| {
            TagResourceError::ResourceNotFoundException(
                ResourceNotFoundException::builder()
                    .message(format!("Function not found: {ARN}"))
                    .meta(meta("ResourceNotFoundException", &format!("Function not found: {ARN}")))
                    .build(),
            )
        });
        let lambda = mock_lambda(&[&tag, &untag, &missing]);
        let arn: Arn = ARN.parse().unwrap();
        let tags = Tags::from([("team".to_string(), "infra".to_string())]);
        lambda.tag_resource(arn.clone(), tags.clone()).await.unwrap();
        lambda
            .untag_resource(arn.clone(), vec!["team".into(), "run".into()])
            .await
            .unwrap();
        let e = lambda.tag_resource(arn.clone(), tags.clone()).await.unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        assert_eq!((tag.num_calls(), untag.num_calls(), missing.num_calls()), (1, 1, 1));

        // Refused before any request: the rules see no call.
        let never_tag =
            mock!(aws_sdk_lambda::Client::tag_resource).then_output(|| TagResourceOutput::builder().build());
        let never_untag =
            mock!(aws_sdk_lambda::Client::untag_resource).then_output(|| UntagResourceOutput::builder().build());
        let lambda = mock_lambda(&[&never_tag, &never_untag]);
        let field = |e: Error| match e {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        };
        let bad_char = Tags::from([("team".to_string(), "a#b".to_string())]);
        assert_eq!(
            field(lambda.tag_resource(arn.clone(), bad_char).await.unwrap_err()),
            "tags"
        );
        assert_eq!(
            field(lambda.tag_resource(arn.clone(), Tags::new()).await.unwrap_err()),
            "tags"
        );
        let aws_key = Tags::from([("aws:owner".to_string(), "x".to_string())]);
        assert_eq!(
            field(lambda.tag_resource(arn.clone(), aws_key).await.unwrap_err()),
            "tags"
        );
        let alias: Arn = format!("{ARN}:live").parse().unwrap();
        assert_eq!(field(lambda.tag_resource(alias, tags).await.unwrap_err()), "arn");
        assert_eq!(
            field(lambda.untag_resource(arn.clone(), vec![]).await.unwrap_err()),
            "keys"
        );
        assert_eq!(
            field(
                lambda
                    .untag_resource(arn.clone(), vec![String::new()])
                    .await
                    .unwrap_err()
            ),
            "keys"
        );
        assert_eq!(
            field(lambda.untag_resource(arn, vec!["k*".into()]).await.unwrap_err()),
            "keys"
        );
        assert_eq!((never_tag.num_calls(), never_untag.num_calls()), (0, 0));
    }

    #[tokio::test]
    async fn function_concurrency_is_sent_and_read_back() {
        let put = mock!(aws_sdk_lambda::Client::put_function_concurrency)
            .match_requests(|r| r.function_name() == Some("fn-1") && r.reserved_concurrent_executions() == Some(0))
            .then_output(|| {
                PutFunctionConcurrencyOutput::builder()
                    .reserved_concurrent_executions(0)
                    .build()
            });
        let get = mock!(aws_sdk_lambda::Client::get_function_concurrency)
            .match_requests(|r| r.function_name() == Some("fn-1"))
            .then_output(|| {
                GetFunctionConcurrencyOutput::builder()
                    .reserved_concurrent_executions(7)
                    .build()
            });
        let get_none = mock!(aws_sdk_lambda::Client::get_function_concurrency)
            .then_output(|| GetFunctionConcurrencyOutput::builder().build());
        let get_negative = mock!(aws_sdk_lambda::Client::get_function_concurrency).then_output(|| {
            GetFunctionConcurrencyOutput::builder()
                .reserved_concurrent_executions(-1)
                .build()
        });
        let delete = mock!(aws_sdk_lambda::Client::delete_function_concurrency)
            .match_requests(|r| r.function_name() == Some("fn-1"))
            .then_output(|| DeleteFunctionConcurrencyOutput::builder().build());
        let too_low = mock!(aws_sdk_lambda::Client::put_function_concurrency).then_error(|| {
            let msg = "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].";
            PutFunctionConcurrencyError::InvalidParameterValueException(
                InvalidParameterValueException::builder()
                    .message(msg)
                    .meta(meta("InvalidParameterValueException", msg))
                    .build(),
            )
        });
        let lambda = mock_lambda(&[&put, &get, &get_none, &get_negative, &delete, &too_low]);
        let name: FunctionName = "fn-1".parse().unwrap();
        lambda.put_function_concurrency(name.clone(), 0).await.unwrap();
        assert_eq!(lambda.get_function_concurrency(name.clone()).await.unwrap(), Some(7));
        assert_eq!(lambda.get_function_concurrency(name.clone()).await.unwrap(), None);
        let e = lambda.get_function_concurrency(name.clone()).await.unwrap_err();
        assert_eq!(e.code(), Some("MalformedResponse"), "{e:?}");
        lambda.delete_function_concurrency(name.clone()).await.unwrap();
        let e = lambda.put_function_concurrency(name.clone(), 950).await.unwrap_err();
        assert_eq!(e.code(), Some("InvalidParameterValueException"), "{e:?}");
        assert_eq!((put.num_calls(), get.num_calls(), get_none.num_calls()), (1, 1, 1));
        assert_eq!(
            (get_negative.num_calls(), delete.num_calls(), too_low.num_calls()),
            (1, 1, 1)
        );
        // Beyond what the API carries: refused before any call (no rules left to answer).
        let e = mock_lambda(&[])
            .put_function_concurrency(name, u32::MAX)
            .await
            .unwrap_err();
        assert!(e.is_validation(), "{e:?}");
    }

    #[tokio::test]
    async fn invalid_requests_never_reach_the_client() {
        // No rules: any call that reached the client would fail with a mock error, not a
        // validation error.
        let lambda = mock_lambda(&[]);
        let mut req = InvokeRequest::builder()
            .function("fn-1".parse().unwrap())
            .build()
            .unwrap();
        req.log_tail = true;
        req.invocation_type = InvocationType::Event;
        assert!(lambda.invoke(req).await.unwrap_err().is_validation());
        let e = lambda
            .delete_function("fn-1".parse().unwrap(), Some("bad qualifier".into()))
            .await
            .unwrap_err();
        assert!(e.is_validation());
    }

    #[test]
    fn last_modified_formats() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_704_164_645);
        assert_eq!(parse_last_modified("2024-01-02T03:04:05.000+0000"), Some(t));
        assert_eq!(parse_last_modified("2024-01-02T03:04:05Z"), Some(t));
        assert_eq!(parse_last_modified("yesterday"), None);
    }

    #[tokio::test]
    async fn layers_are_published_listed_and_named_by_functions() {
        use aws_sdk_lambda::operation::get_layer_version::{GetLayerVersionError, GetLayerVersionOutput};
        use aws_sdk_lambda::operation::list_layer_versions::ListLayerVersionsOutput;
        use aws_sdk_lambda::operation::publish_layer_version::PublishLayerVersionOutput;
        const LAYER: &str = "arn:aws:lambda:us-east-1:123456789012:layer:deps";
        let publish = mock!(aws_sdk_lambda::Client::publish_layer_version)
            .match_requests(|r| {
                r.layer_name() == Some("deps")
                    && r.content().and_then(|c| c.zip_file()).map(|z| z.as_ref()) == Some(&b"PK\x03\x04layer"[..])
                    && r.compatible_runtimes() == [sdk::Runtime::Python313]
                    && r.compatible_architectures() == [sdk::Architecture::Arm64]
                    && r.license_info() == Some("MIT")
            })
            .then_output(|| {
                PublishLayerVersionOutput::builder()
                    .layer_arn(LAYER)
                    .layer_version_arn(format!("{LAYER}:3"))
                    .version(3)
                    .created_date("2024-01-02T03:04:05.000+0000")
                    .compatible_runtimes(sdk::Runtime::Python313)
                    .compatible_architectures(sdk::Architecture::Arm64)
                    .license_info("MIT")
                    .content(
                        sdk::LayerVersionContentOutput::builder()
                            .code_sha256("abc=")
                            .code_size(9)
                            .build(),
                    )
                    .build()
            });
        let page1 = mock!(aws_sdk_lambda::Client::list_layer_versions)
            .match_requests(|r| r.layer_name() == Some("deps") && r.marker().is_none())
            .then_output(|| {
                ListLayerVersionsOutput::builder()
                    .layer_versions(
                        sdk::LayerVersionsListItem::builder()
                            .layer_version_arn(format!("{LAYER}:3"))
                            .version(3)
                            .build(),
                    )
                    .next_marker("m2")
                    .build()
            });
        let page2 = mock!(aws_sdk_lambda::Client::list_layer_versions)
            .match_requests(|r| r.marker() == Some("m2"))
            .then_output(|| {
                ListLayerVersionsOutput::builder()
                    .layer_versions(
                        sdk::LayerVersionsListItem::builder()
                            .layer_version_arn(format!("{LAYER}:1"))
                            .version(1)
                            .description("first")
                            .build(),
                    )
                    .build()
            });
        let create = mock!(aws_sdk_lambda::Client::create_function)
            .match_requests(|r| r.layers() == [format!("{LAYER}:3")])
            .then_output(|| {
                let c = sdk_config("$LATEST");
                CreateFunctionOutput::builder()
                    .function_name(c.function_name().unwrap())
                    .function_arn(c.function_arn().unwrap())
                    .role(c.role().unwrap())
                    .layers(sdk::Layer::builder().arn(format!("{LAYER}:3")).code_size(9).build())
                    .build()
            });
        let gone = mock!(aws_sdk_lambda::Client::get_layer_version)
            .match_requests(|r| r.layer_name() == Some("deps") && r.version_number() == Some(2))
            .then_error(|| {
                let msg = format!("The resource you requested does not exist. (LayerVersion {LAYER}:2)");
                GetLayerVersionError::ResourceNotFoundException(
                    ResourceNotFoundException::builder()
                        .message(msg.clone())
                        .meta(meta("ResourceNotFoundException", &msg))
                        .build(),
                )
            });
        let got = mock!(aws_sdk_lambda::Client::get_layer_version)
            .match_requests(|r| r.version_number() == Some(3))
            .then_output(|| {
                GetLayerVersionOutput::builder()
                    .layer_arn(LAYER)
                    .layer_version_arn(format!("{LAYER}:3"))
                    .version(3)
                    .content(sdk::LayerVersionContentOutput::builder().code_size(9).build())
                    .build()
            });
        let lambda = mock_lambda(&[&publish, &page1, &page2, &create, &gone, &got]);
        let v = lambda
            .publish_layer_version(
                PublishLayerVersionRequest::builder()
                    .layer_name("deps".parse().unwrap())
                    .zip(&b"PK\x03\x04layer"[..])
                    .compatible_runtimes(vec!["python3.13".into()])
                    .compatible_architectures(vec![Architecture::Arm64])
                    .license_info("MIT")
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!((v.layer_arn.as_str(), v.version, v.code_size), (LAYER, 3, 9));
        assert_eq!(v.compatible_runtimes, ["python3.13"]);
        assert!(v.created.is_some());
        let all = lambda.list_layer_versions("deps".parse().unwrap()).await.unwrap();
        assert_eq!(all.iter().map(|v| v.version).collect::<Vec<_>>(), [3, 1]);
        assert_eq!(all[1].layer_arn, LAYER, "read from the version ARN");
        let f = lambda
            .create_function(
                CreateFunctionRequest::builder()
                    .name("fn-1".parse().unwrap())
                    .runtime("provided.al2023")
                    .role(ROLE.parse().unwrap())
                    .zip(b"PK\x03\x04zip".to_vec())
                    .layers(vec![v.layer_version_arn.clone()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(f.layers, [FunctionLayer::new(v.layer_version_arn.clone(), 9)]);
        let e = lambda.get_layer_version("deps".parse().unwrap(), 2).await.unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::NotFound);
        assert!(e.to_string().starts_with("layer version not found"), "{e}");
        assert_eq!(
            lambda
                .get_layer_version("deps".parse().unwrap(), 3)
                .await
                .unwrap()
                .code_size,
            9
        );
        // Six layers never reach the client (the mock has no rule left for them).
        let six = vec![v.layer_version_arn.clone(); 6];
        let e = CreateFunctionRequest::builder()
            .name("fn-1".parse().unwrap())
            .runtime("provided.al2023")
            .role(ROLE.parse().unwrap())
            .zip(b"PK\x03\x04zip".to_vec())
            .layers(six)
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "layers"),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn function_urls_send_auth_cors_and_mode_and_read_answers() {
        use aws_sdk_lambda::operation::create_function_url_config::CreateFunctionUrlConfigOutput;
        use aws_sdk_lambda::operation::update_function_url_config::UpdateFunctionUrlConfigOutput;
        let create = mock!(aws_sdk_lambda::Client::create_function_url_config)
            .match_requests(|r| {
                r.function_name() == Some("web")
                    && r.auth_type() == Some(&sdk::FunctionUrlAuthType::AwsIam)
                    && r.invoke_mode() == Some(&sdk::InvokeMode::Buffered)
                    && r.cors().is_none()
            })
            .then_output(|| {
                CreateFunctionUrlConfigOutput::builder()
                    .function_url("https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/")
                    .function_arn("arn:aws:lambda:us-east-1:123456789012:function:web")
                    .auth_type(sdk::FunctionUrlAuthType::AwsIam)
                    .creation_time("2024-01-02T03:04:05.000+0000")
                    .build()
                    .unwrap()
            });
        let update = mock!(aws_sdk_lambda::Client::update_function_url_config)
            .match_requests(|r| {
                r.auth_type() == Some(&sdk::FunctionUrlAuthType::None)
                    && r.cors()
                        .is_some_and(|c| c.allow_origins() == ["*"] && c.max_age() == Some(60))
            })
            .then_output(|| {
                UpdateFunctionUrlConfigOutput::builder()
                    .function_url("https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/")
                    .function_arn("arn:aws:lambda:us-east-1:123456789012:function:web")
                    .auth_type(sdk::FunctionUrlAuthType::from("SIGV5"))
                    .cors(sdk::Cors::builder().allow_origins("*").max_age(60).build())
                    .creation_time("2024-01-02T03:04:05.000+0000")
                    .last_modified_time("2024-01-02T03:04:05.000+0000")
                    .build()
                    .unwrap()
            });
        let lambda = mock_lambda(&[&create, &update]);
        let made = lambda
            .create_function_url_config(
                FunctionUrlRequest::builder()
                    .function("web".parse().unwrap())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            (made.auth_type.clone(), made.cors.clone()),
            (FunctionUrlAuthType::AwsIam, None)
        );
        assert!(made.created.is_some());
        let cors = Cors::builder().allow_origins(vec!["*".into()]).max_age_secs(60).build();
        let up = lambda
            .update_function_url_config(
                FunctionUrlRequest::builder()
                    .function("web".parse().unwrap())
                    .auth_type(FunctionUrlAuthType::None)
                    .cors(cors)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        // An auth type AWS adds later is kept by name (and is not "public").
        assert_eq!(up.auth_type, FunctionUrlAuthType::Unknown("SIGV5".into()));
        assert!(!up.is_public());
        assert_eq!(up.cors.map(|c| c.max_age_secs), Some(Some(60)));
        // Invalid CORS never reaches the client.
        let e = FunctionUrlRequest::builder()
            .function("web".parse().unwrap())
            .cors(Cors::builder().max_age_secs(86_401).build())
            .build()
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "cors.max_age_secs"),
            "{e:?}"
        );
    }
}
