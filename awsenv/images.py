"""Images the project does not build: the Hugging Face PyTorch training image (transformer family).

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


def huggingface_training_image(region: str, instance_type: str = HF_REFERENCE_INSTANCE_TYPE) -> str:
    """The pinned Hugging Face PyTorch training image URI in `region`."""
    from awsenv.sagemaker_sdk import import_sagemaker_sdk, sdk_environment

    import_sagemaker_sdk(region)
    with sdk_environment(region):  # the SDK runs with no outside call
        from sagemaker.core import image_uris

        return _retrieve(image_uris, region, instance_type)


def _retrieve(image_uris, region: str, instance_type: str) -> str:
    try:
        return image_uris.retrieve(
            "huggingface",
            region=region,
            version=HF_TRANSFORMERS_VERSION,
            base_framework_version=HF_PYTORCH_VERSION,
            py_version=HF_PY_VERSION,
            instance_type=instance_type,
            image_scope="training",
        )
    except ValueError as error:
        raise UserError(
            f"Hugging Face training image: none for region '{region}' / instance type '{instance_type}' "
            f"({str(error).splitlines()[0]}); use a region and GPU instance type the SageMaker SDK lists"
        ) from None


def huggingface_training_repository(region: str) -> dict[str, str]:
    """Registry account and repository name of that image in `region` (for the IAM policy)."""
    registry, _, path = huggingface_training_image(region).partition("/")
    return {"account_id": registry.split(".", 1)[0], "name": path.split(":", 1)[0]}
