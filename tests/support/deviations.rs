//! The one list of known differences between moto 5.2.5 and AWS that the conformance suite
//! relies on.
//!
//! Rules:
//! - A shared scenario asserts what AWS does. Where moto differs, the scenario branches on
//!   `backend.deviates(DeviationId::X)` (rare, named) and the simulator keeps the AWS assertion.
//! - Every entry names the moto test (in tests/conformance_moto.rs) that SHOWS moto's behaviour;
//!   when moto changes, that test fails and the entry (and its branches) can go.
//! - A difference that is not listed here is a finding: fix the simulator or the adapter, or
//!   record it here with its showing test.

use aws_facade::Service;

/// Names a known moto deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviationId {
    /// EC2 volumes and snapshots are created in their final state; attachments and
    /// terminations reach theirs by the next describe.
    Ec2InstantLifecycles,
    /// DetachVolume without InstanceId fails with a 500 (moto bug); AWS needs only VolumeId.
    DetachVolumeNeedsInstanceId,
    /// RunInstances ignores ClientToken: a repeat launches new instances.
    RunInstancesIgnoresClientToken,
}

/// One known deviation of moto from AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deviation {
    /// Its name.
    pub id: DeviationId,
    /// The service.
    pub service: Service,
    /// What is concerned.
    pub what: &'static str,
    /// What AWS does.
    pub aws: &'static str,
    /// What moto 5.2.5 does.
    pub moto: &'static str,
    /// The moto test (tests/conformance_moto.rs) that asserts moto's behaviour.
    pub shown_by: &'static str,
}

/// Every known deviation the suite relies on.
pub const DEVIATIONS: &[Deviation] = &[
    Deviation {
        id: DeviationId::Ec2InstantLifecycles,
        service: Service::Ec2,
        what: "transitional states of volumes, attachments, snapshots and terminating instances",
        aws: "CreateVolume answers `creating`, CreateSnapshot `pending`; the volume is `available`, \
              the snapshot `completed`, an attachment `attached` and a terminating instance \
              `terminated` seconds to minutes later",
        moto: "CreateVolume answers `available` and CreateSnapshot `completed`; AttachVolume, \
               DetachVolume and TerminateInstances answer `attaching`, `detaching` and \
               `shutting-down` like AWS, and the very next describe shows the final state",
        shown_by: "moto_deviation_ec2_lifecycles_are_instant",
    },
    Deviation {
        id: DeviationId::DetachVolumeNeedsInstanceId,
        service: Service::Ec2,
        what: "DetachVolume with only VolumeId",
        aws: "detaches the volume from the instance it is attached to",
        moto: "500 Internal Server Error (moto looks the instance up by the missing InstanceId)",
        shown_by: "moto_deviation_detach_volume_needs_instance_id",
    },
    Deviation {
        id: DeviationId::RunInstancesIgnoresClientToken,
        service: Service::Ec2,
        what: "RunInstances idempotency (ClientToken)",
        aws: "a retry with the same ClientToken returns the instances of the first call and launches nothing",
        moto: "ClientToken is ignored: every call launches new instances",
        shown_by: "moto_deviation_run_instances_ignores_client_token",
    },
];

/// The entry for `id` (every id has exactly one).
pub fn deviation(id: DeviationId) -> &'static Deviation {
    DEVIATIONS
        .iter()
        .find(|d| d.id == id)
        .unwrap_or_else(|| panic!("deviation {id:?} is not in DEVIATIONS"))
}
