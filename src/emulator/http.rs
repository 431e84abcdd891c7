//! A tiny HTTP/1.1 client for talking to moto server on loopback: one request per connection
//! (`Connection: close`), whole bodies in memory. Enough for `/moto-api/*` and moto's query APIs
//! in test harnesses; not a general client (the CloudWatch bridge uses the SDK's own client).
//!
//! Bounded: a response may carry at most [`MAX_HEAD_BYTES`] of status line and headers and at
//! most [`MAX_BODY_BYTES`] of body (after chunked decoding); at most [`MAX_RESPONSE_BYTES`] are
//! read from the socket. A larger answer, a declared `Content-Length` above the limit, a chunk
//! size that does not fit, or a truncated or malformed response is an error that says so,
//! never a panic: what moto (or whatever answers on the port) sends is not trusted.
//!
//! A request that carries credentials (`Authorization`, `X-Amz-Security-Token`) to a host that
//! is not loopback is refused unless
//! [`ALLOW_PLAINTEXT_ENV`](crate::cloud::plaintext::ALLOW_PLAINTEXT_ENV) is set: this client
//! has no TLS.

use std::io::{Read, Write};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The most bytes of status line and headers a response may have (64 KiB).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most bytes of body a response may have, after chunked decoding (16 MiB: moto's answers
/// to the harness are kilobytes; an EBS block is 512 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The most bytes read from the socket for one response: head, body and 1 MiB of chunk framing.
pub const MAX_RESPONSE_BYTES: usize = MAX_HEAD_BYTES + MAX_BODY_BYTES + 1024 * 1024;
/// The longest chunk-size line (hex digits, extensions) accepted.
const MAX_CHUNK_LINE: usize = 1024;

/// A response: status, headers (in order, names as sent) and the whole body.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body (chunked transfer coding already removed).
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Serialises a request. `host` is `127.0.0.1:PORT`; `headers` must not include Host,
/// Content-Length or Connection (they are added; Transfer-Encoding is dropped). A CR or LF in
/// the method, path, host or a header (which would split the request) is an error.
pub fn encode_request(
    method: &str,
    host: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Vec<u8>, String> {
    let crlf = |s: &str| s.contains(['\r', '\n']);
    if crlf(method) || crlf(host) || crlf(path) || headers.iter().any(|(k, v)| crlf(k) || crlf(v) || k.contains(':')) {
        return Err(format!(
            "CR, LF or a colon in a header name would split the request to {host}{path}"
        ));
    }
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        let lower = k.to_ascii_lowercase();
        if lower == "host" || lower == "content-length" || lower == "connection" || lower == "transfer-encoding" {
            continue;
        }
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Ok(bytes)
}

/// The end of the head (the index of its `\r\n\r\n`), if it is in `raw`.
fn head_end(raw: &[u8]) -> Option<usize> {
    raw.windows(4).position(|w| w == b"\r\n\r\n")
}

/// Parses a complete response (the server closed the connection after it), within the limits
/// in the [module docs](self).
pub fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let split = match head_end(&raw[..raw.len().min(MAX_HEAD_BYTES + 4)]) {
        Some(split) => split,
        None if raw.len() > MAX_HEAD_BYTES => {
            return Err(format!(
                "response headers longer than the limit of {MAX_HEAD_BYTES} bytes"
            ));
        }
        None => return Err(format!("no end of headers in {} bytes", raw.len())),
    };
    let (status, headers) = parse_head(&raw[..split])?;
    let mut resp = Response {
        status,
        headers,
        body: Vec::new(),
    };
    let rest = &raw[split + 4..];
    if let Some(te) = resp.header("transfer-encoding") {
        if !te
            .rsplit(',')
            .next()
            .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
        {
            return Err(format!("unsupported transfer-encoding {te:?}"));
        }
        resp.body = dechunk(rest)?;
    } else if let Some(len) = content_length(&resp)? {
        if rest.len() < len {
            return Err(format!("body truncated: {} of {len} bytes", rest.len()));
        }
        resp.body = rest[..len].to_vec();
    } else {
        if rest.len() > MAX_BODY_BYTES {
            return Err(format!(
                "body larger than the limit of {MAX_BODY_BYTES} bytes ({} bytes read)",
                rest.len()
            ));
        }
        resp.body = rest.to_vec();
    }
    Ok(resp)
}

/// The status line and headers.
fn parse_head(head: &[u8]) -> Result<(u16, Vec<(String, String)>), String> {
    let head = std::str::from_utf8(head).map_err(|e| format!("headers are not UTF-8: {e}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    let status = match code.parse::<u16>() {
        Ok(s) if version.starts_with("HTTP/") && code.len() == 3 && (100..=999).contains(&s) => s,
        _ => return Err(format!("bad status line {status_line:?}")),
    };
    let headers = lines
        .map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("header line without a colon: {l:?}"))
        })
        .collect::<Result<_, _>>()?;
    Ok((status, headers))
}

/// The declared Content-Length, refused above [`MAX_BODY_BYTES`].
fn content_length(resp: &Response) -> Result<Option<usize>, String> {
    let Some(v) = resp.header("content-length") else {
        return Ok(None);
    };
    let len: u64 = v.parse().map_err(|_| format!("bad content-length {v:?}"))?;
    if len > MAX_BODY_BYTES as u64 {
        return Err(format!(
            "content-length {len} is larger than the limit of {MAX_BODY_BYTES} bytes"
        ));
    }
    Ok(Some(len as usize))
}

/// Removes the chunked transfer coding: every size is checked against the bytes that are there
/// and against [`MAX_BODY_BYTES`] before it is used; a body that ends before its last (empty)
/// chunk is truncated.
fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let window = &raw[..raw.len().min(MAX_CHUNK_LINE + 2)];
        let Some(eol) = window.windows(2).position(|w| w == b"\r\n") else {
            return Err(if raw.len() > MAX_CHUNK_LINE {
                format!("chunk size line longer than {MAX_CHUNK_LINE} bytes")
            } else {
                format!("chunked body truncated after {} bytes (no last chunk)", out.len())
            });
        };
        let size_text = std::str::from_utf8(&raw[..eol]).map_err(|e| format!("chunk size line is not UTF-8: {e}"))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        if size_text.is_empty() || !size_text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("bad chunk size {size_text:?}"));
        }
        let size = u64::from_str_radix(size_text, 16)
            .ok()
            .filter(|s| *s <= (MAX_BODY_BYTES - out.len()) as u64)
            .ok_or_else(|| {
                format!(
                    "chunk size {size_text} makes the body larger than the limit of {MAX_BODY_BYTES} bytes \
                     ({} bytes so far)",
                    out.len()
                )
            })? as usize;
        raw = &raw[eol + 2..];
        if size == 0 {
            // Trailers, if any, are ignored.
            return Ok(out);
        }
        if raw.len() < size {
            return Err(format!(
                "chunked body truncated: a chunk of {size} bytes has {} (after {} bytes of body)",
                raw.len(),
                out.len()
            ));
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size..];
        match raw.get(..2) {
            Some(b"\r\n") => raw = &raw[2..],
            Some(_) => return Err(format!("chunk of {size} bytes not followed by CRLF")),
            None => {
                return Err(format!(
                    "chunked body truncated after {} bytes (no last chunk)",
                    out.len()
                ));
            }
        }
    }
}

/// Collects a response from the socket within [`MAX_RESPONSE_BYTES`], refusing a declared
/// Content-Length over [`MAX_BODY_BYTES`] as soon as the headers are in (before the body is
/// read), and stopping once a Content-Length body is complete.
#[derive(Debug, Default)]
struct Collector {
    raw: Vec<u8>,
    /// Where the body starts and, with a Content-Length, where the response ends.
    framing: Option<(usize, Option<usize>)>,
}

impl Collector {
    /// Adds bytes read; `Ok(true)` when the response is complete.
    fn push(&mut self, bytes: &[u8]) -> Result<bool, String> {
        let searched = self.raw.len().saturating_sub(3);
        self.raw.extend_from_slice(bytes);
        if self.raw.len() > MAX_RESPONSE_BYTES {
            return Err(format!(
                "response larger than the limit of {MAX_RESPONSE_BYTES} bytes (body limit {MAX_BODY_BYTES})"
            ));
        }
        if self.framing.is_none() {
            match head_end(&self.raw[searched..]).map(|i| i + searched) {
                Some(end) => {
                    let (status, headers) = parse_head(&self.raw[..end])?;
                    let resp = Response {
                        status,
                        headers,
                        body: Vec::new(),
                    };
                    let total = match resp.header("transfer-encoding") {
                        Some(_) => None,
                        None => content_length(&resp)?.map(|len| end + 4 + len),
                    };
                    self.framing = Some((end + 4, total));
                }
                None if self.raw.len() > MAX_HEAD_BYTES => {
                    return Err(format!(
                        "response headers longer than the limit of {MAX_HEAD_BYTES} bytes"
                    ));
                }
                None => {}
            }
        }
        Ok(matches!(self.framing, Some((_, Some(total))) if self.raw.len() >= total))
    }

    fn finish(self) -> Result<Response, String> {
        parse_response(&self.raw)
    }
}

/// The rule for requests that carry credentials: see the [module docs](self).
fn check_credentials(host: &str, headers: &[(String, String)]) -> Result<(), String> {
    let signed = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("x-amz-security-token"));
    match crate::cloud::plaintext::refusal(&format!("http://{host}/"), crate::cloud::plaintext::allowed_by_env()) {
        Some(why) if signed => Err(why),
        _ => Ok(()),
    }
}

/// Sends one request to `host` (`127.0.0.1:PORT`) and reads the whole response (within the
/// limits in the [module docs](self)).
pub async fn send(
    method: &str,
    host: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
    timeout: Duration,
) -> Result<Response, String> {
    check_credentials(host, headers)?;
    let request = encode_request(method, host, path, headers, body)?;
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(host)
            .await
            .map_err(|e| format!("connect {host}: {e}"))?;
        stream
            .write_all(&request)
            .await
            .map_err(|e| format!("write to {host}: {e}"))?;
        let mut collector = Collector::default();
        let mut buf = vec![0; 16 * 1024];
        loop {
            let n = stream
                .read(&mut buf)
                .await
                .map_err(|e| format!("read from {host}: {e}"))?;
            if n == 0 || collector.push(&buf[..n])? {
                break;
            }
        }
        collector.finish()
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| format!("{method} {host}{path}: no answer within {timeout:?}"))?
}

/// [`send`], blocking (for code that runs outside any runtime, such as server start-up).
pub fn send_blocking(
    method: &str,
    host: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
    timeout: Duration,
) -> Result<Response, String> {
    check_credentials(host, headers)?;
    let request = encode_request(method, host, path, headers, body)?;
    let addr: std::net::SocketAddr = host.parse().map_err(|e| format!("bad address {host}: {e}"))?;
    let mut stream =
        std::net::TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect {host}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream
        .write_all(&request)
        .map_err(|e| format!("write to {host}: {e}"))?;
    let mut collector = Collector::default();
    let mut buf = vec![0; 16 * 1024];
    loop {
        let n = stream.read(&mut buf).map_err(|e| format!("read from {host}: {e}"))?;
        if n == 0 || collector.push(&buf[..n])? {
            break;
        }
    }
    collector.finish()
}
