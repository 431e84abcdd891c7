//! The EBS direct APIs: write a snapshot block by block, read its blocks back, and compare
//! two snapshots of one lineage.
//!
//! The [`Ebs`] trait is implemented by [`SdkEbs`](sdk::SdkEbs) (feature `ebs`), by the
//! simulator ([`SimCloud`](crate::sim::SimCloud)), by any [`Layered`](crate::layer::Layered)
//! wrapper, and by `MockEbs` (feature `mock`).
//!
//! Blocks are exactly [`BLOCK_SIZE`] (512 KiB) bytes. Every block carries a base64 SHA-256
//! checksum ([`block_checksum`]); [`CompleteSnapshot`](Ebs::complete_snapshot) may carry the
//! `LINEAR` aggregate ([`linear_checksum`]). Blocks never written (zero blocks) are not stored
//! and not listed.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::ebs::*;
//! let sim = aws_facade::sim::SimCloud::with_config(aws_facade::sim::SimConfig::instant());
//! let ebs = sim.cloud().ebs;
//! let snap = ebs.start_snapshot(StartSnapshotRequest::builder().volume_size_gib(1).build()?).await?;
//! let data = vec![7u8; BLOCK_SIZE];
//! let put = PutSnapshotBlockRequest::with_checksum(snap.snapshot_id.clone(), 3, data.clone())?;
//! let digest = block_digest(&data);
//! ebs.put_snapshot_block(put).await?;
//! let done = CompleteSnapshotRequest::builder()
//!     .snapshot_id(snap.snapshot_id.clone())
//!     .changed_blocks_count(1)
//!     .checksum(linear_checksum([&digest]))
//!     .build()?;
//! assert_eq!(ebs.complete_snapshot(done).await?, DirectSnapshotStatus::Completed);
//! let blocks = all_snapshot_blocks(&*ebs, &snap.snapshot_id).await?;
//! assert_eq!(blocks.len(), 1);
//! let got = ebs
//!     .get_snapshot_block(
//!         GetSnapshotBlockRequest::builder()
//!             .snapshot_id(snap.snapshot_id.clone())
//!             .block_index(3)
//!             .block_token(blocks[0].token.clone())
//!             .build()?,
//!     )
//!     .await?;
//! assert_eq!(&got.data[..], &data[..]);
//! assert!(got.is_intact());
//! # Ok(()) }
//! ```

#[cfg(feature = "ebs")]
pub mod sdk;

mod ext;
pub use ext::EbsExt;

use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bon::Builder;
use bytes::Bytes;
use futures::Stream;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Tags;
use crate::error::{Error, Result, Service};
use crate::id::SnapshotId;
use crate::macros::{service_trait, validated_builder};
use crate::secret::Payload;
use crate::validate::{self, Validate};

service_trait! {
    /// The EBS direct APIs. The two list methods return ONE page (with its `next_token`), so a
    /// caller can stream a large snapshot; [`all_snapshot_blocks`] and [`all_changed_blocks`]
    /// walk every page.
    ///
    /// Outputs have builders or constructors, so a mock (`MockEbs`, feature `mock`) answers in
    /// a line:
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use aws_facade::ebs::{Block, BlockData, BlockPage, Ebs, MockEbs};
    ///
    /// let mut ebs = MockEbs::new();
    /// ebs.expect_list_snapshot_blocks().returning(|_| {
    ///     let block = Block::builder().index(0).token("t0").build();
    ///     Ok(BlockPage::builder().blocks(vec![block]).volume_size_gib(1).build())
    /// });
    /// ebs.expect_get_snapshot_block().returning(|_| Ok(BlockData::new(vec![1u8; 512 * 1024])));
    /// let req = aws_facade::ebs::ListSnapshotBlocksRequest::builder()
    ///     .snapshot_id("snap-0123456789abcdef0".parse().unwrap())
    ///     .build()
    ///     .unwrap();
    /// let page = futures::executor::block_on(ebs.list_snapshot_blocks(req)).unwrap();
    /// assert_eq!((page.blocks[0].index, page.block_size), (0, 524_288));
    /// # }
    /// ```
    pub trait Ebs (Service::Ebs, EBS_OPERATIONS, EBS_IAM_ACTIONS) {
        /// Starts a snapshot (state `pending`) to be written with
        /// [`put_snapshot_block`](Ebs::put_snapshot_block).
        fn start_snapshot(req: StartSnapshotRequest) -> StartedSnapshot = "StartSnapshot" => "ebs:StartSnapshot";
        /// Writes one block of a `pending` snapshot (overwriting an earlier write of that
        /// index); returns the checksum the service echoes.
        fn put_snapshot_block(req: PutSnapshotBlockRequest) -> String = "PutSnapshotBlock" => "ebs:PutSnapshotBlock";
        /// Seals a snapshot after its blocks are written; returns its status
        /// (`pending` until the service has finished, then `completed`).
        fn complete_snapshot(req: CompleteSnapshotRequest) -> DirectSnapshotStatus = "CompleteSnapshot" => "ebs:CompleteSnapshot";
        /// One page of the blocks of a completed snapshot (with its parent's), in index order.
        fn list_snapshot_blocks(req: ListSnapshotBlocksRequest) -> BlockPage = "ListSnapshotBlocks" => "ebs:ListSnapshotBlocks";
        /// One page of the blocks that differ between two snapshots of one lineage (or all
        /// blocks of the second when no first snapshot is given).
        fn list_changed_blocks(req: ListChangedBlocksRequest) -> ChangedBlockPage = "ListChangedBlocks" => "ebs:ListChangedBlocks";
        /// The data of one block (by the token a list call returned).
        fn get_snapshot_block(req: GetSnapshotBlockRequest) -> BlockData = "GetSnapshotBlock" => "ebs:GetSnapshotBlock";
    }
}

// ---------------------------------------------------------------------------------------------
// Blocks and checksums

/// The size of every block, in bytes: 512 KiB (EBS direct APIs reference, PutSnapshotBlock:
/// "DataLength ... Currently, the only supported size is 524288 bytes").
pub const BLOCK_SIZE: usize = 524_288;

/// Blocks per GiB of volume (1 GiB / 512 KiB).
pub const BLOCKS_PER_GIB: u32 = 2048;

/// The largest volume StartSnapshot accepts, in GiB (64 TiB; EBS direct APIs reference,
/// StartSnapshot `VolumeSize`).
pub const MAX_VOLUME_SIZE_GIB: u32 = 65_536;

/// The longest snapshot tag key, in characters: 127 (EBS direct APIs model, `TagKey`: `max`
/// 127, pattern `^[\S\s]+$`, so at least one character). Shorter than EC2's 128.
pub const MAX_TAG_KEY_CHARS: usize = 127;
/// The longest snapshot tag value, in characters: 255 (model `TagValue`: `max` 255).
pub const MAX_TAG_VALUE_CHARS: usize = 255;
/// EBS direct APIs tags: keys 1-127 and values 0-255 characters of any kind (model `TagKey`,
/// `TagValue`).
pub const TAG_RULES: validate::TagRules = validate::TagRules {
    max_key_chars: MAX_TAG_KEY_CHARS,
    max_value_chars: MAX_TAG_VALUE_CHARS,
    charset: None,
};
/// The longest snapshot description, in characters (model `Description`: `max` 255, pattern
/// `^[\S\s]+$`: at least one character).
pub const MAX_DESCRIPTION_CHARS: usize = 255;
/// The longest idempotency token, in characters (model `IdempotencyToken`: `max` 255, pattern
/// `^[\S]+$`: no whitespace).
pub const MAX_CLIENT_TOKEN_CHARS: usize = 255;
/// The longest KMS key ARN, in characters (model `KmsKeyArn`: 1-2,048).
pub const MAX_KMS_KEY_ARN_CHARS: usize = 2_048;
/// The longest pagination token, in characters (model `PageToken`: `max` 256, pattern
/// `^[A-Za-z0-9+/=]+$`).
pub const MAX_NEXT_TOKEN_CHARS: usize = 256;

/// Whether `arn` is a KMS key ARN as the model's `KmsKeyArn` pattern describes it
/// (`arn:aws[a-z\-]*:kms:.*:[0-9]{12}:key/.*`, matched against the whole string; an alias ARN
/// or a bare key id does not match).
pub fn is_kms_key_arn(arn: &str) -> bool {
    if arn.contains(['\n', '\r']) {
        return false;
    }
    let Some(rest) = arn.strip_prefix("arn:aws") else {
        return false;
    };
    let Some((partition_tail, rest)) = rest.split_once(':') else {
        return false;
    };
    if !partition_tail.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
        return false;
    }
    let Some(rest) = rest.strip_prefix("kms:") else {
        return false;
    };
    // `.*:[0-9]{12}:key/.*`: some `:`, twelve digits, `:key/` after the region.
    rest.match_indices(':').any(|(i, _)| {
        let tail = &rest[i + 1..];
        tail.len() >= 17 && tail.as_bytes()[..12].iter().all(u8::is_ascii_digit) && tail[12..].starts_with(":key/")
    })
}

/// How many blocks a volume of `size_gib` GiB has (2048 per GiB); the valid block indexes are
/// `0..blocks_for_gib(size_gib)`.
pub fn blocks_for_gib(size_gib: u32) -> u32 {
    size_gib.saturating_mul(BLOCKS_PER_GIB)
}

/// The raw SHA-256 digest of a block's data.
pub fn block_digest(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// The checksum PutSnapshotBlock expects and GetSnapshotBlock returns: the base64 (standard
/// alphabet, padded) SHA-256 of the block's data ("Use EBS direct APIs checksums to validate
/// snapshot data", Amazon EBS User Guide).
pub fn block_checksum(data: &[u8]) -> String {
    B64.encode(block_digest(data))
}

/// Decodes a block checksum into its raw 32-byte digest; `None` unless it is the base64 of
/// exactly 32 bytes.
pub fn decode_checksum(checksum: &str) -> Option<[u8; 32]> {
    B64.decode(checksum).ok()?.try_into().ok()
}

/// The `LINEAR` aggregate checksum CompleteSnapshot may carry.
///
/// The AWS rule ("EBS direct APIs checksums", Amazon EBS User Guide; CompleteSnapshot
/// `Checksum`): arrange the checksums of the blocks written **in this snapshot** in ascending
/// block index order, concatenate them and take the SHA-256 of the whole, base64-encoded. What
/// is concatenated is each block's raw 32-byte SHA-256 digest (not its base64 text), as AWS's
/// own uploader (awslabs/coldsnap) does. Pass the digests in index order, e.g. from a
/// `BTreeMap<u32, [u8; 32]>`'s values.
pub fn linear_checksum<'a>(block_digests_in_index_order: impl IntoIterator<Item = &'a [u8; 32]>) -> String {
    let mut h = Sha256::new();
    for d in block_digests_in_index_order {
        h.update(d);
    }
    B64.encode(h.finalize())
}

/// Checks that `checksum` is a base64 SHA-256 (decodes to 32 bytes).
fn check_checksum(field: &str, checksum: &str) -> Result<()> {
    // EBS direct APIs reference: Checksum is at most 64 characters, pattern ^[A-Za-z0-9+/=]+$.
    validate::len_in(field, checksum, 1, 64)?;
    if !is_base64_text(checksum) {
        return Err(Error::validation(
            field,
            format!("must match ^[A-Za-z0-9+/=]+$ (got {checksum:?})"),
        ));
    }
    if decode_checksum(checksum).is_none() {
        return Err(Error::validation(
            field,
            format!("must be the base64 of a 32-byte SHA-256 digest (got {checksum:?})"),
        ));
    }
    Ok(())
}

/// Checks a block index against the largest possible volume (the service checks it against
/// the snapshot's own size).
fn check_block_index(field: &str, index: u32) -> Result<()> {
    let max = blocks_for_gib(MAX_VOLUME_SIZE_GIB);
    if index >= max {
        return Err(Error::validation(
            field,
            format!("must be below {max} (the block count of a 64 TiB volume; got {index})"),
        ));
    }
    Ok(())
}

fn check_page(max_results: Option<u32>, next_token: &Option<String>) -> Result<()> {
    // EBS direct APIs reference, ListSnapshotBlocks / ListChangedBlocks: MaxResults 100-10,000,
    // NextToken at most 256 characters.
    if let Some(m) = max_results {
        validate::in_range("max_results", m, 100, 10_000)?;
    }
    if let Some(t) = next_token {
        // The pattern is not checked: tokens are opaque and come from the service (the
        // simulator's contain `-`).
        validate::len_in("next_token", t, 0, MAX_NEXT_TOKEN_CHARS)?;
    }
    Ok(())
}

/// The base64 alphabet of the model's `Checksum` pattern (`^[A-Za-z0-9+/=]+$`).
fn is_base64_text(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
}

// ---------------------------------------------------------------------------------------------
// StartSnapshot

crate::macros::open_enum! {
    /// The status of a snapshot written through the EBS direct APIs.
    pub enum DirectSnapshotStatus {
        /// Being written (or completing).
        Pending = "pending",
        /// Complete: its blocks can be listed and read.
        Completed = "completed",
        /// Failed (timed out, or its aggregate checksum did not match).
        Error = "error",
    }
}

/// A request to start a snapshot. Defaults: encrypted, 60-minute timeout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct StartSnapshotRequest {
    /// The size of the volume the snapshot is of, in GiB: 1-65,536. With a parent, at least
    /// the parent's size.
    pub volume_size_gib: u32,
    /// The parent snapshot (completed); the new snapshot starts as its copy and records only
    /// the blocks written to it.
    pub parent_snapshot_id: Option<SnapshotId>,
    /// A description (1-255 characters).
    pub description: Option<String>,
    /// Tags.
    #[builder(default)]
    pub tags: Tags,
    /// An idempotency token (1-255 characters, no whitespace): a retry with the same token and the same
    /// parameters returns the same snapshot; different parameters are a `ConflictException`.
    pub client_token: Option<String>,
    /// Encrypt the snapshot (default `true`: secure by default). With a parent snapshot the
    /// snapshot inherits the parent's encryption and this field is not sent (AWS rejects
    /// `Encrypted` together with `ParentSnapshotId`); `false` with a parent is refused.
    #[builder(default = true)]
    pub encrypted: bool,
    /// The KMS key to encrypt with (default: the account's EBS key); requires `encrypted`.
    pub kms_key_arn: Option<String>,
    /// Minutes after which a snapshot that is not written to, or not completed after its last
    /// write, is cancelled (state `error`): 10-4,320, default 60.
    #[builder(default = 60)]
    pub timeout_minutes: u32,
}
validated_builder!(
    StartSnapshotRequest,
    StartSnapshotRequestBuilder,
    start_snapshot_request_builder
);

impl Validate for StartSnapshotRequest {
    fn validate(&self) -> Result<()> {
        // EBS direct APIs model, StartSnapshotRequest: VolumeSize at least 1 (at most 65,536
        // GiB: EBS quotas); Description 1-255 (`^[\S\s]+$`); ClientToken up to 255 without
        // whitespace (`^[\S]+$`); Timeout 10-4,320 minutes; KmsKeyArn 1-2,048 matching
        // `arn:aws[a-z\-]*:kms:.*:[0-9]{12}:key/.*`.
        validate::in_range("volume_size_gib", self.volume_size_gib, 1, MAX_VOLUME_SIZE_GIB)?;
        if let Some(d) = &self.description {
            validate::len_in("description", d, 1, MAX_DESCRIPTION_CHARS)?;
        }
        if let Some(t) = &self.client_token {
            validate::len_in("client_token", t, 1, MAX_CLIENT_TOKEN_CHARS)?;
            if t.chars().any(char::is_whitespace) {
                return Err(Error::validation(
                    "client_token",
                    format!("must not contain whitespace (got {t:?})"),
                ));
            }
        }
        validate::in_range("timeout_minutes", self.timeout_minutes, 10, 4_320)?;
        if let Some(k) = &self.kms_key_arn {
            validate::len_in("kms_key_arn", k, 1, MAX_KMS_KEY_ARN_CHARS)?;
            if !is_kms_key_arn(k) {
                return Err(Error::validation(
                    "kms_key_arn",
                    format!("must be a KMS key ARN like arn:aws:kms:us-east-1:123456789012:key/ID (got {k:?})"),
                ));
            }
            if !self.encrypted {
                return Err(Error::validation("kms_key_arn", "requires encrypted = true"));
            }
        }
        if self.parent_snapshot_id.is_some() && !self.encrypted {
            return Err(Error::validation(
                "encrypted",
                "cannot be set to false with parent_snapshot_id: the snapshot inherits the parent's encryption",
            ));
        }
        validate::tags_with("tags", &self.tags, TAG_RULES)
    }
}

/// A snapshot just started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct StartedSnapshot {
    /// Its id.
    pub snapshot_id: SnapshotId,
    /// The block size in bytes (524,288).
    #[builder(default = BLOCK_SIZE as u32)]
    pub block_size: u32,
    /// The volume size in GiB.
    pub volume_size_gib: u32,
    /// Its status (`pending`).
    #[builder(default = DirectSnapshotStatus::Pending)]
    pub status: DirectSnapshotStatus,
    /// Its parent, if it has one.
    pub parent_snapshot_id: Option<SnapshotId>,
}

// ---------------------------------------------------------------------------------------------
// PutSnapshotBlock

/// A request to write one block. [`PutSnapshotBlockRequest::with_checksum`] computes the
/// checksum.
#[derive(Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct PutSnapshotBlockRequest {
    /// The snapshot (must be `pending`).
    pub snapshot_id: SnapshotId,
    /// The block index: the byte offset in the volume / 524,288.
    pub block_index: u32,
    /// The data: exactly [`BLOCK_SIZE`] bytes.
    #[builder(into)]
    pub data: Bytes,
    /// The base64 SHA-256 of `data` ([`block_checksum`]); the service verifies it.
    pub checksum: String,
    /// The upload's progress in percent (0-100), for the console.
    pub progress: Option<u8>,
}
validated_builder!(
    PutSnapshotBlockRequest,
    PutSnapshotBlockRequestBuilder,
    put_snapshot_block_request_builder
);

impl PutSnapshotBlockRequest {
    /// A validated request for `data` at `block_index`, with its checksum computed.
    pub fn with_checksum(snapshot_id: SnapshotId, block_index: u32, data: impl Into<Bytes>) -> Result<Self> {
        let data = data.into();
        let req = PutSnapshotBlockRequest {
            snapshot_id,
            block_index,
            checksum: block_checksum(&data),
            data,
            progress: None,
        };
        req.validate()?;
        Ok(req)
    }
}

impl std::fmt::Debug for PutSnapshotBlockRequest {
    /// Shows the data's length and SHA-256 prefix, not half a megabyte of bytes (a volume's
    /// blocks may hold anything, keys included).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Every field by name, so a new field cannot be left out unnoticed.
        let PutSnapshotBlockRequest {
            snapshot_id,
            block_index,
            data,
            checksum,
            progress,
        } = self;
        f.debug_struct("PutSnapshotBlockRequest")
            .field("snapshot_id", snapshot_id)
            .field("block_index", block_index)
            .field("data", &Payload(data))
            .field("checksum", checksum)
            .field("progress", progress)
            .finish()
    }
}

impl Validate for PutSnapshotBlockRequest {
    fn validate(&self) -> Result<()> {
        check_block_index("block_index", self.block_index)?;
        if self.data.len() != BLOCK_SIZE {
            return Err(Error::validation(
                "data",
                format!(
                    "must be exactly {BLOCK_SIZE} bytes (one block; pad the last block with zeros), got {}",
                    self.data.len()
                ),
            ));
        }
        check_checksum("checksum", &self.checksum)?;
        if let Some(p) = self.progress {
            validate::in_range("progress", p, 0, 100)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// CompleteSnapshot

/// How the aggregate checksum of CompleteSnapshot is computed; AWS supports only `LINEAR`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ChecksumAggregationMethod {
    /// SHA-256 over the per-block digests in index order ([`linear_checksum`]).
    #[default]
    #[serde(rename = "LINEAR")]
    Linear,
}

impl ChecksumAggregationMethod {
    /// The AWS name (`LINEAR`).
    pub fn as_str(&self) -> &'static str {
        match self {
            ChecksumAggregationMethod::Linear => "LINEAR",
        }
    }
}

/// A request to complete (seal) a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct CompleteSnapshotRequest {
    /// The snapshot (must be `pending`).
    pub snapshot_id: SnapshotId,
    /// How many distinct blocks were written to this snapshot.
    pub changed_blocks_count: u32,
    /// The aggregate checksum of the blocks written to this snapshot ([`linear_checksum`]);
    /// a mismatch puts the snapshot in `error`.
    pub checksum: Option<String>,
    /// How `checksum` was aggregated (`LINEAR`, the only method).
    #[builder(default)]
    pub checksum_aggregation_method: ChecksumAggregationMethod,
}
validated_builder!(
    CompleteSnapshotRequest,
    CompleteSnapshotRequestBuilder,
    complete_snapshot_request_builder
);

impl Validate for CompleteSnapshotRequest {
    fn validate(&self) -> Result<()> {
        let max = blocks_for_gib(MAX_VOLUME_SIZE_GIB);
        if self.changed_blocks_count > max {
            return Err(Error::validation(
                "changed_blocks_count",
                format!(
                    "must be at most {max} (the block count of a 64 TiB volume; got {})",
                    self.changed_blocks_count
                ),
            ));
        }
        if let Some(c) = &self.checksum {
            check_checksum("checksum", c)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// ListSnapshotBlocks / ListChangedBlocks

/// A request for one page of a snapshot's blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct ListSnapshotBlocksRequest {
    /// The snapshot (must be `completed`).
    pub snapshot_id: SnapshotId,
    /// List only blocks at or after this index.
    pub starting_block_index: Option<u32>,
    /// The page size: 100-10,000 (the service's default when absent).
    pub max_results: Option<u32>,
    /// The token of the previous page.
    pub next_token: Option<String>,
}
validated_builder!(
    ListSnapshotBlocksRequest,
    ListSnapshotBlocksRequestBuilder,
    list_snapshot_blocks_request_builder
);

impl Validate for ListSnapshotBlocksRequest {
    fn validate(&self) -> Result<()> {
        if let Some(i) = self.starting_block_index {
            check_block_index("starting_block_index", i)?;
        }
        check_page(self.max_results, &self.next_token)
    }
}

/// A block that holds data, with the token to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Block {
    /// Its index.
    pub index: u32,
    /// The opaque token GetSnapshotBlock needs (valid for 7 days, for this snapshot and index).
    pub token: String,
}

/// One page of a snapshot's blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct BlockPage {
    /// The blocks, in index order.
    #[builder(default)]
    pub blocks: Vec<Block>,
    /// The token of the next page, if there is one.
    pub next_token: Option<String>,
    /// The block size in bytes.
    #[builder(default = BLOCK_SIZE as u32)]
    pub block_size: u32,
    /// The volume size in GiB.
    pub volume_size_gib: u32,
    /// When the block tokens expire.
    pub expiry_time: Option<SystemTime>,
}

/// A request for one page of the blocks that differ between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct ListChangedBlocksRequest {
    /// The older snapshot; absent: every block of the second snapshot is listed.
    pub first_snapshot_id: Option<SnapshotId>,
    /// The newer snapshot.
    pub second_snapshot_id: SnapshotId,
    /// List only blocks at or after this index.
    pub starting_block_index: Option<u32>,
    /// The page size: 100-10,000 (the service's default when absent).
    pub max_results: Option<u32>,
    /// The token of the previous page.
    pub next_token: Option<String>,
}
validated_builder!(
    ListChangedBlocksRequest,
    ListChangedBlocksRequestBuilder,
    list_changed_blocks_request_builder
);

impl Validate for ListChangedBlocksRequest {
    fn validate(&self) -> Result<()> {
        if let Some(i) = self.starting_block_index {
            check_block_index("starting_block_index", i)?;
        }
        if self.first_snapshot_id.as_ref() == Some(&self.second_snapshot_id) {
            return Err(Error::validation(
                "first_snapshot_id",
                "must differ from second_snapshot_id",
            ));
        }
        check_page(self.max_results, &self.next_token)
    }
}

/// A block that differs between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct ChangedBlock {
    /// Its index.
    pub index: u32,
    /// The token to read it from the first snapshot (absent if it holds no data there).
    pub first_token: Option<String>,
    /// The token to read it from the second snapshot (absent if it holds no data there).
    pub second_token: Option<String>,
}

/// One page of changed blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct ChangedBlockPage {
    /// The blocks, in index order.
    #[builder(default)]
    pub blocks: Vec<ChangedBlock>,
    /// The token of the next page, if there is one.
    pub next_token: Option<String>,
    /// The block size in bytes.
    #[builder(default = BLOCK_SIZE as u32)]
    pub block_size: u32,
    /// The volume size in GiB (of the second snapshot).
    pub volume_size_gib: u32,
    /// When the block tokens expire.
    pub expiry_time: Option<SystemTime>,
}

// ---------------------------------------------------------------------------------------------
// GetSnapshotBlock

/// A request to read one block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct GetSnapshotBlockRequest {
    /// The snapshot.
    pub snapshot_id: SnapshotId,
    /// The block index.
    pub block_index: u32,
    /// The token from ListSnapshotBlocks or ListChangedBlocks for this snapshot and index.
    pub block_token: String,
}
validated_builder!(
    GetSnapshotBlockRequest,
    GetSnapshotBlockRequestBuilder,
    get_snapshot_block_request_builder
);

impl Validate for GetSnapshotBlockRequest {
    fn validate(&self) -> Result<()> {
        check_block_index("block_index", self.block_index)?;
        // EBS direct APIs reference, GetSnapshotBlock: BlockToken at most 256 characters,
        // pattern ^[A-Za-z0-9+/=]+$. A token is opaque and comes from the service, so `-` is
        // let through as well: moto 5.2.5 issues UUID tokens (a listed deviation) and the
        // service, not the client, is the judge of its own tokens.
        validate::len_in("block_token", &self.block_token, 1, 256)?;
        if !self
            .block_token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-'))
        {
            return Err(Error::validation(
                "block_token",
                "must contain only A-Z, a-z, 0-9, +, /, = (and -)",
            ));
        }
        Ok(())
    }
}

/// A block's data.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlockData {
    /// The data.
    pub data: Bytes,
    /// The base64 SHA-256 the service sent with it.
    pub checksum: String,
    /// The data length the service reported.
    pub data_length: u32,
}

impl BlockData {
    /// A block's data with its true checksum and length (what GetSnapshotBlock answers for an
    /// intact block; for fakes and mocks).
    ///
    /// ```
    /// let b = aws_facade::ebs::BlockData::new(vec![7u8; 4096]);
    /// assert!(b.is_intact());
    /// assert_eq!(b.data_length, 4096);
    /// ```
    pub fn new(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        BlockData {
            checksum: block_checksum(&data),
            data_length: u32::try_from(data.len()).unwrap_or(u32::MAX),
            data,
        }
    }

    /// Whether the data matches its checksum and length (check it before trusting the data;
    /// AWS advises a retry otherwise).
    pub fn is_intact(&self) -> bool {
        self.data.len() == self.data_length as usize && block_checksum(&self.data) == self.checksum
    }
}

impl std::fmt::Debug for BlockData {
    /// Shows the data's length and SHA-256 prefix, not half a megabyte of bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let BlockData {
            data,
            checksum,
            data_length,
        } = self;
        f.debug_struct("BlockData")
            .field("data", &Payload(data))
            .field("checksum", checksum)
            .field("data_length", data_length)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Paging helpers

/// Every block of a completed snapshot, following all pages.
pub async fn all_snapshot_blocks<E: Ebs + ?Sized>(ebs: &E, snapshot_id: &SnapshotId) -> Result<Vec<Block>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let req = ListSnapshotBlocksRequest {
            snapshot_id: snapshot_id.clone(),
            starting_block_index: None,
            max_results: None,
            next_token: token.take(),
        };
        let page = ebs.list_snapshot_blocks(req).await?;
        out.extend(page.blocks);
        match page.next_token {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => return Ok(out),
        }
    }
}

/// Every block that differs between `first` (or nothing) and `second`, following all pages.
pub async fn all_changed_blocks<E: Ebs + ?Sized>(
    ebs: &E,
    first: Option<&SnapshotId>,
    second: &SnapshotId,
) -> Result<Vec<ChangedBlock>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let req = ListChangedBlocksRequest {
            first_snapshot_id: first.cloned(),
            second_snapshot_id: second.clone(),
            starting_block_index: None,
            max_results: None,
            next_token: token.take(),
        };
        let page = ebs.list_changed_blocks(req).await?;
        out.extend(page.blocks);
        match page.next_token {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => return Ok(out),
        }
    }
}

/// The blocks of a completed snapshot as a stream, fetching one page at a time (pages of
/// `max_results`, or the service's default). The stream ends after the first error.
pub fn snapshot_blocks_stream<'a, E: Ebs + ?Sized>(
    ebs: &'a E,
    snapshot_id: SnapshotId,
    max_results: Option<u32>,
) -> impl Stream<Item = Result<Block>> + Send + 'a {
    enum Next {
        Page(Option<String>),
        Done,
    }
    let pages = futures::stream::unfold(Next::Page(None), move |next| {
        let snapshot_id = snapshot_id.clone();
        async move {
            let token = match next {
                Next::Page(t) => t,
                Next::Done => return None,
            };
            let req = ListSnapshotBlocksRequest {
                snapshot_id,
                starting_block_index: None,
                max_results,
                next_token: token,
            };
            match ebs.list_snapshot_blocks(req).await {
                Ok(page) => {
                    let next = match page.next_token {
                        Some(t) if !t.is_empty() => Next::Page(Some(t)),
                        _ => Next::Done,
                    };
                    let items: Vec<Result<Block>> = page.blocks.into_iter().map(Ok).collect();
                    Some((futures::stream::iter(items), next))
                }
                Err(e) => Some((futures::stream::iter(vec![Err(e)]), Next::Done)),
            }
        }
    });
    futures::StreamExt::flatten(pages)
}

// `FromStr` for the enums above that parse their AWS names.
crate::macros::from_str_by_parse!(DirectSnapshotStatus => "snapshot status");

#[cfg(test)]
mod tests {
    use super::*;

    fn snap() -> SnapshotId {
        "snap-0123456789abcdef0".parse().unwrap()
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn checksums_follow_the_aws_rule() {
        // SHA-256 of 524,288 zero bytes, base64.
        let zeros = vec![0u8; BLOCK_SIZE];
        let c = block_checksum(&zeros);
        assert_eq!(c.len(), 44);
        assert_eq!(decode_checksum(&c), Some(block_digest(&zeros)));
        assert_eq!(decode_checksum("not base64!"), None);
        assert_eq!(decode_checksum(&B64.encode([1u8; 31])), None);
        // LINEAR: SHA-256 over the raw digests concatenated in index order.
        let a = block_digest(b"a");
        let b = block_digest(b"b");
        let mut cat = Vec::new();
        cat.extend_from_slice(&a);
        cat.extend_from_slice(&b);
        assert_eq!(linear_checksum([&a, &b]), B64.encode(Sha256::digest(&cat)));
        assert_ne!(linear_checksum([&a, &b]), linear_checksum([&b, &a]), "order matters");
        assert_eq!(blocks_for_gib(1), 2048);
        assert_eq!(blocks_for_gib(65_536), 134_217_728);
    }

    #[test]
    fn start_snapshot_rules() {
        let b = || StartSnapshotRequest::builder().volume_size_gib(8);
        let ok = b().build().unwrap();
        assert!(ok.encrypted, "encrypted by default");
        assert_eq!(ok.timeout_minutes, 60);
        assert_eq!(
            field_of(StartSnapshotRequest::builder().volume_size_gib(0).build().unwrap_err()),
            "volume_size_gib"
        );
        assert_eq!(
            field_of(
                StartSnapshotRequest::builder()
                    .volume_size_gib(65_537)
                    .build()
                    .unwrap_err()
            ),
            "volume_size_gib"
        );
        assert!(StartSnapshotRequest::builder().volume_size_gib(65_536).build().is_ok());
        assert_eq!(
            field_of(b().description("x".repeat(256)).build().unwrap_err()),
            "description"
        );
        // Model `IdempotencyToken`: at most 255, `^[\S]+$`.
        assert!(b().client_token("x".repeat(255)).build().is_ok());
        assert_eq!(
            field_of(b().client_token("x".repeat(256)).build().unwrap_err()),
            "client_token"
        );
        assert_eq!(field_of(b().client_token("a b").build().unwrap_err()), "client_token");
        // Model `Description`: 1-255 (`^[\S\s]+$`), counted in characters.
        assert!(b().description("é".repeat(255)).build().is_ok());
        assert_eq!(field_of(b().description("").build().unwrap_err()), "description");
        // Model `KmsKeyArn`: `arn:aws[a-z\-]*:kms:.*:[0-9]{12}:key/.*`.
        for ok in [
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/k",
            "arn:aws-cn:kms::123456789012:key/",
        ] {
            assert!(b().kms_key_arn(ok).build().is_ok(), "{ok}");
        }
        for bad in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/ebs",
            "arn:aws:kms:us-east-1:123456789012:alias/ebs",
            "arn:aws:ebs:us-east-1:123456789012:key/k",
            "arn:aws:kms:us-east-1:12345678901:key/k",
            "arn:AWS:kms:us-east-1:123456789012:key/k",
        ] {
            assert_eq!(
                field_of(b().kms_key_arn(bad).build().unwrap_err()),
                "kms_key_arn",
                "{bad}"
            );
        }
        // Model `TagKey` 1-127, `TagValue` 0-255 (EC2 allows 128 / 256).
        let tag = |k: String, v: String| b().tags(Tags::from([(k, v)])).build();
        assert!(tag("k".repeat(127), "v".repeat(255)).is_ok());
        assert_eq!(field_of(tag("k".repeat(128), "v".into()).unwrap_err()), "tags");
        assert_eq!(field_of(tag("k".into(), "v".repeat(256)).unwrap_err()), "tags");
        assert_eq!(field_of(b().timeout_minutes(9).build().unwrap_err()), "timeout_minutes");
        assert_eq!(
            field_of(b().timeout_minutes(4_321).build().unwrap_err()),
            "timeout_minutes"
        );
        assert!(b().timeout_minutes(4_320).build().is_ok());
        assert_eq!(
            field_of(
                b().encrypted(false)
                    .kms_key_arn("arn:aws:kms:us-east-1:123456789012:key/k")
                    .build()
                    .unwrap_err()
            ),
            "kms_key_arn"
        );
        assert_eq!(
            field_of(b().parent_snapshot_id(snap()).encrypted(false).build().unwrap_err()),
            "encrypted"
        );
        let mut tags = Tags::new();
        tags.insert("aws:x".into(), "y".into());
        assert_eq!(field_of(b().tags(tags).build().unwrap_err()), "tags");
    }

    #[test]
    fn put_block_rules() {
        let data = vec![1u8; BLOCK_SIZE];
        let ok = PutSnapshotBlockRequest::with_checksum(snap(), 5, data.clone()).unwrap();
        assert_eq!(ok.checksum, block_checksum(&data));
        assert!(
            format!("{ok:?}").contains("<524288 bytes, sha256 "),
            "Debug does not dump the data"
        );
        // Wrong length, both ways.
        let e = PutSnapshotBlockRequest::with_checksum(snap(), 0, vec![1u8; BLOCK_SIZE - 1]).unwrap_err();
        assert_eq!(field_of(e), "data");
        let e = PutSnapshotBlockRequest::with_checksum(snap(), 0, vec![1u8; BLOCK_SIZE + 1]).unwrap_err();
        assert_eq!(field_of(e), "data");
        // An index beyond the largest volume.
        let e = PutSnapshotBlockRequest::with_checksum(snap(), blocks_for_gib(65_536), data.clone()).unwrap_err();
        assert_eq!(field_of(e), "block_index");
        // A checksum that is not a base64 SHA-256.
        let b = || {
            PutSnapshotBlockRequest::builder()
                .snapshot_id(snap())
                .block_index(0)
                .data(data.clone())
        };
        assert_eq!(field_of(b().checksum("abc").build().unwrap_err()), "checksum");
        assert_eq!(field_of(b().checksum("").build().unwrap_err()), "checksum");
        assert_eq!(
            field_of(b().checksum(block_checksum(&data)).progress(101).build().unwrap_err()),
            "progress"
        );
        assert!(b().checksum(block_checksum(&data)).progress(100).build().is_ok());
        // A well-formed but wrong checksum passes validation: the service verifies it.
        assert!(b().checksum(block_checksum(b"other")).build().is_ok());
    }

    #[test]
    fn complete_rules() {
        let b = || CompleteSnapshotRequest::builder().snapshot_id(snap());
        let ok = b().changed_blocks_count(3).build().unwrap();
        assert_eq!(ok.checksum_aggregation_method.as_str(), "LINEAR");
        assert_eq!(
            serde_json::to_string(&ok.checksum_aggregation_method).unwrap(),
            "\"LINEAR\""
        );
        assert_eq!(
            field_of(
                b().changed_blocks_count(blocks_for_gib(65_536) + 1)
                    .build()
                    .unwrap_err()
            ),
            "changed_blocks_count"
        );
        assert_eq!(
            field_of(b().changed_blocks_count(1).checksum("nope").build().unwrap_err()),
            "checksum"
        );
    }

    #[test]
    fn list_and_get_rules() {
        let l = || ListSnapshotBlocksRequest::builder().snapshot_id(snap());
        assert!(l().build().is_ok());
        assert_eq!(field_of(l().max_results(99).build().unwrap_err()), "max_results");
        assert_eq!(field_of(l().max_results(10_001).build().unwrap_err()), "max_results");
        assert_eq!(
            field_of(l().next_token("x".repeat(257)).build().unwrap_err()),
            "next_token"
        );
        assert_eq!(
            field_of(l().starting_block_index(u32::MAX).build().unwrap_err()),
            "starting_block_index"
        );
        let c = || ListChangedBlocksRequest::builder().second_snapshot_id(snap());
        assert!(c().build().is_ok());
        assert_eq!(
            field_of(c().first_snapshot_id(snap()).build().unwrap_err()),
            "first_snapshot_id"
        );
        assert_eq!(field_of(c().max_results(20_000).build().unwrap_err()), "max_results");
        let g = |t: &str| {
            GetSnapshotBlockRequest::builder()
                .snapshot_id(snap())
                .block_index(1)
                .block_token(t)
                .build()
        };
        assert!(g("AAEC+/==").is_ok());
        assert_eq!(field_of(g("").unwrap_err()), "block_token");
        assert_eq!(field_of(g("has space").unwrap_err()), "block_token");
        assert_eq!(field_of(g(&"A".repeat(257)).unwrap_err()), "block_token");
    }

    #[test]
    fn block_data_integrity_and_serde() {
        let data = Bytes::from(vec![9u8; BLOCK_SIZE]);
        let mut b = BlockData {
            checksum: block_checksum(&data),
            data_length: BLOCK_SIZE as u32,
            data,
        };
        assert!(b.is_intact());
        let dbg = format!("{b:?} {b:#?}");
        assert!(dbg.contains("<524288 bytes, sha256 ") && !dbg.contains("9, 9"), "{dbg}");
        let json = serde_json::to_string(&b).unwrap();
        let back: BlockData = serde_json::from_str(&json).unwrap();
        assert_eq!(back, b);
        b.checksum = block_checksum(b"x");
        assert!(!b.is_intact());
        assert_eq!(
            DirectSnapshotStatus::parse("completed"),
            Some(DirectSnapshotStatus::Completed)
        );
        assert_eq!(DirectSnapshotStatus::Error.to_string(), "error");
    }
}
