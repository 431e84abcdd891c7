//! Snapshot transfer throughput and memory: upload and download MB/s against the simulator with
//! a concurrency sweep (1, 8, 64), and the peak heap of a transfer (a counting global
//! allocator), which must stay near `concurrency × 512 KiB` whatever the data size.
//!
//! `cargo bench --bench snapshot` (about a minute). With `--features wire,ebs` it also measures
//! the transfer through the SDK adapter against the simulator on the wire (in process), and a
//! 1 GiB image (`AWS_FACADE_BENCH_HTTP_MIB` to change it) through the SDK adapter against the
//! simulator's HTTP server on 127.0.0.1. With `AWS_FACADE_BENCH_MOTO_URL` set to a
//! running moto server (e.g. `.venv/bin/moto_server -p 5000` → `http://127.0.0.1:5000`) it also
//! prints one upload and one download figure through the SDK adapters against moto.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_facade::Cloud;
use aws_facade::ebs::{
    BLOCK_SIZE, BlockData, BlockPage, ChangedBlockPage, CompleteSnapshotRequest, DirectSnapshotStatus, Ebs,
    GetSnapshotBlockRequest, ListChangedBlocksRequest, ListSnapshotBlocksRequest, PutSnapshotBlockRequest,
    StartSnapshotRequest, StartedSnapshot, block_checksum,
};
use aws_facade::sim::{SimCloud, SimConfig};
use aws_facade::workflows::snapshot::{self, DownloadOptions, UploadOptions};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sha2::Digest as _;

// ---------------------------------------------------------------------------------------------
// A global allocator that counts live heap bytes and their peak.

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_sub(l.size(), Ordering::Relaxed);
            grew(new);
        }
        q
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns its result with the peak heap above what was live when it started.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

// ---------------------------------------------------------------------------------------------
// Data

const MIB: usize = 1 << 20;
const SWEEP: [usize; 3] = [1, 8, 64];

/// `mib` MiB of non-zero pseudo-random data (no block is skipped).
fn data(mib: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(1);
    let mut d = vec![0u8; mib * MIB];
    rng.fill(&mut d);
    d
}

/// A reader that generates `len` bytes of non-zero data without holding them: the source of
/// the memory measurement (so only the transfer's own buffers count).
struct Generated {
    left: u64,
    rng: fastrand::Rng,
}

impl tokio::io::AsyncRead for Generated {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let n = (buf.remaining() as u64).min(self.left) as usize;
        let mut chunk = vec![0u8; n];
        self.rng.fill(&mut chunk);
        buf.put_slice(&chunk);
        self.left -= n as u64;
        std::task::Poll::Ready(Ok(()))
    }
}

/// An EBS endpoint that verifies each block's checksum and keeps nothing: isolates the
/// transfer's own memory from the simulator's stored blocks.
struct Discard(SimCloud);

#[async_trait::async_trait]
impl Ebs for Discard {
    async fn start_snapshot(&self, req: StartSnapshotRequest) -> aws_facade::Result<StartedSnapshot> {
        self.0.start_snapshot(req).await
    }
    async fn put_snapshot_block(&self, req: PutSnapshotBlockRequest) -> aws_facade::Result<String> {
        assert_eq!(block_checksum(&req.data), req.checksum);
        Ok(req.checksum)
    }
    async fn complete_snapshot(&self, _: CompleteSnapshotRequest) -> aws_facade::Result<DirectSnapshotStatus> {
        Ok(DirectSnapshotStatus::Completed)
    }
    async fn list_snapshot_blocks(&self, req: ListSnapshotBlocksRequest) -> aws_facade::Result<BlockPage> {
        self.0.list_snapshot_blocks(req).await
    }
    async fn list_changed_blocks(&self, req: ListChangedBlocksRequest) -> aws_facade::Result<ChangedBlockPage> {
        self.0.list_changed_blocks(req).await
    }
    async fn get_snapshot_block(&self, req: GetSnapshotBlockRequest) -> aws_facade::Result<BlockData> {
        self.0.get_snapshot_block(req).await
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn sim() -> SimCloud {
    SimCloud::with_config(SimConfig::instant())
}

// ---------------------------------------------------------------------------------------------
// Benchmarks

const BENCH_MIB: usize = 32;

/// The machine's limit for these figures: SHA-256 (the sha2 crate the crate uses) on one core,
/// printed beside them. The simulated upload hashes every block twice (the client, then the
/// simulator verifying it) and the download once (the client verifies; the simulator answers
/// the checksum it stored at upload), on the runtime's 2 workers.
fn sha256_limit() {
    let buf = vec![0x5au8; BLOCK_SIZE];
    let start = std::time::Instant::now();
    let mut n = 0usize;
    while start.elapsed() < Duration::from_millis(500) {
        std::hint::black_box(sha2::Sha256::digest(&buf));
        n += 1;
    }
    let rate = (n * BLOCK_SIZE) as f64 / start.elapsed().as_secs_f64() / (1 << 20) as f64;
    println!("SHA-256 on one core (sha2, 512 KiB blocks): {rate:.0} MiB/s");
}

/// The upload sweep of `name`: each iteration uploads `d` into a fresh simulator, reached
/// through `cloud_of` (directly, or through an SDK adapter on the wire).
fn upload_sweep(c: &mut Criterion, name: &str, d: &[u8], cloud_of: impl Fn(&SimCloud) -> Cloud) {
    let rt = runtime();
    let mut g = c.benchmark_group(format!("snapshot upload ({name})"));
    g.throughput(Throughput::Bytes(d.len() as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    for conc in SWEEP {
        g.bench_with_input(BenchmarkId::new("concurrency", conc), &conc, |b, &conc| {
            let opts = UploadOptions::builder().concurrency(conc).build().unwrap();
            b.to_async(&rt).iter(|| async {
                // A fresh simulator each time, so stored blocks do not pile up.
                let cloud = cloud_of(&sim());
                snapshot::upload_reader(&cloud, d, d.len() as u64, &opts).await.unwrap()
            });
        });
    }
    g.finish();
}

/// The download sweep of `name`: `d` uploaded once, downloaded into a sparse file each
/// iteration.
fn download_sweep(c: &mut Criterion, name: &str, d: &[u8], cloud_of: impl Fn(&SimCloud) -> Cloud) {
    let rt = runtime();
    let cloud = cloud_of(&sim());
    let up = rt
        .block_on(snapshot::upload_reader(
            &cloud,
            d,
            d.len() as u64,
            &UploadOptions::default(),
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.img");
    let mut g = c.benchmark_group(format!("snapshot download ({name})"));
    g.throughput(Throughput::Bytes(d.len() as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    for conc in SWEEP {
        g.bench_with_input(BenchmarkId::new("concurrency", conc), &conc, |b, &conc| {
            let opts = DownloadOptions::builder()
                .concurrency(conc)
                .overwrite(true)
                .build()
                .unwrap();
            b.to_async(&rt).iter(|| async {
                snapshot::download_file(&cloud, &up.snapshot_id, &path, &opts)
                    .await
                    .unwrap()
            });
        });
    }
    g.finish();
}

fn upload(c: &mut Criterion) {
    sha256_limit();
    upload_sweep(c, "sim", &data(BENCH_MIB), SimCloud::cloud);
}

fn download(c: &mut Criterion) {
    download_sweep(c, "sim", &data(BENCH_MIB), SimCloud::cloud);
}

/// Peak heap of one transfer of `mib` MiB at each concurrency (printed, not timed by criterion).
fn memory(_: &mut Criterion) {
    let rt = runtime();
    let mib = 256;
    eprintln!("\npeak heap of the transfer itself ({mib} MiB of data; block = 512 KiB):");
    for conc in SWEEP {
        let s = sim();
        let cloud: Cloud = s.cloud().with_ebs(std::sync::Arc::new(Discard(s.clone())));
        let opts = UploadOptions::builder().concurrency(conc).build().unwrap();
        let src = Generated {
            left: (mib * MIB) as u64,
            rng: fastrand::Rng::with_seed(3),
        };
        let (out, peak) = peak_during(|| {
            rt.block_on(snapshot::upload_reader(&cloud, src, (mib * MIB) as u64, &opts))
                .unwrap()
        });
        assert_eq!(out.blocks_written as usize, mib * MIB / BLOCK_SIZE);
        eprintln!(
            "  upload   concurrency {conc:>2}: peak {:>6.1} MiB  ({:.1} blocks)",
            peak as f64 / MIB as f64,
            peak as f64 / BLOCK_SIZE as f64
        );
    }
    // Download: the simulator holds the snapshot before the measurement starts.
    let s = sim();
    let cloud = s.cloud();
    let src = Generated {
        left: (mib * MIB) as u64,
        rng: fastrand::Rng::with_seed(4),
    };
    let up = rt
        .block_on(snapshot::upload_reader(
            &cloud,
            src,
            (mib * MIB) as u64,
            &UploadOptions::default(),
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for conc in SWEEP {
        let path = dir.path().join(format!("m{conc}.img"));
        let opts = DownloadOptions::builder().concurrency(conc).build().unwrap();
        let (_, peak) = peak_during(|| {
            rt.block_on(snapshot::download_file(&cloud, &up.snapshot_id, &path, &opts))
                .unwrap()
        });
        eprintln!(
            "  download concurrency {conc:>2}: peak {:>6.1} MiB  ({:.1} blocks)",
            peak as f64 / MIB as f64,
            peak as f64 / BLOCK_SIZE as f64
        );
        std::fs::remove_file(&path).unwrap();
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for l in status
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        {
            eprintln!("  process {l}");
        }
    }
}

/// One upload and one download through the SDK adapters against moto, if a URL is given
/// (needs the SDK adapters: the default features).
#[cfg(not(all(
    feature = "ec2",
    feature = "ebs",
    feature = "elbv2",
    feature = "cloudwatch",
    feature = "lambda"
)))]
fn moto(_: &mut Criterion) {
    eprintln!("\n(moto figure skipped: built without the SDK adapters)");
}

/// One upload and one download through the SDK adapters against moto, if a URL is given.
#[cfg(all(
    feature = "ec2",
    feature = "ebs",
    feature = "elbv2",
    feature = "cloudwatch",
    feature = "lambda"
))]
fn moto(_: &mut Criterion) {
    use std::time::Instant;
    let Ok(url) = std::env::var("AWS_FACADE_BENCH_MOTO_URL") else {
        eprintln!("\n(moto figure skipped: set AWS_FACADE_BENCH_MOTO_URL to a running moto server)");
        return;
    };
    let rt = runtime();
    let cloud = Cloud::for_endpoint(&url, "us-east-1");
    let d = data(16);
    eprintln!("\nmoto at {url} (16 MiB, SDK adapters):");
    for conc in [8, 64] {
        let opts = UploadOptions::builder().concurrency(conc).build().unwrap();
        let t = Instant::now();
        let up = rt
            .block_on(snapshot::upload_reader(&cloud, &d[..], d.len() as u64, &opts))
            .unwrap();
        let up_s = t.elapsed().as_secs_f64();
        let dir = tempfile::tempdir().unwrap();
        let opts = DownloadOptions::builder().concurrency(conc).build().unwrap();
        let t = Instant::now();
        rt.block_on(snapshot::download_file(
            &cloud,
            &up.snapshot_id,
            dir.path().join("m.img"),
            &opts,
        ))
        .unwrap();
        let down_s = t.elapsed().as_secs_f64();
        eprintln!(
            "  concurrency {conc:>2}: upload {:.1} MB/s, download {:.1} MB/s",
            d.len() as f64 / 1e6 / up_s,
            d.len() as f64 / 1e6 / down_s
        );
    }
}

/// Upload and download through the crate's SDK adapter (aws-sdk-ebs: serialising, signing,
/// parsing) against the simulator on the wire, in process (`SimCloud::http_client`): the
/// adapter's and the SDK's cost on top of the direct figures, with a fast EBS-direct endpoint
/// that checks what AWS checks.
#[cfg(all(feature = "wire", feature = "ebs"))]
fn wire(c: &mut Criterion) {
    use aws_facade::ebs::sdk::SdkEbs;
    let adapter = |s: &SimCloud| s.cloud().with_ebs(std::sync::Arc::new(SdkEbs::new(&s.sdk_config())));
    let d = data(BENCH_MIB);
    upload_sweep(c, "SDK adapter, simulator on the wire", &d, adapter);
    download_sweep(c, "SDK adapter, simulator on the wire", &d, adapter);
}

/// A reader of a disk image of `len` bytes without holding it: pseudo-random blocks with every
/// fourth block zeros (25 %, which the upload skips), as the measurements use.
struct Image {
    len: u64,
    at: u64,
    rng: fastrand::Rng,
}

impl tokio::io::AsyncRead for Image {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let block = BLOCK_SIZE as u64;
        let in_block = block - self.at % block;
        let n = (buf.remaining() as u64).min(self.len - self.at).min(in_block) as usize;
        if (self.at / block) % 4 == 3 {
            buf.put_slice(&vec![0u8; n]);
        } else {
            let mut chunk = vec![0u8; n];
            self.rng.fill(&mut chunk);
            chunk[0] |= 1;
            buf.put_slice(&chunk);
        }
        self.at += n as u64;
        std::task::Poll::Ready(Ok(()))
    }
}

/// Upload and download of a large image (default 1 GiB; `AWS_FACADE_BENCH_HTTP_MIB`) through
/// the SDK adapter against the simulator's HTTP server on 127.0.0.1 (`sim::wire::Server`): a
/// socket, hyper on both sides, the SDK's own HTTP client. Printed, not timed by criterion (one
/// transfer of each kind at concurrency 8 and 64); the peak heap is the client's and the
/// server's together, less the blocks the simulator stores.
#[cfg(all(feature = "wire", feature = "ebs"))]
fn http_server(_: &mut Criterion) {
    use aws_facade::ebs::sdk::SdkEbs;
    use aws_facade::sim::wire::Server;
    use std::time::Instant;
    let mib: u64 = std::env::var("AWS_FACADE_BENCH_HTTP_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let len = mib * MIB as u64;
    let rt = runtime();
    eprintln!(
        "
simulator over HTTP on 127.0.0.1, SDK adapter, {mib} MiB image (25 % zero blocks):"
    );
    for conc in [8, 64] {
        let server = rt.block_on(Server::bind(sim(), "127.0.0.1:0")).unwrap();
        let cloud = server
            .sim()
            .cloud()
            .with_ebs(std::sync::Arc::new(SdkEbs::new(&server.sdk_config())));
        let src = Image {
            len,
            at: 0,
            rng: fastrand::Rng::with_seed(5),
        };
        let opts = UploadOptions::builder().concurrency(conc).build().unwrap();
        let t = Instant::now();
        let (up, peak) = peak_during(|| rt.block_on(snapshot::upload_reader(&cloud, src, len, &opts)).unwrap());
        let up_s = t.elapsed().as_secs_f64();
        let stored = up.blocks_written as usize * BLOCK_SIZE;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("image.img");
        let opts = DownloadOptions::builder().concurrency(conc).build().unwrap();
        let t = Instant::now();
        let (_, down_peak) = peak_during(|| {
            rt.block_on(snapshot::download_file(&cloud, &up.snapshot_id, &path, &opts))
                .unwrap()
        });
        let down_s = t.elapsed().as_secs_f64();
        eprintln!(
            "  concurrency {conc:>2}: upload {:>6.1} MB/s (peak heap {:>5.1} MiB above the {:.0} MiB stored), \
             download {:>6.1} MB/s with the final sync (peak heap {:>5.1} MiB)",
            len as f64 / 1e6 / up_s,
            peak.saturating_sub(stored) as f64 / MIB as f64,
            stored as f64 / MIB as f64,
            len as f64 / 1e6 / down_s,
            down_peak as f64 / MIB as f64,
        );
        drop(cloud);
        rt.block_on(server.shutdown());
    }
}

#[cfg(not(all(feature = "wire", feature = "ebs")))]
fn http_server(_: &mut Criterion) {
    eprintln!("\n(HTTP server figures skipped: build with --features wire,ebs)");
}

#[cfg(not(all(feature = "wire", feature = "ebs")))]
fn wire(_: &mut Criterion) {
    eprintln!(
        "
(wire figures skipped: build with --features wire,ebs)"
    );
}

criterion_group!(benches, upload, download, wire, http_server, memory, moto);
criterion_main!(benches);
