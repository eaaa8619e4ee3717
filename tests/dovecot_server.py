"""The tests' name for the throw-away Dovecot that lives in fixtures/ (the demo starts it too)."""

from fixtures.dovecot.server import INSTALL_HINT, PASSWORD, USERNAME, Dovecot, _free_port, dovecot_server

__all__ = ["INSTALL_HINT", "PASSWORD", "USERNAME", "Dovecot", "_free_port", "dovecot_server"]
