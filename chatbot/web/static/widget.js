/*
 * 四街道市 AI問い合わせチャットボット — citizen-facing chat widget.
 *
 * One-line embed:
 *   <script src="https://chatbot.example.jp/widget.js" data-city="四街道市" defer></script>
 *
 * Optional data attributes on that <script> tag:
 *   data-city      city name shown in the title and greeting (default 四街道市)
 *   data-city-en   the city name in Latin-script UIs (English, Vietnamese, …; default: data-city)
 *   data-color     primary colour, #rgb or #rrggbb (default #00693e); text on it is
 *                  chosen black or white automatically to keep contrast AA
 *   data-greeting  Japanese greeting replacing the default one
 *   data-greeting-en  English greeting replacing the default one
 *   data-lang      initial language: a code of the language menu (ja by default; easy, en, zh, ko, vi, tl,
 *                  ne, pt), as registered in chatbot/core/languages.py
 *   data-position  right (default) or left
 *   data-mount     "false": show no chat window; only expose YotsukaidoChatbot.renderAnswer (the staff
 *                  console's FAQ editor previews answers with the very renderer citizens get)
 *
 * The API is called on the origin the script itself was loaded from. Everything lives
 * in a shadow DOM styled with a constructed stylesheet, so host-page CSS cannot break it
 * and a strict Content-Security-Policy (no 'unsafe-inline') is enough. The widget never
 * uses innerHTML: all user and server text goes into the page as text nodes.
 *
 * All UI text comes from chatbot/core/messages.yaml (keys widget_*, used here without the prefix); the server
 * replaces the tokens below with {"ja": {...}, "en": {...}, ...} and the language menu.
 */
(function () {
  "use strict";

  const TEXTS = __CHATBOT_TEXTS__;
  const LANGUAGES = __CHATBOT_LANGUAGES__; // [{code, name, voice, japanese}] from chatbot/core/languages.py
  const LANGUAGE = Object.fromEntries(LANGUAGES.map((l) => [l.code, l]));

  // The <script> tag that loaded us (a tag manager may insert it without currentScript).
  const script = document.currentScript || [...document.querySelectorAll("script[src]")]
    .find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src));
  if (!script || window.__yotsukaidoChatbotLoaded) return;
  window.__yotsukaidoChatbotLoaded = true;

  const API = new URL(script.src, document.baseURI).origin;
  const data = script.dataset;
  const CITY_JA = data.city || "四街道市";
  const CITY_EN = data.cityEn || (CITY_JA === "四街道市" ? "Yotsukaido City" : CITY_JA);
  /** The city's name in a language: as written in kanji for Japanese and Chinese, else in Latin letters. */
  const cityName = (language) => (LANGUAGE[language] && LANGUAGE[language].japanese) || language === "zh"
    ? CITY_JA : CITY_EN;
  const POSITION = data.position === "left" ? "left" : "right";
  const REQUEST_TIMEOUT_MS = 20000;
  const SVG_NS = "http://www.w3.org/2000/svg";

  let lang = LANGUAGE[data.lang] ? data.lang : "ja";
  let furigana = false; // readings over kanji (<ruby>), asked of the server for Japanese replies

  // ---------------------------------------------------------------- text helpers

  /** One UI text in the current language, with {placeholders} filled in. */
  function t(key, values, language) {
    const table = TEXTS[language || lang] || {};
    let s = table[key];
    if (s === undefined) s = (TEXTS.ja || {})[key];
    if (s === undefined) return key;
    const vars = Object.assign({ city: cityName(language || lang) }, values || {});
    return String(s).replace(/\{(\w+)\}/g, (m, name) =>
      Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m);
  }

  /** Create an element; children may be nodes or strings (always added as text). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [name, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) continue;
        if (name === "text") node.textContent = value;
        else if (name === "onclick") node.addEventListener("click", value);
        else node.setAttribute(name, value === true ? "" : String(value));
      }
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function safeHttpUrl(raw) {
    try {
      const url = new URL(String(raw), document.baseURI);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  /** A link that opens in a new tab, announced as such to screen readers. */
  function externalLink(href, label, className) {
    const a = el("a", { href, target: "_blank", rel: "noopener noreferrer", class: className || null });
    a.append(label, el("span", { class: "sr-only", text: t("new_tab") }));
    return a;
  }

  // ------------------------------------------------------------- safe Markdown

  /*
   * A deliberately small Markdown subset: paragraphs (single newlines become line
   * breaks), "-", "*", "+" and "1." lists, **bold**, [text](http(s)://...) links and bare
   * http(s) URLs. Nothing is ever parsed as HTML: text becomes text nodes, so "<b>" in an
   * answer is shown literally. Links with any other scheme (javascript:, data:, ...) are
   * rendered as their text only.
   */
  const INLINE = /\*\*([^*]+(?:\*(?!\*)[^*]*)*)\*\*|\[([^\]\n]+)\]\(([^()\s]+)\)|(https?:\/\/[^\s<>()（）「」『』、。，．]+)|<ruby>([^<]+)<rt>([^<]+)<\/rt><\/ruby>/g;

  function renderInline(text, depth) {
    const frag = document.createDocumentFragment();
    let last = 0;
    const matches = [...String(text).matchAll(INLINE)];
    for (const m of matches) {
      if (m.index > last) frag.append(document.createTextNode(text.slice(last, m.index)));
      if (m[1] !== undefined) {
        const strong = el("strong");
        strong.append(depth < 3 ? renderInline(m[1], depth + 1) : m[1]);
        frag.append(strong);
      } else if (m[2] !== undefined) {
        const href = safeHttpUrl(m[3]);
        const label = depth < 3 ? renderInline(m[2], depth + 1) : document.createTextNode(m[2]);
        if (href && /^https?:/i.test(m[3])) frag.append(externalLink(href, label));
        else frag.append(label);
      } else if (m[4] !== undefined) {
        const href = safeHttpUrl(m[4]);
        frag.append(href ? externalLink(href, m[4]) : m[4]);
      } else {
        frag.append(el("ruby", null, m[5], el("rt", null, m[6])));
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) frag.append(document.createTextNode(text.slice(last)));
    return frag;
  }

  function renderMarkdown(source) {
    const root = el("div", { class: "md" });
    const lines = String(source || "").replace(/\r\n?/g, "\n").split("\n");
    let para = null;
    let list = null;

    const closeBlocks = () => { para = null; list = null; };
    for (const raw of lines) {
      const line = raw.replace(/\s+$/, "");
      if (!line.trim()) { closeBlocks(); continue; }
      const bullet = /^\s*[-*+・]\s+(.*)$/.exec(line);
      const ordered = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
      const heading = /^\s{0,3}#{1,6}\s+(.*)$/.exec(line);
      if (bullet || ordered) {
        const tag = bullet ? "ul" : "ol";
        if (!list || list.tagName.toLowerCase() !== tag) {
          list = el(tag);
          if (ordered && ordered[1] !== "1") list.setAttribute("start", ordered[1]);
          root.append(list);
        }
        list.append(el("li", null, renderInline(bullet ? bullet[1] : ordered[2], 0)));
        para = null;
      } else if (heading) {
        closeBlocks();
        root.append(el("p", { class: "md-heading" }, el("strong", null, renderInline(heading[1], 1))));
      } else if (list && /^\s{2,}\S/.test(raw)) {
        // an indented continuation line of the last list item
        const li = list.lastElementChild;
        li.append(el("br"), renderInline(line.trim(), 0));
      } else {
        list = null;
        if (para) para.append(el("br"));
        else { para = el("p"); root.append(para); }
        para.append(renderInline(line.trim(), 0));
      }
    }
    return root;
  }

  // ------------------------------------------------ personal-information check

  // The same shapes chatbot/core/redact.py redacts on the server (which it does in any case): this
  // only warns before sending. Digit groups joined by marks that also join dates, prices and lists
  // (. / , _ ~ の) warn only when the digits prove a phone number or a My Number (its check digit),
  // so "2026.11.24" or "2024,2025,2026年度" send without a warning.

  const KANJI_DIGITS = "〇零○一二三四五六七八九";
  const KANJI_VALUES = "000123456789";
  const NUMBER_SEPARATOR = "(?:[ \\t]*[-./,_~\\u301c()の]{1,2}[ \\t]*|[ \\t]+)";
  const NUMBER_RUN = new RegExp(`(?:\\+[ \\t]*)?(?:\\((?=\\d+\\)))?\\d+(?:${NUMBER_SEPARATOR}\\d+)*`, "g");
  const WEAK_MARK = /[./,_~\u301cの]/;
  const THOUSANDS = /^[1-9]\d{0,2}(?:,\d{3})+$/; // 1,234,567 円: no phone or My Number is grouped in threes
  const DOMESTIC_PHONE = /^0[1-9](?:0\d{8}|\d{8})$/;
  const EMAIL_LABEL = "[\\p{L}\\p{N}\\p{M}_-]+";
  const SPELLED_DOT = "(?:\\s*[(\\[]\\s*dot\\s*[)\\]]\\s*|\\s+dot\\s+)";
  const EMAIL_DOT = `(?:\\.|${SPELLED_DOT})`;
  // Any script (たろう@例え.jp); "@", "(at)", "[at]", " @ "; a bare " at " only with a spelled "dot",
  // so "at the city hall" or "looked at example.jp" do not warn.
  const EMAIL = new RegExp(
    `[^\\s@()\\[\\]<>"'、。「」]\\s*(?:@|[(\\[]\\s*at\\s*[)\\]])\\s*(?:${EMAIL_LABEL}${EMAIL_DOT})+${EMAIL_LABEL}` +
    `|\\S\\s+at\\s+(?:${EMAIL_LABEL}${EMAIL_DOT})*${EMAIL_LABEL}${SPELLED_DOT}${EMAIL_LABEL}`, "iu");

  /** NFKC (full-width digits, ＠, （）, ～ as ASCII), dash look-alikes as "-", kanji digits as ASCII. */
  function normaliseDigits(text) {
    return String(text).normalize("NFKC")
      .replace(/[\u2010-\u2015\u2212\u30fc]/g, "-")
      .replace(/[〇零○一二三四五六七八九]/g, (d) => KANJI_VALUES[KANJI_DIGITS.indexOf(d)]);
  }

  /** The 12th digit of a My Number (個人番号), as in chatbot/core/redact.py. */
  function myNumberCheckDigit(firstEleven) {
    let total = 0;
    [...firstEleven].reverse().forEach((digit, i) => { total += Number(digit) * (i < 6 ? i + 2 : i - 4); });
    const remainder = total % 11;
    return remainder <= 1 ? 0 : 11 - remainder;
  }

  /** "phone", "mynumber" or null for one run of digit groups as written. */
  function numberKind(run) {
    if (THOUSANDS.test(run)) return null;
    const digits = run.replace(/\D/g, "");
    if (run.startsWith("+")) return digits.length >= 8 && digits.length <= 15 ? "phone" : null;
    if (DOMESTIC_PHONE.test(digits)) return "phone";
    if (digits.length !== 12) return null;
    const proven = Number(digits[11]) === myNumberCheckDigit(digits.slice(0, 11));
    return proven || !WEAK_MARK.test(run) ? "mynumber" : null;
  }

  /** "mynumber", "phone", "email" or null. */
  function personalInfoKind(text) {
    const s = normaliseDigits(text);
    for (const [run] of s.matchAll(NUMBER_RUN)) {
      // One range mark between two multi-group numbers (2026/11/04～2026/11/10) joins two numbers.
      const sides = run.split(/[ \t]*[~\u301c][ \t]*/);
      const parts = sides.length === 2 && sides.every((side) => /\d\D+\d/.test(side)) ? sides : [run];
      for (const part of parts) {
        const kind = numberKind(part);
        if (kind) return kind;
      }
    }
    return EMAIL.test(String(text).normalize("NFKC")) ? "email" : null;
  }

  // -------------------------------------------------------------------- styles

  function parseHexColor(value) {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(value || "").trim());
    if (!m) return null;
    let hex = m[1];
    if (hex.length === 3) hex = hex.split("").map((c) => c + c).join("");
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  function luminance(rgb) {
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  const DEFAULT_PRIMARY = [0, 105, 62];
  const WHITE = [255, 255, 255];
  const INK = [26, 26, 26];
  const primaryRgb = parseHexColor(data.color) || DEFAULT_PRIMARY;
  const cssRgb = (rgb) => `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
  // Text on the primary colour: white or near-black, whichever contrasts more.
  const onPrimary = contrast(primaryRgb, WHITE) >= contrast(primaryRgb, INK) ? WHITE : INK;
  // Primary-coloured text on white needs 4.5:1; fall back to the ink colour if it fails.
  const accentText = contrast(primaryRgb, WHITE) >= 4.5 ? primaryRgb : INK;

  const CSS = `
:host {
  all: initial !important;
  display: block !important;
  position: static !important;
  visibility: visible !important;
  opacity: 1 !important;
  font-size: medium !important;
  color: #1a1a1a !important;
  font-family: system-ui, -apple-system, "Hiragino Sans", "Hiragino Kaku Gothic ProN",
    "Noto Sans JP", "Yu Gothic UI", Meiryo, sans-serif !important;
  line-height: 1.6 !important;
  --cb-primary: ${cssRgb(primaryRgb)};
  --cb-on-primary: ${cssRgb(onPrimary)};
  --cb-accent: ${cssRgb(accentText)};
  --cb-focus: #1a4fd6;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.sr-only {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0;
}
button, textarea, a { font: inherit; }
button { cursor: pointer; }
:focus-visible { outline: 3px solid var(--cb-focus); outline-offset: 2px; }
textarea:focus-visible { outline-offset: 0; }

.launcher {
  position: fixed; bottom: 1em; ${POSITION}: 1em; z-index: 2147483000;
  display: inline-flex; align-items: center; gap: 0.5em;
  min-height: 3.25em; max-width: calc(100vw - 2em); padding: 0.6em 1.2em;
  border: 2px solid var(--cb-on-primary); border-radius: 999px;
  background: var(--cb-primary); color: var(--cb-on-primary);
  font-size: 1em; font-weight: 700; line-height: 1.3;
  box-shadow: 0 0.25em 0.75em rgba(0, 0, 0, 0.3);
}
.launcher svg { width: 1.5em; height: 1.5em; flex: none; fill: currentColor; }
.launcher:hover { filter: brightness(1.1); }
.launcher:focus-visible { outline: 3px solid var(--cb-focus); outline-offset: 3px;
  box-shadow: 0 0 0 6px #fff, 0 0.25em 0.75em rgba(0, 0, 0, 0.3); }

.panel {
  position: fixed; bottom: 5em; ${POSITION}: 1em; z-index: 2147483001;
  display: flex; flex-direction: column;
  width: min(26em, calc(100vw - 2em)); height: min(40em, calc(100vh - 6.5em));
  background: #fff; color: #1a1a1a;
  border: 1px solid #6b6b6b; border-radius: 0.75em;
  box-shadow: 0 0.5em 2em rgba(0, 0, 0, 0.35); overflow: hidden;
}
@media (max-width: 36em), (max-height: 30em) {
  .panel {
    inset: 0; width: 100%; height: 100%; max-width: none; max-height: none;
    border: 0; border-radius: 0;
  }
  @supports (height: 100dvh) { .panel { height: 100dvh; } }
}

.header {
  display: flex; align-items: center; gap: 0.5em; flex-wrap: wrap;
  padding: 0.5em 0.75em; background: var(--cb-primary); color: var(--cb-on-primary);
}
.title { flex: 1 1 8em; margin: 0; font-size: 1.05em; font-weight: 700; line-height: 1.4;
  overflow-wrap: anywhere; }
.header button {
  min-height: 2.75em; min-width: 2.75em; padding: 0.25em 0.75em;
  border: 2px solid currentColor; border-radius: 0.4em;
  background: transparent; color: inherit; font-size: 0.9em; font-weight: 700;
}
.header select {
  min-height: 2.75em; max-width: 9em; padding: 0.25em 0.4em; border: 2px solid currentColor; border-radius: 0.4em;
  background: var(--cb-primary); color: inherit; font: inherit; font-size: 0.9em; font-weight: 700;
}
.header button:hover { background: rgba(127, 127, 127, 0.25); }
.header button[aria-pressed="true"] { background: var(--cb-on-primary); color: var(--cb-primary); }
rt { font-size: 0.6em; line-height: 1; }
.panel:not(.furigana) rt { display: none; }
.furigana .bubble { line-height: 2.1; }
.header :focus-visible { outline-color: currentColor; outline-offset: 1px;
  box-shadow: 0 0 0 5px var(--cb-primary); }

.notice {
  margin: 0; padding: 0.5em 0.75em; background: #fff4ce; color: #1a1a1a;
  border-bottom: 1px solid #c9b458; font-size: 0.9em; line-height: 1.5; overflow-wrap: anywhere;
}

.log {
  position: relative; flex: 1 1 auto; min-height: 6em; overflow-y: auto; overflow-x: hidden;
  padding: 0.75em; background: #f4f5f6; overscroll-behavior: contain;
}
.log:focus-visible { outline-offset: -3px; }

.msg { display: flex; margin: 0 0 0.75em; }
.msg.user { justify-content: flex-end; }
.bubble {
  max-width: 92%; padding: 0.6em 0.8em; border-radius: 0.75em; overflow-wrap: anywhere;
  word-break: normal; line-break: strict;
}
.user .bubble { background: var(--cb-primary); color: var(--cb-on-primary); border-bottom-right-radius: 0.2em;
  white-space: pre-wrap; }
.bot .bubble { background: #fff; color: #1a1a1a; border: 1px solid #c4c7cc; border-bottom-left-radius: 0.2em; }
.bot.error .bubble { border-color: #b3261e; background: #fdf0ef; }
.bubble p { margin: 0 0 0.5em; }
.bubble p:last-child { margin-bottom: 0; }
.bubble ul, .bubble ol { margin: 0 0 0.5em; padding-left: 1.4em; }
.bubble li { margin: 0.15em 0; }
.bubble a { color: var(--cb-accent); text-decoration: underline; text-underline-offset: 0.15em; }
.bubble a:hover { text-decoration-thickness: 2px; }
.md { margin-bottom: 0.5em; }
.md-heading { margin-top: 0.5em; }

.source { margin: 0.5em 0 0; padding-top: 0.5em; border-top: 1px solid #d5d8dc;
  font-size: 0.875em; color: #4a4a4a; }
.source p { margin: 0 0 0.25em; }
.official { font-weight: 700; }

.contact { margin: 0.5em 0 0; padding: 0.6em 0.75em; border: 1px solid #8a8f96; border-radius: 0.5em;
  background: #fafafa; }
.contact h3, .online h3, .chips-title { margin: 0 0 0.35em; font-size: 0.95em; font-weight: 700; }
.contact .name { margin: 0 0 0.25em; font-weight: 700; }
.contact p { margin: 0 0 0.35em; font-size: 0.95em; }
.status { display: inline-block; padding: 0.05em 0.5em; border-radius: 0.3em; font-weight: 700;
  font-size: 0.85em; margin-right: 0.35em; }
.status.open { background: #dff3e4; color: #0b5c27; border: 1px solid #0b5c27; }
.status.closed { background: #fdecea; color: #8c1d18; border: 1px solid #8c1d18; }
a.call {
  display: inline-flex; align-items: center; gap: 0.4em; min-height: 2.75em; margin: 0.25em 0;
  padding: 0.4em 1em; border-radius: 999px; background: var(--cb-primary); color: var(--cb-on-primary);
  font-weight: 700; text-decoration: none; border: 2px solid transparent;
}
a.call:hover { text-decoration: underline; }
.online { margin: 0.5em 0 0; }
.online ul { margin: 0; padding-left: 1.2em; }

.chips { margin: 0.6em 0 0; }
.chips ul { display: flex; flex-wrap: wrap; gap: 0.4em; margin: 0; padding: 0; list-style: none; }
.chip {
  min-height: 2.75em; padding: 0.35em 0.9em; border: 2px solid var(--cb-accent); border-radius: 1.4em;
  background: #fff; color: var(--cb-accent); font-size: 0.9em; text-align: left; line-height: 1.4;
  overflow-wrap: anywhere;
}
.chip:hover { background: #eef3f0; }

.feedback { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4em; margin: 0.6em 0 0;
  font-size: 0.875em; color: #4a4a4a; }
.feedback button {
  min-width: 2.75em; min-height: 2.75em; padding: 0.2em 0.5em; border: 1px solid #6b6b6b;
  border-radius: 0.4em; background: #fff; font-size: 1.1em; line-height: 1;
}
.feedback button[aria-pressed="true"] { background: #dbe7ff; border: 2px solid var(--cb-focus); }
.speak { min-height: 2.75em; min-width: 2.75em; margin: 0.4em 0 0; border: 1px solid #767676; border-radius: 0.4em;
  background: #fff; color: #1a1a1a; font-size: 1em; }
.speak[aria-pressed="true"] { background: #dbe7ff; border: 2px solid var(--cb-focus); }
.feedback button[aria-disabled="true"] { cursor: default; }
.thanks { color: #0b5c27; font-weight: 700; }
.thanks.error { color: #8c1d18; }

.typing .bubble { color: #4a4a4a; font-style: italic; }
.bot.talk .bubble { background: #eef3f0; }

.subject {
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.4em; margin: 0; padding: 0.35em 0.75em;
  border-top: 1px solid #c4c7cc; background: #fff; font-size: 0.875em; color: #1a1a1a;
}
.subject p { flex: 1 1 10em; margin: 0; overflow-wrap: anywhere; }
.subject button { min-height: 2.75em; padding: 0.2em 0.8em; border: 2px solid var(--cb-accent);
  border-radius: 0.4em; background: #fff; color: var(--cb-accent); font-weight: 700; }

.warning {
  margin: 0; padding: 0.6em 0.75em; background: #fdecea; color: #1a1a1a;
  border-top: 2px solid #b3261e; font-size: 0.92em; overflow-wrap: anywhere;
}
.warning p { margin: 0 0 0.4em; }
.warning .actions { display: flex; flex-wrap: wrap; gap: 0.5em; }
.warning button { min-height: 2.75em; padding: 0.3em 0.9em; border-radius: 0.4em; font-weight: 700;
  border: 2px solid #8c1d18; background: #fff; color: #8c1d18; }
.warning button.primary { background: #8c1d18; color: #fff; }

.form { display: flex; align-items: flex-end; gap: 0.5em; padding: 0.6em 0.75em;
  border-top: 1px solid #c4c7cc; background: #fff; }
.form textarea {
  flex: 1 1 auto; min-width: 0; min-height: 2.75em; max-height: 8em; resize: none;
  padding: 0.5em 0.6em; border: 2px solid #6b6b6b; border-radius: 0.5em;
  background: #fff; color: #1a1a1a; line-height: 1.5;
}
.form textarea::placeholder { color: #5f6368; opacity: 1; }
.send {
  flex: none; min-height: 2.75em; min-width: 4em; padding: 0.4em 1em; border-radius: 0.5em;
  border: 2px solid var(--cb-primary); background: var(--cb-primary); color: var(--cb-on-primary);
  font-weight: 700;
}
.send[aria-disabled="true"] { opacity: 0.7; cursor: progress; }

@media (forced-colors: active) {
  .launcher, .send, a.call, .chip, .bubble, .panel { border: 2px solid CanvasText; }
}
@media (prefers-reduced-motion: no-preference) {
  .panel { animation: cb-in 0.15s ease-out; }
  @keyframes cb-in { from { opacity: 0; transform: translateY(0.5em); } to { opacity: 1; transform: none; } }
}
@media print { :host { display: none !important; } }
`;

  function adoptStyles(root) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      // Older browsers without constructable stylesheets (needs style-src 'unsafe-inline').
      root.append(el("style", { text: CSS }));
    }
  }

  // ------------------------------------------------------------------ the DOM

  const host = document.createElement("div");
  host.id = "yotsukaido-chatbot";
  host.setAttribute("data-chatbot-widget", "");
  const shadow = host.attachShadow({ mode: "open" });
  adoptStyles(shadow);

  const ui = {};

  function chatIcon() {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
    svg.append(path);
    return svg;
  }

  function build() {
    ui.launcher = el("button", {
      type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "cb-panel",
    }, chatIcon(), (ui.launcherText = el("span")));

    ui.title = el("h2", { class: "title", id: "cb-title" });
    ui.langMenu = el("select", { class: "lang" },
      ...LANGUAGES.map((l) => el("option", { value: l.code, lang: htmlLang(l.code) }, l.name)));
    ui.rubyButton = el("button", { type: "button", class: "ruby", "aria-pressed": "false" });
    ui.closeButton = el("button", { type: "button", class: "close" });
    ui.notice = el("p", { class: "notice", id: "cb-notice" });
    ui.log = el("div", {
      class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions text",
      "aria-atomic": "false", tabindex: "0",
    });
    ui.warningText = el("p", { id: "cb-warning-text" });
    ui.warnEdit = el("button", { type: "button", class: "primary" });
    ui.warnSend = el("button", { type: "button" });
    ui.warning = el("div", { class: "warning", role: "alert", hidden: true },
      ui.warningText, el("div", { class: "actions" }, ui.warnEdit, ui.warnSend));
    ui.subjectText = el("p", { id: "cb-subject" });
    ui.subjectReset = el("button", { type: "button", class: "reset" });
    ui.subject = el("div", { class: "subject", hidden: true }, ui.subjectText, ui.subjectReset);
    ui.inputLabel = el("label", { for: "cb-input", class: "sr-only" });
    ui.input = el("textarea", {
      id: "cb-input", rows: "2", autocomplete: "off", enterkeyhint: "send",
      "aria-describedby": "cb-notice",
    });
    ui.send = el("button", { type: "submit", class: "send" });
    ui.form = el("form", { class: "form", novalidate: true }, ui.inputLabel, ui.input, ui.send);
    ui.panel = el("div", {
      class: "panel", id: "cb-panel", role: "dialog", "aria-modal": "false", hidden: true,
    },
    el("div", { class: "header" }, ui.title, ui.rubyButton, ui.langMenu, ui.closeButton),
    ui.notice, ui.log, ui.subject, ui.warning, ui.form);

    shadow.append(ui.panel, ui.launcher);

    ui.launcher.addEventListener("click", () => (isOpen() ? close() : open()));
    ui.launcher.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && isOpen()) { ev.preventDefault(); close(); }
    });
    ui.closeButton.addEventListener("click", close);
    ui.langMenu.addEventListener("change", () => setLang(ui.langMenu.value));
    ui.rubyButton.addEventListener("click", () => setFurigana(!furigana));
    ui.panel.addEventListener("keydown", onPanelKeydown);
    ui.form.addEventListener("submit", (ev) => { ev.preventDefault(); submit(false); });
    ui.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
        ev.preventDefault();
        submit(false);
      }
    });
    ui.input.addEventListener("input", () => { hideWarning(); autoGrow(); });
    ui.warnEdit.addEventListener("click", () => { hideWarning(); ui.input.focus(); });
    ui.warnSend.addEventListener("click", () => submit(true));
    ui.subjectReset.addEventListener("click", () => { setSubject(null); lastDepartment = null; ui.input.focus(); });

    applyTexts();
    greet();
  }

  function applyTexts() {
    ui.panel.setAttribute("lang", htmlLang(lang));
    ui.launcher.setAttribute("lang", htmlLang(lang));
    ui.launcherText.textContent = t("launcher");
    ui.title.textContent = t("title");
    ui.panel.setAttribute("aria-label", t("title"));
    ui.langMenu.value = lang;
    ui.langMenu.setAttribute("aria-label", t("language"));
    ui.rubyButton.textContent = t("furigana");
    ui.rubyButton.setAttribute("aria-label", t("furigana_label"));
    ui.rubyButton.hidden = !LANGUAGE[lang].japanese; // readings are for Japanese text
    ui.rubyButton.setAttribute("aria-pressed", furigana ? "true" : "false");
    ui.panel.classList.toggle("furigana", furigana);
    ui.closeButton.textContent = t("close");
    ui.notice.textContent = t("notice");
    ui.log.setAttribute("aria-label", t("log_label"));
    ui.inputLabel.textContent = t("input_label");
    ui.input.setAttribute("placeholder", t("placeholder"));
    ui.send.textContent = t("send");
    ui.warnEdit.textContent = t("warn_edit");
    ui.warnSend.textContent = t("warn_send");
    ui.subjectReset.textContent = t("subject_reset");
    showSubject();
    if (!ui.warning.hidden && ui.warning.dataset.kind) {
      ui.warningText.textContent = t("warn_" + ui.warning.dataset.kind);
    }
  }

  /** The HTML lang of a language code: やさしい日本語 is Japanese to browsers and screen readers. */
  function htmlLang(language) { return LANGUAGE[language] && LANGUAGE[language].japanese ? "ja" : language; }

  function greetingText(language) {
    if (language === "ja" && data.greeting) return data.greeting;
    if (language === "en" && data.greetingEn) return data.greetingEn;
    return t("greeting", null, language);
  }

  function greet() {
    const bubble = el("div", { class: "bubble" }, el("p", { text: greetingText(lang) }));
    ui.greeting = addMessage("bot", bubble, lang);
  }

  function setLang(next) {
    lang = LANGUAGE[next] ? next : "ja";
    try { sessionStorage.setItem("yotsukaido-chatbot-lang", lang); } catch (e) { /* storage blocked */ }
    applyTexts();
    // While the conversation has not started, simply show the greeting in the new language.
    if (ui.log.children.length === 1 && ui.greeting) {
      ui.greeting.remove();
      greet();
    }
  }

  /** Readings over kanji from the next reply on; readings already shown are hidden or shown again at once. */
  function setFurigana(on) {
    furigana = on;
    try { sessionStorage.setItem("yotsukaido-chatbot-furigana", on ? "1" : ""); } catch (e) { /* blocked */ }
    applyTexts();
  }

  // ----------------------------------------------------------- open and close

  function isOpen() { return !ui.panel.hidden; }

  function open() {
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.input.focus();
  }

  function close() {
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.focus();
  }

  function isFullScreen() {
    return window.matchMedia("(max-width: 36em), (max-height: 30em)").matches;
  }

  function focusables() {
    return [...ui.panel.querySelectorAll("button, a[href], textarea, [tabindex='0']")]
      .filter((n) => !n.closest("[hidden]") && n.getClientRects().length > 0);
  }

  function onPanelKeydown(ev) {
    if (ev.key === "Escape" && !ev.isComposing) {
      ev.preventDefault();
      ev.stopPropagation();
      close();
      return;
    }
    // On small screens the panel covers the page: keep Tab inside it (then it is modal).
    if (ev.key === "Tab" && isFullScreen()) {
      const items = focusables();
      if (!items.length) return;
      const first = items[0];
      const last = items[items.length - 1];
      const active = shadow.activeElement;
      if (ev.shiftKey && active === first) { ev.preventDefault(); last.focus(); }
      else if (!ev.shiftKey && active === last) { ev.preventDefault(); first.focus(); }
    }
  }

  function syncModal() {
    ui.panel.setAttribute("aria-modal", isFullScreen() ? "true" : "false");
  }

  // ------------------------------------------------------------------ messages

  function addMessage(who, bubble, language, extraClass) {
    const row = el("div", { class: `msg ${who}${extraClass ? " " + extraClass : ""}` });
    if (language) row.setAttribute("lang", htmlLang(language));
    bubble.prepend(el("span", { class: "sr-only", text: t(who === "user" ? "you" : "bot") + ": " }));
    row.append(bubble);
    ui.log.append(row);
    scrollToMessage(row);
    return row;
  }

  function scrollToMessage(row) {
    const top = row.offsetTop - 8;
    const bottom = row.offsetTop + row.offsetHeight - ui.log.clientHeight + 8;
    // Show the start of a long reply rather than its end.
    ui.log.scrollTop = Math.max(0, Math.min(top, bottom));
  }

  function autoGrow() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight + 4, 200) + "px";
  }

  function showWarning(kind) {
    ui.warning.dataset.kind = kind;
    ui.warningText.textContent = t("warn_" + kind);
    ui.warning.hidden = false;
    ui.warnEdit.focus();
  }

  function hideWarning() {
    ui.warning.hidden = true;
    delete ui.warning.dataset.kind;
  }

  // What the conversation is about: the server keeps nothing, so the previous reply's subject goes back
  // with the next question ("必要なものは？" after an answer on 転入届 is about 転入届).
  let subject = null;
  // After a reply with no subject (a fallback), its office is the matter in hand: "can I talk to someone?"
  // then gets that office's contact rather than the switchboard.
  let lastDepartment = null;
  // The last answer and whether it was rated, so "thanks" can ask for the rating it has not had yet.
  let lastAnswer = null;

  function setSubject(next) {
    subject = next && typeof next === "object" && typeof next.id === "string" && next.id ? next : null;
    showSubject();
  }

  function showSubject() {
    ui.subject.hidden = !subject;
    ui.subjectText.textContent = subject ? t("subject", { question: String(subject.question || "") }) : "";
  }

  let busy = false;

  function setBusy(value) {
    busy = value;
    ui.log.setAttribute("aria-busy", value ? "true" : "false");
    ui.send.setAttribute("aria-disabled", value ? "true" : "false");
  }

  function submit(confirmed) {
    if (busy) return;
    const message = ui.input.value.trim();
    if (!message) { ui.input.focus(); return; }
    if (!confirmed) {
      const kind = personalInfoKind(message);
      if (kind) { showWarning(kind); return; }
    }
    hideWarning();
    ui.input.value = "";
    autoGrow();
    ui.input.focus();
    ask(message);
  }

  async function ask(message, faqId) {
    const sentLang = lang;
    addMessage("user", el("div", { class: "bubble" }, message), null);
    const typing = addMessage("bot", el("div", { class: "bubble" }, t("thinking")), sentLang, "typing");
    setBusy(true);
    try {
      const body = { message, lang: sentLang };
      if (faqId) body.faq_id = faqId;
      if (subject) body.previous_faq_id = subject.id;
      else if (lastDepartment) body.previous_department = lastDepartment;
      if (furigana && LANGUAGE[sentLang].japanese) body.furigana = true;
      const res = await postJson("/api/chat", body);
      typing.remove();
      if (res.ok && res.body && res.body.type) renderReply(res.body, sentLang);
      else renderError(errorText(res, sentLang), message, sentLang);
    } catch (e) {
      typing.remove();
      renderError(t("error_network", null, sentLang), message, sentLang);
    } finally {
      setBusy(false);
    }
  }

  async function postJson(path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(API + path, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      let json = null;
      try { json = await response.json(); } catch (e) { json = null; }
      return { ok: response.ok, status: response.status, body: json };
    } finally {
      clearTimeout(timer);
    }
  }

  function errorText(res, language) {
    const error = res.body && res.body.error;
    const texts = error && typeof error === "object" ? error.messages : null;
    if (texts && typeof texts === "object") {
      const text = texts[language] || texts.ja;
      if (typeof text === "string" && text.trim()) return text;
    }
    if (res.status === 429) return t("error_busy", null, language);
    return t("error_generic", null, language);
  }

  function renderError(text, message, language) {
    const retry = el("button", { type: "button", class: "chip" }, t("retry", null, language));
    const bubble = el("div", { class: "bubble" }, el("p", { text }), el("div", { class: "chips" }, retry));
    const row = addMessage("bot", bubble, language, "error");
    retry.addEventListener("click", () => {
      if (busy) return;
      row.remove();
      ui.input.focus();
      ask(message);
    });
  }

  const TALK = ["greeting", "thanks", "handoff", "details", "chatter"];

  function renderReply(reply, language) {
    const L = LANGUAGE[reply.lang] ? reply.lang : language;
    const tl = (key, values) => t(key, values, L);
    const bubble = el("div", { class: "bubble" });
    const faq = reply.faq && typeof reply.faq === "object" ? reply.faq : null;
    const talk = TALK.includes(reply.type);
    const contact = reply.contact && typeof reply.contact === "object" ? reply.contact : null;

    // Asking for a person: the call button comes first, before any words.
    if (reply.type === "handoff" && contact) bubble.append(renderContact(contact, tl));
    if (typeof reply.message === "string" && reply.message.trim()) {
      bubble.append(renderMarkdown(reply.message));
    }
    if (reply.type === "answer" && faq) {
      const answer = renderMarkdown(faq.answer);
      bubble.append(answer, renderSpeak(answer, L, tl));
      const source = el("div", { class: "source" });
      const cite = faq.updated
        ? tl("source", { question: faq.question || "", updated: faq.updated })
        : tl("source_no_date", { question: faq.question || "" });
      source.append(el("p", null, renderInline(cite, 1)));
      const href = faq.url ? safeHttpUrl(faq.url) : null;
      if (href) source.append(el("p", null, externalLink(href, tl("official_link"), "official")));
      bubble.append(source);
    }
    if (!talk && contact) bubble.append(renderContact(contact, tl));
    if (!talk && Array.isArray(reply.online) && reply.online.length) bubble.append(renderOnline(reply.online, tl));
    if (Array.isArray(reply.suggestions) && reply.suggestions.length) {
      const heading = reply.type === "answer" ? "related" : reply.type === "greeting" ? "popular" : "did_you_mean";
      bubble.append(renderSuggestions(reply.suggestions, tl(heading), L));
    }
    if (reply.type === "thanks" && lastAnswer && !lastAnswer.rated) {
      bubble.append(renderFeedback(lastAnswer, tl, "feedback_last"));
    } else if (!talk && reply.answer_id) {
      const rated = { id: reply.answer_id, rated: false };
      if (reply.type === "answer") lastAnswer = rated;
      bubble.append(renderFeedback(rated, tl, "feedback_prompt"));
    }
    setSubject(reply.subject);
    lastDepartment = reply.contact && typeof reply.contact.department === "string" ? reply.contact.department : null;

    const row = addMessage("bot", bubble, L, talk ? "talk" : reply.type === "answer" ? "answer" : "fallback");
    row.dataset.type = reply.type;
    return row;
  }

  function renderContact(c, tl) {
    const box = el("section", { class: "contact" });
    box.append(el("h3", { text: tl("contact_heading") }));
    if (c.name) box.append(el("p", { class: "name" }, renderInline(String(c.name), 1)));
    const status = el("p", { class: "open-status" },
      el("span", { class: c.open_now ? "status open" : "status closed",
        text: tl(c.open_now ? "open_now" : "closed_now") }),
      c.status_text ? renderInline(String(c.status_text), 1) : null);
    box.append(status);
    if (c.hours_text) box.append(el("p", null, tl("hours"), renderInline(String(c.hours_text), 1)));
    const tel = typeof c.tel_uri === "string" && /^tel:\+?[0-9-]{3,20}$/.test(c.tel_uri) ? c.tel_uri : null;
    if (tel) {
      const call = el("a", { class: "call", href: tel }, tl("call", { phone: c.phone || tel.slice(4) }));
      box.append(el("p", null, call));
    } else if (c.phone) {
      box.append(el("p", { text: tl("phone", { phone: c.phone }) }));
    }
    if (typeof c.email === "string" && /^[^\s@<>"()]+@[^\s@<>"()]+\.[^\s@<>"()]+$/.test(c.email)) {
      box.append(el("p", null, tl("email"), el("a", { href: "mailto:" + c.email, text: c.email })));
    }
    const url = c.url ? safeHttpUrl(c.url) : null;
    if (url) box.append(el("p", null, externalLink(url, tl("contact_url"))));
    if (c.location) box.append(el("p", null, tl("location"), renderInline(String(c.location), 1)));
    if (c.note) box.append(el("p", null, renderInline(String(c.note), 1)));
    return box;
  }

  function renderOnline(items, tl) {
    const list = el("ul");
    for (const item of items) {
      const href = item && safeHttpUrl(item.url);
      if (href) list.append(el("li", null, externalLink(href, String(item.title || href))));
    }
    if (!list.children.length) return null;
    return el("section", { class: "online" }, el("h3", { text: tl("online_heading") }), list);
  }

  function renderSuggestions(items, heading, language) {
    const list = el("ul");
    for (const item of items.slice(0, 3)) {
      if (!item || !item.question) continue;
      const chip = el("button", { type: "button", class: "chip", "data-faq-id": item.id || null },
        String(item.question));
      chip.addEventListener("click", () => {
        if (busy) return;
        hideWarning();
        if (lang !== language) setLang(language);
        ui.input.focus();
        ask(String(item.question), item.id ? String(item.id) : null);
      });
      list.append(el("li", null, chip));
    }
    if (!list.children.length) return null;
    const titleId = "cb-chips-" + Math.random().toString(36).slice(2, 9);
    return el("div", { class: "chips", role: "group", "aria-labelledby": titleId },
      el("p", { class: "chips-title", id: titleId, text: heading }), list);
  }

  // ---------------------------------------------------------------- read aloud

  const speakButtons = new Set();

  function voiceOf(language) { return (LANGUAGE[language] && LANGUAGE[language].voice) || language; }

  function hasVoice(language) {
    const synth = window.speechSynthesis;
    if (!synth || typeof synth.getVoices !== "function") return false;
    const prefix = voiceOf(language).split("-")[0].toLowerCase();
    return synth.getVoices().some((v) => String(v.lang).toLowerCase().replace("_", "-").startsWith(prefix));
  }

  /** What a voice should say: the text as shown (readings over kanji left out: the voice reads the kanji),
   * one block a line, URLs left out, and phone numbers digit by digit (043-421-2111, not "forty-three"). */
  function speechText(node) {
    const copy = node.cloneNode(true);
    copy.querySelectorAll("rt").forEach((rt) => rt.remove());
    const blocks = [...copy.querySelectorAll("p, li")];
    const text = (blocks.length ? blocks.map((b) => b.textContent) : [copy.textContent]).join("\n");
    return text
      .replace(/https?:\/\/\S+/g, "")
      .replace(/\d{2,5}(?:-\d{1,4}){1,3}/g,
        (phone) => phone.split("-").map((part) => part.split("").join(" ")).join("、"))
      .replace(/[ \t]+/g, " ").trim();
  }

  /** 🔊 for one answer, in the reply's language; hidden while the browser has no voice for it. */
  function renderSpeak(node, language, tl) {
    const button = el("button", { type: "button", class: "speak", "aria-pressed": "false",
      "aria-label": tl("speak"), title: tl("speak") }, "🔊");
    button.dataset.lang = language;
    button.hidden = !hasVoice(language);
    speakButtons.add(button);
    button.addEventListener("click", () => {
      const synth = window.speechSynthesis;
      const speaking = button.getAttribute("aria-pressed") === "true";
      synth.cancel();
      speakButtons.forEach((b) => b.setAttribute("aria-pressed", "false"));
      if (speaking) return;
      const utterance = new SpeechSynthesisUtterance(speechText(node));
      utterance.lang = voiceOf(language);
      utterance.addEventListener("end", () => button.setAttribute("aria-pressed", "false"));
      button.setAttribute("aria-pressed", "true");
      synth.speak(utterance);
    });
    return button;
  }

  // Voices arrive after the page loads in some browsers: show the buttons whose language has one now.
  if (window.speechSynthesis && typeof window.speechSynthesis.addEventListener === "function") {
    window.speechSynthesis.addEventListener("voiceschanged", () => {
      speakButtons.forEach((b) => { b.hidden = !hasVoice(b.dataset.lang); });
    });
  }

  /** 👍/👎 for one answer; `answer.rated` is shared by every prompt for it (a "thanks" repeats the prompt). */
  function renderFeedback(answer, tl, promptKey) {
    const box = el("div", { class: "feedback" });
    const prompt = el("span", { text: tl(promptKey) });
    const up = el("button", { type: "button", class: "up", "aria-pressed": "false",
      "aria-label": tl("helpful"), title: tl("helpful") }, "👍");
    const down = el("button", { type: "button", class: "down", "aria-pressed": "false",
      "aria-label": tl("not_helpful"), title: tl("not_helpful") }, "👎");
    const status = el("span", { class: "thanks" });
    let sent = false;

    async function rate(helpful, button) {
      if (sent || answer.rated) return;
      sent = true;
      answer.rated = true;
      button.setAttribute("aria-pressed", "true");
      for (const b of [up, down]) b.setAttribute("aria-disabled", "true");
      try {
        const res = await postJson("/api/feedback", { answer_id: answer.id, helpful, comment: "" });
        if (!res.ok) throw new Error(String(res.status));
        status.className = "thanks";
        status.textContent = tl("thanks");
      } catch (e) {
        sent = false;
        answer.rated = false;
        button.setAttribute("aria-pressed", "false");
        for (const b of [up, down]) b.removeAttribute("aria-disabled");
        status.textContent = tl("feedback_error");
        status.className = "thanks error";
      }
    }
    up.addEventListener("click", () => rate(true, up));
    down.addEventListener("click", () => rate(false, down));
    box.append(prompt, up, down, status);
    return box;
  }

  // --------------------------------------------------------------------- start

  function start() {
    try {
      const saved = sessionStorage.getItem("yotsukaido-chatbot-lang");
      if (!data.lang && LANGUAGE[saved]) lang = saved;
      furigana = sessionStorage.getItem("yotsukaido-chatbot-furigana") === "1";
    } catch (e) { /* storage blocked */ }
    build();
    syncModal();
    window.addEventListener("resize", syncModal);
    (document.body || document.documentElement).append(host);
  }

  // Exposed for tests and for site integrators ("open the chat" buttons on the page).
  window.YotsukaidoChatbot = {
    open: () => open(),
    close: () => close(),
    setLang: (l) => setLang(l),
    renderAnswer: (source) => renderMarkdown(source),
    _personalInfoKind: personalInfoKind,
  };

  if (data.mount === "false") return;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
