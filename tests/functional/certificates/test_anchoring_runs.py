"""Anchoring runs that overlap, die after sending, or meet a dropped or reorganised transaction:
each certificate is anchored in one batch, and each batch by one transaction on chain."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.functional.certificates.conftest import FakeDns, anchor, issue_accepted
from veriflow.certificates import anchoring
from veriflow.certificates.models import AnchorBatch, Certificate
from veriflow.chain.local_chain import LocalChain
from veriflow.core.db import session_scope
from veriflow.local import LocalCloud


def _anchors_on_chain(chain: LocalChain) -> list[Any]:
    """Every Anchored event the contract emitted, from the chain itself."""
    reader = chain.reader()
    events = []
    for number in range(reader.block_number() + 1):
        block = chain.w3.eth.get_block(number, full_transactions=False)
        for tx_hash in block["transactions"]:
            events.extend(reader.anchored("0x" + bytes(tx_hash).hex(), chain.contract_address))
    return events


def _batches() -> list[AnchorBatch]:
    with session_scope() as session:
        return list(session.scalars(select(AnchorBatch)))


def test_a_crash_after_sending_never_sends_a_second_transaction(
    api: Any, issuer: Any, local_cloud: LocalCloud, chain: LocalChain, dns: FakeDns,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a run that reaches the node and then dies before it can record the send
    owner, org_id = issuer
    issue_accepted(api, owner, org_id)
    sent_then_died = chain.anchor_sender()
    original = sent_then_died.broadcast

    def broadcast_then_crash(raw: bytes) -> str:
        original(raw)
        raise TimeoutError("the connection dropped after the node took the transaction")

    monkeypatch.setattr(sent_then_died, "broadcast", broadcast_then_crash)
    with pytest.raises(TimeoutError):
        anchoring.run(sent_then_died, chain.reader())
    # WHEN the next scheduled run comes
    report = anchor(local_cloud)
    # THEN it sends the stored transaction again (same hash), and there is one anchor on chain
    [batch] = _batches()
    assert report["sent"] == [str(batch.id)]
    assert batch.resends == 0
    assert len(_anchors_on_chain(chain)) == 1
    anchor(local_cloud)
    assert _batches()[0].status == "final"


def test_overlapping_runs_anchor_each_certificate_once(
    api: Any, issuer: Any, local_cloud: LocalCloud, chain: LocalChain, dns: FakeDns,
) -> None:
    # GIVEN twelve issued certificates and two runs started at the same moment
    owner, org_id = issuer
    for index in range(12):
        issue_accepted(api, owner, org_id, recipient_name=f"Person {index}", recipient_email=f"p{index}@example.org")
    start = threading.Barrier(2)
    outcomes: list[Any] = []

    def one_run() -> None:
        start.wait()
        try:
            outcomes.append(anchoring.run_safely(chain.anchor_sender(), chain.reader()))
        except Exception as error:  # any failure is recorded and fails the test below
            outcomes.append(error)

    runs = [threading.Thread(target=one_run) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    for _ in range(3):
        anchor(local_cloud)
    # THEN every certificate is in exactly one batch, and every batch was anchored once
    with session_scope() as session:
        in_batches = session.scalar(select(func.count()).select_from(Certificate)
                                    .where(Certificate.batch_id.is_not(None)))
        anchored = session.scalar(select(func.count()).select_from(Certificate)
                                  .where(Certificate.status == "anchored"))
    assert in_batches == anchored == 12
    roots = [event.root.hex() for event in _anchors_on_chain(chain)]
    assert sorted(roots) == sorted(batch.root for batch in _batches())
    assert len(roots) == len(set(roots))


def test_a_reorganised_transaction_is_anchored_again(
    api: Any, issuer: Any, local_cloud: LocalCloud, chain: LocalChain, dns: FakeDns,
) -> None:
    # GIVEN a batch mined in a block that is not final yet
    owner, org_id = issuer
    certificate = issue_accepted(api, owner, org_id)
    chain.finality_lag = 3
    before = chain.snapshot()
    anchor(local_cloud)
    anchor(local_cloud)
    assert _batches()[0].status == "mined"
    # WHEN the chain reorganises that block away
    chain.revert(before)
    chain.mine(1)
    # THEN the next run prepares and sends the batch again: the same root, a new transaction
    report = anchor(local_cloud)
    [batch] = _batches()
    assert report["prepared_again"] == [str(batch.id)]
    assert batch.resends == 1
    chain.mine(4)
    anchor(local_cloud)
    anchor(local_cloud)
    assert _batches()[0].status == "final"
    assert [event.root.hex() for event in _anchors_on_chain(chain)] == [batch.root]
    verified = api("GET", f"/v1/verify/{certificate['id']}")["json"]
    assert verified["issuance"]["result"] == "valid"


def test_a_node_that_refuses_every_transaction_gets_one_new_signature_a_run(
    api: Any, issuer: Any, local_cloud: LocalCloud, chain: LocalChain, dns: FakeDns,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from veriflow.chain.anchoring import AnchorRejected

    # GIVEN a node that refuses every anchor transaction (the signer has no funds, say)
    owner, org_id = issuer
    issue_accepted(api, owner, org_id)
    sender = chain.anchor_sender()

    def refuse(raw: bytes) -> str:
        raise AnchorRejected("insufficient funds for gas * price + value")

    monkeypatch.setattr(sender, "broadcast", refuse)
    # WHEN a run meets it
    report = anchoring.run(sender, chain.reader())
    # THEN the batch is signed again once and waits, prepared, for the next run (no endless retry)
    [batch] = _batches()
    assert (batch.status, batch.resends) == ("prepared", 1)
    assert report.prepared_again == [str(batch.id)]
    assert report.sent == []
