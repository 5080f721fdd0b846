"""The command line's settings checked before Hydra: a typo gets one line naming the setting meant."""
import pytest

from harness.run.config import job_config
from harness.run.overrides import setting_key, unknown_setting


@pytest.mark.parametrize("arguments, line", [
    (["attemps=100"], "unknown setting attemps; did you mean attempts"),
    (["+attemps=100"], "unknown setting attemps; did you mean attempts"),
    (["bank=tiny", "solver.hitrate=0.2"], "unknown setting solver.hitrate; did you mean solver.hit_rate"),
    (["++solver.hitrate=0.2"], "unknown setting solver.hitrate; did you mean solver.hit_rate"),
    (["tracking.ur=x"], "unknown setting tracking.ur; did you mean tracking.uri"),
    (["server.modle=x"], "unknown setting server.modle; did you mean server.model"),
    (["solvr.hit_rate=0.2"], "unknown setting solvr; did you mean solver (in solvr.hit_rate)"),
    (["zzz=1"], "unknown setting zzz; the settings are: arm, attempts, bank, "),
])
def test_a_setting_no_config_has_is_one_line_with_the_close_ones(arguments, line):
    assert line in unknown_setting(arguments)


@pytest.mark.parametrize("arguments", [
    ["attempts=100", "seed=range(3)", "solver=random,synthetic", "+arm=random_cheap", "experiment=volume_thesis"],
    ["solver.hit_rate=0.2", "+solver.zipf_exponent=1.5", "server.threads=2", "+bank.families.pell=[]"],
    ["-m", "--config-name", "config", "hydra.verbose=true", "hydra/launcher=basic", "~solver.hit_rate"],
])
def test_settings_some_config_has_and_hydras_own_are_left_to_hydra(arguments):
    assert unknown_setting(arguments) is None


def test_an_override_names_its_setting_without_its_prefix():
    assert [setting_key(a) for a in ("+a.b=1", "++a=1", "~a=1", "-m", "a", "x@y=1")] == ["a.b", "a", "a", None, None, None]


def test_a_config_with_an_unknown_key_gets_the_same_line():
    with pytest.raises(ValueError, match="unknown setting atempts; did you mean attempts"):
        job_config({"atempts": 5})
