//! Upload a generated disk image into an EBS snapshot through the EBS direct APIs, download it
//! again, and compare; then an incremental upload on top of it.
//!
//! ```text
//! cargo run --example snapshot                                 # the simulator: no account, no network
//! cargo run --features emulator --example snapshot -- --endpoint-url http://127.0.0.1:5000   # moto or another emulator
//! cargo run --example snapshot -- --aws                        # a real account (snapshot storage costs money)
//! cargo run --example snapshot -- --keep                       # keep the snapshots (ids on stdout)
//! cargo run --example snapshot -- 256                          # a 256 MiB image (default 64)
//! ```
mod common;

use std::sync::Arc;
use std::time::Instant;

use aws_facade::ebs::BLOCK_SIZE;
use aws_facade::workflows::snapshot::{self, DownloadOptions, TransferEvent, UploadOptions};

/// A test image of `mib` MiB: pseudo-random data with every fourth block left as zeros.
fn image(mib: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut data = vec![0u8; mib << 20];
    for (i, block) in data.chunks_mut(BLOCK_SIZE).enumerate() {
        if i % 4 != 3 {
            rng.fill(block);
        }
    }
    data
}

/// Prints a line every 10% of the blocks, and every retry.
fn printer() -> snapshot::TransferProgress {
    let last = std::sync::Mutex::new(0u64);
    Arc::new(move |e: &TransferEvent| match e {
        TransferEvent::Started {
            snapshot_id,
            volume_size_gib,
            ..
        } => {
            eprintln!("  {snapshot_id} ({volume_size_gib} GiB)")
        }
        TransferEvent::Progress {
            done_blocks,
            total_blocks: Some(total),
            ..
        } => {
            let pct = done_blocks * 100 / (*total).max(1);
            let mut l = last.lock().unwrap();
            if pct >= *l + 10 || done_blocks == total {
                *l = pct;
                eprintln!("  {pct:>3}% ({done_blocks}/{total} blocks)");
            }
        }
        TransferEvent::Retrying {
            operation,
            attempt,
            error,
            ..
        } => {
            eprintln!("  retry {operation} (attempt {attempt}): {error}")
        }
        _ => {}
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args();
    let mib: usize = args.rest.first().map(|s| s.parse()).transpose()?.unwrap_or(64);
    eprintln!("snapshot transfer of a {mib} MiB image on {}", args.backend.describe());
    let keep = args.keep;
    args.backend.run(|cloud| async move {
        let dir = tempfile::tempdir()?;
        let src = dir.path().join("disk.img");
        let data = image(mib);
        std::fs::write(&src, &data)?;

        eprintln!("\n== upload");
        let opts = UploadOptions::builder()
            .description("aws-facade example")
            .tags([("aws-facade:example".to_string(), "snapshot".to_string())].into())
            .progress(printer())
            .build()?;
        let t = Instant::now();
        let up = snapshot::upload_file(&cloud, &src, &opts).await?;
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "  {}: {} blocks written, {} zero blocks skipped, LINEAR {} ({:.0} MB/s of data, wall clock)",
            up.snapshot_id,
            up.blocks_written,
            up.blocks_zero,
            up.checksum,
            up.bytes_read as f64 / 1e6 / secs.max(1e-9)
        );

        eprintln!("\n== download");
        let out = dir.path().join("restored.img");
        let t = Instant::now();
        let down = snapshot::download_file(&cloud, &up.snapshot_id, &out, &DownloadOptions::default()).await?;
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "  {} blocks into {} ({:.0} MB/s, wall clock)",
            down.blocks_written,
            out.display(),
            down.bytes_written as f64 / 1e6 / secs.max(1e-9)
        );
        let back = std::fs::read(&out)?;
        assert_eq!(&back[..data.len()], &data[..], "the image round-trips byte for byte");
        assert!(
            back[data.len()..].iter().all(|b| *b == 0),
            "the rest of the volume is zeros"
        );
        eprintln!(
            "  identical: {} bytes of data, the rest of the {} GiB volume zeros",
            data.len(),
            down.volume_size_gib
        );

        eprintln!("\n== incremental: change one block, upload on top");
        let mut changed = data.clone();
        changed[5 * BLOCK_SIZE] ^= 0xff;
        std::fs::write(&src, &changed)?;
        let inc = UploadOptions::builder()
            .parent_snapshot_id(up.snapshot_id.clone())
            .build()?;
        let child = snapshot::upload_file(&cloud, &src, &inc).await?;
        let diff = snapshot::changed_blocks(&cloud, &up.snapshot_id, &child.snapshot_id).await?;
        eprintln!(
            "  {}: {} block(s) written, {} unchanged; changed blocks: {diff:?}",
            child.snapshot_id, child.blocks_written, child.blocks_unchanged
        );

        if keep {
            println!("{}", serde_json::to_string_pretty(&[&up, &child])?);
            return Ok(());
        }
        for id in [child.snapshot_id, up.snapshot_id] {
            cloud.ec2.delete_snapshot(id).await?;
        }
        eprintln!("\ndeleted both snapshots");
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
