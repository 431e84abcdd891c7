//! PLACEHOLDER: simulated ELBv2.
use super::{Inventory, SimCloud, SimState};
use tokio::time::Instant;

#[derive(Default)]
pub(crate) struct ElbState {}

pub(crate) fn inventory(_st: &mut SimState, _now: Instant, _inv: &mut Inventory) {}

#[async_trait::async_trait]
impl crate::elb::Elbv2 for SimCloud {}

// ---------------------------------------------------------------------------------------------
// Contract with the other simulated services (EC2, CloudWatch). Signatures are fixed; the
// ELBv2 simulator owns the bodies.

/// Security groups held by load balancers (live ones, and deleted ones whose network
/// interfaces have not yet been released, see `SimConfig::load_balancer_release`) at `now`:
/// deleting one of them answers `DependencyViolation`.
#[allow(dead_code)]
pub(crate) fn groups_in_use(
    _st: &mut SimState,
    _cfg: &super::SimConfig,
    _now: Instant,
) -> Vec<crate::id::SecurityGroupId> {
    Vec::new()
}

/// Per target group attached to an active load balancer, at `now`: the CloudWatch
/// dimensions and host counts that AWS/ApplicationELB publishes.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub(crate) struct TargetGroupMetrics {
    /// `app/NAME/ID`.
    pub load_balancer: String,
    /// `targetgroup/NAME/ID`.
    pub target_group: String,
    pub healthy: u32,
    pub unhealthy: u32,
}

/// Host counts for every target group behind a load balancer, settled to `now`.
#[allow(dead_code)]
pub(crate) fn target_group_metrics(
    _st: &mut SimState,
    _cfg: &super::SimConfig,
    _now: Instant,
) -> Vec<TargetGroupMetrics> {
    Vec::new()
}
