"""The counter-based sampler of the batch path: attempt i's candidate from (seed, problem, i) alone."""
import numpy as np
import pytest

from harness.core import batch
from harness.core.space import BitString, IntBox
from problems.golomb import make as golomb
from problems.ramsey import make as ramsey
from problems.three_cubes import make as three_cubes


@pytest.mark.parametrize("box", [IntBox(3, -40, 40), IntBox(10, 0, 55), IntBox(2, 0, 10**15)], ids=str)
def test_a_candidate_does_not_depend_on_where_its_batch_starts_or_ends(box):
    whole = batch.sample(box, 3, "p/x=1", 0, 1000)
    pieces = [batch.sample(box, 3, "p/x=1", a, b) for a, b in ((0, 1), (1, 333), (333, 334), (334, 1000))]
    assert np.array_equal(whole, np.concatenate(pieces))
    assert np.array_equal(batch.sample(box, 3, "p/x=1", 10**9, 10**9 + 5)[2], batch.sample(box, 3, "p/x=1",
                                                                                         10**9 + 2, 10**9 + 3)[0])
    assert whole.dtype == np.int64 and whole.shape == (1000, box.arity)
    assert whole.min() >= box.lo and whole.max() <= box.hi


def test_seeds_and_problems_draw_different_candidates():
    box = IntBox(3, -40, 40)
    draws = [batch.sample(box, s, p, 0, 100) for s, p in ((0, "a"), (1, "a"), (0, "b"))]
    assert not np.array_equal(draws[0], draws[1]) and not np.array_equal(draws[0], draws[2])


def test_every_value_of_the_box_is_drawn_about_equally_often():
    values = batch.sample(IntBox(2, -3, 3), 0, "p", 0, 70_000).ravel()
    counts = np.bincount(values + 3, minlength=7)
    expected = len(values) / 7
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))  # five standard deviations


def test_candidate_texts_read_back_as_the_values_the_family_parses():
    problem = three_cubes(k=1, bound=40)
    values = batch.sample(problem.space, 0, problem.id, 0, 50)
    assert [problem.parse(text) for text in batch.texts(values)] == [tuple(row) for row in values.tolist()]
    marks = golomb(marks=10, bound=55)
    assert batch.blocks(marks.space) == 3  # ten coordinates: three blocks of four words per attempt


@pytest.mark.parametrize("length", [10, 64, 136, 200])
def test_a_bit_string_does_not_depend_on_its_batch_and_every_bit_is_fair(length):
    space = BitString(length)
    whole = batch.sample(space, 3, "p/x=1", 0, 4000)
    pieces = [batch.sample(space, 3, "p/x=1", a, b) for a, b in ((0, 1), (1, 1500), (1500, 4000))]
    assert np.array_equal(whole, np.concatenate(pieces))
    assert whole.dtype == np.uint64 and whole.shape == (4000, -(-length // 64))
    bits = batch.unpacked(whole, length)
    assert np.array_equal(batch.packed(bits), whole)  # no bit set past the string
    ones = bits.sum(axis=0, dtype=np.int64)
    assert np.all(np.abs(ones - 2000) < 5 * np.sqrt(1000))  # each bit: five standard deviations


def test_bit_strings_read_back_as_the_colourings_the_family_parses():
    problem = ramsey(n=17, k=4)
    words = batch.sample(problem.space, 0, problem.id, 0, 50)
    texts = batch.texts(words, problem.space)
    assert all(len(t) == 136 for t in texts)
    assert [problem.parse(text) for text in texts] == [tuple(row) for row in batch.unpacked(words, 136).tolist()]
    assert batch.texts(words[:0], problem.space) == []  # a piece without a hit


def test_a_box_wider_than_int64_is_refused():
    with pytest.raises(ValueError, match="wider than int64"):
        batch.sample(IntBox(1, -2**63, 2**63), 0, "p", 0, 1)


def test_hits_in_cache_sized_chunks_are_the_rows_one_whole_check_passes():
    problem = three_cubes(k=3, bound=5)  # small box: many hits, in every chunk
    start, stop = 1234, 1234 + 2 * batch.CHUNK + 77  # crosses two chunk boundaries

    def values_of(a, b):
        return batch.sample(problem.space, 0, problem.id, a, b)

    offsets, values = batch.hits(problem, values_of, start, stop)
    whole = values_of(start, stop)
    expected = np.flatnonzero(problem.batch_valid(whole))
    assert expected.size > 10
    assert np.array_equal(offsets, expected)
    assert np.array_equal(values, whole[expected])
    assert batch.hits(problem, values_of, start, start)[0].size == 0
