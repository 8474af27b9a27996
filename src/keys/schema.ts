import { z } from '@hono/zod-openapi';
import { ROLES } from '../context.js';

/** What creating a key takes, from the API and from the CLI alike. */
export const CreateKeySchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    role: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }),
  })
  .strict()
  .openapi('CreateKey');

export type CreateKeyInput = z.infer<typeof CreateKeySchema>;
