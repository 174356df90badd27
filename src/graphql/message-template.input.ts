import { ArgsType, Field, InputType } from "type-graphql";
import { TEMPLATE_PLACEHOLDERS, TEMPLATE_TEXT_MAX_CHARS, TEMPLATE_TITLE_MAX_CHARS } from "../channels/message-template";
import { Channel, NotificationEvent } from "./enums";

const PLACEHOLDER_HELP = Object.entries(TEMPLATE_PLACEHOLDERS)
  .map(([name, description]) => `\`{{${name}}}\`: ${description}`)
  .join("\n");

/** Checked by validateTemplate in the resolver, not by class-validator: "title or text" spans both fields. */
@InputType({
  description:
    "A message template. Title and text are plain text with placeholders; everything, values and the " +
    "template's own words, is escaped for the channel, so no channel markup takes effect. A null or " +
    `blank part keeps DefectDojo's. Placeholders:\n${PLACEHOLDER_HELP}`,
})
export class MessageTemplateInput {
  @Field(() => NotificationEvent)
  event: NotificationEvent;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => String, { nullable: true, description: `At most ${TEMPLATE_TITLE_MAX_CHARS} characters.` })
  title?: string | null;

  @Field(() => String, { nullable: true, description: `At most ${TEMPLATE_TEXT_MAX_CHARS.toLocaleString("en")} characters.` })
  text?: string | null;
}

/** A class (not two @Arg) so the SDL lists `event` before `channel`. */
@ArgsType()
export class MessageTemplateKeyArgs {
  @Field(() => NotificationEvent)
  event: NotificationEvent;

  @Field(() => Channel)
  channel: Channel;
}

@ArgsType()
export class PreviewMessageArgs {
  @Field(() => String, { description: "DefectDojo's event name, as in `X-DefectDojo-Event` (e.g. `scan_added`)." })
  event: string;

  @Field(() => String, { description: "A DefectDojo webhook body, as JSON text." })
  payload: string;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => MessageTemplateInput, {
    nullable: true,
    description: "The template to try (its event and channel must be the preview's); absent: the stored one, if any.",
  })
  template?: MessageTemplateInput | null;
}
