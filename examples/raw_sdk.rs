//! Code written against the raw AWS SDK (no aws-facade types in it), run on the simulator
//! through its wire front end: the SDK serializes, signs and parses as against AWS, the
//! simulator answers in each service's real protocol, and the SDK's own waiters poll its
//! lifecycles, on tokio's paused clock (the 30 s boot and 2 min provisioning cost no time).
//!
//! ```text
//! cargo run --features wire --example raw_sdk
//! ```
//!
//! The same functions are what a user's unit test calls with `SimCloud::sdk_config()` (see
//! README, "Simulator on the wire").

use std::process::ExitCode;
use std::time::Duration;

use aws_sdk_ec2::client::Waiters as _;
use aws_sdk_ec2::types::{Filter, InstanceType, ResourceType, Tag, TagSpecification};
use aws_sdk_elasticloadbalancingv2::client::Waiters as _;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The code under test: launches `count` tagged instances of the newest Amazon image and waits
/// until they run.
async fn launch(ec2: &aws_sdk_ec2::Client, count: i32, team: &str) -> Result<Vec<String>, Error> {
    let images = ec2.describe_images().owners("amazon").send().await?;
    let image = images.images().first().and_then(|i| i.image_id()).ok_or("no image")?;
    let out = ec2
        .run_instances()
        .image_id(image)
        .instance_type(InstanceType::T3Micro)
        .min_count(count)
        .max_count(count)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Instance)
                .tags(Tag::builder().key("team").value(team).build())
                .build(),
        )
        .send()
        .await?;
    let ids: Vec<String> = out
        .instances()
        .iter()
        .filter_map(|i| i.instance_id().map(str::to_string))
        .collect();
    ec2.wait_until_instance_running()
        .set_instance_ids(Some(ids.clone()))
        .wait(Duration::from_secs(600))
        .await?;
    Ok(ids)
}

/// The code under test: a load balancer in two zones of the default VPC, waited for.
async fn load_balancer(
    ec2: &aws_sdk_ec2::Client,
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    name: &str,
) -> Result<String, Error> {
    let subnets = ec2
        .describe_subnets()
        .filters(Filter::builder().name("default-for-az").values("true").build())
        .send()
        .await?;
    let ids: Vec<String> = subnets
        .subnets()
        .iter()
        .take(2)
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect();
    let lb = elb
        .create_load_balancer()
        .name(name)
        .set_subnets(Some(ids))
        .send()
        .await?;
    let arn = lb
        .load_balancers()
        .first()
        .and_then(|l| l.load_balancer_arn())
        .ok_or("no load balancer")?
        .to_string();
    elb.wait_until_load_balancer_available()
        .load_balancer_arns(&arn)
        .wait(Duration::from_secs(900))
        .await?;
    Ok(arn)
}

fn main() -> ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    let sim = aws_facade::sim::SimCloud::new();
    let conf = sim.sdk_config();
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&conf);
    let start = tokio::time::Instant::now();
    let ids = launch(&ec2, 2, "web").await?;
    eprintln!(
        "running after {:.0?} of simulated time: {}",
        start.elapsed(),
        ids.join(", ")
    );
    let start = tokio::time::Instant::now();
    let arn = load_balancer(&ec2, &elb, "raw-sdk").await?;
    eprintln!("load balancer active after {:.0?}: {arn}", start.elapsed());
    // What the simulator holds now, as its inventory sees it.
    eprintln!("the simulator holds:\n{}", sim.inventory());
    elb.delete_load_balancer().load_balancer_arn(&arn).send().await?;
    ec2.terminate_instances()
        .set_instance_ids(Some(ids.clone()))
        .send()
        .await?;
    ec2.wait_until_instance_terminated()
        .set_instance_ids(Some(ids))
        .wait(Duration::from_secs(600))
        .await?;
    eprintln!("removed the load balancer and the instances");
    Ok(())
}
