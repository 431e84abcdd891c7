//! The in-process simulator: EC2, EBS direct, ELBv2, CloudWatch and Lambda over one shared
//! state, with resource lifecycles on tokio's clock.
//!
//! Lifecycles are computed from tokio's [`Instant`]: a resource remembers when it entered a
//! state, and every call first *settles* the state up to "now". Under
//! `tokio::time::pause()` (or `#[tokio::test(start_paused = true)]`) waits cost no real time
//! and runs are deterministic.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::sim::SimCloud;
//! let sim = SimCloud::new();
//! let cloud = sim.cloud();
//! let vpc = cloud.ec2.default_vpc().await?;
//! assert!(cloud.ec2.describe_subnets(vpc.id).await?.len() >= 3);
//! assert!(sim.inventory().is_empty());
//! # Ok(()) }
//! ```

mod autoscaling;
mod cloudwatch;
mod cloudwatch_math;
mod ebs;
mod ec2;
mod elb;
mod lambda;
mod throttle;
#[cfg(feature = "wire")]
#[cfg_attr(docsrs, doc(cfg(feature = "wire")))]
pub mod wire;

pub use autoscaling::{LoadProfile, TICK as AUTO_SCALING_TICK};
pub use lambda::{Handler, Invocation};
pub use throttle::{BucketUsage, RateLimits};

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::cloud::Cloud;
use crate::error::{Error, Service};

/// How the simulated region behaves: identity, lifecycle durations, consistency, seed.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// The region (default `us-east-1`).
    pub region: String,
    /// The account id (default `123456789012`).
    pub account_id: String,
    /// Seed for ids, weighted routing and any other randomness.
    pub seed: u64,
    /// `pending` → `running`.
    pub instance_boot: Duration,
    /// `shutting-down` → `terminated`.
    pub instance_shutdown: Duration,
    /// `stopping` → `stopped` (StopInstances; a start goes `pending` → `running` in
    /// [`instance_boot`](Self::instance_boot)).
    pub instance_stop: Duration,
    /// A running instance's status checks `initializing` → `ok` (DescribeInstanceStatus;
    /// AWS takes a few minutes after each boot).
    pub instance_status_checks: Duration,
    /// How long terminated instances stay visible to DescribeInstances.
    pub terminated_visible: Duration,
    /// Volume `creating` → `available`.
    pub volume_create: Duration,
    /// Attachment `attaching` → `attached` (and `detaching` → `detached`).
    pub volume_attach: Duration,
    /// A volume modification `modifying` → `optimizing` (when the new settings apply).
    pub volume_modify: Duration,
    /// A volume modification `optimizing` → `completed`.
    pub volume_optimize: Duration,
    /// Snapshot `pending` → `completed` (progress grows linearly).
    pub snapshot_complete: Duration,
    /// Load balancer `provisioning` → `active`.
    pub load_balancer_provision: Duration,
    /// After a load balancer is deleted, its network interfaces keep its security groups in
    /// use (deleting them answers `DependencyViolation`) for this long.
    pub load_balancer_release: Duration,
    /// Lambda `Pending` → `Active` after CreateFunction.
    pub lambda_create: Duration,
    /// Lambda `LastUpdateStatus` `InProgress` → `Successful` after an update.
    pub lambda_update: Duration,
    /// Eventual consistency: a new EC2 id answers not-found to describes for this long, and a
    /// new EBS direct snapshot to PutSnapshotBlock (`None`: visible at once).
    pub eventual_consistency: Option<Duration>,
    /// The simulated wall-clock time when the simulator is made (metric timestamps, alarm
    /// history, launch times). Default: the system clock, to the minute. Set it for
    /// reproducible timestamps.
    pub calendar_start: Option<SystemTime>,
    /// How fast the simulated clock runs against tokio's (default 1). At 60, a minute of
    /// lifecycles, metric periods and alarm evaluation passes in a second of tokio time: for
    /// a simulator serving clients in real time (`sim::wire::Server`); tests on paused time
    /// need no speed-up. A value that is not finite and positive counts as 1.
    pub clock_speed: f64,
}

impl Default for SimConfig {
    /// Durations close to what AWS shows: instances boot in ~30 s, ALBs provision in ~2
    /// minutes, Lambda settles in a few seconds.
    fn default() -> Self {
        SimConfig {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            seed: 0x5eed,
            instance_boot: Duration::from_secs(30),
            instance_shutdown: Duration::from_secs(40),
            instance_stop: Duration::from_secs(30),
            instance_status_checks: Duration::from_secs(120),
            terminated_visible: Duration::from_secs(3600),
            volume_create: Duration::from_secs(5),
            volume_attach: Duration::from_secs(3),
            volume_modify: Duration::from_secs(10),
            volume_optimize: Duration::from_secs(300),
            snapshot_complete: Duration::from_secs(60),
            load_balancer_provision: Duration::from_secs(120),
            load_balancer_release: Duration::from_secs(60),
            lambda_create: Duration::from_secs(3),
            lambda_update: Duration::from_secs(3),
            eventual_consistency: None,
            calendar_start: None,
            clock_speed: 1.0,
        }
    }
}

impl SimConfig {
    /// Every transition is instant (still through the same states, in zero time).
    pub fn instant() -> Self {
        SimConfig {
            instance_boot: Duration::ZERO,
            instance_shutdown: Duration::ZERO,
            instance_stop: Duration::ZERO,
            instance_status_checks: Duration::ZERO,
            volume_create: Duration::ZERO,
            volume_attach: Duration::ZERO,
            volume_modify: Duration::ZERO,
            volume_optimize: Duration::ZERO,
            snapshot_complete: Duration::ZERO,
            load_balancer_provision: Duration::ZERO,
            load_balancer_release: Duration::ZERO,
            lambda_create: Duration::ZERO,
            lambda_update: Duration::ZERO,
            ..SimConfig::default()
        }
    }
}

/// Every live resource in the simulator, by kind (for leak checks in tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Resource ids or names by kind (`instance`, `volume`, `load balancer`, ...).
    pub resources: BTreeMap<&'static str, Vec<String>>,
}

impl Inventory {
    /// Whether nothing is left.
    pub fn is_empty(&self) -> bool {
        self.resources.values().all(Vec::is_empty)
    }
    /// How many resources of `kind` are live.
    pub fn count(&self, kind: &str) -> usize {
        self.resources.get(kind).map_or(0, Vec::len)
    }
    /// How many resources are live in all.
    pub fn total(&self) -> usize {
        self.resources.values().map(Vec::len).sum()
    }
    pub(crate) fn add(&mut self, kind: &'static str, id: impl Into<String>) {
        self.resources.entry(kind).or_default().push(id.into());
    }
}

impl std::fmt::Display for Inventory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (kind, ids) in self.resources.iter().filter(|(_, v)| !v.is_empty()) {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{kind}: {}", ids.join(", "))?;
        }
        if first {
            f.write_str("(nothing)")?;
        }
        Ok(())
    }
}

/// The whole simulated region.
#[derive(Default)]
pub(crate) struct SimState {
    next_id: u64,
    pub(crate) ec2: ec2::Ec2State,
    pub(crate) ebs: ebs::EbsState,
    pub(crate) elb: elb::ElbState,
    pub(crate) cw: cloudwatch::CwState,
    pub(crate) lambda: lambda::LambdaState,
    pub(crate) asg: autoscaling::AsgState,
}

impl SimState {
    /// A fresh id counter value.
    pub(crate) fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

pub(crate) struct Inner {
    pub(crate) config: SimConfig,
    origin: Instant,
    wall_origin: SystemTime,
    state: Mutex<SimState>,
    rng: Mutex<fastrand::Rng>,
}

/// The simulator. Cheap to clone (clones share one region); implements all five service
/// traits. [`SimCloud::cloud`] bundles it as a [`Cloud`].
#[derive(Clone)]
pub struct SimCloud {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for SimCloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCloud")
            .field("region", &self.inner.config.region)
            .finish_non_exhaustive()
    }
}

impl Default for SimCloud {
    fn default() -> Self {
        Self::new()
    }
}

impl SimCloud {
    /// A simulator with the default configuration.
    pub fn new() -> Self {
        Self::with_config(SimConfig::default())
    }

    /// A simulator with `config`.
    pub fn with_config(config: SimConfig) -> Self {
        let rng = fastrand::Rng::with_seed(config.seed);
        let sim = SimCloud {
            inner: Arc::new(Inner {
                origin: Instant::now(),
                wall_origin: config.calendar_start.unwrap_or_else(|| {
                    // Today, to the minute: timestamps a user takes from the system clock are
                    // "now" for the simulated CloudWatch too (it refuses data over two hours
                    // ahead or two weeks old), and periods start on whole minutes.
                    let now = SystemTime::now()
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_secs();
                    SystemTime::UNIX_EPOCH + Duration::from_secs(now - now % 60)
                }),
                state: Mutex::new(SimState::default()),
                rng: Mutex::new(rng),
                config,
            }),
        };
        {
            let mut st = sim.lock();
            ec2::seed_region(&mut st, &sim.inner.config);
        }
        sim
    }

    /// All five service traits over this simulator.
    pub fn cloud(&self) -> Cloud {
        let s = Arc::new(self.clone());
        Cloud::new(s.clone(), s.clone(), s.clone(), s.clone(), s.clone()).with_autoscaling(s)
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// Every live resource (not terminated or deleted), settled to now.
    pub fn inventory(&self) -> Inventory {
        let now = self.now();
        let mut inv = Inventory::default();
        let mut st = self.lock();
        ec2::inventory(&mut st, now, &mut inv);
        ebs::inventory(&mut st, now, &mut inv);
        elb::inventory(&mut st, now, &mut inv);
        cloudwatch::inventory(&mut st, now, &mut inv);
        lambda::inventory(&mut st, now, &mut inv);
        autoscaling::inventory(&mut st, now, &mut inv);
        inv
    }

    /// The simulated wall-clock time now: the simulator's calendar start
    /// ([`SimConfig::calendar_start`], by default the system clock when it was made) plus the
    /// tokio time elapsed since. Metric timestamps sent to the simulated CloudWatch are checked
    /// against this clock (at most two weeks old, two hours ahead); under a paused tokio clock
    /// it runs ahead of [`SystemTime::now`], so take timestamps from here (or
    /// [`Clock::sim`](crate::workflows::metrics::Clock::sim)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let sim = aws_facade::sim::SimCloud::new();
    /// let t0 = sim.wall_clock();
    /// tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    /// assert_eq!(sim.wall_clock().duration_since(t0).unwrap().as_secs(), 60);
    /// # }
    /// ```
    pub fn wall_clock(&self) -> SystemTime {
        self.wall(self.now())
    }

    /// A layer that enforces the IAM `policy` on calls to this simulator, reading resource
    /// tags from its region (see [`iam::Enforce`](crate::iam::Enforce)). Fails if the policy
    /// uses something the layer does not evaluate.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> aws_facade::Result<()> {
    /// use aws_facade::{sim::SimCloud, workflows::metrics};
    /// let sim = SimCloud::new();
    /// let cloud = sim.cloud().layer(sim.enforce(metrics::iam_policy("shop"))?);
    /// // Under the metrics publisher's policy, nothing but PutMetricData to "shop" is allowed.
    /// let err = cloud.lambda.list_functions().await.unwrap_err();
    /// assert!(err.is_access_denied());
    /// # Ok(()) }
    /// ```
    pub fn enforce(&self, policy: crate::iam::Policy) -> crate::Result<crate::iam::Enforce> {
        let cfg = &self.inner.config;
        crate::iam::Enforce::new(policy, &cfg.region, &cfg.account_id, Arc::new(self.clone()))
    }

    /// Registers the Rust handler that runs when Lambda function `function` is invoked
    /// (any version or alias). Without one, Invoke answers a clear error.
    pub fn register_handler(&self, function: &str, handler: Handler) {
        self.lock().lambda.handlers.insert(function.to_string(), handler);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, SimState> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// tokio's now (virtual under paused time).
    /// The simulated clock: tokio's, sped up by [`SimConfig::clock_speed`] from the
    /// simulator's origin.
    pub(crate) fn now(&self) -> Instant {
        let real = Instant::now();
        let speed = self.inner.config.clock_speed;
        if speed == 1.0 || !speed.is_finite() || speed <= 0.0 {
            return real;
        }
        let origin = self.inner.origin;
        origin + real.saturating_duration_since(origin).mul_f64(speed)
    }

    /// The simulated wall clock at tokio instant `at`.
    pub(crate) fn wall(&self, at: Instant) -> SystemTime {
        self.inner.wall_origin + at.saturating_duration_since(self.inner.origin)
    }

    /// The tokio instant for a simulated wall-clock time (clamped to the simulator's start).
    pub(crate) fn instant_at(&self, t: SystemTime) -> Instant {
        self.inner.origin + t.duration_since(self.inner.wall_origin).unwrap_or_default()
    }

    /// A seeded random number in `[0, 1)`.
    pub(crate) fn random(&self) -> f64 {
        self.inner.rng.lock().unwrap().f64()
    }

    /// A fresh EC2-style id: `prefix-` and 17 hex digits, deterministic per simulator.
    pub(crate) fn new_id(st: &mut SimState, prefix: &str) -> String {
        let n = st.next();
        // A bijective mix of the counter so ids look random but never collide.
        let mixed = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x0123_4567_89ab_cdef;
        format!("{prefix}-{mixed:017x}")
    }

    /// The simulated AWS error `code` from `service`.
    pub(crate) fn err(service: Service, code: &str, message: impl Into<String>) -> Error {
        let mut api = crate::error::ApiError::new(service, code, message);
        api.request_id = Some("sim".into());
        Error::from_api(api)
    }
}

impl crate::iam::ResourceTags for SimCloud {
    fn resource_tags(&self, arn: &crate::iam::Arn) -> Option<crate::Tags> {
        let now = self.now();
        let mut st = self.lock();
        let (kind, id) = arn.kind_and_id();
        match arn.service.as_str() {
            "ec2" => ec2::resource_tags(&mut st, now, kind, id),
            "elasticloadbalancing" => elb::resource_tags(&st, &arn.arn),
            "cloudwatch" if kind == "alarm" => cloudwatch::alarm_tags(&st, id),
            "lambda" if kind == "function" => lambda::function_tags(&st, id.split(':').next().unwrap_or(id)),
            "autoscaling" => arn
                .arn
                .split_once(":autoScalingGroupName/")
                .and_then(|(_, rest)| autoscaling::group_tags(&st, rest.split(':').next().unwrap_or(rest))),
            _ => None,
        }
    }
}

/// The page `page` asks for of `items` (all of them, in the service's order): `default` items
/// without a size, at most `max`. The tokens are the simulator's own (an offset), so a page
/// walk over a listing that changes between pages may skip or repeat an item, as AWS may.
pub(crate) fn page_of<T: Clone>(
    items: &[T],
    page: &crate::page::PageRequest,
    default: usize,
    max: usize,
) -> crate::Result<crate::page::Page<T>> {
    let size = page.size.map_or(default, |n| (n as usize).min(max));
    let (items, next) = self::page(items, page.token.as_deref(), size)?;
    Ok(crate::page::Page::new(items, next))
}

/// Pages `items` by an opaque numeric token: returns the page and the next token.
pub(crate) fn page<T: Clone>(items: &[T], token: Option<&str>, size: usize) -> crate::Result<(Vec<T>, Option<String>)> {
    let start: usize = match token {
        None => 0,
        Some(t) => t
            .strip_prefix("sim-page-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Error::validation("next_token", format!("is not a token this service issued ({t:?})")))?,
    };
    let end = (start + size.max(1)).min(items.len());
    let next = (end < items.len()).then(|| format!("sim-page-{end}"));
    Ok((items.get(start..end).unwrap_or_default().to_vec(), next))
}

/// A timestamp as Lambda and CloudWatch's alarm events write it:
/// `2024-01-01T00:00:00.000+0000` (UTC, milliseconds).
pub(crate) fn millis_timestamp(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let s = i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2);
    let (days, rem) = (s.div_euclid(86_400), s.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}
