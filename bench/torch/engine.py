"""PyTorch reference for `npm run bench -- engine` (bench/engine.ts runs it once as a subprocess).

Does the same three pieces of work as the hardneg engine bench on the same Gowalla training file, with
torch.set_num_threads(THREADS), and prints one JSON line of medians (ms):
  (a) scoring: users[0:U] @ items.T (torch.mm), training items of those users set to -inf, topk(K)
  (b) D^-1/2 A D^-1/2 (bipartite user-item graph, no self loops) times a nodes x dim matrix, forward and the
      backward product with the transpose, as torch.sparse.mm on COO and as CSR @ dense; best of the two
  (c) one BPR step on a nodes x dim embedding table: gather u/i/j rows, row dots, -logsigmoid loss, backward,
      SparseAdam (sparse embedding) or Adam (dense embedding)
"""
import argparse
import warnings
import json
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load_gowalla(path):
    users, items = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            u = int(parts[0])
            for it in parts[1:]:
                users.append(u)
                items.append(int(it))
    return np.asarray(users, dtype=np.int64), np.asarray(items, dtype=np.int64)


def timed(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    xs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', required=True)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--users', type=int, default=4096)
    ap.add_argument('--dim', type=int, default=64)
    ap.add_argument('--k', type=int, default=20)
    ap.add_argument('--batch', type=int, default=2048)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--skip', default='', help='comma list of parts to skip: scoring,spmm,bpr')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    warnings.filterwarnings('ignore', message='Sparse CSR tensor support')
    torch.manual_seed(a.seed)
    rs = np.random.RandomState(a.seed)
    skip = set(s for s in a.skip.split(',') if s)

    u, i = load_gowalla(a.train)
    n_users, n_items = int(u.max()) + 1, int(i.max()) + 1
    n = n_users + n_items
    d = a.dim
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'reps': a.reps,
           'users': n_users, 'items': n_items, 'nnzTrain': int(len(u))}

    if 'scoring' not in skip:
        U = min(a.users, n_users)
        ue = torch.randn(U, d) * 0.1
        ie = torch.randn(n_items, d) * 0.1
        sel = u < U
        mr = torch.from_numpy(u[sel])
        mc = torch.from_numpy(i[sel])
        state = {}

        def mm():
            state['s'] = torch.mm(ue, ie.t())

        def mask_topk():
            s = state['s']
            s[mr, mc] = float('-inf')
            torch.topk(s, a.k, dim=1)

        def full():
            s = torch.mm(ue, ie.t())
            s[mr, mc] = float('-inf')
            torch.topk(s, a.k, dim=1)

        mm()
        out['scoring'] = {
            'mmMs': timed(mm, a.reps),
            # Masking is idempotent, so it is timed on one score matrix kept from mm().
            'maskTopkMs': timed(mask_topk, a.reps),
            'totalMs': timed(full, a.reps),
            'maskEntries': int(sel.sum()),
        }

    if 'spmm' not in skip:
        deg_u = np.bincount(u, minlength=n_users).astype(np.float64)
        deg_i = np.bincount(i, minlength=n_items).astype(np.float64)
        w = (1.0 / np.sqrt(deg_u[u] * deg_i[i])).astype(np.float32)
        rows = np.concatenate([u, n_users + i])
        cols = np.concatenate([n_users + i, u])
        vals = np.concatenate([w, w])
        coo = torch.sparse_coo_tensor(torch.from_numpy(np.stack([rows, cols])), torch.from_numpy(vals), (n, n)).coalesce()
        coo_t = coo.t().coalesce()
        csr = coo.to_sparse_csr()
        csr_t = coo_t.to_sparse_csr()
        x = torch.randn(n, d)
        g = torch.randn(n, d)
        res = {'nodes': n, 'nnz': int(coo._nnz())}
        res['cooFwdMs'] = timed(lambda: torch.sparse.mm(coo, x), a.reps)
        res['cooBwdMs'] = timed(lambda: torch.sparse.mm(coo_t, g), a.reps)
        try:
            res['csrFwdMs'] = timed(lambda: torch.mm(csr, x), a.reps)
            res['csrBwdMs'] = timed(lambda: torch.mm(csr_t, g), a.reps)
        except Exception as e:  # older builds without CSR matmul
            res['csrError'] = str(e)
        res['fwdMs'] = min(v for k, v in res.items() if k.endswith('FwdMs'))
        res['bwdMs'] = min(v for k, v in res.items() if k.endswith('BwdMs'))
        out['spmm'] = res

    if 'bpr' not in skip:
        B = a.batch
        nb = 8
        batches = []
        for _ in range(nb):
            e = rs.randint(0, len(u), size=B)
            bu = torch.from_numpy(u[e])
            bi = torch.from_numpy(n_users + i[e])
            bj = torch.from_numpy(n_users + rs.randint(0, n_items, size=B))
            batches.append((bu, bi, bj))
        res = {}
        for name, sparse in (('lazyMs', True), ('denseMs', False)):
            emb = torch.nn.Embedding(n, d, sparse=sparse)
            torch.nn.init.normal_(emb.weight, std=0.1)
            opt = torch.optim.SparseAdam(emb.parameters(), lr=1e-3) if sparse else torch.optim.Adam(emb.parameters(), lr=1e-3)
            it = [0]

            def step():
                bu, bi, bj = batches[it[0] % nb]
                it[0] += 1
                ev, ei, ej = emb(bu), emb(bi), emb(bj)
                x = (ev * ei).sum(1) - (ev * ej).sum(1)
                loss = -F.logsigmoid(x).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()

            res[name] = timed(step, max(a.reps, 20), warmup=3)
        out['bpr'] = res

    sys.stdout.write(json.dumps(out) + '\n')


if __name__ == '__main__':
    main()
