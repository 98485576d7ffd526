"""hirebot: sourced guidance on hiring AI/ML talent, in Slack and on the command line."""

__version__ = "0.1.0"
