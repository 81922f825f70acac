"""PyTorch's MNIST example (`examples/mnist/main.py`), run on ember, on the handwritten
digits shipped with ember.

The program is PyTorch's own: `install_as_torch()` makes `import torch` and
`from torchvision import datasets, transforms` give ember, so the model, the training loop,
Adadelta and StepLR are written exactly as there. What differs: the data is
`datasets.Digits` (8x8 images shipped with ember, no download) unless `--data-dir` points at
the MNIST IDX files, the training set is shuffled each epoch (PyTorch's example shuffles only
with CUDA), the last line is `test accuracy: 0.NNNN`, and the curves of train loss and test
accuracy per epoch are written to `--plot` (a PNG with matplotlib when it is installed,
otherwise an SVG). The Rust example `cargo run --release --example digits` does the same.

    python examples/digits.py [--epochs 14] [--batch-size 64] [--save-model] [--data-dir DIR]
"""

import argparse
import sys

import ember

ember.install_as_torch()
import torch  # noqa: E402  (ember, from here on)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torch.optim as optim  # noqa: E402
from torch.optim.lr_scheduler import StepLR  # noqa: E402
from torchvision import datasets, transforms  # noqa: E402


class Net(nn.Module):
    def __init__(self, side=28):
        super().__init__()
        pooled = (side - 4) // 2
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(64 * pooled * pooled, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def progress(epoch, done, total, loss, width=30):
    filled = width * done // max(total, 1)
    bar = "#" * filled + "-" * (width - filled)
    sys.stderr.write(f"\repoch {epoch} [{bar}] {done}/{total} loss {loss:.6f}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def train(args, model, train_loader, optimizer, epoch):
    model.train()
    tty = sys.stderr.isatty()
    total, seen = 0.0, 0
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(data)
        seen += len(data)
        if tty:
            progress(epoch, batch_idx + 1, len(train_loader), loss.item())
        elif batch_idx % args.log_interval == 0:
            print(
                "Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                    epoch,
                    batch_idx * len(data),
                    len(train_loader.dataset),
                    100.0 * batch_idx / len(train_loader),
                    loss.item(),
                )
            )
        if args.dry_run:
            break
    return total / max(seen, 1)


def test(model, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)
    accuracy = correct / len(test_loader.dataset)
    print(
        "\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n".format(
            test_loss, correct, len(test_loader.dataset), 100.0 * accuracy
        )
    )
    return accuracy


def plot(losses, accuracies, path):
    """Train loss and test accuracy per epoch: matplotlib's PNG when it is there, else an
    SVG written by hand (ember has no plotting of its own)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        path = path.rsplit(".", 1)[0] + ".svg"
        with open(path, "w") as f:
            f.write(svg(losses, accuracies))
        return path
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4.2))
    epochs = range(1, len(losses) + 1)
    a.plot(epochs, losses, "o-", color="blue")
    a.set_title("digits: train loss")
    a.set_xlabel("epoch")
    b.plot(epochs, accuracies, "o-", color="red")
    b.set_title("digits: test accuracy")
    b.set_xlabel("epoch")
    fig.savefig(path)
    return path


def svg(losses, accuracies):
    w, h, m = 500, 420, 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w}" height="{h}">',
             f'<rect width="{2 * w}" height="{h}" fill="white"/>']
    for k, (name, values, color) in enumerate(
        [("train loss", losses, "blue"), ("test accuracy", accuracies, "red")]
    ):
        x0 = k * w
        lo, hi = min(values), max(values)
        if hi <= lo:
            lo, hi = lo - 0.5, lo + 0.5
        n = max(len(values) - 1, 1)

        def pt(i, v):
            return (x0 + m + (w - 2 * m) * i / n, h - m - (h - 2 * m) * (v - lo) / (hi - lo))

        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (pt(i, v) for i, v in enumerate(values)))
        parts += [
            f'<text x="{x0 + w / 2}" y="28" text-anchor="middle" font-size="20">digits: {name}</text>',
            f'<polyline points="{x0 + m},{m} {x0 + m},{h - m} {x0 + w - m},{h - m}" fill="none" stroke="black"/>',
            f'<text x="{x0 + w / 2}" y="{h - 12}" text-anchor="middle" font-size="14">epoch 1..{len(values)}</text>',
            f'<text x="{x0 + m - 4}" y="{m + 4}" text-anchor="end" font-size="12">{hi:.3g}</text>',
            f'<text x="{x0 + m - 4}" y="{h - m}" text-anchor="end" font-size="12">{lo:.3g}</text>',
            f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>',
        ]
    return "\n".join(parts + ["</svg>"]) + "\n"


def main():
    parser = argparse.ArgumentParser(description="ember digits example (PyTorch's MNIST example)")
    parser.add_argument("--batch-size", type=int, default=64, metavar="N",
                        help="input batch size for training (default: 64)")
    parser.add_argument("--test-batch-size", type=int, default=1000, metavar="N",
                        help="input batch size for testing (default: 1000)")
    parser.add_argument("--epochs", type=int, default=14, metavar="N",
                        help="number of epochs to train (default: 14)")
    parser.add_argument("--lr", type=float, default=1.0, metavar="LR",
                        help="learning rate (default: 1.0)")
    parser.add_argument("--gamma", type=float, default=0.7, metavar="M",
                        help="Learning rate step gamma (default: 0.7)")
    parser.add_argument("--no-accel", action="store_true", help="ember trains on the CPU here")
    parser.add_argument("--dry-run", action="store_true", help="quickly check a single pass")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default: 1)")
    parser.add_argument("--log-interval", type=int, default=10, metavar="N",
                        help="how many batches to wait before logging training status")
    parser.add_argument("--save-model", action="store_true", help="For Saving the current Model")
    parser.add_argument("--data-dir", default=None,
                        help="train on MNIST from DIR/MNIST/raw or DIR (never downloaded)")
    parser.add_argument("--plot", default="digits.png", help="where to write the curves")
    args = parser.parse_args()

    torch.manual_seed(args.seed)

    train_kwargs = {"batch_size": args.batch_size, "shuffle": True}
    test_kwargs = {"batch_size": args.test_batch_size}

    if args.data_dir is None:
        # The shipped digits' training-set pixel mean and std.
        transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.3052,), (0.3749,))])
        dataset1 = datasets.Digits(train=True, transform=transform)
        dataset2 = datasets.Digits(train=False, transform=transform)
        side = 8
    else:
        transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
        dataset1 = datasets.MNIST(args.data_dir, train=True, transform=transform)
        dataset2 = datasets.MNIST(args.data_dir, train=False, transform=transform)
        side = 28
    train_loader = torch.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = torch.utils.data.DataLoader(dataset2, **test_kwargs)

    model = Net(side)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    losses, accuracies = [], []
    for epoch in range(1, args.epochs + 1):
        losses.append(train(args, model, train_loader, optimizer, epoch))
        accuracies.append(test(model, test_loader))
        scheduler.step()

    print("wrote " + plot(losses, accuracies, args.plot))
    if args.save_model:
        name = "digits_cnn.pt" if args.data_dir is None else "mnist_cnn.pt"
        torch.save(model.state_dict(), name)
        print("saved " + name)
    print(f"test accuracy: {accuracies[-1]:.4f}")


if __name__ == "__main__":
    main()
