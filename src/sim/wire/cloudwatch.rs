//! CloudWatch on the wire, in its three protocols (botocore model `monitoring/2010-08-01`):
//! - **Smithy RPC v2 CBOR**, what the current aws-sdk-cloudwatch sends:
//!   `POST /service/GraniteServiceVersion20100801/operation/NAME`, CBOR bodies, answers with
//!   `smithy-protocol: rpc-v2-cbor`;
//! - **AWS JSON 1.0**, what boto3 and the AWS CLI send today: `X-Amz-Target:
//!   GraniteServiceVersion20100801.NAME`, JSON bodies;
//! - **the query protocol**, what older SDKs send: a form body with `Action` and
//!   `Version=2010-08-01`, XML answers (`NAMEResponse` / `NAMEResult`, lists of `member`,
//!   errors in `ErrorResponse`).
//!
//! All three decode to one JSON input and encode one JSON output (CBOR and XML through the
//! member tables of `cloudwatch::protocol`, which type timestamps and doubles). Errors carry the
//! model's query-compatible code (`InvalidParameterValue`, `ResourceNotFound`, ...) in `__type`
//! and in `x-amzn-query-error`, from which the SDK reads it, as AWS sends it for this
//! `awsQueryCompatible` service.
//!
//! Served: every operation of the [`CloudWatch`] trait: PutMetricData, GetMetricStatistics,
//! GetMetricData, ListMetrics, PutMetricAlarm (metric and metric-math alarms),
//! PutCompositeAlarm, DescribeAlarms (metric and composite, paged), DeleteAlarms,
//! Enable/DisableAlarmActions, DescribeAlarmHistory, SetAlarmState, PutDashboard, GetDashboard,
//! DeleteDashboards, ListTagsForResource, TagResource and UntagResource. Any other operation is
//! the protocol's unknown-operation error.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::{Value, json};

use super::Front;
use super::{Input, WireRequest, WireResponse, XmlStyle};
use crate::cloudwatch::protocol::{Kind, cbor_to_json, error_to_cbor, json_to_cbor, member_kind};
use crate::cloudwatch::{
    AlarmHistoryItem, AlarmState, CloudWatch, ComparisonOperator, CompositeAlarm, Datapoint,
    DescribeAlarmHistoryRequest, DescribeAlarmsRequest, Dimension, DimensionFilter, GetMetricDataRequest,
    GetMetricStatisticsRequest, HistoryItemType, ListMetricsRequest, Metric, MetricAlarm, MetricDataQuery, MetricDatum,
    MetricStat, PutCompositeAlarmRequest, PutDashboardRequest, PutMetricAlarmRequest, PutMetricDataRequest,
    PutMetricMathAlarmRequest, SetAlarmStateRequest, Statistic, StatisticSet, TreatMissingData, Unit,
};
use crate::error::{Error, Result};
use crate::id::{AlarmName, Arn};
use crate::page::PageRequest;

const SVC: crate::Service = crate::Service::CloudWatch;
const TARGET_PREFIX: &str = "GraniteServiceVersion20100801.";
const CBOR_PREFIX: &str = "/service/GraniteServiceVersion20100801/operation/";
const XMLNS: &str = "http://monitoring.amazonaws.com/doc/2010-08-01/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Cbor,
    Json,
    Query,
}

fn invalid(message: String) -> Error {
    Error::api(SVC, "InvalidParameterValue", message)
}

fn missing(message: String) -> Error {
    Error::api(SVC, "MissingParameter", message)
}

/// The HTTP status of each error code (the model's `awsQueryError.httpStatusCode`).
fn status_of(code: &str) -> u16 {
    match code {
        "ResourceNotFound" | "ResourceNotFoundException" => 404,
        "InternalServiceError" => 500,
        "ConcurrentModificationException" => 429,
        "ConflictException" => 409,
        _ => 400,
    }
}

pub(super) async fn serve(sim: &Front, req: &WireRequest) -> WireResponse {
    let (protocol, operation, input) = match decode(req) {
        Ok(d) => d,
        Err((protocol, e)) => return encode_error(protocol, &e),
    };
    match dispatch(sim, &operation, Input(&input)).await {
        Ok(Some(output)) => encode(protocol, &operation, &output),
        Ok(None) => encode_error(
            protocol,
            &Error::api(
                SVC,
                if protocol == Protocol::Query {
                    "InvalidAction"
                } else {
                    "UnknownOperationException"
                },
                format!("The simulator serves no CloudWatch operation {operation:?}."),
            ),
        ),
        Err(e) => encode_error(protocol, &e),
    }
}

type Decoded = (Protocol, String, Value);

fn decode(req: &WireRequest) -> std::result::Result<Decoded, (Protocol, Error)> {
    if let Some(op) = req.path.strip_prefix(CBOR_PREFIX) {
        let input =
            cbor_to_json(&req.body).map_err(|e| (Protocol::Cbor, Error::api(SVC, "SerializationException", e)))?;
        return object(Protocol::Cbor, op, input);
    }
    if let Some(op) = req.header("x-amz-target").and_then(|t| t.strip_prefix(TARGET_PREFIX)) {
        let input = if req.body.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&req.body).map_err(|e| {
                (
                    Protocol::Json,
                    Error::api(SVC, "SerializationException", format!("the body is not JSON: {e}")),
                )
            })?
        };
        return object(Protocol::Json, op, input);
    }
    let mut pairs = super::form_pairs(&req.body);
    pairs.extend(req.query.iter().cloned());
    let action = pairs
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| {
            (
                Protocol::Query,
                missing("The request must contain the parameter Action.".into()),
            )
        })?;
    Ok((Protocol::Query, action, super::query_to_json(&pairs)))
}

fn object(protocol: Protocol, op: &str, input: Value) -> std::result::Result<Decoded, (Protocol, Error)> {
    if !input.is_object() {
        return Err((
            protocol,
            Error::api(SVC, "SerializationException", "the body is not an object"),
        ));
    }
    Ok((protocol, op.to_string(), input))
}

fn encode(protocol: Protocol, operation: &str, output: &Value) -> WireResponse {
    match protocol {
        Protocol::Cbor => match json_to_cbor(output) {
            Ok(body) => WireResponse {
                status: 200,
                headers: vec![
                    ("content-type", "application/cbor".into()),
                    ("smithy-protocol", "rpc-v2-cbor".into()),
                ],
                body: Bytes::from(body),
            },
            Err(e) => encode_error(protocol, &Error::api(SVC, "InternalServiceError", e)),
        },
        Protocol::Json => WireResponse {
            status: 200,
            headers: vec![("content-type", "application/x-amz-json-1.0".into())],
            body: Bytes::from(output.to_string()),
        },
        Protocol::Query => super::query_answer(operation, XMLNS, output, &XML, false),
    }
}

const XML: XmlStyle = XmlStyle {
    item: "member",
    is_timestamp: |k| member_kind(k) == Kind::Timestamp,
    is_map: |k| k == "ExtendedStatistics",
};

fn encode_error(protocol: Protocol, e: &Error) -> WireResponse {
    let (code, message) = match e {
        Error::Validation { field, rule } => ("InvalidParameterValue".to_string(), format!("{field}: {rule}")),
        other => match other.api_error() {
            Some(api) => (api.code.clone(), api.message.clone()),
            None => ("InternalServiceError".to_string(), other.to_string()),
        },
    };
    let status = match code.as_str() {
        "SerializationException" | "UnknownOperationException" | "InvalidAction" => 400,
        c => status_of(c),
    };
    let fault = if status >= 500 { "Receiver" } else { "Sender" };
    let query_error = ("x-amzn-query-error", format!("{code};{fault}"));
    match protocol {
        Protocol::Cbor => WireResponse {
            status,
            headers: vec![
                ("content-type", "application/cbor".into()),
                ("smithy-protocol", "rpc-v2-cbor".into()),
                query_error,
            ],
            body: Bytes::from(error_to_cbor(&code, &message)),
        },
        Protocol::Json => WireResponse {
            status,
            headers: vec![("content-type", "application/x-amz-json-1.0".into()), query_error],
            body: Bytes::from(json!({"__type": code, "message": message}).to_string()),
        },
        Protocol::Query => super::query_error(XMLNS, status, &code, &message),
    }
}

// ---------------------------------------------------------------------------------------------
// Operations: JSON input -> the simulator -> JSON output (`None`: not served).

async fn dispatch(sim: &Front, operation: &str, i: Input<'_>) -> Result<Option<Value>> {
    let out = match operation {
        "PutMetricData" => {
            let data = i
                .list("MetricData")
                .into_iter()
                .map(datum)
                .collect::<Result<Vec<_>>>()?;
            let namespace = i.required("Namespace", missing)?.to_string();
            sim.put_metric_data(PutMetricDataRequest {
                namespace,
                data,
                checked: false,
            })
            .await?;
            json!({})
        }
        "GetMetricStatistics" => {
            let metric_name = i.required("MetricName", missing)?.to_string();
            let req = GetMetricStatisticsRequest {
                namespace: i.required("Namespace", missing)?.to_string(),
                metric_name: metric_name.clone(),
                dimensions: dimensions(i)?,
                start: required_time(i, "StartTime")?,
                end: required_time(i, "EndTime")?,
                period_secs: i
                    .num("Period", invalid)?
                    .ok_or_else(|| missing("The parameter Period is required.".into()))?,
                statistics: i
                    .strings("Statistics")
                    .iter()
                    .map(|s| {
                        Statistic::parse(s).ok_or_else(|| invalid(format!("Statistics: {s:?} is not a statistic")))
                    })
                    .collect::<Result<_>>()?,
                extended_statistics: i.strings("ExtendedStatistics"),
                unit: unit(i)?,
            };
            let points = sim.get_metric_statistics(req).await?;
            json!({"Label": metric_name, "Datapoints": points.iter().map(datapoint_json).collect::<Vec<_>>()})
        }
        "GetMetricData" => {
            if i.get("NextToken").is_some() {
                // The simulator answers every datapoint on the first page.
                return Err(Error::api(SVC, "InvalidNextToken", "The next token is not valid."));
            }
            let req = GetMetricDataRequest {
                queries: i
                    .list("MetricDataQueries")
                    .into_iter()
                    .map(query)
                    .collect::<Result<_>>()?,
                start: required_time(i, "StartTime")?,
                end: required_time(i, "EndTime")?,
            };
            let results = sim.get_metric_data(req).await?;
            let results: Vec<Value> = results
                .iter()
                .map(|r| {
                    let mut v = json!({
                        "Id": r.id,
                        "Timestamps": r.timestamps.iter().map(|t| epoch(*t)).collect::<Vec<_>>(),
                        "Values": r.values,
                        "StatusCode": r.status.as_str(),
                    });
                    if let Some(l) = &r.label {
                        v["Label"] = json!(l);
                    }
                    v
                })
                .collect();
            json!({"MetricDataResults": results, "Messages": []})
        }
        "ListMetrics" => {
            let req = ListMetricsRequest {
                namespace: i.string("Namespace"),
                metric_name: i.string("MetricName"),
                dimensions: i
                    .list("Dimensions")
                    .into_iter()
                    .map(|d| {
                        Ok(DimensionFilter {
                            name: d.required("Name", missing)?.to_string(),
                            value: d.string("Value"),
                        })
                    })
                    .collect::<Result<_>>()?,
            };
            let page = PageRequest {
                token: i.string("NextToken"),
                size: None,
            };
            let page = sim.list_metrics_page(req, page).await?;
            let mut out = json!({"Metrics": page.items.iter().map(metric_json).collect::<Vec<_>>()});
            if let Some(t) = page.next_token {
                out["NextToken"] = json!(t);
            }
            out
        }
        "PutMetricAlarm" => {
            put_metric_alarm(sim, i).await?;
            json!({})
        }
        "PutCompositeAlarm" => {
            let req = PutCompositeAlarmRequest {
                alarm_name: alarm_name(i.required("AlarmName", missing)?)?,
                description: i.string("AlarmDescription"),
                rule: i.required("AlarmRule", missing)?.to_string(),
                alarm_actions: arns(i, "AlarmActions")?,
                ok_actions: arns(i, "OKActions")?,
                insufficient_data_actions: arns(i, "InsufficientDataActions")?,
                actions_enabled: i.bool("ActionsEnabled", invalid)?.unwrap_or(true),
                tags: i.tags("Tags"),
            };
            sim.put_composite_alarm(req).await?;
            json!({})
        }
        "DescribeAlarms" => describe_alarms(sim, i).await?,
        "DeleteAlarms" => {
            sim.delete_alarms(alarm_names(i)?).await?;
            json!({})
        }
        "EnableAlarmActions" => {
            sim.enable_alarm_actions(alarm_names(i)?).await?;
            json!({})
        }
        "DisableAlarmActions" => {
            sim.disable_alarm_actions(alarm_names(i)?).await?;
            json!({})
        }
        "DescribeAlarmHistory" => {
            let req = DescribeAlarmHistoryRequest {
                alarm_name: i.str("AlarmName").map(alarm_name).transpose()?,
                item_type: i.str("HistoryItemType").map(HistoryItemType::from),
                start: i.time("StartDate", invalid)?,
                end: i.time("EndDate", invalid)?,
            };
            let items = sim.describe_alarm_history(req).await?;
            json!({"AlarmHistoryItems": items.iter().map(history_json).collect::<Vec<_>>()})
        }
        "SetAlarmState" => {
            let req = SetAlarmStateRequest {
                alarm_name: alarm_name(i.required("AlarmName", missing)?)?,
                state: AlarmState::from(i.required("StateValue", missing)?),
                reason: i.required("StateReason", missing)?.to_string(),
            };
            sim.set_alarm_state(req).await?;
            json!({})
        }
        "PutDashboard" => {
            let req = PutDashboardRequest {
                name: i.required("DashboardName", missing)?.to_string(),
                body: i.required("DashboardBody", missing)?.to_string(),
            };
            sim.put_dashboard(req).await?;
            json!({"DashboardValidationMessages": []})
        }
        "GetDashboard" => {
            let d = sim
                .get_dashboard(i.required("DashboardName", missing)?.to_string())
                .await?;
            json!({"DashboardName": d.name, "DashboardArn": d.arn, "DashboardBody": d.body})
        }
        "DeleteDashboards" => {
            sim.delete_dashboards(i.strings("DashboardNames")).await?;
            json!({})
        }
        "ListTagsForResource" => {
            let tags = sim.list_tags_for_resource(resource_arn(i)?).await?;
            json!({"Tags": tags_json(&tags)})
        }
        "TagResource" => {
            sim.tag_resource(resource_arn(i)?, i.tags("Tags")).await?;
            json!({})
        }
        "UntagResource" => {
            sim.untag_resource(resource_arn(i)?, i.strings("TagKeys")).await?;
            json!({})
        }
        _ => return Ok(None),
    };
    Ok(Some(out))
}

async fn put_metric_alarm(sim: &Front, i: Input<'_>) -> Result<()> {
    let alarm_name = alarm_name(i.required("AlarmName", missing)?)?;
    let evaluation_periods = i
        .num("EvaluationPeriods", invalid)?
        .ok_or_else(|| missing("The parameter EvaluationPeriods is required.".into()))?;
    let comparison = ComparisonOperator::from(i.required("ComparisonOperator", missing)?);
    let threshold = i.f64("Threshold", invalid)?.unwrap_or_default();
    let treat_missing_data = i
        .str("TreatMissingData")
        .map(TreatMissingData::from)
        .unwrap_or_default();
    let actions_enabled = i.bool("ActionsEnabled", invalid)?.unwrap_or(true);
    if !i.list("Metrics").is_empty() {
        let req = PutMetricMathAlarmRequest {
            alarm_name,
            description: i.string("AlarmDescription"),
            metrics: i.list("Metrics").into_iter().map(query).collect::<Result<_>>()?,
            evaluation_periods,
            datapoints_to_alarm: i.num("DatapointsToAlarm", invalid)?,
            threshold,
            comparison,
            treat_missing_data,
            alarm_actions: arns(i, "AlarmActions")?,
            ok_actions: arns(i, "OKActions")?,
            insufficient_data_actions: arns(i, "InsufficientDataActions")?,
            actions_enabled,
            tags: i.tags("Tags"),
        };
        return sim.put_metric_math_alarm(req).await;
    }
    let req = PutMetricAlarmRequest {
        alarm_name,
        description: i.string("AlarmDescription"),
        namespace: i.required("Namespace", missing)?.to_string(),
        metric_name: i.required("MetricName", missing)?.to_string(),
        dimensions: dimensions(i)?,
        statistic: i
            .str("Statistic")
            .map(|s| Statistic::parse(s).ok_or_else(|| invalid(format!("Statistic: {s:?} is not a statistic"))))
            .transpose()?,
        extended_statistic: i.string("ExtendedStatistic"),
        period_secs: i
            .num("Period", invalid)?
            .ok_or_else(|| missing("The parameter Period is required.".into()))?,
        evaluation_periods,
        datapoints_to_alarm: i.num("DatapointsToAlarm", invalid)?,
        threshold,
        comparison,
        treat_missing_data,
        alarm_actions: arns(i, "AlarmActions")?,
        ok_actions: arns(i, "OKActions")?,
        insufficient_data_actions: arns(i, "InsufficientDataActions")?,
        actions_enabled,
        unit: unit(i)?,
        tags: i.tags("Tags"),
    };
    sim.put_metric_alarm(req).await
}

async fn describe_alarms(sim: &Front, i: Input<'_>) -> Result<Value> {
    let req = DescribeAlarmsRequest {
        names: alarm_names(i)?,
        name_prefix: i.string("AlarmNamePrefix"),
        state: i.str("StateValue").map(AlarmState::from),
    };
    // "If you omit this parameter, only metric alarms are returned."
    let types = i.strings("AlarmTypes");
    let metric = types.is_empty() || types.iter().any(|t| t == "MetricAlarm");
    let composite = types.iter().any(|t| t == "CompositeAlarm");
    let token = i.string("NextToken");
    let mut out = json!({"MetricAlarms": [], "CompositeAlarms": []});
    if metric {
        let page = PageRequest {
            token: token.clone(),
            size: i.num("MaxRecords", invalid)?,
        };
        let page = sim.describe_alarms_page(req.clone(), page).await?;
        out["MetricAlarms"] = Value::Array(page.items.iter().map(alarm_json).collect());
        if let Some(t) = page.next_token {
            out["NextToken"] = json!(t);
        }
    }
    // Composite alarms come whole on the first page (the simulator does not page them).
    if composite && (token.is_none() || !metric) {
        let alarms = sim.describe_composite_alarms(req).await?;
        out["CompositeAlarms"] = Value::Array(alarms.iter().map(composite_json).collect());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Input shapes

fn required_time(i: Input<'_>, k: &str) -> Result<SystemTime> {
    i.time(k, invalid)?
        .ok_or_else(|| missing(format!("The parameter {k} is required.")))
}

fn alarm_name(s: &str) -> Result<AlarmName> {
    s.parse().map_err(|e: Error| invalid(format!("AlarmName: {e}")))
}

fn alarm_names(i: Input<'_>) -> Result<Vec<AlarmName>> {
    i.strings("AlarmNames").iter().map(|s| alarm_name(s)).collect()
}

fn resource_arn(i: Input<'_>) -> Result<Arn> {
    let s = i.required("ResourceARN", missing)?;
    s.parse().map_err(|e: Error| invalid(format!("ResourceARN: {e}")))
}

fn arns(i: Input<'_>, k: &str) -> Result<Vec<Arn>> {
    i.strings(k)
        .iter()
        .map(|s| s.parse().map_err(|e: Error| invalid(format!("{k}: {e}"))))
        .collect()
}

fn unit(i: Input<'_>) -> Result<Option<Unit>> {
    i.str("Unit")
        .map(|u| Unit::parse(u).ok_or_else(|| invalid(format!("Unit: {u:?} is not a unit"))))
        .transpose()
}

fn dimensions(i: Input<'_>) -> Result<Vec<Dimension>> {
    i.list("Dimensions")
        .into_iter()
        .map(|d| {
            Ok(Dimension {
                name: d.required("Name", missing)?.to_string(),
                value: d.required("Value", missing)?.to_string(),
            })
        })
        .collect()
}

fn doubles(i: Input<'_>, k: &str) -> Result<Vec<f64>> {
    i.list(k)
        .into_iter()
        .map(|v| {
            Input(&json!({"v": v.0}))
                .f64("v", invalid)
                .map(Option::unwrap_or_default)
        })
        .collect()
}

fn datum(d: Input<'_>) -> Result<MetricDatum> {
    let statistic_values = match d.get("StatisticValues") {
        Some(s) => {
            let f = |k: &str| -> Result<f64> {
                s.f64(k, invalid)?
                    .ok_or_else(|| missing(format!("The parameter StatisticValues.{k} is required.")))
            };
            Some(StatisticSet {
                sample_count: f("SampleCount")?,
                sum: f("Sum")?,
                minimum: f("Minimum")?,
                maximum: f("Maximum")?,
            })
        }
        None => None,
    };
    Ok(MetricDatum {
        metric_name: d.required("MetricName", missing)?.to_string(),
        dimensions: dimensions(d)?,
        timestamp: d.time("Timestamp", invalid)?,
        value: d.f64("Value", invalid)?,
        values: doubles(d, "Values")?,
        counts: doubles(d, "Counts")?,
        statistic_values,
        unit: unit(d)?,
        storage_resolution: d.num("StorageResolution", invalid)?,
    })
}

fn query(q: Input<'_>) -> Result<MetricDataQuery> {
    let metric = match q.get("MetricStat") {
        Some(ms) => {
            let m = ms
                .get("Metric")
                .ok_or_else(|| missing("The parameter MetricStat.Metric is required.".into()))?;
            Some(MetricStat {
                metric: Metric {
                    namespace: m.required("Namespace", missing)?.to_string(),
                    metric_name: m.required("MetricName", missing)?.to_string(),
                    dimensions: dimensions(m)?,
                },
                period_secs: ms
                    .num("Period", invalid)?
                    .ok_or_else(|| missing("The parameter MetricStat.Period is required.".into()))?,
                stat: ms.required("Stat", missing)?.to_string(),
            })
        }
        None => None,
    };
    Ok(MetricDataQuery {
        id: q.required("Id", missing)?.to_string(),
        metric,
        expression: q.string("Expression"),
        label: q.string("Label"),
        return_data: q.bool("ReturnData", invalid)?.unwrap_or(true),
        period_secs: q.num("Period", invalid)?,
    })
}

// ---------------------------------------------------------------------------------------------
// Output shapes

fn epoch(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64()
}

fn tags_json(tags: &crate::Tags) -> Vec<Value> {
    tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect()
}

fn dims_json(dims: &[Dimension]) -> Vec<Value> {
    dims.iter().map(|d| json!({"Name": d.name, "Value": d.value})).collect()
}

fn metric_json(m: &Metric) -> Value {
    json!({"Namespace": m.namespace, "MetricName": m.metric_name, "Dimensions": dims_json(&m.dimensions)})
}

fn datapoint_json(d: &Datapoint) -> Value {
    let mut v = json!({"Timestamp": epoch(d.timestamp)});
    for (k, x) in [
        ("SampleCount", d.sample_count),
        ("Sum", d.sum),
        ("Average", d.average),
        ("Minimum", d.minimum),
        ("Maximum", d.maximum),
    ] {
        if let Some(x) = x {
            v[k] = json!(x);
        }
    }
    if !d.extended.is_empty() {
        v["ExtendedStatistics"] = json!(d.extended);
    }
    if let Some(u) = d.unit {
        v["Unit"] = json!(u.as_str());
    }
    v
}

fn query_json(q: &MetricDataQuery) -> Value {
    let mut v = json!({"Id": q.id, "ReturnData": q.return_data});
    if let Some(ms) = &q.metric {
        v["MetricStat"] = json!({"Metric": metric_json(&ms.metric), "Period": ms.period_secs, "Stat": ms.stat});
    }
    if let Some(e) = &q.expression {
        v["Expression"] = json!(e);
    }
    if let Some(l) = &q.label {
        v["Label"] = json!(l);
    }
    if let Some(p) = q.period_secs {
        v["Period"] = json!(p);
    }
    v
}

fn strs(arns: &[Arn]) -> Vec<String> {
    arns.iter().map(ToString::to_string).collect()
}

fn alarm_json(a: &MetricAlarm) -> Value {
    let mut v = json!({
        "AlarmName": a.name.as_str(),
        "AlarmArn": a.arn,
        "ActionsEnabled": a.actions_enabled,
        "AlarmActions": strs(&a.alarm_actions),
        "OKActions": strs(&a.ok_actions),
        "InsufficientDataActions": strs(&a.insufficient_data_actions),
        "StateValue": a.state.as_str(),
        "EvaluationPeriods": a.evaluation_periods,
        "Threshold": a.threshold,
        "ComparisonOperator": a.comparison.as_str(),
        "TreatMissingData": a.treat_missing_data.as_str(),
        "Dimensions": dims_json(&a.dimensions),
    });
    if a.metrics.is_empty() {
        v["Namespace"] = json!(a.namespace);
        v["MetricName"] = json!(a.metric_name);
        v["Period"] = json!(a.period_secs);
    } else {
        v["Metrics"] = Value::Array(a.metrics.iter().map(query_json).collect());
    }
    let opt = [
        ("AlarmDescription", a.description.clone()),
        ("Statistic", a.statistic.map(|s| s.as_str().to_string())),
        ("ExtendedStatistic", a.extended_statistic.clone()),
        ("Unit", a.unit.map(|u| u.as_str().to_string())),
        ("StateReason", a.state_reason.clone()),
    ];
    for (k, x) in opt {
        if let Some(x) = x {
            v[k] = json!(x);
        }
    }
    if let Some(n) = a.datapoints_to_alarm {
        v["DatapointsToAlarm"] = json!(n);
    }
    if let Some(t) = a.state_updated {
        v["StateUpdatedTimestamp"] = json!(epoch(t));
    }
    v
}

fn composite_json(a: &CompositeAlarm) -> Value {
    let mut v = json!({
        "AlarmName": a.name.as_str(),
        "AlarmArn": a.arn,
        "AlarmRule": a.rule,
        "ActionsEnabled": a.actions_enabled,
        "AlarmActions": strs(&a.alarm_actions),
        "OKActions": strs(&a.ok_actions),
        "InsufficientDataActions": strs(&a.insufficient_data_actions),
        "StateValue": a.state.as_str(),
    });
    if let Some(d) = &a.description {
        v["AlarmDescription"] = json!(d);
    }
    if let Some(r) = &a.state_reason {
        v["StateReason"] = json!(r);
    }
    if let Some(t) = a.state_updated {
        v["StateUpdatedTimestamp"] = json!(epoch(t));
    }
    v
}

fn history_json(h: &AlarmHistoryItem) -> Value {
    let mut v = json!({
        "AlarmName": h.alarm_name.as_str(),
        "Timestamp": epoch(h.timestamp),
        "HistoryItemType": h.item_type.as_str(),
        "HistorySummary": h.summary,
    });
    if let Some(t) = &h.alarm_type {
        v["AlarmType"] = json!(t);
    }
    if let Some(d) = &h.data {
        v["HistoryData"] = json!(d);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, headers: &[(&str, &str)], body: &[u8]) -> WireRequest {
        WireRequest {
            method: "POST".into(),
            path: path.into(),
            query: Vec::new(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: Bytes::copy_from_slice(body),
        }
    }

    fn form(body: &str) -> WireRequest {
        request(
            "/",
            &[("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
            body.as_bytes(),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn the_query_protocol_puts_a_datum_and_an_alarm_and_describes_it_in_xml() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let r = serve(
            &sim,
            &form("Action=PutMetricData&Version=2010-08-01&Namespace=App&MetricData.member.1.MetricName=Latency&MetricData.member.1.Value=12.5&MetricData.member.1.Unit=Milliseconds&MetricData.member.1.Dimensions.member.1.Name=Stage&MetricData.member.1.Dimensions.member.1.Value=prod"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let r = serve(
            &sim,
            &form("Action=PutMetricAlarm&Version=2010-08-01&AlarmName=slow&Namespace=App&MetricName=Latency&Statistic=Average&Period=60&EvaluationPeriods=1&Threshold=100&ComparisonOperator=GreaterThanThreshold&Dimensions.member.1.Name=Stage&Dimensions.member.1.Value=prod"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let r = serve(
            &sim,
            &form("Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=slow"),
        )
        .await;
        let xml = String::from_utf8_lossy(&r.body);
        assert_eq!(r.status, 200, "{xml}");
        assert!(xml.starts_with("<DescribeAlarmsResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><DescribeAlarmsResult>"), "{xml}");
        assert!(xml.contains("<MetricAlarms><member>"), "{xml}");
        assert!(xml.contains("<AlarmName>slow</AlarmName>"), "{xml}");
        assert!(
            xml.contains("<Dimensions><member><Name>Stage</Name><Value>prod</Value></member></Dimensions>"),
            "{xml}"
        );
        assert!(xml.contains("<Threshold>100.0</Threshold>"), "{xml}");
        assert!(xml.contains("<StateValue>INSUFFICIENT_DATA</StateValue>"), "{xml}");
    }

    #[tokio::test(start_paused = true)]
    async fn errors_carry_the_query_code_in_each_protocol() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let r = serve(&sim, &form("Action=GetDashboard&Version=2010-08-01&DashboardName=none")).await;
        let xml = String::from_utf8_lossy(&r.body);
        assert_eq!(r.status, 404, "{xml}");
        assert!(
            xml.contains("<Code>ResourceNotFound</Code>") && xml.contains("<Type>Sender</Type>"),
            "{xml}"
        );

        let json_req = request(
            "/",
            &[("x-amz-target", "GraniteServiceVersion20100801.GetDashboard")],
            br#"{"DashboardName":"none"}"#,
        );
        let r = serve(&sim, &json_req).await;
        assert_eq!(r.status, 404);
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["__type"], "ResourceNotFound");
        assert!(
            r.headers
                .iter()
                .any(|(k, v)| *k == "x-amzn-query-error" && v == "ResourceNotFound;Sender")
        );

        let r = serve(&sim, &form("Action=NoSuchThing&Version=2010-08-01")).await;
        assert_eq!(r.status, 400);
        assert!(String::from_utf8_lossy(&r.body).contains("<Code>InvalidAction</Code>"));
        let r = serve(&sim, &form("Version=2010-08-01")).await;
        assert!(String::from_utf8_lossy(&r.body).contains("<Code>MissingParameter</Code>"));
    }

    #[tokio::test(start_paused = true)]
    async fn malformed_input_is_a_4xx_in_every_protocol_never_a_panic() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let bodies: [&[u8]; 6] = [
            b"",
            b"\xff\xfe",
            b"[1,2]",
            b"{\"MetricData\":7}",
            b"\x1f",
            b"{\"Namespace\":1e400}",
        ];
        let ops = [
            "PutMetricData",
            "GetMetricData",
            "DescribeAlarms",
            "PutMetricAlarm",
            "SetAlarmState",
            "Bogus",
        ];
        for body in bodies {
            for op in ops {
                for req in [
                    request(
                        &format!("{CBOR_PREFIX}{op}"),
                        &[("smithy-protocol", "rpc-v2-cbor")],
                        body,
                    ),
                    request("/", &[("x-amz-target", &format!("{TARGET_PREFIX}{op}"))], body),
                ] {
                    let r = serve(&sim, &req).await;
                    assert!(
                        (200..500).contains(&r.status),
                        "{op} {body:?}: {} {}",
                        r.status,
                        String::from_utf8_lossy(&r.body)
                    );
                }
            }
        }
        for body in [
            "Action=PutMetricData&Namespace=A&MetricData.member.x.Value=1",
            "Action=PutMetricData&Namespace=A&MetricData.member.1.Value=abc&MetricData.member.1.MetricName=m",
            "Action=PutMetricAlarm&AlarmName=a&Period=-5",
            "Action=GetMetricStatistics&StartTime=yesterday",
            "Action=DescribeAlarms&MaxRecords=99999999999999999999",
        ] {
            let r = serve(&sim, &form(body)).await;
            assert!((400..500).contains(&r.status), "{body}: {}", r.status);
        }
    }
}
