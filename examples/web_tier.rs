//! Launch instances behind an Application Load Balancer with recommended alarms, then destroy.
//!
//! ```text
//! cargo run --example web_tier                                # the simulator: no account, no network
//! cargo run --features emulator --example web_tier -- --endpoint-url http://127.0.0.1:5000   # moto or another emulator
//! cargo run --example web_tier -- --aws                       # a real account (costs money!)
//! cargo run --example web_tier -- --keep                      # keep it; print the outputs as JSON on stdout
//! cargo run --example web_tier -- --elastic                   # an Auto Scaling group; on the simulator, a load ramp
//! cargo run --example web_tier -- --print-iam-policy          # the IAM policy the run needs; calls nothing
//! cargo run --example web_tier -- --help                      # every flag
//! ```
mod common;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use aws_facade::sim::LoadProfile;
use aws_facade::workflows::web_tier::{self, ElasticSpec, ImageSpec, ScalingTarget, WebTier};
use clap::Parser;

/// Launch two instances behind an Application Load Balancer with CloudWatch's recommended
/// alarms, then destroy them. Runs on the in-process simulator unless told otherwise.
#[derive(Parser, Debug)]
#[command(name = "web_tier")]
struct Args {
    #[command(flatten)]
    common: common::Common,

    /// Print the IAM policy this example's web tier needs (JSON) and exit without calling AWS
    #[arg(long)]
    print_iam_policy: bool,

    /// Elastic: an Auto Scaling group of 2 to 10 instances holding 1,000 requests/s per
    /// instance. On the simulator a load ramp (100 -> 10,000 requests/s and back) then shows
    /// the group following it, a line per simulated minute
    #[arg(long)]
    elastic: bool,
}

fn spec(elastic: bool) -> aws_facade::Result<WebTier> {
    WebTier::builder()
        .name("demo-web".parse()?)
        .image(ImageSpec::latest("al2023-ami-2023*-x86_64", "amazon"))
        .instance_type("t3.micro".parse()?)
        .count(2)
        .user_data("#!/bin/sh\ndnf install -y nginx && systemctl enable --now nginx\n")
        .maybe_elastic(elastic.then(|| ElasticSpec {
            health_check_grace_period_secs: 120,
            instance_warmup_secs: 60,
            ..ElasticSpec::new(2, 10, ScalingTarget::RequestsPerTarget(1000.0))
        }))
        .build()
}

/// Drives the ramp at the tier's load balancer and prints the group each simulated minute.
async fn ramp(
    sim: &aws_facade::sim::SimCloud,
    cloud: &aws_facade::Cloud,
    outputs: &web_tier::WebTierOutputs,
) -> common::Result<()> {
    let Some(group) = outputs.auto_scaling_group.clone() else {
        return Ok(());
    };
    let m = |n: u64| Duration::from_secs(60 * n);
    let profile = LoadProfile::ramp([(m(0), 100.0), (m(10), 10_000.0), (m(20), 10_000.0), (m(30), 100.0)])?;
    sim.drive_load(&outputs.load_balancer_arn, profile.clone());
    eprintln!("\n== load ramp (simulated minutes)");
    let mut last = None;
    for minute in 1..=60 {
        tokio::time::sleep(m(1)).await;
        let g = cloud
            .autoscaling
            .describe_auto_scaling_groups(vec![group.clone()])
            .await?
            .remove(0);
        let line = (g.desired_capacity, g.in_service().count());
        // A line when something changes (and every ten minutes).
        if last != Some(line) || minute % 10 == 0 {
            eprintln!(
                "  minute {minute:>2}: {:>6.0} requests/s, desired {:>2}, in service {:>2}",
                profile.rate_at(m(minute)),
                line.0,
                line.1
            );
        }
        last = Some(line);
    }
    sim.stop_load(&outputs.load_balancer_arn);
    Ok(())
}

fn main() -> ExitCode {
    common::exit(run(Args::parse()))
}

fn run(args: Args) -> common::Result<()> {
    let spec = spec(args.elastic)?;
    if args.print_iam_policy {
        println!("{}", spec.iam_policy().to_json_pretty());
        return Ok(());
    }
    let backend = args.common.backend();
    eprintln!("web tier on {}", backend.describe());
    let keep = args.common.keep;
    let out = args.common.output();
    let sim = match &backend {
        common::Backend::Sim(s) | common::Backend::Wire(s) => Some(s.clone()),
        _ => None,
    };
    let wire = matches!(backend, common::Backend::Wire(_));
    backend.run(&args.common, |cloud| async move {
        // Auto Scaling is not on the simulator's wire: there the group is the simulator's own.
        let cloud = match (&sim, wire) {
            (Some(sim), true) => cloud.with_autoscaling(Arc::new(sim.clone())),
            _ => cloud,
        };
        eprintln!("\n== apply");
        let outputs = spec.apply(&cloud, out.progress()).await?;
        eprintln!(
            "\n== outputs\n  load balancer: http://{}\n  instances: {}\n  alarms: {}",
            outputs.dns_name,
            outputs
                .instance_ids
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            outputs.alarm_names.len()
        );
        if let (Some(sim), true) = (&sim, outputs.auto_scaling_group.is_some()) {
            ramp(sim, &cloud, &outputs).await?;
        }
        if keep {
            return out.result(&outputs);
        }
        eprintln!("\n== destroy");
        let removed = web_tier::destroy(&cloud, &outputs, out.progress()).await?;
        eprintln!(
            "\nremoved {} resources: {}",
            removed.removed.len(),
            removed.removed.join(", ")
        );
        if !removed.skipped.is_empty() {
            eprintln!("left alone (not this tier's): {}", removed.skipped.join(", "));
        }
        Ok(())
    })
}
