//! Fleet scale on the simulator: an Auto Scaling group scaled 10 → 500 → 10 with its control
//! loop's EC2 calls under the account's rate limits (`sim::RateLimits`), on paused time.
//!
//! Run: `cargo bench --bench fleet`. The virtual-time figures (time to 500 in service and back
//! to 10, the buckets' lower bound, calls throttled) are printed once; criterion then measures
//! the real CPU time the simulation costs. The fixed fleet's figures come from tests/fleet.rs.

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../tests/support/group_fleet.rs"]
mod group_fleet;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("tokio runtime")
}

fn fleet(c: &mut Criterion) {
    let rt = runtime();
    let m = rt.block_on(group_fleet::group_fleet(10, 500));
    println!(
        "auto scaling group 10 -> 500 -> 10 under EC2's buckets (virtual): out {:?}, back {:?}, \
         lower bound {:?}, {} of {} EC2 calls throttled",
        m.out,
        m.back,
        m.bound,
        m.throttled,
        m.admitted + m.throttled
    );
    let mut g = c.benchmark_group("fleet");
    g.sample_size(10);
    g.bench_function("auto scaling group 10 -> 500 -> 10 (real time per run)", |b| {
        b.iter(|| runtime().block_on(group_fleet::group_fleet(10, 500)))
    });
    g.finish();
}

criterion_group!(benches, fleet);
criterion_main!(benches);
