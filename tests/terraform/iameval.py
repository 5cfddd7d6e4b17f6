"""Render the CI and boundary policy documents of terraform/operations for one account and
decide requests against them, offline.

`Renderer(cfg).statements(name, account)` turns `aws_iam_policy_document.<name>[account]`
(with its `source_policy_documents` and `dynamic "statement"` blocks) into concrete statements;
a reference the renderer does not know raises, so a policy it cannot read fails the tests
instead of being skipped. `allowed(inline, boundary, action, resource, context)` applies IAM's
rules for one principal: an explicit Deny in either wins, then both the inline policy and the
boundary must allow (action, resource) with every condition met by `context` (a missing
condition key fails the condition, as in IAM).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from awsenv import terraform_vars
from tests.terraform import tfparse

OPERATIONS = Path(__file__).resolve().parents[2] / "terraform" / "operations"
FOR_EXPR = re.compile(r"^\$\{\[for (\w+) in (.+?) : (.+)\]\}$")
REFERENCE = re.compile(r"\$\{([^{}]*)\}")
SOURCE = re.compile(r'^\$\{data\.aws_iam_policy_document\.(\w+)\[(each\.key|"(\w+)")\]\.json\}$')


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]

    def matches(self, action: str, resource: str, context: dict[str, str]) -> bool:
        return (
            any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in self.actions)
            and any(fnmatch.fnmatchcase(resource, r) for r in self.resources)
            and all(_condition(test, key, values, context) for test, key, values in self.conditions)
        )


def _condition(test: str, key: str, values: tuple[str, ...], context: dict[str, str]) -> bool:
    if test == "Null":
        return (key not in context) == (values == ("true",))
    if key not in context:
        return False
    value = context[key]
    if test in ("StringEquals", "ArnEquals"):
        return value in values
    if test in ("StringLike", "ArnLike"):
        return any(fnmatch.fnmatchcase(value, v) for v in values)
    if test == "Bool":
        return value.lower() in values
    raise ValueError(f"condition operator {test} is not modelled; extend tests/terraform/iameval.py")


def allowed(inline: list[Statement], boundary: list[Statement], action: str, resource: str, context=None) -> bool:
    context = context or {}
    if any(s.effect == "Deny" and s.matches(action, resource, context) for s in inline + boundary):
        return False
    return all(any(s.effect == "Allow" and s.matches(action, resource, context) for s in p) for p in (inline, boundary))


class Renderer:
    """Concrete policy documents of terraform/operations for the configuration `cfg`."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.variables = terraform_vars.operations_variables(cfg)
        self.documents: dict[str, dict] = {}
        self.locals: dict[str, Any] = {}
        for path in sorted(OPERATIONS.glob("*.tf")):
            parsed = tfparse.parse_file(path)
            for data in parsed.get("data", []):
                self.documents.update(data.get("aws_iam_policy_document", {}))
            for block in parsed.get("locals", []):
                self.locals.update(block)

    def arn(self, service: str, account: str, rest: str) -> str:
        return f"arn:aws:{service}:{self.cfg.region}:{self.cfg.accounts[account]}:{rest}"

    def boundary_arn(self, account: str, kind: str) -> str:
        return f"arn:aws:iam::{self.cfg.accounts[account]}:policy/{self.cfg.project}-{kind}-boundary"

    def scope(self, account: str) -> dict[str, Any]:
        cfg, v = self.cfg, self.variables
        scope: dict[str, Any] = {
            "var.region": cfg.region,
            "var.project": cfg.project,
            "local.p": cfg.project,
            "var.ci_role_name": v["ci_role_name"],
            "var.state_bucket_name": v["state_bucket_name"],
            "var.release_bucket_name": v["release_bucket_name"],
            "var.huggingface_training_image_repository.account_id": v["huggingface_training_image_repository"][
                "account_id"
            ],
            "var.huggingface_training_image_repository.name": v["huggingface_training_image_repository"]["name"],
            "var.huggingface_inference_image_repository.account_id": v["huggingface_inference_image_repository"][
                "account_id"
            ],
            "var.huggingface_inference_image_repository.name": v["huggingface_inference_image_repository"]["name"],
            "var.account_ids[each.key]": cfg.accounts[account],
            "var.account_ids.operations": cfg.accounts["operations"],
            "each.key": account,
            "local.boundary_arns[each.key].workload": self.boundary_arn(account, "workload"),
            "local.boundary_arns[each.key].ci": self.boundary_arn(account, "ci"),
            "values(local.boundary_arns[each.key])": [self.boundary_arn(account, k) for k in ("ci", "workload")],
            "data.aws_kms_alias.state.target_key_arn": self.arn("kms", "operations", "key/state"),
            "module.artifacts_key.key_arn": self.arn("kms", "operations", "key/artifacts"),
            "local.ec2_creates": self.locals["ec2_creates"],
            "keys(local.ec2_creates)": list(self.locals["ec2_creates"]),
            "local.ec2_parents": self.locals["ec2_parents"],
            "module.ecr": [self.arn("ecr", "operations", f"repository/{r}") for r in v["ecr_repositories"].values()],
        }
        if account in v["environments"]:
            scope.update({f"each.value.{k}": value for k, value in v["environments"][account].items()})
            scope["local.name[each.key]"] = f"{cfg.project}-{account}"
            scope["local.data_key_arns[each.key]"] = self.arn("kms", account, f"key/{account}-data")
        return scope

    def render(self, value: Any, scope: dict[str, Any]) -> list[str]:
        if isinstance(value, list):
            return [item for v in value for item in self.render(v, scope)]
        text = str(value)
        loop = FOR_EXPR.match(text)
        if loop:
            name, source, template = loop.groups()
            items = self._lookup(source, scope)
            out = []
            for item in items:
                inner = {**scope, name: item}
                replace = re.fullmatch(rf'replace\({name}, "([^"]*)", "([^"]*)"\)', template)
                if replace:
                    out.append(item.replace(*replace.groups()))
                elif template.startswith(f"{name}."):  # `repo.repository_arn`: scope holds the attribute
                    out.append(item)
                else:
                    out += self.render(template.strip('"'), inner)
            return out
        whole = REFERENCE.fullmatch(text)
        if whole and isinstance(self._lookup(whole.group(1), scope), list):
            return list(self._lookup(whole.group(1), scope))
        return [REFERENCE.sub(lambda m: str(self._lookup(m.group(1), scope)), text)]

    @staticmethod
    def _lookup(expression: str, scope: dict[str, Any]) -> Any:
        key = expression.strip()
        if key not in scope:
            raise KeyError(f"iameval: unknown reference ${{{key}}}; add it to Renderer.scope")
        return scope[key]

    def statements(self, name: str, account: str) -> list[Statement]:
        body = self.documents[name]
        scope = self.scope(account)
        out: list[Statement] = []
        for source in body.get("source_policy_documents", []):
            match = SOURCE.match(source)
            if not match:
                raise KeyError(f"iameval: unknown source document {source}")
            out += self.statements(match.group(1), account if match.group(2) == "each.key" else match.group(3))
        templates = [(s, scope) for s in body.get("statement", [])]
        for dynamic in body.get("dynamic", []):
            block = dynamic["statement"]
            for key, value in self._lookup(block["for_each"][2:-1], scope).items():
                templates += [(s, {**scope, "statement.key": key, "statement.value": value}) for s in block["content"]]
        for statement, inner in templates:
            conditions = tuple(
                (c["test"], c["variable"], tuple(self.render(c["values"], inner)))
                for c in tfparse._as_list(statement.get("condition", []))
            )
            out.append(
                Statement(
                    statement.get("effect", "Allow"),
                    tuple(self.render(statement.get("actions", []), inner)),
                    tuple(self.render(statement.get("resources", []), inner)),
                    conditions,
                )
            )
        return out
