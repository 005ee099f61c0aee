/** The app's version (package.json's), written into every lab file so a reader knows what made it. */
import pkg from '../../package.json';

export const APP_VERSION: string = pkg.version;
