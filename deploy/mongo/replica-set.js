// Candour's MongoDB set-up, run by the mongo service's healthcheck in
// docker-compose.yml (mongosh on the node itself, every few seconds). It
// follows MongoDB's procedure for a replica set with keyfile access
// control, and is safe to run any number of times:
//
//  1. On the first start no user exists: the localhost exception lets a
//     shell on the node itself initiate the replica set and create the first
//     user, "root" (password MONGO_ROOT_PASSWORD).
//  2. As root, make sure the application's user exists: "candour" with
//     readWrite on its database (CANDOUR_DATABASE, default candour) and
//     nothing else (least privilege: no admin role, no other database).
//  3. Exit 0 (healthy) only when this node is the writable primary.
const rootPassword = process.env.MONGO_ROOT_PASSWORD;
const appPassword = process.env.CANDOUR_MONGO_PASSWORD;
const dbName = process.env.CANDOUR_DATABASE || 'candour';
if (!rootPassword || !appPassword) {
  print('MONGO_ROOT_PASSWORD and CANDOUR_MONGO_PASSWORD must be set: run "candour keys new --compose" to make .env');
  quit(1);
}
const admin = db.getSiblingDB('admin');

function signIn() {
  try {
    admin.auth('root', rootPassword);
    return true;
  } catch (e) {
    return false;
  }
}

function waitForPrimary() {
  for (let i = 0; i < 8; i++) {
    if (db.hello().isWritablePrimary) return true;
    sleep(1000);
  }
  return false;
}

if (!signIn()) {
  // First start: no users yet, so the localhost exception lets this shell
  // initiate the replica set and, once it has a primary, create the first user.
  try {
    rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] });
  } catch (e) {
    if (e.codeName === 'AlreadyInitialized' || /already initialized/i.test(String(e.message))) {
      // initiated by an earlier run that stopped before creating the user
    } else if (e.codeName === 'Unauthorized' || /requires authentication|not authorized/i.test(String(e.message))) {
      print('the root user exists but MONGO_ROOT_PASSWORD does not sign in as it: .env no longer matches the data volume');
      quit(1);
    } else {
      throw e;
    }
  }
  if (!waitForPrimary()) quit(1); // the next run carries on
  admin.createUser({ user: 'root', pwd: rootPassword, roles: [{ role: 'root', db: 'admin' }] });
  if (!signIn()) quit(1);
}

if (!waitForPrimary()) quit(1);
const app = db.getSiblingDB(dbName);
if (app.getUser('candour') === null) {
  app.createUser({ user: 'candour', pwd: appPassword, roles: [{ role: 'readWrite', db: dbName }] });
  print(`created user candour with readWrite on ${dbName}`);
}
quit(0);
