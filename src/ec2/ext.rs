//! Streams over the EC2 listings: [`Ec2Ext`], for every [`Ec2`].

use futures::stream::BoxStream;

use super::{
    DescribeInstancesRequest, DescribeSnapshotsRequest, DescribeVolumesRequest, Ec2, Instance, Snapshot, Volume,
};
use crate::error::{Result, Service};
use crate::page::{self, ListOptions, PageBounds};

/// `MaxResults` of DescribeInstances: 5 to 1,000 (EC2 API reference, DescribeInstances,
/// `MaxResults`, and "Pagination" in the EC2 API reference's query requests section; the
/// botocore model gives no range).
const INSTANCES: PageBounds = PageBounds {
    field: "DescribeInstances.MaxResults",
    min: 5,
    max: 1000,
};
/// `MaxResults` of DescribeVolumes: 5 to 1,000 (as [`INSTANCES`]; the AWS CLI pages it at 1,000).
const VOLUMES: PageBounds = PageBounds {
    field: "DescribeVolumes.MaxResults",
    min: 5,
    max: 1000,
};
/// `MaxResults` of DescribeSnapshots: 5 to 1,000 (as [`INSTANCES`]).
const SNAPSHOTS: PageBounds = PageBounds {
    field: "DescribeSnapshots.MaxResults",
    min: 5,
    max: 1000,
};

/// The EC2 listings as streams of items, one page fetched at a time as the stream is consumed
/// (each page an ordinary call through the cloud's layers, with [`crate::page`]'s guard
/// against a repeated token), with a limit and a page size in [`ListOptions`]. Implemented
/// for every [`Ec2`] (`Arc<dyn Ec2>`, layered handles, mocks).
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> aws_facade::Result<()> {
/// use aws_facade::ec2::{CreateVolumeRequest, Ec2Ext};
/// use aws_facade::page::ListOptions;
/// use futures::TryStreamExt;
/// let cloud = aws_facade::Cloud::sim();
/// for _ in 0..12 {
///     let req = CreateVolumeRequest::builder().availability_zone("us-east-1a".parse()?).size_gib(8).build()?;
///     cloud.ec2.create_volume(req).await?;
/// }
/// // Pages of 5, stopped after the seventh volume: two DescribeVolumes calls.
/// let some: Vec<_> = cloud.ec2.volumes(Default::default(), ListOptions::new().limit(7).page_size(5)).try_collect().await?;
/// assert_eq!(some.len(), 7);
/// # Ok(()) }
/// ```
pub trait Ec2Ext: Ec2 {
    /// Instances matching `req` (as [`Ec2::describe_instances`]), page by page.
    fn instances(&self, req: DescribeInstancesRequest, opts: ListOptions) -> BoxStream<'_, Result<Instance>> {
        page::listing(Service::Ec2, Some(INSTANCES), opts, move |p| {
            self.describe_instances_page(req.clone(), p)
        })
    }

    /// Volumes matching `req` (as [`Ec2::describe_volumes`]), page by page.
    fn volumes(&self, req: DescribeVolumesRequest, opts: ListOptions) -> BoxStream<'_, Result<Volume>> {
        page::listing(Service::Ec2, Some(VOLUMES), opts, move |p| {
            self.describe_volumes_page(req.clone(), p)
        })
    }

    /// Snapshots matching `req` (as [`Ec2::describe_snapshots`]), page by page.
    fn snapshots(&self, req: DescribeSnapshotsRequest, opts: ListOptions) -> BoxStream<'_, Result<Snapshot>> {
        page::listing(Service::Ec2, Some(SNAPSHOTS), opts, move |p| {
            self.describe_snapshots_page(req.clone(), p)
        })
    }
}

impl<T: Ec2 + ?Sized> Ec2Ext for T {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cloud;
    use crate::ec2::CreateVolumeRequest;
    use crate::layer::{Faults, Recording};
    use futures::TryStreamExt;

    async fn volumes(cloud: &Cloud, n: usize) {
        for _ in 0..n {
            let req = CreateVolumeRequest::builder()
                .availability_zone("us-east-1a".parse().unwrap())
                .size_gib(8)
                .build()
                .unwrap();
            cloud.ec2.create_volume(req).await.unwrap();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn each_page_passes_the_layers_so_a_throttled_page_is_retried_alone() {
        let journal = Recording::new();
        let cloud = Cloud::sim()
            .layer(Faults::new(3).script("DescribeVolumes", 2, "RequestLimitExceeded"))
            .layer(journal.clone());
        volumes(&cloud, 12).await;
        let all: Vec<Volume> = cloud
            .ec2
            .volumes(Default::default(), ListOptions::new().page_size(5))
            .try_collect()
            .await
            .unwrap();
        let mut ids: Vec<String> = all.iter().map(|v| v.id.to_string()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 12, "every volume once");
        // Pages 1, 2 (throttled), 2 again, 3: the retry repeats one page, not the walk.
        assert_eq!(journal.count("DescribeVolumes"), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_limit_on_the_simulator_makes_one_call_of_that_size() {
        let journal = Recording::new();
        let cloud = Cloud::sim().layer(journal.clone());
        volumes(&cloud, 12).await;
        let some: Vec<Volume> = cloud
            .ec2
            .volumes(Default::default(), ListOptions::new().limit(6))
            .try_collect()
            .await
            .unwrap();
        assert_eq!((some.len(), journal.count("DescribeVolumes")), (6, 1));
        let err = cloud
            .ec2
            .snapshots(Default::default(), ListOptions::new().page_size(1001))
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("DescribeSnapshots.MaxResults"), "{err}");
        assert_eq!(journal.count("DescribeSnapshots"), 0, "refused before any call");
    }
}
