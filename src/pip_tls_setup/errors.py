"""The two ways a run ends early, mapped to the exit codes every command shares."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class PipTlsSetupError(Exception):
    """Base class; ``str(error)`` is the one line shown to the user."""

    exit_code = EXIT_FAILED


class InputError(PipTlsSetupError):
    """Bad input or usage (exit 2). Raised before anything is changed.

    The message names the offending file or option and the fix. It must never
    contain secret material (private keys, proxy passwords).
    """

    exit_code = EXIT_USAGE

    def __init__(self, what: str, problem: str, fix: str = "") -> None:
        self.what = what
        self.problem = problem
        self.fix = fix
        text = f"{what}: {problem}" if what else problem
        if fix:
            text = f"{text}; {fix}"
        super().__init__(text)


class CheckFailed(PipTlsSetupError):
    """A check failed (exit 1): an insecure setting, a failed verification."""

    exit_code = EXIT_FAILED
