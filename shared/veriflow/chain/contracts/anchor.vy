#pragma version ==0.4.3
# Cancun, not Prague (vyper 0.4.3's default): Polygon PoS has run Cancun's execution opcodes
# (MCOPY, transient storage) since its Napoli hard fork in 2024, while Prague support there could
# not be confirmed from here. This contract uses no opcode either fork adds, so the choice costs
# nothing and keeps the bytecode deployable on every EVM chain at Cancun or later.
#pragma evm-version cancun

# Veriflow's anchor: a batch job commits one Merkle root of certificate hashes per transaction.
# It stores nothing: the event in the transaction's receipt is the anchor, which makes a batch
# cost about a log's gas and leaves no state that anyone could change later. `batch` is our
# batch id, so a root can be traced back to the run that produced it; `sender` is who anchored
# it (verifiers check it is the issuer's known address).

event Anchored:
    root: indexed(bytes32)
    batch: indexed(bytes32)
    sender: indexed(address)


@external
def anchor(root: bytes32, batch: bytes32):
    log Anchored(root=root, batch=batch, sender=msg.sender)
