"""Runs SGL-Torch's SGL (wujcan/SGL-Torch, by SGL's authors) unchanged from a checkout, on CPU, and prints JSON.

usage: sgltorch_run.py CHECKOUT DATA_DIR EPOCHS THREADS [KEY=VALUE ...]

DATA_DIR holds lastfm/lastfm.train and lastfm/lastfm.test in SGL-Torch's NeuRec format ("user,item" lines of
0-based ids, written by bench/sgltorch.ts). The checkout's NeuRec.ini and conf/SGL.ini are read as they are; only
the dataset name, the separator, `epochs`, `test_thread` and the KEY=VALUE overrides are set, through the command
line that the code's own Configurator.parse_cmd reads (what `python main.py --key=value` does). main.py itself is not
run because its root_dir and data_dir are placeholders ('XXXXXXXX/...'); this script does what its __main__ block
does with real paths. SGL-Torch writes its log under root_dir, so root_dir is a temporary folder that links the
checkout's NeuRec.ini and conf/.

SGL-Torch was written for Python 3.7: the `collections.Iterable`-style aliases that Python 3.10 removed are restored
before its modules load. It needs its Cython evaluator compiled once in the checkout (`python3 local_compile_setup.py build_ext
--inplace`; Debian's cython3 and python3-dev) and pandas (python3-pandas). The evaluator's `evaluate` is wrapped to
time each epoch's training apart from its evaluation and to record the test metrics it computes.
"""
import json
import os
import sys
import tempfile
import time

checkout, data_dir, epochs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
overrides = sys.argv[5:]

import torch  # noqa: E402

torch.set_num_threads(threads)
# SGL-Torch was written for Python 3.7 and imports Iterable and friends from `collections`, which Python 3.10 removed;
# the aliases are put back before its modules load (its code is not modified).
import collections  # noqa: E402
import collections.abc  # noqa: E402
for _name in ('Iterable', 'Mapping', 'Sequence', 'Callable'):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
sys.path.insert(0, checkout)
os.chdir(checkout)  # the code looks up its modules relative to the working directory

try:
    import reckit.cython  # noqa: F401  (the compiled evaluator)
except ModuleNotFoundError as e:
    sys.stderr.write(f"SGL-Torch's Cython evaluator is not compiled in {checkout} ({e}): run "
                     f"`python3 local_compile_setup.py build_ext --inplace` there (Debian: cython3, python3-dev)\n")
    sys.exit(3)

import reckit  # noqa: E402
import reckit.random  # noqa: E402

# Two crashes of the bundled reckit on data with users of one training item (LastFM has some; the authors' 10-core
# datasets have none): randint_choice(1, ...) raises "'high' must be larger than 1" although index 0 is the only
# draw, and a draw of size 1 returns a scalar that `list(...)` cannot take. The sampler's `try/except` then prints
# 'error' and fails with a KeyError. The wrapper answers those two cases (index 0; a one-element list) and leaves every
# other call to the original, so the draws' law is the code's.
_randint_choice = reckit.random.randint_choice


def _safe_randint_choice(high, size=1, replace=True, p=None, exclusion=None):
    if high == 1 and exclusion is None and p is None:
        return [0] * int(size)
    if size == 1:
        return [int(reckit.random.pyx_randint_choice(high, size, replace, p, exclusion))]
    return _randint_choice(high, size, replace, p, exclusion)


reckit.random.randint_choice = _safe_randint_choice
reckit.randint_choice = _safe_randint_choice

from reckit import Configurator  # noqa: E402
from main import _set_random_seed  # noqa: E402
from model.general_recommender.SGL import SGL  # noqa: E402

root = tempfile.mkdtemp(prefix='sgltorch-')
os.symlink(os.path.join(checkout, 'NeuRec.ini'), os.path.join(root, 'NeuRec.ini'))
os.symlink(os.path.join(checkout, 'conf'), os.path.join(root, 'conf'))
sys.argv = ['main.py', '--dataset=lastfm', "--sep=','", f'--epochs={epochs}', f'--test_thread={threads}'] + \
    [f'--{kv}' for kv in overrides]
config = Configurator(root + '/', data_dir.rstrip('/') + '/')
config.add_config(root + '/NeuRec.ini', section='NeuRec')
config.parse_cmd()
_set_random_seed(config['seed'])
config.add_config(os.path.join(root + '/conf', 'SGL.ini'), section='hyperparameters', used_as_summary=True)

_stdout = sys.stdout
sys.stdout = sys.stderr  # the code prints progress; the JSON goes to the real stdout
records = []
try:
    rec = SGL(config)
    evaluator = rec.evaluator
    names = [f'{m}@{k}' for m in config['metric'] for k in ([config['top_k']] if isinstance(config['top_k'], int) else config['top_k'])]
    original = evaluator.evaluate
    state = {'t': None}

    def timed_evaluate(model, test_users=None):
        t_train_end = time.perf_counter()
        result, buf = original(model, test_users)
        t_eval_end = time.perf_counter()
        records.append({
            'epoch': len(records) + 1,
            'train_ms': (t_train_end - state['t']) * 1000,
            'eval_ms': (t_eval_end - t_train_end) * 1000,
            'metrics': {n: float(v) for n, v in zip(names, result)},
        })
        state['t'] = time.perf_counter()
        return result, buf

    evaluator.evaluate = timed_evaluate
    state['t'] = time.perf_counter()
    rec.train_model()
finally:
    sys.stdout = _stdout
hyper = {k: config[k] for k in ['aug_type', 'reg', 'embed_size', 'n_layers', 'ssl_reg', 'ssl_ratio', 'ssl_temp', 'ssl_mode',
                                 'lr', 'batch_size', 'param_init', 'epochs', 'seed', 'stop_cnt']}
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'conf': hyper, 'epochs': records}))
