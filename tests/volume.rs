//! The volume workflow (src/workflows/volume.rs) on the simulator, with tokio's paused clock:
//! provision / snapshot / restore / destroy, the next free device, validation before any call,
//! and rollback when any call of the workflow fails; and the safety tests of issue #10 (chaos
//! with lost answers and eventual consistency, a fault at every call index, cancellation at
//! many instants).
#![cfg(feature = "sim")]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_facade::ec2::{
    DescribeInstancesRequest, DescribeSnapshotsRequest, DescribeVolumesRequest, InstanceState, RunInstancesRequest,
    SnapshotState, VolumeState, VolumeType,
};
use aws_facade::id::InstanceId;
use aws_facade::layer::{Faults, Latency, Recording};
use aws_facade::sim::{SimCloud, SimConfig};
use aws_facade::wait::{Check, Waiter};
use aws_facade::workflows::Event;
use aws_facade::workflows::volume::{self, VolumeSpec};
use aws_facade::{Cloud, Error};
use support::safety::{Tally, chaos_runs, fault_at, fault_points, trace};

/// A running instance (launched directly, not through a workflow).
async fn instance(cloud: &Cloud) -> InstanceId {
    let image = cloud
        .ec2
        .describe_images(Default::default())
        .await
        .unwrap()
        .remove(0)
        .id;
    let req = RunInstancesRequest::builder()
        .image_id(image)
        .instance_type("t3.micro".parse().unwrap())
        .build()
        .unwrap();
    let id = cloud.ec2.run_instances(req).await.unwrap().remove(0).id;
    let req = DescribeInstancesRequest::builder()
        .instance_ids(vec![id.clone()])
        .build()
        .unwrap();
    Waiter::new("running")
        .timeout(Duration::from_secs(600))
        .until(|| async {
            let i = cloud.ec2.describe_instances(req.clone()).await?;
            Ok(if i[0].state == InstanceState::Running {
                Check::Done(())
            } else {
                Check::Pending(i[0].state.to_string())
            })
        })
        .await
        .unwrap();
    id
}

fn spec(name: &str, instance: &InstanceId) -> VolumeSpec {
    VolumeSpec::builder()
        .name(name)
        .instance_id(instance.clone())
        .size_gib(20)
        .build()
        .unwrap()
}

/// The volumes the simulator holds.
fn volumes(sim: &SimCloud) -> usize {
    sim.inventory().count("volume")
}

#[tokio::test(start_paused = true)]
async fn provision_attaches_at_the_next_free_device_and_destroy_removes() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let i = instance(&cloud).await;
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    let progress: aws_facade::workflows::Progress = Arc::new(move |e: &Event| ev.lock().unwrap().push(e.clone()));
    let a = volume::provision(&cloud, &spec("a", &i), Some(progress)).await.unwrap();
    let b = volume::provision(&cloud, &spec("b", &i), None).await.unwrap();
    assert_eq!((a.device.as_str(), b.device.as_str()), ("/dev/sdf", "/dev/sdg"));
    let v = cloud
        .ec2
        .describe_volumes(
            DescribeVolumesRequest::builder()
                .volume_ids(vec![a.volume_id.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap()
        .remove(0);
    assert_eq!(v.state, VolumeState::InUse);
    assert_eq!(v.volume_type, VolumeType::Gp3, "gp3 by default");
    assert!(v.encrypted, "encrypted by default");
    assert_eq!(v.tags.get("aws-facade:name").map(String::as_str), Some("a"));
    // Outputs are serde.
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<volume::VolumeOutputs>(&json).unwrap(), a);
    // Re-applying reuses the attached volume.
    let again = volume::provision(&cloud, &spec("a", &i), None).await.unwrap();
    assert_eq!(again, a);
    assert_eq!(volumes(&sim), 2);
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, Event::StepFinished { step, .. } if step == "attach"))
    );

    volume::destroy(&cloud, &a, false, None).await.unwrap();
    volume::destroy(&cloud, &b, true, None).await.unwrap();
    volume::destroy(&cloud, &b, true, None).await.unwrap(); // idempotent
    assert_eq!(volumes(&sim), 0);
}

#[tokio::test(start_paused = true)]
async fn snapshot_waits_with_progress_and_restore_attaches_a_copy() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let i = instance(&cloud).await;
    let out = volume::provision(&cloud, &spec("data", &i), None).await.unwrap();
    let notes = Arc::new(Mutex::new(Vec::new()));
    let n = notes.clone();
    let progress: aws_facade::workflows::Progress = Arc::new(move |e: &Event| {
        if let Event::Note { message } = e {
            n.lock().unwrap().push(message.clone());
        }
    });
    let snap = volume::snapshot(&cloud, &out.volume_id, Some("nightly".into()), Some(progress))
        .await
        .unwrap();
    assert_eq!(snap.state, SnapshotState::Completed);
    assert!(
        notes.lock().unwrap().iter().any(|m| m.contains('%')),
        "progress was reported: {:?}",
        notes.lock().unwrap()
    );
    let restored = volume::restore(&cloud, &snap.id, &spec("copy", &i), None)
        .await
        .unwrap();
    assert_eq!(restored.device, "/dev/sdg");
    volume::destroy(&cloud, &restored, false, None).await.unwrap();
    volume::destroy(&cloud, &out, false, None).await.unwrap();
    cloud.ec2.delete_snapshot(snap.id).await.unwrap();
    assert_eq!(volumes(&sim), 0);
}

#[tokio::test(start_paused = true)]
async fn bad_specs_are_refused_before_any_call() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let i: InstanceId = "i-0123456789abcdef0".parse().unwrap();
    let field = |e: Error| match e {
        Error::Validation { field, .. } => field,
        o => panic!("{o:?}"),
    };
    let base = spec("v", &i);
    let bad = [
        (
            VolumeSpec {
                size_gib: Some(0),
                ..base.clone()
            },
            "size_gib",
        ),
        (
            VolumeSpec {
                size_gib: Some(70_000),
                ..base.clone()
            },
            "size_gib",
        ),
        (
            VolumeSpec {
                iops: Some(20_000),
                ..base.clone()
            },
            "iops",
        ),
        (
            VolumeSpec {
                throughput: Some(2_000),
                ..base.clone()
            },
            "throughput",
        ),
        (
            VolumeSpec {
                volume_type: VolumeType::St1,
                ..base.clone()
            },
            "size_gib",
        ),
        (
            VolumeSpec {
                device: Some("sdf".into()),
                ..base.clone()
            },
            "device",
        ),
        (
            VolumeSpec {
                name: String::new(),
                ..base.clone()
            },
            "name",
        ),
    ];
    for (spec, want) in bad {
        assert_eq!(field(volume::provision(&cloud, &spec, None).await.unwrap_err()), want);
    }
    assert!(journal.is_empty(), "no call was made: {:?}", journal.operations());
}

/// Every call the workflow makes, failed in turn with a non-retryable error: each run fails,
/// and afterwards nothing the workflow created is left.
#[tokio::test(start_paused = true)]
async fn a_failure_at_any_call_rolls_back_everything() {
    // A clean run, to learn the calls in order. Transitions are instant so that every wait is
    // one describe: with AWS-like durations the number of polls depends on the waits' jitter,
    // and the n-th call of a clean run might not happen in a faulty one.
    let sim = SimCloud::with_config(SimConfig::instant());
    let i = instance(&sim.cloud()).await;
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let out = volume::provision(&cloud, &spec("data", &i), None).await.unwrap();
    let calls = journal.operations();
    volume::destroy(&sim.cloud(), &out, false, None).await.unwrap();
    assert!(
        calls.contains(&"CreateVolume") && calls.contains(&"AttachVolume"),
        "{calls:?}"
    );

    for (k, op) in calls.iter().enumerate() {
        let nth = calls[..=k].iter().filter(|o| *o == op).count();
        let sim = SimCloud::with_config(SimConfig::instant());
        let i = instance(&sim.cloud()).await;
        let before = sim.inventory();
        let cloud = sim
            .cloud()
            .layer(Faults::new(0).script(op, nth, "UnauthorizedOperation"));
        let e = volume::provision(&cloud, &spec("data", &i), None).await.unwrap_err();
        assert!(e.is_access_denied(), "call {k} ({op} #{nth}): {e}");
        if let Error::Workflow(w) = &e {
            assert!(w.left_behind.is_empty(), "call {k} ({op} #{nth}): {w:?}");
        }
        assert_eq!(
            sim.inventory(),
            before,
            "failing call {k} ({op} #{nth}) left something behind"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_snapshot_wait_deletes_the_snapshot() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let i = instance(&cloud).await;
    let out = volume::provision(&cloud, &spec("data", &i), None).await.unwrap();
    let failing = cloud
        .clone()
        .layer(Faults::new(0).script("DescribeSnapshots", 2, "UnauthorizedOperation"));
    let e = volume::snapshot(&failing, &out.volume_id, None, None)
        .await
        .unwrap_err();
    assert!(e.is_access_denied(), "{e}");
    let left = cloud
        .ec2
        .describe_snapshots(
            DescribeSnapshotsRequest::builder()
                .volume_id(out.volume_id.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(left.is_empty(), "the snapshot was rolled back: {left:?}");
    volume::destroy(&cloud, &out, false, None).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Safety (issue #10): chaos, a fault at every call index, cancellation at many instants.
//
// Where the simulator's faults differ from AWS: a lost answer's call has taken effect, whole,
// before the error comes back (on AWS a timed-out request may still be in flight, and take
// effect after the retry, or never); eventual consistency hides a new EC2 id from describes and
// mutations for a fixed 3 s (on AWS the lag varies, and a deleted volume may still be
// described for a while, as `deleting`, which the simulator skips: DeleteVolume removes it at
// once).

/// The simulator of the safety tests: AWS-like durations and 3 s of EC2 eventual consistency.
fn safety_sim(seed: u64) -> SimCloud {
    SimCloud::with_config(SimConfig {
        seed,
        eventual_consistency: Some(Duration::from_secs(3)),
        ..SimConfig::default()
    })
}

/// A progress callback that keeps each event as text (for `AWS_FACADE_CHAOS_TRACE`).
fn text_recorder() -> (Arc<Mutex<Vec<String>>>, aws_facade::workflows::Progress) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    (
        events,
        Arc::new(move |e: &Event| ev.lock().unwrap().push(e.to_string())),
    )
}

/// The volumes carrying the ownership tags of `name`, read through a clean (fault-free) cloud.
async fn owned_by(sim: &SimCloud, name: &str) -> Vec<aws_facade::ec2::Volume> {
    sim.cloud()
        .ec2
        .describe_volumes(
            DescribeVolumesRequest::builder()
                .tags(aws_facade::workflows::plan::owner_tags("volume", name, None))
                .build()
                .unwrap(),
        )
        .await
        .unwrap()
}

/// Why an applied provision is wrong, if it is: anything but exactly one volume with the name's
/// tags (a duplicate from a retried create), or that volume not being the one reported,
/// attached to the instance at the reported device; or an extra volume in the inventory.
async fn applied_wrongly(
    sim: &SimCloud,
    baseline: &aws_facade::sim::Inventory,
    out: &volume::VolumeOutputs,
) -> Option<String> {
    let owned = owned_by(sim, "data").await;
    let total = sim.inventory().count("volume");
    let want = baseline.count("volume") + 1;
    match owned.as_slice() {
        [v] if v.id == out.volume_id
            && v.state == VolumeState::InUse
            && v.attachments
                .iter()
                .any(|a| a.instance_id == out.instance_id && a.device == out.device)
            && total == want =>
        {
            None
        }
        _ => Some(format!(
            "applied with {} owned volume(s) ({} in all, {want} expected): {owned:?} for {out:?}",
            owned.len(),
            total
        )),
    }
}

/// Provisions (under 10 % transient faults with lost answers, and eventual consistency) then
/// destroys under the same faults, for seeds `0..AWS_FACADE_CHAOS_RUNS` (default 200: under a
/// second on a debug build). Even seeds destroy by the outputs (`volume::destroy`), odd ones
/// by name (`volume::destroy_by_name`). Each run ends applied with exactly one volume, then
/// destroyed leaving only the test's instance; or rolled back (nothing left behind, and nothing
/// in the simulator once the rollback's sweep has had time).
#[tokio::test(start_paused = true)]
async fn chaos_provision_and_destroy_end_applied_or_rolled_back() {
    let mut tally = Tally::default();
    let (mut injected, mut lost) = (0, 0);
    for seed in 0..chaos_runs(200) {
        let sim = safety_sim(seed);
        let i = instance(&sim.cloud()).await;
        let baseline = sim.inventory();
        let faults = Faults::new(seed).transient(0.10);
        let cloud = sim.cloud().layer(faults.clone()).with_seed(seed);
        let (events, progress) = text_recorder();
        let result = volume::provision(&cloud, &spec("data", &i), Some(progress)).await;
        if trace() {
            eprintln!(
                "seed {seed}: {:?}\n{}",
                result.as_ref().err(),
                events.lock().unwrap().join("\n")
            );
        }
        // Ok(true): applied; Ok(false): rolled back; Err: what was left or duplicated.
        let outcome = match result {
            Ok(out) => match applied_wrongly(&sim, &baseline, &out).await {
                Some(why) => Err(why),
                None => {
                    if seed % 2 == 0 {
                        volume::destroy(&cloud, &out, false, None)
                            .await
                            .unwrap_or_else(|e| panic!("seed {seed}: destroy: {e}"));
                    } else {
                        let t = volume::destroy_by_name(&cloud, "data", None)
                            .await
                            .unwrap_or_else(|e| panic!("seed {seed}: destroy_by_name: {e}"));
                        assert_eq!(t.removed, [format!("volume {}", out.volume_id)], "seed {seed}");
                    }
                    if sim.inventory() == baseline {
                        Ok(true)
                    } else {
                        Err(format!("destroy left {}", sim.inventory()))
                    }
                }
            },
            Err(Error::Workflow(w)) => {
                tokio::time::sleep(Duration::from_secs(60)).await;
                if w.left_behind.is_empty() && sim.inventory() == baseline {
                    Ok(false)
                } else {
                    Err(format!("rolled back but left {} ({w})", sim.inventory()))
                }
            }
            Err(e) => panic!("seed {seed}: not a workflow error: {e}"),
        };
        tally.record(seed, outcome);
        injected += faults.injected();
        lost += faults.lost();
    }
    eprintln!("volume chaos: {injected} faults injected, {lost} of them lost answers");
    assert!(lost > 0, "the faults included lost answers");
    tally.check("volume provision+destroy");
}

/// A clean run's calls, on the safety simulator (seeded: the same calls every time).
async fn clean_volume_run() -> Vec<(&'static str, usize)> {
    let sim = safety_sim(0);
    let i = instance(&sim.cloud()).await;
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone()).with_seed(0);
    volume::provision(&cloud, &spec("data", &i), None).await.unwrap();
    let points = fault_points(&journal);
    let ops: Vec<_> = points.iter().map(|(op, _)| *op).collect();
    assert!(
        ops.contains(&"CreateVolume") && ops.contains(&"AttachVolume"),
        "{ops:?}"
    );
    points
}

/// Every call of a clean provision (with AWS-like durations, eventual consistency, and the same
/// seed, so the faulty run repeats the clean one up to its fault) failed in turn: with a
/// non-retryable `AccessDenied` each provision rolls back and leaves nothing; with its answer
/// lost (the call took effect) each ends applied with exactly one volume, or rolled back,
/// and leaves nothing either way.
#[tokio::test(start_paused = true)]
async fn a_fault_at_every_call_of_provision_rolls_back_or_adopts() {
    let points = clean_volume_run().await;
    let (mut applied, mut rolled_back) = (0, 0);
    for &(op, nth) in &points {
        for lost in [false, true] {
            let what = format!("{} at {op} #{nth}", if lost { "lost answer" } else { "AccessDenied" });
            let sim = safety_sim(0);
            let i = instance(&sim.cloud()).await;
            let baseline = sim.inventory();
            let faults = fault_at(op, nth, lost);
            let cloud = sim.cloud().layer(faults.clone()).with_seed(0);
            let result = volume::provision(&cloud, &spec("data", &i), None).await;
            assert_eq!(faults.injected(), 1, "{what}: the faulty run reached the call");
            match result {
                Ok(out) => {
                    assert!(lost, "{what}: a non-retryable fault must fail the provision");
                    if let Some(why) = applied_wrongly(&sim, &baseline, &out).await {
                        panic!("{what}: {why}");
                    }
                    applied += 1;
                    volume::destroy(&sim.cloud(), &out, false, None).await.unwrap();
                }
                Err(Error::Workflow(w)) => {
                    if !lost {
                        assert!(w.cause.is_access_denied(), "{what}: {w}");
                    }
                    assert!(w.left_behind.is_empty(), "{what}: {w}");
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    rolled_back += 1;
                }
                Err(e) => panic!("{what}: not a workflow error: {e}"),
            }
            assert_eq!(sim.inventory(), baseline, "{what}: left {}", sim.inventory());
        }
    }
    eprintln!(
        "volume provision: {} fault points; AccessDenied: {} rolled back; lost answers: {applied} applied, {} rolled back",
        points.len(),
        points.len(),
        rolled_back - points.len()
    );
}

/// Every call of a clean destroy and destroy-by-name with its answer lost: the teardown still
/// succeeds and leaves only the test's instance.
#[tokio::test(start_paused = true)]
async fn a_lost_answer_at_every_call_of_destroy_still_removes_the_volume() {
    for by_name in [false, true] {
        let setup = || async {
            let sim = safety_sim(0);
            let i = instance(&sim.cloud()).await;
            let baseline = sim.inventory();
            let out = volume::provision(&sim.cloud(), &spec("data", &i), None).await.unwrap();
            (sim, baseline, out)
        };
        let teardown = |cloud: Cloud, out: volume::VolumeOutputs| async move {
            if by_name {
                volume::destroy_by_name(&cloud, "data", None).await.map(|_| ())
            } else {
                volume::destroy(&cloud, &out, false, None).await
            }
        };
        let (sim, _, out) = setup().await;
        let journal = Recording::new();
        teardown(sim.cloud().layer(journal.clone()).with_seed(0), out)
            .await
            .unwrap();
        let points = fault_points(&journal);
        assert!(points.iter().any(|(op, _)| *op == "DeleteVolume"), "{points:?}");
        for (op, nth) in points {
            let (sim, baseline, out) = setup().await;
            let faults = Faults::new(0).script_lost(op, nth);
            teardown(sim.cloud().layer(faults.clone()).with_seed(0), out)
                .await
                .unwrap_or_else(|e| panic!("by name {by_name}, lost {op} #{nth}: {e}"));
            assert_eq!(faults.injected(), 1, "lost {op} #{nth}");
            assert_eq!(sim.inventory(), baseline, "by name {by_name}, lost {op} #{nth}");
        }
    }
}

/// A provision cancelled (its future dropped by `tokio::time::timeout`) at every half second of
/// its run, from 0 to past its end, with calls that take time on the way there and back (so a
/// cancellation also lands between a call taking effect and its answer): two minutes later
/// nothing it made is left, without any destroy.
#[tokio::test(start_paused = true)]
async fn a_provision_cancelled_at_any_instant_leaves_nothing() {
    let latency = || {
        Latency::fixed(Duration::from_millis(150))
            .after_call(aws_facade::layer::Delay::Fixed(Duration::from_millis(150)))
    };
    // How long a whole provision takes on this setup, and when each call's answer is on its
    // way back (the call took effect; cancelling then loses its answer).
    let (whole, in_flight) = {
        let sim = safety_sim(0);
        let i = instance(&sim.cloud()).await;
        let journal = Recording::new();
        let cloud = sim.cloud().layer(latency()).layer(journal.clone()).with_seed(0);
        let t0 = tokio::time::Instant::now();
        volume::provision(&cloud, &spec("data", &i), None).await.unwrap();
        let answers: Vec<Duration> = journal
            .entries()
            .iter()
            .map(|e| e.finished - Duration::from_millis(75))
            .collect();
        (t0.elapsed(), answers)
    };
    assert!(whole > Duration::from_secs(5), "{whole:?}");
    // Every half second from 0 to past the end, and the middle of every answer's way back.
    let mut at: Vec<Duration> = (0..)
        .map(|k| Duration::from_millis(500) * k)
        .take_while(|t| *t <= whole + Duration::from_secs(2))
        .chain(in_flight.iter().copied())
        .collect();
    at.sort();
    at.dedup();
    let (mut cancelled, mut finished, instants) = (0, 0, at.len());
    for t in at {
        let sim = safety_sim(0);
        let i = instance(&sim.cloud()).await;
        let baseline = sim.inventory();
        let cloud = sim.cloud().layer(latency()).with_seed(0);
        match tokio::time::timeout(t, volume::provision(&cloud, &spec("data", &i), None)).await {
            Err(_) => {
                cancelled += 1;
                tokio::time::sleep(Duration::from_secs(120)).await;
                assert_eq!(
                    sim.inventory(),
                    baseline,
                    "cancelled at {t:?}: left {}",
                    sim.inventory()
                );
            }
            Ok(out) => {
                let out = out.unwrap_or_else(|e| panic!("at {t:?}: {e}"));
                assert!(
                    !in_flight.contains(&t),
                    "at {t:?} an answer was on its way back: not finished"
                );
                finished += 1;
                assert_eq!(applied_wrongly(&sim, &baseline, &out).await, None, "at {t:?}");
            }
        }
    }
    eprintln!(
        "volume provision ({whole:?}): cancelled at {cancelled} of {instants} instants ({} with an answer \
         on its way back), {finished} finished",
        in_flight.len()
    );
    assert!(
        cancelled * 2 >= instants && cancelled >= 10,
        "{cancelled} of {instants}"
    );
    assert!(finished >= 1, "the last instants are past the end of the provision");
}
