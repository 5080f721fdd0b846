"""The kinds of search the report compares, declared once (harness.reporting.arms)."""
from harness.reporting import arms as kinds
from harness.reporting.arms import group_arms


def test_every_arm_has_one_kind_and_the_rules_pick_arms_by_kind(run):
    made = [run(0, [], arm="random_a"), run(0, [], arm="heavy", solver="heavy_tailed"),
            run(0, [], arm="urn", solver="synthetic"), run(0, [], arm="mine", solver="my_iid_solver"),
            run(0, [], arm="evolve_a", solver="evolve", exchangeable=False),
            run(0, [], arm="evolve_llm", solver="evolve", exchangeable=False), run(0, [], arm="llm_a", solver="replay")]
    for r in made[-2:]:
        r.summary["spend"] = {"tokens": 100}
    arms = {a.name: a for a in group_arms(made)}
    assert {name: kinds.kind(a) for name, a in arms.items()} == {
        "random_a": kinds.UNIFORM, "heavy": kinds.HEAVY_TAILED, "urn": kinds.URN, "mine": kinds.EXCHANGEABLE,
        "evolve_a": kinds.ADAPTIVE, "evolve_llm": kinds.MODEL, "llm_a": kinds.MODEL}
    names = lambda *wanted: [a.name for a in kinds.of_kind(list(arms.values()), *wanted)]  # noqa: E731
    assert names(kinds.ADAPTIVE) == ["evolve_a", "evolve_llm"]  # a model in an adaptive search is adaptive too
    assert names(kinds.MODEL) == ["evolve_llm", "llm_a"]
    assert names(kinds.UNIFORM, kinds.HEAVY_TAILED) == ["heavy", "random_a"]  # a model's arm is never a stub
    assert names(kinds.EXCHANGEABLE) == ["heavy", "llm_a", "mine", "random_a", "urn"]


def test_the_report_walks_one_ordered_list_of_section_modules():
    from harness.reporting.document import SECTIONS
    from harness.reporting.sections import SECTIONS as MODULES

    assert SECTIONS == tuple(m.TITLE for m in MODULES) and len(set(SECTIONS)) == len(SECTIONS)
    assert all(callable(m.markdown) for m in MODULES)
