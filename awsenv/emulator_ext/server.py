"""What moto's server spends per request for no behaviour of AWS's: paid once instead.

Seen with a sampling profiler on the emulator during `make demo`: its one process (every
request of every account goes through it) spent about a fifth of its busy time on the two things
below, on every request. 400 S3 and SageMaker requests took the server 1.5-1.8 CPU seconds with
both, 2.1-2.2 without (measured by hand: two servers side by side, three rounds each).
"""

from __future__ import annotations

from awsenv.emulator_ext import extension


@extension
def moto_module_names_once() -> None:
    """moto's dispatcher compares each request's Host with the names of moto's service packages,
    which it lists from disk every time (a listdir and ~170 isdir calls). The installed package
    does not change while the server runs: list it once."""
    from moto import backends

    names = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: names


@extension
def backend_apps_without_flask_debug() -> None:
    """moto builds each service's Flask app with `debug = True`. Flask then gives every request's
    uploaded-files mapping a class created for that request (a hint for HTML forms with the wrong
    enctype) and lets a handler's exception propagate to the server thread instead of answering 500
    itself. The apps are built with debug off: errors still answer 500, as on AWS."""
    from moto.moto_server import threaded_moto_server, werkzeug_app

    build = werkzeug_app.create_backend_app

    def create_backend_app(service):
        app = build(service)
        app.debug = False
        return app

    werkzeug_app.create_backend_app = create_backend_app
    threaded_moto_server.create_backend_app = create_backend_app
