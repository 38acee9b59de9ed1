"""PyOTA clients against the node: in-process adapter and the aiohttp IRI server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from iota import Address, Iota, ProposedTransaction, Tag, TransactionHash, TryteString
from iota.adapter import BadApiResponse

from actorgrid.ledger.node import EmbeddedAdapter, TangleNode, start_server
from actorgrid.ledger.node.server import MAX_BODY_BYTES


def _pay_with_pyota(api: Iota, kit: Any, to: str, value: int) -> Any:
    inputs = api.get_inputs(start=0, stop=1)["inputs"]
    return api.send_transfer(
        depth=3,
        transfers=[
            ProposedTransaction(
                address=Address(to),
                value=value,
                tag=Tag(b"ACTORGRID"),
                message=TryteString.from_unicode("energy"),
            )
        ],
        inputs=inputs,
        change_address=Address(kit.addr(kit.SEED_A, 2)),
        min_weight_magnitude=3,
    )["bundle"]


def test_pyota_send_transfer_through_embedded_adapter(kit: Any, node: TangleNode) -> None:
    api = Iota(EmbeddedAdapter(node), kit.SEED_A)
    to = kit.addr(kit.SEED_B, 0)
    bundle = _pay_with_pyota(api, kit, to, 400)
    balances = api.get_balances([Address(to), Address(kit.addr(kit.SEED_A, 2))])["balances"]
    assert balances == [400, 600]
    tail = bundle.tail_transaction.hash
    assert api.get_latest_inclusion([tail])["states"][tail] is True
    assert api.were_addresses_spent_from([Address(kit.addr(kit.SEED_A, 0))])["states"] == [True]
    found = api.find_transactions(addresses=[Address(to)])["hashes"]
    assert [str(h) for h in found] == [str(t.hash) for t in bundle if str(t.address) == to]
    fetched = api.get_bundles(tail)["bundles"][0]
    assert fetched.hash == bundle.hash
    assert api.check_consistency(tails=[tail])["state"] is True
    with pytest.raises(BadApiResponse, match="400 response from node: Reference"):
        api.get_transactions_to_approve(depth=3, reference=TransactionHash(b"C" * 81))
    info = api.get_node_info()
    assert info["latestMilestoneIndex"] >= 1


async def test_pyota_http_adapter_sees_the_same_tangle(kit: Any, node: TangleNode) -> None:
    embedded = Iota(EmbeddedAdapter(node), kit.SEED_A)
    to = kit.addr(kit.SEED_B, 0)
    bundle = await asyncio.to_thread(_pay_with_pyota, embedded, kit, to, 250)
    server = await start_server(node, "127.0.0.1", 0)
    try:
        remote = Iota(server.url)
        balances = await asyncio.to_thread(remote.get_balances, [Address(to)])
        assert balances["balances"] == [250]
        found = await asyncio.to_thread(remote.find_transactions, bundles=[bundle.hash])
        assert sorted(map(str, found["hashes"])) == sorted(str(t.hash) for t in bundle)
        trytes = await asyncio.to_thread(remote.get_trytes, [bundle.tail_transaction.hash])
        assert str(trytes["trytes"][0]) == str(bundle.tail_transaction.as_tryte_string())
        # and a transfer made over HTTP shows up in-process
        remote_a = Iota(server.url, kit.SEED_A)
        extra = await asyncio.to_thread(
            remote_a.send_transfer,
            depth=3,
            transfers=[ProposedTransaction(address=Address(to), value=0, tag=Tag(b"HTTP"))],
            min_weight_magnitude=3,
        )
        tail = extra["bundle"].tail_transaction.hash
        assert embedded.get_latest_inclusion([tail])["states"][tail] is True
        with pytest.raises(BadApiResponse, match="400 response from node"):
            await asyncio.to_thread(remote.get_trytes, ["9" * 81] * 10_001)
    finally:
        await server.close()


async def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    hdrs = {"Content-Type": "application/json", "X-IOTA-API-Version": "1"}
    hdrs.update(headers or {})
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=hdrs) as r:
        return r.status, json.loads(await r.text())


async def test_http_rejects_bad_requests_without_state_change(kit: Any, node: TangleNode) -> None:
    server = await start_server(node, "127.0.0.1", 0)
    try:
        before = kit.snapshot(node)
        cases = [
            (b"{not json", {}),
            (b"[1, 2]", {}),
            (b'"text"', {}),
            (b"\xff\xfe", {}),
            (b'{"command": "getNodeInfo"}', {"X-IOTA-API-Version": ""}),
            (b'{"command": "storeTransactions", "trytes": ["' + b"9" * MAX_BODY_BYTES + b'"]}', {}),
            (b'{"command": "storeTransactions", "trytes": ["ABC"]}', {}),
            (b"[" * 100_000 + b"]" * 100_000, {}),  # nesting deeper than the parser's stack
        ]
        for body, headers in cases:
            status, reply = await _post(server.url, body, headers)
            assert status == 400, (body[:40], reply)
            assert isinstance(reply["error"], str)
        assert kit.snapshot(node) == before
        status, reply = await _post(server.url, b'{"command": "getNodeInfo"}')
        assert status == 200 and reply["appName"]
        # a large valid request (40 transactions, ~110 kB), sent in chunks, is accepted
        big = kit.attach(node, kit.build([kit.pay(kit.addr(kit.SEED_B, 1), 0)] * 40))
        body = json.dumps({"command": "storeTransactions", "trytes": big}).encode()

        async def chunks() -> Any:
            for start in range(0, len(body), 5000):
                yield body[start : start + 5000]

        hdrs = {"Content-Type": "application/json", "X-IOTA-API-Version": "1"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(server.url, data=chunks(), headers=hdrs) as r,
        ):
            assert r.status == 200, await r.text()
        found = node.handle({"command": "findTransactions", "addresses": [kit.addr(kit.SEED_B, 1)]})
        assert len(found["hashes"]) == 40
    finally:
        await server.close()
