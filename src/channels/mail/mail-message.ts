import { ListKind, MessageContent, truncate, unlistedFindingsLine } from "../message-content";

/**
 * Longest subject kept. RFC 5322 §2.1.1 allows 998 characters per line (nodemailer folds the header
 * anyway); mail clients show well under 200, so the rest would only be noise.
 */
export const SUBJECT_MAX_CHARS = 200;

// What the plain-text part calls the list.
const LIST_LABELS: Record<ListKind, string> = { findings: "Findings", events: "Events", mixed: "Findings and events" };

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** Renders content as a mail: a one-line subject, a plain-text part and an HTML part with every untrusted string escaped. */
export function renderMail(content: MessageContent): MailContent {
  return { subject: subject(content.title), text: textPart(content), html: htmlPart(content) };
}

/** Text for HTML content and attribute values (both quote styles). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function subject(title: string): string {
  // A CR or LF from the title must never reach the header; other control characters have no place in it either.
  const line = `DefectDojo notification: ${title}`.replace(/[\p{Cc}\u2028\u2029]/gu, " ");
  return truncate(line, SUBJECT_MAX_CHARS);
}

function textPart(content: MessageContent): string {
  const parts = [content.heading, content.title];
  if (content.text) parts.push(content.text);
  if (content.facts.length > 0) parts.push(content.facts.map((fact) => `${fact.label}: ${fact.value}`).join("\n"));
  if (content.findings.length > 0) {
    const lines = content.findings.map((f) => `- ${f.severity}: ${f.title}${f.link ? ` <${f.link}>` : ""}`);
    if (content.unlistedFindings > 0) lines.push(unlistedFindingsLine(content.unlistedFindings, content.listKind));
    parts.push(`${LIST_LABELS[content.listKind ?? "findings"]}:\n${lines.join("\n")}`);
  }
  if (content.link) parts.push(`View in DefectDojo: ${content.link}`);
  return `${parts.join("\n\n")}\n`;
}

function htmlPart(content: MessageContent): string {
  const html: string[] = [
    `<p style="color:#666;margin:0">DefectDojo &middot; ${escapeHtml(content.heading)}</p>`,
    `<h2 style="margin:4px 0 12px">${anchor(content.title, content.link)}</h2>`,
  ];
  if (content.text) html.push(`<p>${escapeHtml(content.text).replace(/\r?\n/g, "<br>\n")}</p>`);
  if (content.facts.length > 0) {
    const rows = content.facts.map(
      (fact) => `<tr><th align="left" style="padding-right:12px">${escapeHtml(fact.label)}</th><td>${escapeHtml(fact.value)}</td></tr>`,
    );
    html.push(`<table>${rows.join("")}</table>`);
  }
  if (content.findings.length > 0) {
    const items = content.findings.map((f) => `<li><strong>${escapeHtml(f.severity)}</strong> ${anchor(f.title, f.link)}</li>`);
    html.push(`<ul>${items.join("")}</ul>`);
    if (content.unlistedFindings > 0) html.push(`<p>${escapeHtml(unlistedFindingsLine(content.unlistedFindings, content.listKind))}</p>`);
  }
  if (content.link) html.push(`<p>${anchor("View in DefectDojo", content.link)}</p>`);
  return `<!DOCTYPE html>\n<html><body style="font-family:sans-serif">\n${html.join("\n")}\n</body></html>\n`;
}

/** A link when there is one; links reaching here are already http(s). */
function anchor(label: string, url: string | null): string {
  return url ? `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>` : escapeHtml(label);
}
