//! Upload a generated disk image into an EBS snapshot through the EBS direct APIs, download it
//! again, and compare; then an incremental upload on top of it.
//!
//! ```text
//! cargo run --example snapshot                                 # the simulator: no account, no network
//! cargo run --features emulator --example snapshot -- --endpoint-url http://127.0.0.1:5000   # moto or another emulator
//! cargo run --example snapshot -- --aws                        # a real account (snapshot storage costs money)
//! cargo run --example snapshot -- --keep                       # keep the snapshots (ids on stdout)
//! cargo run --example snapshot -- 256                          # a 256 MiB image (default 64)
//! cargo run --example snapshot -- --json                       # transfer events as JSON lines on stdout
//! ```
mod common;

use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use aws_facade::ebs::BLOCK_SIZE;
use aws_facade::workflows::Event;
use aws_facade::workflows::snapshot::{self, DownloadOptions, TransferEvent, UploadOptions};
use clap::Parser;

/// Upload a generated disk image into an EBS snapshot through the EBS direct APIs, download it
/// again and compare, then upload an incremental snapshot on top. Runs on the in-process
/// simulator unless told otherwise.
#[derive(Parser, Debug)]
#[command(name = "snapshot")]
struct Args {
    #[command(flatten)]
    common: common::Common,

    /// Size of the generated image in MiB (it is held in memory)
    #[arg(value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    mib: u64,
}

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

/// Prints a line every 10% of the blocks, and every retry (with `--json`: every event, as a
/// JSON line on stdout).
fn printer(json: bool) -> snapshot::TransferProgress {
    if json {
        let run = std::sync::Mutex::new(None::<String>);
        return Arc::new(move |e: &TransferEvent| {
            if let TransferEvent::Workflow(Event::RunStarted { run: id, .. }) = e {
                *run.lock().unwrap() = Some(id.clone());
            }
            common::json_line(&common::with_run(e, run.lock().unwrap().as_deref()))
        });
    }
    let last = Mutex::new(0u64);
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
            let mut l = last.lock().unwrap_or_else(PoisonError::into_inner);
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

fn main() -> ExitCode {
    common::exit(run(Args::parse()))
}

fn run(args: Args) -> common::Result<()> {
    let mib = usize::try_from(args.mib)?;
    let backend = args.common.backend();
    eprintln!("snapshot transfer of a {mib} MiB image on {}", backend.describe());
    let keep = args.common.keep;
    let out = args.common.output();
    backend.run(&args.common, |cloud| async move {
        let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
        let src = dir.path().join("disk.img");
        let data = image(mib);
        std::fs::write(&src, &data).map_err(|e| format!("cannot write {}: {e}", src.display()))?;

        eprintln!("\n== upload");
        let opts = UploadOptions::builder()
            .description("aws-facade example")
            .tags([("aws-facade:example".to_string(), "snapshot".to_string())].into())
            .progress(printer(out.json))
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
        let restored = dir.path().join("restored.img");
        let t = Instant::now();
        let down = snapshot::download_file(&cloud, &up.snapshot_id, &restored, &DownloadOptions::default()).await?;
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "  {} blocks into {} ({:.0} MB/s, wall clock)",
            down.blocks_written,
            restored.display(),
            down.bytes_written as f64 / 1e6 / secs.max(1e-9)
        );
        let back = std::fs::read(&restored).map_err(|e| format!("cannot read {}: {e}", restored.display()))?;
        if back.get(..data.len()) != Some(&data[..]) {
            return Err("the downloaded image differs from the uploaded one".into());
        }
        if !back[data.len()..].iter().all(|b| *b == 0) {
            return Err("the downloaded volume is not zeros after the image".into());
        }
        eprintln!(
            "  identical: {} bytes of data, the rest of the {} GiB volume zeros",
            data.len(),
            down.volume_size_gib
        );

        eprintln!("\n== incremental: change one block, upload on top");
        let mut changed = data.clone();
        // Block 5, or the last one of a smaller image.
        let block = 5.min(data.len() / BLOCK_SIZE - 1);
        changed[block * BLOCK_SIZE] ^= 0xff;
        std::fs::write(&src, &changed).map_err(|e| format!("cannot write {}: {e}", src.display()))?;
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
            return out.result(&[&up, &child]);
        }
        for id in [child.snapshot_id, up.snapshot_id] {
            cloud.ec2.delete_snapshot(id).await?;
        }
        eprintln!("\ndeleted both snapshots");
        Ok(())
    })
}
