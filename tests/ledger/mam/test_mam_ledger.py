"""End to end: a MAM channel published through the ledger actor on the embedded node, read
back through PyOTA in-process (``Iota(EmbeddedAdapter(node))``) and over HTTP by the CLI."""

from __future__ import annotations

import argparse
import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from iota import Iota

from actorgrid.ledger import testing
from actorgrid.ledger.actor import LedgerActor, LedgerConfig
from actorgrid.ledger.mam import (
    MamChannelStore,
    MamSubscriber,
    MamWriter,
    PublishStatus,
    ledger_publisher,
)
from actorgrid.ledger.mam.cli import add_parser, run_follow
from actorgrid.ledger.messages import Published
from actorgrid.ledger.node import EmbeddedAdapter, TangleNode, start_server
from actorgrid.ledger.workers import LedgerWorkers
from actorgrid.runtime import ActorSystem


@dataclass
class Channel:
    node: TangleNode
    store: MamChannelStore
    writer: MamWriter


@pytest.fixture
async def published(tmp_path: Path) -> AsyncIterator[Channel]:
    """A restricted channel with hello + one output, published by the ledger actor."""
    seed = testing.test_seed("mam-ledger")
    node = testing.funded_node({seed: 1}, mwm=1)
    workers = LedgerWorkers("thread", 1)
    config = LedgerConfig(
        journal_path=str(tmp_path / "journal.db"),
        node=lambda: testing.embedded_client(node),
        wallets={"grid": seed},
        mwm=1,
        poll_interval_s=0.01,
    )
    box = testing.EventBox()
    store = MamChannelStore(tmp_path / "mam.sqlite")
    store.create_channel("pv-1", mode="restricted", side_key="AUDIT", security=1)
    try:
        async with ActorSystem("mam-ledger") as system:
            await system.spawn(lambda: testing.Inbox(box), name="inbox")
            ledger = await system.spawn(lambda: LedgerActor(config, workers), name="ledger")
            writer = MamWriter(store, "pv-1", ledger_publisher(ledger, reply_to="/inbox"))
            await writer.hello(entity="pv-1")
            await writer.write_json({"command": "output", "wh": 1250})
            assert [m.status for m in store.messages("pv-1")] == [PublishStatus.ACCEPTED] * 2
            await box.wait_for(lambda events: len(_published(events)) >= 2, timeout=60)
            for event in _published(box.events):
                writer.mark_published(event.idempotency_key)
            assert store.messages("pv-1", unpublished_only=True) == []
            yield Channel(node, store, writer)
    finally:
        workers.close()
        node.close()
        store.close()


def _published(events: list[object]) -> list[Published]:
    return [e for e in events if isinstance(e, Published)]


async def test_channel_published_by_the_ledger_actor_is_followed(published: Channel) -> None:
    api = Iota(EmbeddedAdapter(published.node))
    sub = MamSubscriber(api, published.writer.root, "AUDIT")
    received = await sub.poll_async()
    assert [m.json() for m in received] == [
        {"command": "hello", "entity": "pv-1"},
        {"command": "output", "wh": 1250},
    ]
    assert received[1].address == published.store.messages("pv-1")[1].message.address
    assert sub.rejected == []


async def test_cli_follows_the_channel_over_http(published: Channel) -> None:
    server = await start_server(published.node, "127.0.0.1", 0)
    try:
        parser = argparse.ArgumentParser()
        add_parser(parser.add_subparsers(dest="command"))
        argv = ["mam", "follow", published.writer.root, "--side-key", "AUDIT"]
        args = parser.parse_args([*argv, "--node", server.url])
        out = io.StringIO()
        status = await asyncio.to_thread(run_follow, args, out)
    finally:
        await server.close()
    assert status == 0
    assert [line.split("\t")[2] for line in out.getvalue().splitlines()] == [
        '{"command":"hello","entity":"pv-1"}',
        '{"command":"output","wh":1250}',
    ]
