// Turns a template's list of blocks into the HTML and the plain-text part of a mail, so the
// two alternatives always say the same thing. Every string is escaped here, once, on the way out.

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'code'; code: string }
  | { kind: 'button'; label: string; url: string }
  | { kind: 'details'; lines: string[] }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'footnote'; text: string };

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

// Inline styles only: many mail clients drop <style> elements.
const STYLE = {
  body: "margin:0;padding:24px 12px;background:#f9f9fb;color:#15141a;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif",
  card: 'max-width:560px;margin:0 auto;padding:32px;background:#ffffff;border-radius:8px',
  heading: 'margin:0 0 16px;font-size:22px;font-weight:600;line-height:1.3',
  paragraph: 'margin:0 0 16px;font-size:15px;line-height:1.5',
  code: 'margin:0 0 16px;font-family:Menlo,Consolas,monospace;font-size:32px;font-weight:700;letter-spacing:4px',
  buttonRow: 'margin:24px 0',
  button:
    'display:inline-block;padding:12px 24px;background:#0060df;color:#ffffff;border-radius:4px;font-size:15px;font-weight:600;text-decoration:none',
  details: 'margin:0 0 16px;padding:12px 16px;background:#f0f0f4;border-radius:4px;font-size:14px;line-height:1.6',
  link: 'color:#0060df',
  footnote: 'margin:24px 0 0;color:#5b5b66;font-size:13px;line-height:1.5',
} as const;

function blockToHtml(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h1 style="${STYLE.heading}">${escapeHtml(block.text)}</h1>`;
    case 'paragraph':
      return `<p style="${STYLE.paragraph}">${escapeHtml(block.text)}</p>`;
    case 'code':
      return `<p style="${STYLE.code}">${escapeHtml(block.code)}</p>`;
    case 'button':
      return `<p style="${STYLE.buttonRow}"><a href="${escapeHtml(block.url)}" style="${STYLE.button}">${escapeHtml(block.label)}</a></p>`;
    case 'details':
      return `<p style="${STYLE.details}">${block.lines.map(escapeHtml).join('<br>')}</p>`;
    case 'link':
      return `<p style="${STYLE.paragraph}"><a href="${escapeHtml(block.url)}" style="${STYLE.link}">${escapeHtml(block.label)}</a></p>`;
    case 'footnote':
      return `<p style="${STYLE.footnote}">${escapeHtml(block.text)}</p>`;
  }
}

/** How the text part introduces a URL, e.g. "Confirm account:"; localized, as French wants a space before ":". */
export type TextLinkLabel = (label: string) => string;

function blockToText(block: Block, linkLabel: TextLinkLabel): string {
  switch (block.kind) {
    case 'heading':
    case 'paragraph':
    case 'footnote':
      return block.text;
    case 'code':
      return block.code;
    case 'button':
    case 'link':
      return `${linkLabel(block.label)}\n${block.url}`;
    case 'details':
      return block.lines.join('\n');
  }
}

export function renderHtml(blocks: Block[], page: { locale: string; title: string }): string {
  return [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(page.locale)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    '</head>',
    `<body style="${STYLE.body}">`,
    `<div style="${STYLE.card}">`,
    ...blocks.map(blockToHtml),
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export function renderText(blocks: Block[], linkLabel: TextLinkLabel = (label) => `${label}:`): string {
  return `${blocks.map((block) => blockToText(block, linkLabel)).join('\n\n')}\n`;
}
