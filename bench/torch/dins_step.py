"""Reference side of `npm run bench -- dins` (bench/dins.ts runs it once as a subprocess).

Times the official DINS code's training step (public repo Wu-Xi/DINS, checked out at --dins-path) on Gowalla
with LightGCN + DINS, exactly as its main.py would run it for

    main.py --dataset <gowalla in LightGCN format> --gnn lightgcn --dim 64 --context_hops 3 --lr 0.001
            --batch_size 2048 --pool mean --ns dins --n_negs 64 --alpha 2 --l2 1e-4 --K 1 (CPU)

Nothing of the official code is copied here: its modules are imported from --dins-path (sys.path) and called.
  * utils.parser.parse_args reads the argv above (utils/evaluate.py also parses argv at import time).
  * utils.data_loader.load_data builds the data and the normalised adjacency. Its 'yelp2018' branch is the one that
    reads LightGCN-format train.txt/test.txt (user item item ...) without a valid file or an item-id shift, which
    is Gowalla's format; so --dataset is 'yelp2018' and --data_path is a temporary folder (outside any repo) whose
    'yelp2018' entry is a symlink to the Gowalla folder. Only the reader branch depends on the name.
  * main.py is imported as a module (its training loop sits under `if __name__ == '__main__'`); the harness repeats
    that block's set-up (seeds, train_cf tensor, globals n_users/n_items/K/device that get_feed_dict reads,
    LightGCN model, torch.optim.Adam) and its epoch shuffle, then runs the loop body step by step.
  * prettytable (imported by main.py, used only for evaluation tables) is stubbed in memory if not installed.

One timed step = the body of main.py's `while` loop:
    batch = main.get_feed_dict(train_cf_, train_user_set, s, s + 2048, n_negs)   # slicing + 2048x64 candidates
    batch_loss, _, _ = model(batch, epoch)        # LightGCN propagation, DINS boundary + mixup, BPR + L2
    optimizer.zero_grad(); batch_loss.backward(); optimizer.step(); loss += batch_loss
'sample' is the get_feed_dict call, 'model' the rest (forward + backward + Adam step). Prints one JSON summary
line; with --serve it first runs the warm-up, prints {"ready": true}, then runs the number of steps read from each
stdin line (answering with that block's timings) until 0 or end of input, so the caller can interleave its own steps.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import types


def stub_prettytable():
    """main.py imports PrettyTable for its evaluation printout; the timed step never uses it."""
    try:
        import prettytable  # noqa: F401
        return False
    except ImportError:
        mod = types.ModuleType('prettytable')

        class PrettyTable:  # minimal stand-in, never called in the timed step
            def __init__(self, *a, **k):
                self.field_names = []

            def add_row(self, *a, **k):
                pass

        mod.PrettyTable = PrettyTable
        sys.modules['prettytable'] = mod
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dins-path', required=True, help='checkout of github.com/Wu-Xi/DINS')
    ap.add_argument('--data-dir', required=True, help='folder with LightGCN-format train.txt and test.txt (Gowalla)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--batch', type=int, default=2048)
    ap.add_argument('--n-negs', type=int, default=64)
    ap.add_argument('--alpha', type=float, default=2.0)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--l2', type=float, default=1e-4)
    ap.add_argument('--dim', type=int, default=64)
    ap.add_argument('--hops', type=int, default=3)
    ap.add_argument('--gnn', choices=['lightgcn', 'ngcf'], default='lightgcn',
                    help="main.py's --gnn: modules/LightGCN_DINS.py or modules/NGCF_DINS.py")
    ap.add_argument('--seed', type=int, default=2020)
    ap.add_argument('--serve', action='store_true', help='interleaved mode: step counts on stdin, JSON per request')
    a = ap.parse_args()

    dins_path = os.path.abspath(a.dins_path)
    for f in ('main.py', 'modules/LightGCN_DINS.py' if a.gnn == 'lightgcn' else 'modules/NGCF_DINS.py',
              'utils/data_loader.py', 'utils/parser.py'):
        if not os.path.isfile(os.path.join(dins_path, f)):
            sys.exit(f'--dins-path {dins_path}: {f} missing (expected a checkout of github.com/Wu-Xi/DINS)')
    for f in ('train.txt', 'test.txt'):
        if not os.path.isfile(os.path.join(a.data_dir, f)):
            sys.exit(f'--data-dir {a.data_dir}: {f} missing')

    import numpy as np
    import torch
    torch.set_num_threads(a.threads)

    tmp = tempfile.mkdtemp(prefix='hardneg-dins-data-')
    os.symlink(os.path.abspath(a.data_dir), os.path.join(tmp, 'yelp2018'))
    try:
        stubbed = stub_prettytable()
        # Their parser (and utils/evaluate.py at import) read sys.argv. type=bool flags: '' parses as False.
        sys.argv = ['main.py', '--dataset', 'yelp2018', '--data_path', tmp + '/', '--gnn', a.gnn,
                    '--dim', str(a.dim), '--context_hops', str(a.hops), '--lr', str(a.lr), '--l2', str(a.l2),
                    '--batch_size', str(a.batch), '--pool', 'mean', '--ns', 'dins', '--n_negs', str(a.n_negs),
                    '--alpha', str(a.alpha), '--K', '1', '--cuda', '']
        sys.path.insert(0, dins_path)
        import main as dins_main
        from utils.parser import parse_args
        from utils.data_loader import load_data
        if a.gnn == 'ngcf':
            from modules.NGCF_DINS import NGCF as Model
        else:
            from modules.LightGCN_DINS import LightGCN as Model

        t_setup = time.perf_counter()
        # main.py's __main__ block, set-up part.
        random.seed(a.seed)
        np.random.seed(a.seed)
        torch.manual_seed(a.seed)
        args = parse_args()
        assert args.cuda is False and args.mess_dropout is False and args.edge_dropout is False
        device = torch.device('cpu')
        train_cf, user_dict, n_params, norm_mat = load_data(args)
        train_cf = torch.LongTensor(np.array([[cf[0], cf[1]] for cf in train_cf], np.int32))
        # get_feed_dict reads these module globals of main.py.
        dins_main.args = args
        dins_main.device = device
        dins_main.n_users = n_params['n_users']
        dins_main.n_items = n_params['n_items']
        dins_main.K = args.K
        n_negs = args.n_negs
        model = Model(n_params, args, norm_mat).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        # One epoch's shuffle, as main.py does before its loop.
        index = np.arange(len(train_cf))
        np.random.shuffle(index)
        train_cf_ = train_cf[index].to(device)
        model.train()
        setup_s = time.perf_counter() - t_setup

        if (a.warmup + a.reps) * args.batch_size > len(train_cf):
            sys.exit(f'{a.warmup + a.reps} steps of {args.batch_size} exceed the {len(train_cf)} training pairs')
        state = {'loss': 0, 's': 0}
        full, sample, model_ms, losses = [], [], [], []

        def run_steps(n, record):
            """n iterations of main.py's loop body; returns this call's timings (ms)."""
            out = {'full': [], 'sample': [], 'model': [], 'losses': []}
            epoch = 0
            for _ in range(n):
                s = state['s']
                t0 = time.perf_counter()
                batch = dins_main.get_feed_dict(train_cf_, user_dict['train_user_set'], s, s + args.batch_size, n_negs)
                t1 = time.perf_counter()
                batch_loss, bpr_loss, reg_loss = model(batch, epoch)
                optimizer.zero_grad()
                batch_loss.backward()
                optimizer.step()
                state['loss'] += batch_loss
                state['s'] = s + args.batch_size
                t2 = time.perf_counter()
                out['losses'].append(float(batch_loss.item()))
                out['full'].append((t2 - t0) * 1e3)
                out['sample'].append((t1 - t0) * 1e3)
                out['model'].append((t2 - t1) * 1e3)
            if record:
                full.extend(out['full'])
                sample.extend(out['sample'])
                model_ms.extend(out['model'])
            losses.extend(out['losses'])
            return out

        run_steps(a.warmup, False)
        if a.serve:
            # Interleaved mode (bench/dins.ts alternates with its own steps): read a step count per line from stdin,
            # answer each with one JSON line of timings; 0 or end of input ends the session with the summary line.
            print(json.dumps({'ready': True}), flush=True)
            for line in sys.stdin:
                n = int(line.strip() or '0')
                if n <= 0:
                    break
                if state['s'] + n * args.batch_size > len(train_cf):
                    sys.exit(f'asked for {n} more steps: past the end of the epoch')
                print(json.dumps(run_steps(n, True)), flush=True)
        else:
            run_steps(a.reps, True)

        print(json.dumps({
            'torch': torch.__version__,
            'threads': torch.get_num_threads(),
            'ompWaitPolicy': os.environ.get('OMP_WAIT_POLICY'),
            'prettytableStubbed': stubbed,
            'dinsPath': dins_path,
            'args': {k: getattr(args, k) for k in ('dim', 'context_hops', 'lr', 'l2', 'batch_size', 'pool', 'ns',
                                                    'n_negs', 'alpha', 'K', 'mess_dropout', 'edge_dropout')},
            'nUsers': n_params['n_users'], 'nItems': n_params['n_items'], 'nTrain': int(len(train_cf)),
            'setupSeconds': setup_s,
            'warmup': a.warmup, 'reps': len(full),
            'fullMs': statistics.median(full) if full else None,
            'sampleMs': statistics.median(sample) if sample else None,
            'modelMs': statistics.median(model_ms) if model_ms else None,
            'samples': {'full': full, 'sample': sample, 'model': model_ms},
            'losses': losses,
        }), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
