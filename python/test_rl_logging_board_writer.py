"""Tests of rl_logging_board_writer.py: round trip, derived token rewards, validation errors, unicode."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rl_logging_board_writer import RLLoggingBoardWriter, dumps_record, make_record, read_records  # noqa: E402


def rollout(**changes):
    fields = dict(
        step=3,
        prompt="<s> the film was",
        response=" great .</s>",
        response_tokens=["▁great", "▁.", "</s>"],
        reward=1.25,
        logprobs=[-0.5, -1.0, -0.25],
        ref_logprobs=[-0.75, -1.0, -0.5],
        values=[0.1, 0.2, 0.3],
        dpo_rewards=[0.05, 0.0, -0.05],
        kl_rewards=[-0.0025, 0.0, -0.0025],
        score_reward=0.8,
    )
    fields.update(changes)
    return fields


class RoundTrip(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "rank0.jsonl")

    def tearDown(self):
        self.dir.cleanup()

    def test_written_records_read_back_equal_one_per_line(self):
        with RLLoggingBoardWriter(self.path, method="rto", mode="w") as log:
            first = log.write(**rollout())
            second = log.write(**rollout(step=4, reward=-2, token_rewards=[0.0, 0.0, -2.0]))
            self.assertEqual(log.count, 2)
        with open(self.path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        self.assertEqual(len(lines), 3)  # two records and the final newline
        self.assertEqual(lines[2], "")
        back = list(read_records(self.path))
        self.assertEqual(back, [first, second])
        self.assertEqual(back[0]["method"], "rto")
        self.assertEqual(back[0]["score_reward"], 0.8)
        self.assertEqual(back[1]["token_rewards"], [0.0, 0.0, -2.0])
        self.assertEqual(list(back[0])[:5], ["step", "prompt", "response", "response_tokens", "reward"])

    def test_append_mode_keeps_earlier_lines(self):
        with RLLoggingBoardWriter(self.path, mode="w") as log:
            log.write(**rollout(step=0))
        with RLLoggingBoardWriter(self.path) as log:
            log.write(**rollout(step=1))
        self.assertEqual([r["step"] for r in read_records(self.path)], [0, 1])

    def test_unicode_is_written_as_utf8_not_escaped(self):
        text = "très bien — 好 🙂"
        with RLLoggingBoardWriter(self.path, mode="w") as log:
            log.write(**rollout(response=text, response_tokens=["très", "好", "🙂"]))
        with open(self.path, "rb") as f:
            raw = f.read()
        self.assertIn(text.encode("utf-8"), raw)
        self.assertNotIn(b"\\u", raw)
        self.assertEqual(next(read_records(self.path))["response"], text)

    def test_objects_with_tolist_and_item_are_accepted(self):
        class FakeTensor:
            def __init__(self, data):
                self.data = data

            def tolist(self):
                return list(self.data)

        class FakeScalar:
            def __init__(self, v):
                self.v = v

            def item(self):
                return self.v

        record = make_record(**rollout(logprobs=FakeTensor([-1, -2, -3]), reward=FakeScalar(0.5), step=FakeScalar(7)))
        self.assertEqual(record["logprobs"], [-1, -2, -3])
        self.assertEqual(record["reward"], 0.5)
        self.assertEqual(record["step"], 7)


class DerivedTokenRewards(unittest.TestCase):
    def test_token_rewards_are_kl_plus_dpo_with_the_score_on_the_last_token(self):
        record = make_record(**rollout())
        expected = [0.05 - 0.0025, 0.0, -0.05 - 0.0025 + 0.8]
        for got, want in zip(record["token_rewards"], expected):
            self.assertAlmostEqual(got, want, places=12)
        self.assertEqual(len(record["token_rewards"]), 3)

    def test_ppo_rewards_without_dpo(self):
        record = make_record(**rollout(dpo_rewards=None, kl_rewards=[-0.1, -0.2, -0.3], score_reward=1.0))
        self.assertEqual(record["token_rewards"], [-0.1, -0.2, 0.7])
        self.assertNotIn("dpo_rewards", record)

    def test_given_token_rewards_are_kept(self):
        record = make_record(**rollout(token_rewards=[1, 2, 3]))
        self.assertEqual(record["token_rewards"], [1, 2, 3])


class Validation(unittest.TestCase):
    def assertRefused(self, error, pattern, **changes):
        with self.assertRaisesRegex(error, pattern):
            make_record(**rollout(**changes))

    def test_non_finite_numbers_are_refused_with_the_field_and_index(self):
        self.assertRefused(ValueError, r"logprobs\[1\] must be a finite number, got nan", logprobs=[-0.5, float("nan"), -0.25])
        self.assertRefused(ValueError, r"values\[2\] must be a finite number, got inf", values=[0, 0, float("inf")])
        self.assertRefused(ValueError, r"reward must be a finite number, got -inf", reward=float("-inf"))
        self.assertRefused(ValueError, r"score_reward must be a finite number", score_reward=float("nan"))

    def test_mismatched_lengths_are_refused(self):
        self.assertRefused(ValueError, r"ref_logprobs has 2 values but response_tokens has 3 tokens", ref_logprobs=[-1, -1])
        self.assertRefused(ValueError, r"kl_rewards has 4 values but response_tokens has 3 tokens", kl_rewards=[0, 0, 0, 0])

    def test_a_shorter_unscored_tail_is_allowed_only_when_asked(self):
        record = make_record(allow_unscored_tail=True, **rollout(values=[0.1, 0.2]))
        self.assertEqual(record["values"], [0.1, 0.2])
        with self.assertRaisesRegex(ValueError, r"values has 4 values"):
            make_record(allow_unscored_tail=True, **rollout(values=[0, 0, 0, 0]))

    def test_wrong_types_and_missing_or_unknown_fields(self):
        self.assertRefused(TypeError, r"logprobs\[0\] must be a number, got '-1'", logprobs=["-1", 0, 0])
        self.assertRefused(TypeError, r"reward must be a number, got True", reward=True)
        self.assertRefused(TypeError, r"response_tokens\[1\] must be a string", response_tokens=["a", 2, "c"])
        self.assertRefused(TypeError, r"prompt must be a string", prompt=b"bytes")
        self.assertRefused(TypeError, r"values must be a list, got str", values="0.1")
        self.assertRefused(ValueError, r"step must be a whole number >= 0", step=-1)
        self.assertRefused(ValueError, r"step must be a whole number >= 0", step=1.5)
        self.assertRefused(ValueError, r"unknown field\(s\) rewards", rewards=[1])
        with self.assertRaisesRegex(ValueError, r"missing required field\(s\): response, reward"):
            make_record(step=0, prompt="p", response_tokens=[])

    def test_a_refused_record_writes_nothing(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.jsonl")
            with RLLoggingBoardWriter(path, mode="w") as log:
                with self.assertRaises(ValueError):
                    log.write(**rollout(values=[0]))
                self.assertEqual(log.count, 0)
            with open(path, encoding="utf-8") as f:
                self.assertEqual(f.read(), "")

    def test_dumps_refuses_nan_even_in_a_hand_made_record(self):
        with self.assertRaises(ValueError):
            dumps_record({"reward": float("nan")})
        self.assertEqual(json.loads(dumps_record({"reward": 1})), {"reward": 1})


if __name__ == "__main__":
    unittest.main()
