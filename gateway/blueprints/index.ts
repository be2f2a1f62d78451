/** `/blueprints`: install, list, stage and remove blueprints (docs/blueprints.md). */
export { blueprintsRoute, blueprintSummary } from './route.js';
