"""Helpers shipped for tests: tiny offline checkpoints and an OpenAI-compatible test server.

Nothing here is imported by ``proguard_core``; each module pulls its own optional dependencies.
"""
