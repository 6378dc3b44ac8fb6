"""The event types an endpoint may subscribe to: the catalogue registration validates against."""

from __future__ import annotations

TEST_EVENT = "webhook.test"

EVENT_TYPES: dict[str, str] = {
    TEST_EVENT: "A test event sent on request, to check that an endpoint receives and verifies deliveries.",
    "verification.completed": "An upload's fraud screening finished: trust score, verdict and confidence.",
    "certificate.issued": "The organization issued a certificate.",
    "certificate.revoked": "The organization revoked a certificate.",
    "certificate.anchored": "Certificates of the organization were anchored on chain, in a block that is final.",
    "certificate.tamper_detected": "An upload was found to be an altered copy of one of the organization's "
                                   "certificates: where it differs, and the report.",
    "submission.reviewed": "A submission to one of the organization's challenges was approved or rejected.",
    "reward.granted": "A member earned points, a badge or tokens through the organization.",
    "payout.completed": "A token withdrawal was settled on chain.",
}
