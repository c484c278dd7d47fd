// ThermIQ dashboard model (generated into flows.json by thermiq.adapters.mqtt.nodered_flows; edit
// nodered/widgets/model.js, not the flow). Keeps the last value and arrival time of every registry
// topic, decides staleness (controller offline, or no update for STALE_S), keeps the trip history,
// and sends one snapshot to every view at most every THROTTLE_MS.
// Outputs: 1 snapshot -> views, 2 notification on a new trip, 3 trend points -> charts.
const STALE_S = SITE.stale_s;
const THROTTLE_MS = 500;
const now = Date.now();
const st = context.get('st') || { v: {}, seen: {}, online: null, events: [], known: {}, cmd: null, timer: null,
                                  trend: {} };
const base = SITE.base + '/';
const notes = [];
const points = [];
if (msg.topic === '__tick') {
    // periodic re-evaluation of ages (no message of its own)
} else if (typeof msg.topic === 'string' && msg.topic.startsWith(base)) {
    const path = msg.topic.slice(base.length);
    if (path === 'status') {
        st.online = (msg.payload === 'online');
        st.v[path] = msg.payload;
        st.seen[path] = now;
    } else if (path.endsWith('/ack')) {
        const a = msg.payload || {};
        const what = path.slice(0, -4);
        st.cmd = { what: what, accepted: !!a.accepted, reason: a.reason || null, at: now,
                   text: (SITE.commands[what] || what) + ': ' + (a.accepted ? 'accepted' : 'refused (' + a.reason + ')') };
    } else {
        st.v[path] = msg.payload;
        st.seen[path] = now;
        if (path === 'state/safety/trips') {
            const trips = Array.isArray(msg.payload) ? msg.payload : [];
            const ids = {};
            for (const t of trips) {
                ids[t.id] = t.state;
                const old = st.known[t.id];
                if (old !== t.state) {
                    st.events.unshift({ at: t.since_wall_s && !old ? t.since_wall_s * 1000 : now, id: t.id,
                                        from: old || 'normal', to: t.state, cause: t.cause, value: t.value, unit: t.unit });
                    if (!old) {
                        notes.push({ payload: 'TRIP ' + t.id + ': ' + t.cause + (t.first_out ? ' (first out)' : ''),
                                     topic: 'trip' });
                    }
                }
            }
            for (const id of Object.keys(st.known)) {
                if (!(id in ids)) { st.events.unshift({ at: now, id: id, from: st.known[id], to: 'normal' }); }
            }
            st.known = ids;
            st.events = st.events.slice(0, 100);
        }
        const tr = SITE.trend[path];
        if (tr && typeof msg.payload === 'number' && (!st.trend[path] || now - st.trend[path] >= SITE.trend_every_ms)) {
            st.trend[path] = now;
            points.push({ topic: tr[1], payload: msg.payload, chart: tr[0] });
        }
    }
}
const send = () => {
    const t = Date.now();
    const stale = {};
    for (const p of Object.keys(st.v)) {
        stale[p] = p !== 'status' && (st.online !== true || (t - (st.seen[p] || 0)) > STALE_S * 1000);
    }
    st.timer = null;
    context.set('st', st);
    node.send([{ topic: 'snapshot', payload: { v: st.v, stale: stale, online: st.online, now: t,
                 events: st.events, cmd: st.cmd } }, null, null]);
};
if (!st.timer) { st.timer = setTimeout(send, THROTTLE_MS); }
context.set('st', st);
const charts = SITE.charts.map(c => points.filter(p => p.chart === c).map(p => ({ topic: p.topic, payload: p.payload })));
if (notes.length || points.length) {
    return [null, notes.length ? notes : null, ...charts.map(c => c.length ? c : null)];
}
return null;
