"""Honest train/valid/test splits shared by the domains."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SPLITS = ("train", "valid", "test")


def split_by_order(count: int, valid_fraction: float, test_fraction: float) -> list[str]:
    """Split ``count`` items that are already in time order: the last ones are test, valid before them."""
    if count < 3:
        raise ValueError(f"need at least 3 items to split into train/valid/test, got {count}")
    test_count = max(1, round(count * test_fraction))
    valid_count = max(1, round(count * valid_fraction))
    train_count = count - valid_count - test_count
    if train_count < 1:
        raise ValueError(f"{count} items leave no training data at valid={valid_fraction}, test={test_fraction}")
    return ["train"] * train_count + ["valid"] * valid_count + ["test"] * test_count


def stratified_split(labels: Sequence[str], valid_fraction: float, test_fraction: float, seed: int) -> list[str]:
    """Seeded split that keeps each label's share in every part (labels with one item stay in train)."""
    rng = np.random.default_rng(seed)
    assignment = ["train"] * len(labels)
    label_array = np.asarray(labels, dtype=object)
    for label in sorted(set(labels)):
        members = np.flatnonzero(label_array == label)
        rng.shuffle(members)
        if len(members) < 3:
            continue
        test_count = max(1, round(len(members) * test_fraction))
        valid_count = max(1, round(len(members) * valid_fraction))
        for index in members[:test_count]:
            assignment[index] = "test"
        for index in members[test_count : test_count + valid_count]:
            assignment[index] = "valid"
    return assignment
