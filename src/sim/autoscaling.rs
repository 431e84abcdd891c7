//! The simulator's EC2 Auto Scaling.

use super::SimCloud;
use crate::autoscaling::*;

#[async_trait::async_trait]
impl AutoScaling for SimCloud {}
