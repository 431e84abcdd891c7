//! Simulator speed: simulated API calls per second, and a full web tier lifecycle (apply, then
//! destroy) on paused time with AWS-like transition durations.
//!
//! Run: `cargo bench --bench sim`. Figures go in README's performance table.

use std::time::Duration;

use aws_facade::Cloud;
use aws_facade::cloudwatch::{MetricDatum, PutMetricDataRequest};
use aws_facade::ec2::{CreateSecurityGroupRequest, DescribeInstancesRequest, RunInstancesRequest};
use aws_facade::sim::{SimCloud, SimConfig};
use aws_facade::workflows::web_tier::{self, ImageSpec, WebTier};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::Runtime;

/// One core, paused clock: what a user's `#[tokio::test(start_paused = true)]` runs on.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("tokio runtime")
}

fn calls(c: &mut Criterion) {
    let rt = runtime();
    let cloud = Cloud::sim();
    // Ten running instances to look one up among.
    let ids = rt.block_on(async {
        let image = cloud
            .ec2
            .describe_images(Default::default())
            .await
            .expect("images")
            .remove(0)
            .id;
        let launched = cloud
            .ec2
            .run_instances(
                RunInstancesRequest::builder()
                    .image_id(image)
                    .instance_type("t3.micro".parse().unwrap())
                    .count(10)
                    .build()
                    .unwrap(),
            )
            .await
            .expect("launch");
        launched.into_iter().map(|i| i.id).collect::<Vec<_>>()
    });

    let mut group = c.benchmark_group("sim_calls");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("ec2_describe_instances_by_id", |b| {
        let req = DescribeInstancesRequest::builder()
            .instance_ids(vec![ids[3].clone()])
            .build()
            .unwrap();
        b.to_async(&rt)
            .iter(|| async { cloud.ec2.describe_instances(req.clone()).await.unwrap() })
    });
    group.bench_function("cloudwatch_put_metric_data_1_datum", |b| {
        let req = PutMetricDataRequest::builder()
            .namespace("Bench")
            .data(vec![
                MetricDatum::builder()
                    .metric_name("Latency")
                    .value(12.5)
                    .build()
                    .unwrap(),
            ])
            .build()
            .unwrap();
        b.to_async(&rt)
            .iter(|| async { cloud.cloudwatch.put_metric_data(req.clone()).await.unwrap() })
    });
    group.throughput(Throughput::Elements(2));
    group.bench_function("ec2_create_then_delete_security_group", |b| {
        let req = CreateSecurityGroupRequest::builder()
            .name("bench")
            .description("bench")
            .build()
            .unwrap();
        b.to_async(&rt).iter(|| async {
            let id = cloud.ec2.create_security_group(req.clone()).await.unwrap();
            cloud.ec2.delete_security_group(id).await.unwrap();
        })
    });
    group.finish();
}

fn lifecycle(c: &mut Criterion) {
    let rt = runtime();
    let spec = WebTier::builder()
        .name("bench".parse().unwrap())
        .image(ImageSpec::latest("al2023-ami-2023*-x86_64", "amazon"))
        .count(4)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("sim_lifecycle");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    // A fresh region each time: default VPC, AWS-like boot/provision durations (paused clock).
    group.bench_function("web_tier_4_instances_apply_then_destroy", |b| {
        b.to_async(&rt).iter(|| async {
            let cloud = SimCloud::with_config(SimConfig::default()).cloud();
            let out = spec.apply(&cloud, None).await.unwrap();
            web_tier::destroy(&cloud, &out, None).await.unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, calls, lifecycle);
criterion_main!(benches);
