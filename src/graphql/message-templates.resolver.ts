import { GraphQLError } from "graphql";
import { Arg, Args, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { ALL_CHANNELS } from "../vocabulary/channel";
import { describeEvent } from "../channels/message-content";
import { renderPreview } from "../channels/message-preview";
import { MessageTemplate, validateTemplate } from "../channels/message-template";
import { DojoEvent } from "../events/dojo-event";
import { ALL_NOTIFICATION_EVENTS, isSilentEvent } from "../events/notification-event";
import { StoredMessageTemplate } from "../storage/template-store";
import { SUPERUSER } from "./auth-checker";
import { RelayContext } from "./context";
import { perRow } from "./cost";
import { badUserInput } from "./errors";
import { MessageTemplateInput, MessageTemplateKeyArgs, PreviewMessageArgs } from "./message-template.input";
import { MessageTemplateType } from "./message-template.type";
import { previewEvent } from "./preview-event";

@Resolver()
export class MessageTemplatesResolver {
  @Authorized(SUPERUSER)
  @Query(() => [MessageTemplateType], {
    description: "Every stored template, in DefectDojo's event order, then channel order.",
    complexity: perRow(ALL_NOTIFICATION_EVENTS.length * ALL_CHANNELS.length),
  })
  messageTemplates(@Ctx() { services }: RelayContext): Promise<StoredMessageTemplate[]> {
    return services.templates.list();
  }

  @Authorized(SUPERUSER)
  @Mutation(() => MessageTemplateType, {
    description: "Stores (or replaces) the template of an event on a channel; an invalid one is refused and nothing changes.",
  })
  setMessageTemplate(
    @Arg("input", () => MessageTemplateInput) input: MessageTemplateInput,
    @Ctx() { services }: RelayContext,
  ): Promise<StoredMessageTemplate> {
    return services.templates.set(input.event, input.channel, checkedTemplate("input", input));
  }

  @Authorized(SUPERUSER)
  @Mutation(() => Boolean, { description: "Removes a template, so DefectDojo's message applies again; false when there was none." })
  deleteMessageTemplate(
    @Args(() => MessageTemplateKeyArgs) { event, channel }: MessageTemplateKeyArgs,
    @Ctx() { services }: RelayContext,
  ): Promise<boolean> {
    return services.templates.remove(event, channel);
  }

  @Authorized(SUPERUSER)
  @Query(() => String, {
    description:
      "What the channel would send for a DefectDojo webhook body, with the given template, else the stored one, else " +
      "none: Slack's and the Teams card's JSON, or a mail's subject and text. Stores and sends nothing. Link-only " +
      "messages, which ignore templates, are not previewed.",
  })
  async previewMessage(
    @Args(() => PreviewMessageArgs) { event: name, payload, channel, template: given }: PreviewMessageArgs,
    @Ctx() { services }: RelayContext,
  ): Promise<string> {
    const event = deliverableEvent(name, payload);
    let template: MessageTemplate | null;
    if (given) {
      // A template for another event or channel would preview somewhere it never applies.
      if (given.event !== event.setting) throw badUserInput("template.event", `must be ${event.setting}, the setting ${name} is routed by`);
      if (given.channel !== channel) throw badUserInput("template.channel", `must be ${channel}, the channel previewed`);
      template = checkedTemplate("template", given);
    } else {
      template = await services.templates.find(event.setting, channel);
    }
    return renderPreview(channel, describeEvent(event, services.dojoUrl, { template }));
  }
}

/** The input as a template (blank parts null), or a BAD_USER_INPUT error naming every problem. */
function checkedTemplate(field: string, input: MessageTemplateInput): MessageTemplate {
  const template = { title: input.title?.trim() ? input.title : null, text: input.text?.trim() ? input.text : null };
  const problems = validateTemplate(template);
  if (problems.length > 0) {
    throw new GraphQLError(`${field}: invalid template: ${problems.join("; ")}`, {
      extensions: { code: "BAD_USER_INPUT", field, problems },
    });
  }
  return template;
}

/** The event to preview: ping is never delivered, so it has no message. */
function deliverableEvent(name: string, payload: string): DojoEvent {
  if (isSilentEvent(name)) throw badUserInput("event", `${name} is never delivered, so it has no message`);
  return previewEvent(name, payload);
}
