"""The one exception tree of socialatlas.

Every error a user can cause is a :class:`SocialAtlasError`. Each class is also the builtin that
fits it, so callers that know nothing of socialatlas can still catch ``ValueError`` or ``OSError``.
Messages are written for the person who typed the command: they name the file, the row, the column
or the parameter, say what is wrong and what to do. ``service/`` turns them into exit codes and
HTTP answers in one place.
"""

from __future__ import annotations

from collections.abc import Iterable


class SocialAtlasError(Exception):
    """Root of every error socialatlas reports to a user."""

    http_status = 400


class InputError(SocialAtlasError, ValueError):
    """A file, a column, a row or a parameter is not what it must be."""


class SourceNotFoundError(SocialAtlasError, FileNotFoundError):
    """A file or a layer named by the user does not exist."""

    http_status = 404


class CRSError(InputError):
    """A coordinate reference system is missing, unknown, or contradicted by the coordinates."""


class WorkspaceError(SocialAtlasError, OSError):
    """A workspace cannot be read or written."""

    http_status = 500


class ProblemsError(InputError):
    """Several problems found at once, reported together rather than one by one."""

    def __init__(self, what: str, problems: Iterable[str]) -> None:
        self.what = what
        self.problems = list(problems)
        if len(self.problems) == 1:
            super().__init__(f"{what}: {self.problems[0]}")
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            super().__init__(f"{what}: {len(self.problems)} problems\n{lines}")
