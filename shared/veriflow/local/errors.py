"""Errors of the local cloud: a template it cannot run, or a moto it no longer fits."""

from __future__ import annotations


class LocalCloudError(RuntimeError):
    """Base of every local-cloud error."""


class TemplateError(LocalCloudError):
    """The template cannot be loaded, translated or resolved."""


class MotoInternalsChanged(LocalCloudError):
    """A moto internal the local cloud hooks into is missing or changed shape (a moto upgrade)."""
