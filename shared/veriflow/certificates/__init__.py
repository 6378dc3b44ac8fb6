"""Certificates: issuance (single and bulk), search, revocation, Merkle anchoring, public verification."""
