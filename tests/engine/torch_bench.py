"""PyTorch baseline for neuralview-bench (same networks, batch, threads).

Usage: torch_bench.py NET train|infer THREADS [BATCH] [STEPS] [channels_last]

Builds DESIGN.md's reference networks in PyTorch and prints
"samples_per_second <value>" last, like neuralview-bench. Not a test: a
measuring aid, run by hand (unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE first).
"""
import sys
import time

import torch
import torch.nn as nn


def block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]


class ClimSeg(nn.Module):
    def __init__(self, cin=16, classes=3):
        super().__init__()
        self.enc1 = nn.Sequential(*block(cin, 32), *block(32, 32))
        self.enc2 = nn.Sequential(nn.MaxPool2d(2), *block(32, 64), *block(64, 64))
        self.enc3 = nn.Sequential(nn.MaxPool2d(2), *block(64, 128), *block(128, 128))
        self.up2 = nn.ConvTranspose2d(128, 64, 2, stride=2)
        self.dec2 = nn.Sequential(*block(128, 64), *block(64, 64))
        self.up1 = nn.ConvTranspose2d(64, 32, 2, stride=2)
        self.dec1 = nn.Sequential(*block(64, 32), *block(32, 32))
        self.head = nn.Conv2d(32, classes, 1)

    def forward(self, x):
        a = self.enc1(x)
        b = self.enc2(a)
        c = self.enc3(b)
        d = self.dec2(torch.cat([b, self.up2(c)], 1))
        e = self.dec1(torch.cat([a, self.up1(d)], 1))
        return self.head(e)


def cosmoflow(cin=4, side=64, outputs=4):
    layers, c = [], cin
    for cout in (16, 32, 64, 64):
        layers += [nn.Conv3d(c, cout, 3, padding=1), nn.LeakyReLU(0.3), nn.MaxPool3d(2)]
        c = cout
    flat = 64 * (side // 16) ** 3
    layers += [nn.Flatten(), nn.Linear(flat, 128), nn.LeakyReLU(0.3), nn.Linear(128, 64), nn.LeakyReLU(0.3),
               nn.Linear(64, outputs), nn.Tanh()]
    return nn.Sequential(*layers)


def hepcnn(cin=3, side=64, classes=2):
    layers, c = [], cin
    for cout in (64, 128, 128):
        layers += [nn.Conv2d(c, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        c = cout
    layers += [nn.Flatten(), nn.Linear(128 * (side // 8) ** 2, 512), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(512, classes)]
    return nn.Sequential(*layers)


def main():
    net, mode, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    defaults = {"climseg": (4, (16, 192, 288)), "cosmoflow": (4, (4, 64, 64, 64)), "hepcnn": (32, (3, 64, 64))}
    batch, shape = defaults[net]
    if len(sys.argv) > 4:
        batch = int(sys.argv[4])
    steps = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    channels_last = len(sys.argv) > 6 and sys.argv[6] == "channels_last"
    model = {"climseg": ClimSeg, "cosmoflow": cosmoflow, "hepcnn": hepcnn}[net]()
    x = torch.randn(batch, *shape)
    if channels_last:
        fmt = torch.channels_last if len(shape) == 3 else torch.channels_last_3d
        model = model.to(memory_format=fmt)
        x = x.contiguous(memory_format=fmt)
    if net == "cosmoflow":
        target, loss_fn = torch.rand(batch, 4) * 2 - 1, nn.MSELoss()
    elif net == "climseg":
        target, loss_fn = torch.randint(0, 3, (batch,) + shape[1:]), nn.CrossEntropyLoss()
    else:
        target, loss_fn = torch.randint(0, 2, (batch,)), nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        if mode == "infer":
            with torch.no_grad():
                model(x)
            return
        optimizer.zero_grad()
        loss_fn(model(x), target).backward()
        optimizer.step()

    if mode == "infer":
        model.eval()
    for _ in range(2):
        step()
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    print("cpu_seconds_per_step %.4g" % ((time.process_time() - cpu_start) / steps))
    print("samples_per_second %.4g" % (batch * steps / seconds))


if __name__ == "__main__":
    main()
