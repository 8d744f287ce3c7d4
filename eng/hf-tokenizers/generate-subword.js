#!/usr/bin/env node
// Byte-level BPE (RoBERTa/GPT-2) and SentencePiece-Unigram (XLM-R) fixtures from Hugging Face's own tokenizers library
// (npm `tokenizers`, its Rust core): small vocabularies trained here on EWT train text (no real vocabulary can be
// downloaded), and, as the oracle for Tokenization/ByteLevelBpeAligner and UnigramAligner, the ids and word ids of
// every dev sentence of the treebanks given.
//
// The Node binding encodes no pre-tokenized list, so each word is encoded alone without special tokens and the pieces
// are concatenated between <s> and </s>: that is what the Rust core does for is_split_into_words=True (each word is
// its own sub-sequence: normalized, pre-tokenized and modelled alone, then merged), with RobertaTokenizerFast's
// add_prefix_space=True (every word gets its "Ġ") and XLM-R's Metaspace prepend_scheme "always" (every word its "▁").
//
// Training: the library's default trainers (the binding exposes no trainer options), then cut down to stay small:
// BPE keeps its first MERGES merges (a prefix of a BPE merge list is a valid BPE) over the full 256-symbol byte
// alphabet (so no byte is ever unknown, as in RoBERTa); Unigram keeps its PIECES best-scored pieces (so rarer
// characters, French ones above all, are <unk>: the unknown path is exercised). Special tokens and their ids are
// RoBERTa's (<s>=0, <pad>=1, </s>=2, <unk>=3, <mask> last) and XLM-R's (the same four first, <mask> last).
// The Unigram normalizer is XLM-R's: Precompiled (SentencePiece's nmt_nfkc charsmap, written by nmt-nfkc-charsmap.py)
// then Replace(" {2,}", " "). Its tokenizer.json (the charsmap is most of it) is committed gzipped.
//
// usage: npm ci && node generate-subword.js TRAIN_CONLLU CHARSMAP OUTDIR DEV_CONLLU...   (see README.md beside this file)
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const zlib = require("zlib");
const { Tokenizer, BPE, Unigram, byteLevelPreTokenizer, byteLevelAlphabet, metaspacePreTokenizer, nfkcNormalizer } = require("tokenizers");

const MERGES = 2000;
const PIECES = 3000;
const SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"];

function readSentences(file) {
  let text = fs.readFileSync(file);
  if (text[0] === 0x1f && text[1] === 0x8b) text = zlib.gunzipSync(text);
  const sentences = [];
  for (const block of text.toString("utf8").replace(/\r\n/g, "\n").split("\n\n")) {
    const lines = block.split("\n").filter((l) => l.length > 0);
    if (lines.length === 0) continue;
    const sentId = (lines.find((l) => /^#\s*sent_id\s*=/.test(l)) || "").replace(/^#\s*sent_id\s*=\s*/, "").trim();
    // Words: integer IDs only (multiword ranges 1-2 and empty nodes 8.1 are not words), as our CoNLL-U reader.
    const words = lines.filter((l) => !l.startsWith("#")).map((l) => l.split("\t")).filter((c) => /^[0-9]+$/.test(c[0])).map((c) => c[1]);
    sentences.push({ sentId, words });
  }
  return sentences;
}

// GPT-2's bytes_to_unicode order: the printable bytes first as themselves, then the rest mapped from U+0100 on.
function byteAlphabetInByteOrder() {
  const printable = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const chars = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) chars[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + n++);
  return chars;
}

function addedTokens(tokens) {
  return tokens.map(([content, id]) => ({
    id, content, single_word: false, lstrip: content === "<mask>", rstrip: false, normalized: false, special: true,
  }));
}

function trainByteLevelBpe(trainFile, outDir) {
  const trainer = new Tokenizer(BPE.empty());
  trainer.setPreTokenizer(byteLevelPreTokenizer(true, true));
  trainer.train([trainFile]);
  const trained = JSON.parse(fs.readFileSync(save(trainer), "utf8"));
  const merges = trained.model.merges.slice(0, MERGES).map((m) => (Array.isArray(m) ? m : m.split(" ")));
  const alphabet = byteAlphabetInByteOrder();
  if (alphabet.slice().sort().join("") !== byteLevelAlphabet().slice().sort().join("")) throw new Error("byte alphabet differs from the library's");
  const vocab = {};
  for (const t of [...SPECIALS, ...alphabet, ...merges.map(([a, b]) => a + b)]) if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  vocab["<mask>"] = Object.keys(vocab).length;
  const specials = [...SPECIALS, "<mask>"].map((t) => [t, vocab[t]]);
  const json = {
    version: "1.0", truncation: null, padding: null, added_tokens: addedTokens(specials), normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: "RobertaProcessing", sep: ["</s>", 2], cls: ["<s>", 0], trim_offsets: true, add_prefix_space: true },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false,
      byte_fallback: false, ignore_merges: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  fs.writeFileSync(path.join(outDir, "tokenizer.json"), JSON.stringify(json));
  fs.writeFileSync(path.join(outDir, "vocab.json"), JSON.stringify(vocab));
  fs.writeFileSync(path.join(outDir, "merges.txt"), "#version: 0.2\n" + merges.map(([a, b]) => `${a} ${b}`).join("\n") + "\n");
  fs.writeFileSync(path.join(outDir, "tokenizer_config.json"), JSON.stringify({
    tokenizer_class: "RobertaTokenizer", add_prefix_space: true, bos_token: "<s>", eos_token: "</s>", sep_token: "</s>",
    cls_token: "<s>", unk_token: "<unk>", pad_token: "<pad>", mask_token: "<mask>",
  }, null, 2) + "\n");
  return Object.keys(vocab).length;
}

function trainUnigram(trainFile, outDir, charsmap) {
  const normalizer = {
    type: "Sequence",
    normalizers: [
      { type: "Precompiled", precompiled_charsmap: fs.readFileSync(charsmap).toString("base64") },
      { type: "Replace", pattern: { Regex: " {2,}" }, content: " " },
    ],
  };
  const preTokenizer = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true };
  const trainer = new Tokenizer(Unigram.empty());
  trainer.setNormalizer(nfkcNormalizer());
  trainer.setPreTokenizer(metaspacePreTokenizer("\u2581", "always", true));
  trainer.train([trainFile]);
  const trained = JSON.parse(fs.readFileSync(save(trainer), "utf8"));
  const pieces = trained.model.vocab.filter(([p]) => !SPECIALS.includes(p) && p !== "<mask>")
    .sort((a, b) => b[1] - a[1]).slice(0, PIECES);
  const vocab = [...SPECIALS.map((t) => [t, 0.0]), ...pieces, ["<mask>", 0.0]];
  const specials = [...SPECIALS, "<mask>"].map((t) => [t, vocab.findIndex(([p]) => p === t)]);
  const json = {
    version: "1.0", truncation: null, padding: null, added_tokens: addedTokens(specials), normalizer,
    pre_tokenizer: preTokenizer,
    post_processor: { type: "RobertaProcessing", sep: ["</s>", 2], cls: ["<s>", 0], trim_offsets: true, add_prefix_space: true },
    decoder: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
    model: { type: "Unigram", unk_id: 3, vocab, byte_fallback: false },
  };
  fs.writeFileSync(path.join(outDir, "tokenizer.json"), JSON.stringify(json));
  fs.writeFileSync(path.join(outDir, "tokenizer_config.json"), JSON.stringify({
    tokenizer_class: "XLMRobertaTokenizer", bos_token: "<s>", eos_token: "</s>", sep_token: "</s>", cls_token: "<s>",
    unk_token: "<unk>", pad_token: "<pad>", mask_token: "<mask>",
  }, null, 2) + "\n");
  return vocab.length;
}

function save(tokenizer) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "poslf-subword-")), "trained.json");
  tokenizer.save(file, false);
  return file;
}

async function writeExpected(tokenizer, files, outDir) {
  const bos = tokenizer.tokenToId("<s>");
  const eos = tokenizer.tokenToId("</s>");
  for (const file of files) {
    const name = path.basename(file).replace(/-ud-(\w+)\.conllu(\.gz)?$/, "-$1");
    const lines = [];
    let tokens = 0;
    let unknown = 0;
    for (const { sentId, words } of readSentences(file)) {
      const inputIds = [bos];
      const wordIds = [null];
      for (let w = 0; w < words.length; w++) {
        const encoding = await tokenizer.encode(words[w], null, { addSpecialTokens: false });
        for (const id of encoding.getIds()) {
          inputIds.push(id);
          wordIds.push(w);
          if (id === 3) unknown++;
        }
      }
      inputIds.push(eos);
      wordIds.push(null);
      tokens += inputIds.length;
      lines.push(JSON.stringify({ sent_id: sentId, input_ids: inputIds, word_ids: wordIds }));
    }
    const target = path.join(outDir, `${name}.jsonl.gz`);
    // mtime 0 in the gzip header: the same input gives the same bytes.
    fs.writeFileSync(target, zlib.gzipSync(lines.join("\n") + "\n", { level: 9 }));
    console.log(`${target}: ${lines.length} sentences, ${tokens} tokens, ${unknown} <unk>`);
  }
}

// Crafted words at the edges (committed with their ids, non-ASCII as \u escapes): no token at all, characters the
// Unigram pieces lack (fused into one <unk>), special tokens inside a word, spaces inside a word, compatibility
// characters the charsmap rewrites, combining marks, astral characters, control characters, a long word.
const CRAFTED = [
  "", " ", "a", "hello", "Hello", "don't", "New York", "a  b", " lead", "trail ", "\u2603", "\u2603\u2603", "a\u2603b",
  "foo<s>bar", "<s>", "</s>", "<mask>", "<unk>x", "x<pad>", "\ufb01", "\u00bd", "t\u00bd", "\u2460", "\uff21", "x\u0301",
  "\u01c4", "\u{1F44D}\u{1F3FD}", "\u{1D400}", "\u0001", "\u00a0", "\u200b", "\u3000x", "caf\u00e9", "cafe\u0301",
  "\u00df", "\u0130", "\u4e2d\u6587", "\u0645\u0631\u062d\u0628\u0627", "12,345.67", "e-mail", "'s", "''", "...", "--",
  "x".repeat(120), "\u2581", "\u0120", "a\tb", "a\nb",
];

async function writeCrafted(tokenizer, outDir) {
  const lines = [];
  for (const word of CRAFTED) {
    const ids = (await tokenizer.encode(word, null, { addSpecialTokens: false })).getIds();
    // JSON.stringify keeps non-ASCII as is; escape it so the file reads the same everywhere.
    lines.push(JSON.stringify({ word, input_ids: ids }).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")));
  }
  fs.writeFileSync(path.join(outDir, "crafted.jsonl"), lines.join("\n") + "\n");
}

async function main() {
  const [trainPath, charsmap, outDir, ...files] = process.argv.slice(2);
  if (!trainPath || !charsmap || !outDir || files.length === 0) {
    console.error("usage: node generate-subword.js TRAIN_CONLLU CHARSMAP OUTDIR DEV_CONLLU...");
    process.exit(2);
  }
  // Training text: the words of each train sentence joined by single spaces, one sentence a line.
  const trainFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "poslf-subword-")), "train.txt");
  fs.writeFileSync(trainFile, readSentences(trainPath).map((s) => s.words.join(" ")).join("\n") + "\n");
  for (const [kind, train] of [["bytelevel-bpe", trainByteLevelBpe], ["unigram", trainUnigram]]) {
    const dir = path.join(outDir, kind);
    fs.mkdirSync(dir, { recursive: true });
    console.log(`${dir}: ${train(trainFile, dir, charsmap)} tokens`);
    const tokenizer = Tokenizer.fromFile(path.join(dir, "tokenizer.json"));
    if (kind === "bytelevel-bpe") {
      // vocab.json + merges.txt (what RobertaTokenizer reads) must give what tokenizer.json gives.
      const fromFiles = new Tokenizer(await BPE.fromFile(path.join(dir, "vocab.json"), path.join(dir, "merges.txt")));
      fromFiles.setPreTokenizer(byteLevelPreTokenizer(true, true));
      for (const { words } of readSentences(files[0])) {
        for (const word of words) {
          const a = (await tokenizer.encode(word, null, { addSpecialTokens: false })).getIds().join(",");
          const b = (await fromFiles.encode(word, null, { addSpecialTokens: false })).getIds().join(",");
          if (a !== b) throw new Error(`vocab.json + merges.txt and tokenizer.json differ on '${word}': ${b} vs ${a}`);
        }
      }
    }
    await writeExpected(tokenizer, files, dir);
    await writeCrafted(tokenizer, dir);
    if (kind === "unigram") {
      const plain = path.join(dir, "tokenizer.json");
      fs.writeFileSync(plain + ".gz", zlib.gzipSync(fs.readFileSync(plain), { level: 9 }));
      fs.unlinkSync(plain);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
