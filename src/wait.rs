//! Waiting and retrying over the service traits: exponential backoff with jitter, a deadline,
//! and a progress callback. Uses tokio's clock, so under `tokio::time::pause()` waits cost no
//! real time.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use std::time::Duration;
//! use aws_facade::wait::{Check, Waiter};
//! let mut polls = 0;
//! let value = Waiter::new("counter to reach 3")
//!     .timeout(Duration::from_secs(60))
//!     .until(|| {
//!         polls += 1;
//!         let n = polls;
//!         async move { Ok(if n >= 3 { Check::Done(n) } else { Check::Pending(format!("at {n}")) }) }
//!     })
//!     .await?;
//! assert_eq!(value, 3);
//! # Ok(()) }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, Result};

pub mod conditions;

/// The result of one poll.
#[derive(Debug, Clone, PartialEq)]
pub enum Check<T> {
    /// The condition holds; stop waiting with this value.
    Done(T),
    /// Not yet; the string describes the state seen (reported in progress and on timeout).
    Pending(String),
    /// The resource is in a terminal state from which the condition can never hold (an
    /// instance terminated while waiting for it to run): the wait ends with
    /// [`Error::WaitFailed`] naming the state.
    Failed(String),
}

/// Exponential backoff with full jitter: the n-th delay is drawn from
/// `[initial * multiplier^n / 2, initial * multiplier^n]`, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// First delay.
    pub initial: Duration,
    /// Largest delay.
    pub max: Duration,
    /// Growth factor per attempt.
    pub multiplier: f64,
    /// Randomise each delay within its upper half (avoids synchronised retries).
    pub jitter: bool,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: true,
        }
    }
}

impl Backoff {
    /// The delay before retry number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self.multiplier.powi(attempt.min(64) as i32);
        let upper = self.initial.as_secs_f64() * exp;
        let upper = upper.min(self.max.as_secs_f64());
        let secs = if self.jitter {
            upper * (0.5 + 0.5 * crate::rng::f64())
        } else {
            upper
        };
        Duration::from_secs_f64(secs)
    }
}

/// A progress report from a wait.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// What is awaited.
    pub what: String,
    /// Polls so far.
    pub attempt: u32,
    /// Time waited so far.
    pub elapsed: Duration,
    /// The state last seen.
    pub state: String,
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Polls a condition until it holds, fails for good or a deadline passes. The conditions the
/// workflows wait for are in [`conditions`].
#[derive(Clone)]
pub struct Waiter {
    what: String,
    timeout: Duration,
    backoff: Backoff,
    not_found_is_pending: bool,
    on_progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter")
            .field("what", &self.what)
            .field("timeout", &self.timeout)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl Waiter {
    /// A waiter for `what` (used in progress and timeout messages): 10 minutes, default backoff.
    pub fn new(what: impl Into<String>) -> Self {
        Waiter {
            what: what.into(),
            timeout: Duration::from_secs(600),
            backoff: Backoff::default(),
            not_found_is_pending: true,
            on_progress: None,
        }
    }

    /// Gives up after `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Uses this backoff between polls.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Whether a not-found error from a poll means "not visible yet" (default `true`: EC2 is
    /// eventually consistent, so a new id may answer not-found for a while).
    pub fn not_found_is_pending(mut self, yes: bool) -> Self {
        self.not_found_is_pending = yes;
        self
    }

    /// Calls `f` after every poll that is not done.
    pub fn on_progress(mut self, f: ProgressFn) -> Self {
        self.on_progress = Some(f);
        self
    }

    /// Polls `poll` until it returns [`Check::Done`], with backoff between polls. Retryable
    /// errors (throttling, 5xx, transport: what the cloud's retry layer gave up on) and, by
    /// default, not-found count as pending; other errors end the wait, and so does
    /// [`Check::Failed`] ([`Error::WaitFailed`]). Past the deadline: [`Error::Timeout`] with
    /// the last state seen.
    pub async fn until<T, F, Fut>(&self, mut poll: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Check<T>>>,
    {
        let start = Instant::now();
        let mut last_state;
        let mut attempt = 0u32;
        loop {
            match poll().await {
                Ok(Check::Done(v)) => return Ok(v),
                Ok(Check::Pending(state)) => last_state = state,
                Ok(Check::Failed(state)) => {
                    return Err(Error::WaitFailed {
                        what: self.what.clone(),
                        state,
                    });
                }
                Err(e) if e.is_retryable() || (self.not_found_is_pending && e.is_not_found()) => {
                    last_state = format!("error: {e}");
                }
                Err(e) => return Err(e),
            }
            attempt += 1;
            let elapsed = start.elapsed();
            if let Some(cb) = &self.on_progress {
                cb(&Progress {
                    what: self.what.clone(),
                    attempt,
                    elapsed,
                    state: last_state.clone(),
                });
            }
            if elapsed >= self.timeout {
                return Err(Error::timeout(self.what.clone(), elapsed, last_state));
            }
            let delay = self.backoff.delay(attempt - 1).min(self.timeout - elapsed);
            tracing::debug!(what = %self.what, attempt, state = %last_state, ?delay, "waiting");
            tokio::time::sleep(delay.max(Duration::from_millis(1))).await;
        }
    }
}

/// How to retry an operation that failed with a retryable error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all (the first included).
    pub max_attempts: u32,
    /// Backoff between attempts.
    pub backoff: Backoff,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            backoff: Backoff {
                initial: Duration::from_millis(200),
                max: Duration::from_secs(20),
                multiplier: 2.0,
                jitter: true,
            },
        }
    }
}

impl RetryPolicy {
    /// Runs `op` until it succeeds, fails with an error that is not retryable, or runs out of
    /// attempts (then the last error is returned).
    pub async fn run<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.run_if(op, Error::is_retryable).await
    }

    /// Like [`run`](Self::run), but retries the errors `retry_if` accepts.
    pub async fn run_if<T, F, Fut>(&self, op: F, retry_if: impl Fn(&Error) -> bool) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.run_observed(op, retry_if, |_, _| {}).await
    }

    /// Like [`run_if`](Self::run_if), and calls `on_retry(attempt, error)` before each retry,
    /// where `attempt` counts the attempts made so far (1 for the first), e.g. to report
    /// progress.
    pub async fn run_observed<T, F, Fut>(
        &self,
        mut op: F,
        retry_if: impl Fn(&Error) -> bool,
        on_retry: impl Fn(u32, &Error),
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if attempt + 1 < self.max_attempts && retry_if(&e) => {
                    on_retry(attempt + 1, &e);
                    let d = self.backoff.delay(attempt);
                    tracing::debug!(error = %e, attempt, ?d, "retrying");
                    tokio::time::sleep(d).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Service;
    use std::sync::Mutex;

    #[tokio::test(start_paused = true)]
    async fn timeout_names_what_and_last_state() {
        let start = Instant::now();
        let err = Waiter::new("instance i-1 running")
            .timeout(Duration::from_secs(30))
            .until(|| async { Ok::<_, Error>(Check::<()>::Pending("pending".into())) })
            .await
            .unwrap_err();
        match err {
            Error::Timeout {
                what,
                waited,
                last_state,
            } => {
                assert_eq!(what, "instance i-1 running");
                assert_eq!(last_state, "pending");
                assert!(waited >= Duration::from_secs(30));
            }
            other => panic!("{other:?}"),
        }
        // Virtual time passed, bounded by the deadline.
        assert!(start.elapsed() <= Duration::from_secs(31));
    }

    #[tokio::test(start_paused = true)]
    async fn not_found_is_pending_but_other_errors_end_the_wait() {
        let n = Mutex::new(0);
        let got = Waiter::new("x")
            .until(|| {
                let mut g = n.lock().unwrap();
                *g += 1;
                let k = *g;
                async move {
                    if k < 3 {
                        Err(Error::api(Service::Ec2, "InvalidInstanceID.NotFound", "'i-1'"))
                    } else {
                        Ok(Check::Done(k))
                    }
                }
            })
            .await
            .unwrap();
        assert_eq!(got, 3);
        let err = Waiter::new("x")
            .until(|| async { Err::<Check<()>, _>(Error::api(Service::Ec2, "AuthFailure", "no")) })
            .await
            .unwrap_err();
        assert!(err.is_access_denied());
    }

    #[tokio::test(start_paused = true)]
    async fn progress_is_reported() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let mut k = 0;
        Waiter::new("y")
            .on_progress(Arc::new(move |p: &Progress| s2.lock().unwrap().push(p.state.clone())))
            .until(|| {
                k += 1;
                let k = k;
                async move {
                    Ok(if k == 3 {
                        Check::Done(())
                    } else {
                        Check::Pending(format!("s{k}"))
                    })
                }
            })
            .await
            .unwrap();
        assert_eq!(*seen.lock().unwrap(), vec!["s1".to_string(), "s2".to_string()]);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_stops_on_permanent_errors_and_after_max_attempts() {
        let calls = Mutex::new(0);
        let r: Result<()> = RetryPolicy::default()
            .run(|| {
                *calls.lock().unwrap() += 1;
                async { Err(Error::api(Service::Ec2, "RequestLimitExceeded", "slow")) }
            })
            .await;
        assert!(r.unwrap_err().is_throttled());
        assert_eq!(*calls.lock().unwrap(), 8);
        *calls.lock().unwrap() = 0;
        let r: Result<()> = RetryPolicy::default()
            .run(|| {
                *calls.lock().unwrap() += 1;
                async { Err(Error::validation("f", "r")) }
            })
            .await;
        assert!(r.is_err());
        assert_eq!(*calls.lock().unwrap(), 1);
    }

    #[test]
    fn backoff_grows_and_caps() {
        let b = Backoff {
            jitter: false,
            ..Backoff::default()
        };
        assert_eq!(b.delay(0), Duration::from_secs(1));
        assert_eq!(b.delay(3), Duration::from_secs(8));
        assert_eq!(b.delay(20), Duration::from_secs(30));
        let j = Backoff::default();
        for a in 0..10 {
            let d = j.delay(a);
            let cap = b.delay(a);
            assert!(d <= cap && d >= cap / 2, "{d:?} vs {cap:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn run_observed_reports_each_retry_with_its_attempt() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let seen = Mutex::new(Vec::new());
        let calls = Mutex::new(0);
        let out = policy
            .run_observed(
                || {
                    *calls.lock().unwrap() += 1;
                    async { Err::<(), _>(Error::api(Service::Ec2, "RequestLimitExceeded", "slow")) }
                },
                Error::is_retryable,
                |attempt, e| seen.lock().unwrap().push((attempt, e.code().map(str::to_string))),
            )
            .await;
        assert!(out.unwrap_err().is_throttled());
        assert_eq!(*calls.lock().unwrap(), 3);
        let throttled = Some("RequestLimitExceeded".to_string());
        assert_eq!(
            *seen.lock().unwrap(),
            vec![(1, throttled.clone()), (2, throttled)],
            "no retry after the last attempt"
        );
    }
}
