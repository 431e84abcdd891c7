//! The machinery every workflow shares: named steps with declared dependencies and timings,
//! progress events, a ledger of created resources, and rollback in reverse.
//!
//! A workflow reads top to bottom as its plan: independent steps run concurrently with
//! `tokio::try_join!`, each wrapped in [`Run::step`] (which names the steps it depends on, so
//! the plan's critical path can be computed from what actually ran). Every resource is recorded
//! with [`Run::created`] *before* the workflow moves on; [`Run::execute`] runs the plan, and on
//! failure undoes the ledger in reverse and returns an [`Error::Workflow`] carrying the cause
//! and what was removed.
//!
//! ## Safety
//! - **The ledger outlives the future.** If a workflow's future is dropped before it ends (a
//!   `tokio::time::timeout`, an aborted task), the [`Run`]'s drop hands the rollback to a task
//!   spawned on the current tokio runtime, which removes what the run created. A rollback that
//!   has started runs on its own task too, so dropping the future that awaits it does not stop
//!   it. With no runtime left (the program is exiting) nothing can be removed: the run logs
//!   what it leaves behind (tracing, `error` level), and the workflow's `find_owned` /
//!   `destroy_by_name` find it later by its tags.
//! - **Lost answers.** A create whose answer was lost may have taken effect without reaching
//!   the ledger. Every resource carries the run's id as a tag from its creation, and a
//!   workflow registers a [sweep](Run::set_sweep) that finds what carries its run id: the
//!   rollback removes that too.
//! - **Seeded.** Each run draws its seed from the [`Cloud`](crate::Cloud)
//!   ([`Cloud::with_seed`](crate::Cloud::with_seed)); its id, and every jitter inside the run,
//!   come from it ([`crate::rng`]).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Serialize;
use tokio::time::Instant;

use crate::error::{Error, Result, WorkflowError};
use crate::layer::{RetryEvent, RetryObserver};

/// Durations serialise as seconds (a float), in every event and record of this module.
pub(crate) fn secs<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// A progress event from a workflow.
///
/// Every run begins with [`Event::RunStarted`] (its id and workflow) and ends with
/// [`Event::RunFinished`] (its outcome and timings); a [`Progress`] callback belongs to one
/// run (each workflow call takes its own), so everything in between is that run's. Durations
/// serialise as seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A run began.
    RunStarted {
        /// The run's id (8 hex digits), tagged on everything it creates.
        run: String,
        /// The workflow, e.g. `web tier shop apply`.
        workflow: String,
    },
    /// A run ended: succeeded, or failed and rolled back.
    RunFinished {
        /// The run's id.
        run: String,
        /// Whether it succeeded.
        ok: bool,
        /// Its timings.
        summary: PlanSummary,
    },
    /// A step started (after the steps it depends on).
    StepStarted {
        /// The step.
        step: String,
        /// The steps it waited for.
        after: Vec<String>,
        /// Time since the workflow started.
        #[serde(serialize_with = "secs")]
        at: Duration,
    },
    /// A step finished.
    StepFinished {
        /// The step.
        step: String,
        /// How long it took.
        #[serde(serialize_with = "secs")]
        elapsed: Duration,
        /// Time since the workflow started.
        #[serde(serialize_with = "secs")]
        at: Duration,
    },
    /// A step failed.
    StepFailed {
        /// The step.
        step: String,
        /// The error, with its causes (see [`Error::chain`]).
        error: String,
        /// Time since the workflow started.
        #[serde(serialize_with = "secs")]
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
        /// Why: the error, with its causes (see [`Error::chain`]).
        error: String,
    },
    /// A call failed with a transient error and is retried (by the cloud's
    /// [`Retry`](crate::layer::Retry) layer).
    Retrying {
        /// The AWS operation, e.g. `RunInstances`.
        operation: String,
        /// The attempt that failed (1 for the first).
        attempt: u32,
        /// The delay before the next attempt.
        #[serde(serialize_with = "secs")]
        delay: Duration,
        /// The error.
        cause: String,
    },
    /// A resource that has a workflow's name but not its ownership tags was left alone.
    Skipped {
        /// Its kind.
        kind: String,
        /// Its id.
        id: String,
        /// Why.
        reason: String,
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
            Event::RunStarted { run, workflow } => write!(f, "          run {run}: {workflow}"),
            Event::RunFinished { run, ok, summary } => write!(
                f,
                "[{:>7.1}s] {} run {run}: {summary}",
                summary.wall.as_secs_f64(),
                if *ok { "done   " } else { "FAILED " }
            ),
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
            Event::Retrying {
                operation,
                attempt,
                delay,
                cause,
            } => write!(
                f,
                "          retry   {operation} after attempt {attempt} in {:.1}s: {cause}",
                delay.as_secs_f64()
            ),
            Event::Skipped { kind, id, reason } => write!(f, "          skipped {kind} {id}: {reason}"),
            Event::Note { message } => write!(f, "          {message}"),
        }
    }
}

/// The tag key naming the workflow kind that owns a resource (`web-tier`, `volume`, ...).
pub const TAG_WORKFLOW: &str = "aws-facade:workflow";
/// The tag key naming the workflow instance (the tier, volume, upload or function name).
pub const TAG_NAME: &str = "aws-facade:name";
/// The tag key naming the run that created a resource.
pub const TAG_RUN: &str = "aws-facade:run";

/// The ownership tags of `workflow`'s instance `name` (and of the run `run`, if given): what
/// every workflow tags at creation and looks up by.
pub fn owner_tags(workflow: &str, name: &str, run: Option<&str>) -> crate::Tags {
    let mut t = crate::Tags::new();
    t.insert(TAG_WORKFLOW.into(), workflow.into());
    t.insert(TAG_NAME.into(), name.into());
    if let Some(r) = run {
        t.insert(TAG_RUN.into(), r.into());
    }
    t
}

/// What a teardown (`destroy`, `destroy_by_name`) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Teardown {
    /// What was removed (`"kind id"`), in the order removed.
    pub removed: Vec<String>,
    /// What had a workflow's name but not its ownership tags, and was left alone (`"kind id"`).
    pub skipped: Vec<String>,
}

impl Teardown {
    /// Whether nothing was removed.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty()
    }
}

/// Where a workflow sends its events.
pub type Progress = Arc<dyn Fn(&Event) + Send + Sync>;

/// One step as it ran (durations serialise as seconds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// The step's name.
    pub name: String,
    /// The steps it declared it depends on.
    pub after: Vec<String>,
    /// When it started, since the run began.
    #[serde(serialize_with = "secs")]
    pub started: Duration,
    /// When it ended.
    #[serde(serialize_with = "secs")]
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

/// A run's timings: what [`Event::RunFinished`] carries (durations serialise as seconds).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PlanSummary {
    /// Wall time from the run's start to its end (rollback included).
    #[serde(serialize_with = "secs")]
    pub wall: Duration,
    /// The longest chain of declared step dependencies, weighted by each step's time: the
    /// least the plan could take with unlimited concurrency ([`critical_path`]).
    #[serde(serialize_with = "secs")]
    pub critical_path: Duration,
    /// The steps' times added up: what running them one after another would take
    /// ([`sequential_time`]).
    #[serde(serialize_with = "secs")]
    pub sequential: Duration,
    /// Every step as it ran, in the order they finished.
    pub steps: Vec<StepRecord>,
}

impl PlanSummary {
    /// The summary of `steps`, which took `wall` in all.
    pub fn new(wall: Duration, steps: Vec<StepRecord>) -> Self {
        PlanSummary {
            wall,
            critical_path: critical_path(&steps),
            sequential: sequential_time(&steps),
            steps,
        }
    }
}

impl std::fmt::Display for PlanSummary {
    /// One line (`{}`), or with `{:#}` a line per step (start, duration, name), slowest
    /// chains visible at a glance.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1}s wall, critical path {:.1}s, sequential sum {:.1}s, {} step(s)",
            self.wall.as_secs_f64(),
            self.critical_path.as_secs_f64(),
            self.sequential.as_secs_f64(),
            self.steps.len()
        )?;
        if f.alternate() {
            for st in &self.steps {
                write!(
                    f,
                    "\n  {:>8.1}s +{:>7.1}s  {}{}",
                    st.started.as_secs_f64(),
                    st.elapsed().as_secs_f64(),
                    st.name,
                    if st.ok { "" } else { "  (failed)" }
                )?;
            }
        }
        Ok(())
    }
}

/// How to remove one resource (one of the [`remove`](crate::workflows::remove) functions).
pub type UndoFn = Arc<dyn Fn() -> BoxFuture<'static, Result<()>> + Send + Sync>;

/// A resource that a run owns, with how to remove it.
#[derive(Clone)]
pub struct Owned {
    /// Its kind (`instance`, `security group`, ...).
    pub kind: String,
    /// Its id.
    pub id: String,
    /// How to remove it.
    pub remove: UndoFn,
}

impl std::fmt::Debug for Owned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.id)
    }
}

/// How long a rollback waits before its sweep looks for what carries the run's id: EC2's
/// describes show a new resource only after a few seconds (eventual consistency).
pub const SWEEP_SETTLE: Duration = Duration::from_secs(15);

/// Finds what carries a run's id (in removal order), for a rollback to remove what the ledger
/// missed (creates whose answer was lost).
pub type SweepFn = Arc<dyn Fn() -> BoxFuture<'static, Result<Vec<Owned>>> + Send + Sync>;

/// One execution of a workflow: events, step timings, and the ledger of created resources.
pub struct Run {
    workflow: String,
    id: String,
    seed: u64,
    origin: Instant,
    progress: Option<Progress>,
    steps: Mutex<Vec<StepRecord>>,
    ledger: Mutex<Vec<Owned>>,
    sweep: Mutex<Option<SweepFn>>,
    failed_step: Mutex<Option<String>>,
    done: AtomicBool,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("workflow", &self.workflow)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Run {
    /// A run of `workflow` for `cloud` (its seed is drawn from the cloud's), reporting to
    /// `progress`.
    pub fn new(cloud: &crate::Cloud, workflow: impl Into<String>, progress: Option<Progress>) -> Self {
        Self::seeded(cloud.next_seed(), workflow, progress)
    }

    /// A run whose draws (its id, every jitter inside [`Run::scope`]) come from `seed`.
    pub fn seeded(seed: u64, workflow: impl Into<String>, progress: Option<Progress>) -> Self {
        let id = format!("{:08x}", fastrand::Rng::with_seed(seed).u32(..));
        let run = Run {
            workflow: workflow.into(),
            id,
            seed,
            origin: Instant::now(),
            progress,
            steps: Mutex::new(Vec::new()),
            ledger: Mutex::new(Vec::new()),
            sweep: Mutex::new(None),
            failed_step: Mutex::new(None),
            done: AtomicBool::new(false),
        };
        run.emit(Event::RunStarted {
            run: run.id.clone(),
            workflow: run.workflow.clone(),
        });
        run
    }

    /// The run's timings so far.
    pub fn summary(&self) -> PlanSummary {
        PlanSummary::new(self.elapsed(), self.steps())
    }

    fn finished(&self, ok: bool) {
        self.emit(Event::RunFinished {
            run: self.id.clone(),
            ok,
            summary: self.summary(),
        });
    }

    /// The run's id (8 hex digits), tagged on everything it creates.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs `fut` in this run's scope: draws from the run's seed ([`crate::rng`]), and every
    /// retry of the cloud's retry layer reported as [`Event::Retrying`].
    pub fn scope<'a, F: Future + 'a>(&self, fut: F) -> impl Future<Output = F::Output> + 'a {
        let observer = self.retry_observer();
        crate::rng::scope(self.seed.wrapping_add(1), crate::layer::retry_observer(observer, fut))
    }

    fn retry_observer(&self) -> RetryObserver {
        let progress = self.progress.clone();
        let workflow = self.workflow.clone();
        Arc::new(move |r: &RetryEvent| {
            let event = Event::Retrying {
                operation: r.op.name.to_string(),
                attempt: r.attempt,
                delay: r.delay,
                cause: r.cause.clone(),
            };
            tracing::debug!(workflow = %workflow, %event, "workflow event");
            if let Some(p) = &progress {
                p(&event);
            }
        })
    }

    /// Runs the plan `fut` in this run's [scope](Run::scope): on success the ledger is
    /// forgotten (what was made is the user's now); on failure it is rolled back and the error
    /// is an [`Error::Workflow`] naming the step, the cause and what was cleaned up. If this
    /// future is dropped before it ends, the run's drop rolls back (see the module docs).
    pub async fn execute<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        match self.scope(fut).await {
            Ok(v) => {
                self.commit();
                Ok(v)
            }
            Err(e) => Err(self.fail(e).await),
        }
    }

    /// Registers how to find what carries this run's id, for the rollback (see the module docs).
    pub fn set_sweep(&self, sweep: SweepFn) {
        *self.sweep.lock().unwrap() = Some(sweep);
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
        // Each step is a tracing span: the calls it makes (the Tracing layer's `aws_call`
        // spans) nest under it.
        let span = tracing::info_span!("workflow_step", workflow = %self.workflow, run = %self.id, step = name);
        let out = tracing::Instrument::instrument(fut, span).await;
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
                    error: e.chain().to_string(),
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
        self.ledger.lock().unwrap().push(Owned {
            kind: kind.to_string(),
            id,
            remove: undo,
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

    /// Removes everything in the ledger, newest first, then whatever the sweep finds that the
    /// ledger missed. What AWS says is not found counts as removed. The removal runs on its own
    /// task: dropping this future does not stop it. Returns (removed, left behind with reasons).
    pub async fn rollback(&self) -> (Vec<String>, Vec<String>) {
        let job = self.take_rollback();
        match tokio::spawn(job).await {
            Ok(r) => r,
            Err(e) => (Vec::new(), vec![format!("the rollback task ended early: {e}")]),
        }
    }

    /// The rollback as a `'static` future (the ledger and sweep are taken from the run).
    fn take_rollback(&self) -> impl Future<Output = (Vec<String>, Vec<String>)> + Send + 'static {
        let entries: Vec<Owned> = std::mem::take(&mut *self.ledger.lock().unwrap());
        let sweep = self.sweep.lock().unwrap().take();
        let progress = self.progress.clone();
        let observer = self.retry_observer();
        let seed = self.seed.wrapping_add(2);
        let emit = move |e: Event| {
            if let Some(p) = &progress {
                p(&e);
            }
        };
        crate::rng::scope(
            seed,
            crate::layer::retry_observer(observer, async move {
                let mut removed = Vec::new();
                let mut left = Vec::new();
                let mut remove_one = async |o: Owned| {
                    let label = format!("{} {}", o.kind, o.id);
                    // Not found, as AWS says it, is removed.
                    match crate::workflows::remove::NotFoundExt::ok_if_not_found((o.remove)().await) {
                        Ok(_) => {
                            if !removed.contains(&label) {
                                emit(Event::Removed {
                                    kind: o.kind.clone(),
                                    id: o.id.clone(),
                                });
                                removed.push(label);
                            }
                        }
                        Err(e) => {
                            emit(Event::RemoveFailed {
                                kind: o.kind.clone(),
                                id: o.id.clone(),
                                error: e.chain().to_string(),
                            });
                            left.push(format!("{label}: {}", e.chain()));
                        }
                    }
                };
                for o in entries.into_iter().rev() {
                    remove_one(o).await;
                }
                if let Some(sweep) = sweep {
                    // EC2 lists a new resource only after a while (eventual consistency): let
                    // what this run made become visible before looking for it by its tags.
                    tokio::time::sleep(SWEEP_SETTLE).await;
                    match sweep().await {
                        Ok(found) => {
                            // Everything the sweep lists is still there, ledger entries
                            // included: a removal answered "not found" while EC2 still lagged
                            // behind the create removed nothing. Remove it (again).
                            for o in found {
                                remove_one(o).await;
                            }
                        }
                        Err(e) => left.push(format!("(the sweep for resources of this run failed: {})", e.chain())),
                    }
                }
                (removed, left)
            }),
        )
    }

    /// Rolls back and wraps `cause` in [`Error::Workflow`] with what was cleaned up.
    pub async fn fail(&self, cause: Error) -> Error {
        self.done.store(true, Ordering::SeqCst);
        let (cleaned_up, left_behind) = self.rollback().await;
        self.finished(false);
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
        if !self.done.swap(true, Ordering::SeqCst) {
            self.finished(true);
        }
        self.ledger.lock().unwrap().clear();
        self.sweep.lock().unwrap().take();
    }
}

impl Drop for Run {
    /// A run dropped before it committed or failed (its future was cancelled) rolls back on a
    /// spawned task; with no runtime left it logs what it leaves behind.
    fn drop(&mut self) {
        if self.done.load(Ordering::SeqCst) {
            return;
        }
        // Cancelled, or ended with an error outside `execute`: it did not succeed.
        self.finished(false);
        let has_work = !self.ledger.lock().unwrap().is_empty() || self.sweep.lock().unwrap().is_some();
        if !has_work {
            return;
        }
        let left: Vec<String> = self
            .ledger
            .lock()
            .unwrap()
            .iter()
            .map(|o| format!("{} {}", o.kind, o.id))
            .collect();
        self.note(format!(
            "cancelled: rolling back {} resource(s) on a spawned task",
            left.len()
        ));
        let job = self.take_rollback();
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                let workflow = self.workflow.clone();
                handle.spawn(async move {
                    let (removed, left) = job.await;
                    tracing::warn!(%workflow, removed = ?removed, left_behind = ?left, "cancelled workflow rolled back");
                });
            }
            Err(_) => tracing::error!(
                workflow = %self.workflow,
                run = %self.id,
                left_behind = ?left,
                "cancelled workflow with no tokio runtime left: nothing was rolled back; \
                 find it by its tags (find_owned / destroy_by_name)"
            ),
        }
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
        let run = Run::seeded(0, "t", None);
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
    async fn a_failed_removal_is_reported_as_left_behind() {
        let run = Run::seeded(0, "t", None);
        run.created(
            "security group",
            "sg-2",
            undo(|| async { Err(Error::api(Service::Ec2, "DependencyViolation", "in use forever")) }),
        );
        let (removed, left) = run.rollback().await;
        assert!(removed.is_empty());
        assert_eq!(left.len(), 1);
        assert!(left[0].starts_with("security group sg-2: "), "{left:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_run_rolls_back_on_a_spawned_task_and_the_sweep_finds_what_the_ledger_missed() {
        let removed = Arc::new(Mutex::new(Vec::new()));
        let r = |name: &'static str| {
            let removed = removed.clone();
            undo(move || {
                let removed = removed.clone();
                async move {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    removed.lock().unwrap().push(name);
                    Ok(())
                }
            })
        };
        {
            let run = Run::seeded(0, "t", None);
            run.created("thing", "a", r("a"));
            let lost = r("lost");
            let again = r("a");
            run.set_sweep(Arc::new(move || {
                let (lost, again) = (lost.clone(), again.clone());
                Box::pin(async move {
                    Ok(vec![
                        // In the ledger, but the sweep still lists it (its removal met a
                        // lagging "not found"): removed again.
                        Owned {
                            kind: "thing".into(),
                            id: "a".into(),
                            remove: again,
                        },
                        Owned {
                            kind: "thing".into(),
                            id: "lost".into(),
                            remove: lost,
                        },
                    ])
                })
            }));
            // Dropped here without commit or fail.
        }
        assert!(
            removed.lock().unwrap().is_empty(),
            "not yet: the rollback runs on its own task"
        );
        tokio::time::sleep(SWEEP_SETTLE + Duration::from_secs(10)).await;
        assert_eq!(*removed.lock().unwrap(), vec!["a", "a", "lost"]);

        // A committed run leaves everything in place.
        let run = Run::seeded(0, "t", None);
        run.created("thing", "kept", r("kept"));
        run.commit();
        drop(run);
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(removed.lock().unwrap().len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_rollback_in_progress_survives_the_drop_of_its_future() {
        let done = Arc::new(AtomicUsize::new(0));
        let d = done.clone();
        let run = Run::seeded(0, "t", None);
        run.created(
            "thing",
            "slow",
            undo(move || {
                let d = d.clone();
                async move {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    d.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                }
            }),
        );
        let failing = run.fail(Error::validation("x", "y"));
        assert!(tokio::time::timeout(Duration::from_secs(1), failing).await.is_err());
        drop(run);
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert_eq!(done.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn run_ids_and_draws_replay_from_the_seed() {
        let a = Run::seeded(42, "t", None);
        let b = Run::seeded(42, "t", None);
        assert_eq!(a.id(), b.id());
        assert_ne!(a.id(), Run::seeded(43, "t", None).id());
        let da = a.scope(async { crate::rng::u64() }).await;
        let db = b.scope(async { crate::rng::u64() }).await;
        assert_eq!(da, db);
        a.commit();
        b.commit();
    }

    #[tokio::test(start_paused = true)]
    async fn critical_path_follows_declared_dependencies() {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let run = Run::seeded(
            0,
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
        let run = Run::seeded(
            0,
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
        // The error says workflow, step and rollback; the cause is its source, shown once.
        assert_eq!(
            err.to_string(),
            "workflow demo failed at step attach; rolled back 1 resource(s)"
        );
        let source = std::error::Error::source(&err).expect("the cause is the source");
        assert_eq!(source.to_string(), "conflict: EC2 IncorrectState: no");
        assert!(std::error::Error::source(source).is_none());
        assert_eq!(
            err.chain().to_string(),
            "workflow demo failed at step attach; rolled back 1 resource(s): conflict: EC2 IncorrectState: no"
        );
        assert!(
            events
                .lock()
                .unwrap()
                .iter()
                .any(|e| matches!(e, Event::Removed { id, .. } if id == "vol-1"))
        );
    }
}
