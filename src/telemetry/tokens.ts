/**
 * Token estimates for what a tool call adds to a model's context, without a tokenizer.
 *
 * A real BPE tokenizer carries rank tables of hundreds of KiB, more than the Worker's size budget allows.
 * This follows the part of o200k_base that is cheap to copy exactly, its pre-tokenizer (which cuts text
 * into words, 1-3 digit groups, punctuation runs and whitespace; no token ever crosses those cuts), and
 * replaces the vocabulary with per-piece costs fitted against o200k_base on real READMEs, source files,
 * package manifests and localized messages. scripts/measure-tokens.mjs measures its error on tool output.
 */

/** Names the estimator recorded next to each estimate; the version changes whenever a constant does. */
export const TOKEN_ESTIMATOR = { name: "o200k-pretoken-heuristic", version: 1 } as const;

const OTHER = 0;
const LOWER = 1;
const UPPER = 2;
/** Letters without case (CJK, Arabic, modifier letters), which o200k lets join either side of a case change. */
const CASELESS = 3;
/** Combining marks: part of a word after letters, part of a punctuation run after symbols. */
const MARK = 4;
const DIGIT = 5;
const SPACE = 6;
const NEWLINE = 7;

// Fitted by least squares against o200k_base (see the module comment); rounded to two places.
const LONG_WORD_FROM_4 = 0.11;
const LONG_WORD_FROM_8 = 0.14;
// Space-prefixed words are the vocabulary's commonest entries, so they stay one token for longer.
const LONG_SPACED_WORD_FROM_4 = 0.07;
const LONG_SPACED_WORD_FROM_8 = 0.18;
const ALL_CAPS_WORD = 0.35;
const ALL_CAPS_SPACED_WORD = 0.05;
const CAPS_THEN_LOWER_WORD = 1;
const PUNCTUATION_RUN = 1.03;
const PUNCTUATION_RUN_EXTRA_CHAR = 0.54;
const PUNCTUATION_RUN_REPEATED_CHAR = 0.03;
const SYMBOL = 0.97;
const REPEATED_SYMBOL = 0.17;
// Emoji are four UTF-8 bytes, and many are not whole tokens.
const ASTRAL_SYMBOL = 2.19;
// The vocabulary has runs of up to about 16 newlines or tabs and about 96 spaces as single tokens.
const NEWLINES_PER_TOKEN = 16;
const SPACES_PER_TOKEN = 96;

/**
 * Estimated o200k_base token count of `text`, in time linear in its length, without regular expressions
 * or allocation. 0 for the empty string. scripts/measure-tokens.mjs reports its error against real
 * tokenizers.
 */
export function estimateTokens(text: string): number {
  const n = text.length;
  let total = 0;
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    const kind = classOf(code);
    let letters = -1;
    if (isLetter(kind)) letters = i;
    else if (kind === OTHER || kind === SPACE) {
      // o200k lets a word take one leading character that is neither a letter, a digit nor a newline.
      const width = isHighSurrogate(code) && i + 1 < n ? 2 : 1;
      if (i + width < n && isLetter(classOf(text.charCodeAt(i + width)))) letters = i + width;
    }
    if (letters >= 0) {
      const end = wordEnd(text, letters);
      total += wordCost(text, i, letters, end);
      i = end;
    } else if (kind === DIGIT) {
      let end = i + 1;
      while (end < n && end < i + 3 && classOf(text.charCodeAt(end)) === DIGIT) end++;
      total += 1;
      i = end;
    } else if (kind === OTHER || (code === 32 && i + 1 < n && classOf(text.charCodeAt(i + 1)) === OTHER)) {
      const end = punctuationEnd(text, code === 32 ? i + 1 : i);
      total += punctuationCost(text, i, end);
      i = end;
    } else {
      const end = whitespaceEnd(text, i);
      total += whitespaceCost(text, i, end);
      i = end;
    }
  }
  return Math.round(total);
}

function isLetter(kind: number): boolean {
  return kind === LOWER || kind === UPPER || kind === CASELESS || kind === MARK;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code < 0xdc00;
}

/**
 * o200k splits a letter run where a lower-case letter meets an upper-case one ("getElementById" is four
 * words, "HTTPServer" one) and keeps an English contraction suffix on the word.
 */
function wordEnd(text: string, start: number): number {
  const n = text.length;
  let end = start;
  let lastCaseless = -1;
  for (; end < n; end++) {
    const kind = classOf(text.charCodeAt(end));
    if (kind === CASELESS || kind === MARK) lastCaseless = end;
    else if (kind !== UPPER) break;
  }
  if (end < n && classOf(text.charCodeAt(end)) === LOWER) {
    end++;
    while (end < n) {
      const kind = classOf(text.charCodeAt(end));
      if (kind !== LOWER && kind !== CASELESS && kind !== MARK) break;
      end++;
    }
  } else if (lastCaseless >= 0) {
    end = lastCaseless + 1;
  }
  // 's 'd 'm 't 'll 've 're, in either case.
  if (end + 1 < n && text.charCodeAt(end) === 39) {
    const a = text.charCodeAt(end + 1) | 32;
    const b = end + 2 < n ? text.charCodeAt(end + 2) | 32 : 0;
    if (a === 115 || a === 100 || a === 109 || a === 116) end += 2;
    else if ((a === 108 && b === 108) || (a === 118 && b === 101) || (a === 114 && b === 101)) end += 3;
  }
  return end;
}

function wordCost(text: string, start: number, letters: number, end: number): number {
  let cost = 1;
  let upper = 0;
  let lower = 0;
  for (let j = letters; j < end; j++) {
    const code = text.charCodeAt(j);
    if (code >= 97 && code <= 122) lower++;
    else if (code >= 65 && code <= 90) upper++;
    else if (code >= 128) cost += letterCost(code);
  }
  const ascii = upper + lower;
  const spaced = letters > start && text.charCodeAt(start) === 32;
  if (letters > start && !spaced) cost += prefixCost(text.charCodeAt(start));
  const from4 = ascii > 4 ? ascii - 4 : 0;
  const from8 = ascii > 8 ? ascii - 8 : 0;
  const allCaps = upper >= 2 && lower === 0;
  if (spaced) {
    cost += LONG_SPACED_WORD_FROM_4 * from4 + LONG_SPACED_WORD_FROM_8 * from8;
    if (allCaps) cost += ALL_CAPS_SPACED_WORD;
  } else {
    cost += LONG_WORD_FROM_4 * from4 + LONG_WORD_FROM_8 * from8;
    if (allCaps) cost += ALL_CAPS_WORD;
  }
  if (upper >= 2 && lower > 0) cost += CAPS_THEN_LOWER_WORD;
  return cost;
}

/** Extra cost of a word's leading character, fitted like the constants: how often o200k merges it in. */
function prefixCost(code: number): number {
  switch (code) {
    case 46: // .
    case 92: // \
    case 95: // _
      return 0.01;
    case 40: // (
    case 9: // tab
      return 0.1;
    case 45: // -
    case 47: // /
    case 60: // <
    case 39: // '
    case 59: // ;
      return 0.44;
    default:
      return 0.7;
  }
}

/** Extra cost of one non-ASCII letter, by script: how well the vocabulary covers it. */
function letterCost(code: number): number {
  if (code < 0x370 || (code >= 0x1e00 && code < 0x1f00)) return 0.6;
  if (code < 0x530 || (code >= 0x1f00 && code < 0x2000)) return 0.12;
  if (
    (code >= 0x3400 && code < 0xa000) ||
    (code >= 0xf900 && code < 0xfb00) ||
    (code >= 0x3005 && code <= 0x3007)
  )
    return 0.75;
  if (
    (code >= 0x3040 && code < 0x3100) ||
    (code >= 0x31f0 && code < 0x3200) ||
    (code >= 0xff66 && code < 0xffa0)
  )
    return 0.58;
  if (
    (code >= 0xac00 && code < 0xd800) ||
    (code >= 0x1100 && code < 0x1200) ||
    (code >= 0x3130 && code < 0x3190)
  )
    return 0.38;
  return 0.3;
}

function punctuationEnd(text: string, from: number): number {
  const n = text.length;
  let end = from;
  while (end < n) {
    const kind = classOf(text.charCodeAt(end));
    if (kind !== OTHER && kind !== MARK) break;
    end++;
  }
  while (end < n) {
    const code = text.charCodeAt(end);
    if (code !== 10 && code !== 13 && code !== 47) break;
    end++;
  }
  return end;
}

/** Short ASCII runs ("},", "://", "```") are single tokens; non-ASCII symbols rarely merge with them. */
function punctuationCost(text: string, start: number, end: number): number {
  let cost = 0;
  let ascii = 0;
  let repeated = 0;
  let previous = -1;
  for (let j = start; j < end; j++) {
    const code = text.charCodeAt(j);
    if (code < 128) {
      if ((code !== 32 || j !== start) && code !== 10 && code !== 13) {
        if (code === previous && ascii >= 3) repeated++;
        else ascii++;
      }
    } else if (isHighSurrogate(code)) cost += ASTRAL_SYMBOL;
    else if (code >= 0xdc00 && code < 0xe000) {
      // The low half of a pair is already counted; a lone one becomes U+FFFD, a symbol.
      if (!isHighSurrogate(previous)) cost += SYMBOL;
    } else if (classOf(code) !== MARK) cost += code === previous ? REPEATED_SYMBOL : SYMBOL;
    previous = code;
  }
  if (ascii > 0)
    cost +=
      PUNCTUATION_RUN +
      PUNCTUATION_RUN_EXTRA_CHAR * (ascii > 3 ? ascii - 3 : 0) +
      PUNCTUATION_RUN_REPEATED_CHAR * repeated;
  return cost;
}

/**
 * Whitespace up to its last newline is one piece; otherwise all but the last space, which joins what
 * follows. Long runs of spaces compress far better than runs of newlines or tabs.
 */
function whitespaceEnd(text: string, start: number): number {
  const n = text.length;
  let end = start;
  let lastNewline = -1;
  for (; end < n; end++) {
    const kind = classOf(text.charCodeAt(end));
    if (kind === NEWLINE) lastNewline = end;
    else if (kind !== SPACE) break;
  }
  if (lastNewline >= 0) return lastNewline + 1;
  return end < n && end - start > 1 ? end - 1 : end;
}

function whitespaceCost(text: string, start: number, end: number): number {
  let spaces = 0;
  for (let j = start; j < end; j++) if (text.charCodeAt(j) === 32) spaces++;
  const cost = (end - start - spaces) / NEWLINES_PER_TOKEN + spaces / SPACES_PER_TOKEN;
  return Math.max(cost, 1);
}

/** The Unicode categories the o200k split pattern distinguishes, approximated by code unit ranges. */
function classOf(code: number): number {
  // Kept small so that the engine inlines the ASCII path into every loop.
  if (code >= 97 && code <= 122) return LOWER;
  if (code < 128) {
    if (code >= 65 && code <= 90) return UPPER;
    if (code >= 48 && code <= 57) return DIGIT;
    if (code === 32 || code === 9) return SPACE;
    if (code === 10 || code === 13) return NEWLINE;
    return code === 11 || code === 12 ? SPACE : OTHER;
  }
  return nonAsciiClassOf(code);
}

function nonAsciiClassOf(code: number): number {
  if (code < 0x250) return latinClass(code);
  if (code < 0x370) return code < 0x2b0 ? LOWER : code < 0x300 ? CASELESS : MARK;
  if (code < 0x530) return greekCyrillicClass(code);
  if (code < 0x2000) {
    if (code >= 0x1e00 && code < 0x1f00) return code & 1 ? LOWER : UPPER;
    if (code === 0x1680) return SPACE;
    if (code === 0x964 || code === 0x965) return OTHER;
    // Armenian to Georgian, Hangul Jamo, Greek Extended: letters and marks without usable case here.
    return CASELESS;
  }
  if (code < 0x3040) {
    if (code <= 0x200a || code === 0x2028 || code === 0x2029 || code === 0x202f) return SPACE;
    if (code === 0x205f || code === 0x3000) return SPACE;
    if (code >= 0x20d0 && code < 0x2100) return MARK;
    if (code >= 0x2c00 && code < 0x2e00) return LOWER;
    if (code >= 0x3005 && code <= 0x3007) return CASELESS;
    // General punctuation, arrows, maths, box drawing, dingbats, CJK punctuation.
    return OTHER;
  }
  if (code < 0x3100)
    return code === 0x30a0 || code === 0x30fb || code === 0x309b || code === 0x309c ? OTHER : CASELESS;
  if (code < 0x3200) return CASELESS;
  if (code < 0x3400) return OTHER;
  if (code < 0xd800) return code >= 0x4dc0 && code < 0x4e00 ? OTHER : CASELESS;
  if (code < 0xf900) return OTHER; // surrogates (emoji, mostly) and private use
  if (code < 0xfe00) return CASELESS;
  if (code < 0xfe10) return MARK; // variation selectors, as in "❤️"
  if (code < 0xfe70) return OTHER;
  if (code < 0xff00) return code === 0xfeff ? SPACE : CASELESS;
  if (code >= 0xff10 && code <= 0xff19) return DIGIT;
  if (code >= 0xff21 && code <= 0xff3a) return UPPER;
  if (code >= 0xff41 && code <= 0xff5a) return LOWER;
  if (code >= 0xff66 && code <= 0xffdc) return CASELESS;
  return OTHER;
}

function latinClass(code: number): number {
  if (code < 0xc0) {
    if (code === 0xa0) return SPACE;
    if (code === 0xaa || code === 0xba) return CASELESS;
    if (code === 0xb5) return LOWER;
    if (code === 0xb2 || code === 0xb3 || code === 0xb9 || (code >= 0xbc && code <= 0xbe)) return DIGIT; // ² ³ ¹ ¼ ½ ¾
    return OTHER;
  }
  if (code === 0xd7 || code === 0xf7) return OTHER;
  if (code < 0xdf) return UPPER;
  if (code < 0x100) return LOWER;
  if (code >= 0x180) return LOWER;
  // Latin Extended-A pairs upper and lower case, but the pairing flips parity twice.
  if (code === 0x178) return UPPER;
  const upperIsOdd = (code > 0x138 && code < 0x149) || code > 0x178;
  return (code & 1) === (upperIsOdd ? 1 : 0) ? UPPER : LOWER;
}

function greekCyrillicClass(code: number): number {
  if (code >= 0x391 && code <= 0x3a9) return UPPER;
  if (code >= 0x400 && code < 0x430) return UPPER;
  if (code >= 0x460 && code < 0x500) return code & 1 ? LOWER : UPPER;
  if (code === 0x37e || code === 0x387) return OTHER;
  return LOWER;
}
