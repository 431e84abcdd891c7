//! The volume workflow (src/workflows/volume.rs) on the simulator, with tokio's paused clock:
//! provision / snapshot / restore / destroy, the next free device, validation before any call,
//! and rollback when any call of the workflow fails.
#![cfg(feature = "sim")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_facade::ec2::{
    DescribeInstancesRequest, DescribeSnapshotsRequest, DescribeVolumesRequest, InstanceState, RunInstancesRequest,
    SnapshotState, VolumeState, VolumeType,
};
use aws_facade::id::InstanceId;
use aws_facade::layer::{Faults, Recording};
use aws_facade::sim::{SimCloud, SimConfig};
use aws_facade::wait::{Check, Waiter};
use aws_facade::workflows::Event;
use aws_facade::workflows::volume::{self, VolumeSpec};
use aws_facade::{Cloud, Error};

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
                size_gib: Some(20_000),
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
