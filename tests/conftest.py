"""Shared fixtures: a network that refuses every connection, small models for hook tests, and the driver
that runs an exercise check on a right answer and on wrong ones."""
from __future__ import annotations

import socket

import pytest
import torch
from torch import nn

import helpers
from helpers.checks import ExerciseFailed


@pytest.fixture
def no_network(monkeypatch):
    """Make every socket connection and DNS lookup fail, as on a machine without internet."""
    def refuse(*args, **kwargs):
        raise OSError("network access is disabled in this test")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="session")
def shapes_bundle():
    return helpers.load_model("shapes", device="cpu", env_override=False)


class TinyNet(nn.Module):
    """conv → in-place ReLU → conv → in-place ReLU → GAP → linear, like torchvision models."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
        self.relu2 = nn.ReLU(inplace=True)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        x = self.relu2(self.conv2(self.relu1(self.conv1(x))))
        return self.fc(x.mean(dim=(2, 3)))


@pytest.fixture
def tiny():
    return TinyNet().eval()


@pytest.fixture
def right_and_wrong(capsys):
    """`right_and_wrong(run, right, wrongs, *args)`: the check `run(answer, *args)` must print ✅ for
    the right answer and raise ExerciseFailed for every wrong one."""
    def check(run, right, wrongs, *args):
        run(right, *args)
        assert "✅" in capsys.readouterr().out
        for wrong in wrongs:
            with pytest.raises(ExerciseFailed):
                run(wrong, *args)
    return check
