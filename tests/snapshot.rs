//! Snapshot data transfer (src/workflows/snapshot.rs) on the simulator, with tokio's paused
//! clock: round trips, sparse data, corrupt blocks, interrupted uploads, retries, incremental
//! uploads, bounded concurrency and validation before any call.
#![cfg(feature = "sim")]

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_facade::ebs::{
    BLOCK_SIZE, BlockData, BlockPage, ChangedBlockPage, CompleteSnapshotRequest, DirectSnapshotStatus, Ebs,
    GetSnapshotBlockRequest, ListChangedBlocksRequest, ListSnapshotBlocksRequest, PutSnapshotBlockRequest,
    StartSnapshotRequest, StartedSnapshot, all_snapshot_blocks,
};
use aws_facade::ec2::{DescribeSnapshotsRequest, SnapshotState};
use aws_facade::layer::{Delay, Faults, Latency, Recording};
use aws_facade::sim::SimCloud;
use aws_facade::wait::{Backoff, RetryPolicy};
use aws_facade::workflows::snapshot::{
    self, CHECKSUM_MISMATCH, DownloadOptions, TransferEvent, TransferProgress, UploadOptions,
};
use aws_facade::{Cloud, Error};

const BS: usize = BLOCK_SIZE;
const GIB: u64 = 1 << 30;

/// Deterministic non-zero data for block `seed`.
fn block(seed: u8) -> Vec<u8> {
    (0..BS)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) | 1)
        .collect()
}

/// Data of `len` bytes: block i holds `block(i)` except the blocks in `zero`, which are zeros.
fn data(len: usize, zero: &[usize]) -> Vec<u8> {
    let mut d = Vec::with_capacity(len);
    let mut i = 0;
    while d.len() < len {
        let b = if zero.contains(&i) {
            vec![0u8; BS]
        } else {
            block(i as u8)
        };
        let take = (len - d.len()).min(BS);
        d.extend_from_slice(&b[..take]);
        i += 1;
    }
    d
}

fn fast_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        backoff: Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
            multiplier: 2.0,
            jitter: false,
        },
    }
}

/// Reads `len` bytes of `path` from `offset`.
fn read_range(path: &Path, offset: u64, len: usize) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(path).unwrap();
    let mut buf = vec![0u8; len];
    f.read_exact_at(&mut buf, offset).unwrap();
    buf
}

/// Asserts the downloaded image holds `want` at its start, zeros in the following block, and is
/// a volume-sized sparse file.
fn assert_image(path: &Path, want: &[u8], volume_gib: u64) {
    let meta = std::fs::metadata(path).unwrap();
    assert_eq!(meta.len(), volume_gib * GIB, "preallocated to the volume size");
    assert!(
        meta.blocks() * 512 < 64 << 20,
        "sparse: {} bytes allocated for a {} GiB image",
        meta.blocks() * 512,
        volume_gib
    );
    assert!(
        read_range(path, 0, want.len()) == want,
        "the data round-trips byte for byte"
    );
    let after = want.len().next_multiple_of(BS) as u64;
    assert!(
        read_range(path, after, BS).iter().all(|b| *b == 0),
        "nothing after the data"
    );
    let pad = after as usize - want.len();
    assert!(read_range(path, want.len() as u64, pad).iter().all(|b| *b == 0));
}

fn events() -> (TransferProgress, Arc<Mutex<Vec<TransferEvent>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    (
        Arc::new(move |e: &TransferEvent| s.lock().unwrap().push(e.clone())),
        seen,
    )
}

async fn status_of(sim: &SimCloud, id: &aws_facade::id::SnapshotId) -> Option<SnapshotState> {
    use aws_facade::ec2::Ec2;
    let req = DescribeSnapshotsRequest::builder()
        .snapshot_ids(vec![id.clone()])
        .build()
        .unwrap();
    match sim.describe_snapshots(req).await {
        Ok(s) => s.first().map(|s| s.state),
        Err(e) if e.is_not_found() => None,
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_file_round_trips_byte_for_byte_and_zero_blocks_are_not_sent() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let dir = tempfile::tempdir().unwrap();
    // 6 blocks and a bit (not a multiple of the block size); blocks 1 and 4 are zeros.
    let want = data(6 * BS + 12_345, &[1, 4]);
    let src = dir.path().join("src.img");
    std::fs::write(&src, &want).unwrap();
    let (progress, seen) = events();
    let opts = UploadOptions::builder()
        .description("round trip")
        .tags([("team".to_string(), "storage".to_string())].into())
        .progress(progress)
        .build()
        .unwrap();
    let up = snapshot::upload_file(&cloud, &src, &opts).await.unwrap();
    assert_eq!(
        up.status,
        DirectSnapshotStatus::Completed,
        "waited through the simulated completion"
    );
    assert_eq!((up.blocks_written, up.blocks_zero, up.blocks_unchanged), (5, 2, 0));
    assert_eq!(up.bytes_read, want.len() as u64);
    assert_eq!(up.volume_size_gib, 1);
    assert_eq!(journal.count("PutSnapshotBlock"), 5, "zero blocks are not sent");
    assert_eq!(journal.count("CompleteSnapshot"), 1);
    // The simulator verified every block checksum and the LINEAR aggregate; its listing
    // holds exactly the non-zero blocks.
    let listed: Vec<u32> = all_snapshot_blocks(&sim, &up.snapshot_id)
        .await
        .unwrap()
        .iter()
        .map(|b| b.index)
        .collect();
    assert_eq!(listed, vec![0, 2, 3, 5, 6]);
    let described = {
        use aws_facade::ec2::Ec2;
        let req = DescribeSnapshotsRequest::builder()
            .snapshot_ids(vec![up.snapshot_id.clone()])
            .build()
            .unwrap();
        sim.describe_snapshots(req).await.unwrap().remove(0)
    };
    assert_eq!(described.description.as_deref(), Some("round trip"));
    assert_eq!(described.tags.get("team").map(String::as_str), Some("storage"));
    assert!(described.encrypted, "encrypted by default");
    {
        let seen = seen.lock().unwrap();
        assert!(matches!(&seen[..], [TransferEvent::Workflow(_), ..]));
        assert!(seen.iter().any(|e| matches!(
            e,
            TransferEvent::Started {
                total_blocks: Some(7),
                ..
            }
        )));
        let last = seen
            .iter()
            .rev()
            .find_map(|e| match e {
                TransferEvent::Progress {
                    done_blocks,
                    total_blocks,
                    bytes,
                } => Some((*done_blocks, *total_blocks, *bytes)),
                _ => None,
            })
            .unwrap();
        assert_eq!(last, (7, Some(7), want.len() as u64));
    }

    let out = dir.path().join("out.img");
    let down = snapshot::download_file(&cloud, &up.snapshot_id, &out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!((down.blocks_written, down.volume_size_gib), (5, 1));
    assert_eq!(journal.count("GetSnapshotBlock"), 5, "only blocks with data are read");
    assert_image(&out, &want, 1);
}

#[tokio::test(start_paused = true)]
async fn a_sparse_gib_uploads_two_blocks_and_downloads_sparse() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("sparse.img");
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::File::create(&src).unwrap();
        f.set_len(GIB).unwrap();
        f.write_all_at(&block(1), 0).unwrap();
        f.write_all_at(&block(2), 1000 * BS as u64).unwrap();
    }
    let up = snapshot::upload_file(&cloud, &src, &UploadOptions::default())
        .await
        .unwrap();
    assert_eq!((up.blocks_written, up.blocks_zero), (2, 2046));
    assert_eq!(journal.count("PutSnapshotBlock"), 2);
    let out = dir.path().join("out.img");
    let down = snapshot::download_file(&cloud, &up.snapshot_id, &out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(down.blocks_written, 2);
    let meta = std::fs::metadata(&out).unwrap();
    assert_eq!(meta.len(), GIB);
    assert!(
        meta.blocks() * 512 <= 8 * BS as u64,
        "holes stay holes: {} bytes allocated",
        meta.blocks() * 512
    );
    assert!(read_range(&out, 0, BS) == block(1));
    assert!(read_range(&out, 1000 * BS as u64, BS) == block(2));
    assert!(read_range(&out, 999 * BS as u64, BS).iter().all(|b| *b == 0));
}

#[tokio::test(start_paused = true)]
async fn empty_and_tiny_sources_and_an_explicit_volume_size() {
    let sim = SimCloud::new();
    let cloud = sim.cloud();
    let up = snapshot::upload_reader(&cloud, &[][..], 0, &UploadOptions::default())
        .await
        .unwrap();
    assert_eq!((up.blocks_written, up.volume_size_gib), (0, 1));
    assert_eq!(up.status, DirectSnapshotStatus::Completed);
    let opts = UploadOptions::builder().volume_size_gib(3).build().unwrap();
    let up = snapshot::upload_reader(&cloud, &[7u8][..], 1, &opts).await.unwrap();
    assert_eq!((up.blocks_written, up.volume_size_gib), (1, 3));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.img");
    snapshot::download_file(&cloud, &up.snapshot_id, &out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_image(&out, &[7u8], 3);
}

/// An EBS handle that corrupts the data of GetSnapshotBlock for one block index, `times` times.
struct Corrupting {
    inner: SimCloud,
    index: u32,
    times: Mutex<u32>,
}

#[async_trait::async_trait]
impl Ebs for Corrupting {
    async fn start_snapshot(&self, req: StartSnapshotRequest) -> aws_facade::Result<StartedSnapshot> {
        self.inner.start_snapshot(req).await
    }
    async fn put_snapshot_block(&self, req: PutSnapshotBlockRequest) -> aws_facade::Result<String> {
        self.inner.put_snapshot_block(req).await
    }
    async fn complete_snapshot(&self, req: CompleteSnapshotRequest) -> aws_facade::Result<DirectSnapshotStatus> {
        self.inner.complete_snapshot(req).await
    }
    async fn list_snapshot_blocks(&self, req: ListSnapshotBlocksRequest) -> aws_facade::Result<BlockPage> {
        self.inner.list_snapshot_blocks(req).await
    }
    async fn list_changed_blocks(&self, req: ListChangedBlocksRequest) -> aws_facade::Result<ChangedBlockPage> {
        self.inner.list_changed_blocks(req).await
    }
    async fn get_snapshot_block(&self, req: GetSnapshotBlockRequest) -> aws_facade::Result<BlockData> {
        let index = req.block_index;
        let mut b = self.inner.get_snapshot_block(req).await?;
        let mut left = self.times.lock().unwrap();
        if index == self.index && *left > 0 {
            *left -= 1;
            let mut d = b.data.to_vec();
            d[100] ^= 0xff;
            b.data = d.into();
        }
        Ok(b)
    }
}

fn corrupting(sim: &SimCloud, index: u32, times: u32) -> Cloud {
    sim.cloud().with_ebs(Arc::new(Corrupting {
        inner: sim.clone(),
        index,
        times: Mutex::new(times),
    }))
}

#[tokio::test(start_paused = true)]
async fn a_corrupt_block_is_read_again_then_refused_and_the_file_removed() {
    let sim = SimCloud::new();
    let want = data(4 * BS, &[]);
    let up = snapshot::upload_reader(&sim.cloud(), &want[..], want.len() as u64, &UploadOptions::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let opts = DownloadOptions::builder().retry(fast_retry(3)).build().unwrap();

    // Corrupt once: the block is read again and the download is exact.
    let out = dir.path().join("once.img");
    let journal = Recording::new();
    let cloud = corrupting(&sim, 2, 1).layer(journal.clone());
    snapshot::download_file(&cloud, &up.snapshot_id, &out, &opts)
        .await
        .unwrap();
    assert_eq!(journal.count("GetSnapshotBlock"), 5, "block 2 read twice");
    assert_image(&out, &want, 1);

    // Corrupt every time: refused after the retries, and the partial file is removed.
    let out = dir.path().join("always.img");
    let journal = Recording::new();
    let cloud = corrupting(&sim, 2, u32::MAX).layer(journal.clone());
    let e = snapshot::download_file(&cloud, &up.snapshot_id, &out, &opts)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(CHECKSUM_MISMATCH), "{e}");
    match &e {
        Error::Workflow(w) => {
            assert_eq!(w.step, "read blocks");
            assert!(w.cleaned_up.iter().any(|c| c.starts_with("file ")), "{w:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!out.exists(), "no partial image is left");
}

#[tokio::test(start_paused = true)]
async fn a_failed_upload_never_completes_and_deletes_its_snapshot() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    // The 4th block write is refused for good (not retryable).
    let cloud = sim
        .cloud()
        .layer(Faults::new(1).script("PutSnapshotBlock", 4, "AccessDeniedException"))
        .layer(journal.clone());
    let want = data(10 * BS, &[]);
    let opts = UploadOptions::builder().concurrency(2).build().unwrap();
    let e = snapshot::upload_reader(&cloud, &want[..], want.len() as u64, &opts)
        .await
        .unwrap_err();
    assert!(e.is_access_denied(), "{e}");
    match &e {
        Error::Workflow(w) => {
            assert_eq!(w.step, "write blocks");
            assert_eq!(w.cleaned_up.len(), 1, "{w:?}");
            assert!(w.left_behind.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(journal.count("CompleteSnapshot"), 0, "never sealed with partial data");
    assert_eq!(journal.count("DeleteSnapshot"), 1);
    assert!(journal.count("PutSnapshotBlock") < 10, "stopped early");
    assert!(sim.inventory().is_empty(), "left: {}", sim.inventory());
    // The deleted upload stays gone after its timeout would have passed.
    tokio::time::advance(Duration::from_secs(2 * 3600)).await;
    assert!(sim.inventory().is_empty(), "left: {}", sim.inventory());
}

#[tokio::test(start_paused = true)]
async fn a_source_that_ends_early_fails_without_completing() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let short = data(2 * BS, &[]);
    let e = snapshot::upload_reader(&cloud, &short[..], 5 * BS as u64, &UploadOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), aws_facade::ErrorKind::Io, "{e}");
    assert_eq!(journal.count("CompleteSnapshot"), 0);
    assert!(sim.inventory().is_empty(), "left: {}", sim.inventory());
}

#[tokio::test(start_paused = true)]
async fn a_dropped_upload_is_never_completed_and_times_out_into_error() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim
        .cloud()
        .layer(Latency::fixed(Duration::ZERO).with_op("PutSnapshotBlock", Delay::Fixed(Duration::from_secs(1))))
        .layer(journal.clone());
    let want = data(10 * BS, &[]);
    let (progress, seen) = events();
    let opts = UploadOptions::builder()
        .concurrency(2)
        .timeout_minutes(10)
        .progress(progress)
        .build()
        .unwrap();
    let upload = snapshot::upload_reader(&cloud, &want[..], want.len() as u64, &opts);
    assert!(
        tokio::time::timeout(Duration::from_millis(2500), upload).await.is_err(),
        "interrupted"
    );
    assert_eq!(journal.count("CompleteSnapshot"), 0);
    let id = seen
        .lock()
        .unwrap()
        .iter()
        .find_map(|e| match e {
            TransferEvent::Started { snapshot_id, .. } => Some(snapshot_id.clone()),
            _ => None,
        })
        .expect("the Started event names the snapshot");
    assert_eq!(status_of(&sim, &id).await, Some(SnapshotState::Pending));
    // AWS (and the simulator) move an idle pending snapshot to error after its timeout.
    tokio::time::advance(Duration::from_secs(11 * 60)).await;
    assert_eq!(status_of(&sim, &id).await, Some(SnapshotState::Error));
}

#[tokio::test(start_paused = true)]
async fn transient_faults_are_retried_to_an_exact_round_trip() {
    let sim = SimCloud::new();
    let faults = Faults::new(42).transient(0.3).only(&[
        "StartSnapshot",
        "PutSnapshotBlock",
        "CompleteSnapshot",
        "ListSnapshotBlocks",
        "GetSnapshotBlock",
        "DescribeSnapshots",
    ]);
    // And a fresh snapshot's "does not exist" on the first write.
    let cloud = sim.cloud().layer(faults.clone()).layer(Faults::new(0).script(
        "PutSnapshotBlock",
        1,
        "ResourceNotFoundException",
    ));
    let want = data(12 * BS + 7, &[3]);
    let (progress, seen) = events();
    let opts = UploadOptions::builder()
        .concurrency(4)
        .progress(progress)
        .build()
        .unwrap();
    let up = snapshot::upload_reader(&cloud, &want[..], want.len() as u64, &opts)
        .await
        .unwrap();
    assert_eq!(up.blocks_written, 12);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.img");
    snapshot::download_file(&cloud, &up.snapshot_id, &out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_image(&out, &want, 1);
    assert!(faults.injected() >= 5, "faults were injected: {}", faults.injected());
    let retries = seen
        .lock()
        .unwrap()
        .iter()
        // Transient errors are retried by the cloud's retry layer, reported as workflow events.
        .filter(|e| {
            matches!(
                e,
                TransferEvent::Retrying { .. } | TransferEvent::Workflow(aws_facade::workflows::Event::Retrying { .. })
            )
        })
        .count();
    assert!(retries >= 1);
}

#[tokio::test(start_paused = true)]
async fn an_incremental_upload_writes_only_what_changed() {
    let sim = SimCloud::new();
    let base = data(10 * BS, &[7]);
    let first = snapshot::upload_reader(&sim.cloud(), &base[..], base.len() as u64, &UploadOptions::default())
        .await
        .unwrap();
    assert_eq!(first.blocks_written, 9);

    // Block 2 changes, block 5 becomes zeros, block 7 gets data, block 9 (the last) is cut off.
    let mut next = base[..9 * BS].to_vec();
    next[2 * BS..3 * BS].copy_from_slice(&block(200));
    next[5 * BS..6 * BS].fill(0);
    next[7 * BS..8 * BS].copy_from_slice(&block(201));
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let opts = UploadOptions::builder()
        .parent_snapshot_id(first.snapshot_id.clone())
        .build()
        .unwrap();
    let second = snapshot::upload_reader(&cloud, &next[..], next.len() as u64, &opts)
        .await
        .unwrap();
    assert_eq!(second.parent_snapshot_id.as_ref(), Some(&first.snapshot_id));
    assert_eq!(second.blocks_written, 4, "2, 5 (zeroed), 7 and 9 (beyond the new end)");
    assert_eq!(second.blocks_unchanged, 6, "0, 1, 3, 4, 6 and 8");
    assert_eq!(journal.count("PutSnapshotBlock"), 4);
    let changed = snapshot::changed_blocks(&sim.cloud(), &first.snapshot_id, &second.snapshot_id)
        .await
        .unwrap();
    assert_eq!(changed, vec![2, 5, 7, 9]);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.img");
    snapshot::download_file(&sim.cloud(), &second.snapshot_id, &out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_image(&out, &next, 1);
    // The parent is untouched.
    let out = dir.path().join("base.img");
    snapshot::download_file(&sim.cloud(), &first.snapshot_id, &out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_image(&out, &base, 1);
}

#[tokio::test(start_paused = true)]
async fn concurrency_is_bounded() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim
        .cloud()
        .layer(Latency::fixed(Duration::from_millis(100)))
        .layer(journal.clone());
    let want = data(20 * BS, &[]);
    let opts = UploadOptions::builder().concurrency(4).build().unwrap();
    let up = snapshot::upload_reader(&cloud, &want[..], want.len() as u64, &opts)
        .await
        .unwrap();
    assert_eq!(journal.max_in_flight(), 4, "four block writes at a time, no more");
    let dir = tempfile::tempdir().unwrap();
    journal.clear();
    let opts = DownloadOptions::builder().concurrency(3).build().unwrap();
    snapshot::download_file(&cloud, &up.snapshot_id, dir.path().join("o.img"), &opts)
        .await
        .unwrap();
    assert_eq!(journal.max_in_flight(), 3);
}

#[tokio::test(start_paused = true)]
async fn bad_input_is_refused_before_any_call() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let field = |e: Error| match e {
        Error::Validation { field, .. } => field,
        o => panic!("{o:?}"),
    };
    let bad = UploadOptions {
        concurrency: 0,
        ..UploadOptions::default()
    };
    assert_eq!(
        field(snapshot::upload_reader(&cloud, &[1u8][..], 1, &bad).await.unwrap_err()),
        "concurrency"
    );
    let small = UploadOptions::builder().volume_size_gib(1).build().unwrap();
    assert_eq!(
        field(
            snapshot::upload_reader(&cloud, &[][..], GIB + 1, &small)
                .await
                .unwrap_err()
        ),
        "volume_size_gib"
    );
    let bad = UploadOptions {
        description: Some("x".repeat(300)),
        ..UploadOptions::default()
    };
    assert_eq!(
        field(snapshot::upload_reader(&cloud, &[1u8][..], 1, &bad).await.unwrap_err()),
        "description"
    );
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("exists.img");
    std::fs::write(&existing, b"keep me").unwrap();
    let id = "snap-0123456789abcdef0".parse().unwrap();
    assert_eq!(
        field(
            snapshot::download_file(&cloud, &id, &existing, &DownloadOptions::default())
                .await
                .unwrap_err()
        ),
        "path"
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
    assert_eq!(
        field(snapshot::changed_blocks(&cloud, &id, &id).await.unwrap_err()),
        "first"
    );
    assert!(journal.is_empty(), "no call was made: {:?}", journal.operations());
    assert!(sim.inventory().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_missing_parent_or_snapshot_fails_cleanly() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let missing: aws_facade::id::SnapshotId = "snap-0000000000000dead".parse().unwrap();
    let opts = UploadOptions::builder()
        .parent_snapshot_id(missing.clone())
        .retry(fast_retry(2))
        .build()
        .unwrap();
    let e = snapshot::upload_reader(&cloud, &[1u8][..], 1, &opts).await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert_eq!(
        journal.count("StartSnapshot"),
        0,
        "nothing started for a missing parent"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.img");
    let e = snapshot::download_file(&cloud, &missing, &out, &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert!(!out.exists());
    assert!(sim.inventory().is_empty());
}
