//! The metrics publisher, query helpers and alarm presets on the simulator (paused clock):
//! batching limits, flushing by size/interval/explicitly, no data lost on failure, and an
//! alarm that invokes a Lambda function end to end.
#![cfg(feature = "sim")]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_facade::cloudwatch::*;
use aws_facade::id::AlarmName;
use aws_facade::lambda::Lambda;
use aws_facade::layer::{Faults, Recording};
use aws_facade::sim::SimCloud;
use aws_facade::workflows::alarms::{count_above, put_alarm_invoking_lambda, remove_alarm_invoking_lambda};
use aws_facade::workflows::lambda_deploy::{Deployment, deploy, zip_files};
use aws_facade::workflows::metrics::{self, Clock, MetricsPublisher, PublisherConfig};

/// A CloudWatch that records every PutMetricData request it passes on (item count and
/// estimated size), to check the limits request by request.
struct Sizes {
    inner: Arc<dyn CloudWatch>,
    seen: Mutex<Vec<(usize, usize, u64)>>,
}

#[async_trait::async_trait]
impl CloudWatch for Sizes {
    async fn put_metric_data(&self, req: PutMetricDataRequest) -> aws_facade::Result<()> {
        let points: f64 = req
            .data()
            .iter()
            .map(|d| {
                if d.counts.is_empty() {
                    d.values.len().max(1) as f64
                } else {
                    d.counts.iter().sum()
                }
            })
            .sum();
        self.seen
            .lock()
            .unwrap()
            .push((req.data().len(), req.estimated_size(), points as u64));
        self.inner.put_metric_data(req).await
    }
    async fn get_metric_statistics(&self, req: GetMetricStatisticsRequest) -> aws_facade::Result<Vec<Datapoint>> {
        self.inner.get_metric_statistics(req).await
    }
    async fn get_metric_data(&self, req: GetMetricDataRequest) -> aws_facade::Result<Vec<MetricDataResult>> {
        self.inner.get_metric_data(req).await
    }
    async fn list_metrics(&self, req: ListMetricsRequest) -> aws_facade::Result<Vec<Metric>> {
        self.inner.list_metrics(req).await
    }
    async fn put_metric_alarm(&self, req: PutMetricAlarmRequest) -> aws_facade::Result<()> {
        self.inner.put_metric_alarm(req).await
    }
    async fn describe_alarms(&self, req: DescribeAlarmsRequest) -> aws_facade::Result<Vec<MetricAlarm>> {
        self.inner.describe_alarms(req).await
    }
    async fn delete_alarms(&self, names: Vec<AlarmName>) -> aws_facade::Result<()> {
        self.inner.delete_alarms(names).await
    }
    async fn set_alarm_state(&self, req: SetAlarmStateRequest) -> aws_facade::Result<()> {
        self.inner.set_alarm_state(req).await
    }
    async fn put_dashboard(&self, req: PutDashboardRequest) -> aws_facade::Result<()> {
        self.inner.put_dashboard(req).await
    }
    async fn get_dashboard(&self, name: String) -> aws_facade::Result<Dashboard> {
        self.inner.get_dashboard(name).await
    }
    async fn delete_dashboards(&self, names: Vec<String>) -> aws_facade::Result<()> {
        self.inner.delete_dashboards(names).await
    }
    async fn list_tags_for_resource(&self, arn: aws_facade::id::Arn) -> aws_facade::Result<aws_facade::Tags> {
        self.inner.list_tags_for_resource(arn).await
    }
}

struct Setup {
    sim: SimCloud,
    journal: Recording,
    sizes: Arc<Sizes>,
}

impl Setup {
    fn new() -> Self {
        Self::with_faults(None)
    }

    fn with_faults(faults: Option<Faults>) -> Self {
        Self::with_faults_and_retry(faults, aws_facade::layer::Retry::standard().max_attempts(2))
    }

    fn with_faults_and_retry(faults: Option<Faults>, retry: aws_facade::layer::Retry) -> Self {
        let sim = SimCloud::new();
        let journal = Recording::new();
        let mut cloud = sim.cloud();
        if let Some(f) = faults {
            cloud = cloud.layer(f);
        }
        // Two attempts per request: the scripted faults below fail one request for good.
        let cloud = cloud.layer(journal.clone()).with_retry(retry);
        let sizes = Arc::new(Sizes {
            inner: cloud.cloudwatch,
            seen: Mutex::default(),
        });
        Setup { sim, journal, sizes }
    }

    fn config(&self) -> PublisherConfig {
        PublisherConfig {
            clock: Clock::sim(&self.sim),
            ..Default::default()
        }
    }

    fn publisher(&self, config: PublisherConfig) -> MetricsPublisher {
        MetricsPublisher::with_config(self.sizes.clone(), "Shop", config).unwrap()
    }

    fn requests(&self) -> Vec<(usize, usize, u64)> {
        self.sizes.seen.lock().unwrap().clone()
    }

    /// SampleCount and Sum of `metric` (with `dims`) over the last hour, from the simulator.
    async fn stored(&self, metric: &str, dims: &[(&str, &str)]) -> (f64, f64) {
        let end = self.sim.wall_clock() + Duration::from_secs(60);
        let m = Metric::builder()
            .namespace("Shop")
            .metric_name(metric)
            .dimensions(dims.iter().map(|(n, v)| Dimension::new(*n, *v)).collect())
            .build();
        let count = metrics::series(&self.sim, &m, "SampleCount", 3600, end - Duration::from_secs(3600), end)
            .await
            .unwrap();
        let sum = metrics::series(&self.sim, &m, "Sum", 3600, end - Duration::from_secs(3600), end)
            .await
            .unwrap();
        (count.total(), sum.total())
    }
}

#[tokio::test(start_paused = true)]
async fn items_per_request_stay_within_1000() {
    let s = Setup::new();
    let p = s.publisher(s.config());
    for i in 0..2_500 {
        p.record("Latency", &[("Route", &format!("/r{i}"))], 5.0, Unit::Milliseconds)
            .unwrap();
    }
    let report = p.flush().await.unwrap();
    assert_eq!((report.requests, report.datums, report.datapoints), (3, 2_500, 2_500));
    assert_eq!(s.journal.count("PutMetricData"), 3);
    let items: Vec<usize> = s.requests().iter().map(|r| r.0).collect();
    assert_eq!(items, [1_000, 1_000, 500]);
    assert_eq!(p.pending(), 0);
    assert_eq!(s.stored("Latency", &[("Route", "/r2499")]).await, (1.0, 5.0));
}

#[tokio::test(start_paused = true)]
async fn repeated_values_travel_as_values_with_counts() {
    let s = Setup::new();
    let p = s.publisher(s.config());
    // 10,000 datapoints of three distinct values: one item, one request.
    for i in 0..10_000 {
        p.record("Latency", &[], [12.0, 15.0, 40.0][i % 3], Unit::Milliseconds)
            .unwrap();
    }
    let report = p.flush().await.unwrap();
    assert_eq!((report.requests, report.datums, report.datapoints), (1, 1, 10_000));
    assert_eq!(s.requests(), [(1, s.requests()[0].1, 10_000)]);
    let (count, sum) = s.stored("Latency", &[]).await;
    assert_eq!(count, 10_000.0);
    assert_eq!(sum, 3_334.0 * 12.0 + 3_333.0 * 15.0 + 3_333.0 * 40.0);

    // 400 distinct values: at most 150 per item, so three items (150 + 150 + 100).
    for v in 0..400 {
        p.record("Size", &[], f64::from(v), Unit::Bytes).unwrap();
    }
    let report = p.flush().await.unwrap();
    assert_eq!((report.requests, report.datums, report.datapoints), (1, 3, 400));
    assert_eq!(s.stored("Size", &[]).await, (400.0, (0..400).sum::<i32>() as f64));
}

#[tokio::test(start_paused = true)]
async fn large_items_split_requests_by_the_1_mb_limit() {
    let s = Setup::new();
    let p = s.publisher(s.config());
    // Items of ~45 KB each (30 long dimensions, 150 values): about 22 fit in 1 MB.
    let dims: Vec<(String, String)> = (0..29).map(|i| (format!("D{i}"), "v".repeat(1024))).collect();
    for series in 0..100 {
        let mut d: Vec<(&str, &str)> = dims.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let id = series.to_string();
        d.push(("Series", &id));
        for v in 0..150 {
            p.record("Wide", &d, f64::from(v), Unit::Count).unwrap();
        }
    }
    let report = p.flush().await.unwrap();
    assert_eq!(report.datums, 100);
    assert_eq!(report.datapoints, 15_000);
    let requests = s.requests();
    assert_eq!(requests.len(), report.requests);
    assert!(requests.len() >= 5, "{requests:?}");
    for (items, size, _) in &requests {
        assert!(*items <= MAX_METRIC_DATA_PER_REQUEST);
        assert!(*size <= MAX_PUT_METRIC_DATA_BYTES, "{size}");
    }
    // Packed tightly: every request but the last is more than 95 % full.
    for (_, size, _) in &requests[..requests.len() - 1] {
        assert!(*size > MAX_PUT_METRIC_DATA_BYTES * 95 / 100, "{size}");
    }
    assert_eq!(requests.iter().map(|r| r.2).sum::<u64>(), 15_000);
}

#[tokio::test(start_paused = true)]
async fn flushes_by_size_by_interval_and_on_request() {
    let s = Setup::new();
    let p = Arc::new(s.publisher(PublisherConfig {
        max_buffered: 100,
        flush_interval: Duration::from_secs(10),
        ..s.config()
    }));
    // By size: every 100th record flushes.
    for i in 0..250 {
        p.record_and_flush("Orders", &[("Shop", &format!("s{}", i % 7))], 1.0, Unit::Count)
            .await
            .unwrap();
    }
    assert_eq!(s.journal.count("PutMetricData"), 2);
    assert_eq!(p.pending(), 50);

    // By interval.
    let flusher = p.spawn_flusher();
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_eq!(s.journal.count("PutMetricData"), 3);
    assert_eq!(p.pending(), 0);
    p.record("Orders", &[("Shop", "s0")], 1.0, Unit::Count).unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(s.journal.count("PutMetricData"), 4);
    // An interval with nothing buffered sends nothing.
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(s.journal.count("PutMetricData"), 4);
    flusher.abort();

    // Explicitly.
    p.record("Orders", &[("Shop", "s1")], 1.0, Unit::Count).unwrap();
    let r = p.flush().await.unwrap();
    assert_eq!((r.requests, r.datapoints), (1, 1));
    let mut total = 0.0;
    for shop in 0..7 {
        total += s.stored("Orders", &[("Shop", &format!("s{shop}"))]).await.1;
    }
    assert_eq!(total, 252.0, "every datapoint arrived once");
}

#[tokio::test(start_paused = true)]
async fn a_failed_flush_keeps_the_unsent_data_for_the_next_one() {
    // The 2nd request fails on both of its attempts (calls 2 and 3).
    let faults = Faults::new(3).script("PutMetricData", 2, "ServiceUnavailable").script(
        "PutMetricData",
        3,
        "ServiceUnavailable",
    );
    let s = Setup::with_faults(Some(faults));
    let p = s.publisher(s.config());
    for i in 0..2_500 {
        p.record("Latency", &[("Route", &format!("/r{i}"))], 1.0, Unit::Milliseconds)
            .unwrap();
    }
    let e = p.flush().await.unwrap_err();
    assert_eq!(e.code(), Some("ServiceUnavailable"));
    assert_eq!(
        s.journal.count("PutMetricData"),
        3,
        "1 sent, 1 failed twice, 1 never tried"
    );
    assert_eq!(p.pending(), 1_500, "the unsent 1,500 are kept");
    // New data meanwhile, then a flush that works: the kept items go first.
    p.record("Latency", &[("Route", "/new")], 1.0, Unit::Milliseconds)
        .unwrap();
    let r = p.flush().await.unwrap();
    assert_eq!((r.requests, r.datums), (2, 1_501));
    assert_eq!(p.pending(), 0);
    for route in ["/r0", "/r999", "/r1000", "/r2499", "/new"] {
        assert_eq!(s.stored("Latency", &[("Route", route)]).await, (1.0, 1.0), "{route}");
    }
}

#[tokio::test(start_paused = true)]
async fn unsent_data_can_be_taken_back_by_the_caller() {
    let faults = Faults::new(4).script("PutMetricData", 1, "AccessDenied");
    let s = Setup::with_faults(Some(faults));
    let p = s.publisher(s.config());
    for v in [1.0, 1.0, 2.0] {
        p.record("Orders", &[], v, Unit::Count).unwrap();
    }
    let e = p.flush().await.unwrap_err();
    assert!(e.is_access_denied(), "not retried: {e}");
    assert_eq!(s.journal.count("PutMetricData"), 1);
    let unsent = p.take_unsent();
    assert_eq!(unsent.len(), 1);
    assert_eq!(
        (unsent[0].values.clone(), unsent[0].counts.clone()),
        (vec![1.0, 2.0], vec![2.0, 1.0])
    );
    assert_eq!(p.pending(), 0);
}

#[tokio::test(start_paused = true)]
async fn transient_faults_are_retried_and_nothing_is_lost() {
    let faults = Faults::new(5).transient(0.4).before_only().only(&["PutMetricData"]);
    let s = Setup::with_faults_and_retry(
        Some(faults.clone()),
        aws_facade::layer::Retry::standard().max_attempts(10),
    );
    let p = s.publisher(s.config());
    for i in 0..5_000u32 {
        p.record("Orders", &[("Shop", &format!("s{}", i % 2_000))], 1.0, Unit::Count)
            .unwrap();
    }
    let r = p.flush().await.unwrap();
    assert_eq!(r.datapoints, 5_000);
    assert!(faults.injected() > 0, "faults were injected");
    let errors = s.journal.entries().iter().filter(|e| e.error.is_some()).count();
    assert_eq!(errors, faults.injected());
    assert_eq!(s.stored("Orders", &[("Shop", "s1999")]).await, (2.0, 2.0));
    assert_eq!(s.stored("Orders", &[("Shop", "s0")]).await, (3.0, 3.0));
}

#[tokio::test(start_paused = true)]
async fn query_helpers_return_the_common_statistics() {
    let s = Setup::new();
    let p = s.publisher(s.config());
    let start = s.sim.wall_clock();
    // Minute 1: 1..=100 ms; minute 2: 100 × 7 ms.
    for v in 1..=100 {
        p.record("Latency", &[], f64::from(v), Unit::Milliseconds).unwrap();
    }
    p.flush().await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    for _ in 0..100 {
        p.record("Latency", &[], 7.0, Unit::Milliseconds).unwrap();
    }
    p.flush().await.unwrap();
    let m = Metric::builder().namespace("Shop").metric_name("Latency").build();
    let from = start - Duration::from_secs(120);
    let to = s.sim.wall_clock() + Duration::from_secs(60);
    let rows = metrics::summary(s.sizes.as_ref(), &m, 60, from, to).await.unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0].sample_count, rows[0].sum, rows[0].minimum, rows[0].maximum),
        (100.0, 5_050.0, 1.0, 100.0)
    );
    assert_eq!(rows[0].average, 50.5);
    let p90 = rows[0].p90.unwrap();
    assert!((89.0..=91.0).contains(&p90), "{p90}");
    assert_eq!((rows[1].average, rows[1].p99), (7.0, Some(7.0)));
    assert!(rows[0].timestamp < rows[1].timestamp);
    assert_eq!(
        s.journal.count("GetMetricData"),
        1,
        "one request for all eight statistics"
    );
    let sum = metrics::series(s.sizes.as_ref(), &m, "Sum", 60, from, to)
        .await
        .unwrap();
    assert_eq!(sum.total(), 5_750.0);
    assert_eq!(sum.max(), Some(5_050.0));
    assert_eq!(sum.last(), Some(700.0));
    // 501 queries go out as two requests.
    let many: Vec<(Metric, &str)> = (0..501).map(|_| (m.clone(), "Sum")).collect();
    let out = metrics::query(s.sizes.as_ref(), &many, 60, from, to).await.unwrap();
    assert_eq!(out.len(), 501);
    assert!(out.iter().all(|x| x.total() == 5_750.0));
    assert_eq!(s.journal.count("GetMetricData"), 4);
    // Bad input is refused before any call.
    s.journal.clear();
    assert!(
        metrics::series(s.sizes.as_ref(), &m, "Median", 60, from, to)
            .await
            .unwrap_err()
            .is_validation()
    );
    assert!(
        metrics::series(s.sizes.as_ref(), &m, "Sum", 45, from, to)
            .await
            .unwrap_err()
            .is_validation()
    );
    assert!(
        metrics::query(s.sizes.as_ref(), &[], 60, from, to)
            .await
            .unwrap_err()
            .is_validation()
    );
    assert!(s.journal.is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_alarm_invokes_a_lambda_function_end_to_end() {
    let sim = SimCloud::new();
    let journal = Recording::new();
    let cloud = sim.cloud().layer(journal.clone());
    let events: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let seen = events.clone();
    sim.register_handler(
        "pager",
        Arc::new(move |inv: &aws_facade::sim::Invocation| {
            seen.lock().unwrap().push(inv.payload.clone());
            Ok(serde_json::Value::Null)
        }),
    );
    let spec = Deployment::builder()
        .function("pager".parse().unwrap())
        .runtime("provided.al2023")
        .role("arn:aws:iam::123456789012:role/pager".parse().unwrap())
        .build()
        .unwrap();
    deploy(
        &cloud,
        &spec,
        zip_files(&[("bootstrap", b"#!/bin/sh\n".as_slice())]).unwrap(),
        None,
        None,
    )
    .await
    .unwrap();

    let alarm = count_above("orders-failing".parse().unwrap(), "Shop", "FailedOrders", &[], 3.0).unwrap();
    let wired = put_alarm_invoking_lambda(&cloud, alarm, &"pager".parse().unwrap(), Some("live"))
        .await
        .unwrap();
    assert_eq!(
        wired.alarm_arn,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-failing"
    );
    assert_eq!(
        wired.function_arn.as_str(),
        "arn:aws:lambda:us-east-1:123456789012:function:pager:live"
    );
    let policy: serde_json::Value = serde_json::from_str(
        &cloud
            .lambda
            .get_policy("pager".parse().unwrap(), Some("live".into()))
            .await
            .unwrap(),
    )
    .unwrap();
    let st = &policy["Statement"][0];
    assert_eq!(st["Principal"]["Service"], "lambda.alarms.cloudwatch.amazonaws.com");
    assert_eq!(st["Action"], "lambda:InvokeFunction");
    assert_eq!(st["Condition"]["ArnLike"]["AWS:SourceArn"], wired.alarm_arn);
    let described = cloud
        .cloudwatch
        .describe_alarms(
            DescribeAlarmsRequest::builder()
                .names(vec![wired.alarm_name.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(described[0].alarm_actions, std::slice::from_ref(&wired.function_arn));

    // Wiring again is harmless.
    let alarm = count_above("orders-failing".parse().unwrap(), "Shop", "FailedOrders", &[], 3.0).unwrap();
    put_alarm_invoking_lambda(&cloud, alarm, &"pager".parse().unwrap(), Some("live"))
        .await
        .unwrap();

    // Failed orders are published; at the next minute boundary the alarm fires and the
    // function runs with CloudWatch's event.
    let p = MetricsPublisher::with_config(
        cloud.cloudwatch.clone(),
        "Shop",
        PublisherConfig {
            clock: Clock::sim(&sim),
            ..Default::default()
        },
    )
    .unwrap();
    for _ in 0..10 {
        p.record("FailedOrders", &[], 1.0, Unit::Count).unwrap();
    }
    p.flush().await.unwrap();
    assert!(events.lock().unwrap().is_empty());
    tokio::time::sleep(Duration::from_secs(120)).await;
    sim.evaluate_alarms().await;
    let got = events.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["alarmArn"], wired.alarm_arn);
    assert_eq!(got[0]["alarmData"]["alarmName"], "orders-failing");
    assert_eq!(got[0]["alarmData"]["state"]["value"], "ALARM");

    remove_alarm_invoking_lambda(&cloud, &wired).await.unwrap();
    assert!(
        cloud
            .lambda
            .get_policy("pager".parse().unwrap(), Some("live".into()))
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(sim.inventory().count("alarm"), 0);
    // Removing twice is fine.
    remove_alarm_invoking_lambda(&cloud, &wired).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn without_the_permission_the_alarm_cannot_invoke() {
    // The control for the test above: the same alarm action with no permission does not run.
    let sim = SimCloud::new();
    let ran = Arc::new(Mutex::new(0));
    let r = ran.clone();
    sim.register_handler(
        "pager",
        Arc::new(move |_: &aws_facade::sim::Invocation| {
            *r.lock().unwrap() += 1;
            Ok(serde_json::Value::Null)
        }),
    );
    let cloud = sim.cloud();
    let spec = Deployment::builder()
        .function("pager".parse().unwrap())
        .runtime("provided.al2023")
        .role("arn:aws:iam::123456789012:role/pager".parse().unwrap())
        .build()
        .unwrap();
    deploy(
        &cloud,
        &spec,
        zip_files(&[("bootstrap", b"x".as_slice())]).unwrap(),
        None,
        None,
    )
    .await
    .unwrap();
    let mut alarm = count_above("no-permission".parse().unwrap(), "Shop", "FailedOrders", &[], 3.0).unwrap();
    alarm.alarm_actions = vec!["arn:aws:lambda:us-east-1:123456789012:function:pager".parse().unwrap()];
    cloud.cloudwatch.put_metric_alarm(alarm).await.unwrap();
    let put = PutMetricDataRequest::builder()
        .namespace("Shop")
        .data(vec![
            MetricDatum::builder()
                .metric_name("FailedOrders")
                .value(10.0)
                .build()
                .unwrap(),
        ])
        .build()
        .unwrap();
    cloud.cloudwatch.put_metric_data(put).await.unwrap();
    tokio::time::sleep(Duration::from_secs(120)).await;
    sim.evaluate_alarms().await;
    assert_eq!(sim.fired_actions().len(), 1, "the action fired");
    assert_eq!(*ran.lock().unwrap(), 0, "but Lambda refused CloudWatch");
}

#[test]
fn the_system_clock_is_the_default() {
    let c = PublisherConfig::default().clock;
    let now = SystemTime::now();
    let t = c.now();
    assert!(t >= now - Duration::from_secs(1) && t <= now + Duration::from_secs(60));
}
