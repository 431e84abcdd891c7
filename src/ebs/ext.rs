//! Streams over the EBS listings: [`EbsExt`], for every [`Ebs`].

use futures::stream::BoxStream;

use super::{Block, ChangedBlock, Ebs, ListChangedBlocksRequest, ListSnapshotBlocksRequest};
use crate::error::{Result, Service};

/// The EBS listings as streams of items, one page fetched at a time as the stream is consumed
/// (with [`crate::page`]'s guard against a repeated token). Implemented for every [`Ebs`]
/// (`Arc<dyn Ebs>`, layered handles, mocks), so each page passes the cloud's layers.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> aws_facade::Result<()> {
/// use aws_facade::ebs::{EbsExt, ListSnapshotBlocksRequest};
/// use aws_facade::workflows::snapshot::{self, UploadOptions};
/// use futures::TryStreamExt;
/// let cloud = aws_facade::Cloud::sim();
/// let data = vec![1u8; 3 * aws_facade::ebs::BLOCK_SIZE];
/// let up = snapshot::upload_reader(&cloud, &data[..], data.len() as u64, &UploadOptions::default()).await?;
/// let req = ListSnapshotBlocksRequest::builder().snapshot_id(up.snapshot_id).build()?;
/// let indexes: Vec<u32> = cloud.ebs.snapshot_blocks(req).map_ok(|b| b.index).try_collect().await?;
/// assert_eq!(indexes, [0, 1, 2]);
/// # Ok(()) }
/// ```
pub trait EbsExt: Ebs {
    /// Every block of a snapshot (from `req`'s starting index; `req.max_results` is the page
    /// size), in index order.
    fn snapshot_blocks(&self, req: ListSnapshotBlocksRequest) -> BoxStream<'_, Result<Block>> {
        crate::page::paginate(Service::Ebs, move |token| {
            let req = ListSnapshotBlocksRequest {
                next_token: token,
                ..req.clone()
            };
            async move {
                let page = self.list_snapshot_blocks(req).await?;
                Ok((page.blocks, page.next_token))
            }
        })
    }

    /// Every block that differs between two snapshots (or, without a first snapshot, every
    /// block of the second), in index order.
    fn changed_blocks(&self, req: ListChangedBlocksRequest) -> BoxStream<'_, Result<ChangedBlock>> {
        crate::page::paginate(Service::Ebs, move |token| {
            let req = ListChangedBlocksRequest {
                next_token: token,
                ..req.clone()
            };
            async move {
                let page = self.list_changed_blocks(req).await?;
                Ok((page.blocks, page.next_token))
            }
        })
    }
}

impl<T: Ebs + ?Sized> EbsExt for T {}
