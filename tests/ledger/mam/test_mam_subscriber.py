"""Following channels through a PyOTA client, rejecting forgeries, and the CLI."""

from __future__ import annotations

import argparse
import asyncio
import io

import pytest
from iota import Iota
from mam_support import FakeTangle

from actorgrid.ledger.mam import (
    MamChannelStore,
    MamFetchError,
    MamHammingWeightError,
    MamMalformedError,
    MamSignatureError,
    MamSubscriber,
    MamWriter,
    Mode,
    PublishStatus,
    ReceivedMessage,
    create_channel,
    create_message,
)
from actorgrid.ledger.mam.cli import add_parser, run_follow

SEED = "SUBSCRIBER9SEED" + "9" * 66


def _tangle_publisher(tangle: FakeTangle):  # type: ignore[no-untyped-def]
    async def publish(address: str, payload: str, tag: str, key: str) -> PublishStatus:
        tangle.attach(address, payload, tag)
        return PublishStatus.PUBLISHED

    return publish


async def _writer(tangle: FakeTangle, mode: Mode = "restricted") -> MamWriter:
    store = MamChannelStore()
    store.create_channel(
        "pv-1", mode=mode, security=1, side_key="SIDE" if mode == "restricted" else None
    )
    return MamWriter(store, "pv-1", _tangle_publisher(tangle))


async def test_follow_a_restricted_channel_and_keep_following(
    tangle: FakeTangle, api: Iota
) -> None:
    writer = await _writer(tangle)
    await writer.hello(entity="pv-1")
    await writer.write_json({"command": "output", "wh": 1})
    sub = MamSubscriber(api, writer.root, side_key="SIDE")
    first = sub.poll()
    assert [m.json() for m in first] == [
        {"command": "hello", "entity": "pv-1"},
        {"command": "output", "wh": 1},
    ]
    assert sub.poll() == []
    await writer.write_json({"command": "output", "wh": 2})
    assert [m.json()["wh"] for m in sub.poll()] == [2]
    assert sub.rejected == []


async def test_follow_yields_new_messages_as_they_arrive(tangle: FakeTangle, api: Iota) -> None:
    writer = await _writer(tangle, "public")
    sub = MamSubscriber(api, writer.root)
    received: list[int] = []
    got_two = asyncio.Event()

    async def reader() -> None:
        async for message in sub.follow(interval=0.01):
            received.append(message.json()["n"])
            if len(received) == 2:
                got_two.set()
                return

    task = asyncio.create_task(reader())
    await writer.write_json({"command": "n", "n": 1})
    await writer.write_json({"command": "n", "n": 2})
    await asyncio.wait_for(got_two.wait(), timeout=10)
    await task
    assert received == [1, 2]


async def test_wrong_side_key_delivers_nothing(tangle: FakeTangle, api: Iota) -> None:
    writer = await _writer(tangle)
    await writer.hello()
    sub = MamSubscriber(api, writer.root, side_key="WRONG")
    assert sub.poll() == []
    # Usually the hash check fails; ~12 % of wrong keys pass it and fail the signature.
    assert isinstance(sub.rejected[0].error, MamHammingWeightError | MamSignatureError)


async def test_forged_message_is_rejected_and_genuine_one_still_found(
    tangle: FakeTangle, api: Iota
) -> None:
    state = create_channel(SEED, 1, "public")
    genuine = create_message(state, "GENUINE")
    # An attacker attaches a tampered copy at the same address first.
    pos = 300
    forged = genuine.payload[:pos] + ("A" if genuine.payload[pos] != "A" else "B")
    forged += genuine.payload[pos + 1 :]
    tangle.attach(genuine.address, forged)
    sub = MamSubscriber(api, genuine.root)
    assert sub.poll() == []
    assert isinstance(sub.rejected[0].error, MamSignatureError)
    assert sub.poll() == [] and len(sub.rejected) == 1  # reported once
    tangle.attach(genuine.address, genuine.payload)
    [message] = sub.poll()
    assert message.message == "GENUINE"
    assert sub.root == genuine.next_root


async def test_another_seed_signing_for_the_channel_is_rejected(
    tangle: FakeTangle, api: Iota
) -> None:
    victim = create_channel(SEED, 1, "public")
    root = create_message(victim, "REAL").root
    attacker = create_channel("ATTACKER" + "9" * 73, 1, "public")
    fake = create_message(attacker, "FAKE")
    tangle.attach(root, fake.payload)  # at the victim's address, signed by another key
    sub = MamSubscriber(api, root)
    assert sub.poll() == []
    assert len(sub.rejected) == 1


def test_node_errors_are_typed(tangle: FakeTangle, api: Iota) -> None:
    tangle.fail = True
    with pytest.raises(MamFetchError):
        MamSubscriber(api, "A" * 81).poll()


async def test_cli_follow_prints_messages(tangle: FakeTangle, api: Iota) -> None:
    writer = await _writer(tangle, "private")
    await writer.hello(entity="c-1")
    await writer.write("RBXCFA")  # "Hi!" as plain text
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["mam", "follow", writer.root, "--node", "fake://tangle"])
    out = io.StringIO()
    assert run_follow(args, out, api=api) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == f'0\t{writer.root}\t{{"command":"hello","entity":"c-1"}}'
    assert lines[1].endswith("\tHi!")
    assert len(lines) == 2


async def test_cli_follow_reports_rejections(
    tangle: FakeTangle, api: Iota, capsys: pytest.CaptureFixture[str]
) -> None:
    state = create_channel(SEED, 1, "public")
    msg = create_message(state, "HELLO")
    tangle.attach(msg.address, msg.payload[:-300] + "A" * 300)
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["mam", "follow", msg.root, "--mode", "public"])
    assert run_follow(args, io.StringIO(), api=api) == 1
    assert "REJECTED" in capsys.readouterr().err


async def test_goodbye_closes_the_subscription(tangle: FakeTangle, api: Iota) -> None:
    writer = await _writer(tangle)
    await writer.hello()
    await writer.write_json({"command": "output", "wh": 3})
    await writer.goodbye()
    sub = MamSubscriber(api, writer.root, side_key="SIDE")
    received = sub.poll()
    assert [m.command for m in received] == ["hello", "output", "goodbye"]
    assert sub.closed
    # A stray message after goodbye (e.g. an attacker reusing the announced next root
    # would still need the key) is not followed: the subscription ended.
    requests = tangle.requests
    assert sub.poll() == [] and tangle.requests == requests
    assert [m async for m in sub.follow(interval=0.01)] == []


def test_command_of_a_non_json_message_is_none() -> None:
    state = create_channel(SEED, 1, "public")
    msg = create_message(state, "RBXCFA")
    parsed = ReceivedMessage(msg.root, msg.address, "RBXCFA", msg.next_root, "9" * 81)
    assert parsed.command is None
    assert parsed.text() == "Hi!"


@pytest.mark.parametrize("root", ["SHORT", "a" * 81])
def test_bad_roots_are_refused_before_any_query(tangle: FakeTangle, api: Iota, root: str) -> None:
    with pytest.raises(MamMalformedError):
        MamSubscriber(api, root)
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    assert run_follow(parser.parse_args(["mam", "follow", root]), io.StringIO(), api=api) == 2
    assert tangle.requests == 0


async def test_reattachment_with_swapped_fragments_cannot_hide_the_genuine_message(
    tangle: FakeTangle, api: Iota
) -> None:
    """A zero-value bundle hash does not cover its fragments: an attacker can reattach the
    genuine bundle (same bundle hash) with one fragment altered. Transactions must be
    grouped per attachment (trunk chain), not per bundle hash, or the two mix."""
    state = create_channel(SEED, 1, "public")
    genuine = create_message(state, "GENUINE")
    assert len(genuine.payload) > 2187  # several transactions
    bundle = tangle.attach(genuine.address, genuine.payload)
    pos = 2187 + 10  # inside the second fragment
    forged = genuine.payload[:pos] + ("A" if genuine.payload[pos] != "A" else "B")
    forged += genuine.payload[pos + 1 :]
    tangle.attach(genuine.address, forged, bundle=bundle)
    sub = MamSubscriber(api, genuine.root)
    [message] = sub.poll()
    assert message.message == "GENUINE"
    assert len(sub.rejected) == 1
    assert isinstance(sub.rejected[0].error, MamSignatureError)


def test_cli_follow_with_a_malformed_node_url_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["mam", "follow", "A" * 81, "--node", "not a url"])
    assert run_follow(args, io.StringIO()) == 2
    assert "error:" in capsys.readouterr().err
