import { z } from "zod";

/** A user as DefectDojo's API v2 serialises one (users/, and `user` in user_profile/); unknown keys are dropped. */
export const dojoUserRow = z.object({
  id: z.number().int().positive(),
  username: z.string().min(1),
  // Django's User.email is blank=True: an empty string is normal; null is tolerated.
  email: z
    .string()
    .nullish()
    .transform((email) => email ?? ""),
  is_active: z.boolean(),
  is_superuser: z.boolean(),
  // 3.2 serialises is_staff (dojo/user/api/serializer.py), and its legacy authorization lets staff see
  // every product; 2.58's users/ has none (2.58.2-changelog dojo/api_v2/serializers.py UserSerializer),
  // and its RBAC asks none. Absent, nobody is taken for staff.
  is_staff: z.boolean().optional().default(false),
  // For DefectDojo's `str(user)`, "First Last (username)", in polled events' texts.
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
});

export type DojoUserRow = z.infer<typeof dojoUserRow>;
