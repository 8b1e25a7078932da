"""Serving the live app: Flask's server for local use, waitress for production."""
from __future__ import annotations

import socket

from flask import Flask


class ServeError(Exception):
    pass


def _check_port(host: str, port: int) -> None:
    if not 1 <= port <= 65535:
        raise ServeError(f"port {port} is not between 1 and 65535. Fix: choose e.g. --port 8000")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port} ({exc.strerror}). "
                             "Fix: stop the other program using it, or choose another --port") from exc


def serve(app: Flask, host: str = "127.0.0.1", port: int = 8000, production: bool = False) -> int:
    from .cli import UserError

    try:
        _check_port(host, port)
    except ServeError as exc:
        raise UserError(str(exc)) from exc
    print(f"Serving the site at http://{host}:{port}/ (press Ctrl+C to stop)", flush=True)
    if production:
        from waitress import serve as waitress_serve

        waitress_serve(app, host=host, port=port, threads=8, ident="sds-site")
    else:
        app.run(host=host, port=port, debug=False, use_reloader=False)
    return 0
