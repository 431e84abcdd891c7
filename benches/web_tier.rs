//! The web tier apply on the simulator with a realistic latency model (AWS-like API latency and
//! state transition times, on paused time), reported as ratios of its wall time (virtual) to
//! the plan's critical path and to the same steps run one after another.
//!
//! Run: `cargo bench --bench web_tier`. The ratios are printed once (they are deterministic for
//! the seeds below); criterion then measures the real CPU time such an apply costs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_facade::Cloud;
use aws_facade::layer::Latency;
use aws_facade::sim::{SimCloud, SimConfig};
use aws_facade::workflows::Event;
use aws_facade::workflows::plan::{critical_path, sequential_time, steps_from_events};
use aws_facade::workflows::web_tier::{self, ImageSpec, WebTier};
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use tokio::time::Instant;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("tokio runtime")
}

fn spec(count: u32) -> WebTier {
    WebTier::builder()
        .name("bench".parse().unwrap())
        .image(ImageSpec::latest("al2023-ami-2023*-x86_64", "amazon"))
        .count(count)
        .build()
        .unwrap()
}

/// AWS-like: state transitions from `SimConfig::default()` (instances boot in 30 s, the load
/// balancer provisions in 120 s, ...) and 50-250 ms per API call.
fn realistic(seed: u64) -> Cloud {
    let sim = SimCloud::with_config(SimConfig {
        seed,
        ..SimConfig::default()
    });
    sim.cloud().layer(Latency::uniform(
        Duration::from_millis(50),
        Duration::from_millis(250),
        seed,
    ))
}

fn ratios() {
    let rt = runtime();
    println!("web tier apply, realistic latency model (virtual time):");
    println!("| instances | wall | critical path | sequential | wall / critical path | wall / sequential |");
    println!("|---|---|---|---|---|---|");
    for count in [2u32, 4, 8] {
        let (wall, critical, sequential) = rt.block_on(async {
            let cloud = realistic(7);
            let events = Arc::new(Mutex::new(Vec::new()));
            let seen = events.clone();
            let start = Instant::now();
            let out = spec(count)
                .apply(
                    &cloud,
                    Some(Arc::new(move |e: &Event| seen.lock().unwrap().push(e.clone()))),
                )
                .await
                .expect("apply");
            let wall = start.elapsed();
            web_tier::destroy(&cloud, &out, None).await.expect("destroy");
            let steps = steps_from_events(events.lock().unwrap().iter());
            (wall, critical_path(&steps), sequential_time(&steps))
        });
        println!(
            "| {count} | {:.1} s | {:.1} s | {:.1} s | {:.2} | {:.2} |",
            wall.as_secs_f64(),
            critical.as_secs_f64(),
            sequential.as_secs_f64(),
            wall.as_secs_f64() / critical.as_secs_f64(),
            wall.as_secs_f64() / sequential.as_secs_f64()
        );
    }
}

fn apply_cost(c: &mut Criterion) {
    ratios();
    let rt = runtime();
    let mut group = c.benchmark_group("web_tier");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("apply_4_instances_realistic_latency_paused_clock", |b| {
        b.to_async(&rt).iter(|| async {
            let cloud = realistic(7);
            spec(4).apply(&cloud, None).await.unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, apply_cost);
criterion_main!(benches);
