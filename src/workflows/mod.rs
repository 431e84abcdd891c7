//! High-level workflows over the service traits. Each one is a plan of steps run with every
//! independent step concurrent, rolls back what it created when it fails, can be re-applied
//! without duplicating anything, and can be destroyed from its saved outputs.
//!
//! They depend only on the traits (through [`Cloud`](crate::Cloud)), so the same workflow runs
//! on AWS, on moto, on the simulator and on mocks.
//!
//! | workflow | module |
//! |---|---|
//! | instances behind an ALB with recommended alarms | [`web_tier`] |
//! | EBS volumes: provision, attach, snapshot, restore | [`volume`] |
//! | snapshot data transfer (upload, download, incremental) through the EBS direct APIs | [`snapshot`] |
//! | Lambda deploy with versions, aliases and a guarded canary | [`lambda_deploy`] |
//! | batched CloudWatch metrics and queries | [`metrics`] |
//! | alarm presets; alarms that invoke a Lambda function | [`alarms`] |

pub mod alarms;
pub mod lambda_deploy;
pub mod metrics;
pub mod plan;
pub mod remove;
pub mod snapshot;
pub mod spec;
pub mod volume;
pub mod web_tier;

pub use plan::{Event, PlanSummary, Progress, Run};
