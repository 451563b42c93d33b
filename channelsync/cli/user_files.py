"""The files a user hands the CLI: read as UTF-8 text, written whole or not at all.

Every command reads its input files and writes its ``--out`` files through these helpers, so an
unreadable, undecodable or unwritable file is always one :class:`UserFileError` naming the path,
the problem and the fix (the CLI's edge prints it as one line), never a traceback.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from order_core.errors import DomainError


class UserFileError(DomainError):
    """A file named on the command line cannot be used; the message names the path and the fix."""


class InputFileError(UserFileError):
    """An input file cannot be read (missing, a directory, no permission) or is not UTF-8 text."""


class OutputFileError(UserFileError):
    """An output file cannot be written (missing folder, a directory, no permission, disk full)."""


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def read_text(path: Path, what: str) -> str:
    """The text of the ``what`` file at ``path`` (UTF-8, a leading byte-order mark dropped)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        fix = "give a file, not a folder" if exc.errno == errno.EISDIR else "check the path"
        raise InputFileError(f"cannot read the {what} {path}: {reason}; {fix}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"the {what} {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at "
            f"{_position(data, exc.start)}); save it as UTF-8 and try again"
        ) from None


def _unwritable(path: Path, what: str, exc: OSError) -> OutputFileError:
    reason = exc.strerror or type(exc).__name__
    if exc.errno == errno.ENOENT:
        fix = f"create the folder {path.parent} first or choose another path"
    elif exc.errno == errno.EISDIR:
        fix = "give a file name, not a folder"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "choose a folder you may write to"
    else:
        fix = "choose another path"
    return OutputFileError(f"cannot write the {what} {path}: {reason}; {fix}")


def check_writable(path: Path, what: str) -> None:
    """Refuse early (before any work) an output path that clearly cannot be written."""
    folder = path.parent
    if path.is_dir():
        raise _unwritable(path, what, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))
    if not folder.is_dir():
        code = errno.ENOTDIR if folder.exists() else errno.ENOENT
        raise _unwritable(path, what, OSError(code, os.strerror(code)))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _unwritable(path, what, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))


def write_text(path: Path, text: str, what: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`write_bytes`)."""
    write_bytes(path, text.encode("utf-8"), what)


def write_bytes(path: Path, data: bytes, what: str) -> None:
    """Write ``data`` to ``path`` atomically: a temp file in the same folder, then a rename.

    A failure leaves ``path`` as it was (absent or with its old content) and no temp file behind.
    The new file gets the permissions a plain ``open(path, "w")`` would give it.
    """
    check_writable(path, what)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            if path.exists():
                os.chmod(temp, path.stat().st_mode & 0o7777)
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise _unwritable(path, what, exc) from None
