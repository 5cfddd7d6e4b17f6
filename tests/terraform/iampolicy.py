"""Check recorded AWS calls against the IAM policy documents of the Terraform tree.

`recording(monkeypatch)` wraps `awsenv.sessions.aws_session` so every client of every session
built while it is active records its calls (service, operation, parameters). `required(...)`
turns one call into the IAM actions and resource ARNs it needs; `Policy` is one
`aws_iam_policy_document` with its `${...}` references substituted, and
`Policy.denied(calls)` lists what it does not allow. Conditions are not evaluated and an
unknown reference becomes `*`, so this proves missing grants, not the absence of extra ones.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.terraform import tfparse

IAM_PREFIX = {"monitoring": "cloudwatch"}  # signing name -> IAM service prefix
S3_ACTION = {
    "HeadObject": "s3:GetObject",
    "GetObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "HeadBucket": "s3:ListBucket",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
}
SAGEMAKER_NAMES = {
    "EndpointName": "endpoint",
    "EndpointConfigName": "endpoint-config",
    "ModelName": "model",
    "ModelPackageGroupName": "model-package-group",
    "PipelineName": "pipeline",
}
REFERENCE = re.compile(r"\$\{([^}]*)\}")


@dataclass
class Call:
    service: str  # IAM prefix
    operation: str
    params: dict[str, Any]
    account: str
    region: str


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)
    paused: bool = False  # set while the test itself, not the principal, calls AWS

    def operations(self) -> set[str]:
        return {f"{c.service}:{c.operation}" for c in self.calls}


def recording(monkeypatch, recorder: Recorder, accounts: dict[str, str]) -> None:
    """Record the calls of every session `awsenv.sessions.aws_session` builds from now on."""
    import awsenv.sessions

    original = awsenv.sessions.aws_session

    def aws_session(cfg, account, *args, **kwargs):
        session = original(cfg, account, *args, **kwargs)

        def before_call(model, params, **_):
            if recorder.paused:
                return
            signing = model.service_model.signing_name
            recorder.calls.append(
                Call(IAM_PREFIX.get(signing, signing), model.name, params, accounts[account], cfg.region)
            )

        session.events.register("before-parameter-build", before_call)
        return session

    monkeypatch.setattr(awsenv.sessions, "aws_session", aws_session)


def required(call: Call) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs a call needs; `*` when the resource is not derived."""
    p, arn = call.params, f"arn:aws:{call.service}:{call.region}:{call.account}"
    if call.service == "s3":
        action = S3_ACTION.get(call.operation, f"s3:{call.operation}")
        bucket = f"arn:aws:s3:::{p.get('Bucket')}"
        return [(action, bucket if action == "s3:ListBucket" else f"{bucket}/{p.get('Key')}")]
    action = f"{call.service}:{call.operation}"
    if call.service == "cloudwatch" and "AlarmName" in p:
        return [(action, f"{arn}:alarm:{p['AlarmName']}")]
    if call.service != "sagemaker":
        return [(action, "*")]
    resources = [f"{arn}:{kind}/{p[key]}" for key, kind in SAGEMAKER_NAMES.items() if key in p]
    for key in ("ModelPackageName", "ModelPackageArn", "PipelineExecutionArn"):
        if str(p.get(key, "")).startswith("arn:"):
            resources.append(p[key])
    needs = [(action, resource) for resource in resources or ["*"]]
    if p.get("Tags") and call.operation.startswith("Create"):
        needs += [("sagemaker:AddTags", resource) for resource in resources]
    for key in ("ExecutionRoleArn", "RoleArn"):
        if key in p:
            needs.append(("iam:PassRole", p[key]))
    return needs


@dataclass
class Policy:
    statements: list[tuple[list[str], list[str]]]  # (actions, resource patterns) of Allow statements

    @classmethod
    def load(cls, path: Path, name: str, values: dict[str, Any], local_lists: dict[str, list] | None = None):
        """Allow statements of `aws_iam_policy_document.<name>` in `path`, `${...}` replaced by `values`."""
        local_lists = local_lists or {}
        statements = []
        for data in tfparse.parse_file(path).get("data", []):
            body = data.get("aws_iam_policy_document", {}).get(name)
            if body is None:
                continue
            for statement in tfparse._statements(body):
                if statement.get("effect", "Allow") != "Allow":
                    continue
                resources = []
                for resource in tfparse._as_list(statement.get("resources", [])):
                    whole = REFERENCE.fullmatch(resource) and REFERENCE.fullmatch(resource).group(1)
                    expanded = local_lists.get(whole, [resource]) if whole else [resource]
                    resources += [cls.substitute(r, values) for r in expanded]
                statements.append((tfparse._as_list(statement.get("actions", [])), resources))
        assert statements, f"{path}: no aws_iam_policy_document '{name}'"
        return cls(statements)

    @staticmethod
    def substitute(text: str, values: dict[str, Any]) -> str:
        return REFERENCE.sub(lambda m: str(values.get(m.group(1), "*")), text)

    def allows(self, action: str, resource: str) -> bool:
        return any(
            action in actions and (resource == "*" or any(fnmatch.fnmatchcase(resource, r) for r in resources))
            for actions, resources in self.statements
        )

    def denied(self, calls: list[Call]) -> list[str]:
        missing = {
            f"{action} on {resource} ({call.operation})"
            for call in calls
            for action, resource in required(call)
            if not self.allows(action, resource)
        }
        return sorted(missing)
