//! What IAM is asked for each call: the action, the resources it authorizes and the request's
//! condition keys, derived from the call's arguments. The one place where the crate knows
//! which resources an operation touches (facts from the AWS Service Authorization Reference).

use std::any::Any;
use std::collections::BTreeMap;

use crate::Tags;
use crate::layer::Op;

/// One authorization IAM makes for a call: `action` on `resource`, with the request's
/// condition keys. A call may need several (RunInstances authorizes the image, subnet and
/// security groups it uses and the instance, volumes and network interface it creates;
/// tags on create also need `ec2:CreateTags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    /// The IAM action, e.g. `ec2:RunInstances`.
    pub action: String,
    /// The resource ARN (`*` for actions without resource-level permissions; ending in `/*`
    /// for a resource the call creates).
    pub resource: String,
    /// Condition keys and their values (`aws:RequestTag/K`, `aws:TagKeys`, and, added by the
    /// enforcing layer for existing resources, `aws:ResourceTag/K`).
    pub context: BTreeMap<String, Vec<String>>,
    /// The resource exists already and its tags are looked up (`aws:ResourceTag/K`).
    pub existing: Option<Arn>,
}

impl AccessRequest {
    /// `action` on `resource`, with no condition keys.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        AccessRequest {
            action: action.into(),
            resource: resource.into(),
            context: BTreeMap::new(),
            existing: None,
        }
    }

    fn key(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.context.entry(key.into()).or_default().push(value.into());
        self
    }

    fn request_tags(mut self, tags: &Tags) -> Self {
        for (k, v) in tags {
            self = self.key(format!("aws:RequestTag/{k}"), v.clone());
        }
        if !tags.is_empty() {
            self.context
                .insert("aws:TagKeys".into(), tags.keys().cloned().collect());
        }
        self
    }

    /// `aws:TagKeys`: the keys a call removes (DeleteTags).
    fn tag_keys(mut self, keys: &[String]) -> Self {
        if !keys.is_empty() {
            self.context.insert("aws:TagKeys".into(), keys.to_vec());
        }
        self
    }
}

/// A parsed resource ARN: `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    /// `ec2`, `elasticloadbalancing`, `cloudwatch`, `lambda`, `iam`.
    pub service: String,
    /// The resource part after the account (`instance/i-...`, `function:name`).
    pub resource: String,
    /// The whole ARN.
    pub arn: String,
}

impl Arn {
    /// Parses `arn`; `None` if it is not one.
    pub fn parse(arn: &str) -> Option<Arn> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        (parts.len() == 6 && parts[0] == "arn").then(|| Arn {
            service: parts[2].to_string(),
            resource: parts[5].to_string(),
            arn: arn.to_string(),
        })
    }

    /// The resource type and id: `("instance", "i-1")`, `("function", "name")`,
    /// `("loadbalancer", "app/name/id")`, `("alarm", "name")`.
    pub fn kind_and_id(&self) -> (&str, &str) {
        let cut = self.resource.find(['/', ':']).unwrap_or(self.resource.len());
        let (kind, rest) = self.resource.split_at(cut);
        (kind, rest.get(1..).unwrap_or(""))
    }
}

struct Ctx<'a> {
    region: &'a str,
    account: &'a str,
    out: Vec<AccessRequest>,
}

impl Ctx<'_> {
    fn ec2(&self, kind: &str, id: &str) -> String {
        // Images and snapshots have no account in their ARNs.
        let account = if matches!(kind, "image" | "snapshot") {
            ""
        } else {
            self.account
        };
        format!("arn:aws:ec2:{}:{account}:{kind}/{id}", self.region)
    }
    fn elb(&self, resource: &str) -> String {
        format!(
            "arn:aws:elasticloadbalancing:{}:{}:{resource}",
            self.region, self.account
        )
    }
    fn asg(&self, name: &str) -> String {
        format!(
            "arn:aws:autoscaling:{}:{}:autoScalingGroup:*:autoScalingGroupName/{name}",
            self.region, self.account
        )
    }
    fn alarm(&self, name: &str) -> String {
        format!("arn:aws:cloudwatch:{}:{}:alarm:{name}", self.region, self.account)
    }
    fn dashboard(&self, name: &str) -> String {
        format!("arn:aws:cloudwatch::{}:dashboard/{name}", self.account)
    }
    fn function(&self, name: &str, qualifier: Option<&str>) -> String {
        self.lambda("function", name, qualifier)
    }
    fn layer(&self, name: &str, version: Option<u64>) -> String {
        self.lambda("layer", name, version.map(|v| v.to_string()).as_deref())
    }
    /// A Lambda `kind` (function, layer) by name or ARN, with its qualifier or version.
    fn lambda(&self, kind: &str, name: &str, suffix: Option<&str>) -> String {
        let base = if name.starts_with("arn:") {
            name.to_string()
        } else {
            format!("arn:aws:lambda:{}:{}:{kind}:{name}", self.region, self.account)
        };
        match suffix {
            Some(q) => format!("{base}:{q}"),
            None => base,
        }
    }
    /// Adding layers to a function needs `lambda:GetLayerVersion` on each version (Lambda
    /// Developer Guide, "Layer permissions"); the `lambda:Layer` condition key is not modelled.
    fn layers(&mut self, layers: &[crate::id::LayerVersionArn]) {
        for l in layers {
            self.on("lambda:GetLayerVersion", l.as_str().to_string());
        }
    }
    /// `action` on an existing resource (its tags are looked up).
    fn on(&mut self, action: &str, arn: String) {
        let mut r = AccessRequest::new(action, arn.clone());
        r.existing = Arn::parse(&arn);
        self.out.push(r);
    }
    /// `action` on a resource the call creates, with the request's tags; tags on create also
    /// need the tagging action (`tag_action`) with the create-action key.
    fn creates(&mut self, action: &str, arn: String, tags: &Tags, tag_action: Option<(&str, &str)>) {
        self.out
            .push(AccessRequest::new(action, arn.clone()).request_tags(tags));
        if let (false, Some((tag_action, create_key))) = (tags.is_empty(), tag_action) {
            let op = action.split(':').nth(1).unwrap_or(action);
            self.out.push(
                AccessRequest::new(tag_action, arn)
                    .request_tags(tags)
                    .key(create_key, op),
            );
        }
    }
    fn any(&mut self, action: &str) {
        self.out.push(AccessRequest::new(action, "*"));
    }
    fn pass_role(&mut self, role: &str, service: &str) {
        self.out
            .push(AccessRequest::new("iam:PassRole", role).key("iam:PassedToService", service));
    }
}

fn arg<'a, T: 'static>(args: &[&'a dyn Any], i: usize) -> Option<&'a T> {
    args.get(i).and_then(|a| a.downcast_ref::<T>())
}

/// The authorizations IAM makes for the call `op` with arguments `args` (in the trait
/// method's order) in `region` and `account`. An operation this table does not know, or
/// arguments of unexpected types, yield one request for the action on `*`.
pub fn requests(op: Op, args: &[&dyn Any], region: &str, account: &str) -> Vec<AccessRequest> {
    use crate::{autoscaling, cloudwatch as cw, ebs, ec2, elb, id, lambda};
    let mut c = Ctx {
        region,
        account,
        out: Vec::new(),
    };
    let a = op.iam_action;
    const EC2_TAG: Option<(&str, &str)> = Some(("ec2:CreateTags", "ec2:CreateAction"));
    const ELB_TAG: Option<(&str, &str)> = Some(("elasticloadbalancing:AddTags", "elasticloadbalancing:CreateAction"));
    match a {
        // ---- EC2
        "ec2:RunInstances" => {
            if let Some(r) = arg::<ec2::RunInstancesRequest>(args, 0) {
                // A template supplies the image when the request does not name one.
                c.on(a, c.ec2("image", r.image_id.as_ref().map_or("*", |i| i.as_str())));
                if let Some(lt) = &r.launch_template {
                    c.on(
                        a,
                        c.ec2("launch-template", lt.template.id().map_or("*", |i| i.as_str())),
                    );
                }
                let subnet = r.subnet_id.as_ref().map_or("*", |s| s.as_str());
                c.on(a, c.ec2("subnet", subnet));
                for g in &r.security_group_ids {
                    c.on(a, c.ec2("security-group", g.as_str()));
                }
                for v in &r.volumes {
                    if let Some(s) = &v.snapshot_id {
                        c.on(a, c.ec2("snapshot", s.as_str()));
                    }
                }
                if let Some(g) = r.placement.as_ref().and_then(|p| p.group_name.as_deref()) {
                    c.on(a, c.ec2("placement-group", g));
                }
                c.creates(a, c.ec2("network-interface", "*"), &Tags::new(), None);
                c.creates(a, c.ec2("instance", "*"), &r.tags, EC2_TAG);
                c.creates(a, c.ec2("volume", "*"), &r.tags, EC2_TAG);
            }
        }
        "ec2:AllocateAddress" => {
            if let Some(r) = arg::<ec2::AllocateAddressRequest>(args, 0) {
                c.creates(a, c.ec2("elastic-ip", "*"), &r.tags, EC2_TAG);
            }
        }
        "ec2:AssociateAddress" => {
            if let Some(r) = arg::<ec2::AssociateAddressRequest>(args, 0) {
                c.on(a, c.ec2("elastic-ip", r.allocation_id.as_str()));
                c.on(a, c.ec2("instance", r.instance_id.as_str()));
            }
        }
        // DisassociateAddress names the association, not the address: the crate cannot
        // present the elastic-ip's ARN, so a policy must allow it on `elastic-ip/*`.
        "ec2:DisassociateAddress" => {
            let arn = c.ec2("elastic-ip", "*");
            c.out.push(AccessRequest::new(a, arn));
        }
        "ec2:CreateLaunchTemplate" => {
            if let Some(r) = arg::<ec2::CreateLaunchTemplateRequest>(args, 0) {
                c.creates(a, c.ec2("launch-template", "*"), &r.tags, EC2_TAG);
            }
        }
        // The template's ARN holds its id: one named by name is presented as `*`.
        "ec2:CreateLaunchTemplateVersion" => {
            if let Some(r) = arg::<ec2::CreateLaunchTemplateVersionRequest>(args, 0) {
                c.on(a, c.ec2("launch-template", r.template.id().map_or("*", |i| i.as_str())));
            }
        }
        "ec2:ModifyLaunchTemplate" | "ec2:DeleteLaunchTemplateVersions" | "ec2:DeleteLaunchTemplate" => {
            if let Some(t) = arg::<ec2::LaunchTemplateRef>(args, 0) {
                c.on(a, c.ec2("launch-template", t.id().map_or("*", |i| i.as_str())));
            }
        }
        "ec2:ReleaseAddress" => {
            if let Some(id) = arg::<id::AllocationId>(args, 0) {
                c.on(a, c.ec2("elastic-ip", id.as_str()));
            }
        }
        "ec2:StartInstances" | "ec2:RebootInstances" => {
            for i in arg::<Vec<id::InstanceId>>(args, 0).into_iter().flatten() {
                c.on(a, c.ec2("instance", i.as_str()));
            }
        }
        "ec2:StopInstances" => {
            if let Some(r) = arg::<ec2::StopInstancesRequest>(args, 0) {
                for i in &r.instance_ids {
                    c.on(a, c.ec2("instance", i.as_str()));
                }
            }
        }
        "ec2:RevokeSecurityGroupIngress" => {
            if let Some(g) = arg::<id::SecurityGroupId>(args, 0) {
                c.on(a, c.ec2("security-group", g.as_str()));
            }
        }
        "ec2:DeleteTags" => {
            if let (Some(ids), Some(keys)) = (arg::<Vec<String>>(args, 0), arg::<Vec<String>>(args, 1)) {
                for id in ids {
                    let kind = ec2_kind(id);
                    let mut r = AccessRequest::new(a, c.ec2(kind, id)).tag_keys(keys);
                    r.existing = Arn::parse(&r.resource);
                    c.out.push(r);
                }
            }
        }
        "ec2:TerminateInstances" => {
            for i in arg::<Vec<id::InstanceId>>(args, 0).into_iter().flatten() {
                c.on(a, c.ec2("instance", i.as_str()));
            }
        }
        "ec2:CreateSecurityGroup" => {
            if let Some(r) = arg::<ec2::CreateSecurityGroupRequest>(args, 0) {
                c.on(a, c.ec2("vpc", r.vpc_id.as_ref().map_or("*", |v| v.as_str())));
                c.creates(a, c.ec2("security-group", "*"), &r.tags, EC2_TAG);
            }
        }
        "ec2:DeleteSecurityGroup" => {
            if let Some(g) = arg::<id::SecurityGroupId>(args, 0) {
                c.on(a, c.ec2("security-group", g.as_str()));
            }
        }
        "ec2:AuthorizeSecurityGroupIngress" => {
            if let Some(r) = arg::<ec2::AuthorizeIngressRequest>(args, 0) {
                c.on(a, c.ec2("security-group", r.group_id.as_str()));
            }
        }
        "ec2:CreateVolume" => {
            if let Some(r) = arg::<ec2::CreateVolumeRequest>(args, 0) {
                if let Some(s) = &r.snapshot_id {
                    c.on(a, c.ec2("snapshot", s.as_str()));
                }
                c.creates(a, c.ec2("volume", "*"), &r.tags, EC2_TAG);
            }
        }
        "ec2:AttachVolume" => {
            if let Some(r) = arg::<ec2::AttachVolumeRequest>(args, 0) {
                c.on(a, c.ec2("instance", r.instance_id.as_str()));
                c.on(a, c.ec2("volume", r.volume_id.as_str()));
            }
        }
        "ec2:DetachVolume" => {
            if let Some(r) = arg::<ec2::DetachVolumeRequest>(args, 0) {
                if let Some(i) = &r.instance_id {
                    c.on(a, c.ec2("instance", i.as_str()));
                }
                c.on(a, c.ec2("volume", r.volume_id.as_str()));
            }
        }
        "ec2:CreateKeyPair" => {
            if let Some(r) = arg::<ec2::CreateKeyPairRequest>(args, 0) {
                c.creates(a, c.ec2("key-pair", "*"), &r.tags, EC2_TAG);
            }
        }
        "ec2:ImportKeyPair" => {
            if let Some(r) = arg::<ec2::ImportKeyPairRequest>(args, 0) {
                c.creates(a, c.ec2("key-pair", "*"), &r.tags, EC2_TAG);
            }
        }
        "ec2:DeleteKeyPair" => {
            if let Some(n) = arg::<String>(args, 0) {
                c.on(a, c.ec2("key-pair", n));
            }
        }
        "ec2:ModifyVolume" => {
            if let Some(r) = arg::<ec2::ModifyVolumeRequest>(args, 0) {
                c.on(a, c.ec2("volume", r.volume_id.as_str()));
            }
        }
        "ec2:DeleteVolume" => {
            if let Some(v) = arg::<id::VolumeId>(args, 0) {
                c.on(a, c.ec2("volume", v.as_str()));
            }
        }
        "ec2:CreateSnapshot" => {
            if let Some(r) = arg::<ec2::CreateSnapshotRequest>(args, 0) {
                c.on(a, c.ec2("volume", r.volume_id.as_str()));
                c.creates(a, c.ec2("snapshot", "*"), &r.tags, EC2_TAG);
            }
        }
        "ec2:DeleteSnapshot" => {
            if let Some(s) = arg::<id::SnapshotId>(args, 0) {
                c.on(a, c.ec2("snapshot", s.as_str()));
            }
        }
        "ec2:CreateTags" => {
            if let (Some(ids), Some(tags)) = (arg::<Vec<String>>(args, 0), arg::<Tags>(args, 1)) {
                for id in ids {
                    let kind = ec2_kind(id);
                    let mut r = AccessRequest::new(a, c.ec2(kind, id)).request_tags(tags);
                    r.existing = Arn::parse(&r.resource);
                    c.out.push(r);
                }
            }
        }
        // ---- EBS direct (snapshot ARNs are EC2's)
        "ebs:StartSnapshot" => {
            if let Some(r) = arg::<ebs::StartSnapshotRequest>(args, 0) {
                if let Some(p) = &r.parent_snapshot_id {
                    c.on(a, c.ec2("snapshot", p.as_str()));
                }
                c.creates(a, c.ec2("snapshot", "*"), &r.tags, EC2_TAG);
            }
        }
        "ebs:PutSnapshotBlock" => {
            if let Some(r) = arg::<ebs::PutSnapshotBlockRequest>(args, 0) {
                c.on(a, c.ec2("snapshot", r.snapshot_id.as_str()));
            }
        }
        "ebs:CompleteSnapshot" => {
            if let Some(r) = arg::<ebs::CompleteSnapshotRequest>(args, 0) {
                c.on(a, c.ec2("snapshot", r.snapshot_id.as_str()));
            }
        }
        "ebs:ListSnapshotBlocks" => {
            if let Some(r) = arg::<ebs::ListSnapshotBlocksRequest>(args, 0) {
                c.on(a, c.ec2("snapshot", r.snapshot_id.as_str()));
            }
        }
        "ebs:GetSnapshotBlock" => {
            if let Some(r) = arg::<ebs::GetSnapshotBlockRequest>(args, 0) {
                c.on(a, c.ec2("snapshot", r.snapshot_id.as_str()));
            }
        }
        "ebs:ListChangedBlocks" => {
            if let Some(r) = arg::<ebs::ListChangedBlocksRequest>(args, 0) {
                if let Some(f) = &r.first_snapshot_id {
                    c.on(a, c.ec2("snapshot", f.as_str()));
                }
                c.on(a, c.ec2("snapshot", r.second_snapshot_id.as_str()));
            }
        }
        // ---- ELBv2
        "elasticloadbalancing:CreateLoadBalancer" => {
            if let Some(r) = arg::<elb::CreateLoadBalancerRequest>(args, 0) {
                let arn = c.elb(&format!("loadbalancer/app/{}/*", r.name.as_str()));
                c.creates(a, arn, &r.tags, ELB_TAG);
            }
        }
        "elasticloadbalancing:CreateTargetGroup" => {
            if let Some(r) = arg::<elb::CreateTargetGroupRequest>(args, 0) {
                let arn = c.elb(&format!("targetgroup/{}/*", r.name.as_str()));
                c.creates(a, arn, &r.tags, ELB_TAG);
            }
        }
        "elasticloadbalancing:CreateListener" => {
            if let Some(r) = arg::<elb::CreateListenerRequest>(args, 0) {
                // Authorized on the load balancer (the listener has no resource type here),
                // with the request's tags; tagging the new listener needs AddTags.
                let lb = r.load_balancer_arn.as_str().to_string();
                let mut req = AccessRequest::new(a, lb.clone()).request_tags(&r.tags);
                req.existing = Arn::parse(&lb);
                c.out.push(req);
                if !r.tags.is_empty() {
                    let listener = lb.replacen(":loadbalancer/", ":listener/", 1) + "/*";
                    let (tag_action, key) = ELB_TAG.expect("set");
                    c.out.push(
                        AccessRequest::new(tag_action, listener)
                            .request_tags(&r.tags)
                            .key(key, "CreateListener"),
                    );
                }
            }
        }
        "elasticloadbalancing:DeleteLoadBalancer" | "elasticloadbalancing:ModifyLoadBalancerAttributes" => {
            if let Some(arn) = arg::<id::LoadBalancerArn>(args, 0) {
                c.on(a, arn.as_str().to_string());
            }
        }
        "elasticloadbalancing:DeleteTargetGroup"
        | "elasticloadbalancing:ModifyTargetGroupAttributes"
        | "elasticloadbalancing:RegisterTargets"
        | "elasticloadbalancing:DeregisterTargets" => {
            if let Some(arn) = arg::<id::TargetGroupArn>(args, 0) {
                c.on(a, arn.as_str().to_string());
            }
        }
        "elasticloadbalancing:DeleteListener"
        | "elasticloadbalancing:AddListenerCertificates"
        | "elasticloadbalancing:RemoveListenerCertificates" => {
            if let Some(arn) = arg::<id::ListenerArn>(args, 0) {
                c.on(a, arn.as_str().to_string());
            }
        }
        "elasticloadbalancing:ModifyListener" => {
            if let Some(r) = arg::<elb::ModifyListenerRequest>(args, 0) {
                c.on(a, r.listener_arn.as_str().to_string());
            }
        }
        "elasticloadbalancing:CreateRule" => {
            if let Some(r) = arg::<elb::CreateRuleRequest>(args, 0) {
                // Authorized on the listener, with the request's tags; tagging the new rule
                // needs AddTags on it with the create-action key.
                let listener = r.listener_arn.as_str().to_string();
                let mut req = AccessRequest::new(a, listener.clone()).request_tags(&r.tags);
                req.existing = Arn::parse(&listener);
                c.out.push(req);
                if !r.tags.is_empty() {
                    let rule = listener.replacen(":listener/", ":listener-rule/", 1) + "/*";
                    let (tag_action, key) = ELB_TAG.expect("set");
                    c.out.push(
                        AccessRequest::new(tag_action, rule)
                            .request_tags(&r.tags)
                            .key(key, "CreateRule"),
                    );
                }
            }
        }
        "elasticloadbalancing:ModifyRule" => {
            if let Some(r) = arg::<elb::ModifyRuleRequest>(args, 0) {
                c.on(a, r.rule_arn.as_str().to_string());
            }
        }
        "elasticloadbalancing:DeleteRule" => {
            if let Some(arn) = arg::<id::RuleArn>(args, 0) {
                c.on(a, arn.as_str().to_string());
            }
        }
        "elasticloadbalancing:SetRulePriorities" => {
            for p in arg::<Vec<elb::RulePriority>>(args, 0).into_iter().flatten() {
                c.on(a, p.rule_arn.as_str().to_string());
            }
        }
        "elasticloadbalancing:RemoveTags" => {
            if let (Some(arns), Some(keys)) = (arg::<Vec<String>>(args, 0), arg::<Vec<String>>(args, 1)) {
                for arn in arns {
                    let mut r = AccessRequest::new(a, arn.clone()).tag_keys(keys);
                    r.existing = Arn::parse(arn);
                    c.out.push(r);
                }
            }
        }
        "elasticloadbalancing:AddTags" => {
            if let (Some(arns), Some(tags)) = (arg::<Vec<String>>(args, 0), arg::<Tags>(args, 1)) {
                for arn in arns {
                    let mut r = AccessRequest::new(a, arn.clone()).request_tags(tags);
                    r.existing = Arn::parse(arn);
                    c.out.push(r);
                }
            }
        }
        // ---- CloudWatch
        "cloudwatch:PutMetricData" => {
            if let Some(r) = arg::<cw::PutMetricDataRequest>(args, 0) {
                c.out
                    .push(AccessRequest::new(a, "*").key("cloudwatch:namespace", r.namespace.clone()));
            }
        }
        "cloudwatch:PutMetricAlarm" => {
            // PutMetricAlarm creates or updates: IAM sees the request's tags (not the
            // alarm's own: aws:ResourceTag applies only to its optional dataset). Both forms
            // (one metric, or metric math) are the one action on the alarm.
            let named = arg::<cw::PutMetricAlarmRequest>(args, 0)
                .map(|r| (&r.alarm_name, &r.tags))
                .or_else(|| arg::<cw::PutMetricMathAlarmRequest>(args, 0).map(|r| (&r.alarm_name, &r.tags)));
            if let Some((name, tags)) = named {
                c.out
                    .push(AccessRequest::new(a, c.alarm(name.as_str())).request_tags(tags));
            }
        }
        // PutCompositeAlarm: "you must be signed on with the cloudwatch:PutCompositeAlarm
        // permission that is scoped to *" (API reference): IAM is asked on every alarm's ARN,
        // so a policy naming the one alarm does not allow it; the request's tags are seen.
        "cloudwatch:PutCompositeAlarm" => {
            if let Some(r) = arg::<cw::PutCompositeAlarmRequest>(args, 0) {
                c.out.push(AccessRequest::new(a, c.alarm("*")).request_tags(&r.tags));
            }
        }
        // A listing may answer any alarm: IAM authorizes it on every alarm's ARN.
        "cloudwatch:DescribeAlarms" => c.out.push(AccessRequest::new(a, c.alarm("*"))),
        "cloudwatch:DeleteAlarms" | "cloudwatch:EnableAlarmActions" | "cloudwatch:DisableAlarmActions" => {
            for n in arg::<Vec<id::AlarmName>>(args, 0).into_iter().flatten() {
                c.on(a, c.alarm(n.as_str()));
            }
        }
        // One alarm's history is authorized on that alarm; every alarm's on all of them
        // (DescribeAlarmHistory: composite alarms need the permission scoped to `*`).
        "cloudwatch:DescribeAlarmHistory" => match arg::<cw::DescribeAlarmHistoryRequest>(args, 0) {
            Some(cw::DescribeAlarmHistoryRequest {
                alarm_name: Some(n), ..
            }) => c.on(a, c.alarm(n.as_str())),
            _ => c.out.push(AccessRequest::new(a, c.alarm("*"))),
        },
        "cloudwatch:SetAlarmState" => {
            if let Some(r) = arg::<cw::SetAlarmStateRequest>(args, 0) {
                c.on(a, c.alarm(r.alarm_name.as_str()));
            }
        }
        "cloudwatch:PutDashboard" => {
            if let Some(r) = arg::<cw::PutDashboardRequest>(args, 0) {
                c.out.push(AccessRequest::new(a, c.dashboard(&r.name)));
            }
        }
        "cloudwatch:GetDashboard" => {
            if let Some(n) = arg::<String>(args, 0) {
                c.out.push(AccessRequest::new(a, c.dashboard(n)));
            }
        }
        "cloudwatch:DeleteDashboards" => {
            for n in arg::<Vec<String>>(args, 0).into_iter().flatten() {
                c.out.push(AccessRequest::new(a, c.dashboard(n)));
            }
        }
        "cloudwatch:ListTagsForResource" => {
            if let Some(arn) = arg::<id::Arn>(args, 0) {
                c.on(a, arn.as_str().to_string());
            }
        }
        // TagResource / UntagResource: on the tagged resource (its tags are looked up), with
        // the tags added (aws:RequestTag, aws:TagKeys) or the keys removed (aws:TagKeys).
        "cloudwatch:TagResource" => {
            if let (Some(arn), Some(tags)) = (arg::<id::Arn>(args, 0), arg::<Tags>(args, 1)) {
                let mut r = AccessRequest::new(a, arn.as_str()).request_tags(tags);
                r.existing = Arn::parse(arn.as_str());
                c.out.push(r);
            }
        }
        "cloudwatch:UntagResource" => {
            if let (Some(arn), Some(keys)) = (arg::<id::Arn>(args, 0), arg::<Vec<String>>(args, 1)) {
                let mut r = AccessRequest::new(a, arn.as_str()).tag_keys(keys);
                r.existing = Arn::parse(arn.as_str());
                c.out.push(r);
            }
        }
        // ---- Lambda
        "lambda:CreateFunction" => {
            if let Some(r) = arg::<lambda::CreateFunctionRequest>(args, 0) {
                c.creates(a, c.function(r.name.as_str(), None), &r.tags, None);
                c.pass_role(r.role.as_str(), "lambda.amazonaws.com");
                c.layers(&r.layers);
            }
        }
        "lambda:UpdateFunctionCode" => {
            if let Some(r) = arg::<lambda::UpdateFunctionCodeRequest>(args, 0) {
                c.on(a, c.function(r.name.as_str(), None));
            }
        }
        "lambda:UpdateFunctionConfiguration" => {
            if let Some(r) = arg::<lambda::UpdateFunctionConfigurationRequest>(args, 0) {
                c.on(a, c.function(r.name.as_str(), None));
                if let Some(role) = &r.role {
                    c.pass_role(role.as_str(), "lambda.amazonaws.com");
                }
                c.layers(r.layers.as_deref().unwrap_or_default());
            }
        }
        "lambda:PublishVersion" => {
            if let Some(r) = arg::<lambda::PublishVersionRequest>(args, 0) {
                c.on(a, c.function(r.name.as_str(), None));
            }
        }
        "lambda:GetFunctionConfiguration" | "lambda:GetPolicy" | "lambda:DeleteFunction" => {
            if let Some(n) = arg::<id::FunctionName>(args, 0) {
                let q = arg::<Option<String>>(args, 1).and_then(|q| q.as_deref());
                c.on(a, c.function(n.as_str(), q));
            }
        }
        "lambda:ListVersionsByFunction" | "lambda:ListAliases" => {
            if let Some(n) = arg::<id::FunctionName>(args, 0) {
                c.on(a, c.function(n.as_str(), None));
            }
        }
        "lambda:CreateAlias" | "lambda:UpdateAlias" => {
            if let Some(r) = arg::<lambda::AliasRequest>(args, 0) {
                c.on(a, c.function(r.function.as_str(), None));
            }
        }
        "lambda:GetAlias" | "lambda:DeleteAlias" => {
            if let (Some(f), Some(n)) = (arg::<id::FunctionName>(args, 0), arg::<id::AliasName>(args, 1)) {
                c.on(a, c.function(f.as_str(), Some(n.as_str())));
            }
        }
        "lambda:InvokeFunction" => {
            if let Some(r) = arg::<lambda::InvokeRequest>(args, 0) {
                c.on(a, c.function(r.function.as_str(), r.qualifier.as_deref()));
            }
        }
        "lambda:AddPermission" => {
            if let Some(r) = arg::<lambda::AddPermissionRequest>(args, 0) {
                c.on(a, c.function(r.function.as_str(), r.qualifier.as_deref()));
            }
        }
        "lambda:RemovePermission" => {
            if let Some(r) = arg::<lambda::RemovePermissionRequest>(args, 0) {
                c.on(a, c.function(r.function.as_str(), r.qualifier.as_deref()));
            }
        }
        "lambda:PutFunctionConcurrency" | "lambda:GetFunctionConcurrency" | "lambda:DeleteFunctionConcurrency" => {
            if let Some(n) = arg::<id::FunctionName>(args, 0) {
                c.on(a, c.function(n.as_str(), None));
            }
        }
        // Function URLs are authorized on the function (or alias) ARN.
        "lambda:CreateFunctionUrlConfig" | "lambda:UpdateFunctionUrlConfig" => {
            if let Some(r) = arg::<lambda::FunctionUrlRequest>(args, 0) {
                c.on(a, c.function(r.function.as_str(), r.qualifier.as_deref()));
            }
        }
        "lambda:GetFunctionUrlConfig" | "lambda:DeleteFunctionUrlConfig" => {
            if let (Some(n), Some(q)) = (arg::<id::FunctionName>(args, 0), arg::<Option<String>>(args, 1)) {
                c.on(a, c.function(n.as_str(), q.as_deref()));
            }
        }
        // Layers: PublishLayerVersion is authorized on the layer, Get and Delete on the
        // version; ListLayerVersions has no resource type.
        "lambda:PublishLayerVersion" => {
            if let Some(r) = arg::<lambda::PublishLayerVersionRequest>(args, 0) {
                c.on(a, c.layer(r.layer_name.as_str(), None));
            }
        }
        "lambda:GetLayerVersion" | "lambda:DeleteLayerVersion" => {
            if let (Some(l), Some(v)) = (arg::<id::LayerName>(args, 0), arg::<u64>(args, 1)) {
                c.on(a, c.layer(l.as_str(), Some(*v)));
            }
        }
        "lambda:ListTags" | "lambda:TagResource" | "lambda:UntagResource" => {
            if let Some(arn) = arg::<id::Arn>(args, 0) {
                c.on(a, arn.as_str().to_string());
            }
        }
        // ---- Auto Scaling: on the group (its ARN's group id is not known to a request: `*`).
        "autoscaling:CreateAutoScalingGroup" => {
            if let Some(r) = arg::<autoscaling::CreateAutoScalingGroupRequest>(args, 0) {
                let arn = c.asg(r.name.as_str());
                c.out.push(AccessRequest::new(a, arn.clone()).request_tags(&r.tags));
                // AWS checks that the caller may launch from the group's launch template.
                let lt = c.ec2("launch-template", r.launch_template.id().map_or("*", |i| i.as_str()));
                c.on("ec2:RunInstances", lt);
                // Tags given at creation also need CreateOrUpdateTags.
                if !r.tags.is_empty() {
                    c.out
                        .push(AccessRequest::new("autoscaling:CreateOrUpdateTags", arn).request_tags(&r.tags));
                }
            }
        }
        "autoscaling:UpdateAutoScalingGroup" => {
            if let Some(r) = arg::<autoscaling::UpdateAutoScalingGroupRequest>(args, 0) {
                c.on(a, c.asg(r.name.as_str()));
                if let Some(t) = &r.launch_template {
                    c.on(
                        "ec2:RunInstances",
                        c.ec2("launch-template", t.id().map_or("*", |i| i.as_str())),
                    );
                }
            }
        }
        "autoscaling:PutScalingPolicy" => {
            if let Some(r) = arg::<autoscaling::PutScalingPolicyRequest>(args, 0) {
                c.on(a, c.asg(r.group.as_str()));
            }
        }
        "autoscaling:StartInstanceRefresh" => {
            if let Some(r) = arg::<autoscaling::StartInstanceRefreshRequest>(args, 0) {
                c.on(a, c.asg(r.group.as_str()));
            }
        }
        "autoscaling:DeleteAutoScalingGroup"
        | "autoscaling:SetDesiredCapacity"
        | "autoscaling:DeletePolicy"
        | "autoscaling:CancelInstanceRefresh" => {
            if let Some(g) = arg::<id::AutoScalingGroupName>(args, 0) {
                c.on(a, c.asg(g.as_str()));
            }
        }
        // Describe*, List*, Get* without resource-level permissions.
        _ => {}
    }
    if c.out.is_empty() {
        c.any(a);
    }
    c.out
}

/// The EC2 resource type of an id, from its prefix (CreateTags takes ids of any kind).
fn ec2_kind(id: &str) -> &'static str {
    match id.split('-').next().unwrap_or("") {
        "i" => "instance",
        "vol" => "volume",
        "snap" => "snapshot",
        "sg" => "security-group",
        "ami" => "image",
        "subnet" => "subnet",
        "vpc" => "vpc",
        "eni" => "network-interface",
        "eipalloc" => "elastic-ip",
        "lt" => "launch-template",
        _ => "*",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Service;

    fn op(name: &'static str, iam: &'static str) -> Op {
        Op {
            service: Service::Ec2,
            name,
            iam_action: iam,
        }
    }

    #[test]
    fn run_instances_authorizes_what_it_uses_and_creates() {
        let req = crate::ec2::RunInstancesRequest::builder()
            .image_id("ami-0123456789abcdef0".parse().unwrap())
            .instance_type("t3.micro".parse().unwrap())
            .security_group_ids(vec!["sg-0123456789abcdef0".parse().unwrap()])
            .tags([("k".to_string(), "v".to_string())].into())
            .build()
            .unwrap();
        let args: [&dyn Any; 1] = [&req];
        let got = requests(op("RunInstances", "ec2:RunInstances"), &args, "us-east-1", "123");
        let rs: Vec<(&str, &str)> = got.iter().map(|r| (r.action.as_str(), r.resource.as_str())).collect();
        assert!(
            rs.contains(&("ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0")),
            "{rs:?}"
        );
        assert!(rs.contains(&(
            "ec2:RunInstances",
            "arn:aws:ec2:us-east-1:123:security-group/sg-0123456789abcdef0"
        )));
        assert!(rs.contains(&("ec2:RunInstances", "arn:aws:ec2:us-east-1:123:instance/*")));
        assert!(rs.contains(&("ec2:CreateTags", "arn:aws:ec2:us-east-1:123:instance/*")));
        let tag = got.iter().find(|r| r.action == "ec2:CreateTags").unwrap();
        assert_eq!(tag.context["ec2:CreateAction"], ["RunInstances"]);
        assert_eq!(tag.context["aws:RequestTag/k"], ["v"]);
        let sg = got.iter().find(|r| r.resource.contains("security-group")).unwrap();
        assert!(sg.existing.is_some(), "an existing group's tags are looked up");
    }

    #[test]
    fn instance_power_and_tag_removal_are_authorized_on_each_resource() {
        let ids: Vec<crate::id::InstanceId> = vec!["i-0123456789abcdef0".parse().unwrap()];
        let stop = crate::ec2::StopInstancesRequest::new(ids.clone());
        let args: [&dyn Any; 1] = [&stop];
        let got = requests(op("StopInstances", "ec2:StopInstances"), &args, "us-east-1", "123");
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].resource,
            "arn:aws:ec2:us-east-1:123:instance/i-0123456789abcdef0"
        );
        assert!(got[0].existing.is_some(), "ec2:ResourceTag conditions apply");
        let args: [&dyn Any; 1] = [&ids];
        let got = requests(op("StartInstances", "ec2:StartInstances"), &args, "us-east-1", "123");
        assert_eq!(
            got[0].resource,
            "arn:aws:ec2:us-east-1:123:instance/i-0123456789abcdef0"
        );

        let resources = vec!["vol-0123456789abcdef0".to_string()];
        let keys = vec!["owner".to_string()];
        let args: [&dyn Any; 2] = [&resources, &keys];
        let got = requests(op("DeleteTags", "ec2:DeleteTags"), &args, "us-east-1", "123");
        assert_eq!(
            got[0].resource,
            "arn:aws:ec2:us-east-1:123:volume/vol-0123456789abcdef0"
        );
        assert_eq!(got[0].context["aws:TagKeys"], ["owner"]);
    }

    #[test]
    fn alarm_history_is_authorized_on_the_alarm_or_on_every_alarm() {
        let one = crate::cloudwatch::DescribeAlarmHistoryRequest::builder()
            .alarm_name("cpu".parse().unwrap())
            .build()
            .unwrap();
        let args: [&dyn Any; 1] = [&one];
        let op_ = || op("DescribeAlarmHistory", "cloudwatch:DescribeAlarmHistory");
        let got = requests(op_(), &args, "us-east-1", "123");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].resource, "arn:aws:cloudwatch:us-east-1:123:alarm:cpu");
        assert!(got[0].existing.is_some());
        let all = crate::cloudwatch::DescribeAlarmHistoryRequest::default();
        let args: [&dyn Any; 1] = [&all];
        let got = requests(op_(), &args, "us-east-1", "123");
        assert_eq!(got[0].resource, "arn:aws:cloudwatch:us-east-1:123:alarm:*");
    }

    #[test]
    fn math_and_composite_alarms_are_authorized_with_their_tags() {
        use crate::cloudwatch::{
            ComparisonOperator, Metric, MetricDataQuery, MetricStat, PutCompositeAlarmRequest,
            PutMetricMathAlarmRequest,
        };
        let tags = Tags::from([("team".to_string(), "web".to_string())]);
        let math = PutMetricMathAlarmRequest::builder()
            .alarm_name("rate".parse().unwrap())
            .metrics(vec![
                MetricDataQuery::builder()
                    .id("m")
                    .metric(
                        MetricStat::builder()
                            .metric(Metric::builder().namespace("App").metric_name("m").build())
                            .period_secs(60)
                            .stat("Sum")
                            .build(),
                    )
                    .return_data(false)
                    .build(),
                MetricDataQuery::builder().id("e").expression("m * 2").build(),
            ])
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison(ComparisonOperator::GreaterThanThreshold)
            .tags(tags.clone())
            .build()
            .unwrap();
        let args: [&dyn Any; 1] = [&math];
        let got = requests(
            op("PutMetricAlarm", "cloudwatch:PutMetricAlarm"),
            &args,
            "us-east-1",
            "123",
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].resource, "arn:aws:cloudwatch:us-east-1:123:alarm:rate");
        assert_eq!(got[0].context["aws:RequestTag/team"], ["web"]);
        let composite = PutCompositeAlarmRequest::builder()
            .alarm_name("web".parse().unwrap())
            .rule("ALARM(rate)")
            .tags(tags)
            .build()
            .unwrap();
        let args: [&dyn Any; 1] = [&composite];
        let got = requests(
            op("PutCompositeAlarm", "cloudwatch:PutCompositeAlarm"),
            &args,
            "us-east-1",
            "123",
        );
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].resource, "arn:aws:cloudwatch:us-east-1:123:alarm:*",
            "PutCompositeAlarm needs the permission scoped to *"
        );
        assert_eq!(got[0].context["aws:TagKeys"], ["team"]);
    }

    #[test]
    fn cloudwatch_tagging_is_authorized_on_the_resource_with_its_keys() {
        let arn: crate::id::Arn = "arn:aws:cloudwatch:us-east-1:123:alarm:cpu".parse().unwrap();
        let tags = Tags::from([("team".to_string(), "web".to_string())]);
        let args: [&dyn Any; 2] = [&arn, &tags];
        let got = requests(op("TagResource", "cloudwatch:TagResource"), &args, "us-east-1", "123");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].resource, arn.as_str());
        assert_eq!(got[0].context["aws:RequestTag/team"], ["web"]);
        assert_eq!(got[0].context["aws:TagKeys"], ["team"]);
        assert!(got[0].existing.is_some(), "the alarm's own tags are looked up");
        let keys = vec!["team".to_string()];
        let args: [&dyn Any; 2] = [&arn, &keys];
        let got = requests(
            op("UntagResource", "cloudwatch:UntagResource"),
            &args,
            "us-east-1",
            "123",
        );
        assert_eq!(got[0].resource, arn.as_str());
        assert_eq!(got[0].context["aws:TagKeys"], ["team"]);
        assert!(!got[0].context.contains_key("aws:RequestTag/team"));
    }

    #[test]
    fn a_group_is_authorized_on_its_arn_with_its_tags_and_its_launch_template() {
        use crate::autoscaling::CreateAutoScalingGroupRequest;
        let req = CreateAutoScalingGroupRequest::builder()
            .name("web".parse().unwrap())
            .launch_template("lt-0123456789abcdef0".parse::<crate::id::LaunchTemplateId>().unwrap())
            .min_size(1)
            .max_size(2)
            .subnets(vec!["subnet-0123456789abcdef0".parse().unwrap()])
            .tags(Tags::from([("owner".to_string(), "me".to_string())]))
            .build()
            .unwrap();
        let op = Op {
            service: Service::AutoScaling,
            name: "CreateAutoScalingGroup",
            iam_action: "autoscaling:CreateAutoScalingGroup",
        };
        let got = requests(op, &[&req], "us-east-1", "123456789012");
        let group = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/web";
        let actions: Vec<(&str, &str)> = got.iter().map(|r| (r.action.as_str(), r.resource.as_str())).collect();
        assert_eq!(
            actions,
            vec![
                ("autoscaling:CreateAutoScalingGroup", group),
                (
                    "ec2:RunInstances",
                    "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0123456789abcdef0"
                ),
                ("autoscaling:CreateOrUpdateTags", group),
            ]
        );
        assert_eq!(got[0].context["aws:RequestTag/owner"], vec!["me".to_string()]);
    }

    #[test]
    fn unknown_args_fall_back_to_the_action_on_star() {
        let got = requests(op("DescribeVpcs", "ec2:DescribeVpcs"), &[], "r", "a");
        assert_eq!(got, vec![AccessRequest::new("ec2:DescribeVpcs", "*")]);
    }

    #[test]
    fn arns_parse() {
        let a = Arn::parse("arn:aws:lambda:us-east-1:1:function:f:live").unwrap();
        assert_eq!(a.kind_and_id(), ("function", "f:live"));
        let a = Arn::parse("arn:aws:ec2:us-east-1:1:instance/i-1").unwrap();
        assert_eq!(a.kind_and_id(), ("instance", "i-1"));
        assert!(Arn::parse("i-1").is_none());
    }
}
