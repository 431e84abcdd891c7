//! PLACEHOLDER: simulated EBS direct APIs.
use super::{Inventory, SimCloud, SimState};
use tokio::time::Instant;

#[derive(Default)]
pub(crate) struct EbsState {}

pub(crate) fn inventory(_st: &mut SimState, _now: Instant, _inv: &mut Inventory) {}

#[async_trait::async_trait]
impl crate::ebs::Ebs for SimCloud {}
