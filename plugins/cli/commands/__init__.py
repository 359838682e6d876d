"""The commands the CLI area ships: `connectors`, `plugins`, `validate`, `init`.

Each module is a built-in plugin (listed in `BUILTIN_PLUGINS`) that adds its command through
`freehold_register_commands`, as any third-party plugin would.
"""

from __future__ import annotations

__all__: list[str] = []
