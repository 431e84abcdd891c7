//! The crate's validation against the AWS API models (issue #12 item 7): botocore's
//! `service-2.json(.gz)` files of the moto virtualenv (`scripts/install-moto` puts botocore in
//! `./.venv`), at `.venv/lib/python3*/site-packages/botocore/data/SERVICE/DATE/`.
//!
//! - **Lengths**: for each string shape the crate validates, the crate accepts a value of the
//!   model's `max` characters (two-byte characters where the field allows them: AWS counts
//!   characters) and refuses one more; it refuses an empty value exactly when `min` is 1. Where
//!   the crate exports the limit (`MAX_*_CHARS`), the constant equals the model's `max`.
//!   Deliberate differences (a quota narrower than the model's envelope) are listed in
//!   `STRICTER` with their source and still checked against the model's current value.
//! - **Patterns**: the model's pattern text equals the one the crate's docs cite, and for hand-
//!   picked samples the crate accepts exactly what the pattern (run with the `regex` crate,
//!   anchored: AWS matches the whole value) accepts, except for samples listed with a reason.
//! - **Documented rules** the model carries only in its documentation (security group
//!   characters, gp3 limits, CloudWatch periods and dimension rules, extended statistics) are
//!   found in that text.
//! - **Enums**: every value of a model enum the crate mirrors is known to the crate, or the
//!   crate's gap is listed in `ENUM_GAPS` (enums without an unknown variant; restructuring them
//!   is another issue), so a new model value fails the test.
//!
//! Without the models the tests print a loud message and pass, unless
//! `AWS_FACADE_REQUIRE_MOTO=1` (set by `scripts/test`), when they fail.
#![cfg(all(
    feature = "ec2",
    feature = "ebs",
    feature = "elbv2",
    feature = "cloudwatch",
    feature = "lambda"
))]

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_facade::Tags;
use aws_facade::cloudwatch::{
    self, AlarmState, ComparisonOperator, DescribeAlarmsRequest, Dimension, DimensionFilter, GetMetricDataRequest,
    ListMetricsRequest, Metric, MetricDataQuery, MetricDataStatus, MetricDatum, MetricStat, PutMetricAlarmRequest,
    PutMetricDataRequest, Statistic, Unit,
};
use aws_facade::ebs::{self, ChecksumAggregationMethod, DirectSnapshotStatus, StartSnapshotRequest};
use aws_facade::ec2::{
    self, AttachmentState, CreateSecurityGroupRequest, InstanceState, SnapshotState, VolumeState, VolumeType,
};
use aws_facade::elb::{self, LoadBalancerState, Protocol, Scheme, TargetHealthState, TargetType};
use aws_facade::id::{AlarmName, AliasName, Arn, FunctionName};
use aws_facade::lambda::{
    self, AddPermissionRequest, Architecture, CreateFunctionRequest, FunctionState, InvocationType, InvokeRequest,
    LastUpdateStatus,
};
use aws_facade::validate::{self, Validate};
use serde_json::Value;

const REQUIRE_ENV: &str = "AWS_FACADE_REQUIRE_MOTO";

// ---------------------------------------------------------------------------------------------
// The models

struct Model {
    service: &'static str,
    shapes: serde_json::Map<String, Value>,
}

/// The newest API version directory of `service` under botocore's data directory.
fn model_file(data: &Path, service: &str) -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir(data.join(service))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    versions.sort();
    versions
        .iter()
        .rev()
        .flat_map(|v| [v.join("service-2.json"), v.join("service-2.json.gz")])
        .find(|f| f.is_file())
}

/// botocore's data directory in `./.venv` (any Python 3 version).
fn botocore_data() -> Option<PathBuf> {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/lib");
    let mut pythons: Vec<PathBuf> = std::fs::read_dir(lib)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("python3"))
        })
        .collect();
    pythons.sort();
    pythons
        .into_iter()
        .rev()
        .map(|p| p.join("site-packages/botocore/data"))
        .find(|d| d.is_dir())
}

fn read_model(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let text = if path.extension().is_some_and(|x| x == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .unwrap_or_else(|e| panic!("gunzipping {}: {e}", path.display()));
        s
    } else {
        String::from_utf8(bytes).expect("UTF-8 model")
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// The model of `service`, or `None` (after a loud message) when the models are absent and
/// `AWS_FACADE_REQUIRE_MOTO` is not `1`.
fn model(service: &'static str) -> Option<Model> {
    let file = botocore_data().and_then(|d| model_file(&d, service));
    let Some(file) = file else {
        let msg = format!(
            "botocore's {service} model was not found under ./.venv/lib/python3*/site-packages/botocore/data \
             (run scripts/install-moto)"
        );
        if std::env::var(REQUIRE_ENV).as_deref() == Ok("1") {
            panic!("{msg}; {REQUIRE_ENV}=1 requires it");
        }
        eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        eprintln!("!!! SKIPPED: {msg}");
        eprintln!("!!! the crate's rules were NOT checked against the AWS models");
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
        return None;
    };
    let json = read_model(&file);
    let shapes = json["shapes"].as_object().expect("shapes").clone();
    Some(Model { service, shapes })
}

impl Model {
    /// A shape by name, or `Structure.Member` for the shape of a member.
    fn shape(&self, name: &str) -> &Value {
        let name = self.shape_name(name);
        self.shapes
            .get(&name)
            .unwrap_or_else(|| panic!("{}: no shape {name}", self.service))
    }

    fn shape_name(&self, name: &str) -> String {
        match name.split_once('.') {
            Some((structure, member)) => {
                let s = self
                    .shapes
                    .get(structure)
                    .unwrap_or_else(|| panic!("{}: no shape {structure}", self.service));
                s["members"][member]["shape"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{}: no member {name}", self.service))
                    .to_string()
            }
            None => name.to_string(),
        }
    }

    fn min(&self, name: &str) -> usize {
        self.shape(name)["min"].as_u64().unwrap_or(0) as usize
    }

    fn max(&self, name: &str) -> Option<usize> {
        self.shape(name)["max"].as_u64().map(|m| m as usize)
    }

    fn pattern(&self, name: &str) -> Option<String> {
        self.shape(name)["pattern"].as_str().map(str::to_string)
    }

    fn enum_values(&self, name: &str) -> BTreeSet<String> {
        self.shape(name)["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: {name} is not an enum", self.service))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    /// The documentation of a structure member (`Structure.Member`) or a shape.
    fn docs(&self, name: &str) -> String {
        let doc = match name.split_once('.') {
            Some((structure, member)) => &self.shapes[structure]["members"][member]["documentation"],
            None => &self.shapes[name]["documentation"],
        };
        doc.as_str()
            .unwrap_or_else(|| panic!("{}: {name} has no documentation", self.service))
            .to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Requests to check fields through

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// Whether a PutMetricData of `datum` would be sent (the datum's own rules are checked when it
/// is built, the request's when the request is).
fn put_metric_data(namespace: &str, datum: aws_facade::Result<MetricDatum>) -> bool {
    datum
        .and_then(|d| {
            PutMetricDataRequest::builder()
                .namespace(namespace)
                .data(vec![d])
                .build()
        })
        .is_ok()
}

fn datum(name: &str, dims: Vec<Dimension>) -> aws_facade::Result<MetricDatum> {
    MetricDatum::builder()
        .metric_name(name)
        .dimensions(dims)
        .value(1.0)
        .build()
}

fn cw_namespace(ns: &str) -> bool {
    put_metric_data(ns, datum("m", vec![]))
}

fn cw_metric_name(name: &str) -> bool {
    put_metric_data("App", datum(name, vec![]))
}

fn cw_dimension_name(name: &str) -> bool {
    put_metric_data("App", datum("m", vec![Dimension::new(name, "v")]))
}

fn cw_dimension_value(value: &str) -> bool {
    put_metric_data("App", datum("m", vec![Dimension::new("d", value)]))
}

fn cw_dimension_filter_name(name: &str) -> bool {
    ListMetricsRequest::builder()
        .dimensions(vec![DimensionFilter {
            name: name.into(),
            value: None,
        }])
        .build()
        .is_ok()
}

fn alarm() -> PutMetricAlarmRequest {
    PutMetricAlarmRequest::builder()
        .alarm_name("a".parse().unwrap())
        .namespace("App")
        .metric_name("m")
        .statistic(Statistic::Average)
        .period_secs(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison(ComparisonOperator::GreaterThanThreshold)
        .build()
        .unwrap()
}

fn cw_alarm_description(d: &str) -> bool {
    let mut a = alarm();
    a.description = Some(d.into());
    a.validate().is_ok()
}

fn cw_alarm_name(n: &str) -> bool {
    n.parse::<AlarmName>().is_ok()
}

fn cw_alarm_name_prefix(p: &str) -> bool {
    DescribeAlarmsRequest::builder().name_prefix(p).build().is_ok()
}

fn cw_metric_id(id: &str) -> bool {
    let q = MetricDataQuery::builder()
        .id(id)
        .metric(
            MetricStat::builder()
                .metric(Metric::builder().namespace("App").metric_name("m").build())
                .period_secs(60)
                .stat("Sum")
                .build(),
        )
        .build();
    GetMetricDataRequest::builder()
        .queries(vec![q])
        .start(t0())
        .end(t0() + Duration::from_secs(600))
        .build()
        .is_ok()
}

fn cw_resource_arn(arn: &str) -> bool {
    arn.parse::<Arn>()
        .is_ok_and(|a| cloudwatch::validate_resource_arn(&a).is_ok())
}

fn with_tag(k: &str, v: &str) -> Tags {
    Tags::from([(k.to_string(), v.to_string())])
}

fn cw_tag_key(k: &str) -> bool {
    let mut a = alarm();
    a.tags = with_tag(k, "v");
    a.validate().is_ok()
}

fn cw_tag_value(v: &str) -> bool {
    let mut a = alarm();
    a.tags = with_tag("k", v);
    a.validate().is_ok()
}

fn snapshot() -> StartSnapshotRequest {
    StartSnapshotRequest::builder().volume_size_gib(8).build().unwrap()
}

fn ebs_description(d: &str) -> bool {
    let mut s = snapshot();
    s.description = Some(d.into());
    s.validate().is_ok()
}

fn ebs_client_token(t: &str) -> bool {
    let mut s = snapshot();
    s.client_token = Some(t.into());
    s.validate().is_ok()
}

fn ebs_kms_key_arn(k: &str) -> bool {
    let mut s = snapshot();
    s.kms_key_arn = Some(k.into());
    s.validate().is_ok()
}

fn ebs_tag_key(k: &str) -> bool {
    let mut s = snapshot();
    s.tags = with_tag(k, "v");
    s.validate().is_ok()
}

fn ebs_tag_value(v: &str) -> bool {
    let mut s = snapshot();
    s.tags = with_tag("k", v);
    s.validate().is_ok()
}

fn ebs_snapshot_id(id: &str) -> bool {
    id.parse::<aws_facade::id::SnapshotId>().is_ok()
}

fn elb_tag_key(k: &str) -> bool {
    elb::validate_add_tags(&["arn:aws:elasticloadbalancing:x".into()], &with_tag(k, "v")).is_ok()
}

fn elb_tag_value(v: &str) -> bool {
    elb::validate_add_tags(&["arn:aws:elasticloadbalancing:x".into()], &with_tag("k", v)).is_ok()
}

fn elb_attribute_key(k: &str) -> bool {
    elb::validate_attributes(&elb::Attributes::from([(k.to_string(), "true".to_string())])).is_ok()
}

fn function() -> CreateFunctionRequest {
    CreateFunctionRequest::builder()
        .name("f".parse().unwrap())
        .runtime("python3.13")
        .role("arn:aws:iam::123456789012:role/r".parse().unwrap())
        .zip(b"PK\x03\x04rest".to_vec())
        .handler("app.handler")
        .build()
        .unwrap()
}

fn lambda_tag_key(k: &str) -> bool {
    let mut f = function();
    f.tags = with_tag(k, "v");
    f.validate().is_ok()
}

fn lambda_tag_value(v: &str) -> bool {
    let mut f = function();
    f.tags = with_tag("k", v);
    f.validate().is_ok()
}

fn lambda_description(d: &str) -> bool {
    let mut f = function();
    f.description = Some(d.into());
    f.validate().is_ok()
}

fn lambda_handler(h: &str) -> bool {
    let mut f = function();
    f.handler = Some(h.into());
    f.validate().is_ok()
}

fn lambda_role(r: &str) -> bool {
    let Ok(arn) = r.parse::<Arn>() else {
        return false;
    };
    let mut f = function();
    f.role = arn;
    f.validate().is_ok()
}

fn lambda_qualifier(q: &str) -> bool {
    InvokeRequest::builder()
        .function("f".parse().unwrap())
        .qualifier(q)
        .build()
        .is_ok()
}

fn lambda_license_info(l: &str) -> bool {
    aws_facade::lambda::PublishLayerVersionRequest::builder()
        .layer_name("deps".parse().unwrap())
        .zip(&b"PK\x03\x04rest"[..])
        .license_info(l)
        .build()
        .is_ok()
}

fn lambda_layer_name(n: &str) -> bool {
    n.parse::<aws_facade::id::LayerName>().is_ok()
}

fn lambda_layer_version_arn(a: &str) -> bool {
    a.parse::<aws_facade::id::LayerVersionArn>().is_ok()
}

const LAYER_NAME_SAMPLES: &[&str] = &[
    "deps",
    "my_deps-2",
    "arn:aws:lambda:us-east-1:123456789012:layer:deps",
    "arn:aws:lambda:ap-southeast-2:123456789012:layer:deps",
    "arn:aws:lambda:us-east-1:123456789012:layer:deps:1",
    "arn:aws:lambda:us-east-1:1234567890123:layer:deps",
    "arn:aws:lambda:us-east-1:123456789012:layer:",
    "de.ps",
    "de ps",
    "dé",
    "",
];

fn lambda_function_name(n: &str) -> bool {
    n.parse::<FunctionName>().is_ok()
}

fn lambda_alias(n: &str) -> bool {
    n.parse::<AliasName>().is_ok()
}

fn lambda_statement_id(sid: &str) -> bool {
    AddPermissionRequest::builder()
        .function("f".parse().unwrap())
        .statement_id(sid)
        .principal("s3.amazonaws.com")
        .build()
        .is_ok()
}

fn lambda_env_name(k: &str) -> bool {
    let mut env = lambda::Environment::new();
    env.insert(k, "v");
    env.validate("environment").is_ok()
}

fn sg_name(n: &str) -> bool {
    CreateSecurityGroupRequest::builder()
        .name(n)
        .description("d")
        .build()
        .is_ok()
}

fn sg_description(d: &str) -> bool {
    CreateSecurityGroupRequest::builder()
        .name("n")
        .description(d)
        .build()
        .is_ok()
}

// ---------------------------------------------------------------------------------------------
// Lengths

/// A string field the crate validates: the model shape (or `Structure.Member`), how to check a
/// value, a character to build values of (two bytes where the field allows non-ASCII), and
/// the crate's exported limit, if any.
struct Len {
    shape: &'static str,
    accepts: fn(&str) -> bool,
    fill: char,
    crate_max: Option<usize>,
}

const fn len(shape: &'static str, accepts: fn(&str) -> bool, fill: char, crate_max: Option<usize>) -> Len {
    Len {
        shape,
        accepts,
        fill,
        crate_max,
    }
}

fn check_lengths(m: &Model, fields: &[Len]) -> usize {
    for f in fields {
        let who = format!("{} {}", m.service, f.shape);
        let max = m.max(f.shape).unwrap_or_else(|| panic!("{who}: the model has no max"));
        // A pattern such as `^[\S\s]+$` makes the shortest value 1 where `min` is absent.
        let empty_refused = m.pattern(f.shape).is_some_and(|p| {
            let (re, _) = compile(&p);
            !re.is_match("")
        });
        let min = m.min(f.shape).max(usize::from(empty_refused));
        if let Some(c) = f.crate_max {
            assert_eq!(c, max, "{who}: the crate's constant differs from the model's max");
        }
        let at = |n: usize| f.fill.to_string().repeat(n);
        assert!((f.accepts)(&at(max)), "{who}: {max} characters ({}) refused", f.fill);
        assert!(!(f.accepts)(&at(max + 1)), "{who}: {} characters accepted", max + 1);
        match min {
            0 => assert!(
                (f.accepts)(""),
                "{who}: the model allows an empty value, the crate refuses it"
            ),
            _ => assert!(
                !(f.accepts)(""),
                "{who}: the model requires {min}, the crate accepts an empty value"
            ),
        }
    }
    fields.len()
}

#[test]
fn cloudwatch_lengths_equal_the_model() {
    let Some(m) = model("cloudwatch") else { return };
    let n = check_lengths(
        &m,
        &[
            len("AlarmName", cw_alarm_name, 'é', Some(cloudwatch::MAX_ALARM_NAME_CHARS)),
            len(
                "AlarmDescription",
                cw_alarm_description,
                'é',
                Some(cloudwatch::MAX_ALARM_DESCRIPTION_CHARS),
            ),
            len(
                "AlarmNamePrefix",
                cw_alarm_name_prefix,
                'é',
                Some(cloudwatch::MAX_ALARM_NAME_PREFIX_CHARS),
            ),
            len("Namespace", cw_namespace, 'n', Some(cloudwatch::MAX_NAMESPACE_CHARS)),
            len(
                "MetricName",
                cw_metric_name,
                'é',
                Some(cloudwatch::MAX_METRIC_NAME_CHARS),
            ),
            len(
                "DimensionName",
                cw_dimension_name,
                'd',
                Some(cloudwatch::MAX_DIMENSION_NAME_CHARS),
            ),
            len("DimensionFilter.Name", cw_dimension_filter_name, 'd', None),
            len(
                "DimensionValue",
                cw_dimension_value,
                'v',
                Some(cloudwatch::MAX_DIMENSION_VALUE_CHARS),
            ),
            len("MetricId", cw_metric_id, 'm', Some(cloudwatch::MAX_METRIC_ID_CHARS)),
            len("TagKey", cw_tag_key, 'é', Some(validate::MAX_TAG_KEY_CHARS)),
            len("TagValue", cw_tag_value, 'é', Some(validate::MAX_TAG_VALUE_CHARS)),
        ],
    );
    // An ARN needs its parts: check the bound with a long resource part.
    let max = m.max("AmazonResourceName").unwrap();
    assert_eq!(max, cloudwatch::MAX_RESOURCE_ARN_CHARS);
    const PREFIX: &str = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:";
    let arn = |n: usize| format!("{PREFIX}{}", "a".repeat(n - PREFIX.len()));
    assert!(cw_resource_arn(&arn(max)) && !cw_resource_arn(&arn(max + 1)));
    eprintln!("cloudwatch: {} string lengths match the model", n + 1);
}

#[test]
fn ebs_lengths_equal_the_model() {
    let Some(m) = model("ebs") else { return };
    let n = check_lengths(
        &m,
        &[
            len(
                "StartSnapshotRequest.Description",
                ebs_description,
                'é',
                Some(ebs::MAX_DESCRIPTION_CHARS),
            ),
            len(
                "StartSnapshotRequest.ClientToken",
                ebs_client_token,
                't',
                Some(ebs::MAX_CLIENT_TOKEN_CHARS),
            ),
            len("TagKey", ebs_tag_key, 'é', Some(ebs::MAX_TAG_KEY_CHARS)),
            len("TagValue", ebs_tag_value, 'é', Some(ebs::MAX_TAG_VALUE_CHARS)),
        ],
    );
    let max = m.max("KmsKeyArn").unwrap();
    assert_eq!((m.min("KmsKeyArn"), max), (1, ebs::MAX_KMS_KEY_ARN_CHARS));
    const PREFIX: &str = "arn:aws:kms:us-east-1:123456789012:key/";
    let arn = |n: usize| format!("{PREFIX}{}", "k".repeat(n - PREFIX.len()));
    assert!(ebs_kms_key_arn(&arn(max)) && !ebs_kms_key_arn(&arn(max + 1)));
    assert_eq!(m.max("PageToken"), Some(ebs::MAX_NEXT_TOKEN_CHARS));
    assert_eq!(
        m.max("StartSnapshotRequest.VolumeSize").unwrap_or(usize::MAX) as u64,
        usize::MAX as u64,
        "the model gained a VolumeSize max: compare it with ebs::MAX_VOLUME_SIZE_GIB"
    );
    eprintln!("ebs: {} string lengths match the model", n + 2);
}

#[test]
fn elbv2_lengths_equal_the_model() {
    let Some(m) = model("elbv2") else { return };
    let n = check_lengths(
        &m,
        &[
            len("TagKey", elb_tag_key, 'é', Some(validate::MAX_TAG_KEY_CHARS)),
            len("TagValue", elb_tag_value, 'é', Some(validate::MAX_TAG_VALUE_CHARS)),
            len(
                "TargetGroupAttributeKey",
                elb_attribute_key,
                'k',
                Some(elb::MAX_ATTRIBUTE_KEY_CHARS),
            ),
        ],
    );
    assert_eq!(m.max("LoadBalancerAttributeKey"), Some(elb::MAX_ATTRIBUTE_KEY_CHARS));
    eprintln!("elbv2: {} string lengths match the model", n + 1);
}

#[test]
fn lambda_lengths_equal_the_model() {
    let Some(m) = model("lambda") else { return };
    let n = check_lengths(
        &m,
        &[
            len("TagKey", lambda_tag_key, 'é', Some(validate::MAX_TAG_KEY_CHARS)),
            len("TagValue", lambda_tag_value, 'é', Some(validate::MAX_TAG_VALUE_CHARS)),
            len(
                "CreateFunctionRequest.Description",
                lambda_description,
                'é',
                Some(lambda::MAX_DESCRIPTION_CHARS),
            ),
            len("Alias", lambda_alias, 'a', None),
            len(
                "InvocationRequest.Qualifier",
                lambda_qualifier,
                'q',
                Some(lambda::MAX_QUALIFIER_CHARS),
            ),
            len(
                "LicenseInfo",
                lambda_license_info,
                'é',
                Some(lambda::MAX_LICENSE_INFO_CHARS),
            ),
            len(
                "StatementId",
                lambda_statement_id,
                's',
                Some(lambda::MAX_STATEMENT_ID_CHARS),
            ),
        ],
    );
    // Handler: the pattern `[^\s]+` refuses an empty handler; no whitespace, so ASCII filler.
    let max = m.max("Handler").unwrap();
    assert_eq!(max, lambda::MAX_HANDLER_CHARS);
    assert!(lambda_handler(&"h".repeat(max)) && !lambda_handler(&"h".repeat(max + 1)));
    eprintln!("lambda: {} string lengths match the model", n + 1);
}

/// Where the crate is deliberately stricter than the model: (service, shape, the model's `max`
/// today, the crate's, why).
const STRICTER: &[(&str, &str, usize, usize, &str)] = &[
    (
        "lambda",
        "CreateFunctionRequest.Timeout",
        5_400,
        900,
        "Lambda quotas: function timeout 900 seconds (15 minutes)",
    ),
    (
        "lambda",
        "CreateFunctionRequest.MemorySize",
        32_768,
        10_240,
        "Lambda quotas: memory 128 MB to 10,240 MB",
    ),
    (
        "lambda",
        "FunctionName",
        140,
        64,
        "FunctionName docs: the 140 applies to the full ARN; a name alone is at most 64 characters",
    ),
];

#[test]
fn stricter_limits_are_recorded_with_the_models_value() {
    let Some(m) = model("lambda") else { return };
    for &(service, shape, model_max, crate_max, why) in STRICTER {
        assert_eq!(service, "lambda");
        assert_eq!(
            m.max(shape),
            Some(model_max),
            "{shape}: the model's max changed; re-check the crate's {crate_max} ({why})"
        );
    }
    assert_eq!(
        lambda::TIMEOUT_SECS_RANGE,
        (m.min("CreateFunctionRequest.Timeout") as u32, 900)
    );
    assert_eq!(
        lambda::MEMORY_MB_RANGE,
        (m.min("CreateFunctionRequest.MemorySize") as u32, 10_240)
    );
    assert!(lambda_function_name(&"f".repeat(64)) && !lambda_function_name(&"f".repeat(65)));
    assert!(m.docs("CreateFunctionRequest.FunctionName").contains("64 characters"));
    eprintln!("{} stricter limits recorded", STRICTER.len());
}

// ---------------------------------------------------------------------------------------------
// Patterns

/// A pattern the crate follows: the shape, the pattern text the crate's docs cite, how to
/// check a value, samples, and samples where the crate deliberately differs (with a reason).
struct Pat {
    shape: &'static str,
    text: &'static str,
    accepts: fn(&str) -> bool,
    samples: &'static [&'static str],
    differs: &'static [(&'static str, &'static str)],
}

/// The model's pattern as a whole-value regex. Lookaheads (`(?!^[0-9]+$)` of `Alias`), which
/// the regex crate lacks, are split off and returned as a list of regexes the value must NOT
/// match.
fn compile(pattern: &str) -> (regex::Regex, Vec<regex::Regex>) {
    let mut rest = pattern.to_string();
    let mut not = Vec::new();
    while let Some(i) = rest.find("(?!") {
        let end = i + rest[i..].find(')').expect("closed lookahead");
        // `(?!^[0-9]+$)` has no nested parentheses.
        not.push(regex::Regex::new(&rest[i + 3..end]).unwrap());
        rest.replace_range(i..=end, "");
    }
    (regex::Regex::new(&format!("^(?:{rest})$")).unwrap(), not)
}

fn check_patterns(m: &Model, pats: &[Pat]) -> usize {
    let mut samples = 0;
    for p in pats {
        let who = format!("{} {}", m.service, p.shape);
        let pattern = m.pattern(p.shape).unwrap_or_else(|| panic!("{who}: no pattern"));
        assert_eq!(pattern, p.text, "{who}: the model's pattern changed");
        let (re, not) = compile(&pattern);
        let model_accepts = |s: &str| re.is_match(s) && !not.iter().any(|n| n.is_match(s));
        for s in p.samples {
            assert_eq!(
                (p.accepts)(s),
                model_accepts(s),
                "{who}: {s:?} is {} by the model",
                if model_accepts(s) { "accepted" } else { "refused" }
            );
            samples += 1;
        }
        for (s, why) in p.differs {
            assert!(
                model_accepts(s),
                "{who}: {s:?} is listed as a difference but the model refuses it"
            );
            assert!(
                !(p.accepts)(s),
                "{who}: {s:?} is listed as refused by the crate ({why}) but accepted"
            );
            samples += 1;
        }
    }
    samples
}

const TAG_PATTERN_SAMPLES: &[&str] = &[
    "Name",
    "team:owner",
    "a/b=c+d@e_f.g-h",
    "名前",
    "Zoë 42",
    "١٢٣",
    "wide\u{3000}space",
    "a&b",
    "it's",
    "tab\there",
    "new\nline",
    "a*b",
    "a,b",
    "(x)",
    "#1",
    "emoji😀",
];

#[test]
fn elbv2_patterns_match_the_model() {
    let Some(m) = model("elbv2") else { return };
    let n = check_patterns(
        &m,
        &[
            Pat {
                shape: "TagKey",
                text: r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$",
                accepts: elb_tag_key,
                samples: TAG_PATTERN_SAMPLES,
                differs: &[
                    ("", "TagKey min 1"),
                    ("aws:x", "the aws: prefix is reserved (tagging docs)"),
                ],
            },
            Pat {
                shape: "TagValue",
                text: r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$",
                accepts: elb_tag_value,
                samples: TAG_PATTERN_SAMPLES,
                differs: &[],
            },
            Pat {
                shape: "TargetGroupAttributeKey",
                text: r"^[a-zA-Z0-9._]+$",
                accepts: elb_attribute_key,
                samples: &["stickiness.enabled", "a_b.c", "a-b", "a b", "a:b", "é"],
                differs: &[],
            },
        ],
    );
    eprintln!("elbv2: {n} pattern samples agree with the model");
}

#[test]
fn lambda_patterns_match_the_model() {
    let Some(m) = model("lambda") else { return };
    let n = check_patterns(
        &m,
        &[
            Pat {
                shape: "TagKey",
                text: r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)",
                accepts: lambda_tag_key,
                samples: TAG_PATTERN_SAMPLES,
                differs: &[
                    ("", "TagKey min 1"),
                    ("aws:x", "the aws: prefix is reserved (tagging docs)"),
                ],
            },
            Pat {
                shape: "TagValue",
                text: r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)",
                accepts: lambda_tag_value,
                samples: TAG_PATTERN_SAMPLES,
                differs: &[],
            },
            Pat {
                shape: "InvocationRequest.Qualifier",
                text: r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+",
                accepts: lambda_qualifier,
                samples: &[
                    "$LATEST",
                    "$LATEST.PUBLISHED",
                    "1",
                    "live",
                    "blue_green-2",
                    "a$b",
                    "$LATEST.",
                    "$LATEST.DRAFT",
                    "1.0",
                    "a:b",
                    "a b",
                    "é",
                    "",
                ],
                differs: &[],
            },
            Pat {
                shape: "Alias",
                text: r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)",
                accepts: lambda_alias,
                samples: &["live", "v1", "1a", "a-b_c", "12", "0", "a.b", "a b", "$LATEST", ""],
                differs: &[],
            },
            Pat {
                shape: "StatementId",
                text: r"([a-zA-Z0-9-_]+)",
                accepts: lambda_statement_id,
                samples: &["allow-s3", "a_b", "a.b", "a b", "a:b", ""],
                differs: &[],
            },
            Pat {
                shape: "LayerNameOrArn",
                text: r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]{1,140}|[a-zA-Z0-9-_]{1,140})",
                accepts: lambda_layer_name,
                samples: LAYER_NAME_SAMPLES,
                differs: &[],
            },
            Pat {
                shape: "LayerVersionArn",
                text: r"((arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+))",
                accepts: lambda_layer_version_arn,
                samples: &[
                    "arn:aws:lambda:us-east-1:123456789012:layer:deps:1",
                    "arn:aws-cn:lambda:cn-north-1:123456789012:layer:my_deps-2:10",
                    "arn::lambda:us-east-1:123456789012:layer:deps:1",
                    "arn:aws:lambda:us-gov-west-1:123456789012:layer:deps:3",
                    "arn:aws:lambda:us-isob-east-1:123456789012:layer:deps:3",
                    "arn:aws:lambda:eusc-de-east-1:123456789012:layer:deps:3",
                    "arn:aws:lambda:::awslayer:AWSLambda-Python",
                    "arn:aws:lambda:us-east-1:123456789012:layer:deps",
                    "arn:aws:lambda:us-east-1:123456789012:layer:deps:",
                    "arn:aws:lambda:us-east-1:123456789012:layer:deps:latest",
                    "arn:aws:lambda:us-east-1:12345678901:layer:deps:1",
                    "arn:aws:lambda:useast1:123456789012:layer:deps:1",
                    "arn:aws:lambda:us-east-12:123456789012:layer:deps:1",
                    "arn:aws:lambda:US-east-1:123456789012:layer:deps:1",
                    "arn:aws:lambda:us-east-1:123456789012:layer:de.ps:1",
                    "arn:aws:lambda:us-east-1:123456789012:function:deps:1",
                    "arn:aws:lambda:::awslayer:",
                    "arn:aws:lambda:::awslayer:a b",
                    "deps:1",
                    "",
                ],
                differs: &[],
            },
            Pat {
                shape: "Handler",
                text: r"[^\s]+",
                accepts: lambda_handler,
                samples: &["app.handler", "index.main", "a/b.c", "a b", "a\tb", "é.h", ""],
                differs: &[],
            },
            Pat {
                shape: "RoleArn",
                text: r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+",
                accepts: lambda_role,
                samples: &[
                    "arn:aws:iam::123456789012:role/r",
                    "arn:aws-cn:iam::123456789012:role/path/r+=,.@-_",
                    "arn:aws:iam::12345678901:role/r",
                    "arn:aws:iam:us-east-1:123456789012:role/r",
                    "arn:aws:iam::123456789012:user/u",
                    "arn:aws:iam::123456789012:role/r r",
                ],
                differs: &[],
            },
            Pat {
                shape: "EnvironmentVariableName",
                text: r"[a-zA-Z]([a-zA-Z0-9_])+",
                accepts: lambda_env_name,
                samples: &["DB_HOST", "a1", "A", "1A", "A-B", "A B", "_A"],
                differs: &[(
                    "AWS_REGION",
                    "reserved by Lambda (Defined runtime environment variables)",
                )],
            },
        ],
    );
    // FunctionName: the crate's type is the name form; compare names only (the model's
    // pattern also admits ARNs and a qualifier).
    let p = m.pattern("FunctionName").unwrap();
    assert!(p.contains("([a-zA-Z0-9-_]+)"), "FunctionName pattern changed: {p}");
    let name = regex::Regex::new("^[a-zA-Z0-9-_]+$").unwrap();
    for s in ["fn-1", "a_b", "a.b", "a b", "a:b", "é"] {
        assert_eq!(lambda_function_name(s), name.is_match(s), "FunctionName {s:?}");
    }
    eprintln!("lambda: {} pattern samples agree with the model", n + 6);
}

#[test]
fn ebs_patterns_match_the_model() {
    let Some(m) = model("ebs") else { return };
    let n = check_patterns(
        &m,
        &[
            Pat {
                shape: "KmsKeyArn",
                text: r"arn:aws[a-z\-]*:kms:.*:[0-9]{12}:key/.*",
                accepts: ebs_kms_key_arn,
                samples: &[
                    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                    "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/k",
                    "arn:aws-cn:kms::123456789012:key/",
                    "arn:aws:kms:a:b:123456789012:key/x:y",
                    "1234abcd-12ab-34cd-56ef-1234567890ab",
                    "alias/aws/ebs",
                    "arn:aws:kms:us-east-1:123456789012:alias/ebs",
                    "arn:aws:ebs:us-east-1:123456789012:key/k",
                    "arn:aws:kms:us-east-1:12345678901:key/k",
                    "arn:AWS:kms:us-east-1:123456789012:key/k",
                    "arn:aws1:kms:us-east-1:123456789012:key/k",
                ],
                differs: &[],
            },
            Pat {
                shape: "StartSnapshotRequest.Description",
                text: r"^[\S\s]+$",
                accepts: ebs_description,
                samples: &["nightly", "é ü", " ", "a\nb", ""],
                differs: &[],
            },
            Pat {
                shape: "StartSnapshotRequest.ClientToken",
                text: r"^[\S]+$",
                accepts: ebs_client_token,
                samples: &["token-1", "é", "a b", "a\tb", " ", ""],
                differs: &[],
            },
            Pat {
                shape: "TagKey",
                text: r"^[\S\s]+$",
                accepts: ebs_tag_key,
                samples: &["Name", "a&b*", "é", " ", ""],
                differs: &[("aws:x", "the aws: prefix is reserved (tagging docs)")],
            },
            Pat {
                shape: "TagValue",
                text: r"^[\S\s]*$",
                accepts: ebs_tag_value,
                samples: &["v", "a&b*", "é", " ", ""],
                differs: &[],
            },
            Pat {
                shape: "SnapshotId",
                text: r"^snap-[0-9a-f]+$",
                accepts: ebs_snapshot_id,
                samples: &[
                    "snap-0123456789abcdef0",
                    "snap-1234abcd",
                    "snap-",
                    "vol-1234abcd",
                    "SNAP-1234",
                ],
                differs: &[],
            },
        ],
    );
    eprintln!("ebs: {n} pattern samples agree with the model");
}

#[test]
fn cloudwatch_patterns_and_documented_rules_match_the_model() {
    let Some(m) = model("cloudwatch") else { return };
    let n = check_patterns(
        &m,
        &[Pat {
            shape: "Namespace",
            text: r"[^:].*",
            accepts: cw_namespace,
            samples: &["App", "App:Web", "a/b.c-d_e#f g", ":App", "::", ""],
            differs: &[
                ("Größe", "CloudWatch concepts, Namespaces: valid ASCII characters only"),
                ("a\tb", "printable ASCII"),
                (
                    "AWS/Custom",
                    "PutMetricData: a namespace beginning with AWS/ is reserved",
                ),
            ],
        }],
    );
    // Dimensions: the model states the rules in `Dimension.Name`/`Dimension.Value` docs.
    let name_docs = m.docs("Dimension.Name");
    for rule in [
        "must contain only ASCII characters",
        "at least one non-whitespace character",
        "cannot start with a colon",
        "ASCII control characters are not supported",
    ] {
        assert!(
            name_docs.contains(rule),
            "Dimension.Name docs no longer say {rule:?}: {name_docs}"
        );
    }
    for (s, ok) in [
        ("InstanceId", true),
        ("a:b", true),
        (" a ", true),
        (":a", false),
        ("   ", false),
        ("Größe", false),
        ("a\u{7}b", false),
    ] {
        assert_eq!(cw_dimension_name(s), ok, "dimension name {s:?}");
        assert_eq!(cw_dimension_filter_name(s), ok, "dimension filter name {s:?}");
    }
    let value_docs = m.docs("Dimension.Value");
    for rule in [
        "must contain only ASCII characters",
        "at least one non-whitespace character",
        "ASCII control characters are not supported",
    ] {
        assert!(value_docs.contains(rule), "Dimension.Value docs no longer say {rule:?}");
    }
    for (s, ok) in [
        ("i-123", true),
        (":a", true),
        (" ", false),
        ("café", false),
        ("a\nb", false),
    ] {
        assert_eq!(cw_dimension_value(s), ok, "dimension value {s:?}");
    }
    // Periods.
    let query = m.docs("GetMetricStatisticsInput.Period");
    assert!(query.contains("1, 5, 10, 20, 30, 60, or any multiple of 60"), "{query}");
    assert_eq!(m.docs("MetricStat.Period"), query);
    assert_eq!(cloudwatch::HIGH_RESOLUTION_QUERY_PERIODS, [1, 5, 10, 20, 30]);
    let alarm_docs = m.docs("PutMetricAlarmInput.Period");
    assert!(
        alarm_docs.contains("Valid values are 10, 20, 30, and any multiple of 60"),
        "{alarm_docs}"
    );
    assert_eq!(cloudwatch::HIGH_RESOLUTION_ALARM_PERIODS, [10, 20, 30]);
    // Extended statistics: every form the PutMetricAlarm docs list.
    let ext = m.docs("PutMetricAlarmInput.ExtendedStatistic");
    let values = ext
        .split("the following are valid values")
        .nth(1)
        .and_then(|s| s.split("For more information").next())
        .unwrap_or_else(|| panic!("no list of valid values in {ext}"));
    let listed: Vec<String> = values
        .split("<code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .map(|s| s.replace("<i>", "").replace("</i>", "").trim().to_string())
        .collect();
    assert!(listed.len() >= 11, "{listed:?}");
    for form in &listed {
        // `PR(n:m)` and `TM(X%:X%)`: instantiate the placeholders.
        let sample = form.replace("n:m", "10:50").replace("X%:X%", "10%:90%");
        assert!(cloudwatch::is_extended_statistic(&sample), "{form} ({sample}) refused");
    }
    for bad in ["avg", "P90", "tm", "TM()", "PR(10%:20%)", "TM(90%:10%)"] {
        assert!(!cloudwatch::is_extended_statistic(bad), "{bad} accepted");
    }
    eprintln!(
        "cloudwatch: {n} namespace samples, dimension rules, periods and {} extended statistic forms agree with the model",
        listed.len()
    );
}

#[test]
fn ec2_documented_rules_match_the_model() {
    let Some(m) = model("ec2") else { return };
    // Security groups: "Valid characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&amp;;{}!$*".
    for member in ["GroupName", "Description"] {
        let docs = m
            .docs(&format!("CreateSecurityGroupRequest.{member}"))
            .replace("&amp;", "&");
        let chars = docs
            .split("Valid characters: a-z, A-Z, 0-9, spaces, and ")
            .nth(1)
            .and_then(|s| s.split("</p>").next())
            .unwrap_or_else(|| panic!("CreateSecurityGroupRequest.{member}: no character list in {docs}"));
        assert_eq!(chars, ec2::SECURITY_GROUP_PUNCTUATION, "{member}");
        assert!(docs.contains("Up to 255 characters"), "{member}: {docs}");
    }
    assert_eq!(ec2::MAX_SECURITY_GROUP_NAME_CHARS, 255);
    assert_eq!(ec2::MAX_SECURITY_GROUP_DESCRIPTION_CHARS, 255);
    for c in ('\0'..='\u{7f}').chain(['é', 'ß', '\u{a0}']) {
        let model_ok = c.is_ascii_alphanumeric() || c == ' ' || ec2::SECURITY_GROUP_PUNCTUATION.contains(c);
        let s = format!("a{c}b");
        assert_eq!(sg_name(&s), model_ok, "group name {s:?}");
        assert_eq!(sg_description(&s), model_ok, "group description {s:?}");
    }
    // Volumes: the limits in the CreateVolume docs.
    let num = |s: &str| s.replace(',', "").trim().parse::<u32>().unwrap();
    let range_after = |docs: &str, label: &str| -> (u32, u32) {
        let rest = docs
            .split(label)
            .nth(1)
            .unwrap_or_else(|| panic!("{label:?} not in {docs}"));
        let text = rest
            .split("</li>")
            .next()
            .unwrap()
            .replace("<code>", "")
            .replace("</code>", "");
        let text = text.replace("<i>default</i>", "").replace("()", "");
        let mut parts = text.split(" - ");
        let lo = num(parts.next().unwrap().trim_start_matches(|c: char| !c.is_ascii_digit()));
        let hi_text = parts.next().unwrap();
        let hi = num(hi_text.trim().split(' ').next().unwrap());
        (lo, hi)
    };
    let size = m.docs("CreateVolumeRequest.Size");
    for (t, label) in [
        (VolumeType::Gp2, "gp2: "),
        (VolumeType::Gp3, "gp3: "),
        (VolumeType::Io1, "io1: "),
        (VolumeType::Io2, "io2: "),
        (VolumeType::St1, "st1 and sc1: "),
        (VolumeType::Sc1, "st1 and sc1: "),
        (VolumeType::Standard, "standard: "),
    ] {
        assert_eq!(t.size_range_gib(), range_after(&size, label), "{} size", t.as_str());
    }
    let iops = m.docs("CreateVolumeRequest.Iops");
    for (t, label) in [
        (VolumeType::Gp3, "gp3: "),
        (VolumeType::Io1, "io1: "),
        (VolumeType::Io2, "io2: "),
    ] {
        let (lo, hi, _) = t.iops_range().unwrap();
        assert_eq!((lo, hi), range_after(&iops, label), "{} iops", t.as_str());
    }
    let tp = m.docs("CreateVolumeRequest.Throughput");
    assert_eq!(
        VolumeType::Gp3.throughput_range(),
        Some(range_after(&tp, "Valid Range: ")),
        "gp3 throughput"
    );
    eprintln!("ec2: security group characters (2 fields, 131 characters) and 11 volume limits agree with the model");
}

// ---------------------------------------------------------------------------------------------
// Enums

/// Model enum values the crate does not know, for enums without an unknown variant (the
/// crate refuses or cannot represent them; restructuring the enums is another issue). A value
/// added to the model, or one the crate learns, fails the test until this list is updated.
/// The ELBv2, CloudWatch and Lambda enums are open (an `Unknown(String)` variant keeps any
/// other name) and know every model value: they have no gaps.
const ENUM_GAPS: &[(&str, &str, &[&str])] = &[];

fn names<T: serde::Serialize>(values: &[T]) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| serde_json::to_value(v).unwrap().as_str().unwrap().to_string())
        .collect()
}

fn strs<'a>(values: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    values.into_iter().map(str::to_string).collect()
}

fn check_enum(m: &Model, shape: &str, known: BTreeSet<String>) -> usize {
    let model = m.enum_values(shape);
    let unknown_to_crate: Vec<&str> = model.difference(&known).map(String::as_str).collect();
    let not_in_model: Vec<&str> = known.difference(&model).map(String::as_str).collect();
    assert!(
        not_in_model.is_empty(),
        "{} {shape}: the crate knows {not_in_model:?}, the model does not",
        m.service
    );
    let gap: Vec<&str> = ENUM_GAPS
        .iter()
        .find(|(s, e, _)| *s == m.service && *e == shape)
        .map(|(_, _, g)| g.to_vec())
        .unwrap_or_default();
    assert_eq!(
        unknown_to_crate, gap,
        "{} {shape}: model values the crate does not know (update the crate or ENUM_GAPS)",
        m.service
    );
    model.len()
}

#[test]
fn enums_know_every_model_value() {
    let mut enums = 0;
    let mut values = 0;
    let mut count = |n: usize| {
        enums += 1;
        values += n;
    };
    if let Some(m) = model("ec2") {
        count(check_enum(
            &m,
            "VolumeType",
            strs(
                [
                    VolumeType::Gp3,
                    VolumeType::Gp2,
                    VolumeType::Io1,
                    VolumeType::Io2,
                    VolumeType::St1,
                    VolumeType::Sc1,
                    VolumeType::Standard,
                ]
                .iter()
                .map(|t| t.as_str()),
            ),
        ));
        for v in m.enum_values("VolumeType") {
            assert_eq!(VolumeType::parse(&v).as_ref().map(VolumeType::as_str), Some(v.as_str()));
        }
        count(check_enum(
            &m,
            "InstanceStateName",
            strs(
                [
                    InstanceState::Pending,
                    InstanceState::Running,
                    InstanceState::ShuttingDown,
                    InstanceState::Terminated,
                    InstanceState::Stopping,
                    InstanceState::Stopped,
                ]
                .iter()
                .map(|s| s.as_str()),
            ),
        ));
        count(check_enum(
            &m,
            "VolumeState",
            strs(
                [
                    VolumeState::Creating,
                    VolumeState::Available,
                    VolumeState::InUse,
                    VolumeState::Deleting,
                    VolumeState::Deleted,
                    VolumeState::Error,
                ]
                .iter()
                .map(|s| s.as_str()),
            ),
        ));
        count(check_enum(
            &m,
            "VolumeAttachmentState",
            names(&[
                AttachmentState::Attaching,
                AttachmentState::Attached,
                AttachmentState::Detaching,
                AttachmentState::Detached,
                AttachmentState::Busy,
            ]),
        ));
        count(check_enum(
            &m,
            "SnapshotState",
            names(&[
                SnapshotState::Pending,
                SnapshotState::Completed,
                SnapshotState::Error,
                SnapshotState::Recoverable,
                SnapshotState::Recovering,
            ]),
        ));
    }
    if let Some(m) = model("ebs") {
        count(check_enum(
            &m,
            "Status",
            strs(
                [
                    DirectSnapshotStatus::Pending,
                    DirectSnapshotStatus::Completed,
                    DirectSnapshotStatus::Error,
                ]
                .iter()
                .map(|s| s.as_str()),
            ),
        ));
        count(check_enum(
            &m,
            "ChecksumAggregationMethod",
            strs([ChecksumAggregationMethod::Linear.as_str()]),
        ));
    }
    if let Some(m) = model("elbv2") {
        // Open enums: `KNOWN_NAMES` are the names they map to their own variants.
        for (shape, known) in [
            ("LoadBalancerSchemeEnum", Scheme::KNOWN_NAMES),
            ("IpAddressType", elb::IpAddressType::KNOWN_NAMES),
            ("ProtocolEnum", Protocol::KNOWN_NAMES),
            ("TargetTypeEnum", TargetType::KNOWN_NAMES),
            ("LoadBalancerStateEnum", LoadBalancerState::KNOWN_NAMES),
            ("TargetHealthStateEnum", TargetHealthState::KNOWN_NAMES),
        ] {
            count(check_enum(&m, shape, strs(known.iter().copied())));
        }
    }
    if let Some(m) = model("cloudwatch") {
        count(check_enum(
            &m,
            "StandardUnit",
            strs(Unit::ALL.iter().map(|u| u.as_str())),
        ));
        for v in m.enum_values("StandardUnit") {
            assert!(Unit::parse(&v).is_some(), "unit {v}");
        }
        count(check_enum(
            &m,
            "Statistic",
            strs(
                [
                    Statistic::SampleCount,
                    Statistic::Average,
                    Statistic::Sum,
                    Statistic::Minimum,
                    Statistic::Maximum,
                ]
                .iter()
                .map(|s| s.as_str()),
            ),
        ));
        for v in m.enum_values("Statistic") {
            assert!(Statistic::parse(&v).is_some(), "statistic {v}");
        }
        count(check_enum(
            &m,
            "ComparisonOperator",
            strs(
                [
                    ComparisonOperator::GreaterThanOrEqualToThreshold,
                    ComparisonOperator::GreaterThanThreshold,
                    ComparisonOperator::LessThanThreshold,
                    ComparisonOperator::LessThanOrEqualToThreshold,
                    ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold,
                    ComparisonOperator::LessThanLowerThreshold,
                    ComparisonOperator::GreaterThanUpperThreshold,
                ]
                .iter()
                .map(|s| s.as_str()),
            ),
        ));
        count(check_enum(
            &m,
            "StateValue",
            strs(
                [AlarmState::Ok, AlarmState::Alarm, AlarmState::InsufficientData]
                    .iter()
                    .map(|s| s.as_str()),
            ),
        ));
        count(check_enum(
            &m,
            "StatusCode",
            names(&[
                MetricDataStatus::Complete,
                MetricDataStatus::PartialData,
                MetricDataStatus::InternalError,
                MetricDataStatus::Forbidden,
            ]),
        ));
        // TreatMissingData is a plain string in the model; its documentation lists the values.
        let docs = m.docs("PutMetricAlarmInput.TreatMissingData");
        for t in ["breaching", "notBreaching", "ignore", "missing"] {
            assert!(docs.contains(t), "TreatMissingData docs lack {t}");
            assert!(cloudwatch::TreatMissingData::parse(t).is_some(), "{t}");
        }
    }
    if let Some(m) = model("lambda") {
        for (shape, known) in [
            ("Architecture", Architecture::KNOWN_NAMES),
            ("State", FunctionState::KNOWN_NAMES),
            ("LastUpdateStatus", LastUpdateStatus::KNOWN_NAMES),
        ] {
            count(check_enum(&m, shape, strs(known.iter().copied())));
        }
        count(check_enum(
            &m,
            "InvocationType",
            strs(
                [
                    InvocationType::RequestResponse,
                    InvocationType::Event,
                    InvocationType::DryRun,
                ]
                .iter()
                .map(|s| s.as_str()),
            ),
        ));
        // Runtime: open. Every model value has the runtime syntax and is accepted; the crate's
        // documentation list is a subset of the model's values.
        let runtimes = m.enum_values("Runtime");
        for r in &runtimes {
            assert!(lambda::is_runtime_syntax(r), "runtime {r}");
            let mut f = function();
            f.runtime = r.clone();
            assert!(f.validate().is_ok(), "runtime {r} refused");
        }
        for r in lambda::SUPPORTED_RUNTIMES {
            assert!(
                runtimes.contains(*r),
                "SUPPORTED_RUNTIMES lists {r}, the model does not"
            );
        }
        enums += 1;
        values += runtimes.len();
    }
    eprintln!(
        "{enums} enums ({values} model values) checked; {} with recorded gaps",
        ENUM_GAPS.len()
    );
}
