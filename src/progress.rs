//! Terminal progress for people (feature `progress`, off by default): [`steps`] renders a
//! workflow's steps, one line per running step with its elapsed time, and closes with the
//! plan's summary (wall time, critical path, sequential sum, each step's timing); [`transfer`]
//! renders a snapshot transfer (bytes, rate, ETA; a spinner while the total is unknown).
//!
//! Both are ordinary progress callbacks built on [`indicatif`]: pass them where a workflow
//! takes a [`Progress`] or [`TransferProgress`]. When stderr is not a terminal, indicatif
//! draws nothing (the closing summary is still printed), so a redirected run stays clean.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::workflows::snapshot::{self, UploadOptions};
//! let cloud = aws_facade::Cloud::sim();
//! let data = vec![7u8; 4 * aws_facade::ebs::BLOCK_SIZE];
//! let opts = UploadOptions::builder().progress(aws_facade::progress::transfer()).build()?;
//! let up = snapshot::upload_reader(&cloud, &data[..], data.len() as u64, &opts).await?;
//! assert_eq!(up.blocks_written, 4);
//! // Workflows take `Some(aws_facade::progress::steps())` as their progress.
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::ebs::BLOCK_SIZE;
use crate::workflows::snapshot::{TransferEvent, TransferProgress};
use crate::workflows::{Event, Progress};

/// How often spinners redraw.
const TICK: Duration = Duration::from_millis(120);

/// A progress callback that draws a workflow's steps on stderr (see the module docs).
pub fn steps() -> Progress {
    let r = Steps::new(ProgressDrawTarget::stderr());
    Arc::new(move |e: &Event| {
        r.on(e);
    })
}

/// The step renderer: the bars of the running steps and what finished lines to print.
struct Steps {
    multi: MultiProgress,
    running: Mutex<HashMap<String, ProgressBar>>,
}

impl Steps {
    fn new(target: ProgressDrawTarget) -> Self {
        Steps {
            multi: MultiProgress::with_draw_target(target),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Draws `e`; returns the line printed above the bars, if any (for tests).
    fn on(&self, e: &Event) -> Option<String> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let line = match e {
            Event::StepStarted { step, .. } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}").expect("a valid template"));
                bar.set_message(step.clone());
                bar.enable_steady_tick(TICK);
                running.insert(step.clone(), bar);
                None
            }
            Event::StepFinished { step, elapsed, .. } => {
                Self::finish(&self.multi, running.remove(step));
                Some(format!("done    {step} ({:.1}s)", elapsed.as_secs_f64()))
            }
            Event::StepFailed { step, error, .. } => {
                Self::finish(&self.multi, running.remove(step));
                Some(format!("FAILED  {step}: {error}"))
            }
            Event::RunFinished { run, ok, summary } => {
                for (_, bar) in running.drain() {
                    Self::finish(&self.multi, Some(bar));
                }
                // The closing summary goes to stderr even without a terminal.
                let text = format!("run {run} {}: {summary:#}", if *ok { "succeeded" } else { "failed" });
                eprintln!("{text}");
                return Some(text);
            }
            Event::RunStarted { .. } => None,
            other => Some(other.to_string().trim_start().to_string()),
        };
        if let Some(l) = &line {
            // Printed above the bars (dropped when the target is hidden).
            let _ = self.multi.println(l);
        }
        line
    }

    fn finish(multi: &MultiProgress, bar: Option<ProgressBar>) {
        if let Some(bar) = bar {
            bar.finish_and_clear();
            multi.remove(&bar);
        }
    }
}

/// A progress callback that draws a snapshot transfer on stderr: bytes, rate and ETA once the
/// total is known, a spinner with bytes and rate until then (see the module docs).
pub fn transfer() -> TransferProgress {
    let r = Transfer::new(ProgressDrawTarget::stderr());
    Arc::new(move |e: &TransferEvent| r.on(e))
}

struct Transfer {
    bar: ProgressBar,
    steps: Steps,
}

impl Transfer {
    fn new(target: ProgressDrawTarget) -> Self {
        let steps = Steps::new(target);
        let bar = steps.multi.add(ProgressBar::new_spinner());
        bar.set_style(Self::spinner_style());
        bar.enable_steady_tick(TICK);
        Transfer { bar, steps }
    }

    fn spinner_style() -> ProgressStyle {
        ProgressStyle::with_template("{spinner} {bytes} ({binary_bytes_per_sec}) {msg}").expect("a valid template")
    }

    fn bar_style() -> ProgressStyle {
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} ({binary_bytes_per_sec}, ETA {eta}) {msg}")
            .expect("a valid template")
    }

    /// The bar's length in bytes once the block total is known.
    fn set_total(&self, total_blocks: Option<u64>) {
        if let Some(total) = total_blocks {
            let bytes = total * BLOCK_SIZE as u64;
            if self.bar.length() != Some(bytes) {
                self.bar.set_length(bytes);
                self.bar.set_style(Self::bar_style());
            }
        }
    }

    fn on(&self, e: &TransferEvent) {
        match e {
            TransferEvent::Started {
                snapshot_id,
                total_blocks,
                ..
            } => {
                self.bar.set_message(snapshot_id.to_string());
                self.set_total(*total_blocks);
            }
            TransferEvent::Progress {
                total_blocks, bytes, ..
            } => {
                self.set_total(*total_blocks);
                self.bar.set_position(*bytes);
            }
            TransferEvent::Retrying {
                operation,
                attempt,
                error,
                ..
            } => {
                let _ = self
                    .steps
                    .multi
                    .println(format!("retry   {operation} after attempt {attempt}: {error}"));
            }
            TransferEvent::Workflow(ev) => {
                if matches!(ev, Event::RunFinished { .. }) {
                    self.bar.finish_and_clear();
                }
                let _ = self.steps.on(ev);
            }
            // Later kinds of event are not drawn.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflows::PlanSummary;
    use crate::workflows::plan::StepRecord;

    fn step(name: &str, after: &[&str], started: u64, finished: u64) -> StepRecord {
        StepRecord {
            name: name.into(),
            after: after.iter().map(|s| s.to_string()).collect(),
            started: Duration::from_secs(started),
            finished: Duration::from_secs(finished),
            ok: true,
        }
    }

    #[test]
    fn steps_draw_a_bar_per_running_step_and_close_with_the_summary() {
        let r = Steps::new(ProgressDrawTarget::hidden());
        assert_eq!(
            r.on(&Event::StepStarted {
                step: "a".into(),
                after: vec![],
                at: Duration::ZERO
            }),
            None
        );
        assert_eq!(
            r.on(&Event::StepStarted {
                step: "b".into(),
                after: vec![],
                at: Duration::ZERO
            }),
            None
        );
        assert_eq!(r.running.lock().unwrap().len(), 2, "one bar per running step");
        let done = r.on(&Event::StepFinished {
            step: "a".into(),
            elapsed: Duration::from_millis(2500),
            at: Duration::from_millis(2500),
        });
        assert_eq!(done.as_deref(), Some("done    a (2.5s)"));
        assert_eq!(r.running.lock().unwrap().len(), 1);
        let summary = PlanSummary::new(
            Duration::from_secs(12),
            vec![step("a", &[], 0, 3), step("b", &[], 0, 4), step("c", &["a"], 3, 10)],
        );
        let closing = r
            .on(&Event::RunFinished {
                run: "0000beef".into(),
                ok: true,
                summary,
            })
            .unwrap();
        assert!(
            closing.starts_with(
                "run 0000beef succeeded: 12.0s wall, critical path 10.0s, sequential sum 14.0s, 3 step(s)"
            ),
            "{closing}"
        );
        assert!(
            closing.contains("\n       3.0s +    7.0s  c"),
            "a line per step: {closing}"
        );
        assert!(r.running.lock().unwrap().is_empty(), "no bar left running");
    }

    #[test]
    fn a_transfer_is_a_spinner_until_its_total_is_known() {
        let t = Transfer::new(ProgressDrawTarget::hidden());
        t.on(&TransferEvent::Progress {
            done_blocks: 1,
            total_blocks: None,
            bytes: 4096,
        });
        assert_eq!(t.bar.length(), None, "unknown total: a spinner");
        assert_eq!(t.bar.position(), 4096);
        t.on(&TransferEvent::Progress {
            done_blocks: 2,
            total_blocks: Some(8),
            bytes: 8192,
        });
        assert_eq!(t.bar.length(), Some(8 * BLOCK_SIZE as u64), "the total in bytes");
        assert_eq!(t.bar.position(), 8192);
    }
}
