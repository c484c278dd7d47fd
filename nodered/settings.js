/**
 * Node-RED settings for the ThermIQ cabinet dashboard (Node-RED 4.x, FlowFuse Dashboard 2.0).
 *
 * Environment:
 *   NR_HOST / NR_PORT       HTTP bind (default 127.0.0.1:1880; the dashboard is at /dashboard)
 *   MQTT_HOST / MQTT_PORT   broker used by flows.json (substituted as ${MQTT_HOST} / ${MQTT_PORT})
 *   MQTT_USER / MQTT_PASSWORD   broker credentials (user `nodered`), referenced by flows_cred.json
 *   NR_ADMIN_USER / NR_ADMIN_HASH   protect the editor/admin API (bcrypt hash, `node-red admin hash-pw`)
 *   NR_DISABLE_EDITOR=1     headless (tests): no editor UI, the admin HTTP API still answers
 *
 * Node-RED only talks MQTT to the controller (docs/SOURCES.md S-MQTT: no Modbus here) and
 * writes only through the `/set` and `cmd/safety/*` topics the broker ACL allows user `nodered`.
 */
const adminAuth = process.env.NR_ADMIN_USER && process.env.NR_ADMIN_HASH ? {
    type: "credentials",
    users: [{ username: process.env.NR_ADMIN_USER, password: process.env.NR_ADMIN_HASH, permissions: "*" }]
} : undefined;

module.exports = {
    uiHost: process.env.NR_HOST || "127.0.0.1",
    uiPort: parseInt(process.env.NR_PORT || "1880", 10),
    flowFilePretty: true,
    // flows_cred.json holds only ${MQTT_USER} / ${MQTT_PASSWORD} references, so it is stored unencrypted
    credentialSecret: false,
    adminAuth: adminAuth,
    disableEditor: process.env.NR_DISABLE_EDITOR === "1",
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false },
    logging: { console: { level: process.env.NR_LOG_LEVEL || "info", metrics: false, audit: false } },
    exportGlobalContextKeys: false,
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    editorTheme: { projects: { enabled: false } },
    functionExternalModules: false,
    functionTimeout: 5,
    mqttReconnectTime: 2000,
    debugMaxLength: 1000
};
