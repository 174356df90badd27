import { Field, ObjectType } from "type-graphql";
import { StoredMessageTemplate } from "../storage/template-store";
import { Channel, NotificationEvent } from "./enums";

@ObjectType("MessageTemplate", { description: "A superuser's message for one event on one channel, instead of DefectDojo's title and text." })
export class MessageTemplateType implements StoredMessageTemplate {
  @Field(() => NotificationEvent)
  event: NotificationEvent;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => String, { nullable: true, description: "Replaces the title; null keeps DefectDojo's." })
  title: string | null;

  @Field(() => String, { nullable: true, description: "Replaces the description; null keeps DefectDojo's." })
  text: string | null;
}
