"""Cost-guardrail settings of `.env`: budgets, endpoint type per environment, idle-endpoint days,
alert e-mail. `awsenv.config.load_config` calls `cost_settings`; each bad value is one line."""

from __future__ import annotations

import re

SERVERLESS = "serverless"
_INSTANCE_RE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def cost_settings(values: dict[str, str], problems: list[str], environments: tuple[str, ...]) -> dict:
    """Budgets, endpoint instance types, idle-endpoint days and alert e-mail (appends problems)."""
    budgets, instance_types = {}, {}
    for env in environments:
        key = f"BUDGET_{env.upper()}_USD"
        text = values.get(key, "")
        if text.isdigit() and 1 <= int(text) <= 1_000_000:
            budgets[env] = int(text)
        else:
            problems.append(
                f"{key}: '{text}' is not a monthly budget; use whole US dollars from 1 to 1000000, e.g. 100"
            )
        key = f"ENDPOINT_INSTANCE_TYPE_{env.upper()}"
        text = values.get(key, "")
        if text == SERVERLESS or _INSTANCE_RE.match(text):
            instance_types[env] = text
        else:
            problems.append(
                f"{key}: '{text}' is not an endpoint instance type; use 'serverless' or one like ml.m5.large"
            )
    text = values.get("IDLE_ENDPOINT_DAYS", "")
    if not (text.isdigit() and 1 <= int(text) <= 7):
        problems.append(
            f"IDLE_ENDPOINT_DAYS: '{text}' is not usable; use 1 to 7 (days without invocations before the alarm)"
        )
    email = values.get("ALERT_EMAIL", "")
    if email and not _EMAIL_RE.match(email):
        problems.append(f"ALERT_EMAIL: '{email}' is not an e-mail address; set one, or leave it empty for no e-mail")
    days = int(text) if text.isdigit() else 0
    return {"budgets_usd": budgets, "instance_types": instance_types, "idle_endpoint_days": days, "alert_email": email}
