//! ec2 on the wire (being written).

use super::{WireRequest, WireResponse};
use crate::sim::SimCloud;

pub(super) async fn serve(_sim: &SimCloud, req: &WireRequest) -> WireResponse {
    super::unknown_operation(req)
}
