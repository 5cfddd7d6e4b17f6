"""Gaps the project's own calls hit: SageMaker endpoint updates and domain ids, IAM managed policies."""

from __future__ import annotations

from awsenv.emulator_ext import extension


@extension
def sagemaker_update_endpoint() -> None:
    """SageMaker UpdateEndpoint (moto 5.2 answers NotImplementedError / HTTP 500).

    Like CreateEndpoint in moto, the update completes at once: the endpoint switches to the new
    endpoint config (its variants and data capture), stays InService, and records the request's
    DeploymentConfig as LastDeploymentConfig. Each backend keeps `endpoint_config_history`
    (endpoint name -> config names, oldest first) so tests can see every switch. Errors as on
    AWS: unknown endpoint or config -> ValidationException; an endpoint that is not InService
    cannot be updated.
    """
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    def update_endpoint(self, endpoint_name: str, endpoint_config_name: str, deployment_config=None) -> str:
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is None:
            arn = FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        config = self.describe_endpoint_config(endpoint_config_name)  # ValidationError when unknown
        if endpoint.endpoint_status != "InService":
            raise ValidationError(
                message=f"Cannot update in-progress endpoint '{endpoint.arn}' (status {endpoint.endpoint_status})."
            )
        history = self.__dict__.setdefault("endpoint_config_history", {})
        history.setdefault(endpoint_name, [endpoint.endpoint_config_name]).append(endpoint_config_name)
        endpoint.endpoint_config_name = endpoint_config_name
        endpoint.production_variants = endpoint._process_production_variants(config["ProductionVariants"])
        endpoint.data_capture_config = config.get("DataCaptureConfig") or {}
        if deployment_config:
            endpoint.last_deployment_config = deployment_config
        endpoint.last_modified_time = utcnow()
        endpoint.endpoint_status = "InService"
        return endpoint.arn

    def update_endpoint_response(self) -> ActionResult:
        arn = self.sagemaker_backend.update_endpoint(
            endpoint_name=self._get_param("EndpointName"),
            endpoint_config_name=self._get_param("EndpointConfigName"),
            deployment_config=self._get_param("DeploymentConfig"),
        )
        return ActionResult({"EndpointArn": arn})

    SageMakerModelBackend.update_endpoint = update_endpoint
    SageMakerResponse.update_endpoint = update_endpoint_response


@extension
def sagemaker_create_domain_id() -> None:
    """SageMaker CreateDomain answers with DomainId (moto 5.2 returns only DomainArn and Url).

    AWS returns `DomainId` (e.g. `d-...`), and the Terraform AWS provider uses it as the
    domain's id, so `invoke deploy --local` could not create the Studio domain without it.
    The id is the last segment of the domain's ARN, as on AWS.
    """
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.create_domain

    def create_domain(self, *args, **kwargs):
        response = original(self, *args, **kwargs)
        return {**response, "DomainId": response["DomainArn"].rsplit("/", 1)[1]}

    SageMakerModelBackend.create_domain = create_domain


@extension
def iam_managed_policies_in_the_aws_partition_only() -> None:
    """AWS managed policies (MOTO_IAM_LOAD_MANAGED_POLICIES, set by `invoke emulator.start`)
    are loaded only into the `aws` partition's IAM backends.

    moto builds an IAM backend per account AND per partition (aws, aws-cn, aws-us-gov, ...),
    and each copy of the ~1,600 policies costs ~0.1 s: 30 copies made every emulator start or
    reset take ~4 s. The project's ARNs are `arn:aws:...` (the `aws` partition), so the other
    partitions never need them: this keeps start and reset under a second.
    """
    from moto.iam.models import IAMBackend

    original = IAMBackend._init_aws_policies

    def init_aws_policies(self):
        return original(self) if self.partition == "aws" else []

    IAMBackend._init_aws_policies = init_aws_policies
