"""Handlers for mappings/common.yaml (annotations read by Kubernetes and tools, not by one controller)."""
