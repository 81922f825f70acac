"""nn through the Python API: seeded initialisation, module printing, registration order,
state dicts and their errors, hooks, containers, a few training steps. Expected values were
printed by PyTorch 2.15 (the same test runs on PyTorch with EMBER_TEST_TORCH=1)."""

import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F


def test_linear_init_draws_pytorchs_numbers():
    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    assert lin.weight.reshape(-1).tolist() == pytest.approx(
        [-0.004322517663240433, 0.3097158372402191, -0.4751853346824646,
         -0.4248946011066437, -0.2223689705133438, 0.15482072532176971]
    )
    assert lin.bias.tolist() == pytest.approx([-0.011439144611358643, 0.45777493715286255])


def test_training_steps_match_pytorch():
    torch.manual_seed(1)
    m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    x = torch.arange(8.0).view(2, 4) / 10
    y = torch.tensor([[1.0], [0.0]])
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = nn.MSELoss()(m(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses == pytest.approx([0.24818386137485504, 0.2479294091463089, 0.2476641833782196], rel=1e-6)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.bn = nn.BatchNorm2d(2)
        self.fc = nn.Linear(8, 3, bias=False)
        self.register_buffer("steps", torch.zeros(1))

    def forward(self, x):
        return self.fc(F.max_pool2d(self.bn(self.conv(x)).relu(), 2).flatten(1))


def test_module_repr_and_registration_order():
    net = Net()
    assert repr(net) == (
        "Net(\n"
        "  (conv): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
        "  (bn): BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n"
        "  (fc): Linear(in_features=8, out_features=3, bias=False)\n"
        ")"
    )
    assert list(net.state_dict().keys()) == [
        "steps", "conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
        "bn.running_var", "bn.num_batches_tracked", "fc.weight",
    ]
    assert [n for n, _ in net.named_parameters()] == ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "fc.weight"]
    assert [n for n, _ in net.named_modules()] == ["", "conv", "bn", "fc"]
    out = net(torch.randn(2, 1, 4, 4))
    assert out.shape == (2, 3)
    assert net.bn.num_batches_tracked.item() == 1
    net.eval()
    assert not net.bn.training
    net(torch.randn(1, 1, 4, 4))
    assert net.bn.num_batches_tracked.item() == 1


def test_state_dict_round_trip_and_errors():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    r = b.load_state_dict(a.state_dict())
    assert str(r) == "<All keys matched successfully>"
    assert b.weight.tolist() == a.weight.tolist()
    with pytest.raises(RuntimeError) as e:
        nn.Linear(2, 2).load_state_dict({"weight": torch.zeros(2, 2)})
    assert str(e.value) == 'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
    with pytest.raises(RuntimeError) as e:
        nn.Linear(2, 2).load_state_dict({"weight": torch.zeros(3, 2), "bias": torch.zeros(2)})
    assert str(e.value) == (
        "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape "
        "torch.Size([3, 2]) from checkpoint, the shape in current model is torch.Size([2, 2])."
    )


def test_parameter():
    p = nn.Parameter(torch.ones(2))
    assert isinstance(p, torch.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q is not p and q.tolist() == [1.0, 1.0]


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Linear)
    assert len(seq[1:]) == 2 and isinstance(seq[1:], nn.Sequential)
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(ml.parameters())) == 6
    md = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()})
    assert list(md.keys()) == ["a", "b"]
    nn.init.normal_(seq[0].weight)
    seq.zero_grad()


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    seen = []
    h = lin.register_forward_hook(lambda m, inp, out: seen.append(out.shape))
    lin.register_forward_pre_hook(lambda m, inp: (inp[0] * 0,))
    out = lin(torch.ones(1, 2))
    assert seen == [(1, 2)] and out.tolist() == [lin.bias.tolist()]
    h.remove()
    lin(torch.ones(1, 2))
    assert len(seen) == 1


def test_assignment_errors():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'weight'|cannot assign"):
        m.weight = torch.ones(2, 2)
    m.weight = nn.Parameter(torch.zeros(2, 2))
    assert m.weight.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_functional_losses_and_errors():
    x = torch.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]])
    t = torch.tensor([0, 2])
    assert F.cross_entropy(x, t).item() == pytest.approx(0.7869851589202881, rel=1e-6)
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        F.dropout(x, p=1.5)


def test_unpool_softshrink_kl_div_logsigmoid_match_pytorch():
    import torch.nn.functional as F

    x = torch.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    y, i = F.max_pool2d(x, 2, return_indices=True)
    assert F.max_unpool2d(y, i, 2).tolist() == [
        [[[0.0, 0.0, 0.0, 0.0], [0.0, 6.0, 0.0, 8.0], [0.0, 0.0, 0.0, 0.0], [0.0, 14.0, 0.0, 16.0]]]
    ]
    assert F.softshrink(torch.tensor([-1.0, 0.2, 0.7]), 0.5).tolist() == [-0.5, 0.0, 0.19999998807907104]
    kl = F.kl_div(torch.tensor([-1.0, -2.0]), torch.tensor([0.0, 0.5]), reduction="sum")
    assert abs(kl.item() - 0.6534264087677002) < 1e-7
    assert torch.nn.LogSigmoid()(torch.tensor([0.5])).tolist() == [-0.4740769863128662]
