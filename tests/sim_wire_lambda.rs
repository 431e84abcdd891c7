//! The simulator on the wire (`sim::wire`): raw `aws-sdk-lambda` clients and the crate's SDK
//! adapter served by the simulator in process, through Lambda's REST-JSON protocol.
#![cfg(all(feature = "wire", feature = "lambda"))]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_facade::Cloud;
use aws_facade::lambda::sdk::SdkLambda;
use aws_facade::lambda::{
    AddPermissionRequest, AliasRequest, AliasRouting, CLOUDWATCH_ALARMS_PRINCIPAL, Cors, FunctionUrlAuthType,
    FunctionUrlRequest, InvocationType, InvokeRequest, Lambda, LambdaExt, PublishLayerVersionRequest,
    PublishVersionRequest, RemovePermissionRequest, UpdateFunctionCodeRequest, UpdateFunctionConfigurationRequest,
};
use aws_facade::page::ListOptions;
use aws_facade::sim::{Invocation, SimCloud, SimConfig};
use aws_facade::workflows::lambda_deploy::{Deployment, deploy, zip_files};
use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, Cors as SdkCors, Environment, FunctionCode, FunctionUrlAuthType as SdkAuth, InvocationType as SdkIt,
    LastUpdateStatus, LayerVersionContentInput, LogType, Runtime, State,
};
use base64::Engine;
use futures::TryStreamExt;
use serde_json::{Value, json};

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-exec";

fn lambda_config(sim: &SimCloud) -> aws_sdk_lambda::config::Builder {
    aws_sdk_lambda::config::Builder::from(&sim.sdk_config())
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
}

/// A raw client of the simulator, retries off (a test sees each error once).
fn lambda_client(sim: &SimCloud) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::from_conf(lambda_config(sim).build())
}

fn package(revision: u32) -> Vec<u8> {
    let code = format!("def handler(event, ctx):\n    return {{'revision': {revision}}}\n");
    zip_files(&[("index.py", code.as_bytes())]).unwrap().to_vec()
}

async fn create(
    client: &aws_sdk_lambda::Client,
    name: &str,
) -> aws_sdk_lambda::operation::create_function::CreateFunctionOutput {
    client
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("index.handler")
        .code(FunctionCode::builder().zip_file(Blob::new(package(1))).build())
        .tags("team", "core")
        .environment(Environment::builder().variables("GREETING", "hello").build())
        .architectures(Architecture::Arm64)
        .memory_size(256)
        .send()
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_raw_sdk_client_runs_the_whole_lambda_api() {
    let sim = SimCloud::new();
    let client = lambda_client(&sim);

    // Create; the waiter (GetFunction until State is Active) sees it become Active.
    let created = create(&client, "raw").await;
    assert_eq!(created.state(), Some(&State::Pending));
    assert_eq!(
        created.function_arn(),
        Some("arn:aws:lambda:us-east-1:123456789012:function:raw")
    );
    assert_eq!(created.memory_size(), Some(256));
    assert_eq!(created.architectures(), [Architecture::Arm64]);
    let last_modified = created.last_modified().unwrap();
    assert!(
        last_modified.len() == 28 && last_modified.ends_with("+0000"),
        "{last_modified}"
    );
    client
        .wait_until_function_active_v2()
        .function_name("raw")
        .wait(Duration::from_secs(300))
        .await
        .unwrap();
    let got = client.get_function().function_name("raw").send().await.unwrap();
    let conf = got.configuration().unwrap();
    assert_eq!(conf.state(), Some(&State::Active));
    assert_eq!(conf.runtime(), Some(&Runtime::Python312));
    assert_eq!(
        conf.environment()
            .and_then(|e| e.variables())
            .and_then(|v| v.get("GREETING"))
            .map(String::as_str),
        Some("hello")
    );
    assert_eq!(got.code().and_then(|c| c.repository_type()), Some("S3"));
    assert!(got.code().and_then(|c| c.location()).is_some());
    assert_eq!(got.tags().and_then(|t| t.get("team")).map(String::as_str), Some("core"));
    // By ARN, and GetFunctionConfiguration.
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:raw";
    let by_arn = client
        .get_function_configuration()
        .function_name(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(by_arn.code_sha256(), conf.code_sha256());

    // No Rust handler: the wire's echo handler answers the event, and the log says so.
    let out = client
        .invoke()
        .function_name("raw")
        .payload(Blob::new(br#"{"n":1,"s":"x"}"#.to_vec()))
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), None);
    assert_eq!(out.executed_version(), Some("$LATEST"));
    assert_eq!(out.payload().map(|p| p.as_ref()), Some(&br#"{"n":1,"s":"x"}"#[..]));
    let log = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().unwrap())
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(log.starts_with("START RequestId: "), "{log}");
    assert!(log.contains("echo handler"), "{log}");
    // Once the simulator is on the wire, the trait's Invoke runs the echo fallback too (one
    // behaviour whichever way a function is invoked); a simulator never put on the wire keeps
    // its documented ResourceNotReadyException.
    let req = || {
        InvokeRequest::builder()
            .function("raw".parse().unwrap())
            .payload(bytes::Bytes::from_static(br#"{"via":"trait"}"#))
            .build()
            .unwrap()
    };
    let out = Lambda::invoke(&sim, req()).await.unwrap();
    assert_eq!(&out.payload[..], br#"{"via":"trait"}"#);
    let off_wire = SimCloud::new();
    let create_req = aws_facade::lambda::CreateFunctionRequest::builder()
        .name("raw".parse().unwrap())
        .runtime("python3.12")
        .role("arn:aws:iam::123456789012:role/lambda".parse().unwrap())
        .handler("index.handler")
        .zip(bytes::Bytes::from(package(1)))
        .build()
        .unwrap();
    Lambda::create_function(&off_wire, create_req).await.unwrap();
    tokio::time::sleep(off_wire.config().lambda_create).await;
    let e = Lambda::invoke(&off_wire, req()).await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotReadyException"), "{e:?}");
    // Event and DryRun.
    let event = client
        .invoke()
        .function_name("raw")
        .invocation_type(SdkIt::Event)
        .payload(Blob::new(b"{}".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(event.status_code(), 202);
    let dry = client
        .invoke()
        .function_name("raw")
        .invocation_type(SdkIt::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status_code(), 204);
    // A payload that is not JSON.
    let e = client
        .invoke()
        .function_name("raw")
        .payload(Blob::new(b"not json".to_vec()))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_request_content_exception(), "{e:?}");

    // A registered Rust handler that fails: a function error, status 200.
    sim.register_handler(
        "boom",
        Arc::new(|inv: &Invocation| Err(format!("boom at {}", inv.version))),
    );
    create(&client, "boom").await;
    client
        .wait_until_function_active_v2()
        .function_name("boom")
        .wait(Duration::from_secs(300))
        .await
        .unwrap();
    let out = client
        .invoke()
        .function_name("boom")
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!((out.status_code(), out.function_error()), (200, Some("Unhandled")));
    let doc: Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(doc["errorMessage"], "boom at $LATEST");
    let log = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().unwrap())
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(
        log.contains("boom at $LATEST") && !log.contains("echo handler"),
        "{log}"
    );

    // Update code and configuration; the update waiter; publish versions.
    let updated = client
        .update_function_code()
        .function_name("raw")
        .zip_file(Blob::new(package(2)))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.last_update_status(), Some(&LastUpdateStatus::InProgress));
    assert_ne!(updated.code_sha256(), conf.code_sha256());
    client
        .wait_until_function_updated_v2()
        .function_name("raw")
        .wait(Duration::from_secs(300))
        .await
        .unwrap();
    let v1 = client
        .publish_version()
        .function_name("raw")
        .description("first")
        .send()
        .await
        .unwrap();
    assert_eq!(v1.version(), Some("1"));
    assert_eq!(v1.description(), Some("first"));
    // A stale RevisionId is a precondition failure.
    let e = client
        .update_function_configuration()
        .function_name("raw")
        .timeout(10)
        .revision_id("stale")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_precondition_failed_exception(), "{e:?}");
    let cfg = client
        .update_function_configuration()
        .function_name("raw")
        .timeout(10)
        .description("v2")
        .send()
        .await
        .unwrap();
    assert_eq!((cfg.timeout(), cfg.description()), (Some(10), Some("v2")));
    client
        .wait_until_function_updated_v2()
        .function_name("raw")
        .wait(Duration::from_secs(300))
        .await
        .unwrap();
    let v2 = client.publish_version().function_name("raw").send().await.unwrap();
    assert_eq!(v2.version(), Some("2"));
    // ListVersionsByFunction, one a page.
    let versions: Vec<String> = client
        .list_versions_by_function()
        .function_name("raw")
        .max_items(1)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap()
        .iter()
        .map(|v| v.version().unwrap_or_default().to_string())
        .collect();
    assert_eq!(versions, ["$LATEST", "1", "2"]);

    // Aliases.
    let alias = client
        .create_alias()
        .function_name("raw")
        .name("live")
        .function_version("1")
        .description("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(alias.alias_arn(), Some(format!("{arn}:live").as_str()));
    let got = client
        .get_alias()
        .function_name("raw")
        .name("live")
        .send()
        .await
        .unwrap();
    assert_eq!((got.function_version(), got.description()), (Some("1"), Some("prod")));
    // UpdateAlias with only routing: the version and description stay.
    let routed = client
        .update_alias()
        .function_name("raw")
        .name("live")
        .routing_config(
            aws_sdk_lambda::types::AliasRoutingConfiguration::builder()
                .additional_version_weights("2", 0.5)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        (routed.function_version(), routed.description()),
        (Some("1"), Some("prod"))
    );
    assert_eq!(
        routed
            .routing_config()
            .and_then(|r| r.additional_version_weights())
            .and_then(|w| w.get("2")),
        Some(&0.5)
    );
    let out = client
        .invoke()
        .function_name("raw")
        .qualifier("live")
        .send()
        .await
        .unwrap();
    assert!(matches!(out.executed_version(), Some("1" | "2")), "{out:?}");
    // The qualifier in the ARN works as the Qualifier parameter.
    let out = client.invoke().function_name(format!("{arn}:2")).send().await.unwrap();
    assert_eq!(out.executed_version(), Some("2"));
    let listed = client.list_aliases().function_name("raw").send().await.unwrap();
    assert_eq!(listed.aliases().len(), 1);
    client
        .delete_alias()
        .function_name("raw")
        .name("live")
        .send()
        .await
        .unwrap();
    let e = client
        .get_alias()
        .function_name("raw")
        .name("live")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");

    // Permissions.
    let added = client
        .add_permission()
        .function_name("raw")
        .statement_id("alarms")
        .action("lambda:InvokeFunction")
        .principal(CLOUDWATCH_ALARMS_PRINCIPAL)
        .source_account("123456789012")
        .send()
        .await
        .unwrap();
    let statement: Value = serde_json::from_str(added.statement().unwrap()).unwrap();
    assert_eq!(statement["Sid"], "alarms");
    let policy = client.get_policy().function_name("raw").send().await.unwrap();
    let policy: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Sid"], "alarms");
    let e = client
        .add_permission()
        .function_name("raw")
        .statement_id("alarms")
        .action("lambda:InvokeFunction")
        .principal(CLOUDWATCH_ALARMS_PRINCIPAL)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_conflict_exception(), "{e:?}");
    client
        .remove_permission()
        .function_name("raw")
        .statement_id("alarms")
        .send()
        .await
        .unwrap();
    let e = client
        .remove_permission()
        .function_name("raw")
        .statement_id("alarms")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");

    // Reserved concurrency: 0 throttles.
    let put = client
        .put_function_concurrency()
        .function_name("raw")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    assert_eq!(put.reserved_concurrent_executions(), Some(0));
    let got = client
        .get_function_concurrency()
        .function_name("raw")
        .send()
        .await
        .unwrap();
    assert_eq!(got.reserved_concurrent_executions(), Some(0));
    let e = client
        .invoke()
        .function_name("raw")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_too_many_requests_exception(), "{e:?}");
    client
        .delete_function_concurrency()
        .function_name("raw")
        .send()
        .await
        .unwrap();
    let got = client
        .get_function_concurrency()
        .function_name("raw")
        .send()
        .await
        .unwrap();
    assert_eq!(got.reserved_concurrent_executions(), None);

    // Function URLs.
    let url = client
        .create_function_url_config()
        .function_name("raw")
        .auth_type(SdkAuth::AwsIam)
        .send()
        .await
        .unwrap();
    assert!(url.function_url().starts_with("https://"), "{url:?}");
    assert_eq!(url.auth_type(), &SdkAuth::AwsIam);
    assert!(!url.creation_time().is_empty());
    let updated = client
        .update_function_url_config()
        .function_name("raw")
        .cors(
            SdkCors::builder()
                .allow_origins("https://example.com")
                .max_age(60)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // AuthType was left out: it stays.
    assert_eq!(updated.auth_type(), &SdkAuth::AwsIam);
    assert_eq!(updated.function_url(), url.function_url());
    assert_eq!(
        updated.cors().map(|c| c.allow_origins()),
        Some(&["https://example.com".to_string()][..])
    );
    let got = client
        .get_function_url_config()
        .function_name("raw")
        .send()
        .await
        .unwrap();
    assert_eq!(got.cors().and_then(|c| c.max_age()), Some(60));
    client
        .delete_function_url_config()
        .function_name("raw")
        .send()
        .await
        .unwrap();
    let e = client
        .get_function_url_config()
        .function_name("raw")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");

    // Layers.
    let layer = client
        .publish_layer_version()
        .layer_name("libs")
        .content(
            LayerVersionContentInput::builder()
                .zip_file(Blob::new(package(7)))
                .build(),
        )
        .compatible_runtimes(Runtime::Python312)
        .compatible_architectures(Architecture::Arm64)
        .license_info("MIT")
        .send()
        .await
        .unwrap();
    assert_eq!(layer.version(), 1);
    assert_eq!(layer.content().map(|c| c.code_size()), Some(package(7).len() as i64));
    let got = client
        .get_layer_version()
        .layer_name("libs")
        .version_number(1)
        .send()
        .await
        .unwrap();
    assert_eq!(got.layer_version_arn(), layer.layer_version_arn());
    assert_eq!(got.license_info(), Some("MIT"));
    let listed = client.list_layer_versions().layer_name("libs").send().await.unwrap();
    assert_eq!(listed.layer_versions().len(), 1);
    let filtered = client
        .list_layer_versions()
        .layer_name("libs")
        .compatible_runtime(Runtime::Nodejs22x)
        .send()
        .await
        .unwrap();
    assert!(filtered.layer_versions().is_empty());
    client
        .delete_layer_version()
        .layer_name("libs")
        .version_number(1)
        .send()
        .await
        .unwrap();
    let e = client
        .get_layer_version()
        .layer_name("libs")
        .version_number(1)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");

    // Tags, by the function's ARN.
    client
        .tag_resource()
        .resource(arn)
        .tags("env", "test")
        .send()
        .await
        .unwrap();
    let tags = client.list_tags().resource(arn).send().await.unwrap();
    assert_eq!(tags.tags().map(|t| t.len()), Some(2));
    client
        .untag_resource()
        .resource(arn)
        .tag_keys("team")
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = client.list_tags().resource(arn).send().await.unwrap();
    assert!(tags.tags().is_none_or(|t| t.is_empty()), "{tags:?}");

    // ListFunctions, one a page; FunctionVersion=ALL lists every version.
    let first = client.list_functions().max_items(1).send().await.unwrap();
    assert_eq!(first.functions().len(), 1);
    assert!(first.next_marker().is_some());
    let names: Vec<String> = client
        .list_functions()
        .max_items(1)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap()
        .iter()
        .map(|f| f.function_name().unwrap_or_default().to_string())
        .collect();
    assert_eq!(names, ["boom", "raw"]);
    let all = client
        .list_functions()
        .function_version(aws_sdk_lambda::types::FunctionVersion::All)
        .send()
        .await
        .unwrap();
    assert_eq!(all.functions().len(), 4, "boom $LATEST; raw $LATEST, 1 and 2");

    // Delete a version, then the function; not found afterwards.
    client
        .delete_function()
        .function_name("raw")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    client.delete_function().function_name("raw").send().await.unwrap();
    let e = client
        .get_function()
        .function_name("raw")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
    let e = client
        .invoke()
        .function_name("raw")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
    // The crate's checks refused by the service: InvalidParameterValueException.
    let e = client
        .create_function()
        .function_name("bad")
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("index.handler")
        .memory_size(64)
        .code(FunctionCode::builder().zip_file(Blob::new(package(1))).build())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_parameter_value_exception(), "{e:?}");
}

/// Rewrites each request to `method path` before it is sent.
#[derive(Debug)]
struct Reroute(&'static str, &'static str);

impl aws_smithy_runtime_api::client::interceptors::Intercept for Reroute {
    fn name(&self) -> &'static str {
        "Reroute"
    }

    fn modify_before_transmit(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let req = context.request_mut();
        req.set_method(self.0)?;
        req.set_uri(format!("https://lambda.us-east-1.amazonaws.com{}", self.1))?;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn an_unknown_route_is_an_error_answer_not_a_panic() {
    let sim = SimCloud::new();
    for (method, path) in [
        ("GET", "/2015-03-31/functions/f/nothing"),
        ("PATCH", "/2015-03-31/functions"),
        ("GET", "/2099-01-01/functions/f"),
        ("POST", "/2018-10-31/layers/l/versions/1/policy"),
    ] {
        let client = aws_sdk_lambda::Client::from_conf(lambda_config(&sim).interceptor(Reroute(method, path)).build());
        let e = client.list_functions().send().await.unwrap_err();
        let raw = e.raw_response().map(|r| r.status().as_u16());
        assert_eq!(raw, Some(404), "{method} {path}: {e:?}");
        assert_eq!(
            aws_sdk_lambda::error::ProvideErrorMetadata::code(&e),
            Some("UnknownOperationException"),
            "{method} {path}"
        );
    }
}

/// The same calls through the crate's SDK adapter over the wire and on the simulator directly
/// (each a fresh simulator with the same seed and calendar): the answers are equal.
#[tokio::test(start_paused = true)]
async fn the_sdk_adapter_over_the_wire_matches_the_direct_simulator() {
    let mut runs: Vec<Vec<Value>> = Vec::new();
    for wire in [false, true] {
        let sim = SimCloud::with_config(SimConfig {
            calendar_start: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600)),
            ..SimConfig::default()
        });
        sim.register_handler(
            "shop-api",
            Arc::new(|inv: &Invocation| Ok(json!({"version": inv.version, "event": inv.payload}))),
        );
        let mut cloud: Cloud = sim.cloud().with_seed(11);
        if wire {
            cloud = cloud.with_lambda(Arc::new(SdkLambda::from_client(lambda_client(&sim))));
        }
        // Poll and retry jitter drawn from one seed: both runs take the same (virtual) time.
        runs.push(aws_facade::rng::scope(7, scenario(&cloud)).await);
    }
    // The scenario did what it says (answers, not only errors, on both paths).
    let direct = &runs[0];
    assert_eq!(
        (direct[0]["version"].as_str(), direct[1]["version"].as_str()),
        (Some("1"), Some("2"))
    );
    assert_eq!(direct[9]["status"], 200, "{}", direct[9]);
    assert_eq!(direct[15]["error"], "PreconditionFailedException");
    assert_eq!(direct[33]["auth_type"], "NONE");
    assert_eq!(direct[41]["version"], 2);
    assert_eq!(direct[53]["error"], "ResourceNotFoundException");
    assert_eq!(runs[0].len(), runs[1].len());
    for (i, (direct, wire)) in runs[0].iter().zip(&runs[1]).enumerate() {
        assert_eq!(direct, wire, "answer {i}: direct vs through the wire");
    }
}

fn v<T: serde::Serialize>(r: aws_facade::Result<T>) -> Value {
    match r {
        Ok(t) => serde_json::to_value(t).unwrap(),
        Err(e) => json!({"error": e.code(), "kind": format!("{:?}", e.kind())}),
    }
}

/// The deploy workflow (create, then an update with an alias move), then the conformance
/// suite's calls: every answer, as JSON.
async fn scenario(cloud: &Cloud) -> Vec<Value> {
    let l = cloud.lambda.as_ref();
    let name: aws_facade::id::FunctionName = "shop-api".parse().unwrap();
    let mut out = Vec::new();
    let spec = Deployment::builder()
        .function(name.clone())
        .runtime("python3.12")
        .handler("index.handler")
        .role(ROLE.parse().unwrap())
        .environment(
            [("STAGE", "prod")]
                .into_iter()
                .collect::<aws_facade::lambda::Environment>(),
        )
        .build()
        .unwrap();
    for revision in [1, 2] {
        let d = deploy(cloud, &spec, package(revision).into(), None, None).await;
        out.push(v(d));
    }
    out.push(v(l.get_function_configuration(name.clone(), None).await));
    out.push(v(l.get_function_configuration(name.clone(), Some("live".into())).await));
    out.push(v(l.list_versions(name.clone()).await));
    out.push(v(l.list_aliases(name.clone()).await));
    out.push(v(l.get_alias(name.clone(), "live".parse().unwrap()).await));
    let versions: aws_facade::Result<Vec<_>> = l
        .versions(name.clone(), ListOptions::new().page_size(1))
        .try_collect()
        .await;
    out.push(v(versions));
    // Weighted routing, then routing removed by an update without it.
    let routed = AliasRequest::builder()
        .function(name.clone())
        .name("live".parse().unwrap())
        .version("2")
        .routing(AliasRouting::new("1", 0.3))
        .build()
        .unwrap();
    out.push(v(l.update_alias(routed).await));
    for _ in 0..4 {
        let inv = InvokeRequest::builder()
            .function(name.clone())
            .qualifier("live")
            .payload(&br#"{"a":[1,2]}"#[..])
            .log_tail(true)
            .build()
            .unwrap();
        let r = l.invoke(inv).await.map(|o| {
            json!({
                "status": o.status_code,
                "payload": o.payload_json().ok(),
                "error": o.function_error,
                "version": o.executed_version,
                "log_lines": o.log_tail.map(|t| t.lines().count()),
            })
        });
        out.push(v(r));
    }
    let event = InvokeRequest::builder()
        .function(name.clone())
        .invocation_type(InvocationType::Event)
        .build()
        .unwrap();
    out.push(v(l.invoke(event).await.map(|o| (o.status_code, o.payload.len()))));
    let plain = AliasRequest::builder()
        .function(name.clone())
        .name("live".parse().unwrap())
        .version("2")
        .build()
        .unwrap();
    out.push(v(l.update_alias(plain).await));
    // Publish with a stale hash: a precondition failure.
    let stale = PublishVersionRequest::builder()
        .name(name.clone())
        .code_sha256("c3RhbGU=")
        .build()
        .unwrap();
    out.push(v(l.publish_version(stale).await));
    // Configuration and code updates.
    let upd = UpdateFunctionConfigurationRequest::builder()
        .name(name.clone())
        .memory_mb(512)
        .description("bigger")
        .build()
        .unwrap();
    out.push(v(l.update_function_configuration(upd).await));
    let again = UpdateFunctionConfigurationRequest::builder()
        .name(name.clone())
        .timeout_secs(9)
        .build()
        .unwrap();
    out.push(v(l.update_function_configuration(again).await));
    tokio::time::sleep(Duration::from_secs(10)).await;
    let code = UpdateFunctionCodeRequest::builder()
        .name(name.clone())
        .zip(package(3))
        .publish(true)
        .build()
        .unwrap();
    out.push(v(l.update_function_code(code).await));
    tokio::time::sleep(Duration::from_secs(10)).await;
    // Permissions.
    let perm = AddPermissionRequest::builder()
        .function(name.clone())
        .statement_id("alarms")
        .principal(CLOUDWATCH_ALARMS_PRINCIPAL)
        .source_arn(
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:high-errors"
                .parse()
                .unwrap(),
        )
        .build()
        .unwrap();
    out.push(v(l.add_permission(perm.clone()).await));
    out.push(v(l.add_permission(perm).await));
    out.push(v(l.get_policy(name.clone(), None).await));
    let rm = RemovePermissionRequest::builder()
        .function(name.clone())
        .statement_id("alarms")
        .build()
        .unwrap();
    out.push(v(l.remove_permission(rm).await));
    out.push(v(l.get_policy(name.clone(), None).await));
    // Tags.
    let arn: aws_facade::id::Arn = "arn:aws:lambda:us-east-1:123456789012:function:shop-api"
        .parse()
        .unwrap();
    out.push(v(l.list_tags(arn.clone()).await));
    out.push(v(l
        .tag_resource(arn.clone(), [("cost-center".to_string(), "42".to_string())].into())
        .await));
    out.push(v(l.untag_resource(arn.clone(), vec!["aws-facade:run".into()]).await));
    out.push(v(l.list_tags(arn.clone()).await));
    // Concurrency.
    out.push(v(l.get_function_concurrency(name.clone()).await));
    out.push(v(l.put_function_concurrency(name.clone(), 7).await));
    out.push(v(l.get_function_concurrency(name.clone()).await));
    out.push(v(l.put_function_concurrency(name.clone(), 1_000_000).await));
    out.push(v(l.delete_function_concurrency(name.clone()).await));
    // Function URLs.
    let url = FunctionUrlRequest::builder()
        .function(name.clone())
        .qualifier("live")
        .auth_type(FunctionUrlAuthType::None)
        .build()
        .unwrap();
    out.push(v(l.create_function_url_config(url.clone()).await));
    out.push(v(l.create_function_url_config(url).await));
    let cors = FunctionUrlRequest::builder()
        .function(name.clone())
        .qualifier("live")
        .cors(
            Cors::builder()
                .allow_origins(vec!["https://shop.example".into()])
                .allow_methods(vec!["GET".into()])
                .max_age_secs(300)
                .build(),
        )
        .build()
        .unwrap();
    out.push(v(l.update_function_url_config(cors).await));
    out.push(v(l.get_function_url_config(name.clone(), Some("live".into())).await));
    out.push(v(l.delete_function_url_config(name.clone(), Some("live".into())).await));
    out.push(v(l.get_function_url_config(name.clone(), Some("live".into())).await));
    // Layers.
    let layer: aws_facade::id::LayerName = "shared-libs".parse().unwrap();
    for revision in [10, 11] {
        let req = PublishLayerVersionRequest::builder()
            .layer_name(layer.clone())
            .zip(package(revision))
            .description(format!("r{revision}"))
            .compatible_runtimes(vec!["python3.12".into()])
            .build()
            .unwrap();
        out.push(v(l.publish_layer_version(req).await));
    }
    out.push(v(l.get_layer_version(layer.clone(), 2).await));
    out.push(v(l.list_layer_versions(layer.clone()).await));
    out.push(v(l.delete_layer_version(layer.clone(), 1).await));
    out.push(v(l.get_layer_version(layer.clone(), 1).await));
    out.push(v(l.list_layer_versions(layer.clone()).await));
    // Listings, then deletes and not-found answers.
    out.push(v(l.list_functions().await));
    let page: aws_facade::Result<Vec<_>> = l.functions(ListOptions::new().page_size(1)).try_collect().await;
    out.push(v(page));
    out.push(v(l.delete_alias(name.clone(), "live".parse().unwrap()).await));
    out.push(v(l.delete_alias(name.clone(), "live".parse().unwrap()).await));
    out.push(v(l.delete_function(name.clone(), Some("1".into())).await));
    out.push(v(l.list_versions(name.clone()).await));
    out.push(v(l.delete_function(name.clone(), None).await));
    out.push(v(l.get_function_configuration(name.clone(), None).await));
    out.push(v(l.list_tags(arn).await));
    out.push(v(l.list_functions().await));
    out
}
