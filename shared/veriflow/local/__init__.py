"""The local cloud: the real template.yaml run on moto, with its functions called in-process.

For tests and tools only; nothing here ships to Lambda or may be imported by function code.
"""

from veriflow.local.errors import LocalCloudError, MotoInternalsChanged, TemplateError
from veriflow.local.naming import PhysicalResource
from veriflow.local.template import Template, load_template

__all__ = [
    "LocalCloudError",
    "MotoInternalsChanged",
    "PhysicalResource",
    "Template",
    "TemplateError",
    "load_template",
]
