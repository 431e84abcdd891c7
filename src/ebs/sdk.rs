//! [`Ebs`] over `aws_sdk_ebs`.

use aws_sdk_ebs::primitives::ByteStream;
use aws_sdk_ebs::types::{ChecksumAggregationMethod as SdkAggregation, ChecksumAlgorithm, Status, Tag};

use super::*;
use crate::error::ApiError;
use crate::macros::sdk_adapter;
use crate::sdk_util::{Answer, RequireAnswer, parse_id, sdk_err, to_system_time};

sdk_adapter!(
    /// [`Ebs`] over `aws_sdk_ebs`.
    SdkEbs, aws_sdk_ebs, interceptor = RequireAnswer(ANSWERS));

/// What each operation's success response carries (EBS direct APIs reference, "Response
/// Syntax"): a JSON document, or for `PutSnapshotBlock` and `GetSnapshotBlock` (whose body is
/// the block) the `x-amz-Checksum` header. A `2xx` without it is a wrong endpoint's, not the
/// service's: an upload must not count a block as written because something answered `200`.
const ANSWERS: &[(&str, Answer)] = &[
    ("StartSnapshot", Answer::Body),
    ("CompleteSnapshot", Answer::Body),
    ("ListSnapshotBlocks", Answer::Body),
    ("ListChangedBlocks", Answer::Body),
    ("PutSnapshotBlock", Answer::Header("x-amz-Checksum")),
    ("GetSnapshotBlock", Answer::Header("x-amz-Checksum")),
];

fn malformed(what: impl Into<String>) -> Error {
    Error::from_api(ApiError::new(Service::Ebs, "MalformedResponse", what))
}

fn status_of(s: Option<&Status>) -> Result<DirectSnapshotStatus> {
    let s = s.ok_or_else(|| malformed("response is missing Status"))?;
    // A status this crate does not know keeps its AWS name.
    Ok(DirectSnapshotStatus::from(s.as_str()))
}

fn to_u32(field: &str, v: Option<i64>) -> Result<u32> {
    let v = v.ok_or_else(|| malformed(format!("response is missing {field}")))?;
    u32::try_from(v).map_err(|_| malformed(format!("{field} out of range: {v}")))
}

/// A crate-side u32 (already validated to be below 2^31) as the SDK's i32.
fn i32_of(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn block_size_of(v: Option<i32>) -> Result<u32> {
    to_u32("BlockSize", v.map(i64::from))
}

// Every operation is implemented: none falls back to the trait's `Unsupported` default.
#[deny(clippy::missing_trait_methods)]
#[async_trait::async_trait]
impl super::Ebs for SdkEbs {
    async fn start_snapshot(&self, req: StartSnapshotRequest) -> Result<StartedSnapshot> {
        req.validate()?;
        let tags: Vec<Tag> = req
            .tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        let mut call = self
            .client
            .start_snapshot()
            .volume_size(i64::from(req.volume_size_gib))
            .set_parent_snapshot_id(req.parent_snapshot_id.as_ref().map(|p| p.to_string()))
            .set_description(req.description.clone())
            .set_client_token(req.client_token.clone())
            .set_kms_key_arn(req.kms_key_arn.clone())
            .set_tags((!tags.is_empty()).then_some(tags))
            .timeout(i32_of(req.timeout_minutes));
        // AWS rejects Encrypted together with ParentSnapshotId: a child inherits its parent's
        // encryption.
        if req.parent_snapshot_id.is_none() {
            call = call.encrypted(req.encrypted);
        }
        let out = call.send().await.map_err(sdk_err(Service::Ebs))?;
        Ok(StartedSnapshot {
            snapshot_id: parse_id(Service::Ebs, "SnapshotId", out.snapshot_id())?,
            block_size: block_size_of(out.block_size())?,
            volume_size_gib: to_u32("VolumeSize", out.volume_size())?,
            status: status_of(out.status())?,
            parent_snapshot_id: match out.parent_snapshot_id() {
                Some(p) if !p.is_empty() => Some(p.parse()?),
                _ => None,
            },
        })
    }

    async fn put_snapshot_block(&self, req: PutSnapshotBlockRequest) -> Result<String> {
        req.validate()?;
        let len = i32::try_from(req.data.len()).unwrap_or(i32::MAX);
        let out = self
            .client
            .put_snapshot_block()
            .snapshot_id(req.snapshot_id.as_str())
            .block_index(i32_of(req.block_index))
            .block_data(ByteStream::from(req.data))
            .data_length(len)
            .checksum(req.checksum.clone())
            .checksum_algorithm(ChecksumAlgorithm::ChecksumAlgorithmSha256)
            .set_progress(req.progress.map(i32::from))
            .send()
            .await
            .map_err(sdk_err(Service::Ebs))?;
        Ok(out.checksum().map(str::to_string).unwrap_or(req.checksum))
    }

    async fn complete_snapshot(&self, req: CompleteSnapshotRequest) -> Result<DirectSnapshotStatus> {
        req.validate()?;
        let mut call = self
            .client
            .complete_snapshot()
            .snapshot_id(req.snapshot_id.as_str())
            .changed_blocks_count(i32_of(req.changed_blocks_count));
        if let Some(c) = &req.checksum {
            let method = match req.checksum_aggregation_method {
                ChecksumAggregationMethod::Linear => SdkAggregation::ChecksumAggregationLinear,
            };
            call = call
                .checksum(c)
                .checksum_algorithm(ChecksumAlgorithm::ChecksumAlgorithmSha256)
                .checksum_aggregation_method(method);
        }
        let out = call.send().await.map_err(sdk_err(Service::Ebs))?;
        status_of(out.status())
    }

    async fn list_snapshot_blocks(&self, req: ListSnapshotBlocksRequest) -> Result<BlockPage> {
        req.validate()?;
        let mut out = self
            .client
            .list_snapshot_blocks()
            .snapshot_id(req.snapshot_id.as_str())
            .set_starting_block_index(req.starting_block_index.map(i32_of))
            .set_max_results(req.max_results.map(i32_of))
            .set_next_token(req.next_token.clone())
            .send()
            .await
            .map_err(sdk_err(Service::Ebs))?;
        // The tokens move out of the answer (up to 10,000 a page): no copy.
        let blocks = out
            .blocks
            .take()
            .unwrap_or_default()
            .into_iter()
            .map(|b| {
                Ok(Block {
                    index: to_u32("Block.BlockIndex", b.block_index.map(i64::from))?,
                    token: b
                        .block_token
                        .ok_or_else(|| malformed("response is missing Block.BlockToken"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(BlockPage {
            blocks,
            next_token: out.next_token.take().filter(|t| !t.is_empty()),
            block_size: block_size_of(out.block_size())?,
            volume_size_gib: to_u32("VolumeSize", out.volume_size())?,
            expiry_time: out.expiry_time().and_then(to_system_time),
        })
    }

    async fn list_changed_blocks(&self, req: ListChangedBlocksRequest) -> Result<ChangedBlockPage> {
        req.validate()?;
        let out = self
            .client
            .list_changed_blocks()
            .set_first_snapshot_id(req.first_snapshot_id.as_ref().map(|s| s.to_string()))
            .second_snapshot_id(req.second_snapshot_id.as_str())
            .set_starting_block_index(req.starting_block_index.map(i32_of))
            .set_max_results(req.max_results.map(i32_of))
            .set_next_token(req.next_token.clone())
            .send()
            .await
            .map_err(sdk_err(Service::Ebs))?;
        let blocks = out
            .changed_blocks()
            .iter()
            .map(|b| {
                Ok(ChangedBlock {
                    index: to_u32("ChangedBlock.BlockIndex", b.block_index().map(i64::from))?,
                    first_token: b.first_block_token().map(str::to_string),
                    second_token: b.second_block_token().map(str::to_string),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ChangedBlockPage {
            blocks,
            next_token: out.next_token().filter(|t| !t.is_empty()).map(str::to_string),
            block_size: block_size_of(out.block_size())?,
            volume_size_gib: to_u32("VolumeSize", out.volume_size())?,
            expiry_time: out.expiry_time().and_then(to_system_time),
        })
    }

    async fn get_snapshot_block(&self, req: GetSnapshotBlockRequest) -> Result<BlockData> {
        req.validate()?;
        let out = self
            .client
            .get_snapshot_block()
            .snapshot_id(req.snapshot_id.as_str())
            .block_index(i32_of(req.block_index))
            .block_token(req.block_token.clone())
            .send()
            .await
            .map_err(sdk_err(Service::Ebs))?;
        let checksum = out
            .checksum()
            .ok_or_else(|| malformed("response is missing Checksum"))?
            .to_string();
        let reported = out.data_length();
        let data = out.block_data.collect().await.map_err(|e| {
            Error::transport(
                Service::Ebs,
                format!("reading block {} of '{}'", req.block_index, req.snapshot_id),
                Some(Box::new(e)),
            )
        })?;
        let data = data.into_bytes();
        let data_length = match reported {
            Some(n) => to_u32("DataLength", Some(i64::from(n)))?,
            None => u32::try_from(data.len()).unwrap_or(u32::MAX),
        };
        Ok(BlockData {
            data,
            checksum,
            data_length,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ebs::Ebs;
    use aws_sdk_ebs::Client;
    use aws_sdk_ebs::operation::complete_snapshot::{CompleteSnapshotError, CompleteSnapshotOutput};
    use aws_sdk_ebs::operation::get_snapshot_block::GetSnapshotBlockInput;
    use aws_sdk_ebs::operation::get_snapshot_block::{GetSnapshotBlockError, GetSnapshotBlockOutput};
    use aws_sdk_ebs::operation::list_changed_blocks::ListChangedBlocksOutput;
    use aws_sdk_ebs::operation::list_snapshot_blocks::{ListSnapshotBlocksError, ListSnapshotBlocksOutput};
    use aws_sdk_ebs::operation::put_snapshot_block::PutSnapshotBlockInput;
    use aws_sdk_ebs::operation::put_snapshot_block::{PutSnapshotBlockError, PutSnapshotBlockOutput};
    use aws_sdk_ebs::operation::start_snapshot::{StartSnapshotError, StartSnapshotOutput};
    use aws_sdk_ebs::types::error::{RequestThrottledException, ResourceNotFoundException, ValidationException};
    use aws_sdk_ebs::types::{ChangedBlock as SdkChangedBlock, ValidationExceptionReason};
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleBuilder, RuleMode, create_mock_http_client, mock};
    use aws_smithy_types::error::ErrorMetadata;

    /// `mock!` needs `as_input()` and a `Clone` input builder, which PutSnapshotBlock (streaming
    /// body) and GetSnapshotBlock (streaming output) lack: their rules are built by type.
    fn put_rule() -> RuleBuilder<PutSnapshotBlockInput, PutSnapshotBlockOutput, PutSnapshotBlockError> {
        RuleBuilder::new()
    }
    fn get_rule() -> RuleBuilder<GetSnapshotBlockInput, GetSnapshotBlockOutput, GetSnapshotBlockError> {
        RuleBuilder::new()
    }

    const SNAP: &str = "snap-0123456789abcdef0";
    const PARENT: &str = "snap-0fedcba9876543210";

    /// `mock_client!` needs aws-sdk-ebs's `test-util` feature; this builds the same client
    /// (mock HTTP client + rule interceptor) from the public config API instead.
    fn client(rules: &[&Rule]) -> SdkEbs {
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
        for r in rules {
            interceptor = interceptor.with_rule(r);
        }
        let conf = aws_sdk_ebs::Config::builder()
            .behavior_version(aws_sdk_ebs::config::BehaviorVersion::latest())
            .region(aws_sdk_ebs::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ebs::config::Credentials::new(
                "AKID", "SECRET", None, None, "test",
            ))
            .http_client(create_mock_http_client())
            .interceptor(interceptor)
            .build();
        SdkEbs::from_client(Client::from_conf(conf))
    }

    fn snap() -> SnapshotId {
        SNAP.parse().unwrap()
    }

    fn meta(code: &str, msg: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(msg).build()
    }

    #[tokio::test]
    async fn start_snapshot_sends_fields_and_maps_output() {
        let rule = mock!(Client::start_snapshot)
            .match_requests(|r| {
                r.volume_size() == Some(8)
                    && r.description() == Some("backup")
                    && r.client_token() == Some("tok-1")
                    && r.encrypted() == Some(true)
                    && r.timeout() == Some(120)
                    && r.parent_snapshot_id().is_none()
                    && r.tags().len() == 1
                    && r.tags()[0].key() == Some("Name")
            })
            .then_output(|| {
                StartSnapshotOutput::builder()
                    .snapshot_id(SNAP)
                    .block_size(524_288)
                    .volume_size(8)
                    .status(Status::Pending)
                    .build()
            });
        // With a parent, Encrypted is not sent (AWS rejects the combination).
        let child = mock!(Client::start_snapshot)
            .match_requests(|r| r.parent_snapshot_id() == Some(PARENT) && r.encrypted().is_none())
            .then_output(|| {
                StartSnapshotOutput::builder()
                    .snapshot_id(SNAP)
                    .block_size(524_288)
                    .volume_size(16)
                    .status(Status::Pending)
                    .parent_snapshot_id(PARENT)
                    .build()
            });
        let ebs = client(&[&rule, &child]);
        let mut tags = Tags::new();
        tags.insert("Name".into(), "b".into());
        let req = StartSnapshotRequest::builder()
            .volume_size_gib(8)
            .description("backup")
            .client_token("tok-1")
            .timeout_minutes(120)
            .tags(tags)
            .build()
            .unwrap();
        let s = ebs.start_snapshot(req).await.unwrap();
        assert_eq!(s.snapshot_id, snap());
        assert_eq!(s.block_size, 524_288);
        assert_eq!(s.volume_size_gib, 8);
        assert_eq!(s.status, DirectSnapshotStatus::Pending);
        assert_eq!(s.parent_snapshot_id, None);
        let req = StartSnapshotRequest::builder()
            .volume_size_gib(16)
            .parent_snapshot_id(PARENT.parse().unwrap())
            .build()
            .unwrap();
        let s = ebs.start_snapshot(req).await.unwrap();
        assert_eq!(s.parent_snapshot_id, Some(PARENT.parse().unwrap()));
        assert_eq!(rule.num_calls() + child.num_calls(), 2);
    }

    #[tokio::test]
    async fn put_block_sends_body_checksum_algorithm_and_length() {
        let data = vec![0xabu8; BLOCK_SIZE];
        let checksum = block_checksum(&data);
        let expected = checksum.clone();
        let rule = put_rule()
            .match_requests(move |r| {
                r.snapshot_id() == Some(SNAP)
                    && r.block_index() == Some(7)
                    && r.checksum() == Some(expected.as_str())
                    && r.checksum_algorithm() == Some(&ChecksumAlgorithm::ChecksumAlgorithmSha256)
                    && r.data_length() == Some(BLOCK_SIZE as i32)
                    && r.progress() == Some(50)
                    && r.block_data().bytes().map(<[u8]>::len) == Some(BLOCK_SIZE)
            })
            .then_output(|| {
                PutSnapshotBlockOutput::builder()
                    .checksum("echoed")
                    .checksum_algorithm(ChecksumAlgorithm::ChecksumAlgorithmSha256)
                    .build()
            });
        let ebs = client(&[&rule]);
        let mut req = PutSnapshotBlockRequest::with_checksum(snap(), 7, data).unwrap();
        req.progress = Some(50);
        assert_eq!(req.checksum, checksum);
        assert_eq!(ebs.put_snapshot_block(req).await.unwrap(), "echoed");
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn invalid_requests_never_reach_the_service() {
        let ebs = client(&[]);
        let bad = PutSnapshotBlockRequest {
            snapshot_id: snap(),
            block_index: 0,
            data: Bytes::from_static(b"short"),
            checksum: block_checksum(b"short"),
            progress: None,
        };
        let e = ebs.put_snapshot_block(bad).await.unwrap_err();
        assert!(
            matches!(e, Error::Validation { ref field, .. } if field == "data"),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn list_snapshot_blocks_maps_page_and_token() {
        let first = mock!(Client::list_snapshot_blocks)
            .match_requests(|r| r.snapshot_id() == Some(SNAP) && r.next_token().is_none() && r.max_results().is_none())
            .then_output(|| {
                ListSnapshotBlocksOutput::builder()
                    .blocks(
                        aws_sdk_ebs::types::Block::builder()
                            .block_index(0)
                            .block_token("t0")
                            .build(),
                    )
                    .blocks(
                        aws_sdk_ebs::types::Block::builder()
                            .block_index(5)
                            .block_token("t5")
                            .build(),
                    )
                    .block_size(524_288)
                    .volume_size(1)
                    .expiry_time(aws_smithy_types::DateTime::from_secs(1_800_000_000))
                    .next_token("page-2")
                    .build()
            });
        let second = mock!(Client::list_snapshot_blocks)
            .match_requests(|r| r.next_token() == Some("page-2"))
            .then_output(|| {
                ListSnapshotBlocksOutput::builder()
                    .blocks(
                        aws_sdk_ebs::types::Block::builder()
                            .block_index(9)
                            .block_token("t9")
                            .build(),
                    )
                    .block_size(524_288)
                    .volume_size(1)
                    .build()
            });
        let ebs = client(&[&first, &second]);
        let page = ebs
            .list_snapshot_blocks(
                ListSnapshotBlocksRequest::builder()
                    .snapshot_id(snap())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(page.blocks.len(), 2);
        assert_eq!(
            page.blocks[1],
            Block {
                index: 5,
                token: "t5".into()
            }
        );
        assert_eq!(page.next_token.as_deref(), Some("page-2"));
        assert_eq!(page.block_size, 524_288);
        assert_eq!(page.volume_size_gib, 1);
        assert_eq!(
            page.expiry_time,
            Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000))
        );
        // The helper follows next_token to the end.
        let first2 = mock!(Client::list_snapshot_blocks)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                ListSnapshotBlocksOutput::builder()
                    .blocks(
                        aws_sdk_ebs::types::Block::builder()
                            .block_index(0)
                            .block_token("t0")
                            .build(),
                    )
                    .block_size(524_288)
                    .volume_size(1)
                    .next_token("page-2")
                    .build()
            });
        let second2 = mock!(Client::list_snapshot_blocks)
            .match_requests(|r| r.next_token() == Some("page-2"))
            .then_output(|| {
                ListSnapshotBlocksOutput::builder()
                    .blocks(
                        aws_sdk_ebs::types::Block::builder()
                            .block_index(9)
                            .block_token("t9")
                            .build(),
                    )
                    .block_size(524_288)
                    .volume_size(1)
                    .build()
            });
        let ebs = client(&[&first2, &second2]);
        let all = all_snapshot_blocks(&ebs, &snap()).await.unwrap();
        assert_eq!(all.iter().map(|b| b.index).collect::<Vec<_>>(), vec![0, 9]);
    }

    #[tokio::test]
    async fn list_changed_blocks_maps_both_tokens() {
        let rule = mock!(Client::list_changed_blocks)
            .match_requests(|r| {
                r.first_snapshot_id() == Some(PARENT)
                    && r.second_snapshot_id() == Some(SNAP)
                    && r.starting_block_index() == Some(4)
                    && r.max_results() == Some(100)
            })
            .then_output(|| {
                ListChangedBlocksOutput::builder()
                    .changed_blocks(
                        SdkChangedBlock::builder()
                            .block_index(4)
                            .first_block_token("f4")
                            .second_block_token("s4")
                            .build(),
                    )
                    .changed_blocks(
                        SdkChangedBlock::builder()
                            .block_index(6)
                            .second_block_token("s6")
                            .build(),
                    )
                    .block_size(524_288)
                    .volume_size(2)
                    .build()
            });
        let ebs = client(&[&rule]);
        let req = ListChangedBlocksRequest::builder()
            .first_snapshot_id(PARENT.parse().unwrap())
            .second_snapshot_id(snap())
            .starting_block_index(4)
            .max_results(100)
            .build()
            .unwrap();
        let page = ebs.list_changed_blocks(req).await.unwrap();
        assert_eq!(
            page.blocks,
            vec![
                ChangedBlock {
                    index: 4,
                    first_token: Some("f4".into()),
                    second_token: Some("s4".into())
                },
                ChangedBlock {
                    index: 6,
                    first_token: None,
                    second_token: Some("s6".into())
                },
            ]
        );
        assert_eq!(page.next_token, None);
        assert_eq!(page.volume_size_gib, 2);
    }

    #[tokio::test]
    async fn get_block_collects_the_body() {
        let rule = get_rule()
            .match_requests(|r| {
                r.snapshot_id() == Some(SNAP) && r.block_index() == Some(3) && r.block_token() == Some("tok")
            })
            .then_output(|| {
                let data = vec![0x5au8; BLOCK_SIZE];
                GetSnapshotBlockOutput::builder()
                    .checksum(block_checksum(&data))
                    .checksum_algorithm(ChecksumAlgorithm::ChecksumAlgorithmSha256)
                    .data_length(BLOCK_SIZE as i32)
                    .block_data(ByteStream::from(data))
                    .build()
            });
        let ebs = client(&[&rule]);
        let req = GetSnapshotBlockRequest::builder()
            .snapshot_id(snap())
            .block_index(3)
            .block_token("tok")
            .build()
            .unwrap();
        let got = ebs.get_snapshot_block(req).await.unwrap();
        assert_eq!(got.data.len(), BLOCK_SIZE);
        assert!(got.data.iter().all(|b| *b == 0x5a));
        assert_eq!(got.data_length, BLOCK_SIZE as u32);
        assert!(got.is_intact());
    }

    #[tokio::test]
    async fn complete_sends_linear_checksum() {
        let digests = [block_digest(b"a"), block_digest(b"b")];
        let linear = linear_checksum(&digests);
        let expected = linear.clone();
        let rule = mock!(Client::complete_snapshot)
            .match_requests(move |r| {
                r.snapshot_id() == Some(SNAP)
                    && r.changed_blocks_count() == Some(2)
                    && r.checksum() == Some(expected.as_str())
                    && r.checksum_algorithm() == Some(&ChecksumAlgorithm::ChecksumAlgorithmSha256)
                    && r.checksum_aggregation_method() == Some(&SdkAggregation::ChecksumAggregationLinear)
            })
            .then_output(|| CompleteSnapshotOutput::builder().status(Status::Pending).build());
        // Without a checksum, no algorithm or method is sent.
        let bare = mock!(Client::complete_snapshot)
            .match_requests(|r| r.checksum().is_none() && r.checksum_aggregation_method().is_none())
            .then_output(|| CompleteSnapshotOutput::builder().status(Status::Completed).build());
        let ebs = client(&[&rule, &bare]);
        let req = CompleteSnapshotRequest::builder()
            .snapshot_id(snap())
            .changed_blocks_count(2)
            .checksum(linear)
            .build()
            .unwrap();
        assert_eq!(ebs.complete_snapshot(req).await.unwrap(), DirectSnapshotStatus::Pending);
        let req = CompleteSnapshotRequest::builder()
            .snapshot_id(snap())
            .changed_blocks_count(0)
            .build()
            .unwrap();
        assert_eq!(
            ebs.complete_snapshot(req).await.unwrap(),
            DirectSnapshotStatus::Completed
        );
    }

    #[tokio::test]
    async fn errors_are_mapped_by_code() {
        let validation = put_rule().then_error(|| {
            PutSnapshotBlockError::ValidationException(
                ValidationException::builder()
                    .reason(ValidationExceptionReason::InvalidBlock)
                    .meta(meta("ValidationException", "bad checksum"))
                    .build(),
            )
        });
        let not_found = mock!(Client::list_snapshot_blocks).then_error(|| {
            ListSnapshotBlocksError::ResourceNotFoundException(
                ResourceNotFoundException::builder()
                    .meta(meta(
                        "ResourceNotFoundException",
                        "The snapshot 'snap-0123456789abcdef0' does not exist",
                    ))
                    .build(),
            )
        });
        let throttled = mock!(Client::start_snapshot).then_error(|| {
            StartSnapshotError::RequestThrottledException(
                RequestThrottledException::builder()
                    .meta(meta("RequestThrottledException", "slow down"))
                    .build(),
            )
        });
        let throttling =
            get_rule().then_error(|| GetSnapshotBlockError::generic(meta("ThrottlingException", "rate exceeded")));
        let conflict = mock!(Client::complete_snapshot)
            .then_error(|| CompleteSnapshotError::generic(meta("ValidationException", "count mismatch")));
        let ebs = client(&[&validation, &not_found, &throttled, &throttling, &conflict]);

        let put = PutSnapshotBlockRequest::with_checksum(snap(), 0, vec![1u8; BLOCK_SIZE]).unwrap();
        let e = ebs.put_snapshot_block(put).await.unwrap_err();
        assert_eq!(e.code(), Some("ValidationException"));
        assert!(e.is_validation(), "{e:?}");

        let e = ebs
            .list_snapshot_blocks(
                ListSnapshotBlocksRequest::builder()
                    .snapshot_id(snap())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        assert!(matches!(&e, Error::NotFound { id, .. } if id == SNAP), "{e:?}");

        let e = ebs
            .start_snapshot(StartSnapshotRequest::builder().volume_size_gib(1).build().unwrap())
            .await
            .unwrap_err();
        assert!(e.is_throttled() && e.is_retryable(), "{e:?}");
        assert_eq!(e.code(), Some("RequestThrottledException"));

        let e = ebs
            .get_snapshot_block(
                GetSnapshotBlockRequest::builder()
                    .snapshot_id(snap())
                    .block_index(0)
                    .block_token("t")
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert!(e.is_throttled(), "{e:?}");
        assert_eq!(e.code(), Some("ThrottlingException"));

        let e = ebs
            .complete_snapshot(
                CompleteSnapshotRequest::builder()
                    .snapshot_id(snap())
                    .changed_blocks_count(1)
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert!(e.is_validation(), "{e:?}");
    }
}
