"""How results leave the process on each CI platform: the engine's side of the wrappers.

- ``github``: workflow commands (annotations, ``::add-mask::``), step outputs, ``$GITHUB_ENV``,
  the step-summary Markdown; ``action`` is the GitHub Action's run step.
- ``gitlab``: the dotenv report, collapsible log sections; the component calls ``gitlab`` as its run step.
- ``docker``: the ``ENV`` lines a Dockerfile needs, because ``RUN`` cannot set them for later layers.
- ``cli_contract``: what the run steps read from the CLI's JSON (one reader for every platform).

The wrappers (``action.yml``, the GitLab component, the Dockerfile step) stay thin: they bring the tool
in and call these modules, which call the CLI's documented commands and JSON contracts.
"""

from __future__ import annotations

from collections.abc import Mapping


def detect(env: Mapping[str, str]) -> str:
    """``github``, ``gitlab`` or ``local``."""
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    if env.get("GITLAB_CI") == "true":
        return "gitlab"
    return "local"
