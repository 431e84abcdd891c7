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
    /// EC2 volumes, attachments, snapshots and terminations reach their final state at once.
    Ec2InstantLifecycles,
    /// RunInstances ignores ClientToken: a repeat launches new instances.
    RunInstancesIgnoresClientToken,
    /// EBS direct: block checksums are stored, not verified.
    EbsChecksumsNotVerified,
    /// EBS direct: block tokens are UUIDs and `BlockSize` is reported as 512.
    EbsUuidTokensAndBlockSize512,
    /// EBS direct: StartSnapshot ignores ParentSnapshotId.
    EbsParentSnapshotIgnored,
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
        aws: "CreateVolume answers `creating`, AttachVolume `attaching`, DetachVolume `detaching`, \
              CreateSnapshot `pending`, TerminateInstances `shutting-down`; the final state comes later",
        moto: "CreateVolume answers `available`, AttachVolume `attached`, DetachVolume `detached`, \
               CreateSnapshot `completed`, TerminateInstances `terminated` (RunInstances does answer \
               `pending`, and `running` from the next describe)",
        shown_by: "moto_deviation_ec2_lifecycles_are_instant",
    },
    Deviation {
        id: DeviationId::RunInstancesIgnoresClientToken,
        service: Service::Ec2,
        what: "RunInstances idempotency (ClientToken)",
        aws: "a retry with the same ClientToken returns the instances of the first call and launches nothing",
        moto: "ClientToken is ignored: every call launches new instances",
        shown_by: "moto_deviation_run_instances_ignores_client_token",
    },
    Deviation {
        id: DeviationId::EbsChecksumsNotVerified,
        service: Service::Ebs,
        what: "PutSnapshotBlock checksum verification",
        aws: "a checksum that does not match the block's data is a ValidationException (INVALID_CHECKSUM)",
        moto: "the checksum is stored as sent; a wrong one is accepted",
        shown_by: "moto_deviation_ebs_checksums_not_verified",
    },
    Deviation {
        id: DeviationId::EbsUuidTokensAndBlockSize512,
        service: Service::Ebs,
        what: "ListSnapshotBlocks block tokens and BlockSize",
        aws: "tokens match ^[A-Za-z0-9+/=]+$; BlockSize is 524288",
        moto: "tokens are UUIDs (with '-'); BlockSize is 512 (the blocks are still 524,288 bytes)",
        shown_by: "moto_deviation_ebs_uuid_tokens_and_block_size_512",
    },
    Deviation {
        id: DeviationId::EbsParentSnapshotIgnored,
        service: Service::Ebs,
        what: "StartSnapshot with ParentSnapshotId (incremental snapshots)",
        aws: "the new snapshot starts as the parent's copy: ListSnapshotBlocks lists the parent's blocks too",
        moto: "ParentSnapshotId is ignored: the new snapshot starts empty and lists only its own blocks",
        shown_by: "moto_deviation_ebs_parent_snapshot_ignored",
    },
];

/// The entry for `id` (every id has exactly one).
pub fn deviation(id: DeviationId) -> &'static Deviation {
    DEVIATIONS
        .iter()
        .find(|d| d.id == id)
        .unwrap_or_else(|| panic!("deviation {id:?} is not in DEVIATIONS"))
}
