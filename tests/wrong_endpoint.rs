//! Errors tell the truth (issue #10, items 1 and 2), through the real SDK adapters against a
//! local endpoint that does not speak any AWS protocol:
//!
//! - a 404 with an HTML page, a 200 with an empty body and a 200 with an HTML page are
//!   [`ErrorKind::UnrecognizedResponse`] (never not-found, never success), name the HTTP status,
//!   are not retried, and no destroy claims to have removed anything;
//! - a 503 with an HTML page is retried, within [`Retry::standard`]'s budget, and then fails
//!   the same way;
//! - a refused connection is a transport error after 3 attempts, within seconds.
//!
//! Real sockets, real time: every test binds only 127.0.0.1 and takes a few seconds at most.
#![cfg(all(
    feature = "ec2",
    feature = "ebs",
    feature = "elbv2",
    feature = "cloudwatch",
    feature = "lambda"
))]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_facade::cloudwatch::DescribeAlarmsRequest;
use aws_facade::ebs::{GetSnapshotBlockRequest, ListSnapshotBlocksRequest, PutSnapshotBlockRequest};
use aws_facade::ec2::DescribeInstancesRequest;
use aws_facade::elb::DescribeLoadBalancersRequest;
use aws_facade::layer::{Recording, Retry, RetryEvent, RetryObserver, retry_observer};
use aws_facade::workflows::volume::{self, VolumeOutputs};
use aws_facade::workflows::web_tier::{self, WebTierOutputs};
use aws_facade::workflows::{Event, Progress, lambda_deploy, snapshot};
use aws_facade::{Cloud, Error, ErrorKind, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

// ---------------------------------------------------------------------------------------------
// A server that answers every request with the same response

/// A loopback HTTP/1.1 server answering every request with one fixed response (and
/// `Connection: close`), counting the requests it received.
struct Server {
    url: String,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start(status: &'static str, content_type: &'static str, body: &'static str) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let task = tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (counter, response) = (counter.clone(), response.clone());
                tokio::spawn(async move {
                    // Read the request head and its Content-Length body, then answer and close.
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + len {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    let _ = sock.write_all(response.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Server { url, hits, task }
    }

    /// The requests received since the last call.
    fn take_hits(&self) -> usize {
        self.hits.swap(0, Ordering::SeqCst)
    }
}

/// The three ways a wrong endpoint answers, as (status line, content type, body).
const NOT_FOUND_HTML: (&str, &str, &str) = (
    "404 Not Found",
    "text/html",
    "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>",
);
const OK_EMPTY: (&str, &str, &str) = ("200 OK", "text/plain", "");
const OK_HTML: (&str, &str, &str) = (
    "200 OK",
    "text/html",
    "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>",
);
const UNAVAILABLE_HTML: (&str, &str, &str) = (
    "503 Service Unavailable",
    "text/html",
    "<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>",
);

// ---------------------------------------------------------------------------------------------
// What the tests call

fn web_tier_outputs() -> WebTierOutputs {
    // As saved by an apply (serde), so the test depends only on the outputs' public format.
    serde_json::from_value(serde_json::json!({
        "name": "shop",
        "vpc_id": "vpc-0a1b2c3d4e5f60718",
        "subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-1a1b2c3d4e5f60718"],
        "image_id": "ami-0a1b2c3d4e5f60718",
        "lb_security_group": "sg-0a1b2c3d4e5f60718",
        "app_security_group": "sg-1a1b2c3d4e5f60718",
        "load_balancer_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188",
        "dns_name": "shop-1234567890.us-east-1.elb.amazonaws.com",
        "target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-tg/73e2d6bc24d8a067",
        "listener_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2",
        "instance_ids": ["i-0a1b2c3d4e5f60718", "i-1a1b2c3d4e5f60718"],
        "alarm_names": ["shop-elb-5xx", "shop-unhealthy-hosts"]
    }))
    .expect("plausible web tier outputs")
}

fn volume_outputs() -> VolumeOutputs {
    serde_json::from_value(serde_json::json!({
        "volume_id": "vol-0a1b2c3d4e5f60718",
        "instance_id": "i-0a1b2c3d4e5f60718",
        "device": "/dev/sdf",
        "availability_zone": "us-east-1a"
    }))
    .expect("plausible volume outputs")
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// The teardowns a user runs against an endpoint: each must fail, not report success.
/// The `String` in the result is what succeeded (a `Teardown` or `()`), for the message.
fn destroys<'a>(cloud: &'a Cloud, progress: &'a Progress) -> Vec<(&'static str, Boxed<'a, String>)> {
    let p = || Some(progress.clone());
    let fmt = |r: Result<aws_facade::workflows::plan::Teardown>| r.map(|t| format!("{t:?}"));
    vec![
        (
            "web_tier::destroy",
            Box::pin(async move { fmt(web_tier::destroy(cloud, &web_tier_outputs(), p()).await) }),
        ),
        (
            "web_tier::destroy_by_name",
            Box::pin(async move { fmt(web_tier::destroy_by_name(cloud, "shop", p()).await) }),
        ),
        (
            "volume::destroy",
            Box::pin(async move {
                volume::destroy(cloud, &volume_outputs(), true, p())
                    .await
                    .map(|()| "()".to_string())
            }),
        ),
        (
            "volume::destroy_by_name",
            Box::pin(async move { fmt(volume::destroy_by_name(cloud, "data", p()).await) }),
        ),
        (
            "lambda_deploy::destroy_by_name",
            Box::pin(async move { fmt(lambda_deploy::destroy_by_name(cloud, &"orders".parse().unwrap(), p()).await) }),
        ),
        (
            "snapshot::destroy_by_name",
            Box::pin(async move { fmt(snapshot::destroy_by_name(cloud, "backup", p()).await) }),
        ),
    ]
}

/// Plain calls of every service (five protocols: EC2 query, ELBv2 query, CloudWatch RPC v2
/// CBOR, Lambda REST-JSON, EBS REST-JSON with JSON and header-only answers).
fn direct_calls(cloud: &Cloud) -> Vec<(&'static str, Boxed<'_, String>)> {
    let dbg = |s: &'static str| move |v: usize| format!("{v} {s}");
    vec![
        (
            "ec2.describe_instances",
            Box::pin(async move {
                let r = cloud.ec2.describe_instances(DescribeInstancesRequest::default()).await;
                r.map(|v| dbg("instances")(v.len()))
            }),
        ),
        (
            "elb.describe_load_balancers",
            Box::pin(async move {
                let r = cloud
                    .elb
                    .describe_load_balancers(DescribeLoadBalancersRequest::default())
                    .await;
                r.map(|v| dbg("load balancers")(v.len()))
            }),
        ),
        (
            "cloudwatch.describe_alarms",
            Box::pin(async move {
                let r = cloud.cloudwatch.describe_alarms(DescribeAlarmsRequest::default()).await;
                r.map(|v| dbg("alarms")(v.len()))
            }),
        ),
        (
            "lambda.get_function_configuration",
            Box::pin(async move {
                let r = cloud
                    .lambda
                    .get_function_configuration("orders".parse().unwrap(), None)
                    .await;
                r.map(|c| format!("{c:?}"))
            }),
        ),
        (
            "ebs.list_snapshot_blocks",
            Box::pin(async move {
                let req = ListSnapshotBlocksRequest::builder()
                    .snapshot_id("snap-0a1b2c3d4e5f60718".parse().unwrap())
                    .build()?;
                cloud.ebs.list_snapshot_blocks(req).await.map(|p| format!("{p:?}"))
            }),
        ),
        // EBS's header-only answers: a block written, a block read.
        (
            "ebs.put_snapshot_block",
            Box::pin(async move {
                let snap = "snap-0a1b2c3d4e5f60718".parse().unwrap();
                let req = PutSnapshotBlockRequest::with_checksum(snap, 0, vec![7u8; 512 * 1024])?;
                cloud.ebs.put_snapshot_block(req).await
            }),
        ),
        (
            "ebs.get_snapshot_block",
            Box::pin(async move {
                let req = GetSnapshotBlockRequest::builder()
                    .snapshot_id("snap-0a1b2c3d4e5f60718".parse().unwrap())
                    .block_index(0)
                    .block_token("AAUBAcuWqOCnDNuKle11s7IIX6jp6FYcC/q8oT93913HhvLvA+3JRrSybp/0")
                    .build()?;
                let b = cloud.ebs.get_snapshot_block(req).await?;
                Ok(format!("{} bytes, checksum {:?}", b.data.len(), b.checksum))
            }),
        ),
    ]
}

/// How many calls [`direct_calls`] makes.
const DIRECT_CALLS: usize = 7;

/// A progress stream that keeps every event.
fn recorder() -> (Progress, Arc<Mutex<Vec<Event>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let e2 = events.clone();
    (Arc::new(move |e: &Event| e2.lock().unwrap().push(e.clone())), events)
}

/// A retry observer that keeps every retry.
fn retries() -> (RetryObserver, Arc<Mutex<Vec<RetryEvent>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    (Arc::new(move |e: &RetryEvent| s2.lock().unwrap().push(e.clone())), seen)
}

/// The error must be an unrecognized response naming `status`, and not a not-found.
fn unrecognized(what: &str, status: u16, r: Result<String>) -> std::result::Result<Error, String> {
    let e = match r {
        Ok(v) => {
            return Err(format!(
                "{what}: an endpoint that does not speak the protocol answered, and this succeeded: {v}"
            ));
        }
        Err(e) => e,
    };
    let shown = e.to_string();
    if e.kind() != ErrorKind::UnrecognizedResponse || e.is_not_found() || e.code().is_some() {
        return Err(format!("{what}: not an unrecognized response: {e:?}"));
    }
    if !shown.contains(&format!("(HTTP {status})")) || !shown.contains("did not answer in the") {
        return Err(format!("{what}: the message does not say so with the status: {shown}"));
    }
    Ok(e)
}

fn assert_unrecognized(what: &str, status: u16, r: Result<String>) -> Error {
    unrecognized(what, status, r).unwrap_or_else(|m| panic!("{m}"))
}

/// Every teardown and one call per service against an endpoint that answers `answer`: each
/// fails with an unrecognized response naming the status, after exactly one request (no
/// retries, by the cloud or the SDK), and no teardown reports a removal.
async fn wrong_endpoint(answer: (&'static str, &'static str, &'static str)) {
    let status: u16 = answer.0[..3].parse().unwrap();
    let server = Server::start(answer.0, answer.1, answer.2).await;
    let journal = Recording::new();
    let cloud = Cloud::for_endpoint(&server.url, "us-east-1").layer(journal.clone());
    let (progress, events) = recorder();
    // Every call is checked and every problem reported, not just the first.
    let mut problems = Vec::new();

    for (what, call) in destroys(&cloud, &progress) {
        let t0 = Instant::now();
        let r = call.await;
        let took = t0.elapsed();
        let ops = journal.operations();
        let hits = server.take_hits();
        journal.clear();
        let seen = std::mem::take(&mut *events.lock().unwrap());
        match unrecognized(what, status, r) {
            Ok(e) => eprintln!("{what}: {hits} request(s) {ops:?} in {took:?}: {e}"),
            Err(m) => problems.push(m),
        }
        if hits != ops.len() {
            problems.push(format!("{what}: {hits} HTTP requests for {ops:?}"));
        }
        // No call repeated: nothing retried (today each teardown's first call ends it).
        let mut distinct = ops.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if ops.is_empty() || distinct.len() != ops.len() {
            problems.push(format!("{what}: each call once, none retried: {ops:?}"));
        }
        if let Some(ev) = seen
            .iter()
            .find(|ev| matches!(ev, Event::Removed { .. } | Event::Retrying { .. }))
        {
            problems.push(format!("{what}: {ev:?} in {seen:?}"));
        }
        if took > Duration::from_secs(2) {
            problems.push(format!("{what}: {took:?}, though no backoff was due"));
        }
    }

    let (observer, retried) = retries();
    for (what, call) in direct_calls(&cloud) {
        let r = retry_observer(observer.clone(), call).await;
        let hits = server.take_hits();
        match unrecognized(what, status, r) {
            Ok(e) if e.is_retryable() => problems.push(format!("{what}: retryable: {e:?}")),
            Ok(e) => eprintln!("{what}: {hits} request(s): {e}"),
            Err(m) => problems.push(m),
        }
        if hits != 1 {
            problems.push(format!("{what}: {hits} requests, not retried means 1"));
        }
    }
    journal.clear();
    let retried = retried.lock().unwrap().clone();
    if !retried.is_empty() {
        problems.push(format!("retried: {retried:?}"));
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn a_404_html_page_is_an_unrecognized_response_never_not_found_and_not_retried() {
    wrong_endpoint(NOT_FOUND_HTML).await;
}

#[tokio::test]
async fn a_200_with_an_empty_body_is_an_unrecognized_response_never_success() {
    wrong_endpoint(OK_EMPTY).await;
}

#[tokio::test]
async fn a_200_html_page_is_an_unrecognized_response_never_success() {
    wrong_endpoint(OK_HTML).await;
}

#[tokio::test]
async fn a_503_html_page_is_retried_within_the_standard_budget_then_unrecognized() {
    let attempts = 6; // Retry::standard(): 6 attempts for throttling and 5xx.
    // One server per call, all calls at once (each takes up to 0.2+0.4+0.8+1.6+3.2 s of
    // jittered backoff).
    let mut servers = Vec::new();
    for _ in 0..DIRECT_CALLS {
        servers.push(Server::start(UNAVAILABLE_HTML.0, UNAVAILABLE_HTML.1, UNAVAILABLE_HTML.2).await);
    }
    let clouds: Vec<Cloud> = servers
        .iter()
        .map(|s| Cloud::for_endpoint(&s.url, "us-east-1"))
        .collect();
    assert_eq!(clouds[0].retry(), &Retry::standard());
    let t0 = Instant::now();
    let runs = clouds.iter().enumerate().map(|(i, cloud)| {
        let (observer, seen) = retries();
        async move {
            let mut calls = direct_calls(cloud);
            assert_eq!(calls.len(), DIRECT_CALLS);
            let (what, call) = calls.swap_remove(i);
            let r = retry_observer(observer, call).await;
            (what, r, seen)
        }
    });
    let results = futures::future::join_all(runs).await;
    let took = t0.elapsed();
    for ((what, r, seen), server) in results.into_iter().zip(&servers) {
        let e = assert_unrecognized(what, 503, r);
        assert!(e.is_retryable(), "{what}: {e:?}");
        let hits = server.take_hits();
        let seen = seen.lock().unwrap().clone();
        eprintln!(
            "{what}: {hits} request(s), delays {:?}: {e}",
            seen.iter().map(|r| r.delay).collect::<Vec<_>>()
        );
        assert_eq!(
            hits, attempts,
            "{what}: the standard budget, and only the cloud's retry"
        );
        assert_eq!(
            seen.iter().map(|r| r.attempt).collect::<Vec<_>>(),
            (1..attempts as u32).collect::<Vec<_>>(),
            "{what}"
        );
        for (r, cap_ms) in seen.iter().zip([200, 400, 800, 1600, 3200]) {
            assert!(r.delay <= Duration::from_millis(cap_ms), "{what}: {r:?}");
            assert!(r.cause.contains("(HTTP 503)"), "{what}: {r:?}");
        }
    }
    eprintln!("{DIRECT_CALLS} calls of five services, 503s, retried in parallel: {took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn a_503_html_page_in_a_teardown_is_retried_then_fails_without_claiming_removals() {
    let server = Server::start(UNAVAILABLE_HTML.0, UNAVAILABLE_HTML.1, UNAVAILABLE_HTML.2).await;
    let cloud = Cloud::for_endpoint(&server.url, "us-east-1");
    let (progress, events) = recorder();
    let t0 = Instant::now();
    let r = volume::destroy_by_name(&cloud, "data", Some(progress)).await;
    let took = t0.elapsed();
    let e = assert_unrecognized("volume::destroy_by_name", 503, r.map(|t| format!("{t:?}")));
    let events = events.lock().unwrap().clone();
    let retried: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            Event::Retrying { attempt, .. } => Some(*attempt),
            _ => None,
        })
        .collect();
    assert!(!events.iter().any(|e| matches!(e, Event::Removed { .. })), "{events:?}");
    assert_eq!(retried, vec![1, 2, 3, 4, 5], "{events:?}");
    assert_eq!(server.take_hits(), 6);
    eprintln!("volume::destroy_by_name against 503s: 6 requests in {took:?}: {e}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn a_refused_connection_fails_as_transport_after_three_attempts_within_seconds() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cloud = Cloud::for_endpoint(&format!("http://127.0.0.1:{port}"), "us-east-1");
    let journal = Recording::new();
    let cloud = cloud.layer(journal.clone());

    // A plain call.
    let (observer, seen) = retries();
    let t0 = Instant::now();
    let e = retry_observer(
        observer,
        cloud.ec2.describe_instances(DescribeInstancesRequest::default()),
    )
    .await
    .unwrap_err();
    let took = t0.elapsed();
    let seen = seen.lock().unwrap().clone();
    eprintln!(
        "describe_instances on a refused port: {} attempts, delays {:?}, in {took:?}: {e}",
        journal.len(),
        seen.iter().map(|r| r.delay).collect::<Vec<_>>()
    );
    assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
    assert!(!e.is_not_found());
    assert_eq!(
        journal.count("DescribeInstances"),
        3,
        "Retry::standard(): 3 transport attempts"
    );
    assert_eq!(seen.iter().map(|r| r.attempt).collect::<Vec<_>>(), vec![1, 2]);
    assert!(seen[0].delay <= Duration::from_millis(200) && seen[1].delay <= Duration::from_millis(400));
    assert!(took < Duration::from_secs(10), "{took:?}");

    // A teardown: the first call's three attempts, then the error (nothing claimed removed).
    journal.clear();
    let (progress, events) = recorder();
    let t0 = Instant::now();
    let e = web_tier::destroy_by_name(&cloud, "shop", Some(progress))
        .await
        .unwrap_err();
    let took = t0.elapsed();
    let ops = journal.operations();
    eprintln!("web_tier::destroy_by_name on a refused port: {ops:?} in {took:?}: {e}");
    assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
    let events = events.lock().unwrap().clone();
    assert!(!events.iter().any(|e| matches!(e, Event::Removed { .. })), "{events:?}");
    // The call that failed was attempted 3 times; none more (calls made beside it may have
    // been cut short when it failed).
    let most = ops.iter().map(|op| ops.iter().filter(|o| *o == op).count()).max();
    assert_eq!(most, Some(3), "{ops:?}");
    let retried = events.iter().filter(|e| matches!(e, Event::Retrying { .. })).count();
    assert!(retried >= 2 && retried < ops.len(), "{retried} retries of {ops:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}
