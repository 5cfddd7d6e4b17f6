"""Images: Dockerfiles pinned, non-root, without secrets, installing exactly the locked
versions; `invoke images.build` tags with the commit SHA, prints its commands with --dry-run
and fails in one line without a Docker daemon; no `:latest` anywhere on the deploy path."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import tarfile

import pytest
from invoke import MockContext

from awsenv.gitinfo import head_sha
from release.images import DOCKERFILES
from tests.conftest import TEST_ENVIRON

LATEST = re.compile(r":latest\b", re.IGNORECASE)
DEPLOY_PATHS = ("terraform", ".github", "docker", "training_pipeline", "inference", "release", "awsenv", "commands")
PINNED_BASE = re.compile(
    r"^FROM (?:--platform=\S+ )?[\w./-]+(?::[\w.-]*\d+\.\d+[\w.-]*)(?:@sha256:[0-9a-f]{64})?(?: AS \w+)?$"
)


def latest_references(root, roots=DEPLOY_PATHS, extra=("Makefile", "tasks.py")):
    found = []
    files = [root / name for name in extra]
    for name in roots:
        if (root / name).is_dir():
            files += [
                p
                for p in (root / name).rglob("*")
                if p.is_file() and not {"__pycache__", ".terraform", "node_modules"} & set(p.parts)
            ]
    for path in files:
        try:
            text = path.read_text()
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        found += [f"{path.relative_to(root)}:{n}" for n, line in enumerate(text.splitlines(), 1) if LATEST.search(line)]
    return found


def test_no_latest_tag_on_the_deploy_path(repo_root):
    assert latest_references(repo_root) == []


def test_the_latest_scan_finds_one(tmp_path):
    (tmp_path / "inference").mkdir()
    (tmp_path / "inference" / "deploy.py").write_text('IMAGE = "repo/inference:latest"\n')
    assert latest_references(tmp_path, extra=()) == ["inference/deploy.py:1"]


@pytest.mark.parametrize("image", sorted(DOCKERFILES))
def test_dockerfile_is_pinned_non_root_and_installs_only_its_requirements(repo_root, image):
    lines = [line.strip() for line in (repo_root / DOCKERFILES[image]).read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    bases = [line for line in instructions if line.startswith("FROM ")]
    assert bases and all(PINNED_BASE.match(line) for line in bases), bases
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0"), users
    text = "\n".join(instructions)
    assert "apt-get" not in text and "ADD " not in text
    assert not re.search(r"^(ARG|ENV) .*(SECRET|PASSWORD|TOKEN|ACCESS_KEY)", text, re.MULTILINE | re.IGNORECASE)
    installs = re.findall(r"pip install ([^\\\n&]*)", text)
    assert installs and all("--no-cache-dir --requirement /tmp/requirements.txt" in i for i in installs), installs
    assert f"COPY docker/{image}/requirements.txt /tmp/requirements.txt" in instructions


def _pins(path):
    """name -> version of every `name==version` requirement line (hash and comment lines skipped)."""
    return dict(
        match.groups()
        for line in path.read_text().splitlines()
        if (match := re.match(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", line))
    )


@pytest.mark.parametrize("image", sorted(DOCKERFILES))
def test_image_requirements_are_the_locked_versions(repo_root, image):
    lock = {name.lower(): version for name, version in _pins(repo_root / "requirements" / "requirements.lock").items()}
    pins = _pins(repo_root / "docker" / image / "requirements.txt")
    assert pins and {name: lock.get(name.lower()) for name in pins} == pins
    needs = {"training": {"scikit-learn", "joblib", "boto3"}, "inference": {"scikit-learn", "joblib"}}
    assert needs.get(image, {"boto3"}) <= set(pins)


def test_dockerignore_sends_only_the_code(repo_root):
    lines = (repo_root / ".dockerignore").read_text().splitlines()
    assert lines[lines.index("*")] == "*" and "!.env" not in lines and "!.git" not in lines


# ---- invoke images.build --------------------------------------------------------------------------


@pytest.fixture
def env_file(tmp_path):
    path = tmp_path / ".env"
    path.write_text("".join(f"{k}={v}\n" for k, v in TEST_ENVIRON.items()))
    return path


def run_invoke(repo_root, env_file, *args, path_prefix=None):
    env = {k: v for k, v in os.environ.items() if k not in TEST_ENVIRON}
    env["PROMOTE_ENV_FILE"] = str(env_file)
    if path_prefix:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=repo_root, env=env, capture_output=True, text=True, timeout=60
    )


def test_dry_run_prints_login_build_and_push_tagged_with_the_commit(repo_root, env_file):
    result = run_invoke(repo_root, env_file, "images.build", "--push", "--dry-run")
    assert result.returncode == 0, result.stderr
    sha = head_sha(repo_root)
    registry = "100000000001.dkr.ecr.eu-west-1.amazonaws.com"
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == f"docker login --username AWS --password-stdin {registry}  # password from ecr:GetAuthorizationToken on stdin"
    )
    for index, image in enumerate(("training", "inference", "lambda")):
        uri = f"{registry}/promote-test/{image}:{sha}"
        assert lines[1 + 2 * index] == (
            f"docker build --file docker/{image}/Dockerfile --tag {uri} --label org.opencontainers.image.revision={sha} "
            "--label org.opencontainers.image.source=https://github.com/example-org/example-repo ."
        )
        assert lines[2 + 2 * index] == f"docker push {uri}"
    assert len(lines) == 7


def test_without_a_docker_daemon_the_build_fails_in_one_line(repo_root, env_file, tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    docker = fake / "docker"
    docker.write_text(
        "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2\nexit 1\n"
    )
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    result = run_invoke(repo_root, env_file, "images.build", "--image", "lambda", path_prefix=fake)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: docker: the Docker daemon is not available (Cannot connect to the Docker daemon at unix:///var/run/docker.sock.); "
        "images are built in GitHub Actions (build.yml): use --dry-run to print the commands, or --local to record placeholder images in the emulator"
    ]


def test_unknown_image_is_one_line(repo_root, env_file):
    result = run_invoke(repo_root, env_file, "images.build", "--image", "gpu", "--dry-run")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: image: 'gpu' is not an image; use one of: training, inference, lambda"


def test_build_and_push_run_in_order_with_the_password_on_stdin(repo_root, env_file, monkeypatch):
    from commands import images as tasks
    from release import images

    monkeypatch.setenv("PROMOTE_ENV_FILE", str(env_file))
    monkeypatch.setattr(images, "ecr_password", lambda cfg: "secret-pw")
    monkeypatch.setattr(images, "require_clean_tree", lambda: None)
    ctx = MockContext(run=True)
    tasks.build(ctx, push=True, image="inference")
    calls = ctx.run.call_args_list
    assert [call.args[0].split()[:2] for call in calls] == [
        ["docker", "info"],
        ["docker", "login"],
        ["docker", "build"],
        ["docker", "push"],
    ]
    assert calls[1].kwargs["in_stream"].read() == "secret-pw" and "secret-pw" not in calls[1].args[0]


def test_push_refuses_a_dirty_working_tree(tmp_path, monkeypatch):
    from awsenv.errors import UserError
    from release.images import require_clean_tree

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    (tmp_path / "a.py").write_text("x = 1\n")
    subprocess.run(["git", "add", "a.py"], cwd=tmp_path, check=True)
    with pytest.raises(
        UserError, match=r"^git: the working tree has uncommitted changes \(A  a.py\); images are tagged"
    ):
        require_clean_tree(tmp_path)


# ---- docker/training/train: SageMaker script mode inside the training image ------------------------


def _opt_ml(tmp_path, hyperparameters, channels=("train",)):
    root = tmp_path / "opt-ml"
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    (root / "input" / "config" / "inputdataconfig.json").write_text(json.dumps({name: {} for name in channels}))
    return root


def _run_train(repo_root, root):
    env = {**os.environ, "OPT_ML_ROOT": str(root), "PYTHONPATH": str(repo_root)}  # the image's PYTHONPATH
    return subprocess.run(
        [sys.executable, str(repo_root / "docker" / "training" / "train")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_train_launcher_runs_the_submitted_entry_point(repo_root, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "fit.py").write_text(
        "import json, os, sys\n"
        "out = {'argv': sys.argv[1:], 'train': os.environ['SM_CHANNEL_TRAIN'], 'hps': json.loads(os.environ['SM_HPS'])}\n"
        "open(os.path.join(os.environ['SM_MODEL_DIR'], 'model.json'), 'w').write(json.dumps(out))\n"
    )
    archive = tmp_path / "sourcedir.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source / "fit.py", arcname="fit.py")
    root = _opt_ml(
        tmp_path,
        {
            "sagemaker_program": '"fit.py"',
            "sagemaker_submit_directory": json.dumps(str(archive)),
            "C": "4.0",
            "ngram_max": "2",
        },
    )
    result = _run_train(repo_root, root)
    assert result.returncode == 0, result.stderr
    assert json.loads((root / "model" / "model.json").read_text()) == {
        "argv": ["--C", "4.0", "--ngram_max", "2"],
        "train": str(root / "input" / "data" / "train"),
        "hps": {"C": 4.0, "ngram_max": 2},
    }


def test_train_launcher_reports_setup_failures_to_sagemaker(repo_root, tmp_path):
    root = _opt_ml(tmp_path, {"C": "4.0"})
    result = _run_train(repo_root, root)
    assert result.returncode == 1
    assert (root / "output" / "failure").read_text().startswith("train: ScriptModeError: no sagemaker_program")
