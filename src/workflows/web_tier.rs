//! Launch instances behind an Application Load Balancer, with CloudWatch's recommended alarms.
//!
//! [`WebTier::apply`] runs this plan (independent steps concurrently):
//!
//! ```text
//! network (default VPC + subnets) ─┬─ lb security group ─┬─ app security group ── instances ── wait running ─┐
//! image (id or latest by name) ────┘                     ├─ load balancer ── wait active ──────────────────┤
//! target group ───────────────────────────────────────────┴─ listener(s) ──────────────── register targets ─┴─ wait healthy
//!                                                            alarms (after load balancer, target group, instances)
//!                                                            load balancer attributes (last)
//! ```
//!
//! Security by default: the load balancer's group admits only the listener port(s) from the
//! allowed CIDRs; the instances' group admits only the application port from the load
//! balancer's group; instances require IMDSv2 and boot from encrypted root volumes
//! ([`RootVolumeSpec`]); every launch carries a client token. With a
//! certificate the listener is HTTPS with [`DEFAULT_TLS_POLICY`] and port 80 redirects to it;
//! without one the tier is plain HTTP and says so (a progress note, `https: false`). The load
//! balancer drops invalid header fields; deletion protection is the spec's choice, set last so
//! a failed apply can still roll back.
//!
//! Every resource is tagged `aws-facade:workflow = web-tier` and `aws-facade:name = NAME`, so
//! [`WebTier::apply`] again converges (finds, reuses, scales) and [`destroy_by_name`] finds
//! everything even after an aborted run.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::workflows::web_tier::{destroy, WebTier};
//! let cloud = aws_facade::Cloud::sim();
//! let spec = WebTier::builder()
//!     .name("shop".parse()?)
//!     .image(aws_facade::workflows::web_tier::ImageSpec::latest("al2023-ami-*-x86_64", "amazon"))
//!     .count(2)
//!     .build()?;
//! let outputs = spec.apply(&cloud, None).await?;
//! assert_eq!(outputs.instance_ids.len(), 2);
//! let removed = destroy(&cloud, &outputs, None).await?;
//! assert!(removed.removed.len() >= 6 && removed.skipped.is_empty());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::autoscaling::{
    CreateAutoScalingGroupRequest, HealthCheckType, PredefinedMetric, PutScalingPolicyRequest,
    StartInstanceRefreshRequest, TargetTracking, UpdateAutoScalingGroupRequest,
};
use crate::cloud::Cloud;
use crate::cloudwatch::{
    AlarmState, ComparisonOperator, DescribeAlarmsRequest, Dimension, PutMetricAlarmRequest, Statistic,
    TreatMissingData,
};
use crate::ec2::{
    AuthorizeIngressRequest, CreateLaunchTemplateRequest, CreateLaunchTemplateVersionRequest,
    CreateSecurityGroupRequest, DescribeImagesRequest, DescribeInstancesRequest, DescribeLaunchTemplatesRequest,
    DescribeSecurityGroupsRequest, IngressSource, Instance, InstanceState, LaunchTemplateData, LaunchTemplateRef,
    RunInstancesRequest, TemplateVersion,
};
use crate::elb::{
    CreateListenerRequest, CreateLoadBalancerRequest, CreateTargetGroupRequest, DEFAULT_TLS_POLICY,
    DELETION_PROTECTION, DROP_INVALID_HEADER_FIELDS, DescribeLoadBalancersRequest, DescribeTargetGroupsRequest,
    HealthCheck, LoadBalancer, Protocol, Target,
};
use crate::error::{Error, Result};
use crate::id::{
    AlarmName, Arn, AutoScalingGroupName, ImageId, InstanceId, InstanceType, LaunchTemplateId, ListenerArn,
    LoadBalancerArn, LoadBalancerName, SecurityGroupId, SubnetId, TargetGroupArn, TargetGroupName, VpcId,
};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};
use crate::wait::conditions;
use crate::workflows::alarms::Preset;
use crate::workflows::plan::{Owned, Progress, Run, Teardown, undo};
use crate::workflows::remove::{self, NotFoundExt};

pub use crate::workflows::plan::{TAG_NAME, TAG_RUN, TAG_WORKFLOW};
const WORKFLOW: &str = "web-tier";

/// Which image to launch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum ImageSpec {
    /// This image.
    Id(ImageId),
    /// The newest image whose name matches `name_pattern` (`*`, `?` wildcards) owned by `owner`.
    Latest {
        /// Name pattern.
        name_pattern: String,
        /// Owner (`amazon`, `self` or an account id).
        owner: String,
    },
}

impl ImageSpec {
    /// The newest image matching a pattern and owner.
    pub fn latest(name_pattern: &str, owner: &str) -> Self {
        ImageSpec::Latest {
            name_pattern: name_pattern.into(),
            owner: owner.into(),
        }
    }
}

/// The listener clients connect to.
///
/// With a `certificate_arn` the listener is HTTPS with [`DEFAULT_TLS_POLICY`] (TLS 1.3 and
/// 1.2, forward-secret ciphers only) unless `ssl_policy` names another, and port 80 answers
/// with a permanent redirect to it (`redirect_http`). Without a certificate the listener is
/// plain HTTP, and the apply says so (a progress note, and `https: false` in the outputs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct ListenerSpec {
    /// The port (default 80; use 443 with a certificate).
    pub port: u16,
    /// An ACM certificate: with one the listener is HTTPS.
    pub certificate_arn: Option<Arn>,
    /// The TLS policy of the HTTPS listener (default [`DEFAULT_TLS_POLICY`]).
    pub ssl_policy: Option<String>,
    /// With a certificate: an HTTP listener on port 80 that redirects every request to the
    /// HTTPS listener (HTTP 301; default `true`).
    pub redirect_http: bool,
}

impl Default for ListenerSpec {
    fn default() -> Self {
        ListenerSpec {
            port: 80,
            certificate_arn: None,
            ssl_policy: None,
            redirect_http: true,
        }
    }
}

impl ListenerSpec {
    fn https(&self) -> bool {
        self.certificate_arn.is_some()
    }
    /// The port of the HTTP listener that redirects to HTTPS, if there is one.
    fn redirect_port(&self) -> Option<u16> {
        (self.https() && self.redirect_http && self.port != 80).then_some(80)
    }
}

/// The target group's health check (a spec may set any part of it; the rest keeps its default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// Path requested (default `/`).
    pub path: String,
    /// Seconds between checks (default 15).
    pub interval_secs: u32,
    /// Consecutive successes to become healthy (default 3).
    pub healthy_threshold: u32,
    /// Consecutive failures to become unhealthy (default 2).
    pub unhealthy_threshold: u32,
    /// HTTP codes counted as success (default `200`).
    pub matcher: String,
}

impl Default for HealthCheckSpec {
    fn default() -> Self {
        HealthCheckSpec {
            path: "/".into(),
            interval_secs: 15,
            healthy_threshold: 3,
            unhealthy_threshold: 2,
            matcher: "200".into(),
        }
    }
}

/// Which alarms to create, and their thresholds. `None` switches an alarm off.
///
/// Defaults follow CloudWatch's "Recommended alarms" for Application Load Balancers and EC2. A
/// spec may set any part of it; the rest keeps its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct AlarmSettings {
    /// `HTTPCode_ELB_5XX_Count` Sum per minute above this, 5 of 5 (default 10).
    pub elb_5xx: Option<f64>,
    /// `HTTPCode_Target_5XX_Count` Sum per minute above this, 5 of 5 (default 10).
    pub target_5xx: Option<f64>,
    /// `UnHealthyHostCount` Maximum above 0, 5 of 5.
    pub unhealthy_hosts: bool,
    /// `HealthyHostCount` Minimum below 1, 5 of 5.
    pub healthy_hosts: bool,
    /// `TargetResponseTime` p90 above this many seconds, 5 of 5 (default 1.0).
    pub response_time_p90_secs: Option<f64>,
    /// Per instance: `CPUUtilization` Average above this percent, 3 of 3 five-minute periods (default 80).
    pub cpu_percent: Option<f64>,
    /// Per instance: `StatusCheckFailed` and `StatusCheckFailed_AttachedEBS` alarms.
    pub status_checks: bool,
    /// Actions for the `ALARM` state (SNS topics, Lambda functions, ...).
    pub actions: Vec<Arn>,
}

impl Default for AlarmSettings {
    fn default() -> Self {
        AlarmSettings {
            elb_5xx: Some(10.0),
            target_5xx: Some(10.0),
            unhealthy_hosts: true,
            healthy_hosts: true,
            response_time_p90_secs: Some(1.0),
            cpu_percent: Some(80.0),
            status_checks: true,
            actions: Vec::new(),
        }
    }
}

impl AlarmSettings {
    /// Thresholds finite and in range, at most [`MAX_ALARM_ACTIONS`](crate::cloudwatch::MAX_ALARM_ACTIONS)
    /// actions (PutMetricAlarm's limit), so no alarm fails mid-apply.
    fn validate(&self) -> Result<()> {
        let threshold = |field: &str, v: Option<f64>, max: Option<f64>| -> Result<()> {
            let Some(v) = v else { return Ok(()) };
            if !v.is_finite() || v < 0.0 || max.is_some_and(|m| v > m) {
                let range = max.map_or("at least 0".to_string(), |m| format!("from 0 to {m}"));
                return Err(Error::validation(
                    field,
                    format!("must be a finite number {range} (got {v})"),
                ));
            }
            Ok(())
        };
        threshold("alarms.elb_5xx", self.elb_5xx, None)?;
        threshold("alarms.target_5xx", self.target_5xx, None)?;
        threshold("alarms.response_time_p90_secs", self.response_time_p90_secs, None)?;
        threshold("alarms.cpu_percent", self.cpu_percent, Some(100.0))?;
        validate::at_most("alarms.actions", &self.actions, crate::cloudwatch::MAX_ALARM_ACTIONS)
    }
}

/// The instances' root volumes. Default: encrypted (gp3, deleted with the instance, the
/// account's default EBS key, the image's size); see
/// [`RunInstancesRequest::encrypt_root_volume`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct RootVolumeSpec {
    /// Encrypt the root volumes (default `true`). `false` is the opt-out: the image's own
    /// mapping applies (unencrypted for most public images).
    pub encrypted: bool,
    /// A KMS key (id, alias or ARN) instead of the account's default EBS key (`aws/ebs`).
    pub kms_key_id: Option<String>,
    /// The size in GiB (default: the image's; at least the image's).
    pub size_gib: Option<u32>,
}

impl Default for RootVolumeSpec {
    fn default() -> Self {
        RootVolumeSpec {
            encrypted: true,
            kms_key_id: None,
            size_gib: None,
        }
    }
}

impl RootVolumeSpec {
    /// The same rules as [`RunInstancesRequest`]'s root volume fields, on this spec's paths.
    fn validate(&self) -> Result<()> {
        if !self.encrypted {
            for (field, set) in [
                ("root_volume.kms_key_id", self.kms_key_id.is_some()),
                ("root_volume.size_gib", self.size_gib.is_some()),
            ] {
                if set {
                    return Err(Error::validation(field, "needs root_volume.encrypted = true"));
                }
            }
        }
        if let Some(size) = self.size_gib {
            let (lo, hi) = crate::ec2::VolumeType::Gp3.size_range_gib();
            validate::in_range("root_volume.size_gib", size, lo, hi)?;
        }
        if let Some(k) = &self.kms_key_id {
            validate::len_in("root_volume.kms_key_id", k, 1, 2048)?;
        }
        Ok(())
    }
}

/// What an elastic tier scales on: a target-tracking policy's target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub enum ScalingTarget {
    /// Requests per second per instance (`ALBRequestCountPerTarget`, which counts per minute:
    /// the policy's target is 60 times this).
    RequestsPerTarget(f64),
    /// The group's average CPU utilization, percent (`ASGAverageCPUUtilization`).
    CpuPercent(f64),
}

/// An elastic tier: its instances are an EC2 Auto Scaling group (named like the tier) over a
/// launch template (`NAME-lt`), registered with the tier's target group, replaced when the
/// target group finds them unhealthy, and scaled by a target-tracking policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElasticSpec {
    /// The fewest instances (at least 1).
    pub min: u32,
    /// The most instances (at most [`MAX_ELASTIC_SIZE`]).
    pub max: u32,
    /// The instances to start with (default `min`); a re-apply leaves the group's current
    /// desired capacity alone unless this is set.
    #[serde(default)]
    pub desired: Option<u32>,
    /// What the policy holds (e.g. 1,000 requests per second per instance, or 50 % CPU).
    pub target: ScalingTarget,
    /// Seconds after launch before the target group's health checks count (default 300).
    #[serde(default = "default_grace")]
    pub health_check_grace_period_secs: u32,
    /// Seconds a new instance warms up before its metrics count (default 300).
    #[serde(default = "default_grace")]
    pub instance_warmup_secs: u32,
}

fn default_grace() -> u32 {
    300
}

/// The largest elastic tier this crate builds (`ElasticSpec::max`): EC2's default
/// On-Demand quota for standard instances is far below it in new accounts, so a larger group
/// is a deliberate choice better made by hand.
pub const MAX_ELASTIC_SIZE: u32 = 1000;

impl ElasticSpec {
    /// `min` to `max` instances holding `target`.
    pub fn new(min: u32, max: u32, target: ScalingTarget) -> Self {
        ElasticSpec {
            min,
            max,
            desired: None,
            target,
            health_check_grace_period_secs: default_grace(),
            instance_warmup_secs: default_grace(),
        }
    }

    fn validate(&self) -> Result<()> {
        validate::in_range("elastic.min", self.min, 1, MAX_ELASTIC_SIZE)?;
        validate::in_range("elastic.max", self.max, self.min, MAX_ELASTIC_SIZE)?;
        if let Some(d) = self.desired {
            validate::in_range("elastic.desired", d, self.min, self.max)?;
        }
        let (field, v, max) = match self.target {
            ScalingTarget::RequestsPerTarget(v) => ("elastic.target.requests_per_target", v, f64::MAX),
            ScalingTarget::CpuPercent(v) => ("elastic.target.cpu_percent", v, 100.0),
        };
        if !v.is_finite() || v <= 0.0 || v > max {
            return Err(Error::validation(
                field,
                format!(
                    "must be a finite number above 0{} (got {v})",
                    if max == 100.0 { " and at most 100" } else { "" }
                ),
            ));
        }
        Ok(())
    }
}

/// A load-balanced web tier: the spec. Build it with [`WebTier::builder`] or load it with serde.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
#[serde(deny_unknown_fields)]
pub struct WebTier {
    /// The tier's name: names the load balancer (`NAME`), target group (`NAME-tg`) and groups;
    /// at most 28 characters so derived names fit ELB's 32.
    pub name: LoadBalancerName,
    /// The image.
    pub image: ImageSpec,
    /// The instance type (default `t3.micro`).
    #[builder(default = "t3.micro".parse().expect("valid"))]
    #[serde(default = "default_instance_type")]
    pub instance_type: InstanceType,
    /// How many instances (default 2), spread evenly across the subnets' zones.
    #[builder(default = 2)]
    #[serde(default = "default_count")]
    pub count: u32,
    /// Subnets in at least two zones (default: the default VPC's default subnets).
    #[builder(default)]
    #[serde(default)]
    pub subnets: Vec<SubnetId>,
    /// The port the application listens on (default 80).
    #[builder(default = 80)]
    #[serde(default = "default_port")]
    pub app_port: u16,
    /// The health check.
    #[builder(default)]
    #[serde(default)]
    pub health_check: HealthCheckSpec,
    /// User data (plain text, at most 16 KB). A [`SecretString`](crate::SecretString), as it
    /// often carries bootstrap secrets: `Debug` shows its length only, and serde writes
    /// `{"redacted": true, "len": N}` unless serialised inside
    /// [`secret::exposing`](crate::secret::exposing) (to write a spec file that is read back).
    /// A spec file gives it as a plain string.
    #[builder(into)]
    pub user_data: Option<crate::SecretString>,
    /// The listener.
    #[builder(default)]
    #[serde(default)]
    pub listener: ListenerSpec,
    /// CIDRs allowed to reach the listener, IPv4 or IPv6 (default `0.0.0.0/0`; add `::/0` for
    /// IPv6 clients). The network guard applies ([`crate::ec2::cidr`]): a listener on an
    /// administrative or data-store port (22, 3389, 5432, ...) cannot be opened to a wide public
    /// range, and the tier has no opt-out for that.
    #[builder(default = vec!["0.0.0.0/0".to_string()])]
    #[serde(default = "default_cidrs")]
    pub allowed_cidrs: Vec<String>,
    /// The instances' root volumes (default: encrypted).
    #[builder(default)]
    #[serde(default)]
    pub root_volume: RootVolumeSpec,
    /// Extra tags for every resource.
    #[builder(default)]
    #[serde(default)]
    pub tags: Tags,
    /// Alarms.
    #[builder(default)]
    #[serde(default)]
    pub alarms: AlarmSettings,
    /// Seconds a deregistered target keeps draining (default 30).
    #[builder(default = 30)]
    #[serde(default = "default_drain")]
    pub deregistration_delay_secs: u32,
    /// Turn on the load balancer's deletion protection at the end of each apply (default
    /// `false`). While it is on, destroy fails (`OperationNotPermitted`): re-apply with `false`
    /// first.
    #[builder(default)]
    #[serde(default)]
    pub deletion_protection: bool,
    /// Elastic instead of a fixed fleet (`None`, the default: `count` instances): an Auto
    /// Scaling group between `min` and `max` that tracks a target ([`ElasticSpec`]); `count`
    /// is then not used.
    #[serde(default)]
    pub elastic: Option<ElasticSpec>,
}
validated_builder!(WebTier, WebTierBuilder, web_tier_builder);

fn default_instance_type() -> InstanceType {
    "t3.micro".parse().expect("valid")
}
fn default_count() -> u32 {
    2
}
fn default_port() -> u16 {
    80
}
fn default_cidrs() -> Vec<String> {
    vec!["0.0.0.0/0".into()]
}
fn default_drain() -> u32 {
    30
}

impl Validate for WebTier {
    fn validate(&self) -> Result<()> {
        validate::len_in("name", self.name.as_str(), 1, 28)?;
        validate::in_range("count", self.count, 0, 100)?;
        if self.subnets.len() == 1 {
            return Err(Error::validation(
                "subnets",
                "an ALB needs subnets in at least two Availability Zones",
            ));
        }
        validate::non_empty("allowed_cidrs", &self.allowed_cidrs)?;
        for (i, c) in self.allowed_cidrs.iter().enumerate() {
            let field = format!("allowed_cidrs[{i}]");
            let cidr: crate::ec2::Cidr = c.parse().map_err(|_| {
                Error::validation(
                    &field,
                    format!("must be a CIDR block like 203.0.113.0/24 or 2001:db8::/48 (got {c:?})"),
                )
            })?;
            for port in std::iter::once(self.listener.port).chain(self.listener.redirect_port()) {
                crate::ec2::cidr::guard(
                    &field,
                    "tcp",
                    port,
                    port,
                    &cidr,
                    "choose another listener.port (a web tier has no opt-out)",
                )?;
            }
        }
        self.root_volume.validate()?;
        // The whole health check as CreateTargetGroup will carry it (path, matcher, interval,
        // thresholds), by the same rules the request builder applies.
        self.health_check()
            .validate_for("health_check.", &crate::elb::Protocol::Http)?;
        if self.app_port == 0 {
            return Err(Error::validation("app_port", "must be a port 1-65535 (got 0)"));
        }
        if self.listener.port == 0 {
            return Err(Error::validation("listener.port", "must be a port 1-65535 (got 0)"));
        }
        self.alarms.validate()?;
        if let Some(e) = &self.elastic {
            e.validate()?;
        }
        validate::in_range("deregistration_delay_secs", self.deregistration_delay_secs, 0, 3600)?;
        if let Some(ud) = &self.user_data
            && ud.len() > crate::ec2::MAX_USER_DATA_BYTES
        {
            return Err(Error::validation("user_data", "must be at most 16 KB before encoding"));
        }
        if self.listener.ssl_policy.is_some() && !self.listener.https() {
            return Err(Error::validation(
                "listener.ssl_policy",
                "is for an HTTPS listener: set listener.certificate_arn too",
            ));
        }
        if let Some(p) = &self.listener.ssl_policy {
            validate::len_in("listener.ssl_policy", p, 1, 255)?;
        }
        if self.listener.certificate_arn.is_none() && self.listener.port == 443 {
            return Err(Error::validation(
                "listener.certificate_arn",
                "port 443 needs a certificate (HTTPS)",
            ));
        }
        validate::tags("tags", &self.tags)
    }
}

/// What an apply created: enough to find, scale or destroy it later (serde).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebTierOutputs {
    /// The tier's name.
    pub name: String,
    /// The VPC.
    pub vpc_id: VpcId,
    /// The subnets used.
    pub subnets: Vec<SubnetId>,
    /// The image launched.
    pub image_id: ImageId,
    /// The load balancer's security group.
    pub lb_security_group: SecurityGroupId,
    /// The instances' security group.
    pub app_security_group: SecurityGroupId,
    /// The load balancer.
    pub load_balancer_arn: LoadBalancerArn,
    /// Its DNS name.
    pub dns_name: String,
    /// The target group.
    pub target_group_arn: TargetGroupArn,
    /// The listener.
    pub listener_arn: ListenerArn,
    /// The HTTP listener on port 80 that redirects to the HTTPS one, if any.
    #[serde(default)]
    pub redirect_listener_arn: Option<ListenerArn>,
    /// Whether clients connect over HTTPS (`false`: plain HTTP, no certificate was given).
    #[serde(default)]
    pub https: bool,
    /// The instances.
    pub instance_ids: Vec<InstanceId>,
    /// The alarms.
    pub alarm_names: Vec<AlarmName>,
    /// The Auto Scaling group of an elastic tier (its instances change; `instance_ids` are
    /// those in service when the apply ended).
    #[serde(default)]
    pub auto_scaling_group: Option<AutoScalingGroupName>,
    /// The launch template of an elastic tier.
    #[serde(default)]
    pub launch_template_id: Option<LaunchTemplateId>,
}

impl WebTier {
    /// The target group's health check this spec asks for (validated by [`WebTier::validate`]).
    fn health_check(&self) -> HealthCheck {
        let hc = &self.health_check;
        HealthCheck {
            path: hc.path.clone(),
            interval_secs: hc.interval_secs,
            healthy_threshold: hc.healthy_threshold,
            unhealthy_threshold: hc.unhealthy_threshold,
            matcher: hc.matcher.clone(),
            timeout_secs: Some(hc.interval_secs.saturating_sub(1).clamp(2, 5)),
            ..HealthCheck::default()
        }
    }
    fn lb_group_name(&self) -> String {
        format!("{}-lb", self.name)
    }
    fn app_group_name(&self) -> String {
        format!("{}-app", self.name)
    }
    fn target_group_name(&self) -> Result<TargetGroupName> {
        target_group_name(self.name.as_str())
    }
    fn tags(&self, run_id: &str) -> Tags {
        let mut t = self.tags.clone();
        t.extend(owner_tags(self.name.as_str(), Some(run_id)));
        t
    }

    /// Creates (or converges to) the web tier and waits until its targets are healthy.
    ///
    /// Every resource carries the ownership tags (`aws-facade:workflow = web-tier`,
    /// `aws-facade:name = NAME`, `aws-facade:run = RUN`) from its creation. A re-apply finds
    /// the tier's resources by those tags; a resource with the tier's name but without them is
    /// never adopted: the apply fails with [`Error::Conflict`] naming it.
    ///
    /// On failure everything this run created is removed in reverse order, and the error is an
    /// [`Error::Workflow`] naming the failed step, the cause and what was cleaned up. If the
    /// future is dropped (a timeout, an aborted task), the same rollback runs on a spawned task
    /// (see [`Run`]).
    pub async fn apply(&self, cloud: &Cloud, progress: Option<Progress>) -> Result<WebTierOutputs> {
        self.validate()?;
        let run = Run::new(cloud, format!("{WORKFLOW} {}", self.name), progress);
        run.set_sweep(sweep(cloud, self.name.as_str(), run.id()));
        run.execute(self.apply_in(cloud, &run)).await
    }

    async fn apply_in(&self, cloud: &Cloud, run: &Run) -> Result<WebTierOutputs> {
        let run_id = run.id().to_string();
        let tags = self.tags(&run_id);

        // 1. Where and what: network and image, concurrently.
        let (net, image_id) = tokio::join!(
            run.step("network", &[], resolve_network(cloud, &self.subnets)),
            run.step("image", &[], resolve_image(cloud, &self.image)),
        );
        let ((vpc_id, subnets), image_id) = (net?, image_id?);

        // 2. The load balancer's group, and the target group (independent).
        let (lb_sg, tg) = tokio::join!(
            run.step("lb security group", &["network"], async {
                let sg = ensure_group(cloud, run, &vpc_id, &self.lb_group_name(), "load balancer", &tags).await?;
                let ports = std::iter::once(self.listener.port).chain(self.listener.redirect_port());
                for port in ports {
                    for cidr in &self.allowed_cidrs {
                        let req = AuthorizeIngressRequest::builder()
                            .group_id(sg.clone())
                            .from_port(port)
                            .source(IngressSource::cidr(cidr)?)
                            .description("clients to the listener")
                            .build()?;
                        authorize(cloud, req).await?;
                    }
                }
                Ok(sg)
            }),
            run.step(
                "target group",
                &["network"],
                self.ensure_target_group(cloud, run, &vpc_id, &tags)
            ),
        );
        // Steps that follow need both; a failure in either ends the apply (both branches have
        // finished, so everything they created is in the ledger).
        let (lb_sg, tg) = (lb_sg?, tg?);

        // 3. The app group, instances, load balancer and listener.
        let app = async {
            let app_sg = run
                .step("app security group", &["lb security group"], async {
                    let sg = ensure_group(cloud, run, &vpc_id, &self.app_group_name(), "instances", &tags).await?;
                    let req = AuthorizeIngressRequest::builder()
                        .group_id(sg.clone())
                        .from_port(self.app_port)
                        .source(IngressSource::Group(lb_sg.clone()))
                        .description("load balancer to the application")
                        .build()?;
                    authorize(cloud, req).await?;
                    Ok(sg)
                })
                .await?;
            if let Some(e) = &self.elastic {
                // Elastic: a launch template and an Auto Scaling group, which launches,
                // registers and replaces the instances itself.
                let (lt, changed) = run
                    .step(
                        "launch template",
                        &["app security group", "image"],
                        self.ensure_launch_template(cloud, run, &image_id, &app_sg, &tags),
                    )
                    .await?;
                let group = run
                    .step(
                        "auto scaling group",
                        &["launch template", "target group"],
                        self.ensure_auto_scaling_group(cloud, run, e, &lt, &subnets, &tg, &tags),
                    )
                    .await?;
                if changed {
                    // The group's instances still run the old settings: replace them a few
                    // at a time (90 % kept in service), in the background of the apply.
                    let id = run
                        .step("instance refresh", &["auto scaling group"], async {
                            let req = StartInstanceRefreshRequest::builder()
                                .group(group.clone())
                                .instance_warmup_secs(e.instance_warmup_secs)
                                .build()?;
                            cloud.autoscaling.start_instance_refresh(req).await
                        })
                        .await?;
                    run.note(format!("instance refresh {id} replaces the group's instances"));
                }
                let g = run
                    .step(
                        "wait group in service",
                        &["auto scaling group"],
                        conditions::group_in_service(cloud.autoscaling.as_ref(), &group),
                    )
                    .await?;
                let mut ids: Vec<InstanceId> = g.in_service().map(|i| i.instance_id.clone()).collect();
                ids.sort();
                return Ok::<_, Error>((app_sg, ids, Some((group, lt))));
            }
            let instances = run
                .step(
                    "instances",
                    &["app security group", "image"],
                    self.converge_instances(cloud, run, &subnets, &image_id, &app_sg, &tags, &run_id),
                )
                .await?;
            // Sorted, so the outputs of a re-apply equal the first (describe order varies).
            let mut ids: Vec<InstanceId> = instances.iter().map(|i| i.id.clone()).collect();
            ids.sort();
            run.step(
                "wait instances running",
                &["instances"],
                conditions::instances_running(cloud.ec2.as_ref(), &ids),
            )
            .await?;
            Ok::<_, Error>((app_sg, ids, None))
        };
        let lb = async {
            let lb = run
                .step(
                    "load balancer",
                    &["lb security group"],
                    self.ensure_load_balancer(cloud, run, &subnets, &lb_sg, &tags),
                )
                .await?;
            let listener = run
                .step("listener", &["load balancer", "target group"], async {
                    let main = self
                        .ensure_listener(cloud, run, &lb.arn, self.listener.port, Some(&tg))
                        .await?;
                    let redirect = match self.listener.redirect_port() {
                        Some(port) => Some(self.ensure_listener(cloud, run, &lb.arn, port, None).await?),
                        None => None,
                    };
                    Ok((main, redirect))
                })
                .await?;
            run.step(
                "wait load balancer active",
                &["load balancer"],
                conditions::load_balancer_active(cloud.elb.as_ref(), &lb.arn),
            )
            .await?;
            Ok::<_, Error>((lb, listener))
        };
        let (app, lb) = tokio::join!(app, lb);
        let ((app_sg, instance_ids, group), (lb, (listener, redirect_listener))) = (app?, lb?);
        if !self.listener.https() {
            run.note(format!(
                "the listener on port {} is plain HTTP: set listener.certificate_arn for HTTPS",
                self.listener.port
            ));
        }

        // 4. Targets and alarms.
        let targets: Vec<Target> = instance_ids
            .iter()
            .map(|id| Target {
                id: id.clone(),
                port: None,
            })
            .collect();
        let healthy = async {
            if group.is_none() {
                run.step("register targets", &["wait instances running", "target group"], async {
                    cloud.elb.register_targets(tg.clone(), targets.clone()).await
                })
                .await?;
            }
            run.step(
                "wait targets healthy",
                &["register targets", "listener", "wait load balancer active"],
                conditions::targets_healthy(cloud.elb.as_ref(), &tg, &targets),
            )
            .await
        };
        let alarms = run.step(
            "alarms",
            &["load balancer", "target group", "instances"],
            self.put_alarms(cloud, run, &lb.arn, &tg, &instance_ids, &tags),
        );
        // The group's target-tracking policy (its alarms are Auto Scaling's, removed with it).
        let policy = async {
            match (&self.elastic, &group) {
                (Some(e), Some((name, _))) => {
                    run.step(
                        "scaling policy",
                        &["auto scaling group", "load balancer"],
                        self.put_scaling_policy(cloud, e, name, &lb.arn, &tg),
                    )
                    .await
                }
                _ => Ok(()),
            }
        };
        let (healthy, alarms, policy) = tokio::join!(healthy, alarms, policy);
        healthy?;
        policy?;
        let alarm_names = alarms?;

        // 5. Last, so a rollback can still delete the load balancer: invalid header fields
        // dropped, deletion protection as the spec says.
        run.step("load balancer attributes", &["wait targets healthy", "alarms"], async {
            let attributes = [
                (DROP_INVALID_HEADER_FIELDS.to_string(), "true".to_string()),
                (DELETION_PROTECTION.to_string(), self.deletion_protection.to_string()),
            ]
            .into_iter()
            .collect();
            cloud
                .elb
                .modify_load_balancer_attributes(lb.arn.clone(), attributes)
                .await
        })
        .await?;

        Ok(WebTierOutputs {
            name: self.name.to_string(),
            vpc_id,
            subnets,
            image_id,
            lb_security_group: lb_sg,
            app_security_group: app_sg,
            load_balancer_arn: lb.arn,
            dns_name: lb.dns_name,
            target_group_arn: tg,
            listener_arn: listener,
            redirect_listener_arn: redirect_listener,
            https: self.listener.https(),
            instance_ids,
            alarm_names,
            auto_scaling_group: group.as_ref().map(|(g, _)| g.clone()),
            launch_template_id: group.map(|(_, lt)| lt),
        })
    }

    /// Finds the tier's launch template (`NAME-lt`, adopted only with the tier's ownership
    /// tags) or creates it: the tier's image, type, security group, user data, IMDSv2 and
    /// root volume.
    async fn ensure_launch_template(
        &self,
        cloud: &Cloud,
        run: &Run,
        image_id: &ImageId,
        app_sg: &SecurityGroupId,
        tags: &Tags,
    ) -> Result<(LaunchTemplateId, bool)> {
        let name = launch_template_name(self.name.as_str());
        let data = LaunchTemplateData::builder()
            .image_id(image_id.clone())
            .instance_type(self.instance_type.clone())
            .security_group_ids(vec![app_sg.clone()])
            .maybe_user_data(self.user_data.clone())
            .require_imdsv2(true)
            .encrypt_root_volume(self.root_volume.encrypted)
            .maybe_root_kms_key_id(self.root_volume.kms_key_id.clone())
            .maybe_root_volume_size_gib(self.root_volume.size_gib)
            .tags(tags.clone())
            .build()?;
        if let Some(t) = find_launch_template(cloud, self.name.as_str()).await? {
            let owner = owner_of(&t.tags, self.name.as_str());
            adopt(run, self.name.as_str(), "launch template", t.id.as_str(), owner, || {
                launch_template_removal(cloud, &t.id)
            })?;
            // A changed image, type, group or user data: a new default version (the group
            // launches `$Default`), which the apply then rolls out with an instance refresh.
            let template = LaunchTemplateRef::Id(t.id.clone());
            let current = cloud
                .ec2
                .describe_launch_template_versions(template.clone(), vec![TemplateVersion::Default])
                .await?;
            let same = current.first().is_some_and(|v| {
                let d = &v.data;
                d.image_id == data.image_id
                    && d.instance_type == data.instance_type
                    && d.security_group_ids == data.security_group_ids
                    && d.user_data == data.user_data
                    && d.require_imdsv2 == data.require_imdsv2
            });
            if same {
                return Ok((t.id, false));
            }
            let req = CreateLaunchTemplateVersionRequest::builder()
                .template(template.clone())
                .data(data)
                .build()?;
            let v = cloud.ec2.create_launch_template_version(req).await?;
            cloud
                .ec2
                .set_default_launch_template_version(template, v.version)
                .await?;
            run.note(format!(
                "launch template {} version {} is the default now (the launch settings changed)",
                t.id, v.version
            ));
            return Ok((t.id, true));
        }
        let req = CreateLaunchTemplateRequest::builder()
            .name(name)
            .data(data)
            .tags(tags.clone())
            // A retry after a lost answer creates nothing new.
            .client_token(format!("{}-{}-lt", self.name, run.id()))
            .build()?;
        let t = cloud.ec2.create_launch_template(req).await?;
        record(run, launch_template_removal(cloud, &t.id));
        Ok((t.id, false))
    }

    /// Finds the tier's Auto Scaling group (named like the tier, adopted only with its
    /// ownership tags) and converges its bounds, or creates it over `lt`, registering with
    /// `tg`, checking health with it, and propagating the ownership tags to its instances.
    #[allow(clippy::too_many_arguments)]
    async fn ensure_auto_scaling_group(
        &self,
        cloud: &Cloud,
        run: &Run,
        e: &ElasticSpec,
        lt: &LaunchTemplateId,
        subnets: &[SubnetId],
        tg: &TargetGroupArn,
        tags: &Tags,
    ) -> Result<AutoScalingGroupName> {
        let name: AutoScalingGroupName = self.name.as_str().parse()?;
        let describe = || cloud.autoscaling.describe_auto_scaling_groups(vec![name.clone()]);
        if let Some(g) = describe().await?.into_iter().next() {
            let owner = owner_of(&g.tags, self.name.as_str());
            adopt(
                run,
                self.name.as_str(),
                "auto scaling group",
                name.as_str(),
                owner,
                || group_removal(cloud, &name),
            )?;
            // The desired capacity is the policy's to change, unless the spec sets it.
            let req = UpdateAutoScalingGroupRequest::builder()
                .name(name.clone())
                .min_size(e.min)
                .max_size(e.max)
                .maybe_desired_capacity(e.desired)
                .health_check_grace_period_secs(e.health_check_grace_period_secs)
                .default_instance_warmup_secs(e.instance_warmup_secs)
                .build()?;
            cloud.autoscaling.update_auto_scaling_group(req).await?;
            return Ok(name);
        }
        let req = CreateAutoScalingGroupRequest::builder()
            .name(name.clone())
            .launch_template(lt.clone())
            .min_size(e.min)
            .max_size(e.max)
            .maybe_desired_capacity(e.desired)
            .subnets(subnets.to_vec())
            .target_group_arns(vec![tg.clone()])
            .health_check_type(HealthCheckType::Elb)
            .health_check_grace_period_secs(e.health_check_grace_period_secs)
            .default_instance_warmup_secs(e.instance_warmup_secs)
            .tags(tags.clone())
            .build()?;
        match cloud.autoscaling.create_auto_scaling_group(req).await {
            Ok(()) => {}
            // A retried create whose first attempt took effect: adopt it if this run made it.
            Err(err) if err.code() == Some("AlreadyExists") => {
                let g = describe().await?.into_iter().next().ok_or(err)?;
                if owner_of(&g.tags, self.name.as_str()) != Owner::Run(run.id().to_string()) {
                    return Err(remove::not_ours(
                        "auto scaling group",
                        name.as_str(),
                        crate::Service::AutoScaling,
                        &owner_tags(self.name.as_str(), Some(run.id())),
                    ));
                }
            }
            Err(err) => return Err(err),
        }
        record(run, group_removal(cloud, &name));
        Ok(name)
    }

    /// Puts the group's target-tracking policy (`NAME-target`; PutScalingPolicy replaces one
    /// of the same name, so a re-apply converges).
    async fn put_scaling_policy(
        &self,
        cloud: &Cloud,
        e: &ElasticSpec,
        group: &AutoScalingGroupName,
        lb: &LoadBalancerArn,
        tg: &TargetGroupArn,
    ) -> Result<()> {
        let config = match e.target {
            // RequestCountPerTarget is a per-minute sum.
            ScalingTarget::RequestsPerTarget(r) => TargetTracking::request_count_per_target(lb, tg, r * 60.0),
            ScalingTarget::CpuPercent(p) => TargetTracking::new(PredefinedMetric::AsgAverageCpuUtilization, p),
        };
        let req = PutScalingPolicyRequest::builder()
            .group(group.clone())
            .name(format!("{}-target", self.name))
            .config(config.into())
            .estimated_instance_warmup_secs(e.instance_warmup_secs)
            .build()?;
        cloud.autoscaling.put_scaling_policy(req).await.map(|_| ())
    }

    async fn ensure_target_group(
        &self,
        cloud: &Cloud,
        run: &Run,
        vpc_id: &VpcId,
        tags: &Tags,
    ) -> Result<TargetGroupArn> {
        let name = self.target_group_name()?;
        let arn = match find_target_group(cloud, &name).await? {
            Some(arn) => {
                let owner = elb_owner(cloud, arn.as_str(), self.name.as_str()).await?;
                adopt(run, self.name.as_str(), "target group", arn.as_str(), owner, || {
                    target_group_removal(cloud, &arn)
                })?;
                arn
            }
            None => self.create_target_group(cloud, run, name, vpc_id, tags).await?,
        };
        let mut attrs = BTreeMap::new();
        attrs.insert(
            crate::elb::DEREGISTRATION_DELAY.to_string(),
            self.deregistration_delay_secs.to_string(),
        );
        // A new target group not yet visible is the retry layer's business (eventual consistency).
        cloud.elb.modify_target_group_attributes(arn.clone(), attrs).await?;
        Ok(arn)
    }

    async fn create_target_group(
        &self,
        cloud: &Cloud,
        run: &Run,
        name: TargetGroupName,
        vpc_id: &VpcId,
        tags: &Tags,
    ) -> Result<TargetGroupArn> {
        let health_check = self.health_check();
        let req = CreateTargetGroupRequest::builder()
            .name(name.clone())
            .port(self.app_port)
            .vpc_id(vpc_id.clone())
            .health_check(health_check)
            .tags(tags.clone())
            .build()?;
        let arn = match cloud.elb.create_target_group(req).await {
            Ok(tg) => tg.arn,
            // A retried create whose first attempt took effect: adopt it if this run made it.
            Err(e) if e.code() == Some("DuplicateTargetGroupName") => {
                let arn = find_target_group(cloud, &name).await?.ok_or(e)?;
                if elb_owner(cloud, arn.as_str(), self.name.as_str()).await? != Owner::Run(run.id().to_string()) {
                    return Err(remove::not_ours(
                        "target group",
                        arn.as_str(),
                        crate::Service::Elbv2,
                        &owner_tags(self.name.as_str(), Some(run.id())),
                    ));
                }
                arn
            }
            Err(e) => return Err(e),
        };
        let o = target_group_removal(cloud, &arn);
        run.created(&o.kind, o.id, o.remove);
        Ok(arn)
    }

    /// Finds the tier's load balancer (by name, then checked by its ownership tags) or creates
    /// it. A re-apply must not rely on CreateLoadBalancer's idempotency: the run would record a
    /// load balancer it did not create (and remove it on rollback), and emulators such as moto
    /// create a second one.
    async fn ensure_load_balancer(
        &self,
        cloud: &Cloud,
        run: &Run,
        subnets: &[SubnetId],
        lb_sg: &SecurityGroupId,
        tags: &Tags,
    ) -> Result<LoadBalancer> {
        if let Some(lb) = find_load_balancer(cloud, &self.name).await? {
            let owner = elb_owner(cloud, lb.arn.as_str(), self.name.as_str()).await?;
            adopt(run, self.name.as_str(), "load balancer", lb.arn.as_str(), owner, || {
                load_balancer_removal(cloud, &lb.arn)
            })?;
            return Ok(lb);
        }
        let req = CreateLoadBalancerRequest::builder()
            .name(self.name.clone())
            .subnets(subnets.to_vec())
            .security_groups(vec![lb_sg.clone()])
            .tags(tags.clone())
            .build()?;
        let lb = match cloud.elb.create_load_balancer(req).await {
            Ok(lb) => lb,
            Err(e) if e.code() == Some("DuplicateLoadBalancerName") => {
                let lb = find_load_balancer(cloud, &self.name).await?.ok_or(e)?;
                if elb_owner(cloud, lb.arn.as_str(), self.name.as_str()).await? != Owner::Run(run.id().to_string()) {
                    return Err(remove::not_ours(
                        "load balancer",
                        lb.arn.as_str(),
                        crate::Service::Elbv2,
                        &owner_tags(self.name.as_str(), Some(run.id())),
                    ));
                }
                lb
            }
            Err(e) => return Err(e),
        };
        let o = load_balancer_removal(cloud, &lb.arn);
        run.created(&o.kind, o.id, o.remove);
        Ok(lb)
    }

    async fn ensure_listener(
        &self,
        cloud: &Cloud,
        run: &Run,
        lb: &LoadBalancerArn,
        port: u16,
        forward_to: Option<&TargetGroupArn>,
    ) -> Result<ListenerArn> {
        // The load balancer is the tier's (checked by its tags): so are its listeners.
        let find = || async {
            Ok::<_, Error>(
                cloud
                    .elb
                    .describe_listeners(lb.clone())
                    .await?
                    .into_iter()
                    .find(|l| l.port == port),
            )
        };
        if let Some(l) = find().await? {
            run.reused("listener", l.arn.to_string());
            return Ok(l.arn);
        }
        // The forwarding listener is HTTPS with a certificate; the redirecting one is HTTP.
        let https = forward_to.is_some() && self.listener.https();
        let req = CreateListenerRequest::builder()
            .load_balancer_arn(lb.clone())
            .protocol(if https { Protocol::Https } else { Protocol::Http })
            .port(port)
            .maybe_certificate_arn(self.listener.certificate_arn.clone().filter(|_| https))
            .maybe_ssl_policy(https.then(|| {
                self.listener
                    .ssl_policy
                    .clone()
                    .unwrap_or_else(|| DEFAULT_TLS_POLICY.to_string())
            }))
            .maybe_default_target_group(forward_to.cloned())
            .maybe_redirect_to_https(forward_to.is_none().then_some(self.listener.port))
            // Tagged like everything else, so IAM can scope DeleteListener by tag.
            .tags(self.tags(run.id()))
            .build()?;
        let arn = match cloud.elb.create_listener(req).await {
            Ok(l) => l.arn,
            // A retried create whose first attempt took effect (there was none a moment ago).
            Err(e) if e.code() == Some("DuplicateListener") => find().await?.ok_or(e)?.arn,
            Err(e) => return Err(e),
        };
        let o = listener_removal(cloud, &arn);
        run.created(&o.kind, o.id, o.remove);
        Ok(arn)
    }

    /// Finds this tier's live instances and launches or terminates to reach `count`,
    /// balancing zones.
    #[allow(clippy::too_many_arguments)]
    async fn converge_instances(
        &self,
        cloud: &Cloud,
        run: &Run,
        subnets: &[SubnetId],
        image_id: &ImageId,
        app_sg: &SecurityGroupId,
        tags: &Tags,
        run_id: &str,
    ) -> Result<Vec<Instance>> {
        let mut live = find_instances(cloud, self.name.as_str(), LIVE).await?;
        for i in &live {
            run.reused("instance", i.id.to_string());
        }
        let want = self.count as usize;
        if live.len() > want {
            let extra = pick_scale_in(&live, live.len() - want);
            remove_instances(cloud, run, &self.name, &extra, None).await?;
            live.retain(|i| !extra.contains(&i.id));
            return Ok(live);
        }
        let plan = spread(subnets, &live, want - live.len());
        let launches = plan.into_iter().filter(|(_, n)| *n > 0).map(|(subnet, n)| {
            let req = RunInstancesRequest::builder()
                .image_id(image_id.clone())
                .instance_type(self.instance_type.clone())
                .count(n)
                .subnet_id(subnet.clone())
                .security_group_ids(vec![app_sg.clone()])
                .maybe_user_data(self.user_data.clone())
                .tags(tags.clone())
                .client_token(format!("{}-{run_id}-{subnet}", self.name))
                .encrypt_root_volume(self.root_volume.encrypted)
                .maybe_root_kms_key_id(self.root_volume.kms_key_id.clone())
                .maybe_root_volume_size_gib(self.root_volume.size_gib)
                .build();
            async move {
                // The client token makes a retry after a lost answer launch nothing new.
                let launched = cloud.ec2.run_instances(req?).await?;
                let ids: Vec<InstanceId> = launched.iter().map(|i| i.id.clone()).collect();
                for o in instance_removals(cloud, &ids) {
                    run.created(&o.kind, o.id, o.remove);
                }
                Ok::<_, Error>(launched)
            }
        });
        let results = futures::future::join_all(launches).await;
        for r in results {
            live.extend(r?);
        }
        Ok(live)
    }

    async fn put_alarms(
        &self,
        cloud: &Cloud,
        run: &Run,
        lb: &LoadBalancerArn,
        tg: &TargetGroupArn,
        instances: &[InstanceId],
        tags: &Tags,
    ) -> Result<Vec<AlarmName>> {
        let reqs = alarm_requests(self, lb, tg, instances, tags)?;
        let names: Vec<AlarmName> = reqs.iter().map(|r| r.alarm_name.clone()).collect();
        // Which of them exist already, and whose they are.
        let mut existing = BTreeMap::new();
        for chunk in names.chunks(crate::cloudwatch::MAX_ALARM_NAMES) {
            let req = DescribeAlarmsRequest::builder().names(chunk.to_vec()).build()?;
            for a in cloud.cloudwatch.describe_alarms(req).await? {
                let owner = alarm_owner(cloud, &a.arn, self.name.as_str()).await?;
                existing.insert(a.name.clone(), (a.arn, owner));
            }
        }
        for (name, (arn, owner)) in &existing {
            if *owner == Owner::NotOurs {
                return Err(remove::not_ours(
                    "alarm",
                    &format!("{name} ({arn})"),
                    crate::Service::CloudWatch,
                    &owner_tags(self.name.as_str(), None),
                ));
            }
        }
        let puts = reqs.into_iter().map(|req| {
            let existing = &existing;
            async move {
                let name = req.alarm_name.clone();
                // PutMetricAlarm is idempotent: a retry after a lost answer puts the same alarm.
                cloud.cloudwatch.put_metric_alarm(req).await?;
                match existing.get(&name) {
                    Some((_, Owner::Run(r))) if r == run.id() => record(run, alarm_removal(cloud, &[name])),
                    Some(_) => run.reused("alarm", name.to_string()),
                    None => record(run, alarm_removal(cloud, &[name])),
                }
                Ok::<_, Error>(())
            }
        });
        for r in futures::future::join_all(puts).await {
            r?;
        }
        Ok(names)
    }
}

/// The alarm requests for a tier (recommended alarms, tuned by [`AlarmSettings`]).
pub fn alarm_requests(
    spec: &WebTier,
    lb: &LoadBalancerArn,
    tg: &TargetGroupArn,
    instances: &[InstanceId],
    tags: &Tags,
) -> Result<Vec<PutMetricAlarmRequest>> {
    let a = &spec.alarms;
    let lb_dim = vec![Dimension::new("LoadBalancer", lb.dimension())];
    let tg_dims = vec![
        Dimension::new("TargetGroup", tg.dimension()),
        Dimension::new("LoadBalancer", lb.dimension()),
    ];
    let description = |metric: &str| format!("{metric} for web tier {} (aws-facade recommended alarm)", spec.name);
    let mut out = Vec::new();
    let mut add = |suffix: &str, preset: Preset| -> Result<()> {
        let name = format!("{}-{suffix}", spec.name).parse()?;
        out.push(preset.build_with(name, a.actions.clone(), tags.clone())?);
        Ok(())
    };
    use ComparisonOperator::*;
    use TreatMissingData::*;
    // The load balancer's and target group's, after CloudWatch's recommended ALB alarms
    // (period 60 s, 5 of 5; count metrics exist only while requests flow: missing is fine).
    let elb = |metric, dimensions: &Vec<Dimension>, stat, comparison, threshold, missing| Preset {
        namespace: "AWS/ApplicationELB",
        metric,
        dimensions: dimensions.clone(),
        stat,
        period: 60,
        n: 5,
        comparison,
        threshold,
        missing,
        description: description(metric),
    };
    if let Some(t) = a.elb_5xx {
        let p = elb(
            "HTTPCode_ELB_5XX_Count",
            &lb_dim,
            Ok(Statistic::Sum),
            GreaterThanThreshold,
            t,
            NotBreaching,
        );
        add("elb-5xx", p)?;
    }
    if let Some(t) = a.target_5xx {
        let p = elb(
            "HTTPCode_Target_5XX_Count",
            &tg_dims,
            Ok(Statistic::Sum),
            GreaterThanThreshold,
            t,
            NotBreaching,
        );
        add("target-5xx", p)?;
    }
    if a.unhealthy_hosts {
        let p = elb(
            "UnHealthyHostCount",
            &tg_dims,
            Ok(Statistic::Maximum),
            GreaterThanThreshold,
            0.0,
            NotBreaching,
        );
        add("unhealthy-hosts", p)?;
    }
    if a.healthy_hosts {
        let p = elb(
            "HealthyHostCount",
            &tg_dims,
            Ok(Statistic::Minimum),
            LessThanThreshold,
            1.0,
            Missing,
        );
        add("healthy-hosts", p)?;
    }
    if let Some(t) = a.response_time_p90_secs {
        let p = elb(
            "TargetResponseTime",
            &lb_dim,
            Err("p90"),
            GreaterThanThreshold,
            t,
            NotBreaching,
        );
        add("response-time-p90", p)?;
    }
    // An elastic tier's instances come and go: the alarms are the group's (EC2 publishes its
    // metrics by AutoScalingGroupName), named `NAME-group-*`.
    let group = spec.elastic.as_ref().map(|_| spec.name.as_str());
    let scopes: Vec<(String, Dimension)> = match group {
        Some(g) => vec![("group".to_string(), Dimension::new("AutoScalingGroupName", g))],
        None => instances
            .iter()
            .map(|id| (id.to_string(), Dimension::new("InstanceId", id.as_str())))
            .collect(),
    };
    // Each instance's (or the group's), after CloudWatch's recommended EC2 alarms.
    for (id, dimension) in &scopes {
        let ec2 = |metric, period, n, stat, comparison, threshold| Preset {
            namespace: "AWS/EC2",
            metric,
            dimensions: vec![dimension.clone()],
            stat: Ok(stat),
            period,
            n,
            comparison,
            threshold,
            missing: Missing,
            description: description(metric),
        };
        if let Some(t) = a.cpu_percent {
            add(
                &format!("{id}-cpu"),
                ec2("CPUUtilization", 300, 3, Statistic::Average, GreaterThanThreshold, t),
            )?;
        }
        if a.status_checks {
            let (metric, ebs) = ("StatusCheckFailed", "StatusCheckFailed_AttachedEBS");
            add(
                &format!("{id}-status"),
                ec2(metric, 300, 2, Statistic::Maximum, GreaterThanOrEqualToThreshold, 1.0),
            )?;
            add(
                &format!("{id}-ebs-status"),
                ec2(ebs, 60, 10, Statistic::Maximum, GreaterThanOrEqualToThreshold, 1.0),
            )?;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Ownership: tags, never names

/// Instance states that count as a tier's live instances.
const LIVE: &[InstanceState] = &[InstanceState::Pending, InstanceState::Running];
/// Instance states that still need terminating (teardown).
const NOT_TERMINATED: &[InstanceState] = &[
    InstanceState::Pending,
    InstanceState::Running,
    InstanceState::Stopping,
    InstanceState::Stopped,
    InstanceState::ShuttingDown,
];

/// The ownership tags of `name` (and of the run `run`, if given): [`plan::owner_tags`](crate::workflows::plan::owner_tags).
fn owner_tags(name: &str, run: Option<&str>) -> Tags {
    crate::workflows::plan::owner_tags(WORKFLOW, name, run)
}

fn target_group_name(tier: &str) -> Result<TargetGroupName> {
    format!("{tier}-tg").parse()
}

/// Whose a resource is, by its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Owner {
    /// It carries the tier's ownership tags, from the run with this id.
    Run(String),
    /// It lacks them: never adopted, never deleted.
    NotOurs,
}

fn owner_of(tags: &Tags, tier: &str) -> Owner {
    let ours = tags.get(TAG_WORKFLOW).map(String::as_str) == Some(WORKFLOW)
        && tags.get(TAG_NAME).map(String::as_str) == Some(tier);
    if ours {
        Owner::Run(tags.get(TAG_RUN).cloned().unwrap_or_default())
    } else {
        Owner::NotOurs
    }
}

async fn elb_owner(cloud: &Cloud, arn: &str, tier: &str) -> Result<Owner> {
    let tags = cloud.elb.describe_tags(vec![arn.to_string()]).await?;
    let tags = tags
        .into_iter()
        .find(|t| t.arn == arn)
        .map(|t| t.tags)
        .unwrap_or_default();
    Ok(owner_of(&tags, tier))
}

async fn alarm_owner(cloud: &Cloud, arn: &str, tier: &str) -> Result<Owner> {
    let arn: Arn = arn.parse()?;
    Ok(owner_of(&cloud.cloudwatch.list_tags_for_resource(arn).await?, tier))
}

/// Takes an existing resource for this run: recorded as created if this run made it (a create
/// retried after a lost answer), reused if an earlier run did, a conflict if it is not ours.
fn adopt(run: &Run, tier: &str, kind: &str, id: &str, owner: Owner, removal: impl FnOnce() -> Owned) -> Result<()> {
    match owner {
        Owner::Run(r) if r == run.id() => record(run, removal()),
        Owner::Run(_) => run.reused(kind, id),
        Owner::NotOurs => {
            let service = match kind {
                "security group" | "launch template" => crate::Service::Ec2,
                "auto scaling group" => crate::Service::AutoScaling,
                _ => crate::Service::Elbv2,
            };
            return Err(remove::not_ours(kind, id, service, &owner_tags(tier, None)));
        }
    }
    Ok(())
}

fn record(run: &Run, o: Owned) {
    run.created(&o.kind, o.id, o.remove);
}

/// The launch template of an elastic tier `tier` (`TIER-lt`), if there is one.
async fn find_launch_template(cloud: &Cloud, tier: &str) -> Result<Option<crate::ec2::LaunchTemplate>> {
    let req = DescribeLaunchTemplatesRequest::builder()
        .names(vec![launch_template_name(tier)])
        .build()?;
    Ok(cloud
        .ec2
        .describe_launch_templates(req)
        .await
        .ok_if_not_found()?
        .and_then(|v| v.into_iter().next()))
}

fn launch_template_name(tier: &str) -> String {
    format!("{tier}-lt")
}

async fn find_target_group(cloud: &Cloud, name: &TargetGroupName) -> Result<Option<TargetGroupArn>> {
    let req = DescribeTargetGroupsRequest::builder()
        .names(vec![name.clone()])
        .build()?;
    Ok(cloud
        .elb
        .describe_target_groups(req)
        .await
        .ok_if_not_found()?
        .and_then(|v| v.into_iter().next())
        .map(|t| t.arn))
}

async fn find_load_balancer(cloud: &Cloud, name: &LoadBalancerName) -> Result<Option<LoadBalancer>> {
    let req = DescribeLoadBalancersRequest::builder()
        .names(vec![name.clone()])
        .build()?;
    Ok(cloud
        .elb
        .describe_load_balancers(req)
        .await
        .ok_if_not_found()?
        .and_then(|v| v.into_iter().next()))
}

// The one removal of each kind of resource, for the ledger and teardown alike.

fn owned<F, Fut>(kind: &str, id: String, f: F) -> Owned
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send + 'static,
{
    Owned {
        kind: kind.into(),
        id,
        remove: undo(f),
    }
}

fn instance_removals(cloud: &Cloud, ids: &[InstanceId]) -> Vec<Owned> {
    ids.iter()
        .map(|id| {
            let (ec2, id) = (cloud.ec2.clone(), id.clone());
            owned("instance", id.to_string(), move || {
                let (ec2, id) = (ec2.clone(), id.clone());
                async move { remove::instances(ec2.as_ref(), &[id]).await }
            })
        })
        .collect()
}

fn security_group_removal(cloud: &Cloud, id: &SecurityGroupId) -> Owned {
    let (ec2, id) = (cloud.ec2.clone(), id.clone());
    owned("security group", id.to_string(), move || {
        let (ec2, id) = (ec2.clone(), id.clone());
        async move { remove::security_group(ec2.as_ref(), &id).await }
    })
}

fn target_group_removal(cloud: &Cloud, arn: &TargetGroupArn) -> Owned {
    let (elb, arn) = (cloud.elb.clone(), arn.clone());
    owned("target group", arn.to_string(), move || {
        let (elb, arn) = (elb.clone(), arn.clone());
        async move { remove::target_group(elb.as_ref(), &arn).await }
    })
}

fn load_balancer_removal(cloud: &Cloud, arn: &LoadBalancerArn) -> Owned {
    let (elb, arn) = (cloud.elb.clone(), arn.clone());
    owned("load balancer", arn.to_string(), move || {
        let (elb, arn) = (elb.clone(), arn.clone());
        async move { remove::load_balancer(elb.as_ref(), &arn).await }
    })
}

fn listener_removal(cloud: &Cloud, arn: &ListenerArn) -> Owned {
    let (elb, arn) = (cloud.elb.clone(), arn.clone());
    owned("listener", arn.to_string(), move || {
        let (elb, arn) = (elb.clone(), arn.clone());
        async move { remove::listener(elb.as_ref(), &arn).await }
    })
}

fn group_removal(cloud: &Cloud, name: &AutoScalingGroupName) -> Owned {
    let (asg, name) = (cloud.autoscaling.clone(), name.clone());
    owned("auto scaling group", name.to_string(), move || {
        let (asg, name) = (asg.clone(), name.clone());
        async move { remove::auto_scaling_group(asg.as_ref(), &name).await }
    })
}

fn launch_template_removal(cloud: &Cloud, id: &LaunchTemplateId) -> Owned {
    let (ec2, id) = (cloud.ec2.clone(), id.clone());
    owned("launch template", id.to_string(), move || {
        let (ec2, id) = (ec2.clone(), id.clone());
        async move { remove::launch_template(ec2.as_ref(), &id).await }
    })
}

fn alarm_removal(cloud: &Cloud, names: &[AlarmName]) -> Owned {
    let (cw, names) = (cloud.cloudwatch.clone(), names.to_vec());
    let label = names.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    owned("alarm", label, move || {
        let (cw, names) = (cw.clone(), names.clone());
        async move { remove::alarms(cw.as_ref(), &names).await }
    })
}

// ---------------------------------------------------------------------------------------------
// Steps shared by apply, scale and destroy

async fn resolve_network(cloud: &Cloud, subnets: &[SubnetId]) -> Result<(VpcId, Vec<SubnetId>)> {
    let vpc = cloud.ec2.default_vpc().await?;
    let all = cloud.ec2.describe_subnets(vpc.id.clone()).await?;
    if !subnets.is_empty() {
        let known: Vec<_> = all.iter().filter(|s| subnets.contains(&s.id)).collect();
        if known.len() != subnets.len() {
            return Err(Error::validation("subnets", "must all be subnets of the default VPC"));
        }
        return Ok((vpc.id, subnets.to_vec()));
    }
    // One default subnet per zone, in zone order.
    let mut by_zone: BTreeMap<String, SubnetId> = BTreeMap::new();
    for s in all.iter().filter(|s| s.default_for_az) {
        by_zone
            .entry(s.availability_zone.to_string())
            .or_insert_with(|| s.id.clone());
    }
    if by_zone.len() < 2 {
        return Err(Error::validation(
            "subnets",
            "the default VPC has default subnets in fewer than two zones",
        ));
    }
    Ok((vpc.id, by_zone.into_values().collect()))
}

async fn resolve_image(cloud: &Cloud, spec: &ImageSpec) -> Result<ImageId> {
    match spec {
        ImageSpec::Id(id) => Ok(id.clone()),
        ImageSpec::Latest { name_pattern, owner } => {
            let req = DescribeImagesRequest::builder()
                .owners(vec![owner.clone()])
                .name_pattern(name_pattern.clone())
                .build()?;
            let mut images = cloud.ec2.describe_images(req.clone()).await?;
            images.sort_by(|a, b| b.creation_date.cmp(&a.creation_date));
            images.into_iter().next().map(|i| i.id).ok_or_else(|| {
                Error::validation("image", format!("no image named {name_pattern:?} owned by {owner:?}"))
            })
        }
    }
}

/// Finds the group by name in the VPC (adopting it only with the tier's ownership tags) or
/// creates it (recording it for rollback).
async fn ensure_group(
    cloud: &Cloud,
    run: &Run,
    vpc: &VpcId,
    name: &str,
    what: &str,
    tags: &Tags,
) -> Result<SecurityGroupId> {
    let find = DescribeSecurityGroupsRequest::builder()
        .group_names(vec![name.to_string()])
        .vpc_id(vpc.clone())
        .build()?;
    let found = |groups: Vec<crate::ec2::SecurityGroup>| groups.into_iter().find(|g| g.name == name);
    let tier = tags.get(TAG_NAME).map(String::as_str).unwrap_or_default();
    if let Some(g) = found(
        cloud
            .ec2
            .describe_security_groups(find.clone())
            .await
            .ok_if_not_found()?
            .unwrap_or_default(),
    ) {
        adopt(
            run,
            tier,
            "security group",
            g.id.as_str(),
            owner_of(&g.tags, tier),
            || security_group_removal(cloud, &g.id),
        )?;
        return Ok(g.id);
    }
    let req = CreateSecurityGroupRequest::builder()
        .name(name)
        .description(format!("aws-facade web tier: {what}"))
        .vpc_id(vpc.clone())
        .tags(tags.clone())
        .build()?;
    let id = match cloud.ec2.create_security_group(req).await {
        Ok(id) => id,
        // A retried create whose first attempt landed: adopt it if this run made it.
        Err(e) if e.code() == Some("InvalidGroup.Duplicate") => {
            // EC2 may not list a group it has just made: look until it does.
            let g = crate::wait::Waiter::new(format!("security group {name} visible"))
                .timeout(std::time::Duration::from_secs(60))
                .until(|| async {
                    Ok(match found(cloud.ec2.describe_security_groups(find.clone()).await?) {
                        Some(g) => crate::wait::Check::Done(g),
                        None => crate::wait::Check::Pending("not listed yet".into()),
                    })
                })
                .await
                .map_err(|_| e)?;
            if owner_of(&g.tags, tier) != Owner::Run(run.id().to_string()) {
                return Err(remove::not_ours(
                    "security group",
                    g.id.as_str(),
                    crate::Service::Ec2,
                    &owner_tags(tier, Some(run.id())),
                ));
            }
            g.id
        }
        Err(e) => return Err(e),
    };
    record(run, security_group_removal(cloud, &id));
    Ok(id)
}

/// Adds a rule; an existing identical rule is fine (a group not yet visible is retried by the
/// retry layer).
async fn authorize(cloud: &Cloud, req: AuthorizeIngressRequest) -> Result<()> {
    match cloud.ec2.authorize_ingress(req).await {
        Err(e) if e.code() == Some("InvalidPermission.Duplicate") => Ok(()),
        other => other,
    }
}

/// This tier's instances (by its ownership tags) in one of `states`.
async fn find_instances(cloud: &Cloud, name: &str, states: &[InstanceState]) -> Result<Vec<Instance>> {
    let req = DescribeInstancesRequest::builder()
        .tags(owner_tags(name, None))
        .states(states.to_vec())
        .build()?;
    cloud.ec2.describe_instances(req).await
}

/// How many instances to launch in each subnet so zones stay balanced.
fn spread(subnets: &[SubnetId], live: &[Instance], extra: usize) -> Vec<(SubnetId, u32)> {
    let mut counts: Vec<(SubnetId, usize, u32)> = subnets
        .iter()
        .map(|s| {
            (
                s.clone(),
                live.iter().filter(|i| i.subnet_id.as_ref() == Some(s)).count(),
                0,
            )
        })
        .collect();
    for _ in 0..extra {
        let min = counts
            .iter_mut()
            .min_by_key(|(_, have, add)| *have + *add as usize)
            .expect("subnets");
        min.2 += 1;
    }
    counts.into_iter().map(|(s, _, n)| (s, n)).collect()
}

/// Which `n` instances to remove: from the most crowded zone first, newest first.
fn pick_scale_in(live: &[Instance], n: usize) -> Vec<InstanceId> {
    let mut per_zone: BTreeMap<String, Vec<&Instance>> = BTreeMap::new();
    for i in live {
        per_zone.entry(i.availability_zone.to_string()).or_default().push(i);
    }
    let mut out = Vec::new();
    for _ in 0..n {
        let zone = per_zone.values_mut().max_by_key(|v| v.len()).expect("instances");
        if let Some(i) = zone.pop() {
            out.push(i.id.clone());
        }
    }
    out
}

/// Deregisters (waiting for draining), terminates and waits for termination.
async fn remove_instances(
    cloud: &Cloud,
    run: &Run,
    name: &LoadBalancerName,
    ids: &[InstanceId],
    tg: Option<&TargetGroupArn>,
) -> Result<()> {
    let tg = match tg {
        Some(t) => Some(t.clone()),
        None => find_target_group(cloud, &target_group_name(name.as_str())?).await?,
    };
    if let Some(tg) = tg {
        let targets = targets_of(ids);
        cloud.elb.deregister_targets(tg.clone(), targets.clone()).await?;
        run.step(
            "wait targets drained",
            &[],
            conditions::targets_drained(cloud.elb.as_ref(), &tg, &targets),
        )
        .await?;
    }
    remove::instances(cloud.ec2.as_ref(), ids).await?;
    for id in ids {
        run.emit(crate::workflows::Event::Removed {
            kind: "instance".into(),
            id: id.to_string(),
        });
    }
    Ok(())
}

fn targets_of(ids: &[InstanceId]) -> Vec<Target> {
    ids.iter()
        .map(|id| Target {
            id: id.clone(),
            port: None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Scale and destroy

/// Scales a tier to `count` instances: out (launch across the least-used zones, wait running,
/// register, wait healthy) or in (deregister, wait for draining, terminate), keeping zones
/// balanced. Returns the new outputs.
pub async fn scale(
    cloud: &Cloud,
    spec: &WebTier,
    outputs: &WebTierOutputs,
    count: u32,
    progress: Option<Progress>,
) -> Result<WebTierOutputs> {
    if spec.elastic.is_some() {
        return Err(Error::validation(
            "elastic",
            "an elastic tier scales itself: change elastic.min/max (or desired) and apply again",
        ));
    }
    let spec = WebTier { count, ..spec.clone() };
    spec.validate()?;
    let run = Run::new(cloud, format!("{WORKFLOW} {} scale to {count}", spec.name), progress);
    run.set_sweep(sweep(cloud, spec.name.as_str(), run.id()));
    run.execute(async {
        let live = find_instances(cloud, spec.name.as_str(), LIVE).await?;
        let mut out = outputs.clone();
        if live.len() > count as usize {
            let extra = pick_scale_in(&live, live.len() - count as usize);
            run.step(
                "scale in",
                &[],
                remove_instances(cloud, &run, &spec.name, &extra, Some(&outputs.target_group_arn)),
            )
            .await?;
            out.instance_ids = live
                .iter()
                .map(|i| i.id.clone())
                .filter(|id| !extra.contains(id))
                .collect();
            out.instance_ids.sort();
            let mut gone = Vec::new();
            for id in &extra {
                gone.extend(instance_alarm_names(spec.name.as_str(), id)?);
            }
            remove::alarms(cloud.cloudwatch.as_ref(), &gone).await?;
            out.alarm_names.retain(|a| !gone.contains(a));
        } else if live.len() < count as usize {
            let run_id = run.id().to_string();
            let tags = spec.tags(&run_id);
            let before: Vec<InstanceId> = live.iter().map(|i| i.id.clone()).collect();
            let all = run
                .step(
                    "launch",
                    &[],
                    spec.converge_instances(
                        cloud,
                        &run,
                        &outputs.subnets,
                        &outputs.image_id,
                        &outputs.app_security_group,
                        &tags,
                        &run_id,
                    ),
                )
                .await?;
            let new: Vec<InstanceId> = all
                .iter()
                .map(|i| i.id.clone())
                .filter(|id| !before.contains(id))
                .collect();
            run.step(
                "wait instances running",
                &["launch"],
                conditions::instances_running(cloud.ec2.as_ref(), &new),
            )
            .await?;
            let targets = targets_of(&new);
            run.step(
                "register targets",
                &["wait instances running"],
                cloud
                    .elb
                    .register_targets(outputs.target_group_arn.clone(), targets.clone()),
            )
            .await?;
            run.step(
                "wait targets healthy",
                &["register targets"],
                conditions::targets_healthy(cloud.elb.as_ref(), &outputs.target_group_arn, &targets),
            )
            .await?;
            let names = run
                .step(
                    "alarms",
                    &["launch"],
                    spec.put_alarms_for_instances(
                        cloud,
                        &run,
                        &outputs.load_balancer_arn,
                        &outputs.target_group_arn,
                        &new,
                        &tags,
                    ),
                )
                .await?;
            out.instance_ids = all.iter().map(|i| i.id.clone()).collect();
            out.instance_ids.sort();
            out.alarm_names.extend(names);
        }
        Ok::<_, Error>(out)
    })
    .await
}

impl WebTier {
    async fn put_alarms_for_instances(
        &self,
        cloud: &Cloud,
        run: &Run,
        lb: &LoadBalancerArn,
        tg: &TargetGroupArn,
        instances: &[InstanceId],
        tags: &Tags,
    ) -> Result<Vec<AlarmName>> {
        let only_instances = WebTier {
            alarms: AlarmSettings {
                elb_5xx: None,
                target_5xx: None,
                unhealthy_hosts: false,
                healthy_hosts: false,
                response_time_p90_secs: None,
                ..self.alarms.clone()
            },
            ..self.clone()
        };
        only_instances.put_alarms(cloud, run, lb, tg, instances, tags).await
    }
}

/// The per-instance alarm suffixes of [`alarm_requests`].
const INSTANCE_ALARMS: &[&str] = &["cpu", "status", "ebs-status"];
/// The tier-wide alarm suffixes of [`alarm_requests`].
const TIER_ALARMS: &[&str] = &[
    "group-cpu",
    "group-status",
    "group-ebs-status",
    "elb-5xx",
    "target-5xx",
    "unhealthy-hosts",
    "healthy-hosts",
    "response-time-p90",
];

fn instance_alarm_names(tier: &str, id: &InstanceId) -> Result<Vec<AlarmName>> {
    INSTANCE_ALARMS
        .iter()
        .map(|s| format!("{tier}-{id}-{s}").parse())
        .collect()
}

/// Whether `alarm` is a name [`alarm_requests`] gives the tier `tier`: `TIER-SUFFIX` or
/// `TIER-i-XXXX-SUFFIX`, exactly (so `shop-eu-elb-5xx` is not `shop`'s).
fn is_tier_alarm_name(tier: &str, alarm: &str) -> bool {
    let Some(rest) = alarm.strip_prefix(tier).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    if TIER_ALARMS.contains(&rest) {
        return true;
    }
    INSTANCE_ALARMS.iter().any(|s| {
        rest.strip_suffix(s)
            .and_then(|r| r.strip_suffix('-'))
            .is_some_and(|id| id.parse::<InstanceId>().is_ok())
    })
}

/// What a tier owns, found by its ownership tags (and, where a run id is given, that run's
/// only), in removal order.
#[derive(Debug, Default)]
struct Found {
    alarms: Vec<(AlarmName, Owner)>,
    listeners: Vec<ListenerArn>,
    load_balancer: Option<(LoadBalancerArn, Owner)>,
    target_group: Option<(TargetGroupArn, Owner)>,
    instances: Vec<InstanceId>,
    groups: Vec<(SecurityGroupId, Owner)>,
    auto_scaling_group: Option<(AutoScalingGroupName, Owner)>,
    launch_template: Option<(LaunchTemplateId, Owner)>,
}

/// An elastic tier's group (named like the tier) and launch template (`NAME-lt`), with their
/// owners by tags. A cloud without an Auto Scaling client (the `autoscaling` feature off, or
/// a hand-assembled cloud) cannot have made a group: it is not looked for.
async fn find_elastic(
    cloud: &Cloud,
    name: &str,
) -> Result<(Option<(AutoScalingGroupName, Owner)>, Option<(LaunchTemplateId, Owner)>)> {
    let group_name: AutoScalingGroupName = name.parse()?;
    let group = match cloud.autoscaling.describe_auto_scaling_groups(vec![group_name]).await {
        Ok(groups) => groups.into_iter().next().map(|g| {
            let owner = owner_of(&g.tags, name);
            (g.name, owner)
        }),
        Err(e) if e.kind() == crate::ErrorKind::Unsupported => None,
        Err(e) => return Err(e),
    };
    let template = find_launch_template(cloud, name).await?.map(|t| {
        let owner = owner_of(&t.tags, name);
        (t.id, owner)
    });
    Ok((group, template))
}

/// Finds what the tier `name` has in the account: instances and security groups by their
/// ownership tags; the load balancer and target group by name, then their tags; alarms by
/// the exact names the tier gives them, then their tags. What has the name but not the tags is
/// kept with [`Owner::NotOurs`], to be reported and left alone.
async fn find(cloud: &Cloud, name: &str) -> Result<Found> {
    let lb_name: LoadBalancerName = name.parse()?;
    let mut found = Found::default();
    let prefix = format!("{name}-");
    let alarms = cloud
        .cloudwatch
        .describe_alarms(DescribeAlarmsRequest::builder().name_prefix(prefix).build()?)
        .await?;
    for a in alarms.into_iter().filter(|a| is_tier_alarm_name(name, a.name.as_str())) {
        let owner = alarm_owner(cloud, &a.arn, name).await?;
        found.alarms.push((a.name, owner));
    }
    if let Some(lb) = find_load_balancer(cloud, &lb_name).await? {
        let owner = elb_owner(cloud, lb.arn.as_str(), name).await?;
        if owner != Owner::NotOurs {
            found.listeners = cloud
                .elb
                .describe_listeners(lb.arn.clone())
                .await?
                .into_iter()
                .map(|l| l.arn)
                .collect();
        }
        found.load_balancer = Some((lb.arn, owner));
    }
    if let Some(arn) = find_target_group(cloud, &target_group_name(name)?).await? {
        let owner = elb_owner(cloud, arn.as_str(), name).await?;
        found.target_group = Some((arn, owner));
    }
    found.instances = find_instances(cloud, name, NOT_TERMINATED)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let groups = cloud
        .ec2
        .describe_security_groups(
            DescribeSecurityGroupsRequest::builder()
                .tags(owner_tags(name, None))
                .build()?,
        )
        .await?;
    // The app group references the lb group: delete it first.
    let mut groups: Vec<_> = groups
        .into_iter()
        .map(|g| (g.name.ends_with("-lb"), g.id, owner_of(&g.tags, name)))
        .collect();
    groups.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    found.groups = groups.into_iter().map(|(_, id, o)| (id, o)).collect();
    (found.auto_scaling_group, found.launch_template) = find_elastic(cloud, name).await?;
    Ok(found)
}

/// What carries the run's id, in removal order: for a rollback to remove what the ledger
/// missed (creates whose answer was lost).
fn sweep(cloud: &Cloud, name: &str, run_id: &str) -> crate::workflows::plan::SweepFn {
    let (cloud, name, run_id) = (cloud.clone(), name.to_string(), run_id.to_string());
    Arc::new(move || {
        let (cloud, name, run_id) = (cloud.clone(), name.clone(), run_id.clone());
        Box::pin(async move {
            let mine = Owner::Run(run_id.clone());
            let f = find(&cloud, &name).await?;
            let mut out = Vec::new();
            let alarms: Vec<AlarmName> = f
                .alarms
                .into_iter()
                .filter(|(_, o)| *o == mine)
                .map(|(a, _)| a)
                .collect();
            for a in alarms {
                out.push(alarm_removal(&cloud, &[a]));
            }
            let lb_mine = f.load_balancer.as_ref().is_some_and(|(_, o)| *o == mine);
            if lb_mine {
                for l in &f.listeners {
                    out.push(listener_removal(&cloud, l));
                }
            }
            if let Some((arn, o)) = &f.load_balancer
                && *o == mine
            {
                out.push(load_balancer_removal(&cloud, arn));
            }
            if let Some((arn, o)) = &f.target_group
                && *o == mine
            {
                out.push(target_group_removal(&cloud, arn));
            }
            if let Some((g, o)) = &f.auto_scaling_group
                && *o == mine
            {
                out.push(group_removal(&cloud, g));
            }
            if let Some((t, o)) = &f.launch_template
                && *o == mine
            {
                out.push(launch_template_removal(&cloud, t));
            }
            let instances = cloud
                .ec2
                .describe_instances(
                    DescribeInstancesRequest::builder()
                        .tags(owner_tags(&name, Some(&run_id)))
                        .states(NOT_TERMINATED.to_vec())
                        .build()?,
                )
                .await?;
            let ids: Vec<InstanceId> = instances.into_iter().map(|i| i.id).collect();
            out.extend(instance_removals(&cloud, &ids));
            for (g, o) in &f.groups {
                if *o == mine {
                    out.push(security_group_removal(&cloud, g));
                }
            }
            Ok(out)
        })
    })
}

/// Removes everything in `outputs` that still carries the tier's ownership tags, in
/// dependency order and concurrently where the dependencies allow: alarms | (listener → load
/// balancer, wait deleted → target group) | (instances → wait terminated), then the security
/// groups (retrying `DependencyViolation` while network interfaces release). Idempotent: what
/// AWS says is already gone counts as removed. What lacks the tags is left alone and reported
/// in [`Teardown::skipped`].
pub async fn destroy(cloud: &Cloud, outputs: &WebTierOutputs, progress: Option<Progress>) -> Result<Teardown> {
    let run = Run::new(cloud, format!("{WORKFLOW} {} destroy", outputs.name), progress);
    let name = outputs.name.as_str();
    let out = run
        .scope(async {
            // Check what the outputs name against the account: their tags decide.
            let mut found = Found::default();
            let mut alarms = Vec::new();
            for chunk in outputs.alarm_names.chunks(crate::cloudwatch::MAX_ALARM_NAMES) {
                let req = DescribeAlarmsRequest::builder().names(chunk.to_vec()).build()?;
                alarms.extend(cloud.cloudwatch.describe_alarms(req).await?);
            }
            for a in alarms {
                let owner = alarm_owner(cloud, &a.arn, name).await?;
                found.alarms.push((a.name, owner));
            }
            let arns = vec![
                outputs.load_balancer_arn.to_string(),
                outputs.target_group_arn.to_string(),
            ];
            let tags = cloud
                .elb
                .describe_tags(arns)
                .await
                .ok_if_not_found()?
                .unwrap_or_default();
            let owner = |arn: &str| {
                owner_of(
                    &tags
                        .iter()
                        .find(|t| t.arn == arn)
                        .map(|t| t.tags.clone())
                        .unwrap_or_default(),
                    name,
                )
            };
            if tags.iter().any(|t| t.arn == outputs.load_balancer_arn.as_str()) {
                let o = owner(outputs.load_balancer_arn.as_str());
                if o != Owner::NotOurs {
                    found.listeners = std::iter::once(outputs.listener_arn.clone())
                        .chain(outputs.redirect_listener_arn.clone())
                        .collect();
                }
                found.load_balancer = Some((outputs.load_balancer_arn.clone(), o));
            }
            if tags.iter().any(|t| t.arn == outputs.target_group_arn.as_str()) {
                found.target_group = Some((
                    outputs.target_group_arn.clone(),
                    owner(outputs.target_group_arn.as_str()),
                ));
            }
            if !outputs.instance_ids.is_empty() {
                let req = DescribeInstancesRequest::builder()
                    .instance_ids(outputs.instance_ids.clone())
                    .build()?;
                let instances = cloud
                    .ec2
                    .describe_instances(req)
                    .await
                    .ok_if_not_found()?
                    .unwrap_or_default();
                for i in instances {
                    if i.state == InstanceState::Terminated {
                        continue;
                    }
                    if owner_of(&i.tags, name) == Owner::NotOurs {
                        run.emit(crate::workflows::Event::Skipped {
                            kind: "instance".into(),
                            id: i.id.to_string(),
                            reason: "no ownership tags".into(),
                        });
                        continue;
                    }
                    found.instances.push(i.id);
                }
            }
            let req = DescribeSecurityGroupsRequest::builder()
                .group_ids(vec![
                    outputs.app_security_group.clone(),
                    outputs.lb_security_group.clone(),
                ])
                .build()?;
            let groups = cloud
                .ec2
                .describe_security_groups(req)
                .await
                .ok_if_not_found()?
                .unwrap_or_default();
            for id in [&outputs.app_security_group, &outputs.lb_security_group] {
                if let Some(g) = groups.iter().find(|g| g.id == *id) {
                    found.groups.push((g.id.clone(), owner_of(&g.tags, name)));
                }
            }
            if outputs.auto_scaling_group.is_some() || outputs.launch_template_id.is_some() {
                let (group, template) = find_elastic(cloud, name).await?;
                // Only what the outputs name (the tier's group and template have fixed names).
                found.auto_scaling_group = group.filter(|(g, _)| Some(g) == outputs.auto_scaling_group.as_ref());
                found.launch_template = template.filter(|(t, _)| Some(t) == outputs.launch_template_id.as_ref());
            }
            teardown(cloud, &run, found).await
        })
        .await;
    run.commit();
    out
}

/// Finds everything of the tier `name` by its ownership tags (even after an aborted apply)
/// and removes it like [`destroy`]. Same-named resources without the tags (another tool's load
/// balancer called `NAME`, a user's alarm `NAME-elb-5xx`) are left alone and reported as
/// skipped; other tiers whose names share a prefix are never looked at.
pub async fn destroy_by_name(cloud: &Cloud, name: &str, progress: Option<Progress>) -> Result<Teardown> {
    let run = Run::new(cloud, format!("{WORKFLOW} {name} destroy"), progress);
    let out = run
        .scope(async {
            let found = find(cloud, name).await?;
            teardown(cloud, &run, found).await
        })
        .await;
    run.commit();
    out
}

/// What the tier `name` owns (by its ownership tags), as `"kind id"` labels, without removing
/// anything: to see orphans (after an interrupted apply, say) before [`destroy_by_name`].
pub async fn find_owned(cloud: &Cloud, name: &str) -> Result<Vec<String>> {
    let f = find(cloud, name).await?;
    let mut out = Vec::new();
    let ours = |o: &Owner| *o != Owner::NotOurs;
    out.extend(
        f.alarms
            .iter()
            .filter(|(_, o)| ours(o))
            .map(|(a, _)| format!("alarm {a}")),
    );
    if f.load_balancer.as_ref().is_some_and(|(_, o)| ours(o)) {
        out.extend(f.listeners.iter().map(|l| format!("listener {l}")));
    }
    out.extend(
        f.load_balancer
            .iter()
            .filter(|(_, o)| ours(o))
            .map(|(a, _)| format!("load balancer {a}")),
    );
    out.extend(
        f.target_group
            .iter()
            .filter(|(_, o)| ours(o))
            .map(|(a, _)| format!("target group {a}")),
    );
    out.extend(
        f.auto_scaling_group
            .iter()
            .filter(|(_, o)| ours(o))
            .map(|(g, _)| format!("auto scaling group {g}")),
    );
    out.extend(
        f.launch_template
            .iter()
            .filter(|(_, o)| ours(o))
            .map(|(t, _)| format!("launch template {t}")),
    );
    out.extend(f.instances.iter().map(|i| format!("instance {i}")));
    out.extend(
        f.groups
            .iter()
            .filter(|(_, o)| ours(o))
            .map(|(g, _)| format!("security group {g}")),
    );
    Ok(out)
}

async fn teardown(cloud: &Cloud, run: &Run, found: Found) -> Result<Teardown> {
    let report_cell = std::sync::Mutex::new(Teardown::default());
    let report = &report_cell;
    // Only what carries the tier's tags is removed; the rest is reported and left.
    let mine = |kind: &str, id: String, owner: &Owner| -> bool {
        if *owner == Owner::NotOurs {
            run.emit(crate::workflows::Event::Skipped {
                kind: kind.into(),
                id: id.clone(),
                reason: "no ownership tags".into(),
            });
            report.lock().unwrap().skipped.push(format!("{kind} {id}"));
            false
        } else {
            true
        }
    };
    let remove = move |o: Owned| async move {
        let (kind, id) = (o.kind.clone(), o.id.clone());
        (o.remove)().await?;
        run.emit(crate::workflows::Event::Removed {
            kind: kind.clone(),
            id: id.clone(),
        });
        report.lock().unwrap().removed.push(format!("{kind} {id}"));
        Ok::<_, Error>(())
    };
    let alarms: Vec<AlarmName> = found
        .alarms
        .iter()
        .filter(|(a, o)| mine("alarm", a.to_string(), o))
        .map(|(a, _)| a.clone())
        .collect();
    let lb = found
        .load_balancer
        .filter(|(a, o)| mine("load balancer", a.to_string(), o));
    // A protected load balancer cannot be deleted: refuse before removing anything, rather
    // than leave a tier half torn down.
    if let Some((arn, _)) = &lb {
        let attributes = cloud
            .elb
            .describe_load_balancer_attributes(arn.clone())
            .await
            .ok_if_not_found()?
            .unwrap_or_default();
        if attributes.get(DELETION_PROTECTION).map(String::as_str) == Some("true") {
            return Err(Error::Conflict(Box::new(crate::error::ApiError {
                service: crate::Service::Elbv2,
                code: "DeletionProtectionEnabled".into(),
                message: format!(
                    "load balancer {arn} has deletion protection enabled: re-apply the tier with \
                     deletion_protection = false, then destroy it (nothing was removed)"
                ),
                request_id: None,
                status: None,
            })));
        }
    }
    let tg = found
        .target_group
        .filter(|(a, o)| mine("target group", a.to_string(), o));
    let groups: Vec<SecurityGroupId> = found
        .groups
        .iter()
        .filter(|(g, o)| mine("security group", g.to_string(), o))
        .map(|(g, _)| g.clone())
        .collect();
    let listeners = if lb.is_some() { found.listeners } else { Vec::new() };
    let group = found
        .auto_scaling_group
        .filter(|(g, o)| mine("auto scaling group", g.to_string(), o));
    let template = found
        .launch_template
        .filter(|(t, o)| mine("launch template", t.to_string(), o));

    let alarms = run.step("delete alarms", &[], async {
        for chunk in alarms.chunks(crate::cloudwatch::MAX_ALARM_NAMES) {
            remove::alarms(cloud.cloudwatch.as_ref(), chunk).await?;
            for a in chunk {
                run.emit(crate::workflows::Event::Removed {
                    kind: "alarm".into(),
                    id: a.to_string(),
                });
                report.lock().unwrap().removed.push(format!("alarm {a}"));
            }
        }
        Ok(())
    });
    let lbs = async {
        run.step("delete listeners", &[], async {
            for l in &listeners {
                remove(listener_removal(cloud, l)).await?;
            }
            Ok(())
        })
        .await?;
        if let Some((arn, _)) = &lb {
            run.step(
                "delete load balancer",
                &["delete listeners"],
                remove(load_balancer_removal(cloud, arn)),
            )
            .await?;
        }
        if let Some((arn, _)) = &tg {
            run.step(
                "delete target group",
                &["delete load balancer"],
                remove(target_group_removal(cloud, arn)),
            )
            .await?;
        }
        Ok::<_, Error>(())
    };
    let instances = run.step("terminate instances", &[], async {
        // An elastic tier's group goes first (it would replace instances terminated under
        // it), with its instances and policies; then its template.
        if let Some((g, _)) = &group {
            remove(group_removal(cloud, g)).await?;
        }
        if let Some((t, _)) = &template {
            remove(launch_template_removal(cloud, t)).await?;
        }
        if found.instances.is_empty() {
            return Ok(());
        }
        remove::instances(cloud.ec2.as_ref(), &found.instances).await?;
        for i in &found.instances {
            run.emit(crate::workflows::Event::Removed {
                kind: "instance".into(),
                id: i.to_string(),
            });
            report.lock().unwrap().removed.push(format!("instance {i}"));
        }
        Ok(())
    });
    let (a, l, i) = tokio::join!(alarms, lbs, instances);
    a?;
    l?;
    i?;
    run.step(
        "delete security groups",
        &["delete load balancer", "terminate instances"],
        async {
            for g in &groups {
                remove(security_group_removal(cloud, g)).await?;
            }
            Ok(())
        },
    )
    .await?;
    Ok(report_cell.into_inner().unwrap())
}

/// The alarm states of a tier (e.g. to show in a report).
pub async fn alarm_states(cloud: &Cloud, outputs: &WebTierOutputs) -> Result<Vec<(AlarmName, AlarmState)>> {
    let mut out = Vec::new();
    for chunk in outputs.alarm_names.chunks(100) {
        let req = DescribeAlarmsRequest::builder().names(chunk.to_vec()).build()?;
        out.extend(
            cloud
                .cloudwatch
                .describe_alarms(req)
                .await?
                .into_iter()
                .map(|a| (a.name, a.state)),
        );
    }
    Ok(out)
}

impl WebTier {
    /// The least-privilege IAM policy for [`apply`](WebTier::apply), re-apply,
    /// [`scale`], [`destroy`] and [`destroy_by_name`] of this tier, as the JSON IAM takes
    /// (`serde_json::to_string(&policy)`).
    ///
    /// Creates must carry the tier's ownership tags (`aws:RequestTag/aws-facade:workflow` =
    /// `web-tier`, `aws:RequestTag/aws-facade:name` = the tier's name), and tagging is allowed
    /// only as part of those creates (`ec2:CreateAction`, `elasticloadbalancing:CreateAction`);
    /// every change or removal needs the same tags on the resource (`aws:ResourceTag/...`).
    /// IAM cannot scope the Describe calls (they are on `*`), the image and subnets an
    /// instance uses (not the tier's), the network interfaces RunInstances creates (untagged)
    /// or CloudWatch alarms by tag (their ARNs are scoped to the tier's alarm names).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> aws_facade::Result<()> {
    /// use aws_facade::{sim::SimCloud, workflows::web_tier::{ImageSpec, WebTier}};
    /// let tier = WebTier::builder()
    ///     .name("shop".parse()?)
    ///     .image(ImageSpec::latest("al2023-ami-2023*-x86_64", "amazon"))
    ///     .build()?;
    /// let policy = tier.iam_policy();
    /// assert!(policy.allowed_actions().contains(&"ec2:RunInstances".to_string()));
    /// // Enforced on the simulator, the tier applies under its own policy.
    /// let sim = SimCloud::new();
    /// let cloud = sim.cloud().layer(sim.enforce(policy)?);
    /// tier.apply(&cloud, None).await?;
    /// # Ok(()) }
    /// ```
    pub fn iam_policy(&self) -> crate::iam::Policy {
        use crate::iam::{PolicyBuilder, alarm_arn, ec2_arn, elb_arn};
        let name = self.name.as_str();
        let lb = elb_arn(&format!("loadbalancer/app/{name}/*"));
        let tg = elb_arn(&format!("targetgroup/{name}-tg/*"));
        let listener = elb_arn(&format!("listener/app/{name}/*"));
        let alarms = alarm_arn(&format!("{name}-*"));
        // An elastic tier launches, registers, deregisters and terminates through its Auto
        // Scaling group (AWS's service-linked role does): those actions are a fixed fleet's
        // only.
        let fixed = self.elastic.is_none();
        let acts = |list: &[&'static str]| -> Vec<&'static str> {
            list.iter()
                .copied()
                .filter(|a| {
                    fixed
                        || !matches!(
                            *a,
                            "ec2:RunInstances"
                                | "RunInstances"
                                | "ec2:TerminateInstances"
                                | "elasticloadbalancing:RegisterTargets"
                                | "elasticloadbalancing:DeregisterTargets"
                        )
                })
                .collect()
        };
        let policy = PolicyBuilder::new(WORKFLOW, name)
            .read(
                "Describe",
                &[
                    "ec2:DescribeVpcs",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeImages",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeInstances",
                    // An elastic tier's launch template and group, looked for by destroy.
                    "ec2:DescribeLaunchTemplates",
                    "autoscaling:DescribeAutoScalingGroups",
                    "elasticloadbalancing:DescribeLoadBalancers",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeListeners",
                    "elasticloadbalancing:DescribeTargetHealth",
                    "elasticloadbalancing:DescribeTags",
                    "elasticloadbalancing:DescribeLoadBalancerAttributes",
                ],
            )
            .on("ListAlarms", &["cloudwatch:DescribeAlarms"], &[alarm_arn("*")])
            .create(
                "CreateTagged",
                &acts(&[
                    "ec2:RunInstances",
                    "ec2:CreateSecurityGroup",
                    "elasticloadbalancing:CreateLoadBalancer",
                    "elasticloadbalancing:CreateTargetGroup",
                ]),
                &[
                    ec2_arn("instance", "*"),
                    ec2_arn("volume", "*"),
                    ec2_arn("security-group", "*"),
                    lb.clone(),
                    tg.clone(),
                ],
            )
            .tag_on_create(
                "TagOnCreateEc2",
                "ec2:CreateTags",
                "ec2:CreateAction",
                &acts(&["RunInstances", "CreateSecurityGroup"]),
                &[
                    ec2_arn("instance", "*"),
                    ec2_arn("volume", "*"),
                    ec2_arn("security-group", "*"),
                ],
            )
            .tag_on_create(
                "TagOnCreateElb",
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:CreateAction",
                &["CreateLoadBalancer", "CreateTargetGroup", "CreateListener"],
                &[lb.clone(), tg.clone(), listener.clone()],
            )
            .on(
                "UseImageSubnetAndVpc",
                &acts(&["ec2:RunInstances", "ec2:CreateSecurityGroup"]),
                &[
                    ec2_arn("image", "*"),
                    ec2_arn("subnet", "*"),
                    ec2_arn("network-interface", "*"),
                    ec2_arn("vpc", "*"),
                ],
            )
            .manage(
                "ManageOwnedEc2",
                &acts(&[
                    "ec2:RunInstances",
                    "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:DeleteSecurityGroup",
                    "ec2:TerminateInstances",
                ]),
                &[ec2_arn("security-group", "*"), ec2_arn("instance", "*")],
            )
            .manage(
                "ManageOwnedElb",
                &acts(&[
                    "elasticloadbalancing:CreateListener",
                    "elasticloadbalancing:ModifyLoadBalancerAttributes",
                    "elasticloadbalancing:ModifyTargetGroupAttributes",
                    "elasticloadbalancing:RegisterTargets",
                    "elasticloadbalancing:DeregisterTargets",
                    "elasticloadbalancing:DeleteListener",
                    "elasticloadbalancing:DeleteTargetGroup",
                    "elasticloadbalancing:DeleteLoadBalancer",
                ]),
                &[lb, tg, listener],
            )
            .create(
                "TierAlarmsTagged",
                &["cloudwatch:PutMetricAlarm"],
                std::slice::from_ref(&alarms),
            )
            .on(
                "TierAlarms",
                &["cloudwatch:ListTagsForResource", "cloudwatch:DeleteAlarms"],
                &[alarms],
            );
        let policy = match &self.elastic {
            None => policy,
            Some(_) => {
                // An elastic tier: its launch template and group, created with the ownership
                // tags and changed or removed only with them on the resource.
                let group = crate::iam::autoscaling_group_arn(name);
                policy
                    .create(
                        "CreateElasticTagged",
                        &[
                            "ec2:CreateLaunchTemplate",
                            "autoscaling:CreateAutoScalingGroup",
                            "autoscaling:CreateOrUpdateTags",
                        ],
                        &[ec2_arn("launch-template", "*"), group.clone()],
                    )
                    .tag_on_create(
                        "TagOnCreateLaunchTemplate",
                        "ec2:CreateTags",
                        "ec2:CreateAction",
                        &["CreateLaunchTemplate"],
                        &[ec2_arn("launch-template", "*")],
                    )
                    .read("DescribeTemplateVersions", &["ec2:DescribeLaunchTemplateVersions"])
                    .manage(
                        "ManageOwnedElastic",
                        &[
                            "ec2:DeleteLaunchTemplate",
                            "ec2:CreateLaunchTemplateVersion",
                            "ec2:ModifyLaunchTemplate",
                            "autoscaling:StartInstanceRefresh",
                            "autoscaling:UpdateAutoScalingGroup",
                            "autoscaling:DeleteAutoScalingGroup",
                            "autoscaling:PutScalingPolicy",
                        ],
                        &[ec2_arn("launch-template", "*"), group],
                    )
                    // AWS checks RunInstances on the template when a group is created (or its
                    // template changed); the group's service-linked role launches.
                    .manage(
                        "LaunchFromOwnedTemplate",
                        &["ec2:RunInstances"],
                        &[ec2_arn("launch-template", "*")],
                    )
            }
        };
        policy.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_balances_zones() {
        let s: Vec<SubnetId> = ["subnet-00000001", "subnet-00000002", "subnet-00000003"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let plan = spread(&s, &[], 5);
        let n: Vec<u32> = plan.iter().map(|(_, n)| *n).collect();
        assert_eq!(n, vec![2, 2, 1]);
    }

    /// The recommended alarms: CloudWatch's settings for ALBs and EC2, the right dimensions,
    /// the user's actions and the tier's tags on each.
    #[test]
    fn alarm_requests_follow_the_recommended_alarms() {
        let pager: Arn = "arn:aws:lambda:us-east-1:123456789012:function:pager".parse().unwrap();
        let mut spec = WebTier::builder()
            .name("shop".parse().unwrap())
            .image(ImageSpec::latest("al2023-ami-*", "amazon"))
            .build()
            .unwrap();
        spec.alarms.actions = vec![pager.clone()];
        let lb: LoadBalancerArn =
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188"
                .parse()
                .unwrap();
        let tg: TargetGroupArn =
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-tg/6d0ecf831eec9f09"
                .parse()
                .unwrap();
        let i: InstanceId = "i-0123456789abcdef0".parse().unwrap();
        let tags = spec.tags("run-1");
        let reqs = alarm_requests(&spec, &lb, &tg, std::slice::from_ref(&i), &tags).unwrap();
        let by = |suffix: &str| {
            reqs.iter()
                .find(|r| r.alarm_name.as_str() == format!("shop-{suffix}"))
                .unwrap_or_else(|| panic!("shop-{suffix} in {reqs:?}"))
        };
        assert_eq!(reqs.len(), 5 + 3);
        fn dims(r: &PutMetricAlarmRequest) -> Vec<(&str, &str)> {
            r.dimensions
                .iter()
                .map(|d| (d.name.as_str(), d.value.as_str()))
                .collect()
        }
        let lb_dim = ("LoadBalancer", "app/shop/50dc6c495c0c9188");
        let tg_dim = ("TargetGroup", "targetgroup/shop-tg/6d0ecf831eec9f09");

        let e = by("elb-5xx");
        assert_eq!(
            (e.namespace.as_str(), e.metric_name.as_str()),
            ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count")
        );
        assert_eq!(dims(e), vec![lb_dim]);
        assert_eq!(
            (e.statistic, e.period_secs, e.evaluation_periods, e.datapoints_to_alarm),
            (Some(Statistic::Sum), 60, 5, Some(5))
        );
        assert_eq!(
            (e.comparison.clone(), e.threshold, e.treat_missing_data.clone()),
            (
                ComparisonOperator::GreaterThanThreshold,
                10.0,
                TreatMissingData::NotBreaching
            )
        );
        let h = by("healthy-hosts");
        assert_eq!(dims(h), vec![tg_dim, lb_dim]);
        assert_eq!(
            (h.statistic, h.comparison.clone(), h.threshold),
            (Some(Statistic::Minimum), ComparisonOperator::LessThanThreshold, 1.0)
        );
        let p90 = by("response-time-p90");
        assert_eq!((p90.statistic, p90.extended_statistic.as_deref()), (None, Some("p90")));
        let cpu = by("i-0123456789abcdef0-cpu");
        assert_eq!(dims(cpu), vec![("InstanceId", "i-0123456789abcdef0")]);
        assert_eq!(
            (
                cpu.namespace.as_str(),
                cpu.statistic,
                cpu.period_secs,
                cpu.evaluation_periods
            ),
            ("AWS/EC2", Some(Statistic::Average), 300, 3)
        );
        assert_eq!(
            (cpu.threshold, cpu.treat_missing_data.clone()),
            (80.0, TreatMissingData::Missing)
        );
        let ebs = by("i-0123456789abcdef0-ebs-status");
        assert_eq!(
            (ebs.metric_name.as_str(), ebs.period_secs, ebs.evaluation_periods),
            ("StatusCheckFailed_AttachedEBS", 60, 10)
        );
        assert_eq!(ebs.comparison, ComparisonOperator::GreaterThanOrEqualToThreshold);
        assert!(
            reqs.iter()
                .all(|r| r.alarm_actions == vec![pager.clone()] && r.tags == tags)
        );

        // Each can be switched off.
        spec.alarms.status_checks = false;
        spec.alarms.response_time_p90_secs = None;
        let fewer = alarm_requests(&spec, &lb, &tg, &[i], &tags).unwrap();
        assert_eq!(fewer.len(), 4 + 1);
    }

    #[test]
    fn spec_round_trips_through_json_with_defaults() {
        let json = r#"{"name": "shop", "image": {"latest": {"name_pattern": "al2023-ami-*", "owner": "amazon"}}}"#;
        let spec: WebTier = serde_json::from_str(json).unwrap();
        assert_eq!(spec.count, 2);
        assert_eq!(spec.app_port, 80);
        assert_eq!(spec.allowed_cidrs, vec!["0.0.0.0/0".to_string()]);
        spec.validate().unwrap();
        let back: WebTier = serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
        assert_eq!(back, spec);
    }

    #[test]
    fn a_minimal_toml_spec_loads_with_defaults_at_every_level() {
        let toml =
            |text: &str| super::super::spec::from_deserializer::<WebTier, _>(toml::Deserializer::parse(text).unwrap());
        let spec: WebTier = toml(
            r#"
            name = "shop"
            [image.latest]
            name_pattern = "al2023-ami-*"
            owner = "amazon"
            [health_check]
            path = "/healthz"
            [alarms]
            cpu_percent = 90.0
            "#,
        )
        .unwrap();
        assert_eq!((spec.name.as_str(), spec.count), ("shop", 2));
        assert_eq!(spec.health_check.path, "/healthz");
        assert_eq!(
            spec.health_check.interval_secs,
            HealthCheckSpec::default().interval_secs
        );
        assert_eq!(spec.alarms.cpu_percent, Some(90.0));
        assert!(spec.root_volume.encrypted && spec.listener.redirect_http);
        spec.validate().unwrap();
        // A mistake names the path as the file spells it.
        let e =
            toml("name = \"shop\"\n[image]\nid = \"ami-0123456789abcdef0\"\n[health_check]\ninterval_secs = \"ten\"\n")
                .unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "health_check.interval_secs"),
            "{e}"
        );
        let e = toml("name = \"shop\"\n[image]\nid = \"ami-0123456789abcdef0\"\n[alarms]\ncpu_percent = 120.0\n")
            .unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "alarms.cpu_percent"),
            "{e}"
        );
    }

    #[test]
    fn a_spec_may_set_part_of_a_nested_setting() {
        let json = r#"{"name": "shop", "image": {"latest": {"name_pattern": "al2023-ami-*", "owner": "amazon"}},
            "health_check": {"path": "/healthz"}, "listener": {"port": 8080},
            "alarms": {"cpu_percent": 90.0}, "root_volume": {"size_gib": 30}}"#;
        let spec: WebTier = serde_json::from_str(json).unwrap();
        assert_eq!(spec.health_check.path, "/healthz");
        assert_eq!(
            spec.health_check,
            HealthCheckSpec {
                path: "/healthz".into(),
                ..HealthCheckSpec::default()
            }
        );
        assert_eq!(spec.listener.port, 8080);
        assert!(spec.listener.certificate_arn.is_none() && spec.listener.redirect_http);
        assert_eq!(spec.alarms.cpu_percent, Some(90.0));
        assert_eq!(spec.alarms.elb_5xx, AlarmSettings::default().elb_5xx);
        assert_eq!(spec.root_volume.size_gib, Some(30));
        assert!(spec.root_volume.encrypted);
        spec.validate().unwrap();
    }

    #[test]
    fn bad_specs_name_the_field() {
        let b = || {
            WebTier::builder()
                .name("shop".parse().unwrap())
                .image(ImageSpec::latest("x*", "amazon"))
        };
        let field = |e: Error| match e {
            Error::Validation { field, .. } => field,
            o => panic!("{o:?}"),
        };
        assert_eq!(
            field(
                b().subnets(vec!["subnet-00000001".parse().unwrap()])
                    .build()
                    .unwrap_err()
            ),
            "subnets"
        );
        assert_eq!(
            field(b().allowed_cidrs(vec!["nope".into()]).build().unwrap_err()),
            "allowed_cidrs[0]"
        );
        let long = WebTier::builder()
            .name("a".repeat(29).parse().unwrap())
            .image(ImageSpec::latest("x*", "amazon"));
        assert_eq!(field(long.build().unwrap_err()), "name");
        assert_eq!(field(b().count(101).build().unwrap_err()), "count");
    }

    #[test]
    fn listener_cidrs_follow_the_network_guard() {
        let b = || {
            WebTier::builder()
                .name("shop".parse().unwrap())
                .image(ImageSpec::latest("x*", "amazon"))
        };
        let rule = |e: Error| match e {
            Error::Validation { field, rule } => format!("{field}: {rule}"),
            o => panic!("{o:?}"),
        };
        // The default (the IPv4 internet on port 80) and IPv6 clients are fine.
        assert!(b().build().is_ok());
        assert!(
            b().allowed_cidrs(vec!["0.0.0.0/0".into(), "::/0".into()])
                .build()
                .is_ok()
        );
        // A listener on SSH or PostgreSQL is not opened to the internet, however it is written.
        let listener = |port| ListenerSpec {
            port,
            ..ListenerSpec::default()
        };
        for cidrs in [
            vec!["0.0.0.0/0"],
            vec!["10.0.0.0/24", "1.2.3.4/0"],
            vec!["::/0"],
            vec!["0.0.0.0/1"],
        ] {
            let cidrs: Vec<String> = cidrs.into_iter().map(String::from).collect();
            let last = cidrs.len() - 1;
            for port in [22, 5432] {
                let e = rule(
                    b().listener(listener(port))
                        .allowed_cidrs(cidrs.clone())
                        .build()
                        .unwrap_err(),
                );
                assert!(e.starts_with(&format!("allowed_cidrs[{last}]: refusing")), "{e}");
                assert!(e.contains("listener.port"), "{e}");
            }
        }
        assert!(
            b().listener(listener(22))
                .allowed_cidrs(vec!["203.0.113.0/24".into()])
                .build()
                .is_ok()
        );
        // IPv6 sources become IPv6 rules.
        assert_eq!(
            IngressSource::cidr("2001:db8::1/48").unwrap(),
            IngressSource::CidrIpv6("2001:db8::/48".into())
        );
    }

    #[test]
    fn root_volumes_are_encrypted_unless_opted_out() {
        let json = r#"{"name": "shop", "image": {"id": "ami-12345678"}}"#;
        let spec: WebTier = serde_json::from_str(json).unwrap();
        assert_eq!(spec.root_volume, RootVolumeSpec::default());
        assert!(spec.root_volume.encrypted);
        let json = r#"{"name": "shop", "image": {"id": "ami-12345678"}, "root_volume": {"kms_key_id": "alias/web"}}"#;
        let spec: WebTier = serde_json::from_str(json).unwrap();
        assert!(spec.root_volume.encrypted, "a partial root_volume keeps encryption on");
        assert_eq!(spec.root_volume.kms_key_id.as_deref(), Some("alias/web"));
        let b = || {
            WebTier::builder()
                .name("shop".parse().unwrap())
                .image(ImageSpec::latest("x*", "amazon"))
        };
        let field = |e: Error| match e {
            Error::Validation { field, .. } => field,
            o => panic!("{o:?}"),
        };
        let opt_out = |kms: Option<&str>| RootVolumeSpec {
            encrypted: false,
            kms_key_id: kms.map(String::from),
            size_gib: None,
        };
        assert!(b().root_volume(opt_out(None)).build().is_ok());
        assert_eq!(
            field(b().root_volume(opt_out(Some("alias/web"))).build().unwrap_err()),
            "root_volume.kms_key_id"
        );
        let huge = RootVolumeSpec {
            size_gib: Some(0),
            ..RootVolumeSpec::default()
        };
        assert_eq!(
            field(b().root_volume(huge).build().unwrap_err()),
            "root_volume.size_gib"
        );
    }
}
