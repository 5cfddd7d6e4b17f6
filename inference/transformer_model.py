"""The transformer family behind the hosting handler: a fine-tuned Hugging Face sequence classifier.

`inference.handler.model_fn` reads metadata.json and, for `"family": "transformer"`, calls
`load(model_dir, metadata)` here. The result quacks like the scikit-learn pipeline the
handler already drives (`classes_`, `predict_proba(texts)`), so `predict_fn`/`output_fn` and the
request/response contract (JSON or CSV in, label and probabilities out) stay the same.
Weights are read from safetensors only and no remote code is run. torch and transformers are
imported here, on first use: install them with `make bootstrap EXTRAS=transformer`.
"""

from __future__ import annotations

from pathlib import Path

BATCH_SIZE = 32


class TransformerClassifier:
    """Tokenizer + sequence-classification model; `predict_proba` returns one row per text."""

    def __init__(self, tokenizer, model, labels: list[str], max_length: int):
        self.tokenizer, self.model = tokenizer, model
        self.classes_ = list(labels)
        self.max_length = max_length

    def predict_proba(self, texts: list[str]) -> list[list[float]]:
        import torch

        rows: list[list[float]] = []
        with torch.no_grad():
            for start in range(0, len(texts), BATCH_SIZE):
                batch = self.tokenizer(
                    list(texts[start : start + BATCH_SIZE]),
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                ).to(self.model.device)
                rows += torch.softmax(self.model(**batch).logits.float(), dim=-1).tolist()
        return rows


def missing_dependency_message(error: ImportError) -> str:
    return (
        f"transformer model: {error.name or 'torch/transformers'} is not installed; "
        "install the transformer extra (`make bootstrap EXTRAS=transformer`) to load this model"
    )


def load(model_dir: str | Path, metadata: dict) -> TransformerClassifier:
    """Load the model saved by the transformer training step from an extracted model.tar.gz."""
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError as error:
        raise RuntimeError(missing_dependency_message(error)) from None

    model_dir = Path(model_dir)
    labels = [str(label) for label in metadata["labels"]]
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, use_safetensors=True, trust_remote_code=False)
    if model.config.num_labels != len(labels):
        raise ValueError(
            f"transformer model: {model_dir} has {model.config.num_labels} outputs but metadata.json "
            f"lists {len(labels)} labels; the artifact is inconsistent, retrain it"
        )
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    return TransformerClassifier(tokenizer, model.to(device).eval(), labels, int(metadata.get("max_length", 256)))
