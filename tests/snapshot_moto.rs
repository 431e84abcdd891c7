//! Snapshot transfer (src/workflows/snapshot.rs) through the real SDK adapters against moto
//! server: a byte-exact round trip.
//!
//! Needs moto: `scripts/install-moto`. Without it the test prints a loud SKIPPING banner and
//! passes, unless `AWS_FACADE_REQUIRE_MOTO=1`, which turns the skip into a failure.
//!
//! What moto 5.2.5 does differently from AWS here (DESIGN.md, moto source), and why the round
//! trip still proves the adapters: moto stores block checksums without verifying them (the
//! checksum path is proven on the simulator, tests/snapshot.rs), answers ListSnapshotBlocks in
//! one page (no NextToken), and reports `BlockSize` 512 (the transfer uses AWS's 524,288, which
//! is what the blocks really are).

mod support;

use aws_facade::ebs::BLOCK_SIZE;
use aws_facade::workflows::snapshot::{self, DownloadOptions, UploadOptions};

#[tokio::test]
async fn moto_snapshot_round_trip_is_byte_exact() {
    let Some(session) = support::moto::session().await else {
        return;
    };
    let cloud = support::moto_cloud(&session);
    // 5 blocks and a bit; block 2 is zeros (not sent).
    let mut rng = fastrand::Rng::with_seed(9);
    let mut data = vec![0u8; 5 * BLOCK_SIZE + 4321];
    rng.fill(&mut data);
    data[2 * BLOCK_SIZE..3 * BLOCK_SIZE].fill(0);
    let opts = UploadOptions::builder()
        .concurrency(8)
        .description("moto round trip")
        .build()
        .unwrap();
    let up = snapshot::upload_reader(&cloud, &data[..], data.len() as u64, &opts)
        .await
        .unwrap();
    assert_eq!((up.blocks_written, up.blocks_zero), (5, 1));

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.img");
    let down = snapshot::download_file(&cloud, &up.snapshot_id, &out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(down.blocks_written, 5, "only the blocks with data");
    let back = std::fs::read(&out).unwrap();
    assert_eq!(back.len() as u64, u64::from(down.volume_size_gib) << 30);
    assert!(back[..data.len()] == data[..], "byte-exact through the SDK adapters");
    assert!(back[data.len()..].iter().all(|b| *b == 0));
}

// No incremental round trip here: moto 5.2.5 ignores ParentSnapshotId (a child starts empty
// and lists only its own blocks), a listed deviation shown by
// `moto_deviation_ebs_parent_snapshot_ignored` in tests/conformance_moto.rs. Incremental
// uploads are tested on the simulator (tests/snapshot.rs).
