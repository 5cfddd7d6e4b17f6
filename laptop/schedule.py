"""The retraining schedule on the emulator: the one terraform/modules/retraining-schedule creates.

EventBridge Scheduler stores schedules in moto but never fires them; registering it shows the
schedule as it will exist on AWS: same name and role (`Config.retraining_schedule_name`,
`Config.retraining_role_arn`), same expression (`RETRAINING_SCHEDULE`), same pipeline parameters.
"""

from __future__ import annotations

from awsenv.config import RETRAINING_SCHEDULE
from awsenv.sessions import EnvSession


def register_schedule(session: EnvSession) -> str:
    """The env's (prod's) weekly retraining: the schedule terraform/modules/retraining-schedule
    creates (upsert), in the emulator account of `session`."""
    cfg, env = session.cfg, session.env
    scheduler = session.client("scheduler")
    name = cfg.retraining_schedule_name(env)
    arguments = {
        "Name": name,
        "ScheduleExpression": RETRAINING_SCHEDULE,
        "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 60},
        "Target": {
            "Arn": f"arn:aws:sagemaker:{cfg.region}:{cfg.accounts[env]}:pipeline/{cfg.pipeline_name(env)}",
            "RoleArn": cfg.retraining_role_arn(env),
            "SageMakerPipelineParameters": {
                "PipelineParameterList": [
                    {"Name": "InputDataUri", "Value": cfg.dataset_pointer_uri(env)},
                    {"Name": "ModelApprovalStatus", "Value": "PendingManualApproval"},
                ]
            },
        },
    }
    try:
        scheduler.get_schedule(Name=name)
        scheduler.update_schedule(**arguments)
    except scheduler.exceptions.ResourceNotFoundException:
        scheduler.create_schedule(**arguments)
    return f"{name} ({RETRAINING_SCHEDULE}) -> pipeline {cfg.pipeline_name(env)} in {env}"
