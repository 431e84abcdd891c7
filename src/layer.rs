//! Behaviour composed by wrapping: latency, faults and recording around ANY implementation of
//! the service traits (the SDK adapters, the simulator, a mock).
//!
//! A [`Layer`] sees every call as an [`Op`] (service and AWS operation name) and a future; it
//! may delay it ([`Latency`]), fail it ([`Faults`]) or observe it ([`Recording`]).
//! [`Layered`] applies a layer to one service handle; [`Cloud::layer`](crate::Cloud::layer)
//! applies it to all five.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::{Cloud, layer::{Faults, Recording}};
//! let journal = Recording::new();
//! let cloud = Cloud::sim()
//!     .layer(Faults::new(7).script("DescribeVpcs", 1, "RequestLimitExceeded"))
//!     .layer(journal.clone());
//! assert!(cloud.ec2.default_vpc().await.unwrap_err().is_throttled());
//! assert!(cloud.ec2.default_vpc().await.is_ok());
//! assert_eq!(journal.count("DescribeVpcs"), 2);
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::Instant;

use crate::error::{ApiError, Error, Result, Service};

/// One call as a layer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Op {
    /// The service called.
    pub service: Service,
    /// The AWS operation name, e.g. `RunInstances`.
    pub name: &'static str,
}

/// Something that wraps every call to a service.
pub trait Layer: Send + Sync + 'static {
    /// Runs `call` (the inner implementation's future) for `op`, with whatever this layer adds.
    fn call<'a, T: Send + 'a>(&'a self, op: Op, call: BoxFuture<'a, Result<T>>) -> BoxFuture<'a, Result<T>>;
}

impl<L: Layer> Layer for Arc<L> {
    fn call<'a, T: Send + 'a>(&'a self, op: Op, call: BoxFuture<'a, Result<T>>) -> BoxFuture<'a, Result<T>> {
        (**self).call(op, call)
    }
}

/// A service handle `S` wrapped in a layer `L`; it implements the same service traits as `S`.
#[derive(Debug, Clone)]
pub struct Layered<S, L> {
    inner: S,
    layer: L,
}

impl<S, L> Layered<S, L> {
    /// Wraps `inner` in `layer`.
    pub fn new(inner: S, layer: L) -> Self {
        Layered { inner, layer }
    }
    /// The wrapped implementation.
    pub fn inner(&self) -> &S {
        &self.inner
    }
    /// The layer.
    pub fn layer(&self) -> &L {
        &self.layer
    }
}

// ---------------------------------------------------------------------------------------------
// Recording

/// One recorded call.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    /// Order in which the call started (0-based).
    pub seq: usize,
    /// The operation.
    pub op: Op,
    /// When it started, since the journal was made (tokio's clock, so virtual under paused time).
    pub started: Duration,
    /// When it finished.
    pub finished: Duration,
    /// `None` on success, else the error code (or the error kind where there is no code).
    pub error: Option<String>,
}

impl JournalEntry {
    /// Whether this call and `other` were in flight at the same time.
    pub fn overlaps(&self, other: &JournalEntry) -> bool {
        self.started < other.finished && other.started < self.finished
    }
}

/// A layer that records every call (operation, start, end, outcome) in a shared journal.
///
/// Clones share the journal. Tests use it to assert which calls were made, which were not,
/// and which overlapped.
#[derive(Debug, Clone)]
pub struct Recording {
    inner: Arc<Mutex<RecordingState>>,
}

#[derive(Debug)]
struct RecordingState {
    origin: Instant,
    entries: Vec<JournalEntry>,
    next_seq: usize,
}

impl Default for Recording {
    fn default() -> Self {
        Self::new()
    }
}

impl Recording {
    /// An empty journal whose times count from now.
    pub fn new() -> Self {
        Recording {
            inner: Arc::new(Mutex::new(RecordingState {
                origin: Instant::now(),
                entries: Vec::new(),
                next_seq: 0,
            })),
        }
    }

    /// Every finished call, in order of start.
    pub fn entries(&self) -> Vec<JournalEntry> {
        let mut v = self.inner.lock().unwrap().entries.clone();
        v.sort_by_key(|e| e.seq);
        v
    }

    /// How many calls of the operation `name` were made (finished), in any service.
    pub fn count(&self, name: &str) -> usize {
        self.inner
            .lock()
            .unwrap()
            .entries
            .iter()
            .filter(|e| e.op.name == name)
            .count()
    }

    /// How many calls were made in all.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap().entries.len()
    }

    /// Whether no call was made.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The operation names in order of start.
    pub fn operations(&self) -> Vec<&'static str> {
        self.entries().into_iter().map(|e| e.op.name).collect()
    }

    /// Whether any call of operation `a` overlapped any call of operation `b`.
    pub fn overlapped(&self, a: &str, b: &str) -> bool {
        let entries = self.entries();
        entries.iter().filter(|x| x.op.name == a).any(|x| {
            entries
                .iter()
                .filter(|y| y.op.name == b && y.seq != x.seq)
                .any(|y| x.overlaps(y))
        })
    }

    /// The largest number of calls in flight at once.
    pub fn max_in_flight(&self) -> usize {
        let mut events: Vec<(Duration, i32)> = self
            .entries()
            .iter()
            .flat_map(|e| [(e.started, 1), (e.finished, -1)])
            .collect();
        // Ends sort before starts at the same instant: touching calls do not overlap.
        events.sort();
        let (mut cur, mut max) = (0i32, 0i32);
        for (_, d) in events {
            cur += d;
            max = max.max(cur);
        }
        max as usize
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        let mut s = self.inner.lock().unwrap();
        s.entries.clear();
    }
}

impl Layer for Recording {
    fn call<'a, T: Send + 'a>(&'a self, op: Op, call: BoxFuture<'a, Result<T>>) -> BoxFuture<'a, Result<T>> {
        Box::pin(async move {
            let (seq, started) = {
                let mut s = self.inner.lock().unwrap();
                let seq = s.next_seq;
                s.next_seq += 1;
                (seq, s.origin.elapsed())
            };
            let out = call.await;
            let error = out.as_ref().err().map(|e| {
                e.code()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{:?}", e.kind()))
            });
            let mut s = self.inner.lock().unwrap();
            let finished = s.origin.elapsed();
            s.entries.push(JournalEntry {
                seq,
                op,
                started,
                finished,
                error,
            });
            out
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Latency

/// How long a call takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delay {
    /// Always this long.
    Fixed(Duration),
    /// Uniformly between the two bounds (seeded).
    Uniform(Duration, Duration),
}

/// A layer that delays every call (on tokio's clock) by a fixed or seeded random latency,
/// per operation or by default.
#[derive(Debug, Clone)]
pub struct Latency {
    default: Delay,
    per_op: Arc<HashMap<&'static str, Delay>>,
    rng: Arc<Mutex<fastrand::Rng>>,
}

impl Latency {
    /// Every call takes `d`.
    pub fn fixed(d: Duration) -> Self {
        Latency {
            default: Delay::Fixed(d),
            per_op: Arc::default(),
            rng: Arc::new(Mutex::new(fastrand::Rng::with_seed(0))),
        }
    }

    /// Every call takes between `lo` and `hi`, drawn from a generator seeded with `seed`.
    pub fn uniform(lo: Duration, hi: Duration, seed: u64) -> Self {
        Latency {
            default: Delay::Uniform(lo, hi),
            per_op: Arc::default(),
            rng: Arc::new(Mutex::new(fastrand::Rng::with_seed(seed))),
        }
    }

    /// Calls of operation `name` take `delay` instead of the default.
    pub fn with_op(mut self, name: &'static str, delay: Delay) -> Self {
        Arc::make_mut(&mut self.per_op).insert(name, delay);
        self
    }

    fn delay_for(&self, name: &str) -> Duration {
        match self.per_op.get(name).copied().unwrap_or(self.default) {
            Delay::Fixed(d) => d,
            Delay::Uniform(lo, hi) => {
                let span = hi.saturating_sub(lo).as_nanos() as u64;
                let x = if span == 0 {
                    0
                } else {
                    self.rng.lock().unwrap().u64(0..=span)
                };
                lo + Duration::from_nanos(x)
            }
        }
    }
}

impl Layer for Latency {
    fn call<'a, T: Send + 'a>(&'a self, op: Op, call: BoxFuture<'a, Result<T>>) -> BoxFuture<'a, Result<T>> {
        let d = self.delay_for(op.name);
        Box::pin(async move {
            tokio::time::sleep(d).await;
            call.await
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Faults

#[derive(Debug)]
struct FaultState {
    rng: fastrand::Rng,
    calls: HashMap<&'static str, usize>,
    injected: usize,
}

/// A layer that fails calls before they reach the inner implementation: at random (seeded)
/// with throttling or 5xx errors, and by script ("fail the 2nd `CreateLoadBalancer` with
/// `DependencyViolation`").
#[derive(Debug, Clone)]
pub struct Faults {
    probability: f64,
    only_ops: Option<Arc<Vec<&'static str>>>,
    scripted: Arc<Vec<(&'static str, usize, &'static str)>>,
    state: Arc<Mutex<FaultState>>,
}

impl Faults {
    /// No faults yet; random draws come from a generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Faults {
            probability: 0.0,
            only_ops: None,
            scripted: Arc::default(),
            state: Arc::new(Mutex::new(FaultState {
                rng: fastrand::Rng::with_seed(seed),
                calls: HashMap::new(),
                injected: 0,
            })),
        }
    }

    /// Each call fails with probability `p`: half of them `Throttling`-class errors, half
    /// 5xx `ServiceUnavailable` (both retryable).
    pub fn transient(mut self, p: f64) -> Self {
        self.probability = p.clamp(0.0, 1.0);
        self
    }

    /// Random faults hit only these operations.
    pub fn only(mut self, ops: &[&'static str]) -> Self {
        self.only_ops = Some(Arc::new(ops.to_vec()));
        self
    }

    /// The `nth` call (1-based) of operation `name` fails with the AWS error `code`.
    pub fn script(mut self, name: &'static str, nth: usize, code: &'static str) -> Self {
        Arc::make_mut(&mut self.scripted).push((name, nth, code));
        self
    }

    /// How many faults have been injected so far.
    pub fn injected(&self) -> usize {
        self.state.lock().unwrap().injected
    }

    fn decide(&self, op: Op) -> Option<Error> {
        let mut s = self.state.lock().unwrap();
        let n = {
            let c = s.calls.entry(op.name).or_insert(0);
            *c += 1;
            *c
        };
        if let Some((_, _, code)) = self
            .scripted
            .iter()
            .find(|(name, nth, _)| *name == op.name && *nth == n)
        {
            s.injected += 1;
            return Some(Error::from_api(ApiError {
                service: op.service,
                code: code.to_string(),
                message: format!("injected fault on call {n} of {}", op.name),
                request_id: Some(format!("fault-{n}")),
                status: Some(400),
            }));
        }
        let eligible = self.only_ops.as_ref().is_none_or(|ops| ops.contains(&op.name));
        if eligible && self.probability > 0.0 && s.rng.f64() < self.probability {
            s.injected += 1;
            let throttle = s.rng.bool();
            let (code, status) = match (throttle, op.service) {
                (true, Service::Ec2) => ("RequestLimitExceeded", 503),
                (true, Service::Lambda) => ("TooManyRequestsException", 429),
                (true, Service::Ebs) => ("ThrottlingException", 429),
                (true, _) => ("Throttling", 400),
                (false, _) => ("ServiceUnavailable", 503),
            };
            return Some(Error::from_api(ApiError {
                service: op.service,
                code: code.into(),
                message: format!("injected transient fault on {}", op.name),
                request_id: None,
                status: Some(status),
            }));
        }
        None
    }
}

impl Layer for Faults {
    fn call<'a, T: Send + 'a>(&'a self, op: Op, call: BoxFuture<'a, Result<T>>) -> BoxFuture<'a, Result<T>> {
        match self.decide(op) {
            Some(err) => Box::pin(async move { Err(err) }),
            None => call,
        }
    }
}

#[cfg(all(test, feature = "sim"))]
mod tests {
    use super::*;
    use crate::Cloud;
    use crate::ec2::{CreateSecurityGroupRequest, Ec2};

    fn group(name: &str) -> CreateSecurityGroupRequest {
        CreateSecurityGroupRequest::builder()
            .name(name)
            .description("layer test")
            .build()
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn latency_delays_each_call_fixed_per_op_or_seeded() {
        let cloud = Cloud::sim().layer(
            Latency::fixed(Duration::from_millis(100)).with_op("DescribeSubnets", Delay::Fixed(Duration::from_secs(2))),
        );
        let t0 = Instant::now();
        let vpc = cloud.ec2.default_vpc().await.unwrap();
        assert_eq!(t0.elapsed(), Duration::from_millis(100));
        cloud.ec2.describe_subnets(vpc.id).await.unwrap();
        assert_eq!(t0.elapsed(), Duration::from_millis(2100), "per-operation delay");

        // Seeded: the same seed gives the same delays, each within the bounds.
        let draws = |seed| {
            let l = Latency::uniform(Duration::from_millis(50), Duration::from_millis(250), seed);
            (0..20).map(|_| l.delay_for("RunInstances")).collect::<Vec<_>>()
        };
        assert_eq!(draws(3), draws(3));
        assert_ne!(draws(3), draws(4));
        assert!(
            draws(3)
                .iter()
                .all(|d| (Duration::from_millis(50)..=Duration::from_millis(250)).contains(d))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn faults_script_the_nth_call_and_never_reach_the_inner_service() {
        let sim = crate::sim::SimCloud::new();
        let faults = Faults::new(1).script("CreateSecurityGroup", 2, "DependencyViolation");
        let journal = Recording::new();
        // The journal is inside the faults: it sees only the calls that got through.
        let cloud = sim.cloud().layer(journal.clone()).layer(faults.clone());
        cloud.ec2.create_security_group(group("a")).await.unwrap();
        let e = cloud.ec2.create_security_group(group("b")).await.unwrap_err();
        assert!(e.is_conflict(), "{e:?}");
        assert_eq!(e.code(), Some("DependencyViolation"));
        cloud.ec2.create_security_group(group("c")).await.unwrap();
        assert_eq!(faults.injected(), 1);
        assert_eq!(
            journal.count("CreateSecurityGroup"),
            2,
            "the faulted call never reached the simulator"
        );
        assert_eq!(sim.inventory().count("security group"), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn transient_faults_are_seeded_retryable_and_limited_to_chosen_ops() {
        let run = |seed| async move {
            let faults = Faults::new(seed).transient(0.5).only(&["DescribeVpcs"]);
            let cloud = Cloud::sim().layer(faults.clone());
            let mut outcomes = Vec::new();
            for _ in 0..40 {
                match cloud.ec2.default_vpc().await {
                    Ok(_) => outcomes.push(None),
                    Err(e) => {
                        assert!(e.is_retryable(), "{e:?}");
                        outcomes.push(e.code().map(str::to_string));
                    }
                }
            }
            // Not an eligible operation: never faulted.
            for _ in 0..20 {
                cloud.ec2.describe_images(Default::default()).await.unwrap();
            }
            (outcomes, faults.injected())
        };
        let (a, n) = run(9).await;
        let (b, _) = run(9).await;
        assert_eq!(a, b, "the same seed injects the same faults");
        assert!((8..=32).contains(&n), "about half of 40 calls: {n}");
        assert_eq!(a.iter().flatten().count(), n);
    }

    #[tokio::test(start_paused = true)]
    async fn recording_keeps_times_outcomes_and_overlap() {
        let journal = Recording::new();
        let cloud = Cloud::sim()
            .layer(Latency::fixed(Duration::from_millis(100)))
            .layer(journal.clone());
        let (a, b) = tokio::join!(cloud.ec2.default_vpc(), cloud.ec2.describe_images(Default::default()));
        a.unwrap();
        b.unwrap();
        cloud
            .ec2
            .delete_security_group("sg-00000000".parse().unwrap())
            .await
            .unwrap_err();
        assert_eq!(
            journal.operations(),
            ["DescribeVpcs", "DescribeImages", "DeleteSecurityGroup"]
        );
        assert!(journal.overlapped("DescribeVpcs", "DescribeImages"));
        assert!(!journal.overlapped("DescribeVpcs", "DeleteSecurityGroup"));
        assert_eq!(journal.max_in_flight(), 2);
        let entries = journal.entries();
        assert_eq!(entries[2].started, Duration::from_millis(100));
        assert_eq!(entries[2].finished, Duration::from_millis(200));
        assert_eq!(entries[0].error, None);
        assert_eq!(entries[2].error.as_deref(), Some("InvalidGroup.NotFound"));
        journal.clear();
        assert!(journal.is_empty());
    }
}
