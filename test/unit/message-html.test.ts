// The email's HTML part: escaping, and the well-formedness and no-fetch checks an HTML template passes.
import { describe, expect, it } from 'vitest';
import { escapeHtml, htmlProblems } from '../../shared/messages/html.js';

const page = (body: string) => `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>t</title></head>\n<body>\n${body}\n</body>\n</html>`;

describe('escapeHtml', () => {
  it('escapes the five characters that could open markup or end an attribute', () => {
    expect(escapeHtml(`A&B <Co> "x" 'y'`)).toBe('A&amp;B &lt;Co&gt; &quot;x&quot; &#39;y&#39;');
  });
});

describe('htmlProblems', () => {
  it('accepts a well-formed document with void elements, comments, references and inline styles', () => {
    const html = page(
      '<!-- a note -->\n<p style="font-family:monospace;">Code&nbsp;&#8212;&#x2014; <b>{code}</b><br><img alt="" src="data:image/png;base64,AAAA"><hr/></p>',
    );
    expect(htmlProblems(html)).toEqual([]);
  });

  it('names an element left open, and one closed out of order, by line', () => {
    expect(htmlProblems(page('<div><p>text</div>'))).toEqual(['line 5: <p> is not closed before </div>']);
    expect(htmlProblems('<div>\n<span>x</span>')).toEqual(['line 1: <div> is never closed']);
    expect(htmlProblems('<p>x</p></td>')).toEqual(['line 1: </td> closes no open <td>']);
  });

  it('refuses a bare & or <, an unquoted or repeated attribute, a self-closing <div/>, an unclosed tag or comment', () => {
    expect(htmlProblems('<p>Tom & Jerry</p>')).toEqual(['line 1: a bare "&" (write &amp;)']);
    expect(htmlProblems('<p>1 < 2</p>')).toEqual(['line 1: a bare "<" (write &lt;)']);
    expect(htmlProblems('<p class=x>y</p>')).toEqual(['line 1: <p> has an unquoted value for class (quote it)']);
    expect(htmlProblems('<p class="a" class="b">y</p>')).toEqual(['line 1: <p> repeats the attribute class']);
    expect(htmlProblems('<div/>')).toEqual(['line 1: <div/> is not self-closing in HTML: close it with </div>']);
    expect(htmlProblems('<p>x</p><b')).toEqual(['line 1: <b is never closed with ">"']);
    expect(htmlProblems('<p>x</p><!-- y')).toEqual(['line 1: a comment is never closed']);
    expect(htmlProblems('<a href="/x?a=1&b=2">y</a>')).toEqual(['line 1: a bare "&" (write &amp;)']);
  });

  it('refuses scripts, style sheets, event handlers and anything fetched from elsewhere', () => {
    expect(htmlProblems('<script>alert(1)</script>')).toEqual([
      'line 1: <script> is not allowed in a code message (no script, style sheet, frame or form)',
    ]);
    expect(htmlProblems('<style>p{}</style>')).toHaveLength(1);
    expect(htmlProblems('<link rel="stylesheet" href="https://cdn.example/x.css">')).toHaveLength(1);
    expect(htmlProblems('<p onclick="x()">y</p>')).toEqual(['line 1: <p onclick>: no event handler attributes (no script)']);
    expect(htmlProblems('<img src="https://t.example/pixel.gif" alt="">')).toEqual([
      'line 1: <img src> would fetch a remote resource (no remote images or tracking)',
    ]);
    expect(htmlProblems('<img src="//t.example/pixel.gif" alt="">')).toHaveLength(1);
    expect(htmlProblems('<td background="http://t.example/bg.png">x</td>')).toHaveLength(1);
    expect(htmlProblems('<div style="background:url(https://t.example/p.gif)">x</div>')).toEqual([
      'line 1: <div style> may not load anything (url(), @import)',
    ]);
    expect(htmlProblems('<img src="cid:logo" alt="">')).toEqual([]);
  });
});
