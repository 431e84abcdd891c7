//! EBS direct API scenarios (snapshots written and read block by block).

use aws_facade::ebs::{
    BLOCK_SIZE, BlockData, CompleteSnapshotRequest, DirectSnapshotStatus, GetSnapshotBlockRequest,
    ListChangedBlocksRequest, ListSnapshotBlocksRequest, PutSnapshotBlockRequest, StartSnapshotRequest,
    StartedSnapshot, all_changed_blocks, all_snapshot_blocks, block_checksum, block_digest, linear_checksum,
};

use super::*;

/// A block whose bytes depend on `seed` and on the position (no two seeds alike).
fn block(seed: u8) -> Vec<u8> {
    (0..BLOCK_SIZE)
        .map(|i| seed.wrapping_mul(37) ^ ((i / 7) % 251) as u8)
        .collect()
}

impl Backend {
    /// Starts a 1 GiB snapshot (with `parent`, if any).
    pub async fn start_direct_snapshot(&self, parent: Option<&SnapshotId>, scenario: &str) -> StartedSnapshot {
        let req = StartSnapshotRequest::builder()
            .volume_size_gib(1)
            .description(format!("conformance {scenario}"))
            .tags(self.tags(scenario))
            .maybe_parent_snapshot_id(parent.cloned())
            .build()
            .expect("valid StartSnapshot request");
        self.cloud.ebs.start_snapshot(req).await.expect("start snapshot")
    }

    /// Writes `blocks` (index, data) with their checksums; returns their digests by index.
    pub async fn put_blocks(&self, id: &SnapshotId, blocks: &[(u32, Vec<u8>)]) -> BTreeMap<u32, [u8; 32]> {
        let mut digests = BTreeMap::new();
        for (i, data) in blocks {
            let req = PutSnapshotBlockRequest::with_checksum(id.clone(), *i, data.clone()).expect("valid block");
            let echoed = self.cloud.ebs.put_snapshot_block(req).await.expect("put block");
            assert_eq!(echoed, block_checksum(data), "the service echoes the checksum");
            digests.insert(*i, block_digest(data));
        }
        digests
    }

    /// Completes `id` with the count and LINEAR checksum of `digests`, and waits until it is
    /// `completed`.
    pub async fn complete_direct_snapshot(&self, id: &SnapshotId, digests: &BTreeMap<u32, [u8; 32]>) {
        let status = self
            .cloud
            .ebs
            .complete_snapshot(
                CompleteSnapshotRequest::builder()
                    .snapshot_id(id.clone())
                    .changed_blocks_count(digests.len() as u32)
                    .checksum(linear_checksum(digests.values()))
                    .build()
                    .expect("valid"),
            )
            .await
            .expect("complete snapshot");
        assert!(
            matches!(status, DirectSnapshotStatus::Pending | DirectSnapshotStatus::Completed),
            "{status:?}"
        );
        self.wait_snapshot(id, SnapshotState::Completed).await;
    }

    /// Reads block `index` of `id` with `token` (on moto the token is a UUID, see
    /// `EbsBlockTokensAreUuids`; the request builder accepts it, as tokens come from the service).
    pub async fn read_block(&self, id: &SnapshotId, index: u32, token: &str) -> BlockData {
        if self.deviates(DeviationId::EbsBlockTokensAreUuids) {
            assert!(token.contains('-'), "moto's tokens are UUIDs: {token}");
        }
        self.cloud
            .ebs
            .get_snapshot_block(
                GetSnapshotBlockRequest::builder()
                    .snapshot_id(id.clone())
                    .block_index(index)
                    .block_token(token)
                    .build()
                    .expect("valid"),
            )
            .await
            .expect("get block")
    }

    /// The block size the service reports.
    fn reported_block_size(&self) -> u32 {
        if self.deviates(DeviationId::EbsBlockSizeReported512) {
            512
        } else {
            BLOCK_SIZE as u32
        }
    }
}

/// A snapshot written block by block (blocks 0, 5 and 9 of a 1 GiB volume) is `pending`, is
/// completed with the LINEAR checksum, lists exactly the written blocks in index order, reads
/// each back byte for byte with its checksum, shows in EC2, and is gone for the EBS direct APIs
/// once EC2 deletes it.
pub async fn ebs_direct_snapshot_round_trip(b: &Backend) {
    let started = b.start_direct_snapshot(None, "ebs-round-trip").await;
    assert_eq!(started.status, DirectSnapshotStatus::Pending, "{started:?}");
    assert_eq!(started.volume_size_gib, 1);
    assert_eq!(started.block_size, b.reported_block_size(), "{started:?}");
    let id = started.snapshot_id.clone();
    let blocks = vec![(0, block(1)), (5, block(2)), (9, block(3))];
    let digests = b.put_blocks(&id, &blocks).await;
    b.complete_direct_snapshot(&id, &digests).await;

    let listed = all_snapshot_blocks(&*b.cloud.ebs, &id).await.expect("list blocks");
    assert_eq!(listed.iter().map(|x| x.index).collect::<Vec<_>>(), vec![0, 5, 9]);
    for (listed, (index, data)) in listed.iter().zip(&blocks) {
        let got = b.read_block(&id, *index, &listed.token).await;
        assert!(got.data[..] == data[..], "block {index} comes back byte for byte");
        assert_eq!(got.checksum, block_checksum(data), "block {index}");
        assert_eq!(got.data_length, BLOCK_SIZE as u32);
        assert!(got.is_intact(), "block {index}: {got:?}");
    }
    let page = b
        .cloud
        .ebs
        .list_snapshot_blocks(
            ListSnapshotBlocksRequest::builder()
                .snapshot_id(id.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("one page");
    assert_eq!((page.volume_size_gib, page.block_size), (1, b.reported_block_size()));

    let ec2_view = b.wait_snapshot(&id, SnapshotState::Completed).await;
    assert_eq!(ec2_view.volume_size_gib, 1);
    assert_eq!(ec2_view.description.as_deref(), Some("conformance ebs-round-trip"));
    b.cloud.ec2.delete_snapshot(id.clone()).await.expect("delete snapshot");
    let after = b
        .cloud
        .ebs
        .list_snapshot_blocks(
            ListSnapshotBlocksRequest::builder()
                .snapshot_id(id.clone())
                .build()
                .expect("valid"),
        )
        .await;
    if b.deviates(DeviationId::EbsDeletedSnapshotStillReadable) {
        assert!(after.is_ok(), "{after:?}");
    } else {
        let e = expect_err(after, ErrorKind::NotFound, "blocks of a deleted snapshot");
        assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    }
}

/// A block whose checksum does not match its data is refused (nothing stored); a LINEAR
/// checksum that does not match the blocks fails CompleteSnapshot.
pub async fn ebs_wrong_checksums_are_rejected(b: &Backend) {
    let id = b.start_direct_snapshot(None, "ebs-bad-checksum").await.snapshot_id;
    let mut bad = PutSnapshotBlockRequest::with_checksum(id.clone(), 1, block(1)).expect("valid");
    bad.checksum = block_checksum(&block(2));
    let result = b.cloud.ebs.put_snapshot_block(bad).await;
    if b.deviates(DeviationId::EbsChecksumsNotVerified) {
        assert!(result.is_ok(), "moto stores the block: {result:?}");
    } else {
        let e = expect_err(result, ErrorKind::Validation, "a block with another block's checksum");
        assert_eq!(e.code(), Some("ValidationException"), "{e:?}");
        b.put_blocks(&id, &[(2, block(3))]).await;
        let wrong = CompleteSnapshotRequest::builder()
            .snapshot_id(id.clone())
            .changed_blocks_count(1)
            .checksum(linear_checksum([&block_digest(&block(4))]))
            .build()
            .expect("valid");
        let e = expect_err(
            b.cloud.ebs.complete_snapshot(wrong).await,
            ErrorKind::Validation,
            "a LINEAR checksum of other data",
        );
        assert_eq!(e.code(), Some("ValidationException"), "{e:?}");
        b.wait_snapshot(&id, SnapshotState::Error).await;
    }
    if b.deviates(DeviationId::EbsChecksumsNotVerified) {
        // moto also accepts any LINEAR checksum: complete with a wrong one.
        let status = b
            .cloud
            .ebs
            .complete_snapshot(
                CompleteSnapshotRequest::builder()
                    .snapshot_id(id.clone())
                    .changed_blocks_count(1)
                    .checksum(linear_checksum([&block_digest(&block(4))]))
                    .build()
                    .expect("valid"),
            )
            .await
            .expect("moto completes");
        assert_eq!(status, DirectSnapshotStatus::Completed);
    }
    b.cloud.ec2.delete_snapshot(id).await.expect("delete snapshot");
}

/// A child snapshot of a completed parent records only what it writes: it lists the parent's
/// blocks overlaid with its own, and ListChangedBlocks(parent, child) names exactly the block
/// it rewrote (tokens for both) and the block it added (a token for the child only), each
/// readable.
pub async fn ebs_changed_blocks_between_parent_and_child(b: &Backend) {
    let parent = b.start_direct_snapshot(None, "ebs-parent").await.snapshot_id;
    let parent_digests = b
        .put_blocks(&parent, &[(0, block(1)), (1, block(2)), (2, block(3))])
        .await;
    b.complete_direct_snapshot(&parent, &parent_digests).await;
    let started = b.start_direct_snapshot(Some(&parent), "ebs-child").await;
    let child = started.snapshot_id.clone();
    let child_digests = b.put_blocks(&child, &[(1, block(20)), (3, block(4))]).await;
    b.complete_direct_snapshot(&child, &child_digests).await;

    let changed = all_changed_blocks(&*b.cloud.ebs, Some(&parent), &child)
        .await
        .expect("list changed blocks");
    if b.deviates(DeviationId::EbsNoLineage) {
        // moto: the child holds only its own blocks, and only the parent's blocks are walked.
        let indexes: Vec<u32> = changed.iter().map(|c| c.index).collect();
        assert!(indexes.contains(&1), "{changed:?}");
    } else {
        assert_eq!(started.parent_snapshot_id.as_ref(), Some(&parent), "{started:?}");
        let listed = all_snapshot_blocks(&*b.cloud.ebs, &child).await.expect("list child");
        assert_eq!(listed.iter().map(|x| x.index).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
        let inherited = b.read_block(&child, 0, &listed[0].token).await;
        assert!(inherited.data[..] == block(1)[..], "block 0 comes from the parent");
        assert_eq!(
            changed
                .iter()
                .map(|c| (c.index, c.first_token.is_some(), c.second_token.is_some()))
                .collect::<Vec<_>>(),
            vec![(1, true, true), (3, false, true)],
            "{changed:?}"
        );
        let new = b
            .read_block(&child, 3, changed[1].second_token.as_deref().expect("token"))
            .await;
        assert!(new.data[..] == block(4)[..], "block 3 as the child wrote it");
    }
    let rewritten = changed.iter().find(|c| c.index == 1).expect("block 1 changed");
    let old = b
        .read_block(&parent, 1, rewritten.first_token.as_deref().expect("first token"))
        .await;
    assert!(old.data[..] == block(2)[..], "block 1 as the parent has it");
    let new = b
        .read_block(&child, 1, rewritten.second_token.as_deref().expect("second token"))
        .await;
    assert!(new.data[..] == block(20)[..], "block 1 as the child rewrote it");
    b.cloud.ec2.delete_snapshot(child).await.expect("delete child");
    b.cloud.ec2.delete_snapshot(parent).await.expect("delete parent");
}

/// The EBS direct APIs answer `ResourceNotFoundException` (classified NotFound) for a snapshot
/// that does not exist.
pub async fn ebs_unknown_snapshot_is_not_found(b: &Backend) {
    let id: SnapshotId = "snap-0123456789abcdef0".parse().expect("id");
    let listed = b
        .cloud
        .ebs
        .list_snapshot_blocks(
            ListSnapshotBlocksRequest::builder()
                .snapshot_id(id.clone())
                .build()
                .expect("valid"),
        )
        .await;
    let put = b
        .cloud
        .ebs
        .put_snapshot_block(PutSnapshotBlockRequest::with_checksum(id.clone(), 0, block(1)).expect("valid"))
        .await;
    let changed = b
        .cloud
        .ebs
        .list_changed_blocks(
            ListChangedBlocksRequest::builder()
                .second_snapshot_id(id)
                .build()
                .expect("valid"),
        )
        .await;
    for (what, result) in [
        ("list blocks", listed.map(|_| ())),
        ("put a block", put.map(|_| ())),
        ("list changed blocks", changed.map(|_| ())),
    ] {
        if b.deviates(DeviationId::EbsUnknownSnapshotIsAServerError) {
            // moto's 500 has an HTML body: an unrecognized response, never "not found".
            let e = expect_err(result, ErrorKind::UnrecognizedResponse, what);
            assert!(e.to_string().contains("(HTTP 500)"), "{what}: {e:?}");
        } else {
            let e = expect_err(result, ErrorKind::NotFound, what);
            assert_eq!(e.code(), Some("ResourceNotFoundException"), "{what}: {e:?}");
        }
    }
}
