"""`invoke deploy --env=X` / `make deploy ENV=X`: deploy exactly what CI built for a commit.

1. the commit's release manifest must exist in the operations account (its images were
   built), and the training pipeline this checkout renders for the env must hash to what CI
   recorded for that commit;
2. terraform apply of terraform/main in the env's workspace (the original README's 3.4), with
   the Lambda image pinned to the commit;
3. upsert of the env's training pipeline, pinned to the commit's images.

With `dry_run`, step 2 prints its exact terraform command lines and steps 1 and 3 print what
they would check and do (as `#` comments), touching nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from awsenv.config import Config


def deploy_environment(
    c, cfg: Config, env: str, *, image_tag: str = "", local: bool = False, dry_run: bool = False, say: Callable = print
) -> None:
    from awsenv import terraform
    from awsenv.gitinfo import head_sha
    from awsenv.sessions import EnvSession
    from release import manifest as releases

    commit = image_tag or head_sha()
    if dry_run:
        say(f"# 1/3 requires the release manifest {releases.manifest_url(cfg, commit)}")
    else:
        from training_pipeline.pipeline import definition

        built = releases.require_manifest(EnvSession(cfg, "operations", local=local), commit)
        releases.check_pipeline_definition(built, env, definition(cfg, env, commit))
        say(f"release: commit {commit[:12]} was built by CI ({releases.manifest_url(cfg, commit)})")
    terraform.run_steps(c, terraform.deploy_steps(cfg, env, commit, local=local), dry_run=dry_run)
    if dry_run:
        say(f"# 3/3 then upserts the pipeline {cfg.pipeline_name(env)} in {env}, images @ {commit}")
        return
    from training_pipeline.pipeline import upsert_pipeline

    arn = upsert_pipeline(EnvSession(cfg, env, local=local), commit)
    say(f"pipeline: {arn} now runs the images of commit {commit[:12]}")
