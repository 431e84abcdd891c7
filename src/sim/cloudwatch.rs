//! PLACEHOLDER: simulated CloudWatch.
use super::{Inventory, SimCloud, SimState};
use tokio::time::Instant;

#[derive(Default)]
pub(crate) struct CwState {}

pub(crate) fn inventory(_st: &mut SimState, _now: Instant, _inv: &mut Inventory) {}

#[async_trait::async_trait]
impl crate::cloudwatch::CloudWatch for SimCloud {}

// ---------------------------------------------------------------------------------------------
// Contract with the other simulated services: metrics AWS publishes on their behalf
// (AWS/Lambda Invocations and Errors, ...). Signature fixed; the CloudWatch simulator owns the body.

/// Records one datapoint of an AWS-published metric (namespace such as `AWS/Lambda`) at `at`.
#[allow(dead_code)]
pub(crate) fn record_builtin(
    _st: &mut SimState,
    _namespace: &str,
    _metric_name: &str,
    _dimensions: &[(&str, &str)],
    _value: f64,
    _at: std::time::SystemTime,
) {
}
