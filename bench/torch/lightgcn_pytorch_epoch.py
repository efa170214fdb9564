"""Times training epochs of the official LightGCN-PyTorch code (gusye1234/LightGCN-PyTorch) on LastFM.

The official code is imported from a checkout given on the command line (never copied into hardneg): this script
builds the model exactly as its main.py does (same modules, same defaults: 3 layers, dim 64, lr 1e-3, decay 1e-4,
batch 2048, seed 2020) and times `Procedure.BPR_train_original` (its whole epoch: uniform sampling of
#train triples, shuffling, and the BPR steps) and one `Procedure.Test` pass.

usage: lightgcn_pytorch_epoch.py CHECKOUT EPOCHS THREADS
Prints one JSON line: {"epoch_ms": [...], "test_ms": x, "recall20": r, "ndcg20": n, "torch": version}.
"""
import json
import os
import sys
import time
import types

ref, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
code = os.path.join(ref, 'code')
sys.path.insert(0, code)
os.chdir(code)
try:
    import tensorboardX  # noqa: F401
except ImportError:  # the official main imports it; tensorboard output is off here
    stub = types.ModuleType('tensorboardX')

    class SummaryWriter:  # noqa: D401
        def __init__(self, *a, **k): pass
        def add_scalar(self, *a, **k): pass
        def add_scalars(self, *a, **k): pass
        def close(self): pass

    stub.SummaryWriter = SummaryWriter
    sys.modules['tensorboardX'] = stub

sys.argv = ['main.py', '--dataset', 'lastfm', '--tensorboard', '0', '--epochs', str(epochs), '--seed', '2020']
import torch  # noqa: E402

torch.set_num_threads(threads)
import contextlib, io  # noqa: E402

with contextlib.redirect_stdout(io.StringIO()):
    import world  # noqa: E402
    import utils  # noqa: E402
    utils.set_seed(world.seed)
    import register  # noqa: E402
    from register import dataset  # noqa: E402
    import Procedure  # noqa: E402
    model = register.MODELS[world.model_name](world.config, dataset).to(world.device)
    bpr = utils.BPRLoss(model, world.config)

times = []
with contextlib.redirect_stdout(io.StringIO()):
    for epoch in range(epochs):
        t = time.perf_counter()
        Procedure.BPR_train_original(dataset, model, bpr, epoch, neg_k=1, w=None)
        times.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    res = Procedure.Test(dataset, model, epochs, None, 0)
    test_ms = (time.perf_counter() - t) * 1000
print(json.dumps({
    'epoch_ms': times, 'test_ms': test_ms, 'torch': torch.__version__, 'threads': torch.get_num_threads(),
    'recall20': float(res['recall'][0]), 'ndcg20': float(res['ndcg'][0]),
}))
