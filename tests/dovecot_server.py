"""The tests' name for the throw-away Dovecot that lives in fixtures/ (the demo starts it too)."""

from fixtures.dovecot.server import INSTALL_HINT, PASSWORD, USERNAME, Dovecot, dovecot_server, free_port

__all__ = ["INSTALL_HINT", "PASSWORD", "USERNAME", "Dovecot", "dovecot_server", "free_port"]
