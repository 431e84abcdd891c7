//! The simulator's EC2 Auto Scaling, and the synthetic load that drives it.
//!
//! A group is a control loop on the simulator's clock, as in AWS: a background task (started
//! with the first group, ended with the last) steps every group every
//! [`TICK`] of simulated time. Each step
//! 1. brings CloudWatch up to now (built-in metrics, the load's request counts and CPU, alarm
//!    evaluation), then runs the scaling policies whose alarms are in ALARM (target tracking:
//!    `ceil(in-service × metric / target)`, only upward on the high alarm and downward on the
//!    low one, never while instances still warm up; step: the step for the metric's distance
//!    from the threshold; simple: the adjustment, then the cooldown);
//! 2. follows its instances (`Pending` → `InService` once EC2 reports them running; EC2
//!    health: an instance stopped or terminated from outside is unhealthy; ELB health: a
//!    target a target group finds unhealthy after the grace period is unhealthy) and
//!    replaces the unhealthy ones;
//! 3. launches (one instance at a time, each into the zone with the fewest) or terminates
//!    (from the zone with the most, the oldest first, never a protected one) to meet the
//!    desired capacity, registering new instances with the target groups and deregistering
//!    leaving ones; advances an instance refresh one batch at a time.
//!
//! Its EC2 and ELBv2 calls go straight to the simulator (AWS's own calls, outside the user's
//! layers and rate limits). Known differences from AWS: instances are registered with the
//! target groups at launch (AWS: as they enter service); no lifecycle hooks, warm pools,
//! mixed instance policies, predictive scaling or scheduled actions; a deleted group's
//! activities are gone with it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::{Inner, Inventory, SimCloud, SimState};
use crate::Tags;
use crate::autoscaling::*;
use crate::cloudwatch::{AlarmState, CloudWatch, ComparisonOperator, Dimension, PutMetricAlarmRequest, Statistic};
use crate::ec2::{Ec2, InstanceState, LaunchTemplateRef, LaunchTemplateSpec, RunInstancesRequest};
use crate::elb::{Elbv2, Target, TargetHealthState};
use crate::error::{Error, Service};
use crate::id::{
    AlarmName, AutoScalingGroupName, AvailabilityZone, InstanceId, LoadBalancerArn, SubnetId, TargetGroupArn,
};
use crate::validate::Validate;

/// How often (simulated time) the Auto Scaling control loop steps every group.
pub const TICK: Duration = Duration::from_secs(10);

/// The longest a group waits between failed launches (its back-off doubles from [`TICK`]).
const MAX_LAUNCH_BACKOFF: Duration = Duration::from_secs(300);

fn err(code: &str, message: impl Into<String>) -> Error {
    SimCloud::err(Service::AutoScaling, code, message)
}

fn group_not_found(name: &str) -> Error {
    err(
        "ValidationError",
        format!("AutoScalingGroup name not found - AutoScalingGroup '{name}' not found"),
    )
}

/// Synthetic traffic to a load balancer in the simulator ([`SimCloud::drive_load`]): a
/// request rate over simulated time (linear between points, constant after the last), spread
/// evenly over the healthy targets of the target groups behind it. Each minute the simulator
/// publishes what AWS would: `AWS/ApplicationELB` `RequestCount` (by load balancer, and by
/// target group) and `RequestCountPerTarget` (by target group), and every serving instance's
/// `CPUUtilization` rises by [`cpu_per_request`](Self::cpu_per_request) percent per request
/// per second it serves (over an idle 5 %, at most 100 %).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadProfile {
    points: Vec<(Duration, f64)>,
    cpu_per_request: f64,
}

impl LoadProfile {
    /// The CPU cost of a request per second on one instance unless set: 0.05 % (1,000
    /// requests/s keep an instance at 55 %).
    pub const DEFAULT_CPU_PER_REQUEST: f64 = 0.05;

    /// `rate` requests per second from now on.
    pub fn constant(rate: f64) -> Self {
        LoadProfile {
            points: vec![(Duration::ZERO, rate.max(0.0))],
            cpu_per_request: Self::DEFAULT_CPU_PER_REQUEST,
        }
    }

    /// A rate through `points` (time since [`SimCloud::drive_load`], requests per second),
    /// linear in between, held after the last; before the first point, the first rate.
    /// Points must be in time order with finite, non-negative rates.
    pub fn ramp(points: impl IntoIterator<Item = (Duration, f64)>) -> crate::Result<Self> {
        let points: Vec<(Duration, f64)> = points.into_iter().collect();
        crate::validate::non_empty("points", &points)?;
        for (i, w) in points.windows(2).enumerate() {
            if w[1].0 < w[0].0 {
                return Err(Error::validation(
                    format!("points[{}]", i + 1),
                    "must not be earlier than the point before",
                ));
            }
        }
        if let Some(i) = points.iter().position(|(_, r)| !r.is_finite() || *r < 0.0) {
            return Err(Error::validation(
                format!("points[{i}]"),
                "rate must be finite and not negative",
            ));
        }
        Ok(LoadProfile {
            points,
            cpu_per_request: Self::DEFAULT_CPU_PER_REQUEST,
        })
    }

    /// Sets the CPU percent one request per second costs an instance.
    pub fn cpu_per_request(mut self, percent: f64) -> Self {
        self.cpu_per_request = if percent.is_finite() { percent.max(0.0) } else { 0.0 };
        self
    }

    /// The rate `elapsed` after the load started.
    pub fn rate_at(&self, elapsed: Duration) -> f64 {
        let p = &self.points;
        if elapsed <= p[0].0 {
            return p[0].1;
        }
        for w in p.windows(2) {
            let ((t0, r0), (t1, r1)) = (w[0], w[1]);
            if elapsed <= t1 {
                let span = (t1 - t0).as_secs_f64();
                if span == 0.0 {
                    return r1;
                }
                return r0 + (r1 - r0) * (elapsed - t0).as_secs_f64() / span;
            }
        }
        p[p.len() - 1].1
    }
}

/// One load balancer's load.
#[derive(Debug, Clone)]
pub(crate) struct LoadRec {
    profile: LoadProfile,
    started: Instant,
}

/// A metric the load publishes: namespace, name, dimensions, value.
pub(crate) type LoadMetric = (&'static str, &'static str, Vec<(&'static str, String)>, f64);

/// What the load costs in one minute: metrics to publish, and each serving instance's CPU
/// (percent above idle).
#[derive(Debug, Default)]
pub(crate) struct LoadMinute {
    pub metrics: Vec<LoadMetric>,
    pub cpu: BTreeMap<InstanceId, f64>,
}

/// The load's metrics for the minute starting at `at`.
pub(crate) fn load_minute(st: &mut SimState, tgs: &[super::elb::TargetGroupMetrics], at: Instant) -> LoadMinute {
    let mut out = LoadMinute::default();
    let mut divided = Vec::new();
    for (lb, rec) in &st.asg.load {
        let rate = rec.profile.rate_at(at.saturating_duration_since(rec.started));
        let behind: Vec<&super::elb::TargetGroupMetrics> = tgs.iter().filter(|t| &t.load_balancer == lb).collect();
        if behind.is_empty() {
            continue;
        }
        out.metrics.push((
            "AWS/ApplicationELB",
            "RequestCount",
            vec![("LoadBalancer", lb.clone())],
            (rate * 60.0).round(),
        ));
        let per_group = rate / behind.len() as f64;
        for tg in behind {
            let targets = tg.healthy_ids.len().max(1) as f64;
            divided.push((tg.target_group.clone(), tg.healthy_ids.len().max(1)));
            out.metrics.push((
                "AWS/ApplicationELB",
                "RequestCount",
                vec![("TargetGroup", tg.target_group.clone()), ("LoadBalancer", lb.clone())],
                (per_group * 60.0).round(),
            ));
            out.metrics.push((
                "AWS/ApplicationELB",
                "RequestCountPerTarget",
                vec![("TargetGroup", tg.target_group.clone())],
                (per_group * 60.0 / targets).round(),
            ));
            for id in &tg.healthy_ids {
                *out.cpu.entry(id.clone()).or_default() += per_group / targets * rec.profile.cpu_per_request;
            }
        }
    }
    st.asg.per_target_divisor.extend(divided);
    out
}

#[derive(Default)]
pub(crate) struct AsgState {
    groups: BTreeMap<String, GroupRec>,
    /// Policies by ARN.
    policies: BTreeMap<String, PolicyRec>,
    /// Synthetic load by load balancer dimension (`app/NAME/ID`).
    load: BTreeMap<String, LoadRec>,
    /// CPU held by [`SimCloud::set_cpu`].
    pub(crate) cpu: BTreeMap<InstanceId, f64>,
    /// The healthy targets each target group's latest `RequestCountPerTarget` was divided
    /// by (what a target-tracking policy multiplies it back with).
    per_target_divisor: BTreeMap<String, usize>,
    /// The account's EC2 buckets the control loop's calls count against, and the loop's own
    /// pacing under them.
    limits: Option<(super::RateLimits, crate::layer::ClientRateLimit)>,
    engine: bool,
}

struct GroupRec {
    settings: CreateAutoScalingGroupRequest,
    desired: u32,
    arn: String,
    created: SystemTime,
    /// (subnet, its zone), in the request's order.
    zones: Vec<(SubnetId, AvailabilityZone)>,
    members: BTreeMap<InstanceId, Member>,
    /// Newest last.
    activities: Vec<ScalingActivity>,
    last_scaling: Option<Instant>,
    deleting: bool,
    refreshes: Vec<RefreshRec>,
    next_launch: Instant,
    launch_failures: u32,
}

struct Member {
    zone: AvailabilityZone,
    launched: Instant,
    state: LifecycleState,
    health: InstanceHealth,
    protected: bool,
    /// The template and version it launched from.
    template: (LaunchTemplateRef, String),
    instance_type: Option<String>,
    /// The launch activity to complete when it enters service.
    launch_activity: Option<String>,
    /// The termination activity to complete when it is gone.
    terminate_activity: Option<String>,
    /// Whether its TerminateInstances went through (a throttled one is sent again).
    terminate_sent: bool,
    /// Whether the group launched it in response to a scaling policy (for warm-up).
    by_policy: bool,
}

struct PolicyRec {
    req: PutScalingPolicyRequest,
    alarms: Vec<PolicyAlarm>,
    last_run: Option<Instant>,
}

struct RefreshRec {
    refresh: InstanceRefresh,
    to_replace: BTreeSet<InstanceId>,
    total: u32,
    min_healthy: u32,
    warmup: Duration,
}

/// Something the control loop does outside the state lock.
enum Action {
    Launch {
        group: String,
        subnet: SubnetId,
        zone: AvailabilityZone,
        by_policy: bool,
    },
    Terminate {
        group: String,
        id: InstanceId,
        targets: Vec<TargetGroupArn>,
    },
    DeleteAlarms(Vec<AlarmName>),
}

impl GroupRec {
    fn activity(
        &mut self,
        sim: &SimCloud,
        st_next: u64,
        description: String,
        cause: String,
        status: ActivityStatus,
    ) -> String {
        let id = format!("{:08x}-0000-4000-a000-{st_next:012x}", st_next as u32);
        let now = sim.wall_clock();
        let done = status.is_done();
        self.activities.push(ScalingActivity {
            id: id.clone(),
            group: self.settings.name.clone(),
            description,
            cause,
            start_time: Some(now),
            end_time: done.then_some(now),
            status,
            status_message: None,
            progress: if done { 100 } else { 30 },
        });
        id
    }

    /// Takes instance `id` out of service for `cause` (an activity in progress, completed
    /// when EC2 reports it terminated) and returns the termination to perform.
    fn begin_termination(&mut self, sim: &SimCloud, n: u64, id: InstanceId, cause: String) -> Action {
        let a = self.activity(
            sim,
            n,
            format!("Terminating EC2 instance: {id}"),
            cause,
            ActivityStatus::InProgress,
        );
        if let Some(m) = self.members.get_mut(&id) {
            m.state = LifecycleState::Terminating;
            m.terminate_activity = Some(a);
        }
        Action::Terminate {
            group: self.settings.name.to_string(),
            id,
            targets: self.settings.target_group_arns.clone(),
        }
    }

    fn finish(&mut self, sim: &SimCloud, id: &str, status: ActivityStatus, message: Option<String>) {
        if let Some(a) = self.activities.iter_mut().find(|a| a.id == id) {
            a.status = status;
            a.status_message = message;
            a.end_time = Some(sim.wall_clock());
            a.progress = 100;
        }
    }

    fn active(&self) -> impl Iterator<Item = (&InstanceId, &Member)> {
        self.members.iter().filter(|(_, m)| !is_leaving(&m.state))
    }

    fn view(&self) -> AutoScalingGroup {
        let s = &self.settings;
        let mut zones: Vec<AvailabilityZone> = Vec::new();
        for (_, z) in &self.zones {
            if !zones.contains(z) {
                zones.push(z.clone());
            }
        }
        AutoScalingGroup {
            name: s.name.clone(),
            arn: self.arn.clone(),
            min_size: s.min_size,
            max_size: s.max_size,
            desired_capacity: self.desired,
            default_cooldown_secs: s.default_cooldown_secs.unwrap_or(300),
            availability_zones: zones,
            subnets: s.subnets.clone(),
            target_group_arns: s.target_group_arns.clone(),
            health_check_type: s.health_check_type.clone(),
            health_check_grace_period_secs: s.health_check_grace_period_secs.unwrap_or(0),
            default_instance_warmup_secs: s.default_instance_warmup_secs,
            launch_template: Some(s.launch_template.clone()),
            launch_template_version: Some(s.launch_template_version.to_aws()),
            instances: self
                .members
                .iter()
                .map(|(id, m)| GroupInstance {
                    instance_id: id.clone(),
                    availability_zone: m.zone.clone(),
                    lifecycle_state: m.state.clone(),
                    health: m.health.clone(),
                    protected_from_scale_in: m.protected,
                    instance_type: m.instance_type.clone(),
                    launch_template_version: Some(m.template.1.clone()),
                })
                .collect(),
            created_time: Some(self.created),
            status: self.deleting.then(|| "Delete in progress".to_string()),
            tags: s.tags.clone(),
            new_instances_protected_from_scale_in: s.new_instances_protected_from_scale_in,
        }
    }

    /// The group's target group that a request-count resource label names
    /// (`app/.../targetgroup/NAME/ID` ends with the target group's dimension).
    fn labelled_target_group(&self, label: &str) -> Option<&TargetGroupArn> {
        self.settings
            .target_group_arns
            .iter()
            .find(|tg| label.ends_with(tg.dimension()))
    }

    fn grace(&self) -> Duration {
        Duration::from_secs(u64::from(self.settings.health_check_grace_period_secs.unwrap_or(0)))
    }

    fn cooldown(&self) -> Duration {
        Duration::from_secs(u64::from(self.settings.default_cooldown_secs.unwrap_or(300)))
    }

    /// The warm-up of instances launched for a policy (AWS: the policy's, else the group's
    /// default instance warm-up, else its default cooldown).
    fn warmup(&self, policy: Option<u32>) -> Duration {
        let secs = policy
            .or(self.settings.default_instance_warmup_secs)
            .unwrap_or_else(|| self.settings.default_cooldown_secs.unwrap_or(300));
        Duration::from_secs(u64::from(secs))
    }
}

fn is_leaving(s: &LifecycleState) -> bool {
    matches!(
        s,
        LifecycleState::Terminating
            | LifecycleState::TerminatingWait
            | LifecycleState::TerminatingProceed
            | LifecycleState::Terminated
    )
}

fn time_words(t: SystemTime) -> String {
    let s = super::millis_timestamp(t);
    format!("{}Z", &s[..19])
}

/// Every live group (and its policies), for leak checks.
pub(crate) fn inventory(st: &mut SimState, _now: Instant, inv: &mut Inventory) {
    for name in st.asg.groups.keys() {
        inv.add("auto scaling group", name.clone());
    }
    for p in st.asg.policies.values() {
        inv.add("scaling policy", format!("{}/{}", p.req.group, p.req.name));
    }
}

/// The tags of group `name`.
pub(crate) fn group_tags(st: &SimState, name: &str) -> Option<Tags> {
    st.asg.groups.get(name).map(|g| g.settings.tags.clone())
}

impl SimCloud {
    /// Drives synthetic traffic to load balancer `lb` from now on, replacing any before (see
    /// [`LoadProfile`]): its request counts and the CPU it costs the serving instances appear
    /// in the simulated CloudWatch each minute, where alarms and target-tracking policies
    /// see them.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> aws_facade::Result<()> {
    /// use std::time::Duration;
    /// use aws_facade::sim::{LoadProfile, SimCloud};
    /// let ramp = LoadProfile::ramp([(Duration::ZERO, 100.0), (Duration::from_secs(600), 10_000.0)])?;
    /// assert_eq!(ramp.rate_at(Duration::from_secs(300)), 5_050.0);
    /// assert_eq!(ramp.rate_at(Duration::from_secs(3600)), 10_000.0);
    /// # let _ = SimCloud::new(); Ok(()) }
    /// ```
    pub fn drive_load(&self, lb: &LoadBalancerArn, profile: LoadProfile) {
        let started = self.now();
        self.lock()
            .asg
            .load
            .insert(lb.dimension().to_string(), LoadRec { profile, started });
    }

    /// Holds instance `id`'s `CPUUtilization` at `percent` (0-100) from now on, whatever its
    /// load (`None`: back to what its load costs). Its Auto Scaling group's average follows.
    pub fn set_cpu(&self, id: &InstanceId, percent: Option<f64>) {
        let mut st = self.lock();
        match percent {
            Some(p) => {
                st.asg
                    .cpu
                    .insert(id.clone(), if p.is_finite() { p.clamp(0.0, 100.0) } else { 0.0 });
            }
            None => {
                st.asg.cpu.remove(id);
            }
        }
    }

    /// Stops the synthetic traffic to `lb`.
    pub fn stop_load(&self, lb: &LoadBalancerArn) {
        self.lock().asg.load.remove(lb.dimension());
    }

    /// Makes instance `id`'s application fail its load balancer health checks from now on
    /// (HTTP 500): its targets turn unhealthy after the target group's unhealthy threshold,
    /// and an Auto Scaling group with ELB health checks replaces it.
    pub fn fail_health_checks(&self, id: &InstanceId) {
        let now = self.now();
        self.lock().elb.failing.insert(id.clone(), now);
    }

    /// Steps every Auto Scaling group to now (what the background loop does every
    /// [`TICK`]); tests on paused time rarely need it.
    pub async fn step_auto_scaling(&self) {
        self.step_groups().await;
    }

    fn start_engine(&self) -> crate::Result<()> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| Error::Unsupported {
            service: Service::AutoScaling,
            operation: "CreateAutoScalingGroup",
            reason: "the simulator's Auto Scaling groups run on a tokio runtime; none is running".into(),
        })?;
        {
            let mut st = self.lock();
            if st.asg.engine {
                return Ok(());
            }
            st.asg.engine = true;
        }
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let speed = self.inner.config.clock_speed;
        let tick = if speed.is_finite() && speed > 0.0 {
            TICK.div_f64(speed)
        } else {
            TICK
        };
        handle.spawn(async move {
            loop {
                tokio::time::sleep(tick).await;
                let Some(inner) = weak.upgrade() else { return };
                let sim = SimCloud { inner };
                if !sim.step_groups().await {
                    let mut st = sim.lock();
                    // A group created while this step ran keeps the loop going.
                    if st.asg.groups.is_empty() {
                        st.asg.engine = false;
                        return;
                    }
                }
            }
        });
        Ok(())
    }

    /// One step of every group; `false` when no group is left.
    async fn step_groups(&self) -> bool {
        self.settle_alarms().await;
        self.run_policies();
        let actions = self.plan();
        self.perform(actions).await;
        !self.lock().asg.groups.is_empty()
    }

    /// Runs the policies whose alarms are in ALARM.
    fn run_policies(&self) {
        let now = self.now();
        let mut st = self.lock();
        let arns: Vec<String> = st.asg.policies.keys().cloned().collect();
        for arn in arns {
            let Some(p) = st.asg.policies.get(&arn) else { continue };
            if !p.req.enabled || p.last_run.is_some_and(|t| now < t + Duration::from_secs(60)) {
                continue;
            }
            let alarms: Vec<String> = match &p.req.config {
                PolicyConfig::TargetTracking(_) => p.alarms.iter().map(|a| a.name.clone()).collect(),
                _ => super::cloudwatch::alarms_acting_on(&st, &arn),
            };
            let group_name = p.req.group.to_string();
            let (config, policy_name, warmup_secs) = (
                p.req.config.clone(),
                p.req.name.clone(),
                p.req.estimated_instance_warmup_secs,
            );
            for alarm in alarms {
                let Some(r) = super::cloudwatch::alarm_reading(&st, &alarm) else {
                    continue;
                };
                if r.state != AlarmState::Alarm {
                    continue;
                }
                // The targets the latest request count per target was divided by (the target
                // group's healthy ones then): the metric times those is the load.
                let healthy_targets = match &config {
                    PolicyConfig::TargetTracking(t) if t.metric == PredefinedMetric::AlbRequestCountPerTarget => {
                        let label = t.resource_label.as_deref().unwrap_or_default();
                        let tg = st
                            .asg
                            .groups
                            .get(&group_name)
                            .and_then(|g| g.labelled_target_group(label));
                        tg.and_then(|tg| st.asg.per_target_divisor.get(tg.dimension()).copied())
                    }
                    _ => None,
                };
                let Some(g) = st.asg.groups.get(&group_name) else {
                    continue;
                };
                if g.deleting {
                    continue;
                }
                let warmup = g.warmup(warmup_secs);
                let warming = g
                    .active()
                    .any(|(_, m)| m.state == LifecycleState::Pending || (m.by_policy && now < m.launched + warmup));
                // The instances the metric averages over: for a request count the healthy
                // targets it was divided by, for a group average those that reported it,
                // else those in service and warmed up; at least one.
                let warmed = g
                    .active()
                    .filter(|(_, m)| m.state == LifecycleState::InService && now >= m.launched + warmup)
                    .count();
                // A group average (CPU, network) is over the instances that reported it.
                let reporting = match &config {
                    PolicyConfig::TargetTracking(t) if t.metric != PredefinedMetric::AlbRequestCountPerTarget => {
                        r.samples.map(|n| n as usize)
                    }
                    _ => None,
                };
                let in_service = healthy_targets.or(reporting).unwrap_or(warmed).max(1) as f64;
                let d = g.desired;
                let new = match &config {
                    PolicyConfig::TargetTracking(t) => {
                        let Some(v) = r.value else { continue };
                        let want = (in_service * v / t.target_value).ceil().max(0.0) as u32;
                        let high = alarm.contains("-AlarmHigh-");
                        let out = high && want > d;
                        let scale_in = !high && !t.disable_scale_in && want < d && !warming;
                        if !(out || scale_in) {
                            continue;
                        }
                        want
                    }
                    PolicyConfig::Step(s) => {
                        if warming {
                            continue;
                        }
                        let Some(v) = r.value else { continue };
                        let Some(step) = s.step_for(v - r.threshold) else {
                            continue;
                        };
                        adjust(d, &s.adjustment_type, step.adjustment, s.min_adjustment_magnitude)
                    }
                    PolicyConfig::Simple(s) => {
                        let cooldown = s
                            .cooldown_secs
                            .map_or(g.cooldown(), |c| Duration::from_secs(u64::from(c)));
                        if g.last_scaling.is_some_and(|t| now < t + cooldown) || warming {
                            continue;
                        }
                        adjust(d, &s.adjustment_type, s.adjustment, None)
                    }
                };
                let new = new.clamp(g.settings.min_size, g.settings.max_size);
                if let Some(p) = st.asg.policies.get_mut(&arn) {
                    p.last_run = Some(now);
                }
                if new == d {
                    continue;
                }
                let n = st.next();
                let wall = self.wall_clock();
                let Some(g) = st.asg.groups.get_mut(&group_name) else {
                    continue;
                };
                g.desired = new;
                g.last_scaling = Some(now);
                let cause = format!(
                    "At {} a monitor alarm {alarm} in state ALARM triggered policy {policy_name} changing the desired capacity from {d} to {new}.",
                    time_words(wall)
                );
                g.activity(
                    self,
                    n,
                    format!("Set desired capacity from {d} to {new}"),
                    cause,
                    ActivityStatus::Successful,
                );
                break;
            }
        }
    }

    /// Follows every group's instances and decides the launches and terminations.
    fn plan(&self) -> Vec<Action> {
        let now = self.now();
        let cfg = self.inner.config.clone();
        let mut st = self.lock();
        let mut actions = Vec::new();
        let names: Vec<String> = st.asg.groups.keys().cloned().collect();
        for name in names {
            // The instances' EC2 and target health, read before the group is borrowed.
            let (ids, tgs, elb_checks) = {
                let g = &st.asg.groups[&name];
                (
                    g.members.keys().cloned().collect::<Vec<_>>(),
                    g.settings.target_group_arns.clone(),
                    g.settings.health_check_type == HealthCheckType::Elb,
                )
            };
            let mut ec2_state: BTreeMap<InstanceId, Option<InstanceState>> = BTreeMap::new();
            for id in &ids {
                ec2_state.insert(
                    id.clone(),
                    super::ec2::instance_view(&mut st, &cfg, id, now).map(|v| v.state),
                );
            }
            let mut elb_unhealthy: BTreeSet<InstanceId> = BTreeSet::new();
            if elb_checks {
                for tg in &tgs {
                    for (id, state) in super::elb::target_states(&mut st, &cfg, now, tg) {
                        if state == TargetHealthState::Unhealthy {
                            elb_unhealthy.insert(id);
                        }
                    }
                }
            }
            let mut finished: Vec<(String, ActivityStatus)> = Vec::new();
            let mut new_activities: Vec<(String, String)> = Vec::new();
            {
                let g = st.asg.groups.get_mut(&name).expect("listed above");
                let grace = g.grace();
                let mut gone = Vec::new();
                let mut resend = Vec::new();
                for (id, m) in g.members.iter_mut() {
                    let ec2 = ec2_state.get(id).cloned().flatten();
                    if is_leaving(&m.state) {
                        if matches!(ec2, None | Some(InstanceState::Terminated)) {
                            gone.push(id.clone());
                        } else if !m.terminate_sent {
                            resend.push(id.clone());
                        }
                        continue;
                    }
                    match ec2 {
                        Some(InstanceState::Running) => {
                            if m.state == LifecycleState::Pending {
                                m.state = LifecycleState::InService;
                                if let Some(a) = m.launch_activity.take() {
                                    finished.push((a, ActivityStatus::Successful));
                                }
                            }
                        }
                        Some(InstanceState::Pending) => {}
                        // Stopped, stopping, shutting down or gone: EC2 health check failed.
                        _ => {
                            if m.health == InstanceHealth::Healthy {
                                m.health = InstanceHealth::Unhealthy;
                                new_activities.push((
                                    id.to_string(),
                                    "an EC2 health check indicating it has been terminated or stopped".into(),
                                ));
                            }
                        }
                    }
                    if m.state == LifecycleState::InService
                        && m.health == InstanceHealth::Healthy
                        && elb_unhealthy.contains(id)
                        && now >= m.launched + grace
                    {
                        m.health = InstanceHealth::Unhealthy;
                        new_activities.push((id.to_string(), "an ELB system health check failure".into()));
                    }
                }
                for id in gone {
                    if let Some(m) = g.members.remove(&id)
                        && let Some(a) = m.terminate_activity
                    {
                        finished.push((a, ActivityStatus::Successful));
                    }
                }
                for (a, status) in finished.drain(..) {
                    g.finish(self, &a, status, None);
                }
                for id in resend {
                    actions.push(Action::Terminate {
                        group: name.clone(),
                        id,
                        targets: tgs.clone(),
                    });
                }
            }
            // Replace the unhealthy.
            let unhealthy: Vec<(InstanceId, String)> = {
                let g = &st.asg.groups[&name];
                new_activities
                    .iter()
                    .cloned()
                    .filter_map(|(id, why)| {
                        let id: InstanceId = id.parse().ok()?;
                        g.members.get(&id).map(|_| (id, why))
                    })
                    .collect()
            };
            for (id, why) in unhealthy {
                let n = st.next();
                let g = st.asg.groups.get_mut(&name).expect("listed above");
                let cause = format!(
                    "At {} an instance was taken out of service in response to {why}.",
                    time_words(self.wall_clock())
                );
                actions.push(g.begin_termination(self, n, id, cause));
            }
            // Advance an instance refresh.
            self.step_refresh(&mut st, &name, now, &mut actions);
            // Meet the desired capacity.
            let current = {
                let s = &st.asg.groups[&name].settings;
                super::ec2::resolve_template(&st, &s.launch_template, s.launch_template_version)
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            };
            let g = st.asg.groups.get_mut(&name).expect("listed above");
            let desired = if g.deleting { 0 } else { g.desired } as usize;
            let active: Vec<(InstanceId, AvailabilityZone, Instant, bool, bool)> = g
                .active()
                .map(|(id, m)| {
                    let old = m.template.0 != g.settings.launch_template || m.template.1 != current;
                    (id.clone(), m.zone.clone(), m.launched, m.protected && !g.deleting, old)
                })
                .collect();
            if active.len() < desired && now >= g.next_launch {
                let mut per_zone: BTreeMap<AvailabilityZone, usize> = BTreeMap::new();
                for (_, z) in &g.zones {
                    per_zone.entry(z.clone()).or_default();
                }
                for (_, z, _, _, _) in &active {
                    *per_zone.entry(z.clone()).or_default() += 1;
                }
                let by_policy = g
                    .last_scaling
                    .is_some_and(|t| now.saturating_duration_since(t) < TICK * 2);
                for _ in active.len()..desired {
                    // The zone with the fewest instances, in the subnets' order on a tie.
                    let Some((subnet, zone)) = g
                        .zones
                        .iter()
                        .min_by_key(|(_, z)| per_zone.get(z).copied().unwrap_or(0))
                        .cloned()
                    else {
                        break;
                    };
                    *per_zone.entry(zone.clone()).or_default() += 1;
                    actions.push(Action::Launch {
                        group: name.clone(),
                        subnet,
                        zone,
                        by_policy,
                    });
                }
            } else if active.len() > desired {
                let mut per_zone: BTreeMap<AvailabilityZone, usize> = BTreeMap::new();
                for (_, z, _, _, _) in &active {
                    *per_zone.entry(z.clone()).or_default() += 1;
                }
                let mut candidates: Vec<&(InstanceId, AvailabilityZone, Instant, bool, bool)> =
                    active.iter().filter(|a| !a.3).collect();
                let mut chosen = Vec::new();
                for _ in desired..active.len() {
                    // AWS's default termination policy: the zone with the most instances,
                    // then an old launch template, then (here) the oldest launch.
                    candidates.sort_by(|a, b| {
                        let za = per_zone.get(&a.1).copied().unwrap_or(0);
                        let zb = per_zone.get(&b.1).copied().unwrap_or(0);
                        zb.cmp(&za).then(b.4.cmp(&a.4)).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0))
                    });
                    if candidates.is_empty() {
                        break;
                    }
                    let c = candidates.remove(0);
                    if let Some(n) = per_zone.get_mut(&c.1) {
                        *n -= 1;
                    }
                    chosen.push(c.0.clone());
                }
                let (d, deleting) = (g.desired, g.deleting);
                for id in chosen {
                    let n = st.next();
                    let g = st.asg.groups.get_mut(&name).expect("listed above");
                    let cause = if deleting {
                        format!("At {} the group is being deleted.", time_words(self.wall_clock()))
                    } else {
                        format!(
                            "At {} a difference between desired and actual capacity, shrinking the capacity to {d}.",
                            time_words(self.wall_clock())
                        )
                    };
                    actions.push(g.begin_termination(self, n, id, cause));
                }
            }
            // A group being deleted is gone once its instances are.
            let g = &st.asg.groups[&name];
            if g.deleting && g.members.is_empty() {
                st.asg.groups.remove(&name);
                let arns: Vec<String> = st
                    .asg
                    .policies
                    .iter()
                    .filter(|(_, p)| p.req.group.as_str() == name)
                    .map(|(a, _)| a.clone())
                    .collect();
                let mut alarms = Vec::new();
                for a in arns {
                    if let Some(p) = st.asg.policies.remove(&a) {
                        alarms.extend(p.alarms.iter().filter_map(|a| a.name.parse().ok()));
                    }
                }
                if !alarms.is_empty() {
                    actions.push(Action::DeleteAlarms(alarms));
                }
            }
        }
        actions
    }

    /// Replaces the next batch of a running instance refresh, or completes it.
    fn step_refresh(&self, st: &mut SimState, name: &str, now: Instant, actions: &mut Vec<Action>) {
        let next_id = st.next();
        let wall = self.wall_clock();
        let Some(g) = st.asg.groups.get_mut(name) else { return };
        let Some(idx) = g
            .refreshes
            .iter()
            .rposition(|r| r.refresh.status == RefreshStatus::InProgress)
        else {
            return;
        };
        let members: BTreeSet<InstanceId> = g.active().map(|(id, _)| id.clone()).collect();
        let settled = g.active().all(|(_, m)| m.state == LifecycleState::InService);
        let warm = g.active().all(|(_, m)| now >= m.launched + g.refreshes[idx].warmup);
        let full = members.len() >= g.desired as usize;
        let r = &mut g.refreshes[idx];
        r.to_replace.retain(|id| members.contains(id));
        let remaining = r.to_replace.len() as u32;
        r.refresh.instances_to_update = remaining;
        r.refresh.percentage_complete = ((r.total - remaining) * 100).checked_div(r.total).unwrap_or(100);
        if !(settled && warm && full) {
            return;
        }
        if remaining == 0 {
            r.refresh.status = RefreshStatus::Successful;
            r.refresh.end_time = Some(wall);
            r.refresh.status_reason = None;
            return;
        }
        let desired = g.desired;
        let keep = (u64::from(desired) * u64::from(r.min_healthy)).div_ceil(100) as u32;
        let batch = desired.saturating_sub(keep).max(1).min(remaining);
        let batch_ids: Vec<InstanceId> = r.to_replace.iter().take(batch as usize).cloned().collect();
        let tgs = g.settings.target_group_arns.clone();
        for (k, id) in batch_ids.into_iter().enumerate() {
            let cause = format!(
                "At {} an instance was taken out of service in response to an instance refresh.",
                time_words(wall)
            );
            let a = g.activity(
                self,
                next_id * 1000 + k as u64,
                format!("Terminating EC2 instance: {id}"),
                cause,
                ActivityStatus::InProgress,
            );
            if let Some(m) = g.members.get_mut(&id) {
                m.state = LifecycleState::Terminating;
                m.terminate_activity = Some(a);
            }
            g.refreshes[idx].to_replace.remove(&id);
            actions.push(Action::Terminate {
                group: name.to_string(),
                id,
                targets: tgs.clone(),
            });
        }
    }

    /// The EC2 handle the control loop calls: the simulator, through the account's rate
    /// limits if [`SimCloud::rate_limit_auto_scaling`] set them.
    fn asg_ec2(&self) -> Arc<dyn Ec2> {
        use crate::layer::Layered;
        match self.lock().asg.limits.clone() {
            Some((limits, pace)) => Arc::new(Layered::new(Layered::new(self.clone(), limits), pace)),
            None => Arc::new(self.clone()),
        }
    }

    /// Makes the Auto Scaling control loop's EC2 calls (launches, terminations) count
    /// against `limits`, the account's EC2 buckets (share them with the account's own
    /// clients: AWS throttles per account). The loop paces itself under the same buckets
    /// (a [`ClientRateLimit`](crate::layer::ClientRateLimit) of its own), so it is throttled
    /// only when the account's other calls drain them; a throttled launch is an activity
    /// that failed with `RequestLimitExceeded`, retried at the next step.
    pub fn rate_limit_auto_scaling(&self, limits: super::RateLimits) {
        let pace = crate::layer::ClientRateLimit::new(limits.limits().clone());
        self.lock().asg.limits = Some((limits, pace));
    }

    /// Launches and terminates outside the lock, batched as Auto Scaling does (one
    /// RunInstances per group and subnet, one TerminateInstances per group), then records
    /// the outcome.
    async fn perform(&self, actions: Vec<Action>) {
        let mut launches: BTreeMap<(String, SubnetId), (AvailabilityZone, bool, u32)> = BTreeMap::new();
        let mut terminations: BTreeMap<String, (Vec<InstanceId>, Vec<TargetGroupArn>)> = BTreeMap::new();
        let mut alarms = Vec::new();
        for a in actions {
            match a {
                Action::Launch {
                    group,
                    subnet,
                    zone,
                    by_policy,
                } => {
                    let e = launches.entry((group, subnet)).or_insert((zone, by_policy, 0));
                    e.2 += 1;
                }
                Action::Terminate { group, id, targets } => {
                    let e = terminations.entry(group).or_insert_with(|| (Vec::new(), targets));
                    if !e.0.contains(&id) {
                        e.0.push(id);
                    }
                }
                Action::DeleteAlarms(names) => alarms.push(names),
            }
        }
        let ec2 = self.asg_ec2();
        for (group, (ids, targets)) in terminations {
            self.terminate(ec2.as_ref(), &group, ids, targets).await;
        }
        for ((group, subnet), (zone, by_policy, count)) in launches {
            self.launch(ec2.as_ref(), &group, subnet, zone, count, by_policy).await;
        }
        for names in alarms {
            let _ = CloudWatch::delete_alarms(self, names).await;
        }
    }

    /// Deregisters and terminates a group's leaving instances. A refused call leaves them
    /// `Terminating` with their termination unsent, for the next step to send again.
    async fn terminate(&self, ec2: &dyn Ec2, group: &str, ids: Vec<InstanceId>, targets: Vec<TargetGroupArn>) {
        let batch: Vec<Target> = ids.iter().map(|id| Target::instance(id.clone())).collect();
        for tg in targets {
            // A target group deleted under the group answers not-found: nothing to
            // deregister from.
            let _ = Elbv2::deregister_targets(self, tg, batch.clone()).await;
        }
        // Sent, already gone, or refused (`None`: to send again).
        let sent = |r: crate::Result<_>| match r {
            Ok(_) => Some(true),
            Err(e) if e.is_not_found() => Some(false),
            Err(_) => None,
        };
        // One unknown id fails the whole call: then each goes alone.
        let outcome: Vec<(InstanceId, Option<bool>)> = match ec2.terminate_instances(ids.clone()).await {
            Err(e) if e.is_not_found() && ids.len() > 1 => {
                let mut each = Vec::new();
                for id in &ids {
                    each.push((id.clone(), sent(ec2.terminate_instances(vec![id.clone()]).await)));
                }
                each
            }
            r => {
                let r = sent(r);
                ids.iter().map(|id| (id.clone(), r)).collect()
            }
        };
        let mut st = self.lock();
        let Some(g) = st.asg.groups.get_mut(group) else { return };
        for (id, r) in outcome {
            match r {
                Some(true) => {
                    if let Some(m) = g.members.get_mut(&id) {
                        m.terminate_sent = true;
                    }
                }
                // Gone already: done.
                Some(false) => {
                    if let Some(m) = g.members.remove(&id)
                        && let Some(a) = m.terminate_activity
                    {
                        g.finish(self, &a, ActivityStatus::Successful, None);
                    }
                }
                // Throttled or failed: sent again at the next step.
                None => {}
            }
        }
    }

    async fn launch(
        &self,
        ec2: &dyn Ec2,
        group: &str,
        subnet: SubnetId,
        zone: AvailabilityZone,
        count: u32,
        by_policy: bool,
    ) {
        let (spec, tags, tgs, protected, version) = {
            let st = self.lock();
            let Some(g) = st.asg.groups.get(group) else { return };
            let s = &g.settings;
            let version = super::ec2::resolve_template(&st, &s.launch_template, s.launch_template_version)
                .map(|n| n.to_string())
                .unwrap_or_else(|_| s.launch_template_version.to_aws());
            (
                LaunchTemplateSpec::builder()
                    .template(s.launch_template.clone())
                    .version(s.launch_template_version)
                    .build(),
                s.tags.clone(),
                s.target_group_arns.clone(),
                s.new_instances_protected_from_scale_in,
                version,
            )
        };
        let req = RunInstancesRequest::builder()
            .launch_template(spec.clone())
            .subnet_id(subnet)
            .count(count)
            .tags(tags)
            .build();
        let launched = match req {
            Ok(req) => ec2.run_instances(req).await,
            Err(e) => Err(e),
        };
        let now = self.now();
        match launched {
            Ok(instances) => {
                let batch: Vec<Target> = instances.iter().map(|i| Target::instance(i.id.clone())).collect();
                for tg in &tgs {
                    let _ = Elbv2::register_targets(self, tg.clone(), batch.clone()).await;
                }
                let mut st = self.lock();
                for inst in instances {
                    super::ec2::set_instance_tag(&mut st, &inst.id, GROUP_NAME_TAG, group);
                    let n = st.next();
                    let Some(g) = st.asg.groups.get_mut(group) else {
                        continue;
                    };
                    g.launch_failures = 0;
                    let cause = format!(
                        "At {} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from {} to {}.",
                        time_words(self.wall_clock()),
                        g.active().count(),
                        g.active().count() + 1
                    );
                    let a = g.activity(
                        self,
                        n,
                        format!("Launching a new EC2 instance: {}", inst.id),
                        cause,
                        ActivityStatus::InProgress,
                    );
                    g.members.insert(
                        inst.id.clone(),
                        Member {
                            zone: zone.clone(),
                            launched: now,
                            state: LifecycleState::Pending,
                            health: InstanceHealth::Healthy,
                            protected,
                            template: (spec.template.clone(), version.clone()),
                            instance_type: Some(inst.instance_type.to_string()),
                            launch_activity: Some(a),
                            terminate_activity: None,
                            terminate_sent: false,
                            by_policy,
                        },
                    );
                }
            }
            Err(e) => {
                let mut st = self.lock();
                let n = st.next();
                let Some(g) = st.asg.groups.get_mut(group) else { return };
                // A throttled launch is retried at the next step; other failures back off
                // (doubling from one step to five minutes, as AWS backs off failing launches).
                if e.is_throttled() {
                    g.next_launch = now + TICK;
                } else {
                    g.launch_failures += 1;
                    let backoff = TICK
                        .saturating_mul(1 << g.launch_failures.min(6))
                        .min(MAX_LAUNCH_BACKOFF);
                    g.next_launch = now + backoff;
                }
                let cause = format!(
                    "At {} an instance was started in response to a difference between desired and actual capacity.",
                    time_words(self.wall_clock())
                );
                let a = g.activity(
                    self,
                    n,
                    format!("Launching {count} new EC2 instance(s).  Status Reason: launch failed"),
                    cause,
                    ActivityStatus::InProgress,
                );
                g.finish(self, &a, ActivityStatus::Failed, Some(e.to_string()));
            }
        }
    }

    fn group_arn(&self, name: &str, n: u64) -> String {
        let c = &self.inner.config;
        format!(
            "arn:aws:autoscaling:{}:{}:autoScalingGroup:{:08x}-0000-4000-8000-{n:012x}:autoScalingGroupName/{name}",
            c.region, c.account_id, n as u32
        )
    }

    fn policy_arn(&self, group: &str, policy: &str, n: u64) -> String {
        let c = &self.inner.config;
        format!(
            "arn:aws:autoscaling:{}:{}:scalingPolicy:{:08x}-0000-4000-8000-{n:012x}:autoScalingGroupName/{group}:policyName/{policy}",
            c.region, c.account_id, n as u32
        )
    }

    /// The alarms a target-tracking policy creates (AWS's shapes: the high alarm 3 of 3
    /// one-minute periods above the target, the low one 15 of 15 below 90 % of it).
    fn tracking_alarms(
        &self,
        group: &str,
        t: &TargetTracking,
        policy_arn: &str,
        n: u64,
    ) -> crate::Result<Vec<PutMetricAlarmRequest>> {
        let (namespace, metric, dims, stat) = match &t.metric {
            PredefinedMetric::AsgAverageCpuUtilization => (
                "AWS/EC2",
                "CPUUtilization",
                vec![Dimension::new("AutoScalingGroupName", group)],
                Statistic::Average,
            ),
            PredefinedMetric::AsgAverageNetworkIn => (
                "AWS/EC2",
                "NetworkIn",
                vec![Dimension::new("AutoScalingGroupName", group)],
                Statistic::Average,
            ),
            PredefinedMetric::AsgAverageNetworkOut => (
                "AWS/EC2",
                "NetworkOut",
                vec![Dimension::new("AutoScalingGroupName", group)],
                Statistic::Average,
            ),
            PredefinedMetric::AlbRequestCountPerTarget => {
                let label = t.resource_label.clone().unwrap_or_default();
                let tg = label
                    .split_once("/targetgroup/")
                    .map(|(_, r)| format!("targetgroup/{r}"))
                    .unwrap_or_default();
                (
                    "AWS/ApplicationELB",
                    "RequestCountPerTarget",
                    vec![Dimension::new("TargetGroup", tg)],
                    Statistic::Sum,
                )
            }
            other => {
                return Err(err(
                    "ValidationError",
                    format!("Unsupported predefined metric type {other}"),
                ));
            }
        };
        let uuid = format!("{:08x}-0000-4000-8000-{n:012x}", n as u32);
        let arn: crate::id::Arn = policy_arn.parse()?;
        let mut out = Vec::new();
        let mut shapes = vec![("AlarmHigh", 3, ComparisonOperator::GreaterThanThreshold, t.target_value)];
        if !t.disable_scale_in {
            shapes.push((
                "AlarmLow",
                15,
                ComparisonOperator::LessThanThreshold,
                t.target_value * 0.9,
            ));
        }
        for (which, periods, cmp, threshold) in shapes {
            let name = format!("TargetTracking-{group}-{which}-{uuid}");
            out.push(
                PutMetricAlarmRequest::builder()
                    .alarm_name(name.parse()?)
                    .description(format!(
                        "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {policy_arn}."
                    ))
                    .namespace(namespace)
                    .metric_name(metric)
                    .dimensions(dims.clone())
                    .statistic(stat)
                    .period_secs(60)
                    .evaluation_periods(periods)
                    .datapoints_to_alarm(periods)
                    .threshold(threshold)
                    .comparison(cmp)
                    .alarm_actions(vec![arn.clone()])
                    .build()?,
            );
        }
        Ok(out)
    }
}

/// The group instance `id` belongs to (Auto Scaling's not-found answer if none).
fn group_of_mut<'a>(st: &'a mut SimState, id: &InstanceId) -> crate::Result<&'a mut GroupRec> {
    st.asg
        .groups
        .values_mut()
        .find(|g| g.members.contains_key(id))
        .ok_or_else(|| {
            err(
                "ValidationError",
                format!("Instance Id not found - No managed instance found for instance ID: {id}"),
            )
        })
}

/// Auto Scaling's answer to a launch template (version) a launch could not use.
fn check_template(st: &SimState, r: &LaunchTemplateRef, v: crate::ec2::TemplateVersion) -> crate::Result<()> {
    super::ec2::resolve_template(st, r, v).map(|_| ()).map_err(|e| {
        err(
            "ValidationError",
            format!(
                "You must use a valid fully-formed launch template. {}",
                e.api_error().map_or(e.to_string(), |a| a.message.clone())
            ),
        )
    })
}

/// Each subnet with its zone (`ValidationError` for one that does not exist).
fn zones_of(st: &SimState, subnets: &[SubnetId]) -> crate::Result<Vec<(SubnetId, AvailabilityZone)>> {
    subnets
        .iter()
        .map(|s| {
            let (zone, _) = super::ec2::subnet_info(st, s)
                .ok_or_else(|| err("ValidationError", format!("The subnet ID '{s}' does not exist")))?;
            Ok((s.clone(), zone))
        })
        .collect()
}

/// The capacity `d` changed by `adjustment` read as `kind`.
fn adjust(d: u32, kind: &AdjustmentType, adjustment: i32, min_magnitude: Option<u32>) -> u32 {
    let d64 = i64::from(d);
    let new = match kind {
        AdjustmentType::ExactCapacity => i64::from(adjustment),
        AdjustmentType::PercentChangeInCapacity => {
            let mut change = (d64 as f64 * f64::from(adjustment) / 100.0).trunc() as i64;
            let min = i64::from(min_magnitude.unwrap_or(1));
            if adjustment != 0 && change.abs() < min {
                change = min * i64::from(adjustment.signum());
            }
            d64 + change
        }
        _ => d64 + i64::from(adjustment),
    };
    new.clamp(0, i64::from(u32::MAX)) as u32
}

#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl AutoScaling for SimCloud {
    async fn create_auto_scaling_group(&self, req: CreateAutoScalingGroupRequest) -> crate::Result<()> {
        req.validate()?;
        let now = self.now();
        {
            let mut st = self.lock();
            if st.asg.groups.contains_key(req.name.as_str()) {
                return Err(err(
                    "AlreadyExists",
                    format!(
                        "AutoScalingGroup by this name already exists - A group with the name {} already exists",
                        req.name
                    ),
                ));
            }
            check_template(&st, &req.launch_template, req.launch_template_version)?;
            let zones = zones_of(&st, &req.subnets)?;
            for tg in &req.target_group_arns {
                if !super::elb::target_group_exists(&st, tg) {
                    return Err(err(
                        "ValidationError",
                        format!(
                            "Provided Target Groups may not be valid. Please ensure they exist and try again: {tg}"
                        ),
                    ));
                }
            }
            let n = st.next();
            let arn = self.group_arn(req.name.as_str(), n);
            let desired = req.desired_capacity.unwrap_or(req.min_size);
            st.asg.groups.insert(
                req.name.to_string(),
                GroupRec {
                    settings: req,
                    desired,
                    arn,
                    created: self.wall_clock(),
                    zones,
                    members: BTreeMap::new(),
                    activities: Vec::new(),
                    last_scaling: None,
                    deleting: false,
                    refreshes: Vec::new(),
                    next_launch: now,
                    launch_failures: 0,
                },
            );
        }
        self.start_engine()?;
        // The first launches start at once (AWS: within seconds).
        let actions = self.plan();
        self.perform(actions).await;
        Ok(())
    }

    async fn update_auto_scaling_group(&self, req: UpdateAutoScalingGroupRequest) -> crate::Result<()> {
        req.validate()?;
        let mut st = self.lock();
        if let Some(t) = &req.launch_template {
            check_template(&st, t, req.launch_template_version.unwrap_or_default())?;
        }
        let zones = req.subnets.as_deref().map(|s| zones_of(&st, s)).transpose()?;
        let g = st
            .asg
            .groups
            .get_mut(req.name.as_str())
            .ok_or_else(|| group_not_found(req.name.as_str()))?;
        if g.deleting {
            return Err(err("ScalingActivityInProgress", "The group is being deleted."));
        }
        let min = req.min_size.unwrap_or(g.settings.min_size);
        let max = req.max_size.unwrap_or(g.settings.max_size);
        if min > max {
            return Err(err(
                "ValidationError",
                format!("Max bound, {max}, must be greater than or equal to min bound, {min}"),
            ));
        }
        // AWS: a new min above the desired capacity raises it; a new max below lowers it.
        let desired = req.desired_capacity.unwrap_or(g.desired).clamp(min, max);
        if let Some(d) = req.desired_capacity
            && (d < min || d > max)
        {
            return Err(err(
                "ValidationError",
                format!("Desired capacity:{d} must be between the specified min size:{min} and max size:{max}"),
            ));
        }
        let s = &mut g.settings;
        s.min_size = min;
        s.max_size = max;
        if let Some(t) = req.launch_template {
            s.launch_template = t;
            s.launch_template_version = req.launch_template_version.unwrap_or_default();
        }
        if let Some(z) = zones {
            g.zones = z;
            g.settings.subnets = req.subnets.unwrap_or_default();
        }
        let s = &mut g.settings;
        if let Some(t) = req.health_check_type {
            s.health_check_type = t;
        }
        if req.health_check_grace_period_secs.is_some() {
            s.health_check_grace_period_secs = req.health_check_grace_period_secs;
        }
        if req.default_cooldown_secs.is_some() {
            s.default_cooldown_secs = req.default_cooldown_secs;
        }
        if req.default_instance_warmup_secs.is_some() {
            s.default_instance_warmup_secs = req.default_instance_warmup_secs;
        }
        g.desired = desired;
        Ok(())
    }

    async fn describe_auto_scaling_groups(
        &self,
        names: Vec<AutoScalingGroupName>,
    ) -> crate::Result<Vec<AutoScalingGroup>> {
        let st = self.lock();
        Ok(st
            .asg
            .groups
            .values()
            .filter(|g| names.is_empty() || names.contains(&g.settings.name))
            .map(GroupRec::view)
            .collect())
    }

    async fn delete_auto_scaling_group(&self, name: AutoScalingGroupName, force_delete: bool) -> crate::Result<()> {
        let deleted = {
            let mut st = self.lock();
            let g = st
                .asg
                .groups
                .get_mut(name.as_str())
                .ok_or_else(|| group_not_found(name.as_str()))?;
            if !force_delete {
                if !g.members.is_empty() {
                    return Err(err(
                        "ResourceInUse",
                        "You cannot delete an AutoScalingGroup while there are instances still in the group.",
                    ));
                }
                if g.activities.iter().any(|a| !a.status.is_done()) {
                    return Err(err(
                        "ScalingActivityInProgress",
                        "You cannot delete an AutoScalingGroup while there are scaling activities in progress for that group.",
                    ));
                }
            }
            g.deleting = true;
            g.members.is_empty()
        };
        // An empty group goes at once; one with instances once they are terminated.
        if deleted || force_delete {
            let actions = self.plan();
            self.perform(actions).await;
        }
        Ok(())
    }

    async fn set_desired_capacity(
        &self,
        name: AutoScalingGroupName,
        desired: u32,
        honor_cooldown: bool,
    ) -> crate::Result<()> {
        let now = self.now();
        {
            let mut st = self.lock();
            let n = st.next();
            let g = st
                .asg
                .groups
                .get_mut(name.as_str())
                .ok_or_else(|| group_not_found(name.as_str()))?;
            let (min, max) = (g.settings.min_size, g.settings.max_size);
            if desired < min || desired > max {
                return Err(err(
                    "ValidationError",
                    format!(
                        "New SetDesiredCapacity value {desired} is below min value {min} or above max value {max} for the AutoScalingGroup."
                    ),
                ));
            }
            if honor_cooldown && g.last_scaling.is_some_and(|t| now < t + g.cooldown()) {
                return Err(err(
                    "ScalingActivityInProgress",
                    "The scaling activity could not be performed because the group is in its cooldown period.",
                ));
            }
            let d = g.desired;
            g.desired = desired;
            g.last_scaling = Some(now);
            if d != desired {
                let cause = format!(
                    "At {} a user request explicitly set group desired capacity changing the desired capacity from {d} to {desired}.",
                    time_words(self.wall_clock())
                );
                g.activity(
                    self,
                    n,
                    format!("Set desired capacity from {d} to {desired}"),
                    cause,
                    ActivityStatus::Successful,
                );
            }
        }
        let actions = self.plan();
        self.perform(actions).await;
        Ok(())
    }

    async fn describe_scaling_activities(&self, name: AutoScalingGroupName) -> crate::Result<Vec<ScalingActivity>> {
        let st = self.lock();
        // AWS answers an empty list for a group it does not know.
        Ok(st
            .asg
            .groups
            .get(name.as_str())
            .map(|g| g.activities.iter().rev().cloned().collect())
            .unwrap_or_default())
    }

    async fn put_scaling_policy(&self, req: PutScalingPolicyRequest) -> crate::Result<PutScalingPolicyOutput> {
        req.validate()?;
        let (arn, alarms_to_create, old_alarms) = {
            let mut st = self.lock();
            let g = st
                .asg
                .groups
                .get(req.group.as_str())
                .ok_or_else(|| group_not_found(req.group.as_str()))?;
            if let PolicyConfig::TargetTracking(t) = &req.config
                && t.metric == PredefinedMetric::AlbRequestCountPerTarget
            {
                let label = t.resource_label.as_deref().unwrap_or_default();
                if g.labelled_target_group(label).is_none() {
                    return Err(err(
                        "ValidationError",
                        format!(
                            "The target group in resource label {label} is not attached to the Auto Scaling group {}.",
                            req.group
                        ),
                    ));
                }
            }
            let existing = st
                .asg
                .policies
                .iter()
                .find(|(_, p)| p.req.group == req.group && p.req.name == req.name)
                .map(|(a, p)| (a.clone(), p.alarms.clone()));
            let n = st.next();
            let arn = existing
                .as_ref()
                .map_or_else(|| self.policy_arn(req.group.as_str(), &req.name, n), |(a, _)| a.clone());
            let alarms = match &req.config {
                PolicyConfig::TargetTracking(t) => self.tracking_alarms(req.group.as_str(), t, &arn, n)?,
                _ => Vec::new(),
            };
            (arn, alarms, existing.map(|(_, a)| a).unwrap_or_default())
        };
        // A replaced target-tracking policy's alarms give way to the new ones.
        let old: Vec<AlarmName> = old_alarms.iter().filter_map(|a| a.name.parse().ok()).collect();
        if !old.is_empty() {
            CloudWatch::delete_alarms(self, old).await?;
        }
        let mut alarms = Vec::new();
        for a in alarms_to_create {
            let name = a.alarm_name.to_string();
            CloudWatch::put_metric_alarm(self, a).await?;
            let c = &self.inner.config;
            alarms.push(PolicyAlarm::new(
                name.clone(),
                format!("arn:aws:cloudwatch:{}:{}:alarm:{name}", c.region, c.account_id),
            ));
        }
        let mut st = self.lock();
        if !st.asg.groups.contains_key(req.group.as_str()) {
            return Err(group_not_found(req.group.as_str()));
        }
        st.asg.policies.insert(
            arn.clone(),
            PolicyRec {
                req,
                alarms: alarms.clone(),
                last_run: None,
            },
        );
        Ok(PutScalingPolicyOutput {
            policy_arn: arn,
            alarms,
        })
    }

    async fn describe_policies(&self, name: AutoScalingGroupName) -> crate::Result<Vec<ScalingPolicy>> {
        let st = self.lock();
        Ok(st
            .asg
            .policies
            .iter()
            .filter(|(_, p)| p.req.group == name)
            .map(|(arn, p)| {
                let alarms = match &p.req.config {
                    PolicyConfig::TargetTracking(_) => p.alarms.clone(),
                    _ => super::cloudwatch::alarms_acting_on(&st, arn)
                        .into_iter()
                        .map(|n| {
                            let c = &self.inner.config;
                            let a = format!("arn:aws:cloudwatch:{}:{}:alarm:{n}", c.region, c.account_id);
                            PolicyAlarm::new(n, a)
                        })
                        .collect(),
                };
                ScalingPolicy {
                    group: p.req.group.clone(),
                    name: p.req.name.clone(),
                    arn: arn.clone(),
                    policy_type: p.req.config.policy_type(),
                    config: Some(p.req.config.clone()),
                    estimated_instance_warmup_secs: p.req.estimated_instance_warmup_secs,
                    enabled: p.req.enabled,
                    alarms,
                }
            })
            .collect())
    }

    async fn delete_policy(&self, group: AutoScalingGroupName, policy: String) -> crate::Result<()> {
        let alarms = {
            let mut st = self.lock();
            if !st.asg.groups.contains_key(group.as_str()) {
                return Err(group_not_found(group.as_str()));
            }
            let arn = st
                .asg
                .policies
                .iter()
                .find(|(_, p)| p.req.group == group && p.req.name == policy)
                .map(|(a, _)| a.clone())
                .ok_or_else(|| {
                    err(
                        "ValidationError",
                        format!("Scaling policy {policy} not found for group {group}"),
                    )
                })?;
            st.asg.policies.remove(&arn).map(|p| p.alarms).unwrap_or_default()
        };
        let names: Vec<AlarmName> = alarms.iter().filter_map(|a| a.name.parse().ok()).collect();
        if !names.is_empty() {
            CloudWatch::delete_alarms(self, names).await?;
        }
        Ok(())
    }

    async fn set_instance_health(
        &self,
        instance: InstanceId,
        health: InstanceHealth,
        respect_grace_period: bool,
    ) -> crate::Result<()> {
        if health.is_unknown() {
            return Err(Error::validation(
                "health",
                format!("must be Healthy or Unhealthy (got {health})"),
            ));
        }
        let now = self.now();
        let mut st = self.lock();
        let g = group_of_mut(&mut st, &instance)?;
        let grace = g.grace();
        let Some(m) = g.members.get_mut(&instance) else {
            return Ok(());
        };
        if respect_grace_period && now < m.launched + grace {
            // AWS ignores the call during the grace period when asked to respect it.
            return Ok(());
        }
        if !is_leaving(&m.state) {
            m.health = health;
        }
        Ok(())
    }

    async fn terminate_instance_in_auto_scaling_group(
        &self,
        instance: InstanceId,
        decrement_desired: bool,
    ) -> crate::Result<ScalingActivity> {
        let (activity, action) = {
            let mut st = self.lock();
            let n = st.next();
            let g = group_of_mut(&mut st, &instance)?;
            if decrement_desired && g.desired <= g.settings.min_size {
                return Err(err(
                    "ValidationError",
                    format!(
                        "Currently, desiredSize equals minSize ({}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
                        g.settings.min_size
                    ),
                ));
            }
            let d = g.desired;
            if decrement_desired {
                g.desired -= 1;
            }
            let cause = if decrement_desired {
                format!(
                    "At {} instance {instance} was taken out of service in response to a user request, shrinking the capacity from {d} to {}.",
                    time_words(self.wall_clock()),
                    g.desired
                )
            } else {
                format!(
                    "At {} instance {instance} was taken out of service in response to a user request.",
                    time_words(self.wall_clock())
                )
            };
            // An instance already leaving keeps its termination activity; the call is
            // recorded and its termination sent again.
            let action = if g.members.get(&instance).is_some_and(|m| is_leaving(&m.state)) {
                g.activity(
                    self,
                    n,
                    format!("Terminating EC2 instance: {instance}"),
                    cause,
                    ActivityStatus::InProgress,
                );
                Action::Terminate {
                    group: g.settings.name.to_string(),
                    id: instance,
                    targets: g.settings.target_group_arns.clone(),
                }
            } else {
                g.begin_termination(self, n, instance, cause)
            };
            let activity = g.activities.last().cloned().expect("just recorded");
            (activity, action)
        };
        self.perform(vec![action]).await;
        Ok(activity)
    }

    async fn start_instance_refresh(&self, req: StartInstanceRefreshRequest) -> crate::Result<String> {
        req.validate()?;
        let mut st = self.lock();
        let n = st.next();
        let wall = self.wall_clock();
        let cfg_version = {
            let g = st
                .asg
                .groups
                .get(req.group.as_str())
                .ok_or_else(|| group_not_found(req.group.as_str()))?;
            super::ec2::resolve_template(&st, &g.settings.launch_template, g.settings.launch_template_version)
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        let g = st
            .asg
            .groups
            .get_mut(req.group.as_str())
            .ok_or_else(|| group_not_found(req.group.as_str()))?;
        if g.refreshes.iter().any(|r| !r.refresh.status.is_done()) {
            return Err(err(
                "InstanceRefreshInProgress",
                format!(
                    "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh for group {}.",
                    req.group
                ),
            ));
        }
        let to_replace: BTreeSet<InstanceId> = g
            .active()
            .filter(|(_, m)| {
                !(req.skip_matching && m.template.1 == cfg_version && m.template.0 == g.settings.launch_template)
            })
            .map(|(id, _)| id.clone())
            .collect();
        let id = format!("{:08x}-0000-4000-9000-{n:012x}", n as u32);
        let warmup = req
            .instance_warmup_secs
            .or(g.settings.default_instance_warmup_secs)
            .or(g.settings.health_check_grace_period_secs)
            .unwrap_or(0);
        let total = to_replace.len() as u32;
        g.refreshes.push(RefreshRec {
            refresh: InstanceRefresh {
                id: id.clone(),
                group: req.group.clone(),
                status: RefreshStatus::InProgress,
                status_reason: Some("Waiting for instances to warm up before continuing.".into()),
                start_time: Some(wall),
                end_time: None,
                percentage_complete: 0,
                instances_to_update: total,
            },
            to_replace,
            total,
            min_healthy: req.min_healthy_percentage,
            warmup: Duration::from_secs(u64::from(warmup)),
        });
        Ok(id)
    }

    async fn describe_instance_refreshes(&self, name: AutoScalingGroupName) -> crate::Result<Vec<InstanceRefresh>> {
        let st = self.lock();
        let g = st
            .asg
            .groups
            .get(name.as_str())
            .ok_or_else(|| group_not_found(name.as_str()))?;
        Ok(g.refreshes.iter().rev().map(|r| r.refresh.clone()).collect())
    }

    async fn cancel_instance_refresh(&self, name: AutoScalingGroupName) -> crate::Result<String> {
        let wall = self.wall_clock();
        let mut st = self.lock();
        let g = st
            .asg
            .groups
            .get_mut(name.as_str())
            .ok_or_else(|| group_not_found(name.as_str()))?;
        let r = g
            .refreshes
            .iter_mut()
            .rfind(|r| !r.refresh.status.is_done())
            .ok_or_else(|| {
                err(
                    "ActiveInstanceRefreshNotFound",
                    format!("No in progress or pending Instance Refresh found for Auto Scaling group {name}"),
                )
            })?;
        // AWS passes through Cancelling while the batch in flight completes; the simulator
        // stops before the next batch, so it is Cancelled at once.
        r.refresh.status = RefreshStatus::Cancelled;
        r.refresh.end_time = Some(wall);
        r.refresh.status_reason = Some("Cancelled due to user request.".into());
        Ok(r.refresh.id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ramp_interpolates_and_holds() {
        let r = LoadProfile::ramp([(Duration::from_secs(60), 100.0), (Duration::from_secs(160), 200.0)]).unwrap();
        assert_eq!(r.rate_at(Duration::ZERO), 100.0);
        assert_eq!(r.rate_at(Duration::from_secs(110)), 150.0);
        assert_eq!(r.rate_at(Duration::from_secs(1000)), 200.0);
        assert!(LoadProfile::ramp([(Duration::from_secs(2), 1.0), (Duration::from_secs(1), 1.0)]).is_err());
        assert!(
            LoadProfile::ramp([(Duration::ZERO, -1.0)])
                .unwrap_err()
                .to_string()
                .contains("points[0]")
        );
        assert!(LoadProfile::ramp(Vec::new()).is_err());
    }

    #[test]
    fn adjustments_read_by_type() {
        assert_eq!(adjust(4, &AdjustmentType::ChangeInCapacity, 2, None), 6);
        assert_eq!(adjust(4, &AdjustmentType::ChangeInCapacity, -6, None), 0);
        assert_eq!(adjust(4, &AdjustmentType::ExactCapacity, 9, None), 9);
        assert_eq!(adjust(10, &AdjustmentType::PercentChangeInCapacity, 25, None), 12);
        // A percentage below one instance still moves by the least magnitude.
        assert_eq!(adjust(2, &AdjustmentType::PercentChangeInCapacity, 10, Some(1)), 3);
    }
}
