"""freehold.core: the neutral model, identity kit, connector interfaces and engine."""
