"""Values the Terraform AWS provider reads back: a second plan after an apply must show no changes."""

from __future__ import annotations

from awsenv.emulator_ext import extension


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
