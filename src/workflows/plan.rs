//! The machinery every workflow shares: named steps with declared dependencies and timings,
//! progress events, a ledger of created resources, and rollback in reverse.
//!
//! A workflow reads top to bottom as its plan: independent steps run concurrently with
//! `tokio::try_join!`, each wrapped in [`Run::step`] (which names the steps it depends on, so
//! the plan's critical path can be computed from what actually ran). Every resource is recorded
//! with [`Run::created`] *before* the workflow moves on; on failure [`Run::fail`] undoes the
//! ledger in reverse and returns an [`Error::Workflow`] carrying the cause and what was removed.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Serialize;
use tokio::time::Instant;

use crate::error::{Error, Result, WorkflowError};
use crate::wait::{Backoff, RetryPolicy};

/// A progress event from a workflow.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A step started (after the steps it depends on).
    StepStarted {
        /// The step.
        step: String,
        /// The steps it waited for.
        after: Vec<String>,
        /// Time since the workflow started.
        at: Duration,
    },
    /// A step finished.
    StepFinished {
        /// The step.
        step: String,
        /// How long it took.
        elapsed: Duration,
        /// Time since the workflow started.
        at: Duration,
    },
    /// A step failed.
    StepFailed {
        /// The step.
        step: String,
        /// The error.
        error: String,
        /// Time since the workflow started.
        at: Duration,
    },
    /// A resource was created (and recorded for rollback).
    Created {
        /// Its kind.
        kind: String,
        /// Its id.
        id: String,
    },
    /// An existing resource was found and reused (re-apply).
    Reused {
        /// Its kind.
        kind: String,
        /// Its id.
        id: String,
    },
    /// A resource was removed (rollback or destroy).
    Removed {
        /// Its kind.
        kind: String,
        /// Its id.
        id: String,
    },
    /// A resource could not be removed.
    RemoveFailed {
        /// Its kind.
        kind: String,
        /// Its id.
        id: String,
        /// Why.
        error: String,
    },
    /// Free-form progress (e.g. a wait's last state).
    Note {
        /// The message.
        message: String,
    },
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::StepStarted { step, at, .. } => write!(f, "[{:>7.1}s] start   {step}", at.as_secs_f64()),
            Event::StepFinished { step, elapsed, at } => {
                write!(
                    f,
                    "[{:>7.1}s] done    {step} ({:.1}s)",
                    at.as_secs_f64(),
                    elapsed.as_secs_f64()
                )
            }
            Event::StepFailed { step, error, at } => write!(f, "[{:>7.1}s] FAILED  {step}: {error}", at.as_secs_f64()),
            Event::Created { kind, id } => write!(f, "          created {kind} {id}"),
            Event::Reused { kind, id } => write!(f, "          reused  {kind} {id}"),
            Event::Removed { kind, id } => write!(f, "          removed {kind} {id}"),
            Event::RemoveFailed { kind, id, error } => write!(f, "          COULD NOT REMOVE {kind} {id}: {error}"),
            Event::Note { message } => write!(f, "          {message}"),
        }
    }
}

/// Where a workflow sends its events.
pub type Progress = Arc<dyn Fn(&Event) + Send + Sync>;

/// One step as it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// The step's name.
    pub name: String,
    /// The steps it declared it depends on.
    pub after: Vec<String>,
    /// When it started, since the run began.
    pub started: Duration,
    /// When it ended.
    pub finished: Duration,
    /// Whether it succeeded.
    pub ok: bool,
}

impl StepRecord {
    /// How long it took.
    pub fn elapsed(&self) -> Duration {
        self.finished.saturating_sub(self.started)
    }
}

/// How to remove one resource; called again on retryable failures, so it must be re-runnable.
pub type UndoFn = Arc<dyn Fn() -> BoxFuture<'static, Result<()>> + Send + Sync>;

struct Undo {
    kind: String,
    id: String,
    action: UndoFn,
}

/// One execution of a workflow: events, step timings, and the ledger of created resources.
pub struct Run {
    workflow: String,
    origin: Instant,
    progress: Option<Progress>,
    steps: Mutex<Vec<StepRecord>>,
    ledger: Mutex<Vec<Undo>>,
    failed_step: Mutex<Option<String>>,
    undo_timeout: Duration,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("workflow", &self.workflow)
            .finish_non_exhaustive()
    }
}

impl Run {
    /// A run of `workflow` reporting to `progress`.
    pub fn new(workflow: impl Into<String>, progress: Option<Progress>) -> Self {
        Run {
            workflow: workflow.into(),
            origin: Instant::now(),
            progress,
            steps: Mutex::new(Vec::new()),
            ledger: Mutex::new(Vec::new()),
            failed_step: Mutex::new(None),
            // Load balancer network interfaces can hold security groups for many minutes.
            undo_timeout: Duration::from_secs(15 * 60),
        }
    }

    /// Sends an event.
    pub fn emit(&self, event: Event) {
        tracing::debug!(workflow = %self.workflow, %event, "workflow event");
        if let Some(p) = &self.progress {
            p(&event);
        }
    }

    /// Sends a note.
    pub fn note(&self, message: impl Into<String>) {
        self.emit(Event::Note {
            message: message.into(),
        });
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.origin.elapsed()
    }

    /// Runs `fut` as the step `name`, which depends on the steps `after`: emits start/finish
    /// events and records its timing. The first failing step is remembered for the error.
    pub async fn step<T>(&self, name: &str, after: &[&str], fut: impl Future<Output = Result<T>>) -> Result<T> {
        let started = self.elapsed();
        self.emit(Event::StepStarted {
            step: name.to_string(),
            after: after.iter().map(|s| s.to_string()).collect(),
            at: started,
        });
        let out = fut.await;
        let finished = self.elapsed();
        match &out {
            Ok(_) => self.emit(Event::StepFinished {
                step: name.to_string(),
                elapsed: finished - started,
                at: finished,
            }),
            Err(e) => {
                self.failed_step.lock().unwrap().get_or_insert_with(|| name.to_string());
                self.emit(Event::StepFailed {
                    step: name.to_string(),
                    error: e.to_string(),
                    at: finished,
                });
            }
        }
        self.steps.lock().unwrap().push(StepRecord {
            name: name.to_string(),
            after: after.iter().map(|s| s.to_string()).collect(),
            started,
            finished,
            ok: out.is_ok(),
        });
        out
    }

    /// Records a created resource with the action that removes it.
    pub fn created(&self, kind: &str, id: impl Into<String>, undo: UndoFn) {
        let id = id.into();
        self.emit(Event::Created {
            kind: kind.to_string(),
            id: id.clone(),
        });
        self.ledger.lock().unwrap().push(Undo {
            kind: kind.to_string(),
            id,
            action: undo,
        });
    }

    /// Records a created resource whose removal is `remove(handle, id)`; the id is also its
    /// label. The common case of [`Run::created`]: the handle and id are cloned for each try.
    pub fn created_with<H, I, F, Fut>(&self, kind: &str, handle: H, id: I, remove: F)
    where
        H: Clone + Send + Sync + 'static,
        I: Clone + std::fmt::Display + Send + Sync + 'static,
        F: Fn(H, I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        let label = id.to_string();
        self.created(kind, label, undo(move || remove(handle.clone(), id.clone())));
    }

    /// Notes that an existing resource was reused (not recorded for rollback: this run did
    /// not create it).
    pub fn reused(&self, kind: &str, id: impl Into<String>) {
        self.emit(Event::Reused {
            kind: kind.to_string(),
            id: id.into(),
        });
    }

    /// The steps as they ran.
    pub fn steps(&self) -> Vec<StepRecord> {
        self.steps.lock().unwrap().clone()
    }

    /// How many resources the ledger holds.
    pub fn ledger_len(&self) -> usize {
        self.ledger.lock().unwrap().len()
    }

    /// The longest chain of declared dependencies, weighted by each step's measured duration:
    /// the least time the plan could take with unlimited concurrency.
    pub fn critical_path(&self) -> Duration {
        critical_path(&self.steps())
    }

    /// The sum of all step durations: what the plan would take run one step after another.
    pub fn sequential_time(&self) -> Duration {
        sequential_time(&self.steps())
    }

    /// Removes everything in the ledger, newest first. NotFound counts as removed; retryable
    /// errors and conflicts (`DependencyViolation`, resource in use) are retried with backoff
    /// for up to 15 minutes. Returns (removed, left behind with reasons).
    pub async fn rollback(&self) -> (Vec<String>, Vec<String>) {
        let entries: Vec<Undo> = std::mem::take(&mut *self.ledger.lock().unwrap());
        let mut removed = Vec::new();
        let mut left = Vec::new();
        for undo in entries.into_iter().rev() {
            let label = format!("{} {}", undo.kind, undo.id);
            match remove_with_retry(&undo.action, self.undo_timeout).await {
                Ok(()) => {
                    self.emit(Event::Removed {
                        kind: undo.kind.clone(),
                        id: undo.id.clone(),
                    });
                    removed.push(label);
                }
                Err(e) => {
                    self.emit(Event::RemoveFailed {
                        kind: undo.kind.clone(),
                        id: undo.id.clone(),
                        error: e.to_string(),
                    });
                    left.push(format!("{label}: {e}"));
                }
            }
        }
        (removed, left)
    }

    /// Rolls back and wraps `cause` in [`Error::Workflow`] with what was cleaned up.
    pub async fn fail(&self, cause: Error) -> Error {
        let (cleaned_up, left_behind) = self.rollback().await;
        let step = self
            .failed_step
            .lock()
            .unwrap()
            .clone()
            .unwrap_or_else(|| "(outside a step)".into());
        Error::Workflow(Box::new(WorkflowError {
            workflow: self.workflow.clone(),
            step,
            cause,
            cleaned_up,
            left_behind,
        }))
    }

    /// Forgets the ledger (the workflow succeeded: what it created is now the user's).
    pub fn commit(&self) {
        self.ledger.lock().unwrap().clear();
    }
}

/// Step records rebuilt from a run's events, as a progress callback saw them: each
/// [`Event::StepStarted`] paired with the next [`Event::StepFinished`] or [`Event::StepFailed`]
/// of the same step. Steps still open are left out.
pub fn steps_from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<StepRecord> {
    let mut open: HashMap<&str, (Vec<String>, Duration)> = HashMap::new();
    let mut steps = Vec::new();
    for event in events {
        let (step, finished, ok) = match event {
            Event::StepStarted { step, after, at } => {
                open.insert(step, (after.clone(), *at));
                continue;
            }
            Event::StepFinished { step, at, .. } => (step, *at, true),
            Event::StepFailed { step, at, .. } => (step, *at, false),
            _ => continue,
        };
        if let Some((after, started)) = open.remove(step.as_str()) {
            steps.push(StepRecord {
                name: step.clone(),
                after,
                started,
                finished,
                ok,
            });
        }
    }
    steps
}

/// The longest chain of declared dependencies among `steps`, weighted by each step's duration:
/// the least time the plan could take with unlimited concurrency.
pub fn critical_path(steps: &[StepRecord]) -> Duration {
    let by_name: HashMap<&str, &StepRecord> = steps.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut memo: HashMap<&str, Duration> = HashMap::new();
    fn longest<'a>(
        name: &'a str,
        by_name: &HashMap<&'a str, &'a StepRecord>,
        memo: &mut HashMap<&'a str, Duration>,
        depth: usize,
    ) -> Duration {
        if let Some(d) = memo.get(name) {
            return *d;
        }
        let Some(step) = by_name.get(name) else {
            return Duration::ZERO;
        };
        // Declared dependencies form a DAG; the depth bound only guards against a cycle.
        let before = if depth > 64 {
            Duration::ZERO
        } else {
            step.after
                .iter()
                .map(|d| longest(d, by_name, memo, depth + 1))
                .max()
                .unwrap_or_default()
        };
        let total = before + step.elapsed();
        memo.insert(&step.name, total);
        total
    }
    steps
        .iter()
        .map(|s| longest(&s.name, &by_name, &mut memo, 0))
        .max()
        .unwrap_or_default()
}

/// The sum of all step durations: what the plan would take run one step after another.
pub fn sequential_time(steps: &[StepRecord]) -> Duration {
    steps.iter().map(StepRecord::elapsed).sum()
}

/// Runs one removal, treating NotFound as done and retrying retryable errors and conflicts
/// until `timeout` (tokio's clock).
pub async fn remove_with_retry(action: &UndoFn, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let backoff = Backoff {
        initial: Duration::from_secs(2),
        max: Duration::from_secs(30),
        multiplier: 2.0,
        jitter: true,
    };
    let mut attempt = 0;
    loop {
        match action().await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) if (e.is_retryable() || e.is_conflict()) && Instant::now() < deadline => {
                tracing::debug!(error = %e, attempt, "retrying removal");
                tokio::time::sleep(backoff.delay(attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The retry policy workflows use for individual calls (throttling, 5xx, eventual
/// consistency right after a create).
pub fn call_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        backoff: Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(20),
            multiplier: 2.0,
            jitter: true,
        },
    }
}

/// Makes an [`UndoFn`] from a closure returning a future.
pub fn undo<F, Fut>(f: F) -> UndoFn
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    Arc::new(move || Box::pin(f()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Service;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn rollback_is_reverse_and_tolerant() {
        let order = Arc::new(Mutex::new(Vec::new()));
        let run = Run::new("t", None);
        for name in ["a", "b", "c"] {
            let o = order.clone();
            run.created(
                "thing",
                name,
                undo(move || {
                    let o = o.clone();
                    async move {
                        o.lock().unwrap().push(name);
                        if name == "b" {
                            Err(Error::api(Service::Ec2, "InvalidVolume.NotFound", "gone"))
                        } else {
                            Ok(())
                        }
                    }
                }),
            );
        }
        let (removed, left) = run.rollback().await;
        assert_eq!(*order.lock().unwrap(), vec!["c", "b", "a"]);
        assert_eq!(removed.len(), 3, "not-found counts as removed");
        assert!(left.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn dependency_violations_are_retried_then_reported() {
        let tries = Arc::new(AtomicUsize::new(0));
        let t = tries.clone();
        let run = Run::new("t", None);
        run.created(
            "security group",
            "sg-1",
            undo(move || {
                let t = t.clone();
                async move {
                    if t.fetch_add(1, Ordering::SeqCst) < 3 {
                        Err(Error::api(Service::Ec2, "DependencyViolation", "in use"))
                    } else {
                        Ok(())
                    }
                }
            }),
        );
        let (removed, left) = run.rollback().await;
        assert_eq!((removed.len(), left.len()), (1, 0));
        assert_eq!(tries.load(Ordering::SeqCst), 4);

        let run = Run::new("t", None);
        run.created(
            "security group",
            "sg-2",
            undo(|| async { Err(Error::api(Service::Ec2, "DependencyViolation", "in use forever")) }),
        );
        let start = Instant::now();
        let (removed, left) = run.rollback().await;
        assert!(removed.is_empty());
        assert_eq!(left.len(), 1);
        assert!(start.elapsed() >= Duration::from_secs(15 * 60));
    }

    #[tokio::test(start_paused = true)]
    async fn critical_path_follows_declared_dependencies() {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let run = Run::new(
            "t",
            Some(Arc::new(move |e: &Event| seen.lock().unwrap().push(e.clone()))),
        );
        let sleep = |s| async move {
            tokio::time::sleep(Duration::from_secs(s)).await;
            Ok::<_, Error>(())
        };
        let (a, b) = tokio::join!(run.step("a", &[], sleep(10)), run.step("b", &[], sleep(3)));
        a.unwrap();
        b.unwrap();
        run.step("c", &["a", "b"], sleep(5)).await.unwrap();
        assert_eq!(run.critical_path(), Duration::from_secs(15));
        assert_eq!(run.sequential_time(), Duration::from_secs(18));
        assert_eq!(run.elapsed(), Duration::from_secs(15));
        // A progress callback sees enough to compute the same figures.
        let rebuilt = steps_from_events(events.lock().unwrap().iter());
        assert_eq!(rebuilt, run.steps());
        assert_eq!(critical_path(&rebuilt), Duration::from_secs(15));
        assert_eq!(sequential_time(&rebuilt), Duration::from_secs(18));
    }

    #[tokio::test(start_paused = true)]
    async fn fail_names_the_step_and_the_cleanup() {
        let events = Arc::new(Mutex::new(Vec::new()));
        let e2 = events.clone();
        let run = Run::new(
            "demo",
            Some(Arc::new(move |e: &Event| e2.lock().unwrap().push(e.clone()))),
        );
        run.created("volume", "vol-1", undo(|| async { Ok(()) }));
        let err = run
            .step("attach", &[], async {
                Err::<(), _>(Error::api(Service::Ec2, "IncorrectState", "no"))
            })
            .await
            .unwrap_err();
        let err = run.fail(err).await;
        match &err {
            Error::Workflow(w) => {
                assert_eq!(w.step, "attach");
                assert_eq!(w.cleaned_up, vec!["volume vol-1".to_string()]);
                assert!(w.cause.is_conflict());
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("rolled back 1"), "{err}");
        assert!(
            events
                .lock()
                .unwrap()
                .iter()
                .any(|e| matches!(e, Event::Removed { id, .. } if id == "vol-1"))
        );
    }
}
