//! An Auto Scaling group scaled out and back in on the simulator under EC2's rate limits
//! (shared by tests/fleet.rs and benches/fleet.rs).

use std::time::Duration;

use aws_facade::sim::{RateLimits, SimCloud};
use tokio::time::{Instant, sleep};

/// An Auto Scaling group of `from` instances scaled to `to` and back, its control loop's
/// EC2 calls (and the test's own) under one account's buckets, on AWS-like lifecycles (boot
/// 30 s, shutdown 40 s): how long each way takes, the least time the buckets impose on the
/// calls made, and how many were throttled.
#[derive(Debug)]
pub struct GroupMeasure {
    pub out: Duration,
    pub back: Duration,
    pub bound: Duration,
    pub admitted: usize,
    pub throttled: usize,
}

pub async fn group_fleet(from: u32, to: u32) -> GroupMeasure {
    use aws_facade::autoscaling::CreateAutoScalingGroupRequest;
    use aws_facade::ec2::{CreateLaunchTemplateRequest, LaunchTemplateData};
    let sim = SimCloud::new();
    let limits = RateLimits::ec2();
    sim.rate_limit_auto_scaling(limits.clone());
    let cloud = sim.cloud().layer(limits.clone());
    let image = cloud.ec2.describe_images(Default::default()).await.unwrap().remove(0);
    let data = LaunchTemplateData::builder()
        .image_id(image.id)
        .instance_type("t3.micro".parse().unwrap())
        .build()
        .unwrap();
    let lt = cloud
        .ec2
        .create_launch_template(
            CreateLaunchTemplateRequest::builder()
                .name("fleet")
                .data(data)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let vpc = cloud.ec2.default_vpc().await.unwrap().id;
    let subnets: Vec<_> = cloud
        .ec2
        .describe_subnets(vpc)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let name: aws_facade::id::AutoScalingGroupName = "fleet".parse().unwrap();
    cloud
        .autoscaling
        .create_auto_scaling_group(
            CreateAutoScalingGroupRequest::builder()
                .name(name.clone())
                .launch_template(lt.id.clone())
                .min_size(from)
                .max_size(to)
                .subnets(subnets)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let until = |n: usize, in_service: bool| {
        let cloud = cloud.clone();
        let name = name.clone();
        async move {
            let start = Instant::now();
            loop {
                let g = cloud
                    .autoscaling
                    .describe_auto_scaling_groups(vec![name.clone()])
                    .await
                    .unwrap()
                    .remove(0);
                let have = if in_service {
                    g.in_service().count()
                } else {
                    g.instances.len()
                };
                if have == n && (!in_service || g.instances.len() == n) {
                    return start.elapsed();
                }
                assert!(start.elapsed() < Duration::from_secs(3600), "stuck at {have} of {n}");
                sleep(Duration::from_secs(1)).await;
            }
        }
    };
    until(from as usize, true).await;
    cloud
        .autoscaling
        .set_desired_capacity(name.clone(), to, false)
        .await
        .unwrap();
    let out = until(to as usize, true).await;
    cloud
        .autoscaling
        .set_desired_capacity(name.clone(), from, false)
        .await
        .unwrap();
    let back = until(from as usize, false).await;
    cloud.autoscaling.delete_auto_scaling_group(name, true).await.unwrap();
    sleep(Duration::from_secs(600)).await;
    assert_eq!(sim.inventory().count("instance"), 0, "{}", sim.inventory());
    assert_eq!(sim.inventory().count("auto scaling group"), 0);
    GroupMeasure {
        out,
        back,
        bound: limits.lower_bound(),
        admitted: limits.admitted(),
        throttled: limits.throttled(),
    }
}
