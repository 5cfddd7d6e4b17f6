"""Pipeline expressions: `Get`, `Std:Join`, `Std:JsonGet` and conditions, as SageMaker evaluates them.

`Resolver.resolve(value)` walks any JSON value of a step's Arguments and replaces
expressions by their values:

    {"Get": "Parameters.X"}                      the execution's parameter value
    {"Get": "Execution.PipelineExecutionId"}     execution variables
    {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}   a finished step's property
    {"Std:Join": {"On": "/", "Values": [...]}}   string join (numbers rendered like SageMaker)
    {"Std:JsonGet": {"PropertyFile": ..., "Path": "a.b[0]"}} a value in a step's property file
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from training_pipeline.local_executor.errors import ExecutorError

_TOKEN = re.compile(r"\.?([A-Za-z0-9_:\-]+)|\['([^']*)'\]|\[\"([^\"]*)\"\]|\[(\d+)\]")


def path_tokens(path: str) -> list[str | int]:
    """`Outputs['train'].S3Output.S3Uri` -> ['Outputs', 'train', 'S3Output', 'S3Uri']."""
    tokens: list[str | int] = []
    position = 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if not match or match.end() == position:
            raise ExecutorError(f"cannot parse property path '{path}' at position {position}")
        name, quoted, double_quoted, index = match.groups()
        tokens.append(int(index) if index is not None else (name or quoted or double_quoted or ""))
        position = match.end()
    return tokens


def lookup(value: Any, tokens: list[str | int], where: str) -> Any:
    for token in tokens:
        try:
            value = value[token]
        except (KeyError, IndexError, TypeError):
            raise ExecutorError(f"{where}: no '{token}' in the value (path {tokens})") from None
    return value


def render(value: Any) -> str:
    """A value as Std:Join renders it (booleans lower-case, like the service)."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


class Resolver:
    """Resolves expressions against one execution's parameters and finished steps."""

    def __init__(self, parameters: dict[str, Any], execution: dict[str, Any]):
        self.parameters = parameters
        self.execution = execution
        self.properties: dict[str, dict] = {}  # step name -> properties (Describe*-like)

    def get(self, reference: str) -> Any:
        head, _, rest = reference.partition(".")
        if head == "Parameters":
            if rest not in self.parameters:
                raise ExecutorError(f"Get {reference}: no parameter '{rest}' in the definition")
            return self.parameters[rest]
        if head == "Execution":
            if rest not in self.execution:
                raise ExecutorError(f"Get {reference}: unsupported execution variable '{rest}'")
            return self.execution[rest]
        if head == "Steps":
            step, _, path = rest.partition(".")
            if step not in self.properties:
                raise ExecutorError(f"Get {reference}: step '{step}' has not run (yet)")
            return lookup(self.properties[step], path_tokens(path), f"Get {reference}")
        raise ExecutorError(f"Get {reference}: unsupported reference (Parameters, Execution or Steps only)")

    def json_get(self, spec: dict) -> Any:
        path = spec.get("Path", "")
        if "PropertyFile" in spec:
            source = spec["PropertyFile"]
            local = self.resolve(source) if isinstance(source, dict) else self._property_file_by_name(source, spec)
            data = json.loads(Path(local).read_text())
        else:
            raise ExecutorError(f"Std:JsonGet {json.dumps(spec)}: only PropertyFile sources are supported locally")
        return lookup(data, path_tokens(path), f"Std:JsonGet {path}")

    def _property_file_by_name(self, name: str, spec: dict) -> str:
        step = spec.get("StepName") or ""
        return self.get(f"Steps.{step}.PropertyFiles.{name}")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Get"}:
            return self.get(value["Get"])
        if set(value) == {"Std:Join"}:
            spec = value["Std:Join"]
            return spec.get("On", "").join(render(self.resolve(item)) for item in spec.get("Values", []))
        if set(value) == {"Std:JsonGet"}:
            return self.json_get(value["Std:JsonGet"])
        unknown = [key for key in value if key.startswith("Std:")]
        if unknown:
            raise ExecutorError(f"unsupported pipeline function {unknown[0]}")
        return {key: self.resolve(item) for key, item in value.items()}


_COMPARISONS = {
    "Equals": lambda a, b: a == b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanOrEqualTo": lambda a, b: a >= b,
    "LessThan": lambda a, b: a < b,
    "LessThanOrEqualTo": lambda a, b: a <= b,
}


def evaluate_condition(condition: dict, resolver: Resolver) -> bool:
    """One condition of a ConditionStep (comparisons, In, Not, Or; a list means And)."""
    kind = condition.get("Type")
    if kind in _COMPARISONS:
        left, right = resolver.resolve(condition["LeftValue"]), resolver.resolve(condition["RightValue"])
        if isinstance(left, (int, float)) or isinstance(right, (int, float)):
            left, right = float(left), float(right)
        return _COMPARISONS[kind](left, right)
    if kind == "In":
        value = resolver.resolve(condition["QueryValue"])
        return value in [resolver.resolve(item) for item in condition["Values"]]
    if kind == "Not":
        return not evaluate_condition(condition["Expression"], resolver)
    if kind == "Or":
        return any(evaluate_condition(item, resolver) for item in condition["Conditions"])
    if kind == "And":
        return all(evaluate_condition(item, resolver) for item in condition["Conditions"])
    raise ExecutorError(f"unsupported condition type '{kind}'")
