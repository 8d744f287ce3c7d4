#!/usr/bin/env node
// Boundary fixture from Hugging Face's own tokenizers library (npm `tokenizers`, its Rust core): crafted words around
// every character-class boundary of our BertPreTokenizer/AccentStripping/WordPieceAligner, tokenized by HF. The
// treebank fixtures (generate.js) rarely reach these classes (CJK block ends, Unicode punctuation categories, format
// characters, Hangul, over-long words, special tokens inside words), so mutation testing showed that a wrong range
// end or a dropped category passed every test (issue 13). Each case is tokenized the way generate.js does it: each
// word alone, no special tokens around it, pieces concatenated.
//
// Three kinds of lines (one JSON object a line, non-ASCII written as \u escapes so the file reads in any editor):
//   {"kind":"encode","setting":S,"name":N,"words":[…],"input_ids":[…],"word_ids":[…]}  S: uncased | cased | extra
//     ("extra": uncased plus additional special tokens "the", "there", "[unused1]": longest match first)
//   {"kind":"split","name":N,"text":T,"words":[…]}  raw text cut into words by HF's BertNormalizer (clean_text and
//     CJK isolation only: no lowercasing, no accent stripping, so the words keep their spelling) + BertPreTokenizer:
//     what BertPreTokenizer.SplitWords must return for `poslf tag` on plain text.
//
// A second file, unicode-classes.txt.gz, holds HF's classification of every code point (all 1,112,064 scalar values):
//   "R FIRST LAST CLASS" (hex) for runs of one class of "a" + c + "b" under the cased pipeline (clean_text, CJK
//   isolation, pre-tokenizer): R removed, W whitespace, P split off as punctuation, C isolated as CJK, K kept in the
//   word; and "M CP HEX…" for every kept/punctuation/CJK code point whose uncased normalization (accents stripped,
//   lowercased) is not itself. HF's Unicode category tables are older than .NET's, so this is the only way to see
//   every code point where the two could differ.
//
// usage: npm ci && node generate-boundaries.js VOCAB OUTDIR   (see README.md beside this file)
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const { Tokenizer, WordPiece, bertNormalizer, bertPreTokenizer } = require("tokenizers");

const SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
const SETTINGS = {
  uncased: { normalizer: { lowercase: true, stripAccents: true }, extra: [] },
  cased: { normalizer: { lowercase: false, stripAccents: false }, extra: [] },
  extra: { normalizer: { lowercase: true, stripAccents: true }, extra: ["the", "there", "[unused1]"] },
};

const hex = (c) => c.toString(16).toUpperCase().padStart(4, "0");
const ch = (c) => String.fromCodePoint(c);
const range = (lo, hi) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

// Single code points, each tried alone, between letters and doubled (see charCases).
const CODE_POINTS = [
  // every ASCII character: the four punctuation ranges 33–47, 58–64, 91–96, 123–126 with both neighbours,
  // NUL, \t \n \r, the other C0 controls, DEL
  ...range(0x00, 0x7f),
  // Latin-1: C1 controls (U+0085 NEL is also whitespace), NBSP, soft hyphen (Cf), symbols, accented letters
  ...range(0x80, 0xff),
  // one or more of every Unicode punctuation category, and symbols (not punctuation outside ASCII)
  0x203f, 0x2040, 0xfe33, 0xff3f, // Pc
  0x2010, 0x2013, 0x2014, 0x301c, 0x058a, // Pd
  0x2045, 0x300c, 0xff08, 0x201a, // Ps
  0x2046, 0x300d, 0xff09, // Pe
  0x2018, 0x201c, 0x2039, // Pi
  0x2019, 0x201d, 0x203a, // Pf
  0x2020, 0x2026, 0x3001, 0x3002, 0xff01, 0x055d, 0x060c, // Po
  0x2212, 0x20ac, 0x02c6, 0x2603, 0x1f600, 0x1f970, // Sm Sc Sk So, an emoji, an emoji of Unicode 11
  // whitespace other than \t \n \r and space, and format characters that look like it
  0x1680, 0x2000, 0x2003, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
  0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x061c, 0x202e, // Cf
  // private use, unassigned, noncharacters, the replacement character
  0xe000, 0xf8ff, 0xf0000, 0x10fffd, 0x0378, 0x0560, 0xfffe, 0xffff, 0xfffd,
  // combining marks alone (Mn: dropped when stripping accents) and letters whose NFD carries one; marks newer than
  // HF's Unicode tables (e.g. U+08D3) are not Mn there: UnicodeClassParityTests lists them
  0x0300, 0x0301, 0x0327, 0x0610, 0x0439, 0x0451, 0x03ac, 0x1f00, 0x01d6, 0x1ea4, 0x1e9b, 0x212b, 0x2126,
  0x037e, 0x0387, 0x1fed, 0x1fef, // NFD turns these into punctuation (; · ¨ `): split off only when uncased
  // Hangul syllables: before the block, first, second, one with and one without a trailing consonant, last, after;
  // a conjoining jamo and a compatibility jamo
  0xabff, 0xac00, 0xac01, 0xac1b, 0xd558, 0xd55c, 0xd7a3, 0xd7a4, 0xd7b0, 0x1100, 0x11a8, 0x3131,
];

// CJK ideograph blocks BERT isolates: each end and both neighbours.
const CJK_BLOCKS = [
  [0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b73f],
  [0x2b740, 0x2b81f], [0x2b820, 0x2ceaf], [0xf900, 0xfaff], [0x2f800, 0x2fa1f],
];
for (const [lo, hi] of CJK_BLOCKS) CODE_POINTS.push(lo - 1, lo, lo + 1, Math.floor((lo + hi) / 2), hi - 1, hi, hi + 1);
CODE_POINTS.push(0x2ceb0, 0x30000, 0x31350); // blocks BERT does not isolate (Ext F, G, H)
// HF's Rust normalizer starts the Extension E range at U+2B920, not U+2B820 (Google's BERT and HF's Python code)
CODE_POINTS.push(0x2b91f, 0x2b920, 0x2b921);

function charCases() {
  const seen = new Set();
  const cases = [];
  for (const c of CODE_POINTS) {
    if (seen.has(c)) continue;
    seen.add(c);
    const s = ch(c);
    cases.push({ name: `U+${hex(c)}`, words: [s, `a${s}b`, `${s}${s}`, `X${s}`] });
  }
  return cases;
}

// Whole words and sentences: Hangul words, special tokens inside words, the 100-character limit, [UNK].
const WORD_CASES = [
  { name: "hangul words", words: ["\uAC00\uAC01", "\uD55C\uAD6D\uC5B4", "\uD558\uB2E4", "a\uAC00", "\uD7A3", "\uAC00-\uD55C"] },
  { name: "special tokens inside words", words: ["[SEP]", "a[SEP]b", "[sep]", "[SEP", "SEP]", "[MASK][CLS]", "[UNK]", "[PAD]x", "x[CLS]", "[[SEP]]", "[CLS]."] },
  { name: "longest special token first", words: ["there", "thereby", "bathe", "THE", "the", "others", "[unused1]", "[unused10]", "[unused1]s"] },
  { name: "100 characters", words: ["a".repeat(100), "a".repeat(101), "ab".repeat(50), "ab".repeat(50) + "c", "a".repeat(99) + "\u00E9"] },
  { name: "100 characters after punctuation split", words: ["a".repeat(100) + "!" + "b".repeat(100), "a".repeat(101) + "-b", "\u4E00" + "a".repeat(100)] },
  { name: "100 characters counted before accent stripping", words: ["\u00E9".repeat(100), "\u00E9".repeat(101), "e\u0301".repeat(50), "e\u0301".repeat(51)] },
  { name: "unknown words", words: ["a\u13A3b", "\u13A3", "qzxqzxqzx", "\u2603", "snow\u2603man"] },
  { name: "sentence", words: ["Hello", "World", "!", "The", "caf\u00E9's", "NA\u00CFVE", "jurists", "\u00C5ngstr\u00F6m", "$5", "a+b=c", "<|>"] },
];

// Raw lines for SplitWords.
function splitCases() {
  const cases = [];
  const seen = new Set();
  for (const c of CODE_POINTS) {
    if (seen.has(c)) continue;
    seen.add(c);
    const s = ch(c);
    cases.push({ name: `U+${hex(c)}`, text: `x${s}y ${s} z${s}${s}` });
  }
  cases.push({ name: "sentence", text: "Hello, World! It's 5$ (a+b=c) \u00ABcaf\u00E9\u00BB \u4E2D\u6587abc \uD55C\uAD6D\uC5B4." });
  cases.push({ name: "spaces", text: "  two  spaces\tand\ttabs\r\nline  " });
  cases.push({ name: "only whitespace and controls", text: " \t\u0000\u200B\uFFFD " });
  cases.push({ name: "empty", text: "" });
  cases.push({ name: "special tokens are not words here", text: "a [SEP] b[CLS]" });
  return cases;
}

function makeTokenizer(vocab, setting) {
  const tokenizer = new Tokenizer(WordPiece.init(vocab, { unkToken: "[UNK]", continuingSubwordPrefix: "##", maxInputCharsPerWord: 100 }));
  tokenizer.setNormalizer(bertNormalizer({ cleanText: true, handleChineseChars: true, ...setting.normalizer }));
  tokenizer.setPreTokenizer(bertPreTokenizer());
  tokenizer.addSpecialTokens([...SPECIALS, ...setting.extra]);
  return tokenizer;
}

// JSON with every non-ASCII UTF-16 unit as \uXXXX (System.Text.Json reads surrogate pairs written this way).
const asciiJson = (value) => JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => "\\u" + hex(c.charCodeAt(0)).toLowerCase());

function unicodeClasses() {
  const cased = bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase: false, stripAccents: false });
  const uncased = bertNormalizer({ cleanText: false, handleChineseChars: false, lowercase: true, stripAccents: true });
  const preTokenizer = bertPreTokenizer();
  const runs = [];
  const mapped = [];
  for (let c = 0; c <= 0x10ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue; // surrogates are not scalar values: no string holds one alone
    const s = ch(c);
    const normalized = cased.normalizeString(`a${s}b`);
    const pieces = preTokenizer.preTokenizeString(normalized).map(([piece]) => piece);
    let cls;
    if (pieces.length === 1 && pieces[0] === "ab") cls = "R";
    else if (pieces.length === 2 && pieces[0] === "a" && pieces[1] === "b") cls = "W";
    else if (pieces.length === 3 && pieces[1] === s) cls = normalized.includes(` ${s} `) ? "C" : "P";
    else if (pieces.length === 1 && pieces[0] === `a${s}b`) cls = "K";
    else throw new Error(`U+${hex(c)}: unexpected pieces ${JSON.stringify(pieces)}`);
    const last = runs[runs.length - 1];
    if (last && last.cls === cls && last.last === c - 1) last.last = c;
    else runs.push({ first: c, last: c, cls });
    if (cls !== "R" && cls !== "W") {
      const u = uncased.normalizeString(s);
      if (u !== s) mapped.push(`M ${hex(c)}${Array.from(u).map((x) => " " + hex(x.codePointAt(0))).join("")}`);
    }
  }
  const lines = [...runs.map((r) => `R ${hex(r.first)} ${hex(r.last)} ${r.cls}`), ...mapped];
  return { lines, runs: runs.length, mapped: mapped.length };
}

async function main() {
  const [vocabPath, outDir] = process.argv.slice(2);
  if (!vocabPath || !outDir) {
    console.error("usage: node generate-boundaries.js VOCAB OUTDIR");
    process.exit(2);
  }
  const outFile = path.join(outDir, "boundaries.jsonl");
  const vocab = {};
  fs.readFileSync(vocabPath, "utf8").split(/\r?\n/).forEach((token, id) => {
    if (token.length > 0 && !(token in vocab)) vocab[token] = id;
  });
  const lines = [];
  const cases = [...charCases(), ...WORD_CASES];
  for (const [settingName, setting] of Object.entries(SETTINGS)) {
    const tokenizer = makeTokenizer(vocab, setting);
    // The extra special tokens only matter for the cases written for them.
    const mine = settingName === "extra" ? cases.filter((c) => c.name.includes("special token")) : cases;
    for (const { name, words } of mine) {
      const inputIds = [];
      const wordIds = [];
      for (let w = 0; w < words.length; w++) {
        const encoding = await tokenizer.encode(words[w], null, { addSpecialTokens: false });
        for (const id of encoding.getIds()) {
          inputIds.push(id);
          wordIds.push(w);
        }
      }
      lines.push(asciiJson({ kind: "encode", setting: settingName, name, words, input_ids: [vocab["[CLS]"], ...inputIds, vocab["[SEP]"]], word_ids: [null, ...wordIds, null] }));
    }
  }
  const normalizer = bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase: false, stripAccents: false });
  const preTokenizer = bertPreTokenizer();
  for (const { name, text } of splitCases()) {
    const words = preTokenizer.preTokenizeString(normalizer.normalizeString(text)).map(([word]) => word);
    lines.push(asciiJson({ kind: "split", name, text, words }));
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(outFile, lines.join("\n") + "\n");
  const counts = lines.reduce((acc, l) => ((acc[JSON.parse(l).kind] = (acc[JSON.parse(l).kind] || 0) + 1), acc), {});
  console.log(`${outFile}: ${lines.length} lines (${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ")})`);
  const classes = unicodeClasses();
  const classFile = path.join(outDir, "unicode-classes.txt.gz");
  // mtime 0 in the gzip header: the same input gives the same bytes.
  fs.writeFileSync(classFile, zlib.gzipSync(classes.lines.join("\n") + "\n", { level: 9 }));
  console.log(`${classFile}: ${classes.runs} runs, ${classes.mapped} code points changed by uncased normalization`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
