//! The SDK adapters' cost over the raw SDK call: each pair sends the same request through the
//! same in-process HTTP client, which answers a canned AWS response (no socket, retries off),
//! so the difference is what the adapter adds (validation, conversion into the crate's types,
//! the paginator) on top of the SDK's own serialising, signing and parsing.
//!
//! `cargo bench --bench adapter --config 'profile.bench.package."aws-sdk-*".opt-level=3'`: the
//! SDK crates are built unoptimised in the bench profile (Cargo.toml) to keep the other benches
//! quick to build; measured unoptimised, the SDK's share would be inflated and the adapter's
//! look smaller than it is. README's performance table has the figures.

use std::time::Duration;

use aws_facade::cloudwatch::{CloudWatch, MetricDatum, PutMetricDataRequest, Unit};
use aws_facade::ebs::{Ebs, ListSnapshotBlocksRequest};
use aws_facade::ec2::{DescribeInstancesRequest, Ec2};
use aws_facade::id::{InstanceId, SnapshotId};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use criterion::{Criterion, criterion_group, criterion_main};

/// Answers every request with one canned response.
#[derive(Debug, Clone)]
struct Canned {
    body: bytes::Bytes,
    headers: &'static [(&'static str, &'static str)],
}

impl HttpConnector for Canned {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        let mut resp = HttpResponse::new(200u16.try_into().unwrap(), SdkBody::from(self.body.clone()));
        for (k, v) in self.headers {
            resp.headers_mut().insert(*k, *v);
        }
        HttpConnectorFuture::ready(Ok(resp))
    }
}

impl HttpClient for Canned {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fn credentials() -> aws_sdk_ec2::config::Credentials {
    aws_sdk_ec2::config::Credentials::new("AKIDBENCH", "secret", None, None, "bench")
}

/// DescribeInstances' answer for `n` running instances, as EC2 writes it.
fn describe_instances_xml(ids: &[InstanceId]) -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>8f7724cf-496f-496e-8fe3-example</requestId><reservationSet><item><reservationId>r-1234567890abcdef0</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>"#,
    );
    for (i, id) in ids.iter().enumerate() {
        x.push_str(&format!(
            r#"<item><instanceId>{id}</instanceId><imageId>ami-0abcdef1234567890</imageId><instanceState><code>16</code><name>running</name></instanceState><privateDnsName>ip-10-0-0-{i}.ec2.internal</privateDnsName><dnsName/><reason/><amiLaunchIndex>{i}</amiLaunchIndex><productCodes/><instanceType>t3.micro</instanceType><launchTime>2026-11-30T10:00:00.000Z</launchTime><placement><availabilityZone>us-east-1a</availabilityZone><groupName/><tenancy>default</tenancy></placement><monitoring><state>disabled</state></monitoring><subnetId>subnet-0123456789abcdef0</subnetId><vpcId>vpc-0123456789abcdef0</vpcId><privateIpAddress>10.0.0.{i}</privateIpAddress><groupSet><item><groupId>sg-0123456789abcdef0</groupId><groupName>web</groupName></item></groupSet><architecture>x86_64</architecture><rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName><blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-0123456789abcdef{i}</volumeId><status>attached</status><attachTime>2026-11-30T10:00:01.000Z</attachTime><deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping><virtualizationType>hvm</virtualizationType><tagSet><item><key>Name</key><value>web-{i}</value></item><item><key>aws-facade:workflow</key><value>web-tier</value></item></tagSet><hypervisor>xen</hypervisor><metadataOptions><state>applied</state><httpTokens>required</httpTokens><httpPutResponseHopLimit>1</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint></metadataOptions></item>"#
        ));
    }
    x.push_str("</instancesSet></item></reservationSet></DescribeInstancesResponse>");
    x
}

/// ListSnapshotBlocks' answer for `n` blocks.
fn list_blocks_json(n: u32) -> String {
    let blocks: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!({"BlockIndex": i, "BlockToken": format!("AAUBAfB6nnc7gDDOvWG7jPlZXS3uR1SlpC1kpkc0{i:08}")}))
        .collect();
    serde_json::json!({"Blocks": blocks, "BlockSize": 524288, "VolumeSize": 8, "ExpiryTime": 1.8e9}).to_string()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let retry = aws_smithy_types::retry::RetryConfig::disabled();

    // EC2: DescribeInstances of 10 instances by id.
    let ids: Vec<InstanceId> = (0..10)
        .map(|i| format!("i-0123456789abcde{i:02x}").parse().unwrap())
        .collect();
    let ec2_conf = aws_sdk_ec2::Config::builder()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .region(aws_sdk_ec2::config::Region::new("us-east-1"))
        .credentials_provider(credentials())
        .retry_config(retry.clone())
        .http_client(Canned {
            body: describe_instances_xml(&ids).into(),
            headers: &[("content-type", "text/xml;charset=UTF-8")],
        })
        .build();
    let raw_ec2 = aws_sdk_ec2::Client::from_conf(ec2_conf);
    let facade_ec2 = aws_facade::ec2::sdk::SdkEc2::from_client(raw_ec2.clone());
    let req = DescribeInstancesRequest::builder()
        .instance_ids(ids.clone())
        .build()
        .unwrap();
    let raw_ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    assert_eq!(
        rt.block_on(facade_ec2.describe_instances(req.clone())).unwrap().len(),
        10
    );
    let mut g = c.benchmark_group("ec2 DescribeInstances, 10 instances by id");
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("raw SDK", |b| {
        b.to_async(&rt).iter(|| async {
            let out = raw_ec2
                .describe_instances()
                .set_instance_ids(Some(raw_ids.clone()))
                .send()
                .await
                .unwrap();
            assert_eq!(out.reservations()[0].instances().len(), 10);
        })
    });
    g.bench_function("aws-facade adapter", |b| {
        b.to_async(&rt).iter(|| async {
            let out = facade_ec2.describe_instances(req.clone()).await.unwrap();
            assert_eq!(out.len(), 10);
        })
    });
    g.finish();

    // EBS: ListSnapshotBlocks, 100 blocks.
    let ebs_conf = aws_sdk_ebs::Config::builder()
        .behavior_version(aws_sdk_ebs::config::BehaviorVersion::latest())
        .region(aws_sdk_ebs::config::Region::new("us-east-1"))
        .credentials_provider(credentials())
        .retry_config(retry.clone())
        .http_client(Canned {
            body: list_blocks_json(100).into(),
            headers: &[("content-type", "application/json")],
        })
        .build();
    let raw_ebs = aws_sdk_ebs::Client::from_conf(ebs_conf);
    let facade_ebs = aws_facade::ebs::sdk::SdkEbs::from_client(raw_ebs.clone());
    let snap: SnapshotId = "snap-0123456789abcdef0".parse().unwrap();
    let list = ListSnapshotBlocksRequest {
        snapshot_id: snap.clone(),
        starting_block_index: None,
        max_results: None,
        next_token: None,
    };
    assert_eq!(
        rt.block_on(facade_ebs.list_snapshot_blocks(list.clone()))
            .unwrap()
            .blocks
            .len(),
        100
    );
    let mut g = c.benchmark_group("ebs ListSnapshotBlocks, 100 blocks");
    g.bench_function("raw SDK", |b| {
        b.to_async(&rt).iter(|| async {
            let out = raw_ebs
                .list_snapshot_blocks()
                .snapshot_id(snap.as_str())
                .send()
                .await
                .unwrap();
            assert_eq!(out.blocks().len(), 100);
        })
    });
    g.bench_function("aws-facade adapter", |b| {
        b.to_async(&rt).iter(|| async {
            let out = facade_ebs.list_snapshot_blocks(list.clone()).await.unwrap();
            assert_eq!(out.blocks.len(), 100);
        })
    });
    g.finish();

    // CloudWatch: PutMetricData of 20 datums (RPC v2 CBOR; the answer is an empty map).
    let cw_conf = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
        .credentials_provider(credentials())
        .retry_config(retry)
        .http_client(Canned {
            body: bytes::Bytes::from_static(&[0xa0]),
            headers: &[("content-type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")],
        })
        .build();
    let raw_cw = aws_sdk_cloudwatch::Client::from_conf(cw_conf);
    let facade_cw = aws_facade::cloudwatch::sdk::SdkCloudWatch::from_client(raw_cw.clone());
    let data: Vec<MetricDatum> = (0..20)
        .map(|i| {
            MetricDatum::builder()
                .metric_name("Latency")
                .dimensions(vec![aws_facade::cloudwatch::Dimension::new("Route", format!("/r{i}"))])
                .values(vec![1.0, 2.0, 3.0])
                .counts(vec![4.0, 5.0, 6.0])
                .unit(Unit::Milliseconds)
                .build()
                .unwrap()
        })
        .collect();
    let put = PutMetricDataRequest::builder()
        .namespace("Bench")
        .data(data)
        .build()
        .unwrap();
    let raw_data: Vec<aws_sdk_cloudwatch::types::MetricDatum> = put
        .data()
        .iter()
        .map(|d| {
            aws_sdk_cloudwatch::types::MetricDatum::builder()
                .metric_name(&d.metric_name)
                .set_dimensions(Some(
                    d.dimensions
                        .iter()
                        .map(|x| {
                            aws_sdk_cloudwatch::types::Dimension::builder()
                                .name(&x.name)
                                .value(&x.value)
                                .build()
                        })
                        .collect(),
                ))
                .set_values(Some(d.values.clone()))
                .set_counts(Some(d.counts.clone()))
                .unit(aws_sdk_cloudwatch::types::StandardUnit::Milliseconds)
                .build()
        })
        .collect();
    rt.block_on(facade_cw.put_metric_data(put.clone())).unwrap();
    let mut g = c.benchmark_group("cloudwatch PutMetricData, 20 datums");
    g.bench_function("raw SDK", |b| {
        b.to_async(&rt).iter(|| async {
            raw_cw
                .put_metric_data()
                .namespace("Bench")
                .set_metric_data(Some(raw_data.clone()))
                .send()
                .await
                .unwrap();
        })
    });
    g.bench_function("aws-facade adapter", |b| {
        b.to_async(&rt).iter(|| async {
            facade_cw.put_metric_data(put.clone()).await.unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
