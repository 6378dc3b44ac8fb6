"""The local cloud: the real template.yaml run on moto, with its functions called in-process.

For tests and tools only; nothing here ships to Lambda or may be imported by function code.

    with mock_aws(config=MOTO_CONFIG):
        cloud = LocalCloud("template.yaml").deploy()
        cloud.invoke("HealthApiFunction", event)
"""

from veriflow.local.cloud import FunctionFailed, LocalCloud
from veriflow.local.errors import LocalCloudError, MotoInternalsChanged, TemplateError
from veriflow.local.executions import Execution
from veriflow.local.moto_hooks import MOTO_CONFIG, check_moto_internals
from veriflow.local.naming import PhysicalResource
from veriflow.local.template import Template, load_template

__all__ = [
    "MOTO_CONFIG",
    "Execution",
    "FunctionFailed",
    "LocalCloud",
    "LocalCloudError",
    "MotoInternalsChanged",
    "PhysicalResource",
    "Template",
    "TemplateError",
    "check_moto_internals",
    "load_template",
]
