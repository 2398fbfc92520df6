"""nginx believes X-Forwarded-For/-Proto only from the configured load balancer (EDGE_PROXY_CIDR):
from anyone else, the upstream gets the connection's own address and scheme. Real nginx (Debian)
with the project's server block, in front of a small upstream that records the headers it gets."""

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.support import servers
from tests.support.deploy import require_program


class HeaderEcho(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({name.lower(): value for name, value in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), HeaderEcho)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def nginx_in_front(upstream, tmp_path_factory):
    """Starts nginx with the given load balancer range; yields a function that returns its URL."""
    program = require_program("nginx")
    stack = ExitStack()

    def start(edge_proxy: str) -> str:
        workdir = tmp_path_factory.mktemp("nginx")
        port = servers.free_port()
        config = servers.nginx_config(
            workdir=workdir / "conf",
            port=port,
            upstream=upstream,
            static_root=workdir,
            reports_root=workdir,
            edge_proxy=edge_proxy,
        )
        return stack.enter_context(
            servers.nginx(program=program, config=config, port=port, log=workdir / "nginx.log")
        )

    with stack:
        yield start


def headers_upstream(url: str, **headers: str) -> dict[str, str]:
    return requests.get(url + "/anything", headers=headers, timeout=10).json()


SPOOFED = {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"}


def test_a_client_that_is_not_the_load_balancer_cannot_set_its_address_or_https(nginx_in_front):
    url = nginx_in_front(servers.NO_EDGE_PROXY)

    seen = headers_upstream(url, **SPOOFED)

    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"


def test_the_load_balancers_client_address_and_scheme_are_passed_on(nginx_in_front):
    url = nginx_in_front("127.0.0.1/32")

    seen = headers_upstream(url, **SPOOFED)

    assert seen["x-forwarded-for"] == "6.6.6.6"
    assert seen["x-forwarded-proto"] == "https"


def test_entries_left_of_the_load_balancers_own_are_not_believed(nginx_in_front):
    url = nginx_in_front("127.0.0.1/32")

    seen = headers_upstream(url, **{"X-Forwarded-For": "10.1.1.1, 6.6.6.6"})

    assert seen["x-forwarded-for"] == "6.6.6.6"
