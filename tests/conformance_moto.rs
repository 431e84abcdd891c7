//! The conformance suite (tests/conformance/mod.rs) through the real SDK adapters against moto
//! server, plus the tests that SHOW each known moto deviation (tests/support/deviations.rs) and
//! self-tests of the moto harness.
//!
//! Needs moto: `scripts/install-moto`. Without it every test here prints a loud SKIPPING banner
//! and passes, unless `AWS_FACADE_REQUIRE_MOTO=1` (CI), which turns the skip into a failure.
//! The scenarios share one moto server per binary and run one at a time (each holds the
//! session lock and starts from `/moto-api/reset`).

mod conformance;
mod support;

use std::time::{Duration, Instant};

use aws_facade::ec2::{
    AttachVolumeRequest, AttachmentState, CreateSnapshotRequest, DescribeInstancesRequest, DetachVolumeRequest,
    InstanceState, RunInstancesRequest, SnapshotState, VolumeState,
};
use conformance::Backend;
use support::deviations::{DEVIATIONS, DeviationId, deviation};
use support::moto::{self, MotoServer};

macro_rules! moto_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let Some(backend) = Backend::moto().await else { return };
                conformance::$name(&backend).await;
                backend.finish().await;
            }
        )*
    };
}

conformance::scenarios!(moto_tests);

// ---------------------------------------------------------------------------------------------
// Known deviations, shown (each entry of DEVIATIONS names one of these tests).

#[test]
fn every_deviation_is_shown_by_a_test_in_this_file() {
    let source = include_str!("conformance_moto.rs");
    for d in DEVIATIONS {
        assert!(
            source.contains(&format!("async fn {}()", d.shown_by)),
            "deviation {:?} names shown_by = {:?}, which is not a test in tests/conformance_moto.rs",
            d.id,
            d.shown_by
        );
        assert_eq!(deviation(d.id), d, "one entry per id");
    }
}

/// moto: volumes, attachments, snapshots and terminations reach their final state at once.
#[tokio::test]
async fn moto_deviation_ec2_lifecycles_are_instant() {
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::Ec2InstantLifecycles));
    let subnets = b.subnets().await;
    let instance = b.launch(1, Some(&subnets[0]), b.tags("instant")).await.remove(0);
    assert_eq!(
        instance.state,
        InstanceState::Pending,
        "RunInstances still answers pending"
    );
    b.wait_instance(&instance.id, InstanceState::Running).await;

    let v = b.create_volume(&subnets[0], b.tags("instant")).await;
    assert_eq!(v.state, VolumeState::Available, "AWS: creating");
    let att = b
        .cloud
        .ec2
        .attach_volume(
            AttachVolumeRequest::builder()
                .volume_id(v.id.clone())
                .instance_id(instance.id.clone())
                .device("/dev/sdf")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(att.state, AttachmentState::Attached, "AWS: attaching");
    let det = b
        .cloud
        .ec2
        .detach_volume(DetachVolumeRequest::builder().volume_id(v.id.clone()).build().unwrap())
        .await
        .unwrap();
    assert_eq!(det.state, AttachmentState::Detached, "AWS: detaching");
    let s = b
        .cloud
        .ec2
        .create_snapshot(
            CreateSnapshotRequest::builder()
                .volume_id(v.id.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(s.state, SnapshotState::Completed, "AWS: pending");
    let changes = b
        .cloud
        .ec2
        .terminate_instances(vec![instance.id.clone()])
        .await
        .unwrap();
    assert_eq!(changes[0].current, InstanceState::Terminated, "AWS: shutting-down");
}

/// moto: RunInstances ignores ClientToken; a retry launches new instances.
#[tokio::test]
async fn moto_deviation_run_instances_ignores_client_token() {
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::RunInstancesIgnoresClientToken));
    let image = b.image().await;
    let req = RunInstancesRequest::builder()
        .image_id(image.id)
        .instance_type("t3.micro".parse().unwrap())
        .client_token("same-token")
        .build()
        .unwrap();
    let first = b.cloud.ec2.run_instances(req.clone()).await.unwrap();
    let second = b.cloud.ec2.run_instances(req).await.unwrap();
    assert_ne!(first[0].id, second[0].id, "AWS would return the first launch again");
    let all = b
        .cloud
        .ec2
        .describe_instances(DescribeInstancesRequest::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "two launches in all: {all:?}");
}

// ---------------------------------------------------------------------------------------------
// Harness self-tests (only moto's /moto-api and IAM query API; no facade adapter involved).

/// Reset forgets state; sessions exclude each other; Lambda config and IAM role work.
#[tokio::test]
async fn moto_harness_reset_serialization_lambda_prep() {
    let Some(s1) = moto::session().await else { return };
    let role_arn = s1.create_lambda_role("conformance-role").await;
    assert!(
        role_arn.starts_with(&format!("arn:aws:iam::{}:role/", moto::ACCOUNT_ID)),
        "{role_arn}"
    );
    let get = "Action=GetRole&Version=2010-05-08&RoleName=conformance-role";
    assert_eq!(s1.query("iam", get).await.status, 200);
    s1.lambda_without_docker().await;

    // A second session waits for the first, and starts from a reset server.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let waiter = tokio::spawn(async move {
        let s2 = moto::session().await.expect("moto is installed");
        let _ = tx.send(Instant::now());
        let r = s2.query("iam", get).await;
        assert_eq!(r.status, 404, "the role is gone after reset: {}", r.text());
        assert!(r.text().contains("NoSuchEntity"), "{}", r.text());
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let released = Instant::now();
    assert_eq!(
        s1.query("iam", get).await.status,
        200,
        "nobody reset the server under us"
    );
    drop(s1);
    waiter.await.expect("second session");
    let acquired = rx.await.expect("acquired");
    assert!(acquired >= released, "the second session began before the first ended");
}

/// A dedicated server answers, dies when its watchdog pipe closes (as when the test process
/// exits), and is killed and reaped when dropped.
#[tokio::test]
async fn moto_harness_server_start_stop() {
    if moto::shared().is_none() {
        return;
    }
    let server = tokio::task::spawn_blocking(MotoServer::start)
        .await
        .unwrap()
        .expect("start");
    let pid = server.pid();
    assert!(server.is_alive());
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let r = server.request("GET", "/moto-api/", &[], b"").await;
    assert_eq!(r.status, 200);
    drop(server);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "moto_server {pid} outlived its MotoServer"
    );

    let server = tokio::task::spawn_blocking(MotoServer::start)
        .await
        .unwrap()
        .expect("start");
    let pid = server.pid();
    server.close_watchdog_pipe();
    let deadline = Instant::now() + Duration::from_secs(15);
    while server.is_alive() {
        assert!(Instant::now() < deadline, "moto_server {pid} ignored the closed pipe");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs the ignored probe below in a child process with `moto_server` pointed at nothing.
fn run_probe_without_moto(require: bool) -> (bool, String) {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "moto_harness_probe",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(moto::SERVER_ENV, "/nonexistent/aws-facade/.venv/bin/moto_server")
    .env_remove(moto::REQUIRE_ENV);
    if require {
        cmd.env(moto::REQUIRE_ENV, "1");
    }
    let out = cmd.output().expect("run the test binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
#[ignore = "run by moto_harness_missing_* in a child process"]
async fn moto_harness_probe() {
    let Some(_s) = moto::session().await else { return };
}

#[test]
fn moto_harness_missing_moto_skips_loudly() {
    let (ok, out) = run_probe_without_moto(false);
    assert!(ok, "a missing moto is a skip, not a failure:\n{out}");
    assert!(
        out.contains("moto not installed: run scripts/install-moto; SKIPPING moto_harness_probe"),
        "loud banner naming the test:\n{out}"
    );
}

#[test]
fn moto_harness_missing_moto_fails_when_required() {
    let (ok, out) = run_probe_without_moto(true);
    assert!(!ok, "with {}=1 a missing moto must fail:\n{out}", moto::REQUIRE_ENV);
    assert!(
        out.contains("moto not installed but AWS_FACADE_REQUIRE_MOTO=1"),
        "says why:\n{out}"
    );
}

/// Starts a snapshot on moto and writes block 0 with `checksum` (the data is 0x07 bytes).
async fn moto_put_block(b: &Backend, checksum: String) -> (aws_facade::id::SnapshotId, aws_facade::Result<String>) {
    use aws_facade::ebs::{BLOCK_SIZE, PutSnapshotBlockRequest, StartSnapshotRequest};
    let id = b
        .cloud
        .ebs
        .start_snapshot(StartSnapshotRequest::builder().volume_size_gib(1).build().unwrap())
        .await
        .unwrap()
        .snapshot_id;
    let put = PutSnapshotBlockRequest::builder()
        .snapshot_id(id.clone())
        .block_index(0)
        .data(vec![7u8; BLOCK_SIZE])
        .checksum(checksum)
        .build()
        .unwrap();
    let out = b.cloud.ebs.put_snapshot_block(put).await;
    (id, out)
}

/// moto: PutSnapshotBlock accepts a checksum that does not match the data.
#[tokio::test]
async fn moto_deviation_ebs_checksums_not_verified() {
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::EbsChecksumsNotVerified));
    let wrong = aws_facade::ebs::block_checksum(b"other data");
    let (_, out) = moto_put_block(&b, wrong).await;
    assert!(out.is_ok(), "AWS: ValidationException INVALID_CHECKSUM; moto: {out:?}");
}

/// moto: block tokens are UUIDs and BlockSize is 512.
#[tokio::test]
async fn moto_deviation_ebs_uuid_tokens_and_block_size_512() {
    use aws_facade::ebs::{BLOCK_SIZE, CompleteSnapshotRequest, all_snapshot_blocks, block_checksum};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::EbsUuidTokensAndBlockSize512));
    let (id, out) = moto_put_block(&b, block_checksum(&vec![7u8; BLOCK_SIZE])).await;
    out.unwrap();
    let complete = CompleteSnapshotRequest::builder()
        .snapshot_id(id.clone())
        .changed_blocks_count(1)
        .build()
        .unwrap();
    b.cloud.ebs.complete_snapshot(complete).await.unwrap();
    let page = b
        .cloud
        .ebs
        .list_snapshot_blocks(
            aws_facade::ebs::ListSnapshotBlocksRequest::builder()
                .snapshot_id(id.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.block_size, 512, "AWS: 524288");
    let blocks = all_snapshot_blocks(b.cloud.ebs.as_ref(), &id).await.unwrap();
    assert_eq!(blocks.len(), 1);
    let t = &blocks[0].token;
    assert_eq!(
        (t.len(), t.matches('-').count()),
        (36, 4),
        "a UUID, outside AWS's pattern: {t}"
    );
}

/// moto: a snapshot started with a parent does not see the parent's blocks.
#[tokio::test]
async fn moto_deviation_ebs_parent_snapshot_ignored() {
    use aws_facade::ebs::{
        BLOCK_SIZE, CompleteSnapshotRequest, StartSnapshotRequest, all_snapshot_blocks, block_checksum,
    };
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::EbsParentSnapshotIgnored));
    let (parent, out) = moto_put_block(&b, block_checksum(&vec![7u8; BLOCK_SIZE])).await;
    out.unwrap();
    let complete = |id: aws_facade::id::SnapshotId, n| {
        CompleteSnapshotRequest::builder()
            .snapshot_id(id)
            .changed_blocks_count(n)
            .build()
            .unwrap()
    };
    b.cloud
        .ebs
        .complete_snapshot(complete(parent.clone(), 1))
        .await
        .unwrap();
    let child = b
        .cloud
        .ebs
        .start_snapshot(
            StartSnapshotRequest::builder()
                .volume_size_gib(1)
                .parent_snapshot_id(parent.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap()
        .snapshot_id;
    b.cloud.ebs.complete_snapshot(complete(child.clone(), 0)).await.unwrap();
    assert_eq!(
        all_snapshot_blocks(b.cloud.ebs.as_ref(), &parent).await.unwrap().len(),
        1
    );
    let inherited = all_snapshot_blocks(b.cloud.ebs.as_ref(), &child).await.unwrap();
    assert!(
        inherited.is_empty(),
        "AWS: the parent's block 0 is listed; moto: {inherited:?}"
    );
}
