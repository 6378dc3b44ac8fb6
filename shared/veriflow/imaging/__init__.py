"""Checking image files that arrive in S3 and fingerprinting them (Pillow: the imaging layer only)."""
