//! Publisher throughput on the simulator, and how many PutMetricData requests 100,000
//! datapoints take batched versus one request per datapoint.
//!
//! `cargo bench --bench metrics` (about a minute). `record` alone and `record` + flush (the
//! "batched" figures) are measured separately. The request counts are printed first; the
//! timings are criterion's.

use std::sync::Arc;
use std::time::Duration;

use aws_facade::cloudwatch::{CloudWatch, MetricDatum, PutMetricDataRequest, Unit};
use aws_facade::sim::SimCloud;
use aws_facade::workflows::metrics::{Clock, FlushReport, MetricsPublisher, PublisherConfig};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const POINTS: u64 = 100_000;

/// A workload: (series count, distinct values per series).
#[derive(Clone, Copy)]
struct Workload {
    name: &'static str,
    series: u64,
    distinct: u64,
}

const WORKLOADS: [Workload; 2] = [
    // Latencies of 100 routes in whole milliseconds (values repeat).
    Workload {
        name: "100 series, repeating values",
        series: 100,
        distinct: 200,
    },
    // 10,000 series (e.g. per customer), each value distinct.
    Workload {
        name: "10000 series, distinct values",
        series: 10_000,
        distinct: 1_000_000,
    },
];

fn publisher(sim: &SimCloud) -> MetricsPublisher {
    let config = PublisherConfig {
        max_buffered: usize::MAX,
        clock: Clock::sim(sim),
        ..Default::default()
    };
    MetricsPublisher::with_config(Arc::new(sim.clone()), "Bench", config).unwrap()
}

/// Records `POINTS` datapoints of `w` and flushes once.
async fn publish(sim: &SimCloud, w: Workload) -> FlushReport {
    let p = publisher(sim);
    record_all(&p, w);
    p.flush().await.unwrap()
}

/// Records `POINTS` datapoints of `w` (no flush).
fn record_all(p: &MetricsPublisher, w: Workload) {
    let names: Vec<String> = (0..w.series).map(|i| format!("s{i}")).collect();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for i in 0..POINTS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let series = &names[(i % w.series) as usize];
        p.record(
            "Latency",
            &[("Series", series)],
            (x % w.distinct) as f64,
            Unit::Milliseconds,
        )
        .unwrap();
    }
}

/// One PutMetricData per datapoint, `n` datapoints.
async fn one_per_point(sim: &SimCloud, n: u64) {
    for i in 0..n {
        let d = MetricDatum::builder()
            .metric_name("Latency")
            .value((i % 200) as f64)
            .unit(Unit::Milliseconds)
            .build()
            .unwrap();
        let req = PutMetricDataRequest::builder()
            .namespace("Bench")
            .data(vec![d])
            .build()
            .unwrap();
        sim.put_metric_data(req).await.unwrap();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let rt = runtime();
    for w in WORKLOADS {
        let r = rt.block_on(publish(&SimCloud::new(), w));
        eprintln!(
            "requests per {POINTS} datapoints ({}): batched {} ({} items), one per datapoint {POINTS}",
            w.name, r.requests, r.datums
        );
    }
    let mut g = c.benchmark_group("publisher");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(POINTS));
    // `record` alone (one core, the system clock, a fresh publisher per iteration).
    let sim = SimCloud::new();
    for w in WORKLOADS {
        g.bench_with_input(BenchmarkId::new("record", w.name), &w, |b, w| {
            b.iter(|| {
                let p = MetricsPublisher::with_config(
                    Arc::new(sim.clone()),
                    "Bench",
                    PublisherConfig {
                        max_buffered: usize::MAX,
                        ..Default::default()
                    },
                )
                .unwrap();
                record_all(&p, *w);
                p
            })
        });
    }
    for w in WORKLOADS {
        g.bench_with_input(BenchmarkId::new("batched", w.name), &w, |b, w| {
            b.to_async(runtime())
                .iter(|| async { publish(&SimCloud::new(), *w).await })
        });
    }
    // The baseline sends 10,000 single-datapoint requests per iteration (the rate is what
    // matters; 100,000 would only take longer).
    let n = 10_000;
    g.throughput(Throughput::Elements(n));
    g.bench_function("one request per datapoint", |b| {
        b.to_async(runtime())
            .iter(|| async { one_per_point(&SimCloud::new(), n).await })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
