//! The simulator on the wire (`sim::wire`), EC2: a raw `aws-sdk-ec2` client (and the SDK's
//! waiters) served by the simulator in process through EC2's query protocol. Paused tokio
//! time: the simulator's lifecycles (pending, running, ...) take their AWS-like durations at
//! no real cost, and the waiters' sleeps advance the clock.
#![cfg(all(feature = "wire", feature = "ec2"))]

use std::time::Duration;

use aws_facade::sim::SimCloud;
use aws_sdk_ec2::client::Waiters;
use aws_sdk_ec2::types::{
    Filter, HttpTokensState, InstanceMetadataEndpointState, InstanceMetadataOptionsRequest, InstanceStateName,
    InstanceType, IpPermission, IpRange, KeyType, LaunchTemplateHttpTokensState,
    LaunchTemplateInstanceMetadataOptionsRequest, RequestLaunchTemplateData, ResourceType, Tag, TagSpecification,
    VolumeState, VolumeType,
};

const WAIT: Duration = Duration::from_secs(30 * 60);

/// A raw client of the simulator, retries off (a test sees each error once).
fn ec2_client(sim: &SimCloud) -> aws_sdk_ec2::Client {
    let conf = aws_sdk_ec2::config::Builder::from(&sim.sdk_config())
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

fn tags_of(kind: ResourceType, tags: &[(&str, &str)]) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
        .build()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The newest Amazon image (DescribeImages answers newest first).
async fn image(ec2: &aws_sdk_ec2::Client) -> String {
    let images = ec2.describe_images().owners("amazon").send().await.unwrap();
    assert!(!images.images().is_empty());
    images.images()[0].image_id().unwrap().to_string()
}

/// Runs `n` t3.micro instances and waits until they run; returns their ids.
async fn run(ec2: &aws_sdk_ec2::Client, n: i32, tags: &[(&str, &str)]) -> Vec<String> {
    let out = ec2
        .run_instances()
        .image_id(image(ec2).await)
        .instance_type(InstanceType::T3Micro)
        .min_count(n)
        .max_count(n)
        .tag_specifications(tags_of(ResourceType::Instance, tags))
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Required)
                .http_endpoint(InstanceMetadataEndpointState::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = out
        .instances()
        .iter()
        .map(|i| i.instance_id().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), n as usize);
    ec2.wait_until_instance_running()
        .set_instance_ids(Some(ids.clone()))
        .wait(WAIT)
        .await
        .unwrap();
    ids
}

#[tokio::test(start_paused = true)]
async fn instances_run_wait_describe_page_and_terminate() {
    let sim = SimCloud::new();
    let ec2 = ec2_client(&sim);
    let image = image(&ec2).await;
    let out = ec2
        .run_instances()
        .image_id(&image)
        .instance_type(InstanceType::T3Micro)
        .min_count(2)
        .max_count(2)
        .tag_specifications(tags_of(ResourceType::Instance, &[("team", "web"), ("tier", "front")]))
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Required)
                .http_endpoint(InstanceMetadataEndpointState::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(out.reservation_id().is_some_and(|r| r.starts_with("r-")));
    assert_eq!(out.owner_id(), Some(sim.config().account_id.as_str()));
    let launched = out.instances();
    assert_eq!(launched.len(), 2);
    for i in launched {
        assert_eq!(i.state().and_then(|s| s.name()), Some(&InstanceStateName::Pending));
        assert_eq!(i.state().and_then(|s| s.code()), Some(0));
        assert_eq!(i.image_id(), Some(image.as_str()));
        assert_eq!(i.instance_type(), Some(&InstanceType::T3Micro));
        assert!(i.launch_time().is_some() && i.placement().and_then(|p| p.availability_zone()).is_some());
    }
    let ids: Vec<String> = launched.iter().map(|i| i.instance_id().unwrap().to_string()).collect();

    // The SDK's waiter polls DescribeInstances (by id) on the simulator's clock.
    ec2.wait_until_instance_running()
        .set_instance_ids(Some(ids.clone()))
        .wait(WAIT)
        .await
        .unwrap();
    let by_id = ec2
        .describe_instances()
        .set_instance_ids(Some(ids.clone()))
        .send()
        .await
        .unwrap();
    let found: Vec<_> = by_id.reservations().iter().flat_map(|r| r.instances()).collect();
    assert_eq!(found.len(), 2);
    for i in &found {
        assert_eq!(i.state().and_then(|s| s.name()), Some(&InstanceStateName::Running));
        assert_eq!(i.state().and_then(|s| s.code()), Some(16));
        assert_eq!(
            i.metadata_options().and_then(|m| m.http_tokens()),
            Some(&HttpTokensState::Required)
        );
        assert!(
            i.tags()
                .iter()
                .any(|t| t.key() == Some("team") && t.value() == Some("web"))
        );
        assert!(i.private_ip_address().is_some() && i.vpc_id().is_some() && i.subnet_id().is_some());
        assert!(!i.security_groups().is_empty(), "the default group: {i:?}");
        assert!(i.security_groups()[0].group_name().is_some());
        let root = i.root_device_name().unwrap();
        assert!(
            i.block_device_mappings()
                .iter()
                .any(|m| m.device_name() == Some(root) && m.ebs().and_then(|e| e.volume_id()).is_some()),
            "the root volume: {i:?}"
        );
    }

    // By tag filter, exact and with a wildcard; and by state.
    for value in ["web", "w*", "?eb"] {
        let by_tag = ec2
            .describe_instances()
            .filters(filter("tag:team", value))
            .send()
            .await
            .unwrap();
        let n: usize = by_tag.reservations().iter().map(|r| r.instances().len()).sum();
        assert_eq!(n, 2, "tag:team={value}");
    }
    let none = ec2
        .describe_instances()
        .filters(filter("tag:team", "db"))
        .filters(filter("instance-state-name", "running"))
        .send()
        .await
        .unwrap();
    assert!(none.reservations().is_empty());
    let e = ec2
        .describe_instances()
        .filters(filter("no-such-filter", "x"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidParameterValue"), "{e:?}");

    // Paging with MaxResults and NextToken, by hand and through the SDK's paginator.
    let first = ec2.describe_instances().max_results(1).send().await.unwrap();
    assert_eq!(first.reservations().len(), 1);
    let token = first.next_token().expect("a second page").to_string();
    let second = ec2
        .describe_instances()
        .max_results(1)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.reservations().len(), 1);
    assert!(second.next_token().is_none());
    let pages: Vec<_> = ec2
        .describe_instances()
        .max_results(1)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    let e = ec2
        .describe_instances()
        .next_token("not-a-token")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidParameterValue"), "{e:?}");

    // Status checks and instance types.
    let statuses = ec2
        .describe_instance_status()
        .set_instance_ids(Some(ids.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(statuses.instance_statuses().len(), 2);
    assert!(
        statuses
            .instance_statuses()
            .iter()
            .all(|s| s.instance_status().is_some())
    );
    let types = ec2
        .describe_instance_types()
        .instance_types(InstanceType::T3Micro)
        .send()
        .await
        .unwrap();
    let t = &types.instance_types()[0];
    assert_eq!(t.v_cpu_info().and_then(|v| v.default_v_cpus()), Some(2));
    assert_eq!(t.memory_info().and_then(|m| m.size_in_mib()), Some(1024));
    assert!(t.burstable_performance_supported().unwrap_or(false));

    // Stop, start and reboot one.
    let stopped = ec2.stop_instances().instance_ids(&ids[0]).send().await.unwrap();
    assert_eq!(
        stopped.stopping_instances()[0].current_state().and_then(|s| s.name()),
        Some(&InstanceStateName::Stopping)
    );
    ec2.wait_until_instance_stopped()
        .instance_ids(&ids[0])
        .wait(WAIT)
        .await
        .unwrap();
    ec2.start_instances().instance_ids(&ids[0]).send().await.unwrap();
    ec2.wait_until_instance_running()
        .instance_ids(&ids[0])
        .wait(WAIT)
        .await
        .unwrap();
    ec2.reboot_instances().instance_ids(&ids[0]).send().await.unwrap();

    // An unknown instance is EC2's NotFound code; DryRun answers without acting.
    let e = ec2
        .describe_instances()
        .instance_ids("i-0123456789abcdef0")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidInstanceID.NotFound"), "{e:?}");
    let e = ec2
        .describe_instances()
        .instance_ids("x-1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidInstanceID.Malformed"), "{e:?}");
    let e = ec2
        .terminate_instances()
        .set_instance_ids(Some(ids.clone()))
        .dry_run(true)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("DryRunOperation"), "{e:?}");

    let gone = ec2
        .terminate_instances()
        .set_instance_ids(Some(ids.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.terminating_instances().len(), 2);
    assert!(gone.terminating_instances().iter().all(|c| {
        c.previous_state().and_then(|s| s.name()) == Some(&InstanceStateName::Running)
            && c.current_state().and_then(|s| s.name()) == Some(&InstanceStateName::ShuttingDown)
    }));
    ec2.wait_until_instance_terminated()
        .set_instance_ids(Some(ids.clone()))
        .wait(WAIT)
        .await
        .unwrap();
    assert!(sim.inventory().is_empty(), "{}", sim.inventory());
}

#[tokio::test(start_paused = true)]
async fn the_network_and_security_groups() {
    let sim = SimCloud::new();
    let ec2 = ec2_client(&sim);
    let vpcs = ec2
        .describe_vpcs()
        .filters(filter("is-default", "true"))
        .send()
        .await
        .unwrap();
    let vpc = &vpcs.vpcs()[0];
    assert_eq!(vpc.is_default(), Some(true));
    let vpc_id = vpc.vpc_id().unwrap().to_string();
    let subnets = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &vpc_id))
        .send()
        .await
        .unwrap();
    assert!(subnets.subnets().len() >= 2, "{subnets:?}");
    let zone = subnets.subnets()[0].availability_zone().unwrap().to_string();
    let in_zone = ec2
        .describe_subnets()
        .filters(filter("availability-zone", &zone))
        .send()
        .await
        .unwrap();
    assert!(
        in_zone
            .subnets()
            .iter()
            .all(|s| s.availability_zone() == Some(zone.as_str()))
    );

    let made = ec2
        .create_security_group()
        .group_name("web")
        .description("web tier")
        .vpc_id(&vpc_id)
        .tag_specifications(tags_of(ResourceType::SecurityGroup, &[("team", "web")]))
        .send()
        .await
        .unwrap();
    let sg = made.group_id().unwrap().to_string();
    let e = ec2
        .create_security_group()
        .group_name("web")
        .description("again")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidGroup.Duplicate"), "{e:?}");

    // Two ranges in one permission (HTTPS from anywhere, and SSH from a private range: EC2 has
    // no guard of its own, that is the crate's).
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").description("https").build())
                .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
                .build(),
        )
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let described = ec2.describe_security_groups().group_ids(&sg).send().await.unwrap();
    let g = &described.security_groups()[0];
    assert_eq!((g.group_name(), g.description()), (Some("web"), Some("web tier")));
    assert_eq!(g.vpc_id(), Some(vpc_id.as_str()));
    let https = g
        .ip_permissions()
        .iter()
        .find(|p| p.from_port() == Some(443))
        .expect("the https permission");
    assert_eq!(https.ip_ranges().len(), 2, "{g:?}");
    assert!(https.ip_ranges().iter().any(|r| r.description() == Some("https")));
    let by_name = ec2
        .describe_security_groups()
        .filters(filter("group-name", "we*"))
        .filters(filter("tag:team", "web"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.security_groups().len(), 1);

    let revoked = ec2
        .revoke_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.r#return(), Some(true));
    assert!(revoked.unknown_ip_permissions().is_empty());
    let again = ec2
        .revoke_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.unknown_ip_permissions().len(),
        1,
        "a rule the group does not have"
    );

    ec2.delete_security_group().group_id(&sg).send().await.unwrap();
    let e = ec2
        .describe_security_groups()
        .group_ids(&sg)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidGroup.NotFound"), "{e:?}");
    assert!(sim.inventory().is_empty(), "{}", sim.inventory());
}

#[tokio::test(start_paused = true)]
async fn volumes_attach_detach_snapshot_modify_and_delete() {
    let sim = SimCloud::new();
    let ec2 = ec2_client(&sim);
    let ids = run(&ec2, 1, &[("team", "storage")]).await;
    let inst = ec2.describe_instances().instance_ids(&ids[0]).send().await.unwrap();
    let zone = inst.reservations()[0].instances()[0]
        .placement()
        .and_then(|p| p.availability_zone())
        .unwrap()
        .to_string();

    let vol = ec2
        .create_volume()
        .availability_zone(&zone)
        .size(10)
        .volume_type(VolumeType::Gp3)
        .encrypted(true)
        .tag_specifications(tags_of(ResourceType::Volume, &[("team", "storage")]))
        .send()
        .await
        .unwrap();
    let vol_id = vol.volume_id().unwrap().to_string();
    assert_eq!((vol.size(), vol.encrypted()), (Some(10), Some(true)));
    assert_eq!(vol.state(), Some(&VolumeState::Creating));
    ec2.wait_until_volume_available()
        .volume_ids(&vol_id)
        .wait(WAIT)
        .await
        .unwrap();
    let by_filter = ec2
        .describe_volumes()
        .filters(filter("tag:team", "storage"))
        .filters(filter("status", "available"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_filter.volumes().len(), 1, "the root volume is in use: {by_filter:?}");

    let att = ec2
        .attach_volume()
        .volume_id(&vol_id)
        .instance_id(&ids[0])
        .device("/dev/sdf")
        .send()
        .await
        .unwrap();
    assert_eq!(att.device(), Some("/dev/sdf"));
    ec2.wait_until_volume_in_use()
        .volume_ids(&vol_id)
        .wait(WAIT)
        .await
        .unwrap();
    let attached = ec2
        .describe_volumes()
        .filters(filter("attachment.instance-id", &ids[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(attached.volumes().len(), 2, "root and data volumes");
    let e = ec2
        .delete_volume()
        .volume_id(&vol_id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("VolumeInUse"), "{e:?}");
    ec2.detach_volume().volume_id(&vol_id).send().await.unwrap();
    ec2.wait_until_volume_available()
        .volume_ids(&vol_id)
        .wait(WAIT)
        .await
        .unwrap();

    let snap = ec2
        .create_snapshot()
        .volume_id(&vol_id)
        .description("nightly")
        .tag_specifications(tags_of(ResourceType::Snapshot, &[("team", "storage")]))
        .send()
        .await
        .unwrap();
    let snap_id = snap.snapshot_id().unwrap().to_string();
    assert_eq!(snap.volume_id(), Some(vol_id.as_str()));
    ec2.wait_until_snapshot_completed()
        .snapshot_ids(&snap_id)
        .wait(WAIT)
        .await
        .unwrap();
    let mine = ec2.describe_snapshots().owner_ids("self").send().await.unwrap();
    assert_eq!(mine.snapshots().len(), 1);
    assert_eq!(mine.snapshots()[0].description(), Some("nightly"));
    let theirs = ec2.describe_snapshots().owner_ids("amazon").send().await.unwrap();
    assert!(theirs.snapshots().is_empty());
    ec2.delete_snapshot().snapshot_id(&snap_id).send().await.unwrap();

    let m = ec2.modify_volume().volume_id(&vol_id).size(20).send().await.unwrap();
    let m = m.volume_modification().unwrap();
    assert_eq!((m.original_size(), m.target_size()), (Some(10), Some(20)));
    let mods = ec2
        .describe_volumes_modifications()
        .volume_ids(&vol_id)
        .send()
        .await
        .unwrap();
    assert_eq!(mods.volumes_modifications().len(), 1);
    let all_mods = ec2.describe_volumes_modifications().send().await.unwrap();
    assert_eq!(all_mods.volumes_modifications().len(), 1);

    ec2.delete_volume().volume_id(&vol_id).send().await.unwrap();
    let e = ec2
        .describe_volumes()
        .volume_ids(&vol_id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidVolume.NotFound"), "{e:?}");
    ec2.terminate_instances().instance_ids(&ids[0]).send().await.unwrap();
    ec2.wait_until_instance_terminated()
        .instance_ids(&ids[0])
        .wait(WAIT)
        .await
        .unwrap();
    assert!(sim.inventory().is_empty(), "{}", sim.inventory());
}

#[tokio::test(start_paused = true)]
async fn key_pairs_addresses_tags_and_launch_templates() {
    let sim = SimCloud::new();
    let ec2 = ec2_client(&sim);

    // Key pairs.
    let key = ec2
        .create_key_pair()
        .key_name("deploy")
        .key_type(KeyType::Ed25519)
        .send()
        .await
        .unwrap();
    assert!(key.key_material().is_some_and(|m| !m.is_empty()));
    let pairs = ec2.describe_key_pairs().key_names("deploy").send().await.unwrap();
    assert_eq!(pairs.key_pairs()[0].key_type(), Some(&KeyType::Ed25519));
    assert!(pairs.key_pairs()[0].create_time().is_some());
    let e = ec2
        .create_key_pair()
        .key_name("deploy")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidKeyPair.Duplicate"), "{e:?}");
    let imported = ec2
        .import_key_pair()
        .key_name("laptop")
        .public_key_material(aws_sdk_ec2::primitives::Blob::new(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@laptop",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.key_name(), Some("laptop"));
    ec2.delete_key_pair().key_name("deploy").send().await.unwrap();
    ec2.delete_key_pair()
        .key_pair_id(imported.key_pair_id().unwrap())
        .send()
        .await
        .unwrap();
    assert!(ec2.describe_key_pairs().send().await.unwrap().key_pairs().is_empty());

    // Elastic IPs, associated with a running instance, and tags on the instance.
    let ids = run(&ec2, 1, &[("team", "edge")]).await;
    let eip = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .tag_specifications(tags_of(ResourceType::ElasticIp, &[("team", "edge")]))
        .send()
        .await
        .unwrap();
    let alloc = eip.allocation_id().unwrap().to_string();
    let assoc = ec2
        .associate_address()
        .allocation_id(&alloc)
        .instance_id(&ids[0])
        .send()
        .await
        .unwrap();
    let assoc = assoc.association_id().unwrap().to_string();
    let described = ec2.describe_addresses().allocation_ids(&alloc).send().await.unwrap();
    let a = &described.addresses()[0];
    assert_eq!(
        (a.instance_id(), a.association_id()),
        (Some(ids[0].as_str()), Some(assoc.as_str()))
    );
    assert!(a.tags().iter().any(|t| t.key() == Some("team")));
    let inst = ec2.describe_instances().instance_ids(&ids[0]).send().await.unwrap();
    assert_eq!(
        inst.reservations()[0].instances()[0].public_ip_address(),
        eip.public_ip(),
        "the instance's public address is the Elastic IP"
    );
    let e = ec2
        .release_address()
        .allocation_id(&alloc)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidIPAddress.InUse"), "{e:?}");
    ec2.disassociate_address().association_id(&assoc).send().await.unwrap();
    ec2.release_address().allocation_id(&alloc).send().await.unwrap();

    ec2.create_tags()
        .resources(&ids[0])
        .tags(tag("owner", "ops"))
        .tags(tag("stage", "prod"))
        .send()
        .await
        .unwrap();
    ec2.delete_tags()
        .resources(&ids[0])
        .tags(Tag::builder().key("stage").build())
        .send()
        .await
        .unwrap();
    let inst = ec2
        .describe_instances()
        .filters(filter("tag:owner", "ops"))
        .send()
        .await
        .unwrap();
    let tags = inst.reservations()[0].instances()[0].tags();
    assert!(tags.iter().any(|t| t.key() == Some("owner")));
    assert!(!tags.iter().any(|t| t.key() == Some("stage")));
    ec2.terminate_instances().instance_ids(&ids[0]).send().await.unwrap();

    // Launch templates: create, version, default, describe, launch, delete.
    let image = image(&ec2).await;
    let data = |t: InstanceType| {
        RequestLaunchTemplateData::builder()
            .image_id(&image)
            .instance_type(t)
            .metadata_options(
                LaunchTemplateInstanceMetadataOptionsRequest::builder()
                    .http_tokens(LaunchTemplateHttpTokensState::Required)
                    .build(),
            )
            .build()
    };
    let lt = ec2
        .create_launch_template()
        .launch_template_name("web")
        .version_description("first")
        .launch_template_data(data(InstanceType::T3Micro))
        .send()
        .await
        .unwrap();
    let lt = lt.launch_template().unwrap();
    let lt_id = lt.launch_template_id().unwrap().to_string();
    assert_eq!(
        (lt.default_version_number(), lt.latest_version_number()),
        (Some(1), Some(1))
    );
    let v2 = ec2
        .create_launch_template_version()
        .launch_template_name("web")
        .launch_template_data(data(InstanceType::T3Small))
        .send()
        .await
        .unwrap();
    let v2 = v2.launch_template_version().unwrap();
    assert_eq!((v2.version_number(), v2.default_version()), (Some(2), Some(false)));
    let modified = ec2
        .modify_launch_template()
        .launch_template_id(&lt_id)
        .default_version("2")
        .send()
        .await
        .unwrap();
    assert_eq!(modified.launch_template().unwrap().default_version_number(), Some(2));
    let versions = ec2
        .describe_launch_template_versions()
        .launch_template_id(&lt_id)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.launch_template_versions().len(), 2);
    let latest = ec2
        .describe_launch_template_versions()
        .launch_template_name("web")
        .versions("$Latest")
        .send()
        .await
        .unwrap();
    let d = latest.launch_template_versions()[0].launch_template_data().unwrap();
    assert_eq!(d.instance_type(), Some(&InstanceType::T3Small));
    let templates = ec2
        .describe_launch_templates()
        .launch_template_names("web")
        .send()
        .await
        .unwrap();
    assert_eq!(templates.launch_templates().len(), 1);

    let launched = ec2
        .run_instances()
        .launch_template(
            aws_sdk_ec2::types::LaunchTemplateSpecification::builder()
                .launch_template_id(&lt_id)
                .build(),
        )
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap();
    let inst = &launched.instances()[0];
    assert_eq!(
        inst.instance_type(),
        Some(&InstanceType::T3Small),
        "the default version, 2"
    );
    ec2.terminate_instances()
        .instance_ids(inst.instance_id().unwrap())
        .send()
        .await
        .unwrap();

    let deleted = ec2
        .delete_launch_template_versions()
        .launch_template_id(&lt_id)
        .versions("1")
        .versions("2")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.successfully_deleted_launch_template_versions().len(), 1);
    let failed = deleted.unsuccessfully_deleted_launch_template_versions();
    assert_eq!(failed.len(), 1, "the default version stays");
    assert_eq!(failed[0].version_number(), Some(2));
    ec2.delete_launch_template()
        .launch_template_id(&lt_id)
        .send()
        .await
        .unwrap();
    let e = ec2
        .describe_launch_templates()
        .launch_template_names("web")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        e.meta().code(),
        Some("InvalidLaunchTemplateName.NotFoundException"),
        "{e:?}"
    );
    let all: Vec<String> = ec2
        .describe_instances()
        .send()
        .await
        .unwrap()
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .map(|i| i.instance_id().unwrap().to_string())
        .collect();
    ec2.wait_until_instance_terminated()
        .set_instance_ids(Some(all))
        .wait(WAIT)
        .await
        .unwrap();
    assert!(sim.inventory().is_empty(), "{}", sim.inventory());
}

#[tokio::test(start_paused = true)]
async fn an_unserved_action_and_bad_input_are_errors_not_panics() {
    let sim = SimCloud::new();
    let ec2 = ec2_client(&sim);
    // An action the simulator does not serve.
    let e = ec2.describe_regions().send().await.unwrap_err().into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidAction"), "{e:?}");
    // Requests the simulator refuses, with EC2's codes.
    let e = ec2
        .create_volume()
        .availability_zone("us-east-1a")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidParameterValue"), "no size: {e:?}");
    let e = ec2
        .run_instances()
        .image_id("ami-0123456789abcdef0")
        .min_count(3)
        .max_count(1)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidParameterValue"), "{e:?}");
}
