import random

import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same global random state, with torch on one thread.

    One thread: the suite runs on two shared cores, where torch's own thread pool only
    adds contention for the small nets of the tests.
    """
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
