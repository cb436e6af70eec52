"""vae.threads: the override, the measured choice of 1 or all cores, and bench's busy-core block."""

from types import SimpleNamespace

import pytest
import torch

from vae import threads


@pytest.fixture
def no_override(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("VAE_LAB_THREADS", raising=False)
    monkeypatch.setattr(threads, "cores", lambda: 2)
    threads.forget_probe()
    yield
    threads.forget_probe()


def _probe_says(monkeypatch, one: float, all_: float) -> list[int]:
    calls: list[int] = []

    def fake(n, **kwargs):
        calls.append(n)
        return {"one": one, "all": all_}

    monkeypatch.setattr(threads, "probe", fake)
    return calls


def test_all_cores_only_when_clearly_faster():
    assert threads.choose(2, {"one": 2.0, "all": 1.0}) == 2
    assert threads.choose(2, {"one": 1.05, "all": 1.0}) == 1  # a near tie goes to one thread
    assert threads.choose(2, {"one": 1.0, "all": 5.0}) == 1  # the cliff: a core is busy
    # Another process held most of a core while the timing missed it: one thread.
    assert threads.choose(2, {"one": 2.0, "all": 1.0, "others": 0.8}) == 1
    assert threads.choose(2, {"one": 2.0, "all": 1.0, "others": 0.1}) == 2


def test_training_threads_follow_the_probe_and_reuse_it(no_override, monkeypatch):
    calls = _probe_says(monkeypatch, one=1.0, all_=4.0)
    assert threads.training_threads() == 1
    assert threads.training_threads() == 1
    assert calls == [2]  # measured once, then reused
    threads.forget_probe()
    _probe_says(monkeypatch, one=4.0, all_=1.0)
    assert threads.training_threads() == 2


@pytest.mark.parametrize("name", ["VAE_LAB_THREADS", "OMP_NUM_THREADS"])
def test_an_override_wins_without_a_probe(no_override, monkeypatch, name):
    calls = _probe_says(monkeypatch, one=4.0, all_=1.0)
    monkeypatch.setenv(name, "3")
    assert threads.training_threads() == 3
    assert threads.interactive_threads() == 3
    assert threads.overridden() and calls == []


def test_one_core_needs_no_probe(no_override, monkeypatch):
    calls = _probe_says(monkeypatch, one=4.0, all_=1.0)
    monkeypatch.setattr(threads, "cores", lambda: 1)
    assert threads.training_threads() == 1 and calls == []


def test_the_real_probe_times_both_counts_and_restores_torch():
    before = torch.get_num_threads()
    timings = threads.probe(2, rounds=1, budget_s=0.0, settle_s=0.005)
    assert timings["one"] > 0 and timings["all"] > 0
    assert isinstance(timings["others"], float)  # other processes' cores: noisy, not asserted
    assert torch.get_num_threads() == before


def test_using_restores_the_thread_count():
    before = torch.get_num_threads()
    with threads.using(before + 1) as n:
        assert torch.get_num_threads() == n == before + 1
    assert torch.get_num_threads() == before


def test_bench_has_the_busy_core_block_with_both_thread_counts(monkeypatch):
    from vae.bench import figures as bench_figures
    from vae.bench import speed as bench
    from vae.bench.speed import FIGURES, run_bench
    from vae.data import shapes

    # Tiny steps: the networks' own figures are tests/test_precision.py's. Each records
    # the thread count it ran at (and runs no torch op: two threads beside a busy core
    # are the cliff itself); the choosers answer without a probe.
    conv = SimpleNamespace(train_dtype=torch.float32)
    ran_at: dict[str, set[int]] = {name: set() for name in FIGURES}

    def step(name):
        return lambda: (ran_at[name].add(torch.get_num_threads()), sum(range(2000)))

    monkeypatch.setattr(
        bench, "_steps", lambda: ({n: step(n) for n in FIGURES}, {n: 1 for n in FIGURES}, conv)
    )
    monkeypatch.setattr(bench, "matmul_gflops", lambda seconds: 100.0)
    monkeypatch.setattr(shapes, "shapes_render_speed", lambda n, image_size: 1e5)
    monkeypatch.setattr(threads, "training_threads", lambda: 2)
    monkeypatch.setattr(threads, "umap_threads", lambda: 1)
    before = torch.get_num_threads()
    result = run_bench(seconds=0.05, rounds=2)
    assert set(bench_figures.FIGURES) <= set(FIGURES)
    busy = result["busy_core"]
    assert busy["threads_quiet"] == busy["threads_busy"] == 2
    assert busy["umap_threads_quiet"] == busy["umap_threads_busy"] == result["umap_threads"] == 1
    assert result["iwae_threads"] == 2
    assert ran_at["umap_points_per_s"] == {1} and ran_at["iwae_examples_per_s"] == {2}
    assert ran_at["mlp_train_samples_per_s"] == {2}
    for name in FIGURES:
        assert busy[name] > 0 and result[name] > 0, name
        assert busy[f"{name}_fraction"] == pytest.approx(busy[name] / result[name], rel=0.05)
    assert busy["min_fraction"] == min(busy[f"{n}_fraction"] for n in FIGURES)
    assert result["iwae_k"] == bench_figures.IWAE_K and result["iwae_batch"] > 0
    assert result["umap_points"] == bench_figures.UMAP_POINTS and result["umap_epochs"] > 0
    assert isinstance(result["trustworthy"], bool) and "load_1min" in result
    assert result["trustworthy"] == (result["why"] == "")
    assert result["conv_plain_loop_threads"] == result["threads"]
    torch.set_num_threads(before)


def test_umap_threads_is_the_measured_choice_and_the_override(no_override, monkeypatch):
    _probe_says(monkeypatch, one=1.0, all_=4.0)  # a core is busy: one thread
    assert threads.umap_threads() == 1
    threads.forget_probe()
    _probe_says(monkeypatch, one=4.0, all_=1.0)
    assert threads.umap_threads() == 2
    monkeypatch.setenv("VAE_LAB_THREADS", "1")
    assert threads.umap_threads() == 1


def test_bench_figures_run_on_a_small_model_and_map(monkeypatch):
    from vae.bench import figures as bench_figures
    from vae.model.autoencoder import VAE
    from vae.model.config import VAEConfig

    monkeypatch.setattr(bench_figures, "UMAP_POINTS", 300)
    monkeypatch.setattr(bench_figures, "UMAP_EPOCHS", 3)
    steps = bench_figures.steps(lambda: VAE(VAEConfig(latent_dim=2, hidden_dims=(16,)), (1, 8, 8)))
    assert set(steps) == set(bench_figures.FIGURES) == set(bench_figures.PER_STEP)
    for step in steps.values():
        step()
