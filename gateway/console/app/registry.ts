/**
 * The console's views, in navigation order. A new view is one file under `views/` exporting a {@link View}, plus one
 * line here (docs/console.md).
 */
import type { ComponentType } from 'preact';
import type { Assistant } from './api.js';
import type { Socket } from './ws.js';
import { chatView } from './views/chat.js';
import { auditView } from './views/audit.js';
import { experimentsView } from './views/experiments.js';
import { meshView } from './views/mesh.js';
import { threadsView } from './views/threads.js';
import { timelineView } from './views/timeline.js';
import { usageView } from './views/usage.js';

/** What every view gets from the shell. */
export interface ViewProps {
  /** The agents and workflows the caller may run. */
  readonly assistants: readonly Assistant[];
  /** The page's WebSocket. */
  readonly socket: Socket;
  /** The part of the location hash after the view's id (`#/threads/<id>` → `<id>`). */
  readonly param: string;
}

/** One page of the console. */
export interface View {
  /** The hash route: `#/<id>`. */
  readonly id: string;
  readonly title: string;
  readonly component: ComponentType<ViewProps>;
}

/** Every view; the first is the start page. */
export const VIEWS: readonly View[] = [chatView, threadsView, timelineView, meshView, auditView, experimentsView, usageView];
