//! Uploads a small disk image as an EBS snapshot through aws-facade built with `ebs` alone,
//! against the endpoint given as the first argument (moto in CI).

use aws_facade::workflows::snapshot::{self, UploadOptions};
use aws_facade::{Cloud, ErrorKind};

const BLOCK: usize = aws_facade::ebs::BLOCK_SIZE;

#[tokio::main(flavor = "current_thread")]
async fn main() -> aws_facade::Result<()> {
    let url = std::env::args().nth(1).expect("usage: lean-ebs <endpoint-url>");
    let cloud = Cloud::for_endpoint(&url, "us-east-1");

    // Three blocks; the middle one is zeros (not sent).
    let mut data = vec![7u8; 3 * BLOCK];
    data[BLOCK..2 * BLOCK].fill(0);
    let opts = UploadOptions::builder().name("lean-ebs").build()?;
    let up = snapshot::upload_reader(&cloud, &data[..], data.len() as u64, &opts).await?;
    assert_eq!((up.blocks_written, up.blocks_zero), (2, 1), "{up:?}");
    println!(
        "uploaded {} ({:?}, {} blocks written)",
        up.snapshot_id, up.status, up.blocks_written
    );

    // EC2 was not compiled in: its handle answers Unsupported, naming the feature, and sends nothing.
    let err = cloud.ec2.default_vpc().await.expect_err("no EC2 in this build");
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("`ec2` feature"), "{err}");
    println!("EC2: {err}");
    Ok(())
}
