// Stands in for node-gyp-build-optional-packages inside the single executable: native addons
// are loaded from beside the binary, else from the copy embedded as a SEA asset.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

function dlopen(file) {
  const m = { exports: {} };
  process.dlopen(m, file);
  return m.exports;
}

module.exports = function loadNative() {
  const beside = path.join(path.dirname(process.execPath), 'lmdb.node');
  if (fs.existsSync(beside)) return dlopen(beside);
  const sea = require('node:sea');
  const buf = Buffer.from(sea.getAsset('lmdb.node'));
  const digest = crypto.createHash('sha256').update(buf).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `hybridctl-native-${digest}`);
  const file = path.join(dir, 'lmdb.node');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, buf, { mode: 0o500 });
    fs.renameSync(tmp, file);
  }
  return dlopen(file);
};
module.exports.default = module.exports;
