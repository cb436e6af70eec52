"""Each flow's log-determinant against autograd's Jacobian, and the structure each promises."""

import pytest
import torch

from vae.model.flows import Flow, IAFStep, PlanarFlow, RadialFlow

DIM = 5


@pytest.fixture(autouse=True)
def _double_precision():
    # Jacobians are compared to 1e-6: float64 throughout, restored after each test.
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def _jacobian_logdet(fn, z):
    jac = torch.autograd.functional.jacobian(fn, z)
    return torch.linalg.slogdet(jac)[1], jac


@pytest.mark.parametrize("kind", ["planar", "radial", "iaf"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_det_matches_autograd_jacobian(kind, seed):
    torch.manual_seed(seed)
    flow = Flow(kind, DIM, length=3, context_dim=7).double()
    for p in flow.parameters():  # move IAF away from its near-identity start
        torch.nn.init.normal_(p, std=0.5)
    params = torch.randn(flow.param_dim) * 1.5
    z = torch.randn(DIM) * 2
    _, log_det = flow(z[None], params[None])
    expected, _ = _jacobian_logdet(lambda v: flow(v[None], params[None])[0][0], z)
    torch.testing.assert_close(log_det[0], expected, rtol=1e-6, atol=1e-6)


def test_planar_u_hat_keeps_the_flow_invertible():
    torch.manual_seed(0)
    w = torch.randn(1000, DIM)
    u = -10 * w + torch.randn(1000, DIM)  # the adversarial direction: wᵀu ≪ −1
    u_hat = PlanarFlow.constrain_u(u, w)
    assert ((w * u_hat).sum(-1) >= -1 - 1e-6).all()
    # Invertible along w: the projection wᵀf(z) must be strictly increasing in wᵀz.
    flow = PlanarFlow(DIM)
    params = torch.cat([u[:1], w[:1], torch.zeros(1, 1)], dim=-1)
    direction = w[0] / w[0].norm()
    t = torch.linspace(-5, 5, 2001)[:, None]
    out, log_det = flow(t * direction, params.expand(2001, -1))
    projection = (out * direction).sum(-1)
    assert (projection.diff() > 0).all()
    assert torch.isfinite(log_det).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("scale", [1e-3, 1e-4, 1e-5, 1e-6])
def test_planar_constraint_holds_for_tiny_w(scale, dtype):
    # With ‖w‖² + 1e-8 in the denominator, ‖w‖ ≲ 1e-4 shrank the correction and
    # wᵀû fell far below −1 whenever wᵀu did.
    torch.manual_seed(0)
    w = (torch.randn(500, DIM) * scale).to(dtype)
    u = (-10 * w / w.pow(2).sum(-1, keepdim=True) + torch.randn(500, DIM)).to(dtype)
    assert ((w * u).sum(-1) < -5).all()  # the adversarial start: wᵀu ≈ −10
    u_hat = PlanarFlow.constrain_u(u, w)
    wu_hat = (w * u_hat).sum(-1)
    expected = -1 + torch.nn.functional.softplus((w * u).sum(-1))  # m(wᵀu)
    tolerance = 1e-3 if dtype == torch.float32 else 1e-9
    assert (wu_hat >= -1 - tolerance).all()
    torch.testing.assert_close(wu_hat, expected, atol=tolerance, rtol=0)
    zero = PlanarFlow.constrain_u(u[:1], torch.zeros(1, DIM, dtype=dtype))
    torch.testing.assert_close(zero, u[:1])  # w = 0: nothing to correct, and no 0/0


def test_radial_parameters_keep_the_flow_invertible():
    flow = RadialFlow(DIM)
    params = torch.cat([torch.zeros(1, DIM), torch.tensor([[0.3, -20.0]])], dim=-1)
    r = torch.linspace(0.0, 6.0, 500)[:, None]
    direction = torch.ones(DIM) / DIM**0.5
    out, log_det = flow(r * direction, params.expand(500, -1))
    radius = out.norm(dim=-1)
    assert (radius.diff() >= 0).all()
    assert torch.isfinite(log_det).all()


def test_iaf_jacobian_is_triangular_in_its_variable_order():
    torch.manual_seed(3)
    for reverse in (False, True):
        step = IAFStep(DIM, context_dim=4, hidden=16, reverse=reverse).double()
        for p in step.parameters():
            torch.nn.init.normal_(p, std=0.5)
        h = torch.randn(1, 4)
        z = torch.randn(DIM)
        jac = torch.autograd.functional.jacobian(lambda v, s=step, c=h: s(v[None], c)[0][0], z)
        ordered = jac[step.order][:, step.order]
        assert torch.allclose(ordered.triu(1), torch.zeros_like(ordered))
        assert (ordered.diagonal().abs() > 0).all()


def test_flows_accept_extra_sample_dimensions():
    for kind in ("planar", "radial", "iaf"):
        flow = Flow(kind, DIM, length=2).double()
        z = torch.randn(3, 4, DIM)
        params = torch.randn(4, flow.param_dim).expand(3, 4, -1)
        out, log_det = flow(z, params)
        assert out.shape == z.shape and log_det.shape == (3, 4)
        single, single_log_det = flow(z[1], params[1])
        torch.testing.assert_close(out[1], single)
        torch.testing.assert_close(log_det[1], single_log_det)
