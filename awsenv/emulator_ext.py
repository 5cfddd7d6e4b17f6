"""Fill moto's gaps, in one place, for the emulator process and the test fixtures.

Each gap is one function decorated with `@extension`; `install()` applies them all, once,
to this process's moto backends. Each says which AWS behaviour it emulates and why moto
needs it. Product code never knows whether it talks to AWS or to this.
"""

from __future__ import annotations

from collections.abc import Callable

_EXTENSIONS: dict[str, Callable[[], None]] = {}
_INSTALLED: set[str] = set()


def extension(function: Callable[[], None]) -> Callable[[], None]:
    """Register a moto patch to be applied by `install()`."""
    _EXTENSIONS[function.__name__] = function
    return function


def install() -> None:
    """Apply every registered extension to this process's moto backends (idempotent)."""
    for name, function in _EXTENSIONS.items():
        if name not in _INSTALLED:
            function()
            _INSTALLED.add(name)


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


# ---- values the Terraform AWS provider reads back (a second plan must show no changes) ------


@extension
def kms_key_rotation_period() -> None:
    """KMS EnableKeyRotation keeps `RotationPeriodInDays`; GetKeyRotationStatus answers with it.

    moto 5.2 drops the period, so the provider read `rotation_period_in_days = 0` and planned
    0 -> 365 after every apply (and waited ~10 s for the period to "propagate"). As on AWS, the
    period defaults to 365 days and is reported only while rotation is enabled.
    """
    import json

    from moto.kms.responses import KmsResponse

    original_enable = KmsResponse.enable_key_rotation

    def enable_key_rotation(self) -> str:
        response = original_enable(self)
        key = self.kms_backend.describe_key(self._get_param("KeyId"))
        key.rotation_period_in_days = int(self._get_param("RotationPeriodInDays") or 365)
        return response

    def get_key_rotation_status(self) -> str:
        key_id = self._get_param("KeyId")
        self._validate_cmk_id(key_id)
        key = self.kms_backend.describe_key(key_id)
        status = {"KeyRotationEnabled": key.key_rotation_status, "KeyId": key.id}
        if key.key_rotation_status:
            status["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", 365)
        return json.dumps(status)

    KmsResponse.enable_key_rotation = enable_key_rotation
    KmsResponse.get_key_rotation_status = get_key_rotation_status


@extension
def lambda_dead_letter_and_image_config() -> None:
    """Lambda keeps `DeadLetterConfig` and reports `ImageConfigResponse` only when one was set.

    moto 5.2 forgets the dead-letter target and answers every image function with an empty
    `ImageConfig` (`Command: [], EntryPoint: []`), so the provider planned to add the DLQ and
    to remove the empty image config after every apply. GetFunction now answers as AWS does.
    """
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_configuration = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def init(self, account_id, spec, *args, **kwargs):
        original_init(self, account_id, spec, *args, **kwargs)
        self.dead_letter_config = spec.get("DeadLetterConfig") or {}

    def get_configuration(self, on_create: bool = False) -> dict:
        config = original_configuration(self, on_create)
        image = config.get("ImageConfigResponse", {}).get("ImageConfig", {})
        image = {key: value for key, value in image.items() if value}
        if "ImageConfigResponse" in config:
            config["ImageConfigResponse"] = {"ImageConfig": image}
            if not image:
                del config["ImageConfigResponse"]
        if getattr(self, "dead_letter_config", {}).get("TargetArn"):
            config["DeadLetterConfig"] = dict(self.dead_letter_config)
        return config

    def update_configuration(self, config_updates: dict) -> dict:
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_config = config_updates["DeadLetterConfig"] or {}
        return original_update(self, config_updates)

    LambdaFunction.__init__ = init
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration


@extension
def lambda_create_function_replay() -> None:
    """A CreateFunction repeated by its caller, unchanged, answers as the first one did.

    Three applies at once against one emulator: the emulator completed a create (201 in its
    log) whose answer the provider never read; the SDK sent the request again and moto answered
    409 "Function already exist", a ResourceConflictException that the provider retries until its
    10-minute create timeout. An identical request (same body, same credentials) for a function
    unchanged since its creation now gets the creation's answer; any other create of an
    existing name still gets 409.
    """
    import json

    from moto.awslambda.exceptions import UnknownFunctionException
    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.responses import LambdaResponse

    original_create = LambdaResponse.create_function

    def create_function(self):
        name = self.json_body["FunctionName"].rsplit(":", 1)[-1]
        request = (self.get_access_key(), json.dumps(self.json_body, sort_keys=True))
        try:
            existing = self.backend.get_function(name, None)
        except UnknownFunctionException:
            answer = original_create(self)
            self.backend.get_function(name, None).created_by_request = request
            return answer
        if getattr(existing, "created_by_request", None) != request:
            return original_create(self)  # 409, as AWS answers
        return 201, {"status": 201}, json.dumps(existing.get_configuration(on_create=True))

    def forgetting(method):
        def changed(self, *args, **kwargs):
            self.created_by_request = None
            return method(self, *args, **kwargs)

        return changed

    LambdaResponse.create_function = create_function
    LambdaFunction.update_configuration = forgetting(LambdaFunction.update_configuration)
    LambdaFunction.update_function_code = forgetting(LambdaFunction.update_function_code)


@extension
def sagemaker_domain_tag_propagation() -> None:
    """SageMaker DescribeDomain reports `TagPropagation` (moto 5.2 drops it).

    The provider sends it on CreateDomain (default `DISABLED`, as on AWS) and planned to set
    it again after every apply because the emulator never echoed it.
    """
    from moto.sagemaker.models import Domain
    from moto.sagemaker.responses import SageMakerResponse

    original_create = SageMakerResponse.create_domain
    original_describe = Domain.describe

    def create_domain(self):
        result = original_create(self)
        name, propagation = self._get_param("DomainName"), self._get_param("TagPropagation")
        for domain in self.sagemaker_backend.domains.values():
            if domain.domain_name == name:
                domain.tag_propagation = propagation or "DISABLED"
        return result

    def describe(self) -> dict:
        return {**original_describe(self), "TagPropagation": getattr(self, "tag_propagation", "DISABLED")}

    SageMakerResponse.create_domain = create_domain
    Domain.describe = describe


# ---- what `terraform destroy` calls ----------------------------------------------------------


@extension
def sagemaker_delete_model_package_group() -> None:
    """SageMaker DeleteModelPackageGroup (moto 5.2 answers HTTP 500: not implemented).

    As on AWS: an unknown group is a ValidationException "... does not exist" (what the provider
    treats as already deleted), and a group that still holds model packages cannot be deleted.
    """
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    def delete_model_package_group(self, model_package_group_name: str) -> None:
        group = self.describe_model_package_group(model_package_group_name)  # ValidationError when unknown
        packages = [p for p in self.model_packages.values() if p.model_package_group_name == model_package_group_name]
        if packages:
            raise ValidationError(message=f"Model package group {group.arn} still has {len(packages)} model packages.")
        del self.model_package_groups[model_package_group_name]

    def delete_model_package_group_response(self) -> ActionResult:
        self.sagemaker_backend.delete_model_package_group(self._get_param("ModelPackageGroupName"))
        return ActionResult({})

    SageMakerModelBackend.delete_model_package_group = delete_model_package_group
    SageMakerResponse.delete_model_package_group = delete_model_package_group_response


@extension
def sagemaker_missing_domain_is_resource_not_found() -> None:
    """DescribeDomain of an unknown (e.g. just deleted) domain answers ResourceNotFound, as AWS does.

    moto 5.2 answers ValidationException, so the provider, which waits for ResourceNotFound after
    DeleteDomain, reported the deleted Studio domain as an error.
    """
    from moto.sagemaker.exceptions import ResourceNotFound
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.describe_domain

    def describe_domain(self, domain_id: str) -> dict:
        if domain_id not in self.domains:
            raise ResourceNotFound(message=f"Domain {domain_id} not found.")
        return original(self, domain_id)

    SageMakerModelBackend.describe_domain = describe_domain


@extension
def sagemaker_update_model_package_changes_only_what_it_names() -> None:
    """UpdateModelPackage changes only the fields the request names.

    moto 5.2 overwrites the approval status, its description and CustomerMetadataProperties
    with the request's values, None included: approving a package (which sends only
    ModelApprovalStatus) erased the artifact digests recorded at registration, and updating
    only the metadata cleared the approval. On AWS the given properties are added or updated,
    the others kept, CustomerMetadataPropertiesToRemove removes keys, and a status or
    description not given stays as it was.
    """
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.update_model_package

    def update_model_package(self, model_package_arn, model_approval_status, approval_description,
                             customer_metadata_properties, customer_metadata_properties_to_remove,
                             additional_inference_specifications_to_add):  # fmt: skip
        package = self.model_packages.get(self.model_package_name_mapping.get(model_package_arn, model_package_arn))
        if package is not None:
            model_approval_status = model_approval_status or package.model_approval_status
            approval_description = approval_description or package.approval_description
            kept = dict(package.customer_metadata_properties or {})
            customer_metadata_properties = {**kept, **(customer_metadata_properties or {})}
        return original(self, model_package_arn, model_approval_status, approval_description,
                        customer_metadata_properties, customer_metadata_properties_to_remove,
                        additional_inference_specifications_to_add)  # fmt: skip

    SageMakerModelBackend.update_model_package = update_model_package


@extension
def budgets_describe_subscribers_for_notification() -> None:
    """Budgets DescribeSubscribersForNotification (moto 5.2 answers HTTP 500: not implemented).

    The Terraform provider reads each budget notification's subscribers after creating it. moto
    already stores them with the notification; this answers with them. A notification is the
    same one when its type, comparison operator, threshold and threshold type agree (as on AWS,
    where those four fields identify it). Unknown budget or notification -> NotFoundException.
    """
    import json

    from moto.budgets.exceptions import NotFoundException
    from moto.budgets.responses import BudgetsResponse

    def key(details: dict) -> tuple:
        return (
            details.get("NotificationType"),
            details.get("ComparisonOperator"),
            float(details.get("Threshold", 0)),
            details.get("ThresholdType", "PERCENTAGE"),
        )

    def describe_subscribers_for_notification(self) -> str:
        account_id, name = self._get_param("AccountId"), self._get_param("BudgetName")
        budget = self.backend.budgets[account_id].get(name)
        if budget is None:
            raise NotFoundException(f"Unable to get notification subscribers - the budget {name} doesn't exist.")
        wanted = key(self._get_param("Notification") or {})
        for notification in budget.notifications:
            if key(notification.details) == wanted:
                return json.dumps({"Subscribers": notification.subscribers, "NextToken": None})
        raise NotFoundException(f"Unable to get notification subscribers - the notification of {name} doesn't exist.")

    BudgetsResponse.describe_subscribers_for_notification = describe_subscribers_for_notification


@extension
def budgets_resource_tags() -> None:
    """Budgets tags: CreateBudget's `ResourceTags`, TagResource, UntagResource, ListTagsForResource
    (moto 5.2 ignores the first and answers HTTP 500 for the others).

    The Terraform provider tags every budget (default_tags) and lists the tags after each create
    and read. Tags are kept per budget ARN (`arn:aws:budgets::<account>:budget/<name>`) in the
    account's backend; deleting the budget forgets them.
    """
    import json

    from moto.budgets.models import BudgetsBackend
    from moto.budgets.responses import BudgetsResponse

    def tags_of(backend) -> dict:
        return backend.__dict__.setdefault("resource_tags", {})

    def arn(account_id: str, name: str) -> str:
        return f"arn:aws:budgets::{account_id}:budget/{name}"

    original_create, original_delete = BudgetsResponse.create_budget, BudgetsBackend.delete_budget

    def create_budget(self) -> str:
        response = original_create(self)
        budget = self._get_param("Budget") or {}
        tags = {t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []}
        tags_of(self.backend)[arn(self._get_param("AccountId"), budget.get("BudgetName"))] = tags
        return response

    def delete_budget(self, account_id: str, budget_name: str) -> None:
        original_delete(self, account_id, budget_name)
        tags_of(self).pop(arn(account_id, budget_name), None)

    def tag_resource(self) -> str:
        tags = tags_of(self.backend).setdefault(self._get_param("ResourceARN"), {})
        tags.update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []})
        return json.dumps({})

    def untag_resource(self) -> str:
        tags = tags_of(self.backend).setdefault(self._get_param("ResourceARN"), {})
        for key in self._get_param("ResourceTagKeys") or []:
            tags.pop(key, None)
        return json.dumps({})

    def list_tags_for_resource(self) -> str:
        tags = tags_of(self.backend).get(self._get_param("ResourceARN"), {})
        return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})

    BudgetsResponse.create_budget = create_budget
    BudgetsBackend.delete_budget = delete_budget
    BudgetsResponse.tag_resource = tag_resource
    BudgetsResponse.untag_resource = untag_resource
    BudgetsResponse.list_tags_for_resource = list_tags_for_resource
