//! The simulator over HTTP: one endpoint on 127.0.0.1 for EC2, EBS direct, ELBv2, CloudWatch
//! and Lambda, in each service's real protocol, for clients in any language.
//!
//! ```text
//! cargo run --features wire --example sim_server -- --port 4566
//! cargo run --features wire --example sim_server -- --port 4566 --clock-speed 60   # a minute a second
//! cargo run --features wire --example sim_server -- --log              # each request on stderr
//! # then, in another shell:
//! AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
//!     AWS_REGION=us-east-1 aws ec2 describe-instances
//! curl -X POST http://127.0.0.1:4566/sim-api/reset                     # a fresh simulator
//! ```
//!
//! It runs until Ctrl-C (or SIGTERM), then stops gracefully: requests in flight finish.

use std::process::ExitCode;

use aws_facade::sim::wire::Server;
use aws_facade::sim::{SimCloud, SimConfig};
use clap::Parser;

/// Serve the aws-facade simulator over HTTP (signatures accepted, not verified).
#[derive(Parser, Debug)]
#[command(name = "sim_server")]
struct Args {
    /// The port on 127.0.0.1 (0: any free one)
    #[arg(long, default_value_t = 4566)]
    port: u16,

    /// The address to listen on. Anything but a loopback address exposes an unauthenticated
    /// endpoint to the network
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,

    /// How fast the simulated clock runs: 1 is real time, 60 a simulated minute per second
    /// (lifecycles, metric periods, alarm evaluation)
    #[arg(long, default_value_t = 1.0, value_parser = positive)]
    clock_speed: f64,

    /// Seed of the simulator's ids and randomness
    #[arg(long, default_value_t = 0x5eed)]
    seed: u64,

    /// Log each request (method, path, service, status, time) on stderr
    #[arg(long)]
    log: bool,
}

fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a finite, positive number")),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.log {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_env_filter(tracing_subscriber::EnvFilter::new("aws_facade::sim::wire=info"))
            .init();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let config = SimConfig {
            seed: args.seed,
            clock_speed: args.clock_speed,
            ..SimConfig::default()
        };
        let server = match Server::bind(SimCloud::with_config(config), (args.host, args.port)).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot listen on {}:{}: {e}", args.host, args.port);
                return ExitCode::FAILURE;
            }
        };
        if !args.host.is_loopback() {
            eprintln!(
                "warning: listening on {}, not loopback: anyone who reaches it can use it",
                args.host
            );
        }
        // The endpoint on stdout (a script can read it), the rest on stderr.
        println!("{}", server.endpoint_url());
        eprintln!(
            "serving EC2, EBS direct, ELBv2, CloudWatch and Lambda at {} (clock x{}); Ctrl-C stops",
            server.endpoint_url(),
            args.clock_speed
        );
        shutdown_signal().await;
        eprintln!("stopping");
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
