"""Runs one SELFRec graph model (SimGCL, XSimGCL or SGL) unchanged from a checkout, on CPU, and prints JSON.

usage: selfrec_run.py CHECKOUT DATA_DIR MODEL EPOCHS THREADS [KEY=VALUE ...]

DATA_DIR holds train.txt and test.txt in SELFRec's graph format ("user item weight" lines, written by
bench/selfrec.ts). The model's own conf/<MODEL>.yaml is read from the checkout; only the data paths, max.epoch, the
output folder and the KEY=VALUE overrides (e.g. SimGCL.n_layer=3) are changed. SELFRec calls .cuda() throughout;
on a CPU-only machine those calls are made no-ops before its modules load (its code is not modified). Its
fast_evaluation (called once per epoch) is wrapped to time the training part of each epoch apart from the
evaluation and to record the test metrics it computes.
"""
import json
import os
import sys
import tempfile
import time

checkout, data_dir, model, epochs, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
overrides = sys.argv[6:]

import torch  # noqa: E402

torch.set_num_threads(threads)
if not torch.cuda.is_available():
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self

import yaml  # noqa: E402

sys.path.insert(0, checkout)
work = tempfile.mkdtemp(prefix='selfrec-')
os.chdir(work)  # SELFRec writes ./log and its results here

with open(os.path.join(checkout, 'conf', f'{model}.yaml')) as f:
    conf = yaml.safe_load(f)
conf['training.set'] = os.path.join(data_dir, 'train.txt')
conf['test.set'] = os.path.join(data_dir, 'test.txt')
conf['max.epoch'] = epochs
conf['output'] = os.path.join(work, 'results') + '/'
for kv in overrides:
    key, value = kv.split('=', 1)
    parts = key.split('.')
    # Top-level SELFRec keys contain dots themselves (max.epoch): a first segment naming a model block is a block.
    if parts[0] in conf and isinstance(conf[parts[0]], dict) and len(parts) > 1:
        conf[parts[0]]['.'.join(parts[1:])] = yaml.safe_load(value)
    else:
        conf[key] = yaml.safe_load(value)
conf_path = os.path.join(work, f'{model}.yaml')
with open(conf_path, 'w') as f:
    yaml.safe_dump(conf, f)

from util.conf import ModelConf  # noqa: E402
from SELFRec import SELFRec  # noqa: E402
from base.graph_recommender import GraphRecommender  # noqa: E402

records = []
state = {'t': None}
original = GraphRecommender.fast_evaluation


def timed_evaluation(self, epoch):
    t_train_end = time.perf_counter()
    measure = original(self, epoch)
    t_eval_end = time.perf_counter()
    perf = {k.strip(): float(v) for m in measure[1:] for k, v in [m.strip().split(':')]}
    records.append({
        'epoch': epoch + 1,
        'train_ms': (t_train_end - state['t']) * 1000,
        'eval_ms': (t_eval_end - t_train_end) * 1000,
        'metrics': perf,
    })
    state['t'] = time.perf_counter()
    return measure


GraphRecommender.fast_evaluation = timed_evaluation
_stdout = sys.stdout
sys.stdout = open(os.devnull, 'w')  # SELFRec prints progress bars; the JSON goes to the real stdout
try:
    rec = SELFRec(ModelConf(conf_path))
    # execute() = build, train (epochs with fast_evaluation), then a final test; the clock starts at train.
    import_str = f"from model.{conf['model']['type']}.{conf['model']['name']} import {conf['model']['name']}"
    exec(import_str)
    recommender = eval(f"{conf['model']['name']}(rec.config, rec.training_data, rec.test_data, **rec.kwargs)")
    recommender.initializing_log()
    recommender.build()
    state['t'] = time.perf_counter()
    recommender.train()
finally:
    sys.stdout = _stdout
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'model': model, 'conf': conf, 'epochs': records}))
