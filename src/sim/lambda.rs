//! PLACEHOLDER: simulated Lambda.
use super::{Inventory, SimCloud, SimState};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::time::Instant;

/// One invocation as a simulated handler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The function name.
    pub function: String,
    /// The version that runs (`$LATEST`, `1`, `2`, ...), after alias routing.
    pub version: String,
    /// The event.
    pub payload: serde_json::Value,
}

/// A Rust handler for a simulated Lambda function: the invocation in, a JSON result or an
/// error message out (an error becomes a function error, `Unhandled`).
pub type Handler = Arc<dyn Fn(&Invocation) -> Result<serde_json::Value, String> + Send + Sync>;

#[derive(Default)]
pub(crate) struct LambdaState {
    pub(crate) handlers: HashMap<String, Handler>,
}

pub(crate) fn inventory(_st: &mut SimState, _now: Instant, _inv: &mut Inventory) {}

#[async_trait::async_trait]
impl crate::lambda::Lambda for SimCloud {}

// ---------------------------------------------------------------------------------------------
// Contract with the simulated CloudWatch: alarm actions that name a Lambda function.

/// Invokes the function named by `function_arn` (an ARN, possibly qualified) asynchronously
/// with `event`, as CloudWatch does for an alarm action. Returns whether a handler ran.
#[allow(dead_code)]
pub(crate) async fn invoke_from_alarm(_sim: &SimCloud, _function_arn: &str, _event: serde_json::Value) -> bool {
    false
}
