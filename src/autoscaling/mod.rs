//! Amazon EC2 Auto Scaling: groups that keep a number of instances from a launch template
//! running across subnets (registered with target groups, replaced when unhealthy), their
//! scaling policies (target tracking, step, simple), scaling activities and instance
//! refreshes.
//!
//! The [`AutoScaling`] trait is implemented by [`SdkAutoScaling`](sdk::SdkAutoScaling)
//! (feature `autoscaling`), by the simulator ([`SimCloud`](crate::sim::SimCloud), which runs
//! groups on its clock), by any [`Layered`](crate::layer::Layered) wrapper, and by
//! `MockAutoScaling` (feature `mock`).
//!
//! ```
//! use aws_facade::autoscaling::{CreateAutoScalingGroupRequest, HealthCheckType, PutScalingPolicyRequest, TargetTracking, PredefinedMetric};
//! let req = CreateAutoScalingGroupRequest::builder()
//!     .name("web".parse()?)
//!     .launch_template("lt-0123456789abcdef0".parse::<aws_facade::id::LaunchTemplateId>()?)
//!     .min_size(2)
//!     .max_size(10)
//!     .subnets(vec!["subnet-0123456789abcdef0".parse()?])
//!     .target_group_arns(vec!["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/943f017f100becff".parse()?])
//!     .health_check_type(HealthCheckType::Elb)
//!     .health_check_grace_period_secs(120)
//!     .build()?;
//! assert_eq!(req.desired_capacity, None); // AWS starts at min_size
//! // The bounds are checked before any call: min ≤ desired ≤ max.
//! let e = CreateAutoScalingGroupRequest::builder()
//!     .name("web".parse()?)
//!     .launch_template("lt-0123456789abcdef0".parse::<aws_facade::id::LaunchTemplateId>()?)
//!     .min_size(2).max_size(10).desired_capacity(11)
//!     .subnets(vec!["subnet-0123456789abcdef0".parse()?])
//!     .build().unwrap_err();
//! assert!(e.to_string().contains("desired_capacity"), "{e}");
//! // Target tracking on CPU: keep the group's average at 50 %.
//! let policy = PutScalingPolicyRequest::builder()
//!     .group("web".parse()?)
//!     .name("cpu50")
//!     .config(TargetTracking::new(PredefinedMetric::AsgAverageCpuUtilization, 50.0).into())
//!     .build()?;
//! # let _ = policy;
//! # Ok::<(), aws_facade::Error>(())
//! ```

#[cfg(feature = "autoscaling")]
pub mod sdk;

use std::time::SystemTime;

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::ec2::{LaunchTemplateRef, TemplateVersion};
use crate::error::{Error, Result, Service};
use crate::id::{AutoScalingGroupName, AvailabilityZone, InstanceId, SubnetId, TargetGroupArn};
use crate::macros::{open_enum, service_trait, validated_builder};
use crate::validate::{self, Validate};

service_trait! {
    /// EC2 Auto Scaling operations for groups of instances behind load balancers. Every
    /// describe returns all pages.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use aws_facade::autoscaling::{AutoScaling, AutoScalingGroup, MockAutoScaling};
    /// let mut asg = MockAutoScaling::new();
    /// asg.expect_describe_auto_scaling_groups().returning(|_| {
    ///     Ok(vec![AutoScalingGroup::builder().name("web".parse()?).min_size(1).max_size(4).desired_capacity(2).build()])
    /// });
    /// let groups = futures::executor::block_on(asg.describe_auto_scaling_groups(vec![])).unwrap();
    /// assert_eq!(groups[0].desired_capacity, 2);
    /// # }
    /// ```
    pub trait AutoScaling (Service::AutoScaling, AUTOSCALING_OPERATIONS, AUTOSCALING_IAM_ACTIONS) {
        /// Creates a group (`AlreadyExists` for a name in use). The group then launches
        /// instances to its desired capacity on its own, spread over its subnets' zones.
        fn create_auto_scaling_group(req: CreateAutoScalingGroupRequest) -> () = "CreateAutoScalingGroup" => "autoscaling:CreateAutoScalingGroup";
        /// Changes a group's size bounds, launch template, subnets or health checks.
        fn update_auto_scaling_group(req: UpdateAutoScalingGroupRequest) -> () = "UpdateAutoScalingGroup" => "autoscaling:UpdateAutoScalingGroup";
        /// Groups by name (empty: all), with their instances. Unknown names are left out
        /// (AWS answers no error for them).
        fn describe_auto_scaling_groups(names: Vec<AutoScalingGroupName>) -> Vec<AutoScalingGroup> = "DescribeAutoScalingGroups" => "autoscaling:DescribeAutoScalingGroups";
        /// Deletes a group. Without `force_delete` a group with instances (or a scaling
        /// activity in progress) answers `ResourceInUse`; with it, its instances are
        /// terminated and the group is gone once they are. An unknown group answers
        /// `ValidationError` ("AutoScalingGroup name not found"), AWS's not-found.
        fn delete_auto_scaling_group(name: AutoScalingGroupName, force_delete: bool) -> () = "DeleteAutoScalingGroup" => "autoscaling:DeleteAutoScalingGroup";
        /// Sets the desired capacity (within min and max; `ScalingActivityInProgress` while
        /// in cooldown if `honor_cooldown`).
        fn set_desired_capacity(name: AutoScalingGroupName, desired: u32, honor_cooldown: bool) -> () = "SetDesiredCapacity" => "autoscaling:SetDesiredCapacity";
        /// A group's scaling activities, newest first.
        fn describe_scaling_activities(name: AutoScalingGroupName) -> Vec<ScalingActivity> = "DescribeScalingActivities" => "autoscaling:DescribeScalingActivities";
        /// Creates or replaces a scaling policy; a target-tracking policy creates (and owns)
        /// its CloudWatch alarms, which the output names.
        fn put_scaling_policy(req: PutScalingPolicyRequest) -> PutScalingPolicyOutput = "PutScalingPolicy" => "autoscaling:PutScalingPolicy";
        /// A group's scaling policies.
        fn describe_policies(name: AutoScalingGroupName) -> Vec<ScalingPolicy> = "DescribePolicies" => "autoscaling:DescribePolicies";
        /// Deletes a scaling policy (and the alarms a target-tracking policy created).
        fn delete_policy(group: AutoScalingGroupName, policy: String) -> () = "DeletePolicy" => "autoscaling:DeletePolicy";
        /// Marks an instance of a group healthy or unhealthy (an unhealthy one is replaced).
        fn set_instance_health(instance: InstanceId, health: InstanceHealth, respect_grace_period: bool) -> () = "SetInstanceHealth" => "autoscaling:SetInstanceHealth";
        /// Terminates an instance of a group, lowering the desired capacity by one if
        /// `decrement_desired` (otherwise the group launches a replacement).
        fn terminate_instance_in_auto_scaling_group(instance: InstanceId, decrement_desired: bool) -> ScalingActivity = "TerminateInstanceInAutoScalingGroup" => "autoscaling:TerminateInstanceInAutoScalingGroup";
        /// Starts replacing a group's instances with ones from its current launch template,
        /// keeping `min_healthy_percentage` of the group in service; returns the refresh id
        /// (`InstanceRefreshInProgress` if one is running).
        fn start_instance_refresh(req: StartInstanceRefreshRequest) -> String = "StartInstanceRefresh" => "autoscaling:StartInstanceRefresh";
        /// A group's instance refreshes, newest first.
        fn describe_instance_refreshes(name: AutoScalingGroupName) -> Vec<InstanceRefresh> = "DescribeInstanceRefreshes" => "autoscaling:DescribeInstanceRefreshes";
        /// Cancels the group's running instance refresh; returns its id
        /// (`ActiveInstanceRefreshNotFound` if none runs).
        fn cancel_instance_refresh(name: AutoScalingGroupName) -> String = "CancelInstanceRefresh" => "autoscaling:CancelInstanceRefresh";
    }
}

/// Whether the message of an Auto Scaling `ValidationError` is its not-found answer ("...
/// name not found ..."): Auto Scaling has no not-found code, so [`Error`] classifies such an
/// answer as [`Error::NotFound`] by this. A missing *referenced* resource ("The launch
/// template ... does not exist") stays a validation error.
pub fn is_not_found_message(message: &str) -> bool {
    message.to_ascii_lowercase().contains("not found")
}

open_enum! {
    /// How a group decides an instance is unhealthy.
    pub enum HealthCheckType {
        /// EC2 status checks only (AWS's default).
        Ec2 = "EC2",
        /// EC2 status checks and the target groups' health checks.
        Elb = "ELB",
        /// VPC Lattice health checks.
        VpcLattice = "VPC_LATTICE",
        /// EBS volume health.
        Ebs = "EBS",
    }
}

open_enum! {
    /// Where an instance is in a group's lifecycle.
    pub enum LifecycleState {
        /// Launching.
        Pending = "Pending",
        /// Held by a launch lifecycle hook.
        PendingWait = "Pending:Wait",
        /// A launch lifecycle hook completed.
        PendingProceed = "Pending:Proceed",
        /// Running and counted in the group's capacity.
        InService = "InService",
        /// Being terminated.
        Terminating = "Terminating",
        /// Held by a termination lifecycle hook.
        TerminatingWait = "Terminating:Wait",
        /// A termination lifecycle hook completed.
        TerminatingProceed = "Terminating:Proceed",
        /// Terminated.
        Terminated = "Terminated",
        /// Being detached.
        Detaching = "Detaching",
        /// Detached.
        Detached = "Detached",
        /// Entering standby.
        EnteringStandby = "EnteringStandby",
        /// In standby.
        Standby = "Standby",
    }
}

open_enum! {
    /// An instance's health as its group sees it.
    pub enum InstanceHealth {
        /// Healthy.
        Healthy = "Healthy",
        /// Unhealthy: the group replaces it.
        Unhealthy = "Unhealthy",
    }
}

open_enum! {
    /// A scaling activity's status.
    pub enum ActivityStatus {
        /// Waiting for an instance id.
        WaitingForInstanceId = "WaitingForInstanceId",
        /// Before the instance enters service.
        PreInService = "PreInService",
        /// In progress.
        InProgress = "InProgress",
        /// Waiting for the load balancer's connection draining.
        WaitingForElbConnectionDraining = "WaitingForELBConnectionDraining",
        /// Held by a lifecycle hook.
        MidLifecycleAction = "MidLifecycleAction",
        /// Waiting for the instance's warm-up.
        WaitingForInstanceWarmup = "WaitingForInstanceWarmup",
        /// Done.
        Successful = "Successful",
        /// Failed (the status message says why).
        Failed = "Failed",
        /// Cancelled.
        Cancelled = "Cancelled",
    }
}

impl ActivityStatus {
    /// Whether the activity has ended (successful, failed or cancelled).
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            ActivityStatus::Successful | ActivityStatus::Failed | ActivityStatus::Cancelled
        )
    }
}

open_enum! {
    /// The metrics Auto Scaling predefines for target tracking.
    pub enum PredefinedMetric {
        /// The group's average CPU utilization (percent), `AWS/EC2` `CPUUtilization` by
        /// `AutoScalingGroupName`.
        AsgAverageCpuUtilization = "ASGAverageCPUUtilization",
        /// The group's average network bytes in per instance.
        AsgAverageNetworkIn = "ASGAverageNetworkIn",
        /// The group's average network bytes out per instance.
        AsgAverageNetworkOut = "ASGAverageNetworkOut",
        /// Requests per target of a target group (`AWS/ApplicationELB`
        /// `RequestCountPerTarget`); needs a [`TargetTracking::resource_label`].
        AlbRequestCountPerTarget = "ALBRequestCountPerTarget",
    }
}

open_enum! {
    /// How a step or simple policy's adjustment reads.
    pub enum AdjustmentType {
        /// Add (or with a negative number remove) this many instances.
        ChangeInCapacity = "ChangeInCapacity",
        /// Set the capacity to this number.
        ExactCapacity = "ExactCapacity",
        /// Change the capacity by this percentage.
        PercentChangeInCapacity = "PercentChangeInCapacity",
    }
}

open_enum! {
    /// The statistic a step policy aggregates its alarm's metric with.
    pub enum MetricAggregation {
        /// Average.
        Average = "Average",
        /// Minimum.
        Minimum = "Minimum",
        /// Maximum.
        Maximum = "Maximum",
    }
}

open_enum! {
    /// The kind of a scaling policy.
    pub enum PolicyType {
        /// Target tracking.
        TargetTrackingScaling = "TargetTrackingScaling",
        /// Step scaling on an alarm.
        StepScaling = "StepScaling",
        /// Simple scaling on an alarm.
        SimpleScaling = "SimpleScaling",
        /// Predictive scaling (not built by this crate; read only).
        PredictiveScaling = "PredictiveScaling",
    }
}

open_enum! {
    /// An instance refresh's status.
    pub enum RefreshStatus {
        /// Accepted, not started.
        Pending = "Pending",
        /// Replacing instances.
        InProgress = "InProgress",
        /// Every instance replaced.
        Successful = "Successful",
        /// Failed.
        Failed = "Failed",
        /// Being cancelled.
        Cancelling = "Cancelling",
        /// Cancelled.
        Cancelled = "Cancelled",
        /// Rolling back.
        RollbackInProgress = "RollbackInProgress",
        /// The rollback failed.
        RollbackFailed = "RollbackFailed",
        /// Rolled back.
        RollbackSuccessful = "RollbackSuccessful",
        /// Waiting the bake time after the last replacement.
        Baking = "Baking",
    }
}

impl RefreshStatus {
    /// Whether the refresh has ended.
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            RefreshStatus::Successful
                | RefreshStatus::Failed
                | RefreshStatus::Cancelled
                | RefreshStatus::RollbackFailed
                | RefreshStatus::RollbackSuccessful
        )
    }
}

/// The tag Auto Scaling puts on every instance it launches: the group's name
/// (`aws:autoscaling:groupName`).
pub const GROUP_NAME_TAG: &str = "aws:autoscaling:groupName";

/// The most tags a group takes (Auto Scaling quotas: "Tags per Auto Scaling group: 50").
pub const MAX_GROUP_TAGS: usize = 50;

/// Creates an Auto Scaling group (`CreateAutoScalingGroup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
#[non_exhaustive]
pub struct CreateAutoScalingGroupRequest {
    /// The group's name (unique in the Region).
    pub name: AutoScalingGroupName,
    /// The launch template its instances come from.
    #[builder(into)]
    pub launch_template: LaunchTemplateRef,
    /// The template's version (default `$Default`).
    #[builder(default)]
    pub launch_template_version: TemplateVersion,
    /// The fewest instances.
    pub min_size: u32,
    /// The most instances.
    pub max_size: u32,
    /// The instances to run now (`None`: `min_size`), between min and max.
    pub desired_capacity: Option<u32>,
    /// The subnets instances launch into (`VPCZoneIdentifier`), spread evenly over their
    /// zones; at least one.
    pub subnets: Vec<SubnetId>,
    /// Target groups every instance is registered with.
    #[builder(default)]
    pub target_group_arns: Vec<TargetGroupArn>,
    /// EC2 (default) or ELB: with ELB an instance the target groups find unhealthy is
    /// replaced once its grace period is over.
    #[builder(default = HealthCheckType::Ec2)]
    pub health_check_type: HealthCheckType,
    /// Seconds after launch before health checks count (AWS's default: 0).
    pub health_check_grace_period_secs: Option<u32>,
    /// Seconds between simple-scaling activities (AWS's default: 300).
    pub default_cooldown_secs: Option<u32>,
    /// Seconds a new instance warms up before its metrics count toward scaling.
    pub default_instance_warmup_secs: Option<u32>,
    /// Tags of the group, propagated to every instance it launches (ownership tags go here).
    #[builder(default)]
    pub tags: Tags,
    /// Whether new instances are protected from scale in.
    #[builder(default)]
    pub new_instances_protected_from_scale_in: bool,
}
validated_builder!(
    CreateAutoScalingGroupRequest,
    CreateAutoScalingGroupRequestBuilder,
    create_auto_scaling_group_request_builder
);

/// Checks min ≤ desired ≤ max, naming the field that breaks it.
fn check_bounds(min: Option<u32>, max: Option<u32>, desired: Option<u32>) -> Result<()> {
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        return Err(Error::validation(
            "min_size",
            format!("must not exceed max_size {max} (got {min})"),
        ));
    }
    if let Some(d) = desired {
        if let Some(min) = min
            && d < min
        {
            return Err(Error::validation(
                "desired_capacity",
                format!("must be at least min_size {min} (got {d})"),
            ));
        }
        if let Some(max) = max
            && d > max
        {
            return Err(Error::validation(
                "desired_capacity",
                format!("must be at most max_size {max} (got {d})"),
            ));
        }
    }
    Ok(())
}

/// The `VPCZoneIdentifier` of a list of subnets: their ids joined by commas, at most 5,000
/// characters (`XmlStringMaxLen5000`).
pub fn vpc_zone_identifier(subnets: &[SubnetId]) -> String {
    subnets.iter().map(SubnetId::as_str).collect::<Vec<_>>().join(",")
}

fn check_subnets(field: &str, subnets: &[SubnetId]) -> Result<()> {
    validate::non_empty(field, subnets)?;
    let joined = vpc_zone_identifier(subnets);
    validate::len_in(field, &joined, 1, 5000)?;
    let mut seen = std::collections::BTreeSet::new();
    for s in subnets {
        if !seen.insert(s) {
            return Err(Error::validation(field, format!("lists {s} twice")));
        }
    }
    Ok(())
}

impl Validate for CreateAutoScalingGroupRequest {
    fn validate(&self) -> Result<()> {
        self.launch_template.validate("launch_template")?;
        self.launch_template_version.validate("launch_template_version")?;
        check_bounds(Some(self.min_size), Some(self.max_size), self.desired_capacity)?;
        check_subnets("subnets", &self.subnets)?;
        check_health_check_type("health_check_type", &self.health_check_type)?;
        if self.health_check_type == HealthCheckType::Elb && self.target_group_arns.is_empty() {
            return Err(Error::validation(
                "health_check_type",
                "is ELB but the group has no target_group_arns to check with",
            ));
        }
        validate::tags_with("tags", &self.tags, validate::TagRules::ANY_CHARS)?;
        if self.tags.len() > MAX_GROUP_TAGS {
            return Err(Error::validation(
                "tags",
                format!("at most {MAX_GROUP_TAGS} tags per group (got {})", self.tags.len()),
            ));
        }
        Ok(())
    }
}

fn check_health_check_type(field: &str, t: &HealthCheckType) -> Result<()> {
    // The model's `XmlStringMaxLen32` takes any string; the crate sends the values AWS
    // documents (an unknown one is refused here rather than by AWS after other changes).
    if t.is_unknown() {
        return Err(Error::validation(
            field,
            format!("must be one of {:?} (got {t:?})", HealthCheckType::KNOWN_NAMES),
        ));
    }
    Ok(())
}

/// Changes a group (`UpdateAutoScalingGroup`): each `Some` field is set, the others kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
#[non_exhaustive]
pub struct UpdateAutoScalingGroupRequest {
    /// The group.
    pub name: AutoScalingGroupName,
    /// A new launch template.
    #[builder(into)]
    pub launch_template: Option<LaunchTemplateRef>,
    /// The template version (with `launch_template`; default `$Default`).
    pub launch_template_version: Option<TemplateVersion>,
    /// A new minimum.
    pub min_size: Option<u32>,
    /// A new maximum.
    pub max_size: Option<u32>,
    /// A new desired capacity.
    pub desired_capacity: Option<u32>,
    /// New subnets.
    pub subnets: Option<Vec<SubnetId>>,
    /// A new health check type.
    pub health_check_type: Option<HealthCheckType>,
    /// A new grace period, in seconds.
    pub health_check_grace_period_secs: Option<u32>,
    /// A new default cooldown, in seconds.
    pub default_cooldown_secs: Option<u32>,
    /// A new default instance warm-up, in seconds.
    pub default_instance_warmup_secs: Option<u32>,
}
validated_builder!(
    UpdateAutoScalingGroupRequest,
    UpdateAutoScalingGroupRequestBuilder,
    update_auto_scaling_group_request_builder
);

impl Validate for UpdateAutoScalingGroupRequest {
    fn validate(&self) -> Result<()> {
        if let Some(t) = &self.launch_template {
            t.validate("launch_template")?;
        }
        if let Some(v) = &self.launch_template_version {
            if self.launch_template.is_none() {
                return Err(Error::validation(
                    "launch_template_version",
                    "is set without launch_template",
                ));
            }
            v.validate("launch_template_version")?;
        }
        // Only the bounds given can be checked here; the simulator and AWS check them
        // against the group's current ones.
        check_bounds(self.min_size, self.max_size, self.desired_capacity)?;
        if let Some(s) = &self.subnets {
            check_subnets("subnets", s)?;
        }
        if let Some(t) = &self.health_check_type {
            check_health_check_type("health_check_type", t)?;
        }
        Ok(())
    }
}

/// A target-tracking configuration: keep a predefined metric at a target value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TargetTracking {
    /// The metric.
    pub metric: PredefinedMetric,
    /// For [`PredefinedMetric::AlbRequestCountPerTarget`]: the target group, as
    /// `app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>` ([`TargetTracking::resource_label_of`]).
    pub resource_label: Option<String>,
    /// The value to hold the metric at (finite, positive).
    pub target_value: f64,
    /// Whether the policy never scales in.
    pub disable_scale_in: bool,
}

impl TargetTracking {
    /// Tracks `metric` at `target_value`.
    pub fn new(metric: PredefinedMetric, target_value: f64) -> Self {
        TargetTracking {
            metric,
            resource_label: None,
            target_value,
            disable_scale_in: false,
        }
    }

    /// Requests per target of `target_group` behind `load_balancer`, held at `per_target`.
    pub fn request_count_per_target(
        load_balancer: &crate::id::LoadBalancerArn,
        target_group: &TargetGroupArn,
        per_target: f64,
    ) -> Self {
        TargetTracking {
            resource_label: Some(Self::resource_label_of(load_balancer, target_group)),
            ..TargetTracking::new(PredefinedMetric::AlbRequestCountPerTarget, per_target)
        }
    }

    /// The resource label of a target group behind a load balancer: the load balancer ARN's
    /// part after `loadbalancer/`, `/`, and the target group ARN's resource part.
    pub fn resource_label_of(load_balancer: &crate::id::LoadBalancerArn, target_group: &TargetGroupArn) -> String {
        let lb = load_balancer.as_str();
        let tg = target_group.as_str();
        let lb = lb.split_once(":loadbalancer/").map_or(lb, |(_, r)| r);
        let tg = tg.rsplit_once(':').map_or(tg, |(_, r)| r);
        format!("{lb}/{tg}")
    }

    /// Disables scale in.
    pub fn without_scale_in(mut self) -> Self {
        self.disable_scale_in = true;
        self
    }

    fn validate(&self, prefix: &str) -> Result<()> {
        if !self.target_value.is_finite() || self.target_value <= 0.0 {
            return Err(Error::validation(
                format!("{prefix}target_value"),
                format!("must be a finite number above 0 (got {})", self.target_value),
            ));
        }
        if self.metric.is_unknown() {
            return Err(Error::validation(
                format!("{prefix}metric"),
                format!(
                    "must be one of {:?} (got {})",
                    PredefinedMetric::KNOWN_NAMES,
                    self.metric
                ),
            ));
        }
        let field = format!("{prefix}resource_label");
        match (&self.metric, &self.resource_label) {
            (PredefinedMetric::AlbRequestCountPerTarget, None) => Err(Error::validation(
                field,
                "is required with ALBRequestCountPerTarget (the target group it counts)",
            )),
            (PredefinedMetric::AlbRequestCountPerTarget, Some(l)) => {
                // `PredefinedMetricSpecification.ResourceLabel`: 1-1023 characters, the form
                // app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>.
                validate::len_in(&field, l, 1, 1023)?;
                let parts: Vec<&str> = l.split('/').collect();
                if parts.len() != 6
                    || parts[0] != "app"
                    || parts[3] != "targetgroup"
                    || parts.iter().any(|p| p.is_empty())
                {
                    return Err(Error::validation(
                        field,
                        format!("must read app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id> (got {l:?})"),
                    ));
                }
                Ok(())
            }
            (_, Some(_)) => Err(Error::validation(field, "is only for ALBRequestCountPerTarget")),
            (_, None) => Ok(()),
        }
    }
}

impl From<TargetTracking> for PolicyConfig {
    fn from(t: TargetTracking) -> Self {
        PolicyConfig::TargetTracking(t)
    }
}

/// One step of a step-scaling policy: an adjustment for the alarm's metric between two
/// bounds, relative to the alarm's threshold (`None`: unbounded on that side).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StepAdjustment {
    /// The lower bound (inclusive), relative to the threshold.
    pub lower_bound: Option<f64>,
    /// The upper bound (exclusive), relative to the threshold.
    pub upper_bound: Option<f64>,
    /// The adjustment (read by the policy's [`AdjustmentType`]).
    pub adjustment: i32,
}

impl StepAdjustment {
    /// A step from `lower_bound` to `upper_bound`.
    pub fn new(lower_bound: Option<f64>, upper_bound: Option<f64>, adjustment: i32) -> Self {
        StepAdjustment {
            lower_bound,
            upper_bound,
            adjustment,
        }
    }
}

/// A step-scaling configuration (the policy acts when an alarm naming its ARN is in ALARM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StepScaling {
    /// How the steps' adjustments read.
    pub adjustment_type: AdjustmentType,
    /// The steps: together they cover a contiguous range without overlap.
    pub steps: Vec<StepAdjustment>,
    /// The statistic of the alarm's metric (default Average).
    pub aggregation: MetricAggregation,
    /// With `PercentChangeInCapacity`: the least change, in instances.
    pub min_adjustment_magnitude: Option<u32>,
}

impl StepScaling {
    /// Steps read by `adjustment_type`, aggregated by average.
    pub fn new(adjustment_type: AdjustmentType, steps: Vec<StepAdjustment>) -> Self {
        StepScaling {
            adjustment_type,
            steps,
            aggregation: MetricAggregation::Average,
            min_adjustment_magnitude: None,
        }
    }

    /// The step for a metric `delta` above (or below) the alarm's threshold.
    pub fn step_for(&self, delta: f64) -> Option<&StepAdjustment> {
        self.steps
            .iter()
            .find(|s| s.lower_bound.is_none_or(|l| delta >= l) && s.upper_bound.is_none_or(|u| delta < u))
    }

    fn validate(&self, prefix: &str) -> Result<()> {
        let field = format!("{prefix}steps");
        validate::non_empty(&field, &self.steps)?;
        check_adjustment_type(&format!("{prefix}adjustment_type"), &self.adjustment_type)?;
        if self.min_adjustment_magnitude.is_some() && self.adjustment_type != AdjustmentType::PercentChangeInCapacity {
            return Err(Error::validation(
                format!("{prefix}min_adjustment_magnitude"),
                "is only for PercentChangeInCapacity",
            ));
        }
        // Auto Scaling User Guide, "Step scaling policies": the ranges "can't overlap or have
        // a gap"; at most one step has no lower bound and one no upper bound.
        let mut steps = self.steps.clone();
        for (i, s) in steps.iter().enumerate() {
            for b in [s.lower_bound, s.upper_bound].into_iter().flatten() {
                if !b.is_finite() {
                    return Err(Error::validation(format!("{field}[{i}]"), "bounds must be finite"));
                }
            }
            if let (Some(l), Some(u)) = (s.lower_bound, s.upper_bound)
                && l >= u
            {
                return Err(Error::validation(
                    format!("{field}[{i}]"),
                    format!("lower_bound {l} must be below upper_bound {u}"),
                ));
            }
        }
        steps.sort_by(|a, b| {
            a.lower_bound
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&b.lower_bound.unwrap_or(f64::NEG_INFINITY))
        });
        for w in steps.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.upper_bound != b.lower_bound {
                return Err(Error::validation(
                    field,
                    format!(
                        "must be contiguous without overlap: a step ends at {:?} and the next starts at {:?}",
                        a.upper_bound, b.lower_bound
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn check_adjustment_type(field: &str, t: &AdjustmentType) -> Result<()> {
    if t.is_unknown() {
        return Err(Error::validation(
            field,
            format!("must be one of {:?} (got {t})", AdjustmentType::KNOWN_NAMES),
        ));
    }
    Ok(())
}

/// A simple-scaling configuration: one adjustment when the alarm fires, then a cooldown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SimpleScaling {
    /// How the adjustment reads.
    pub adjustment_type: AdjustmentType,
    /// The adjustment.
    pub adjustment: i32,
    /// Seconds before another simple-scaling activity (`None`: the group's default).
    pub cooldown_secs: Option<u32>,
}

impl SimpleScaling {
    /// `adjustment` read by `adjustment_type`.
    pub fn new(adjustment_type: AdjustmentType, adjustment: i32) -> Self {
        SimpleScaling {
            adjustment_type,
            adjustment,
            cooldown_secs: None,
        }
    }
}

/// What a scaling policy does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PolicyConfig {
    /// Target tracking (Auto Scaling creates its alarms).
    TargetTracking(TargetTracking),
    /// Step scaling on an alarm of yours.
    Step(StepScaling),
    /// Simple scaling on an alarm of yours.
    Simple(SimpleScaling),
}

impl PolicyConfig {
    /// The policy type AWS names it by.
    pub fn policy_type(&self) -> PolicyType {
        match self {
            PolicyConfig::TargetTracking(_) => PolicyType::TargetTrackingScaling,
            PolicyConfig::Step(_) => PolicyType::StepScaling,
            PolicyConfig::Simple(_) => PolicyType::SimpleScaling,
        }
    }
}

/// Creates or replaces a scaling policy (`PutScalingPolicy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
#[non_exhaustive]
pub struct PutScalingPolicyRequest {
    /// The group.
    pub group: AutoScalingGroupName,
    /// The policy's name (1-255 characters), unique in the group.
    pub name: String,
    /// What it does.
    pub config: PolicyConfig,
    /// Seconds a new instance's metrics are left out (target tracking and step scaling;
    /// `None`: the group's default warm-up).
    pub estimated_instance_warmup_secs: Option<u32>,
    /// Whether the policy acts (default true).
    #[builder(default = true)]
    pub enabled: bool,
}
validated_builder!(
    PutScalingPolicyRequest,
    PutScalingPolicyRequestBuilder,
    put_scaling_policy_request_builder
);

impl Validate for PutScalingPolicyRequest {
    fn validate(&self) -> Result<()> {
        // `PolicyName`: XmlStringMaxLen255.
        validate::len_in("name", &self.name, 1, 255)?;
        crate::id::xml_string_chars(&self.name).map_err(|rule| Error::validation("name", rule))?;
        match &self.config {
            PolicyConfig::TargetTracking(t) => t.validate("config.target_tracking.")?,
            PolicyConfig::Step(s) => s.validate("config.step.")?,
            PolicyConfig::Simple(s) => {
                check_adjustment_type("config.simple.adjustment_type", &s.adjustment_type)?;
                if self.estimated_instance_warmup_secs.is_some() {
                    return Err(Error::validation(
                        "estimated_instance_warmup_secs",
                        "is not for simple scaling (it has a cooldown)",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A CloudWatch alarm a policy acts on (or, for target tracking, owns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PolicyAlarm {
    /// The alarm's name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
}

impl PolicyAlarm {
    /// An alarm by name and ARN.
    pub fn new(name: impl Into<String>, arn: impl Into<String>) -> Self {
        PolicyAlarm {
            name: name.into(),
            arn: arn.into(),
        }
    }
}

/// What `PutScalingPolicy` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
pub struct PutScalingPolicyOutput {
    /// The policy's ARN (an alarm action for step and simple policies).
    #[builder(into)]
    pub policy_arn: String,
    /// The alarms a target-tracking policy created.
    #[builder(default)]
    pub alarms: Vec<PolicyAlarm>,
}

/// A scaling policy (`DescribePolicies`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(on(String, into))]
#[non_exhaustive]
pub struct ScalingPolicy {
    /// Its group.
    pub group: AutoScalingGroupName,
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// Its kind.
    pub policy_type: PolicyType,
    /// Its configuration (`None` for a kind this crate does not build, e.g. predictive).
    pub config: Option<PolicyConfig>,
    /// Its warm-up, in seconds.
    pub estimated_instance_warmup_secs: Option<u32>,
    /// Whether it acts.
    #[builder(default = true)]
    pub enabled: bool,
    /// The alarms it acts on.
    #[builder(default)]
    pub alarms: Vec<PolicyAlarm>,
}

/// An instance of a group (`DescribeAutoScalingGroups`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
pub struct GroupInstance {
    /// The instance.
    pub instance_id: InstanceId,
    /// Its zone.
    pub availability_zone: AvailabilityZone,
    /// Where it is in the group's lifecycle.
    #[builder(default = LifecycleState::InService)]
    pub lifecycle_state: LifecycleState,
    /// Its health as the group sees it.
    #[builder(default = InstanceHealth::Healthy)]
    pub health: InstanceHealth,
    /// Whether scale in leaves it alone.
    #[builder(default)]
    pub protected_from_scale_in: bool,
    /// Its instance type.
    pub instance_type: Option<String>,
    /// The template version it launched from (to tell refreshed instances apart).
    pub launch_template_version: Option<String>,
}

/// An Auto Scaling group (`DescribeAutoScalingGroups`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
pub struct AutoScalingGroup {
    /// Its name.
    pub name: AutoScalingGroupName,
    /// Its ARN.
    #[builder(default, into)]
    pub arn: String,
    /// The fewest instances.
    pub min_size: u32,
    /// The most instances.
    pub max_size: u32,
    /// The instances it aims for.
    pub desired_capacity: u32,
    /// Seconds between simple-scaling activities.
    #[builder(default = 300)]
    pub default_cooldown_secs: u32,
    /// Its zones.
    #[builder(default)]
    pub availability_zones: Vec<AvailabilityZone>,
    /// Its subnets.
    #[builder(default)]
    pub subnets: Vec<SubnetId>,
    /// The target groups its instances are registered with.
    #[builder(default)]
    pub target_group_arns: Vec<TargetGroupArn>,
    /// How it checks health.
    #[builder(default = HealthCheckType::Ec2)]
    pub health_check_type: HealthCheckType,
    /// Seconds after launch before health checks count.
    #[builder(default)]
    pub health_check_grace_period_secs: u32,
    /// Its default instance warm-up, in seconds.
    pub default_instance_warmup_secs: Option<u32>,
    /// The launch template.
    pub launch_template: Option<LaunchTemplateRef>,
    /// The template version (`$Default`, `$Latest` or a number).
    pub launch_template_version: Option<String>,
    /// Its instances.
    #[builder(default)]
    pub instances: Vec<GroupInstance>,
    /// When it was created.
    pub created_time: Option<SystemTime>,
    /// `Delete in progress` while a forced delete runs.
    pub status: Option<String>,
    /// Its tags (all propagated at launch when this crate created it).
    #[builder(default)]
    pub tags: Tags,
    /// Whether new instances are protected from scale in.
    #[builder(default)]
    pub new_instances_protected_from_scale_in: bool,
}

impl AutoScalingGroup {
    /// The instances in service.
    pub fn in_service(&self) -> impl Iterator<Item = &GroupInstance> {
        self.instances
            .iter()
            .filter(|i| i.lifecycle_state == LifecycleState::InService)
    }
}

/// A scaling activity (`DescribeScalingActivities`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[builder(on(String, into))]
#[non_exhaustive]
pub struct ScalingActivity {
    /// Its id.
    pub id: String,
    /// Its group.
    pub group: AutoScalingGroupName,
    /// What it does (`Launching a new EC2 instance: i-...`).
    #[builder(default)]
    pub description: String,
    /// Why.
    #[builder(default)]
    pub cause: String,
    /// When it started.
    pub start_time: Option<SystemTime>,
    /// When it ended.
    pub end_time: Option<SystemTime>,
    /// Its status.
    #[builder(default = ActivityStatus::Successful)]
    pub status: ActivityStatus,
    /// Why it failed, if it did.
    pub status_message: Option<String>,
    /// Percent done.
    #[builder(default)]
    pub progress: u32,
}

/// Starts an instance refresh (`StartInstanceRefresh`, rolling strategy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
#[non_exhaustive]
pub struct StartInstanceRefreshRequest {
    /// The group.
    pub group: AutoScalingGroupName,
    /// The share of the group kept in service while instances are replaced: 0-100 (default
    /// 90, AWS's).
    #[builder(default = 90)]
    pub min_healthy_percentage: u32,
    /// The most the group may grow to while replacing: 100-200 percent (`None`: 100, replace
    /// before launching).
    pub max_healthy_percentage: Option<u32>,
    /// Seconds a new instance warms up before the next batch (`None`: the group's
    /// warm-up or grace period).
    pub instance_warmup_secs: Option<u32>,
    /// Whether instances already on the desired template version are left alone.
    #[builder(default)]
    pub skip_matching: bool,
}
validated_builder!(
    StartInstanceRefreshRequest,
    StartInstanceRefreshRequestBuilder,
    start_instance_refresh_request_builder
);

impl Validate for StartInstanceRefreshRequest {
    fn validate(&self) -> Result<()> {
        // RefreshPreferences: MinHealthyPercentage `IntPercent` 0-100,
        // MaxHealthyPercentage `IntPercent100To200`.
        validate::in_range("min_healthy_percentage", self.min_healthy_percentage, 0, 100)?;
        if let Some(max) = self.max_healthy_percentage {
            validate::in_range("max_healthy_percentage", max, 100, 200)?;
            // "the difference between them cannot be greater than 100" (RefreshPreferences).
            if max - self.min_healthy_percentage > 100 {
                return Err(Error::validation(
                    "max_healthy_percentage",
                    format!(
                        "must be within 100 of min_healthy_percentage {} (got {max})",
                        self.min_healthy_percentage
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// An instance refresh (`DescribeInstanceRefreshes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[builder(on(String, into))]
#[non_exhaustive]
pub struct InstanceRefresh {
    /// Its id.
    pub id: String,
    /// Its group.
    pub group: AutoScalingGroupName,
    /// Its status.
    pub status: RefreshStatus,
    /// Why it is in that status.
    pub status_reason: Option<String>,
    /// When it started.
    pub start_time: Option<SystemTime>,
    /// When it ended.
    pub end_time: Option<SystemTime>,
    /// Percent of instances replaced.
    #[builder(default)]
    pub percentage_complete: u32,
    /// Instances still to replace.
    #[builder(default)]
    pub instances_to_update: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create() -> CreateAutoScalingGroupRequest {
        CreateAutoScalingGroupRequest::builder()
            .name("web".parse().unwrap())
            .launch_template(LaunchTemplateRef::Name("web-template".into()))
            .min_size(1)
            .max_size(4)
            .subnets(vec!["subnet-0123456789abcdef0".parse().unwrap()])
            .build()
            .unwrap()
    }

    #[test]
    fn bounds_and_subnets_are_checked_by_field() {
        let check = |f: &dyn Fn(&mut CreateAutoScalingGroupRequest)| {
            let mut r = create();
            f(&mut r);
            r.validate().unwrap_err().to_string()
        };
        let e = check(&|r| r.desired_capacity = Some(5));
        assert!(e.contains("desired_capacity") && e.contains("max_size 4"), "{e}");
        let e = check(&|r| r.min_size = 5);
        assert!(e.contains("min_size"), "{e}");
        let e = check(&|r| r.subnets.clear());
        assert!(e.contains("subnets"), "{e}");
        let e = check(&|r| r.subnets.push(r.subnets[0].clone()));
        assert!(e.contains("twice"), "{e}");
        let e = check(&|r| r.health_check_type = HealthCheckType::Elb);
        assert!(e.contains("target_group_arns"), "{e}");
        let e = check(&|r| {
            r.tags.insert("aws:autoscaling:groupName".into(), "x".into());
        });
        assert!(e.contains("aws:"), "aws: keys are AWS's: {e}");
    }

    #[test]
    fn group_names_follow_the_model() {
        assert!("web tier (prod)".parse::<AutoScalingGroupName>().is_ok());
        assert!("".parse::<AutoScalingGroupName>().is_err());
        assert!("a".repeat(256).parse::<AutoScalingGroupName>().is_err());
        assert!("bad\u{7}".parse::<AutoScalingGroupName>().is_err());
    }

    #[test]
    fn target_tracking_needs_a_well_formed_label_for_request_counts() {
        let lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
            .parse()
            .unwrap();
        let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/943f017f100becff"
            .parse()
            .unwrap();
        let t = TargetTracking::request_count_per_target(&lb, &tg, 1000.0);
        assert_eq!(
            t.resource_label.as_deref(),
            Some("app/web/50dc6c495c0c9188/targetgroup/web/943f017f100becff")
        );
        let put = |config: PolicyConfig| {
            PutScalingPolicyRequest::builder()
                .group("web".parse().unwrap())
                .name("p")
                .config(config)
                .build()
        };
        assert!(put(t.into()).is_ok());
        let e = put(TargetTracking::new(PredefinedMetric::AlbRequestCountPerTarget, 1000.0).into()).unwrap_err();
        assert!(e.to_string().contains("config.target_tracking.resource_label"), "{e}");
        let e = put(TargetTracking::new(PredefinedMetric::AsgAverageCpuUtilization, 0.0).into()).unwrap_err();
        assert!(e.to_string().contains("target_value"), "{e}");
        let e = put(TargetTracking::new(PredefinedMetric::AsgAverageCpuUtilization, f64::NAN).into()).unwrap_err();
        assert!(e.to_string().contains("target_value"), "{e}");
    }

    #[test]
    fn steps_must_be_contiguous() {
        let put = |steps: Vec<StepAdjustment>| {
            PutScalingPolicyRequest::builder()
                .group("web".parse().unwrap())
                .name("steps")
                .config(PolicyConfig::Step(StepScaling::new(
                    AdjustmentType::ChangeInCapacity,
                    steps,
                )))
                .build()
        };
        let ok = vec![
            StepAdjustment::new(Some(0.0), Some(10.0), 1),
            StepAdjustment::new(Some(10.0), None, 3),
        ];
        assert!(put(ok.clone()).is_ok());
        let s = StepScaling::new(AdjustmentType::ChangeInCapacity, ok);
        assert_eq!(s.step_for(5.0).map(|s| s.adjustment), Some(1));
        assert_eq!(s.step_for(25.0).map(|s| s.adjustment), Some(3));
        assert_eq!(s.step_for(-1.0), None);
        let gap = vec![
            StepAdjustment::new(Some(0.0), Some(10.0), 1),
            StepAdjustment::new(Some(20.0), None, 3),
        ];
        assert!(put(gap).unwrap_err().to_string().contains("contiguous"));
        let overlap = vec![
            StepAdjustment::new(None, Some(10.0), 1),
            StepAdjustment::new(Some(5.0), None, 3),
        ];
        assert!(put(overlap).is_err());
        assert!(put(vec![]).unwrap_err().to_string().contains("config.step.steps"));
    }

    #[test]
    fn refresh_percentages_follow_the_model() {
        let g: AutoScalingGroupName = "web".parse().unwrap();
        assert!(StartInstanceRefreshRequest::builder().group(g.clone()).build().is_ok());
        let e = StartInstanceRefreshRequest::builder()
            .group(g.clone())
            .min_healthy_percentage(101)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("min_healthy_percentage"), "{e}");
        let e = StartInstanceRefreshRequest::builder()
            .group(g)
            .min_healthy_percentage(50)
            .max_healthy_percentage(201)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("max_healthy_percentage"), "{e}");
    }
}
