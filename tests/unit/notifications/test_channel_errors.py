"""Which provider answers are final for the recipient, and which are the account's (retried, alarmed)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from veriflow.notifications.channels import ProviderUnavailable, Rejected, _classify

SENDER = "no-reply@veriflow.example"


def _error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "SendEmail")


@pytest.mark.parametrize("code", [
    "AccountSendingPausedException", "ConfigurationSetSendingPausedException", "ConfigurationSetDoesNotExist",
    "MailFromDomainNotVerifiedException", "Throttling", "Throttled", "AccessDenied",
])
def test_account_level_errors_are_retried_not_final(code: str) -> None:
    # GIVEN an error about our account  WHEN it is classified  THEN the provider is unavailable for now
    with pytest.raises(ProviderUnavailable) as raised:
        _classify("ses", _error(code, "whatever it says"), sender=SENDER)
    assert raised.value.code == code


@pytest.mark.parametrize(("code", "message"), [
    ("MessageRejected", "Email address is not verified. The following identities failed the check in region "
                        "US-EAST-1: someone@sandbox.example"),
    ("MessageRejected", "Address blacklisted."),
    ("InvalidParameterValue", "Missing final '@domain'"),
    ("InvalidParameter", "Invalid parameter: PhoneNumber"),
])
def test_recipient_level_errors_are_final(code: str, message: str) -> None:
    with pytest.raises(Rejected):
        _classify("ses", _error(code, message), sender=SENDER)


def test_a_rejection_naming_our_own_sender_is_the_accounts_problem() -> None:
    # GIVEN SES refusing because the sender identity is not verified (every email would fail)
    error = _error("MessageRejected", "Email address is not verified. The following identities failed the check "
                                      "in region US-EAST-1: No-Reply@Veriflow.example")
    # THEN it is not the recipient's rejection
    with pytest.raises(ProviderUnavailable):
        _classify("ses", error, sender=SENDER)


def test_other_errors_pass_through_to_the_ordinary_retry() -> None:
    # GIVEN an error that is neither (a provider's 5xx)  THEN it is left to propagate as it is
    _classify("ses", _error("InternalFailure"), sender=SENDER)
    _classify("sns", _error("InternalError"))
