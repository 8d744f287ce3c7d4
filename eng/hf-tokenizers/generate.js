#!/usr/bin/env node
// WordPiece fixtures from Hugging Face's own tokenizers library (npm `tokenizers`, its Rust core): the oracle our
// tokenizer is held to. The Node binding takes no pre-tokenized input, so each word is encoded alone without special
// tokens and the pieces are concatenated: exactly what BertTokenizerFast(is_split_into_words=True) does, and how this
// reproduces fixtures/hf-tiny/ewt-dev-hf-wordpiece.jsonl.gz (2,001/2,001 sentences).
//
// Only ids are written (no words): the tests read the words from the treebank files in ../shared, so no treebank
// text is committed. One JSON object a line, in file order: {"sent_id", "input_ids" (with [CLS] and [SEP]),
// "word_ids" (null for the specials)}.
//
// usage: npm ci && node generate.js VOCAB OUTDIR TREEBANK_FILE...   (see README.md beside this file)
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const { Tokenizer, WordPiece, bertNormalizer, bertPreTokenizer } = require("tokenizers");

// The settings of tokenizer_config.json this fixture exercises, as BertTokenizerFast hands them to the Rust
// normalizer (strip_accents null follows do_lower_case there; written out explicitly here).
const SETTINGS = {
  uncased: { lowercase: true, stripAccents: true },
  cased: { lowercase: false, stripAccents: false },
};

function readSentences(file) {
  let text = fs.readFileSync(file);
  if (text[0] === 0x1f && text[1] === 0x8b) text = zlib.gunzipSync(text);
  const sentences = [];
  for (const block of text.toString("utf8").replace(/\r\n/g, "\n").split("\n\n")) {
    const lines = block.split("\n").filter((l) => l.length > 0);
    if (lines.length === 0) continue;
    const sentId = (lines.find((l) => /^#\s*sent_id\s*=/.test(l)) || "").replace(/^#\s*sent_id\s*=\s*/, "").trim();
    // Words: integer IDs only (multiword ranges 1-2 and empty nodes 8.1 are not words).
    const words = lines.filter((l) => !l.startsWith("#")).map((l) => l.split("\t")).filter((c) => /^[0-9]+$/.test(c[0])).map((c) => c[1]);
    sentences.push({ sentId, words });
  }
  return sentences;
}

async function main() {
  const [vocabPath, outDir, ...files] = process.argv.slice(2);
  if (!vocabPath || !outDir || files.length === 0) {
    console.error("usage: node generate.js VOCAB OUTDIR TREEBANK_FILE...");
    process.exit(2);
  }
  const vocab = {};
  fs.readFileSync(vocabPath, "utf8").split(/\r?\n/).forEach((token, id) => {
    if (token.length > 0 && !(token in vocab)) vocab[token] = id;
  });
  fs.mkdirSync(outDir, { recursive: true });
  for (const [setting, options] of Object.entries(SETTINGS)) {
    const tokenizer = new Tokenizer(WordPiece.init(vocab, { unkToken: "[UNK]", continuingSubwordPrefix: "##", maxInputCharsPerWord: 100 }));
    tokenizer.setNormalizer(bertNormalizer({ cleanText: true, handleChineseChars: true, ...options }));
    tokenizer.setPreTokenizer(bertPreTokenizer());
    tokenizer.addSpecialTokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
    const cls = vocab["[CLS]"];
    const sep = vocab["[SEP]"];
    for (const file of files) {
      const name = path.basename(file).replace(/-ud-(\w+)\.conllu(\.gz)?$/, "-$1");
      const lines = [];
      let tokens = 0;
      for (const { sentId, words } of readSentences(file)) {
        const inputIds = [cls];
        const wordIds = [null];
        for (let w = 0; w < words.length; w++) {
          const encoding = await tokenizer.encode(words[w], null, { addSpecialTokens: false });
          for (const id of encoding.getIds()) {
            inputIds.push(id);
            wordIds.push(w);
          }
        }
        inputIds.push(sep);
        wordIds.push(null);
        tokens += inputIds.length;
        lines.push(JSON.stringify({ sent_id: sentId, input_ids: inputIds, word_ids: wordIds }));
      }
      const target = path.join(outDir, `${name}-${setting}.jsonl.gz`);
      // mtime 0 in the gzip header: the same input gives the same bytes.
      fs.writeFileSync(target, zlib.gzipSync(lines.join("\n") + "\n", { level: 9 }));
      console.log(`${target}: ${lines.length} sentences, ${tokens} tokens (${setting})`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
