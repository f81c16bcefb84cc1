"""memory:// rate-limit storage: one thread at a time restarts the expiry timer."""

import threading
import time

from limits.storage import MemoryStorage, storage_from_string

from deliberate.rate_limit_storage import LockedMemoryStorage


class _SlowDeadTimer:
    """A stopped timer whose is_alive() takes a while and counts who is inside it."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self._count = threading.Lock()

    def is_alive(self) -> bool:
        with self._count:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        time.sleep(0.2)  # long enough for a second thread to reach the check too
        with self._count:
            self.inside -= 1
        return False


def _two_threads_increment(storage) -> tuple[_SlowDeadTimer, list[BaseException]]:
    storage.timer.cancel()
    timer = storage.timer = _SlowDeadTimer()
    errors: list[BaseException] = []

    def increment():
        try:
            storage.incr("key", 60)
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    threads = [threading.Thread(target=increment) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timer, errors


def test_the_app_default_memory_storage_is_the_locked_one():
    import deliberate.extensions  # noqa: F401 - registers the storage, as the app does

    assert type(storage_from_string("memory://")) is LockedMemoryStorage


def test_two_threads_never_check_and_restart_the_timer_at_once():
    timer, errors = _two_threads_increment(LockedMemoryStorage())
    assert timer.most_inside == 1 and errors == []


def test_limits_own_class_lets_them_both_in():
    # The race the subclass closes: both threads pass the check, then both start timers.
    timer, _errors = _two_threads_increment(MemoryStorage())
    assert timer.most_inside == 2
