"""The one exception type that the command line turns into a one-line message."""


class PfmapError(ValueError):
    """A user-facing error: bad input, an impossible request, a corrupt run folder.

    The message is one line that says what is wrong and what to do instead.
    ``pfmap`` on the command line prints it as ``pfmap: error: <message>`` and
    exits with status 2; in Python it is an ordinary ``ValueError``.

    Examples
    --------
    >>> try:
    ...     raise PfmapError("n must be >= 1; got 0")
    ... except ValueError as exc:
    ...     print(exc)
    n must be >= 1; got 0
    """
