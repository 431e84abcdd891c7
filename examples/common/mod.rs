//! What the examples share: choosing the backend from the command line and printing progress.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;

use aws_facade::Cloud;
use aws_facade::workflows::{Event, Progress};

/// Where an example runs.
pub enum Backend {
    /// The in-process simulator on a paused tokio clock: no account, no network, no waiting.
    Sim(aws_facade::sim::SimCloud),
    /// An emulator such as moto (static test credentials, region us-east-1).
    Endpoint(String),
    /// A real AWS account through the default credential chain.
    Aws,
}

/// Command-line options common to the examples.
pub struct Args {
    pub backend: Backend,
    pub keep: bool,
    pub rest: Vec<String>,
}

pub fn args() -> Args {
    let mut it = std::env::args().skip(1);
    let mut backend = Backend::Sim(aws_facade::sim::SimCloud::new());
    let mut keep = false;
    let mut rest = Vec::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--endpoint-url" => backend = Backend::Endpoint(it.next().expect("--endpoint-url needs a URL")),
            "--aws" => backend = Backend::Aws,
            "--keep" => keep = true,
            "-h" | "--help" => {
                eprintln!(
                    "options: [--endpoint-url URL | --aws] [--keep]\n  default: the in-process simulator (no account, no network)"
                );
                std::process::exit(0);
            }
            _ => rest.push(a),
        }
    }
    Args { backend, keep, rest }
}

impl Backend {
    pub fn describe(&self) -> String {
        match self {
            Backend::Sim(_) => "the in-process simulator (virtual time)".into(),
            Backend::Endpoint(u) => format!("the emulator at {u}"),
            Backend::Aws => "AWS (default credential chain)".into(),
        }
    }

    /// Runs `f` with a Cloud for this backend: on the simulator under tokio's paused clock
    /// (waits cost no real time, timings shown are virtual), elsewhere on the real clock.
    pub fn run<F, Fut, T>(&self, f: F) -> T
    where
        F: FnOnce(Cloud) -> Fut,
        Fut: Future<Output = T>,
    {
        let mut rt = tokio::runtime::Builder::new_current_thread();
        rt.enable_all();
        if matches!(self, Backend::Sim(_)) {
            rt.start_paused(true);
        }
        let rt = rt.build().expect("tokio runtime");
        rt.block_on(async {
            let cloud = match self {
                Backend::Sim(sim) => sim.cloud(),
                Backend::Endpoint(url) => emulator_cloud(url),
                Backend::Aws => Cloud::from_env().await,
            };
            f(cloud).await
        })
    }
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

/// Prints workflow events to stderr as they happen.
pub fn printer() -> Option<Progress> {
    Some(Arc::new(|e: &Event| eprintln!("{e}")))
}
