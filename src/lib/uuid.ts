import { z } from 'zod';

const uuidSchema = z.uuid();

/** Whether a string is a UUID (as Postgres would accept it for a uuid column). */
export function isUuid(value: string): boolean {
  return uuidSchema.safeParse(value).success;
}
