//! The EBS direct APIs in their REST-JSON protocol (EBS API reference; botocore model
//! `ebs/2019-11-02`): paths `/snapshots/...`, block bodies as raw bytes, checksums and lengths in
//! `x-amz-*` headers, timestamps as epoch seconds, errors as `x-amzn-ErrorType` plus a JSON
//! `Message`.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::{Value, json};

use super::Front;
use super::{WireRequest, WireResponse, error_from};
use crate::ebs::{
    ChecksumAggregationMethod, CompleteSnapshotRequest, Ebs, GetSnapshotBlockRequest, ListChangedBlocksRequest,
    ListSnapshotBlocksRequest, PutSnapshotBlockRequest, StartSnapshotRequest,
};
use crate::error::{Error, Result};
use crate::id::SnapshotId;

/// The HTTP status of each EBS error type (the model's `httpStatusCode`).
fn status_of(code: &str) -> u16 {
    match code {
        "ValidationException" | "RequestThrottledException" | "ConcurrentLimitExceededException" => 400,
        "AccessDeniedException" => 403,
        "ResourceNotFoundException" => 404,
        "ConflictException" => 409,
        "ServiceQuotaExceededException" => 402,
        _ => 500,
    }
}

pub(super) async fn serve(sim: &Front, req: &WireRequest) -> WireResponse {
    match dispatch(sim, req).await {
        Ok(r) => r,
        Err(e) => error_from(&e, status_of),
    }
}

/// A malformed request: the service's `ValidationException`.
fn bad(what: impl Into<String>) -> Error {
    Error::api(crate::Service::Ebs, "ValidationException", what.into())
}

fn epoch(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64()
}

fn snapshot_id(s: &str) -> Result<SnapshotId> {
    s.parse().map_err(|_| bad(format!("invalid snapshot id {s:?}")))
}

fn number<T: std::str::FromStr>(what: &str, s: Option<&str>) -> Result<Option<T>> {
    s.map(|v| {
        v.parse()
            .map_err(|_| bad(format!("{what} must be a number (got {v:?})")))
    })
    .transpose()
}

async fn dispatch(sim: &Front, req: &WireRequest) -> Result<WireResponse> {
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    match (req.method.as_str(), segments.as_slice()) {
        ("POST", ["snapshots"]) => start(sim, req).await,
        ("POST", ["snapshots", "completion", id]) => complete(sim, req, id).await,
        ("PUT", ["snapshots", id, "blocks", index]) => put_block(sim, req, id, index).await,
        ("GET", ["snapshots", id, "blocks"]) => list_blocks(sim, req, id).await,
        ("GET", ["snapshots", id, "blocks", index]) => get_block(sim, req, id, index).await,
        ("GET", ["snapshots", id, "changedblocks"]) => changed_blocks(sim, req, id).await,
        _ => Ok(super::unknown_operation(req)),
    }
}

async fn start(sim: &Front, req: &WireRequest) -> Result<WireResponse> {
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&req.body).map_err(|e| bad(format!("the body is not JSON: {e}")))?
    };
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let tags = body
        .get("Tags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|t| {
                    Some((
                        t.get("Key")?.as_str()?.to_string(),
                        t.get("Value")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let parent = text("ParentSnapshotId").map(|p| snapshot_id(&p)).transpose()?;
    if parent.is_some() && body.get("Encrypted").is_some() {
        // StartSnapshot: "You can't specify Encrypted and ParentSnapshotId in the same request."
        return Err(bad("Encrypted cannot be given with ParentSnapshotId"));
    }
    let request = StartSnapshotRequest {
        volume_size_gib: body
            .get("VolumeSize")
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| bad("VolumeSize is required"))?,
        // With a parent, the snapshot takes the parent's encryption (the crate's rule, as AWS).
        encrypted: parent.is_some() || body.get("Encrypted").and_then(Value::as_bool).unwrap_or(false),
        parent_snapshot_id: parent,
        description: text("Description"),
        tags,
        client_token: text("ClientToken"),
        kms_key_arn: text("KmsKeyArn"),
        timeout_minutes: body
            .get("Timeout")
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(60),
    };
    let (description, tags) = (request.description.clone(), request.tags.clone());
    let started = sim.start_snapshot(request).await?;
    let mut out = json!({
        "SnapshotId": started.snapshot_id.as_str(),
        "OwnerId": sim.config().account_id,
        "Status": started.status.as_str(),
        "StartTime": epoch(sim.wall_clock()),
        "VolumeSize": started.volume_size_gib,
        "BlockSize": started.block_size,
        "Tags": tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
    });
    if let Some(p) = &started.parent_snapshot_id {
        out["ParentSnapshotId"] = json!(p.as_str());
    }
    if let Some(d) = description {
        out["Description"] = json!(d);
    }
    Ok(WireResponse::json(201, &out))
}

async fn put_block(sim: &Front, req: &WireRequest, id: &str, index: &str) -> Result<WireResponse> {
    let algorithm = req.header("x-amz-Checksum-Algorithm");
    if algorithm.is_some_and(|a| a != "SHA256") {
        return Err(bad(format!("ChecksumAlgorithm {algorithm:?} is not SHA256")));
    }
    let length: Option<usize> = number("DataLength", req.header("x-amz-Data-Length"))?;
    if length.is_some_and(|n| n != req.body.len()) {
        return Err(bad(format!(
            "DataLength says {length:?} bytes, the body has {}",
            req.body.len()
        )));
    }
    let request = PutSnapshotBlockRequest {
        snapshot_id: snapshot_id(id)?,
        block_index: number("BlockIndex", Some(index))?.unwrap_or_default(),
        data: req.body.clone(),
        checksum: req
            .header("x-amz-Checksum")
            .ok_or_else(|| bad("Checksum is required"))?
            .to_string(),
        progress: number("Progress", req.header("x-amz-Progress"))?,
    };
    let checksum = sim.put_snapshot_block(request).await?;
    Ok(WireResponse {
        status: 201,
        headers: vec![
            ("x-amz-checksum", checksum),
            ("x-amz-checksum-algorithm", "SHA256".into()),
        ],
        body: Bytes::new(),
    })
}

async fn complete(sim: &Front, req: &WireRequest, id: &str) -> Result<WireResponse> {
    let method = match req.header("x-amz-Checksum-Aggregation-Method") {
        None | Some("LINEAR") => ChecksumAggregationMethod::Linear,
        Some(other) => return Err(bad(format!("ChecksumAggregationMethod {other:?} is not LINEAR"))),
    };
    let request = CompleteSnapshotRequest {
        snapshot_id: snapshot_id(id)?,
        changed_blocks_count: number("ChangedBlocksCount", req.header("x-amz-ChangedBlocksCount"))?
            .ok_or_else(|| bad("ChangedBlocksCount is required"))?,
        checksum: req.header("x-amz-Checksum").map(str::to_string),
        checksum_aggregation_method: method,
    };
    let status = sim.complete_snapshot(request).await?;
    Ok(WireResponse::json(202, &json!({"Status": status.as_str()})))
}

async fn list_blocks(sim: &Front, req: &WireRequest, id: &str) -> Result<WireResponse> {
    let page = sim
        .list_snapshot_blocks(ListSnapshotBlocksRequest {
            snapshot_id: snapshot_id(id)?,
            starting_block_index: number("StartingBlockIndex", req.query("startingBlockIndex"))?,
            max_results: number("MaxResults", req.query("maxResults"))?,
            next_token: req.query("pageToken").map(str::to_string),
        })
        .await?;
    let mut out = json!({
        "Blocks": page.blocks.iter().map(|b| json!({"BlockIndex": b.index, "BlockToken": b.token})).collect::<Vec<_>>(),
        "VolumeSize": page.volume_size_gib,
        "BlockSize": page.block_size,
    });
    if let Some(t) = page.expiry_time {
        out["ExpiryTime"] = json!(epoch(t));
    }
    if let Some(t) = page.next_token {
        out["NextToken"] = json!(t);
    }
    Ok(WireResponse::json(200, &out))
}

async fn changed_blocks(sim: &Front, req: &WireRequest, id: &str) -> Result<WireResponse> {
    let page = sim
        .list_changed_blocks(ListChangedBlocksRequest {
            first_snapshot_id: req.query("firstSnapshotId").map(snapshot_id).transpose()?,
            second_snapshot_id: snapshot_id(id)?,
            starting_block_index: number("StartingBlockIndex", req.query("startingBlockIndex"))?,
            max_results: number("MaxResults", req.query("maxResults"))?,
            next_token: req.query("pageToken").map(str::to_string),
        })
        .await?;
    let blocks: Vec<Value> = page
        .blocks
        .iter()
        .map(|b| {
            let mut v = json!({"BlockIndex": b.index});
            if let Some(t) = &b.first_token {
                v["FirstBlockToken"] = json!(t);
            }
            if let Some(t) = &b.second_token {
                v["SecondBlockToken"] = json!(t);
            }
            v
        })
        .collect();
    let mut out = json!({"ChangedBlocks": blocks, "VolumeSize": page.volume_size_gib, "BlockSize": page.block_size});
    if let Some(t) = page.expiry_time {
        out["ExpiryTime"] = json!(epoch(t));
    }
    if let Some(t) = page.next_token {
        out["NextToken"] = json!(t);
    }
    Ok(WireResponse::json(200, &out))
}

async fn get_block(sim: &Front, req: &WireRequest, id: &str, index: &str) -> Result<WireResponse> {
    let block = sim
        .get_snapshot_block(GetSnapshotBlockRequest {
            snapshot_id: snapshot_id(id)?,
            block_index: number("BlockIndex", Some(index))?.unwrap_or_default(),
            block_token: req
                .query("blockToken")
                .ok_or_else(|| bad("BlockToken is required"))?
                .to_string(),
        })
        .await?;
    Ok(WireResponse {
        status: 200,
        headers: vec![
            ("content-type", "application/octet-stream".into()),
            ("x-amz-data-length", block.data_length.to_string()),
            ("x-amz-checksum", block.checksum),
            ("x-amz-checksum-algorithm", "SHA256".into()),
        ],
        // The stored block, not copied.
        body: block.data,
    })
}
