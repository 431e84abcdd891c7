//! [`CloudWatch`] over `aws_sdk_cloudwatch`.
//!
//! The current SDK speaks Smithy RPC v2 CBOR; nothing here depends on the wire protocol.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types as cw;

use super::*;
use crate::macros::sdk_adapter;
use crate::sdk_util::{parse_id, sdk_err, tags_from, to_date_time, to_system_time};
use crate::validate::Validate;

sdk_adapter!(
    /// [`CloudWatch`] over `aws_sdk_cloudwatch`.
    SdkCloudWatch, aws_sdk_cloudwatch);

const SVC: Service = Service::CloudWatch;

fn malformed(what: &str) -> Error {
    Error::api(SVC, "MalformedResponse", format!("response is missing {what}"))
}

fn unit_to_sdk(u: Unit) -> cw::StandardUnit {
    cw::StandardUnit::from(u.as_str())
}

fn unit_from_sdk(u: Option<&cw::StandardUnit>) -> Option<Unit> {
    u.and_then(|u| Unit::parse(u.as_str()))
}

fn dims_to_sdk(dims: &[Dimension]) -> Vec<cw::Dimension> {
    dims.iter()
        .map(|d| cw::Dimension::builder().name(&d.name).value(&d.value).build())
        .collect()
}

fn dims_from_sdk(dims: &[cw::Dimension]) -> Vec<Dimension> {
    dims.iter()
        .map(|d| Dimension::new(d.name().unwrap_or_default(), d.value().unwrap_or_default()))
        .collect()
}

fn stat_to_sdk(s: Statistic) -> cw::Statistic {
    cw::Statistic::from(s.as_str())
}

fn arns(v: &[String], what: &str) -> crate::Result<Vec<Arn>> {
    v.iter().map(|a| parse_id(SVC, what, Some(a.as_str()))).collect()
}

/// The SDK's datum, its strings and lists moved (PutMetricData sends up to 1,000 a request).
fn datum_to_sdk(d: MetricDatum) -> cw::MetricDatum {
    let mut b = cw::MetricDatum::builder()
        .metric_name(d.metric_name)
        .set_dimensions(Some(
            d.dimensions
                .into_iter()
                .map(|x| cw::Dimension::builder().name(x.name).value(x.value).build())
                .collect(),
        ))
        .set_timestamp(d.timestamp.map(to_date_time))
        .set_value(d.value)
        .set_unit(d.unit.map(unit_to_sdk))
        .set_storage_resolution(d.storage_resolution.map(|r| r as i32));
    if !d.values.is_empty() {
        if !d.counts.is_empty() {
            b = b.set_counts(Some(d.counts));
        }
        b = b.set_values(Some(d.values));
    }
    if let Some(s) = &d.statistic_values {
        b = b.statistic_values(
            cw::StatisticSet::builder()
                .sample_count(s.sample_count)
                .sum(s.sum)
                .minimum(s.minimum)
                .maximum(s.maximum)
                .build(),
        );
    }
    b.build()
}

fn datapoint_from_sdk(d: &cw::Datapoint) -> crate::Result<Datapoint> {
    let timestamp = d
        .timestamp()
        .and_then(to_system_time)
        .ok_or_else(|| malformed("Datapoint.Timestamp"))?;
    let extended: BTreeMap<String, f64> = d
        .extended_statistics()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
        .unwrap_or_default();
    Ok(Datapoint {
        timestamp,
        sample_count: d.sample_count(),
        sum: d.sum(),
        average: d.average(),
        minimum: d.minimum(),
        maximum: d.maximum(),
        extended,
        unit: unit_from_sdk(d.unit()),
    })
}

fn metric_to_sdk(m: &Metric) -> cw::Metric {
    cw::Metric::builder()
        .namespace(&m.namespace)
        .metric_name(&m.metric_name)
        .set_dimensions(Some(dims_to_sdk(&m.dimensions)))
        .build()
}

fn status_from_sdk(s: Option<&cw::StatusCode>) -> MetricDataStatus {
    // Through the AWS names: a status the crate does not know stays as it is (`Unknown`).
    s.map_or(MetricDataStatus::Complete, |s| MetricDataStatus::from(s.as_str()))
}

/// A metric of a ListMetrics answer.
fn metric_from_sdk(m: &cw::Metric) -> crate::Result<Metric> {
    Ok(Metric {
        namespace: m.namespace().ok_or_else(|| malformed("Metric.Namespace"))?.to_string(),
        metric_name: m
            .metric_name()
            .ok_or_else(|| malformed("Metric.MetricName"))?
            .to_string(),
        dimensions: dims_from_sdk(m.dimensions()),
    })
}

fn query_to_sdk(q: &MetricDataQuery) -> cw::MetricDataQuery {
    cw::MetricDataQuery::builder()
        .id(&q.id)
        .set_metric_stat(q.metric.as_ref().map(|m| {
            cw::MetricStat::builder()
                .metric(metric_to_sdk(&m.metric))
                .period(m.period_secs as i32)
                .stat(&m.stat)
                .build()
        }))
        .set_expression(q.expression.clone())
        .set_label(q.label.clone())
        .return_data(q.return_data)
        .set_period(q.period_secs.map(|p| p as i32))
        .build()
}

/// A query of a metric-math alarm as DescribeAlarms answers it.
fn query_from_sdk(q: &cw::MetricDataQuery) -> crate::Result<MetricDataQuery> {
    let metric = match q.metric_stat() {
        Some(ms) => Some(MetricStat {
            metric: metric_from_sdk(ms.metric().ok_or_else(|| malformed("MetricStat.Metric"))?)?,
            period_secs: ms.period().unwrap_or_default().max(0) as u32,
            stat: ms.stat().ok_or_else(|| malformed("MetricStat.Stat"))?.to_string(),
        }),
        None => None,
    };
    Ok(MetricDataQuery {
        id: q.id().ok_or_else(|| malformed("MetricDataQuery.Id"))?.to_string(),
        metric,
        expression: q.expression().map(str::to_string),
        label: q.label().map(str::to_string),
        // The model's default: "If you omit this, the default of true is used."
        return_data: q.return_data().unwrap_or(true),
        period_secs: q.period().map(|p| p.max(0) as u32),
    })
}

fn composite_from_sdk(a: &cw::CompositeAlarm) -> crate::Result<CompositeAlarm> {
    Ok(CompositeAlarm {
        name: parse_id(SVC, "CompositeAlarm.AlarmName", a.alarm_name())?,
        arn: a.alarm_arn().unwrap_or_default().to_string(),
        description: a.alarm_description().map(str::to_string),
        rule: a.alarm_rule().unwrap_or_default().to_string(),
        alarm_actions: arns(a.alarm_actions(), "CompositeAlarm.AlarmActions")?,
        ok_actions: arns(a.ok_actions(), "CompositeAlarm.OKActions")?,
        insufficient_data_actions: arns(a.insufficient_data_actions(), "CompositeAlarm.InsufficientDataActions")?,
        actions_enabled: a.actions_enabled().unwrap_or(true),
        state: a
            .state_value()
            .map(|s| AlarmState::from(s.as_str()))
            .ok_or_else(|| malformed("a CompositeAlarm.StateValue"))?,
        state_reason: a.state_reason().map(str::to_string),
        state_updated: a.state_updated_timestamp().and_then(to_system_time),
    })
}

fn tags_to_sdk(tags: &Tags) -> Option<Vec<cw::Tag>> {
    let tags: Vec<cw::Tag> = tags
        .iter()
        .map(|(k, v)| cw::Tag::builder().key(k).value(v).build())
        .collect();
    (!tags.is_empty()).then_some(tags)
}

/// The list calls shared by the `Vec` methods (through the SDK's paginators) and the page
/// methods (one page).
impl SdkCloudWatch {
    fn alarms_call(
        &self,
        req: &DescribeAlarmsRequest,
        kind: cw::AlarmType,
    ) -> aws_sdk_cloudwatch::operation::describe_alarms::builders::DescribeAlarmsFluentBuilder {
        self.client
            .describe_alarms()
            .set_alarm_names((!req.names.is_empty()).then(|| req.names.iter().map(|n| n.to_string()).collect()))
            .set_alarm_name_prefix(req.name_prefix.clone())
            .set_state_value(req.state.as_ref().map(|s| cw::StateValue::from(s.as_str())))
            .alarm_types(kind)
    }

    /// Every page of DescribeAlarms for alarms of `kind`, each page read by `read`, through the
    /// SDK's paginator (it stops on a repeated token).
    async fn all_alarms<T>(
        &self,
        req: &DescribeAlarmsRequest,
        kind: cw::AlarmType,
        read: impl Fn(&aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput) -> crate::Result<Vec<T>>,
    ) -> crate::Result<Vec<T>> {
        let mut all = Vec::new();
        let mut pages = self.alarms_call(req, kind).max_records(100).into_paginator().send();
        while let Some(out) = pages.next().await {
            all.extend(read(&out.map_err(sdk_err(SVC))?)?);
        }
        Ok(all)
    }

    fn metrics_call(
        &self,
        req: &ListMetricsRequest,
    ) -> aws_sdk_cloudwatch::operation::list_metrics::builders::ListMetricsFluentBuilder {
        let filters: Vec<cw::DimensionFilter> = req
            .dimensions
            .iter()
            .map(|f| {
                cw::DimensionFilter::builder()
                    .name(&f.name)
                    .set_value(f.value.clone())
                    .build()
            })
            .collect();
        self.client
            .list_metrics()
            .set_namespace(req.namespace.clone())
            .set_metric_name(req.metric_name.clone())
            .set_dimensions((!filters.is_empty()).then_some(filters))
    }
}

fn alarm_from_sdk(a: &cw::MetricAlarm) -> crate::Result<MetricAlarm> {
    let name: AlarmName = parse_id(SVC, "MetricAlarm.AlarmName", a.alarm_name())?;
    let comparison = a
        .comparison_operator()
        .map(|c| ComparisonOperator::from(c.as_str()))
        .ok_or_else(|| malformed("a MetricAlarm.ComparisonOperator"))?;
    let state = a
        .state_value()
        .map(|s| AlarmState::from(s.as_str()))
        .ok_or_else(|| malformed("a MetricAlarm.StateValue"))?;
    Ok(MetricAlarm {
        arn: a.alarm_arn().unwrap_or_default().to_string(),
        description: a.alarm_description().map(str::to_string),
        namespace: a.namespace().unwrap_or_default().to_string(),
        metric_name: a.metric_name().unwrap_or_default().to_string(),
        dimensions: dims_from_sdk(a.dimensions()),
        statistic: a.statistic().and_then(|s| Statistic::parse(s.as_str())),
        extended_statistic: a.extended_statistic().map(str::to_string),
        period_secs: a.period().unwrap_or_default().max(0) as u32,
        evaluation_periods: a.evaluation_periods().unwrap_or_default().max(0) as u32,
        datapoints_to_alarm: a.datapoints_to_alarm().map(|m| m.max(0) as u32),
        threshold: a.threshold().unwrap_or_default(),
        comparison,
        treat_missing_data: a.treat_missing_data().map(TreatMissingData::from).unwrap_or_default(),
        alarm_actions: arns(a.alarm_actions(), "MetricAlarm.AlarmActions")?,
        ok_actions: arns(a.ok_actions(), "MetricAlarm.OKActions")?,
        insufficient_data_actions: arns(a.insufficient_data_actions(), "MetricAlarm.InsufficientDataActions")?,
        actions_enabled: a.actions_enabled().unwrap_or(true),
        unit: unit_from_sdk(a.unit()),
        metrics: a.metrics().iter().map(query_from_sdk).collect::<crate::Result<_>>()?,
        state,
        state_reason: a.state_reason().map(str::to_string),
        state_updated: a.state_updated_timestamp().and_then(to_system_time),
        name,
    })
}

fn history_item_from_sdk(h: &cw::AlarmHistoryItem) -> crate::Result<AlarmHistoryItem> {
    Ok(AlarmHistoryItem {
        alarm_name: parse_id(SVC, "AlarmHistoryItem.AlarmName", h.alarm_name())?,
        alarm_type: h.alarm_type().map(|t| t.as_str().to_string()),
        timestamp: h
            .timestamp()
            .and_then(to_system_time)
            .ok_or_else(|| malformed("AlarmHistoryItem.Timestamp"))?,
        item_type: h
            .history_item_type()
            .map(|t| HistoryItemType::from(t.as_str()))
            .ok_or_else(|| malformed("AlarmHistoryItem.HistoryItemType"))?,
        summary: h.history_summary().unwrap_or_default().to_string(),
        data: h.history_data().map(str::to_string),
    })
}

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl super::CloudWatch for SdkCloudWatch {
    async fn put_metric_data(&self, req: PutMetricDataRequest) -> crate::Result<()> {
        // Free for a request `build()` made (its fields are private): validated once.
        req.check()?;
        self.client
            .put_metric_data()
            .namespace(req.namespace)
            .set_metric_data(Some(req.data.into_iter().map(datum_to_sdk).collect()))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn get_metric_statistics(&self, req: GetMetricStatisticsRequest) -> crate::Result<Vec<Datapoint>> {
        req.validate()?;
        let out = self
            .client
            .get_metric_statistics()
            .namespace(&req.namespace)
            .metric_name(&req.metric_name)
            .set_dimensions(Some(dims_to_sdk(&req.dimensions)))
            .start_time(to_date_time(req.start))
            .end_time(to_date_time(req.end))
            .period(req.period_secs as i32)
            .set_statistics(
                (!req.statistics.is_empty()).then(|| req.statistics.iter().map(|s| stat_to_sdk(*s)).collect()),
            )
            .set_extended_statistics((!req.extended_statistics.is_empty()).then(|| req.extended_statistics.clone()))
            .set_unit(req.unit.map(unit_to_sdk))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        let mut points = out
            .datapoints()
            .iter()
            .map(datapoint_from_sdk)
            .collect::<crate::Result<Vec<_>>>()?;
        // AWS returns datapoints in no particular order.
        points.sort_by_key(|d| d.timestamp);
        Ok(points)
    }

    async fn get_metric_data(&self, req: GetMetricDataRequest) -> crate::Result<Vec<MetricDataResult>> {
        req.validate()?;
        let queries: Vec<cw::MetricDataQuery> = req.queries.iter().map(query_to_sdk).collect();
        // Results of one query id may span pages: merge them, in the order ids first appear.
        let mut results: Vec<MetricDataResult> = Vec::new();
        // The SDK's paginator (it stops on a repeated token).
        let mut pages = self
            .client
            .get_metric_data()
            .set_metric_data_queries(Some(queries.clone()))
            .start_time(to_date_time(req.start))
            .end_time(to_date_time(req.end))
            .scan_by(cw::ScanBy::TimestampAscending)
            .into_paginator()
            .send();
        while let Some(out) = pages.next().await {
            let out = out.map_err(sdk_err(SVC))?;
            for r in out.metric_data_results() {
                let id = r.id().ok_or_else(|| malformed("MetricDataResult.Id"))?.to_string();
                let timestamps = r
                    .timestamps()
                    .iter()
                    .map(|t| to_system_time(t).ok_or_else(|| malformed("a valid MetricDataResult.Timestamps item")))
                    .collect::<crate::Result<Vec<_>>>()?;
                let status = status_from_sdk(r.status_code());
                match results.iter_mut().find(|x| x.id == id) {
                    Some(x) => {
                        x.timestamps.extend(timestamps);
                        x.values.extend_from_slice(r.values());
                        x.status = status;
                        if x.label.is_none() {
                            x.label = r.label().map(str::to_string);
                        }
                    }
                    None => results.push(MetricDataResult {
                        id,
                        label: r.label().map(str::to_string),
                        timestamps,
                        values: r.values().to_vec(),
                        status,
                    }),
                }
            }
        }
        Ok(results)
    }

    async fn list_metrics(&self, req: ListMetricsRequest) -> crate::Result<Vec<Metric>> {
        req.validate()?;
        let mut all = Vec::new();
        // The SDK's paginator (it stops on a repeated token).
        let mut pages = self.metrics_call(&req).into_paginator().send();
        while let Some(out) = pages.next().await {
            let out = out.map_err(sdk_err(SVC))?;
            for m in out.metrics() {
                all.push(metric_from_sdk(m)?);
            }
        }
        Ok(all)
    }

    async fn list_metrics_page(&self, req: ListMetricsRequest, page: PageRequest) -> crate::Result<Page<Metric>> {
        req.validate()?;
        if page.size.is_some() {
            return Err(Error::validation(
                "PageRequest.size",
                "ListMetrics takes no page size (AWS answers up to 500 a page)",
            ));
        }
        let out = self
            .metrics_call(&req)
            .set_next_token(page.token)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        let items = out
            .metrics()
            .iter()
            .map(metric_from_sdk)
            .collect::<crate::Result<_>>()?;
        Ok(Page::new(items, out.next_token().map(str::to_string)))
    }

    async fn put_metric_alarm(&self, req: PutMetricAlarmRequest) -> crate::Result<()> {
        req.validate()?;
        let strs = |v: &[Arn]| Some(v.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        self.client
            .put_metric_alarm()
            .alarm_name(req.alarm_name.as_str())
            .set_alarm_description(req.description.clone())
            .namespace(&req.namespace)
            .metric_name(&req.metric_name)
            .set_dimensions(Some(dims_to_sdk(&req.dimensions)))
            .set_statistic(req.statistic.map(stat_to_sdk))
            .set_extended_statistic(req.extended_statistic.clone())
            .period(req.period_secs as i32)
            .evaluation_periods(req.evaluation_periods as i32)
            .set_datapoints_to_alarm(req.datapoints_to_alarm.map(|m| m as i32))
            .threshold(req.threshold)
            .comparison_operator(cw::ComparisonOperator::from(req.comparison.as_str()))
            .treat_missing_data(req.treat_missing_data.as_str())
            .set_alarm_actions(strs(&req.alarm_actions))
            .set_ok_actions(strs(&req.ok_actions))
            .set_insufficient_data_actions(strs(&req.insufficient_data_actions))
            .actions_enabled(req.actions_enabled)
            .set_unit(req.unit.map(unit_to_sdk))
            .set_tags(tags_to_sdk(&req.tags))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn put_metric_math_alarm(&self, req: PutMetricMathAlarmRequest) -> crate::Result<()> {
        req.validate()?;
        let strs = |v: &[Arn]| Some(v.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        self.client
            .put_metric_alarm()
            .alarm_name(req.alarm_name.as_str())
            .set_alarm_description(req.description.clone())
            .set_metrics(Some(req.metrics.iter().map(query_to_sdk).collect()))
            .evaluation_periods(req.evaluation_periods as i32)
            .set_datapoints_to_alarm(req.datapoints_to_alarm.map(|m| m as i32))
            .threshold(req.threshold)
            .comparison_operator(cw::ComparisonOperator::from(req.comparison.as_str()))
            .treat_missing_data(req.treat_missing_data.as_str())
            .set_alarm_actions(strs(&req.alarm_actions))
            .set_ok_actions(strs(&req.ok_actions))
            .set_insufficient_data_actions(strs(&req.insufficient_data_actions))
            .actions_enabled(req.actions_enabled)
            .set_tags(tags_to_sdk(&req.tags))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn put_composite_alarm(&self, req: PutCompositeAlarmRequest) -> crate::Result<()> {
        req.validate()?;
        let strs = |v: &[Arn]| Some(v.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        self.client
            .put_composite_alarm()
            .alarm_name(req.alarm_name.as_str())
            .set_alarm_description(req.description.clone())
            .alarm_rule(&req.rule)
            .set_alarm_actions(strs(&req.alarm_actions))
            .set_ok_actions(strs(&req.ok_actions))
            .set_insufficient_data_actions(strs(&req.insufficient_data_actions))
            .actions_enabled(req.actions_enabled)
            .set_tags(tags_to_sdk(&req.tags))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn describe_composite_alarms(&self, req: DescribeAlarmsRequest) -> crate::Result<Vec<CompositeAlarm>> {
        req.validate()?;
        self.all_alarms(&req, cw::AlarmType::CompositeAlarm, |out| {
            out.composite_alarms().iter().map(composite_from_sdk).collect()
        })
        .await
    }

    async fn describe_alarms(&self, req: DescribeAlarmsRequest) -> crate::Result<Vec<MetricAlarm>> {
        req.validate()?;
        self.all_alarms(&req, cw::AlarmType::MetricAlarm, |out| {
            out.metric_alarms().iter().map(alarm_from_sdk).collect()
        })
        .await
    }

    async fn describe_alarms_page(
        &self,
        req: DescribeAlarmsRequest,
        page: PageRequest,
    ) -> crate::Result<Page<MetricAlarm>> {
        req.validate()?;
        let out = self
            .alarms_call(&req, cw::AlarmType::MetricAlarm)
            .set_max_records(page.size.map(|n| n as i32))
            .set_next_token(page.token)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        let items = out
            .metric_alarms()
            .iter()
            .map(alarm_from_sdk)
            .collect::<crate::Result<_>>()?;
        Ok(Page::new(items, out.next_token().map(str::to_string)))
    }

    async fn delete_alarms(&self, names: Vec<AlarmName>) -> crate::Result<()> {
        validate_alarm_names(&names)?;
        self.client
            .delete_alarms()
            .set_alarm_names(Some(names.iter().map(|n| n.to_string()).collect()))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn enable_alarm_actions(&self, names: Vec<AlarmName>) -> crate::Result<()> {
        validate_alarm_names(&names)?;
        self.client
            .enable_alarm_actions()
            .set_alarm_names(Some(names.iter().map(|n| n.to_string()).collect()))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn disable_alarm_actions(&self, names: Vec<AlarmName>) -> crate::Result<()> {
        validate_alarm_names(&names)?;
        self.client
            .disable_alarm_actions()
            .set_alarm_names(Some(names.iter().map(|n| n.to_string()).collect()))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn describe_alarm_history(&self, req: DescribeAlarmHistoryRequest) -> crate::Result<Vec<AlarmHistoryItem>> {
        req.validate()?;
        let mut all = Vec::new();
        // The SDK's paginator (it stops on a repeated token); 100 is MaxRecords' maximum.
        let mut pages = self
            .client
            .describe_alarm_history()
            .set_alarm_name(req.alarm_name.as_ref().map(|n| n.to_string()))
            .set_history_item_type(req.item_type.as_ref().map(|t| cw::HistoryItemType::from(t.as_str())))
            .set_start_date(req.start.map(to_date_time))
            .set_end_date(req.end.map(to_date_time))
            .scan_by(cw::ScanBy::TimestampDescending)
            .max_records(100)
            .into_paginator()
            .send();
        while let Some(out) = pages.next().await {
            let out = out.map_err(sdk_err(SVC))?;
            for h in out.alarm_history_items() {
                all.push(history_item_from_sdk(h)?);
            }
        }
        Ok(all)
    }

    async fn set_alarm_state(&self, req: SetAlarmStateRequest) -> crate::Result<()> {
        req.validate()?;
        self.client
            .set_alarm_state()
            .alarm_name(req.alarm_name.as_str())
            .state_value(cw::StateValue::from(req.state.as_str()))
            .state_reason(&req.reason)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn put_dashboard(&self, req: PutDashboardRequest) -> crate::Result<()> {
        req.validate()?;
        self.client
            .put_dashboard()
            .dashboard_name(&req.name)
            .dashboard_body(&req.body)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn get_dashboard(&self, name: String) -> crate::Result<Dashboard> {
        validate_dashboard_name("name", &name)?;
        let out = self
            .client
            .get_dashboard()
            .dashboard_name(&name)
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(Dashboard {
            name: out.dashboard_name().unwrap_or(&name).to_string(),
            arn: out.dashboard_arn().unwrap_or_default().to_string(),
            body: out
                .dashboard_body()
                .ok_or_else(|| malformed("DashboardBody"))?
                .to_string(),
        })
    }

    async fn delete_dashboards(&self, names: Vec<String>) -> crate::Result<()> {
        validate_dashboard_names(&names)?;
        self.client
            .delete_dashboards()
            .set_dashboard_names(Some(names))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn list_tags_for_resource(&self, arn: Arn) -> crate::Result<Tags> {
        validate_resource_arn(&arn)?;
        let out = self
            .client
            .list_tags_for_resource()
            .resource_arn(arn.as_str())
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(tags_from(out.tags().iter().map(|t| (t.key(), t.value()))))
    }

    async fn tag_resource(&self, arn: Arn, tags: Tags) -> crate::Result<()> {
        validate_resource_arn(&arn)?;
        validate_tags_to_add(&tags)?;
        let tags: Vec<cw::Tag> = tags
            .iter()
            .map(|(k, v)| cw::Tag::builder().key(k).value(v).build())
            .collect();
        self.client
            .tag_resource()
            .resource_arn(arn.as_str())
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }

    async fn untag_resource(&self, arn: Arn, keys: Vec<String>) -> crate::Result<()> {
        validate_resource_arn(&arn)?;
        validate_tag_keys(&keys)?;
        self.client
            .untag_resource()
            .resource_arn(arn.as_str())
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(sdk_err(SVC))?;
        Ok(())
    }
}

// Public conversions from the SDK's types (see `Cloud::sdk`).

impl TryFrom<&cw::MetricAlarm> for MetricAlarm {
    type Error = Error;
    /// The facade's view of an alarm the SDK answered.
    fn try_from(a: &cw::MetricAlarm) -> crate::Result<MetricAlarm> {
        alarm_from_sdk(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudwatch::Client;
    use aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput;
    use aws_sdk_cloudwatch::operation::get_dashboard::GetDashboardError;
    use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
    use aws_sdk_cloudwatch::operation::list_tags_for_resource::{ListTagsForResourceError, ListTagsForResourceOutput};
    use aws_sdk_cloudwatch::operation::put_metric_alarm::{PutMetricAlarmError, PutMetricAlarmOutput};
    use aws_sdk_cloudwatch::operation::put_metric_data::{PutMetricDataError, PutMetricDataOutput};
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
    use aws_smithy_types::error::ErrorMetadata;
    use std::time::Duration;

    /// `mock_client!` without the SDK's `test-util` feature (not enabled in this crate's
    /// dev-dependencies): the same interceptor and HTTP client, test credentials, no retries.
    fn client(rules: &[&Rule]) -> SdkCloudWatch {
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
        for r in rules {
            interceptor = interceptor.with_rule(r);
        }
        let conf = aws_sdk_cloudwatch::Config::builder()
            .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_cloudwatch::config::Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            ))
            .retry_config(aws_sdk_cloudwatch::config::retry::RetryConfig::disabled())
            .http_client(create_mock_http_client())
            .interceptor(interceptor)
            .build();
        SdkCloudWatch::from_client(Client::from_conf(conf))
    }

    fn meta(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message("it failed").build()
    }

    fn t(s: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600 + s)
    }

    #[tokio::test]
    async fn put_metric_data_sends_values_counts_dimensions_unit() {
        let rule = mock!(Client::put_metric_data)
            .match_requests(|r| {
                let d = &r.metric_data()[0];
                r.namespace() == Some("MyApp")
                    && d.metric_name() == Some("Latency")
                    && d.values() == [1.0, 2.0]
                    && d.counts() == [3.0, 1.0]
                    && d.unit() == Some(&cw::StandardUnit::Milliseconds)
                    && d.dimensions().len() == 1
                    && d.dimensions()[0].name() == Some("Stage")
                    && d.dimensions()[0].value() == Some("prod")
                    && d.storage_resolution() == Some(1)
                    && d.timestamp().is_some()
                    && d.value().is_none()
                    && r.metric_data()[1].statistic_values().and_then(|s| s.sample_count()) == Some(4.0)
            })
            .then_output(|| PutMetricDataOutput::builder().build());
        let cw = client(&[&rule]);
        let d1 = MetricDatum::builder()
            .metric_name("Latency")
            .dimensions(vec![Dimension::new("Stage", "prod")])
            .timestamp(t(0))
            .values(vec![1.0, 2.0])
            .counts(vec![3.0, 1.0])
            .unit(Unit::Milliseconds)
            .storage_resolution(1)
            .build()
            .unwrap();
        let d2 = MetricDatum::builder()
            .metric_name("Latency")
            .statistic_values(StatisticSet {
                sample_count: 4.0,
                sum: 10.0,
                minimum: 1.0,
                maximum: 4.0,
            })
            .build()
            .unwrap();
        let req = PutMetricDataRequest::builder()
            .namespace("MyApp")
            .data(vec![d1, d2])
            .build()
            .unwrap();
        cw.put_metric_data(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn put_metric_alarm_sends_every_field() {
        let rule = mock!(Client::put_metric_alarm)
            .match_requests(|r| {
                r.alarm_name() == Some("lat-p90")
                    && r.alarm_description() == Some("p90 latency")
                    && r.namespace() == Some("AWS/ApplicationELB")
                    && r.metric_name() == Some("TargetResponseTime")
                    && r.dimensions().len() == 1
                    && r.statistic().is_none()
                    && r.extended_statistic() == Some("p90")
                    && r.period() == Some(60)
                    && r.evaluation_periods() == Some(5)
                    && r.datapoints_to_alarm() == Some(3)
                    && r.threshold() == Some(0.5)
                    && r.comparison_operator() == Some(&cw::ComparisonOperator::GreaterThanThreshold)
                    && r.treat_missing_data() == Some("notBreaching")
                    && r.alarm_actions() == ["arn:aws:sns:us-east-1:123456789012:ops"]
                    && r.ok_actions() == ["arn:aws:sns:us-east-1:123456789012:ok"]
                    && r.insufficient_data_actions().is_empty()
                    && r.actions_enabled() == Some(false)
                    && r.unit() == Some(&cw::StandardUnit::Seconds)
                    && r.tags().len() == 1
                    && r.tags()[0].key() == Some("team")
            })
            .then_output(|| PutMetricAlarmOutput::builder().build());
        let cw = client(&[&rule]);
        let req = PutMetricAlarmRequest::builder()
            .alarm_name("lat-p90".parse().unwrap())
            .description("p90 latency")
            .namespace("AWS/ApplicationELB")
            .metric_name("TargetResponseTime")
            .dimensions(vec![Dimension::new("LoadBalancer", "app/web/123")])
            .extended_statistic("p90")
            .period_secs(60)
            .evaluation_periods(5)
            .datapoints_to_alarm(3)
            .threshold(0.5)
            .comparison(ComparisonOperator::GreaterThanThreshold)
            .treat_missing_data(TreatMissingData::NotBreaching)
            .alarm_actions(vec!["arn:aws:sns:us-east-1:123456789012:ops".parse().unwrap()])
            .ok_actions(vec!["arn:aws:sns:us-east-1:123456789012:ok".parse().unwrap()])
            .actions_enabled(false)
            .unit(Unit::Seconds)
            .tags([("team".to_string(), "web".to_string())].into())
            .build()
            .unwrap();
        cw.put_metric_alarm(req).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
    }

    fn result(id: &str, ts: &[u64], vs: &[f64]) -> cw::MetricDataResult {
        cw::MetricDataResult::builder()
            .id(id)
            .label(id.to_uppercase())
            .set_timestamps(Some(ts.iter().map(|s| to_date_time(t(*s))).collect()))
            .set_values(Some(vs.to_vec()))
            .status_code(cw::StatusCode::Complete)
            .build()
    }

    #[tokio::test]
    async fn get_metric_data_merges_pages_per_query() {
        let page1 = mock!(Client::get_metric_data)
            .match_requests(|r| {
                r.next_token().is_none()
                    && r.metric_data_queries().len() == 2
                    && r.metric_data_queries()[0].metric_stat().and_then(|m| m.stat()) == Some("p99")
                    && r.scan_by() == Some(&cw::ScanBy::TimestampAscending)
            })
            .then_output(|| {
                GetMetricDataOutput::builder()
                    .metric_data_results(result("a", &[0, 60], &[1.0, 2.0]))
                    .metric_data_results(result("b", &[0], &[5.0]))
                    .next_token("t2")
                    .build()
            });
        let page2 = mock!(Client::get_metric_data)
            .match_requests(|r| r.next_token() == Some("t2"))
            .then_output(|| {
                GetMetricDataOutput::builder()
                    .metric_data_results(result("a", &[120], &[3.0]))
                    .metric_data_results(result("b", &[60], &[6.0]))
                    .build()
            });
        let cw = client(&[&page1, &page2]);
        let q = |id: &str, stat: &str| {
            MetricDataQuery::builder()
                .id(id)
                .metric(
                    MetricStat::builder()
                        .metric(Metric::builder().namespace("App").metric_name("m").build())
                        .period_secs(60)
                        .stat(stat)
                        .build(),
                )
                .build()
        };
        let req = GetMetricDataRequest::builder()
            .queries(vec![q("a", "p99"), q("b", "Sum")])
            .start(t(0))
            .end(t(180))
            .build()
            .unwrap();
        let out = cw.get_metric_data(req).await.unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].id, "a");
        assert_eq!(out[0].values, vec![1.0, 2.0, 3.0]);
        assert_eq!(out[0].timestamps, vec![t(0), t(60), t(120)]);
        assert_eq!(out[0].label.as_deref(), Some("A"));
        assert_eq!(out[1].values, vec![5.0, 6.0]);
        assert_eq!(out[1].status, MetricDataStatus::Complete);
        assert_eq!(page2.num_calls(), 1);
    }

    fn stat_query(id: &str, stat: &str) -> MetricDataQuery {
        MetricDataQuery::builder()
            .id(id)
            .metric(
                MetricStat::builder()
                    .metric(Metric::builder().namespace("App").metric_name(id).build())
                    .period_secs(60)
                    .stat(stat)
                    .build(),
            )
            .return_data(false)
            .build()
    }

    #[tokio::test]
    async fn metric_math_alarms_send_metrics_and_read_them_back() {
        let put = mock!(Client::put_metric_alarm)
            .match_requests(|r| {
                let m = r.metrics();
                r.alarm_name() == Some("error-rate")
                    && r.namespace().is_none()
                    && r.metric_name().is_none()
                    && r.period().is_none()
                    && r.statistic().is_none()
                    && m.len() == 3
                    && m[0].id() == Some("errors")
                    && m[0].metric_stat().and_then(|s| s.stat()) == Some("Sum")
                    && m[0].metric_stat().and_then(|s| s.period()) == Some(60)
                    && m[0].return_data() == Some(false)
                    && m[2].expression() == Some("errors / requests * 100")
                    && m[2].label() == Some("Error rate")
                    && m[2].return_data() == Some(true)
                    && m[2].metric_stat().is_none()
                    && r.evaluation_periods() == Some(3)
                    && r.threshold() == Some(5.0)
                    && r.tags().len() == 1
            })
            .then_output(|| PutMetricAlarmOutput::builder().build());
        let sdk_queries = vec![
            cw::MetricDataQuery::builder()
                .id("errors")
                .metric_stat(
                    cw::MetricStat::builder()
                        .metric(cw::Metric::builder().namespace("App").metric_name("errors").build())
                        .period(60)
                        .stat("Sum")
                        .build(),
                )
                .return_data(false)
                .build(),
            cw::MetricDataQuery::builder()
                .id("e1")
                .expression("errors * 2")
                .period(60)
                .build(),
        ];
        let describe = mock!(Client::describe_alarms)
            .match_requests(|r| r.alarm_types() == [cw::AlarmType::MetricAlarm])
            .then_output(move || {
                DescribeAlarmsOutput::builder()
                    .metric_alarms(
                        cw::MetricAlarm::builder()
                            .alarm_name("error-rate")
                            .set_metrics(Some(sdk_queries.clone()))
                            .evaluation_periods(3)
                            .threshold(5.0)
                            .comparison_operator(cw::ComparisonOperator::GreaterThanThreshold)
                            .state_value(cw::StateValue::InsufficientData)
                            .build(),
                    )
                    .build()
            });
        let cw = client(&[&put, &describe]);
        let req = PutMetricMathAlarmRequest::builder()
            .alarm_name("error-rate".parse().unwrap())
            .metrics(vec![
                stat_query("errors", "Sum"),
                stat_query("requests", "Sum"),
                MetricDataQuery::builder()
                    .id("rate")
                    .expression("errors / requests * 100")
                    .label("Error rate")
                    .build(),
            ])
            .evaluation_periods(3)
            .threshold(5.0)
            .comparison(ComparisonOperator::GreaterThanThreshold)
            .tags(Tags::from([("team".to_string(), "web".to_string())]))
            .build()
            .unwrap();
        cw.put_metric_math_alarm(req).await.unwrap();
        let alarms = cw.describe_alarms(Default::default()).await.unwrap();
        let m = &alarms[0].metrics;
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0].metric.as_ref().map(|s| (s.stat.as_str(), s.period_secs)),
            Some(("Sum", 60))
        );
        assert!(!m[0].return_data);
        assert_eq!(m[1].expression.as_deref(), Some("errors * 2"));
        assert!(m[1].return_data, "ReturnData left out means true");
        assert_eq!(m[1].period_secs, Some(60));
        assert_eq!(alarms[0].metric_name, "", "no single metric");
    }

    #[tokio::test]
    async fn get_metric_data_sends_expressions() {
        let rule = mock!(Client::get_metric_data)
            .match_requests(|r| {
                let q = r.metric_data_queries();
                q.len() == 2
                    && q[1].expression() == Some("m * 2")
                    && q[1].metric_stat().is_none()
                    && q[1].period() == Some(60)
                    && q[0].return_data() == Some(false)
            })
            .then_output(|| {
                GetMetricDataOutput::builder()
                    .metric_data_results(result("e", &[0], &[4.0]))
                    .build()
            });
        let cw = client(&[&rule]);
        let req = GetMetricDataRequest::builder()
            .queries(vec![
                stat_query("m", "Sum"),
                MetricDataQuery::builder()
                    .id("e")
                    .expression("m * 2")
                    .period_secs(60)
                    .build(),
            ])
            .start(t(0))
            .end(t(60))
            .build()
            .unwrap();
        let out = cw.get_metric_data(req).await.unwrap();
        assert_eq!((out[0].id.as_str(), out[0].values.clone()), ("e", vec![4.0]));
    }

    #[tokio::test]
    async fn composite_alarms_are_put_described_by_type() {
        use aws_sdk_cloudwatch::operation::put_composite_alarm::PutCompositeAlarmOutput;
        let put = mock!(Client::put_composite_alarm)
            .match_requests(|r| {
                r.alarm_name() == Some("web-down")
                    && r.alarm_rule() == Some("ALARM(cpu) AND NOT ALARM(\"deploy\")")
                    && r.alarm_description() == Some("both")
                    && r.alarm_actions() == ["arn:aws:sns:us-east-1:123456789012:ops"]
                    && r.actions_enabled() == Some(true)
                    && r.tags().len() == 1
            })
            .then_output(|| PutCompositeAlarmOutput::builder().build());
        let describe = mock!(Client::describe_alarms)
            .match_requests(|r| r.alarm_types() == [cw::AlarmType::CompositeAlarm] && r.alarm_names() == ["web-down"])
            .then_output(|| {
                DescribeAlarmsOutput::builder()
                    .composite_alarms(
                        cw::CompositeAlarm::builder()
                            .alarm_name("web-down")
                            .alarm_arn("arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-down")
                            .alarm_rule("ALARM(cpu)")
                            .ok_actions("arn:aws:sns:us-east-1:123456789012:ok")
                            .actions_enabled(false)
                            .state_value(cw::StateValue::Alarm)
                            .state_reason("cpu")
                            .build(),
                    )
                    .build()
            });
        let cw = client(&[&put, &describe]);
        let req = PutCompositeAlarmRequest::builder()
            .alarm_name("web-down".parse().unwrap())
            .description("both")
            .rule("ALARM(cpu) AND NOT ALARM(\"deploy\")")
            .alarm_actions(vec!["arn:aws:sns:us-east-1:123456789012:ops".parse().unwrap()])
            .tags(Tags::from([("team".to_string(), "web".to_string())]))
            .build()
            .unwrap();
        cw.put_composite_alarm(req).await.unwrap();
        let req = DescribeAlarmsRequest::builder()
            .names(vec!["web-down".parse().unwrap()])
            .build()
            .unwrap();
        let got = cw.describe_composite_alarms(req).await.unwrap();
        assert_eq!(got.len(), 1);
        let a = &got[0];
        assert_eq!((a.name.as_str(), a.rule.as_str()), ("web-down", "ALARM(cpu)"));
        assert_eq!((a.state.clone(), a.actions_enabled), (AlarmState::Alarm, false));
        assert_eq!(a.ok_actions.len(), 1);
        assert_eq!(a.state_reason.as_deref(), Some("cpu"));
    }

    fn sdk_alarm(name: &str) -> cw::MetricAlarm {
        cw::MetricAlarm::builder()
            .alarm_name(name)
            .alarm_arn(format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"))
            .namespace("AWS/EC2")
            .metric_name("CPUUtilization")
            .dimensions(
                cw::Dimension::builder()
                    .name("InstanceId")
                    .value("i-0123456789abcdef0")
                    .build(),
            )
            .statistic(cw::Statistic::Average)
            .period(300)
            .evaluation_periods(3)
            .threshold(80.0)
            .comparison_operator(cw::ComparisonOperator::GreaterThanThreshold)
            .treat_missing_data("breaching")
            .alarm_actions("arn:aws:sns:us-east-1:123456789012:ops")
            .actions_enabled(true)
            .state_value(cw::StateValue::Alarm)
            .state_reason("Threshold Crossed")
            .state_updated_timestamp(to_date_time(t(300)))
            .build()
    }

    #[tokio::test]
    async fn alarms_stream_sizes_the_page_to_the_limit_and_stops_there() {
        use crate::cloudwatch::CloudWatchExt;
        use crate::page::ListOptions;
        use futures::TryStreamExt;
        let page1 = mock!(Client::describe_alarms)
            .match_requests(|r| r.next_token().is_none() && r.max_records() == Some(2))
            .then_output(|| {
                DescribeAlarmsOutput::builder()
                    .metric_alarms(sdk_alarm("a-1"))
                    .metric_alarms(sdk_alarm("a-2"))
                    .next_token("n")
                    .build()
            });
        let page2 = mock!(Client::describe_alarms)
            .match_requests(|r| r.next_token() == Some("n"))
            .then_output(|| DescribeAlarmsOutput::builder().metric_alarms(sdk_alarm("a-3")).build());
        let cw = client(&[&page1, &page2]);
        let got: Vec<MetricAlarm> = cw
            .alarms(DescribeAlarmsRequest::default(), ListOptions::new().limit(2))
            .try_collect()
            .await
            .unwrap();
        let names: Vec<&str> = got.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a-1", "a-2"]);
        assert_eq!((page1.num_calls(), page2.num_calls()), (1, 0), "no page past the limit");
    }

    #[tokio::test]
    async fn describe_alarms_maps_and_follows_pages() {
        let page1 = mock!(Client::describe_alarms)
            .match_requests(|r| {
                r.next_token().is_none() && r.alarm_name_prefix() == Some("cpu") && r.max_records() == Some(100)
            })
            .then_output(|| {
                DescribeAlarmsOutput::builder()
                    .metric_alarms(sdk_alarm("cpu-1"))
                    .next_token("n")
                    .build()
            });
        let page2 = mock!(Client::describe_alarms)
            .match_requests(|r| r.next_token() == Some("n"))
            .then_output(|| {
                DescribeAlarmsOutput::builder()
                    // An anomaly-detection alarm: metric math, a band, no metric name.
                    .metric_alarms(
                        cw::MetricAlarm::builder()
                            .alarm_name("cpu-2")
                            .comparison_operator(cw::ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold)
                            .threshold_metric_id("ad1")
                            .state_value(cw::StateValue::Ok)
                            .build(),
                    )
                    // Values newer than the crate are kept by name, not refused or guessed.
                    .metric_alarms(
                        cw::MetricAlarm::builder()
                            .alarm_name("cpu-3")
                            .comparison_operator(cw::ComparisonOperator::from("EqualToThreshold"))
                            .state_value(cw::StateValue::from("PAUSED"))
                            .treat_missing_data("interpolate")
                            .build(),
                    )
                    .build()
            });
        let cw = client(&[&page1, &page2]);
        let req = DescribeAlarmsRequest::builder().name_prefix("cpu").build().unwrap();
        let alarms = cw.describe_alarms(req).await.unwrap();
        assert_eq!(alarms.len(), 3);
        assert_eq!(
            alarms[2].comparison,
            ComparisonOperator::Unknown("EqualToThreshold".into())
        );
        assert_eq!(alarms[2].state, AlarmState::Unknown("PAUSED".into()));
        assert_eq!(alarms[2].treat_missing_data.as_str(), "interpolate");
        assert!(!alarms[2].comparison.breaches(1.0, 0.0));
        let a = &alarms[0];
        assert_eq!(a.name, "cpu-1");
        assert_eq!(a.state, AlarmState::Alarm);
        assert_eq!(a.statistic, Some(Statistic::Average));
        assert_eq!(a.comparison, ComparisonOperator::GreaterThanThreshold);
        assert_eq!(
            alarms[1].comparison,
            ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold,
            "an anomaly-detection alarm in the account does not fail the describe"
        );
        assert_eq!(a.treat_missing_data, TreatMissingData::Breaching);
        assert_eq!(a.period_secs, 300);
        assert_eq!(a.evaluation_periods, 3);
        assert_eq!(a.dimensions, vec![Dimension::new("InstanceId", "i-0123456789abcdef0")]);
        assert_eq!(a.alarm_actions[0].as_str(), "arn:aws:sns:us-east-1:123456789012:ops");
        assert_eq!(a.state_updated, Some(t(300)));
        assert_eq!(a.state_reason.as_deref(), Some("Threshold Crossed"));
        assert_eq!(alarms[1].name, "cpu-2");
    }

    #[tokio::test]
    async fn alarm_actions_are_enabled_and_disabled_by_name() {
        let enable = mock!(Client::enable_alarm_actions)
            .match_requests(|r| r.alarm_names() == ["cpu-1", "cpu-2"])
            .then_output(|| {
                aws_sdk_cloudwatch::operation::enable_alarm_actions::EnableAlarmActionsOutput::builder().build()
            });
        let disable = mock!(Client::disable_alarm_actions)
            .match_requests(|r| r.alarm_names() == ["cpu-1"])
            .then_output(|| {
                aws_sdk_cloudwatch::operation::disable_alarm_actions::DisableAlarmActionsOutput::builder().build()
            });
        let cw = client(&[&enable, &disable]);
        let names = |n: &[&str]| n.iter().map(|n| n.parse().unwrap()).collect::<Vec<AlarmName>>();
        cw.enable_alarm_actions(names(&["cpu-1", "cpu-2"])).await.unwrap();
        cw.disable_alarm_actions(names(&["cpu-1"])).await.unwrap();
        assert_eq!((enable.num_calls(), disable.num_calls()), (1, 1));
        // More than 100 names never reach the client.
        let many: Vec<AlarmName> = (0..101).map(|i| format!("a{i}").parse().unwrap()).collect();
        assert!(matches!(
            cw.disable_alarm_actions(many).await,
            Err(Error::Validation { .. })
        ));
        assert_eq!(disable.num_calls(), 1);
    }

    #[tokio::test]
    async fn errors_are_mapped() {
        let missing = mock!(Client::get_dashboard).then_error(|| {
            GetDashboardError::DashboardNotFoundError(
                cw::error::DashboardNotFoundError::builder()
                    .message("Dashboard ops does not exist")
                    .meta(meta("ResourceNotFound"))
                    .build(),
            )
        });
        let limit = mock!(Client::put_metric_alarm).then_error(|| {
            PutMetricAlarmError::LimitExceededFault(
                cw::error::LimitExceededFault::builder()
                    .message("too many alarms")
                    .meta(meta("LimitExceeded"))
                    .build(),
            )
        });
        let throttled = mock!(Client::put_metric_data).then_error(|| PutMetricDataError::generic(meta("Throttling")));
        let cw = client(&[&missing, &limit, &throttled]);
        let e = cw.get_dashboard("ops".into()).await.unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        assert_eq!(e.code(), Some("ResourceNotFound"));
        let req = PutMetricAlarmRequest::builder()
            .alarm_name("a".parse().unwrap())
            .namespace("App")
            .metric_name("m")
            .statistic(Statistic::Sum)
            .period_secs(60)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison(ComparisonOperator::GreaterThanThreshold)
            .build()
            .unwrap();
        let e = cw.put_metric_alarm(req).await.unwrap_err();
        assert_eq!(e.code(), Some("LimitExceeded"));
        let put = PutMetricDataRequest::builder()
            .namespace("App")
            .data(vec![
                MetricDatum::builder().metric_name("m").value(1.0).build().unwrap(),
            ])
            .build()
            .unwrap();
        let e = cw.put_metric_data(put).await.unwrap_err();
        assert!(e.is_throttled(), "{e:?}");
        assert!(e.is_retryable());
    }

    #[tokio::test]
    async fn list_tags_for_resource_sends_the_arn_and_maps_tags_and_not_found() {
        const ALARM: &str = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high";
        let found = mock!(Client::list_tags_for_resource)
            .match_requests(|r| r.resource_arn() == Some(ALARM))
            .then_output(|| {
                ListTagsForResourceOutput::builder()
                    .tags(cw::Tag::builder().key("workflow").value("web").build())
                    .tags(cw::Tag::builder().key("run").value("r-1").build())
                    .build()
            });
        let untagged = mock!(Client::list_tags_for_resource)
            .match_requests(|r| r.resource_arn() == Some(ALARM))
            .then_output(|| ListTagsForResourceOutput::builder().build());
        let missing = mock!(Client::list_tags_for_resource).then_error(|| {
            ListTagsForResourceError::ResourceNotFoundException(
                cw::error::ResourceNotFoundException::builder()
                    .message("Unknown")
                    .meta(meta("ResourceNotFoundException"))
                    .build(),
            )
        });
        let cw = client(&[&found, &untagged, &missing]);
        let arn: Arn = ALARM.parse().unwrap();
        let tags = cw.list_tags_for_resource(arn.clone()).await.unwrap();
        assert_eq!(
            tags,
            Tags::from([("run".into(), "r-1".into()), ("workflow".into(), "web".into())])
        );
        assert!(cw.list_tags_for_resource(arn.clone()).await.unwrap().is_empty());
        let e = cw.list_tags_for_resource(arn).await.unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        assert_eq!(e.code(), Some("ResourceNotFoundException"));
        assert_eq!(
            (found.num_calls(), untagged.num_calls(), missing.num_calls()),
            (1, 1, 1)
        );
        let too_long: Arn = format!("{ALARM}{}", "x".repeat(1024)).parse().unwrap();
        assert!(
            client(&[])
                .list_tags_for_resource(too_long)
                .await
                .unwrap_err()
                .is_validation()
        );
    }

    #[tokio::test]
    async fn tag_and_untag_resource_send_the_arn_tags_and_keys() {
        use aws_sdk_cloudwatch::operation::tag_resource::{TagResourceError, TagResourceOutput};
        use aws_sdk_cloudwatch::operation::untag_resource::UntagResourceOutput;
        const ARN: &str = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high";
        let tag = mock!(Client::tag_resource)
            .match_requests(|r| {
                let mut sent: Vec<(Option<&str>, Option<&str>)> =
                    r.tags().iter().map(|t| (t.key(), t.value())).collect();
                sent.sort();
                r.resource_arn() == Some(ARN) && sent == [(Some("owner"), Some("ops")), (Some("team"), Some(""))]
            })
            .then_output(|| TagResourceOutput::builder().build());
        let missing = mock!(Client::tag_resource).then_error(|| {
            TagResourceError::ResourceNotFoundException(
                cw::error::ResourceNotFoundException::builder()
                    .message("Unknown")
                    .meta(meta("ResourceNotFoundException"))
                    .build(),
            )
        });
        let untag = mock!(Client::untag_resource)
            .match_requests(|r| r.resource_arn() == Some(ARN) && r.tag_keys() == ["owner"])
            .then_output(|| UntagResourceOutput::builder().build());
        let cw = client(&[&tag, &missing, &untag]);
        let arn: Arn = ARN.parse().unwrap();
        let tags = Tags::from([("owner".into(), "ops".into()), ("team".into(), String::new())]);
        cw.tag_resource(arn.clone(), tags.clone()).await.unwrap();
        let e = cw.tag_resource(arn.clone(), tags).await.unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        cw.untag_resource(arn.clone(), vec!["owner".into()]).await.unwrap();
        assert_eq!((tag.num_calls(), missing.num_calls(), untag.num_calls()), (1, 1, 1));

        // Bad input is refused before any request.
        let never_tag = mock!(Client::tag_resource).then_output(|| TagResourceOutput::builder().build());
        let never_untag = mock!(Client::untag_resource).then_output(|| UntagResourceOutput::builder().build());
        let cw = client(&[&never_tag, &never_untag]);
        let field = |e: Error| match e {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(
            field(cw.tag_resource(arn.clone(), Tags::new()).await.unwrap_err()),
            "tags"
        );
        let reserved = Tags::from([("aws:owner".into(), "x".into())]);
        assert_eq!(field(cw.tag_resource(arn.clone(), reserved).await.unwrap_err()), "tags");
        let long_value = Tags::from([("k".into(), "v".repeat(257))]);
        assert_eq!(
            field(cw.tag_resource(arn.clone(), long_value).await.unwrap_err()),
            "tags"
        );
        assert_eq!(field(cw.untag_resource(arn.clone(), vec![]).await.unwrap_err()), "keys");
        assert_eq!(
            field(cw.untag_resource(arn.clone(), vec!["k".repeat(129)]).await.unwrap_err()),
            "keys[0]"
        );
        assert_eq!(
            field(
                cw.untag_resource(arn, vec!["ok".into(), "AWS:x".into()])
                    .await
                    .unwrap_err()
            ),
            "keys[1]"
        );
        assert_eq!((never_tag.num_calls(), never_untag.num_calls()), (0, 0));
    }

    #[tokio::test]
    async fn describe_alarm_history_sends_the_filters_and_follows_pages() {
        use aws_sdk_cloudwatch::operation::describe_alarm_history::DescribeAlarmHistoryOutput;
        let item = |name: &str, s: u64, kind: cw::HistoryItemType, summary: &str| {
            cw::AlarmHistoryItem::builder()
                .alarm_name(name)
                .alarm_type(cw::AlarmType::MetricAlarm)
                .timestamp(to_date_time(t(s)))
                .history_item_type(kind)
                .history_summary(summary)
                .history_data(r#"{"version":"1.0"}"#)
                .build()
        };
        let page1 = mock!(Client::describe_alarm_history)
            .match_requests(|r| {
                r.alarm_name() == Some("cpu-high")
                    && r.history_item_type() == Some(&cw::HistoryItemType::StateUpdate)
                    && r.start_date().and_then(to_system_time) == Some(t(0))
                    && r.end_date().and_then(to_system_time) == Some(t(600))
                    && r.scan_by() == Some(&cw::ScanBy::TimestampDescending)
                    && r.max_records() == Some(100)
                    && r.next_token().is_none()
            })
            .then_output(move || {
                DescribeAlarmHistoryOutput::builder()
                    .alarm_history_items(item(
                        "cpu-high",
                        120,
                        cw::HistoryItemType::StateUpdate,
                        "Alarm updated from OK to ALARM",
                    ))
                    .next_token("p2")
                    .build()
            });
        let page2 = mock!(Client::describe_alarm_history)
            .match_requests(|r| r.next_token() == Some("p2"))
            .then_output(move || {
                DescribeAlarmHistoryOutput::builder()
                    .alarm_history_items(item(
                        "cpu-high",
                        60,
                        cw::HistoryItemType::from("AlarmContributorStateUpdate"),
                        "Contributor updated",
                    ))
                    .build()
            });
        let cw = client(&[&page1, &page2]);
        let req = DescribeAlarmHistoryRequest::builder()
            .alarm_name("cpu-high".parse().unwrap())
            .item_type(HistoryItemType::StateUpdate)
            .start(t(0))
            .end(t(600))
            .build()
            .unwrap();
        let items = cw.describe_alarm_history(req).await.unwrap();
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(items[0].alarm_name.as_str(), "cpu-high");
        assert_eq!(items[0].alarm_type.as_deref(), Some("MetricAlarm"));
        assert_eq!(items[0].timestamp, t(120));
        assert_eq!(items[0].item_type, HistoryItemType::StateUpdate);
        assert_eq!(items[0].summary, "Alarm updated from OK to ALARM");
        assert_eq!(items[0].data.as_deref(), Some(r#"{"version":"1.0"}"#));
        assert_eq!(
            items[1].item_type,
            HistoryItemType::Unknown("AlarmContributorStateUpdate".into()),
            "a kind AWS added reads as Unknown"
        );
        assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));

        // An item without a timestamp is a malformed answer, not a made-up time.
        let broken = mock!(Client::describe_alarm_history).then_output(|| {
            DescribeAlarmHistoryOutput::builder()
                .alarm_history_items(
                    cw::AlarmHistoryItem::builder()
                        .alarm_name("a")
                        .history_item_type(cw::HistoryItemType::Action)
                        .build(),
                )
                .build()
        });
        let e = client(&[&broken])
            .describe_alarm_history(DescribeAlarmHistoryRequest::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("MalformedResponse"), "{e:?}");

        // A backwards range is refused before any request.
        let never = mock!(Client::describe_alarm_history).then_output(|| DescribeAlarmHistoryOutput::builder().build());
        let bad = DescribeAlarmHistoryRequest {
            start: Some(t(600)),
            end: Some(t(0)),
            ..Default::default()
        };
        let e = client(&[&never]).describe_alarm_history(bad).await.unwrap_err();
        assert!(matches!(&e, Error::Validation { field, .. } if field == "end"), "{e:?}");
        assert_eq!(never.num_calls(), 0);
    }

    #[tokio::test]
    async fn invalid_requests_are_not_sent() {
        let cw = client(&[]);
        // A request that did not come from `build()` (deserialized) is checked by the adapter.
        let valid = PutMetricDataRequest::builder()
            .namespace("App")
            .data(vec![
                MetricDatum::builder().metric_name("m").value(1.0).build().unwrap(),
            ])
            .build()
            .unwrap();
        let mut json = serde_json::to_value(&valid).unwrap();
        json["namespace"] = "AWS/EC2".into();
        let req: PutMetricDataRequest = serde_json::from_value(json).unwrap();
        assert!(cw.put_metric_data(req).await.unwrap_err().is_validation());
        assert!(cw.delete_alarms(vec![]).await.unwrap_err().is_validation());
        assert!(cw.get_dashboard("bad name".into()).await.unwrap_err().is_validation());
    }
}
