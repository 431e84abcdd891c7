//! Simulated ELBv2: Application Load Balancers, target groups, targets with lazily evaluated
//! health, listeners and tags.
//!
//! Target health at `now` (ELB User Guide, "Target health status"; API reference,
//! `TargetHealth`):
//! - deregistered: `draining` (`Target.DeregistrationInProgress`) for the target group's
//!   `deregistration_delay.timeout_seconds` (default 300), then gone;
//! - instance `stopping`/`stopped`: `unused` (`Target.InvalidState`, "stopped state");
//! - instance `shutting-down`: `unhealthy` (`Target.FailedHealthChecks`): it stops answering
//!   health checks while it shuts down;
//! - instance `terminated`: `unused` (`Target.InvalidState`, "terminated state"), the reason
//!   AWS documents for terminated targets; the target is dropped from the group once EC2 no
//!   longer shows the instance (`SimConfig::terminated_visible`), as ELB forgets terminated
//!   instances;
//! - no listener forwards to the group: `unused` (`Target.NotInUse`); the instance's zone is
//!   not one of the load balancer's: `unused` (`Target.NotInUse`);
//! - load balancer still provisioning, or instance still `pending`: `initial`
//!   (`Elb.RegistrationInProgress`);
//! - otherwise health checks start at the latest of registration, the instance entering
//!   `running`, the load balancer turning `active` and the first listener forwarding to the
//!   group. If the instance's security groups admit the health check port from the load
//!   balancer's groups, the target is `healthy` after `interval × healthy_threshold`; if not,
//!   it is `unhealthy` (`Target.Timeout`) after `interval × unhealthy_threshold`; before that it
//!   is `initial` (`Elb.InitialHealthChecking`).

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use super::ec2::{group_exists, groups_admit, instance_view, subnet_info};
use super::{Inventory, SimCloud, SimConfig, SimState};
use crate::Tags;
use crate::ec2::InstanceState;
use crate::elb::*;
use crate::error::{Result, Service};
use crate::id::*;
use crate::validate::{self, Validate};

const SVC: Service = Service::Elbv2;

/// Attributes an Application Load Balancer target group accepts, with AWS's defaults (ELBv2
/// API reference, `TargetGroupAttribute`).
const ATTRIBUTE_DEFAULTS: &[(&str, &str)] = &[
    (DEREGISTRATION_DELAY, "300"),
    ("stickiness.enabled", "false"),
    ("stickiness.type", "lb_cookie"),
    ("stickiness.lb_cookie.duration_seconds", "86400"),
    ("stickiness.app_cookie.cookie_name", ""),
    ("stickiness.app_cookie.duration_seconds", "86400"),
    ("load_balancing.algorithm.type", "round_robin"),
    ("load_balancing.cross_zone.enabled", "use_load_balancer_configuration"),
    ("slow_start.duration_seconds", "0"),
];

#[derive(Default)]
pub(crate) struct ElbState {
    lbs: Vec<LbRec>,
    /// Security groups of deleted load balancers, and when they were deleted.
    released: Vec<(Vec<SecurityGroupId>, Instant)>,
    tgs: Vec<TgRec>,
    listeners: Vec<ListenerRec>,
    /// Instances whose application stopped answering health checks, and since when
    /// ([`SimCloud::fail_health_checks`]).
    pub(crate) failing: BTreeMap<InstanceId, Instant>,
}

struct LbRec {
    lb: LoadBalancer,
    created_at: Instant,
    tags: Tags,
    attributes: Attributes,
}

/// The load balancer attributes the simulator knows, with AWS's defaults (ELBv2 API reference,
/// `LoadBalancerAttribute`; a subset).
const LB_ATTRIBUTE_DEFAULTS: &[(&str, &str)] = &[
    (DELETION_PROTECTION, "false"),
    (DROP_INVALID_HEADER_FIELDS, "false"),
    ("idle_timeout.timeout_seconds", "60"),
    ("routing.http2.enabled", "true"),
    ("routing.http.desync_mitigation_mode", "defensive"),
    ("access_logs.s3.enabled", "false"),
];

struct TgRec {
    tg: TargetGroup,
    /// The request it was created with, for CreateTargetGroup's idempotency.
    req: CreateTargetGroupRequest,
    attributes: Attributes,
    tags: Tags,
    targets: Vec<TargetRec>,
}

#[derive(Clone)]
struct TargetRec {
    id: InstanceId,
    port: u16,
    registered_at: Instant,
    deregistered_at: Option<Instant>,
}

struct ListenerRec {
    listener: Listener,
    /// When the default actions were last set (they start forwarding then).
    default_since: Instant,
    tags: Tags,
    /// The default rule's ARN and tags (its actions are the listener's default actions).
    default_rule: RuleArn,
    default_rule_tags: Tags,
    /// The other rules.
    rules: Vec<RuleRec>,
    /// The certificate list (the default certificate is `listener.certificate_arn`).
    certificates: Vec<Arn>,
}

struct RuleRec {
    rule: Rule,
    /// When its actions were last set.
    since: Instant,
    tags: Tags,
}

impl ListenerRec {
    /// When this listener started sending traffic to `tg` (default actions or a rule), if it
    /// does.
    fn forwards_since(&self, tg: &TargetGroupArn) -> Option<Instant> {
        let uses = |actions: &[Action]| actions.iter().any(|a| a.target_groups().contains(&tg));
        let default = uses(&self.listener.default_actions).then_some(self.default_since);
        self.rules
            .iter()
            .filter(|r| uses(&r.rule.actions))
            .map(|r| r.since)
            .chain(default)
            .min()
    }

    fn default_rule_view(&self) -> Rule {
        Rule {
            arn: self.default_rule.clone(),
            priority: None,
            is_default: true,
            conditions: Vec::new(),
            actions: self.listener.default_actions.clone(),
        }
    }

    /// The rules in priority order, the default rule last.
    fn rules_view(&self) -> Vec<Rule> {
        let mut rules: Vec<Rule> = self.rules.iter().map(|r| r.rule.clone()).collect();
        rules.sort_by_key(|r| r.priority);
        rules.push(self.default_rule_view());
        rules
    }
}

fn set_default_actions(l: &mut Listener, actions: Vec<Action>) {
    l.default_target_group = default_target_group_of(&actions);
    l.redirect_to_https = redirect_to_https_of(&actions);
    l.default_actions = actions;
}

/// Where a target group receives traffic from.
struct Attachment {
    lb_arn: LoadBalancerArn,
    lb_active_at: Instant,
    /// When the first listener forwarding to the group was created.
    listener_since: Instant,
    zones: Vec<AvailabilityZone>,
    groups: Vec<SecurityGroupId>,
}

/// The last 16 hex digits of a fresh id: the id part of ELBv2 ARNs.
fn hex16(st: &mut SimState) -> String {
    let id = SimCloud::new_id(st, "x");
    id[id.len() - 16..].to_string()
}

fn lb_active_at(cfg: &SimConfig, rec: &LbRec) -> Instant {
    rec.created_at + cfg.load_balancer_provision
}

fn lb_view(cfg: &SimConfig, rec: &LbRec, now: Instant) -> LoadBalancer {
    let mut lb = rec.lb.clone();
    lb.state = if now >= lb_active_at(cfg, rec) {
        LoadBalancerState::Active
    } else {
        LoadBalancerState::Provisioning
    };
    lb
}

fn attachment(st: &SimState, cfg: &SimConfig, tg: &TargetGroupArn) -> Option<Attachment> {
    let mut found: Option<Attachment> = None;
    for (l, since) in st.elb.listeners.iter().filter_map(|l| Some((l, l.forwards_since(tg)?))) {
        let Some(lb) = st.elb.lbs.iter().find(|r| r.lb.arn == l.listener.load_balancer_arn) else {
            continue;
        };
        match &mut found {
            Some(a) if a.lb_arn == lb.lb.arn => a.listener_since = a.listener_since.min(since),
            Some(_) => {}
            None => {
                found = Some(Attachment {
                    lb_arn: lb.lb.arn.clone(),
                    lb_active_at: lb_active_at(cfg, lb),
                    listener_since: since,
                    zones: lb.lb.availability_zones.iter().map(|z| z.zone.clone()).collect(),
                    groups: lb.lb.security_groups.clone(),
                })
            }
        }
    }
    found
}

fn deregistration_delay(attributes: &Attributes) -> Duration {
    let secs = attributes
        .get(DEREGISTRATION_DELAY)
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_DEREGISTRATION_DELAY_SECS);
    Duration::from_secs(u64::from(secs))
}

type Eval = (TargetHealthState, Option<&'static str>, Option<&'static str>);

/// The health of one registered target at `now`; `None` once it has left the group.
fn evaluate(
    st: &mut SimState,
    cfg: &SimConfig,
    now: Instant,
    tg: &TargetGroup,
    delay: Duration,
    att: Option<&Attachment>,
    t: &TargetRec,
) -> Option<Eval> {
    use TargetHealthState::*;
    if let Some(d) = t.deregistered_at {
        return (now < d + delay).then_some((
            Draining,
            Some("Target.DeregistrationInProgress"),
            Some("Target deregistration is in progress"),
        ));
    }
    let view = instance_view(st, cfg, &t.id, now)?;
    match view.state {
        InstanceState::Terminated => {
            return Some((
                Unused,
                Some("Target.InvalidState"),
                Some("Target is in the terminated state"),
            ));
        }
        InstanceState::Stopped | InstanceState::Stopping => {
            return Some((
                Unused,
                Some("Target.InvalidState"),
                Some("Target is in the stopped state"),
            ));
        }
        InstanceState::ShuttingDown => {
            return Some((
                Unhealthy,
                Some("Target.FailedHealthChecks"),
                Some("Health checks failed"),
            ));
        }
        // The simulator's instances are never in a state it does not know.
        InstanceState::Pending | InstanceState::Running | InstanceState::Unknown(_) => {}
    }
    let Some(att) = att else {
        return Some((
            Unused,
            Some("Target.NotInUse"),
            Some("Target group is not configured to receive traffic from the load balancer"),
        ));
    };
    if !att.zones.contains(&view.availability_zone) {
        return Some((
            Unused,
            Some("Target.NotInUse"),
            Some("Target is in an Availability Zone that is not enabled for the load balancer"),
        ));
    }
    let registering = (
        Initial,
        Some("Elb.RegistrationInProgress"),
        Some("Target registration is in progress"),
    );
    let Some(running_since) = view.running_since else {
        return Some(registering);
    };
    if now < att.lb_active_at {
        return Some(registering);
    }
    let start = t
        .registered_at
        .max(running_since)
        .max(att.lb_active_at)
        .max(att.listener_since);
    let hc = &tg.health_check;
    let admits = groups_admit(st, &view.security_groups, hc.port_for(t.port), &att.groups);
    let checks = if admits {
        hc.healthy_threshold
    } else {
        hc.unhealthy_threshold
    };
    let due = start + Duration::from_secs(u64::from(hc.interval_secs) * u64::from(checks));
    if let Some(since) = st.elb.failing.get(&t.id).copied() {
        // The application stopped answering: unhealthy after the unhealthy threshold's
        // checks from then (or from the first check, if that is later).
        let failed_at =
            since.max(start) + Duration::from_secs(u64::from(hc.interval_secs) * u64::from(hc.unhealthy_threshold));
        if now >= failed_at {
            return Some((
                Unhealthy,
                Some("Target.ResponseCodeMismatch"),
                Some("Health checks failed with these codes: [500]"),
            ));
        }
    }
    Some(if now < due {
        (
            Initial,
            Some("Elb.InitialHealthChecking"),
            Some("Initial health checks in progress"),
        )
    } else if admits {
        (Healthy, None, None)
    } else {
        (Unhealthy, Some("Target.Timeout"), Some("Request timed out"))
    })
}

/// Settles the targets of target group `i` to `now` (dropping those that left) and returns
/// their health.
fn settle_targets(st: &mut SimState, cfg: &SimConfig, now: Instant, i: usize) -> Vec<(TargetRec, Eval)> {
    let (tg, delay, targets) = {
        let rec = &st.elb.tgs[i];
        (
            rec.tg.clone(),
            deregistration_delay(&rec.attributes),
            rec.targets.clone(),
        )
    };
    let att = attachment(st, cfg, &tg.arn);
    let mut kept = Vec::new();
    for t in targets {
        if let Some(e) = evaluate(st, cfg, now, &tg, delay, att.as_ref(), &t) {
            kept.push((t, e));
        }
    }
    st.elb.tgs[i].targets = kept.iter().map(|(t, _)| t.clone()).collect();
    kept
}

fn settle_all(st: &mut SimState, cfg: &SimConfig, now: Instant) {
    for i in 0..st.elb.tgs.len() {
        settle_targets(st, cfg, now, i);
    }
    st.elb.released.retain(|(_, at)| now < *at + cfg.load_balancer_release);
}

fn tg_view(st: &SimState, rec: &TgRec) -> TargetGroup {
    let mut tg = rec.tg.clone();
    tg.load_balancer_arns = Vec::new();
    for l in st.elb.listeners.iter().filter(|l| l.forwards_since(&tg.arn).is_some()) {
        if !tg.load_balancer_arns.contains(&l.listener.load_balancer_arn) {
            tg.load_balancer_arns.push(l.listener.load_balancer_arn.clone());
        }
    }
    tg
}

fn tg_index(st: &SimState, arn: &TargetGroupArn) -> Result<usize> {
    st.elb
        .tgs
        .iter()
        .position(|r| &r.tg.arn == arn)
        .ok_or_else(|| SimCloud::err(SVC, "TargetGroupNotFound", format!("Target groups '{arn}' not found")))
}

fn lb_index(st: &SimState, arn: &LoadBalancerArn) -> Result<usize> {
    st.elb
        .lbs
        .iter()
        .position(|r| &r.lb.arn == arn)
        .ok_or_else(|| lb_not_found(arn.as_str()))
}

/// Attributes with their defaults, from one of the tables above.
fn defaults(table: &[(&str, &str)]) -> Attributes {
    table.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// ModifyLoadBalancerAttributes / ModifyTargetGroupAttributes refuse a key they do not know.
fn known_keys(what: &str, table: &[(&str, &str)], attributes: &Attributes) -> Result<()> {
    match attributes.keys().find(|k| !table.iter().any(|(d, _)| d == k)) {
        Some(k) => Err(SimCloud::err(
            SVC,
            "ValidationError",
            format!("{what} attribute key '{k}' is not recognized"),
        )),
        None => Ok(()),
    }
}

fn lb_not_found(what: &str) -> crate::Error {
    SimCloud::err(
        SVC,
        "LoadBalancerNotFound",
        format!("Load balancers '{what}' not found"),
    )
}

fn not_found_for_arn(arn: &str) -> crate::Error {
    if arn.contains(":loadbalancer/") {
        lb_not_found(arn)
    } else if arn.contains(":targetgroup/") {
        SimCloud::err(SVC, "TargetGroupNotFound", format!("Target groups '{arn}' not found"))
    } else if arn.contains(":listener-rule/") {
        rule_not_found(arn)
    } else if arn.contains(":listener/") {
        SimCloud::err(
            SVC,
            "ListenerNotFound",
            format!("One or more listeners not found: '{arn}'"),
        )
    } else {
        SimCloud::err(
            SVC,
            "ValidationError",
            format!("'{arn}' is not a valid load balancer resource ARN"),
        )
    }
}

fn rule_not_found(arn: &str) -> crate::Error {
    SimCloud::err(SVC, "RuleNotFound", format!("One or more rules not found: '{arn}'"))
}

fn listener_not_found(arn: &str) -> crate::Error {
    SimCloud::err(
        SVC,
        "ListenerNotFound",
        format!("One or more listeners not found: '{arn}'"),
    )
}

/// The tags of the resource with `arn`, if it exists.
fn tags_of<'a>(st: &'a mut SimState, arn: &str) -> Option<&'a mut Tags> {
    if let Some(r) = st.elb.lbs.iter_mut().find(|r| r.lb.arn == arn) {
        return Some(&mut r.tags);
    }
    if let Some(r) = st.elb.tgs.iter_mut().find(|r| r.tg.arn == arn) {
        return Some(&mut r.tags);
    }
    for l in st.elb.listeners.iter_mut() {
        if l.listener.arn == arn {
            return Some(&mut l.tags);
        }
        if l.default_rule == arn {
            return Some(&mut l.default_rule_tags);
        }
        if let Some(r) = l.rules.iter_mut().find(|r| r.rule.arn == arn) {
            return Some(&mut r.tags);
        }
    }
    None
}

fn listener_index(st: &SimState, arn: &ListenerArn) -> Result<usize> {
    st.elb
        .listeners
        .iter()
        .position(|l| &l.listener.arn == arn)
        .ok_or_else(|| listener_not_found(arn.as_str()))
}

/// The listener and rule index (`None`: the default rule) of rule `arn`.
fn rule_index(st: &SimState, arn: &RuleArn) -> Result<(usize, Option<usize>)> {
    for (i, l) in st.elb.listeners.iter().enumerate() {
        if &l.default_rule == arn {
            return Ok((i, None));
        }
        if let Some(j) = l.rules.iter().position(|r| &r.rule.arn == arn) {
            return Ok((i, Some(j)));
        }
    }
    Err(rule_not_found(arn.as_str()))
}

/// The target groups of `actions` exist, are in the load balancer's VPC, and route from no
/// other load balancer (an Application Load Balancer target group serves one).
fn check_forwards(st: &SimState, cfg: &SimConfig, lb_arn: &LoadBalancerArn, actions: &[Action]) -> Result<()> {
    let lb_vpc = st
        .elb
        .lbs
        .iter()
        .find(|r| &r.lb.arn == lb_arn)
        .map(|r| r.lb.vpc_id.clone())
        .ok_or_else(|| lb_not_found(lb_arn.as_str()))?;
    for tg in actions.iter().flat_map(Action::target_groups) {
        let i = tg_index(st, tg)?;
        if st.elb.tgs[i].tg.vpc_id != lb_vpc {
            return Err(SimCloud::err(
                SVC,
                "ValidationError",
                format!(
                    "Target group '{tg}' is in VPC '{}', not in the load balancer's VPC '{lb_vpc}'",
                    st.elb.tgs[i].tg.vpc_id
                ),
            ));
        }
        if let Some(other) = attachment(st, cfg, tg)
            && &other.lb_arn != lb_arn
        {
            return Err(SimCloud::err(
                SVC,
                "TargetGroupAssociationLimit",
                format!("The following target groups cannot be associated with more than one load balancer: '{tg}'"),
            ));
        }
    }
    Ok(())
}

fn priority_in_use(p: u32) -> crate::Error {
    SimCloud::err(SVC, "PriorityInUse", format!("Priority '{p}' is currently in use"))
}

fn default_rule_not_permitted(what: &str) -> crate::Error {
    SimCloud::err(SVC, "OperationNotPermitted", format!("The default rule {what}"))
}

fn same_set<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// An Application Load Balancer needs subnets in at least two zones, one subnet per zone
/// (ELBv2 API reference, `CreateLoadBalancer` `Subnets`).
fn check_zones(zones: &[LoadBalancerZone]) -> Result<()> {
    let mut distinct: Vec<&AvailabilityZone> = zones.iter().map(|z| &z.zone).collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() < 2 {
        return Err(SimCloud::err(
            SVC,
            "ValidationError",
            "At least two subnets in two different Availability Zones must be specified",
        ));
    }
    if distinct.len() < zones.len() {
        return Err(SimCloud::err(
            SVC,
            "InvalidConfigurationRequest",
            "A load balancer cannot be attached to multiple subnets in the same Availability Zone",
        ));
    }
    Ok(())
}

pub(crate) fn inventory(st: &mut SimState, _now: Instant, inv: &mut Inventory) {
    for r in &st.elb.lbs {
        inv.add("load balancer", r.lb.arn.to_string());
    }
    for r in &st.elb.tgs {
        inv.add("target group", r.tg.arn.to_string());
    }
    for r in &st.elb.listeners {
        inv.add("listener", r.listener.arn.to_string());
        for rule in &r.rules {
            inv.add("rule", rule.rule.arn.to_string());
        }
    }
}

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl crate::elb::Elbv2 for SimCloud {
    async fn create_load_balancer(&self, req: CreateLoadBalancerRequest) -> Result<LoadBalancer> {
        req.validate()?;
        let cfg = &self.inner.config;
        // Without groups, AWS gives the load balancer its VPC's default security group.
        let mut groups = req.security_groups.clone();
        if groups.is_empty() {
            let vpc = {
                let st = self.lock();
                subnet_info(&st, &req.subnets[0]).map(|(_, vpc)| vpc)
            };
            if let Some(vpc) = vpc {
                let q = crate::ec2::DescribeSecurityGroupsRequest {
                    group_ids: Vec::new(),
                    group_names: vec!["default".into()],
                    vpc_id: Some(vpc),
                    tags: Tags::new(),
                };
                if let Ok(found) = crate::ec2::Ec2::describe_security_groups(self, q).await {
                    groups = found.into_iter().map(|g| g.id).take(1).collect();
                }
            }
        }
        let now = self.now();
        let mut st = self.lock();
        let mut zones: Vec<LoadBalancerZone> = Vec::new();
        let mut vpc_id: Option<VpcId> = None;
        for s in &req.subnets {
            let (zone, vpc) = subnet_info(&st, s)
                .ok_or_else(|| SimCloud::err(SVC, "SubnetNotFound", format!("The subnet ID '{s}' does not exist")))?;
            if vpc_id.as_ref().is_some_and(|v| *v != vpc) {
                return Err(SimCloud::err(
                    SVC,
                    "InvalidSubnet",
                    format!("Subnet '{s}' is not in the same VPC as the other subnets"),
                ));
            }
            vpc_id = Some(vpc);
            zones.push(LoadBalancerZone {
                zone,
                subnet_id: s.clone(),
            });
        }
        check_zones(&zones)?;
        for g in &groups {
            if !group_exists(&st, g) {
                return Err(SimCloud::err(
                    SVC,
                    "InvalidSecurityGroup",
                    format!("Security group '{g}' does not exist"),
                ));
            }
        }
        let vpc_id = vpc_id.expect("at least two subnets");
        if let Some(existing) = st.elb.lbs.iter().find(|r| r.lb.name == req.name) {
            let l = &existing.lb;
            let same = l.scheme == req.scheme
                && l.ip_address_type == req.ip_address_type
                && same_set(&l.security_groups, &groups)
                && same_set(
                    &l.availability_zones
                        .iter()
                        .map(|z| z.subnet_id.clone())
                        .collect::<Vec<_>>(),
                    &req.subnets,
                );
            return if same {
                Ok(lb_view(cfg, existing, now))
            } else {
                Err(SimCloud::err(
                    SVC,
                    "DuplicateLoadBalancerName",
                    format!(
                        "A load balancer with the same name '{}' exists, but with different settings",
                        req.name
                    ),
                ))
            };
        }
        let id = hex16(&mut st);
        let digits = st.next().wrapping_mul(0x9E37_79B9) % 9_000_000_000 + 1_000_000_000;
        let arn: LoadBalancerArn = format!(
            "arn:aws:elasticloadbalancing:{}:{}:loadbalancer/app/{}/{id}",
            cfg.region, cfg.account_id, req.name
        )
        .parse()?;
        let prefix = if req.scheme == Scheme::Internal {
            "internal-"
        } else {
            ""
        };
        let lb = LoadBalancer {
            arn,
            name: req.name.clone(),
            dns_name: format!("{prefix}{}-{digits}.{}.elb.amazonaws.com", req.name, cfg.region),
            scheme: req.scheme,
            state: LoadBalancerState::Provisioning,
            vpc_id,
            availability_zones: zones,
            security_groups: groups,
            ip_address_type: req.ip_address_type,
            created: Some(self.wall(now)),
        };
        let rec = LbRec {
            lb,
            created_at: now,
            tags: req.tags.clone(),
            attributes: defaults(LB_ATTRIBUTE_DEFAULTS),
        };
        let view = lb_view(cfg, &rec, now);
        st.elb.lbs.push(rec);
        Ok(view)
    }

    async fn describe_load_balancers(&self, req: DescribeLoadBalancersRequest) -> Result<Vec<LoadBalancer>> {
        req.validate()?;
        let cfg = &self.inner.config;
        let now = self.now();
        let st = self.lock();
        for a in &req.arns {
            if !st.elb.lbs.iter().any(|r| &r.lb.arn == a) {
                return Err(lb_not_found(a.as_str()));
            }
        }
        for n in &req.names {
            if !st.elb.lbs.iter().any(|r| &r.lb.name == n) {
                return Err(lb_not_found(n.as_str()));
            }
        }
        Ok(st
            .elb
            .lbs
            .iter()
            .filter(|r| {
                (req.arns.is_empty() || req.arns.contains(&r.lb.arn))
                    && (req.names.is_empty() || req.names.contains(&r.lb.name))
            })
            .map(|r| lb_view(cfg, r, now))
            .collect())
    }

    async fn delete_load_balancer(&self, arn: LoadBalancerArn) -> Result<()> {
        // ELBv2 API reference, DeleteLoadBalancer: "If the load balancer does not exist or has
        // already been deleted, the call succeeds."
        let cfg = &self.inner.config;
        let now = self.now();
        let mut st = self.lock();
        settle_all(&mut st, cfg, now);
        if let Some(i) = st.elb.lbs.iter().position(|r| r.lb.arn == arn) {
            if st.elb.lbs[i].attributes.get(DELETION_PROTECTION).map(String::as_str) == Some("true") {
                return Err(SimCloud::err(
                    SVC,
                    "OperationNotPermitted",
                    format!("Load balancer '{arn}' cannot be deleted because deletion protection is enabled"),
                ));
            }
            let rec = st.elb.lbs.remove(i);
            st.elb.listeners.retain(|l| l.listener.load_balancer_arn != arn);
            st.elb.released.push((rec.lb.security_groups, now));
        }
        Ok(())
    }

    async fn create_target_group(&self, req: CreateTargetGroupRequest) -> Result<TargetGroup> {
        req.validate()?;
        let cfg = &self.inner.config;
        let mut st = self.lock();
        if let Some(existing) = st.elb.tgs.iter().find(|r| r.tg.name == req.name) {
            let r = &existing.req;
            let same = r.protocol == req.protocol
                && r.port == req.port
                && r.vpc_id == req.vpc_id
                && r.target_type == req.target_type
                && r.health_check == req.health_check;
            return if same {
                Ok(tg_view(&st, existing))
            } else {
                Err(SimCloud::err(
                    SVC,
                    "DuplicateTargetGroupName",
                    format!(
                        "A target group with the same name '{}' exists, but with different settings",
                        req.name
                    ),
                ))
            };
        }
        let id = hex16(&mut st);
        let arn: TargetGroupArn = format!(
            "arn:aws:elasticloadbalancing:{}:{}:targetgroup/{}/{id}",
            cfg.region, cfg.account_id, req.name
        )
        .parse()?;
        let mut health_check = req.health_check.clone();
        health_check.timeout_secs = Some(health_check.effective_timeout_secs(&req.protocol));
        let tg = TargetGroup {
            arn,
            name: req.name.clone(),
            protocol: req.protocol.clone(),
            port: req.port,
            vpc_id: req.vpc_id.clone(),
            target_type: req.target_type.clone(),
            health_check,
            load_balancer_arns: Vec::new(),
        };
        let rec = TgRec {
            tg: tg.clone(),
            attributes: defaults(ATTRIBUTE_DEFAULTS),
            tags: req.tags.clone(),
            req,
            targets: Vec::new(),
        };
        st.elb.tgs.push(rec);
        Ok(tg)
    }

    async fn describe_target_groups(&self, req: DescribeTargetGroupsRequest) -> Result<Vec<TargetGroup>> {
        req.validate()?;
        let st = self.lock();
        for a in &req.arns {
            if !st.elb.tgs.iter().any(|r| &r.tg.arn == a) {
                return Err(SimCloud::err(
                    SVC,
                    "TargetGroupNotFound",
                    format!("Target groups '{a}' not found"),
                ));
            }
        }
        for n in &req.names {
            if !st.elb.tgs.iter().any(|r| &r.tg.name == n) {
                return Err(SimCloud::err(
                    SVC,
                    "TargetGroupNotFound",
                    format!("Target groups '{n}' not found"),
                ));
            }
        }
        if let Some(lb) = &req.load_balancer_arn
            && !st.elb.lbs.iter().any(|r| &r.lb.arn == lb)
        {
            return Err(lb_not_found(lb.as_str()));
        }
        Ok(st
            .elb
            .tgs
            .iter()
            .map(|r| tg_view(&st, r))
            .filter(|tg| {
                (req.arns.is_empty() || req.arns.contains(&tg.arn))
                    && (req.names.is_empty() || req.names.contains(&tg.name))
                    && req
                        .load_balancer_arn
                        .as_ref()
                        .is_none_or(|lb| tg.load_balancer_arns.contains(lb))
            })
            .collect())
    }

    async fn delete_target_group(&self, arn: TargetGroupArn) -> Result<()> {
        // DeleteTargetGroup models no not-found error: deleting a missing group succeeds.
        let mut st = self.lock();
        if st.elb.listeners.iter().any(|l| l.forwards_since(&arn).is_some()) {
            return Err(SimCloud::err(
                SVC,
                "ResourceInUse",
                format!("Target group '{arn}' is currently in use by a listener or a rule"),
            ));
        }
        st.elb.tgs.retain(|r| r.tg.arn != arn);
        Ok(())
    }

    async fn modify_load_balancer_attributes(
        &self,
        arn: LoadBalancerArn,
        attributes: Attributes,
    ) -> Result<Attributes> {
        validate_attributes(&attributes)?;
        let mut st = self.lock();
        let i = lb_index(&st, &arn)?;
        known_keys("Load balancer", LB_ATTRIBUTE_DEFAULTS, &attributes)?;
        let rec = &mut st.elb.lbs[i];
        rec.attributes.extend(attributes);
        Ok(rec.attributes.clone())
    }

    async fn describe_load_balancer_attributes(&self, arn: LoadBalancerArn) -> Result<Attributes> {
        let st = self.lock();
        let i = lb_index(&st, &arn)?;
        Ok(st.elb.lbs[i].attributes.clone())
    }

    async fn modify_target_group_attributes(&self, arn: TargetGroupArn, attributes: Attributes) -> Result<Attributes> {
        validate_attributes(&attributes)?;
        let mut st = self.lock();
        let i = tg_index(&st, &arn)?;
        known_keys("Target group", ATTRIBUTE_DEFAULTS, &attributes)?;
        let rec = &mut st.elb.tgs[i];
        rec.attributes.extend(attributes);
        Ok(rec.attributes.clone())
    }

    async fn describe_target_group_attributes(&self, arn: TargetGroupArn) -> Result<Attributes> {
        let st = self.lock();
        let i = tg_index(&st, &arn)?;
        Ok(st.elb.tgs[i].attributes.clone())
    }

    async fn register_targets(&self, arn: TargetGroupArn, targets: Vec<Target>) -> Result<()> {
        validate_targets(&targets)?;
        let cfg = &self.inner.config;
        let now = self.now();
        let mut st = self.lock();
        let i = tg_index(&st, &arn)?;
        settle_targets(&mut st, cfg, now, i);
        let (vpc, port) = (st.elb.tgs[i].tg.vpc_id.clone(), st.elb.tgs[i].tg.port);
        for t in &targets {
            let ok = instance_view(&mut st, cfg, &t.id, now).is_some_and(|v| {
                v.vpc_id == vpc && !matches!(v.state, InstanceState::Terminated | InstanceState::ShuttingDown)
            });
            if !ok {
                return Err(SimCloud::err(
                    SVC,
                    "InvalidTarget",
                    format!(
                        "The following targets are not valid instances in the target group's VPC or are terminated: '{}'",
                        t.id
                    ),
                ));
            }
        }
        let rec = &mut st.elb.tgs[i];
        for t in targets {
            let port = t.port.unwrap_or(port);
            match rec.targets.iter_mut().find(|r| r.id == t.id && r.port == port) {
                // Registering a draining target again brings it back.
                Some(r) if r.deregistered_at.is_some() => {
                    r.deregistered_at = None;
                    r.registered_at = now;
                }
                Some(_) => {}
                None => rec.targets.push(TargetRec {
                    id: t.id,
                    port,
                    registered_at: now,
                    deregistered_at: None,
                }),
            }
        }
        Ok(())
    }

    async fn deregister_targets(&self, arn: TargetGroupArn, targets: Vec<Target>) -> Result<()> {
        validate_targets(&targets)?;
        let cfg = &self.inner.config;
        let now = self.now();
        let mut st = self.lock();
        let i = tg_index(&st, &arn)?;
        settle_targets(&mut st, cfg, now, i);
        let in_use = attachment(&st, cfg, &arn).is_some();
        let rec = &mut st.elb.tgs[i];
        let port = rec.tg.port;
        for t in targets {
            let port = t.port.unwrap_or(port);
            // "If the specified target does not exist, the action returns successfully."
            if let Some(pos) = rec.targets.iter().position(|r| r.id == t.id && r.port == port) {
                if in_use {
                    let r = &mut rec.targets[pos];
                    r.deregistered_at.get_or_insert(now);
                } else {
                    // Nothing to drain when no load balancer sends traffic to the group.
                    rec.targets.remove(pos);
                }
            }
        }
        Ok(())
    }

    async fn describe_target_health(&self, arn: TargetGroupArn, targets: Vec<Target>) -> Result<Vec<TargetHealth>> {
        if !targets.is_empty() {
            validate_targets(&targets)?;
        }
        let cfg = &self.inner.config;
        let now = self.now();
        let mut st = self.lock();
        let i = tg_index(&st, &arn)?;
        let port = st.elb.tgs[i].tg.port;
        let settled = settle_targets(&mut st, cfg, now, i);
        let health = |t: &TargetRec, e: &Eval| TargetHealth {
            target: Target {
                id: t.id.clone(),
                port: Some(t.port),
            },
            state: e.0.clone(),
            reason: e.1.map(str::to_string),
            description: e.2.map(str::to_string),
        };
        if targets.is_empty() {
            return Ok(settled.iter().map(|(t, e)| health(t, e)).collect());
        }
        let mut out = Vec::new();
        for t in targets {
            let want = t.port.unwrap_or(port);
            match settled.iter().find(|(r, _)| r.id == t.id && r.port == want) {
                Some((r, e)) => out.push(health(r, e)),
                None => {
                    if instance_view(&mut st, cfg, &t.id, now).is_none() {
                        return Err(SimCloud::err(
                            SVC,
                            "InvalidTarget",
                            format!("The following targets are not valid instances: '{}'", t.id),
                        ));
                    }
                    out.push(TargetHealth {
                        target: Target {
                            id: t.id,
                            port: Some(want),
                        },
                        state: TargetHealthState::Unused,
                        reason: Some("Target.NotRegistered".into()),
                        description: Some("Target is not registered to the target group".into()),
                    });
                }
            }
        }
        Ok(out)
    }

    async fn create_listener(&self, req: CreateListenerRequest) -> Result<Listener> {
        req.validate()?;
        let cfg = &self.inner.config;
        let now = self.now();
        let mut st = self.lock();
        let lb = st
            .elb
            .lbs
            .iter()
            .find(|r| r.lb.arn == req.load_balancer_arn)
            .ok_or_else(|| lb_not_found(req.load_balancer_arn.as_str()))?;
        let _ = lb;
        let default_actions = req.default_actions();
        check_forwards(&st, cfg, &req.load_balancer_arn, &default_actions)?;
        // With no policy given the API applies ELBSecurityPolicy-2016-08 (ELB user guide,
        // "Security policies for your Application Load Balancer").
        let ssl_policy = match req.protocol {
            Protocol::Https => Some(
                req.ssl_policy
                    .clone()
                    .unwrap_or_else(|| "ELBSecurityPolicy-2016-08".to_string()),
            ),
            _ => None,
        };
        if let Some(existing) = st
            .elb
            .listeners
            .iter()
            .find(|l| l.listener.load_balancer_arn == req.load_balancer_arn && l.listener.port == req.port)
        {
            // CreateListener is idempotent: the same settings return the existing listener.
            let l = &existing.listener;
            let same = l.protocol == req.protocol
                && l.default_target_group == req.default_target_group
                && l.redirect_to_https == req.redirect_to_https
                && l.certificate_arn == req.certificate_arn
                && l.ssl_policy == ssl_policy;
            return if same {
                Ok(l.clone())
            } else {
                Err(SimCloud::err(
                    SVC,
                    "DuplicateListener",
                    format!(
                        "A listener already exists on port {} of load balancer '{}'",
                        req.port, req.load_balancer_arn
                    ),
                ))
            };
        }
        let id = hex16(&mut st);
        let lb_part = req.load_balancer_arn.dimension().to_string(); // app/NAME/ID
        let arn: ListenerArn = format!(
            "arn:aws:elasticloadbalancing:{}:{}:listener/{lb_part}/{id}",
            cfg.region, cfg.account_id
        )
        .parse()?;
        let rule_id = hex16(&mut st);
        let default_rule: RuleArn = format!(
            "{}/{rule_id}",
            arn.as_str().replacen(":listener/", ":listener-rule/", 1)
        )
        .parse()?;
        let mut listener = Listener {
            arn,
            load_balancer_arn: req.load_balancer_arn.clone(),
            protocol: req.protocol.clone(),
            port: req.port,
            default_target_group: None,
            redirect_to_https: None,
            certificate_arn: req.certificate_arn.clone(),
            ssl_policy,
            default_actions: Vec::new(),
        };
        set_default_actions(&mut listener, default_actions);
        st.elb.listeners.push(ListenerRec {
            listener: listener.clone(),
            default_since: now,
            tags: req.tags,
            default_rule,
            default_rule_tags: Tags::new(),
            rules: Vec::new(),
            certificates: Vec::new(),
        });
        Ok(listener)
    }

    async fn describe_listeners(&self, arn: LoadBalancerArn) -> Result<Vec<Listener>> {
        let st = self.lock();
        if !st.elb.lbs.iter().any(|r| r.lb.arn == arn) {
            return Err(lb_not_found(arn.as_str()));
        }
        Ok(st
            .elb
            .listeners
            .iter()
            .filter(|l| l.listener.load_balancer_arn == arn)
            .map(|l| l.listener.clone())
            .collect())
    }

    async fn delete_listener(&self, arn: ListenerArn) -> Result<()> {
        let cfg = &self.inner.config;
        let now = self.now();
        let mut st = self.lock();
        settle_all(&mut st, cfg, now);
        // The listener's rules go with it.
        let i = listener_index(&st, &arn)?;
        st.elb.listeners.remove(i);
        Ok(())
    }

    async fn describe_tags(&self, arns: Vec<String>) -> Result<Vec<ResourceTags>> {
        validate::non_empty("arns", &arns)?;
        let mut st = self.lock();
        let mut out = Vec::new();
        for arn in arns {
            let tags = tags_of(&mut st, &arn).ok_or_else(|| not_found_for_arn(&arn))?.clone();
            out.push(ResourceTags { arn, tags });
        }
        Ok(out)
    }

    async fn add_tags(&self, arns: Vec<String>, tags: Tags) -> Result<()> {
        validate_add_tags(&arns, &tags)?;
        let mut st = self.lock();
        for arn in &arns {
            let existing = tags_of(&mut st, arn).ok_or_else(|| not_found_for_arn(arn))?;
            let total = existing
                .keys()
                .chain(tags.keys().filter(|k| !existing.contains_key(*k)))
                .count();
            if total > 50 {
                return Err(SimCloud::err(
                    SVC,
                    "TooManyTags",
                    format!("Resource '{arn}' would have {total} tags; the limit is 50"),
                ));
            }
        }
        for arn in &arns {
            if let Some(existing) = tags_of(&mut st, arn) {
                existing.extend(tags.clone());
            }
        }
        Ok(())
    }

    async fn remove_tags(&self, arns: Vec<String>, keys: Vec<String>) -> Result<()> {
        validate_remove_tags(&arns, &keys)?;
        let mut st = self.lock();
        for arn in &arns {
            tags_of(&mut st, arn).ok_or_else(|| not_found_for_arn(arn))?;
        }
        for arn in &arns {
            if let Some(existing) = tags_of(&mut st, arn) {
                existing.retain(|k, _| !keys.contains(k));
            }
        }
        Ok(())
    }

    async fn create_rule(&self, req: CreateRuleRequest) -> Result<Rule> {
        req.validate()?;
        let cfg = &self.inner.config;
        let now = self.now();
        let mut st = self.lock();
        settle_all(&mut st, cfg, now);
        let i = listener_index(&st, &req.listener_arn)?;
        let l = &st.elb.listeners[i];
        if l.rules.iter().any(|r| r.rule.priority == Some(req.priority)) {
            return Err(priority_in_use(req.priority));
        }
        if l.rules.len() >= MAX_RULES_PER_LISTENER {
            return Err(SimCloud::err(
                SVC,
                "TooManyRules",
                format!("A listener can have at most {MAX_RULES_PER_LISTENER} rules besides its default rule"),
            ));
        }
        let lb_arn = l.listener.load_balancer_arn.clone();
        check_forwards(&st, cfg, &lb_arn, &req.actions)?;
        let id = hex16(&mut st);
        let arn: RuleArn = format!(
            "{}/{id}",
            req.listener_arn.as_str().replacen(":listener/", ":listener-rule/", 1)
        )
        .parse()?;
        let rule = Rule {
            arn,
            priority: Some(req.priority),
            is_default: false,
            conditions: req.conditions,
            actions: req.actions,
        };
        st.elb.listeners[i].rules.push(RuleRec {
            rule: rule.clone(),
            since: now,
            tags: req.tags,
        });
        Ok(rule)
    }

    async fn describe_rules(&self, req: DescribeRulesRequest) -> Result<Vec<Rule>> {
        req.validate()?;
        let st = self.lock();
        if let Some(l) = &req.listener_arn {
            let i = listener_index(&st, l)?;
            return Ok(st.elb.listeners[i].rules_view());
        }
        let mut out = Vec::new();
        for arn in &req.rule_arns {
            let (i, j) = rule_index(&st, arn)?;
            let l = &st.elb.listeners[i];
            out.push(match j {
                Some(j) => l.rules[j].rule.clone(),
                None => l.default_rule_view(),
            });
        }
        Ok(out)
    }

    async fn modify_rule(&self, req: ModifyRuleRequest) -> Result<Rule> {
        req.validate()?;
        let cfg = &self.inner.config;
        let now = self.now();
        let mut st = self.lock();
        settle_all(&mut st, cfg, now);
        let (i, j) = rule_index(&st, &req.rule_arn)?;
        if j.is_none() && req.conditions.is_some() {
            return Err(default_rule_not_permitted("has no conditions: they cannot be modified"));
        }
        if let Some(actions) = &req.actions {
            let lb_arn = st.elb.listeners[i].listener.load_balancer_arn.clone();
            check_forwards(&st, cfg, &lb_arn, actions)?;
        }
        let l = &mut st.elb.listeners[i];
        match j {
            None => {
                if let Some(actions) = req.actions {
                    set_default_actions(&mut l.listener, actions);
                    l.default_since = now;
                }
                Ok(l.default_rule_view())
            }
            Some(j) => {
                let r = &mut l.rules[j];
                if let Some(c) = req.conditions {
                    r.rule.conditions = c;
                }
                if let Some(a) = req.actions {
                    r.rule.actions = a;
                    r.since = now;
                }
                Ok(r.rule.clone())
            }
        }
    }

    async fn set_rule_priorities(&self, priorities: Vec<RulePriority>) -> Result<Vec<Rule>> {
        validate_rule_priorities(&priorities)?;
        let mut st = self.lock();
        let mut at = Vec::new();
        for p in &priorities {
            match rule_index(&st, &p.rule_arn)? {
                (_, None) => return Err(default_rule_not_permitted("'s priority cannot be set")),
                (i, Some(j)) => at.push((i, j, p.priority)),
            }
        }
        // The priorities after the change, per listener, must be distinct.
        for &(i, j, p) in &at {
            let l = &st.elb.listeners[i];
            let clash_kept = l.rules.iter().enumerate().any(|(k, r)| {
                k != j && r.rule.priority == Some(p) && !at.iter().any(|&(i2, j2, _)| i2 == i && j2 == k)
            });
            let clash_moved = at.iter().filter(|&&(i2, _, p2)| i2 == i && p2 == p).count() > 1;
            if clash_kept || clash_moved {
                return Err(priority_in_use(p));
            }
        }
        let mut out = Vec::new();
        for (i, j, p) in at {
            let r = &mut st.elb.listeners[i].rules[j];
            r.rule.priority = Some(p);
            out.push(r.rule.clone());
        }
        Ok(out)
    }

    async fn delete_rule(&self, arn: RuleArn) -> Result<()> {
        let cfg = &self.inner.config;
        let now = self.now();
        let mut st = self.lock();
        settle_all(&mut st, cfg, now);
        match rule_index(&st, &arn)? {
            (_, None) => Err(default_rule_not_permitted("cannot be deleted")),
            (i, Some(j)) => {
                st.elb.listeners[i].rules.remove(j);
                Ok(())
            }
        }
    }

    async fn modify_listener(&self, req: ModifyListenerRequest) -> Result<Listener> {
        req.validate()?;
        let cfg = &self.inner.config;
        let now = self.now();
        let mut st = self.lock();
        settle_all(&mut st, cfg, now);
        let i = listener_index(&st, &req.listener_arn)?;
        let current = st.elb.listeners[i].listener.clone();
        let protocol = req.protocol.clone().unwrap_or(current.protocol.clone());
        let port = req.port.unwrap_or(current.port);
        if st.elb.listeners.iter().any(|l| {
            l.listener.load_balancer_arn == current.load_balancer_arn
                && l.listener.port == port
                && l.listener.arn != current.arn
        }) {
            return Err(SimCloud::err(
                SVC,
                "DuplicateListener",
                format!(
                    "A listener already exists on port {port} of load balancer '{}'",
                    current.load_balancer_arn
                ),
            ));
        }
        // ModifyListener: "Changing the protocol from HTTPS to HTTP ... removes the security
        // policy and default certificate properties. If you change the protocol from HTTP to
        // HTTPS ... you must add the security policy and default certificate properties."
        let (certificate_arn, ssl_policy) = match protocol {
            Protocol::Https => {
                let cert = req
                    .certificate_arn
                    .clone()
                    .or(current.certificate_arn.clone())
                    .ok_or_else(|| {
                        SimCloud::err(
                            SVC,
                            "ValidationError",
                            "A certificate must be specified for HTTPS listeners",
                        )
                    })?;
                let policy = req
                    .ssl_policy
                    .clone()
                    .or(current.ssl_policy.clone())
                    .unwrap_or_else(|| "ELBSecurityPolicy-2016-08".to_string());
                (Some(cert), Some(policy))
            }
            _ => {
                if req.certificate_arn.is_some() || req.ssl_policy.is_some() {
                    return Err(SimCloud::err(
                        SVC,
                        "ValidationError",
                        "Certificates and SSL policies are only for HTTPS listeners",
                    ));
                }
                (None, None)
            }
        };
        if let Some(actions) = &req.default_actions {
            check_forwards(&st, cfg, &current.load_balancer_arn, actions)?;
        }
        let rec = &mut st.elb.listeners[i];
        let l = &mut rec.listener;
        l.protocol = protocol;
        l.port = port;
        l.certificate_arn = certificate_arn;
        l.ssl_policy = ssl_policy;
        if l.certificate_arn.is_none() {
            rec.certificates.clear();
        }
        if let Some(actions) = req.default_actions {
            set_default_actions(&mut rec.listener, actions);
            rec.default_since = now;
        }
        Ok(rec.listener.clone())
    }

    async fn add_listener_certificates(
        &self,
        arn: ListenerArn,
        certificates: Vec<Arn>,
    ) -> Result<Vec<ListenerCertificate>> {
        validate_certificates(&certificates)?;
        let mut st = self.lock();
        let i = listener_index(&st, &arn)?;
        let rec = &mut st.elb.listeners[i];
        let new = certificates.iter().filter(|c| !rec.certificates.contains(c)).count();
        // ALB quota "Certificates per Application Load Balancer (excluding default
        // certificates)": 25.
        if rec.certificates.len() + new > 25 {
            return Err(SimCloud::err(
                SVC,
                "TooManyCertificates",
                "A listener can have at most 25 certificates besides its default certificate",
            ));
        }
        for c in &certificates {
            if !rec.certificates.contains(c) {
                rec.certificates.push(c.clone());
            }
        }
        Ok(certificates
            .into_iter()
            .map(|arn| ListenerCertificate { arn, is_default: false })
            .collect())
    }

    async fn remove_listener_certificates(&self, arn: ListenerArn, certificates: Vec<Arn>) -> Result<()> {
        validate_certificates(&certificates)?;
        let mut st = self.lock();
        let i = listener_index(&st, &arn)?;
        let rec = &mut st.elb.listeners[i];
        if let Some(d) = &rec.listener.certificate_arn
            && certificates.contains(d)
        {
            return Err(SimCloud::err(
                SVC,
                "OperationNotPermitted",
                format!("The default certificate '{d}' cannot be removed from the listener"),
            ));
        }
        rec.certificates.retain(|c| !certificates.contains(c));
        Ok(())
    }

    async fn describe_listener_certificates(&self, arn: ListenerArn) -> Result<Vec<ListenerCertificate>> {
        let st = self.lock();
        let i = listener_index(&st, &arn)?;
        let rec = &st.elb.listeners[i];
        let default = rec.listener.certificate_arn.iter().map(|c| ListenerCertificate {
            arn: c.clone(),
            is_default: true,
        });
        let list = rec.certificates.iter().map(|c| ListenerCertificate {
            arn: c.clone(),
            is_default: false,
        });
        Ok(default.chain(list).collect())
    }
}

// ---------------------------------------------------------------------------------------------
// Contract with the other simulated services (EC2, CloudWatch). Signatures are fixed; the
// ELBv2 simulator owns the bodies.

/// Security groups held by load balancers (live ones, and deleted ones whose network
/// interfaces have not yet been released, see `SimConfig::load_balancer_release`) at `now`:
/// deleting one of them answers `DependencyViolation`.
#[allow(dead_code)]
pub(crate) fn groups_in_use(
    st: &mut SimState,
    cfg: &super::SimConfig,
    now: Instant,
) -> Vec<crate::id::SecurityGroupId> {
    st.elb.released.retain(|(_, at)| now < *at + cfg.load_balancer_release);
    let mut out: Vec<SecurityGroupId> = Vec::new();
    let live = st.elb.lbs.iter().flat_map(|r| r.lb.security_groups.iter());
    let released = st.elb.released.iter().flat_map(|(g, _)| g.iter());
    for g in live.chain(released) {
        if !out.contains(g) {
            out.push(g.clone());
        }
    }
    out
}

/// Per target group attached to an active load balancer, at `now`: the CloudWatch
/// dimensions and host counts that AWS/ApplicationELB publishes.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub(crate) struct TargetGroupMetrics {
    /// `app/NAME/ID`.
    pub load_balancer: String,
    /// `targetgroup/NAME/ID`.
    pub target_group: String,
    pub healthy: u32,
    pub unhealthy: u32,
    /// The healthy targets.
    pub healthy_ids: Vec<InstanceId>,
}

/// Host counts for every target group behind a load balancer, settled to `now`.
#[allow(dead_code)]
pub(crate) fn target_group_metrics(st: &mut SimState, cfg: &super::SimConfig, now: Instant) -> Vec<TargetGroupMetrics> {
    let mut out = Vec::new();
    for i in 0..st.elb.tgs.len() {
        let settled = settle_targets(st, cfg, now, i);
        let arn = st.elb.tgs[i].tg.arn.clone();
        let Some(att) = attachment(st, cfg, &arn) else {
            continue;
        };
        if now < att.lb_active_at {
            continue;
        }
        let count = |s: TargetHealthState| settled.iter().filter(|(_, e)| e.0 == s).count() as u32;
        out.push(TargetGroupMetrics {
            load_balancer: att.lb_arn.dimension().to_string(),
            target_group: arn.dimension().to_string(),
            healthy: count(TargetHealthState::Healthy),
            unhealthy: count(TargetHealthState::Unhealthy),
            healthy_ids: settled
                .iter()
                .filter(|(_, e)| e.0 == TargetHealthState::Healthy)
                .map(|(t, _)| t.id.clone())
                .collect(),
        });
    }
    out
}

/// For Auto Scaling: the health of every target of target group `arn` at `now` (empty for
/// a group that does not exist).
pub(crate) fn target_states(
    st: &mut SimState,
    cfg: &super::SimConfig,
    now: Instant,
    arn: &TargetGroupArn,
) -> Vec<(InstanceId, TargetHealthState)> {
    let Some(i) = st.elb.tgs.iter().position(|r| &r.tg.arn == arn) else {
        return Vec::new();
    };
    settle_targets(st, cfg, now, i)
        .into_iter()
        .map(|(t, e)| (t.id, e.0))
        .collect()
}

/// Whether target group `arn` exists.
pub(crate) fn target_group_exists(st: &SimState, arn: &TargetGroupArn) -> bool {
    st.elb.tgs.iter().any(|r| &r.tg.arn == arn)
}

/// The tags of the load balancer, target group or listener `arn`, `None` if there is none.
pub(crate) fn resource_tags(st: &SimState, arn: &str) -> Option<Tags> {
    let elb = &st.elb;
    elb.lbs
        .iter()
        .find(|r| r.lb.arn.as_str() == arn)
        .map(|r| r.tags.clone())
        .or_else(|| {
            elb.tgs
                .iter()
                .find(|r| r.tg.arn.as_str() == arn)
                .map(|r| r.tags.clone())
        })
        .or_else(|| {
            elb.listeners.iter().find_map(|l| {
                if l.listener.arn.as_str() == arn {
                    Some(l.tags.clone())
                } else if l.default_rule.as_str() == arn {
                    Some(l.default_rule_tags.clone())
                } else {
                    l.rules
                        .iter()
                        .find(|r| r.rule.arn.as_str() == arn)
                        .map(|r| r.tags.clone())
                }
            })
        })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::Cloud;
    use crate::ec2::{AuthorizeIngressRequest, CreateSecurityGroupRequest, IngressSource, RunInstancesRequest, Subnet};
    use crate::error::ErrorKind;

    // ---- pure logic (no EC2 needed) ----

    fn zone(az: &str, n: u8) -> LoadBalancerZone {
        LoadBalancerZone {
            zone: az.parse().unwrap(),
            subnet_id: format!("subnet-0000000{n}").parse().unwrap(),
        }
    }

    #[test]
    fn two_zones_rule() {
        let e = check_zones(&[zone("us-east-1a", 1), zone("us-east-1a", 2)]).unwrap_err();
        assert_eq!(e.code(), Some("ValidationError"));
        assert!(e.to_string().contains("two different Availability Zones"), "{e}");
        let e = check_zones(&[zone("us-east-1a", 1), zone("us-east-1b", 2), zone("us-east-1a", 3)]).unwrap_err();
        assert_eq!(e.code(), Some("InvalidConfigurationRequest"));
        assert!(check_zones(&[zone("us-east-1a", 1), zone("us-east-1b", 2)]).is_ok());
    }

    #[test]
    fn deregistration_delay_defaults_to_300() {
        assert_eq!(deregistration_delay(&Attributes::new()), Duration::from_secs(300));
        let a = Attributes::from([(DEREGISTRATION_DELAY.to_string(), "15".to_string())]);
        assert_eq!(deregistration_delay(&a), Duration::from_secs(15));
    }

    fn tg_req(name: &str, port: u16) -> CreateTargetGroupRequest {
        CreateTargetGroupRequest::builder()
            .name(name.parse().unwrap())
            .port(port)
            .vpc_id("vpc-12345678".parse().unwrap())
            .build()
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn target_groups_are_idempotent_by_name() {
        let elb = SimCloud::new();
        let a = elb.create_target_group(tg_req("web-tg", 8080)).await.unwrap();
        assert!(
            a.arn
                .as_str()
                .starts_with("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/")
        );
        assert_eq!(a.arn.as_str().rsplit('/').next().unwrap().len(), 16);
        assert_eq!(a.health_check.timeout_secs, Some(6), "AWS's HTTP default is filled in");
        let b = elb.create_target_group(tg_req("web-tg", 8080)).await.unwrap();
        assert_eq!(a.arn, b.arn);
        let e = elb.create_target_group(tg_req("web-tg", 9090)).await.unwrap_err();
        assert_eq!(e.code(), Some("DuplicateTargetGroupName"));
        assert_eq!(e.kind(), ErrorKind::Conflict);
        let all = elb.describe_target_groups(Default::default()).await.unwrap();
        assert_eq!(all.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn target_group_attributes_tags_and_not_found() {
        let elb = SimCloud::new();
        let tg = elb.create_target_group(tg_req("web-tg", 8080)).await.unwrap();
        let attrs = elb.describe_target_group_attributes(tg.arn.clone()).await.unwrap();
        assert_eq!(attrs[DEREGISTRATION_DELAY], "300");
        let set = Attributes::from([(DEREGISTRATION_DELAY.to_string(), "30".to_string())]);
        let attrs = elb.modify_target_group_attributes(tg.arn.clone(), set).await.unwrap();
        assert_eq!(attrs[DEREGISTRATION_DELAY], "30");
        assert_eq!(attrs["stickiness.enabled"], "false");
        let bad = Attributes::from([("nope".to_string(), "1".to_string())]);
        let e = elb
            .modify_target_group_attributes(tg.arn.clone(), bad)
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("ValidationError"));

        elb.add_tags(vec![tg.arn.to_string()], Tags::from([("app".into(), "web".into())]))
            .await
            .unwrap();
        let tags = elb.describe_tags(vec![tg.arn.to_string()]).await.unwrap();
        assert_eq!(tags[0].tags["app"], "web");

        let gone: TargetGroupArn = tg.arn.as_str().replace("web-tg/", "web-xx/").parse().unwrap();
        let e = elb.describe_tags(vec![gone.to_string()]).await.unwrap_err();
        assert_eq!(e.code(), Some("TargetGroupNotFound"));
        let e = elb.describe_target_group_attributes(gone.clone()).await.unwrap_err();
        assert!(e.is_not_found());
        let e = elb
            .describe_target_groups(
                DescribeTargetGroupsRequest::builder()
                    .arns(vec![gone.clone()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("TargetGroupNotFound"));
        let lb: LoadBalancerArn =
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/none/0000000000000000"
                .parse()
                .unwrap();
        let e = elb.describe_tags(vec![lb.to_string()]).await.unwrap_err();
        assert_eq!(e.code(), Some("LoadBalancerNotFound"));
        // DeleteLoadBalancer and DeleteTargetGroup succeed for missing resources.
        elb.delete_load_balancer(lb).await.unwrap();
        elb.delete_target_group(gone).await.unwrap();
        elb.delete_target_group(tg.arn).await.unwrap();
        assert!(elb.inventory().is_empty());
    }

    // ---- through the EC2 simulator (instances, subnets and groups made through `Ec2`) ----

    struct World {
        sim: SimCloud,
        cloud: Cloud,
        vpc: VpcId,
        subnets: Vec<Subnet>,
        lb_sg: SecurityGroupId,
    }

    async fn world() -> World {
        let sim = SimCloud::new();
        let cloud = sim.cloud();
        let vpc = cloud.ec2.default_vpc().await.unwrap().id;
        let mut subnets = cloud.ec2.describe_subnets(vpc.clone()).await.unwrap();
        subnets.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
        subnets.dedup_by(|a, b| a.availability_zone == b.availability_zone);
        assert!(subnets.len() >= 2);
        let lb_sg = group(&cloud, "lb", &vpc).await;
        cloud
            .ec2
            .authorize_ingress(
                AuthorizeIngressRequest::builder()
                    .group_id(lb_sg.clone())
                    .from_port(80)
                    .source(IngressSource::Cidr("0.0.0.0/0".into()))
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        World {
            sim,
            cloud,
            vpc,
            subnets,
            lb_sg,
        }
    }

    async fn group(cloud: &Cloud, name: &str, vpc: &VpcId) -> SecurityGroupId {
        cloud
            .ec2
            .create_security_group(
                CreateSecurityGroupRequest::builder()
                    .name(name)
                    .description(name)
                    .vpc_id(vpc.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap()
    }

    impl World {
        fn lb_req(&self, name: &str) -> CreateLoadBalancerRequest {
            CreateLoadBalancerRequest::builder()
                .name(name.parse().unwrap())
                .subnets(self.subnets[..2].iter().map(|s| s.id.clone()).collect())
                .security_groups(vec![self.lb_sg.clone()])
                .build()
                .unwrap()
        }

        fn tg_req(&self, name: &str) -> CreateTargetGroupRequest {
            CreateTargetGroupRequest::builder()
                .name(name.parse().unwrap())
                .port(8080)
                .vpc_id(self.vpc.clone())
                .build()
                .unwrap()
        }

        /// An instance in the first subnet whose group admits 8080 from the load balancer's
        /// group (or not).
        async fn instance(&self, admitted: bool) -> InstanceId {
            let sg = group(&self.cloud, if admitted { "web-ok" } else { "web-closed" }, &self.vpc).await;
            if admitted {
                self.cloud
                    .ec2
                    .authorize_ingress(
                        AuthorizeIngressRequest::builder()
                            .group_id(sg.clone())
                            .from_port(8080)
                            .source(IngressSource::Group(self.lb_sg.clone()))
                            .build()
                            .unwrap(),
                    )
                    .await
                    .unwrap();
            }
            let image = self
                .cloud
                .ec2
                .describe_images(Default::default())
                .await
                .unwrap()
                .remove(0);
            let req = RunInstancesRequest::builder()
                .image_id(image.id)
                .instance_type("t3.micro".parse().unwrap())
                .subnet_id(self.subnets[0].id.clone())
                .security_group_ids(vec![sg])
                .build()
                .unwrap();
            self.cloud.ec2.run_instances(req).await.unwrap().remove(0).id
        }

        /// LB + TG + HTTP:80 listener, all created now.
        async fn stack(&self) -> (LoadBalancer, TargetGroup, Listener) {
            let lb = self.cloud.elb.create_load_balancer(self.lb_req("web")).await.unwrap();
            let tg = self.cloud.elb.create_target_group(self.tg_req("web-tg")).await.unwrap();
            let l = self
                .cloud
                .elb
                .create_listener(
                    CreateListenerRequest::builder()
                        .load_balancer_arn(lb.arn.clone())
                        .port(80)
                        .default_target_group(tg.arn.clone())
                        .build()
                        .unwrap(),
                )
                .await
                .unwrap();
            (lb, tg, l)
        }

        async fn health(&self, tg: &TargetGroup) -> Vec<(TargetHealthState, Option<String>)> {
            self.cloud
                .elb
                .describe_target_health(tg.arn.clone(), vec![])
                .await
                .unwrap()
                .into_iter()
                .map(|h| (h.state, h.reason))
                .collect()
        }
    }

    fn one(state: TargetHealthState, reason: Option<&str>) -> Vec<(TargetHealthState, Option<String>)> {
        vec![(state, reason.map(str::to_string))]
    }

    #[tokio::test(start_paused = true)]
    async fn load_balancer_provisions_then_turns_active() {
        let w = world().await;
        let lb = w.cloud.elb.create_load_balancer(w.lb_req("web")).await.unwrap();
        assert_eq!(lb.state, LoadBalancerState::Provisioning);
        assert!(
            lb.arn
                .as_str()
                .starts_with("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/")
        );
        assert!(
            lb.dns_name.starts_with("web-") && lb.dns_name.ends_with(".us-east-1.elb.amazonaws.com"),
            "{}",
            lb.dns_name
        );
        assert_eq!(lb.vpc_id, w.vpc);
        assert_eq!(lb.availability_zones.len(), 2);
        assert!(lb.created.is_some());
        let describe = || async {
            w.cloud
                .elb
                .describe_load_balancers(
                    DescribeLoadBalancersRequest::builder()
                        .arns(vec![lb.arn.clone()])
                        .build()
                        .unwrap(),
                )
                .await
                .unwrap()
                .remove(0)
                .state
        };
        tokio::time::advance(Duration::from_secs(119)).await;
        assert_eq!(describe().await, LoadBalancerState::Provisioning);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(describe().await, LoadBalancerState::Active);
        let e = w
            .cloud
            .elb
            .describe_load_balancers(
                DescribeLoadBalancersRequest::builder()
                    .names(vec!["nope".parse().unwrap()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("LoadBalancerNotFound"));
    }

    #[tokio::test(start_paused = true)]
    async fn load_balancer_names_are_idempotent_or_duplicate() {
        let w = world().await;
        let a = w.cloud.elb.create_load_balancer(w.lb_req("web")).await.unwrap();
        let b = w.cloud.elb.create_load_balancer(w.lb_req("web")).await.unwrap();
        assert_eq!(a.arn, b.arn);
        let mut other = w.lb_req("web");
        other.scheme = Scheme::Internal;
        let e = w.cloud.elb.create_load_balancer(other).await.unwrap_err();
        assert_eq!(e.code(), Some("DuplicateLoadBalancerName"));
        assert_eq!(w.sim.inventory().count("load balancer"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn load_balancer_checks_subnets_and_groups() {
        let w = world().await;
        let mut req = w.lb_req("web");
        req.subnets[1] = "subnet-0123456789abcdef0".parse().unwrap();
        let e = w.cloud.elb.create_load_balancer(req).await.unwrap_err();
        assert_eq!(e.code(), Some("SubnetNotFound"));
        let mut req = w.lb_req("web");
        req.security_groups = vec!["sg-0123456789abcdef0".parse().unwrap()];
        let e = w.cloud.elb.create_load_balancer(req).await.unwrap_err();
        assert_eq!(e.code(), Some("InvalidSecurityGroup"));
        let mut req = w.lb_req("web");
        req.subnets.truncate(1);
        let e = w.cloud.elb.create_load_balancer(req).await.unwrap_err();
        assert!(e.is_validation(), "hand-made invalid requests are refused: {e}");
    }

    #[tokio::test(start_paused = true)]
    async fn target_turns_healthy_after_initial_checks() {
        let w = world().await;
        let i = w.instance(true).await;
        let (_, tg, _) = w.stack().await;
        w.cloud
            .elb
            .register_targets(tg.arn.clone(), vec![Target::instance(i.clone())])
            .await
            .unwrap();
        // The load balancer is still provisioning.
        assert_eq!(
            w.health(&tg).await,
            one(TargetHealthState::Initial, Some("Elb.RegistrationInProgress"))
        );
        // Active at 120 s; then 5 checks 30 s apart: healthy at 270 s.
        tokio::time::advance(Duration::from_secs(121)).await;
        assert_eq!(
            w.health(&tg).await,
            one(TargetHealthState::Initial, Some("Elb.InitialHealthChecking"))
        );
        tokio::time::advance(Duration::from_secs(148)).await;
        assert_eq!(w.health(&tg).await[0].0, TargetHealthState::Initial);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(w.health(&tg).await, one(TargetHealthState::Healthy, None));
        let m = {
            let mut st = w.sim.lock();
            target_group_metrics(&mut st, w.sim.config(), w.sim.now())
        };
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].healthy, m[0].unhealthy), (1, 0));
        assert_eq!(m[0].target_group, tg.arn.dimension());
        let tgs = w
            .cloud
            .elb
            .describe_target_groups(DescribeTargetGroupsRequest::builder().build().unwrap())
            .await
            .unwrap();
        assert_eq!(tgs[0].load_balancer_arns.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn target_is_unhealthy_when_its_group_does_not_admit_the_load_balancer() {
        let w = world().await;
        let i = w.instance(false).await;
        let (_, tg, _) = w.stack().await;
        w.cloud
            .elb
            .register_targets(tg.arn.clone(), vec![Target::instance(i)])
            .await
            .unwrap();
        // Active at 120 s; 2 failed checks 30 s apart: unhealthy at 180 s.
        tokio::time::advance(Duration::from_secs(179)).await;
        assert_eq!(w.health(&tg).await[0].0, TargetHealthState::Initial);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(
            w.health(&tg).await,
            one(TargetHealthState::Unhealthy, Some("Target.Timeout"))
        );
        let m = {
            let mut st = w.sim.lock();
            target_group_metrics(&mut st, w.sim.config(), w.sim.now())
        };
        assert_eq!((m[0].healthy, m[0].unhealthy), (0, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn unused_without_a_listener_and_draining_for_the_delay() {
        let w = world().await;
        let i = w.instance(true).await;
        let tg = w.cloud.elb.create_target_group(w.tg_req("web-tg")).await.unwrap();
        w.cloud
            .elb
            .register_targets(tg.arn.clone(), vec![Target::instance(i.clone())])
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(
            w.health(&tg).await,
            one(TargetHealthState::Unused, Some("Target.NotInUse"))
        );
        let lb = w.cloud.elb.create_load_balancer(w.lb_req("web")).await.unwrap();
        w.cloud
            .elb
            .create_listener(
                CreateListenerRequest::builder()
                    .load_balancer_arn(lb.arn.clone())
                    .port(80)
                    .default_target_group(tg.arn.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(300)).await;
        assert_eq!(w.health(&tg).await[0].0, TargetHealthState::Healthy);
        let delay = Attributes::from([(DEREGISTRATION_DELAY.to_string(), "45".to_string())]);
        w.cloud
            .elb
            .modify_target_group_attributes(tg.arn.clone(), delay)
            .await
            .unwrap();
        w.cloud
            .elb
            .deregister_targets(tg.arn.clone(), vec![Target::instance(i.clone())])
            .await
            .unwrap();
        assert_eq!(
            w.health(&tg).await,
            one(TargetHealthState::Draining, Some("Target.DeregistrationInProgress"))
        );
        tokio::time::advance(Duration::from_secs(44)).await;
        assert_eq!(w.health(&tg).await[0].0, TargetHealthState::Draining);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(w.health(&tg).await.is_empty());
        let asked = w
            .cloud
            .elb
            .describe_target_health(tg.arn.clone(), vec![Target::instance(i)])
            .await
            .unwrap();
        assert_eq!(asked[0].reason.as_deref(), Some("Target.NotRegistered"));
    }

    #[tokio::test(start_paused = true)]
    async fn terminated_targets_fail_then_leave() {
        let w = world().await;
        let i = w.instance(true).await;
        let (_, tg, _) = w.stack().await;
        w.cloud
            .elb
            .register_targets(tg.arn.clone(), vec![Target::instance(i.clone())])
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(300)).await;
        assert_eq!(w.health(&tg).await[0].0, TargetHealthState::Healthy);
        w.cloud.ec2.terminate_instances(vec![i.clone()]).await.unwrap();
        assert_eq!(
            w.health(&tg).await,
            one(TargetHealthState::Unhealthy, Some("Target.FailedHealthChecks"))
        );
        tokio::time::advance(w.sim.config().instance_shutdown).await;
        assert_eq!(
            w.health(&tg).await,
            one(TargetHealthState::Unused, Some("Target.InvalidState"))
        );
        tokio::time::advance(w.sim.config().terminated_visible + Duration::from_secs(1)).await;
        assert!(w.health(&tg).await.is_empty());
        let e = w
            .cloud
            .elb
            .register_targets(tg.arn.clone(), vec![Target::instance(i)])
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidTarget"));
    }

    #[tokio::test(start_paused = true)]
    async fn listener_rules_and_resource_in_use() {
        let w = world().await;
        let (lb, tg, l) = w.stack().await;
        assert!(l.arn.as_str().starts_with(&format!(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/{}/",
            lb.arn.dimension()
        )));
        let req = |port: u16, tg: &TargetGroupArn| {
            CreateListenerRequest::builder()
                .load_balancer_arn(lb.arn.clone())
                .port(port)
                .default_target_group(tg.clone())
                .build()
                .unwrap()
        };
        // Same settings: the same listener. Another target group on the same port: duplicate.
        assert_eq!(w.cloud.elb.create_listener(req(80, &tg.arn)).await.unwrap().arn, l.arn);
        let tg2 = w.cloud.elb.create_target_group(w.tg_req("api-tg")).await.unwrap();
        let e = w.cloud.elb.create_listener(req(80, &tg2.arn)).await.unwrap_err();
        assert_eq!(e.code(), Some("DuplicateListener"));
        let missing: TargetGroupArn = tg.arn.as_str().replace("web-tg/", "gone-tg/").parse().unwrap();
        let e = w.cloud.elb.create_listener(req(81, &missing)).await.unwrap_err();
        assert_eq!(e.code(), Some("TargetGroupNotFound"));
        // One target group per load balancer.
        let lb2 = w.cloud.elb.create_load_balancer(w.lb_req("web2")).await.unwrap();
        let e = w
            .cloud
            .elb
            .create_listener(
                CreateListenerRequest::builder()
                    .load_balancer_arn(lb2.arn.clone())
                    .port(80)
                    .default_target_group(tg.arn.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("TargetGroupAssociationLimit"));
        // HTTPS with a certificate.
        let cert: Arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc".parse().unwrap();
        let https = w
            .cloud
            .elb
            .create_listener(
                CreateListenerRequest::builder()
                    .load_balancer_arn(lb.arn.clone())
                    .protocol(Protocol::Https)
                    .port(443)
                    .certificate_arn(cert)
                    .default_target_group(tg2.arn.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(https.ssl_policy.is_some());
        assert_eq!(w.cloud.elb.describe_listeners(lb.arn.clone()).await.unwrap().len(), 2);
        // A target group behind a listener cannot be deleted.
        let e = w.cloud.elb.delete_target_group(tg.arn.clone()).await.unwrap_err();
        assert_eq!(e.code(), Some("ResourceInUse"));
        assert!(e.is_dependency_violation());
        w.cloud.elb.delete_listener(l.arn.clone()).await.unwrap();
        let e = w.cloud.elb.delete_listener(l.arn).await.unwrap_err();
        assert_eq!(e.code(), Some("ListenerNotFound"));
        w.cloud.elb.delete_target_group(tg.arn).await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_group_only_a_rule_forwards_to_is_in_use_and_health_checked() {
        let w = world().await;
        let i = w.instance(true).await;
        let (lb, _, l) = w.stack().await;
        let tg2 = w.cloud.elb.create_target_group(w.tg_req("api-tg")).await.unwrap();
        w.cloud
            .elb
            .register_targets(tg2.arn.clone(), vec![Target::instance(i)])
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(300)).await;
        assert_eq!(
            w.health(&tg2).await,
            one(TargetHealthState::Unused, Some("Target.NotInUse"))
        );
        let req = |p: u32| {
            CreateRuleRequest::builder()
                .listener_arn(l.arn.clone())
                .priority(p)
                .conditions(vec![RuleCondition::path_pattern(["/api/*"])])
                .actions(vec![Action::weighted_forward([(tg2.arn.clone(), 1)])])
                .build()
                .unwrap()
        };
        let rule = w.cloud.elb.create_rule(req(1)).await.unwrap();
        assert_eq!(
            w.cloud.elb.create_rule(req(1)).await.unwrap_err().code(),
            Some("PriorityInUse")
        );
        assert_eq!(w.health(&tg2).await[0].0, TargetHealthState::Initial);
        tokio::time::advance(Duration::from_secs(150)).await;
        assert_eq!(w.health(&tg2).await, one(TargetHealthState::Healthy, None));
        let tgs = w
            .cloud
            .elb
            .describe_target_groups(
                DescribeTargetGroupsRequest::builder()
                    .arns(vec![tg2.arn.clone()])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(tgs[0].load_balancer_arns, vec![lb.arn.clone()]);
        let e = w.cloud.elb.delete_target_group(tg2.arn.clone()).await.unwrap_err();
        assert_eq!(e.code(), Some("ResourceInUse"));
        // Another load balancer cannot use the group.
        let lb2 = w.cloud.elb.create_load_balancer(w.lb_req("web2")).await.unwrap();
        let e = w
            .cloud
            .elb
            .create_listener(
                CreateListenerRequest::builder()
                    .load_balancer_arn(lb2.arn.clone())
                    .port(80)
                    .default_target_group(tg2.arn.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("TargetGroupAssociationLimit"));
        assert_eq!(w.sim.inventory().count("rule"), 1);
        // The default rule cannot go; the rule goes with its load balancer's listeners.
        let rules = w
            .cloud
            .elb
            .describe_rules(
                DescribeRulesRequest::builder()
                    .listener_arn(l.arn.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(rules.len(), 2);
        let e = w.cloud.elb.delete_rule(rules[1].arn.clone()).await.unwrap_err();
        assert_eq!(e.code(), Some("OperationNotPermitted"));
        let e = w
            .cloud
            .elb
            .set_rule_priorities(vec![RulePriority {
                rule_arn: rules[1].arn.clone(),
                priority: 3,
            }])
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("OperationNotPermitted"));
        w.cloud.elb.delete_load_balancer(lb.arn).await.unwrap();
        assert_eq!(w.sim.inventory().count("rule"), 0);
        let e = w
            .cloud
            .elb
            .describe_rules(
                DescribeRulesRequest::builder()
                    .rule_arns(vec![rule.arn])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("RuleNotFound"));
        w.cloud.elb.delete_target_group(tg2.arn).await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn modify_listener_checks_ports_and_certificates() {
        let w = world().await;
        let (lb, tg, l) = w.stack().await;
        let other = w
            .cloud
            .elb
            .create_listener(
                CreateListenerRequest::builder()
                    .load_balancer_arn(lb.arn.clone())
                    .port(81)
                    .redirect_to_https(443)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        let m = |port: u16| {
            ModifyListenerRequest::builder()
                .listener_arn(other.arn.clone())
                .port(port)
                .build()
                .unwrap()
        };
        assert_eq!(
            w.cloud.elb.modify_listener(m(80)).await.unwrap_err().code(),
            Some("DuplicateListener")
        );
        let https = ModifyListenerRequest::builder()
            .listener_arn(l.arn.clone())
            .protocol(Protocol::Https)
            .build()
            .unwrap();
        assert_eq!(
            w.cloud.elb.modify_listener(https).await.unwrap_err().code(),
            Some("ValidationError")
        );
        let cert: Arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc".parse().unwrap();
        let https = ModifyListenerRequest::builder()
            .listener_arn(l.arn.clone())
            .protocol(Protocol::Https)
            .port(443)
            .certificate_arn(cert.clone())
            .build()
            .unwrap();
        let got = w.cloud.elb.modify_listener(https).await.unwrap();
        assert_eq!(got.ssl_policy.as_deref(), Some("ELBSecurityPolicy-2016-08"));
        assert_eq!(got.default_target_group, Some(tg.arn.clone()));
        let extra: Arn = "arn:aws:acm:us-east-1:123456789012:certificate/def".parse().unwrap();
        let added = w
            .cloud
            .elb
            .add_listener_certificates(l.arn.clone(), vec![extra.clone()])
            .await
            .unwrap();
        assert_eq!(added.len(), 1);
        w.cloud
            .elb
            .add_listener_certificates(l.arn.clone(), vec![extra.clone()])
            .await
            .unwrap();
        assert_eq!(
            w.cloud
                .elb
                .describe_listener_certificates(l.arn.clone())
                .await
                .unwrap()
                .len(),
            2
        );
        // Back to HTTP: the certificate and policy go.
        let http = ModifyListenerRequest::builder()
            .listener_arn(l.arn.clone())
            .protocol(Protocol::Http)
            .port(80)
            .build()
            .unwrap();
        let got = w.cloud.elb.modify_listener(http).await.unwrap();
        assert_eq!((got.certificate_arn, got.ssl_policy), (None, None));
        assert!(
            w.cloud
                .elb
                .describe_listener_certificates(l.arn.clone())
                .await
                .unwrap()
                .is_empty()
        );
        w.cloud
            .elb
            .add_tags(
                vec![l.arn.to_string()],
                Tags::from([("a".into(), "1".into()), ("b".into(), "2".into())]),
            )
            .await
            .unwrap();
        w.cloud
            .elb
            .remove_tags(vec![l.arn.to_string()], vec!["a".into(), "zz".into()])
            .await
            .unwrap();
        let tags = w.cloud.elb.describe_tags(vec![l.arn.to_string()]).await.unwrap();
        assert_eq!(tags[0].tags, Tags::from([("b".into(), "2".into())]));
    }

    #[tokio::test(start_paused = true)]
    async fn teardown_leaves_nothing_and_releases_groups_later() {
        let w = world().await;
        let (lb, tg, _) = w.stack().await;
        w.cloud
            .elb
            .add_tags(vec![lb.arn.to_string()], Tags::from([("app".into(), "web".into())]))
            .await
            .unwrap();
        let inv = w.sim.inventory();
        assert_eq!(
            (
                inv.count("load balancer"),
                inv.count("target group"),
                inv.count("listener")
            ),
            (1, 1, 1)
        );
        w.cloud.elb.delete_load_balancer(lb.arn.clone()).await.unwrap();
        assert_eq!(
            w.sim.inventory().count("listener"),
            0,
            "listeners go with their load balancer"
        );
        w.cloud.elb.delete_target_group(tg.arn).await.unwrap();
        let in_use = || {
            let mut st = w.sim.lock();
            groups_in_use(&mut st, w.sim.config(), w.sim.now())
        };
        assert_eq!(in_use(), vec![w.lb_sg.clone()]);
        tokio::time::advance(w.sim.config().load_balancer_release).await;
        assert!(in_use().is_empty());
        let inv = w.sim.inventory();
        assert_eq!(
            inv.count("load balancer") + inv.count("target group") + inv.count("listener"),
            0
        );
        let e = w.cloud.elb.describe_listeners(lb.arn).await.unwrap_err();
        assert_eq!(e.code(), Some("LoadBalancerNotFound"));
    }
}
