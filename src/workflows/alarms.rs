//! Alarm presets, and alarms whose action invokes a Lambda function.
//!
//! Presets return a validated [`PutMetricAlarmRequest`] whose fields are public, so a caller
//! can adjust anything before putting it (actions, description, tags):
//!
//! | preset | metric | statistic, period, M of N | breaches when | missing data |
//! |---|---|---|---|---|
//! | [`count_above`] | any count | Sum, 60 s, 1 of 1 | > threshold | not breaching |
//! | [`lambda_errors`] | `AWS/Lambda` `Errors` | Sum, 60 s, 1 of 1 | > threshold | not breaching |
//! | [`lambda_throttles`] | `AWS/Lambda` `Throttles` | Sum, 60 s, 5 of 5 | > threshold | not breaching |
//! | [`lambda_duration_p99`] | `AWS/Lambda` `Duration` | p99, 60 s, 5 of 5 | > threshold ms | not breaching |
//! | [`ec2_cpu_high`] | `AWS/EC2` `CPUUtilization` | Average, 300 s, 3 of 3 | > threshold % | missing |
//!
//! Count metrics exist only while something happens (Lambda publishes `Errors` only for
//! periods with invocations), so count presets treat missing data as not breaching. The EC2
//! preset follows CloudWatch's recommended alarm for CPUUtilization.
//!
//! [`put_alarm_invoking_lambda`] puts an alarm whose `ALARM` action invokes a function and
//! adds the permission CloudWatch needs for it (principal
//! `lambda.alarms.cloudwatch.amazonaws.com`, source ARN the alarm's ARN; CloudWatch User Guide,
//! "Lambda alarm actions").
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> aws_facade::Result<()> {
//! use aws_facade::workflows::alarms::{count_above, put_alarm_invoking_lambda};
//! # use aws_facade::lambda::{CreateFunctionRequest, Lambda};
//! let sim = aws_facade::sim::SimCloud::new();
//! # sim.register_handler("pager", std::sync::Arc::new(|_| Ok(serde_json::Value::Null)));
//! # sim.create_function(CreateFunctionRequest::builder().name("pager".parse()?).runtime("provided.al2023")
//! #     .role("arn:aws:iam::123456789012:role/r".parse()?).zip(b"PK\x03\x04".to_vec()).build()?).await?;
//! let cloud = sim.cloud();
//! let alarm = count_above("checkout-errors".parse()?, "Shop", "Errors", &[], 5.0)?;
//! let wired = put_alarm_invoking_lambda(&cloud, alarm, &"pager".parse()?, None).await?;
//! assert!(wired.alarm_arn.ends_with(":alarm:checkout-errors"));
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};

use crate::Tags;
use crate::cloud::Cloud;
use crate::cloudwatch::{ComparisonOperator, Dimension, PutMetricAlarmRequest, Statistic, TreatMissingData};
use crate::error::{Error, Result};
use crate::id::{AlarmName, Arn, FunctionName};
use crate::lambda::{AddPermissionRequest, CLOUDWATCH_ALARMS_PRINCIPAL, RemovePermissionRequest};
use crate::workflows::plan::Run;

/// The settings of one alarm on one metric with a static threshold, turned into a validated
/// request by [`Preset::build`]. Used by the presets here and by the web tier's recommended
/// alarms.
pub(crate) struct Preset<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) metric: &'a str,
    pub(crate) dimensions: Vec<Dimension>,
    /// A statistic, or an extended statistic such as `p90`.
    pub(crate) stat: Result<Statistic, &'a str>,
    pub(crate) period: u32,
    /// Evaluation periods, all of which must breach (M = N).
    pub(crate) n: u32,
    pub(crate) comparison: ComparisonOperator,
    pub(crate) threshold: f64,
    pub(crate) missing: TreatMissingData,
    pub(crate) description: String,
}

impl Preset<'_> {
    pub(crate) fn build(self, name: AlarmName) -> Result<PutMetricAlarmRequest> {
        self.build_with(name, Vec::new(), Tags::new())
    }

    /// The request, with alarm actions and tags.
    pub(crate) fn build_with(self, name: AlarmName, actions: Vec<Arn>, tags: Tags) -> Result<PutMetricAlarmRequest> {
        let (statistic, extended) = match self.stat {
            Ok(s) => (Some(s), None),
            Err(p) => (None, Some(p.to_string())),
        };
        PutMetricAlarmRequest::builder()
            .alarm_name(name)
            .description(self.description)
            .namespace(self.namespace)
            .metric_name(self.metric)
            .dimensions(self.dimensions)
            .maybe_statistic(statistic)
            .maybe_extended_statistic(extended)
            .period_secs(self.period)
            .evaluation_periods(self.n)
            .datapoints_to_alarm(self.n)
            .threshold(self.threshold)
            .comparison(self.comparison)
            .treat_missing_data(self.missing)
            .alarm_actions(actions)
            .tags(tags)
            .build()
    }
}

/// The dimensions of a function's metrics: `FunctionName`, and `Resource` = `NAME:QUALIFIER`
/// for a version or alias.
fn lambda_dimensions(function: &FunctionName, qualifier: Option<&str>) -> Vec<Dimension> {
    let mut d = vec![Dimension::new("FunctionName", function.as_str())];
    if let Some(q) = qualifier {
        d.push(Dimension::new("Resource", format!("{function}:{q}")));
    }
    d
}

/// More than `threshold` of a count metric (Sum) in any minute.
pub fn count_above(
    name: AlarmName,
    namespace: &str,
    metric: &str,
    dimensions: &[(&str, &str)],
    threshold: f64,
) -> Result<PutMetricAlarmRequest> {
    Preset {
        namespace,
        metric,
        dimensions: dimensions.iter().map(|(n, v)| Dimension::new(*n, *v)).collect(),
        stat: Ok(Statistic::Sum),
        period: 60,
        n: 1,
        comparison: ComparisonOperator::GreaterThanThreshold,
        threshold,
        missing: TreatMissingData::NotBreaching,
        description: format!("{namespace} {metric} above {threshold} per minute"),
    }
    .build(name)
}

/// More than `threshold` function errors in a minute, for the function or one of its versions
/// or aliases (`qualifier`). The guard of a canary.
pub fn lambda_errors(
    name: AlarmName,
    function: &FunctionName,
    qualifier: Option<&str>,
    threshold: f64,
) -> Result<PutMetricAlarmRequest> {
    Preset {
        namespace: "AWS/Lambda",
        metric: "Errors",
        dimensions: lambda_dimensions(function, qualifier),
        stat: Ok(Statistic::Sum),
        period: 60,
        n: 1,
        comparison: ComparisonOperator::GreaterThanThreshold,
        threshold,
        missing: TreatMissingData::NotBreaching,
        description: format!("errors of {function} above {threshold} per minute"),
    }
    .build(name)
}

/// Throttled invocations above `threshold` per minute for five minutes.
pub fn lambda_throttles(
    name: AlarmName,
    function: &FunctionName,
    qualifier: Option<&str>,
    threshold: f64,
) -> Result<PutMetricAlarmRequest> {
    Preset {
        namespace: "AWS/Lambda",
        metric: "Throttles",
        dimensions: lambda_dimensions(function, qualifier),
        stat: Ok(Statistic::Sum),
        period: 60,
        n: 5,
        comparison: ComparisonOperator::GreaterThanThreshold,
        threshold,
        missing: TreatMissingData::NotBreaching,
        description: format!("throttles of {function} above {threshold} per minute"),
    }
    .build(name)
}

/// p99 duration above `threshold_ms` for five minutes.
pub fn lambda_duration_p99(
    name: AlarmName,
    function: &FunctionName,
    qualifier: Option<&str>,
    threshold_ms: f64,
) -> Result<PutMetricAlarmRequest> {
    Preset {
        namespace: "AWS/Lambda",
        metric: "Duration",
        dimensions: lambda_dimensions(function, qualifier),
        stat: Err("p99"),
        period: 60,
        n: 5,
        comparison: ComparisonOperator::GreaterThanThreshold,
        threshold: threshold_ms,
        missing: TreatMissingData::NotBreaching,
        description: format!("p99 duration of {function} above {threshold_ms} ms"),
    }
    .build(name)
}

/// Average CPU above `threshold_percent` for 15 minutes (CloudWatch's recommended alarm:
/// period 300, 3 of 3).
pub fn ec2_cpu_high(name: AlarmName, instance_id: &str, threshold_percent: f64) -> Result<PutMetricAlarmRequest> {
    Preset {
        namespace: "AWS/EC2",
        metric: "CPUUtilization",
        dimensions: vec![Dimension::new("InstanceId", instance_id)],
        stat: Ok(Statistic::Average),
        period: 300,
        n: 3,
        comparison: ComparisonOperator::GreaterThanThreshold,
        threshold: threshold_percent,
        missing: TreatMissingData::Missing,
        description: format!("CPU of {instance_id} above {threshold_percent} %"),
    }
    .build(name)
}

/// An alarm wired to a Lambda function (serde, so it can be removed later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LambdaAlarm {
    /// The alarm.
    pub alarm_name: AlarmName,
    /// Its ARN (the permission's source ARN).
    pub alarm_arn: String,
    /// The function (qualified if a qualifier was given) the alarm invokes.
    pub function_arn: Arn,
    /// The function.
    pub function: FunctionName,
    /// The version or alias invoked, if any.
    pub qualifier: Option<String>,
    /// The statement id of the permission in the function's policy.
    pub statement_id: String,
}

/// The statement id for an alarm: `cloudwatch-alarm-` and the alarm name with characters
/// outside `[A-Za-z0-9_-]` replaced, cut to 100 characters with a hash suffix when needed.
fn statement_id(alarm: &AlarmName) -> String {
    let clean: String = alarm
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let id = format!("cloudwatch-alarm-{clean}");
    if id.len() <= 100 && clean == alarm.as_str() {
        return id;
    }
    use sha2::Digest;
    let h = sha2::Sha256::digest(alarm.as_str().as_bytes());
    let hex: String = h[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", &id[..id.len().min(100 - 13)])
}

/// Puts `alarm` with an `ALARM` action that invokes `function` (or its version/alias
/// `qualifier`), after adding the permission CloudWatch needs: `lambda:InvokeFunction` for
/// `lambda.alarms.cloudwatch.amazonaws.com`, limited to this alarm's ARN. Re-running is
/// harmless (an existing statement is kept); if putting the alarm fails, a permission this
/// call added is removed.
pub async fn put_alarm_invoking_lambda(
    cloud: &Cloud,
    mut alarm: PutMetricAlarmRequest,
    function: &FunctionName,
    qualifier: Option<&str>,
) -> Result<LambdaAlarm> {
    use crate::validate::Validate;
    alarm.validate()?;
    let statement = statement_id(&alarm.alarm_name);
    let permission_for = |alarm_arn: Arn| {
        AddPermissionRequest::builder()
            .function(function.clone())
            .statement_id(statement.clone())
            .principal(CLOUDWATCH_ALARMS_PRINCIPAL)
            .source_arn(alarm_arn)
            .maybe_qualifier(qualifier.map(str::to_string))
            .build()
    };
    // Checks the qualifier, statement id and principal before any call (the alarm's ARN is
    // known only after GetFunctionConfiguration).
    permission_for("arn:aws:cloudwatch:us-east-1:123456789012:alarm:x".parse()?)?;
    if alarm.alarm_actions.len() >= crate::cloudwatch::MAX_ALARM_ACTIONS {
        return Err(Error::validation(
            "alarm_actions",
            "has no room for the Lambda action (at most 5 actions per state)",
        ));
    }

    let run = Run::new(cloud, format!("alarm {} invokes {function}", alarm.alarm_name), None);
    let lambda = cloud.lambda.as_ref();
    run.execute(async {
        // The function's ARN gives the region and account of the alarm's ARN.
        let config = lambda
            .get_function_configuration(function.clone(), qualifier.map(str::to_string))
            .await?;
        let base = config.arn.as_str().split(':').take(7).collect::<Vec<_>>().join(":");
        let function_arn: Arn = match qualifier {
            Some(q) => format!("{base}:{q}").parse()?,
            None => base.parse()?,
        };
        let parts: Vec<&str> = base.split(':').collect();
        let alarm_arn = format!(
            "arn:{}:cloudwatch:{}:{}:alarm:{}",
            parts[1], parts[3], parts[4], alarm.alarm_name
        );
        let permission = permission_for(alarm_arn.parse()?)?;
        run.step("add permission", &[], async {
            match lambda.add_permission(permission.clone()).await {
                Ok(()) => {
                    let remove = RemovePermissionRequest::builder()
                        .function(function.clone())
                        .statement_id(statement.clone())
                        .maybe_qualifier(qualifier.map(str::to_string))
                        .build()?;
                    run.created_with("permission", cloud.lambda.clone(), statement.clone(), move |l, _| {
                        let r = remove.clone();
                        async move { l.remove_permission(r).await }
                    });
                    Ok(())
                }
                // The statement is there from an earlier run: keep it.
                Err(e) if e.is_conflict() => {
                    run.reused("permission", statement.clone());
                    Ok(())
                }
                Err(e) => Err(e),
            }
        })
        .await?;
        if !alarm.alarm_actions.contains(&function_arn) {
            alarm.alarm_actions.push(function_arn.clone());
        }
        run.step("put alarm", &["add permission"], async {
            cloud.cloudwatch.put_metric_alarm(alarm.clone()).await
        })
        .await?;
        Ok(LambdaAlarm {
            alarm_name: alarm.alarm_name.clone(),
            alarm_arn,
            function_arn,
            function: function.clone(),
            qualifier: qualifier.map(str::to_string),
            statement_id: statement.clone(),
        })
    })
    .await
}

/// Deletes the alarm and the permission [`put_alarm_invoking_lambda`] added (either being
/// gone already is fine).
pub async fn remove_alarm_invoking_lambda(cloud: &Cloud, wired: &LambdaAlarm) -> Result<()> {
    let remove = RemovePermissionRequest::builder()
        .function(wired.function.clone())
        .statement_id(wired.statement_id.clone())
        .maybe_qualifier(wired.qualifier.clone())
        .build()?;
    crate::workflows::remove::alarms(cloud.cloudwatch.as_ref(), std::slice::from_ref(&wired.alarm_name)).await?;
    match cloud.lambda.remove_permission(remove.clone()).await {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_ids_are_valid_and_distinct() {
        let a = statement_id(&"cpu-high".parse().unwrap());
        assert_eq!(a, "cloudwatch-alarm-cpu-high");
        let odd = statement_id(&"web tier/5xx".parse().unwrap());
        let odd2 = statement_id(&"web tier_5xx".parse().unwrap());
        assert_ne!(odd, odd2);
        let long = statement_id(&"x".repeat(255).parse().unwrap());
        for id in [&odd, &odd2, &long] {
            assert!(id.len() <= 100, "{id}");
            assert!(
                id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{id}"
            );
        }
    }

    #[test]
    fn presets_are_valid_requests() {
        let f: FunctionName = "api".parse().unwrap();
        let e = lambda_errors("e".parse().unwrap(), &f, Some("live"), 0.0).unwrap();
        assert_eq!(e.dimensions[1], Dimension::new("Resource", "api:live"));
        assert_eq!(e.treat_missing_data, TreatMissingData::NotBreaching);
        let p = lambda_duration_p99("d".parse().unwrap(), &f, None, 800.0).unwrap();
        assert_eq!(p.extended_statistic.as_deref(), Some("p99"));
        assert!(lambda_throttles("t".parse().unwrap(), &f, None, 1.0).is_ok());
        let cpu = ec2_cpu_high("c".parse().unwrap(), "i-0123456789abcdef0", 80.0).unwrap();
        assert_eq!((cpu.period_secs, cpu.evaluation_periods), (300, 3));
        let bad = count_above("x".parse().unwrap(), "AWS/EC2", "", &[], 1.0).unwrap_err();
        assert!(matches!(bad, Error::Validation { field, .. } if field == "metric_name"));
        let nan = count_above("x".parse().unwrap(), "App", "m", &[], f64::NAN).unwrap_err();
        assert!(matches!(nan, Error::Validation { field, .. } if field == "threshold"));
    }
}
