//! EC2 on the wire: the EC2 query protocol (botocore model `ec2/2016-11-15`).
//!
//! Requests are form bodies (`Action=...&Version=2016-11-15`, lists flattened as `Name.N`,
//! structures as `Name.Member`), decoded by [`super::query_to_json`] into one JSON tree and
//! built into the crate's request types; the simulator is called through the [`Ec2`] trait.
//! Answers are `<ActionResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">` with a
//! `requestId` and the output's members under their lowerCamel `locationName`s (no Result
//! wrapper), list items in `<item>`, timestamps in ISO 8601. Errors are
//! `<Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors>
//! <RequestID>..</RequestID></Response>`: HTTP 400 for client errors, 412 for
//! `DryRunOperation`, 503 for `RequestLimitExceeded` and `Unavailable`, 500 for
//! `InternalError`.
//!
//! Served: every action of the [`Ec2`] trait (see [`SERVED`]), with `NextToken` /
//! `MaxResults` paging and the describe filters listed by each action's filter table. The
//! crate's own checks answer `InvalidParameterValue`; a malformed id its `*.Malformed` code;
//! `DryRun=true` answers `DryRunOperation` without acting; an unknown filter is
//! `InvalidParameterValue`; any other action is `InvalidAction`.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::Front;
use super::{Input, WireRequest, WireResponse, XmlStyle};
use crate::Tags;
use crate::ec2::*;
use crate::error::{Error, Result};
use crate::id::*;

const SVC: crate::Service = crate::Service::Ec2;
const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
const REQUEST_ID: &str = "sim";

/// The actions served (those of the [`Ec2`] trait).
pub(crate) const SERVED: &[&str] = &[
    "AllocateAddress",
    "AssociateAddress",
    "AttachVolume",
    "AuthorizeSecurityGroupIngress",
    "CreateKeyPair",
    "CreateLaunchTemplate",
    "CreateLaunchTemplateVersion",
    "CreateSecurityGroup",
    "CreateSnapshot",
    "CreateTags",
    "CreateVolume",
    "DeleteKeyPair",
    "DeleteLaunchTemplate",
    "DeleteLaunchTemplateVersions",
    "DeleteSecurityGroup",
    "DeleteSnapshot",
    "DeleteTags",
    "DeleteVolume",
    "DescribeAddresses",
    "DescribeImages",
    "DescribeInstanceStatus",
    "DescribeInstanceTypes",
    "DescribeInstances",
    "DescribeKeyPairs",
    "DescribeLaunchTemplateVersions",
    "DescribeLaunchTemplates",
    "DescribeSecurityGroups",
    "DescribeSnapshots",
    "DescribeSubnets",
    "DescribeVolumes",
    "DescribeVolumesModifications",
    "DescribeVpcs",
    "DetachVolume",
    "DisassociateAddress",
    "ImportKeyPair",
    "ModifyLaunchTemplate",
    "ModifyVolume",
    "RebootInstances",
    "ReleaseAddress",
    "RevokeSecurityGroupIngress",
    "RunInstances",
    "StartInstances",
    "StopInstances",
    "TerminateInstances",
];

fn api(code: &str, message: impl Into<String>) -> Error {
    Error::api(SVC, code, message)
}

fn invalid(message: String) -> Error {
    api("InvalidParameterValue", message)
}

fn missing(message: String) -> Error {
    api("MissingParameter", message)
}

/// The HTTP status of an error code (EC2 answers 400 for every client error).
fn status_of(code: &str) -> u16 {
    match code {
        "DryRunOperation" => 412,
        "RequestLimitExceeded" | "Unavailable" | "ServiceUnavailable" | "InsufficientInstanceCapacity" => 503,
        "InternalError" | "InternalFailure" => 500,
        "UnauthorizedOperation" | "Blocked" => 403,
        "AuthFailure" => 401,
        _ => 400,
    }
}

pub(super) async fn serve(sim: &Front, req: &WireRequest) -> WireResponse {
    let mut pairs = super::form_pairs(&req.body);
    pairs.extend(req.query.iter().cloned());
    let Some(action) = pairs.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.clone()) else {
        return encode_error(&api("MissingAction", "The request must contain the parameter Action."));
    };
    if !SERVED.contains(&action.as_str()) {
        return encode_error(&api(
            "InvalidAction",
            format!(
                "The action {action:?} is not valid for this web service (the simulator serves no EC2 action of that name)."
            ),
        ));
    }
    let input = super::query_to_json(&pairs);
    let i = Input(&input);
    match i.bool("DryRun", invalid) {
        Ok(Some(true)) => {
            return encode_error(&api(
                "DryRunOperation",
                "Request would have succeeded, but DryRun flag is set.",
            ));
        }
        Ok(_) => {}
        Err(e) => return encode_error(&e),
    }
    match dispatch(sim, &action, i).await {
        Ok(Some(output)) => encode(&action, &output),
        Ok(None) => encode_error(&api(
            "InvalidAction",
            format!("The simulator serves no EC2 action {action:?}."),
        )),
        Err(e) => encode_error(&e),
    }
}

fn encode(action: &str, output: &Value) -> WireResponse {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{XMLNS}\"><requestId>{REQUEST_ID}</requestId>"
    );
    super::write_xml(&mut xml, output, &XML);
    xml.push_str(&format!("</{action}Response>"));
    WireResponse {
        status: 200,
        headers: vec![("content-type", "text/xml;charset=UTF-8".into())],
        body: Bytes::from(xml),
    }
}

/// The members holding timestamps, in every output this codec writes.
const TIMESTAMPS: &[&str] = &[
    "launchTime",
    "createTime",
    "startTime",
    "endTime",
    "attachTime",
    "completionTime",
    "impairedSince",
];

const XML: XmlStyle = XmlStyle {
    item: "item",
    is_timestamp: |k| TIMESTAMPS.contains(&k),
    is_map: |_| false,
};

fn encode_error(e: &Error) -> WireResponse {
    let (code, message) = match e {
        Error::Validation { field, rule } => ("InvalidParameterValue".to_string(), format!("{field}: {rule}")),
        other => match other.api_error() {
            Some(api) => (api.code.clone(), api.message.clone()),
            None => ("InternalError".to_string(), other.to_string()),
        },
    };
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>");
    super::escape_into(&mut xml, &code);
    xml.push_str("</Code><Message>");
    super::escape_into(&mut xml, &message);
    xml.push_str(&format!(
        "</Message></Error></Errors><RequestID>{REQUEST_ID}</RequestID></Response>"
    ));
    WireResponse {
        status: status_of(&code),
        headers: vec![("content-type", "text/xml;charset=UTF-8".into())],
        body: Bytes::from(xml),
    }
}

// ---------------------------------------------------------------------------------------------
// Operations: decoded input -> the simulator (through the trait) -> JSON output in the
// answer's element names (`None`: not served).

async fn dispatch(sim: &Front, action: &str, i: Input<'_>) -> Result<Option<Value>> {
    let out = match action {
        // --- VPCs, subnets, images -----------------------------------------------------------
        "DescribeVpcs" => describe_vpcs(sim, i).await?,
        "DescribeSubnets" => describe_subnets(sim, i).await?,
        "DescribeImages" => describe_images(sim, i).await?,

        // --- Security groups -----------------------------------------------------------------
        "CreateSecurityGroup" => {
            let tags = tags_of_kind(i, "TagSpecification", &["security-group"])?;
            let req = CreateSecurityGroupRequest {
                name: required(i, "GroupName")?.to_string(),
                description: required(i, "GroupDescription")?.to_string(),
                vpc_id: opt_id(i, "VpcId", VPC)?,
                tags: tags.clone(),
            };
            let id = sim.create_security_group(req).await?;
            let cfg = sim.config();
            json!({
                "groupId": id.as_str(),
                "tagSet": tag_set(&tags),
                "securityGroupArn": format!("arn:aws:ec2:{}:{}:security-group/{id}", cfg.region, cfg.account_id),
            })
        }
        "DescribeSecurityGroups" => describe_security_groups(sim, i).await?,
        "DeleteSecurityGroup" => {
            let id = group_of(sim, i).await?;
            sim.delete_security_group(id.clone()).await?;
            json!({"return": true, "groupId": id.as_str()})
        }
        "AuthorizeSecurityGroupIngress" => {
            let group_id = group_of(sim, i).await?;
            for rule in permissions(sim, i).await? {
                let req = AuthorizeIngressRequest {
                    group_id: group_id.clone(),
                    protocol: rule.protocol,
                    from_port: rule.from_port,
                    to_port: Some(rule.to_port),
                    source: rule.source,
                    description: rule.description,
                    // The network guard is the crate's client-side policy (the SDK adapter
                    // applies it before sending); EC2 itself takes any rule.
                    allow_wide_admin_access: true,
                };
                sim.authorize_ingress(req).await?;
            }
            json!({"return": true})
        }
        "RevokeSecurityGroupIngress" => {
            if !items(i, "SecurityGroupRuleId")?.is_empty() {
                return Err(invalid(
                    "SecurityGroupRuleId: the simulator revokes rules by permission, not by rule id".into(),
                ));
            }
            let group_id = group_of(sim, i).await?;
            let mut unknown = Vec::new();
            for rule in permissions(sim, i).await? {
                if !sim.revoke_ingress(group_id.clone(), rule.clone()).await? {
                    unknown.push(rule);
                }
            }
            json!({"return": true, "unknownIpPermissionSet": permissions_json(&unknown)})
        }

        // --- Instances -----------------------------------------------------------------------
        "RunInstances" => {
            let req = run_request(sim, i).await?;
            let launched = sim.run_instances(req).await?;
            let names = group_names(sim).await;
            let first = launched
                .first()
                .map(|i| i.id.as_str().trim_start_matches("i-"))
                .unwrap_or("0");
            json!({
                "reservationId": format!("r-{first}"),
                "ownerId": sim.config().account_id,
                "groupSet": [],
                "instancesSet": launched.iter().map(|x| instance_json(x, &names)).collect::<Vec<_>>(),
            })
        }
        "DescribeInstances" => describe_instances(sim, i).await?,
        "TerminateInstances" => {
            let changes = sim.terminate_instances(ids(i, "InstanceId", INSTANCE)?).await?;
            json!({"instancesSet": state_changes(&changes)})
        }
        "StopInstances" => {
            let req = StopInstancesRequest {
                instance_ids: ids(i, "InstanceId", INSTANCE)?,
                force: i.bool("Force", invalid)?.unwrap_or(false),
                hibernate: i.bool("Hibernate", invalid)?.unwrap_or(false),
            };
            let changes = sim.stop_instances(req).await?;
            json!({"instancesSet": state_changes(&changes)})
        }
        "StartInstances" => {
            let changes = sim.start_instances(ids(i, "InstanceId", INSTANCE)?).await?;
            json!({"instancesSet": state_changes(&changes)})
        }
        "RebootInstances" => {
            sim.reboot_instances(ids(i, "InstanceId", INSTANCE)?).await?;
            json!({"return": true})
        }
        "DescribeInstanceStatus" => describe_instance_status(sim, i).await?,
        "DescribeInstanceTypes" => describe_instance_types(sim, i).await?,

        // --- Key pairs -----------------------------------------------------------------------
        "CreateKeyPair" => {
            let req = CreateKeyPairRequest {
                name: required(i, "KeyName")?.to_string(),
                // AWS's default type is RSA (the crate's builder defaults to ED25519, and its
                // adapter always sends the type).
                key_type: match text(i, "KeyType")? {
                    Some(t) => {
                        KeyType::parse(t).ok_or_else(|| invalid(format!("KeyType: {t:?} is not rsa or ed25519")))?
                    }
                    None => KeyType::Rsa,
                },
                tags: tags_of_kind(i, "TagSpecification", &["key-pair"])?,
            };
            let made = sim.create_key_pair(req).await?;
            let mut out = key_pair_json(&made.key_pair);
            out["keyMaterial"] = json!(made.private_key.expose_secret());
            out
        }
        "ImportKeyPair" => {
            let material = required(i, "PublicKeyMaterial")?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(material.trim())
                .map_err(|_| invalid("PublicKeyMaterial: the value is not valid base64".into()))?;
            let public_key = String::from_utf8(bytes)
                .map_err(|_| invalid("PublicKeyMaterial: the key is not text (an OpenSSH public key)".into()))?;
            let req = ImportKeyPairRequest {
                name: required(i, "KeyName")?.to_string(),
                public_key,
                tags: tags_of_kind(i, "TagSpecification", &["key-pair"])?,
            };
            let k = sim.import_key_pair(req).await?;
            json!({
                "keyPairId": k.id,
                "keyName": k.name,
                "keyFingerprint": k.fingerprint,
                "tagSet": tag_set(&k.tags),
            })
        }
        "DescribeKeyPairs" => describe_key_pairs(sim, i).await?,
        "DeleteKeyPair" => {
            let (name, id) = match (text(i, "KeyName")?, text(i, "KeyPairId")?) {
                (Some(n), _) => (n.to_string(), None),
                (None, Some(id)) => {
                    let all = sim.describe_key_pairs(DescribeKeyPairsRequest::default()).await?;
                    let k = all
                        .into_iter()
                        .find(|k| k.id == id)
                        .ok_or_else(|| api("InvalidKeyPair.NotFound", format!("The key pair '{id}' does not exist")))?;
                    (k.name, Some(k.id))
                }
                (None, None) => {
                    return Err(missing(
                        "The request must contain the parameter KeyName or KeyPairId".into(),
                    ));
                }
            };
            sim.delete_key_pair(name).await?;
            let mut out = json!({"return": true});
            if let Some(id) = id {
                out["keyPairId"] = json!(id);
            }
            out
        }

        // --- Volumes and snapshots -----------------------------------------------------------
        "CreateVolume" => {
            let req = CreateVolumeRequest {
                availability_zone: zone(required(i, "AvailabilityZone")?)?,
                size_gib: i.num("Size", invalid)?,
                // AWS's default type is gp2 (the crate's builder defaults to gp3, and its
                // adapter always sends the type).
                volume_type: match text(i, "VolumeType")? {
                    Some(t) => volume_type(t)?,
                    None => VolumeType::Gp2,
                },
                iops: i.num("Iops", invalid)?,
                throughput: i.num("Throughput", invalid)?,
                encrypted: i.bool("Encrypted", invalid)?.unwrap_or(false),
                kms_key_id: text(i, "KmsKeyId")?.map(str::to_string),
                snapshot_id: opt_id(i, "SnapshotId", SNAPSHOT)?,
                tags: tags_of_kind(i, "TagSpecification", &["volume"])?,
                client_token: text(i, "ClientToken")?.map(str::to_string),
            };
            volume_json(&sim.create_volume(req).await?)
        }
        "DescribeVolumes" => describe_volumes(sim, i).await?,
        "AttachVolume" => {
            let req = AttachVolumeRequest {
                volume_id: id_of(required(i, "VolumeId")?, VOLUME)?,
                instance_id: id_of(required(i, "InstanceId")?, INSTANCE)?,
                device: required(i, "Device")?.to_string(),
            };
            attachment_json(&sim.attach_volume(req).await?)
        }
        "DetachVolume" => {
            let req = DetachVolumeRequest {
                volume_id: id_of(required(i, "VolumeId")?, VOLUME)?,
                instance_id: opt_id(i, "InstanceId", INSTANCE)?,
                force: i.bool("Force", invalid)?.unwrap_or(false),
            };
            attachment_json(&sim.detach_volume(req).await?)
        }
        "DeleteVolume" => {
            sim.delete_volume(id_of(required(i, "VolumeId")?, VOLUME)?).await?;
            json!({})
        }
        "ModifyVolume" => {
            let req = ModifyVolumeRequest {
                volume_id: id_of(required(i, "VolumeId")?, VOLUME)?,
                size_gib: i.num("Size", invalid)?,
                volume_type: text(i, "VolumeType")?.map(volume_type).transpose()?,
                iops: i.num("Iops", invalid)?,
                throughput: i.num("Throughput", invalid)?,
            };
            json!({"volumeModification": modification_json(&sim.modify_volume(req).await?)})
        }
        "DescribeVolumesModifications" => describe_volumes_modifications(sim, i).await?,
        "CreateSnapshot" => {
            let req = CreateSnapshotRequest {
                volume_id: id_of(required(i, "VolumeId")?, VOLUME)?,
                description: text(i, "Description")?.map(str::to_string),
                tags: tags_of_kind(i, "TagSpecification", &["snapshot"])?,
            };
            snapshot_json(&sim.create_snapshot(req).await?, &sim.config().account_id)
        }
        "DescribeSnapshots" => describe_snapshots(sim, i).await?,
        "DeleteSnapshot" => {
            sim.delete_snapshot(id_of(required(i, "SnapshotId")?, SNAPSHOT)?)
                .await?;
            json!({})
        }

        // --- Launch templates ----------------------------------------------------------------
        "CreateLaunchTemplate" => {
            let req = CreateLaunchTemplateRequest {
                name: required(i, "LaunchTemplateName")?.to_string(),
                version_description: text(i, "VersionDescription")?.map(str::to_string),
                data: template_data(i)?,
                tags: tags_of_kind(i, "TagSpecification", &["launch-template"])?,
                client_token: text(i, "ClientToken")?.map(str::to_string),
            };
            let t = sim.create_launch_template(req).await?;
            json!({"launchTemplate": template_json(&t, &sim.config().account_id)})
        }
        "CreateLaunchTemplateVersion" => {
            if text(i, "SourceVersion")?.is_some() {
                return Err(invalid(
                    "SourceVersion: the simulator creates versions from their full data only".into(),
                ));
            }
            let req = CreateLaunchTemplateVersionRequest {
                template: template_ref(i)?,
                version_description: text(i, "VersionDescription")?.map(str::to_string),
                data: template_data(i)?,
                client_token: text(i, "ClientToken")?.map(str::to_string),
            };
            let v = sim.create_launch_template_version(req).await?;
            json!({"launchTemplateVersion": template_version_json(&v, &sim.config().account_id)})
        }
        "ModifyLaunchTemplate" => {
            let template = template_ref(i)?;
            let t = match text(i, "SetDefaultVersion")? {
                Some(v) => {
                    let n: u64 = v
                        .parse()
                        .map_err(|_| invalid(format!("SetDefaultVersion: {v:?} is not a version number")))?;
                    sim.set_default_launch_template_version(template, n).await?
                }
                None => the_template(sim, template).await?,
            };
            json!({"launchTemplate": template_json(&t, &sim.config().account_id)})
        }
        "DescribeLaunchTemplates" => describe_launch_templates(sim, i).await?,
        "DescribeLaunchTemplateVersions" => describe_launch_template_versions(sim, i).await?,
        "DeleteLaunchTemplateVersions" => delete_launch_template_versions(sim, i).await?,
        "DeleteLaunchTemplate" => {
            let template = template_ref(i)?;
            let t = the_template(sim, template.clone()).await?;
            sim.delete_launch_template(template).await?;
            json!({"launchTemplate": template_json(&t, &sim.config().account_id)})
        }

        // --- Elastic IP addresses ------------------------------------------------------------
        "AllocateAddress" => {
            if text(i, "Address")?.is_some() || text(i, "PublicIpv4Pool")?.is_some_and(|p| p != "amazon") {
                return Err(invalid(
                    "Address, PublicIpv4Pool: the simulator allocates from Amazon's pool only".into(),
                ));
            }
            let req = AllocateAddressRequest {
                tags: tags_of_kind(i, "TagSpecification", &["elastic-ip"])?,
            };
            let a = sim.allocate_address(req).await?;
            json!({
                "allocationId": a.allocation_id.as_str(),
                "publicIp": a.public_ip,
                "domain": "vpc",
                "publicIpv4Pool": "amazon",
                "networkBorderGroup": sim.config().region,
            })
        }
        "DescribeAddresses" => describe_addresses(sim, i).await?,
        "AssociateAddress" => {
            if text(i, "NetworkInterfaceId")?.is_some() {
                return Err(invalid(
                    "NetworkInterfaceId: the simulator associates addresses with instances only".into(),
                ));
            }
            let req = AssociateAddressRequest {
                allocation_id: allocation_of(sim, i).await?,
                instance_id: id_of(required(i, "InstanceId")?, INSTANCE)?,
                private_ip: text(i, "PrivateIpAddress")?.map(str::to_string),
                allow_reassociation: i.bool("AllowReassociation", invalid)?.unwrap_or(false),
            };
            let id = sim.associate_address(req).await?;
            json!({"associationId": id.as_str()})
        }
        "DisassociateAddress" => {
            let id = match (text(i, "AssociationId")?, text(i, "PublicIp")?) {
                (Some(a), _) => id_of(a, ASSOCIATION)?,
                (None, Some(ip)) => {
                    let a = address_by_ip(sim, ip).await?;
                    a.association_id.ok_or_else(|| {
                        api(
                            "InvalidAssociationID.NotFound",
                            format!("The address {ip} is not associated"),
                        )
                    })?
                }
                (None, None) => {
                    return Err(missing("The request must contain the parameter AssociationId".into()));
                }
            };
            sim.disassociate_address(id).await?;
            json!({})
        }
        "ReleaseAddress" => {
            sim.release_address(allocation_of(sim, i).await?).await?;
            json!({})
        }

        // --- Tags ----------------------------------------------------------------------------
        "CreateTags" => {
            let tags = tag_list(i, "Tag")?;
            sim.create_tags(strings(i, "ResourceId")?, tags).await?;
            json!({})
        }
        "DeleteTags" => {
            // A key deletes its tag whatever the value (the trait has no value match).
            let keys = items(i, "Tag")?
                .into_iter()
                .map(|t| Ok(required(t, "Key")?.to_string()))
                .collect::<Result<Vec<_>>>()?;
            sim.delete_tags(strings(i, "ResourceId")?, keys).await?;
            json!({})
        }
        _ => return Ok(None),
    };
    Ok(Some(out))
}

// ---------------------------------------------------------------------------------------------
// Describes

async fn describe_vpcs(sim: &Front, i: Input<'_>) -> Result<Value> {
    let wanted: Vec<VpcId> = ids(i, "VpcId", VPC)?;
    let f = Filters::read(i)?;
    f.check(&[
        "is-default",
        "vpc-id",
        "cidr",
        "cidr-block",
        "state",
        "owner-id",
        "dhcp-options-id",
    ])?;
    // The trait knows the region's default VPC (the simulator's only one).
    let vpcs: Vec<Vpc> = match sim.default_vpc().await {
        Ok(v) => vec![v],
        Err(e) if e.code() == Some("InvalidVpcID.NotFound") => Vec::new(),
        Err(e) => return Err(e),
    };
    if let Some(id) = wanted.iter().find(|w| !vpcs.iter().any(|v| &v.id == *w)) {
        return Err(api(
            "InvalidVpcID.NotFound",
            format!("The vpc ID '{id}' does not exist"),
        ));
    }
    let account = sim.config().account_id.clone();
    let vpcs: Vec<Vpc> = vpcs
        .into_iter()
        .filter(|v| wanted.is_empty() || wanted.contains(&v.id))
        .collect();
    let vpcs = f.keep(vpcs, |v, name| match name {
        "is-default" => vec![v.is_default.to_string()],
        "vpc-id" => vec![v.id.to_string()],
        "cidr" | "cidr-block" => vec![v.cidr_block.clone()],
        "state" => vec!["available".into()],
        "owner-id" => vec![account.clone()],
        _ => Vec::new(),
    });
    let (page, next) = paged(&vpcs, i)?;
    let items: Vec<Value> = page
        .iter()
        .map(|v| {
            json!({
                "vpcId": v.id.as_str(),
                "state": "available",
                "cidrBlock": v.cidr_block,
                "isDefault": v.is_default,
                "ownerId": account,
                "instanceTenancy": "default",
                "tagSet": [],
            })
        })
        .collect();
    Ok(with_next(json!({"vpcSet": items}), next))
}

async fn describe_subnets(sim: &Front, i: Input<'_>) -> Result<Value> {
    let wanted: Vec<SubnetId> = ids(i, "SubnetId", SUBNET)?;
    let mut f = Filters::read(i)?;
    f.check(&[
        "vpc-id",
        "subnet-id",
        "availability-zone",
        "default-for-az",
        "defaultForAz",
        "cidr",
        "cidr-block",
        "cidrBlock",
        "state",
        "owner-id",
        "map-public-ip-on-launch",
    ])?;
    // The subnets of the VPCs the filter names (exact ids), else of the default VPC.
    let vpcs: Vec<VpcId> = match f.take_exact("vpc-id") {
        Some(values) => values.iter().map(|v| id_of(v, VPC)).collect::<Result<_>>()?,
        None => match sim.default_vpc().await {
            Ok(v) => vec![v.id],
            Err(e) if e.code() == Some("InvalidVpcID.NotFound") => Vec::new(),
            Err(e) => return Err(e),
        },
    };
    let mut subnets = Vec::new();
    for vpc in vpcs {
        subnets.extend(sim.describe_subnets(vpc).await?);
    }
    if !wanted.is_empty() {
        if let Some(id) = wanted.iter().find(|w| !subnets.iter().any(|s| &s.id == *w)) {
            return Err(api(
                "InvalidSubnetID.NotFound",
                format!("The subnet ID '{id}' does not exist"),
            ));
        }
        subnets.retain(|s| wanted.contains(&s.id));
    }
    let account = sim.config().account_id.clone();
    let subnets = f.keep(subnets, |s, name| match name {
        "subnet-id" => vec![s.id.to_string()],
        "availability-zone" => vec![s.availability_zone.to_string()],
        "default-for-az" | "defaultForAz" | "map-public-ip-on-launch" => vec![s.default_for_az.to_string()],
        "cidr" | "cidr-block" | "cidrBlock" => vec![s.cidr_block.clone()],
        "state" => vec!["available".into()],
        "owner-id" => vec![account.clone()],
        "vpc-id" => vec![s.vpc_id.to_string()],
        _ => Vec::new(),
    });
    let (page, next) = paged(&subnets, i)?;
    let items: Vec<Value> = page
        .iter()
        .map(|s| {
            json!({
                "subnetId": s.id.as_str(),
                "vpcId": s.vpc_id.as_str(),
                "availabilityZone": s.availability_zone.as_str(),
                "cidrBlock": s.cidr_block,
                "defaultForAz": s.default_for_az,
                "mapPublicIpOnLaunch": s.default_for_az,
                "state": "available",
                "ownerId": account,
                "tagSet": [],
            })
        })
        .collect();
    Ok(with_next(json!({"subnetSet": items}), next))
}

async fn describe_images(sim: &Front, i: Input<'_>) -> Result<Value> {
    let mut f = Filters::read(i)?;
    f.check(&[
        "name",
        "architecture",
        "image-id",
        "owner-id",
        "owner-alias",
        "state",
        "root-device-type",
        "root-device-name",
        "image-type",
        "is-public",
        "virtualization-type",
    ])?;
    let req = DescribeImagesRequest {
        image_ids: ids(i, "ImageId", IMAGE)?,
        owners: strings(i, "Owner")?,
        // The simulator matches the name pattern itself (`*` and `?`).
        name_pattern: f.take_single("name"),
        architecture: f.take_exact_single("architecture"),
    };
    let account = sim.config().account_id.clone();
    let images = sim.describe_images(req).await?;
    let images = f.keep(images, |img, name| match name {
        "name" => vec![img.name.clone()],
        "architecture" => vec![img.architecture.clone()],
        "image-id" => vec![img.id.to_string()],
        "owner-id" => vec![img.owner_id.clone()],
        "owner-alias" => vec![if img.owner_id == account { "self" } else { "amazon" }.into()],
        "state" => vec![img.state.clone()],
        "root-device-type" => img.root_device_type.iter().cloned().collect(),
        "root-device-name" => img.root_device_name.iter().cloned().collect(),
        "image-type" => vec!["machine".into()],
        "is-public" => vec![(img.owner_id != account).to_string()],
        "virtualization-type" => vec!["hvm".into()],
        _ => Vec::new(),
    });
    let (page, next) = paged(&images, i)?;
    let items: Vec<Value> = page
        .iter()
        .map(|img| {
            let mut v = Obj::new()
                .set("imageId", img.id.as_str())
                .set("name", img.name.as_str())
                .set("imageOwnerId", img.owner_id.as_str())
                .set("creationDate", img.creation_date.as_str())
                .set("architecture", img.architecture.as_str())
                .set("imageState", img.state.as_str())
                .set("imageType", "machine")
                .set("isPublic", img.owner_id != account)
                .set("virtualizationType", "hvm")
                .set("hypervisor", "xen")
                .set("enaSupport", true)
                .opt("rootDeviceName", img.root_device_name.as_deref())
                .opt("rootDeviceType", img.root_device_type.as_deref());
            if let (Some(dev), Some(size)) = (&img.root_device_name, img.root_volume_size_gib) {
                v = v.set(
                    "blockDeviceMapping",
                    json!([{
                        "deviceName": dev,
                        "ebs": {"volumeSize": size, "deleteOnTermination": true, "volumeType": "gp3", "encrypted": false},
                    }]),
                );
            }
            v.done()
        })
        .collect();
    Ok(with_next(json!({"imagesSet": items}), next))
}

async fn describe_security_groups(sim: &Front, i: Input<'_>) -> Result<Value> {
    let mut f = Filters::read(i)?;
    f.check(&["group-name", "vpc-id", "group-id", "description", "owner-id"])?;
    let names = strings(i, "GroupName")?;
    let req = DescribeSecurityGroupsRequest {
        group_ids: ids(i, "GroupId", GROUP)?,
        group_names: if names.is_empty() {
            f.take_exact("group-name").unwrap_or_default()
        } else {
            names.clone()
        },
        vpc_id: f.take_exact_single("vpc-id").map(|v| id_of(&v, VPC)).transpose()?,
        tags: f.take_tags(),
    };
    let account = sim.config().account_id.clone();
    let groups = sim.describe_security_groups(req).await?;
    // A name asked for (not filtered) that matches no group is an error, as in EC2.
    if let Some(n) = names.iter().find(|n| !groups.iter().any(|g| &g.name == *n)) {
        return Err(api(
            "InvalidGroup.NotFound",
            format!("The security group '{n}' does not exist in default VPC"),
        ));
    }
    let groups = f.keep(groups, |g, name| match name {
        "group-id" => vec![g.id.to_string()],
        "group-name" => vec![g.name.clone()],
        "description" => vec![g.description.clone()],
        "vpc-id" => vec![g.vpc_id.to_string()],
        "owner-id" => vec![account.clone()],
        n => tag_values(&g.tags, n),
    });
    let (page, next) = paged(&groups, i)?;
    let items: Vec<Value> = page
        .iter()
        .map(|g| {
            json!({
                "groupId": g.id.as_str(),
                "groupName": g.name,
                "groupDescription": g.description,
                "vpcId": g.vpc_id.as_str(),
                "ownerId": account,
                "ipPermissions": permissions_json(&g.ingress),
                // The simulator models no egress rules: AWS's default, everything out.
                "ipPermissionsEgress": [{"ipProtocol": "-1", "ipRanges": [{"cidrIp": "0.0.0.0/0"}]}],
                "tagSet": tag_set(&g.tags),
            })
        })
        .collect();
    Ok(with_next(json!({"securityGroupInfo": items}), next))
}

async fn describe_instances(sim: &Front, i: Input<'_>) -> Result<Value> {
    let instance_ids: Vec<InstanceId> = ids(i, "InstanceId", INSTANCE)?;
    if !instance_ids.is_empty() && i.get("MaxResults").is_some() {
        return Err(api(
            "InvalidParameterCombination",
            "The parameter instancesSet cannot be used with the parameter maxResults",
        ));
    }
    let mut f = Filters::read(i)?;
    f.check(&[
        "instance-state-name",
        "instance-state-code",
        "instance-id",
        "image-id",
        "instance-type",
        "vpc-id",
        "subnet-id",
        "availability-zone",
        "key-name",
        "private-ip-address",
        "ip-address",
        "instance.group-id",
        "group-id",
        "placement-group-name",
        "tenancy",
        "root-device-name",
        "metadata-options.http-tokens",
    ])?;
    let req = DescribeInstancesRequest {
        instance_ids,
        tags: f.take_tags(),
        states: f
            .take_exact("instance-state-name")
            .map(|v| v.iter().map(|s| InstanceState::from(s.as_str())).collect())
            .unwrap_or_default(),
    };
    let all = sim.describe_instances(req).await?;
    let all = f.keep(all, |x, name| match name {
        "instance-state-name" => vec![x.state.as_str().to_string()],
        "instance-state-code" => vec![state_code(&x.state).to_string()],
        "instance-id" => vec![x.id.to_string()],
        "image-id" => vec![x.image_id.to_string()],
        "instance-type" => vec![x.instance_type.to_string()],
        "vpc-id" => x.vpc_id.iter().map(ToString::to_string).collect(),
        "subnet-id" => x.subnet_id.iter().map(ToString::to_string).collect(),
        "availability-zone" => vec![x.availability_zone.to_string()],
        "key-name" => x.key_name.iter().cloned().collect(),
        "private-ip-address" => x.private_ip.iter().cloned().collect(),
        "ip-address" => x.public_ip.iter().cloned().collect(),
        "instance.group-id" | "group-id" => x.security_groups.iter().map(ToString::to_string).collect(),
        "placement-group-name" => x.placement_group.iter().cloned().collect(),
        "tenancy" => vec![x.tenancy.as_str().to_string()],
        "root-device-name" => x.root_device_name.iter().cloned().collect(),
        "metadata-options.http-tokens" => {
            vec![if x.http_tokens_required { "required" } else { "optional" }.into()]
        }
        n => tag_values(&x.tags, n),
    });
    let (page, next) = paged(&all, i)?;
    let names = group_names(sim).await;
    let account = sim.config().account_id.clone();
    // The simulator keeps no reservations: each instance is answered in one of its own.
    let reservations: Vec<Value> = page
        .iter()
        .map(|x| {
            json!({
                "reservationId": format!("r-{}", x.id.as_str().trim_start_matches("i-")),
                "ownerId": account,
                "groupSet": [],
                "instancesSet": [instance_json(x, &names)],
            })
        })
        .collect();
    Ok(with_next(json!({"reservationSet": reservations}), next))
}

async fn describe_instance_status(sim: &Front, i: Input<'_>) -> Result<Value> {
    let f = Filters::read(i)?;
    f.check(&[
        "availability-zone",
        "instance-state-name",
        "instance-state-code",
        "instance-status.status",
        "system-status.status",
    ])?;
    let req = DescribeInstanceStatusRequest {
        instance_ids: ids(i, "InstanceId", INSTANCE)?,
        include_all_instances: i.bool("IncludeAllInstances", invalid)?.unwrap_or(false),
    };
    let all = sim.describe_instance_status(req).await?;
    let all = f.keep(all, |s, name| match name {
        "availability-zone" => vec![s.availability_zone.to_string()],
        "instance-state-name" => vec![s.state.as_str().to_string()],
        "instance-state-code" => vec![state_code(&s.state).to_string()],
        "instance-status.status" => vec![s.instance_status.as_str().to_string()],
        "system-status.status" => vec![s.system_status.as_str().to_string()],
        _ => Vec::new(),
    });
    let (page, next) = paged(&all, i)?;
    let summary = |s: &SummaryStatus| {
        let detail = match s {
            SummaryStatus::Ok => Some("passed"),
            SummaryStatus::Impaired => Some("failed"),
            SummaryStatus::Initializing => Some("initializing"),
            SummaryStatus::InsufficientData => Some("insufficient-data"),
            _ => None,
        };
        let mut v = json!({"status": s.as_str()});
        if let Some(d) = detail {
            v["details"] = json!([{"name": "reachability", "status": d}]);
        }
        v
    };
    let items: Vec<Value> = page
        .iter()
        .map(|s| {
            json!({
                "instanceId": s.instance_id.as_str(),
                "availabilityZone": s.availability_zone.as_str(),
                "instanceState": state_json(&s.state),
                "instanceStatus": summary(&s.instance_status),
                "systemStatus": summary(&s.system_status),
            })
        })
        .collect();
    Ok(with_next(json!({"instanceStatusSet": items}), next))
}

async fn describe_instance_types(sim: &Front, i: Input<'_>) -> Result<Value> {
    let mut f = Filters::read(i)?;
    f.check(&[
        "processor-info.supported-architecture",
        "instance-type",
        "current-generation",
        "burstable-performance-supported",
        "free-tier-eligible",
        "vcpu-info.default-vcpus",
        "memory-info.size-in-mib",
    ])?;
    let types = strings(i, "InstanceType")?
        .iter()
        .map(|t| {
            t.parse::<InstanceType>().map_err(|e| {
                api(
                    "InvalidInstanceType",
                    format!("The instance type '{t}' is not valid ({e})"),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let req = DescribeInstanceTypesRequest {
        instance_types: types,
        architecture: f.take_exact_single("processor-info.supported-architecture"),
    };
    let all = sim.describe_instance_types(req).await?;
    let all = f.keep(all, |t, name| match name {
        "processor-info.supported-architecture" => t.architectures.clone(),
        "instance-type" => vec![t.instance_type.to_string()],
        "current-generation" => vec![t.current_generation.to_string()],
        "burstable-performance-supported" => vec![t.burstable.to_string()],
        "free-tier-eligible" => vec![t.free_tier_eligible.to_string()],
        "vcpu-info.default-vcpus" => vec![t.vcpus.to_string()],
        "memory-info.size-in-mib" => vec![t.memory_mib.to_string()],
        _ => Vec::new(),
    });
    let (page, next) = paged(&all, i)?;
    let items: Vec<Value> = page
        .iter()
        .map(|t| {
            json!({
                "instanceType": t.instance_type.as_str(),
                "currentGeneration": t.current_generation,
                "freeTierEligible": t.free_tier_eligible,
                "burstablePerformanceSupported": t.burstable,
                "supportedInRegion": true,
                "processorInfo": {"supportedArchitectures": t.architectures},
                "vCpuInfo": {"defaultVCpus": t.vcpus},
                "memoryInfo": {"sizeInMiB": t.memory_mib},
            })
        })
        .collect();
    Ok(with_next(json!({"instanceTypeSet": items}), next))
}

async fn describe_key_pairs(sim: &Front, i: Input<'_>) -> Result<Value> {
    let mut f = Filters::read(i)?;
    f.check(&["key-name", "key-pair-id", "fingerprint", "key-type"])?;
    let pair_ids = strings(i, "KeyPairId")?;
    let req = DescribeKeyPairsRequest {
        names: strings(i, "KeyName")?,
        tags: f.take_tags(),
    };
    let mut all = sim.describe_key_pairs(req).await?;
    if !pair_ids.is_empty() {
        if let Some(id) = pair_ids.iter().find(|p| !all.iter().any(|k| &&k.id == p)) {
            return Err(api(
                "InvalidKeyPair.NotFound",
                format!("The key pair '{id}' does not exist"),
            ));
        }
        all.retain(|k| pair_ids.contains(&k.id));
    }
    let all = f.keep(all, |k, name| match name {
        "key-name" => vec![k.name.clone()],
        "key-pair-id" => vec![k.id.clone()],
        "fingerprint" => vec![k.fingerprint.clone()],
        "key-type" => vec![k.key_type.as_str().to_string()],
        n => tag_values(&k.tags, n),
    });
    // DescribeKeyPairs has no paging: one answer holds every match.
    Ok(json!({"keySet": all.iter().map(key_pair_json).collect::<Vec<_>>()}))
}

async fn describe_volumes(sim: &Front, i: Input<'_>) -> Result<Value> {
    let volume_ids: Vec<VolumeId> = ids(i, "VolumeId", VOLUME)?;
    if !volume_ids.is_empty() && i.get("MaxResults").is_some() {
        return Err(api(
            "InvalidParameterCombination",
            "The parameter volumeSet cannot be used with the parameter maxResults",
        ));
    }
    let mut f = Filters::read(i)?;
    f.check(&[
        "attachment.instance-id",
        "attachment.device",
        "attachment.status",
        "attachment.delete-on-termination",
        "volume-id",
        "status",
        "volume-type",
        "availability-zone",
        "snapshot-id",
        "size",
        "encrypted",
        "multi-attach-enabled",
    ])?;
    let req = DescribeVolumesRequest {
        volume_ids,
        tags: f.take_tags(),
        attached_to: f
            .take_exact_single("attachment.instance-id")
            .map(|v| id_of(&v, INSTANCE))
            .transpose()?,
    };
    let all = sim.describe_volumes(req).await?;
    let all = f.keep(all, |v, name| match name {
        "attachment.instance-id" => v.attachments.iter().map(|a| a.instance_id.to_string()).collect(),
        "attachment.device" => v.attachments.iter().map(|a| a.device.clone()).collect(),
        "attachment.status" => v.attachments.iter().map(|a| a.state.as_str().to_string()).collect(),
        "attachment.delete-on-termination" => v
            .attachments
            .iter()
            .map(|a| a.delete_on_termination.to_string())
            .collect(),
        "volume-id" => vec![v.id.to_string()],
        "status" => vec![v.state.as_str().to_string()],
        "volume-type" => vec![v.volume_type.as_str().to_string()],
        "availability-zone" => vec![v.availability_zone.to_string()],
        "snapshot-id" => v.snapshot_id.iter().map(ToString::to_string).collect(),
        "size" => vec![v.size_gib.to_string()],
        "encrypted" => vec![v.encrypted.to_string()],
        "multi-attach-enabled" => vec!["false".into()],
        n => tag_values(&v.tags, n),
    });
    let (page, next) = paged(&all, i)?;
    Ok(with_next(
        json!({"volumeSet": page.iter().map(volume_json).collect::<Vec<_>>()}),
        next,
    ))
}

async fn describe_volumes_modifications(sim: &Front, i: Input<'_>) -> Result<Value> {
    let f = Filters::read(i)?;
    f.check(&[
        "volume-id",
        "modification-state",
        "target-size",
        "target-iops",
        "target-volume-type",
        "target-throughput",
        "original-size",
        "original-iops",
        "original-volume-type",
        "original-throughput",
    ])?;
    let mut wanted: Vec<VolumeId> = ids(i, "VolumeId", VOLUME)?;
    if wanted.is_empty() {
        // Without ids: the modifications of every volume.
        wanted = sim
            .describe_volumes(DescribeVolumesRequest::default())
            .await?
            .into_iter()
            .map(|v| v.id)
            .collect();
    }
    let all = if wanted.is_empty() {
        Vec::new()
    } else {
        sim.describe_volumes_modifications(wanted).await?
    };
    let num = |n: Option<u32>| n.iter().map(ToString::to_string).collect::<Vec<_>>();
    let vt = |t: &Option<VolumeType>| t.iter().map(|t| t.as_str().to_string()).collect::<Vec<_>>();
    let all = f.keep(all, |m, name| match name {
        "volume-id" => vec![m.volume_id.to_string()],
        "modification-state" => vec![m.state.as_str().to_string()],
        "target-size" => num(m.target_size_gib),
        "target-iops" => num(m.target_iops),
        "target-throughput" => num(m.target_throughput),
        "target-volume-type" => vt(&m.target_volume_type),
        "original-size" => num(m.original_size_gib),
        "original-iops" => num(m.original_iops),
        "original-throughput" => num(m.original_throughput),
        "original-volume-type" => vt(&m.original_volume_type),
        _ => Vec::new(),
    });
    let (page, next) = paged(&all, i)?;
    Ok(with_next(
        json!({"volumeModificationSet": page.iter().map(modification_json).collect::<Vec<_>>()}),
        next,
    ))
}

async fn describe_snapshots(sim: &Front, i: Input<'_>) -> Result<Value> {
    let snapshot_ids: Vec<SnapshotId> = ids(i, "SnapshotId", SNAPSHOT)?;
    if !snapshot_ids.is_empty() && i.get("MaxResults").is_some() {
        return Err(api(
            "InvalidParameterCombination",
            "The parameter snapshotSet cannot be used with the parameter maxResults",
        ));
    }
    let mut f = Filters::read(i)?;
    f.check(&[
        "volume-id",
        "snapshot-id",
        "status",
        "encrypted",
        "volume-size",
        "description",
        "owner-id",
        "progress",
    ])?;
    let account = sim.config().account_id.clone();
    // Every simulated snapshot is the caller's own: owners that exclude the caller find none.
    let owners = strings(i, "Owner")?;
    let mine = owners.is_empty() || owners.iter().any(|o| o == "self" || *o == account);
    let req = DescribeSnapshotsRequest {
        snapshot_ids,
        tags: f.take_tags(),
        volume_id: f
            .take_exact_single("volume-id")
            .map(|v| id_of(&v, VOLUME))
            .transpose()?,
    };
    let all = sim.describe_snapshots(req).await?;
    let all = if mine { all } else { Vec::new() };
    let all = f.keep(all, |s, name| match name {
        "volume-id" => s.volume_id.iter().map(ToString::to_string).collect(),
        "snapshot-id" => vec![s.id.to_string()],
        "status" => vec![s.state.as_str().to_string()],
        "encrypted" => vec![s.encrypted.to_string()],
        "volume-size" => vec![s.volume_size_gib.to_string()],
        "description" => s.description.iter().cloned().collect(),
        "owner-id" => vec![account.clone()],
        "progress" => vec![format!("{}%", s.progress.unwrap_or(100))],
        n => tag_values(&s.tags, n),
    });
    let (page, next) = paged(&all, i)?;
    Ok(with_next(
        json!({"snapshotSet": page.iter().map(|s| snapshot_json(s, &account)).collect::<Vec<_>>()}),
        next,
    ))
}

async fn describe_launch_templates(sim: &Front, i: Input<'_>) -> Result<Value> {
    let mut f = Filters::read(i)?;
    f.check(&["launch-template-name", "launch-template-id"])?;
    let req = DescribeLaunchTemplatesRequest {
        ids: ids(i, "LaunchTemplateId", TEMPLATE)?,
        names: strings(i, "LaunchTemplateName")?,
        tags: f.take_tags(),
    };
    let all = sim.describe_launch_templates(req).await?;
    let all = f.keep(all, |t, name| match name {
        "launch-template-name" => vec![t.name.clone()],
        "launch-template-id" => vec![t.id.to_string()],
        n => tag_values(&t.tags, n),
    });
    let (page, next) = paged(&all, i)?;
    let account = sim.config().account_id.clone();
    Ok(with_next(
        json!({"launchTemplates": page.iter().map(|t| template_json(t, &account)).collect::<Vec<_>>()}),
        next,
    ))
}

async fn describe_launch_template_versions(sim: &Front, i: Input<'_>) -> Result<Value> {
    let f = Filters::read(i)?;
    f.check(&["is-default-version", "image-id", "instance-type", "key-name"])?;
    let template = template_ref(i)?;
    let versions = strings(i, "LaunchTemplateVersion")?
        .iter()
        .map(|v| template_version(v))
        .collect::<Result<Vec<_>>>()?;
    let min: Option<u64> = version_bound(i, "MinVersion")?;
    let max: Option<u64> = version_bound(i, "MaxVersion")?;
    let mut all = sim.describe_launch_template_versions(template, versions).await?;
    all.retain(|v| min.is_none_or(|m| v.version >= m) && max.is_none_or(|m| v.version <= m));
    let all = f.keep(all, |v, name| match name {
        "is-default-version" => vec![v.is_default.to_string()],
        "image-id" => v.data.image_id.iter().map(ToString::to_string).collect(),
        "instance-type" => v.data.instance_type.iter().map(ToString::to_string).collect(),
        "key-name" => v.data.key_name.iter().cloned().collect(),
        _ => Vec::new(),
    });
    let (page, next) = paged(&all, i)?;
    let account = sim.config().account_id.clone();
    Ok(with_next(
        json!({"launchTemplateVersionSet": page.iter().map(|v| template_version_json(v, &account)).collect::<Vec<_>>()}),
        next,
    ))
}

fn version_bound(i: Input<'_>, k: &str) -> Result<Option<u64>> {
    text(i, k)?
        .map(|v| {
            v.parse()
                .map_err(|_| invalid(format!("{k}: {v:?} is not a version number")))
        })
        .transpose()
}

async fn delete_launch_template_versions(sim: &Front, i: Input<'_>) -> Result<Value> {
    let template = template_ref(i)?;
    let t = the_template(sim, template.clone()).await?;
    let versions = strings(i, "LaunchTemplateVersion")?
        .iter()
        .map(|v| template_version(v))
        .collect::<Result<Vec<_>>>()?;
    let numbers: Vec<u64> = versions
        .iter()
        .filter_map(|v| match v {
            TemplateVersion::Number(n) => Some(*n),
            _ => None,
        })
        .collect();
    let entry = |n: u64| json!({"launchTemplateId": t.id.as_str(), "launchTemplateName": t.name, "versionNumber": n});
    // AWS answers success and lists each version it did not delete; the simulator reports
    // the first one as an error whose message names it.
    let failed = match sim.delete_launch_template_versions(template, versions).await {
        Ok(()) => None,
        Err(e) if matches!(e.code(), Some("unexpectedError" | "launchTemplateVersionDoesNotExist")) => {
            let api_e = e.api_error().cloned();
            let message = api_e.as_ref().map(|a| a.message.clone()).unwrap_or_default();
            let n = message
                .strip_prefix("version ")
                .and_then(|m| m.split(' ').next())
                .and_then(|n| n.parse::<u64>().ok())
                .or_else(|| numbers.first().copied())
                .unwrap_or_default();
            let why = message
                .split_once(": ")
                .map_or(message.as_str(), |(_, w)| w)
                .to_string();
            Some((n, e.code().unwrap_or("unexpectedError").to_string(), why))
        }
        Err(e) => return Err(e),
    };
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for n in &numbers {
        match &failed {
            Some((f, code, why)) if f == n => {
                let mut v = entry(*n);
                v["responseError"] = json!({"code": code, "message": why});
                bad.push(v);
            }
            _ => ok.push(entry(*n)),
        }
    }
    Ok(json!({
        "successfullyDeletedLaunchTemplateVersionSet": ok,
        "unsuccessfullyDeletedLaunchTemplateVersionSet": bad,
    }))
}

async fn describe_addresses(sim: &Front, i: Input<'_>) -> Result<Value> {
    let mut f = Filters::read(i)?;
    f.check(&[
        "allocation-id",
        "association-id",
        "instance-id",
        "public-ip",
        "private-ip-address",
        "domain",
    ])?;
    let public_ips = strings(i, "PublicIp")?;
    let req = DescribeAddressesRequest {
        allocation_ids: ids(i, "AllocationId", ALLOCATION)?,
        tags: f.take_tags(),
    };
    let mut all = sim.describe_addresses(req).await?;
    if !public_ips.is_empty() {
        if let Some(ip) = public_ips.iter().find(|p| !all.iter().any(|a| &&a.public_ip == p)) {
            return Err(api("InvalidAddress.NotFound", format!("Address '{ip}' not found.")));
        }
        all.retain(|a| public_ips.contains(&a.public_ip));
    }
    let all = f.keep(all, |a, name| match name {
        "allocation-id" => vec![a.allocation_id.to_string()],
        "association-id" => a.association_id.iter().map(ToString::to_string).collect(),
        "instance-id" => a.instance_id.iter().map(ToString::to_string).collect(),
        "public-ip" => vec![a.public_ip.clone()],
        "private-ip-address" => a.private_ip.iter().cloned().collect(),
        "domain" => vec!["vpc".into()],
        n => tag_values(&a.tags, n),
    });
    // DescribeAddresses has no paging.
    let items: Vec<Value> = all
        .iter()
        .map(|a| {
            Obj::new()
                .set("allocationId", a.allocation_id.as_str())
                .set("publicIp", a.public_ip.as_str())
                .set("domain", "vpc")
                .set("publicIpv4Pool", "amazon")
                .opt("associationId", a.association_id.as_ref().map(|x| x.as_str()))
                .opt("instanceId", a.instance_id.as_ref().map(|x| x.as_str()))
                .opt("privateIpAddress", a.private_ip.as_deref())
                .set("tagSet", tag_set(&a.tags))
                .done()
        })
        .collect();
    Ok(json!({"addressesSet": items}))
}

// ---------------------------------------------------------------------------------------------
// Input shapes

const INSTANCE: &str = "InvalidInstanceID.Malformed";
const VOLUME: &str = "InvalidVolumeID.Malformed";
const SNAPSHOT: &str = "InvalidSnapshotID.Malformed";
const IMAGE: &str = "InvalidAMIID.Malformed";
const GROUP: &str = "InvalidGroupId.Malformed";
const VPC: &str = "InvalidVpcID.Malformed";
const SUBNET: &str = "InvalidSubnetID.Malformed";
const ALLOCATION: &str = "InvalidAllocationID.Malformed";
const ASSOCIATION: &str = "InvalidAssociationID.Malformed";
const TEMPLATE: &str = "InvalidLaunchTemplateId.Malformed";

/// A text member: absent is `None`; anything but one value (a list, a structure) is refused.
fn text<'a>(i: Input<'a>, k: &str) -> Result<Option<&'a str>> {
    match i.0.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(format!(
            "The parameter {k} takes one value (got a list or structure)."
        ))),
    }
}

fn required<'a>(i: Input<'a>, k: &str) -> Result<&'a str> {
    text(i, k)?.ok_or_else(|| missing(format!("The request must contain the parameter {k}")))
}

/// A list member's items (`Name.1`, `Name.2`, ...): absent or the empty `Name=` is none;
/// anything else that is not a list (`Name=x`, `Name.x=y`) is refused.
fn items<'a>(i: Input<'a>, k: &str) -> Result<Vec<Input<'a>>> {
    match i.0.get(k) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a.iter().map(Input).collect()),
        Some(_) => Err(invalid(format!(
            "The parameter {k} is a list: send it as {k}.1, {k}.2, ..."
        ))),
    }
}

fn strings(i: Input<'_>, k: &str) -> Result<Vec<String>> {
    items(i, k)?
        .into_iter()
        .map(|v| {
            v.0.as_str()
                .map(str::to_string)
                .ok_or_else(|| invalid(format!("The items of {k} are values (got a structure).")))
        })
        .collect()
}

/// A typed id; a malformed one is the id kind's `.Malformed` code.
fn id_of<T: std::str::FromStr<Err = Error>>(s: &str, malformed: &str) -> Result<T> {
    s.parse().map_err(|e: Error| {
        let why = match &e {
            Error::Validation { rule, .. } => rule.clone(),
            other => other.to_string(),
        };
        api(malformed, format!("Invalid id: \"{s}\" ({why})"))
    })
}

fn opt_id<T: std::str::FromStr<Err = Error>>(i: Input<'_>, k: &str, malformed: &str) -> Result<Option<T>> {
    text(i, k)?.map(|s| id_of(s, malformed)).transpose()
}

fn ids<T: std::str::FromStr<Err = Error>>(i: Input<'_>, k: &str, malformed: &str) -> Result<Vec<T>> {
    strings(i, k)?.iter().map(|s| id_of(s, malformed)).collect()
}

fn zone(s: &str) -> Result<AvailabilityZone> {
    s.parse()
        .map_err(|_| invalid(format!("Invalid availability zone: [{s}]")))
}

fn volume_type(s: &str) -> Result<VolumeType> {
    VolumeType::parse(s).ok_or_else(|| {
        invalid(format!(
            "Value ({s}) for parameter volumeType is invalid. Valid types: gp3, gp2, io1, io2, st1, sc1, standard"
        ))
    })
}

/// `Tag.N.Key` / `Tag.N.Value` pairs.
fn tag_list(i: Input<'_>, k: &str) -> Result<Tags> {
    items(i, k)?
        .into_iter()
        .map(|t| {
            Ok((
                required(t, "Key")?.to_string(),
                text(t, "Value")?.unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// `TagSpecification.N`: (resource type, tags) pairs.
fn tag_specs(i: Input<'_>, k: &str) -> Result<Vec<(String, Tags)>> {
    items(i, k)?
        .into_iter()
        .map(|s| {
            Ok((
                text(s, "ResourceType")?.unwrap_or_default().to_string(),
                tag_list(s, "Tag")?,
            ))
        })
        .collect()
}

/// The tags of the first tag specification of one of `kinds` (in that order of preference).
fn tags_of_kind(i: Input<'_>, k: &str, kinds: &[&str]) -> Result<Tags> {
    let specs = tag_specs(i, k)?;
    Ok(kinds
        .iter()
        .find_map(|kind| specs.iter().find(|(t, _)| t == kind).map(|(_, tags)| tags.clone()))
        .unwrap_or_default())
}

fn user_data(i: Input<'_>) -> Result<Option<crate::SecretString>> {
    text(i, "UserData")?
        .map(|b64| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| invalid("Invalid BASE64 encoding of user data.".into()))?;
            Ok(crate::SecretString::from(String::from_utf8_lossy(&bytes).into_owned()))
        })
        .transpose()
}

fn http_tokens_required(i: Input<'_>) -> Result<bool> {
    match i.get("MetadataOptions") {
        Some(m) => match text(m, "HttpTokens")? {
            Some("required") => Ok(true),
            Some("optional") | None => Ok(false),
            Some(other) => Err(invalid(format!(
                "MetadataOptions.HttpTokens: {other:?} is not required or optional"
            ))),
        },
        None => Ok(false),
    }
}

fn instance_profile(i: Input<'_>) -> Result<Option<String>> {
    let Some(p) = i.get("IamInstanceProfile") else {
        return Ok(None);
    };
    Ok(match (text(p, "Name")?, text(p, "Arn")?) {
        (Some(n), _) => Some(n.to_string()),
        (None, Some(arn)) => Some(arn.rsplit('/').next().unwrap_or(arn).to_string()),
        (None, None) => None,
    })
}

fn placement(i: Input<'_>) -> Result<Option<Placement>> {
    let Some(p) = i.get("Placement") else {
        return Ok(None);
    };
    Ok(Some(Placement {
        availability_zone: text(p, "AvailabilityZone")?.map(zone).transpose()?,
        group_name: text(p, "GroupName")?.filter(|g| !g.is_empty()).map(str::to_string),
        tenancy: match text(p, "Tenancy")? {
            Some(t) => {
                Tenancy::parse(t).ok_or_else(|| invalid(format!("Placement.Tenancy: {t:?} is not a tenancy")))?
            }
            None => Tenancy::Default,
        },
    }))
}

/// One `BlockDeviceMapping.N` (`None`: not an EBS mapping: `NoDevice`, instance store).
fn launch_volume(m: Input<'_>) -> Result<Option<LaunchVolume>> {
    let device = required(m, "DeviceName")?.to_string();
    let Some(e) = m.get("Ebs") else {
        return Ok(None);
    };
    if !e.0.is_object() {
        return Err(invalid(format!("BlockDeviceMapping {device}: Ebs is a structure")));
    }
    Ok(Some(LaunchVolume {
        device_name: device,
        size_gib: e.num("VolumeSize", invalid)?,
        // AWS's default type for a mapping is gp2; the SDK adapter always sends it.
        volume_type: match text(e, "VolumeType")? {
            Some(t) => volume_type(t)?,
            None => VolumeType::Gp2,
        },
        iops: e.num("Iops", invalid)?,
        throughput: e.num("Throughput", invalid)?,
        snapshot_id: opt_id(e, "SnapshotId", SNAPSHOT)?,
        encrypted: e.bool("Encrypted", invalid)?.unwrap_or(false),
        kms_key_id: text(e, "KmsKeyId")?.map(str::to_string),
        delete_on_termination: e.bool("DeleteOnTermination", invalid)?.unwrap_or(true),
    }))
}

fn launch_volumes(i: Input<'_>) -> Result<Vec<LaunchVolume>> {
    Ok(items(i, "BlockDeviceMapping")?
        .into_iter()
        .map(launch_volume)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect())
}

/// Whether a mapping is the encrypted root volume the crate maps (gp3, encrypted, deleted on
/// termination, nothing else set but its size and KMS key).
fn is_encrypted_root_shape(v: &LaunchVolume) -> bool {
    v.encrypted
        && v.volume_type == VolumeType::Gp3
        && v.delete_on_termination
        && v.iops.is_none()
        && v.throughput.is_none()
        && v.snapshot_id.is_none()
}

async fn run_request(sim: &Front, i: Input<'_>) -> Result<RunInstancesRequest> {
    let min: u32 = i
        .num("MinCount", invalid)?
        .ok_or_else(|| missing("The request must contain the parameter MinCount".into()))?;
    let max: u32 = i
        .num("MaxCount", invalid)?
        .ok_or_else(|| missing("The request must contain the parameter MaxCount".into()))?;
    if min > max || min == 0 {
        return Err(invalid(format!(
            "MinCount ({min}) must be at least 1 and at most MaxCount ({max})"
        )));
    }
    let image_id: Option<ImageId> = opt_id(i, "ImageId", IMAGE)?;
    let launch_template = match i.get("LaunchTemplate") {
        Some(lt) => Some(LaunchTemplateSpec {
            template: template_ref(lt)?,
            version: text(lt, "Version")?
                .map(template_version)
                .transpose()?
                .unwrap_or_default(),
        }),
        None => None,
    };
    let mut security_group_ids: Vec<SecurityGroupId> = ids(i, "SecurityGroupId", GROUP)?;
    for name in strings(i, "SecurityGroup")? {
        security_group_ids.push(group_by_name(sim, &name).await?);
    }
    let specs = tag_specs(i, "TagSpecification")?;
    let tags = ["instance", "volume"]
        .iter()
        .find_map(|kind| specs.iter().find(|(t, _)| t == kind).map(|(_, tags)| tags.clone()))
        .unwrap_or_default();
    let mut volumes = launch_volumes(i)?;
    // The encrypted root mapping the SDK adapter sends for the image's root device becomes the
    // request's root-volume settings again; other mappings are extra volumes (one of the
    // image's root device that is not that shape reshapes the root volume).
    let mut root = None;
    if let Some(image_id) = &image_id {
        let req = DescribeImagesRequest {
            image_ids: vec![image_id.clone()],
            ..Default::default()
        };
        let device = match sim.describe_images(req).await {
            Ok(found) => found.into_iter().next().and_then(|img| img.root_device_name),
            // An unknown image: RunInstances itself says so.
            Err(_) => None,
        };
        if let Some(device) = device
            && let Some(at) = volumes
                .iter()
                .position(|v| v.device_name == device && is_encrypted_root_shape(v))
        {
            root = Some(volumes.remove(at));
        }
    }
    Ok(RunInstancesRequest {
        image_id,
        instance_type: text(i, "InstanceType")?
            .map(|t| t.parse().map_err(|e: Error| invalid(format!("InstanceType: {e}"))))
            .transpose()?,
        launch_template,
        count: max,
        subnet_id: opt_id(i, "SubnetId", SUBNET)?,
        security_group_ids,
        user_data: user_data(i)?,
        tags,
        require_imdsv2: http_tokens_required(i)?,
        client_token: text(i, "ClientToken")?.map(str::to_string),
        instance_profile: instance_profile(i)?,
        key_name: text(i, "KeyName")?.map(str::to_string),
        encrypt_root_volume: root.is_some(),
        root_kms_key_id: root.as_ref().and_then(|r| r.kms_key_id.clone()),
        root_volume_size_gib: root.as_ref().and_then(|r| r.size_gib),
        root_device_name: root.map(|r| r.device_name),
        volumes,
        placement: placement(i)?,
    })
}

/// `LaunchTemplateData` as the crate's data. The simulator stores a version's root volume
/// among its mappings, so every mapping stays a mapping; only a root mapping without a size
/// (the image's size) is the root-volume setting again.
fn template_data(i: Input<'_>) -> Result<LaunchTemplateData> {
    let d = i
        .get("LaunchTemplateData")
        .ok_or_else(|| missing("The request must contain the parameter LaunchTemplateData".into()))?;
    if !d.0.is_object() {
        return Err(invalid("LaunchTemplateData is a structure".into()));
    }
    let mut volumes = launch_volumes(d)?;
    let root = match volumes.first() {
        Some(v) if v.size_gib.is_none() && is_encrypted_root_shape(v) => Some(volumes.remove(0)),
        _ => None,
    };
    let specs = tag_specs(d, "TagSpecification")?;
    let tags = ["instance", "volume"]
        .iter()
        .find_map(|kind| specs.iter().find(|(t, _)| t == kind).map(|(_, tags)| tags.clone()))
        .unwrap_or_default();
    Ok(LaunchTemplateData {
        image_id: opt_id(d, "ImageId", IMAGE)?,
        instance_type: text(d, "InstanceType")?
            .map(|t| t.parse().map_err(|e: Error| invalid(format!("InstanceType: {e}"))))
            .transpose()?,
        key_name: text(d, "KeyName")?.map(str::to_string),
        security_group_ids: ids(d, "SecurityGroupId", GROUP)?,
        user_data: user_data(d)?,
        require_imdsv2: http_tokens_required(d)?,
        instance_profile: instance_profile(d)?,
        volumes,
        encrypt_root_volume: root.is_some(),
        root_kms_key_id: root.as_ref().and_then(|r| r.kms_key_id.clone()),
        root_volume_size_gib: None,
        root_device_name: root.map(|r| r.device_name),
        placement: placement(d)?,
        tags,
    })
}

fn template_ref(i: Input<'_>) -> Result<LaunchTemplateRef> {
    match (text(i, "LaunchTemplateId")?, text(i, "LaunchTemplateName")?) {
        (Some(_), Some(_)) => Err(api(
            "InvalidParameterCombination",
            "Specify either LaunchTemplateId or LaunchTemplateName, not both",
        )),
        (Some(id), None) => Ok(LaunchTemplateRef::Id(id_of(id, TEMPLATE)?)),
        (None, Some(name)) => Ok(LaunchTemplateRef::Name(name.to_string())),
        (None, None) => Err(missing(
            "The request must contain the parameter LaunchTemplateId or LaunchTemplateName".into(),
        )),
    }
}

fn template_version(s: &str) -> Result<TemplateVersion> {
    match s {
        "$Latest" => Ok(TemplateVersion::Latest),
        "$Default" => Ok(TemplateVersion::Default),
        n => n.parse().map(TemplateVersion::Number).map_err(|_| {
            invalid(format!(
                "The launch template version {n:?} is not $Latest, $Default or a number"
            ))
        }),
    }
}

async fn the_template(sim: &Front, template: LaunchTemplateRef) -> Result<LaunchTemplate> {
    let req = match &template {
        LaunchTemplateRef::Id(id) => DescribeLaunchTemplatesRequest {
            ids: vec![id.clone()],
            ..Default::default()
        },
        LaunchTemplateRef::Name(n) => DescribeLaunchTemplatesRequest {
            names: vec![n.clone()],
            ..Default::default()
        },
    };
    sim.describe_launch_templates(req)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            api(
                "InvalidLaunchTemplateId.NotFound",
                format!("The launch template {template} does not exist"),
            )
        })
}

/// The group a request names by `GroupId` or `GroupName` (in the default VPC).
async fn group_of(sim: &Front, i: Input<'_>) -> Result<SecurityGroupId> {
    match (text(i, "GroupId")?, text(i, "GroupName")?) {
        (Some(id), _) => id_of(id, GROUP),
        (None, Some(name)) => group_by_name(sim, name).await,
        (None, None) => Err(missing("The request must contain the parameter GroupId".into())),
    }
}

async fn group_by_name(sim: &Front, name: &str) -> Result<SecurityGroupId> {
    let req = DescribeSecurityGroupsRequest {
        group_names: vec![name.to_string()],
        ..Default::default()
    };
    let vpc = sim.default_vpc().await.ok().map(|v| v.id);
    sim.describe_security_groups(req)
        .await?
        .into_iter()
        .find(|g| vpc.as_ref().is_none_or(|v| &g.vpc_id == v))
        .map(|g| g.id)
        .ok_or_else(|| {
            api(
                "InvalidGroup.NotFound",
                format!("The security group '{name}' does not exist in default VPC"),
            )
        })
}

/// The rules of `IpPermissions.N` (one per range or group pair), or of the flat `CidrIp` /
/// `IpProtocol` / `FromPort` / `ToPort` form.
async fn permissions(sim: &Front, i: Input<'_>) -> Result<Vec<IngressRule>> {
    let mut out = Vec::new();
    let perms = items(i, "IpPermissions")?;
    if perms.is_empty() {
        let protocol = protocol(text(i, "IpProtocol")?.unwrap_or("-1"))?;
        let (from, to) = ports(i, &protocol)?;
        let source = match (text(i, "CidrIp")?, text(i, "SourceSecurityGroupName")?) {
            (Some(c), _) => IngressSource::Cidr(c.to_string()),
            (None, Some(g)) => IngressSource::Group(group_by_name(sim, g).await?),
            (None, None) => return Err(missing("The request must contain the parameter IpPermissions".into())),
        };
        out.push(IngressRule {
            protocol,
            from_port: from,
            to_port: to,
            source,
            description: None,
        });
        return Ok(out);
    }
    for p in perms {
        let protocol = protocol(required(p, "IpProtocol")?)?;
        let (from, to) = ports(p, &protocol)?;
        let rule = |source, description: Option<&str>| IngressRule {
            protocol: protocol.clone(),
            from_port: from,
            to_port: to,
            source,
            description: description.map(str::to_string),
        };
        let before = out.len();
        for r in items(p, "IpRanges")? {
            out.push(rule(
                IngressSource::Cidr(required(r, "CidrIp")?.to_string()),
                text(r, "Description")?,
            ));
        }
        for r in items(p, "Ipv6Ranges")? {
            out.push(rule(
                IngressSource::CidrIpv6(required(r, "CidrIpv6")?.to_string()),
                text(r, "Description")?,
            ));
        }
        for g in items(p, "Groups")? {
            let id = match (text(g, "GroupId")?, text(g, "GroupName")?) {
                (Some(id), _) => id_of(id, GROUP)?,
                (None, Some(name)) => group_by_name(sim, name).await?,
                (None, None) => return Err(missing("Groups: a group pair needs GroupId".into())),
            };
            out.push(rule(IngressSource::Group(id), text(g, "Description")?));
        }
        if !items(p, "PrefixListIds")?.is_empty() {
            return Err(invalid("PrefixListIds: the simulator has no prefix lists".into()));
        }
        if out.len() == before {
            return Err(missing(
                "An IpPermission needs a source: IpRanges, Ipv6Ranges or Groups".into(),
            ));
        }
    }
    Ok(out)
}

/// A protocol name or number as the crate writes it.
fn protocol(p: &str) -> Result<String> {
    let p = p.to_ascii_lowercase();
    Ok(match p.as_str() {
        "tcp" | "6" => "tcp",
        "udp" | "17" => "udp",
        "icmp" | "1" => "icmp",
        "icmpv6" | "58" => "icmpv6",
        "-1" | "all" => "-1",
        other => {
            return Err(invalid(format!(
                "Invalid value '{other}' for IP protocol. Unknown protocol."
            )));
        }
    }
    .to_string())
}

/// `FromPort` and `ToPort` (`-1` or absent: the whole range).
fn ports(i: Input<'_>, protocol: &str) -> Result<(u16, u16)> {
    let read = |k: &str| -> Result<Option<i64>> { i.num::<i64>(k, invalid) };
    let (from, to) = (read("FromPort")?, read("ToPort")?);
    let needs = protocol == "tcp" || protocol == "udp";
    if needs && from.is_none() {
        return Err(missing(format!(
            "Invalid value: FromPort is required for protocol {protocol}"
        )));
    }
    let port = |k: &str, v: i64| -> Result<u16> {
        u16::try_from(v).map_err(|_| invalid(format!("Invalid value '{v}' for {k}: a port is -1 or 0 to 65535")))
    };
    let from_port = match from {
        None | Some(-1) => 0,
        Some(v) => port("FromPort", v)?,
    };
    let to_port = match to {
        Some(-1) => u16::MAX,
        Some(v) => port("ToPort", v)?,
        None if matches!(from, Some(v) if v >= 0) => from_port,
        None => u16::MAX,
    };
    Ok((from_port, to_port))
}

async fn allocation_of(sim: &Front, i: Input<'_>) -> Result<AllocationId> {
    match (text(i, "AllocationId")?, text(i, "PublicIp")?) {
        (Some(a), _) => id_of(a, ALLOCATION),
        (None, Some(ip)) => Ok(address_by_ip(sim, ip).await?.allocation_id),
        (None, None) => Err(missing("The request must contain the parameter AllocationId".into())),
    }
}

async fn address_by_ip(sim: &Front, ip: &str) -> Result<Address> {
    sim.describe_addresses(DescribeAddressesRequest::default())
        .await?
        .into_iter()
        .find(|a| a.public_ip == ip)
        .ok_or_else(|| api("InvalidAddress.NotFound", format!("Address '{ip}' not found.")))
}

/// Security group names by id, for the `groupSet` of instances.
async fn group_names(sim: &Front) -> BTreeMap<SecurityGroupId, String> {
    sim.describe_security_groups(DescribeSecurityGroupsRequest::default())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Filters and pages

/// `Filter.N.Name` / `Filter.N.Value.M`: what the request's typed fields take is taken out,
/// the rest is matched on the answer (values may hold `*` and `?` wildcards).
struct Filters(Vec<(String, Vec<String>)>);

impl Filters {
    fn read(i: Input<'_>) -> Result<Filters> {
        items(i, "Filter")?
            .into_iter()
            .map(|f| Ok((required(f, "Name")?.to_string(), strings(f, "Value")?)))
            .collect::<Result<Vec<_>>>()
            .map(Filters)
    }

    /// Refuses a filter that is neither in `known` nor a tag filter.
    fn check(&self, known: &[&str]) -> Result<()> {
        match self
            .0
            .iter()
            .find(|(n, _)| !known.contains(&n.as_str()) && !n.starts_with("tag:") && n != "tag-key" && n != "tag-value")
        {
            Some((n, _)) => Err(invalid(format!("The filter '{n}' is invalid"))),
            None => Ok(()),
        }
    }

    /// Takes the filter `name` out when its values are exact (no wildcards).
    fn take_exact(&mut self, name: &str) -> Option<Vec<String>> {
        let at = self
            .0
            .iter()
            .position(|(n, v)| n == name && !v.is_empty() && !v.iter().any(|v| is_pattern(v)))?;
        Some(self.0.remove(at).1)
    }

    /// Takes the filter `name` out when it has exactly one value.
    fn take_single(&mut self, name: &str) -> Option<String> {
        let at = self.0.iter().position(|(n, v)| n == name && v.len() == 1)?;
        self.0.remove(at).1.pop()
    }

    /// Takes the filter `name` out when it has exactly one exact value.
    fn take_exact_single(&mut self, name: &str) -> Option<String> {
        let at = self
            .0
            .iter()
            .position(|(n, v)| n == name && v.len() == 1 && !is_pattern(&v[0]))?;
        self.0.remove(at).1.pop()
    }

    /// Takes out the `tag:KEY` filters of one exact value, as the request's tags.
    fn take_tags(&mut self) -> Tags {
        let mut tags = Tags::new();
        self.0.retain(|(n, v)| match n.strip_prefix("tag:") {
            Some(k) if v.len() == 1 && !is_pattern(&v[0]) && !tags.contains_key(k) => {
                tags.insert(k.to_string(), v[0].clone());
                false
            }
            _ => true,
        });
        tags
    }

    /// The items every remaining filter matches (`values` gives an item's values for a
    /// filter name; tag filters are matched on what `values` gives for them too).
    fn keep<T>(&self, items: Vec<T>, values: impl Fn(&T, &str) -> Vec<String>) -> Vec<T> {
        items
            .into_iter()
            .filter(|item| {
                self.0.iter().all(|(name, wanted)| {
                    let have = values(item, name);
                    have.iter().any(|h| wanted.iter().any(|w| glob(w, h)))
                })
            })
            .collect()
    }
}

/// A tag filter's values of `tags` (`tag:KEY`, `tag-key`, `tag-value`).
fn tag_values(tags: &Tags, name: &str) -> Vec<String> {
    match name {
        "tag-key" => tags.keys().cloned().collect(),
        "tag-value" => tags.values().cloned().collect(),
        n => n
            .strip_prefix("tag:")
            .and_then(|k| tags.get(k))
            .cloned()
            .into_iter()
            .collect(),
    }
}

fn is_pattern(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

/// EC2's filter wildcards: `*` any run, `?` one character (`\` escapes either).
fn glob(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    // Iterative matching with backtracking to the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let (c, lit, width) = match p.get(pi) {
            Some('\\') if pi + 1 < p.len() => (Some(p[pi + 1]), true, 2),
            Some(c) => (Some(*c), false, 1),
            None => (None, false, 0),
        };
        match c {
            Some('*') if !lit => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some('?') if !lit => {
                pi += 1;
                ti += 1;
            }
            Some(c) if c == t[ti] => {
                pi += width;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// One page of `items` as `NextToken` / `MaxResults` ask (at most 1,000 per page, EC2's
/// largest; without `MaxResults`, all of them), and the next page's token.
fn paged<T: Clone>(items: &[T], i: Input<'_>) -> Result<(Vec<T>, Option<String>)> {
    let size: Option<u32> = i.num("MaxResults", invalid)?;
    let size = size.map_or(usize::MAX, |n| (n as usize).min(1000));
    let token = text(i, "NextToken")?.filter(|t| !t.is_empty());
    crate::sim::page(items, token, size)
}

fn with_next(mut v: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        v["nextToken"] = json!(t);
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Output shapes

/// A JSON object built member by member, `None`s left out (an empty element would read as an
/// empty string, or fail to parse as a number).
struct Obj(Map<String, Value>);

impl Obj {
    fn new() -> Obj {
        Obj(Map::new())
    }
    fn set(mut self, k: &str, v: impl Into<Value>) -> Obj {
        self.0.insert(k.to_string(), v.into());
        self
    }
    fn opt<V: Into<Value>>(self, k: &str, v: Option<V>) -> Obj {
        match v {
            Some(v) => self.set(k, v),
            None => self,
        }
    }
    fn done(self) -> Value {
        Value::Object(self.0)
    }
}

fn epoch(t: SystemTime) -> Value {
    json!(t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64())
}

fn tag_set(tags: &Tags) -> Vec<Value> {
    tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect()
}

fn state_code(s: &InstanceState) -> u32 {
    match s {
        InstanceState::Pending => 0,
        InstanceState::Running => 16,
        InstanceState::ShuttingDown => 32,
        InstanceState::Terminated => 48,
        InstanceState::Stopping => 64,
        InstanceState::Stopped => 80,
        _ => 0,
    }
}

fn state_json(s: &InstanceState) -> Value {
    json!({"code": state_code(s), "name": s.as_str()})
}

fn state_changes(changes: &[InstanceStateChange]) -> Vec<Value> {
    changes
        .iter()
        .map(|c| {
            json!({
                "instanceId": c.id.as_str(),
                "previousState": state_json(&c.previous),
                "currentState": state_json(&c.current),
            })
        })
        .collect()
}

fn instance_json(x: &Instance, names: &BTreeMap<SecurityGroupId, String>) -> Value {
    let groups: Vec<Value> = x
        .security_groups
        .iter()
        .map(|g| {
            Obj::new()
                .set("groupId", g.as_str())
                .opt("groupName", names.get(g).map(String::as_str))
                .done()
        })
        .collect();
    let mappings: Vec<Value> = x
        .block_devices
        .iter()
        .map(|b| {
            json!({
                "deviceName": b.device_name,
                "ebs": {
                    "volumeId": b.volume_id.as_str(),
                    "status": "attached",
                    "deleteOnTermination": b.delete_on_termination,
                },
            })
        })
        .collect();
    let placement = Obj::new()
        .set("availabilityZone", x.availability_zone.as_str())
        .set("tenancy", x.tenancy.as_str())
        .opt("groupName", x.placement_group.as_deref())
        .done();
    let mut v = Obj::new()
        .set("instanceId", x.id.as_str())
        .set("imageId", x.image_id.as_str())
        .set("instanceType", x.instance_type.as_str())
        .set("instanceState", state_json(&x.state))
        .set("placement", placement)
        .opt("subnetId", x.subnet_id.as_ref().map(|s| s.as_str()))
        .opt("vpcId", x.vpc_id.as_ref().map(|s| s.as_str()))
        .opt("privateIpAddress", x.private_ip.as_deref())
        .opt("ipAddress", x.public_ip.as_deref())
        .opt(
            "privateDnsName",
            x.private_ip
                .as_ref()
                .map(|ip| format!("ip-{}.ec2.internal", ip.replace('.', "-"))),
        )
        .opt("keyName", x.key_name.as_deref())
        .set("groupSet", groups)
        .set(
            "metadataOptions",
            json!({
                "state": "applied",
                "httpTokens": if x.http_tokens_required { "required" } else { "optional" },
                "httpEndpoint": "enabled",
                "httpPutResponseHopLimit": 2,
            }),
        )
        .opt("launchTime", x.launch_time.map(epoch))
        .set("tagSet", tag_set(&x.tags))
        .opt("rootDeviceName", x.root_device_name.as_deref())
        .set("rootDeviceType", "ebs")
        .set("blockDeviceMapping", mappings)
        .set("amiLaunchIndex", 0)
        .set("virtualizationType", "hvm")
        .set("hypervisor", "xen")
        .set("monitoring", json!({"state": "disabled"}))
        .set("reason", x.state_reason.clone().unwrap_or_default());
    if let Some(r) = &x.state_reason {
        let code = r.split(':').next().unwrap_or(r).trim();
        v = v.set("stateReason", json!({"code": code, "message": r}));
    }
    v.done()
}

fn permissions_json(rules: &[IngressRule]) -> Vec<Value> {
    // One permission per protocol and port range, its sources listed in it (as AWS groups
    // them).
    let mut out: Vec<Value> = Vec::new();
    for r in rules {
        let same = |p: &Value| {
            p["ipProtocol"] == r.protocol.as_str() && p["fromPort"] == r.from_port && p["toPort"] == r.to_port
        };
        let at = match out.iter().position(same) {
            Some(at) => at,
            None => {
                out.push(json!({
                    "ipProtocol": r.protocol,
                    "fromPort": r.from_port,
                    "toPort": r.to_port,
                    "ipRanges": [],
                    "ipv6Ranges": [],
                    "groups": [],
                    "prefixListIds": [],
                }));
                out.len() - 1
            }
        };
        let (list, key, value) = match &r.source {
            IngressSource::Cidr(c) => ("ipRanges", "cidrIp", c.as_str()),
            IngressSource::CidrIpv6(c) => ("ipv6Ranges", "cidrIpv6", c.as_str()),
            IngressSource::Group(g) => ("groups", "groupId", g.as_str()),
        };
        let source = Obj::new()
            .set(key, value)
            .opt("description", r.description.as_deref())
            .done();
        if let Some(items) = out[at][list].as_array_mut() {
            items.push(source);
        }
    }
    out
}

fn attachment_json(a: &VolumeAttachment) -> Value {
    json!({
        "volumeId": a.volume_id.as_str(),
        "instanceId": a.instance_id.as_str(),
        "device": a.device,
        "status": a.state.as_str(),
        "deleteOnTermination": a.delete_on_termination,
    })
}

fn volume_json(v: &Volume) -> Value {
    Obj::new()
        .set("volumeId", v.id.as_str())
        .set("size", v.size_gib)
        .set("volumeType", v.volume_type.as_str())
        .opt("iops", v.iops)
        .opt("throughput", v.throughput)
        .set("encrypted", v.encrypted)
        .opt("kmsKeyId", v.kms_key_id.as_deref())
        .set("availabilityZone", v.availability_zone.as_str())
        .set("status", v.state.as_str())
        .set("snapshotId", v.snapshot_id.as_ref().map_or("", |s| s.as_str()))
        .set(
            "attachmentSet",
            v.attachments.iter().map(attachment_json).collect::<Vec<_>>(),
        )
        .set("multiAttachEnabled", false)
        .set("tagSet", tag_set(&v.tags))
        .done()
}

fn modification_json(m: &VolumeModification) -> Value {
    let vt = |t: &Option<VolumeType>| t.as_ref().map(|t| t.as_str().to_string());
    Obj::new()
        .set("volumeId", m.volume_id.as_str())
        .set("modificationState", m.state.as_str())
        .set("progress", m.progress)
        .opt("originalSize", m.original_size_gib)
        .opt("targetSize", m.target_size_gib)
        .opt("originalVolumeType", vt(&m.original_volume_type))
        .opt("targetVolumeType", vt(&m.target_volume_type))
        .opt("originalIops", m.original_iops)
        .opt("targetIops", m.target_iops)
        .opt("originalThroughput", m.original_throughput)
        .opt("targetThroughput", m.target_throughput)
        .opt("startTime", m.start_time.map(epoch))
        .opt("endTime", m.end_time.map(epoch))
        .opt("statusMessage", m.status_message.as_deref())
        .done()
}

fn snapshot_json(s: &Snapshot, account: &str) -> Value {
    Obj::new()
        .set("snapshotId", s.id.as_str())
        // Snapshots not made from a volume report `vol-ffffffff`, as AWS does.
        .set("volumeId", s.volume_id.as_ref().map_or("vol-ffffffff", |v| v.as_str()))
        .set("volumeSize", s.volume_size_gib)
        .set("status", s.state.as_str())
        .opt("progress", s.progress.map(|p| format!("{p}%")))
        .opt("description", s.description.as_deref())
        .set("encrypted", s.encrypted)
        .opt("startTime", s.start_time.map(epoch))
        .set("ownerId", account)
        .set("tagSet", tag_set(&s.tags))
        .done()
}

fn key_pair_json(k: &KeyPair) -> Value {
    Obj::new()
        .set("keyPairId", k.id.as_str())
        .set("keyName", k.name.as_str())
        .set("keyFingerprint", k.fingerprint.as_str())
        .set("keyType", k.key_type.as_str())
        .opt("createTime", k.created.map(epoch))
        .set("tagSet", tag_set(&k.tags))
        .done()
}

fn template_json(t: &LaunchTemplate, account: &str) -> Value {
    Obj::new()
        .set("launchTemplateId", t.id.as_str())
        .set("launchTemplateName", t.name.as_str())
        .set("defaultVersionNumber", t.default_version)
        .set("latestVersionNumber", t.latest_version)
        .opt("createTime", t.created.map(epoch))
        .set("createdBy", format!("arn:aws:iam::{account}:root"))
        .set("tagSet", tag_set(&t.tags))
        .done()
}

fn template_version_json(v: &LaunchTemplateVersion, account: &str) -> Value {
    let d = &v.data;
    let mappings: Vec<Value> = d
        .volumes
        .iter()
        .map(|m| {
            let ebs = Obj::new()
                .set("encrypted", m.encrypted)
                .set("deleteOnTermination", m.delete_on_termination)
                .set("volumeType", m.volume_type.as_str())
                .opt("volumeSize", m.size_gib)
                .opt("iops", m.iops)
                .opt("throughput", m.throughput)
                .opt("kmsKeyId", m.kms_key_id.as_deref())
                .opt("snapshotId", m.snapshot_id.as_ref().map(|s| s.as_str()))
                .done();
            json!({"deviceName": m.device_name, "ebs": ebs})
        })
        .collect();
    let tag_specs: Vec<Value> = if d.tags.is_empty() {
        Vec::new()
    } else {
        ["instance", "volume"]
            .iter()
            .map(|kind| json!({"resourceType": kind, "tagSet": tag_set(&d.tags)}))
            .collect()
    };
    let mut data = Obj::new()
        .opt("imageId", d.image_id.as_ref().map(|x| x.as_str()))
        .opt("instanceType", d.instance_type.as_ref().map(|x| x.as_str()))
        .opt("keyName", d.key_name.as_deref())
        .opt(
            "userData",
            d.user_data
                .as_ref()
                .map(|u| base64::engine::general_purpose::STANDARD.encode(u.expose_secret())),
        )
        .opt(
            "iamInstanceProfile",
            d.instance_profile.as_ref().map(|p| json!({"name": p})),
        )
        .opt(
            "placement",
            d.placement.as_ref().map(|p| {
                Obj::new()
                    .opt("availabilityZone", p.availability_zone.as_ref().map(|z| z.as_str()))
                    .opt("groupName", p.group_name.as_deref())
                    .set("tenancy", p.tenancy.as_str())
                    .done()
            }),
        );
    if !d.security_group_ids.is_empty() {
        data = data.set(
            "securityGroupIdSet",
            d.security_group_ids
                .iter()
                .map(|g| json!(g.as_str()))
                .collect::<Vec<_>>(),
        );
    }
    if !mappings.is_empty() {
        data = data.set("blockDeviceMappingSet", mappings);
    }
    if !tag_specs.is_empty() {
        data = data.set("tagSpecificationSet", tag_specs);
    }
    if d.require_imdsv2 {
        data = data.set(
            "metadataOptions",
            json!({"state": "applied", "httpTokens": "required", "httpEndpoint": "enabled"}),
        );
    }
    Obj::new()
        .set("launchTemplateId", v.template_id.as_str())
        .set("launchTemplateName", v.template_name.as_str())
        .set("versionNumber", v.version)
        .opt("versionDescription", v.description.as_deref())
        .set("defaultVersion", v.is_default)
        .opt("createTime", v.created.map(epoch))
        .set("createdBy", format!("arn:aws:iam::{account}:root"))
        .set("launchTemplateData", data.done())
        .done()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> WireRequest {
        WireRequest {
            method: "POST".into(),
            path: "/".into(),
            query: Vec::new(),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            )],
            body: Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    async fn call(sim: &Front, body: &str) -> (u16, String) {
        let r = serve(sim, &form(body)).await;
        (r.status, String::from_utf8_lossy(&r.body).into_owned())
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_is_the_ec2_envelope_with_items_and_no_result_wrapper() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let vpc = sim.default_vpc().await.unwrap();
        let (status, xml) = call(
            &sim,
            "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=is-default&Filter.1.Value.1=true",
        )
        .await;
        assert_eq!(status, 200, "{xml}");
        let expected = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
             <requestId>sim</requestId><vpcSet><item><vpcId>{id}</vpcId><state>available</state>\
             <cidrBlock>{cidr}</cidrBlock><isDefault>true</isDefault><ownerId>{account}</ownerId>\
             <instanceTenancy>default</instanceTenancy><tagSet></tagSet></item></vpcSet></DescribeVpcsResponse>",
            cidr = vpc.cidr_block,
            account = sim.config().account_id,
            id = vpc.id,
        );
        assert_eq!(xml, expected);

        // An error: EC2's `Response` / `Errors` / `Error` shape, literally.
        let (status, xml) = call(
            &sim,
            "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0",
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>\
             <Message>The instance ID &apos;i-0123456789abcdef0&apos; does not exist</Message></Error></Errors>\
             <RequestID>sim</RequestID></Response>"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn timestamps_are_iso_8601_and_states_carry_their_codes() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let image = sim.describe_images(Default::default()).await.unwrap().remove(0);
        let (status, xml) = call(
            &sim,
            &format!(
                "Action=RunInstances&Version=2016-11-15&ImageId={}&InstanceType=t3.micro&MinCount=1&MaxCount=1",
                image.id
            ),
        )
        .await;
        assert_eq!(status, 200, "{xml}");
        assert!(
            xml.contains("<instanceState><code>0</code><name>pending</name></instanceState>"),
            "{xml}"
        );
        let at = xml.find("<launchTime>").expect("a launch time") + "<launchTime>".len();
        let t = &xml[at..at + 20];
        assert!(
            t.as_bytes()[4] == b'-' && t.as_bytes()[10] == b'T' && xml[at..].contains("Z</launchTime>"),
            "{t}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn dry_run_and_unknown_actions_answer_errors() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let (status, xml) = call(&sim, "Action=CreateKeyPair&Version=2016-11-15&KeyName=k&DryRun=true").await;
        assert_eq!(status, 412, "{xml}");
        assert!(xml.contains("<Code>DryRunOperation</Code>"), "{xml}");
        let key_pairs = sim.describe_key_pairs(Default::default()).await.unwrap();
        assert!(key_pairs.is_empty(), "a dry run acts on nothing");
        for (body, code) in [
            ("Action=DescribeRegions&Version=2016-11-15", "InvalidAction"),
            ("Action=&Version=2016-11-15", "InvalidAction"),
            ("Version=2016-11-15", "MissingAction"),
            (
                "Action=CreateKeyPair&Version=2016-11-15&DryRun=maybe",
                "InvalidParameterValue",
            ),
        ] {
            let (status, xml) = call(&sim, body).await;
            assert_eq!(status, 400, "{body}: {xml}");
            assert!(xml.contains(&format!("<Code>{code}</Code>")), "{body}: {xml}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn garbage_is_a_4xx_error_never_a_panic() {
        let sim = super::super::Front::of(crate::sim::SimCloud::new());
        let bodies = [
            // Bad numbers, huge numbers, negative counts.
            "Action=RunInstances&ImageId=ami-0123456789abcdef0&MinCount=abc&MaxCount=1",
            "Action=RunInstances&ImageId=ami-0123456789abcdef0&MinCount=1&MaxCount=99999999999999999999999",
            "Action=RunInstances&ImageId=ami-0123456789abcdef0&MinCount=-1&MaxCount=1",
            "Action=RunInstances&ImageId=ami-0123456789abcdef0&MinCount=0&MaxCount=0",
            "Action=RunInstances&ImageId=ami-0123456789abcdef0&MinCount=1&MaxCount=1&BlockDeviceMapping.1.DeviceName=/dev/sdf&BlockDeviceMapping.1.Ebs.VolumeSize=1e9",
            "Action=RunInstances&ImageId=ami-0123456789abcdef0&MinCount=1&MaxCount=1&BlockDeviceMapping.1.Ebs=x",
            "Action=RunInstances&ImageId=ami-0123456789abcdef0&MinCount=1&MaxCount=1&UserData=%%%not-base64",
            "Action=RunInstances&ImageId=ami-0123456789abcdef0&MinCount=1&MaxCount=1&MetadataOptions.HttpTokens=sometimes",
            "Action=RunInstances&ImageId=nope&MinCount=1&MaxCount=1",
            "Action=DescribeInstances&MaxResults=99999999999999999999999",
            "Action=DescribeInstances&MaxResults=-5",
            "Action=DescribeInstances&NextToken=sim-page-999999999999999999999999",
            "Action=DescribeVolumes&VolumeId.1=vol-0123456789abcdef0&MaxResults=5",
            "Action=CreateVolume&AvailabilityZone=us-east-1a&Size=99999999999",
            "Action=CreateVolume&AvailabilityZone=nowhere&Size=8",
            "Action=CreateVolume&AvailabilityZone=us-east-1a&Size=8&VolumeType=floppy",
            "Action=AuthorizeSecurityGroupIngress&GroupId=sg-0123456789abcdef0&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=70000&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8",
            "Action=AuthorizeSecurityGroupIngress&GroupId=sg-0123456789abcdef0&IpPermissions.1.IpProtocol=gopher&IpPermissions.1.FromPort=1",
            "Action=AuthorizeSecurityGroupIngress&GroupId=sg-0123456789abcdef0&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22",
            "Action=ImportKeyPair&KeyName=k&PublicKeyMaterial=***",
            "Action=ModifyLaunchTemplate&LaunchTemplateName=web&SetDefaultVersion=latest",
            "Action=DescribeLaunchTemplateVersions&LaunchTemplateName=web&LaunchTemplateVersion.1=$Oldest",
            // Missing members.
            "Action=TerminateInstances",
            "Action=AttachVolume&VolumeId=vol-0123456789abcdef0",
            "Action=CreateSecurityGroup&GroupName=web",
            "Action=CreateTags&ResourceId.1=i-0123456789abcdef0",
            "Action=DeleteTags&ResourceId.1=i-0123456789abcdef0",
            "Action=CreateLaunchTemplate&LaunchTemplateName=web",
            "Action=DescribeLaunchTemplateVersions",
            "Action=AssociateAddress&InstanceId=i-0123456789abcdef0",
            "Action=DescribeInstances&Filter.1.Value.1=x",
            // Lists and structures sent as something else.
            "Action=DescribeInstances&InstanceId.x=i-0123456789abcdef0",
            "Action=DescribeInstances&InstanceId=i-0123456789abcdef0",
            "Action=DescribeInstances&InstanceId.1.Nested=i-0123456789abcdef0",
            "Action=TerminateInstances&InstanceId.1=bogus",
            "Action=DescribeInstances&Filter=x",
            "Action=DescribeInstances&Filter.1.Name=instance-state-name&Filter.1.Value=running",
            "Action=DescribeInstances&Filter.1.Name=bogus&Filter.1.Value.1=x",
            "Action=CreateKeyPair&KeyName.1=k",
            "Action=CreateVolume&AvailabilityZone.Nested=us-east-1a&Size=8",
            "Action=CreateLaunchTemplate&LaunchTemplateName=web&LaunchTemplateData=x",
            "Action=DeleteLaunchTemplateVersions&LaunchTemplateName=web&LaunchTemplateVersion.1=$Latest",
            "Action=RevokeSecurityGroupIngress&GroupId=sg-0123456789abcdef0&SecurityGroupRuleId.1=sgr-1",
            // Bytes that are not UTF-8, escapes that are not escapes.
            "Action=CreateKeyPair&KeyName=%FF%FE",
            "Action=DescribeInstances&&&==&=&InstanceId.4294967296=i-0123456789abcdef0",
        ];
        for body in bodies {
            let (status, xml) = call(&sim, &format!("{body}&Version=2016-11-15")).await;
            assert!((400..500).contains(&status), "{body}: {status} {xml}");
            assert!(xml.contains("<Response><Errors><Error><Code>"), "{body}: {xml}");
        }
        // Every served action with no members at all, and with junk members: an answer, never
        // a panic (some are valid as they are: describes without filters).
        for action in SERVED {
            for extra in [
                "",
                "&Foo.1.Bar=x&MaxResults=abc",
                "&Filter.1.Name=tag:x&Filter.1.Value.1=*",
            ] {
                let (status, xml) = call(&sim, &format!("Action={action}&Version=2016-11-15{extra}")).await;
                assert!(
                    status == 200 || (400..500).contains(&status),
                    "{action}{extra}: {status} {xml}"
                );
            }
        }
    }

    #[test]
    fn filter_wildcards() {
        assert!(glob("*", ""));
        assert!(glob("w*", "web"));
        assert!(glob("?eb", "web"));
        assert!(glob("*e*", "web"));
        assert!(!glob("w?", "web"));
        assert!(glob("a\\*b", "a*b"));
        assert!(!glob("a\\*b", "axb"));
        assert!(glob("a*b*c", "aXbYbc"));
        assert!(!glob("abc", "ab"));
    }
}
