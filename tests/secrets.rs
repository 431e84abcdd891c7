//! Secrets are never printed or serialised by accident (issue #11, item 2): a marker put in
//! every secret field (instance user data, Lambda environment values) appears in no `Debug`
//! (plain or `{:#?}`), `Display`, serde JSON, workflow event or log line, during workflow runs
//! on the simulator too (with retries and a rollback, so the error and retry paths log).
#![cfg(feature = "sim")]

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use aws_facade::ec2::RunInstancesRequest;
use aws_facade::lambda::{Environment, FunctionConfiguration};
use aws_facade::layer::Faults;
use aws_facade::sim::SimCloud;
use aws_facade::workflows::lambda_deploy::{self, Deployment, zip_files};
use aws_facade::workflows::web_tier::{self, ImageSpec, WebTier};
use aws_facade::workflows::{Event, Progress};
use aws_facade::{SecretString, secret};

const MARKER: &str = "MARKER-s3cr3t-4f2a";

/// Asserts that none of `texts` contains the marker.
fn assert_hidden(what: &str, texts: &[String]) {
    for t in texts {
        assert!(!t.contains(MARKER), "{what} shows the secret: {t}");
    }
}

/// `Debug`, `{:#?}` and serde JSON of `v`.
fn renderings<T: std::fmt::Debug + serde::Serialize>(v: &T) -> Vec<String> {
    vec![
        format!("{v:?}"),
        format!("{v:#?}"),
        serde_json::to_string(v).unwrap(),
        serde_json::to_string_pretty(v).unwrap(),
    ]
}

// ---------------------------------------------------------------------------------------------
// A tracing subscriber that keeps every formatted event and span (all levels, all threads).

#[derive(Default)]
struct Capture {
    lines: Mutex<Vec<String>>,
    next_span: std::sync::atomic::AtomicU64,
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut line = format!("span {}", attrs.metadata().name());
        attrs.record(&mut Fields(&mut line));
        self.lines.lock().unwrap().push(line);
        let id = self.next_span.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        tracing::span::Id::from_u64(id)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = "record".to_string();
        values.record(&mut Fields(&mut line));
        self.lines.lock().unwrap().push(line);
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = format!("{} {}", event.metadata().level(), event.metadata().target());
        event.record(&mut Fields(&mut line));
        self.lines.lock().unwrap().push(line);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// The process-wide capture (installed once; every test of this binary logs into it, and any
/// line with the marker is a leak whichever test wrote it).
fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let c: &'static Capture = Box::leak(Box::default());
        tracing::subscriber::set_global_default(CaptureRef(c)).expect("no other subscriber");
        c
    })
}

/// `&'static Capture` as a subscriber.
struct CaptureRef(&'static Capture);

impl tracing::Subscriber for CaptureRef {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool {
        self.0.enabled(m)
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        self.0.max_level_hint()
    }
    fn new_span(&self, a: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.0.new_span(a)
    }
    fn record(&self, s: &tracing::span::Id, v: &tracing::span::Record<'_>) {
        self.0.record(s, v)
    }
    fn record_follows_from(&self, s: &tracing::span::Id, f: &tracing::span::Id) {
        self.0.record_follows_from(s, f)
    }
    fn event(&self, e: &tracing::Event<'_>) {
        self.0.event(e)
    }
    fn enter(&self, s: &tracing::span::Id) {
        self.0.enter(s)
    }
    fn exit(&self, s: &tracing::span::Id) {
        self.0.exit(s)
    }
}

/// The captured lines so far.
fn log_lines() -> Vec<String> {
    capture().lines.lock().unwrap().clone()
}

type Events = Arc<Mutex<Vec<Event>>>;

fn recorder() -> (Events, Progress) {
    let events: Events = Arc::default();
    let e = events.clone();
    (events, Arc::new(move |ev: &Event| e.lock().unwrap().push(ev.clone())))
}

/// Every event as `Display`, `Debug` and JSON.
fn event_texts(events: &Events) -> Vec<String> {
    let events = events.lock().unwrap();
    assert!(!events.is_empty(), "the workflow reported events");
    events
        .iter()
        .flat_map(|e| [e.to_string(), format!("{e:?}"), serde_json::to_string(e).unwrap()])
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The wrapper and the request types

#[test]
fn secret_string_shows_its_length_only() {
    let s = SecretString::from(MARKER);
    assert_eq!(format!("{s}"), "[redacted; 18 bytes]");
    assert_hidden("SecretString", &[format!("{s}"), format!("{s:?}"), format!("{s:#?}")]);
    assert_hidden("SecretString", &renderings(&Some(s.clone())));
    assert_eq!(s.expose_secret(), MARKER);
}

#[test]
fn run_instances_request_hides_user_data() {
    let req = RunInstancesRequest::builder()
        .image_id("ami-0123456789abcdef0".parse().unwrap())
        .instance_type("t3.micro".parse().unwrap())
        .user_data(format!("#!/bin/sh\nexport DB_PASSWORD={MARKER}\n"))
        .build()
        .unwrap();
    assert_hidden("RunInstancesRequest", &renderings(&req));
    assert!(format!("{req:?}").contains("user_data: Some([redacted; 48 bytes])"));
    // The adapters read it explicitly.
    assert!(req.user_data.as_ref().unwrap().expose_secret().contains(MARKER));
}

fn web_tier_with_secret(name: &str) -> WebTier {
    WebTier::builder()
        .name(name.parse().unwrap())
        .image(ImageSpec::latest("al2023-ami-2023*-x86_64", "amazon"))
        .count(2)
        .user_data(format!("#!/bin/sh\necho {MARKER} > /etc/app-token\n"))
        .build()
        .unwrap()
}

#[test]
fn web_tier_spec_reads_plain_user_data_and_writes_it_redacted() {
    let json = serde_json::json!({
        "name": "shop",
        "image": {"latest": {"name_pattern": "al2023-ami-*", "owner": "amazon"}},
        "user_data": format!("#!/bin/sh\necho {MARKER}\n"),
    });
    let spec: WebTier = serde_json::from_value(json).unwrap();
    assert_eq!(
        spec.user_data.as_ref().unwrap().expose_secret(),
        &format!("#!/bin/sh\necho {MARKER}\n")
    );
    assert_hidden("WebTier", &renderings(&spec));
    assert_hidden("WebTier", &renderings(&web_tier_with_secret("shop")));

    // Written redacted, it is not read back as user data (no tier launches with a placeholder).
    let redacted = serde_json::to_string(&spec).unwrap();
    assert!(
        redacted.contains(r#""user_data":{"redacted":true,"len":"#),
        "{redacted}"
    );
    let e = serde_json::from_str::<WebTier>(&redacted).unwrap_err().to_string();
    assert!(e.contains("redacted") && e.contains("exposing"), "{e}");
    // Written inside `exposing`, the spec file round-trips.
    let exposed = secret::exposing(|| serde_json::to_string_pretty(&spec).unwrap());
    assert!(exposed.contains(MARKER));
    assert_eq!(serde_json::from_str::<WebTier>(&exposed).unwrap(), spec);
}

#[test]
fn lambda_specs_read_plain_environment_values_and_write_them_redacted() {
    let json = serde_json::json!({
        "function": "shop-api", "runtime": "python3.12", "handler": "app.handler",
        "role": "arn:aws:iam::123456789012:role/r",
        "environment": {"DB_PASSWORD": MARKER, "MODE": "prod"},
    });
    let spec: Deployment = serde_json::from_value(json).unwrap();
    assert_eq!(spec.environment.get("DB_PASSWORD").unwrap().expose_secret(), MARKER);
    assert_hidden("Deployment", &renderings(&spec));
    let dbg = format!("{spec:?}");
    assert!(
        dbg.contains("DB_PASSWORD") && dbg.contains("MODE"),
        "keys are shown: {dbg}"
    );
    let exposed = secret::exposing(|| serde_json::to_string(&spec).unwrap());
    assert_eq!(serde_json::from_str::<Deployment>(&exposed).unwrap(), spec);
    assert!(serde_json::from_str::<Deployment>(&serde_json::to_string(&spec).unwrap()).is_err());
}

// ---------------------------------------------------------------------------------------------
// Workflow runs on the simulator

#[tokio::test(start_paused = true)]
async fn web_tier_apply_and_destroy_never_show_user_data() {
    capture();
    let sim = SimCloud::new();
    // Transient faults (lost answers included): the retry and adoption paths log and report;
    // every call is traced as a span (outside the faults, so failed attempts show too).
    let cloud = sim
        .cloud()
        .layer(Faults::new(11).transient(0.15))
        .layer(aws_facade::layer::Tracing::new());
    let spec = web_tier_with_secret("vault");
    let (events, progress) = recorder();
    let out = spec.apply(&cloud, Some(progress.clone())).await.unwrap();
    assert_eq!(out.instance_ids.len(), 2);
    assert_hidden("WebTierOutputs", &renderings(&out));
    // Re-apply (finds by tags) and destroy.
    let again = spec.apply(&cloud, Some(progress.clone())).await.unwrap();
    assert_eq!(again.instance_ids, out.instance_ids);
    let teardown = web_tier::destroy(&cloud, &out, Some(progress)).await.unwrap();
    assert_hidden("teardown", &[format!("{teardown:?}"), format!("{teardown:#?}")]);
    assert_hidden("web tier events", &event_texts(&events));
    let lines = log_lines();
    assert!(
        lines.iter().any(|l| l.contains("workflow event")),
        "the capture sees the workflow's log lines"
    );
    // The Tracing layer: a span per call, with what it was and how it ended.
    assert!(
        lines.iter().any(|l| l.starts_with("span aws_call")
            && l.contains("operation=\"RunInstances\"")
            && l.contains("iam_action=\"ec2:RunInstances\"")),
        "a span for RunInstances"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("span aws_attempt") && l.contains("attempt=2")),
        "retried attempts are numbered"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("record") && l.contains("outcome=\"error\""))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("record") && l.contains("error_code=\""))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("record") && l.contains("duration_ms="))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("span workflow_step") && l.contains("step=\"load balancer\"")),
        "workflow steps are spans"
    );
    assert_hidden("log lines", &lines);
}

fn deployment(env: Environment) -> Deployment {
    Deployment::builder()
        .function("vault-api".parse().unwrap())
        .runtime("python3.12")
        .handler("app.handler")
        .role("arn:aws:iam::123456789012:role/vault-api".parse().unwrap())
        .environment(env)
        .build()
        .unwrap()
}

fn package(release: u32) -> bytes::Bytes {
    let code = format!("def handler(event, ctx):\n    return {{'release': {release}}}\n");
    zip_files(&[("app.py", code.as_bytes())]).unwrap()
}

#[tokio::test(start_paused = true)]
async fn lambda_deploy_never_shows_environment_values() {
    capture();
    let sim = SimCloud::new();
    sim.register_handler(
        "vault-api",
        Arc::new(|inv: &aws_facade::sim::Invocation| Ok(serde_json::json!({"version": inv.version}))),
    );
    let env = |v: &str| -> Environment { [("DB_PASSWORD", v), ("MODE", "prod")].into_iter().collect() };
    let (events, progress) = recorder();

    // Create, with transient faults.
    let cloud = sim.cloud().layer(Faults::new(5).transient(0.15));
    let first = lambda_deploy::deploy(
        &cloud,
        &deployment(env(MARKER)),
        package(1),
        None,
        Some(progress.clone()),
    )
    .await
    .unwrap();
    assert_hidden("DeployOutputs", &renderings(&first));

    // An update of code and configuration whose alias move fails: rolled back, with errors
    // reported and logged.
    let failing = sim
        .cloud()
        .layer(Faults::new(0).script("UpdateAlias", 1, "AccessDenied"));
    let marker2 = format!("{MARKER}-2");
    let e = lambda_deploy::deploy(
        &failing,
        &deployment(env(&marker2)),
        package(2),
        None,
        Some(progress.clone()),
    )
    .await
    .unwrap_err();
    assert_hidden("deploy error", &[e.to_string(), format!("{e:?}"), format!("{e:#?}")]);

    // An update that succeeds.
    let second = lambda_deploy::deploy(
        &sim.cloud(),
        &deployment(env(&marker2)),
        package(3),
        None,
        Some(progress.clone()),
    )
    .await
    .unwrap();
    assert_hidden("DeployOutputs", &renderings(&second));

    // What Lambda reports back: every configuration and version.
    let cfg: FunctionConfiguration = cloud
        .lambda
        .get_function_configuration("vault-api".parse().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        cfg.environment.get("DB_PASSWORD").unwrap().expose_secret(),
        &marker2,
        "the value reached the function"
    );
    assert_hidden("FunctionConfiguration", &renderings(&cfg));
    let versions = cloud.lambda.list_versions("vault-api".parse().unwrap()).await.unwrap();
    assert_hidden("versions", &renderings(&versions));
    let functions = cloud.lambda.list_functions().await.unwrap();
    assert_hidden("functions", &renderings(&functions));

    lambda_deploy::destroy_by_name(&sim.cloud(), &"vault-api".parse().unwrap(), Some(progress))
        .await
        .unwrap();
    assert_hidden("lambda events", &event_texts(&events));
    let lines = log_lines();
    assert!(lines.iter().any(|l| l.contains("workflow event")));
    assert_hidden("log lines", &lines);
}
