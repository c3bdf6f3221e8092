"""The job journal: durable, torn-tail tolerant, bound to one program."""

from __future__ import annotations

import pytest

from hardware.journal import Journal, JournalError, program_digest

LINES = ["G21", "(stroke 0)", "G1 X1 Y1 F1000", "(stroke 1)", "G1 X2 Y2"]


def new_journal(tmp_path, strokes=5):
    return Journal.create(tmp_path / "job.journal", digest=program_digest(LINES), strokes=strokes,
                          source="in.svg", machine="grbl-servo")


def test_completed_strokes_survive_reopening(tmp_path):
    journal = new_journal(tmp_path)
    for index in (0, 1, 3):
        journal.record_stroke(index)
    again = Journal.open(journal.path)
    assert again.completed == {0, 1, 3} and again.next_stroke == 2 and not again.finished
    assert again.header["source"] == "in.svg"


def test_a_torn_last_line_is_ignored_and_trimmed(tmp_path):
    journal = new_journal(tmp_path)
    journal.record_stroke(0)
    with open(journal.path, "a") as handle:
        handle.write('{"index": 1, "ki')  # the power went out mid-write
    again = Journal.open(journal.path)
    assert again.completed == {0}
    again.record_stroke(1)
    assert Journal.open(journal.path).completed == {0, 1}


def test_a_corrupt_middle_line_is_an_error_naming_the_line(tmp_path):
    journal = new_journal(tmp_path)
    with open(journal.path, "a") as handle:
        handle.write("garbage\n")
    journal.record_stroke(0)
    with pytest.raises(JournalError, match=r"job.journal:2: corrupt"):
        Journal.open(journal.path)


def test_a_journal_of_another_program_is_refused(tmp_path):
    journal = new_journal(tmp_path)
    with pytest.raises(JournalError, match="different program"):
        Journal.open(journal.path).check_program(program_digest(LINES + ["M5"]))
    Journal.open(journal.path).check_program(program_digest(LINES))


def test_an_existing_journal_is_never_overwritten(tmp_path):
    new_journal(tmp_path).record_stroke(0)
    with pytest.raises(JournalError, match="already exists"):
        new_journal(tmp_path)
    assert Journal.open(tmp_path / "job.journal").completed == {0}


@pytest.mark.parametrize("content", [b"", b"hello\n", b'{"kind": "stroke", "index": 0}\n'])
def test_other_files_are_not_journals(tmp_path, content):
    (tmp_path / "x").write_bytes(content)
    with pytest.raises(JournalError, match="not a plotter job journal"):
        Journal.open(tmp_path / "x")


def test_finished_and_all_strokes_done(tmp_path):
    journal = new_journal(tmp_path, strokes=2)
    journal.record_stroke(1)
    journal.record_stroke(0)
    journal.record_finished()
    again = Journal.open(journal.path)
    assert again.finished and again.next_stroke == 2
