"""``python -m tickwire``: the same as the ``tickwire`` command (the cluster supervisor
starts its processes this way, with the interpreter it runs on)."""

from tickwire.cli.main import main

main()
