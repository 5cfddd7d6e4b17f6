"""invoke tasks: one per step of the original README, plus namespaces.

    invoke backend                 3.1  Terraform state bucket in the operations account
    invoke operations              3.2  ECR repositories and GitHub OIDC roles (operations)
    invoke workspaces              3.3  Terraform workspaces dev, staging, prod
    invoke deploy --env=dev        3.4  Deploy an environment

`invoke --list` shows everything; `invoke --help TASK` shows a task's flags. Tasks are thin:
the logic lives in importable modules (awsenv, training_pipeline, inference). Nothing imports
this file.
"""

from __future__ import annotations

from invoke import Collection

from commands import checks, data, emulator, endpoint, images, model, pipeline, release
from commands.common import DRY_RUN_HELP, ENV_HELP, config, env_config, task, user_errors

TERRAFORM_LOCAL_HELP = "point terraform at the local emulator (AWS_ENDPOINT_URL; best effort, see terraform/README.md)"


@task(help={"dry_run": DRY_RUN_HELP, "local": TERRAFORM_LOCAL_HELP})
def backend(c, dry_run=False, local=False):
    """3.1 Create the Terraform state bucket in the operations account (terraform/backend)."""
    cfg = config()
    from awsenv import terraform

    with user_errors():
        terraform.run_steps(c, terraform.backend_steps(cfg, local=local), dry_run=dry_run)


@task(help={"dry_run": DRY_RUN_HELP, "local": TERRAFORM_LOCAL_HELP})
def operations(c, dry_run=False, local=False):
    """3.2 Create ECR repositories and GitHub OIDC CI roles (terraform/operations)."""
    cfg = config()
    from awsenv import terraform

    with user_errors():
        terraform.run_steps(c, terraform.operations_steps(cfg, local=local), dry_run=dry_run)


@task(help={"dry_run": DRY_RUN_HELP, "local": TERRAFORM_LOCAL_HELP})
def workspaces(c, dry_run=False, local=False):
    """3.3 Create the Terraform workspaces dev, staging and prod (only those missing)."""
    cfg = config()
    from awsenv import terraform

    with user_errors():
        terraform.ensure_workspaces(c, cfg, local=local, dry_run=dry_run)


@task(
    help={
        "env": ENV_HELP,
        "dry_run": DRY_RUN_HELP,
        "local": TERRAFORM_LOCAL_HELP,
        "image_tag": "commit SHA to deploy; its release manifest must exist (default: the checkout's HEAD)",
    }
)
def deploy(c, env, dry_run=False, local=False, image_tag=""):
    """3.4 Deploy an environment: check the commit was built, terraform apply of terraform/main in
    the env's workspace, then upsert the training pipeline pinned to the commit's images."""
    cfg = env_config(env)
    from release.deploy import deploy_environment

    with user_errors():
        deploy_environment(c, cfg, env, image_tag=image_tag, local=local, dry_run=dry_run)


@task
def demo(c):
    """dev -> staging -> prod on the local emulator: data, pipeline, approval, auto-deploy, predictions."""
    cfg = config()
    from invoke import Exit

    from laptop import demo as demo_module

    with user_errors():
        try:
            demo_module.run(cfg)
        except KeyboardInterrupt:
            raise Exit("demo: interrupted; stopped everything it had started", code=130) from None


ns = Collection(backend, operations, workspaces, deploy, demo)
for module in (checks, data, emulator, pipeline, model, endpoint, images, release):
    ns.add_collection(Collection.from_module(module))
