"""Recipe screen with several "judges" per training run (paired, no extra training).

Trains the same random non-degenerate NB201 classes as ``recipe_digits.py`` (sample seed
2024) with one training seed, and scores each trained run several ways: the final SGD
iterate (``raw``), exponential moving averages of the weights and BN buffers with each of
``decays`` (``ema<d>``), and each of those after recomputing the BatchNorm statistics
over 2,048 training images (``...bn``). Run it once per seed (one process each), then
summarize the pair with ``--summary``:

    .venv/bin/python bench/recipe_judges.py '{"epochs": 4, "bs": 64, "N": 2, "decays": [0.95, 0.98],
        "recipe": {"source": "sklearn+mnist5k", "canvas": 8, "scale_min": 0.75, "scale_max": 1.0}}' OUT.s0.csv 0 80 &
    .venv/bin/python bench/recipe_judges.py '<same JSON>' OUT.s1.csv 1 80
    .venv/bin/python bench/recipe_judges.py --summary OUT.s0.csv OUT.s1.csv

Arguments: JSON config (epochs, bs, C, N, lr, wd, decays, recipe = DigitsRecipe overrides),
output CSV (appended, resumable), training seed, number of classes.
"""
import sys, json, math, time, csv, os
import numpy as np, torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recipe_digits import sample_cells
from nasbench_kit.training import make_cluttered_digits
from nasbench_kit.training.trainer import cosine_lr
from nasbench_kit.models.nb201 import build_nb201
from nasbench_kit.models._ops201 import use_fast_avg_pool
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

def summary(path0, path1):
    import pandas as pd
    from scipy.stats import spearmanr

    a, b = pd.read_csv(path0), pd.read_csv(path1)
    m = a.merge(b, on="arch", suffixes=("0", "1"))
    print(f"n={len(m)} train CPU s/run {a.train_cpu.mean():.2f}; evaluation of valid+test by one judge {a.eval_cpu_one.mean():.2f} s")
    for c in [c for c in a.columns if c.endswith("_v")]:
        j = c[:-2]
        r = spearmanr(m[c + "0"], m[c + "1"]).statistic
        rt = spearmanr(m[j + "_t0"], m[j + "_t1"]).statistic
        d = m[c + "0"] - m[c + "1"]
        q = np.percentile(m[j + "_t0"], [25, 50, 75])
        print(f"{j:12s} Spearman valid {r:.3f} test {rt:.3f} | seed noise SD {d.std() / np.sqrt(2):.2f} | "
              f"test IQR {q[2] - q[0]:.1f}, median {q[1]:.1f}")


if sys.argv[1] == "--summary":
    summary(sys.argv[2], sys.argv[3])
    raise SystemExit(0)
args = json.loads(sys.argv[1]); out = sys.argv[2]; seed = int(sys.argv[3]); ncells = int(sys.argv[4])
torch.set_num_threads(1); torch.use_deterministic_algorithms(True)
data = make_cluttered_digits(seed=0, **args.get("recipe", {}))
epochs, bs, C, N, lr = args["epochs"], args["bs"], args.get("C", 8), args.get("N", 1), args.get("lr", 0.1)
decays = args.get("decays", [0.95, 0.98, 0.99])
L = torch.channels_last
def T(x, y): return torch.from_numpy(x).expand(-1, 3, -1, -1).contiguous(memory_format=L), torch.from_numpy(y)
renders = [T(*data.train_rendering(r)) for r in range(data.recipe.renders_train)]
vx, vy = T(data.valid_x, data.valid_y); tx, ty = T(data.test_x, data.test_y)
bnx = torch.cat([renders[r][0][:1024] for r in range(len(renders))])[:2048]

def acc(model, x, y):
    model.eval(); c = 0
    with torch.inference_mode():
        for s in range(0, len(y), 1024): c += int((model(x[s:s+1024]).argmax(1) == y[s:s+1024]).sum())
    return 100.0 * c / len(y)

def precise_bn(model):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d): m.reset_running_stats(); m.momentum = None
    model.train()
    with torch.no_grad():
        for s in range(0, len(bnx), 256): model(bnx[s:s+256])
    model.eval()

done = set()
if os.path.exists(out):
    done = {r["arch"] for r in csv.DictReader(open(out))}
f = open(out, "a", newline=""); w = None
for rank, (cell, key) in enumerate(sample_cells(ncells, 2024)):
    if str(cell) in done: continue
    t0 = time.process_time()
    torch.manual_seed(seed)
    model = build_nb201(cell, 10, C=C, N=N); use_fast_avg_pool(model, True); model = model.to(memory_format=L); model.train()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=args.get("wd", 5e-4), nesterov=True)
    g = torch.Generator().manual_seed(seed)
    emas = {d: AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(d), use_buffers=True) for d in decays}
    n = len(renders[0][1]); total = epochs * math.ceil(n / bs); step = 0
    for ep in range(epochs):
        X, Y = renders[ep % len(renders)]
        order = torch.randperm(n, generator=g)
        for s in range(0, n, bs):
            idx = order[s:s+bs]
            for gr in opt.param_groups: gr["lr"] = cosine_lr(step, total, lr)
            loss = torch.nn.functional.cross_entropy(model(X[idx]), Y[idx])
            opt.zero_grad(set_to_none=True); loss.backward(); opt.step(); step += 1
            for e in emas.values(): e.update_parameters(model)
    train_cpu = time.process_time() - t0
    row = {"rank": rank, "arch": str(cell), "seed": seed, "train_cpu": round(train_cpu, 3)}
    t1 = time.process_time()
    row["raw_v"], row["raw_t"] = acc(model, vx, vy), acc(model, tx, ty)
    eval_one = time.process_time() - t1
    for d, e in emas.items():
        row[f"ema{d}_v"], row[f"ema{d}_t"] = acc(e, vx, vy), acc(e, tx, ty)
        precise_bn(e.module)
        row[f"ema{d}bn_v"], row[f"ema{d}bn_t"] = acc(e, vx, vy), acc(e, tx, ty)
    precise_bn(model)
    row["rawbn_v"], row["rawbn_t"] = acc(model, vx, vy), acc(model, tx, ty)
    row["eval_cpu_one"] = round(eval_one, 3)
    if w is None:
        w = csv.DictWriter(f, fieldnames=list(row)); 
        if not done: w.writeheader()
    w.writerow(row); f.flush()
    if rank % 10 == 9: print(rank + 1, "cells", flush=True)
