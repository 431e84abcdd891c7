//! Launch instances behind an Application Load Balancer with recommended alarms, then destroy.
//!
//! ```text
//! cargo run --example web_tier                                # the simulator: no account, no network
//! cargo run --features emulator --example web_tier -- --endpoint-url http://127.0.0.1:5000   # moto or another emulator
//! cargo run --example web_tier -- --aws                       # a real account (costs money!)
//! cargo run --example web_tier -- --keep                      # keep it; print the outputs as JSON on stdout
//! ```
mod common;

use aws_facade::workflows::web_tier::{self, ImageSpec, WebTier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args();
    eprintln!("web tier on {}", args.backend.describe());
    let keep = args.keep;
    args.backend.run(|cloud| async move {
        let spec = WebTier::builder()
            .name("demo-web".parse()?)
            .image(ImageSpec::latest("al2023-ami-2023*-x86_64", "amazon"))
            .instance_type("t3.micro".parse()?)
            .count(2)
            .user_data("#!/bin/sh\ndnf install -y nginx && systemctl enable --now nginx\n")
            .build()?;
        eprintln!("\n== apply");
        let outputs = spec.apply(&cloud, common::printer()).await?;
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
            println!("{}", serde_json::to_string_pretty(&outputs)?);
            return Ok(());
        }
        eprintln!("\n== destroy");
        let removed = web_tier::destroy(&cloud, &outputs, common::printer()).await?;
        eprintln!(
            "\nremoved {} resources: {}",
            removed.removed.len(),
            removed.removed.join(", ")
        );
        if !removed.skipped.is_empty() {
            eprintln!("left alone (not this tier's): {}", removed.skipped.join(", "));
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
