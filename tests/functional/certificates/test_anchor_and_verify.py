"""Issue -> anchor -> verify through the local cloud: the S3 trigger, the anchoring function on the
in-process chain, public verification's three results, the proof, the page and its QR code."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from tests.functional.certificates.conftest import FakeDns, anchor, issue_accepted, queued
from veriflow.certificates.schemas import VerificationPublic
from veriflow.chain.local_chain import LocalChain
from veriflow.chain.proof import ProofDocument, check_proof
from veriflow.local import LocalCloud


def _verify(api: Any, certificate_id: str, **headers: str) -> dict[str, Any]:
    response = api("GET", f"/v1/verify/{certificate_id}", headers=headers)
    assert response["statusCode"] == 200, response.get("body")
    return response


def test_issue_anchor_and_verify_end_to_end(
    api: Any, issuer: Any, local_cloud: LocalCloud, chain: LocalChain, dns: FakeDns, identity: Any,
) -> None:
    # GIVEN two accepted certificates of an organization whose domain is proven by DNS
    owner, org_id = issuer
    claim = api("PUT", f"/v1/orgs/{org_id}/domain", owner, json_body={"domain": "acme.example"})["json"]
    dns.records[claim["txt_record"]["name"]] = [claim["txt_record"]["value"]]
    assert api("POST", f"/v1/orgs/{org_id}/domain/check", owner)["statusCode"] == 200
    first = issue_accepted(api, owner, org_id)
    second = issue_accepted(api, owner, org_id, recipient_name="Charles Babbage", recipient_email="cb@example.org")
    before = _verify(api, first["id"])["json"]
    assert (before["integrity"]["result"], before["issuance"]["result"]) == ("pending", "pending")
    assert before["issuer"]["result"] == "valid"
    # WHEN the anchoring schedule fires, with finality two blocks behind the head
    chain.finality_lag = 2
    report = anchor(local_cloud)
    assert report["anchored_certificates"] == 2
    # THEN integrity is valid at once, issuance pending until the block is final
    mined = _verify(api, first["id"])["json"]
    assert mined["integrity"]["result"] == "valid"
    assert anchor(local_cloud)["mined"]
    assert _verify(api, first["id"])["json"]["issuance"]["result"] == "pending"
    chain.mine(2)
    later = anchor(local_cloud)
    assert later["final"]
    done = _verify(api, second["id"])["json"]
    assert done["verdict"] == "valid", done
    assert VerificationPublic.model_validate(done).issuance.result == "valid"  # the published shape
    assert done["issuance"]["block_number"] >= 1
    # AND the organization hears of it by webhook (issued twice, anchored once)
    templates = sorted(m["template"] for m in queued(local_cloud))
    assert templates.count("certificate.anchored") == 1
    assert templates.count("certificate.issued") == 2
    # AND the proof checks out against the chain alone
    proof = api("GET", f"/v1/certificates/{first['id']}/proof")["json"]
    checked = check_proof(ProofDocument.model_validate(proof), chain.reader())
    assert checked.status == "valid", checked
    # AND a later run anchors nothing new
    assert anchor(local_cloud)["new_batch"] is None


def test_tampering_with_any_stored_field_turns_integrity_invalid(
    api: Any, issuer: Any, local_cloud: LocalCloud, chain: LocalChain, dns: FakeDns,
) -> None:
    from sqlalchemy import update

    from veriflow.certificates.models import AnchorBatch, Certificate
    from veriflow.core.db import session_scope

    owner, org_id = issuer
    certificate = issue_accepted(api, owner, org_id)
    certificate_id = uuid.UUID(certificate["id"])
    anchor(local_cloud)
    assert _verify(api, certificate["id"])["json"]["integrity"]["result"] == "valid"
    tampering = {"recipient_name": "Ada Lovelaze", "title": "Analytical Engines 102", "description": "",
                 "extra": {"grade": "A+"}, "image_sha256": "0" * 64, "document_sha256": "1" * 64}
    for column, value in tampering.items():
        with session_scope() as session:
            original = session.get(Certificate, certificate_id)
            saved = getattr(original, column)
            session.execute(update(Certificate).where(Certificate.id == original.id).values({column: value}))
        assert _verify(api, certificate["id"])["json"]["integrity"]["result"] == "invalid", column
        with session_scope() as session:
            session.execute(update(Certificate).where(Certificate.id == certificate_id).values({column: saved}))
    with session_scope() as session:
        batch_id = session.get(Certificate, certificate_id).batch_id
        session.execute(update(AnchorBatch).where(AnchorBatch.id == batch_id).values(root="2" * 64))
    assert _verify(api, certificate["id"])["json"]["integrity"]["result"] == "invalid"


def test_revoked_expired_and_unanchored_give_their_own_results(
    api: Any, issuer: Any, local_cloud: LocalCloud, chain: LocalChain, dns: FakeDns,
) -> None:
    owner, org_id = issuer
    revoked = issue_accepted(api, owner, org_id)
    expired = issue_accepted(api, owner, org_id, issued_at="2020-01-01T00:00:00Z", expires_at="2021-01-01T00:00:00Z")
    anchor(local_cloud)
    anchor(local_cloud)
    waiting = issue_accepted(api, owner, org_id, recipient_name="Grace Hopper")
    api("POST", f"/v1/certificates/{revoked['id']}/revoke", owner, json_body={"reason": "Awarded in error."})
    gone = _verify(api, revoked["id"])["json"]
    assert (gone["integrity"]["result"], gone["issuance"]["result"], gone["verdict"]) == ("valid", "invalid", "invalid")
    assert "Awarded in error." in gone["issuance"]["reason"]
    old = _verify(api, expired["id"])["json"]
    assert old["issuance"]["result"] == "invalid"
    assert old["issuance"]["reason"].startswith("Expired on 2021-01-01")
    unanchored = _verify(api, waiting["id"])["json"]
    assert (unanchored["integrity"]["result"], unanchored["issuance"]["result"]) == ("pending", "pending")
    # The issuer proved nothing yet: pending, not invalid.
    assert unanchored["issuer"]["result"] == "pending"


def test_a_chain_outage_is_unavailable_never_invalid(
    api: Any, issuer: Any, local_cloud: LocalCloud, chain: LocalChain, dns: FakeDns,
) -> None:
    owner, org_id = issuer
    certificate = issue_accepted(api, owner, org_id)
    chain.finality_lag = 5
    anchor(local_cloud)
    with chain.outage():
        during = _verify(api, certificate["id"])["json"]
        assert anchor(local_cloud).get("unavailable")
    assert during["issuance"]["result"] == "unavailable"
    assert during["verdict"] == "unavailable"
    assert during["integrity"]["result"] == "valid"
    dns.down = True
    api("PUT", f"/v1/orgs/{org_id}/domain", owner, json_body={"domain": "acme.example"})
    assert _verify(api, certificate["id"])["json"]["issuer"]["result"] == "unavailable"


def test_unknown_and_malformed_ids_are_404(api: Any, local_cloud: LocalCloud) -> None:
    for raw in ("01930000-0000-7000-8000-000000000000", "not-an-id", "01930000-0000-7000-8000", "1" * 300):
        response = api("GET", f"/v1/verify/{raw}")
        assert response["statusCode"] == 404, raw
        assert response["json"]["error"]["code"] == "not_found"
    assert api("GET", "/v1/certificates/not-an-id/proof")["statusCode"] == 404


def test_the_page_shows_the_three_results_under_a_strict_csp(
    api: Any, issuer: Any, local_cloud: LocalCloud, chain: LocalChain, dns: FakeDns,
) -> None:
    import base64
    import hashlib

    owner, org_id = issuer
    certificate = issue_accepted(api, owner, org_id, recipient_name="<script>alert(1)</script>")
    page = _verify(api, certificate["id"], accept="text/html,application/xhtml+xml")
    html = page["body"]
    assert page["headers"]["content-type"].startswith("text/html")
    for name in ("integrity", "issuance", "issuer"):
        assert f'<span class="name">{name}</span>' in html
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    csp = page["headers"]["content-security-policy"]
    assert "script-src" not in csp
    assert "default-src 'none'" in csp
    # The one inline style is the one the policy allows by hash; no inline handlers anywhere.
    [style] = re.findall(r"<style>(.*?)</style>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert not re.search(r"\son[a-z]+=", html)
    # AND the QR code is a PNG of the verify URL
    qr = api("GET", f"/v1/verify/{certificate['id']}/qr.png")
    assert qr["headers"]["content-type"] == "image/png"
    png = base64.b64decode(qr["body"]) if qr.get("isBase64Encoded") else qr["body"].encode("latin-1")
    assert png.startswith(b"\x89PNG")
    assert json.loads(json.dumps(certificate))["verify_url"].endswith(f"/v1/verify/{certificate['id']}")
