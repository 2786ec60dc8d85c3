// @ts-check
/* inline-entry.js — what make dist bundles (with esbuild, three.js included)
 * into supervox.html's one inline module script. Imports run in order: the
 * setup first, so the app finds SupervoxInline when it starts. */
import './inline-setup.js';
import '../../web/app.js';
