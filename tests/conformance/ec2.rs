//! EC2 scenarios beyond the core lifecycle in mod.rs: Elastic IPs, instance status and types,
//! launch-time volumes and placement.

use aws_facade::ec2::{
    AllocateAddressRequest, AssociateAddressRequest, DescribeAddressesRequest, DescribeInstanceStatusRequest,
    DescribeInstanceTypesRequest, InstanceStatus, LaunchVolume, Placement, StopInstancesRequest, SummaryStatus,
    Tenancy,
};
use aws_facade::id::AllocationId;

use super::*;

impl Backend {
    /// The addresses with these allocation ids.
    async fn addresses(&self, ids: &[AllocationId]) -> Vec<aws_facade::ec2::Address> {
        let req = DescribeAddressesRequest::builder()
            .allocation_ids(ids.to_vec())
            .build()
            .expect("valid");
        self.cloud
            .ec2
            .describe_addresses(req)
            .await
            .expect("describe addresses")
    }

    /// The status of instance `id` (listing stopped instances too).
    async fn instance_status(&self, id: &InstanceId) -> Vec<InstanceStatus> {
        let req = DescribeInstanceStatusRequest::builder()
            .instance_ids(vec![id.clone()])
            .include_all_instances(true)
            .build()
            .expect("valid");
        self.cloud
            .ec2
            .describe_instance_status(req)
            .await
            .expect("describe instance status")
    }
}

/// Elastic IPs: allocated with tags, found by tag, associated with an instance (whose public
/// address becomes it), refused release while associated, disassociated, released; then
/// unknown.
pub async fn ec2_elastic_ip_allocate_associate_release(b: &Backend) {
    let tags = b.tags("elastic-ip");
    let eip = b
        .cloud
        .ec2
        .allocate_address(
            AllocateAddressRequest::builder()
                .tags(tags.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("allocate address");
    assert!(eip.public_ip.parse::<std::net::Ipv4Addr>().is_ok(), "{eip:?}");
    assert!(eip.association_id.is_none() && eip.instance_id.is_none());
    let by_tag = b
        .cloud
        .ec2
        .describe_addresses(
            DescribeAddressesRequest::builder()
                .tags(tags.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by tag");
    assert_eq!(
        by_tag.iter().map(|a| &a.allocation_id).collect::<Vec<_>>(),
        [&eip.allocation_id]
    );

    let subnets = b.subnets().await;
    let inst = b.launch(1, Some(&subnets[0]), tags.clone()).await.remove(0);
    b.wait_instance(&inst.id, InstanceState::Running).await;
    let association = b
        .cloud
        .ec2
        .associate_address(
            AssociateAddressRequest::builder()
                .allocation_id(eip.allocation_id.clone())
                .instance_id(inst.id.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("associate address");
    let [now] = &b.addresses(std::slice::from_ref(&eip.allocation_id)).await[..] else {
        panic!("one address")
    };
    assert_eq!(now.association_id.as_ref(), Some(&association));
    assert_eq!(now.instance_id.as_ref(), Some(&inst.id));
    let running = b.wait_instance(&inst.id, InstanceState::Running).await;
    assert_eq!(
        running.public_ip.as_deref(),
        Some(eip.public_ip.as_str()),
        "the instance's public address"
    );

    if b.deviates(DeviationId::Ec2ReleaseAssociatedAddress) {
        // moto releases an associated address (disassociating it); nothing more to check here.
    } else {
        let e = expect_err(
            b.cloud.ec2.release_address(eip.allocation_id.clone()).await,
            ErrorKind::Conflict,
            "releasing an associated address",
        );
        assert_eq!(e.code(), Some("InvalidIPAddress.InUse"), "{e:?}");
        b.cloud
            .ec2
            .disassociate_address(association.clone())
            .await
            .expect("disassociate address");
        let [after] = &b.addresses(std::slice::from_ref(&eip.allocation_id)).await[..] else {
            panic!("one address")
        };
        assert!(
            after.association_id.is_none() && after.instance_id.is_none(),
            "{after:?}"
        );
        let e = expect_err(
            b.cloud.ec2.disassociate_address(association).await,
            ErrorKind::NotFound,
            "an ended association",
        );
        assert_eq!(e.code(), Some("InvalidAssociationID.NotFound"), "{e:?}");
        b.cloud
            .ec2
            .release_address(eip.allocation_id.clone())
            .await
            .expect("release address");
    }
    if b.deviates(DeviationId::Ec2ReleaseAssociatedAddress) {
        b.cloud
            .ec2
            .release_address(eip.allocation_id.clone())
            .await
            .expect("release address");
    }
    let e = expect_err(
        b.cloud
            .ec2
            .describe_addresses(
                DescribeAddressesRequest::builder()
                    .allocation_ids(vec![eip.allocation_id.clone()])
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::NotFound,
        "a released address",
    );
    assert_eq!(e.code(), Some("InvalidAllocationID.NotFound"), "{e:?}");
    b.terminate(&[inst.id]).await;
}

/// DescribeInstanceStatus: a running instance's checks pass (after `initializing`); a stopped
/// one is listed only with `include_all_instances`. DescribeInstanceTypes: t3.micro's figures;
/// an unknown type is refused.
pub async fn ec2_instance_status_and_types(b: &Backend) {
    let types = b
        .cloud
        .ec2
        .describe_instance_types(
            DescribeInstanceTypesRequest::builder()
                .instance_types(vec!["t3.micro".parse().expect("type")])
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe instance types");
    let [t3] = &types[..] else {
        panic!("one type: {types:?}")
    };
    assert_eq!((t3.vcpus, t3.memory_mib), (2, 1024), "{t3:?}");
    assert!(t3.architectures.iter().any(|a| a == "x86_64"), "{t3:?}");
    let e = expect_err(
        b.cloud
            .ec2
            .describe_instance_types(
                DescribeInstanceTypesRequest::builder()
                    .instance_types(vec!["t3.nonesuch".parse().expect("type syntax")])
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::Validation,
        "an unknown instance type",
    );
    assert_eq!(e.code(), Some("InvalidInstanceType"), "{e:?}");

    let subnets = b.subnets().await;
    let inst = b
        .launch(1, Some(&subnets[0]), b.tags("instance-status"))
        .await
        .remove(0);
    b.wait_instance(&inst.id, InstanceState::Running).await;
    let ec2 = b.cloud.ec2.clone();
    let id = inst.id.clone();
    let healthy = b
        .waiter(format!("instance {} status checks", inst.id))
        .until(|| {
            let ec2 = ec2.clone();
            let req = DescribeInstanceStatusRequest::builder()
                .instance_ids(vec![id.clone()])
                .build()
                .expect("valid");
            async move {
                let found = ec2.describe_instance_status(req).await?;
                Ok(match found.into_iter().next() {
                    Some(s) if s.is_healthy() => Check::Done(s),
                    Some(s) => Check::Pending(format!("{} / {}", s.instance_status, s.system_status)),
                    None => Check::Pending("not listed".into()),
                })
            }
        })
        .await
        .expect("status checks pass");
    assert_eq!(healthy.availability_zone, subnets[0].availability_zone);

    b.cloud
        .ec2
        .stop_instances(StopInstancesRequest::new(vec![inst.id.clone()]))
        .await
        .expect("stop");
    b.wait_instance(&inst.id, InstanceState::Stopped).await;
    let only_running = b
        .cloud
        .ec2
        .describe_instance_status(
            DescribeInstanceStatusRequest::builder()
                .instance_ids(vec![inst.id.clone()])
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe status");
    assert!(
        only_running.is_empty(),
        "a stopped instance is not listed by default: {only_running:?}"
    );
    let all = b.instance_status(&inst.id).await;
    let [stopped] = &all[..] else {
        panic!("listed with include_all_instances: {all:?}")
    };
    assert_eq!(stopped.state, InstanceState::Stopped);
    assert_eq!(stopped.instance_status, SummaryStatus::NotApplicable, "{stopped:?}");
    assert!(!stopped.is_healthy(), "{stopped:?}");
    b.terminate(&[inst.id]).await;
}

/// RunInstances with an extra encrypted volume (kept after termination) and a placement in the
/// subnet's zone: the volume is attached from the launch, survives the instance, and is deleted
/// by the caller.
pub async fn ec2_run_instances_with_volumes_and_placement(b: &Backend) {
    let subnets = b.subnets().await;
    let image = b.image().await;
    let tags = b.tags("launch-volumes");
    let placement = Placement::builder()
        .availability_zone(subnets[0].availability_zone.clone())
        .tenancy(Tenancy::Default)
        .build();
    let req = RunInstancesRequest::builder()
        .image_id(image.id.clone())
        .instance_type("t3.micro".parse().expect("type"))
        .subnet_id(subnets[0].id.clone())
        .placement(placement)
        .volumes(vec![
            LaunchVolume::builder()
                .device_name("/dev/sdf")
                .size_gib(20)
                .throughput(250)
                .delete_on_termination(false)
                .build()
                .expect("valid"),
        ])
        .tags(tags.clone())
        .build()
        .expect("valid");
    let inst = b.cloud.ec2.run_instances(req).await.expect("run instances").remove(0);
    assert_eq!(inst.availability_zone, subnets[0].availability_zone);
    let running = b.wait_instance(&inst.id, InstanceState::Running).await;
    assert_eq!(running.tenancy, Tenancy::Default);
    let volumes = b
        .cloud
        .ec2
        .describe_volumes(
            DescribeVolumesRequest::builder()
                .attached_to(inst.id.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe volumes");
    let extra = volumes
        .iter()
        .find(|v| v.attachments.iter().any(|a| a.device == "/dev/sdf"))
        .unwrap_or_else(|| panic!("a volume at /dev/sdf: {volumes:?}"));
    assert_eq!(
        (extra.size_gib, extra.volume_type.clone()),
        (20, VolumeType::Gp3),
        "{extra:?}"
    );
    assert!(extra.encrypted, "launch volumes are encrypted by default: {extra:?}");
    if !b.deviates(DeviationId::Ec2LaunchVolumeSettingsIgnored) {
        assert_eq!(extra.throughput, Some(250), "{extra:?}");
    }
    assert_eq!(volumes.len(), 2, "the root volume and /dev/sdf: {volumes:?}");

    // A zone other than the subnet's is refused.
    let other_zone = ["us-east-1a", "us-east-1b", "us-east-1c"]
        .into_iter()
        .find(|z| *z != subnets[0].availability_zone.as_str())
        .expect("another zone");
    let wrong = RunInstancesRequest::builder()
        .image_id(image.id)
        .instance_type("t3.micro".parse().expect("type"))
        .subnet_id(subnets[0].id.clone())
        .placement(
            Placement::builder()
                .availability_zone(other_zone.parse().expect("zone"))
                .build(),
        )
        .tags(tags)
        .build()
        .expect("valid");
    match b.cloud.ec2.run_instances(wrong).await {
        Err(e) => assert_eq!(e.code(), Some("InvalidParameterValue"), "{e:?}"),
        Ok(launched) if b.deviates(DeviationId::Ec2PlacementZoneUnchecked) => {
            b.terminate(&launched.iter().map(|i| i.id.clone()).collect::<Vec<_>>())
                .await;
        }
        Ok(launched) => panic!("a placement zone other than the subnet's was accepted: {launched:?}"),
    }

    b.terminate(&[inst.id.clone()]).await;
    let kept = b.wait_volume(&extra.id, VolumeState::Available).await;
    assert_eq!(kept.size_gib, 20, "the volume without delete_on_termination survives");
    b.cloud
        .ec2
        .delete_volume(extra.id.clone())
        .await
        .expect("delete the kept volume");
}
