"""The drift-monitor Lambda (the project's lambda image, scheduled by EventBridge Scheduler).

Environment (terraform/main): ENV_NAME, ENDPOINT_NAME, DATA_CAPTURE_S3_URI, MONITORING_S3_URI,
METRICS_NAMESPACE (see monitoring.job.ENV_VARS). Returns the run's lines and verdict.
"""

from __future__ import annotations

import os
from typing import Any


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    from awsenv.sessions import ambient_session
    from monitoring.job import MonitorTarget, run

    result = run(ambient_session(), MonitorTarget.from_environ(dict(os.environ)))
    for line in result.lines():
        print(line)
    return {"drift": result.assessment.drifted, "records": result.assessment.records, "report": result.report_uri}
