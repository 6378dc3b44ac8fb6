"""Identity: the accounts, sessions, organizations and API keys every domain reads, and the
credentials primitives (password hashing, opaque tokens, signing keys, access tokens).

A floor below the domains: auth, users and orgs build their behaviour on it, and `access`
authenticates requests with it, so no domain imports another. Importing this package imports
nothing heavy: each module loads argon2, PyJWT or cryptography itself, so functions that never
touch credentials (health) do not pay for them at cold start.
"""
