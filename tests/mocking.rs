//! How a user mocks a service trait in their own tests (feature `mock`).
//!
//! The user's code depends on `&dyn Ec2` (or `Cloud`); the test hands it a `MockEc2` whose
//! expectations say which calls are made, with which arguments, and what they return.
#![cfg(feature = "mock")]

use aws_facade::ec2::{DescribeInstancesRequest, Ec2, Instance, InstanceState, MockEc2};
use aws_facade::{Error, Result, Service, Tags};

/// The user's own code under test: how many instances of an app are running.
async fn running_count(ec2: &dyn Ec2, app: &str) -> Result<usize> {
    let mut tags = Tags::new();
    tags.insert("app".into(), app.into());
    let req = DescribeInstancesRequest::builder()
        .tags(tags)
        .states(vec![InstanceState::Running])
        .build()?;
    Ok(ec2.describe_instances(req).await?.len())
}

fn instance(id: &str) -> Instance {
    // Outputs have builders: only what the test cares about (state defaults to running).
    Instance::builder()
        .id(id.parse().unwrap())
        .image_id("ami-12345678".parse().unwrap())
        .instance_type("t3.micro".parse().unwrap())
        .availability_zone("us-east-1a".parse().unwrap())
        .root_device_name("/dev/xvda")
        .build()
}

#[tokio::test]
async fn counts_running_instances_of_an_app() {
    let mut ec2 = MockEc2::new();
    ec2.expect_describe_instances()
        .withf(|req| req.tags.get("app").map(String::as_str) == Some("web") && req.states == [InstanceState::Running])
        .times(1)
        .returning(|_| Ok(vec![instance("i-0123456789abcdef0"), instance("i-0123456789abcdef1")]));
    assert_eq!(running_count(&ec2, "web").await.unwrap(), 2);
}

#[tokio::test]
async fn errors_pass_through_with_their_classification() {
    let mut ec2 = MockEc2::new();
    ec2.expect_describe_instances().returning(|_| {
        Err(Error::api(
            Service::Ec2,
            "RequestLimitExceeded",
            "Request limit exceeded.",
        ))
    });
    let err = running_count(&ec2, "web").await.unwrap_err();
    assert!(err.is_throttled() && err.is_retryable(), "{err}");
}

#[tokio::test]
async fn a_mock_fits_in_a_cloud_bundle() {
    // Mocks are ordinary trait objects: a Cloud can mix a mock with the simulator.
    let mut ec2 = MockEc2::new();
    ec2.expect_default_vpc().returning(|| {
        Ok(aws_facade::ec2::Vpc::builder()
            .id("vpc-12345678".parse().unwrap())
            .cidr_block("10.0.0.0/16")
            .is_default(true)
            .build())
    });
    let cloud = aws_facade::Cloud::sim().with_ec2(std::sync::Arc::new(ec2));
    assert_eq!(cloud.ec2.default_vpc().await.unwrap().id, "vpc-12345678");
}

#[tokio::test]
async fn tag_reads_are_mockable_like_every_operation() {
    use aws_facade::cloudwatch::{CloudWatch, MockCloudWatch};
    use aws_facade::id::Arn;
    use aws_facade::lambda::{Lambda, MockLambda};
    let alarm: Arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu".parse().unwrap();
    let function: Arn = "arn:aws:lambda:us-east-1:123456789012:function:fn".parse().unwrap();
    let owned = Tags::from([("workflow".to_string(), "web".to_string())]);
    let mut cw = MockCloudWatch::new();
    let (want, tags) = (alarm.clone(), owned.clone());
    cw.expect_list_tags_for_resource()
        .withf(move |arn| *arn == want)
        .times(1)
        .returning(move |_| Ok(tags.clone()));
    let mut lambda = MockLambda::new();
    lambda.expect_list_tags().times(1).returning(|arn| {
        Err(Error::api(
            Service::Lambda,
            "ResourceNotFoundException",
            format!("Function not found: {arn}"),
        ))
    });
    assert_eq!(cw.list_tags_for_resource(alarm).await.unwrap(), owned);
    assert!(lambda.list_tags(function).await.unwrap_err().is_not_found());
}
