"""nhacviec: a workflow and notification engine for Vietnamese agency deadlines."""

__version__ = "0.1.0"
