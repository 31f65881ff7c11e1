"""Errors a user can cause, each with its own exit code.

The CLI catches ``KgError`` and prints ``kg: error: <message>`` on one line,
so bad input never shows a traceback.  The codes are documented in the README
and in ``kg --help``.
"""


class KgError(Exception):
    exit_code = 1


class InputNotFound(KgError):
    exit_code = 3


class NoReports(KgError):
    exit_code = 4


class EmptyInput(KgError):
    exit_code = 5


class BinaryInput(KgError):
    exit_code = 6


class UndecodableInput(KgError):
    exit_code = 7


class InputTooLarge(KgError):
    exit_code = 8


class InvalidGraph(KgError):
    exit_code = 9


class QueryError(KgError):
    exit_code = 10


class OutputError(KgError):
    exit_code = 11


class SomeInputsFailed(KgError):
    """A corpus build finished but skipped bad files."""

    exit_code = 12


EXIT_CODES = [
    (0, "success"),
    (1, "unexpected internal error"),
    (2, "bad command-line usage"),
    (InputNotFound.exit_code, "input file or folder does not exist"),
    (NoReports.exit_code, "folder holds no report files (.txt, .html, .htm, .docx)"),
    (EmptyInput.exit_code, "report is empty (or only whitespace)"),
    (BinaryInput.exit_code, "report is a binary file"),
    (UndecodableInput.exit_code, "report is not UTF-8, UTF-8-BOM, UTF-16-BOM or GB18030 text"),
    (InputTooLarge.exit_code, "report is larger than --max-bytes"),
    (InvalidGraph.exit_code, "graph fails SHACL validation (or cannot be parsed)"),
    (QueryError.exit_code, "malformed SPARQL query"),
    (OutputError.exit_code, "output cannot be written"),
    (SomeInputsFailed.exit_code, "corpus build skipped some bad files (the others were built)"),
]
