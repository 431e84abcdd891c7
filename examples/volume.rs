//! Provision an encrypted gp3 volume for an instance (attached at the next free device),
//! snapshot it with progress, restore the snapshot into a second volume, then clean up.
//!
//! ```text
//! cargo run --example volume                                   # the simulator: no account, no network
//! cargo run --features emulator --example volume -- --endpoint-url http://127.0.0.1:5000    # moto or another emulator
//! cargo run --example volume -- --aws                          # a real account (launches a t3.micro: costs money!)
//! cargo run --example volume -- --json                         # progress events as JSON lines on stdout
//! ```
mod common;

use std::process::ExitCode;
use std::time::Duration;

use aws_facade::ec2::{DescribeImagesRequest, DescribeInstancesRequest, InstanceState, RunInstancesRequest};
use aws_facade::wait::{Check, Waiter};
use aws_facade::workflows::volume::{self, VolumeSpec};
use clap::Parser;

/// Provision an encrypted gp3 volume for a new instance, snapshot it, restore the snapshot into
/// a second volume, then remove everything. Runs on the in-process simulator unless told
/// otherwise.
#[derive(Parser, Debug)]
#[command(name = "volume")]
struct Args {
    #[command(flatten)]
    common: common::Common,
}

fn main() -> ExitCode {
    common::exit(run(Args::parse()))
}

fn run(args: Args) -> common::Result<()> {
    let backend = args.common.backend();
    eprintln!("volume workflow on {}", backend.describe());
    let keep = args.common.keep;
    let out = args.common.output();
    backend.run(&args.common, |cloud| async move {
        eprintln!("\n== an instance to attach to");
        let images = cloud
            .ec2
            .describe_images(
                DescribeImagesRequest::builder()
                    .owners(vec!["amazon".into()])
                    .name_pattern("al2023-ami-2023*-x86_64")
                    .build()?,
            )
            .await?;
        let image = match images.into_iter().next() {
            Some(i) => i.id,
            // Emulators may not know the Amazon Linux name: any image will do there.
            None => {
                cloud
                    .ec2
                    .describe_images(Default::default())
                    .await?
                    .into_iter()
                    .next()
                    .ok_or("the region lists no images to launch the instance from")?
                    .id
            }
        };
        let req = RunInstancesRequest::builder()
            .image_id(image)
            .instance_type("t3.micro".parse()?)
            .build()?;
        let instance = cloud
            .ec2
            .run_instances(req)
            .await?
            .into_iter()
            .next()
            .ok_or("RunInstances answered no instance")?
            .id;
        let describe = DescribeInstancesRequest::builder()
            .instance_ids(vec![instance.clone()])
            .build()?;
        Waiter::new(format!("instance {instance} running"))
            .timeout(Duration::from_secs(600))
            .until(|| async {
                let i = cloud.ec2.describe_instances(describe.clone()).await?;
                Ok(match i.first() {
                    Some(i) if i.state == InstanceState::Running => Check::Done(()),
                    Some(i) => Check::Pending(i.state.to_string()),
                    None => Check::Pending("not visible yet".into()),
                })
            })
            .await?;
        eprintln!("  {instance} running");

        eprintln!("\n== provision");
        let spec = VolumeSpec::builder()
            .name("example-data")
            .instance_id(instance.clone())
            .size_gib(8)
            .throughput(250)
            .build()?;
        let data = volume::provision(&cloud, &spec, out.progress()).await?;
        eprintln!(
            "  {} attached at {} in {}",
            data.volume_id, data.device, data.availability_zone
        );

        eprintln!("\n== snapshot");
        let snap = volume::snapshot(&cloud, &data.volume_id, Some("example".into()), out.progress()).await?;
        eprintln!("  {} {:?}", snap.id, snap.state);

        eprintln!("\n== restore");
        let copy = VolumeSpec::builder()
            .name("example-copy")
            .instance_id(instance.clone())
            .snapshot_id(snap.id.clone())
            .build()?;
        let restored = volume::restore(&cloud, &snap.id, &copy, out.progress()).await?;
        eprintln!("  {} attached at {}", restored.volume_id, restored.device);

        if keep {
            return out.result(&[&data, &restored]);
        }
        eprintln!("\n== clean up");
        volume::destroy(&cloud, &restored, false, out.progress()).await?;
        volume::destroy(&cloud, &data, false, out.progress()).await?;
        cloud.ec2.delete_snapshot(snap.id).await?;
        cloud.ec2.terminate_instances(vec![instance]).await?;
        eprintln!("\nremoved both volumes, the snapshot and the instance");
        Ok(())
    })
}
