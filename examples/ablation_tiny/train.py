"""Fine-tune a LLaVA checkpoint on one arm written by `mella-bench data arms --format llava` (plain torch, CPU).

Deliberately small and deterministic: one thread, seeded order and initialisation-free (it starts
from the given checkpoint), full fine-tuning with AdamW, loss on the answer tokens only. The chat
text is built with the checkpoint's own chat template — the same one `mella-bench run --backend hf`
uses at evaluation — so training and evaluation see the same prompt format.

Usage: python examples/ablation_tiny/train.py --base CKPT --data ARMS/llava/culture.json --images ARMS
                                               --output CKPT_OUT [--steps 300] [--batch-size 8] [--lr 2e-3]
Writes CKPT_OUT (model + processor) and CKPT_OUT.train.json (loss curve, settings, CPU time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

IGNORE = -100


def load_examples(path: Path, images: Path) -> list[tuple[str, str, Path]]:
    """(prompt, answer, image path) of every LLaVA conversation record."""
    out = []
    for i, rec in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        human, gpt = rec["conversations"][0], rec["conversations"][1]
        if human.get("from") != "human" or gpt.get("from") != "gpt":
            raise ValueError(f"{path}: record {i}: expected a human turn then a gpt turn")
        prompt = human["value"].removeprefix("<image>").lstrip("\n")
        out.append((prompt, gpt["value"], images / rec["image"]))
    return out


def encode(processor, prompt: str, answer: str, image_path: Path) -> dict:
    """input_ids / pixel_values / labels of one conversation; labels only on the answer and its end token."""
    from PIL import Image

    with Image.open(image_path) as im:
        image = im.convert("RGB")
    user = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
    prefix = processor.apply_chat_template(user, add_generation_prompt=True, tokenize=False)
    eos = processor.tokenizer.eos_token
    full = processor(text=[prefix + answer + eos], images=[image], return_tensors="pt")
    n_prefix = processor(text=[prefix], images=[image], return_tensors="pt")["input_ids"].shape[1]
    ids = full["input_ids"][0]
    labels = ids.clone()
    labels[:n_prefix] = IGNORE
    return {"input_ids": ids, "labels": labels, "pixel_values": full["pixel_values"][0]}


def collate(batch: list[dict], pad_id: int) -> dict:
    import torch

    n = max(len(b["input_ids"]) for b in batch)
    ids = torch.full((len(batch), n), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), n), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(batch), n), dtype=torch.long)
    for i, b in enumerate(batch):  # right padding: training needs no generation offset
        k = len(b["input_ids"])
        ids[i, :k], labels[i, :k], mask[i, :k] = b["input_ids"], b["labels"], 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask,
            "pixel_values": torch.stack([b["pixel_values"] for b in batch])}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, type=Path, help="starting checkpoint directory")
    ap.add_argument("--data", required=True, type=Path, help="LLaVA conversation JSON of one arm")
    ap.add_argument("--images", required=True, type=Path, help="folder the records' image paths are relative to")
    ap.add_argument("--output", required=True, type=Path)
    ap.add_argument("--steps", type=int, default=300, help="optimizer steps (same for every arm: matched compute)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    import torch
    from transformers import AutoProcessor, LlavaForConditionalGeneration

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    processor = AutoProcessor.from_pretrained(args.base, local_files_only=True)
    model = LlavaForConditionalGeneration.from_pretrained(args.base, local_files_only=True, dtype=torch.float32)
    model.train()
    examples = [encode(processor, *ex) for ex in load_examples(args.data, args.images)]
    pad_id = processor.tokenizer.pad_token_id
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 20) * max(0.05, 1 - s / args.steps))
    rng = random.Random(args.seed)
    order: list[int] = []
    losses = []
    cpu0, wall0 = time.process_time(), time.time()
    for step in range(args.steps):
        batch_idx = []
        while len(batch_idx) < args.batch_size:
            if not order:  # one epoch at a time, each reshuffled
                order = list(range(len(examples)))
                rng.shuffle(order)
            batch_idx.append(order.pop())
        batch = collate([examples[i] for i in batch_idx], pad_id)
        loss = model(**batch).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(round(loss.item(), 4))
        if step % 50 == 0 or step == args.steps - 1:
            print(f"[train {args.data.stem}] step {step + 1}/{args.steps} loss {losses[-1]:.3f}", file=sys.stderr)
    model.eval()
    model.save_pretrained(args.output)
    processor.save_pretrained(args.output)
    log = {"arm_file": str(args.data), "arm_sha256": hashlib.sha256(args.data.read_bytes()).hexdigest(),
           "base": str(args.base), "examples": len(examples), "steps": args.steps, "batch_size": args.batch_size,
           "lr": args.lr, "seed": args.seed, "epochs": round(args.steps * args.batch_size / len(examples), 2),
           "cpu_s": round(time.process_time() - cpu0, 1), "wall_s": round(time.time() - wall0, 1),
           "torch": torch.__version__, "threads": 1, "loss_first": losses[0], "loss_last": losses[-1],
           "loss_every_10": losses[::10]}
    args.output.with_name(args.output.name + ".train.json").write_text(json.dumps(log, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
