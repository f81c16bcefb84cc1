"""The rate limiter's in-memory storage, with its expiry timer replaced under a lock.

limits 5.8.0 (the newest we can install) checks ``self.timer.is_alive()`` and then
replaces and starts the timer without a lock. Two threads of one gthread worker can
both pass the check, and one then starts the timer the other already started:
RuntimeError, a 500 for that request. The surge benchmark met it about once in
1,400 signatures. Upstream fixed it after this release (alisaifee/limits#352).

Importing this module registers the subclass below for ``memory://``, the default
RATELIMIT_STORAGE_URI, in place of limits' own class (limits keeps one class per
scheme, and the last class defined wins). Delete the module once the pinned limits
has the fix.
"""

import threading

from limits.storage import MemoryStorage


class LockedMemoryStorage(MemoryStorage):
    """limits' MemoryStorage, with one thread at a time deciding to restart the timer."""

    STORAGE_SCHEME = ["memory"]

    def __init__(self, *args, **kwargs) -> None:
        self._expiry_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def __setstate__(self, state: dict) -> None:
        self._expiry_lock = threading.Lock()
        super().__setstate__(state)

    # The parent's private method, under its mangled name, so that its own calls land here.
    def _MemoryStorage__schedule_expiry(self) -> None:
        with self._expiry_lock:
            super()._MemoryStorage__schedule_expiry()
