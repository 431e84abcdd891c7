//! [`SdkAutoScaling`]: the [`AutoScaling`] trait over `aws-sdk-autoscaling`.
//!
//! Errors go through the one mapping (`sdk_util::sdk_err`) with [`Service::AutoScaling`], so
//! Auto Scaling's not-found answer (a `ValidationError` saying "... not found") is
//! [`Error::NotFound`] and any other `ValidationError` stays a validation error. Describes
//! follow `NextToken` to the last page (the SDK's paginators, at 100 records a page). A
//! field the crate needs that is missing from an answer (a group's name, an instance's
//! lifecycle state, a policy's ARN) is a `MalformedResponse` error, never a default; values
//! of AWS enums newer than the crate are kept by name (`Unknown`).
//!
//! The SDK's deserializer does not leave an absent *required* member unset: its "client
//! error correction" fills in `""`, `0`, `false`, the epoch, or the enum value
//! `"no value was set"`. The strings, enums and timestamps it fills are recognized here as
//! missing; a filled-in number (`MinSize`, `DesiredCapacity`, `DefaultCooldown`, a step's
//! `ScalingAdjustment`) cannot be told from a real `0`.

use asg::types as t;
use aws_sdk_autoscaling as asg;

use super::*;
use crate::error::ApiError;
use crate::macros::sdk_adapter;
use crate::sdk_util::{sdk_err, tags_from, to_system_time};

/// Walks an SDK paginator to its end, converting each page's `items` with `conv` (a
/// `fn(&Item) -> Result<T>`); the first error ends the walk.
macro_rules! all_pages {
    ($pages:expr, $items:ident, $conv:expr) => {{
        let mut pages = $pages;
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            for item in page.map_err(sdk_err(SVC))?.$items() {
                out.push($conv(item)?);
            }
        }
        Ok(out)
    }};
}

sdk_adapter!(
    /// The Auto Scaling adapter over the official SDK client.
    SdkAutoScaling,
    aws_sdk_autoscaling
);

const SVC: Service = Service::AutoScaling;

/// The most names one `DescribeAutoScalingGroups` call takes: `AutoScalingGroupNames` "By
/// default, you can only specify up to 50 names. You can optionally increase this limit
/// using the `MaxRecords` property", and `MaxRecords` is at most 100 (botocore model
/// `AutoScalingGroupNamesType`).
const NAMES_PER_CALL: usize = 100;

/// `MaxRecords` of every describe: "The default value is 50 and the maximum value is 100"
/// (`DescribeAutoScalingGroups`, `DescribePolicies`, `DescribeInstanceRefreshes`;
/// `DescribeScalingActivities` defaults to 100).
const PAGE_SIZE: i32 = 100;

/// `PolicyName` of `DeletePolicy`: a name or an ARN, `ResourceName` (1-1600 characters).
const MAX_POLICY_REF_LEN: usize = 1600;

/// The `ResourceType` of a group's tags.
const GROUP_RESOURCE_TYPE: &str = "auto-scaling-group";

fn malformed(what: impl Into<String>) -> Error {
    Error::from_api(ApiError::new(SVC, "MalformedResponse", what.into()))
}

/// A field the crate needs, or a `MalformedResponse` naming it.
fn required<T>(field: &str, v: Option<T>) -> Result<T> {
    v.ok_or_else(|| malformed(format!("response is missing {field}")))
}

/// What the SDK's deserializer puts in a required enum member the response left out: its
/// "client error correction" fills required members with a default instead of failing
/// (`serde_util::*_correct_errors`), for enums this name.
const SDK_NO_VALUE: &str = "no value was set";

/// A required string member: absent, or the empty string the SDK's error correction fills
/// in for an absent required one, is missing.
fn present<'a>(field: &str, v: Option<&'a str>) -> Result<&'a str> {
    required(field, v.filter(|s| !s.is_empty()))
}

/// A required enum member, by its AWS name (the SDK's filler for an absent one is missing).
fn present_enum<'a>(field: &str, v: Option<&'a str>) -> Result<&'a str> {
    present(field, v.filter(|s| *s != SDK_NO_VALUE))
}

/// A required id or name, parsed.
fn id<T: std::str::FromStr<Err = Error>>(field: &str, v: Option<&str>) -> Result<T> {
    present(field, v)?.parse()
}

/// A timestamp; the epoch the SDK's error correction fills in for an absent required one
/// is absent (no group or activity of Auto Scaling dates from 1970).
fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<std::time::SystemTime> {
    t.filter(|t| t.secs() != 0 || t.subsec_nanos() != 0)
        .and_then(to_system_time)
}

/// A required count (sizes, capacities): present and not negative.
fn count(field: &str, v: Option<i32>) -> Result<u32> {
    let v = required(field, v)?;
    u32::try_from(v).map_err(|_| malformed(format!("{field} is {v}, below 0")))
}

/// An optional number of seconds or percent (a negative one, such as the `-1` that turns a
/// default instance warm-up off, reads as unset).
fn non_negative(v: Option<i32>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

/// A request number as the API's `Integer` (the crate's `u32` fields may exceed it).
fn int(field: &str, v: u32) -> Result<i32> {
    i32::try_from(v).map_err(|_| Error::validation(field, format!("must be at most {} (got {v})", i32::MAX)))
}

fn opt_int(field: &str, v: Option<u32>) -> Result<Option<i32>> {
    v.map(|v| int(field, v)).transpose()
}

fn sdk_launch_template(template: &LaunchTemplateRef, version: &TemplateVersion) -> t::LaunchTemplateSpecification {
    let b = t::LaunchTemplateSpecification::builder().version(version.to_aws());
    match template {
        LaunchTemplateRef::Id(id) => b.launch_template_id(id.as_str()),
        LaunchTemplateRef::Name(name) => b.launch_template_name(name),
    }
    .build()
}

/// The template a specification names: by id where it carries one, else by name.
fn launch_template_from(spec: &t::LaunchTemplateSpecification) -> Result<Option<LaunchTemplateRef>> {
    if let Some(id) = spec.launch_template_id() {
        return Ok(Some(LaunchTemplateRef::Id(id.parse()?)));
    }
    Ok(spec
        .launch_template_name()
        .map(|n| LaunchTemplateRef::Name(n.to_string())))
}

fn sdk_tags(group: &AutoScalingGroupName, tags: &Tags) -> Option<Vec<t::Tag>> {
    (!tags.is_empty()).then(|| {
        tags.iter()
            .map(|(k, v)| {
                t::Tag::builder()
                    .resource_id(group.as_str())
                    .resource_type(GROUP_RESOURCE_TYPE)
                    .key(k)
                    .value(v)
                    .propagate_at_launch(true)
                    .build()
            })
            .collect()
    })
}

/// The subnets of a `VPCZoneIdentifier` (ids joined by commas; empty for a group without).
fn subnets_from(vpc_zone_identifier: Option<&str>) -> Result<Vec<SubnetId>> {
    vpc_zone_identifier
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect()
}

fn instance_from(i: &t::Instance) -> Result<GroupInstance> {
    Ok(GroupInstance {
        instance_id: id("Instance.InstanceId", i.instance_id())?,
        availability_zone: id("Instance.AvailabilityZone", i.availability_zone())?,
        lifecycle_state: LifecycleState::from(present_enum(
            "Instance.LifecycleState",
            i.lifecycle_state().map(|s| s.as_str()),
        )?),
        health: InstanceHealth::from(present("Instance.HealthStatus", i.health_status())?),
        protected_from_scale_in: i.protected_from_scale_in().unwrap_or(false),
        instance_type: i.instance_type().map(str::to_string),
        launch_template_version: i.launch_template().and_then(|l| l.version()).map(str::to_string),
    })
}

fn group_from(g: &t::AutoScalingGroup) -> Result<AutoScalingGroup> {
    // A group with a mixed instances policy names its template inside the policy.
    let spec = g.launch_template().or_else(|| {
        g.mixed_instances_policy()
            .and_then(|m| m.launch_template())
            .and_then(|l| l.launch_template_specification())
    });
    Ok(AutoScalingGroup {
        name: id("AutoScalingGroupName", g.auto_scaling_group_name())?,
        arn: g.auto_scaling_group_arn().unwrap_or_default().to_string(),
        min_size: count("MinSize", g.min_size())?,
        max_size: count("MaxSize", g.max_size())?,
        desired_capacity: count("DesiredCapacity", g.desired_capacity())?,
        default_cooldown_secs: count("DefaultCooldown", g.default_cooldown())?,
        availability_zones: g
            .availability_zones()
            .iter()
            .map(|z| z.parse())
            .collect::<Result<Vec<_>>>()?,
        subnets: subnets_from(g.vpc_zone_identifier())?,
        target_group_arns: g
            .target_group_arns()
            .iter()
            .map(|a| a.parse())
            .collect::<Result<Vec<_>>>()?,
        health_check_type: HealthCheckType::from(present("HealthCheckType", g.health_check_type())?),
        health_check_grace_period_secs: non_negative(g.health_check_grace_period()).unwrap_or(0),
        default_instance_warmup_secs: non_negative(g.default_instance_warmup()),
        launch_template: spec.map(launch_template_from).transpose()?.flatten(),
        launch_template_version: spec.and_then(|s| s.version()).map(str::to_string),
        instances: g.instances().iter().map(instance_from).collect::<Result<Vec<_>>>()?,
        created_time: time(g.created_time()),
        status: g.status().map(str::to_string),
        tags: tags_from(g.tags().iter().map(|t| (t.key(), t.value()))),
        new_instances_protected_from_scale_in: g.new_instances_protected_from_scale_in().unwrap_or(false),
    })
}

fn activity_from(a: &t::Activity) -> Result<ScalingActivity> {
    Ok(ScalingActivity {
        id: present("Activity.ActivityId", a.activity_id())?.to_string(),
        group: id("Activity.AutoScalingGroupName", a.auto_scaling_group_name())?,
        description: a.description().unwrap_or_default().to_string(),
        cause: a.cause().unwrap_or_default().to_string(),
        start_time: time(a.start_time()),
        end_time: time(a.end_time()),
        status: ActivityStatus::from(present_enum(
            "Activity.StatusCode",
            a.status_code().map(|s| s.as_str()),
        )?),
        status_message: a.status_message().map(str::to_string),
        progress: non_negative(a.progress()).unwrap_or(0),
    })
}

fn alarms_from(alarms: &[t::Alarm]) -> Result<Vec<PolicyAlarm>> {
    alarms
        .iter()
        .map(|a| {
            Ok(PolicyAlarm::new(
                present("Alarm.AlarmName", a.alarm_name())?,
                present("Alarm.AlarmARN", a.alarm_arn())?,
            ))
        })
        .collect()
}

fn sdk_steps(steps: &[StepAdjustment]) -> Vec<t::StepAdjustment> {
    steps
        .iter()
        .map(|s| {
            t::StepAdjustment::builder()
                .set_metric_interval_lower_bound(s.lower_bound)
                .set_metric_interval_upper_bound(s.upper_bound)
                .scaling_adjustment(s.adjustment)
                .build()
        })
        .collect()
}

/// What a policy does, where the crate can say it: `None` for a kind it does not build
/// (predictive, or one newer than the crate), a customized metric, or a configuration
/// without the members its kind needs.
fn config_from(p: &t::ScalingPolicy, kind: &PolicyType) -> Option<PolicyConfig> {
    let adjustment_type = || p.adjustment_type().map(AdjustmentType::from);
    match kind {
        PolicyType::TargetTrackingScaling => {
            let c = p.target_tracking_configuration()?;
            let metric = c.predefined_metric_specification()?;
            Some(PolicyConfig::TargetTracking(TargetTracking {
                metric: PredefinedMetric::from(
                    Some(metric.predefined_metric_type()?.as_str()).filter(|m| *m != SDK_NO_VALUE)?,
                ),
                resource_label: metric.resource_label().map(str::to_string),
                target_value: c.target_value()?,
                disable_scale_in: c.disable_scale_in().unwrap_or(false),
            }))
        }
        PolicyType::StepScaling => {
            let steps = p
                .step_adjustments()
                .iter()
                .map(|s| {
                    Some(StepAdjustment::new(
                        s.metric_interval_lower_bound(),
                        s.metric_interval_upper_bound(),
                        s.scaling_adjustment()?,
                    ))
                })
                .collect::<Option<Vec<_>>>()?;
            Some(PolicyConfig::Step(StepScaling {
                adjustment_type: adjustment_type()?,
                steps,
                // AWS's default when the policy was put without one.
                aggregation: p
                    .metric_aggregation_type()
                    .map(MetricAggregation::from)
                    .unwrap_or(MetricAggregation::Average),
                min_adjustment_magnitude: non_negative(p.min_adjustment_magnitude()),
            }))
        }
        PolicyType::SimpleScaling => Some(PolicyConfig::Simple(SimpleScaling {
            adjustment_type: adjustment_type()?,
            adjustment: p.scaling_adjustment()?,
            cooldown_secs: non_negative(p.cooldown()),
        })),
        _ => None,
    }
}

fn policy_from(p: &t::ScalingPolicy) -> Result<ScalingPolicy> {
    let policy_type = PolicyType::from(present("ScalingPolicy.PolicyType", p.policy_type())?);
    Ok(ScalingPolicy {
        group: id("ScalingPolicy.AutoScalingGroupName", p.auto_scaling_group_name())?,
        name: present("ScalingPolicy.PolicyName", p.policy_name())?.to_string(),
        arn: present("ScalingPolicy.PolicyARN", p.policy_arn())?.to_string(),
        config: config_from(p, &policy_type),
        policy_type,
        estimated_instance_warmup_secs: non_negative(p.estimated_instance_warmup()),
        enabled: p.enabled().unwrap_or(true),
        alarms: alarms_from(p.alarms())?,
    })
}

fn refresh_from(r: &t::InstanceRefresh) -> Result<InstanceRefresh> {
    Ok(InstanceRefresh {
        id: present("InstanceRefresh.InstanceRefreshId", r.instance_refresh_id())?.to_string(),
        group: id("InstanceRefresh.AutoScalingGroupName", r.auto_scaling_group_name())?,
        status: RefreshStatus::from(present_enum("InstanceRefresh.Status", r.status().map(|s| s.as_str()))?),
        status_reason: r.status_reason().map(str::to_string),
        start_time: time(r.start_time()),
        end_time: time(r.end_time()),
        percentage_complete: non_negative(r.percentage_complete()).unwrap_or(0),
        instances_to_update: non_negative(r.instances_to_update()).unwrap_or(0),
    })
}

impl SdkAutoScaling {
    /// Every page of groups: all of them (`names` `None`) or those named (at most
    /// [`NAMES_PER_CALL`]).
    async fn groups_all_pages(&self, names: Option<Vec<String>>) -> Result<Vec<AutoScalingGroup>> {
        let pages = self
            .client
            .describe_auto_scaling_groups()
            .set_auto_scaling_group_names(names)
            .into_paginator()
            .page_size(PAGE_SIZE)
            .send();
        all_pages!(pages, auto_scaling_groups, group_from)
    }
}

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl AutoScaling for SdkAutoScaling {
    async fn create_auto_scaling_group(&self, req: CreateAutoScalingGroupRequest) -> Result<()> {
        req.validate()?;
        self.client
            .create_auto_scaling_group()
            .auto_scaling_group_name(req.name.as_str())
            .launch_template(sdk_launch_template(&req.launch_template, &req.launch_template_version))
            .min_size(int("min_size", req.min_size)?)
            .max_size(int("max_size", req.max_size)?)
            .set_desired_capacity(opt_int("desired_capacity", req.desired_capacity)?)
            .vpc_zone_identifier(vpc_zone_identifier(&req.subnets))
            .set_target_group_arns(
                (!req.target_group_arns.is_empty())
                    .then(|| req.target_group_arns.iter().map(|a| a.to_string()).collect()),
            )
            .health_check_type(req.health_check_type.as_str())
            .set_health_check_grace_period(opt_int(
                "health_check_grace_period_secs",
                req.health_check_grace_period_secs,
            )?)
            .set_default_cooldown(opt_int("default_cooldown_secs", req.default_cooldown_secs)?)
            .set_default_instance_warmup(opt_int(
                "default_instance_warmup_secs",
                req.default_instance_warmup_secs,
            )?)
            .new_instances_protected_from_scale_in(req.new_instances_protected_from_scale_in)
            .set_tags(sdk_tags(&req.name, &req.tags))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn update_auto_scaling_group(&self, req: UpdateAutoScalingGroupRequest) -> Result<()> {
        req.validate()?;
        let version = req.launch_template_version.unwrap_or_default();
        self.client
            .update_auto_scaling_group()
            .auto_scaling_group_name(req.name.as_str())
            .set_launch_template(req.launch_template.as_ref().map(|t| sdk_launch_template(t, &version)))
            .set_min_size(opt_int("min_size", req.min_size)?)
            .set_max_size(opt_int("max_size", req.max_size)?)
            .set_desired_capacity(opt_int("desired_capacity", req.desired_capacity)?)
            .set_vpc_zone_identifier(req.subnets.as_deref().map(vpc_zone_identifier))
            .set_health_check_type(req.health_check_type.as_ref().map(|h| h.as_str().to_string()))
            .set_health_check_grace_period(opt_int(
                "health_check_grace_period_secs",
                req.health_check_grace_period_secs,
            )?)
            .set_default_cooldown(opt_int("default_cooldown_secs", req.default_cooldown_secs)?)
            .set_default_instance_warmup(opt_int(
                "default_instance_warmup_secs",
                req.default_instance_warmup_secs,
            )?)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn describe_auto_scaling_groups(&self, names: Vec<AutoScalingGroupName>) -> Result<Vec<AutoScalingGroup>> {
        if names.is_empty() {
            return self.groups_all_pages(None).await;
        }
        // Each name once (a group is answered once however often it is named), in order.
        let mut seen = std::collections::BTreeSet::new();
        let names: Vec<String> = names
            .iter()
            .filter(|n| seen.insert(n.as_str()))
            .map(|n| n.to_string())
            .collect();
        let mut out = Vec::new();
        for chunk in names.chunks(NAMES_PER_CALL) {
            out.extend(self.groups_all_pages(Some(chunk.to_vec())).await?);
        }
        Ok(out)
    }

    async fn delete_auto_scaling_group(&self, name: AutoScalingGroupName, force_delete: bool) -> Result<()> {
        self.client
            .delete_auto_scaling_group()
            .auto_scaling_group_name(name.as_str())
            .force_delete(force_delete)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn set_desired_capacity(&self, name: AutoScalingGroupName, desired: u32, honor_cooldown: bool) -> Result<()> {
        self.client
            .set_desired_capacity()
            .auto_scaling_group_name(name.as_str())
            .desired_capacity(int("desired", desired)?)
            .honor_cooldown(honor_cooldown)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn describe_scaling_activities(&self, name: AutoScalingGroupName) -> Result<Vec<ScalingActivity>> {
        // AWS lists them newest first; the order is kept.
        let pages = self
            .client
            .describe_scaling_activities()
            .auto_scaling_group_name(name.as_str())
            .into_paginator()
            .page_size(PAGE_SIZE)
            .send();
        all_pages!(pages, activities, activity_from)
    }

    async fn put_scaling_policy(&self, req: PutScalingPolicyRequest) -> Result<PutScalingPolicyOutput> {
        req.validate()?;
        let b = self
            .client
            .put_scaling_policy()
            .auto_scaling_group_name(req.group.as_str())
            .policy_name(&req.name)
            .policy_type(req.config.policy_type().as_str())
            .set_estimated_instance_warmup(opt_int(
                "estimated_instance_warmup_secs",
                req.estimated_instance_warmup_secs,
            )?)
            .enabled(req.enabled);
        let b = match &req.config {
            PolicyConfig::TargetTracking(tt) => b.target_tracking_configuration(
                t::TargetTrackingConfiguration::builder()
                    .predefined_metric_specification(
                        t::PredefinedMetricSpecification::builder()
                            .predefined_metric_type(t::MetricType::from(tt.metric.as_str()))
                            .set_resource_label(tt.resource_label.clone())
                            .build(),
                    )
                    .target_value(tt.target_value)
                    .disable_scale_in(tt.disable_scale_in)
                    .build(),
            ),
            PolicyConfig::Step(s) => b
                .adjustment_type(s.adjustment_type.as_str())
                .set_step_adjustments(Some(sdk_steps(&s.steps)))
                .metric_aggregation_type(s.aggregation.as_str())
                .set_min_adjustment_magnitude(opt_int(
                    "config.step.min_adjustment_magnitude",
                    s.min_adjustment_magnitude,
                )?),
            PolicyConfig::Simple(s) => b
                .adjustment_type(s.adjustment_type.as_str())
                .scaling_adjustment(s.adjustment)
                .set_cooldown(opt_int("config.simple.cooldown_secs", s.cooldown_secs)?),
        };
        let resp = b.send().await.map_err(sdk_err(SVC))?;
        Ok(PutScalingPolicyOutput {
            policy_arn: present("PolicyARN", resp.policy_arn())?.to_string(),
            alarms: alarms_from(resp.alarms())?,
        })
    }

    async fn describe_policies(&self, name: AutoScalingGroupName) -> Result<Vec<ScalingPolicy>> {
        let pages = self
            .client
            .describe_policies()
            .auto_scaling_group_name(name.as_str())
            .into_paginator()
            .page_size(PAGE_SIZE)
            .send();
        all_pages!(pages, scaling_policies, policy_from)
    }

    async fn delete_policy(&self, group: AutoScalingGroupName, policy: String) -> Result<()> {
        // `DeletePolicy` `PolicyName`: the name or ARN, `ResourceName` (1-1600 characters).
        validate::len_in("policy", &policy, 1, MAX_POLICY_REF_LEN)?;
        crate::id::xml_string_chars(&policy).map_err(|rule| Error::validation("policy", rule))?;
        self.client
            .delete_policy()
            .auto_scaling_group_name(group.as_str())
            .policy_name(policy)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn set_instance_health(
        &self,
        instance: InstanceId,
        health: InstanceHealth,
        respect_grace_period: bool,
    ) -> Result<()> {
        self.client
            .set_instance_health()
            .instance_id(instance.as_str())
            .health_status(health.as_str())
            .should_respect_grace_period(respect_grace_period)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn terminate_instance_in_auto_scaling_group(
        &self,
        instance: InstanceId,
        decrement_desired: bool,
    ) -> Result<ScalingActivity> {
        let resp = self
            .client
            .terminate_instance_in_auto_scaling_group()
            .instance_id(instance.as_str())
            .should_decrement_desired_capacity(decrement_desired)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        // One instance: the answer is `Activity` (`Activities` is for `InstanceIds`).
        let activity = resp.activity().or_else(|| resp.activities().first());
        activity_from(required("Activity", activity)?)
    }

    async fn start_instance_refresh(&self, req: StartInstanceRefreshRequest) -> Result<String> {
        req.validate()?;
        // Only what is set is sent: "Explicitly setting MaxHealthyPercentage to 100 is not
        // equivalent to omitting it" (`RefreshPreferences`).
        let preferences = t::RefreshPreferences::builder()
            .min_healthy_percentage(int("min_healthy_percentage", req.min_healthy_percentage)?)
            .set_max_healthy_percentage(opt_int("max_healthy_percentage", req.max_healthy_percentage)?)
            .set_instance_warmup(opt_int("instance_warmup_secs", req.instance_warmup_secs)?)
            .skip_matching(req.skip_matching)
            .build();
        let resp = self
            .client
            .start_instance_refresh()
            .auto_scaling_group_name(req.group.as_str())
            .strategy(t::RefreshStrategy::Rolling)
            .preferences(preferences)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(present("InstanceRefreshId", resp.instance_refresh_id())?.to_string())
    }

    async fn describe_instance_refreshes(&self, name: AutoScalingGroupName) -> Result<Vec<InstanceRefresh>> {
        // AWS's order is kept.
        let pages = self
            .client
            .describe_instance_refreshes()
            .auto_scaling_group_name(name.as_str())
            .into_paginator()
            .page_size(PAGE_SIZE)
            .send();
        all_pages!(pages, instance_refreshes, refresh_from)
    }

    async fn cancel_instance_refresh(&self, name: AutoScalingGroupName) -> Result<String> {
        let resp = self
            .client
            .cancel_instance_refresh()
            .auto_scaling_group_name(name.as_str())
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(present("InstanceRefreshId", resp.instance_refresh_id())?.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use asg::operation::cancel_instance_refresh::CancelInstanceRefreshOutput;
    use asg::operation::create_auto_scaling_group::{CreateAutoScalingGroupError, CreateAutoScalingGroupOutput};
    use asg::operation::delete_auto_scaling_group::DeleteAutoScalingGroupError;
    use asg::operation::describe_auto_scaling_groups::{
        DescribeAutoScalingGroupsError, DescribeAutoScalingGroupsOutput,
    };
    use asg::operation::describe_instance_refreshes::DescribeInstanceRefreshesOutput;
    use asg::operation::describe_policies::DescribePoliciesOutput;
    use asg::operation::describe_scaling_activities::DescribeScalingActivitiesOutput;
    use asg::operation::put_scaling_policy::PutScalingPolicyOutput as SdkPutScalingPolicyOutput;
    use asg::operation::start_instance_refresh::StartInstanceRefreshOutput;
    use asg::operation::terminate_instance_in_auto_scaling_group::TerminateInstanceInAutoScalingGroupOutput;
    use asg::types::error::ResourceInUseFault;
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    const LT: &str = "lt-0123456789abcdef0";
    const TG: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09";
    const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
    const POLICY_ARN: &str = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:4f1c1e0e-0000-4000-8000-000000000001:autoScalingGroupName/web:policyName/cpu50";
    const ALARM_HIGH: &str = "TargetTracking-web-AlarmHigh-0a1b2c3d";
    const ALARM_LOW: &str = "TargetTracking-web-AlarmLow-4e5f6a7b";
    const I1: &str = "i-0123456789abcdef0";
    const I2: &str = "i-0123456789abcdef1";
    const I3: &str = "i-0123456789abcdef2";
    const I4: &str = "i-0123456789abcdef3";

    fn client(rules: &[&Rule]) -> SdkAutoScaling {
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
        for r in rules {
            interceptor = interceptor.with_rule(r);
        }
        let conf = asg::Config::builder()
            .behavior_version(asg::config::BehaviorVersion::latest())
            .region(asg::config::Region::new("us-east-1"))
            .credentials_provider(asg::config::Credentials::new("AKID", "SECRET", None, None, "test"))
            .http_client(create_mock_http_client())
            .retry_config(asg::config::retry::RetryConfig::disabled())
            .interceptor(interceptor)
            .build();
        SdkAutoScaling::from_client(asg::Client::from_conf(conf))
    }

    fn name(n: &str) -> AutoScalingGroupName {
        n.parse().unwrap()
    }

    fn alarm_arn(name: &str) -> String {
        format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}")
    }

    fn sdk_instance(id: &str, state: t::LifecycleState, health: &str) -> t::builders::InstanceBuilder {
        t::Instance::builder()
            .instance_id(id)
            .instance_type("t3.micro")
            .availability_zone("us-east-1a")
            .lifecycle_state(state)
            .health_status(health)
            .protected_from_scale_in(false)
            .launch_template(
                t::LaunchTemplateSpecification::builder()
                    .launch_template_id(LT)
                    .launch_template_name("web")
                    .version("3")
                    .build(),
            )
    }

    fn sdk_group(n: &str) -> t::builders::AutoScalingGroupBuilder {
        t::AutoScalingGroup::builder()
            .auto_scaling_group_name(n)
            .auto_scaling_group_arn(format!(
                "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/{n}"
            ))
            .min_size(1)
            .max_size(4)
            .desired_capacity(2)
            .default_cooldown(300)
            .availability_zones("us-east-1a")
            .availability_zones("us-east-1b")
            .health_check_type("ELB")
            .health_check_grace_period(120)
            .created_time(aws_smithy_types::DateTime::from_secs(1_700_000_000))
    }

    fn validation_error(message: &str) -> ErrorMetadata {
        ErrorMetadata::builder()
            .code("ValidationError")
            .message(message)
            .build()
    }

    #[tokio::test]
    async fn create_sends_the_expected_members() {
        let rule = mock!(asg::Client::create_auto_scaling_group)
            .match_requests(|r| {
                let lt = r.launch_template();
                let tags_ok = r.tags().len() == 2
                    && r.tags().iter().all(|t| {
                        t.propagate_at_launch() == Some(true)
                            && t.resource_id() == Some("web")
                            && t.resource_type() == Some("auto-scaling-group")
                    })
                    && r.tags()[0].key() == Some("app")
                    && r.tags()[0].value() == Some("web")
                    && r.tags()[1].key() == Some("run")
                    && r.tags()[1].value() == Some("r-1");
                r.auto_scaling_group_name() == Some("web")
                    && lt.and_then(|l| l.launch_template_id()) == Some(LT)
                    && lt.and_then(|l| l.launch_template_name()).is_none()
                    && lt.and_then(|l| l.version()) == Some("$Latest")
                    && r.min_size() == Some(1)
                    && r.max_size() == Some(4)
                    && r.desired_capacity() == Some(2)
                    && r.vpc_zone_identifier() == Some("subnet-0000000a,subnet-0000000b")
                    && r.target_group_arns() == [TG]
                    && r.health_check_type() == Some("ELB")
                    && r.health_check_grace_period() == Some(120)
                    && r.default_cooldown() == Some(60)
                    && r.default_instance_warmup() == Some(30)
                    && r.new_instances_protected_from_scale_in() == Some(true)
                    && tags_ok
            })
            .then_output(|| CreateAutoScalingGroupOutput::builder().build());
        // By name, with the defaults: `$Default`, no desired capacity, no tags, no targets.
        let by_name = mock!(asg::Client::create_auto_scaling_group)
            .match_requests(|r| {
                let lt = r.launch_template();
                lt.and_then(|l| l.launch_template_name()) == Some("web-template")
                    && lt.and_then(|l| l.launch_template_id()).is_none()
                    && lt.and_then(|l| l.version()) == Some("$Default")
                    && r.desired_capacity().is_none()
                    && r.health_check_grace_period().is_none()
                    && r.default_cooldown().is_none()
                    && r.default_instance_warmup().is_none()
                    && r.health_check_type() == Some("EC2")
                    && r.tags().is_empty()
                    && r.target_group_arns().is_empty()
                    && r.vpc_zone_identifier() == Some("subnet-0000000a")
            })
            .then_output(|| CreateAutoScalingGroupOutput::builder().build());
        let a = client(&[&rule, &by_name]);
        let req = CreateAutoScalingGroupRequest::builder()
            .name(name("web"))
            .launch_template(LT.parse::<crate::id::LaunchTemplateId>().unwrap())
            .launch_template_version(TemplateVersion::Latest)
            .min_size(1)
            .max_size(4)
            .desired_capacity(2)
            .subnets(vec![
                "subnet-0000000a".parse().unwrap(),
                "subnet-0000000b".parse().unwrap(),
            ])
            .target_group_arns(vec![TG.parse().unwrap()])
            .health_check_type(HealthCheckType::Elb)
            .health_check_grace_period_secs(120)
            .default_cooldown_secs(60)
            .default_instance_warmup_secs(30)
            .new_instances_protected_from_scale_in(true)
            .tags(Tags::from([
                ("app".to_string(), "web".to_string()),
                ("run".to_string(), "r-1".to_string()),
            ]))
            .build()
            .unwrap();
        a.create_auto_scaling_group(req).await.unwrap();
        let req = CreateAutoScalingGroupRequest::builder()
            .name(name("web"))
            .launch_template(LaunchTemplateRef::Name("web-template".into()))
            .min_size(1)
            .max_size(4)
            .subnets(vec!["subnet-0000000a".parse().unwrap()])
            .build()
            .unwrap();
        a.create_auto_scaling_group(req).await.unwrap();
        assert_eq!((rule.num_calls(), by_name.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn update_sends_only_what_is_set() {
        let rule = mock!(asg::Client::update_auto_scaling_group)
            .match_requests(|r| {
                r.auto_scaling_group_name() == Some("web")
                    && r.launch_template().and_then(|l| l.launch_template_id()) == Some(LT)
                    && r.launch_template().and_then(|l| l.version()) == Some("7")
                    && r.min_size().is_none()
                    && r.max_size() == Some(8)
                    && r.desired_capacity().is_none()
                    && r.vpc_zone_identifier() == Some("subnet-0000000a,subnet-0000000b")
                    && r.health_check_type().is_none()
                    && r.default_instance_warmup() == Some(45)
            })
            .then_output(|| asg::operation::update_auto_scaling_group::UpdateAutoScalingGroupOutput::builder().build());
        let a = client(&[&rule]);
        let req = UpdateAutoScalingGroupRequest::builder()
            .name(name("web"))
            .launch_template(LT.parse::<crate::id::LaunchTemplateId>().unwrap())
            .launch_template_version(TemplateVersion::Number(7))
            .max_size(8)
            .subnets(vec![
                "subnet-0000000a".parse().unwrap(),
                "subnet-0000000b".parse().unwrap(),
            ])
            .default_instance_warmup_secs(45)
            .build()
            .unwrap();
        a.update_auto_scaling_group(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn describe_groups_pages_and_converts_instances() {
        let page1 = mock!(asg::Client::describe_auto_scaling_groups)
            .match_requests(|r| {
                r.next_token().is_none() && r.max_records() == Some(100) && r.auto_scaling_group_names().is_empty()
            })
            .then_output(|| {
                let g = sdk_group("web")
                    .launch_template(
                        t::LaunchTemplateSpecification::builder()
                            .launch_template_id(LT)
                            .launch_template_name("web")
                            .version("$Latest")
                            .build(),
                    )
                    .vpc_zone_identifier("subnet-0000000a,subnet-0000000b")
                    .target_group_arns(TG)
                    .default_instance_warmup(-1)
                    .new_instances_protected_from_scale_in(true)
                    .status("Delete in progress")
                    .tags(
                        t::TagDescription::builder()
                            .resource_id("web")
                            .resource_type("auto-scaling-group")
                            .key("app")
                            .value("web")
                            .propagate_at_launch(true)
                            .build(),
                    )
                    .instances(sdk_instance(I1, t::LifecycleState::InService, "Healthy").build())
                    .instances(
                        sdk_instance(I2, t::LifecycleState::Pending, "Unhealthy")
                            .availability_zone("us-east-1b")
                            .protected_from_scale_in(true)
                            .build(),
                    )
                    // Known to the SDK but not to the crate, and new to both: kept by name.
                    .instances(sdk_instance(I3, t::LifecycleState::from("Warmed:Hibernated"), "Healthy").build())
                    .instances(sdk_instance(I4, t::LifecycleState::from("Hibernating:Soon"), "Impaired").build())
                    .build();
                DescribeAutoScalingGroupsOutput::builder()
                    .auto_scaling_groups(g)
                    .next_token("page-2")
                    .build()
            });
        let page2 = mock!(asg::Client::describe_auto_scaling_groups)
            .match_requests(|r| r.next_token() == Some("page-2") && r.max_records() == Some(100))
            .then_output(|| {
                // A group on a mixed instances policy names its template there.
                let g = sdk_group("api")
                    .health_check_type("VPC_LATTICE_V2")
                    .mixed_instances_policy(
                        t::MixedInstancesPolicy::builder()
                            .launch_template(
                                t::LaunchTemplate::builder()
                                    .launch_template_specification(
                                        t::LaunchTemplateSpecification::builder()
                                            .launch_template_name("api")
                                            .version("$Default")
                                            .build(),
                                    )
                                    .build(),
                            )
                            .build(),
                    )
                    .build();
                DescribeAutoScalingGroupsOutput::builder()
                    .auto_scaling_groups(g)
                    .build()
            });
        let a = client(&[&page1, &page2]);
        let groups = a.describe_auto_scaling_groups(vec![]).await.unwrap();
        assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
        assert_eq!(groups.len(), 2);
        let web = &groups[0];
        assert_eq!(web.name.as_str(), "web");
        assert!(web.arn.ends_with("autoScalingGroupName/web"), "{}", web.arn);
        assert_eq!((web.min_size, web.max_size, web.desired_capacity), (1, 4, 2));
        assert_eq!(web.default_cooldown_secs, 300);
        assert_eq!(
            web.subnets.iter().map(SubnetId::as_str).collect::<Vec<_>>(),
            ["subnet-0000000a", "subnet-0000000b"]
        );
        assert_eq!(web.availability_zones.len(), 2);
        assert_eq!(web.target_group_arns[0].as_str(), TG);
        assert_eq!(web.health_check_type, HealthCheckType::Elb);
        assert_eq!(web.health_check_grace_period_secs, 120);
        assert_eq!(web.default_instance_warmup_secs, None, "-1 turns the warm-up off");
        assert_eq!(
            web.launch_template,
            Some(LaunchTemplateRef::Id(LT.parse().unwrap())),
            "the id wins over the name"
        );
        assert_eq!(web.launch_template_version.as_deref(), Some("$Latest"));
        assert_eq!(
            web.created_time,
            Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000))
        );
        assert_eq!(web.status.as_deref(), Some("Delete in progress"));
        assert_eq!(web.tags.get("app").map(String::as_str), Some("web"));
        assert!(web.new_instances_protected_from_scale_in);
        let got: Vec<(&str, &LifecycleState, &InstanceHealth)> = web
            .instances
            .iter()
            .map(|i| (i.instance_id.as_str(), &i.lifecycle_state, &i.health))
            .collect();
        assert_eq!(
            got,
            [
                (I1, &LifecycleState::InService, &InstanceHealth::Healthy),
                (I2, &LifecycleState::Pending, &InstanceHealth::Unhealthy),
                (
                    I3,
                    &LifecycleState::Unknown("Warmed:Hibernated".into()),
                    &InstanceHealth::Healthy
                ),
                (
                    I4,
                    &LifecycleState::Unknown("Hibernating:Soon".into()),
                    &InstanceHealth::Unknown("Impaired".into())
                ),
            ]
        );
        assert_eq!(web.in_service().count(), 1);
        let i2 = &web.instances[1];
        assert_eq!(i2.availability_zone.as_str(), "us-east-1b");
        assert!(i2.protected_from_scale_in);
        assert_eq!(i2.instance_type.as_deref(), Some("t3.micro"));
        assert_eq!(i2.launch_template_version.as_deref(), Some("3"));
        let api = &groups[1];
        assert_eq!(api.launch_template, Some(LaunchTemplateRef::Name("api".into())));
        assert_eq!(api.launch_template_version.as_deref(), Some("$Default"));
        assert_eq!(api.health_check_type, HealthCheckType::Unknown("VPC_LATTICE_V2".into()));
        assert!(api.subnets.is_empty() && api.instances.is_empty());
    }

    #[tokio::test]
    async fn describe_groups_sends_at_most_100_names_a_call() {
        let mut names: Vec<AutoScalingGroupName> = (0..150).map(|i| name(&format!("g{i:03}"))).collect();
        names.push(name("g000")); // named twice, asked for once
        let answer = |r: &asg::operation::describe_auto_scaling_groups::DescribeAutoScalingGroupsInput| {
            let mut out = DescribeAutoScalingGroupsOutput::builder();
            for n in r.auto_scaling_group_names() {
                out = out.auto_scaling_groups(sdk_group(n).build());
            }
            out.build()
        };
        let first = mock!(asg::Client::describe_auto_scaling_groups)
            .match_requests(|r| {
                r.auto_scaling_group_names().len() == 100
                    && r.auto_scaling_group_names()[0] == "g000"
                    && r.max_records() == Some(100)
            })
            .then_compute_output(answer);
        let second = mock!(asg::Client::describe_auto_scaling_groups)
            .match_requests(|r| {
                r.auto_scaling_group_names().len() == 50
                    && r.auto_scaling_group_names()[0] == "g100"
                    && r.max_records() == Some(100)
            })
            .then_compute_output(answer);
        let a = client(&[&first, &second]);
        let groups = a.describe_auto_scaling_groups(names).await.unwrap();
        assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
        assert_eq!(groups.len(), 150);
        assert_eq!(groups[149].name.as_str(), "g149");
    }

    #[tokio::test]
    async fn describe_scaling_activities_pages_and_keeps_unknown_statuses() {
        let activity = |id: &str, status: t::ScalingActivityStatusCode| {
            t::Activity::builder()
                .activity_id(id)
                .auto_scaling_group_name("web")
                .description(format!("Launching a new EC2 instance: {I1}"))
                .cause("At 2024-01-01T00:00:00Z a user request update of AutoScalingGroup constraints")
                .start_time(aws_smithy_types::DateTime::from_secs(1_700_000_100))
                .status_code(status)
                .progress(30)
        };
        let page1 = mock!(asg::Client::describe_scaling_activities)
            .match_requests(|r| r.auto_scaling_group_name() == Some("web") && r.next_token().is_none())
            .then_output(move || {
                DescribeScalingActivitiesOutput::builder()
                    .activities(activity("a-2", t::ScalingActivityStatusCode::InProgress).build())
                    .next_token("t2")
                    .build()
            });
        let page2 = mock!(asg::Client::describe_scaling_activities)
            .match_requests(|r| r.auto_scaling_group_name() == Some("web") && r.next_token() == Some("t2"))
            .then_output(move || {
                DescribeScalingActivitiesOutput::builder()
                    .activities(
                        activity("a-1", t::ScalingActivityStatusCode::from("WaitingForMoon"))
                            .end_time(aws_smithy_types::DateTime::from_secs(1_700_000_200))
                            .status_message("boom")
                            .build(),
                    )
                    .build()
            });
        let a = client(&[&page1, &page2]);
        let acts = a.describe_scaling_activities(name("web")).await.unwrap();
        assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
        assert_eq!(acts.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["a-2", "a-1"]);
        assert_eq!(acts[0].status, ActivityStatus::InProgress);
        assert_eq!(acts[0].progress, 30);
        assert!(acts[0].description.contains(I1));
        assert!(acts[0].end_time.is_none());
        assert_eq!(acts[1].status, ActivityStatus::Unknown("WaitingForMoon".into()));
        assert!(!acts[1].status.is_done());
        assert_eq!(acts[1].status_message.as_deref(), Some("boom"));
        assert!(acts[1].end_time.is_some());
    }

    #[tokio::test]
    async fn put_scaling_policy_target_tracking_round_trip() {
        let label = TargetTracking::resource_label_of(&LB.parse().unwrap(), &TG.parse().unwrap());
        let expected_label = label.clone();
        let rule = mock!(asg::Client::put_scaling_policy)
            .match_requests(move |r| {
                let tt = r.target_tracking_configuration();
                let spec = tt.and_then(|t| t.predefined_metric_specification());
                r.auto_scaling_group_name() == Some("web")
                    && r.policy_name() == Some("rps")
                    && r.policy_type() == Some("TargetTrackingScaling")
                    && spec.and_then(|s| s.predefined_metric_type()) == Some(&t::MetricType::AlbRequestCountPerTarget)
                    && spec.and_then(|s| s.resource_label()) == Some(expected_label.as_str())
                    && tt.and_then(|t| t.target_value()) == Some(1000.0)
                    && tt.and_then(|t| t.disable_scale_in()) == Some(true)
                    && r.estimated_instance_warmup() == Some(90)
                    && r.enabled() == Some(true)
                    && r.adjustment_type().is_none()
                    && r.step_adjustments().is_empty()
                    && r.scaling_adjustment().is_none()
            })
            .then_output(|| {
                SdkPutScalingPolicyOutput::builder()
                    .policy_arn(POLICY_ARN)
                    .alarms(
                        t::Alarm::builder()
                            .alarm_name(ALARM_HIGH)
                            .alarm_arn(alarm_arn(ALARM_HIGH))
                            .build(),
                    )
                    .alarms(
                        t::Alarm::builder()
                            .alarm_name(ALARM_LOW)
                            .alarm_arn(alarm_arn(ALARM_LOW))
                            .build(),
                    )
                    .build()
            });
        let a = client(&[&rule]);
        let tt = TargetTracking::request_count_per_target(&LB.parse().unwrap(), &TG.parse().unwrap(), 1000.0)
            .without_scale_in();
        let req = PutScalingPolicyRequest::builder()
            .group(name("web"))
            .name("rps")
            .config(tt.into())
            .estimated_instance_warmup_secs(90)
            .build()
            .unwrap();
        let out = a.put_scaling_policy(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(out.policy_arn, POLICY_ARN);
        assert_eq!(
            out.alarms,
            [
                PolicyAlarm::new(ALARM_HIGH, alarm_arn(ALARM_HIGH)),
                PolicyAlarm::new(ALARM_LOW, alarm_arn(ALARM_LOW)),
            ]
        );
    }

    #[tokio::test]
    async fn put_scaling_policy_sends_step_and_simple_members() {
        let step = mock!(asg::Client::put_scaling_policy)
            .match_requests(|r| {
                let s = r.step_adjustments();
                r.policy_type() == Some("StepScaling")
                    && r.adjustment_type() == Some("PercentChangeInCapacity")
                    && r.metric_aggregation_type() == Some("Maximum")
                    && r.min_adjustment_magnitude() == Some(2)
                    && s.len() == 2
                    && s[0].metric_interval_lower_bound() == Some(0.0)
                    && s[0].metric_interval_upper_bound() == Some(10.0)
                    && s[0].scaling_adjustment() == Some(10)
                    && s[1].metric_interval_lower_bound() == Some(10.0)
                    && s[1].metric_interval_upper_bound().is_none()
                    && s[1].scaling_adjustment() == Some(30)
                    && r.enabled() == Some(false)
                    && r.target_tracking_configuration().is_none()
                    && r.cooldown().is_none()
            })
            .then_output(|| SdkPutScalingPolicyOutput::builder().policy_arn(POLICY_ARN).build());
        let simple = mock!(asg::Client::put_scaling_policy)
            .match_requests(|r| {
                r.policy_type() == Some("SimpleScaling")
                    && r.adjustment_type() == Some("ChangeInCapacity")
                    && r.scaling_adjustment() == Some(-1)
                    && r.cooldown() == Some(120)
                    && r.estimated_instance_warmup().is_none()
                    && r.step_adjustments().is_empty()
            })
            .then_output(|| SdkPutScalingPolicyOutput::builder().policy_arn(POLICY_ARN).build());
        let a = client(&[&step, &simple]);
        let mut s = StepScaling::new(
            AdjustmentType::PercentChangeInCapacity,
            vec![
                StepAdjustment::new(Some(0.0), Some(10.0), 10),
                StepAdjustment::new(Some(10.0), None, 30),
            ],
        );
        s.aggregation = MetricAggregation::Maximum;
        s.min_adjustment_magnitude = Some(2);
        let req = PutScalingPolicyRequest::builder()
            .group(name("web"))
            .name("steps")
            .config(PolicyConfig::Step(s))
            .enabled(false)
            .build()
            .unwrap();
        let out = a.put_scaling_policy(req).await.unwrap();
        assert!(out.alarms.is_empty());
        let mut s = SimpleScaling::new(AdjustmentType::ChangeInCapacity, -1);
        s.cooldown_secs = Some(120);
        let req = PutScalingPolicyRequest::builder()
            .group(name("web"))
            .name("down")
            .config(PolicyConfig::Simple(s))
            .build()
            .unwrap();
        assert_eq!(a.put_scaling_policy(req).await.unwrap().policy_arn, POLICY_ARN);
        assert_eq!((step.num_calls(), simple.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn describe_policies_converts_all_three_kinds() {
        let base = |n: &str, kind: &str| {
            t::ScalingPolicy::builder()
                .auto_scaling_group_name("web")
                .policy_name(n)
                .policy_arn(format!("{POLICY_ARN}-{n}"))
                .policy_type(kind)
        };
        let page1 = mock!(asg::Client::describe_policies)
            .match_requests(|r| r.auto_scaling_group_name() == Some("web") && r.next_token().is_none())
            .then_output(move || {
                DescribePoliciesOutput::builder()
                    .scaling_policies(
                        base("cpu50", "TargetTrackingScaling")
                            .target_tracking_configuration(
                                t::TargetTrackingConfiguration::builder()
                                    .predefined_metric_specification(
                                        t::PredefinedMetricSpecification::builder()
                                            .predefined_metric_type(t::MetricType::AsgAverageCpuUtilization)
                                            .build(),
                                    )
                                    .target_value(50.0)
                                    .disable_scale_in(false)
                                    .build(),
                            )
                            .estimated_instance_warmup(60)
                            .enabled(true)
                            .alarms(
                                t::Alarm::builder()
                                    .alarm_name(ALARM_HIGH)
                                    .alarm_arn(alarm_arn(ALARM_HIGH))
                                    .build(),
                            )
                            .build(),
                    )
                    .scaling_policies(
                        base("steps", "StepScaling")
                            .adjustment_type("ChangeInCapacity")
                            .step_adjustments(
                                t::StepAdjustment::builder()
                                    .metric_interval_upper_bound(0.0)
                                    .scaling_adjustment(-1)
                                    .build(),
                            )
                            .step_adjustments(
                                t::StepAdjustment::builder()
                                    .metric_interval_lower_bound(0.0)
                                    .scaling_adjustment(2)
                                    .build(),
                            )
                            .metric_aggregation_type("Minimum")
                            .enabled(false)
                            .build(),
                    )
                    .next_token("t2")
                    .build()
            });
        let page2 = mock!(asg::Client::describe_policies)
            .match_requests(|r| r.auto_scaling_group_name() == Some("web") && r.next_token() == Some("t2"))
            .then_output(move || {
                DescribePoliciesOutput::builder()
                    .scaling_policies(
                        base("simple", "SimpleScaling")
                            .adjustment_type("ExactCapacity")
                            .scaling_adjustment(3)
                            .cooldown(200)
                            .build(),
                    )
                    .scaling_policies(base("forecast", "PredictiveScaling").build())
                    // A customized metric cannot be said in the crate's terms: no config.
                    .scaling_policies(
                        base("custom", "TargetTrackingScaling")
                            .target_tracking_configuration(
                                t::TargetTrackingConfiguration::builder()
                                    .customized_metric_specification(
                                        t::CustomizedMetricSpecification::builder()
                                            .metric_name("QueueDepth")
                                            .namespace("App")
                                            .statistic(t::MetricStatistic::Average)
                                            .build(),
                                    )
                                    .target_value(10.0)
                                    .build(),
                            )
                            .build(),
                    )
                    .scaling_policies(base("future", "QuantumScaling").build())
                    .build()
            });
        let a = client(&[&page1, &page2]);
        let ps = a.describe_policies(name("web")).await.unwrap();
        assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
        assert_eq!(
            ps.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["cpu50", "steps", "simple", "forecast", "custom", "future"]
        );
        let cpu = &ps[0];
        assert_eq!(cpu.group.as_str(), "web");
        assert_eq!(cpu.arn, format!("{POLICY_ARN}-cpu50"));
        assert_eq!(cpu.policy_type, PolicyType::TargetTrackingScaling);
        assert_eq!(
            cpu.config,
            Some(PolicyConfig::TargetTracking(TargetTracking::new(
                PredefinedMetric::AsgAverageCpuUtilization,
                50.0
            )))
        );
        assert_eq!(cpu.estimated_instance_warmup_secs, Some(60));
        assert!(cpu.enabled);
        assert_eq!(cpu.alarms, [PolicyAlarm::new(ALARM_HIGH, alarm_arn(ALARM_HIGH))]);
        let steps = &ps[1];
        assert_eq!(steps.policy_type, PolicyType::StepScaling);
        let mut expected = StepScaling::new(
            AdjustmentType::ChangeInCapacity,
            vec![
                StepAdjustment::new(None, Some(0.0), -1),
                StepAdjustment::new(Some(0.0), None, 2),
            ],
        );
        expected.aggregation = MetricAggregation::Minimum;
        assert_eq!(steps.config, Some(PolicyConfig::Step(expected)));
        assert!(!steps.enabled);
        let simple = &ps[2];
        let mut expected = SimpleScaling::new(AdjustmentType::ExactCapacity, 3);
        expected.cooldown_secs = Some(200);
        assert_eq!(simple.config, Some(PolicyConfig::Simple(expected)));
        assert!(simple.enabled, "Enabled left out reads as enabled");
        assert_eq!(
            (&ps[3].policy_type, &ps[3].config),
            (&PolicyType::PredictiveScaling, &None)
        );
        assert_eq!(
            (&ps[4].policy_type, &ps[4].config),
            (&PolicyType::TargetTrackingScaling, &None)
        );
        assert_eq!(
            (&ps[5].policy_type, &ps[5].config),
            (&PolicyType::Unknown("QuantumScaling".into()), &None)
        );
    }

    #[tokio::test]
    async fn terminate_returns_the_activity() {
        let rule = mock!(asg::Client::terminate_instance_in_auto_scaling_group)
            .match_requests(|r| r.instance_id() == Some(I1) && r.should_decrement_desired_capacity() == Some(true))
            .then_output(|| {
                TerminateInstanceInAutoScalingGroupOutput::builder()
                    .activity(
                        t::Activity::builder()
                            .activity_id("a-9")
                            .auto_scaling_group_name("web")
                            .description(format!("Terminating EC2 instance: {I1}"))
                            .cause("user request")
                            .start_time(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                            .status_code(t::ScalingActivityStatusCode::InProgress)
                            .progress(0)
                            .build(),
                    )
                    .build()
            });
        let a = client(&[&rule]);
        let act = a
            .terminate_instance_in_auto_scaling_group(I1.parse().unwrap(), true)
            .await
            .unwrap();
        assert_eq!(rule.num_calls(), 1);
        assert_eq!((act.id.as_str(), act.group.as_str()), ("a-9", "web"));
        assert_eq!(act.status, ActivityStatus::InProgress);
        assert_eq!(
            act.start_time,
            Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000))
        );
    }

    #[tokio::test]
    async fn instance_health_desired_capacity_and_deletes_send_their_members() {
        let health = mock!(asg::Client::set_instance_health)
            .match_requests(|r| {
                r.instance_id() == Some(I2)
                    && r.health_status() == Some("Unhealthy")
                    && r.should_respect_grace_period() == Some(false)
            })
            .then_output(|| asg::operation::set_instance_health::SetInstanceHealthOutput::builder().build());
        let desired = mock!(asg::Client::set_desired_capacity)
            .match_requests(|r| {
                r.auto_scaling_group_name() == Some("web")
                    && r.desired_capacity() == Some(3)
                    && r.honor_cooldown() == Some(true)
            })
            .then_output(|| asg::operation::set_desired_capacity::SetDesiredCapacityOutput::builder().build());
        let delete_policy = mock!(asg::Client::delete_policy)
            .match_requests(|r| r.auto_scaling_group_name() == Some("web") && r.policy_name() == Some("cpu50"))
            .then_output(|| asg::operation::delete_policy::DeletePolicyOutput::builder().build());
        let delete_group = mock!(asg::Client::delete_auto_scaling_group)
            .match_requests(|r| r.auto_scaling_group_name() == Some("web") && r.force_delete() == Some(true))
            .then_output(|| asg::operation::delete_auto_scaling_group::DeleteAutoScalingGroupOutput::builder().build());
        let a = client(&[&health, &desired, &delete_policy, &delete_group]);
        a.set_instance_health(I2.parse().unwrap(), InstanceHealth::Unhealthy, false)
            .await
            .unwrap();
        a.set_desired_capacity(name("web"), 3, true).await.unwrap();
        a.delete_policy(name("web"), "cpu50".into()).await.unwrap();
        a.delete_auto_scaling_group(name("web"), true).await.unwrap();
        assert_eq!(
            [
                health.num_calls(),
                desired.num_calls(),
                delete_policy.num_calls(),
                delete_group.num_calls()
            ],
            [1, 1, 1, 1]
        );
    }

    #[tokio::test]
    async fn instance_refreshes_start_describe_and_cancel() {
        let start = mock!(asg::Client::start_instance_refresh)
            .match_requests(|r| {
                let p = r.preferences();
                r.auto_scaling_group_name() == Some("web")
                    && r.strategy() == Some(&t::RefreshStrategy::Rolling)
                    && p.and_then(|p| p.min_healthy_percentage()) == Some(50)
                    && p.and_then(|p| p.max_healthy_percentage()) == Some(150)
                    && p.and_then(|p| p.instance_warmup()) == Some(60)
                    && p.and_then(|p| p.skip_matching()) == Some(true)
            })
            .then_output(|| StartInstanceRefreshOutput::builder().instance_refresh_id("r-1").build());
        // Left unset, MaxHealthyPercentage and InstanceWarmup are not sent ("explicitly
        // setting MaxHealthyPercentage to 100 is not equivalent to omitting it").
        let start_defaults = mock!(asg::Client::start_instance_refresh)
            .match_requests(|r| {
                let p = r.preferences();
                p.and_then(|p| p.min_healthy_percentage()) == Some(90)
                    && p.and_then(|p| p.max_healthy_percentage()).is_none()
                    && p.and_then(|p| p.instance_warmup()).is_none()
                    && p.and_then(|p| p.skip_matching()) == Some(false)
            })
            .then_output(|| StartInstanceRefreshOutput::builder().instance_refresh_id("r-2").build());
        let describe = mock!(asg::Client::describe_instance_refreshes)
            .match_requests(|r| r.auto_scaling_group_name() == Some("web") && r.max_records() == Some(100))
            .then_output(|| {
                let r = |id: &str, status: t::InstanceRefreshStatus| {
                    t::InstanceRefresh::builder()
                        .instance_refresh_id(id)
                        .auto_scaling_group_name("web")
                        .status(status)
                        .percentage_complete(40)
                        .instances_to_update(3)
                        .start_time(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                };
                DescribeInstanceRefreshesOutput::builder()
                    .instance_refreshes(r("r-2", t::InstanceRefreshStatus::InProgress).build())
                    .instance_refreshes(
                        r("r-1", t::InstanceRefreshStatus::from("Pondering"))
                            .status_reason("thinking")
                            .build(),
                    )
                    .build()
            });
        let cancel = mock!(asg::Client::cancel_instance_refresh)
            .match_requests(|r| r.auto_scaling_group_name() == Some("web"))
            .then_output(|| {
                CancelInstanceRefreshOutput::builder()
                    .instance_refresh_id("r-2")
                    .build()
            });
        let a = client(&[&start, &start_defaults, &describe, &cancel]);
        let req = StartInstanceRefreshRequest::builder()
            .group(name("web"))
            .min_healthy_percentage(50)
            .max_healthy_percentage(150)
            .instance_warmup_secs(60)
            .skip_matching(true)
            .build()
            .unwrap();
        assert_eq!(a.start_instance_refresh(req).await.unwrap(), "r-1");
        let req = StartInstanceRefreshRequest::builder()
            .group(name("web"))
            .build()
            .unwrap();
        assert_eq!(a.start_instance_refresh(req).await.unwrap(), "r-2");
        let rs = a.describe_instance_refreshes(name("web")).await.unwrap();
        assert_eq!(rs.len(), 2);
        assert_eq!((rs[0].id.as_str(), &rs[0].status), ("r-2", &RefreshStatus::InProgress));
        assert_eq!((rs[0].percentage_complete, rs[0].instances_to_update), (40, 3));
        assert_eq!(rs[1].status, RefreshStatus::Unknown("Pondering".into()));
        assert_eq!(rs[1].status_reason.as_deref(), Some("thinking"));
        assert_eq!(a.cancel_instance_refresh(name("web")).await.unwrap(), "r-2");
        assert_eq!(
            [
                start.num_calls(),
                start_defaults.num_calls(),
                describe.num_calls(),
                cancel.num_calls()
            ],
            [1, 1, 1, 1]
        );
    }

    #[tokio::test]
    async fn a_not_found_validation_error_on_delete_is_not_found() {
        const MSG: &str = "AutoScalingGroup name not found - AutoScalingGroup 'web' not found";
        let modeled = mock!(asg::Client::delete_auto_scaling_group)
            .then_error(|| DeleteAutoScalingGroupError::generic(validation_error(MSG)));
        // The same answer as AWS sends it, through the SDK's own error parsing.
        let wire = mock!(asg::Client::delete_auto_scaling_group).then_http_response(|| {
            HttpResponse::new(
                400.try_into().unwrap(),
                SdkBody::from(format!(
                    "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">\
                     <Error><Type>Sender</Type><Code>ValidationError</Code><Message>{MSG}</Message></Error>\
                     <RequestId>7d1f2b6e-0000-4000-8000-000000000000</RequestId></ErrorResponse>"
                )),
            )
        });
        let a = client(&[&modeled, &wire]);
        for _ in 0..2 {
            let e = a.delete_auto_scaling_group(name("web"), false).await.unwrap_err();
            assert!(e.is_not_found(), "{e:?}");
            assert!(!e.is_retryable());
            assert_eq!(e.code(), Some("ValidationError"));
            assert_eq!(e.api_error().unwrap().service, Service::AutoScaling);
            assert!(e.api_error().unwrap().message.contains("'web' not found"), "{e}");
        }
        assert_eq!((modeled.num_calls(), wire.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn a_missing_launch_template_is_a_validation_error_not_not_found() {
        let rule = mock!(asg::Client::create_auto_scaling_group).then_error(|| {
            CreateAutoScalingGroupError::generic(validation_error(
                "You must use a valid fully-formed launch template. The launch template \
                 lt-0123456789abcdef0 does not exist.",
            ))
        });
        let in_use = mock!(asg::Client::delete_auto_scaling_group).then_error(|| {
            DeleteAutoScalingGroupError::ResourceInUseFault(
                ResourceInUseFault::builder()
                    .message("You cannot delete an AutoScalingGroup while there are instances still in the group.")
                    .meta(
                        ErrorMetadata::builder()
                            .code("ResourceInUse")
                            .message(
                                "You cannot delete an AutoScalingGroup while there are instances still in the group.",
                            )
                            .build(),
                    )
                    .build(),
            )
        });
        let a = client(&[&rule, &in_use]);
        let req = CreateAutoScalingGroupRequest::builder()
            .name(name("web"))
            .launch_template(LT.parse::<crate::id::LaunchTemplateId>().unwrap())
            .min_size(1)
            .max_size(2)
            .subnets(vec!["subnet-0000000a".parse().unwrap()])
            .build()
            .unwrap();
        let e = a.create_auto_scaling_group(req).await.unwrap_err();
        assert!(!e.is_not_found(), "a referenced resource that does not exist: {e:?}");
        assert!(e.is_validation(), "{e:?}");
        assert_eq!(e.code(), Some("ValidationError"));
        let e = a.delete_auto_scaling_group(name("web"), false).await.unwrap_err();
        assert!(e.is_conflict() && e.is_dependency_violation(), "{e:?}");
        assert!(!e.is_not_found());
    }

    #[tokio::test]
    async fn throttling_is_throttled() {
        let rule = mock!(asg::Client::describe_auto_scaling_groups).then_error(|| {
            DescribeAutoScalingGroupsError::generic(
                ErrorMetadata::builder()
                    .code("Throttling")
                    .message("Rate exceeded")
                    .build(),
            )
        });
        let a = client(&[&rule]);
        let e = a.describe_auto_scaling_groups(vec![name("web")]).await.unwrap_err();
        assert!(e.is_throttled(), "{e:?}");
        assert!(e.is_retryable());
        assert_eq!(rule.num_calls(), 1, "the SDK's retry is off: one attempt");
    }

    #[tokio::test]
    async fn a_response_missing_a_required_field_is_an_error() {
        let no_arn =
            mock!(asg::Client::put_scaling_policy).then_output(|| SdkPutScalingPolicyOutput::builder().build());
        let no_desired = mock!(asg::Client::describe_auto_scaling_groups).then_output(|| {
            DescribeAutoScalingGroupsOutput::builder()
                .auto_scaling_groups(
                    t::AutoScalingGroup::builder()
                        .auto_scaling_group_name("web")
                        .min_size(1)
                        .max_size(4)
                        .build(),
                )
                .build()
        });
        let no_lifecycle = mock!(asg::Client::describe_auto_scaling_groups).then_output(|| {
            let i = sdk_instance(I1, t::LifecycleState::InService, "Healthy")
                .set_lifecycle_state(None)
                .build();
            DescribeAutoScalingGroupsOutput::builder()
                .auto_scaling_groups(sdk_group("web").instances(i).build())
                .build()
        });
        let no_activity = mock!(asg::Client::terminate_instance_in_auto_scaling_group)
            .then_output(|| TerminateInstanceInAutoScalingGroupOutput::builder().build());
        let no_refresh_id =
            mock!(asg::Client::start_instance_refresh).then_output(|| StartInstanceRefreshOutput::builder().build());
        // Through the SDK's XML parsing: a group without its name.
        let wire = mock!(asg::Client::describe_auto_scaling_groups).then_http_response(|| {
            HttpResponse::new(
                200.try_into().unwrap(),
                SdkBody::from(
                    "<DescribeAutoScalingGroupsResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">\
                     <DescribeAutoScalingGroupsResult><AutoScalingGroups><member>\
                     <MinSize>1</MinSize><MaxSize>4</MaxSize><DesiredCapacity>2</DesiredCapacity>\
                     </member></AutoScalingGroups></DescribeAutoScalingGroupsResult>\
                     <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
                     </DescribeAutoScalingGroupsResponse>",
                ),
            )
        });
        let a = client(&[&no_arn, &no_desired, &no_lifecycle, &no_activity, &no_refresh_id, &wire]);
        let malformed = |e: Error, field: &str| {
            assert_eq!(e.code(), Some("MalformedResponse"), "{e:?}");
            assert!(!e.is_not_found() && !e.is_retryable(), "{e:?}");
            assert!(e.to_string().contains(field), "{field}: {e}");
        };
        let req = PutScalingPolicyRequest::builder()
            .group(name("web"))
            .name("cpu50")
            .config(TargetTracking::new(PredefinedMetric::AsgAverageCpuUtilization, 50.0).into())
            .build()
            .unwrap();
        malformed(a.put_scaling_policy(req).await.unwrap_err(), "PolicyARN");
        malformed(
            a.describe_auto_scaling_groups(vec![]).await.unwrap_err(),
            "DesiredCapacity",
        );
        malformed(
            a.describe_auto_scaling_groups(vec![]).await.unwrap_err(),
            "Instance.LifecycleState",
        );
        malformed(
            a.terminate_instance_in_auto_scaling_group(I1.parse().unwrap(), false)
                .await
                .unwrap_err(),
            "Activity",
        );
        let req = StartInstanceRefreshRequest::builder()
            .group(name("web"))
            .build()
            .unwrap();
        malformed(a.start_instance_refresh(req).await.unwrap_err(), "InstanceRefreshId");
        malformed(
            a.describe_auto_scaling_groups(vec![]).await.unwrap_err(),
            "AutoScalingGroupName",
        );
        assert_eq!(wire.num_calls(), 1);
    }

    /// A query-protocol answer of `action` with `result` inside, as AWS sends it.
    fn xml_answer(action: &str, result: &str) -> HttpResponse {
        HttpResponse::new(
            200.try_into().unwrap(),
            SdkBody::from(format!(
                "<{action}Response xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">\
                 <{action}Result>{result}</{action}Result>\
                 <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
            )),
        )
    }

    #[tokio::test]
    async fn what_the_sdk_fills_in_for_absent_required_members_is_missing() {
        // A complete group but for `CreatedTime`, with an instance without `LifecycleState`.
        const GROUP: &str = "<AutoScalingGroupName>web</AutoScalingGroupName>\
            <MinSize>1</MinSize><MaxSize>4</MaxSize><DesiredCapacity>2</DesiredCapacity>\
            <DefaultCooldown>300</DefaultCooldown><HealthCheckType>EC2</HealthCheckType>\
            <AvailabilityZones><member>us-east-1a</member></AvailabilityZones>";
        let no_lifecycle = mock!(asg::Client::describe_auto_scaling_groups).then_http_response(|| {
            xml_answer(
                "DescribeAutoScalingGroups",
                &format!(
                    "<AutoScalingGroups><member>{GROUP}<Instances><member>\
                     <InstanceId>{I1}</InstanceId><AvailabilityZone>us-east-1a</AvailabilityZone>\
                     <HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn>\
                     </member></Instances></member></AutoScalingGroups>"
                ),
            )
        });
        let no_created_time = mock!(asg::Client::describe_auto_scaling_groups).then_http_response(|| {
            xml_answer(
                "DescribeAutoScalingGroups",
                &format!(
                    "<AutoScalingGroups><member>{GROUP}<Instances><member>\
                     <InstanceId>{I1}</InstanceId><AvailabilityZone>us-east-1a</AvailabilityZone>\
                     <LifecycleState>InService</LifecycleState><HealthStatus>Healthy</HealthStatus>\
                     <ProtectedFromScaleIn>false</ProtectedFromScaleIn>\
                     </member></Instances></member></AutoScalingGroups>"
                ),
            )
        });
        let no_status = mock!(asg::Client::describe_scaling_activities).then_http_response(|| {
            xml_answer(
                "DescribeScalingActivities",
                "<Activities><member><ActivityId>a-1</ActivityId>\
                 <AutoScalingGroupName>web</AutoScalingGroupName><Cause>c</Cause>\
                 <StartTime>2024-01-01T00:00:00Z</StartTime></member></Activities>",
            )
        });
        let no_health_check_type = mock!(asg::Client::describe_auto_scaling_groups).then_http_response(|| {
            xml_answer(
                "DescribeAutoScalingGroups",
                "<AutoScalingGroups><member><AutoScalingGroupName>web</AutoScalingGroupName>\
                 <MinSize>1</MinSize><MaxSize>4</MaxSize><DesiredCapacity>2</DesiredCapacity>\
                 <DefaultCooldown>300</DefaultCooldown></member></AutoScalingGroups>",
            )
        });
        let a = client(&[&no_lifecycle, &no_created_time, &no_status, &no_health_check_type]);
        let e = a.describe_auto_scaling_groups(vec![]).await.unwrap_err();
        assert_eq!(e.code(), Some("MalformedResponse"), "{e:?}");
        assert!(e.to_string().contains("Instance.LifecycleState"), "{e}");
        let groups = a.describe_auto_scaling_groups(vec![]).await.unwrap();
        assert_eq!(groups[0].created_time, None, "not 1970");
        assert_eq!(groups[0].instances[0].lifecycle_state, LifecycleState::InService);
        assert_eq!(groups[0].health_check_type, HealthCheckType::Ec2);
        let e = a.describe_scaling_activities(name("web")).await.unwrap_err();
        assert_eq!(e.code(), Some("MalformedResponse"), "{e:?}");
        assert!(e.to_string().contains("Activity.StatusCode"), "{e}");
        let e = a.describe_auto_scaling_groups(vec![]).await.unwrap_err();
        assert_eq!(e.code(), Some("MalformedResponse"), "{e:?}");
        assert!(e.to_string().contains("HealthCheckType"), "{e}");
        assert_eq!(
            [
                no_lifecycle.num_calls(),
                no_created_time.num_calls(),
                no_status.num_calls(),
                no_health_check_type.num_calls()
            ],
            [1, 1, 1, 1]
        );
    }

    #[tokio::test]
    async fn invalid_requests_are_not_sent() {
        let a = client(&[]);
        let e = a.delete_policy(name("web"), String::new()).await.unwrap_err();
        assert!(e.is_validation(), "{e:?}");
        let e = a.delete_policy(name("web"), "p".repeat(1601)).await.unwrap_err();
        assert!(e.is_validation(), "{e:?}");
        let e = a.set_desired_capacity(name("web"), u32::MAX, false).await.unwrap_err();
        assert!(e.is_validation() && e.to_string().contains("desired"), "{e}");
        let mut req = CreateAutoScalingGroupRequest::builder()
            .name(name("web"))
            .launch_template(LaunchTemplateRef::Name("tpl".into()))
            .min_size(1)
            .max_size(2)
            .subnets(vec!["subnet-0000000a".parse().unwrap()])
            .build()
            .unwrap();
        req.desired_capacity = Some(3);
        let e = a.create_auto_scaling_group(req).await.unwrap_err();
        assert!(e.is_validation() && e.to_string().contains("desired_capacity"), "{e}");
        let mut req = StartInstanceRefreshRequest::builder()
            .group(name("web"))
            .build()
            .unwrap();
        req.min_healthy_percentage = 101;
        assert!(a.start_instance_refresh(req).await.unwrap_err().is_validation());
    }
}
