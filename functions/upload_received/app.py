"""Uploads (S3 ObjectCreated under incoming/): the file is checked, then refused or its verification started."""

from typing import Any
from urllib.parse import unquote_plus

from veriflow.core.observability import logger
from veriflow.verification.intake import Landed, handle


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # S3 sends keys quote_plus-encoded ("a b" arrives as "a+b").
    outcomes = [handle(Landed(record["s3"]["bucket"]["name"], unquote_plus(record["s3"]["object"]["key"])))
                for record in event.get("Records", [])]
    return {"outcomes": outcomes}
