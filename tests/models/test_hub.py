"""No network: a hub id fails (or goes offline to the cache) at once, in one line, without retry noise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from hawkcli.cli.app import main
from hawkcli.errors import InputError
from hawkcli.models import hub
from hawkcli.models.loading import resolve_model

DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens, the connect is refused at once


@pytest.fixture
def no_network(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    for name in hub.PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", DEAD)
    hub.reachable.cache_clear()
    yield
    hub.reachable.cache_clear()


def test_a_mistyped_alias_suggests_the_nearest_one():
    with pytest.raises(InputError, match=r"unknown model 'qwen2.5-vl-8b'.*did you mean qwen2.5-vl-7b\?"):
        resolve_model("qwen2.5-vl-8b")


def test_unreachable_hub_is_one_line_at_once(capsys, no_network, image_dir):
    assert not hub.reachable()
    start = time.perf_counter()
    code = main(["run", "--model", "someorg/not-cached", "--image", str(image_dir / "img0.png"), "-q", "x"])
    elapsed = time.perf_counter() - start
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert f"the hub ({DEAD}) is unreachable" in err and "not in the hub cache" in err and "Retry" not in err
    assert elapsed < 20  # the retrying client took 26-50 s here; generous bound, not a benchmark


def test_proxy_is_what_gets_probed(monkeypatch, no_network):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert hub._probe_target() == ("proxy.internal", 3128)


def test_a_cached_model_loads_offline_when_the_hub_is_unreachable(tiny_qwen25, tmp_path, image_dir):
    """The hub-cache layout huggingface_hub writes: models--org--name/{refs/main, snapshots/<commit>/...}."""
    commit = "0" * 40
    repo = tmp_path / "hf" / "hub" / "models--someorg--tiny"
    shutil.copytree(tiny_qwen25, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_HOME=str(tmp_path / "hf"), HF_ENDPOINT=DEAD)
    cmd = [sys.executable, "-m", "hawkcli.cli.app", "run", "--model", "someorg/tiny", "--image",
           str(image_dir / "img0.png"), "-q", "x", "--method", "uniform", "--max-new-tokens", "1", "-f", "json"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "is unreachable; using the copy in the hub cache" in done.stderr and "Retry" not in done.stderr
    assert '"answer"' in done.stdout
