"""Subcommands added as modules under designer/commands/ are parsed, dispatched and listed like the first five."""
from __future__ import annotations

import sys
import types

import pytest

import designer.commands
from designer import cli
from designer.errors import DesignerError


@pytest.fixture
def echo_command(monkeypatch):
    module = types.ModuleType("designer.commands.echo_for_test")
    module.NAME = "echo-for-test"
    module.HELP = "print the word it is given"
    module.add_arguments = lambda parser: parser.add_argument("word")

    def run(args) -> int:
        if args.word == "fail":
            raise DesignerError("echo refuses 'fail'")
        print(args.word.upper())
        return 3

    module.run = run
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(designer.commands, "MODULES", ("echo_for_test",))
    return module


def test_a_command_module_is_parsed_and_dispatched(echo_command, capsys):
    assert cli.main(["echo-for-test", "hello"]) == 3
    assert capsys.readouterr().out == "HELLO\n"


def test_a_command_modules_errors_are_one_line(echo_command, capsys):
    assert cli.main(["echo-for-test", "fail"]) == 1
    assert capsys.readouterr().err == "error: echo refuses 'fail'\n"


def test_command_modules_are_in_help_and_in_the_unknown_command_message(echo_command, capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "echo-for-test" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["no-such-command"])
    assert exit_info.value.code == 2
    assert "echo-for-test" in capsys.readouterr().err


def test_every_listed_module_has_the_interface():
    for module in designer.commands.command_modules():
        assert isinstance(module.NAME, str) and module.NAME not in cli.BUILTIN_SUBCOMMANDS
        assert module.HELP and callable(module.add_arguments) and callable(module.run)
