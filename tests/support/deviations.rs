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
    /// A RunInstances block-device mapping needs VolumeSize or SnapshotId; without mappings the
    /// root volume is an 8 GiB `/dev/sda1` whatever the image's root device.
    Ec2RootMappingNeedsSize,
    /// DescribeVolumes' attachments carry no DeleteOnTermination (read as `false`).
    Ec2VolumeAttachmentLacksDeleteOnTermination,
    /// Security group CIDRs are stored as sent, host bits and all.
    Ec2CidrsNotCanonicalized,
    /// CreateLoadBalancer / CreateTargetGroup with an existing name are not idempotent.
    ElbCreateIsNotIdempotent,
    /// A target group's default health check timeout is 10 s whatever the protocol.
    ElbDefaultHealthCheckTimeout,
    /// Targets are `healthy` as soon as they are registered, and gone as soon as deregistered.
    ElbTargetHealthIsInstant,
    /// New alarms start `OK`.
    CwAlarmsStartOk,
    /// Functions are `Active`, and updates `Successful`, at once.
    LambdaInstantLifecycle,
    /// Invoke (without Docker) answers the event it was sent.
    LambdaInvokeEchoesPayload,
    /// EBS direct reports a block size of 512 bytes.
    EbsBlockSizeReported512,
    /// EBS direct stores block and LINEAR checksums without verifying them.
    EbsChecksumsNotVerified,
    /// EBS direct ignores ParentSnapshotId; ListChangedBlocks walks only the first snapshot.
    EbsNoLineage,
    /// EBS direct answers HTTP 500 (not ResourceNotFoundException) for an unknown snapshot.
    EbsUnknownSnapshotIsAServerError,
    /// EBS direct still serves a snapshot that EC2 deleted.
    EbsDeletedSnapshotStillReadable,
    /// EBS direct block tokens are UUIDs (with `-`), outside AWS's token pattern.
    EbsBlockTokensAreUuids,
    /// GetMetricStatistics/GetMetricData periods start at the first datum, not at the start time.
    CwPeriodsStartAtFirstDatum,
    /// An HTTP listener reports an SslPolicy.
    ElbHttpListenerHasSslPolicy,
    /// UpdateFunctionCode / GetFunctionConfiguration carry no RevisionId.
    LambdaNoRevisionId,
    /// AddPermission accepts a statement id that is already in the policy.
    LambdaDuplicateStatementIdAccepted,
    /// ModifyTargetGroupAttributes answers only the attributes it changed.
    ElbModifyAttributesAnswersOnlyChanged,
    /// DescribeLoadBalancerAttributes lists only a few attributes (no
    /// `routing.http.drop_invalid_header_fields.enabled` until it is set).
    ElbLbAttributesIncomplete,
    /// DeleteLoadBalancer deletes a load balancer whose deletion protection is on.
    ElbDeletionProtectionNotEnforced,
    /// SetRulePriorities checks each new priority against the current ones (a swap in one
    /// call is PriorityInUse).
    ElbSetRulePrioritiesOneByOne,
    /// RemoveListenerCertificates removes a listener's default certificate.
    ElbDefaultCertificateRemovable,
    /// DeleteRule of a listener's default rule fails with a 500.
    ElbDeleteDefaultRuleIsAServerError,
    /// DeleteRule of a rule that does not exist (or no longer does) succeeds.
    ElbDeleteUnknownRuleSucceeds,
    /// Invoke / ListVersionsByFunction of a function that does not exist succeed.
    LambdaInvokeUnknownFunctionSucceeds,
    /// PublishVersion numbers a version "versions + 1", reusing a deleted version's number.
    LambdaVersionNumbersReused,
    /// ListTagsForResource of an alarm ARN that does not exist (or no longer does) succeeds.
    CwListTagsOfUnknownAlarmSucceeds,
    /// DescribeVolumes, DescribeSnapshots and DescribeAlarms ignore the page size: one page.
    ListingsIgnorePageSize,
    /// RevokeSecurityGroupIngress of a rule a default-VPC group does not have is
    /// `InvalidPermission.NotFound`.
    Ec2RevokeUnknownRuleIsNotFound,
    /// ModifyVolume accepts a smaller size and any number of modifications, completed at once.
    Ec2ModifyVolumeUnchecked,
    /// ReleaseAddress releases an associated Elastic IP.
    Ec2ReleaseAssociatedAddress,
    /// RunInstances ignores a launch volume's IOPS and throughput.
    Ec2LaunchVolumeSettingsIgnored,
    /// RunInstances accepts a placement zone other than the subnet's.
    Ec2PlacementZoneUnchecked,
    /// DeleteLaunchTemplateVersions is not implemented.
    Ec2NoDeleteLaunchTemplateVersions,
    /// CreateFunctionUrlConfig for a function that has a URL replaces it.
    LambdaSecondFunctionUrlReplaces,
    /// CreateFunction naming a layer version that does not exist is ResourceNotFoundException.
    LambdaUnknownLayerIsNotFound,
    /// DescribeAlarmHistory is not implemented.
    CwNoAlarmHistory,
    /// A function whose reserved concurrency is 0 is invoked.
    LambdaReservedConcurrencyNotEnforced,
    /// GetMetricData answers a metric math expression other than a bare query id with no data.
    CwMetricMathNotEvaluated,
    /// PutCompositeAlarm is not implemented.
    CwNoCompositeAlarms,
    /// A function's DeadLetterConfig is not kept (never answered).
    LambdaDeadLetterConfigNotKept,
    /// CreateAutoScalingGroup with a name in use succeeds (AWS: AlreadyExists).
    AsgDuplicateNameAccepted,
    /// SetDesiredCapacity outside min..max succeeds.
    AsgDesiredNotCheckedAgainstBounds,
    /// DescribeScalingActivities lists nothing.
    AsgNoScalingActivities,
    /// PutScalingPolicy answers neither PolicyARN nor Alarms (the policy is stored).
    AsgPutScalingPolicyAnswersNoArn,
    /// DeleteAutoScalingGroup without ForceDelete deletes a group with instances.
    AsgDeleteWithInstancesWithoutForce,
    /// SetDesiredCapacity on an unknown group is a 500 (a KeyError), not ValidationError.
    AsgSetDesiredOnUnknownGroupFails,
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
               DetachVolume, TerminateInstances, StopInstances and StartInstances answer \
               `attaching`, `detaching`, `shutting-down`, `stopping` and `pending` like AWS, and \
               the very next describe shows the final state",
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
    Deviation {
        id: DeviationId::Ec2RootMappingNeedsSize,
        service: Service::Ec2,
        what: "RunInstances with a block-device mapping for the image's root device without VolumeSize \
               (the encrypted root volume mapping), and RunInstances without any mapping",
        aws: "a mapping for an image's device overrides only what it sets: the root volume is still \
              made from the image's root snapshot, at its size; without mappings the root volume is \
              the image's, at its root device",
        moto: "MissingParameter \"The request must contain the parameter size or snapshotId\"; without \
               mappings an 8 GiB unencrypted volume at /dev/sda1 even for a /dev/xvda image. The SDK \
               adapter sends the image's root size when it looks the root device up, so the default \
               launch works on both",
        shown_by: "moto_deviation_root_volumes",
    },
    Deviation {
        id: DeviationId::Ec2VolumeAttachmentLacksDeleteOnTermination,
        service: Service::Ec2,
        what: "DeleteOnTermination of a volume attachment in DescribeVolumes",
        aws: "present (true for a root volume launched with DeleteOnTermination)",
        moto: "absent from DescribeVolumes (DescribeInstances' BlockDeviceMappings has it)",
        shown_by: "moto_deviation_root_volumes",
    },
    Deviation {
        id: DeviationId::Ec2CidrsNotCanonicalized,
        service: Service::Ec2,
        what: "a security group rule's CIDR with host bits set (10.1.2.3/16)",
        aws: "canonicalised (10.1.0.0/16) in DescribeSecurityGroups, and a duplicate of the canonical \
              rule (EC2 API reference, IpRange.CidrIp)",
        moto: "stored and described as sent. The facade sends canonical CIDRs, so this shows only \
               through raw requests",
        shown_by: "moto_deviation_cidrs_not_canonicalized",
    },
    Deviation {
        id: DeviationId::ElbCreateIsNotIdempotent,
        service: Service::Elbv2,
        what: "CreateLoadBalancer and CreateTargetGroup with the name of an existing resource",
        aws: "the same settings return the existing resource; other settings answer \
              DuplicateLoadBalancerName / DuplicateTargetGroupName",
        moto: "CreateLoadBalancer makes a second load balancer with the same name (whatever the settings); \
               CreateTargetGroup answers DuplicateTargetGroupName even for identical settings",
        shown_by: "moto_deviation_elb_create_is_not_idempotent",
    },
    Deviation {
        id: DeviationId::ElbDefaultHealthCheckTimeout,
        service: Service::Elbv2,
        what: "the default HealthCheckTimeoutSeconds of an HTTP target group of instances",
        aws: "6 seconds (10 for HTTPS)",
        moto: "5 seconds",
        shown_by: "moto_deviation_elb_target_health_is_instant",
    },
    Deviation {
        id: DeviationId::ElbTargetHealthIsInstant,
        service: Service::Elbv2,
        what: "target health after RegisterTargets and DeregisterTargets",
        aws: "`initial` (Elb.InitialHealthChecking) until the health checks pass, then `healthy`; \
              after DeregisterTargets `draining` for the deregistration delay",
        moto: "`healthy` at once (no health checks run); deregistered targets are gone at once",
        shown_by: "moto_deviation_elb_target_health_is_instant",
    },
    Deviation {
        id: DeviationId::CwAlarmsStartOk,
        service: Service::CloudWatch,
        what: "the state of a new metric alarm",
        aws: "`INSUFFICIENT_DATA` until it is first evaluated",
        moto: "`OK` (alarms are never evaluated)",
        shown_by: "moto_deviation_cw_alarms_start_ok",
    },
    Deviation {
        id: DeviationId::LambdaInstantLifecycle,
        service: Service::Lambda,
        what: "function state after CreateFunction and UpdateFunctionCode",
        aws: "CreateFunction answers `Pending` (then `Active`); UpdateFunctionCode answers \
              LastUpdateStatus `InProgress` (then `Successful`)",
        moto: "`Active` and `Successful` at once",
        shown_by: "moto_deviation_lambda_lifecycle_and_invoke",
    },
    Deviation {
        id: DeviationId::LambdaInvokeEchoesPayload,
        service: Service::Lambda,
        what: "what Invoke answers",
        aws: "the function's result (the package's code runs)",
        moto: "with Docker off (as the tests run it) the request payload, unchanged; no code runs",
        shown_by: "moto_deviation_lambda_lifecycle_and_invoke",
    },
    Deviation {
        id: DeviationId::EbsBlockSizeReported512,
        service: Service::Ebs,
        what: "BlockSize in StartSnapshot and the list answers",
        aws: "524288",
        moto: "512 (the blocks themselves are stored as sent)",
        shown_by: "moto_deviation_ebs_direct",
    },
    Deviation {
        id: DeviationId::EbsChecksumsNotVerified,
        service: Service::Ebs,
        what: "PutSnapshotBlock Checksum and CompleteSnapshot LINEAR Checksum",
        aws: "a block whose checksum does not match is refused (ValidationException); a wrong \
              LINEAR checksum fails the snapshot",
        moto: "both are stored and never checked",
        shown_by: "moto_deviation_ebs_direct",
    },
    Deviation {
        id: DeviationId::EbsNoLineage,
        service: Service::Ebs,
        what: "StartSnapshot ParentSnapshotId and ListChangedBlocks",
        aws: "a child lists its parent's blocks overlaid with its own; ListChangedBlocks lists the \
              blocks that differ, including those only the second snapshot has",
        moto: "ParentSnapshotId is ignored (the child holds only what it writes); ListChangedBlocks \
               walks only the first snapshot's blocks",
        shown_by: "moto_deviation_ebs_direct",
    },
    Deviation {
        id: DeviationId::EbsUnknownSnapshotIsAServerError,
        service: Service::Ebs,
        what: "EBS direct calls on a snapshot id that does not exist",
        aws: "ResourceNotFoundException (HTTP 404)",
        moto: "HTTP 500 with an HTML body (an unhandled KeyError); the adapter maps it to a \
               retryable Service error with status 500",
        shown_by: "moto_deviation_ebs_direct",
    },
    Deviation {
        id: DeviationId::EbsDeletedSnapshotStillReadable,
        service: Service::Ebs,
        what: "EBS direct calls on a snapshot EC2 DeleteSnapshot deleted",
        aws: "ResourceNotFoundException",
        moto: "still listed and readable (EBS direct keeps its own copy)",
        shown_by: "moto_deviation_ebs_direct",
    },
    Deviation {
        id: DeviationId::EbsBlockTokensAreUuids,
        service: Service::Ebs,
        what: "the BlockToken of ListSnapshotBlocks / ListChangedBlocks",
        aws: "base64 text (documented pattern ^[A-Za-z0-9+/=]{1,256}$)",
        moto: "a UUID with hyphens (GetSnapshotBlockRequest also accepts `-`: tokens come from \
               the service, so blocks read back on moto too)",
        shown_by: "moto_deviation_ebs_direct",
    },
    Deviation {
        id: DeviationId::CwPeriodsStartAtFirstDatum,
        service: Service::CloudWatch,
        what: "where the periods of GetMetricStatistics start",
        aws: "at the StartTime (aligned to the period)",
        moto: "at the timestamp of the first datum in range",
        shown_by: "moto_deviation_cw_alarms_start_ok",
    },
    Deviation {
        id: DeviationId::ElbHttpListenerHasSslPolicy,
        service: Service::Elbv2,
        what: "SslPolicy of an HTTP listener",
        aws: "absent (security policies are for HTTPS listeners)",
        moto: "ELBSecurityPolicy-2016-08",
        shown_by: "moto_deviation_elb_create_is_not_idempotent",
    },
    Deviation {
        id: DeviationId::ElbLbAttributesIncomplete,
        service: Service::Elbv2,
        what: "DescribeLoadBalancerAttributes of a new load balancer",
        aws: "every attribute with its default (routing.http.drop_invalid_header_fields.enabled = false, ...)",
        moto: "access_logs.s3.*, deletion_protection.enabled and load_balancing.cross_zone.enabled only",
        shown_by: "moto_deviation_elb_lb_attributes_incomplete",
    },
    Deviation {
        id: DeviationId::ElbDeletionProtectionNotEnforced,
        service: Service::Elbv2,
        what: "DeleteLoadBalancer with deletion_protection.enabled = true",
        aws: "OperationNotPermitted",
        moto: "deletes it",
        shown_by: "moto_deviation_elb_lb_attributes_incomplete",
    },
    Deviation {
        id: DeviationId::ElbSetRulePrioritiesOneByOne,
        service: Service::Elbv2,
        what: "SetRulePriorities that swaps the priorities of two rules in one call",
        aws: "the rules take their new priorities together (\"You can reorder the rules as long as there are no \
              priority conflicts in the new order\")",
        moto: "PriorityInUse: each new priority is checked against the rules' current ones",
        shown_by: "moto_deviation_elb_rules_and_certificates",
    },
    Deviation {
        id: DeviationId::ElbDeleteDefaultRuleIsAServerError,
        service: Service::Elbv2,
        what: "DeleteRule of a listener's default rule",
        aws: "OperationNotPermitted (the default rule cannot be deleted)",
        moto: "500 Internal Server Error (an HTML page, no error code)",
        shown_by: "moto_deviation_elb_rules_and_certificates",
    },
    Deviation {
        id: DeviationId::ElbDeleteUnknownRuleSucceeds,
        service: Service::Elbv2,
        what: "DeleteRule of a rule that was deleted",
        aws: "RuleNotFound (the model's DeleteRule errors)",
        moto: "succeeds",
        shown_by: "moto_deviation_elb_rules_and_certificates",
    },
    Deviation {
        id: DeviationId::ElbDefaultCertificateRemovable,
        service: Service::Elbv2,
        what: "RemoveListenerCertificates naming the listener's default certificate",
        aws: "OperationNotPermitted (the default certificate is changed with ModifyListener)",
        moto: "succeeds",
        shown_by: "moto_deviation_elb_rules_and_certificates",
    },
    Deviation {
        id: DeviationId::ElbModifyAttributesAnswersOnlyChanged,
        service: Service::Elbv2,
        what: "the answer of ModifyTargetGroupAttributes",
        aws: "every attribute of the target group",
        moto: "only the attributes in the request",
        shown_by: "moto_deviation_elb_target_health_is_instant",
    },
    Deviation {
        id: DeviationId::LambdaNoRevisionId,
        service: Service::Lambda,
        what: "RevisionId in function configurations",
        aws: "present, and changed by every update",
        moto: "absent",
        shown_by: "moto_deviation_lambda_lifecycle_and_invoke",
    },
    Deviation {
        id: DeviationId::LambdaDuplicateStatementIdAccepted,
        service: Service::Lambda,
        what: "AddPermission with a statement id already in the policy",
        aws: "ResourceConflictException",
        moto: "accepted",
        shown_by: "moto_deviation_lambda_lifecycle_and_invoke",
    },
    Deviation {
        id: DeviationId::LambdaInvokeUnknownFunctionSucceeds,
        service: Service::Lambda,
        what: "Invoke and ListVersionsByFunction of a function that does not exist",
        aws: "ResourceNotFoundException",
        moto: "Invoke: status 200 with the payload `{}` through the SDK; ListVersionsByFunction: no versions",
        shown_by: "moto_deviation_lambda_lifecycle_and_invoke",
    },
    Deviation {
        id: DeviationId::LambdaVersionNumbersReused,
        service: Service::Lambda,
        what: "the number PublishVersion gives after a version was deleted",
        aws: "version numbers only grow; a deleted version's number is never used again",
        moto: "the number of published versions + 1: after deleting version 1 of 1, 2, 3 the next \
               is a second `3` (and DeleteFunction of the function then answers a bare 500)",
        shown_by: "moto_deviation_lambda_version_numbers_reused",
    },
    Deviation {
        id: DeviationId::CwListTagsOfUnknownAlarmSucceeds,
        service: Service::CloudWatch,
        what: "ListTagsForResource of an ARN that names no alarm (never made, or deleted)",
        aws: "ResourceNotFoundException (HTTP 404; botocore's CloudWatch model)",
        moto: "success: no tags for an ARN it never saw, and a deleted alarm's tags (DeleteAlarms \
               does not drop them), which a re-created alarm of the same name then inherits",
        shown_by: "moto_deviation_cw_list_tags_of_unknown_alarm_succeeds",
    },
    Deviation {
        id: DeviationId::ListingsIgnorePageSize,
        service: Service::Ec2,
        what: "MaxResults of DescribeVolumes and DescribeSnapshots, MaxRecords of DescribeAlarms \
               (and MaxItems of Lambda's ListFunctions and ListVersionsByFunction)",
        aws: "pages of at most the size asked, each with a NextToken while more remain",
        moto: "every match on one page without a token, whatever the size (DescribeInstances does \
               page, by reservation, 100 a page by default)",
        shown_by: "moto_deviation_listings_ignore_page_size",
    },
    Deviation {
        id: DeviationId::Ec2RevokeUnknownRuleIsNotFound,
        service: Service::Ec2,
        what: "RevokeSecurityGroupIngress of a rule the group does not have, in the default VPC",
        aws: "success, the rule listed in UnknownIpPermissions (EC2 API reference, \
              RevokeSecurityGroupIngress: \"For a default VPC ... no error is returned\"); other \
              VPCs answer InvalidPermission.NotFound",
        moto: "InvalidPermission.NotFound in every VPC",
        shown_by: "moto_deviation_revoke_unknown_rule_is_not_found",
    },
    Deviation {
        id: DeviationId::Ec2ModifyVolumeUnchecked,
        service: Service::Ec2,
        what: "ModifyVolume's rules and lifecycle",
        aws: "a size can only grow (InvalidParameterValue), one modification per volume every 6 hours \
              (VolumeModificationRateExceeded), none while one is modifying or optimizing; the \
              modification goes modifying, optimizing, completed; DescribeVolumesModifications \
              answers the latest per volume",
        moto: "a smaller size is accepted and applied, modifications follow each other at once, each \
               is `completed` when made, and DescribeVolumesModifications lists every one",
        shown_by: "moto_deviation_modify_volume_unchecked",
    },
    Deviation {
        id: DeviationId::Ec2ReleaseAssociatedAddress,
        service: Service::Ec2,
        what: "ReleaseAddress of an associated Elastic IP",
        aws: "refused with InvalidIPAddress.InUse until the address is disassociated",
        moto: "disassociates and releases it",
        shown_by: "moto_deviation_release_associated_address",
    },
    Deviation {
        id: DeviationId::Ec2LaunchVolumeSettingsIgnored,
        service: Service::Ec2,
        what: "RunInstances' EBS block-device mappings",
        aws: "the volume gets the mapping's IOPS and throughput",
        moto: "ignores them (the volume has moto's defaults)",
        shown_by: "moto_deviation_launch_volume_settings_ignored",
    },
    Deviation {
        id: DeviationId::Ec2PlacementZoneUnchecked,
        service: Service::Ec2,
        what: "RunInstances with a subnet and a Placement.AvailabilityZone",
        aws: "a zone other than the subnet's is refused (InvalidParameterValue)",
        moto: "launches in the subnet, whatever the placement zone says",
        shown_by: "moto_deviation_placement_zone_unchecked",
    },
    Deviation {
        id: DeviationId::Ec2NoDeleteLaunchTemplateVersions,
        service: Service::Ec2,
        what: "DeleteLaunchTemplateVersions",
        aws: "deletes the versions named (not the default one)",
        moto: "is not implemented (the server fails)",
        shown_by: "moto_deviation_no_delete_launch_template_versions",
    },
    Deviation {
        id: DeviationId::LambdaSecondFunctionUrlReplaces,
        service: Service::Lambda,
        what: "CreateFunctionUrlConfig for a function that already has a URL",
        aws: "ResourceConflictException (one URL per function or alias)",
        moto: "creates a new URL in its place",
        shown_by: "moto_deviation_second_function_url_replaces",
    },
    Deviation {
        id: DeviationId::LambdaUnknownLayerIsNotFound,
        service: Service::Lambda,
        what: "CreateFunction naming a layer version that does not exist",
        aws: "InvalidParameterValueException (`Layer version ARN does not exist.`)",
        moto: "ResourceNotFoundException (`One or more LayerVersion does not exist`)",
        shown_by: "moto_deviation_unknown_layer_is_not_found",
    },
    Deviation {
        id: DeviationId::CwNoAlarmHistory,
        service: Service::CloudWatch,
        what: "DescribeAlarmHistory",
        aws: "the alarm's history items: creation and updates (ConfigurationUpdate), state changes \
              (StateUpdate), actions (Action), newest first, kept after the alarm is deleted",
        moto: "not implemented: the server fails (NotImplementedError, HTTP 500)",
        shown_by: "moto_deviation_cw_no_alarm_history",
    },
    Deviation {
        id: DeviationId::LambdaReservedConcurrencyNotEnforced,
        service: Service::Lambda,
        what: "Invoke of a function whose reserved concurrency (PutFunctionConcurrency) is 0",
        aws: "TooManyRequestsException \"Rate Exceeded.\" (Reason \
              ReservedFunctionConcurrentInvocationLimitExceeded): no invocation runs",
        moto: "the invocation runs (moto stores the reservation and never reads it on Invoke)",
        shown_by: "moto_deviation_lambda_reserved_concurrency_not_enforced",
    },
    Deviation {
        id: DeviationId::CwMetricMathNotEvaluated,
        service: Service::CloudWatch,
        what: "GetMetricData with a metric math Expression (`100 * errors / requests`)",
        aws: "the expression's series, computed per timestamp from the queries it names",
        moto: "an expression that is exactly another query's id answers that query's data; any other \
               expression answers no timestamps and no values (StatusCode Complete)",
        shown_by: "moto_deviation_cw_metric_math_not_evaluated",
    },
    Deviation {
        id: DeviationId::CwNoCompositeAlarms,
        service: Service::CloudWatch,
        what: "PutCompositeAlarm",
        aws: "creates the composite alarm (INSUFFICIENT_DATA, then evaluated against its children)",
        moto: "not implemented: the server fails (NotImplementedError, HTTP 500)",
        shown_by: "moto_deviation_cw_no_composite_alarms",
    },
    Deviation {
        id: DeviationId::LambdaDeadLetterConfigNotKept,
        service: Service::Lambda,
        what: "CreateFunction / UpdateFunctionConfiguration with DeadLetterConfig",
        aws: "the configuration answers DeadLetterConfig.TargetArn (the SQS queue or SNS topic)",
        moto: "the setting is accepted and dropped: no DeadLetterConfig is answered",
        shown_by: "moto_deviation_lambda_dead_letter_config_not_kept",
    },
    Deviation {
        id: DeviationId::AsgDuplicateNameAccepted,
        service: Service::AutoScaling,
        what: "CreateAutoScalingGroup with a name in use",
        aws: "AlreadyExists (\"AutoScalingGroup by this name already exists\")",
        moto: "succeeds and replaces the group",
        shown_by: "moto_deviation_asg_loose_checks",
    },
    Deviation {
        id: DeviationId::AsgDesiredNotCheckedAgainstBounds,
        service: Service::AutoScaling,
        what: "SetDesiredCapacity above MaxSize",
        aws: "ValidationError (\"New SetDesiredCapacity value ... is below min value ... or above max value\")",
        moto: "succeeds",
        shown_by: "moto_deviation_asg_loose_checks",
    },
    Deviation {
        id: DeviationId::AsgNoScalingActivities,
        service: Service::AutoScaling,
        what: "DescribeScalingActivities after launches",
        aws: "one activity per launch and termination, newest first",
        moto: "an empty list",
        shown_by: "moto_deviation_asg_loose_checks",
    },
    Deviation {
        id: DeviationId::AsgPutScalingPolicyAnswersNoArn,
        service: Service::AutoScaling,
        what: "PutScalingPolicy's answer",
        aws: "PolicyARN, and for target tracking the two alarms it created (AlarmHigh, AlarmLow)",
        moto: "an answer without PolicyARN or Alarms (the adapter refuses it as unreadable; the \
               policy is stored and DescribePolicies lists it)",
        shown_by: "moto_deviation_asg_put_scaling_policy_answers_no_arn",
    },
    Deviation {
        id: DeviationId::AsgDeleteWithInstancesWithoutForce,
        service: Service::AutoScaling,
        what: "DeleteAutoScalingGroup of a group with instances, without ForceDelete",
        aws: "ResourceInUse (or ScalingActivityInProgress while instances launch)",
        moto: "deletes the group and terminates its instances",
        shown_by: "moto_deviation_asg_loose_checks",
    },
    Deviation {
        id: DeviationId::AsgSetDesiredOnUnknownGroupFails,
        service: Service::AutoScaling,
        what: "SetDesiredCapacity on a group that does not exist",
        aws: "ValidationError \"AutoScalingGroup name not found\"",
        moto: "HTTP 500 (a KeyError in moto), which the crate reads as unrecognized, never as \
               not-found",
        shown_by: "moto_deviation_asg_loose_checks",
    },
];

/// The entry for `id` (every id has exactly one).
pub fn deviation(id: DeviationId) -> &'static Deviation {
    DEVIATIONS
        .iter()
        .find(|d| d.id == id)
        .unwrap_or_else(|| panic!("deviation {id:?} is not in DEVIATIONS"))
}
