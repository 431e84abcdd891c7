//! Metric data: PutMetricData, GetMetricStatistics, GetMetricData and ListMetrics requests
//! and their outputs.

use std::collections::BTreeMap;
use std::time::SystemTime;

use bon::Builder;
use serde::{Deserialize, Serialize};

use super::*;
use crate::error::{Error, Result};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};

/// One metric data item: exactly one of `value`, `values` (with optional `counts`) or
/// `statistic_values`. `build()` checks it as PutMetricData will (an error names the field:
/// `metric_name`, `dimensions[0].value`, ...; inside a request, `data[3].metric_name`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct MetricDatum {
    /// The metric name (1-255 characters).
    pub metric_name: String,
    /// Dimensions (at most 30).
    #[builder(default)]
    pub dimensions: Vec<Dimension>,
    /// When the value was measured (default: when CloudWatch receives it). At most two weeks
    /// old and two hours ahead.
    pub timestamp: Option<SystemTime>,
    /// A single value.
    pub value: Option<f64>,
    /// Up to 150 distinct values (each with the count in `counts`, default 1).
    #[builder(default)]
    pub values: Vec<f64>,
    /// How many times each of `values` occurred (empty: once each).
    #[builder(default)]
    pub counts: Vec<f64>,
    /// Pre-aggregated values.
    pub statistic_values: Option<StatisticSet>,
    /// The unit.
    pub unit: Option<Unit>,
    /// 1 (high resolution) or 60 (standard, the default) seconds.
    pub storage_resolution: Option<u32>,
}

impl MetricDatum {
    /// A generous upper bound of this datum's size on the wire (any CloudWatch protocol).
    pub fn estimated_size(&self) -> usize {
        // Field names and separators: ~100 bytes; a number as text: at most 24 bytes plus its
        // field name; a dimension: its name and value plus ~60 bytes of field names.
        let mut n = 100 + self.metric_name.len();
        n += self
            .dimensions
            .iter()
            .map(|d| 60 + d.name.len() + d.value.len())
            .sum::<usize>();
        n += self.timestamp.map_or(0, |_| 48);
        n += self.value.map_or(0, |_| 40);
        n += 40 * (self.values.len() + self.counts.len());
        n += self.statistic_values.map_or(0, |_| 4 * 48);
        n += self.unit.map_or(0, |u| 16 + u.as_str().len());
        n += self.storage_resolution.map_or(0, |_| 32);
        n
    }

    /// Checks the datum as item `i` of a PutMetricData request (fields `data[i]....`).
    pub(crate) fn validate_at(&self, i: usize) -> Result<()> {
        self.validate().map_err(|e| e.prefixed(&format!("data[{i}]")))
    }
}
validated_builder!(MetricDatum, MetricDatumBuilder, metric_datum_builder);

impl MetricDatum {
    /// Whether the datum surely passes [`Validate::validate`], decided without building any
    /// error (and, for names within the limit in bytes, without counting characters): the
    /// common case of a request checked again on entry to an adapter. `false` means "maybe
    /// not": the full rules then decide and name the field.
    pub(crate) fn surely_valid(&self) -> bool {
        let kind_ok = match (self.value, self.values.is_empty(), &self.statistic_values) {
            (Some(v), true, None) => v.is_finite() && self.counts.is_empty(),
            (None, false, None) => {
                self.values.len() <= MAX_VALUES_PER_DATUM
                    && self.values.iter().all(|v| v.is_finite())
                    && (self.counts.is_empty()
                        || (self.counts.len() == self.values.len()
                            && self.counts.iter().all(|c| c.is_finite() && *c >= 0.0)))
            }
            // Statistic sets, and anything odd: the full rules.
            _ => false,
        };
        kind_ok
            && metric_name_surely_valid(&self.metric_name)
            && self.storage_resolution.is_none_or(|r| r == 1 || r == 60)
            && self.dimensions.len() <= MAX_DIMENSIONS
            && self.dimensions.iter().enumerate().all(|(i, d)| {
                dimension_surely_valid(&d.name, &d.value) && !self.dimensions[..i].iter().any(|o| o.name == d.name)
            })
    }
}

impl Validate for MetricDatum {
    /// Field paths are built only for an error: checking a valid datum allocates nothing.
    fn validate(&self) -> Result<()> {
        if self.surely_valid() {
            return Ok(());
        }
        self.check_all()
    }
}

impl MetricDatum {
    /// Every rule, naming the field that breaks one.
    pub(crate) fn check_all(&self) -> Result<()> {
        validate::len_in("metric_name", &self.metric_name, 1, MAX_METRIC_NAME_CHARS)?;
        check_dimensions("dimensions", &self.dimensions)?;
        let kinds = usize::from(self.value.is_some())
            + usize::from(!self.values.is_empty())
            + usize::from(self.statistic_values.is_some());
        if kinds != 1 {
            return Err(Error::validation(
                "value",
                format!("exactly one of value, values or statistic_values must be set (got {kinds})"),
            ));
        }
        if let Some(v) = self.value {
            check_finite("value", v)?;
        }
        if self.values.len() > MAX_VALUES_PER_DATUM {
            return Err(Error::validation(
                "values",
                format!("at most {MAX_VALUES_PER_DATUM} values (got {})", self.values.len()),
            ));
        }
        for v in &self.values {
            check_finite("values", *v)?;
        }
        if !self.counts.is_empty() && self.counts.len() != self.values.len() {
            return Err(Error::validation(
                "counts",
                format!(
                    "must have as many items as values ({}), got {}",
                    self.values.len(),
                    self.counts.len()
                ),
            ));
        }
        for c in &self.counts {
            check_finite("counts", *c)?;
            if *c < 0.0 {
                return Err(Error::validation("counts", format!("must not be negative (got {c})")));
            }
        }
        if let Some(s) = &self.statistic_values {
            for (name, v) in [
                ("statistic_values.sample_count", s.sample_count),
                ("statistic_values.sum", s.sum),
                ("statistic_values.minimum", s.minimum),
                ("statistic_values.maximum", s.maximum),
            ] {
                check_finite(name, v)?;
            }
            if s.sample_count <= 0.0 {
                return Err(Error::validation(
                    "statistic_values.sample_count",
                    format!("must be positive (got {})", s.sample_count),
                ));
            }
            if s.minimum > s.maximum {
                return Err(Error::validation("statistic_values.minimum", "must not exceed maximum"));
            }
        }
        if let Some(r) = self.storage_resolution
            && r != 1
            && r != 60
        {
            return Err(Error::validation(
                "storage_resolution",
                format!("must be 1 or 60 (got {r})"),
            ));
        }
        Ok(())
    }
}

/// A request to publish metric data (PutMetricData).
///
/// Unlike the other requests its fields are private (read them with
/// [`namespace`](Self::namespace), [`data`](Self::data), [`into_parts`](Self::into_parts)):
/// a request that `build()` checked cannot change afterwards, so the SDK adapter and the
/// simulator need not check its up to 1,000 datums again (the hot path of
/// [`MetricsPublisher`](crate::workflows::metrics::MetricsPublisher)). A request deserialized
/// with serde is checked where it is used.
#[derive(Debug, Clone, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct PutMetricDataRequest {
    /// The namespace: 1-255 printable ASCII characters, not starting with `AWS/`.
    pub(crate) namespace: String,
    /// 1-1000 data items, at most 1 MB in all.
    pub(crate) data: Vec<MetricDatum>,
    /// Whether `build()` checked it (and nothing can have changed since).
    #[builder(skip)]
    #[serde(skip)]
    pub(crate) checked: bool,
}

impl<S: put_metric_data_request_builder::IsComplete> PutMetricDataRequestBuilder<S> {
    /// Validates the request and builds it; a bad field is an
    /// [`Error::Validation`](crate::Error::Validation) naming the field and the rule.
    pub fn build(self) -> Result<PutMetricDataRequest> {
        let mut req = self.build_unchecked();
        req.validate()?;
        req.checked = true;
        Ok(req)
    }
}

impl PartialEq for PutMetricDataRequest {
    /// Equal namespaces and data (whether it was checked does not matter).
    fn eq(&self, other: &Self) -> bool {
        self.namespace == other.namespace && self.data == other.data
    }
}

impl PutMetricDataRequest {
    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The data items.
    pub fn data(&self) -> &[MetricDatum] {
        &self.data
    }

    /// The namespace and the data items, moved out.
    pub fn into_parts(self) -> (String, Vec<MetricDatum>) {
        (self.namespace, self.data)
    }

    /// Checks the request unless `build()` already did (its fields cannot have changed).
    pub(crate) fn check(&self) -> Result<()> {
        if self.checked { Ok(()) } else { self.validate() }
    }

    /// A conservative estimate of the request payload size in bytes (compare with
    /// [`MAX_PUT_METRIC_DATA_BYTES`]); split larger batches.
    pub fn estimated_size(&self) -> usize {
        200 + self.namespace.len() + self.data.iter().map(MetricDatum::estimated_size).sum::<usize>()
    }
}

impl Validate for PutMetricDataRequest {
    fn validate(&self) -> Result<()> {
        // CloudWatch API reference, PutMetricData; CloudWatch quotas.
        check_namespace("namespace", &self.namespace, true)?;
        validate::non_empty("data", &self.data)?;
        validate::at_most("data", &self.data, MAX_METRIC_DATA_PER_REQUEST)?;
        for (i, d) in self.data.iter().enumerate() {
            d.validate_at(i)?;
        }
        let size = self.estimated_size();
        if size > MAX_PUT_METRIC_DATA_BYTES {
            return Err(Error::validation(
                "data",
                format!(
                    "the request would be about {size} bytes; at most {MAX_PUT_METRIC_DATA_BYTES} bytes are accepted"
                ),
            ));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// GetMetricStatistics

/// A request for the statistics of one metric (GetMetricStatistics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct GetMetricStatisticsRequest {
    /// The namespace.
    pub namespace: String,
    /// The metric name.
    pub metric_name: String,
    /// The metric's dimensions (all of them: a metric is identified by its full set).
    #[builder(default)]
    pub dimensions: Vec<Dimension>,
    /// The start of the range (inclusive).
    pub start: SystemTime,
    /// The end of the range (exclusive).
    pub end: SystemTime,
    /// The period: 1, 5, 10, 20, 30 or a multiple of 60 seconds.
    pub period_secs: u32,
    /// Statistics (at most 5).
    #[builder(default)]
    pub statistics: Vec<Statistic>,
    /// Extended statistics such as `p90`, `p99.9`, `tm90` or `TM(10%:90%)` (at most 10; see
    /// [`is_extended_statistic`]).
    #[builder(default)]
    pub extended_statistics: Vec<String>,
    /// Only data published with this unit.
    pub unit: Option<Unit>,
}
validated_builder!(
    GetMetricStatisticsRequest,
    GetMetricStatisticsRequestBuilder,
    get_metric_statistics_request_builder
);

impl Validate for GetMetricStatisticsRequest {
    fn validate(&self) -> Result<()> {
        // CloudWatch API reference, GetMetricStatistics.
        check_namespace("namespace", &self.namespace, false)?;
        validate::len_in("metric_name", &self.metric_name, 1, MAX_METRIC_NAME_CHARS)?;
        check_dimensions("dimensions", &self.dimensions)?;
        check_range(self.start, self.end)?;
        check_query_period("period_secs", self.period_secs)?;
        if self.statistics.is_empty() && self.extended_statistics.is_empty() {
            return Err(Error::validation(
                "statistics",
                "at least one statistic or extended statistic is required",
            ));
        }
        validate::at_most("statistics", &self.statistics, 5)?;
        validate::at_most("extended_statistics", &self.extended_statistics, 10)?;
        for s in &self.extended_statistics {
            check_extended_statistic("extended_statistics", s)?;
        }
        let span = self.end.duration_since(self.start).unwrap_or_default().as_secs();
        let points = span.div_ceil(u64::from(self.period_secs));
        if points > MAX_STATISTICS_DATAPOINTS {
            return Err(Error::validation(
                "period_secs",
                format!("the range would return {points} datapoints; at most {MAX_STATISTICS_DATAPOINTS} per call"),
            ));
        }
        Ok(())
    }
}

/// The statistics of one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct Datapoint {
    /// The start of the period.
    pub timestamp: SystemTime,
    /// The number of samples (if requested).
    pub sample_count: Option<f64>,
    /// The sum (if requested).
    pub sum: Option<f64>,
    /// The average (if requested).
    pub average: Option<f64>,
    /// The minimum (if requested).
    pub minimum: Option<f64>,
    /// The maximum (if requested).
    pub maximum: Option<f64>,
    /// The requested percentiles that could be computed (`p90` → value).
    #[builder(default)]
    pub extended: BTreeMap<String, f64>,
    /// The unit of the data.
    pub unit: Option<Unit>,
}

// ---------------------------------------------------------------------------------------------
// GetMetricData

/// A metric, a period and a statistic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(on(String, into))]
pub struct MetricStat {
    /// The metric.
    pub metric: Metric,
    /// The period: 1, 5, 10, 20, 30 or a multiple of 60 seconds.
    pub period_secs: u32,
    /// `SampleCount`, `Average`, `Sum`, `Minimum`, `Maximum` or an extended statistic such as
    /// `p90` or `TM(10%:90%)` ([`is_extended_statistic`]).
    pub stat: String,
}

/// One query of a GetMetricData request or of a metric-math alarm
/// ([`PutMetricMathAlarmRequest::metrics`]): exactly one of `metric` (a metric's statistic) and
/// `expression` (metric math over the other queries' ids, model shape `MetricExpression`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(on(String, into))]
pub struct MetricDataQuery {
    /// An id unique in the request: starts with a lowercase letter, then letters, digits, `_`
    /// (model shape `MetricId`: 1-255 characters; pattern of the API reference,
    /// `^[a-z][a-zA-Z0-9_]*$`). Expressions refer to other queries by it.
    pub id: String,
    /// What to compute (exactly one of `metric` and `expression`).
    pub metric: Option<MetricStat>,
    /// A metric math expression such as `m1 / m2 * 100` or `SUM([m1, m2])` (1-2048
    /// characters, model shape `MetricExpression`). The simulator evaluates a subset of the
    /// syntax (see the `sim` module docs); Metrics Insights queries (`SELECT ...`) are not
    /// evaluated there.
    pub expression: Option<String>,
    /// A label for the result (default: the metric name, or the id of an expression).
    pub label: Option<String>,
    /// Whether to return this query's result (default `true`). In a metric-math alarm exactly
    /// one query returns data: the one the alarm watches.
    #[builder(default = true)]
    pub return_data: bool,
    /// The granularity of an expression's result in seconds (`MetricDataQuery.Period`, at
    /// least 1; 1, 5, 10, 20, 30 or a multiple of 60). Metric queries carry their period in
    /// `metric`.
    pub period_secs: Option<u32>,
}

/// The longest metric math expression, in characters (model shape `MetricExpression`: 1-2048).
pub const MAX_METRIC_EXPRESSION_CHARS: usize = 2_048;

/// A request for several metric statistics at once (GetMetricData).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct GetMetricDataRequest {
    /// 1-500 queries.
    pub queries: Vec<MetricDataQuery>,
    /// The start of the range (inclusive).
    pub start: SystemTime,
    /// The end of the range (exclusive).
    pub end: SystemTime,
}
validated_builder!(
    GetMetricDataRequest,
    GetMetricDataRequestBuilder,
    get_metric_data_request_builder
);

fn valid_query_id(id: &str) -> bool {
    let mut b = id.bytes();
    b.next().is_some_and(|c| c.is_ascii_lowercase()) && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Checks a list of queries (CloudWatch API reference, MetricDataQuery): ids of the pattern
/// `^[a-z][a-zA-Z0-9_]*$`, unique; exactly one of `metric` and `expression`; the metric's
/// namespace, name, dimensions, period and statistic; the expression's length; the period.
/// `field` names the list (`queries`, `metrics`).
pub(crate) fn check_queries(field: &str, queries: &[MetricDataQuery]) -> Result<()> {
    for (i, q) in queries.iter().enumerate() {
        let f = |name: &str| format!("{field}[{i}].{name}");
        validate::len_in(&f("id"), &q.id, 1, MAX_METRIC_ID_CHARS)?;
        if !valid_query_id(&q.id) {
            return Err(Error::validation(
                f("id"),
                format!("must match ^[a-z][a-zA-Z0-9_]*$ (got {:?})", q.id),
            ));
        }
        if queries[..i].iter().any(|o| o.id == q.id) {
            return Err(Error::validation(f("id"), format!("{:?} is used twice", q.id)));
        }
        match (&q.metric, &q.expression) {
            (Some(_), Some(_)) => {
                return Err(Error::validation(
                    f("expression"),
                    "cannot be set together with metric (MetricDataQuery: either Expression or MetricStat but not both)",
                ));
            }
            (None, None) => {
                return Err(Error::validation(
                    f("metric"),
                    "one of metric or expression is required",
                ));
            }
            (Some(ms), None) => {
                let m = &ms.metric;
                check_namespace(&f("metric.namespace"), &m.namespace, false)?;
                validate::len_in(&f("metric.metric_name"), &m.metric_name, 1, MAX_METRIC_NAME_CHARS)?;
                check_dimensions(&f("metric.dimensions"), &m.dimensions)?;
                check_query_period(&f("metric.period_secs"), ms.period_secs)?;
                check_stat(&f("metric.stat"), &ms.stat)?;
            }
            (None, Some(e)) => {
                validate::len_in(&f("expression"), e, 1, MAX_METRIC_EXPRESSION_CHARS)?;
            }
        }
        if let Some(p) = q.period_secs {
            check_query_period(&f("period_secs"), p)?;
        }
        if let Some(l) = &q.label {
            validate::len_in(&f("label"), l, 0, 2048)?;
        }
    }
    Ok(())
}

impl Validate for GetMetricDataRequest {
    fn validate(&self) -> Result<()> {
        // CloudWatch API reference, GetMetricData and MetricDataQuery.
        validate::non_empty("queries", &self.queries)?;
        validate::at_most("queries", &self.queries, MAX_METRIC_DATA_QUERIES)?;
        check_range(self.start, self.end)?;
        check_queries("queries", &self.queries)
    }
}

crate::macros::open_enum! {
    /// Whether a GetMetricData result is complete.
    pub enum MetricDataStatus {
        /// All data was returned.
        Complete = "Complete",
        /// Some data is missing (more pages were expected).
        PartialData = "PartialData",
        /// The service failed to compute it.
        InternalError = "InternalError",
        /// Access to the data was denied.
        Forbidden = "Forbidden",
    }
}

/// The result of one GetMetricData query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct MetricDataResult {
    /// The query id.
    pub id: String,
    /// The label.
    pub label: Option<String>,
    /// Period start times, ascending.
    #[builder(default)]
    pub timestamps: Vec<SystemTime>,
    /// The value of each period, in the order of `timestamps`.
    #[builder(default)]
    pub values: Vec<f64>,
    /// Whether the result is complete.
    #[builder(default = MetricDataStatus::Complete)]
    pub status: MetricDataStatus,
}

// ---------------------------------------------------------------------------------------------
// ListMetrics

/// A dimension filter: a name, and optionally the value it must have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DimensionFilter {
    /// The dimension name.
    pub name: String,
    /// The value (any value if `None`).
    pub value: Option<String>,
}

/// Which metrics to list (filters combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct ListMetricsRequest {
    /// Only this namespace.
    pub namespace: Option<String>,
    /// Only this metric name.
    pub metric_name: Option<String>,
    /// Dimensions every metric must have (at most 10).
    #[builder(default)]
    pub dimensions: Vec<DimensionFilter>,
}
validated_builder!(
    ListMetricsRequest,
    ListMetricsRequestBuilder,
    list_metrics_request_builder
);

impl Validate for ListMetricsRequest {
    fn validate(&self) -> Result<()> {
        // CloudWatch API reference, ListMetrics (Dimensions: at most 10 filters).
        if let Some(ns) = &self.namespace {
            check_namespace("namespace", ns, false)?;
        }
        if let Some(m) = &self.metric_name {
            validate::len_in("metric_name", m, 1, MAX_METRIC_NAME_CHARS)?;
        }
        validate::at_most("dimensions", &self.dimensions, 10)?;
        for (i, d) in self.dimensions.iter().enumerate() {
            check_dimension_name(&format!("dimensions[{i}].name"), &d.name)?;
            if let Some(v) = &d.value {
                check_dimension_value(&format!("dimensions[{i}].value"), v)?;
            }
        }
        Ok(())
    }
}
