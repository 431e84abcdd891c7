//! What the examples share: the common command-line flags, choosing the backend, printing
//! progress, and reporting errors.
#![allow(dead_code)]

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

use aws_facade::Cloud;
use aws_facade::sim::{SimCloud, SimConfig};
use aws_facade::workflows::{Event, Progress};

/// What an example's run returns: any error, reported by [`exit`].
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The flags every example takes (`#[command(flatten)]` it into the example's arguments).
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// Run against an emulator such as moto at URL, e.g. http://127.0.0.1:5000 (build with
    /// `--features emulator` so that CloudWatch speaks moto's protocol)
    #[arg(long, value_name = "URL", value_parser = endpoint_url, conflicts_with = "aws")]
    pub endpoint_url: Option<String>,

    /// Run against a real AWS account through the default credential chain (costs money)
    #[arg(long, conflicts_with = "wire")]
    pub aws: bool,

    /// Run on the simulator through the SDK adapters and each service's real protocol (the
    /// simulator's wire front end, in process; build with `--features wire`)
    #[arg(long, conflicts_with = "endpoint_url")]
    pub wire: bool,

    /// Keep what the example made instead of removing it at the end (its outputs go to stdout
    /// as JSON)
    #[arg(long)]
    pub keep: bool,

    /// Print the progress events as JSON lines on stdout instead of human lines on stderr
    #[arg(long)]
    pub json: bool,

    /// Seed run ids, client tokens and retry jitter (and, on the simulator, its ids and
    /// routing): the same seed, the same run
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Log every AWS call and workflow step (tracing spans) on stderr; FILTER is an
    /// EnvFilter directive such as `aws_facade=debug` (default `aws_facade=info`)
    #[arg(long, value_name = "FILTER", num_args = 0..=1, default_missing_value = "aws_facade=info")]
    pub trace: Option<String>,
}

/// `--endpoint-url` must be an http(s) URL with a host (checked before anything runs).
fn endpoint_url(s: &str) -> std::result::Result<String, String> {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or("expected an http:// or https:// URL, e.g. http://127.0.0.1:5000")?;
    if rest.split(['/', ':']).next().unwrap_or("").is_empty() {
        return Err("the URL has no host".into());
    }
    Ok(s.to_string())
}

/// Where an example runs.
pub enum Backend {
    /// The in-process simulator on a paused tokio clock: no account, no network, no waiting.
    Sim(SimCloud),
    /// An emulator such as moto (static test credentials, region us-east-1).
    Endpoint(String),
    /// A real AWS account through the default credential chain.
    Aws,
    /// The simulator through the SDK adapters over its wire front end (paused clock too).
    Wire(SimCloud),
}

impl Common {
    /// The backend the flags choose (the simulator unless `--endpoint-url` or `--aws`).
    pub fn backend(&self) -> Backend {
        let sim = || match self.seed {
            Some(seed) => SimCloud::with_config(SimConfig {
                seed,
                ..Default::default()
            }),
            None => SimCloud::new(),
        };
        match (&self.endpoint_url, self.aws) {
            (Some(url), _) => Backend::Endpoint(url.clone()),
            (None, true) => Backend::Aws,
            (None, false) if self.wire => Backend::Wire(sim()),
            (None, false) => Backend::Sim(sim()),
        }
    }

    /// How the example prints progress and results.
    pub fn output(&self) -> Output {
        Output { json: self.json }
    }
}

/// Where progress events and results go: human lines on stderr, or (`--json`) JSON lines on
/// stdout.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// A progress callback for the workflows.
    pub fn progress(self) -> Option<Progress> {
        Some(if self.json {
            // Every line names its run: the id comes with the run's first event.
            let run = std::sync::Mutex::new(None::<String>);
            Arc::new(move |e: &Event| {
                if let Event::RunStarted { run: id, .. } = e {
                    *run.lock().unwrap() = Some(id.clone());
                }
                json_line(&with_run(e, run.lock().unwrap().as_deref()))
            })
        } else {
            Arc::new(|e: &Event| eprintln!("{e}"))
        })
    }

    /// Prints what `--keep` kept: pretty JSON, or one JSON line with `--json`.
    pub fn result<T: serde::Serialize>(self, value: &T) -> Result<()> {
        if self.json {
            println!("{}", serde_json::to_string(value)?);
        } else {
            println!("{}", serde_json::to_string_pretty(value)?);
        }
        Ok(())
    }
}

/// `event` as JSON with a `run` field (the id of the run it belongs to), if it has none.
pub fn with_run<T: serde::Serialize>(event: &T, run: Option<&str>) -> serde_json::Value {
    let mut v = serde_json::to_value(event).unwrap_or(serde_json::Value::Null);
    if let (serde_json::Value::Object(map), Some(run)) = (&mut v, run) {
        map.entry("run").or_insert_with(|| run.into());
    }
    v
}

/// Prints `value` as one line of JSON on stdout.
pub fn json_line<T: serde::Serialize>(value: &T) {
    match serde_json::to_string(value) {
        Ok(line) => println!("{line}"),
        Err(e) => eprintln!("warning: event not printed: {e}"),
    }
}

impl Backend {
    pub fn describe(&self) -> String {
        match self {
            Backend::Sim(_) => "the in-process simulator (virtual time)".into(),
            Backend::Endpoint(u) => format!("the emulator at {u}"),
            Backend::Aws => "AWS (default credential chain)".into(),
            Backend::Wire(_) => "the in-process simulator through the SDK adapters on the wire (virtual time)".into(),
        }
    }

    /// Runs `f` with a Cloud for this backend (seeded with `seed` if given): on the simulator
    /// under tokio's paused clock (waits cost no real time, timings shown are virtual),
    /// elsewhere on the real clock.
    pub fn run<F, Fut, T>(&self, common: &Common, f: F) -> Result<T>
    where
        F: FnOnce(Cloud) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        common.init_tracing()?;
        let seed = common.seed;
        if let Backend::Endpoint(url) = self {
            // Fail up front (rather than on the first call) for plain http to a remote host.
            Cloud::check_endpoint(url)?;
        }
        let mut rt = tokio::runtime::Builder::new_current_thread();
        rt.enable_all();
        if matches!(self, Backend::Sim(_) | Backend::Wire(_)) {
            rt.start_paused(true);
        }
        let rt = rt.build().map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
        rt.block_on(async {
            let cloud = match self {
                Backend::Sim(sim) => sim.cloud(),
                Backend::Endpoint(url) => emulator_cloud(url),
                Backend::Aws => Cloud::from_env().await,
                Backend::Wire(sim) => wire_cloud(sim)?,
            };
            let cloud = match seed {
                Some(seed) => cloud.with_seed(seed),
                None => cloud,
            };
            f(common.traced(cloud)).await
        })
    }
}

impl Common {
    /// With `--trace`: a tracing-subscriber on stderr showing the crate's spans as they
    /// close (one `aws_call` line per call, with its service, operation, outcome and time;
    /// one `workflow_step` per step). [`Backend::run`] calls it and [`Common::traced`].
    fn init_tracing(&self) -> Result<()> {
        let Some(filter) = &self.trace else { return Ok(()) };
        let filter = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| format!("--trace {filter:?}: {e}"))?;
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .without_time()
            .try_init()
            .map_err(|e| format!("cannot install the tracing subscriber: {e}"))?;
        Ok(())
    }

    /// The cloud with the `Tracing` layer when `--trace` is given.
    fn traced(&self, cloud: Cloud) -> Cloud {
        if self.trace.is_some() {
            cloud.layer(aws_facade::layer::Tracing::new())
        } else {
            cloud
        }
    }
}

/// The SDK adapters over the simulator's in-process wire client (SDK retries off: the crate's
/// retry layer is the one budget).
#[cfg(feature = "wire")]
fn wire_cloud(sim: &SimCloud) -> Result<Cloud> {
    let conf = sim
        .sdk_config()
        .to_builder()
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        .build();
    Ok(Cloud::from_conf(&conf))
}

#[cfg(not(feature = "wire"))]
fn wire_cloud(_: &SimCloud) -> Result<Cloud> {
    Err("--wire needs the simulator's wire front end: build with `--features wire`".into())
}

/// The SDK adapters against an emulator; with feature `emulator`, CloudWatch goes through the
/// protocol bridge moto needs.
#[cfg(feature = "emulator")]
fn emulator_cloud(url: &str) -> Cloud {
    aws_facade::emulator::cloud(url)
}

#[cfg(not(feature = "emulator"))]
fn emulator_cloud(url: &str) -> Cloud {
    eprintln!(
        "note: built without feature `emulator`: CloudWatch calls use the SDK's RPC v2 CBOR, which moto \
         does not speak (run with `--features emulator`)"
    );
    Cloud::for_endpoint(url, "us-east-1")
}

/// The exit status of an example's run: 0, or 1 after printing the error and its causes to
/// stderr (`error: ...` then one `  caused by: ...` line per source).
pub fn exit(result: Result<()>) -> ExitCode {
    let Err(e) = result else {
        return ExitCode::SUCCESS;
    };
    eprintln!("error: {e}");
    let mut shown = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        // Some messages already end with their cause's text: say it once.
        if !shown.contains(&text) {
            eprintln!("  caused by: {text}");
        }
        shown = text;
        cause = c.source();
    }
    ExitCode::FAILURE
}
