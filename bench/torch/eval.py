"""PyTorch reference for bench/eval.ts: full-ranking evaluation with torch.mm + masked topk.

Reads the arrays bench/eval.ts wrote (raw little-endian float32 / int32 files in one folder), then for blocks of
users: scores = U[block] @ I.T, training items set to -inf, topk(K), and Recall@K / NDCG@K against the test items
(binary gains, ideal DCG over min(|test|, K)). Prints one JSON line: median times of the core (mm + mask + topk)
and of the whole evaluation (core + metrics), and the metric means, so the TS side can check they agree.
"""
import argparse
import json
import math
import os
import statistics
import time

import numpy as np
import torch


def load(folder, name, dtype):
    return torch.from_numpy(np.fromfile(os.path.join(folder, name), dtype=dtype))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--block", type=int, default=2048)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    meta = json.load(open(os.path.join(a.folder, "meta.json")))
    nu, ni, d = meta["numUsers"], meta["numItems"], meta["dim"]
    U = load(a.folder, "users.f32", np.float32).view(nu, d)
    I = load(a.folder, "items.f32", np.float32).view(ni, d)
    tr_ptr = load(a.folder, "train_indptr.i32", np.int32).long()
    tr_idx = load(a.folder, "train_indices.i32", np.int32).long()
    te_ptr = load(a.folder, "test_indptr.i32", np.int32).long()
    te_idx = load(a.folder, "test_indices.i32", np.int32).long()
    # Row id of every nonzero, so a block's mask is one index_put.
    tr_row = torch.repeat_interleave(torch.arange(nu), tr_ptr[1:] - tr_ptr[:-1])
    te_row = torch.repeat_interleave(torch.arange(nu), te_ptr[1:] - te_ptr[:-1])
    te_cnt = (te_ptr[1:] - te_ptr[:-1]).double()
    K = a.k
    disc = 1.0 / torch.log2(torch.arange(K, dtype=torch.float64) + 2)
    idcg_table = torch.cat([torch.zeros(1, dtype=torch.float64), torch.cumsum(disc, 0)])
    It = I.t().contiguous()
    neg_inf = torch.tensor(float("-inf"))

    def core_block(s, e):
        scores = torch.mm(U[s:e], It)
        r0, r1 = tr_ptr[s].item(), tr_ptr[e].item()
        scores.index_put_((tr_row[r0:r1] - s, tr_idx[r0:r1]), neg_inf)
        return torch.topk(scores, K, dim=1).indices

    def metrics_block(s, e, top):
        # Dense test membership for the block, then gather at the top-K ids.
        member = torch.zeros(e - s, ni, dtype=torch.bool)
        r0, r1 = te_ptr[s].item(), te_ptr[e].item()
        member[te_row[r0:r1] - s, te_idx[r0:r1]] = True
        hits = torch.gather(member, 1, top).double()
        cnt = te_cnt[s:e]
        recall = hits.sum(1) / cnt.clamp(min=1)
        dcg = (hits * disc).sum(1)
        idcg = idcg_table[torch.clamp(cnt, max=K).long()]
        ndcg = torch.where(idcg > 0, dcg / idcg.clamp(min=1e-12), torch.zeros_like(dcg))
        valid = cnt > 0
        return recall[valid].sum().item(), ndcg[valid].sum().item(), int(valid.sum().item())

    def run(with_metrics):
        rs = ns = 0.0
        n = 0
        with torch.no_grad():
            for s in range(0, nu, a.block):
                e = min(nu, s + a.block)
                top = core_block(s, e)
                if with_metrics:
                    r, g, c = metrics_block(s, e, top)
                    rs += r
                    ns += g
                    n += c
        return rs, ns, n

    def timed(with_metrics):
        run(with_metrics)  # warm-up
        ts = []
        out = None
        for _ in range(a.reps):
            t0 = time.perf_counter()
            out = run(with_metrics)
            ts.append((time.perf_counter() - t0) * 1000)
        return ts, out

    core_ts, _ = timed(False)
    full_ts, (rs, ns, n) = timed(True)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "block": a.block,
        "coreMs": statistics.median(core_ts), "coreSamples": core_ts,
        "fullMs": statistics.median(full_ts), "fullSamples": full_ts,
        "recall": rs / n, "ndcg": ns / n, "users": n,
    }))


if __name__ == "__main__":
    main()
