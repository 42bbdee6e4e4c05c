"""The small exception hierarchy the CLI turns into one-line messages and exit codes."""


class DigestError(Exception):
    """Base of every error digest reports to the user without a traceback."""


class ConfigError(DigestError):
    """The configuration is invalid; nothing was built."""


class BuildError(DigestError):
    """The build could not run (missing source folder, output locked, ...)."""
