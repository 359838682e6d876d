"""Project configuration: `freehold.yaml` read into a validated `ProjectConfig`.

`load_config` validates every destination's settings with its connector's own config model,
resolves `${REFERENCE}` secrets (environment variables by default, or a resolver plugin) and
refuses literal secrets; it reports every problem at once, each with its YAML path and line.
"""

from __future__ import annotations

from freehold.core.config._loader import (
    EMULATOR_BASE_URL,
    ConfigCheck,
    ConfigProblem,
    check_config,
    load_config,
)
from freehold.core.config._models import (
    CONTACT_IMPORT_TARGETS,
    EVENT_IMPORT_TARGETS,
    AudienceConfig,
    AudienceFilter,
    BehaviourRule,
    Comparison,
    ConfigScalar,
    DestinationConfig,
    EventRoute,
    ImportKind,
    ImportMapping,
    ProjectConfig,
    SyncSettings,
)
from freehold.core.config._secrets import SecretResolver, env_resolver, is_secret_type

__all__ = [
    "CONTACT_IMPORT_TARGETS",
    "EMULATOR_BASE_URL",
    "EVENT_IMPORT_TARGETS",
    "AudienceConfig",
    "AudienceFilter",
    "BehaviourRule",
    "Comparison",
    "ConfigCheck",
    "ConfigProblem",
    "ConfigScalar",
    "DestinationConfig",
    "EventRoute",
    "ImportKind",
    "ImportMapping",
    "ProjectConfig",
    "SecretResolver",
    "SyncSettings",
    "check_config",
    "env_resolver",
    "is_secret_type",
    "load_config",
]
