"""``torch.optim`` against PyTorch's numbers, texts and errors.

Expected values were computed once with the real PyTorch 2.15 (``~/torch-venv/bin/python``
running the same code as each test) and pasted here; ``EMBER_TEST_TORCH=1`` runs these tests
on PyTorch itself. Parameters follow PyTorch to rounding: ember's trajectories agree with
PyTorch's to a few units in the last place (PyTorch's CPU ``add_(alpha=)`` is a fused
multiply-add, ember's is a multiply then an add), hence ``close`` below.
"""

import copy
import math
import warnings

import pytest
import torch
from torch import optim


def close(got, want, rel=1e-14):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert math.isclose(g, w, rel_tol=rel, abs_tol=1e-300), (got, want)


def grads(t):
    return (
        torch.tensor([math.sin(t + 1.0), math.cos(2.0 * t), 0.3 * t - 0.4], dtype=torch.float64),
        torch.tensor([0.1 * t - 0.05, -0.7], dtype=torch.float64),
    )


def two_groups(name, dtype=torch.float64, **kw):
    p = torch.tensor([1.0, -2.0, 3.0], dtype=dtype, requires_grad=True)
    q = torch.tensor([0.5, 0.25], dtype=dtype, requires_grad=True)
    opt = getattr(optim, name)([{"params": [p]}, {"params": [q], "lr": 0.05}], **kw)
    return opt, p, q


def run(opt, p, q, steps):
    for t in steps:
        gp, gq = grads(t)
        p.grad, q.grad = gp.to(p.dtype), gq.to(q.dtype)
        opt.step()


# Three steps with the gradients of `grads`, group 1 at lr 0.05 (PyTorch 2.15).
TRAJECTORIES = [
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
     [0.5988162996037079, -2.130071212346474, 3.0914078199699997],
     [0.49441726670562497, 0.4354612464371875], ["momentum_buffer"]),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True),
     [1.56261427587657, -1.893068080668362, 2.87334],
     [0.5124275, -0.03171500000000003], ["momentum_buffer"]),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.1, amsgrad=True),
     [0.9716080128326147, -2.005698222108306, 2.99822293462138],
     [0.4175752259587844, 0.3999405358317806],
     ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True),
     [1.025399213994262, -1.9818061636198, 2.969745800841303],
     [0.47541684728792993, 0.09701747088216106], ["step", "exp_avg", "exp_avg_sq"]),
    ("AdamW", dict(lr=0.01, eps=1e-6),
     [0.9712768481376589, -2.011620864812406, 3.0203886875056254],
     [0.5168072561774617, 0.3995499857904663], ["step", "exp_avg", "exp_avg_sq"]),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01),
     [0.8975377738147234, -2.0199446027601047, 3.0503554382448117],
     [0.44860921422848593, 0.8448256702870032],
     ["step", "square_avg", "momentum_buffer", "grad_avg"]),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1),
     [0.819529170156845, -1.9732557027954027, 2.9011976075428336],
     [0.4598990339748493, 0.35554070445073865], ["step", "sum"]),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1),
     [0.9728502798018428, -2.006165645697421, 3.001764861586765],
     [0.44341825510299115, 0.4004870524250831], ["step", "exp_avg", "exp_inf"]),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, decoupled_weight_decay=True, weight_decay=0.1),
     [0.9761109168787631, -1.9955670896858033, 3.0005053482667905],
     [0.45914785227883054, 0.37415539491505445], ["step", "mu_product", "exp_avg", "exp_avg_sq"]),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1),
     [0.991403424715716, -1.9961795102121491, 2.9928499199599976],
     [0.49919171049571603, 0.2511123171068166], ["step", "square_avg", "acc_delta"]),
]


@pytest.mark.parametrize("name, kw, want_p, want_q, keys", TRAJECTORIES,
                         ids=[f"{t[0]}-{i}" for i, t in enumerate(TRAJECTORIES)])
def test_trajectory(name, kw, want_p, want_q, keys):
    opt, p, q = two_groups(name, **kw)
    run(opt, p, q, range(3))
    close(p.tolist(), want_p)
    close(q.tolist(), want_q)
    assert list(opt.state[p].keys()) == keys
    assert opt.state[p]["step"].item() == 3.0 if "step" in keys else True


@pytest.mark.parametrize("name, kw, want_p, want_q, keys", TRAJECTORIES,
                         ids=[f"{t[0]}-{i}" for i, t in enumerate(TRAJECTORIES)])
def test_state_dict_round_trip_resumes_exactly(name, kw, want_p, want_q, keys):
    # float32 parameters: PyTorch casts loaded state to the parameter's dtype, which for
    # float64 ones changes NAdam's float32 `mu_product` (PyTorch itself then drifts).
    opt, p, q = two_groups(name, torch.float32, **kw)
    run(opt, p, q, range(3))
    sd = copy.deepcopy(opt.state_dict())
    opt2, p2, q2 = two_groups(name, torch.float32, **kw)
    with torch.no_grad():
        p2.copy_(p)
        q2.copy_(q)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.05
    run(opt, p, q, range(3, 6))
    run(opt2, p2, q2, range(3, 6))
    assert p2.tolist() == p.tolist() and q2.tolist() == q.tolist()


# PyTorch 2.15's param_groups keys (params first, then the defaults in their order).
GROUP_KEYS = {
    "SGD": ["params", "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize",
            "foreach", "differentiable", "fused"],
    "Adam": ["params", "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach",
             "capturable", "differentiable", "fused", "decoupled_weight_decay"],
    "AdamW": ["params", "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach",
              "capturable", "differentiable", "fused", "decoupled_weight_decay"],
    "RMSprop": ["params", "lr", "momentum", "alpha", "eps", "centered", "weight_decay",
                "capturable", "foreach", "maximize", "differentiable"],
    "Adagrad": ["params", "lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value",
                "foreach", "maximize", "differentiable", "fused"],
    "Adamax": ["params", "lr", "betas", "eps", "weight_decay", "foreach", "maximize",
               "differentiable", "capturable"],
    "NAdam": ["params", "lr", "betas", "eps", "weight_decay", "momentum_decay",
              "decoupled_weight_decay", "maximize", "foreach", "capturable", "differentiable"],
    "Adadelta": ["params", "lr", "rho", "eps", "weight_decay", "maximize", "capturable",
                 "foreach", "differentiable"],
}


@pytest.mark.parametrize("name", sorted(GROUP_KEYS))
def test_param_group_keys_and_defaults(name):
    p = torch.zeros(2, requires_grad=True)
    opt = getattr(optim, name)([p])
    assert list(opt.param_groups[0].keys()) == GROUP_KEYS[name]
    assert list(opt.defaults) == GROUP_KEYS[name][1:]
    assert opt.param_groups[0]["params"][0] is p


def test_defaults_values():
    p = torch.zeros(2, requires_grad=True)
    assert optim.Adam([p]).defaults == {
        "lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0, "amsgrad": False,
        "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
        "fused": None, "decoupled_weight_decay": False,
    }
    assert optim.AdamW([p]).defaults["decoupled_weight_decay"] is True
    assert optim.AdamW([p]).defaults["weight_decay"] == 0.01
    assert isinstance(optim.AdamW([p]), optim.Adam)
    assert optim.SGD([p]).defaults["lr"] == 0.001
    assert optim.NAdam([p]).defaults["lr"] == 0.002
    assert optim.Adadelta([p]).defaults["eps"] == 1e-06


def test_repr():
    p = torch.zeros(2, requires_grad=True)
    q = torch.zeros(1, requires_grad=True)
    opt = optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.1}], lr=0.5)
    assert repr(opt) == (
        "Adam (\n"
        "Parameter Group 0\n"
        "    amsgrad: False\n    betas: (0.9, 0.999)\n    capturable: False\n"
        "    decoupled_weight_decay: False\n    differentiable: False\n    eps: 1e-08\n"
        "    foreach: None\n    fused: None\n    lr: 0.5\n    maximize: False\n"
        "    weight_decay: 0\n"
        "\n"
        "Parameter Group 1\n"
        "    amsgrad: False\n    betas: (0.9, 0.999)\n    capturable: False\n"
        "    decoupled_weight_decay: False\n    differentiable: False\n    eps: 1e-08\n"
        "    foreach: None\n    fused: None\n    lr: 0.1\n    maximize: False\n"
        "    weight_decay: 0\n"
        ")"
    )
    assert repr(optim.SGD([p], lr=0.5, momentum=0.9)) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n"
        "    foreach: None\n    fused: None\n    lr: 0.5\n    maximize: False\n"
        "    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)"
    )


def test_state_dict_format():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    q = torch.tensor([3.0], requires_grad=True)
    opt = optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.1}], lr=0.01)
    p.grad = torch.tensor([0.5, -1.0])
    opt.step()  # q has no gradient: no state
    sd = opt.state_dict()
    assert list(sd) == ["state", "param_groups"]
    assert list(sd["state"]) == [0]
    s0 = sd["state"][0]
    assert list(s0) == ["step", "exp_avg", "exp_avg_sq"]
    assert s0["step"].dtype == torch.float32 and s0["step"].shape == () and s0["step"].item() == 1
    assert s0["exp_avg"].tolist() == [0.05000000074505806, -0.10000000149011612]
    assert s0["exp_avg_sq"].tolist() == [0.0002500000118743628, 0.0010000000474974513]
    assert sd["param_groups"][1]["params"] == [1]
    assert sd["param_groups"][1]["lr"] == 0.1
    assert list(sd["param_groups"][0])[-1] == "params"
    assert str(sd["state"]) == (
        "{0: {'step': tensor(1.), 'exp_avg': tensor([ 0.0500, -0.1000]), "
        "'exp_avg_sq': tensor([0.0003, 0.0010])}}"
    )


def test_state_is_the_optimizers():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    assert len(opt.state) == 0 and p not in opt.state
    p.grad = torch.tensor([1.0, 1.0])
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    sd = opt.state_dict()
    assert opt.state[p] is opt.state[p]
    opt.step()
    # The optimizer updates its buffer in place: every handle sees it, as in PyTorch.
    assert buf.tolist() == [1.899999976158142, 1.899999976158142]
    assert sd["state"][0]["momentum_buffer"].tolist() == buf.tolist()
    assert list(opt.state.keys())[0] is p and len(opt.state) == 1
    # Writes go to the optimizer.
    opt.state[p]["momentum_buffer"] = torch.zeros(2)
    opt.step()
    assert opt.state[p]["momentum_buffer"].tolist() == [1.0, 1.0]
    del opt.state[p]
    assert len(opt.state) == 0
    opt.step()
    assert opt.state[p]["momentum_buffer"].tolist() == [1.0, 1.0]


def test_step_state_refreshed():
    p = torch.tensor([1.0], requires_grad=True)
    opt = optim.Adam([p])
    p.grad = torch.tensor([1.0])
    opt.step()
    st = opt.state[p]
    opt.step()
    assert opt.state[p]["step"].item() == 2.0 and st is opt.state[p]


def test_adagrad_state_from_construction():
    p = torch.zeros(2, requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.5)
    st = opt.state_dict()["state"]
    assert list(st) == [0]
    assert st[0]["step"].item() == 0.0 and st[0]["sum"].tolist() == [0.5, 0.5]


def test_manual_lr_change_is_used():
    p = torch.tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = torch.tensor([1.0])
    opt.step()
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    opt.param_groups[0]["momentum"] = 0.9  # options other than lr too
    opt.step()
    opt.step()
    # 1 - 0.1 - 0.5 - 0.5 (momentum buffer starts at the gradient) - 0.5 * 1.9
    assert p.tolist() == [-1.0499999523162842]


def test_closure():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    seen = []

    def closure():
        seen.append(torch.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with torch.no_grad():
        loss = opt.step(closure)
    assert seen == [True]
    assert loss.item() == 5.0
    assert p.tolist() == [0.800000011920929, 1.600000023841858]
    assert opt.step() is None


def test_zero_grad():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = torch.tensor([3.0, 4.0])
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0, 0.0] and g.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_add_param_group():
    p = torch.tensor([1.0], requires_grad=True)
    q = torch.tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": q, "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9
    p.grad = torch.tensor([1.0])
    q.grad = torch.tensor([1.0])
    opt.step()
    assert p.tolist() == [0.8999999761581421] and q.tolist() == [0.9900000095367432]
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(TypeError, match="param_group must be a dict, but got <class 'list'>"):
        opt.add_param_group([p])


def test_duplicate_parameter_warns():
    p = torch.zeros(1, requires_grad=True)
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate parameters"):
        optim.SGD([p, p], lr=0.1)


def test_load_state_dict_errors():
    p = torch.zeros(1, requires_grad=True)
    q = torch.zeros(1, requires_grad=True)
    sd = optim.SGD([{"params": [p]}, {"params": [q]}], lr=0.1).state_dict()
    with pytest.raises(ValueError) as e:
        optim.SGD([p], lr=0.1).load_state_dict(sd)
    assert str(e.value) == "loaded state dict has a different number of parameter groups"
    with pytest.raises(ValueError) as e:
        optim.SGD([{"params": [p, q]}, {"params": []}], lr=0.1).load_state_dict(sd)
    assert str(e.value) == (
        "loaded state dict contains a parameter group that doesn't match the size of "
        "optimizer's group"
    )


def test_load_state_dict_casts_and_restores_options():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = torch.tensor([1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    p64 = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt64 = optim.Adam([p64], lr=0.5)
    opt64.load_state_dict(sd)
    assert opt64.param_groups[0]["lr"] == 0.1
    assert opt64.state[p64]["exp_avg"].dtype == torch.float64
    assert opt64.state[p64]["step"].dtype == torch.float32


@pytest.mark.parametrize(
    "make, exc, msg",
    [
        (lambda p: optim.SGD([p], lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
        (lambda p: optim.Adam([p], lr=-1), ValueError, "Invalid learning rate: -1"),
        (lambda p: optim.Adam([p], betas=(1.0, 0.999)), ValueError,
         "Invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.Adam([p], betas=(0.9, -0.1)), ValueError,
         "Invalid beta parameter at index 1: -0.1"),
        (lambda p: optim.Adam([p], betas=(0, 0.99)), ValueError,
         "betas must be either both floats or both Tensors"),
        (lambda p: optim.Adam([p], eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
        (lambda p: optim.SGD([], lr=0.1), ValueError, "optimizer got an empty parameter list"),
        (lambda p: optim.SGD(p, lr=0.1), TypeError,
         "params argument given to the optimizer should be an iterable of Tensors or dicts, "
         "but got torch.FloatTensor"),
        (lambda p: optim.SGD(5, lr=0.1), TypeError, "'int' object is not iterable"),
        (lambda p: optim.SGD([1.0], lr=0.1), TypeError,
         "optimizer can only optimize Tensors, but one of the params is float"),
        (lambda p: optim.SGD([p * 2], lr=0.1), ValueError, "can't optimize a non-leaf Tensor"),
        (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1), ValueError,
         "some parameters appear in more than one parameter group"),
        (lambda p: optim.SGD([p], lr=0.1, nesterov=True), ValueError,
         "Nesterov momentum requires a momentum and zero dampening"),
        (lambda p: optim.RMSprop([p], alpha=-1), ValueError, "Invalid alpha value: -1"),
        (lambda p: optim.Adagrad([p], initial_accumulator_value=-1), ValueError,
         "Invalid initial_accumulator_value value: -1"),
        (lambda p: optim.Adadelta([p], rho=1.5), ValueError, "Invalid rho value: 1.5"),
        (lambda p: optim.NAdam([p], momentum_decay=-1), ValueError,
         "Invalid momentum_decay value: -1"),
        (lambda p: optim.SGD([p], lr=torch.tensor([0.1, 0.2])), ValueError,
         "Tensor lr must be 1-element"),
    ],
)
def test_constructor_errors(make, exc, msg):
    p = torch.zeros(3, requires_grad=True)
    with pytest.raises(exc) as e:
        make(p)
    assert str(e.value) == msg


def test_group_options_not_validated():
    # PyTorch checks only the constructor's arguments.
    p = torch.zeros(1, requires_grad=True)
    assert optim.SGD([{"params": [p], "lr": -1}], lr=0.1).param_groups[0]["lr"] == -1


def test_named_parameters():
    p = torch.zeros(1, requires_grad=True)
    opt = optim.SGD([("w", p)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w"]


def test_hooks():
    p = torch.zeros(1, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    log = []
    h = opt.register_step_pre_hook(lambda o, a, k: log.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: log.append("post"))
    p.grad = torch.ones(1)
    opt.step()
    h.remove()
    opt.step()
    assert log == ["pre", "post", "post"]
    opt.register_state_dict_post_hook(lambda o, sd: {"replaced": True})
    assert opt.state_dict() == {"replaced": True}


def test_python_subclass():
    class Sign(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    st = self.state[p]
                    st["n"] = st.get("n", 0) + 1
                    p.add_(p.grad.sign(), alpha=-group["lr"])

    p = torch.tensor([1.0, -1.0], requires_grad=True)
    opt = Sign([p])
    p.grad = torch.tensor([2.0, -3.0])
    opt.step()
    opt.step()
    assert p.tolist() == [0.7999999523162842, -0.7999999523162842]
    assert opt.state_dict()["state"] == {0: {"n": 2}}
    assert repr(opt) == "Sign (\nParameter Group 0\n    lr: 0.1\n)"


def test_deepcopy():
    p = torch.tensor([1.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = torch.tensor([1.0])
    opt.step()
    opt2 = copy.deepcopy(opt)
    assert type(opt2) is optim.Adam
    assert opt2.state_dict()["state"][0]["step"].item() == 1.0
    assert opt2.param_groups[0]["params"][0] is not p


def test_no_warning_on_plain_loop():
    p = torch.zeros(2, requires_grad=True)
    opt = optim.Adam([p])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()


def test_params_changed_in_place_keep_their_state():
    p = torch.tensor([1.0], requires_grad=True)
    q = torch.tensor([2.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = torch.tensor([1.0])
    opt.step()
    exp_avg = opt.state[p]["exp_avg"].tolist()
    opt.param_groups[0]["params"].append(q)  # PyTorch reads the list at every step
    q.grad = torch.tensor([1.0])
    opt.step()
    assert opt.state[p]["step"].item() == 2.0 and opt.state[q]["step"].item() == 1.0
    assert exp_avg == [0.10000000149011612]
    assert opt.state[p]["exp_avg"].tolist() == [0.1899999976158142]
    assert q.tolist() == [1.899999976158142]


ember_only = pytest.mark.skipif(
    __import__("conftest").USE_REAL_TORCH, reason="ember's refusal of what it cannot do"
)


@ember_only
@pytest.mark.parametrize("flag", ["fused", "capturable", "differentiable"])
def test_unsupported_implementations_raise(flag):
    p = torch.zeros(1, requires_grad=True)
    with pytest.raises(NotImplementedError, match=f"ember's Adam does not support {flag}=True"):
        optim.Adam([p], **{flag: True})
    opt = optim.Adam([p])
    opt.param_groups[0][flag] = True
    p.grad = torch.ones(1)
    with pytest.raises(NotImplementedError):
        opt.step()
    assert p.tolist() == [0.0]


@ember_only
def test_missing_optimizers_say_so():
    with pytest.raises(AttributeError, match="torch.optim.LBFGS is not implemented in ember"):
        optim.LBFGS  # noqa: B018
