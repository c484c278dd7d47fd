// ThermIQ dashboard model (generated into flows.json by thermiq.adapters.mqtt.nodered_flows; edit
// nodered/widgets/model.js, not the flow). Keeps the last value and arrival time of every registry
// topic, decides staleness (controller offline, or no update for STALE_S), keeps the trip history,
// and sends one snapshot to every view at most every THROTTLE_MS.
// Outputs: 1 snapshot -> views, 2 notification on a new trip, then one per trend chart, then one
// per gauge (value rounded to the registry's decimals; class tq-stale-gauge while stale).
const STALE_S = SITE.stale_s;
const THROTTLE_MS = 500;
const now = Date.now();
const st = context.get('st') || { v: {}, seen: {}, online: null, events: [], known: {}, cmd: null, timer: null,
                                  trend: {} };
const base = SITE.base + '/';
const notes = [];
const points = [];
const gauges = new Array(Object.keys(SITE.gauges).length).fill(null);
if (msg.topic === base + 'status' || msg.topic === '__tick') {
    for (const [path, g] of Object.entries(SITE.gauges)) {
        const online = msg.topic === '__tick' ? st.online : msg.payload === 'online';
        const fresh = online === true && (now - (st.seen[path] || 0)) <= STALE_S * 1000;
        if (typeof st.v[path] === 'number') {
            gauges[g[0]] = { topic: path, payload: Number(st.v[path].toFixed(g[1])), class: fresh ? '' : 'tq-stale-gauge' };
        }
    }
}
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
        const g = SITE.gauges[path];
        if (g && typeof msg.payload === 'number') {
            gauges[g[0]] = { topic: path, payload: Number(msg.payload.toFixed(g[1])), class: st.online === true ? '' : 'tq-stale-gauge' };
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
                 events: st.events, cmd: st.cmd } }]);
};
if (!st.timer) { st.timer = setTimeout(send, THROTTLE_MS); }
context.set('st', st);
const charts = SITE.charts.map(c => points.filter(p => p.chart === c).map(p => ({ topic: p.topic, payload: p.payload })));
if (notes.length || points.length || gauges.some(g => g)) {
    return [null, notes.length ? notes : null, ...charts.map(c => c.length ? c : null), ...gauges];
}
return null;
