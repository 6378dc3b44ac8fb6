"""The transactional outbox: queue messages written with the transaction that causes them."""
