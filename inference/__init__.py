"""Serving the trained model: hosting handler, local endpoint, deployer and auto-deploy.

handler.py      SageMaker scikit-learn hosting contract (model_fn/input_fn/predict_fn/output_fn)
app.py          the WSGI app: GET|HEAD /ping + POST /invocations over that handler, JSON errors
media.py        Accept negotiation (RFC 9110)
server.py       the app under gunicorn (the inference container's `serve`); LocalServer for tests
serving.py      the server settings shared by the image and `invoke endpoint.serve`
gunicorn_worker.py  gunicorn's threaded worker: read deadline, JSON errors, busy keep-alive connections kept in their thread
client_socket.py    the worker's client socket: bounded waits, one send per response
request_ids.py      request ids without a system call per request
hf_toolkit.py   our handler behind the Hugging Face inference toolkit (transformer packages)
integrity.py    model artifact digests: recorded at registration, checked before every load
registry.py     model package lookups and approvals in an env's model registry
deployer.py     Model + EndpointConfig + create/update endpoint, verified; idempotent
auto_deploy.py  the Lambda behind "SageMaker Model Package State Change" (locally: laptop.events)
artifacts.py    endpoint -> config -> model -> model.tar.gz, downloaded, verified, extracted
client.py       invoke an endpoint (AWS or the local server) and the smoke test
batch.py        batch transform on AWS; the same handler over a file locally
"""
