//! Deploy a Lambda function with versions and an alias, then two canary releases guarded by
//! a CloudWatch alarm: one rolls back because errors are reported during its bake, the next
//! one is promoted. Old versions are pruned as it goes.
//!
//! ```text
//! cargo run --example lambda_deploy                                # the simulator (virtual time)
//! cargo run --features emulator --example lambda_deploy -- --endpoint-url http://127.0.0.1:5000 --role ARN  # moto
//! cargo run --example lambda_deploy -- --aws --role ARN            # a real account (costs money)
//! cargo run --example lambda_deploy -- --keep                      # keep the function and alarm
//! cargo run --example lambda_deploy -- --function my-greeter       # another function name (alarm: NAME-errors)
//! ```
//!
//! On moto, alarms never evaluate, so the "bad" release is promoted there too (the example
//! says so); on the simulator and on AWS the published errors fire the alarm.
mod common;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use aws_facade::cloudwatch::Unit;
use aws_facade::id::{AlarmName, Arn, FunctionName};
use aws_facade::lambda::Lambda;
use aws_facade::workflows::alarms::count_above;
use aws_facade::workflows::lambda_deploy::{Canary, Deployment, Outcome, deploy, invoke_json, zip_files};
use aws_facade::workflows::metrics::{Clock, MetricsPublisher, PublisherConfig};
use clap::Parser;
use common::Backend;

/// Deploy a Lambda function with versions and an alias, then two canary releases guarded by a
/// CloudWatch alarm: the first rolls back (errors during its bake), the second is promoted.
/// Runs on the in-process simulator unless told otherwise.
#[derive(Parser, Debug)]
#[command(name = "lambda_deploy")]
struct Args {
    #[command(flatten)]
    common: common::Common,

    /// The function's execution role (needed on AWS and moto)
    #[arg(
        long,
        value_name = "ARN",
        default_value = "arn:aws:iam::123456789012:role/demo-greeter"
    )]
    role: Arn,

    /// The function's name; its error alarm is NAME-errors
    #[arg(long, value_name = "NAME", default_value = "demo-greeter")]
    function: FunctionName,
}

fn release(n: u32) -> aws_facade::Result<bytes::Bytes> {
    let code = format!("def handler(event, context):\n    return {{'greeting': 'hello', 'release': {n}}}\n");
    zip_files(&[("app.py", code.as_bytes())])
}

fn main() -> ExitCode {
    common::exit(run(Args::parse()))
}

fn run(args: Args) -> common::Result<()> {
    let backend = args.common.backend();
    eprintln!("lambda deploy on {}", backend.describe());
    let function = args.function;
    let alarm_name: AlarmName = format!("{function}-errors").parse()?;
    let clock = match &backend {
        Backend::Sim(sim) | Backend::Wire(sim) => {
            // The simulator runs Rust handlers in place of the code.
            sim.register_handler(
                function.as_str(),
                Arc::new(|inv: &aws_facade::sim::Invocation| {
                    Ok(serde_json::json!({"greeting": "hello", "version": inv.version}))
                }),
            );
            Clock::sim(sim)
        }
        _ => Clock::system(),
    };
    let on_moto = matches!(backend, Backend::Endpoint(_));
    let keep = args.common.keep;
    let report = args.common.output();
    let role = args.role;
    backend.run(&args.common, |cloud| async move {
        let spec = Deployment::builder()
            .function(function.clone())
            .runtime("python3.12")
            .handler("app.handler")
            .role(role)
            .memory_mb(256)
            .keep_versions(2)
            .build()?;

        eprintln!("\n== release 1: create");
        let out = deploy(&cloud, &spec, release(1)?, None, report.progress()).await?;
        eprintln!("   -> {:?}, version {}", out.outcome, out.version);

        let alarm = count_above(alarm_name.clone(), "Demo/Greeter", "Errors", &[], 5.0)?;
        cloud.cloudwatch.put_metric_alarm(alarm).await?;
        let canary = Canary::new(0.1, Duration::from_secs(300), vec![alarm_name.clone()]);

        eprintln!("\n== release 2: canary 10 % for 5 minutes; the app reports errors meanwhile");
        let publisher = MetricsPublisher::with_config(
            cloud.cloudwatch.clone(),
            "Demo/Greeter",
            PublisherConfig {
                clock: clock.clone(),
                ..Default::default()
            },
        )?;
        let reporter = async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            for _ in 0..25 {
                publisher.record("Errors", &[], 1.0, Unit::Count)?;
            }
            publisher
                .flush()
                .await
                .map(|r| eprintln!("          (published {} error datapoints)", r.datapoints))
        };
        let (out, reported) = tokio::join!(
            deploy(&cloud, &spec, release(2)?, Some(canary.clone()), report.progress()),
            reporter
        );
        reported?;
        let out = out?;
        match &out.outcome {
            Outcome::RolledBack { alarm } => eprintln!(
                "   -> rolled back: alarm {alarm} fired; alias back on {}",
                out.previous_version.as_deref().unwrap_or("?")
            ),
            other if on_moto => eprintln!("   -> {other:?} (moto does not evaluate alarms, so nothing fired)"),
            other => eprintln!("   -> {other:?}"),
        }

        // Errors stop; wait until the alarm is OK again before the next release.
        if !on_moto {
            tokio::time::sleep(Duration::from_secs(180)).await;
        }
        eprintln!("\n== release 3: canary 10 % for 5 minutes, no errors");
        let out = deploy(&cloud, &spec, release(3)?, Some(canary), report.progress()).await?;
        eprintln!(
            "   -> {:?}, version {}; deleted old versions {:?}",
            out.outcome, out.version, out.deleted_versions
        );

        let answer: serde_json::Value = invoke_json(
            cloud.lambda.as_ref(),
            &spec.function,
            Some("live"),
            &serde_json::json!({"name": "you"}),
        )
        .await?;
        eprintln!("\n== invoke live: {answer}");
        if keep {
            return report.result(&out);
        }
        eprintln!("\n== clean up");
        cloud.cloudwatch.delete_alarms(vec![alarm_name.clone()]).await?;
        cloud.lambda.delete_function(spec.function.clone(), None).await?;
        eprintln!("deleted alarm {alarm_name} and function {function}");
        Ok(())
    })
}
