"""The auth domain: sign-up, login, sessions and refresh, password reset, OIDC login, and the
daily housekeeping of what they leave behind. Credentials primitives live in `veriflow.identity`.
"""
