//! [`RateLimits`]: EC2's request throttling, as a layer around any backend.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use tokio::time::Instant;

use crate::error::{ApiError, Error, Result, Service};
use crate::layer::{Bucket, BucketKey, Call, Ec2Limits, Layer, Op, TokenBuckets};

/// An opt-in layer that throttles EC2 calls as EC2 does: per-account token buckets on tokio's
/// clock ([`Ec2Limits`], "Request throttling for the Amazon EC2 API"), one request bucket per
/// operation sized by its category and a resource bucket (one token per instance) for
/// RunInstances and TerminateInstances. A call any of whose buckets is short is refused with
/// EC2's `RequestLimitExceeded` (a throttling error, which the cloud's retry retries) before it
/// reaches the inner backend, and takes no token.
///
/// One `RateLimits` (with its clones) is one account's buckets in one Region: layer the same
/// value onto every [`Cloud`](crate::Cloud) of that account. Buckets start full. ELBv2,
/// CloudWatch, Lambda and EBS direct calls are not throttled.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> aws_facade::Result<()> {
/// use std::time::Duration;
/// use aws_facade::{layer::Retry, sim::{RateLimits, SimCloud}};
/// let limits = RateLimits::ec2();
/// // Without retry, to see the refusal itself.
/// let cloud = SimCloud::new().cloud().layer(limits.clone()).with_retry(Retry::none());
/// // DescribeVpcs is non-mutating: a burst of 100, then 20 a second.
/// for _ in 0..100 {
///     cloud.ec2.default_vpc().await?;
/// }
/// let e = cloud.ec2.default_vpc().await.unwrap_err();
/// assert!(e.is_throttled() && e.code() == Some("RequestLimitExceeded"));
/// tokio::time::sleep(Duration::from_millis(50)).await;
/// cloud.ec2.default_vpc().await?; // one token refilled
/// assert_eq!((limits.admitted(), limits.throttled()), (101, 1));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RateLimits {
    limits: Arc<Ec2Limits>,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    buckets: TokenBuckets,
    usage: BTreeMap<BucketKey, BucketUsage>,
    admitted: usize,
    throttled: usize,
}

/// What one bucket has let through and refused so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketUsage {
    /// The bucket.
    pub key: BucketKey,
    /// Its size and refill.
    pub bucket: Bucket,
    /// Tokens taken by admitted calls.
    pub tokens: u64,
    /// Calls refused because this bucket was short.
    pub refused: usize,
}

impl BucketUsage {
    /// The least time the tokens it let through needed, from a full bucket:
    /// `(tokens − capacity) / refill` ([`Bucket::min_time`]).
    pub fn min_time(&self) -> std::time::Duration {
        self.bucket.min_time(self.tokens)
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::ec2()
    }
}

impl RateLimits {
    /// EC2's documented buckets ([`Ec2Limits::documented`]).
    pub fn ec2() -> Self {
        RateLimits::new(Ec2Limits::documented())
    }

    /// These buckets (e.g. an account's raised limits, or smaller ones for a test).
    pub fn new(limits: Ec2Limits) -> Self {
        RateLimits {
            limits: Arc::new(limits),
            state: Arc::default(),
        }
    }

    /// The buckets.
    pub fn limits(&self) -> &Ec2Limits {
        &self.limits
    }

    /// How many throttled calls were admitted so far.
    pub fn admitted(&self) -> usize {
        self.state.lock().unwrap().admitted
    }

    /// How many calls were refused (`RequestLimitExceeded`) so far.
    pub fn throttled(&self) -> usize {
        self.state.lock().unwrap().throttled
    }

    /// Every bucket used so far, in key order.
    pub fn usage(&self) -> Vec<BucketUsage> {
        self.state.lock().unwrap().usage.values().copied().collect()
    }

    /// The least time the calls admitted so far needed: the largest
    /// [`BucketUsage::min_time`] over the buckets.
    pub fn lower_bound(&self) -> std::time::Duration {
        self.usage().iter().map(BucketUsage::min_time).max().unwrap_or_default()
    }
}

fn limit_exceeded(op: Op, key: BucketKey) -> Error {
    let mut api = ApiError::new(
        Service::Ec2,
        "RequestLimitExceeded",
        format!("Request limit exceeded ({key} of {}).", op.name),
    );
    api.status = Some(503);
    api.request_id = Some("sim-throttle".into());
    Error::from_api(api)
}

impl Layer for RateLimits {
    fn call<'a, T: Send + 'a>(&'a self, op: Op, args: &[&dyn Any], call: Box<Call<'a, T>>) -> BoxFuture<'a, Result<T>> {
        match self.admit(op, args) {
            Ok(()) => call(),
            Err(e) => crate::layer::refused(e),
        }
    }
}

impl RateLimits {
    /// Takes the call's tokens, or refuses it (taking none).
    fn admit(&self, op: Op, args: &[&dyn Any]) -> Result<()> {
        let draws = self.limits.draws(op, args);
        if draws.is_empty() {
            return Ok(());
        }
        let mut s = self.state.lock().unwrap();
        let outcome = s.buckets.try_take(&draws, Instant::now());
        for d in &draws {
            s.usage.entry(d.key).or_insert(BucketUsage {
                key: d.key,
                bucket: d.bucket,
                tokens: 0,
                refused: 0,
            });
        }
        match outcome {
            Ok(()) => {
                s.admitted += 1;
                for d in &draws {
                    if let Some(u) = s.usage.get_mut(&d.key) {
                        u.tokens += u64::from(d.tokens);
                    }
                }
                Ok(())
            }
            Err(key) => {
                s.throttled += 1;
                if let Some(u) = s.usage.get_mut(&key) {
                    u.refused += 1;
                }
                Err(limit_exceeded(op, key))
            }
        }
    }
}
