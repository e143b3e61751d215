"""The exception every failing runtime call raises (kept free of the native
module so that it can be imported and caught anywhere)."""

__all__ = ["AwqError"]


class AwqError(RuntimeError):
    """A runtime call failed. `status` is the awq_status name
    ("AWQ_ERROR_NO_DEVICE", ...), `message` the runtime's message."""

    def __init__(self, status, message):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
