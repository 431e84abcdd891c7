//! Snapshot data transfer through the EBS direct APIs: what `awslabs/coldsnap` does as a
//! command, as a library API with progress events.
//!
//! - [`upload_file`] / [`upload_reader`]: a file or any [`AsyncRead`] into a new snapshot, in
//!   524,288-byte blocks ([`BLOCK_SIZE`]), each with its base64 SHA-256; all-zero blocks are not
//!   sent; CompleteSnapshot carries the `LINEAR` aggregate checksum. Requests run with bounded
//!   concurrency ([`DEFAULT_CONCURRENCY`] = 64, as coldsnap) and are retried with backoff on
//!   throttling, 5xx and transport errors, and on a fresh snapshot's "does not exist".
//! - Incremental: with [`UploadOptions::parent_snapshot_id`] the new snapshot starts as a copy
//!   of the parent and only the blocks whose content differs from the parent's are written (the
//!   parent's block is read and compared; blocks the parent holds beyond the end of the source
//!   are zeroed, so the new snapshot is exactly the source). [`changed_blocks`] lists what
//!   differs between two snapshots of one lineage.
//! - [`download_file`]: a snapshot into a file preallocated to the volume size (sparse: only
//!   the blocks that hold data are written), each block's checksum verified (a corrupt block is
//!   read again, then refused).
//!
//! **Memory** stays bounded whatever the data size: the source is read one block at a time and
//! at most `concurrency` blocks are in flight (an incremental upload holds the parent's block
//! too, so at most `(2 × concurrency + 1) × 512 KiB`). The `LINEAR` checksum is folded in index
//! order as blocks finish, keeping 32 bytes per block only while an earlier block is still in
//! flight.
//!
//! **Failure** never completes a snapshot with partial data: CompleteSnapshot is sent only after
//! every block is written. On an error the pending snapshot is deleted (EC2 DeleteSnapshot) and
//! the error is an [`Error::Workflow`] saying what was cleaned up; after
//! [`SWEEP_SETTLE`](crate::workflows::plan::SWEEP_SETTLE) the rollback also deletes any
//! snapshot carrying the run's id that it did not record (a StartSnapshot whose answer was
//! lost). If the upload future is *dropped* midway, the run's drop does the same on a spawned
//! task ([`plan`](crate::workflows::plan)); only with no tokio runtime left does the snapshot
//! stay `pending` until its timeout ([`UploadOptions::timeout_minutes`]) puts it in `error`:
//! [`find_owned`] / [`destroy_by_name`] find it by its tags. A failed or dropped download
//! removes its partial file.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::workflows::snapshot::{self, DownloadOptions, UploadOptions};
//! let cloud = aws_facade::Cloud::sim();
//! // 3 blocks of data, the middle one all zeros (not sent), the last one short.
//! let mut data = vec![1u8; 2 * aws_facade::ebs::BLOCK_SIZE + 1000];
//! data[aws_facade::ebs::BLOCK_SIZE..2 * aws_facade::ebs::BLOCK_SIZE].fill(0);
//! let opts = UploadOptions::builder().description("demo").build()?;
//! let up = snapshot::upload_reader(&cloud, &data[..], data.len() as u64, &opts).await?;
//! assert_eq!((up.blocks_written, up.blocks_zero), (2, 1));
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("disk.img");
//! let down = snapshot::download_file(&cloud, &up.snapshot_id, &path, &DownloadOptions::default()).await?;
//! assert_eq!(down.blocks_written, 2);
//! let back = std::fs::read(&path).unwrap();
//! assert_eq!(back.len() as u64, 1 << 30, "the file is the volume's size (sparse)");
//! assert_eq!(&back[..data.len()], &data[..]);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bon::Builder;
use bytes::{Bytes, BytesMut};
use futures::stream::{BoxStream, Peekable};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::Tags;
use crate::cloud::Cloud;
use crate::ebs::{
    BLOCK_SIZE, Block, BlockData, BlockPage, CompleteSnapshotRequest, DirectSnapshotStatus, Ebs,
    GetSnapshotBlockRequest, ListSnapshotBlocksRequest, MAX_VOLUME_SIZE_GIB, PutSnapshotBlockRequest,
    StartSnapshotRequest, all_changed_blocks, block_digest, blocks_for_gib,
};
use crate::error::{Error, Result, Service};
use crate::id::SnapshotId;
use crate::macros::validated_builder;
use crate::validate::{self, Validate};
use crate::wait::{Backoff, RetryPolicy};
use crate::workflows::plan::{Event, Owned, Progress, Run, Teardown, undo};
use crate::workflows::remove;

/// Concurrent block requests by default: coldsnap's 64 workers. AWS's guidance ("Optimize
/// performance for EBS direct APIs"): about 10 requests/s per connection at 100 ms latency,
/// so 64 in flight is ~320 MB/s.
pub const DEFAULT_CONCURRENCY: usize = 64;

/// The largest `concurrency` accepted.
pub const MAX_CONCURRENCY: usize = 1024;

/// The error code of a block whose data does not match its checksum (after the retries).
pub const CHECKSUM_MISMATCH: &str = "BlockChecksumMismatch";

const GIB: u64 = 1 << 30;

/// The policy for reading a block again whose data does not match its checksum: 4 attempts
/// with backoff from 1 s. (Transient errors, and a fresh snapshot that is not visible yet, are
/// retried by the cloud's [`Retry`](crate::layer::Retry) layer, not here.)
pub fn block_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        backoff: Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(20),
            multiplier: 2.0,
            jitter: true,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Progress

/// A progress event from a transfer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TransferEvent {
    /// The snapshot was started (upload) or its first page listed (download).
    Started {
        /// The snapshot.
        snapshot_id: SnapshotId,
        /// Its volume size in GiB.
        volume_size_gib: u32,
        /// Blocks of the source (upload) or of the snapshot (download, when it reports
        /// progress: counted from the listing before the first block is fetched).
        total_blocks: Option<u64>,
    },
    /// Blocks finished so far (one event per block sent, compared or fetched).
    Progress {
        /// Blocks finished (written, unchanged, zero or fetched).
        done_blocks: u64,
        /// All blocks, where known.
        total_blocks: Option<u64>,
        /// Bytes sent or received so far.
        bytes: u64,
    },
    /// A request failed and will be retried.
    Retrying {
        /// The operation.
        operation: &'static str,
        /// The block, for block requests.
        block_index: Option<u32>,
        /// The attempt that failed (1-based).
        attempt: u32,
        /// Why.
        error: String,
    },
    /// A step event of the underlying run (started, finished, failed, created, removed).
    Workflow(Event),
}

/// Where a transfer sends its events.
pub type TransferProgress = Arc<dyn Fn(&TransferEvent) + Send + Sync>;

fn emit(progress: &Option<TransferProgress>, e: TransferEvent) {
    tracing::trace!(event = ?e, "transfer event");
    if let Some(p) = progress {
        p(&e);
    }
}

/// A [`Run`] whose step events go to `progress` as [`TransferEvent::Workflow`].
fn run_for(cloud: &Cloud, name: String, progress: &Option<TransferProgress>) -> Run {
    let forward: Option<Progress> = progress.clone().map(|p| {
        let f: Progress = Arc::new(move |e: &Event| p(&TransferEvent::Workflow(e.clone())));
        f
    });
    Run::new(cloud, name, forward)
}

pub use crate::workflows::plan::{TAG_NAME, TAG_RUN, TAG_WORKFLOW};
const WORKFLOW: &str = "snapshot-upload";

/// The ownership tags of `name` (and of the run `run`, if given): [`plan::owner_tags`](crate::workflows::plan::owner_tags).
fn owner_tags(name: &str, run: Option<&str>) -> Tags {
    crate::workflows::plan::owner_tags(WORKFLOW, name, run)
}

// ---------------------------------------------------------------------------------------------
// Options and outputs

/// How to upload. Defaults: 64 concurrent blocks, encrypted, 60-minute idle timeout, wait until
/// the snapshot is `completed`, [`block_retry`].
#[derive(Clone, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct UploadOptions {
    /// Block requests in flight at once: 1-1,024.
    #[builder(default = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// The volume size in GiB (default: the data's length rounded up to a whole GiB, at least
    /// 1; with a parent, at least the parent's size).
    pub volume_size_gib: Option<u32>,
    /// Upload on top of this completed snapshot: only blocks that differ from it are written.
    pub parent_snapshot_id: Option<SnapshotId>,
    /// The snapshot's description (at most 255 characters).
    pub description: Option<String>,
    /// The upload's name (default `upload`): the snapshot carries it in its ownership tags
    /// (`aws-facade:workflow = snapshot-upload`, `aws-facade:name`, `aws-facade:run`), so
    /// [`find_owned`] and [`destroy_by_name`] find the pending snapshot of an interrupted upload.
    #[builder(default = "upload".to_string())]
    pub name: String,
    /// The snapshot's tags (besides the ownership tags).
    #[builder(default)]
    pub tags: Tags,
    /// Encrypt the snapshot (default `true`; with a parent, the parent's encryption applies).
    #[builder(default = true)]
    pub encrypted: bool,
    /// The KMS key to encrypt with (default: the account's EBS key).
    pub kms_key_arn: Option<String>,
    /// Minutes of inactivity after which AWS moves the pending snapshot to `error`: 10-4,320.
    #[builder(default = 60)]
    pub timeout_minutes: u32,
    /// Wait until the snapshot is `completed` after CompleteSnapshot (default `true`). Only
    /// EC2's DescribeSnapshots tells: with a [`Cloud`] whose EC2 answers
    /// [`Unsupported`](crate::ErrorKind::Unsupported) (aws-facade built with `ebs` but not
    /// `ec2`), the upload returns with the status CompleteSnapshot gave, usually `pending`.
    #[builder(default = true)]
    pub wait_completed: bool,
    /// Re-reads of a parent block whose checksum does not match.
    #[builder(default = block_retry())]
    pub retry: RetryPolicy,
    /// Where to send progress events.
    pub progress: Option<TransferProgress>,
}
validated_builder!(UploadOptions, UploadOptionsBuilder, upload_options_builder);

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions::builder().build_unchecked()
    }
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("concurrency", &self.concurrency)
            .field("volume_size_gib", &self.volume_size_gib)
            .field("parent_snapshot_id", &self.parent_snapshot_id)
            .field("name", &self.name)
            .field("description", &self.description)
            .field("tags", &self.tags)
            .field("encrypted", &self.encrypted)
            .field("kms_key_arn", &self.kms_key_arn)
            .field("timeout_minutes", &self.timeout_minutes)
            .field("wait_completed", &self.wait_completed)
            .field("retry", &self.retry)
            .field("progress", &self.progress.as_ref().map(|_| "<callback>"))
            .finish()
    }
}

fn check_transfer(concurrency: usize, retry: &RetryPolicy) -> Result<()> {
    validate::in_range("concurrency", concurrency, 1, MAX_CONCURRENCY)?;
    validate::in_range("retry.max_attempts", retry.max_attempts, 1, 100)
}

impl UploadOptions {
    /// The StartSnapshot request for `volume_size_gib` (validated), tagged for the run `run_id`.
    fn start_request(&self, volume_size_gib: u32, run_id: &str) -> Result<StartSnapshotRequest> {
        // An idempotency token per run: a StartSnapshot retried after a lost answer returns the
        // same snapshot instead of starting a second one.
        let token = format!("aws-facade-{run_id}-{}", crate::rng::hex(16));
        let mut tags = self.tags.clone();
        tags.extend(owner_tags(&self.name, Some(run_id)));
        StartSnapshotRequest::builder()
            .volume_size_gib(volume_size_gib)
            .maybe_parent_snapshot_id(self.parent_snapshot_id.clone())
            .maybe_description(self.description.clone())
            .tags(tags)
            .client_token(token)
            .encrypted(self.encrypted)
            .maybe_kms_key_arn(self.kms_key_arn.clone())
            .timeout_minutes(self.timeout_minutes)
            .build()
    }

    /// The volume size for `length` bytes of data, checked against `volume_size_gib`.
    fn volume_size_for(&self, length: u64) -> Result<u32> {
        let max = u64::from(MAX_VOLUME_SIZE_GIB) * GIB;
        if length > max {
            return Err(Error::validation(
                "length",
                format!("must be at most {max} bytes (64 TiB, the largest snapshot), got {length}"),
            ));
        }
        let needed = length.div_ceil(GIB).max(1) as u32;
        match self.volume_size_gib {
            Some(v) if v < needed => Err(Error::validation(
                "volume_size_gib",
                format!("{v} GiB cannot hold {length} bytes of data (needs {needed} GiB)"),
            )),
            Some(v) => Ok(v),
            None => Ok(needed),
        }
    }
}

impl Validate for UploadOptions {
    fn validate(&self) -> Result<()> {
        check_transfer(self.concurrency, &self.retry)?;
        validate::len_in("name", &self.name, 1, 128)?;
        self.start_request(self.volume_size_gib.unwrap_or(1), "00000000")
            .map(|_| ())
    }
}

/// What an upload did (serde).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadOutput {
    /// The new snapshot.
    pub snapshot_id: SnapshotId,
    /// Its volume size in GiB.
    pub volume_size_gib: u32,
    /// The parent it was written on top of.
    pub parent_snapshot_id: Option<SnapshotId>,
    /// Bytes read from the source.
    pub bytes_read: u64,
    /// Blocks written (PutSnapshotBlock).
    pub blocks_written: u32,
    /// All-zero blocks not sent (with no parent data under them).
    pub blocks_zero: u64,
    /// Blocks equal to the parent's, not sent (incremental).
    pub blocks_unchanged: u64,
    /// The `LINEAR` checksum sent with CompleteSnapshot.
    pub checksum: String,
    /// The snapshot's status at the end (`completed` when waited for).
    pub status: DirectSnapshotStatus,
}

/// How to download. Defaults: 64 concurrent blocks, refuse to overwrite an existing file,
/// [`block_retry`] (a block whose checksum does not match is read again under the same policy).
#[derive(Clone, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DownloadOptions {
    /// Block requests in flight at once: 1-1,024.
    #[builder(default = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Replace an existing file (default `false`: an existing path is a validation error).
    #[builder(default)]
    pub overwrite: bool,
    /// Re-reads of a block whose checksum does not match.
    #[builder(default = block_retry())]
    pub retry: RetryPolicy,
    /// Where to send progress events.
    pub progress: Option<TransferProgress>,
    /// Flush the written data to the device before returning (`fdatasync`; default `true`: a
    /// restored disk image should be on disk when the call says it is done). Without it the
    /// data may still be in the page cache when the call returns, as with coldsnap, which never
    /// syncs. Cost measured on ext4, 1 GiB, 64 blocks in flight (issue #16): 344 MB/s with the
    /// sync against about 516 MB/s for a peer without it; on tmpfs it costs nothing.
    #[builder(default = true)]
    pub sync: bool,
}
validated_builder!(DownloadOptions, DownloadOptionsBuilder, download_options_builder);

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions::builder().build_unchecked()
    }
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("concurrency", &self.concurrency)
            .field("overwrite", &self.overwrite)
            .field("retry", &self.retry)
            .field("progress", &self.progress.as_ref().map(|_| "<callback>"))
            .field("sync", &self.sync)
            .finish()
    }
}

impl Validate for DownloadOptions {
    fn validate(&self) -> Result<()> {
        check_transfer(self.concurrency, &self.retry)
    }
}

/// What a download did (serde).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownloadOutput {
    /// The snapshot read.
    pub snapshot_id: SnapshotId,
    /// The file written.
    pub path: PathBuf,
    /// The volume size in GiB (the file's length is this many GiB).
    pub volume_size_gib: u32,
    /// Blocks read and written (the others are holes in the file).
    pub blocks_written: u64,
    /// Bytes written.
    pub bytes_written: u64,
}

// ---------------------------------------------------------------------------------------------
// Shared helpers: retried calls, block pages, verified reads

/// Runs `op` under `policy`, retrying when `retry_if` accepts the error and reporting each
/// retry as an event.
async fn retried<T, F, Fut>(
    policy: &RetryPolicy,
    progress: &Option<TransferProgress>,
    operation: &'static str,
    block_index: Option<u32>,
    retry_if: impl Fn(&Error) -> bool,
    op: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let on_retry = |attempt: u32, e: &Error| {
        tracing::debug!(operation, ?block_index, attempt, error = %e, "retrying");
        emit(
            progress,
            TransferEvent::Retrying {
                operation,
                block_index,
                attempt,
                error: e.to_string(),
            },
        );
    };
    policy.run_observed(op, retry_if, on_retry).await
}

/// A block whose data did not match its checksum: read it again (a retry specific to block
/// reads; transient errors are the retry layer's).
fn corrupt(e: &Error) -> bool {
    e.code() == Some(CHECKSUM_MISMATCH)
}

/// One page of a snapshot's blocks.
async fn block_page(ebs: &dyn Ebs, id: &SnapshotId, next_token: Option<String>) -> Result<BlockPage> {
    let req = ListSnapshotBlocksRequest {
        snapshot_id: id.clone(),
        starting_block_index: None,
        max_results: None,
        next_token,
    };
    ebs.list_snapshot_blocks(req).await
}

/// The blocks of `first` (a page already fetched), then of every following page, fetched one
/// page at a time as the stream is consumed (the crate's one guarded walk, [`crate::page`]).
fn blocks_from<'a>(ebs: &'a dyn Ebs, id: SnapshotId, first: BlockPage) -> BoxStream<'a, Result<Block>> {
    let next = first.next_token.filter(|t| !t.is_empty());
    let mut head = first.blocks;
    if next.is_none() {
        // The whole listing in one page: put it in index order (AWS lists in order already;
        // moto 5.2.5 lists in write order).
        head.sort_by_key(|b| b.index);
    }
    crate::page::paginate_after(Service::Ebs, head, next, move |token| {
        let id = id.clone();
        async move {
            let page = block_page(ebs, &id, token).await?;
            Ok((page.blocks, page.next_token))
        }
    })
}

/// Reads one block and checks its checksum; a corrupt block is read again under `retry`, then
/// refused with [`CHECKSUM_MISMATCH`].
async fn get_verified(
    ebs: &dyn Ebs,
    id: &SnapshotId,
    index: u32,
    token: &str,
    retry: &RetryPolicy,
    progress: &Option<TransferProgress>,
) -> Result<BlockData> {
    let req = GetSnapshotBlockRequest::builder()
        .snapshot_id(id.clone())
        .block_index(index)
        .block_token(token)
        .build()?;
    retried(retry, progress, "GetSnapshotBlock", Some(index), corrupt, || async {
        let b = ebs.get_snapshot_block(req.clone()).await?;
        // Hashing is most of a transfer's CPU: off the I/O task, on the blocking pool, so that
        // every core hashes.
        let (b, intact) = off_io(move || {
            let ok = b.is_intact();
            (b, ok)
        })
        .await?;
        if intact && b.data.len() == BLOCK_SIZE {
            Ok(b)
        } else {
            Err(Error::api(
                Service::Ebs,
                CHECKSUM_MISMATCH,
                format!(
                    "block {index} of snapshot '{id}': {} bytes (reported {}) do not match checksum {}",
                    b.data.len(),
                    b.data_length,
                    b.checksum
                ),
            ))
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Upload

/// Uploads the file or block device at `path` (a disk such as `/dev/nvme1n1`, a loop device)
/// into a new snapshot (see the [module docs](self)); the volume size defaults to the source's
/// length (a device's size) rounded up to a whole GiB.
pub async fn upload_file(cloud: &Cloud, path: impl AsRef<Path>, opts: &UploadOptions) -> Result<UploadOutput> {
    use std::os::unix::fs::FileTypeExt;
    use tokio::io::AsyncSeekExt;
    let path = path.as_ref();
    opts.validate()?;
    let what = path.display().to_string();
    let mut file = tokio::fs::File::open(path).await.map_err(|e| Error::io(&what, e))?;
    let meta = file.metadata().await.map_err(|e| Error::io(&what, e))?;
    let length = if meta.is_file() {
        meta.len()
    } else if meta.file_type().is_block_device() {
        // A device's metadata says 0 bytes: its size is where a seek to its end lands.
        let end = file
            .seek(std::io::SeekFrom::End(0))
            .await
            .map_err(|e| Error::io(&what, e))?;
        file.seek(std::io::SeekFrom::Start(0))
            .await
            .map_err(|e| Error::io(&what, e))?;
        end
    } else {
        return Err(Error::validation(
            "path",
            format!("{what} is not a regular file or a block device"),
        ));
    };
    upload_reader(cloud, file, length, opts).await
}

/// Uploads `length` bytes read from `reader` into a new snapshot (see the [module docs](self)).
/// The reader must yield at least `length` bytes (fewer is an error and nothing is completed);
/// bytes after `length` are not read.
pub async fn upload_reader<R>(cloud: &Cloud, reader: R, length: u64, opts: &UploadOptions) -> Result<UploadOutput>
where
    R: AsyncRead + Unpin + Send,
{
    opts.validate()?;
    let volume_size_gib = opts.volume_size_for(length)?;
    let run = run_for(
        cloud,
        format!("snapshot upload {} ({length} bytes)", opts.name),
        &opts.progress,
    );
    let start = run
        .scope(async { opts.start_request(volume_size_gib, run.id()) })
        .await?;
    run.set_sweep(sweep(cloud, owner_tags(&opts.name, Some(run.id()))));
    let mut created = None;
    run.execute(upload_in(cloud, reader, length, opts, start, &run, &mut created))
        .await
}

fn snapshot_removal(cloud: &Cloud, id: &SnapshotId) -> Owned {
    let (ec2, sid) = (cloud.ec2.clone(), id.clone());
    Owned {
        kind: "snapshot".into(),
        id: id.to_string(),
        remove: undo(move || {
            let (ec2, sid) = (ec2.clone(), sid.clone());
            async move { remove::snapshot(ec2.as_ref(), &sid).await }
        }),
    }
}

/// The snapshots carrying `tags` that are not completed (a completed snapshot is data the user
/// keeps), each with its removal.
async fn pending_snapshots(cloud: &Cloud, tags: Tags) -> Result<Vec<Owned>> {
    let found = cloud
        .ec2
        .describe_snapshots(crate::ec2::DescribeSnapshotsRequest::builder().tags(tags).build()?)
        .await?;
    Ok(found
        .into_iter()
        .filter(|s| s.state != crate::ec2::SnapshotState::Completed)
        .map(|s| snapshot_removal(cloud, &s.id))
        .collect())
}

fn sweep(cloud: &Cloud, tags: Tags) -> crate::workflows::plan::SweepFn {
    let cloud = cloud.clone();
    Arc::new(move || {
        let (cloud, tags) = (cloud.clone(), tags.clone());
        // What this run started, completed or not: a failed upload keeps nothing.
        Box::pin(async move {
            Ok(cloud
                .ec2
                .describe_snapshots(crate::ec2::DescribeSnapshotsRequest::builder().tags(tags).build()?)
                .await?
                .into_iter()
                .map(|s| snapshot_removal(&cloud, &s.id))
                .collect())
        })
    })
}

/// The unfinished snapshots of uploads named `name` (pending or in error: an interrupted
/// upload's), as `"snapshot snap-..."` labels. Completed snapshots are not listed.
pub async fn find_owned(cloud: &Cloud, name: &str) -> Result<Vec<String>> {
    Ok(pending_snapshots(cloud, owner_tags(name, None))
        .await?
        .into_iter()
        .map(|o| format!("{} {}", o.kind, o.id))
        .collect())
}

/// Deletes the unfinished snapshots of uploads named `name` (what an interrupted upload left;
/// completed snapshots are kept). Idempotent.
pub async fn destroy_by_name(cloud: &Cloud, name: &str, progress: Option<Progress>) -> Result<Teardown> {
    let run = Run::new(cloud, format!("snapshot upload {name} destroy"), progress);
    let out = run
        .scope(async {
            let mut report = Teardown::default();
            for o in pending_snapshots(cloud, owner_tags(name, None)).await? {
                (o.remove)().await?;
                run.emit(Event::Removed {
                    kind: o.kind.clone(),
                    id: o.id.clone(),
                });
                report.removed.push(format!("{} {}", o.kind, o.id));
            }
            Ok::<_, Error>(report)
        })
        .await;
    run.commit();
    out
}

/// The source's next block, the parent's matching block, and the job it makes.
struct Job {
    /// Position in index order (for the LINEAR fold).
    seq: u64,
    index: u32,
    data: Bytes,
    /// The parent's token for this index: compare before writing.
    parent_token: Option<String>,
}

/// Reads the source block by block (and walks the parent's blocks in step).
struct Source<'a, R> {
    reader: R,
    remaining: u64,
    index: u32,
    source_blocks: u32,
    volume_blocks: u32,
    parent: Option<Peekable<BoxStream<'a, Result<Block>>>>,
    seq: u64,
    zero: Arc<AtomicU64>,
    bytes_read: Arc<AtomicU64>,
}

impl<R: AsyncRead + Unpin + Send> Source<'_, R> {
    /// The parent's token for `index`, skipping the parent's blocks below it.
    async fn parent_token(&mut self, index: u32) -> Result<Option<String>> {
        let Some(parent) = self.parent.as_mut() else {
            return Ok(None);
        };
        loop {
            match std::pin::Pin::new(&mut *parent).peek().await {
                Some(Ok(b)) if b.index < index => {
                    parent.next().await;
                }
                Some(Ok(b)) if b.index == index => {
                    let token = b.token.clone();
                    parent.next().await;
                    return Ok(Some(token));
                }
                Some(Ok(_)) | None => return Ok(None),
                Some(Err(_)) => {
                    return Err(parent.next().await.and_then(Result::err).expect("peeked an error"));
                }
            }
        }
    }

    async fn read_block(&mut self) -> Result<BytesMut> {
        let want = self.remaining.min(BLOCK_SIZE as u64) as usize;
        // Not zero-filled: read into the spare capacity, and zero only a short last block's tail.
        let mut buf = BytesMut::with_capacity(BLOCK_SIZE);
        let mut filled = 0;
        while filled < want {
            let n = self
                .reader
                .read_buf(&mut bytes::BufMut::limit(&mut buf, want - filled))
                .await
                .map_err(|e| Error::io("the source", e))?;
            if n == 0 {
                return Err(Error::io(
                    "the source",
                    std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!("ended {} bytes before the length given", self.remaining - filled as u64),
                    ),
                ));
            }
            filled += n;
        }
        buf.resize(BLOCK_SIZE, 0);
        self.remaining -= want as u64;
        self.bytes_read.fetch_add(want as u64, Ordering::Relaxed);
        Ok(buf)
    }

    /// The next block to send (or compare), skipping zero blocks with nothing under them.
    async fn next_job(&mut self) -> Result<Option<Job>> {
        while self.index < self.source_blocks {
            let index = self.index;
            self.index += 1;
            let data = self.read_block().await?;
            let parent_token = self.parent_token(index).await?;
            if parent_token.is_none() && is_zero(&data) {
                self.zero.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            return Ok(Some(self.job(index, data.freeze(), parent_token)));
        }
        // Past the source: the parent's blocks there are zeroed (the snapshot is the source).
        // Only indexes past the source: a listing out of index order (AWS lists in order; moto
        // lists in write order) must never zero a block the source holds.
        let Some(parent) = self.parent.as_mut() else {
            return Ok(None);
        };
        loop {
            match parent.next().await {
                Some(Ok(b)) if b.index >= self.source_blocks && b.index < self.volume_blocks => {
                    return Ok(Some(self.job(b.index, Bytes::from(vec![0u8; BLOCK_SIZE]), None)));
                }
                Some(Ok(b)) => tracing::debug!(index = b.index, "parent block below the end of the source; kept"),
                None => return Ok(None),
                Some(Err(e)) => return Err(e),
            }
        }
    }

    fn job(&mut self, index: u32, data: Bytes, parent_token: Option<String>) -> Job {
        let seq = self.seq;
        self.seq += 1;
        Job {
            seq,
            index,
            data,
            parent_token,
        }
    }
}

/// `blocks`, failing if they are not in strictly increasing index order: the parent walk
/// relies on it (AWS lists blocks in index order, "Frequently asked questions for EBS direct
/// APIs"), and a block missed out of order would be taken as absent from the parent.
fn in_index_order<'a>(blocks: BoxStream<'a, Result<Block>>) -> BoxStream<'a, Result<Block>> {
    let mut last: Option<u32> = None;
    blocks
        .and_then(move |b| {
            let ordered = last.is_none_or(|l| b.index > l);
            last = Some(b.index);
            async move {
                if ordered {
                    Ok(b)
                } else {
                    Err(Error::api(
                        Service::Ebs,
                        "UnorderedBlockList",
                        format!("ListSnapshotBlocks listed block {} out of index order", b.index),
                    ))
                }
            }
        })
        .boxed()
}

fn is_zero(data: &[u8]) -> bool {
    let (chunks, rest) = data.as_chunks::<16>();
    chunks.iter().all(|c| u128::from_ne_bytes(*c) == 0) && rest.iter().all(|b| *b == 0)
}

/// What happened to one job: written (with its digest) or equal to the parent's block.
type Outcome = (u64, Option<[u8; 32]>);

async fn upload_in<R>(
    cloud: &Cloud,
    reader: R,
    length: u64,
    opts: &UploadOptions,
    start: StartSnapshotRequest,
    run: &Run,
    created: &mut Option<SnapshotId>,
) -> Result<UploadOutput>
where
    R: AsyncRead + Unpin + Send,
{
    let ebs: &dyn Ebs = cloud.ebs.as_ref();
    let progress = &opts.progress;

    // The parent's first page comes first: a missing or unfinished parent fails before
    // anything is created.
    let parent_page = match &opts.parent_snapshot_id {
        Some(p) => Some(run.step("list parent blocks", &[], block_page(ebs, p, None)).await?),
        None => None,
    };
    if let (Some(page), None) = (&parent_page, opts.volume_size_gib)
        && page.volume_size_gib > start.volume_size_gib
    {
        // The child must be at least the parent's size; default to it.
        return Err(Error::validation(
            "volume_size_gib",
            format!(
                "the parent is {} GiB: set volume_size_gib to at least that (the data needs {})",
                page.volume_size_gib, start.volume_size_gib
            ),
        ));
    }

    let started = run
        .step("start snapshot", &[], async {
            // The client token makes a retry after a lost answer return the same snapshot.
            ebs.start_snapshot(start).await
        })
        .await?;
    let id = started.snapshot_id.clone();
    *created = Some(id.clone());
    let o = snapshot_removal(cloud, &id);
    run.created(&o.kind, o.id, o.remove);
    let source_blocks = length.div_ceil(BLOCK_SIZE as u64) as u32;
    emit(
        progress,
        TransferEvent::Started {
            snapshot_id: id.clone(),
            volume_size_gib: started.volume_size_gib,
            total_blocks: Some(u64::from(source_blocks)),
        },
    );

    let zero = Arc::new(AtomicU64::new(0));
    let bytes_read = Arc::new(AtomicU64::new(0));
    let (checksum, written, unchanged) = run
        .step("write blocks", &["start snapshot"], async {
            let parent = match (parent_page, &opts.parent_snapshot_id) {
                (Some(page), Some(pid)) => Some(in_index_order(blocks_from(ebs, pid.clone(), page)).peekable()),
                _ => None,
            };
            let source = Source {
                reader,
                remaining: length,
                index: 0,
                source_blocks,
                volume_blocks: blocks_for_gib(started.volume_size_gib),
                parent,
                seq: 0,
                zero: zero.clone(),
                bytes_read: bytes_read.clone(),
            };
            let jobs =
                futures::stream::try_unfold(
                    source,
                    |mut s| async move { Ok(s.next_job().await?.map(|job| (job, s))) },
                );
            let id = &id;
            let mut results = std::pin::pin!(
                jobs.map_ok(|job| write_block(ebs, id, opts, source_blocks, job))
                    .try_buffer_unordered(opts.concurrency)
            );
            // Fold the LINEAR checksum in index order as results arrive in any order.
            let mut early: BTreeMap<u64, Option<[u8; 32]>> = BTreeMap::new();
            let (mut next, mut linear, mut written, mut unchanged, mut done) = (0u64, Sha256::new(), 0u32, 0u64, 0u64);
            while let Some((seq, digest)) = results.try_next().await? {
                early.insert(seq, digest);
                while let Some(d) = early.remove(&next) {
                    next += 1;
                    match d {
                        Some(d) => {
                            linear.update(d);
                            written += 1;
                        }
                        None => unchanged += 1,
                    }
                }
                done += 1;
                emit(
                    progress,
                    TransferEvent::Progress {
                        done_blocks: done + zero.load(Ordering::Relaxed),
                        total_blocks: Some(u64::from(source_blocks)),
                        bytes: bytes_read.load(Ordering::Relaxed),
                    },
                );
            }
            debug_assert!(early.is_empty());
            // Zero blocks read after the last write still count: a final event at 100%.
            emit(
                progress,
                TransferEvent::Progress {
                    done_blocks: done + zero.load(Ordering::Relaxed),
                    total_blocks: Some(u64::from(source_blocks)),
                    bytes: bytes_read.load(Ordering::Relaxed),
                },
            );
            Ok((B64.encode(linear.finalize()), written, unchanged))
        })
        .await?;

    // Every block is written: only now may the snapshot be sealed.
    let complete = CompleteSnapshotRequest::builder()
        .snapshot_id(id.clone())
        .changed_blocks_count(written)
        .checksum(checksum.clone())
        .build()?;
    let mut status = run
        .step("complete snapshot", &["write blocks"], async {
            ebs.complete_snapshot(complete).await
        })
        .await?;
    if status == DirectSnapshotStatus::Error {
        return Err(Error::api(
            Service::Ebs,
            "SnapshotError",
            format!("snapshot '{id}' went to the error state on completion"),
        ));
    }
    if status == DirectSnapshotStatus::Pending && opts.wait_completed {
        // Only EC2 tells a snapshot's state (the EBS direct APIs have no describe): built
        // without the `ec2` feature, the sealed snapshot is reported as it is, pending.
        let completed = run
            .step("wait completed", &["complete snapshot"], async {
                match super::volume::wait_snapshot(cloud, &id, run).await {
                    Ok(_) => Ok(true),
                    Err(e) if e.kind() == crate::ErrorKind::Unsupported => {
                        tracing::warn!(snapshot = %id, error = %e, "cannot wait for the snapshot to complete");
                        Ok(false)
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        if completed {
            status = DirectSnapshotStatus::Completed;
        }
    }
    Ok(UploadOutput {
        snapshot_id: id,
        volume_size_gib: started.volume_size_gib,
        parent_snapshot_id: opts.parent_snapshot_id.clone(),
        bytes_read: bytes_read.load(Ordering::Relaxed),
        blocks_written: written,
        blocks_zero: zero.load(Ordering::Relaxed),
        blocks_unchanged: unchanged,
        checksum,
        status,
    })
}

/// Runs CPU-bound work (hashing a block) on tokio's blocking pool, off the I/O task.
async fn off_io<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::io("a hashing task", std::io::Error::other(e)))
}

/// Writes one block (after comparing it with the parent's, if the parent has one there).
async fn write_block(
    ebs: &dyn Ebs,
    id: &SnapshotId,
    opts: &UploadOptions,
    source_blocks: u32,
    job: Job,
) -> Result<Outcome> {
    let data = job.data.clone();
    let digest = off_io(move || block_digest(&data)).await?;
    if let (Some(token), Some(pid)) = (&job.parent_token, &opts.parent_snapshot_id) {
        let theirs = get_verified(ebs, pid, job.index, token, &opts.retry, &opts.progress).await?;
        if off_io(move || block_digest(&theirs.data)).await? == digest {
            return Ok((job.seq, None));
        }
    }
    let req = PutSnapshotBlockRequest {
        snapshot_id: id.clone(),
        block_index: job.index,
        checksum: B64.encode(digest),
        data: job.data,
        progress: Some((u64::from(job.index.min(source_blocks)) * 100 / u64::from(source_blocks.max(1))) as u8),
    };
    // A fresh snapshot not visible yet ("does not exist") is retried by the retry layer
    // (PutSnapshotBlock is in `layer::EVENTUALLY_CONSISTENT_OPS`), as coldsnap does.
    ebs.put_snapshot_block(req).await?;
    Ok((job.seq, Some(digest)))
}

// ---------------------------------------------------------------------------------------------
// Download

/// Downloads snapshot `snapshot_id` into the file at `path` (see the [module docs](self)). The
/// file is created (or, with `overwrite`, truncated) at the volume's size; only blocks that
/// hold data are written, so on file systems with sparse files the rest take no space. On
/// failure, or if this future is dropped, the file is removed (by the run's rollback).
///
/// `path` may be a **block device** (`/dev/nvme1n1`, a loop device): it is written in place
/// (it exists, so `overwrite` must be set), nothing is truncated, resized or removed, and a
/// device smaller than the snapshot's volume is refused before any block is read. Blocks the
/// snapshot does not hold are not written, so they keep what the device held: restore onto a
/// blank device (a new EBS volume reads as zeros), as coldsnap assumes. A failed download
/// leaves what it wrote.
///
/// An unknown snapshot is reported as the service's [`Error::NotFound`] (kind `snapshot`, its
/// id), like any error of the first listing: nothing has been made yet, so it is not a
/// workflow failure.
pub async fn download_file(
    cloud: &Cloud,
    snapshot_id: &SnapshotId,
    path: impl AsRef<Path>,
    opts: &DownloadOptions,
) -> Result<DownloadOutput> {
    let path = path.as_ref();
    opts.validate()?;
    let exists = tokio::fs::try_exists(path)
        .await
        .map_err(|e| Error::io(path.display().to_string(), e))?;
    if exists && !opts.overwrite {
        return Err(Error::validation(
            "path",
            format!("{} exists (set overwrite to replace it)", path.display()),
        ));
    }
    let run = run_for(cloud, format!("snapshot download {snapshot_id}"), &opts.progress);
    // The first page, before the run's plan: until it answers nothing exists to roll back, so
    // its error (an unknown snapshot's not-found, a denial) is returned as it is.
    let ebs: &dyn Ebs = cloud.ebs.as_ref();
    let first = run
        .scope(run.step("list blocks", &[], block_page(ebs, snapshot_id, None)))
        .await?;
    run.execute(download_in(cloud, snapshot_id, path, opts, &run, first))
        .await
}

async fn download_in(
    cloud: &Cloud,
    id: &SnapshotId,
    path: &Path,
    opts: &DownloadOptions,
    run: &Run,
    first: BlockPage,
) -> Result<DownloadOutput> {
    let ebs: &dyn Ebs = cloud.ebs.as_ref();
    let (retry, progress) = (&opts.retry, &opts.progress);
    let what = path.display().to_string();
    if first.block_size as usize != BLOCK_SIZE {
        // moto 5.2.5 reports 512; AWS always 524,288. Block offsets use the real size.
        tracing::warn!(
            reported = first.block_size,
            "the service reports an unexpected block size; using 524288"
        );
    }
    let volume_size_gib = first.volume_size_gib;
    let device = is_block_device(path);
    let file = run
        .step("create file", &["list blocks"], async {
            if device {
                return open_device(path, u64::from(volume_size_gib) * GIB);
            }
            // Created and recorded for rollback with no await in between, so a download
            // cancelled here has either not created the file or has it in its ledger. (With
            // tokio::fs the open runs on the blocking pool: a download dropped while it ran
            // left the file created and unrecorded, tests/snapshot.rs
            // `a_download_cancelled_at_any_instant_leaves_no_file`.) Opening is one short
            // system call; the preallocation, which may take longer, runs on the pool below.
            let mut o = std::fs::OpenOptions::new();
            o.write(true);
            if opts.overwrite {
                o.create(true).truncate(true);
            } else {
                o.create_new(true);
            }
            let f = Arc::new(o.open(path).map_err(|e| Error::io(&what, e))?);
            run.created_with("file", (), what.clone(), |(), p: String| async move {
                match tokio::fs::remove_file(&p).await {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(p, e)),
                    _ => Ok(()),
                }
            });
            // Preallocate by length only: a sparse file, holes where no block is written.
            let len = u64::from(volume_size_gib) * GIB;
            let g = f.clone();
            tokio::task::spawn_blocking(move || g.set_len(len))
                .await
                .map_err(|e| Error::io(&what, std::io::Error::other(e)))?
                .map_err(|e| Error::io(&what, e))?;
            Ok(f)
        })
        .await?;
    // The total for a progress bar: the first page's blocks, or with several pages a counting
    // walk over the listing (one ListSnapshotBlocks per page, tokens not kept), only when
    // someone watches.
    let total_blocks = match (progress, first.next_token.as_deref()) {
        (None, _) => None,
        (Some(_), None | Some("")) => Some(first.blocks.len() as u64),
        (Some(_), Some(_)) => Some(
            run.step("count blocks", &["list blocks"], async {
                let listing = blocks_from(ebs, id.clone(), first.clone());
                listing.try_fold(0u64, |n, _| async move { Ok(n + 1) }).await
            })
            .await?,
        ),
    };
    emit(
        progress,
        TransferEvent::Started {
            snapshot_id: id.clone(),
            volume_size_gib,
            total_blocks,
        },
    );

    let blocks_written = run
        .step("read blocks", &["create file"], async {
            let blocks = blocks_from(ebs, id.clone(), first);
            let fetched = blocks
                .map_ok(|b| {
                    let file = file.clone();
                    let what = what.clone();
                    async move {
                        let data = get_verified(ebs, id, b.index, &b.token, retry, progress).await?.data;
                        let offset = u64::from(b.index) * BLOCK_SIZE as u64;
                        write_at(file, data, offset).await.map_err(|e| Error::io(&what, e))
                    }
                })
                .try_buffer_unordered(opts.concurrency);
            let mut fetched = std::pin::pin!(fetched);
            let mut done = 0u64;
            while fetched.try_next().await?.is_some() {
                done += 1;
                emit(
                    progress,
                    TransferEvent::Progress {
                        done_blocks: done,
                        total_blocks,
                        bytes: done * BLOCK_SIZE as u64,
                    },
                );
            }
            if opts.sync {
                let f = file.clone();
                tokio::task::spawn_blocking(move || f.sync_data())
                    .await
                    .map_err(|e| Error::io(&what, std::io::Error::other(e)))?
                    .map_err(|e| Error::io(&what, e))?;
            }
            Ok(done)
        })
        .await?;
    Ok(DownloadOutput {
        snapshot_id: id.clone(),
        path: path.to_path_buf(),
        volume_size_gib,
        blocks_written,
        bytes_written: blocks_written * BLOCK_SIZE as u64,
    })
}

/// Writes `data` at `offset` on a blocking thread (positioned writes: blocks land in any order).
/// Whether `path` is a block device (a download then writes into it in place).
fn is_block_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_block_device())
}

/// Opens a block device to write a volume of `len` bytes into, in place: nothing is created,
/// truncated or resized (so a failed download has nothing to remove; what it wrote stays), and
/// a device smaller than the volume is refused before any block is read.
fn open_device(path: &Path, len: u64) -> Result<Arc<std::fs::File>> {
    use std::io::Seek;
    let what = path.display().to_string();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(&what, e))?;
    let size = f.seek(std::io::SeekFrom::End(0)).map_err(|e| Error::io(&what, e))?;
    if size < len {
        return Err(Error::validation(
            "path",
            format!("the block device {what} holds {size} bytes, less than the snapshot's volume ({len} bytes)"),
        ));
    }
    Ok(Arc::new(f))
}

async fn write_at(file: Arc<std::fs::File>, data: Bytes, offset: u64) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            file.write_all_at(&data, offset)
        }
        #[cfg(windows)]
        {
            use std::os::windows::fs::FileExt;
            let mut done = 0;
            while done < data.len() {
                done += file.seek_write(&data[done..], offset + done as u64)?;
            }
            Ok(())
        }
    })
    .await
    .map_err(std::io::Error::other)?
}

// ---------------------------------------------------------------------------------------------
// Changed blocks

/// The indexes of the blocks that differ between two completed snapshots of one lineage
/// (either order), following every page.
pub async fn changed_blocks(cloud: &Cloud, first: &SnapshotId, second: &SnapshotId) -> Result<Vec<u32>> {
    if first == second {
        return Err(Error::validation("first", "must differ from second"));
    }
    let blocks = all_changed_blocks(cloud.ebs.as_ref(), Some(first), second).await?;
    Ok(blocks.into_iter().map(|b| b.index).collect())
}

impl UploadOptions {
    /// The least-privilege IAM policy for an upload with these options ([`upload_file`],
    /// [`upload_reader`]), its rollback, and [`destroy_by_name`]: the snapshot must be started
    /// with the workflow's ownership tags, and is written, completed and deleted only while it
    /// carries them. `ec2:DescribeSnapshots` (waiting for `completed`, finding by name) is on
    /// `*`.
    pub fn iam_policy(&self) -> crate::iam::Policy {
        use crate::iam::{PolicyBuilder, ec2_arn};
        let snapshots = [ec2_arn("snapshot", "*")];
        let mut b = PolicyBuilder::new(WORKFLOW, &self.name)
            .read("Describe", &["ec2:DescribeSnapshots"])
            .create("StartTagged", &["ebs:StartSnapshot"], &snapshots)
            .tag_on_create(
                "TagOnCreate",
                "ec2:CreateTags",
                "ec2:CreateAction",
                &["StartSnapshot"],
                &snapshots,
            )
            .manage(
                "WriteOwned",
                &["ebs:PutSnapshotBlock", "ebs:CompleteSnapshot", "ec2:DeleteSnapshot"],
                &snapshots,
            );
        if let Some(parent) = &self.parent_snapshot_id {
            b = b.on(
                "ReadParent",
                &["ebs:StartSnapshot"],
                &[ec2_arn("snapshot", parent.as_str())],
            );
        }
        b.build()
    }
}

/// The least-privilege IAM policy for [`download_file`] of `snapshot`: reading its block list
/// and blocks, nothing else.
pub fn download_policy(snapshot: &SnapshotId) -> crate::iam::Policy {
    use crate::iam::{Policy, Statement, ec2_arn};
    Policy::new(vec![
        Statement::allow(
            ["ebs:ListSnapshotBlocks", "ebs:GetSnapshotBlock"],
            [ec2_arn("snapshot", snapshot.as_str())],
        )
        .sid("ReadSnapshot"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_detection_and_sizes() {
        assert!(is_zero(&[0u8; 100]));
        let mut d = vec![0u8; BLOCK_SIZE];
        assert!(is_zero(&d));
        d[BLOCK_SIZE - 1] = 1;
        assert!(!is_zero(&d));
        let o = UploadOptions::default();
        assert_eq!(o.volume_size_for(0).unwrap(), 1);
        assert_eq!(o.volume_size_for(GIB).unwrap(), 1);
        assert_eq!(o.volume_size_for(GIB + 1).unwrap(), 2);
        let small = UploadOptions::builder().volume_size_gib(1).build().unwrap();
        assert!(
            matches!(small.volume_size_for(GIB + 1), Err(Error::Validation { field, .. }) if field == "volume_size_gib")
        );
        assert!(matches!(o.volume_size_for(u64::MAX), Err(Error::Validation { field, .. }) if field == "length"));
    }

    /// A source read in small, odd pieces (the unzeroed read buffer is filled exactly, a short
    /// last block's tail is zero) round-trips through a download that skips the final sync.
    #[tokio::test(start_paused = true)]
    async fn trickled_source_round_trips_without_sync() {
        struct Trickle(Vec<u8>, usize);
        impl AsyncRead for Trickle {
            fn poll_read(
                mut self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let (at, n) = (self.1, (self.0.len() - self.1).min(buf.remaining()).min(77_777));
                buf.put_slice(&self.0[at..at + n]);
                self.1 += n;
                std::task::Poll::Ready(Ok(()))
            }
        }
        let cloud = crate::Cloud::sim();
        let want: Vec<u8> = (0..2 * BLOCK_SIZE + 1_001).map(|i| (i % 251) as u8 | 1).collect();
        let len = want.len() as u64;
        let up = upload_reader(&cloud, Trickle(want.clone(), 0), len, &UploadOptions::default())
            .await
            .unwrap();
        assert_eq!(up.blocks_written, 3);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.img");
        let opts = DownloadOptions::builder().sync(false).build().unwrap();
        assert!(!opts.sync && DownloadOptions::default().sync);
        download_file(&cloud, &up.snapshot_id, &out, &opts).await.unwrap();
        let got = std::fs::read(&out).unwrap();
        assert_eq!(&got[..want.len()], &want[..]);
        assert!(is_zero(&got[want.len()..]));
        // An unreadable tail is refused, not padded.
        let e = upload_reader(&cloud, Trickle(want.clone(), 0), len + 1, &UploadOptions::default())
            .await
            .unwrap_err();
        let mut chain = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            chain += &format!(": {s}");
            source = s.source();
        }
        assert!(chain.contains("before the length given"), "{chain}");
    }

    #[test]
    fn options_are_validated() {
        let field = |e: Error| match e {
            Error::Validation { field, .. } => field,
            o => panic!("{o:?}"),
        };
        assert_eq!(
            field(UploadOptions::builder().concurrency(0).build().unwrap_err()),
            "concurrency"
        );
        assert_eq!(
            field(
                UploadOptions::builder()
                    .concurrency(MAX_CONCURRENCY + 1)
                    .build()
                    .unwrap_err()
            ),
            "concurrency"
        );
        assert_eq!(
            field(
                UploadOptions::builder()
                    .description("d".repeat(256))
                    .build()
                    .unwrap_err()
            ),
            "description"
        );
        assert_eq!(
            field(UploadOptions::builder().timeout_minutes(5).build().unwrap_err()),
            "timeout_minutes"
        );
        assert_eq!(
            field(DownloadOptions::builder().concurrency(0).build().unwrap_err()),
            "concurrency"
        );
        let o = UploadOptions::default();
        assert_eq!(o.concurrency, 64);
        assert!(o.encrypted && o.wait_completed);
        assert!(format!("{o:?}").contains("concurrency: 64"));
    }
}
