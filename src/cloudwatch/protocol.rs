//! CloudWatch's wire shapes, shared by the emulator bridge (moto speaks AWS JSON 1.0) and the
//! simulator's wire front end (`sim::wire`, which serves RPC v2 CBOR, AWS JSON 1.0 and the query
//! protocol): conversion between RPC v2 CBOR and AWS JSON 1.0 bodies, and the member tables that
//! type what JSON leaves untyped.
//!
//! JSON carries no types, so the way to CBOR (or to the query protocol's XML) needs the
//! CloudWatch shapes: which members are timestamps (CBOR tag 1, epoch seconds), doubles (CBOR
//! floats: the SDK's decoder rejects an integer where a double is modelled), and blobs (CBOR byte
//! strings; base64 in JSON). The member tables below come from aws-sdk-cloudwatch 1.140's
//! `protocol_serde` (every member that is decoded with `decoder.timestamp()`,
//! `decoder.double()` or `decoder.blob()`).

use base64::Engine as _;
use serde_json::{Map, Number, Value as Json};

/// How one JSON member is typed in CBOR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// As the JSON says (strings, booleans, integers, floats, nested structures).
    Plain,
    /// A timestamp: CBOR tag 1 around epoch seconds.
    Timestamp,
    /// A double: always a CBOR float.
    Double,
    /// A blob: base64 text in JSON, a CBOR byte string.
    Blob,
}

/// The kind of the values under member `name` (for a list or map member: of its elements).
pub fn member_kind(name: &str) -> Kind {
    match name {
        // Timestamps (MetricAlarm, CompositeAlarm, Datapoint, DashboardEntry, MetricDataResult's
        // `Timestamps` list, AlarmHistoryItem, InsightRule, MetricStream, AnomalyDetector, ...).
        "Timestamp"
        | "Timestamps"
        | "StateUpdatedTimestamp"
        | "AlarmConfigurationUpdatedTimestamp"
        | "StateTransitionedTimestamp"
        | "LastUpdatedTimestamp"
        | "LastModified"
        | "CreationDate"
        | "LastUpdateDate"
        | "CreatedAt"
        | "UpdatedAt"
        | "ExpireDate"
        | "StartTime"
        | "EndTime"
        // DescribeAlarmHistory's range (its items' `Timestamp` is above).
        | "StartDate"
        | "EndDate" => Kind::Timestamp,
        // Doubles (Datapoint, MetricAlarm, MetricDataResult's `Values` list, Datapoint's
        // `ExtendedStatistics` map, insight rule metrics).
        "Threshold"
        | "SampleCount"
        | "Average"
        | "Sum"
        | "Minimum"
        | "Maximum"
        | "Values"
        | "ExtendedStatistics"
        | "AggregateValue"
        | "ApproximateAggregateValue"
        | "ApproximateValue"
        | "MaxContributorValue"
        | "UniqueContributors" => Kind::Double,
        // GetMetricWidgetImage.
        "MetricWidgetImage" => Kind::Blob,
        _ => Kind::Plain,
    }
}

// ---------------------------------------------------------------------------------------------
// CBOR -> JSON (requests)

/// Converts an RPC v2 CBOR request body to the AWS JSON 1.0 body moto expects: timestamps
/// (tag 1) become epoch-second numbers, byte strings become base64 text, the rest maps as is.
/// An empty body is `{}`.
pub fn cbor_to_json(body: &[u8]) -> Result<Json, String> {
    if body.is_empty() {
        return Ok(Json::Object(Map::new()));
    }
    let value: ciborium::Value = ciborium::de::from_reader(body).map_err(|e| format!("invalid CBOR: {e}"))?;
    cbor_value_to_json(value)
}

fn cbor_value_to_json(v: ciborium::Value) -> Result<Json, String> {
    use ciborium::Value as C;
    Ok(match v {
        C::Null => Json::Null,
        C::Bool(b) => Json::Bool(b),
        C::Integer(i) => {
            let i = i128::from(i);
            if let Ok(n) = i64::try_from(i) {
                Json::from(n)
            } else if let Ok(n) = u64::try_from(i) {
                Json::from(n)
            } else {
                return Err(format!("integer {i} does not fit JSON"));
            }
        }
        C::Float(f) => Json::Number(Number::from_f64(f).ok_or_else(|| format!("float {f} has no JSON form"))?),
        C::Text(s) => Json::String(s),
        C::Bytes(b) => Json::String(base64::engine::general_purpose::STANDARD.encode(b)),
        // Tag 1: epoch seconds (int or float) -> the same number.
        C::Tag(1, inner) => match *inner {
            C::Integer(_) | C::Float(_) => cbor_value_to_json(*inner)?,
            other => return Err(format!("timestamp tag around {other:?}")),
        },
        C::Tag(_, inner) => cbor_value_to_json(*inner)?,
        C::Array(items) => Json::Array(items.into_iter().map(cbor_value_to_json).collect::<Result<_, _>>()?),
        C::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                let C::Text(k) = k else {
                    return Err(format!("map key {k:?} is not text"));
                };
                m.insert(k, cbor_value_to_json(v)?);
            }
            Json::Object(m)
        }
        other => return Err(format!("unsupported CBOR value {other:?}")),
    })
}

// ---------------------------------------------------------------------------------------------
// JSON -> CBOR (responses)

/// A minimal CBOR encoder (definite lengths; doubles always as 64-bit floats, which the SDK's
/// decoder reads whatever half-float support it was built with).
#[derive(Debug, Default)]
pub struct Cbor(pub Vec<u8>);

impl Cbor {
    fn head(&mut self, major: u8, n: u64) {
        let m = major << 5;
        if n < 24 {
            self.0.push(m | n as u8);
        } else if n <= u8::MAX as u64 {
            self.0.extend([m | 24, n as u8]);
        } else if n <= u16::MAX as u64 {
            self.0.push(m | 25);
            self.0.extend((n as u16).to_be_bytes());
        } else if n <= u32::MAX as u64 {
            self.0.push(m | 26);
            self.0.extend((n as u32).to_be_bytes());
        } else {
            self.0.push(m | 27);
            self.0.extend(n.to_be_bytes());
        }
    }
    /// An unsigned or negative integer.
    pub fn int(&mut self, i: i128) {
        if i >= 0 {
            self.head(0, i as u64);
        } else {
            self.head(1, (-1 - i) as u64);
        }
    }
    /// A 64-bit float.
    pub fn f64(&mut self, f: f64) {
        self.0.push(0xfb);
        self.0.extend(f.to_be_bytes());
    }
    /// A text string.
    pub fn text(&mut self, s: &str) {
        self.head(3, s.len() as u64);
        self.0.extend(s.as_bytes());
    }
    /// A byte string.
    pub fn bytes(&mut self, b: &[u8]) {
        self.head(2, b.len() as u64);
        self.0.extend(b);
    }
    /// The start of an array of `n` items.
    pub fn array(&mut self, n: usize) {
        self.head(4, n as u64);
    }
    /// The start of a map of `n` pairs.
    pub fn map(&mut self, n: usize) {
        self.head(5, n as u64);
    }
    /// A tag.
    pub fn tag(&mut self, t: u64) {
        self.head(6, t);
    }
    /// `true` / `false`.
    pub fn bool(&mut self, b: bool) {
        self.0.push(if b { 0xf5 } else { 0xf4 });
    }
    /// `null`.
    pub fn null(&mut self) {
        self.0.push(0xf6);
    }
}

/// Converts an AWS JSON 1.0 response body to RPC v2 CBOR, typing members by [`member_kind`].
pub fn json_to_cbor(json: &Json) -> Result<Vec<u8>, String> {
    let mut out = Cbor::default();
    encode(&mut out, json, Kind::Plain)?;
    Ok(out.0)
}

fn encode(out: &mut Cbor, v: &Json, kind: Kind) -> Result<(), String> {
    match v {
        Json::Null => out.null(),
        Json::Bool(b) => out.bool(*b),
        Json::Number(n) => match kind {
            Kind::Timestamp => {
                out.tag(1);
                match n.as_i64() {
                    Some(i) => out.int(i as i128),
                    None => out.f64(n.as_f64().ok_or("number out of range")?),
                }
            }
            Kind::Double => out.f64(n.as_f64().ok_or("number out of range")?),
            Kind::Plain | Kind::Blob => {
                if let Some(i) = n.as_i64() {
                    out.int(i as i128)
                } else if let Some(u) = n.as_u64() {
                    out.int(u as i128)
                } else {
                    out.f64(n.as_f64().ok_or("number out of range")?)
                }
            }
        },
        Json::String(s) => match kind {
            Kind::Timestamp => {
                out.tag(1);
                out.f64(parse_timestamp(s)?);
            }
            Kind::Blob => {
                let b = base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|e| format!("blob is not base64: {e}"))?;
                out.bytes(&b);
            }
            // AWS JSON sends non-finite doubles as strings.
            Kind::Double => out.f64(match s.as_str() {
                "NaN" => f64::NAN,
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                other => other.parse().map_err(|_| format!("double member holds {other:?}"))?,
            }),
            Kind::Plain => out.text(s),
        },
        // A list member's kind applies to its elements.
        Json::Array(items) => {
            out.array(items.len());
            for item in items {
                encode(out, item, kind)?;
            }
        }
        Json::Object(m) => {
            out.map(m.len());
            for (k, v) in m {
                out.text(k);
                // A map-typed member (ExtendedStatistics) types its values; a structure's members
                // are typed by their own names.
                let member = member_kind(k);
                let inner = if member == Kind::Plain && kind != Kind::Plain {
                    kind
                } else {
                    member
                };
                encode(out, v, inner)?;
            }
        }
    }
    Ok(())
}

/// Epoch seconds from a timestamp that came as text (epoch digits, RFC 3339 or HTTP date).
pub fn parse_timestamp(s: &str) -> Result<f64, String> {
    use aws_smithy_types::date_time::{DateTime, Format};
    if let Ok(f) = s.parse::<f64>() {
        return Ok(f);
    }
    DateTime::from_str(s, Format::DateTime)
        .or_else(|_| DateTime::from_str(s, Format::HttpDate))
        .map(|d| d.as_secs_f64())
        .map_err(|e| format!("unparseable timestamp {s:?}: {e}"))
}

/// The RPC v2 CBOR error body for an AWS JSON error: `__type` (kept as moto sent it, the SDK
/// strips a `namespace#` prefix) and `message`.
pub fn error_to_cbor(code: &str, message: &str) -> Vec<u8> {
    let mut out = Cbor::default();
    out.map(2);
    out.text("__type");
    out.text(code);
    out.text("message");
    out.text(message);
    out.0
}
