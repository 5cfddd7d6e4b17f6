"""Images the project does not build: the Hugging Face PyTorch training and inference images
(transformer family).

The versions are pinned here and the URI comes from the SageMaker SDK's image table (no AWS
call, works offline), so the pipeline definition (training_pipeline/families.py) and the IAM
policy that lets the SageMaker role pull the image (terraform/main, through
`terraform_vars.main_variables`) name the same registry account and repository.
"""

from __future__ import annotations

from awsenv.errors import UserError

# Transformers / PyTorch / Python of the training image, as the SDK's table names them.
HF_TRANSFORMERS_VERSION = "4.56.2"
HF_PYTORCH_VERSION = "pytorch2.8.0"
HF_PY_VERSION = "py312"
HF_REFERENCE_INSTANCE_TYPE = "ml.g5.xlarge"  # the training images are GPU builds
# The inference image (the SDK's table has no inference image for 4.56.2; 4.51.3 loads what it saves).
HF_INFERENCE_TRANSFORMERS_VERSION = "4.51.3"
HF_INFERENCE_PYTORCH_VERSION = "pytorch2.6.0"
HF_INFERENCE_REFERENCE_INSTANCE_TYPE = "ml.m5.large"  # a CPU endpoint: the image's CPU build


def huggingface_training_image(region: str, instance_type: str = HF_REFERENCE_INSTANCE_TYPE) -> str:
    """The pinned Hugging Face PyTorch training image URI in `region`."""
    from awsenv.sagemaker_sdk import import_sagemaker_sdk, sdk_environment

    import_sagemaker_sdk(region)
    with sdk_environment(region):  # the SDK runs with no outside call
        from sagemaker.core import image_uris

        return _retrieve(image_uris, region, instance_type, "training")


def huggingface_inference_image(region: str, instance_type: str = HF_INFERENCE_REFERENCE_INSTANCE_TYPE) -> str:
    """The pinned Hugging Face PyTorch inference image URI in `region` (CPU or GPU build per instance type)."""
    from awsenv.sagemaker_sdk import import_sagemaker_sdk, sdk_environment

    import_sagemaker_sdk(region)
    with sdk_environment(region):
        from sagemaker.core import image_uris

        return _retrieve(image_uris, region, instance_type, "inference")


def _retrieve(image_uris, region: str, instance_type: str, scope: str) -> str:
    versions = {
        "training": (HF_TRANSFORMERS_VERSION, HF_PYTORCH_VERSION),
        "inference": (HF_INFERENCE_TRANSFORMERS_VERSION, HF_INFERENCE_PYTORCH_VERSION),
    }[scope]
    try:
        return image_uris.retrieve(
            "huggingface",
            region=region,
            version=versions[0],
            base_framework_version=versions[1],
            py_version=HF_PY_VERSION,
            instance_type=instance_type,
            image_scope=scope,
        )
    except ValueError as error:
        raise UserError(
            f"Hugging Face {scope} image: none for region '{region}' / instance type '{instance_type}' "
            f"({str(error).splitlines()[0]}); use a region and instance type the SageMaker SDK lists"
        ) from None


def huggingface_training_repository(region: str) -> dict[str, str]:
    """Registry account and repository name of that image in `region` (for the IAM policy)."""
    return _repository(huggingface_training_image(region))


def huggingface_inference_repository(region: str) -> dict[str, str]:
    """Registry account and repository name of the inference image in `region` (for the IAM policy)."""
    return _repository(huggingface_inference_image(region))


def _repository(uri: str) -> dict[str, str]:
    registry, _, path = uri.partition("/")
    return {"account_id": registry.split(".", 1)[0], "name": path.split(":", 1)[0]}
