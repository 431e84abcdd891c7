//! CloudWatch scenarios (metric data and statistics, alarms, dashboards). On moto they go
//! through the RPC v2 CBOR → AWS JSON 1.0 bridge (tests/support/cw_proxy.rs).

use aws_facade::cloudwatch::{
    AlarmHistoryItem, AlarmState, ComparisonOperator, CompositeAlarm, DescribeAlarmHistoryRequest,
    DescribeAlarmsRequest, Dimension, GetMetricDataRequest, GetMetricStatisticsRequest, HistoryItemType,
    ListMetricsRequest, Metric, MetricAlarm, MetricDataQuery, MetricDataStatus, MetricDatum, MetricStat,
    PutCompositeAlarmRequest, PutDashboardRequest, PutMetricAlarmRequest, PutMetricDataRequest,
    PutMetricMathAlarmRequest, SetAlarmStateRequest, Statistic, TreatMissingData, Unit,
};
use aws_facade::id::AlarmName;

use super::*;

const NAMESPACE: &str = "Conformance/App";

/// The start of the minute `minutes_ago` whole minutes before the backend's now.
fn minute_start(b: &Backend, minutes_ago: u64) -> SystemTime {
    let now = b
        .now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    SystemTime::UNIX_EPOCH + Duration::from_secs((now / 60 - minutes_ago) * 60)
}

fn alarm_request(name: &str) -> PutMetricAlarmRequest {
    PutMetricAlarmRequest::builder()
        .alarm_name(name.parse().expect("alarm name"))
        .description(format!("conformance {name}"))
        .namespace(NAMESPACE)
        .metric_name("Latency")
        .dimensions(vec![Dimension::new("Service", "checkout")])
        .statistic(Statistic::Average)
        .period_secs(60)
        .evaluation_periods(5)
        .datapoints_to_alarm(3)
        .threshold(250.0)
        .comparison(ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data(TreatMissingData::NotBreaching)
        .unit(Unit::Milliseconds)
        .build()
        .expect("valid PutMetricAlarm request")
}

impl Backend {
    /// The alarms named `names` (describe by names).
    pub async fn alarms(&self, names: &[&str]) -> Vec<MetricAlarm> {
        self.cloud
            .cloudwatch
            .describe_alarms(
                DescribeAlarmsRequest::builder()
                    .names(names.iter().map(|n| n.parse().expect("alarm name")).collect())
                    .build()
                    .expect("valid"),
            )
            .await
            .expect("describe alarms")
    }
}

/// Data put at three minutes comes back as per-minute statistics (GetMetricStatistics), as
/// per-minute values of two queries (GetMetricData), and the metric is listed (ListMetrics).
pub async fn cw_metric_data_round_trip(b: &Backend) {
    let t0 = minute_start(b, 10);
    let dims = vec![Dimension::new("Host", "web-1")];
    let at = |minute: u64, second: u64| t0 + Duration::from_secs(minute * 60 + second);
    // AWS aligns the periods to the start time. moto starts them at the first datum, so on moto
    // the first datum sits on a minute boundary (see CwPeriodsStartAtFirstDatum).
    let first_second = if b.deviates(DeviationId::CwPeriodsStartAtFirstDatum) {
        0
    } else {
        5
    };
    let samples: [(u64, u64, f64); 6] = [
        (0, first_second, 1.0),
        (0, 40, 3.0),
        (1, 10, 5.0),
        (2, 0, 10.0),
        (2, 20, 20.0),
        (2, 59, 30.0),
    ];
    let data = samples
        .iter()
        .map(|&(m, s, v)| {
            MetricDatum::builder()
                .metric_name("Requests")
                .dimensions(dims.clone())
                .timestamp(at(m, s))
                .value(v)
                .unit(Unit::Count)
                .build()
                .unwrap()
        })
        .collect();
    b.cloud
        .cloudwatch
        .put_metric_data(
            PutMetricDataRequest::builder()
                .namespace(NAMESPACE)
                .data(data)
                .build()
                .expect("valid"),
        )
        .await
        .expect("put metric data");

    let stats = b
        .cloud
        .cloudwatch
        .get_metric_statistics(
            GetMetricStatisticsRequest::builder()
                .namespace(NAMESPACE)
                .metric_name("Requests")
                .dimensions(dims.clone())
                .start(t0)
                .end(at(3, 0))
                .period_secs(60)
                .statistics(vec![
                    Statistic::SampleCount,
                    Statistic::Sum,
                    Statistic::Average,
                    Statistic::Minimum,
                    Statistic::Maximum,
                ])
                .build()
                .expect("valid"),
        )
        .await
        .expect("get metric statistics");
    let mut stats = stats;
    stats.sort_by_key(|d| d.timestamp);
    let got: Vec<_> = stats
        .iter()
        .map(|d| (d.timestamp, d.sample_count, d.sum, d.average, d.minimum, d.maximum))
        .collect();
    assert_eq!(
        got,
        vec![
            (at(0, 0), Some(2.0), Some(4.0), Some(2.0), Some(1.0), Some(3.0)),
            (at(1, 0), Some(1.0), Some(5.0), Some(5.0), Some(5.0), Some(5.0)),
            (at(2, 0), Some(3.0), Some(60.0), Some(20.0), Some(10.0), Some(30.0)),
        ],
        "{stats:?}"
    );
    assert!(stats.iter().all(|d| d.unit == Some(Unit::Count)), "{stats:?}");

    let metric = Metric {
        namespace: NAMESPACE.into(),
        metric_name: "Requests".into(),
        dimensions: dims.clone(),
    };
    let query = |id: &str, stat: &str| {
        MetricDataQuery::builder()
            .id(id)
            .metric(
                MetricStat::builder()
                    .metric(metric.clone())
                    .period_secs(60)
                    .stat(stat)
                    .build(),
            )
            .build()
    };
    let results = b
        .cloud
        .cloudwatch
        .get_metric_data(
            GetMetricDataRequest::builder()
                .queries(vec![query("sum", "Sum"), query("peak", "Maximum")])
                .start(t0)
                .end(at(3, 0))
                .build()
                .expect("valid"),
        )
        .await
        .expect("get metric data");
    let by_id: BTreeMap<&str, _> = results.iter().map(|r| (r.id.as_str(), r)).collect();
    assert_eq!(by_id.len(), 2, "{results:?}");
    for (id, want) in [("sum", vec![4.0, 5.0, 60.0]), ("peak", vec![3.0, 5.0, 30.0])] {
        let r = by_id[id];
        assert_eq!(r.status, MetricDataStatus::Complete, "{r:?}");
        let mut points: Vec<_> = r.timestamps.iter().copied().zip(r.values.iter().copied()).collect();
        points.sort_by_key(|p| p.0);
        let want: Vec<_> = (0..3).map(|m| at(m, 0)).zip(want).collect();
        assert_eq!(points, want, "query {id}: {r:?}");
    }

    let listed = b
        .cloud
        .cloudwatch
        .list_metrics(
            ListMetricsRequest::builder()
                .namespace(NAMESPACE)
                .build()
                .expect("valid"),
        )
        .await
        .expect("list metrics");
    assert_eq!(listed, vec![metric], "{listed:?}");
}

/// An alarm: created `INSUFFICIENT_DATA` with every setting kept and its tags (read by ARN with
/// ListTagsForResource), found by name and by prefix, updated in place (its state and tags
/// kept), deleted (then not listed, and its ARN `ResourceNotFoundException`); deleting an
/// unknown name is not an error.
pub async fn cw_alarm_lifecycle(b: &Backend) {
    let mut tagged = alarm_request("conf-latency");
    tagged.tags = b.tags("cw_alarm_lifecycle");
    b.cloud.cloudwatch.put_metric_alarm(tagged).await.expect("put alarm");
    let found = b.alarms(&["conf-latency"]).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let a = &found[0];
    assert_eq!(a.name.as_str(), "conf-latency");
    assert!(a.arn.ends_with(":alarm:conf-latency"), "{a:?}");
    assert_eq!(a.description.as_deref(), Some("conformance conf-latency"));
    assert_eq!((a.namespace.as_str(), a.metric_name.as_str()), (NAMESPACE, "Latency"));
    assert_eq!(a.dimensions, vec![Dimension::new("Service", "checkout")]);
    assert_eq!(a.statistic, Some(Statistic::Average));
    assert_eq!(
        (a.period_secs, a.evaluation_periods, a.datapoints_to_alarm),
        (60, 5, Some(3))
    );
    assert_eq!(a.threshold, 250.0);
    assert_eq!(a.comparison, ComparisonOperator::GreaterThanThreshold);
    assert_eq!(a.treat_missing_data, TreatMissingData::NotBreaching);
    assert_eq!(a.unit, Some(Unit::Milliseconds));
    assert!(a.actions_enabled, "{a:?}");
    let initial = if b.deviates(DeviationId::CwAlarmsStartOk) {
        AlarmState::Ok
    } else {
        AlarmState::InsufficientData
    };
    assert_eq!(a.state, initial, "{a:?}");
    let arn: Arn = a.arn.parse().expect("alarm ARN");
    assert_eq!(
        b.cloud
            .cloudwatch
            .list_tags_for_resource(arn.clone())
            .await
            .expect("list tags of the alarm"),
        b.tags("cw_alarm_lifecycle")
    );

    b.cloud
        .cloudwatch
        .put_metric_alarm(alarm_request("conf-latency-p2"))
        .await
        .expect("put second alarm");
    let by_prefix = b
        .cloud
        .cloudwatch
        .describe_alarms(
            DescribeAlarmsRequest::builder()
                .name_prefix("conf-latency")
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by prefix");
    let names: BTreeSet<_> = by_prefix.iter().map(|a| a.name.to_string()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["conf-latency".to_string(), "conf-latency-p2".to_string()])
    );

    let mut update = alarm_request("conf-latency");
    update.threshold = 500.0;
    update.description = Some("raised".into());
    b.cloud.cloudwatch.put_metric_alarm(update).await.expect("update alarm");
    let updated = b.alarms(&["conf-latency"]).await;
    assert_eq!(updated.len(), 1, "an update replaces, it does not add: {updated:?}");
    assert_eq!(updated[0].threshold, 500.0);
    assert_eq!(updated[0].description.as_deref(), Some("raised"));
    assert_eq!(updated[0].state, initial, "an update keeps the state");
    assert_eq!(
        b.cloud
            .cloudwatch
            .list_tags_for_resource(arn.clone())
            .await
            .expect("list tags after the update"),
        b.tags("cw_alarm_lifecycle"),
        "an update without tags keeps the alarm's tags"
    );
    let untagged = alarm_arn(b, "conf-latency-p2").await;
    assert!(
        b.cloud
            .cloudwatch
            .list_tags_for_resource(untagged)
            .await
            .expect("list tags of an untagged alarm")
            .is_empty()
    );

    let names: Vec<AlarmName> = ["conf-latency", "conf-latency-p2", "conf-never-made"]
        .iter()
        .map(|n| n.parse().expect("name"))
        .collect();
    b.cloud
        .cloudwatch
        .delete_alarms(names)
        .await
        .expect("delete alarms (one unknown)");
    assert!(b.alarms(&["conf-latency", "conf-latency-p2"]).await.is_empty());
    let after = b.cloud.cloudwatch.list_tags_for_resource(arn).await;
    if b.deviates(DeviationId::CwListTagsOfUnknownAlarmSucceeds) {
        assert_eq!(after.expect("moto keeps the tags"), b.tags("cw_alarm_lifecycle"));
    } else {
        let e = expect_err(after, ErrorKind::NotFound, "tags of a deleted alarm");
        assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    }
}

/// The ARN of alarm `name`, as DescribeAlarms reports it.
async fn alarm_arn(b: &Backend, name: &str) -> Arn {
    let found = b.alarms(&[name]).await;
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].arn.parse().expect("alarm ARN")
}

/// SetAlarmState moves an alarm to `ALARM` with the given reason; describing by state finds it.
pub async fn cw_set_alarm_state(b: &Backend) {
    b.cloud
        .cloudwatch
        .put_metric_alarm(alarm_request("conf-state"))
        .await
        .expect("put alarm");
    b.cloud
        .cloudwatch
        .set_alarm_state(
            SetAlarmStateRequest::builder()
                .alarm_name("conf-state".parse().expect("name"))
                .state(AlarmState::Alarm)
                .reason("testing the pager")
                .build()
                .expect("valid"),
        )
        .await
        .expect("set alarm state");
    let a = b.alarms(&["conf-state"]).await.remove(0);
    assert_eq!(a.state, AlarmState::Alarm, "{a:?}");
    assert_eq!(a.state_reason.as_deref(), Some("testing the pager"));
    assert!(a.state_updated.is_some(), "{a:?}");
    let alarming = b
        .cloud
        .cloudwatch
        .describe_alarms(
            DescribeAlarmsRequest::builder()
                .state(AlarmState::Alarm)
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by state");
    assert_eq!(
        alarming.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        vec!["conf-state"]
    );
    b.cloud
        .cloudwatch
        .delete_alarms(vec!["conf-state".parse().expect("name")])
        .await
        .expect("delete");
}

/// More alarms than one DescribeAlarms page (100) are all returned; DeleteAlarms takes 100
/// names per call.
pub async fn cw_describe_alarms_returns_every_page(b: &Backend) {
    let names: Vec<String> = (0..105).map(|i| format!("conf-page-{i:03}")).collect();
    for n in &names {
        b.cloud
            .cloudwatch
            .put_metric_alarm(alarm_request(n))
            .await
            .expect("put alarm");
    }
    let all = b
        .cloud
        .cloudwatch
        .describe_alarms(DescribeAlarmsRequest::default())
        .await
        .expect("describe all");
    let mut got: Vec<String> = all.iter().map(|a| a.name.to_string()).collect();
    got.sort();
    assert_eq!(got, names, "every alarm, across pages");

    // As a stream: pages of 40 (3 calls for 105 alarms), and a limit that stops at the first page.
    use aws_facade::cloudwatch::CloudWatchExt;
    use aws_facade::layer::Recording;
    use aws_facade::page::ListOptions;
    use futures::TryStreamExt;
    let journal = Recording::new();
    let cloud = b.cloud.clone().layer(journal.clone());
    let streamed: Vec<_> = cloud
        .cloudwatch
        .alarms(DescribeAlarmsRequest::default(), ListOptions::new().page_size(40))
        .try_collect()
        .await
        .expect("stream");
    let mut got: Vec<String> = streamed.iter().map(|a| a.name.to_string()).collect();
    got.sort();
    assert_eq!(got, names, "every alarm once, streamed");
    let pages = if b.deviates(DeviationId::ListingsIgnorePageSize) {
        1
    } else {
        3
    };
    assert_eq!(journal.count("DescribeAlarms"), pages);
    let first: Vec<_> = cloud
        .cloudwatch
        .alarms(DescribeAlarmsRequest::default(), ListOptions::new().limit(5))
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(first.len(), 5);
    assert_eq!(
        journal.count("DescribeAlarms"),
        pages + 1,
        "one page answers a limit of 5"
    );
    let parsed: Vec<AlarmName> = names.iter().map(|n| n.parse().expect("name")).collect();
    for chunk in parsed.chunks(100) {
        b.cloud
            .cloudwatch
            .delete_alarms(chunk.to_vec())
            .await
            .expect("delete a batch");
    }
    assert!(
        b.cloud
            .cloudwatch
            .describe_alarms(DescribeAlarmsRequest::default())
            .await
            .expect("describe all")
            .is_empty()
    );
}

/// A dashboard: put, read back byte-exact with its ARN, replaced, deleted (then not found).
pub async fn cw_dashboard_lifecycle(b: &Backend) {
    let body = r#"{"widgets":[{"type":"text","x":0,"y":0,"width":6,"height":3,"properties":{"markdown":"hello"}}]}"#;
    let put = |body: &str| {
        PutDashboardRequest::builder()
            .name("conf-board")
            .body(body)
            .build()
            .expect("valid")
    };
    b.cloud
        .cloudwatch
        .put_dashboard(put(body))
        .await
        .expect("put dashboard");
    let d = b
        .cloud
        .cloudwatch
        .get_dashboard("conf-board".into())
        .await
        .expect("get dashboard");
    assert_eq!(d.name, "conf-board");
    assert!(d.arn.ends_with(":dashboard/conf-board"), "{d:?}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&d.body).expect("JSON body"),
        serde_json::from_str::<serde_json::Value>(body).expect("JSON body")
    );
    let replaced = body.replace("hello", "bye");
    b.cloud.cloudwatch.put_dashboard(put(&replaced)).await.expect("replace");
    let d = b
        .cloud
        .cloudwatch
        .get_dashboard("conf-board".into())
        .await
        .expect("get dashboard");
    assert!(d.body.contains("bye"), "{d:?}");
    b.cloud
        .cloudwatch
        .delete_dashboards(vec!["conf-board".into()])
        .await
        .expect("delete dashboard");
    let e = expect_err(
        b.cloud.cloudwatch.get_dashboard("conf-board".into()).await,
        ErrorKind::NotFound,
        "a deleted dashboard",
    );
    assert_eq!(e.code(), Some("ResourceNotFound"), "{e:?}");
}

/// SetAlarmState on an unknown alarm and GetDashboard / DeleteDashboards of an unknown
/// dashboard answer `ResourceNotFound`, ListTagsForResource of an unknown alarm's ARN
/// `ResourceNotFoundException`, all classified NotFound; describing an unknown alarm name lists
/// nothing.
pub async fn cw_unknown_alarm_and_dashboard_are_not_found(b: &Backend) {
    let unknown: Arn = format!(
        "arn:aws:cloudwatch:{}:{}:alarm:conf-none",
        moto::REGION,
        moto::ACCOUNT_ID
    )
    .parse()
    .expect("alarm ARN");
    let tags = b.cloud.cloudwatch.list_tags_for_resource(unknown).await;
    if b.deviates(DeviationId::CwListTagsOfUnknownAlarmSucceeds) {
        assert_eq!(tags.expect("moto answers no tags"), Tags::new());
    } else {
        let e = expect_err(tags, ErrorKind::NotFound, "tags of an unknown alarm");
        assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    }
    let e = expect_err(
        b.cloud
            .cloudwatch
            .set_alarm_state(
                SetAlarmStateRequest::builder()
                    .alarm_name("conf-none".parse().expect("name"))
                    .state(AlarmState::Ok)
                    .reason("none")
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::NotFound,
        "set the state of an unknown alarm",
    );
    assert_eq!(e.code(), Some("ResourceNotFound"), "{e:?}");
    assert!(b.alarms(&["conf-none"]).await.is_empty());
    let e = expect_err(
        b.cloud.cloudwatch.get_dashboard("conf-none".into()).await,
        ErrorKind::NotFound,
        "an unknown dashboard",
    );
    assert_eq!(e.code(), Some("ResourceNotFound"), "{e:?}");
    let Error::NotFound { kind, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(kind, "dashboard", "the kind from the message of a generic code: {e:?}");
    let e = expect_err(
        b.cloud.cloudwatch.delete_dashboards(vec!["conf-none".into()]).await,
        ErrorKind::NotFound,
        "delete an unknown dashboard",
    );
    assert_eq!(e.code(), Some("ResourceNotFound"), "{e:?}");
}

/// DisableAlarmActions turns an alarm's actions off and EnableAlarmActions back on; the alarm
/// keeps its state and settings.
pub async fn cw_alarm_actions_disable_and_enable(b: &Backend) {
    let name: aws_facade::id::AlarmName = "conf-actions".parse().expect("name");
    b.cloud
        .cloudwatch
        .put_metric_alarm(alarm_request("conf-actions"))
        .await
        .expect("put alarm");
    assert!(
        b.alarms(&["conf-actions"]).await[0].actions_enabled,
        "actions are on by default"
    );
    b.cloud
        .cloudwatch
        .disable_alarm_actions(vec![name.clone()])
        .await
        .expect("disable");
    let a = b.alarms(&["conf-actions"]).await.remove(0);
    assert!(!a.actions_enabled, "{a:?}");
    assert_eq!(a.threshold, alarm_request("conf-actions").threshold, "settings kept");
    b.cloud
        .cloudwatch
        .enable_alarm_actions(vec![name.clone()])
        .await
        .expect("enable");
    assert!(b.alarms(&["conf-actions"]).await[0].actions_enabled);
    b.cloud.cloudwatch.delete_alarms(vec![name]).await.expect("delete");
}

/// TagResource adds tags to an alarm (replacing the value of a key it has), UntagResource
/// removes keys (skipping those it does not have); an ARN of no alarm is
/// ResourceNotFoundException.
pub async fn cw_tag_and_untag_alarm(b: &Backend) {
    let cw = &b.cloud.cloudwatch;
    cw.put_metric_alarm(alarm_request("conf-tagging"))
        .await
        .expect("put alarm");
    let arn = alarm_arn(b, "conf-tagging").await;
    let kv = |pairs: &[(&str, &str)]| -> Tags { pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    cw.tag_resource(arn.clone(), kv(&[("team", "web"), ("env", "dev")]))
        .await
        .expect("tag the alarm");
    cw.tag_resource(arn.clone(), kv(&[("env", "prod"), ("cost", "42")]))
        .await
        .expect("tag again: one key replaced, one added");
    assert_eq!(
        cw.list_tags_for_resource(arn.clone()).await.expect("list tags"),
        kv(&[("cost", "42"), ("env", "prod"), ("team", "web")])
    );
    cw.untag_resource(arn.clone(), vec!["team".into(), "not-there".into()])
        .await
        .expect("untag (one key it does not have)");
    assert_eq!(
        cw.list_tags_for_resource(arn.clone())
            .await
            .expect("list tags after untag"),
        kv(&[("cost", "42"), ("env", "prod")])
    );

    let never: Arn = arn
        .as_str()
        .replace("conf-tagging", "conf-tagging-never")
        .parse()
        .expect("ARN");
    let e = expect_err(
        cw.tag_resource(never, kv(&[("a", "b")])).await,
        ErrorKind::NotFound,
        "tagging an alarm that does not exist",
    );
    assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    cw.delete_alarms(vec!["conf-tagging".parse().expect("name")])
        .await
        .expect("delete the alarm");
    let e = expect_err(
        cw.tag_resource(arn, kv(&[("a", "b")])).await,
        ErrorKind::NotFound,
        "tagging a deleted alarm",
    );
    assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
}

/// The history of alarm `name` (of the items of `kind` if given).
async fn history(b: &Backend, name: &str, kind: Option<HistoryItemType>) -> aws_facade::Result<Vec<AlarmHistoryItem>> {
    let req = DescribeAlarmHistoryRequest::builder()
        .alarm_name(name.parse().expect("alarm name"))
        .maybe_item_type(kind)
        .build()
        .expect("valid DescribeAlarmHistory request");
    b.cloud.cloudwatch.describe_alarm_history(req).await
}

/// DescribeAlarmHistory lists an alarm's creation (ConfigurationUpdate) and its state changes
/// (StateUpdate, with the old and new states in HistoryData), newest first; a kind filter keeps
/// only that kind; the history outlives the alarm.
pub async fn cw_alarm_history(b: &Backend) {
    let cw = &b.cloud.cloudwatch;
    cw.put_metric_alarm(alarm_request("conf-history"))
        .await
        .expect("put alarm");
    if b.deviates(DeviationId::CwNoAlarmHistory) {
        expect_err(
            history(b, "conf-history", None).await,
            ErrorKind::Service,
            "moto does not implement DescribeAlarmHistory",
        );
        cw.delete_alarms(vec!["conf-history".parse().expect("name")])
            .await
            .expect("delete");
        return;
    }
    cw.set_alarm_state(
        SetAlarmStateRequest::builder()
            .alarm_name("conf-history".parse().expect("name"))
            .state(AlarmState::Alarm)
            .reason("conformance history")
            .build()
            .expect("valid"),
    )
    .await
    .expect("set alarm state");
    let items = history(b, "conf-history", None).await.expect("alarm history");
    assert!(
        items.iter().all(|h| h.alarm_name.as_str() == "conf-history"),
        "{items:?}"
    );
    assert!(
        items.windows(2).all(|w| w[0].timestamp >= w[1].timestamp),
        "newest first: {items:?}"
    );
    let last = items.last().expect("at least the creation");
    assert_eq!(last.item_type, HistoryItemType::ConfigurationUpdate, "{items:?}");
    let state = items
        .iter()
        .find(|h| h.item_type == HistoryItemType::StateUpdate)
        .unwrap_or_else(|| panic!("a StateUpdate item: {items:?}"));
    assert_eq!(
        state.summary, "Alarm updated from INSUFFICIENT_DATA to ALARM",
        "{state:?}"
    );
    let data: serde_json::Value =
        serde_json::from_str(state.data.as_deref().expect("HistoryData")).expect("HistoryData is JSON");
    assert_eq!(data["oldState"]["stateValue"], "INSUFFICIENT_DATA", "{data}");
    assert_eq!(data["newState"]["stateValue"], "ALARM", "{data}");
    assert_eq!(data["newState"]["stateReason"], "conformance history", "{data}");

    let states = history(b, "conf-history", Some(HistoryItemType::StateUpdate))
        .await
        .expect("state updates");
    assert!(!states.is_empty());
    assert!(
        states.iter().all(|h| h.item_type == HistoryItemType::StateUpdate),
        "{states:?}"
    );
    cw.delete_alarms(vec!["conf-history".parse().expect("name")])
        .await
        .expect("delete");
    assert_eq!(
        history(b, "conf-history", None)
            .await
            .expect("history after delete")
            .len(),
        items.len(),
        "the history outlives the alarm"
    );
}

/// A metric-statistic query of `metric` (Sum per minute) that returns no data of its own.
fn sum_query(id: &str, metric: &str) -> MetricDataQuery {
    MetricDataQuery::builder()
        .id(id)
        .metric(
            MetricStat::builder()
                .metric(
                    Metric::builder()
                        .namespace(NAMESPACE)
                        .metric_name(metric)
                        .dimensions(vec![Dimension::new("Service", "checkout")])
                        .build(),
                )
                .period_secs(60)
                .stat("Sum")
                .build(),
        )
        .return_data(false)
        .build()
}

/// GetMetricData evaluates metric math over the other queries: `100 * errors / requests` per
/// minute, and an expression that is just another query's id; queries without `return_data`
/// are not answered.
pub async fn cw_metric_math_in_get_metric_data(b: &Backend) {
    let t0 = minute_start(b, 10);
    let at = |minute: u64| t0 + Duration::from_secs(minute * 60);
    let dims = vec![Dimension::new("Service", "checkout")];
    let mut data = Vec::new();
    for (minute, errors, requests) in [(0, 1.0, 10.0), (1, 4.0, 20.0), (2, 3.0, 30.0)] {
        for (name, v) in [("Errors", errors), ("Requests", requests)] {
            data.push(
                MetricDatum::builder()
                    .metric_name(name)
                    .dimensions(dims.clone())
                    .timestamp(at(minute))
                    .value(v)
                    .unit(Unit::Count)
                    .build()
                    .unwrap(),
            );
        }
    }
    let cw = &b.cloud.cloudwatch;
    cw.put_metric_data(
        PutMetricDataRequest::builder()
            .namespace(NAMESPACE)
            .data(data)
            .build()
            .expect("valid"),
    )
    .await
    .expect("put metric data");
    let results = cw
        .get_metric_data(
            GetMetricDataRequest::builder()
                .queries(vec![
                    sum_query("errors", "Errors"),
                    sum_query("requests", "Requests"),
                    MetricDataQuery::builder()
                        .id("rate")
                        .expression("100 * errors / requests")
                        .label("Error rate")
                        .build(),
                    MetricDataQuery::builder()
                        .id("same")
                        .expression("errors")
                        .label("Errors again")
                        .build(),
                ])
                .start(t0)
                .end(at(3))
                .build()
                .expect("valid"),
        )
        .await
        .expect("get metric data with expressions");
    let ids: BTreeSet<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, BTreeSet::from(["rate", "same"]), "{results:?}");
    let points = |id: &str| -> Vec<(SystemTime, f64)> {
        let r = results.iter().find(|r| r.id == id).expect("result");
        let mut p: Vec<_> = r.timestamps.iter().copied().zip(r.values.iter().copied()).collect();
        p.sort_by_key(|x| x.0);
        p
    };
    assert_eq!(points("same"), vec![(at(0), 1.0), (at(1), 4.0), (at(2), 3.0)]);
    let rate = points("rate");
    if b.deviates(DeviationId::CwMetricMathNotEvaluated) {
        assert!(
            rate.is_empty(),
            "moto answers an expression that is not an id with no data: {rate:?}"
        );
        return;
    }
    assert_eq!(rate, vec![(at(0), 10.0), (at(1), 20.0), (at(2), 10.0)]);
}

/// An alarm on a metric math expression is stored with its queries (the one it watches has
/// `return_data`), without a metric, period or statistic of its own; it starts
/// INSUFFICIENT_DATA, SetAlarmState and DeleteAlarms work on it as on any alarm.
pub async fn cw_metric_math_alarm_lifecycle(b: &Backend) {
    let cw = &b.cloud.cloudwatch;
    let req = PutMetricMathAlarmRequest::builder()
        .alarm_name("conf-error-rate".parse().expect("name"))
        .description("conformance metric math")
        .metrics(vec![
            sum_query("errors", "Errors"),
            sum_query("requests", "Requests"),
            MetricDataQuery::builder()
                .id("rate")
                .expression("100 * errors / requests")
                .label("Error rate")
                .build(),
        ])
        .evaluation_periods(3)
        .datapoints_to_alarm(2)
        .threshold(5.0)
        .comparison(ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data(TreatMissingData::NotBreaching)
        .build()
        .expect("valid metric math alarm");
    cw.put_metric_math_alarm(req).await.expect("put metric math alarm");
    let a = b.alarms(&["conf-error-rate"]).await.remove(0);
    let want_start = if b.deviates(DeviationId::CwAlarmsStartOk) {
        AlarmState::Ok
    } else {
        AlarmState::InsufficientData
    };
    assert_eq!(a.state, want_start);
    assert_eq!((a.metric_name.as_str(), a.namespace.as_str()), ("", ""), "{a:?}");
    assert_eq!((a.statistic, a.period_secs), (None, 0), "{a:?}");
    assert_eq!(
        (a.evaluation_periods, a.datapoints_to_alarm, a.threshold),
        (3, Some(2), 5.0)
    );
    let got: Vec<(&str, bool, Option<&str>, Option<&str>)> = a
        .metrics
        .iter()
        .map(|q| {
            (
                q.id.as_str(),
                q.return_data,
                q.expression.as_deref(),
                q.label.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("errors", false, None, None),
            ("requests", false, None, None),
            ("rate", true, Some("100 * errors / requests"), Some("Error rate")),
        ]
    );
    let stat = a.metrics[0].metric.as_ref().expect("a metric query");
    assert_eq!(
        (stat.metric.metric_name.as_str(), stat.period_secs, stat.stat.as_str()),
        ("Errors", 60, "Sum")
    );
    assert_eq!(stat.metric.dimensions, vec![Dimension::new("Service", "checkout")]);
    cw.set_alarm_state(
        SetAlarmStateRequest::builder()
            .alarm_name("conf-error-rate".parse().expect("name"))
            .state(AlarmState::Alarm)
            .reason("conformance")
            .build()
            .expect("valid"),
    )
    .await
    .expect("set alarm state");
    assert_eq!(b.alarms(&["conf-error-rate"]).await[0].state, AlarmState::Alarm);
    cw.delete_alarms(vec!["conf-error-rate".parse().expect("name")])
        .await
        .expect("delete");
    assert!(b.alarms(&["conf-error-rate"]).await.is_empty());
}

/// The composite alarms named `names`.
async fn composites(b: &Backend, names: &[&str]) -> Vec<CompositeAlarm> {
    b.cloud
        .cloudwatch
        .describe_composite_alarms(
            DescribeAlarmsRequest::builder()
                .names(names.iter().map(|n| n.parse().expect("alarm name")).collect())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe composite alarms")
}

/// A composite alarm follows its rule over its children's states (the simulator evaluates at
/// once; AWS within seconds); DescribeAlarms lists it only as a composite alarm; a rule naming
/// no alarm is a ValidationError; a child it names cannot be deleted before it.
pub async fn cw_composite_alarm_lifecycle(b: &Backend) {
    let cw = &b.cloud.cloudwatch;
    for name in ["conf-cpu", "conf-deploy"] {
        cw.put_metric_alarm(alarm_request(name)).await.expect("put child alarm");
    }
    let composite = |rule: &str| {
        PutCompositeAlarmRequest::builder()
            .alarm_name("conf-web".parse().expect("name"))
            .description("cpu high, not deploying")
            .rule(rule)
            .build()
            .expect("valid composite alarm")
    };
    let rule = r#"ALARM(conf-cpu) AND NOT ALARM("conf-deploy")"#;
    if b.deviates(DeviationId::CwNoCompositeAlarms) {
        expect_err(
            cw.put_composite_alarm(composite(rule)).await,
            ErrorKind::Service,
            "moto does not implement PutCompositeAlarm",
        );
        cw.delete_alarms(vec![
            "conf-cpu".parse().expect("name"),
            "conf-deploy".parse().expect("name"),
        ])
        .await
        .expect("delete");
        return;
    }
    expect_err(
        cw.put_composite_alarm(composite("ALARM(conf-cpu) OR ALARM(conf-nowhere)"))
            .await,
        ErrorKind::Validation,
        "a rule naming an alarm that does not exist",
    );
    cw.put_composite_alarm(composite(rule))
        .await
        .expect("put composite alarm");
    let c = composites(b, &["conf-web"]).await;
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(
        (c[0].rule.as_str(), c[0].description.as_deref()),
        (rule, Some("cpu high, not deploying"))
    );
    assert!(c[0].arn.ends_with(":alarm:conf-web"), "{c:?}");
    assert!(
        b.alarms(&["conf-web"]).await.is_empty(),
        "DescribeAlarms for metric alarms does not list a composite alarm"
    );
    let set = |name: &str, state: AlarmState| {
        SetAlarmStateRequest::builder()
            .alarm_name(name.parse().expect("name"))
            .state(state)
            .reason("conformance composite")
            .build()
            .expect("valid")
    };
    cw.set_alarm_state(set("conf-cpu", AlarmState::Alarm))
        .await
        .expect("set cpu");
    assert_eq!(composites(b, &["conf-web"]).await[0].state, AlarmState::Alarm);
    cw.set_alarm_state(set("conf-deploy", AlarmState::Alarm))
        .await
        .expect("set deploy");
    assert_eq!(composites(b, &["conf-web"]).await[0].state, AlarmState::Ok);
    let e = expect_err(
        cw.delete_alarms(vec!["conf-cpu".parse().expect("name")]).await,
        ErrorKind::Conflict,
        "deleting a child of a composite alarm",
    );
    assert_eq!(e.code(), Some("ResourceConflict"), "{e:?}");
    cw.delete_alarms(vec!["conf-web".parse().expect("name")])
        .await
        .expect("delete the composite alarm");
    assert!(composites(b, &["conf-web"]).await.is_empty());
    cw.delete_alarms(vec![
        "conf-cpu".parse().expect("name"),
        "conf-deploy".parse().expect("name"),
    ])
    .await
    .expect("delete the children");
}
