/**
 * The email's HTML part: escaping what is interpolated into it, and the checks an HTML template passes
 * at cold start. The check is strict where browsers and mail clients are forgiving, so that what one
 * client renders another renders the same: every element is closed explicitly (HTML's void elements
 * excepted) and in order, attribute values are quoted, and `<` and `&` in text are written as
 * references. And, for a code message: no script, no style sheet and nothing fetched from elsewhere
 * (no remote image, font or tracking pixel): styles are inline attributes.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for an HTML element's content or a quoted attribute value. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
/** Elements that run code, pull in style sheets or other documents, or send data somewhere. */
const FORBIDDEN_ELEMENTS = new Set(['script', 'style', 'link', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'form', 'base', 'noscript', 'template', 'svg', 'math']);
/** Attributes whose value a client fetches. */
const FETCHED_ATTRIBUTES = new Set(['src', 'srcset', 'background', 'poster', 'data', 'codebase', 'lowsrc', 'dynsrc']);
const REFERENCE = /^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/;
const NAME = /^[A-Za-z][A-Za-z0-9-]*/;
const ATTRIBUTE_NAME = /^[^\s"'>/=<`]+/;
/** A value a client would fetch: anything but an inline `data:` or an attachment's `cid:`. */
const fetchesSomething = (value: string) => !/^\s*(data|cid):/i.test(value);

/** What is wrong with `html` as an email's HTML part; [] when nothing is. Each problem names its line. */
export function htmlProblems(html: string): string[] {
  const problems: string[] = [];
  const lineOf = (index: number) => html.slice(0, index).split('\n').length;
  const open: { name: string; line: number }[] = [];
  const checkReferences = (text: string, at: number) => {
    for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
      if (!REFERENCE.test(text.slice(i))) problems.push(`line ${lineOf(at + i)}: a bare "&" (write &amp;)`);
    }
  };

  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    checkReferences(html.slice(i, lt === -1 ? html.length : lt), i);
    if (lt === -1) break;
    const rest = html.slice(lt);
    const line = lineOf(lt);
    if (rest.startsWith('<!--')) {
      const end = html.indexOf('-->', lt + 4);
      if (end === -1) {
        problems.push(`line ${line}: a comment is never closed`);
        break;
      }
      i = end + 3;
      continue;
    }
    if (rest.startsWith('<!')) {
      const doctype = /^<!doctype\s+html\s*>/i.exec(rest);
      if (!doctype) problems.push(`line ${line}: only <!DOCTYPE html> may start with "<!"`);
      i = lt + (doctype ? doctype[0].length : 2);
      continue;
    }
    if (rest.startsWith('</')) {
      const end = /^<\/([A-Za-z][A-Za-z0-9-]*)\s*>/.exec(rest);
      if (!end) {
        problems.push(`line ${line}: a malformed end tag`);
        i = lt + 2;
        continue;
      }
      const name = end[1]!.toLowerCase();
      const depth = open.map((e) => e.name).lastIndexOf(name);
      if (depth === -1) problems.push(`line ${line}: </${name}> closes no open <${name}>`);
      else {
        for (const unclosed of open.slice(depth + 1).reverse()) problems.push(`line ${unclosed.line}: <${unclosed.name}> is not closed before </${name}>`);
        open.length = depth;
      }
      i = lt + end[0].length;
      continue;
    }
    const nameMatch = NAME.exec(rest.slice(1));
    if (!nameMatch) {
      problems.push(`line ${line}: a bare "<" (write &lt;)`);
      i = lt + 1;
      continue;
    }
    const name = nameMatch[0].toLowerCase();
    const tag = startTag(html, lt + 1 + nameMatch[0].length);
    for (const p of tag.problems) problems.push(`line ${line}: <${name}> ${p}`);
    if (FORBIDDEN_ELEMENTS.has(name)) problems.push(`line ${line}: <${name}> is not allowed in a code message (no script, style sheet, frame or form)`);
    for (const [attribute, value] of tag.attributes) {
      if (attribute.startsWith('on')) problems.push(`line ${line}: <${name} ${attribute}>: no event handler attributes (no script)`);
      if (FETCHED_ATTRIBUTES.has(attribute) && fetchesSomething(value))
        problems.push(`line ${line}: <${name} ${attribute}> would fetch a remote resource (no remote images or tracking)`);
      if (attribute === 'style' && /url\s*\(|@import|expression\s*\(/i.test(value))
        problems.push(`line ${line}: <${name} style> may not load anything (url(), @import)`);
      if (value.includes('&')) checkReferences(value, lt);
    }
    if (tag.end === undefined) {
      problems.push(`line ${line}: <${name} is never closed with ">"`);
      break;
    }
    if (tag.selfClosing && !VOID_ELEMENTS.has(name)) problems.push(`line ${line}: <${name}/> is not self-closing in HTML: close it with </${name}>`);
    if (!VOID_ELEMENTS.has(name) && !tag.selfClosing) open.push({ name, line });
    i = tag.end;
  }
  for (const unclosed of open.reverse()) problems.push(`line ${unclosed.line}: <${unclosed.name}> is never closed`);
  return problems;
}

interface StartTag {
  attributes: [string, string][];
  selfClosing: boolean;
  /** Index just past ">", or undefined when the tag never ends. */
  end: number | undefined;
  problems: string[];
}

/** Reads a start tag's attributes from `from` (just past its name) to its ">". */
function startTag(html: string, from: number): StartTag {
  const attributes: [string, string][] = [];
  const problems: string[] = [];
  let i = from;
  for (;;) {
    const ws = /^\s*/.exec(html.slice(i))![0].length;
    i += ws;
    if (i >= html.length) return { attributes, selfClosing: false, end: undefined, problems };
    if (html.startsWith('/>', i)) return { attributes, selfClosing: true, end: i + 2, problems };
    if (html[i] === '>') return { attributes, selfClosing: false, end: i + 1, problems };
    if (ws === 0 && i !== from) problems.push('needs a space between its attributes');
    const nameMatch = ATTRIBUTE_NAME.exec(html.slice(i));
    if (!nameMatch) {
      problems.push(`has a stray "${html[i]}"`);
      i += 1;
      continue;
    }
    const name = nameMatch[0].toLowerCase();
    if (attributes.some(([n]) => n === name)) problems.push(`repeats the attribute ${name}`);
    i += nameMatch[0].length;
    const eq = /^\s*=\s*/.exec(html.slice(i));
    if (!eq) {
      attributes.push([name, '']);
      continue;
    }
    i += eq[0].length;
    const quote = html[i];
    if (quote !== '"' && quote !== "'") {
      problems.push(`has an unquoted value for ${name} (quote it)`);
      const bare = /^[^\s>]*/.exec(html.slice(i))![0];
      attributes.push([name, bare]);
      i += bare.length;
      continue;
    }
    const close = html.indexOf(quote, i + 1);
    if (close === -1) {
      problems.push(`has an unclosed quote in ${name}`);
      return { attributes, selfClosing: false, end: undefined, problems };
    }
    attributes.push([name, html.slice(i + 1, close)]);
    i = close + 1;
  }
}
