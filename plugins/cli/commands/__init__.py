"""The commands freehold ships, one module per area.

`audiences`, `connectors`, `demo`, `events`, `init`, `plugins`, `store` (with `import` and
`sample`), `sync` (with `plan` and `runs`) and `validate`.

Each module is a built-in plugin (listed in `BUILTIN_PLUGINS`) that adds its command through
`freehold_register_commands`, as any third-party plugin would.
"""

from __future__ import annotations

__all__: list[str] = []
