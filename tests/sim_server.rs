//! The simulator over HTTP (`sim::wire::Server`): SDK clients over a real socket, the control
//! endpoints, bounds and graceful shutdown, and boto3 (from the project's virtualenv) driving
//! a scenario per service through tests/wire/boto3_scenarios.py, so a client no one here wrote
//! checks the wire formats. Real time, with the simulator's clock sped up.

mod support;

use std::time::Duration;

use aws_facade::sim::wire::Server;
use aws_facade::sim::{SimCloud, SimConfig};

/// The services whose codecs the HTTP server has, each with its boto3 scenario.
const BOTO3_SCENARIOS: &[&str] = &["ebs", "cloudwatch", "cloudwatch_query", "ec2", "elbv2", "lambda"];

async fn server(clock_speed: f64) -> Server {
    let config = SimConfig {
        clock_speed,
        ..SimConfig::default()
    };
    Server::bind(SimCloud::with_config(config), "127.0.0.1:0")
        .await
        .expect("bind a free port on 127.0.0.1")
}

/// A plain HTTP/1.1 exchange (the crate's small bounded client): status and body.
async fn raw(server: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let host = server.local_addr().to_string();
    let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let resp = support::http::send(method, &host, path, &headers, body, Duration::from_secs(10))
        .await
        .unwrap_or_else(|e| panic!("{method} {host}{path}: {e}"));
    (resp.status, String::from_utf8_lossy(&resp.body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_drives_a_scenario_per_served_service() {
    let Some(python) = support::moto::venv_python_or_skip("boto3_drives_a_scenario_per_served_service") else {
        return;
    };
    let server = server(60.0).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wire/boto3_scenarios.py");
    let out = tokio::time::timeout(
        Duration::from_secs(300),
        tokio::process::Command::new(python)
            .arg(script)
            .arg(server.endpoint_url())
            .args(BOTO3_SCENARIOS)
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output(),
    )
    .await
    .expect("boto3 scenarios within 300 s")
    .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "boto3 scenarios failed:\n{stdout}\n{stderr}");
    for scenario in BOTO3_SCENARIOS {
        assert!(
            stdout.contains(&format!("{scenario}: ok")),
            "{scenario} did not report:\n{stdout}"
        );
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_clients_over_the_socket_and_the_reset_endpoint() {
    let server = server(1.0).await;
    let conf = aws_sdk_cloudwatch::config::Builder::from(&server.sdk_config())
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        .build();
    let cw = aws_sdk_cloudwatch::Client::from_conf(conf);
    cw.put_dashboard()
        .dashboard_name("over-http")
        .dashboard_body(r#"{"widgets":[]}"#)
        .send()
        .await
        .expect("PutDashboard over RPC v2 CBOR");
    let got = cw.get_dashboard().dashboard_name("over-http").send().await.unwrap();
    assert_eq!(got.dashboard_body(), Some(r#"{"widgets":[]}"#));
    assert!(!server.sim().inventory().is_empty());

    let (status, body) = raw(&server, "POST", "/sim-api/reset", &[], b"").await;
    assert_eq!((status, body.as_str()), (200, "reset\n"));
    assert!(server.sim().inventory().is_empty(), "{}", server.sim().inventory());
    let e = cw
        .get_dashboard()
        .dashboard_name("over-http")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_dashboard_not_found_error(), "{e:?}");
    let (status, body) = raw(&server, "GET", "/sim-api/inventory", &[], b"").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = raw(&server, "GET", "/sim-api/nothing", &[], b"").await;
    assert_eq!(status, 404);

    let ebs = aws_sdk_ebs::Client::new(&server.sdk_config());
    let started = ebs.start_snapshot().volume_size(1).send().await.unwrap();
    assert_eq!(started.block_size(), Some(524_288));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_protocol_errors_and_bodies_are_bounded() {
    let server = server(1.0).await;
    // An unknown route, garbage for each protocol, a body over 1 MiB.
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, Vec<u8>);
    let cases: Vec<Case> = vec![
        ("GET", "/nowhere", vec![], vec![]),
        (
            "POST",
            "/",
            vec![("x-amz-target", "GraniteServiceVersion20100801.PutMetricData")],
            b"{not json".to_vec(),
        ),
        (
            "POST",
            "/service/GraniteServiceVersion20100801/operation/GetMetricData",
            vec![],
            vec![0xff, 0x00, 0x13],
        ),
        (
            "POST",
            "/",
            vec![("content-type", "application/x-www-form-urlencoded")],
            b"Action=Nope&Version=2010-08-01".to_vec(),
        ),
        (
            "PUT",
            "/snapshots/snap-0123456789abcdef0/blocks/x",
            vec![],
            b"zz".to_vec(),
        ),
        ("POST", "/snapshots", vec![], vec![b'a'; (1 << 20) + 1]),
    ];
    for (method, path, headers, body) in cases {
        let (status, text) = raw(&server, method, path, &headers, &body).await;
        assert!((400..500).contains(&status), "{method} {path}: {status} {text}");
    }
    let (status, _) = raw(&server, "POST", "/snapshots", &[], &vec![b'a'; (1 << 20) + 1]).await;
    assert_eq!(status, 413);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_the_port() {
    let server = server(1.0).await;
    let addr = server.local_addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    tokio::time::timeout(Duration::from_secs(15), server.shutdown())
        .await
        .expect("shutdown within the grace period");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening after shutdown"
    );
}
