#!/usr/bin/env bash
# Regenerates the SentencePiece test data in data/ with Debian's `sentencepiece` CLI (spm_train,
# spm_encode): a tiny BPE model with byte fallback trained on the TinyStories sample, and spm_encode's
# ids for data/spm_sentences.txt (one sentence a line), which spm_model_test.cpp must reproduce exactly.
# Identity normalization as in LLaMA's tokenizer.model (NFKC would need the precompiled charsmap).
# vocab_size is 400, not 300: the sample has 48 characters, and 48 + 256 bytes + 3 specials > 300.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:-/work/shared/data}/llm/tinystories_sample.txt"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
spm_train --input="$data" --model_prefix="$tmp/tiny_bpe" --model_type=bpe --vocab_size=400 \
  --byte_fallback=true --normalization_rule_name=identity --num_threads=1 >"$tmp/train.log" 2>&1
cp "$tmp/tiny_bpe.model" "$here/data/spm_tiny_bpe.model"
spm_encode --model="$here/data/spm_tiny_bpe.model" --output_format=id \
  <"$here/data/spm_sentences.txt" >"$here/data/spm_ids.txt"
