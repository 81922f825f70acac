"""``torch.optim.lr_scheduler`` against PyTorch's numbers.

Every expected value below was computed once with the real PyTorch 2.15
(``~/torch-venv/bin/python``, the script that made them is the loop in
``test_trajectory``: two param groups with lr 0.1 and 0.3, 12 steps of ``optimizer.step()``
then ``scheduler.step()``) and pasted here. Rates are compared exactly: PyTorch computes
them in Python floats and so must we. ``EMBER_TEST_TORCH=1`` runs the same tests on PyTorch.
"""

import math
import pickle
import warnings

import pytest
import torch
from torch import optim
from torch.optim import lr_scheduler as S


def mk(name="SGD", **kw):
    p = torch.zeros(2, requires_grad=True)
    q = torch.zeros(1, requires_grad=True)
    kw.setdefault("lr", 0.1)
    return getattr(optim, name)([{"params": [p]}, {"params": [q], "lr": 0.3}], **kw)


# name: (optimizer, its keywords, scheduler expression over `o`, metrics, step after which
# group 0's lr is set to 0.07 by hand)
SPECS = {
 "step": ("SGD", {}, "S.StepLR(o, 3, 0.5)", None, None),
 "step_manual": ("SGD", {}, "S.StepLR(o, 3, 0.5)", None, 4),
 "multistep": ("SGD", {}, "S.MultiStepLR(o, [2, 5, 5], 0.1)", None, None),
 "exponential_manual": ("SGD", {}, "S.ExponentialLR(o, 0.9)", None, 2),
 "cosine": ("SGD", {}, "S.CosineAnnealingLR(o, 5, 0.01)", None, None),
 "cosine_manual": ("SGD", {}, "S.CosineAnnealingLR(o, 5, 0.01)", None, 3),
 "linear": ("SGD", {}, "S.LinearLR(o, 0.25, total_iters=4)", None, None),
 "constant": ("SGD", {}, "S.ConstantLR(o, 0.5, total_iters=3)", None, None),
 "lambda": ("SGD", {}, "S.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (e + 1)])", None, None),
 "multiplicative": ("SGD", {}, "S.MultiplicativeLR(o, lambda e: 0.9)", None, None),
 "polynomial": ("SGD", {}, "S.PolynomialLR(o, total_iters=6, power=2.0)", None, None),
 "onecycle": ("SGD", {"momentum": 0.9}, "S.OneCycleLR(o, max_lr=1.0, total_steps=12)", None, None),
 "onecycle_adam": ("Adam", {}, "S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=12, three_phase=True, anneal_strategy='linear')", None, None),
 "cyclic": ("SGD", {"momentum": 0.9}, "S.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode='triangular2')", None, None),
 "warm_restarts": ("SGD", {}, "S.CosineAnnealingWarmRestarts(o, 3, 2, 0.001)", None, None),
 "plateau": ("SGD", {}, "S.ReduceLROnPlateau(o, patience=1, factor=0.5, cooldown=1)", [1, 1, 1, 0.5, 0.6, 0.7, 0.8, 0.9, 0.2, 0.3, 0.3, 0.3], None),
 "plateau_max_abs": ("SGD", {}, "S.ReduceLROnPlateau(o, mode='max', threshold_mode='abs', threshold=0.1, patience=0, min_lr=[0.01, 0.2])", [1, 1.05, 1.2, 1.25, 1, 1, 1, 1, 1, 1, 1, 1], None),
 "sequential": ("SGD", {}, "S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=3), S.ExponentialLR(o, 0.9)], milestones=[3])", None, None),
 "chained": ("SGD", {}, "S.ChainedScheduler([S.LinearLR(o, 0.1, total_iters=3), S.ExponentialLR(o, 0.9)])", None, None),
}


EXPECTED = {
    'step': ([[0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.05, 0.15], [0.05, 0.15], [0.05, 0.15], [0.025, 0.075], [0.025, 0.075], [0.025, 0.075], [0.0125, 0.0375], [0.0125, 0.0375], [0.0125, 0.0375], [0.00625, 0.01875]], [0, 0]),
    'step_manual': ([[0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.05, 0.15], [0.05, 0.15], [0.07, 0.15], [0.035, 0.075], [0.035, 0.075], [0.035, 0.075], [0.0175, 0.0375], [0.0175, 0.0375], [0.0175, 0.0375], [0.00875, 0.01875]], [0, 0]),
    'multistep': ([[0.1, 0.3], [0.1, 0.3], [0.010000000000000002, 0.03], [0.010000000000000002, 0.03], [0.010000000000000002, 0.03], [0.00010000000000000005, 0.00030000000000000003], [0.00010000000000000005, 0.00030000000000000003], [0.00010000000000000005, 0.00030000000000000003], [0.00010000000000000005, 0.00030000000000000003], [0.00010000000000000005, 0.00030000000000000003], [0.00010000000000000005, 0.00030000000000000003], [0.00010000000000000005, 0.00030000000000000003], [0.00010000000000000005, 0.00030000000000000003]], [0, 0]),
    'exponential_manual': ([[0.1, 0.3], [0.09000000000000001, 0.27], [0.08100000000000002, 0.24300000000000002], [0.06300000000000001, 0.21870000000000003], [0.056700000000000014, 0.19683000000000003], [0.05103000000000001, 0.17714700000000003], [0.04592700000000001, 0.15943230000000003], [0.04133430000000001, 0.14348907000000002], [0.03720087000000001, 0.12914016300000003], [0.033480783000000014, 0.11622614670000003], [0.030132704700000013, 0.10460353203000003], [0.027119434230000013, 0.09414317882700003], [0.024407490807000012, 0.08472886094430003]], [0, 0]),
    'cosine': ([[0.1, 0.3], [0.09140576474687263, 0.27230746418436735], [0.06890576474687263, 0.19980746418436734], [0.04109423525312736, 0.1101925358156326], [0.018594235253127367, 0.03769253581563263], [0.01, 0.01], [0.018594235253127367, 0.037692535815632616], [0.04109423525312739, 0.11019253581563264], [0.06890576474687267, 0.19980746418436743], [0.09140576474687269, 0.27230746418436746], [0.10000000000000006, 0.3000000000000001], [0.09140576474687272, 0.2723074641843676], [0.06890576474687268, 0.19980746418436748]], [0, 0]),
    'cosine_manual': ([[0.1, 0.3], [0.09140576474687263, 0.27230746418436735], [0.06890576474687263, 0.19980746418436734], [0.04109423525312736, 0.1101925358156326], [0.02658359213500127, 0.03769253581563263], [0.01, 0.01], [0.018594235253127367, 0.037692535815632616], [0.04109423525312739, 0.11019253581563264], [0.06890576474687267, 0.19980746418436743], [0.09140576474687269, 0.27230746418436746], [0.10000000000000006, 0.3000000000000001], [0.09140576474687272, 0.2723074641843676], [0.06890576474687268, 0.19980746418436748]], [0, 0]),
    'linear': ([[0.025, 0.075], [0.043750000000000004, 0.13125], [0.06250000000000001, 0.1875], [0.08125000000000002, 0.24375000000000002], [0.10000000000000002, 0.30000000000000004], [0.10000000000000002, 0.30000000000000004], [0.10000000000000002, 0.30000000000000004], [0.10000000000000002, 0.30000000000000004], [0.10000000000000002, 0.30000000000000004], [0.10000000000000002, 0.30000000000000004], [0.10000000000000002, 0.30000000000000004], [0.10000000000000002, 0.30000000000000004], [0.10000000000000002, 0.30000000000000004]], [0, 0]),
    'constant': ([[0.05, 0.15], [0.05, 0.15], [0.05, 0.15], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.1, 0.3]], [0, 0]),
    'lambda': ([[0.1, 0.3], [0.095, 0.15], [0.09025, 0.09999999999999999], [0.0857375, 0.075], [0.081450625, 0.06], [0.07737809374999999, 0.049999999999999996], [0.07350918906249998, 0.04285714285714285], [0.06983372960937498, 0.0375], [0.06634204312890622, 0.03333333333333333], [0.0630249409724609, 0.03], [0.05987369392383787, 0.02727272727272727], [0.05688000922764597, 0.024999999999999998], [0.05403600876626367, 0.023076923076923078]], [0, 0]),
    'multiplicative': ([[0.1, 0.3], [0.09000000000000001, 0.27], [0.08100000000000002, 0.24300000000000002], [0.07290000000000002, 0.21870000000000003], [0.06561000000000002, 0.19683000000000003], [0.05904900000000002, 0.17714700000000003], [0.05314410000000002, 0.15943230000000003], [0.04782969000000002, 0.14348907000000002], [0.043046721000000024, 0.12914016300000003], [0.03874204890000002, 0.11622614670000003], [0.03486784401000002, 0.10460353203000003], [0.03138105960900001, 0.09414317882700003], [0.028242953648100012, 0.08472886094430003]], [0, 0]),
    'polynomial': ([[0.1, 0.3], [0.06944444444444446, 0.20833333333333334], [0.04444444444444447, 0.13333333333333336], [0.02500000000000001, 0.075], [0.011111111111111117, 0.03333333333333334], [0.0027777777777777775, 0.00833333333333333], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]], [0, 0]),
    'onecycle': ([[0.040000000000000036, 0.040000000000000036], [0.3497896542195831, 0.3497896542195831], [0.8792851591221287, 0.8792851591221287], [0.9944154354509117, 0.9944154354509117], [0.9330129698414117, 0.9330129698414117], [0.811745653949763, 0.811745653949763], [0.6473789976951033, 0.6473789976951033], [0.46263710266697505, 0.46263710266697505], [0.28306099820869923, 0.28306099820869923], [0.1334775301888306, 0.1334775301888306], [0.03456698742539522, 0.03456698742539522], [4e-06, 4e-06], [0.034566987425395164, 0.034566987425395164]], [0.9465436874322102, 0.9465436874322102]),
    'onecycle_adam': ([[0.04, 0.02], [0.4092307692307693, 0.20461538461538464], [0.7784615384615386, 0.3892307692307693], [0.8523076923076922, 0.4261538461538461], [0.48307692307692296, 0.24153846153846148], [0.1138461538461536, 0.0569230769230768], [0.03448331034482758, 0.01724165517241379], [0.027587448275862066, 0.013793724137931033], [0.020691586206896546, 0.010345793103448273], [0.01379572413793103, 0.006897862068965515], [0.0068998620689655135, 0.0034499310344827568], [3.9999999999970615e-06, 1.9999999999985307e-06], [-0.006891862068965519, -0.0034459310344827597]], [(0.95, 0.999), (0.95, 0.999)]),
    'cyclic': ([[0.01, 0.01], [0.040000000000000015, 0.040000000000000015], [0.06999999999999999, 0.06999999999999999], [0.1, 0.1], [0.07000000000000003, 0.07000000000000003], [0.03999999999999998, 0.03999999999999998], [0.01, 0.01], [0.02500000000000003, 0.02500000000000003], [0.03999999999999998, 0.03999999999999998], [0.05500000000000001, 0.05500000000000001], [0.03999999999999998, 0.03999999999999998], [0.02500000000000003, 0.02500000000000003], [0.01, 0.01]], [0.9, 0.9]),
    'warm_restarts': ([[0.1, 0.3], [0.07525000000000001, 0.22525], [0.025750000000000012, 0.07575000000000003], [0.1, 0.3], [0.09336825748732973, 0.2799707978657736], [0.07525000000000001, 0.22525], [0.0505, 0.1505], [0.025750000000000012, 0.07575000000000003], [0.007631742512670284, 0.021029202134226415], [0.1, 0.3], [0.09831332840130888, 0.2949059110302157], [0.09336825748732973, 0.2799707978657736], [0.0855017856687341, 0.2562124637873888]], [0, 0]),
    'plateau': ([[0.1, 0.3], [0.1, 0.3], [0.1, 0.3], [0.05, 0.15], [0.05, 0.15], [0.05, 0.15], [0.025, 0.075], [0.025, 0.075], [0.025, 0.075], [0.025, 0.075], [0.025, 0.075], [0.0125, 0.0375], [0.0125, 0.0375]], [0, 0]),
    'plateau_max_abs': ([[0.1, 0.3], [0.1, 0.3], [0.010000000000000002, 0.2], [0.010000000000000002, 0.2], [0.010000000000000002, 0.2], [0.010000000000000002, 0.2], [0.010000000000000002, 0.2], [0.010000000000000002, 0.2], [0.010000000000000002, 0.2], [0.010000000000000002, 0.2], [0.010000000000000002, 0.2], [0.010000000000000002, 0.2], [0.010000000000000002, 0.2]], [0, 0]),
    'sequential': ([[0.010000000000000002, 0.03], [0.04, 0.11999999999999998], [0.07, 0.20999999999999996], [0.1, 0.3], [0.09000000000000001, 0.27], [0.08100000000000002, 0.24300000000000002], [0.07290000000000002, 0.21870000000000003], [0.06561000000000002, 0.19683000000000003], [0.05904900000000002, 0.17714700000000003], [0.05314410000000002, 0.15943230000000003], [0.04782969000000002, 0.14348907000000002], [0.043046721000000024, 0.12914016300000003], [0.03874204890000002, 0.11622614670000003]], [0, 0]),
    'chained': ([[0.010000000000000002, 0.03], [0.036000000000000004, 0.10799999999999998], [0.0567, 0.17009999999999997], [0.0729, 0.21869999999999998], [0.06561, 0.19682999999999998], [0.059049000000000004, 0.17714699999999997], [0.05314410000000001, 0.15943229999999997], [0.04782969000000001, 0.14348906999999997], [0.04304672100000001, 0.12914016299999997], [0.03874204890000001, 0.11622614669999998], [0.03486784401000001, 0.10460353202999999], [0.03138105960900001, 0.09414317882699999], [0.028242953648100012, 0.08472886094429999]], [0, 0]),
}


@pytest.mark.parametrize("key", sorted(SPECS))
def test_trajectory(key):
    oname, okw, expr, metrics, manual = SPECS[key]
    want_lrs, want_momentum = EXPECTED[key]
    o = mk(oname, **okw)
    s = eval(expr)  # noqa: S307 - the table's own expressions
    lrs = [s.get_last_lr()]
    for t in range(12):
        o.step()
        if manual is not None and t == manual:
            o.param_groups[0]["lr"] = 0.07
        if metrics:
            s.step(metrics[t])
        else:
            s.step()
        lrs.append(s.get_last_lr())
        # The scheduler writes the optimizer's groups: the two agree at every step.
        assert [g["lr"] for g in o.param_groups] == lrs[-1]
    assert lrs == want_lrs
    assert [g.get("momentum", g.get("betas")) for g in o.param_groups] == want_momentum


def test_initial_lr_and_base_lrs():
    o = mk()
    s = S.StepLR(o, 3, 0.5)
    assert [g["initial_lr"] for g in o.param_groups] == [0.1, 0.3]
    assert s.base_lrs == [0.1, 0.3]
    assert s.last_epoch == 0 and s._step_count == 1
    # A second scheduler keeps the first one's initial_lr.
    o.param_groups[0]["lr"] = 0.5
    s2 = S.ExponentialLR(o, 0.9)
    assert s2.base_lrs == [0.1, 0.3]


def test_resume_needs_initial_lr():
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        S.StepLR(mk(), 3, last_epoch=4)


def test_resume_from_state_dict():
    # Made with PyTorch: 7 steps of StepLR(o, 3, 0.5), then a fresh scheduler loads the state.
    o = mk()
    s = S.StepLR(o, 3, 0.5)
    for _ in range(7):
        o.step()
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd
    assert sd["last_epoch"] == 7 and sd["_last_lr"] == [0.025, 0.075]
    assert sd["step_size"] == 3 and sd["gamma"] == 0.5 and sd["base_lrs"] == [0.1, 0.3]
    o2 = mk()
    o2.load_state_dict(o.state_dict())
    s2 = S.StepLR(o2, 3, 0.5)
    s2.load_state_dict(pickle.loads(pickle.dumps(sd)))
    for _ in range(3):
        o.step()
        s.step()
        o2.step()
        s2.step()
    assert s2.get_last_lr() == s.get_last_lr() == [0.0125, 0.0375]
    assert [g["lr"] for g in o2.param_groups] == [0.0125, 0.0375]


def test_lambda_state_dict_skips_functions():
    class Halve:
        def __init__(self):
            self.k = 0.5

        def __call__(self, e):
            return self.k**e

    s = S.LambdaLR(mk(), [lambda e: 1.0, Halve()])
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [None, {"k": 0.5}]
    sd["lr_lambdas"] = [None, {"k": 0.25}]
    s.load_state_dict(sd)
    assert s.lr_lambdas[1].k == 0.25


def test_nested_state_dicts():
    o = mk()
    s = S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=3), S.ExponentialLR(o, 0.9)], [3])
    o.step()
    s.step()
    sd = s.state_dict()
    assert sorted(sd) == ["_last_lr", "_milestones", "_schedulers", "last_epoch"]
    assert sd["_schedulers"][0]["last_epoch"] == 1
    assert sd["_last_lr"] == [0.04, 0.11999999999999998]


def test_plateau_state_dict():
    s = S.ReduceLROnPlateau(mk())
    s.step(1.0)
    sd = s.state_dict()
    assert sd["best"] == 1.0 and sd["num_bad_epochs"] == 0 and sd["last_epoch"] == 1
    assert sd["mode_worse"] == math.inf and sd["min_lrs"] == [0, 0]


def test_warnings():
    o = mk()
    s = S.StepLR(o, 3)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        s.step()
    with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
        s.get_lr()
    o.step()
    with pytest.warns(UserWarning, match=r"The epoch parameter in `scheduler.step\(\)` was not necessary"):
        s.step(7)
    # The closed form at epoch 7: 0.1 * 0.1 ** (7 // 3).
    assert s.get_last_lr() == [0.0010000000000000002, 0.0030000000000000005]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        o.step()
        s.step()


@pytest.mark.parametrize(
    "make, exc, msg",
    [
        (lambda: S.ReduceLROnPlateau(mk(), factor=1.0), ValueError, "Factor should be < 1.0."),
        (lambda: S.ReduceLROnPlateau(mk(), mode="x"), ValueError, "mode x is unknown!"),
        (lambda: S.ReduceLROnPlateau(mk(), min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
        (lambda: S.LambdaLR(mk(), [lambda e: 1]), ValueError, "Expected 2 lr_lambdas, but got 1"),
        (lambda: S.StepLR(5, 3), TypeError, "int is not an Optimizer"),
        (lambda: S.LinearLR(mk(), start_factor=0), ValueError,
         "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."),
        (lambda: S.OneCycleLR(mk(), 1.0), ValueError,
         "You must define either total_steps OR (epochs AND steps_per_epoch)"),
        (lambda: S.OneCycleLR(mk("Adagrad"), 1.0, total_steps=3), ValueError,
         "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"),
        (lambda: S.CosineAnnealingWarmRestarts(mk(), 0), ValueError,
         "Expected positive integer T_0, but got 0"),
        (lambda: S.SequentialLR(mk(), [], []), ValueError,
         "SequentialLR expects at least one scheduler, but got no scheduler."),
    ],
)
def test_errors(make, exc, msg):
    with pytest.raises(exc) as e:
        make()
    assert str(e.value) == msg


def test_onecycle_past_the_end():
    o = mk(momentum=0.9)
    s = S.OneCycleLR(o, max_lr=1.0, total_steps=2)
    o.step()
    s.step()
    s.step()
    with pytest.raises(ValueError, match="Tried to step 3 times. The specified number of total steps is 2"):
        s.step()


def test_tensor_lr_filled_in_place():
    # PyTorch: the tensor lr is filled in place and the step uses its new value.
    p = torch.zeros(2, requires_grad=True)
    lr = torch.tensor(0.1)
    o = optim.SGD([p], lr=lr)
    s = S.StepLR(o, 1, 0.5)
    for _ in range(3):
        p.grad = torch.ones(2)
        o.step()
        s.step()
    assert o.param_groups[0]["lr"] is lr
    assert lr.item() == 0.012500000186264515  # 0.0125 in float32
    assert p.tolist() == [-0.17500001192092896, -0.17500001192092896]
