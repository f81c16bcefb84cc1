"""A queue in front of SQLite's one write lock, so a freed lock is taken at once.

SQLite makes a writer that finds the lock taken poll for it, sleeping 1, 2, 5, 10 ...
up to 100 ms between tries (its default busy handler, which Python's ``timeout`` sets).
Under a surge every waiter soon sleeps 50–100 ms, and the lock, freed after a few
milliseconds of work, can stand idle until one of them wakes. The unlucky waiters are
the slow tail: with the queue, a signature surge's p99 fell from 1.3 s to 0.83 s
(docs/benchmarks.md).

So writers in this process queue on a ``threading.Lock`` (a blocked thread is woken
the moment it is released), and the one at the head takes an exclusive ``flock`` on
``<database>-writer.lock``, trying every 0.2–2 ms, which queues the processes. Only
then does it issue BEGIN IMMEDIATE, which normally finds the lock free.

SQLite's lock is still what keeps writes apart; the queue only orders the app's own
writers. A writer whose turn has not come within the busy timeout is refused as
SQLite would refuse it: "database is locked" (T07). Writers outside the app (the
sqlite3 shell, a backup) do not know the queue; they take SQLite's lock directly and
the app's writers wait for them there. The flock is released by the kernel when a
process dies, so a crash cannot wedge the queue. The turn belongs to the sqlite3
connection (``QueuedConnection``) and ends when its COMMIT or ROLLBACK has finished, or
when it is closed: SQLAlchemy's commit event fires *before* the COMMIT, and a turn
ended there let the next writer meet the lock still held during the fsync, and fall
back to SQLite's sleeping wait.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

# How long the head of a process's queue sleeps between tries at another process's
# turn: short, because a turn lasts a few milliseconds.
_FIRST_NAP, _LONGEST_NAP = 0.0002, 0.002


class WriterQueue:
    """One database file's queue of writers, shared by the threads of one process."""

    def __init__(self, database_path: str, timeout: float) -> None:
        self.lock_path = f"{database_path}-writer.lock"
        self.timeout = timeout
        self._thread_lock = threading.Lock()
        self._file: int | None = None
        self._owner_pid: int | None = None

    def join(self) -> bool:
        """Wait for this writer's turn; False when the wait outlasted the busy timeout."""
        deadline = time.monotonic() + self.timeout
        if not self._thread_lock.acquire(timeout=self.timeout):
            return False
        try:
            if self._take_file_lock(deadline):
                return True
        except BaseException:
            self._thread_lock.release()
            raise
        self._thread_lock.release()
        return False

    def leave(self) -> None:
        """End this writer's turn (after its COMMIT or ROLLBACK)."""
        try:
            fcntl.flock(self._descriptor(), fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _take_file_lock(self, deadline: float) -> bool:
        # flock cannot wait with a timeout, so only the head of each process's queue tries,
        # in short naps, until the deadline.
        nap = _FIRST_NAP
        while True:
            try:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(nap)
                nap = min(nap * 2, _LONGEST_NAP)

    def _descriptor(self) -> int:
        # A forked worker shares its parent's open file, and with it the parent's flock:
        # each process opens its own.
        if self._owner_pid != os.getpid():
            self._file = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._owner_pid = os.getpid()
        return self._file


class QueuedConnection(sqlite3.Connection):
    """An sqlite3 connection that ends its writer's turn once COMMIT or ROLLBACK is done.

    ``database.engine_options`` makes every file database's connection one of these
    (sqlite3.connect's ``factory``); ``database`` sets ``turn`` when the writer's turn
    comes, before its BEGIN IMMEDIATE.
    """

    turn: WriterQueue | None = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()

    def end_turn(self) -> None:
        """Let the next writer in, if this connection holds the turn."""
        queue, self.turn = self.turn, None
        if queue is not None:
            queue.leave()
