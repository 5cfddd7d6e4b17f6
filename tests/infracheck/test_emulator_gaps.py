"""Values the Terraform AWS provider reads back, filled by awsenv.emulator_ext (a second plan is empty)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from awsenv.sessions import aws_session


def test_kms_rotation_period_is_kept_and_reported_while_rotation_is_on(emulator):
    kms = aws_session(emulator, "dev", local=True).client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert "RotationPeriodInDays" not in kms.get_key_rotation_status(KeyId=key)
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
    assert kms.get_key_rotation_status(KeyId=key)["RotationPeriodInDays"] == 180
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=other)
    assert kms.get_key_rotation_status(KeyId=other)["RotationPeriodInDays"] == 365  # AWS's default


def _image_function(session, name: str, **extra):
    iam = session.client("iam")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return session.client("lambda").create_function(
        FunctionName=name,
        Role=role,
        PackageType="Image",
        Code={"ImageUri": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/lambda:" + "a" * 40},
        **extra,
    )


def test_lambda_keeps_its_dead_letter_target_and_reports_no_empty_image_config(emulator):
    session = aws_session(emulator, "dev", local=True)
    target = "arn:aws:sqs:eu-west-1:222222222222:dlq"
    _image_function(session, "with-dlq", DeadLetterConfig={"TargetArn": target})
    configuration = session.client("lambda").get_function_configuration(FunctionName="with-dlq")
    assert configuration["DeadLetterConfig"] == {"TargetArn": target}
    assert "ImageConfigResponse" not in configuration
    session.client("lambda").update_function_configuration(FunctionName="with-dlq", DeadLetterConfig={})
    assert "DeadLetterConfig" not in session.client("lambda").get_function_configuration(FunctionName="with-dlq")


def test_lambda_reports_the_image_config_that_was_set(emulator):
    session = aws_session(emulator, "dev", local=True)
    _image_function(session, "with-command", ImageConfig={"Command": ["app.handler"]})
    configuration = session.client("lambda").get_function_configuration(FunctionName="with-command")
    assert configuration["ImageConfigResponse"] == {"ImageConfig": {"Command": ["app.handler"]}}


def test_studio_domain_reports_its_tag_propagation(emulator):
    sm = aws_session(emulator, "dev", local=True).client("sagemaker")
    common = {
        "AuthMode": "IAM",
        "DefaultUserSettings": {"ExecutionRole": emulator.sagemaker_role_arn("dev")},
        "SubnetIds": ["subnet-1"],
        "VpcId": "vpc-1",
    }
    default = sm.create_domain(DomainName="tags-default", **common)["DomainId"]
    enabled = sm.create_domain(DomainName="tags-enabled", TagPropagation="ENABLED", **common)["DomainId"]
    assert sm.describe_domain(DomainId=default)["TagPropagation"] == "DISABLED"
    assert sm.describe_domain(DomainId=enabled)["TagPropagation"] == "ENABLED"


def test_model_package_group_can_be_deleted_once_empty(emulator):
    sm = aws_session(emulator, "dev", local=True).client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="empty-group")
    sm.delete_model_package_group(ModelPackageGroupName="empty-group")
    with pytest.raises(ClientError, match="does not exist"):
        sm.describe_model_package_group(ModelPackageGroupName="empty-group")
    with pytest.raises(ClientError, match="does not exist"):
        sm.delete_model_package_group(ModelPackageGroupName="empty-group")


def test_a_deleted_studio_domain_is_resource_not_found(emulator):
    sm = aws_session(emulator, "dev", local=True).client("sagemaker")
    with pytest.raises(ClientError) as missing:
        sm.describe_domain(DomainId="d-missing")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFound"


def test_budget_notification_subscribers_are_answered_and_an_unknown_notification_is_not_found(emulator):
    session = aws_session(emulator, "dev", local=True)
    budgets, account = session.client("budgets"), emulator.accounts["dev"]
    notification = {
        "NotificationType": "ACTUAL",
        "ComparisonOperator": "GREATER_THAN",
        "Threshold": 80.0,
        "ThresholdType": "PERCENTAGE",
    }
    subscribers = [{"SubscriptionType": "SNS", "Address": f"arn:aws:sns:eu-west-1:{account}:alerts"}]
    budgets.create_budget(
        AccountId=account,
        Budget={
            "BudgetName": "monthly",
            "BudgetLimit": {"Amount": "50", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
        NotificationsWithSubscribers=[{"Notification": notification, "Subscribers": subscribers}],
    )
    found = budgets.describe_subscribers_for_notification(
        AccountId=account, BudgetName="monthly", Notification=notification
    )
    assert found["Subscribers"] == subscribers
    with pytest.raises(ClientError, match="NotFound"):
        budgets.describe_subscribers_for_notification(
            AccountId=account, BudgetName="monthly", Notification={**notification, "Threshold": 100.0}
        )


def test_budget_tags_are_kept_changed_and_forgotten_with_the_budget(emulator):
    budgets, account = aws_session(emulator, "dev", local=True).client("budgets"), emulator.accounts["dev"]
    budget = {"BudgetName": "tagged", "BudgetLimit": {"Amount": "50", "Unit": "USD"}, "TimeUnit": "MONTHLY"}
    budgets.create_budget(
        AccountId=account, Budget={**budget, "BudgetType": "COST"}, ResourceTags=[{"Key": "Project", "Value": "p"}]
    )
    arn = f"arn:aws:budgets::{account}:budget/tagged"
    assert budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == [{"Key": "Project", "Value": "p"}]
    budgets.tag_resource(ResourceARN=arn, ResourceTags=[{"Key": "Environment", "Value": "dev"}])
    budgets.untag_resource(ResourceARN=arn, ResourceTagKeys=["Project"])
    assert budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == [{"Key": "Environment", "Value": "dev"}]
    budgets.delete_budget(AccountId=account, BudgetName="tagged")
    assert budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == []


def _create_request(session, name: str) -> dict:
    role = session.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    image = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/lambda:" + "a" * 40
    return {"FunctionName": name, "Role": role, "PackageType": "Image", "Code": {"ImageUri": image}, "Timeout": 30}


def test_lambda_create_repeated_by_its_caller_gets_the_first_answer(emulator):
    """A create whose 201 the caller never read, sent again, must not answer 409 until the timeout."""
    session = aws_session(emulator, "dev", local=True)
    request = _create_request(session, "replayed")
    lam = session.client("lambda")
    first = lam.create_function(**request)
    again = lam.create_function(**request)
    assert again["FunctionArn"] == first["FunctionArn"] and again["Timeout"] == 30
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["replayed"]


def test_lambda_create_of_an_existing_name_still_conflicts(emulator):
    session = aws_session(emulator, "dev", local=True)
    request = _create_request(session, "taken")
    lam = session.client("lambda")
    lam.create_function(**request)
    with pytest.raises(ClientError, match="ResourceConflictException"):
        lam.create_function(**{**request, "Timeout": 60})  # a different request
    lam.update_function_configuration(FunctionName="taken", Timeout=45)
    with pytest.raises(ClientError, match="ResourceConflictException"):
        lam.create_function(**request)  # the same request, but the function changed since
