//! Alarms: PutMetricAlarm, DescribeAlarms, SetAlarmState and DeleteAlarms requests, the
//! alarm models and their enumerations.

use std::time::SystemTime;

use bon::Builder;
use serde::{Deserialize, Serialize};

use super::*;
use crate::Tags;
use crate::error::{Error, Result};
use crate::id::{AlarmName, Arn};
use crate::macros::validated_builder;
use crate::validate::{self, Validate};

crate::macros::open_enum! {
    /// How an alarm compares the statistic with its threshold.
    pub enum ComparisonOperator {
        /// `value >= threshold`.
        GreaterThanOrEqualToThreshold = "GreaterThanOrEqualToThreshold",
        /// `value > threshold`.
        GreaterThanThreshold = "GreaterThanThreshold",
        /// `value < threshold`.
        LessThanThreshold = "LessThanThreshold",
        /// `value <= threshold`.
        LessThanOrEqualToThreshold = "LessThanOrEqualToThreshold",
        /// Outside an anomaly-detection band (either side). Read from DescribeAlarms; such alarms
        /// compare with a band (`ThresholdMetricId`), which [`PutMetricAlarmRequest`] does not
        /// carry, so it refuses them.
        LessThanLowerOrGreaterThanUpperThreshold = "LessThanLowerOrGreaterThanUpperThreshold",
        /// Below an anomaly-detection band (see above).
        LessThanLowerThreshold = "LessThanLowerThreshold",
        /// Above an anomaly-detection band (see above).
        GreaterThanUpperThreshold = "GreaterThanUpperThreshold",
    }
}

impl ComparisonOperator {
    /// Whether this compares with an anomaly-detection band rather than a threshold.
    pub fn is_anomaly_band(&self) -> bool {
        matches!(
            self,
            ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold
                | ComparisonOperator::LessThanLowerThreshold
                | ComparisonOperator::GreaterThanUpperThreshold
        )
    }

    /// Whether `value` breaches `threshold` (never, for the anomaly-band operators: they
    /// compare with a band this crate does not compute; nor for an unknown operator).
    pub fn breaches(&self, value: f64, threshold: f64) -> bool {
        match self {
            ComparisonOperator::Unknown(_)
            | ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold
            | ComparisonOperator::LessThanLowerThreshold
            | ComparisonOperator::GreaterThanUpperThreshold => false,
            ComparisonOperator::GreaterThanOrEqualToThreshold => value >= threshold,
            ComparisonOperator::GreaterThanThreshold => value > threshold,
            ComparisonOperator::LessThanThreshold => value < threshold,
            ComparisonOperator::LessThanOrEqualToThreshold => value <= threshold,
        }
    }

    /// The symbol (`>=`, `>`, `<`, `<=`; for the anomaly bands `<>`, `<` and `>` of the band;
    /// `?` for an unknown operator).
    pub fn symbol(&self) -> &'static str {
        match self {
            ComparisonOperator::Unknown(_) => "?",
            ComparisonOperator::GreaterThanOrEqualToThreshold => ">=",
            ComparisonOperator::GreaterThanThreshold | ComparisonOperator::GreaterThanUpperThreshold => ">",
            ComparisonOperator::LessThanThreshold | ComparisonOperator::LessThanLowerThreshold => "<",
            ComparisonOperator::LessThanOrEqualToThreshold => "<=",
            ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold => "<>",
        }
    }
}

crate::macros::open_enum! {
    /// How an alarm treats periods without data (CloudWatch User Guide, "Configuring how
    /// CloudWatch alarms treat missing data").
    #[derive(Default)]
    pub enum TreatMissingData {
        /// Missing periods are left out; all missing → `INSUFFICIENT_DATA` (the default).
        #[default]
        Missing = "missing",
        /// The alarm keeps its state when data is missing.
        Ignore = "ignore",
        /// Missing periods count as breaching.
        Breaching = "breaching",
        /// Missing periods count as within the threshold.
        NotBreaching = "notBreaching",
    }
}

crate::macros::open_enum! {
    /// An alarm's state (`StateValue`).
    pub enum AlarmState {
        /// Within the threshold.
        Ok = "OK",
        /// Breaching.
        Alarm = "ALARM",
        /// Not enough data to decide (new alarms start here).
        InsufficientData = "INSUFFICIENT_DATA",
    }
}

/// A request to create or replace a metric alarm (PutMetricAlarm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct PutMetricAlarmRequest {
    /// The alarm name (unique in the region).
    pub alarm_name: AlarmName,
    /// A description (at most 1024 characters).
    pub description: Option<String>,
    /// The metric's namespace.
    pub namespace: String,
    /// The metric name.
    pub metric_name: String,
    /// The metric's dimensions (at most 30).
    #[builder(default)]
    pub dimensions: Vec<Dimension>,
    /// The statistic (exactly one of `statistic` and `extended_statistic`).
    pub statistic: Option<Statistic>,
    /// An extended statistic such as `p90`, `tm90` or `TM(10%:90%)` ([`is_extended_statistic`]).
    pub extended_statistic: Option<String>,
    /// The period: 10, 20, 30 or a multiple of 60 seconds.
    pub period_secs: u32,
    /// How many recent periods are evaluated (N, at least 1).
    pub evaluation_periods: u32,
    /// How many of them must breach to alarm (M ≤ N; default N).
    pub datapoints_to_alarm: Option<u32>,
    /// The threshold.
    pub threshold: f64,
    /// How the statistic is compared with the threshold.
    pub comparison: ComparisonOperator,
    /// How periods without data are treated (default `missing`).
    #[builder(default)]
    pub treat_missing_data: TreatMissingData,
    /// Actions on entering `ALARM` (at most 5).
    #[builder(default)]
    pub alarm_actions: Vec<Arn>,
    /// Actions on entering `OK` (at most 5).
    #[builder(default)]
    pub ok_actions: Vec<Arn>,
    /// Actions on entering `INSUFFICIENT_DATA` (at most 5).
    #[builder(default)]
    pub insufficient_data_actions: Vec<Arn>,
    /// Whether actions run on state changes (default `true`).
    #[builder(default = true)]
    pub actions_enabled: bool,
    /// Only data published with this unit.
    pub unit: Option<Unit>,
    /// Tags (applied on creation).
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    PutMetricAlarmRequest,
    PutMetricAlarmRequestBuilder,
    put_metric_alarm_request_builder
);

impl Validate for PutMetricAlarmRequest {
    fn validate(&self) -> Result<()> {
        // CloudWatch API reference, PutMetricAlarm.
        check_namespace("namespace", &self.namespace, false)?;
        validate::len_in("metric_name", &self.metric_name, 1, MAX_METRIC_NAME_CHARS)?;
        check_dimensions("dimensions", &self.dimensions)?;
        match (&self.statistic, &self.extended_statistic) {
            (Some(_), Some(_)) => {
                return Err(Error::validation(
                    "extended_statistic",
                    "cannot be set together with statistic",
                ));
            }
            (None, None) => {
                return Err(Error::validation(
                    "statistic",
                    "one of statistic or extended_statistic is required",
                ));
            }
            (None, Some(p)) => check_extended_statistic("extended_statistic", p)?,
            (Some(_), None) => {}
        }
        check_alarm_period("period_secs", self.period_secs)?;
        check_alarm_common(
            &self.comparison,
            self.description.as_ref(),
            Some(self.period_secs),
            self.evaluation_periods,
            self.datapoints_to_alarm,
            self.threshold,
            [
                ("alarm_actions", &self.alarm_actions),
                ("ok_actions", &self.ok_actions),
                ("insufficient_data_actions", &self.insufficient_data_actions),
            ],
            &self.tags,
        )
    }
}

/// At most 20 queries in a metric-math alarm, of which at most 10 retrieve a metric and at most
/// 10 are expressions (API reference, `MetricDataQuery`: "A single PutMetricAlarm call can
/// include up to 20 MetricDataQuery structures ... as many as 10 structures that contain a
/// MetricStat parameter ... and as many as 10 structures that contain the Expression
/// parameter").
pub const MAX_ALARM_QUERIES: usize = 20;
/// See [`MAX_ALARM_QUERIES`].
pub const MAX_ALARM_METRIC_QUERIES: usize = 10;
/// See [`MAX_ALARM_QUERIES`].
pub const MAX_ALARM_EXPRESSION_QUERIES: usize = 10;

/// A request to create or replace an alarm on a metric math expression (PutMetricAlarm with
/// `Metrics` instead of `Namespace`/`MetricName`/`Period`/`Statistic`: the API reference says
/// "If you use the Metrics parameter, you cannot include the Namespace, MetricName, Dimensions,
/// Period, Unit, Statistic, or ExtendedStatistic parameters", so this is a request type of its
/// own rather than a mode of [`PutMetricAlarmRequest`]).
///
/// Exactly one query has `return_data` set (the builder's default for each query is `true`:
/// set `return_data(false)` on the others); it is the series the alarm compares with the
/// threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct PutMetricMathAlarmRequest {
    /// The alarm name (unique in the region).
    pub alarm_name: AlarmName,
    /// A description (at most 1024 characters).
    pub description: Option<String>,
    /// 1-20 queries ([`MAX_ALARM_QUERIES`]): metrics (their periods 10, 20, 30 or a multiple of
    /// 60 seconds) and expressions over their ids.
    pub metrics: Vec<MetricDataQuery>,
    /// How many recent periods are evaluated (N, at least 1).
    pub evaluation_periods: u32,
    /// How many of them must breach to alarm (M ≤ N; default N).
    pub datapoints_to_alarm: Option<u32>,
    /// The threshold.
    pub threshold: f64,
    /// How the watched series is compared with the threshold.
    pub comparison: ComparisonOperator,
    /// How periods without data are treated (default `missing`).
    #[builder(default)]
    pub treat_missing_data: TreatMissingData,
    /// Actions on entering `ALARM` (at most 5).
    #[builder(default)]
    pub alarm_actions: Vec<Arn>,
    /// Actions on entering `OK` (at most 5).
    #[builder(default)]
    pub ok_actions: Vec<Arn>,
    /// Actions on entering `INSUFFICIENT_DATA` (at most 5).
    #[builder(default)]
    pub insufficient_data_actions: Vec<Arn>,
    /// Whether actions run on state changes (default `true`).
    #[builder(default = true)]
    pub actions_enabled: bool,
    /// Tags (applied on creation).
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    PutMetricMathAlarmRequest,
    PutMetricMathAlarmRequestBuilder,
    put_metric_math_alarm_request_builder
);

/// The period of the series a metric-math alarm watches: that of the query with
/// `return_data` (its metric's period, or its own `period_secs`), else the longest period of
/// the metrics it can refer to; `None` if no query has one.
pub fn alarm_query_period(metrics: &[MetricDataQuery]) -> Option<u32> {
    let watched = metrics.iter().find(|q| q.return_data)?;
    watched
        .metric
        .as_ref()
        .map(|m| m.period_secs)
        .or(watched.period_secs)
        .or_else(|| {
            metrics
                .iter()
                .filter_map(|q| q.metric.as_ref().map(|m| m.period_secs))
                .max()
        })
}

fn check_alarm_period(field: &str, p: u32) -> Result<()> {
    // PutMetricAlarm `Period`: "Valid values are 10, 20, 30, and any multiple of 60."
    if HIGH_RESOLUTION_ALARM_PERIODS.contains(&p) || (p > 0 && p.is_multiple_of(60)) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("must be 10, 20, 30 or a multiple of 60 seconds (got {p})"),
        ))
    }
}

/// The rules PutMetricAlarm applies to N, M, the evaluated span, the threshold, the
/// comparison and the actions (shared by both alarm requests).
#[allow(clippy::too_many_arguments)]
fn check_alarm_common(
    comparison: &ComparisonOperator,
    description: Option<&String>,
    period: Option<u32>,
    evaluation_periods: u32,
    datapoints_to_alarm: Option<u32>,
    threshold: f64,
    actions: [(&str, &Vec<Arn>); 3],
    tags: &Tags,
) -> Result<()> {
    if comparison.is_anomaly_band() {
        return Err(Error::validation(
            "comparison",
            format!(
                "{} compares with an anomaly-detection band (ThresholdMetricId), which this request does not carry",
                comparison.as_str()
            ),
        ));
    }
    if let Some(d) = description {
        validate::len_in("description", d, 0, MAX_ALARM_DESCRIPTION_CHARS)?;
    }
    if evaluation_periods < 1 {
        return Err(Error::validation("evaluation_periods", "must be at least 1 (got 0)"));
    }
    if let Some(m) = datapoints_to_alarm {
        validate::in_range("datapoints_to_alarm", m, 1, evaluation_periods)?;
    }
    // "Period multiplied by EvaluationPeriods can't be more than 604,800 seconds. For alarms
    // with a period of less than one hour (3,600 seconds), the total evaluation period can't
    // be longer than one day (86,400 seconds)."
    if let Some(p) = period {
        let total = u64::from(p) * u64::from(evaluation_periods);
        let limit = if p < 3_600 { 86_400 } else { 604_800 };
        if total > limit {
            return Err(Error::validation(
                "evaluation_periods",
                format!(
                    "period_secs × evaluation_periods must be at most {limit} s for a {p} s period (got {total} s)"
                ),
            ));
        }
    }
    check_finite("threshold", threshold)?;
    for (field, list) in actions {
        validate::at_most(field, list, MAX_ALARM_ACTIONS)?;
    }
    validate::tags("tags", tags)
}

impl Validate for PutMetricMathAlarmRequest {
    fn validate(&self) -> Result<()> {
        // CloudWatch API reference, PutMetricAlarm (`Metrics`) and MetricDataQuery.
        validate::non_empty("metrics", &self.metrics)?;
        validate::at_most("metrics", &self.metrics, MAX_ALARM_QUERIES)?;
        check_queries("metrics", &self.metrics)?;
        let stats = self.metrics.iter().filter(|q| q.metric.is_some()).count();
        if stats > MAX_ALARM_METRIC_QUERIES {
            return Err(Error::validation(
                "metrics",
                format!("at most {MAX_ALARM_METRIC_QUERIES} queries may retrieve a metric (got {stats})"),
            ));
        }
        let exprs = self.metrics.len() - stats;
        if exprs > MAX_ALARM_EXPRESSION_QUERIES {
            return Err(Error::validation(
                "metrics",
                format!("at most {MAX_ALARM_EXPRESSION_QUERIES} queries may be expressions (got {exprs})"),
            ));
        }
        let returning: Vec<&str> = self
            .metrics
            .iter()
            .filter(|q| q.return_data)
            .map(|q| q.id.as_str())
            .collect();
        if returning.len() != 1 {
            return Err(Error::validation(
                "metrics",
                format!(
                    "exactly one query must have return_data set: the series the alarm watches (got {}: {returning:?}; queries default to return_data = true)",
                    returning.len()
                ),
            ));
        }
        for (i, q) in self.metrics.iter().enumerate() {
            if let Some(m) = &q.metric {
                check_alarm_period(&format!("metrics[{i}].metric.period_secs"), m.period_secs)?;
            }
            if let Some(p) = q.period_secs {
                check_alarm_period(&format!("metrics[{i}].period_secs"), p)?;
            }
        }
        check_alarm_common(
            &self.comparison,
            self.description.as_ref(),
            alarm_query_period(&self.metrics),
            self.evaluation_periods,
            self.datapoints_to_alarm,
            self.threshold,
            [
                ("alarm_actions", &self.alarm_actions),
                ("ok_actions", &self.ok_actions),
                ("insufficient_data_actions", &self.insufficient_data_actions),
            ],
            &self.tags,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Composite alarms

/// The longest composite alarm rule, in characters (model shape `AlarmRule`: 1-10240).
pub const MAX_ALARM_RULE_CHARS: usize = 10_240;

/// A request to create or replace a composite alarm (PutCompositeAlarm): an alarm whose state
/// is a rule over other alarms' states, such as
/// `ALARM(cpu-high) AND NOT ALARM("deploy-in-progress")`.
///
/// The rule syntax (API reference, PutCompositeAlarm `AlarmRule`): `ALARM(x)`, `OK(x)`,
/// `INSUFFICIENT_DATA(x)` with an alarm name or ARN `x` (optionally in double quotes), `TRUE`,
/// `FALSE`, combined with `AND`, `OR`, `NOT` and parentheses. The client checks the length
/// only (1-10,240 characters, as the model does); CloudWatch checks the syntax and that the
/// alarms exist. Action suppressors and action configuration are not carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct PutCompositeAlarmRequest {
    /// The alarm name (unique in the region, among metric and composite alarms).
    pub alarm_name: AlarmName,
    /// A description (at most 1024 characters).
    pub description: Option<String>,
    /// The rule (1-10,240 characters).
    pub rule: String,
    /// Actions on entering `ALARM` (at most 5).
    #[builder(default)]
    pub alarm_actions: Vec<Arn>,
    /// Actions on entering `OK` (at most 5).
    #[builder(default)]
    pub ok_actions: Vec<Arn>,
    /// Actions on entering `INSUFFICIENT_DATA` (at most 5).
    #[builder(default)]
    pub insufficient_data_actions: Vec<Arn>,
    /// Whether actions run on state changes (default `true`).
    #[builder(default = true)]
    pub actions_enabled: bool,
    /// Tags (applied on creation).
    #[builder(default)]
    pub tags: Tags,
}
validated_builder!(
    PutCompositeAlarmRequest,
    PutCompositeAlarmRequestBuilder,
    put_composite_alarm_request_builder
);

impl Validate for PutCompositeAlarmRequest {
    fn validate(&self) -> Result<()> {
        // CloudWatch API reference, PutCompositeAlarm; model shapes AlarmRule (1-10240),
        // AlarmDescription (0-1024), ResourceList (at most 5).
        if let Some(d) = &self.description {
            validate::len_in("description", d, 0, MAX_ALARM_DESCRIPTION_CHARS)?;
        }
        validate::len_in("rule", &self.rule, 1, MAX_ALARM_RULE_CHARS)?;
        for (field, actions) in [
            ("alarm_actions", &self.alarm_actions),
            ("ok_actions", &self.ok_actions),
            ("insufficient_data_actions", &self.insufficient_data_actions),
        ] {
            validate::at_most(field, actions, MAX_ALARM_ACTIONS)?;
        }
        validate::tags("tags", &self.tags)
    }
}

/// A composite alarm as DescribeAlarms reports it (`AlarmTypes` = `CompositeAlarm`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct CompositeAlarm {
    /// The name.
    pub name: AlarmName,
    /// The ARN.
    #[builder(default)]
    pub arn: String,
    /// The description.
    pub description: Option<String>,
    /// The rule.
    #[builder(default)]
    pub rule: String,
    /// Actions on entering `ALARM`.
    #[builder(default)]
    pub alarm_actions: Vec<Arn>,
    /// Actions on entering `OK`.
    #[builder(default)]
    pub ok_actions: Vec<Arn>,
    /// Actions on entering `INSUFFICIENT_DATA`.
    #[builder(default)]
    pub insufficient_data_actions: Vec<Arn>,
    /// Whether actions run.
    #[builder(default = true)]
    pub actions_enabled: bool,
    /// The current state.
    #[builder(default = AlarmState::InsufficientData)]
    pub state: AlarmState,
    /// Why it is in that state.
    pub state_reason: Option<String>,
    /// When the state last changed.
    pub state_updated: Option<SystemTime>,
}

/// A metric alarm as DescribeAlarms reports it. (Tags are not part of DescribeAlarms's
/// answer, so they are not here: [`CloudWatch::list_tags_for_resource`] reads them by `arn`.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct MetricAlarm {
    /// The name.
    pub name: AlarmName,
    /// The ARN.
    #[builder(default)]
    pub arn: String,
    /// The description.
    pub description: Option<String>,
    /// The metric's namespace.
    #[builder(default)]
    pub namespace: String,
    /// The metric name.
    #[builder(default)]
    pub metric_name: String,
    /// The metric's dimensions.
    #[builder(default)]
    pub dimensions: Vec<Dimension>,
    /// The statistic.
    pub statistic: Option<Statistic>,
    /// The percentile, for alarms on one.
    pub extended_statistic: Option<String>,
    /// The period in seconds.
    #[builder(default = 60)]
    pub period_secs: u32,
    /// N.
    #[builder(default = 1)]
    pub evaluation_periods: u32,
    /// M (`None`: N).
    pub datapoints_to_alarm: Option<u32>,
    /// The threshold.
    pub threshold: f64,
    /// The comparison.
    pub comparison: ComparisonOperator,
    /// How missing data is treated.
    #[builder(default)]
    pub treat_missing_data: TreatMissingData,
    /// Actions on entering `ALARM`.
    #[builder(default)]
    pub alarm_actions: Vec<Arn>,
    /// Actions on entering `OK`.
    #[builder(default)]
    pub ok_actions: Vec<Arn>,
    /// Actions on entering `INSUFFICIENT_DATA`.
    #[builder(default)]
    pub insufficient_data_actions: Vec<Arn>,
    /// Whether actions run.
    #[builder(default = true)]
    pub actions_enabled: bool,
    /// The unit filter.
    pub unit: Option<Unit>,
    /// The queries of a metric-math alarm ([`PutMetricMathAlarmRequest`]; `Metrics`), the one
    /// the alarm watches with `return_data`; empty for an alarm on one metric (whose
    /// `namespace`, `metric_name`, `period_secs`, ... are then set instead).
    #[builder(default)]
    pub metrics: Vec<MetricDataQuery>,
    /// The current state.
    #[builder(default = AlarmState::InsufficientData)]
    pub state: AlarmState,
    /// Why it is in that state.
    pub state_reason: Option<String>,
    /// When the state last changed.
    pub state_updated: Option<SystemTime>,
}

/// Which alarms to describe.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct DescribeAlarmsRequest {
    /// Alarm names (at most 100; empty: all).
    #[builder(default)]
    pub names: Vec<AlarmName>,
    /// Only alarms whose name starts with this (not with `names`).
    pub name_prefix: Option<String>,
    /// Only alarms in this state.
    pub state: Option<AlarmState>,
}
validated_builder!(
    DescribeAlarmsRequest,
    DescribeAlarmsRequestBuilder,
    describe_alarms_request_builder
);

impl Validate for DescribeAlarmsRequest {
    fn validate(&self) -> Result<()> {
        // CloudWatch API reference, DescribeAlarms: AlarmNames at most 100; AlarmNamePrefix
        // 1-255 and not together with AlarmNames.
        validate::at_most("names", &self.names, MAX_ALARM_NAMES)?;
        if let Some(p) = &self.name_prefix {
            validate::len_in("name_prefix", p, 1, MAX_ALARM_NAME_PREFIX_CHARS)?;
            if !self.names.is_empty() {
                return Err(Error::validation("name_prefix", "cannot be combined with names"));
            }
        }
        Ok(())
    }
}

/// A request to set an alarm's state by hand (SetAlarmState).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""), on(String, into))]
pub struct SetAlarmStateRequest {
    /// The alarm.
    pub alarm_name: AlarmName,
    /// The new state.
    pub state: AlarmState,
    /// Why (0-1023 characters).
    pub reason: String,
}
validated_builder!(
    SetAlarmStateRequest,
    SetAlarmStateRequestBuilder,
    set_alarm_state_request_builder
);

impl Validate for SetAlarmStateRequest {
    fn validate(&self) -> Result<()> {
        // CloudWatch API reference, SetAlarmState: StateReason 0-1023 characters.
        if self.reason.chars().count() > 1023 {
            return Err(Error::validation(
                "reason",
                format!("must be at most 1023 characters (got {})", self.reason.chars().count()),
            ));
        }
        Ok(())
    }
}

/// Checks a list of alarm names for DeleteAlarms (1-100 names).
pub fn validate_alarm_names(names: &[AlarmName]) -> Result<()> {
    validate::non_empty("names", names)?;
    validate::at_most("names", names, MAX_ALARM_NAMES)
}

// ---------------------------------------------------------------------------------------------
// Alarm history

crate::macros::open_enum! {
    /// The kind of an alarm history item (model shape `HistoryItemType`).
    pub enum HistoryItemType {
        /// The alarm was created or its configuration changed.
        ConfigurationUpdate = "ConfigurationUpdate",
        /// The alarm changed state.
        StateUpdate = "StateUpdate",
        /// An action of the alarm ran (or failed to).
        Action = "Action",
    }
}

/// Which alarm history to read (DescribeAlarmHistory). The items of metric alarms are
/// returned (DescribeAlarmHistory `AlarmTypes`: "If you omit this parameter, only metric
/// alarms are returned"), newest first; CloudWatch keeps the history of a deleted alarm.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Builder)]
#[builder(finish_fn(name = build_unchecked, vis = ""))]
pub struct DescribeAlarmHistoryRequest {
    /// Only this alarm's history (all alarms if `None`).
    pub alarm_name: Option<AlarmName>,
    /// Only items of this kind.
    pub item_type: Option<HistoryItemType>,
    /// Only items at or after this time.
    pub start: Option<SystemTime>,
    /// Only items at or before this time.
    pub end: Option<SystemTime>,
}
validated_builder!(
    DescribeAlarmHistoryRequest,
    DescribeAlarmHistoryRequestBuilder,
    describe_alarm_history_request_builder
);

impl Validate for DescribeAlarmHistoryRequest {
    fn validate(&self) -> Result<()> {
        // The model bounds neither date; a range that ends before it starts can match nothing.
        if let (Some(start), Some(end)) = (self.start, self.end)
            && end < start
        {
            return Err(Error::validation("end", "must not be earlier than start"));
        }
        Ok(())
    }
}

/// One item of an alarm's history (model shape `AlarmHistoryItem`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Builder)]
#[non_exhaustive]
#[builder(on(String, into))]
pub struct AlarmHistoryItem {
    /// The alarm.
    pub alarm_name: AlarmName,
    /// `MetricAlarm` or `CompositeAlarm` (as AWS names it; `None` if not reported).
    pub alarm_type: Option<String>,
    /// When it happened.
    pub timestamp: SystemTime,
    /// What kind of item it is.
    #[builder(default = HistoryItemType::StateUpdate)]
    pub item_type: HistoryItemType,
    /// A one-line summary (`Alarm updated from OK to ALARM`, ...; 1-255 characters).
    #[builder(default)]
    pub summary: String,
    /// The details, as JSON text (`HistoryData`), if any.
    pub data: Option<String>,
}
