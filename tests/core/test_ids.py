"""Request and answer ids: unique, well-formed, and never shared by forked workers."""

from __future__ import annotations

import os
import uuid

from chatbot.core import ids


def test_answer_ids_are_version_4_uuids_and_unique() -> None:
    made = [ids.answer_id() for _ in range(2000)]  # several blocks of random bytes
    assert len(set(made)) == len(made)
    for value in made[:50]:
        parsed = uuid.UUID(value)
        assert parsed.version == 4 and str(parsed) == value


def test_request_ids_are_hex_and_unique() -> None:
    made = [ids.request_id() for _ in range(600)]
    assert len(set(made)) == len(made)
    assert all(len(value) == 32 and int(value, 16) >= 0 for value in made)


def test_a_forked_child_does_not_repeat_the_parents_ids() -> None:
    ids.request_id()  # the parent now holds a block with ids left in it
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report its next ids and leave without running pytest's teardown
        os.write(write, " ".join(ids.request_id() for _ in range(5)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split())
    parent = {ids.request_id() for _ in range(5)}
    assert len(child) == 5 and not child & parent
