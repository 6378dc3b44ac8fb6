"""Step Functions executions run their ASL with moto's interpreter and call the template's functions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from veriflow.local import FunctionFailed, LocalCloud

Recorded = Callable[[str], dict[str, dict[str, Any]]]


def test_parallel_retry_and_catch(cloud: LocalCloud, recorded: Recorded) -> None:
    # GIVEN the pipeline: Parallel(flaky with Retry, broken with Catch, env) → verdict,
    # its ASL file wired with DefinitionSubstitutions

    # WHEN it runs
    execution = cloud.run_state_machine("PipelineStateMachine", {"run_id": "run-1"})

    # THEN it succeeded and its output came back through the verdict function
    assert execution.status == "SUCCEEDED", execution.cause
    layers = execution.output["layers"]
    # Retry: the flaky layer failed with TransientError once, then succeeded
    assert layers["flaky"] == {"layer": "flaky", "status": "ok", "attempts": 2}
    assert int(recorded("flaky#")["flaky#run-1"]["attempts"]) == 2
    # Catch: the broken layer's named error became an error result for that layer only
    assert layers["broken"] == {"layer": "broken", "status": "error", "error": "BrokenLayerError"}
    # Branches ran in threads, each with its own function's environment and a Lambda context
    env = layers["env"]
    assert (env["layer"], env["getenv"], env["stage"]) == ("env", "env", "local")
    assert env["function_name"] == cloud.resources["EnvLayerFunction"].name
    assert env["invoked_function_arn"] == cloud.resources["EnvLayerFunction"].arn
    assert env["memory_limit_in_mb"] == 256
    assert 0 < env["remaining_ms"] <= 5000
    assert execution.output["verdict_layer_name"] is None  # no branch's variables leaked into verdict


def test_state_machine_definition_was_substituted(cloud: LocalCloud) -> None:
    # GIVEN the deployed state machine
    sfn = boto3.client("stepfunctions", region_name="us-east-1")

    # WHEN its definition is read back from moto
    definition = json.loads(sfn.describe_state_machine(
        stateMachineArn=cloud.resources["PipelineStateMachine"].arn
    )["definition"])

    # THEN the placeholders became the functions' ARNs
    flaky = definition["States"]["Layers"]["Branches"][0]["States"]["Flaky"]
    assert flaky["Resource"] == cloud.resources["FlakyLayerFunction"].arn
    assert "${" not in json.dumps(definition)


def test_direct_invoke_returns_errors_in_lambda_shape(cloud: LocalCloud) -> None:
    # GIVEN a function that always raises a named error
    lambda_client = boto3.client("lambda", region_name="us-east-1")

    # WHEN it is invoked through the Lambda API
    response = lambda_client.invoke(FunctionName=cloud.resources["BrokenLayerFunction"].name, Payload=b"{}")

    # THEN the payload is Lambda's error document and the error is flagged
    payload = json.loads(response["Payload"].read())
    assert "FunctionError" in response
    assert (payload["errorType"], payload["errorMessage"]) == ("BrokenLayerError", "this layer is broken")
    with pytest.raises(FunctionFailed, match="BrokenLayerError"):
        cloud.invoke("BrokenLayerFunction", {})
