export { startFerryServer, type FerryServer } from './ferry-server.js';
export { openStores, type FerryStores } from './open-stores.js';
