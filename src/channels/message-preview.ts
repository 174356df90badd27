import { Channel } from "../vocabulary/channel";
import { renderMail } from "./mail/mail-message";
import { MessageContent } from "./message-content";
import { renderTeamsMessage } from "./msteams/adaptive-card";
import { renderSlackMessage } from "./slack/slack-message";

/**
 * What a channel would send for the content, as text: Slack's `{text, blocks}` and the Teams card
 * as the JSON they post, a mail as its subject line and text part (the HTML part says the same).
 */
export function renderPreview(channel: Channel, content: MessageContent): string {
  switch (channel) {
    case Channel.SLACK:
      return JSON.stringify(renderSlackMessage(content));
    case Channel.MSTEAMS:
      return renderTeamsMessage(content);
    case Channel.MAIL: {
      const mail = renderMail(content);
      return `Subject: ${mail.subject}\n\n${mail.text}`;
    }
  }
}
