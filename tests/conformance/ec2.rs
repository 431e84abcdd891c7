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

    b.terminate(std::slice::from_ref(&inst.id)).await;
    let kept = b.wait_volume(&extra.id, VolumeState::Available).await;
    assert_eq!(kept.size_gib, 20, "the volume without delete_on_termination survives");
    b.cloud
        .ec2
        .delete_volume(extra.id.clone())
        .await
        .expect("delete the kept volume");
}

/// Launch templates: created with version 1 (its root volume encrypted, as RunInstances'),
/// a duplicate name refused, version 2 added, both described, an instance launched from
/// `$Latest` with the template's type and tags, version 2 made the default, version 1 deleted,
/// the template deleted and then unknown.
pub async fn ec2_launch_templates_versions_and_launch(b: &Backend) {
    use aws_facade::ec2::{
        CreateLaunchTemplateRequest, CreateLaunchTemplateVersionRequest, DescribeLaunchTemplatesRequest,
        LaunchTemplateData, LaunchTemplateRef, LaunchTemplateSpec, TemplateVersion,
    };
    let image = b.image().await;
    let tags = b.tags("launch-template");
    let data = |t: &str| {
        LaunchTemplateData::builder()
            .image_id(image.id.clone())
            .instance_type(t.parse().expect("type"))
            .tags(tags.clone())
            .build()
            .expect("valid")
    };
    let made = b
        .cloud
        .ec2
        .create_launch_template(
            CreateLaunchTemplateRequest::builder()
                .name("conf-web")
                .version_description("first")
                .data(data("t3.micro"))
                .tags(tags.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("create launch template");
    assert_eq!((made.default_version, made.latest_version), (1, 1));
    let e = expect_err(
        b.cloud
            .ec2
            .create_launch_template(
                CreateLaunchTemplateRequest::builder()
                    .name("conf-web")
                    .data(data("t3.micro"))
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::Conflict,
        "a template name in use",
    );
    assert_eq!(
        e.code(),
        Some("InvalidLaunchTemplateName.AlreadyExistsException"),
        "{e:?}"
    );
    let by_name = LaunchTemplateRef::Name("conf-web".into());
    let v2 = b
        .cloud
        .ec2
        .create_launch_template_version(
            CreateLaunchTemplateVersionRequest::builder()
                .template(by_name.clone())
                .version_description("bigger")
                .data(data("t3.small"))
                .build()
                .expect("valid"),
        )
        .await
        .expect("create version");
    assert_eq!((v2.version, v2.is_default), (2, false));
    let versions = b
        .cloud
        .ec2
        .describe_launch_template_versions(LaunchTemplateRef::Id(made.id.clone()), Vec::new())
        .await
        .expect("describe versions");
    let mut numbers: Vec<(u64, bool)> = versions.iter().map(|v| (v.version, v.is_default)).collect();
    numbers.sort();
    assert_eq!(numbers, [(1, true), (2, false)]);
    let v1 = versions.iter().find(|v| v.version == 1).expect("version 1");
    assert_eq!(v1.data.instance_type.as_ref().map(|t| t.as_str()), Some("t3.micro"));
    assert!(v1.data.require_imdsv2, "IMDSv2 by default: {v1:?}");
    let root = v1
        .data
        .volumes
        .iter()
        .find(|v| Some(&v.device_name) == image.root_device_name.as_ref())
        .unwrap_or_else(|| panic!("the encrypted root mapping: {:?}", v1.data.volumes));
    assert!(root.encrypted && root.delete_on_termination, "{root:?}");

    let subnets = b.subnets().await;
    let launched = b
        .cloud
        .ec2
        .run_instances(
            RunInstancesRequest::builder()
                .launch_template(
                    LaunchTemplateSpec::builder()
                        .template(by_name.clone())
                        .version(TemplateVersion::Latest)
                        .build(),
                )
                .subnet_id(subnets[0].id.clone())
                .build()
                .expect("valid: the template names the image and type"),
        )
        .await
        .expect("launch from the template");
    let inst = &launched[0];
    assert_eq!(inst.instance_type.as_str(), "t3.small", "version 2's type");
    assert_eq!(inst.image_id, image.id);
    for (k, v) in &tags {
        assert_eq!(inst.tags.get(k), Some(v), "the template's tags: {:?}", inst.tags);
    }
    assert_eq!(
        inst.tags.get("aws:ec2launchtemplate:id").map(String::as_str),
        Some(made.id.as_str()),
        "AWS marks the template: {:?}",
        inst.tags
    );
    let running = b.wait_instance(&inst.id, InstanceState::Running).await;
    let root_id = running.root_volume_id().cloned().expect("a root volume");
    let root_vol = b.wait_volume(&root_id, VolumeState::InUse).await;
    assert!(
        root_vol.encrypted,
        "the template's encrypted root mapping applied: {root_vol:?}"
    );
    b.terminate(std::slice::from_ref(&inst.id)).await;

    let t = b
        .cloud
        .ec2
        .set_default_launch_template_version(by_name.clone(), 2)
        .await
        .expect("set default version");
    assert_eq!(t.default_version, 2);
    if b.deviates(DeviationId::Ec2NoDeleteLaunchTemplateVersions) {
        // moto does not implement DeleteLaunchTemplateVersions.
    } else {
        b.cloud
            .ec2
            .delete_launch_template_versions(by_name.clone(), vec![TemplateVersion::Number(1)])
            .await
            .expect("delete version 1");
        let left = b
            .cloud
            .ec2
            .describe_launch_template_versions(by_name.clone(), Vec::new())
            .await
            .expect("describe versions");
        assert_eq!(left.iter().map(|v| v.version).collect::<Vec<_>>(), [2]);
        let e = b
            .cloud
            .ec2
            .delete_launch_template_versions(by_name.clone(), vec![TemplateVersion::Number(2)])
            .await
            .expect_err("the default version stays");
        assert!(e.to_string().contains("version 2"), "{e}");
    }
    b.cloud
        .ec2
        .delete_launch_template(LaunchTemplateRef::Id(made.id.clone()))
        .await
        .expect("delete template");
    let e = expect_err(
        b.cloud
            .ec2
            .describe_launch_templates(
                DescribeLaunchTemplatesRequest::builder()
                    .names(vec!["conf-web".into()])
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::NotFound,
        "a deleted template",
    );
    assert_eq!(e.code(), Some("InvalidLaunchTemplateName.NotFoundException"), "{e:?}");
}
