import { timestamp, uuid } from 'drizzle-orm/pg-core';

/** Primary key shared by every table: a random UUID made by Postgres. */
export const id = () => uuid().primaryKey().defaultRandom();

/** created_at / updated_at on every table. */
export const timestamps = {
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};
