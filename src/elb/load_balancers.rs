//! Load balancers: CreateLoadBalancer and DescribeLoadBalancers requests and the load balancer
//! model.

use std::time::SystemTime;

use bon::Builder;
use serde::{Deserialize, Serialize};

use super::*;
use crate::Tags;
use crate::error::{Error, Result};
use crate::id::{AvailabilityZone, LoadBalancerArn, LoadBalancerName, SecurityGroupId, SubnetId, VpcId};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};

/// A subnet a load balancer has a node in, and its zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct LoadBalancerZone {
    /// The Availability Zone.
    pub zone: AvailabilityZone,
    /// The subnet.
    pub subnet_id: SubnetId,
}

/// An Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct LoadBalancer {
    /// Its ARN.
    pub arn: LoadBalancerArn,
    /// Its name.
    pub name: LoadBalancerName,
    /// Its public DNS name.
    #[builder(default)]
    pub dns_name: String,
    /// Internet-facing or internal.
    #[builder(default)]
    pub scheme: Scheme,
    /// Its state.
    #[builder(default = LoadBalancerState::Active)]
    pub state: LoadBalancerState,
    /// Its VPC.
    pub vpc_id: VpcId,
    /// Its zones and subnets.
    #[builder(default)]
    pub availability_zones: Vec<LoadBalancerZone>,
    /// Its security groups.
    #[builder(default)]
    pub security_groups: Vec<SecurityGroupId>,
    /// The IP address types it serves.
    #[builder(default)]
    pub ip_address_type: IpAddressType,
    /// When it was created.
    pub created: Option<SystemTime>,
}

/// A request to create an Application Load Balancer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct CreateLoadBalancerRequest {
    /// The name (unique per region and account).
    pub name: LoadBalancerName,
    /// Subnets: at least two, in at least two Availability Zones (checked by the service),
    /// at most one per zone.
    pub subnets: Vec<SubnetId>,
    /// Security groups (default: the VPC's default group); at most 5.
    #[builder(default)]
    pub security_groups: Vec<SecurityGroupId>,
    /// Internet-facing (default) or internal.
    #[builder(default)]
    pub scheme: Scheme,
    /// IPv4 (default) or dual-stack.
    #[builder(default)]
    pub ip_address_type: IpAddressType,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    CreateLoadBalancerRequest,
    CreateLoadBalancerRequestBuilder,
    create_load_balancer_request_builder
);

/// The most security groups per load balancer (ELB User Guide, "Quotas for your Application
/// Load Balancers": security groups per load balancer, 5).
pub const MAX_LOAD_BALANCER_SECURITY_GROUPS: usize = 5;

fn no_duplicates<T: PartialEq + std::fmt::Display>(field: &str, items: &[T]) -> Result<()> {
    for (i, a) in items.iter().enumerate() {
        if items[..i].contains(a) {
            return Err(Error::validation(field, format!("lists {a} twice")));
        }
    }
    Ok(())
}

impl Validate for CreateLoadBalancerRequest {
    fn validate(&self) -> Result<()> {
        // ELBv2 API reference, CreateLoadBalancer, Subnets: "[Application Load Balancers] You
        // must specify subnets from at least two Availability Zones." (The zones are checked by
        // the service; here, at least two distinct subnets.)
        if self.subnets.len() < 2 {
            return Err(Error::validation(
                "subnets",
                format!(
                    "an Application Load Balancer needs at least 2 subnets in 2 Availability Zones (got {})",
                    self.subnets.len()
                ),
            ));
        }
        no_duplicates("subnets", &self.subnets)?;
        validate::at_most(
            "security_groups",
            &self.security_groups,
            MAX_LOAD_BALANCER_SECURITY_GROUPS,
        )?;
        no_duplicates("security_groups", &self.security_groups)?;
        validate::tags_with("tags", &self.tags, TAG_RULES)
    }
}

/// Which load balancers to describe: by ARNs or by names (not both); empty means all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeLoadBalancersRequest {
    /// ARNs.
    #[builder(default)]
    pub arns: Vec<LoadBalancerArn>,
    /// Names.
    #[builder(default)]
    pub names: Vec<LoadBalancerName>,
}
validated_builder!(
    DescribeLoadBalancersRequest,
    DescribeLoadBalancersRequestBuilder,
    describe_load_balancers_request_builder
);

impl Validate for DescribeLoadBalancersRequest {
    fn validate(&self) -> Result<()> {
        // ELBv2 rejects both at once ("Load balancer names and load balancer ARNs cannot be
        // specified at the same time").
        if !self.arns.is_empty() && !self.names.is_empty() {
            return Err(Error::validation("names", "cannot be given together with arns"));
        }
        Ok(())
    }
}
