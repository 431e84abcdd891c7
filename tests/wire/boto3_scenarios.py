"""boto3 against the aws-facade simulator's HTTP server (sim::wire::Server): a client no one
here wrote checks the wire formats. Run by tests/sim_server.rs with the project's virtualenv
(which holds boto3 with moto):

    python tests/wire/boto3_scenarios.py ENDPOINT_URL SCENARIO [SCENARIO ...]

Each scenario asserts what AWS answers; the first failure exits non-zero with a traceback.
The server runs its clock at a speed-up (SimConfig::clock_speed), so lifecycles and alarm
periods pass in real seconds. botocore 1.44 speaks CloudWatch's AWS JSON 1.0 (with
`x-amzn-query-mode`; the Rust SDK's RPC v2 CBOR is checked by tests/conformance_wire.rs), EC2's
and ELBv2's query protocols, Lambda's and EBS direct's REST-JSON; `cloudwatch_query` posts
CloudWatch's query protocol by hand.
"""

import base64
import hashlib
import io
import json
import sys
import time
import urllib.request
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1]
CONFIG = Config(retries={"max_attempts": 1}, region_name="us-east-1")


def client(service):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        aws_access_key_id="AKIDBOTO3",
        aws_secret_access_key="boto3-secret",
        config=CONFIG,
    )


def eventually(what, check, timeout=30.0):
    """Polls `check` until it returns a true value (the server's clock is sped up)."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.1)


def error_code(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("expected an error")


def ebs():
    """EBS direct: start, put two blocks with SHA-256 checksums, complete, list, get back."""
    ebs = client("ebs")
    snap = ebs.start_snapshot(VolumeSize=1, Description="boto3", Tags=[{"Key": "team", "Value": "wire"}])
    sid = snap["SnapshotId"]
    assert snap["BlockSize"] == 524288, snap
    blocks = {0: bytes([1]) * 524288, 3: bytes(range(256)) * 2048}
    digests = []
    for index, data in sorted(blocks.items()):
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
        out = ebs.put_snapshot_block(
            SnapshotId=sid,
            BlockIndex=index,
            BlockData=data,
            DataLength=len(data),
            Checksum=checksum,
            ChecksumAlgorithm="SHA256",
        )
        assert out["Checksum"] == checksum, out
        digests.append(hashlib.sha256(data).digest())
    bad = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    assert (
        error_code(
            lambda: ebs.put_snapshot_block(
                SnapshotId=sid, BlockIndex=5, BlockData=blocks[0], DataLength=524288,
                Checksum=bad, ChecksumAlgorithm="SHA256",
            )
        )
        == "ValidationException"
    )
    linear = base64.b64encode(hashlib.sha256(b"".join(digests)).digest()).decode()
    done = ebs.complete_snapshot(
        SnapshotId=sid, ChangedBlocksCount=2, Checksum=linear,
        ChecksumAlgorithm="SHA256", ChecksumAggregationMethod="LINEAR",
    )
    assert done["Status"] in ("pending", "completed"), done
    listed = eventually(
        "the snapshot lists its blocks",
        lambda: ebs.list_snapshot_blocks(SnapshotId=sid)["Blocks"] if _completed(ebs, sid) else None,
    )
    assert [b["BlockIndex"] for b in listed] == [0, 3], listed
    for b in listed:
        got = ebs.get_snapshot_block(SnapshotId=sid, BlockIndex=b["BlockIndex"], BlockToken=b["BlockToken"])
        data = got["BlockData"].read()
        assert data == blocks[b["BlockIndex"]], b
        assert got["Checksum"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    print("ebs: ok")


def _completed(ebs, sid):
    try:
        ebs.list_snapshot_blocks(SnapshotId=sid)
        return True
    except ClientError:
        return False


def cloudwatch():
    """CloudWatch (AWS JSON 1.0 from botocore): metrics in, an alarm that the simulator
    evaluates to ALARM, history, dashboards, tags; not-found codes."""
    cw = client("cloudwatch")
    dims = [{"Name": "Stage", "Value": "wire"}]
    for _ in range(3):
        cw.put_metric_data(
            Namespace="Boto3/Wire",
            MetricData=[{"MetricName": "Latency", "Dimensions": dims, "Value": 250.0, "Unit": "Milliseconds"}],
        )
    metrics = cw.list_metrics(Namespace="Boto3/Wire")["Metrics"]
    assert [m["MetricName"] for m in metrics] == ["Latency"], metrics
    cw.put_metric_alarm(
        AlarmName="boto3-latency",
        Namespace="Boto3/Wire",
        MetricName="Latency",
        Dimensions=dims,
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=100.0,
        ComparisonOperator="GreaterThanThreshold",
        Tags=[{"Key": "team", "Value": "wire"}],
    )

    def in_alarm():
        # Keep the metric fed while the simulated minutes pass.
        cw.put_metric_data(
            Namespace="Boto3/Wire",
            MetricData=[{"MetricName": "Latency", "Dimensions": dims, "Value": 250.0, "Unit": "Milliseconds"}],
        )
        alarms = cw.describe_alarms(AlarmNames=["boto3-latency"])["MetricAlarms"]
        return alarms if alarms and alarms[0]["StateValue"] == "ALARM" else None

    alarm = eventually("the alarm goes to ALARM", in_alarm)[0]
    assert alarm["Threshold"] == 100.0 and alarm["Period"] == 60, alarm
    assert alarm["StateUpdatedTimestamp"].year >= 2024, alarm
    history = cw.describe_alarm_history(AlarmName="boto3-latency")["AlarmHistoryItems"]
    assert any(h["HistoryItemType"] == "StateUpdate" for h in history), history
    stats = cw.get_metric_statistics(
        Namespace="Boto3/Wire", MetricName="Latency", Dimensions=dims,
        StartTime=alarm["StateUpdatedTimestamp"].timestamp() - 7200,
        EndTime=alarm["StateUpdatedTimestamp"].timestamp() + 3600,
        Period=60, Statistics=["Average", "SampleCount"],
    )["Datapoints"]
    assert stats and all(p["Average"] == 250.0 for p in stats), stats
    arn = alarm["AlarmArn"]
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "wire"}]
    cw.put_dashboard(DashboardName="boto3", DashboardBody=json.dumps({"widgets": []}))
    assert json.loads(cw.get_dashboard(DashboardName="boto3")["DashboardBody"]) == {"widgets": []}
    cw.delete_dashboards(DashboardNames=["boto3"])
    assert error_code(lambda: cw.get_dashboard(DashboardName="boto3")) == "ResourceNotFound"
    cw.delete_alarms(AlarmNames=["boto3-latency"])
    assert cw.describe_alarms(AlarmNames=["boto3-latency"])["MetricAlarms"] == []
    print("cloudwatch: ok")


def cloudwatch_query():
    """CloudWatch's query protocol (older SDKs), as an unsigned form POST: XML back."""
    body = "Action=ListMetrics&Version=2010-08-01&Namespace=Nothing%2FHere".encode()
    req = urllib.request.Request(
        ENDPOINT + "/", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with urllib.request.urlopen(req) as resp:
        xml = resp.read().decode()
    assert xml.startswith("<ListMetricsResponse"), xml
    assert "<Metrics></Metrics>" in xml, xml
    print("cloudwatch_query: ok")


def ec2():
    """EC2: launch two instances, see them running through boto3's waiter, terminate."""
    ec2 = client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    out = ec2.run_instances(
        ImageId=image, InstanceType="t3.micro", MinCount=2, MaxCount=2,
        MetadataOptions={"HttpTokens": "required"},
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "wire"}]}],
    )
    ids = [i["InstanceId"] for i in out["Instances"]]
    assert len(ids) == 2, out
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    found = ec2.describe_instances(Filters=[{"Name": "tag:team", "Values": ["wire"]}])
    running = [i for r in found["Reservations"] for i in r["Instances"] if i["State"]["Name"] == "running"]
    assert sorted(i["InstanceId"] for i in running) == sorted(ids), found
    assert all(i["MetadataOptions"]["HttpTokens"] == "required" for i in running)
    ec2.terminate_instances(InstanceIds=ids)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    assert error_code(lambda: ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])) == "InvalidInstanceID.NotFound"
    print("ec2: ok")


def elbv2():
    """ELBv2: a load balancer, a target group, an instance target that becomes healthy."""
    ec2, elb = client("ec2"), client("elbv2")
    subnets = ec2.describe_subnets()["Subnets"]
    zones = {}
    for s in subnets:
        zones.setdefault(s["AvailabilityZone"], s["SubnetId"])
    vpc = subnets[0]["VpcId"]
    lb = elb.create_load_balancer(Name="boto3-wire", Subnets=list(zones.values())[:2])["LoadBalancers"][0]
    elb.get_waiter("load_balancer_available").wait(
        LoadBalancerArns=[lb["LoadBalancerArn"]], WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    tg = elb.create_target_group(
        Name="boto3-wire", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance", HealthCheckPath="/health"
    )["TargetGroups"][0]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    iid = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )["Listeners"][0]
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": iid}])
    elb.get_waiter("target_in_service").wait(
        TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": iid}], WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    health = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
    assert health[0]["TargetHealth"]["State"] == "healthy", health
    elb.delete_listener(ListenerArn=listener["ListenerArn"])
    elb.deregister_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": iid}])
    elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    eventually("the target group is free", lambda: _deleted(elb, tg["TargetGroupArn"]))
    ec2.terminate_instances(InstanceIds=[iid])
    assert error_code(lambda: elb.describe_load_balancers(Names=["boto3-wire"])) == "LoadBalancerNotFound"
    print("elbv2: ok")


def _deleted(elb, arn):
    try:
        elb.delete_target_group(TargetGroupArn=arn)
        return True
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceInUse":
            return False
        raise


def lambda_():
    """Lambda: create a function (no Rust handler: the built-in echo), wait, invoke."""
    lam = client("lambda")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return event\n")
    fn = lam.create_function(
        FunctionName="boto3-echo", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/lambda",
        Handler="index.handler", Code={"ZipFile": buf.getvalue()}, Tags={"team": "wire"},
    )
    assert fn["FunctionName"] == "boto3-echo", fn
    lam.get_waiter("function_active_v2").wait(FunctionName="boto3-echo", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    out = lam.invoke(FunctionName="boto3-echo", Payload=json.dumps({"ping": 1}).encode(), LogType="Tail")
    assert out["StatusCode"] == 200, out
    assert json.loads(out["Payload"].read()) == {"ping": 1}
    assert "FunctionError" not in out, out
    assert base64.b64decode(out["LogResult"]), out
    assert lam.list_tags(Resource=fn["FunctionArn"])["Tags"] == {"team": "wire"}
    lam.delete_function(FunctionName="boto3-echo")
    assert error_code(lambda: lam.get_function(FunctionName="boto3-echo")) == "ResourceNotFoundException"
    print("lambda: ok")


SCENARIOS = {
    "ebs": ebs,
    "cloudwatch": cloudwatch,
    "cloudwatch_query": cloudwatch_query,
    "ec2": ec2,
    "elbv2": elbv2,
    "lambda": lambda_,
}

if __name__ == "__main__":
    for name in sys.argv[2:]:
        SCENARIOS[name]()
