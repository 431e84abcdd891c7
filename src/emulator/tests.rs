//! Hardening tests of the emulator bridge: the bounded HTTP response parser, the plaintext rule,
//! and property tests (proptest) that feed arbitrary bytes, CBOR and JSON to the parser and the
//! translators (errors, never panics) and round-trip what the translation keeps losslessly.
//! Unit tests, so they link into the library's test binary rather than a binary of their own.

use std::time::Duration;

use base64::Engine as _;
use ciborium::Value as C;
use proptest::prelude::*;
use serde_json::{Value as Json, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::cloudwatch_bridge::{
    cbor_to_json, json_error, json_to_cbor, parse_timestamp, translate_request, translate_response,
};
use super::http::{self, MAX_BODY_BYTES, MAX_HEAD_BYTES, encode_request, parse_response};
use crate::cloud::plaintext::{self, ALLOW_PLAINTEXT_ENV, is_loopback_host, plaintext_host, refusal};

const CW_PATH: &str = "/service/GraniteServiceVersion20100801/operation/";

fn response(head: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = head.replace('\n', "\r\n").into_bytes();
    raw.extend_from_slice(b"\r\n\r\n");
    raw.extend_from_slice(body);
    raw
}

fn chunked(body: &[u8]) -> Vec<u8> {
    response("HTTP/1.1 200 OK\nTransfer-Encoding: chunked", body)
}

// ---------------------------------------------------------------------------------------------
// The HTTP response parser

#[test]
fn a_huge_chunk_size_is_an_error_not_a_panic() {
    for size in [
        "ffffffffffffffff",
        "fffffffffffffffe",
        "1ffffffffffffffff",
        "FFFFFFFFFFFFFFFF;ext=1",
    ] {
        let err = parse_response(&chunked(format!("{size}\r\nabc\r\n0\r\n\r\n").as_bytes())).unwrap_err();
        assert!(err.contains(&MAX_BODY_BYTES.to_string()), "{size}: {err}");
    }
    // Just over the limit, in two chunks whose sum overflows it.
    let half = format!("{:x}", MAX_BODY_BYTES / 2 + 1);
    let raw = chunked(format!("{half}\r\n").as_bytes());
    assert!(
        parse_response(&raw).unwrap_err().contains("truncated"),
        "the size alone is not trusted"
    );
    for bad in ["", "-1", "+1", "0x10", "1 2", "g"] {
        let err = parse_response(&chunked(format!("{bad}\r\nabc\r\n0\r\n\r\n").as_bytes())).unwrap_err();
        assert!(err.contains("bad chunk size"), "{bad:?}: {err}");
    }
}

#[test]
fn an_oversized_body_is_an_error_naming_the_limit() {
    let raw = response(&format!("HTTP/1.1 200 OK\nContent-Length: {}", 64 * 1024 * 1024), b"{}");
    let err = parse_response(&raw).unwrap_err();
    assert!(
        err.contains("67108864") && err.contains(&format!("limit of {MAX_BODY_BYTES} bytes")),
        "{err}"
    );

    let over = vec![b'x'; MAX_BODY_BYTES + 1];
    let err = parse_response(&response("HTTP/1.1 200 OK", &over)).unwrap_err();
    assert!(
        err.contains(&format!("limit of {MAX_BODY_BYTES} bytes")),
        "no length, read to close: {err}"
    );

    let mut body = format!("{:x}\r\n", MAX_BODY_BYTES).into_bytes();
    body.extend(std::iter::repeat_n(b'x', MAX_BODY_BYTES));
    body.extend_from_slice(b"\r\n1\r\nx\r\n0\r\n\r\n");
    let err = parse_response(&chunked(&body)).unwrap_err();
    assert!(
        err.contains(&format!("limit of {MAX_BODY_BYTES} bytes")),
        "chunked: {err}"
    );

    let exactly = parse_response(&response(
        &format!("HTTP/1.1 200 OK\nContent-Length: {MAX_BODY_BYTES}"),
        &over,
    ))
    .expect("a body at the limit is fine");
    assert_eq!(exactly.body.len(), MAX_BODY_BYTES);

    let long_head = response(&format!("HTTP/1.1 200 OK\nX-Pad: {}", "a".repeat(MAX_HEAD_BYTES)), b"");
    let err = parse_response(&long_head).unwrap_err();
    assert!(err.contains(&format!("limit of {MAX_HEAD_BYTES} bytes")), "{err}");
}

#[test]
fn a_truncated_chunked_body_is_an_error() {
    for (body, what) in [
        (&b"5\r\nab"[..], "a chunk cut short"),
        (b"5\r\nhello\r\n", "no last chunk"),
        (b"5\r\nhello", "no CRLF after the chunk, nor a last chunk"),
        (b"", "nothing at all"),
        (b"5", "a size line cut short"),
    ] {
        let err = parse_response(&chunked(body)).unwrap_err();
        assert!(err.contains("truncated"), "{what}: {err}");
    }
    let err = parse_response(&chunked(b"5\r\nhelloXY0\r\n\r\n")).unwrap_err();
    assert!(err.contains("not followed by CRLF"), "{err}");
    let err = parse_response(&response("HTTP/1.1 200 OK\nContent-Length: 10", b"short")).unwrap_err();
    assert!(err.contains("truncated: 5 of 10"), "{err}");

    let ok = parse_response(&chunked(b"5;name=v\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n")).unwrap();
    assert_eq!(ok.body, b"hello world", "extensions and trailers are skipped");
}

#[test]
fn malformed_heads_are_errors() {
    for head in [
        "HTTP/1.1 20 OK",
        "HTTP/1.1 2000 OK",
        "HTTP/1.1 abc OK",
        "SMTP 220 hi",
        "",
        "HTTP/1.1 200 OK\nno colon",
    ] {
        assert!(parse_response(&response(head, b"")).is_err(), "{head:?}");
    }
    let te = response("HTTP/1.1 200 OK\nTransfer-Encoding: gzip", b"x");
    assert!(parse_response(&te).unwrap_err().contains("transfer-encoding"));
    let bad_len = response("HTTP/1.1 200 OK\nContent-Length: -1", b"x");
    assert!(parse_response(&bad_len).unwrap_err().contains("content-length"));
    let r = parse_response(&response("HTTP/1.1 204 No Content\nx-amzn-RequestId: r", b"")).unwrap();
    assert_eq!((r.status, r.header("X-AMZN-REQUESTID")), (204, Some("r")));
}

#[test]
fn requests_cannot_be_split_by_crlf() {
    let hdr = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    assert!(encode_request("POST", "127.0.0.1:1", "/", &hdr("X", "a\r\nInjected: 1"), b"").is_err());
    assert!(encode_request("POST", "127.0.0.1:1", "/", &hdr("X\nY", "a"), b"").is_err());
    assert!(encode_request("POST", "127.0.0.1:1", "/ HTTP/1.1\r\nX: y", &[], b"").is_err());
    let ok = encode_request("POST", "127.0.0.1:1", "/", &hdr("Content-Length", "99"), b"ab").unwrap();
    assert!(String::from_utf8(ok).unwrap().ends_with("Content-Length: 2\r\n\r\nab"));
}

/// A loopback server that answers the first connection with `head` and then `body_bytes` of
/// `x` (as fast as the client reads), and reports how many body bytes it managed to write.
async fn streaming_peer(head: String, body_bytes: usize) -> (String, tokio::task::JoinHandle<usize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let task = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await;
        if sock.write_all(head.as_bytes()).await.is_err() {
            return 0;
        }
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < body_bytes {
            let n = chunk.len().min(body_bytes - sent);
            if sock.write_all(&chunk[..n]).await.is_err() {
                break;
            }
            sent += n;
        }
        sent
    });
    (host, task)
}

#[tokio::test]
async fn send_refuses_a_64_mib_body_after_the_headers() {
    let size = 64 * 1024 * 1024;
    let (host, peer) = streaming_peer(format!("HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n"), size).await;
    let err = http::send("GET", &host, "/", &[], b"", Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(err.contains(&format!("limit of {MAX_BODY_BYTES} bytes")), "{err}");
    let written = peer.await.unwrap();
    assert!(
        written < size,
        "the client stopped reading ({written} of {size} bytes written)"
    );

    // No length: read to the close, but never past the limit.
    let (host, peer) = streaming_peer("HTTP/1.1 200 OK\r\n\r\n".into(), size).await;
    let err = http::send("GET", &host, "/", &[], b"", Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(err.contains("limit of"), "{err}");
    assert!(peer.await.unwrap() < size);

    // The blocking client obeys the same limits.
    let (host, peer) = streaming_peer(format!("HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n"), size).await;
    let err =
        tokio::task::spawn_blocking(move || http::send_blocking("GET", &host, "/", &[], b"", Duration::from_secs(10)))
            .await
            .unwrap()
            .unwrap_err();
    assert!(err.contains(&format!("limit of {MAX_BODY_BYTES} bytes")), "{err}");
    assert!(peer.await.unwrap() < size);
}

#[tokio::test]
async fn send_stops_at_a_complete_content_length_body() {
    // The peer keeps the connection open after the body: the client must not wait for the close.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let _peer = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await;
        sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let r = http::send("GET", &host, "/", &[], b"", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, &b"{}"[..]));
}

// ---------------------------------------------------------------------------------------------
// Plain HTTP only on loopback

#[test]
fn plain_http_to_a_host_that_is_not_loopback_is_refused() {
    for url in [
        "http://10.0.0.5:5000",
        "http://0.0.0.0:5000",
        "http://example.com/",
        "HTTP://192.168.1.2:4566",
        "http://127.0.0.1.evil.example:5000",
        "http://localhost.evil.example",
        "http://127.0.0.1@evil.example:5000",
        "http://127.0.0.1:5000@evil.example",
        "http://evil.example#@127.0.0.1",
        "http://evil.example?@127.0.0.1",
        "http://[::2]:5000",
        "http://[::ffff:127.0.0.1]:5000",
        "http://127.0.0.1:50x0",
        "http://[::1",
        "http://",
    ] {
        let why = refusal(url, false).unwrap_or_else(|| panic!("{url} is not refused"));
        assert!(why.contains(ALLOW_PLAINTEXT_ENV) && why.contains("https://"), "{why}");
        assert_eq!(refusal(url, true), None, "the opt-in allows {url}");
    }
    for url in [
        "http://127.0.0.1:5000",
        "http://127.10.20.30",
        "http://localhost:5000/",
        "http://LocalHost",
        "http://[::1]:5000/path?q",
        "http://user:pw@127.0.0.1:5000",
        "https://example.com",
        "https://10.0.0.5:4566",
    ] {
        assert_eq!(refusal(url, false), None, "{url} is allowed");
    }
    assert_eq!(plaintext_host("http://[::1]:5000/x"), Some("[::1]"));
    assert_eq!(plaintext_host("https://[::1]:5000/x"), None);
    assert!(is_loopback_host("127.255.255.254") && !is_loopback_host("128.0.0.1"));
}

#[test]
fn check_endpoint_names_the_rule_and_the_opt_in() {
    if plaintext::allowed_by_env() {
        eprintln!("{ALLOW_PLAINTEXT_ENV} is set: the refusal cannot be seen here");
        return;
    }
    let err = super::check_endpoint("http://10.0.0.5:5000").unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::Validation);
    assert!(err.to_string().contains(ALLOW_PLAINTEXT_ENV), "{err}");
    super::check_endpoint("http://127.0.0.1:5000").unwrap();
    super::check_endpoint("https://monitoring.example").unwrap();
}

#[test]
fn http_send_refuses_credentials_to_a_host_that_is_not_loopback() {
    if plaintext::allowed_by_env() {
        return;
    }
    let auth = vec![("Authorization".to_string(), "AWS4-HMAC-SHA256 x".to_string())];
    // 192.0.2.0/24 is TEST-NET-1: if a connection were tried it would hang until the timeout.
    let err = http::send_blocking("POST", "192.0.2.1:80", "/", &auth, b"", Duration::from_secs(30)).unwrap_err();
    assert!(err.contains(ALLOW_PLAINTEXT_ENV), "{err}");
}

/// Accepts connections on `listener` and counts them (answering nothing useful).
fn count_connections(listener: tokio::net::TcpListener) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = n.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = sock
                .write_all(b"HTTP/1.1 500 X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    n
}

#[tokio::test]
async fn the_emulator_cloud_sends_nothing_over_plain_http_off_loopback() {
    if plaintext::allowed_by_env() {
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = count_connections(listener);
    // On Linux 0.0.0.0 reaches the local host: were the rule not applied, this listener would
    // see the requests. 0.0.0.0 is not loopback by the rule.
    let url = format!("http://0.0.0.0:{port}");
    for cloud in [
        super::cloud(&url),
        crate::Cloud::for_endpoint(&url, super::REGION),
        crate::Cloud::from_conf_with_endpoint(&super::sdk_config("https://unused.example"), &url),
    ] {
        let cloud = cloud.with_retry(crate::layer::Retry::none());
        // The refusal is the transport error's cause (its source chain).
        let err = cloud.ec2.default_vpc().await.unwrap_err();
        let shown = err.chain().to_string();
        assert!(shown.contains(ALLOW_PLAINTEXT_ENV), "ec2: {shown}");
        let err = cloud.cloudwatch.describe_alarms(Default::default()).await.unwrap_err();
        let shown = err.chain().to_string();
        assert!(shown.contains(ALLOW_PLAINTEXT_ENV), "cloudwatch: {shown}");
    }
    let seen = || connections.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(seen(), 0, "nothing was sent");
    // The control: connected to directly, 0.0.0.0 does reach the listener (on Linux).
    if tokio::net::TcpStream::connect(("0.0.0.0", port)).await.is_ok() {
        let reached = async {
            while seen() == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), reached)
            .await
            .expect("the control connection");
    }
    let before = seen();

    // Loopback is allowed: the same calls reach the listener.
    let cloud = super::cloud(&format!("http://127.0.0.1:{port}")).with_retry(crate::layer::Retry::none());
    let err = cloud.ec2.default_vpc().await.unwrap_err();
    assert!(!err.to_string().contains(ALLOW_PLAINTEXT_ENV), "{err}");
    let after_ec2 = seen();
    assert!(after_ec2 > before, "EC2 reached the listener");
    let err = cloud.cloudwatch.describe_alarms(Default::default()).await.unwrap_err();
    assert!(!err.to_string().contains(ALLOW_PLAINTEXT_ENV), "{err}");
    assert!(
        seen() > after_ec2,
        "CloudWatch (through the bridge) reached the listener"
    );
}

#[tokio::test]
async fn the_bridge_refuses_an_oversized_answer_naming_the_limit() {
    let size = 64 * 1024 * 1024;
    let (host, peer) = streaming_peer(
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {size}\r\n\r\n"),
        size,
    )
    .await;
    let conf = aws_sdk_cloudwatch::config::Builder::from(&super::cloudwatch_config(&format!("http://{host}")))
        .retry_config(aws_sdk_cloudwatch::config::retry::RetryConfig::disabled())
        .build();
    let err = aws_sdk_cloudwatch::Client::from_conf(conf)
        .describe_alarms()
        .send()
        .await
        .unwrap_err();
    let text = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
    assert!(text.contains(&format!("limit of {MAX_BODY_BYTES} bytes")), "{text}");
    let written = tokio::time::timeout(Duration::from_secs(10), peer)
        .await
        .unwrap()
        .unwrap();
    assert!(written < size, "the body was not read whole ({written} bytes written)");
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Arbitrary CBOR values, nested a few levels (any keys, tags, floats, big integers).
fn cbor_value() -> impl Strategy<Value = C> {
    let leaf = prop_oneof![
        Just(C::Null),
        any::<bool>().prop_map(C::Bool),
        any::<i64>().prop_map(|i| C::Integer(i.into())),
        any::<u64>().prop_map(|u| C::Integer(u.into())),
        any::<f64>().prop_map(C::Float),
        ".{0,12}".prop_map(C::Text),
        proptest::collection::vec(any::<u8>(), 0..16).prop_map(C::Bytes),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(C::Array),
            proptest::collection::vec((inner.clone(), inner.clone()), 0..6).prop_map(C::Map),
            proptest::collection::vec(("[A-Za-z]{1,10}".prop_map(C::Text), inner.clone()), 0..6).prop_map(C::Map),
            (prop_oneof![Just(1u64), any::<u64>()], inner).prop_map(|(t, v)| C::Tag(t, Box::new(v))),
        ]
    })
}

/// Member names the translation types specially, and plain ones.
fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Timestamp".to_string()),
        Just("Timestamps".to_string()),
        Just("StartTime".to_string()),
        Just("Sum".to_string()),
        Just("Values".to_string()),
        Just("ExtendedStatistics".to_string()),
        Just("MetricWidgetImage".to_string()),
        Just("__type".to_string()),
        "[A-Za-z]{1,10}",
    ]
}

/// Arbitrary JSON values (any member names, including the typed ones).
fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        ".{0,16}".prop_map(Json::String),
        prop_oneof![
            Just("NaN"),
            Just("-Infinity"),
            Just("2026-11-29T22:35:00Z"),
            Just("AQID"),
            Just("1.5")
        ]
        .prop_map(|s| Json::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            proptest::collection::btree_map(member_name(), inner, 0..6)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

/// JSON the translation keeps as it is: no member name it types, finite numbers.
fn plain_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Json::Number(serde_json::Number::from_f64(f).unwrap())),
        ".{0,16}".prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            proptest::collection::btree_map("p[A-Za-z]{0,9}", inner, 0..6)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

fn encode_cbor(v: &C) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(v, &mut out).unwrap();
    out
}

/// A response of arbitrary framing: some headers, then a body chunked at the given cuts.
fn chunk_at(body: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    for &cut in cuts.iter().chain([&body.len()]) {
        let end = cut.clamp(at, body.len());
        if end > at {
            out.extend(format!("{:x}\r\n", end - at).into_bytes());
            out.extend_from_slice(&body[at..end]);
            out.extend_from_slice(b"\r\n");
        }
        at = end;
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_response_parser_never_panics_on_arbitrary_bytes(raw in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_response(&raw);
    }

    #[test]
    fn the_response_parser_never_panics_on_near_responses(
        status in "[0-9]{0,4}",
        headers in proptest::collection::vec(
            prop_oneof![
                Just("Transfer-Encoding: chunked".to_string()),
                "Content-Length: [0-9a-f-]{0,20}",
                "[A-Za-z-]{0,8}:? ?[ -~]{0,12}",
            ],
            0..4,
        ),
        body in proptest::collection::vec(
            prop_oneof![
                "[0-9a-fA-F]{0,18}(;[a-z=]{0,4})?\r\n".prop_map(String::into_bytes),
                proptest::collection::vec(any::<u8>(), 0..24),
                Just(b"\r\n".to_vec()),
                Just(b"0\r\n\r\n".to_vec()),
            ],
            0..8,
        ),
    ) {
        let head = format!("HTTP/1.1 {status} X\n{}", headers.join("\n"));
        let _ = parse_response(&response(&head, &body.concat()));
    }

    #[test]
    fn chunked_bodies_decode_to_what_was_chunked(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        cuts in proptest::collection::vec(0usize..2048, 0..8),
    ) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        let r = parse_response(&chunked(&chunk_at(&body, &cuts))).unwrap();
        prop_assert_eq!(r.body, body.clone());
        let r = parse_response(&response(&format!("HTTP/1.1 200 OK\nContent-Length: {}", body.len()), &body)).unwrap();
        prop_assert_eq!(r.body, body);
    }

    #[test]
    fn cbor_to_json_never_panics_on_arbitrary_bytes(raw in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = cbor_to_json(&raw);
    }

    #[test]
    fn cbor_to_json_never_panics_on_arbitrary_cbor(v in cbor_value()) {
        let _ = cbor_to_json(&encode_cbor(&v));
    }

    #[test]
    fn json_to_cbor_never_panics_and_gives_valid_cbor(v in json_value()) {
        if let Ok(bytes) = json_to_cbor(&v) {
            let decoded: Result<C, _> = ciborium::de::from_reader(bytes.as_slice());
            prop_assert!(decoded.is_ok(), "{:?} -> invalid CBOR {:02x?}", v, bytes);
        }
    }

    #[test]
    fn translate_response_never_panics(status in any::<u16>(), body in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
    ]) {
        let resp = http::Response { status, headers: vec![("x-amzn-RequestId".into(), "r".into())], body: body.clone() };
        let t = translate_response(&resp);
        let decoded: Result<C, _> = ciborium::de::from_reader(t.body.as_slice());
        prop_assert!(decoded.is_ok(), "the SDK always gets CBOR");
        let _ = json_error(&body);
    }

    #[test]
    fn translate_request_never_panics(
        uri in prop_oneof![
            "[ -~]{0,40}",
            "(http|https|HTTP)://[a-z0-9.:\\[\\]@]{0,20}/service/GraniteServiceVersion20100801/operation/[A-Za-z?/]{0,12}",
        ],
        headers in proptest::collection::vec(("[A-Za-z-]{1,16}", "[ -~]{0,16}"), 0..4),
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..128),
            cbor_value().prop_map(|v| encode_cbor(&v)),
        ],
    ) {
        let _ = translate_request(&uri, &headers, &body);
    }

    #[test]
    fn the_plaintext_rule_never_panics(rest in "\\PC{0,24}", scheme in prop_oneof![Just("http://"), Just("HTTP://"), Just("")]) {
        let url = format!("{scheme}{rest}");
        let _ = refusal(&url, false);
        prop_assert_eq!(refusal(&url, true), None);
    }

    #[test]
    fn timestamps_never_panic(s in "[ -~]{0,32}") {
        let _ = parse_timestamp(&s);
    }

    #[test]
    fn plain_json_round_trips_through_cbor(v in plain_json()) {
        let cbor = json_to_cbor(&v).unwrap();
        prop_assert_eq!(cbor_to_json(&cbor).unwrap(), v);
    }

    #[test]
    fn typed_members_round_trip_through_cbor(
        ts in prop_oneof![any::<i64>().prop_map(Json::from), (-1e12f64..1e12).prop_map(Json::from)],
        doubles in proptest::collection::vec(any::<f64>().prop_filter("finite", |f| f.is_finite()), 0..6),
        blob in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&blob);
        let v = json!({
            "Timestamp": ts,
            "Values": doubles,
            "MetricWidgetImage": b64,
            "Datapoints": [{"Sum": 3, "ExtendedStatistics": {"p99": 1}}],
        });
        let back = cbor_to_json(&json_to_cbor(&v).unwrap()).unwrap();
        prop_assert_eq!(&back["Timestamp"], &v["Timestamp"], "tag 1 around the same number");
        prop_assert_eq!(&back["MetricWidgetImage"], &v["MetricWidgetImage"], "bytes back to the same base64");
        let values: Vec<f64> = back["Values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        prop_assert_eq!(values, doubles, "doubles keep their value (as floats)");
        prop_assert_eq!(back["Datapoints"][0]["Sum"].as_f64(), Some(3.0));
        prop_assert_eq!(back["Datapoints"][0]["ExtendedStatistics"]["p99"].as_f64(), Some(1.0));
    }

    #[test]
    fn request_cbor_round_trips_to_json(v in plain_json()) {
        // What the SDK sends (text keys, integers, floats, text, arrays, maps) reaches moto as the
        // same JSON, and a timestamp tag around an integer becomes that integer.
        let mut c = ciborium::Value::serialized(&v).unwrap();
        if let C::Map(m) = &mut c {
            m.push((C::Text("zTime".into()), C::Tag(1, Box::new(C::Integer(1_700_000_000.into())))));
        }
        let j = translate_request(
            &format!("http://127.0.0.1:5000{CW_PATH}PutMetricData"), &[], &encode_cbor(&c),
        ).unwrap();
        let mut expected = v.clone();
        if let Json::Object(m) = &mut expected {
            m.insert("zTime".into(), json!(1_700_000_000));
        }
        // Compared as values and as the bytes sent (serde_json writes the shortest exact form
        // of a float; reading one back without its `float_roundtrip` feature may be 1 ULP off,
        // so the text is not re-read here).
        prop_assert_eq!(cbor_to_json(&encode_cbor(&c)).unwrap(), expected.clone());
        prop_assert_eq!(j.body, serde_json::to_vec(&expected).unwrap());
    }
}
