//! Lambda scenarios (functions from zip packages, versions, aliases with weighted routing,
//! invocation, resource-based permissions). On moto, Invoke runs without Docker (see
//! [`Backend::lambda_prepare`]).

use aws_facade::id::AliasName;
use aws_facade::lambda::{
    AddPermissionRequest, AliasRequest, AliasRouting, CLOUDWATCH_ALARMS_PRINCIPAL, CreateFunctionRequest,
    FunctionState, InvokeRequest, LastUpdateStatus, PublishVersionRequest, RemovePermissionRequest,
    UpdateFunctionCodeRequest,
};

use super::*;

/// The Python the test functions run (on AWS; the simulator's handler does the same, see
/// [`Backend::lambda_prepare`]): it answers the event and the version that ran.
pub const ECHO_FUNCTION_PY: &str = "def handler(event, context):\n    \
     return {\"echo\": event, \"version\": context.function_version}\n";

/// A deployment package of [`ECHO_FUNCTION_PY`] as `index.py` (handler `index.handler`), with
/// a `revision` comment so each revision has its own code hash.
pub fn echo_function_zip(revision: u32) -> Vec<u8> {
    let source = format!("# revision {revision}\n{ECHO_FUNCTION_PY}");
    aws_facade::workflows::lambda_deploy::zip_files(&[("index.py", source.as_bytes())])
        .expect("zip")
        .to_vec()
}

impl Backend {
    /// Creates function `name` (Python 3.12, [`echo_function_zip`] revision 1) and waits until
    /// it is ready.
    pub async fn create_function(&self, name: &str) -> (FunctionName, FunctionConfiguration) {
        let role = self.lambda_prepare(name).await;
        let fname: FunctionName = name.parse().expect("function name");
        let created = self
            .cloud
            .lambda
            .create_function(
                CreateFunctionRequest::builder()
                    .name(fname.clone())
                    .runtime("python3.12")
                    .handler("index.handler")
                    .role(role)
                    .zip(echo_function_zip(1))
                    .description("conformance")
                    .memory_mb(256)
                    .timeout_secs(10)
                    .tags(self.tags(name))
                    .build()
                    .expect("valid CreateFunction request"),
            )
            .await
            .expect("create function");
        (fname, created)
    }

    /// Replaces the code of `$LATEST` with `revision` and waits until the update is done.
    pub async fn update_code(&self, name: &FunctionName, revision: u32) -> FunctionConfiguration {
        let c = self
            .cloud
            .lambda
            .update_function_code(
                UpdateFunctionCodeRequest::builder()
                    .name(name.clone())
                    .zip(echo_function_zip(revision))
                    .build()
                    .expect("valid"),
            )
            .await
            .expect("update function code");
        self.wait_function_ready(name).await;
        c
    }

    /// Publishes `$LATEST` and returns the version number.
    pub async fn publish(&self, name: &FunctionName) -> String {
        self.cloud
            .lambda
            .publish_version(
                PublishVersionRequest::builder()
                    .name(name.clone())
                    .build()
                    .expect("valid"),
            )
            .await
            .expect("publish version")
            .version
    }

    /// Invokes `name` (at `qualifier`) with `event`, synchronously.
    pub async fn invoke(
        &self,
        name: &FunctionName,
        qualifier: Option<&str>,
        event: &serde_json::Value,
    ) -> aws_facade::lambda::InvokeOutput {
        self.cloud
            .lambda
            .invoke(
                InvokeRequest::builder()
                    .function(name.clone())
                    .maybe_qualifier(qualifier.map(str::to_string))
                    .payload(serde_json::to_vec(event).expect("JSON"))
                    .build()
                    .expect("valid"),
            )
            .await
            .expect("invoke")
    }

    /// What the echo function answers for `event` when `version` runs (moto echoes the event).
    pub fn echoed(&self, event: &serde_json::Value, version: &str) -> serde_json::Value {
        if self.deviates(DeviationId::LambdaInvokeEchoesPayload) {
            event.clone()
        } else {
            serde_json::json!({"echo": event, "version": version})
        }
    }
}

/// A function: `Pending` → `Active` with its settings and tags (ListTags by its ARN); its code
/// replaced (`InProgress` → `Successful`, new hash); listed; deleted (then
/// `ResourceNotFoundException`, its tags too).
pub async fn lambda_function_lifecycle(b: &Backend) {
    let (name, created) = b.create_function("conf-fn-life").await;
    assert_eq!(
        b.cloud
            .lambda
            .list_tags(created.arn.clone())
            .await
            .expect("list tags of the function"),
        b.tags("conf-fn-life")
    );
    assert_eq!(created.name, name);
    assert!(created.arn.as_str().ends_with(":function:conf-fn-life"), "{created:?}");
    assert_eq!(created.version, "$LATEST");
    assert_eq!(
        (created.runtime.as_str(), created.handler.as_deref()),
        ("python3.12", Some("index.handler"))
    );
    assert_eq!((created.memory_mb, created.timeout_secs), (256, 10));
    assert_eq!(created.description, "conformance");
    let zip1 = echo_function_zip(1);
    assert_eq!(created.code_size, zip1.len() as u64);
    assert_eq!(
        created.code_sha256,
        aws_facade::ebs::block_checksum(&zip1),
        "base64 SHA-256"
    );
    if !b.deviates(DeviationId::LambdaInstantLifecycle) {
        assert_eq!(created.state, FunctionState::Pending, "{created:?}");
    }
    let ready = b.wait_function_ready(&name).await;
    assert_eq!(ready.state, FunctionState::Active);
    assert_eq!(ready.code_sha256, created.code_sha256);

    let updated = b
        .cloud
        .lambda
        .update_function_code(
            UpdateFunctionCodeRequest::builder()
                .name(name.clone())
                .zip(echo_function_zip(2))
                .build()
                .expect("valid"),
        )
        .await
        .expect("update code");
    assert_eq!(
        updated.code_sha256,
        aws_facade::ebs::block_checksum(&echo_function_zip(2))
    );
    if !b.deviates(DeviationId::LambdaNoRevisionId) {
        assert!(ready.revision_id.is_some(), "{ready:?}");
        assert_ne!(
            updated.revision_id, ready.revision_id,
            "an update changes the revision id"
        );
    }
    if !b.deviates(DeviationId::LambdaInstantLifecycle) {
        assert_eq!(updated.last_update_status, LastUpdateStatus::InProgress, "{updated:?}");
    }
    let done = b.wait_function_ready(&name).await;
    assert_eq!(done.last_update_status, LastUpdateStatus::Successful);
    assert_eq!(done.code_sha256, updated.code_sha256);

    let listed = b.cloud.lambda.list_functions().await.expect("list functions");
    assert_eq!(listed.iter().map(|f| &f.name).collect::<Vec<_>>(), vec![&name]);

    b.cloud
        .lambda
        .delete_function(name.clone(), None)
        .await
        .expect("delete function");
    let e = expect_err(
        b.cloud.lambda.get_function_configuration(name, None).await,
        ErrorKind::NotFound,
        "a deleted function",
    );
    assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    let e = expect_err(
        b.cloud.lambda.list_tags(created.arn).await,
        ErrorKind::NotFound,
        "tags of a deleted function",
    );
    assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
}

/// Versions are published from `$LATEST` (1, then 2 after a code change) and listed; an alias
/// points at 1 with 25 % routed to 2, is moved to 2 without routing, listed, invoked (the
/// version that ran is one of the alias's), and deleted (then not found).
pub async fn lambda_versions_and_weighted_alias(b: &Backend) {
    let (name, _) = b.create_function("conf-fn-alias").await;
    b.wait_function_ready(&name).await;
    let v1 = b.publish(&name).await;
    assert_eq!(v1, "1");
    b.update_code(&name, 2).await;
    let v2 = b.publish(&name).await;
    assert_eq!(v2, "2");
    let versions: Vec<String> = b
        .cloud
        .lambda
        .list_versions(name.clone())
        .await
        .expect("list versions")
        .into_iter()
        .map(|c| c.version)
        .collect();
    assert_eq!(versions, vec!["$LATEST", "1", "2"]);
    let v1_config = b
        .cloud
        .lambda
        .get_function_configuration(name.clone(), Some("1".into()))
        .await
        .expect("version 1");
    assert_eq!(
        v1_config.code_sha256,
        aws_facade::ebs::block_checksum(&echo_function_zip(1))
    );
    assert!(
        v1_config.arn.as_str().ends_with(":function:conf-fn-alias:1"),
        "{v1_config:?}"
    );

    let live: AliasName = "live".parse().expect("alias name");
    let created = b
        .cloud
        .lambda
        .create_alias(
            AliasRequest::builder()
                .function(name.clone())
                .name(live.clone())
                .version("1")
                .description("canary")
                .routing(AliasRouting::new("2", 0.25))
                .build()
                .expect("valid"),
        )
        .await
        .expect("create alias");
    assert!(
        created.arn.as_str().ends_with(":function:conf-fn-alias:live"),
        "{created:?}"
    );
    assert_eq!(created.function_version, "1");
    assert_eq!(created.routing, Some(AliasRouting::new("2", 0.25)));
    let got = b
        .cloud
        .lambda
        .get_alias(name.clone(), live.clone())
        .await
        .expect("get alias");
    assert_eq!(got, created);

    let event = serde_json::json!({"n": 1});
    let out = b.invoke(&name, Some("live"), &event).await;
    assert_eq!(out.status_code, 200);
    assert_eq!(out.function_error, None);
    if b.deviates(DeviationId::LambdaInvokeEchoesPayload) {
        assert_eq!(out.payload_json().expect("JSON"), event);
    } else {
        let ran = out.executed_version.clone().expect("the executed version");
        assert!(ran == "1" || ran == "2", "{out:?}");
        assert_eq!(out.payload_json().expect("JSON"), b.echoed(&event, &ran));
    }

    let moved = b
        .cloud
        .lambda
        .update_alias(
            AliasRequest::builder()
                .function(name.clone())
                .name(live.clone())
                .version("2")
                .build()
                .expect("valid"),
        )
        .await
        .expect("update alias");
    assert_eq!((moved.function_version.as_str(), &moved.routing), ("2", &None));
    assert_eq!(moved.description, "canary", "an update without a description keeps it");
    let aliases = b.cloud.lambda.list_aliases(name.clone()).await.expect("list aliases");
    assert_eq!(aliases, vec![moved]);

    b.cloud
        .lambda
        .delete_alias(name.clone(), live.clone())
        .await
        .expect("delete alias");
    let e = expect_err(
        b.cloud.lambda.get_alias(name.clone(), live).await,
        ErrorKind::NotFound,
        "a deleted alias",
    );
    assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    b.cloud
        .lambda
        .delete_function(name, None)
        .await
        .expect("delete function");
}

/// Invoke runs `$LATEST` and answers its result; a statement letting CloudWatch alarms invoke
/// the function is added (a second with the same id is a conflict), shows in the policy, and is
/// removed (then the policy, and the statement, are not found).
pub async fn lambda_invoke_and_permissions(b: &Backend) {
    let (name, _) = b.create_function("conf-fn-invoke").await;
    b.wait_function_ready(&name).await;
    let event = serde_json::json!({"order": 42, "items": ["a", "b"]});
    let out = b.invoke(&name, None, &event).await;
    assert_eq!(out.status_code, 200, "{out:?}");
    assert_eq!(out.function_error, None);
    assert_eq!(out.payload_json().expect("JSON"), b.echoed(&event, "$LATEST"));

    let alarm_arn: Arn = format!(
        "arn:aws:cloudwatch:{}:{}:alarm:conf-pager",
        moto::REGION,
        moto::ACCOUNT_ID
    )
    .parse()
    .expect("ARN");
    let add = AddPermissionRequest::builder()
        .function(name.clone())
        .statement_id("alarms")
        .principal(CLOUDWATCH_ALARMS_PRINCIPAL)
        .source_arn(alarm_arn.clone())
        .build()
        .expect("valid");
    b.cloud
        .lambda
        .add_permission(add.clone())
        .await
        .expect("add permission");
    if !b.deviates(DeviationId::LambdaDuplicateStatementIdAccepted) {
        let e = expect_err(
            b.cloud.lambda.add_permission(add).await,
            ErrorKind::Conflict,
            "the same statement id again",
        );
        assert_eq!(e.code(), Some("ResourceConflictException"), "{e:?}");
    }
    let policy: serde_json::Value =
        serde_json::from_str(&b.cloud.lambda.get_policy(name.clone(), None).await.expect("get policy"))
            .expect("policy JSON");
    let statements = policy["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 1, "{policy}");
    let s = &statements[0];
    assert_eq!(s["Sid"], "alarms", "{policy}");
    assert_eq!(s["Effect"], "Allow", "{policy}");
    assert_eq!(s["Action"], "lambda:InvokeFunction", "{policy}");
    assert_eq!(s["Principal"]["Service"], CLOUDWATCH_ALARMS_PRINCIPAL, "{policy}");
    assert_eq!(
        s["Condition"]["ArnLike"]["AWS:SourceArn"],
        alarm_arn.as_str(),
        "{policy}"
    );

    let remove = RemovePermissionRequest::builder()
        .function(name.clone())
        .statement_id("alarms")
        .build()
        .expect("valid");
    b.cloud
        .lambda
        .remove_permission(remove.clone())
        .await
        .expect("remove permission");
    let e = expect_err(
        b.cloud.lambda.get_policy(name.clone(), None).await,
        ErrorKind::NotFound,
        "the policy without statements",
    );
    assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    let e = expect_err(
        b.cloud.lambda.remove_permission(remove).await,
        ErrorKind::NotFound,
        "remove a removed statement",
    );
    assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    b.cloud
        .lambda
        .delete_function(name, None)
        .await
        .expect("delete function");
}

/// An unknown function answers `ResourceNotFoundException` (classified NotFound, kind
/// `resource`) to GetFunctionConfiguration, Invoke, ListVersionsByFunction, ListTags and
/// DeleteFunction.
pub async fn lambda_unknown_function_is_not_found(b: &Backend) {
    let name: FunctionName = "conf-fn-none".parse().expect("name");
    let check = |e: Error| {
        assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    };
    check(expect_err(
        b.cloud.lambda.get_function_configuration(name.clone(), None).await,
        ErrorKind::NotFound,
        "configuration of an unknown function",
    ));
    let invoked = b
        .cloud
        .lambda
        .invoke(
            InvokeRequest::builder()
                .function(name.clone())
                .payload(&b"{}"[..])
                .build()
                .expect("valid"),
        )
        .await;
    if b.deviates(DeviationId::LambdaInvokeUnknownFunctionSucceeds) {
        assert!(invoked.is_ok(), "{invoked:?}");
    } else {
        check(expect_err(invoked, ErrorKind::NotFound, "invoke an unknown function"));
    }
    let versions = b.cloud.lambda.list_versions(name.clone()).await;
    if b.deviates(DeviationId::LambdaInvokeUnknownFunctionSucceeds) {
        assert_eq!(versions.expect("moto lists nothing"), Vec::new());
    } else {
        check(expect_err(
            versions,
            ErrorKind::NotFound,
            "versions of an unknown function",
        ));
    }
    let arn: Arn = format!("arn:aws:lambda:{}:{}:function:{name}", moto::REGION, moto::ACCOUNT_ID)
        .parse()
        .expect("function ARN");
    check(expect_err(
        b.cloud.lambda.list_tags(arn).await,
        ErrorKind::NotFound,
        "tags of an unknown function",
    ));
    check(expect_err(
        b.cloud.lambda.delete_function(name, None).await,
        ErrorKind::NotFound,
        "delete an unknown function",
    ));
}

/// TagResource adds tags to a function (a key it has takes the new value) and UntagResource
/// removes keys (an absent one is ignored), read back with ListTags; reserved concurrency is
/// put, read and deleted, and a reservation of 0 throttles Invoke (`TooManyRequestsException`,
/// kind Throttled); a function that does not exist is `ResourceNotFoundException` to all of
/// them.
pub async fn lambda_tags_and_concurrency(b: &Backend) {
    let (name, created) = b.create_function("conf-fn-tags").await;
    b.wait_function_ready(&name).await;
    let arn = created.arn.clone();
    let lambda = &b.cloud.lambda;
    let t = |k: &str, v: &str| (k.to_string(), v.to_string());
    lambda
        .tag_resource(arn.clone(), Tags::from([t("team", "infra"), t("Name", "renamed")]))
        .await
        .expect("tag the function");
    let mut expected = b.tags("conf-fn-tags");
    expected.extend([t("team", "infra"), t("Name", "renamed")]);
    assert_eq!(lambda.list_tags(arn.clone()).await.expect("list tags"), expected);
    lambda
        .untag_resource(arn.clone(), vec!["Name".into(), "never-set".into()])
        .await
        .expect("untag the function");
    expected.remove("Name");
    assert_eq!(lambda.list_tags(arn.clone()).await.expect("list tags"), expected);

    assert_eq!(
        lambda
            .get_function_concurrency(name.clone())
            .await
            .expect("no reservation"),
        None
    );
    lambda
        .put_function_concurrency(name.clone(), 0)
        .await
        .expect("reserve 0");
    assert_eq!(
        lambda
            .get_function_concurrency(name.clone())
            .await
            .expect("reservation"),
        Some(0)
    );
    let throttled = lambda
        .invoke(
            InvokeRequest::builder()
                .function(name.clone())
                .payload(&b"{}"[..])
                .build()
                .expect("valid"),
        )
        .await;
    if b.deviates(DeviationId::LambdaReservedConcurrencyNotEnforced) {
        assert_eq!(throttled.expect("moto invokes").status_code, 200);
    } else {
        let e = expect_err(throttled, ErrorKind::Throttled, "invoke with reserved concurrency 0");
        assert_eq!(e.code(), Some("TooManyRequestsException"), "{e:?}");
    }
    lambda
        .put_function_concurrency(name.clone(), 3)
        .await
        .expect("reserve 3");
    assert_eq!(
        lambda
            .get_function_concurrency(name.clone())
            .await
            .expect("reservation"),
        Some(3)
    );
    let event = serde_json::json!({"n": 1});
    let out = b.invoke(&name, None, &event).await;
    assert_eq!(out.payload_json().expect("JSON"), b.echoed(&event, "$LATEST"));
    lambda
        .delete_function_concurrency(name.clone())
        .await
        .expect("delete the reservation");
    assert_eq!(
        lambda
            .get_function_concurrency(name.clone())
            .await
            .expect("no reservation"),
        None
    );

    let none: FunctionName = "conf-fn-tags-none".parse().expect("name");
    let none_arn: Arn = format!("arn:aws:lambda:{}:{}:function:{none}", moto::REGION, moto::ACCOUNT_ID)
        .parse()
        .expect("ARN");
    let check = |e: Error| assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    check(expect_err(
        lambda.tag_resource(none_arn.clone(), Tags::from([t("a", "b")])).await,
        ErrorKind::NotFound,
        "tag an unknown function",
    ));
    check(expect_err(
        lambda.untag_resource(none_arn, vec!["a".into()]).await,
        ErrorKind::NotFound,
        "untag an unknown function",
    ));
    check(expect_err(
        lambda.put_function_concurrency(none.clone(), 1).await,
        ErrorKind::NotFound,
        "reserve for an unknown function",
    ));
    check(expect_err(
        lambda.get_function_concurrency(none.clone()).await,
        ErrorKind::NotFound,
        "reservation of an unknown function",
    ));
    check(expect_err(
        lambda.delete_function_concurrency(none).await,
        ErrorKind::NotFound,
        "delete the reservation of an unknown function",
    ));
    lambda.delete_function(name, None).await.expect("delete the function");
}

/// A function created in a VPC (a default subnet and a security group), with 1 GB of ephemeral
/// storage and a dead-letter queue, reports them; an update moves it to another subnet and
/// a dead-letter topic; empty lists take it out of the VPC.
pub async fn lambda_vpc_storage_and_dead_letter_config(b: &Backend) {
    use aws_facade::lambda::{UpdateFunctionConfigurationRequest, VpcConfig};
    let role = b.lambda_prepare("conf-fn-vpc").await;
    let subnets = b.subnets().await;
    let sg = b.security_group("conf-fn-vpc", 443, None).await;
    let account = created_account(b);
    let queue: Arn = format!("arn:aws:sqs:us-east-1:{account}:conf-dlq")
        .parse()
        .expect("ARN");
    let topic: Arn = format!("arn:aws:sns:us-east-1:{account}:conf-dlq")
        .parse()
        .expect("ARN");
    let name: FunctionName = "conf-fn-vpc".parse().expect("name");
    let vpc = |subnet: &Subnet| VpcConfig {
        subnet_ids: vec![subnet.id.clone()],
        security_group_ids: vec![sg.clone()],
        ipv6_allowed_for_dual_stack: false,
    };
    let lambda = &b.cloud.lambda;
    let created = lambda
        .create_function(
            CreateFunctionRequest::builder()
                .name(name.clone())
                .runtime("python3.12")
                .handler("index.handler")
                .role(role)
                .zip(echo_function_zip(1))
                .vpc_config(vpc(&subnets[0]))
                .ephemeral_storage_mb(1024)
                .dead_letter_target_arn(queue.clone())
                .build()
                .expect("valid CreateFunction request"),
        )
        .await
        .expect("create function in a VPC");
    assert_eq!(created.vpc_config, Some(vpc(&subnets[0])));
    assert!(created.vpc_id.is_some(), "{created:?}");
    assert_eq!(created.ephemeral_storage_mb, 1024);
    let dlq_kept = !b.deviates(DeviationId::LambdaDeadLetterConfigNotKept);
    if dlq_kept {
        assert_eq!(created.dead_letter_target_arn.as_ref(), Some(&queue));
    }
    b.wait_function_ready(&name).await;
    let updated = lambda
        .update_function_configuration(
            UpdateFunctionConfigurationRequest::builder()
                .name(name.clone())
                .vpc_config(vpc(&subnets[1]))
                .dead_letter_target_arn(topic.clone())
                .build()
                .expect("valid update"),
        )
        .await
        .expect("move to another subnet");
    assert_eq!(updated.vpc_config, Some(vpc(&subnets[1])));
    assert_eq!(updated.ephemeral_storage_mb, 1024, "left as it was");
    if dlq_kept {
        assert_eq!(updated.dead_letter_target_arn.as_ref(), Some(&topic));
    }
    b.wait_function_ready(&name).await;
    let out = lambda
        .update_function_configuration(
            UpdateFunctionConfigurationRequest::builder()
                .name(name.clone())
                .vpc_config(VpcConfig::default())
                .build()
                .expect("valid update"),
        )
        .await
        .expect("leave the VPC");
    assert_eq!(out.vpc_config, None, "{out:?}");
    b.wait_function_ready(&name).await;
    let got = lambda
        .get_function_configuration(name.clone(), None)
        .await
        .expect("get configuration");
    assert_eq!((got.vpc_config, got.ephemeral_storage_mb), (None, 1024));
    lambda.delete_function(name, None).await.expect("delete function");
    b.delete_security_group(&sg).await;
}

/// The account of the backend (the simulator's or moto's).
fn created_account(b: &Backend) -> &'static str {
    match b.kind {
        Kind::Sim | Kind::Wire => "123456789012",
        Kind::Moto => moto::ACCOUNT_ID,
    }
}

/// Function URLs: an IAM-authenticated URL by default, a second one refused, its CORS and auth
/// type replaced (a public URL says so), a URL per alias, deleted and then unknown.
pub async fn lambda_function_urls(b: &Backend) {
    use aws_facade::lambda::{Cors, FunctionUrlAuthType, FunctionUrlRequest};
    let (name, _) = b.create_function("conf-fn-url").await;
    b.wait_function_ready(&name).await;
    let lambda = &b.cloud.lambda;
    let req = |auth: FunctionUrlAuthType, cors: Option<Cors>| {
        FunctionUrlRequest::builder()
            .function(name.clone())
            .auth_type(auth)
            .maybe_cors(cors)
            .build()
            .expect("valid")
    };
    let made = lambda
        .create_function_url_config(
            FunctionUrlRequest::builder()
                .function(name.clone())
                .build()
                .expect("valid"),
        )
        .await
        .expect("create the URL");
    assert_eq!(made.auth_type, FunctionUrlAuthType::AwsIam, "IAM by default");
    assert!(!made.is_public());
    assert!(made.url.starts_with("https://"), "{made:?}");
    let second = lambda
        .create_function_url_config(req(FunctionUrlAuthType::AwsIam, None))
        .await;
    if b.deviates(DeviationId::LambdaSecondFunctionUrlReplaces) {
        second.expect("moto replaces the URL");
    } else {
        let e = expect_err(second, ErrorKind::Conflict, "a second URL for the function");
        assert_eq!(e.code(), Some("ResourceConflictException"), "{e:?}");
    }
    let cors = Cors::builder()
        .allow_origins(vec!["https://example.com".into()])
        .allow_methods(vec!["GET".into()])
        .max_age_secs(300)
        .build();
    let updated = lambda
        .update_function_url_config(req(FunctionUrlAuthType::None, Some(cors.clone())))
        .await
        .expect("update the URL");
    assert!(updated.is_public(), "{updated:?}");
    if !b.deviates(DeviationId::LambdaSecondFunctionUrlReplaces) {
        assert_eq!(updated.url, made.url, "the address stays");
    }
    let got = lambda
        .get_function_url_config(name.clone(), None)
        .await
        .expect("get the URL");
    assert_eq!(
        got.cors.as_ref().map(|c| c.allow_origins.clone()),
        Some(cors.allow_origins)
    );
    assert_eq!(got.cors.as_ref().and_then(|c| c.max_age_secs), Some(300));
    lambda
        .delete_function_url_config(name.clone(), None)
        .await
        .expect("delete the URL");
    let e = expect_err(
        lambda.get_function_url_config(name.clone(), None).await,
        ErrorKind::NotFound,
        "a deleted URL",
    );
    assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e:?}");
    lambda.delete_function(name, None).await.expect("delete the function");
}

/// Layers: versions numbered in order and read back by name; a function names one (and then
/// another) by its version ARN; an unknown version is refused; a deleted version is gone but
/// the function that uses it keeps it.
pub async fn lambda_layers(b: &Backend) {
    use aws_facade::id::LayerName;
    use aws_facade::lambda::{FunctionLayer, PublishLayerVersionRequest, UpdateFunctionConfigurationRequest};
    let lambda = &b.cloud.lambda;
    let layer: LayerName = "conf-layer".parse().expect("layer name");
    let publish = |revision: u32| {
        PublishLayerVersionRequest::builder()
            .layer_name(layer.clone())
            .zip(echo_function_zip(revision))
            .description(format!("revision {revision}"))
            .compatible_runtimes(vec!["python3.12".into()])
            .build()
            .expect("valid PublishLayerVersion request")
    };
    let v1 = lambda.publish_layer_version(publish(1)).await.expect("publish v1");
    let v2 = lambda.publish_layer_version(publish(2)).await.expect("publish v2");
    assert_eq!(v2.version, v1.version + 1, "{v1:?} {v2:?}");
    assert_eq!(v2.layer_version_arn.version(), Some(v2.version));
    assert_eq!(v2.layer_version_arn.layer_arn(), Some(v2.layer_arn.as_str()));
    assert_eq!(v1.code_size, echo_function_zip(1).len() as u64);
    let got = lambda
        .get_layer_version(layer.clone(), v1.version)
        .await
        .expect("get v1");
    assert_eq!((got.description.as_str(), got.code_size), ("revision 1", v1.code_size));
    let listed = lambda.list_layer_versions(layer.clone()).await.expect("list");
    assert_eq!(
        listed.iter().map(|v| v.version).collect::<Vec<_>>(),
        [v2.version, v1.version],
        "newest first"
    );

    let role = b.lambda_prepare("conf-fn-layers").await;
    let name: FunctionName = "conf-fn-layers".parse().expect("name");
    let create = |layers: Vec<aws_facade::id::LayerVersionArn>| {
        CreateFunctionRequest::builder()
            .name(name.clone())
            .runtime("python3.12")
            .handler("index.handler")
            .role(role.clone())
            .zip(echo_function_zip(1))
            .layers(layers)
            .build()
            .expect("valid CreateFunction request")
    };
    let unknown: aws_facade::id::LayerVersionArn =
        format!("{}:{}", v2.layer_arn, v2.version + 40).parse().expect("ARN");
    let e = lambda
        .create_function(create(vec![unknown.clone()]))
        .await
        .expect_err("an unknown layer version is refused");
    if b.deviates(DeviationId::LambdaUnknownLayerIsNotFound) {
        assert_eq!(e.code(), Some("ResourceNotFoundException"), "{e}");
    } else {
        assert_eq!(e.code(), Some("InvalidParameterValueException"), "{e}");
        assert!(e.to_string().contains(unknown.as_str()), "{e}");
    }
    let created = lambda
        .create_function(create(vec![v1.layer_version_arn.clone()]))
        .await
        .expect("create a function with a layer");
    assert_eq!(
        created.layers,
        [FunctionLayer::new(v1.layer_version_arn.clone(), v1.code_size)]
    );
    b.wait_function_ready(&name).await;
    let updated = lambda
        .update_function_configuration(
            UpdateFunctionConfigurationRequest::builder()
                .name(name.clone())
                .layers(vec![v2.layer_version_arn.clone()])
                .build()
                .expect("valid update"),
        )
        .await
        .expect("replace the layer");
    assert_eq!(
        updated.layers.iter().map(|l| &l.arn).collect::<Vec<_>>(),
        [&v2.layer_version_arn]
    );
    b.wait_function_ready(&name).await;

    lambda
        .delete_layer_version(layer.clone(), v2.version)
        .await
        .expect("delete v2");
    let e = lambda
        .get_layer_version(layer.clone(), v2.version)
        .await
        .expect_err("a deleted version is gone");
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let kept = lambda
        .get_function_configuration(name.clone(), None)
        .await
        .expect("get configuration");
    assert_eq!(kept.layers.len(), 1, "the function keeps a deleted layer version");
    lambda
        .delete_layer_version(layer.clone(), v2.version)
        .await
        .expect("deleting a deleted version succeeds");
    lambda.delete_function(name, None).await.expect("delete function");
    lambda
        .delete_layer_version(layer.clone(), v1.version)
        .await
        .expect("delete v1");
    assert!(
        lambda.list_layer_versions(layer).await.expect("list").is_empty(),
        "no version left"
    );
}
