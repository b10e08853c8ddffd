"""The `hawk` command: wires subcommands and turns user errors into one line + exit code 2.

Nothing here imports torch; each command imports what it needs when it runs.
"""

from __future__ import annotations

import os
import sys

import typer

from hawkcli import __version__
from hawkcli.cli import compare as compare_cmd
from hawkcli.cli import data as data_cmd
from hawkcli.cli import inspect as inspect_cmd
from hawkcli.cli import invocation
from hawkcli.cli import methods as methods_cmd
from hawkcli.cli import models as models_cmd
from hawkcli.cli import profile as profile_cmd
from hawkcli.cli import run as run_cmd
from hawkcli.errors import EXIT_CODES_HELP, EXIT_INTERNAL, EXIT_INTERRUPTED, HawkError

HELP = (
    """Prune the visual tokens of vision-language models by head importance (HAWK), and compare methods.

[bold]Examples[/bold]

  hawk run --image cat.png --question "What is on the mat?" --keep 0.2

  hawk run --model qwen2.5-vl-7b --images photos/ --question "Describe the image." > answers.jsonl

  cat questions.jsonl | hawk run --input - --method uniform --keep 0.1

  hawk methods

  hawk models

"""
    + EXIT_CODES_HELP
)

app = typer.Typer(
    name="hawk",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hawk {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, metavar="", help="Print the version and exit."
    ),
) -> None:
    pass


app.command("run", help=run_cmd.HELP, no_args_is_help=False)(run_cmd.run)
app.command("profile", help=profile_cmd.HELP)(profile_cmd.profile)
app.command("inspect", help=inspect_cmd.HELP)(inspect_cmd.inspect)
app.command("compare", help=compare_cmd.HELP)(compare_cmd.compare)
app.command("methods", help=methods_cmd.HELP)(methods_cmd.methods)
app.command("models", help=models_cmd.HELP)(models_cmd.models)
app.add_typer(data_cmd.data_app, name="data")


def internal_error_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"internal error: {type(err).__name__}: {text[0] if text else ''} (set HAWK_DEBUG=1 for the traceback)"


def fail(message: str, code: int = 2) -> int:
    sys.stderr.write(f"hawk: error: {message}\n")
    return code


def _click_kind(err: BaseException) -> str | None:
    """Classify click's exceptions by name: typer may ship its own copy of click."""
    names = {cls.__name__ for cls in type(err).__mro__}
    for kind in ("Exit", "Abort", "UsageError"):
        if kind in names:
            return kind
    return None


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the process exit code."""
    debug = os.environ.get("HAWK_DEBUG") == "1"
    invocation.record(sys.argv[1:] if argv is None else argv)
    try:
        result = app(args=argv, prog_name="hawk", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except HawkError as err:
        if debug:
            raise
        code = fail(str(err), err.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("hawk: interrupted\n")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing left to report to.
        code = 0
    except Exception as err:
        kind = _click_kind(err)
        if kind == "Exit":
            code = err.exit_code
        elif kind == "Abort":
            sys.stderr.write("hawk: interrupted\n")
            code = EXIT_INTERRUPTED
        elif debug:
            raise
        elif kind == "UsageError":
            ctx = getattr(err, "ctx", None)
            hint = f" (see 'hawk {ctx.info_name} --help')" if ctx is not None and ctx.parent else ""
            message = err.format_message()
            # no_args_is_help raises an empty usage error after printing the help: nothing to add.
            code = fail(f"{message}{hint}") if message else 2
        else:  # a bug, not a user error: still one line unless debugging
            code = fail(internal_error_line(err), EXIT_INTERNAL)
    if argv is None:  # console script: hand the code to the shell
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
