//! Amazon CloudWatch: custom metrics, statistics, metric alarms and dashboards.
//!
//! The [`CloudWatch`] trait is implemented by [`SdkCloudWatch`](sdk::SdkCloudWatch) (feature
//! `cloudwatch`), by the simulator ([`SimCloud`](crate::sim::SimCloud)), by any
//! [`Layered`](crate::layer::Layered) wrapper, and by `MockCloudWatch` (feature `mock`).
//!
//! Scope: metric alarms with a static threshold, on one metric ([`PutMetricAlarmRequest`]) or
//! on a metric math expression ([`PutMetricMathAlarmRequest`]); composite alarms
//! ([`PutCompositeAlarmRequest`]); metric math in `GetMetricData` ([`MetricDataQuery::expression`]).
//! Anomaly detection, Metrics Insights queries, action suppressors and cross-account queries
//! are out of scope.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::cloudwatch::*;
//! let cloud = aws_facade::Cloud::sim();
//! let datum = MetricDatum::builder()
//!     .metric_name("QueueDepth")
//!     .values(vec![1.0, 5.0])
//!     .counts(vec![3.0, 1.0])
//!     .unit(Unit::Count)
//!     .build()?;
//! let put = PutMetricDataRequest::builder().namespace("MyApp").data(vec![datum]).build()?;
//! cloud.cloudwatch.put_metric_data(put).await?;
//! let alarm = PutMetricAlarmRequest::builder()
//!     .alarm_name("queue-deep".parse()?)
//!     .namespace("MyApp")
//!     .metric_name("QueueDepth")
//!     .statistic(Statistic::Maximum)
//!     .period_secs(60)
//!     .evaluation_periods(3)
//!     .threshold(100.0)
//!     .comparison(ComparisonOperator::GreaterThanThreshold)
//!     .build()?;
//! cloud.cloudwatch.put_metric_alarm(alarm).await?;
//! let alarms = cloud.cloudwatch.describe_alarms(Default::default()).await?;
//! assert_eq!(alarms[0].state, AlarmState::InsufficientData, "new alarms start INSUFFICIENT_DATA");
//! # Ok(()) }
//! ```

mod alarms;
mod dashboards;
mod ext;
mod metrics;
#[cfg(any(feature = "emulator", feature = "wire"))]
pub(crate) mod protocol;
#[cfg(feature = "cloudwatch")]
pub mod sdk;
pub use alarms::*;
pub use dashboards::*;
pub use ext::CloudWatchExt;
pub use metrics::*;

use std::time::SystemTime;

use bon::Builder;
use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::error::{Error, Result, Service};
use crate::id::{AlarmName, Arn};
use crate::macros::service_trait;
use crate::page::{Page, PageRequest};
use crate::validate;

service_trait! {
    /// Amazon CloudWatch operations used by the workflows. Every describe/list returns all pages.
    ///
    /// Outputs have builders (defaults for what a fake rarely cares about), so a mock
    /// (`MockCloudWatch`, feature `mock`) answers in a line:
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use aws_facade::cloudwatch::{AlarmState, CloudWatch, ComparisonOperator, MetricAlarm, MockCloudWatch};
    ///
    /// let mut cw = MockCloudWatch::new();
    /// cw.expect_describe_alarms().returning(|_| {
    ///     let alarm = MetricAlarm::builder()
    ///         .name("cpu-high".parse()?)
    ///         .comparison(ComparisonOperator::GreaterThanThreshold)
    ///         .threshold(80.0)
    ///         .state(AlarmState::Alarm)
    ///         .build();
    ///     Ok(vec![alarm])
    /// });
    /// let alarms = futures::executor::block_on(cw.describe_alarms(Default::default())).unwrap();
    /// assert_eq!((alarms[0].state.clone(), alarms[0].evaluation_periods), (AlarmState::Alarm, 1));
    /// # }
    /// ```
    pub trait CloudWatch (Service::CloudWatch, CLOUDWATCH_OPERATIONS, CLOUDWATCH_IAM_ACTIONS) {
        /// Publishes metric data points (custom namespaces only).
        fn put_metric_data(req: PutMetricDataRequest) -> () = "PutMetricData" => "cloudwatch:PutMetricData";
        /// Statistics of one metric over a time range, one datapoint per period, sorted by time.
        fn get_metric_statistics(req: GetMetricStatisticsRequest) -> Vec<Datapoint> = "GetMetricStatistics" => "cloudwatch:GetMetricStatistics";
        /// One series per query with `return_data` over a time range (all pages merged per
        /// query id): a metric's statistic, or a metric math expression over the other queries
        /// ([`MetricDataQuery::expression`]). Timestamps ascending.
        fn get_metric_data(req: GetMetricDataRequest) -> Vec<MetricDataResult> = "GetMetricData" => "cloudwatch:GetMetricData";
        /// Metrics matching the filters (metrics with data in the last two weeks).
        fn list_metrics(req: ListMetricsRequest) -> Vec<Metric> = "ListMetrics" => "cloudwatch:ListMetrics";
        /// One page of [`list_metrics`](CloudWatch::list_metrics) (AWS fixes the page at 500
        /// metrics: `page.size` must be `None`). [`CloudWatchExt::metrics`] streams the pages.
        fn list_metrics_page(req: ListMetricsRequest, page: PageRequest) -> Page<Metric> = "ListMetrics" => "cloudwatch:ListMetrics";
        /// Creates or replaces a metric alarm (an update keeps the alarm's state).
        fn put_metric_alarm(req: PutMetricAlarmRequest) -> () = "PutMetricAlarm" => "cloudwatch:PutMetricAlarm";
        /// Creates or replaces an alarm on a metric math expression (PutMetricAlarm with
        /// `Metrics`; an update keeps the alarm's state).
        fn put_metric_math_alarm(req: PutMetricMathAlarmRequest) -> () = "PutMetricAlarm" => "cloudwatch:PutMetricAlarm";
        /// Creates or replaces a composite alarm, whose state is a rule over other alarms'
        /// states (an update keeps the state). An alarm of the rule that does not exist is a
        /// `ValidationError`.
        fn put_composite_alarm(req: PutCompositeAlarmRequest) -> () = "PutCompositeAlarm" => "cloudwatch:PutCompositeAlarm";
        /// Composite alarms matching the request (DescribeAlarms with `AlarmTypes` =
        /// `CompositeAlarm`), all pages.
        fn describe_composite_alarms(req: DescribeAlarmsRequest) -> Vec<CompositeAlarm> = "DescribeAlarms" => "cloudwatch:DescribeAlarms";
        /// Metric alarms matching the request (on one metric or on an expression).
        fn describe_alarms(req: DescribeAlarmsRequest) -> Vec<MetricAlarm> = "DescribeAlarms" => "cloudwatch:DescribeAlarms";
        /// One page of [`describe_alarms`](CloudWatch::describe_alarms); `page.size` is
        /// `MaxRecords` (1 to 100). [`CloudWatchExt::alarms`] streams the pages.
        fn describe_alarms_page(req: DescribeAlarmsRequest, page: PageRequest) -> Page<MetricAlarm> = "DescribeAlarms" => "cloudwatch:DescribeAlarms";
        /// Deletes alarms, metric or composite (up to 100); names that do not exist are
        /// skipped, as AWS does.
        fn delete_alarms(names: Vec<AlarmName>) -> () = "DeleteAlarms" => "cloudwatch:DeleteAlarms";
        /// Turns the actions of alarms on (up to 100 names): their next state changes run
        /// them again ([`MetricAlarm::actions_enabled`]). Names of no alarm are skipped.
        fn enable_alarm_actions(names: Vec<AlarmName>) -> () = "EnableAlarmActions" => "cloudwatch:EnableAlarmActions";
        /// Turns the actions of alarms off (up to 100 names): they keep evaluating and changing
        /// state, but run no action. Names of no alarm are skipped.
        fn disable_alarm_actions(names: Vec<AlarmName>) -> () = "DisableAlarmActions" => "cloudwatch:DisableAlarmActions";
        /// The history of one alarm or of every metric alarm (configuration updates, state
        /// changes, actions), newest first, all pages; the history of deleted alarms is kept.
        fn describe_alarm_history(req: DescribeAlarmHistoryRequest) -> Vec<AlarmHistoryItem> = "DescribeAlarmHistory" => "cloudwatch:DescribeAlarmHistory";
        /// Sets an alarm's state until its next evaluation (for testing actions).
        fn set_alarm_state(req: SetAlarmStateRequest) -> () = "SetAlarmState" => "cloudwatch:SetAlarmState";
        /// Creates or replaces a dashboard.
        fn put_dashboard(req: PutDashboardRequest) -> () = "PutDashboard" => "cloudwatch:PutDashboard";
        /// A dashboard by name (`ResourceNotFound` if there is none).
        fn get_dashboard(name: String) -> Dashboard = "GetDashboard" => "cloudwatch:GetDashboard";
        /// Deletes dashboards (up to 100); if one does not exist, none is deleted
        /// (`ResourceNotFound`).
        fn delete_dashboards(names: Vec<String>) -> () = "DeleteDashboards" => "cloudwatch:DeleteDashboards";
        /// The tags of an alarm (or of a dashboard), by its ARN
        /// (`arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME`, [`MetricAlarm::arn`]); an ARN of no
        /// such resource is `ResourceNotFoundException`.
        fn list_tags_for_resource(arn: Arn) -> Tags = "ListTagsForResource" => "cloudwatch:ListTagsForResource";
        /// Adds tags to an alarm (or a dashboard) by its ARN, replacing the values of keys it
        /// has already (at least one tag, at most 50; see [`validate_tags_to_add`]). An ARN of
        /// no such resource is `ResourceNotFoundException`.
        fn tag_resource(arn: Arn, tags: Tags) -> () = "TagResource" => "cloudwatch:TagResource";
        /// Removes tags from an alarm (or a dashboard) by key; keys it does not have are
        /// skipped (at least one key, see [`validate_tag_keys`]). An ARN of no such resource is
        /// `ResourceNotFoundException`.
        fn untag_resource(arn: Arn, keys: Vec<String>) -> () = "UntagResource" => "cloudwatch:UntagResource";
    }
}

// ---------------------------------------------------------------------------------------------
// Limits

/// The largest PutMetricData request payload: 1 MB (CloudWatch API reference, `PutMetricData`:
/// "Each PutMetricData request is limited to 1 MB in size for HTTP POST requests").
pub const MAX_PUT_METRIC_DATA_BYTES: usize = 1_048_576;
/// At most 1,000 metric data items per PutMetricData request (`PutMetricData`, `MetricData`).
pub const MAX_METRIC_DATA_PER_REQUEST: usize = 1_000;
/// At most 150 values (with counts) per datum (`MetricDatum`, `Values`).
pub const MAX_VALUES_PER_DATUM: usize = 150;
/// At most 30 dimensions per metric (CloudWatch quotas, "Dimensions per metric").
pub const MAX_DIMENSIONS: usize = 30;
/// At most 500 queries per GetMetricData request (`GetMetricData`, `MetricDataQueries`).
pub const MAX_METRIC_DATA_QUERIES: usize = 500;
/// At most 1,440 datapoints per GetMetricStatistics call (`GetMetricStatistics`).
pub const MAX_STATISTICS_DATAPOINTS: u64 = 1_440;
/// At most 5 actions per alarm state (`PutMetricAlarm`, `AlarmActions`/`OKActions`/...).
pub const MAX_ALARM_ACTIONS: usize = 5;
/// At most 100 alarm names per DescribeAlarms / DeleteAlarms request.
pub const MAX_ALARM_NAMES: usize = 100;
/// The longest alarm name, in characters (model shape `AlarmName`, `max` 255).
pub const MAX_ALARM_NAME_CHARS: usize = 255;
/// The longest alarm description, in characters (model shape `AlarmDescription`: 0-1024).
pub const MAX_ALARM_DESCRIPTION_CHARS: usize = 1_024;
/// The longest namespace, in characters (model shape `Namespace`: 1-255, pattern `[^:].*`).
pub const MAX_NAMESPACE_CHARS: usize = 255;
/// The longest metric name, in characters (model shape `MetricName`: 1-255).
pub const MAX_METRIC_NAME_CHARS: usize = 255;
/// The longest dimension name, in characters (model shape `DimensionName`: 1-255).
pub const MAX_DIMENSION_NAME_CHARS: usize = 255;
/// The longest dimension value, in characters (model shape `DimensionValue`: 1-1024).
pub const MAX_DIMENSION_VALUE_CHARS: usize = 1_024;
/// The longest GetMetricData query id, in characters (model shape `MetricId`: 1-255).
pub const MAX_METRIC_ID_CHARS: usize = 255;
/// The longest alarm name prefix, in characters (model shape `AlarmNamePrefix`: 1-255).
pub const MAX_ALARM_NAME_PREFIX_CHARS: usize = 255;
/// The longest resource ARN of ListTagsForResource, in characters (model shape
/// `AmazonResourceName`: 1-1024).
pub const MAX_RESOURCE_ARN_CHARS: usize = 1_024;
/// The longest tag key, in characters (model shape `TagKey`: 1-128).
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// The longest dashboard name, in characters (CloudWatch API reference, `PutDashboard`
/// `DashboardName`: "up to 255 characters").
pub const MAX_DASHBOARD_NAME_CHARS: usize = 255;
/// The periods GetMetricStatistics and GetMetricData accept below one minute (model,
/// `GetMetricStatisticsInput.Period` and `MetricStat.Period`: "the period can be 1, 5, 10, 20,
/// 30, 60, or any multiple of 60"); longer periods are multiples of 60.
pub const HIGH_RESOLUTION_QUERY_PERIODS: [u32; 5] = [1, 5, 10, 20, 30];
/// The periods PutMetricAlarm accepts below one minute (model, `PutMetricAlarmInput.Period`:
/// "Valid values are 10, 20, 30, and any multiple of 60").
pub const HIGH_RESOLUTION_ALARM_PERIODS: [u32; 3] = [10, 20, 30];

// ---------------------------------------------------------------------------------------------
// Shared models

/// A CloudWatch unit (the `StandardUnit` enumeration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Unit {
    Seconds,
    Microseconds,
    Milliseconds,
    Bytes,
    Kilobytes,
    Megabytes,
    Gigabytes,
    Terabytes,
    Bits,
    Kilobits,
    Megabits,
    Gigabits,
    Terabits,
    Percent,
    Count,
    #[serde(rename = "Bytes/Second")]
    BytesPerSecond,
    #[serde(rename = "Kilobytes/Second")]
    KilobytesPerSecond,
    #[serde(rename = "Megabytes/Second")]
    MegabytesPerSecond,
    #[serde(rename = "Gigabytes/Second")]
    GigabytesPerSecond,
    #[serde(rename = "Terabytes/Second")]
    TerabytesPerSecond,
    #[serde(rename = "Bits/Second")]
    BitsPerSecond,
    #[serde(rename = "Kilobits/Second")]
    KilobitsPerSecond,
    #[serde(rename = "Megabits/Second")]
    MegabitsPerSecond,
    #[serde(rename = "Gigabits/Second")]
    GigabitsPerSecond,
    #[serde(rename = "Terabits/Second")]
    TerabitsPerSecond,
    #[serde(rename = "Count/Second")]
    CountPerSecond,
    None,
}

impl Unit {
    /// Every unit.
    pub const ALL: [Unit; 27] = [
        Unit::Seconds,
        Unit::Microseconds,
        Unit::Milliseconds,
        Unit::Bytes,
        Unit::Kilobytes,
        Unit::Megabytes,
        Unit::Gigabytes,
        Unit::Terabytes,
        Unit::Bits,
        Unit::Kilobits,
        Unit::Megabits,
        Unit::Gigabits,
        Unit::Terabits,
        Unit::Percent,
        Unit::Count,
        Unit::BytesPerSecond,
        Unit::KilobytesPerSecond,
        Unit::MegabytesPerSecond,
        Unit::GigabytesPerSecond,
        Unit::TerabytesPerSecond,
        Unit::BitsPerSecond,
        Unit::KilobitsPerSecond,
        Unit::MegabitsPerSecond,
        Unit::GigabitsPerSecond,
        Unit::TerabitsPerSecond,
        Unit::CountPerSecond,
        Unit::None,
    ];

    /// The AWS name (`Count/Second`, `Percent`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Unit::Seconds => "Seconds",
            Unit::Microseconds => "Microseconds",
            Unit::Milliseconds => "Milliseconds",
            Unit::Bytes => "Bytes",
            Unit::Kilobytes => "Kilobytes",
            Unit::Megabytes => "Megabytes",
            Unit::Gigabytes => "Gigabytes",
            Unit::Terabytes => "Terabytes",
            Unit::Bits => "Bits",
            Unit::Kilobits => "Kilobits",
            Unit::Megabits => "Megabits",
            Unit::Gigabits => "Gigabits",
            Unit::Terabits => "Terabits",
            Unit::Percent => "Percent",
            Unit::Count => "Count",
            Unit::BytesPerSecond => "Bytes/Second",
            Unit::KilobytesPerSecond => "Kilobytes/Second",
            Unit::MegabytesPerSecond => "Megabytes/Second",
            Unit::GigabytesPerSecond => "Gigabytes/Second",
            Unit::TerabytesPerSecond => "Terabytes/Second",
            Unit::BitsPerSecond => "Bits/Second",
            Unit::KilobitsPerSecond => "Kilobits/Second",
            Unit::MegabitsPerSecond => "Megabits/Second",
            Unit::GigabitsPerSecond => "Gigabits/Second",
            Unit::TerabitsPerSecond => "Terabits/Second",
            Unit::CountPerSecond => "Count/Second",
            Unit::None => "None",
        }
    }

    /// Parses the AWS name.
    pub fn parse(s: &str) -> Option<Self> {
        Unit::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// A metric dimension: a name/value pair that is part of a metric's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dimension {
    /// The name (1-255 characters).
    pub name: String,
    /// The value (1-1024 characters).
    pub value: String,
}

impl Dimension {
    /// A dimension.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Dimension {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Pre-aggregated values of one datum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StatisticSet {
    /// The number of samples.
    pub sample_count: f64,
    /// Their sum.
    pub sum: f64,
    /// Their minimum.
    pub minimum: f64,
    /// Their maximum.
    pub maximum: f64,
}

/// A metric: namespace, name and dimensions. A plain value (ListMetrics answers with it, so
/// it is never refused on reading): `build()` does not check it; a request that carries one
/// (GetMetricStatistics, PutMetricAlarm, GetMetricData) checks it and names the field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Builder)]
#[builder(on(String, into))]
pub struct Metric {
    /// The namespace.
    pub namespace: String,
    /// The metric name.
    pub metric_name: String,
    /// The dimensions.
    #[builder(default)]
    pub dimensions: Vec<Dimension>,
}

/// One statistic a period can be summarized by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Statistic {
    /// The number of data points.
    SampleCount,
    /// Sum / SampleCount.
    Average,
    /// The sum of the values.
    Sum,
    /// The lowest value.
    Minimum,
    /// The highest value.
    Maximum,
}

impl Statistic {
    /// The AWS name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Statistic::SampleCount => "SampleCount",
            Statistic::Average => "Average",
            Statistic::Sum => "Sum",
            Statistic::Minimum => "Minimum",
            Statistic::Maximum => "Maximum",
        }
    }

    /// Parses the AWS name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "SampleCount" => Statistic::SampleCount,
            "Average" => Statistic::Average,
            "Sum" => Statistic::Sum,
            "Minimum" => Statistic::Minimum,
            "Maximum" => Statistic::Maximum,
            _ => return None,
        })
    }
}

/// A number of an extended statistic: digits, then optionally `.` and at most `max_frac`
/// digits; `signed` allows a leading `-` (absolute bounds such as `PR(-5:10)`).
fn parse_stat_number(s: &str, signed: bool, max_frac: usize) -> Option<f64> {
    let digits = if signed { s.strip_prefix('-').unwrap_or(s) } else { s };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(f) = frac
        && (f.is_empty() || f.len() > max_frac || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    s.parse().ok().filter(|v: &f64| v.is_finite())
}

/// The percentile of a `pNN` / `pNN.NN` extended statistic (0-100, at most two decimals), or
/// `None` if `s` is not one (CloudWatch User Guide, "CloudWatch statistics definitions").
pub fn parse_percentile(s: &str) -> Option<f64> {
    let rest = s.strip_prefix('p')?;
    if rest.split('.').next().is_some_and(|int| int.len() > 3) {
        return None;
    }
    let p = parse_stat_number(rest, false, 2)?;
    (0.0..=100.0).contains(&p).then_some(p)
}

/// The statistic kinds that take a range `NAME(lower:upper)`: trimmed mean, trimmed count,
/// trimmed sum, winsorized mean and percentile rank.
pub const RANGE_STATISTICS: [&str; 5] = ["TM", "TC", "TS", "WM", "PR"];
/// The statistic kinds with a percentile shorthand `nameNN` (`p90`, `tm90` = `TM(:90%)`, ...).
pub const SHORTHAND_STATISTICS: [&str; 5] = ["p", "tm", "tc", "ts", "wm"];

/// Whether `s` is an extended statistic in the syntax of the CloudWatch User Guide,
/// "CloudWatch statistics definitions"
/// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html>;
/// the model's `ExtendedStatistic` shape is a plain string and its `PutMetricAlarm` documentation
/// lists `p90`, `tm90`, `tc90`, `ts90`, `wm90`, `IQM`, `PR(n:m)`, `TC(X%:X%)`, `TM(X%:X%)`,
/// `TS(X%:X%)`, `WM(X%:X%)`):
///
/// - `IQM`, the interquartile mean;
/// - a shorthand `pNN`, `tmNN`, `tcNN`, `tsNN` or `wmNN` with NN in 0-100 (at most two decimals);
/// - `TM`, `TC`, `TS` or `WM` with a range `(lower:upper)` of percentages (`TM(10%:90%)`) or of
///   absolute values (`TM(150:1000)`); either bound may be left out (`TM(:95%)`), not both;
/// - `PR(lower:upper)`, the percentile rank, with absolute values only (`PR(:300)`).
///
/// Percentage bounds are 0-100 and a lower bound must be below the upper one.
pub fn is_extended_statistic(s: &str) -> bool {
    if s == "IQM" {
        return true;
    }
    for short in SHORTHAND_STATISTICS {
        if let Some(rest) = s.strip_prefix(short)
            && rest.bytes().next().is_some_and(|b| b.is_ascii_digit())
        {
            return parse_percentile(&format!("p{rest}")).is_some();
        }
    }
    let Some((kind, range)) = s.split_once('(') else {
        return false;
    };
    let Some((lo, hi)) = range.strip_suffix(')').and_then(|r| r.split_once(':')) else {
        return false;
    };
    if !RANGE_STATISTICS.contains(&kind) || (lo.is_empty() && hi.is_empty()) {
        return false;
    }
    // Each bound: empty, `N%` (not for PR) or an absolute number; both of one kind.
    let bound = |b: &str| -> Option<Option<(f64, bool)>> {
        if b.is_empty() {
            return Some(None);
        }
        match b.strip_suffix('%') {
            Some(pct) if kind != "PR" => {
                let v = parse_stat_number(pct, false, 10)?;
                (v <= 100.0).then_some(Some((v, true)))
            }
            Some(_) => None,
            None => Some(Some((parse_stat_number(b, true, 10)?, false))),
        }
    };
    match (bound(lo), bound(hi)) {
        (Some(Some((l, lp))), Some(Some((h, hp)))) => lp == hp && l < h,
        (Some(_), Some(_)) => true,
        _ => false,
    }
}

fn check_extended_statistic(field: &str, s: &str) -> Result<()> {
    if is_extended_statistic(s) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!(
                "must be an extended statistic such as p90, tm90, IQM, TM(10%:90%) or PR(:300) (CloudWatch statistics definitions; got {s:?})"
            ),
        ))
    }
}

/// A statistic for GetMetricData: a [`Statistic`] name or an extended statistic
/// ([`is_extended_statistic`]; model `MetricStat.Stat`: "any CloudWatch statistic or extended
/// statistic").
fn check_stat(field: &str, s: &str) -> Result<()> {
    if Statistic::parse(s).is_some() || is_extended_statistic(s) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!(
                "must be SampleCount, Average, Sum, Minimum, Maximum or an extended statistic such as p90, tm90 or TM(10%:90%) (got {s:?})"
            ),
        ))
    }
}

/// Namespaces: 1-255 printable ASCII characters, not starting with `:` (model shape
/// `Namespace`, pattern `[^:].*`), and not starting with `AWS/` for data we publish
/// (`PutMetricData` `Namespace`: "You can't specify a namespace that begins with 'AWS/'").
pub(crate) fn check_namespace(field: &str, ns: &str, publishing: bool) -> Result<()> {
    validate::len_in(field, ns, 1, MAX_NAMESPACE_CHARS)?;
    if !ns.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(Error::validation(
            field,
            format!("must be printable ASCII (got {ns:?})"),
        ));
    }
    if ns.starts_with(':') {
        return Err(Error::validation(
            field,
            format!("must not start with `:` (got {ns:?})"),
        ));
    }
    if publishing && ns.starts_with("AWS/") {
        return Err(Error::validation(
            field,
            format!("must not start with `AWS/`, which is reserved for AWS services (got {ns:?})"),
        ));
    }
    Ok(())
}

/// A dimension name: 1-255 ASCII characters, not control characters, at least one not
/// whitespace, not starting with `:` (model, `Dimension.Name`: "Dimension names must contain
/// only ASCII characters, must include at least one non-whitespace character, and cannot start
/// with a colon (:). ASCII control characters are not supported").
pub fn check_dimension_name(field: &str, name: &str) -> Result<()> {
    validate::len_in(field, name, 1, MAX_DIMENSION_NAME_CHARS)?;
    check_dimension_text(field, name)?;
    if name.starts_with(':') {
        return Err(Error::validation(
            field,
            format!("must not start with `:` (got {name:?})"),
        ));
    }
    Ok(())
}

/// A dimension value: 1-1024 ASCII characters, not control characters, at least one not
/// whitespace (model, `Dimension.Value`).
pub fn check_dimension_value(field: &str, value: &str) -> Result<()> {
    validate::len_in(field, value, 1, MAX_DIMENSION_VALUE_CHARS)?;
    check_dimension_text(field, value)
}

fn check_dimension_text(field: &str, s: &str) -> Result<()> {
    if let Some(c) = s.chars().find(|c| !c.is_ascii() || c.is_ascii_control()) {
        return Err(Error::validation(
            field,
            format!("must be ASCII without control characters (got {c:?} in {s:?})"),
        ));
    }
    if s.bytes().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::validation(
            field,
            format!("must contain a character that is not whitespace (got {s:?})"),
        ));
    }
    Ok(())
}

/// Whether a metric name surely passes its rule (1-255 characters), decided without building
/// an error: a byte length within the limit is a character length within it, so characters
/// are counted only for longer names.
pub(crate) fn metric_name_surely_valid(name: &str) -> bool {
    !name.is_empty() && (name.len() <= MAX_METRIC_NAME_CHARS || name.chars().count() <= MAX_METRIC_NAME_CHARS)
}

/// Whether one dimension surely passes its name and value rules (repeats and the number of
/// dimensions are the caller's to check).
pub(crate) fn dimension_surely_valid(name: &str, value: &str) -> bool {
    check_dimension_name("", name).is_ok() && check_dimension_value("", value).is_ok()
}

fn check_dimensions(field: &str, dims: &[Dimension]) -> Result<()> {
    if dims.len() > MAX_DIMENSIONS {
        return Err(Error::validation(
            field,
            format!("at most {MAX_DIMENSIONS} dimensions (got {})", dims.len()),
        ));
    }
    for (i, d) in dims.iter().enumerate() {
        // The path is built only for an error.
        check_dimension_name("name", &d.name)
            .and_then(|()| check_dimension_value("value", &d.value))
            .map_err(|e| e.prefixed(&format!("{field}[{i}]")))?;
        if dims[..i].iter().any(|o| o.name == d.name) {
            return Err(Error::validation(
                field,
                format!("dimension name {:?} appears twice", d.name),
            ));
        }
    }
    Ok(())
}

fn check_finite(field: &str, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Error::validation(field, format!("must be a finite number (got {v})")))
    }
}

/// Periods of GetMetricStatistics / GetMetricData: 1, 5, 10, 20, 30 or a multiple of 60
/// ([`HIGH_RESOLUTION_QUERY_PERIODS`]).
fn check_query_period(field: &str, p: u32) -> Result<()> {
    if HIGH_RESOLUTION_QUERY_PERIODS.contains(&p) || (p > 0 && p.is_multiple_of(60)) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("must be 1, 5, 10, 20, 30 or a multiple of 60 seconds (got {p})"),
        ))
    }
}

fn check_range(start: SystemTime, end: SystemTime) -> Result<()> {
    if start < end {
        Ok(())
    } else {
        Err(Error::validation("end", "must be later than start"))
    }
}

// ---------------------------------------------------------------------------------------------
// Tags

/// Checks the ARN of ListTagsForResource: at most 1,024 characters (CloudWatch API reference,
/// `ListTagsForResource` `ResourceARN`, shape `AmazonResourceName`: 1-1024). Implementations call
/// it first, as they call `validate()` on requests.
pub fn validate_resource_arn(arn: &Arn) -> Result<()> {
    validate::len_in("arn", arn.as_str(), 1, MAX_RESOURCE_ARN_CHARS)
}

/// Checks the tags of TagResource: at least one (the crate refuses a call that would change
/// nothing), at most 50, keys 1-128 characters not starting with `aws:`, values 0-256
/// characters (model shapes `TagList`, `TagKey` 1-128, `TagValue` 0-256).
pub fn validate_tags_to_add(tags: &Tags) -> Result<()> {
    if tags.is_empty() {
        return Err(Error::validation("tags", "at least one tag is required"));
    }
    validate::tags("tags", tags)
}

/// Checks the keys of UntagResource: 1-50 keys (the crate refuses an empty list, which would
/// change nothing), each 1-128 characters (model shape `TagKey`) not starting with `aws:`.
pub fn validate_tag_keys(keys: &[String]) -> Result<()> {
    validate::non_empty("keys", keys)?;
    validate::at_most("keys", keys, validate::MAX_TAGS)?;
    for (i, k) in keys.iter().enumerate() {
        validate::len_in(&format!("keys[{i}]"), k, 1, MAX_TAG_KEY_CHARS)?;
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(Error::validation(
                format!("keys[{i}]"),
                format!("must not start with `aws:` (got {k:?})"),
            ));
        }
    }
    Ok(())
}

// `FromStr` for the enums above that parse their AWS names.
crate::macros::from_str_by_parse!(
    Unit => "unit",
    Statistic => "statistic",
    ComparisonOperator => "comparison",
    TreatMissingData => "treat_missing_data",
    AlarmState => "alarm state",
    HistoryItemType => "item_type",
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn open_enums_keep_unknown_names_through_serde_and_parsing() {
        assert_eq!(
            serde_json::to_string(&AlarmState::InsufficientData).unwrap(),
            "\"INSUFFICIENT_DATA\""
        );
        let s: AlarmState = serde_json::from_str("\"OK\"").unwrap();
        assert_eq!(s, AlarmState::Ok);
        let s: AlarmState = serde_json::from_str("\"PAUSED\"").unwrap();
        assert_eq!(s, AlarmState::Unknown("PAUSED".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"PAUSED\"");
        assert!(s.is_unknown() && !AlarmState::Alarm.is_unknown());
        // Input parsing stays strict: `parse`/`FromStr` know only the defined names.
        assert_eq!(AlarmState::parse("PAUSED"), None);
        assert!("PAUSED".parse::<AlarmState>().is_err());
        assert_eq!(TreatMissingData::from("notBreaching"), TreatMissingData::NotBreaching);
        assert_eq!(AlarmState::KNOWN_NAMES, ["OK", "ALARM", "INSUFFICIENT_DATA"]);
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn datum() -> MetricDatum {
        MetricDatum::builder()
            .metric_name("Latency")
            .value(1.0)
            .build()
            .unwrap()
    }

    fn put(data: Vec<MetricDatum>) -> Result<PutMetricDataRequest> {
        PutMetricDataRequest::builder().namespace("App").data(data).build()
    }

    #[test]
    fn put_metric_data_rules() {
        assert!(put(vec![datum()]).is_ok());
        assert_eq!(field_of(put(vec![]).unwrap_err()), "data");
        assert_eq!(field_of(put(vec![datum(); 1001]).unwrap_err()), "data");
        assert!(put(vec![datum(); 1000]).is_ok());
        let ns = |n: &str| PutMetricDataRequest::builder().namespace(n).data(vec![datum()]).build();
        assert_eq!(field_of(ns("AWS/EC2").unwrap_err()), "namespace");
        assert_eq!(field_of(ns("").unwrap_err()), "namespace");
        assert_eq!(field_of(ns(&"n".repeat(256)).unwrap_err()), "namespace");
        assert_eq!(field_of(ns("tab\there").unwrap_err()), "namespace");
        let mut d = datum();
        d.metric_name = String::new();
        assert_eq!(field_of(put(vec![d]).unwrap_err()), "data[0].metric_name");
        let mut d = datum();
        d.dimensions = (0..31).map(|i| Dimension::new(format!("d{i}"), "v")).collect();
        assert_eq!(field_of(put(vec![d]).unwrap_err()), "data[0].dimensions");
        let mut d = datum();
        d.dimensions = vec![Dimension::new("k", "v".repeat(1025))];
        assert_eq!(field_of(put(vec![d]).unwrap_err()), "data[0].dimensions[0].value");
        let mut d = datum();
        d.dimensions = vec![Dimension::new("", "v")];
        assert_eq!(field_of(put(vec![d]).unwrap_err()), "data[0].dimensions[0].name");
    }

    #[test]
    fn datum_value_kinds() {
        let b = || MetricDatum::builder().metric_name("m");
        let e = |d: Result<MetricDatum>| field_of(d.unwrap_err());
        assert_eq!(e(b().build()), "value");
        assert_eq!(e(b().value(1.0).values(vec![2.0]).build()), "value");
        assert_eq!(e(b().value(f64::NAN).build()), "value");
        assert_eq!(e(b().value(f64::INFINITY).build()), "value");
        assert_eq!(e(b().values(vec![1.0, f64::NEG_INFINITY]).build()), "values");
        assert_eq!(e(b().values(vec![1.0; 151]).build()), "values");
        assert!(b().values(vec![1.0; 150]).build().is_ok());
        assert_eq!(e(b().values(vec![1.0, 2.0]).counts(vec![1.0]).build()), "counts");
        assert!(b().values(vec![1.0, 2.0]).counts(vec![1.0, 3.0]).build().is_ok());
        let set = StatisticSet {
            sample_count: 2.0,
            sum: 3.0,
            minimum: 1.0,
            maximum: 2.0,
        };
        assert!(b().statistic_values(set).build().is_ok());
        let bad = StatisticSet { sum: f64::NAN, ..set };
        assert_eq!(e(b().statistic_values(bad).build()), "statistic_values.sum");
        assert_eq!(e(b().value(1.0).storage_resolution(5).build()), "storage_resolution");
        assert!(b().value(1.0).storage_resolution(1).build().is_ok());
        assert_eq!(
            e(b().value(1.0).dimensions(vec![Dimension::new("k", "")]).build()),
            "dimensions[0].value"
        );
        // Inside a request, the item's place comes first.
        let mut d = b().value(1.0).build().unwrap();
        d.storage_resolution = Some(5);
        let other = datum();
        assert_eq!(field_of(put(vec![other, d]).unwrap_err()), "data[1].storage_resolution");
    }

    #[test]
    fn the_quick_check_accepts_only_what_every_rule_accepts() {
        use proptest::prelude::*;
        let text = prop_oneof![
            Just(String::new()),
            Just(":x".to_string()),
            Just(" ".to_string()),
            Just("é".repeat(200)),
            Just("n".repeat(256)),
            Just("\u{7}".to_string()),
            "[a-z/:]{1,8}",
        ];
        let number = prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-1.0), Just(0.0), Just(2.5)];
        let datums = (
            text.clone(),
            proptest::collection::vec((text.clone(), text), 0..3),
            proptest::option::of(number.clone()),
            proptest::collection::vec(number.clone(), 0..3),
            proptest::collection::vec(number, 0..3),
            proptest::option::of(prop_oneof![Just(1u32), Just(5), Just(60)]),
        )
            .prop_map(|(name, dims, value, values, counts, res)| MetricDatum {
                metric_name: name,
                dimensions: dims.into_iter().map(|(n, v)| Dimension::new(n, v)).collect(),
                timestamp: None,
                value,
                values,
                counts,
                statistic_values: None,
                unit: None,
                storage_resolution: res,
            });
        proptest!(ProptestConfig::with_cases(2000), |(d in datums)| {
            if d.surely_valid() {
                prop_assert!(d.check_all().is_ok(), "{d:?}: {:?}", d.check_all());
            }
        });
        // And it does take the common shapes (else it would be no quicker).
        let common = [
            datum(),
            MetricDatum::builder()
                .metric_name("Latency")
                .dimensions(vec![Dimension::new("Route", "/r1"), Dimension::new("Stage", "prod")])
                .values(vec![1.0, 2.0])
                .counts(vec![3.0, 4.0])
                .storage_resolution(1)
                .build()
                .unwrap(),
        ];
        assert!(common.iter().all(MetricDatum::surely_valid));
    }

    #[test]
    fn payload_size_is_estimated() {
        let big = MetricDatum::builder()
            .metric_name("m".repeat(255))
            .dimensions(
                (0..30)
                    .map(|i| Dimension::new(format!("d{i}"), "v".repeat(1024)))
                    .collect(),
            )
            .values(vec![1.0; 150])
            .counts(vec![1.0; 150])
            .build()
            .unwrap();
        let one = put(vec![big.clone()]).unwrap();
        assert!(one.estimated_size() > 30 * 1024 + 150 * 16);
        let e = put(vec![big; 40]).unwrap_err();
        assert_eq!(field_of(e), "data");
        assert!(put(vec![datum(); 1000]).unwrap().estimated_size() < MAX_PUT_METRIC_DATA_BYTES);
    }

    #[test]
    fn statistics_request_rules() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let b = || {
            GetMetricStatisticsRequest::builder()
                .namespace("App")
                .metric_name("Latency")
                .start(t0)
                .end(t0 + Duration::from_secs(3600))
        };
        assert!(b().period_secs(60).statistics(vec![Statistic::Average]).build().is_ok());
        assert_eq!(field_of(b().period_secs(60).build().unwrap_err()), "statistics");
        assert_eq!(
            field_of(
                b().period_secs(45)
                    .statistics(vec![Statistic::Sum])
                    .build()
                    .unwrap_err()
            ),
            "period_secs"
        );
        // An hour in 5 s periods is 720 datapoints (at most 1,440); 1 s periods: see below.
        // 20 s is a high-resolution period too (GetMetricStatistics `Period`: "1, 5, 10, 20,
        // 30, 60, or any multiple of 60").
        for ok in [5, 10, 20, 30, 120] {
            assert!(
                b().period_secs(ok).statistics(vec![Statistic::Sum]).build().is_ok(),
                "{ok}"
            );
        }
        let p = |s: &str| b().period_secs(60).extended_statistics(vec![s.to_string()]).build();
        assert!(p("p90").is_ok());
        assert!(p("p99.9").is_ok());
        assert!(p("p100").is_ok());
        assert!(p("p0").is_ok());
        assert_eq!(field_of(p("p101").unwrap_err()), "extended_statistics");
        assert_eq!(field_of(p("90").unwrap_err()), "extended_statistics");
        assert_eq!(field_of(p("p99.999").unwrap_err()), "extended_statistics");
        // CloudWatch statistics definitions: trimmed means, counts, sums, winsorized means,
        // percentile ranks and the interquartile mean.
        for ok in [
            "tm99",
            "tm90",
            "tc90",
            "ts99.5",
            "wm10",
            "IQM",
            "PR(100:2000)",
            "PR(:300)",
            "PR(-5:10.5)",
            "TM(10%:90%)",
            "TM(:95%)",
            "TM(5%:)",
            "TC(150:1000)",
            "TS(0%:100%)",
            "WM(10%:90%)",
        ] {
            assert!(p(ok).is_ok(), "{ok}");
        }
        for bad in [
            "tm101",
            "TM90",
            "iqm",
            "PR(10%:90%)",
            "TM(90%:10%)",
            "TM(:)",
            "TM(10%:900)",
            "TM(10%:90%",
            "XX(1:2)",
            "TM(a:b)",
            "pr(1:2)",
            "TM(10%:101%)",
        ] {
            assert_eq!(field_of(p(bad).unwrap_err()), "extended_statistics", "{bad}");
        }
        let eleven: Vec<String> = (0..11).map(|i| format!("p{i}")).collect();
        assert_eq!(
            field_of(b().period_secs(60).extended_statistics(eleven).build().unwrap_err()),
            "extended_statistics"
        );
        let backwards = GetMetricStatisticsRequest::builder()
            .namespace("App")
            .metric_name("Latency")
            .start(t0)
            .end(t0)
            .period_secs(60)
            .statistics(vec![Statistic::Sum])
            .build();
        assert_eq!(field_of(backwards.unwrap_err()), "end");
        // 3600 one-second periods > 1440 datapoints.
        assert_eq!(
            field_of(b().period_secs(1).statistics(vec![Statistic::Sum]).build().unwrap_err()),
            "period_secs"
        );
    }

    #[test]
    fn metric_data_request_rules() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let q = |id: &str, stat: &str, period: u32| {
            MetricDataQuery::builder()
                .id(id)
                .metric(
                    MetricStat::builder()
                        .metric(Metric::builder().namespace("App").metric_name("m").build())
                        .period_secs(period)
                        .stat(stat)
                        .build(),
                )
                .build()
        };
        let r = |qs: Vec<MetricDataQuery>| {
            GetMetricDataRequest::builder()
                .queries(qs)
                .start(t0)
                .end(t0 + Duration::from_secs(600))
                .build()
        };
        assert!(r(vec![q("m1", "Average", 60), q("b_2X", "p99", 300)]).is_ok());
        assert_eq!(field_of(r(vec![]).unwrap_err()), "queries");
        assert_eq!(field_of(r(vec![q("M1", "Sum", 60)]).unwrap_err()), "queries[0].id");
        assert_eq!(field_of(r(vec![q("1m", "Sum", 60)]).unwrap_err()), "queries[0].id");
        assert_eq!(field_of(r(vec![q("a-b", "Sum", 60)]).unwrap_err()), "queries[0].id");
        assert_eq!(
            field_of(r(vec![q("a", "Sum", 60), q("a", "Sum", 60)]).unwrap_err()),
            "queries[1].id"
        );
        assert_eq!(
            field_of(r(vec![q("a", "Median", 60)]).unwrap_err()),
            "queries[0].metric.stat"
        );
        assert_eq!(
            field_of(r(vec![q("a", "Sum", 61)]).unwrap_err()),
            "queries[0].metric.period_secs"
        );
        assert_eq!(
            field_of(r(vec![q("a", "Sum", 25)]).unwrap_err()),
            "queries[0].metric.period_secs"
        );
        assert!(r(vec![q("a", "tm90", 20), q("b", "TM(10%:90%)", 1), q("c", "IQM", 60)]).is_ok());
        assert_eq!(
            field_of(r(vec![q("a", "TM(90%:10%)", 60)]).unwrap_err()),
            "queries[0].metric.stat"
        );
        let many: Vec<_> = (0..501).map(|i| q(&format!("q{i}"), "Sum", 60)).collect();
        assert_eq!(field_of(r(many).unwrap_err()), "queries");
    }

    #[test]
    fn namespaces_and_dimensions_follow_the_model() {
        let stats = |ns: &str, dims: Vec<Dimension>| {
            let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            GetMetricStatisticsRequest::builder()
                .namespace(ns)
                .metric_name("Latency")
                .dimensions(dims)
                .start(t0)
                .end(t0 + Duration::from_secs(600))
                .period_secs(60)
                .statistics(vec![Statistic::Sum])
                .build()
        };
        // Namespace pattern `[^:].*`.
        assert!(stats("App:Web", vec![]).is_ok());
        assert_eq!(field_of(stats(":App", vec![]).unwrap_err()), "namespace");
        // Dimension names: ASCII, not control characters, not all whitespace, no leading `:`;
        // values: ASCII, not control characters, not all whitespace.
        for ok in [Dimension::new("Instance:Id", " a b "), Dimension::new("n", "x:y")] {
            assert!(stats("App", vec![ok.clone()]).is_ok(), "{ok:?}");
        }
        for (bad, field) in [
            (Dimension::new(":Id", "v"), "dimensions[0].name"),
            (Dimension::new("   ", "v"), "dimensions[0].name"),
            (Dimension::new("Größe", "v"), "dimensions[0].name"),
            (Dimension::new("a\tb", "v"), "dimensions[0].name"),
            (Dimension::new("Id", "  "), "dimensions[0].value"),
            (Dimension::new("Id", "café"), "dimensions[0].value"),
            (Dimension::new("Id", "a\nb"), "dimensions[0].value"),
        ] {
            assert_eq!(field_of(stats("App", vec![bad.clone()]).unwrap_err()), field, "{bad:?}");
        }
        let filter = |name: &str, value: Option<&str>| {
            ListMetricsRequest::builder()
                .dimensions(vec![DimensionFilter {
                    name: name.into(),
                    value: value.map(Into::into),
                }])
                .build()
        };
        assert!(filter("Id", Some("v")).is_ok());
        assert_eq!(field_of(filter(":Id", None).unwrap_err()), "dimensions[0].name");
        assert_eq!(field_of(filter("Id", Some(" ")).unwrap_err()), "dimensions[0].value");
    }

    #[test]
    fn list_metrics_rules() {
        assert!(ListMetricsRequest::builder().namespace("AWS/EC2").build().is_ok());
        let f = |n: usize| {
            ListMetricsRequest::builder()
                .dimensions(
                    (0..n)
                        .map(|i| DimensionFilter {
                            name: format!("d{i}"),
                            value: None,
                        })
                        .collect(),
                )
                .build()
        };
        assert!(f(10).is_ok());
        assert_eq!(field_of(f(11).unwrap_err()), "dimensions");
    }

    macro_rules! alarm {
        () => {
            PutMetricAlarmRequest::builder()
                .alarm_name("cpu-high".parse().unwrap())
                .namespace("AWS/EC2")
                .metric_name("CPUUtilization")
                .evaluation_periods(3)
                .threshold(80.0)
                .comparison(ComparisonOperator::GreaterThanThreshold)
        };
    }

    #[test]
    fn alarm_rules() {
        let ok = alarm!().statistic(Statistic::Average).period_secs(300).build().unwrap();
        assert_eq!(ok.treat_missing_data, TreatMissingData::Missing);
        assert!(ok.actions_enabled);
        assert_eq!(field_of(alarm!().period_secs(300).build().unwrap_err()), "statistic");
        assert_eq!(
            field_of(
                alarm!()
                    .statistic(Statistic::Average)
                    .extended_statistic("p90")
                    .period_secs(300)
                    .build()
                    .unwrap_err()
            ),
            "extended_statistic"
        );
        assert!(alarm!().extended_statistic("p99.9").period_secs(60).build().is_ok());
        let band = PutMetricAlarmRequest::builder()
            .alarm_name("cpu-band".parse().unwrap())
            .namespace("AWS/EC2")
            .metric_name("CPUUtilization")
            .evaluation_periods(3)
            .threshold(0.0)
            .comparison(ComparisonOperator::GreaterThanUpperThreshold)
            .statistic(Statistic::Average)
            .period_secs(300)
            .build()
            .unwrap_err();
        assert_eq!(field_of(band), "comparison", "anomaly bands need ThresholdMetricId");
        let parsed: ComparisonOperator = "GreaterThanThreshold".parse().unwrap();
        assert_eq!(parsed, ComparisonOperator::GreaterThanThreshold);
        let e = "Bigger".parse::<ComparisonOperator>().unwrap_err().to_string();
        assert!(e.contains("comparison") && e.contains("Bigger"), "{e}");
        assert_eq!("p99".parse::<Statistic>().ok(), None);
        for ok in [
            "tm90",
            "tc90",
            "ts90",
            "wm90",
            "IQM",
            "PR(10:50)",
            "TM(10%:90%)",
            "WM(10%:90%)",
        ] {
            assert!(alarm!().extended_statistic(ok).period_secs(60).build().is_ok(), "{ok}");
        }
        assert_eq!(
            field_of(alarm!().extended_statistic("avg").period_secs(60).build().unwrap_err()),
            "extended_statistic"
        );
        assert_eq!(
            field_of(alarm!().extended_statistic("p200").period_secs(60).build().unwrap_err()),
            "extended_statistic"
        );
        let period = |p: u32| alarm!().statistic(Statistic::Sum).period_secs(p).build();
        for ok in [10, 20, 30, 60, 3600] {
            assert!(period(ok).is_ok(), "{ok}");
        }
        for bad in [0, 1, 5, 15, 45, 90] {
            assert_eq!(field_of(period(bad).unwrap_err()), "period_secs", "{bad}");
        }
        let n = |p: u32, n: u32| {
            PutMetricAlarmRequest::builder()
                .alarm_name("a".parse().unwrap())
                .namespace("App")
                .metric_name("m")
                .statistic(Statistic::Sum)
                .period_secs(p)
                .evaluation_periods(n)
                .threshold(1.0)
                .comparison(ComparisonOperator::GreaterThanThreshold)
                .build()
        };
        assert!(n(60, 1440).is_ok());
        assert_eq!(field_of(n(60, 1441).unwrap_err()), "evaluation_periods");
        assert!(n(3600, 168).is_ok());
        assert_eq!(field_of(n(3600, 169).unwrap_err()), "evaluation_periods");
        assert_eq!(field_of(n(60, 0).unwrap_err()), "evaluation_periods");
        let m = |m: u32| {
            alarm!()
                .statistic(Statistic::Sum)
                .period_secs(60)
                .datapoints_to_alarm(m)
                .build()
        };
        assert!(m(2).is_ok());
        assert_eq!(field_of(m(4).unwrap_err()), "datapoints_to_alarm");
        assert_eq!(field_of(m(0).unwrap_err()), "datapoints_to_alarm");
        let arn: Arn = "arn:aws:sns:us-east-1:123456789012:ops".parse().unwrap();
        let six = alarm!()
            .statistic(Statistic::Sum)
            .period_secs(60)
            .alarm_actions(vec![arn.clone(); 6])
            .build();
        assert_eq!(field_of(six.unwrap_err()), "alarm_actions");
        let six = alarm!()
            .statistic(Statistic::Sum)
            .period_secs(60)
            .ok_actions(vec![arn; 6])
            .build();
        assert_eq!(field_of(six.unwrap_err()), "ok_actions");
        let nan = PutMetricAlarmRequest::builder()
            .alarm_name("a".parse().unwrap())
            .namespace("App")
            .metric_name("m")
            .statistic(Statistic::Sum)
            .period_secs(60)
            .evaluation_periods(1)
            .threshold(f64::NAN)
            .comparison(ComparisonOperator::LessThanThreshold)
            .build();
        assert_eq!(field_of(nan.unwrap_err()), "threshold");
        let long = alarm!()
            .statistic(Statistic::Sum)
            .period_secs(60)
            .description("d".repeat(1025))
            .build();
        assert_eq!(field_of(long.unwrap_err()), "description");
    }

    #[test]
    fn metric_math_alarm_rules() {
        let stat = |id: &str, period: u32| {
            MetricDataQuery::builder()
                .id(id)
                .metric(
                    MetricStat::builder()
                        .metric(Metric::builder().namespace("App").metric_name("m").build())
                        .period_secs(period)
                        .stat("Sum")
                        .build(),
                )
                .return_data(false)
                .build()
        };
        let expr = |id: &str, e: &str| MetricDataQuery::builder().id(id).expression(e).build();
        let alarm = |metrics: Vec<MetricDataQuery>, n: u32| {
            PutMetricMathAlarmRequest::builder()
                .alarm_name("rate".parse().unwrap())
                .metrics(metrics)
                .evaluation_periods(n)
                .threshold(5.0)
                .comparison(ComparisonOperator::GreaterThanThreshold)
                .build()
        };
        assert!(alarm(vec![stat("m1", 60), expr("e1", "m1 * 2")], 3).is_ok());
        assert_eq!(field_of(alarm(vec![], 3).unwrap_err()), "metrics");
        // return_data defaults to true: two queries returning data is an error, none too.
        let two = vec![stat("m1", 60), expr("e1", "m1"), expr("e2", "m1")];
        assert_eq!(field_of(alarm(two, 3).unwrap_err()), "metrics");
        assert_eq!(field_of(alarm(vec![stat("m1", 60)], 3).unwrap_err()), "metrics");
        // Ids, exactly one of metric and expression, lengths, periods.
        assert_eq!(
            field_of(alarm(vec![stat("M1", 60), expr("e1", "1")], 3).unwrap_err()),
            "metrics[0].id"
        );
        let both = MetricDataQuery {
            expression: Some("m1".into()),
            ..stat("x", 60)
        };
        assert_eq!(
            field_of(alarm(vec![both, expr("e1", "1")], 3).unwrap_err()),
            "metrics[0].expression"
        );
        let neither = MetricDataQuery::builder().id("x").return_data(false).build();
        assert_eq!(
            field_of(alarm(vec![neither, expr("e1", "1")], 3).unwrap_err()),
            "metrics[0].metric"
        );
        assert_eq!(
            field_of(alarm(vec![stat("m1", 60), expr("e1", "")], 3).unwrap_err()),
            "metrics[1].expression"
        );
        let long = "m1+".repeat(683) + "m1";
        assert_eq!(
            field_of(alarm(vec![stat("m1", 60), expr("e1", &long)], 3).unwrap_err()),
            "metrics[1].expression"
        );
        assert_eq!(
            field_of(alarm(vec![stat("m1", 5), expr("e1", "m1")], 3).unwrap_err()),
            "metrics[0].metric.period_secs",
            "5 s is a query period, not an alarm period"
        );
        // At most 10 metrics and 10 expressions.
        let mut many: Vec<_> = (0..11).map(|i| stat(&format!("m{i}"), 60)).collect();
        many.push(expr("e", "m0"));
        assert_eq!(field_of(alarm(many, 3).unwrap_err()), "metrics");
        let mut exprs: Vec<_> = (0..10)
            .map(|i| MetricDataQuery {
                return_data: false,
                ..expr(&format!("e{i}"), "m")
            })
            .collect();
        exprs.push(stat("m", 60));
        exprs.push(expr("last", "m"));
        assert_eq!(field_of(alarm(exprs, 3).unwrap_err()), "metrics");
        // The evaluated span uses the watched query's period: 1441 minutes > one day.
        assert_eq!(
            field_of(alarm(vec![stat("m1", 60), expr("e1", "m1")], 1441).unwrap_err()),
            "evaluation_periods"
        );
        assert!(alarm(vec![stat("m1", 3600), expr("e1", "m1")], 168).is_ok());
        assert_eq!(alarm_query_period(&[stat("m1", 300), expr("e1", "m1")]), Some(300));
    }

    #[test]
    fn composite_alarm_rules() {
        let c = |rule: String| {
            PutCompositeAlarmRequest::builder()
                .alarm_name("web".parse().unwrap())
                .rule(rule)
                .build()
        };
        assert!(c("ALARM(cpu)".into()).is_ok());
        assert_eq!(field_of(c(String::new()).unwrap_err()), "rule");
        assert!(
            c("T".repeat(MAX_ALARM_RULE_CHARS)).is_ok(),
            "the client checks the length only"
        );
        assert_eq!(field_of(c("T".repeat(MAX_ALARM_RULE_CHARS + 1)).unwrap_err()), "rule");
        let arn: Arn = "arn:aws:sns:us-east-1:123456789012:ops".parse().unwrap();
        let six = PutCompositeAlarmRequest::builder()
            .alarm_name("web".parse().unwrap())
            .rule("TRUE")
            .ok_actions(vec![arn; 6])
            .build();
        assert_eq!(field_of(six.unwrap_err()), "ok_actions");
    }

    #[test]
    fn describe_and_set_state_rules() {
        let names: Vec<AlarmName> = (0..101).map(|i| format!("a{i}").parse().unwrap()).collect();
        assert_eq!(
            field_of(
                DescribeAlarmsRequest::builder()
                    .names(names.clone())
                    .build()
                    .unwrap_err()
            ),
            "names"
        );
        assert_eq!(field_of(validate_alarm_names(&names).unwrap_err()), "names");
        assert_eq!(field_of(validate_alarm_names(&[]).unwrap_err()), "names");
        let both = DescribeAlarmsRequest::builder()
            .names(vec!["a".parse().unwrap()])
            .name_prefix("a")
            .build();
        assert_eq!(field_of(both.unwrap_err()), "name_prefix");
        let set = |r: String| {
            SetAlarmStateRequest::builder()
                .alarm_name("a".parse().unwrap())
                .state(AlarmState::Alarm)
                .reason(r)
                .build()
        };
        assert!(set("testing".into()).is_ok());
        assert_eq!(field_of(set("r".repeat(1024)).unwrap_err()), "reason");
    }

    #[test]
    fn dashboard_rules() {
        let d = |name: &str, body: &str| PutDashboardRequest::builder().name(name).body(body).build();
        assert!(d("ops-main_1", r#"{"widgets":[]}"#).is_ok());
        assert_eq!(field_of(d("", r#"{"widgets":[]}"#).unwrap_err()), "name");
        assert_eq!(field_of(d("has space", r#"{"widgets":[]}"#).unwrap_err()), "name");
        assert_eq!(field_of(d(&"a".repeat(256), r#"{"widgets":[]}"#).unwrap_err()), "name");
        assert_eq!(field_of(d("a", "{").unwrap_err()), "body");
        assert_eq!(field_of(d("a", "[]").unwrap_err()), "body");
        assert_eq!(field_of(d("a", r#"{"widgets":{}}"#).unwrap_err()), "body");
        assert_eq!(
            field_of(validate_dashboard_names(&["ok".into(), "bad/name".into()]).unwrap_err()),
            "names"
        );
    }

    #[test]
    fn names_round_trip() {
        for u in Unit::ALL {
            assert_eq!(Unit::parse(u.as_str()), Some(u));
            let json = serde_json::to_string(&u).unwrap();
            assert_eq!(json, format!("\"{}\"", u.as_str()));
        }
        for s in [AlarmState::Ok, AlarmState::Alarm, AlarmState::InsufficientData] {
            assert_eq!(AlarmState::parse(s.as_str()), Some(s));
        }
        for t in [
            TreatMissingData::Missing,
            TreatMissingData::Ignore,
            TreatMissingData::Breaching,
            TreatMissingData::NotBreaching,
        ] {
            assert_eq!(TreatMissingData::parse(t.as_str()), Some(t));
        }
        assert!(ComparisonOperator::GreaterThanOrEqualToThreshold.breaches(1.0, 1.0));
        assert!(!ComparisonOperator::GreaterThanThreshold.breaches(1.0, 1.0));
        assert_eq!(parse_percentile("p99.9"), Some(99.9));
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        // 255 two-byte characters are 510 bytes but 255 characters: within `MetricName` (1-255).
        let name = "é".repeat(MAX_METRIC_NAME_CHARS);
        assert!(
            PutMetricDataRequest::builder()
                .namespace("App")
                .data(vec![
                    MetricDatum::builder()
                        .metric_name(name.as_str())
                        .value(1.0)
                        .build()
                        .unwrap()
                ])
                .build()
                .is_ok()
        );
        let long = format!("{name}é");
        let e = MetricDatum::builder().metric_name(long).value(1.0).build().unwrap_err();
        assert_eq!(field_of(e), "metric_name");
        let desc = |n: usize| {
            alarm!()
                .statistic(Statistic::Average)
                .period_secs(60)
                .description("ü".repeat(n))
                .build()
        };
        assert!(desc(MAX_ALARM_DESCRIPTION_CHARS).is_ok());
        assert_eq!(
            field_of(desc(MAX_ALARM_DESCRIPTION_CHARS + 1).unwrap_err()),
            "description"
        );
    }
}
