//! The simulator on the wire (`sim::wire`): raw `aws-sdk-ebs` clients and the crate's SDK
//! adapter served by the simulator in process, through the EBS direct APIs' REST-JSON protocol.
#![cfg(all(feature = "wire", feature = "ebs", feature = "ec2"))]

use std::sync::Arc;

use aws_facade::ebs::sdk::SdkEbs;
use aws_facade::ebs::{BLOCK_SIZE, block_checksum, linear_checksum};
use aws_facade::layer::Recording;
use aws_facade::sim::SimCloud;
use aws_facade::workflows::snapshot::{self, DownloadOptions, UploadOptions};
use sha2::Digest;

/// A raw client of the simulator, retries off (a test sees each error once).
fn ebs_client(sim: &SimCloud) -> aws_sdk_ebs::Client {
    let conf = aws_sdk_ebs::config::Builder::from(&sim.sdk_config())
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        .build();
    aws_sdk_ebs::Client::from_conf(conf)
}

fn block(seed: u8) -> Vec<u8> {
    (0..BLOCK_SIZE)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed) | 1)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_raw_sdk_client_writes_completes_lists_and_reads_a_snapshot() {
    use aws_sdk_ebs::primitives::ByteStream;
    use aws_sdk_ebs::types::{ChecksumAggregationMethod, ChecksumAlgorithm, Tag};
    let sim = SimCloud::new();
    let ebs = ebs_client(&sim);
    let started = ebs
        .start_snapshot()
        .volume_size(1)
        .description("raw SDK")
        .tags(Tag::builder().key("team").value("storage").build())
        .encrypted(true)
        .send()
        .await
        .unwrap();
    let id = started.snapshot_id().unwrap().to_string();
    assert_eq!((started.block_size(), started.volume_size()), (Some(524_288), Some(1)));
    assert_eq!(started.owner_id(), Some("123456789012"));
    assert!(started.start_time().is_some());

    let blocks = [(0, block(1)), (5, block(2))];
    let mut digests = Vec::new();
    for (index, data) in &blocks {
        let out = ebs
            .put_snapshot_block()
            .snapshot_id(&id)
            .block_index(*index)
            .data_length(BLOCK_SIZE as i32)
            .checksum(block_checksum(data))
            .checksum_algorithm(ChecksumAlgorithm::ChecksumAlgorithmSha256)
            .block_data(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(out.checksum(), Some(block_checksum(data).as_str()));
        digests.push(<[u8; 32]>::from(sha2::Sha256::digest(data)));
    }
    // A block whose checksum does not match is the service's ValidationException.
    let e = ebs
        .put_snapshot_block()
        .snapshot_id(&id)
        .block_index(7)
        .data_length(BLOCK_SIZE as i32)
        .checksum(block_checksum(&block(9)))
        .checksum_algorithm(ChecksumAlgorithm::ChecksumAlgorithmSha256)
        .block_data(ByteStream::from(block(3)))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_validation_exception(), "{e:?}");

    let done = ebs
        .complete_snapshot()
        .snapshot_id(&id)
        .changed_blocks_count(2)
        .checksum(linear_checksum(digests.iter()))
        .checksum_algorithm(ChecksumAlgorithm::ChecksumAlgorithmSha256)
        .checksum_aggregation_method(ChecksumAggregationMethod::ChecksumAggregationLinear)
        .send()
        .await
        .unwrap();
    assert!(done.status().is_some());
    tokio::time::sleep(std::time::Duration::from_secs(120)).await; // pending -> completed

    let listed = ebs.list_snapshot_blocks().snapshot_id(&id).send().await.unwrap();
    let indexes: Vec<i32> = listed.blocks().iter().filter_map(|b| b.block_index()).collect();
    assert_eq!(indexes, [0, 5]);
    assert_eq!(listed.volume_size(), Some(1));
    assert!(listed.expiry_time().is_some());
    for (b, (_, want)) in listed.blocks().iter().zip(&blocks) {
        let got = ebs
            .get_snapshot_block()
            .snapshot_id(&id)
            .block_index(b.block_index().unwrap())
            .block_token(b.block_token().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(got.checksum(), Some(block_checksum(want).as_str()));
        assert_eq!(got.data_length(), Some(BLOCK_SIZE as i32));
        let data = got.block_data.collect().await.unwrap().into_bytes();
        assert_eq!(
            &data[..],
            &want[..],
            "the token (base64, escaped in the query) round-trips"
        );
    }
    // A snapshot that does not exist is not found; an operation the simulator does not serve
    // (EC2 here, sent to the same client) is an error, not a panic.
    let e = ebs
        .list_snapshot_blocks()
        .snapshot_id("snap-0123456789abcdef0")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&sim.sdk_config())
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build(),
    );
    // An EC2 action the traits do not have is EC2's own unknown-action error.
    let e = ec2.describe_regions().send().await.unwrap_err();
    assert_eq!(e.into_service_error().meta().code(), Some("InvalidAction"));
}

/// The snapshot workflow through the crate's SDK adapter over the wire gives what it gives on
/// the simulator directly: a difference would be a codec bug.
#[tokio::test(start_paused = true)]
async fn the_snapshot_workflow_through_the_sdk_adapter_matches_the_direct_simulator() {
    let mut want = Vec::new();
    for i in 0..5u8 {
        if i == 2 {
            want.extend(vec![0u8; BLOCK_SIZE]);
        } else {
            want.extend(block(i));
        }
    }
    want.extend_from_slice(b"tail");
    let mut results = Vec::new();
    for wire in [false, true] {
        let sim = SimCloud::new();
        let journal = Recording::new();
        let mut cloud = sim.cloud();
        if wire {
            cloud = cloud.with_ebs(Arc::new(SdkEbs::from_client(ebs_client(&sim))));
        }
        let cloud = cloud.layer(journal.clone());
        let up = snapshot::upload_reader(&cloud, &want[..], want.len() as u64, &UploadOptions::default())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.img");
        let down = snapshot::download_file(&cloud, &up.snapshot_id, &out, &DownloadOptions::default())
            .await
            .unwrap();
        let got = std::fs::read(&out).unwrap();
        assert_eq!(&got[..want.len()], &want[..], "wire: {wire}");
        // An incremental upload on top (StartSnapshot with a parent, no Encrypted field).
        let mut changed = want.clone();
        changed[BLOCK_SIZE * 3] ^= 0xff;
        let child_opts = UploadOptions::builder()
            .parent_snapshot_id(up.snapshot_id.clone())
            .build()
            .unwrap();
        let child = snapshot::upload_reader(&cloud, &changed[..], changed.len() as u64, &child_opts)
            .await
            .unwrap();
        results.push((
            child.blocks_written,
            child.blocks_unchanged,
            child.checksum.clone(),
            child.status.clone(),
            0,
            0,
            0,
        ));
        results.push((
            up.blocks_written,
            up.blocks_zero,
            up.checksum.clone(),
            up.status.clone(),
            down.blocks_written,
            journal.count("PutSnapshotBlock"),
            journal.count("GetSnapshotBlock"),
        ));
    }
    assert_eq!(results[..2], results[2..], "direct vs through the wire");
    assert_eq!(
        (results[0].0, results[0].1),
        (1, 4),
        "the child writes only the changed block"
    );
    assert_eq!((results[1].0, results[1].1), (5, 1));
}

/// The wire serves through the simulator's layers when asked (`http_client_through`): a raw
/// SDK client meets a scripted fault (the SDK's own retry then recovers), and the journal
/// sees every attempt.
#[tokio::test(start_paused = true)]
async fn raw_clients_meet_the_layers_the_wire_serves_through() {
    use aws_facade::layer::Faults;
    let sim = SimCloud::new();
    let journal = Recording::new();
    let through = sim
        .cloud()
        .layer(Faults::new(7).script("DescribeVpcs", 1, "RequestLimitExceeded"))
        .layer(journal.clone());
    let base = aws_sdk_ec2::config::Builder::from(&sim.sdk_config()).http_client(sim.http_client_through(through));
    // Retries off: the fault is the answer.
    let once = aws_sdk_ec2::Client::from_conf(
        base.clone()
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build(),
    );
    let e = once.describe_vpcs().send().await.unwrap_err();
    assert_eq!(e.into_service_error().meta().code(), Some("RequestLimitExceeded"));
    // The fault was scripted for the first call only: the next one is answered.
    let vpcs = once.describe_vpcs().send().await.unwrap();
    assert_eq!(vpcs.vpcs().len(), 1, "the default VPC");
    assert_eq!(
        journal.count("DescribeVpcs"),
        2,
        "the journal (outside the faults) saw both"
    );

    // With the SDK's standard retries, a throttled first attempt is retried by the client.
    let sim = SimCloud::new();
    let through = sim
        .cloud()
        .layer(Faults::new(7).script("DescribeVpcs", 1, "RequestLimitExceeded"));
    let retrying = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&sim.sdk_config())
            .http_client(sim.http_client_through(through))
            .build(),
    );
    assert_eq!(retrying.describe_vpcs().send().await.unwrap().vpcs().len(), 1);
}
