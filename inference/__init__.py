"""Serving the trained model: hosting handler, local endpoint, deployer and auto-deploy.

handler.py      SageMaker scikit-learn hosting contract (model_fn/input_fn/predict_fn/output_fn)
server.py       GET /ping + POST /invocations over that handler (the inference container's `serve`)
registry.py     model package lookups and approvals in an env's model registry
deployer.py     Model + EndpointConfig + create/update endpoint, verified; idempotent
auto_deploy.py  the Lambda behind "SageMaker Model Package State Change" (locally: laptop.events)
artifacts.py    endpoint -> config -> model -> model.tar.gz, downloaded and loaded
client.py       invoke an endpoint (AWS or the local server) and the smoke test
batch.py        batch transform on AWS; the same handler over a file locally
"""
