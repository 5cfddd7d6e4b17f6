"""Each `.env` value checked on its own: a bad value appends one line to `problems` naming the key,
the value and the fix (`awsenv.config.load_config` collects them into one ConfigError).
"""

from __future__ import annotations

import re

_REGION_RE = re.compile(
    r"^[a-z]{2,4}(-gov|-iso[a-z]*)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$"
)
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_REPO_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_PROJECT_RE = re.compile(r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$")
_PROFILE_RE = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")
_GPU_INSTANCE_RE = re.compile(r"^ml\.(g4dn|g5|g6|g6e|p3|p3dn|p4d|p4de|p5|p5e)\.[0-9]*x?large$")
_INSTANCE_RE = re.compile(r"^ml\.[a-z0-9-]+\.[0-9]*x?large$")
_HUB_MODEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,95})?$")


def accounts(values: dict[str, str], problems: list[str], account_keys: dict[str, str]) -> dict[str, str]:
    """The four account ids (12 digits, distinct); each problem appended to `problems`."""
    accounts: dict[str, str] = {}
    for name, key in account_keys.items():
        value = values.get(key, "")
        if not value:
            problems.append(
                f"{key}: missing; set it in .env to the 12-digit id of the {name} AWS account (see .env.example)"
            )
        elif not _ACCOUNT_RE.match(value):
            problems.append(
                f"{key}: '{value}' is not a 12-digit AWS account id; set it to the {name} account's id, digits only"
            )
        else:
            accounts[name] = value
    seen: dict[str, str] = {}
    for name, value in accounts.items():
        if value in seen:
            problems.append(
                f"{account_keys[name]}: '{value}' is also {account_keys[seen[value]]}; the four accounts must be distinct, give each its own id"
            )
        else:
            seen[value] = name
    return accounts


def _matching(values: dict[str, str], key: str, pattern: re.Pattern, problem: str, problems: list[str]) -> str:
    """`values[key]` ('' if absent); "KEY: 'value' is not PROBLEM" appended to `problems` unless it matches."""
    value = values.get(key, "")
    if not pattern.match(value):
        problems.append(f"{key}: '{value}' is not {problem}")
    return value


def names(values: dict[str, str], problems: list[str]) -> tuple[str, str, str]:
    """Region, GitHub repository and project name."""
    region = _matching(
        values, "AWS_REGION", _REGION_RE, "an AWS region; use a region code such as eu-west-1 or us-east-1", problems
    )
    if not values.get("GITHUB_REPO"):
        problems.append("GITHUB_REPO: missing; set it to your GitHub repository as owner/name, e.g. my-org/my-mlops")
        repository = ""
    else:
        repository = _matching(
            values,
            "GITHUB_REPO",
            _REPO_RE,
            "a GitHub repository; write it as owner/name, e.g. my-org/my-mlops",
            problems,
        )
    project = _matching(
        values,
        "PROJECT_NAME",
        _PROJECT_RE,
        "usable in resource names; use 3-24 lowercase letters, digits or '-', starting with a letter",
        problems,
    )
    return region, repository, project


def profiles(values: dict[str, str], problems: list[str], profile_keys: dict[str, str]) -> dict[str, str]:
    return {
        name: _matching(
            values,
            key,
            _PROFILE_RE,
            f"an AWS profile name; use the [profile NAME] from ~/.aws/config, or remove the line for '{name}'",
            problems,
        )
        for name, key in profile_keys.items()
    }


def port(values: dict[str, str], problems: list[str]) -> int:
    port_text = values.get("EMULATOR_PORT", "")
    port = int(port_text) if port_text.isdigit() else 0
    if not 1024 <= port <= 65535:
        problems.append(f"EMULATOR_PORT: '{port_text}' is not a usable port; use a number from 1024 to 65535")
    return port


def model_settings(
    values: dict[str, str], problems: list[str], family_keys: dict[str, str], families_allowed: tuple[str, ...]
) -> tuple[dict[str, str], str, str]:
    """MODEL_FAMILY_<ENV>, TRANSFORMER_INSTANCE_TYPE and TRANSFORMER_MODEL; problems appended."""
    families = {}
    for env, key in family_keys.items():
        families[env] = values.get(key, "")
        if families[env] not in families_allowed:
            problems.append(
                f"{key}: '{families[env]}' is not a model family; use one of: {', '.join(families_allowed)} (default tfidf)"
            )
    instance_type = _matching(
        values,
        "TRANSFORMER_INSTANCE_TYPE",
        _GPU_INSTANCE_RE,
        "a SageMaker GPU instance type; use one such as ml.g5.xlarge or ml.g4dn.xlarge",
        problems,
    )
    encoder = _matching(
        values,
        "TRANSFORMER_MODEL",
        _HUB_MODEL_RE,
        "a Hugging Face model id; use a Hub id such as distilbert-base-uncased or org/name",
        problems,
    )
    return families, instance_type, encoder


def evaluate_instance_type(values: dict[str, str], problems: list[str]) -> str:
    """TRANSFORMER_EVALUATE_INSTANCE_TYPE: any SageMaker instance type (CPU by default)."""
    return _matching(
        values,
        "TRANSFORMER_EVALUATE_INSTANCE_TYPE",
        _INSTANCE_RE,
        "a SageMaker instance type; use one such as ml.m5.xlarge",
        problems,
    )
