"""OpenAPI validation of emulator exchanges, shared by every connector's tests."""
