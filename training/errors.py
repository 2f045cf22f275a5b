"""The one error type of the training pipeline: a setup problem found before any training starts."""


class TrainingSetupError(Exception):
    """Bad arguments, data or model; the message is one sentence naming the problem.

    Raised where the problem is found; `main` of each CLI prints it as `error: <message>`.
    """


def first_line(error: BaseException) -> str:
    """The first line of a library's (often multi-line) error message, for a one-sentence error."""
    lines = str(error).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(error).__name__
