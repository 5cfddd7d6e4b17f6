"""`invoke emulator.*`: the local AWS emulator (moto server on 127.0.0.1, four accounts)."""

from __future__ import annotations

from invoke import Exit

from commands.common import config, task, user_errors


@task
def start(c):
    """Start the emulator in the background (no-op when already running)."""
    from awsenv import emulator

    cfg = config()
    with user_errors():
        state = emulator.start(cfg, warm_services=True)
        accounts = emulator.verify_accounts(cfg)
    print(f"emulator: {state.detail}")
    for name, account_id in accounts.items():
        print(f"  {name:<10} account {account_id}")
    from training_pipeline.local_executor import step_server

    print(f"step helper: {step_server.start()}")


@task
def stop(c):
    """Stop the emulator started from this checkout (no-op when not running)."""
    from awsenv import emulator
    from training_pipeline.local_executor import step_server

    print(f"emulator: {emulator.stop(config())}")
    print(f"step helper: {step_server.stop()}")


@task
def status(c):
    """Say whether the emulator is running; exit 1 when it is not."""
    from awsenv import emulator
    from training_pipeline.local_executor import step_server

    state = emulator.status(config())
    print(f"emulator: {state.detail}")
    print(f"step helper: {step_server.status()}")
    if not state.running:
        raise Exit(code=1)


@task
def reset(c):
    """Delete every resource in every emulated account."""
    from awsenv import emulator

    cfg = config()
    if not emulator.status(cfg).running:
        raise Exit("error: emulator: not running; start it with `invoke emulator.start`", code=1)
    emulator.reset(cfg.emulator_url)
    print("emulator: reset; all four accounts are empty")
