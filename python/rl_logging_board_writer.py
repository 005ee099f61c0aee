"""Write RL Logging Board rollout logs (JSONL) from an OpenRLHF / RTO experience maker.

Standard library only: drop this file next to your training code. One JSON object per line, UTF-8, non-ASCII
text kept as it is (ensure_ascii=False). The keys follow the RL Logging Board convention (public repository
HarderThenHarder/RLLoggingBoard) plus RTO Lab's RTO channels (RTO Lab's docs/internals.md, "Real runs' logs"):

  prompt, response (str); response_tokens (list of str, one per action); logprobs, ref_logprobs, values,
  token_rewards (one number per response token); reward (the RM score); step (int >= 0);
  ref_response (str), ref_reward (number), optional;
  RTO: dpo_logprobs, dpo_rewards (the clipped beta1 term), kl_rewards (-beta2 * log-ratio), one per token;
  score_reward (the normalised RM score paid on the last token, a number); gold (number); method (str).

Every number must be finite and every per-token list as long as response_tokens (or, with
allow_unscored_tail=True, no longer: trailing pad tokens that were not scored may be left off). A bad record is
refused with a ValueError or TypeError that names the field (and the token index) before anything is written.
When token_rewards is not given but kl_rewards is, it is filled in as kl_rewards + dpo_rewards (when given) with
score_reward added on the last token: the reward each token got in RTO training.

Tensors and arrays are accepted wherever a list is (anything with .tolist(), e.g. torch or numpy).

    with RLLoggingBoardWriter("rollouts/rank0.jsonl", method="rto") as log:
        log.write(step=global_step, prompt=p, response=r, response_tokens=tokenizer.convert_ids_to_tokens(ids),
                  logprobs=lp, ref_logprobs=ref_lp, values=v, dpo_rewards=dpo, kl_rewards=kl,
                  score_reward=score, reward=raw_score)
"""

import json
import math

TEXT_FIELDS = ("prompt", "response", "ref_response", "method")
NUMBER_FIELDS = ("reward", "ref_reward", "score_reward", "gold")
TOKEN_FIELDS = ("logprobs", "ref_logprobs", "values", "token_rewards", "dpo_logprobs", "dpo_rewards", "kl_rewards")
REQUIRED = ("step", "prompt", "response", "response_tokens", "reward")
KEY_ORDER = (
    "step", "prompt", "response", "response_tokens", "reward", "ref_response", "ref_reward",
    "logprobs", "ref_logprobs", "values", "token_rewards",
    "dpo_logprobs", "dpo_rewards", "kl_rewards", "score_reward", "gold", "method",
)


def _as_list(name, value):
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise TypeError("%s must be a list, got %s" % (name, type(value).__name__))
    return list(value)


def _finite(name, value):
    if hasattr(value, "item") and not isinstance(value, (int, float)):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number, got %r" % (name, value))
    if not math.isfinite(value):
        raise ValueError("%s must be a finite number, got %r" % (name, value))
    return value


def make_record(allow_unscored_tail=False, **fields):
    """The checked record (a dict in the convention's key order); raises ValueError/TypeError naming the problem."""
    unknown = sorted(set(fields) - set(KEY_ORDER))
    if unknown:
        raise ValueError("unknown field(s) %s; known: %s" % (", ".join(unknown), ", ".join(KEY_ORDER)))
    fields = {k: v for k, v in fields.items() if v is not None}
    missing = [k for k in REQUIRED if k not in fields]
    if missing:
        raise ValueError("missing required field(s): %s" % ", ".join(missing))

    record = {}
    step = fields["step"]
    if hasattr(step, "item") and not isinstance(step, int):
        step = step.item()
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError("step must be a whole number >= 0, got %r" % (step,))
    record["step"] = step
    for name in TEXT_FIELDS:
        if name in fields:
            if not isinstance(fields[name], str):
                raise TypeError("%s must be a string, got %s" % (name, type(fields[name]).__name__))
            record[name] = fields[name]
    tokens = _as_list("response_tokens", fields["response_tokens"])
    for i, token in enumerate(tokens):
        if not isinstance(token, str):
            raise TypeError("response_tokens[%d] must be a string, got %r" % (i, token))
    record["response_tokens"] = tokens
    for name in NUMBER_FIELDS:
        if name in fields:
            record[name] = _finite(name, fields[name])
    for name in TOKEN_FIELDS:
        if name not in fields:
            continue
        values = _as_list(name, fields[name])
        n, h = len(values), len(tokens)
        if n > h or (n < h and not allow_unscored_tail):
            raise ValueError(
                "%s has %d values but response_tokens has %d tokens; they must match%s"
                % (name, n, h, "" if n > h else " (pass allow_unscored_tail=True if trailing pad tokens were not scored)")
            )
        record[name] = [_finite("%s[%d]" % (name, i), v) for i, v in enumerate(values)]

    if "token_rewards" not in record and "kl_rewards" in record:
        total = list(record["kl_rewards"])
        if "dpo_rewards" in record:
            if len(record["dpo_rewards"]) != len(total):
                raise ValueError(
                    "dpo_rewards (%d) and kl_rewards (%d) must have the same length to sum into token_rewards"
                    % (len(record["dpo_rewards"]), len(total))
                )
            total = [a + b for a, b in zip(total, record["dpo_rewards"])]
        if "score_reward" in record and total:
            total[-1] += record["score_reward"]
        record["token_rewards"] = total
    return {k: record[k] for k in KEY_ORDER if k in record}


def dumps_record(record):
    """One JSONL line (no newline) of a record from make_record; non-finite numbers are refused again here."""
    return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class RLLoggingBoardWriter:
    """Appends checked records to a .jsonl file, one per line; method (e.g. "rto", "ppo") is added to each."""

    def __init__(self, path, method=None, mode="a", allow_unscored_tail=False):
        if mode not in ("a", "w"):
            raise ValueError("mode must be 'a' (append) or 'w' (overwrite), got %r" % (mode,))
        self.path = path
        self.method = method
        self.allow_unscored_tail = allow_unscored_tail
        self.count = 0
        self._file = open(path, mode, encoding="utf-8", newline="\n")

    def write(self, **fields):
        """Checks and writes one rollout; returns the record written."""
        if self.method is not None:
            fields.setdefault("method", self.method)
        record = make_record(allow_unscored_tail=self.allow_unscored_tail, **fields)
        self._file.write(dumps_record(record) + "\n")
        self.count += 1
        return record

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def read_records(path):
    """Yields the records of a .jsonl file line by line (streaming); blank lines are skipped."""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError("%s line %d is not JSON: %s" % (path, number, error)) from None
