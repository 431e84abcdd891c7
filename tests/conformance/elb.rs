//! ELBv2 scenarios (Application Load Balancers, target groups, targets, listeners, tags).

use aws_facade::elb::{
    Action, Attributes, CreateListenerRequest, CreateLoadBalancerRequest, CreateRuleRequest, CreateTargetGroupRequest,
    DEREGISTRATION_DELAY, DescribeLoadBalancersRequest, DescribeRulesRequest, DescribeTargetGroupsRequest,
    FixedResponseConfig, ForwardConfig, HealthCheck, ListenerCertificate, LoadBalancer, LoadBalancerState,
    ModifyListenerRequest, ModifyRuleRequest, Protocol, RedirectConfig, RedirectStatusCode, RuleCondition,
    RulePriority, Scheme, Target, TargetGroup, TargetHealth, TargetHealthState, WeightedTargetGroup,
};
use aws_facade::id::{Arn, LoadBalancerArn, TargetGroupArn};

use super::*;

impl Backend {
    /// A load balancer `name` in two zones with security group `sg`, tagged for `scenario`.
    pub async fn create_load_balancer(&self, name: &str, subnets: &[Subnet; 2], sg: &SecurityGroupId) -> LoadBalancer {
        let req = CreateLoadBalancerRequest::builder()
            .name(name.parse().expect("load balancer name"))
            .subnets(subnets.iter().map(|s| s.id.clone()).collect())
            .security_groups(vec![sg.clone()])
            .tags(self.tags(name))
            .build()
            .expect("valid CreateLoadBalancer request");
        self.cloud
            .elb
            .create_load_balancer(req)
            .await
            .expect("create load balancer")
    }

    /// Waits until load balancer `arn` is `active`.
    pub async fn wait_load_balancer_active(&self, arn: &LoadBalancerArn) -> LoadBalancer {
        let elb = self.cloud.elb.clone();
        self.waiter(format!("load balancer {arn} active"))
            .until(|| {
                let elb = elb.clone();
                let req = DescribeLoadBalancersRequest::builder()
                    .arns(vec![arn.clone()])
                    .build()
                    .expect("valid");
                async move {
                    let lb = elb.describe_load_balancers(req).await?.remove(0);
                    Ok(if lb.state == LoadBalancerState::Active {
                        Check::Done(lb)
                    } else {
                        Check::Pending(lb.state.to_string())
                    })
                }
            })
            .await
            .unwrap_or_else(|e| panic!("waiting for load balancer {arn}: {e}"))
    }

    /// An HTTP target group of instances on port 80 in the default VPC.
    pub async fn create_target_group(&self, name: &str, health_check: HealthCheck) -> TargetGroup {
        let vpc = self.cloud.ec2.default_vpc().await.expect("default VPC");
        self.cloud
            .elb
            .create_target_group(self.target_group_request(name, vpc.id, health_check))
            .await
            .expect("create target group")
    }

    fn target_group_request(
        &self,
        name: &str,
        vpc: aws_facade::id::VpcId,
        health_check: HealthCheck,
    ) -> CreateTargetGroupRequest {
        CreateTargetGroupRequest::builder()
            .name(name.parse().expect("target group name"))
            .port(80)
            .vpc_id(vpc)
            .health_check(health_check)
            .tags(self.tags(name))
            .build()
            .expect("valid CreateTargetGroup request")
    }

    /// The health of every registered target of `tg`, sorted by instance id.
    pub async fn target_health(&self, tg: &TargetGroupArn) -> Vec<TargetHealth> {
        let mut h = self
            .cloud
            .elb
            .describe_target_health(tg.clone(), Vec::new())
            .await
            .expect("describe target health");
        h.sort_by(|a, b| a.target.id.cmp(&b.target.id));
        h
    }

    /// Waits until every registered target of `tg` satisfies `done` (and returns their health).
    pub async fn wait_targets(
        &self,
        tg: &TargetGroupArn,
        what: &str,
        done: impl Fn(&[TargetHealth]) -> bool,
    ) -> Vec<TargetHealth> {
        let elb = self.cloud.elb.clone();
        let done = &done;
        self.waiter(format!("targets of {tg} {what}"))
            .until(|| {
                let (elb, tg) = (elb.clone(), tg.clone());
                async move {
                    let h = elb.describe_target_health(tg, Vec::new()).await?;
                    Ok(if done(&h) {
                        Check::Done(h)
                    } else {
                        Check::Pending(format!("{h:?}"))
                    })
                }
            })
            .await
            .unwrap_or_else(|e| panic!("waiting for targets of {tg} {what}: {e}"))
    }
}

/// A load balancer: `provisioning` → `active` in two zones with its security group, found by
/// ARN and by name, tagged (and tags added), deleted (then not found; deleting again succeeds).
pub async fn elb_load_balancer_lifecycle_with_tags(b: &Backend) {
    let subnets = b.subnets_in_two_zones().await;
    let sg = b
        .security_group("conf-lb", 80, Some(IngressSource::Cidr("0.0.0.0/0".into())))
        .await;
    let lb = b.create_load_balancer("conf-lb-life", &subnets, &sg).await;
    assert_eq!(lb.name.as_str(), "conf-lb-life");
    assert_eq!(
        lb.state,
        LoadBalancerState::Provisioning,
        "a new ALB is provisioning: {lb:?}"
    );
    assert_eq!(lb.scheme, Scheme::InternetFacing);
    assert_eq!(lb.security_groups, vec![sg.clone()]);
    assert!(lb.dns_name.contains("conf-lb-life"), "{lb:?}");
    assert!(lb.arn.as_str().contains(":loadbalancer/app/conf-lb-life/"), "{lb:?}");
    let zones: BTreeSet<_> = lb.availability_zones.iter().map(|z| z.zone.clone()).collect();
    let want: BTreeSet<_> = subnets.iter().map(|s| s.availability_zone.clone()).collect();
    assert_eq!(zones, want, "{lb:?}");
    assert_eq!(lb.vpc_id, subnets[0].vpc_id);

    let active = b.wait_load_balancer_active(&lb.arn).await;
    assert_eq!(active.arn, lb.arn);
    let by_name = b
        .cloud
        .elb
        .describe_load_balancers(
            DescribeLoadBalancersRequest::builder()
                .names(vec![lb.name.clone()])
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by name");
    assert_eq!(by_name.iter().map(|l| &l.arn).collect::<Vec<_>>(), vec![&lb.arn]);

    let tags = b
        .cloud
        .elb
        .describe_tags(vec![lb.arn.to_string()])
        .await
        .expect("describe tags");
    assert_eq!(tags.len(), 1, "{tags:?}");
    assert_eq!(tags[0].arn, lb.arn.as_str());
    assert_eq!(tags[0].tags, b.tags("conf-lb-life"));
    b.cloud
        .elb
        .add_tags(
            vec![lb.arn.to_string()],
            Tags::from([("tier".to_string(), "web".to_string())]),
        )
        .await
        .expect("add tags");
    let tags = b
        .cloud
        .elb
        .describe_tags(vec![lb.arn.to_string()])
        .await
        .expect("describe tags");
    assert_eq!(tags[0].tags.get("tier").map(String::as_str), Some("web"));
    assert_eq!(tags[0].tags.len(), 3, "added to the existing tags: {tags:?}");

    b.cloud.elb.delete_load_balancer(lb.arn.clone()).await.expect("delete");
    let e = expect_err(
        b.cloud
            .elb
            .describe_load_balancers(
                DescribeLoadBalancersRequest::builder()
                    .arns(vec![lb.arn.clone()])
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::NotFound,
        "describe a deleted load balancer",
    );
    assert_eq!(e.code(), Some("LoadBalancerNotFound"), "{e:?}");
    b.cloud
        .elb
        .delete_load_balancer(lb.arn.clone())
        .await
        .expect("deleting a deleted load balancer succeeds");
    b.delete_security_group(&sg).await;
}

/// CreateLoadBalancer is idempotent for the same name and settings (the same ARN comes back);
/// the same name with other settings is `DuplicateLoadBalancerName`, a conflict. Likewise
/// CreateTargetGroup with `DuplicateTargetGroupName`.
pub async fn elb_load_balancer_name_is_idempotent_then_a_conflict(b: &Backend) {
    let subnets = b.subnets_in_two_zones().await;
    let sg = b.security_group("conf-dup-a", 80, None).await;
    let other_sg = b.security_group("conf-dup-b", 80, None).await;
    let lb = b.create_load_balancer("conf-dup", &subnets, &sg).await;
    let tg = b.create_target_group("conf-dup-tg", HealthCheck::default()).await;
    if b.deviates(DeviationId::ElbCreateIsNotIdempotent) {
        eprintln!("{:?}", deviation(DeviationId::ElbCreateIsNotIdempotent));
    } else {
        let again = b.create_load_balancer("conf-dup", &subnets, &sg).await;
        assert_eq!(again.arn, lb.arn, "the same settings return the existing load balancer");
        let tg_again = b.create_target_group("conf-dup-tg", HealthCheck::default()).await;
        assert_eq!(
            tg_again.arn, tg.arn,
            "the same settings return the existing target group"
        );
        let e = expect_err(
            b.cloud
                .elb
                .create_load_balancer(
                    CreateLoadBalancerRequest::builder()
                        .name("conf-dup".parse().expect("name"))
                        .subnets(subnets.iter().map(|s| s.id.clone()).collect())
                        .security_groups(vec![other_sg.clone()])
                        .build()
                        .expect("valid"),
                )
                .await,
            ErrorKind::Conflict,
            "the same name with other security groups",
        );
        assert_eq!(e.code(), Some("DuplicateLoadBalancerName"), "{e:?}");
    }
    let vpc = b.cloud.ec2.default_vpc().await.expect("default VPC");
    let other_hc = HealthCheck::builder().path("/other").build().expect("valid");
    let e = expect_err(
        b.cloud
            .elb
            .create_target_group(b.target_group_request("conf-dup-tg", vpc.id, other_hc))
            .await,
        ErrorKind::Conflict,
        "a target group with the same name and another health check",
    );
    assert_eq!(e.code(), Some("DuplicateTargetGroupName"), "{e:?}");
    let all = b
        .cloud
        .elb
        .describe_load_balancers(DescribeLoadBalancersRequest::default())
        .await
        .expect("describe all");
    for l in all {
        b.cloud.elb.delete_load_balancer(l.arn).await.expect("delete");
    }
    b.cloud
        .elb
        .delete_target_group(tg.arn)
        .await
        .expect("delete target group");
    b.delete_security_group(&sg).await;
    b.delete_security_group(&other_sg).await;
}

/// Unknown load balancers, target groups and listeners answer their `*NotFound` codes,
/// classified NotFound with the kind of resource.
pub async fn elb_unknown_resources_are_not_found(b: &Backend) {
    let account = moto::ACCOUNT_ID;
    let region = moto::REGION;
    let lb: LoadBalancerArn =
        format!("arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/conf-none/0123456789abcdef")
            .parse()
            .expect("ARN");
    let tg: TargetGroupArn =
        format!("arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/conf-none/0123456789abcdef")
            .parse()
            .expect("ARN");
    let listener = format!(
        "arn:aws:elasticloadbalancing:{region}:{account}:listener/app/conf-none/0123456789abcdef/0123456789abcdef"
    )
    .parse()
    .expect("ARN");
    let check = |e: Error, code: &str, kind: &str| {
        assert_eq!(e.code(), Some(code), "{e:?}");
        let Error::NotFound { kind: got, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(got, kind, "{e:?}");
    };
    let by_name = b
        .cloud
        .elb
        .describe_load_balancers(
            DescribeLoadBalancersRequest::builder()
                .names(vec!["conf-none".parse().expect("name")])
                .build()
                .expect("valid"),
        )
        .await;
    check(
        expect_err(
            by_name,
            ErrorKind::NotFound,
            "describe an unknown load balancer by name",
        ),
        "LoadBalancerNotFound",
        "load balancer",
    );
    check(
        expect_err(
            b.cloud.elb.describe_listeners(lb).await,
            ErrorKind::NotFound,
            "listeners of an unknown load balancer",
        ),
        "LoadBalancerNotFound",
        "load balancer",
    );
    let tgs = b
        .cloud
        .elb
        .describe_target_groups(
            DescribeTargetGroupsRequest::builder()
                .arns(vec![tg.clone()])
                .build()
                .expect("valid"),
        )
        .await;
    check(
        expect_err(tgs, ErrorKind::NotFound, "describe an unknown target group"),
        "TargetGroupNotFound",
        "target group",
    );
    check(
        expect_err(
            b.cloud.elb.describe_target_group_attributes(tg.clone()).await,
            ErrorKind::NotFound,
            "attributes of an unknown target group",
        ),
        "TargetGroupNotFound",
        "target group",
    );
    check(
        expect_err(
            b.cloud.elb.describe_target_health(tg, Vec::new()).await,
            ErrorKind::NotFound,
            "health of an unknown target group",
        ),
        "TargetGroupNotFound",
        "target group",
    );
    check(
        expect_err(
            b.cloud.elb.delete_listener(listener).await,
            ErrorKind::NotFound,
            "delete an unknown listener",
        ),
        "ListenerNotFound",
        "listener",
    );
}

/// A target group keeps its health check (with AWS's default timeout filled in), starts with a
/// 300 s deregistration delay, takes a new one, refuses unknown attributes, and is deleted.
pub async fn elb_target_group_health_check_and_attributes(b: &Backend) {
    let hc = HealthCheck::builder()
        .path("/healthz")
        .interval_secs(15)
        .healthy_threshold(3)
        .unhealthy_threshold(4)
        .matcher("200-299")
        .build()
        .expect("valid health check");
    let tg = b.create_target_group("conf-tg-attrs", hc.clone()).await;
    assert_eq!(tg.protocol, Protocol::Http);
    assert_eq!(tg.port, 80);
    assert!(tg.load_balancer_arns.is_empty(), "{tg:?}");
    let got = &tg.health_check;
    assert_eq!(
        (got.path.as_str(), got.port.as_str(), got.interval_secs),
        ("/healthz", "traffic-port", 15)
    );
    assert_eq!((got.healthy_threshold, got.unhealthy_threshold), (3, 4));
    assert_eq!(got.matcher, "200-299");
    if b.deviates(DeviationId::ElbDefaultHealthCheckTimeout) {
        assert_eq!(got.timeout_secs, Some(5), "{got:?}");
    } else {
        assert_eq!(got.timeout_secs, Some(6), "AWS's default for HTTP is 6 s: {got:?}");
    }
    let described = b
        .cloud
        .elb
        .describe_target_groups(
            DescribeTargetGroupsRequest::builder()
                .names(vec![tg.name.clone()])
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe by name");
    assert_eq!(described, vec![tg.clone()]);

    let attrs = b
        .cloud
        .elb
        .describe_target_group_attributes(tg.arn.clone())
        .await
        .expect("attributes");
    assert_eq!(
        attrs.get(DEREGISTRATION_DELAY).map(String::as_str),
        Some("300"),
        "{attrs:?}"
    );
    let changed = b
        .cloud
        .elb
        .modify_target_group_attributes(
            tg.arn.clone(),
            Attributes::from([(DEREGISTRATION_DELAY.to_string(), "30".to_string())]),
        )
        .await
        .expect("modify attributes");
    assert_eq!(changed.get(DEREGISTRATION_DELAY).map(String::as_str), Some("30"));
    if !b.deviates(DeviationId::ElbModifyAttributesAnswersOnlyChanged) {
        assert_eq!(
            changed.get("stickiness.enabled").map(String::as_str),
            Some("false"),
            "all attributes come back: {changed:?}"
        );
    }
    let again = b
        .cloud
        .elb
        .describe_target_group_attributes(tg.arn.clone())
        .await
        .expect("attributes");
    assert_eq!(again.get(DEREGISTRATION_DELAY).map(String::as_str), Some("30"));

    b.cloud
        .elb
        .delete_target_group(tg.arn.clone())
        .await
        .expect("delete target group");
    let e = expect_err(
        b.cloud.elb.describe_target_group_attributes(tg.arn).await,
        ErrorKind::NotFound,
        "a deleted target group",
    );
    assert_eq!(e.code(), Some("TargetGroupNotFound"), "{e:?}");
}

/// The pieces of a web tier: two security groups, a load balancer, a target group with a
/// fast health check, a listener, and one running instance admitting the load balancer.
pub struct Tier {
    pub lb_sg: SecurityGroupId,
    pub app_sg: SecurityGroupId,
    pub lb: LoadBalancer,
    pub tg: TargetGroup,
    pub instance: Instance,
}

impl Tier {
    pub async fn build(b: &Backend, name: &str) -> Tier {
        let subnets = b.subnets_in_two_zones().await;
        let lb_sg = b
            .security_group(&format!("{name}-lb"), 80, Some(IngressSource::Cidr("0.0.0.0/0".into())))
            .await;
        let app_sg = b
            .security_group(&format!("{name}-app"), 80, Some(IngressSource::Group(lb_sg.clone())))
            .await;
        let instance = b
            .launch_in_groups(1, Some(&subnets[0]), vec![app_sg.clone()], b.tags(name))
            .await
            .remove(0);
        let hc = HealthCheck::builder()
            .interval_secs(10)
            .healthy_threshold(2)
            .build()
            .expect("valid");
        let tg = b.create_target_group(&format!("{name}-tg"), hc).await;
        let lb = b.create_load_balancer(&format!("{name}-lb"), &subnets, &lb_sg).await;
        b.wait_instance(&instance.id, InstanceState::Running).await;
        Tier {
            lb_sg,
            app_sg,
            lb,
            tg,
            instance,
        }
    }

    pub async fn listener(&self, b: &Backend) -> aws_facade::elb::Listener {
        b.cloud
            .elb
            .create_listener(
                CreateListenerRequest::builder()
                    .load_balancer_arn(self.lb.arn.clone())
                    .port(80)
                    .default_target_group(self.tg.arn.clone())
                    .build()
                    .expect("valid CreateListener request"),
            )
            .await
            .expect("create listener")
    }

    /// Deletes everything in the teardown order that works (listeners go with the load
    /// balancer).
    pub async fn destroy(self, b: &Backend) {
        b.cloud
            .elb
            .delete_load_balancer(self.lb.arn)
            .await
            .expect("delete load balancer");
        b.cloud
            .elb
            .delete_target_group(self.tg.arn)
            .await
            .expect("delete target group");
        b.terminate(&[self.instance.id]).await;
        b.delete_security_group(&self.app_sg).await;
        b.delete_security_group(&self.lb_sg).await;
    }
}

/// A running instance registered behind a listener goes `initial` → `healthy` (its group
/// admits the load balancer's); deregistered, it is `draining` for the deregistration delay,
/// then no longer listed.
pub async fn elb_targets_register_become_healthy_and_drain(b: &Backend) {
    let tier = Tier::build(b, "conf-health").await;
    b.cloud
        .elb
        .modify_target_group_attributes(
            tier.tg.arn.clone(),
            Attributes::from([(DEREGISTRATION_DELAY.to_string(), "20".to_string())]),
        )
        .await
        .expect("set deregistration delay");
    tier.listener(b).await;
    b.wait_load_balancer_active(&tier.lb.arn).await;
    let target = Target::instance(tier.instance.id.clone());
    b.cloud
        .elb
        .register_targets(tier.tg.arn.clone(), vec![target.clone()])
        .await
        .expect("register");
    let h = b.target_health(&tier.tg.arn).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].target.id, tier.instance.id);
    assert_eq!(h[0].target.port, Some(80), "the target group's port: {h:?}");
    if b.deviates(DeviationId::ElbTargetHealthIsInstant) {
        assert_eq!(h[0].state, TargetHealthState::Healthy, "{h:?}");
    } else {
        assert_eq!(
            h[0].state,
            TargetHealthState::Initial,
            "health checks have not run yet: {h:?}"
        );
        assert_eq!(h[0].reason.as_deref(), Some("Elb.InitialHealthChecking"), "{h:?}");
    }
    let healthy = b
        .wait_targets(&tier.tg.arn, "healthy", |h| {
            h.len() == 1 && h[0].state == TargetHealthState::Healthy
        })
        .await;
    assert_eq!(healthy[0].reason, None, "{healthy:?}");
    let asked = b
        .cloud
        .elb
        .describe_target_health(tier.tg.arn.clone(), vec![target.clone()])
        .await
        .expect("health of one target");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].state, TargetHealthState::Healthy);

    b.cloud
        .elb
        .deregister_targets(tier.tg.arn.clone(), vec![target.clone()])
        .await
        .expect("deregister");
    if b.deviates(DeviationId::ElbTargetHealthIsInstant) {
        assert!(b.target_health(&tier.tg.arn).await.is_empty(), "moto: gone at once");
    } else {
        let h = b.target_health(&tier.tg.arn).await;
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0].state, TargetHealthState::Draining, "{h:?}");
        assert_eq!(h[0].reason.as_deref(), Some("Target.DeregistrationInProgress"));
    }
    b.wait_targets(&tier.tg.arn, "gone", <[TargetHealth]>::is_empty).await;
    let asked = b
        .cloud
        .elb
        .describe_target_health(tier.tg.arn.clone(), vec![target])
        .await
        .expect("health of a deregistered target");
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].state, TargetHealthState::Unused, "{asked:?}");
    assert_eq!(asked[0].reason.as_deref(), Some("Target.NotRegistered"), "{asked:?}");
    tier.destroy(b).await;
}

/// A listener forwards port 80 to a target group: listed on its load balancer, the group then
/// names the load balancer and cannot be deleted (`ResourceInUse`); the listener is deleted
/// (then `ListenerNotFound`), after which the group can go.
pub async fn elb_listener_lifecycle_and_target_group_in_use(b: &Backend) {
    let tier = Tier::build(b, "conf-lsn").await;
    let listener = tier.listener(b).await;
    assert_eq!(listener.load_balancer_arn, tier.lb.arn);
    assert_eq!((listener.protocol.clone(), listener.port), (Protocol::Http, 80));
    assert_eq!(listener.default_target_group.as_ref(), Some(&tier.tg.arn));
    assert_eq!(listener.certificate_arn, None);
    if !b.deviates(DeviationId::ElbHttpListenerHasSslPolicy) {
        assert_eq!(listener.ssl_policy, None, "an HTTP listener has no security policy");
    }
    let listed = b
        .cloud
        .elb
        .describe_listeners(tier.lb.arn.clone())
        .await
        .expect("describe listeners");
    assert_eq!(listed, vec![listener.clone()]);
    let tgs = b
        .cloud
        .elb
        .describe_target_groups(
            DescribeTargetGroupsRequest::builder()
                .load_balancer_arn(tier.lb.arn.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("target groups of the load balancer");
    assert_eq!(tgs.len(), 1, "{tgs:?}");
    assert_eq!(tgs[0].arn, tier.tg.arn);
    assert_eq!(tgs[0].load_balancer_arns, vec![tier.lb.arn.clone()]);

    let e = expect_err(
        b.cloud.elb.delete_target_group(tier.tg.arn.clone()).await,
        ErrorKind::Conflict,
        "delete a target group a listener forwards to",
    );
    assert_eq!(e.code(), Some("ResourceInUse"), "{e:?}");

    b.cloud
        .elb
        .delete_listener(listener.arn.clone())
        .await
        .expect("delete listener");
    assert!(
        b.cloud
            .elb
            .describe_listeners(tier.lb.arn.clone())
            .await
            .expect("describe listeners")
            .is_empty()
    );
    let e = expect_err(
        b.cloud.elb.delete_listener(listener.arn).await,
        ErrorKind::NotFound,
        "delete a deleted listener",
    );
    assert_eq!(e.code(), Some("ListenerNotFound"), "{e:?}");
    tier.destroy(b).await;
}

/// An HTTP listener whose default action redirects to HTTPS (301, same host, path and query),
/// and load balancer attributes: invalid header fields dropped, and deletion protection,
/// which refuses DeleteLoadBalancer (`OperationNotPermitted`) until it is turned off.
pub async fn elb_redirect_listener_and_load_balancer_attributes(b: &Backend) {
    use aws_facade::elb::{DELETION_PROTECTION, DROP_INVALID_HEADER_FIELDS};
    let tier = Tier::build(b, "conf-rdr").await;
    let redirect = b
        .cloud
        .elb
        .create_listener(
            CreateListenerRequest::builder()
                .load_balancer_arn(tier.lb.arn.clone())
                .port(80)
                .redirect_to_https(443)
                .build()
                .expect("valid CreateListener request"),
        )
        .await
        .expect("create redirect listener");
    assert_eq!(redirect.redirect_to_https, Some(443), "{redirect:?}");
    assert_eq!(redirect.default_target_group, None, "{redirect:?}");
    let listed = b
        .cloud
        .elb
        .describe_listeners(tier.lb.arn.clone())
        .await
        .expect("describe listeners");
    assert_eq!(listed, vec![redirect.clone()]);

    let before = b
        .cloud
        .elb
        .describe_load_balancer_attributes(tier.lb.arn.clone())
        .await
        .expect("describe load balancer attributes");
    if !b.deviates(DeviationId::ElbLbAttributesIncomplete) {
        assert_eq!(
            before.get(DROP_INVALID_HEADER_FIELDS).map(String::as_str),
            Some("false"),
            "{before:?}"
        );
    }
    assert_eq!(
        before.get(DELETION_PROTECTION).map(String::as_str),
        Some("false"),
        "{before:?}"
    );
    let set = [
        (DROP_INVALID_HEADER_FIELDS.to_string(), "true".to_string()),
        (DELETION_PROTECTION.to_string(), "true".to_string()),
    ]
    .into_iter()
    .collect();
    b.cloud
        .elb
        .modify_load_balancer_attributes(tier.lb.arn.clone(), set)
        .await
        .expect("modify load balancer attributes");
    let after = b
        .cloud
        .elb
        .describe_load_balancer_attributes(tier.lb.arn.clone())
        .await
        .expect("describe load balancer attributes");
    assert_eq!(
        after.get(DROP_INVALID_HEADER_FIELDS).map(String::as_str),
        Some("true"),
        "{after:?}"
    );
    assert_eq!(
        after.get(DELETION_PROTECTION).map(String::as_str),
        Some("true"),
        "{after:?}"
    );
    if b.deviates(DeviationId::ElbDeletionProtectionNotEnforced) {
        // moto deletes it anyway; the rest of the scenario still runs (a second delete succeeds).
        tier.destroy(b).await;
        return;
    }
    let e = b
        .cloud
        .elb
        .delete_load_balancer(tier.lb.arn.clone())
        .await
        .expect_err("deletion protection refuses the delete");
    assert_eq!(e.code(), Some("OperationNotPermitted"), "{e:?}");
    let off = [(DELETION_PROTECTION.to_string(), "false".to_string())]
        .into_iter()
        .collect();
    b.cloud
        .elb
        .modify_load_balancer_attributes(tier.lb.arn.clone(), off)
        .await
        .expect("turn deletion protection off");
    tier.destroy(b).await;
}

fn path_rule(listener: &aws_facade::id::ListenerArn, priority: u32, path: &str, action: Action) -> CreateRuleRequest {
    CreateRuleRequest::builder()
        .listener_arn(listener.clone())
        .priority(priority)
        .conditions(vec![RuleCondition::path_pattern([path])])
        .actions(vec![action])
        .build()
        .expect("valid CreateRule request")
}

/// Listener rules: a listener has a default rule (its default actions, no priority, not
/// deletable: `OperationNotPermitted`); rules forward by path and host (one target group, or
/// two by weight), redirect and answer fixed responses; a priority in use is `PriorityInUse`;
/// rules are listed in priority order (default last), modified, reprioritized, tagged and
/// deleted (then `RuleNotFound`); a target group a rule forwards to is in use; the rules go
/// with their listener.
pub async fn elb_listener_rules_lifecycle(b: &Backend) {
    let tier = Tier::build(b, "conf-rule").await;
    let listener = tier.listener(b).await;
    let tg2 = b.create_target_group("conf-rule-tg2", HealthCheck::default()).await;
    let elb = &b.cloud.elb;
    let by_listener = DescribeRulesRequest::builder()
        .listener_arn(listener.arn.clone())
        .build()
        .expect("valid");

    let rules = elb.describe_rules(by_listener.clone()).await.expect("describe rules");
    assert_eq!(rules.len(), 1, "a new listener has its default rule: {rules:?}");
    let default = rules[0].clone();
    assert!(default.is_default, "{default:?}");
    assert_eq!(default.priority, None, "{default:?}");
    assert!(default.conditions.is_empty(), "{default:?}");
    assert_eq!(
        default.actions,
        vec![Action::forward(tier.tg.arn.clone())],
        "{default:?}"
    );
    assert_eq!(default.arn.listener_arn(), listener.arn);

    // Forward by path, to two groups by weight with stickiness.
    let weighted = Action::WeightedForward(ForwardConfig {
        target_groups: vec![
            WeightedTargetGroup {
                arn: tier.tg.arn.clone(),
                weight: 80,
            },
            WeightedTargetGroup {
                arn: tg2.arn.clone(),
                weight: 20,
            },
        ],
        stickiness_secs: Some(3600),
    });
    let api = elb
        .create_rule(path_rule(&listener.arn, 10, "/api/*", weighted.clone()))
        .await
        .expect("create weighted rule");
    assert_eq!(api.priority, Some(10));
    assert!(!api.is_default);
    assert_eq!(api.conditions, vec![RuleCondition::path_pattern(["/api/*"])]);
    assert_eq!(api.actions, vec![weighted.clone()]);
    assert_eq!(api.arn.listener_arn(), listener.arn);

    // Host header to a single group; a redirect; a fixed response.
    let host = elb
        .create_rule(
            CreateRuleRequest::builder()
                .listener_arn(listener.arn.clone())
                .priority(5)
                .conditions(vec![
                    RuleCondition::host_header(["admin.example.com"]),
                    RuleCondition::path_pattern(["/admin/*"]),
                ])
                .actions(vec![Action::forward(tg2.arn.clone())])
                .tags(Tags::from([("route".to_string(), "admin".to_string())]))
                .build()
                .expect("valid"),
        )
        .await
        .expect("create host rule");
    let moved = RedirectConfig::builder()
        .host("new.example.com")
        .path("/docs/#{path}")
        .status_code(RedirectStatusCode::Http302)
        .build()
        .expect("valid redirect");
    let redirect = elb
        .create_rule(path_rule(&listener.arn, 20, "/old/*", Action::Redirect(moved.clone())))
        .await
        .expect("create redirect rule");
    assert_eq!(redirect.actions, vec![Action::Redirect(moved)]);
    let gone = FixedResponseConfig::builder()
        .status_code(410)
        .content_type("text/plain")
        .message_body("gone")
        .build()
        .expect("valid fixed response");
    let fixed = elb
        .create_rule(path_rule(
            &listener.arn,
            30,
            "/gone",
            Action::FixedResponse(gone.clone()),
        ))
        .await
        .expect("create fixed-response rule");
    assert_eq!(fixed.actions, vec![Action::FixedResponse(gone)]);

    // A priority in use.
    let e = expect_err(
        elb.create_rule(path_rule(
            &listener.arn,
            10,
            "/other/*",
            Action::forward(tg2.arn.clone()),
        ))
        .await,
        ErrorKind::Conflict,
        "a second rule with priority 10",
    );
    assert_eq!(e.code(), Some("PriorityInUse"), "{e:?}");

    // Listed in priority order, the default rule last.
    let listed = elb.describe_rules(by_listener.clone()).await.expect("describe rules");
    let order: Vec<Option<u32>> = listed.iter().map(|r| r.priority).collect();
    assert_eq!(order, [Some(5), Some(10), Some(20), Some(30), None], "{listed:?}");
    assert_eq!(listed[0], host);
    assert_eq!(listed[1], api);
    let one = elb
        .describe_rules(
            DescribeRulesRequest::builder()
                .rule_arns(vec![api.arn.clone()])
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe one rule");
    assert_eq!(one, vec![api.clone()]);

    // Tags on rules.
    let tags = elb.describe_tags(vec![host.arn.to_string()]).await.expect("rule tags");
    assert_eq!(tags[0].tags.get("route").map(String::as_str), Some("admin"), "{tags:?}");
    elb.remove_tags(vec![host.arn.to_string()], vec!["route".to_string()])
        .await
        .expect("remove rule tags");
    let tags = elb.describe_tags(vec![host.arn.to_string()]).await.expect("rule tags");
    assert!(tags[0].tags.is_empty(), "{tags:?}");

    // Modify: new conditions and a single-group forward.
    let modified = elb
        .modify_rule(
            ModifyRuleRequest::builder()
                .rule_arn(api.arn.clone())
                .conditions(vec![RuleCondition::path_pattern(["/v2/*"])])
                .actions(vec![Action::forward(tg2.arn.clone())])
                .build()
                .expect("valid"),
        )
        .await
        .expect("modify rule");
    assert_eq!(modified.conditions, vec![RuleCondition::path_pattern(["/v2/*"])]);
    assert_eq!(modified.actions, vec![Action::forward(tg2.arn.clone())]);
    assert_eq!(modified.priority, Some(10), "the priority is kept");

    // Swap priorities 5 and 10 in one call.
    let swap = vec![
        RulePriority {
            rule_arn: host.arn.clone(),
            priority: 10,
        },
        RulePriority {
            rule_arn: api.arn.clone(),
            priority: 5,
        },
    ];
    if b.deviates(DeviationId::ElbSetRulePrioritiesOneByOne) {
        // moto checks each new priority against the current ones: swap through a free one.
        let step = |arn: &aws_facade::id::RuleArn, priority| {
            vec![RulePriority {
                rule_arn: arn.clone(),
                priority,
            }]
        };
        elb.set_rule_priorities(step(&host.arn, 15)).await.expect("move aside");
        elb.set_rule_priorities(step(&api.arn, 5)).await.expect("take 5");
        elb.set_rule_priorities(step(&host.arn, 10)).await.expect("take 10");
    } else {
        let swapped = elb.set_rule_priorities(swap).await.expect("swap priorities");
        assert_eq!(swapped.len(), 2, "{swapped:?}");
        let got: BTreeSet<_> = swapped.iter().map(|r| (r.arn.to_string(), r.priority)).collect();
        let want = BTreeSet::from([(host.arn.to_string(), Some(10)), (api.arn.to_string(), Some(5))]);
        assert_eq!(got, want);
    }
    let listed = elb.describe_rules(by_listener.clone()).await.expect("describe rules");
    assert_eq!(listed[0].arn, api.arn, "{listed:?}");
    assert_eq!(listed[1].arn, host.arn, "{listed:?}");
    let e = expect_err(
        elb.set_rule_priorities(vec![RulePriority {
            rule_arn: redirect.arn.clone(),
            priority: 30,
        }])
        .await,
        ErrorKind::Conflict,
        "a priority another rule keeps",
    );
    assert_eq!(e.code(), Some("PriorityInUse"), "{e:?}");

    // The default rule cannot be deleted.
    let e = elb
        .delete_rule(default.arn.clone())
        .await
        .expect_err("deleting the default rule");
    if b.deviates(DeviationId::ElbDeleteDefaultRuleIsAServerError) {
        assert_eq!(e.kind(), ErrorKind::UnrecognizedResponse, "{e:?}");
    } else {
        assert_eq!(e.code(), Some("OperationNotPermitted"), "{e:?}");
    }

    // A target group only a rule forwards to is in use and names the load balancer.
    let e = expect_err(
        elb.delete_target_group(tg2.arn.clone()).await,
        ErrorKind::Conflict,
        "delete a target group a rule forwards to",
    );
    assert_eq!(e.code(), Some("ResourceInUse"), "{e:?}");

    // Delete a rule: then RuleNotFound.
    elb.delete_rule(fixed.arn.clone()).await.expect("delete rule");
    let e = expect_err(
        elb.describe_rules(
            DescribeRulesRequest::builder()
                .rule_arns(vec![fixed.arn.clone()])
                .build()
                .expect("valid"),
        )
        .await,
        ErrorKind::NotFound,
        "describe a deleted rule",
    );
    assert_eq!(e.code(), Some("RuleNotFound"), "{e:?}");
    if b.deviates(DeviationId::ElbDeleteUnknownRuleSucceeds) {
        elb.delete_rule(fixed.arn.clone())
            .await
            .expect("moto: deleting a deleted rule succeeds");
    } else {
        let e = expect_err(
            elb.delete_rule(fixed.arn.clone()).await,
            ErrorKind::NotFound,
            "delete a deleted rule",
        );
        assert_eq!(e.code(), Some("RuleNotFound"), "{e:?}");
    }

    // Rules go with their listener.
    elb.delete_listener(listener.arn.clone())
        .await
        .expect("delete listener");
    let e = expect_err(
        elb.describe_rules(
            DescribeRulesRequest::builder()
                .rule_arns(vec![api.arn.clone()])
                .build()
                .expect("valid"),
        )
        .await,
        ErrorKind::NotFound,
        "a rule of a deleted listener",
    );
    assert_eq!(e.code(), Some("RuleNotFound"), "{e:?}");
    let e = expect_err(
        elb.describe_rules(by_listener).await,
        ErrorKind::NotFound,
        "the rules of a deleted listener",
    );
    assert_eq!(e.code(), Some("ListenerNotFound"), "{e:?}");
    b.cloud
        .elb
        .delete_target_group(tg2.arn)
        .await
        .expect("delete the second target group");
    tier.destroy(b).await;
}

/// Unknown listeners and target groups in rule calls: `ListenerNotFound` and
/// `TargetGroupNotFound`.
pub async fn elb_rules_of_unknown_resources_are_not_found(b: &Backend) {
    let tier = Tier::build(b, "conf-rnf").await;
    let listener = tier.listener(b).await;
    let account = moto::ACCOUNT_ID;
    let region = moto::REGION;
    let missing_listener: aws_facade::id::ListenerArn = format!(
        "arn:aws:elasticloadbalancing:{region}:{account}:listener/app/conf-none/0123456789abcdef/0123456789abcdef"
    )
    .parse()
    .expect("ARN");
    let missing_tg: TargetGroupArn =
        format!("arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/conf-none/0123456789abcdef")
            .parse()
            .expect("ARN");
    let e = expect_err(
        b.cloud
            .elb
            .create_rule(path_rule(
                &missing_listener,
                1,
                "/x",
                Action::forward(tier.tg.arn.clone()),
            ))
            .await,
        ErrorKind::NotFound,
        "a rule on an unknown listener",
    );
    assert_eq!(e.code(), Some("ListenerNotFound"), "{e:?}");
    let e = expect_err(
        b.cloud
            .elb
            .create_rule(path_rule(&listener.arn, 1, "/x", Action::forward(missing_tg)))
            .await,
        ErrorKind::NotFound,
        "a rule forwarding to an unknown target group",
    );
    assert_eq!(e.code(), Some("TargetGroupNotFound"), "{e:?}");
    let e = expect_err(
        b.cloud
            .elb
            .describe_rules(
                DescribeRulesRequest::builder()
                    .listener_arn(missing_listener)
                    .build()
                    .expect("valid"),
            )
            .await,
        ErrorKind::NotFound,
        "the rules of an unknown listener",
    );
    assert_eq!(e.code(), Some("ListenerNotFound"), "{e:?}");
    tier.destroy(b).await;
}

/// ModifyListener changes the port and the default actions (a fixed response, then a forward
/// again); HTTP → HTTPS with a certificate and policy; certificates added to the list are
/// described beside the default one, removed again, and the default certificate cannot be
/// removed (`OperationNotPermitted`).
pub async fn elb_modify_listener_and_certificates(b: &Backend) {
    let tier = Tier::build(b, "conf-mod").await;
    let listener = tier.listener(b).await;
    let elb = &b.cloud.elb;
    let fixed = Action::FixedResponse(
        FixedResponseConfig::builder()
            .status_code(503)
            .content_type("text/plain")
            .message_body("maintenance")
            .build()
            .expect("valid"),
    );
    let changed = elb
        .modify_listener(
            ModifyListenerRequest::builder()
                .listener_arn(listener.arn.clone())
                .port(8080)
                .default_actions(vec![fixed.clone()])
                .build()
                .expect("valid"),
        )
        .await
        .expect("modify listener");
    assert_eq!(changed.port, 8080);
    assert_eq!(changed.default_actions, vec![fixed.clone()]);
    assert_eq!(changed.default_target_group, None);
    let listed = elb
        .describe_listeners(tier.lb.arn.clone())
        .await
        .expect("describe listeners");
    assert_eq!(listed, vec![changed.clone()]);
    let rules = elb
        .describe_rules(
            DescribeRulesRequest::builder()
                .listener_arn(listener.arn.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("describe rules");
    assert_eq!(rules.last().map(|r| r.actions.clone()), Some(vec![fixed]), "{rules:?}");

    let cert: Arn = b.certificate("www.example.com", 1).await;
    let extra: Arn = b.certificate("api.example.com", 2).await;
    let https = elb
        .modify_listener(
            ModifyListenerRequest::builder()
                .listener_arn(listener.arn.clone())
                .port(443)
                .protocol(Protocol::Https)
                .certificate_arn(cert.clone())
                .ssl_policy(aws_facade::elb::DEFAULT_TLS_POLICY)
                .default_actions(vec![Action::forward(tier.tg.arn.clone())])
                .build()
                .expect("valid"),
        )
        .await
        .expect("to HTTPS");
    assert_eq!((https.protocol.clone(), https.port), (Protocol::Https, 443));
    assert_eq!(https.certificate_arn.as_ref(), Some(&cert));
    assert_eq!(https.ssl_policy.as_deref(), Some(aws_facade::elb::DEFAULT_TLS_POLICY));
    assert_eq!(https.default_target_group.as_ref(), Some(&tier.tg.arn));

    elb.add_listener_certificates(listener.arn.clone(), vec![extra.clone()])
        .await
        .expect("add certificate");
    let mut certs = elb
        .describe_listener_certificates(listener.arn.clone())
        .await
        .expect("describe certificates");
    certs.sort_by_key(|c| !c.is_default);
    assert_eq!(
        certs,
        vec![
            ListenerCertificate {
                arn: cert.clone(),
                is_default: true
            },
            ListenerCertificate {
                arn: extra.clone(),
                is_default: false
            },
        ]
    );
    elb.remove_listener_certificates(listener.arn.clone(), vec![extra.clone()])
        .await
        .expect("remove certificate");
    let certs = elb
        .describe_listener_certificates(listener.arn.clone())
        .await
        .expect("describe certificates");
    assert_eq!(
        certs,
        vec![ListenerCertificate {
            arn: cert.clone(),
            is_default: true
        }]
    );
    if !b.deviates(DeviationId::ElbDefaultCertificateRemovable) {
        let e = elb
            .remove_listener_certificates(listener.arn.clone(), vec![cert])
            .await
            .expect_err("removing the default certificate");
        assert_eq!(e.code(), Some("OperationNotPermitted"), "{e:?}");
    }
    tier.destroy(b).await;
}
