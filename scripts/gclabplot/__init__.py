"""Charts and a report from a gclab results folder (see results/README.md)."""
