"""What `terraform destroy` (and the provider's reads around it) calls that moto lacks."""

from __future__ import annotations

from awsenv.emulator_ext import extension


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
