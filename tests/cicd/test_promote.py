"""Promotion against a temporary git repository with a bare remote: the tag is created and
moved, a commit without a release manifest is refused, and prod accepts only the commit the
remote tags `staging`."""

from __future__ import annotations

import subprocess

import pytest

from awsenv.errors import UserError
from awsenv.sessions import EnvSession
from release import images, manifest, promote
from release.manifest import IMAGES


def operations(cfg):
    """The operations account on the emulator (where the release manifests live)."""
    return EnvSession(cfg, "operations", local=True)


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A clone with two commits on main, pushed to a bare `origin`."""
    for key, value in {
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }.items():
        monkeypatch.setenv(key, value)
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    git(tmp_path, "init", "--quiet", "-b", "main", str(work))
    for n in (1, 2):
        git(work, "commit", "--quiet", "--allow-empty", "-m", f"commit {n}")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "--quiet", "origin", "main")
    return work


def release(cfg, commit):
    """What build.yml does for a commit: images in ECR, then the manifest."""
    images.register_placeholders(cfg, commit, IMAGES)
    manifest.write_manifest(operations(cfg), manifest.build_manifest(operations(cfg), commit, pipeline_hashes={}))


def promote_to(cfg, repo, env, ref="HEAD"):
    planned = promote.plan(operations(cfg), env, ref, repo=repo)
    promote.execute(planned, repo=repo)
    return planned


def remote_tag(repo, tag):
    return promote.remote_tag(repo, "origin", tag)


def test_staging_tag_is_created_then_moved(emulator, repo):
    first, second = git(repo, "rev-parse", "HEAD~1"), git(repo, "rev-parse", "HEAD")
    release(emulator, first)
    release(emulator, second)

    planned = promote_to(emulator, repo, "staging", "HEAD~1")
    assert remote_tag(repo, "staging") == first == git(repo, "rev-parse", "staging")
    assert (
        planned.summary("origin")
        == f"promote: origin/staging -> {first[:12]} (new tag); deploy.yml deploys it to staging"
    )
    assert planned.commands == [
        ["git", "tag", "-f", "staging", first],
        ["git", "push", "-f", "origin", "refs/tags/staging"],
    ]

    planned = promote_to(emulator, repo, "staging")
    assert remote_tag(repo, "staging") == second
    assert f"(was {first[:12]})" in planned.summary("origin")
    assert promote.plan(operations(emulator), "staging", repo=repo).summary("origin").endswith("nothing to deploy")


def test_a_commit_without_manifest_is_refused(emulator, repo):
    with pytest.raises(
        UserError, match=r"^release: commit [0-9a-f]{12} has no release manifest .*images were not built"
    ):
        promote.plan(operations(emulator), "staging", repo=repo)
    assert remote_tag(repo, "staging") is None


def test_prod_only_from_the_commit_tagged_staging_on_the_remote(emulator, repo):
    first, second = git(repo, "rev-parse", "HEAD~1"), git(repo, "rev-parse", "HEAD")
    release(emulator, first)
    release(emulator, second)

    with pytest.raises(UserError, match=r"^prod: remote 'origin' has no 'staging' tag; promote"):
        promote.plan(operations(emulator), "prod", repo=repo)

    promote_to(emulator, repo, "staging", "HEAD~1")
    with pytest.raises(UserError) as error:
        promote.plan(operations(emulator), "prod", "HEAD", repo=repo)
    assert str(error.value) == (
        f"prod: HEAD ({second[:12]}) is not the commit tagged staging on 'origin' ({first[:12]}); "
        f"promote it to staging first, or promote the staging commit (--ref={first[:12]})"
    )
    git(repo, "tag", "-f", "staging", second)  # a local tag that was never pushed does not count
    with pytest.raises(UserError, match="is not the commit tagged staging on 'origin'"):
        promote.plan(operations(emulator), "prod", "HEAD", repo=repo)

    promote_to(emulator, repo, "prod", first)
    assert remote_tag(repo, "prod") == first


def test_dev_and_unknown_envs_are_not_promoted(emulator, repo):
    with pytest.raises(UserError, match=r"^env: 'dev' is not promoted by a tag; use staging or prod"):
        promote.plan(operations(emulator), "dev", repo=repo)
    with pytest.raises(UserError, match=r"^git: 'nope' is not a commit"):
        promote.plan(operations(emulator), "staging", "nope", repo=repo)


def test_an_unknown_remote_is_one_line(emulator, repo):
    release(emulator, git(repo, "rev-parse", "HEAD"))
    with pytest.raises(UserError) as error:
        promote.plan(operations(emulator), "staging", repo=repo, remote="upstream")
    assert str(error.value).startswith("git: cannot read the tags of remote 'upstream' (fatal: ")
    assert "\n" not in str(error.value)


def test_annotated_staging_tag_is_peeled(emulator, repo):
    head = git(repo, "rev-parse", "HEAD")
    release(emulator, head)
    git(repo, "tag", "-a", "-m", "staging", "staging", head)
    git(repo, "push", "--quiet", "origin", "staging")
    assert remote_tag(repo, "staging") == head
    assert promote.plan(operations(emulator), "prod", repo=repo).commit == head
