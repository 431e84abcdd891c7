//! The simulated EBS direct APIs: snapshots written block by block, with verified checksums,
//! copy-on-write children, opaque block tokens, idle timeouts and pagination.
//!
//! Semantics (and where they come from):
//! - StartSnapshot creates a `pending` snapshot, registered with EC2 so DescribeSnapshots shows
//!   it. A parent must be a completed snapshot made here (the simulator keeps block data only
//!   for snapshots written through these APIs); the child inherits its encryption and must be
//!   at least its size. A client token replays the original answer for identical parameters,
//!   and is a `ConflictException` for different ones ("ConflictException: the request uses the
//!   same client token as a previous, but non-identical request", EBS direct APIs reference).
//! - Timeout (StartSnapshot `Timeout`): a pending snapshot that is not written to, or not
//!   completed after its last write, for `timeout_minutes` goes to `error`.
//! - PutSnapshotBlock verifies the checksum against the data (a mismatch stores nothing).
//!   With [`SimConfig::eventual_consistency`], a snapshot started less than that long ago is
//!   not yet known to PutSnapshotBlock (`ResourceNotFoundException`), as AWS answers a fresh
//!   snapshot "does not exist" for a while (awslabs/coldsnap retries its block writes for
//!   this); the retry layer retries it (`layer::EVENTUALLY_CONSISTENT_OPS`). A write repeated
//!   after a lost answer stores the same block again (idempotent, as on AWS).
//! - CompleteSnapshot checks `changed_blocks_count` against the distinct blocks written to this
//!   snapshot, and the `LINEAR` checksum (if given) against those blocks' digests in index
//!   order; a checksum mismatch puts the snapshot in `error`. The snapshot is then `pending`
//!   for `config.snapshot_complete`, and `completed` after.
//! - Reads (ListSnapshotBlocks, ListChangedBlocks, GetSnapshotBlock) need `completed`
//!   snapshots. A snapshot's blocks are its parent's overlaid with its own; never-written
//!   blocks are not listed. Block tokens are bound to (snapshot, index, content) and expire
//!   after 7 days.
//! - ListChangedBlocks compares two snapshots of one lineage (same root of the parent chain,
//!   either order): blocks whose content differs, or that hold data in only one of them.
//!   Snapshots of different lineages are a `ValidationException` (UNRELATED_SNAPSHOTS).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::{Inventory, SimCloud, SimConfig, SimState};
use crate::ebs::*;
use crate::ec2::SnapshotState;
use crate::error::{Result, Service};
use crate::id::SnapshotId;
use crate::validate::Validate;

/// How long a block token stays valid (EBS direct APIs: block tokens expire after 7 days).
const TOKEN_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// The page size when a list request names none.
const DEFAULT_MAX_RESULTS: usize = 10_000;

/// The EBS direct state: every snapshot started here, with its blocks.
#[derive(Default)]
pub(crate) struct EbsState {
    snapshots: HashMap<SnapshotId, DirectSnapshot>,
    /// Client token → the snapshot it started.
    client_tokens: HashMap<String, SnapshotId>,
}

/// A block written to a snapshot: its data and raw SHA-256 digest.
type StoredBlock = (Bytes, [u8; 32]);

struct DirectSnapshot {
    /// The request that started it (for client-token replays) and what it answered.
    request: StartSnapshotRequest,
    started: StartedSnapshot,
    encrypted: bool,
    status: DirectSnapshotStatus,
    /// When StartSnapshot made it (eventual consistency counts from here).
    started_at: Instant,
    /// The start or the last accepted write: the idle timeout counts from here.
    last_activity: Instant,
    timeout: Duration,
    /// When CompleteSnapshot was accepted (no writes after it).
    sealed_at: Option<Instant>,
    /// The blocks written to THIS snapshot (the parent's are reached through the parent).
    blocks: HashMap<u32, StoredBlock>,
    /// Deleted through EC2 `DeleteSnapshot`: the EBS direct APIs answer not found. Its blocks
    /// are kept while a child may still read them through its lineage, as EBS keeps the data
    /// a later snapshot of the lineage references.
    deleted: bool,
}

impl DirectSnapshot {
    fn volume_size_gib(&self) -> u32 {
        self.started.volume_size_gib
    }
    fn parent(&self) -> Option<&SnapshotId> {
        self.started.parent_snapshot_id.as_ref()
    }
}

/// EC2's name for a direct snapshot's status (the two APIs share `pending`, `completed` and
/// `error`).
fn ec2_state(s: &DirectSnapshotStatus) -> SnapshotState {
    SnapshotState::from(s.as_str())
}

/// Tells EC2 about snapshot `id` as it is now (the one place EBS registers with EC2).
fn publish(st: &mut SimState, now: Instant, id: &SnapshotId) {
    let Some(s) = st.ebs.snapshots.get(id).filter(|s| !s.deleted) else {
        return;
    };
    let (size, description, tags, encrypted, state) = (
        s.volume_size_gib(),
        s.request.description.clone(),
        s.request.tags.clone(),
        s.encrypted,
        ec2_state(&s.status),
    );
    super::ec2::put_direct_snapshot(st, now, id, size, description, tags, encrypted, state);
}

/// Settles every direct snapshot to `now` (timeouts, completions) and updates EC2's view of
/// those that changed. EC2's DescribeSnapshots may call this to show the settled state
/// without an EBS call in between.
pub(crate) fn settle(st: &mut SimState, cfg: &SimConfig, now: Instant) {
    let mut changed = Vec::new();
    for (id, s) in st.ebs.snapshots.iter_mut() {
        if s.status != DirectSnapshotStatus::Pending || s.deleted {
            continue;
        }
        match s.sealed_at {
            Some(t) if now >= t + cfg.snapshot_complete => {
                s.status = DirectSnapshotStatus::Completed;
                changed.push(id.clone());
            }
            None if now >= s.last_activity + s.timeout => {
                s.status = DirectSnapshotStatus::Error;
                changed.push(id.clone());
            }
            _ => {}
        }
    }
    for id in changed {
        publish(st, now, &id);
    }
}

/// Direct snapshots are EC2 snapshots too: EC2's inventory counts them (DescribeSnapshots shows
/// them through `put_direct_snapshot`), so nothing is added here, to count each once. A
/// pending upload session has no resource of its own beyond that snapshot.
pub(crate) fn inventory(_st: &mut SimState, _now: Instant, _inv: &mut Inventory) {}

/// EC2 deleted snapshot `id`: if it was made here, the EBS direct APIs no longer know it
/// (`ResourceNotFoundException`), and it can no longer complete and reappear in EC2.
pub(crate) fn forget(st: &mut SimState, id: &SnapshotId) {
    if let Some(s) = st.ebs.snapshots.get_mut(id) {
        s.deleted = true;
    }
}

fn not_found(id: &SnapshotId) -> crate::Error {
    SimCloud::err(
        Service::Ebs,
        "ResourceNotFoundException",
        format!("The snapshot '{id}' does not exist (SNAPSHOT_NOT_FOUND)."),
    )
}

fn invalid(reason: &str, message: impl std::fmt::Display) -> crate::Error {
    SimCloud::err(Service::Ebs, "ValidationException", format!("{message} ({reason})"))
}

fn get<'a>(st: &'a SimState, id: &SnapshotId) -> Result<&'a DirectSnapshot> {
    st.ebs
        .snapshots
        .get(id)
        .filter(|s| !s.deleted)
        .ok_or_else(|| not_found(id))
}

fn get_mut<'a>(st: &'a mut SimState, id: &SnapshotId) -> Result<&'a mut DirectSnapshot> {
    st.ebs
        .snapshots
        .get_mut(id)
        .filter(|s| !s.deleted)
        .ok_or_else(|| not_found(id))
}

/// The snapshot, which must be `completed` (the read APIs need a completed snapshot).
fn completed<'a>(st: &'a SimState, id: &SnapshotId) -> Result<&'a DirectSnapshot> {
    let s = get(st, id)?;
    if s.status != DirectSnapshotStatus::Completed {
        return Err(invalid(
            "INVALID_SNAPSHOT_ID",
            format_args!(
                "The snapshot '{id}' is {}; only completed snapshots can be read",
                s.status
            ),
        ));
    }
    Ok(s)
}

/// The snapshot's blocks as seen through its lineage: the root's blocks, overlaid by each
/// descendant's down to `id` (copy on write).
fn view(st: &SimState, id: &SnapshotId) -> BTreeMap<u32, StoredBlock> {
    let mut chain = Vec::new();
    let mut cur = st.ebs.snapshots.get(id);
    while let Some(s) = cur {
        chain.push(s);
        cur = s.parent().and_then(|p| st.ebs.snapshots.get(p));
    }
    let mut out = BTreeMap::new();
    for s in chain.iter().rev() {
        for (i, b) in &s.blocks {
            out.insert(*i, b.clone());
        }
    }
    out
}

/// The first snapshot of `id`'s lineage.
fn root(st: &SimState, id: &SnapshotId) -> SnapshotId {
    let mut cur = id.clone();
    while let Some(p) = st.ebs.snapshots.get(&cur).and_then(|s| s.parent()) {
        cur = p.clone();
    }
    cur
}

impl SimCloud {
    /// The MAC part of a block token for (snapshot, index, content, expiry).
    fn token_mac(&self, id: &SnapshotId, index: u32, digest: &[u8; 32], expiry_secs: u64) -> [u8; 16] {
        let mut h = Sha256::new();
        h.update(b"sim-ebs-block-token");
        h.update(self.inner.config.seed.to_le_bytes());
        h.update(id.as_str().as_bytes());
        h.update(index.to_le_bytes());
        h.update(digest);
        h.update(expiry_secs.to_be_bytes());
        let full: [u8; 32] = h.finalize().into();
        let mut mac = [0u8; 16];
        mac.copy_from_slice(&full[..16]);
        mac
    }

    /// An opaque block token (base64: expiry, then a MAC over snapshot, index and content).
    fn block_token(&self, id: &SnapshotId, index: u32, digest: &[u8; 32], expiry_secs: u64) -> String {
        let mut raw = expiry_secs.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.token_mac(id, index, digest, expiry_secs));
        B64.encode(raw)
    }

    /// The token expiry for tokens issued at `now`, as simulated wall-clock seconds.
    fn token_expiry(&self, now: Instant) -> (std::time::SystemTime, u64) {
        let t = self.wall(now) + TOKEN_LIFETIME;
        let secs = t
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        (std::time::UNIX_EPOCH + Duration::from_secs(secs), secs)
    }
}

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl crate::ebs::Ebs for SimCloud {
    async fn start_snapshot(&self, req: StartSnapshotRequest) -> Result<StartedSnapshot> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        settle(&mut st, &self.inner.config, now);
        if let Some(token) = &req.client_token
            && let Some(id) = st.ebs.client_tokens.get(token)
            && let Some(s) = st.ebs.snapshots.get(id)
        {
            if s.request == req {
                return Ok(s.started.clone());
            }
            return Err(SimCloud::err(
                Service::Ebs,
                "ConflictException",
                format!(
                    "The client token '{token}' was used by a previous StartSnapshot request with different parameters (snapshot '{id}')."
                ),
            ));
        }
        let mut encrypted = req.encrypted;
        if let Some(pid) = &req.parent_snapshot_id {
            let parent = get(&st, pid)?;
            if parent.status != DirectSnapshotStatus::Completed {
                return Err(invalid(
                    "INVALID_SNAPSHOT_ID",
                    format_args!("The parent snapshot '{pid}' is {}, not completed", parent.status),
                ));
            }
            if req.volume_size_gib < parent.volume_size_gib() {
                return Err(invalid(
                    "INVALID_VOLUME_SIZE",
                    format_args!(
                        "The volume size {} GiB is smaller than the parent snapshot '{pid}' ({} GiB)",
                        req.volume_size_gib,
                        parent.volume_size_gib()
                    ),
                ));
            }
            encrypted = parent.encrypted;
        }
        let id: SnapshotId = SimCloud::new_id(&mut st, "snap").parse()?;
        let started = StartedSnapshot {
            snapshot_id: id.clone(),
            block_size: BLOCK_SIZE as u32,
            volume_size_gib: req.volume_size_gib,
            status: DirectSnapshotStatus::Pending,
            parent_snapshot_id: req.parent_snapshot_id.clone(),
        };
        if let Some(token) = &req.client_token {
            st.ebs.client_tokens.insert(token.clone(), id.clone());
        }
        st.ebs.snapshots.insert(
            id.clone(),
            DirectSnapshot {
                timeout: Duration::from_secs(u64::from(req.timeout_minutes) * 60),
                request: req,
                started: started.clone(),
                encrypted,
                status: DirectSnapshotStatus::Pending,
                started_at: now,
                last_activity: now,
                sealed_at: None,
                blocks: HashMap::new(),
                deleted: false,
            },
        );
        publish(&mut st, now, &id);
        Ok(started)
    }

    async fn put_snapshot_block(&self, req: PutSnapshotBlockRequest) -> Result<String> {
        req.validate()?;
        let now = self.now();
        let cfg = &self.inner.config;
        let id = &req.snapshot_id;
        {
            let st = self.lock();
            let started_at = get(&st, id)?.started_at;
            if cfg.eventual_consistency.is_some_and(|d| now < started_at + d) {
                // Not yet known where the blocks are written (see the module docs).
                return Err(not_found(id));
            }
        }
        // Hash outside the lock: half a megabyte per call.
        let digest = block_digest(&req.data);
        let mut st = self.lock();
        settle(&mut st, cfg, now);
        let s = get_mut(&mut st, id)?;
        if s.status != DirectSnapshotStatus::Pending || s.sealed_at.is_some() {
            let state = if s.sealed_at.is_some() && s.status == DirectSnapshotStatus::Pending {
                "completing"
            } else {
                s.status.as_str()
            };
            return Err(invalid(
                "INVALID_SNAPSHOT_ID",
                format_args!("The snapshot '{id}' is {state}; blocks can only be written to a pending snapshot"),
            ));
        }
        let max = blocks_for_gib(s.volume_size_gib());
        if req.block_index >= max {
            return Err(invalid(
                "INVALID_BLOCK",
                format_args!(
                    "Block index {} of snapshot '{id}' is beyond its volume size ({} GiB = {max} blocks)",
                    req.block_index,
                    s.volume_size_gib()
                ),
            ));
        }
        if decode_checksum(&req.checksum) != Some(digest) {
            return Err(invalid(
                "INVALID_CHECKSUM",
                format_args!(
                    "The checksum {} does not match the data of block {} of snapshot '{id}'",
                    req.checksum, req.block_index
                ),
            ));
        }
        s.blocks.insert(req.block_index, (req.data, digest));
        s.last_activity = now;
        Ok(req.checksum)
    }

    async fn complete_snapshot(&self, req: CompleteSnapshotRequest) -> Result<DirectSnapshotStatus> {
        req.validate()?;
        let now = self.now();
        let cfg = &self.inner.config;
        let mut st = self.lock();
        settle(&mut st, cfg, now);
        let id = &req.snapshot_id;
        let s = get_mut(&mut st, id)?;
        match (&s.status, s.sealed_at) {
            // A retry of an accepted CompleteSnapshot answers the current status.
            (DirectSnapshotStatus::Pending, Some(_)) | (DirectSnapshotStatus::Completed, _) => {
                return Ok(s.status.clone());
            }
            // The simulator sets no status it does not know.
            (DirectSnapshotStatus::Error | DirectSnapshotStatus::Unknown(_), _) => {
                return Err(invalid(
                    "INVALID_SNAPSHOT_ID",
                    format_args!("The snapshot '{id}' is in the error state"),
                ));
            }
            (DirectSnapshotStatus::Pending, None) => {}
        }
        let written = s.blocks.len();
        if req.changed_blocks_count as usize != written {
            return Err(invalid(
                "INVALID_PARAMETER_VALUE",
                format_args!(
                    "ChangedBlocksCount {} does not match the {written} block(s) written to snapshot '{id}'",
                    req.changed_blocks_count
                ),
            ));
        }
        if let Some(expected) = &req.checksum {
            let mut indexes: Vec<u32> = s.blocks.keys().copied().collect();
            indexes.sort_unstable();
            let actual = linear_checksum(indexes.iter().filter_map(|i| s.blocks.get(i).map(|b| &b.1)));
            if &actual != expected {
                s.status = DirectSnapshotStatus::Error;
                publish(&mut st, now, id);
                return Err(invalid(
                    "INVALID_CHECKSUM",
                    format_args!(
                        "The LINEAR checksum {expected} does not match the blocks written to snapshot '{id}'; the snapshot is now in the error state"
                    ),
                ));
            }
        }
        s.sealed_at = Some(now);
        settle(&mut st, cfg, now);
        let status = st
            .ebs
            .snapshots
            .get(id)
            .map_or(DirectSnapshotStatus::Pending, |s| s.status.clone());
        Ok(status)
    }

    async fn list_snapshot_blocks(&self, req: ListSnapshotBlocksRequest) -> Result<BlockPage> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        settle(&mut st, &self.inner.config, now);
        let id = &req.snapshot_id;
        let size = completed(&st, id)?.volume_size_gib();
        let start = req.starting_block_index.unwrap_or(0);
        let blocks: Vec<(u32, [u8; 32])> = view(&st, id)
            .into_iter()
            .filter(|(i, _)| *i >= start)
            .map(|(i, (_, d))| (i, d))
            .collect();
        drop(st);
        let size_hint = req.max_results.map_or(DEFAULT_MAX_RESULTS, |m| m as usize);
        let (page, next_token) = super::page(&blocks, req.next_token.as_deref(), size_hint)?;
        let (expiry_time, expiry_secs) = self.token_expiry(now);
        Ok(BlockPage {
            blocks: page
                .into_iter()
                .map(|(index, d)| Block {
                    index,
                    token: self.block_token(id, index, &d, expiry_secs),
                })
                .collect(),
            next_token,
            block_size: BLOCK_SIZE as u32,
            volume_size_gib: size,
            expiry_time: Some(expiry_time),
        })
    }

    async fn list_changed_blocks(&self, req: ListChangedBlocksRequest) -> Result<ChangedBlockPage> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        settle(&mut st, &self.inner.config, now);
        let second = &req.second_snapshot_id;
        let size = completed(&st, second)?.volume_size_gib();
        let first_view = match &req.first_snapshot_id {
            Some(first) => {
                completed(&st, first)?;
                if root(&st, first) != root(&st, second) {
                    return Err(invalid(
                        "UNRELATED_SNAPSHOTS",
                        format_args!("The snapshots '{first}' and '{second}' are not of the same volume lineage"),
                    ));
                }
                view(&st, first)
            }
            None => BTreeMap::new(),
        };
        let second_view = view(&st, second);
        drop(st);
        let start = req.starting_block_index.unwrap_or(0);
        let mut indexes: Vec<u32> = first_view.keys().chain(second_view.keys()).copied().collect();
        indexes.sort_unstable();
        indexes.dedup();
        let digest_of = |v: &BTreeMap<u32, StoredBlock>, i: u32| v.get(&i).map(|b| b.1);
        let changed: Vec<(u32, Option<[u8; 32]>, Option<[u8; 32]>)> = indexes
            .into_iter()
            .filter(|i| *i >= start)
            .map(|i| (i, digest_of(&first_view, i), digest_of(&second_view, i)))
            .filter(|(_, a, b)| a != b)
            .collect();
        let size_hint = req.max_results.map_or(DEFAULT_MAX_RESULTS, |m| m as usize);
        let (page, next_token) = super::page(&changed, req.next_token.as_deref(), size_hint)?;
        let (expiry_time, expiry_secs) = self.token_expiry(now);
        let blocks = page
            .into_iter()
            .map(|(index, a, b)| ChangedBlock {
                index,
                first_token: match (&req.first_snapshot_id, a) {
                    (Some(first), Some(d)) => Some(self.block_token(first, index, &d, expiry_secs)),
                    _ => None,
                },
                second_token: b.map(|d| self.block_token(second, index, &d, expiry_secs)),
            })
            .collect();
        Ok(ChangedBlockPage {
            blocks,
            next_token,
            block_size: BLOCK_SIZE as u32,
            volume_size_gib: size,
            expiry_time: Some(expiry_time),
        })
    }

    async fn get_snapshot_block(&self, req: GetSnapshotBlockRequest) -> Result<BlockData> {
        req.validate()?;
        let now = self.now();
        let mut st = self.lock();
        settle(&mut st, &self.inner.config, now);
        let id = &req.snapshot_id;
        let size = completed(&st, id)?.volume_size_gib();
        let max = blocks_for_gib(size);
        if req.block_index >= max {
            return Err(invalid(
                "INVALID_BLOCK",
                format_args!(
                    "Block index {} of snapshot '{id}' is beyond its volume size ({size} GiB = {max} blocks)",
                    req.block_index
                ),
            ));
        }
        let block = view(&st, id).remove(&req.block_index);
        drop(st);
        let bad_token = || {
            invalid(
                "INVALID_BLOCK_TOKEN",
                format_args!(
                    "The block token is not valid for block {} of snapshot '{id}'",
                    req.block_index
                ),
            )
        };
        let raw = B64.decode(&req.block_token).map_err(|_| bad_token())?;
        if raw.len() != 24 {
            return Err(bad_token());
        }
        let mut expiry = [0u8; 8];
        expiry.copy_from_slice(&raw[..8]);
        let expiry_secs = u64::from_be_bytes(expiry);
        let (data, digest) = block.ok_or_else(bad_token)?;
        if self.token_mac(id, req.block_index, &digest, expiry_secs)[..] != raw[8..] {
            return Err(bad_token());
        }
        let now_secs = self
            .wall(now)
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        if now_secs > expiry_secs {
            return Err(invalid(
                "INVALID_BLOCK_TOKEN",
                format_args!(
                    "The block token for block {} of snapshot '{id}' has expired",
                    req.block_index
                ),
            ));
        }
        Ok(BlockData {
            data_length: BLOCK_SIZE as u32,
            checksum: B64.encode(digest),
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::ebs::Ebs;
    use crate::sim::SimConfig;
    use futures::StreamExt;

    const COMPLETE: Duration = Duration::from_secs(60);

    fn sim() -> SimCloud {
        SimCloud::with_config(SimConfig {
            snapshot_complete: COMPLETE,
            ..SimConfig::default()
        })
    }

    /// A block whose bytes depend on `seed` and on the position (so blocks differ).
    fn data(seed: u8) -> Bytes {
        Bytes::from(
            (0..BLOCK_SIZE)
                .map(|i| seed.wrapping_mul(31) ^ (i % 251) as u8)
                .collect::<Vec<u8>>(),
        )
    }

    fn code(e: &Error) -> &str {
        e.code().unwrap_or("<no code>")
    }

    fn message(e: &Error) -> String {
        e.api_error()
            .map(|a| a.message.clone())
            .unwrap_or_else(|| e.to_string())
    }

    async fn start(ebs: &SimCloud, size: u32, parent: Option<&SnapshotId>) -> SnapshotId {
        let req = StartSnapshotRequest {
            parent_snapshot_id: parent.cloned(),
            ..StartSnapshotRequest::builder().volume_size_gib(size).build().unwrap()
        };
        let s = ebs.start_snapshot(req).await.unwrap();
        assert_eq!(s.status, DirectSnapshotStatus::Pending);
        assert_eq!(s.block_size, BLOCK_SIZE as u32);
        s.snapshot_id
    }

    /// Writes `blocks` and returns their digests by index.
    async fn put_all(ebs: &SimCloud, id: &SnapshotId, blocks: &[(u32, Bytes)]) -> BTreeMap<u32, [u8; 32]> {
        let mut digests = BTreeMap::new();
        for (i, d) in blocks {
            let req = PutSnapshotBlockRequest::with_checksum(id.clone(), *i, d.clone()).unwrap();
            let echoed = ebs.put_snapshot_block(req).await.unwrap();
            assert_eq!(echoed, block_checksum(d));
            digests.insert(*i, block_digest(d));
        }
        digests
    }

    /// Completes with the right count and LINEAR checksum, then lets it reach `completed`.
    async fn complete(ebs: &SimCloud, id: &SnapshotId, digests: &BTreeMap<u32, [u8; 32]>) {
        let req = CompleteSnapshotRequest::builder()
            .snapshot_id(id.clone())
            .changed_blocks_count(digests.len() as u32)
            .checksum(linear_checksum(digests.values()))
            .build()
            .unwrap();
        assert_eq!(ebs.complete_snapshot(req).await.unwrap(), DirectSnapshotStatus::Pending);
        tokio::time::advance(COMPLETE).await;
    }

    /// The snapshot's status settled to now.
    fn status(ebs: &SimCloud, id: &SnapshotId) -> DirectSnapshotStatus {
        let now = ebs.now();
        let mut st = ebs.lock();
        settle(&mut st, &ebs.inner.config, now);
        st.ebs.snapshots[id].status.clone()
    }

    async fn get(ebs: &SimCloud, id: &SnapshotId, index: u32, token: &str) -> Result<BlockData> {
        ebs.get_snapshot_block(GetSnapshotBlockRequest {
            snapshot_id: id.clone(),
            block_index: index,
            block_token: token.to_string(),
        })
        .await
    }

    #[tokio::test(start_paused = true)]
    async fn round_trip_is_byte_exact_and_zero_blocks_are_not_listed() {
        let ebs = sim();
        let id = start(&ebs, 1, None).await;
        let blocks = [(0, data(1)), (5, data(2)), (2047, data(3)), (5, data(4))];
        let digests = put_all(&ebs, &id, &blocks).await;
        assert_eq!(digests.len(), 3, "the re-put of block 5 overwrote it");
        let req = CompleteSnapshotRequest::builder()
            .snapshot_id(id.clone())
            .changed_blocks_count(3)
            .checksum(linear_checksum(digests.values()))
            .build()
            .unwrap();
        assert_eq!(ebs.complete_snapshot(req).await.unwrap(), DirectSnapshotStatus::Pending);
        tokio::time::advance(COMPLETE - Duration::from_secs(1)).await;
        let e = all_snapshot_blocks(&ebs, &id).await.unwrap_err();
        assert_eq!(code(&e), "ValidationException", "still pending: {e}");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(status(&ebs, &id), DirectSnapshotStatus::Completed);

        let page = ebs
            .list_snapshot_blocks(
                ListSnapshotBlocksRequest::builder()
                    .snapshot_id(id.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(
            page.blocks.iter().map(|b| b.index).collect::<Vec<_>>(),
            vec![0, 5, 2047]
        );
        assert_eq!(page.volume_size_gib, 1);
        assert_eq!(page.block_size, BLOCK_SIZE as u32);
        assert_eq!(page.next_token, None);
        assert_eq!(page.expiry_time, Some(ebs.wall(ebs.now()) + TOKEN_LIFETIME));
        let expected = [(0, data(1)), (5, data(4)), (2047, data(3))];
        for (b, (i, d)) in page.blocks.iter().zip(expected.iter()) {
            let got = get(&ebs, &id, b.index, &b.token).await.unwrap();
            assert_eq!(b.index, *i);
            assert_eq!(got.data, *d, "block {i} is byte-exact");
            assert_eq!(got.checksum, block_checksum(d));
            assert_eq!(got.data_length, BLOCK_SIZE as u32);
            assert!(got.is_intact());
        }
        // Never-written blocks have no token to read them with.
        let e = get(&ebs, &id, 1, &page.blocks[0].token).await.unwrap_err();
        assert!(message(&e).contains("INVALID_BLOCK_TOKEN"), "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn instant_config_completes_at_once() {
        let ebs = SimCloud::with_config(SimConfig::instant());
        let id = start(&ebs, 1, None).await;
        let digests = put_all(&ebs, &id, &[(1, data(1))]).await;
        let req = CompleteSnapshotRequest::builder()
            .snapshot_id(id.clone())
            .changed_blocks_count(1)
            .checksum(linear_checksum(digests.values()))
            .build()
            .unwrap();
        assert_eq!(
            ebs.complete_snapshot(req.clone()).await.unwrap(),
            DirectSnapshotStatus::Completed
        );
        // A retried CompleteSnapshot answers the current status.
        assert_eq!(
            ebs.complete_snapshot(req).await.unwrap(),
            DirectSnapshotStatus::Completed
        );
        assert_eq!(all_snapshot_blocks(&ebs, &id).await.unwrap().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wrong_block_checksum_is_rejected_and_nothing_is_stored() {
        let ebs = sim();
        let id = start(&ebs, 1, None).await;
        let mut req = PutSnapshotBlockRequest::with_checksum(id.clone(), 0, data(1)).unwrap();
        req.checksum = block_checksum(&data(2));
        let e = ebs.put_snapshot_block(req).await.unwrap_err();
        assert_eq!(code(&e), "ValidationException");
        assert!(e.is_validation());
        assert!(message(&e).contains("INVALID_CHECKSUM"), "{e}");
        assert!(ebs.lock().ebs.snapshots[&id].blocks.is_empty());
        // Nothing was written: a count of 1 is refused, 0 is accepted.
        let c = |n| {
            CompleteSnapshotRequest::builder()
                .snapshot_id(id.clone())
                .changed_blocks_count(n)
                .build()
                .unwrap()
        };
        assert_eq!(
            code(&ebs.complete_snapshot(c(1)).await.unwrap_err()),
            "ValidationException"
        );
        assert_eq!(
            ebs.complete_snapshot(c(0)).await.unwrap(),
            DirectSnapshotStatus::Pending
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_wrong_linear_checksum_puts_the_snapshot_in_error() {
        let ebs = sim();
        let id = start(&ebs, 1, None).await;
        let digests = put_all(&ebs, &id, &[(0, data(1)), (1, data(2))]).await;
        // The digests in the wrong order.
        let reversed: Vec<&[u8; 32]> = digests.values().rev().collect();
        let req = CompleteSnapshotRequest::builder()
            .snapshot_id(id.clone())
            .changed_blocks_count(2)
            .checksum(linear_checksum(reversed))
            .build()
            .unwrap();
        let e = ebs.complete_snapshot(req).await.unwrap_err();
        assert_eq!(code(&e), "ValidationException");
        assert!(message(&e).contains("INVALID_CHECKSUM"), "{e}");
        assert_eq!(status(&ebs, &id), DirectSnapshotStatus::Error);
        let put = PutSnapshotBlockRequest::with_checksum(id.clone(), 3, data(3)).unwrap();
        assert_eq!(
            code(&ebs.put_snapshot_block(put).await.unwrap_err()),
            "ValidationException"
        );
        assert_eq!(
            code(&all_snapshot_blocks(&ebs, &id).await.unwrap_err()),
            "ValidationException"
        );
        let again = CompleteSnapshotRequest::builder()
            .snapshot_id(id.clone())
            .changed_blocks_count(2)
            .checksum(linear_checksum(digests.values()))
            .build()
            .unwrap();
        assert_eq!(
            code(&ebs.complete_snapshot(again).await.unwrap_err()),
            "ValidationException"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_wrong_changed_blocks_count_is_refused_and_the_snapshot_stays_pending() {
        let ebs = sim();
        let id = start(&ebs, 1, None).await;
        let digests = put_all(&ebs, &id, &[(0, data(1)), (9, data(2))]).await;
        for wrong in [1, 3] {
            let req = CompleteSnapshotRequest::builder()
                .snapshot_id(id.clone())
                .changed_blocks_count(wrong)
                .build()
                .unwrap();
            let e = ebs.complete_snapshot(req).await.unwrap_err();
            assert_eq!(code(&e), "ValidationException");
            assert!(message(&e).contains("ChangedBlocksCount"), "{e}");
        }
        assert_eq!(status(&ebs, &id), DirectSnapshotStatus::Pending);
        complete(&ebs, &id, &digests).await;
        assert_eq!(status(&ebs, &id), DirectSnapshotStatus::Completed);
    }

    #[tokio::test(start_paused = true)]
    async fn writes_after_complete_and_beyond_the_volume_are_rejected() {
        let ebs = sim();
        let id = start(&ebs, 1, None).await;
        let beyond = PutSnapshotBlockRequest::with_checksum(id.clone(), 2048, data(1)).unwrap();
        let e = ebs.put_snapshot_block(beyond).await.unwrap_err();
        assert_eq!(code(&e), "ValidationException");
        assert!(message(&e).contains("beyond its volume size"), "{e}");
        let digests = put_all(&ebs, &id, &[(2047, data(1))]).await;
        let req = CompleteSnapshotRequest::builder()
            .snapshot_id(id.clone())
            .changed_blocks_count(1)
            .checksum(linear_checksum(digests.values()))
            .build()
            .unwrap();
        ebs.complete_snapshot(req).await.unwrap();
        // Completing (still pending), then completed: no more writes either way.
        for _ in 0..2 {
            let put = PutSnapshotBlockRequest::with_checksum(id.clone(), 0, data(2)).unwrap();
            let e = ebs.put_snapshot_block(put).await.unwrap_err();
            assert_eq!(code(&e), "ValidationException", "{e}");
            tokio::time::advance(COMPLETE).await;
        }
        assert_eq!(all_snapshot_blocks(&ebs, &id).await.unwrap().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_child_overlays_its_parent_and_changed_blocks_compare_content() {
        let ebs = sim();
        let parent = start(&ebs, 1, None).await;
        let pd = put_all(&ebs, &parent, &[(0, data(1)), (1, data(2)), (2, data(3))]).await;
        // A parent must be completed.
        let req = StartSnapshotRequest::builder()
            .volume_size_gib(2)
            .parent_snapshot_id(parent.clone())
            .build()
            .unwrap();
        let e = ebs.start_snapshot(req.clone()).await.unwrap_err();
        assert_eq!(code(&e), "ValidationException");
        complete(&ebs, &parent, &pd).await;
        // The child must be at least the parent's size.
        let small = StartSnapshotRequest::builder()
            .volume_size_gib(1)
            .parent_snapshot_id(parent.clone())
            .build()
            .unwrap();
        let ok = ebs.start_snapshot(small).await.unwrap();
        assert_eq!(ok.parent_snapshot_id.as_ref(), Some(&parent));
        let child = ebs.start_snapshot(req).await.unwrap().snapshot_id;
        // Block 1 changes, block 2 is rewritten with the same content, 3000 is new.
        let cd = put_all(&ebs, &child, &[(1, data(20)), (2, data(3)), (3000, data(30))]).await;
        complete(&ebs, &child, &cd).await;

        let blocks = all_snapshot_blocks(&ebs, &child).await.unwrap();
        assert_eq!(blocks.iter().map(|b| b.index).collect::<Vec<_>>(), vec![0, 1, 2, 3000]);
        let want = [data(1), data(20), data(3), data(30)];
        for (b, d) in blocks.iter().zip(want.iter()) {
            assert_eq!(&get(&ebs, &child, b.index, &b.token).await.unwrap().data, d);
        }
        // The parent is unchanged.
        let pblocks = all_snapshot_blocks(&ebs, &parent).await.unwrap();
        assert_eq!(pblocks.len(), 3);
        assert_eq!(get(&ebs, &parent, 1, &pblocks[1].token).await.unwrap().data, data(2));

        let changed = all_changed_blocks(&ebs, Some(&parent), &child).await.unwrap();
        assert_eq!(changed.iter().map(|c| c.index).collect::<Vec<_>>(), vec![1, 3000]);
        assert!(changed[0].first_token.is_some() && changed[0].second_token.is_some());
        assert!(changed[1].first_token.is_none() && changed[1].second_token.is_some());
        let first = get(&ebs, &parent, 1, changed[0].first_token.as_ref().unwrap())
            .await
            .unwrap();
        let second = get(&ebs, &child, 1, changed[0].second_token.as_ref().unwrap())
            .await
            .unwrap();
        assert_eq!((first.data, second.data), (data(2), data(20)));
        // Either order works within one lineage.
        let back = all_changed_blocks(&ebs, Some(&child), &parent).await.unwrap();
        assert_eq!(back.iter().map(|c| c.index).collect::<Vec<_>>(), vec![1, 3000]);
        assert!(back[1].second_token.is_none());
        // Without a first snapshot: every block of the second.
        let all = all_changed_blocks(&ebs, None, &child).await.unwrap();
        assert_eq!(all.len(), 4);
        assert!(all.iter().all(|c| c.first_token.is_none() && c.second_token.is_some()));
        // Another lineage.
        let other = start(&ebs, 1, None).await;
        let od = put_all(&ebs, &other, &[(0, data(1))]).await;
        complete(&ebs, &other, &od).await;
        let e = all_changed_blocks(&ebs, Some(&other), &child).await.unwrap_err();
        assert_eq!(code(&e), "ValidationException");
        assert!(message(&e).contains("UNRELATED_SNAPSHOTS"), "{e}");
        // A parent that does not exist.
        let missing: SnapshotId = "snap-0000000000000dead".parse().unwrap();
        let req = StartSnapshotRequest::builder()
            .volume_size_gib(1)
            .parent_snapshot_id(missing.clone())
            .build()
            .unwrap();
        let e = ebs.start_snapshot(req).await.unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        assert_eq!(code(&e), "ResourceNotFoundException");
    }

    #[tokio::test(start_paused = true)]
    async fn a_child_inherits_its_parents_encryption() {
        let ebs = sim();
        let req = StartSnapshotRequest::builder()
            .volume_size_gib(1)
            .encrypted(false)
            .build()
            .unwrap();
        let parent = ebs.start_snapshot(req).await.unwrap().snapshot_id;
        complete(&ebs, &parent, &BTreeMap::new()).await;
        let child = start(&ebs, 1, Some(&parent)).await;
        assert!(!ebs.lock().ebs.snapshots[&child].encrypted);
    }

    #[tokio::test(start_paused = true)]
    async fn pages_follow_next_token_and_starting_index() {
        let ebs = sim();
        let id = start(&ebs, 1, None).await;
        // One request reused (the data is shared, hashed once per put by the service).
        let base = PutSnapshotBlockRequest::with_checksum(id.clone(), 0, data(7)).unwrap();
        let mut digests = BTreeMap::new();
        for i in 0..101u32 {
            let req = PutSnapshotBlockRequest {
                block_index: i * 2,
                ..base.clone()
            };
            ebs.put_snapshot_block(req).await.unwrap();
            digests.insert(i * 2, block_digest(&base.data));
        }
        complete(&ebs, &id, &digests).await;
        let list = |token: Option<String>, start: Option<u32>| ListSnapshotBlocksRequest {
            snapshot_id: id.clone(),
            starting_block_index: start,
            max_results: Some(100),
            next_token: token,
        };
        let p1 = ebs.list_snapshot_blocks(list(None, None)).await.unwrap();
        assert_eq!(p1.blocks.len(), 100);
        let p2 = ebs
            .list_snapshot_blocks(list(p1.next_token.clone(), None))
            .await
            .unwrap();
        assert_eq!(p2.blocks.len(), 1);
        assert_eq!(p2.blocks[0].index, 200);
        assert_eq!(p2.next_token, None);
        let from = ebs.list_snapshot_blocks(list(None, Some(101))).await.unwrap();
        assert_eq!(from.blocks.first().map(|b| b.index), Some(102));
        assert_eq!(from.blocks.len(), 50);
        let e = ebs
            .list_snapshot_blocks(list(Some("forged".into()), None))
            .await
            .unwrap_err();
        assert!(e.is_validation(), "{e:?}");
        assert_eq!(all_snapshot_blocks(&ebs, &id).await.unwrap().len(), 101);
        let streamed: Vec<Block> = snapshot_blocks_stream(&ebs, id.clone(), Some(100))
            .map(|b| b.unwrap())
            .collect()
            .await;
        assert_eq!(streamed.len(), 101);
        assert_eq!(streamed, all_snapshot_blocks(&ebs, &id).await.unwrap());
        // ListChangedBlocks pages the same way.
        let c1 = ebs
            .list_changed_blocks(ListChangedBlocksRequest {
                first_snapshot_id: None,
                second_snapshot_id: id.clone(),
                starting_block_index: None,
                max_results: Some(100),
                next_token: None,
            })
            .await
            .unwrap();
        assert_eq!(c1.blocks.len(), 100);
        let c2 = ebs
            .list_changed_blocks(ListChangedBlocksRequest {
                first_snapshot_id: None,
                second_snapshot_id: id.clone(),
                starting_block_index: None,
                max_results: Some(100),
                next_token: c1.next_token,
            })
            .await
            .unwrap();
        assert_eq!(c2.blocks.len(), 1);
        assert_eq!(c2.next_token, None);
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_are_bound_to_snapshot_index_and_time() {
        let ebs = sim();
        let a = start(&ebs, 1, None).await;
        let b = start(&ebs, 1, None).await;
        // The same content at the same index in two snapshots.
        let ad = put_all(&ebs, &a, &[(0, data(1)), (1, data(2))]).await;
        let bd = put_all(&ebs, &b, &[(0, data(1))]).await;
        complete(&ebs, &a, &ad).await;
        complete(&ebs, &b, &bd).await;
        let blocks = all_snapshot_blocks(&ebs, &a).await.unwrap();
        let t0 = &blocks[0].token;
        assert!(get(&ebs, &a, 0, t0).await.is_ok());
        for (snap, index) in [(&a, 1), (&b, 0)] {
            let e = get(&ebs, snap, index, t0).await.unwrap_err();
            assert_eq!(code(&e), "ValidationException");
            assert!(message(&e).contains("INVALID_BLOCK_TOKEN"), "{e}");
        }
        let e = get(&ebs, &a, 0, "AAAA").await.unwrap_err();
        assert!(message(&e).contains("INVALID_BLOCK_TOKEN"), "{e}");
        let e = get(&ebs, &a, 4096, t0).await.unwrap_err();
        assert!(message(&e).contains("beyond its volume size"), "{e}");
        // Tokens live 7 days.
        tokio::time::advance(TOKEN_LIFETIME).await;
        assert!(get(&ebs, &a, 0, t0).await.is_ok());
        tokio::time::advance(Duration::from_secs(1)).await;
        let e = get(&ebs, &a, 0, t0).await.unwrap_err();
        assert!(message(&e).contains("expired"), "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_pending_snapshot_times_out_into_error() {
        let ebs = sim();
        let req = StartSnapshotRequest::builder()
            .volume_size_gib(1)
            .timeout_minutes(10)
            .build()
            .unwrap();
        let idle = ebs.start_snapshot(req.clone()).await.unwrap().snapshot_id;
        let busy = ebs.start_snapshot(req).await.unwrap().snapshot_id;
        let minute = Duration::from_secs(60);
        tokio::time::advance(9 * minute).await;
        // A write restarts the idle clock.
        put_all(&ebs, &busy, &[(0, data(1))]).await;
        tokio::time::advance(minute).await;
        let e = ebs
            .put_snapshot_block(PutSnapshotBlockRequest::with_checksum(idle.clone(), 0, data(1)).unwrap())
            .await
            .unwrap_err();
        assert_eq!(code(&e), "ValidationException");
        assert!(message(&e).contains("error"), "{e}");
        assert_eq!(status(&ebs, &idle), DirectSnapshotStatus::Error);
        assert_eq!(status(&ebs, &busy), DirectSnapshotStatus::Pending);
        tokio::time::advance(8 * minute).await;
        assert_eq!(
            status(&ebs, &busy),
            DirectSnapshotStatus::Pending,
            "9 minutes after its last write"
        );
        tokio::time::advance(minute).await;
        let c = CompleteSnapshotRequest::builder()
            .snapshot_id(busy.clone())
            .changed_blocks_count(1)
            .build()
            .unwrap();
        assert_eq!(
            code(&ebs.complete_snapshot(c).await.unwrap_err()),
            "ValidationException"
        );
        assert_eq!(status(&ebs, &busy), DirectSnapshotStatus::Error);
    }

    #[tokio::test(start_paused = true)]
    async fn client_tokens_make_start_idempotent() {
        let ebs = sim();
        let req = StartSnapshotRequest::builder()
            .volume_size_gib(4)
            .client_token("upload-1")
            .build()
            .unwrap();
        let a = ebs.start_snapshot(req.clone()).await.unwrap();
        let b = ebs.start_snapshot(req.clone()).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(ebs.lock().ebs.snapshots.len(), 1);
        let different = StartSnapshotRequest {
            volume_size_gib: 8,
            ..req
        };
        let e = ebs.start_snapshot(different).await.unwrap_err();
        assert_eq!(code(&e), "ConflictException");
        assert!(e.is_conflict());
        assert_eq!(ebs.lock().ebs.snapshots.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn invalid_requests_change_nothing() {
        let ebs = sim();
        let bad = StartSnapshotRequest {
            volume_size_gib: 0,
            ..StartSnapshotRequest::builder().volume_size_gib(1).build().unwrap()
        };
        let e = ebs.start_snapshot(bad).await.unwrap_err();
        assert!(matches!(e, Error::Validation { ref field, .. } if field == "volume_size_gib"));
        assert!(ebs.lock().ebs.snapshots.is_empty());
        let id = start(&ebs, 1, None).await;
        let short = PutSnapshotBlockRequest {
            snapshot_id: id.clone(),
            block_index: 0,
            data: Bytes::from_static(b"tiny"),
            checksum: block_checksum(b"tiny"),
            progress: None,
        };
        let e = ebs.put_snapshot_block(short).await.unwrap_err();
        assert!(matches!(e, Error::Validation { ref field, .. } if field == "data"));
        let s = &ebs.lock().ebs.snapshots[&id];
        assert!(s.blocks.is_empty());
        assert_eq!(s.status, DirectSnapshotStatus::Pending);
    }

    #[tokio::test(start_paused = true)]
    async fn unknown_and_unfinished_snapshots() {
        let ebs = sim();
        let missing: SnapshotId = "snap-0000000000000beef".parse().unwrap();
        let e = all_snapshot_blocks(&ebs, &missing).await.unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        assert!(matches!(&e, Error::NotFound { id, .. } if id == missing.as_str()));
        let put = PutSnapshotBlockRequest::with_checksum(missing.clone(), 0, data(1)).unwrap();
        assert!(ebs.put_snapshot_block(put).await.unwrap_err().is_not_found());
        let pending = start(&ebs, 1, None).await;
        let e = all_changed_blocks(&ebs, None, &pending).await.unwrap_err();
        assert_eq!(code(&e), "ValidationException");
    }

    /// Needs the EC2 simulator (put_direct_snapshot and DescribeSnapshots) from the merge.
    #[tokio::test(start_paused = true)]
    async fn describe_snapshots_shows_direct_snapshots() {
        use crate::ec2::{DescribeSnapshotsRequest, Ec2};
        let ebs = sim();
        let req = StartSnapshotRequest::builder()
            .volume_size_gib(3)
            .description("direct upload")
            .build()
            .unwrap();
        let id = ebs.start_snapshot(req).await.unwrap().snapshot_id;
        let describe = || async {
            let req = DescribeSnapshotsRequest::builder()
                .snapshot_ids(vec![id.clone()])
                .build()
                .unwrap();
            ebs.describe_snapshots(req).await.unwrap()
        };
        let seen = describe().await;
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].state, SnapshotState::Pending);
        assert_eq!(seen[0].volume_id, None);
        assert_eq!(seen[0].volume_size_gib, 3);
        assert_eq!(seen[0].description.as_deref(), Some("direct upload"));
        assert!(seen[0].encrypted);
        complete(&ebs, &id, &BTreeMap::new()).await;
        // Settled by any EBS call (here, a list).
        all_snapshot_blocks(&ebs, &id).await.unwrap();
        assert_eq!(describe().await[0].state, SnapshotState::Completed);
        assert_eq!(ebs.inventory().count("snapshot"), 1, "counted once, by EC2");
    }

    /// EC2's DescribeSnapshots settles direct snapshots itself: a completed upload shows
    /// `completed` with no EBS call after CompleteSnapshot (what a waiter polling EC2 sees).
    #[tokio::test(start_paused = true)]
    async fn describe_snapshots_alone_sees_a_direct_snapshot_complete() {
        use crate::ec2::{DescribeSnapshotsRequest, Ec2};
        let ebs = sim();
        let id = start(&ebs, 1, None).await;
        complete(&ebs, &id, &BTreeMap::new()).await;
        let req = DescribeSnapshotsRequest::builder()
            .snapshot_ids(vec![id.clone()])
            .build()
            .unwrap();
        assert_eq!(
            ebs.describe_snapshots(req).await.unwrap()[0].state,
            SnapshotState::Completed
        );
    }

    /// EC2 DeleteSnapshot ends a direct snapshot for the EBS direct APIs too: reads answer
    /// `ResourceNotFoundException`, a snapshot deleted while completing does not come back to
    /// EC2 when it would have completed, and a child still reads the blocks it inherited.
    #[tokio::test(start_paused = true)]
    async fn a_snapshot_deleted_through_ec2_is_gone_for_the_direct_apis() {
        use crate::ec2::Ec2;
        let ebs = sim();
        let parent = start(&ebs, 1, None).await;
        let digests = put_all(&ebs, &parent, &[(0, data(1))]).await;
        complete(&ebs, &parent, &digests).await;
        let child = start(&ebs, 1, Some(&parent)).await;
        complete(&ebs, &child, &BTreeMap::new()).await;
        ebs.delete_snapshot(parent.clone()).await.unwrap();
        let e = all_snapshot_blocks(&ebs, &parent).await.unwrap_err();
        assert_eq!(code(&e), "ResourceNotFoundException", "{e:?}");
        let inherited = all_snapshot_blocks(&ebs, &child).await.unwrap();
        assert_eq!(inherited.len(), 1);
        let got = get(&ebs, &child, 0, &inherited[0].token).await.unwrap();
        assert_eq!(got.data, data(1));
        ebs.delete_snapshot(child).await.unwrap();

        let sealing = start(&ebs, 1, None).await;
        let req = CompleteSnapshotRequest::builder()
            .snapshot_id(sealing.clone())
            .changed_blocks_count(0)
            .build()
            .unwrap();
        assert_eq!(ebs.complete_snapshot(req).await.unwrap(), DirectSnapshotStatus::Pending);
        ebs.delete_snapshot(sealing.clone()).await.unwrap();
        tokio::time::advance(COMPLETE).await;
        let put = PutSnapshotBlockRequest::with_checksum(sealing, 0, data(2)).unwrap();
        assert!(ebs.put_snapshot_block(put).await.unwrap_err().is_not_found());
        assert!(ebs.inventory().is_empty(), "{}", ebs.inventory());
    }
}
