//! Simulated CloudWatch: metric storage and statistics, metric alarms evaluated lazily on the
//! virtual clock (with actions, Lambda ones invoked), AWS-published metrics of the simulated
//! EC2 instances and load balancers, and dashboards.
//!
//! Simplifications (documented where they matter):
//! - An alarm is evaluated at each period boundary (aligned to the epoch) once the virtual clock
//!   has passed it, over the `evaluation_periods` periods that end there; AWS evaluates a little
//!   later and, with `missing`, may look further back than N periods. Here, with `missing` (and
//!   `ignore`), the state is decided on the periods that have data; all N missing gives
//!   `INSUFFICIENT_DATA` (`missing`) or keeps the state (`ignore`). At most
//!   [`MAX_CATCH_UP`] boundaries per alarm are evaluated per settle (the most recent ones).
//! - Data older than 15 days is dropped (AWS keeps it for 15 months, aggregated).
//! - Built-in metrics are recorded per minute of virtual time (at most 3 hours back):
//!   `AWS/EC2` `CPUUtilization` (5-15 %), `StatusCheckFailed` and
//!   `StatusCheckFailed_AttachedEBS` (0) per running instance, `AWS/ApplicationELB`
//!   `HealthyHostCount` / `UnHealthyHostCount` per target group of an active load balancer.
//! - Metric math (GetMetricData expressions, metric-math alarms): a subset, see
//!   `cloudwatch_math` (numbers, ids, `+ - * /`, `SUM`/`AVG`/`MIN`/`MAX`); anything else is
//!   `Error::Unsupported`, not a guess. A metric-math alarm is evaluated like a metric alarm
//!   over the series of its `return_data` query, at the boundaries of that query's period.
//! - Composite alarms are evaluated after the metric alarms at each settle, and at once when
//!   created or when a child's state is set: `ALARM` if the rule holds, else `OK` (they start
//!   `INSUFFICIENT_DATA`, as AWS's do). Action suppressors are not modelled.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::json;
use tokio::time::Instant;

use super::cloudwatch_math::{self as math, MathError, Rule, Series};
use super::{Inventory, SimCloud, SimState};
use crate::Tags;
use crate::cloudwatch::*;
use crate::error::Service;
use crate::id::{AlarmName, Arn};
use crate::page::{Page, PageRequest};
use crate::validate::Validate;

const SVC: Service = Service::CloudWatch;
/// PutMetricData accepts timestamps up to two weeks old...
const MAX_AGE: Duration = Duration::from_secs(14 * 24 * 3600);
/// ... and up to two hours ahead (CloudWatch User Guide, "Publishing custom metrics").
const MAX_AHEAD: Duration = Duration::from_secs(2 * 3600);
/// Samples older than this are dropped.
const RETENTION: Duration = Duration::from_secs(15 * 24 * 3600);
/// Built-in metrics are backfilled at most this far.
const BUILTIN_BACKFILL_SECS: u64 = 3 * 3600;
/// At most this many period boundaries are evaluated per alarm and settle.
pub(crate) const MAX_CATCH_UP: u64 = 1_440;
/// DescribeAlarms page size (AWS's maximum MaxRecords).
const DESCRIBE_PAGE: usize = 100;

/// (namespace, metric name, dimensions sorted by name).
type MetricKey = (String, String, Vec<(String, String)>);

#[derive(Debug, Clone)]
enum SampleData {
    /// Raw values with their counts.
    Values(Vec<(f64, f64)>),
    /// A pre-aggregated statistic set (no percentiles).
    Set(StatisticSet),
}

#[derive(Debug, Clone)]
struct Sample {
    t: SystemTime,
    data: SampleData,
    unit: Option<Unit>,
}

struct AlarmRec {
    alarm: MetricAlarm,
    /// The tags given when the alarm was created (an update keeps them, as PutMetricAlarm
    /// ignores the tags of an update).
    tags: Tags,
    /// The next period boundary (epoch seconds) to evaluate at.
    next_eval: u64,
    /// The latest boundary evaluated (None before the first evaluation).
    last_eval: Option<u64>,
}

struct CompositeRec {
    alarm: CompositeAlarm,
    /// The tags given at creation (kept by updates).
    tags: Tags,
    /// The parsed rule.
    rule: Rule,
    /// The children's states at the last evaluation (`None`: evaluate at the next settle). A
    /// composite alarm is evaluated when a child's state changes, so a state set by
    /// SetAlarmState lasts until then.
    seen: Option<Vec<Option<AlarmState>>>,
}

/// CloudWatch's part of the simulated region.
#[derive(Default)]
pub(crate) struct CwState {
    metrics: BTreeMap<MetricKey, Vec<Sample>>,
    alarms: BTreeMap<String, AlarmRec>,
    /// Composite alarms (their names are unique among all alarms).
    composites: BTreeMap<String, CompositeRec>,
    dashboards: BTreeMap<String, String>,
    /// The tags of dashboards (TagResource; PutDashboard takes none), dropped with them.
    dashboard_tags: BTreeMap<String, Tags>,
    fired: Vec<(AlarmName, AlarmState, String)>,
    /// Alarm history items in the order they happened, kept when the alarm is deleted
    /// (DescribeAlarmHistory: "CloudWatch retains the history of an alarm even if you delete the
    /// alarm"). AWS drops old items after a retention period; the simulator keeps them all.
    history: Vec<AlarmHistoryItem>,
    /// The next minute (epoch seconds) of built-in metrics to record.
    builtin_next: Option<u64>,
    /// Turns off built-in metrics (unit tests that do not involve EC2/ELB).
    pub(crate) builtin_disabled: bool,
}

pub(crate) fn inventory(st: &mut SimState, _now: Instant, inv: &mut Inventory) {
    for name in st.cw.alarms.keys().chain(st.cw.composites.keys()) {
        inv.add("alarm", name.clone());
    }
    for name in st.cw.dashboards.keys() {
        inv.add("dashboard", name.clone());
    }
}

// ---------------------------------------------------------------------------------------------
// Time helpers

fn secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs()
}

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// `2026-01-01T00:05:00.000+0000`, the format of alarm events.
fn fmt_time(t: SystemTime) -> String {
    super::millis_timestamp(t)
}

// ---------------------------------------------------------------------------------------------
// Storage and statistics

fn key(namespace: &str, metric_name: &str, dims: &[Dimension]) -> MetricKey {
    let mut d: Vec<(String, String)> = dims.iter().map(|d| (d.name.clone(), d.value.clone())).collect();
    d.sort();
    (namespace.to_string(), metric_name.to_string(), d)
}

fn insert(cw: &mut CwState, k: MetricKey, s: Sample) {
    let v = cw.metrics.entry(k).or_default();
    let i = v.partition_point(|x| x.t <= s.t);
    v.insert(i, s);
}

/// The samples with `from <= t < to`.
fn window(samples: &[Sample], from: SystemTime, to: SystemTime) -> &[Sample] {
    let a = samples.partition_point(|s| s.t < from);
    let b = samples.partition_point(|s| s.t < to);
    &samples[a..b.max(a)]
}

/// The statistics of a set of samples.
#[derive(Debug, Clone)]
struct Agg {
    count: f64,
    sum: f64,
    min: f64,
    max: f64,
    raw: Vec<(f64, f64)>,
    has_set: bool,
    unit: Option<Unit>,
}

impl Agg {
    /// Aggregates the samples with the given unit (any unit if `None`); `None` if nothing.
    fn of<'a>(samples: impl IntoIterator<Item = &'a Sample>, unit: Option<Unit>) -> Option<Agg> {
        let mut a = Agg {
            count: 0.0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            raw: Vec::new(),
            has_set: false,
            unit: None,
        };
        for s in samples {
            if unit.is_some() && s.unit != unit {
                continue;
            }
            a.unit = a.unit.or(s.unit);
            match &s.data {
                SampleData::Values(vs) => {
                    for &(v, c) in vs {
                        if c <= 0.0 {
                            continue;
                        }
                        a.count += c;
                        a.sum += v * c;
                        a.min = a.min.min(v);
                        a.max = a.max.max(v);
                        a.raw.push((v, c));
                    }
                }
                SampleData::Set(set) => {
                    a.has_set = true;
                    a.count += set.sample_count;
                    a.sum += set.sum;
                    a.min = a.min.min(set.minimum);
                    a.max = a.max.max(set.maximum);
                }
            }
        }
        (a.count > 0.0).then_some(a)
    }

    fn stat(&self, s: Statistic) -> f64 {
        match s {
            Statistic::SampleCount => self.count,
            Statistic::Sum => self.sum,
            Statistic::Average => self.sum / self.count,
            Statistic::Minimum => self.min,
            Statistic::Maximum => self.max,
        }
    }

    /// Nearest-rank percentile over the raw values weighted by their counts; `None` when part
    /// of the data is a statistic set (AWS cannot compute percentiles from those either).
    fn percentile(&self, p: f64) -> Option<f64> {
        if self.has_set || self.raw.is_empty() {
            return None;
        }
        let mut raw = self.raw.clone();
        raw.sort_by(|a, b| a.0.total_cmp(&b.0));
        let rank = (p * self.count / 100.0 - 1e-9).ceil().max(f64::MIN_POSITIVE);
        let mut cum = 0.0;
        for (v, c) in &raw {
            cum += c;
            if cum >= rank {
                return Some(*v);
            }
        }
        raw.last().map(|x| x.0)
    }

    /// A statistic by AWS name (`Average`, `p90`, ...).
    fn get(&self, stat: &str) -> Option<f64> {
        match Statistic::parse(stat) {
            Some(s) => Some(self.stat(s)),
            None => self.percentile(parse_percentile(stat)?),
        }
    }
}

/// The samples of [start, end) grouped by period (aligned to the epoch), with their statistics.
fn buckets(
    samples: &[Sample],
    start: SystemTime,
    end: SystemTime,
    period: u32,
    unit: Option<Unit>,
) -> Vec<(SystemTime, Agg)> {
    let p = u64::from(period.max(1));
    let w = window(samples, start, end);
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let b = secs(w[i].t) / p * p;
        let j = i + w[i..].partition_point(|s| secs(s.t) / p * p == b);
        if let Some(a) = Agg::of(&w[i..j], unit) {
            out.push((at(b), a));
        }
        i = j;
    }
    out
}

/// The series of one metric statistic over [start, end), by period start.
fn stat_series(cw: &CwState, m: &MetricStat, start: SystemTime, end: SystemTime) -> Series {
    let metric = &m.metric;
    let samples = cw
        .metrics
        .get(&key(&metric.namespace, &metric.metric_name, &metric.dimensions))
        .map(Vec::as_slice)
        .unwrap_or_default();
    buckets(samples, start, end, m.period_secs, None)
        .into_iter()
        .filter_map(|(t, a)| Some((secs(t), a.get(&m.stat)?)))
        .collect()
}

/// A metric math error as CloudWatch answers it (`ValidationError`), or as the simulator's
/// limit (`Unsupported`).
fn math_error(operation: &'static str, id: &str, e: MathError) -> crate::Error {
    match e {
        MathError::Invalid(m) => SimCloud::err(SVC, "ValidationError", format!("Error in expression '{id}': {m}")),
        MathError::Unsupported(m) => crate::Error::Unsupported {
            service: SVC,
            operation,
            reason: format!(
                "the simulator does not evaluate {m} (query '{id}'; it evaluates numbers, query ids, + - * / and SUM, AVG, MIN, MAX)"
            ),
        },
    }
}

/// The period an alarm is evaluated at: its own, or that of the query a metric-math alarm
/// watches.
fn alarm_period(a: &MetricAlarm) -> u32 {
    if a.metrics.is_empty() {
        a.period_secs
    } else {
        alarm_query_period(&a.metrics).unwrap_or(60)
    }
    .max(1)
}

/// The metrics an alarm reads.
fn alarm_keys(a: &MetricAlarm) -> Vec<MetricKey> {
    if a.metrics.is_empty() {
        return vec![key(&a.namespace, &a.metric_name, &a.dimensions)];
    }
    a.metrics
        .iter()
        .filter_map(|q| q.metric.as_ref())
        .map(|m| key(&m.metric.namespace, &m.metric.metric_name, &m.metric.dimensions))
        .collect()
}

fn builtin_unit(metric_name: &str) -> Option<Unit> {
    Some(match metric_name {
        "CPUUtilization" => Unit::Percent,
        "Duration" | "TargetResponseTime" => Unit::Milliseconds,
        _ => Unit::Count,
    })
}

// ---------------------------------------------------------------------------------------------
// Alarms

fn alarm_stat(a: &MetricAlarm) -> String {
    match (&a.statistic, &a.extended_statistic) {
        (Some(s), _) => s.as_str().to_string(),
        (None, Some(p)) => p.clone(),
        (None, None) => "Average".to_string(),
    }
}

fn comparison_words(c: &ComparisonOperator) -> &'static str {
    match c {
        ComparisonOperator::Unknown(_) => "compared with",
        ComparisonOperator::GreaterThanOrEqualToThreshold => "greater than or equal to",
        ComparisonOperator::GreaterThanThreshold => "greater than",
        ComparisonOperator::LessThanThreshold => "less than",
        ComparisonOperator::LessThanOrEqualToThreshold => "less than or equal to",
        // Refused by PutMetricAlarmRequest: never stored here.
        ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold => "outside the band",
        ComparisonOperator::LessThanLowerThreshold => "below the band",
        ComparisonOperator::GreaterThanUpperThreshold => "above the band",
    }
}

/// Evaluates an alarm at period boundary `t_end`: the new state and reason, or `None` to keep
/// the current state (`ignore` with no data).
fn evaluate(cw: &CwState, a: &MetricAlarm, t_end: u64) -> Option<(AlarmState, String)> {
    let p = u64::from(alarm_period(a));
    let n = u64::from(a.evaluation_periods);
    let m = a.datapoints_to_alarm.unwrap_or(a.evaluation_periods) as usize;
    let mut values: Vec<Option<f64>> = Vec::with_capacity(n as usize);
    if a.metrics.is_empty() {
        let stat = alarm_stat(a);
        let samples = cw
            .metrics
            .get(&key(&a.namespace, &a.metric_name, &a.dimensions))
            .map(Vec::as_slice)
            .unwrap_or_default();
        for k in (1..=n).rev() {
            let Some(from) = t_end.checked_sub(k * p) else {
                values.push(None);
                continue;
            };
            let w = window(samples, at(from), at(from + p));
            values.push(Agg::of(w, a.unit).and_then(|g| g.get(&stat)));
        }
    } else {
        // The watched series over the N periods that end at `t_end`, each query's metric
        // bucketed by its own period; checked when the alarm was stored, so an error here
        // (none expected) counts as no data.
        let from = t_end.saturating_sub(n * p);
        let fetch = |ms: &MetricStat| stat_series(cw, ms, at(from), at(t_end));
        let watched = a.metrics.iter().find(|q| q.return_data).map(|q| q.id.as_str());
        let series = math::evaluate_queries(&a.metrics, &fetch)
            .ok()
            .and_then(|mut all| all.remove(watched?))
            .unwrap_or_default();
        for k in (1..=n).rev() {
            values.push(t_end.checked_sub(k * p).and_then(|start| series.get(&start).copied()));
        }
    }
    let present = values.iter().flatten().count();
    let breaching_present = values
        .iter()
        .flatten()
        .filter(|v| a.comparison.breaches(**v, a.threshold))
        .count();
    let missing = values.len() - present;
    let breaching = match a.treat_missing_data {
        TreatMissingData::Breaching => breaching_present + missing,
        _ => breaching_present,
    };
    let words = comparison_words(&a.comparison);
    if breaching >= m {
        return Some((
            AlarmState::Alarm,
            format!(
                "Threshold Crossed: {breaching} out of the last {n} datapoints were {words} the threshold ({}) (minimum {m} datapoints for OK -> ALARM transition).",
                a.threshold
            ),
        ));
    }
    if present == 0 {
        match a.treat_missing_data {
            TreatMissingData::Missing => {
                return Some((
                    AlarmState::InsufficientData,
                    format!("Insufficient Data: {n} datapoints were unknown."),
                ));
            }
            TreatMissingData::Ignore => return None,
            // breaching: handled above (all N count as breaching); notBreaching: OK below.
            _ => {}
        }
    }
    Some((
        AlarmState::Ok,
        format!(
            "Threshold Crossed: {breaching} out of the last {n} datapoints were {words} the threshold ({}) (minimum {m} datapoints for ALARM transition).",
            a.threshold
        ),
    ))
}

/// Appends an item to the alarm history (`HistoryData` as JSON text, as AWS sends it).
fn record_history(
    cw: &mut CwState,
    name: &AlarmName,
    t: SystemTime,
    item_type: HistoryItemType,
    summary: String,
    data: serde_json::Value,
) {
    record_history_of(cw, "MetricAlarm", name, t, item_type, summary, data);
}

/// [`record_history`] for an alarm of the given type (`MetricAlarm`, `CompositeAlarm`).
fn record_history_of(
    cw: &mut CwState,
    alarm_type: &str,
    name: &AlarmName,
    t: SystemTime,
    item_type: HistoryItemType,
    summary: String,
    data: serde_json::Value,
) {
    cw.history.push(AlarmHistoryItem {
        alarm_name: name.clone(),
        alarm_type: Some(alarm_type.into()),
        timestamp: t,
        item_type,
        summary,
        data: Some(data.to_string()),
    });
}

/// A Lambda function ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`).
fn is_lambda_function(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() >= 7 && parts[2] == "lambda" && parts[5] == "function" && !parts[6].is_empty()
}

/// The queries of a metric-math alarm as its alarm events carry them.
fn queries_json(queries: &[MetricDataQuery]) -> serde_json::Value {
    queries
        .iter()
        .map(|q| {
            let mut o = json!({ "id": q.id, "returnData": q.return_data });
            if let Some(ms) = &q.metric {
                let dims: serde_json::Map<String, serde_json::Value> = ms
                    .metric
                    .dimensions
                    .iter()
                    .map(|d| (d.name.clone(), json!(d.value)))
                    .collect();
                o["metricStat"] = json!({
                    "metric": { "namespace": ms.metric.namespace, "name": ms.metric.metric_name, "dimensions": dims },
                    "period": ms.period_secs,
                    "stat": ms.stat,
                });
            }
            if let Some(e) = &q.expression {
                o["expression"] = json!(e);
            }
            if let Some(l) = &q.label {
                o["label"] = json!(l);
            }
            o
        })
        .collect()
}

/// A Lambda invocation due to an alarm action.
type PendingInvoke = (String, serde_json::Value);

impl SimCloud {
    /// EnableAlarmActions / DisableAlarmActions: sets `actions_enabled` of the named alarms
    /// (names of no alarm are skipped, as AWS answers success for them).
    async fn set_actions_enabled(&self, names: Vec<AlarmName>, enabled: bool) -> crate::Result<()> {
        validate_alarm_names(&names)?;
        self.settle_alarms().await;
        let mut st = self.lock();
        for n in &names {
            if let Some(rec) = st.cw.alarms.get_mut(n.as_str()) {
                rec.alarm.actions_enabled = enabled;
            }
        }
        Ok(())
    }

    fn alarm_arn(&self, name: &str) -> String {
        let c = &self.inner.config;
        format!("arn:aws:cloudwatch:{}:{}:alarm:{name}", c.region, c.account_id)
    }

    fn dashboard_arn(&self, name: &str) -> String {
        format!("arn:aws:cloudwatch::{}:dashboard/{name}", self.inner.config.account_id)
    }

    /// The tags of the alarm or dashboard `arn` names; `ResourceNotFoundException` (HTTP 404;
    /// botocore's CloudWatch model, for ListTagsForResource, TagResource and UntagResource), not
    /// the `ResourceNotFound` of GetDashboard / SetAlarmState, if there is none.
    fn tags_of<'a>(&self, cw: &'a mut CwState, arn: &Arn) -> crate::Result<&'a mut Tags> {
        if let Some(name) = cw
            .alarms
            .iter()
            .find(|(_, r)| r.alarm.arn == arn.as_str())
            .map(|(n, _)| n.clone())
        {
            return Ok(&mut cw.alarms.get_mut(&name).expect("found above").tags);
        }
        if let Some(name) = cw
            .composites
            .iter()
            .find(|(_, r)| r.alarm.arn == arn.as_str())
            .map(|(n, _)| n.clone())
        {
            return Ok(&mut cw.composites.get_mut(&name).expect("found above").tags);
        }
        if let Some(name) = cw.dashboards.keys().find(|n| self.dashboard_arn(n) == arn.as_str()) {
            return Ok(cw.dashboard_tags.entry(name.clone()).or_default());
        }
        Err(SimCloud::err(
            SVC,
            "ResourceNotFoundException",
            format!("The resource {arn} does not exist."),
        ))
    }

    /// The event CloudWatch sends a Lambda alarm action.
    fn alarm_event(
        &self,
        a: &MetricAlarm,
        previous: (AlarmState, Option<String>, Option<SystemTime>),
        t: SystemTime,
    ) -> serde_json::Value {
        let c = &self.inner.config;
        let dims: serde_json::Map<String, serde_json::Value> =
            a.dimensions.iter().map(|d| (d.name.clone(), json!(d.value))).collect();
        json!({
            "source": "aws.cloudwatch",
            "alarmArn": a.arn,
            "accountId": c.account_id,
            "time": fmt_time(t),
            "region": c.region,
            "alarmData": {
                "alarmName": a.name.as_str(),
                "state": {
                    "value": a.state.as_str(),
                    "reason": a.state_reason.clone().unwrap_or_default(),
                    "timestamp": fmt_time(t),
                },
                "previousState": {
                    "value": previous.0.as_str(),
                    "reason": previous.1.unwrap_or_default(),
                    "timestamp": previous.2.map(fmt_time).unwrap_or_default(),
                },
                "configuration": {
                    "description": a.description.clone().unwrap_or_default(),
                    "metrics": if !a.metrics.is_empty() { queries_json(&a.metrics) } else { json!([{
                        "id": "m1",
                        "metricStat": {
                            "metric": {
                                "namespace": a.namespace,
                                "name": a.metric_name,
                                "dimensions": dims,
                            },
                            "period": a.period_secs,
                            "stat": alarm_stat(a),
                        },
                        "returnData": true,
                    }]) },
                },
            },
        })
    }

    /// Moves an alarm to `state` at `t`; on a change, records the reason and fires the new
    /// state's actions (Lambda ones are returned, to be invoked once the lock is released).
    fn transition(
        &self,
        cw: &mut CwState,
        name: &str,
        state: AlarmState,
        reason: String,
        t: SystemTime,
    ) -> Vec<PendingInvoke> {
        let Some(rec) = cw.alarms.get_mut(name) else {
            return Vec::new();
        };
        let a = &mut rec.alarm;
        if a.state == state {
            return Vec::new();
        }
        let previous = (a.state.clone(), a.state_reason.take(), a.state_updated);
        a.state = state.clone();
        a.state_reason = Some(reason.clone());
        a.state_updated = Some(t);
        let a = a.clone();
        record_history(
            cw,
            &a.name,
            t,
            HistoryItemType::StateUpdate,
            format!("Alarm updated from {} to {}", previous.0.as_str(), state.as_str()),
            json!({
                "version": "1.0",
                "oldState": {
                    "stateValue": previous.0.as_str(),
                    "stateReason": previous.1.clone().unwrap_or_default(),
                },
                "newState": { "stateValue": state.as_str(), "stateReason": reason },
            }),
        );
        if !a.actions_enabled {
            return Vec::new();
        }
        let actions: &[Arn] = match &state {
            AlarmState::Alarm => &a.alarm_actions,
            AlarmState::Ok => &a.ok_actions,
            AlarmState::InsufficientData => &a.insufficient_data_actions,
            AlarmState::Unknown(_) => &[],
        };
        let mut invokes = Vec::new();
        for arn in actions {
            cw.fired.push((a.name.clone(), state.clone(), arn.to_string()));
            record_history(
                cw,
                &a.name,
                t,
                HistoryItemType::Action,
                format!("Successfully executed action {arn}"),
                json!({ "actionState": "Succeeded", "notificationResource": arn.as_str() }),
            );
            if is_lambda_function(arn.as_str()) {
                invokes.push((arn.to_string(), self.alarm_event(&a, previous.clone(), t)));
            }
        }
        invokes
    }

    /// Records the built-in metrics of every complete minute since the last settle.
    fn record_builtins(&self, st: &mut SimState, now: SystemTime) {
        if st.cw.builtin_disabled {
            return;
        }
        let now_s = secs(now);
        let origin = secs(self.wall(self.inner.origin)) / 60 * 60;
        let mut next = st.cw.builtin_next.unwrap_or(origin);
        let cap = (now_s / 60 * 60).saturating_sub(BUILTIN_BACKFILL_SECS);
        next = next.max(cap);
        let cfg = self.inner.config.clone();
        while next + 60 <= now_s {
            let t = at(next);
            let instant = self.instant_at(t);
            let tgs = super::elb::target_group_metrics(st, &cfg, instant);
            // Synthetic traffic (`SimCloud::drive_load`): request counts and the CPU it costs.
            let load = super::autoscaling::load_minute(st, &tgs, instant);
            for (ns, name, dims, value) in &load.metrics {
                let dims: Vec<(&str, &str)> = dims.iter().map(|(k, v)| (*k, v.as_str())).collect();
                record_builtin(st, ns, name, &dims, *value, t);
            }
            for id in super::ec2::running_instances(st, &cfg, instant) {
                let dims = [("InstanceId", id.as_str())];
                let idle = 5.0 + 10.0 * self.random();
                let cpu = load.cpu.get(&id).map_or(idle, |busy| (5.0 + busy).min(100.0));
                let cpu = st.asg.cpu.get(&id).copied().unwrap_or(cpu);
                let cpu = (cpu * 100.0).round() / 100.0;
                record_builtin(st, "AWS/EC2", "CPUUtilization", &dims, cpu, t);
                record_builtin(st, "AWS/EC2", "StatusCheckFailed", &dims, 0.0, t);
                record_builtin(st, "AWS/EC2", "StatusCheckFailed_AttachedEBS", &dims, 0.0, t);
                // EC2 publishes its metrics by Auto Scaling group too (every instance's
                // sample, so the group's Average is the instances' mean).
                if let Some(group) = super::ec2::instance_tag(st, &id, crate::autoscaling::GROUP_NAME_TAG) {
                    let group = group.to_string();
                    let dims = [("AutoScalingGroupName", group.as_str())];
                    record_builtin(st, "AWS/EC2", "CPUUtilization", &dims, cpu, t);
                }
            }
            for tg in tgs {
                let dims = [
                    ("TargetGroup", tg.target_group.as_str()),
                    ("LoadBalancer", tg.load_balancer.as_str()),
                ];
                record_builtin(
                    st,
                    "AWS/ApplicationELB",
                    "HealthyHostCount",
                    &dims,
                    f64::from(tg.healthy),
                    t,
                );
                record_builtin(
                    st,
                    "AWS/ApplicationELB",
                    "UnHealthyHostCount",
                    &dims,
                    f64::from(tg.unhealthy),
                    t,
                );
            }
            next += 60;
        }
        st.cw.builtin_next = Some(next);
    }

    /// Settles CloudWatch to now under the lock: built-in metrics, retention, alarm
    /// evaluations. Returns the Lambda invocations due.
    fn settle_locked(&self, st: &mut SimState) -> Vec<PendingInvoke> {
        let now = self.wall(self.now());
        self.record_builtins(st, now);
        let cw = &mut st.cw;
        let oldest = now.checked_sub(RETENTION).unwrap_or(SystemTime::UNIX_EPOCH);
        cw.metrics.retain(|_, v| {
            let cut = v.partition_point(|s| s.t < oldest);
            v.drain(..cut);
            !v.is_empty()
        });
        let now_s = secs(now);
        let names: Vec<String> = cw.alarms.keys().cloned().collect();
        let mut invokes = Vec::new();
        for name in names {
            let Some(rec) = cw.alarms.get(&name) else { continue };
            let p = u64::from(alarm_period(&rec.alarm));
            let mut t = rec.next_eval;
            if t > now_s {
                continue;
            }
            let last = now_s / p * p;
            if (last - t) / p >= MAX_CATCH_UP {
                t = last - (MAX_CATCH_UP - 1) * p;
            }
            while t <= last {
                let alarm = &cw.alarms[&name].alarm;
                if let Some((state, reason)) = evaluate(cw, alarm, t) {
                    invokes.extend(self.transition(cw, &name, state, reason, at(t)));
                }
                t += p;
            }
            if let Some(rec) = cw.alarms.get_mut(&name) {
                rec.next_eval = t;
                rec.last_eval = Some(t - p);
            }
        }
        invokes.extend(self.settle_composites(cw, now));
        invokes
    }

    /// Evaluates the composite alarms against their children's states until none changes
    /// (at most once more than there are composites, so a cycle ends).
    fn settle_composites(&self, cw: &mut CwState, t: SystemTime) -> Vec<PendingInvoke> {
        let mut invokes = Vec::new();
        for _ in 0..=cw.composites.len() {
            let mut changed = false;
            let names: Vec<String> = cw.composites.keys().cloned().collect();
            for name in names {
                let rec = &cw.composites[&name];
                let now_seen: Vec<Option<AlarmState>> =
                    rec.rule.children().iter().map(|c| child_state(cw, c)).collect();
                if rec.seen.as_ref() == Some(&now_seen) {
                    continue;
                }
                let holds = rec.rule.holds(&|child: &str| child_state(cw, child));
                if let Some(r) = cw.composites.get_mut(&name) {
                    r.seen = Some(now_seen);
                }
                let rec = &cw.composites[&name];
                let state = if holds { AlarmState::Alarm } else { AlarmState::Ok };
                if rec.alarm.state != state {
                    let reason = format!(
                        "The rule {} evaluated to {}.",
                        rec.alarm.rule,
                        if holds { "TRUE" } else { "FALSE" }
                    );
                    invokes.extend(self.transition_composite(cw, &name, state, reason, t));
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        invokes
    }

    /// Moves a composite alarm to `state`: history, actions (Lambda ones returned).
    fn transition_composite(
        &self,
        cw: &mut CwState,
        name: &str,
        state: AlarmState,
        reason: String,
        t: SystemTime,
    ) -> Vec<PendingInvoke> {
        let Some(rec) = cw.composites.get_mut(name) else {
            return Vec::new();
        };
        let a = &mut rec.alarm;
        if a.state == state {
            return Vec::new();
        }
        let previous = (a.state.clone(), a.state_reason.take(), a.state_updated);
        a.state = state.clone();
        a.state_reason = Some(reason.clone());
        a.state_updated = Some(t);
        let a = a.clone();
        record_history_of(
            cw,
            "CompositeAlarm",
            &a.name,
            t,
            HistoryItemType::StateUpdate,
            format!("Alarm updated from {} to {}", previous.0.as_str(), state.as_str()),
            json!({
                "version": "1.0",
                "oldState": { "stateValue": previous.0.as_str(), "stateReason": previous.1.clone().unwrap_or_default() },
                "newState": { "stateValue": state.as_str(), "stateReason": reason },
            }),
        );
        if !a.actions_enabled {
            return Vec::new();
        }
        let actions: &[Arn] = match &state {
            AlarmState::Alarm => &a.alarm_actions,
            AlarmState::Ok => &a.ok_actions,
            AlarmState::InsufficientData => &a.insufficient_data_actions,
            AlarmState::Unknown(_) => &[],
        };
        let c = &self.inner.config;
        let mut invokes = Vec::new();
        for arn in actions {
            cw.fired.push((a.name.clone(), state.clone(), arn.to_string()));
            record_history_of(
                cw,
                "CompositeAlarm",
                &a.name,
                t,
                HistoryItemType::Action,
                format!("Successfully executed action {arn}"),
                json!({ "actionState": "Succeeded", "notificationResource": arn.as_str() }),
            );
            if is_lambda_function(arn.as_str()) {
                let event = json!({
                    "source": "aws.cloudwatch",
                    "alarmArn": a.arn,
                    "accountId": c.account_id,
                    "time": fmt_time(t),
                    "region": c.region,
                    "alarmData": {
                        "alarmName": a.name.as_str(),
                        "state": { "value": state.as_str(), "reason": reason.clone(), "timestamp": fmt_time(t) },
                        "previousState": {
                            "value": previous.0.as_str(),
                            "reason": previous.1.clone().unwrap_or_default(),
                            "timestamp": previous.2.map(fmt_time).unwrap_or_default(),
                        },
                        "configuration": {
                            "alarmRule": a.rule,
                            "description": a.description.clone().unwrap_or_default(),
                        },
                    },
                });
                invokes.push((arn.to_string(), event));
            }
        }
        invokes
    }

    /// Late data: a datum for a period an alarm has already evaluated. AWS evaluates every
    /// minute over the recent periods, so its next evaluation counts it; here the alarm is
    /// evaluated again at its latest boundary (the same window), at once.
    fn reevaluate_late(&self, st: &mut SimState, late: &[(MetricKey, u64)], now: SystemTime) -> Vec<PendingInvoke> {
        if late.is_empty() {
            return Vec::new();
        }
        let due: Vec<(String, MetricAlarm, u64)> = st
            .cw
            .alarms
            .iter()
            .filter_map(|(name, rec)| {
                let last = rec.last_eval?;
                let keys = alarm_keys(&rec.alarm);
                late.iter()
                    .any(|(lk, t)| keys.contains(lk) && *t < last)
                    .then(|| (name.clone(), rec.alarm.clone(), last))
            })
            .collect();
        let mut invokes = Vec::new();
        for (name, alarm, last) in due {
            if let Some((state, reason)) = evaluate(&st.cw, &alarm, last) {
                invokes.extend(self.transition(&mut st.cw, &name, state, reason, now));
            }
        }
        invokes.extend(self.settle_composites(&mut st.cw, now));
        invokes
    }

    async fn run_invokes(&self, invokes: Vec<PendingInvoke>) {
        for (arn, event) in invokes {
            super::lambda::invoke_from_alarm(self, &arn, event).await;
        }
    }

    /// Brings CloudWatch up to the virtual now: records built-in metrics, evaluates alarms at
    /// every period boundary passed, fires actions (invoking Lambda actions after the state
    /// lock is released).
    pub(crate) async fn settle_alarms(&self) {
        let invokes = {
            let mut st = self.lock();
            self.settle_locked(&mut st)
        };
        self.run_invokes(invokes).await;
    }

    /// Evaluates every alarm up to the virtual now and fires the actions of the state changes.
    ///
    /// Every CloudWatch call does this first; call it in tests after `tokio::time::advance` to
    /// see alarm actions run without another CloudWatch call.
    pub async fn evaluate_alarms(&self) {
        self.settle_alarms().await;
    }

    /// Every alarm action fired so far, in order: (alarm, the state it entered, action ARN).
    /// Lambda actions are listed too (and were invoked).
    pub fn fired_actions(&self) -> Vec<(AlarmName, AlarmState, String)> {
        self.lock().cw.fired.clone()
    }
}

impl SimCloud {
    /// PutMetricAlarm (either form): stores `alarm`, keeping the state (and tags) of the alarm
    /// it replaces; a new alarm starts `INSUFFICIENT_DATA`.
    fn store_metric_alarm(&self, mut alarm: MetricAlarm, new_tags: Tags) -> crate::Result<()> {
        let now = self.wall(self.now());
        let p = u64::from(alarm_period(&alarm));
        let next_eval = (secs(now) / p + 1) * p;
        let name = alarm.name.to_string();
        alarm.arn = self.alarm_arn(&name);
        let mut st = self.lock();
        if st.cw.composites.contains_key(&name) {
            return Err(SimCloud::err(
                SVC,
                "ValidationError",
                format!("The alarm {name} is a composite alarm; a metric alarm cannot have its name."),
            ));
        }
        // An update replaces the configuration and keeps the state (PutMetricAlarm).
        let (tags, kind) = match st.cw.alarms.get(&name) {
            Some(old) => {
                alarm.state = old.alarm.state.clone();
                alarm.state_reason = old.alarm.state_reason.clone();
                alarm.state_updated = old.alarm.state_updated;
                (old.tags.clone(), "Update")
            }
            None => {
                alarm.state = AlarmState::InsufficientData;
                alarm.state_reason = Some("Unchecked: Initial alarm creation".to_string());
                alarm.state_updated = Some(now);
                (new_tags, "Create")
            }
        };
        let verb = if kind == "Create" { "created" } else { "updated" };
        record_history(
            &mut st.cw,
            &alarm.name,
            now,
            HistoryItemType::ConfigurationUpdate,
            format!("Alarm \"{name}\" {verb}"),
            json!({ "version": "1.0", "type": kind, "alarmName": name }),
        );
        st.cw.alarms.insert(
            name,
            AlarmRec {
                alarm,
                tags,
                next_eval,
                last_eval: None,
            },
        );
        Ok(())
    }
}

/// The state of a metric or composite alarm by name.
fn child_state(cw: &CwState, name: &str) -> Option<AlarmState> {
    cw.alarms
        .get(name)
        .map(|r| r.alarm.state.clone())
        .or_else(|| cw.composites.get(name).map(|r| r.alarm.state.clone()))
}

fn not_found(what: &str) -> crate::Error {
    SimCloud::err(SVC, "ResourceNotFound", what)
}

/// Checks a dashboard body beyond its JSON shape, as PutDashboard does: every widget is an
/// object with a `type`.
fn check_widgets(body: &str) -> crate::Result<()> {
    let v: serde_json::Value = serde_json::from_str(body).map_err(|e| {
        SimCloud::err(
            SVC,
            "InvalidParameterInput",
            format!("The field DashboardBody must be a valid JSON object: {e}"),
        )
    })?;
    let widgets = v.get("widgets").and_then(serde_json::Value::as_array).ok_or_else(|| {
        SimCloud::err(
            SVC,
            "InvalidParameterInput",
            "The field DashboardBody must have a widgets array",
        )
    })?;
    for (i, w) in widgets.iter().enumerate() {
        if !w.get("type").is_some_and(serde_json::Value::is_string) {
            return Err(SimCloud::err(
                SVC,
                "InvalidParameterInput",
                format!("The field DashboardBody is invalid: widgets[{i}] should have required property 'type'"),
            ));
        }
    }
    Ok(())
}

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl crate::cloudwatch::CloudWatch for SimCloud {
    async fn put_metric_data(&self, req: PutMetricDataRequest) -> crate::Result<()> {
        req.check()?;
        self.settle_alarms().await;
        let now = self.wall(self.now());
        let oldest = now.checked_sub(MAX_AGE).unwrap_or(SystemTime::UNIX_EPOCH);
        // Check every datum before storing any.
        for (i, d) in req.data.iter().enumerate() {
            let t = d.timestamp.unwrap_or(now);
            if t < oldest {
                return Err(SimCloud::err(
                    SVC,
                    "InvalidParameterValue",
                    format!(
                        "The parameter MetricData.member.{}.Timestamp must specify a time no more than two weeks in the past.",
                        i + 1
                    ),
                ));
            }
            if t > now + MAX_AHEAD {
                return Err(SimCloud::err(
                    SVC,
                    "InvalidParameterValue",
                    format!(
                        "The parameter MetricData.member.{}.Timestamp must specify a time no more than two hours in the future.",
                        i + 1
                    ),
                ));
            }
        }
        let invokes = {
            let mut st = self.lock();
            // Only a sample older than some alarm's latest evaluation can be late data.
            let latest_eval = st.cw.alarms.values().filter_map(|r| r.last_eval).max();
            let mut late: Vec<(MetricKey, u64)> = Vec::new();
            for d in req.data {
                let data = if let Some(v) = d.value {
                    SampleData::Values(vec![(v, 1.0)])
                } else if let Some(s) = d.statistic_values {
                    SampleData::Set(s)
                } else {
                    let counts = d.counts.iter().copied().chain(std::iter::repeat(1.0));
                    SampleData::Values(d.values.iter().copied().zip(counts).collect())
                };
                let sample = Sample {
                    t: d.timestamp.unwrap_or(now),
                    data,
                    unit: d.unit,
                };
                let k = key(&req.namespace, &d.metric_name, &d.dimensions);
                let t = secs(sample.t);
                if latest_eval.is_some_and(|last| t < last) {
                    late.push((k.clone(), t));
                }
                insert(&mut st.cw, k, sample);
            }
            self.reevaluate_late(&mut st, &late, now)
        };
        self.run_invokes(invokes).await;
        Ok(())
    }

    async fn get_metric_statistics(&self, req: GetMetricStatisticsRequest) -> crate::Result<Vec<Datapoint>> {
        req.validate()?;
        self.settle_alarms().await;
        let st = self.lock();
        let Some(samples) = st
            .cw
            .metrics
            .get(&key(&req.namespace, &req.metric_name, &req.dimensions))
        else {
            return Ok(Vec::new());
        };
        let want = |s: Statistic| req.statistics.contains(&s);
        let points = buckets(samples, req.start, req.end, req.period_secs, req.unit)
            .into_iter()
            .map(|(t, a)| {
                let pick = |s: Statistic| want(s).then(|| a.stat(s));
                Datapoint {
                    timestamp: t,
                    sample_count: pick(Statistic::SampleCount),
                    sum: pick(Statistic::Sum),
                    average: pick(Statistic::Average),
                    minimum: pick(Statistic::Minimum),
                    maximum: pick(Statistic::Maximum),
                    extended: req
                        .extended_statistics
                        .iter()
                        .filter_map(|p| Some((p.clone(), a.get(p)?)))
                        .collect(),
                    unit: req.unit.or(a.unit),
                }
            })
            .collect();
        Ok(points)
    }

    async fn get_metric_data(&self, req: GetMetricDataRequest) -> crate::Result<Vec<MetricDataResult>> {
        req.validate()?;
        self.settle_alarms().await;
        let st = self.lock();
        let fetch = |m: &MetricStat| stat_series(&st.cw, m, req.start, req.end);
        let mut all =
            math::evaluate_queries(&req.queries, &fetch).map_err(|(id, e)| math_error("GetMetricData", &id, e))?;
        let mut out = Vec::new();
        for q in req.queries.iter().filter(|q| q.return_data) {
            let series = all.remove(&q.id).unwrap_or_default();
            let default_label = match &q.metric {
                Some(m) => m.metric.metric_name.clone(),
                None => q.id.clone(),
            };
            out.push(MetricDataResult {
                id: q.id.clone(),
                label: Some(q.label.clone().unwrap_or(default_label)),
                timestamps: series.keys().map(|t| at(*t)).collect(),
                values: series.values().copied().collect(),
                status: MetricDataStatus::Complete,
            });
        }
        Ok(out)
    }

    async fn list_metrics(&self, req: ListMetricsRequest) -> crate::Result<Vec<Metric>> {
        req.validate()?;
        self.settle_alarms().await;
        let now = self.wall(self.now());
        let recent = now.checked_sub(MAX_AGE).unwrap_or(SystemTime::UNIX_EPOCH);
        let st = self.lock();
        let out = st
            .cw
            .metrics
            .iter()
            .filter(|((ns, name, dims), samples)| {
                req.namespace.as_ref().is_none_or(|n| n == ns)
                    && req.metric_name.as_ref().is_none_or(|n| n == name)
                    && req.dimensions.iter().all(|f| {
                        dims.iter()
                            .any(|(k, v)| *k == f.name && f.value.as_ref().is_none_or(|fv| fv == v))
                    })
                    && samples.last().is_some_and(|s| s.t >= recent)
            })
            .map(|((ns, name, dims), _)| Metric {
                namespace: ns.clone(),
                metric_name: name.clone(),
                dimensions: dims.iter().map(|(k, v)| Dimension::new(k, v)).collect(),
            })
            .collect();
        Ok(out)
    }

    async fn list_metrics_page(&self, req: ListMetricsRequest, page: PageRequest) -> crate::Result<Page<Metric>> {
        if page.size.is_some() {
            return Err(crate::Error::validation(
                "PageRequest.size",
                "ListMetrics takes no page size (AWS answers up to 500 a page)",
            ));
        }
        // ListMetrics: "Up to 500 results are returned for any one call."
        let all = self.list_metrics(req).await?;
        super::page_of(&all, &page, 500, 500)
    }

    async fn put_metric_alarm(&self, req: PutMetricAlarmRequest) -> crate::Result<()> {
        req.validate()?;
        self.settle_alarms().await;
        let alarm = MetricAlarm {
            name: req.alarm_name,
            arn: String::new(),
            description: req.description,
            namespace: req.namespace,
            metric_name: req.metric_name,
            dimensions: req.dimensions,
            statistic: req.statistic,
            extended_statistic: req.extended_statistic,
            period_secs: req.period_secs,
            evaluation_periods: req.evaluation_periods,
            datapoints_to_alarm: req.datapoints_to_alarm,
            threshold: req.threshold,
            comparison: req.comparison,
            treat_missing_data: req.treat_missing_data,
            alarm_actions: req.alarm_actions,
            ok_actions: req.ok_actions,
            insufficient_data_actions: req.insufficient_data_actions,
            actions_enabled: req.actions_enabled,
            unit: req.unit,
            metrics: Vec::new(),
            state: AlarmState::InsufficientData,
            state_reason: None,
            state_updated: None,
        };
        self.store_metric_alarm(alarm, req.tags)
    }

    async fn put_metric_math_alarm(&self, req: PutMetricMathAlarmRequest) -> crate::Result<()> {
        req.validate()?;
        // What CloudWatch checks of the expressions (syntax, ids, one series), on no data.
        math::evaluate_queries(&req.metrics, &|_| Series::new())
            .map_err(|(id, e)| math_error("PutMetricAlarm", &id, e))?;
        self.settle_alarms().await;
        // DescribeAlarms reports no Period, statistic or metric for a metric-math alarm.
        let alarm = MetricAlarm {
            name: req.alarm_name,
            arn: String::new(),
            description: req.description,
            namespace: String::new(),
            metric_name: String::new(),
            dimensions: Vec::new(),
            statistic: None,
            extended_statistic: None,
            period_secs: 0,
            evaluation_periods: req.evaluation_periods,
            datapoints_to_alarm: req.datapoints_to_alarm,
            threshold: req.threshold,
            comparison: req.comparison,
            treat_missing_data: req.treat_missing_data,
            alarm_actions: req.alarm_actions,
            ok_actions: req.ok_actions,
            insufficient_data_actions: req.insufficient_data_actions,
            actions_enabled: req.actions_enabled,
            unit: None,
            metrics: req.metrics,
            state: AlarmState::InsufficientData,
            state_reason: None,
            state_updated: None,
        };
        self.store_metric_alarm(alarm, req.tags)
    }

    async fn put_composite_alarm(&self, req: PutCompositeAlarmRequest) -> crate::Result<()> {
        req.validate()?;
        let rule = math::parse_rule(&req.rule).map_err(|m| SimCloud::err(SVC, "ValidationError", m))?;
        self.settle_alarms().await;
        let now = self.wall(self.now());
        let name = req.alarm_name.to_string();
        let arn = self.alarm_arn(&name);
        let invokes = {
            let mut st = self.lock();
            let cw = &mut st.cw;
            if cw.alarms.contains_key(&name) {
                return Err(SimCloud::err(
                    SVC,
                    "ValidationError",
                    format!("The alarm {name} is a metric alarm; a composite alarm cannot have its name."),
                ));
            }
            // PutCompositeAlarm refuses a rule naming alarms that do not exist.
            let missing: Vec<String> = rule
                .children()
                .into_iter()
                .filter(|c| *c != name && child_state(cw, c).is_none())
                .collect();
            if !missing.is_empty() {
                return Err(SimCloud::err(
                    SVC,
                    "ValidationError",
                    format!(
                        "Could not save the composite alarm as alarms [{}] in the alarm rule do not exist",
                        missing.join(", ")
                    ),
                ));
            }
            let old = cw.composites.get(&name);
            let (state, state_reason, state_updated, tags, kind) = match old {
                Some(o) => (
                    o.alarm.state.clone(),
                    o.alarm.state_reason.clone(),
                    o.alarm.state_updated,
                    o.tags.clone(),
                    "Update",
                ),
                None => (
                    AlarmState::InsufficientData,
                    Some("Unchecked: Initial alarm creation".to_string()),
                    Some(now),
                    req.tags,
                    "Create",
                ),
            };
            let alarm = CompositeAlarm {
                name: req.alarm_name,
                arn,
                description: req.description,
                rule: req.rule,
                alarm_actions: req.alarm_actions,
                ok_actions: req.ok_actions,
                insufficient_data_actions: req.insufficient_data_actions,
                actions_enabled: req.actions_enabled,
                state,
                state_reason,
                state_updated,
            };
            let verb = if kind == "Create" { "created" } else { "updated" };
            record_history_of(
                cw,
                "CompositeAlarm",
                &alarm.name,
                now,
                HistoryItemType::ConfigurationUpdate,
                format!("Alarm \"{name}\" {verb}"),
                json!({ "version": "1.0", "type": kind, "alarmName": name }),
            );
            cw.composites.insert(
                name,
                CompositeRec {
                    alarm,
                    tags,
                    rule,
                    seen: None,
                },
            );
            // "The alarm is then evaluated and its state is set appropriately."
            self.settle_composites(cw, now)
        };
        self.run_invokes(invokes).await;
        Ok(())
    }

    async fn describe_composite_alarms(&self, req: DescribeAlarmsRequest) -> crate::Result<Vec<CompositeAlarm>> {
        req.validate()?;
        self.settle_alarms().await;
        let st = self.lock();
        Ok(st
            .cw
            .composites
            .values()
            .map(|r| &r.alarm)
            .filter(|a| req.names.is_empty() || req.names.contains(&a.name))
            .filter(|a| {
                req.name_prefix
                    .as_ref()
                    .is_none_or(|p| a.name.as_str().starts_with(p.as_str()))
            })
            .filter(|a| req.state.as_ref().is_none_or(|s| a.state == *s))
            .cloned()
            .collect())
    }

    async fn describe_alarms(&self, req: DescribeAlarmsRequest) -> crate::Result<Vec<MetricAlarm>> {
        req.validate()?;
        self.settle_alarms().await;
        let st = self.lock();
        let matching: Vec<MetricAlarm> = st
            .cw
            .alarms
            .values()
            .map(|r| &r.alarm)
            .filter(|a| req.names.is_empty() || req.names.contains(&a.name))
            .filter(|a| {
                req.name_prefix
                    .as_ref()
                    .is_none_or(|p| a.name.as_str().starts_with(p.as_str()))
            })
            .filter(|a| req.state.as_ref().is_none_or(|s| a.state == *s))
            .cloned()
            .collect();
        Ok(matching)
    }

    async fn describe_alarms_page(
        &self,
        req: DescribeAlarmsRequest,
        page: PageRequest,
    ) -> crate::Result<Page<MetricAlarm>> {
        // DescribeAlarms: MaxRecords defaults to 50, at most 100.
        let all = self.describe_alarms(req).await?;
        super::page_of(&all, &page, 50, DESCRIBE_PAGE)
    }

    async fn delete_alarms(&self, names: Vec<AlarmName>) -> crate::Result<()> {
        validate_alarm_names(&names)?;
        self.settle_alarms().await;
        // DeleteAlarms: "If you specify any incorrect alarm names, the alarms you specify with
        // correct names are still deleted."
        let mut st = self.lock();
        let cw = &mut st.cw;
        // DeleteAlarms: "this total can include no more than one composite alarm".
        let composites = names.iter().filter(|n| cw.composites.contains_key(n.as_str())).count();
        if composites > 1 {
            return Err(SimCloud::err(
                SVC,
                "ValidationError",
                format!("At most one composite alarm can be deleted per request (got {composites})."),
            ));
        }
        // An alarm a remaining composite alarm's rule names cannot be deleted (DeleteAlarms:
        // "you can't delete any composite alarm that is part of the cycle because there is
        // always still a composite alarm that depends on that alarm"; the model's errors are
        // ResourceNotFound and ResourceConflict).
        for n in &names {
            if let Some((parent, _)) = cw
                .composites
                .iter()
                .filter(|(p, _)| !names.iter().any(|d| d.as_str() == p.as_str()))
                .find(|(_, r)| r.rule.children().iter().any(|c| c == n.as_str()))
            {
                return Err(SimCloud::err(
                    SVC,
                    "ResourceConflict",
                    format!("The alarm {n} cannot be deleted: the composite alarm {parent} refers to it."),
                ));
            }
        }
        for n in &names {
            cw.alarms.remove(n.as_str());
            cw.composites.remove(n.as_str());
        }
        Ok(())
    }

    async fn enable_alarm_actions(&self, names: Vec<AlarmName>) -> crate::Result<()> {
        self.set_actions_enabled(names, true).await
    }

    async fn disable_alarm_actions(&self, names: Vec<AlarmName>) -> crate::Result<()> {
        self.set_actions_enabled(names, false).await
    }

    async fn describe_alarm_history(&self, req: DescribeAlarmHistoryRequest) -> crate::Result<Vec<AlarmHistoryItem>> {
        req.validate()?;
        self.settle_alarms().await;
        let st = self.lock();
        let mut items: Vec<AlarmHistoryItem> = st
            .cw
            .history
            .iter()
            .rev()
            // AlarmTypes left out: "only metric alarms are returned".
            .filter(|h| h.alarm_type.as_deref() == Some("MetricAlarm"))
            .filter(|h| req.alarm_name.as_ref().is_none_or(|n| *n == h.alarm_name))
            .filter(|h| req.item_type.as_ref().is_none_or(|k| *k == h.item_type))
            .filter(|h| req.start.is_none_or(|t| h.timestamp >= t))
            .filter(|h| req.end.is_none_or(|t| h.timestamp <= t))
            .cloned()
            .collect();
        // Newest first (ScanBy TimestampDescending, the default); among items of one time, the
        // latest recorded first.
        items.sort_by_key(|h| std::cmp::Reverse(h.timestamp));
        Ok(items)
    }

    async fn set_alarm_state(&self, req: SetAlarmStateRequest) -> crate::Result<()> {
        req.validate()?;
        self.settle_alarms().await;
        let now = self.wall(self.now());
        let invokes = {
            let mut st = self.lock();
            let name = req.alarm_name.as_str();
            let cw = &mut st.cw;
            let mut invokes = if cw.alarms.contains_key(name) {
                self.transition(cw, name, req.state, req.reason, now)
            } else if cw.composites.contains_key(name) {
                self.transition_composite(cw, name, req.state, req.reason, now)
            } else {
                return Err(not_found(&format!("Alarm '{name}' not found")));
            };
            // The parents see the new state at once.
            invokes.extend(self.settle_composites(cw, now));
            invokes
        };
        self.run_invokes(invokes).await;
        Ok(())
    }

    async fn put_dashboard(&self, req: PutDashboardRequest) -> crate::Result<()> {
        req.validate()?;
        self.settle_alarms().await;
        check_widgets(&req.body)?;
        self.lock().cw.dashboards.insert(req.name, req.body);
        Ok(())
    }

    async fn get_dashboard(&self, name: String) -> crate::Result<Dashboard> {
        validate_dashboard_name("name", &name)?;
        self.settle_alarms().await;
        let st = self.lock();
        let body = st
            .cw
            .dashboards
            .get(&name)
            .ok_or_else(|| not_found(&format!("Dashboard '{name}' does not exist")))?;
        Ok(Dashboard {
            arn: self.dashboard_arn(&name),
            body: body.clone(),
            name,
        })
    }

    async fn delete_dashboards(&self, names: Vec<String>) -> crate::Result<()> {
        validate_dashboard_names(&names)?;
        self.settle_alarms().await;
        let mut st = self.lock();
        // DeleteDashboards: "If there is an error during this call, no dashboards are deleted."
        if let Some(missing) = names.iter().find(|n| !st.cw.dashboards.contains_key(*n)) {
            return Err(not_found(&format!("Dashboard '{missing}' does not exist")));
        }
        for n in &names {
            st.cw.dashboards.remove(n);
            st.cw.dashboard_tags.remove(n);
        }
        Ok(())
    }

    async fn list_tags_for_resource(&self, arn: Arn) -> crate::Result<Tags> {
        validate_resource_arn(&arn)?;
        self.settle_alarms().await;
        let mut st = self.lock();
        Ok(self.tags_of(&mut st.cw, &arn)?.clone())
    }

    async fn tag_resource(&self, arn: Arn, tags: Tags) -> crate::Result<()> {
        validate_resource_arn(&arn)?;
        validate_tags_to_add(&tags)?;
        self.settle_alarms().await;
        let mut st = self.lock();
        let have = self.tags_of(&mut st.cw, &arn)?;
        // At most 50 tags per resource (CloudWatch User Guide, "Tagging your Amazon CloudWatch
        // resources": "Maximum number of tags per resource – 50"); TagResource's errors in the
        // model include only InvalidParameterValueException (code `InvalidParameterValue`) for it.
        let total = tags.keys().filter(|k| !have.contains_key(*k)).count() + have.len();
        if total > crate::validate::MAX_TAGS {
            return Err(SimCloud::err(
                SVC,
                "InvalidParameterValue",
                format!("The resource {arn} would have {total} tags; at most 50 are allowed."),
            ));
        }
        have.extend(tags);
        Ok(())
    }

    async fn untag_resource(&self, arn: Arn, keys: Vec<String>) -> crate::Result<()> {
        validate_resource_arn(&arn)?;
        validate_tag_keys(&keys)?;
        self.settle_alarms().await;
        let mut st = self.lock();
        let have = self.tags_of(&mut st.cw, &arn)?;
        for k in &keys {
            have.remove(k);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Contract with the other simulated services: metrics AWS publishes on their behalf
// (AWS/Lambda Invocations and Errors, ...). Signature fixed; the CloudWatch simulator owns the body.

/// Records one datapoint of an AWS-published metric (namespace such as `AWS/Lambda`) at `at`.
pub(crate) fn record_builtin(
    st: &mut SimState,
    namespace: &str,
    metric_name: &str,
    dimensions: &[(&str, &str)],
    value: f64,
    at: std::time::SystemTime,
) {
    let dims: Vec<Dimension> = dimensions.iter().map(|(k, v)| Dimension::new(*k, *v)).collect();
    let sample = Sample {
        t: at,
        data: SampleData::Values(vec![(value, 1.0)]),
        unit: builtin_unit(metric_name),
    };
    insert(&mut st.cw, key(namespace, metric_name, &dims), sample);
}

/// The tags of alarm `name`, `None` if there is none.
pub(crate) fn alarm_tags(st: &SimState, name: &str) -> Option<Tags> {
    st.cw
        .alarms
        .get(name)
        .map(|r| r.tags.clone())
        .or_else(|| st.cw.composites.get(name).map(|r| r.tags.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudwatch::CloudWatch;
    use std::sync::{Arc, Mutex};

    /// A simulator without built-in metrics (they call into the EC2 and ELBv2 simulators).
    fn sim() -> SimCloud {
        // A fixed calendar (2026-01-01T00:00:00Z), so event times are reproducible.
        let s = SimCloud::with_config(crate::sim::SimConfig {
            calendar_start: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600)),
            ..Default::default()
        });
        s.lock().cw.builtin_disabled = true;
        s
    }

    fn start(s: &SimCloud) -> SystemTime {
        s.wall(s.now())
    }

    async fn put(s: &SimCloud, d: MetricDatum) -> crate::Result<()> {
        s.put_metric_data(PutMetricDataRequest::builder().namespace("App").data(vec![d]).build()?)
            .await
    }

    fn value(v: f64) -> MetricDatum {
        MetricDatum::builder().metric_name("Load").value(v).build().unwrap()
    }

    async fn minute(s: &SimCloud, v: Option<f64>) {
        if let Some(v) = v {
            put(s, value(v)).await.unwrap();
        }
        tokio::time::advance(Duration::from_secs(60)).await;
    }

    fn alarm_req(name: &str, n: u32, m: Option<u32>, treat: TreatMissingData) -> PutMetricAlarmRequest {
        PutMetricAlarmRequest::builder()
            .alarm_name(name.parse().unwrap())
            .namespace("App")
            .metric_name("Load")
            .statistic(Statistic::Maximum)
            .period_secs(60)
            .evaluation_periods(n)
            .maybe_datapoints_to_alarm(m)
            .threshold(50.0)
            .comparison(ComparisonOperator::GreaterThanThreshold)
            .treat_missing_data(treat)
            .alarm_actions(vec!["arn:aws:sns:us-east-1:123456789012:ops".parse().unwrap()])
            .ok_actions(vec!["arn:aws:sns:us-east-1:123456789012:ok".parse().unwrap()])
            .insufficient_data_actions(vec!["arn:aws:sns:us-east-1:123456789012:nodata".parse().unwrap()])
            .build()
            .unwrap()
    }

    async fn state(s: &SimCloud, name: &str) -> AlarmState {
        let req = DescribeAlarmsRequest::builder()
            .names(vec![name.parse().unwrap()])
            .build()
            .unwrap();
        s.describe_alarms(req).await.unwrap()[0].state.clone()
    }

    fn code(e: crate::Error) -> String {
        e.code().unwrap_or_default().to_string()
    }

    /// Data that arrives after its period was evaluated still counts (AWS's next evaluation
    /// sees it), as long as its period is in the alarm's window.
    #[tokio::test(start_paused = true)]
    async fn late_data_is_counted_by_the_next_evaluation() {
        let s = sim();
        let t0 = start(&s);
        s.put_metric_alarm(alarm_req("late", 1, None, TreatMissingData::Missing))
            .await
            .unwrap();
        // The minute [0, 60) is evaluated at 60 with no data.
        tokio::time::advance(Duration::from_secs(70)).await;
        assert_eq!(state(&s, "late").await, AlarmState::InsufficientData);
        // A datum stamped at 30 s arrives at 70 s (a publisher's batch, say).
        let mut d = value(90.0);
        d.timestamp = Some(t0 + Duration::from_secs(30));
        put(&s, d).await.unwrap();
        assert_eq!(state(&s, "late").await, AlarmState::Alarm);
        assert_eq!(s.fired_actions().last().map(|f| f.1.clone()), Some(AlarmState::Alarm));
        // Too late: a datum for a period outside the window changes nothing.
        tokio::time::advance(Duration::from_secs(120)).await;
        let state_now = state(&s, "late").await;
        let mut old = value(1.0);
        old.timestamp = Some(t0 + Duration::from_secs(10));
        put(&s, old).await.unwrap();
        assert_eq!(state(&s, "late").await, state_now);
    }

    #[tokio::test(start_paused = true)]
    async fn statistics_with_values_counts_and_percentiles() {
        let s = sim();
        let t0 = start(&s);
        // Minute 0: values 1..=10 once each, plus 100 three times (13 samples).
        let d = MetricDatum::builder()
            .metric_name("Latency")
            .values((1..=10).map(f64::from).chain([100.0]).collect())
            .counts([1.0; 10].into_iter().chain([3.0]).collect())
            .unit(Unit::Milliseconds)
            .build()
            .unwrap();
        put(&s, d).await.unwrap();
        // Minute 1: a statistic set only.
        let set = MetricDatum::builder()
            .metric_name("Latency")
            .timestamp(t0 + Duration::from_secs(70))
            .statistic_values(StatisticSet {
                sample_count: 4.0,
                sum: 20.0,
                minimum: 2.0,
                maximum: 8.0,
            })
            .unit(Unit::Milliseconds)
            .build()
            .unwrap();
        put(&s, set).await.unwrap();
        tokio::time::advance(Duration::from_secs(300)).await;
        let req = GetMetricStatisticsRequest::builder()
            .namespace("App")
            .metric_name("Latency")
            .start(t0)
            .end(t0 + Duration::from_secs(300))
            .period_secs(60)
            .statistics(vec![
                Statistic::SampleCount,
                Statistic::Sum,
                Statistic::Average,
                Statistic::Minimum,
                Statistic::Maximum,
            ])
            .extended_statistics(vec!["p50".into(), "p90".into(), "p100".into()])
            .build()
            .unwrap();
        let points = s.get_metric_statistics(req).await.unwrap();
        assert_eq!(points.len(), 2);
        let p = &points[0];
        assert_eq!(p.timestamp, t0);
        assert_eq!(p.sample_count, Some(13.0));
        assert_eq!(p.sum, Some(355.0));
        assert_eq!(p.average, Some(355.0 / 13.0));
        assert_eq!(p.minimum, Some(1.0));
        assert_eq!(p.maximum, Some(100.0));
        // Nearest rank: p50 → rank 7 → 7; p90 → rank 12 → 100.
        assert_eq!(p.extended["p50"], 7.0);
        assert_eq!(p.extended["p90"], 100.0);
        assert_eq!(p.extended["p100"], 100.0);
        assert_eq!(p.unit, Some(Unit::Milliseconds));
        let q = &points[1];
        assert_eq!(q.timestamp, t0 + Duration::from_secs(60));
        assert_eq!(q.average, Some(5.0));
        assert_eq!(q.minimum, Some(2.0));
        assert!(q.extended.is_empty(), "no percentiles from a statistic set: {q:?}");
        // A unit filter that matches nothing.
        let req = GetMetricStatisticsRequest::builder()
            .namespace("App")
            .metric_name("Latency")
            .start(t0)
            .end(t0 + Duration::from_secs(300))
            .period_secs(300)
            .statistics(vec![Statistic::SampleCount])
            .unit(Unit::Seconds)
            .build()
            .unwrap();
        assert!(s.get_metric_statistics(req).await.unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn timestamps_out_of_range_store_nothing() {
        let s = sim();
        tokio::time::advance(Duration::from_secs(15 * 24 * 3600)).await;
        let now = start(&s);
        let old = MetricDatum::builder()
            .metric_name("Load")
            .timestamp(now - Duration::from_secs(14 * 24 * 3600 + 1))
            .value(1.0)
            .build()
            .unwrap();
        let e = s
            .put_metric_data(
                PutMetricDataRequest::builder()
                    .namespace("App")
                    .data(vec![value(1.0), old])
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(code(e), "InvalidParameterValue");
        let ahead = MetricDatum::builder()
            .metric_name("Load")
            .timestamp(now + Duration::from_secs(2 * 3600 + 1))
            .value(1.0)
            .build()
            .unwrap();
        assert_eq!(code(put(&s, ahead).await.unwrap_err()), "InvalidParameterValue");
        assert!(
            s.list_metrics(Default::default()).await.unwrap().is_empty(),
            "nothing stored"
        );
        // An invalid request is refused before anything happens.
        let mut bad = PutMetricDataRequest::builder()
            .namespace("App")
            .data(vec![value(1.0)])
            .build()
            .unwrap();
        bad.data[0].value = Some(f64::NAN);
        bad.checked = false; // as a deserialized request is
        assert!(s.put_metric_data(bad).await.unwrap_err().is_validation());
        assert!(s.list_metrics(Default::default()).await.unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn get_metric_data_and_list_metrics() {
        let s = sim();
        let t0 = start(&s);
        for v in [10.0, 20.0, 30.0] {
            let d = MetricDatum::builder()
                .metric_name("Load")
                .dimensions(vec![Dimension::new("Host", "a"), Dimension::new("Az", "1a")])
                .value(v)
                .build()
                .unwrap();
            put(&s, d).await.unwrap();
            tokio::time::advance(Duration::from_secs(60)).await;
        }
        put(
            &s,
            MetricDatum::builder().metric_name("Other").value(1.0).build().unwrap(),
        )
        .await
        .unwrap();
        // Dimensions in any order name the same metric.
        let metric = Metric::builder()
            .namespace("App")
            .metric_name("Load")
            .dimensions(vec![Dimension::new("Az", "1a"), Dimension::new("Host", "a")])
            .build();
        let q = |id: &str, stat: &str, period: u32, ret: bool| {
            MetricDataQuery::builder()
                .id(id)
                .metric(
                    MetricStat::builder()
                        .metric(metric.clone())
                        .period_secs(period)
                        .stat(stat)
                        .build(),
                )
                .return_data(ret)
                .build()
        };
        let req = GetMetricDataRequest::builder()
            .queries(vec![
                q("per_min", "Sum", 60, true),
                q("total", "Average", 300, true),
                q("hidden", "Sum", 60, false),
            ])
            .start(t0)
            .end(t0 + Duration::from_secs(600))
            .build()
            .unwrap();
        let out = s.get_metric_data(req).await.unwrap();
        assert_eq!(out.len(), 2, "return_data = false is not returned");
        assert_eq!(out[0].values, vec![10.0, 20.0, 30.0]);
        assert_eq!(out[0].timestamps[2], t0 + Duration::from_secs(120));
        assert_eq!(out[0].label.as_deref(), Some("Load"));
        assert_eq!(out[1].values, vec![20.0]);
        let all = s.list_metrics(Default::default()).await.unwrap();
        assert_eq!(all.len(), 2);
        let by_dim = ListMetricsRequest::builder()
            .dimensions(vec![DimensionFilter {
                name: "Host".into(),
                value: None,
            }])
            .build()
            .unwrap();
        let found = s.list_metrics(by_dim).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].metric_name, "Load");
        assert_eq!(found[0].dimensions[0], Dimension::new("Az", "1a"), "sorted by name");
        let wrong_value = ListMetricsRequest::builder()
            .dimensions(vec![DimensionFilter {
                name: "Host".into(),
                value: Some("b".into()),
            }])
            .build()
            .unwrap();
        assert!(s.list_metrics(wrong_value).await.unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn missing_data_as_missing() {
        let s = sim();
        s.put_metric_alarm(alarm_req("m", 3, None, TreatMissingData::Missing))
            .await
            .unwrap();
        let a = &s.describe_alarms(Default::default()).await.unwrap()[0];
        assert_eq!(
            a.state,
            AlarmState::InsufficientData,
            "new alarms start INSUFFICIENT_DATA"
        );
        assert_eq!(a.state_reason.as_deref(), Some("Unchecked: Initial alarm creation"));
        assert!(a.arn.ends_with(":alarm:m"));
        minute(&s, None).await;
        minute(&s, None).await;
        assert_eq!(state(&s, "m").await, AlarmState::InsufficientData);
        for _ in 0..3 {
            minute(&s, Some(90.0)).await;
        }
        assert_eq!(state(&s, "m").await, AlarmState::Alarm);
        minute(&s, Some(10.0)).await;
        assert_eq!(state(&s, "m").await, AlarmState::Ok, "1 of 3 below the threshold");
        for _ in 0..3 {
            minute(&s, None).await;
        }
        assert_eq!(state(&s, "m").await, AlarmState::InsufficientData);
        let fired: Vec<AlarmState> = s.fired_actions().into_iter().map(|f| f.1).collect();
        // 1 of 3 datapoints present and not enough to alarm → OK (documented simplification).
        assert_eq!(
            fired,
            vec![
                AlarmState::Ok,
                AlarmState::Alarm,
                AlarmState::Ok,
                AlarmState::InsufficientData
            ],
            "initial state fires nothing; each transition fires its state's actions"
        );
    }

    fn load_query(id: &str, metric_name: &str, stat: &str) -> MetricDataQuery {
        MetricDataQuery::builder()
            .id(id)
            .metric(
                MetricStat::builder()
                    .metric(Metric::builder().namespace("App").metric_name(metric_name).build())
                    .period_secs(60)
                    .stat(stat)
                    .build(),
            )
            .return_data(false)
            .build()
    }

    fn expr(id: &str, e: &str) -> MetricDataQuery {
        MetricDataQuery::builder().id(id).expression(e).build()
    }

    fn math_alarm(name: &str, metrics: Vec<MetricDataQuery>) -> PutMetricMathAlarmRequest {
        PutMetricMathAlarmRequest::builder()
            .alarm_name(name.parse().unwrap())
            .metrics(metrics)
            .evaluation_periods(1)
            .threshold(100.0)
            .comparison(ComparisonOperator::GreaterThanThreshold)
            .build()
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn metric_math_alarms_watch_their_expression() {
        let s = sim();
        let req = math_alarm(
            "double",
            vec![load_query("m1", "Load", "Maximum"), expr("e1", "m1 * 2")],
        );
        s.put_metric_math_alarm(req).await.unwrap();
        assert_eq!(state(&s, "double").await, AlarmState::InsufficientData);
        minute(&s, Some(40.0)).await;
        assert_eq!(state(&s, "double").await, AlarmState::Ok, "2 × 40 = 80 ≤ 100");
        minute(&s, Some(60.0)).await;
        assert_eq!(state(&s, "double").await, AlarmState::Alarm, "2 × 60 = 120 > 100");
        let a = s.describe_alarms(Default::default()).await.unwrap().remove(0);
        assert_eq!((a.metrics.len(), a.period_secs, a.metric_name.as_str()), (2, 0, ""));
        assert_eq!(a.metrics[1].expression.as_deref(), Some("m1 * 2"));
        // Late data for an evaluated period is counted, as for alarms on one metric.
        let d = MetricDatum::builder()
            .metric_name("Load")
            .value(10.0)
            .timestamp(start(&s) - Duration::from_secs(30))
            .build()
            .unwrap();
        put(&s, d).await.unwrap();
        assert_eq!(state(&s, "double").await, AlarmState::Alarm, "the maximum is still 60");

        let bad = math_alarm("bad", vec![load_query("m1", "Load", "Sum"), expr("e1", "m2 * 2")]);
        let e = s.put_metric_math_alarm(bad).await.unwrap_err();
        assert_eq!(code(e), "ValidationError");
        let rate = math_alarm("rate", vec![load_query("m1", "Load", "Sum"), expr("e1", "RATE(m1)")]);
        let e = s.put_metric_math_alarm(rate).await.unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Unsupported, "{e}");
        assert!(e.to_string().contains("RATE"), "{e}");
    }

    #[tokio::test(start_paused = true)]
    async fn get_metric_data_evaluates_expressions() {
        let s = sim();
        let t0 = start(&s);
        for (load, other) in [(10.0, 1.0), (20.0, 0.0), (30.0, 3.0)] {
            put(&s, value(load)).await.unwrap();
            put(
                &s,
                MetricDatum::builder()
                    .metric_name("Other")
                    .value(other)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
            tokio::time::advance(Duration::from_secs(60)).await;
        }
        let req = |queries: Vec<MetricDataQuery>| {
            GetMetricDataRequest::builder()
                .queries(queries)
                .start(t0)
                .end(t0 + Duration::from_secs(180))
                .build()
                .unwrap()
        };
        let out = s
            .get_metric_data(req(vec![
                load_query("a", "Load", "Sum"),
                load_query("b", "Other", "Sum"),
                MetricDataQuery::builder()
                    .id("ratio")
                    .expression("a / b")
                    .label("ratio")
                    .build(),
                expr("share", "100 * a / SUM(a)"),
                expr("most", "MAX([a, b])"),
            ]))
            .await
            .unwrap();
        let ids: Vec<&str> = out.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["ratio", "share", "most"], "only queries with return_data");
        assert_eq!(
            out[0].values,
            vec![10.0, 10.0],
            "a division by zero leaves the point out"
        );
        assert_eq!(out[0].timestamps, vec![t0, t0 + Duration::from_secs(120)]);
        assert_eq!(out[0].label.as_deref(), Some("ratio"));
        let share: Vec<i64> = out[1].values.iter().map(|v| v.round() as i64).collect();
        assert_eq!(share, [17, 33, 50]);
        assert_eq!(out[2].values, vec![10.0, 20.0, 30.0]);
        let e = s
            .get_metric_data(req(vec![load_query("a", "Load", "Sum"), expr("e", "a +")]))
            .await
            .unwrap_err();
        assert_eq!(code(e), "ValidationError");
        let e = s
            .get_metric_data(req(vec![load_query("a", "Load", "Sum"), expr("e", "FILL(a, 0)")]))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Unsupported, "{e}");
    }

    fn composite(name: &str, rule: &str) -> PutCompositeAlarmRequest {
        PutCompositeAlarmRequest::builder()
            .alarm_name(name.parse().unwrap())
            .rule(rule)
            .alarm_actions(vec!["arn:aws:sns:us-east-1:123456789012:page".parse().unwrap()])
            .build()
            .unwrap()
    }

    async fn composite_state(s: &SimCloud, name: &str) -> AlarmState {
        let req = DescribeAlarmsRequest::builder()
            .names(vec![name.parse().unwrap()])
            .build()
            .unwrap();
        s.describe_composite_alarms(req).await.unwrap()[0].state.clone()
    }

    #[tokio::test(start_paused = true)]
    async fn composite_alarms_follow_their_children() {
        let s = sim();
        s.put_metric_alarm(alarm_req("cpu", 1, None, TreatMissingData::Missing))
            .await
            .unwrap();
        let mut deploy = alarm_req("deploy", 1, None, TreatMissingData::Ignore);
        deploy.metric_name = "Deploying".into();
        s.put_metric_alarm(deploy).await.unwrap();
        let e = s
            .put_composite_alarm(composite("web", "ALARM(cpu) AND ALARM(nope)"))
            .await
            .unwrap_err();
        assert_eq!(code(e), "ValidationError", "a rule naming no alarm");
        let e = s
            .put_composite_alarm(composite("web", "ALARM(cpu) AND"))
            .await
            .unwrap_err();
        assert_eq!(code(e), "ValidationError");
        s.put_composite_alarm(composite("web", r#"ALARM(cpu) AND NOT ALARM("deploy")"#))
            .await
            .unwrap();
        assert_eq!(composite_state(&s, "web").await, AlarmState::Ok, "evaluated at once");
        assert!(
            s.describe_alarms(Default::default())
                .await
                .unwrap()
                .iter()
                .all(|a| a.name.as_str() != "web"),
            "DescribeAlarms without AlarmTypes: metric alarms only"
        );
        minute(&s, Some(90.0)).await;
        assert_eq!(state(&s, "cpu").await, AlarmState::Alarm);
        assert_eq!(composite_state(&s, "web").await, AlarmState::Alarm);
        let fired = s.fired_actions();
        assert!(
            fired
                .iter()
                .any(|(n, st, arn)| n.as_str() == "web" && *st == AlarmState::Alarm && arn.ends_with(":page")),
            "{fired:?}"
        );
        let set = SetAlarmStateRequest::builder()
            .alarm_name("deploy".parse().unwrap())
            .state(AlarmState::Alarm)
            .reason("deploying")
            .build()
            .unwrap();
        s.set_alarm_state(set).await.unwrap();
        assert_eq!(
            composite_state(&s, "web").await,
            AlarmState::Ok,
            "a deployment mutes it"
        );
        // A composite alarm's own SetAlarmState lasts until a child changes.
        let set = SetAlarmStateRequest::builder()
            .alarm_name("web".parse().unwrap())
            .state(AlarmState::Alarm)
            .reason("test the pager")
            .build()
            .unwrap();
        s.set_alarm_state(set).await.unwrap();
        assert_eq!(composite_state(&s, "web").await, AlarmState::Alarm);
        // Tags by ARN, as for metric alarms.
        let arn: Arn = s.alarm_arn("web").parse().unwrap();
        s.tag_resource(arn.clone(), Tags::from([("team".into(), "web".into())]))
            .await
            .unwrap();
        assert_eq!(s.list_tags_for_resource(arn).await.unwrap().len(), 1);
        assert_eq!(s.inventory().count("alarm"), 3);
        // A child of a remaining composite alarm cannot be deleted; with its parent it can.
        let e = s.delete_alarms(vec!["cpu".parse().unwrap()]).await.unwrap_err();
        assert_eq!(code(e), "ResourceConflict");
        let e = s
            .put_metric_alarm(alarm_req("web", 1, None, TreatMissingData::Missing))
            .await
            .unwrap_err();
        assert_eq!(code(e), "ValidationError", "a composite alarm's name is taken");
        s.delete_alarms(vec!["web".parse().unwrap(), "cpu".parse().unwrap()])
            .await
            .unwrap();
        assert!(
            s.describe_composite_alarms(Default::default())
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.inventory().count("alarm"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn missing_data_as_not_breaching() {
        let s = sim();
        s.put_metric_alarm(alarm_req("nb", 3, None, TreatMissingData::NotBreaching))
            .await
            .unwrap();
        minute(&s, None).await;
        assert_eq!(state(&s, "nb").await, AlarmState::Ok);
        minute(&s, Some(90.0)).await;
        minute(&s, Some(90.0)).await;
        minute(&s, None).await;
        assert_eq!(
            state(&s, "nb").await,
            AlarmState::Ok,
            "2 of 3 breaching, 1 missing = fine"
        );
        minute(&s, Some(90.0)).await;
        minute(&s, Some(90.0)).await;
        minute(&s, Some(90.0)).await;
        assert_eq!(state(&s, "nb").await, AlarmState::Alarm);
    }

    #[tokio::test(start_paused = true)]
    async fn missing_data_as_breaching() {
        let s = sim();
        s.put_metric_alarm(alarm_req("br", 3, None, TreatMissingData::Breaching))
            .await
            .unwrap();
        minute(&s, Some(10.0)).await;
        assert_eq!(state(&s, "br").await, AlarmState::Ok);
        minute(&s, None).await;
        minute(&s, None).await;
        assert_eq!(
            state(&s, "br").await,
            AlarmState::Ok,
            "one good datapoint still in range"
        );
        minute(&s, None).await;
        assert_eq!(state(&s, "br").await, AlarmState::Alarm, "3 missing = 3 breaching");
    }

    #[tokio::test(start_paused = true)]
    async fn missing_data_ignored_keeps_state() {
        let s = sim();
        s.put_metric_alarm(alarm_req("ig", 1, None, TreatMissingData::Ignore))
            .await
            .unwrap();
        s.put_metric_alarm(alarm_req("mi", 1, None, TreatMissingData::Missing))
            .await
            .unwrap();
        minute(&s, None).await;
        assert_eq!(state(&s, "ig").await, AlarmState::InsufficientData);
        minute(&s, Some(90.0)).await;
        assert_eq!(state(&s, "ig").await, AlarmState::Alarm);
        for _ in 0..10 {
            minute(&s, None).await;
        }
        assert_eq!(state(&s, "ig").await, AlarmState::Alarm, "no data: state kept");
        assert_eq!(
            state(&s, "mi").await,
            AlarmState::InsufficientData,
            "the same data with `missing`"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn m_of_n_datapoints_to_alarm() {
        let s = sim();
        s.put_metric_alarm(alarm_req("mn", 3, Some(2), TreatMissingData::Missing))
            .await
            .unwrap();
        minute(&s, Some(90.0)).await;
        minute(&s, Some(10.0)).await;
        assert_eq!(state(&s, "mn").await, AlarmState::Ok, "1 of 2 needed");
        minute(&s, Some(90.0)).await;
        let a = &s.describe_alarms(Default::default()).await.unwrap()[0];
        assert_eq!(a.state, AlarmState::Alarm, "2 of the last 3 breach");
        assert!(
            a.state_reason.as_deref().unwrap().contains("2 out of the last 3"),
            "{a:?}"
        );
        assert_eq!(a.state_updated, Some(start(&s)), "changed at the last boundary");
    }

    #[tokio::test(start_paused = true)]
    async fn actions_follow_transitions_and_can_be_disabled() {
        let s = sim();
        let mut quiet = alarm_req("quiet", 1, None, TreatMissingData::Missing);
        quiet.actions_enabled = false;
        s.put_metric_alarm(quiet).await.unwrap();
        let mut lambda = alarm_req("to-lambda", 1, None, TreatMissingData::Missing);
        lambda.alarm_actions = vec![
            "arn:aws:lambda:us-east-1:123456789012:function:on-alarm:live"
                .parse()
                .unwrap(),
        ];
        s.put_metric_alarm(lambda).await.unwrap();
        minute(&s, Some(90.0)).await;
        s.evaluate_alarms().await;
        let fired = s.fired_actions();
        assert_eq!(
            fired,
            vec![(
                "to-lambda".parse().unwrap(),
                AlarmState::Alarm,
                "arn:aws:lambda:us-east-1:123456789012:function:on-alarm:live".to_string()
            )]
        );
        assert_eq!(
            state(&s, "quiet").await,
            AlarmState::Alarm,
            "the state changes without actions"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn alarm_event_looks_like_aws() {
        let s = sim();
        s.put_metric_alarm(alarm_req("ev", 1, None, TreatMissingData::Missing))
            .await
            .unwrap();
        let a = s.describe_alarms(Default::default()).await.unwrap().remove(0);
        let ev = s.alarm_event(&a, (AlarmState::Ok, Some("fine".into()), Some(start(&s))), start(&s));
        assert_eq!(ev["source"], "aws.cloudwatch");
        assert_eq!(ev["alarmData"]["alarmName"], "ev");
        assert_eq!(ev["alarmData"]["state"]["value"], "INSUFFICIENT_DATA");
        assert_eq!(ev["alarmData"]["previousState"]["value"], "OK");
        assert_eq!(
            ev["alarmData"]["configuration"]["metrics"][0]["metricStat"]["stat"],
            "Maximum"
        );
        assert_eq!(ev["time"], "2026-01-01T00:00:00.000+0000");
        assert_eq!(fmt_time(at(951_782_400 + 86_399)), "2000-02-29T23:59:59.000+0000");
        assert!(is_lambda_function("arn:aws:lambda:us-east-1:1:function:f"));
        assert!(!is_lambda_function("arn:aws:sns:us-east-1:1:topic"));
    }

    #[tokio::test(start_paused = true)]
    async fn lambda_actions_invoke_the_handler() {
        let s = sim();
        let seen: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
        let seen2 = seen.clone();
        s.register_handler(
            "on-alarm",
            Arc::new(move |inv: &crate::sim::Invocation| {
                seen2.lock().unwrap().push(inv.payload.clone());
                Ok(serde_json::Value::Null)
            }),
        );
        let mut req = alarm_req("to-lambda", 1, None, TreatMissingData::Missing);
        req.alarm_actions = vec![
            "arn:aws:lambda:us-east-1:123456789012:function:on-alarm"
                .parse()
                .unwrap(),
        ];
        s.put_metric_alarm(req).await.unwrap();
        minute(&s, Some(90.0)).await;
        s.evaluate_alarms().await;
        // Whether the handler ran depends on the Lambda simulator (lambda::invoke_from_alarm);
        // the action is recorded either way.
        assert_eq!(s.fired_actions().len(), 1);
        let seen = seen.lock().unwrap();
        for ev in seen.iter() {
            assert_eq!(ev["alarmData"]["state"]["value"], "ALARM");
            assert_eq!(ev["alarmData"]["previousState"]["value"], "INSUFFICIENT_DATA");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn set_alarm_state_lasts_until_the_next_evaluation() {
        let s = sim();
        s.put_metric_alarm(alarm_req("set", 1, None, TreatMissingData::NotBreaching))
            .await
            .unwrap();
        let set = |st: AlarmState| {
            SetAlarmStateRequest::builder()
                .alarm_name("set".parse().unwrap())
                .state(st)
                .reason("testing the pager")
                .build()
                .unwrap()
        };
        s.set_alarm_state(set(AlarmState::Alarm)).await.unwrap();
        let a = &s.describe_alarms(Default::default()).await.unwrap()[0];
        assert_eq!(a.state, AlarmState::Alarm);
        assert_eq!(a.state_reason.as_deref(), Some("testing the pager"));
        assert_eq!(s.fired_actions().len(), 1, "SetAlarmState fires the actions");
        minute(&s, None).await;
        assert_eq!(
            state(&s, "set").await,
            AlarmState::Ok,
            "the next evaluation decides again"
        );
        let mut unknown = set(AlarmState::Ok);
        unknown.alarm_name = "nope".parse().unwrap();
        let e = s.set_alarm_state(unknown).await.unwrap_err();
        assert!(e.is_not_found());
        assert_eq!(code(e), "ResourceNotFound");
    }

    #[tokio::test(start_paused = true)]
    async fn update_keeps_state_and_delete_skips_unknown_names() {
        let s = sim();
        s.put_metric_alarm(alarm_req("u", 1, None, TreatMissingData::Missing))
            .await
            .unwrap();
        minute(&s, Some(90.0)).await;
        assert_eq!(state(&s, "u").await, AlarmState::Alarm);
        let mut changed = alarm_req("u", 1, None, TreatMissingData::Missing);
        changed.threshold = 95.0;
        s.put_metric_alarm(changed).await.unwrap();
        let a = &s.describe_alarms(Default::default()).await.unwrap()[0];
        assert_eq!((a.state.clone(), a.threshold), (AlarmState::Alarm, 95.0));
        assert_eq!(s.inventory().count("alarm"), 1);
        s.delete_alarms(vec!["u".parse().unwrap(), "never-existed".parse().unwrap()])
            .await
            .unwrap();
        assert_eq!(s.inventory().count("alarm"), 0);
        assert!(s.delete_alarms(vec![]).await.unwrap_err().is_validation());
    }

    #[tokio::test(start_paused = true)]
    async fn describe_alarms_pages_and_filters() {
        let s = sim();
        for i in 0..250 {
            s.put_metric_alarm(alarm_req(&format!("a-{i:03}"), 1, None, TreatMissingData::NotBreaching))
                .await
                .unwrap();
        }
        s.put_metric_alarm(alarm_req("b-1", 1, None, TreatMissingData::Missing))
            .await
            .unwrap();
        let all = s.describe_alarms(Default::default()).await.unwrap();
        assert_eq!(all.len(), 251, "all pages");
        assert_eq!(all[0].name, "a-000");
        assert_eq!(all[250].name, "b-1");
        let prefix = DescribeAlarmsRequest::builder().name_prefix("b-").build().unwrap();
        assert_eq!(s.describe_alarms(prefix).await.unwrap().len(), 1);
        minute(&s, None).await;
        let ok = DescribeAlarmsRequest::builder().state(AlarmState::Ok).build().unwrap();
        assert_eq!(s.describe_alarms(ok).await.unwrap().len(), 250);
        let names = DescribeAlarmsRequest::builder()
            .names(vec!["a-007".parse().unwrap(), "zzz".parse().unwrap()])
            .build()
            .unwrap();
        assert_eq!(s.describe_alarms(names).await.unwrap().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn tags_by_arn_survive_updates_and_go_with_the_alarm() {
        let s = sim();
        let tags = Tags::from([("workflow".to_string(), "web".to_string())]);
        let mut req = alarm_req("t", 1, None, TreatMissingData::Missing);
        req.tags = tags.clone();
        s.put_metric_alarm(req.clone()).await.unwrap();
        let arn: Arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:t".parse().unwrap();
        assert_eq!(
            s.describe_alarms(Default::default()).await.unwrap()[0].arn,
            arn.as_str()
        );
        assert_eq!(s.list_tags_for_resource(arn.clone()).await.unwrap(), tags);
        // PutMetricAlarm ignores the tags of an update.
        req.tags = Tags::from([("other".to_string(), "x".to_string())]);
        s.put_metric_alarm(req).await.unwrap();
        assert_eq!(s.list_tags_for_resource(arn.clone()).await.unwrap(), tags);
        let other_region: Arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:t".parse().unwrap();
        let e = s.list_tags_for_resource(other_region).await.unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        assert_eq!(code(e), "ResourceNotFoundException");
        s.put_dashboard(
            PutDashboardRequest::builder()
                .name("ops")
                .body(r#"{"widgets":[]}"#)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
        let board: Arn = "arn:aws:cloudwatch::123456789012:dashboard/ops".parse().unwrap();
        assert!(s.list_tags_for_resource(board).await.unwrap().is_empty());
        s.delete_dashboards(vec!["ops".into()]).await.unwrap();
        s.delete_alarms(vec!["t".parse().unwrap()]).await.unwrap();
        let e = s.list_tags_for_resource(arn).await.unwrap_err();
        assert_eq!(code(e), "ResourceNotFoundException", "a deleted alarm's tags are gone");
    }

    #[tokio::test(start_paused = true)]
    async fn alarm_history_records_configuration_state_and_actions() {
        let s = sim();
        let t0 = start(&s);
        s.put_metric_alarm(alarm_req("hist", 1, None, TreatMissingData::Missing))
            .await
            .unwrap();
        minute(&s, Some(80.0)).await; // breaching: ALARM at the next boundary
        minute(&s, None).await;
        let mut update = alarm_req("hist", 1, None, TreatMissingData::Missing);
        update.threshold = 90.0;
        s.put_metric_alarm(update).await.unwrap();
        s.put_metric_alarm(alarm_req("other", 1, None, TreatMissingData::Missing))
            .await
            .unwrap();
        let all = |name: Option<&str>, kind: Option<HistoryItemType>| {
            let req = DescribeAlarmHistoryRequest {
                alarm_name: name.map(|n| n.parse().unwrap()),
                item_type: kind,
                ..Default::default()
            };
            let s = s.clone();
            async move { s.describe_alarm_history(req).await.unwrap() }
        };
        let hist = all(Some("hist"), None).await;
        let summaries: Vec<&str> = hist.iter().map(|h| h.summary.as_str()).collect();
        assert!(
            hist.windows(2).all(|w| w[0].timestamp >= w[1].timestamp),
            "newest first"
        );
        assert_eq!(summaries.first(), Some(&"Alarm \"hist\" updated"), "{summaries:?}");
        assert_eq!(summaries.last(), Some(&"Alarm \"hist\" created"), "{summaries:?}");
        assert!(
            summaries.contains(&"Alarm updated from INSUFFICIENT_DATA to ALARM"),
            "{summaries:?}"
        );
        assert!(
            summaries.contains(&"Successfully executed action arn:aws:sns:us-east-1:123456789012:ops"),
            "{summaries:?}"
        );
        assert!(
            hist.iter()
                .all(|h| h.alarm_name.as_str() == "hist" && h.timestamp >= t0)
        );
        let state = hist
            .iter()
            .find(|h| h.item_type == HistoryItemType::StateUpdate && h.summary.ends_with("to ALARM"))
            .unwrap();
        let data: serde_json::Value = serde_json::from_str(state.data.as_deref().unwrap()).unwrap();
        assert_eq!(data["newState"]["stateValue"], "ALARM");
        assert_eq!(data["oldState"]["stateValue"], "INSUFFICIENT_DATA");

        let configs = all(None, Some(HistoryItemType::ConfigurationUpdate)).await;
        assert_eq!(configs.len(), 3, "{configs:?}");
        assert_eq!(configs[0].alarm_name.as_str(), "other");
        // A range keeps the items inside it (both ends inclusive).
        let created = hist.last().unwrap().timestamp;
        let req = DescribeAlarmHistoryRequest {
            alarm_name: Some("hist".parse().unwrap()),
            end: Some(created),
            ..Default::default()
        };
        let early = s.describe_alarm_history(req).await.unwrap();
        assert_eq!(early.len(), 1, "{early:?}");
        assert_eq!(early[0].item_type, HistoryItemType::ConfigurationUpdate);
        // The history outlives the alarm.
        s.delete_alarms(vec!["hist".parse().unwrap()]).await.unwrap();
        assert_eq!(all(Some("hist"), None).await.len(), hist.len());
    }

    #[tokio::test(start_paused = true)]
    async fn tag_and_untag_alarms_and_dashboards() {
        let s = sim();
        s.put_metric_alarm(alarm_req("tagged", 1, None, TreatMissingData::Missing))
            .await
            .unwrap();
        let arn: Arn = s.alarm_arn("tagged").parse().unwrap();
        let kv =
            |pairs: &[(&str, &str)]| -> Tags { pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
        s.tag_resource(arn.clone(), kv(&[("team", "web"), ("env", "dev")]))
            .await
            .unwrap();
        s.tag_resource(arn.clone(), kv(&[("env", "prod")])).await.unwrap();
        assert_eq!(
            s.list_tags_for_resource(arn.clone()).await.unwrap(),
            kv(&[("env", "prod"), ("team", "web")])
        );
        s.untag_resource(arn.clone(), vec!["team".into(), "absent".into()])
            .await
            .unwrap();
        assert_eq!(
            s.list_tags_for_resource(arn.clone()).await.unwrap(),
            kv(&[("env", "prod")])
        );
        // 50 tags per resource at most, counting those it has.
        let many: Tags = (0..50).map(|i| (format!("k{i}"), String::new())).collect();
        let e = s.tag_resource(arn.clone(), many).await.unwrap_err();
        assert_eq!(code(e), "InvalidParameterValue");

        let body = r#"{"widgets":[{"type":"text","x":0,"y":0,"width":3,"height":3,"properties":{"markdown":"hi"}}]}"#;
        s.put_dashboard(PutDashboardRequest::builder().name("ops").body(body).build().unwrap())
            .await
            .unwrap();
        let dash: Arn = s.dashboard_arn("ops").parse().unwrap();
        s.tag_resource(dash.clone(), kv(&[("team", "ops")])).await.unwrap();
        assert_eq!(
            s.list_tags_for_resource(dash.clone()).await.unwrap(),
            kv(&[("team", "ops")])
        );
        s.delete_dashboards(vec!["ops".into()]).await.unwrap();
        s.put_dashboard(PutDashboardRequest::builder().name("ops").body(body).build().unwrap())
            .await
            .unwrap();
        assert!(
            s.list_tags_for_resource(dash).await.unwrap().is_empty(),
            "tags went with the dashboard"
        );

        s.delete_alarms(vec!["tagged".parse().unwrap()]).await.unwrap();
        let e = s.tag_resource(arn.clone(), kv(&[("a", "b")])).await.unwrap_err();
        assert_eq!(code(e), "ResourceNotFoundException");
        let e = s.untag_resource(arn, vec!["env".into()]).await.unwrap_err();
        assert_eq!(code(e), "ResourceNotFoundException");
    }

    #[tokio::test(start_paused = true)]
    async fn dashboards_round_trip_and_errors() {
        let s = sim();
        let body = r#"{"widgets":[{"type":"metric","properties":{"metrics":[["App","Load"]]}}]}"#;
        let put = |name: &str, body: &str| PutDashboardRequest::builder().name(name).body(body).build().unwrap();
        s.put_dashboard(put("ops", body)).await.unwrap();
        s.put_dashboard(put("dev", r#"{"widgets":[]}"#)).await.unwrap();
        let d = s.get_dashboard("ops".into()).await.unwrap();
        assert_eq!(d.body, body);
        assert_eq!(d.arn, "arn:aws:cloudwatch::123456789012:dashboard/ops");
        let e = s.get_dashboard("nope".into()).await.unwrap_err();
        assert!(e.is_not_found());
        assert_eq!(code(e), "ResourceNotFound");
        let e = s
            .put_dashboard(put("bad", r#"{"widgets":[{"properties":{}}]}"#))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidParameterInput"));
        assert!(e.is_validation());
        assert!(e.to_string().contains("widgets[0]"), "{e}");
        let e = s
            .delete_dashboards(vec!["ops".into(), "nope".into()])
            .await
            .unwrap_err();
        assert_eq!(code(e), "ResourceNotFound");
        assert_eq!(s.inventory().count("dashboard"), 2, "nothing deleted on error");
        s.delete_dashboards(vec!["ops".into(), "dev".into()]).await.unwrap();
        assert!(s.inventory().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn builtin_records_lambda_metrics() {
        let s = sim();
        let t = start(&s);
        record_builtin(
            &mut s.lock(),
            "AWS/Lambda",
            "Invocations",
            &[("FunctionName", "f")],
            1.0,
            t,
        );
        record_builtin(
            &mut s.lock(),
            "AWS/Lambda",
            "Invocations",
            &[("FunctionName", "f")],
            1.0,
            t,
        );
        let req = GetMetricStatisticsRequest::builder()
            .namespace("AWS/Lambda")
            .metric_name("Invocations")
            .dimensions(vec![Dimension::new("FunctionName", "f")])
            .start(t)
            .end(t + Duration::from_secs(60))
            .period_secs(60)
            .statistics(vec![Statistic::Sum])
            .build()
            .unwrap();
        let p = s.get_metric_statistics(req).await.unwrap();
        assert_eq!(p[0].sum, Some(2.0));
        assert_eq!(p[0].unit, Some(Unit::Count));
    }

    /// Built-in EC2 metrics come from the EC2 simulator (`ec2::running_instances`).
    #[tokio::test(start_paused = true)]
    async fn builtin_ec2_metrics_per_minute() {
        use crate::ec2::{Ec2, RunInstancesRequest};
        let s = SimCloud::new();
        let image = s.describe_images(Default::default()).await.unwrap().remove(0);
        let req = RunInstancesRequest::builder()
            .image_id(image.id)
            .instance_type("t3.micro".parse().unwrap())
            .build()
            .unwrap();
        let id = s.run_instances(req).await.unwrap().remove(0).id;
        let t0 = start(&s);
        tokio::time::advance(Duration::from_secs(600)).await;
        let req = GetMetricStatisticsRequest::builder()
            .namespace("AWS/EC2")
            .metric_name("CPUUtilization")
            .dimensions(vec![Dimension::new("InstanceId", id.as_str())])
            .start(t0)
            .end(t0 + Duration::from_secs(600))
            .period_secs(60)
            .statistics(vec![Statistic::Minimum, Statistic::Maximum])
            .build()
            .unwrap();
        let points = s.get_metric_statistics(req).await.unwrap();
        assert!(points.len() >= 8, "{points:?}");
        for p in points {
            assert!(p.minimum.unwrap() >= 5.0 && p.maximum.unwrap() <= 15.0);
        }
    }
}

/// What Auto Scaling reads of an alarm that acts on one of its policies.
#[derive(Debug, Clone)]
pub(crate) struct AlarmReading {
    pub state: AlarmState,
    pub threshold: f64,
    /// The alarm's statistic over its latest evaluated period (`None`: no data, or a
    /// metric-math alarm).
    pub value: Option<f64>,
    /// How many samples that period had (for a group's average: the instances reporting).
    pub samples: Option<f64>,
}

/// The alarm `name`'s state, threshold and latest value.
pub(crate) fn alarm_reading(st: &SimState, name: &str) -> Option<AlarmReading> {
    let rec = st.cw.alarms.get(name)?;
    let a = &rec.alarm;
    let agg = rec.last_eval.filter(|_| a.metrics.is_empty()).and_then(|t_end| {
        let p = u64::from(alarm_period(a));
        let samples = st.cw.metrics.get(&key(&a.namespace, &a.metric_name, &a.dimensions))?;
        let w = window(samples, at(t_end.checked_sub(p)?), at(t_end));
        Agg::of(w, a.unit)
    });
    Some(AlarmReading {
        state: a.state.clone(),
        threshold: a.threshold,
        value: agg.as_ref().and_then(|g| g.get(&alarm_stat(a))),
        samples: agg.as_ref().and_then(|g| g.get("SampleCount")),
    })
}

/// The metric alarms whose ALARM actions include `arn`, with actions enabled.
pub(crate) fn alarms_acting_on(st: &SimState, arn: &str) -> Vec<String> {
    st.cw
        .alarms
        .iter()
        .filter(|(_, r)| r.alarm.actions_enabled && r.alarm.alarm_actions.iter().any(|a| a.as_str() == arn))
        .map(|(n, _)| n.clone())
        .collect()
}
