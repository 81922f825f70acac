"""The two-layer network of PyTorch's tutorials (N=64, 1000 -> 100 -> 10), trained on ember.

The program is PyTorch's own: `install_as_torch()` makes `import torch` give ember, so the
rest runs unchanged. Run it with `python examples/two_layer_net.py [--steps N]`.
"""

import argparse
import time

import ember

ember.install_as_torch()
import torch  # noqa: E402  (ember, from here on)


class TwoLayerNet(torch.nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__()
        self.linear1 = torch.nn.Linear(D_in, H)
        self.linear2 = torch.nn.Linear(H, D_out)

    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        return self.linear2(h_relu)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=500)
    args = p.parse_args()

    torch.manual_seed(0)
    N, D_in, H, D_out = 64, 1000, 100, 10
    x = torch.randn(N, D_in)
    y = torch.randn(N, D_out)
    model = TwoLayerNet(D_in, H, D_out)
    print(model)
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
    start = time.perf_counter()
    for t in range(args.steps):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    per_step = (time.perf_counter() - start) / args.steps * 1e3
    print(f"final loss {loss.item():.6f}, {per_step:.3f} ms/step")


if __name__ == "__main__":
    main()
