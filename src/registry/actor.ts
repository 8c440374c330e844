import { FerryError } from '../core/index.js';
import type { Actor } from './registry-types.js';

const MAX_ACTOR_LENGTH = 256;
const MAX_REASON_LENGTH = 2048;

/** Who made a change and why, checked and normalised ('' reason becomes null). */
export interface CheckedActor {
  readonly actor: string;
  readonly reason: string | null;
}

/** Check the actor of a change: a non-empty name of up to 256 characters and an optional reason. */
export function validateActor(actor: Actor): CheckedActor {
  if (typeof actor.actor !== 'string' || actor.actor.trim() === '' || actor.actor.length > MAX_ACTOR_LENGTH) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `every change needs an actor: a name of 1-${MAX_ACTOR_LENGTH} characters (who made it)`,
    );
  }
  const reason = actor.reason ?? '';
  if (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH) {
    throw new FerryError('INVALID_ARGUMENT', `a reason is text of at most ${MAX_REASON_LENGTH} characters`);
  }
  return { actor: actor.actor, reason: reason === '' ? null : reason };
}
