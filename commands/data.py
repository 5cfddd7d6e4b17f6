"""`invoke data.*`: validate, split and upload a dataset in the mtsamples schema."""

from __future__ import annotations

from commands.common import ENV_HELP, LOCAL_HELP, env_config, task, user_errors


@task(
    help={
        "env": ENV_HELP,
        "csv": "CSV in the mtsamples schema (default: the synthetic sample, training_pipeline/data/sample_mtsamples.csv)",
        "local": LOCAL_HELP,
        "text_column": "column holding the text (default: transcription)",
        "label_column": "column holding the label (default: medical_specialty)",
    }
)
def upload(c, env, csv="", local=False, text_column="transcription", label_column="medical_specialty"):
    """Validate a CSV, drop duplicate texts, split it 70/15/15 (stratified) and publish it as the current dataset."""
    cfg = env_config(env)
    from training_pipeline.dataset import SAMPLE_CSV
    from training_pipeline.upload import upload as upload_dataset

    with user_errors():
        from awsenv.sessions import EnvSession

        session = EnvSession(cfg, env, local=local)
        result = upload_dataset(session, csv or SAMPLE_CSV, text_column=text_column, label_column=label_column)
    print(
        f"data: {result['pointer_uri']} -> dataset {result['dataset_id']} ({result['dataset_uri']}; "
        f"{result['uploaded']} objects uploaded, {result['repaired']} repaired, {result['verified']} verified)"
    )
