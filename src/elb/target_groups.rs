//! Target groups and targets: CreateTargetGroup and DescribeTargetGroups requests, health
//! checks, targets and their health.

use bon::Builder;
use serde::{Deserialize, Serialize};

use super::*;
use crate::Tags;
use crate::error::{Error, Result};
use crate::id::{InstanceId, LoadBalancerArn, TargetGroupArn, TargetGroupName, VpcId};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};

/// How a target group checks its targets' health. Defaults are AWS's for an HTTP target group
/// of instances (ELBv2 API reference, `CreateTargetGroup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct HealthCheck {
    /// HTTP (default) or HTTPS.
    #[builder(default)]
    pub protocol: Protocol,
    /// The path requested: starts with `/`, at most 1024 characters (default `/`).
    #[builder(default = "/".to_string())]
    pub path: String,
    /// `traffic-port` (default: each target's traffic port) or a port number.
    #[builder(default = TRAFFIC_PORT.to_string())]
    pub port: String,
    /// Seconds between checks: 5-300 (default 30).
    #[builder(default = 30)]
    pub interval_secs: u32,
    /// Seconds without a response that fail a check: 2-120, less than the interval. `None`:
    /// AWS's default for the target group's protocol (6 s for HTTP, 10 s for HTTPS).
    pub timeout_secs: Option<u32>,
    /// Consecutive successes to become healthy: 2-10 (default 5).
    #[builder(default = 5)]
    pub healthy_threshold: u32,
    /// Consecutive failures to become unhealthy: 2-10 (default 2).
    #[builder(default = 2)]
    pub unhealthy_threshold: u32,
    /// HTTP codes meaning success: codes 200-499, as a list (`200,202`) or range (`200-299`)
    /// (default `200`).
    #[builder(default = "200".to_string())]
    pub matcher: String,
}
validated_builder!(HealthCheck, HealthCheckBuilder, health_check_builder);

/// The health check port meaning "each target's traffic port".
pub const TRAFFIC_PORT: &str = "traffic-port";

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck::builder().build_unchecked()
    }
}

impl HealthCheck {
    /// The timeout in effect for a target group of `protocol`: the one set, or AWS's default
    /// (ELBv2 API reference, `CreateTargetGroup` `HealthCheckTimeoutSeconds`: 6 s for HTTP,
    /// 10 s for HTTPS).
    /// Requests refuse the other protocols (this trait makes Application Load Balancers), so
    /// for those this answers the HTTPS figure.
    pub fn effective_timeout_secs(&self, protocol: &Protocol) -> u32 {
        self.timeout_secs.unwrap_or(match protocol {
            Protocol::Http => 6,
            _ => 10,
        })
    }

    /// The port checked for a target receiving traffic on `traffic_port`.
    pub fn port_for(&self, traffic_port: u16) -> u16 {
        if self.port == TRAFFIC_PORT {
            traffic_port
        } else {
            self.port.parse().unwrap_or(traffic_port)
        }
    }

    /// Checks the health check for a target group of `protocol`; field names start with
    /// `prefix` (such as `health_check.`).
    pub fn validate_for(&self, prefix: &str, protocol: &Protocol) -> Result<()> {
        let f = |name: &str| format!("{prefix}{name}");
        validate_alb_protocol(&f("protocol"), &self.protocol)?;
        // ELBv2 API reference, CreateTargetGroup: HealthCheckPath 1-1024 characters;
        // HealthCheckIntervalSeconds 5-300; HealthCheckTimeoutSeconds 2-120;
        // HealthyThresholdCount and UnhealthyThresholdCount 2-10; Matcher HttpCode for an
        // Application Load Balancer "values between 200 and 499".
        validate::len_in(&f("path"), &self.path, 1, 1024)?;
        if !self.path.starts_with('/') {
            return Err(Error::validation(
                f("path"),
                format!("must start with `/` (got {:?})", self.path),
            ));
        }
        if self.port != TRAFFIC_PORT {
            match self.port.parse::<u16>() {
                Ok(p) if p >= 1 => {}
                _ => {
                    return Err(Error::validation(
                        f("port"),
                        format!("must be `traffic-port` or a port 1-65535 (got {:?})", self.port),
                    ));
                }
            }
        }
        validate::in_range(&f("interval_secs"), self.interval_secs, 5, 300)?;
        if let Some(t) = self.timeout_secs {
            validate::in_range(&f("timeout_secs"), t, 2, 120)?;
        }
        let timeout = self.effective_timeout_secs(protocol);
        if timeout >= self.interval_secs {
            return Err(Error::validation(
                f("timeout_secs"),
                format!(
                    "must be less than interval_secs {} (got {timeout}{})",
                    self.interval_secs,
                    if self.timeout_secs.is_none() {
                        ", the default"
                    } else {
                        ""
                    }
                ),
            ));
        }
        validate::in_range(&f("healthy_threshold"), self.healthy_threshold, 2, 10)?;
        validate::in_range(&f("unhealthy_threshold"), self.unhealthy_threshold, 2, 10)?;
        validate_matcher(&f("matcher"), &self.matcher)
    }
}

impl Validate for HealthCheck {
    fn validate(&self) -> Result<()> {
        self.validate_for("", &Protocol::Http)
    }
}

/// Checks that a protocol is one an Application Load Balancer uses: HTTP or HTTPS (ELBv2 API
/// reference, CreateListener and CreateTargetGroup: "For Application Load Balancers, the
/// supported protocols are HTTP and HTTPS").
pub fn validate_alb_protocol(field: &str, protocol: &Protocol) -> Result<()> {
    match protocol {
        Protocol::Http | Protocol::Https => Ok(()),
        other => Err(Error::validation(
            field,
            format!("must be HTTP or HTTPS for an Application Load Balancer (got {other})"),
        )),
    }
}

/// Checks an HTTP code matcher: comma-separated codes or `lo-hi` ranges within 200-499.
fn validate_matcher(field: &str, m: &str) -> Result<()> {
    let bad = |why: &str| Error::validation(field, format!("{why} (got {m:?})"));
    if m.is_empty() {
        return Err(bad("must not be empty"));
    }
    let code = |s: &str| -> Result<u16> {
        let c: u16 = s
            .trim()
            .parse()
            .map_err(|_| bad("must be HTTP codes like `200`, `200,202` or `200-299`"))?;
        if (200..=499).contains(&c) {
            Ok(c)
        } else {
            Err(bad(
                "codes must be between 200 and 499 for an Application Load Balancer",
            ))
        }
    };
    for part in m.split(',') {
        match part.split_once('-') {
            Some((lo, hi)) => {
                if code(lo)? > code(hi)? {
                    return Err(bad("a range must go from low to high"));
                }
            }
            None => {
                code(part)?;
            }
        }
    }
    Ok(())
}

/// A target group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct TargetGroup {
    /// Its ARN.
    pub arn: TargetGroupArn,
    /// Its name.
    pub name: TargetGroupName,
    /// The protocol to its targets.
    #[builder(default)]
    pub protocol: Protocol,
    /// The port its targets receive traffic on (unless registered with another).
    #[builder(default = 80)]
    pub port: u16,
    /// Its VPC.
    pub vpc_id: VpcId,
    /// How targets are registered.
    #[builder(default)]
    pub target_type: TargetType,
    /// Its health check.
    #[builder(default)]
    pub health_check: HealthCheck,
    /// The load balancers that route to it.
    #[builder(default)]
    pub load_balancer_arns: Vec<LoadBalancerArn>,
}

/// A request to create a target group of instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct CreateTargetGroupRequest {
    /// The name (unique per region and account).
    pub name: TargetGroupName,
    /// HTTP (default) or HTTPS.
    #[builder(default)]
    pub protocol: Protocol,
    /// The port targets receive traffic on: 1-65535.
    pub port: u16,
    /// The VPC of the targets.
    pub vpc_id: VpcId,
    /// How targets are registered (instances).
    #[builder(default)]
    pub target_type: TargetType,
    /// The health check (default: AWS's defaults).
    #[builder(default)]
    pub health_check: HealthCheck,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    CreateTargetGroupRequest,
    CreateTargetGroupRequestBuilder,
    create_target_group_request_builder
);

impl Validate for CreateTargetGroupRequest {
    fn validate(&self) -> Result<()> {
        // ELBv2 API reference, CreateTargetGroup, Port: "Valid Range: Minimum value of 1.
        // Maximum value of 65535."
        validate::in_range("port", self.port, 1, u16::MAX)?;
        validate_alb_protocol("protocol", &self.protocol)?;
        self.health_check.validate_for("health_check.", &self.protocol)?;
        validate::tags_with("tags", &self.tags, TAG_RULES)
    }
}

/// Which target groups to describe: by ARNs, by names, or by load balancer (one of them);
/// empty means all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeTargetGroupsRequest {
    /// ARNs.
    #[builder(default)]
    pub arns: Vec<TargetGroupArn>,
    /// Names.
    #[builder(default)]
    pub names: Vec<TargetGroupName>,
    /// The target groups a load balancer routes to.
    pub load_balancer_arn: Option<LoadBalancerArn>,
}
validated_builder!(
    DescribeTargetGroupsRequest,
    DescribeTargetGroupsRequestBuilder,
    describe_target_groups_request_builder
);

impl Validate for DescribeTargetGroupsRequest {
    fn validate(&self) -> Result<()> {
        // ELBv2 API reference, DescribeTargetGroups: "You can specify one of the following to
        // filter the results: the ARN of the load balancer, the names of one or more target
        // groups, or the ARNs of one or more target groups."
        let given = usize::from(!self.arns.is_empty())
            + usize::from(!self.names.is_empty())
            + usize::from(self.load_balancer_arn.is_some());
        if given > 1 {
            return Err(Error::validation(
                "arns",
                "give at most one of arns, names and load_balancer_arn",
            ));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Targets

/// A target: an instance, and optionally a port other than the target group's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    /// The instance.
    pub id: InstanceId,
    /// The port (default: the target group's).
    pub port: Option<u16>,
}

impl Target {
    /// The instance on the target group's port.
    pub fn instance(id: InstanceId) -> Self {
        Target { id, port: None }
    }
}

/// Checks a list of targets for RegisterTargets/DeregisterTargets.
pub fn validate_targets(targets: &[Target]) -> Result<()> {
    validate::non_empty("targets", targets)?;
    for t in targets {
        if t.port == Some(0) {
            return Err(Error::validation(
                "targets",
                format!("port of {} must be 1-65535", t.id),
            ));
        }
    }
    Ok(())
}

/// A target's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct TargetHealth {
    /// The target (with the port in use).
    pub target: Target,
    /// Its state.
    pub state: TargetHealthState,
    /// AWS's reason code, such as `Elb.InitialHealthChecking`, `Target.Timeout`,
    /// `Target.NotInUse`, `Target.InvalidState`, `Target.DeregistrationInProgress`.
    pub reason: Option<String>,
    /// AWS's description of the state.
    pub description: Option<String>,
}
