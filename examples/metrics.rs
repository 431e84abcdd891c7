//! Publish application metrics in batches, read them back with the query helpers, and guard
//! them with an alarm preset.
//!
//! ```text
//! cargo run --example metrics                                      # the simulator (virtual time)
//! cargo run --features emulator --example metrics -- --endpoint-url http://127.0.0.1:5000   # moto (CloudWatch JSON)
//! cargo run --example metrics -- --aws                             # a real account
//! cargo run --example metrics -- --json                            # the summary rows as JSON lines on stdout
//! ```
//!
//! Note: aws-sdk-cloudwatch speaks RPC v2 CBOR, which moto 5.2.5 does not answer; against
//! moto this example needs a CBOR -> JSON bridge such as the tests' `cw_proxy`.
mod common;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use aws_facade::cloudwatch::{DescribeAlarmsRequest, Metric, Unit};
use aws_facade::workflows::alarms::count_above;
use aws_facade::workflows::metrics::{self, Clock, MetricsPublisher, PublisherConfig};
use clap::Parser;
use common::Backend;

/// Publish three minutes of application metrics in batches, read them back with the query
/// helpers, and guard them with an alarm. Runs on the in-process simulator unless told
/// otherwise. (The publisher emits no workflow progress events: `--json` prints the
/// per-minute summary rows as JSON lines on stdout; `--keep` keeps the alarm.)
#[derive(Parser, Debug)]
#[command(name = "metrics")]
struct Args {
    #[command(flatten)]
    common: common::Common,
}

fn main() -> ExitCode {
    common::exit(run(Args::parse()))
}

fn run(args: Args) -> common::Result<()> {
    let backend = args.common.backend();
    eprintln!("metrics on {}", backend.describe());
    let clock = match &backend {
        Backend::Sim(sim) | Backend::Wire(sim) => Clock::sim(sim),
        _ => Clock::system(),
    };
    let keep = args.common.keep;
    let json = args.common.json;
    backend.run(&args.common, |cloud| async move {
        // The journal counts the requests made.
        let journal = aws_facade::layer::Recording::new();
        let cloud = cloud.layer(journal.clone());
        let start = clock.now();
        let publisher = Arc::new(MetricsPublisher::with_config(
            cloud.cloudwatch.clone(),
            "Demo/Shop",
            PublisherConfig {
                clock: clock.clone(),
                flush_interval: Duration::from_secs(20),
                ..Default::default()
            },
        )?);
        let alarm = count_above(
            "demo-shop-failed-orders".parse()?,
            "Demo/Shop",
            "FailedOrders",
            &[],
            10.0,
        )?;
        cloud.cloudwatch.put_metric_alarm(alarm).await?;

        eprintln!("\n== three minutes of traffic: 100 requests/s over 3 routes, flushed every 20 s");
        let flusher = publisher.spawn_flusher();
        let routes = ["/", "/cart", "/pay"];
        let mut x: u64 = 42;
        let mut recorded = 0u64;
        for second in 0..180u64 {
            for i in 0..100u64 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let route = routes[(i % 3) as usize];
                let ms = 5.0 + ((x >> 33) % 60) as f64 + if route == "/pay" { 40.0 } else { 0.0 };
                publisher.record("Latency", &[("Route", route)], ms, Unit::Milliseconds)?;
                recorded += 1;
            }
            // The payment provider has a bad minute.
            if (120..180).contains(&second) && second % 2 == 0 {
                publisher.record("FailedOrders", &[], 1.0, Unit::Count)?;
                recorded += 1;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        flusher.abort();
        publisher.flush().await?;
        eprintln!(
            "   recorded {recorded} datapoints in {} PutMetricData requests (unbatched: {recorded})",
            journal.count("PutMetricData")
        );

        eprintln!("\n== per-minute latency of /pay (one GetMetricData request)");
        let pay = Metric::builder()
            .namespace("Demo/Shop")
            .metric_name("Latency")
            .dimensions(vec![aws_facade::cloudwatch::Dimension::new("Route", "/pay")])
            .build();
        let end = clock.now() + Duration::from_secs(60);
        for row in metrics::summary(
            cloud.cloudwatch.as_ref(),
            &pay,
            60,
            start - Duration::from_secs(60),
            end,
        )
        .await?
        {
            if json {
                common::json_line(&row);
                continue;
            }
            eprintln!(
                "   n={:>5}  avg={:>5.1} ms  p50={:>5.1}  p99={:>5.1}  max={:>5.1}",
                row.sample_count,
                row.average,
                row.p50.unwrap_or(f64::NAN),
                row.p99.unwrap_or(f64::NAN),
                row.maximum
            );
        }

        // The alarm looked at the last minute (with the bad minute's failures) when it ended.
        let alarms = cloud
            .cloudwatch
            .describe_alarms(
                DescribeAlarmsRequest::builder()
                    .names(vec!["demo-shop-failed-orders".parse()?])
                    .build()?,
            )
            .await?;
        let alarm = alarms.first().ok_or("alarm demo-shop-failed-orders is not listed")?;
        eprintln!(
            "\n== alarm demo-shop-failed-orders: {} ({})",
            alarm.state,
            alarm.state_reason.clone().unwrap_or_default()
        );
        if !keep {
            cloud
                .cloudwatch
                .delete_alarms(vec!["demo-shop-failed-orders".parse()?])
                .await?;
        }
        Ok(())
    })
}
