"""freehold.connectors: the built-in connectors, one package per vendor; none imports another."""
