"""`invoke monitor.*`: drift of an environment's endpoint traffic against its model's baseline."""

from __future__ import annotations

from commands.common import ENV_HELP, LOCAL_HELP, env_config, task, user_errors


@task(help={"env": ENV_HELP, "local": LOCAL_HELP})
def run(c, env, local=False):
    """Compare the traffic captured since the last run with the serving model's baseline: one line
    per metric (value, threshold), then `drift: none` or `drift: <metrics>`; exit 0 either way."""
    cfg = env_config(env)
    with user_errors():
        from awsenv.sessions import EnvSession
        from monitoring.job import MonitorTarget
        from monitoring.job import run as run_monitor

        result = run_monitor(EnvSession(cfg, env, local=local), MonitorTarget.from_config(cfg, env))
    print(f"report                 {result.report_uri}  ({result.seconds:.2f} s)")
    print("\n".join(result.lines()))
