"""Thin adapters over the public ``proguard_core.Guard`` API, one sub-package per framework."""
