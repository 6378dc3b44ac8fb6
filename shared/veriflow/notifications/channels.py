"""Hand a rendered message to a provider: SES for email, SNS for SMS. In-app rows and webhook
dispatch happen inside the worker's transactions instead (see worker.py)."""

from __future__ import annotations

from email.utils import parseaddr

from botocore.exceptions import ClientError

from veriflow.core.aws import client
from veriflow.notifications.render import Rendered
from veriflow.notifications.settings import get_notification_settings

# Answers about this one recipient that no retry can change: the delivery is recorded as rejected.
RECIPIENT_ERRORS = frozenset({"MessageRejected", "InvalidParameterValue", "InvalidParameter", "OptedOut"})
# Answers about our account or its configuration (sending paused, a configuration set or MAIL FROM
# domain gone wrong, throttled, a missing permission): every message fails alike until someone acts
# or the provider lets up. They are retried with backoff, and alarmed; the mail is not lost.
ACCOUNT_ERRORS = frozenset({
    "AccountSendingPausedException", "ConfigurationSetSendingPausedException", "ConfigurationSetDoesNotExist",
    "ConfigurationSetDoesNotExistException", "MailFromDomainNotVerifiedException", "MailFromDomainNotVerified",
    "Throttling", "ThrottlingException", "Throttled", "LimitExceededException", "SendingPausedException",
    "AccessDenied", "AccessDeniedException", "AuthorizationError", "KMSThrottling",
})


class Rejected(Exception):
    """The provider refused this message for good (a bad address, an opted-out number)."""


class ProviderUnavailable(Exception):
    """The provider refuses every message for now, for reasons of the account, not the recipient."""

    def __init__(self, provider: str, code: str, message: str) -> None:
        super().__init__(f"{provider} {code}: {message}")
        self.provider = provider
        self.code = code


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
        _classify("ses", exc, sender=parseaddr(settings.email_from)[1])
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
        _classify("sns", exc)
        raise


def _classify(provider: str, exc: ClientError, *, sender: str | None = None) -> None:
    """Raises Rejected for a recipient's error, ProviderUnavailable for the account's; anything else
    (a network error, a 5xx) propagates as it is and is retried like any failure."""
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    # SES names the identity that failed verification: our own sender is the account's problem
    # (every email fails), a recipient (the SES sandbox) is that recipient's.
    if code in ACCOUNT_ERRORS or (code == "MessageRejected" and sender and sender.lower() in message.lower()):
        raise ProviderUnavailable(provider, code, message) from exc
    if code in RECIPIENT_ERRORS:
        raise Rejected(f"{code}: {message}") from exc
