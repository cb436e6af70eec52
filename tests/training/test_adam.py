"""vae.training.optim.FusedAdam: bit-identical to torch.optim.Adam(fused=True), its state interchangeable."""

from __future__ import annotations

import copy
import subprocess
import sys

import torch

from vae.training.optim import FusedAdam, adam


def _net(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))


def _train(model: torch.nn.Module, optimizer, steps: int, seed: int = 1) -> None:
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x = torch.randn(8, 6, generator=g)
        optimizer.zero_grad(set_to_none=True)
        model(x).pow(2).sum().backward()
        optimizer.step()


def test_updates_are_bit_identical_to_torch_fused_adam() -> None:
    ours, theirs = _net(), _net()
    _train(ours, FusedAdam(ours.parameters(), 3e-3), 25)
    _train(theirs, torch.optim.Adam(theirs.parameters(), lr=3e-3, fused=True), 25)
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert torch.equal(a, b)
    # and not trivially: the weights moved
    assert not torch.equal(next(ours.parameters()), next(_net().parameters()))


def test_a_parameter_without_gradient_is_left_alone() -> None:
    model = _net()
    frozen = model[2].bias
    before = frozen.detach().clone()
    opt = FusedAdam(model.parameters(), 1e-2)
    model[0](torch.randn(4, 6)).sum().backward()  # only the first layer gets gradients
    opt.step()
    assert torch.equal(frozen, before)
    assert frozen not in opt.state


def test_state_dict_has_torch_layout_and_loads_both_ways() -> None:
    ours, theirs = _net(), _net()
    opt_ours = FusedAdam(ours.parameters(), 2e-3)
    opt_theirs = torch.optim.Adam(theirs.parameters(), lr=2e-3, fused=True)
    _train(ours, opt_ours, 5)
    _train(theirs, opt_theirs, 5)
    mine, torchs = opt_ours.state_dict(), opt_theirs.state_dict()
    assert mine["param_groups"] == torchs["param_groups"]
    assert mine["state"].keys() == torchs["state"].keys()
    for index, slots in mine["state"].items():
        assert slots.keys() == torchs["state"][index].keys()
        for slot, value in slots.items():
            assert torch.equal(value, torchs["state"][index][slot])
    # Continue each from the other's state: still bit-identical to one uninterrupted run.
    # (Copies: torch's load_state_dict keeps the given tensors, so two optimisers would share.)
    a, b, reference = _net(), _net(), _net()
    for model in (a, b, reference):
        model.load_state_dict(ours.state_dict())
    opt_a = FusedAdam(a.parameters(), 2e-3)
    opt_a.load_state_dict(copy.deepcopy(torchs))
    opt_b = torch.optim.Adam(b.parameters(), lr=2e-3, fused=True)
    opt_b.load_state_dict(copy.deepcopy(mine))
    opt_ref = torch.optim.Adam(reference.parameters(), lr=2e-3, fused=True)
    opt_ref.load_state_dict(copy.deepcopy(torchs))
    for model, opt in ((a, opt_a), (b, opt_b), (reference, opt_ref)):
        _train(model, opt, 7, seed=2)
    for pa, pb, pr in zip(a.parameters(), b.parameters(), reference.parameters(), strict=True):
        assert torch.equal(pa, pr) and torch.equal(pb, pr)


def test_adam_is_fused_and_a_training_step_does_not_import_dynamo() -> None:
    code = (
        "import sys, torch\n"
        "from vae.training.optim import adam\n"
        "m = torch.nn.Linear(3, 2); o = adam(m, 1e-3)\n"
        "m(torch.randn(4, 3)).sum().backward(); o.step(); o.zero_grad()\n"
        "print(type(o).__name__, 'torch._dynamo' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["FusedAdam", "False"]
    assert isinstance(adam(_net(), 1e-3), FusedAdam)
