"""The IRI HTTP API over aiohttp: ``POST /`` with a JSON command body."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web

from actorgrid.ledger.node.node import TangleNode

__all__ = ["MAX_BODY_BYTES", "NodeServer", "create_app", "serve", "start_server"]

#: IRI's default maxBodyLength
MAX_BODY_BYTES: Final = 1_000_000
API_VERSION_HEADER: Final = "X-IOTA-API-Version"

_NODE_KEY: Final = web.AppKey("tangle_node", TangleNode)
_LIMIT_KEY: Final = web.AppKey("max_body", int)


def create_app(node: TangleNode, *, max_body: int = MAX_BODY_BYTES) -> web.Application:
    """An aiohttp application serving ``node``; requests run in a worker thread."""
    app = web.Application(client_max_size=max_body + 1)
    app[_NODE_KEY] = node
    app[_LIMIT_KEY] = max_body
    app.router.add_post("/", _handle)
    return app


async def _handle(request: web.Request) -> web.Response:
    if not request.headers.get(API_VERSION_HEADER):
        return _reply(400, {"error": f"Invalid API Version: missing {API_VERSION_HEADER}"})
    limit = request.app[_LIMIT_KEY]
    if request.content_length is not None and request.content_length > limit:
        return _reply(400, {"error": "Request too long"})
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(1 << 16):  # read(n) may return less than n
        size += len(chunk)
        if size > limit:
            return _reply(400, {"error": "Request too long"})
        chunks.append(chunk)
    try:
        payload = json.loads(b"".join(chunks))
    except (ValueError, RecursionError):  # RecursionError: nesting too deep to parse
        return _reply(400, {"error": "Invalid JSON syntax"})
    if not isinstance(payload, dict):
        return _reply(400, {"error": "Invalid request: expected a JSON object"})
    response = await asyncio.to_thread(request.app[_NODE_KEY].handle, payload)
    status = 400 if "error" in response else 500 if "exception" in response else 200
    return _reply(status, response)


def _reply(status: int, body: dict[str, Any]) -> web.Response:
    return web.json_response(body, status=status)


@dataclass
class NodeServer:
    """A running HTTP server for a node (see :func:`start_server`)."""

    runner: web.AppRunner
    port: int
    coordinator: asyncio.Task[None]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` style URL for PyOTA."""
        return f"http://127.0.0.1:{self.port}"

    async def close(self) -> None:
        """Stop the coordinator and the server."""
        self.coordinator.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.coordinator
        await self.runner.cleanup()


async def start_server(node: TangleNode, host: str = "127.0.0.1", port: int = 0) -> NodeServer:
    """Start serving ``node`` (port 0: ephemeral) plus its milestone coordinator."""
    runner = web.AppRunner(create_app(node), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    actual = int(runner.addresses[0][1]) if runner.addresses else port
    return NodeServer(runner, actual, asyncio.create_task(node.coordinate()))


async def serve(node: TangleNode, host: str = "127.0.0.1", port: int = 14265) -> None:
    """Serve ``node`` until cancelled."""
    server = await start_server(node, host, port)
    try:
        await asyncio.Event().wait()
    finally:
        await server.close()
