"""The ``accelsim`` command. Sub-commands live in ``accelsim/cli/cmd_*.py`` modules, each exposing
``register(apps: CliApps)``; they are discovered at start-up, so a plug-in adds a command by adding a file.

User errors (:class:`accelsim.AccelsimInputError`) print one line on stderr and exit with code 2.
"""

from accelsim.cli.app import main

__all__ = ["main"]
