"""The user's conftest: callstate's plugin, nothing else."""

pytest_plugins = ["callstate.testing.plugin"]
