/**
 * Ids in requests. A UUID is taken in any case and used in lower case: the workflow ids are built from it
 * (`guest-<id>`, `…-case-<id>`), and PostgreSQL, which compares UUIDs by value, would find the row of an id
 * in capitals while Temporal knows no workflow of that name.
 */
import { z } from 'zod';

export const uuidId = (message: string) => z.uuid(message).transform((id) => id.toLowerCase());
