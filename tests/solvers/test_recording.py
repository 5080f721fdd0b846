import gzip

import pytest

from harness.solvers.recording import append_records, load_recording, request_key

MESSAGES = [{"role": "user", "content": "Name 1."}]


def test_the_key_changes_with_anything_that_changes_the_completions():
    key = request_key("m", MESSAGES, {"temperature": 1.0, "seed": 0})
    assert key == request_key("m", [dict(m) for m in MESSAGES], {"seed": 0, "temperature": 1.0})
    assert key != request_key("other", MESSAGES, {"temperature": 1.0, "seed": 0})
    assert key != request_key("m", MESSAGES, {"temperature": 0.5, "seed": 0})
    assert key != request_key("m", MESSAGES, {"temperature": 1.0, "seed": 1})
    assert key != request_key("m", [{"role": "user", "content": "Name 2."}], {"temperature": 1.0, "seed": 0})


def test_records_round_trip_from_a_directory_or_a_gzip_file(tmp_path):
    rows = [{"key": "k", "attempt": i, "completion": f"```answer\n{i}\n```"} for i in range(3)]
    append_records(tmp_path / "rec", rows[:2])
    append_records(tmp_path / "rec", rows[2:])  # appends, one line per attempt
    loaded = load_recording(tmp_path / "rec")
    assert sorted(loaded) == [("k", 0), ("k", 1), ("k", 2)] and loaded[("k", 2)]["completion"].endswith("2\n```")
    [part] = (tmp_path / "rec").iterdir()
    with gzip.open(tmp_path / "rec.jsonl.gz", "wt") as out:
        out.write(part.read_text())
    assert load_recording(tmp_path / "rec.jsonl.gz") == loaded


def test_bad_recordings_say_where(tmp_path):
    with pytest.raises(FileNotFoundError, match="no recording at"):
        load_recording(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no .jsonl"):
        load_recording(tmp_path / "empty")
    (tmp_path / "bad.jsonl").write_text('{"key": "k", "attempt": 0}\nnot json\n')
    with pytest.raises(ValueError, match="bad.jsonl:2: not a recording line"):
        load_recording(tmp_path / "bad.jsonl")


def test_the_provenance_beside_a_recording_is_not_read_as_completions(tmp_path):
    from harness.solvers.recording import PROVENANCE_FILE, load_recording

    (tmp_path / PROVENANCE_FILE).write_text('{"run_id": "r", "model": {"file": "m.gguf"}}\n')
    with pytest.raises(FileNotFoundError, match="no .jsonl"):
        load_recording(tmp_path)  # the provenance alone is no recording


def test_recorded_tokens_count_every_line_served_and_not_one_still_being_written(tmp_path):
    from harness.solvers.recording import PROVENANCE_FILE, recorded_tokens

    row = {"key": "k", "completion": "x", "prompt_tokens": 10, "completion_tokens": 3}
    assert recorded_tokens(tmp_path / "nothing yet") == 0
    append_records(tmp_path, [{**row, "attempt": 0}, {**row, "attempt": 1}, {**row, "attempt": 1}])
    assert recorded_tokens(tmp_path) == 3 * 13  # asked twice, served twice
    (tmp_path / PROVENANCE_FILE).write_text('{"run_id": "r", "prompt_tokens": 99, "completion_tokens": 1}\n')
    [part] = [p for p in tmp_path.iterdir() if p.name != PROVENANCE_FILE]
    with open(part, "a", encoding="utf-8") as out:
        out.write('{"key": "k", "attempt": 2, "prompt_tokens": 1')  # a worker's line, half written
    assert recorded_tokens(tmp_path) == 3 * 13
