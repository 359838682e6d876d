"""The base for vendor emulators: state, routes, auth, limits and fault injection.

A connector's emulator subclasses `Emulator`, marks handlers with `@route`, and answers in its
vendor's shapes. The same object serves in-process through `transport()` and over real HTTP on
127.0.0.1 through `serve()`.
"""

from __future__ import annotations

from freehold.core.emulator._app import Emulator, Receipt, route
from freehold.core.emulator._faults import Fault, FaultSwitch
from freehold.core.emulator._messages import EmulatorRequest, EmulatorResponse, json_response

__all__ = [
    "Emulator",
    "EmulatorRequest",
    "EmulatorResponse",
    "Fault",
    "FaultSwitch",
    "Receipt",
    "json_response",
    "route",
]
