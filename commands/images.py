"""`invoke images.*`: the training, inference and lambda images, tagged with the commit SHA."""

from __future__ import annotations

import io
import shlex

from awsenv.errors import UserError
from commands.common import DRY_RUN_HELP, config, task, user_errors


@task(
    help={
        "push": "log in to the operations account's ECR and push the images",
        "image": "only this image: training, inference or lambda (default: all three)",
        "local": "record placeholder images in the emulator's ECR instead of building (no Docker needed)",
        "dry_run": DRY_RUN_HELP,
    }
)
def build(c, push=False, image="", local=False, dry_run=False):
    """Build the images tagged with the commit SHA (`docker build`); --push pushes them to the operations ECR."""
    from awsenv.gitinfo import head_sha
    from release import images

    cfg = config()
    with user_errors():
        names = images.select(image)
        commit = head_sha()
        if local:
            for line in images.register_placeholders(cfg, commit, names):
                print(f"images: {line}")
            return
        commands = images.build_commands(cfg, commit, names, push=push)
        if dry_run:
            for command in commands:
                print(command)
            return
        if push:
            images.require_clean_tree()
        probe = c.run("docker info --format '{{.ServerVersion}}'", hide=True, warn=True)
        if not probe.ok:
            why = (probe.stderr.strip().splitlines() or [f"docker info exited {probe.exited}"])[-1]
            raise UserError(images.DOCKER_MISSING.format(why=why))
        for command in commands:
            print(f"+ {command}", flush=True)
            if command.stdin_secret:
                c.run(shlex.join(command.argv), in_stream=io.StringIO(images.ecr_password(cfg)), hide=True)
            else:
                c.run(shlex.join(command.argv))
