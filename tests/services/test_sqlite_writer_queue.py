"""The queue in front of SQLite's write lock: one turn at a time, bounded waits, no leaks."""

import threading

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from deliberate import database
from deliberate.sqlite_writer_queue import WriterQueue

TIMEOUT = 0.3  # seconds: a refused wait in these tests is short


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    made = create_engine(url, **database.engine_options(url, TIMEOUT, {}))
    database.configure_engine(made, busy_timeout=TIMEOUT)
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE note (id integer primary key, body text)"))
    yield made
    made.dispose()


def _writer(engine):
    return engine.connect().execution_options(**{database.WRITE_OPTION: True})


def _write(engine, body: str) -> None:
    with _writer(engine) as connection:
        connection.execute(text("INSERT INTO note (body) VALUES (:b)"), {"b": body})
        connection.commit()


def _bodies(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT body FROM note ORDER BY id")))


def test_a_second_queue_on_the_same_file_waits_for_the_first_turn(tmp_path):
    # Two queues on one file stand for two processes: the flock keeps them apart.
    first = WriterQueue(str(tmp_path / "db"), timeout=TIMEOUT)
    second = WriterQueue(str(tmp_path / "db"), timeout=TIMEOUT)
    assert first.join()
    assert not second.join()  # refused after the timeout, while the first turn lasts
    first.leave()
    assert second.join()
    second.leave()


def test_threads_of_one_process_take_turns(tmp_path):
    queue = WriterQueue(str(tmp_path / "db"), timeout=TIMEOUT)
    assert queue.join()
    outcome = []
    waiter = threading.Thread(target=lambda: outcome.append(queue.join()))
    waiter.start()
    waiter.join()
    assert outcome == [False]
    queue.leave()
    assert queue.join()
    queue.leave()


def test_a_writer_whose_turn_does_not_come_is_told_the_database_is_locked(engine):
    holder = _writer(engine)
    holder.execute(text("INSERT INTO note (body) VALUES ('held')"))
    failures = []

    def second_writer():
        try:
            _write(engine, "second")
        except OperationalError as error:
            failures.append(str(error))

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join()
    assert failures and "database is locked" in failures[0]
    holder.commit()
    holder.close()
    _write(engine, "after")
    assert _bodies(engine) == ["held", "after"]


def test_a_failed_write_gives_up_its_turn(engine):
    with pytest.raises(OperationalError), _writer(engine) as connection:
        connection.execute(text("INSERT INTO no_such_table VALUES (1)"))
    _write(engine, "next")  # would be refused if the failed writer still held its turn
    assert _bodies(engine) == ["next"]


def test_a_connection_closed_mid_write_gives_up_its_turn(engine):
    connection = _writer(engine)
    connection.execute(text("INSERT INTO note (body) VALUES ('lost')"))
    connection.invalidate()  # as when the pool throws a broken connection away
    _write(engine, "next")  # invalidating freed the turn; the lost row never landed
    assert _bodies(engine) == ["next"]


def test_many_concurrent_writers_all_land_once(engine):
    errors = []

    def writer(n):
        try:
            for k in range(10):
                _write(engine, f"{n}-{k}")
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(_bodies(engine)) == sorted(f"{n}-{k}" for n in range(8) for k in range(10))


def test_the_turn_lasts_until_the_commit_itself_has_finished(engine):
    # SQLAlchemy's commit event fires before the COMMIT runs. A turn ended there would
    # let the next writer meet SQLite's lock still held through the fsync.
    other_process = WriterQueue(engine.url.database, timeout=0.05)
    seen_during_commit = []

    @event.listens_for(engine, "commit")
    def try_to_cut_in(_connection):
        got_in = other_process.join()
        seen_during_commit.append(got_in)
        if got_in:
            other_process.leave()

    _write(engine, "first")
    assert seen_during_commit == [False]
    assert other_process.join()  # and once the commit is done, the next writer gets in
    other_process.leave()
