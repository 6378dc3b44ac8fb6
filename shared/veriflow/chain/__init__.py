"""The chain building block: Merkle trees of certificate hashes, the anchor contract, a JSON-RPC
reader, proofs anyone can check, and (web3 only there) signing and sending anchor transactions.

Light on purpose: this package, `merkle`, `reader`, `proof` and `contract` import no web3 (a cold
start budget); only `anchoring`, `signer` and `local_chain` do, and only when imported."""
