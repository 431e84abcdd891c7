//! Elastic Load Balancing v2 (Application Load Balancers): load balancers, target groups,
//! targets and their health, listeners and their certificates, listener rules, tags.
//!
//! The [`Elbv2`] trait is implemented by [`SdkElbv2`](sdk::SdkElbv2) (feature `elbv2`), by the
//! simulator ([`SimCloud`](crate::sim::SimCloud)), by any [`Layered`](crate::layer::Layered)
//! wrapper, and by `MockElbv2` (feature `mock`).
//!
//! ```
//! use aws_facade::elb::{CreateTargetGroupRequest, HealthCheck, Protocol};
//! let req = CreateTargetGroupRequest::builder()
//!     .name("web-tg".parse()?)
//!     .port(8080)
//!     .vpc_id("vpc-0123456789abcdef0".parse()?)
//!     .health_check(HealthCheck::builder().path("/healthz").build()?)
//!     .build()?;
//! assert_eq!(req.protocol, Protocol::Http);
//! assert_eq!(req.health_check.interval_secs, 30);
//! // A timeout must be shorter than the interval (ELBv2 `CreateTargetGroup`).
//! assert!(HealthCheck::builder().interval_secs(10).timeout_secs(10).build().is_err());
//! # Ok::<(), aws_facade::Error>(())
//! ```

mod listeners;
mod load_balancers;
mod rules;
#[cfg(feature = "elbv2")]
pub mod sdk;
mod target_groups;

pub use listeners::*;
pub use load_balancers::*;
pub use rules::*;
pub use target_groups::*;

use std::collections::BTreeMap;

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::error::{Error, Result, Service};
use crate::id::{Arn, ListenerArn, LoadBalancerArn, RuleArn, TargetGroupArn};
use crate::macros::service_trait;
use crate::validate;

service_trait! {
    /// Elastic Load Balancing v2 operations for Application Load Balancers. Every describe
    /// returns all pages.
    ///
    /// Outputs have builders (defaults for what a fake rarely cares about), so a mock
    /// (`MockElbv2`, feature `mock`) answers in a line:
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use aws_facade::elb::{Elbv2, LoadBalancer, LoadBalancerState, MockElbv2, TargetHealth, TargetHealthState, Target};
    ///
    /// let mut elb = MockElbv2::new();
    /// elb.expect_describe_target_health().returning(|_, _| {
    ///     let target = Target::instance("i-0123456789abcdef0".parse()?);
    ///     Ok(vec![TargetHealth::builder().target(target).state(TargetHealthState::Healthy).build()])
    /// });
    /// elb.expect_describe_load_balancers().returning(|_| {
    ///     Ok(vec![LoadBalancer::builder()
    ///         .arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef".parse()?)
    ///         .name("web".parse()?)
    ///         .vpc_id("vpc-0123456789abcdef0".parse()?)
    ///         .build()])
    /// });
    /// let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef".parse().unwrap();
    /// let health = futures::executor::block_on(elb.describe_target_health(tg, vec![])).unwrap();
    /// assert_eq!(health[0].state, TargetHealthState::Healthy);
    /// let lbs = futures::executor::block_on(elb.describe_load_balancers(Default::default())).unwrap();
    /// assert_eq!(lbs[0].state, LoadBalancerState::Active);
    /// # }
    /// ```
    pub trait Elbv2 (Service::Elbv2, ELBV2_OPERATIONS, ELBV2_IAM_ACTIONS) {
        /// Creates an Application Load Balancer (idempotent: the same name with the same
        /// settings returns the existing one; other settings answer `DuplicateLoadBalancerName`).
        fn create_load_balancer(req: CreateLoadBalancerRequest) -> LoadBalancer = "CreateLoadBalancer" => "elasticloadbalancing:CreateLoadBalancer";
        /// Load balancers by ARN or name (empty request: all). An unknown explicit ARN or name
        /// answers `LoadBalancerNotFound`.
        fn describe_load_balancers(req: DescribeLoadBalancersRequest) -> Vec<LoadBalancer> = "DescribeLoadBalancers" => "elasticloadbalancing:DescribeLoadBalancers";
        /// Deletes a load balancer and its listeners (succeeds if it does not exist;
        /// `OperationNotPermitted` while [`DELETION_PROTECTION`] is on).
        fn delete_load_balancer(arn: LoadBalancerArn) -> () = "DeleteLoadBalancer" => "elasticloadbalancing:DeleteLoadBalancer";
        /// Sets load balancer attributes (see [`DROP_INVALID_HEADER_FIELDS`],
        /// [`DELETION_PROTECTION`]); returns all attributes.
        fn modify_load_balancer_attributes(arn: LoadBalancerArn, attributes: Attributes) -> Attributes = "ModifyLoadBalancerAttributes" => "elasticloadbalancing:ModifyLoadBalancerAttributes";
        /// A load balancer's attributes.
        fn describe_load_balancer_attributes(arn: LoadBalancerArn) -> Attributes = "DescribeLoadBalancerAttributes" => "elasticloadbalancing:DescribeLoadBalancerAttributes";
        /// Creates a target group (idempotent like [`Elbv2::create_load_balancer`]).
        fn create_target_group(req: CreateTargetGroupRequest) -> TargetGroup = "CreateTargetGroup" => "elasticloadbalancing:CreateTargetGroup";
        /// Target groups by ARN, name or load balancer (empty request: all).
        fn describe_target_groups(req: DescribeTargetGroupsRequest) -> Vec<TargetGroup> = "DescribeTargetGroups" => "elasticloadbalancing:DescribeTargetGroups";
        /// Deletes a target group (`ResourceInUse` while a listener forwards to it).
        fn delete_target_group(arn: TargetGroupArn) -> () = "DeleteTargetGroup" => "elasticloadbalancing:DeleteTargetGroup";
        /// Sets target group attributes (see [`DEREGISTRATION_DELAY`]); returns all attributes.
        fn modify_target_group_attributes(arn: TargetGroupArn, attributes: Attributes) -> Attributes = "ModifyTargetGroupAttributes" => "elasticloadbalancing:ModifyTargetGroupAttributes";
        /// A target group's attributes.
        fn describe_target_group_attributes(arn: TargetGroupArn) -> Attributes = "DescribeTargetGroupAttributes" => "elasticloadbalancing:DescribeTargetGroupAttributes";
        /// Registers instances with a target group.
        fn register_targets(arn: TargetGroupArn, targets: Vec<Target>) -> () = "RegisterTargets" => "elasticloadbalancing:RegisterTargets";
        /// Deregisters targets (they drain for the deregistration delay).
        fn deregister_targets(arn: TargetGroupArn, targets: Vec<Target>) -> () = "DeregisterTargets" => "elasticloadbalancing:DeregisterTargets";
        /// The health of the given targets (empty: every registered target).
        fn describe_target_health(arn: TargetGroupArn, targets: Vec<Target>) -> Vec<TargetHealth> = "DescribeTargetHealth" => "elasticloadbalancing:DescribeTargetHealth";
        /// Creates a listener whose default action forwards to a target group, or redirects
        /// to HTTPS.
        fn create_listener(req: CreateListenerRequest) -> Listener = "CreateListener" => "elasticloadbalancing:CreateListener";
        /// The listeners of a load balancer.
        fn describe_listeners(arn: LoadBalancerArn) -> Vec<Listener> = "DescribeListeners" => "elasticloadbalancing:DescribeListeners";
        /// Deletes a listener.
        fn delete_listener(arn: ListenerArn) -> () = "DeleteListener" => "elasticloadbalancing:DeleteListener";
        /// The tags of load balancers, target groups or listeners (any number of ARNs; the SDK
        /// adapter sends them 20 at a time, the most `DescribeTags` accepts).
        fn describe_tags(arns: Vec<String>) -> Vec<ResourceTags> = "DescribeTags" => "elasticloadbalancing:DescribeTags";
        /// Adds or overwrites tags on resources (load balancers, target groups, listeners,
        /// rules).
        fn add_tags(arns: Vec<String>, tags: Tags) -> () = "AddTags" => "elasticloadbalancing:AddTags";
        /// Removes tags (by key) from resources; keys a resource does not have are ignored.
        fn remove_tags(arns: Vec<String>, keys: Vec<String>) -> () = "RemoveTags" => "elasticloadbalancing:RemoveTags";
        /// Adds a rule to a listener (`PriorityInUse` if the listener has a rule of that
        /// priority; `ListenerNotFound`, `TargetGroupNotFound`).
        fn create_rule(req: CreateRuleRequest) -> Rule = "CreateRule" => "elasticloadbalancing:CreateRule";
        /// The rules of a listener in priority order, its default rule last, or the rules
        /// asked for (`RuleNotFound` for an unknown one).
        fn describe_rules(req: DescribeRulesRequest) -> Vec<Rule> = "DescribeRules" => "elasticloadbalancing:DescribeRules";
        /// Replaces a rule's conditions or actions (`RuleNotFound`).
        fn modify_rule(req: ModifyRuleRequest) -> Rule = "ModifyRule" => "elasticloadbalancing:ModifyRule";
        /// Gives rules new priorities, all at once (`PriorityInUse` if another rule of the
        /// listener keeps one of them; the default rule's cannot be set:
        /// `OperationNotPermitted`). Returns the rules changed.
        fn set_rule_priorities(priorities: Vec<RulePriority>) -> Vec<Rule> = "SetRulePriorities" => "elasticloadbalancing:SetRulePriorities";
        /// Deletes a rule (`RuleNotFound`; the default rule cannot be deleted:
        /// `OperationNotPermitted`). A listener's rules go with it.
        fn delete_rule(arn: RuleArn) -> () = "DeleteRule" => "elasticloadbalancing:DeleteRule";
        /// Changes a listener's port, protocol, default certificate, security policy or
        /// default actions (what is `None` is unchanged).
        fn modify_listener(req: ModifyListenerRequest) -> Listener = "ModifyListener" => "elasticloadbalancing:ModifyListener";
        /// Adds certificates to an HTTPS listener's certificate list (one already there is not
        /// added again); returns the certificates added.
        fn add_listener_certificates(arn: ListenerArn, certificates: Vec<Arn>) -> Vec<ListenerCertificate> = "AddListenerCertificates" => "elasticloadbalancing:AddListenerCertificates";
        /// Removes certificates from a listener's certificate list (the default certificate
        /// cannot be removed: `OperationNotPermitted`).
        fn remove_listener_certificates(arn: ListenerArn, certificates: Vec<Arn>) -> () = "RemoveListenerCertificates" => "elasticloadbalancing:RemoveListenerCertificates";
        /// A listener's default certificate (`is_default`) and its certificate list.
        fn describe_listener_certificates(arn: ListenerArn) -> Vec<ListenerCertificate> = "DescribeListenerCertificates" => "elasticloadbalancing:DescribeListenerCertificates";
    }
}

/// Target group attributes: key → value, e.g. [`DEREGISTRATION_DELAY`] → `"300"`.
pub type Attributes = BTreeMap<String, String>;

/// The target group attribute for the deregistration delay in seconds: 0-3600, default 300
/// (ELBv2 API reference, `TargetGroupAttribute`).
pub const DEREGISTRATION_DELAY: &str = "deregistration_delay.timeout_seconds";

/// The load balancer attribute that drops HTTP headers whose names are not valid (`true` /
/// `false`, AWS's default `false`; ELBv2 API reference, `LoadBalancerAttribute`). Security
/// reviews (AWS Security Hub control ELB.4) ask for `true`.
pub const DROP_INVALID_HEADER_FIELDS: &str = "routing.http.drop_invalid_header_fields.enabled";

/// The load balancer attribute that refuses DeleteLoadBalancer while `true` (AWS's default
/// `false`).
pub const DELETION_PROTECTION: &str = "deletion_protection.enabled";

/// The TLS policy this crate's HTTPS listeners use unless told otherwise: TLS 1.3 and 1.2 with
/// forward-secret ciphers only, the console's default for new HTTPS listeners ("Security
/// policies for your Application Load Balancer", Elastic Load Balancing user guide). The API's
/// own default, used when no policy is sent, is the older `ELBSecurityPolicy-2016-08`.
pub const DEFAULT_TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06";

/// The default deregistration delay in seconds.
pub const DEFAULT_DEREGISTRATION_DELAY_SECS: u32 = 300;

/// ELBv2 tags: keys 1-128 and values 0-256 characters of letters, numbers, spaces and
/// `_ . : / = + - @` (model shapes `TagKey`/`TagValue`, pattern
/// `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`).
pub const TAG_RULES: validate::TagRules = validate::TagRules::TAG_CHARS;

/// The longest attribute key, in characters (model shapes `LoadBalancerAttributeKey` and
/// `TargetGroupAttributeKey`: at most 256 characters of `^[a-zA-Z0-9._]+$`).
pub const MAX_ATTRIBUTE_KEY_CHARS: usize = 256;

/// Checks target group attributes: not empty, and known keys with valid values.
pub fn validate_attributes(attributes: &Attributes) -> Result<()> {
    if attributes.is_empty() {
        return Err(Error::validation("attributes", "must not be empty"));
    }
    for (k, v) in attributes {
        if k.is_empty() || k.len() > MAX_ATTRIBUTE_KEY_CHARS {
            return Err(Error::validation("attributes", "keys must be 1 to 256 characters"));
        }
        if !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_') {
            return Err(Error::validation(
                "attributes",
                format!("key {k:?} must match ^[a-zA-Z0-9._]+$"),
            ));
        }
        if k == DEREGISTRATION_DELAY {
            // ELBv2 API reference, TargetGroupAttribute: "The range is 0-3600 seconds."
            let secs: u32 = v.parse().map_err(|_| {
                Error::validation(DEREGISTRATION_DELAY, format!("must be a number of seconds (got {v:?})"))
            })?;
            validate::in_range(DEREGISTRATION_DELAY, secs, 0, 3600)?;
        }
        if (k == DROP_INVALID_HEADER_FIELDS || k == DELETION_PROTECTION) && v != "true" && v != "false" {
            return Err(Error::validation(
                k.as_str(),
                format!("must be `true` or `false` (got {v:?})"),
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Enums

crate::macros::open_enum! {
    /// Whether a load balancer is reachable from the internet.
    #[derive(Default)]
    pub enum Scheme {
        /// Public DNS name resolving to public addresses (the default).
        #[default]
        InternetFacing = "internet-facing",
        /// Private addresses only.
        Internal = "internal",
    }
}

crate::macros::open_enum! {
    /// The IP address types a load balancer serves.
    #[derive(Default)]
    pub enum IpAddressType {
        /// IPv4 only (the default).
        #[default]
        Ipv4 = "ipv4",
        /// IPv4 and IPv6.
        Dualstack = "dualstack",
        /// IPv6 addresses for clients, IPv4 to targets (no public IPv4 addresses).
        DualstackWithoutPublicIpv4 = "dualstack-without-public-ipv4",
    }
}

crate::macros::open_enum! {
    /// A load balancer protocol (listeners, target groups, health checks). Application Load
    /// Balancers use HTTP and HTTPS; the others are Network and Gateway Load Balancer protocols,
    /// read back as they are.
    #[derive(Default)]
    pub enum Protocol {
        /// HTTP (the default).
        #[default]
        Http = "HTTP",
        /// HTTPS.
        Https = "HTTPS",
        /// TCP (Network Load Balancers).
        Tcp = "TCP",
        /// TLS (Network Load Balancers).
        Tls = "TLS",
        /// UDP (Network Load Balancers).
        Udp = "UDP",
        /// TCP and UDP on one port (Network Load Balancers).
        TcpUdp = "TCP_UDP",
        /// GENEVE (Gateway Load Balancers).
        Geneve = "GENEVE",
        /// QUIC (Network Load Balancers).
        Quic = "QUIC",
        /// TCP and QUIC on one port (Network Load Balancers).
        TcpQuic = "TCP_QUIC",
    }
}

crate::macros::open_enum! {
    /// How targets are registered with a target group. This crate registers instances; the
    /// other types are read back as they are.
    #[derive(Default)]
    pub enum TargetType {
        /// By EC2 instance id (the default).
        #[default]
        Instance = "instance",
        /// By IP address.
        Ip = "ip",
        /// A Lambda function.
        Lambda = "lambda",
        /// An Application Load Balancer (behind a Network Load Balancer).
        Alb = "alb",
    }
}

crate::macros::open_enum! {
    /// A load balancer's state.
    pub enum LoadBalancerState {
        /// Being set up.
        Provisioning = "provisioning",
        /// Routing traffic.
        Active = "active",
        /// Routing traffic, but without the resources to scale.
        ActiveImpaired = "active_impaired",
        /// Could not be set up.
        Failed = "failed",
    }
}

crate::macros::open_enum! {
    /// A target's health state (ELB User Guide, "Target health status").
    pub enum TargetHealthState {
        /// Registering, or running its initial health checks.
        Initial = "initial",
        /// Passing health checks.
        Healthy = "healthy",
        /// Failing health checks.
        Unhealthy = "unhealthy",
        /// Failing health checks and deregistering (connection termination is off).
        UnhealthyDraining = "unhealthy.draining",
        /// Not receiving traffic (not used by a listener, stopped or terminated, wrong zone).
        Unused = "unused",
        /// Deregistering; in-flight requests are completing.
        Draining = "draining",
        /// Health checks are disabled.
        Unavailable = "unavailable",
    }
}

// ---------------------------------------------------------------------------------------------
// Tags

/// The tags of one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct ResourceTags {
    /// The resource's ARN.
    pub arn: String,
    /// Its tags.
    #[builder(default)]
    pub tags: Tags,
}

/// Checks the ARNs and keys of a RemoveTags call (keys 1-128 characters of [`TAG_RULES`]).
pub fn validate_remove_tags(arns: &[String], keys: &[String]) -> Result<()> {
    validate::non_empty("arns", arns)?;
    validate::non_empty("keys", keys)?;
    let as_tags: Tags = keys.iter().map(|k| (k.clone(), String::new())).collect();
    validate::tags_with("keys", &as_tags, TAG_RULES)
}

/// Checks the ARNs and tags of an AddTags call.
pub fn validate_add_tags(arns: &[String], tags: &Tags) -> Result<()> {
    validate::non_empty("arns", arns)?;
    validate::non_empty("tags", &tags.iter().collect::<Vec<_>>())?;
    validate::tags_with("tags", tags, TAG_RULES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{Arn, InstanceId, SecurityGroupId, SubnetId};
    use crate::validate::Validate;

    fn field_of(e: Error) -> String {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn subnet(n: u8) -> SubnetId {
        format!("subnet-0000000{n}").parse().unwrap()
    }

    fn sg(n: u8) -> SecurityGroupId {
        format!("sg-0000000{n}").parse().unwrap()
    }

    fn lb_arn() -> LoadBalancerArn {
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
            .parse()
            .unwrap()
    }

    fn tg_arn() -> TargetGroupArn {
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09"
            .parse()
            .unwrap()
    }

    #[test]
    fn load_balancer_needs_two_subnets() {
        let b = || CreateLoadBalancerRequest::builder().name("web".parse().unwrap());
        assert_eq!(field_of(b().subnets(vec![subnet(1)]).build().unwrap_err()), "subnets");
        assert_eq!(
            field_of(b().subnets(vec![subnet(1), subnet(1)]).build().unwrap_err()),
            "subnets"
        );
        let ok = b().subnets(vec![subnet(1), subnet(2)]).build().unwrap();
        assert_eq!(ok.scheme, Scheme::InternetFacing);
        assert_eq!(ok.ip_address_type, IpAddressType::Ipv4);
    }

    #[test]
    fn load_balancer_security_groups_at_most_five() {
        let b = || {
            CreateLoadBalancerRequest::builder()
                .name("web".parse().unwrap())
                .subnets(vec![subnet(1), subnet(2)])
        };
        assert!(b().security_groups((1..=5).map(sg).collect()).build().is_ok());
        assert_eq!(
            field_of(b().security_groups((1..=6).map(sg).collect()).build().unwrap_err()),
            "security_groups"
        );
        assert_eq!(
            field_of(b().security_groups(vec![sg(1), sg(1)]).build().unwrap_err()),
            "security_groups"
        );
        let mut tags = Tags::new();
        tags.insert("aws:x".into(), "y".into());
        assert_eq!(field_of(b().tags(tags).build().unwrap_err()), "tags");
    }

    #[test]
    fn describe_load_balancers_arns_or_names() {
        assert!(DescribeLoadBalancersRequest::builder().build().is_ok());
        let e = DescribeLoadBalancersRequest::builder()
            .arns(vec![lb_arn()])
            .names(vec!["web".parse().unwrap()])
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "names");
    }

    #[test]
    fn health_check_defaults_are_aws_defaults() {
        let h = HealthCheck::default();
        assert_eq!(h.protocol, Protocol::Http);
        assert_eq!(h.path, "/");
        assert_eq!(h.port, "traffic-port");
        assert_eq!(h.interval_secs, 30);
        assert_eq!(h.effective_timeout_secs(&Protocol::Http), 6);
        assert_eq!(h.effective_timeout_secs(&Protocol::Https), 10);
        assert_eq!((h.healthy_threshold, h.unhealthy_threshold), (5, 2));
        assert_eq!(h.matcher, "200");
        assert!(h.validate().is_ok());
        assert_eq!(h.port_for(8080), 8080);
        assert_eq!(
            HealthCheck::builder().port("9000").build().unwrap().port_for(8080),
            9000
        );
    }

    #[test]
    fn health_check_limits() {
        let b = HealthCheck::builder;
        assert_eq!(field_of(b().interval_secs(4).build().unwrap_err()), "interval_secs");
        assert_eq!(field_of(b().interval_secs(301).build().unwrap_err()), "interval_secs");
        assert_eq!(field_of(b().timeout_secs(1).build().unwrap_err()), "timeout_secs");
        assert_eq!(field_of(b().timeout_secs(121).build().unwrap_err()), "timeout_secs");
        assert_eq!(
            field_of(b().interval_secs(10).timeout_secs(10).build().unwrap_err()),
            "timeout_secs"
        );
        // The default HTTP timeout (6 s) is too long for a 5 s interval.
        assert_eq!(field_of(b().interval_secs(5).build().unwrap_err()), "timeout_secs");
        assert!(b().interval_secs(5).timeout_secs(2).build().is_ok());
        assert_eq!(
            field_of(b().healthy_threshold(1).build().unwrap_err()),
            "healthy_threshold"
        );
        assert_eq!(
            field_of(b().healthy_threshold(11).build().unwrap_err()),
            "healthy_threshold"
        );
        assert_eq!(
            field_of(b().unhealthy_threshold(1).build().unwrap_err()),
            "unhealthy_threshold"
        );
        assert_eq!(
            field_of(b().unhealthy_threshold(11).build().unwrap_err()),
            "unhealthy_threshold"
        );
        assert_eq!(field_of(b().path("healthz").build().unwrap_err()), "path");
        assert_eq!(field_of(b().path("/".repeat(1025)).build().unwrap_err()), "path");
        assert_eq!(field_of(b().port("0").build().unwrap_err()), "port");
        assert_eq!(field_of(b().port("http").build().unwrap_err()), "port");
        assert!(b().port("8081").build().is_ok());
    }

    #[test]
    fn matcher_codes_200_to_499() {
        let m = |s: &str| HealthCheck::builder().matcher(s).build();
        assert!(m("200").is_ok());
        assert!(m("200,202").is_ok());
        assert!(m("200-299").is_ok());
        assert!(m("200-299,302").is_ok());
        assert_eq!(field_of(m("500").unwrap_err()), "matcher");
        assert_eq!(field_of(m("199").unwrap_err()), "matcher");
        assert_eq!(field_of(m("299-200").unwrap_err()), "matcher");
        assert_eq!(field_of(m("").unwrap_err()), "matcher");
        assert_eq!(field_of(m("ok").unwrap_err()), "matcher");
    }

    #[test]
    fn target_group_rules() {
        let b = || {
            CreateTargetGroupRequest::builder()
                .name("web-tg".parse().unwrap())
                .vpc_id("vpc-12345678".parse().unwrap())
        };
        assert_eq!(field_of(b().port(0).build().unwrap_err()), "port");
        let bad_hc = HealthCheck {
            interval_secs: 2,
            ..HealthCheck::default()
        };
        assert_eq!(
            field_of(b().port(80).health_check(bad_hc).build().unwrap_err()),
            "health_check.interval_secs"
        );
        // HTTPS target groups default to a 10 s timeout, too long for a 10 s interval.
        let hc = HealthCheck {
            interval_secs: 10,
            ..HealthCheck::default()
        };
        assert!(b().port(80).health_check(hc.clone()).build().is_ok());
        assert_eq!(
            field_of(
                b().port(443)
                    .protocol(Protocol::Https)
                    .health_check(hc)
                    .build()
                    .unwrap_err()
            ),
            "health_check.timeout_secs"
        );
        let ok = b().port(80).build().unwrap();
        assert_eq!(ok.target_type, TargetType::Instance);
    }

    #[test]
    fn describe_target_groups_one_filter() {
        assert!(DescribeTargetGroupsRequest::builder().build().is_ok());
        assert!(
            DescribeTargetGroupsRequest::builder()
                .load_balancer_arn(lb_arn())
                .build()
                .is_ok()
        );
        let e = DescribeTargetGroupsRequest::builder()
            .arns(vec![tg_arn()])
            .load_balancer_arn(lb_arn())
            .build()
            .unwrap_err();
        assert_eq!(field_of(e), "arns");
    }

    #[test]
    fn listener_certificates() {
        let cert: Arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc".parse().unwrap();
        let b = || {
            CreateListenerRequest::builder()
                .load_balancer_arn(lb_arn())
                .default_target_group(tg_arn())
        };
        assert!(b().port(80).build().is_ok());
        assert_eq!(field_of(b().port(0).build().unwrap_err()), "port");
        assert_eq!(
            field_of(b().port(443).protocol(Protocol::Https).build().unwrap_err()),
            "certificate_arn"
        );
        assert_eq!(
            field_of(b().port(80).certificate_arn(cert.clone()).build().unwrap_err()),
            "certificate_arn"
        );
        assert_eq!(
            field_of(
                b().port(80)
                    .ssl_policy("ELBSecurityPolicy-2016-08")
                    .build()
                    .unwrap_err()
            ),
            "ssl_policy"
        );
        assert!(
            b().port(443)
                .protocol(Protocol::Https)
                .certificate_arn(cert)
                .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
                .build()
                .is_ok()
        );
    }

    #[test]
    fn attribute_rules() {
        let attrs = |v: &str| Attributes::from([(DEREGISTRATION_DELAY.to_string(), v.to_string())]);
        assert!(validate_attributes(&attrs("0")).is_ok());
        assert!(validate_attributes(&attrs("3600")).is_ok());
        assert_eq!(
            field_of(validate_attributes(&attrs("3601")).unwrap_err()),
            DEREGISTRATION_DELAY
        );
        assert_eq!(
            field_of(validate_attributes(&attrs("soon")).unwrap_err()),
            DEREGISTRATION_DELAY
        );
        assert_eq!(
            field_of(validate_attributes(&Attributes::new()).unwrap_err()),
            "attributes"
        );
        assert!(
            validate_attributes(&Attributes::from([(
                "stickiness.enabled".to_string(),
                "true".to_string()
            )]))
            .is_ok()
        );
    }

    #[test]
    fn target_and_tag_rules() {
        let id: InstanceId = "i-12345678".parse().unwrap();
        assert_eq!(field_of(validate_targets(&[]).unwrap_err()), "targets");
        assert_eq!(
            field_of(
                validate_targets(&[Target {
                    id: id.clone(),
                    port: Some(0)
                }])
                .unwrap_err()
            ),
            "targets"
        );
        assert!(validate_targets(&[Target::instance(id)]).is_ok());
        let tags = Tags::from([("k".to_string(), "v".to_string())]);
        assert_eq!(field_of(validate_add_tags(&[], &tags).unwrap_err()), "arns");
        assert_eq!(
            field_of(validate_add_tags(&["arn:x".into()], &Tags::new()).unwrap_err()),
            "tags"
        );
        assert!(validate_add_tags(&["arn:x".into()], &tags).is_ok());
        // Model `TagKey`/`TagValue` pattern `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`.
        let one = |k: &str, v: &str| Tags::from([(k.to_string(), v.to_string())]);
        assert!(validate_add_tags(&["arn:x".into()], &one("team:owner", "Zoë 42 a/b=c+d@e")).is_ok());
        for (k, v) in [("a&b", "v"), ("k", "it's"), ("k", "x*"), ("k", "a\nb")] {
            assert_eq!(
                field_of(validate_add_tags(&["arn:x".into()], &one(k, v)).unwrap_err()),
                "tags",
                "{k:?}={v:?}"
            );
        }
    }

    #[test]
    fn attribute_keys_follow_the_model_pattern() {
        let key = |k: &str| Attributes::from([(k.to_string(), "true".to_string())]);
        assert!(validate_attributes(&key("load_balancing.cross_zone.enabled")).is_ok());
        assert_eq!(field_of(validate_attributes(&key("a-b")).unwrap_err()), "attributes");
        assert_eq!(field_of(validate_attributes(&key("a b")).unwrap_err()), "attributes");
    }
}
