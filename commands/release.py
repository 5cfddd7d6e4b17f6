"""`invoke release.*`: the release manifest of a commit, and tag-based promotion."""

from __future__ import annotations

from commands.common import DRY_RUN_HELP, LOCAL_HELP, config, required, task, user_errors

REF_HELP = "git commit, tag or branch (default HEAD)"


@task(help={"ref": REF_HELP, "local": LOCAL_HELP})
def manifest(c, ref="HEAD", local=False):
    """Write the commit's release manifest (image digests, pipeline hash) to the operations account (CI, after images.build --push)."""
    from awsenv.gitinfo import head_sha
    from awsenv.sessions import EnvSession
    from release import manifest as releases

    cfg = config()
    with user_errors():
        commit = head_sha(ref=ref)
        operations = EnvSession(cfg, "operations", local=local)
        built = releases.build_manifest(operations, commit)
        state = releases.write_manifest(operations, built)
    print(f"release: {state} {releases.manifest_url(cfg, commit)}")
    for name, image in built.images.items():
        print(f"  {name:<10} {image['uri']} {image['digest']}")
    hashes = built.pipeline_definition_sha256 or {}
    print(
        "  pipeline   " + (" ".join(f"{env}={value[:12]}" for env, value in hashes.items()) or "no definition hashes")
    )


@task(help={"ref": REF_HELP, "local": LOCAL_HELP})
def show(c, ref="HEAD", local=False):
    """Print the commit's release manifest; exit 1 when CI has not built it."""
    from awsenv.gitinfo import head_sha
    from awsenv.sessions import EnvSession
    from release import manifest as releases

    cfg = config()
    with user_errors():
        found = releases.require_manifest(EnvSession(cfg, "operations", local=local), head_sha(ref=ref))
    print(found.to_json(), end="")


@task(
    help={
        "env": "environment to promote to: staging or prod",
        "ref": REF_HELP + "; prod accepts only the commit tagged staging on the remote",
        "local": LOCAL_HELP + " (for the manifest check; git still pushes to --remote)",
        "remote": "git remote to push the tag to (default origin)",
        "dry_run": DRY_RUN_HELP,
    }
)
def promote(c, env, ref="HEAD", local=False, remote="origin", dry_run=False):
    """Promote a built commit: `git tag -f ENV SHA` + `git push -f REMOTE ENV` (starts deploy.yml)."""
    from awsenv.sessions import EnvSession
    from release import promote as promotion

    required("env", env, "--env=staging (or prod)")
    cfg = config()
    with user_errors():
        planned = promotion.plan(EnvSession(cfg, "operations", local=local), env, ref or "HEAD", remote=remote)
        if dry_run:
            for command in planned.commands:
                print(" ".join(command))
            return
        promotion.execute(planned)
    print(planned.summary(remote))
