/**
 * The `trainer` kind: the fifth actor kind (docs/trainers.md). Today it serves each tenant's feedback owner
 * `trainer/feedback` (stateful: one activation in the mesh, so every feedback write and aggregate goes through one
 * writer); experiments, optimisations and fine-tune jobs join it as further ids. Hosted wherever agents are, like the
 * thread owners, so a node running agents can always take feedback on their runs.
 */
import type { Behavior } from '../../runtime/index.js';
import type { BuiltKind, KindDescriptor } from '../kinds/index.js';
import { feedbackBehavior } from './feedback.js';

/** The trainer kind's name and address kind. */
export const TRAINER_KIND = 'trainer';

export const trainerKind: KindDescriptor = {
  name: TRAINER_KIND,
  serves: TRAINER_KIND,
  stateful: true,
  hostedWith: ['agent'],
  build(): BuiltKind {
    return {
      ids: () => ['feedback'],
      behavior: (): Behavior<unknown> => feedbackBehavior() as Behavior<unknown>,
    };
  },
};
