"""A fake vendor served on 127.0.0.1 in its own process, for the kill -9 test.

Prints its base URL, then serves until its standard input closes. Two test-only routes:
`GET /_test/received` (member ids received by accepted add requests, and the audience
members) and `POST /_test/reset` (forget the receipts).
"""

from __future__ import annotations

import json
import sys
from collections import Counter

from freehold.core.emulator import EmulatorRequest, EmulatorResponse, json_response, route
from freehold.core.testing import FakeEmulator


class CountingFake(FakeEmulator):
    @route("GET", "/_test/received")
    async def received(self, request: EmulatorRequest) -> EmulatorResponse:
        counts: Counter[str] = Counter()
        for receipt in self.receipts:
            answered = receipt.status == 200 and receipt.method == "POST"
            if answered and receipt.path.endswith("/members"):
                counts.update(row["email"] for row in json.loads(receipt.body)["members"])
        members = sorted(m for audience in self.audiences.values() for m in audience.members)
        return json_response(
            {"received": dict(counts), "members": members, "sessions": len(self.sessions)}
        )

    @route("POST", "/_test/reset")
    async def reset(self, request: EmulatorRequest) -> EmulatorResponse:
        self.receipts.clear()
        return json_response({})


def main() -> None:
    emulator = CountingFake(processing_seconds=0.03)
    with emulator.serve() as url:
        sys.stdout.write(url + "\n")
        sys.stdout.flush()
        sys.stdin.read()


if __name__ == "__main__":
    main()
