//! Launch instances behind an Application Load Balancer with recommended alarms, then destroy.
//!
//! ```text
//! cargo run --example web_tier                                # the simulator: no account, no network
//! cargo run --features emulator --example web_tier -- --endpoint-url http://127.0.0.1:5000   # moto or another emulator
//! cargo run --example web_tier -- --aws                       # a real account (costs money!)
//! cargo run --example web_tier -- --keep                      # keep it; print the outputs as JSON on stdout
//! cargo run --example web_tier -- --print-iam-policy          # the IAM policy the run needs; calls nothing
//! cargo run --example web_tier -- --help                      # every flag
//! ```
mod common;

use std::process::ExitCode;

use aws_facade::workflows::web_tier::{self, ImageSpec, WebTier};
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
}

fn spec() -> aws_facade::Result<WebTier> {
    WebTier::builder()
        .name("demo-web".parse()?)
        .image(ImageSpec::latest("al2023-ami-2023*-x86_64", "amazon"))
        .instance_type("t3.micro".parse()?)
        .count(2)
        .user_data("#!/bin/sh\ndnf install -y nginx && systemctl enable --now nginx\n")
        .build()
}

fn main() -> ExitCode {
    common::exit(run(Args::parse()))
}

fn run(args: Args) -> common::Result<()> {
    let spec = spec()?;
    if args.print_iam_policy {
        println!("{}", spec.iam_policy().to_json_pretty());
        return Ok(());
    }
    let backend = args.common.backend();
    eprintln!("web tier on {}", backend.describe());
    let keep = args.common.keep;
    let out = args.common.output();
    backend.run(&args.common, |cloud| async move {
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
