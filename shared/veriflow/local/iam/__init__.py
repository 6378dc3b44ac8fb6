"""IAM in the local cloud: each function's calls are authorized against its own role, as on AWS."""

from veriflow.local.iam.enforce import Principal, acting_as, authorize, current, install
from veriflow.local.iam.policy import Decision, Effect, NamedPolicy, evaluate
from veriflow.local.iam.requests import UnmappedOperation
from veriflow.local.iam.roles import function_principals, role_policies

__all__ = [
    "Decision",
    "Effect",
    "NamedPolicy",
    "Principal",
    "UnmappedOperation",
    "acting_as",
    "authorize",
    "current",
    "evaluate",
    "function_principals",
    "install",
    "role_policies",
]
