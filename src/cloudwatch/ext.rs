//! Streams over the CloudWatch listings: [`CloudWatchExt`], for every [`CloudWatch`].

use futures::stream::BoxStream;

use super::{CloudWatch, DescribeAlarmsRequest, ListMetricsRequest, Metric, MetricAlarm};
use crate::error::{Result, Service};
use crate::page::{self, ListOptions, PageBounds};

/// `MaxRecords` of DescribeAlarms: 1 to 100 (botocore model, shape `MaxRecords`).
const ALARMS: PageBounds = PageBounds {
    field: "DescribeAlarms.MaxRecords",
    min: 1,
    max: 100,
};

/// The CloudWatch listings as streams of items, one page fetched at a time as the stream is
/// consumed (each page a call through the cloud's layers, guarded against a repeated token),
/// with a limit and a page size in [`ListOptions`]. Implemented for every [`CloudWatch`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> aws_facade::Result<()> {
/// use aws_facade::cloudwatch::{CloudWatchExt, DescribeAlarmsRequest};
/// use aws_facade::page::ListOptions;
/// use futures::TryStreamExt;
/// let cloud = aws_facade::Cloud::sim();
/// let first: Vec<_> = cloud.cloudwatch.alarms(DescribeAlarmsRequest::default(), ListOptions::new().limit(1)).try_collect().await?;
/// assert!(first.is_empty(), "a new region has no alarm");
/// # Ok(()) }
/// ```
pub trait CloudWatchExt: CloudWatch {
    /// Metric alarms matching `req` (as [`CloudWatch::describe_alarms`]), page by page.
    fn alarms(&self, req: DescribeAlarmsRequest, opts: ListOptions) -> BoxStream<'_, Result<MetricAlarm>> {
        page::listing(Service::CloudWatch, Some(ALARMS), opts, move |p| {
            self.describe_alarms_page(req.clone(), p)
        })
    }

    /// Metrics matching `req` (as [`CloudWatch::list_metrics`]), page by page. ListMetrics
    /// has no page size (AWS answers up to 500 a page): `opts.page_size` is refused.
    fn metrics(&self, req: ListMetricsRequest, opts: ListOptions) -> BoxStream<'_, Result<Metric>> {
        page::listing(Service::CloudWatch, None, opts, move |p| {
            self.list_metrics_page(req.clone(), p)
        })
    }
}

impl<T: CloudWatch + ?Sized> CloudWatchExt for T {}
