"""Hand a rendered message to a provider: SES for email, SNS for SMS. In-app rows and webhook
dispatch happen inside the worker's transactions instead (see worker.py)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from veriflow.core.aws import client
from veriflow.notifications.render import Rendered
from veriflow.notifications.settings import get_notification_settings

# Provider answers that no retry can change: the delivery is recorded as rejected.
PERMANENT_ERRORS = frozenset({
    "MessageRejected", "InvalidParameterValue", "InvalidParameter", "MailFromDomainNotVerified",
    "AccountSendingPaused", "OptedOut",
})


class Rejected(Exception):
    """The provider refused this message for good (a bad address, an opted-out number)."""



def send_email(to: str, rendered: Rendered) -> str:
    """The SES message id of one email with text and HTML bodies."""
    settings = get_notification_settings()
    body: dict[str, dict[str, str]] = {"Text": {"Data": rendered.text, "Charset": "UTF-8"}}
    if rendered.html:
        body["Html"] = {"Data": rendered.html, "Charset": "UTF-8"}
    request: dict[str, object] = {
        "Source": settings.email_from,
        "Destination": {"ToAddresses": [to]},
        "Message": {"Subject": {"Data": rendered.subject, "Charset": "UTF-8"}, "Body": body},
    }
    if settings.ses_configuration_set:
        request["ConfigurationSetName"] = settings.ses_configuration_set
    try:
        return str(client("ses").send_email(**request)["MessageId"])
    except ClientError as exc:
        _raise_permanent(exc)
        raise


def send_sms(phone: str, text: str) -> str:
    """The SNS message id of one transactional SMS."""
    settings = get_notification_settings()
    attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
    if settings.sms_sender_id:
        attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": settings.sms_sender_id}
    try:
        return str(client("sns").publish(PhoneNumber=phone, Message=text, MessageAttributes=attributes)["MessageId"])
    except ClientError as exc:
        _raise_permanent(exc)
        raise


def _raise_permanent(exc: ClientError) -> None:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in PERMANENT_ERRORS:
        raise Rejected(f"{code}: {exc.response.get('Error', {}).get('Message', '')}") from exc
