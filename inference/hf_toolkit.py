"""Our handler behind the Hugging Face inference toolkit (the transformer family's serving image).

A transformer model package names the pinned Hugging Face PyTorch inference image with
`SAGEMAKER_PROGRAM=promote_serving.py` (training_pipeline/families.py). The training step packs
this file as `code/promote_serving.py` into model.tar.gz, beside copies of the modules it uses
(`code/inference/…`, `code/awsenv/…`: training_pipeline/code.py HOSTING_FILES). The toolkit
puts /opt/ml/model/code on sys.path, imports that program and calls, once,
`model_fn(model_dir)`, then per request `transform_fn(model, body, content_type, accept)`.

So the image serves the same contract as ours (JSON or CSV in, label and probabilities out),
and `model_fn` is ours: it checks the extracted files against $MODEL_CONTENT_SHA256 (the
registered digest the deployer sets; with $INFERENCE_REQUIRE_DIGEST=1 a missing digest is
refused) before loading safetensors weights, with no remote code. The toolkit answers every
error with HTTP 400 and sets the response type to the request's Accept header, so send one media
type in Accept on this image.
"""

from __future__ import annotations

from inference import handler


def model_fn(model_dir, context=None):
    """Verify, then load the model (the toolkit's `load`)."""
    return handler.model_fn(model_dir)


def transform_fn(model, input_data, content_type, accept):
    """One request end to end; the toolkit wants the body alone (it sets the content type)."""
    body, _ = handler.transform(model, input_data, content_type, accept)
    return body
