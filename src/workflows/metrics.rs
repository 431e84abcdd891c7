//! Publishing metrics in batches: [`MetricsPublisher`] buffers datapoints, folds repeated
//! values into values-with-counts, and sends as few `PutMetricData` requests as the service
//! limits allow (1,000 items and 1 MB per request, 150 distinct values per item).
//!
//! It flushes when the buffer reaches its size limit ([`MetricsPublisher::record`] returns
//! `true`, [`MetricsPublisher::record_and_flush`] does it), on an interval
//! ([`MetricsPublisher::spawn_flusher`]), and on [`MetricsPublisher::flush`]. Nothing is lost
//! when a flush fails: each request is retried with backoff, and what still could not be sent
//! goes back into the buffer (see [`MetricsPublisher::pending`] and
//! [`MetricsPublisher::take_unsent`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::cloudwatch::Unit;
//! use aws_facade::workflows::metrics::MetricsPublisher;
//! use aws_facade::workflows::metrics::{Clock, PublisherConfig};
//! let sim = aws_facade::sim::SimCloud::new();
//! let cloud = sim.cloud();
//! // On the simulator, metric time is the simulator's wall clock (on AWS: the system clock).
//! let config = PublisherConfig { clock: Clock::sim(&sim), ..Default::default() };
//! let publisher = MetricsPublisher::with_config(cloud.cloudwatch.clone(), "Shop/Checkout", config)?;
//! for ms in [12.0, 12.0, 15.0, 40.0] {
//!     publisher.record("Latency", &[("Route", "/pay")], ms, Unit::Milliseconds)?;
//! }
//! let report = publisher.flush().await?;
//! assert_eq!((report.requests, report.datums, report.datapoints), (1, 1, 4));
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::cloudwatch::{
    CloudWatch, Dimension, GetMetricDataRequest, MAX_DIMENSIONS, MAX_METRIC_DATA_PER_REQUEST, MAX_METRIC_DATA_QUERIES,
    MAX_PUT_METRIC_DATA_BYTES, MAX_VALUES_PER_DATUM, Metric, MetricDataQuery, MetricDataResult, MetricDatum,
    MetricStat, PutMetricDataRequest, Unit,
};
use crate::error::Result;

/// Where metric timestamps come from: the system clock ([`Clock::system`], the default) or,
/// on the simulator, its virtual wall clock ([`Clock::sim`]), so recorded datapoints line up
/// with the simulator's alarms under a paused tokio clock.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> SystemTime + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock(Arc::new(SystemTime::now))
    }

    /// A clock reading `f`.
    pub fn from_fn(f: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Clock(Arc::new(f))
    }

    /// The simulator's wall clock (which follows tokio's clock).
    #[cfg(feature = "sim")]
    pub fn sim(sim: &crate::sim::SimCloud) -> Self {
        let sim = sim.clone();
        Clock(Arc::new(move || sim.wall_clock()))
    }

    /// The time now.
    pub fn now(&self) -> SystemTime {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

impl PartialEq for Clock {
    /// Clocks are equal when they are the same clock (clones).
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// How a publisher batches and retries.
#[derive(Debug, Clone, PartialEq)]
pub struct PublisherConfig {
    /// Buffered datapoints at which `record` asks for a flush (default 20,000).
    pub max_buffered: usize,
    /// The interval of [`MetricsPublisher::spawn_flusher`] (default 60 s).
    pub flush_interval: Duration,
    /// Items per request (at most 1,000, the service limit).
    pub max_items_per_request: usize,
    /// Bytes per request (at most 1 MB, the service limit; estimated conservatively).
    pub max_request_bytes: usize,
    /// Datapoints are grouped into buckets of this many seconds (default 60: CloudWatch's
    /// standard resolution; 1 for high-resolution metrics).
    pub resolution_secs: u64,
    /// Where the timestamps of [`MetricsPublisher::record`] come from.
    pub clock: Clock,
}

impl Default for PublisherConfig {
    fn default() -> Self {
        PublisherConfig {
            max_buffered: 20_000,
            flush_interval: Duration::from_secs(60),
            max_items_per_request: MAX_METRIC_DATA_PER_REQUEST,
            max_request_bytes: MAX_PUT_METRIC_DATA_BYTES,
            resolution_secs: 60,
            clock: Clock::system(),
        }
    }
}

/// What one flush sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// PutMetricData requests sent.
    pub requests: usize,
    /// Metric data items sent.
    pub datums: usize,
    /// Datapoints (counting repeats) sent.
    pub datapoints: u64,
}

/// The identity of a buffered series in one time bucket.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SeriesKey {
    metric: String,
    dimensions: Vec<Dimension>,
    unit: Unit,
    bucket: u64,
}

impl SeriesKey {
    /// Whether this is the series of a datapoint given by borrowed parts (`dims` sorted).
    fn is(&self, metric: &str, dims: &[(&str, &str)], unit: Unit, bucket: u64) -> bool {
        self.bucket == bucket
            && self.unit == unit
            && self.metric == metric
            && self.dimensions.len() == dims.len()
            && self
                .dimensions
                .iter()
                .zip(dims)
                .all(|(d, (n, v))| d.name == *n && d.value == *v)
    }
}

/// The hash of a series given by borrowed parts (`dims` sorted): the buffer finds a series
/// already seen without building its key.
fn series_hash(metric: &str, dims: &[(&str, &str)], unit: Unit, bucket: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = FastHasher::default();
    h.write(metric.as_bytes());
    h.write_u8(0xff);
    for (n, v) in dims {
        h.write(n.as_bytes());
        h.write_u8(0xff);
        h.write(v.as_bytes());
        h.write_u8(0xff);
    }
    unit.hash(&mut h);
    h.write_u64(bucket);
    h.finish()
}

/// A small, fast, non-cryptographic hasher (FxHash's word mixing with a 64-bit finaliser, so
/// that the low bits the hash table uses depend on every input bit: float values that are
/// whole numbers have many trailing zero bits). Buffer keys are the caller's own metric names,
/// so flooding resistance is not needed.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        // murmur3's fmix64.
        let mut k = self.0;
        k ^= k >> 33;
        k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
        k ^= k >> 33;
        k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        k ^ (k >> 33)
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// One buffered series: its key and its values (f64 bits → count).
#[derive(Debug)]
struct Entry {
    key: SeriesKey,
    values: FastMap<u64, f64>,
    /// The next entry whose hash is the same (a collision chain; almost always `None`).
    next: Option<usize>,
}

#[derive(Debug, Default)]
struct Buffer {
    /// Series hash → the first entry with that hash.
    index: FastMap<u64, usize>,
    entries: Vec<Entry>,
    /// Items of a failed flush, sent first next time.
    unsent: Vec<MetricDatum>,
    datapoints: usize,
}

impl Buffer {
    /// Counts one datapoint; allocates only for a series not seen before.
    fn add(&mut self, metric: &str, dims: &[(&str, &str)], unit: Unit, bucket: u64, value: f64) {
        self.add_hashed(
            series_hash(metric, dims, unit, bucket),
            metric,
            dims,
            unit,
            bucket,
            value,
        );
    }

    fn add_hashed(&mut self, hash: u64, metric: &str, dims: &[(&str, &str)], unit: Unit, bucket: u64, value: f64) {
        let mut at = self.index.get(&hash).copied();
        let mut last = None;
        while let Some(i) = at {
            if self.entries[i].key.is(metric, dims, unit, bucket) {
                break;
            }
            last = Some(i);
            at = self.entries[i].next;
        }
        let i = match at {
            Some(i) => i,
            None => {
                let i = self.entries.len();
                self.entries.push(Entry {
                    key: SeriesKey {
                        metric: metric.to_string(),
                        dimensions: dims.iter().map(|(n, v)| Dimension::new(*n, *v)).collect(),
                        unit,
                        bucket,
                    },
                    values: FastMap::default(),
                    next: None,
                });
                match last {
                    Some(l) => self.entries[l].next = Some(i),
                    None => {
                        self.index.insert(hash, i);
                    }
                }
                i
            }
        };
        // Values are finite (checked on record); their bits order -0.0 and 0.0 apart, as
        // `total_cmp` does.
        *self.entries[i].values.entry(value.to_bits()).or_insert(0.0) += 1.0;
        self.datapoints += 1;
    }
}

/// A buffered, batching CloudWatch metrics publisher for one namespace. Cheap to share
/// (`Arc`); `record` never blocks on the network.
pub struct MetricsPublisher {
    cw: Arc<dyn CloudWatch>,
    namespace: String,
    config: PublisherConfig,
    buffer: Mutex<Buffer>,
    flushing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for MetricsPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsPublisher")
            .field("namespace", &self.namespace)
            .field("pending", &self.pending())
            .finish_non_exhaustive()
    }
}

impl MetricsPublisher {
    /// A publisher for `namespace` (validated like PutMetricData's) with default settings.
    pub fn new(cw: Arc<dyn CloudWatch>, namespace: &str) -> Result<Self> {
        Self::with_config(cw, namespace, PublisherConfig::default())
    }

    /// A publisher with `config`.
    pub fn with_config(cw: Arc<dyn CloudWatch>, namespace: &str, config: PublisherConfig) -> Result<Self> {
        // The namespace rules are PutMetricData's.
        crate::cloudwatch::check_namespace("namespace", namespace, true)?;
        crate::validate::in_range(
            "max_items_per_request",
            config.max_items_per_request,
            1,
            MAX_METRIC_DATA_PER_REQUEST,
        )?;
        crate::validate::in_range(
            "max_request_bytes",
            config.max_request_bytes,
            4_096,
            MAX_PUT_METRIC_DATA_BYTES,
        )?;
        crate::validate::in_range("resolution_secs", config.resolution_secs, 1, 3_600)?;
        Ok(MetricsPublisher {
            cw,
            namespace: namespace.to_string(),
            config,
            buffer: Mutex::new(Buffer::default()),
            flushing: tokio::sync::Mutex::new(()),
        })
    }

    /// Buffers one datapoint measured now (by the configured [`Clock`]). Returns `true` when
    /// the buffer is full and should be flushed.
    pub fn record(&self, metric: &str, dimensions: &[(&str, &str)], value: f64, unit: Unit) -> Result<bool> {
        self.record_at(metric, dimensions, value, unit, self.config.clock.now())
    }

    /// Buffers one datapoint measured at `at`.
    pub fn record_at(
        &self,
        metric: &str,
        dimensions: &[(&str, &str)],
        value: f64,
        unit: Unit,
        at: SystemTime,
    ) -> Result<bool> {
        // The dimensions in their canonical (sorted) order, on the stack.
        let mut sorted: [(&str, &str); MAX_DIMENSIONS] = [("", ""); MAX_DIMENSIONS];
        let n = dimensions.len().min(MAX_DIMENSIONS);
        let dims = &mut sorted[..n];
        dims.copy_from_slice(&dimensions[..n]);
        if !dims.is_sorted() {
            dims.sort_unstable();
        }
        let surely_valid = dimensions.len() <= MAX_DIMENSIONS
            && fast_valid(metric, dims, value)
            && dims.windows(2).all(|w| w[0].0 != w[1].0);
        if !surely_valid {
            // Something may be wrong: the datum's own rules name the field path and the rule
            // (the quick checks only accept what those rules accept; the namespace was checked
            // when the publisher was made).
            let mut all: Vec<Dimension> = dimensions.iter().map(|(n, v)| Dimension::new(*n, *v)).collect();
            all.sort();
            MetricDatum::builder()
                .metric_name(metric)
                .dimensions(all)
                .value(value)
                .unit(unit)
                .build()?;
        }
        let dims = &*dims;
        let secs = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let bucket = secs - secs % self.config.resolution_secs;
        let mut b = self.buffer.lock().unwrap();
        b.add(metric, dims, unit, bucket, value);
        Ok(b.datapoints >= self.config.max_buffered)
    }

    /// Records, and flushes when the buffer is full.
    pub async fn record_and_flush(
        &self,
        metric: &str,
        dimensions: &[(&str, &str)],
        value: f64,
        unit: Unit,
    ) -> Result<()> {
        if self.record(metric, dimensions, value, unit)? {
            self.flush().await?;
        }
        Ok(())
    }

    /// Datapoints buffered (including items of a failed flush).
    pub fn pending(&self) -> usize {
        let b = self.buffer.lock().unwrap();
        b.datapoints + b.unsent.iter().map(datum_points).sum::<u64>() as usize
    }

    /// Takes the items a failed flush could not send (the caller's to keep or drop).
    pub fn take_unsent(&self) -> Vec<MetricDatum> {
        std::mem::take(&mut self.buffer.lock().unwrap().unsent)
    }

    /// Sends everything buffered in as few requests as the limits allow. On failure, the
    /// items not yet sent go back into the buffer and the error is returned.
    pub async fn flush(&self) -> Result<FlushReport> {
        let _one_at_a_time = self.flushing.lock().await;
        let datums = self.drain();
        let batches = self.batches(datums);
        let mut report = FlushReport::default();
        let mut iter = batches.into_iter();
        while let Some(batch) = iter.next() {
            let req = PutMetricDataRequest::builder()
                .namespace(self.namespace.clone())
                .data(batch.clone())
                .build()?;
            // Transient errors are retried by the handle's retry layer (a `Cloud`'s handles have one).
            match self.cw.put_metric_data(req).await {
                Ok(()) => {
                    report.requests += 1;
                    report.datums += batch.len();
                    report.datapoints += batch.iter().map(datum_points).sum::<u64>();
                }
                Err(e) => {
                    let mut b = self.buffer.lock().unwrap();
                    b.unsent.extend(batch);
                    for rest in iter {
                        b.unsent.extend(rest);
                    }
                    tracing::warn!(error = %e, unsent = b.unsent.len(), "metrics flush failed; data kept for the next flush");
                    return Err(e);
                }
            }
        }
        Ok(report)
    }

    /// Flushes every `flush_interval` until the returned handle is aborted (or the publisher
    /// is dropped everywhere else). Errors are logged; the data stays buffered.
    pub fn spawn_flusher(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(self);
        let every = self.config.flush_interval;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(p) = weak.upgrade() else { break };
                if let Err(e) = p.flush().await {
                    tracing::warn!(error = %e, "interval flush failed");
                }
            }
        })
    }

    /// Turns the buffer into items: one per series and bucket, with up to 150 distinct values
    /// each (more values: more items).
    fn drain(&self) -> Vec<MetricDatum> {
        let mut b = self.buffer.lock().unwrap();
        let mut entries = std::mem::take(&mut b.entries);
        b.index.clear();
        b.datapoints = 0;
        let mut out = std::mem::take(&mut b.unsent);
        drop(b);
        // Series in key order and values ascending, as before (requests are deterministic).
        entries.sort_unstable_by(|x, y| x.key.cmp(&y.key));
        for e in entries {
            let key = e.key;
            let at = UNIX_EPOCH + Duration::from_secs(key.bucket);
            let mut pairs: Vec<(f64, f64)> = e.values.into_iter().map(|(v, c)| (f64::from_bits(v), c)).collect();
            pairs.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
            for chunk in pairs.chunks(MAX_VALUES_PER_DATUM) {
                // Every part was checked when it was recorded: no second check.
                let datum = MetricDatum {
                    metric_name: key.metric.clone(),
                    dimensions: key.dimensions.clone(),
                    timestamp: Some(at),
                    value: None,
                    values: chunk.iter().map(|p| p.0).collect(),
                    counts: chunk.iter().map(|p| p.1).collect(),
                    statistic_values: None,
                    unit: Some(key.unit),
                    storage_resolution: (self.config.resolution_secs < 60).then_some(1),
                };
                out.push(datum);
            }
        }
        out
    }

    /// Packs items into requests within the item and byte limits.
    fn batches(&self, datums: Vec<MetricDatum>) -> Vec<Vec<MetricDatum>> {
        let overhead = 200 + self.namespace.len();
        let mut out: Vec<Vec<MetricDatum>> = Vec::new();
        let mut size = overhead;
        for d in datums {
            let s = d.estimated_size();
            let full = out.last().is_none_or(|b| {
                b.len() >= self.config.max_items_per_request || size + s > self.config.max_request_bytes
            });
            if full {
                out.push(Vec::new());
                size = overhead;
            }
            size += s;
            out.last_mut().expect("pushed").push(d);
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Queries over GetMetricData

/// The statistics [`summary`] computes for each period.
pub const SUMMARY_STATS: [&str; 8] = [
    "SampleCount",
    "Sum",
    "Average",
    "Minimum",
    "Maximum",
    "p50",
    "p90",
    "p99",
];

/// One metric's values over time, as GetMetricData returns them (ascending timestamps).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    /// The statistic (`Sum`, `p99`, ...).
    pub stat: String,
    /// (period start, value), ascending.
    pub points: Vec<(SystemTime, f64)>,
}

impl Series {
    /// The values only.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.points.iter().map(|p| p.1)
    }
    /// The sum of the values (e.g. a total count over the range, for `Sum`).
    pub fn total(&self) -> f64 {
        self.values().sum()
    }
    /// The highest value.
    pub fn max(&self) -> Option<f64> {
        self.values().reduce(f64::max)
    }
    /// The most recent value.
    pub fn last(&self) -> Option<f64> {
        self.points.last().map(|p| p.1)
    }
}

/// The common statistics of one period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// The start of the period.
    pub timestamp: SystemTime,
    /// How many samples.
    pub sample_count: f64,
    /// Their sum.
    pub sum: f64,
    /// Their average.
    pub average: f64,
    /// The lowest.
    pub minimum: f64,
    /// The highest.
    pub maximum: f64,
    /// The median (where the data allows percentiles: raw values, not statistic sets).
    pub p50: Option<f64>,
    /// The 90th percentile.
    pub p90: Option<f64>,
    /// The 99th percentile.
    pub p99: Option<f64>,
}

/// One statistic of each of several metrics over `[start, end)`, in as few GetMetricData
/// requests as the 500-queries limit allows. Results come back in the order of `queries`.
pub async fn query(
    cw: &dyn CloudWatch,
    queries: &[(Metric, &str)],
    period_secs: u32,
    start: SystemTime,
    end: SystemTime,
) -> Result<Vec<Series>> {
    crate::validate::non_empty("queries", queries)?;
    let all: Vec<MetricDataQuery> = queries
        .iter()
        .enumerate()
        .map(|(i, (m, stat))| {
            MetricDataQuery::builder()
                .id(format!("q{i}"))
                .metric(
                    MetricStat::builder()
                        .metric(m.clone())
                        .period_secs(period_secs)
                        .stat(*stat)
                        .build(),
                )
                .build()
        })
        .collect();
    // Validate every chunk before sending any.
    let requests = all
        .chunks(MAX_METRIC_DATA_QUERIES)
        .map(|c| {
            GetMetricDataRequest::builder()
                .queries(c.to_vec())
                .start(start)
                .end(end)
                .build()
        })
        .collect::<Result<Vec<_>>>()?;
    let mut by_id: BTreeMap<String, MetricDataResult> = BTreeMap::new();
    for req in requests {
        let results = cw.get_metric_data(req).await?;
        by_id.extend(results.into_iter().map(|r| (r.id.clone(), r)));
    }
    Ok(queries
        .iter()
        .enumerate()
        .map(|(i, (_, stat))| {
            let mut points: Vec<(SystemTime, f64)> = by_id
                .remove(&format!("q{i}"))
                .map(|r| r.timestamps.into_iter().zip(r.values).collect())
                .unwrap_or_default();
            points.sort_by_key(|p| p.0);
            Series {
                stat: stat.to_string(),
                points,
            }
        })
        .collect())
}

/// One statistic (`Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount` or `pNN`) of one
/// metric per period over `[start, end)`.
pub async fn series(
    cw: &dyn CloudWatch,
    metric: &Metric,
    stat: &str,
    period_secs: u32,
    start: SystemTime,
    end: SystemTime,
) -> Result<Series> {
    let mut out = query(cw, &[(metric.clone(), stat)], period_secs, start, end).await?;
    Ok(out.remove(0))
}

/// The common statistics ([`SUMMARY_STATS`]) of one metric per period over `[start, end)`, in
/// one GetMetricData request. Periods without data are left out.
pub async fn summary(
    cw: &dyn CloudWatch,
    metric: &Metric,
    period_secs: u32,
    start: SystemTime,
    end: SystemTime,
) -> Result<Vec<Summary>> {
    let queries: Vec<(Metric, &str)> = SUMMARY_STATS.iter().map(|s| (metric.clone(), *s)).collect();
    let series = query(cw, &queries, period_secs, start, end).await?;
    let at = |i: usize, t: SystemTime| series[i].points.iter().find(|p| p.0 == t).map(|p| p.1);
    Ok(series[0]
        .points
        .iter()
        .map(|&(t, count)| Summary {
            timestamp: t,
            sample_count: count,
            sum: at(1, t).unwrap_or(0.0),
            average: at(2, t).unwrap_or(f64::NAN),
            minimum: at(3, t).unwrap_or(f64::NAN),
            maximum: at(4, t).unwrap_or(f64::NAN),
            p50: at(5, t),
            p90: at(6, t),
            p99: at(7, t),
        })
        .collect())
}

/// Whether a datapoint surely passes PutMetricData's rules for a datum (a name of 1-255
/// characters, valid dimension names and values, a finite value), checked without building a
/// request or any field path. `false` means "maybe not": the caller then runs the full rules.
/// Repeated dimension names and the number of dimensions are checked by the caller.
fn fast_valid(metric: &str, dimensions: &[(&str, &str)], value: f64) -> bool {
    value.is_finite()
        && crate::cloudwatch::metric_name_surely_valid(metric)
        && dimensions
            .iter()
            .all(|(n, v)| crate::cloudwatch::dimension_surely_valid(n, v))
}

fn datum_points(d: &MetricDatum) -> u64 {
    if d.values.is_empty() {
        1
    } else if d.counts.is_empty() {
        d.values.len() as u64
    } else {
        d.counts.iter().sum::<f64>() as u64
    }
}

/// The least-privilege IAM policy for a [`MetricsPublisher`] on `namespace`:
/// `cloudwatch:PutMetricData` (which has no resource type; it is scoped by the
/// `cloudwatch:namespace` condition key).
pub fn iam_policy(namespace: &str) -> crate::iam::Policy {
    use crate::iam::{Policy, Statement};
    Policy::new(vec![
        Statement::allow(["cloudwatch:PutMetricData"], ["*"])
            .sid("PutToNamespace")
            .condition("StringEquals", "cloudwatch:namespace", [namespace]),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn bad_input_names_the_field() {
        let cloud = crate::Cloud::sim();
        let e = MetricsPublisher::new(cloud.cloudwatch.clone(), "AWS/EC2").unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "namespace"),
            "{e}"
        );
        let p = MetricsPublisher::new(cloud.cloudwatch, "App").unwrap();
        let e = p.record("Latency", &[], f64::NAN, Unit::Milliseconds).unwrap_err();
        assert!(matches!(&e, Error::Validation { field, .. } if field == "value"), "{e}");
        let e = p.record("", &[], 1.0, Unit::Count).unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, .. } if field == "metric_name"),
            "{e}"
        );
        assert_eq!(p.pending(), 0);
    }

    /// The quick checks of `record` fall back to PutMetricData's rules, which name the field
    /// path (indices of the sorted dimensions) and the rule, exactly as before.
    #[test]
    fn invalid_datum_names_the_field_path() {
        let cloud = crate::Cloud::sim();
        let p = MetricsPublisher::new(cloud.cloudwatch, "App").unwrap();
        let field = |r: Result<bool>| match r.unwrap_err() {
            Error::Validation { field, rule } => (field, rule),
            e => panic!("{e}"),
        };
        let (f, rule) = field(p.record("M", &[("b", "x"), ("a", "")], 1.0, Unit::Count));
        assert_eq!(f, "dimensions[0].value");
        assert!(rule.contains("1 to 1024"), "{rule}");
        let (f, _) = field(p.record("M", &[("z", "x"), (":a", "y")], 1.0, Unit::Count));
        assert_eq!(f, "dimensions[0].name");
        let (f, rule) = field(p.record("M", &[("a", "x"), ("a", "y")], 1.0, Unit::Count));
        assert_eq!(f, "dimensions");
        assert!(rule.contains("twice"), "{rule}");
        let many: Vec<(String, String)> = (0..31).map(|i| (format!("d{i}"), "v".to_string())).collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let (f, rule) = field(p.record("M", &many, 1.0, Unit::Count));
        assert_eq!(f, "dimensions");
        assert!(rule.contains("at most 30"), "{rule}");
        let (f, _) = field(p.record(&"é".repeat(256), &[], 1.0, Unit::Count));
        assert_eq!(f, "metric_name");
        let (f, _) = field(p.record("M", &[], f64::INFINITY, Unit::Count));
        assert_eq!(f, "value");
        // 255 two-byte characters are within the limit (characters, not bytes, count).
        assert!(!p.record(&"é".repeat(255), &[], 1.0, Unit::Count).unwrap());
        assert_eq!(p.pending(), 1);
    }

    /// A series already seen is found whatever the order of its dimensions; values fold into
    /// counts, `-0.0` and `0.0` stay apart, and items come out in key order.
    #[tokio::test]
    async fn series_fold_and_drain_in_order() {
        let cloud = crate::Cloud::sim();
        let p = MetricsPublisher::new(cloud.cloudwatch, "App").unwrap();
        let at = UNIX_EPOCH + Duration::from_secs(600);
        for (dims, v) in [
            (&[("b", "2"), ("a", "1")][..], 3.0),
            (&[("a", "1"), ("b", "2")][..], 3.0),
            (&[("a", "1"), ("b", "2")][..], 1.0),
            (&[("a", "0")][..], 0.0),
            (&[("a", "0")][..], -0.0),
        ] {
            p.record_at("M", dims, v, Unit::Count, at).unwrap();
        }
        let items = p.drain();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].dimensions, vec![Dimension::new("a", "0")]);
        assert_eq!(items[0].values.len(), 2);
        assert!(items[0].values[0].is_sign_negative());
        assert_eq!(
            items[1].dimensions,
            vec![Dimension::new("a", "1"), Dimension::new("b", "2")]
        );
        assert_eq!(
            (items[1].values.clone(), items[1].counts.clone()),
            (vec![1.0, 3.0], vec![1.0, 2.0])
        );
        assert_eq!(p.pending(), 0);
    }

    #[test]
    fn colliding_hashes_chain() {
        let mut b = Buffer::default();
        // Three series under one hash: the chain keeps them apart and finds each again.
        for _ in 0..2 {
            for m in ["A", "B", "C"] {
                b.add_hashed(7, m, &[("d", m)], Unit::Count, 0, 1.0);
            }
        }
        assert_eq!(b.index.len(), 1);
        assert_eq!(b.entries.len(), 3);
        for (i, m) in ["A", "B", "C"].into_iter().enumerate() {
            assert!(b.entries[i].key.is(m, &[("d", m)], Unit::Count, 0));
            assert_eq!(b.entries[i].values[&1.0f64.to_bits()], 2.0);
        }
        assert_eq!(
            (b.entries[0].next, b.entries[1].next, b.entries[2].next),
            (Some(1), Some(2), None)
        );
    }
}
