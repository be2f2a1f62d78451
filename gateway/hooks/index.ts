/** Webhook triggers of workflows: `POST /hooks/<name>`. */
export { hooksRoute } from './route.js';
