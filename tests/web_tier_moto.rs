//! The web tier workflow end to end against moto server, through the real SDK adapters (and the
//! CloudWatch protocol bridge): apply, apply again, check the created resources' settings,
//! destroy, check nothing is left.
//!
//! moto differs from AWS here in ways that make this run fast, not different in outcome:
//! instances answer `running` on the first describe, the load balancer is `active` at once and
//! new targets are `healthy` at once (see tests/support/deviations.rs);
//! the waits and ordering are exercised on the simulator (tests/web_tier.rs).

mod support;

use aws_facade::cloudwatch::DescribeAlarmsRequest;
use aws_facade::ec2::{DescribeInstancesRequest, DescribeSecurityGroupsRequest, IngressSource, InstanceState};
use aws_facade::elb::{DescribeLoadBalancersRequest, TargetHealthState};
use aws_facade::workflows::web_tier::{self, ImageSpec, WebTier};
use aws_facade::{Error, ErrorKind};

use support::moto;

#[tokio::test]
async fn web_tier_apply_reapply_and_destroy_on_moto() {
    let Some(session) = moto::session().await else { return };
    let cloud = support::moto_cloud(&session);

    // moto's catalogue: any available x86_64 image will do; take one by id.
    let image = cloud
        .ec2
        .describe_images(Default::default())
        .await
        .expect("describe images")
        .into_iter()
        .find(|i| i.architecture == "x86_64")
        .expect("an x86_64 image");
    let spec = WebTier::builder()
        .name("motoweb".parse().unwrap())
        .image(ImageSpec::Id(image.id.clone()))
        .count(2)
        .build()
        .unwrap();

    let out = spec.apply(&cloud, None).await.expect("apply on moto");
    assert_eq!(out.instance_ids.len(), 2);
    assert_eq!(out.image_id, image.id);

    // Applying again converges: same resources, nothing new (found by tag; moto ignores
    // ClientToken, so this shows the tag discovery, not the token).
    let again = spec.apply(&cloud, None).await.expect("re-apply on moto");
    assert_eq!(again, out, "a second apply finds the same resources");
    let live: Vec<_> = cloud
        .ec2
        .describe_instances(DescribeInstancesRequest::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.state != InstanceState::Terminated)
        .collect();
    assert_eq!(live.len(), 2, "no duplicate instances: {live:?}");

    // Settings: IMDSv2 required, spread over zones, groups locked down.
    assert!(live.iter().all(|i| i.http_tokens_required), "IMDSv2 required: {live:?}");
    let zones: std::collections::BTreeSet<_> = live.iter().map(|i| i.availability_zone.clone()).collect();
    assert_eq!(zones.len(), 2, "two instances in two zones");
    let groups = cloud
        .ec2
        .describe_security_groups(
            DescribeSecurityGroupsRequest::builder()
                .group_ids(vec![out.app_security_group.clone(), out.lb_security_group.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let app = groups.iter().find(|g| g.id == out.app_security_group).unwrap();
    assert_eq!(app.ingress.len(), 1, "{:?}", app.ingress);
    assert_eq!(
        app.ingress[0].source,
        IngressSource::Group(out.lb_security_group.clone())
    );
    let lb_group = groups.iter().find(|g| g.id == out.lb_security_group).unwrap();
    assert!(lb_group.ingress.iter().all(|r| (r.from_port, r.to_port) == (80, 80)));
    assert!(
        !groups
            .iter()
            .flat_map(|g| &g.ingress)
            .any(|r| r.from_port <= 22 && 22 <= r.to_port),
        "nothing opens SSH"
    );

    let lbs = cloud
        .elb
        .describe_load_balancers(
            DescribeLoadBalancersRequest::builder()
                .arns(vec![out.load_balancer_arn.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(lbs[0].security_groups, vec![out.lb_security_group.clone()]);
    assert_eq!(lbs[0].dns_name, out.dns_name);
    let health = cloud
        .elb
        .describe_target_health(out.target_group_arn.clone(), vec![])
        .await
        .unwrap();
    assert_eq!(health.len(), 2);
    assert!(
        health.iter().all(|h| h.state == TargetHealthState::Healthy),
        "{health:?}"
    );

    let alarms = cloud
        .cloudwatch
        .describe_alarms(
            DescribeAlarmsRequest::builder()
                .names(out.alarm_names.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(alarms.len(), out.alarm_names.len(), "every alarm exists");
    let lb_dimension = out.load_balancer_arn.dimension().to_string();
    assert!(
        alarms.iter().filter(|a| a.namespace == "AWS/ApplicationELB").all(|a| a
            .dimensions
            .iter()
            .any(|d| d.name == "LoadBalancer" && d.value == lb_dimension)),
        "ALB alarms carry LoadBalancer = app/NAME/ID"
    );

    // Destroy removes everything, and a second destroy finds nothing to do.
    let removed = web_tier::destroy(&cloud, &out, None).await.expect("destroy on moto");
    assert!(removed.removed.len() >= 2 + out.alarm_names.len(), "{removed:?}");
    assert!(removed.skipped.is_empty(), "{removed:?}");
    let instances = cloud
        .ec2
        .describe_instances(DescribeInstancesRequest::default())
        .await
        .unwrap();
    assert!(
        instances.iter().all(|i| i.state == InstanceState::Terminated),
        "{instances:?}"
    );
    let err: Error = cloud
        .elb
        .describe_load_balancers(
            DescribeLoadBalancersRequest::builder()
                .arns(vec![out.load_balancer_arn.clone()])
                .build()
                .unwrap(),
        )
        .await
        .expect_err("the load balancer is gone");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    let left = cloud
        .cloudwatch
        .describe_alarms(
            DescribeAlarmsRequest::builder()
                .names(out.alarm_names.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(left.is_empty(), "alarms left: {left:?}");
    assert!(
        web_tier::destroy_by_name(&cloud, "motoweb", None)
            .await
            .unwrap()
            .is_empty()
    );
}
