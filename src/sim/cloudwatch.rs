//! PLACEHOLDER: simulated CloudWatch.
use super::{Inventory, SimCloud, SimState};
use tokio::time::Instant;

#[derive(Default)]
pub(crate) struct CwState {}

pub(crate) fn inventory(_st: &mut SimState, _now: Instant, _inv: &mut Inventory) {}

#[async_trait::async_trait]
impl crate::cloudwatch::CloudWatch for SimCloud {}
