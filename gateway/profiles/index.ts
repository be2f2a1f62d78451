/** `/profiles`: user profiles over HTTP; the run's user stamped from the caller. */
export { profilesRoute } from './route.js';
export { withRunUser } from './identity.js';
