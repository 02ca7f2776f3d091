/**
 * Imported for its side effect by campaign workers (and anything that needs program ids to
 * resolve): registers the built-in scenario programs.
 */
import { registerBuiltinPrograms } from './program.js';

registerBuiltinPrograms();
