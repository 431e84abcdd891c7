//! Behaviour composed by wrapping: latency, faults and recording around ANY implementation of
//! the service traits (the SDK adapters, the simulator, a mock).
//!
//! A [`Layer`] sees every call as an [`Op`] (service and AWS operation name) and a way to make
//! it; it may delay it ([`Latency`]), fail it ([`Faults`]), observe it ([`Recording`]) or make
//! it again ([`Retry`], the one retry mechanism, which every [`Cloud`](crate::Cloud) applies
//! outermost), trace it ([`Tracing`]) or authorize it ([`iam::Enforce`](crate::iam::Enforce)).
//! [`Layered`] applies a layer to one service handle; [`Cloud::layer`](crate::Cloud::layer)
//! applies it to all five.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::{Cloud, layer::{Faults, Recording, Retry}};
//! let journal = Recording::new();
//! let cloud = Cloud::sim()
//!     .layer(Faults::new(7).script("DescribeVpcs", 1, "RequestLimitExceeded"))
//!     .layer(journal.clone());
//! // The cloud's retry layer (outermost) retries the throttled call: two attempts, one answer.
//! assert!(cloud.ec2.default_vpc().await.is_ok());
//! assert_eq!(journal.count("DescribeVpcs"), 2, "the journal (outside the faults) sees both attempts");
//! // Without retry, the fault is the answer.
//! let once = Cloud::sim()
//!     .layer(Faults::new(7).script("DescribeVpcs", 1, "RequestLimitExceeded"))
//!     .with_retry(Retry::none());
//! assert!(once.ec2.default_vpc().await.unwrap_err().is_throttled());
//! # Ok(()) }
//! ```

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
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
    /// The IAM action that authorizes it, e.g. `ec2:RunInstances` (Lambda's `Invoke` is
    /// `lambda:InvokeFunction`), from the trait's operation list.
    pub iam_action: &'static str,
}

/// The inner implementation's call, as a layer gets it: each invocation makes the request
/// anew (with clones of its arguments), so a layer may make it more than once ([`Retry`]) or
/// not at all ([`Faults`]).
pub type Call<'a, T> = dyn Fn() -> BoxFuture<'a, Result<T>> + Send + Sync + 'a;

/// Something that wraps every call to a service.
pub trait Layer: Send + Sync + 'static {
    /// Runs `call` (the inner implementation's call) for `op`, with whatever this layer adds.
    ///
    /// `args` are the call's arguments in the trait method's order, to be read before the
    /// returned future starts (the IAM layer, [`iam::Enforce`](crate::iam::Enforce),
    /// authorizes them; [`ClientRateLimit`] counts the instances of a RunInstances). Most
    /// layers ignore them.
    fn call<'a, T: Send + 'a>(&'a self, op: Op, args: &[&dyn Any], call: Box<Call<'a, T>>) -> BoxFuture<'a, Result<T>>;
}

impl<L: Layer> Layer for Arc<L> {
    fn call<'a, T: Send + 'a>(&'a self, op: Op, args: &[&dyn Any], call: Box<Call<'a, T>>) -> BoxFuture<'a, Result<T>> {
        (**self).call(op, args, call)
    }
}

/// A call refused before it was made, as a layer answers it.
pub(crate) fn refused<'a, T: Send + 'a>(e: Error) -> BoxFuture<'a, Result<T>> {
    Box::pin(std::future::ready(Err(e)))
}

/// Boxes a call factory (used by the service macros).
#[doc(hidden)]
pub fn boxed<'a, T, F, Fut>(f: F) -> Box<Call<'a, T>>
where
    F: Fn() -> Fut + Send + Sync + 'a,
    Fut: std::future::Future<Output = Result<T>> + Send + 'a,
{
    Box::new(move || Box::pin(f()) as BoxFuture<'a, Result<T>>)
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
    fn call<'a, T: Send + 'a>(
        &'a self,
        op: Op,
        _args: &[&dyn Any],
        call: Box<Call<'a, T>>,
    ) -> BoxFuture<'a, Result<T>> {
        Box::pin(async move {
            let (seq, started) = {
                let mut s = self.inner.lock().unwrap();
                let seq = s.next_seq;
                s.next_seq += 1;
                (seq, s.origin.elapsed())
            };
            let out = call().await;
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
// Tracing

/// A layer that traces every call as a `tracing` span, on any backend (the SDK adapters, the
/// simulator, a mock).
///
/// The span is `aws_call` with fields `service`, `operation`, `iam_action` and, when the call
/// ends, `outcome` (`ok` or `error`), `error_code`, `request_id` (when the service answered
/// one) and `duration_ms`; an event `"aws call"` at DEBUG closes it. Under a [`Cloud`]'s retry
/// (which is outermost), each attempt is its own `aws_call` span inside an `aws_attempt`
/// span whose field `attempt` counts from 1. No argument is recorded, so no secret reaches a
/// span.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> aws_facade::Result<()> {
/// use aws_facade::{Cloud, layer::Tracing};
/// // With a subscriber installed (e.g. `tracing_subscriber::fmt().init()`), every call shows.
/// let cloud = Cloud::sim().layer(Tracing::new());
/// cloud.ec2.default_vpc().await?;
/// # Ok(()) }
/// ```
///
/// [`Cloud`]: crate::Cloud
#[derive(Debug, Clone, Default)]
pub struct Tracing {
    _private: (),
}

impl Tracing {
    /// The tracing layer.
    pub fn new() -> Self {
        Tracing::default()
    }
}

impl Layer for Tracing {
    fn call<'a, T: Send + 'a>(
        &'a self,
        op: Op,
        _args: &[&dyn Any],
        call: Box<Call<'a, T>>,
    ) -> BoxFuture<'a, Result<T>> {
        use tracing::Instrument;
        let span = tracing::info_span!(
            "aws_call",
            service = %op.service,
            operation = op.name,
            iam_action = op.iam_action,
            outcome = tracing::field::Empty,
            error_code = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        Box::pin(async move {
            let start = Instant::now();
            let out = call().instrument(span.clone()).await;
            span.record("duration_ms", start.elapsed().as_secs_f64() * 1e3);
            match &out {
                Ok(_) => {
                    span.record("outcome", "ok");
                }
                Err(e) => {
                    span.record("outcome", "error");
                    if let Some(code) = e.code() {
                        span.record("error_code", code);
                    }
                    if let Some(id) = e.api_error().and_then(|a| a.request_id.as_deref()) {
                        span.record("request_id", id);
                    }
                }
            }
            tracing::debug!(parent: &span, "aws call");
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
/// per operation or by default: before the call reaches the service (the request's way
/// there) and, with [`Latency::after_call`], after it took effect (the answer's way back,
/// where a dropped future or a timeout loses an answer whose call did happen).
#[derive(Debug, Clone)]
pub struct Latency {
    default: Delay,
    per_op: Arc<HashMap<&'static str, Delay>>,
    after: Option<Delay>,
    rng: Arc<Mutex<fastrand::Rng>>,
}

impl Latency {
    /// Every call takes `d`.
    pub fn fixed(d: Duration) -> Self {
        Latency {
            default: Delay::Fixed(d),
            per_op: Arc::default(),
            after: None,
            rng: Arc::new(Mutex::new(fastrand::Rng::with_seed(0))),
        }
    }

    /// Every call takes between `lo` and `hi`, drawn from a generator seeded with `seed`.
    pub fn uniform(lo: Duration, hi: Duration, seed: u64) -> Self {
        Latency {
            default: Delay::Uniform(lo, hi),
            per_op: Arc::default(),
            after: None,
            rng: Arc::new(Mutex::new(fastrand::Rng::with_seed(seed))),
        }
    }

    /// Calls of operation `name` take `delay` instead of the default.
    pub fn with_op(mut self, name: &'static str, delay: Delay) -> Self {
        Arc::make_mut(&mut self.per_op).insert(name, delay);
        self
    }

    /// Adds `delay` after every call has taken effect, before its answer is returned.
    pub fn after_call(mut self, delay: Delay) -> Self {
        self.after = Some(delay);
        self
    }

    fn draw(&self, delay: Delay) -> Duration {
        match delay {
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

    fn delay_for(&self, name: &str) -> Duration {
        self.draw(self.per_op.get(name).copied().unwrap_or(self.default))
    }
}

impl Layer for Latency {
    fn call<'a, T: Send + 'a>(
        &'a self,
        op: Op,
        _args: &[&dyn Any],
        call: Box<Call<'a, T>>,
    ) -> BoxFuture<'a, Result<T>> {
        let d = self.delay_for(op.name);
        let after = self.after.map(|a| self.draw(a));
        Box::pin(async move {
            tokio::time::sleep(d).await;
            let out = call().await;
            if let Some(a) = after {
                tokio::time::sleep(a).await;
            }
            out
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
    lost: usize,
}

/// What the faults layer does to one call.
enum Fault {
    /// Fail it before it reaches the service.
    Before(Error),
    /// Let it take effect, then replace its answer.
    Lost(Error),
}

/// A layer that fails calls: at random (seeded) with throttling, 5xx errors and lost
/// responses, and by script ("fail the 2nd `CreateLoadBalancer` with `DependencyViolation`").
///
/// A *lost response* is the fault a retry must be safe against: the call reaches the inner
/// implementation and takes effect, then its answer is replaced by a retryable error (a 5xx
/// or a timeout), as when a connection drops after the service acted.
#[derive(Debug, Clone)]
pub struct Faults {
    probability: f64,
    only_ops: Option<Arc<Vec<&'static str>>>,
    scripted: Arc<Vec<(&'static str, usize, &'static str)>>,
    scripted_lost: Arc<Vec<(&'static str, usize)>>,
    before_only: bool,
    state: Arc<Mutex<FaultState>>,
}

impl Faults {
    /// No faults yet; random draws come from a generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Faults {
            probability: 0.0,
            only_ops: None,
            scripted: Arc::default(),
            scripted_lost: Arc::default(),
            before_only: false,
            state: Arc::new(Mutex::new(FaultState {
                rng: fastrand::Rng::with_seed(seed),
                calls: HashMap::new(),
                injected: 0,
                lost: 0,
            })),
        }
    }

    /// Each call fails with probability `p`, all retryable: a third `Throttling`-class
    /// errors and a third 5xx `ServiceUnavailable` (both before the call reaches the service),
    /// and a third lost responses (the call takes effect, then its answer is a 5xx or a
    /// timeout).
    pub fn transient(mut self, p: f64) -> Self {
        self.probability = p.clamp(0.0, 1.0);
        self
    }

    /// Random faults never lose an answer: every injected fault fails the call before it
    /// reaches the service (for calls whose repeat is not idempotent, such as PutMetricData,
    /// which counts a datum twice when retried after a lost answer, as on AWS).
    pub fn before_only(mut self) -> Self {
        self.before_only = true;
        self
    }

    /// Random faults hit only these operations.
    pub fn only(mut self, ops: &[&'static str]) -> Self {
        self.only_ops = Some(Arc::new(ops.to_vec()));
        self
    }

    /// The `nth` call (1-based) of operation `name` fails with the AWS error `code`, before it
    /// reaches the service.
    pub fn script(mut self, name: &'static str, nth: usize, code: &'static str) -> Self {
        Arc::make_mut(&mut self.scripted).push((name, nth, code));
        self
    }

    /// The `nth` call (1-based) of operation `name` takes effect, and its answer is lost (a
    /// transport timeout is returned instead).
    pub fn script_lost(mut self, name: &'static str, nth: usize) -> Self {
        Arc::make_mut(&mut self.scripted_lost).push((name, nth));
        self
    }

    /// How many faults have been injected so far (lost responses included).
    pub fn injected(&self) -> usize {
        self.state.lock().unwrap().injected
    }

    /// How many of them were lost responses.
    pub fn lost(&self) -> usize {
        self.state.lock().unwrap().lost
    }

    fn decide(&self, op: Op) -> Option<Fault> {
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
            return Some(Fault::Before(Error::from_api(ApiError {
                service: op.service,
                code: code.to_string(),
                message: format!("injected fault on call {n} of {}", op.name),
                request_id: Some(format!("fault-{n}")),
                status: Some(400),
            })));
        }
        if self
            .scripted_lost
            .iter()
            .any(|(name, nth)| *name == op.name && *nth == n)
        {
            s.injected += 1;
            s.lost += 1;
            return Some(Fault::Lost(lost_timeout(op, n)));
        }
        let eligible = self.only_ops.as_ref().is_none_or(|ops| ops.contains(&op.name));
        if !(eligible && self.probability > 0.0 && s.rng.f64() < self.probability) {
            return None;
        }
        s.injected += 1;
        let unavailable = |op: Op| {
            Error::from_api(ApiError {
                service: op.service,
                code: "ServiceUnavailable".into(),
                message: format!("injected transient fault on {}", op.name),
                request_id: None,
                status: Some(503),
            })
        };
        let draw = if self.before_only {
            s.rng.u8(0..4)
        } else {
            s.rng.u8(0..6)
        };
        Some(match draw {
            0 | 1 => {
                let (code, status) = match op.service {
                    Service::Ec2 => ("RequestLimitExceeded", 503),
                    Service::Lambda => ("TooManyRequestsException", 429),
                    Service::Ebs => ("ThrottlingException", 429),
                    _ => ("Throttling", 400),
                };
                Fault::Before(Error::from_api(ApiError {
                    service: op.service,
                    code: code.into(),
                    message: format!("injected throttling on {}", op.name),
                    request_id: None,
                    status: Some(status),
                }))
            }
            2 | 3 => Fault::Before(unavailable(op)),
            4 => {
                s.lost += 1;
                Fault::Lost(unavailable(op))
            }
            _ => {
                s.lost += 1;
                Fault::Lost(lost_timeout(op, n))
            }
        })
    }
}

fn lost_timeout(op: Op, n: usize) -> Error {
    Error::transport_after_send(
        op.service,
        format!(
            "injected lost response on call {n} of {}: the call took effect, its answer timed out",
            op.name
        ),
        None,
    )
}

impl Layer for Faults {
    fn call<'a, T: Send + 'a>(
        &'a self,
        op: Op,
        _args: &[&dyn Any],
        call: Box<Call<'a, T>>,
    ) -> BoxFuture<'a, Result<T>> {
        match self.decide(op) {
            Some(Fault::Before(err)) => Box::pin(async move { Err(err) }),
            Some(Fault::Lost(err)) => Box::pin(async move {
                let _ = call().await;
                Err(err)
            }),
            None => call(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Retry

/// One retry, as reported to the workflow's progress stream and to tracing.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryEvent {
    /// The operation retried.
    pub op: Op,
    /// The attempt that failed (1 for the first).
    pub attempt: u32,
    /// How long the layer waits before the next attempt.
    pub delay: Duration,
    /// The error that made it retry.
    pub cause: String,
}

/// Where retries are reported: set for the calls of a task by [`retry_observer`].
pub type RetryObserver = Arc<dyn Fn(&RetryEvent) + Send + Sync>;

tokio::task_local! {
    static OBSERVER: RetryObserver;
}

/// Runs `fut` with every retry of its calls (in this task) reported to `observer`. Workflows
/// run their plan in one, so a retry becomes an [`Event::Retrying`](crate::workflows::Event).
pub fn retry_observer<F: std::future::Future>(
    observer: RetryObserver,
    fut: F,
) -> impl std::future::Future<Output = F::Output> {
    OBSERVER.scope(observer, fut)
}

/// EC2 operations that use an id the caller may just have been given (by a create) and may, as
/// EC2 is eventually consistent, answer "not found" for a while: for these only, a not-found is
/// retried within [`Retry::consistency_window`].
pub const EVENTUALLY_CONSISTENT_OPS: &[&str] = &[
    "AuthorizeSecurityGroupIngress",
    "CreateTags",
    "RunInstances",
    "AttachVolume",
    "CreateSnapshot",
    "CreateLoadBalancer",
    "CreateListener",
    "RegisterTargets",
    "ModifyTargetGroupAttributes",
    "PutSnapshotBlock",
    "CompleteSnapshot",
    // A removal right after the create can meet the same lag; a rollback must not take that
    // "not found" for "gone" (a teardown of long-gone resources pays the window once each).
    "DeleteSecurityGroup",
    "DeleteVolume",
    "DeleteSnapshot",
    "TerminateInstances",
];

/// Operations with no idempotency token whose retry after a lost answer would create a
/// second resource: they are retried only on errors that prove the call did not take effect
/// (throttling). The workflows adopt what such a call made by its tags.
pub const NON_IDEMPOTENT_OPS: &[&str] = &["CreateSnapshot"];

/// The one retry mechanism: a layer that retries every call whose error is transient, with
/// exponential backoff and full jitter, a per-call attempt limit and an overall deadline.
///
/// - throttling and 5xx (and the codes AWS documents as transient): up to
///   [`max_attempts`](Retry::max_attempts) attempts;
/// - transport failures before the request was sent (refused connections, unreachable
///   hosts): up to [`transport_attempts`](Retry::transport_attempts), so a wrong endpoint fails
///   within seconds; after it was sent (timeouts, dropped connections: `sent: true`) like 5xx;
/// - not-found from an operation in [`EVENTUALLY_CONSISTENT_OPS`]: retried until
///   [`consistency_window`](Retry::consistency_window) has passed since the first attempt,
///   except for a removal after an earlier attempt that may have taken effect (a 5xx or a lost
///   answer): then the not-found is the answer (the first attempt removed it; should EC2 have
///   lagged instead, the workflows' sweep by tags removes what is still listed);
/// - never anything else, and never past [`deadline`](Retry::deadline).
///
/// The jitter comes from [`crate::rng`] (seeded inside a workflow). Each retry is reported to
/// the task's [`retry_observer`] and to tracing. Every [`Cloud`](crate::Cloud) applies one,
/// outermost ([`Cloud::with_retry`](crate::Cloud::with_retry)), and the SDK adapters it builds
/// have the SDK's own retry switched off: one budget in total.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    max_attempts: u32,
    transport_attempts: u32,
    consistency_window: Duration,
    base_delay: Duration,
    max_delay: Duration,
    deadline: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry::standard()
    }
}

impl Retry {
    /// 6 attempts for throttling, 5xx and timeouts, 3 for connections that fail (refused,
    /// unreachable), 30 s of eventual
    /// consistency, delays from 200 ms doubling to at most 10 s (full jitter), 90 s per call.
    pub fn standard() -> Self {
        Retry {
            max_attempts: 6,
            transport_attempts: 3,
            consistency_window: Duration::from_secs(30),
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            deadline: Duration::from_secs(90),
        }
    }

    /// No retries at all (every call is made once).
    pub fn none() -> Self {
        Retry {
            max_attempts: 1,
            transport_attempts: 1,
            consistency_window: Duration::ZERO,
            ..Retry::standard()
        }
    }

    /// Attempts in all (the first included) for throttling and 5xx.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Attempts in all for transport failures before the request was sent (refused,
    /// unreachable).
    pub fn transport_attempts(mut self, n: u32) -> Self {
        self.transport_attempts = n.max(1);
        self
    }

    /// How long a not-found from an [`EVENTUALLY_CONSISTENT_OPS`] operation is retried.
    pub fn consistency_window(mut self, d: Duration) -> Self {
        self.consistency_window = d;
        self
    }

    /// The first delay's upper bound (doubling per attempt, full jitter).
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// The largest delay.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// No retry starts after this much time since the first attempt.
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = d;
        self
    }

    /// Whether `err` from attempt `attempt` (1-based; for a transport error, the number of
    /// transport failures so far) of `op`, `elapsed` after the first attempt started, is
    /// retried.
    pub fn retries(&self, op: Op, err: &Error, attempt: u32, elapsed: Duration) -> bool {
        if elapsed >= self.deadline {
            return false;
        }
        if NON_IDEMPOTENT_OPS.contains(&op.name) && !err.is_throttled() {
            return false;
        }
        match err {
            Error::Transport { sent: false, .. } => attempt < self.transport_attempts,
            e if e.is_not_found() => EVENTUALLY_CONSISTENT_OPS.contains(&op.name) && elapsed < self.consistency_window,
            e => e.is_retryable() && attempt < self.max_attempts,
        }
    }

    /// The delay after attempt `attempt` (1-based): full jitter over
    /// `min(max_delay, base_delay * 2^(attempt-1))`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(20))
            .min(self.max_delay);
        cap.mul_f64(crate::rng::f64())
    }
}

/// Whether `op` removes a resource (so a not-found after its own lost attempt means "removed").
fn is_removal(op: Op) -> bool {
    op.name.starts_with("Delete") || op.name.starts_with("Terminate") || op.name.starts_with("Deregister")
}

/// Whether a call that failed with `err` may still have taken effect: the request was sent and
/// the answer was a 5xx or did not come back (throttling, refusals and 4xx answers are sure
/// failures).
fn may_have_taken_effect(err: &Error) -> bool {
    match err {
        Error::Transport { sent, .. } => *sent,
        Error::Throttled(_) => false,
        Error::UnrecognizedResponse { status, .. } => status.is_some_and(|s| s >= 500),
        e => e.is_retryable(),
    }
}

impl Layer for Retry {
    fn call<'a, T: Send + 'a>(
        &'a self,
        op: Op,
        _args: &[&dyn Any],
        call: Box<Call<'a, T>>,
    ) -> BoxFuture<'a, Result<T>> {
        Box::pin(async move {
            let start = Instant::now();
            let (mut attempt, mut transport_failures, mut transient_failures) = (1, 0, 0);
            // Whether an earlier attempt may have taken effect (its answer was a 5xx or never
            // came): then a not-found is the answer, not lag: that attempt removed it.
            let mut maybe_took_effect = false;
            loop {
                let attempt_span = tracing::debug_span!("aws_attempt", attempt);
                let err = match tracing::Instrument::instrument(call(), attempt_span).await {
                    Ok(v) => return Ok(v),
                    Err(e) => e,
                };
                if err.is_not_found() && maybe_took_effect && is_removal(op) {
                    return Err(err);
                }
                maybe_took_effect |= may_have_taken_effect(&err);
                // Each class counts against its own budget: connections that fail (smaller),
                // throttling, 5xx and timeouts; not-found (eventual consistency) against the window.
                let counted = if matches!(err, Error::Transport { sent: false, .. }) {
                    transport_failures += 1;
                    transport_failures
                } else if err.is_not_found() {
                    attempt
                } else {
                    transient_failures += 1;
                    transient_failures
                };
                if !self.retries(op, &err, counted, start.elapsed()) {
                    return Err(err);
                }
                let delay = self.delay(attempt);
                let event = RetryEvent {
                    op,
                    attempt,
                    delay,
                    cause: err.chain().to_string(),
                };
                tracing::info!(service = %op.service, operation = op.name, attempt, ?delay, cause = %event.cause, "retrying");
                let _ = OBSERVER.try_with(|o| o(&event));
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Rate limits: EC2's token buckets, and a client-side layer that keeps a fleet under them

/// A token bucket: it holds at most `capacity` tokens (the burst) and gains `refill_per_sec`
/// tokens a second; every call takes tokens from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// The most tokens the bucket holds; it starts full.
    pub capacity: u32,
    /// Tokens added per second (to a thousandth of a token).
    pub refill_per_sec: f64,
}

impl Bucket {
    /// A bucket of `capacity` tokens refilled at `refill_per_sec`.
    pub const fn new(capacity: u32, refill_per_sec: f64) -> Self {
        Bucket {
            capacity,
            refill_per_sec,
        }
    }

    /// The least time in which a full bucket lets `tokens` tokens through:
    /// `(tokens − capacity) / refill`, zero within the burst.
    pub fn min_time(&self, tokens: u64) -> Duration {
        let over = tokens.saturating_sub(u64::from(self.capacity)) as f64;
        if over == 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(over / self.refill_per_sec.max(f64::MIN_POSITIVE))
        }
    }

    /// Units of a token in [`TokenBuckets`]' integer arithmetic (exact refill times).
    const UNITS_PER_TOKEN: i128 = 1_000_000_000_000;

    fn capacity_units(&self) -> i128 {
        i128::from(self.capacity) * Self::UNITS_PER_TOKEN
    }

    /// Units gained per nanosecond: one per thousandth of a token per second.
    fn units_per_ns(&self) -> i128 {
        (self.refill_per_sec * 1000.0).round().max(0.0) as i128
    }
}

/// Which of EC2's request buckets an operation without a bucket of its own draws from
/// ("Request throttling for the Amazon EC2 API", *Request token bucket sizes and refill
/// rates*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ec2Category {
    /// `Describe*` with a filter (ids, tags, states, ...).
    NonMutating,
    /// `DescribeInstances`, `DescribeVolumes`, `DescribeSnapshots` or `DescribeSecurityGroups`
    /// with no filter at all and no `MaxResults` (the `Vec` describes never send it; the page
    /// methods send it when [`PageRequest::size`](crate::page::PageRequest::size) is set).
    Unfiltered,
    /// Everything else (creates, deletes, modifications).
    Mutating,
}

/// What kind of bucket a [`BucketKey`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BucketKind {
    /// The operation's request bucket (one token a call), in this category.
    Requests(Ec2Category),
    /// The operation's resource bucket (one token per instance the call affects).
    Resources,
}

/// One bucket of an account: EC2 evaluates each API on its own, so every operation has its
/// own request bucket (sized by its category) and some a resource bucket too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BucketKey {
    /// The operation, e.g. `RunInstances`.
    pub op: &'static str,
    /// Which of its buckets.
    pub kind: BucketKind,
}

impl std::fmt::Display for BucketKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            BucketKind::Requests(Ec2Category::Unfiltered) => write!(f, "{} (unfiltered) requests", self.op),
            BucketKind::Requests(_) => write!(f, "{} requests", self.op),
            BucketKind::Resources => write!(f, "{} resources", self.op),
        }
    }
}

/// What one call takes from one bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw {
    /// The bucket.
    pub key: BucketKey,
    /// Its size and refill.
    pub bucket: Bucket,
    /// The tokens the call takes.
    pub tokens: u32,
}

/// EC2's per-account, per-Region token buckets, from "Request throttling for the Amazon EC2
/// API" (EC2 Developer Guide; DESIGN.md's throttling facts). Every field is public: AWS raises
/// limits on request, and the documented numbers change.
///
/// - Request buckets (*Request token bucket sizes and refill rates*): non-mutating
///   (`Describe*`) 100 / 20 per second, unfiltered and unpaginated describes 50 / 10, mutating
///   50 / 5 (the "resource-intensive" category, e.g. AuthorizeSecurityGroupIngress, has the same
///   size); actions with their own size: RunInstances 5 / 2, TerminateInstances 100 / 5,
///   CreateTags 100 / 10, CreateVolume 100 / 5, CreateSnapshot 100 / 5.
/// - Resource buckets (*Resource token bucket sizes and refill rates*), one token per
///   instance: RunInstances 1,000 / 2, TerminateInstances 1,000 / 20.
///
/// Only EC2 is modelled: ELBv2, CloudWatch, Lambda and EBS direct calls draw from no bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Ec2Limits {
    /// Filtered `Describe*` calls.
    pub non_mutating: Bucket,
    /// Unfiltered, unpaginated describes ([`Ec2Category::Unfiltered`]).
    pub unfiltered: Bucket,
    /// Any other call.
    pub mutating: Bucket,
    /// Request buckets of their own size, by operation (instead of the category's).
    pub actions: BTreeMap<&'static str, Bucket>,
    /// Resource buckets, by operation: one token per instance launched or terminated.
    pub resources: BTreeMap<&'static str, Bucket>,
}

impl Default for Ec2Limits {
    fn default() -> Self {
        Ec2Limits::documented()
    }
}

impl Ec2Limits {
    /// The documented defaults (see the type's documentation).
    pub fn documented() -> Self {
        Ec2Limits {
            non_mutating: Bucket::new(100, 20.0),
            unfiltered: Bucket::new(50, 10.0),
            mutating: Bucket::new(50, 5.0),
            actions: BTreeMap::from([
                ("RunInstances", Bucket::new(5, 2.0)),
                ("TerminateInstances", Bucket::new(100, 5.0)),
                ("CreateTags", Bucket::new(100, 10.0)),
                ("CreateVolume", Bucket::new(100, 5.0)),
                ("CreateSnapshot", Bucket::new(100, 5.0)),
            ]),
            // The resource table also lists StartInstances (1,000 / 2) and StopInstances
            // (1,000 / 20), which the facade does not call.
            resources: BTreeMap::from([
                ("RunInstances", Bucket::new(1000, 2.0)),
                ("TerminateInstances", Bucket::new(1000, 20.0)),
            ]),
        }
    }

    /// Operation `op` draws requests from `bucket` instead of its category's.
    pub fn with_action(mut self, op: &'static str, bucket: Bucket) -> Self {
        self.actions.insert(op, bucket);
        self
    }

    /// Operation `op` draws one token per instance from the resource bucket `bucket`.
    pub fn with_resource(mut self, op: &'static str, bucket: Bucket) -> Self {
        self.resources.insert(op, bucket);
        self
    }

    /// The category of an EC2 call of `op` with arguments `args` (the trait method's, in
    /// order, as [`Layer::call`] gets them).
    pub fn category(op: &str, args: &[&dyn Any]) -> Ec2Category {
        use crate::ec2::{
            DescribeInstancesRequest, DescribeSecurityGroupsRequest, DescribeSnapshotsRequest, DescribeVolumesRequest,
        };
        // No filter, and (for a page method) no `MaxResults`: a page with a size is paginated.
        fn is_default<T: Default + PartialEq + 'static>(args: &[&dyn Any]) -> bool {
            let unpaged = args
                .get(1)
                .and_then(|a| a.downcast_ref::<crate::page::PageRequest>())
                .is_none_or(|p| p.size.is_none());
            unpaged
                && args
                    .first()
                    .and_then(|a| a.downcast_ref::<T>())
                    .is_some_and(|r| *r == T::default())
        }
        let unfiltered = match op {
            "DescribeInstances" => is_default::<DescribeInstancesRequest>(args),
            "DescribeVolumes" => is_default::<DescribeVolumesRequest>(args),
            "DescribeSnapshots" => is_default::<DescribeSnapshotsRequest>(args),
            "DescribeSecurityGroups" => is_default::<DescribeSecurityGroupsRequest>(args),
            _ => false,
        };
        if unfiltered {
            Ec2Category::Unfiltered
        } else if op.starts_with("Describe") {
            Ec2Category::NonMutating
        } else {
            Ec2Category::Mutating
        }
    }

    /// What a call of `op` with arguments `args` takes from each bucket: nothing for other
    /// services; one request token, plus one resource token per instance for RunInstances
    /// (its `count`) and TerminateInstances (its ids).
    pub fn draws(&self, op: Op, args: &[&dyn Any]) -> Vec<Draw> {
        if op.service != Service::Ec2 {
            return Vec::new();
        }
        let category = Self::category(op.name, args);
        let bucket = match (self.actions.get(op.name), category) {
            // An unfiltered describe is in the smaller bucket even if the action has its own.
            (_, Ec2Category::Unfiltered) => self.unfiltered,
            (Some(b), _) => *b,
            (None, Ec2Category::NonMutating) => self.non_mutating,
            (None, _) => self.mutating,
        };
        let mut out = vec![Draw {
            key: BucketKey {
                op: op.name,
                kind: BucketKind::Requests(category),
            },
            bucket,
            tokens: 1,
        }];
        if let Some(res) = self.resources.get(op.name) {
            let instances = args
                .first()
                .and_then(|a| {
                    a.downcast_ref::<crate::ec2::RunInstancesRequest>()
                        .map(|r| r.count)
                        .or_else(|| a.downcast_ref::<Vec<crate::id::InstanceId>>().map(|v| v.len() as u32))
                })
                .unwrap_or(1);
            out.push(Draw {
                key: BucketKey {
                    op: op.name,
                    kind: BucketKind::Resources,
                },
                bucket: *res,
                tokens: instances,
            });
        }
        out
    }
}

#[derive(Debug, Clone, Copy)]
struct TokenState {
    units: i128,
    at: Instant,
}

/// The state of an account's token buckets on tokio's clock, in integer units (a bucket
/// refilled at 2 a second has its next token exactly 500 ms after it emptied). Buckets start
/// full.
#[derive(Debug, Default)]
pub(crate) struct TokenBuckets {
    state: HashMap<BucketKey, TokenState>,
}

impl TokenBuckets {
    fn refilled(&mut self, d: &Draw, now: Instant) -> &mut TokenState {
        let s = self.state.entry(d.key).or_insert(TokenState {
            units: d.bucket.capacity_units(),
            at: now,
        });
        let ns = now.saturating_duration_since(s.at).as_nanos() as i128;
        s.units = (s.units + ns * d.bucket.units_per_ns()).min(d.bucket.capacity_units());
        s.at = now;
        s
    }

    /// Takes every draw's tokens if every bucket has them (EC2 refuses a call, taking
    /// nothing, when any of its buckets is short); else names the first bucket short.
    pub(crate) fn try_take(&mut self, draws: &[Draw], now: Instant) -> std::result::Result<(), BucketKey> {
        for d in draws {
            let need = i128::from(d.tokens) * Bucket::UNITS_PER_TOKEN;
            if self.refilled(d, now).units < need {
                return Err(d.key);
            }
        }
        for d in draws {
            self.refilled(d, now).units -= i128::from(d.tokens) * Bucket::UNITS_PER_TOKEN;
        }
        Ok(())
    }

    /// Takes every draw's tokens now, into debt where short, and answers when the last bucket
    /// is out of debt: the instant the call may be made (now, within the burst).
    pub(crate) fn reserve(&mut self, draws: &[Draw], now: Instant) -> Instant {
        let mut ready = now;
        for d in draws {
            let s = self.refilled(d, now);
            s.units -= i128::from(d.tokens) * Bucket::UNITS_PER_TOKEN;
            if s.units < 0 {
                let rate = d.bucket.units_per_ns().max(1);
                let ns = (-s.units + rate - 1) / rate;
                ready = ready.max(now + Duration::from_nanos(ns.min(i128::from(u64::MAX)) as u64));
            }
        }
        ready
    }
}

/// A client-side rate limiter (as the AWS SDKs' adaptive retry mode has one): it delays each
/// EC2 call, on tokio's clock, until a client-side copy of the account's token buckets
/// ([`Ec2Limits`], configurable per category and per operation) has its tokens, so that a
/// fleet of concurrent calls stays under EC2's limits instead of being throttled and retried.
///
/// Calls are scheduled first come, first served: each takes its tokens when it is admitted
/// (into debt if the bucket is short) and waits until the debt is repaid, so the pacing is
/// deterministic (no jitter, nothing random). A call that waits longer than the retry layer's
/// deadline is still made: the wait is before the attempt. Other services pass unchanged.
/// Every attempt of a retried call is paced (the cloud's retry is outside every layer).
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> aws_facade::Result<()> {
/// use aws_facade::{Cloud, layer::{Bucket, ClientRateLimit, Ec2Limits}};
/// let pace = ClientRateLimit::new(Ec2Limits::documented().with_action("DescribeVpcs", Bucket::new(1, 2.0)));
/// let cloud = Cloud::sim().layer(pace.clone());
/// let t0 = tokio::time::Instant::now();
/// for _ in 0..3 {
///     cloud.ec2.default_vpc().await?;
/// }
/// // One in the burst, then one every 500 ms.
/// assert_eq!(t0.elapsed(), std::time::Duration::from_secs(1));
/// assert_eq!(pace.delayed(), 2);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientRateLimit {
    limits: Arc<Ec2Limits>,
    state: Arc<Mutex<ClientState>>,
}

#[derive(Debug, Default)]
struct ClientState {
    buckets: TokenBuckets,
    delayed: usize,
    waited: Duration,
}

impl Default for ClientRateLimit {
    fn default() -> Self {
        ClientRateLimit::new(Ec2Limits::documented())
    }
}

impl ClientRateLimit {
    /// Paces EC2 calls to `limits` (typically [`Ec2Limits::documented`], or the account's
    /// raised limits).
    pub fn new(limits: Ec2Limits) -> Self {
        ClientRateLimit {
            limits: Arc::new(limits),
            state: Arc::default(),
        }
    }

    /// The buckets it paces to.
    pub fn limits(&self) -> &Ec2Limits {
        &self.limits
    }

    /// How many calls it has delayed so far.
    pub fn delayed(&self) -> usize {
        self.state.lock().unwrap().delayed
    }

    /// The total time calls have waited (summed over calls, so concurrent waits add up).
    pub fn waited(&self) -> Duration {
        self.state.lock().unwrap().waited
    }

    fn reserve(&self, op: Op, args: &[&dyn Any]) -> Instant {
        let draws = self.limits.draws(op, args);
        let now = Instant::now();
        if draws.is_empty() {
            return now;
        }
        let mut s = self.state.lock().unwrap();
        let ready = s.buckets.reserve(&draws, now);
        if ready > now {
            s.delayed += 1;
            s.waited += ready - now;
        }
        ready
    }
}

impl Layer for ClientRateLimit {
    fn call<'a, T: Send + 'a>(&'a self, op: Op, args: &[&dyn Any], call: Box<Call<'a, T>>) -> BoxFuture<'a, Result<T>> {
        let ready = self.reserve(op, args);
        Box::pin(async move {
            tokio::time::sleep_until(ready).await;
            call().await
        })
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

    #[test]
    fn a_paginated_describe_is_not_in_the_unfiltered_bucket() {
        use crate::ec2::{DescribeInstancesRequest, DescribeVolumesRequest};
        use crate::page::PageRequest;
        let all = DescribeInstancesRequest::default();
        let first = PageRequest::first();
        let sized = PageRequest::first().size(100);
        let cat = |args: &[&dyn Any]| Ec2Limits::category("DescribeInstances", args);
        assert_eq!(cat(&[&all]), Ec2Category::Unfiltered);
        assert_eq!(
            cat(&[&all, &first]),
            Ec2Category::Unfiltered,
            "a page without MaxResults is unpaginated"
        );
        assert_eq!(cat(&[&all, &sized]), Ec2Category::NonMutating);
        let vols = DescribeVolumesRequest::default();
        assert_eq!(
            Ec2Limits::category("DescribeVolumes", &[&vols, &sized]),
            Ec2Category::NonMutating
        );
        assert_eq!(
            Ec2Limits::category("DescribeVolumes", &[&vols, &first]),
            Ec2Category::Unfiltered
        );
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
            // Without the cloud's retry, to see each fault.
            let cloud = Cloud::sim().layer(faults.clone()).with_retry(Retry::none());
            let mut outcomes = Vec::new();
            for _ in 0..40 {
                match cloud.ec2.default_vpc().await {
                    Ok(_) => outcomes.push(None),
                    Err(e) => {
                        assert!(e.is_retryable(), "{e:?}");
                        // A lost answer (a transport timeout) has no AWS code.
                        outcomes.push(Some(e.code().unwrap_or("lost").to_string()));
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
        // Without retry: the not-found delete below is made once.
        let cloud = Cloud::sim()
            .layer(Latency::fixed(Duration::from_millis(100)))
            .layer(journal.clone())
            .with_retry(Retry::none());
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

    #[tokio::test(start_paused = true)]
    async fn retry_retries_transient_errors_reports_each_and_replays_from_a_seed() {
        let run = |seed: u64| async move {
            let faults = Faults::new(5).script("DescribeVpcs", 1, "RequestLimitExceeded").script(
                "DescribeVpcs",
                2,
                "ServiceUnavailable",
            );
            let journal = Recording::new();
            let cloud = Cloud::sim().layer(faults).layer(journal.clone());
            let seen = Arc::new(Mutex::new(Vec::new()));
            let s2 = seen.clone();
            let observer: RetryObserver = Arc::new(move |e: &RetryEvent| s2.lock().unwrap().push(e.clone()));
            let t0 = Instant::now();
            let out = crate::rng::scope(seed, retry_observer(observer, cloud.ec2.default_vpc())).await;
            out.unwrap();
            let seen = seen.lock().unwrap().clone();
            (seen, t0.elapsed(), journal.count("DescribeVpcs"))
        };
        let (events, took, reached) = run(1).await;
        assert_eq!(reached, 3, "the journal (outside the faults) sees all three attempts");
        assert_eq!(events.iter().map(|e| e.attempt).collect::<Vec<_>>(), vec![1, 2]);
        assert!(events[0].cause.contains("RequestLimitExceeded"), "{events:?}");
        assert_eq!(events[0].op.name, "DescribeVpcs");
        // Full jitter: each delay within its cap (200 ms, then 400 ms).
        assert!(events[0].delay <= Duration::from_millis(200) && events[1].delay <= Duration::from_millis(400));
        // tokio's timer rounds each sleep up to the next millisecond.
        let slept = events[0].delay + events[1].delay;
        assert!(
            took >= slept && took <= slept + Duration::from_millis(2),
            "{took:?} vs {slept:?}"
        );
        let (again, _, _) = run(1).await;
        assert_eq!(again, events, "the same seed, the same delays");
        let (other, _, _) = run(2).await;
        assert_ne!(other[0].delay, events[0].delay);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_gives_up_after_its_attempts_and_never_retries_permanent_errors() {
        let sim = crate::sim::SimCloud::new();
        let journal = Recording::new();
        let always = Faults::new(1).transient(1.0).only(&["DescribeVpcs"]);
        let cloud = sim.cloud().layer(journal.clone()).layer(always.clone());
        assert!(cloud.ec2.default_vpc().await.unwrap_err().is_retryable());
        // 6 attempts for throttling and 5xx, 3 for transport failures (lost answers): the
        // seeded draw decides which came last, so count what was injected.
        let n = always.injected();
        assert!((3..=6).contains(&n), "{n} attempts");
        // A validation or access error is the answer at once.
        let denied = Faults::new(1).script("DescribeSubnets", 1, "AccessDenied");
        let cloud = sim.cloud().layer(denied.clone());
        let vpc = sim.cloud().ec2.default_vpc().await.unwrap();
        assert!(cloud.ec2.describe_subnets(vpc.id).await.unwrap_err().is_access_denied());
        assert_eq!(denied.injected(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_decides_per_operation() {
        let r = Retry::standard();
        let op = |name| Op {
            service: Service::Ec2,
            name,
            iam_action: "ec2:DeleteVolume",
        };
        let nf = Error::api(
            Service::Ec2,
            "InvalidGroup.NotFound",
            "The security group 'sg-1' does not exist",
        );
        let lost = Error::transport_after_send(Service::Ec2, "timed out", None);
        let refused = Error::transport(Service::Ec2, "connection refused", None);
        let throttled = Error::api(Service::Ec2, "RequestLimitExceeded", "slow down");
        // Eventual consistency: a not-found right after a create, for operations that use a new id.
        assert!(r.retries(op("AuthorizeSecurityGroupIngress"), &nf, 1, Duration::from_secs(5)));
        assert!(!r.retries(op("AuthorizeSecurityGroupIngress"), &nf, 9, Duration::from_secs(31)));
        assert!(
            !r.retries(op("DescribeSecurityGroups"), &nf, 1, Duration::ZERO),
            "a describe's not-found is an answer"
        );
        // A non-idempotent create is retried only when it surely did not happen.
        assert!(!r.retries(op("CreateSnapshot"), &lost, 1, Duration::ZERO));
        assert!(r.retries(op("CreateSnapshot"), &throttled, 1, Duration::ZERO));
        // Connections that fail: 3 attempts; timeouts after sending and throttling: 6;
        // nothing past the deadline.
        assert!(r.retries(op("RunInstances"), &refused, 2, Duration::ZERO));
        assert!(!r.retries(op("RunInstances"), &refused, 3, Duration::ZERO));
        assert!(r.retries(op("RunInstances"), &lost, 5, Duration::ZERO));
        assert!(!r.retries(op("RunInstances"), &lost, 6, Duration::ZERO));
        assert!(r.retries(op("RunInstances"), &throttled, 5, Duration::ZERO));
        assert!(!r.retries(op("RunInstances"), &throttled, 6, Duration::ZERO));
        assert!(!r.retries(op("RunInstances"), &throttled, 1, Duration::from_secs(90)));
        assert!(!Retry::none().retries(op("RunInstances"), &throttled, 1, Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn a_not_found_after_a_lost_delete_is_the_answer_not_lag() {
        let sim = crate::sim::SimCloud::new();
        let id = sim.cloud().ec2.create_security_group(group("gone")).await.unwrap();
        let journal = Recording::new();
        let cloud = sim
            .cloud()
            .layer(journal.clone())
            .layer(Faults::new(1).script_lost("DeleteSecurityGroup", 1));
        let start = Instant::now();
        let e = cloud.ec2.delete_security_group(id).await.unwrap_err();
        assert!(e.is_not_found(), "{e}");
        // One retry, answered "not found" at once: not 30 s of eventual-consistency retries.
        assert_eq!(journal.count("DeleteSecurityGroup"), 2);
        assert!(start.elapsed() < Duration::from_secs(11), "{:?}", start.elapsed());
        assert_eq!(sim.inventory().count("security group"), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_response_took_effect_and_latency_after_the_call_can_lose_it_too() {
        let sim = crate::sim::SimCloud::new();
        let faults = Faults::new(1).script_lost("CreateSecurityGroup", 1);
        let cloud = sim.cloud().layer(faults.clone()).with_retry(Retry::none());
        let e = cloud.ec2.create_security_group(group("lost")).await.unwrap_err();
        assert!(e.is_retryable(), "{e}");
        assert_eq!(faults.lost(), 1);
        assert_eq!(sim.inventory().count("security group"), 1, "the call took effect");

        let slow = sim
            .cloud()
            .layer(Latency::fixed(Duration::ZERO).after_call(Delay::Fixed(Duration::from_secs(5))));
        let cut = tokio::time::timeout(Duration::from_secs(1), slow.ec2.create_security_group(group("late"))).await;
        assert!(cut.is_err(), "the answer had not come back");
        assert_eq!(sim.inventory().count("security group"), 2, "but the group was made");
    }
}
