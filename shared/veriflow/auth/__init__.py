"""The auth domain: passwords, opaque tokens, signing keys, access tokens and OIDC login.

Importing this package imports nothing heavy: each module loads argon2, PyJWT or cryptography
itself, so functions that never touch auth (health) do not pay for them at cold start.
"""
