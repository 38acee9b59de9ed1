"""Vector checker: runs every case of a ``mampeer-mam-v0-vectors/1`` file.

``python -m actorgrid.ledger.mam check FILE`` prints one line per failing case and ends
with ``N passed, M failed``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from .channel import ChannelState, Mode, channel_root, create_message
from .errors import MamError
from .parser import parse_message


@dataclass(frozen=True, slots=True)
class CaseResult:
    """Outcome of one vector case; ``problems`` is empty when it passed."""

    case_id: str
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def load_cases(path: str | Path) -> list[dict[str, Any]]:
    """The ``cases`` list of a vector file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return cast(list[dict[str, Any]], data["cases"])


def check_case(case: Mapping[str, Any]) -> CaseResult:
    """Run one case; never raises for a failing case, only reports it."""
    try:
        problems = list(_check(case))
    except Exception as exc:  # a crash is a failure of this case, not of the checker
        problems = [f"raised {type(exc).__name__}: {exc}"]
    return CaseResult(str(case.get("id", "?")), tuple(problems))


def check_file(path: str | Path) -> list[CaseResult]:
    """Run every case of the file at ``path``."""
    return [check_case(case) for case in load_cases(path)]


def main(path: str) -> int:
    """Print failures and the summary line; exit status 1 if any case failed."""
    try:
        results = check_file(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:  # unreadable or not a vector file
        print(f"error: cannot read vector file {path}: {exc!r}", file=sys.stderr)
        return 2
    failed = [r for r in results if not r.passed]
    for result in failed:
        print(f"FAIL {result.case_id}: {'; '.join(result.problems)}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def state_from_case(case: Mapping[str, Any]) -> ChannelState:
    """The channel state a case starts from."""
    st = case["state"]
    return ChannelState(
        seed=case["seed"],
        mode=cast(Mode, case["mode"]),
        side_key=case.get("sideKeyPadded"),
        security=int(case["security"]),
        start=int(st["start"]),
        count=int(st["count"]),
        next_count=int(st["nextCount"]),
        index=int(st["index"]),
        next_root=st.get("nextRoot"),
    )


def _check(case: Mapping[str, Any]) -> Iterator[str]:
    kind = case["kind"]
    expected = case["expected"]
    if kind == "encode":
        state = state_from_case(case)
        if channel_root(state) != expected["root"]:
            yield "channel root differs"
        msg = create_message(state, case["message"]["trytes"])
        for field, got in (
            ("root", msg.root),
            ("address", msg.address),
            ("nextRoot", msg.next_root),
            ("payload", msg.payload),
        ):
            if got != expected[field]:
                yield f"{field} differs"
        after = expected["stateAfter"]
        got_after = {
            "start": state.start,
            "count": state.count,
            "nextCount": state.next_count,
            "index": state.index,
            "nextRoot": state.next_root,
        }
        if got_after != {k: after.get(k) for k in got_after}:
            yield f"state after differs: {got_after}"
        yield from _check_decode(msg.payload, msg.root, case.get("sideKey"), expected["decoded"])
    elif kind in ("decodeOnly", "decodeError"):
        inp = case["input"]
        yield from _check_decode(
            inp["payload"], inp["root"], inp.get("sideKey"), expected["decoded"]
        )
    else:
        yield f"unknown kind {kind!r}"


def _check_decode(
    payload: str, root: str, side_key: str | None, decoded: Mapping[str, Any]
) -> Iterator[str]:
    try:
        parsed = parse_message(payload, root, side_key)
    except MamError as exc:
        if decoded["ok"]:
            yield f"decode failed: {exc}"
        return
    if not decoded["ok"]:
        yield "decode accepted a message the reference rejects"
        return
    if parsed.message != decoded["message"]:
        yield "decoded message differs"
    if parsed.next_root != decoded["nextRoot"]:
        yield "decoded next root differs"
