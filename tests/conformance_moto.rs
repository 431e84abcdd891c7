//! The conformance suite (tests/conformance/mod.rs) through the real SDK adapters against moto
//! server, plus the tests that SHOW each known moto deviation (tests/support/deviations.rs) and
//! self-tests of the moto harness.
//!
//! Needs moto: `scripts/install-moto`. Without it every test here prints a loud SKIPPING banner
//! and passes, unless `AWS_FACADE_REQUIRE_MOTO=1` (CI), which turns the skip into a failure.
//! The scenarios share one moto server per binary and run one at a time (each holds the
//! session lock and starts from `/moto-api/reset`).

mod conformance;
mod support;

use std::time::{Duration, Instant};

use aws_facade::ErrorKind;
use aws_facade::ec2::{
    AttachVolumeRequest, AttachmentState, CreateSnapshotRequest, DescribeInstancesRequest, DescribeVolumesRequest,
    DetachVolumeRequest, InstanceState, RunInstancesRequest, SnapshotState, VolumeState,
};
use aws_facade::id::VolumeId;
use conformance::Backend;
use support::deviations::{DEVIATIONS, DeviationId, deviation};
use support::moto::{self, MotoServer};

macro_rules! moto_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let Some(backend) = Backend::moto().await else { return };
                conformance::$name(&backend).await;
                backend.finish().await;
            }
        )*
    };
}

conformance::scenarios!(moto_tests);

// ---------------------------------------------------------------------------------------------
// Known deviations, shown (each entry of DEVIATIONS names one of these tests).

#[test]
fn every_deviation_is_shown_by_a_test_in_this_file() {
    let source = include_str!("conformance_moto.rs");
    for d in DEVIATIONS {
        assert!(
            source.contains(&format!("async fn {}()", d.shown_by)),
            "deviation {:?} names shown_by = {:?}, which is not a test in tests/conformance_moto.rs",
            d.id,
            d.shown_by
        );
        assert_eq!(deviation(d.id), d, "one entry per id");
    }
}

/// moto: ModifyVolume shrinks a volume, allows back-to-back modifications, completes each at
/// once and lists them all.
#[tokio::test]
async fn moto_deviation_modify_volume_unchecked() {
    use aws_facade::ec2::{ModifyVolumeRequest, VolumeModificationState};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::Ec2ModifyVolumeUnchecked));
    let subnets = b.subnets().await;
    let v = b.create_volume(&subnets[0], b.tags("dev-modify")).await;
    let to = |size: u32| {
        ModifyVolumeRequest::builder()
            .volume_id(v.id.clone())
            .size_gib(size)
            .build()
            .unwrap()
    };
    let m = b
        .cloud
        .ec2
        .modify_volume(to(4))
        .await
        .expect("AWS: InvalidParameterValue");
    assert_eq!(m.state, VolumeModificationState::Completed, "AWS: modifying");
    b.cloud
        .ec2
        .modify_volume(to(6))
        .await
        .expect("AWS: VolumeModificationRateExceeded");
    let all = b
        .cloud
        .ec2
        .describe_volumes_modifications(vec![v.id.clone()])
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "AWS: the latest only");
    b.cloud.ec2.delete_volume(v.id).await.unwrap();
}

/// moto: ReleaseAddress releases an Elastic IP that is still associated (AWS:
/// InvalidIPAddress.InUse).
#[tokio::test]
async fn moto_deviation_release_associated_address() {
    use aws_facade::ec2::{AllocateAddressRequest, AssociateAddressRequest, DescribeAddressesRequest};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::Ec2ReleaseAssociatedAddress));
    let eip = b
        .cloud
        .ec2
        .allocate_address(AllocateAddressRequest::default())
        .await
        .unwrap();
    let inst = b.launch(1, None, b.tags("dev-eip")).await.remove(0);
    b.wait_instance(&inst.id, InstanceState::Running).await;
    let req = AssociateAddressRequest::builder()
        .allocation_id(eip.allocation_id.clone())
        .instance_id(inst.id.clone())
        .build()
        .unwrap();
    b.cloud.ec2.associate_address(req).await.unwrap();
    b.cloud
        .ec2
        .release_address(eip.allocation_id.clone())
        .await
        .expect("AWS: InvalidIPAddress.InUse");
    let all = b
        .cloud
        .ec2
        .describe_addresses(DescribeAddressesRequest::default())
        .await
        .unwrap();
    assert!(all.is_empty(), "released: {all:?}");
    b.terminate(&[inst.id]).await;
}

/// moto: a launch volume's throughput is not applied (AWS: the mapping's 250 MiB/s).
#[tokio::test]
async fn moto_deviation_launch_volume_settings_ignored() {
    use aws_facade::ec2::LaunchVolume;
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::Ec2LaunchVolumeSettingsIgnored));
    let image = b.image().await;
    let req = RunInstancesRequest::builder()
        .image_id(image.id)
        .instance_type("t3.micro".parse().unwrap())
        .volumes(vec![
            LaunchVolume::builder()
                .device_name("/dev/sdf")
                .size_gib(20)
                .throughput(250)
                .build()
                .unwrap(),
        ])
        .build()
        .unwrap();
    let inst = b.cloud.ec2.run_instances(req).await.unwrap().remove(0);
    b.wait_instance(&inst.id, InstanceState::Running).await;
    let vols = b
        .cloud
        .ec2
        .describe_volumes(
            DescribeVolumesRequest::builder()
                .attached_to(inst.id.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let extra = vols
        .iter()
        .find(|v| v.attachments.iter().any(|a| a.device == "/dev/sdf"))
        .expect("the launch volume");
    assert_ne!(extra.throughput, Some(250), "AWS: 250 MiB/s: {extra:?}");
    b.terminate(&[inst.id]).await;
}

/// moto: RunInstances launches in the subnet whatever zone the placement names (AWS:
/// InvalidParameterValue).
#[tokio::test]
async fn moto_deviation_placement_zone_unchecked() {
    use aws_facade::ec2::Placement;
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::Ec2PlacementZoneUnchecked));
    let subnets = b.subnets().await;
    let other = subnets
        .iter()
        .find(|s| s.availability_zone != subnets[0].availability_zone)
        .expect("two zones");
    let image = b.image().await;
    let req = RunInstancesRequest::builder()
        .image_id(image.id)
        .instance_type("t3.micro".parse().unwrap())
        .subnet_id(subnets[0].id.clone())
        .placement(
            Placement::builder()
                .availability_zone(other.availability_zone.clone())
                .build(),
        )
        .build()
        .unwrap();
    let inst = b
        .cloud
        .ec2
        .run_instances(req)
        .await
        .expect("AWS: InvalidParameterValue")
        .remove(0);
    b.terminate(&[inst.id]).await;
}

/// moto: DeleteLaunchTemplateVersions is not implemented.
#[tokio::test]
async fn moto_deviation_no_delete_launch_template_versions() {
    use aws_facade::ec2::{CreateLaunchTemplateRequest, LaunchTemplateData, LaunchTemplateRef, TemplateVersion};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::Ec2NoDeleteLaunchTemplateVersions));
    let data = LaunchTemplateData::builder()
        .instance_type("t3.micro".parse().unwrap())
        .encrypt_root_volume(false)
        .build()
        .unwrap();
    let req = CreateLaunchTemplateRequest::builder()
        .name("dev-versions")
        .data(data)
        .build()
        .unwrap();
    let t = b.cloud.ec2.create_launch_template(req).await.unwrap();
    let r = LaunchTemplateRef::Id(t.id.clone());
    b.cloud
        .ec2
        .delete_launch_template_versions(r.clone(), vec![TemplateVersion::Number(5)])
        .await
        .expect_err("AWS: launchTemplateVersionDoesNotExist, reported for version 5");
    b.cloud.ec2.delete_launch_template(r).await.unwrap();
}

/// moto: a second CreateFunctionUrlConfig for the same function succeeds (AWS:
/// ResourceConflictException).
#[tokio::test]
async fn moto_deviation_second_function_url_replaces() {
    use aws_facade::lambda::FunctionUrlRequest;
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::LambdaSecondFunctionUrlReplaces));
    let (name, _) = b.create_function("dev-fn-url").await;
    b.wait_function_ready(&name).await;
    let req = || FunctionUrlRequest::builder().function(name.clone()).build().unwrap();
    b.cloud.lambda.create_function_url_config(req()).await.unwrap();
    b.cloud
        .lambda
        .create_function_url_config(req())
        .await
        .expect("AWS: ResourceConflictException");
    b.cloud.lambda.delete_function(name, None).await.unwrap();
}

/// moto: DescribeAlarmHistory is not implemented (the server fails), even for an alarm it has.
#[tokio::test]
async fn moto_deviation_cw_no_alarm_history() {
    use aws_facade::cloudwatch::{ComparisonOperator, DescribeAlarmHistoryRequest, PutMetricAlarmRequest, Statistic};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::CwNoAlarmHistory));
    let req = PutMetricAlarmRequest::builder()
        .alarm_name("dev-history".parse().unwrap())
        .namespace("Deviation")
        .metric_name("M")
        .statistic(Statistic::Maximum)
        .period_secs(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison(ComparisonOperator::GreaterThanThreshold)
        .build()
        .unwrap();
    b.cloud.cloudwatch.put_metric_alarm(req).await.unwrap();
    let req = DescribeAlarmHistoryRequest::builder()
        .alarm_name("dev-history".parse().unwrap())
        .build()
        .unwrap();
    let e = b
        .cloud
        .cloudwatch
        .describe_alarm_history(req)
        .await
        .expect_err("AWS: the alarm's history (at least its creation)");
    // Moto's 500 page reaches the crate through the CloudWatch bridge (a Service error) or,
    // depending on the request shape, as a body the SDK cannot read.
    assert!(
        matches!(e.kind(), ErrorKind::Service | ErrorKind::UnrecognizedResponse),
        "{e:?}"
    );
}

/// moto: GetMetricData evaluates no metric math; an expression that is not a bare id is empty.
#[tokio::test]
async fn moto_deviation_cw_metric_math_not_evaluated() {
    use aws_facade::cloudwatch::{
        GetMetricDataRequest, Metric, MetricDataQuery, MetricDatum, MetricStat, PutMetricDataRequest,
    };
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::CwMetricMathNotEvaluated));
    let now = b.now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let t0 = std::time::UNIX_EPOCH + Duration::from_secs((now / 60 - 10) * 60);
    let datum = MetricDatum::builder()
        .metric_name("M")
        .timestamp(t0)
        .value(3.0)
        .build()
        .unwrap();
    let put = PutMetricDataRequest::builder()
        .namespace("Deviation")
        .data(vec![datum])
        .build()
        .unwrap();
    b.cloud.cloudwatch.put_metric_data(put).await.unwrap();
    let m = MetricDataQuery::builder()
        .id("m")
        .metric(
            MetricStat::builder()
                .metric(Metric::builder().namespace("Deviation").metric_name("M").build())
                .period_secs(60)
                .stat("Sum")
                .build(),
        )
        .build();
    let req = GetMetricDataRequest::builder()
        .queries(vec![
            m,
            MetricDataQuery::builder().id("twice").expression("m * 2").build(),
        ])
        .start(t0)
        .end(t0 + Duration::from_secs(120))
        .build()
        .unwrap();
    let out = b.cloud.cloudwatch.get_metric_data(req).await.unwrap();
    let by_id = |id: &str| {
        out.iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("{id}: {out:?}"))
    };
    assert_eq!(by_id("m").values, vec![3.0], "the metric itself is answered");
    assert!(by_id("twice").values.is_empty(), "AWS: [6.0]; {out:?}");
}

/// moto: PutCompositeAlarm is not implemented (HTTP 500).
#[tokio::test]
async fn moto_deviation_cw_no_composite_alarms() {
    use aws_facade::cloudwatch::PutCompositeAlarmRequest;
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::CwNoCompositeAlarms));
    let req = PutCompositeAlarmRequest::builder()
        .alarm_name("dev-composite".parse().unwrap())
        .rule("TRUE")
        .build()
        .unwrap();
    let e = b
        .cloud
        .cloudwatch
        .put_composite_alarm(req)
        .await
        .expect_err("AWS: the composite alarm is created");
    assert_eq!(e.kind(), ErrorKind::Service, "{e:?}");
}

/// moto: a function's DeadLetterConfig is dropped.
#[tokio::test]
async fn moto_deviation_lambda_dead_letter_config_not_kept() {
    use aws_facade::lambda::CreateFunctionRequest;
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::LambdaDeadLetterConfigNotKept));
    let role = b.lambda_prepare("dev-dlq").await;
    let queue: aws_facade::id::Arn = format!("arn:aws:sqs:us-east-1:{}:dev-dlq", moto::ACCOUNT_ID)
        .parse()
        .unwrap();
    let req = CreateFunctionRequest::builder()
        .name("dev-dlq".parse().unwrap())
        .runtime("python3.12")
        .handler("index.handler")
        .role(role)
        .zip(conformance::echo_function_zip(1))
        .dead_letter_target_arn(queue)
        .build()
        .unwrap();
    let created = b.cloud.lambda.create_function(req).await.unwrap();
    assert_eq!(created.dead_letter_target_arn, None, "AWS: the queue's ARN");
    let got = b
        .cloud
        .lambda
        .get_function_configuration("dev-dlq".parse().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(got.dead_letter_target_arn, None, "AWS: the queue's ARN");
}

/// moto: a function naming a layer version that does not exist is ResourceNotFoundException
/// (AWS: InvalidParameterValueException).
#[tokio::test]
async fn moto_deviation_unknown_layer_is_not_found() {
    use aws_facade::lambda::CreateFunctionRequest;
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::LambdaUnknownLayerIsNotFound));
    let role = b.lambda_prepare("dev-layer").await;
    let req = CreateFunctionRequest::builder()
        .name("dev-layer".parse().unwrap())
        .runtime("python3.12")
        .handler("index.handler")
        .role(role)
        .zip(conformance::echo_function_zip(1))
        .layers(vec![
            format!("arn:aws:lambda:us-east-1:{}:layer:dev-none:7", moto::ACCOUNT_ID)
                .parse()
                .unwrap(),
        ])
        .build()
        .unwrap();
    let e = b.cloud.lambda.create_function(req).await.unwrap_err();
    assert_eq!(
        e.code(),
        Some("ResourceNotFoundException"),
        "AWS: InvalidParameterValueException; {e}"
    );
}

/// moto: revoking a rule the (default-VPC) group does not have is InvalidPermission.NotFound.
#[tokio::test]
async fn moto_deviation_revoke_unknown_rule_is_not_found() {
    use aws_facade::ec2::{CreateSecurityGroupRequest, IngressRule, IngressSource};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::Ec2RevokeUnknownRuleIsNotFound));
    let g = b
        .cloud
        .ec2
        .create_security_group(
            CreateSecurityGroupRequest::builder()
                .name("dev-revoke")
                .description("deviation")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let rule = IngressRule::builder()
        .from_port(9999)
        .to_port(9999)
        .source(IngressSource::Cidr("10.9.0.0/16".into()))
        .build();
    let e = b.cloud.ec2.revoke_ingress(g.clone(), rule).await.unwrap_err();
    assert_eq!(
        e.code(),
        Some("InvalidPermission.NotFound"),
        "AWS (default VPC): Ok(false); {e:?}"
    );
    b.cloud.ec2.delete_security_group(g).await.unwrap();
}

/// moto: DescribeVolumes and DescribeAlarms answer everything on one page whatever the page
/// size (so a stream of pages of 5 makes one call).
#[tokio::test]
async fn moto_deviation_listings_ignore_page_size() {
    use aws_facade::ec2::{DescribeVolumesRequest, Ec2Ext};
    use aws_facade::layer::Recording;
    use aws_facade::page::{ListOptions, PageRequest};
    use futures::TryStreamExt;
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::ListingsIgnorePageSize));
    let subnets = b.subnets().await;
    let tags = b.tags("dev-pages");
    let mut ids = Vec::new();
    for _ in 0..7 {
        ids.push(b.create_volume(&subnets[0], tags.clone()).await.id);
    }
    let req = DescribeVolumesRequest::builder().tags(tags).build().unwrap();
    let page = b
        .cloud
        .ec2
        .describe_volumes_page(req.clone(), PageRequest::first().size(5))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 7, "AWS: 5 volumes and a NextToken");
    assert_eq!(page.next_token, None);
    let journal = Recording::new();
    let cloud = b.cloud.clone().layer(journal.clone());
    let all: Vec<_> = cloud
        .ec2
        .volumes(req, ListOptions::new().page_size(5))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(journal.count("DescribeVolumes"), 1, "AWS: 2 pages");
    for id in ids {
        b.cloud.ec2.delete_volume(id).await.unwrap();
    }

    use aws_facade::cloudwatch::{ComparisonOperator, DescribeAlarmsRequest, PutMetricAlarmRequest, Statistic};
    for i in 0..3 {
        let req = PutMetricAlarmRequest::builder()
            .alarm_name(format!("dev-page-{i}").parse().unwrap())
            .namespace("Deviation")
            .metric_name("M")
            .statistic(Statistic::Maximum)
            .period_secs(60)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison(ComparisonOperator::GreaterThanThreshold)
            .build()
            .unwrap();
        b.cloud.cloudwatch.put_metric_alarm(req).await.unwrap();
    }
    let page = b
        .cloud
        .cloudwatch
        .describe_alarms_page(DescribeAlarmsRequest::default(), PageRequest::first().size(1))
        .await
        .unwrap();
    assert_eq!(
        (page.items.len(), page.next_token),
        (3, None),
        "AWS: 1 alarm and a NextToken"
    );
}

/// moto: volumes and snapshots are created in their final state; attachments and
/// terminations answer the transitional state like AWS but are final at the next describe.
#[tokio::test]
async fn moto_deviation_ec2_lifecycles_are_instant() {
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::Ec2InstantLifecycles));
    let subnets = b.subnets().await;
    let instance = b.launch(1, Some(&subnets[0]), b.tags("instant")).await.remove(0);
    assert_eq!(
        instance.state,
        InstanceState::Pending,
        "RunInstances answers pending, like AWS"
    );

    let v = b.create_volume(&subnets[0], b.tags("instant")).await;
    assert_eq!(v.state, VolumeState::Available, "AWS: creating");
    let att = b
        .cloud
        .ec2
        .attach_volume(
            AttachVolumeRequest::builder()
                .volume_id(v.id.clone())
                .instance_id(instance.id.clone())
                .device("/dev/sdf")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(att.state, AttachmentState::Attaching, "like AWS");
    assert_eq!(
        volume_state(&b, &v.id).await,
        VolumeState::InUse,
        "AWS: in-use seconds later"
    );
    let det = b
        .cloud
        .ec2
        .detach_volume(
            DetachVolumeRequest::builder()
                .volume_id(v.id.clone())
                .instance_id(instance.id.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(det.state, AttachmentState::Detaching, "like AWS");
    assert_eq!(volume_state(&b, &v.id).await, VolumeState::Available, "AWS: later");
    let s = b
        .cloud
        .ec2
        .create_snapshot(
            CreateSnapshotRequest::builder()
                .volume_id(v.id.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(s.state, SnapshotState::Completed, "AWS: pending");
    let changes = b
        .cloud
        .ec2
        .terminate_instances(vec![instance.id.clone()])
        .await
        .unwrap();
    assert_eq!(changes[0].current, InstanceState::ShuttingDown, "like AWS");
    let now = b
        .cloud
        .ec2
        .describe_instances(
            DescribeInstancesRequest::builder()
                .instance_ids(vec![instance.id.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        now[0].state,
        InstanceState::Terminated,
        "AWS: shutting-down for a while"
    );
}

async fn volume_state(b: &Backend, id: &VolumeId) -> VolumeState {
    b.cloud
        .ec2
        .describe_volumes(
            DescribeVolumesRequest::builder()
                .volume_ids(vec![id.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap()
        .remove(0)
        .state
}

/// moto: DetachVolume without InstanceId is a 500 (AWS accepts VolumeId alone).
#[tokio::test]
async fn moto_deviation_detach_volume_needs_instance_id() {
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::DetachVolumeNeedsInstanceId));
    let subnets = b.subnets().await;
    let instance = b.launch(1, Some(&subnets[0]), b.tags("detach")).await.remove(0);
    b.wait_instance(&instance.id, InstanceState::Running).await;
    let v = b.create_volume(&subnets[0], b.tags("detach")).await;
    b.cloud
        .ec2
        .attach_volume(
            AttachVolumeRequest::builder()
                .volume_id(v.id.clone())
                .instance_id(instance.id.clone())
                .device("/dev/sdf")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let err = b
        .cloud
        .ec2
        .detach_volume(DetachVolumeRequest::builder().volume_id(v.id.clone()).build().unwrap())
        .await
        .expect_err("moto fails DetachVolume without InstanceId");
    // A 500 without an AWS error code: an unrecognized response (retryable as a 5xx).
    assert_eq!(err.kind(), ErrorKind::UnrecognizedResponse, "{err:?}");
    assert!(err.is_retryable(), "a 500 counts as retryable: {err:?}");
}

/// moto: RunInstances ignores ClientToken; a retry launches new instances.
#[tokio::test]
async fn moto_deviation_run_instances_ignores_client_token() {
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::RunInstancesIgnoresClientToken));
    let image = b.image().await;
    let req = RunInstancesRequest::builder()
        .image_id(image.id)
        .instance_type("t3.micro".parse().unwrap())
        .client_token("same-token")
        .build()
        .unwrap();
    let first = b.cloud.ec2.run_instances(req.clone()).await.unwrap();
    let second = b.cloud.ec2.run_instances(req).await.unwrap();
    assert_ne!(first[0].id, second[0].id, "AWS would return the first launch again");
    let all = b
        .cloud
        .ec2
        .describe_instances(DescribeInstancesRequest::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "two launches in all: {all:?}");
}

/// moto: a block-device mapping without VolumeSize is MissingParameter (AWS takes the image's
/// root snapshot and size); without mappings the root volume is an 8 GiB `/dev/sda1` whatever
/// the image's root device; DescribeVolumes' attachments carry no DeleteOnTermination.
#[tokio::test]
async fn moto_deviation_root_volumes() {
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::Ec2RootMappingNeedsSize));
    assert!(b.deviates(DeviationId::Ec2VolumeAttachmentLacksDeleteOnTermination));
    // An Amazon Linux image: its root device is /dev/xvda.
    let image = b
        .cloud
        .ec2
        .describe_images(Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|i| {
            i.architecture == "x86_64"
                && i.root_device_name.as_deref() == Some("/dev/xvda")
                && i.root_device_type.as_deref() == Some("ebs")
        })
        .expect("an EBS image with root device /dev/xvda");
    let root = image.root_device_name.clone().expect("moto names the root device");
    let req = || {
        RunInstancesRequest::builder()
            .image_id(image.id.clone())
            .instance_type("t3.micro".parse().unwrap())
    };
    // The root device given, no size: the adapter sends the mapping as it is.
    let err = b
        .cloud
        .ec2
        .run_instances(req().root_device_name(root.clone()).build().unwrap())
        .await
        .expect_err("moto wants a size");
    assert_eq!(err.code(), Some("MissingParameter"), "{err:?}");

    // No mapping: moto's default root volume is at /dev/sda1, not at the image's root device.
    let plain = b
        .cloud
        .ec2
        .run_instances(req().encrypt_root_volume(false).build().unwrap())
        .await
        .unwrap()
        .remove(0);
    let plain = b.wait_instance(&plain.id, InstanceState::Running).await;
    let devices: Vec<&str> = plain.block_devices.iter().map(|d| d.device_name.as_str()).collect();
    assert_eq!(devices, ["/dev/sda1"], "{plain:?}");
    assert_eq!(plain.root_volume_id(), None, "nothing at the root device {root}");

    // The default launch: the adapter sends the image's size; the instance lists
    // DeleteOnTermination, DescribeVolumes does not.
    let encrypted = b
        .cloud
        .ec2
        .run_instances(req().build().unwrap())
        .await
        .unwrap()
        .remove(0);
    let encrypted = b.wait_instance(&encrypted.id, InstanceState::Running).await;
    let root_id = encrypted.root_volume_id().cloned().expect("the root volume");
    assert!(encrypted.block_devices[0].delete_on_termination, "{encrypted:?}");
    let v = b.wait_volume(&root_id, VolumeState::InUse).await;
    assert!(v.encrypted, "{v:?}");
    assert!(!v.attachments[0].delete_on_termination, "AWS would report true: {v:?}");
    b.terminate(&[plain.id, encrypted.id]).await;
}

/// moto: a CIDR with host bits set is stored and described as sent (AWS canonicalises it).
/// Shown through a raw AuthorizeSecurityGroupIngress: the facade sends canonical CIDRs.
#[tokio::test]
async fn moto_deviation_cidrs_not_canonicalized() {
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::Ec2CidrsNotCanonicalized));
    let g = b.security_group("raw-cidr", 443, None).await;
    let form = format!(
        "Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId={g}\
         &IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=443&IpPermissions.1.ToPort=443\
         &IpPermissions.1.IpRanges.1.CidrIp={}",
        moto::urlencode("10.1.2.3/16")
    );
    let r = b.moto_session().query("ec2", &form).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let found = b
        .cloud
        .ec2
        .describe_security_groups(
            aws_facade::ec2::DescribeSecurityGroupsRequest::builder()
                .group_ids(vec![g.clone()])
                .build()
                .unwrap(),
        )
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        found.ingress[0].source,
        aws_facade::ec2::IngressSource::Cidr("10.1.2.3/16".into()),
        "AWS would describe 10.1.0.0/16"
    );
    b.cloud.ec2.delete_security_group(g).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Harness self-tests (only moto's /moto-api and IAM query API; no facade adapter involved).

/// Reset forgets state; sessions exclude each other; Lambda config and IAM role work.
#[tokio::test]
async fn moto_harness_reset_serialization_lambda_prep() {
    let Some(s1) = moto::session().await else { return };
    let role_arn = s1.create_lambda_role("conformance-role").await;
    assert!(
        role_arn.starts_with(&format!("arn:aws:iam::{}:role/", moto::ACCOUNT_ID)),
        "{role_arn}"
    );
    let get = "Action=GetRole&Version=2010-05-08&RoleName=conformance-role";
    assert_eq!(s1.query("iam", get).await.status, 200);
    s1.lambda_without_docker().await;

    // A second session waits for the first, and starts from a reset server.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let waiter = tokio::spawn(async move {
        let s2 = moto::session().await.expect("moto is installed");
        let _ = tx.send(Instant::now());
        let r = s2.query("iam", get).await;
        assert_eq!(r.status, 404, "the role is gone after reset: {}", r.text());
        assert!(r.text().contains("NoSuchEntity"), "{}", r.text());
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let released = Instant::now();
    assert_eq!(
        s1.query("iam", get).await.status,
        200,
        "nobody reset the server under us"
    );
    drop(s1);
    waiter.await.expect("second session");
    let acquired = rx.await.expect("acquired");
    assert!(acquired >= released, "the second session began before the first ended");
}

/// A dedicated server answers, dies when its watchdog pipe closes (as when the test process
/// exits), and is killed and reaped when dropped.
#[tokio::test]
async fn moto_harness_server_start_stop() {
    if moto::shared().is_none() {
        return;
    }
    let server = tokio::task::spawn_blocking(MotoServer::start)
        .await
        .unwrap()
        .expect("start");
    let pid = server.pid();
    assert!(server.is_alive());
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let r = server.request("GET", "/moto-api/", &[], b"").await;
    assert_eq!(r.status, 200);
    drop(server);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "moto_server {pid} outlived its MotoServer"
    );

    let server = tokio::task::spawn_blocking(MotoServer::start)
        .await
        .unwrap()
        .expect("start");
    let pid = server.pid();
    server.close_watchdog_pipe();
    let deadline = Instant::now() + Duration::from_secs(15);
    while server.is_alive() {
        assert!(Instant::now() < deadline, "moto_server {pid} ignored the closed pipe");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs the ignored probe below in a child process with `moto_server` pointed at nothing.
fn run_probe_without_moto(require: bool) -> (bool, String) {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "moto_harness_probe",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(moto::SERVER_ENV, "/nonexistent/aws-facade/.venv/bin/moto_server")
    .env_remove(moto::REQUIRE_ENV);
    if require {
        cmd.env(moto::REQUIRE_ENV, "1");
    }
    let out = cmd.output().expect("run the test binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
#[ignore = "run by moto_harness_missing_* in a child process"]
async fn moto_harness_probe() {
    let Some(_s) = moto::session().await else { return };
}

#[test]
fn moto_harness_missing_moto_skips_loudly() {
    let (ok, out) = run_probe_without_moto(false);
    assert!(ok, "a missing moto is a skip, not a failure:\n{out}");
    assert!(
        out.contains("moto not installed: run scripts/install-moto; SKIPPING moto_harness_probe"),
        "loud banner naming the test:\n{out}"
    );
}

#[test]
fn moto_harness_missing_moto_fails_when_required() {
    let (ok, out) = run_probe_without_moto(true);
    assert!(!ok, "with {}=1 a missing moto must fail:\n{out}", moto::REQUIRE_ENV);
    assert!(
        out.contains("moto not installed but AWS_FACADE_REQUIRE_MOTO=1"),
        "says why:\n{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// Known deviations of ELBv2, CloudWatch, Lambda and EBS direct, shown.

/// moto: DescribeLoadBalancerAttributes of a new load balancer lists a few attributes only, and
/// deletion protection does not stop DeleteLoadBalancer.
#[tokio::test]
async fn moto_deviation_elb_lb_attributes_incomplete() {
    use aws_facade::elb::{DELETION_PROTECTION, DROP_INVALID_HEADER_FIELDS};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::ElbLbAttributesIncomplete));
    let subnets = b.subnets_in_two_zones().await;
    let sg = b.security_group("dev-attr", 80, None).await;
    let lb = b.create_load_balancer("dev-attr", &subnets, &sg).await;
    let attrs = b
        .cloud
        .elb
        .describe_load_balancer_attributes(lb.arn.clone())
        .await
        .unwrap();
    assert_eq!(
        attrs.get(DELETION_PROTECTION).map(String::as_str),
        Some("false"),
        "{attrs:?}"
    );
    assert_eq!(
        attrs.get(DROP_INVALID_HEADER_FIELDS),
        None,
        "AWS lists it as false: {attrs:?}"
    );
    // Deletion protection is stored but not enforced.
    assert!(b.deviates(DeviationId::ElbDeletionProtectionNotEnforced));
    let on = [(DELETION_PROTECTION.to_string(), "true".to_string())]
        .into_iter()
        .collect();
    b.cloud
        .elb
        .modify_load_balancer_attributes(lb.arn.clone(), on)
        .await
        .unwrap();
    b.cloud
        .elb
        .delete_load_balancer(lb.arn.clone())
        .await
        .expect("AWS: OperationNotPermitted");
    let left = b
        .cloud
        .elb
        .describe_load_balancers(aws_facade::elb::DescribeLoadBalancersRequest::default())
        .await
        .unwrap();
    assert!(left.iter().all(|l| l.arn != lb.arn), "moto deleted it: {left:?}");
}

/// moto: a repeated CreateLoadBalancer makes a second load balancer; a repeated, identical
/// CreateTargetGroup is DuplicateTargetGroupName.
#[tokio::test]
async fn moto_deviation_elb_create_is_not_idempotent() {
    use aws_facade::elb::{DescribeLoadBalancersRequest, HealthCheck};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::ElbCreateIsNotIdempotent));
    let subnets = b.subnets_in_two_zones().await;
    let sg = b.security_group("dev-lb", 80, None).await;
    let first = b.create_load_balancer("dev-dup", &subnets, &sg).await;
    let second = b.create_load_balancer("dev-dup", &subnets, &sg).await;
    assert_ne!(first.arn, second.arn, "AWS returns the first load balancer again");
    let all = b
        .cloud
        .elb
        .describe_load_balancers(DescribeLoadBalancersRequest::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "two load balancers named dev-dup: {all:?}");
    let tg = b.create_target_group("dev-dup-tg", HealthCheck::default()).await;
    assert!(b.deviates(DeviationId::ElbHttpListenerHasSslPolicy));
    let listener = b
        .cloud
        .elb
        .create_listener(
            aws_facade::elb::CreateListenerRequest::builder()
                .load_balancer_arn(first.arn.clone())
                .port(80)
                .default_target_group(tg.arn.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        listener.ssl_policy.as_deref(),
        Some("ELBSecurityPolicy-2016-08"),
        "AWS: none for HTTP"
    );
    let vpc = b.cloud.ec2.default_vpc().await.unwrap();
    let again = aws_facade::elb::CreateTargetGroupRequest::builder()
        .name("dev-dup-tg".parse().unwrap())
        .port(80)
        .vpc_id(vpc.id)
        .tags(b.tags("dev-dup-tg"))
        .build()
        .unwrap();
    let e = b.cloud.elb.create_target_group(again).await.unwrap_err();
    assert_eq!(
        e.code(),
        Some("DuplicateTargetGroupName"),
        "AWS: the existing group: {e:?}"
    );
}

/// moto: SetRulePriorities checks each new priority against the rules' current ones (a swap
/// in one call is PriorityInUse); RemoveListenerCertificates removes the default certificate.
#[tokio::test]
async fn moto_deviation_elb_rules_and_certificates() {
    use aws_facade::elb::{Action, CreateRuleRequest, ModifyListenerRequest, Protocol, RuleCondition, RulePriority};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::ElbSetRulePrioritiesOneByOne));
    assert!(b.deviates(DeviationId::ElbDefaultCertificateRemovable));
    let tier = conformance::Tier::build(&b, "dev-rules").await;
    let listener = tier.listener(&b).await;
    let mut rules = Vec::new();
    for (priority, path) in [(1, "/a"), (2, "/b")] {
        let req = CreateRuleRequest::builder()
            .listener_arn(listener.arn.clone())
            .priority(priority)
            .conditions(vec![RuleCondition::path_pattern([path])])
            .actions(vec![Action::forward(tier.tg.arn.clone())])
            .build()
            .unwrap();
        rules.push(b.cloud.elb.create_rule(req).await.unwrap());
    }
    let swap = vec![
        RulePriority {
            rule_arn: rules[0].arn.clone(),
            priority: 2,
        },
        RulePriority {
            rule_arn: rules[1].arn.clone(),
            priority: 1,
        },
    ];
    let e = b.cloud.elb.set_rule_priorities(swap).await.unwrap_err();
    assert_eq!(e.code(), Some("PriorityInUse"), "AWS: swapped: {e:?}");
    assert!(b.deviates(DeviationId::ElbDeleteDefaultRuleIsAServerError));
    let rules_now = b
        .cloud
        .elb
        .describe_rules(
            aws_facade::elb::DescribeRulesRequest::builder()
                .listener_arn(listener.arn.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let default = rules_now
        .iter()
        .find(|r| r.is_default)
        .expect("a default rule")
        .arn
        .clone();
    let e = b.cloud.elb.delete_rule(default).await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::UnrecognizedResponse,
        "AWS: OperationNotPermitted: {e:?}"
    );
    assert_eq!(e.code(), None, "{e:?}");
    assert!(b.deviates(DeviationId::ElbDeleteUnknownRuleSucceeds));
    b.cloud.elb.delete_rule(rules[1].arn.clone()).await.unwrap();
    b.cloud
        .elb
        .delete_rule(rules[1].arn.clone())
        .await
        .expect("AWS: RuleNotFound for a deleted rule");

    let cert = b.certificate("dev.example.com", 1).await;
    b.cloud
        .elb
        .modify_listener(
            ModifyListenerRequest::builder()
                .listener_arn(listener.arn.clone())
                .port(443)
                .protocol(Protocol::Https)
                .certificate_arn(cert.clone())
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    b.cloud
        .elb
        .remove_listener_certificates(listener.arn.clone(), vec![cert])
        .await
        .expect("AWS: OperationNotPermitted for the default certificate");
}

/// moto: targets are healthy at once and gone at once after DeregisterTargets; the default
/// health check timeout of an HTTP target group is 10 s.
#[tokio::test]
async fn moto_deviation_elb_target_health_is_instant() {
    use aws_facade::elb::{HealthCheck, Target, TargetHealthState};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::ElbTargetHealthIsInstant));
    assert!(b.deviates(DeviationId::ElbDefaultHealthCheckTimeout));
    let subnets = b.subnets_in_two_zones().await;
    let instance = b.launch(1, Some(&subnets[0]), b.tags("dev-health")).await.remove(0);
    b.wait_instance(&instance.id, InstanceState::Running).await;
    let tg = b.create_target_group("dev-health", HealthCheck::default()).await;
    assert_eq!(tg.health_check.timeout_secs, Some(5), "AWS: 6 s for HTTP");
    assert!(b.deviates(DeviationId::ElbModifyAttributesAnswersOnlyChanged));
    let answered = b
        .cloud
        .elb
        .modify_target_group_attributes(
            tg.arn.clone(),
            [(aws_facade::elb::DEREGISTRATION_DELAY.to_string(), "30".to_string())].into(),
        )
        .await
        .unwrap();
    assert_eq!(answered.len(), 1, "AWS: every attribute: {answered:?}");
    let target = Target::instance(instance.id.clone());
    b.cloud
        .elb
        .register_targets(tg.arn.clone(), vec![target.clone()])
        .await
        .unwrap();
    let h = b.target_health(&tg.arn).await;
    assert_eq!(
        h[0].state,
        TargetHealthState::Healthy,
        "AWS: initial, with no listener unused: {h:?}"
    );
    b.cloud
        .elb
        .deregister_targets(tg.arn.clone(), vec![target])
        .await
        .unwrap();
    assert!(b.target_health(&tg.arn).await.is_empty(), "AWS: draining");
}

/// moto: a new alarm is OK.
#[tokio::test]
async fn moto_deviation_cw_alarms_start_ok() {
    use aws_facade::cloudwatch::{AlarmState, ComparisonOperator, PutMetricAlarmRequest, Statistic};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::CwAlarmsStartOk));
    let req = PutMetricAlarmRequest::builder()
        .alarm_name("dev-new".parse().unwrap())
        .namespace("Deviation")
        .metric_name("M")
        .statistic(Statistic::Maximum)
        .period_secs(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison(ComparisonOperator::GreaterThanThreshold)
        .build()
        .unwrap();
    b.cloud.cloudwatch.put_metric_alarm(req).await.unwrap();
    assert_eq!(
        b.alarms(&["dev-new"]).await[0].state,
        AlarmState::Ok,
        "AWS: INSUFFICIENT_DATA"
    );

    // Periods start at the first datum, not at the start time.
    use aws_facade::cloudwatch::{GetMetricStatisticsRequest, MetricDatum, PutMetricDataRequest};
    assert!(b.deviates(DeviationId::CwPeriodsStartAtFirstDatum));
    let now = b.now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let t0 = std::time::UNIX_EPOCH + Duration::from_secs((now / 60 - 10) * 60);
    let data = [5u64, 70]
        .iter()
        .map(|s| {
            MetricDatum::builder()
                .metric_name("M")
                .timestamp(t0 + Duration::from_secs(*s))
                .value(1.0)
                .build()
                .unwrap()
        })
        .collect();
    let put = PutMetricDataRequest::builder()
        .namespace("Deviation")
        .data(data)
        .build()
        .unwrap();
    b.cloud.cloudwatch.put_metric_data(put).await.unwrap();
    let stats = b
        .cloud
        .cloudwatch
        .get_metric_statistics(
            GetMetricStatisticsRequest::builder()
                .namespace("Deviation")
                .metric_name("M")
                .start(t0)
                .end(t0 + Duration::from_secs(180))
                .period_secs(60)
                .statistics(vec![Statistic::Sum])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let first = stats.iter().map(|d| d.timestamp).min().unwrap();
    assert_eq!(first, t0 + Duration::from_secs(5), "AWS: the period starting at {t0:?}");
}

/// moto: ListTagsForResource answers for any ARN: no tags for one it never saw, and a deleted
/// alarm's tags, which DeleteAlarms leaves behind for the next alarm of that name (AWS:
/// ResourceNotFoundException for both; a new alarm has only its own tags).
#[tokio::test]
async fn moto_deviation_cw_list_tags_of_unknown_alarm_succeeds() {
    use aws_facade::Tags;
    use aws_facade::cloudwatch::{ComparisonOperator, PutMetricAlarmRequest, Statistic};
    use aws_facade::id::Arn;
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::CwListTagsOfUnknownAlarmSucceeds));
    let never: Arn = format!(
        "arn:aws:cloudwatch:{}:{}:alarm:dev-never",
        moto::REGION,
        moto::ACCOUNT_ID
    )
    .parse()
    .unwrap();
    let tags = b.cloud.cloudwatch.list_tags_for_resource(never).await;
    assert_eq!(tags.expect("AWS: ResourceNotFoundException"), Tags::new());

    let put = |tags: Tags| {
        PutMetricAlarmRequest::builder()
            .alarm_name("dev-tagged".parse().unwrap())
            .namespace("Deviation")
            .metric_name("M")
            .statistic(Statistic::Maximum)
            .period_secs(60)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison(ComparisonOperator::GreaterThanThreshold)
            .tags(tags)
            .build()
            .unwrap()
    };
    let owned = b.tags("dev-tagged");
    b.cloud.cloudwatch.put_metric_alarm(put(owned.clone())).await.unwrap();
    let arn: Arn = b.alarms(&["dev-tagged"]).await[0].arn.parse().unwrap();
    assert_eq!(
        b.cloud.cloudwatch.list_tags_for_resource(arn.clone()).await.unwrap(),
        owned
    );
    b.cloud
        .cloudwatch
        .delete_alarms(vec!["dev-tagged".parse().unwrap()])
        .await
        .unwrap();
    assert!(b.alarms(&["dev-tagged"]).await.is_empty());
    let after = b.cloud.cloudwatch.list_tags_for_resource(arn.clone()).await;
    assert_eq!(after.expect("AWS: ResourceNotFoundException"), owned);
    b.cloud.cloudwatch.put_metric_alarm(put(Tags::new())).await.unwrap();
    assert_eq!(
        b.cloud.cloudwatch.list_tags_for_resource(arn).await.unwrap(),
        owned,
        "AWS: the new alarm has no tags"
    );
    b.cloud
        .cloudwatch
        .delete_alarms(vec!["dev-tagged".parse().unwrap()])
        .await
        .unwrap();
}

/// moto: a function is Active at once, an update Successful at once, and Invoke (Docker off)
/// answers the event itself.
#[tokio::test]
async fn moto_deviation_lambda_lifecycle_and_invoke() {
    use aws_facade::lambda::{FunctionState, LastUpdateStatus, UpdateFunctionCodeRequest};
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::LambdaInstantLifecycle));
    assert!(b.deviates(DeviationId::LambdaInvokeEchoesPayload));
    let (name, created) = b.create_function("dev-fn").await;
    assert_eq!(created.state, FunctionState::Active, "AWS: Pending");
    let updated = b
        .cloud
        .lambda
        .update_function_code(
            UpdateFunctionCodeRequest::builder()
                .name(name.clone())
                .zip(conformance::echo_function_zip(2))
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        updated.last_update_status,
        LastUpdateStatus::Successful,
        "AWS: InProgress"
    );
    let event = serde_json::json!({"ping": true});
    let out = b.invoke(&name, None, &event).await;
    assert_eq!(out.payload_json().unwrap(), event, "AWS: the function's answer");

    use aws_facade::lambda::{AddPermissionRequest, InvokeRequest};
    for id in [
        DeviationId::LambdaNoRevisionId,
        DeviationId::LambdaDuplicateStatementIdAccepted,
        DeviationId::LambdaInvokeUnknownFunctionSucceeds,
    ] {
        assert!(b.deviates(id), "{id:?}");
    }
    assert_eq!(updated.revision_id, None, "AWS: a revision id");
    let add = AddPermissionRequest::builder()
        .function(name.clone())
        .statement_id("twice")
        .principal("events.amazonaws.com")
        .build()
        .unwrap();
    b.cloud.lambda.add_permission(add.clone()).await.unwrap();
    b.cloud
        .lambda
        .add_permission(add)
        .await
        .expect("AWS: ResourceConflictException");
    let unknown = InvokeRequest::builder()
        .function("dev-no-such-fn".parse().unwrap())
        .payload(&b"{}"[..])
        .build()
        .unwrap();
    let out = b
        .cloud
        .lambda
        .invoke(unknown)
        .await
        .expect("AWS: ResourceNotFoundException");
    assert_eq!((out.status_code, &out.payload[..]), (200, &b"{}"[..]));
    let versions = b.cloud.lambda.list_versions("dev-no-such-fn".parse().unwrap()).await;
    assert!(versions.unwrap().is_empty(), "AWS: ResourceNotFoundException");
}

/// moto's EBS direct: BlockSize 512, checksums not verified, no lineage, 500 for unknown
/// snapshots, and deleted snapshots still readable.
#[tokio::test]
async fn moto_deviation_ebs_direct() {
    use aws_facade::ebs::{
        BLOCK_SIZE, ListSnapshotBlocksRequest, PutSnapshotBlockRequest, all_changed_blocks, all_snapshot_blocks,
        block_checksum,
    };
    let Some(b) = Backend::moto().await else { return };
    for id in [
        DeviationId::EbsBlockSizeReported512,
        DeviationId::EbsChecksumsNotVerified,
        DeviationId::EbsNoLineage,
        DeviationId::EbsUnknownSnapshotIsAServerError,
        DeviationId::EbsDeletedSnapshotStillReadable,
        DeviationId::EbsBlockTokensAreUuids,
    ] {
        assert!(b.deviates(id), "{id:?}");
    }
    let parent = b.start_direct_snapshot(None, "dev-parent").await;
    assert_eq!(parent.block_size, 512, "AWS: 524288");
    let data = vec![7u8; BLOCK_SIZE];
    let mut bad = PutSnapshotBlockRequest::with_checksum(parent.snapshot_id.clone(), 0, data.clone()).unwrap();
    bad.checksum = block_checksum(b"other data");
    b.cloud
        .ebs
        .put_snapshot_block(bad)
        .await
        .expect("AWS: ValidationException for a wrong checksum");
    let parent_digests = b.put_blocks(&parent.snapshot_id, &[(1, data.clone())]).await;
    b.complete_direct_snapshot(&parent.snapshot_id, &parent_digests).await;
    let child = b.start_direct_snapshot(Some(&parent.snapshot_id), "dev-child").await;
    let child_digests = b.put_blocks(&child.snapshot_id, &[(2, data.clone())]).await;
    b.complete_direct_snapshot(&child.snapshot_id, &child_digests).await;
    let child_blocks = all_snapshot_blocks(&*b.cloud.ebs, &child.snapshot_id).await.unwrap();
    let token = &child_blocks[0].token;
    assert_eq!(
        (token.len(), token.matches('-').count()),
        (36, 4),
        "moto's token is a UUID (AWS's are base64): {token}"
    );
    assert_eq!(
        child_blocks.iter().map(|x| x.index).collect::<Vec<_>>(),
        vec![2],
        "AWS: 0, 1 (the parent's) and 2"
    );
    let changed = all_changed_blocks(&*b.cloud.ebs, Some(&parent.snapshot_id), &child.snapshot_id)
        .await
        .unwrap();
    assert_eq!(
        changed.iter().map(|c| c.index).collect::<Vec<_>>(),
        vec![0, 1],
        "AWS: only block 2 (the parent's blocks are the child's too)"
    );
    let e = b
        .cloud
        .ebs
        .list_snapshot_blocks(
            ListSnapshotBlocksRequest::builder()
                .snapshot_id("snap-0123456789abcdef0".parse().unwrap())
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), aws_facade::ErrorKind::UnrecognizedResponse, "{e:?}");
    assert_eq!(
        match &e {
            aws_facade::Error::UnrecognizedResponse { status, .. } => *status,
            _ => None,
        },
        Some(500),
        "AWS: ResourceNotFoundException: {e:?}"
    );
    b.cloud.ec2.delete_snapshot(parent.snapshot_id.clone()).await.unwrap();
    let still = all_snapshot_blocks(&*b.cloud.ebs, &parent.snapshot_id).await.unwrap();
    assert_eq!(still.len(), 2, "AWS: ResourceNotFoundException after DeleteSnapshot");
}

/// moto: a version number is "published versions + 1", so a deleted number comes back (AWS
/// never reuses one). The simulator follows AWS (src/sim/lambda.rs).
#[tokio::test]
async fn moto_deviation_lambda_version_numbers_reused() {
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::LambdaVersionNumbersReused));
    let (name, _) = b.create_function("dev-versions").await;
    let mut published = Vec::new();
    for revision in 1..=3 {
        b.update_code(&name, revision).await;
        published.push(b.publish(&name).await);
    }
    assert_eq!(published, ["1", "2", "3"]);
    b.cloud
        .lambda
        .delete_function(name.clone(), Some("1".into()))
        .await
        .unwrap();
    b.update_code(&name, 4).await;
    assert_eq!(b.publish(&name).await, "3", "AWS: 4");
    let versions: Vec<String> = b
        .cloud
        .lambda
        .list_versions(name.clone())
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(versions, ["$LATEST", "2", "3", "3"], "two versions numbered 3");
}

#[tokio::test]
async fn moto_deviation_lambda_reserved_concurrency_not_enforced() {
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::LambdaReservedConcurrencyNotEnforced));
    let (name, _) = b.create_function("dev-reserved").await;
    b.cloud.lambda.put_function_concurrency(name.clone(), 0).await.unwrap();
    assert_eq!(
        b.cloud.lambda.get_function_concurrency(name.clone()).await.unwrap(),
        Some(0)
    );
    let event = serde_json::json!({"ping": 1});
    let out = b.invoke(&name, None, &event).await;
    assert_eq!(out.status_code, 200, "AWS: TooManyRequestsException");
}

/// moto's Auto Scaling checks little: a second group of the same name, a desired capacity
/// above max, a delete of a group with instances without ForceDelete all succeed; no
/// activities are listed; SetDesiredCapacity on an unknown group is a 500.
#[cfg(feature = "autoscaling")]
#[tokio::test]
async fn moto_deviation_asg_loose_checks() {
    use aws_facade::autoscaling::CreateAutoScalingGroupRequest;
    let Some(b) = Backend::moto().await else { return };
    for id in [
        DeviationId::AsgDuplicateNameAccepted,
        DeviationId::AsgDesiredNotCheckedAgainstBounds,
        DeviationId::AsgNoScalingActivities,
        DeviationId::AsgDeleteWithInstancesWithoutForce,
        DeviationId::AsgSetDesiredOnUnknownGroupFails,
    ] {
        assert!(b.deviates(id));
    }
    let lt = b.asg_template("dev-asg").await;
    let subnet = b.subnets().await.remove(0);
    let req = CreateAutoScalingGroupRequest::builder()
        .name("dev-asg".parse().unwrap())
        .launch_template(lt.clone())
        .min_size(1)
        .max_size(2)
        .subnets(vec![subnet.id])
        .build()
        .unwrap();
    let name = req.name.clone();
    b.cloud
        .autoscaling
        .create_auto_scaling_group(req.clone())
        .await
        .unwrap();
    b.cloud
        .autoscaling
        .create_auto_scaling_group(req)
        .await
        .expect("AWS: AlreadyExists");
    b.cloud
        .autoscaling
        .set_desired_capacity(name.clone(), 3, false)
        .await
        .expect("AWS: ValidationError (above max 2)");
    let acts = b
        .cloud
        .autoscaling
        .describe_scaling_activities(name.clone())
        .await
        .unwrap();
    assert!(acts.is_empty(), "AWS: a launch activity per instance: {acts:?}");
    b.cloud
        .autoscaling
        .delete_auto_scaling_group(name.clone(), false)
        .await
        .expect("AWS: ResourceInUse (the group has instances)");
    assert!(
        b.cloud
            .autoscaling
            .describe_auto_scaling_groups(vec![name])
            .await
            .unwrap()
            .is_empty()
    );
    let e = b
        .cloud
        .autoscaling
        .set_desired_capacity("dev-no-such-group".parse().unwrap(), 1, false)
        .await
        .unwrap_err();
    assert!(
        matches!(e, aws_facade::Error::UnrecognizedResponse { status: Some(500), .. }),
        "AWS: ValidationError: {e:?}"
    );
    assert!(!e.is_not_found());
}

/// moto: PutScalingPolicy answers no PolicyARN (nor, for target tracking, its alarms); the
/// adapter refuses the answer as unreadable, and the policy was stored.
#[cfg(feature = "autoscaling")]
#[tokio::test]
async fn moto_deviation_asg_put_scaling_policy_answers_no_arn() {
    use aws_facade::autoscaling::{
        CreateAutoScalingGroupRequest, PredefinedMetric, PutScalingPolicyRequest, TargetTracking,
    };
    let Some(b) = Backend::moto().await else { return };
    assert!(b.deviates(DeviationId::AsgPutScalingPolicyAnswersNoArn));
    let lt = b.asg_template("dev-asg-pol").await;
    let name: aws_facade::id::AutoScalingGroupName = "dev-asg-pol".parse().unwrap();
    b.cloud
        .autoscaling
        .create_auto_scaling_group(
            CreateAutoScalingGroupRequest::builder()
                .name(name.clone())
                .launch_template(lt)
                .min_size(0)
                .max_size(1)
                .subnets(vec![b.subnets().await.remove(0).id])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let e = b
        .cloud
        .autoscaling
        .put_scaling_policy(
            PutScalingPolicyRequest::builder()
                .group(name.clone())
                .name("cpu50")
                .config(TargetTracking::new(PredefinedMetric::AsgAverageCpuUtilization, 50.0).into())
                .build()
                .unwrap(),
        )
        .await
        .expect_err("AWS: PolicyARN and two alarms");
    assert!(!e.is_not_found(), "{e:?}");
    let policies = b.cloud.autoscaling.describe_policies(name).await.unwrap();
    assert_eq!(policies.len(), 1, "stored all the same");
}
