"""PyTorch CPU reference: the same tiny GPT training step that the lab's preset runs,
timed as ms/step, to compare against the TF.js backends on the same machine.
Usage: python3 torch_tiny_gpt.py [vocab d layers heads seq batch steps [warmup [threads]]]
The reference script of issue 15; changed for scripts/bench/node.ts: the step clips the gradient's
global norm at 1 as the lab's optimiserStep does, the thread count is 1 unless given (tfjs-wasm runs on one thread),
and the JSON carries every step's time. Shapes as scripts/bench/core.ts's reference step: seq 32 predicted tokens
(the lab's ids are 33 long, position 0 unscored), tied output head, pre-LN blocks, tanh GELU, Adam."""
import sys, time, math, json
import torch, torch.nn as nn, torch.nn.functional as F

args = [int(a) for a in sys.argv[1:]] or [64, 64, 2, 4, 32, 32, 20]
V, D, L, NH, T, B, STEPS = args[:7]
torch.manual_seed(0)
WARMUP = args[7] if len(args) > 7 else 2
torch.set_num_threads(args[8] if len(args) > 8 else 1)

class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln1 = nn.LayerNorm(D); s.qkv = nn.Linear(D, 3 * D); s.o = nn.Linear(D, D)
        s.ln2 = nn.LayerNorm(D); s.f1 = nn.Linear(D, 4 * D); s.f2 = nn.Linear(4 * D, D)
    def forward(s, x):
        b, t, d = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(D, -1)
        q, k, v = [z.view(b, t, NH, D // NH).transpose(1, 2) for z in (q, k, v)]
        a = (q @ k.transpose(-1, -2)) / math.sqrt(D // NH)
        a = a.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), -1e9).softmax(-1)
        x = x + s.o((a @ v).transpose(1, 2).reshape(b, t, d))
        return x + s.f2(F.gelu(s.f1(s.ln2(x)), approximate="tanh"))

class GPT(nn.Module):
    def __init__(s):
        super().__init__(); s.wte = nn.Embedding(V, D); s.wpe = nn.Parameter(torch.zeros(T, D))
        s.blocks = nn.ModuleList(Block() for _ in range(L)); s.lnf = nn.LayerNorm(D)
    def forward(s, idx):
        x = s.wte(idx) + s.wpe[: idx.shape[1]]
        for blk in s.blocks: x = blk(x)
        return s.lnf(x) @ s.wte.weight.T

m = GPT(); opt = torch.optim.Adam(m.parameters(), 3e-3)
data = torch.randint(0, V, (B, T + 1))
def step():
    logits = m(data[:, :-1]); loss = F.cross_entropy(logits.reshape(-1, V), data[:, 1:].reshape(-1))
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step(); return loss.item()
for _ in range(WARMUP): step()
times = []
for _ in range(STEPS):
    t0 = time.perf_counter(); step(); times.append((time.perf_counter() - t0) * 1000)
samples = [round(t, 3) for t in times]
times.sort()
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "cfg": args,
                  "params": sum(p.numel() for p in m.parameters()), "median_ms_per_step": round(times[len(times)//2], 2), "samples_ms": samples}))
