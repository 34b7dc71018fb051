"""Hand back chunk leases whose holder is known to be dead, so a resumed job need not wait
for them to lapse. Shared by both runners."""

from __future__ import annotations

import os
import socket

from longform.services import Services
from longform.store import queries


def release_dead_leases(services: Services) -> int:
    """Release leases held by processes of this host that no longer exist; return how many."""
    with services.sessions() as session:
        dead = [o for o in queries.lease_owners(session) if _owner_is_dead(o, services.worker_id)]
        return queries.release_leases(session, dead)


def _owner_is_dead(owner: str, me: str) -> bool:
    """A lease owner on this host is dead if its process is gone or was our own pid.

    Owners on other hosts are never judged here: their leases lapse on their own.
    """
    host, _, rest = owner.partition(":")
    pid_text, _, _tag = rest.partition(":")
    if host != socket.gethostname() or owner == me:
        return False
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():  # an earlier life of this very process id
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
