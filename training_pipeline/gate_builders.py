"""The end of the pipeline graph: the accuracy gate, Register (a versioned model package) and Fail.

`register_step(..., metadata={name: value})` puts values into the model package's
`CustomerMetadataProperties` (e.g. `evaluated.get("model.sha256")`, a JsonGet on the evaluation
report), and `drift_check_baselines` passes through to the model package. The SDK is imported
inside the builders (importing it costs seconds).
"""

from __future__ import annotations

from typing import Any

from training_pipeline.steps_builders import (
    ACCURACY_PATH,
    BASELINE_FILE,
    CHAMPION_PATH,
    INSTANCE_TYPE,
    BuildContext,
    Evaluated,
    Parameters,
    Trained,
    output_uri,
)


def register_step(
    ctx: BuildContext,
    params: Parameters,
    trained: Trained,
    evaluated: Evaluated,
    metadata: dict[str, Any] | None = None,
    drift_check_baselines: Any = None,
    serving: tuple[str, dict[str, str]] | None = None,
):
    """A versioned model package in the env's group, with evaluation.json as model quality.

    `metadata` becomes `CustomerMetadataProperties` (values may be pipeline expressions);
    `serving` is the package container's (image, environment), by default our inference image.
    """
    from sagemaker.core.shapes import MetricsSource, ModelMetrics, ModelQuality
    from sagemaker.mlops.workflow.model_step import ModelStep
    from sagemaker.serve.model_builder import ModelBuilder

    image, environment = serving or (ctx.image("inference"), {})
    builder = ModelBuilder(
        image_uri=image,
        env_vars=environment or None,
        s3_model_data_url=trained.model_data,
        role_arn=ctx.role,
        sagemaker_session=ctx.session,
        dependencies=None,  # no inference code to package: the default would look up a code bucket
    )
    statistics = MetricsSource(s3_uri=evaluated.report_uri, content_type="application/json")
    step_args = builder.register(
        content_types=["application/json", "text/csv"],
        response_types=["application/json"],
        inference_instances=[INSTANCE_TYPE],
        transform_instances=[INSTANCE_TYPE],
        model_package_group_name=ctx.cfg.model_package_group(ctx.env),
        approval_status=params.approval,
        model_metrics=ModelMetrics(model_quality=ModelQuality(statistics=statistics)),
        customer_metadata_properties=metadata or None,
        drift_check_baselines=drift_check_baselines,
    )
    return ModelStep("Register", step_args=step_args)


def drift_baselines(evaluated: Evaluated):
    """The package's DriftCheckBaselines: baseline.json of the Evaluate step as ModelDataQuality
    statistics (the drift monitor reads it from the serving package; monitoring/job.py)."""
    from sagemaker.core.shapes import DriftCheckBaselines, DriftCheckModelDataQuality, MetricsSource
    from sagemaker.core.workflow.functions import Join

    uri = Join(on="/", values=[output_uri(evaluated.step, "evaluation"), BASELINE_FILE])
    statistics = MetricsSource(s3_uri=uri, content_type="application/json")
    return DriftCheckBaselines(model_data_quality=DriftCheckModelDataQuality(statistics=statistics))


def fail_step(accuracy, threshold, champion):
    from sagemaker.core.workflow.functions import Join
    from sagemaker.mlops.workflow.fail_step import FailStep

    message = [
        "Model not registered: test accuracy ",
        accuracy,
        " must be >= AccuracyThreshold ",
        threshold,
        " and >= the approved champion's accuracy ",
        champion,
    ]
    return FailStep("AccuracyTooLow", error_message=Join(on="", values=message))


def gate_step(evaluated: Evaluated, params: Parameters, register, fail):
    """Register only when accuracy >= AccuracyThreshold and >= the approved champion's."""
    from sagemaker.core.workflow.conditions import ConditionGreaterThanOrEqualTo
    from sagemaker.mlops.workflow.condition_step import ConditionStep

    accuracy = evaluated.get(ACCURACY_PATH)
    return ConditionStep(
        "CheckAccuracy",
        conditions=[
            ConditionGreaterThanOrEqualTo(left=accuracy, right=params.threshold),
            ConditionGreaterThanOrEqualTo(left=accuracy, right=evaluated.get(CHAMPION_PATH)),
        ],
        if_steps=[register],
        else_steps=[fail],
    )
