/** The seed's scenarios, by category, and the registry the runner picks them from. */
export { scenarios } from './registry.js';
